"""What offramp knows how to fetch: ``data/sources.json`` (:data:`KNOWN_SOURCES`), names and paths.

For each *kind* (``muse``, ``bible``, ``wikipedia``, ...) the catalogue gives the file's place in the
shared layout (``path``, with ``{name}``), its public home (``url``: the file itself, or with a
``builder`` the upstream data that offramp converts), the pattern a name must match, the names known
to exist, and the licence. Languages are ISO 639-1 codes, spelled out in English (as UD and TED
name their files) by :data:`~bootstrap.io.corpora.LANGUAGE_NAMES`.
"""
import json
import os
import re
import site
import sys
from pathlib import Path

from ..io.corpora import LANGUAGE_NAMES as LANGUAGES

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_REQUIRED = {"path", "url", "name_pattern", "names", "description", "licence"}


def _sources_candidates():
    # The repository's data/ (source checkouts, editable installs), then where setup.py's
    # data_files put it for regular and --user installs.
    here = Path(__file__).resolve().parent
    return [here.parent.parent / "data" / "sources.json",
            Path(sys.prefix) / "share" / "offramp" / "sources.json",
            Path(site.getuserbase()) / "share" / "offramp" / "sources.json"]


def _load_sources():
    for candidate in _sources_candidates():
        if candidate.is_file():
            with open(candidate, encoding="utf-8") as handle:
                doc = json.load(handle)
            sources = doc["sources"]
            for kind, source in sources.items():
                missing = _REQUIRED - set(source)
                if missing or "{name}" not in source["path"]:
                    raise RuntimeError(f"{candidate}: source {kind!r} lacks {sorted(missing) or 'a {name} in path'}")
            return sources, candidate
    return {}, None


KNOWN_SOURCES, SOURCES_FILE = _load_sources()
"""dict of kind -> source description (from data/sources.json)."""


def default_cache_dir():
    """``$OFFRAMP_CACHE``, else the user cache directory of platformdirs (on Linux
    ``$XDG_CACHE_HOME/offramp``, else ``~/.cache/offramp``)."""
    if os.environ.get("OFFRAMP_CACHE"):
        return Path(os.environ["OFFRAMP_CACHE"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("offramp", appauthor=False))


def source(kind):
    """The catalogue entry of ``kind``; ``ValueError`` for an unknown one."""
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
    entry = source(kind)
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name) or ".." in name \
            or not re.fullmatch(entry["name_pattern"], name):
        example = entry.get("example") or (entry["names"][0] if entry["names"] else "")
        raise ValueError(f"{name!r} is not a {kind} name (expected something like {example!r}); "
                         f"`offramp data list {kind}` shows the known names")
    return entry["path"].format(name=name)


def language_name(code):
    """The English name of an ISO 639-1 code as UD and TED files spell it (``lv`` -> ``Latvian``), or None."""
    return LANGUAGES.get(code)


def names_for_language(kind, lang, others=()):
    """The known names of ``kind`` that hold language ``lang`` (with English, or with one of
    ``others`` for dictionaries between two languages), in catalogue order."""
    entry = source(kind)
    spelled = language_name(lang)
    found = []
    for name in entry["names"]:
        stem = name.split(".")[0]
        if kind in ("bible",):
            hit = stem == lang
        elif kind in ("ud", "ted"):
            hit = spelled is not None and name.split("-")[0] == spelled
        elif kind in ("fasttext-cc", "fasttext-wiki", "wikipedia"):
            hit = name == lang
        elif kind == "freedict-pairs":
            continue  # ISO 639-3 names: the en-XX files of kind freedict hold their English pairs
        else:  # dictionaries: SRC-TGT with an optional .suffix
            pair = stem.split("-")
            hit = len(pair) == 2 and lang in pair and (set(pair) - {lang}) <= ({"en"} | set(others))
        if hit:
            found.append(name)
    return found
