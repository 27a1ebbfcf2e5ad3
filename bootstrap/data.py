"""Fetch public dictionaries, corpora and vectors into a local cache, or copy them from a mirror.

What offramp knows is listed in ``data/sources.json`` (:data:`KNOWN_SOURCES`): for each *kind*
(``muse``, ``ud``, ...) the file's place in the shared layout (``path``, with ``{name}``), its
public URL when there is one, the pattern a name must match, and the names known to exist.

The cache (``cache_dir``; default :func:`default_cache_dir`) uses the same layout as the shared
data directory, so a cache can serve as another machine's mirror. Each file is written atomically
and gets a sidecar ``FILE.meta.json`` with its sha256, size and origin; a file without sidecar
counts as not cached. A cached file whose size differs from the recorded one is *damaged*
(:class:`DamagedCacheError`); :func:`cached_path` with ``verify=True`` and :func:`fetch` also
compare the sha256, and :func:`fetch` fetches a damaged file again.

Sources:

* a public URL (``url`` in sources.json), fetched with ``urllib``;
* a *mirror*: a local directory laid out like ``shared/data`` (``mirror=DIR``, ``--mirror DIR`` or
  ``$OFFRAMP_MIRROR``), whose files are copied (or symlinked with ``link=True``), or an
  ``http(s)://`` base URL with the same layout. Data whose ``url`` is null is mirror-only.
"""
import datetime
import hashlib
import json
import os
import re
import site
import sys
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from .._version import __version__

from .io.atomic import atomic_path

_CHUNK = 1 << 20
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_META_SUFFIX = ".meta.json"


class FetchError(OSError):
    """A download failed (network, HTTP status, truncated transfer)."""


class DamagedCacheError(ValueError):
    """A cached file no longer matches the size or sha256 recorded when it was fetched."""


class DamagedCacheWarning(UserWarning):
    """:func:`fetch` found a damaged cached file and fetches it again."""


def _sources_candidates():
    # The repository's data/ (source checkouts, editable installs), then where setup.py's
    # data_files put it for regular and --user installs.
    here = Path(__file__).resolve().parent
    return [here.parent / "data" / "sources.json",
            Path(sys.prefix) / "share" / "offramp" / "sources.json",
            Path(site.getuserbase()) / "share" / "offramp" / "sources.json"]


def _load_sources():
    for candidate in _sources_candidates():
        if candidate.is_file():
            with open(candidate, encoding="utf-8") as handle:
                doc = json.load(handle)
            sources = doc["sources"]
            for kind, source in sources.items():
                missing = {"path", "url", "name_pattern", "names", "description", "licence"} - set(source)
                if missing or "{name}" not in source["path"]:
                    raise RuntimeError(f"{candidate}: source {kind!r} lacks {sorted(missing) or 'a {name} in path'}")
            return sources, candidate
    return {}, None


KNOWN_SOURCES, SOURCES_FILE = _load_sources()
"""dict of kind -> source description (from data/sources.json)."""


def default_cache_dir():
    """``$OFFRAMP_CACHE``, else ``$XDG_CACHE_HOME/offramp``, else ``~/.cache/offramp``."""
    if os.environ.get("OFFRAMP_CACHE"):
        return Path(os.environ["OFFRAMP_CACHE"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "offramp"
    return Path.home() / ".cache" / "offramp"


def _source(kind):
    if not KNOWN_SOURCES:
        raise RuntimeError("offramp's list of data sources (data/sources.json) was not found in "
                           f"{[str(c) for c in _sources_candidates()]}; reinstall offramp")
    if kind not in KNOWN_SOURCES:
        raise ValueError(f"unknown data kind {kind!r}; known: {', '.join(KNOWN_SOURCES)}")
    return KNOWN_SOURCES[kind]


def relative_path(kind, name):
    """The file's path inside a cache or mirror, e.g. ``dictionaries/muse/en-fi.txt``.

    Raises ``ValueError`` for an unknown kind or a name that does not fit the kind's pattern.
    """
    source = _source(kind)
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name) or ".." in name \
            or not re.fullmatch(source["name_pattern"], name):
        example = source.get("example") or (source["names"][0] if source["names"] else "")
        raise ValueError(f"{name!r} is not a {kind} name (expected something like {example!r}); "
                         f"`offramp data list {kind}` shows the known names")
    return source["path"].format(name=name)


def _cache_root(cache_dir):
    return Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()


def _meta_path(path):
    return path.with_name(path.name + _META_SUFFIX)


def fetch_signature(kind, name, *, cache_dir=None):
    """The reproducibility signature of a cached file: its kind, name and the start of its sha256."""
    from .signature import make_signature

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
    from ._progress import progress_bar

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


def _download(url, tmp, desc, progress, timeout, kind, name, mirror_hint):
    request = urllib.request.Request(url, headers={"User-Agent": f"offramp/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            digest, size = _copy_stream(response, tmp, total, desc, progress)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise FetchError(f"{kind} {name}: not found at {url} (HTTP 404); the name may not exist upstream "
                             f"(`offramp data list {kind}` shows the known names)") from None
        raise FetchError(f"{kind} {name}: {url} answered HTTP {exc.code} {exc.reason}; try again later, "
                         f"or {mirror_hint}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(f"{kind} {name}: could not download {url} ({reason}); without network access, "
                         f"{mirror_hint}") from None
    if total is not None and size != total:
        raise FetchError(f"{kind} {name}: download of {url} stopped after {size} of {total} bytes; "
                         f"try again, or {mirror_hint}")
    return digest, size


def fetch(kind, name, *, cache_dir=None, mirror=None, progress=True, force=False, link=False, timeout=60):
    """Make a public file available locally and return its path.

    Parameters
    ----------
    kind : str
        A key of :data:`KNOWN_SOURCES`, e.g. ``'muse'``.
    name : str
        The file within the kind, e.g. ``'en-fi'``, ``'en-fi.5000-6500'``.
    cache_dir : str or path-like, optional
        Default :func:`default_cache_dir`.
    mirror : str or path-like, optional
        A directory laid out like ``shared/data``, or an ``http(s)://`` base URL with that layout;
        default ``$OFFRAMP_MIRROR``. When given, it is used instead of the public URL.
    progress : bool, default True
        Show a tqdm progress bar.
    force : bool, default False
        Fetch again even when the file is cached. Without it, a cached file is checked against its
        recorded size and sha256, and fetched again when it differs.
    link : bool, default False
        With a local mirror, symlink to the mirror's file instead of copying it.
    timeout : float, default 60
        Seconds to wait for the server.

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
        Unknown kind or bad name, mirror-only data without a mirror, or a local mirror whose file
        is the cache file itself (mirror == cache).
    FileNotFoundError
        The mirror lacks the file.
    FetchError
        The download failed; the message suggests ``--mirror``.
    """
    rel = relative_path(kind, name)
    source = _source(kind)
    dest = _cache_root(cache_dir) / rel
    if not force:
        record = cache_record(kind, name, cache_dir=cache_dir)
        reason = None if record is None else _damage(dest, record, full=True)
        if record is not None and reason is None:
            return dest
        if reason is not None:
            warnings.warn(f"{dest} is damaged (changed after it was fetched: {reason}); fetching it again",
                          DamagedCacheWarning, stacklevel=2)
    if mirror is None and os.environ.get("OFFRAMP_MIRROR"):
        mirror = os.environ["OFFRAMP_MIRROR"]
    mirror_hint = (f"pass --mirror DIR (mirror=DIR), a directory laid out like shared/data that holds {rel}, "
                   "or set OFFRAMP_MIRROR")
    local = mirror is not None and not re.match(r"https?://", str(mirror))
    if mirror is None and source["url"] is None:
        raise ValueError(f"{kind} is mirror-only ({source.get('note') or 'no public URL'}); {mirror_hint}")
    if local:
        src = Path(mirror).expanduser() / rel
        if not src.is_file():
            raise FileNotFoundError(f"{src}: not in the mirror {mirror} (a mirror is laid out like "
                                    f"shared/data; this file belongs at {rel})")
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
    with atomic_path(dest) as tmp:
        if local:
            origin = str(src.resolve())
            if link:
                os.unlink(tmp)
                os.symlink(origin, tmp)
                digest, size = _sha256_file(src), src.stat().st_size
            else:
                with open(src, "rb") as reader:
                    digest, size = _copy_stream(reader, tmp, src.stat().st_size, desc, progress)
        else:
            base = str(mirror).rstrip("/") + "/" + rel if mirror is not None else None
            origin = base or source["url"].format(name=name)
            digest, size = _download(origin, tmp, desc, progress, timeout, kind, name, mirror_hint)
    record = {"kind": kind, "name": name, "sha256": digest, "bytes": size, "origin": origin,
              "fetched": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "offramp": __version__}
    with atomic_path(meta) as meta_tmp:
        with open(meta_tmp, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1)
            handle.write("\n")
    return dest


def list_sources(*, cache_dir=None):
    """What offramp knows and what is cached.

    Returns
    -------
    rows : list of dict
        Per kind: ``kind``, ``description``, ``licence``, ``homepage``, ``fetch`` (``'url'`` or
        ``'mirror-only'``), ``url`` (the download address with ``{name}`` in it, None where the
        files come from a mirror only), ``path`` (the file's place in a cache or mirror, with
        ``{name}``), ``names`` (known names), ``cached`` (names with a file in the cache,
        including ones not in ``names``) and ``damaged`` (cached names whose file no longer has the
        recorded size; not in ``cached``).
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
            "homepage": source.get("homepage"), "fetch": "url" if source["url"] else "mirror-only",
            "url": source["url"] or None, "path": source["path"],
            "names": list(source["names"]), "cached": cached, "damaged": damaged,
        })
    return rows
