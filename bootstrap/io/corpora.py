"""Streaming corpus reading and Unicode-aware tokenisation.

A corpus is one or more text files, read line by line and never held in memory:

* plain UTF-8 text, one sentence, segment or paragraph per line;
* the same compressed, chosen by extension: ``.gz`` (gzip), ``.bz2`` (bzip2), ``.xz`` (lzma);
* ``ID<TAB>text`` files such as the shared Bible files (``Gen.1.1<TAB>Alussa loi Jumala ...``),
  whose ids can be used to hold out evaluation lines (``exclude_ids``).

Tokenisation rule (:func:`tokenize`)
------------------------------------
1. Unicode NFC, so a precomposed letter and its decomposed spelling (``"ä"`` and
   ``"a" + U+0308``) give the same token; then ``str.lower()`` (not ``casefold``, which would turn
   German ``ß`` into ``ss``), then NFC again in case lowering decomposed something.
2. Typographic apostrophe U+2019 becomes ASCII ``'``; hyphens U+2010 and U+2011 become ASCII ``-``.
3. A token is a run of *word characters*: Unicode letters (L*), combining marks (M*) and digits
   (anything ``str.isalnum`` accepts, so also other numerals); underscore is not one.
4. Runs joined by a single apostrophe or hyphen are one token: ``don't``, ``vaa'an``,
   ``well-known``, ``2000-luvulla``, ``n-athair``. A ``.`` or ``,`` joins two runs only between
   two digits, so ``3,5`` and ``1.000`` are one token while ``end.Next`` is two.
5. Everything else (punctuation, symbols, whitespace, leading or trailing apostrophes and hyphens,
   dashes ``–``/``—``, colons as in Finnish ``EU:n``) separates tokens and is dropped.
6. Only with a language whose written form elides articles, pronouns and prepositions before a
   vowel (``lang`` in :data:`ELISIONS`: French, Italian, Catalan, Irish): a token that starts with one
   of that language's elided words and an apostrophe is split after the apostrophe, so
   ``l'éternel`` is ``l'`` + ``éternel`` and ``qu'il`` is ``qu'`` + ``il`` (French), ``dell'anno`` is
   ``dell'`` + ``anno`` (Italian), ``m'athair`` is ``m'`` + ``athair`` (Irish). Without the split many
   French tokens carry an article, and ``eau`` and ``l'eau`` are two words. Words whose
   apostrophe is not an elision (``aujourd'hui``, ``prud'homme``, Finnish ``vaa'an``) stay whole.
"""
import collections
import functools
import os
import re
import sys
import unicodedata
import warnings
from pathlib import Path

from ._files import COMPRESSED, iter_lines, open_binary, strip_compression
from ..errors import FormatError

__all__ = ["tokenize", "Corpus", "find_corpora", "read_ids", "LANGUAGE_NAMES", "MAX_SENTENCE_TOKENS", "ELISIONS"]

#: gensim's Cython training loops silently drop every token past the 10,000th of a sentence,
#: so longer lines are yielded in chunks of this many tokens.
MAX_SENTENCE_TOKENS = 10_000

#: ISO 639-1 code -> English language name, as used in the shared layout's TED and UD file names.
LANGUAGE_NAMES = {
    "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fi": "Finnish",
    "fo": "Faroese", "fr": "French", "fy": "Frisian", "ga": "Irish", "gd": "Scottish_Gaelic",
    "gl": "Galician", "hr": "Croatian", "hu": "Hungarian", "is": "Icelandic", "it": "Italian",
    "lb": "Luxembourgish", "lt": "Lithuanian", "lv": "Latvian", "mt": "Maltese", "nl": "Dutch",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "sk": "Slovak",
    "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish",
}

#: Words that these languages write elided before a vowel, apostrophe included (tokenisation rule 6).
ELISIONS = {
    "fr": ("c'", "d'", "j'", "l'", "m'", "n'", "qu'", "s'", "t'", "jusqu'", "lorsqu'", "puisqu'", "quoiqu'"),
    "it": ("l'", "d'", "c'", "m'", "t'", "s'", "v'", "un'", "all'", "dall'", "dell'", "nell'", "sull'", "coll'",
           "quell'", "quest'", "bell'", "sant'"),
    "ca": ("d'", "l'", "m'", "n'", "s'", "t'"),
    "ga": ("b'", "d'", "m'"),
}

_TRANSLATE = str.maketrans({"\u2019": "'", "\u2010": "-", "\u2011": "-"})


@functools.lru_cache(maxsize=1)
def _token_pattern():
    """Compile the token regex once (enumerating the combining marks is slow)."""
    ranges, start = [], None
    for cp in range(sys.maxunicode + 2):
        is_mark = cp <= sys.maxunicode and unicodedata.category(chr(cp)).startswith("M")
        if is_mark and start is None:
            start = cp
        elif not is_mark and start is not None:
            ranges.append(f"\\U{start:08x}-\\U{cp - 1:08x}")
            start = None
    marks = "".join(ranges)
    char = rf"(?:[^\W_]|[{marks}])"
    joiner = r"(?:['\-]|(?<=\d)[.,](?=\d))"
    return re.compile(rf"{char}+(?:{joiner}{char}+)*")


@functools.lru_cache(maxsize=None)
def _elision_pattern(lang):
    words = sorted(ELISIONS[lang], key=len, reverse=True)
    return re.compile("(" + "|".join(re.escape(w) for w in words) + ")(.+)", re.IGNORECASE)


def split_elisions(tokens, lang):
    """Rule 6 of the tokenisation: split tokens that start with an elided word of ``lang``.

    Parameters
    ----------
    tokens : list of str
    lang : str or None
        ISO 639-1 code; languages outside :data:`ELISIONS` (and None) leave the tokens as they are.

    Returns
    -------
    tokens : list of str
    """
    if lang not in ELISIONS:
        return tokens
    pattern = _elision_pattern(lang)
    out = []
    for token in tokens:
        match = pattern.fullmatch(token) if "'" in token else None
        if match is None:
            out.append(token)
        else:
            out.extend(match.groups())
    return out


def tokenize(text, *, lowercase=True, lang=None):
    """Split text into word tokens (NFC, lowercased, punctuation dropped).

    The rule is given in the module docstring: runs of letters, marks and digits, joined by
    internal apostrophes or hyphens, and by ``.``/``,`` between digits; with ``lang`` in
    :data:`ELISIONS`, elided articles and pronouns are split off (``l'eau`` -> ``l'``, ``eau``).

    Parameters
    ----------
    text : str
    lowercase : bool, default True
        Apply ``str.lower()`` after NFC normalisation.
    lang : str, optional
        ISO 639-1 code of the text; only French, Italian, Catalan and Irish change the tokens.

    Returns
    -------
    tokens : list of str

    Examples
    --------
    >>> tokenize("Ja Jumala sanoi: \\"Tulkoon valkeus\\". Don’t pay 1.000,50 €!")
    ['ja', 'jumala', 'sanoi', 'tulkoon', 'valkeus', "don't", 'pay', '1.000,50']
    >>> tokenize("L’eau qu’il boit aujourd’hui", lang="fr")
    ["l'", 'eau', "qu'", 'il', 'boit', "aujourd'hui"]
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects str; got {type(text).__name__}")
    text = unicodedata.normalize("NFC", text)
    if lowercase:
        text = text.lower()
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    tokens = _token_pattern().findall(text.translate(_TRANSLATE))
    return split_elisions(tokens, lang) if lang is not None else tokens


#: ``id_column='auto'`` reads a file not named ``.tsv`` as ``ID<TAB>text`` when this many of its
#: first non-blank lines (or all of them, if fewer) start with an id.
ID_SNIFF_LINES = 20


def _has_ids(path):
    """True when the first :data:`ID_SNIFF_LINES` non-blank lines of ``path`` all start with an id:
    a non-empty field without spaces, then a TAB (``Gen.1.1<TAB>In the beginning ...``)."""
    seen = 0
    try:
        with open_binary(path) as handle:
            for _, raw, continued in iter_lines(handle):
                if continued:
                    continue
                line = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
                if not line.strip():
                    continue
                head, tab, _ = line.partition("\t")
                if not tab or not head.strip() or " " in head.strip():
                    return False
                seen += 1
                if seen >= ID_SNIFF_LINES:
                    break
    except (OSError, FormatError):
        return False  # the reading pass names the file and the problem
    return seen > 0


class Corpus:
    """A restartable, streaming iterable of token lists over one or more text files.

    Each iteration re-opens the files, so gensim (which reads a corpus once to build the vocabulary
    and once per epoch) can use it directly. Lines end at ``\n``, ``\r\n`` or a lone ``\r``; a line
    longer than :data:`~bootstrap.io._files.MAX_LINE_BYTES` is read and tokenised in pieces (cut at
    whitespace), so memory does not grow with a line's length. Lines without tokens are skipped;
    lines longer than :data:`MAX_SENTENCE_TOKENS` tokens are yielded in chunks of that size.

    Parameters
    ----------
    paths : str, path-like, or list of them
        Text files; ``.gz``, ``.bz2`` and ``.xz`` are decompressed on the fly.
    lowercase : bool, default True
        Passed to :func:`tokenize`.
    exclude_ids : iterable of str, optional
        Ids of ``ID<TAB>text`` lines to skip, e.g. held-out evaluation verses.
    id_column : {'auto', True, False}, default 'auto'
        Whether lines start with ``ID<TAB>``. ``'auto'``: in files named ``*.tsv`` (before any
        compression extension), and in other files whose first :data:`ID_SNIFF_LINES` non-blank
        lines all start with an id (a field without spaces, then a TAB), a line whose first
        TAB-separated field holds no space is ``ID<TAB>text``; other files are plain text.
        ``True``: every non-empty line must have an id (a line without TAB is a
        :class:`FormatError`). ``False``: whole lines are text.
    max_lines : int, optional
        Stop after this many lines with tokens, counted over all files in order.
    encoding_errors : {'strict', 'replace', 'ignore'}, default 'strict'
        What to do with bytes that are not UTF-8; ``'strict'`` raises a :class:`FormatError`
        naming the file and line.
    lang : str, optional
        ISO 639-1 code of the text, passed to :func:`tokenize` (French, Italian, Catalan and Irish
        split elided words off).
    prefix_len : int, optional
        Cut every token to its first ``prefix_len`` characters: a crude stemmer that merges a
        word's inflected forms (Finnish ``jumala``, ``jumalan``, ``jumalaa`` -> ``jumal``), for the
        auxiliary spaces of ``align --unsupervised --via`` on inflecting languages.

    Attributes
    ----------
    paths : list of Path
    n_tokens, n_lines, n_excluded : int or None
        Tokens yielded, lines yielded and lines skipped by ``exclude_ids`` in the last complete
        pass; ``None`` before one.

    Raises
    ------
    FileNotFoundError
        A path does not exist (raised at construction).
    FormatError
        At the end of a pass in which all files together held no token, or on a line that is not
        UTF-8 (or lacks an id when ``id_column=True``).
    """

    def __init__(self, paths, *, lowercase=True, exclude_ids=None, id_column="auto", max_lines=None,
                 encoding_errors="strict", lang=None, prefix_len=None):
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise ValueError("no corpus files given; pass at least one path")
        for path in self.paths:
            if not path.exists():
                raise FileNotFoundError(f"{path}: no such corpus file")
            if path.is_dir():
                raise ValueError(f"{path} is a directory; pass the corpus files in it "
                                 "(find_corpora(data_dir, lang) lists them for the shared layout)")
        if id_column not in ("auto", True, False):
            raise ValueError(f"id_column must be 'auto', True or False; got {id_column!r}")
        if max_lines is not None and (not isinstance(max_lines, int) or max_lines < 1):
            raise ValueError(f"max_lines must be a positive integer or None; got {max_lines!r}")
        if encoding_errors not in ("strict", "replace", "ignore"):
            raise ValueError(f"encoding_errors must be 'strict', 'replace' or 'ignore'; got {encoding_errors!r}")
        if isinstance(exclude_ids, str):
            raise TypeError("exclude_ids must be a collection of ids, not a single string")
        if lang is not None and not isinstance(lang, str):
            raise TypeError(f"lang must be an ISO 639-1 code string or None; got {type(lang).__name__}")
        if prefix_len is not None and (isinstance(prefix_len, bool) or not isinstance(prefix_len, int)
                                       or prefix_len < 1):
            raise ValueError(f"prefix_len must be a positive integer or None; got {prefix_len!r}")
        self.lowercase = lowercase
        self.lang = lang
        self.prefix_len = prefix_len
        self.exclude_ids = frozenset(exclude_ids) if exclude_ids is not None else frozenset()
        self.id_column = id_column
        self.max_lines = max_lines
        self.encoding_errors = encoding_errors
        self.n_tokens = None
        self.n_lines = None
        self.n_excluded = None
        self._warned = set()  # files whose id-less line was reported

    def __repr__(self):
        names = ", ".join(str(p) for p in self.paths[:3]) + (", ..." if len(self.paths) > 3 else "")
        return f"Corpus([{names}], n_files={len(self.paths)})"

    def _lines(self, path):
        """Yield ``(lineno, id_or_None, text)`` for one file; a very long line comes in pieces
        (:func:`iter_lines`), each with the line's id."""
        is_tsv = strip_compression(path.name).endswith(".tsv") or (self.id_column == "auto" and _has_ids(path))
        line_id = None
        try:
            with open_binary(path) as handle:
                for lineno, raw, continued in iter_lines(handle):
                    try:
                        line = raw.decode("utf-8", errors=self.encoding_errors)
                    except UnicodeDecodeError as exc:
                        raise FormatError(
                            path, lineno,
                            f"bytes are not UTF-8 (byte {raw[exc.start]:#04x} at column {exc.start + 1})",
                            f"re-encode the file as UTF-8, e.g. iconv -f latin1 -t utf-8 {path.name}",
                        ) from None
                    if continued:  # the rest of a long line: its text, under the line's id
                        if line.strip():
                            yield lineno, line_id, line
                        continue
                    if lineno == 1:
                        line = line.lstrip("\ufeff")
                    if not line.strip():
                        line_id = None
                        continue
                    line_id, text = self._split_id(line, path, lineno, is_tsv)
                    yield lineno, line_id, text
        except OSError as exc:  # a damaged compressed file is open_binary's FormatError already
            raise FormatError(path, None, f"could not read or decompress the file: {exc}",
                              "check the file is complete and its extension matches its compression") from None

    def _split_id(self, line, path, lineno, is_tsv):
        if self.id_column is False:
            return None, line
        head, tab, rest = line.partition("\t")
        if self.id_column is True:
            if not tab or not head.strip():
                raise FormatError(path, lineno, f"expected ID<TAB>text, got {line[:60]!r}",
                                  "give the line its id and a TAB, or read the file as plain text "
                                  "(id_column=False; offramp train --id-column no)")
            return head.strip(), rest
        if is_tsv and tab and head.strip() and " " not in head.strip():
            return head.strip(), rest
        if is_tsv and path not in self._warned:
            self._warned.add(path)
            warnings.warn(f"{path}:{lineno}: no ID<TAB> at the start of this line of an ID<TAB>text file, so it is "
                          f"read as plain text ({line[:40]!r}): any id in it becomes words, and exclude_ids "
                          "(--exclude-ids) cannot skip it; fix the line, or choose how the file is read with "
                          "id_column (offramp train --id-column yes|no). Shown once per file.",
                          UserWarning, stacklevel=2)
        return None, line

    def items(self):
        """Yield ``(line_id, tokens)`` for every line with tokens, whole (not chunked).

        ``line_id`` is the line's id in ``ID<TAB>text`` files and None otherwise; lines whose id is
        in ``exclude_ids`` are skipped. Verse-aligned readers (:mod:`bootstrap.lexicon.parallel`) join two
        corpora on these ids. A complete pass updates ``n_tokens``/``n_lines``/``n_excluded``.
        """
        n_tokens = n_lines = n_excluded = 0
        done = False
        for path in self.paths:
            for _, line_id, text in self._lines(path):
                if line_id is not None and line_id in self.exclude_ids:
                    n_excluded += 1
                    continue
                tokens = tokenize(text, lowercase=self.lowercase, lang=self.lang)
                if self.prefix_len is not None:
                    tokens = [token[:self.prefix_len] for token in tokens]
                if not tokens:
                    continue
                n_lines += 1
                n_tokens += len(tokens)
                yield line_id, tokens
                if self.max_lines is not None and n_lines >= self.max_lines:
                    done = True
                    break
            if done:
                break
        if n_tokens == 0:
            raise self._empty("no tokens in the corpus", n_excluded)
        self.n_tokens, self.n_lines, self.n_excluded = n_tokens, n_lines, n_excluded

    def texts(self):
        """Yield the raw text of every line (ids removed, ``exclude_ids`` skipped, NFC, not
        lowercased or split), for tools with their own pre-tokenisation, such as a subword
        tokenizer's trainer, which must see punctuation and case as the model will.

        Raises the same :class:`FormatError` as :meth:`items` when no line holds text.
        """
        n_lines = n_excluded = 0
        for path in self.paths:
            for _, line_id, text in self._lines(path):
                if line_id is not None and line_id in self.exclude_ids:
                    n_excluded += 1
                    continue
                text = unicodedata.normalize("NFC", text).strip()
                if not text:
                    continue
                n_lines += 1
                yield text
                if self.max_lines is not None and n_lines >= self.max_lines:
                    return
        if n_lines == 0:
            raise self._empty("no text in the corpus", n_excluded)

    def _empty(self, problem, n_excluded):
        """The :class:`FormatError` of a corpus that yields nothing."""
        why = f" ({n_excluded} lines were skipped by exclude_ids)" if n_excluded else ""
        return FormatError(", ".join(str(p) for p in self.paths), None, problem + why,
                           "check that the right files were given and that they hold text, one sentence per line")

    def __iter__(self):
        for _, tokens in self.items():
            for start in range(0, len(tokens), MAX_SENTENCE_TOKENS):
                yield tokens[start:start + MAX_SENTENCE_TOKENS]

    def count_words(self):
        """Token frequencies over one full pass.

        Returns
        -------
        counts : collections.Counter
            word -> number of occurrences; ``n_tokens``/``n_lines`` are updated.
        """
        counts = collections.Counter()
        for tokens in self:
            counts.update(tokens)
        return counts


def read_ids(path):
    """Read a set of line ids to exclude: the first TAB-separated field of each non-empty line.

    So a plain list of ids (``Gen.1.1``) and a held-out ``ID<TAB>text`` file both work.

    Returns
    -------
    ids : set of str
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such id file")
    ids = set()
    with open_binary(path) as handle:
        for lineno, raw, continued in iter_lines(handle):
            if continued:
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise FormatError(path, lineno, "bytes are not UTF-8", "re-encode the file as UTF-8") from None
            head = line.lstrip("\ufeff").split("\t", 1)[0].strip()
            if head:
                ids.add(head)
    if not ids:
        raise FormatError(path, None, "no ids in the file", "write one id per line (or ID<TAB>text lines)")
    return ids


def _compressed_variants(pattern):
    return [pattern] + [pattern + ext for ext in COMPRESSED]


def find_corpora(data_dir, lang):
    """Every corpus file of one language in a directory with the shared layout.

    Looks for ``corpora/bible/LANG.*.tsv``, ``corpora/ted/Language.txt``,
    ``corpora/ud/Language-*.txt`` and ``corpora/wikipedia/LANG.txt`` (each also
    ``.gz``/``.bz2``/``.xz``), where ``Language`` is the
    English name from :data:`LANGUAGE_NAMES`. ``data_dir`` may be the data root (holding
    ``corpora/``) or the ``corpora`` directory itself.

    Parameters
    ----------
    data_dir : str or path-like
    lang : str
        ISO 639-1 code, e.g. ``'fi'``.

    Returns
    -------
    paths : list of Path
        Sorted; empty when the language has no corpus there.
    """
    if lang not in LANGUAGE_NAMES:
        known = " ".join(sorted(LANGUAGE_NAMES))
        raise ValueError(f"unknown language code {lang!r}; expected an ISO 639-1 code, one of: {known}")
    root = Path(data_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such data directory")
    if (root / "corpora").is_dir():
        root = root / "corpora"
    name = LANGUAGE_NAMES[lang]
    patterns = (_compressed_variants(f"bible/{lang}.*.tsv") + _compressed_variants(f"ted/{name}.txt")
                + _compressed_variants(f"ud/{name}-*.txt") + _compressed_variants(f"wikipedia/{lang}.txt"))
    found = {p for pattern in patterns for p in root.glob(pattern) if p.is_file()}
    return sorted(found)
