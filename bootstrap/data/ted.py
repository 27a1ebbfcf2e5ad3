"""TED talk transcripts from the TED Multilingual Parallel Corpus, one segment per line.

The corpus (https://github.com/ajinkyakulkarni14/TED-Multilingual-Parallel-Corpus) keeps one plain
text file per language, named by its English name, under ``Monolingual_data/`` (:data:`RAW_URL`),
already one subtitle segment per line. :func:`build` only normalises it: tabs and other line
separators become spaces, lines are stripped, empty lines dropped.

The corpus's conditions of use: scientific purposes only, not to be passed on to third parties; the
talks themselves are TED's, under CC BY-NC-ND.
"""
import re
import urllib.parse
from pathlib import Path

from ._errors import FetchError

__all__ = ["REPOSITORY", "DEFAULT_REVISION", "RAW_URL", "LICENCE", "urls", "normalise_lines", "build"]

#: The corpus's GitHub repository.
REPOSITORY = "https://github.com/ajinkyakulkarni14/TED-Multilingual-Parallel-Corpus"

#: The branch (or commit) read unless given ``revision=``.
DEFAULT_REVISION = "master"

#: A language's file: ``{revision}`` a branch or commit, ``{language}`` the URL-quoted English name.
RAW_URL = ("https://raw.githubusercontent.com/ajinkyakulkarni14/TED-Multilingual-Parallel-Corpus/"
           "{revision}/Monolingual_data/{language}.txt")

#: The terms the corpus is published under.
LICENCE = "scientific use only, no redistribution (corpus README); talks CC BY-NC-ND (TED)"

# Characters that str.splitlines() breaks on besides \n and \r: none may end up inside a line.
_BREAKS = re.compile(r"[\t\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def urls(name, *, revision=DEFAULT_REVISION):
    """The upstream file of language ``name`` (e.g. ``'Latvian'``), as a one-item list."""
    return [RAW_URL.format(revision=revision, language=urllib.parse.quote(name))]


def normalise_lines(text):
    """Yield the segments of ``text``: one per line, tabs and stray line separators as spaces, blank
    lines left out; otherwise as the corpus has them (trailing spaces too, as in the shared files)."""
    for line in text.split("\n"):
        line = _BREAKS.sub(" ", line.rstrip("\r"))
        if line.strip():
            yield line


def build(name, out, *, get, progress=False, revision=DEFAULT_REVISION):
    """Write the TED transcripts of language ``name`` (an English language name, ``'Latvian'``) to ``out``.

    Parameters
    ----------
    name : str
        The language, as the corpus names its file.
    out : path-like
        Where the text goes (the caller renames it into place).
    get : callable
        ``get(url, *, known_hash=None) -> Path``, the caller's downloader.
    progress : bool
        Unused: the file is converted in one pass.
    revision : str
        Branch or commit of the corpus repository.

    Returns
    -------
    dict
        ``upstream``, ``lines``, ``skipped_empty`` (blank lines dropped), ``licence``.
    """
    url = urls(name, revision=revision)[0]
    path = get(url)
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise FetchError(f"{path} (from {url}), line {line}: not UTF-8 text ({exc.reason}); fetch it again with "
                         "force=True") from None
    if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        raise FetchError(f"{path} (from {url}) is an HTML page, not the corpus's text file; check the language "
                         f"name against {REPOSITORY}/tree/{revision}/Monolingual_data")
    lines = 0
    with open(out, "w", encoding="utf-8", newline="\n") as writer:
        for segment in normalise_lines(text):
            writer.write(segment + "\n")
            lines += 1
    total = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if not lines:
        raise FetchError(f"{path} (from {url}) has no text; check the language name against "
                         f"{REPOSITORY}/tree/{revision}/Monolingual_data")
    return {"upstream": [url], "lines": lines, "skipped_empty": total - lines, "licence": LICENCE}
