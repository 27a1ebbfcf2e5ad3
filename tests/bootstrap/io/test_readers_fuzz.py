"""Every reader, fuzzed (hypothesis): any bytes give a result or offramp's documented error naming the file
(:class:`~offramp.bootstrap.errors.OfframpError`), never another exception, and within a memory bound fixed
by the file's size (these files hold at most a few kilobytes; a header that claims a billion rows must not
make a reader allocate them).

The examples are drawn from raw bytes and from pieces of the formats (headers, numbers, words, TABs, every
line break, a byte-order mark, non-UTF-8 bytes, float32 bytes, a gzip magic), with ``derandomize=True``: a
fixed seed per test, so CI runs the same examples every time and a failure reproduces. A larger run:
``HYPOTHESIS_PROFILE=long python -m pytest tests/bootstrap/io/test_readers_fuzz.py``.
"""
import gzip
import os
import tempfile
import tracemalloc
import warnings

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

from offramp.bootstrap.errors import OfframpError  # noqa: E402
from offramp.bootstrap.io.corpora import Corpus, read_ids  # noqa: E402
from offramp.bootstrap.io.dictionaries import read_dictionary  # noqa: E402
from offramp.bootstrap.io.embeddings import load_embeddings  # noqa: E402

import gensim.models.fasttext  # noqa: E402,F401  (imported here, not inside the measured reads)

#: Peak bytes a read of these small files may allocate (tracemalloc).
MEMORY_BOUND = 32 * 2**20

settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True, database=None)
settings.register_profile("long", max_examples=3000, deadline=None, derandomize=True,
                          database=None)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

PIECES = st.sampled_from([
    b"2 3\n", b"3 2\n", b"0 0\n", b"1000000000 3\n", b"a ", b"b ", b"1.0 ", b"-2e5 ", b"nan ", b"inf ", b"\n",
    b"\r", b"\r\n", b"\t", b" ", b"\xef\xbb\xbf", b"\x00\x00\x80?", b"\xff\xfe", b"\xe9", b"word", b"1", b"0.5",
    b"Gen.1.1\t", b"x\ty\n", b"\x1f\x8b", b"talo house\n", "ä".encode(),
])
DATA = st.one_of(st.binary(max_size=300), st.lists(PIECES, max_size=40).map(b"".join))


def _read(data, name, reader):
    """Write ``data`` as ``name`` in a fresh folder and read it: the result, or the error's file must be it."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name)
        with open(path, "wb") as handle:
            handle.write(gzip.compress(data) if name.endswith(".gz") else data)
        tracemalloc.start()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # id-less lines, duplicates: warnings are allowed
                try:
                    return reader(path)
                except OfframpError as exc:
                    assert getattr(exc, "path", path) == path, exc
                except NotImplementedError:  # a supervised fastText model, which gensim does not read either
                    pass
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert peak < MEMORY_BOUND, f"{peak} bytes allocated reading {len(data)} bytes"


@settings.get_profile(PROFILE)
@given(data=DATA, name=st.sampled_from(["v.vec", "v.txt", "v.bin", "v.vec.gz", "v.bin.gz"]))
def test_embedding_reader(data, name):
    kv = _read(data, name, lambda path: load_embeddings(path, progress=False))
    if kv is not None:
        assert kv.vectors.shape == (len(kv.index_to_key), kv.vector_size)


@settings.get_profile(PROFILE)
@given(data=DATA, name=st.sampled_from(["d.txt", "d.tsv", "d.txt.gz"]))
def test_dictionary_reader(data, name):
    entries = _read(data, name, read_dictionary)
    if entries is not None:
        assert all(isinstance(s, str) and isinstance(t, str) and s and t for s, t in entries)


@settings.get_profile(PROFILE)
@given(data=DATA, name=st.sampled_from(["c.txt", "c.tsv", "c.txt.gz"]))
def test_corpus_reader(data, name):
    def read(path):
        tokens = list(Corpus(path))
        texts = list(Corpus(path).texts())  # what a tokenizer's trainer reads
        return tokens, texts

    out = _read(data, name, read)
    if out is not None:
        tokens, texts = out
        assert all(tokens) and all(isinstance(t, str) and t for t in texts)


@settings.get_profile(PROFILE)
@given(data=DATA)
def test_id_list_reader(data):
    ids = _read(data, "ids.txt", read_ids)
    if ids is not None:
        assert all(ids)
