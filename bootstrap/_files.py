"""Reading files that may be compressed: one opener for corpora, embeddings and dictionaries."""
import bz2
import gzip
import lzma
import os

#: Compression extensions read on the fly, and their openers.
COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def decompressor(path):
    """``gzip.open``, ``bz2.open`` or ``lzma.open`` by the file's extension; None for a plain file."""
    return COMPRESSED.get(os.path.splitext(os.fspath(path).lower())[1])


def open_binary(path):
    """Open ``path`` for reading bytes, decompressing ``.gz``, ``.bz2`` and ``.xz`` files."""
    opener = decompressor(path)
    return opener(path, "rb") if opener is not None else open(path, "rb")


def strip_compression(name):
    """``name`` lowercased, without a compression extension (``fi.Bible.tsv.gz`` -> ``fi.bible.tsv``)."""
    lower = os.fspath(name).lower()
    for ext in COMPRESSED:
        if lower.endswith(ext):
            return lower[: -len(ext)]
    return lower
