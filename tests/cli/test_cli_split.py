"""The ``split`` command."""
import collections
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from offramp._version import __version__
from offramp.bootstrap.io.dictionaries import read_dictionary
from offramp.bootstrap.io.embeddings import make_keyed_vectors, save_embeddings
from offramp.cli.main import main

GOLD = "a A\na A2\nb B\nc C\nzz A\nd QQ\ne E\nf F\ng G\nh H\n"
SRC = "abcdefgh"       # one word per line, most frequent first
TGT = ["A", "A2", "B", "C", "E", "F", "G", "H"]
# usable source words by rank: a b c e f g h (d has only the OOV target QQ)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "gold.txt").write_text(GOLD, encoding="utf-8")
    (tmp_path / "src.txt").write_text("\n".join(SRC) + "\n", encoding="utf-8")
    kv = make_keyed_vectors(TGT, np.eye(len(TGT)))
    save_embeddings(kv, tmp_path / "tgt.vec")
    return tmp_path


def _args(root, *extra):
    return ["split", str(root / "gold.txt"), "--src-vocab", str(root / "src.txt"), "--tgt-vocab",
            str(root / "tgt.vec"), "--out-train", str(root / "train.txt"), "--out-test", str(root / "test.txt"),
            *extra]


def test_split_help():
    result = CliRunner().invoke(main, ["split", "--help"])
    assert result.exit_code == 0
    for option in ("--src-vocab", "--tgt-vocab", "--out-train", "--out-test", "--n-test", "--max-train",
                   "--test-every", "--format", "--no-progress"):
        assert option in result.output


def test_split_writes_files_and_summary(files):
    result = CliRunner().invoke(main, _args(files, "--n-test", "2", "--max-train", "3", "--report",
                                            str(files / "report.json")))
    assert result.exit_code == 0, result.output
    # positions 0, 3 (a, e) to test; b, c, f to train; g and h unused
    assert read_dictionary(files / "test.txt") == [("a", "A"), ("a", "A2"), ("e", "E")]
    assert read_dictionary(files / "train.txt") == [("b", "B"), ("c", "C"), ("f", "F")]
    assert result.output == (
        "test 2 words/3 pairs (ranks 1-5), train 3 words/3 pairs (ranks 2-6); 8 of 10 pairs in vocabulary "
        f"(src OOV 1, tgt OOV 1) | offramp:{__version__}|split:frequency|every:3|offset:0|n_test:2|"
        "max_train:3|lowercase:no\n")
    report = json.loads((files / "report.json").read_text(encoding="utf-8"))
    assert report["n_unused_words"] == 2 and report["src_oov_examples"] == ["zz"]


def test_split_warns_when_test_is_short(files):
    result = CliRunner().invoke(main, _args(files))  # click >= 8.2: output holds stdout and stderr
    assert result.exit_code == 0
    assert "warning: only 3 test words (asked for 1000)" in result.output


@pytest.mark.parametrize("gold, swap, match", [
    (b"a A\nb B C\n", False, r"gold\.txt:2: expected 2 fields, got 3"),
    (b"a A\nb \xff\n", False, r"gold\.txt:2: bytes are not UTF-8"),
    (b"", False, r"gold\.txt: no dictionary entries"),
    (GOLD.encode(), True, r"0 of 10 dictionary pairs are in the vocabulary \(src OOV 9, tgt OOV 9\); "
                          r"with source and target swapped, 8 pairs would match: the dictionary runs the other way "
                          r"\(are the source and target vectors or vocabularies swapped\?\)"),
])
def test_split_errors_leave_no_output(files, gold, swap, match):
    (files / "gold.txt").write_bytes(gold)
    args = _args(files)
    if swap:
        i, j = args.index("--src-vocab") + 1, args.index("--tgt-vocab") + 1
        args[i], args[j] = args[j], args[i]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert re.search(match, result.output), result.output
    assert not (files / "train.txt").exists() and not (files / "test.txt").exists()
    assert not [p for p in files.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("extra, match", [
    (["--test-every", "0"], "Invalid value for '--test-every'"),
    (["--offset", "3"], r"offset must be in \[0, test_every\)"),
    (["--format", "csv"], "Invalid value for '--format'"),
])
def test_split_bad_options(files, extra, match):
    result = CliRunner().invoke(main, _args(files, *extra))
    assert result.exit_code != 0 and re.search(match, result.output)


def test_split_real_muse_en_fi_with_vectors(tmp_path, shared_data):
    """End to end: MUSE en-fi against word vectors whose vocabulary is a UD treebank's words."""
    vocabs = {}
    for lang, name in (("en", "English-EWT.txt"), ("fi", "Finnish-TDT.txt")):
        counts = collections.Counter()
        with open(shared_data / "corpora" / "ud" / name, encoding="utf-8") as handle:
            for i, line in enumerate(handle):
                if i == 2000:
                    break
                counts.update(w for w in line.lower().split() if w.isalpha())
        words = [w for w, _ in counts.most_common()]
        kv = make_keyed_vectors(words, np.random.default_rng(0).standard_normal((len(words), 4)))
        vocabs[lang] = save_embeddings(kv, tmp_path / f"{lang}.vec")
    result = CliRunner().invoke(main, [
        "split", str(shared_data / "dictionaries" / "muse" / "en-fi.txt"), "--src-vocab", vocabs["en"],
        "--tgt-vocab", vocabs["fi"], "--out-train", str(tmp_path / "train.txt"),
        "--out-test", str(tmp_path / "test.txt"), "--n-test", "100", "--report", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n_test_words"] == 100 and report["n_entries"] == 43055
    assert report["n_train_words"] == report["n_usable_src_words"] - 100
    test = read_dictionary(tmp_path / "test.txt")
    train = read_dictionary(tmp_path / "train.txt")
    assert len(test) == report["n_test_pairs"] and len(train) == report["n_train_pairs"]
    assert not {s for s, _ in test} & {s for s, _ in train}
    low, high = report["test_src_ranks"]
    assert result.output.startswith(f"test 100 words/{len(test)} pairs (ranks {low + 1}-{high + 1}), ")
