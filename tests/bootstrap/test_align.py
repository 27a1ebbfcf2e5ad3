"""Alignment runs on KeyedVectors: :func:`offramp.bootstrap.align.align_embeddings` with every seed mode,
preset and refinement, the unsupervised mode seeded from auxiliary spaces (``via=``), and its report."""
import json

import numpy as np
import pytest

from fixtures.spaces import DIM, N_WORDS, aux_spaces
from offramp._version import __version__
from offramp.alignment._backend import cuda_available
from offramp.bootstrap import align as align_module
from offramp.bootstrap.align import AUTO_STRINGS_SEED, SEED_MODES, _via_words, align_embeddings, resolve_seed
from offramp.bootstrap.errors import FormatError
from offramp.bootstrap.evaluation.bli import evaluate_bli
from offramp.bootstrap.evaluation.induce import induce_lexicon
from offramp.bootstrap.io.embeddings import make_keyed_vectors
from offramp.bootstrap.io.outputs import space_id


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
    assert result.signature == report["signature"]
    assert result.signature.startswith(f"offramp:{__version__}|method:offramp|mapping:multistep|seed:dictionary|")
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
    ({"seed": "identical+numerals", "seed_dict": [("s0", "t0")]},
     r"a seed dictionary was given, but seed='identical\+numerals' has no 'dictionary' part; add it "
     r"\(e.g. seed='dictionary'"),  # not ignored
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


@pytest.mark.parametrize("seed, inputs, mode", [
    ("auto", {"seed_dict": "D"}, "dictionary"),
    ("auto", {"seed_dict": "D", "parallel": "P"}, "dictionary+parallel"),
    ("auto", {"parallel": "P"}, "parallel"),
    ("auto", {"parallel": "P", "via": "V"}, "parallel"),
    ("auto", {"via": "V"}, "unsupervised"),
    ("auto", {}, AUTO_STRINGS_SEED),
    ("identical", {"parallel": "P"}, "identical"),  # an explicit mode wins
])
def test_seed_auto_takes_the_strongest_evidence_given(seed, inputs, mode):
    resolved, reason = resolve_seed(seed, **inputs)
    assert resolved == mode and (reason is None) == (seed != "auto")


def test_seed_auto_with_auxiliary_spaces_runs_the_via_route(spaces):
    src, tgt, gold = spaces
    result = align_embeddings(src, tgt, seed="auto", via=aux_spaces(spaces), via_options={"restarts": 3},
                              progress=False, random_state=0, stochastic_interval=1)
    assert result.report["seed"]["mode"] == "unsupervised" and "via" in result.report["seed"]
    assert "auxiliary spaces" in result.report["seed"]["auto"] and "|seed:unsupervised|" in result.signature


def test_unsupervised_via_auxiliary_spaces(spaces, monkeypatch):
    # the auxiliary pair is aligned with no seed (3 restarts, the loop's settings as the main one's),
    # its mutual translations seed the main pair, and the main loop finds the rotation. The
    # auxiliary spaces are exact rotations of each other, so every seed pair is a gold one. (The
    # unsupervised start on Gaussian vectors of 16 dimensions is fragile: 200 words in this order
    # with stochastic_interval 1 align, other orders or schedules may not; restarts guard it.)
    src, tgt, gold = spaces
    checks = []
    check = align_module.shared_string_check
    monkeypatch.setattr(align_module, "shared_string_check", lambda *a, **k: checks.append(k) or check(*a, **k))
    result = align_embeddings(src, tgt, seed="unsupervised", via=aux_spaces(spaces), via_options={"restarts": 3},
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
        kwargs = dict(kwargs, via=aux_spaces(spaces))
    with pytest.raises(ValueError, match=match):
        align_embeddings(src, tgt, progress=False, **kwargs)


def test_via_with_the_unsupervised_preset_still_seeds_the_main_loop(spaces):
    # the preset's own start (similarity init) would drop the induced pairs: the main run starts
    # from them anyway, and its settings (here stochastic_interval) reach both alignments
    src, tgt, gold = spaces
    result = align_embeddings(src, tgt, seed="unsupervised", via=aux_spaces(spaces), preset="unsupervised",
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


# The ten identical strings of make_spaces have 1-based (src, tgt) ranks (4, 235), (12, 61), (20, 81),
# (28, 2), (36, 35), (44, 276), (52, 203), (60, 260), (68, 120), (76, 239): ratio 2 keeps (36, 35)
# and (68, 120); ratio 5 also (20, 81), (28, 2), (12, 61), (76, 239); ratio 1 keeps none.
@pytest.mark.parametrize("ratio, n_seed", [(None, 10), (2, 2), (5.0, 6)])
def test_align_records_identical_rank_ratio(spaces, ratio, n_seed):
    src, tgt, _ = spaces
    result = align_embeddings(src, tgt, seed="identical", preset="procrustes", progress=False,
                              identical_rank_ratio=ratio)
    assert result.report["seed"]["identical_rank_ratio"] == ratio
    assert result.report["seed"]["n_seed_pairs"] == n_seed


def test_align_identical_rank_ratio_errors_and_other_modes(spaces):
    src, tgt, gold = spaces
    with pytest.raises(ValueError, match="found no seed pairs in these vocabularies"):
        align_embeddings(src, tgt, seed="identical", preset="procrustes", progress=False, identical_rank_ratio=1)
    with pytest.raises(ValueError, match="max_rank_ratio must be a number >= 1"):
        align_embeddings(src, tgt, seed="identical", preset="procrustes", progress=False, identical_rank_ratio=0.5)
    # modes without identical strings would ignore the ratio, so they refuse it (and record none)
    with pytest.raises(ValueError, match=r"identical_rank_ratio \(--identical-rank-ratio\) sets the 'identical' seed, "
                                         r"and seed='dictionary' has none"):
        align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], preset="procrustes", progress=False,
                         identical_rank_ratio=1)
    result = align_embeddings(src, tgt, seed="dictionary", seed_dict=gold[:40], preset="procrustes", progress=False)
    assert "identical_rank_ratio" not in result.report["seed"] and result.report["seed"]["n_seed_pairs"] == 40


@pytest.mark.parametrize("route", ["restarts", "via"])
def test_a_killed_alignment_resumes_its_restarts_from_the_checkpoint(spaces, tmp_path, monkeypatch, route):
    """Killed after restart 1 was kept, the same call takes restarts 0 and 1 from the folder, runs the rest,
    and ends with the spaces of an uninterrupted run."""
    from offramp.bootstrap import checkpoints

    src, tgt, _ = spaces
    options = dict(seed="unsupervised", progress=False, random_state=0, stochastic_interval=1)
    options.update({"n_init": 3} if route == "restarts" else
                   {"via": aux_spaces(spaces), "via_options": {"restarts": 3}})
    whole = align_embeddings(src, tgt, **options)
    put = checkpoints.RestartStore.put

    def put_then_die(self, restart, run):
        put(self, restart, run)
        if restart == 1:
            raise KeyboardInterrupt
    monkeypatch.setattr(checkpoints.RestartStore, "put", put_then_die)
    with pytest.raises(KeyboardInterrupt):
        align_embeddings(src, tgt, checkpoint_dir=tmp_path, **options)
    monkeypatch.setattr(checkpoints.RestartStore, "put", put)
    resumed = align_embeddings(src, tgt, checkpoint_dir=tmp_path, **options)
    np.testing.assert_array_equal(resumed.src_mapped.vectors, whole.src_mapped.vectors)
    np.testing.assert_array_equal(resumed.tgt_mapped.vectors, whole.tgt_mapped.vectors)
    folder = tmp_path if route == "restarts" else tmp_path / "aux"
    kept = [f"restart-{r}.{ext}" for r in range(3) for ext in ("json", "npz")]
    assert sorted(p.name for p in folder.iterdir()) == kept
    if route == "restarts":
        assert resumed.report["restarts"]["from_checkpoint"] == [0, 1]
        assert resumed.report["restarts"]["objectives"] == whole.report["restarts"]["objectives"]
    else:
        assert resumed.report["seed"]["via"]["aux_objectives"] == whole.report["seed"]["via"]["aux_objectives"]
