"""The shared-string check of a mapping (:mod:`offramp.bootstrap.check`): do strings spelled alike in both
vocabularies translate to themselves?"""
import numpy as np
import pytest

from fixtures.spaces import CUDA
from offramp.bootstrap.check import CHECK_VOCAB, shared_string_check
from offramp.bootstrap.io.embeddings import make_keyed_vectors


def _shared_spaces(n_shared, fixed, n_words=120, dim=16, random_state=0):
    """A source space and a target copy of it whose first ``n_shared`` words are spelled alike on both sides
    (the rest ``s{i}`` / ``t{i}``); of the shared words only the first ``fixed`` keep their own vectors,
    the others' target vectors are rotated one place among them (a map that sends each to another)."""
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n_words, dim)).astype(np.float32)
    Z = X.copy()
    moved = np.arange(fixed, n_shared)
    Z[moved] = X[np.roll(moved, 1)]
    src = [f"w{i}" if i < n_shared else f"s{i}" for i in range(n_words)]
    tgt = [f"w{i}" if i < n_shared else f"t{i}" for i in range(n_words)]
    return make_keyed_vectors(src, X), make_keyed_vectors(tgt, Z)


# self@1 is an exact share: each query's nearest target is the row holding its own vector (cosine 1,
# Gaussian rows in 16 dimensions are never parallel), which is its own string for the `fixed` words only
@pytest.mark.parametrize("n_shared, fixed, exclude, n_checked, self1, verdict", [
    (40, 40, 0, 40, 100.0, "ok"),
    (40, 0, 0, 40, 0.0, "failed"),
    (100, 1, 0, 100, 1.0, "failed"),    # 1 of 100: CHECK_FAILED is inclusive
    (40, 2, 0, 40, 5.0, "unclear"),     # 2 of 40
    (100, 9, 0, 100, 9.0, "unclear"),   # 9 of 100
    (100, 10, 0, 100, 10.0, "ok"),      # 10 of 100: CHECK_OK is inclusive on the 'ok' side
    (50, 40, 10, 40, 75.0, "ok"),       # the seed's 10 shared words are left out: 30 of 40
    (20, 20, 0, 20, 100.0, "too few"),  # below CHECK_MIN_STRINGS
])
@pytest.mark.parametrize("device", ["cpu", CUDA])
def test_shared_string_check(n_shared, fixed, exclude, n_checked, self1, verdict, device):
    src, tgt = _shared_spaces(n_shared, fixed)
    seed = [(f"w{i}", f"w{i}") for i in range(exclude)]
    check = shared_string_check(src, tgt, exclude=seed, device=device)
    assert (check["n_shared"], check["n_excluded"], check["n_checked"]) == (n_shared, exclude, n_checked)
    assert check["self@1"] == self1  # 100 * hits / n_checked, exact for these ratios
    assert check["n_self@1"] == round(self1 * n_checked / 100)
    assert check["verdict"] == verdict and check["top"] == CHECK_VOCAB
    assert check["chance@1"] == pytest.approx(100 / 120)
    assert check["self@10"] >= check["self@1"]


def test_shared_string_check_top_and_no_shared_word():
    src, tgt = _shared_spaces(40, 40)
    check = shared_string_check(src, tgt, top=10)  # only w0..w9 are looked at, and candidates too
    assert (check["n_shared"], check["self@1"], check["chance@1"], check["verdict"]) == (10, 100.0, 10.0, "too few")
    none = shared_string_check(src, make_keyed_vectors([f"x{i}" for i in range(5)], np.eye(5, 16)))
    assert none["n_checked"] == 0 and "self@1" not in none and none["verdict"] == "too few"
    with pytest.raises(ValueError, match="top"):
        shared_string_check(src, tgt, top=0)
