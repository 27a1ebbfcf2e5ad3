"""Wordnets as English-XX word pairs: the Open Multilingual Wordnet joined to Princeton WordNet 3.0
(kind ``omw``) and the Irish wordnet, Líonra Séimeantach na Gaeilge (kind ``lsg``).

**OMW** (:func:`build_omw`). NLTK's data index (:data:`NLTK_INDEX_URL`, which gives each package's
URL and MD5) serves three zips: ``wordnet`` (PWN 3.0: ``wordnet/data.{noun,verb,adj,adv}``),
``omw-1.4`` (the wordnets: ``omw-1.4/PROJECT/wn-data-LANG.tab``) and ``extended_omw`` (the
Wiktionary-derived ones: ``extended_omw/wikt/wn-wikt-LANG.tab``). A tab file's lines are
``OFFSET-POS<TAB>LANG:lemma<TAB>word`` (``LANG:def`` and ``LANG:exe`` lines are glosses, not words);
its synset ids use ``a`` for adjective satellites, which PWN's data files mark ``s``. ``en-XX.wn``
pairs every English lemma of a synset with every XX lemma of the same synset (``en-XX.wikt`` the
same from Wiktionary), both lowercased; only pairs of single tokens are kept (PWN's multiword
lemmas, ``ice_cream``, are not).

**LSG** (:func:`build_lsg`). Kevin Scannell's repository (:data:`LSG_REPOSITORY`) keeps the wordnet as
gettext files ``ga-data.{noun,verb,adj,adv}.po``, one block per PWN 3.0 synset: a comment line with
its Irish words, one with its English words, then ``msgctxt "OFFSET POS"`` and the gloss. ``en-ga``
pairs each English word of a synset with each Irish word, lowercased, single tokens only.

Both write sorted, distinct ``en<TAB>xx`` lines, as the shared data directory does.
"""
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile

from ._errors import FetchError
from ._pairs import single_token, write_pairs

__all__ = ["NLTK_INDEX_URL", "NLTK_PACKAGE_URL", "PWN_PACKAGE", "OMW_PACKAGES", "OMW_LANGUAGES",
           "WORDNET_PROJECTS", "LSG_REPOSITORY", "LSG_REVISION", "LSG_RAW_URL", "LSG_FILES", "split_omw_name",
           "urls", "urls_omw", "urls_lsg", "nltk_packages", "read_pwn", "read_omw_tab", "read_lsg_po", "build_omw",
           "build_lsg"]

#: NLTK's index of its data packages (each ``<package id=... url=... checksum=MD5>``).
NLTK_INDEX_URL = "https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/index.xml"

#: Where NLTK serves a corpus package (used when the index gives no URL).
NLTK_PACKAGE_URL = "https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/{package}.zip"

#: The package holding Princeton WordNet 3.0.
PWN_PACKAGE = "wordnet"

#: The package holding each kind of OMW data, and the tab file's name in it (``{lang}``: ISO 639-3).
OMW_PACKAGES = {"wn": ("omw-1.4", "wn-data-{lang}.tab"), "wikt": ("extended_omw", "wn-wikt-{lang}.tab")}

#: ISO 639-1 -> the ISO 639-3 code of OMW's file names, for the languages of the catalogue and others
#: that OMW has.
OMW_LANGUAGES = {
    "bg": "bul", "ca": "cat", "cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "el": "ell", "en": "eng",
    "es": "spa", "et": "est", "eu": "eus", "fi": "fin", "fr": "fra", "ga": "gle", "gl": "glg", "hr": "hrv",
    "hu": "hun", "is": "isl", "it": "ita", "lt": "lit", "lv": "lav", "mt": "mlt", "nb": "nob", "nl": "nld",
    "nn": "nno", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus", "sk": "slk", "sl": "slv", "sq": "als",
    "sv": "swe", "uk": "ukr",
}

#: The OMW project read where ``omw-1.4`` has more than one wordnet of a language (Italian:
#: MultiWordNet ``ita``, not ItalWordNet ``iwn``), as in the shared data directory.
WORDNET_PROJECTS = {"ita": "ita"}

#: The LSG's repository, its revision read by default, and a file's address there.
LSG_REPOSITORY = "kscanne/wordnet-gaeilge"
LSG_REVISION = "6e69b73d3e28a9be8a927cea82bb906b585b4e89"
LSG_RAW_URL = "https://raw.githubusercontent.com/{repository}/{revision}/{file}"

#: The LSG's files and their sha256 at :data:`LSG_REVISION` (another revision is read unchecked).
LSG_FILES = {
    "ga-data.noun.po": "0672431e1ab14a04e1349e419649238045e001870682e6a81038db6a277bfafa",
    "ga-data.verb.po": "a4eb64681060e8f5475c93ed4d3f107c4ea236467dd607ba3fbb00b4de3b2a55",
    "ga-data.adj.po": "e9ef55f1ec4d8fd9a21697aa1d978886d46bd25ded74c26c87fd3ca5def75e4c",
    "ga-data.adv.po": "5649a838b4a76674b5e106d7938583067266c8a976aa912a797dda9713ec7b76",
}

_SYNSET = re.compile(r"(\d{8})-([nvasr])")
# PWN writes an adjective's syntactic position after it: galore(ip), elect(p), beautiful(a)
_MARKER = re.compile(r"\((?:a|p|ip)\)$")
_PWN_FILES = ("data.noun", "data.verb", "data.adj", "data.adv")
_CONTEXT = re.compile(r'msgctxt "(\d{8}) ([nvasr])"')


def _word(text):
    """A lemma as the shared files write it: NFC, PWN's underscores as spaces, spaces collapsed, lowercase."""
    return " ".join(unicodedata.normalize("NFC", text).replace("_", " ").split()).lower()


def split_omw_name(name):
    """``'en-fi.wikt'`` -> ``('fin', 'wikt')``; FetchError for a name of another shape or an unknown code."""
    match = re.fullmatch(r"en-([a-z]{2,3})\.(wn|wikt)", str(name))
    if match is None:
        raise FetchError(f"omw {name!r}: expected en-XX.wn or en-XX.wikt (e.g. 'en-fi.wikt')")
    code, kind = match.groups()
    if len(code) == 2:
        if code not in OMW_LANGUAGES:
            known = ", ".join(sorted(OMW_LANGUAGES))
            raise FetchError(f"omw {name!r}: no OMW code known for {code!r} (known: {known}); name the language "
                             f"by its ISO 639-3 code instead, e.g. 'en-fin.{kind}'")
        code = OMW_LANGUAGES[code]
    return code, kind


def urls(name, *, kind="omw", revision=LSG_REVISION):
    """Where entry ``name`` of ``kind`` (``'omw'`` or ``'lsg'``) comes from."""
    if kind == "lsg":
        return [LSG_RAW_URL.format(repository=LSG_REPOSITORY, revision=revision, file=file) for file in LSG_FILES]
    _, omw_kind = split_omw_name(name)
    return [NLTK_INDEX_URL] + [NLTK_PACKAGE_URL.format(package=package)
                               for package in (PWN_PACKAGE, OMW_PACKAGES[omw_kind][0])]


def urls_omw(name):
    """Where ``omw`` entry ``name`` comes from: NLTK's index and the two zips it names."""
    return urls(name, kind="omw")


def urls_lsg(name, *, revision=LSG_REVISION):
    """Where ``lsg`` entry ``name`` comes from: the LSG's four ``ga-data`` files."""
    return urls(name, kind="lsg", revision=revision)


def nltk_packages(path, url=NLTK_INDEX_URL):
    """NLTK's data index at ``path``, as ``{package id: (url, 'md5:HEX' or None)}``."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise FetchError(f"{path} (from {url}), line {exc.position[0]}: not NLTK's XML index ({exc}); fetch it "
                         "again with force=True") from None
    packages = {}
    for package in root.iter("package"):
        ident = package.get("id")
        if not ident:
            continue
        checksum = (package.get("checksum") or "").strip().lower()
        known = f"md5:{checksum}" if re.fullmatch(r"[0-9a-f]{32}", checksum) else None
        packages[ident] = (package.get("url") or NLTK_PACKAGE_URL.format(package=ident), known)
    return packages


def _open_zip(path, url):
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FetchError(f"{path} (from {url}): not a zip archive ({exc}); fetch it again with force=True") from None


def read_pwn(path, url=""):
    """The English lemmas of PWN 3.0's synsets in NLTK's ``wordnet.zip`` at ``path``.

    Returns
    -------
    dict
        ``'OFFSET-POS'`` (satellites as ``a``, as OMW writes them) -> list of its single-token lemmas,
        lowercased (empty for a synset of multiword lemmas only).
    """
    synsets = {}
    with _open_zip(path, url) as archive:
        members = {member.rsplit("/", 1)[-1]: member for member in archive.namelist()}
        missing = [name for name in _PWN_FILES if name not in members]
        if missing:
            raise FetchError(f"{path} (from {url}) lacks {', '.join(missing)}: it is not Princeton WordNet's "
                             "database (NLTK's 'wordnet' package)")
        for name in _PWN_FILES:
            with archive.open(members[name]) as reader:
                for number, raw in enumerate(reader, 1):
                    if raw.startswith(b"  "):  # the licence, at the top of each file
                        continue
                    fields = raw.decode("utf-8", "replace").split(" ")
                    try:
                        offset, ss_type, count = fields[0], fields[2], int(fields[3], 16)
                        words = [fields[4 + 2 * i] for i in range(count)]
                    except (IndexError, ValueError):
                        raise FetchError(f"{path} (from {url}), {members[name]} line {number}: not a WordNet data "
                                         "line (offset lex_filenum ss_type w_cnt word lex_id...)") from None
                    if not _SYNSET.fullmatch(f"{offset}-{ss_type}"):
                        raise FetchError(f"{path} (from {url}), {members[name]} line {number}: bad synset "
                                         f"offset/type {offset!r} {ss_type!r}")
                    lemmas = [_word(_MARKER.sub("", word)) for word in words]
                    lemmas = list(dict.fromkeys(lemma for lemma in lemmas if single_token(lemma)))
                    synsets[f"{offset}-{'a' if ss_type == 's' else ss_type}"] = lemmas
    return synsets


def _find_tab(archive, filename, project, path, url):
    """The member of ``archive`` named ``filename``, in folder ``project`` where given or ambiguous."""
    found = sorted(member for member in archive.namelist() if member.rsplit("/", 1)[-1] == filename)
    if project is not None:
        chosen = [member for member in found if member.rsplit("/", 2)[-2:-1] == [project]]
        if not chosen:
            where = ", ".join(found) or "none"
            raise FetchError(f"{path} (from {url}) has no {project}/{filename} (files of that name: {where}); "
                             "pass another project=")
        return chosen[0]
    if not found:
        tabs = sorted(member.rsplit("/", 1)[-1] for member in archive.namelist() if member.endswith(".tab"))
        raise FetchError(f"{path} (from {url}) has no {filename}: OMW has no such wordnet; its files: "
                         f"{', '.join(tabs[:40])}{' ...' if len(tabs) > 40 else ''}")
    if len(found) > 1:
        raise FetchError(f"{path} (from {url}) has several {filename} ({', '.join(found)}); choose one with "
                         "project= (its folder)")
    return found[0]


def read_omw_tab(lines, source="tab file"):
    """The single-token lemmas per synset of an OMW tab file, given as an iterable of text lines.

    Returns
    -------
    synsets : dict
        ``'OFFSET-POS'`` (satellites as ``a``) -> list of lemmas, lowercased.
    counts : dict
        ``lemmas`` (lemma lines read), ``other`` (definitions, examples...), ``malformed``.
    """
    synsets, counts = {}, {"lemmas": 0, "other": 0, "malformed": 0}
    for line in lines:
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t")
        match = _SYNSET.fullmatch(fields[0]) if len(fields) >= 3 else None
        if match is None:
            counts["malformed"] += 1
            continue
        if fields[1] != "lemma" and not fields[1].endswith(":lemma"):
            counts["other"] += 1
            continue
        counts["lemmas"] += 1
        word = _word(fields[2])
        if single_token(word):
            offset, pos = match.groups()
            lemmas = synsets.setdefault(f"{offset}-{'a' if pos == 's' else pos}", [])
            if word not in lemmas:
                lemmas.append(word)
    if not counts["lemmas"]:
        raise FetchError(f"{source}: no OFFSET-POS<TAB>LANG:lemma<TAB>word lines; it is not an OMW tab file")
    return synsets, counts


def _nltk_zip(package, packages, get):
    if package not in packages:
        raise FetchError(f"NLTK's data index ({NLTK_INDEX_URL}) has no package {package!r}; look for the OMW "
                         "data under https://github.com/nltk/nltk_data")
    url, checksum = packages[package]
    return get(url, known_hash=checksum), url


def build_omw(name, out, *, get, progress=False, project=None):
    """Write ``en-XX.wn`` (a wordnet of OMW 1.4) or ``en-XX.wikt`` (OMW's Wiktionary data) to ``out`` as
    ``en<TAB>xx`` pairs, joined to Princeton WordNet 3.0's English lemmas.

    Parameters
    ----------
    name : str
        ``en-XX.wn`` or ``en-XX.wikt``; ``XX`` a code of :data:`OMW_LANGUAGES` or an ISO 639-3 code.
    out : path-like
        Where the pairs go (the caller renames it into place).
    get : callable
        ``get(url, *, known_hash=None) -> Path``, the caller's downloader.
    progress : bool
        Unused: each file is read in one pass.
    project : str, optional
        The OMW project folder to read where a language has several wordnets (default
        :data:`WORDNET_PROJECTS`; ``'iwn'`` for ItalWordNet).

    Returns
    -------
    dict
        ``upstream``, ``lines``, ``member`` (the tab file read), ``synsets`` (with an XX lemma),
        ``unmatched_synsets`` (ids not in PWN 3.0), and the tab file's line counts.
    """
    lang, kind = split_omw_name(name)
    package, pattern = OMW_PACKAGES[kind]
    filename = pattern.format(lang=lang)
    if project is None and kind == "wn":
        project = WORDNET_PROJECTS.get(lang)
    packages = nltk_packages(get(NLTK_INDEX_URL))
    omw_path, omw_url = _nltk_zip(package, packages, get)
    with _open_zip(omw_path, omw_url) as archive:
        member = _find_tab(archive, filename, project, omw_path, omw_url)
        with archive.open(member) as reader:
            lines = (raw.decode("utf-8", "replace") for raw in reader)
            foreign, counts = read_omw_tab(lines, source=f"{omw_url} ({member})")
    pwn_path, pwn_url = _nltk_zip(PWN_PACKAGE, packages, get)
    english = read_pwn(pwn_path, pwn_url)
    pairs, unmatched = set(), 0
    for synset, words in foreign.items():
        lemmas = english.get(synset)
        if lemmas is None:
            unmatched += 1
            continue
        pairs.update((lemma, word) for lemma in lemmas for word in words)
    lines = write_pairs(pairs, out)
    return {"upstream": [NLTK_INDEX_URL, omw_url, pwn_url], "lines": lines, "member": member,
            "synsets": len(foreign), "unmatched_synsets": unmatched, **counts}


def read_lsg_po(text, source="ga-data file"):
    """The ``(english words, irish words)`` of each synset block in one of the LSG's ``ga-data.*.po`` files.

    Returns
    -------
    blocks : list of (list of str, list of str)
        Words as written (split at commas, stripped), English first.
    skipped : int
        Synset blocks without exactly the two comment lines.
    """
    blocks, skipped = [], 0
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = block.strip("\n").split("\n")
        if not any(_CONTEXT.fullmatch(line) for line in lines):
            continue
        comments = [line[2:] for line in lines if line.startswith("# ")]
        if len(comments) != 2:
            skipped += 1
            continue
        irish, english = ([word.strip() for word in comment.split(",")] for comment in comments)
        blocks.append((english, irish))
    if not blocks:
        raise FetchError(f"{source}: no synset blocks ('# Irish words', '# English words', msgctxt \"OFFSET POS\"); "
                         "it is not one of the LSG's ga-data files")
    return blocks, skipped


def build_lsg(name, out, *, get, progress=False, revision=LSG_REVISION):
    """Write the Irish wordnet (``en-ga``) to ``out`` as ``en<TAB>ga`` pairs, each English word of a synset
    with each of its Irish words.

    Parameters
    ----------
    name : str
        ``'en-ga'``.
    out : path-like
        Where the pairs go (the caller renames it into place).
    get : callable
        ``get(url, *, known_hash=None) -> Path``, the caller's downloader.
    progress : bool
        Unused: the files are small.
    revision : str
        Commit or branch of :data:`LSG_REPOSITORY`; the files are checked against :data:`LSG_FILES` at the
        default revision only.

    Returns
    -------
    dict
        ``upstream``, ``lines``, ``synsets``, ``skipped`` (blocks without both word lists).
    """
    if name != "en-ga":
        raise FetchError(f"lsg {name!r}: the Irish wordnet has one entry, 'en-ga'")
    pairs, synsets, skipped, upstream = set(), 0, 0, []
    for file, sha256 in LSG_FILES.items():
        url = LSG_RAW_URL.format(repository=LSG_REPOSITORY, revision=revision, file=file)
        path = get(url, known_hash=f"sha256:{sha256}" if revision == LSG_REVISION else None)
        upstream.append(url)
        raw = open(path, "rb").read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            raise FetchError(f"{path} (from {url}), line {line}: not UTF-8 ({exc.reason}); fetch it again with "
                             "force=True") from None
        blocks, bad = read_lsg_po(text, source=f"{url}")
        synsets += len(blocks)
        skipped += bad
        for english, irish in blocks:
            english = [word for word in map(_word, english) if single_token(word)]
            irish = [word for word in map(_word, irish) if single_token(word)]
            pairs.update((en, ga) for en in english for ga in irish)
    lines = write_pairs(pairs, out)
    return {"upstream": upstream, "lines": lines, "synsets": synsets, "skipped": skipped, "revision": revision}
