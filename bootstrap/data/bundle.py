"""``offramp data bundle``: everything the catalogue holds for a set of languages, fetched and gathered
into one directory in the shared layout, with a MANIFEST of each file's source, licence, size and sha256.

What a language gets: its Bibles, UD treebanks, TED talks and Wikipedia (capped at
``wikipedia_tokens``), and the dictionaries between it and English or another of the given languages
(MUSE, FreeDict, OMW, Apertium, the Irish wordnet). Pre-trained vectors (gigabytes each) come only
when their kinds are asked for. A file that cannot be had (not in the mirror, not upstream, no
network) is listed in the report and the MANIFEST as skipped, with the reason, and the rest goes on.
"""
import json
import os
import shutil
import time
from pathlib import Path

from ..io.atomic import atomic_path
from ._errors import FetchError
from .cache import cache_record, fetch
from .catalogue import KNOWN_SOURCES, LANGUAGES, names_for_language, relative_path

#: The kinds a bundle gathers unless told otherwise: text and dictionaries, not the vectors.
DEFAULT_KINDS = ("bible", "ud", "ted", "wikipedia", "muse", "freedict", "omw", "apertium", "lsg")
#: Wikipedia's cap in a bundle (whitespace tokens): more text than any other corpus here, converted
#: from the dump in minutes.
DEFAULT_WIKIPEDIA_TOKENS = 20_000_000


def bundle_items(languages, *, kinds=DEFAULT_KINDS):
    """The ``(kind, name)`` pairs a bundle of ``languages`` gathers, in catalogue order, each once."""
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown:
        raise ValueError(f"unknown language code(s) {', '.join(map(repr, unknown))}; known: {', '.join(LANGUAGES)}")
    bad = [kind for kind in kinds if kind not in KNOWN_SOURCES]
    if bad:
        raise ValueError(f"unknown data kind(s) {', '.join(map(repr, bad))}; known: {', '.join(KNOWN_SOURCES)}")
    items = []
    for kind in KNOWN_SOURCES:
        if kind not in kinds:
            continue
        for lang in languages:
            others = [other for other in languages if other != lang]
            for name in names_for_language(kind, lang, others):
                if (kind, name) not in items:
                    items.append((kind, name))
    return items


def bundle(languages, out, *, kinds=DEFAULT_KINDS, wikipedia_tokens=DEFAULT_WIKIPEDIA_TOKENS, cache_dir=None,
           mirror=None, link=False, force=False, progress=True, timeout=60, on_item=None):
    """Fetch what exists for ``languages`` and gather it under ``out`` in the shared layout.

    Parameters
    ----------
    languages : sequence of str
        ISO 639-1 codes (``data/sources.json``'s ``languages``), e.g. ``['lv', 'mt', 'eu']``.
    out : path-like
        The bundle's directory: ``corpora/...``, ``dictionaries/...``, ``MANIFEST.md`` and
        ``MANIFEST.json``, laid out like ``shared/data`` (so it serves as a ``--mirror``).
    kinds : sequence of str, default :data:`DEFAULT_KINDS`
    wikipedia_tokens : int or None, default :data:`DEFAULT_WIKIPEDIA_TOKENS`
        Cap of each Wikipedia text (None: whole dumps). Ignored with a mirror, which holds its
        own conversion.
    cache_dir, mirror, force, progress, timeout
        As :func:`~bootstrap.data.cache.fetch`; files go through the cache.
    link : bool, default False
        Symlink the bundle's files to the cache's instead of copying them.
    on_item : callable, optional
        ``on_item(kind, name, status, detail)`` after each file (``status`` ``'ok'`` or ``'skipped'``).

    Returns
    -------
    report : dict
        ``languages``, ``kinds``, ``out``, ``files`` (per file: ``kind``, ``name``, ``path``
        relative to ``out``, ``bytes``, ``sha256``, ``licence``, ``source``), ``skipped`` (``kind``,
        ``name``, ``reason``), ``wall_s``. Written as ``MANIFEST.json`` too.
    """
    start = time.perf_counter()
    items = bundle_items(languages, kinds=kinds)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files, skipped = [], []
    for kind, name in items:
        options = {"max_tokens": wikipedia_tokens} if kind == "wikipedia" and mirror is None else None
        try:
            cached = fetch(kind, name, cache_dir=cache_dir, mirror=mirror, progress=progress, force=force,
                           timeout=timeout, options=options)
        except (FetchError, FileNotFoundError, ValueError) as exc:
            skipped.append({"kind": kind, "name": name, "reason": str(exc)})
            if on_item is not None:
                on_item(kind, name, "skipped", str(exc))
            continue
        rel = relative_path(kind, name)
        target = out / rel
        if os.path.realpath(target) != os.path.realpath(cached):  # a bundle written into the cache itself
            with atomic_path(target) as tmp:
                if link:
                    os.unlink(tmp)
                    os.symlink(os.path.realpath(cached), tmp)
                else:
                    shutil.copyfile(cached, tmp)
        record = cache_record(kind, name, cache_dir=cache_dir) or {}
        upstream = [entry["url"] for entry in record.get("upstream", [])]
        item = {"kind": kind, "name": name, "path": rel, "bytes": record.get("bytes"), "sha256": record.get("sha256"),
                "licence": KNOWN_SOURCES[kind]["licence"], "source": upstream or [record.get("origin")],
                "homepage": KNOWN_SOURCES[kind].get("homepage")}
        if record.get("options"):
            item["options"] = record["options"]
        files.append(item)
        if on_item is not None:
            on_item(kind, name, "ok", rel)
    report = {"languages": list(languages), "kinds": list(kinds), "out": str(out), "mirror": mirror and str(mirror),
              "wikipedia_tokens": wikipedia_tokens, "files": files, "skipped": skipped,
              "wall_s": round(time.perf_counter() - start, 3)}
    with atomic_path(out / "MANIFEST.json") as tmp:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
    with atomic_path(out / "MANIFEST.md") as tmp:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(manifest_markdown(report))
    return report


def manifest_markdown(report):
    """The bundle's MANIFEST.md: what each file is, where it came from, its licence, size and sha256."""
    lines = [f"# Data for {', '.join(report['languages'])}", "",
             "Gathered by `offramp data bundle`; laid out like offramp's shared data directory, so this folder "
             "serves as a `--mirror`. Each file keeps its source's licence (below): check it before you publish "
             "anything trained on it.", "",
             "| file | kind | source | licence | bytes | sha256 |", "|---|---|---|---|---:|---|"]
    for item in report["files"]:
        lines.append(f"| {item['path']} | {item['kind']} | {' '.join(s for s in item['source'] if s)} | "
                     f"{item['licence']} | {item['bytes']} | {item['sha256']} |")
    if report["skipped"]:
        lines += ["", "## Not gathered", "", "| kind | name | why |", "|---|---|---|"]
        for item in report["skipped"]:
            reason = item["reason"].replace("|", "/").replace("\n", " ")
            lines.append(f"| {item['kind']} | {item['name']} | {reason} |")
    return "\n".join(lines) + "\n"
