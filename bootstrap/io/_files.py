"""Reading files that may be compressed: one opener for corpora, embeddings and dictionaries."""
import bz2
import contextlib
import gzip
import lzma
import os
import zlib

from ..errors import FormatError

#: Compression extensions read on the fly, and their openers.
COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def decompressor(path):
    """``gzip.open``, ``bz2.open`` or ``lzma.open`` by the file's extension; None for a plain file."""
    return COMPRESSED.get(os.path.splitext(os.fspath(path).lower())[1])


@contextlib.contextmanager
def open_binary(path):
    """Open ``path`` for reading bytes, decompressing ``.gz``, ``.bz2`` and ``.xz`` files.

    A damaged or mislabelled compressed file raises :class:`FormatError` naming it, wherever the
    reading stops (at the start or halfway through).
    """
    opener = decompressor(path)
    if opener is None:
        with open(path, "rb") as handle:
            yield handle
        return
    try:
        with opener(path, "rb") as handle:
            yield handle
    except (EOFError, OSError, lzma.LZMAError, zlib.error) as exc:
        raise FormatError(path, None, f"the compressed file is damaged ({exc}); could not read or decompress it",
                          "download it again, or test it with gzip -t / bzip2 -t / xz -t") from None


def strip_compression(name):
    """``name`` lowercased, without a compression extension (``fi.Bible.tsv.gz`` -> ``fi.bible.tsv``)."""
    lower = os.fspath(name).lower()
    for ext in COMPRESSED:
        if lower.endswith(ext):
            return lower[: -len(ext)]
    return lower
