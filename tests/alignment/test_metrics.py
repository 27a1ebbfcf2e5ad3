"""BLI metrics: P@k, MRR, coverage, and both OOV conventions, on hand-computed ranks."""
import numpy as np
import pytest

from offramp.alignment.metrics import DEFAULT_KS, bli_scores, mean_reciprocal_rank, precision_at_k

RANKS = [1, 2, 5, 11, np.inf]  # 5 covered words, the last one never retrieved


@pytest.mark.parametrize("ranks, k, expected", [
    (RANKS, 1, 1 / 5),
    (RANKS, 2, 2 / 5),
    (RANKS, 5, 3 / 5),
    (RANKS, 10, 3 / 5),
    (RANKS, 11, 4 / 5),
    (RANKS, 10 ** 9, 4 / 5),  # inf is a miss at every k
    ([1, 1, 1], 1, 1.0),
    ([np.inf, np.inf], 10, 0.0),
    ([], 1, 0.0),  # no queries: 0, not NaN
])
def test_precision_at_k(xp, ranks, k, expected):
    assert precision_at_k(xp.asarray(np.asarray(ranks, dtype=np.float64)), k) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("ranks, expected", [
    (RANKS, (1 + 1 / 2 + 1 / 5 + 1 / 11 + 0) / 5),
    ([1, 1], 1.0),
    ([np.inf], 0.0),
    ([4], 0.25),
    ([], 0.0),
])
def test_mean_reciprocal_rank(xp, ranks, expected):
    assert mean_reciprocal_rank(xp.asarray(np.asarray(ranks, dtype=np.float64))) == pytest.approx(expected, abs=1e-12)


def test_bli_scores_both_oov_conventions(xp):
    out = bli_scores(xp.asarray(np.asarray(RANKS, dtype=np.float64)), 5)
    mrr = 100 * (1 + 1 / 2 + 1 / 5 + 1 / 11) / 5
    # OOV excluded (MUSE, VecMap): over the 5 covered words; coverage 5 of 10
    expected = {"p@1": 20.0, "p@5": 60.0, "p@10": 60.0, "mrr": mrr, "coverage": 50.0, "n_test": 10, "n_covered": 5}
    for key, value in expected.items():
        assert out[key] == pytest.approx(value, abs=1e-9), key
    # OOV counted wrong: over all 10 test words, i.e. the same hits divided by 10
    assert out["counted_wrong"] == pytest.approx({"p@1": 10.0, "p@5": 30.0, "p@10": 30.0, "mrr": mrr / 2}, abs=1e-9)
    assert all(isinstance(out[f"p@{k}"], float) for k in DEFAULT_KS)


@pytest.mark.parametrize("ranks, n_uncovered, expected", [
    ([], 0, {"p@1": 0.0, "coverage": 0.0, "n_test": 0, "cw_p@1": 0.0}),  # nothing to test
    ([], 4, {"p@1": 0.0, "coverage": 0.0, "n_test": 4, "cw_p@1": 0.0}),  # nothing covered
    ([1, 3], 0, {"p@1": 50.0, "coverage": 100.0, "n_test": 2, "cw_p@1": 50.0}),  # full coverage: same scores
])
def test_bli_scores_degenerate(ranks, n_uncovered, expected):
    out = bli_scores(np.asarray(ranks, dtype=np.float64), n_uncovered)
    assert out["p@1"] == expected["p@1"]
    assert out["coverage"] == expected["coverage"]
    assert out["n_test"] == expected["n_test"]
    assert out["counted_wrong"]["p@1"] == expected["cw_p@1"]


def test_bli_scores_custom_ks_and_errors():
    out = bli_scores(np.array([1.0, 3.0]), 0, ks=(3,))
    assert out["p@3"] == 100.0 and "p@1" not in out and set(out["counted_wrong"]) == {"p@3", "mrr"}
    with pytest.raises(ValueError, match="n_uncovered must be an integer >= 0; got -1"):
        bli_scores(np.array([1.0]), -1)
