"""alignment.multilingual: the joint refinement of many spaces (:class:`JointAlignment`) and the instance
refinement around the hub (:func:`refine_around_hub`), on every backend.

The synthetic languages share one base matrix (word ``i`` is row ``i`` of it). The hub is the base plus
noise; every other language is the base turned by its own random rotation (Cayley transform of a skew
matrix of spectral norm ``ANGLE``), plus noise, with its rows shuffled, so no language shares its row
indices with another and a pair read the wrong way round points at the wrong word. That is a space in
which each language was linked to the hub imperfectly: nearest neighbours between two non-hub languages
are often wrong, and one orthogonal correction per language repairs them.
"""
import numpy as np
import pytest

from offramp.alignment._backend import get_namespace, to_numpy
from offramp.alignment.multilingual import JointAlignment, refine_around_hub

N, DIM = 300, 16
ANGLE, NOISE = 1.0, 0.4
HUB = "en"
LANGS = ("en", "de", "fr", "es")
N_SEED = 40  # words 0..39 are each language's seed dictionary with the hub
HISTORY_KEYS = {"iteration", "objective", "n_pairs", "n_confirmed", "time_s"}
# float32 maps from a polar factor: W.T @ W is the identity to a few hundred float32 ulps at dim 16
ORTHO_ATOL = 1e-4


def _unit(X):
    X = np.asarray(X, dtype=np.float64)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _rotation(rng, dim, angle):
    """A random orthogonal matrix ``angle`` (radians, at most) from the identity: Cayley transform."""
    A = rng.standard_normal((dim, dim))
    A = A - A.T
    A *= np.tan(angle / 2) / np.linalg.norm(A, 2)
    eye = np.eye(dim)
    return np.linalg.solve(eye - A, eye + A)


def make_languages(names=LANGS, *, n=N, dim=DIM, angle=ANGLE, noise=NOISE, random_state=0):
    """``(spaces, where)``: float32 host arrays per language, and ``where[name][i]``, the row of word ``i``
    in that language (the identity for the hub, whose rows are not shuffled)."""
    rng = np.random.default_rng(random_state)
    base = _unit(rng.standard_normal((n, dim)))
    spaces, where = {}, {}
    for name in names:
        R = np.eye(dim) if name == names[0] else _rotation(rng, dim, angle)
        V = base @ R + noise / np.sqrt(dim) * rng.standard_normal((n, dim))
        perm = np.arange(n) if name == names[0] else rng.permutation(n)  # row j holds word perm[j]
        spaces[name] = np.ascontiguousarray(V[perm], dtype=np.float32)
        where[name] = np.argsort(perm)
    return spaces, where


def seed_pairs_of(where, hub=HUB, n_seed=N_SEED):
    """Each language's seed dictionary with the hub, ``(hub row, language row)`` of words 0..n_seed-1."""
    words = np.arange(n_seed)
    return {(hub, name): np.stack([where[hub][words], where[name][words]], axis=1).astype(np.int64)
            for name in where if name != hub}


def p_at_1(A, B, where_a, where_b):
    """Share of words whose cosine nearest neighbour in ``B`` is their translation (host arrays)."""
    best = np.argmax(_unit(to_numpy(A)) @ _unit(to_numpy(B)).T, axis=1)
    return float(np.mean(best[where_a] == where_b))


def _on(xp, spaces):
    return {name: xp.asarray(X) for name, X in spaces.items()}


def _fit(xp, names=LANGS, *, seeds=True, fixed=(), **params):
    host, where = make_languages(names)
    spaces = _on(xp, host)
    est = JointAlignment(**{"max_iter": 5, **params}).fit(
        spaces, hub=names[0], seed_pairs=seed_pairs_of(where, names[0]) if seeds else None, fixed=fixed)
    return est, spaces, host, where


@pytest.fixture(scope="module")
def fits():
    """One fit of the four languages per backend, shared by the tests that only read it."""
    return {}


@pytest.fixture
def fitted(xp, fits):
    if xp.__name__ not in fits:
        fits[xp.__name__] = _fit(xp)
    return fits[xp.__name__]


# --- JointAlignment -----------------------------------------------------------------------------------


def test_joint_fit_raises_retrieval_between_two_non_hub_languages(fitted):
    est, spaces, host, where = fitted
    before = p_at_1(host["de"], host["fr"], where["de"], where["fr"])
    after = p_at_1(est.transform("de", spaces["de"]), est.transform("fr", spaces["fr"]), where["de"], where["fr"])
    # the fixture's start retrieves about 0.4; the rotations are recovered up to the noise, which leaves
    # a few near-ties wrong (0.98 or so); the margins leave room for BLAS rounding on either backend
    assert before < 0.6
    assert after >= 0.9 and after >= before + 0.3
    # the other non-hub pairs are repaired as well, in both directions
    for a, b in (("es", "de"), ("fr", "es")):
        assert p_at_1(est.transform(a, spaces[a]), est.transform(b, spaces[b]), where[a], where[b]) >= 0.9


def test_joint_fit_keeps_the_hub_map_the_identity_and_learns_orthogonal_maps(fitted):
    est, spaces, _, _ = fitted
    assert est.names_ == list(LANGS) and est.hub_ == HUB
    assert set(est.maps_) == set(LANGS)
    np.testing.assert_array_equal(to_numpy(est.maps_[HUB]), np.eye(DIM))
    for name in LANGS:
        W = np.asarray(to_numpy(est.maps_[name]), dtype=np.float64)
        assert W.shape == (DIM, DIM)
        np.testing.assert_allclose(W.T @ W, np.eye(DIM), atol=ORTHO_ATOL)
        if name != HUB:  # each rotated language gets its own correction
            assert not np.allclose(W, np.eye(DIM), atol=0.05)


def test_joint_fit_records_its_history_and_last_pairs(fitted):
    est, _, _, where = fitted
    assert 1 <= est.n_iter_ <= 5 and est.n_iter_ == len(est.history_)
    assert [h["iteration"] for h in est.history_] == list(range(1, est.n_iter_ + 1))
    for h in est.history_:
        assert set(h) == HISTORY_KEYS
        assert 0 <= h["n_confirmed"] <= h["n_pairs"] and h["time_s"] >= 0
    # every iteration but the last gained at least tol, and a run that stopped early gained less on its last
    objectives = [h["objective"] for h in est.history_]
    assert all(b - a >= est.tol for a, b in zip(objectives[:-2], objectives[1:-1]))
    if est.n_iter_ < est.max_iter:
        assert objectives[-1] - objectives[-2] < est.tol
    # with four languages a third one confirms many induced pairs (route_weight 1 counts them)
    assert est.history_[-1]["n_confirmed"] > 0
    # pairs_ reads rows of the first language then of the second: most de-fr pairs are translations
    pairs = est.pairs_[("de", "fr")]
    assert pairs.dtype == np.int64 and pairs.ndim == 2 and pairs.shape[1] == 2 and len(pairs) > N // 2
    translation = {int(r): int(s) for r, s in zip(where["de"], where["fr"])}  # de row -> fr row
    assert np.mean([translation[a] == b for a, b in pairs.tolist()]) >= 0.9


def test_transform_returns_unit_rows_on_the_input_backend(xp, fitted):
    est, spaces, _, _ = fitted
    out = est.transform("de", spaces["de"] * 3)  # the scale of the input does not matter
    assert get_namespace(out) is xp and out.shape == (N, DIM) and out.dtype == xp.float32
    # float32 normalisation: norms are 1 to a few ulps
    np.testing.assert_allclose(np.linalg.norm(to_numpy(out), axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(to_numpy(out), to_numpy(est.transform("de", spaces["de"])), atol=1e-6)


def test_fit_leaves_the_callers_arrays_alone(fitted):
    _, spaces, host, _ = fitted
    for name in LANGS:
        np.testing.assert_array_equal(to_numpy(spaces[name]), host[name])


def test_fixed_languages_keep_the_identity_and_transform_only_normalises(xp):
    est, spaces, host, _ = _fit(xp, ("en", "de", "fr"), fixed=["fr"], max_iter=3)
    np.testing.assert_array_equal(to_numpy(est.maps_["fr"]), np.eye(DIM))
    np.testing.assert_array_equal(to_numpy(est.maps_["en"]), np.eye(DIM))
    assert not np.allclose(to_numpy(est.maps_["de"]), np.eye(DIM), atol=0.05)
    # a product with the identity is exact, so only the two normalisations round (float32 ulps)
    for name in ("en", "fr"):
        np.testing.assert_allclose(to_numpy(est.transform(name, spaces[name])), _unit(host[name]), atol=1e-6)
    # nothing is induced between two languages that both stay put
    assert ("en", "fr") not in est.pairs_ and ("fr", "en") not in est.pairs_


def test_route_weight_zero_refines_as_well(xp):
    est, spaces, host, where = _fit(xp, ("en", "de", "fr"), route_weight=0.0, max_iter=3)
    before = p_at_1(host["de"], host["fr"], where["de"], where["fr"])
    after = p_at_1(est.transform("de", spaces["de"]), est.transform("fr", spaces["fr"]), where["de"], where["fr"])
    assert after >= 0.9 and after >= before + 0.3  # as in the four-language test: 0.4 -> 0.98 or so
    for name in ("de", "fr"):
        W = np.asarray(to_numpy(est.maps_[name]), dtype=np.float64)
        np.testing.assert_allclose(W.T @ W, np.eye(DIM), atol=ORTHO_ATOL)
    assert all(0 <= h["n_confirmed"] <= h["n_pairs"] for h in est.history_)


def test_fit_without_seed_pairs_and_with_plain_nearest_neighbours(xp):
    est, spaces, _, where = _fit(xp, ("en", "de", "fr"), seeds=False, csls_k=0, max_iter=3)
    after = p_at_1(est.transform("de", spaces["de"]), est.transform("fr", spaces["fr"]), where["de"], where["fr"])
    assert after >= 0.9  # the start is close enough for induced pairs alone


def test_vocabulary_cutoff_bounds_the_induced_rows(xp):
    est, _, _, _ = _fit(xp, ("en", "de", "fr"), vocabulary_cutoff=100, max_iter=2)
    for pairs in est.pairs_.values():
        assert len(pairs) and pairs.max() < 100


def test_parameters_are_stored_by_the_constructor_and_checked_by_fit():
    est = JointAlignment(max_iter=0)  # scikit-learn's convention: no check before fit
    assert est.get_params()["max_iter"] == 0
    host, _ = make_languages(("en", "de"), n=20)
    with pytest.raises(ValueError, match="max_iter"):
        est.fit(host, hub="en")


@pytest.mark.parametrize("params, match", [
    ({"max_iter": 0}, "max_iter"),
    ({"max_iter": 2.5}, "max_iter"),
    ({"max_iter": True}, "max_iter"),
    ({"vocabulary_cutoff": 0}, "vocabulary_cutoff"),
    ({"vocabulary_cutoff": -5}, "vocabulary_cutoff"),
    ({"batch_size": 0}, "batch_size"),
    ({"csls_k": -1}, "csls_k"),
    ({"csls_k": 2.5}, "csls_k"),
    ({"csls_k": True}, "csls_k"),
    ({"tol": -1e-3}, "tol"),
    ({"tol": float("nan")}, "tol"),
    ({"tol": "0.1"}, "tol"),
    ({"seed_weight": -1.0}, "seed_weight"),
    ({"seed_weight": float("inf")}, "seed_weight"),
    ({"route_weight": -0.5}, "route_weight"),
    ({"route_weight": None}, "route_weight"),
])
def test_bad_parameters_are_refused_by_name(params, match):
    host, _ = make_languages(("en", "de"), n=20)
    with pytest.raises(ValueError, match=match):
        JointAlignment(**params).fit(host, hub="en")


def _bad_inputs():
    host, where = make_languages(("en", "de", "fr"), n=20)
    seeds = seed_pairs_of(where, n_seed=5)
    return [
        ("hub missing", host, {"hub": "xx"}, "hub 'xx'"),
        ("one language", {"en": host["en"]}, {"hub": "en"}, "at least two"),
        ("dims differ", {**host, "fr": host["fr"][:, :8]}, {"hub": "en"}, "one dimension"),
        ("fixed unknown", host, {"hub": "en", "fixed": ["xx"]}, "fixed"),
        ("seed key unknown", host, {"hub": "en", "seed_pairs": {("en", "xx"): seeds[("en", "de")]}}, "seed_pairs"),
        ("seed key twice", host, {"hub": "en", "seed_pairs": {("de", "de"): seeds[("en", "de")]}}, "seed_pairs"),
        ("seed out of range", host, {"hub": "en", "seed_pairs": {("en", "de"): seeds[("en", "de")] + 20}},
         "out of range"),
    ]


@pytest.mark.parametrize("case", range(len(_bad_inputs())), ids=[c[0] for c in _bad_inputs()])
def test_bad_inputs_are_refused(xp, case):
    _, spaces, kwargs, match = _bad_inputs()[case]
    with pytest.raises(ValueError, match=match):
        JointAlignment(max_iter=1).fit(_on(xp, spaces), **kwargs)


def test_transform_needs_a_fit_and_a_fitted_language(xp):
    host, _ = make_languages(("en", "de"), n=20)
    X = xp.asarray(host["de"])
    with pytest.raises(ValueError, match="not fitted"):
        JointAlignment().transform("de", X)
    est = JointAlignment(max_iter=1).fit(_on(xp, host), hub="en")
    with pytest.raises(ValueError, match="'xx' is not one of the fitted languages"):
        est.transform("xx", X)


# --- refine_around_hub --------------------------------------------------------------------------------

R_N, R_DIM, R_ANCHORS = 300, 8, 150


def make_distorted(random_state=0):
    """``(hub, lang, other)`` host arrays: ``lang`` is the hub bent by a smooth non-linear distortion plus
    noise (row ``i`` translates row ``i``), so nearby words share their residuals and the instance
    refinement can predict a word's residual from its anchored neighbours; ``other`` is a third language."""
    rng = np.random.default_rng(random_state)
    H = _unit(rng.standard_normal((R_N, R_DIM)))
    B = rng.standard_normal((R_DIM, R_DIM))
    L = H + 0.6 * np.tanh(H @ B) + 0.1 * rng.standard_normal((R_N, R_DIM))
    other = H + 0.3 * rng.standard_normal((R_N, R_DIM))
    return H.astype(np.float32), (2 * L).astype(np.float32), other.astype(np.float32)  # lengths other than 1


def _refine(xp, *, fixed=(), with_other_anchors=False, **kwargs):
    H, L, other = make_distorted()
    anchors = {"de": np.stack([np.arange(R_ANCHORS)] * 2, axis=1).astype(np.int64)}
    if with_other_anchors:
        anchors["fr"] = anchors["de"]
    spaces = {"en": xp.asarray(H), "de": xp.asarray(L), "fr": xp.asarray(other)}
    out = refine_around_hub(spaces, hub="en", anchors=anchors, fixed=fixed, **kwargs)
    return out, {"en": H, "de": L, "fr": other}


def _mean_cosine(A, B, rows):
    return float(np.mean(np.sum(_unit(to_numpy(A))[rows] * _unit(to_numpy(B))[rows], axis=1)))


@pytest.mark.parametrize("fixed", [(), ("en",)])
def test_refine_around_hub_gives_unit_rows_and_leaves_unanchored_languages(xp, fixed):
    out, host = _refine(xp, fixed=fixed)
    assert set(out) == {"en", "de", "fr"}
    for name, X in out.items():
        assert get_namespace(X) is xp and X.shape == host[name].shape
        # float32 normalisation: norms are 1 to a few ulps
        np.testing.assert_allclose(np.linalg.norm(to_numpy(X), axis=1), 1.0, atol=1e-5)
    # fr has no anchors: only normalised (float32 rounding of one division)
    np.testing.assert_allclose(to_numpy(out["fr"]), _unit(host["fr"]), atol=1e-6)


def test_refine_around_hub_moves_the_hub_unless_it_is_fixed(xp):
    moved, host = _refine(xp)
    kept, _ = _refine(xp, fixed=("en",))
    np.testing.assert_allclose(to_numpy(kept["en"]), _unit(host["en"]), atol=1e-6)
    # the hub moves by a share of its anchored neighbours' residuals: up to 0.16 in a coordinate here
    assert np.max(np.abs(to_numpy(moved["en"]) - _unit(host["en"]))) > 0.05
    # the refined language moves in both cases
    for out in (moved, kept):
        assert np.max(np.abs(to_numpy(out["de"]) - _unit(host["de"]))) > 0.05


def test_a_fixed_language_with_anchors_stays_put(xp):
    out, host = _refine(xp, fixed=("fr",), with_other_anchors=True)
    np.testing.assert_allclose(to_numpy(out["fr"]), _unit(host["fr"]), atol=1e-6)
    assert np.max(np.abs(to_numpy(out["de"]) - _unit(host["de"]))) > 0.05


@pytest.mark.parametrize("fixed", [(), ("en",)])
def test_refinement_brings_test_words_closer_to_their_hub_translations(xp, fixed):
    out, host = _refine(xp, fixed=fixed)
    test = np.arange(R_ANCHORS, R_N)  # words outside the anchors
    before = _mean_cosine(host["de"], host["en"], test)
    after = _mean_cosine(out["de"], out["en"], test)
    # the fixture starts at a mean cosine of about 0.71 and the refinement gains about 0.07 with the hub
    # fixed, 0.14 with it moving; a third of the smaller gain is well above float32 noise
    assert after > before + 0.025


def test_refine_around_hub_leaves_the_callers_arrays_alone(xp):
    H, L, other = make_distorted()
    spaces = {"en": xp.asarray(H), "de": xp.asarray(L), "fr": xp.asarray(other)}
    refine_around_hub(spaces, hub="en", anchors={"de": np.stack([np.arange(R_ANCHORS)] * 2, axis=1)})
    for name, X in zip(("en", "de", "fr"), (H, L, other)):
        np.testing.assert_array_equal(to_numpy(spaces[name]), X)


@pytest.mark.parametrize("hub, anchors, match", [
    ("xx", {"de": [[0, 0]]}, "hub 'xx'"),
    ("en", {"en": [[0, 0]]}, "anchors key 'en'"),
    ("en", {"xx": [[0, 0]]}, "anchors key 'xx'"),
])
def test_refine_around_hub_refuses_bad_names(xp, hub, anchors, match):
    H, L, _ = make_distorted()
    spaces = {"en": xp.asarray(H), "de": xp.asarray(L)}
    with pytest.raises(ValueError, match=match):
        refine_around_hub(spaces, hub=hub, anchors={k: np.asarray(v) for k, v in anchors.items()})
