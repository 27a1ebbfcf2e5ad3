"""Dictionary reading/writing and vocabulary lookup with coverage reports."""
import gzip

import numpy as np
import pytest

from offramp.bootstrap.errors import FormatError
from offramp.bootstrap.io.dictionaries import group_by_source, lookup_pairs, read_dictionary, write_dictionary


def _write(tmp_path, content, name="dict.txt"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


@pytest.mark.parametrize("content, fmt, expected", [
    ("dog koira\ncat kissa\n", "auto", [("dog", "koira"), ("cat", "kissa")]),
    ("dog\tkoira\ncat\tkissa\n", "auto", [("dog", "koira"), ("cat", "kissa")]),
    # several gold translations per source word keep their file order
    ("was oli\nwas oliko\nand ja\n", "muse", [("was", "oli"), ("was", "oliko"), ("and", "ja")]),
    ("dog koira\r\ncat kissa\r\n", "auto", [("dog", "koira"), ("cat", "kissa")]),
    ("\ufeffdog\tkoira\n", "auto", [("dog", "koira")]),
    ("\n  \ndog koira\n\n# a comment\n#\ncat kissa", "auto", [("dog", "koira"), ("cat", "kissa")]),
    # MUSE has hashtag entries: '#word' is not a comment
    ("#add #lisää\n", "muse", [("#add", "#lisää")]),
    ("dog koira\ndog koira\ndog hauva\n", "auto", [("dog", "koira"), ("dog", "hauva")]),
    ("new york\tnew york\n", "tsv", [("new york", "new york")]),
    ("new york\tnew york\n", "auto", [("new york", "new york")]),
    ("dog    koira\n", "vecmap", [("dog", "koira")]),
    ("ÄITI mother\n", "auto", [("ÄITI", "mother")]),
    # empty TAB fields are not entries: a trailing TAB, two TABs in a row
    ("dog\tkoira\t\ncat\t\tkissa\n", "auto", [("dog", "koira"), ("cat", "kissa")]),
    ("dog\tkoira\t\n", "tsv", [("dog", "koira")]),
    # NFD (a + combining diaeresis) is read as NFC, the form corpus tokens have
    ("mother a\u0308iti\n", "auto", [("mother", "\u00e4iti")]),
])
def test_read_dictionary_lines(tmp_path, content, fmt, expected):
    assert read_dictionary(_write(tmp_path, content), fmt=fmt) == expected


def test_read_dictionary_lowercase_dedups_after_lowercasing(tmp_path):
    path = _write(tmp_path, "Dog Koira\ndog koira\n")
    assert read_dictionary(path, lowercase=True) == [("dog", "koira")]


def test_read_dictionary_gzip(tmp_path):
    path = tmp_path / "d.txt.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"dog\tkoira\n")
    assert read_dictionary(path) == [("dog", "koira")]


@pytest.mark.parametrize("content, fmt, lineno, got", [
    ("a b\nc d e\n", "auto", 2, 3),
    ("a b\n\nc\n", "auto", 3, 1),
    ("a\tb\tc\n", "auto", 1, 3),
    ("new york\tnew york\n", "muse", 1, 4),
    ("a b\n", "tsv", 1, 1),
    ("a\t\n", "tsv", 1, 1),
])
def test_wrong_field_count_names_file_and_line(tmp_path, content, fmt, lineno, got):
    path = _write(tmp_path, content, "dict.tsv")
    with pytest.raises(FormatError, match=rf"dict\.tsv:{lineno}: expected 2 fields, got {got}") as info:
        read_dictionary(path, fmt=fmt)
    assert info.value.line == lineno and info.value.fix


def test_non_utf8_names_line(tmp_path):
    path = _write(tmp_path, b"dog koira\ncaf\xe9 kahvila\n")
    with pytest.raises(FormatError, match=r"dict\.txt:2: bytes are not UTF-8.*iconv"):
        read_dictionary(path)


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_empty_dictionary(tmp_path, content):
    with pytest.raises(FormatError, match="no dictionary entries"):
        read_dictionary(_write(tmp_path, content))


def test_missing_file_and_bad_format(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such dictionary file"):
        read_dictionary(tmp_path / "nope.txt")
    with pytest.raises(ValueError, match="fmt must be one of"):
        read_dictionary(_write(tmp_path, "a b\n"), fmt="csv")


@pytest.mark.parametrize("sep", ["\t", " "])
def test_write_roundtrip(tmp_path, sep):
    entries = [("dog", "koira"), ("dog", "hauva"), ("#add", "#lisää")]
    path = write_dictionary(entries, tmp_path / "out" / "d.txt", sep=sep)
    assert read_dictionary(path) == entries
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["d.txt"]


@pytest.mark.parametrize("entries, sep", [
    ([("new york", "x")], " "),
    ([("a\tb", "x")], "\t"),
    ([("", "x")], "\t"),
    ([("a", "b", "c")], "\t"),
])
def test_write_rejects_unwritable_words_and_leaves_no_file(tmp_path, entries, sep):
    with pytest.raises(ValueError):
        write_dictionary(entries, tmp_path / "d.txt", sep=sep)
    assert list(tmp_path.iterdir()) == []


def test_group_by_source_keeps_order():
    entries = [("b", "1"), ("a", "2"), ("b", "3"), ("b", "1")]
    assert group_by_source(entries) == {"b": ["1", "3"], "a": ["2"]}
    assert list(group_by_source(entries)) == ["b", "a"]


# src vocab: a b c d; tgt vocab: w x y.  Entries (src OOV: e, f; tgt OOV: q, r):
ENTRIES = [("a", "x"), ("a", "q"), ("b", "y"), ("e", "w"), ("c", "r"), ("f", "r"), ("d", "w"), ("d", "x")]
SRC = {"a": 0, "b": 1, "c": 2, "d": 3}
TGT = {"w": 0, "x": 1, "y": 2}


def test_lookup_pairs_coverage_exact():
    pairs, cov = lookup_pairs(ENTRIES, SRC, TGT)
    assert pairs.dtype == np.int64 and pairs.shape == (4, 2)
    np.testing.assert_array_equal(pairs, [[0, 1], [1, 2], [3, 0], [3, 1]])
    assert cov == {
        "n_entries": 8, "n_pairs_in_vocab": 4,
        "n_src_words": 6, "n_src_words_in_vocab": 3,  # a, b, d (c has only the OOV target r)
        "src_oov": 2, "tgt_oov": 2,
        "n_pairs_src_oov": 2, "n_pairs_tgt_oov": 2,
        "coverage": 50.0,
        "src_oov_examples": ["e", "f"], "tgt_oov_examples": ["q", "r"],
    }


def test_lookup_pairs_accepts_generators_and_caps_examples():
    entries = ((f"s{i}", "x") for i in range(25))
    pairs, cov = lookup_pairs(entries, {"s3": 0}, TGT)
    assert pairs.tolist() == [[0, 1]]
    assert cov["src_oov"] == 24 and len(cov["src_oov_examples"]) == 10


def test_no_pair_in_vocab_says_swapping_helps():
    entries = [("dog", "koira"), ("cat", "kissa"), ("sun", "aurinko")]
    src = {"koira": 0, "kissa": 1}       # the vocabularies are the other way round
    tgt = {"dog": 0, "cat": 1, "moon": 2}
    msg = (r"^d\.txt: 0 of 3 dictionary pairs are in the vocabulary \(src OOV 3, tgt OOV 3\); "
           r"with source and target swapped, 2 pairs would match: the dictionary runs the other way "
           r"\(are the source and target vectors or vocabularies swapped\?\)")
    with pytest.raises(ValueError, match=msg):
        lookup_pairs(entries, src, tgt, path="d.txt")


def test_no_pair_in_vocab_suggests_lowercase():
    with pytest.raises(ValueError, match=r"lowercased, 1 pairs would match: pass lowercase=True"):
        lookup_pairs([("Dog", "Koira")], {"dog": 0}, {"koira": 0})


def test_no_pair_in_vocab_when_swapping_does_not_help():
    with pytest.raises(ValueError, match=r"0 of 1 .*swapping source and target does not help either.*dog koira"):
        lookup_pairs([("dog", "koira")], {"x": 0}, {"y": 0})


def test_no_pair_allowed_when_not_required():
    pairs, cov = lookup_pairs([("dog", "koira")], {}, {}, require_any=False)
    assert pairs.shape == (0, 2) and pairs.dtype == np.int64
    assert cov["coverage"] == 0.0 and cov["src_oov_examples"] == ["dog"]


def test_real_muse_en_fi_reads_exactly(shared_data):
    entries = read_dictionary(shared_data / "dictionaries" / "muse" / "en-fi.txt")
    # the file has 43055 lines, no duplicates, no blank lines (MANIFEST.md)
    assert len(entries) == 43055
    assert entries[:3] == [("and", "ja"), ("was", "oli"), ("was", "oliko")]


@pytest.mark.parametrize("name", ["en-de.0-5000.txt", "de-en.txt"])
def test_real_muse_space_separated(shared_data, name):
    entries = read_dictionary(shared_data / "dictionaries" / "muse" / name)
    assert all(" " not in s and " " not in t for s, t in entries)
    groups = group_by_source(entries)
    assert len(groups) < len(entries)  # several gold translations per source word


def test_induced_lexicon_reads_back_as_entries(tmp_path):
    """What `offramp induce` writes is a dictionary for `transfer --lexicon` and `tokenizer --extend`."""
    from offramp.bootstrap.io.outputs import write_lexicon

    path = tmp_path / "lexicon.tsv"
    write_lexicon([("dog", "koira", 0.5, 1), ("dog", "hurtta", 0.25, 2), ("house", "talo", -0.125, 1)], path)
    assert read_dictionary(path) == [("dog", "koira"), ("dog", "hurtta"), ("house", "talo")]
    assert read_dictionary(path, fmt="lexicon") == read_dictionary(path)


@pytest.mark.parametrize("line, message", [
    ("dog\tkoira\t0.5", "expected 4 TAB-separated fields, got 3"),
    ("dog\tkoira\thigh\t1", "score 'high' or rank '1' is not a number"),
])
def test_bad_lexicon_line_names_file_and_line(tmp_path, line, message):
    from offramp.bootstrap.io.dictionaries import LEXICON_HEADER

    path = tmp_path / "lexicon.tsv"
    path.write_text(f"{LEXICON_HEADER}\ncat\tkissa\t0.9\t1\n{line}\n", encoding="utf-8")
    with pytest.raises(FormatError) as info:
        read_dictionary(path)
    assert f"{path}:3: {message}" in str(info.value)
    assert "source<TAB>target<TAB>score<TAB>rank" in str(info.value)


@pytest.mark.parametrize("n_right, fails", [(3, True), (30, False)])
def test_a_dictionary_running_the_other_way_fails_even_when_a_few_pairs_match(n_right, fails):
    """MUSE fi-en given for en-fi vectors: a few pairs match (shared strings), many more swapped."""
    reverse = [(f"fi{i}", f"en{i}") for i in range(100)]
    right = [(f"x{i}", f"x{i}") for i in range(n_right)]   # strings in both vocabularies
    src = {w: i for i, w in enumerate([f"en{i}" for i in range(100)] + [f"x{i}" for i in range(n_right)])}
    tgt = {w: i for i, w in enumerate([f"fi{i}" for i in range(100)] + [f"x{i}" for i in range(n_right)])}
    if fails:   # 103 swapped >= 5 x 3 found
        with pytest.raises(ValueError, match=r"^d\.txt: only 3 of 103 dictionary pairs are in the vocabularies, "
                                             r"but 103 would be with source and target swapped: the dictionary "
                                             r"runs the other way \(are the source and target vectors or "
                                             r"vocabularies swapped\?\)"):
            lookup_pairs(reverse + right, src, tgt, path="d.txt")
    else:       # 30 of 130 found, 130 swapped: under 5x, a plausible dictionary
        pairs, cov = lookup_pairs(reverse + right, src, tgt, path="d.txt")
        assert len(pairs) == 30 and cov["n_entries"] == 130


def test_damaged_gzip_dictionary_is_a_format_error(tmp_path):
    """The shared opener (bootstrap._files.open_binary) names a damaged compressed file; before, a
    dictionary's EOFError escaped as a traceback."""
    path = tmp_path / "d.txt.gz"
    path.write_bytes(gzip.compress(b"dog koira\n" * 500)[:30])
    with pytest.raises(FormatError, match=r"d\.txt\.gz: the compressed file is damaged") as info:
        read_dictionary(path)
    assert info.value.fix == "download it again, or test it with gzip -t / bzip2 -t / xz -t"


@pytest.mark.parametrize("ext, magic", [(".gz", b"\x1f\x8b"), (".bz2", b"BZh"), (".xz", b"\xfd7zXZ"), ("", b"a\tb")])
def test_write_dictionary_compresses_by_name(tmp_path, ext, magic):
    """A dictionary (or lexicon, or split output) written to x.txt.gz is gzip, as the reader expects;
    before, it was plain text under a .gz name, which no reader could open."""
    path = tmp_path / f"train.txt{ext}"
    pairs = [("a", "b"), ("talo", "hus"), ("ä", "ö")]
    write_dictionary(pairs, path)
    assert path.read_bytes().startswith(magic)
    assert read_dictionary(path) == pairs
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
