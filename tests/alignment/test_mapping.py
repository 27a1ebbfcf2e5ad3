"""Linear maps: Procrustes, least squares and the multi-step framework, on closed-form cases."""
import numpy as np
import pytest

from offramp.alignment._backend import to_numpy
from offramp.alignment.mapping import (MAPPINGS, LeastSquaresMapping, MultiStepMapping, OrthogonalMapping, RCSLSMapping,
                                       check_pairs, make_mapping, polar_factor, procrustes)

EPS32 = np.finfo(np.float32).eps


def _rotation_2d(theta):
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, s], [-s, c]])


def _random_orthogonal(rng, dim):
    Q, R = np.linalg.qr(rng.standard_normal((dim, dim)))
    return Q * np.sign(np.diag(R))[None, :]


@pytest.mark.parametrize("W_true", [
    _rotation_2d(np.pi / 6),
    _rotation_2d(-2.0),
    np.array([[1.0, 0.0], [0.0, -1.0]]),  # a reflection is orthogonal too
    np.eye(2),
])
def test_procrustes_recovers_a_2d_rotation(xp, W_true):
    A = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0], [0.5, 3.0]], dtype=np.float32)
    B = (A @ W_true).astype(np.float32)
    W = procrustes(xp.asarray(A), xp.asarray(B))
    assert W.dtype == np.float32 and W.shape == (2, 2)
    # A^T B = (A^T A) W_true with A^T A positive definite, so W_true is the unique solution;
    # float32 inputs and a 2x2 SVD: errors of a few eps
    np.testing.assert_allclose(to_numpy(W), W_true, atol=20 * EPS32)


def test_procrustes_on_hand_computed_case(xp):
    # A = I: A^T B = B, so W is the orthogonal polar factor of B. For B = diag(2, 3) that is I,
    # and for B = [[0, 2], [3, 0]] it is [[0, 1], [1, 0]].
    A = xp.asarray(np.eye(2, dtype=np.float32))
    for B, expected in ((np.diag([2.0, 3.0]), np.eye(2)), (np.array([[0.0, 2.0], [3.0, 0.0]]), [[0, 1], [1, 0]])):
        W = procrustes(A, xp.asarray(B.astype(np.float32)))
        np.testing.assert_allclose(to_numpy(W), expected, atol=10 * EPS32)


@pytest.mark.parametrize("method", ["svd", "newton-schulz", "auto"])
@pytest.mark.parametrize("cond", [1.0, 1e2, 1e5])
def test_polar_factor_methods_agree(xp, method, cond):
    # M = U diag(s) V^T with a known U V^T; the singular values spread over `cond`. The factor is
    # unique for a nonsingular M, so every method must find it. Float64 throughout: the
    # iteration stops at max|Y^T Y - I| < 1e-9, and the factor's error is about that times cond
    # / (s_i + s_j) at worst, well inside 1e-6.
    rng = np.random.default_rng(3)
    U, V = _random_orthogonal(rng, 40), _random_orthogonal(rng, 40)
    s = np.geomspace(1.0, 1.0 / cond, 40)
    M = (U * s[None, :]) @ V.T
    W = polar_factor(xp.asarray(M), method=method)
    np.testing.assert_allclose(to_numpy(W), U @ V.T, atol=1e-6)


def test_newton_schulz_polynomial(xp):
    # the step's polynomial a I + b G + c G2 on a non-symmetric 3 x 3 example, against the
    # formula in float64 (the CuPy kernel sums the same three terms, so only rounding can differ)
    from offramp.alignment.mapping import NS_COEFFICIENTS, _quintic

    G = np.arange(9, dtype=np.float64).reshape(3, 3) / 10
    G2 = G @ G
    a, b, c = NS_COEFFICIENTS
    H = to_numpy(_quintic(xp.asarray(G), xp.asarray(G2)))
    np.testing.assert_allclose(H, a * np.eye(3) + b * G + c * G2, rtol=0, atol=1e-15)
    # the scalar map: p(1) = 1, p'(1) = 0, and [0, 1] stays in (0, 1.07], below sqrt(1.5)
    x = np.linspace(1e-6, 1, 10001)
    p = a * x + b * x**3 + c * x**5
    assert a + b + c == 1 and a + 3 * b + 5 * c == 0
    assert p.min() > 0 and p.max() < 1.07 < np.sqrt(1.5)


def test_polar_factor_singular_falls_back_to_svd(xp):
    # rank 3 of 6: Newton-Schulz leaves the null space at zero, misses the tolerance and the SVD
    # answers; any orthogonal completion is a valid factor, so check orthogonality and the fit
    rng = np.random.default_rng(4)
    M = rng.standard_normal((6, 3)) @ rng.standard_normal((3, 6))
    W = to_numpy(polar_factor(xp.asarray(M), method="newton-schulz"))
    np.testing.assert_allclose(W.T @ W, np.eye(6), atol=1e-10)
    U, s, Vt = np.linalg.svd(M)
    np.testing.assert_allclose(np.trace(W.T @ M), s.sum(), rtol=1e-10)  # W maximises tr(W^T M)
    # and it is the SVD's completion: within max_iter steps the rounding noise in the null space
    # (1e-16) does not grow into an arbitrary one (the same inputs give the same factor)
    np.testing.assert_allclose(W, to_numpy(polar_factor(xp.asarray(M), method="svd")), atol=1e-12)


@pytest.mark.parametrize("bad, match", [("qr", "method must be"), (None, "must be square")])
def test_polar_factor_rejects(bad, match):
    M = np.eye(3) if bad else np.ones((3, 2))
    with pytest.raises(ValueError, match=match):
        polar_factor(M, method=bad or "auto")


def test_procrustes_dimension_mismatch(xp):
    with pytest.raises(ValueError, match="orthogonal mapping needs equal dimensions; got src dim=3, tgt dim=4"):
        procrustes(xp.zeros((5, 3), dtype=np.float32), xp.zeros((5, 4), dtype=np.float32))


@pytest.fixture
def rotated():
    """X (60, 8), a random orthogonal W, Z = X W, and the identity dictionary."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 8)).astype(np.float32)
    W = _random_orthogonal(rng, 8)
    Z = (X @ W).astype(np.float32)
    pairs = np.stack([np.arange(60), np.arange(60)], axis=1)
    return X, Z, W, pairs


def test_orthogonal_mapping_recovers_rotation(xp, rotated):
    X, Z, W, pairs = rotated
    est = OrthogonalMapping().fit(xp.asarray(X), xp.asarray(Z), xp.asarray(pairs))
    # well-conditioned 60x8 data: the recovered map is within ~dim eps of the truth
    np.testing.assert_allclose(to_numpy(est.W_src_), W, atol=100 * EPS32)
    np.testing.assert_array_equal(to_numpy(est.W_tgt_), np.eye(8))
    Xm, Zm = est.transform(xp.asarray(X), xp.asarray(Z))
    np.testing.assert_allclose(to_numpy(Xm), to_numpy(Zm), atol=100 * EPS32 * np.abs(X).max())


def test_least_squares_recovers_general_linear_map(xp):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 5)).astype(np.float32)
    A = rng.standard_normal((5, 5))
    Z = (X @ A).astype(np.float32)
    pairs = np.stack([np.arange(40), np.arange(40)], axis=1)
    est = LeastSquaresMapping().fit(xp.asarray(X), xp.asarray(Z), pairs)
    # a consistent system solved in float64 from float32 data: error of order eps32 * cond
    np.testing.assert_allclose(to_numpy(est.W_src_), A, atol=1e-4)
    ridge = LeastSquaresMapping(alpha=1e3).fit(xp.asarray(X), xp.asarray(Z), pairs)
    assert np.linalg.norm(to_numpy(ridge.W_src_)) < np.linalg.norm(A)  # the penalty shrinks the map
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        LeastSquaresMapping(alpha=-1).fit(xp.asarray(X), xp.asarray(Z), pairs)


def test_multistep_without_whitening_equals_procrustes(xp):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 6)).astype(np.float32)
    Z = rng.standard_normal((30, 6)).astype(np.float32)  # unrelated spaces: a non-trivial fit
    pairs = np.stack([np.arange(20), rng.permutation(20)], axis=1)
    Xd, Zd = xp.asarray(X), xp.asarray(Z)
    ortho = OrthogonalMapping().fit(Xd, Zd, pairs)
    multi = MultiStepMapping(whiten=False, src_reweight=0, tgt_reweight=0).fit(Xd, Zd, pairs)
    # both sides move (W_src = U, W_tgt = V), so compare the rotation-free cross similarities:
    # (X U)(Z V)^T = X U V^T Z^T = X W_procrustes Z^T.
    S_multi = to_numpy(multi.transform_src(Xd) @ multi.transform_tgt(Zd).T)
    S_ortho = to_numpy(ortho.transform_src(Xd) @ ortho.transform_tgt(Zd).T)
    # entries of size ~dim; float32 products of length 6 twice: ~1e-5 relative
    np.testing.assert_allclose(S_multi, S_ortho, atol=1e-4 * np.abs(S_ortho).max())
    for W in (multi.W_src_, multi.W_tgt_):  # each side is itself orthogonal
        np.testing.assert_allclose(to_numpy(W.T @ W), np.eye(6), atol=1e-5)


def test_multistep_whitening_and_reduction(xp, rotated):
    X, Z, _, pairs = rotated
    est = MultiStepMapping(dim_reduction=3).fit(xp.asarray(X), xp.asarray(Z), pairs)
    assert est.W_src_.shape == (8, 3) and est.W_tgt_.shape == (8, 3)
    assert est.W_src_.dtype == np.float32
    s = to_numpy(est.singular_values_)
    # whitened identical spaces (Z = X W): every canonical correlation is 1
    np.testing.assert_allclose(s, 1.0, atol=1e-4)
    Xm, Zm = est.transform(xp.asarray(X), xp.asarray(Z))
    np.testing.assert_allclose(to_numpy(Xm), to_numpy(Zm), atol=1e-3 * np.abs(to_numpy(Xm)).max())


@pytest.mark.parametrize("params, match", [
    ({"src_dewhiten": "both"}, "src_dewhiten must be 'src', 'tgt' or None"),
    ({"tgt_dewhiten": 1}, "tgt_dewhiten must be"),
    ({"dim_reduction": 9}, r"dim_reduction must be None or an integer in \[1, 8\]"),
    ({"dim_reduction": 0}, r"dim_reduction must be None or an integer in \[1, 8\]"),
])
def test_multistep_bad_parameters(rotated, params, match):
    X, Z, _, pairs = rotated
    with pytest.raises(ValueError, match=match):
        MultiStepMapping(**params).fit(X, Z, pairs)


def test_multistep_dimension_mismatch():
    with pytest.raises(ValueError, match="src dim=3, tgt dim=4"):
        MultiStepMapping().fit(np.zeros((2, 3), np.float32), np.zeros((2, 4), np.float32), [[0, 0]])


@pytest.mark.parametrize("pairs, error, match", [
    (np.zeros((0, 2), dtype=np.int64), ValueError, "pairs is empty"),
    (np.array([1, 2]), ValueError, r"shape \(n_pairs, 2\); got \(2,\)"),
    (np.array([[0, 1, 2]]), ValueError, r"shape \(n_pairs, 2\)"),
    (np.array([[0.0, 1.0]]), TypeError, "integer indices"),
    (np.array([[-1, 0]]), ValueError, "out of range for n_src=5, n_tgt=4"),
    (np.array([[5, 0]]), ValueError, "out of range"),
    (np.array([[0, 4]]), ValueError, "out of range"),
])
def test_check_pairs_rejects(pairs, error, match):
    with pytest.raises(error, match=match):
        check_pairs(pairs, 5, 4)


def test_check_pairs_returns_int64_on_the_backend(xp):
    out = check_pairs(np.array([[0, 1], [4, 3]], dtype=np.int32), 5, 4, xp)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(to_numpy(out), [[0, 1], [4, 3]])


def test_unfitted_and_factory():
    with pytest.raises(ValueError, match="OrthogonalMapping is not fitted"):
        OrthogonalMapping().transform_src(np.zeros((1, 2), np.float32))
    assert isinstance(make_mapping("multistep", whiten=False), MultiStepMapping)
    assert set(MAPPINGS) == {"orthogonal", "least_squares", "multistep", "rcsls"}
    assert repr(LeastSquaresMapping(alpha=0.5)) == "LeastSquaresMapping(alpha=0.5)"
    with pytest.raises(ValueError, match="mapping must be one of"):
        make_mapping("cca")


def _unit_rows(rng, n, dim):
    V = rng.standard_normal((n, dim))
    return V / np.linalg.norm(V, axis=1, keepdims=True)


def test_rcsls_gradient_matches_finite_differences():
    """The analytic (sub)gradient against central differences of the loss, in float64: with eps 1e-6
    the truncation error is O(eps^2) and rounding O(1e-16 / eps) = 1e-10, far below the 1e-7 allowed;
    at a random W no neighbour set changes within eps (a change would show as a jump, not a small error).
    The blocked NumPy search keeps float64; faiss scores in float32, too coarse for differences at 1e-6."""
    rng = np.random.default_rng(0)
    X, Z = _unit_rows(rng, 120, 5), _unit_rows(rng, 110, 5)
    pairs = np.stack([np.arange(40), rng.permutation(110)[:40]], axis=1)
    est = RCSLSMapping(csls_k=3, use_faiss=False)
    Xs, Zs = X[pairs[:, 0]], Z[pairs[:, 1]]
    W = rng.standard_normal((5, 5)) * 0.5
    _, grad = est._loss_grad(W, Xs, Zs, X, Z, 3)
    numeric = np.zeros_like(W)
    for idx in np.ndindex(*W.shape):
        step = np.zeros_like(W)
        step[idx] = 1e-6
        numeric[idx] = (est._loss_grad(W + step, Xs, Zs, X, Z, 3)[0]
                        - est._loss_grad(W - step, Xs, Zs, X, Z, 3)[0]) / 2e-6
    np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_rcsls_starts_at_procrustes_and_lowers_its_loss(xp):
    rng = np.random.default_rng(1)
    X = _unit_rows(rng, 300, 10).astype(np.float32)
    Z = X @ _random_orthogonal(rng, 10) + 0.3 * rng.standard_normal((300, 10))
    Z = (Z / np.linalg.norm(Z, axis=1, keepdims=True)).astype(np.float32)
    X, Z = xp.asarray(X), xp.asarray(Z)
    pairs = np.stack([np.arange(100), np.arange(100)], axis=1)
    start = RCSLSMapping(max_iter=0).fit(X, Z, pairs)
    np.testing.assert_array_equal(to_numpy(start.W_src_), to_numpy(procrustes(X[:100], Z[:100])))
    assert start.n_iter_ == 0 and len(start.loss_history_) == 1
    est = RCSLSMapping(max_iter=15, learning_rate=5.0).fit(X, Z, pairs)
    losses = est.loss_history_
    assert losses[0] == pytest.approx(start.loss_history_[0], abs=1e-6)  # float32 products, same inputs
    assert all(b <= a for a, b in zip(losses, losses[1:])) and losses[-1] < losses[0]
    # the spectral cap: no singular value above 1 (float32 rounding: 1e-5)
    assert float(np.linalg.svd(to_numpy(est.W_src_), compute_uv=False).max()) <= 1 + 1e-5
    np.testing.assert_array_equal(to_numpy(est.W_tgt_), np.eye(10, dtype=np.float32))
    assert est.W_src_.dtype == np.float32


@pytest.mark.parametrize("params, match", [
    ({"csls_k": 0}, "csls_k must be a positive integer"),
    ({"max_iter": -1}, r"max_iter must be an integer >= 0 \(0: the Procrustes map\)"),
    ({"learning_rate": 0.0}, "learning_rate must be > 0"),
    ({"n_negatives": 0}, "n_negatives must be a positive integer"),
    ({"tol": -1.0}, "tol must be >= 0"),
])
def test_rcsls_bad_parameters(rotated, params, match):
    X, Z, _, pairs = rotated
    with pytest.raises(ValueError, match=match):
        RCSLSMapping(**params).fit(X, Z, pairs)
