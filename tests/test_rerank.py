"""Re-ranking of retrieval candidates: pair features, weighted re-ordering, weight fitting, the pipeline.

Covers :mod:`alignment.rerank`, :mod:`bootstrap.orthography`, the ``max_rank_ratio`` filter of
:mod:`bootstrap.seeds`, and the ``rerank_*`` / ``identical_rank_ratio`` arguments of :mod:`bootstrap.pipeline`.
"""
import re

import numpy as np
import pytest

from offramp.alignment._backend import to_numpy
from offramp.alignment.rerank import DEFAULT_GRID, DEFAULT_WEIGHTS, FEATURES, candidate_ranks, combine, fit_weights, rank_gap, rerank
from offramp.bootstrap.io.embeddings import make_keyed_vectors
from offramp.bootstrap.lexicon.orthography import candidate_features, fold, string_similarity
from offramp.bootstrap import align as pipeline  # noqa: TODO-helper
from offramp.bootstrap.align import align_embeddings
from offramp.bootstrap.evaluation.bli import evaluate_bli
from offramp.bootstrap.evaluation.induce import induce_lexicon
from offramp.bootstrap.lexicon.seeds import identical_pairs, seed_entries
from test_pipeline import make_spaces
from test_seeds import SRC, TGT

# float32 log1p of small integers and their differences: within a few float32 ulps of values < 3
TOL_LOG = 1e-6


# ---------------------------------------------------------------------------------------------
# alignment.rerank: array side
# ---------------------------------------------------------------------------------------------

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


def test_defaults_are_on_their_grids():
    assert set(FEATURES) == set(DEFAULT_WEIGHTS) == set(DEFAULT_GRID)
    assert all(DEFAULT_WEIGHTS[f] in DEFAULT_GRID[f] for f in FEATURES)


# ---------------------------------------------------------------------------------------------
# bootstrap.orthography: word side
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("word, expected", [
    ("Nación", "nacion"),
    ("Šaul", "saul"),
    ("nation", "nation"),
    ("ÅNGSTRÖM", "angstrom"),
    ("Straße", "strasse"),  # case folding, not lower(): ß -> ss
    ("ﬁn", "fin"),  # NFKD splits the ligature
    ("İstanbul", "istanbul"),  # dotted capital I: NFKD gives I + combining dot, which is dropped
    ("Łódź", "łodz"),  # ł has no decomposition: only the accents go
    ("", ""),
])
def test_fold(word, expected):
    assert fold(word) == expected


# Levenshtein distances after folding: nation/nacion 1 (t -> c), music/musica 1 (+a),
# music/nacion 5 (one letter can be matched: 6 - 1), nation/muy 6 (no letter in common),
# paris/paris 0. Similarity = 1 - d / max(len).
SIM_SRC = ["nation", "music", "Paris"]
SIM_TGT = ["nación", "música", "París", "muy"]


def test_string_similarity_hand_values():
    sim = string_similarity(SIM_SRC, SIM_TGT, np.array([0, 1, 2]), np.array([[0, 3], [1, 0], [2, 2]]))
    expected = np.array([[1 - 1 / 6, 0.0], [1 - 1 / 6, 1 - 5 / 6], [1.0, 1.0]], dtype=np.float32)
    assert sim.dtype == np.float32
    np.testing.assert_array_equal(sim, expected)  # exact: the same float64 ratios, rounded once to float32
    # folding matters: without it nation/nación differ in two letters (t/c and o/ó)
    from rapidfuzz.distance import Levenshtein

    assert Levenshtein.normalized_similarity("nation", "nación") == pytest.approx(1 - 2 / 6)


def test_string_similarity_bad_shapes():
    with pytest.raises(ValueError, match=r"query_rows must have shape \(n,\) and index \(n, k\)"):
        string_similarity(SIM_SRC, SIM_TGT, np.array([0, 1]), np.array([[0, 1]]))
    with pytest.raises(ValueError, match=r"query_rows must have shape \(n,\) and index \(n, k\)"):
        string_similarity(SIM_SRC, SIM_TGT, np.array([0]), np.array([0, 1]))


def test_candidate_features():
    query_rows, index = np.array([0, 1, 2]), np.array([[0, 3], [1, 0], [2, 2]])
    out = candidate_features(["ortho", "freq"], SIM_SRC, SIM_TGT, query_rows, index)
    assert list(out) == ["ortho", "freq"] and all(v.dtype == np.float32 and v.shape == (3, 2) for v in out.values())
    np.testing.assert_array_equal(out["ortho"], string_similarity(SIM_SRC, SIM_TGT, query_rows, index))
    np.testing.assert_array_equal(out["freq"], rank_gap(query_rows, index))
    assert candidate_features([], SIM_SRC, SIM_TGT, query_rows, index) == {}
    with pytest.raises(ValueError, match=r"unknown re-ranking feature\(s\) \['lev'\]; choose from ortho, freq"):
        candidate_features(["ortho", "lev"], SIM_SRC, SIM_TGT, query_rows, index)


# ---------------------------------------------------------------------------------------------
# bootstrap.seeds: identical strings filtered by frequency-rank ratio
# ---------------------------------------------------------------------------------------------

# 1-based ranks (src, tgt) of the identical strings of test_seeds.SRC / TGT, and max/min:
#   ","  (2, 2) 1      "1"      (3, 5) 1.67   "paris" (4, 4) 1    "2019"   (5, 3) 1.67
#   "a"  (6, 7) 1.17   "1,000"  (7, 9) 1.29   "3.14"  (8, 6) 1.33 "x1"     (9, 8) 1.125
#   "berlin" (10, 10) 1                       "12."   (11, 11) 1
@pytest.mark.parametrize("kwargs, expected", [
    ({"max_rank_ratio": None}, [",", "1", "paris", "2019", "a", "1,000", "3.14", "x1", "berlin", "12."]),
    ({"max_rank_ratio": 1}, [",", "paris", "berlin", "12."]),
    ({"max_rank_ratio": 1.125}, [",", "paris", "x1", "berlin", "12."]),  # 9 <= 1.125 * 8 exactly: kept
    ({"max_rank_ratio": 1.2}, [",", "paris", "a", "x1", "berlin", "12."]),
    ({"max_rank_ratio": 1.5}, [",", "paris", "a", "1,000", "3.14", "x1", "berlin", "12."]),
    ({"max_rank_ratio": 2}, [",", "1", "paris", "2019", "a", "1,000", "3.14", "x1", "berlin", "12."]),
    ({"max_rank_ratio": float("inf")}, [",", "1", "paris", "2019", "a", "1,000", "3.14", "x1", "berlin", "12."]),
    ({"max_rank_ratio": 1.2, "require_letter": True}, ["paris", "a", "x1", "berlin"]),
    ({"max_rank_ratio": 1.2, "min_len": 2}, ["paris", "x1", "berlin", "12."]),
    # top 5 of each side: , 1 paris 2019 -> ranks still from the full lists
    ({"max_rank_ratio": 1, "max_rank": 5}, [",", "paris"]),
])
@pytest.mark.parametrize("tgt_form", ["list", "key_to_index"])
def test_identical_pairs_max_rank_ratio(kwargs, expected, tgt_form):
    tgt = TGT if tgt_form == "list" else {w: i for i, w in enumerate(TGT)}
    assert identical_pairs(SRC, tgt, **kwargs) == [(w, w) for w in expected]
    assert seed_entries("identical", SRC, tgt, **kwargs) == [(w, w) for w in expected]


def test_identical_pairs_rank_ratio_reads_rows_of_a_mapping():
    # a key_to_index mapping gives the rank by its values, not by its insertion order
    reversed_rows = {w: i for i, w in reversed(list(enumerate(TGT)))}
    assert identical_pairs(SRC, reversed_rows, max_rank_ratio=1.2) == identical_pairs(SRC, TGT, max_rank_ratio=1.2)


@pytest.mark.parametrize("ratio", [0.5, 0, -1, "2", float("nan")])
def test_identical_pairs_bad_ratio(ratio):
    with pytest.raises(ValueError, match=r"max_rank_ratio must be a number >= 1 or None; got "):
        identical_pairs(SRC, TGT, max_rank_ratio=ratio)
    with pytest.raises(ValueError, match="max_rank_ratio must be a number >= 1"):
        seed_entries("identical+numerals", SRC, TGT, max_rank_ratio=ratio)


# ---------------------------------------------------------------------------------------------
# bootstrap.pipeline: re-ranking in evaluate_bli / induce_lexicon, the ratio in align_embeddings
# ---------------------------------------------------------------------------------------------

def _circle(words, degrees):
    rad = np.deg2rad(degrees)
    return make_keyed_vectors(words, np.stack([np.cos(rad), np.sin(rad)], axis=1))


# Four source words at 0, 90, 180, 270 degrees. Each has a wrong target 5 degrees away (no letter
# in common with it) and its right target, a near-identical string, 10 degrees away. Target rows:
# right words 0-3 (the sources' own ranks), wrong words 4-7.
RR_SRC_WORDS = ["nation", "music", "Paris", "Saul"]
RR_RIGHT = ["nación", "música", "París", "Šaul"]
RR_WRONG = ["muy", "pared", "tomo", "rey"]
RR_SRC = _circle(RR_SRC_WORDS, [0, 90, 180, 270])
RR_TGT = _circle(RR_RIGHT + RR_WRONG, [-10, 80, 170, 260, 5, 95, 185, 275])
RR_TEST = list(zip(RR_SRC_WORDS, RR_RIGHT))
# CSLS with csls_k=2: r_tgt(wrong) = (cos 5 + cos 85) / 2, r_tgt(right) = (cos 10 + cos 80) / 2, and
# r_src is shared by a query's candidates, so the wrong word leads by
#   m = 2 (cos 5 - cos 10) - (cos 5 + cos 85 - cos 10 - cos 80) / 2 = 0.0603.
# ortho (after folding): right 5/6 (nation, music) or 1 (Paris, Saul), wrong 0, so ortho weight w
# wins where 5/6 w > m: w > 0.0724 (0.05 is not enough, 0.1 is).
# freq: right gap 0, wrong gap log((5 + i) / (1 + i)) = log 5, log 3, log 7/3, log 2 for rows i = 0..3;
# at freq weight 0.05 only row 0 wins (0.05 log 5 = 0.080 > m > 0.05 log 3 = 0.055); at 0.2 all do.
_d = np.deg2rad
RR_MARGIN = 2 * (np.cos(_d(5)) - np.cos(_d(10))) - (np.cos(_d(5)) + np.cos(_d(85)) - np.cos(_d(10))
                                                    - np.cos(_d(80))) / 2


def test_rerank_fixture_is_as_documented():
    """Guard for the comments above."""
    assert RR_MARGIN == pytest.approx(0.0603, abs=1e-4)
    assert 0.05 * 5 / 6 < RR_MARGIN < 0.1 * 5 / 6
    assert 0.05 * np.log(3) < RR_MARGIN < 0.05 * np.log(5) and 0.2 * np.log(2) > RR_MARGIN
    query_rows = np.arange(4)
    index = np.array([[0, 4], [1, 5], [2, 6], [3, 7]])
    np.testing.assert_array_equal(string_similarity(RR_SRC_WORDS, RR_TGT.index_to_key, query_rows, index),
                                  np.array([[5 / 6, 0], [5 / 6, 0], [1, 0], [1, 0]], dtype=np.float32))
    rows = induce_lexicon(RR_SRC, RR_TGT, csls_k=2, k=2)
    assert [(s, t) for s, t, _, _ in rows] == [(s, t) for s, w, r in zip(RR_SRC_WORDS, RR_WRONG, RR_RIGHT)
                                               for t in (w, r)]
    # float32 cosines of unit vectors: the two scores' difference is m to ~1e-6
    assert rows[0][2] - rows[1][2] == pytest.approx(RR_MARGIN, abs=1e-6)


@pytest.mark.parametrize("kwargs, p1, weights, weights_from", [
    ({}, 0.0, None, None),
    ({"rerank": ("ortho",)}, 100.0, {"ortho": 0.3}, "defaults"),
    ({"rerank": ("ortho", "freq")}, 100.0, {"freq": 0.05, "ortho": 0.3}, "defaults"),
    ({"rerank": ("freq",)}, 25.0, {"freq": 0.05}, "defaults"),
    ({"rerank": ("freq",), "rerank_weights": {"freq": 0.2}}, 100.0, {"freq": 0.2}, "given"),
    ({"rerank": ("ortho",), "rerank_weights": {"ortho": 0.05}}, 0.0, {"ortho": 0.05}, "given"),
    ({"rerank": ("ortho", "freq"), "rerank_weights": {"ortho": 0.1, "freq": 0}}, 100.0,
     {"freq": 0.0, "ortho": 0.1}, "given"),
    # one candidate per word: re-ranking cannot move anything; the gold word keeps its rank 2
    ({"rerank": ("ortho",), "rerank_k": 1}, 0.0, {"ortho": 0.3}, "defaults"),
])
def test_evaluate_bli_rerank(kwargs, p1, weights, weights_from):
    out = evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, **kwargs)
    assert out["p@1"] == p1 and out["p@5"] == 100.0 and out["n_covered"] == 4
    if weights is None:
        assert "rerank" not in out
    else:
        # the same words scored before re-ranking: every gold word at rank 2 (P@1 0, P@5 100)
        assert out["rerank"].pop("without_rerank") == {"p@1": 0.0, "p@5": 100.0, "p@10": 100.0, "mrr": 50.0,
                                                       "counted_wrong": {"p@1": 0.0, "p@5": 100.0, "p@10": 100.0,
                                                                         "mrr": 50.0}}
        assert out["rerank"] == {"features": sorted(weights), "weights": weights, "weights_from": weights_from,
                                 "k": kwargs.get("rerank_k", 50)}


def test_evaluate_bli_rerank_weights_fitted_on_tune_dict(tmp_path):
    tune = RR_TEST[:2]  # nation, music: fitted there, scored on all four
    out = evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, rerank=("ortho",), tune_dict=tune)
    assert out["p@1"] == 100.0 and out["rerank"].pop("without_rerank")["p@1"] == 0.0
    # the smallest grid weight above m / (5/6) = 0.072
    assert out["rerank"] == {"features": ["ortho"], "weights": {"ortho": 0.1}, "weights_from": "tune_dict",
                             "tune_p@1": 100.0, "tune_n": 2, "k": 50}
    path = tmp_path / "train.txt"
    path.write_text("".join(f"{s}\t{t}\n" for s, t in tune), encoding="utf-8")
    out = evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, rerank=("ortho", "freq"), tune_dict=str(path))
    info = out["rerank"]
    assert out["p@1"] == 100.0 and info["weights_from"] == str(path) and info["tune_n"] == 2
    assert info["tune_p@1"] == 100.0 and set(info["weights"]) == {"ortho", "freq"}
    # given weights win over a tuning dictionary
    out = evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, rerank=("ortho",),
                       rerank_weights={"ortho": 0.3}, tune_dict=str(path))
    assert out["rerank"]["weights_from"] == "given"


def test_evaluate_bli_rerank_errors(tmp_path):
    reversed_tune = tmp_path / "reversed.txt"
    reversed_tune.write_text("".join(f"{t}\t{s}\n" for s, t in RR_TEST), encoding="utf-8")
    with pytest.raises(ValueError, match=r"reversed\.txt: no pair has both words in the vocabularies.*--src/--tgt"):
        evaluate_bli(RR_SRC, RR_TGT, RR_TEST, rerank=("ortho",), tune_dict=str(reversed_tune))
    with pytest.raises(ValueError, match=r"the tuning dictionary: no pair .*--src/--tgt"):
        evaluate_bli(RR_SRC, RR_TGT, RR_TEST, rerank=("ortho",), tune_dict=[("x", "y")])
    with pytest.raises(ValueError, match=r"rerank weights name no value for \['freq'\]; give e\.g\. "
                                         r"freq=0\.05,ortho=0\.3"):
        evaluate_bli(RR_SRC, RR_TGT, RR_TEST, rerank=("ortho", "freq"), rerank_weights={"ortho": 0.3})


def test_induce_lexicon_rerank():
    plain = induce_lexicon(RR_SRC, RR_TGT, csls_k=2, k=2)
    rows = induce_lexicon(RR_SRC, RR_TGT, csls_k=2, k=2, rerank=("ortho",))
    assert [(s, t, r) for s, t, _, r in rows] == [(s, t, r) for s, right, wrong in zip(RR_SRC_WORDS, RR_RIGHT, RR_WRONG)
                                                  for t, r in ((right, 1), (wrong, 2))]
    # the score column is the combined score: retrieval score + 0.3 * similarity (float32 sums: ~1e-6)
    plain_score = {(s, t): score for s, t, score, _ in plain}
    similarity = dict(zip(RR_RIGHT + RR_WRONG, [5 / 6, 5 / 6, 1, 1, 0, 0, 0, 0]))
    for s, t, score, _ in rows:
        assert score == pytest.approx(plain_score[(s, t)] + 0.3 * similarity[t], abs=1e-6)
    top = induce_lexicon(RR_SRC, RR_TGT, csls_k=2, max_src=2, rerank=("ortho", "freq"))
    assert [(s, t, r) for s, t, _, r in top] == [("nation", "nación", 1), ("music", "música", 1)]
    # weights fitted on a tuning dictionary (as in evaluate_bli: ortho 0.1 is enough)
    tuned = induce_lexicon(RR_SRC, RR_TGT, csls_k=2, rerank=("ortho",), tune_dict=RR_TEST[:2])
    assert [t for _, t, _, _ in tuned] == RR_RIGHT


@pytest.fixture(scope="module")
def spaces():
    return make_spaces()


# The ten identical strings of make_spaces have 1-based (src, tgt) ranks (4, 235), (12, 61), (20, 81),
# (28, 2), (36, 35), (44, 276), (52, 203), (60, 260), (68, 120), (76, 239): ratio 2 keeps (36, 35)
# and (68, 120); ratio 5 also (20, 81), (28, 2), (12, 61), (76, 239); ratio 1 keeps none.
@pytest.mark.parametrize("ratio, n_seed", [(None, 10), (2, 2), (5.0, 6)])
def test_align_records_identical_rank_ratio(spaces, ratio, n_seed):
    src, tgt, _ = spaces
    result = align_embeddings(src, tgt, seed="identical", preset="procrustes", progress=False,
                              identical_rank_ratio=ratio)
    assert result.report["seed"]["identical_rank_ratio"] == ratio
    assert result.report["seed"]["n_seed_pairs"] == n_seed


def test_align_identical_rank_ratio_errors_and_other_modes(spaces):
    src, tgt, gold = spaces
    with pytest.raises(ValueError, match="found no seed pairs in these vocabularies"):
        align_embeddings(src, tgt, seed="identical", preset="procrustes", progress=False, identical_rank_ratio=1)
    with pytest.raises(ValueError, match="max_rank_ratio must be a number >= 1"):
        align_embeddings(src, tgt, seed="identical", preset="procrustes", progress=False, identical_rank_ratio=0.5)
    # modes without identical strings neither use nor record the ratio
    result = align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], preset="procrustes", progress=False,
                              identical_rank_ratio=1)
    assert "identical_rank_ratio" not in result.report["seed"] and result.report["seed"]["n_seed_pairs"] == 40


def test_fit_weights_with_no_candidates(xp):
    """k = 0 candidates: nothing can be right, and no weight is better than another."""
    scores = xp.zeros((2, 0), dtype=xp.float32)
    index = xp.zeros((2, 0), dtype=xp.int64)
    assert fit_weights(scores, index, {"ortho": xp.zeros((2, 0), dtype=xp.float32)},
                       [[1], [2]]) == ({"ortho": 0.0}, 0.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"rerank": ("bogus",)}, "unknown re-ranking feature"),
    ({"rerank": ("ortho",), "rerank_weights": {"ortho": 0.3, "orth": 5.0}}, "not among the re-ranking"),
    ({"rerank_weights": {"ortho": 0.3}}, "without re-ranking features"),
    ({"tune_dict": RR_TEST}, "without re-ranking features"),
])
def test_rerank_arguments_are_never_silently_ignored(kwargs, match):
    with pytest.raises(ValueError, match=match):
        evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, **kwargs)
    with pytest.raises(ValueError, match=match):
        induce_lexicon(RR_SRC, RR_TGT, csls_k=2, **kwargs)


def test_rerank_as_a_comma_string():
    out = evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, rerank="ortho")
    assert out["rerank"]["features"] == ["ortho"] and out["p@1"] == 100.0


@pytest.mark.parametrize("function, kwargs", [
    (evaluate_bli, {"method": "nn"}),
    (evaluate_bli, {}),
    (evaluate_bli, {"method": "isf"}),
    (evaluate_bli, {"rerank": ("ortho",)}),
    (evaluate_bli, {"rerank": ("ortho",), "tune_dict": RR_TEST[:2]}),
    (evaluate_bli, {"rerank": ("ortho", "parallel"), "parallel": "verses"}),
    (evaluate_bli, {"method": "nn", "rerank": ("parallel",), "parallel": "verses", "tune_dict": RR_TEST[:2]}),
    (induce_lexicon, {}),
    (induce_lexicon, {"method": "nn", "mutual": True}),
    (induce_lexicon, {"rerank": ("ortho",), "tune_dict": RR_TEST[:2], "mutual": True}),
    (induce_lexicon, {"method": "isf", "rerank": ("freq", "parallel"), "parallel": "verses"}),
])
def test_progress_counts_the_steps_and_changes_nothing(tmp_path, monkeypatch, capsys, function, kwargs):
    """With the step line forced on for these tiny spaces, a run shows steps 1/n .. n/n (the total
    counted before the steps run is right for every option combination), returns what a run without
    progress returns, and a run without progress writes nothing on stderr."""
    if kwargs.get("parallel") == "verses":
        for name, words in (("src.tsv", RR_SRC_WORDS), ("tgt.tsv", RR_RIGHT)):
            (tmp_path / name).write_text("".join(f"v{i}\t{' '.join(words)}\n" for i in range(3)), encoding="utf-8")
        kwargs = dict(kwargs, parallel=(tmp_path / "src.tsv", tmp_path / "tgt.tsv", {"min_count": 1}))
    monkeypatch.setattr(pipeline, "STEPS_MIN_PAIRS", 0)
    args = (RR_SRC, RR_TGT, RR_TEST) if function is evaluate_bli else (RR_SRC, RR_TGT)
    quiet = function(*args, csls_k=2, progress=False, **kwargs)
    assert capsys.readouterr().err == ""
    shown = function(*args, csls_k=2, **kwargs)
    steps = list(dict.fromkeys(re.findall(r"step (\d+)/(\d+): ", capsys.readouterr().err)))
    n = len(steps)
    assert n >= 1 and steps == [(str(i), str(n)) for i in range(1, n + 1)], steps
    assert shown == quiet


@pytest.mark.parametrize("ratio", [np.int64(2), np.float32(2.5), 2, 2.0])
def test_identical_pairs_numpy_ratio(ratio):
    assert identical_pairs(["a", "b"], ["b", "a"], max_rank_ratio=ratio) == [("a", "a"), ("b", "b")]


@pytest.mark.parametrize("kwargs", [
    {},
    {"method": "nn", "mutual": True},
    {"method": "isf", "mutual": True},
    {"mutual": True},
    {"rerank": ("ortho",), "tune_dict": RR_TEST[:2], "mutual": True},
    {"rerank": ("ortho", "freq"), "rerank_model": "trees", "tune_dict": RR_TEST, "mutual": True},
])
def test_induce_slices_change_nothing(monkeypatch, kwargs):
    """induce_lexicon translates in slices of PROGRESS_ROWS source words (and target words on the way
    back), each row on its own: slices of one word give the lexicon of one slice holding all. Scores
    agree to float32 rounding (faiss takes another code path below 20 queries: 1e-6 on cosines of
    unit vectors, times beta = 30 for the inverted softmax)."""
    runs = []
    for rows in (1, 10 ** 6):
        monkeypatch.setattr(pipeline, "PROGRESS_ROWS", rows)
        runs.append(induce_lexicon(RR_SRC, RR_TGT, csls_k=2, k=2, progress=False, **kwargs))
    sliced, whole = runs
    assert [r[:2] + r[3:] for r in sliced] == [r[:2] + r[3:] for r in whole] and whole
    np.testing.assert_allclose([r[2] for r in sliced], [r[2] for r in whole], atol=3e-5)
