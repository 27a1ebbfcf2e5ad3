"""Lexicon induction (:func:`offramp.bootstrap.evaluation.induce.induce_lexicon`): hand-checked lexicons,
searches in slices against whole score matrices, re-ranked induction, and the returned Lexicon."""
import numpy as np
import pytest
import scipy.special

from fixtures.spaces import CUDA, EVAL_SRC, EVAL_TGT, declared_and_taken_steps, noisy_pair, slice_rows
from offramp._version import __version__
from offramp.bootstrap import _progress
from offramp.bootstrap.evaluation.induce import Lexicon, induce_lexicon
from offramp.bootstrap.evaluation.rerankers import make_reranker
from offramp.bootstrap.io.embeddings import make_keyed_vectors
from offramp.bootstrap.io.outputs import write_lexicon


def test_induce_lexicon_and_write(tmp_path):
    rows = induce_lexicon(EVAL_SRC, EVAL_TGT, method="nn", k=2)
    assert [(s, t, r) for s, t, _, r in rows] == [("a", "A", 1), ("a", "E", 2), ("b", "B", 1), ("b", "E", 2),
                                                  ("c", "C", 1), ("c", "B", 2), ("d", "D2", 1), ("d", "A", 2)]
    assert rows[0][2] == pytest.approx(np.cos(np.deg2rad(5)), abs=1e-6)  # float32 cosine
    assert [r[0] for r in induce_lexicon(EVAL_SRC, EVAL_TGT, method="nn", max_src=2)] == ["a", "b"]
    # mutual: each best target's own best source is the query (E, nobody's first choice, is b's)
    mutual = induce_lexicon(EVAL_SRC, EVAL_TGT, method="nn", mutual=True)
    assert [(s, t) for s, t, _, _ in mutual] == [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D2")]
    path = write_lexicon(rows[:2], tmp_path / "lex.tsv")
    lines = open(path, encoding="utf-8").read().splitlines()
    assert lines[0] == "# source\ttarget\tscore\trank"
    assert lines[1] == f"a\tA\t{rows[0][2]:.6f}\t1" and lines[2].startswith("a\tE\t")
    with pytest.raises(ValueError, match="k must be >= 1"):
        induce_lexicon(EVAL_SRC, EVAL_TGT, k=0)


def _brute_lexicon(src, tgt, method, k, mutual, csls_k=3, beta=30.0, reference=None):
    """Reference lexicon from whole score matrices (float64), for the slicing test below; ``reference``:
    CSLS's r terms against only that many most frequent words of the other side."""
    X = src.vectors / np.linalg.norm(src.vectors, axis=1, keepdims=True)
    Z = tgt.vectors / np.linalg.norm(tgt.vectors, axis=1, keepdims=True)
    S = X.astype(np.float64) @ Z.T.astype(np.float64)

    def score(S):
        if method == "nn":
            return S
        if method == "csls":
            r_src = np.sort(S[:, :reference], axis=1)[:, -csls_k:].mean(axis=1)
            r_tgt = np.sort(S[:reference], axis=0)[-csls_k:].mean(axis=0)
            return 2 * S - r_src[:, None] - r_tgt[None, :]
        return beta * S - scipy.special.logsumexp(beta * S, axis=0)[None, :]

    fwd = score(S)
    index = np.argsort(-fwd, axis=1, kind="stable")[:, :k]
    back = np.argmax(score(S.T), axis=1)
    rows = []
    for i in range(len(src)):
        for r, j in enumerate(index[i]):
            if not mutual or back[j] == i:
                rows.append((src.index_to_key[i], tgt.index_to_key[j], fwd[i, j], r + 1))
    return rows


@pytest.mark.parametrize("method", ["nn", "csls", "isf"])
@pytest.mark.parametrize("mutual", [False, True])
def test_induce_in_slices_matches_whole_matrices(monkeypatch, capsys, method, mutual):
    """induce_lexicon searches in slices of SLICE_ROWS queries (7 here, so 60 and 45 words make 9
    and 7 slices, the last short) with the column terms computed once: the lexicon is the one that
    whole float64 score matrices give, and the step lines count their words to 100%. Scores agree to
    float32 rounding of cosines of unit vectors in dim 8 (1e-6), times 4 for CSLS's four cosine terms
    and beta = 30 for the inverted softmax (plus its log-sum-exp, 1e-4 in all)."""
    rng = np.random.default_rng(11)
    src = make_keyed_vectors([f"s{i}" for i in range(60)], rng.standard_normal((60, 8)))
    tgt = make_keyed_vectors([f"t{i}" for i in range(45)], rng.standard_normal((45, 8)))
    slice_rows(monkeypatch, 7)
    monkeypatch.setattr(_progress, "STEPS_MIN_PAIRS", 0)
    rows = induce_lexicon(src, tgt, method=method, k=3, csls_k=3, mutual=mutual)
    expected = _brute_lexicon(src, tgt, method, 3, mutual)
    assert [r[:2] + r[3:] for r in rows] == [r[:2] + r[3:] for r in expected]
    tol = {"nn": 1e-6, "csls": 4e-6, "isf": 1e-4}[method]
    np.testing.assert_allclose([r[2] for r in rows], [r[2] for r in expected], atol=tol)
    err = capsys.readouterr().err
    n_steps = 1 + mutual + (method != "nn") * (1 + mutual)
    assert f"step {n_steps}/{n_steps}: " in err and f"step {n_steps + 1}/" not in err
    assert "translating 60 source words 100%" in err


@pytest.mark.parametrize("device", ["cpu", CUDA])
@pytest.mark.parametrize("method", ["nn", "csls", "isf"])
@pytest.mark.parametrize("model", ["linear", "trees"])
@pytest.mark.parametrize("mutual", [False, True])
def test_reranked_induce_in_slices_matches_one_search(monkeypatch, capsys, method, model, mutual, device):
    """The re-ranked induce shares its terms between the directions and the slices (the sources' CSLS
    r term, the inverted softmax's normaliser, the trees' backward margins filled by the way back):
    in slices of 7 words it writes the lexicon that one slice of every word writes, and it takes
    exactly the steps it announces. Scores agree to float32 rounding (1e-5: the searches of 7 rows
    and of 60 may round cosines differently; the trees' probabilities are read from the same trees)."""
    src, tgt, tune = noisy_pair()
    kwargs = dict(method=method, k=2, csls_k=3, mutual=mutual, tune_dict=tune,
                  rerank=make_reranker(("ortho", "freq"), k=10, model=model), device=device)
    whole = induce_lexicon(src, tgt, progress=False, **kwargs)
    slice_rows(monkeypatch, 7)
    monkeypatch.setattr(_progress, "STEPS_MIN_PAIRS", 0)
    sliced = induce_lexicon(src, tgt, **kwargs)
    assert [r[:2] + r[3:] for r in sliced] == [r[:2] + r[3:] for r in whole] and whole
    np.testing.assert_allclose([r[2] for r in sliced], [r[2] for r in whole], atol=1e-5)
    totals, taken = declared_and_taken_steps(capsys.readouterr().err)
    assert len(totals) == 1 and taken == set(range(1, max(totals) + 1))


def test_induce_returns_a_lexicon_with_its_report_and_signature():
    lexicon = induce_lexicon(EVAL_SRC, EVAL_TGT, method="nn", k=2, max_src=3, mutual=True, progress=False)
    assert isinstance(lexicon, Lexicon) and isinstance(lexicon, list)
    assert [(s, t, r) for s, t, _, r in lexicon] == [("a", "A", 1), ("b", "B", 1), ("b", "E", 2), ("c", "C", 1)]
    info = lexicon.info
    assert (info["n_src"], info["n_src_vocab"], info["n_tgt_vocab"]) == (3, 4, 5)
    assert info["rerank"] is None and info["device"] == "cpu" and info["wall_s"] >= 0
    # the way back of the 4 targets chosen, not of all 5
    assert [step["step"] for step in info["steps"]] == ["translating 3 source words", "translating 4 target words back"]
    assert lexicon.signature == (f"offramp:{__version__}|retrieval:nn|k:2|max_src:3|mutual:yes|dtype:float32"
                                 "|device:cpu")
    assert Lexicon().info == {} and Lexicon().signature is None


@pytest.mark.parametrize("kwargs, fields", [
    ({}, "retrieval:csls|csls:10|k:1|mutual:no"),
    ({"method": "isf", "beta": 10.0, "k": 3}, "retrieval:isf|beta:10.0|k:3|mutual:no"),
    ({"rerank": ("ortho",)}, "retrieval:csls|csls:10|k:1|mutual:no|rerank:ortho=0.3"),
])
def test_induce_signature_names_what_changes_the_lexicon(kwargs, fields):
    lexicon = induce_lexicon(EVAL_SRC, EVAL_TGT, progress=False, **kwargs)
    assert lexicon.signature == f"offramp:{__version__}|{fields}|dtype:float32|device:cpu"


def test_return_info_is_deprecated_and_still_returns_the_pair():
    with pytest.warns(DeprecationWarning, match=r"return_info=True\) is deprecated.*\.info"):
        lexicon, info = induce_lexicon(EVAL_SRC, EVAL_TGT, method="nn", progress=False, return_info=True)
    assert isinstance(lexicon, Lexicon) and info is lexicon.info
    assert list(lexicon) == list(induce_lexicon(EVAL_SRC, EVAL_TGT, method="nn", progress=False))


@pytest.mark.parametrize("mutual", [False, True])
def test_csls_terms_against_the_most_frequent_words(monkeypatch, mutual):
    """CSLS's r terms are measured against the other side's CSLS_REFERENCE most frequent words (200k:
    a 2M-word space costs 2M x 200k, not 2M x 2M); with a reference of 12 the lexicon is the one that
    whole score matrices give with the terms cut the same way."""
    from offramp.alignment import retrieval

    rng = np.random.default_rng(12)
    src = make_keyed_vectors([f"s{i}" for i in range(40)], rng.standard_normal((40, 6)))
    tgt = make_keyed_vectors([f"t{i}" for i in range(30)], rng.standard_normal((30, 6)))
    monkeypatch.setattr(retrieval, "CSLS_REFERENCE", 12)
    rows = induce_lexicon(src, tgt, method="csls", k=2, csls_k=3, mutual=mutual, progress=False)
    expected = _brute_lexicon(src, tgt, "csls", 2, mutual, reference=12)
    assert [r[:2] + r[3:] for r in rows] == [r[:2] + r[3:] for r in expected]
    np.testing.assert_allclose([r[2] for r in rows], [r[2] for r in expected], atol=4e-6)
    assert [r[:2] for r in rows] != [r[:2] for r in _brute_lexicon(src, tgt, "csls", 2, mutual)]


@pytest.mark.parametrize("method", ["nn", "csls", "isf"])
@pytest.mark.parametrize("rerank", [None, ("ortho", "freq")])
def test_max_src_is_the_source_side(method, rerank):
    """With max_src the translated words are the whole source side: the column terms and the way back
    see only them, as if only they had been read (cost max_src x n_tgt)."""
    src, tgt, tune = noisy_pair(n_src=60, n_tgt=45, noise=1.0)
    cut = make_keyed_vectors(src.index_to_key[:25], src.vectors[:25])
    tune = tune[:10]  # s0..s18: inside the cut
    opts = {"method": method, "csls_k": 3, "mutual": True, "progress": False, "rerank": rerank,
            "tune_dict": tune if rerank else None}
    rows = induce_lexicon(src, tgt, max_src=25, **opts)
    assert [r[:2] for r in rows] == [r[:2] for r in induce_lexicon(cut, tgt, **opts)]


@pytest.mark.parametrize("mutual", [False, True])
def test_in_place_normalisation_gives_the_same_lexicon(mutual):
    """copy=False (what induce_files does with the vectors it read) scales the spaces' own rows to unit
    length instead of a copy, and finds the same lexicon."""
    src, tgt, _ = noisy_pair()
    expected = induce_lexicon(src, tgt, mutual=mutual, csls_k=3, progress=False)
    rows = induce_lexicon(src, tgt, mutual=mutual, csls_k=3, progress=False, copy=False)
    assert [r[:2] + r[3:] for r in rows] == [r[:2] + r[3:] for r in expected]
    np.testing.assert_allclose(np.linalg.norm(src.vectors, axis=1), 1, atol=1e-6)
