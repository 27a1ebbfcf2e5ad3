"""CUDA kernels (through CuPy) for the selections of a self-learning iteration on the GPU.

A self-learning iteration scores blocks of ``Q @ D.T`` with cuBLAS and then needs, per row,
either the mean of the ``k`` largest scores (CSLS's ``r`` term), the best few columns, or
the best column after a random dropout. CuPy has no top-k: its ``partition`` and
``argpartition`` sort whole rows, and even a plain ``argmax`` reduction reads a block at a
fraction of the memory bandwidth. These kernels read each block once: one warp per row, each
lane keeping a sorted top-``K`` of its strided columns in registers, merged across the warp
with shuffles. The dropout mask is a counter-based hash of ``(seed, row, column)``, so it
needs no random block in memory; :func:`dropout_keep_mask` is its NumPy twin, used by the
tests to check the kernel exactly.

Used only for C-contiguous float32 CuPy arrays and ``k <= MAX_K``; every caller keeps the
plain ``xp`` path for everything else (NumPy, float64, larger ``k``).
"""
import numpy as np

MAX_K = 32
_WARPS_PER_BLOCK = 8

_SOURCE = r"""
#define K __K__
#define HAS_OFFSET __HAS_OFFSET__
#define NO_INDEX 0x7fffffff
#define NEG_INF __int_as_float(0xff800000)  // NVRTC has no math.h, so no INFINITY

__device__ __forceinline__ unsigned int lowbias32(unsigned int x) {
    x ^= x >> 16; x *= 0x7feb352dU; x ^= x >> 15; x *= 0x846ca68bU; x ^= x >> 16;
    return x;
}

// (value, index) a beats (value, index) b: larger value, then smaller index.
__device__ __forceinline__ bool beats(float av, int ai, float bv, int bi) {
    return av > bv || (av == bv && ai < bi);
}

__device__ __forceinline__ void warp_best(float &v, int &i) {
    #pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
        float ov = __shfl_xor_sync(0xffffffffu, v, off);
        int oi = __shfl_xor_sync(0xffffffffu, i, off);
        if (beats(ov, oi, v, i)) { v = ov; i = oi; }
    }
}

// Per row: the K best columns of S[row, j] - offset[j], by decreasing value (ties: lower column).
extern "C" __global__ void row_topk(const float* __restrict__ S, const float* __restrict__ offset,
                                    const long long n_rows, const int n_cols,
                                    float* __restrict__ out_val, long long* __restrict__ out_idx) {
    const long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (row >= n_rows) return;  // a whole warp leaves together
    const float* __restrict__ r = S + row * (long long)n_cols;
    float tv[K];
    int ti[K];
    #pragma unroll
    for (int t = 0; t < K; ++t) { tv[t] = NEG_INF; ti[t] = NO_INDEX; }
    for (int base = 0; base < n_cols; base += 128) {
        float v[4];
        int jj[4];
        #pragma unroll
        for (int u = 0; u < 4; ++u) {  // four independent loads in flight per lane
            jj[u] = base + u * 32 + lane;
            v[u] = NEG_INF;
            if (jj[u] < n_cols) {
                v[u] = r[jj[u]];
#if HAS_OFFSET
                v[u] -= offset[jj[u]];
#endif
            }
        }
        #pragma unroll
        for (int u = 0; u < 4; ++u) {
            const float x = v[u];
            const int j = jj[u];
            if (x > tv[K - 1]) {  // insert into the sorted registers; equal values stay behind
                #pragma unroll
                for (int t = K - 1; t > 0; --t) {
                    const bool shift = x > tv[t - 1];
                    const bool here = !shift && x > tv[t];
                    tv[t] = shift ? tv[t - 1] : (here ? x : tv[t]);
                    ti[t] = shift ? ti[t - 1] : (here ? j : ti[t]);
                }
                if (x > tv[0]) { tv[0] = x; ti[0] = j; }
            }
        }
    }
    #pragma unroll
    for (int t = 0; t < K; ++t) {  // K rounds: the warp's best head, popped by its lane
        float bv = tv[0];
        int bi = ti[0];
        warp_best(bv, bi);
        if (ti[0] == bi && tv[0] == bv) {
            #pragma unroll
            for (int s = 0; s < K - 1; ++s) { tv[s] = tv[s + 1]; ti[s] = ti[s + 1]; }
            tv[K - 1] = NEG_INF;
            ti[K - 1] = NO_INDEX;
        }
        if (lane == 0) {
            out_val[row * K + t] = bv;
            out_idx[row * K + t] = bi == NO_INDEX ? -1 : (long long)bi;
        }
    }
}

// Per row: the best column of S[row, j] - offset[j] among the columns the hash keeps
// (lowbias32(column + row key) < threshold); a row that keeps none gets its overall best.
extern "C" __global__ void row_best_dropout(const float* __restrict__ S, const float* __restrict__ offset,
                                            const long long n_rows, const int n_cols, const long long row0,
                                            const unsigned int seed_lo, const unsigned int seed_hi,
                                            const unsigned int threshold,
                                            float* __restrict__ out_val, long long* __restrict__ out_idx) {
    const long long row = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (row >= n_rows) return;
    const float* __restrict__ r = S + row * (long long)n_cols;
    const unsigned long long g = (unsigned long long)(row0 + row);
    const unsigned int key = lowbias32(lowbias32((unsigned int)g ^ seed_lo) + (unsigned int)(g >> 32) + seed_hi);
    float kv = NEG_INF, av = NEG_INF;
    int ki = NO_INDEX, ai = NO_INDEX;
    for (int base = 0; base < n_cols; base += 128) {
        float v[4];
        int jj[4];
        #pragma unroll
        for (int u = 0; u < 4; ++u) {
            jj[u] = base + u * 32 + lane;
            v[u] = NEG_INF;
            if (jj[u] < n_cols) v[u] = r[jj[u]] - offset[jj[u]];
        }
        #pragma unroll
        for (int u = 0; u < 4; ++u) {
            if (jj[u] < n_cols) {
                if (v[u] > av) { av = v[u]; ai = jj[u]; }
                if (lowbias32((unsigned int)jj[u] + key) < threshold && v[u] > kv) { kv = v[u]; ki = jj[u]; }
            }
        }
    }
    warp_best(av, ai);
    warp_best(kv, ki);
    if (lane == 0) {
        const bool none = ki == NO_INDEX;
        out_val[row] = none ? av : kv;
        out_idx[row] = none ? (long long)ai : (long long)ki;
    }
}
"""

_kernels = {}
_state = {"error": None, "checked": False}


def available():
    """True when CuPy compiles the kernels here (checked once; a failure warns and disables them)."""
    if not _state["checked"]:
        _state["checked"] = True
        try:
            _kernel("row_topk", 1, True)
            _kernel("row_best_dropout")
        except Exception as exc:  # pragma: no cover - needs a GPU without NVRTC
            import warnings

            _state["error"] = exc
            warnings.warn(f"offramp's CUDA selection kernels do not compile here ({exc}); "
                          "falling back to CuPy's sort-based selection, which is several times slower")
    return _state["error"] is None


def kernel_source(k, has_offset):
    """The CUDA source for top-``k`` selection (and the dropout kernel), as compiled."""
    return _SOURCE.replace("__K__", str(int(k))).replace("__HAS_OFFSET__", "1" if has_offset else "0")


def _kernel(name, k=1, has_offset=True):
    import cupy

    key = (k, has_offset)
    if key not in _kernels:  # one module per (K, offset) holds both kernels
        _kernels[key] = cupy.RawModule(code=kernel_source(k, has_offset), options=("--std=c++14",))
    return _kernels[key].get_function(name)


def usable(S, k=1):
    """True when the kernels apply: a C-contiguous float32 CuPy block and ``k <= MAX_K``."""
    from ._backend import is_cupy

    return (is_cupy(S) and S.ndim == 2 and S.dtype == np.float32 and S.flags.c_contiguous
            and 1 <= k <= min(MAX_K, S.shape[1]) and S.shape[1] < 2**31 - 1 and available())


def _launch(S):
    n_rows = S.shape[0]
    threads = 32 * _WARPS_PER_BLOCK
    return (max(1, -(-n_rows // _WARPS_PER_BLOCK)),), (threads,)


def topk_rows(S, k, offset=None):
    """Top-``k`` of every row of ``S - offset[None, :]`` in one read of ``S``.

    Parameters
    ----------
    S : cupy.ndarray of shape (n_rows, n_cols), float32, C-contiguous
    k : int, 1 <= k <= min(MAX_K, n_cols)
    offset : cupy.ndarray of shape (n_cols,), optional

    Returns
    -------
    values : cupy.ndarray of shape (n_rows, k), float32
        Decreasing along each row; equal values keep the lower column first.
    indices : cupy.ndarray of shape (n_rows, k), int64
    """
    import cupy

    n_rows, n_cols = S.shape
    if not 1 <= k <= min(MAX_K, n_cols):
        raise ValueError(f"k must be in [1, {min(MAX_K, n_cols)}]; got {k}")
    vals = cupy.empty((n_rows, k), dtype=cupy.float32)
    idx = cupy.empty((n_rows, k), dtype=cupy.int64)
    if n_rows == 0:
        return vals, idx
    off = _offset(offset, n_cols)
    grid, block = _launch(S)
    _kernel("row_topk", k, off is not None)(
        grid, block, (S, off if off is not None else S, np.int64(n_rows), np.int32(n_cols), vals, idx))
    return vals, idx


def _offset(offset, n_cols):
    import cupy

    if offset is None:
        return None
    off = cupy.ascontiguousarray(offset, dtype=cupy.float32)
    if off.shape != (n_cols,):
        raise ValueError(f"offset must have shape ({n_cols},); got {off.shape}")
    return off


def _threshold(keep_prob):
    return np.uint32(min(2**32 - 1, int(keep_prob * 2**32)))


def best_dropout(S, offset, keep_prob, seed, row0=0):
    """Best column of every row of ``S - offset`` after a hashed dropout of the scores.

    A score ``(row0 + i, j)`` is kept when ``dropout_keep_mask`` says so (probability
    ``keep_prob``); a row that keeps none gets its overall best.

    Parameters
    ----------
    S : cupy.ndarray of shape (n_rows, n_cols), float32, C-contiguous
    offset : cupy.ndarray of shape (n_cols,)
    keep_prob : float in (0, 1)
    seed : int in [0, 2**64)
    row0 : int
        Global index of the block's first row (so blocks of one matrix draw different masks).

    Returns
    -------
    best : cupy.ndarray of shape (n_rows,), float32
    index : cupy.ndarray of shape (n_rows,), int64
    """
    import cupy

    n_rows, n_cols = S.shape
    best = cupy.empty(n_rows, dtype=cupy.float32)
    index = cupy.empty(n_rows, dtype=cupy.int64)
    if n_rows == 0:
        return best, index
    off = _offset(offset, n_cols)
    seed = int(seed) % 2**64
    grid, block = _launch(S)
    _kernel("row_best_dropout")(
        grid, block, (S, off, np.int64(n_rows), np.int32(n_cols), np.int64(row0), np.uint32(seed & 0xFFFFFFFF),
                      np.uint32(seed >> 32), _threshold(keep_prob), best, index))
    return best, index


def _lowbias32(x):
    x = x.astype(np.uint32, copy=True)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint32(16)
        x *= np.uint32(0x7FEB352D)
        x ^= x >> np.uint32(15)
        x *= np.uint32(0x846CA68B)
        x ^= x >> np.uint32(16)
    return x


def dropout_keep_mask(rows, n_cols, keep_prob, seed):
    """The keep mask :func:`best_dropout` draws, computed with NumPy.

    Parameters
    ----------
    rows : array-like of int, shape (n_rows,)
        Global row indices.
    n_cols : int

    Returns
    -------
    mask : ndarray of shape (n_rows, n_cols), bool
    """
    rows = np.asarray(rows, dtype=np.uint64)
    seed = int(seed) % 2**64
    with np.errstate(over="ignore"):
        low = (rows & np.uint64(0xFFFFFFFF)).astype(np.uint32) ^ np.uint32(seed & 0xFFFFFFFF)
        key = _lowbias32(_lowbias32(low) + (rows >> np.uint64(32)).astype(np.uint32) + np.uint32(seed >> 32))
        cols = np.arange(n_cols, dtype=np.uint32)
        h = _lowbias32(cols[None, :] + key[:, None])
    return h < _threshold(keep_prob)


_elementwise = {}


def quintic_step(G, G2, a, b, c):
    """``a I + b G + c G2`` for square CuPy arrays in one elementwise kernel.

    :func:`alignment.mapping.polar_factor` runs up to a few dozen Newton-Schulz steps on 300 x 300
    matrices, where each CuPy call costs more in launch latency than in arithmetic; fusing the
    step's polynomial leaves two products and one kernel per step.

    Parameters
    ----------
    G, G2 : cupy.ndarray of shape (dim, dim)
        ``Y^T Y`` and its square.
    a, b, c : float
        The coefficients (:data:`alignment.mapping.NS_COEFFICIENTS`).

    Returns
    -------
    cupy.ndarray of shape (dim, dim), dtype of ``G``
    """
    import cupy

    if "quintic" not in _elementwise:
        _elementwise["quintic"] = cupy.ElementwiseKernel(
            "T g, T g2, float64 a, float64 b, float64 c, int64 stride", "T h",
            "h = b * g + c * g2 + (i % stride == 0 ? a : 0.0)", "offramp_quintic_step")
    if G.ndim != 2 or G.shape[0] != G.shape[1] or G2.shape != G.shape:
        raise ValueError(f"G and G2 must be square matrices of one shape; got {G.shape} and {G2.shape}")
    G, G2 = cupy.ascontiguousarray(G), cupy.ascontiguousarray(G2)
    return _elementwise["quintic"](G, G2, float(a), float(b), float(c), G.shape[0] + 1)
