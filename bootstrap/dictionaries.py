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
import warnings

import numpy as np

from ._atomic import atomic_open, check_distinct
from ._files import open_binary
from .errors import FormatError

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


def _iter_lines(path):
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
    for lineno, line in _iter_lines(path):
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


def pivot_dictionary(src_pivot, pivot_tgt, *, min_paths=1, exclude_src=None, max_per_src=None, more_routes=()):
    """Triangulate two dictionaries through their shared language: a source-target dictionary
    where none exists.

    ``(s, t)`` is an entry when some pivot word ``p`` has ``(s, p)`` in ``src_pivot`` and
    ``(p, t)`` in ``pivot_tgt`` (en-de and de-es give en-es). The number of pivot words that
    connect a pair (its *paths*) measures its support: a polysemous pivot word (German ``Bank``:
    bench, bank) brings wrong pairs with one path, while a pair that several synonyms connect is
    rarely wrong. As a seed for ``align``, whose self-learning tolerates noise, every pair serves
    (benchmarks/README.md, section 1l: en-es via German 54.7 P@1 against 55.4 with MUSE's own en-es
    train dictionary; keeping pairs with 2 or more paths cut the seed and the score).

    Parameters
    ----------
    src_pivot : iterable of (str, str)
        ``(source, pivot)`` entries (e.g. read with :func:`read_dictionary`).
    pivot_tgt : iterable of (str, str)
        ``(pivot, target)`` entries.
    min_paths : int, default 1
        Keep pairs connected by at least this many distinct pivot words.
    exclude_src : collection of str, optional
        Source words to leave out, such as the words of a test dictionary (so that the seed does
        not hold their translations).
    max_per_src : int, optional
        Keep at most this many targets per source word, the best supported first.
    more_routes : sequence of (src_pivot, pivot_tgt), optional
        Further routes, each through its own pivot language (en-fr and fr-es beside en-de and
        de-es). A pair's paths are summed over all routes, so a pair that two pivot languages
        agree on counts both; sources keep their first order over the routes in the order given.

    Returns
    -------
    entries : list of (str, str)
        Source words in their first order in ``src_pivot``; each word's targets by paths (most
        first), then in first-seen order.
    info : dict
        ``n_pairs``, ``n_src_words``, ``n_pivot_words`` (pivot words shared by the two
        dictionaries, summed over the routes), ``routes`` (per route: its ``n_pivot_words`` and
        ``n_pairs`` before ``min_paths``), ``n_excluded_src`` (source words left out by ``exclude_src``),
        ``n_below_min_paths`` (pairs dropped by ``min_paths``), ``paths`` (a histogram:
        paths -> pairs, as string keys).

    Raises
    ------
    ValueError
        When the two dictionaries of a route share no pivot word (the second one's columns may be
        the other way round: target-pivot instead of pivot-target); with several routes the
        message begins ``route N:``.
    """
    if min_paths < 1:
        raise ValueError(f"min_paths must be >= 1; got {min_paths}")
    if max_per_src is not None and max_per_src < 1:
        raise ValueError(f"max_per_src must be >= 1 or None; got {max_per_src}")
    routes = [(src_pivot, pivot_tgt), *more_routes]
    exclude_src = set(exclude_src or ())
    paths, per_route = {}, []  # source -> {target: paths}, in first-seen order over the routes
    for number, (first_entries, second_entries) in enumerate(routes, 1):
        try:
            route_paths, n_shared = _route_paths(first_entries, second_entries,
                                                 f"route {number}: " if len(routes) > 1 else "")
        except ValueError as exc:
            raise RouteError(str(exc), route=number) from None
        per_route.append({"n_pivot_words": n_shared, "n_pairs": sum(len(t) for t in route_paths.values())})
        for src, targets in route_paths.items():
            merged = paths.setdefault(src, {})
            for tgt, n in targets.items():
                merged[tgt] = merged.get(tgt, 0) + n
    entries, histogram = [], {}
    n_excluded = n_below = 0
    for src, targets in paths.items():
        if src in exclude_src:
            n_excluded += 1
            continue
        ranked = sorted(targets.items(), key=lambda kv: -kv[1])  # stable: first-seen order among ties
        kept = [(tgt, n) for tgt, n in ranked if n >= min_paths]
        n_below += len(ranked) - len(kept)
        for tgt, n in kept[:max_per_src]:
            entries.append((src, tgt))
            histogram[n] = histogram.get(n, 0) + 1
    info = {"n_pairs": len(entries), "n_src_words": len({s for s, _ in entries}),
            "n_pivot_words": sum(r["n_pivot_words"] for r in per_route), "routes": per_route,
            "n_excluded_src": n_excluded, "n_below_min_paths": n_below,
            "paths": {str(n): histogram[n] for n in sorted(histogram)}}
    return entries, info


class RouteError(ValueError):
    """A pivot route that cannot be triangulated; ``route`` is its 1-based number."""

    def __init__(self, message, *, route):
        super().__init__(message)
        self.route = route


def _route_paths(src_pivot, pivot_tgt, label=""):
    """``({source: {target: paths}}, n shared pivot words)`` of one route; sources in their first
    order in ``src_pivot``, targets in first-seen order. Raises or warns, ``label`` first, on a route
    whose second dictionary (or first) looks read the wrong way round."""
    first = group_by_source(src_pivot)
    second = group_by_source(pivot_tgt)
    pivots = {p for ps in first.values() for p in ps}
    shared = pivots & second.keys()
    # Related languages share many spellings (names, numbers, loans), so a dictionary read the wrong way
    # round still shares words; it shares more the other way round (MUSE en-de with es-de given for
    # de-es: 34,062 pivot words, 53,416 with es-de swapped)
    other_ways = {"second": len(pivots & {t for ts in second.values() for t in ts}),
                  "first": len(first.keys() & second.keys())}
    way, n_other = max(other_ways.items(), key=lambda kv: kv[1])
    if not shared:
        fix = (f"the {way} one shares {n_other} words with the other when its columns are swapped: pass "
               f"--swap-{way} (pivot_dictionary: swap its pairs)" if n_other else
               "check that both are dictionaries of the pivot language (swapping either one's columns does not "
               "help)")
        raise ValueError(f"{label}the two dictionaries share no pivot word: the first must be source-pivot and "
                         f"the second pivot-target; {fix}")
    if n_other > len(shared):
        warnings.warn(f"{label}the {way} dictionary shares more words with the other when its columns are swapped "
                      f"({n_other} against {len(shared)}): it may be the other way round (offramp pivot "
                      f"--swap-{way}; pivot_dictionary: swap its pairs)", UserWarning, stacklevel=3)
    paths = {}
    for src, src_pivots in first.items():
        targets = paths.setdefault(src, {})
        for pivot in src_pivots:
            for tgt in second.get(pivot, ()):
                targets[tgt] = targets.get(tgt, 0) + 1
    return paths, len(shared)


def pivot_files(src_pivot_path, pivot_tgt_path, out, *, fmt="auto", lowercase=False, swap_first=False,
                swap_second=False, exclude_src_path=None, min_paths=1, max_per_src=None, sep="\t", more_routes=()):
    """Read two dictionaries, triangulate them (:func:`pivot_dictionary`) and write the result.

    Parameters
    ----------
    src_pivot_path, pivot_tgt_path : str or path-like
        Dictionaries source-pivot and pivot-target (MUSE, VecMap or TSV).
    out : str or path-like
        The source-target dictionary to write (atomically), ``src<TAB>tgt`` per line.
    fmt : {'auto', 'muse', 'vecmap', 'tsv'}
    lowercase : bool, default False
        Lowercase both dictionaries.
    swap_first, swap_second : bool, default False
        Read a dictionary's columns the other way round (a pivot-source file as source-pivot).
    exclude_src_path : str or path-like, optional
        A dictionary (such as a test dictionary) whose source words are left out.
    min_paths, max_per_src
        See :func:`pivot_dictionary`.
    sep : str, default TAB
    more_routes : sequence of (path, path), optional
        Further source-pivot and pivot-target dictionaries, each pair through its own pivot
        language, in that orientation (``swap_first``/``swap_second`` apply to the first route);
        paths are summed over the routes (:func:`pivot_dictionary`).

    Returns
    -------
    info : dict
        As :func:`pivot_dictionary`, plus the paths.
    """
    def read(path, swap):
        entries = read_dictionary(path, fmt=fmt, lowercase=lowercase)
        return [(b, a) for a, b in entries] if swap else entries

    more_routes = [tuple(route) for route in more_routes]
    if any(len(route) != 2 for route in more_routes):
        raise ValueError("each of more_routes must be a (source-pivot, pivot-target) pair of paths")
    route_files = [(src_pivot_path, pivot_tgt_path), *more_routes]
    route_inputs = [(f"route {n} {side} dictionary", path) for n, route in enumerate(more_routes, 2)
                    for side, path in zip(("first", "second"), route)]
    check_distinct({"out": out}, [("first dictionary", src_pivot_path), ("second dictionary", pivot_tgt_path),
                                  ("exclude_src dictionary", exclude_src_path), *route_inputs])
    exclude = None
    if exclude_src_path is not None:
        exclude = {src for src, _ in read_dictionary(exclude_src_path, fmt=fmt, lowercase=lowercase)}
    first, second = read(src_pivot_path, swap_first), read(pivot_tgt_path, swap_second)
    more = [(read(a, False), read(b, False)) for a, b in more_routes]
    try:
        entries, info = pivot_dictionary(first, second, min_paths=min_paths, exclude_src=exclude,
                                         max_per_src=max_per_src, more_routes=more)
    except RouteError as exc:  # name the files: the usual cause is one read the wrong way round
        a, b = route_files[exc.route - 1]
        raise ValueError(f"{os.fspath(a)} and {os.fspath(b)}: {exc}") from None
    if not entries:
        raise ValueError(f"no pair left to write to {os.fspath(out)}: {info['n_excluded_src']} source words "
                         f"excluded, {info['n_below_min_paths']} pairs below --min-paths {min_paths}")
    write_dictionary(entries, out, sep=sep)
    info.update(src_pivot=os.fspath(src_pivot_path), pivot_tgt=os.fspath(pivot_tgt_path), out=os.fspath(out),
                exclude_src=None if exclude_src_path is None else os.fspath(exclude_src_path))
    for route, (a, b) in zip(info["routes"], route_files):
        route.update(src_pivot=os.fspath(a), pivot_tgt=os.fspath(b))
    return info


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
#: times as many pairs (a MUSE fi-en dictionary given for en-fi vectors: 3 pairs against 5,000).
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
