"""``offramp align`` (CliRunner): outputs, report, summary line and signature, options, and usage errors."""
import json

import numpy as np
import pytest

from fixtures.cli import align_into, align_outputs, assert_nothing_written, invoke
from fixtures.spaces import N_WORDS, aux_spaces, make_spaces
from offramp._version import __version__
from offramp.bootstrap.align import align_embeddings, align_signature
from offramp.bootstrap.io.dictionaries import write_dictionary
from offramp.bootstrap.io.embeddings import load_embeddings, make_keyed_vectors, save_embeddings
from offramp.bootstrap.io.outputs import SIDECAR_SUFFIX, read_space_info


@pytest.mark.parametrize("seed_args, mode, n_seed, direction", [
    (["--seed-dict", "{files}/seed.txt"], "dictionary", 40, "intersection"),  # a gold seed: mutual pairs
    (["--identical", "--numerals"], "identical+numerals", 10, "union"),       # strings alone: OFFRAMP_STRINGS
    (["--numerals"], "numerals", 5, "union"),
    (["--unsupervised"], "unsupervised", 0, "union"),                           # OFFRAMP_UNSUPERVISED
])
def test_align_writes_both_spaces_sidecars_and_report(files, tmp_path, seed_args, mode, n_seed, direction):
    seed_args = [a.format(files=files) for a in seed_args]
    result = align_into(files, tmp_path, *seed_args)
    assert result.exit_code == 0, result.output
    assert all(path.exists() for path in align_outputs(tmp_path))
    line = result.output.strip()
    coverage = {"dictionary": " (dictionary: 40 of 40 pairs in vocabulary, OOV src 0 / tgt 0 words)",
                "identical+numerals": " (identical 10, numerals +0)"}.get(mode, "")
    assert line.startswith(f"aligned {N_WORDS} x {N_WORDS} words (dim 16): {n_seed} seed pairs{coverage}, ")
    assert f"| offramp:{__version__}|method:offramp|mapping:multistep|seed:{mode}|csls:10|" in line
    assert f"|direction:{direction}|" in line
    assert "|norm:unit,center,unit|dtype:float32|device:cpu|random_state:0" in line
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["seed"]["mode"] == mode and report["signature"] == line.split(" | ")[1]
    assert f"final pairs, objective {report['history'][-1]['objective']:.4f}, " in line
    assert report["history"] and all({"objective", "time_s", "keep_prob", "n_pairs"} <= set(h)
                                     for h in report["history"])
    src_info, tgt_info = read_space_info(tmp_path / "en.vec"), read_space_info(tmp_path / "fi.vec")
    assert src_info["space_id"] == tgt_info["space_id"] == report["space_id"]
    assert (src_info["side"], tgt_info["side"]) == ("src", "tgt")

    # evaluate --json on what align wrote: one JSON object, perfect scores on the rotation
    result = invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt", "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert {"p@1", "p@5", "p@10", "mrr", "coverage", "n_test", "counted_wrong", "signature"} <= set(scores)
    assert scores["p@1"] == 100.0 and scores["coverage"] == 100.0 and scores["n_test"] == N_WORDS - 100


def test_align_summary_gives_the_validation_p1(files, tmp_path):
    result = align_into(files, tmp_path, "--seed-dict", files / "seed.txt", "--validation-dict", files / "test.txt")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["history"][-1]["val_p@1"] == 1.0  # a rotation: every held-out word found
    assert ", validation P@1 100.0 (NN, the loop's map), " in result.output


def test_align_without_a_loop_gives_no_objective(files, tmp_path):
    result = invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt",
                    "--no-self-learning", "--out-src", tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec",
                    "--quiet")
    assert result.exit_code == 0, result.output
    assert "0 iterations" in result.output and "objective" not in result.output


def test_align_options_reach_the_estimator(files, tmp_path):
    result = invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt",
                    "--out-src", tmp_path / "en.bin", "--out-tgt", tmp_path / "fi.bin", "--binary", "--quiet",
                    "--report", tmp_path / "r.json", "--preset", "semi_supervised", "--csls", "5", "--direction",
                    "forward", "--max-iter", "2", "--normalize", "unit", "--max-vocab", "250", "--random-state", "3")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["preset"] == "semi_supervised" and report["n_iter"] == 2
    assert report["params"]["csls_k"] == 5 and report["params"]["direction"] == "forward"
    assert report["params"]["normalize"] == ["unit"] and report["params"]["random_state"] == 3
    assert report["n_src"] == 250 and "method:semi_supervised|mapping:multistep" in result.output
    assert len(load_embeddings(tmp_path / "en.bin")) == 250


def test_align_with_the_rcsls_mapping(files, tmp_path):
    result = invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt",
                    "--out-src", tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec", "--quiet", "--mapping",
                    "rcsls", "--refine", "none", "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["params"]["final_mapping"] == {"name": "rcsls"} and "|mapping:rcsls|" in result.output
    result = invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt", "--json")
    assert json.loads(result.output)["p@1"] == 100.0  # a rotation: still found exactly


def test_align_refuses_one_file_as_both_languages(files, tmp_path):
    result = invoke("align", files / "src.vec", files / "src.vec", "--seed-dict", files / "seed.txt",
                    "--out-src", tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec")
    assert result.exit_code == 2 and "SRC_VECTORS and TGT_VECTORS are the same file" in result.output
    assert_nothing_written(tmp_path)


@pytest.mark.parametrize("seed_args, exit_code, message", [
    (["--seed", "auto", "--identical"], 2, "--seed auto names the seed mode, and --identical too"),
    (["--seed", "3", "--random-state", "4"], 2, "the random state is --random-state; --seed names the seed mode"),
    (["--seed", "dictionary"], 2, "seed='dictionary' needs a seed dictionary (--seed-dict)"),
    (["--seed", "verses"], 2, "expected auto, unsupervised or a '+'-joined combination of dictionary, identical"),
    (["--unsupervised", "--identical"], 2, "--unsupervised uses no seed"),
    (["--seed-dict", "{files}/seed.txt", "--preset", "unsupervised"], 1, "preset 'unsupervised' starts from no seed"),
    (["--unsupervised", "--preset", "procrustes"], 1, "preset 'procrustes' fits once on the seed, and "
                                                      "seed='unsupervised' has none"),
    (["--seed-dict", "{files}/missing.txt"], 2, "does not exist"),
    (["--identical", "--preset", "vecmap"], 2, "Invalid value for '--preset'"),
    (["--numerals", "--identical-rank-ratio", "4"], 2, "(--identical-rank-ratio) sets the 'identical' seed"),
    (["--identical", "--identical-rank-ratio", "0.5"], 2, "Invalid value for '--identical-rank-ratio'"),
])
def test_align_usage_errors(files, tmp_path, seed_args, exit_code, message):
    out = tmp_path / "out"
    out.mkdir()
    result = align_into(files, out, *[a.format(files=files) for a in seed_args])
    assert result.exit_code == exit_code, result.output
    assert message in result.output
    assert_nothing_written(out)


@pytest.mark.parametrize("src, tgt, seed_args, message", [
    ("{files}/src.vec", "{bad}/dim3.vec", ["--identical"],
     "dim3.vec has 3: the two spaces must have one dimension; train both with the same --dim"),
    ("{files}/src.vec", "{files}/tgt.vec", ["--seed-dict", "{bad}/three.txt"], "three.txt:2: expected 2 fields, got 3"),
    ("{files}/src.vec", "{files}/tgt.vec", ["--seed-dict", "{bad}/latin1.txt"],
     "latin1.txt:2: bytes are not UTF-8 (byte 0xe9 at column 4)"),
    ("{files}/src.vec", "{files}/tgt.vec", ["--seed-dict", "{bad}/reversed.txt"],
     "0 of 2 dictionary pairs are in the vocabulary (src OOV 2, tgt OOV 2); with source and target swapped, 2 pairs "
     "would match: the dictionary runs the other way (are the source and target vectors or vocabularies swapped?)"),
    ("{bad}/damaged.vec", "{files}/tgt.vec", ["--identical"], "damaged.vec:3: expected 16 vector components, got 2"),
])
def test_align_bad_input_fails_cleanly(files, bad_inputs, src, tgt, seed_args, message):
    bad, out = bad_inputs
    fill = {"files": files, "bad": bad}
    result = invoke("align", src.format(**fill), tgt.format(**fill), *[a.format(**fill) for a in seed_args],
                    "--out-src", out / "en.vec", "--out-tgt", out / "fi.vec", "--report", out / "r.json", "--quiet")
    assert result.exit_code == 1, result.output
    assert message in result.output and result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert_nothing_written(out)


@pytest.mark.parametrize("ratio, recorded, n_seed", [
    ("1", 1.0, 5),     # only strings at equal ranks: the identical words go, the 5 numerals stay
    ("inf", None, 10),  # every identical string, as without the filter
])
def test_align_identical_rank_ratio(files, tmp_path, ratio, recorded, n_seed):
    result = align_into(files, tmp_path, "--identical", "--numerals", "--identical-rank-ratio", ratio)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["seed"]["identical_rank_ratio"] == recorded
    assert report["seed"]["n_seed_pairs"] == n_seed
    assert ("|rank_ratio:1.0|" in result.output) == (recorded is not None)


@pytest.mark.parametrize("value, expected", [("off", None), ("4", 4), ("auto", None)])
def test_align_warmup_dim_option(files, tmp_path, value, expected):
    """--warmup-dim reaches the estimator; 'auto' skips the warm-up here because the fixture's
    40-pair seed is small but its 16 dimensions are fewer than the automatic 30 directions."""
    result = align_into(files, tmp_path, "--seed-dict", files / "seed.txt", "--warmup-dim", value)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["warmup_dim"] == expected and report["params"]["warmup_dim"] == (
        None if value == "off" else "auto" if value == "auto" else 4)
    stages = {h["stage"] for h in report["history"]}
    assert stages == ({"warmup", "main"} if expected else {"main"})
    assert (f"|warmup:{expected}|" in result.output) == bool(expected)


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_align_warmup_dim_rejects_bad_values(files, tmp_path, value):
    result = align_into(files, tmp_path, "--seed-dict", files / "seed.txt", "--warmup-dim", value)
    assert result.exit_code == 2 and "--warmup-dim" in result.output and "'auto' or 'off'" in result.output
    assert not (tmp_path / "en.vec").exists()


def test_align_refine_option(files, tmp_path):
    result = align_into(files, tmp_path, "--seed-dict", files / "seed.txt", "--refine", "instance",
                        "--refine-step", "0.2", "--refine-neighbors", "4")
    assert result.exit_code == 0, result.output
    assert "|refine:instance:k4,t0.1,s0.2|" in result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["refine"]["step"] == 0.2 and report["refine"]["n_src_anchors"] == 40
    scores = json.loads(invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt",
                               "--json").output)
    assert scores["p@1"] == 100.0


def test_align_restarts_option(files, tmp_path):
    result = align_into(files, tmp_path, "--identical", "--restarts", "2", "--random-state", "5")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    restarts = report["restarts"]
    assert restarts["n_init"] == 2 and len(restarts["objectives"]) == 2 and restarts["best"] in (0, 1)
    assert restarts["objectives"][restarts["best"]] == max(restarts["objectives"])
    assert f"|random_state:5|restarts:2:best{restarts['best']}" in result.output
    assert report["params"]["n_init"] == 2
    assert align_into(files, tmp_path, "--identical", "--restarts", "0").exit_code == 2
    result = align_into(files, tmp_path / "none", "--identical", "--restarts", "2", "--preset", "supervised")
    assert result.exit_code == 1 and "set the self-learning loop, and preset 'supervised' runs none" in result.output
    # a run without the loop still writes strict JSON (no -Infinity): its objective is null
    result = invoke("align", files / "src.vec", files / "tgt.vec", "--identical", "--preset", "procrustes",
                    "--out-src", tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec",
                    "--report", tmp_path / "report.json", "--quiet")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "report.json").read_text(encoding="utf-8")
    assert "Infinity" not in text and json.loads(text)["restarts"]["objectives"] == [None]


def test_align_unsupervised_via_auxiliary_spaces(files, tmp_path):
    aux_src, aux_tgt = aux_spaces(make_spaces())
    save_embeddings(aux_src, tmp_path / "aux_src.vec")
    save_embeddings(aux_tgt, tmp_path / "aux_tgt.vec")
    result = align_into(files, tmp_path, "--unsupervised", "--via", tmp_path / "aux_src.vec", tmp_path / "aux_tgt.vec",
                        "--restarts", "2", "--via-top", "150")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    via = report["seed"]["via"]
    assert report["seed"]["mode"] == "unsupervised" and via["restarts"] == 2 and via["top"] == 150
    assert report["params"]["n_init"] == 1  # --restarts went to the auxiliary alignment
    assert f"|seed:unsupervised|via:restarts2:best{via['aux_best_restart']},top150,union|" in result.output
    scores = json.loads(invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt",
                               "--json").output)
    assert scores["p@1"] == 100.0


@pytest.mark.parametrize("args, message", [
    (["--identical", "--via", "{files}/src.vec", "{files}/tgt.vec"], "(--unsupervised) or drop them"),
    (["--unsupervised", "--via-top", "10"], "(--via SRC_VECTORS TGT_VECTORS)"),
])
def test_align_via_usage_errors(files, tmp_path, args, message):
    result = align_into(files, tmp_path, *[a.format(files=files) for a in args])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "en.vec").exists()


@pytest.mark.parametrize("args, code, message", [
    (["--seed-dict", "{files}/seed.txt", "--refine", "none", "--refine-step", "0.2"], 2,
     "(--refine none) runs none; drop one of them"),
    (["--identical", "--refine-step", "0.2"], 1, "no refinement runs"),
    (["--unsupervised", "--refine", "instance"], 1, "unsupervised mode has none"),
])
def test_align_refine_usage_errors(files, tmp_path, args, code, message):
    result = align_into(files, tmp_path, *[a.format(files=files) for a in args])
    assert result.exit_code == code and message in result.output
    assert not (tmp_path / "en.vec").exists()


def test_align_same_output_twice_is_a_usage_error(files, tmp_path):
    result = invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt",
                    "--out-src", tmp_path / "same.vec", "--out-tgt", tmp_path / "same.vec", "--quiet")
    assert result.exit_code == 2 and "--out-src and --out-tgt are the same file" in result.output
    assert not list(tmp_path.iterdir())


def test_align_refuses_an_unwritable_word_before_aligning(files, tmp_path):
    """The target space holds a word with a space (readable, not writable as word2vec): refused
    before the alignment, nothing written (save_aligned's all-or-none is tested in test_outputs)."""
    lines = (files / "tgt.vec").read_text(encoding="utf-8").splitlines()
    word, rest = lines[-1].split(" ", 1)
    lines[-1] = f"new york {rest}"
    (tmp_path / "tgt.vec").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = invoke("align", files / "src.vec", tmp_path / "tgt.vec", "--seed-dict", files / "seed.txt",
                    "--out-src", out / "en.vec", "--out-tgt", out / "fi.vec", "--report", out / "report.json",
                    "--quiet")
    assert result.exit_code == 1 and "'new york'" in result.output, result.output
    assert "so --out-tgt could not be written; drop or rename that word in the input file" in result.output
    assert not list(out.iterdir())


def test_align_lowercase_reads_an_uppercase_dictionary(files, tmp_path):
    upper = tmp_path / "upper.txt"
    upper.write_text((files / "seed.txt").read_text(encoding="utf-8").upper(), encoding="utf-8")
    result = invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", upper, "--out-src",
                    tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec", "--quiet")
    assert result.exit_code == 1, result.output
    assert "only 3 of 40 dictionary pairs are in the vocabularies, but 40 would be lowercased: pass lowercase=True " \
           "(CLI: --lowercase)" in result.output
    result = invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", upper, "--lowercase",
                    "--out-src", tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec", "--quiet")
    assert result.exit_code == 0 and "(dictionary: 40 of 40 pairs in vocabulary" in result.output, result.output


@pytest.mark.parametrize("preset, mode", [("identical", "identical"), ("offramp", "cognates+numerals")])
def test_vecmap_presets_that_name_a_seed_imply_it(files, tmp_path, preset, mode):
    # the others take --seed auto: with no dictionary, verses or auxiliary spaces, cognates and numerals
    result = align_into(files, tmp_path, "--preset", preset)
    assert result.exit_code == 0, result.output
    assert f"|method:{preset}|mapping:multistep|seed:{mode}|" in result.output
    assert ("--seed auto chose" in result.output) == (preset == "offramp")


@pytest.mark.parametrize("seed_args, mode, reason", [
    ([], "cognates+numerals", "no dictionary, verses or auxiliary spaces"),
    (["--seed", "auto"], "cognates+numerals", "no dictionary, verses or auxiliary spaces"),
    (["--seed", "auto", "--seed-dict", "{files}/seed.txt"], "dictionary", "a seed dictionary was given"),
    (["--seed", "identical+numerals"], "identical+numerals", None),
    (["--seed-dict", "{files}/seed.txt"], "dictionary", None),
])
def test_seed_auto_says_what_it_chose(files, tmp_path, seed_args, mode, reason):
    result = align_into(files, tmp_path, *[a.format(files=files) for a in seed_args])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["seed"]["mode"] == mode and report["seed"].get("auto", "").startswith(reason or "")
    assert f"|seed:{mode}|" in result.output
    assert (f"(--seed auto chose {mode}: {reason}" in result.output) == (reason is not None)


def test_an_integer_seed_is_still_the_random_state(files, tmp_path):
    result = align_into(files, tmp_path, "--identical", "--seed", "5")
    assert result.exit_code == 0, result.output
    assert "note: --seed 5 is read as --random-state 5" in result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["params"]["random_state"] == 5 and report["seed"]["mode"] == "identical"


def test_dictionary_and_numerals_combine(files, tmp_path):
    result = align_into(files, tmp_path, "--seed-dict", files / "seed.txt", "--numerals")
    assert result.exit_code == 0, result.output
    assert "|seed:dictionary+numerals|" in result.output


def test_align_report_on_a_sidecar_path_is_refused_before_aligning(files, tmp_path):
    result = invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt",
                    "--out-src", tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec",
                    "--report", tmp_path / ("en.vec" + SIDECAR_SUFFIX), "--quiet")
    assert result.exit_code == 2 and "--report and --out-src's sidecar are the same file" in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("shuffled, verdict", [(False, "ok"), (True, "failed")])
def test_align_summary_gives_the_shared_string_check(tmp_path, shuffled, verdict):
    # 40 of 120 words spelled alike on both sides of one space; one Procrustes fit on 60 other pairs finds
    # the identity (all 40 translate to themselves), or, on pairs shuffled out of order, a map under which
    # (almost) none does, and the command warns
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 16)).astype(np.float32)
    src = [f"name{i}" if i < 40 else f"s{i}" for i in range(120)]
    tgt = [f"name{i}" if i < 40 else f"t{i}" for i in range(120)]
    save_embeddings(make_keyed_vectors(src, X), tmp_path / "src.vec")
    save_embeddings(make_keyed_vectors(tgt, X), tmp_path / "tgt.vec")
    targets = rng.permutation(np.arange(40, 100)) if shuffled else np.arange(40, 100)
    write_dictionary([(f"s{i}", f"t{j}") for i, j in zip(range(40, 100), targets)], tmp_path / "seed.txt")
    result = invoke("align", tmp_path / "src.vec", tmp_path / "tgt.vec", "--seed-dict", tmp_path / "seed.txt",
                    "--preset", "procrustes", "--out-src", tmp_path / "a.vec", "--out-tgt", tmp_path / "b.vec",
                    "--report", tmp_path / "r.json", "--quiet")
    assert result.exit_code == 0, result.output
    check = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["check"]
    assert check["n_checked"] == 40 and check["verdict"] == verdict
    assert check["self@1"] == 100 * check["n_self@1"] / 40 and (check["n_self@1"] == 40) == (not shuffled)
    assert f", shared strings {check['n_self@1']}/40 to themselves ({verdict}), " in result.output
    warned = "warning: of 40 words spelled alike in both vocabularies" in result.output
    assert warned == shuffled and (not shuffled or "Check that the seed's source and target columns" in result.output)


@pytest.mark.parametrize("seed_args, kwargs", [
    (["--seed-dict", "{files}/seed.txt"], {"seed": "dictionary", "seed_dict": "{files}/seed.txt"}),
    (["--identical", "--numerals", "--max-iter", "3"], {"seed": "identical+numerals", "max_iter": 3}),
    (["--seed-dict", "{files}/seed.txt", "--preset", "procrustes"],
     {"seed": "dictionary", "seed_dict": "{files}/seed.txt", "preset": "procrustes"}),
])
@pytest.mark.parametrize("max_vocab", [None, 250])
def test_align_prints_the_librarys_signature(files, tmp_path, seed_args, kwargs, max_vocab):
    """The summary line's signature is :func:`align_embeddings`'s ``signature`` for the same run; with
    ``--max-vocab`` it names the cut too, where the signature has always named it."""
    seed_args = [a.format(files=files) for a in seed_args]
    kwargs = {k: v.format(files=files) if isinstance(v, str) else v for k, v in kwargs.items()}
    cut = [] if max_vocab is None else ["--max-vocab", max_vocab]
    result = invoke("align", files / "src.vec", files / "tgt.vec", *seed_args, *cut, "--out-src", tmp_path / "en.vec",
                    "--out-tgt", tmp_path / "fi.vec", "--report", tmp_path / "report.json", "--quiet")
    assert result.exit_code == 0, result.output
    src, tgt = (load_embeddings(files / name, max_vocab=max_vocab) for name in ("src.vec", "tgt.vec"))
    library = align_embeddings(src, tgt, progress=False, **kwargs)
    expected = align_signature(library, max_vocab=max_vocab)
    assert (expected == library.signature) == (max_vocab is None)
    assert library.signature == library.report["signature"]
    assert result.output.strip().split(" | ")[1] == expected
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["signature"] == expected


@pytest.mark.parametrize("purpose", ["bli", "transfer"])
def test_align_records_what_the_spaces_are_for(files, tmp_path, purpose):
    result = align_into(files, tmp_path, "--seed-dict", files / "seed.txt", "--for", purpose)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["purpose"] == purpose and report["refine"]["anchors"] == "dictionary"


def test_align_checkpoint_dir_keeps_the_restarts(files, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    first = align_into(files, out, "--identical", "--restarts", "2", "--checkpoint-dir", tmp_path / "ckpt")
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()) == ["restart-0.json", "restart-0.npz",
                                                                     "restart-1.json", "restart-1.npz"]
    again = align_into(files, out, "--identical", "--restarts", "2", "--checkpoint-dir", tmp_path / "ckpt")
    assert again.exit_code == 0, again.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["restarts"]["from_checkpoint"] == [0, 1]
    assert first.output.split(" | ")[1] == again.output.split(" | ")[1]  # the same signature


def test_align_writes_the_native_format_that_every_command_reads(files, tmp_path):
    result = invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt", "--out-src",
                    tmp_path / "en.npy", "--out-tgt", tmp_path / "fi.npy", "--out-format", "npy", "--quiet")
    assert result.exit_code == 0, result.output
    assert {"en.npy", "en.vocab", "en.npy.offramp.json", "fi.npy", "fi.vocab"} <= {p.name for p in tmp_path.iterdir()}
    text = invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt", "--out-src",
                  tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec", "--quiet")
    scores = [json.loads(invoke("evaluate", tmp_path / f"en.{ext}", tmp_path / f"fi.{ext}", files / "test.txt",
                                "--json").output)["p@1"] for ext in ("npy", "vec")]
    assert text.exit_code == 0 and scores[0] == scores[1] == 100.0


@pytest.mark.parametrize("args, message", [
    (["--out-format", "npy"], "--out-format npy writes NAME.npy and NAME.vocab"),
    (["--binary", "--out-format", "text"], "--binary and --out-format text ask for two formats"),
])
def test_align_out_format_must_match_the_names(files, tmp_path, args, message):
    result = align_into(files, tmp_path, "--seed-dict", files / "seed.txt", *args)
    assert result.exit_code == 2 and message in result.output
