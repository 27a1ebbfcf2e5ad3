"""Pivot dictionaries: triangulate two dictionaries through their shared language (en-de and de-lv
give en-lv) where no direct one exists."""
import os
import warnings

from ..io.atomic import check_distinct
from ..io.dictionaries import group_by_source, read_dictionary, write_dictionary
from ..signature import make_signature


def pivot_dictionary(src_pivot, pivot_tgt, *, min_paths=1, exclude_src=None, max_per_src=None, more_routes=()):
    """Triangulate two dictionaries through their shared language: a source-target dictionary
    where none exists.

    ``(s, t)`` is an entry when some pivot word ``p`` has ``(s, p)`` in ``src_pivot`` and
    ``(p, t)`` in ``pivot_tgt`` (en-de and de-es give en-es). The number of pivot words that
    connect a pair (its *paths*) measures its support: a polysemous pivot word (German ``Bank``:
    bench, bank) brings wrong pairs with one path, while a pair that several synonyms connect is
    rarely wrong. As a seed for ``align``, whose self-learning tolerates noise, every pair serves:
    requiring 2 or more paths shrinks the seed more than it cleans it, except for noisy pivot
    dictionaries (docs/defaults.md, "Pivot seeds: min_paths 1").

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
    # round still shares words; it shares clearly more the other way round, so the two counts are compared
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
        As :func:`pivot_dictionary`, plus the paths and the reproducibility ``signature``.
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
    swapped = [name for name, on in (("first", swap_first), ("second", swap_second)) if on] or None
    info["signature"] = make_signature(pivot="triangulation", routes=1 + len(more_routes) if more_routes else None,
                                       min_paths=min_paths, max_per_src=max_per_src, swap=swapped,
                                       lowercase="yes" if lowercase else None)
    return info
