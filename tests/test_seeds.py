"""Seed lexicons: identical strings, numerals, dictionaries, combinations."""
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
