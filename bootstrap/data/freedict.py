"""FreeDict dictionaries as single-token word pairs: ``en<TAB>xx`` (kind ``freedict``) and one file per
FreeDict package, ``aaa<TAB>bbb`` (kind ``freedict-pairs``).

FreeDict lists every dictionary and its releases in a machine-readable database (:data:`DATABASE_URL`:
a JSON list of ``{"name": "eng-fin", "headwords": ..., "releases": [{"platform": "src", "URL": ...,
"checksum": ..., "date": ..., "version": ...}, ...]}``). :func:`build_pairs` takes the package's latest
``src`` release (the TEI P5 source), checks it against the database's checksum, reads the ``.tei`` file
out of the archive as a stream and writes its headword -> translation pairs:

* headwords are ``entry/form/orth``, with every character that is neither a letter, a digit nor a
  space dropped (as dictd's index does: ``ban-ab`` -> ``banab``);
* translations are ``sense/cit[@type="trans"]/quote`` and ``sense/def`` (examples' translations are
  not), with ``(...)``/``[...]`` asides removed, split at ``,``, ``;`` and line breaks, stripped of
  spaces and ``. ' " ! ?`` at both ends, and, for English, without a leading infinitive ``to``;
  Unicode hyphens become ``-``;
* both sides are lowercased, and only pairs of two single tokens are kept (:data:`SINGLE_TOKEN`: letters,
  with single inner hyphens or apostrophes); duplicates go, lines are sorted.

:func:`build` makes ``en-XX`` from both directions, ``eng-xxx`` as it is and ``xxx-eng`` turned
around (their union), or ``en-XX.both`` (the pairs found in both). :data:`ISO639_3` maps the
catalogue's two-letter codes to FreeDict's three-letter ones.

These conventions are those of the shared data directory, which was converted from Debian's
``dict-freedict-*`` packages: the dictd text those packages hold is the TEI laid out as plain text.
"""
import difflib
import json
import lzma
import re
import tarfile
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
import zlib

from ._errors import FetchError
from ._pairs import SINGLE_TOKEN, single_token, write_pairs  # noqa: F401 (SINGLE_TOKEN: public here too)

__all__ = ["DATABASE_URL", "RELEASES_URL", "ISO639_3", "SINGLE_TOKEN", "single_token", "write_pairs",
           "pair_packages", "urls", "urls_pairs", "read_database", "latest_release", "known_hash", "close_names",
           "headword", "translations", "tei_pairs", "archive_pairs", "build_pairs", "build"]

#: FreeDict's database of dictionaries and releases.
DATABASE_URL = "https://freedict.org/freedict-database.json"

#: The folder of a package's releases (``{package}``: ``eng-fin``), for people to look at.
RELEASES_URL = "https://download.freedict.org/dictionaries/{package}/"

#: ISO 639-1 -> ISO 639-3 (FreeDict's package names) for the languages of the catalogue and their
#: European neighbours.
ISO639_3 = {
    "af": "afr", "ar": "ara", "bg": "bul", "br": "bre", "ca": "cat", "cs": "ces", "cy": "cym", "da": "dan",
    "de": "deu", "el": "ell", "en": "eng", "eo": "epo", "es": "spa", "et": "est", "eu": "eus", "fi": "fin",
    "fr": "fra", "ga": "gle", "gd": "gla", "gl": "glg", "hr": "hrv", "hu": "hun", "is": "isl", "it": "ita",
    "la": "lat", "lt": "lit", "lv": "lav", "mk": "mkd", "mt": "mlt", "nb": "nob", "nl": "nld", "nn": "nno",
    "no": "nor", "oc": "oci", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus", "sk": "slk", "sl": "slv",
    "sq": "sqi", "sr": "srp", "sv": "swe", "tr": "tur", "uk": "ukr",
}

# Hyphens that are not ASCII's (FreeDict writes U+2010 in many compounds).
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-"})
# Asides: parentheses up to the first closing one, square brackets likewise.
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SPLIT = re.compile(r"[,;\n]")
_EDGES = " \t\r\n.'\"!?"
# The database's checksums are bare hex digests; their length tells the algorithm.
_ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}


def _split_name(name, what):
    """``'en-fi'`` / ``'en-fi.both'`` -> ``('fin', both)``; FetchError for a name of another shape."""
    base, _, suffix = str(name).partition(".")
    match = re.fullmatch(r"en-([a-z]{2,3})", base)
    if match is None or suffix not in ("", "both"):
        raise FetchError(f"{what} {name!r}: expected en-XX or en-XX.both (e.g. 'en-fi', 'en-fi.both')")
    code = match.group(1)
    if len(code) == 2:
        if code not in ISO639_3:
            known = ", ".join(sorted(ISO639_3))
            raise FetchError(f"{what} {name!r}: no ISO 639-3 code known for {code!r} (known: {known}); "
                             "name the language by its three-letter code instead, e.g. 'en-fin'")
        code = ISO639_3[code]
    return code, suffix == "both"


def pair_packages(name):
    """The FreeDict packages behind ``en-XX`` / ``en-XX.both``: ``('eng-xxx', 'xxx-eng')``."""
    code, _ = _split_name(name, "freedict")
    return f"eng-{code}", f"{code}-eng"


def urls(name, *, kind="freedict"):
    """Where entry ``name`` of ``kind`` (``'freedict'`` or ``'freedict-pairs'``) comes from: the database,
    then the release folders of its packages."""
    packages = pair_packages(name) if kind == "freedict" else (name,)
    return [DATABASE_URL] + [RELEASES_URL.format(package=package) for package in packages]


def urls_pairs(name):
    """Where ``freedict-pairs`` entry ``name`` (``AAA-BBB``) comes from: the database, its release folder."""
    return urls(name, kind="freedict-pairs")


def read_database(path, url=DATABASE_URL):
    """FreeDict's database at ``path``, as ``{package name: entry}`` (entries without a name, such as the
    one describing FreeDict's tools, left out)."""
    try:
        with open(path, "rb") as reader:
            data = json.loads(reader.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = f", line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise FetchError(f"{path} (from {url}){line}: not FreeDict's JSON database ({exc}); fetch it again "
                         "with force=True") from None
    if not isinstance(data, list):
        raise FetchError(f"{path} (from {url}): expected a JSON list of dictionaries, got "
                         f"{type(data).__name__}; fetch it again with force=True")
    return {entry["name"]: entry for entry in data
            if isinstance(entry, dict) and isinstance(entry.get("name"), str) and "releases" in entry}


def _version_key(release):
    return str(release.get("date", "")), [int(part) for part in re.findall(r"\d+", str(release.get("version", "")))]


def latest_release(entry, platform="src"):
    """The newest release of ``platform`` (by date, then version) in database ``entry``, or None."""
    releases = [release for release in entry.get("releases") or ()
                if isinstance(release, dict) and release.get("platform") == platform and release.get("URL")]
    return max(releases, key=_version_key) if releases else None


def known_hash(checksum):
    """The database's hex ``checksum`` as ``get``'s ``known_hash`` (``'sha512:HEX'``), or None when it is
    missing or not a digest of a known length."""
    digest = str(checksum or "").strip().lower()
    algorithm = _ALGORITHMS.get(len(digest))
    if algorithm is None or not re.fullmatch(r"[0-9a-f]+", digest):
        return None
    return f"{algorithm}:{digest}"


def headword(text):
    """A headword as dictd indexes it: NFC, letters, digits and spaces only, spaces collapsed, lowercase."""
    text = unicodedata.normalize("NFC", text)
    return " ".join("".join(char for char in text if char.isalnum() or char.isspace()).split()).lower()


def translations(text, *, english=False):
    """The translations in one ``quote`` or ``def`` text: asides removed, split at ``,;`` and line breaks,
    ends stripped, lowercased; with ``english``, a leading ``to`` dropped (``to kick`` -> ``kick``)."""
    text = _ASIDE.sub(" ", unicodedata.normalize("NFC", text).translate(_HYPHENS))
    found = []
    for part in _SPLIT.split(text):
        part = " ".join(part.split()).strip(_EDGES).lower()
        if english and part.startswith("to "):
            part = part[3:]
        if part:
            found.append(part)
    return found


def _local(tag):
    """An element's name without its namespace (FreeDict's TEI is P5, namespaced; older files were not)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element):
    return "".join(element.itertext())


def _entry_pairs(entry, english):
    heads = [headword(_text(orth)) for form in entry if _local(form.tag) == "form"
             for orth in form if _local(orth.tag) == "orth"]
    found = []
    for sense in entry.iter():
        if _local(sense.tag) != "sense":
            continue
        for child in sense:
            tag = _local(child.tag)
            if tag == "cit" and child.get("type") in ("trans", "translation"):
                for quote in child:
                    if _local(quote.tag) == "quote":
                        found += translations(_text(quote), english=english)
            elif tag == "def":
                found += translations(_text(child), english=english)
    heads = [head for head in heads if single_token(head)]
    found = [word for word in found if single_token(word)]
    return [(head, word) for head in heads for word in found]


def tei_pairs(stream, *, english=False, source="TEI", bar=None):
    """The single-token headword -> translation pairs of a FreeDict TEI file, read as a stream.

    Parameters
    ----------
    stream : binary file
        The ``.tei`` file.
    english : bool
        Whether the translations are English (a leading ``to`` is then dropped).
    source : str
        Names the file in error messages.
    bar : tqdm bar, optional
        Advanced by one per entry.

    Returns
    -------
    pairs : set of (str, str)
    entries : int
        The entries read.

    Raises
    ------
    FetchError
        The XML is not well-formed, or holds no ``entry``.
    """
    pairs, entries, stack = set(), 0, []
    try:
        for event, element in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                stack.append(element)
                continue
            stack.pop()
            if _local(element.tag) != "entry":
                continue
            entries += 1
            pairs.update(_entry_pairs(element, english))
            # entries are done with once read: drop them from the tree as the file streams by
            if stack:
                stack[-1].remove(element)
            if bar is not None:
                bar.update(1)
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        raise FetchError(f"{source}, line {line}: not well-formed XML ({exc}); fetch it again with force=True, "
                         "or report it to FreeDict") from None
    if not entries:
        raise FetchError(f"{source}: no TEI <entry> elements; this is not a FreeDict dictionary source")
    return pairs, entries


def _tei_members(path, url):
    """Yield ``(member name, binary stream)`` for the ``.tei`` files in the archive at ``path`` (tar.xz,
    tar.bz2, tar.gz or zip), read in order as a stream."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".tei"):
                    with archive.open(member) as stream:
                        yield member, stream
        return
    try:
        archive = tarfile.open(path, mode="r|*")
    except tarfile.TarError as exc:
        raise FetchError(f"{path} (from {url}): not a tar or zip archive ({exc}); fetch it again with "
                         "force=True") from None
    with archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".tei"):
                yield member.name, archive.extractfile(member)


def archive_pairs(path, url, package, *, english=False, bar=None):
    """The pairs of the TEI file of ``package`` in the release archive at ``path`` (from ``url``).

    Returns
    -------
    pairs : set of (str, str)
    entries : int
    member : str
        The archive member read.
    """
    chosen = None
    try:
        for member, stream in _tei_members(path, url):
            # a source release holds one dictionary, PACKAGE/PACKAGE.tei: take it, or else the first .tei
            exact = member.rsplit("/", 1)[-1] == f"{package}.tei"
            if chosen is None or exact:
                pairs, entries = tei_pairs(stream, english=english, source=f"{url} ({member})", bar=bar)
                chosen = (pairs, entries, member)
                if exact:
                    break
    except FetchError:
        raise
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, lzma.LZMAError, zlib.error, OSError) as exc:
        raise FetchError(f"{path} (from {url}): the archive is damaged or truncated ({exc}); fetch it again "
                         "with force=True") from None
    if chosen is None:
        raise FetchError(f"{path} (from {url}) holds no .tei file; it is not FreeDict's source release (platform "
                         f"'src') of {package}")
    return chosen


def _database(get):
    return read_database(get(DATABASE_URL), DATABASE_URL)


def close_names(package, names):
    """Names among ``names`` close to ``package``: similar spellings first, then those sharing a language."""
    names = sorted(names)
    close = difflib.get_close_matches(package, names, n=6, cutoff=0.6)
    languages = set(package.split("-")) - {"eng"} or {"eng"}
    related = [other for other in names if languages & set(other.split("-")) and other not in close]
    return close + related[:12]


def _listing(names):
    return f"close names: {', '.join(names)}" if names else f"see {DATABASE_URL} for the names it has"


def _read_package(package, entry, get, progress):
    """Download and read one package's latest source release; ``(pairs, details, release url)``."""
    release = latest_release(entry, "src")
    if release is None:
        platforms = sorted({str(item.get("platform")) for item in entry.get("releases") or ()
                            if isinstance(item, dict)})
        raise FetchError(f"freedict {package}: the database lists no source (TEI) release, only "
                         f"{', '.join(platforms) or 'none'}; see {RELEASES_URL.format(package=package)}")
    url = release["URL"]
    checksum = known_hash(release.get("checksum"))
    path = get(url, known_hash=checksum)
    from .._progress import progress_bar

    total = str(entry.get("headwords", "")).strip()
    with progress_bar(total=int(total) if total.isdigit() else None, desc=f"freedict {package}",
                      unit=" entries", disable=not progress) as bar:
        pairs, entries, member = archive_pairs(path, url, package, english=package.endswith("-eng"), bar=bar)
    details = {"version": release.get("version"), "date": release.get("date"), "member": member,
               "entries": entries, "pairs": len(pairs), "checksum": checksum.split(":")[0] if checksum else None}
    return pairs, details, url


def build_pairs(name, out, *, get, progress=False):
    """Write FreeDict package ``name`` (``AAA-BBB``, e.g. ``'fin-deu'``) to ``out`` as ``aaa<TAB>bbb`` pairs.

    Parameters
    ----------
    name : str
        A FreeDict package name, two ISO 639-3 codes.
    out : path-like
        Where the pairs go (the caller renames it into place).
    get : callable
        ``get(url, *, known_hash=None) -> Path``, the caller's downloader.
    progress : bool
        Show a bar over the dictionary's entries.

    Returns
    -------
    dict
        ``upstream`` (database, release), ``lines``, ``entries`` and the ``release`` read.

    Raises
    ------
    FetchError
        FreeDict has no such package (the message lists close names), it has no source release, or
        the release is not a readable TEI archive.
    """
    if not re.fullmatch(r"[a-z]{3}-[a-z]{3}", str(name)):
        raise FetchError(f"freedict-pairs {name!r}: expected a FreeDict package name AAA-BBB (ISO 639-3 codes), "
                         "e.g. 'fin-deu'")
    database = _database(get)
    if name not in database:
        raise FetchError(f"freedict-pairs {name!r}: FreeDict has no such dictionary; "
                         f"{_listing(close_names(name, database))}")
    pairs, details, url = _read_package(name, database[name], get, progress)
    lines = write_pairs(pairs, out)
    return {"upstream": [DATABASE_URL, url], "lines": lines, "entries": details["entries"], "release": details}


def build(name, out, *, get, progress=False):
    """Write ``en-XX`` (English-XX pairs from both of FreeDict's directions) or ``en-XX.both`` (the pairs both
    directions give) to ``out`` as ``en<TAB>xx`` lines.

    Parameters
    ----------
    name : str
        ``en-XX`` or ``en-XX.both``; ``XX`` an ISO 639-1 code of :data:`ISO639_3` or an ISO 639-3 code.
    out : path-like
        Where the pairs go (the caller renames it into place).
    get : callable
        ``get(url, *, known_hash=None) -> Path``, the caller's downloader.
    progress : bool
        Show a bar over each dictionary's entries.

    Returns
    -------
    dict
        ``upstream``, ``lines``, and per package (``eng-xxx``, ``xxx-eng``) the release read and its
        pair count.

    Raises
    ------
    FetchError
        FreeDict has neither direction (or, for ``.both``, lacks one), or a release cannot be read.
    """
    code, both = _split_name(name, "freedict")
    forward, backward = f"eng-{code}", f"{code}-eng"
    database = _database(get)
    present = [package for package in (forward, backward) if package in database]
    if not present or (both and len(present) < 2):
        missing = [package for package in (forward, backward) if package not in database]
        need = "both directions" if both else "one direction"
        raise FetchError(f"freedict {name!r} needs {need} and FreeDict has no {' and no '.join(missing)}; "
                         f"{_listing(close_names(missing[0], database))}")
    upstream, packages, sides = [DATABASE_URL], {}, {}
    for package in present:
        pairs, details, url = _read_package(package, database[package], get, progress)
        # xxx-eng pairs are (xx, en): turn them around
        sides[package] = pairs if package == forward else {(en, xx) for xx, en in pairs}
        packages[package] = details
        upstream.append(url)
    if both:
        pairs = sides[forward] & sides[backward]
    else:
        pairs = set().union(*sides.values())
    lines = write_pairs(pairs, out)
    return {"upstream": upstream, "lines": lines, "packages": packages,
            "combined": "intersection" if both else "union"}
