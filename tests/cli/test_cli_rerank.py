"""``offramp evaluate`` / ``induce`` with ``--rerank``, ``--rerank-weights``, ``--tune-dict``, ``--rerank-k``."""
import json

import pytest

from fixtures.cli import invoke as _invoke
from fixtures.rerank_data import RR_RIGHT, RR_SRC, RR_SRC_WORDS, RR_TEST, RR_TGT, RR_WRONG
from fixtures.spaces import decoy_spaces
from offramp._version import __version__
from offramp.bootstrap.io.dictionaries import write_dictionary
from offramp.bootstrap.io.embeddings import save_embeddings

# The fixture of fixtures.rerank_data: plain CSLS (csls_k=2) ranks a wrong word first for every source word,
# the right one, a near-identical string, second; ortho weight 0.05 is too small to swap them, 0.1 is enough.
CSLS_K = ["--csls-k", "2"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The two spaces, the test dictionary (all four words) and a tuning dictionary (the first two)."""
    root = tmp_path_factory.mktemp("cli_rerank")
    save_embeddings(RR_SRC, root / "src.vec")
    save_embeddings(RR_TGT, root / "tgt.vec")
    write_dictionary(RR_TEST, root / "test.txt")
    write_dictionary(RR_TEST[:2], root / "train.txt")
    write_dictionary([(t, s) for s, t in RR_TEST], root / "reversed.txt")
    return root


def _evaluate_json(files, *options):
    result = _invoke("evaluate", files / "src.vec", files / "tgt.vec", files / "test.txt", "--json", *CSLS_K, *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("command", ["evaluate", "induce"])
def test_help_lists_rerank_options(command):
    result = _invoke(command, "--help")
    assert result.exit_code == 0, result.output
    for option in ("--rerank", "--rerank-weights", "--tune-dict", "--rerank-k", "ortho,freq"):
        assert option in result.output, option


@pytest.mark.parametrize("options, p1, rerank", [
    ([], 0.0, None),
    (["--rerank", "ortho,freq"], 100.0,
     {"features": ["freq", "ortho"], "weights": {"freq": 0.05, "ortho": 0.3}, "weights_from": "defaults", "k": 50}),
    # repeated names and spaces are tolerated
    (["--rerank", "ortho, ortho"], 100.0,
     {"features": ["ortho"], "weights": {"ortho": 0.3}, "weights_from": "defaults", "k": 50}),
    (["--rerank", "ortho,freq", "--rerank-weights", "ortho=0.3,freq=0.05"], 100.0,
     {"features": ["freq", "ortho"], "weights": {"freq": 0.05, "ortho": 0.3}, "weights_from": "given", "k": 50}),
    (["--rerank", "ortho", "--rerank-weights", "ortho=0.05"], 0.0,
     {"features": ["ortho"], "weights": {"ortho": 0.05}, "weights_from": "given", "k": 50}),
    (["--rerank", "ortho", "--rerank-k", "1"], 0.0,
     {"features": ["ortho"], "weights": {"ortho": 0.3}, "weights_from": "defaults", "k": 1}),
])
def test_evaluate_rerank_json(files, options, p1, rerank):
    out = _evaluate_json(files, *options)
    assert out["p@1"] == p1 and out["p@5"] == 100.0 and out["n_covered"] == 4
    if rerank is not None:  # the plain CSLS scores of the same words come along: gold at rank 2
        plain = out["rerank"].pop("without_rerank")
        assert plain["p@1"] == 0.0 and plain["p@5"] == 100.0 and plain["counted_wrong"]["p@1"] == 0.0
    assert out.get("rerank") == rerank
    if rerank is None:
        assert "rerank:" not in out["signature"]
    else:
        tag = "+".join(f"{f}={rerank['weights'][f]:g}" for f in rerank["features"])
        assert out["signature"].endswith(f"|rerank:{tag}")


def test_evaluate_tune_dict(files):
    out = _evaluate_json(files, "--rerank", "ortho", "--tune-dict", files / "train.txt")
    assert out["p@1"] == 100.0 and out["rerank"].pop("without_rerank")["p@1"] == 0.0
    assert out["rerank"] == {"features": ["ortho"], "weights": {"ortho": 0.1}, "weights_from": str(files / "train.txt"),
                             "tune_p@1": 100.0, "tune_n": 2, "k": 50}
    assert out["signature"].endswith("|rerank:ortho=0.1")


def test_evaluate_summary_line_carries_rerank_signature(files):
    result = _invoke("evaluate", files / "src.vec", files / "tgt.vec", files / "test.txt", *CSLS_K, "--rerank", "ortho")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("P@1 100.00  P@5 100.00  P@10 100.00  MRR 100.00  coverage 100.00% of 4 words "
                                    "(OOV counted wrong: P@1 100.00), P@1 0.00 without re-ranking | ")
    assert f"| offramp:{__version__}|retrieval:csls|csls:2|norm:unit|" in result.output
    assert result.output.rstrip().endswith("|device:cpu|rerank:ortho=0.3")


@pytest.mark.parametrize("options, expected, tag", [
    ([], RR_WRONG, None),
    (["--rerank", "ortho"], RR_RIGHT, "ortho=0.3"),
    (["--rerank", "ortho", "--tune-dict", "{files}/train.txt"], RR_RIGHT, "ortho="),  # the fitted weight
    (["--rerank", "ortho", "--rerank-weights", "ortho=0.05"], RR_WRONG, "ortho=0.05"),
])
def test_induce_rerank(files, tmp_path, options, expected, tag):
    lexicon = tmp_path / "lex.tsv"
    result = _invoke("induce", files / "src.vec", files / "tgt.vec", "--out", lexicon, *CSLS_K,
                     *[o.format(files=files) for o in options])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote 4 pairs for 4 source words to {lexicon} | offramp:{__version__}|")
    assert ("|rerank:" in result.output) == bool(options)
    if tag:
        assert f"|rerank:{tag}" in result.output
    lines = lexicon.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# source\ttarget\tscore\trank"
    assert [line.split("\t")[:2] for line in lines[1:]] == [[s, t] for s, t in zip(RR_SRC_WORDS, expected)]


def test_induce_rerank_keeps_k_candidates(files, tmp_path):
    lexicon = tmp_path / "lex.tsv"
    result = _invoke("induce", files / "src.vec", files / "tgt.vec", "--out", lexicon, *CSLS_K, "-k", "2",
                     "--rerank", "ortho,freq")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in lexicon.read_text(encoding="utf-8").splitlines()[1:]]
    assert [(s, t, r) for s, t, _, r in rows] == [(s, t, r) for s, right, wrong in zip(RR_SRC_WORDS, RR_RIGHT, RR_WRONG)
                                                  for t, r in ((right, "1"), (wrong, "2"))]


@pytest.mark.parametrize("command", ["evaluate", "induce"])
@pytest.mark.parametrize("options, message", [
    (["--rerank", "foo"], "unknown feature(s) foo; choose from ortho, freq, parallel "
                          "(comma-separated, e.g. ortho,freq or ortho,freq,parallel)"),
    (["--rerank", "ortho,lev"], "unknown feature(s) lev; choose from ortho, freq"),
    (["--rerank", "ortho", "--rerank-weights", "ortho"], "'ortho' is not NAME=NUMBER; write e.g. ortho=0.3,freq=0.05"),
    (["--rerank", "ortho", "--rerank-weights", "ortho=high"], "'ortho=high' is not NAME=NUMBER"),
    (["--rerank", "ortho", "--rerank-k", "0"], "Invalid value for '--rerank-k'"),
    (["--rerank", "ortho", "--tune-dict", "{files}/missing.txt"], "does not exist"),
])
def test_usage_errors(files, tmp_path, command, options, message):
    target = [files / "test.txt"] if command == "evaluate" else ["--out", tmp_path / "lex.tsv"]
    result = _invoke(command, files / "src.vec", files / "tgt.vec", *target, *[o.format(files=files) for o in options])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "lex.tsv").exists()


@pytest.mark.parametrize("command", ["evaluate", "induce"])
@pytest.mark.parametrize("options, message", [
    (["--rerank", "ortho,freq", "--rerank-weights", "ortho=0.3"],
     "rerank weights name no value for ['freq']; give e.g. freq=0.05,ortho=0.3"),
    (["--rerank", "ortho", "--tune-dict", "{files}/reversed.txt"],
     "no pair has both words in the vocabularies, so the re-ranking weights cannot be fitted on it; "
     "check --src/--tgt order"),
])
def test_bad_values_fail_cleanly(files, tmp_path, command, options, message):
    target = [files / "test.txt"] if command == "evaluate" else ["--out", tmp_path / "lex.tsv"]
    result = _invoke(command, files / "src.vec", files / "tgt.vec", *target, *[o.format(files=files) for o in options])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert not (tmp_path / "lex.tsv").exists()


@pytest.mark.parametrize("command", ["evaluate", "induce"])
@pytest.mark.parametrize("options, message", [
    (["--rerank", "ortho", "--rerank-model", "trees"], "give one (tune_dict=...; CLI: --tune-dict train.txt)"),
    (["--rerank-model", "trees"], "without re-ranking features"),
    (["--rerank", "ortho", "--rerank-model", "trees", "--tune-dict", "{files}/train.txt", "--rerank-weights",
      "ortho=0.3"], "re-ranking weights belong to the 'linear' model"),
])
def test_option_combinations_checked_before_loading(files, tmp_path, command, options, message):
    """A wrong combination of re-ranking options fails before the vectors are read: here the vector file
    is malformed, and the message is still the one about the options."""
    broken = tmp_path / "broken.vec"
    broken.write_text("2 3\nfoo 1 2\n", encoding="utf-8")
    target = [files / "test.txt"] if command == "evaluate" else ["--out", tmp_path / "lex.tsv"]
    result = _invoke(command, broken, files / "tgt.vec", *target, *[o.format(files=files) for o in options])
    assert result.exit_code == 1, result.output
    assert message in result.output and "broken.vec" not in result.output
    assert not (tmp_path / "lex.tsv").exists()


def test_cli_trees(tmp_path):
    src, tgt, train, test = decoy_spaces()
    save_embeddings(src, tmp_path / "src.vec")
    save_embeddings(tgt, tmp_path / "tgt.vec")
    write_dictionary(train, tmp_path / "train.txt")
    write_dictionary(test, tmp_path / "test.txt")
    base = ["evaluate", tmp_path / "src.vec", tmp_path / "tgt.vec", tmp_path / "test.txt", "--rerank", "ortho,freq",
            "--rerank-model", "trees"]
    result = _invoke(*base, "--tune-dict", tmp_path / "train.txt", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["p@1"] == 100.0 and out["rerank"]["model"] == "trees"
    assert "rerank:trees:freq+ortho" in out["signature"]
    result = _invoke(*base)
    assert result.exit_code != 0 and "--tune-dict train.txt" in result.output
    result = _invoke("induce", tmp_path / "src.vec", tmp_path / "tgt.vec", "--out", tmp_path / "lex.tsv", "--rerank",
                     "ortho,freq", "--rerank-model", "trees", "--tune-dict", tmp_path / "train.txt")
    assert result.exit_code == 0, result.output
    assert "rerank:trees:freq+ortho" in result.output  # the same tag as evaluate's
    lines = (tmp_path / "lex.tsv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 241 and lines[1].split("\t")[:2] == list(train[0])
