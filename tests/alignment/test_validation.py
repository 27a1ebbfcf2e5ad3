"""What the array API does with inputs it cannot use as they are: NaN or inf rows, integer and
float16 dtypes, lists, bad sizes and indices, and estimator parameters (scikit-learn's contract).

Without these checks a NaN row would rank its query first under the inverted softmax, faiss would
return row -1 for NaN queries, integer vectors would be truncated by their own integer maps, and
``batch_size=0`` would loop forever or not at all.
"""
import numpy as np
import pytest

from offramp.alignment._backend import check_vectors, to_numpy
from offramp.alignment.instance import InstanceRefinement
from offramp.alignment.mapping import (LeastSquaresMapping, MultiStepMapping, OrthogonalMapping, RCSLSMapping,
                                       polar_factor, procrustes)
from offramp.alignment.metrics import bli_scores, mean_reciprocal_rank, precision_at_k
from offramp.alignment.preprocess import Normalizer, normalize
from offramp.alignment.retrieval import (csls_knn, gold_ranks, isf_knn, knn, mean_topk_similarity, offset_knn, retrieve,
                                         score_blocks)
from offramp.alignment.selflearning import SelfLearning, induce_dictionary, similarity_init

PAIRS = np.array([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5]])


def _spaces(xp, n=12, dim=4):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, dim)).astype(np.float32)
    Z = rng.standard_normal((n, dim)).astype(np.float32)
    return xp.asarray(X), xp.asarray(Z)


def _poisoned(xp, value, row=2):
    X, Z = _spaces(xp)
    X = X.copy()
    X[row, 1] = value
    return X, Z


# Every public entry point that takes vectors, called with a bad first argument ``X``; the error must
# name the argument and the first bad row (row 2), whatever the later computation would have done.
ENTRY_POINTS = [
    ("normalize", lambda X, Z: normalize(X), "X"),
    ("Normalizer.fit", lambda X, Z: Normalizer().fit(X), "X"),
    ("procrustes", lambda X, Z: procrustes(X, Z), "A"),
    ("OrthogonalMapping", lambda X, Z: OrthogonalMapping().fit(X, Z, PAIRS), "X"),
    ("LeastSquaresMapping", lambda X, Z: LeastSquaresMapping().fit(X, Z, PAIRS), "X"),
    ("MultiStepMapping", lambda X, Z: MultiStepMapping().fit(X, Z, PAIRS), "X"),
    ("MultiStepMapping target", lambda X, Z: MultiStepMapping().fit(Z, X, PAIRS), "Z"),
    ("RCSLSMapping", lambda X, Z: RCSLSMapping().fit(X, Z, PAIRS), "X"),
    ("knn", lambda X, Z: knn(X, Z, 1), "Q"),
    ("knn database", lambda X, Z: knn(Z, X, 1), "D"),
    ("mean_topk_similarity", lambda X, Z: mean_topk_similarity(X, Z, 3), "Q"),
    ("csls_knn", lambda X, Z: csls_knn(X, Z, 1), "Q"),
    ("isf_knn source space", lambda X, Z: isf_knn(Z[:3], Z, 1, X=X), "X"),
    ("retrieve isf", lambda X, Z: retrieve(X, Z, 1, method="isf"), "Q"),
    ("gold_ranks isf", lambda X, Z: gold_ranks(X, Z, [[0]] * X.shape[0], method="isf"), "Q"),
    ("gold_ranks csls", lambda X, Z: gold_ranks(Z, X, [[0]] * Z.shape[0]), "D"),
    ("induce_dictionary", lambda X, Z: induce_dictionary(X, Z), "Xm"),
    ("similarity_init", lambda X, Z: similarity_init(X, Z), "X"),
    ("SelfLearning", lambda X, Z: SelfLearning(self_learning=False).fit(X, Z, PAIRS), "X"),
    ("SelfLearning target", lambda X, Z: SelfLearning(self_learning=False).fit(Z, X, PAIRS), "Z"),
    ("InstanceRefinement", lambda X, Z: InstanceRefinement().fit(X, Z, PAIRS), "X"),
]


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name, call, arg", ENTRY_POINTS, ids=[e[0] for e in ENTRY_POINTS])
def test_a_non_finite_row_is_named_before_any_work(xp, value, name, call, arg):
    X, Z = _poisoned(xp, value)
    with pytest.raises(ValueError, match=rf"^{arg} row 2 holds NaN or inf values; drop or repair"):
        call(X, Z)


def test_several_bad_rows_are_counted(xp):
    X, _ = _spaces(xp)
    X = X.copy()
    X[[3, 7, 9], 0] = np.nan
    with pytest.raises(ValueError, match=r"X row 3 holds NaN or inf values \(and 2 more rows\)"):
        check_vectors(X)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.bool_, np.float16])
def test_integer_and_half_inputs_become_float32(xp, dtype):
    rng = np.random.default_rng(1)
    X = xp.asarray(rng.integers(0, 2, size=(10, 3)).astype(dtype))
    out = check_vectors(X)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(to_numpy(out), to_numpy(X).astype(np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_inputs_pass_through_without_a_copy(xp, dtype):
    X = xp.ones((4, 3), dtype=dtype)
    assert check_vectors(X) is X


def test_complex_and_object_inputs_are_refused():
    with pytest.raises(TypeError, match="X must hold real numbers; got dtype complex64"):
        check_vectors(np.ones((2, 2), dtype=np.complex64))
    with pytest.raises(TypeError, match="must hold real numbers; got dtype <U1"):
        check_vectors(np.array([["a", "b"]]))


def test_integer_vectors_give_the_float_results(xp):
    """Integer vectors used to keep their dtype: normalize returned zeros, a fitted map was cast to
    int before the product. Now they give exactly what their float32 copy gives."""
    rng = np.random.default_rng(2)
    Xi = rng.integers(-5, 6, size=(20, 4))
    Zi = rng.integers(-5, 6, size=(20, 4))
    Xf, Zf = xp.asarray(Xi.astype(np.float32)), xp.asarray(Zi.astype(np.float32))
    Xi, Zi = xp.asarray(Xi), xp.asarray(Zi)
    np.testing.assert_array_equal(to_numpy(normalize(Xi)), to_numpy(normalize(Xf)))
    np.testing.assert_array_equal(to_numpy(procrustes(Xi, Zi)), to_numpy(procrustes(Xf, Zf)))
    np.testing.assert_array_equal(to_numpy(polar_factor(Xi.T @ Zi)), to_numpy(polar_factor(Xf.T @ Zf)))
    est = OrthogonalMapping().fit(Xf, Zf, PAIRS)
    np.testing.assert_array_equal(to_numpy(est.transform_src(Xi)), to_numpy(est.transform_src(Xf)))
    sl = SelfLearning(self_learning=False).fit(Xi, Zi, PAIRS)
    assert sl.W_src_.dtype == np.float32
    np.testing.assert_array_equal(to_numpy(sl.transform_src(Xi)), to_numpy(sl.transform_src(Xf)))


def test_lists_are_read_as_numpy_arrays():
    X = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    scores, index = knn(X, X, 1)
    np.testing.assert_array_equal(index[:, 0], [0, 1, 2])
    assert normalize(X).dtype == np.float64


@pytest.mark.parametrize("call, match", [
    (lambda X, Z: knn(X, Z, 1, batch_size=0, use_faiss=False), "batch_size must be a positive integer; got 0"),
    (lambda X, Z: knn(X, Z, 1, batch_size=-4), "batch_size must be a positive integer; got -4"),
    (lambda X, Z: next(score_blocks(X, Z, 0)), "batch_size must be a positive integer; got 0"),
    (lambda X, Z: gold_ranks(X, Z, [[0]] * 12, batch_size=0), "batch_size must be a positive integer; got 0"),
    (lambda X, Z: isf_knn(X, Z, 1, batch_size=0), "batch_size must be a positive integer; got 0"),
    (lambda X, Z: InstanceRefinement(batch_size=0).fit(X, Z, PAIRS), "batch_size must be a positive integer"),
    (lambda X, Z: csls_knn(X, Z, 1, csls_k=0), "csls_k must be a positive integer; got 0"),
    (lambda X, Z: retrieve(X, Z, 1, csls_k=-3), "csls_k must be a positive integer; got -3"),
    (lambda X, Z: gold_ranks(X, Z, [[0]] * 12, csls_k=0), "csls_k must be a positive integer; got 0"),
    (lambda X, Z: induce_dictionary(X, Z, csls_k=-1), "csls_k must be a non-negative integer"),
    (lambda X, Z: csls_knn(X, Z, 1, r_tgt=Z[:3, 0]), r"r_tgt must have shape \(12,\); got \(3,\)"),
    (lambda X, Z: offset_knn(X, Z, Z[:, :2], 1), r"offset must have shape \(12,\); got \(12, 2\)"),
    (lambda X, Z: gold_ranks(X, Z, [[-1]] + [[0]] * 11), r"gold\[0\] holds row indices outside \[0, 12\)"),
    (lambda X, Z: gold_ranks(X, Z, [[0]] * 11 + [[12]]), r"gold\[11\] holds row indices outside \[0, 12\)"),
    (lambda X, Z: gold_ranks(X, Z, [[0.5]] * 12), r"gold\[0\] must be a sequence of integer row indices"),
    (lambda X, Z: gold_ranks(X, Z, [[0]] * 12, method="cosine"), "method must be one of"),
    (lambda X, Z: gold_ranks(X, Z, [[0]] * 12, method="isf", beta=0), "beta must be positive"),
    (lambda X, Z: similarity_init(X, Z, vocab=0), "vocab must be a positive integer; got 0"),
    (lambda X, Z: OrthogonalMapping().fit(X, Z, PAIRS).transform_src(X[:, :3]),
     "X has 3 dimensions; the mapping was fitted on 4"),
    (lambda X, Z: SelfLearning(self_learning=False).fit(X, Z, PAIRS).transform_tgt(Z[:, :3]),
     "X has 3 dimensions; this Normalizer was fitted on 4"),
    (lambda X, Z: InstanceRefinement().fit(X, Z, PAIRS).transform_src(X[:, :3]),
     "the vectors have 3 dimensions; the refinement was fitted on 4"),
    (lambda X, Z: procrustes(X, Z[:5]), "A and B must have one row per pair; got 12 and 5 rows"),
    (lambda X, Z: LeastSquaresMapping(alpha=float("nan")).fit(X, Z, PAIRS), "alpha must be >= 0; got nan"),
])
def test_bad_sizes_and_indices(xp, call, match):
    X, Z = _spaces(xp)
    with pytest.raises(ValueError, match=match):
        call(X, Z)


@pytest.mark.parametrize("ranks, match", [
    ([1.0, 0.0], r"ranks are 1-based \(inf for a miss\); rank 1 is 0.0"),
    ([np.nan, 2.0], "rank 0 is nan"),
    ([-3.0], "rank 0 is -3.0"),
])
def test_metrics_refuse_ranks_below_one(xp, ranks, match):
    ranks = xp.asarray(np.array(ranks))
    for call in (lambda r: precision_at_k(r, 1), mean_reciprocal_rank, lambda r: bli_scores(r, 0)):
        with pytest.raises(ValueError, match=match):
            call(ranks)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_uncovered": 1.5}, "n_uncovered must be an integer >= 0; got 1.5"),
    ({"n_uncovered": 0, "ks": 5}, "ks must be a sequence of positive integers; got 5"),
    ({"n_uncovered": 0, "ks": (0, 1)}, r"ks must be a sequence of positive integers; got \(0, 1\)"),
])
def test_bli_scores_bad_counts(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bli_scores(np.array([1.0, 2.0]), **kwargs)


ESTIMATORS = [
    SelfLearning(csls_k=5, vocabulary_cutoff=100, final_mapping={"name": "multistep"}),
    OrthogonalMapping(),
    LeastSquaresMapping(alpha=0.5),
    MultiStepMapping(whiten=False, dim_reduction=2),
    RCSLSMapping(csls_k=5, n_negatives=1000),
    Normalizer(steps=("unit",)),
    InstanceRefinement(n_neighbors=3, step=0.2),
]


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_estimators_follow_the_scikit_learn_parameter_contract(est):
    params = est.get_params(deep=False)
    assert params == est.get_params()  # no nested estimators
    twin = type(est)(**params)
    assert repr(twin) == repr(est) and twin.get_params() == params
    assert not any(name.endswith("_") for name in params)
    with pytest.raises(ValueError, match=f"{type(est).__name__} has no parameter 'colour'"):
        twin.set_params(colour="red")
    sklearn_base = pytest.importorskip("sklearn.base")
    clone = sklearn_base.clone(est)
    assert clone is not est and clone.get_params() == params


def test_set_params_changes_a_parameter_and_returns_the_estimator():
    est = SelfLearning()
    assert est.set_params(csls_k=3, max_iter=7) is est
    assert (est.csls_k, est.max_iter) == (3, 7)
    assert "callback" in est.get_params()


def test_a_bad_final_mapping_fails_before_the_loop(xp):
    """It used to fail only once the loop had run, with KeyError 'name'."""
    X, Z = _spaces(xp)
    calls = []
    est = SelfLearning(final_mapping={"whiten": True}, callback=calls.append)
    with pytest.raises(ValueError, match="final_mapping must be a dict"):
        est.fit(X, Z, PAIRS)
    assert calls == []
