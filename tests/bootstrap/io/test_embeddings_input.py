"""Embedding files as they come: separators, byte-order marks, compression, binary files under any
name, duplicates in word2vec binary, unreadable fastText models, and the text reader's memory."""
import bz2
import gzip
import logging
import lzma
import struct
import tracemalloc

import numpy as np
import pytest

from offramp.bootstrap.errors import FormatError
from offramp.bootstrap.io.embeddings import load_embeddings, make_keyed_vectors, save_embeddings

BOM = b"\xef\xbb\xbf"
DUPLICATE_FIX = "deduplicate the file, or pass on_duplicate='first' (CLI: --on-duplicate first) to keep the first"


def _write(path, content):
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


# (content, fmt, words, vectors)
READABLE = [
    pytest.param("2 3\na\t1\t2\t3\nb\t4\t5\t6\n", "auto", ["a", "b"], [[1, 2, 3], [4, 5, 6]], id="tabs"),
    pytest.param("2 3\na  1   2 3\nb 4\t 5 6 \n", "auto", ["a", "b"], [[1, 2, 3], [4, 5, 6]], id="runs"),
    pytest.param("a\t1\t2\nb\t3\t4\n", "glove", ["a", "b"], [[1, 2], [3, 4]], id="glove-tabs"),
    pytest.param("2 2\nnew\xa0york 1 2\nb\xa0 3 4\n", "auto", ["new\xa0york", "b\xa0"], [[1, 2], [3, 4]],
                 id="nbsp-is-part-of-the-word"),
    pytest.param("2 2\nnew york\t1\t2\nsan  josé 3 4\n", "auto", ["new york", "san  josé"], [[1, 2], [3, 4]],
                 id="words-with-spaces-kept-as-written"),
    pytest.param(BOM + b"2 2\na 1 2\nb 3 4\n", "auto", ["a", "b"], [[1, 2], [3, 4]], id="bom-header"),
    pytest.param(BOM + b"a 1 2\nb 3 4\n", "auto", ["a", "b"], [[1, 2], [3, 4]], id="bom-glove"),
    pytest.param(BOM + b"2 2\na 1 2\nb 3 4\n", "word2vec", ["a", "b"], [[1, 2], [3, 4]], id="bom-word2vec"),
    pytest.param("3 2\na 1 2\n\nb 3 4\n\n\nc 5 6\n", "auto", ["a", "b", "c"], [[1, 2], [3, 4], [5, 6]],
                 id="blank-lines-are-not-words"),
]


@pytest.mark.parametrize("content, fmt, words, vectors", READABLE)
def test_separators_and_bom(tmp_path, content, fmt, words, vectors):
    kv = load_embeddings(_write(tmp_path / "v.vec", content), fmt=fmt)
    assert kv.index_to_key == words
    np.testing.assert_array_equal(kv.vectors, vectors)


def test_tab_separated_file_of_the_audit(tmp_path):
    # used to fail with "expected 50 vector components, got 50"
    rows = np.arange(150).reshape(3, 50) / 7
    lines = ["3 50"] + ["\t".join([word] + [repr(x) for x in row.tolist()]) for word, row in zip("abc", rows)]
    kv = load_embeddings(_write(tmp_path / "tabs.vec", "\n".join(lines) + "\n"))
    assert kv.index_to_key == ["a", "b", "c"]
    np.testing.assert_array_equal(kv.vectors, rows.astype(np.float32))


def test_bom_is_not_a_column(tmp_path):
    path = _write(tmp_path / "v.vec", BOM + b"caf\xe9 1 2\n")
    with pytest.raises(FormatError) as info:
        load_embeddings(path)
    assert info.value.line == 1
    assert info.value.message == "bytes are not UTF-8 (byte 0xe9 at column 4)"


def _binary_file(path, words, dim=3):
    """word2vec binary written by hand: header, then each word, a space and its float32 bytes."""
    with open(path, "wb") as handle:
        handle.write(f"{len(words)} {dim}\n".encode())
        for i, word in enumerate(words):
            handle.write(word.encode() + b" " + (np.arange(dim, dtype=np.float32) + 10 * i).tobytes() + b"\n")
    return path


@pytest.mark.parametrize("name, opener", [("w2v.vec", open), ("w2v.txt", open), ("w2v.vec.gz", gzip.open),
                                          ("w2v.bin.gz", gzip.open)], ids=["vec", "txt", "vec.gz", "bin.gz"])
@pytest.mark.parametrize("fmt", ["word2vec", "glove"])
def test_binary_content_with_a_text_format_says_so(tmp_path, name, opener, fmt):
    plain = _binary_file(tmp_path / "plain", ["a", "b"])
    path = tmp_path / name
    with opener(path, "wb") as handle:
        handle.write(plain.read_bytes())
    assert load_embeddings(path).index_to_key == ["a", "b"]  # auto reads it whatever the name
    with pytest.raises(FormatError) as info:
        load_embeddings(path, fmt=fmt)
    assert str(info.value) == (f"{path}:2: expected {fmt} text, got raw bytes after the header (this looks like "
                               "word2vec binary: pass fmt='word2vec-binary' (CLI: --format word2vec-binary))")


@pytest.mark.parametrize("name, opener", [("v.vec.gz", gzip.open), ("v.vec.bz2", bz2.open), ("v.vec.xz", lzma.open)],
                         ids=["gz", "bz2", "xz"])
@pytest.mark.parametrize("damage", ["truncated", "not-compressed"])
def test_damaged_compressed_files(tmp_path, name, opener, damage):
    path = tmp_path / name
    with opener(path, "wb") as handle:
        handle.write(b"".join(b"w%d 0.25 -1.5 3\n" % i for i in range(2000)))
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] if damage == "truncated" else b"2 3\na 1 2 3\nb 4 5 6\n")
    with pytest.raises(FormatError) as info:
        load_embeddings(path)
    assert info.value.path == str(path) and info.value.line is None
    assert info.value.message.startswith("the compressed file is damaged (")
    assert info.value.fix == "download it again, or test it with gzip -t / bzip2 -t / xz -t"


DUPLICATED = ["a", "b", "a", "c"]  # row 3 repeats row 1


def test_binary_duplicate_is_an_error(tmp_path):
    path = _binary_file(tmp_path / "dup.bin", DUPLICATED)
    with pytest.raises(FormatError) as info:
        load_embeddings(path)
    assert str(info.value) == f"{path}: duplicate word 'a' (first at row 1) ({DUPLICATE_FIX})"


def test_binary_duplicate_is_an_error_with_gensim_logging_off(tmp_path, caplog):
    caplog.set_level(logging.CRITICAL, logger="gensim.models.keyedvectors")  # the word is not logged then
    path = _binary_file(tmp_path / "dup.bin", DUPLICATED)
    with pytest.raises(FormatError) as info:
        load_embeddings(path)
    assert str(info.value) == (f"{path}: duplicate words: 1 of the 4 rows repeat an earlier word "
                               f"({DUPLICATE_FIX})")


@pytest.mark.parametrize("max_vocab, words, rows", [
    (None, ["a", "b", "c"], [0, 1, 3]),
    (3, ["a", "b", "c"], [0, 1, 3]),  # three words, as from a text file: gensim's limit counts rows
    (2, ["a", "b"], [0, 1]),
    (1, ["a"], [0]),
])
def test_binary_duplicate_first_wins(tmp_path, max_vocab, words, rows):
    path = _binary_file(tmp_path / "dup.bin", DUPLICATED)
    kv = load_embeddings(path, on_duplicate="first", max_vocab=max_vocab)
    assert kv.index_to_key == words and None not in kv.key_to_index
    expected = np.arange(3, dtype=np.float32) + 10 * np.array(rows)[:, None]
    np.testing.assert_array_equal(kv.vectors, expected)
    assert kv.vectors.shape == (len(words), 3)


@pytest.fixture(scope="module")
def fasttext_bytes(tmp_path_factory):
    """A small unsupervised fastText .bin (vocabulary built, not trained: the bytes are what matter)."""
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model

    model = FastText(vector_size=6, min_count=1, min_n=2, max_n=3, bucket=100, seed=0, workers=1)
    model.build_vocab([["kissa", "koira", "talo", "kissat"], ["iso", "talo", "pieni"]])
    path = tmp_path_factory.mktemp("fasttext") / "ft.bin"
    save_facebook_model(model, str(path))
    return path.read_bytes()


def _supervised_quantised(data):
    # the model field (8th int32 argument) says supervised; a quantised .ftz is far smaller than its
    # header's matrix, which must not be reported as a truncated file
    return data[:36] + struct.pack("<i", 3) + data[40:200]


def _supervised(data):
    # fastText's header is 8 bytes of magic and version, 12 int32 and a double; then the dictionary
    # sizes (words, nwords, nlabels): a supervised model has labels
    offset = 8 + 12 * 4 + 8 + 2 * 4
    return data[:offset] + struct.pack("<i", 1) + data[offset + 4:]


@pytest.mark.parametrize("damage, message, fix", [
    # half the file: the header and the dictionary are whole, the n-gram matrix is cut; and a cut inside
    # the word list, on which gensim itself would loop forever: the size check catches both
    (lambda data: data[:len(data) // 2], "the file holds ",
     "the file may be truncated: download the model again, or save it again"),
    (lambda data: data[:95], "the file holds 95 bytes, fewer than the ",
     "the file may be truncated: download the model again, or save it again"),
    (lambda data: data[:40], "the fastText header is cut short (40 bytes)",
     "the file may be truncated: download the model again, or save it again"),
    (_supervised, "could not read as fasttext: Supervised fastText models are not supported",
     "a supervised model holds no word vectors for alignment: export them with fastText's print-word-vectors, "
     "or use an unsupervised model"),
    (_supervised_quantised, "could not read as fasttext: a supervised fastText model (.ftz or supervised .bin)",
     "a supervised model holds no word vectors for alignment: export them with fastText's print-word-vectors, "
     "or use an unsupervised model"),
], ids=["truncated", "cut-in-words", "cut-in-header", "supervised", "supervised-quantised"])
@pytest.mark.parametrize("fmt", ["auto", "fasttext"])
def test_unreadable_fasttext_models(tmp_path, fasttext_bytes, damage, message, fix, fmt):
    path = _write(tmp_path / "ft.bin", damage(fasttext_bytes))
    with pytest.raises(FormatError) as info:
        load_embeddings(path, fmt=fmt)
    assert info.value.path == str(path) and info.value.line is None
    assert info.value.message.startswith(message) and info.value.fix == fix


@pytest.mark.parametrize("header, bound", [
    (True, 1.3),  # rows allocated once from the header's count
    (False, 2.3),  # rows doubled as they come, at most twice the final count
])
def test_text_reader_peak_memory(tmp_path, header, bound):
    # The matrix is stored as read, in the requested dtype. The rest of the peak is the words (a
    # Python string and a dict entry each, about 0.2x here) and one line in flight. The former
    # reader (a list of float64 rows, then a copy) peaked at 5.3x.
    kv = make_keyed_vectors([f"w{i}" for i in range(1500)], np.random.default_rng(0).standard_normal((1500, 300)))
    path = save_embeddings(kv, tmp_path / "v.vec", header=header)
    tracemalloc.start()
    try:
        loaded = load_embeddings(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(loaded.vectors, kv.vectors)
    assert peak < bound * loaded.vectors.nbytes


def test_a_compressed_fasttext_model_says_decompress_it(tmp_path, fasttext_bytes):
    import gzip

    path = tmp_path / "ft.bin.gz"
    path.write_bytes(gzip.compress(fasttext_bytes))
    with pytest.raises(FormatError) as info:
        load_embeddings(path)
    assert info.value.message == "a compressed fastText .bin cannot be read in place"
    assert info.value.fix.startswith("decompress it first")


@pytest.mark.parametrize("fmt", ["auto", "word2vec-binary"])
@pytest.mark.parametrize("name", ["v.bin", "v.bin.gz"])
def test_binary_header_claiming_more_words_than_the_file_holds(tmp_path, fmt, name):
    """A header that claims a billion words is refused from the file's size (a compressed file's once
    decompressed), before any allocation."""
    path = _binary_file(tmp_path / "v.bin", ["a", "b"])
    data = path.read_bytes()
    data = b"1000000000 3" + data[data.index(b"\n"):]
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    with pytest.raises(FormatError) as info:
        load_embeddings(path, fmt=fmt)
    assert info.value.path == str(path) and info.value.line == 1
    assert info.value.message.startswith("the header declares 1000000000 words of 3 dimensions")
    assert "fix the header's word count" in info.value.fix
