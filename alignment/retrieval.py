"""Nearest-neighbour retrieval in a shared space: NN, CSLS and inverted softmax.

Longer than most modules: the three retrieval methods and the gold ranks share one blocked search,
its memory caps and its input checks, and each public function carries its full parameter docs.

Every function is exact and memory-bounded: queries are processed in blocks of
``batch_size`` rows, so no (n_src, n_tgt) matrix is ever held. On NumPy inputs the
k-NN search goes through ``faiss.knn`` (BLAS blocks plus a heap, multi-threaded) when
faiss is installed; the blocked ``xp`` path is the reference it is tested against and
the path used for CuPy arrays. Within a block, selection avoids sorting whole rows: an argmax
for k = 1 and a value partition for CSLS's ``r`` term (which needs no indices); on float32 CuPy
blocks a warp-per-row CUDA kernel (``_cuda``) selects up to 32 neighbours in one read of the
block, and otherwise k rounds of argmax replace CuPy's argpartition, which is a full sort.

CSLS (Conneau et al., 2018) scores a pair as ``2 cos(x, z) - r_tgt(z) - r_src(x)``,
where ``r`` is the mean similarity of a word to its ``csls_k`` nearest neighbours in the
other space (among its :data:`CSLS_REFERENCE` most frequent words). ``r_src(x)`` is constant
per query, so rankings use ``2 cos - r_tgt`` and the reported scores add ``- r_src`` back. A
CSLS search is an inner-product search on augmented vectors, ``[2x, -1] . [z, r_tgt(z)]``, which
lets faiss run it unchanged.
"""
import numpy as np

from . import _cuda
from ._backend import check_positive_int, check_vectors, get_namespace, to_numpy

try:
    import faiss as _faiss
except Exception:  # pragma: no cover - faiss is a hard dependency, but stay importable
    _faiss = None

DEFAULT_BATCH_SIZE = 4096
#: Most score cells one block may hold, whatever ``batch_size`` asks: 2**28 float32 cells are 1 GiB.
#: Against a large database (a 2M-word fastText file) a block gets fewer rows, so the memory of a
#: search stays bounded by a constant, not by ``batch_size * n_database``.
MAX_BLOCK_CELLS = 2**28
METHODS = ("nn", "csls", "isf")
#: CSLS's ``r`` term of a word is measured against the other space's this many most frequent words
#: (all of a space up to that size, which MUSE loads by default): the neighbourhood's density needs no
#: rare words, and the term of every word of a 2M-word space then costs 2M x 200k, not 2M x 2M.
CSLS_REFERENCE = 200_000
#: Database rows that a faiss search under an offset (CSLS, inverted softmax) augments at a time: 2**18
#: rows of 300 dimensions are 315 MB, where a whole 2M-word database would be 2.4 GB.
OFFSET_ROWS = 1 << 18
#: Cells per slice of a block whose rows are selected by argpartition (see :func:`_topk_rows`).
_SELECT_CELLS = 2**24


def csls_reference(V):
    """The rows of ``V`` that CSLS's ``r`` terms are measured against: its :data:`CSLS_REFERENCE` most
    frequent words (a view)."""
    return V[:CSLS_REFERENCE]


def faiss_available():
    """True when faiss imports (the CPU k-NN path; CuPy arrays never use it)."""
    return _faiss is not None


def _use_faiss(xp, use_faiss):
    if use_faiss not in (True, False, "auto"):
        raise ValueError(f"use_faiss must be True, False or 'auto'; got {use_faiss!r}")
    if xp is not np:
        return False
    if use_faiss is True and _faiss is None:
        raise ValueError("use_faiss=True but faiss is not installed; pip install faiss-cpu")
    return use_faiss is not False and _faiss is not None


def _check_pair(Q, D, names=("Q", "D")):
    """Validated ``(Q, D)``: 2-d, finite, floating point, of one dimension."""
    Q, D = check_vectors(Q, name=names[0]), check_vectors(D, name=names[1])
    get_namespace(Q, D)
    if Q.shape[1] != D.shape[1]:
        raise ValueError(f"query and database dimensions differ: {Q.shape[1]} vs {D.shape[1]}; "
                         "were both spaces mapped into one space?")
    return Q, D


def _check_terms(v, n, name):
    """A per-row score term (CSLS's ``r``, an offset): shape (n,), finite."""
    if v is None:
        return None
    if v.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},); got {v.shape}")
    check_vectors(v[:, None], name=name)
    return v


# CuPy's argpartition sorts whole rows; for a few neighbours, k passes of argmax over the block
# (each a memory-bound read) are much cheaper than that sort. Above this k the sort wins.
GPU_ARGMAX_MAX_K = 16


def _topk_by_argmax(xp, S, k):
    """Top-k of each row by ``k`` rounds of argmax, masking each winner; overwrites ``S``."""
    rows = xp.arange(S.shape[0])
    vals = xp.empty((S.shape[0], k), dtype=S.dtype)
    idx = xp.empty((S.shape[0], k), dtype=xp.int64)
    for j in range(k):
        best = xp.argmax(S, axis=1)
        idx[:, j] = best
        vals[:, j] = S[rows, best]
        S[rows, best] = -xp.inf
    return vals, idx


def _topk_rows(xp, S, k, *, overwrite=False):
    """Top-k values and indices of each row of ``S``, sorted by decreasing value.

    ``overwrite=True`` lets the GPU path use ``S`` as scratch space.
    """
    n = S.shape[1]
    if k == 1:
        idx = xp.argmax(S, axis=1)[:, None]
        return xp.take_along_axis(S, idx, axis=1), idx.astype(xp.int64, copy=False)
    if k >= n:
        idx = xp.argsort(-S, axis=1)
    elif xp is not np and k <= GPU_ARGMAX_MAX_K:
        return _topk_by_argmax(xp, S if overwrite else S.copy(), k)
    else:
        # argpartition's temporaries (the negated scores, int64 positions) are 3x the block's float32
        # scores: select in slices of rows so they stay a fraction of the block
        step = max(1, _SELECT_CELLS // n)
        idx = xp.empty((S.shape[0], k), dtype=xp.int64)
        for start in range(0, S.shape[0], step):
            block = S[start:start + step]
            part = xp.argpartition(-block, k - 1, axis=1)[:, :k]
            vals = xp.take_along_axis(block, part, axis=1)
            idx[start:start + step] = xp.take_along_axis(part, xp.argsort(-vals, axis=1), axis=1)
    return xp.take_along_axis(S, idx, axis=1), idx


def block_rows(batch_size, n_columns, cell_bytes=4):
    """Query rows per score block: ``batch_size``, fewer where a block of ``n_columns`` would
    pass :data:`MAX_BLOCK_CELLS` float32 cells (``cell_bytes=8``: float64 cells count twice).

    Parameters
    ----------
    batch_size : int
    n_columns : int
        Columns of a block (the database size).
    cell_bytes : int

    Returns
    -------
    int
        At least 1.
    """
    cells = MAX_BLOCK_CELLS * 4 // cell_bytes
    return max(1, min(batch_size, cells // max(int(n_columns), 1)))


def score_blocks(Q, D, batch_size, offset=None):
    """The score matrix ``Q @ D.T - offset[None, :]`` in row blocks, never whole.

    Memory: ``batch_size * n_database`` floats, and at most :data:`MAX_BLOCK_CELLS` (1 GiB) per
    block (:func:`block_rows`).

    Parameters
    ----------
    Q : ndarray of shape (n_queries, dim)
    D : ndarray of shape (n_database, dim)
    batch_size : int
        Query rows per block.
    offset : ndarray of shape (n_database,), optional

    Yields
    ------
    rows : slice
        The block's query rows.
    S : ndarray of shape (len(rows), n_database)
        Their scores, a fresh array the caller may overwrite.
    """
    batch_size = block_rows(check_positive_int(batch_size, "batch_size"), D.shape[0])
    Dt = D.T
    for start in range(0, Q.shape[0], batch_size):
        rows = slice(start, start + batch_size)
        S = Q[rows] @ Dt
        if offset is not None:
            S -= offset[None, :]
        yield rows, S
        del S


def _block_topk(xp, S, k, offset=None):
    """Top-k of each row of ``S - offset[None, :]``; ``S`` may be overwritten. On float32 CuPy
    blocks one kernel reads ``S`` once and applies the offset on the fly (``_cuda``)."""
    if _cuda.usable(S, k):
        return _cuda.topk_rows(S, k, offset)
    if offset is not None:
        S -= offset[None, :]
    return _topk_rows(xp, S, k, overwrite=True)


def _blocked_knn(Q, D, k, batch_size, offset=None):
    """Exact inner-product k-NN in row blocks; ``offset`` (n_D,) is subtracted from every score."""
    xp = get_namespace(Q, D)
    n = Q.shape[0]
    scores = xp.empty((n, k), dtype=Q.dtype)
    index = xp.empty((n, k), dtype=xp.int64)
    for rows, S in score_blocks(Q, D, batch_size):
        scores[rows], index[rows] = _block_topk(xp, S, k, offset)
        del S  # before the next block is computed
    return scores, index


def knn(Q, D, k, *, batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
    """Exact k nearest neighbours by inner product (cosine for unit-length rows).

    Parameters
    ----------
    Q : ndarray of shape (n_queries, dim)
    D : ndarray of shape (n_database, dim)
    k : int
        Number of neighbours; clipped to ``n_database``.
    batch_size : int
        Query rows per block; memory is ``batch_size * n_database`` floats.
    use_faiss : {'auto', True, False}
        Use ``faiss.knn`` for NumPy inputs.

    Returns
    -------
    scores : ndarray of shape (n_queries, k)
        Inner products, decreasing along each row.
    indices : ndarray of shape (n_queries, k), int64
    """
    Q, D = _check_pair(Q, D)
    return _knn(Q, D, _check_k(k, D.shape[0]), check_positive_int(batch_size, "batch_size"), use_faiss)


def _knn(Q, D, k, batch_size, use_faiss):
    """:func:`knn` on inputs already checked (the loop's inner searches skip the checks)."""
    xp = get_namespace(Q, D)
    if _use_faiss(xp, use_faiss):
        q = np.ascontiguousarray(Q, dtype=np.float32)
        d = np.ascontiguousarray(D, dtype=np.float32)
        scores, index = _faiss.knn(q, d, k, metric=_faiss.METRIC_INNER_PRODUCT)
        return scores.astype(Q.dtype, copy=False), index.astype(np.int64, copy=False)
    return _blocked_knn(Q, D, k, batch_size)


def _check_k(k, n, name="k"):
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer, float, np.floating)) \
            or int(k) != k or k < 1:
        raise ValueError(f"{name} must be a positive integer; got {k!r}")
    if n < 1:
        raise ValueError("the database is empty")
    return int(min(k, n))


def mean_topk_similarity(Q, D, k, *, batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
    """Mean inner product of each query with its ``k`` nearest rows of ``D``.

    This is CSLS's ``r`` term: ``r = mean_topk_similarity(Z, X, csls_k)`` is ``r_tgt``.

    Parameters
    ----------
    Q : ndarray of shape (n_queries, dim)
    D : ndarray of shape (n_database, dim)
    k : int
        Neighbours averaged; clipped to ``n_database``.
    batch_size : int
        Query rows per block.
    use_faiss : {'auto', True, False}

    Returns
    -------
    r : ndarray of shape (n_queries,)
    """
    Q, D = _check_pair(Q, D)
    return _mean_topk(Q, D, _check_k(k, D.shape[0]), check_positive_int(batch_size, "batch_size"), use_faiss)


def _mean_topk(Q, D, k, batch_size, use_faiss):
    """:func:`mean_topk_similarity` on inputs already checked."""
    xp = get_namespace(Q, D)
    if _use_faiss(xp, use_faiss):
        scores, _ = _knn(Q, D, k, batch_size, True)
        return scores.mean(axis=1)
    # Only the values are needed: a partition of each block (no indices, no sort), which on
    # CuPy is a selection kernel rather than the full sort behind its argpartition.
    n = D.shape[0]
    r = xp.empty(Q.shape[0], dtype=Q.dtype)
    for rows, S in score_blocks(Q, D, batch_size):
        if _cuda.usable(S, k):
            top = _cuda.topk_rows(S, k)[0]
        else:
            top = S
            if k < n:  # in place: the block is ours, and a copy would double its memory
                S *= -1
                S.partition(k - 1, axis=1)
                top = -S[:, :k]
        r[rows] = top.mean(axis=1)
        del S, top  # before the next block is computed
    return r


def csls_knn(Q, D, k, *, csls_k=10, r_src=None, r_tgt=None, batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
    """k nearest neighbours under CSLS.

    Parameters
    ----------
    Q : ndarray of shape (n_queries, dim)
    D : ndarray of shape (n_database, dim)
    k : int
    csls_k : int
        Neighbourhood size of the ``r`` terms.
    r_src : ndarray of shape (n_queries,), optional
        Precomputed ``mean_topk_similarity(Q, csls_reference(D), csls_k)``.
    r_tgt : ndarray of shape (n_database,), optional
        Precomputed ``mean_topk_similarity(D, csls_reference(Q_all), csls_k)``; pass it when ``Q`` is a
        subset of the source vocabulary, since ``r_tgt`` must be measured against the source
        space's reference words, not the queries.
    batch_size : int
        Query rows per block.
    use_faiss : {'auto', True, False}

    Returns
    -------
    scores : ndarray of shape (n_queries, k)
        ``2 cos - r_src - r_tgt``, decreasing along each row.
    indices : ndarray of shape (n_queries, k), int64
    """
    Q, D = _check_pair(Q, D)
    k = _check_k(k, D.shape[0])
    _check_k(csls_k, D.shape[0], "csls_k")
    batch_size = check_positive_int(batch_size, "batch_size")
    r_src = _check_terms(r_src, Q.shape[0], "r_src")
    r_tgt = _check_terms(r_tgt, D.shape[0], "r_tgt")
    if r_tgt is None:
        r_tgt = _mean_topk(D, csls_reference(Q), _check_k(csls_k, Q.shape[0], "csls_k"), batch_size, use_faiss)
    if r_src is None:
        r_src = _mean_topk(Q, csls_reference(D), _check_k(csls_k, D.shape[0], "csls_k"), batch_size, use_faiss)
    scores, index = _offset_knn(2 * Q, D, r_tgt, k, batch_size, use_faiss)
    return scores - r_src[:, None], index


def offset_knn(Q, D, offset, k, *, batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
    """k-NN under the score ``Q @ D.T - offset[None, :]``.

    Parameters
    ----------
    Q : ndarray of shape (n_queries, dim)
    D : ndarray of shape (n_database, dim)
    offset : ndarray of shape (n_database,)
    k : int
        Number of neighbours; clipped to ``n_database``.
    batch_size : int
        Query rows per block.
    use_faiss : {'auto', True, False}

    Returns
    -------
    scores : ndarray of shape (n_queries, k)
        Decreasing along each row.
    indices : ndarray of shape (n_queries, k), int64
    """
    Q, D = _check_pair(Q, D)
    offset = _check_terms(offset, D.shape[0], "offset")
    return _offset_knn(Q, D, offset, _check_k(k, D.shape[0]), check_positive_int(batch_size, "batch_size"),
                       use_faiss)


def _offset_knn(Q, D, offset, k, batch_size, use_faiss):
    """:func:`offset_knn` on inputs already checked.

    faiss searches the augmented vectors ``[q, -1] . [d, offset]``: the database is augmented
    :data:`OFFSET_ROWS` rows at a time and the chunks' best merged, so that a 2M-word database is
    never copied whole.
    """
    xp = get_namespace(Q, D, offset)
    if not _use_faiss(xp, use_faiss):
        return _blocked_knn(Q, D, k, batch_size, offset=offset)
    ones = xp.full((Q.shape[0], 1), -1.0, dtype=Q.dtype)
    Qa = xp.concatenate([Q, ones], axis=1)
    scores = index = None
    for start in range(0, D.shape[0], OFFSET_ROWS):
        chunk = D[start:start + OFFSET_ROWS]
        Da = xp.concatenate([chunk, offset[start:start + OFFSET_ROWS, None].astype(D.dtype)], axis=1)
        s, i = _knn(Qa, Da, min(k, chunk.shape[0]), batch_size, True)
        del Da
        if start:
            i = i + start
        if scores is None:
            scores, index = s, i
            continue
        # the chunks' best merged by score (a stable sort: among tied rows the earlier chunk's first)
        both_s, both_i = np.concatenate([scores, s], axis=1), np.concatenate([index, i], axis=1)
        order = np.argsort(-both_s, axis=1, kind="stable")[:, :k]
        scores, index = np.take_along_axis(both_s, order, axis=1), np.take_along_axis(both_i, order, axis=1)
    return scores, index


def _log_column_normaliser(X, Z, beta, batch_size):
    """``log sum_i exp(beta * x_i . z_j)`` for every column j, accumulated over row blocks.

    Each block is shifted by its column maxima before the exponentials, so they stay in (0, 1] and
    run in the inputs' precision (float32 by default, several times faster than float64); the
    column sums and the running log-sum-exp across blocks are float64, so the result stays within
    one float32 unit in the last place of the all-float64 computation (docs/defaults.md).
    """
    xp = get_namespace(X, Z)
    batch_size = block_rows(check_positive_int(batch_size, "batch_size"), Z.shape[0], cell_bytes=X.dtype.itemsize)
    running = xp.full((Z.shape[0],), -xp.inf, dtype=xp.float64)
    for start in range(0, X.shape[0], batch_size):
        S = X[start:start + batch_size] @ Z.T
        S *= beta
        block_max = S.max(axis=0)
        S -= block_max[None, :]
        xp.exp(S, out=S)
        block = block_max.astype(xp.float64) + xp.log(S.sum(axis=0, dtype=xp.float64))
        del S
        hi = xp.maximum(running, block)
        running = hi + xp.log(xp.exp(running - hi) + xp.exp(block - hi))
    return running.astype(X.dtype)


def isf_normaliser(X, D, *, beta=30.0, batch_size=DEFAULT_BATCH_SIZE):
    """The inverted softmax's normaliser of each target: ``log sum_x exp(beta x.z)`` over the source space.

    Columns are independent, so the normaliser of ``D[a:b]`` is ``isf_normaliser(X, D)[a:b]``: a caller
    may compute it in slices of targets (to report progress) and pass it to :func:`isf_knn`.

    Parameters
    ----------
    X : ndarray of shape (n_src, dim)
        The whole (mapped) source space.
    D : ndarray of shape (n_tgt, dim)
    beta : float
        Inverse temperature, > 0.
    batch_size : int
        Source rows per block (at most :data:`MAX_BLOCK_CELLS` cells of the inputs' dtype).

    Returns
    -------
    log_norm : ndarray of shape (n_tgt,)
        Of the inputs' dtype (accumulated in float64).
    """
    X, D = _check_pair(X, D, ("X", "D"))
    if not beta > 0:
        raise ValueError(f"beta must be positive; got {beta}")
    return _log_column_normaliser(X, D, beta, check_positive_int(batch_size, "batch_size"))


def isf_knn(Q, D, k, *, X=None, beta=30.0, log_norm=None, batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
    """k nearest neighbours under the inverted softmax (Smith et al., 2017).

    The score of target ``z`` for query ``q`` is ``log P(q | z) = beta q.z - log sum_x exp(beta x.z)``,
    the normaliser running over the source space ``X`` (``Q`` itself by default).

    Parameters
    ----------
    Q : ndarray of shape (n_queries, dim)
    D : ndarray of shape (n_tgt, dim)
    k : int
    X : ndarray of shape (n_src, dim), optional
        The whole source space, when ``Q`` is a subset of it.
    beta : float
        Inverse temperature, > 0.
    log_norm : ndarray of shape (n_tgt,), optional
        Precomputed :func:`isf_normaliser` of ``X`` and ``D`` (``X`` is then not read).
    batch_size : int
        Query rows per block.
    use_faiss : {'auto', True, False}

    Returns
    -------
    scores : ndarray of shape (n_queries, k)
        Log-probabilities, decreasing along each row.
    indices : ndarray of shape (n_queries, k), int64
    """
    Q, D = _check_pair(Q, D)
    if X is not None:
        X, _ = _check_pair(X, D, ("X", "D"))
    if not beta > 0:
        raise ValueError(f"beta must be positive; got {beta}")
    if log_norm is None:
        log_norm = _log_column_normaliser(Q if X is None else X, D, beta, batch_size)
    elif tuple(log_norm.shape) != (D.shape[0],):
        raise ValueError(f"log_norm must have shape ({D.shape[0]},), one value per target; got {tuple(log_norm.shape)}")
    return offset_knn(beta * Q, D, log_norm, k, batch_size=batch_size, use_faiss=use_faiss)


def retrieve(Q, D, k=1, *, method="csls", csls_k=10, r_tgt=None, r_src=None, X=None, beta=30.0, log_norm=None,
             batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
    """Translate each query: its ``k`` best rows of ``D`` under ``method`` ('nn', 'csls' or 'isf').

    Parameters
    ----------
    Q : ndarray of shape (n_queries, dim)
        Mapped source vectors (unit length for cosine).
    D : ndarray of shape (n_tgt, dim)
        Mapped target vectors.
    k : int
        Candidates per query; clipped to ``n_tgt``.
    method : {'nn', 'csls', 'isf'}
    csls_k : int
        Neighbourhood of CSLS's ``r`` terms.
    X : ndarray of shape (n_src, dim), optional
        The whole mapped source space when ``Q`` is a subset (for CSLS's ``r_tgt``
        and the inverted-softmax normaliser).
    r_tgt, r_src : ndarray of shape (n_tgt,) and (n_queries,), optional
        Precomputed CSLS ``r`` terms (see :func:`csls_knn`); ignored by the other methods.
    beta : float
        Inverse temperature of ``method='isf'``.
    log_norm : ndarray of shape (n_tgt,), optional
        Precomputed :func:`isf_normaliser` for ``method='isf'``; ignored by the other methods.
    batch_size : int
        Query rows per block.
    use_faiss : {'auto', True, False}

    Returns
    -------
    scores : ndarray of shape (n_queries, k)
    indices : ndarray of shape (n_queries, k), int64
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    if method == "nn":
        return knn(Q, D, k, batch_size=batch_size, use_faiss=use_faiss)
    if method == "csls":
        Q, D = _check_pair(Q, D)
        _check_k(csls_k, D.shape[0], "csls_k")
        if X is not None:
            X, _ = _check_pair(X, D, ("X", "D"))
        if r_tgt is None:
            r_tgt = mean_topk_similarity(D, csls_reference(Q if X is None else X), csls_k, batch_size=batch_size,
                                         use_faiss=use_faiss)
        return csls_knn(Q, D, k, csls_k=csls_k, r_src=r_src, r_tgt=r_tgt, batch_size=batch_size,
                        use_faiss=use_faiss)
    return isf_knn(Q, D, k, X=X, beta=beta, log_norm=log_norm, batch_size=batch_size, use_faiss=use_faiss)


def score_rows(Q, D, *, method="csls", r_tgt=None, log_norm=None, beta=30.0):
    """The full score matrix of a block of queries (for ranks); ``Q`` should be a small block.

    Parameters
    ----------
    Q : ndarray of shape (b, dim)
    D : ndarray of shape (n_tgt, dim)
    method : {'nn', 'csls', 'isf'}
    r_tgt : ndarray of shape (n_tgt,)
        Needed for ``method='csls'``.
    log_norm : ndarray of shape (n_tgt,)
        Needed for ``method='isf'``.
    beta : float
        Inverse temperature of ``method='isf'``.

    Returns
    -------
    S : ndarray of shape (b, n_tgt)
        Scores whose per-row order equals the method's ranking.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    if method == "csls" and r_tgt is None:
        raise ValueError("method='csls' needs r_tgt")
    if method == "isf" and log_norm is None:
        raise ValueError("method='isf' needs log_norm")
    S = Q @ D.T
    # in place: a block of a large database is up to MAX_BLOCK_CELLS cells, and is held once
    if method == "csls":
        S *= 2
        S -= r_tgt[None, :]
    elif method == "isf":
        S *= beta
        S -= log_norm[None, :]
    return S


def _check_gold(gold, n_tgt):
    """Every gold entry a sequence of integer row indices into ``D`` (negative ones would wrap)."""
    for i, entry in enumerate(gold):
        idx = np.asarray(to_numpy(entry))
        if idx.size == 0:
            continue
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise ValueError(f"gold[{i}] must be a sequence of integer row indices of D; got {entry!r}")
        if idx.min() < 0 or idx.max() >= n_tgt:
            raise ValueError(f"gold[{i}] holds row indices outside [0, {n_tgt}) of D: {idx.tolist()}")


def gold_ranks(Q, D, gold, *, method="csls", csls_k=10, X=None, beta=30.0, r_tgt=None, log_norm=None,
               batch_size=1024, use_faiss="auto"):
    """Rank (1-based) of the best-ranked gold translation of every query.

    Parameters
    ----------
    Q : ndarray of shape (n_queries, dim)
    D : ndarray of shape (n_tgt, dim)
    gold : list of int sequences, length n_queries
        Row indices into ``D`` of each query's gold translations (empty: none in vocabulary).
    method : {'nn', 'csls', 'isf'}
    csls_k : int
        Neighbourhood of CSLS's ``r`` terms.
    X : ndarray of shape (n_src, dim), optional
        The whole mapped source space, for CSLS's ``r_tgt`` and the ISF normaliser.
    beta : float
        Inverse temperature of ``method='isf'``.
    r_tgt : ndarray of shape (n_tgt,), optional
        Precomputed CSLS ``r`` term of ``D`` against the source space (saves a k-NN pass when
        the caller needs it for other searches too).
    log_norm : ndarray of shape (n_tgt,), optional
        Precomputed :func:`isf_normaliser` of the source space and ``D``, for ``method='isf'``
        (the same saving).
    batch_size : int
        Query rows per score block (memory ``batch_size * n_tgt`` floats, at most
        :data:`MAX_BLOCK_CELLS`).
    use_faiss : {'auto', True, False}
        For the ``r_tgt`` search.

    Returns
    -------
    ranks : ndarray of shape (n_queries,), float64
        ``inf`` where a query has no gold translation in ``D``. Ties count in the
        query's favour only for exactly equal scores (rank = 1 + number strictly better).
    """
    Q, D = _check_pair(Q, D)
    xp = get_namespace(Q, D)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    batch_size = check_positive_int(batch_size, "batch_size")
    if len(gold) != Q.shape[0]:
        raise ValueError(f"gold has {len(gold)} entries for {Q.shape[0]} queries")
    _check_gold(gold, D.shape[0])
    if X is not None:
        X, _ = _check_pair(X, D, ("X", "D"))
    if method == "csls":
        _check_k(csls_k, D.shape[0], "csls_k")
        r_tgt = _check_terms(r_tgt, D.shape[0], "r_tgt")
    if method == "isf" and not beta > 0:
        raise ValueError(f"beta must be positive; got {beta}")
    source = Q if X is None else X
    if method != "isf":
        log_norm = None
    elif log_norm is not None:
        log_norm = _check_terms(log_norm, D.shape[0], "log_norm")
    if method == "csls" and r_tgt is None:
        r_tgt = mean_topk_similarity(D, csls_reference(source), csls_k, batch_size=batch_size, use_faiss=use_faiss)
    elif method == "isf" and log_norm is None:
        log_norm = _log_column_normaliser(source, D, beta, batch_size)
    ranks = np.full(Q.shape[0], np.inf)
    batch_size = block_rows(batch_size, D.shape[0])
    for start in range(0, Q.shape[0], batch_size):
        S = score_rows(Q[start:start + batch_size], D, method=method, r_tgt=r_tgt, log_norm=log_norm, beta=beta)
        lengths = np.array([len(t) for t in gold[start:start + S.shape[0]]], dtype=np.int64)
        has = np.flatnonzero(lengths)
        if has.size == 0:
            del S
            continue
        # one gather and one count per block, not per row: the gold scores of every row come to the
        # host together, their per-row maximum is taken there, and the rows' counts come back at once
        rows = np.repeat(np.arange(S.shape[0]), lengths)
        cols = np.concatenate([np.asarray(gold[start + i], dtype=np.int64) for i in has])
        values = to_numpy(S[xp.asarray(rows), xp.asarray(cols)])
        best = np.full(S.shape[0], np.inf, dtype=values.dtype)  # rows without gold: nothing is better
        best[has] = np.maximum.reduceat(values, np.cumsum(lengths)[has] - lengths[has])
        better = to_numpy((S > xp.asarray(best)[:, None]).sum(axis=1))
        ranks[start + has] = 1 + better[has]
        del S  # before the next block is scored: one block at a time
    return ranks
