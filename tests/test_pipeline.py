"""The word-level pipeline: align_embeddings, save_aligned, evaluate_bli, induce_lexicon, write_lexicon."""
import json
import os

import numpy as np
import pytest
import scipy.special

from offramp.alignment._backend import cuda_available
from offramp.alignment.retrieval import knn
from offramp.bootstrap import align as pipeline  # noqa: TODO-helper
from offramp.bootstrap.io.embeddings import load_embeddings, make_keyed_vectors
from offramp.bootstrap.errors import FormatError
from offramp.bootstrap.align import SEED_MODES, align_embeddings
from offramp.bootstrap.io.outputs import SIDECAR_SUFFIX, read_space_info, save_aligned, space_id, write_lexicon
from offramp.bootstrap.evaluation.bli import evaluate_bli
from offramp.bootstrap.evaluation.induce import induce_lexicon

N_WORDS, DIM = 300, 16
# Source ranks that are spelled the same in the target: even ones numerals, odd ones names.
SHARED_RANKS = list(range(3, 83, 8))


def make_spaces(n=N_WORDS, dim=DIM, random_state=0):
    """Two vocabularies whose vectors differ by a random rotation, rows shuffled.

    Source words are ``s{i}``, their translations ``t{i}``, except 10 words spelled alike in both
    (5 numerals, 5 names), so every seed mode has something to start from.

    Returns
    -------
    src, tgt : KeyedVectors
    gold : list of (str, str)
        The translation of every source word, in source frequency order.
    """
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n, dim)) * np.linspace(2.0, 0.5, dim)[None, :] + rng.standard_normal(dim)[None, :]
    Q, T = np.linalg.qr(rng.standard_normal((dim, dim)))
    perm = rng.permutation(n)
    Z = np.empty_like(X)
    Z[perm] = X @ (Q * np.sign(np.diag(T))[None, :])
    src = [f"s{i}" for i in range(n)]
    for j, rank in enumerate(SHARED_RANKS):
        src[rank] = str(1990 + j) if j % 2 == 0 else f"name{j}"
    tgt = [None] * n
    for i, word in enumerate(src):
        tgt[perm[i]] = word if i in SHARED_RANKS else f"t{i}"
    gold = [(src[i], tgt[perm[i]]) for i in range(n)]
    counts = np.arange(n, 0, -1) * 7
    return make_keyed_vectors(src, X, counts), make_keyed_vectors(tgt, Z), gold


@pytest.fixture(scope="module")
def spaces():
    return make_spaces()


@pytest.mark.parametrize("seed, n_seed", [
    ("dictionary", 40),
    ("identical", 10),
    ("numerals", 5),
    ("identical+numerals", 10),  # numerals are identical strings: no new pairs
    ("dictionary+identical", 45),  # 40 dictionary pairs, 5 of them identical already
    ("unsupervised", None),
])
def test_align_every_seed_mode_recovers_the_rotation(spaces, seed, n_seed):
    src, tgt, gold = spaces
    # the default recipe with a quicker stochastic schedule (keep_prob doubles every iteration)
    result = align_embeddings(src, tgt, seed=seed, seed_dict=gold[:40] if "dictionary" in seed else None,
                              progress=False, random_state=0, stochastic_interval=1)
    assert result.report["seed"].get("n_seed_pairs") == n_seed
    out = evaluate_bli(result.src_mapped, result.tgt_mapped, gold[100:], method="nn")
    assert out["p@1"] == 100.0 and out["coverage"] == 100.0 and out["n_test"] == N_WORDS - 100
    assert result.src_mapped.vectors.dtype == np.float32
    assert result.src_mapped.index_to_key == src.index_to_key and result.tgt_mapped.index_to_key == tgt.index_to_key
    # the mapped spaces can map new vectors: the source's own vectors land on its mapped rows (rows
    # outside the seed: a seed word's written row leaves its own residual out of the refinement).
    # Linear modes run the same float32 operations in the same order; the refined dictionary mode
    # sums its neighbours' residuals in other blocks, so its rows agree to a few float32 ulps
    rows = slice(200, 205)
    if result.refiner is None:
        np.testing.assert_array_equal(result.transform_src(src.vectors[rows]), result.src_mapped.vectors[rows])
    else:
        np.testing.assert_allclose(result.transform_src(src.vectors[rows]), result.src_mapped.vectors[rows],
                                   atol=1e-6)
    np.testing.assert_array_equal(result.src_mapped.get_vecattr("s0", "count"), src.get_vecattr("s0", "count"))


@pytest.mark.gpu
@pytest.mark.skipif(not cuda_available(), reason="CuPy with a visible GPU is not available")
def test_align_evaluate_induce_on_cuda_match_cpu(spaces):
    src, tgt, gold = spaces
    runs = {device: align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], preset="procrustes",
                                     device=device, progress=False) for device in ("cpu", "cuda")}
    cpu, gpu = runs["cpu"], runs["cuda"]
    assert gpu.report["device"] == "cuda" and isinstance(gpu.src_mapped.vectors, np.ndarray)
    # the same float32 Procrustes fit on two BLAS implementations: coordinates of unit-length
    # vectors agree to ~dim * eps32
    np.testing.assert_allclose(gpu.src_mapped.vectors, cpu.src_mapped.vectors, atol=1e-5)
    for device in ("cpu", "cuda"):
        assert evaluate_bli(gpu.src_mapped, gpu.tgt_mapped, gold[100:], device=device)["p@1"] == 100.0
    lexicons = [[(s, t, r) for s, t, _, r in induce_lexicon(gpu.src_mapped, gpu.tgt_mapped, device=device)]
                for device in ("cpu", "cuda")]
    assert lexicons[0] == lexicons[1]


def test_align_report_and_history(spaces):
    src, tgt, gold = spaces
    result = align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], validation_dict=gold[200:],
                              progress=False, max_iter=5, csls_k=5)
    report = result.report
    json.dumps(report, default=float)  # serialisable
    assert report["command"] == "align" and report["preset"] == "offramp" and report["device"] == "cpu"
    assert (report["n_src"], report["n_tgt"], report["dim"]) == (N_WORDS, N_WORDS, DIM)
    assert report["params"]["csls_k"] == 5 and report["params"]["max_iter"] == 5
    assert report["seed"]["n_pairs_in_vocab"] == 40 and report["seed"]["validation"]["n_entries"] == 100
    assert 1 <= report["n_iter"] == len(report["history"]) <= 5
    for i, entry in enumerate(report["history"], start=1):
        assert entry["iteration"] == i
        assert isinstance(entry["objective"], float) and entry["time_s"] >= 0 and "val_p@1" in entry
    assert report["wall_s"] >= report["fit_s"] > 0


def test_align_presets(spaces):
    src, tgt, gold = spaces
    for preset in ("procrustes", "supervised"):
        result = align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], preset=preset, progress=False)
        assert result.report["n_iter"] == 0 and result.report["history"] == []
        out = evaluate_bli(result.src_mapped, result.tgt_mapped, gold[100:], method="nn")
        assert out["p@1"] == 100.0, preset


def test_seed_dictionary_file_errors_name_file_and_line(spaces, tmp_path):
    src, tgt, gold = spaces
    path = tmp_path / "seed.txt"
    path.write_text("s0\tt0\ns1 t1 extra\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"seed\.txt:2: expected 2 fields, got 3"):
        align_embeddings(src, tgt, seed="dictionary", seed_dict=str(path), progress=False)


def test_no_pair_dictionary_suggests_swapping(spaces, tmp_path):
    src, tgt, gold = spaces
    path = tmp_path / "reversed.txt"
    path.write_text("".join(f"{t}\t{s}\n" for s, t in gold[100:140]), encoding="utf-8")
    with pytest.raises(ValueError, match=r"reversed\.txt: 0 of 40 dictionary pairs are in the vocabulary "
                                         r"\(src OOV 40, tgt OOV 40\); with source and target swapped, "
                                         r".*are the source and target vectors or vocabularies swapped\?"):
        align_embeddings(src, tgt, seed="dictionary", seed_dict=str(path), progress=False)
    with pytest.raises(ValueError, match="are the source and target vectors or vocabularies swapped"):
        evaluate_bli(src, tgt, str(path))


@pytest.mark.parametrize("kwargs, match", [
    ({"seed": "gold"}, "seed must be one of"),
    ({"seed": "identical", "preset": "muse"}, "preset must be one of"),
    ({"seed": "dictionary"}, r"seed='dictionary' needs a seed dictionary \(--seed-dict\)"),
    ({"seed_dict": [("s0", "t0")]}, r"a seed dictionary was given, but seed='identical\+numerals' has no "
                                    r"'dictionary' part; add it \(e.g. seed='dictionary'"),  # not ignored
    ({"seed": "identical", "device": "tpu"}, "device must be one of"),
])
def test_align_bad_arguments(spaces, kwargs, match):
    src, tgt, _ = spaces
    with pytest.raises(ValueError, match=match):
        align_embeddings(src, tgt, progress=False, **kwargs)


def test_align_dimension_mismatch_and_empty_seed():
    src = make_keyed_vectors(["a", "b"], np.eye(2))
    with pytest.raises(ValueError, match=r"different dimensions: src dim=2, tgt dim=3; train both with the same --dim"):
        align_embeddings(src, make_keyed_vectors(["a", "b", "c"], np.eye(3)), seed="identical", progress=False)
    with pytest.raises(ValueError, match="found no seed pairs in these vocabularies; try another seed mode"):
        align_embeddings(src, make_keyed_vectors(["x", "y"], np.eye(2)), seed="numerals", progress=False)
    assert "unsupervised" in SEED_MODES


def test_save_aligned_writes_files_sidecars_and_report(spaces, tmp_path):
    src, tgt, gold = spaces
    result = align_embeddings(src, tgt, seed="identical", progress=False, max_iter=3)
    out_src, out_tgt, report = tmp_path / "en.vec", tmp_path / "fi.vec", tmp_path / "r" / "report.json"
    sid = save_aligned(result, out_src, out_tgt, report_path=report, signature="offramp:test")
    assert sid == space_id(result) and len(sid) == 16
    for path, side, kv in ((out_src, "src", result.src_mapped), (out_tgt, "tgt", result.tgt_mapped)):
        loaded = load_embeddings(path)
        assert loaded.index_to_key == kv.index_to_key
        np.testing.assert_array_equal(loaded.vectors, kv.vectors)
        info = read_space_info(path)
        assert info == json.loads((tmp_path / (path.name + SIDECAR_SUFFIX)).read_text(encoding="utf-8"))
        assert info["space_id"] == sid and info["side"] == side and info["mapped"] is True
        assert info["signature"] == "offramp:test" and info["seed"] == "identical" and info["dim"] == DIM
    saved = json.loads(report.read_text(encoding="utf-8"))
    assert saved["space_id"] == sid and len(saved["history"]) == saved["n_iter"]
    assert read_space_info(tmp_path / "nothing.vec") is None
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_save_aligned_writes_all_outputs_or_none(spaces, tmp_path):
    """A target word that word2vec cannot hold (a space): neither the source file, its sidecar nor the
    report is left behind, although the source side is written first."""
    src, tgt, _ = spaces
    result = align_embeddings(src, tgt, seed="identical", progress=False, max_iter=3)
    result.tgt_mapped.index_to_key[-1] = "new york"
    with pytest.raises(ValueError, match="'new york' is empty or contains a space"):
        save_aligned(result, tmp_path / "en.vec", tmp_path / "fi.vec", report_path=tmp_path / "r.json")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("content, match", [
    ("", r"en\.vec\.offramp\.json: the sidecar of .*en\.vec is damaged \(Expecting value"),
    ("[1]", r"holds a JSON list, not the object offramp align writes; delete it"),
    (None, r"en\.vec\.offramp\.json: the sidecar of .*en\.vec is not a file"),
])
def test_read_space_info_damaged_sidecar(tmp_path, content, match):
    meta = tmp_path / ("en.vec" + SIDECAR_SUFFIX)
    if content is None:
        meta.mkdir()
    else:
        meta.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        read_space_info(tmp_path / "en.vec")


def test_save_aligned_binary_and_one_side(spaces, tmp_path):
    src, tgt, _ = spaces
    result = align_embeddings(src, tgt, seed="identical", preset="procrustes", progress=False)
    save_aligned(result, tmp_path / "en.bin", None, binary=True)
    assert sorted(os.listdir(tmp_path)) == ["en.bin", "en.bin" + SIDECAR_SUFFIX]
    np.testing.assert_array_equal(load_embeddings(tmp_path / "en.bin").vectors, result.src_mapped.vectors)


# A hand-checkable evaluation: unit vectors at angles on a circle (dim 2).
def _circle(words, degrees):
    rad = np.deg2rad(degrees)
    return make_keyed_vectors(words, np.stack([np.cos(rad), np.sin(rad)], axis=1))


EVAL_SRC = _circle(["a", "b", "c", "d"], [0, 90, 180, 270])
EVAL_TGT = _circle(["A", "B", "C", "D2", "E"], [5, 95, 150, 300, 50])
# Angular distances (degrees) from each source word, nearest first:
#   a (0):   A 5, E 50, D2 60, B 95, C 150      b (90):  B 5, E 40, C 60, A 85, D2 150
#   c (180): C 30, B 85, E 130, A 175, D2 120 -> C, B, D2, E, A
#   d (270): D2 30, A 95, C 120, B 175, E 140 -> D2, A, C, E, B
# Test dictionary: a has two gold translations (A2 is not in the target vocabulary; A ranks 1),
# b's gold C ranks 3, c -> C ranks 1, x is not in the source vocabulary, and d's only
# translation D is not in the target vocabulary.
EVAL_DICT = [("a", "A2"), ("a", "A"), ("b", "C"), ("c", "C"), ("x", "X"), ("d", "D")]


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
    src = _circle(["a", "c"], [0, 180])
    tgt = _circle(["a", "c"], [0, 180])
    assert evaluate_bli(src, tgt, str(path), lowercase=True)["p@1"] == 100.0
    with pytest.raises(ValueError, match="lowercased, 2 pairs would match"):
        evaluate_bli(src, tgt, str(path))
    with pytest.raises(ValueError, match=r"different dimensions \(src 2, tgt 3\)"):
        evaluate_bli(src, make_keyed_vectors(["a"], np.ones((1, 3))), [("a", "a")])
    with pytest.raises(ValueError, match="method must be one of"):
        evaluate_bli(src, tgt, [("a", "a")], method="cos")
    with pytest.raises(ValueError, match="the test dictionary holds no pairs"):
        evaluate_bli(src, tgt, [])


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


def test_nearest_neighbours_of_hand_example_are_as_documented():
    """Guard for the comments above: the expected ranks come from the angles."""
    S = EVAL_SRC.vectors @ EVAL_TGT.vectors.T
    _, index = knn(EVAL_SRC.vectors, EVAL_TGT.vectors, 5)
    order = [[EVAL_TGT.index_to_key[j] for j in row] for row in index]
    assert order == [["A", "E", "D2", "B", "C"], ["B", "E", "C", "A", "D2"], ["C", "B", "D2", "E", "A"],
                     ["D2", "A", "C", "E", "B"]]
    assert np.all(-np.diff(np.sort(S, axis=1), axis=1) < -1e-3)  # no ties


def test_align_with_instance_refinement(spaces):
    src, tgt, gold = spaces
    # 'auto' leaves VecMap's presets and one Procrustes fit linear, and refines the offramp preset
    plain = align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], preset="procrustes", progress=False)
    result = align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], preset="procrustes",
                              progress=False, refine="instance", refine_options={"n_neighbors": 5})
    auto = align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], progress=False, max_iter=2)
    assert auto.report["refine"]["method"] == "instance" and auto.report["refine"]["anchors"] == "dictionary"
    assert align_embeddings(src, tgt, seed="identical", progress=False, max_iter=2).report["refine"] is None
    info = result.report["refine"]
    assert info["method"] == "instance" and info["n_neighbors"] == 5 and info["step"] == 0.3
    assert info["n_src_anchors"] == info["n_tgt_anchors"] == 40
    assert plain.report["refine"] is None and result.refiner is not None
    # a pure rotation leaves no residual to learn: the refined space scores like the plain one
    assert evaluate_bli(result.src_mapped, result.tgt_mapped, gold[100:], method="nn")["p@1"] == 100.0
    # new vectors go through the same map and refinement; a non-anchor row lands on its written
    # row (same float32 operations; the written file holds unit rows)
    rows = [src.key_to_index[s] for s, _ in gold[100:105]]
    np.testing.assert_allclose(result.transform_src(src.vectors[rows]), result.src_mapped.vectors[rows], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(result.tgt_mapped.vectors, axis=1), 1.0, atol=1e-6)
    assert space_id(result) != space_id(plain)
    # the same anchors with another step give other vectors, so another space id
    other = align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], preset="procrustes",
                             progress=False, refine="instance", refine_options={"n_neighbors": 5, "step": 0.1})
    assert space_id(other) != space_id(result)


@pytest.mark.parametrize("kwargs, match", [
    ({"seed": "unsupervised", "refine": "instance"}, "unsupervised mode has none"),
    ({"seed": "identical", "preset": "unsupervised", "refine": "instance"},
     "preset 'unsupervised' starts from no seed"),
    ({"seed": "identical", "refine": "instance", "refine_options": {"steps": 0.2}}, "refine_options: .*steps"),
    ({"seed": "identical", "refine": "instance", "refine_options": {"step": 2}}, "step must be in"),
    ({"seed": "identical", "refine": "affine"}, "refine must be None, 'auto' or one of"),
    ({"seed": "identical", "refine_options": {"step": 0.5}}, "no refinement runs"),
    ({"seed": "dictionary", "seed_dict": [("s0", "t0")], "preset": "supervised", "refine_options": {"step": 0.5}},
     "no refinement runs"),
])
def test_align_refine_errors(spaces, kwargs, match):
    src, tgt, _ = spaces
    with pytest.raises(ValueError, match=match):
        align_embeddings(src, tgt, progress=False, **kwargs)


@pytest.mark.parametrize("refine", ["auto", "instance"])
def test_a_dictionary_with_no_pair_in_vocabulary_fails_beside_other_seeds(spaces, refine):
    """Identical strings would give 'dictionary+identical' pairs of their own, but a dictionary none of
    whose pairs is in the vocabularies is a mistake (the wrong file, or one the other way round)."""
    src, tgt, _ = spaces
    with pytest.raises(ValueError, match="0 of 1 dictionary pairs are in the vocabulary"):
        align_embeddings(src, tgt, seed="dictionary+identical", seed_dict=[("zzz", "yyy")], progress=False,
                         max_iter=2, refine=refine)


def _aux_spaces(spaces, n=200):
    """Auxiliary spaces for ``via``: the 200 most frequent source words and their translations, with
    their own random rotation, so the unsupervised start has spaces of one shape to align."""
    from offramp.bootstrap.io.embeddings import subset

    src, tgt, gold = spaces
    words = [s for s, _ in gold[:n]]
    aux_src = subset(src, words)
    rng = np.random.default_rng(11)
    Q, _ = np.linalg.qr(rng.standard_normal((DIM, DIM)))
    tgt_words = [t for _, t in gold[:n]]
    aux_tgt = make_keyed_vectors(tgt_words, subset(tgt, tgt_words).vectors @ Q)
    return aux_src, aux_tgt


def test_unsupervised_via_auxiliary_spaces(spaces, monkeypatch):
    # the auxiliary pair is aligned with no seed (3 restarts, the loop's settings as the main one's),
    # its mutual translations seed the main pair, and the main loop finds the rotation. The
    # auxiliary spaces are exact rotations of each other, so every seed pair is a gold one. (The
    # unsupervised start on Gaussian vectors of 16 dimensions is fragile: 200 words in this order
    # with stochastic_interval 1 align, other orders or schedules may not; restarts guard it.)
    src, tgt, gold = spaces
    checks = []
    check = pipeline.shared_string_check
    monkeypatch.setattr(pipeline, "shared_string_check", lambda *a, **k: checks.append(k) or check(*a, **k))
    result = align_embeddings(src, tgt, seed="unsupervised", via=_aux_spaces(spaces), via_options={"restarts": 3},
                              progress=False, random_state=0, stochastic_interval=1)
    assert len(checks) == 1 and "exclude" not in checks[0]  # once, on the main spaces, over every string
    via = result.report["seed"]["via"]
    assert result.report["seed"]["mode"] == "unsupervised"
    assert via["restarts"] == 3 and via["top"] == 2000 and len(via["aux_objectives"]) == 3
    assert via["n_aux_src"] == via["n_aux_tgt"] == 200 and via["n_seed_pairs"] == via["n_mutual_pairs"] > 150
    seeds = result.report["seed"]["n_seed_pairs"]
    assert seeds == via["n_seed_pairs"] and result.refiner is None  # 'auto' refines gold dictionaries only
    gold_rows = {(src.key_to_index[s], tgt.key_to_index[t]) for s, t in gold}
    assert {tuple(p) for p in np.asarray(result.estimator.pairs_)[:seeds].tolist()} <= gold_rows
    out = evaluate_bli(result.src_mapped, result.tgt_mapped, gold[200:], method="nn")
    assert out["p@1"] == 100.0
    # the auxiliary alignment saw no spelling, so its seed's shared strings are checked too
    assert result.report["check"]["n_excluded"] == 0 and result.report["check"]["n_checked"] == 10


@pytest.mark.parametrize("kwargs, match", [
    ({"seed": "identical", "via": "AUX"}, "give the unsupervised mode its seed"),
    ({"seed": "unsupervised", "via_options": {"top": 10}}, "without via="),
    ({"seed": "unsupervised", "via": "AUX", "via_options": {"topk": 10}}, r"unknown via_options \['topk'\]"),
    ({"seed": "unsupervised", "via": "AUX", "via_options": {"restarts": 0}}, "must be a positive integer"),
    ({"seed": "unsupervised", "via": ("a",)}, "must be a pair"),
    ({"seed": "unsupervised", "via": "AUX", "parallel": ("x", "y")}, r"\['parallel'\] would be ignored"),
    ({"seed": "unsupervised", "via": "AUX", "seed_dict": [("s0", "t0")], "identical_rank_ratio": 4.0},
     r"\['identical_rank_ratio', 'seed_dict'\] would be ignored"),
    ({"seed": "unsupervised", "via": "AUX", "self_learning": False}, "drop self_learning=False"),
    ({"seed": "unsupervised", "via": "AUX", "preset": "supervised"}, "use a self-learning preset"),
    ({"seed": "unsupervised", "via": "AUX", "refine": "instance"}, "no gold pairs for the refinement"),
    ({"seed": "unsupervised", "via": "AUX", "refine_options": {"step": 0.2}}, "no gold pairs for the refinement"),
    ({"seed": "unsupervised", "via": "AUX", "preset": "muse"}, "preset must be one of"),
    ({"seed": "unsupervised", "via": "AUX", "validation_dict": [("zz", "yy")]}, "0 of 1 dictionary pairs"),
])
def test_via_errors(spaces, kwargs, match):
    src, tgt, _ = spaces
    if kwargs.get("via") == "AUX":
        kwargs = dict(kwargs, via=_aux_spaces(spaces))
    with pytest.raises(ValueError, match=match):
        align_embeddings(src, tgt, progress=False, **kwargs)


def test_via_with_the_unsupervised_preset_still_seeds_the_main_loop(spaces):
    # the preset's own start (similarity init) would drop the induced pairs: the main run starts
    # from them anyway, and its settings (here stochastic_interval) reach both alignments
    src, tgt, gold = spaces
    result = align_embeddings(src, tgt, seed="unsupervised", via=_aux_spaces(spaces), preset="unsupervised",
                              via_options={"restarts": 2}, progress=False, stochastic_interval=1, max_iter=30)
    assert result.estimator.init == "seed" and result.report["seed"]["n_seed_pairs"] > 150
    assert result.estimator.stochastic_interval == 1 and result.report["seed"]["via"]["aux_n_iter"] <= 30
    assert set(result.report["seed"]) == {"mode", "n_seed_pairs", "via"}


def test_via_without_shared_words_says_why(spaces):
    src, tgt, _ = spaces
    rng = np.random.default_rng(0)
    other = (make_keyed_vectors([f"x{i}" for i in range(60)], rng.standard_normal((60, DIM))),
             make_keyed_vectors([f"y{i}" for i in range(60)], rng.standard_normal((60, DIM))))
    with pytest.raises(ValueError, match="none has both words in the main vocabularies"):
        align_embeddings(src, tgt, seed="unsupervised", via=other, via_options={"restarts": 1}, progress=False,
                         max_iter=3)


def test_via_words_maps_prefixes_to_the_most_frequent_words():
    from offramp.bootstrap.align import _via_words

    rng = np.random.default_rng(0)
    src = make_keyed_vectors(["god", "gods", "goddess", "said"], rng.standard_normal((4, 3)))
    tgt = make_keyed_vectors(["jumala", "sanoi", "jumalan", "sanoivat"], rng.standard_normal((4, 3)))
    rows = [("god", "jumal", 0.5, 1), ("gods", "jumal", 0.4, 1), ("said", "sanoi", 0.3, 1), ("xyz", "sanoi", 0.1, 1)]
    # whole words: only pairs with both words in the vocabularies
    assert _via_words(rows[:1] + [("said", "sanoi", 0.3, 1)], src, tgt, None) == [("said", "sanoi")]
    # a prefix stands for the most frequent word that starts with it ('jumal' -> 'jumala', not
    # 'jumalan'); under prefix_len 5, 'sai' is no source prefix ('said' is its own); under 3, 'god'
    # twice is one pair
    assert _via_words([("god", "jumal", 0.5, 1), ("sai", "sanoi", 0.3, 1)], src, tgt, 5) == [("god", "jumala")]
    assert _via_words(rows, src, tgt, 5) == [("god", "jumala"), ("gods", "jumala"), ("said", "sanoi")]
    assert _via_words([("god", "jum", 0.5, 1), ("god", "jum", 0.4, 1)], src, tgt, 3) == [("god", "jumala")]


@pytest.mark.parametrize("side", ["source", "target"])
@pytest.mark.parametrize("call", ["align", "evaluate", "induce"])
def test_a_nan_vector_built_in_memory_is_named_by_its_word(spaces, side, call):
    """The file readers refuse NaN rows; spaces built in memory are checked by each entry point."""
    src, tgt, gold = spaces
    kv = src if side == "source" else tgt
    vectors = kv.vectors.copy()
    vectors[7, 3] = np.nan
    bad = make_keyed_vectors(kv.index_to_key, vectors)
    s, t = (bad, tgt) if side == "source" else (src, bad)
    run = {"align": lambda: align_embeddings(s, t, seed="identical", progress=False),
           "evaluate": lambda: evaluate_bli(s, t, gold[:20], progress=False),
           "induce": lambda: induce_lexicon(s, t, max_src=5, progress=False)}[call]
    with pytest.raises(ValueError, match=rf"the {side} vector of '{kv.index_to_key[7]}' \(row 8\) holds NaN"):
        run()


def _brute_lexicon(src, tgt, method, k, mutual, csls_k=3, beta=30.0):
    """Reference lexicon from whole score matrices (float64), for the slicing test below."""
    X = src.vectors / np.linalg.norm(src.vectors, axis=1, keepdims=True)
    Z = tgt.vectors / np.linalg.norm(tgt.vectors, axis=1, keepdims=True)
    S = X.astype(np.float64) @ Z.T.astype(np.float64)

    def score(S):
        if method == "nn":
            return S
        if method == "csls":
            r_src = np.sort(S, axis=1)[:, -csls_k:].mean(axis=1)
            r_tgt = np.sort(S, axis=0)[-csls_k:].mean(axis=0)
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
    """induce_lexicon searches in slices of PROGRESS_ROWS queries (7 here, so 60 and 45 words make 9
    and 7 slices, the last short) with the column terms computed once: the lexicon is the one that
    whole float64 score matrices give, and the step lines count their words to 100%. Scores agree to
    float32 rounding of cosines of unit vectors in dim 8 (1e-6), times 4 for CSLS's four cosine terms
    and beta = 30 for the inverted softmax (plus its log-sum-exp, 1e-4 in all)."""
    rng = np.random.default_rng(11)
    src = make_keyed_vectors([f"s{i}" for i in range(60)], rng.standard_normal((60, 8)))
    tgt = make_keyed_vectors([f"t{i}" for i in range(45)], rng.standard_normal((45, 8)))
    monkeypatch.setattr(pipeline, "PROGRESS_ROWS", 7)
    monkeypatch.setattr(pipeline, "STEPS_MIN_PAIRS", 0)
    rows = induce_lexicon(src, tgt, method=method, k=3, csls_k=3, mutual=mutual)
    expected = _brute_lexicon(src, tgt, method, 3, mutual)
    assert [r[:2] + r[3:] for r in rows] == [r[:2] + r[3:] for r in expected]
    tol = {"nn": 1e-6, "csls": 4e-6, "isf": 1e-4}[method]
    np.testing.assert_allclose([r[2] for r in rows], [r[2] for r in expected], atol=tol)
    err = capsys.readouterr().err
    n_steps = 1 + mutual + (method != "nn") * (1 + mutual)
    assert f"step {n_steps}/{n_steps}: " in err and f"step {n_steps + 1}/" not in err
    assert "translating 60 source words 100%" in err


def _declared_and_taken_steps(err):
    """``(totals, numbers)`` of the ``step i/N:`` lines on stderr."""
    import re

    found = [tuple(map(int, m)) for m in re.findall(r"step (\d+)/(\d+): ", err)]
    return {n for _, n in found}, {i for i, _ in found}


def _noisy_pair(n_src=60, n_tgt=45, dim=8, noise=0.6, random_state=5):
    """Target word ``t{i}`` is ``s{i}`` plus noise, so that a tuning dictionary has right and wrong
    candidates to learn from."""
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n_src, dim))
    Z = X[:n_tgt] + noise * rng.standard_normal((n_tgt, dim))
    return (make_keyed_vectors([f"s{i}" for i in range(n_src)], X),
            make_keyed_vectors([f"t{i}" for i in range(n_tgt)], Z),
            [(f"s{i}", f"t{i}") for i in range(0, 40, 2)])


CUDA = pytest.param("cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(
    not cuda_available(), reason="CuPy with a visible GPU is not available")])


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
    src, tgt, tune = _noisy_pair()
    kwargs = dict(method=method, k=2, csls_k=3, mutual=mutual, rerank=("ortho", "freq"), tune_dict=tune,
                  rerank_model=model, rerank_k=10, device=device)
    whole = induce_lexicon(src, tgt, progress=False, **kwargs)
    monkeypatch.setattr(pipeline, "PROGRESS_ROWS", 7)
    monkeypatch.setattr(pipeline, "STEPS_MIN_PAIRS", 0)
    sliced = induce_lexicon(src, tgt, **kwargs)
    assert [r[:2] + r[3:] for r in sliced] == [r[:2] + r[3:] for r in whole] and whole
    np.testing.assert_allclose([r[2] for r in sliced], [r[2] for r in whole], atol=1e-5)
    totals, taken = _declared_and_taken_steps(capsys.readouterr().err)
    assert len(totals) == 1 and taken == set(range(1, max(totals) + 1))


def test_back_margins_search_each_target_once(monkeypatch):
    """_BackMargins gives each target's best CSLS score over all sources (brute force over the full
    float64 matrix, to float32 rounding: 4e-6 for CSLS's four cosine terms), searches only targets it
    has not seen, and takes the scores the way back recorded without a search."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 6)).astype(np.float32)
    Z = rng.standard_normal((20, 6)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    S = X.astype(np.float64) @ Z.T.astype(np.float64)
    r_src = np.sort(S, axis=1)[:, -3:].mean(axis=1)
    r_tgt = np.sort(S, axis=0)[-3:].mean(axis=0)
    best = (2 * S - r_src[:, None] - r_tgt[None, :]).max(axis=0)
    margins = pipeline._BackMargins(X, Z, r_tgt.astype(np.float32), r_src.astype(np.float32), 3)
    searched = []
    real = pipeline.retrieve

    def counting(Q, *args, **kwargs):
        searched.append(Q.shape[0])
        return real(Q, *args, **kwargs)

    monkeypatch.setattr(pipeline, "retrieve", counting)
    np.testing.assert_allclose(margins(np.array([3, 1, 3, 7])), best[[3, 1, 3, 7]], atol=4e-6)
    np.testing.assert_allclose(margins(np.array([1, 7, 0])), best[[1, 7, 0]], atol=4e-6)
    assert searched == [3, 1]
    margins.set(slice(10, 20), best[10:].astype(np.float32))
    np.testing.assert_array_equal(margins(np.arange(10, 20)), best[10:].astype(np.float32))
    assert searched == [3, 1]


@pytest.mark.parametrize("model", ["linear", "trees"])
def test_evaluate_isf_computes_its_normaliser_once(monkeypatch, capsys, model):
    """evaluate with the inverted softmax computes the targets' normaliser once, as a step of its own,
    for the gold ranks, the tuning words and the re-ranked test words; the scores are those of the
    searches that compute it each time (same numbers: the normaliser is the same array)."""
    src, tgt, tune = _noisy_pair()
    test = [(f"s{i}", f"t{i}") for i in range(1, 40, 2)]
    calls = []
    real = pipeline.isf_normaliser

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "isf_normaliser", counting)
    monkeypatch.setattr(pipeline, "STEPS_MIN_PAIRS", 0)
    out = evaluate_bli(src, tgt, test, method="isf", rerank=("ortho", "freq"), tune_dict=tune, rerank_model=model,
                       rerank_k=10)
    assert len(calls) == 1
    err = capsys.readouterr().err
    assert "inverted-softmax normaliser of 45 target words" in err
    totals, taken = _declared_and_taken_steps(err)
    assert len(totals) == 1 and taken == set(range(1, max(totals) + 1))
    plain = evaluate_bli(src, tgt, test, method="isf", progress=False)
    assert out["rerank"]["without_rerank"]["p@1"] == plain["p@1"]


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
    check = pipeline.shared_string_check(src, tgt, exclude=seed, device=device)
    assert (check["n_shared"], check["n_excluded"], check["n_checked"]) == (n_shared, exclude, n_checked)
    assert check["self@1"] == self1  # 100 * hits / n_checked, exact for these ratios
    assert check["n_self@1"] == round(self1 * n_checked / 100)
    assert check["verdict"] == verdict and check["top"] == pipeline.CHECK_VOCAB
    assert check["chance@1"] == pytest.approx(100 / 120)
    assert check["self@10"] >= check["self@1"]


def test_shared_string_check_top_and_no_shared_word():
    src, tgt = _shared_spaces(40, 40)
    check = pipeline.shared_string_check(src, tgt, top=10)  # only w0..w9 are looked at, and candidates too
    assert (check["n_shared"], check["self@1"], check["chance@1"], check["verdict"]) == (10, 100.0, 10.0, "too few")
    none = pipeline.shared_string_check(src, make_keyed_vectors([f"x{i}" for i in range(5)], np.eye(5, 16)))
    assert none["n_checked"] == 0 and "self@1" not in none and none["verdict"] == "too few"
    with pytest.raises(ValueError, match="top"):
        pipeline.shared_string_check(src, tgt, top=0)


def test_align_reports_the_check_without_the_seed(spaces):
    # make_spaces shares 10 strings (5 numerals, 5 names), too few for a verdict: the report still counts them
    src, tgt, gold = spaces
    supervised = align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], progress=False)
    check = supervised.report["check"]
    in_seed = sum(s == t for s, t in gold[:40])
    assert (check["n_shared"], check["n_excluded"]) == (10, in_seed) and check["self@1"] == 100.0
    identical = align_embeddings(src, tgt, seed="identical", progress=False).report["check"]
    assert identical["n_excluded"] == identical["n_shared"] == 10 and identical["n_checked"] == 0


@pytest.mark.parametrize("seed, params, direction, n_init", [
    ("unsupervised", {}, "union", 8),                                  # OFFRAMP_UNSUPERVISED
    ("unsupervised", {"direction": "intersection", "n_init": 2}, "intersection", 2),  # the user's choice wins
    ("identical", {}, "union", 1),                   # OFFRAMP_STRINGS: a seed of strings alone, one run
    ("cognates+numerals", {}, "union", 1),
    ("identical", {"direction": "intersection"}, "intersection", 1),  # the user's choice wins
    ("dictionary", {}, "intersection", 1),           # a gold seed keeps the preset's mutual induction
    ("dictionary+identical", {}, "intersection", 1),
])
def test_offramp_unsupervised_induces_in_both_directions(spaces, seed, params, direction, n_init):
    src, tgt, gold = spaces
    seed_dict = gold[:40] if "dictionary" in seed else None
    result = align_embeddings(src, tgt, seed=seed, seed_dict=seed_dict, progress=False, max_iter=1, **params)
    assert result.report["params"]["direction"] == direction == result.estimator.direction
    assert result.estimator.n_init == n_init == result.report["restarts"]["n_init"]
