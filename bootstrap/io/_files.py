"""Reading files that may be compressed: one opener for corpora, embeddings and dictionaries."""
import bz2
import contextlib
import gzip
import lzma
import os
import re
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


#: Longest piece of a line handed on at once (bytes). A longer line (a scraped page, a dump without
#: newlines) is cut into pieces of at most this size, at whitespace where there is some, so that
#: memory is bounded by this, not by the longest line.
MAX_LINE_BYTES = 1 << 20
_CHUNK_BYTES = 1 << 16
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def _cut(buf, limit):
    """Where to cut ``buf`` (longer than ``limit`` bytes): after its last space or TAB within the first
    ``limit`` bytes, else at the last UTF-8 character boundary before ``limit``."""
    space = max(buf.rfind(b" ", 0, limit), buf.rfind(b"\t", 0, limit))
    if space >= limit // 2:
        return space + 1
    cut = limit
    while cut > 0 and (buf[cut] & 0xC0) == 0x80:  # a continuation byte: inside a character
        cut -= 1
    return cut or limit


def _pieces(buf, max_bytes, lineno, continued):
    """Yield ``(lineno, piece, continued)`` for the leading pieces of ``buf`` while it is longer than
    ``max_bytes``; returns what is left and whether it continues a line."""
    while len(buf) > max_bytes:
        cut = _cut(buf, max_bytes)
        yield lineno, buf[:cut], continued
        buf, continued = buf[cut:], True
    return buf, continued


def iter_lines(handle, *, max_bytes=None):
    """Yield ``(lineno, piece, continued)`` for the lines of a binary stream, without their line breaks.

    Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (old Mac files), counted from 1. A line longer
    than ``max_bytes`` comes in pieces of at most that many bytes (cut after whitespace, or between
    two UTF-8 characters; default :data:`MAX_LINE_BYTES`); ``continued`` is True for every piece
    after a line's first. Reads ``handle`` in blocks, so memory stays bounded by ``max_bytes``
    whatever the file's shape.
    """
    max_bytes = MAX_LINE_BYTES if max_bytes is None else max_bytes
    buf, lineno, continued = b"", 1, False
    while True:
        chunk = handle.read(min(_CHUNK_BYTES, max_bytes))
        if not chunk:
            break
        buf += chunk
        start = 0
        for match in _LINE_BREAK.finditer(buf):
            if match.end() == len(buf) and buf.endswith(b"\r"):
                break  # a CR that ends the block may be the first half of a CRLF
            line, continued = yield from _pieces(buf[start:match.start()], max_bytes, lineno, continued)
            yield lineno, line, continued
            lineno, continued, start = lineno + 1, False, match.end()
        buf, continued = yield from _pieces(buf[start:], max_bytes, lineno, continued)
    if buf.endswith(b"\r"):
        buf = buf[:-1]
        if not buf and not continued:  # the file's last line break
            return
    if buf or continued:
        yield lineno, buf, continued


def strip_compression(name):
    """``name`` lowercased, without a compression extension (``fi.Bible.tsv.gz`` -> ``fi.bible.tsv``)."""
    lower = os.fspath(name).lower()
    for ext in COMPRESSED:
        if lower.endswith(ext):
            return lower[: -len(ext)]
    return lower
