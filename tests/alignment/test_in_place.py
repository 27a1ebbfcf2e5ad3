"""``copy=False``: normalisation, mapping and refinement overwrite their inputs and give exactly what the
copying path gives, so that two 2M-word spaces are held once; read-only or cast inputs are copied."""
import numpy as np
import pytest

from offramp.alignment import InstanceRefinement, SelfLearning
from offramp.alignment._backend import to_numpy
from offramp.alignment.preprocess import DEFAULT_NORMALIZE, Normalizer, center, row_norms, unit
from offramp.alignment.selflearning import map_rows


def _space(n=300, dim=12, random_state=0):
    return np.random.default_rng(random_state).standard_normal((n, dim)).astype(np.float32)


def _problem(n=400, dim=16, noise=0.05, random_state=0):
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n, dim)).astype(np.float32)
    Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    Z = (X @ Q + noise * rng.standard_normal((n, dim))).astype(np.float32)
    pairs = np.stack([np.arange(0, n, 4), np.arange(0, n, 4)], axis=1)
    return X, Z, pairs


@pytest.mark.parametrize("func", [unit, center])
def test_step_in_place_equals_copy(xp, func):
    host = _space()
    expected = to_numpy(func(xp.asarray(host)))
    X = xp.asarray(host.copy())
    out = func(X, copy=False)
    assert out is X
    np.testing.assert_array_equal(to_numpy(X), expected)


def test_row_norms_in_blocks_equal_one_call(xp, monkeypatch):
    from offramp.alignment import preprocess

    X = xp.asarray(_space(n=1000))
    whole = to_numpy(xp.linalg.norm(X, axis=1))
    monkeypatch.setattr(preprocess, "NORM_ROWS", 64)
    np.testing.assert_array_equal(to_numpy(row_norms(X)), whole)


@pytest.mark.parametrize("steps", [DEFAULT_NORMALIZE, ("unit",), ("center",), ("unitdim", "center", "unit"),
                                   ("none",)])
def test_normalizer_in_place(xp, steps):
    host = _space()
    expected = to_numpy(Normalizer(steps=steps).fit_transform(xp.asarray(host)))
    X = xp.asarray(host.copy())
    out = Normalizer(steps=steps).fit_transform(X, copy=False)
    np.testing.assert_array_equal(to_numpy(out), expected)
    if steps != ("unitdim", "center", "unit"):  # unitdim always makes a new array
        assert out is X


def test_normalizer_copies_what_it_may_not_overwrite():
    host = _space()
    frozen = host.copy()
    frozen.flags.writeable = False
    out = Normalizer().fit_transform(frozen, copy=False)
    assert out is not frozen
    np.testing.assert_array_equal(frozen, host)
    as_ints = (host * 10).astype(np.int64)
    Normalizer().fit_transform(as_ints, copy=False)  # cast to float32: a copy, the ints untouched
    np.testing.assert_array_equal(as_ints, (host * 10).astype(np.int64))


def test_map_rows_in_blocks(monkeypatch):
    from offramp.alignment import selflearning

    X = _space(n=500)
    W = np.linalg.qr(np.random.default_rng(1).standard_normal((12, 12)))[0].astype(np.float32)
    expected = X @ W
    monkeypatch.setattr(selflearning, "MAP_ROWS", 64)
    out = map_rows(X, W)
    assert out is X
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-6)
    narrow = map_rows(_space(n=50), W[:, :5])  # not square: a new array
    assert narrow.shape == (50, 5)


def test_selflearning_in_place_equals_copy(xp):
    X, Z, pairs = _problem()
    reference = SelfLearning(vocabulary_cutoff=300)
    Xm, Zm = reference.fit_transform(xp.asarray(X), xp.asarray(Z), xp.asarray(pairs))
    Xd, Zd = xp.asarray(X.copy()), xp.asarray(Z.copy())
    est = SelfLearning(vocabulary_cutoff=300, copy=False)
    Xo, Zo = est.fit_transform(Xd, Zd, xp.asarray(pairs))
    assert Xo is Xd and Zo is Zd
    assert est.n_iter_ == reference.n_iter_
    np.testing.assert_array_equal(to_numpy(est.pairs_), to_numpy(reference.pairs_))
    np.testing.assert_allclose(to_numpy(Xo), to_numpy(Xm), rtol=0, atol=1e-6)
    np.testing.assert_allclose(to_numpy(Zo), to_numpy(Zm), rtol=0, atol=1e-6)


def test_selflearning_copy_leaves_inputs():
    X, Z, pairs = _problem()
    X0, Z0 = X.copy(), Z.copy()
    SelfLearning(vocabulary_cutoff=300).fit_transform(X, Z, pairs)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Z, Z0)


def test_selflearning_in_place_on_read_only_inputs_copies():
    X, Z, pairs = _problem()
    expected = SelfLearning(vocabulary_cutoff=300).fit_transform(X, Z, pairs)
    X.flags.writeable = False
    out = SelfLearning(vocabulary_cutoff=300, copy=False).fit_transform(X, Z.copy(), pairs)
    np.testing.assert_allclose(out[0], expected[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(out[1], expected[1], rtol=0, atol=1e-6)


def test_instance_refinement_in_place_equals_copy(xp):
    X, Z, pairs = _problem()
    Xm, Zm = SelfLearning(vocabulary_cutoff=300).fit_transform(X, Z, pairs)
    expected = InstanceRefinement(batch_size=4096).fit_transform(xp.asarray(Xm), xp.asarray(Zm), xp.asarray(pairs))
    Xd, Zd = xp.asarray(Xm.copy()), xp.asarray(Zm.copy())
    refiner = InstanceRefinement(batch_size=37)  # blocks that do not divide the rows
    out = refiner.fit_transform(Xd, Zd, xp.asarray(pairs), copy=False)
    assert out[0] is Xd and out[1] is Zd
    for got, want in zip(out, expected):
        np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=0, atol=1e-6)
