"""The learned re-ranker (:mod:`offramp.bootstrap.evaluation.ranker`) and the ``TreeReranker`` that
evaluation and induction fit with it."""
import json

import numpy as np
import pytest
import scipy.sparse

from fixtures.spaces import decoy_spaces
from offramp.bootstrap.evaluation.bli import evaluate_bli
from offramp.bootstrap.evaluation.induce import induce_lexicon
from offramp.bootstrap.evaluation.ranker import FAMILY_PREFIX, SUFFIXES, TreeRanker, pair_table, suffix_categories
from offramp.bootstrap.evaluation.rerankers import TreeReranker, make_reranker
from offramp.bootstrap.lexicon.parallel import VerseAssociation

pytest.importorskip("sklearn", reason="the 'trees' re-ranking model needs scikit-learn")


# ---------------------------------------------------------------------------------------------
# feature table
# ---------------------------------------------------------------------------------------------

def test_suffix_categories_hand_values():
    words = ["casa", "casas", "cosas", "perro", "a"]
    # endings of 2 characters: "as" twice, then "sa" and "ro" in first-seen order; "a" is too short
    assert suffix_categories(words, 2, 10) == {"as": 1, "sa": 2, "ro": 3}
    assert suffix_categories(words, 2, 1) == {"as": 1}
    # ties keep first-seen order: 'a' (casa, a) before 's' (casas, cosas)
    assert suffix_categories(words, 1, 10) == {"a": 1, "s": 2, "o": 3}


SRC_WORDS = ["houses", "dog", "house"]
TGT_WORDS = ["casa", "perro", "casas", "cosa", "gato"]
# query rows 0 (houses) and 1 (dog); the last candidate of query 1 is padding (-inf)
CANDIDATES = {"queries": np.array([0, 1]),
              "index": np.array([[0, 2, 3], [1, 4, 1]]),
              "scores": np.array([[0.5, 0.4, 0.3], [0.6, 0.2, -np.inf]], dtype=np.float32),
              "cos": np.array([[0.7, 0.6, 0.5], [0.8, 0.4, 0.8]], dtype=np.float32),
              "back": np.array([[0.0, -0.1, -0.2], [0.0, -0.3, 0.0]], dtype=np.float32),
              "hub": np.array([[0.3, 0.2, 0.1], [0.3, 0.2, 0.3]], dtype=np.float32)}


def _association():
    # shared verses of (src, tgt) pairs, and each word's verses; Dice-like scores
    counts = scipy.sparse.csr_matrix(np.array([[4, 0, 6, 0, 0], [0, 8, 0, 0, 2], [0, 0, 0, 0, 0]], dtype=np.float32))
    scores = scipy.sparse.csr_matrix(np.array([[0.4, 0, 0.6, 0, 0], [0, 0.8, 0, 0, 0.1], [0, 0, 0, 0, 0]],
                                              dtype=np.float32))
    return VerseAssociation(scores, counts, SRC_WORDS, TGT_WORDS, 20, {"measure": "dice"},
                            src_freq=np.array([10, 8, 0]), tgt_freq=np.array([8, 10, 6, 1, 20]))


def _categories():
    return {(side, m): suffix_categories(TGT_WORDS if side == "tgt" else SRC_WORDS, m, top)
            for side, m, top in SUFFIXES}


def _prefix_ids():
    _, ids = np.unique([w[:FAMILY_PREFIX] for w in TGT_WORDS], return_inverse=True)
    return ids


@pytest.mark.parametrize("groups, names", [
    ((), ["back", "cos", "hub", "position", "score", "score_gap"]),
    (("freq",), ["back", "cos", "freq", "hub", "position", "score", "score_gap", "source_rank", "target_rank"]),
    (("ortho",), ["back", "cos", "family_best", "family_most_frequent", "family_size", "hub", "length", "ortho",
                  "position", "score", "score_gap", "src_end2", "src_end3", "tgt_end1", "tgt_end2"]),
    (("parallel",), ["back", "cos", "hub", "parallel", "parallel_backward", "parallel_forward", "parallel_gap",
                     "parallel_rank", "position", "score", "score_gap", "shared_verses", "target_verses"]),
])
def test_pair_table_names_and_shape(groups, names):
    table, got, valid = pair_table(CANDIDATES, SRC_WORDS, TGT_WORDS, groups, association=_association(),
                                   categories=_categories(), prefix_ids=_prefix_ids())
    assert got == names and table.shape == (2, 3, len(names)) and table.dtype == np.float32
    np.testing.assert_array_equal(valid, [[True, True, True], [True, True, False]])


def test_pair_table_hand_values():
    table, names, _ = pair_table(CANDIDATES, SRC_WORDS, TGT_WORDS, ("freq", "ortho", "parallel"),
                                 association=_association(), categories=_categories(), prefix_ids=_prefix_ids())
    col = {name: table[:, :, i] for i, name in enumerate(names)}
    # padding scores -4; gaps to each row's best
    np.testing.assert_array_equal(col["score"], np.array([[0.5, 0.4, 0.3], [0.6, 0.2, -4.0]], dtype=np.float32))
    # float32 differences of values < 5: a few ulps, so atol 1e-6 (also family_parallel, parallel_gap)
    np.testing.assert_allclose(col["score_gap"], [[0, -0.1, -0.2], [0, -0.4, -4.6]], atol=1e-6)
    np.testing.assert_array_equal(col["back"][1], np.array([0.0, -0.3, -4.0], dtype=np.float32))
    # float32 log1p of small integers: within an ulp or two (rtol 1e-6), here and for the other log columns
    np.testing.assert_allclose(col["position"], np.log1p([[0, 1, 2], [0, 1, 2]]), rtol=1e-6)
    # families by the first 4 letters: casa/casas (query 0) share one; cosa, perro, gato are alone, and so
    # is the padding cell (a repeat of perro), which never joins a real family
    np.testing.assert_array_equal(col["family_size"], [[2, 2, 1], [1, 1, 1]])
    np.testing.assert_array_equal(col["family_best"], [[1, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(col["family_most_frequent"], [[1, 0, 1], [1, 1, 1]])
    np.testing.assert_allclose(col["family_parallel"], [[1.0, 1.0, 0.0], [0.8, 0.1, 0.8]], atol=1e-6)
    np.testing.assert_array_equal(col["length"], [[4, 5, 4], [5, 4, 5]])
    # Dice's one-sided shares: shared / source verses and shared / target verses; float32 log(1 + 1e-5)
    # is off by ~1e-8 absolute (the sum's rounding), hence atol beside rtol
    np.testing.assert_allclose(col["parallel_forward"], np.log(np.array([[0.4, 0.6, 0], [1.0, 0.25, 1.0]]) + 1e-5),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(col["parallel_backward"], np.log(np.array([[0.5, 1.0, 0], [0.8, 0.1, 0.8]]) + 1e-5),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(col["parallel_gap"], [[-0.2, 0, -0.6], [0, -0.7, 0]], atol=1e-6)
    # rank among real candidates: the padding cell repeats perro's 0.8 but ranks last
    np.testing.assert_allclose(col["parallel_rank"], np.log1p([[1, 0, 2], [0, 1, 2]]), rtol=1e-6)
    np.testing.assert_allclose(col["shared_verses"], np.log1p([[4, 6, 0], [8, 2, 8]]), rtol=1e-6)
    np.testing.assert_allclose(col["target_verses"], np.log1p([[8, 6, 1], [10, 20, 10]]), rtol=1e-6)
    np.testing.assert_allclose(col["target_rank"], np.log1p([[0, 2, 3], [1, 4, 1]]), rtol=1e-6)
    # word endings: 'casa' ends in the target vocabulary's most common letter 'a' (casa, cosa), 'casas' in 's'
    ends = _categories()[("tgt", 1)]
    np.testing.assert_array_equal(col["tgt_end1"][0], [ends["a"], ends["s"], ends["a"]])


def test_pair_table_errors():
    with pytest.raises(ValueError, match="'parallel' features need a verse association"):
        pair_table(CANDIDATES, SRC_WORDS, TGT_WORDS, ("parallel",))
    bare = _association()
    bare.tgt_freq = None
    with pytest.raises(ValueError, match="with verse frequencies"):
        pair_table(CANDIDATES, SRC_WORDS, TGT_WORDS, ("parallel",), association=bare)
    with pytest.raises(ValueError, match="'ortho' features need word-ending categories"):
        pair_table(CANDIDATES, SRC_WORDS, TGT_WORDS, ("ortho",))
    with pytest.raises(ValueError, match=r"unknown feature group\(s\) \['orthoo'\]"):
        pair_table(CANDIDATES, SRC_WORDS, TGT_WORDS, ("orthoo",))


def test_score_gap_reads_real_candidates_on_any_scale():
    """Inverted-softmax scores are log-probabilities, often below the padding's stand-in of -4."""
    cands = dict(CANDIDATES, scores=np.array([[-6.0, -7.0, -9.0], [-5.0, -8.0, -np.inf]], dtype=np.float32))
    table, names, _ = pair_table(cands, SRC_WORDS, TGT_WORDS, ())
    np.testing.assert_array_equal(table[:, :, names.index("score_gap")][:, :2], [[0, -1], [0, -3]])


def test_family_matches_the_pairwise_definition():
    """The sorted-run computation against the (n, k, k) comparison it replaces, on random lists."""
    from offramp.bootstrap.evaluation.ranker import _family

    rng = np.random.default_rng(0)
    n, k = 40, 12
    prefix_ids = rng.integers(0, 6, size=200)
    index = np.stack([rng.choice(200, size=k, replace=False) for _ in range(n)])
    valid = rng.random((n, k)) > 0.1
    scores = rng.random((n, k)).astype(np.float32)
    par = rng.random((n, k)).astype(np.float32)
    got = _family(prefix_ids, index, valid, scores, par)
    ids = prefix_ids[index]
    same = (ids[:, :, None] == ids[:, None, :]) & valid[:, None, :] & valid[:, :, None]
    same |= np.eye(k, dtype=bool)[None]
    want = {"family_size": same.sum(axis=2),
            "family_best": scores >= np.where(same, scores[:, None, :], -np.inf).max(axis=2),
            "family_most_frequent": index <= np.where(same, index[:, None, :], 10 ** 9).min(axis=2),
            "family_parallel": (same * par[:, None, :]).sum(axis=2)}
    for name, value in want.items():
        # sums of up to 12 float32 values in another order: ~1e-6
        np.testing.assert_allclose(got[name][valid], value[valid].astype(np.float64), atol=1e-6, err_msg=name)


# ---------------------------------------------------------------------------------------------
# TreeRanker on planted rules
# ---------------------------------------------------------------------------------------------

def _planted(n, k, seed):
    """Candidates with random scores whose gold is the one frequent candidate (target row < 50; the others'
    rows are 50-499), at a random position."""
    rng = np.random.default_rng(seed)
    index = np.stack([rng.permutation(np.concatenate([rng.choice(50, size=1),
                                                      rng.choice(np.arange(50, 500), size=k - 1, replace=False)]))
                      for _ in range(n)])
    scores = rng.uniform(-0.5, 0.5, size=(n, k)).astype(np.float32)
    cands = {"queries": np.arange(n), "index": index, "scores": scores, "cos": scores, "back": -np.abs(scores),
             "hub": np.zeros((n, k), np.float32)}
    gold = [[int(row.min())] for row in index]
    return cands, gold


WORDS = [f"w{i}" for i in range(500)]


def test_tree_ranker_learns_a_planted_rule():
    train, gold = _planted(300, 8, 0)
    ranker = TreeRanker(groups=("freq",)).fit(train, gold, WORDS, WORDS)
    test, test_gold = _planted(100, 8, 1)
    scores, index = ranker.rerank(test, WORDS, WORDS)
    # random retrieval scores put the gold first for about 1 in 8 words; the trees read the target rank
    plain_p1 = np.mean([test["index"][i, test["scores"][i].argmax()] == g[0] for i, g in enumerate(test_gold)])
    assert plain_p1 < 0.3
    assert np.mean([index[i, 0] == g[0] for i, g in enumerate(test_gold)]) == 1.0
    assert np.all(np.diff(scores, axis=1) <= 0) and scores.dtype == np.float32
    assert ranker.train_p_at_1_ == 1.0 and ranker.n_queries_ == 300 and ranker.n_rows_ == 2400
    assert ranker.n_positive_ == 300 and ranker.feature_names_[0] == "back"
    info = ranker.info()
    assert info["model"] == "trees" and info["n_rows"] == 2400 and info["params"]["max_iter"] == 300
    json.dumps(info)


def test_tree_ranker_is_deterministic_and_pads_last():
    train, gold = _planted(200, 6, 2)
    a = TreeRanker(groups=("freq",)).fit(train, gold, WORDS, WORDS)
    b = TreeRanker(groups=("freq",)).fit(train, gold, WORDS, WORDS)
    test, _ = _planted(50, 6, 3)
    test["scores"][:, -1] = -np.inf  # padding
    sa = a.score(test, WORDS, WORDS)
    np.testing.assert_array_equal(sa, b.score(test, WORDS, WORDS))
    assert np.all(np.isneginf(sa[:, -1])) and np.all(np.isfinite(sa[:, :-1]))


def test_tree_ranker_errors():
    train, gold = _planted(20, 4, 0)
    with pytest.raises(ValueError, match="not fitted yet"):
        TreeRanker().score(train, WORDS, WORDS)
    with pytest.raises(ValueError, match="gold has 3 entries for 20 queries"):
        TreeRanker(groups=("freq",)).fit(train, gold[:3], WORDS, WORDS)
    with pytest.raises(ValueError, match="no gold translation is among .*--src/--tgt order"):
        TreeRanker(groups=("freq",)).fit(train, [[999]] * 20, WORDS, WORDS)
    every = [list(row) for row in train["index"]]
    with pytest.raises(ValueError, match="every candidate .* is a gold translation"):
        TreeRanker(groups=("freq",)).fit(train, every, WORDS, WORDS)
    ranker = TreeRanker(groups=("freq",)).fit(train, gold, WORDS, WORDS)
    with pytest.raises(ValueError, match="differ from the fitted ones"):
        ranker.groups_ = ()
        ranker.score(train, WORDS, WORDS)
    with pytest.raises(ValueError, match=r"unknown feature group\(s\) \['orthoo'\]"):
        TreeRanker(groups=("orthoo", "freq")).fit(train, gold, WORDS, WORDS)
    with pytest.raises(ValueError, match=r"unknown feature group\(s\) \['frequ'\]"):
        TreeRanker(groups="frequ").fit(train, gold, WORDS, WORDS)
    with pytest.raises(ValueError, match=r"params may not set \['early_stopping'\]"):
        TreeRanker(groups=("freq",), params={"early_stopping": True}).fit(train, gold, WORDS, WORDS)
    with pytest.raises(ValueError, match="not fitted yet"):
        TreeRanker().info()


# evaluation and induction on fixtures.spaces.decoy_spaces: a decoy closer than every right word,
# the right word spelt alike

def test_evaluate_bli_trees():
    src, tgt, train, test = decoy_spaces()
    plain = evaluate_bli(src, tgt, test)
    linear = evaluate_bli(src, tgt, test, rerank=("ortho", "freq"), tune_dict=train)
    trees = evaluate_bli(src, tgt, test, rerank=TreeReranker(features=("ortho", "freq")), tune_dict=train)
    # the linear model's grid tops out before the widest decoy margins (59 of 60 words here); the trees do not
    # weigh, they split on the string similarity
    assert plain["p@1"] == 0.0 and linear["p@1"] >= 90.0 and trees["p@1"] == 100.0
    info = trees["rerank"]
    assert info["model"] == "trees" and info["weights"] is None and info["tune_n"] == 180
    assert info["tune_p@1"] == 100.0 and info["trees"]["n_queries"] == 180 and "ortho" in info["trees"]["features"]
    assert info["without_rerank"]["p@1"] == plain["p@1"]
    rows = induce_lexicon(src, tgt, rerank=TreeReranker(features=("ortho", "freq")), tune_dict=train, max_src=240)
    assert [t for _, t, _, _ in rows] == [t for _, t in train + test]
    assert all(0.0 <= score <= 1.0 for _, _, score, _ in rows)


def test_evaluate_bli_trees_with_isf():
    src, tgt, train, test = decoy_spaces()
    out = evaluate_bli(src, tgt, test, method="isf", rerank=TreeReranker(features=("ortho", "freq")), tune_dict=train)
    assert out["p@1"] == 100.0 and out["rerank"]["without_rerank"]["p@1"] < 20


@pytest.mark.parametrize("kwargs, match", [
    ({"rerank": TreeReranker(features=("ortho",))}, "learns from a dictionary"),
    ({"rerank": make_reranker(("ortho",), model="trees")}, "learns from a dictionary"),
    ({"rerank": TreeReranker(features=()), "tune_dict": [("a", "b")]}, "re-ranking features must be among"),
])
def test_trees_argument_errors(kwargs, match):
    src, tgt, test, _ = decoy_spaces(n=20)
    with pytest.raises(ValueError, match=match):
        evaluate_bli(src, tgt, test, **kwargs)


@pytest.mark.parametrize("features, kwargs, match", [
    (("ortho",), {"model": "trees", "weights": {"ortho": 1}}, "weights belong to the 'linear' model"),
    (("ortho",), {"model": "forest"}, "rerank_model must be one of"),
    ((), {"model": "trees"}, "without re-ranking features"),
    ((), {"weights": {"ortho": 0.3}}, "without re-ranking features"),
])
def test_make_reranker_refuses_what_it_would_ignore(features, kwargs, match):
    """The command line's flat options (--rerank-model, --rerank-weights) build no re-ranker that drops one."""
    with pytest.raises(ValueError, match=match):
        make_reranker(features, **kwargs)
