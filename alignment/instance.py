"""Instance-based, non-linear refinement of two aligned spaces.

An orthogonal map moves every word by the same rotation. Where the two monolingual spaces are not
isomorphic (small corpora, distant languages) the rotation leaves each dictionary pair ``(x_i, z_i)``
with a residual ``z_i - x_i`` that varies smoothly over the space: words in one region share a
common offset. After Glavaš and Vulić (ACL 2020, "InstaMap"), each word is moved along the
similarity-weighted mean residual of its nearest dictionary words. This version moves both sides
half-way towards each other (a source word along its neighbours' ``z - x``, a target word along its
neighbours' ``x - z``), with softmax weights over the ``n_neighbors`` most similar anchors.

The anchors are the distinct words of the dictionary; a word with several translations gets the
mean of its residuals. :meth:`InstanceRefinement.fit_transform` leaves each anchor's own residual
out of its move, so a dictionary word lands where an unseen word of its neighbourhood would, and
scores measured on the training dictionary (e.g. to fit re-ranking weights) stay honest.
"""
import numpy as np

from ._backend import check_positive_int, check_vectors, get_namespace, overwritable
from ._base import ParamsMixin
from .mapping import check_pairs
from .preprocess import unit
from .retrieval import DEFAULT_BATCH_SIZE, knn

DEFAULTS = {"n_neighbors": 10, "temperature": 0.1, "step": 0.3}


def _anchors(X, Z, pairs, side):
    """Distinct anchor rows of one side and their mean residual towards the other side, between unit
    rows (only the pairs' rows are normalised: no copy of a whole space).

    Returns ``(rows, vectors, residuals)``: int ndarray of shape (n_anchors,), and two ndarrays of
    shape (n_anchors, dim).
    """
    xp = get_namespace(X, Z)
    own, other = (pairs[:, 0], pairs[:, 1]) if side == "src" else (pairs[:, 1], pairs[:, 0])
    A, B = (X, Z) if side == "src" else (Z, X)
    rows, inverse = xp.unique(own, return_inverse=True)
    inverse = inverse.reshape(-1)
    residual = xp.zeros((rows.shape[0], A.shape[1]), dtype=A.dtype)
    count = xp.zeros(rows.shape[0], dtype=A.dtype)
    add_at = getattr(xp.add, "at", None)
    if add_at is None:  # CuPy before 12 has no ufunc.at; its scatter_add does the same
        import cupyx

        add_at = cupyx.scatter_add
    add_at(residual, inverse, unit(B[other]) - unit(A[own]))
    add_at(count, inverse, xp.ones_like(count[inverse]))
    return rows, unit(A[rows]), residual / count[:, None]


def _move(Q, rows_q, anchors, vectors, residuals, *, n_neighbors, temperature, step, batch_size, use_faiss):
    """Move each row of ``Q`` along the softmax-weighted residuals of its nearest anchors.

    ``rows_q`` (int ndarray of shape (n,), or None) is each query's own row index in its space; an
    anchor with that index is left out of the query's neighbours (leave-one-out).
    """
    xp = get_namespace(Q, vectors)
    k = min(n_neighbors + (rows_q is not None), vectors.shape[0])
    sims, idx = knn(Q, vectors, k, batch_size=batch_size, use_faiss=use_faiss)
    if rows_q is not None:
        sims = sims.copy()
        sims[anchors[idx] == rows_q[:, None]] = -np.inf
        # the self-match, where present, sorts last; keep the n_neighbors best of the rest
        order = xp.argsort(-sims, axis=1)[:, :n_neighbors]
        sims = xp.take_along_axis(sims, order, axis=1)
        idx = xp.take_along_axis(idx, order, axis=1)
    # rows are sorted, the first is the largest; a row whose only anchor was itself has none left
    top = sims[:, :1].copy()
    top[~xp.isfinite(top)] = 0
    weights = xp.exp((sims - top) / temperature)
    weights /= xp.maximum(weights.sum(axis=1, keepdims=True), xp.finfo(weights.dtype).tiny)
    out = Q.copy()
    for start in range(0, Q.shape[0], batch_size):
        stop = start + batch_size
        out[start:stop] += step * xp.einsum("nk,nkd->nd", weights[start:stop], residuals[idx[start:stop]])
    return unit(out)


class InstanceRefinement(ParamsMixin):
    """Move each word along the residuals of its nearest dictionary words (non-linear refinement).

    Parameters
    ----------
    n_neighbors : int
        Anchors (distinct dictionary words of the same side) averaged per word.
    temperature : float
        Softmax temperature over the anchors' cosine similarities (smaller: the nearest dominate).
    step : float
        Fraction of the weighted residual each side moves; 0.5 on both sides would meet in the
        middle. 0 leaves the spaces as they are.
    symmetric : bool
        Move the target side too (towards the source); ``False`` moves only the source side, by
        ``2 * step``, like the original InstaMap.
    batch_size : int
        Query rows per similarity block.
    use_faiss : {'auto', True, False}

    Attributes
    ----------
    src_anchors_ : int ndarray of shape (n_src_anchors,)
        Source rows of the dictionary.
    src_vectors_, src_residuals_ : ndarray of shape (n_src_anchors, dim)
        Their unit vectors and mean residuals towards their translations.
    tgt_anchors_, tgt_vectors_, tgt_residuals_ : the same for the target side.
    """

    def __init__(self, *, n_neighbors=DEFAULTS["n_neighbors"], temperature=DEFAULTS["temperature"],
                 step=DEFAULTS["step"], symmetric=True, batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
        self.n_neighbors = n_neighbors
        self.temperature = temperature
        self.step = step
        self.symmetric = symmetric
        self.batch_size = batch_size
        self.use_faiss = use_faiss

    def _validate(self):
        check_positive_int(self.n_neighbors, "n_neighbors")
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0; got {self.temperature!r}")
        if not 0 <= self.step <= 1:
            raise ValueError(f"step must be in [0, 1]; got {self.step!r}")
        check_positive_int(self.batch_size, "batch_size")

    def fit(self, X, Z, pairs):
        """Learn the anchors and their residuals.

        Parameters
        ----------
        X : ndarray of shape (n_src, dim)
            Source vectors already mapped into the shared space.
        Z : ndarray of shape (n_tgt, dim)
            Target vectors in the shared space.
        pairs : int ndarray of shape (n_pairs, 2)
            Dictionary ``(source row, target row)`` pairs, e.g. the seed or the final dictionary.

        Returns
        -------
        self
        """
        self._validate()
        X, Z = check_vectors(X, name="X"), check_vectors(Z, name="Z")
        xp = get_namespace(X, Z)
        if X.shape[1] != Z.shape[1]:
            raise ValueError(f"X and Z must be 2-d with the same dimension; got shapes {X.shape} and {Z.shape}")
        pairs = check_pairs(pairs, X.shape[0], Z.shape[0], xp)
        self.src_anchors_, self.src_vectors_, self.src_residuals_ = _anchors(X, Z, pairs, "src")
        self.tgt_anchors_, self.tgt_vectors_, self.tgt_residuals_ = _anchors(X, Z, pairs, "tgt")
        return self

    def _check_fitted(self):
        if not hasattr(self, "src_anchors_"):
            raise ValueError("InstanceRefinement is not fitted; call fit(X, Z, pairs) first")

    def _transform(self, side, V, rows):
        """Refine the vectors ``V`` of one side (``'src'`` or ``'tgt'``); unit rows out."""
        self._check_fitted()
        V = check_vectors(V, name="X" if side == "src" else "Z")
        xp = get_namespace(V)
        dim = getattr(self, f"{side}_vectors_").shape[1]
        if V.shape[1] != dim:
            raise ValueError(f"the vectors have {V.shape[1]} dimensions; the refinement was fitted on {dim}")
        steps = (self.step, self.step) if self.symmetric else (min(1.0, 2 * self.step), 0.0)
        step = steps[0] if side == "src" else steps[1]
        Vu = unit(V)
        if step == 0:
            return Vu
        if rows is not None:
            rows = xp.asarray(rows)
            if rows.shape != (V.shape[0],) or rows.dtype.kind not in "iu":
                raise ValueError(f"rows must be one integer row index per vector, shape ({V.shape[0]},); "
                                 f"got shape {rows.shape}, dtype {rows.dtype}")
        return _move(Vu, rows, getattr(self, f"{side}_anchors_"), getattr(self, f"{side}_vectors_"),
                     getattr(self, f"{side}_residuals_"), n_neighbors=self.n_neighbors,
                     temperature=self.temperature, step=step, batch_size=self.batch_size, use_faiss=self.use_faiss)

    def transform_src(self, X, *, rows=None):
        """Refine source vectors (in the shared space); unit rows out.

        Parameters
        ----------
        X : ndarray of shape (n, dim)
        rows : int ndarray of shape (n,), optional
            Each vector's row in the source space the refinement was fitted on, so that an anchor
            does not use its own residual.

        Returns
        -------
        ndarray of shape (n, dim), unit rows
        """
        return self._transform("src", X, rows)

    def transform_tgt(self, Z, *, rows=None):
        """Refine target vectors (in the shared space); unit rows out.

        Parameters
        ----------
        Z : ndarray of shape (n, dim)
        rows : int ndarray of shape (n,), optional
            As in :meth:`transform_src`, for the target space.

        Returns
        -------
        ndarray of shape (n, dim), unit rows
        """
        return self._transform("tgt", Z, rows)

    def fit_transform(self, X, Z, pairs, *, copy=True):
        """Fit on ``pairs`` and refine the same spaces, each anchor leaving its own residual out.

        Parameters
        ----------
        X : ndarray of shape (n_src, dim)
        Z : ndarray of shape (n_tgt, dim)
        pairs : int ndarray of shape (n_pairs, 2)
            As in :meth:`fit`.
        copy : bool, default True
            False: refine writable float ``X`` and ``Z`` in place, in blocks of ``batch_size`` rows
            (no second copy of a large space), and return them.

        Returns
        -------
        X_refined : ndarray of shape (n_src, dim)
        Z_refined : ndarray of shape (n_tgt, dim)
        """
        xp = get_namespace(X, Z)
        self.fit(X, Z, pairs)
        out = []
        for side, V in (("src", X), ("tgt", Z)):
            if copy or not overwritable(V):
                out.append(self._transform(side, V, xp.arange(V.shape[0])))
                continue
            for start in range(0, V.shape[0], self.batch_size):
                stop = min(V.shape[0], start + self.batch_size)
                V[start:stop] = self._transform(side, V[start:stop], xp.arange(start, stop))
            out.append(V)
        return tuple(out)
