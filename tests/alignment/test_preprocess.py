"""Normalisation steps and the Normalizer estimator: exact values, no mutation, fit/transform agreement."""
import numpy as np
import pytest

from offramp.alignment._backend import to_numpy
from offramp.alignment.preprocess import (DEFAULT_NORMALIZE, STEPS, Normalizer, center, check_steps, normalize, unit,
                                          unitdim)

# Tiny fixtures with hand-computable results: the rows (3, 4), (0, 0), (1, 0) have norms 5, 0, 1
# (unit: (0.6, 0.8), a zero row stays zero, (1, 0)) and mean (4/3, 4/3); the columns of COLS have
# norms 5 and 2.
ROWS = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]], dtype=np.float32)
COLS = np.array([[3.0, 0.0], [4.0, 2.0]], dtype=np.float32)  # column norms 5 and 2


@pytest.mark.parametrize("func, data, expected", [
    (unit, ROWS, [[0.6, 0.8], [0.0, 0.0], [1.0, 0.0]]),
    (center, ROWS, [[5 / 3, 8 / 3], [-4 / 3, -4 / 3], [-1 / 3, -4 / 3]]),
    (unitdim, COLS, [[0.6, 0.0], [0.8, 1.0]]),
])
def test_steps_reference_values(xp, func, data, expected):
    out = func(xp.asarray(data))
    assert out.dtype == np.float32
    # one float32 division or subtraction per entry: within 2 ulps of values <= 3
    np.testing.assert_allclose(to_numpy(out), expected, rtol=0, atol=4e-7)


@pytest.mark.parametrize("steps", [DEFAULT_NORMALIZE, ("unit",), ("center",), ("unitdim",), ("none",),
                                   ("unitdim", "center", "unit"), ()])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalize_never_mutates_and_keeps_dtype(xp, steps, dtype):
    host = np.random.default_rng(0).standard_normal((20, 5)).astype(dtype)
    X = xp.asarray(host)
    out = normalize(X, steps)
    np.testing.assert_array_equal(to_numpy(X), host)  # the input is untouched
    assert out is not X
    assert out.dtype == dtype
    out[...] = 0  # and the output is not a view of the input
    np.testing.assert_array_equal(to_numpy(X), host)


def test_default_recipe_gives_unit_rows_with_small_mean(xp):
    X = xp.asarray(np.random.default_rng(1).standard_normal((200, 8)).astype(np.float32) + 3.0)
    out = to_numpy(normalize(X))
    # unit, center, unit: rows have length 1 (float32 rounding: a few eps); the mean row, after the
    # last rescaling, is far below the +3 offset of the raw data
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)
    assert np.linalg.norm(out.mean(axis=0)) < 0.1


@pytest.mark.parametrize("spec, expected", [
    ("unit,center,unit", ("unit", "center", "unit")),
    (" unit , unitdim ", ("unit", "unitdim")),
    (["none"], ("none",)),
    ("", ()),
])
def test_check_steps_accepts_strings_and_sequences(spec, expected):
    assert check_steps(spec) == expected
    assert set(expected) <= set(STEPS)


@pytest.mark.parametrize("spec", ["unit,centre", ["l2"], ("unit", "Unit")])
def test_check_steps_rejects_unknown(spec):
    with pytest.raises(ValueError, match="unknown normalisation step"):
        check_steps(spec)


@pytest.mark.parametrize("steps", [DEFAULT_NORMALIZE, ("center",), ("unitdim", "center"),
                                   ("unit", "unitdim", "center", "unit"), ("none",)])
def test_normalizer_transform_reproduces_fit_transform(xp, steps):
    X = xp.asarray(np.random.default_rng(2).standard_normal((50, 6)).astype(np.float32))
    norm = Normalizer(steps=steps)
    fitted = to_numpy(norm.fit_transform(X))
    np.testing.assert_array_equal(fitted, to_numpy(normalize(X, steps)))  # same operations, same order
    again = to_numpy(norm.transform(X))
    # transform re-applies the stored statistics: identical arithmetic up to the order of a
    # broadcast subtraction, so agreement within a couple of float32 ulps of unit-scale values
    np.testing.assert_allclose(again, fitted, rtol=0, atol=1e-6)
    assert len(norm.stats_) == len(check_steps(steps))


def test_normalizer_uses_learned_statistics_on_new_data(xp):
    X = xp.asarray(np.array([[1.0, 2.0], [3.0, 6.0]], dtype=np.float32))  # mean (2, 4)
    Y = xp.asarray(np.array([[2.0, 4.0], [0.0, 0.0]], dtype=np.float32))
    norm = Normalizer(steps=("center",)).fit(X)
    np.testing.assert_array_equal(to_numpy(norm.transform(Y)), [[0.0, 0.0], [-2.0, -4.0]])
    norm = Normalizer(steps=("unitdim",)).fit(X)  # column norms sqrt(10) and sqrt(40)
    np.testing.assert_allclose(to_numpy(norm.transform(Y)), [[2 / 10 ** 0.5, 4 / 40 ** 0.5], [0, 0]], atol=1e-7)


def test_normalizer_errors_and_params():
    with pytest.raises(ValueError, match="not fitted"):
        Normalizer().transform(np.zeros((2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="unknown normalisation step"):
        Normalizer(steps=("bogus",)).fit(np.zeros((2, 2), dtype=np.float32))
    assert Normalizer().steps == DEFAULT_NORMALIZE
