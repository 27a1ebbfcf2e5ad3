"""Seed lexicons for the first alignment step: a dictionary, identical strings, numerals, verses, or none.

Identical strings (names, loanwords, numbers, punctuation) are a cheap seed that needs no
dictionary (Artetxe et al. 2017; Søgaard et al. 2018); numerals alone are a weaker, safer one.
*Cognates* widen identical strings to mutually most similar spellings (``david`` / ``dāvids``,
``altar`` / ``altāra``), which matters where the target language inflects names and loan words
(Latvian, Finnish, Slovene), so that few strings are exactly identical.
*Parallel* seeds are mutually best Dice pairs over the verses of verse-aligned corpora such as
Bibles (:mod:`bootstrap.lexicon.parallel`): no dictionary, and no reliance on spelling.
All functions return ``(source word, target word)`` entries, which
:func:`bootstrap.io.dictionaries.lookup_pairs` turns into row indices.
"""
import numbers
import re

MODES = ("dictionary", "identical", "cognates", "numerals", "parallel", "identical+numerals", "cognates+numerals",
         "dictionary+parallel", "unsupervised")
PARTS = ("dictionary", "identical", "cognates", "numerals", "parallel")
_SIMILARITY_TOL = 1e-6  # float32 similarities (0.8 -> 0.79999995) still meet a threshold of 0.8
#: Defaults of :func:`cognate_pairs`: close spellings of words long enough to be names or loans, at
#: comparable frequency (docs/defaults.md, "Cognate seeds").
COGNATE_DEFAULTS = {"min_similarity": 0.8, "min_len": 5, "max_rank": 20000, "max_rank_ratio": 10.0}
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
    _check_ratio(max_rank_ratio)
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
        if tgt_rank is not None and not _ranks_agree(rank, tgt_rank[word], max_rank_ratio):
            continue
        out.append((word, word))
    return out


def _ranks_agree(i, j, max_rank_ratio):
    """Rows ``i`` and ``j`` (0-based frequency ranks) differ by at most ``max_rank_ratio`` as 1-based ranks."""
    return max_rank_ratio is None or max(i + 1, j + 1) <= max_rank_ratio * min(i + 1, j + 1)


def _check_ratio(max_rank_ratio):
    if max_rank_ratio is not None and (isinstance(max_rank_ratio, bool) or not isinstance(max_rank_ratio, numbers.Real)
                                       or not max_rank_ratio >= 1):
        raise ValueError(f"max_rank_ratio must be a number >= 1 or None; got {max_rank_ratio!r}")


def cognate_pairs(src_words, tgt_words, *, min_similarity=COGNATE_DEFAULTS["min_similarity"],
                  min_len=COGNATE_DEFAULTS["min_len"], max_rank=COGNATE_DEFAULTS["max_rank"],
                  max_rank_ratio=COGNATE_DEFAULTS["max_rank_ratio"], batch_size=2000, workers=-1):
    """Mutually most similar spellings of the two vocabularies (likely cognates, names, loan words).

    Words are compared after folding (:func:`bootstrap.lexicon.orthography.fold`: no accents, case-folded)
    by normalised Levenshtein similarity (rapidfuzz). A pair is kept when each word is the
    other's most similar word, the similarity is at least ``min_similarity``, both words have at
    least ``min_len`` characters and a letter, and their frequency ranks differ by at most
    ``max_rank_ratio``.

    Parameters
    ----------
    src_words : sequence of str
        Source vocabulary in descending frequency; sets the output order.
    tgt_words : sequence of str or mapping of str -> int
        Target vocabulary in descending frequency (a list, or a ``key_to_index`` mapping).
    min_similarity : float in (0, 1]
        1 keeps only identical spellings (after folding).
    min_len : int
    max_rank : int or None
        Compare only the ``max_rank`` most frequent words of each side (cost ~ max_rank squared
        string comparisons: the default takes seconds to tens of seconds).
    max_rank_ratio : float or None
    batch_size : int
        Source words per block of the similarity matrix (memory ~ batch_size x max_rank floats).
    workers : int
        rapidfuzz threads (-1: all cores).

    Returns
    -------
    entries : list of (str, str)
        ``(source word, target word)`` in source-frequency order.
    """
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    from .orthography import fold

    if not 0 < min_similarity <= 1:
        raise ValueError(f"min_similarity must be in (0, 1]; got {min_similarity!r}")
    if int(min_len) != min_len or min_len < 1:
        raise ValueError(f"min_len must be a positive integer; got {min_len!r}")
    _check_ratio(max_rank_ratio)
    if hasattr(tgt_words, "keys"):
        tgt_words = sorted(tgt_words, key=tgt_words.get)
    src = list(_ranked(src_words, max_rank, "src_words"))
    tgt = list(_ranked(tgt_words, max_rank, "tgt_words"))

    def usable(word):
        return len(word) >= min_len and any(c.isalpha() for c in word)

    src_rows = [i for i, w in enumerate(src) if usable(w)]
    tgt_rows = [j for j, w in enumerate(tgt) if usable(w)]
    if not src_rows or not tgt_rows:
        return []
    src_fold = [fold(src[i]) for i in src_rows]
    tgt_fold = [fold(tgt[j]) for j in tgt_rows]
    best_tgt = np.zeros(len(src_rows), dtype=np.int64)
    best_tgt_score = np.zeros(len(src_rows), dtype=np.float32)
    best_src = np.zeros(len(tgt_rows), dtype=np.int64)
    best_src_score = np.full(len(tgt_rows), -1.0, dtype=np.float32)
    for start in range(0, len(src_rows), batch_size):
        # A little below the threshold: rapidfuzz turns the cutoff into 1 - t as a distance limit,
        # and 1 - 0.8 rounds below 0.2, which would drop a 1-in-5 edit at exactly 0.8.
        block = process.cdist(src_fold[start:start + batch_size], tgt_fold,
                              scorer=Levenshtein.normalized_similarity, dtype=np.float32,
                              score_cutoff=max(0.0, min_similarity - _SIMILARITY_TOL), workers=workers)
        best_tgt[start:start + block.shape[0]] = block.argmax(axis=1)
        best_tgt_score[start:start + block.shape[0]] = block.max(axis=1)
        col = block.max(axis=0)
        better = col > best_src_score  # strictly: the more frequent source word wins ties
        best_src[better] = block.argmax(axis=0)[better] + start
        best_src_score = np.maximum(best_src_score, col)
    out = []
    for a, (b, score) in enumerate(zip(best_tgt.tolist(), best_tgt_score.tolist())):
        if score < min_similarity - _SIMILARITY_TOL or score <= 0 or best_src[b] != a:
            continue
        i, j = src_rows[a], tgt_rows[b]
        if _ranks_agree(i, j, max_rank_ratio):
            out.append((src[i], tgt[j]))
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


def parse_mode(mode, *, name="mode", examples=MODES):
    """The parts of a seed mode: ``[]`` for ``'unsupervised'``, else its '+'-joined parts.

    Raises ``ValueError`` (naming ``name`` and listing ``examples``) for anything else: a
    non-string, an unknown or a repeated part.
    """
    if mode == "unsupervised":
        return []
    parts = mode.split("+") if isinstance(mode, str) else [None]
    if any(p not in PARTS for p in parts) or len(set(parts)) != len(parts):
        raise ValueError(f"{name} must be one of {examples} or a '+'-joined combination of {PARTS}; "
                         f"got {mode!r}")
    return parts


def seed_entries(mode, src_words, tgt_words, *, dictionary=None, min_len=1, max_rank=None,
                 require_letter=False, max_rank_ratio=None, cognates=None, parallel=None, parallel_options=None,
                 fmt="auto", lowercase=False, counts=None):
    """The seed lexicon for ``mode``.

    Parameters
    ----------
    mode : str
        ``'dictionary'``, ``'identical'``, ``'cognates'``, ``'numerals'``, ``'parallel'``,
        ``'unsupervised'``, or a ``+``-joined combination of the first five (e.g.
        ``'identical+numerals'``, ``'cognates+numerals'``, ``'dictionary+parallel'``); combined seeds
        are concatenated in the order given, without repeats.
    src_words : sequence of str
        Source vocabulary in descending frequency.
    tgt_words : collection of str
        Target vocabulary.
    dictionary : list of (str, str) or str or path-like, optional
        Entries, or a dictionary file read with :func:`bootstrap.io.dictionaries.read_dictionary`;
        required when ``mode`` includes ``'dictionary'``.
    cognates : dict, optional
        Keyword arguments of :func:`cognate_pairs` (default :data:`COGNATE_DEFAULTS`).
    parallel : bootstrap.lexicon.parallel.VerseAssociation, optional
        Verse association of the two vocabularies; required when ``mode`` includes ``'parallel'``.
    parallel_options : dict, optional
        Keyword arguments of :meth:`bootstrap.lexicon.parallel.VerseAssociation.pairs`
        (default :data:`bootstrap.lexicon.parallel.PARALLEL_DEFAULTS`).
    min_len, max_rank, require_letter, max_rank_ratio
        Passed to :func:`identical_pairs` (``max_rank`` also to :func:`numeral_pairs`).
    fmt, lowercase
        Passed to ``read_dictionary`` when ``dictionary`` is a path.
    counts : dict, optional
        Filled with what each part contributed: ``{part: {"found": n, "added": m}}``, ``added``
        counting the entries not already given by an earlier part (so a combined seed shows when
        one part found nothing, e.g. no numeral in either vocabulary).

    Returns
    -------
    entries : list of (str, str)
        Empty for ``'unsupervised'``.
    """
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a string; got {type(mode).__name__}")
    parts = parse_mode(mode)
    if not parts:
        return []
    if cognates and "cognates" not in parts:
        raise ValueError(f"cognate options were given, but seed mode {mode!r} has no 'cognates' part")
    if parallel_options and "parallel" not in parts:
        raise ValueError(f"parallel-seed options were given, but seed mode {mode!r} has no 'parallel' part")
    out, seen = [], set()

    def extend(entries):
        before, found = len(out), 0
        for entry in entries:
            found += 1
            entry = tuple(entry)
            if entry not in seen:
                seen.add(entry)
                out.append(entry)
        if counts is not None:
            counts[part] = {"found": found, "added": len(out) - before}

    for part in parts:
        if part == "dictionary":
            if dictionary is None:
                raise ValueError(f"mode {mode!r} needs a dictionary (a file or a list of (src, tgt) entries)")
            if isinstance(dictionary, (str, bytes)) or hasattr(dictionary, "__fspath__"):
                from ..io.dictionaries import read_dictionary

                entries = read_dictionary(dictionary, fmt=fmt, lowercase=lowercase)
            else:
                entries = dictionary
            extend(entries)
        elif part == "identical":
            extend(identical_pairs(src_words, tgt_words, min_len=min_len, max_rank=max_rank,
                                   require_letter=require_letter, max_rank_ratio=max_rank_ratio))
        elif part == "cognates":
            extend(cognate_pairs(src_words, tgt_words, **(cognates or {})))
        elif part == "parallel":
            if parallel is None:
                raise ValueError(f"mode {mode!r} needs verse-aligned corpora: pass parallel=verse_association(...) "
                                 "(CLI: --parallel-src FILE --parallel-tgt FILE)")
            extend(parallel.pairs(**(parallel_options or {})))
        else:
            extend(numeral_pairs(src_words, tgt_words, max_rank=max_rank))
    return out
