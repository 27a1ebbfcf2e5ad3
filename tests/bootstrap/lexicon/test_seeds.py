"""Seed lexicons: identical strings, numerals, dictionaries, combinations, and the
frequency-rank filter of identical strings."""
import numpy as np
import pytest

from offramp.bootstrap.lexicon.seeds import MODES, identical_pairs, is_numeral, numeral_pairs, seed_entries

SRC = ["the", ",", "1", "paris", "2019", "a", "1,000", "3.14", "x1", "berlin", "12.", "oslo"]
TGT = ["ja", ",", "2019", "paris", "1", "3.14", "a", "x1", "1,000", "berlin", "12.", "nato"]


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [",", "1", "paris", "2019", "a", "1,000", "3.14", "x1", "berlin", "12."]),
    ({"min_len": 2}, ["paris", "2019", "1,000", "3.14", "x1", "berlin", "12."]),
    ({"require_letter": True}, ["paris", "a", "x1", "berlin"]),
    ({"min_len": 2, "require_letter": True}, ["paris", "x1", "berlin"]),
    # top 5 of each side: src {the , 1 paris 2019}, tgt {ja , 2019 paris 1}
    ({"max_rank": 5}, [",", "1", "paris", "2019"]),
])
def test_identical_pairs(kwargs, expected):
    assert identical_pairs(SRC, TGT, **kwargs) == [(w, w) for w in expected]


@pytest.mark.parametrize("word, expected", [
    ("7", True), ("2019", True), ("1,000", True), ("3.14", True), ("1.000.000", True), ("1,000.5", True),
    ("12.", False), (".5", False), ("x1", False), ("1-2", False), ("", False), ("١٢", False), ("²", False),
])
def test_is_numeral(word, expected):
    assert is_numeral(word) is expected


def test_numeral_pairs():
    assert numeral_pairs(SRC, TGT) == [("1", "1"), ("2019", "2019"), ("1,000", "1,000"), ("3.14", "3.14")]
    assert numeral_pairs(SRC, TGT, max_rank=5) == [("1", "1"), ("2019", "2019")]


def test_seed_entries_modes(tmp_path):
    dictionary = [("the", "ja"), ("oslo", "nato")]
    assert seed_entries("unsupervised", SRC, TGT) == []
    assert seed_entries("dictionary", SRC, TGT, dictionary=dictionary) == dictionary
    assert seed_entries("numerals", SRC, TGT) == numeral_pairs(SRC, TGT)
    assert seed_entries("identical", SRC, TGT, min_len=2) == identical_pairs(SRC, TGT, min_len=2)
    # numerals are identical strings, so the union adds nothing and has no repeats
    assert seed_entries("identical+numerals", SRC, TGT) == identical_pairs(SRC, TGT)
    assert seed_entries("identical+numerals", SRC, TGT, require_letter=True) == (
        identical_pairs(SRC, TGT, require_letter=True) + numeral_pairs(SRC, TGT))
    assert seed_entries("dictionary+numerals", SRC, TGT, dictionary=dictionary) == (
        dictionary + numeral_pairs(SRC, TGT))
    path = tmp_path / "seed.txt"
    path.write_text("The ja\n", encoding="utf-8")
    assert seed_entries("dictionary", SRC, TGT, dictionary=path, lowercase=True) == [("the", "ja")]
    assert set(MODES) >= {"dictionary", "identical", "numerals", "identical+numerals", "unsupervised"}


@pytest.mark.parametrize("mode, kwargs, error, match", [
    ("dictionary", {}, ValueError, "needs a dictionary"),
    ("supervised", {}, ValueError, "mode must be one of"),
    ("identical+identical", {}, ValueError, "mode must be one of"),
    ("", {}, ValueError, "mode must be one of"),
    (None, {}, TypeError, "mode must be a string"),
    ("identical", {"max_rank": 0}, ValueError, "max_rank must be a positive integer"),
    ("identical", {"min_len": 0}, ValueError, "min_len must be a positive integer"),
])
def test_seed_entries_errors(mode, kwargs, error, match):
    with pytest.raises(error, match=match):
        seed_entries(mode, SRC, TGT, **kwargs)


def test_single_string_vocabulary_is_a_type_error():
    with pytest.raises(TypeError, match="not a single string"):
        identical_pairs("paris", TGT)


def test_seed_entries_counts_what_each_part_adds():
    counts = {}
    entries = seed_entries("dictionary+identical+numerals", ["a", "b", "7"], {"a", "b", "7"},
                           dictionary=[("a", "a"), ("b", "x")], counts=counts)
    assert entries == [("a", "a"), ("b", "x"), ("b", "b"), ("7", "7")]
    assert counts == {"dictionary": {"found": 2, "added": 2}, "identical": {"found": 3, "added": 2},
                      "numerals": {"found": 1, "added": 0}}


# 1-based ranks (src, tgt) of the identical strings of SRC / TGT, and max/min:
#   ","  (2, 2) 1      "1"      (3, 5) 1.67   "paris" (4, 4) 1    "2019"   (5, 3) 1.67
#   "a"  (6, 7) 1.17   "1,000"  (7, 9) 1.29   "3.14"  (8, 6) 1.33 "x1"     (9, 8) 1.125
#   "berlin" (10, 10) 1                       "12."   (11, 11) 1
@pytest.mark.parametrize("kwargs, expected", [
    ({"max_rank_ratio": None}, [",", "1", "paris", "2019", "a", "1,000", "3.14", "x1", "berlin", "12."]),
    ({"max_rank_ratio": 1}, [",", "paris", "berlin", "12."]),
    ({"max_rank_ratio": 1.125}, [",", "paris", "x1", "berlin", "12."]),  # 9 <= 1.125 * 8 exactly: kept
    ({"max_rank_ratio": 1.2}, [",", "paris", "a", "x1", "berlin", "12."]),
    ({"max_rank_ratio": 1.5}, [",", "paris", "a", "1,000", "3.14", "x1", "berlin", "12."]),
    ({"max_rank_ratio": 2}, [",", "1", "paris", "2019", "a", "1,000", "3.14", "x1", "berlin", "12."]),
    ({"max_rank_ratio": float("inf")}, [",", "1", "paris", "2019", "a", "1,000", "3.14", "x1", "berlin", "12."]),
    ({"max_rank_ratio": 1.2, "require_letter": True}, ["paris", "a", "x1", "berlin"]),
    ({"max_rank_ratio": 1.2, "min_len": 2}, ["paris", "x1", "berlin", "12."]),
    # top 5 of each side: , 1 paris 2019 -> ranks still from the full lists
    ({"max_rank_ratio": 1, "max_rank": 5}, [",", "paris"]),
])
@pytest.mark.parametrize("tgt_form", ["list", "key_to_index"])
def test_identical_pairs_max_rank_ratio(kwargs, expected, tgt_form):
    tgt = TGT if tgt_form == "list" else {w: i for i, w in enumerate(TGT)}
    assert identical_pairs(SRC, tgt, **kwargs) == [(w, w) for w in expected]
    assert seed_entries("identical", SRC, tgt, **kwargs) == [(w, w) for w in expected]


def test_identical_pairs_rank_ratio_reads_rows_of_a_mapping():
    # a key_to_index mapping gives the rank by its values, not by its insertion order
    reversed_rows = {w: i for i, w in reversed(list(enumerate(TGT)))}
    assert identical_pairs(SRC, reversed_rows, max_rank_ratio=1.2) == identical_pairs(SRC, TGT, max_rank_ratio=1.2)


@pytest.mark.parametrize("ratio", [0.5, 0, -1, "2", float("nan")])
def test_identical_pairs_bad_ratio(ratio):
    with pytest.raises(ValueError, match=r"max_rank_ratio must be a number >= 1 or None; got "):
        identical_pairs(SRC, TGT, max_rank_ratio=ratio)
    with pytest.raises(ValueError, match="max_rank_ratio must be a number >= 1"):
        seed_entries("identical+numerals", SRC, TGT, max_rank_ratio=ratio)


@pytest.mark.parametrize("ratio", [np.int64(2), np.float32(2.5), 2, 2.0])
def test_identical_pairs_numpy_ratio(ratio):
    assert identical_pairs(["a", "b"], ["b", "a"], max_rank_ratio=ratio) == [("a", "a"), ("b", "b")]
