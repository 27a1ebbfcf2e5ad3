"""``offramp align``, ``evaluate`` and ``induce`` with verse-aligned corpora (``--parallel-src``,
``--parallel-tgt``, ``--verse-measure``; CliRunner), on the ``rotated`` fixture's spaces and verses."""
import json

import pytest
from click.testing import CliRunner

from offramp.bootstrap.io.dictionaries import write_dictionary
from offramp.bootstrap.io.embeddings import save_embeddings
from offramp.cli.main import main


@pytest.fixture(scope="module")
def cli_files(rotated, tmp_path_factory):
    src, tgt, gold, (src_file, tgt_file) = rotated
    root = tmp_path_factory.mktemp("cli_verses")
    save_embeddings(src, root / "src.vec")
    save_embeddings(tgt, root / "tgt.vec")
    write_dictionary(gold[100:], root / "test.txt")
    write_dictionary(gold[60:80], root / "seed.txt")
    return root, src_file, tgt_file


def test_cli_align_with_verses_then_evaluate(cli_files, tmp_path):
    root, src_file, tgt_file = cli_files
    runner = CliRunner()
    result = runner.invoke(main, ["align", str(root / "src.vec"), str(root / "tgt.vec"),
                                  "--parallel-src", str(src_file),
                                  "--parallel-tgt", str(tgt_file), "--out-src", str(tmp_path / "s.vec"),
                                  "--out-tgt", str(tmp_path / "t.vec"), "--report", str(tmp_path / "r.json"),
                                  "--stochastic-interval", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "seed:parallel" in result.output and "verse_min:0.1" in result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["seed"]["parallel"]["src_files"] == [str(src_file)]
    result = runner.invoke(main, ["evaluate", str(tmp_path / "s.vec"), str(tmp_path / "t.vec"), str(root / "test.txt"),
                                  "--json", "--rerank", "ortho,parallel", "--parallel-src", str(src_file),
                                  "--parallel-tgt", str(tgt_file)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["p@1"] == 100.0 and out["rerank"]["weights"] == {"ortho": 0.3, "parallel": 0.5}


@pytest.mark.parametrize("command, options, code, message", [
    ("align", ["--parallel-src", "{src}"], 2, "add --parallel-tgt FILE"),
    ("align", ["--unsupervised", "--parallel-src", "{src}", "--parallel-tgt", "{tgt}"], 2,
     "--unsupervised uses no seed"),
    ("align", ["--identical", "--parallel-min-score", "0.2"], 2, "(--parallel-min-score) sets the 'parallel' seed"),
    ("evaluate", ["--rerank", "parallel"], 1, "needs verse-aligned corpora of both languages"),
    ("evaluate", ["--rerank", "ortho", "--parallel-src", "{src}", "--parallel-tgt", "{tgt}"], 1,
     "'parallel' is not among the re-ranking features"),
    ("induce", ["--parallel-tgt", "{tgt}", "--rerank", "parallel"], 2, "add --parallel-src FILE"),
    ("evaluate", ["--rerank", "ortho", "--verse-measure", "ibm1"], 2, "--verse-measure sets how verse-aligned"),
])
def test_cli_verse_errors(cli_files, tmp_path, command, options, code, message):
    root, src_file, tgt_file = cli_files
    args = [command, str(root / "src.vec"), str(root / "tgt.vec")]
    if command == "align":
        args += ["--out-src", str(tmp_path / "s.vec"), "--out-tgt", str(tmp_path / "t.vec")]
    elif command == "evaluate":
        args += [str(root / "test.txt")]
    else:
        args += ["--out", str(tmp_path / "lex.tsv")]
    args += [o.format(src=src_file, tgt=tgt_file) for o in options]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not any(tmp_path.iterdir())


def test_cli_dictionary_and_verses_combine(cli_files, tmp_path):
    root, src_file, tgt_file = cli_files
    result = CliRunner().invoke(main, ["align", str(root / "src.vec"), str(root / "tgt.vec"), "--seed-dict",
                                       str(root / "seed.txt"), "--parallel-src", str(src_file), "--parallel-tgt",
                                       str(tgt_file), "--out-src", str(tmp_path / "s.vec"), "--out-tgt",
                                       str(tmp_path / "t.vec"), "--report", str(tmp_path / "r.json"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "seed:dictionary+parallel" in result.output
    seed = json.loads((tmp_path / "r.json").read_text())["seed"]
    # 20 dictionary pairs (words 60-79, outside the verses) plus the verse pairs of words 0-59
    assert seed["mode"] == "dictionary+parallel" and seed["n_seed_pairs"] > 20 + 30


def test_cli_ibm1_verses_rerank_and_signature(cli_files, tmp_path):
    root, src_file, tgt_file = cli_files
    runner = CliRunner()
    result = runner.invoke(main, ["align", str(root / "src.vec"), str(root / "tgt.vec"),
                                  "--parallel-src", str(src_file),
                                  "--parallel-tgt", str(tgt_file), "--verse-measure", "ibm1", "--out-src",
                                  str(tmp_path / "s.vec"), "--out-tgt", str(tmp_path / "t.vec"), "--report",
                                  str(tmp_path / "r.json"), "--stochastic-interval", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "seed:parallel" in result.output and "|verses:ibm1|" in result.output
    assert json.loads((tmp_path / "r.json").read_text())["seed"]["parallel"]["measure"] == "ibm1"
    result = runner.invoke(main, ["evaluate", str(tmp_path / "s.vec"), str(tmp_path / "t.vec"), str(root / "test.txt"),
                                  "--json", "--rerank", "ortho,parallel", "--parallel-src", str(src_file),
                                  "--parallel-tgt", str(tgt_file), "--verse-measure", "ibm1"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # Model 1's untuned weight is its own default (bootstrap.evaluation.rerankers.PARALLEL_WEIGHTS)
    assert out["p@1"] == 100.0 and out["rerank"]["weights"] == {"ortho": 0.3, "parallel": 2.0}
    assert out["rerank"]["parallel"]["measure"] == "ibm1" and "parallel=2(ibm1)" in out["signature"]
