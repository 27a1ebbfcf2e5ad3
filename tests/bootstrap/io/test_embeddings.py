"""Embedding I/O: a round trip of every format, and damaged files named by file, line and fix."""
import bz2
import gzip
import lzma
import os
import shutil

import numpy as np
import pytest

from offramp.bootstrap.errors import FormatError
from offramp.bootstrap.io.embeddings import (FORMATS, check_writable, load_embeddings, make_keyed_vectors,
                                             save_embeddings, subset, word_counts)

WORDS = ["the", "ja", "naïve", "Ääni", "日本", "1,000", "x-y", "don't"]


@pytest.fixture
def kv():
    vectors = np.random.default_rng(0).standard_normal((len(WORDS), 5)).astype(np.float32)
    vectors[0, 0] = 1e-30  # extreme magnitudes must survive text round trips too
    vectors[1, 1] = -3.4e38
    return make_keyed_vectors(WORDS, vectors, counts=np.arange(len(WORDS), 0, -1) * 10)


def _assert_same(loaded, kv, n=None):
    n = len(kv) if n is None else n
    assert loaded.index_to_key == kv.index_to_key[:n]
    assert loaded.vectors.dtype == np.float32
    np.testing.assert_array_equal(loaded.vectors, kv.vectors[:n])  # exact: text keeps float32's shortest repr


def _save_text(kv, path):
    save_embeddings(kv, path)


def _save_glove(kv, path):
    save_embeddings(kv, path, header=False)


def _save_binary(kv, path):
    save_embeddings(kv, path, binary=True)


def _save_gensim(kv, path):
    kv.save(str(path))


def _compressed(save, opener):
    """A writer that saves with ``save`` and compresses the file with ``opener`` (gzip.open, ...)."""

    def write(kv, path):
        plain = os.path.splitext(str(path))[0]
        save(kv, plain)
        with open(plain, "rb") as src, opener(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.remove(plain)

    return write


@pytest.mark.parametrize("name, save, fmt", [
    ("v.vec", _save_text, "word2vec"),
    ("v.txt", _save_glove, "glove"),
    ("v.bin", _save_binary, "word2vec-binary"),
    ("v.kv", _save_gensim, "gensim"),
    ("v.vec.gz", _compressed(_save_text, gzip.open), "word2vec"),
    ("v.vec.bz2", _compressed(_save_text, bz2.open), "word2vec"),
    ("v.txt.xz", _compressed(_save_glove, lzma.open), "glove"),
    # binary whatever the name: GoogleNews ships as .bin.gz; auto reads the content of .vec and .emb
    ("v.bin.gz", _compressed(_save_binary, gzip.open), "word2vec-binary"),
    ("v.bin.bz2", _compressed(_save_binary, bz2.open), "word2vec-binary"),
    ("binary.vec", _save_binary, "word2vec-binary"),
    ("binary.emb", _save_binary, "word2vec-binary"),
    ("binary.vec.xz", _compressed(_save_binary, lzma.open), "word2vec-binary"),
], ids=lambda value: value if isinstance(value, str) else "")
@pytest.mark.parametrize("auto", [True, False])
@pytest.mark.parametrize("max_vocab", [None, 3])
def test_round_trip(tmp_path, kv, name, save, fmt, auto, max_vocab):
    path = tmp_path / name
    save(kv, path)
    loaded = load_embeddings(path, fmt="auto" if auto else fmt, max_vocab=max_vocab)
    _assert_same(loaded, kv, max_vocab)


@pytest.mark.parametrize("name, save, total", [
    ("v.vec", _save_text, "/8"),          # the header gives the total
    ("v.txt", _save_glove, " words"),     # no header: a count without total
    ("v.vec.gz", _compressed(_save_text, gzip.open), "/8"),
    ("v.bin", _save_binary, "8.00 words"),  # gensim reads it in one call: the count comes at the end
    ("v.kv", _save_gensim, "8.00 words"),
], ids=["header", "glove", "gz", "binary", "gensim"])
def test_progress_bar_only_for_large_files(tmp_path, kv, monkeypatch, capsys, name, save, total):
    """A bar on stderr over the words of a file from 16 MiB on disk (here any size, forced), none
    with progress=False, none for small files; the vectors are the same either way."""
    import offramp.bootstrap.io.embeddings as embeddings

    path = tmp_path / name
    save(kv, path)
    _assert_same(load_embeddings(path), kv)  # small: no bar by default
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(embeddings, "_PROGRESS_BYTES", 0)
    _assert_same(load_embeddings(path, max_vocab=8, progress=False), kv)
    assert capsys.readouterr().err == ""
    _assert_same(load_embeddings(path), kv)
    err = capsys.readouterr().err
    assert f"reading {name}" in err and total in err, err


def test_round_trip_float64_and_counts(tmp_path, kv):
    save_embeddings(kv, tmp_path / "v.vec")
    loaded = load_embeddings(tmp_path / "v.vec", dtype=np.float64)
    assert loaded.vectors.dtype == np.float64
    # the file holds float32's shortest decimal repr: parsed as float64 it rounds back exactly
    np.testing.assert_array_equal(loaded.vectors.astype(np.float32), kv.vectors)
    np.testing.assert_array_equal(word_counts(kv), np.arange(8, 0, -1) * 10)
    assert word_counts(loaded) is None  # word2vec files carry no counts
    kv.save(str(tmp_path / "v.kv"))
    np.testing.assert_array_equal(word_counts(load_embeddings(tmp_path / "v.kv")), word_counts(kv))


def test_gensim_model_file_gives_its_vectors(tmp_path):
    from gensim.models import Word2Vec

    model = Word2Vec([["a", "b", "c"], ["b", "c", "d"]] * 5, vector_size=4, min_count=1, seed=0, workers=1)
    model.save(str(tmp_path / "w2v.model"))
    loaded = load_embeddings(tmp_path / "w2v.model")
    assert loaded.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(loaded.vectors, model.wv.vectors)


@pytest.mark.parametrize("max_vocab", [None, 4])
@pytest.mark.parametrize("fmt", ["auto", "fasttext"])
def test_fasttext_bin_round_trip(tmp_path, fmt, max_vocab):
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    sentences = [["kissa", "koira", "talo", "kissat", "koirat", "talot"], ["iso", "talo", "pieni", "kissa"]] * 10
    model = FastText(sentences, vector_size=6, min_count=1, min_n=2, max_n=3, bucket=100, epochs=2, seed=0,
                     workers=1)
    path = tmp_path / "ft.bin"
    save_facebook_model(model, str(path))
    loaded = load_embeddings(path, fmt=fmt, max_vocab=max_vocab)
    n = len(model.wv) if max_vocab is None else max_vocab
    assert loaded.index_to_key == model.wv.index_to_key[:n]
    assert loaded.vectors.dtype == np.float32
    # gensim recomputes each word vector from its own and its n-gram vectors on load: equal to the
    # trained vectors up to float32 rounding of that average (a few ulps of values ~0.1)
    np.testing.assert_allclose(loaded.vectors, model.wv.vectors[:n], rtol=0, atol=1e-6)
    if max_vocab is None:  # the full model keeps n-grams, so unseen forms get vectors
        np.testing.assert_allclose(loaded["kissoissa"], model.wv["kissoissa"], atol=1e-6)


# Damaged text files: (content, fmt, kwargs, line, message fragment, fix fragment)
BAD_TEXT = [
    pytest.param("a 1 2 3\nb 4 5 6\n", "word2vec", {}, 1, "expected a header 'n_words dim'", "fmt='glove'",
                 id="no-header"),
    pytest.param("2 3\na 1 2 3\nb 4 5 6\n", "glove", {}, 1, "expected a vector line, got the header",
                 "fmt='word2vec'", id="glove-with-header"),
    pytest.param("3 3\na 1 2 3\nb 4 5 6\nc 7 8\n", "auto", {}, 4, "expected 3 vector components, got 2",
                 "dimension of the header", id="short-line"),
    pytest.param("3 3\na 1 2 3\nb 4 5 6 7\nc 7 8 9\n", "auto", {}, 3, "expected 3 vector components, got 4",
                 "dimension of the header", id="long-line"),
    pytest.param("a 1 2\nb 3 4\nc 5\n", "glove", {}, 3, "expected 2 vector components, got 1",
                 "or of the first line", id="glove-short-line"),
    pytest.param("4 2\na 1 2\nb 3 4\nc 5 6\na 7 8\n", "auto", {}, 5, "duplicate word 'a' (first at line 2)",
                 "deduplicate the file, or pass on_duplicate='first' (CLI: --on-duplicate first) to keep the first",
                 id="duplicate"),
    pytest.param("3 2\na 1 2\nb nan 4\nc 5 6\n", "auto", {}, 3, "the vector of 'b' contains NaN or infinity",
                 "drop or repair that row", id="nan"),
    pytest.param("a 1 2\nb 3 -inf\n", "auto", {}, 2, "contains NaN or infinity", "drop or repair", id="inf"),
    pytest.param("2 2\na 1 2\nb 3 x4\n", "auto", {}, 3, "vector components of 'b' are not numbers",
                 "'word x1 x2 ... xd'", id="not-a-number"),
    pytest.param(b"2 2\na 1 2\ncaf\xe9 3 4\n", "auto", {}, 3, "bytes are not UTF-8 (byte 0xe9 at column 4)",
                 "re-encode the file as UTF-8, e.g. iconv -f latin1 -t utf-8, or pass encoding_errors='replace' "
                 "(CLI: --encoding-errors replace)", id="latin1"),
    pytest.param(b"caf\xe9 1 2\n", "auto", {}, 1, "bytes are not UTF-8", "re-encode the file", id="latin1-first"),
    pytest.param("3 2\na 1 2\nb 3 4\n", "auto", {}, 3, "header declares 3 words but the file holds 2",
                 "truncated", id="truncated"),
    pytest.param("2 0\n", "auto", {}, 1, "header declares dim=0", "'n_words dim'", id="dim-0"),
    pytest.param("", "auto", {}, None, "the file is empty", "word-vector file", id="empty"),
    pytest.param("2 2\n\n\n", "auto", {}, None, "no vectors in the file", "word-vector file", id="header-only"),
    pytest.param("lonely\n", "glove", {}, 1, "expected a word followed by its vector components",
                 "'word x1 x2 ... xd'", id="word-only"),
    # a component beyond float32's range passes as float64 but is inf as stored
    pytest.param("2 2\na 1 2\nb 3 1e40\n", "auto", {}, 3, "the vector of 'b' contains NaN or infinity",
                 "drop or repair that row", id="float32-overflow"),
    pytest.param("a -1e39 2\n", "glove", {}, 1, "the vector of 'a' contains NaN or infinity",
                 "drop or repair that row", id="float32-overflow-first-line"),
    # more data lines than the header declares: blamed on the first extra line, duplicates counted
    pytest.param("2 2\na 1 2\nb 3 4\nc 5 6\nd 7 8\n", "auto", {}, 4,
                 "header declares 2 words but the file holds more", "fix the header or re-export the file",
                 id="header-too-small"),
    pytest.param("2 2\na 1 2\n\na 1 2\nb 3 4\n", "auto", {"on_duplicate": "first"}, 5,
                 "header declares 2 words but the file holds more", "fix the header or re-export the file",
                 id="header-too-small-duplicates"),
    pytest.param("2 2\na 1 2\nb 3 4\nc 5 6\n", "auto", {"max_vocab": 3}, 4,
                 "header declares 2 words but the file holds more", "fix the header or re-export the file",
                 id="header-too-small-max-vocab-not-reached"),
    # fewer data lines than declared, counted the same way
    pytest.param("3 2\na 1 2\na 3 4\n", "auto", {"on_duplicate": "first"}, 3,
                 "header declares 3 words but the file holds 2",
                 "the file may be truncated; fix the header or re-export it",
                 id="truncated-duplicates"),
    pytest.param("3 2\na 1 2\nb 3 4\n", "auto", {"max_vocab": 5}, 3,
                 "header declares 3 words but the file holds 2",
                 "the file may be truncated; fix the header or re-export it",
                 id="truncated-max-vocab-not-reached"),
    # TABs and runs of spaces separate fields, and the count in the message is the parser's
    pytest.param("2 3\na\t1\t2\t3\nb\t4\t5\n", "auto", {}, 3, "expected 3 vector components, got 2",
                 "every line must have the dimension of the header (or of the first line)", id="tab-short-line"),
    pytest.param("2 2\na  1\t 2\nb 3 4  5\n", "auto", {}, 3, "expected 2 vector components, got 3",
                 "every line must have the dimension of the header (or of the first line)", id="runs-long-line"),
    pytest.param("2 2\na 1\xa02\nb 3 4\n", "auto", {}, 2, "expected 2 vector components, got 1",
                 "every line must have the dimension of the header (or of the first line)", id="nbsp-not-a-separator"),
    pytest.param("2 2\n a 1 2\nb 3 4\n", "auto", {}, 2, "the line starts with a space or TAB, so its word is empty",
                 "each line must be 'word x1 x2 ... xd'", id="leading-space"),
    # a header-less file takes its dimension from the first line: when the next two lines agree with
    # each other, it is the first line that is wrong
    pytest.param("a 1 2 3\nb 4 5\nc 6 7\n", "glove", {}, 1, "expected 2 vector components, got 3",
                 "the lines after it have 2: repair line 1, or add a header 'n_words dim' if its word contains "
                 "a space", id="first-line-long"),
    pytest.param("\na 1 2 3\nb 4 5\n\nc 6 7\n", "auto", {}, 2, "expected 2 vector components, got 3",
                 "the lines after it have 2: repair line 2, or add a header 'n_words dim' if its word contains "
                 "a space", id="first-line-long-after-blank"),
    pytest.param("a 1 2\nb 3 4 5\n", "auto", {}, 2, "expected 2 vector components, got 3",
                 "every line must have the dimension of the header (or of the first line)", id="two-lines-disagree"),
    pytest.param("a 1 2\nb 3 4 5\nc 6 7\n", "auto", {}, 2, "expected 2 vector components, got 3",
                 "every line must have the dimension of the header (or of the first line)", id="second-line-long"),
]


@pytest.mark.parametrize("content, fmt, kwargs, line, message, fix", BAD_TEXT)
def test_damaged_text_files(tmp_path, content, fmt, kwargs, line, message, fix):
    path = tmp_path / "bad.vec"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    with pytest.raises(FormatError) as info:
        load_embeddings(path, fmt=fmt, **kwargs)
    err = info.value
    assert err.path == str(path) and err.line == line
    assert message in err.message and fix in err.fix
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert str(err).startswith(where)


def test_words_with_spaces_are_read_but_extra_numbers_are_not(tmp_path):
    path = tmp_path / "phrases.vec"
    path.write_text("2 2\nnew york 1 2\nb 3 4\n", encoding="utf-8")
    assert load_embeddings(path).index_to_key == ["new york", "b"]


@pytest.mark.parametrize("content", ["2 2\na 1 2\nb 3 4\nc 5 6\n", "3 2\na 1 2\nb 3 4\n"],
                         ids=["more-lines-than-declared", "fewer-lines-than-declared"])
def test_max_vocab_stops_before_a_header_mismatch(tmp_path, content):
    path = tmp_path / "v.vec"
    path.write_text(content, encoding="utf-8")
    assert load_embeddings(path, max_vocab=2).index_to_key == ["a", "b"]


def test_lenient_options(tmp_path):
    path = tmp_path / "v.vec"
    path.write_bytes(b"3 2\na 1 2\ncaf\xe9 3 4\na 5 6\n")
    kv = load_embeddings(path, encoding_errors="replace", on_duplicate="first")
    assert kv.index_to_key == ["a", "caf\ufffd"]
    np.testing.assert_array_equal(kv["a"], [1, 2])  # the first occurrence wins
    path.write_text("2 2\na 1 2\r\nb 3 4\r\n", encoding="utf-8")  # CRLF line ends
    np.testing.assert_array_equal(load_embeddings(path).vectors, [[1, 2], [3, 4]])


@pytest.mark.parametrize("name, content, fmt, message", [
    ("v.bin", b"\x00\x01garbage", "auto", "could not read as word2vec-binary"),
    ("v.kv", b"not a pickle", "auto", "could not read as gensim"),
])
def test_damaged_binary_files(tmp_path, name, content, fmt, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message) as info:
        load_embeddings(path, fmt=fmt)
    assert "check --format" in info.value.fix


def test_binary_nan_row_and_wrong_object(tmp_path, kv):
    bad = make_keyed_vectors(["a", "b"], np.array([[1, 2], [np.nan, 0]]))
    save_embeddings(bad, tmp_path / "nan.bin", binary=True)
    with pytest.raises(FormatError, match=r"the vector of 'b' \(row 2\) contains NaN") as info:
        load_embeddings(tmp_path / "nan.bin")
    assert info.value.line is None
    from gensim.corpora import Dictionary

    Dictionary([["a", "b"]]).save(str(tmp_path / "dict.kv"))
    with pytest.raises(FormatError, match="expected gensim KeyedVectors or a model with .wv, got Dictionary"):
        load_embeddings(tmp_path / "dict.kv")


@pytest.mark.parametrize("name, save, line, message", [
    ("big.vec", _save_text, 3, "the vector of 'b' contains NaN or infinity"),
    ("big.bin", _save_binary, None, "the vector of 'b' (row 2) contains NaN or infinity"),
    ("big.kv", _save_gensim, None, "the vector of 'b' (row 2) contains NaN or infinity"),
])
def test_values_are_checked_as_stored(tmp_path, name, save, line, message):
    kv = make_keyed_vectors(["a", "b"], [[1, 2], [3, 1e5]])  # 1e5 is finite in float32, inf in float16
    path = tmp_path / name
    save(kv, path)
    _assert_same(load_embeddings(path), kv)
    with pytest.raises(FormatError) as info:
        load_embeddings(path, dtype=np.float16)
    where = f"{path}:{line}" if line else f"{path}"
    assert str(info.value) == f"{where}: {message} (drop or repair that row)"


@pytest.mark.parametrize("kwargs, error, match", [
    ({"fmt": "vec"}, ValueError, "fmt must be one of"),
    ({"max_vocab": 0}, ValueError, "max_vocab must be a positive integer"),
])
def test_bad_arguments(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        load_embeddings(tmp_path / "missing.vec", **kwargs)
    assert set(FORMATS) == {"auto", "word2vec", "glove", "word2vec-binary", "fasttext", "gensim", "npy"}


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.vec: no such embedding file"):
        load_embeddings(tmp_path / "missing.vec")


@pytest.mark.parametrize("word", ["two words", "tab\tword", "line\nbreak", "carriage\rreturn", ""])
@pytest.mark.parametrize("binary", [False, True])
def test_save_refuses_unwritable_words_and_writes_nothing(tmp_path, word, binary):
    kv = make_keyed_vectors(["ok", word], np.zeros((2, 3)))
    expected = f"word {word!r} is empty or contains a space, TAB or line break; it cannot be written as word2vec"
    with pytest.raises(ValueError) as info:
        check_writable(kv)
    assert str(info.value) == expected
    with pytest.raises(ValueError) as info:
        save_embeddings(kv, tmp_path / "out.vec", binary=binary)
    assert str(info.value) == expected
    assert os.listdir(tmp_path) == []


# Words that hold other whitespace than the separators: gensim writes them, and they read back.
ODD_WORDS = ["new\xa0york", "a\u2009b", "page\x0cbreak", "x\x0by", "\u3000", "end\xa0"]


@pytest.mark.parametrize("binary", [False, True])
def test_words_with_other_whitespace_round_trip(tmp_path, binary):
    kv = make_keyed_vectors(ODD_WORDS, np.arange(len(ODD_WORDS) * 2).reshape(-1, 2))
    assert check_writable(kv) is None
    path = save_embeddings(kv, tmp_path / "odd.vec", binary=binary)
    _assert_same(load_embeddings(path), kv)


def test_save_failure_leaves_no_half_file(tmp_path, kv, monkeypatch):
    out = tmp_path / "out.vec"
    out.write_text("old content\n", encoding="utf-8")

    def crash(path, **kwargs):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("8 5\nthe 0.1")  # half a file, then the disk fills up
        raise OSError("No space left on device")

    monkeypatch.setattr(kv, "save_word2vec_format", crash)
    with pytest.raises(OSError, match="No space left"):
        save_embeddings(kv, out)
    assert os.listdir(tmp_path) == ["out.vec"]  # no temporary file left behind
    assert out.read_text(encoding="utf-8") == "old content\n"  # the previous file is untouched


def test_make_keyed_vectors_and_subset():
    kv = make_keyed_vectors(["a", "b", "c"], np.eye(3, dtype=np.float64), counts=[5, 3, 1])
    assert kv.vectors.dtype == np.float32
    small = subset(kv, ["c", "a"])
    assert small.index_to_key == ["c", "a"]
    np.testing.assert_array_equal(small.vectors, [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(word_counts(small), [1, 5])
    with pytest.raises(ValueError, match=r"expected vectors of shape \(2, dim\); got \(3, 3\)"):
        make_keyed_vectors(["a", "b"], np.eye(3))
    with pytest.raises(ValueError, match="words must be unique"):
        make_keyed_vectors(["a", "a"], np.eye(2))
    X = np.eye(2, dtype=np.float32)
    make_keyed_vectors(["a", "b"], X).vectors[0, 0] = 5  # the result holds a copy, not the caller's array
    assert X[0, 0] == 1


@pytest.mark.parametrize("ext, magic", [(".vec.gz", b"\x1f\x8b"), (".vec.bz2", b"BZh"), (".vec.xz", b"\xfd7zXZ"),
                                        (".vec", f"{len(WORDS)} 5".encode())])
def test_save_compresses_by_name_and_reads_back(tmp_path, kv, ext, magic):
    """The temporary file keeps the compression extension, so gensim compresses what is renamed."""
    path = tmp_path / f"out{ext}"
    save_embeddings(kv, path)
    assert path.read_bytes().startswith(magic)
    _assert_same(load_embeddings(path), kv, None)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_gzip_header_names_the_output_not_a_temporary_file(tmp_path, kv):
    """gzip records the file name in its header (FNAME, read by gunzip -N and file(1)); it is the
    output's name without .gz, as the gzip tool writes it."""
    path = tmp_path / "en.vec.gz"
    save_embeddings(kv, path)
    header = path.read_bytes()
    assert header[3] & 0x08  # FNAME flag
    assert header[10:header.index(b"\0", 10)] == b"en.vec"


def test_the_native_npy_format_round_trips_memory_mapped(tmp_path):
    kv = make_keyed_vectors(["talo", "koira", "äiti"], np.arange(12, dtype=np.float32).reshape(3, 4),
                            counts=np.array([9, 5, 2]))
    path = save_embeddings(kv, tmp_path / "fi.npy")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fi.npy", "fi.vocab"]
    assert (tmp_path / "fi.vocab").read_text(encoding="utf-8") == "talo\t9\nkoira\t5\näiti\t2\n"
    back = load_embeddings(path)
    assert back.index_to_key == kv.index_to_key and np.array_equal(back.vectors, kv.vectors)
    assert back.get_vecattr("koira", "count") == 5 and not back.vectors.flags.owndata  # mapped, not read whole
    assert load_embeddings(path, max_vocab=2).index_to_key == ["talo", "koira"]


@pytest.mark.parametrize("damage, where, message", [
    (lambda d: (d / "fi.vocab").unlink(), "fi.npy", "no vocabulary beside it (fi.vocab)"),
    (lambda d: (d / "fi.vocab").write_text("talo\t9\nkoira\t5\n"), "fi.vocab", "2 words for the 3 rows of"),
    (lambda d: (d / "fi.vocab").write_text("talo\t9\ntalo\t5\näiti\t1\n"), "fi.vocab", "duplicate word 'talo'"),
    (lambda d: (d / "fi.vocab").write_text("talo\tmany\nkoira\t5\näiti\t1\n"), "fi.vocab",
     "expected word<TAB>count, got 'talo\\tmany'"),
    (lambda d: (d / "fi.npy").write_bytes(b"not numpy"), "fi.npy", "not a NumPy .npy matrix"),
    (lambda d: np.save(d / "fi.npy", np.array([[1.0, np.nan], [0, 0], [1, 1]], dtype=np.float32)), "fi.npy",
     "the vector of 'talo' (row 1) contains NaN or infinity"),
])
def test_a_damaged_native_space_is_named(tmp_path, damage, where, message):
    kv = make_keyed_vectors(["talo", "koira", "äiti"], np.ones((3, 2), dtype=np.float32))
    save_embeddings(kv, tmp_path / "fi.npy")
    damage(tmp_path)
    with pytest.raises(FormatError) as info:
        load_embeddings(tmp_path / "fi.npy")
    assert info.value.path == str(tmp_path / where) and message in info.value.message
