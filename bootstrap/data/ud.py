"""The sentence text of Universal Dependencies treebanks, one sentence per line.

Each treebank lives in its own GitHub repository, ``UniversalDependencies/UD_{Language-Treebank}``,
tagged ``r{release}`` at every UD release; :func:`build` reads the tag's source archive
(:data:`ARCHIVE_URL`) as a stream, takes the treebank's ``*-ud-{train,dev,test}*.conllu`` files in
that order, and writes each sentence's ``# text =`` comment, or, where a sentence has none, its text
rebuilt from the FORM column (multiword tokens once, ``SpaceAfter=No`` honoured). By default a
sentence already written is not written again, as in the shared data directory.
"""
import re
import tarfile
import zlib

from ._errors import FetchError

__all__ = ["DEFAULT_RELEASE", "ARCHIVE_URL", "SPLITS", "release_tag", "urls", "conllu_members", "read_conllu",
           "sentence_texts", "build"]

#: The UD release :func:`build` reads unless given ``release=`` (2.17: November 2025).
DEFAULT_RELEASE = "2.17"

#: A treebank's source archive at a release tag: ``{name}`` ``Latvian-LVTB``, ``{tag}`` ``r2.17``.
ARCHIVE_URL = "https://github.com/UniversalDependencies/UD_{name}/archive/refs/tags/{tag}.tar.gz"

#: The order in which a treebank's files are read.
SPLITS = ("train", "dev", "test")

# A treebank's data files sit at the archive's top level (``UD_X-rN/xx_yy-ud-train.conllu``); large
# training sets come in parts (``cs_pdt-ud-train-ca.conllu``). Other .conllu files (drafts, sources
# kept under ``not-to-release/``) are not part of the release.
_MEMBER = re.compile(r"[^/]+/([^/]+)-ud-(train|dev|test)(?:-[^/]*)?\.conllu")
_TEXT = re.compile(r"#\s*text\s*=\s?(.*)")
# Characters that str.splitlines() breaks on besides \n and \r: none may end up inside a line.
_BREAKS = re.compile(r"[\t\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def release_tag(release=DEFAULT_RELEASE):
    """``'2.17'`` or ``'r2.17'`` -> ``'r2.17'``; ValueError for anything else."""
    tag = str(release)
    tag = tag if tag.startswith("r") else "r" + tag
    if not re.fullmatch(r"r\d+\.\d+", tag):
        raise ValueError(f"{release!r} is not a UD release (expected e.g. {DEFAULT_RELEASE!r})")
    return tag


def urls(name, *, release=DEFAULT_RELEASE):
    """The source archive of treebank ``name`` (``Language-Treebank``) at ``release``, as a one-item list."""
    return [ARCHIVE_URL.format(name=name, tag=release_tag(release))]


def _split_key(member):
    match = _MEMBER.fullmatch(member)
    return None if match is None else (SPLITS.index(match.group(2)), member)


def conllu_members(archive):
    """The treebank's data files in the tar.gz ``archive``, ordered train, dev, test.

    Parameters
    ----------
    archive : path-like
        A UD treebank's source archive.

    Returns
    -------
    list of str
        Member names, e.g. ``['UD_Irish-IDT-r2.17/ga_idt-ud-train.conllu', ...]``.
    """
    try:
        with tarfile.open(archive, "r|gz") as tar:
            names = [member.name for member in tar if member.isfile()]
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise FetchError(f"{archive} is not a readable tar.gz ({exc}); fetch it again with force=True") from None
    return sorted((name for name in names if _split_key(name)), key=_split_key)


def _surface_text(tokens):
    """A sentence rebuilt from its surface tokens' ``(form, misc)``: a space after each token unless
    its MISC says ``SpaceAfter=No``."""
    parts = []
    for form, misc in tokens:
        parts.append(form)
        if "SpaceAfter=No" not in misc.split("|"):
            parts.append(" ")
    if parts and parts[-1] == " ":  # nothing follows the last token
        parts.pop()
    return "".join(parts)


def read_conllu(lines, *, what="conllu"):
    """Yield the text of each sentence in CoNLL-U ``lines`` (str, line ends optional).

    The ``# text =`` comment when the sentence has one, else the FORM column: a multiword token's
    range line (``3-4``) gives the surface form and its word lines are skipped, empty nodes
    (``5.1``) are skipped, and ``SpaceAfter=No`` in MISC joins a token to the next.

    Raises
    ------
    FetchError
        A token line with fewer than 10 columns, or a bad ID (``what`` and the line number say where).
    """
    text, tokens, covered, started = None, [], 0, False
    number = 0
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            if started:
                yield text if text is not None else _surface_text(tokens)
            text, tokens, covered, started = None, [], 0, False
            continue
        started = True
        if line.startswith("#"):
            match = _TEXT.fullmatch(line)
            if match:
                text = match.group(1)
            continue
        columns = line.split("\t")
        if len(columns) < 10:
            raise FetchError(f"{what}, line {number}: a token line has {len(columns)} tab-separated columns, not 10; "
                             "the file is not CoNLL-U (or is damaged: fetch it again with force=True)")
        token_id, form, misc = columns[0], columns[1], columns[9]
        try:
            if "-" in token_id:  # multiword token: its words up to the range's end are not surface tokens
                covered = int(token_id.split("-")[1])
                tokens.append((form, misc))
            elif "." not in token_id and int(token_id) > covered:
                tokens.append((form, misc))
        except ValueError:
            raise FetchError(f"{what}, line {number}: {token_id!r} is not a CoNLL-U token ID; the file is not "
                             "CoNLL-U") from None
    if started:
        yield text if text is not None else _surface_text(tokens)


def _clean(text):
    return _BREAKS.sub(" ", text).strip()


def sentence_texts(archive, *, progress=False, source=None):
    """The sentence texts of the treebank in the tar.gz ``archive``, per data file, read as a stream.

    Returns
    -------
    list of (str, list of str)
        ``(member name, texts)`` ordered train, dev, test; texts with tabs and line breaks turned into
        spaces and stripped (empty ones kept).
    """
    from .._progress import progress_bar

    what = f"{archive}" + (f" (from {source})" if source else "")
    found = {}
    try:
        with tarfile.open(archive, "r|gz") as tar, \
                progress_bar(desc="ud files", unit="file", disable=not progress) as bar:
            for member in tar:
                if not (member.isfile() and _split_key(member.name)):
                    continue
                handle = tar.extractfile(member)
                lines = (raw.decode("utf-8-sig" if number == 0 else "utf-8") for number, raw in enumerate(handle))
                try:
                    found[member.name] = [_clean(text) for text in read_conllu(lines, what=f"{what}: {member.name}")]
                except UnicodeDecodeError as exc:
                    raise FetchError(f"{what}: {member.name} is not UTF-8 ({exc})") from None
                bar.update(1)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        if isinstance(exc, FetchError):
            raise
        raise FetchError(f"{what} is not a readable tar.gz ({exc}); fetch it again with force=True") from None
    if not found:
        raise FetchError(f"{what} holds no treebank files (*-ud-train/dev/test.conllu at its top level); check the "
                         "treebank name and release at https://universaldependencies.org")
    return [(name, found[name]) for name in sorted(found, key=_split_key)]


def build(name, out, *, get, progress=False, release=DEFAULT_RELEASE, dedupe=True):
    """Write treebank ``name`` (``Language-Treebank``, e.g. ``'Latvian-LVTB'``) to ``out``, one sentence per line.

    Parameters
    ----------
    name : str
        The treebank, as in its repository's name ``UD_{name}``.
    out : path-like
        Where the text goes (the caller renames it into place).
    get : callable
        ``get(url, *, known_hash=None) -> Path``, the caller's downloader.
    progress : bool
        Show progress.
    release : str
        The UD release (``'2.17'``); its tag ``r2.17`` names the archive.
    dedupe : bool
        Write each distinct sentence once (its first time), as the shared data directory has them.

    Returns
    -------
    dict
        ``upstream``, ``release``, ``lines``, ``files`` (member name -> sentences read),
        ``duplicates`` (sentences dropped as repeats) and ``skipped_empty``.
    """
    url = urls(name, release=release)[0]
    path = get(url)
    per_file = sentence_texts(path, progress=progress, source=url)
    seen = set()
    lines = duplicates = empty = 0
    with open(out, "w", encoding="utf-8", newline="\n") as writer:
        for _, texts in per_file:
            for text in texts:
                if not text:
                    empty += 1
                    continue
                if dedupe:
                    if text in seen:
                        duplicates += 1
                        continue
                    seen.add(text)
                writer.write(text + "\n")
                lines += 1
    return {"upstream": [url], "release": release_tag(release)[1:], "lines": lines,
            "files": {member: len(texts) for member, texts in per_file}, "duplicates": duplicates,
            "skipped_empty": empty}
