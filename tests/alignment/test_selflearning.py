"""Self-learning: a random rotation of real word vectors is found again exactly by every seed mode.

The target space is the source space rotated by a random orthogonal ``R`` with its rows shuffled,
``Z[perm[i]] = X[i] @ R``, so no source row shares its index with its translation, and (except in
the ``identical`` mode) no target word is spelled like a source word. Both normalisation steps
(unit, center) commute with a rotation, so the exact answer is ``W_src_ = R`` and the translation
of source word ``i`` is target row ``perm[i]``.
"""
from dataclasses import dataclass

import numpy as np
import pytest

from offramp.alignment._backend import to_numpy
from offramp.alignment.preprocess import normalize
from offramp.alignment.presets import PRESETS
from offramp.alignment.retrieval import knn
from offramp.alignment.selflearning import DIRECTIONS, INITS, SelfLearning, induce_dictionary, similarity_init
from offramp.bootstrap.io.dictionaries import lookup_pairs
from offramp.bootstrap.lexicon.seeds import seed_entries

EPS32 = np.finfo(np.float32).eps
SEED_MODES = ("dictionary", "identical", "numerals", "unsupervised")
# A perfect isometry needs no exploration: deterministic induction (keep_prob 1) converges in a few
# iterations; the stochastic schedule has its own test below.
FAST = {"stochastic_initial": 1.0}


@dataclass
class Problem:
    X: np.ndarray          # (n, dim) source vectors, most frequent first
    Z: np.ndarray          # (n, dim) target vectors: Z[perm[i]] = X[i] @ R
    R: np.ndarray          # (dim, dim) orthogonal
    perm: np.ndarray       # (n,) target row of source row i
    src_words: list
    tgt_words: list        # target words spelled differently from every source word
    tgt_same: list         # the same target rows named by their source words (identical strings)


def make_problem(X, words, *, random_state=0):
    """Rotate and shuffle ``X``; the 10 rows at ranks 100, 110, ... are renamed to numerals."""
    rng = np.random.default_rng(random_state)
    X = np.asarray(X, dtype=np.float32)
    n, dim = X.shape
    Q, T = np.linalg.qr(rng.standard_normal((dim, dim)))
    R = (Q * np.sign(np.diag(T))[None, :]).astype(np.float32)
    perm = rng.permutation(n)
    Z = np.empty_like(X)
    Z[perm] = X @ R
    src_words = list(words)
    for j, rank in enumerate(range(100, 200, 10)):  # numerals like "1914" occur in real vocabularies
        src_words[rank] = str(1900 + j)
    tgt_words, tgt_same = [None] * n, [None] * n
    for i, word in enumerate(src_words):
        tgt_same[perm[i]] = word
        tgt_words[perm[i]] = word if word.isdigit() else f"{word}@tgt"
    return Problem(X, Z, R, perm, src_words, tgt_words, tgt_same)


@pytest.fixture(scope="session")
def real_problem(shared_data):
    """CBOW vectors (dim 50) of the 1500 most frequent words of 3000 KJV verses, rotated."""
    from offramp.bootstrap.training import train_embeddings

    kv = train_embeddings(shared_data / "corpora" / "bible" / "en.KJV.tsv", model="cbow", dim=50, epochs=5,
                          workers=1, random_state=0, max_lines=3000, progress=False)
    assert len(kv) >= 1500
    return make_problem(kv.vectors[:1500], kv.index_to_key[:1500])


@pytest.fixture(scope="session")
def synthetic_problem():
    """Without ../shared: anisotropic Gaussian vectors (decaying scales and a shared mean, as real
    embeddings have), 600 words in dim 24."""
    rng = np.random.default_rng(1)
    scales = np.linspace(2.0, 0.3, 24)
    X = rng.standard_normal((600, 24)) * scales[None, :] + rng.standard_normal(24)[None, :]
    return make_problem(X, [f"w{i}" for i in range(600)], random_state=1)


def seed_pairs(problem, mode):
    """Row-index seed pairs for ``mode``, built as an alignment run builds them (bootstrap.lexicon.seeds)."""
    if mode == "unsupervised":
        assert not set(problem.src_words) & {w for w in problem.tgt_words if not w.isdigit()}
        return None
    if mode == "identical":
        entries = seed_entries("identical", problem.src_words, problem.tgt_same)
    elif mode == "numerals":
        entries = seed_entries("numerals", problem.src_words, problem.tgt_words)
    else:
        rng = np.random.default_rng(5)
        chosen = rng.choice(len(problem.src_words), 50, replace=False)
        gold = [(problem.src_words[i], problem.tgt_words[problem.perm[i]]) for i in chosen]
        entries = seed_entries("dictionary", problem.src_words, problem.tgt_words, dictionary=gold)
    tgt = problem.tgt_same if mode == "identical" else problem.tgt_words
    pairs, _ = lookup_pairs(entries, {w: i for i, w in enumerate(problem.src_words)},
                            {w: i for i, w in enumerate(tgt)})
    expected = {"dictionary": 50, "identical": len(problem.src_words), "numerals": 10}[mode]
    assert pairs.shape == (expected, 2)
    np.testing.assert_array_equal(problem.perm[pairs[:, 0]], pairs[:, 1])  # the seeds are correct
    return pairs


def assert_recovered(est, problem, xp, exact_map=True):
    X, Z = xp.asarray(problem.X), xp.asarray(problem.Z)
    Xm, Zm = est.transform(X, Z)
    _, index = knn(Xm, Zm, 1)
    # P@1 over every source word, nearest neighbour in the mapped spaces: exactly 1
    np.testing.assert_array_equal(to_numpy(index)[:, 0], problem.perm)
    # the final dictionary holds only true translations
    pairs = to_numpy(est.pairs_)
    np.testing.assert_array_equal(problem.perm[pairs[:, 0]], pairs[:, 1])
    if not exact_map:  # a multi-step final map (whitening) is not R itself; P@1 above is the claim
        return
    # R-independent residual of the normalised spaces. Z = X R was computed in float32 and the map
    # is applied in float32: each coordinate is a length-dim dot product, off by at most about
    # dim * eps for unit rows, so a row (dim coordinates) by sqrt(dim) * dim * eps; twice that
    # for the two products.
    dim = problem.X.shape[1]
    Xn, Zn = to_numpy(normalize(X)), to_numpy(normalize(Z))
    W_src, W_tgt = to_numpy(est.W_src_), to_numpy(est.W_tgt_)
    residual = np.linalg.norm(Xn @ W_src - (Zn @ W_tgt)[problem.perm], axis=1)
    assert residual.max() < 2 * np.sqrt(dim) * dim * EPS32, residual.max()
    # Procrustes' solution is unique here (X_d^T Z_d is nonsingular), so W_src_ is R itself and
    # W_tgt_ the identity: entries within a few dim * eps
    np.testing.assert_allclose(W_src, problem.R, atol=10 * dim * EPS32)
    np.testing.assert_array_equal(W_tgt, np.eye(dim))


def _fit(problem, mode, xp, **params):
    init = "unsupervised" if mode == "unsupervised" else "seed"
    est = SelfLearning(init=init, random_state=0, **{**FAST, **params})
    return est.fit(xp.asarray(problem.X), xp.asarray(problem.Z), seed_pairs(problem, mode))


@pytest.mark.parametrize("mode", SEED_MODES)
def test_rotation_recovered_synthetic(xp, synthetic_problem, mode):
    est = _fit(synthetic_problem, mode, xp)
    assert_recovered(est, synthetic_problem, xp)
    assert est.converged_


@pytest.mark.slow
@pytest.mark.parametrize("mode", SEED_MODES)
def test_rotation_recovered_real_vectors(xp, real_problem, mode):
    est = _fit(real_problem, mode, xp)
    assert_recovered(est, real_problem, xp)
    assert est.converged_ and est.n_iter_ <= 20


def test_offramp_preset_stochastic_schedule(xp, synthetic_problem):
    """The default recipe, stochastic induction included, also lands on the exact rotation."""
    p = synthetic_problem
    records = []
    est = SelfLearning.from_preset("offramp", random_state=0, callback=records.append)
    est.fit(xp.asarray(p.X), xp.asarray(p.Z), seed_pairs(p, "numerals"))
    assert_recovered(est, p, xp, exact_map=False)
    keep = [r["keep_prob"] for r in est.history_]
    assert keep[0] == PRESETS["offramp"]["stochastic_initial"] == 0.1
    assert keep == sorted(keep) and keep[-1] == 1.0  # keep_prob only grows, up to 1
    assert est.converged_ and est.n_iter_ == len(est.history_) < PRESETS["offramp"]["max_iter"]
    assert records == est.history_  # the callback saw every iteration's record


def test_supervised_preset_multistep_is_exact(xp, synthetic_problem):
    """VecMap's supervised recipe (whiten, re-weight, de-whiten) on a rotation: both mapped spaces agree."""
    p = synthetic_problem
    est = SelfLearning.from_preset("supervised").fit(xp.asarray(p.X), xp.asarray(p.Z), seed_pairs(p, "dictionary"))
    assert est.history_ == [] and est.n_iter_ == 0 and est.converged_
    Xm, Zm = (to_numpy(a) for a in est.transform(xp.asarray(p.X), xp.asarray(p.Z)))
    _, index = knn(Xm, Zm, 1)
    np.testing.assert_array_equal(index[:, 0], p.perm)
    # whitening from 50 pairs in dim 24 (condition number ~ 10^2) amplifies float32 noise: 1e-3 of
    # the vectors' scale
    np.testing.assert_allclose(Xm, Zm[p.perm], atol=1e-3 * np.abs(Xm).max())


def test_similarity_init_is_rotation_and_order_invariant(xp, synthetic_problem):
    p = synthetic_problem
    Xn, Zn = normalize(xp.asarray(p.X)), normalize(xp.asarray(p.Z))
    pairs = to_numpy(similarity_init(Xn, Zn, vocab=600))
    # the sorted rows of sqrt(X X^T) do not change under Z = P X R, so every induced pair is right
    np.testing.assert_array_equal(p.perm[pairs[:, 0]], pairs[:, 1])
    assert set(pairs[:, 0]) == set(range(600))  # union: every source word got its translation
    with pytest.raises(ValueError, match="at least 2 words per side; got 1"):
        similarity_init(Xn[:1], Zn)


@pytest.fixture
def permuted_unit():
    """Unit vectors X (40, 8) and Z = X with rows shuffled (the identity map is exact)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 8))
    X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    perm = rng.permutation(40)
    Z = np.empty_like(X)
    Z[perm] = X
    return X, Z, perm


@pytest.mark.parametrize("direction, n_pairs", [("forward", 40), ("backward", 40), ("union", 80),
                                                ("intersection", 40)])
@pytest.mark.parametrize("csls_k", [0, 10])
def test_induce_dictionary_exact_on_a_permutation(xp, permuted_unit, direction, n_pairs, csls_k):
    X, Z, perm = permuted_unit
    pairs, objective = induce_dictionary(xp.asarray(X), xp.asarray(Z), direction=direction, csls_k=csls_k)
    pairs = to_numpy(pairs)
    assert pairs.dtype == np.int64 and pairs.shape == (n_pairs, 2)
    np.testing.assert_array_equal(perm[pairs[:, 0]], pairs[:, 1])
    if csls_k == 0:  # nearest neighbour: every best similarity is cos(x, x) = 1
        assert objective == pytest.approx(1.0, abs=1e-6)  # float32 dot products of unit vectors


def test_induce_dictionary_stochastic_is_reproducible(xp, permuted_unit):
    X, Z = xp.asarray(permuted_unit[0]), xp.asarray(permuted_unit[1])
    runs = [induce_dictionary(X, Z, keep_prob=0.3, random_state=11) for _ in range(2)]
    np.testing.assert_array_equal(to_numpy(runs[0][0]), to_numpy(runs[1][0]))
    assert runs[0][1] == runs[1][1]
    _, best = induce_dictionary(X, Z, keep_prob=1.0)
    assert runs[0][1] <= best + 1e-6  # dropping candidates can only lower the objective


@pytest.mark.parametrize("kwargs, match", [
    ({"direction": "both"}, "direction must be one of"),
    ({"keep_prob": 0.0}, r"keep_prob must be in \(0, 1\]"),
    ({"keep_prob": 1.5}, r"keep_prob must be in \(0, 1\]"),
])
def test_induce_dictionary_bad_arguments(permuted_unit, kwargs, match):
    X, Z, _ = permuted_unit
    with pytest.raises(ValueError, match=match):
        induce_dictionary(X, Z, **kwargs)


@pytest.mark.parametrize("params, match", [
    ({"init": "random"}, "init must be one of"),
    ({"direction": "sideways"}, "direction must be one of"),
    ({"stochastic_initial": 0.0}, r"stochastic_initial must be in \(0, 1\]"),
    ({"stochastic_multiplier": 1.0}, "stochastic_multiplier must be > 1"),
    ({"max_iter": 0}, "max_iter must be a positive integer; got 0"),
    ({"vocabulary_cutoff": -5}, r"vocabulary_cutoff \(None for the whole vocabulary\) must be a positive integer"),
    ({"csls_k": -1}, r"csls_k must be a non-negative integer \(0: plain nearest neighbours\); got -1"),
    ({"batch_size": 0}, "batch_size must be a positive integer; got 0"),
    ({"stochastic_interval": 0}, "stochastic_interval must be a positive integer; got 0"),
    ({"unsupervised_vocab": 0}, "unsupervised_vocab must be a positive integer; got 0"),
    ({"threshold": -1.0}, "threshold must be >= 0; got -1.0"),
    ({"final_mapping": {"name": "rotation"}}, "final_mapping must be a dict"),
    ({"final_mapping": {"name": "multistep", "whitening": True}},
     r"mapping 'multistep' has no parameter\(s\) \['whitening'\]"),
    ({"warmup_dim": 8}, "warmup_dim=8 must be below the vectors' 8 dimensions"),
    ({"n_init": 0}, "n_init must be a positive integer"),
    ({"n_init": True}, "n_init must be a positive integer"),
    ({"n_init": 2, "self_learning": False}, "self_learning=False runs none"),
    ({"n_init": 2, "random_state": np.random.default_rng(0)}, "give an integer random_state or None"),
    ({}, "init='seed' needs seed_pairs"),
])
def test_selflearning_bad_parameters(permuted_unit, params, match):
    X, Z, _ = permuted_unit
    with pytest.raises(ValueError, match=match):
        SelfLearning(**params).fit(X, Z, None)


def test_selflearning_input_errors(permuted_unit):
    X, Z, _ = permuted_unit
    with pytest.raises(ValueError, match="orthogonal mapping needs equal dimensions; got src dim=8, tgt dim=4"):
        SelfLearning().fit(X, Z[:, :4], [[0, 0]])
    with pytest.raises(ValueError, match="out of range"):
        SelfLearning().fit(X, Z, [[0, 40]])
    with pytest.raises(ValueError, match="not fitted"):
        SelfLearning().transform_src(X)
    with pytest.raises(ValueError, match="preset must be one of"):
        SelfLearning.from_preset("muse")


def test_history_records_and_validation(xp, synthetic_problem):
    p = synthetic_problem
    seeds = seed_pairs(p, "dictionary")
    val = np.stack([np.arange(100, 300), p.perm[100:300]], axis=1)
    est = SelfLearning(random_state=0, **FAST).fit(xp.asarray(p.X), xp.asarray(p.Z), seeds, validation_pairs=val)
    assert [r["iteration"] for r in est.history_] == list(range(1, est.n_iter_ + 1))
    for record in est.history_:
        assert set(record) == {"iteration", "stage", "objective", "keep_prob", "n_pairs", "time_s", "val_p@1"}
        assert record["stage"] == "main"
        assert isinstance(record["objective"], float) and record["time_s"] >= 0
        assert 0 <= record["val_p@1"] <= 1
    assert est.history_[-1]["val_p@1"] == 1.0
    # keep_seed (the default): the seed pairs lead every induced dictionary
    np.testing.assert_array_equal(to_numpy(est.pairs_)[:50], seeds)
    assert est.fit_time_s_ > 0 and est.get_params()["init"] == "seed"


def test_same_random_state_same_result(synthetic_problem):
    p = synthetic_problem
    runs = [SelfLearning(random_state=4, max_iter=6).fit(p.X, p.Z, seed_pairs(p, "numerals")) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].W_src_, runs[1].W_src_)
    np.testing.assert_array_equal(runs[0].pairs_, runs[1].pairs_)
    assert [r["objective"] for r in runs[0].history_] == [r["objective"] for r in runs[1].history_]


def test_restarts_keep_the_best_objective(synthetic_problem):
    # Restart r runs with random_state + r; restart 0 is the single run, and the kept run is the
    # one with the highest last objective (ties: the earliest), its history and dictionary intact.
    p = synthetic_problem
    seeds = seed_pairs(p, "numerals")
    kw = {"max_iter": 4, "stochastic_initial": 0.1}
    single = [SelfLearning(random_state=7 + r, **kw).fit(p.X, p.Z, seeds) for r in range(3)]
    est = SelfLearning(random_state=7, n_init=3, **kw).fit(p.X, p.Z, seeds)
    objectives = [run.history_[-1]["objective"] for run in single]
    assert est.restart_objectives_ == objectives
    assert est.best_restart_ == int(np.argmax(objectives))
    best = single[est.best_restart_]
    np.testing.assert_array_equal(est.pairs_, best.pairs_)
    np.testing.assert_array_equal(est.W_src_, best.W_src_)
    assert [r["objective"] for r in est.history_] == [r["objective"] for r in best.history_]
    assert {r["restart"] for r in est.history_} == {est.best_restart_} and est.n_iter_ == best.n_iter_
    one = SelfLearning(random_state=7, **kw).fit(p.X, p.Z, seeds)
    assert one.restart_objectives_ == objectives[:1] and one.best_restart_ == 0 and "restart" not in one.history_[0]
    # the callback sees each record's run; with no loop at all there is no objective to compare
    seen = []
    SelfLearning(random_state=7, n_init=2, callback=lambda r: seen.append(r["restart"]), **kw).fit(p.X, p.Z, seeds)
    assert seen[0] == 0 and seen[-1] == 1 and sorted(set(seen)) == [0, 1]
    fixed = SelfLearning(self_learning=False).fit(p.X, p.Z, seeds)
    assert fixed.restart_objectives_ == [None] and fixed.best_restart_ == 0


def test_presets_are_complete():
    assert {"offramp", "supervised", "procrustes", "semi_supervised", "identical", "unsupervised"} <= set(PRESETS)
    for name, preset in PRESETS.items():
        est = SelfLearning.from_preset(name, max_iter=3)
        assert est.max_iter == 3  # overrides win
        assert est.init in INITS and est.direction in DIRECTIONS, name
    assert PRESETS["unsupervised"]["init"] == "unsupervised"
    assert PRESETS["supervised"]["self_learning"] is False


# --- dense dropout induction (the CuPy path of stochastic induction), run on every backend ---

def _dropout_inputs(xp, n_q=6, n_d=40, dim=8, seed=5):
    rng = np.random.default_rng(seed)
    Q = normalize(rng.standard_normal((n_q, dim)).astype(np.float32))
    D = normalize(rng.standard_normal((n_d, dim)).astype(np.float32))
    offset = (rng.random(n_d) * 0.1).astype(np.float32)
    S = Q @ D.T - offset[None, :]
    return xp.asarray(Q), xp.asarray(D), xp.asarray(offset), S


@pytest.mark.parametrize("keep_prob, expect", [(1.0, "argmax"), (1e-12, "argmax")])
def test_dropout_best_keeps_everything_or_falls_back_to_the_best(xp, keep_prob, expect):
    """keep_prob=1 drops nothing; a keep_prob so small that every score is dropped falls back to
    each query's best row. Either way the answer is the plain argmax, with its score."""
    from offramp.alignment.selflearning import _dropout_best

    Q, D, offset, S = _dropout_inputs(xp)
    best, index = _dropout_best(Q, D, offset, keep_prob, xp.random.default_rng(0), batch_size=4)
    np.testing.assert_array_equal(to_numpy(index), S.argmax(axis=1))
    # float32 products on either backend: scores agree to float32 rounding of 8-term sums
    np.testing.assert_allclose(to_numpy(best), S.max(axis=1), rtol=0, atol=1e-6)


def test_dropout_best_follows_the_dropout_distribution(xp):
    """With keep_prob p, the j-th best row (0-based) is chosen with probability p (1-p)^j.
    One query repeated 4000 times; the tolerance is 4 binomial standard deviations."""
    from offramp.alignment.selflearning import _dropout_best

    Q, D, offset, S = _dropout_inputs(xp, n_q=1)
    reps = 4000
    Qr = xp.repeat(Q, reps, axis=0)
    p = 0.5
    best, index = _dropout_best(Qr, D, offset, p, xp.random.default_rng(1), batch_size=1024)
    order = np.argsort(-S[0])
    index = to_numpy(index)
    for j in range(3):
        share = float((index == order[j]).mean())
        expected = p * (1 - p) ** j
        assert abs(share - expected) <= 4 * np.sqrt(expected * (1 - expected) / reps)
    np.testing.assert_allclose(to_numpy(best), S[0, index], rtol=0, atol=1e-6)


# --- the low-dimensional warm-up (coarse to fine) ---

@pytest.mark.parametrize("warmup_dim", [6, 12])
def test_warmup_then_main_stage_recover_the_rotation(xp, synthetic_problem, warmup_dim):
    """From 10 numeral seeds: a warm-up in the top principal directions, then the loop in all 24
    dimensions; the rotation is found exactly and the history tells the stages apart."""
    p = synthetic_problem
    est = SelfLearning.from_preset("offramp", warmup_dim=warmup_dim, random_state=0)
    est.fit(xp.asarray(p.X), xp.asarray(p.Z), seed_pairs(p, "numerals"))
    assert_recovered(est, p, xp, exact_map=False)
    assert est.warmup_dim_ == warmup_dim
    stages = [r["stage"] for r in est.history_]
    n_warm = stages.count("warmup")
    assert n_warm >= 1 and stages == ["warmup"] * n_warm + ["main"] * (len(stages) - n_warm)
    assert [r["iteration"] for r in est.history_] == list(range(1, est.n_iter_ + 1))
    for stage in ("warmup", "main"):  # each stage runs its own stochastic schedule, 0.1 up to 1
        keep = [r["keep_prob"] for r in est.history_ if r["stage"] == stage]
        assert keep[0] == 0.1 and keep == sorted(keep) and keep[-1] == 1.0


def _seed(xp, n_distinct, repeat=1):
    pairs = np.stack([np.arange(n_distinct), np.arange(n_distinct)[::-1]], axis=1)
    return xp.asarray(np.concatenate([pairs] * repeat))


@pytest.mark.parametrize("warmup_dim, n_distinct, repeat, dim, expected", [
    (None, 10, 1, 300, None),       # off
    ("auto", 10, 1, 300, 30),       # a tiny seed warms up in 30 directions
    ("auto", 149, 1, 300, 30),
    ("auto", 150, 1, 300, None),    # from 150 distinct pairs on, no warm-up
    ("auto", 100, 3, 300, 30),      # repeated pairs count once
    ("auto", 10, 1, 30, None),      # 30 directions of a 30-d space are the main loop itself
    (20, 5000, 1, 300, 20),         # an explicit number always applies below the dimension
    (300, 10, 1, 300, None),
])
def test_warmup_dim_rule(xp, warmup_dim, n_distinct, repeat, dim, expected):
    est = SelfLearning(warmup_dim=warmup_dim)
    assert est._warmup_dim(_seed(xp, n_distinct, repeat), dim) == expected
    assert est._warmup_dim(None, dim) is None  # no seed (unsupervised init): nothing to warm up from


@pytest.mark.parametrize("bad", [0, -3, 2.5, "yes", True])
def test_warmup_dim_rejects_bad_values(bad):
    X = np.eye(4, dtype=np.float32)
    with pytest.raises(ValueError, match="warmup_dim must be a positive integer, 'auto' or None"):
        SelfLearning(warmup_dim=bad).fit(X, X, np.array([[0, 0], [1, 1]]))


def test_no_warmup_without_self_learning(synthetic_problem):
    """A single fit (supervised) has no loop to warm up: warmup_dim is ignored and reported as None."""
    p = synthetic_problem
    est = SelfLearning(self_learning=False, warmup_dim=6).fit(p.X, p.Z, seed_pairs(p, "dictionary"))
    assert est.warmup_dim_ is None and est.history_ == [] and est.n_iter_ == 0


def test_restarts_compare_objectives_at_equal_keep_prob():
    """A run that max_iter stopped at keep_prob 0.5 loses to a converged run (keep_prob 1) even with a
    higher objective: the objective of dropout-picked pairs is only comparable at equal keep_prob."""
    from offramp.alignment.selflearning import _restart_key

    def run(objective, keep_prob):
        return (objective, None, [{"objective": objective, "keep_prob": keep_prob}], 10, keep_prob == 1.0)

    runs = [run(0.30, 1.0), run(0.35, 0.5), run(0.31, 1.0), run(None, 1.0)]
    assert max(range(len(runs)), key=lambda r: _restart_key(runs[r], r)) == 2
    ties = [run(0.30, 1.0), run(0.30, 1.0)]
    assert max(range(2), key=lambda r: _restart_key(ties[r], r)) == 0
