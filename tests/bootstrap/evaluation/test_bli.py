"""BLI scores of two mapped spaces (:func:`offramp.bootstrap.evaluation.bli.evaluate_bli`): hand-checked
values, dictionary handling, the steps it takes, and its signature."""
import numpy as np
import pytest

from fixtures.spaces import EVAL_DICT, EVAL_SRC, EVAL_TGT, circle, declared_and_taken_steps, noisy_pair
from offramp._version import __version__
from offramp.alignment import candidates, retrieval
from offramp.alignment.retrieval import knn
from offramp.bootstrap import _progress
from offramp.bootstrap.evaluation.bli import evaluate_bli
from offramp.bootstrap.evaluation.rerankers import make_reranker
from offramp.bootstrap.io.embeddings import make_keyed_vectors


def test_evaluate_bli_hand_example():
    out = evaluate_bli(EVAL_SRC, EVAL_TGT, EVAL_DICT, method="nn")
    # covered: a (rank 1), b (rank 3), c (rank 1); uncovered: x (src OOV), d (no tgt in vocab)
    assert out["n_test"] == 5 and out["n_covered"] == 3 and out["coverage"] == pytest.approx(60.0)
    assert out["p@1"] == pytest.approx(200 / 3) and out["p@5"] == pytest.approx(100.0)
    assert out["mrr"] == pytest.approx(100 * (1 + 1 / 3 + 1) / 3)
    assert out["counted_wrong"]["p@1"] == pytest.approx(40.0)  # 2 of 5
    assert out["oov"] == {"n_src_oov": 1, "n_no_tgt_in_vocab": 1, "src_oov_examples": ["x"],
                          "no_tgt_examples": ["d"]}
    assert out["n_pairs"] == 6 and out["method"] == "nn" and out["csls_k"] is None and out["unit"] == "percent"
    for method in ("csls", "isf"):
        scores = evaluate_bli(EVAL_SRC, EVAL_TGT, EVAL_DICT, method=method, csls_k=2)
        assert scores["n_covered"] == 3 and 0 <= scores["p@1"] <= 100


def test_evaluate_bli_file_lowercase_and_errors(tmp_path):
    path = tmp_path / "test.txt"
    path.write_text("A a\nC c\n", encoding="utf-8")  # reversed and upper-cased
    src = circle(["a", "c"], [0, 180])
    tgt = circle(["a", "c"], [0, 180])
    assert evaluate_bli(src, tgt, str(path), lowercase=True)["p@1"] == 100.0
    with pytest.raises(ValueError, match="lowercased, 2 pairs would match"):
        evaluate_bli(src, tgt, str(path))
    with pytest.raises(ValueError, match=r"different dimensions \(src 2, tgt 3\)"):
        evaluate_bli(src, make_keyed_vectors(["a"], np.ones((1, 3))), [("a", "a")])
    with pytest.raises(ValueError, match="method must be one of"):
        evaluate_bli(src, tgt, [("a", "a")], method="cos")
    with pytest.raises(ValueError, match="the test dictionary holds no pairs"):
        evaluate_bli(src, tgt, [])


def test_nearest_neighbours_of_hand_example_are_as_documented():
    """Guard for the comments above: the expected ranks come from the angles."""
    S = EVAL_SRC.vectors @ EVAL_TGT.vectors.T
    _, index = knn(EVAL_SRC.vectors, EVAL_TGT.vectors, 5)
    order = [[EVAL_TGT.index_to_key[j] for j in row] for row in index]
    assert order == [["A", "E", "D2", "B", "C"], ["B", "E", "C", "A", "D2"], ["C", "B", "D2", "E", "A"],
                     ["D2", "A", "C", "E", "B"]]
    assert np.all(-np.diff(np.sort(S, axis=1), axis=1) < -1e-3)  # no ties


@pytest.mark.parametrize("model", ["linear", "trees"])
def test_evaluate_isf_computes_its_normaliser_once(monkeypatch, capsys, model):
    """evaluate with the inverted softmax computes the targets' normaliser once, as a step of its own,
    for the gold ranks, the tuning words and the re-ranked test words; the scores are those of the
    searches that compute it each time (same numbers: the normaliser is the same array)."""
    src, tgt, tune = noisy_pair()
    test = [(f"s{i}", f"t{i}") for i in range(1, 40, 2)]
    calls = []
    real = retrieval.isf_normaliser

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    for module in (retrieval, candidates):  # where it is defined, and where it is imported
        monkeypatch.setattr(module, "isf_normaliser", counting)
    monkeypatch.setattr(_progress, "STEPS_MIN_PAIRS", 0)
    out = evaluate_bli(src, tgt, test, method="isf", rerank=make_reranker(("ortho", "freq"), k=10, model=model),
                       tune_dict=tune)
    assert len(calls) == 1
    err = capsys.readouterr().err
    assert "inverted-softmax normaliser of 45 target words" in err
    totals, taken = declared_and_taken_steps(err)
    assert len(totals) == 1 and taken == set(range(1, max(totals) + 1))
    plain = evaluate_bli(src, tgt, test, method="isf", progress=False)
    assert out["rerank"]["without_rerank"]["p@1"] == plain["p@1"]


@pytest.mark.parametrize("kwargs, fields", [
    ({"method": "nn"}, "retrieval:nn|norm:unit"),
    ({}, "retrieval:csls|csls:10|norm:unit"),
    ({"method": "isf", "beta": 10.0, "normalize": False}, "retrieval:isf|beta:10.0|norm:none"),
    ({"method": "nn", "rerank": ("ortho",)}, "retrieval:nn|norm:unit"),
])
def test_evaluate_bli_signature(kwargs, fields):
    out = evaluate_bli(EVAL_SRC, EVAL_TGT, EVAL_DICT, progress=False, **kwargs)
    rerank = "|rerank:ortho=0.3" if "rerank" in kwargs else ""
    assert out["signature"] == f"offramp:{__version__}|{fields}|dtype:float32|device:cpu{rerank}"
    lowercase = evaluate_bli(EVAL_SRC, EVAL_TGT, EVAL_DICT, progress=False, lowercase=True, **kwargs)
    assert lowercase["signature"] == f"offramp:{__version__}|{fields}|dtype:float32|device:cpu|lowercase:yes{rerank}"


def test_evaluate_in_place_normalisation_gives_the_same_scores():
    """copy=False (what evaluate_files does with the vectors it read) normalises the spaces' own arrays:
    the scores are those of the copying path."""
    src, tgt, tune = noisy_pair()
    expected = evaluate_bli(src, tgt, tune, csls_k=3, progress=False)
    got = evaluate_bli(src, tgt, tune, csls_k=3, progress=False, copy=False)
    assert {k: got[k] for k in ("p@1", "p@5", "mrr")} == {k: expected[k] for k in ("p@1", "p@5", "mrr")}
    np.testing.assert_allclose(np.linalg.norm(tgt.vectors, axis=1), 1, atol=1e-6)
