"""The data cache: fetch a catalogue entry from a mirror, its public URL or its converted public source,
and find it again, checked against the sidecar record written beside it.

The cache (``cache_dir``; default :func:`~bootstrap.data.catalogue.default_cache_dir`) uses the same
layout as the shared data directory, so a cache can serve as another machine's mirror. Each file is
written atomically and gets a sidecar ``FILE.meta.json`` with its sha256, size, origin and, for data
offramp converts, the upstream files it was made from and the options it was made with; a file
without sidecar counts as not cached. A cached file whose size differs from the recorded one is
*damaged* (:class:`DamagedCacheError`); :func:`cached_path` with ``verify=True`` and :func:`fetch`
also compare the sha256, and :func:`fetch` fetches a damaged file again.

Upstream files that a converter reads (a SWORD module zip, a Wikipedia dump, a treebank archive) are
kept under ``CACHE/upstream/HOST/PATH``, so converting again (another ``--max-tokens``) downloads
nothing; an interrupted download resumes from its ``.part`` file there.
"""
import datetime
import hashlib
import json
import os
import re
import urllib.parse
import warnings
from pathlib import Path

from ..._version import __version__
from ..io.atomic import atomic_path
from ._errors import DamagedCacheError, DamagedCacheWarning, FetchError
from .catalogue import KNOWN_SOURCES, relative_path, source as _source
from .catalogue import default_cache_dir

_CHUNK = 1 << 20
_META_SUFFIX = ".meta.json"
#: Where converted kinds keep the upstream files they were made from, inside the cache.
UPSTREAM_DIR = "upstream"


def _cache_root(cache_dir):
    return Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()


def _meta_path(path):
    return path.with_name(path.name + _META_SUFFIX)


def fetch_signature(kind, name, *, cache_dir=None):
    """The reproducibility signature of a cached file: its kind, name and the start of its sha256."""
    from ..signature import make_signature

    record = cache_record(kind, name, cache_dir=cache_dir) or {}
    return make_signature(data=kind, name=name, sha256=(record.get("sha256") or "")[:16])


def cache_record(kind, name, *, cache_dir=None):
    """The sidecar of a cached file (``sha256``, ``bytes``, ``origin``, ``fetched``), or None."""
    path = _cache_root(cache_dir) / relative_path(kind, name)
    meta = _meta_path(path)
    if not (path.exists() and meta.is_file()):
        return None
    with open(meta, encoding="utf-8") as handle:
        return json.load(handle)


def _damage(path, record, *, full):
    """Why the cached ``path`` does not match its ``record`` (a string), or None when it does.

    The size is always compared; with ``full`` the sha256 too.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:  # e.g. a link to a mirror file that is gone
        return f"cannot be read: {exc.strerror}"
    if record.get("bytes") is not None and size != record["bytes"]:
        return f"{size} bytes where {record['bytes']} were recorded"
    if full:
        digest = _sha256_file(path)
        if digest != record.get("sha256"):
            return f"sha256 {digest} differs from the recorded {record.get('sha256')}"
    return None


def cached_path(kind, name, *, cache_dir=None, verify=False):
    """Local path of a fetched file, or None when it is not in the cache.

    Parameters
    ----------
    kind, name : str
        E.g. ``'muse', 'en-fi'``.
    cache_dir : str or path-like, optional
        Default :func:`default_cache_dir`.
    verify : bool, default False
        Also recompute the sha256 and compare it with the recorded one (the size is always compared).

    Returns
    -------
    path : pathlib.Path or None

    Raises
    ------
    DamagedCacheError
        The file was changed after it was fetched; the message names the ``--force`` fetch that repairs it.
    """
    path = _cache_root(cache_dir) / relative_path(kind, name)
    record = cache_record(kind, name, cache_dir=cache_dir)
    if record is None:
        return None
    reason = _damage(path, record, full=verify)
    if reason is not None:
        raise DamagedCacheError(f"{path} is damaged (changed after it was fetched: {reason}); fetch it again with "
                                f"`offramp data fetch {kind} {name} --force`")
    return path


def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _progress(total, desc, enabled):
    from .._progress import progress_bar

    return progress_bar(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, disable=not enabled,
                        leave=False)


def _copy_stream(reader, tmp, total, desc, progress):
    digest = hashlib.sha256()
    size = 0
    with open(tmp, "wb") as out, _progress(total, desc, progress) as bar:
        for block in iter(lambda: reader.read(_CHUNK), b""):
            out.write(block)
            digest.update(block)
            size += len(block)
            bar.update(len(block))
    return digest.hexdigest(), size


def _builder(kind):
    """The function that converts ``kind``'s upstream data into the shared layout, or None for kinds
    whose public URL serves the file itself."""
    name = _source(kind).get("builder")
    if name is None:
        return None
    if name == "sword":
        from .sword import build
    elif name == "ud":
        from .ud import build
    elif name == "ted":
        from .ted import build
    elif name == "wikipedia":
        from .wikipedia import build
    elif name == "freedict":
        from .freedict import build
    elif name == "freedict-pairs":
        from .freedict import build_pairs as build
    elif name == "omw":
        from .wordnet import build_omw as build
    elif name == "lsg":
        from .wordnet import build_lsg as build
    elif name == "apertium":
        from .apertium import build
    else:
        raise RuntimeError(f"data/sources.json names an unknown builder {name!r} for {kind}; reinstall offramp")
    return build


def upstream_getter(root, *, force=False, progress=True, timeout=60, what=None, log=None):
    """``get(url, known_hash=None) -> Path``, as the converters call it: the upstream file kept under
    ``root/upstream/HOST/PATH`` (downloaded when absent, or always with ``force``), each use appended
    to ``log`` (url, sha256, bytes, known_hash)."""
    from .download import download

    def get(url, *, known_hash=None):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "file":
            path = Path(urllib.parse.unquote(parts.path))
            if not path.is_file():
                raise FetchError(f"{what + ': ' if what else ''}{path}: no such file")
            record = {"url": url, "sha256": _sha256_file(path), "bytes": path.stat().st_size}
        else:
            path = Path(root) / UPSTREAM_DIR / parts.netloc / urllib.parse.unquote(parts.path).lstrip("/")
            meta = _meta_path(path)
            record = None
            if not force and path.is_file() and meta.is_file():
                with open(meta, encoding="utf-8") as handle:
                    record = json.load(handle)
                if record.get("bytes") != path.stat().st_size or (known_hash and record.get("known_hash")
                                                                  not in (None, known_hash)):
                    record = None
            if record is None:
                if meta.exists():
                    meta.unlink()
                record = download(url, path, known_hash=known_hash, progress=progress, timeout=timeout, what=what)
                record["fetched"] = _now()
                _write_json(meta, record)
        if log is not None:
            log.append({key: record.get(key) for key in ("url", "sha256", "bytes", "known_hash")})
        return path

    return get


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _write_json(path, record):
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1)
            handle.write("\n")


def fetch(kind, name, *, cache_dir=None, mirror=None, progress=True, force=False, link=False, timeout=60,
          options=None):
    """Make a public file available locally and return its path.

    Parameters
    ----------
    kind : str
        A key of :data:`~bootstrap.data.catalogue.KNOWN_SOURCES`, e.g. ``'muse'``.
    name : str
        The file within the kind, e.g. ``'en-fi'``, ``'en-fi.5000-6500'``, ``'lv.LvGluck8'``.
    cache_dir : str or path-like, optional
        Default :func:`~bootstrap.data.catalogue.default_cache_dir`.
    mirror : str or path-like, optional
        A directory laid out like ``shared/data``, or an ``http(s)://`` base URL with that layout;
        default ``$OFFRAMP_MIRROR``. When given, it is used instead of the public source.
    progress : bool, default True
        Show tqdm progress bars on stderr.
    force : bool, default False
        Fetch again even when the file is cached (and download a converted kind's upstream files
        again). Without it, a cached file is checked against its recorded size and sha256, and
        fetched again when it differs or was made with other ``options``.
    link : bool, default False
        With a local mirror, symlink to the mirror's file instead of copying it.
    timeout : float, default 60
        Seconds to wait for a server.
    options : dict, optional
        The converter's options (``wikipedia``: ``date``, ``max_tokens``; ``ud``: ``release``),
        recorded in the sidecar; None values are left out.

    Returns
    -------
    path : pathlib.Path
        The cached file.

    Warns
    -----
    DamagedCacheWarning
        The cached file no longer matches its recorded size or sha256; it is fetched again.

    Raises
    ------
    ValueError
        Unknown kind or bad name, options with a mirror (a mirror holds the default conversion
        only), or a local mirror whose file is the cache file itself (mirror == cache).
    FileNotFoundError
        The mirror lacks the file.
    FetchError
        The download or the conversion failed; the message suggests ``--mirror``.
    """
    rel = relative_path(kind, name)
    entry = _source(kind)
    options = {key: value for key, value in (options or {}).items() if value is not None}
    root = _cache_root(cache_dir)
    dest = root / rel
    if not force:
        record = cache_record(kind, name, cache_dir=cache_dir)
        reason = None if record is None else _damage(dest, record, full=True)
        if record is not None and reason is None and record.get("options", {}) == options:
            return dest
        if reason is not None:
            warnings.warn(f"{dest} is damaged (changed after it was fetched: {reason}); fetching it again",
                          DamagedCacheWarning, stacklevel=2)
    if mirror is None and os.environ.get("OFFRAMP_MIRROR"):
        mirror = os.environ["OFFRAMP_MIRROR"]
    local = mirror is not None and not re.match(r"https?://", str(mirror))
    if options and not entry.get("builder"):
        raise ValueError(f"{kind} {name}: {kind} is served as a file, so {', '.join(sorted(options))} cannot apply")
    if mirror is not None and options:
        raise ValueError(f"{kind} {name}: a mirror holds the default conversion only, so "
                         f"{', '.join(f'--{k.replace(chr(95), chr(45))}' for k in options)} cannot apply to it; "
                         "drop --mirror (and unset OFFRAMP_MIRROR) to convert from the public source")
    if local:
        src = Path(mirror).expanduser() / rel
        if not src.is_file():
            raise FileNotFoundError(f"{src}: not in the mirror {mirror} (a mirror is laid out like shared/data; this "
                                    f"file belongs at {rel}); without --mirror it comes from its public source")
        # Replacing dest must not destroy the mirror's file: refuse when the mirror file *is* the
        # cache entry (mirror == cache). A cache entry that is a link to the mirror file is fine.
        if os.path.realpath(src) == os.path.join(os.path.realpath(dest.parent), dest.name):
            raise ValueError(f"the mirror file {src} is the cache file {dest} itself (--mirror {mirror} is the "
                             "cache directory); a file cannot be fetched from itself (with --link it would become "
                             "a link to itself and be lost). Pass a --mirror other than the cache, or another --cache")
    desc = f"{kind} {name}"
    meta = _meta_path(dest)
    # Order: drop the old sidecar, replace the data atomically, then write the sidecar. A crash in
    # between leaves a file without sidecar, which counts as not cached and is fetched again.
    if meta.exists():
        meta.unlink()
    extra = {}
    build = None if mirror is not None else _builder(kind)
    if local:
        origin = str(src.resolve())
        with atomic_path(dest) as tmp:
            if link:
                os.unlink(tmp)
                os.symlink(origin, tmp)
                digest, size = _sha256_file(src), src.stat().st_size
            else:
                with open(src, "rb") as reader:
                    digest, size = _copy_stream(reader, tmp, src.stat().st_size, desc, progress)
    elif build is None:
        from .download import download

        origin = (str(mirror).rstrip("/") + "/" + rel) if mirror is not None else entry["url"].format(name=name)
        record = download(origin, dest, progress=progress, timeout=timeout, what=desc)
        digest, size = record["sha256"], record["bytes"]
    else:
        used = []
        get = upstream_getter(root, force=force, progress=progress, timeout=timeout, what=desc, log=used)
        with atomic_path(dest) as tmp:
            conversion = build(name, Path(tmp), get=get, progress=progress, **options)
        digest, size = _sha256_file(dest), dest.stat().st_size
        origin = used[-1]["url"] if used else None
        extra = {"upstream": used, "conversion": conversion}
    record = {"kind": kind, "name": name, "sha256": digest, "bytes": size, "origin": origin,
              "fetched": _now(), "offramp": __version__, **({"options": options} if options else {}), **extra}
    _write_json(meta, record)
    return dest


def _how(entry):
    return "converted" if entry.get("builder") else "url" if entry["url"] else "mirror-only"


def list_sources(*, cache_dir=None):
    """What offramp knows and what is cached.

    Returns
    -------
    rows : list of dict
        Per kind: ``kind``, ``description``, ``licence``, ``homepage``, ``fetch`` (``'url'``: the
        public URL serves the file; ``'converted'``: offramp converts what its public source serves;
        ``'mirror-only'``), ``url`` (the public address with ``{name}`` in it: the file's, or for a
        converted kind the upstream data's; None where the files come from a mirror only), ``path``
        (the file's place in a cache or mirror, with ``{name}``), ``names`` (known names), ``cached``
        (names with a file in the cache, including ones not in ``names``) and ``damaged`` (cached
        names whose file no longer has the recorded size; not in ``cached``).
    """
    root = _cache_root(cache_dir)
    rows = []
    for kind, source in KNOWN_SOURCES.items():
        directory = (root / source["path"]).parent
        cached, damaged = [], []
        if directory.is_dir():
            for meta in sorted(directory.glob("*" + _META_SUFFIX)):
                try:
                    with open(meta, encoding="utf-8") as handle:
                        record = json.load(handle)
                except (OSError, ValueError):
                    continue
                name = record.get("name")
                try:
                    if record.get("kind") == kind and cached_path(kind, name, cache_dir=root):
                        cached.append(name)
                except DamagedCacheError:
                    damaged.append(name)
                except ValueError:
                    continue
        rows.append({
            "kind": kind, "description": source["description"], "licence": source["licence"],
            "homepage": source.get("homepage"), "fetch": _how(source),
            "url": source["url"] or None, "path": source["path"],
            "names": list(source["names"]), "cached": cached, "damaged": damaged,
        })
    return rows
