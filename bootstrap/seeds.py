"""Seed lexicons for the first alignment step: a dictionary, identical strings, numerals, or none.

Identical strings (names, loanwords, numbers, punctuation) are a cheap seed that needs no
dictionary (Artetxe et al. 2017; Søgaard et al. 2018); numerals alone are a weaker, safer one.
All functions return ``(source word, target word)`` entries, which
:func:`bootstrap.dictionaries.lookup_pairs` turns into row indices.
"""
import numbers
import re

MODES = ("dictionary", "identical", "numerals", "identical+numerals", "unsupervised")
_PARTS = ("dictionary", "identical", "numerals")
_NUMERAL = re.compile(r"[0-9]+(?:[.,][0-9]+)*")


def _ranked(words, max_rank, name):
    if isinstance(words, (str, bytes)):
        raise TypeError(f"{name} must be a collection of words, not a single string")
    if max_rank is not None:
        if isinstance(max_rank, bool) or int(max_rank) != max_rank or max_rank < 1:
            raise ValueError(f"max_rank must be a positive integer or None; got {max_rank!r}")
        words = list(words)[:max_rank]
    return words


def _rank_lookup(words):
    if hasattr(words, "get") and hasattr(words, "keys"):
        return words  # a key_to_index mapping: row == frequency rank
    return {w: i for i, w in enumerate(dict.fromkeys(words))}


def identical_pairs(src_words, tgt_words, *, min_len=1, max_rank=None, require_letter=False,
                    max_rank_ratio=None):
    """Strings present in both vocabularies, paired with themselves.

    Parameters
    ----------
    src_words : sequence of str
        Source vocabulary in descending frequency (e.g. ``kv.index_to_key``); sets the output order.
    tgt_words : collection of str
        Target vocabulary (in descending frequency when ``max_rank`` is given).
    min_len : int, default 1
        Skip words shorter than this (``min_len=2`` drops one-character tokens such as punctuation).
    max_rank : int, optional
        Consider only the ``max_rank`` most frequent words of each vocabulary.
    require_letter : bool, default False
        Keep only words that contain at least one letter (drops numbers and punctuation).
    max_rank_ratio : float, optional
        Keep a word only if its frequency ranks (1-based) in the two vocabularies differ by at
        most this factor. A string that is frequent on one side and rare on the other is
        usually not a translation of itself: English words quoted in a Latvian corpus (``the``
        at rank 1 in English, 2570 in Latvian), or false friends. ``tgt_words`` must then be in
        descending frequency (a list, or a ``key_to_index`` mapping).

    Returns
    -------
    entries : list of (str, str)
        ``(w, w)`` in source-frequency order, each word once.
    """
    if int(min_len) != min_len or min_len < 1:
        raise ValueError(f"min_len must be a positive integer; got {min_len!r}")
    if max_rank_ratio is not None and (isinstance(max_rank_ratio, bool) or not isinstance(max_rank_ratio, numbers.Real)
                                       or not max_rank_ratio >= 1):
        raise ValueError(f"max_rank_ratio must be a number >= 1 or None; got {max_rank_ratio!r}")
    tgt_rank = _rank_lookup(tgt_words) if max_rank_ratio is not None else None
    src_words = _ranked(src_words, max_rank, "src_words")
    tgt_set = set(_ranked(tgt_words, max_rank, "tgt_words"))
    out, seen = [], set()
    for rank, word in enumerate(src_words):
        if word in seen or word not in tgt_set or len(word) < min_len:
            continue
        if require_letter and not any(c.isalpha() for c in word):
            continue
        seen.add(word)
        if tgt_rank is not None:
            a, b = rank + 1, tgt_rank[word] + 1
            if max(a, b) > max_rank_ratio * min(a, b):
                continue
        out.append((word, word))
    return out


def is_numeral(word):
    """True for ASCII digits, optionally grouped by ``.`` or ``,`` (``7``, ``1,000``, ``3.14``)."""
    return _NUMERAL.fullmatch(word) is not None


def numeral_pairs(src_words, tgt_words, *, max_rank=None):
    """Numerals present in both vocabularies, paired with themselves.

    Parameters
    ----------
    src_words : sequence of str
        Source vocabulary in descending frequency; sets the output order.
    tgt_words : collection of str
    max_rank : int, optional
        Consider only the ``max_rank`` most frequent words of each vocabulary.

    Returns
    -------
    entries : list of (str, str)
        ``(w, w)`` for every token made of digits (optionally with ``.``/``,`` between digit groups)
        in both vocabularies, in source-frequency order.
    """
    src_words = _ranked(src_words, max_rank, "src_words")
    tgt_set = set(_ranked(tgt_words, max_rank, "tgt_words"))
    out, seen = [], set()
    for word in src_words:
        if word not in seen and word in tgt_set and is_numeral(word):
            seen.add(word)
            out.append((word, word))
    return out


def seed_entries(mode, src_words, tgt_words, *, dictionary=None, min_len=1, max_rank=None,
                 require_letter=False, max_rank_ratio=None, fmt="auto", lowercase=False):
    """The seed lexicon for ``mode``.

    Parameters
    ----------
    mode : str
        ``'dictionary'``, ``'identical'``, ``'numerals'``, ``'unsupervised'``, or a ``+``-joined
        combination of the first three (e.g. ``'identical+numerals'``, ``'dictionary+identical'``);
        combined seeds are concatenated in that order without repeats.
    src_words : sequence of str
        Source vocabulary in descending frequency.
    tgt_words : collection of str
        Target vocabulary.
    dictionary : list of (str, str) or str or path-like, optional
        Entries, or a dictionary file read with :func:`bootstrap.dictionaries.read_dictionary`;
        required when ``mode`` includes ``'dictionary'``.
    min_len, max_rank, require_letter, max_rank_ratio
        Passed to :func:`identical_pairs` (``max_rank`` also to :func:`numeral_pairs`).
    fmt, lowercase
        Passed to ``read_dictionary`` when ``dictionary`` is a path.

    Returns
    -------
    entries : list of (str, str)
        Empty for ``'unsupervised'``.
    """
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a string; got {type(mode).__name__}")
    if mode == "unsupervised":
        return []
    parts = mode.split("+")
    if not parts or any(p not in _PARTS for p in parts) or len(set(parts)) != len(parts):
        raise ValueError(f"mode must be one of {MODES} or a '+'-joined combination of {_PARTS}; got {mode!r}")
    out, seen = [], set()

    def extend(entries):
        for entry in entries:
            entry = tuple(entry)
            if entry not in seen:
                seen.add(entry)
                out.append(entry)

    for part in parts:
        if part == "dictionary":
            if dictionary is None:
                raise ValueError(f"mode {mode!r} needs a dictionary (a file or a list of (src, tgt) entries)")
            if isinstance(dictionary, (str, bytes)) or hasattr(dictionary, "__fspath__"):
                from .dictionaries import read_dictionary

                entries = read_dictionary(dictionary, fmt=fmt, lowercase=lowercase)
            else:
                entries = dictionary
            extend(entries)
        elif part == "identical":
            extend(identical_pairs(src_words, tgt_words, min_len=min_len, max_rank=max_rank,
                                   require_letter=require_letter, max_rank_ratio=max_rank_ratio))
        else:
            extend(numeral_pairs(src_words, tgt_words, max_rank=max_rank))
    return out
