"""The ``offramp`` root command and the ``align``, ``evaluate`` and ``induce`` commands (CliRunner)."""
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from offramp._version import __version__
from offramp.bootstrap.io.dictionaries import write_dictionary
from offramp.bootstrap.io.embeddings import load_embeddings, make_keyed_vectors, save_embeddings
from offramp.bootstrap.io.outputs import SIDECAR_SUFFIX, read_space_info
from offramp.cli.main import COMMANDS, main
from test_pipeline import N_WORDS, make_spaces


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Source/target vectors (a rotation apart), a 40-pair seed dictionary and a test dictionary."""
    root = tmp_path_factory.mktemp("cli_align")
    src, tgt, gold = make_spaces()
    save_embeddings(src, root / "src.vec")
    save_embeddings(tgt, root / "tgt.vec")
    write_dictionary(gold[:40], root / "seed.txt")
    write_dictionary(gold[100:], root / "test.txt")
    return root


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _outputs(out):
    return [out / "en.vec", out / "fi.vec", out / ("en.vec" + SIDECAR_SUFFIX), out / ("fi.vec" + SIDECAR_SUFFIX),
            out / "report.json"]


def _align(files, out, *seed_args):
    return _invoke("align", files / "src.vec", files / "tgt.vec", *seed_args, "--out-src", out / "en.vec",
                   "--out-tgt", out / "fi.vec", "--report", out / "report.json", "--quiet",
                   "--stochastic-interval", "1")


def _leaves(group, path=()):
    """Every command under ``group`` as its path of names (``('data', 'fetch')``); the root loads its
    commands lazily, so they are listed through the click context's API."""
    import click

    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _leaves(command, path + (name,))
        else:
            yield path + (name,)


@pytest.mark.parametrize("path", sorted(_leaves(main)), ids=" ".join)
def test_every_command_with_progress_bars_takes_quiet(path):
    result = _invoke(*path, "--help")
    assert result.exit_code == 0
    assert ("--no-progress" in result.output) == ("--quiet" in result.output), result.output


def test_root_help_and_version():
    result = _invoke("--help")
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output
    result = _invoke("--version")
    assert result.exit_code == 0 and result.output.strip() == f"offramp, version {__version__}"


@pytest.mark.parametrize("command, options", [
    ("align", ["--seed-dict", "--identical", "--numerals", "--unsupervised", "--out-src", "--out-tgt", "--preset",
               "--vocabulary-cutoff", "--csls", "--direction", "--max-iter", "--report", "--device", "--format",
               "--max-vocab", "--validation-dict", "--restarts", "--via", "--via-top", "--via-prefix-len"]),
    ("evaluate", ["--retrieval", "--csls-k", "--json", "--lowercase", "--no-normalize", "--device", "--format",
                  "--no-progress"]),
    ("induce", ["--out", "--retrieval", "--candidates", "--max-src", "--mutual", "--device", "--no-progress"]),
])
def test_command_help(command, options):
    for flag in ("--help", "-h"):
        result = _invoke(command, flag)
        assert result.exit_code == 0, result.output
        for option in options:
            assert option in result.output, option


@pytest.mark.parametrize("seed_args, mode, n_seed, direction", [
    (["--seed-dict", "{files}/seed.txt"], "dictionary", 40, "intersection"),  # a gold seed: mutual pairs
    (["--identical", "--numerals"], "identical+numerals", 10, "union"),       # strings alone: OFFRAMP_STRINGS
    (["--numerals"], "numerals", 5, "union"),
    (["--unsupervised"], "unsupervised", 0, "union"),                           # OFFRAMP_UNSUPERVISED
])
def test_align_writes_both_spaces_sidecars_and_report(files, tmp_path, seed_args, mode, n_seed, direction):
    seed_args = [a.format(files=files) for a in seed_args]
    result = _align(files, tmp_path, *seed_args)
    assert result.exit_code == 0, result.output
    assert all(path.exists() for path in _outputs(tmp_path))
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
    result = _invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt", "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert {"p@1", "p@5", "p@10", "mrr", "coverage", "n_test", "counted_wrong", "signature"} <= set(scores)
    assert scores["p@1"] == 100.0 and scores["coverage"] == 100.0 and scores["n_test"] == N_WORDS - 100


def test_align_summary_gives_the_validation_p1(files, tmp_path):
    result = _align(files, tmp_path, "--seed-dict", files / "seed.txt", "--validation-dict", files / "test.txt")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["history"][-1]["val_p@1"] == 1.0  # a rotation: every held-out word found
    assert ", validation P@1 100.0 (NN, the loop's map), " in result.output


def test_align_without_a_loop_gives_no_objective(files, tmp_path):
    result = _invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt",
                     "--no-self-learning", "--out-src", tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec",
                     "--quiet")
    assert result.exit_code == 0, result.output
    assert "0 iterations" in result.output and "objective" not in result.output


def test_align_options_reach_the_estimator(files, tmp_path):
    result = _invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt",
                     "--out-src", tmp_path / "en.bin", "--out-tgt", tmp_path / "fi.bin", "--binary", "--quiet",
                     "--report", tmp_path / "r.json", "--preset", "semi_supervised", "--csls", "5", "--direction",
                     "forward", "--max-iter", "2", "--normalize", "unit", "--max-vocab", "250", "--seed", "3")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["preset"] == "semi_supervised" and report["n_iter"] == 2
    assert report["params"]["csls_k"] == 5 and report["params"]["direction"] == "forward"
    assert report["params"]["normalize"] == ["unit"] and report["params"]["random_state"] == 3
    assert report["n_src"] == 250 and "method:semi_supervised|mapping:multistep" in result.output
    assert len(load_embeddings(tmp_path / "en.bin")) == 250


def test_align_with_the_rcsls_mapping(files, tmp_path):
    result = _invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt",
                     "--out-src", tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec", "--quiet", "--mapping",
                     "rcsls", "--refine", "none", "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["params"]["final_mapping"] == {"name": "rcsls"} and "|mapping:rcsls|" in result.output
    result = _invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt", "--json")
    assert json.loads(result.output)["p@1"] == 100.0  # a rotation: still found exactly


def test_evaluate_summary_line_and_induce(files, tmp_path):
    assert _align(files, tmp_path, "--seed-dict", files / "seed.txt").exit_code == 0
    result = _invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt", "--retrieval", "nn")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("P@1 100.00  P@5 100.00  P@10 100.00  MRR 100.00  coverage 100.00% of 200 words")
    assert f"| offramp:{__version__}|retrieval:nn|norm:unit|dtype:float32|device:cpu" in result.output

    lexicon = tmp_path / "lex.tsv"
    result = _invoke("induce", tmp_path / "en.vec", tmp_path / "fi.vec", "--out", lexicon, "-k", "2",
                     "--max-src", "50")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote 100 pairs for 50 source words to {lexicon} | offramp:{__version__}|")
    lines = lexicon.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# source\ttarget\tscore\trank" and len(lines) == 101
    gold = dict(line.split("\t") for line in (files / "seed.txt").read_text(encoding="utf-8").splitlines())
    first = [line.split("\t") for line in lines[1:] if line.endswith("\t1")]
    assert len(first) == 50 and all(gold[s] == t for s, t, _, _ in first if s in gold)


@pytest.mark.parametrize("command, args, off, bars", [
    ("evaluate", ["{files}/src.vec", "{files}/tgt.vec", "{files}/test.txt", "--json"], "--no-progress",
     ["reading src.vec", "reading tgt.vec", "step 1/2: CSLS r term of 300 target words",
      "step 2/2: ranking 200 test words"]),
    ("induce", ["{files}/src.vec", "{files}/tgt.vec", "--out", "{tmp}/lex.tsv", "--mutual"], "--no-progress",
     ["reading src.vec", "step 1/4: CSLS r term of 300 target words", "step 2/4: CSLS r term of 300 source words",
      "step 3/4: translating 300 source words", "step 4/4: translating 300 target words back"]),
    ("split", ["{files}/test.txt", "--src-vocab", "{files}/src.vec", "--tgt-vocab", "{files}/tgt.vec",
               "--out-train", "{tmp}/train.txt", "--out-test", "{tmp}/t.txt", "--n-test", "50"], "--no-progress",
     ["reading src.vec", "reading tgt.vec"]),
    ("align", ["{files}/src.vec", "{files}/tgt.vec", "--seed-dict", "{files}/seed.txt", "--out-src", "{tmp}/en.vec",
               "--out-tgt", "{tmp}/fi.vec", "--max-iter", "2"], "--no-progress",
     ["reading src.vec", "reading tgt.vec"]),
])
def test_progress_bars_go_to_stderr_and_no_progress_silences_them(files, tmp_path, monkeypatch, command, args, off,
                                                                  bars):
    """Small inputs show no bar; with the size limits lowered, bars go to stderr only, so stdout (one JSON
    object for evaluate --json) is what it is without them, and --no-progress leaves stderr empty."""
    import offramp.bootstrap.io.embeddings
    import offramp.bootstrap.pipeline

    args = [a.format(files=files, tmp=tmp_path) for a in args]
    runner = CliRunner()  # click >= 8.2 keeps stdout and stderr apart (result.output holds both)
    small = runner.invoke(main, [command, *args])
    assert small.exit_code == 0, small.output
    if command != "align":  # align's self-learning bar shows at any size
        assert small.stderr == ""
    monkeypatch.setattr(bootstrap.embeddings, "_PROGRESS_BYTES", 0)
    monkeypatch.setattr(bootstrap.pipeline, "STEPS_MIN_PAIRS", 0)
    shown = runner.invoke(main, [command, *args])
    quiet = runner.invoke(main, [command, *args, off])
    assert shown.exit_code == quiet.exit_code == 0, shown.output + quiet.output
    assert all(bar in shown.stderr for bar in bars), shown.stderr
    assert quiet.stderr == ""
    also_quiet = runner.invoke(main, [command, *args, "--quiet"])  # every command's other name for it
    assert also_quiet.exit_code == 0 and also_quiet.stderr == "", also_quiet.output
    if command == "evaluate":
        assert json.loads(shown.stdout) == json.loads(quiet.stdout) == json.loads(small.stdout)
    elif command != "align":  # align's summary line holds its wall time
        assert shown.stdout == quiet.stdout == small.stdout


def _assert_nothing_written(out):
    assert os.listdir(out) == [], os.listdir(out)  # no outputs, no temporary files


@pytest.mark.parametrize("seed_args, exit_code, message", [
    ([], 2, ("choose a seed: --seed-dict FILE, --identical, --cognates, --numerals, --parallel-src FILE "
     "--parallel-tgt FILE (verse-aligned corpora) or --unsupervised")),
    (["--unsupervised", "--identical"], 2, "--unsupervised uses no seed"),
    (["--seed-dict", "{files}/seed.txt", "--preset", "unsupervised"], 1, "preset 'unsupervised' starts from no seed"),
    (["--unsupervised", "--preset", "procrustes"], 1, "preset 'procrustes' fits once on the seed, and "
                                                      "seed='unsupervised' has none"),
    (["--seed-dict", "{files}/missing.txt"], 2, "does not exist"),
    (["--identical", "--preset", "vecmap"], 2, "Invalid value for '--preset'"),
    (["--numerals", "--identical-rank-ratio", "4"], 2, "--identical-rank-ratio filters identical-string seeds"),
    (["--identical", "--identical-rank-ratio", "0.5"], 2, "Invalid value for '--identical-rank-ratio'"),
])
def test_align_usage_errors(files, tmp_path, seed_args, exit_code, message):
    out = tmp_path / "out"
    out.mkdir()
    result = _align(files, out, *[a.format(files=files) for a in seed_args])
    assert result.exit_code == exit_code, result.output
    assert message in result.output
    _assert_nothing_written(out)


@pytest.fixture
def bad_inputs(tmp_path, files):
    """Damaged or mismatched inputs, next to an empty output folder."""
    bad = tmp_path / "bad"
    bad.mkdir()
    save_embeddings(make_keyed_vectors(["a", "b"], np.eye(3)[:2]), bad / "dim3.vec")
    (bad / "three.txt").write_text("s0\tt0\ns1 t1 extra\n", encoding="utf-8")
    (bad / "reversed.txt").write_text("t100\ts100\nt101\ts101\n", encoding="utf-8")
    (bad / "damaged.vec").write_text("3 16\n" + "w " + " ".join(["0.5"] * 16) + "\nv 1 2\n", encoding="utf-8")
    (bad / "latin1.txt").write_bytes(b"s0 t0\ncaf\xe9 t1\n")
    out = tmp_path / "out"
    out.mkdir()
    return bad, out


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
    result = _invoke("align", src.format(**fill), tgt.format(**fill), *[a.format(**fill) for a in seed_args],
                     "--out-src", out / "en.vec", "--out-tgt", out / "fi.vec", "--report", out / "r.json", "--quiet")
    assert result.exit_code == 1, result.output
    assert message in result.output and result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    _assert_nothing_written(out)


def test_evaluate_and_induce_errors(files, bad_inputs):
    bad, out = bad_inputs
    result = _invoke("evaluate", files / "src.vec", files / "tgt.vec", bad / "reversed.txt")
    assert result.exit_code == 1 and "are the source and target vectors or vocabularies swapped?" in result.output
    result = _invoke("evaluate", files / "src.vec", bad / "dim3.vec", files / "test.txt", "--json")
    assert result.exit_code == 1 and "src.vec has 16 dimensions and " in result.output
    assert "dim3.vec has 3: the two spaces must have one dimension; give the two mapped files of one offramp align " \
           "run" in result.output
    result = _invoke("induce", files / "src.vec", bad / "dim3.vec", "--out", out / "lex.tsv")
    assert result.exit_code == 1 and "dim3.vec has 3: the two spaces must have one dimension" in result.output
    result = _invoke("evaluate", files / "src.vec", files / "tgt.vec", bad / "three.txt")
    assert result.exit_code == 1 and "three.txt:2: expected 2 fields, got 3" in result.output
    result = _invoke("induce", bad / "damaged.vec", files / "tgt.vec", "--out", out / "lex.tsv")
    assert result.exit_code == 1 and "damaged.vec:3: expected 16 vector components" in result.output
    result = _invoke("induce", files / "src.vec", files / "tgt.vec", "--out", out / "lex.tsv", "-k", "0")
    assert result.exit_code == 2 and "-k" in result.output
    _assert_nothing_written(out)


@pytest.mark.parametrize("ratio, recorded, n_seed", [
    ("1", 1.0, 5),     # only strings at equal ranks: the identical words go, the 5 numerals stay
    ("inf", None, 10),  # every identical string, as without the filter
])
def test_align_identical_rank_ratio(files, tmp_path, ratio, recorded, n_seed):
    result = _align(files, tmp_path, "--identical", "--numerals", "--identical-rank-ratio", ratio)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["seed"]["identical_rank_ratio"] == recorded
    assert report["seed"]["n_seed_pairs"] == n_seed
    assert ("|rank_ratio:1.0|" in result.output) == (recorded is not None)


@pytest.mark.parametrize("value, expected", [("off", None), ("4", 4), ("auto", None)])
def test_align_warmup_dim_option(files, tmp_path, value, expected):
    """--warmup-dim reaches the estimator; 'auto' skips the warm-up here because the fixture's
    40-pair seed is small but its 16 dimensions are fewer than the automatic 30 directions."""
    result = _align(files, tmp_path, "--seed-dict", files / "seed.txt", "--warmup-dim", value)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["warmup_dim"] == expected and report["params"]["warmup_dim"] == (
        None if value == "off" else "auto" if value == "auto" else 4)
    stages = {h["stage"] for h in report["history"]}
    assert stages == ({"warmup", "main"} if expected else {"main"})
    assert (f"|warmup:{expected}|" in result.output) == bool(expected)


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_align_warmup_dim_rejects_bad_values(files, tmp_path, value):
    result = _align(files, tmp_path, "--seed-dict", files / "seed.txt", "--warmup-dim", value)
    assert result.exit_code == 2 and "--warmup-dim" in result.output and "'auto' or 'off'" in result.output
    assert not (tmp_path / "en.vec").exists()


def test_align_refine_option(files, tmp_path):
    result = _align(files, tmp_path, "--seed-dict", files / "seed.txt", "--refine", "instance",
                    "--refine-step", "0.2", "--refine-neighbors", "4")
    assert result.exit_code == 0, result.output
    assert "|refine:instance:k4,t0.1,s0.2|" in result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["refine"]["step"] == 0.2 and report["refine"]["n_src_anchors"] == 40
    scores = json.loads(_invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt",
                                "--json").output)
    assert scores["p@1"] == 100.0


def test_align_restarts_option(files, tmp_path):
    result = _align(files, tmp_path, "--identical", "--restarts", "2", "--seed", "5")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    restarts = report["restarts"]
    assert restarts["n_init"] == 2 and len(restarts["objectives"]) == 2 and restarts["best"] in (0, 1)
    assert restarts["objectives"][restarts["best"]] == max(restarts["objectives"])
    assert f"|random_state:5|restarts:2:best{restarts['best']}" in result.output
    assert report["params"]["n_init"] == 2
    assert _align(files, tmp_path, "--identical", "--restarts", "0").exit_code == 2
    result = _align(files, tmp_path / "none", "--identical", "--restarts", "2", "--preset", "supervised")
    assert result.exit_code == 1 and "set the self-learning loop, and preset 'supervised' runs none" in result.output
    # a run without the loop still writes strict JSON (no -Infinity): its objective is null
    result = _invoke("align", files / "src.vec", files / "tgt.vec", "--identical", "--preset", "procrustes",
                     "--out-src", tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec",
                     "--report", tmp_path / "report.json", "--quiet")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "report.json").read_text(encoding="utf-8")
    assert "Infinity" not in text and json.loads(text)["restarts"]["objectives"] == [None]


def test_align_unsupervised_via_auxiliary_spaces(files, tmp_path):
    from test_pipeline import _aux_spaces

    aux_src, aux_tgt = _aux_spaces(make_spaces())
    save_embeddings(aux_src, tmp_path / "aux_src.vec")
    save_embeddings(aux_tgt, tmp_path / "aux_tgt.vec")
    result = _align(files, tmp_path, "--unsupervised", "--via", tmp_path / "aux_src.vec", tmp_path / "aux_tgt.vec",
                    "--restarts", "2", "--via-top", "150")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    via = report["seed"]["via"]
    assert report["seed"]["mode"] == "unsupervised" and via["restarts"] == 2 and via["top"] == 150
    assert report["params"]["n_init"] == 1  # --restarts went to the auxiliary alignment
    assert f"|seed:unsupervised|via:restarts2:best{via['aux_best_restart']},top150,union|" in result.output
    scores = json.loads(_invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt",
                                "--json").output)
    assert scores["p@1"] == 100.0


@pytest.mark.parametrize("args, message", [
    (["--identical", "--via", "{files}/src.vec", "{files}/tgt.vec"], "add --unsupervised"),
    (["--unsupervised", "--via-top", "10"], "--via-top/--via-prefix-len set --via"),
])
def test_align_via_usage_errors(files, tmp_path, args, message):
    result = _align(files, tmp_path, *[a.format(files=files) for a in args])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "en.vec").exists()


@pytest.mark.parametrize("args, message", [
    (["--seed-dict", "{files}/seed.txt", "--refine", "none", "--refine-step", "0.2"], "drop --refine none"),
    (["--identical", "--refine-step", "0.2"], "no refinement runs"),
    (["--unsupervised", "--refine", "instance"], "unsupervised mode has none"),
])
def test_align_refine_usage_errors(files, tmp_path, args, message):
    result = _align(files, tmp_path, *[a.format(files=files) for a in args])
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "en.vec").exists()


def test_align_same_output_twice_is_a_usage_error(files, tmp_path):
    result = _invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt",
                     "--out-src", tmp_path / "same.vec", "--out-tgt", tmp_path / "same.vec", "--quiet")
    assert result.exit_code == 2 and "--out-src and --out-tgt are the same file" in result.output
    assert not list(tmp_path.iterdir())


def test_align_refuses_an_unwritable_word_before_aligning(files, tmp_path):
    """The target space holds a word with a space (readable, not writable as word2vec): refused
    before the alignment, nothing written (save_aligned's all-or-none is tested in test_pipeline)."""
    lines = (files / "tgt.vec").read_text(encoding="utf-8").splitlines()
    word, rest = lines[-1].split(" ", 1)
    lines[-1] = f"new york {rest}"
    (tmp_path / "tgt.vec").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = _invoke("align", files / "src.vec", tmp_path / "tgt.vec", "--seed-dict", files / "seed.txt",
                     "--out-src", out / "en.vec", "--out-tgt", out / "fi.vec", "--report", out / "report.json",
                     "--quiet")
    assert result.exit_code == 1 and "'new york'" in result.output, result.output
    assert "so --out-tgt could not be written; drop or rename that word in the input file" in result.output
    assert not list(out.iterdir())


def test_align_lowercase_reads_an_uppercase_dictionary(files, tmp_path):
    upper = tmp_path / "upper.txt"
    upper.write_text((files / "seed.txt").read_text(encoding="utf-8").upper(), encoding="utf-8")
    result = _invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", upper, "--out-src",
                     tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec", "--quiet")
    assert result.exit_code == 1, result.output
    assert "only 3 of 40 dictionary pairs are in the vocabularies, but 40 would be lowercased: pass lowercase=True " \
           "(CLI: --lowercase)" in result.output
    result = _invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", upper, "--lowercase",
                     "--out-src", tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec", "--quiet")
    assert result.exit_code == 0 and "(dictionary: 40 of 40 pairs in vocabulary" in result.output, result.output


@pytest.mark.parametrize("preset, mode", [("identical", "identical"), ("offramp", None)])
def test_vecmap_presets_that_name_a_seed_imply_it(files, tmp_path, preset, mode):
    result = _align(files, tmp_path, "--preset", preset)
    if mode is None:
        assert result.exit_code == 2 and "choose a seed" in result.output
        return
    assert result.exit_code == 0, result.output
    assert f"|method:{preset}|mapping:multistep|seed:{mode}|" in result.output


def test_dictionary_and_numerals_combine(files, tmp_path):
    result = _align(files, tmp_path, "--seed-dict", files / "seed.txt", "--numerals")
    assert result.exit_code == 0, result.output
    assert "|seed:dictionary+numerals|" in result.output


def test_evaluate_refuses_files_of_two_align_runs(files, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert _align(files, one, "--seed-dict", files / "seed.txt").exit_code == 0
    assert _align(files, two, "--identical").exit_code == 0
    for command, extra in (("evaluate", [files / "test.txt"]), ("induce", ["--out", tmp_path / "lex.tsv"])):
        result = _invoke(command, one / "en.vec", two / "fi.vec", *extra)
        assert result.exit_code == 2 and "were mapped by different offramp align runs" in result.output
    assert not (tmp_path / "lex.tsv").exists()
    # vectors without sidecars (another tool's) are not checked
    assert _invoke("evaluate", files / "src.vec", files / "tgt.vec", files / "test.txt").exit_code == 0


def test_evaluate_isf_temperature_and_auto_device_in_the_signature(files, tmp_path):
    assert _align(files, tmp_path, "--seed-dict", files / "seed.txt").exit_code == 0
    result = _invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt", "--retrieval", "isf",
                     "--beta", "10", "--device", "auto")
    assert result.exit_code == 0, result.output
    assert "|retrieval:isf|beta:10.0|norm:unit|dtype:float32|device:" in result.output
    assert "device:auto" not in result.output


@pytest.mark.parametrize("content, option, message", [
    ("2 2\na 1 0\na 0 1\n", ["--on-duplicate", "first"], "(CLI: --on-duplicate first)"),
    (b"2 2\ncaf\xe9 1 0\nb 0 1\n", ["--encoding-errors", "replace"], "(CLI: --encoding-errors replace)"),
])
def test_reading_options_reach_the_reader(files, tmp_path, content, option, message):
    """A duplicate word and a non-UTF-8 byte fail with a fix that names the CLI option, and that option
    reads the file (evaluate then finds no test pair in this 2-word vocabulary, which is the next error)."""
    path, copy = tmp_path / "odd.vec", tmp_path / "odd2.vec"
    for p in (path, copy):
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = _invoke("evaluate", path, copy, files / "test.txt")
    assert result.exit_code == 1 and message in result.output, result.output
    result = _invoke("evaluate", path, copy, files / "test.txt", *option)
    assert result.exit_code == 1 and "odd.vec" not in result.output and "dictionary pairs" in result.output, \
        result.output


def test_align_report_on_a_sidecar_path_is_refused_before_aligning(files, tmp_path):
    result = _invoke("align", files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt",
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
    result = _invoke("align", tmp_path / "src.vec", tmp_path / "tgt.vec", "--seed-dict", tmp_path / "seed.txt",
                     "--preset", "procrustes", "--out-src", tmp_path / "a.vec", "--out-tgt", tmp_path / "b.vec",
                     "--report", tmp_path / "r.json", "--quiet")
    assert result.exit_code == 0, result.output
    check = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["check"]
    assert check["n_checked"] == 40 and check["verdict"] == verdict
    assert check["self@1"] == 100 * check["n_self@1"] / 40 and (check["n_self@1"] == 40) == (not shuffled)
    assert f", shared strings {check['n_self@1']}/40 to themselves ({verdict}), " in result.output
    warned = "warning: of 40 words spelled alike in both vocabularies" in result.output
    assert warned == shuffled and (not shuffled or "Check that the seed's source and target columns" in result.output)
