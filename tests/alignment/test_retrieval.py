"""Nearest neighbours, CSLS and inverted softmax: hand-computed values, faiss vs blocked path, memory."""
import tracemalloc

import numpy as np
import pytest
from scipy.special import logsumexp

import offramp.alignment.retrieval as retrieval
from offramp.alignment._backend import to_numpy
from offramp.alignment.retrieval import (METHODS, csls_knn, faiss_available, gold_ranks, isf_knn, isf_normaliser, knn,
                                         mean_topk_similarity, offset_knn, retrieve, score_rows)

needs_faiss = pytest.mark.skipif(not faiss_available(), reason="faiss is not installed")
USE_FAISS = [False, pytest.param(True, marks=needs_faiss)]

# A 3x3 similarity matrix S = Q @ D.T with Q = I, D = S.T. Target 0 is a hub: it is every
# query's nearest neighbour, and CSLS moves query 2 to target 2.
S3 = np.array([[0.9, 0.5, 0.1],
               [0.8, 0.6, 0.2],
               [0.7, 0.1, 0.6]])
# With csls_k = 2:
#   r_src = mean of each row's 2 best    = [(0.9+0.5)/2, (0.8+0.6)/2, (0.7+0.6)/2] = [0.7, 0.7, 0.65]
#   r_tgt = mean of each column's 2 best = [(0.9+0.8)/2, (0.6+0.5)/2, (0.6+0.2)/2] = [0.85, 0.55, 0.4]
#   CSLS[i, j] = 2 S[i, j] - r_src[i] - r_tgt[j]
CSLS3 = np.array([[0.25, -0.25, -0.9],
                  [0.05, -0.05, -0.7],
                  [-0.10, -1.00, 0.15]])
# float32 inputs, a handful of roundings on values <= 2: within 1e-6
TOL3 = 1e-6


def _q_d(xp):
    return xp.asarray(np.eye(3, dtype=np.float32)), xp.asarray(S3.T.astype(np.float32))


@pytest.mark.parametrize("use_faiss", USE_FAISS)
def test_knn_ordering_on_hand_example(xp, use_faiss):
    Q, D = _q_d(xp)
    scores, index = knn(Q, D, 3, use_faiss=use_faiss)
    np.testing.assert_array_equal(to_numpy(index), [[0, 1, 2], [0, 1, 2], [0, 2, 1]])
    np.testing.assert_allclose(to_numpy(scores), [[0.9, 0.5, 0.1], [0.8, 0.6, 0.2], [0.7, 0.6, 0.1]], atol=TOL3)
    assert to_numpy(index).dtype == np.int64 and scores.dtype == np.float32
    _, top = knn(Q, D, 10, use_faiss=use_faiss)  # k is clipped to the database size
    assert top.shape == (3, 3)


@pytest.mark.parametrize("use_faiss", USE_FAISS)
def test_csls_on_hand_example(xp, use_faiss):
    Q, D = _q_d(xp)
    np.testing.assert_allclose(to_numpy(mean_topk_similarity(Q, D, 2, use_faiss=use_faiss)), [0.7, 0.7, 0.65],
                               atol=TOL3)
    np.testing.assert_allclose(to_numpy(mean_topk_similarity(D, Q, 2, use_faiss=use_faiss)), [0.85, 0.55, 0.4],
                               atol=TOL3)
    scores, index = csls_knn(Q, D, 3, csls_k=2, use_faiss=use_faiss)
    expected_index = np.argsort(-CSLS3, axis=1)
    np.testing.assert_array_equal(to_numpy(index), expected_index)
    np.testing.assert_allclose(to_numpy(scores), np.take_along_axis(CSLS3, expected_index, axis=1), atol=TOL3)
    # hubness correction: NN sends every query to target 0, CSLS sends query 2 to target 2
    _, nn_index = retrieve(Q, D, 1, method="nn", use_faiss=use_faiss)
    _, csls_index = retrieve(Q, D, 1, method="csls", csls_k=2, use_faiss=use_faiss)
    np.testing.assert_array_equal(to_numpy(nn_index)[:, 0], [0, 0, 0])
    np.testing.assert_array_equal(to_numpy(csls_index)[:, 0], [0, 0, 2])
    # score_rows keeps the ranking (it drops the per-query constant r_src)
    r_tgt = mean_topk_similarity(D, Q, 2)
    S = to_numpy(score_rows(Q, D, method="csls", r_tgt=r_tgt))
    np.testing.assert_allclose(S, CSLS3 + np.array([0.7, 0.7, 0.65])[:, None], atol=TOL3)


@pytest.mark.parametrize("use_faiss", USE_FAISS)
def test_offset_knn_on_hand_example(xp, use_faiss):
    Q, D = _q_d(xp)
    offset = xp.asarray(np.array([0.5, 0.0, 0.0], dtype=np.float32))
    scores, index = offset_knn(Q, D, offset, 2, use_faiss=use_faiss)
    # S - [0.5, 0, 0] = [[0.4, 0.5, 0.1], [0.3, 0.6, 0.2], [0.2, 0.1, 0.6]]
    np.testing.assert_array_equal(to_numpy(index), [[1, 0], [1, 0], [2, 0]])
    np.testing.assert_allclose(to_numpy(scores), [[0.5, 0.4], [0.6, 0.3], [0.6, 0.2]], atol=TOL3)


# gold_ranks: values that are exact in binary floating point, so ties are exact ties.
GOLD_D = np.array([[0.5, 0.25, 1.0],  # columns are the targets: S = Q @ D.T with Q rows e0, e1, e2
                   [0.5, 0.75, 0.5],
                   [0.25, 0.75, 0.5]], dtype=np.float32)
GOLD_Q = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1]]
GOLD = [[0], [0, 2], [2], [2], []]


# S rows: e0 -> [0.5, 0.5, 0.25]; e1 -> [0.25, 0.75, 0.75]; e2 -> [1.0, 0.5, 0.5]
# NN ranks (1 + number of strictly better targets):
#   q0 gold 0 (0.5, tied with target 1) -> 1; q1 best gold 2 (0.75, tied) -> 1;
#   q2 gold 2 (0.5; 1.0 is better, 0.5 ties) -> 2; q3 gold 2 (0.25; two better) -> 3; q4 no gold -> inf
# CSLS with csls_k=1 over the queries as source space: r_tgt = column maxima = [1.0, 0.75, 0.75],
# ranking scores 2 S - r_tgt: e0 -> [0, 0.25, -0.25]; e1 -> [-0.5, 0.75, 0.75]; e2 -> [1, 0.25, 0.25]
#   q0 gold 0 (0 < 0.25) -> 2; q1 -> 1; q2 -> 2; q3 gold 2 (-0.25) -> 3; q4 -> inf
@pytest.mark.parametrize("method, expected", [
    ("nn", [1, 1, 2, 3, np.inf]),
    ("csls", [2, 1, 2, 3, np.inf]),
])
@pytest.mark.parametrize("use_faiss", USE_FAISS)
@pytest.mark.parametrize("batch_size", [1, 2, 1024])
def test_gold_ranks_with_ties(xp, method, expected, use_faiss, batch_size):
    ranks = gold_ranks(xp.asarray(GOLD_Q), xp.asarray(GOLD_D), GOLD, method=method, csls_k=1,
                       batch_size=batch_size, use_faiss=use_faiss)
    assert isinstance(ranks, np.ndarray) and ranks.dtype == np.float64
    np.testing.assert_array_equal(ranks, expected)


def test_gold_ranks_length_mismatch():
    with pytest.raises(ValueError, match="gold has 2 entries for 5 queries"):
        gold_ranks(GOLD_Q, GOLD_D, GOLD[:2])


@pytest.fixture
def spaces():
    """Unit-length random spaces: Q (150, 16), D (230, 16), whole source X (400, 16) containing Q."""
    rng = np.random.default_rng(7)

    def unit(n):
        M = rng.standard_normal((n, 16))
        return (M / np.linalg.norm(M, axis=1, keepdims=True)).astype(np.float32)

    X = unit(400)
    return X[:150], unit(230), X


def _separated(scores64, k, tol):
    """Rows whose top-(k+1) exact scores differ pairwise by more than ``2 tol`` (no near-ties).

    Each path's scores are within ``tol`` of the exact float64 ones, so the two paths may order
    neighbours differently only where two exact scores lie within ``2 tol``; such rows are left
    out of the index comparison (the sorted scores are compared on every row: order statistics
    do not depend on how a near-tie is broken).
    """
    top = -np.sort(-scores64, axis=1)[:, :k + 1]
    rows = np.min(-np.diff(top, axis=1), axis=1) > 2 * tol
    assert rows.mean() > 0.9, "the fixture has too many near-ties; pick another seed"
    return rows


# Tolerances for the faiss-vs-blocked comparisons: float32 inner products of unit vectors in dim 16
# differ between BLAS kernels by at most ~dim * eps32 = 2e-6; CSLS combines 2 cos and two means of
# cosines (~4 such errors), inverted softmax scales by beta = 30 and adds a log-sum-exp.
TOL_NN, TOL_CSLS, TOL_ISF = 5e-6, 2e-5, 5e-4


@needs_faiss
@pytest.mark.parametrize("k", [1, 5])
def test_faiss_and_blocked_paths_agree(spaces, k):
    Q, D, X = spaces
    S = Q.astype(np.float64) @ D.T.astype(np.float64)
    rows = _separated(S, k, TOL_NN)
    (fs, fi), (bs, bi) = [knn(Q, D, k, use_faiss=f, batch_size=32) for f in (True, False)]
    np.testing.assert_array_equal(fi[rows], bi[rows])
    np.testing.assert_allclose(fs, bs, atol=TOL_NN)
    np.testing.assert_allclose(bs, -np.sort(-S, axis=1)[:, :k], atol=TOL_NN)  # and both are exact

    r_tgt = mean_topk_similarity(D, X, 10).astype(np.float64)
    r_src = mean_topk_similarity(Q, D, 10).astype(np.float64)
    C = 2 * S - r_src[:, None] - r_tgt[None, :]
    rows = _separated(C, k, TOL_CSLS)
    (fs, fi), (bs, bi) = [csls_knn(Q, D, k, csls_k=10, r_tgt=mean_topk_similarity(D, X, 10, use_faiss=f),
                                   use_faiss=f, batch_size=32) for f in (True, False)]
    np.testing.assert_array_equal(fi[rows], bi[rows])
    np.testing.assert_allclose(fs, bs, atol=TOL_CSLS)
    np.testing.assert_allclose(bs, -np.sort(-C, axis=1)[:, :k], atol=TOL_CSLS)

    offset = np.linspace(-0.3, 0.3, D.shape[0]).astype(np.float32)
    shifted = S - offset[None, :]
    rows = _separated(shifted, k, TOL_NN)
    (fs, fi), (bs, bi) = [offset_knn(Q, D, offset, k, use_faiss=f, batch_size=32) for f in (True, False)]
    np.testing.assert_array_equal(fi[rows], bi[rows])
    np.testing.assert_allclose(fs, bs, atol=TOL_NN)
    np.testing.assert_allclose(bs, -np.sort(-shifted, axis=1)[:, :k], atol=TOL_NN)


@pytest.mark.parametrize("use_faiss", USE_FAISS)
def test_isf_matches_brute_force(spaces, use_faiss):
    Q, D, X = spaces
    beta = 30.0
    S = X.astype(np.float64) @ D.T.astype(np.float64)
    log_p = beta * S[:150] - logsumexp(beta * S, axis=0)[None, :]  # log P(q | z), normaliser over X
    rows = _separated(log_p, 3, TOL_ISF)
    scores, index = isf_knn(Q, D, 3, X=X, beta=beta, batch_size=64, use_faiss=use_faiss)
    np.testing.assert_array_equal(index[rows], np.argsort(-log_p, axis=1)[rows, :3])
    np.testing.assert_allclose(scores, -np.sort(-log_p, axis=1)[:, :3], atol=TOL_ISF)
    _, i2 = retrieve(Q, D, 3, method="isf", X=X, beta=beta, use_faiss=use_faiss)
    np.testing.assert_array_equal(i2, index)


def test_retrieve_methods_agree_with_building_blocks(xp, spaces):
    Q, D, X = (xp.asarray(a) for a in spaces)
    s_nn, i_nn = retrieve(Q, D, 2, method="nn")
    s_knn, i_knn = knn(Q, D, 2)
    np.testing.assert_array_equal(to_numpy(i_nn), to_numpy(i_knn))
    r_tgt = mean_topk_similarity(D, X, 10)
    s_c, i_c = retrieve(Q, D, 2, method="csls", X=X)  # r_tgt measured against the whole source space
    s_ref, i_ref = csls_knn(Q, D, 2, r_tgt=r_tgt)
    np.testing.assert_array_equal(to_numpy(i_c), to_numpy(i_ref))
    np.testing.assert_allclose(to_numpy(s_c), to_numpy(s_ref), atol=TOL_CSLS)


@pytest.mark.parametrize("call, error, match", [
    (lambda Q, D: knn(Q, D, 0), ValueError, "k must be a positive integer; got 0"),
    (lambda Q, D: knn(Q, D, 1.5), ValueError, "k must be a positive integer"),
    (lambda Q, D: knn(Q, D[:, :2], 1), ValueError, "query and database dimensions differ: 3 vs 2"),
    (lambda Q, D: knn(Q[0], D, 1), ValueError, r"Q must be a 2-d array of shape \(n, dim\); got shape \(3,\)"),
    (lambda Q, D: knn(Q, D[:0], 1), ValueError, "the database is empty"),
    (lambda Q, D: knn(Q, D, 1, use_faiss="yes"), ValueError, "use_faiss must be True, False or 'auto'"),
    (lambda Q, D: retrieve(Q, D, 1, method="cosine"), ValueError, "method must be one of"),
    (lambda Q, D: score_rows(Q, D, method="csls"), ValueError, "method='csls' needs r_tgt"),
    (lambda Q, D: score_rows(Q, D, method="isf"), ValueError, "method='isf' needs log_norm"),
    (lambda Q, D: score_rows(Q, D, method="dot"), ValueError, "method must be one of"),
    (lambda Q, D: isf_knn(Q, D, 1, beta=0), ValueError, "beta must be positive"),
])
def test_bad_arguments(xp, call, error, match):
    Q, D = _q_d(xp)
    with pytest.raises(error, match=match):
        call(Q, D)
    assert set(METHODS) == {"nn", "csls", "isf"}


def test_blocked_path_holds_at_most_one_block(monkeypatch):
    """The xp path never materialises more than ``batch_size x n_db`` scores at once."""
    rng = np.random.default_rng(0)
    n_q, n_db, dim, batch, k = 2048, 1000, 16, 16, 5
    Q = rng.standard_normal((n_q, dim)).astype(np.float32)
    D = rng.standard_normal((n_db, dim)).astype(np.float32)
    shapes = []
    real_topk = retrieval._topk_rows

    def recording_topk(xp, S, k, **kw):
        shapes.append(S.shape)
        return real_topk(xp, S, k, **kw)
    monkeypatch.setattr(retrieval, "_topk_rows", recording_topk)
    r_tgt = mean_topk_similarity(D, Q, 10, batch_size=batch, use_faiss=False)
    shapes.clear()
    tracemalloc.start()
    try:
        knn(Q, D, k, batch_size=batch, use_faiss=False)
        csls_knn(Q, D, k, r_tgt=r_tgt, batch_size=batch, use_faiss=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert shapes and max(s[0] for s in shapes) <= batch and {s[1] for s in shapes} == {n_db}
    full = n_q * n_db * 4  # one float32 (n_q, n_db) matrix: 8 MB
    # one (batch, n_other) block at 8 bytes per entry (int64 indices of argpartition); the CSLS r
    # term searches the database against the queries, so its blocks are (batch, n_q)
    block = batch * max(n_q, n_db) * 8
    outputs = 3 * n_q * k * 12 + 3 * n_q * 4 + n_q * dim * 4  # scores/indices, r terms, 2 Q for CSLS
    # a block needs S, -S, argpartition's indices and a gather: at most 4 such buffers
    assert peak <= 4 * block + outputs, (peak, full)
    assert peak < full / 4

    tracemalloc.start()
    try:  # gold_ranks: the CSLS r term and the rank blocks are bounded by the same batch_size
        gold_ranks(Q, D, [[0]] * n_q, method="csls", batch_size=batch, use_faiss=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 4 * block + n_q * (8 + 4), peak  # blocks plus the ranks and r_tgt vectors
    assert peak < full / 4


@pytest.mark.parametrize("batch_size, n_columns, cell_bytes, cap, expected", [
    (4096, 20000, 4, 2**28, 4096),         # the self-learning loop's blocks: batch_size decides
    (4096, 200000, 4, 2**28, 1342),        # a 200k-word database: 1 GiB / (200000 * 4 bytes)
    (4096, 200000, 8, 2**28, 671),         # float64 blocks (inverted softmax's normaliser)
    (4096, 2_000_000, 4, 2**28, 134),      # a 2M-word fastText file
    (16, 100, 4, 50, 1),                   # never below one row
    (1, 0, 4, 2**28, 1),                   # empty database: the caller's batch_size
])
def test_block_rows(monkeypatch, batch_size, n_columns, cell_bytes, cap, expected):
    monkeypatch.setattr(retrieval, "MAX_BLOCK_CELLS", cap)
    assert retrieval.block_rows(batch_size, n_columns, cell_bytes) == expected


def test_block_cap_shrinks_blocks_not_results(xp, spaces, monkeypatch):
    """Under a cap of 2000 score cells (8 rows against 230 targets, 13 against 150 queries for
    CSLS's r term) every blocked search gives what 4096-row blocks give: rows are scored
    independently, so on NumPy the block size changes no value. cuBLAS may pick another kernel
    (another summation order) for another number of rows, so on a GPU the scores may move by the
    kernels' rounding (TOL_NN etc., as between faiss and BLAS) and the neighbours and ranks, on data
    without near ties, not at all."""
    Q, D, X = (xp.asarray(a) for a in spaces)
    gold = [[i % 230] for i in range(Q.shape[0])]

    def run():
        out = [knn(Q, D, 5, use_faiss=False), csls_knn(Q, D, 5, use_faiss=False),
               isf_knn(Q, D, 3, X=X, use_faiss=False)]
        out = [to_numpy(a) for pair in out for a in pair]
        return out + [gold_ranks(Q, D, gold, method=m, X=X, use_faiss=False) for m in METHODS]

    expected = run()
    cells = []
    real = retrieval.score_blocks

    def recorded(*args, **kwargs):
        for rows, S in real(*args, **kwargs):
            cells.append(S.size)
            yield rows, S

    monkeypatch.setattr(retrieval, "MAX_BLOCK_CELLS", 2000)
    monkeypatch.setattr(retrieval, "score_blocks", recorded)
    got = run()
    assert cells and max(cells) <= 2000 and 8 * 230 in cells
    exact = xp is np
    tolerances = [TOL_NN, None, TOL_CSLS, None, TOL_ISF, None, None, None, None]  # scores, indices, ranks
    for a, b, tol in zip(got, expected, tolerances):
        if exact or tol is None:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, atol=tol)


@pytest.mark.parametrize("k", [1, 2, 10, 16, 17, 40])
@pytest.mark.parametrize("overwrite", [False, True])
def test_topk_rows_matches_full_sort(xp, k, overwrite):
    """Every selection path (argmax for k=1, repeated argmax on GPU for k <= 16, partition above)
    returns the rows' k largest scores in decreasing order; distinct values make the order unique."""
    rng = np.random.default_rng(3)
    S0 = rng.permutation(300 * 50).reshape(300, 50).astype(np.float32) / 7.0
    S = xp.asarray(S0)
    vals, idx = retrieval._topk_rows(xp, S.copy() if overwrite else S, k, overwrite=overwrite)
    expect = np.argsort(-S0, axis=1)[:, :k]
    np.testing.assert_array_equal(to_numpy(idx), expect)
    np.testing.assert_array_equal(to_numpy(vals), np.take_along_axis(S0, expect, axis=1))
    assert to_numpy(idx).dtype == np.int64
    if not overwrite:
        np.testing.assert_array_equal(to_numpy(S), S0)  # the caller's scores are left alone


def test_topk_by_argmax_on_numpy_matches_partition():
    """The GPU selection routine is plain array code: check it on NumPy too, ties included
    (equal scores: any of the tied indices is a correct answer, the values must match)."""
    rng = np.random.default_rng(4)
    S0 = rng.integers(0, 20, size=(200, 60)).astype(np.float32)
    vals, idx = retrieval._topk_by_argmax(np, S0.copy(), 8)
    np.testing.assert_array_equal(vals, -np.sort(-S0, axis=1)[:, :8])
    np.testing.assert_array_equal(np.take_along_axis(S0, idx, axis=1), vals)
    assert all(len(set(row)) == 8 for row in idx.tolist())


def test_gold_ranks_with_precomputed_r_tgt_is_unchanged(xp):
    """Passing CSLS's r term (as evaluate_bli does, to share it with re-ranking) changes nothing."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((60, 8)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    D = rng.standard_normal((50, 8)).astype(np.float32)
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    X, D = xp.asarray(X), xp.asarray(D)
    gold = [[i % 50, (3 * i) % 50] for i in range(20)]
    plain = gold_ranks(X[:20], D, gold, method="csls", X=X)
    shared = gold_ranks(X[:20], D, gold, method="csls", X=X, r_tgt=mean_topk_similarity(D, X, 10))
    np.testing.assert_array_equal(plain, shared)


@pytest.mark.parametrize("beta", [30.0, 1000.0])
def test_isf_normaliser_over_row_blocks_and_a_large_beta(xp, spaces, beta):
    """Accumulated over blocks of 7 source rows (a running log-sum-exp, float32 exponentials after each
    block's column maxima are subtracted) the normaliser is the float64 log-sum-exp of the whole column,
    finite even at beta = 1000 (exp(1000) overflows float64). Tolerance: the float32 cosines' error
    (dim 16 * eps32) times beta, plus the float32 rounding of results of up to ~1000 (6e-5)."""
    _, D, X = (xp.asarray(a) for a in spaces)
    S = spaces[2].astype(np.float64) @ spaces[1].T.astype(np.float64)
    log_norm = to_numpy(isf_normaliser(X, D, beta=beta, batch_size=7))
    assert log_norm.dtype == np.float32 and np.isfinite(log_norm).all()
    np.testing.assert_allclose(log_norm, logsumexp(beta * S, axis=0), rtol=0, atol=beta * 16 * 1.2e-7 + 1e-4)


def test_isf_normaliser_slices_and_reuse(xp, spaces):
    """isf_normaliser is log-sum-exp over the source rows of each target column (float64 reference;
    its own sums are float64, its cosines float32: beta * 16 * eps32 ~ 3e-5); slices of targets give
    the same values as the whole, and isf_knn with it precomputed returns what it computes itself."""
    Q, D, X = (xp.asarray(a) for a in spaces)
    log_norm = isf_normaliser(X, D, beta=30.0)
    S = spaces[2].astype(np.float64) @ spaces[1].T.astype(np.float64)
    np.testing.assert_allclose(to_numpy(log_norm), logsumexp(30.0 * S, axis=0), atol=1e-4)
    parts = [isf_normaliser(X, D[a:b], beta=30.0) for a, b in ((0, 100), (100, 230))]
    np.testing.assert_array_equal(np.concatenate([to_numpy(p) for p in parts]), to_numpy(log_norm))
    given, computed = isf_knn(Q, D, 4, log_norm=log_norm), isf_knn(Q, D, 4, X=X)
    for a, b in zip(given, computed):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    with pytest.raises(ValueError, match=r"log_norm must have shape \(230,\)"):
        isf_knn(Q, D, 4, log_norm=log_norm[:5])
    with pytest.raises(ValueError, match="beta must be positive"):
        isf_normaliser(X, D, beta=0.0)


@pytest.mark.parametrize("k", [1, 5])
def test_offset_search_in_database_chunks(monkeypatch, k):
    """faiss's offset search (CSLS) augments the database a chunk at a time (no whole copy of a 2M-word
    database) and merges the chunks' best: the neighbours and scores of one search over the whole
    database and of the blocked search (the order of tied rows is unspecified)."""
    from offramp.alignment import retrieval

    rng = np.random.default_rng(3)
    Q = rng.standard_normal((50, 8)).astype(np.float32)
    D = rng.standard_normal((300, 8)).astype(np.float32)
    D[7] = D[250]  # two tied rows in two chunks, at the top of every list
    offset = rng.random(300).astype(np.float32)
    offset[7] = offset[250] = -100.0  # far ahead of the others for every query
    expected = retrieval.offset_knn(Q, D, offset, k, use_faiss=True)
    blocked = retrieval.offset_knn(Q, D, offset, k, use_faiss=False)
    monkeypatch.setattr(retrieval, "OFFSET_ROWS", 64)
    scores, index = retrieval.offset_knn(Q, D, offset, k, use_faiss=True)
    for other in (expected, blocked):
        np.testing.assert_array_equal(np.sort(index, axis=1), np.sort(other[1], axis=1))
        np.testing.assert_allclose(scores, other[0], rtol=0, atol=1e-5)
    assert np.isin(index[:, 0], (7, 250)).all() and (k == 1 or (np.sort(index[:, :2], axis=1) == (7, 250)).all())
