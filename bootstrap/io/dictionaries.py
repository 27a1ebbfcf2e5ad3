"""Bilingual dictionaries: reading, writing, and looking them up in two vocabularies.

A dictionary is a list of ``(source word, target word)`` entries; a source word may have several
entries (several gold translations), kept in file order.

Formats (``fmt``):

``auto``
    A line that holds a TAB is split on TABs (so a field may contain spaces); any other line is
    split on runs of whitespace. Reads MUSE, VecMap and TSV files alike.
``muse``
    MUSE (Conneau et al. 2018): ``src tgt`` separated by one space or one TAB; split on whitespace.
``vecmap``
    VecMap (Artetxe et al. 2018): ``src tgt`` separated by whitespace; read like ``muse``.
``tsv``
    ``src<TAB>tgt``; only TABs separate, so multi-word entries survive.
``lexicon``
    What ``offramp induce`` writes: ``src<TAB>tgt<TAB>score<TAB>rank`` under the header line
    :data:`LEXICON_HEADER`; the scores and ranks are checked and dropped. ``auto`` reads a file that
    starts with that header as a lexicon.

Every other format needs exactly two fields per line. Blank lines and comment lines are skipped; a
comment is a line whose first non-blank character is ``#`` followed by whitespace or nothing,
because MUSE holds hashtag entries such as ``#add #lisää``. A UTF-8 byte-order mark at the start
of the file and CRLF line ends are accepted; ``.gz`` files are decompressed on the fly.
"""
import os
import unicodedata

import numpy as np

from .atomic import atomic_open
from ._files import open_binary
from ..errors import FormatError

FORMATS = ("auto", "muse", "vecmap", "tsv", "lexicon")
LEXICON_HEADER = "# source\ttarget\tscore\trank"
_FIX_LEXICON = "each line of an induced lexicon must be 'source<TAB>target<TAB>score<TAB>rank'"
_N_EXAMPLES = 10
_FIX_FIELDS = ("each line must be 'source<TAB>target' (or 'source target'); a line with a TAB is split on "
               "TABs only, so write multi-word entries as 'new york<TAB>nueva york'")


def _is_comment(line):
    stripped = line.lstrip()
    return stripped.startswith("#") and (len(stripped) == 1 or stripped[1].isspace())


def _split(line, fmt):
    if fmt == "tsv" or (fmt == "auto" and "\t" in line):
        # empty fields (a trailing TAB, two TABs in a row) are not entries
        return [field for field in (f.strip() for f in line.split("\t")) if field]
    return line.split()


def iter_lines(path):
    """Yield ``(lineno, text)`` with the line end and a leading BOM removed; raise on bad UTF-8."""
    with open_binary(path) as handle:
        for lineno, raw in enumerate(handle, start=1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(
                    path, lineno,
                    f"bytes are not UTF-8 (byte {raw[exc.start]:#04x} at column {exc.start + 1})",
                    "re-encode the file as UTF-8, e.g. iconv -f latin1 -t utf-8 IN > OUT",
                ) from None
            yield lineno, text.rstrip("\r\n")


def read_dictionary(path, *, fmt="auto", lowercase=False):
    """Read a bilingual dictionary.

    Parameters
    ----------
    path : str or path-like
        A MUSE, VecMap or TSV dictionary (optionally ``.gz``).
    fmt : {'auto', 'muse', 'vecmap', 'tsv', 'lexicon'}
        How a line is split into fields; see the module docstring.
    lowercase : bool, default False
        Lowercase both words (before duplicates are dropped).

    Returns
    -------
    entries : list of (str, str)
        ``(source, target)`` in file order, exact duplicates dropped (the first is kept). Words
        are in Unicode NFC, the form ``offramp train`` gives corpus tokens (a dictionary saved in
        NFD would otherwise match no vocabulary word that looks the same).

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    FormatError
        A line without exactly two fields, bytes that are not UTF-8, or a file without entries.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}; got {fmt!r}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such dictionary file")
    entries, seen = [], set()
    for lineno, line in iter_lines(path):
        if lineno == 1 and fmt == "auto" and line.rstrip() == LEXICON_HEADER:
            fmt = "lexicon"
        if not line.strip() or _is_comment(line):
            continue
        if fmt == "lexicon":
            src, tgt = (unicodedata.normalize("NFC", f) for f in _lexicon_fields(line, path, lineno))
        else:
            fields = _split(line, fmt)
            if len(fields) != 2:
                raise FormatError(path, lineno, f"expected 2 fields, got {len(fields)}", _FIX_FIELDS)
            src, tgt = (unicodedata.normalize("NFC", f) for f in fields)
        if lowercase:
            src, tgt = src.lower(), tgt.lower()
        if (src, tgt) in seen:
            continue
        seen.add((src, tgt))
        entries.append((src, tgt))
    if not entries:
        raise FormatError(path, None, "no dictionary entries (the file is empty or holds only blank/comment lines)",
                          "point to a dictionary with one 'source<TAB>target' pair per line")
    return entries


def _lexicon_fields(line, path, lineno):
    fields = line.split("\t")
    if len(fields) != 4 or not fields[0] or not fields[1]:
        raise FormatError(path, lineno, f"expected 4 TAB-separated fields, got {len(fields)}", _FIX_LEXICON)
    try:
        float(fields[2])
        int(fields[3])
    except ValueError:
        raise FormatError(path, lineno, f"score {fields[2]!r} or rank {fields[3]!r} is not a number",
                          _FIX_LEXICON) from None
    return fields[0], fields[1]


def write_dictionary(entries, path, *, sep="\t"):
    """Write ``(source, target)`` entries one per line, atomically.

    Parameters
    ----------
    entries : iterable of (str, str)
    path : str or path-like
    sep : str, default TAB
        Field separator; ``' '`` writes MUSE/VecMap style.

    Returns
    -------
    path : str
    """
    if sep not in ("\t", " "):
        raise ValueError(f"sep must be a TAB or a space; got {sep!r}")
    path = os.fspath(path)
    rows = []
    for i, entry in enumerate(entries):
        if len(entry) != 2:
            raise ValueError(f"entry {i} must be a (source, target) pair; got {entry!r}")
        for word in entry:
            if not isinstance(word, str) or not word or "\n" in word or "\r" in word or sep in word:
                raise ValueError(f"entry {i} {entry!r}: words must be non-empty strings without newlines "
                                 f"or the separator {sep!r}")
        rows.append(entry)
    with atomic_open(path) as handle:
        for src, tgt in rows:
            handle.write(f"{src}{sep}{tgt}\n")
    return path


def group_by_source(entries):
    """All translations of each source word, in first-seen order.

    Parameters
    ----------
    entries : iterable of (str, str)

    Returns
    -------
    groups : dict of str -> list of str
    """
    groups = {}
    for src, tgt in entries:
        translations = groups.setdefault(src, [])
        if tgt not in translations:
            translations.append(tgt)
    return groups


def _first_n(items, n=_N_EXAMPLES):
    return list(items)[:n]


def lookup_pairs(entries, src_index, tgt_index, *, path=None, require_any=True):
    """Row indices of the dictionary pairs present in both vocabularies, and a coverage report.

    Out-of-vocabulary words are counted and reported, never silently dropped.

    Parameters
    ----------
    entries : list of (str, str)
    src_index, tgt_index : mapping of str -> int
        Word -> row, e.g. ``kv.key_to_index``.
    path : str, optional
        The dictionary's file, named in errors.
    require_any : bool, default True
        Raise ``ValueError`` when no pair is in the vocabularies, saying whether swapping source and
        target (or lowercasing) would match; and when the swapped (or lowercased) dictionary would
        match at least :data:`SWAP_FACTOR` times as many pairs (at least 10): a dictionary that runs
        the other way, or one in another case than the vectors.

    Returns
    -------
    pairs : ndarray of shape (n_pairs, 2), int64
        ``(src row, tgt row)`` for every entry with both words in vocabulary, in entry order.
    coverage : dict
        ``n_entries``; ``n_pairs_in_vocab``; ``n_src_words`` (distinct source words);
        ``n_src_words_in_vocab`` (source words with at least one pair in vocabulary);
        ``src_oov`` / ``tgt_oov`` (distinct source / target words missing from their vocabulary);
        ``n_pairs_src_oov`` (entries whose source word is missing) and ``n_pairs_tgt_oov`` (entries
        whose source word is present but whose target is missing); ``coverage``
        (percent of the source words in vocabulary, 100 * n_src_words_in_vocab / n_src_words, as
        ``evaluate_bli`` states its coverage); ``src_oov_examples`` / ``tgt_oov_examples``
        (up to 10 each, in dictionary order).
    """
    entries = list(entries)
    rows = []
    src_words, src_ok = {}, {}
    src_missing, tgt_missing = {}, {}
    n_pairs_src_oov = n_pairs_tgt_oov = 0
    n_entries = 0
    for src, tgt in entries:
        n_entries += 1
        src_words.setdefault(src, None)
        s = src_index.get(src)
        t = tgt_index.get(tgt)
        if s is None:
            src_missing.setdefault(src, None)
        if t is None:
            tgt_missing.setdefault(tgt, None)
        if s is None:
            n_pairs_src_oov += 1
        elif t is None:
            n_pairs_tgt_oov += 1
        else:
            rows.append((s, t))
            src_ok.setdefault(src, None)
    pairs = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
    coverage = {
        "n_entries": n_entries,
        "n_pairs_in_vocab": len(rows),
        "n_src_words": len(src_words),
        "n_src_words_in_vocab": len(src_ok),
        "src_oov": len(src_missing),
        "tgt_oov": len(tgt_missing),
        "n_pairs_src_oov": n_pairs_src_oov,
        "n_pairs_tgt_oov": n_pairs_tgt_oov,
        "coverage": 100.0 * len(src_ok) / len(src_words) if src_words else 0.0,
        "src_oov_examples": _first_n(src_missing),
        "tgt_oov_examples": _first_n(tgt_missing),
    }
    if require_any and not rows:
        raise ValueError(_no_pair_message(entries, src_index, tgt_index, coverage, path))
    if require_any and len(rows) < n_entries / SWAP_FACTOR:
        only = f"{_head(path)}only {len(rows)} of {n_entries} dictionary pairs are in the vocabularies, but "
        swapped = _n_swapped(entries, src_index, tgt_index)
        if swapped >= max(10, SWAP_FACTOR * len(rows)):
            raise ValueError(f"{only}{swapped} would be with source and target swapped: {_SWAP_FIX}")
        lowered = _n_lowered(entries, src_index, tgt_index)
        if lowered >= max(10, SWAP_FACTOR * len(rows)):
            raise ValueError(f"{only}{lowered} would be lowercased: {_LOWER_FIX}")
    return pairs, coverage


#: A dictionary is taken to run the other way when swapping its two columns matches this many
#: times as many pairs (a MUSE fi-en dictionary given for en-fi vectors matches a handful of pairs, and
#: thousands swapped).
SWAP_FACTOR = 5
_SWAP_FIX = ("the dictionary runs the other way (are the source and target vectors or vocabularies swapped?): "
             "its first column must be the language of the source vectors (align, evaluate: SRC_VECTORS; split: "
             "--src-vocab); give the vectors in the dictionary's order, or use the reverse dictionary (MUSE "
             "en-fi.txt, not fi-en.txt, for English source vectors)")
_LOWER_FIX = "pass lowercase=True (CLI: --lowercase)"


def _head(path):
    return f"{path}: " if path is not None else ""


def _n_swapped(entries, src_index, tgt_index):
    return sum(1 for src, tgt in entries if tgt in src_index and src in tgt_index)


def _n_lowered(entries, src_index, tgt_index):
    return sum(1 for src, tgt in entries if src.lower() in src_index and tgt.lower() in tgt_index)


def _no_pair_message(entries, src_index, tgt_index, coverage, path):
    head = _head(path)
    if not entries:
        return head + "the dictionary has no entries"
    message = (f"{head}{coverage['n_pairs_in_vocab']} of {coverage['n_entries']} dictionary pairs are in the "
               f"vocabulary (src OOV {coverage['src_oov']}, tgt OOV {coverage['tgt_oov']}); ")
    swapped = _n_swapped(entries, src_index, tgt_index)
    lowered = _n_lowered(entries, src_index, tgt_index)
    if swapped:
        return message + f"with source and target swapped, {swapped} pairs would match: {_SWAP_FIX}"
    if lowered:
        return message + f"lowercased, {lowered} pairs would match: {_LOWER_FIX}"
    examples = ", ".join(f"{s} {t}" for s, t in entries[:3])
    return message + ("swapping source and target does not help either: check that the dictionary is for "
                      f"this language pair and these vocabularies (first entries: {examples})")


def as_entries(dictionary, lowercase=False):
    """``(entries, path)`` from a dictionary file (read with :func:`read_dictionary`) or a list of
    ``(source, target)`` entries (path None); ``(None, None)`` for None."""
    if dictionary is None:
        return None, None
    if isinstance(dictionary, (str, os.PathLike)):
        return read_dictionary(dictionary, lowercase=lowercase), os.fspath(dictionary)
    return list(dictionary), None
