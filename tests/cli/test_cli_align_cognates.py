"""``offramp align --cognates`` and ``--cognate-similarity`` (CliRunner)."""
import json
import os

import pytest

from fixtures.cli import invoke as _invoke
from fixtures.spaces import N_WORDS
from offramp._version import __version__
from offramp.bootstrap.io.outputs import SIDECAR_SUFFIX, read_space_info
from offramp.bootstrap.lexicon.seeds import COGNATE_DEFAULTS


def _align(files, out, *seed_args):
    return _invoke("align", files / "src.vec", files / "tgt.vec", *seed_args, "--out-src", out / "en.vec",
                   "--out-tgt", out / "fi.vec", "--report", out / "report.json", "--quiet",
                   "--preset", "procrustes")


def test_align_help_lists_cognate_options():
    result = _invoke("align", "--help")
    assert result.exit_code == 0, result.output
    assert "--cognates" in result.output and "--cognate-similarity" in result.output
    assert "offramp align en.vec lv.vec --cognates --numerals" in result.output


# make_spaces spells 5 names and 5 numerals alike; with the default cognate options one name
# (source rank 28, target rank 2: ratio 14 > 10) is dropped, and min_similarity does not matter
# for identical spellings.
@pytest.mark.parametrize("seed_args, mode, n_seed, min_similarity", [
    (["--cognates", "--numerals"], "cognates+numerals", 9, COGNATE_DEFAULTS["min_similarity"]),
    (["--cognates"], "cognates", 4, COGNATE_DEFAULTS["min_similarity"]),
    (["--cognates", "--numerals", "--cognate-similarity", "0.9"], "cognates+numerals", 9, 0.9),
    (["--cognates", "--cognate-similarity", "1"], "cognates", 4, 1.0),
])
def test_align_with_cognates_writes_outputs_and_report(files, tmp_path, seed_args, mode, n_seed, min_similarity):
    result = _align(files, tmp_path, *seed_args)
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    parts = " (cognates 4, numerals +5)" if "numerals" in mode else ""
    assert line.startswith(f"aligned {N_WORDS} x {N_WORDS} words (dim 16): {n_seed} seed pairs{parts}, ")
    assert f"| offramp:{__version__}|method:procrustes|" in line and f"|seed:{mode}|" in line
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["seed"]["mode"] == mode and report["seed"]["n_seed_pairs"] == n_seed
    assert report["seed"]["cognates"] == {**COGNATE_DEFAULTS, "min_similarity": min_similarity}
    assert report["signature"] == line.split(" | ")[1]
    for name, side in (("en.vec", "src"), ("fi.vec", "tgt")):
        assert (tmp_path / (name + SIDECAR_SUFFIX)).exists()
        info = read_space_info(tmp_path / name)
        assert info["side"] == side and info["seed"] == mode and info["space_id"] == report["space_id"]


@pytest.mark.parametrize("seed_args, message", [
    (["--numerals", "--cognate-similarity", "0.9"],
     "cognates (--cognate-similarity) sets the 'cognates' seed, and seed='numerals' has none; add it or drop"),
    (["--identical", "--cognate-similarity", "0.9"], "(--cognate-similarity) sets the 'cognates' seed"),
    (["--unsupervised", "--cognates"],
     "--unsupervised uses no seed; drop --seed-dict/--identical/--cognates/--numerals"),
    (["--cognates", "--cognate-similarity", "0"], "Invalid value for '--cognate-similarity'"),
    (["--cognates", "--cognate-similarity", "1.5"], "Invalid value for '--cognate-similarity'"),
    (["--cognates", "--cognate-similarity", "high"], "Invalid value for '--cognate-similarity'"),
    (["--cognates", "--identical-rank-ratio", "4"], "(--identical-rank-ratio) sets the 'identical' seed"),
])
def test_align_cognate_usage_errors(files, tmp_path, seed_args, message):
    out = tmp_path / "out"
    out.mkdir()
    result = _align(files, out, *seed_args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert os.listdir(out) == []


def test_cognate_similarity_alone_sets_the_auto_seed(files, tmp_path):
    """--cognate-similarity with no seed option: --seed auto picks cognates and numerals, with that similarity."""
    result = _align(files, tmp_path, "--cognate-similarity", "0.9")
    assert result.exit_code == 0, result.output
    assert "(--seed auto chose cognates+numerals: " in result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["seed"]["cognates"]["min_similarity"] == 0.9


def test_align_cognates_that_find_nothing_fail_cleanly(files, tmp_path):
    # the 10 most frequent source words are s0..s9 (3 characters or fewer) and 1990: no cognate
    result = _align(files, tmp_path, "--cognates", "--max-vocab", "10")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and "Traceback" not in result.output
    assert "seed mode 'cognates' found no seed pairs in these vocabularies" in result.output
    assert os.listdir(tmp_path) == []
