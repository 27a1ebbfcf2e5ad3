"""``offramp evaluate`` (CliRunner): the summary line and its signature, JSON output, and what it refuses."""
import json

import pytest

from fixtures.cli import align_into, assert_nothing_written, invoke
from offramp._version import __version__
from offramp.bootstrap.evaluation.bli import bli_signature, evaluate_bli
from offramp.bootstrap.io.embeddings import load_embeddings


def test_evaluate_summary_line(files, tmp_path):
    assert align_into(files, tmp_path, "--seed-dict", files / "seed.txt").exit_code == 0
    result = invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt", "--retrieval", "nn")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("P@1 100.00  P@5 100.00  P@10 100.00  MRR 100.00  coverage 100.00% of 200 words")
    assert f"| offramp:{__version__}|retrieval:nn|norm:unit|dtype:float32|device:cpu" in result.output


def test_evaluate_errors(files, bad_inputs):
    bad, out = bad_inputs
    result = invoke("evaluate", files / "src.vec", files / "tgt.vec", bad / "reversed.txt")
    assert result.exit_code == 1 and "are the source and target vectors or vocabularies swapped?" in result.output
    result = invoke("evaluate", files / "src.vec", bad / "dim3.vec", files / "test.txt", "--json")
    assert result.exit_code == 1 and "src.vec has 16 dimensions and " in result.output
    assert "dim3.vec has 3: the two spaces must have one dimension; give the two mapped files of one offramp align " \
           "run" in result.output
    result = invoke("evaluate", files / "src.vec", files / "tgt.vec", bad / "three.txt")
    assert result.exit_code == 1 and "three.txt:2: expected 2 fields, got 3" in result.output
    assert_nothing_written(out)


def test_evaluate_refuses_files_of_two_align_runs(files, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert align_into(files, one, "--seed-dict", files / "seed.txt").exit_code == 0
    assert align_into(files, two, "--identical").exit_code == 0
    for command, extra in (("evaluate", [files / "test.txt"]), ("induce", ["--out", tmp_path / "lex.tsv"])):
        result = invoke(command, one / "en.vec", two / "fi.vec", *extra)
        assert result.exit_code == 2 and "were mapped by different offramp align runs" in result.output
    assert not (tmp_path / "lex.tsv").exists()
    # vectors without sidecars (another tool's) are not checked
    assert invoke("evaluate", files / "src.vec", files / "tgt.vec", files / "test.txt").exit_code == 0


def test_evaluate_isf_temperature_and_auto_device_in_the_signature(files, tmp_path):
    assert align_into(files, tmp_path, "--seed-dict", files / "seed.txt").exit_code == 0
    result = invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", files / "test.txt", "--retrieval", "isf",
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
    result = invoke("evaluate", path, copy, files / "test.txt")
    assert result.exit_code == 1 and message in result.output, result.output
    result = invoke("evaluate", path, copy, files / "test.txt", *option)
    assert result.exit_code == 1 and "odd.vec" not in result.output and "dictionary pairs" in result.output, \
        result.output


@pytest.mark.parametrize("options, kwargs", [
    ([], {}),
    (["--retrieval", "isf", "--beta", "10"], {"method": "isf", "beta": 10.0}),
    (["--rerank", "ortho,freq", "--tune-dict", "{files}/seed.txt"], {"rerank": ("ortho", "freq"),
                                                                     "tune_dict": "{files}/seed.txt"}),
])
@pytest.mark.parametrize("max_vocab", [None, 250])
def test_evaluate_prints_the_librarys_signature(files, options, kwargs, max_vocab):
    """The command's signature is :func:`evaluate_bli`'s on the same words; with ``--max-vocab`` it
    names the cut too, where the signature has always named it."""
    options = [o.format(files=files) for o in options]
    kwargs = {k: v.format(files=files) if isinstance(v, str) else v for k, v in kwargs.items()}
    cut = [] if max_vocab is None else ["--max-vocab", max_vocab]
    result = invoke("evaluate", files / "src.vec", files / "tgt.vec", files / "test.txt", "--json", *options, *cut)
    assert result.exit_code == 0, result.output
    src, tgt = (load_embeddings(files / name, max_vocab=max_vocab) for name in ("src.vec", "tgt.vec"))
    scores = evaluate_bli(src, tgt, str(files / "test.txt"), progress=False, **kwargs)
    expected = bli_signature(scores, normalize=kwargs.get("normalize", True), lowercase=kwargs.get("lowercase", False),
                             max_vocab=max_vocab)
    assert (expected == scores["signature"]) == (max_vocab is None)
    assert json.loads(result.output)["signature"] == expected


@pytest.mark.parametrize("command, extra", [("evaluate", ["{files}/test.txt", "--json"]),
                                            ("induce", ["--out", "{tmp}/lexicon.tsv"])])
@pytest.mark.parametrize("option", ["--csls", "--csls-k"])
def test_csls_has_the_name_align_gives_it(files, tmp_path, command, extra, option):
    """``--csls`` (align's name) and ``--csls-k`` both set the CSLS neighbourhood of evaluate and induce."""
    extra = [e.format(files=files, tmp=tmp_path) for e in extra]
    result = invoke(command, files / "src.vec", files / "tgt.vec", *extra, option, "5", "--quiet")
    assert result.exit_code == 0, result.output
    assert "|csls:5|" in result.output
