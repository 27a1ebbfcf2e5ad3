"""Re-ranking in evaluation and induction (:mod:`offramp.bootstrap.evaluation.rerankers`): the
re-rankers as estimators, and the ``rerank`` / ``tune_dict`` arguments of ``evaluate_bli`` and
``induce_lexicon`` on the hand-checkable fixture of :mod:`fixtures.rerank_data`."""
import re

import numpy as np
import pytest

from fixtures.rerank_data import RR_MARGIN, RR_RIGHT, RR_SRC, RR_SRC_WORDS, RR_TEST, RR_TGT, RR_WRONG
from fixtures.spaces import slice_rows
from offramp.alignment.candidates import csls_r_tgt
from offramp.bootstrap import _progress
from offramp.bootstrap.evaluation.bli import evaluate_bli
from offramp.bootstrap.evaluation.induce import induce_lexicon
from offramp.bootstrap.evaluation.ranker import TreeRanker
from offramp.bootstrap.evaluation.rerankers import (CandidateSpace, LinearReranker, TreeReranker, as_reranker,
                                                    make_reranker)
from offramp.bootstrap.io.embeddings import finite_vectors
from offramp.bootstrap.lexicon.orthography import string_similarity


def test_rerank_fixture_is_as_documented():
    """Guard for the comments above."""
    assert RR_MARGIN == pytest.approx(0.0603, abs=1e-4)
    assert 0.05 * 5 / 6 < RR_MARGIN < 0.1 * 5 / 6
    assert 0.05 * np.log(3) < RR_MARGIN < 0.05 * np.log(5) and 0.2 * np.log(2) > RR_MARGIN
    query_rows = np.arange(4)
    index = np.array([[0, 4], [1, 5], [2, 6], [3, 7]])
    np.testing.assert_array_equal(string_similarity(RR_SRC_WORDS, RR_TGT.index_to_key, query_rows, index),
                                  np.array([[5 / 6, 0], [5 / 6, 0], [1, 0], [1, 0]], dtype=np.float32))
    rows = induce_lexicon(RR_SRC, RR_TGT, csls_k=2, k=2)
    assert [(s, t) for s, t, _, _ in rows] == [(s, t) for s, w, r in zip(RR_SRC_WORDS, RR_WRONG, RR_RIGHT)
                                               for t in (w, r)]
    # float32 cosines of unit vectors: the two scores' difference is m to ~1e-6
    assert rows[0][2] - rows[1][2] == pytest.approx(RR_MARGIN, abs=1e-6)


@pytest.mark.parametrize("kwargs, p1, weights, weights_from", [
    ({}, 0.0, None, None),
    ({"rerank": ("ortho",)}, 100.0, {"ortho": 0.3}, "defaults"),
    ({"rerank": ("ortho", "freq")}, 100.0, {"freq": 0.05, "ortho": 0.3}, "defaults"),
    ({"rerank": ("freq",)}, 25.0, {"freq": 0.05}, "defaults"),
    ({"rerank": LinearReranker(features=("freq",), weights={"freq": 0.2})}, 100.0, {"freq": 0.2}, "given"),
    ({"rerank": LinearReranker(features=("ortho",), weights={"ortho": 0.05})}, 0.0, {"ortho": 0.05}, "given"),
    ({"rerank": LinearReranker(features=("ortho", "freq"), weights={"ortho": 0.1, "freq": 0})}, 100.0,
     {"freq": 0.0, "ortho": 0.1}, "given"),
    # one candidate per word: re-ranking cannot move anything; the gold word keeps its rank 2
    ({"rerank": LinearReranker(features=("ortho",), k=1)}, 0.0, {"ortho": 0.3}, "defaults"),
    ({"rerank": make_reranker("ortho", k=1)}, 0.0, {"ortho": 0.3}, "defaults"),  # the command line's flat options
])
def test_evaluate_bli_rerank(kwargs, p1, weights, weights_from):
    out = evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, **kwargs)
    assert out["p@1"] == p1 and out["p@5"] == 100.0 and out["n_covered"] == 4
    if weights is None:
        assert "rerank" not in out
    else:
        # the same words scored before re-ranking: every gold word at rank 2 (P@1 0, P@5 100)
        assert out["rerank"].pop("without_rerank") == {"p@1": 0.0, "p@5": 100.0, "p@10": 100.0, "mrr": 50.0,
                                                       "counted_wrong": {"p@1": 0.0, "p@5": 100.0, "p@10": 100.0,
                                                                         "mrr": 50.0}}
        assert out["rerank"] == {"features": sorted(weights), "weights": weights, "weights_from": weights_from,
                                 "k": getattr(kwargs["rerank"], "k", 50)}


def test_evaluate_bli_rerank_weights_fitted_on_tune_dict(tmp_path):
    tune = RR_TEST[:2]  # nation, music: fitted there, scored on all four
    out = evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, rerank=("ortho",), tune_dict=tune)
    assert out["p@1"] == 100.0 and out["rerank"].pop("without_rerank")["p@1"] == 0.0
    # the smallest grid weight above m / (5/6) = 0.072
    assert out["rerank"] == {"features": ["ortho"], "weights": {"ortho": 0.1}, "weights_from": "tune_dict",
                             "tune_p@1": 100.0, "tune_n": 2, "k": 50}
    path = tmp_path / "train.txt"
    path.write_text("".join(f"{s}\t{t}\n" for s, t in tune), encoding="utf-8")
    out = evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, rerank=("ortho", "freq"), tune_dict=str(path))
    info = out["rerank"]
    assert out["p@1"] == 100.0 and info["weights_from"] == str(path) and info["tune_n"] == 2
    assert info["tune_p@1"] == 100.0 and set(info["weights"]) == {"ortho", "freq"}
    # given weights and a tuning dictionary to fit them: one would be ignored, so neither is
    with pytest.raises(ValueError, match=r"re-ranking weights were given and a tuning dictionary to fit them; "
                                         r"drop one \(--rerank-weights or --tune-dict\)"):
        evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, rerank=LinearReranker(features=("ortho",),
                     weights={"ortho": 0.3}), tune_dict=str(path))


def test_evaluate_bli_rerank_errors(tmp_path):
    reversed_tune = tmp_path / "reversed.txt"
    reversed_tune.write_text("".join(f"{t}\t{s}\n" for s, t in RR_TEST), encoding="utf-8")
    with pytest.raises(ValueError, match=r"reversed\.txt: no pair has both words in the vocabularies.*--src/--tgt"):
        evaluate_bli(RR_SRC, RR_TGT, RR_TEST, rerank=("ortho",), tune_dict=str(reversed_tune))
    with pytest.raises(ValueError, match=r"the tuning dictionary: no pair .*--src/--tgt"):
        evaluate_bli(RR_SRC, RR_TGT, RR_TEST, rerank=("ortho",), tune_dict=[("x", "y")])
    with pytest.raises(ValueError, match=r"rerank weights name no value for \['freq'\]; give e\.g\. "
                                         r"freq=0\.05,ortho=0\.3"):
        evaluate_bli(RR_SRC, RR_TGT, RR_TEST, rerank=LinearReranker(features=("ortho", "freq"), weights={"ortho": 0.3}))


def test_induce_lexicon_rerank():
    plain = induce_lexicon(RR_SRC, RR_TGT, csls_k=2, k=2)
    rows = induce_lexicon(RR_SRC, RR_TGT, csls_k=2, k=2, rerank=("ortho",))
    assert [(s, t, r) for s, t, _, r in rows] == [(s, t, r) for s, right, wrong in zip(RR_SRC_WORDS, RR_RIGHT, RR_WRONG)
                                                  for t, r in ((right, 1), (wrong, 2))]
    # the score column is the combined score: retrieval score + 0.3 * similarity (float32 sums: ~1e-6)
    plain_score = {(s, t): score for s, t, score, _ in plain}
    similarity = dict(zip(RR_RIGHT + RR_WRONG, [5 / 6, 5 / 6, 1, 1, 0, 0, 0, 0]))
    for s, t, score, _ in rows:
        assert score == pytest.approx(plain_score[(s, t)] + 0.3 * similarity[t], abs=1e-6)
    top = induce_lexicon(RR_SRC, RR_TGT, csls_k=2, max_src=2, rerank=("ortho", "freq"))
    assert [(s, t, r) for s, t, _, r in top] == [("nation", "nación", 1), ("music", "música", 1)]
    # weights fitted on a tuning dictionary (as in evaluate_bli: ortho 0.1 is enough)
    tuned = induce_lexicon(RR_SRC, RR_TGT, csls_k=2, rerank=("ortho",), tune_dict=RR_TEST[:2])
    assert [t for _, t, _, _ in tuned] == RR_RIGHT


@pytest.mark.parametrize("kwargs, match", [
    ({"rerank": ("bogus",)}, r"re-ranking features must be among \['ortho', 'freq', 'parallel'\]; got \['bogus'\]"),
    ({"rerank": LinearReranker(features=("ortho",), weights={"ortho": 0.3, "orth": 5.0})},
     "not among the re-ranking"),
    ({"rerank": LinearReranker(features=(), weights={"ortho": 0.3})}, "re-ranking features must be among"),
    ({"rerank": TreeReranker(features=("ortho", "bogus")), "tune_dict": RR_TEST}, "re-ranking features must be among"),
    ({"rerank": LinearReranker(features=("ortho",), k=0)}, r"k \(--rerank-k\) must be >= 1; got 0"),
    ({"tune_dict": RR_TEST}, "without re-ranking features"),
    ({"rerank": (), "tune_dict": RR_TEST}, "without re-ranking features"),
    ({"rerank": ("ortho",), "parallel": ("src.tsv", "tgt.tsv")}, "'parallel' is not among the re-ranking features"),
    ({"parallel": ("src.tsv", "tgt.tsv")}, "'parallel' is not among the re-ranking features"),
    ({"rerank": ("parallel",)}, "re-ranking feature 'parallel' needs verse-aligned corpora"),
])
def test_rerank_arguments_are_never_silently_ignored(kwargs, match):
    with pytest.raises(ValueError, match=match):
        evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, **kwargs)
    with pytest.raises(ValueError, match=match):
        induce_lexicon(RR_SRC, RR_TGT, csls_k=2, **kwargs)


def test_rerank_as_a_comma_string():
    out = evaluate_bli(RR_SRC, RR_TGT, RR_TEST, csls_k=2, rerank="ortho")
    assert out["rerank"]["features"] == ["ortho"] and out["p@1"] == 100.0


@pytest.mark.parametrize("function, kwargs", [
    (evaluate_bli, {"method": "nn"}),
    (evaluate_bli, {}),
    (evaluate_bli, {"method": "isf"}),
    (evaluate_bli, {"rerank": ("ortho",)}),
    (evaluate_bli, {"rerank": ("ortho",), "tune_dict": RR_TEST[:2]}),
    (evaluate_bli, {"rerank": ("ortho", "parallel"), "parallel": "verses"}),
    (evaluate_bli, {"method": "nn", "rerank": ("parallel",), "parallel": "verses", "tune_dict": RR_TEST[:2]}),
    (induce_lexicon, {}),
    (induce_lexicon, {"method": "nn", "mutual": True}),
    (induce_lexicon, {"rerank": ("ortho",), "tune_dict": RR_TEST[:2], "mutual": True}),
    (induce_lexicon, {"method": "isf", "rerank": ("freq", "parallel"), "parallel": "verses"}),
])
def test_progress_counts_the_steps_and_changes_nothing(tmp_path, monkeypatch, capsys, function, kwargs):
    """With the step line forced on for these tiny spaces, a run shows steps 1/n .. n/n (the total
    counted before the steps run is right for every option combination), returns what a run without
    progress returns, and a run without progress writes nothing on stderr."""
    if kwargs.get("parallel") == "verses":
        for name, words in (("src.tsv", RR_SRC_WORDS), ("tgt.tsv", RR_RIGHT)):
            (tmp_path / name).write_text("".join(f"v{i}\t{' '.join(words)}\n" for i in range(3)), encoding="utf-8")
        kwargs = dict(kwargs, parallel=(tmp_path / "src.tsv", tmp_path / "tgt.tsv", {"min_count": 1}))
    monkeypatch.setattr(_progress, "STEPS_MIN_PAIRS", 0)
    args = (RR_SRC, RR_TGT, RR_TEST) if function is evaluate_bli else (RR_SRC, RR_TGT)
    quiet = function(*args, csls_k=2, progress=False, **kwargs)
    assert capsys.readouterr().err == ""
    shown = function(*args, csls_k=2, **kwargs)
    steps = list(dict.fromkeys(re.findall(r"step (\d+)/(\d+): ", capsys.readouterr().err)))
    n = len(steps)
    assert n >= 1 and steps == [(str(i), str(n)) for i in range(1, n + 1)], steps
    assert shown == quiet


@pytest.mark.parametrize("kwargs", [
    {},
    {"method": "nn", "mutual": True},
    {"method": "isf", "mutual": True},
    {"mutual": True},
    {"rerank": ("ortho",), "tune_dict": RR_TEST[:2], "mutual": True},
    {"rerank": TreeReranker(features=("ortho", "freq")), "tune_dict": RR_TEST, "mutual": True},
])
def test_induce_slices_change_nothing(monkeypatch, kwargs):
    """induce_lexicon translates in slices of SLICE_ROWS source words (and target words on the way
    back), each row on its own: slices of one word give the lexicon of one slice holding all. Scores
    agree to float32 rounding (faiss takes another code path below 20 queries: 1e-6 on cosines of
    unit vectors, times beta = 30 for the inverted softmax)."""
    runs = []
    for rows in (1, 10 ** 6):
        slice_rows(monkeypatch, rows)
        runs.append(induce_lexicon(RR_SRC, RR_TGT, csls_k=2, k=2, progress=False, **kwargs))
    sliced, whole = runs
    assert [r[:2] + r[3:] for r in sliced] == [r[:2] + r[3:] for r in whole] and whole
    np.testing.assert_allclose([r[2] for r in sliced], [r[2] for r in whole], atol=3e-5)


@pytest.fixture(scope="module")
def rr_space():
    """The re-ranking fixture as a CandidateSpace (CSLS, csls_k=2), with the test words and their gold rows."""
    X, Z = (finite_vectors(kv, normalize=True) for kv in (RR_SRC, RR_TGT))
    space = CandidateSpace(RR_SRC, RR_TGT, X, Z, method="csls", csls_k=2, beta=30.0,
                           r_tgt=csls_r_tgt(X, Z, "csls", 2))
    queries, gold, path = space.queries_and_gold(RR_TEST)
    assert path is None and queries.tolist() == [0, 1, 2, 3] and gold == [[0], [1], [2], [3]]
    return space, queries, gold


@pytest.mark.parametrize("reranker, tune, weights, weights_from, score", [
    (LinearReranker(features=("ortho",)), None, {"ortho": 0.3}, "defaults", 1.0),
    (LinearReranker(features=("freq",)), None, {"freq": 0.05}, "defaults", 0.25),  # row 0 only
    (LinearReranker(features=("ortho",), weights={"ortho": 0.05}), None, {"ortho": 0.05}, "given", 0.0),
    (LinearReranker(features="ortho,freq", weights={"ortho": 0.1, "freq": 0}), None, {"freq": 0.0, "ortho": 0.1},
     "given", 1.0),
    (LinearReranker(features=("ortho",)), RR_TEST[:2], {"ortho": 0.1}, "tune_dict", 1.0),  # the smallest that wins
])
def test_linear_reranker_fit_returns_self_and_learns_weights(rr_space, reranker, tune, weights, weights_from, score):
    space, queries, gold = rr_space
    assert reranker.fit(space, tune) is reranker
    assert reranker.weights_ == weights
    assert reranker.info_["weights"] == weights and reranker.info_["weights_from"] == weights_from
    assert reranker.info_["k"] == 50 and reranker.info_["features"] == sorted(weights)
    if tune is not None:
        assert reranker.info_["tune_n"] == 2 and reranker.info_["tune_p@1"] == 100.0
    assert reranker.score(space, queries, gold) == score  # P@1 as a fraction
    assert reranker.score(space, queries[:0], gold[:0]) == 0.0
    _, index = reranker.rerank(space, queries)
    assert index.shape == (4, 8)  # k capped at the target vocabulary


def test_tree_reranker_fit_returns_self_and_learns_trees(rr_space):
    pytest.importorskip("sklearn", reason="the 'trees' re-ranking model needs scikit-learn")
    space, queries, gold = rr_space
    reranker = TreeReranker(features=("ortho", "freq"), k=4)
    assert reranker.get_params() == {"features": ("ortho", "freq"), "k": 4}
    assert reranker.fit(space, RR_TEST) is reranker
    assert isinstance(reranker.ranker_, TreeRanker) and reranker.margins_.best.shape == (8,)
    info = reranker.info_
    assert info["model"] == "trees" and info["weights"] is None and info["weights_from"] == "tune_dict"
    assert (info["features"], info["tune_n"], info["k"]) == (["freq", "ortho"], 4, 4) and "trees" in info
    score = reranker.score(space, queries, gold)
    assert 0.0 <= score <= 1.0 and score == info["tune_p@1"] / 100  # scored on its own tuning words
    scores, index = reranker.rerank(space, queries)
    assert index.shape == (4, 4) and np.all((scores >= 0) & (scores <= 1))  # the trees' probabilities


@pytest.mark.parametrize("make, kwargs, match", [
    (lambda: LinearReranker(features=("ortho",), weights={"ortho": 0.3}), {"tune_dict": RR_TEST},
     "re-ranking weights were given and a tuning dictionary to fit them; drop one"),
    (lambda: LinearReranker(features=("ortho", "freq"), weights={"ortho": 0.3}), {}, r"no value for \['freq'\]"),
    (lambda: LinearReranker(features=("ortho",)), {"tune_dict": [("x", "y")]}, "no pair has both words"),
    (lambda: TreeReranker(features=("ortho",)), {"tune_dict": [("x", "y")]}, "no pair has both words"),
])
def test_reranker_fit_errors(rr_space, make, kwargs, match):
    space, _, _ = rr_space
    with pytest.raises(ValueError, match=match):
        make().fit(space, **kwargs)


@pytest.mark.parametrize("rerank, expected", [
    (None, None),
    ((), None),
    ("ortho,freq", LinearReranker(features=("freq", "ortho"))),
    (["freq", "ortho", "freq"], LinearReranker(features=("freq", "ortho"))),
])
def test_as_reranker_reads_feature_names_as_a_linear_reranker(rerank, expected):
    got = as_reranker(rerank)
    assert (got is None) if expected is None else (type(got) is LinearReranker
                                                   and got.get_params() == expected.get_params())
    given = TreeReranker(features=("ortho",))
    assert as_reranker(given, tune_dict=RR_TEST) is given  # an estimator is used as it is


@pytest.mark.parametrize("features, kwargs, expected", [
    ("ortho,freq", {}, LinearReranker(features=("freq", "ortho"))),
    (("ortho",), {"weights": {"ortho": 0.1}, "k": 7}, LinearReranker(features=("ortho",), weights={"ortho": 0.1}, k=7)),
    (("ortho", "freq"), {"model": "trees", "k": 9}, TreeReranker(features=("freq", "ortho"), k=9)),
    ((), {}, None),
])
def test_make_reranker_from_flat_options(features, kwargs, expected):
    got = make_reranker(features, **kwargs)
    assert (got is None) if expected is None else (type(got) is type(expected)
                                                   and got.get_params() == expected.get_params())
