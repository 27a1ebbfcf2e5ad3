"""Re-ranking of retrieved translation candidates with extra pair features.

Retrieval in the shared space (NN, CSLS, inverted softmax) gives each query word its ``k``
best target candidates. On small corpora the embedding score alone is noisy, and two cheap
signals that it ignores often separate the right candidate from its neighbours:

* string similarity of the two words (cognates, names, loan words; Riley & Gildea 2018 add
  such features to the embeddings, Heyman et al. 2017 and Karan et al. 2020 re-rank with them);
* agreement of frequency ranks (a frequent word rarely translates into a rare one);
* co-occurrence in aligned verses (``parallel``: the Dice coefficient of the two words' verse
  sets in verse-aligned corpora such as Bibles, computed in :mod:`bootstrap.lexicon.parallel`).

This module holds the array side: a candidate list ``(scores, index)`` of shape
``(n_queries, k)``, feature arrays of the same shape, and a weighted sum
``scores + sum_f w_f * feature_f`` that re-orders each row. Features that need the words
themselves (string similarity) are computed in :mod:`bootstrap.lexicon.orthography`; the frequency
feature needs only row numbers, because offramp's vocabularies are sorted by frequency.
Weights can be fitted on a dictionary the mapping was trained with (:func:`fit_weights`).
"""
import itertools

import numpy as np

from ._backend import get_namespace, to_numpy

FEATURES = ("ortho", "freq", "parallel")
#: Weights used when none are given and no dictionary is at hand to fit them: typical values of
#: weights fitted on training dictionaries, never on test words (docs/defaults.md).
DEFAULT_WEIGHTS = {"ortho": 0.3, "freq": 0.05, "parallel": 0.5}
#: The grid :func:`fit_weights` searches, per feature.
DEFAULT_GRID = {"ortho": (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
                "freq": (0.0, 0.01, 0.02, 0.05, 0.1, 0.2),
                "parallel": (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)}


def _check_candidates(scores, index):
    if scores.ndim != 2 or scores.shape != index.shape:
        raise ValueError(f"scores and index must be 2-d arrays of one shape; got {scores.shape} and {index.shape}")


def rank_gap(query_rows, index):
    """Frequency-rank agreement of each candidate pair: ``-|log(1 + i) - log(1 + j)|``.

    Parameters
    ----------
    query_rows : ndarray of shape (n_queries,)
        Row of each query in its (frequency-sorted) vocabulary.
    index : ndarray of shape (n_queries, k)
        Rows of the candidates in the target (frequency-sorted) vocabulary.

    Returns
    -------
    ndarray of shape (n_queries, k), float32
        0 for equal ranks, more negative the further the ranks are apart.
    """
    xp = get_namespace(query_rows, index)
    if query_rows.ndim != 1 or index.ndim != 2 or index.shape[0] != query_rows.shape[0]:
        raise ValueError(f"query_rows must have shape (n,) and index (n, k); got {query_rows.shape} "
                         f"and {index.shape}")
    q = xp.log1p(query_rows.astype(xp.float32))[:, None]
    c = xp.log1p(index.astype(xp.float32))
    return -xp.abs(q - c)


def combine(scores, features, weights):
    """``scores + sum_f weights[f] * features[f]``.

    Parameters
    ----------
    scores : ndarray of shape (n_queries, k)
    features : dict of str -> ndarray of shape (n_queries, k)
    weights : dict of str -> float
        A weight for every feature (missing ones count 0).

    Returns
    -------
    ndarray of shape (n_queries, k), float32
        A new array; ``scores`` is not changed.
    """
    xp = get_namespace(scores)
    unknown = set(weights) - set(features)
    if unknown:
        raise ValueError(f"weights for features that were not computed: {sorted(unknown)}")
    total = xp.asarray(scores, dtype=xp.float32).copy()
    for name, value in features.items():
        if value.shape != scores.shape:
            raise ValueError(f"feature {name!r} has shape {value.shape}; scores have {scores.shape}")
        w = float(weights.get(name, 0.0))
        if w:
            total += w * value
    return total


def rerank(scores, index, features, weights):
    """Re-order each row's candidates by the combined score.

    Parameters
    ----------
    scores : ndarray of shape (n_queries, k)
        Retrieval scores (higher is better).
    index : ndarray of shape (n_queries, k)
        Candidate rows in the target vocabulary.
    features : dict of str -> ndarray of shape (n_queries, k)
    weights : dict of str -> float

    Returns
    -------
    scores : ndarray of shape (n_queries, k)
        Combined scores, sorted decreasing per row (stable: ties keep the retrieval order).
    index : ndarray of shape (n_queries, k)
        Same dtype as the input ``index``.
    """
    xp = get_namespace(scores, index)
    _check_candidates(scores, index)
    total = combine(scores, features, weights)
    order = xp.argsort(-total, axis=1, kind="stable") if xp is np else xp.argsort(-total, axis=1)
    return xp.take_along_axis(total, order, axis=1), xp.take_along_axis(index, order, axis=1)


def gold_hits(index, gold):
    """Which candidates are gold translations.

    Parameters
    ----------
    index : ndarray of shape (n_queries, k)
        Candidate rows (host array).
    gold : list of int sequences, length n_queries
        Gold target rows of each query.

    Returns
    -------
    ndarray of shape (n_queries, k), bool
        True where ``index[i, c]`` is one of query i's gold rows.
    """
    hits = np.zeros(index.shape, dtype=bool)
    for row, targets in enumerate(gold):
        if len(targets):
            hits[row] = np.isin(index[row], np.asarray(list(targets)))
    return hits


def candidate_ranks(index, gold, fallback=None):
    """Rank (1-based) of each query's best gold translation within its candidate list.

    Parameters
    ----------
    index : ndarray of shape (n_queries, k)
        Candidate rows, best first.
    gold : list of int sequences, length n_queries
        Gold target rows of each query.
    fallback : ndarray of shape (n_queries,), optional
        Rank to use where no gold row is among the candidates (e.g. the rank under plain
        retrieval, which is then > k); ``inf`` when not given.

    Returns
    -------
    ndarray of shape (n_queries,), float64
    """
    index = to_numpy(index)
    if len(gold) != index.shape[0]:
        raise ValueError(f"gold has {len(gold)} entries for {index.shape[0]} queries")
    ranks = np.full(index.shape[0], np.inf) if fallback is None else np.asarray(fallback, dtype=np.float64).copy()
    hits = gold_hits(index, gold)
    found = hits.any(axis=1)
    ranks[found] = hits[found].argmax(axis=1) + 1
    return ranks


def fit_weights(scores, index, features, gold, *, grid=None):
    """Feature weights that maximise P@1 on a dictionary, by grid search.

    Parameters
    ----------
    scores, index : ndarray of shape (n_queries, k)
        Candidates of the dictionary's source words, best first.
    features : dict of str -> ndarray of shape (n_queries, k)
    gold : list of int sequences, length n_queries
        Gold target rows of each query.
    grid : dict of str -> sequence of float, optional
        Values to try per feature (default :data:`DEFAULT_GRID`).

    Returns
    -------
    weights : dict of str -> float
        The best combination; among equally good ones the one with the smallest weights.
    p_at_1 : float
        Its P@1 on ``gold`` (fraction of queries).
    """
    xp = get_namespace(scores)
    _check_candidates(scores, index)
    if len(gold) != scores.shape[0]:
        raise ValueError(f"gold has {len(gold)} entries for {scores.shape[0]} queries")
    grid = dict(DEFAULT_GRID if grid is None else grid)
    names = sorted(features)
    missing = [n for n in names if n not in grid]
    if missing:
        raise ValueError(f"no grid for features {missing}")
    index_host = to_numpy(index)
    k = index_host.shape[1]
    is_gold = gold_hits(index_host, gold)  # turns each combination into one argmax
    rows = np.arange(index_host.shape[0])
    if k == 0 or rows.size == 0:  # no candidates: nothing to choose, nothing right
        return {n: 0.0 for n in names}, 0.0
    best = None
    combos = sorted(itertools.product(*(grid[n] for n in names)), key=lambda ws: (sum(ws), ws))
    for values in combos:
        weights = dict(zip(names, values))
        top = to_numpy(xp.argmax(combine(scores, features, weights), axis=1))
        p1 = float(is_gold[rows, top].mean())
        if best is None or p1 > best[1] + 1e-12:
            best = (weights, p1)
    return best
