"""``offramp train`` through click's CliRunner."""
import json

import numpy as np
import pytest
from click.testing import CliRunner

from offramp.cli.main import main

FAST = ["--dim", "8", "--epochs", "2", "--workers", "1", "--no-progress"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """ID<TAB>text lines: 60 verses over a 12-word vocabulary, plus one held-out-able verse."""
    rng = np.random.default_rng(0)
    words = "alussa loi jumala taivaan ja maan oli autio tyhjä pimeys henki vetten".split()
    lines = [f"Gen.1.{i + 1}\t" + " ".join(rng.choice(words, size=6)) for i in range(60)]
    lines.append("Gen.2.1\tharvinainen harvinainen harvinainen")
    path = tmp_path_factory.mktemp("corpus") / "fi.Test.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(args):
    return CliRunner().invoke(main, ["train", *map(str, args)])


def test_help():
    result = run(["--help"])
    assert result.exit_code == 0, result.output
    for option in ("--lang", "--out", "--model", "--dim", "--window", "--min-count", "--epochs", "--seed",
                   "--workers", "--binary", "--save-model", "--exclude-ids", "--report", "--prefix-len"):
        assert option in result.output


def test_cli_defaults_match_the_library():
    from offramp.bootstrap.training import DEFAULTS
    from offramp.cli.train import _DEFAULTS

    assert _DEFAULTS == {key: DEFAULTS[key] for key in _DEFAULTS}


@pytest.mark.parametrize("model", ["fasttext", "skipgram", "cbow"])
def test_train_writes_vec_and_report(tmp_path, corpus, model):
    from gensim.models import KeyedVectors

    out, report = tmp_path / "fi.vec", tmp_path / "report.json"
    result = run([corpus, "--lang", "fi", "--out", out, "--model", model, "--report", report, "--seed", "3", *FAST])
    assert result.exit_code == 0, result.output
    kv = KeyedVectors.load_word2vec_format(out)
    assert len(kv) == 13 and kv.vector_size == 8
    assert kv.index_to_key[-1] == "harvinainen"  # 3 occurrences; the 12 others ~30 each
    line = result.output.strip()
    assert "\n" not in line
    assert f"{out}: 13 words from 363 tokens (61 lines)" in line
    assert f"model:{model}|dim:8|epochs:2|min_count:3|seed:3|lang:fi|workers:1" in line
    payload = json.loads(report.read_text(encoding="utf-8"))
    assert payload["command"] == "train"
    assert (payload["n_tokens"], payload["n_lines"], payload["n_words"]) == (363, 61, 13)
    assert payload["params"]["model"] == model and payload["params"]["epochs"] == 2
    assert payload["params"]["random_state"] == 3
    assert payload["corpora"] == [str(corpus)] and payload["wall_s"] >= 0


def test_binary_save_model_and_exclude_ids(tmp_path, corpus):
    from gensim.models import KeyedVectors

    from offramp.bootstrap.io.embeddings import load_embeddings

    ids = tmp_path / "heldout.tsv"
    ids.write_text("Gen.2.1\tharvinainen\n", encoding="utf-8")
    out, model = tmp_path / "fi.bin.vec", tmp_path / "fi.bin"
    result = run([corpus, "--out", out, "--binary", "--save-model", model, "--exclude-ids", ids, *FAST])
    assert result.exit_code == 0, result.output
    assert "(60 lines, 1 excluded)" in result.output
    kv = KeyedVectors.load_word2vec_format(out, binary=True)
    assert "harvinainen" not in kv and len(kv) == 12
    full = load_embeddings(model)  # fastText .bin: vectors for unseen words too
    assert full.index_to_key == kv.index_to_key
    assert full["harvinaisempi"].shape == (8,)


def test_directory_with_lang(tmp_path, corpus):
    root = tmp_path / "data"
    (root / "corpora" / "bible").mkdir(parents=True)
    (root / "corpora" / "bible" / "fi.Test.tsv").write_bytes(corpus.read_bytes())
    out, report = tmp_path / "fi.vec", tmp_path / "r.json"
    result = run([root, "--lang", "fi", "--out", out, "--report", report, *FAST])
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text())["corpora"] == [str(root / "corpora" / "bible" / "fi.Test.tsv")]
    result = run([root, "--out", out, *FAST])
    assert result.exit_code == 2 and "--lang is needed" in result.output
    result = run([root, "--lang", "mt", "--out", out, *FAST])
    assert result.exit_code == 2 and "no mt corpus in" in result.output


@pytest.mark.parametrize("content, message", [
    (b"... !!!\n\n", "no tokens in the corpus"),
    (b"ok\n\xe4iti\n", "empty.txt:2: bytes are not UTF-8"),
    (b"yksi kaksi\n", "no word occurs at least min_count=3 times"),
])
def test_errors_exit_nonzero_and_leave_no_output(tmp_path, content, message):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    out = tmp_path / "out" / "x.vec"
    result = run([path, "--out", out, *FAST])
    assert result.exit_code == 1
    assert message in result.output and str(path) in result.output
    assert not out.exists()
    assert not (out.parent.exists() and list(out.parent.iterdir()))


def test_missing_corpus_is_a_usage_error(tmp_path):
    result = run([tmp_path / "nope.txt", "--out", tmp_path / "x.vec"])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_lang_fr_splits_elided_articles(tmp_path):
    corpus = tmp_path / "fr.txt"
    corpus.write_text("L'eau et l'homme\n" * 3, encoding="utf-8")
    out = tmp_path / "fr.vec"
    result = run([corpus, "--lang", "fr", "--out", out, "--min-count", "1", *FAST])
    assert result.exit_code == 0, result.output
    words = {line.split(" ", 1)[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]}
    assert words == {"l'", "eau", "et", "homme"}


def test_runs_write_the_ensemble(tmp_path, corpus):
    from gensim.models import KeyedVectors

    out, report = tmp_path / "fi.vec", tmp_path / "r.json"
    result = run([corpus, "--lang", "fi", "--out", out, "--runs", "2", "--report", report, *FAST])
    assert result.exit_code == 0, result.output
    assert KeyedVectors.load_word2vec_format(out).vector_size == 16
    assert "|seed:0|runs:2|lang:fi|" in result.output
    params = json.loads(report.read_text(encoding="utf-8"))["params"]
    assert (params["runs"], params["dim"], params["dim_out"]) == (2, 8, 16)
    refused = run([corpus, "--out", tmp_path / "x.vec", "--runs", "2", "--save-model", tmp_path / "m.bin", *FAST])
    assert refused.exit_code == 2 and "keeps one trained model; use it with one run (--runs 1)" in refused.output
    assert not (tmp_path / "x.vec").exists()


def test_prefix_len_trains_on_cut_tokens(tmp_path, corpus):
    out = tmp_path / "fi5.vec"
    result = run([corpus, "--out", out, "--prefix-len", "4", "--min-count", "1", "--report", tmp_path / "r.json",
                  *FAST])
    assert result.exit_code == 0, result.output
    words = [line.split(" ", 1)[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    assert "juma" in words and "taiv" in words and max(map(len, words)) == 4 and "|prefix:4|" in result.output
    assert json.loads((tmp_path / "r.json").read_text())["params"]["prefix_len"] == 4


def test_exclude_ids_that_match_nothing_warn(tmp_path, corpus):
    ids = tmp_path / "ids.txt"
    ids.write_text("Rev.22.21\n", encoding="utf-8")
    result = run([corpus, "--exclude-ids", ids, "--out", tmp_path / "fi.vec", *FAST])
    assert result.exit_code == 0, result.output
    assert "warning: none of the 1 exclude_ids matched an ID<TAB>text line, so no text was held out" in result.output


def test_id_column_no_trains_on_the_ids_too(tmp_path, corpus):
    out = tmp_path / "fi.vec"
    result = run([corpus, "--id-column", "no", "--out", out, *FAST])
    assert result.exit_code == 0, result.output
    assert "gen" in out.read_text(encoding="utf-8").split()


@pytest.mark.parametrize("options, message", [
    (["--out", "{tmp}/same.vec", "--report", "{tmp}/same.vec"], "--out and --report are the same file"),
    (["--out", "{tmp}/sub/../same.vec", "--report", "{tmp}/same.vec"], "--out and --report are the same file"),
    (["--out", "{tmp}"], "is a directory"),
    (["--out", "{tmp}/file.txt/fi.vec"], "is a file, so"),
    (["--out", "{tmp}/fi.vec", "--save-model", "{tmp}/file.txt/m.bin"], "is a file, so"),
])
def test_output_paths_are_checked_before_training(tmp_path, corpus, options, message):
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    result = run([corpus, *[o.format(tmp=tmp_path) for o in options], *FAST])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "words from" not in result.output   # it stopped before training
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


@pytest.mark.parametrize("given, code", [("FR", "fr"), ("fr-FR", "fr"), ("fi_FI", "fi"), ("fin", "fin")])
def test_lang_codes_are_normalised(tmp_path, corpus, given, code):
    result = run([corpus, "--lang", given, "--out", tmp_path / "x.vec", *FAST])
    assert result.exit_code == 0, result.output
    assert f"|lang:{code}|" in result.output


@pytest.mark.parametrize("given", ["f", "french!", "12"])
def test_bad_lang_codes_are_refused(tmp_path, corpus, given):
    result = run([corpus, "--lang", given, "--out", tmp_path / "x.vec", *FAST])
    assert result.exit_code == 2 and "expected an ISO 639 language code" in result.output


def test_a_hard_killed_train_resumes_with_the_same_vectors(tmp_path):
    """``offramp train --checkpoint-dir``, killed (SIGKILL) while training, then run again: it resumes after the
    last epoch saved and writes the vectors of an uninterrupted run (one worker: bit for bit)."""
    import signal
    import subprocess
    import sys
    import time

    rng = np.random.default_rng(1)
    words = [f"sana{i}" for i in range(300)]
    p = 1.0 / np.arange(1, 301)
    corpus = tmp_path / "big.txt"
    corpus.write_text("\n".join(" ".join(rng.choice(words, size=12, p=p / p.sum())) for _ in range(3000)) + "\n",
                      encoding="utf-8")
    args = [str(corpus), "--dim", "16", "--epochs", "30", "--workers", "1", "--no-progress", "--model", "skipgram"]
    whole = run([*args, "--out", tmp_path / "whole.vec"])
    assert whole.exit_code == 0, whole.output
    command = [sys.executable, "-m", "offramp.cli.main", "train", *args, "--out", str(tmp_path / "resumed.vec"),
               "--checkpoint-dir", str(tmp_path / "ckpt")]
    record = tmp_path / "ckpt" / "checkpoint.json"
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not record.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = json.loads(record.read_text())["epochs_done"]
    assert 1 <= done < 30 and not (tmp_path / "resumed.vec").exists()
    resumed = run([*args, "--out", tmp_path / "resumed.vec", "--checkpoint-dir", tmp_path / "ckpt"])
    assert resumed.exit_code == 0, resumed.output
    assert (tmp_path / "resumed.vec").read_bytes() == (tmp_path / "whole.vec").read_bytes()
