"""``offramp induce`` (CliRunner): the lexicon file, its summary line, and what it refuses."""
import json

import pytest

from fixtures.cli import align_into, assert_nothing_written, invoke
from offramp._version import __version__
from offramp.bootstrap.evaluation.induce import induce_lexicon
from offramp.bootstrap.io.embeddings import load_embeddings


def test_induce_writes_the_lexicon_and_its_summary(files, tmp_path):
    assert align_into(files, tmp_path, "--seed-dict", files / "seed.txt").exit_code == 0
    lexicon = tmp_path / "lex.tsv"
    result = invoke("induce", tmp_path / "en.vec", tmp_path / "fi.vec", "--out", lexicon, "-k", "2",
                    "--max-src", "50")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote 100 pairs for 50 source words to {lexicon} | offramp:{__version__}|")
    lines = lexicon.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# source\ttarget\tscore\trank" and len(lines) == 101
    gold = dict(line.split("\t") for line in (files / "seed.txt").read_text(encoding="utf-8").splitlines())
    first = [line.split("\t") for line in lines[1:] if line.endswith("\t1")]
    assert len(first) == 50 and all(gold[s] == t for s, t, _, _ in first if s in gold)


def test_induce_errors(files, bad_inputs):
    bad, out = bad_inputs
    result = invoke("induce", files / "src.vec", bad / "dim3.vec", "--out", out / "lex.tsv")
    assert result.exit_code == 1 and "dim3.vec has 3: the two spaces must have one dimension" in result.output
    result = invoke("induce", bad / "damaged.vec", files / "tgt.vec", "--out", out / "lex.tsv")
    assert result.exit_code == 1 and "damaged.vec:3: expected 16 vector components" in result.output
    result = invoke("induce", files / "src.vec", files / "tgt.vec", "--out", out / "lex.tsv", "-k", "0")
    assert result.exit_code == 2 and "-k" in result.output
    assert_nothing_written(out)


@pytest.mark.parametrize("options, kwargs", [
    ([], {}),
    (["--retrieval", "nn", "-k", "2", "--mutual"], {"method": "nn", "k": 2, "mutual": True}),
])
@pytest.mark.parametrize("max_vocab", [None, 250])
def test_induce_prints_the_librarys_signature(files, tmp_path, options, kwargs, max_vocab):
    """The summary line's signature is the Lexicon's from :func:`induce_lexicon` on the same words, with the
    command's ``max_vocab:N`` appended at its end; the report records it too."""
    cut = [] if max_vocab is None else ["--max-vocab", max_vocab]
    result = invoke("induce", files / "src.vec", files / "tgt.vec", "--out", tmp_path / "lex.tsv", "--report",
                    tmp_path / "report.json", *options, *cut)
    assert result.exit_code == 0, result.output
    src, tgt = (load_embeddings(files / name, max_vocab=max_vocab) for name in ("src.vec", "tgt.vec"))
    library = induce_lexicon(src, tgt, progress=False, **kwargs).signature
    expected = library if max_vocab is None else f"{library}|max_vocab:{max_vocab}"
    assert result.output.strip().split(" | ")[1] == expected
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["signature"] == expected
