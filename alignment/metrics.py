"""BLI metrics from gold ranks: P@k, MRR and coverage, under both OOV conventions.

A test word is *covered* when it and at least one of its gold translations are in the
vocabularies. Two conventions are reported, and neither drops a word silently:

``excluded`` (MUSE, VecMap): scores over covered words only, with coverage beside them;
``counted_wrong``: every test word counts, uncovered ones as misses (scores comparable
across embeddings with different vocabularies).
"""
from ._backend import get_namespace

DEFAULT_KS = (1, 5, 10)


def _check_ranks(ranks):
    """Ranks must be a 1-d array of values >= 1 (``inf`` for a miss); 0, negative or NaN ranks
    would turn into P@k above 100 or an infinite MRR."""
    xp = get_namespace(ranks)
    if ranks.ndim != 1:
        raise ValueError(f"ranks must be 1-d, one per query; got shape {ranks.shape}")
    if ranks.shape[0] and not bool(xp.all(ranks >= 1)):
        bad = int(xp.flatnonzero(~(ranks >= 1))[0])
        raise ValueError(f"ranks are 1-based (inf for a miss); rank {bad} is {float(ranks[bad])!r}")


def precision_at_k(ranks, k):
    """Share of queries whose first correct translation ranks within ``k``.

    Parameters
    ----------
    ranks : ndarray of shape (n,)
        1-based ranks; ``inf`` for a miss.
    k : int

    Returns
    -------
    float in [0, 1] (0 for an empty array)
    """
    xp = get_namespace(ranks)
    _check_ranks(ranks)
    if ranks.shape[0] == 0:
        return 0.0
    return float(xp.mean(ranks <= k))


def mean_reciprocal_rank(ranks):
    """Mean of ``1 / rank`` (a miss counts 0).

    Parameters
    ----------
    ranks : ndarray of shape (n,)
        1-based ranks; ``inf`` for a miss.

    Returns
    -------
    float in [0, 1] (0 for an empty array)
    """
    xp = get_namespace(ranks)
    _check_ranks(ranks)
    if ranks.shape[0] == 0:
        return 0.0
    return float(xp.mean(1.0 / ranks))


def bli_scores(ranks, n_uncovered, *, ks=DEFAULT_KS):
    """BLI scores in percent under both OOV conventions.

    Parameters
    ----------
    ranks : ndarray of shape (n_covered,)
        Rank of the best gold translation for every covered test word.
    n_uncovered : int
        Test words with no vector, or with no gold translation in the target vocabulary.
    ks : sequence of int
        The ``k`` of every ``p@k`` reported.

    Returns
    -------
    dict
        ``p@k``, ``mrr`` (OOV excluded), ``coverage``, ``n_test``, ``n_covered`` and
        ``counted_wrong`` with ``p@k`` and ``mrr`` over all ``n_test`` words. Percentages.
    """
    xp = get_namespace(ranks)
    _check_ranks(ranks)
    if isinstance(n_uncovered, bool) or int(n_uncovered) != n_uncovered or n_uncovered < 0:
        raise ValueError(f"n_uncovered must be an integer >= 0; got {n_uncovered!r}")
    if isinstance(ks, int) or not all(not isinstance(k, bool) and int(k) == k >= 1 for k in ks):
        raise ValueError(f"ks must be a sequence of positive integers; got {ks!r}")
    n_cov = int(ranks.shape[0])
    n_test = n_cov + int(n_uncovered)
    out = {f"p@{k}": 100 * precision_at_k(ranks, k) for k in ks}
    out["mrr"] = 100 * mean_reciprocal_rank(ranks)
    out["coverage"] = 100.0 * n_cov / n_test if n_test else 0.0
    out["n_test"] = n_test
    out["n_covered"] = n_cov
    scale = n_cov / n_test if n_test else 0.0
    wrong = {f"p@{k}": out[f"p@{k}"] * scale for k in ks}
    wrong["mrr"] = out["mrr"] * scale
    out["counted_wrong"] = wrong
    del xp
    return out
