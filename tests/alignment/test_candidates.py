"""Candidate retrieval for evaluation, induction and re-ranking (:mod:`offramp.alignment.candidates`)."""
import numpy as np
import pytest

from fixtures.spaces import decoy_spaces
from offramp.alignment import candidates
from offramp.alignment.candidates import tree_candidates
from offramp.alignment.preprocess import unit


def test_back_margins_search_each_target_once(monkeypatch):
    """BackMargins gives each target's best CSLS score over all sources (brute force over the full
    float64 matrix, to float32 rounding: 4e-6 for CSLS's four cosine terms), searches only targets it
    has not seen, and takes the scores the way back recorded without a search."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 6)).astype(np.float32)
    Z = rng.standard_normal((20, 6)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    S = X.astype(np.float64) @ Z.T.astype(np.float64)
    r_src = np.sort(S, axis=1)[:, -3:].mean(axis=1)
    r_tgt = np.sort(S, axis=0)[-3:].mean(axis=0)
    best = (2 * S - r_src[:, None] - r_tgt[None, :]).max(axis=0)
    margins = candidates.BackMargins(X, Z, r_tgt.astype(np.float32), r_src.astype(np.float32), 3)
    searched = []
    real = candidates.retrieve

    def counting(Q, *args, **kwargs):
        searched.append(Q.shape[0])
        return real(Q, *args, **kwargs)

    monkeypatch.setattr(candidates, "retrieve", counting)
    np.testing.assert_allclose(margins(np.array([3, 1, 3, 7])), best[[3, 1, 3, 7]], atol=4e-6)
    np.testing.assert_allclose(margins(np.array([1, 7, 0])), best[[1, 7, 0]], atol=4e-6)
    assert searched == [3, 1]
    margins.set(slice(10, 20), best[10:].astype(np.float32))
    np.testing.assert_array_equal(margins(np.arange(10, 20)), best[10:].astype(np.float32))
    assert searched == [3, 1]


@pytest.mark.parametrize("method", ["nn", "csls", "isf"])
def test_tree_candidates_geometry(method):
    """The pool's cosine, hubness and backward CSLS margin against brute force on the decoy spaces of
    :func:`fixtures.spaces.decoy_spaces`."""
    src, tgt, _, _ = decoy_spaces(n=60)
    X, Z = (unit(kv.vectors) for kv in (src, tgt))
    queries = np.arange(0, 60, 3)
    c = tree_candidates(X, Z, queries, method=method, csls_k=10, beta=30.0, k=200)
    assert c["index"].shape == (20, 120)  # k capped at the target vocabulary
    S = X @ Z.T
    r_src = np.sort(S, axis=1)[:, -10:].mean(axis=1)
    r_tgt = np.sort(S.T, axis=1)[:, -10:].mean(axis=1)
    csls = 2 * S - r_src[:, None] - r_tgt[None, :]
    rows = np.repeat(queries[:, None], 120, axis=1)
    # float32 dot products of unit 16-d vectors and means of ten of them: ~1e-6
    np.testing.assert_allclose(c["cos"], S[rows, c["index"]], atol=2e-6)
    np.testing.assert_allclose(c["hub"], r_tgt[c["index"]], atol=2e-6)
    np.testing.assert_allclose(c["back"], csls[rows, c["index"]] - csls.max(axis=0)[c["index"]], atol=5e-6)


@pytest.mark.parametrize("n, rows, sizes", [(10, 4, [4, 4, 2]), (8, 4, [4, 4]), (3, 8192, [3]), (0, 4, [])])
def test_in_slices_joins_what_each_slice_returns(n, rows, sizes):
    seen = []
    values = candidates.in_slices(lambda s: np.arange(s.start, s.stop) * 2, n, seen.append, rows=rows)
    np.testing.assert_array_equal(values, np.arange(n) * 2)
    assert seen == sizes  # tick(m) after each slice of m rows
    scores, index = candidates.in_slices(lambda s: (np.ones((s.stop - s.start, 2)), np.zeros((s.stop - s.start, 2),
                                                                                             np.int64)), n, rows=rows)
    assert scores.shape == index.shape == (n, 2) and index.dtype == np.int64


def test_in_slices_default_is_slice_rows():
    seen = []
    candidates.in_slices(lambda s: np.zeros(s.stop - s.start), candidates.SLICE_ROWS + 1, seen.append)
    assert seen == [candidates.SLICE_ROWS, 1]


@pytest.mark.parametrize("method", ["nn", "csls", "isf"])
def test_the_way_back_of_some_targets_is_theirs_of_all(xp, method):
    """``targets``: the chosen targets' best sources are those of the whole way back, the others -1;
    a mutual check reads the forward hits only, so translate's lexicon is unchanged."""
    rng = np.random.default_rng(0)
    X = xp.asarray(unit(rng.standard_normal((60, 16)).astype(np.float32)))
    Z = xp.asarray(unit(rng.standard_normal((90, 16)).astype(np.float32)))

    def step(*args, **kwargs):
        return None

    terms = dict(method=method, csls_k=5, beta=30.0, step=step)
    whole = candidates.back_translate(X, Z, **terms)
    chosen = np.array([3, 17, 42, 89])
    some = candidates.back_translate(X, Z, targets=chosen, **terms)
    assert some.shape == (90,) and (some[chosen] == whole[chosen]).all()
    assert (np.delete(some, chosen) == -1).all()
    scores, index, back = candidates.translate(X, Z, 60, 2, mutual=True, **terms)
    kept = [(i, int(j)) for i in range(60) for j in index[i] if back[j] == i]
    assert kept == [(i, int(j)) for i in range(60) for j in index[i] if whole[j] == i]
    with pytest.raises(ValueError, match="margins need every target"):
        candidates.back_translate(X, Z, targets=chosen, margins=object(), **terms)
