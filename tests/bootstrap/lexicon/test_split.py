"""Frequency-matched train/test split of a gold dictionary, and vocabulary files."""
import collections
import re

import numpy as np
import pytest

from offramp.bootstrap.errors import FormatError
from offramp.bootstrap.io.dictionaries import group_by_source, read_dictionary
from offramp.bootstrap.io.embeddings import make_keyed_vectors, save_embeddings
from offramp.bootstrap.lexicon.split import frequency_split, read_vocabulary, split_dictionary

SRC = list("abcdefghij")  # frequency ranks 0..9
TGT = list("ABCDEFGHIJ") + ["A2", "C2"]
GOLD = [
    ("j", "J"), ("c", "C"), ("a", "A"), ("c", "C2"), ("zz", "A"),  # zz: source OOV
    ("b", "B"), ("b", "QQ"), ("d", "QQ"),                          # QQ: target OOV; d has no usable pair
    ("e", "E"), ("f", "F"), ("g", "G"), ("a", "A2"), ("h", "H"), ("i", "I"),
]
# Usable source words by rank: a b c e f g h i j (positions 0..8; d has no pair in vocabulary).


def _expand(words):
    groups = group_by_source(GOLD)
    return [(w, t) for w in words for t in groups[w] if t in TGT]


@pytest.mark.parametrize("kwargs, test_words, train_words", [
    ({}, "aeh", "bcfgij"),
    ({"n_test": 2, "max_train": 4}, "ae", "bcfg"),          # h (position 6) is left out: both sets full
    ({"n_test": 2}, "ae", "bcfghij"),                         # once test is full, the rest go to train
    ({"offset": 2}, "cgj", "abefhi"),
    ({"offset": 1, "test_every": 2}, "begi", "acfhj"),
    ({"test_every": 1, "n_test": 2}, "ab", "cefghij"),
    ({"max_train": 0}, "aeh", ""),
    ({"n_test": 0, "max_train": None}, "", "abcefghij"),
    ({"test_every": 4, "max_train": 2}, "afj", "bc"),         # train full, the walk goes on for test words
])
def test_frequency_split_exact(kwargs, test_words, train_words):
    train, test, info = frequency_split(GOLD, SRC, TGT, **kwargs)
    assert test == _expand(test_words)
    assert train == _expand(train_words)
    assert info["n_test_words"] == len(test_words) and info["n_train_words"] == len(train_words)
    assert info["n_test_pairs"] == len(test) and info["n_train_pairs"] == len(train)


def test_frequency_split_info_and_translations_together():
    train, test, info = frequency_split(GOLD, SRC, TGT, n_test=2, max_train=4)
    assert test == [("a", "A"), ("a", "A2"), ("e", "E")]
    assert train == [("b", "B"), ("c", "C"), ("c", "C2"), ("f", "F"), ("g", "G")]
    assert info["n_entries"] == 14 and info["n_pairs_in_vocab"] == 11
    assert info["src_oov"] == 1 and info["tgt_oov"] == 1
    assert info["src_oov_examples"] == ["zz"] and info["tgt_oov_examples"] == ["QQ"]
    assert info["n_usable_src_words"] == 9 and info["n_unused_words"] == 3
    assert info["test_src_ranks"] == [0, 4] and info["train_src_ranks"] == [1, 6]


def test_frequency_split_is_deterministic_and_does_not_depend_on_entry_order():
    first = frequency_split(GOLD, SRC, TGT)
    assert frequency_split(GOLD, SRC, TGT) == first
    shuffled = [GOLD[i] for i in np.random.default_rng(0).permutation(len(GOLD))]
    train, test, _ = frequency_split(shuffled, SRC, TGT)
    # the same words in the same sets; only the order of a word's translations follows the input
    assert sorted(train) == sorted(first[0]) and sorted(test) == sorted(first[1])


@pytest.mark.parametrize("kwargs, match", [
    ({"n_test": -1}, "n_test must be an integer >= 0"),
    ({"max_train": -1}, "max_train must be an integer >= 0 or None"),
    ({"test_every": 0}, "test_every must be an integer >= 1"),
    ({"offset": 3}, r"offset must be in \[0, test_every\) = \[0, 3\); got 3"),
    ({"n_test": 1.5}, "n_test must be an integer"),
    ({"n_test": True}, "n_test must be an integer"),
])
def test_frequency_split_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        frequency_split(GOLD, SRC, TGT, **kwargs)


def test_frequency_split_swapped_vocabularies():
    with pytest.raises(ValueError, match=r"0 of 14 dictionary pairs .*swapped, 11 pairs would match: .*swapped\?"):
        frequency_split(GOLD, TGT, SRC)


# ---------------------------------------------------------------- vocabulary files

@pytest.mark.parametrize("content, fmt, expected", [
    ("the\nof\nand\n", "auto", ["the", "of", "and"]),
    ("\ufeffthe\r\n\nof\n", "words", ["the", "of"]),
    ("of\t5\nthe\t9\nand\t5\n", "auto", ["the", "of", "and"]),  # by count, ties in file order
    ("of 5\nthe 9\n", "counts", ["the", "of"]),
    ("2 3\nthe 0.1 0.2 0.3\nof 1 2 3\n", "auto", ["the", "of"]),    # word2vec text
    ("the 0.1 0.2\nof 1 2\n", "auto", ["the", "of"]),               # GloVe text
])
def test_read_vocabulary_text(tmp_path, content, fmt, expected):
    path = tmp_path / "vocab.txt"
    path.write_text(content, encoding="utf-8")
    assert read_vocabulary(path, fmt=fmt) == expected


def test_read_vocabulary_word2vec_binary(tmp_path):
    kv = make_keyed_vectors(["the", "of", "kissa"], np.eye(3))
    path = save_embeddings(kv, tmp_path / "v.bin", binary=True)
    assert read_vocabulary(path) == ["the", "of", "kissa"]


@pytest.mark.parametrize("content, fmt, match", [
    ("the\nof x\n", "words", r"vocab\.txt:2: expected 1 field, got 2"),
    ("the\t5\nof\n", "counts", r"vocab\.txt:2: expected 2 fields, got 1"),
    ("the\t5\nof\tmany\n", "counts", r"vocab\.txt:2: count of 'of' is not a non-negative integer"),
    ("the\nof\nthe\n", "auto", r"vocab\.txt:3: duplicate word 'the' \(first at line 1\)"),
    ("\n\n", "auto", r"vocab\.txt: the vocabulary file is empty"),
])
def test_read_vocabulary_errors(tmp_path, content, fmt, match):
    path = tmp_path / "vocab.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=match):
        read_vocabulary(path, fmt=fmt)


# ---------------------------------------------------------------- split_dictionary

@pytest.fixture
def files(tmp_path):
    gold = tmp_path / "gold.txt"
    gold.write_text("".join(f"{s} {t}\n" for s, t in GOLD), encoding="utf-8")
    src = tmp_path / "src.txt"
    src.write_text("\n".join(SRC) + "\n", encoding="utf-8")
    tgt = tmp_path / "tgt.tsv"
    tgt.write_text("".join(f"{w}\t{100 - i}\n" for i, w in enumerate(TGT)), encoding="utf-8")
    return gold, src, tgt


def test_split_dictionary_writes_both(tmp_path, files):
    gold, src, tgt = files
    info = split_dictionary(gold, src, tgt, tmp_path / "train.txt", tmp_path / "test.txt", n_test=2, max_train=4)
    assert read_dictionary(tmp_path / "test.txt") == [("a", "A"), ("a", "A2"), ("e", "E")]
    assert (tmp_path / "train.txt").read_text(encoding="utf-8") == "b\tB\nc\tC\nc\tC2\nf\tF\ng\tG\n"
    assert info["n_test_words"] == 2 and info["out_test"] == str(tmp_path / "test.txt")


@pytest.mark.parametrize("swap, out_test, error, match", [
    (True, "test.txt", ValueError, "are the source and target vectors or vocabularies swapped"),
    (False, "train.txt", ValueError, "out_train and out_test are the same file"),
])
def test_split_dictionary_errors_leave_no_files(tmp_path, files, swap, out_test, error, match):
    gold, src, tgt = files
    if swap:
        src, tgt = tgt, src
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(error, match=match):
        split_dictionary(gold, src, tgt, tmp_path / "train.txt", tmp_path / out_test)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# ---------------------------------------------------------------- real data

def _counts(path, limit):
    counts = collections.Counter()
    with open(path, encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            if i >= limit:
                break
            counts.update(re.findall(r"\w+", line.split("\t", 1)[-1].lower()))
    return counts


def _write_counts(counts, path):
    path.write_text("".join(f"{w}\t{c}\n" for w, c in counts.most_common()), encoding="utf-8")
    return path


def test_real_muse_en_fi_split(tmp_path, shared_data):
    """MUSE en-fi against vocabularies of 3000 verses of an English and a Finnish Bible."""
    bible = shared_data / "corpora" / "bible"
    src = _write_counts(_counts(bible / "en.KJV.tsv", 3000), tmp_path / "en.tsv")
    tgt = _write_counts(_counts(bible / "fi.FinPR.tsv", 3000), tmp_path / "fi.tsv")
    gold = shared_data / "dictionaries" / "muse" / "en-fi.txt"
    info = split_dictionary(gold, src, tgt, tmp_path / "train.txt", tmp_path / "test.txt", n_test=300)
    train = read_dictionary(tmp_path / "train.txt")
    test = read_dictionary(tmp_path / "test.txt")
    src_words, tgt_words = read_vocabulary(src), set(read_vocabulary(tgt))
    rank = {w: i for i, w in enumerate(src_words)}
    # A small corpus covers a small part of MUSE: most source words are OOV, and it is reported.
    assert info["n_entries"] == 43055 and info["src_oov"] > 25000
    assert info["n_test_words"] == 300 and len({s for s, _ in test}) == 300
    assert not {s for s, _ in test} & {s for s, _ in train}
    # all in-vocabulary gold translations of a word travel together
    gold_groups = group_by_source(read_dictionary(gold))
    for part in (train, test):
        groups = group_by_source(part)
        for word, translations in groups.items():
            assert translations == [t for t in gold_groups[word] if t in tgt_words]
        ranks = [rank[w] for w in groups]
        assert ranks == sorted(ranks)
    # every third usable word (positions 0, 3, 6, ...) is a test word
    usable = sorted({s for s, t in read_dictionary(gold) if s in rank and t in tgt_words}, key=rank.get)
    assert [s for s in group_by_source(test)] == usable[0:900:3]
    assert info["test_src_ranks"][1] > info["train_src_ranks"][0]
