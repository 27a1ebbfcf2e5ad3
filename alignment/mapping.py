"""Linear maps between two embedding spaces, learned from a dictionary of index pairs.

Estimators: :class:`OrthogonalMapping` (Procrustes), :class:`LeastSquaresMapping`,
:class:`MultiStepMapping` (VecMap's framework) and :class:`RCSLSMapping` (trained on the retrieval
criterion). Every estimator maps *both* spaces into a shared one: ``X @ W_src_`` and ``Z @ W_tgt_``.
For the orthogonal map ``W_tgt_`` is the identity; VecMap's multi-step framework
(Artetxe et al., AAAI 2018) moves both sides.

``fit(X, Z, pairs)`` takes

X : ndarray of shape (n_src, dim_src)
Z : ndarray of shape (n_tgt, dim_tgt)
pairs : int ndarray of shape (n_pairs, 2)
    Row ``(i, j)`` says that ``X[i]`` translates to ``Z[j]``.
"""
import numpy as np

from ._backend import check_positive_int as _positive
from ._backend import check_vectors, get_namespace, to_numpy
from ._base import ParamsMixin
from .retrieval import _knn


def check_pairs(pairs, n_src, n_tgt, xp=None):
    """Validate a dictionary of index pairs and return it as an int64 array of shape (n, 2).

    Out-of-range indices raise (CuPy would silently wrap them).

    Parameters
    ----------
    pairs : int array-like of shape (n_pairs, 2)
        NumPy or CuPy; checked on the host.
    n_src, n_tgt : int
        Rows of the source and target spaces the indices point into.
    xp : module, optional
        Namespace of the result; ``None`` or ``numpy`` returns a NumPy array.

    Returns
    -------
    pairs : ndarray of shape (n_pairs, 2), int64

    Raises
    ------
    ValueError
        For a wrong shape, no pairs, or indices out of range.
    TypeError
        For non-integer indices.
    """
    host = np.asarray(to_numpy(pairs))
    if host.ndim != 2 or host.shape[1] != 2:
        raise ValueError(f"pairs must have shape (n_pairs, 2); got {host.shape}")
    if host.shape[0] == 0:
        raise ValueError("pairs is empty: a mapping needs at least one dictionary pair")
    if not np.issubdtype(host.dtype, np.integer):
        raise TypeError(f"pairs must hold integer indices; got dtype {host.dtype}")
    if host.min() < 0 or host[:, 0].max() >= n_src or host[:, 1].max() >= n_tgt:
        raise ValueError(f"pairs hold indices out of range for n_src={n_src}, n_tgt={n_tgt}")
    host = host.astype(np.int64, copy=False)
    return host if xp is None or xp is np else xp.asarray(host)


def procrustes(A, B):
    """Orthogonal ``W`` minimising ``||A W - B||_F`` (Schönemann, 1966).

    Parameters
    ----------
    A : ndarray of shape (n, dim)
    B : ndarray of shape (n, dim)

    Returns
    -------
    W : ndarray of shape (dim, dim), orthogonal (float32 for integer input)
    """
    A, B = check_vectors(A, name="A"), check_vectors(B, name="B")
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have one row per pair; got {A.shape[0]} and {B.shape[0]} rows")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"orthogonal mapping needs equal dimensions; got src dim={A.shape[1]}, "
                         f"tgt dim={B.shape[1]}")
    return polar_factor(A.T @ B).astype(A.dtype, copy=False)


def polar_factor(M, *, method="auto", max_iter=32, tol=1e-9):
    """The orthogonal polar factor ``U V^T`` of a square ``M = U S V^T``.

    ``method='svd'`` takes it from the SVD. ``'newton-schulz'`` iterates the quintic
    Newton-Schulz step ``Y <- Y p(Y^T Y)`` with ``p(x) = 2.5 x - 2.5 x^3 + x^5`` on the singular
    values, in float64 from ``Y = M / ||M||_F``. ``p`` fixes 1 with zero slope (quadratic
    convergence there), multiplies small singular values by 2.5 per step (the cubic step
    ``(3 x - x^3) / 2`` by 1.5, so it needs about half the steps),
    and keeps ``[0, 1]`` inside ``(0, 1.07]``, below its repelling fixed point ``sqrt(1.5)``.
    When it has not reached ``max |Y^T Y - I| < tol`` within ``max_iter`` steps (``M`` singular or
    very ill-conditioned, where ``U V^T`` is not unique anyway) the SVD decides. ``'auto'`` picks
    the SVD on NumPy (LAPACK) and Newton-Schulz on CuPy, where a small SVD is latency-bound and
    would cost as much as the iteration's large products (docs/defaults.md).

    Parameters
    ----------
    M : ndarray of shape (dim, dim)
    method : {'auto', 'svd', 'newton-schulz'}
    max_iter : int
        Newton-Schulz steps before the SVD takes over. 32 reach condition numbers up to about
        1e10 (27 steps at 1e8); the zero singular values of a singular ``M`` hold only rounding
        noise (1e-16 of the largest), which 40 steps would inflate into an arbitrary completion,
        so they are left to the SVD.
    tol : float
        Convergence threshold on ``max |Y^T Y - I|``.

    Returns
    -------
    W : ndarray of shape (dim, dim), orthogonal, dtype of ``M`` (float32 for integer ``M``)
    """
    if method not in ("auto", "svd", "newton-schulz"):
        raise ValueError(f"method must be 'auto', 'svd' or 'newton-schulz'; got {method!r}")
    M = check_vectors(M, name="M")
    xp = get_namespace(M)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"M must be square; got shape {M.shape}")
    if method == "newton-schulz" or (method == "auto" and xp is not np):
        Y = M.astype(xp.float64)
        norm = float(xp.linalg.norm(Y))
        if norm > 0 and np.isfinite(norm):
            Y = Y / norm
            eye = xp.eye(M.shape[0], dtype=xp.float64)
            for step in range(1, max_iter + 1):
                G = Y.T @ Y
                # each check waits for the device; well-conditioned M need 8 steps or more
                if step >= 8 and step % 2 == 0 and float(xp.abs(G - eye).max()) < tol:
                    return Y.astype(M.dtype, copy=False)
                Y = Y @ _quintic(G, G @ G)
    U, _, Vt = xp.linalg.svd(M)
    return (U @ Vt).astype(M.dtype, copy=False)


#: ``p(x) = a x + b x^3 + c x^5`` of :func:`polar_factor`'s Newton-Schulz step, from ``p(1) = 1``,
#: ``p'(1) = 0`` and the slope ``a`` at 0 (a = 1.875 is the classical quintic; above about 2.8 the
#: maximum of ``p`` on [0, 1] nears the repelling fixed point and the iteration can diverge).
NS_COEFFICIENTS = (2.5, -2.5, 1.0)


def _quintic(G, G2):
    """``a I + b G + c G2`` for square ``G``: the matrix polynomial of one Newton-Schulz step."""
    xp = get_namespace(G, G2)
    a, b, c = NS_COEFFICIENTS
    if xp is not np:
        from . import _cuda

        return _cuda.quintic_step(G, G2, a, b, c)  # one kernel instead of five elementwise ops
    H = b * G + c * G2
    H[np.diag_indices_from(H)] += a
    return H


def _inv_sqrt_psd(C, eps):
    """``C^{-1/2}`` of a symmetric PSD matrix, eigenvalues floored at ``eps * max``."""
    xp = get_namespace(C)
    w, V = xp.linalg.eigh(C.astype(xp.float64))
    w = xp.maximum(w, eps * float(w.max()))
    return ((V / xp.sqrt(w)[None, :]) @ V.T)


def _sqrt_psd(C, eps):
    xp = get_namespace(C)
    w, V = xp.linalg.eigh(C.astype(xp.float64))
    w = xp.maximum(w, eps * float(w.max()))
    return (V * xp.sqrt(w)[None, :]) @ V.T


class _Mapping(ParamsMixin):
    def _inputs(self, X, Z, pairs):
        """Validated ``(X, Z, pairs)`` of :meth:`fit`."""
        X, Z = check_vectors(X, name="X"), check_vectors(Z, name="Z")
        xp = get_namespace(X, Z)
        return X, Z, check_pairs(pairs, X.shape[0], Z.shape[0], xp)

    def _apply(self, V, W, name):
        V = check_vectors(V, name=name)
        if V.shape[1] != W.shape[0]:
            raise ValueError(f"{name} has {V.shape[1]} dimensions; the mapping was fitted on {W.shape[0]}")
        return V @ W.astype(V.dtype, copy=False)

    def transform_src(self, X):
        """Map source vectors into the shared space.

        Parameters
        ----------
        X : ndarray of shape (n, dim_src)

        Returns
        -------
        ndarray of shape (n, dim_out), dtype of ``X``
        """
        self._check_fitted()
        return self._apply(X, self.W_src_, "X")

    def transform_tgt(self, Z):
        """Map target vectors into the shared space.

        Parameters
        ----------
        Z : ndarray of shape (n, dim_tgt)

        Returns
        -------
        ndarray of shape (n, dim_out), dtype of ``Z``
        """
        self._check_fitted()
        return self._apply(Z, self.W_tgt_, "Z")

    def transform(self, X, Z):
        """Both spaces mapped: ``(X @ W_src_, Z @ W_tgt_)``.

        Parameters
        ----------
        X : ndarray of shape (n_src, dim_src)
        Z : ndarray of shape (n_tgt, dim_tgt)

        Returns
        -------
        X_mapped : ndarray of shape (n_src, dim_out)
        Z_mapped : ndarray of shape (n_tgt, dim_out)
        """
        return self.transform_src(X), self.transform_tgt(Z)

    def _check_fitted(self):
        if not hasattr(self, "W_src_"):
            raise ValueError(f"{type(self).__name__} is not fitted; call fit(X, Z, pairs) first")


class OrthogonalMapping(_Mapping):
    """Orthogonal Procrustes: ``W_src_`` is the rotation that best maps dictionary sources onto targets.

    Attributes
    ----------
    W_src_ : ndarray of shape (dim, dim)
    W_tgt_ : ndarray of shape (dim, dim), the identity
    """

    def fit(self, X, Z, pairs):
        """Learn ``W_src_`` and ``W_tgt_`` from the dictionary ``pairs``.

        Parameters
        ----------
        X : ndarray of shape (n_src, dim)
        Z : ndarray of shape (n_tgt, dim)
        pairs : int ndarray of shape (n_pairs, 2)
            Row ``(i, j)``: ``X[i]`` translates to ``Z[j]``.

        Returns
        -------
        self
        """
        X, Z, pairs = self._inputs(X, Z, pairs)
        xp = get_namespace(X, Z)
        self.W_src_ = procrustes(X[pairs[:, 0]], Z[pairs[:, 1]])
        self.W_tgt_ = xp.eye(Z.shape[1], dtype=Z.dtype)
        return self


class LeastSquaresMapping(_Mapping):
    """Unconstrained linear map (Mikolov et al., 2013): ``W_src_ = argmin ||X_d W - Z_d||``.

    Parameters
    ----------
    alpha : float
        Ridge penalty; 0 is ordinary least squares.

    Attributes
    ----------
    W_src_ : ndarray of shape (dim_src, dim_tgt)
    W_tgt_ : ndarray of shape (dim_tgt, dim_tgt), the identity
    """

    def __init__(self, *, alpha=0.0):
        self.alpha = alpha

    def fit(self, X, Z, pairs):
        """Learn ``W_src_`` and ``W_tgt_`` from the dictionary ``pairs``.

        Parameters
        ----------
        X : ndarray of shape (n_src, dim_src)
        Z : ndarray of shape (n_tgt, dim_tgt)
        pairs : int ndarray of shape (n_pairs, 2)
            Row ``(i, j)``: ``X[i]`` translates to ``Z[j]``.

        Returns
        -------
        self
        """
        if not self.alpha >= 0:
            raise ValueError(f"alpha must be >= 0; got {self.alpha}")
        X, Z, pairs = self._inputs(X, Z, pairs)
        xp = get_namespace(X, Z)
        A = X[pairs[:, 0]].astype(xp.float64)
        B = Z[pairs[:, 1]].astype(xp.float64)
        G = A.T @ A + self.alpha * xp.eye(A.shape[1])
        self.W_src_ = xp.linalg.lstsq(G, A.T @ B, rcond=None)[0].astype(X.dtype)
        self.W_tgt_ = xp.eye(Z.shape[1], dtype=Z.dtype)
        return self


class MultiStepMapping(_Mapping):
    """VecMap's multi-step framework: whiten, orthogonal map, re-weight, de-whiten, reduce.

    With the defaults this is VecMap's ``--supervised`` recipe. Steps (on the dictionary rows
    ``X_d``, ``Z_d``):

    1. whitening ``M_x = (X_d^T X_d)^{-1/2}``, ``M_z = (Z_d^T Z_d)^{-1/2}``;
    2. orthogonal mapping ``U, s, V^T = svd((X_d M_x)^T (Z_d M_z))``, both sides rotated;
    3. re-weighting of the shared dimensions by ``s ** src_reweight`` and ``s ** tgt_reweight``;
    4. de-whitening with the source (``'src'``) or target (``'tgt'``) whitening inverse,
       expressed in the rotated basis;
    5. dimensionality reduction to the first ``dim_reduction`` shared dimensions.

    Parameters
    ----------
    whiten : bool
    src_reweight, tgt_reweight : float
        Powers of the singular values (0 disables re-weighting).
    src_dewhiten, tgt_dewhiten : {'src', 'tgt', None}
    dim_reduction : int or None
    eps : float
        Eigenvalue floor (relative) for whitening; keeps tiny dictionaries (fewer pairs
        than dimensions) from blowing up.

    Attributes
    ----------
    W_src_ : ndarray of shape (dim_src, dim_out)
    W_tgt_ : ndarray of shape (dim_tgt, dim_out)
    singular_values_ : ndarray of shape (dim,)
    """

    def __init__(self, *, whiten=True, src_reweight=0.5, tgt_reweight=0.5, src_dewhiten="src",
                 tgt_dewhiten="tgt", dim_reduction=None, eps=1e-6):
        self.whiten = whiten
        self.src_reweight = src_reweight
        self.tgt_reweight = tgt_reweight
        self.src_dewhiten = src_dewhiten
        self.tgt_dewhiten = tgt_dewhiten
        self.dim_reduction = dim_reduction
        self.eps = eps

    def fit(self, X, Z, pairs):
        """Learn ``W_src_`` and ``W_tgt_`` from the dictionary ``pairs``.

        Parameters
        ----------
        X : ndarray of shape (n_src, dim)
        Z : ndarray of shape (n_tgt, dim)
        pairs : int ndarray of shape (n_pairs, 2)
            Row ``(i, j)``: ``X[i]`` translates to ``Z[j]``.

        Returns
        -------
        self
        """
        for name in ("src_dewhiten", "tgt_dewhiten"):
            if getattr(self, name) not in ("src", "tgt", None):
                raise ValueError(f"{name} must be 'src', 'tgt' or None; got {getattr(self, name)!r}")
        X, Z, pairs = self._inputs(X, Z, pairs)
        xp = get_namespace(X, Z)
        if X.shape[1] != Z.shape[1]:
            raise ValueError(f"the multi-step mapping needs equal dimensions; got src dim={X.shape[1]}, "
                             f"tgt dim={Z.shape[1]}")
        if self.dim_reduction is not None and not (
                isinstance(self.dim_reduction, (int, np.integer)) and not isinstance(self.dim_reduction, bool)
                and 0 < self.dim_reduction <= X.shape[1]):
            raise ValueError(f"dim_reduction must be None or an integer in [1, {X.shape[1]}]; "
                             f"got {self.dim_reduction!r}")
        Xd = X[pairs[:, 0]].astype(xp.float64)
        Zd = Z[pairs[:, 1]].astype(xp.float64)
        dim = X.shape[1]
        eye = xp.eye(dim)
        if self.whiten:
            Mx, Mz = _inv_sqrt_psd(Xd.T @ Xd, self.eps), _inv_sqrt_psd(Zd.T @ Zd, self.eps)
            Mx_inv, Mz_inv = _sqrt_psd(Xd.T @ Xd, self.eps), _sqrt_psd(Zd.T @ Zd, self.eps)
        else:
            Mx = Mz = Mx_inv = Mz_inv = eye
        U, s, Vt = xp.linalg.svd((Xd @ Mx).T @ (Zd @ Mz))
        V = Vt.T
        Wx = Mx @ U * (s ** self.src_reweight)[None, :]
        Wz = Mz @ V * (s ** self.tgt_reweight)[None, :]
        dewhiten = {"src": U.T @ Mx_inv @ U, "tgt": V.T @ Mz_inv @ V, None: eye}
        if self.whiten:
            Wx = Wx @ dewhiten[self.src_dewhiten]
            Wz = Wz @ dewhiten[self.tgt_dewhiten]
        if self.dim_reduction:
            Wx, Wz = Wx[:, :self.dim_reduction], Wz[:, :self.dim_reduction]
        self.W_src_ = Wx.astype(X.dtype)
        self.W_tgt_ = Wz.astype(Z.dtype)
        self.singular_values_ = s.astype(X.dtype)
        return self


class RCSLSMapping(_Mapping):
    """A linear map trained on the relaxed CSLS criterion (Joulin et al., EMNLP 2018, "RCSLS").

    Procrustes fits the dictionary pairs and leaves retrieval to CSLS; this map optimises the
    retrieval criterion itself. For each pair ``(x_i, z_i)`` the loss is

    ``-2 x_i W . z_i + mean_{z in N_k(x_i W)} x_i W . z + mean_{x in N_k(z_i)} x W . z_i``,

    the negated CSLS score of the pair with each neighbourhood ``N_k`` taken over the first
    ``n_negatives`` rows of the other space (the most frequent words) and held fixed within a step
    (a subgradient, as in the paper). Full-batch gradient descent from the Procrustes solution, with
    a step that halves whenever the loss would rise; ``spectral=True`` caps the singular values of
    ``W`` at 1 after every step, which keeps the map close to the orthogonal one on small dictionaries.
    Expects unit-length rows (the self-learning loop's normalisation). ``W_tgt_`` is the identity.

    Parameters
    ----------
    csls_k : int
        Neighbourhood size of the two CSLS terms.
    n_negatives : int or None
        Rows of each space searched for neighbours; None: all.
    max_iter : int
        Gradient steps (accepted or rejected).
    learning_rate : float
        Initial step size.
    spectral : bool
        Cap the singular values of ``W`` at 1.
    tol : float
        Stop when an accepted step lowers the loss by less than ``tol``.
    batch_size : int
        Query rows per similarity block of the neighbour searches.
    use_faiss : {'auto', True, False}

    Attributes
    ----------
    W_src_ : ndarray of shape (dim, dim)
    W_tgt_ : ndarray of shape (dim, dim), the identity
    loss_history_ : list of float
        The loss after Procrustes, then after each accepted step.
    n_iter_ : int
        Gradient steps taken.
    """

    def __init__(self, *, csls_k=10, n_negatives=None, max_iter=20, learning_rate=1.0, spectral=True, tol=1e-5,
                 batch_size=4096, use_faiss="auto"):
        self.csls_k = csls_k
        self.n_negatives = n_negatives
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.spectral = spectral
        self.tol = tol
        self.batch_size = batch_size
        self.use_faiss = use_faiss

    def _loss_grad(self, W, Xs, Zs, Xneg, Zneg, k):
        """RCSLS loss and its (sub)gradient at ``W``."""
        xp = get_namespace(Xs, Zs)
        n = Xs.shape[0]
        A = Xs @ W
        fwd, fwd_idx = _knn(A, Zneg, min(k, Zneg.shape[0]), self.batch_size, self.use_faiss)
        XnegW = Xneg @ W
        bwd, bwd_idx = _knn(Zs, XnegW, min(k, Xneg.shape[0]), self.batch_size, self.use_faiss)
        loss = (-2 * float((A * Zs).sum()) + float(fwd.sum()) / fwd.shape[1] + float(bwd.sum()) / bwd.shape[1]) / n
        # neighbour means one column at a time: (n, dim) in memory, never (n, k, dim)
        Zbar = sum(Zneg[fwd_idx[:, j]] for j in range(fwd_idx.shape[1])) / fwd_idx.shape[1]
        Xbar = sum(Xneg[bwd_idx[:, j]] for j in range(bwd_idx.shape[1])) / bwd_idx.shape[1]
        grad = (Xs.T @ (Zbar - 2 * Zs) + Xbar.T @ Zs) / n
        return loss, grad.astype(xp.float64)

    def fit(self, X, Z, pairs):
        """Learn ``W_src_`` from the dictionary ``pairs``.

        Parameters
        ----------
        X : ndarray of shape (n_src, dim)
            Unit-length source vectors, most frequent words first.
        Z : ndarray of shape (n_tgt, dim)
            Unit-length target vectors, most frequent words first.
        pairs : int ndarray of shape (n_pairs, 2)
            Row ``(i, j)``: ``X[i]`` translates to ``Z[j]``.

        Returns
        -------
        self
        """
        X, Z, pairs = self._inputs(X, Z, pairs)
        xp = get_namespace(X, Z)
        if X.shape[1] != Z.shape[1]:
            raise ValueError(f"RCSLS needs equal dimensions; got src dim={X.shape[1]}, tgt dim={Z.shape[1]}")
        k = _positive(self.csls_k, "csls_k")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 0:
            raise ValueError(f"max_iter must be an integer >= 0 (0: the Procrustes map); got {self.max_iter!r}")
        _positive(self.batch_size, "batch_size")
        if self.n_negatives is not None:
            _positive(self.n_negatives, "n_negatives")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0; got {self.learning_rate!r}")
        if not self.tol >= 0:
            raise ValueError(f"tol must be >= 0; got {self.tol!r}")
        Xs, Zs = X[pairs[:, 0]], Z[pairs[:, 1]]
        Xneg, Zneg = X[:self.n_negatives], Z[:self.n_negatives]
        W = procrustes(Xs, Zs).astype(xp.float64)
        loss, grad = self._loss_grad(W.astype(X.dtype), Xs, Zs, Xneg, Zneg, k)
        history, lr, it = [loss], float(self.learning_rate), 0
        for it in range(1, int(self.max_iter) + 1):
            W_new = W - lr * grad
            if self.spectral:
                U, s, Vt = xp.linalg.svd(W_new)
                W_new = (U * xp.minimum(s, 1.0)[None, :]) @ Vt
            new_loss, new_grad = self._loss_grad(W_new.astype(X.dtype), Xs, Zs, Xneg, Zneg, k)
            if new_loss > loss:  # overshot: a smaller step from the same point
                lr /= 2
                continue
            gain = loss - new_loss
            W, loss, grad = W_new, new_loss, new_grad
            history.append(loss)
            if gain < self.tol:
                break
        self.W_src_ = W.astype(X.dtype)
        self.W_tgt_ = xp.eye(Z.shape[1], dtype=Z.dtype)
        self.loss_history_ = history
        self.n_iter_ = it
        return self


MAPPINGS = {"orthogonal": OrthogonalMapping, "least_squares": LeastSquaresMapping, "multistep": MultiStepMapping,
            "rcsls": RCSLSMapping}


def make_mapping(name, **params):
    """Build a mapping estimator by name ('orthogonal', 'least_squares', 'multistep').

    Parameters
    ----------
    name : {'orthogonal', 'least_squares', 'multistep'}
    **params
        Keyword parameters of the estimator's constructor.

    Returns
    -------
    OrthogonalMapping, LeastSquaresMapping or MultiStepMapping
        Unfitted.
    """
    if name not in MAPPINGS:
        raise ValueError(f"mapping must be one of {tuple(MAPPINGS)}; got {name!r}")
    cls = MAPPINGS[name]
    unknown = sorted(set(params) - set(cls._param_names()))
    if unknown:
        raise ValueError(f"mapping {name!r} has no parameter(s) {unknown}; its parameters are "
                         f"{cls._param_names()}")
    return cls(**params)
