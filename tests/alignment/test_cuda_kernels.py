"""The CUDA selection kernels (alignment._cuda) against NumPy references.

The kernels run only on float32 CuPy blocks; their hashed dropout mask has a NumPy twin,
``dropout_keep_mask``, whose statistics are checked here on every machine and which the GPU
tests use to check the dropout kernel exactly.
"""
import numpy as np
import pytest

from offramp.alignment import _cuda
from offramp.alignment._backend import cuda_available, to_numpy

pytestmark = pytest.mark.gpu  # the whole module: benchmarks/gpu_check.sh selects it with -m gpu
gpu = pytest.mark.skipif(not cuda_available(), reason="CuPy with a visible GPU is not available")


def _reference_topk(S, k, offset=None):
    """Top-k of each row of S - offset by decreasing value, equal values by increasing column."""
    T = S - (0 if offset is None else offset[None, :])
    cols = np.arange(S.shape[1])
    idx = np.stack([np.lexsort((cols, -row))[:k] for row in T])
    return np.take_along_axis(T, idx, axis=1), idx


def _reference_dropout(S, offset, keep_prob, seed, row0):
    T = S - offset[None, :]
    mask = _cuda.dropout_keep_mask(np.arange(row0, row0 + S.shape[0]), S.shape[1], keep_prob, seed)
    kept = np.where(mask, T, -np.inf)
    pick = np.argmax(kept, axis=1)
    none = ~mask.any(axis=1)
    pick[none] = np.argmax(T[none], axis=1)
    return T[np.arange(S.shape[0]), pick], pick


@pytest.mark.parametrize("keep_prob", [0.1, 0.5, 0.9])
def test_dropout_mask_keeps_the_asked_fraction(keep_prob):
    # 200 x 5000 = 1e6 draws: the kept fraction's standard error is below 5e-4, so 3e-3 is 6 sigma
    mask = _cuda.dropout_keep_mask(np.arange(200), 5000, keep_prob, seed=12345)
    assert abs(mask.mean() - keep_prob) < 3e-3
    # rows and columns are not striped: every row's and every column's fraction is near keep_prob
    # (5000 and 200 draws; 6 sigma at p = 0.5 is 0.043 and 0.21)
    assert np.abs(mask.mean(axis=1) - keep_prob).max() < 0.043
    assert np.abs(mask.mean(axis=0) - keep_prob).max() < 0.22


def test_dropout_mask_depends_on_seed_and_row():
    a = _cuda.dropout_keep_mask(np.arange(4), 1000, 0.5, seed=1)
    b = _cuda.dropout_keep_mask(np.arange(4), 1000, 0.5, seed=2)
    c = _cuda.dropout_keep_mask(np.arange(4, 8), 1000, 0.5, seed=1)
    again = _cuda.dropout_keep_mask(np.arange(4), 1000, 0.5, seed=1)
    assert (a == again).all()
    # independent masks agree on half the entries (4000 draws: 6 sigma is 0.048)
    for other in (b, c):
        assert abs((a == other).mean() - 0.5) < 0.048
    # rows beyond 2**32 hash their high bits too
    hi = _cuda.dropout_keep_mask(np.array([2**32 + 3], dtype=np.uint64), 1000, 0.5, seed=1)
    assert abs((hi[0] == a[3]).mean() - 0.5) < 0.1


def test_kernels_only_claim_float32_cupy_blocks():
    S = np.zeros((4, 8), dtype=np.float32)
    assert not _cuda.usable(S, 1)


@gpu
def test_kernels_compile_here():
    assert _cuda.available(), _cuda._state["error"]


@gpu
@pytest.mark.parametrize("shape, k", [((5, 7), 1), ((5, 7), 7), ((37, 1000), 10), ((300, 20001), 10),
                                      ((9, 130), 32), ((3, 33), 32), ((1, 1), 1)])
@pytest.mark.parametrize("with_offset", [False, True])
def test_topk_rows_equals_reference(shape, k, with_offset):
    import cupy

    rng = np.random.default_rng(sum(shape) + k)
    S = rng.standard_normal(shape).astype(np.float32)
    offset = rng.standard_normal(shape[1]).astype(np.float32) if with_offset else None
    vals, idx = _cuda.topk_rows(cupy.asarray(S), k, None if offset is None else cupy.asarray(offset))
    ref_vals, ref_idx = _reference_topk(S, k, offset)
    # the kernel subtracts the offset in float32 as the reference does: exact
    np.testing.assert_array_equal(to_numpy(idx), ref_idx)
    np.testing.assert_array_equal(to_numpy(vals), ref_vals)


@gpu
@pytest.mark.parametrize("k", [1, 3, 10])
def test_topk_rows_breaks_ties_by_column(k):
    import cupy

    # small integers: every row is full of equal values
    rng = np.random.default_rng(k)
    S = rng.integers(0, 4, size=(64, 777)).astype(np.float32)
    vals, idx = _cuda.topk_rows(cupy.asarray(S), k)
    ref_vals, ref_idx = _reference_topk(S, k)
    np.testing.assert_array_equal(to_numpy(idx), ref_idx)
    np.testing.assert_array_equal(to_numpy(vals), ref_vals)


@gpu
@pytest.mark.parametrize("keep_prob", [0.001, 0.1, 0.7])
@pytest.mark.parametrize("row0", [0, 4096])
def test_best_dropout_equals_reference(keep_prob, row0):
    import cupy

    rng = np.random.default_rng(7)
    S = rng.standard_normal((500, 1500)).astype(np.float32)
    offset = rng.standard_normal(1500).astype(np.float32)
    best, index = _cuda.best_dropout(cupy.asarray(S), cupy.asarray(offset), keep_prob, seed=2**40 + 99, row0=row0)
    ref_best, ref_index = _reference_dropout(S, offset, keep_prob, 2**40 + 99, row0)
    np.testing.assert_array_equal(to_numpy(index), ref_index)
    np.testing.assert_array_equal(to_numpy(best), ref_best)


@gpu
def test_blocked_search_uses_the_kernels_and_matches_numpy():
    import cupy

    from offramp.alignment.retrieval import knn, mean_topk_similarity, offset_knn

    rng = np.random.default_rng(0)
    Q = rng.standard_normal((3000, 64)).astype(np.float32)
    D = rng.standard_normal((2500, 64)).astype(np.float32)
    off = rng.standard_normal(2500).astype(np.float32)
    Qc, Dc, offc = cupy.asarray(Q), cupy.asarray(D), cupy.asarray(off)
    # cuBLAS and NumPy's BLAS sum the 64 products in other orders: scores agree to float32
    # rounding (|s| < 40, so 1e-4 absolute), and the neighbours wherever no near-tie decides
    for got, ref in ((knn(Qc, Dc, 5, batch_size=1000), knn(Q, D, 5, batch_size=1000, use_faiss=False)),
                     (offset_knn(Qc, Dc, offc, 1, batch_size=700), offset_knn(Q, D, off, 1, use_faiss=False))):
        np.testing.assert_allclose(to_numpy(got[0]), ref[0], atol=1e-4)
        assert (to_numpy(got[1]) == ref[1]).mean() > 0.999
    r = mean_topk_similarity(Qc, Dc, 10, batch_size=1000)
    np.testing.assert_allclose(to_numpy(r), mean_topk_similarity(Q, D, 10, use_faiss=False), atol=1e-4)
