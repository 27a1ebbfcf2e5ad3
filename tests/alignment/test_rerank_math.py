"""Re-ranking of retrieval candidates, the array side (:mod:`offramp.alignment.rerank`): pair-feature
arithmetic, weighted stable re-ordering, ranks of gold candidates and the weight grid search."""
import numpy as np
import pytest

from offramp.alignment._backend import to_numpy
from offramp.alignment.rerank import (DEFAULT_GRID, DEFAULT_WEIGHTS, FEATURES, candidate_ranks, combine, fit_weights,
                                      rank_gap, rerank)


# float32 log1p of small integers and their differences: within a few float32 ulps of values < 3
TOL_LOG = 1e-6


def test_rank_gap_hand_values(xp):
    query_rows = xp.asarray(np.array([0, 3], dtype=np.int64))
    index = xp.asarray(np.array([[0, 1, 3], [3, 0, 7]], dtype=np.int64))
    gap = rank_gap(query_rows, index)
    # -|log(1 + i) - log(1 + j)|: row 0 (rank 1) vs ranks 1, 2, 4; row 3 (rank 4) vs ranks 4, 1, 8
    expected = -np.array([[0.0, np.log(2), np.log(4)],
                          [0.0, np.log(4), np.log(2)]])
    assert gap.dtype == np.float32 and gap.shape == (2, 3)
    np.testing.assert_allclose(to_numpy(gap), expected, atol=TOL_LOG)


@pytest.mark.parametrize("rows_shape, index_shape", [
    ((2, 1), (2, 3)),  # query_rows not 1-d
    ((2,), (2,)),  # index not 2-d
    ((3,), (2, 3)),  # one row per query
])
def test_rank_gap_bad_shapes(xp, rows_shape, index_shape):
    with pytest.raises(ValueError, match=r"query_rows must have shape \(n,\) and index \(n, k\)"):
        rank_gap(xp.zeros(rows_shape, dtype=xp.int64), xp.zeros(index_shape, dtype=xp.int64))


# Dyadic values (multiples of 1/8): every sum below is exact in float32, so ties are exact ties.
SCORES = np.array([[1.0, 0.75, 0.5]], dtype=np.float32)
ORTHO = np.array([[0.0, 0.5, 1.0]], dtype=np.float32)
FREQ = np.array([[-0.5, 0.0, -1.0]], dtype=np.float32)


@pytest.mark.parametrize("weights, expected", [
    ({}, [[1.0, 0.75, 0.5]]),
    ({"ortho": 0.0}, [[1.0, 0.75, 0.5]]),
    ({"ortho": 0.5}, [[1.0, 1.0, 1.0]]),
    ({"ortho": 1.0}, [[1.0, 1.25, 1.5]]),
    ({"freq": 0.5}, [[0.75, 0.75, 0.0]]),  # a missing weight counts 0
    ({"ortho": 0.5, "freq": 0.25}, [[0.875, 1.0, 0.75]]),
])
def test_combine_hand_values(xp, weights, expected):
    scores = xp.asarray(SCORES.astype(np.float64))
    features = {"ortho": xp.asarray(ORTHO), "freq": xp.asarray(FREQ)}
    total = combine(scores, features, weights)
    assert total.dtype == np.float32
    np.testing.assert_array_equal(to_numpy(total), expected)  # exact: dyadic values
    np.testing.assert_array_equal(to_numpy(scores), SCORES)  # the caller's scores are not touched


def test_combine_errors(xp):
    scores, ortho = xp.asarray(SCORES), xp.asarray(ORTHO)
    with pytest.raises(ValueError, match=r"weights for features that were not computed: \['freq'\]"):
        combine(scores, {"ortho": ortho}, {"ortho": 0.3, "freq": 0.1})
    with pytest.raises(ValueError, match=r"feature 'ortho' has shape \(1, 2\); scores have \(1, 3\)"):
        combine(scores, {"ortho": ortho[:, :2]}, {"ortho": 0.3})


INDEX = np.array([[5, 2, 9]], dtype=np.int64)


@pytest.mark.parametrize("scores, ortho, weight, expected_scores, expected_index", [
    # a small weight keeps the retrieval order
    (SCORES, ORTHO, 0.25, [[1.0, 0.875, 0.75]], [[5, 2, 9]]),
    # three exact ties: stable, the retrieval order is kept
    (SCORES, ORTHO, 0.5, [[1.0, 1.0, 1.0]], [[5, 2, 9]]),
    # the feature overturns the retrieval order
    (SCORES, ORTHO, 1.0, [[1.5, 1.25, 1.0]], [[9, 2, 5]]),
    # equal retrieval scores: the feature decides, and its own tie (candidates 2 and 9) stays in order
    ([[0.5, 0.5, 0.5]], [[0.0, 1.0, 1.0]], 0.25, [[0.75, 0.75, 0.5]], [[2, 9, 5]]),
    # no feature weight, partial tie in the retrieval scores: nothing moves
    ([[1.0, 0.5, 0.5]], [[1.0, 0.0, 1.0]], 0.0, [[1.0, 0.5, 0.5]], [[5, 2, 9]]),
])
def test_rerank_orders_rows_stably(xp, scores, ortho, weight, expected_scores, expected_index):
    out_scores, out_index = rerank(xp.asarray(np.asarray(scores, dtype=np.float32)), xp.asarray(INDEX),
                                   {"ortho": xp.asarray(np.asarray(ortho, dtype=np.float32))}, {"ortho": weight})
    np.testing.assert_array_equal(to_numpy(out_scores), expected_scores)  # exact: dyadic values
    np.testing.assert_array_equal(to_numpy(out_index), expected_index)
    assert to_numpy(out_index).dtype == np.int64


def test_rerank_rows_are_independent(xp):
    scores = xp.asarray(np.array([[1.0, 0.75], [1.0, 0.75]], dtype=np.float32))
    index = xp.asarray(np.array([[0, 1], [2, 3]], dtype=np.int64))
    ortho = xp.asarray(np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32))
    out_scores, out_index = rerank(scores, index, {"ortho": ortho}, {"ortho": 0.5})
    np.testing.assert_array_equal(to_numpy(out_index), [[1, 0], [2, 3]])
    np.testing.assert_array_equal(to_numpy(out_scores), [[1.25, 1.0], [1.5, 0.75]])


@pytest.mark.parametrize("scores_shape, index_shape", [((3,), (3,)), ((1, 3), (1, 2)), ((2, 3), (1, 3))])
def test_rerank_bad_shapes(xp, scores_shape, index_shape):
    with pytest.raises(ValueError, match="scores and index must be 2-d arrays of one shape"):
        rerank(xp.zeros(scores_shape, dtype=xp.float32), xp.zeros(index_shape, dtype=xp.int64), {}, {})


CAND_INDEX = np.array([[3, 1, 2], [0, 4, 5], [7, 8, 9], [6, 6, 6]], dtype=np.int64)


@pytest.mark.parametrize("gold, fallback, expected", [
    # first hit, 1-based; the best of several gold rows; no hit -> inf; no gold at all -> inf
    ([[1], [5, 4], [6], []], None, [2, 2, np.inf, np.inf]),
    ([[3, 2], [0], [9], [6]], None, [1, 1, 3, 1]),
    # a fallback fills the misses (and queries without gold), hits override it
    ([[1], [5, 4], [6], []], [10, 11, 12, 13], [2, 2, 12, 13]),
])
def test_candidate_ranks(xp, gold, fallback, expected):
    given = None if fallback is None else np.array(fallback, dtype=np.int64)
    ranks = candidate_ranks(xp.asarray(CAND_INDEX), gold, fallback=given)
    assert ranks.dtype == np.float64
    np.testing.assert_array_equal(ranks, expected)
    if given is not None:
        np.testing.assert_array_equal(given, fallback)  # the caller's fallback is not touched


def test_candidate_ranks_length_mismatch(xp):
    with pytest.raises(ValueError, match="gold has 2 entries for 4 queries"):
        candidate_ranks(xp.asarray(CAND_INDEX), [[1], [2]])


# fit_weights: three queries, two candidates each (dyadic values, exact ties).
#   q0: gold is the 2nd candidate; retrieval margin 0.25; ortho favours it by 1, freq by 1
#       -> won with ortho > 0.25 or freq > 0.25 (at exactly 0.25 the tie goes to the 1st candidate)
#   q1: gold is the 1st candidate, every feature agrees -> always won
#   q2: no gold among the candidates -> never won
FIT_SCORES = np.array([[1.0, 0.75], [1.0, 0.5], [1.0, 0.5]], dtype=np.float32)
FIT_INDEX = np.array([[10, 11], [20, 21], [30, 31]], dtype=np.int64)
FIT_ORTHO = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]], dtype=np.float32)
FIT_FREQ = np.array([[-1.0, 0.0], [0.0, -1.0], [0.0, 0.0]], dtype=np.float32)
FIT_GOLD = [[11], [20], [99]]


@pytest.mark.parametrize("names, grid, expected", [
    # the smallest ortho weight that wins q0 (0.25 only ties it)
    (["ortho"], {"ortho": (1.0, 0.25, 0.5, 0.0)}, {"ortho": 0.5}),
    (["ortho"], None, {"ortho": DEFAULT_GRID["ortho"][4]}),  # default grid: 0.3 is the first above 0.25
    # (freq=0, ortho=0.5) and (freq=0.5, ortho=0) both win q0 with the same sum: the first in
    # (sum, feature-name order) is kept
    (["ortho", "freq"], {"ortho": (0.0, 0.5, 1.0), "freq": (0.0, 0.5, 1.0)}, {"freq": 0.0, "ortho": 0.5}),
    # freq alone is cheaper here
    (["ortho", "freq"], {"ortho": (0.0, 1.0), "freq": (0.0, 0.5)}, {"freq": 0.5, "ortho": 0.0}),
])
def test_fit_weights_picks_smallest_best(xp, names, grid, expected):
    all_features = {"ortho": FIT_ORTHO, "freq": FIT_FREQ}
    features = {n: xp.asarray(all_features[n]) for n in names}
    weights, p1 = fit_weights(xp.asarray(FIT_SCORES), xp.asarray(FIT_INDEX), features, FIT_GOLD, grid=grid)
    assert weights == expected
    assert p1 == 2 / 3  # q0 and q1; q2 has no gold candidate


def test_fit_weights_without_features_or_hits(xp):
    scores, index = xp.asarray(FIT_SCORES), xp.asarray(FIT_INDEX)
    assert fit_weights(scores, index, {}, FIT_GOLD) == ({}, 1 / 3)  # plain retrieval wins q1 only
    weights, p1 = fit_weights(scores, index, {"ortho": xp.asarray(FIT_ORTHO)}, [[99], [], [98]])
    assert weights == {"ortho": 0.0} and p1 == 0.0


@pytest.mark.parametrize("kwargs, gold, match", [
    ({"grid": {"ortho": (0.0, 0.5)}}, FIT_GOLD, r"no grid for features \['freq'\]"),
    ({}, FIT_GOLD[:2], "gold has 2 entries for 3 queries"),
])
def test_fit_weights_errors(xp, kwargs, gold, match):
    features = {"ortho": xp.asarray(FIT_ORTHO), "freq": xp.asarray(FIT_FREQ)}
    with pytest.raises(ValueError, match=match):
        fit_weights(xp.asarray(FIT_SCORES), xp.asarray(FIT_INDEX), features, gold, **kwargs)
    with pytest.raises(ValueError, match="scores and index must be 2-d arrays of one shape"):
        fit_weights(xp.asarray(FIT_SCORES), xp.asarray(FIT_INDEX[:, :1]), features, FIT_GOLD)


def test_fit_weights_with_no_candidates(xp):
    """k = 0 candidates: nothing can be right, and no weight is better than another."""
    scores = xp.zeros((2, 0), dtype=xp.float32)
    index = xp.zeros((2, 0), dtype=xp.int64)
    assert fit_weights(scores, index, {"ortho": xp.zeros((2, 0), dtype=xp.float32)},
                       [[1], [2]]) == ({"ortho": 0.0}, 0.0)


def test_defaults_are_on_their_grids():
    assert set(FEATURES) == set(DEFAULT_WEIGHTS) == set(DEFAULT_GRID)
    assert all(DEFAULT_WEIGHTS[f] in DEFAULT_GRID[f] for f in FEATURES)
