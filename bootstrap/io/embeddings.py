"""Reading and writing word embeddings; the in-memory container is gensim's ``KeyedVectors``.

Longer than most modules: the per-format readers share the format sniffing, the line-level
:class:`FormatError` reports and the ``KeyedVectors`` construction, and stay private behind one loader.

Formats (``fmt``):

``auto``
    By extension and content: a file that starts with fastText's magic number is a fastText model;
    ``.kv``/``.model``/``.wv`` is a gensim ``KeyedVectors`` (or a model with a ``.wv``); ``.bin``
    (also ``.bin.gz``, ``.bin.bz2``, ``.bin.xz``) is word2vec binary, and so is any file whose
    ``"n_words dim"`` header is followed by raw bytes rather than numbers; anything else is word2vec
    text, with the header sniffed (GloVe files have none).
``word2vec``
    Text with a ``"n_words dim"`` header.
``glove``
    Text without header.
``word2vec-binary``
    word2vec's binary format.
``fasttext``
    A fastText ``.bin`` model (subword n-grams kept, so out-of-vocabulary words get vectors).
``gensim``
    ``KeyedVectors.save`` / ``Word2Vec.save`` / ``FastText.save`` files.

Text files are parsed here rather than by gensim so that every damaged line is reported with its
file, line number and a fix; binary formats go through gensim. Text fields are separated by runs of
spaces or TABs (a word may contain other characters, U+00A0 included), a UTF-8 byte-order mark is
skipped, and ``.gz``, ``.bz2`` and ``.xz`` files are decompressed on the fly.
"""
import codecs
import contextlib
import itertools
import logging
import os
import pickle
import re
import struct
import threading

import numpy as np

from .atomic import atomic_path
from ._files import decompressor, open_binary
from ..errors import FormatError

FORMATS = ("auto", "word2vec", "glove", "word2vec-binary", "fasttext", "gensim", "npy")
_FASTTEXT_MAGIC = 793712314
_BINARY_SUFFIXES = (".bin", ".bin.gz", ".bin.bz2", ".bin.xz")
_SEPARATOR = re.compile(r"[ \t]+")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never in a text vector line
_UNWRITABLE = re.compile(r"[ \t\n\r]")  # characters that end a word in word2vec text or binary
_SNIFF_BYTES = 1 << 16
_FIRST_ROWS = 1024  # rows allocated for a file without header; doubled when full
_DUPLICATE_FIX = "deduplicate the file, or pass on_duplicate='first' (CLI: --on-duplicate first) to keep the first"
_BINARY_FIX = "this looks like word2vec binary: pass fmt='word2vec-binary' (CLI: --format word2vec-binary)"


def _keyed_vectors(words, vectors, counts=None):
    """A ``KeyedVectors`` that holds ``vectors`` itself, without a copy; ``words`` must be unique."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1], count=0, dtype=vectors.dtype)
    # add_vectors would copy the matrix (a fancy-indexed copy, a cast and a vstack): set it directly.
    kv.index_to_key = list(words)
    kv.key_to_index = {word: i for i, word in enumerate(kv.index_to_key)}
    kv.next_index = len(kv.index_to_key)
    kv.vectors = vectors
    if counts is not None:
        # gensim's set_vecattr takes one key at a time; fill the whole column at once.
        kv.allocate_vecattrs(attrs=["count"], types=[np.int64])
        kv.expandos["count"][:] = np.asarray(counts, dtype=np.int64)
    return kv


def make_keyed_vectors(words, vectors, counts=None, dtype=np.float32, *, copy=True):
    """Build a ``KeyedVectors`` from a word list and an array.

    Parameters
    ----------
    words : list of str, length n
    vectors : ndarray of shape (n, dim)
        Copied by default, so the caller's array is never changed through the result.
    counts : array-like of shape (n,), optional
        Corpus frequencies, stored as the ``count`` attribute.
    dtype : dtype, default float32
        dtype of the stored vectors.
    copy : bool, default True
        False: keep ``vectors`` itself when it is already C-contiguous ``dtype`` (for a caller
        that hands its array over and keeps no other use of it: no second matrix in memory).

    Returns
    -------
    KeyedVectors
        ``vectors`` of shape (n, dim) and ``dtype``, rows in the order of ``words``.
    """
    vectors = np.array(vectors, dtype=dtype, order="C", copy=True) if copy else \
        np.ascontiguousarray(vectors, dtype=dtype)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"expected vectors of shape ({len(words)}, dim); got {vectors.shape}")
    if len(set(words)) != len(words):
        raise ValueError("words must be unique")
    return _keyed_vectors(words, vectors, counts)


def _is_header(fields):
    return len(fields) == 2 and all(f.isascii() and f.isdigit() for f in fields)


def _decode(raw, path, lineno):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(
            path, lineno,
            f"bytes are not UTF-8 (byte {raw[exc.start]:#04x} at column {exc.start + 1})",
            "re-encode the file as UTF-8, e.g. iconv -f latin1 -t utf-8, or pass encoding_errors='replace' "
            "(CLI: --encoding-errors replace)",
        ) from None


def _fields(line):
    """The fields of a text line, split on runs of spaces and TABs; ``[]`` for a blank line.

    Only those two separate fields: other whitespace, such as U+00A0, may be part of a word.
    """
    line = line.rstrip()
    if not line:
        return []
    if "\t" in line or "  " in line:
        return _SEPARATOR.split(line)
    return line.split(" ")


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _word_and_values(line, fields, dim):
    """``(word, components)`` of a vector line, or ``None`` when it has not ``dim`` components.

    A word may contain spaces ("new york 1 2") as long as its last part is not a number; if it is,
    the line has too many components.
    """
    extra = len(fields) - 1 - dim  # fields that belong to the word beyond its first
    if extra == 0:
        return fields[0], fields[1:]
    if extra < 0 or _is_number(fields[extra]):
        return None
    end = list(itertools.islice(_SEPARATOR.finditer(line), extra + 1))[-1].start()
    return line[:end], fields[extra + 1:]


def _n_components(lines):
    """Vector components on the next non-blank line of ``lines`` (bytes), or ``None`` at the end."""
    for raw in lines:
        fields = _fields(raw.decode("utf-8", errors="replace"))
        if fields:
            return len(fields) - 1
    return None


def _header_rows(path, declared, dim, max_vocab):
    """Rows to allocate for a text file whose header declares ``declared`` words.

    A vector line takes at least ``2 * dim + 1`` bytes, so an uncompressed file's size bounds the
    count: a damaged header cannot make the reader allocate far more than the file holds. A
    compressed file's size says nothing of the sort: it starts at :data:`_COMPRESSED_ROWS` rows,
    which the reader doubles as they fill (up to the declared count).
    """
    rows = declared if max_vocab is None else min(declared, max_vocab)
    if decompressor(path) is None:
        return min(rows, os.path.getsize(path) // (2 * dim + 1) + 1)
    return min(rows, _COMPRESSED_ROWS)


_COMPRESSED_ROWS = 1 << 16
#: Text files this large on disk (about half a second of parsing or more) show a progress bar while
#: they are read; smaller ones are read silently.
_PROGRESS_BYTES = 16 << 20


def _reading_bar(path, total, progress):
    """A transient tqdm bar over the words read from ``path`` (``total``: the words expected, None
    when unknown), shown only with ``progress`` and for a file of :data:`_PROGRESS_BYTES` or more."""
    from .._progress import progress_bar

    show = progress and os.path.getsize(path) >= _PROGRESS_BYTES
    return progress_bar(total=total, desc=f"reading {os.path.basename(path)}", unit=" words", unit_scale=True,
                        leave=False, disable=not show)


def _read_text(path, fmt, max_vocab, dtype, encoding_errors, on_duplicate, progress=False):
    """Parse word2vec / GloVe text straight into a ``dtype`` matrix, one row per line."""

    def decode(raw, lineno):
        if encoding_errors != "strict":
            return raw.decode("utf-8", errors=encoding_errors)
        return _decode(raw, path, lineno)

    words, seen = [], {}
    # overflow to inf is reported below; the bar joins the stack once the header gives its total
    with open_binary(path) as handle, np.errstate(over="ignore"), contextlib.ExitStack() as stack:
        first = handle.readline().removeprefix(codecs.BOM_UTF8)
        if not first:
            raise FormatError(path, None, "the file is empty", "point to a word-vector file")
        text = decode(first, 1)
        fields = text.split()
        has_header = _is_header(fields)
        if fmt == "word2vec" and not has_header:
            raise FormatError(
                path, 1, f"expected a header 'n_words dim', got {text[:60].strip()!r}",
                "this looks like a header-less (GloVe) file: pass fmt='glove' / --format glove",
            )
        if fmt == "glove" and has_header:
            raise FormatError(path, 1, f"expected a vector line, got the header {text.strip()!r}",
                              "pass fmt='word2vec' / --format word2vec")
        declared = dim = first_lineno = None
        limit = max_vocab  # rows never needed beyond this
        if has_header:
            declared, dim = int(fields[0]), int(fields[1])
            if dim <= 0:
                raise FormatError(path, 1, f"header declares dim={dim}", "the header must be 'n_words dim'")
            limit = declared if max_vocab is None else min(declared, max_vocab)
            rows = np.empty((_header_rows(path, declared, dim, max_vocab), dim), dtype=dtype)
        bar = stack.enter_context(_reading_bar(path, limit, progress))
        lines = handle if has_header else itertools.chain([first], handle)
        n_lines = 0  # data lines, duplicates included
        lineno = 1
        for lineno, raw in enumerate(lines, start=2 if has_header else 1):
            if max_vocab is not None and len(words) >= max_vocab:
                break
            line = decode(raw, lineno)
            fields = _fields(line)
            if not fields:
                continue
            if not fields[0]:
                raise FormatError(path, lineno, "the line starts with a space or TAB, so its word is empty",
                                  "each line must be 'word x1 x2 ... xd'")
            n_lines += 1
            bar.update()
            if declared is not None and n_lines > declared:
                raise FormatError(path, lineno, f"header declares {declared} words but the file holds more",
                                  "fix the header or re-export the file")
            if dim is None:
                dim, first_lineno = len(fields) - 1, lineno
                if dim < 1:
                    raise FormatError(path, lineno, "expected a word followed by its vector components",
                                      "each line must be 'word x1 x2 ... xd'")
                rows = np.empty((min(_FIRST_ROWS, limit or _FIRST_ROWS), dim), dtype=dtype)
            parsed = _word_and_values(line, fields, dim)
            if parsed is None:
                got = len(fields) - 1
                if n_lines == 2 and not has_header and _n_components(lines) == got:
                    # the second and third lines agree: the first line, which set dim, is the odd one
                    raise FormatError(path, first_lineno, f"expected {got} vector components, got {dim}",
                                      f"the lines after it have {got}: repair line {first_lineno}, or add a "
                                      "header 'n_words dim' if its word contains a space")
                raise FormatError(path, lineno, f"expected {dim} vector components, got {got}",
                                  "every line must have the dimension of the header (or of the first line)")
            word, values = parsed
            n = len(words)
            if n == len(rows):
                rows.resize((2 * n if limit is None else min(2 * n, limit), dim), refcheck=False)
            try:
                rows[n] = np.array(values, dtype=np.float64)  # stored as dtype: 1e40 becomes inf in float32
            except ValueError:
                raise FormatError(path, lineno, f"vector components of {word!r} are not numbers",
                                  "each line must be 'word x1 x2 ... xd'") from None
            if not np.isfinite(rows[n]).all():
                raise FormatError(path, lineno, f"the vector of {word!r} contains NaN or infinity",
                                  "drop or repair that row")
            if word in seen:
                if on_duplicate == "error":
                    raise FormatError(path, lineno, f"duplicate word {word!r} (first at line {seen[word]})",
                                      _DUPLICATE_FIX)
                continue
            seen[word] = lineno
            words.append(word)
    if not words:
        raise FormatError(path, None, "no vectors in the file", "point to a word-vector file")
    if declared is not None and n_lines < declared and (max_vocab is None or len(words) < max_vocab):
        raise FormatError(path, lineno, f"header declares {declared} words but the file holds {n_lines}",
                          "the file may be truncated; fix the header or re-export it")
    rows.resize((len(words), dim), refcheck=False)  # in place: no second copy of the matrix
    del seen  # freed before the KeyedVectors builds its own word index
    return _keyed_vectors(words, rows)


def _read_head(path):
    """The first bytes of ``path``, decompressed."""
    with open_binary(path) as handle:
        return handle.read(_SNIFF_BYTES)


def _not_text(data, strict=True):
    """True when ``data`` holds control bytes or (``strict``) invalid UTF-8 (a cut at its end is fine)."""
    if _CONTROL_BYTES.search(data):
        return True
    if not strict:  # text with stray bytes, which the caller reads with encoding_errors
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _looks_binary(head, strict=True):
    """True when ``head``, a file's first bytes, is a word2vec header followed by binary vectors.

    After the first word and its space a binary file holds ``4 * dim`` raw bytes, which include
    control bytes or invalid UTF-8 all but surely; a text file holds ``dim`` numbers up to the line
    end, at least ``2 * dim - 1`` bytes of plain text (more words of a word with spaces do no harm).
    With ``strict=False`` (text read with ``encoding_errors``, whose words may hold stray bytes)
    only control bytes count.
    """
    header, newline, rest = head.removeprefix(codecs.BOM_UTF8).partition(b"\n")
    fields = header.split()
    if not newline or not _is_header(fields):
        return False
    dim = int(fields[1])
    space = rest.find(b" ")
    if space < 0:
        return False
    vector = rest[space + 1:space + 1 + 4 * dim]
    line = vector.split(b"\n", 1)[0]
    # a shorter line is a damaged text line, or a binary vector with an early newline byte: look at all
    return _not_text(line if len(line) >= 2 * dim - 1 else vector, strict)


def _looks_text(head):
    """True when ``head`` is a word2vec text header and a whole first row of ``dim`` numbers (a text
    file whatever its name: ``vectors.bin`` saved as text)."""
    header, newline, rest = head.removeprefix(codecs.BOM_UTF8).partition(b"\n")
    fields = header.split()
    if not newline or not _is_header(fields):
        return False
    line, newline, _ = rest.partition(b"\n")
    try:
        values = line.decode("utf-8").split()[1:]
        return bool(newline) and len(values) >= int(fields[1]) and all(np.isfinite(float(v)) for v in values)
    except ValueError:  # not UTF-8 (UnicodeDecodeError is a ValueError) or not numbers
        return False


def _sniff(path, strict=True):
    head = _read_head(path)
    if len(head) >= 4 and struct.unpack("<i", head[:4])[0] == _FASTTEXT_MAGIC:
        return "fasttext"
    lower = str(path).lower()
    if lower.endswith((".kv", ".model", ".wv")):
        return "gensim"
    if _looks_binary(head, strict) or (lower.endswith(_BINARY_SUFFIXES) and not _looks_text(head)):
        return "word2vec-binary"
    return "text"


def load_embeddings(path, *, fmt="auto", max_vocab=None, dtype=np.float32,
                    encoding_errors="strict", on_duplicate="error", progress=True):
    """Load word vectors into a ``gensim.models.KeyedVectors``.

    Parameters
    ----------
    path : str or path-like
        ``.gz``, ``.bz2`` and ``.xz`` files are decompressed on the fly.
    fmt : {'auto', 'word2vec', 'glove', 'word2vec-binary', 'fasttext', 'gensim', 'npy'}
        ``'auto'`` reads a ``.npy`` file as offramp's native format (the matrix, memory-mapped, and
        ``NAME.vocab`` beside it: :func:`write_npy`) and sniffs the others.
    max_vocab : int, optional
        Keep only the first ``max_vocab`` words (files are ordered by frequency).
    dtype : numpy dtype, default float32
        The vectors are checked for NaN and infinity as stored in this type.
    encoding_errors : {'strict', 'replace', 'ignore'}
        What to do with bytes that are not UTF-8 (text formats).
    on_duplicate : {'error', 'first'}
        A word that appears twice is an error, or the first occurrence wins (text and word2vec
        binary formats).
    progress : bool, default True
        Show a tqdm bar on stderr over the words of a text file of 16 MiB or more (smaller files,
        and the binary formats, which gensim reads, show none).

    Returns
    -------
    kv : KeyedVectors
        ``kv.vectors`` is an ndarray of shape (n_words, dim) of ``dtype``.

    Raises
    ------
    FormatError
        A damaged file, or one in another format than ``fmt``; the message names the file, the
        line where known, and a fix.
    """
    path = os.fspath(path)
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}; got {fmt!r}")
    if max_vocab is not None and max_vocab < 1:
        raise ValueError(f"max_vocab must be a positive integer; got {max_vocab}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such embedding file")
    kind = fmt
    if fmt == "npy" or (fmt == "auto" and path.lower().endswith(".npy")):
        return _read_npy(path, max_vocab, dtype, on_duplicate)
    if fmt == "auto":
        kind = _sniff(path, strict=encoding_errors == "strict")
    elif fmt in ("word2vec", "glove") and _looks_binary(_read_head(path), encoding_errors == "strict"):
        raise FormatError(path, 2, f"expected {fmt} text, got raw bytes after the header", _BINARY_FIX)
    if kind in ("text", "word2vec", "glove"):
        return _read_text(path, None if kind == "text" else kind, max_vocab, dtype, encoding_errors, on_duplicate,
                          progress)
    # gensim reads binary files in one call: the bar names the file while it runs (a fastText
    # model of several GB takes minutes) and counts its words when it is done
    with _reading_bar(path, None, progress) as bar:
        kv = _read_gensim(path, kind, max_vocab, dtype, on_duplicate)
        bar.update(len(kv))
    return kv


class _DuplicateLog(logging.Handler):
    """Collects the words that gensim's word2vec reader logs as duplicates, in this thread."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.words = []

    def emit(self, record):
        if record.thread == self.thread and str(record.msg).startswith("duplicate word") and record.args:
            self.words.append(record.args[0])


def _read_word2vec_binary(path, max_vocab, dtype, on_duplicate):
    """gensim's word2vec binary reader, with duplicate words handled like the text reader does.

    gensim keeps the first of two equal words, logs a warning and leaves a ``None`` key (and a zero
    row) at the end for each duplicate. With ``on_duplicate='first'`` these are cut off, and the
    file is read again with a larger limit when duplicates left fewer than ``max_vocab`` words.
    """
    from gensim.models import KeyedVectors

    _check_word2vec_binary_size(path)
    logger = logging.getLogger("gensim.models.keyedvectors")
    limit = max_vocab
    while True:
        log = _DuplicateLog()
        logger.addHandler(log)
        try:
            kv = KeyedVectors.load_word2vec_format(path, binary=True, limit=limit, datatype=dtype,
                                                   unicode_errors="strict")
        finally:
            logger.removeHandler(log)
        n_rows, n_words = len(kv.index_to_key), len(kv.key_to_index)
        if n_words == n_rows:
            return kv
        if on_duplicate == "error":
            if log.words:
                word = log.words[0]
                problem = f"duplicate word {word!r} (first at row {kv.key_to_index[word] + 1})"
            else:  # gensim's logging is switched off
                problem = f"duplicate words: {n_rows - n_words} of the {n_rows} rows repeat an earlier word"
            raise FormatError(path, None, problem, _DUPLICATE_FIX)
        kv = subset(kv, kv.index_to_key[:n_words])
        if max_vocab is None or n_words == max_vocab or n_rows < limit:  # n_rows < limit: the whole file
            return kv
        limit += max_vocab - n_words


#: Float vectors barely compress: a compressed file whose header claims more than this many times its own
#: size is decompressed (and counted, not kept) before the claim is believed.
_PLAUSIBLE_RATIO = 20


def _check_word2vec_binary_size(path):
    """Refuse a word2vec binary file whose header declares more rows than the file can hold (each row is at
    least a one-byte word, a space and ``dim`` float32 values), before gensim allocates the matrix the
    header claims. A compressed file is measured decompressed, in blocks, when the claim is out of
    proportion to its size."""
    with open_binary(path) as handle:
        header = handle.readline(200)
    fields = header.split()
    if len(fields) != 2 or not all(f.isdigit() for f in fields):
        return  # the reader names a bad header
    n_words, dim = int(fields[0]), int(fields[1])
    need = len(header) + n_words * (2 + 4 * dim)
    size = os.path.getsize(path)
    if decompressor(path) is not None:
        if need <= _PLAUSIBLE_RATIO * size:
            return
        size = 0
        with open_binary(path) as handle:
            while size < need:
                block = handle.read(1 << 20)
                if not block:
                    break
                size += len(block)
    if need > size:
        raise FormatError(path, 1, f"the header declares {n_words} words of {dim} dimensions (at least {need} bytes), "
                                   f"but the file holds {size} bytes", "the file may be truncated, or its header "
                                   "damaged: fix the header's word count or download the file again")


def _check_fasttext_size(path):
    """Refuse a Facebook fastText ``.bin`` too short for the matrix its header declares.

    gensim (4.4) loops forever on a file cut inside its word list, so the size is checked before
    gensim reads it. The header: magic and version, 12 int32 training arguments (``dim`` first,
    ``bucket`` ninth, the model eighth) and a double, then the dictionary's word count. The input
    matrix alone holds ``(words + bucket) x dim`` float32 values. A supervised model raises
    NotImplementedError, as gensim does, before its (quantised) size is judged.
    """
    if decompressor(path) is not None:
        raise FormatError(path, None, "a compressed fastText .bin cannot be read in place",
                          "decompress it first (gunzip / bunzip2 / unxz) and pass the .bin")
    with open(path, "rb") as handle:
        head = handle.read(68)
    if len(head) >= 40 and struct.unpack("<i", head[36:40])[0] == _SUPERVISED:
        raise NotImplementedError("a supervised fastText model (.ftz or supervised .bin)")
    if len(head) < 68:
        raise FormatError(path, None, f"the fastText header is cut short ({len(head)} bytes)", _TRUNCATED_FIX)
    dim, bucket, n_words = _fasttext_header(head)
    if min(dim, bucket, n_words) < 0:
        raise FormatError(path, None, f"the fastText header is damaged (dim {dim}, bucket {bucket}, "
                                      f"words {n_words})", _TRUNCATED_FIX)
    need = (n_words + bucket) * dim * 4
    size = os.path.getsize(path)
    if size < need:
        raise FormatError(path, None, f"the file holds {size} bytes, fewer than the {n_words + bucket} x {dim} "
                                      f"float32 matrix its header declares ({need} bytes)", _TRUNCATED_FIX)


def _fasttext_header(head):
    """``(dim, bucket, n_words)`` of a fastText ``.bin`` from its first 68 bytes: magic and version, 12
    int32 training arguments (``dim`` first, ``bucket`` ninth) and a double, then the dictionary's
    word count."""
    dim, bucket = struct.unpack("<i", head[8:12])[0], struct.unpack("<i", head[40:44])[0]
    return dim, bucket, struct.unpack("<i", head[64:68])[0]


_TRUNCATED_FIX = "the file may be truncated: download the model again, or save it again"
_SUPERVISED = 3  # fastText's model_name enum: cbow 1, skipgram 2, supervised 3


def _read_gensim(path, kind, max_vocab, dtype, on_duplicate):
    from gensim.models import KeyedVectors

    try:
        with np.errstate(over="ignore"):  # a cast to a narrower dtype may overflow: reported below
            if kind == "word2vec-binary":
                kv = _read_word2vec_binary(path, max_vocab, dtype, on_duplicate)
            elif kind == "fasttext":
                from gensim.models.fasttext import load_facebook_vectors

                _check_fasttext_size(path)
                kv = load_facebook_vectors(path)
            else:
                from gensim.utils import SaveLoad

                obj = SaveLoad.load(path)
                kv = getattr(obj, "wv", obj)
                if not isinstance(kv, KeyedVectors):
                    raise FormatError(path, None,
                                      f"expected gensim KeyedVectors or a model with .wv, got {type(obj).__name__}",
                                      "save with model.wv.save(path)")
    except FormatError:
        raise
    except UnicodeDecodeError as exc:
        raise FormatError(path, None, f"a word is not valid UTF-8 ({exc.reason})",
                          "re-export the vectors with UTF-8 words") from None
    except NotImplementedError as exc:  # gensim reads unsupervised fastText models only
        raise FormatError(path, None, f"could not read as {kind}: {exc}",
                          "a supervised model holds no word vectors for alignment: export them with fastText's "
                          "print-word-vectors, or use an unsupervised model") from None
    except AssertionError as exc:  # gensim's check that a matrix holds all its rows
        raise FormatError(path, None, f"could not read as {kind}: {exc}", _TRUNCATED_FIX) from None
    except (ValueError, EOFError, struct.error, OSError, pickle.UnpicklingError) as exc:
        raise FormatError(path, None, f"could not read as {kind}: {exc}",
                          "check --format (word2vec, glove, word2vec-binary, fasttext, gensim)") from None
    if max_vocab is not None and len(kv) > max_vocab and kind != "word2vec-binary":
        kv = subset(kv, kv.index_to_key[:max_vocab])
    if kv.vectors.dtype != dtype:
        with np.errstate(over="ignore"):
            kv.vectors = kv.vectors.astype(dtype)
    from ...alignment import nonfinite_rows  # here: importing it probes for CuPy, which no reader needs

    bad_rows = nonfinite_rows(kv.vectors)  # on the values as stored, after the cast to dtype
    if bad_rows.size:
        bad = int(bad_rows[0])
        raise FormatError(path, None,
                          f"the vector of {kv.index_to_key[bad]!r} (row {bad + 1}) contains NaN or infinity",
                          "drop or repair that row")
    return kv


def subset(kv, words):
    """A new ``KeyedVectors`` with only ``words`` (in that order); counts are kept.

    Parameters
    ----------
    kv : KeyedVectors
    words : sequence of str, length n
        Words of ``kv`` (a missing one raises ``KeyError``).

    Returns
    -------
    KeyedVectors
        ``vectors`` of shape (n, kv.vector_size), a copy.
    """
    idx = np.array([kv.key_to_index[w] for w in words], dtype=np.int64)
    counts = None
    if len(kv) and "count" in kv.expandos:
        counts = np.asarray(kv.expandos["count"])[idx]
    return _keyed_vectors(list(words), np.ascontiguousarray(kv.vectors[idx]), counts)


def word_counts(kv):
    """Corpus frequencies when the file carries them, else ``None``.

    Parameters
    ----------
    kv : KeyedVectors

    Returns
    -------
    ndarray of shape (len(kv),), or None
        ``None`` also when every count is 0 (a file without frequencies).
    """
    if "count" in kv.expandos and np.asarray(kv.expandos["count"]).any():
        return np.asarray(kv.expandos["count"])
    return None


def check_writable(kv):
    """Raise ``ValueError`` when a word of ``kv`` cannot be written as word2vec text or binary.

    Words end at a space (a TAB too, for the reader) and lines at a line break, so a word must be
    non-empty and hold none of ``' '``, ``'\\t'``, ``'\\n'``, ``'\\r'``; any other character, U+00A0
    included, is fine. Callers that write several files can check them all before writing any.

    Parameters
    ----------
    kv : KeyedVectors
    """
    for word in kv.index_to_key:
        text = str(word)
        if not text or _UNWRITABLE.search(text):
            raise ValueError(f"word {word!r} is empty or contains a space, TAB or line break; "
                             "it cannot be written as word2vec")


def save_embeddings(kv, path, *, binary=False, header=True):
    """Write ``kv`` as word2vec text (or binary) that gensim reads back exactly.

    The file is written to a temporary sibling and renamed, so a crash leaves no half file.

    Parameters
    ----------
    kv : KeyedVectors
        Its words must pass :func:`check_writable`; nothing is written otherwise.
    path : str or path-like
    binary : bool, default False
        word2vec binary instead of text.
    header : bool, default True
        ``False`` writes GloVe-style text (no ``"n_words dim"`` line).

    Returns
    -------
    path : str
    """
    with contextlib.ExitStack() as outputs:
        return save_in(outputs, kv, path, binary=binary, header=header)


def save_in(outputs, kv, path, *, binary=False, header=True):
    """Write ``kv`` to ``path`` within ``outputs`` (a :class:`contextlib.ExitStack` of atomic writes: every
    file is renamed into place only when all of them are written), in the format its name asks for: the
    native ``.npy`` with its vocabulary, else word2vec text (or binary; ``header=False``: GloVe)."""
    path = os.fspath(path)
    check_writable(kv)
    if path.endswith(".npy"):
        write_npy(kv, outputs.enter_context(atomic_path(path)), outputs.enter_context(atomic_path(vocab_path(path))))
    else:
        kv.save_word2vec_format(outputs.enter_context(atomic_path(path)), binary=binary, write_header=header)
    return path


def vocab_path(npy_path):
    """The vocabulary file of a native ``.npy`` space: ``en.mapped.npy`` -> ``en.mapped.vocab``."""
    return os.fspath(npy_path)[:-len(".npy")] + ".vocab"


def write_npy(kv, npy_file, vocab_file):
    """The native format: the float32 matrix as ``.npy`` (NumPy's format, memory-mappable) in ``npy_file``
    and the words, most frequent first, as ``word<TAB>count`` lines (UTF-8) in ``vocab_file``. The words
    must pass :func:`check_writable` (:func:`save_in` checks them)."""
    with open(npy_file, "wb") as handle:
        np.save(handle, np.ascontiguousarray(kv.vectors, dtype=np.float32))
    counts = word_counts(kv)
    with open(vocab_file, "w", encoding="utf-8", newline="\n") as handle:
        for i, word in enumerate(kv.index_to_key):
            handle.write(f"{word}\t{0 if counts is None else int(counts[i])}\n")


def _read_npy(path, max_vocab, dtype, on_duplicate):
    """A native ``.npy`` space, memory-mapped (copy on write): the matrix is paged in as it is used, so
    2M x 300 words open in a moment. The vocabulary file beside it must match the matrix."""
    vocab = vocab_path(path)
    if not os.path.exists(vocab):
        raise FormatError(path, None, f"no vocabulary beside it ({os.path.basename(vocab)})",
                          "a native .npy space is two files, NAME.npy and NAME.vocab, as offramp writes them")
    try:
        matrix = np.load(path, mmap_mode="c", allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise FormatError(path, None, f"not a NumPy .npy matrix ({exc})", _TRUNCATED_FIX) from None
    if matrix.ndim != 2 or matrix.dtype.kind != "f":
        raise FormatError(path, None, f"expected a 2-D float matrix, got {matrix.ndim}-D {matrix.dtype}",
                          "write it with offramp (align --out-src NAME.npy, or offramp.save_embeddings)")
    words, counts = [], []
    with open(vocab, "rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if max_vocab is not None and len(words) >= max_vocab:
                break
            line = _decode(raw, vocab, lineno).rstrip("\n")
            word, tab, count = line.partition("\t")
            if not word or (tab and not count.isdigit()):
                raise FormatError(vocab, lineno, f"expected word<TAB>count, got {line[:60]!r}",
                                  "one word per line, most frequent first, with its count after a TAB")
            words.append(word)
            counts.append(int(count) if tab else 0)
    n = matrix.shape[0] if max_vocab is None else min(matrix.shape[0], max_vocab)
    if len(words) != n:
        raise FormatError(vocab, None, f"{len(words)} words for the {matrix.shape[0]} rows of {path}",
                          "the two files must come from one space: write them again together")
    if len(set(words)) != len(words):
        seen = {}
        for i, word in enumerate(words):
            if word in seen and on_duplicate == "error":
                raise FormatError(vocab, i + 1, f"duplicate word {word!r} (first at line {seen[word] + 1})",
                                  _DUPLICATE_FIX)
            seen.setdefault(word, i)
        keep = sorted(seen.values())
        words, counts, matrix = [words[i] for i in keep], [counts[i] for i in keep], matrix[keep]
        n = len(words)
    vectors = matrix[:n] if matrix.dtype == dtype else np.asarray(matrix[:n], dtype=dtype)
    for start in range(0, n, 1 << 16):  # in blocks: no boolean copy of the whole matrix
        bad = np.flatnonzero(~np.isfinite(vectors[start:start + (1 << 16)]).all(axis=1))
        if bad.size:
            row = start + int(bad[0])
            raise FormatError(path, None, f"the vector of {words[row]!r} (row {row + 1}) contains NaN or infinity",
                              "drop or repair that row")
    return make_keyed_vectors(words, vectors, np.asarray(counts, dtype=np.int64), copy=False)


def finite_vectors(kv, side="given", *, normalize=False, copy=True):
    """``kv.vectors`` as float32 on the host (unit length with ``normalize``), refusing a NaN or inf row
    by its word: the file readers refuse them already, and this catches vectors built or edited in
    memory. ``copy=False`` with ``normalize`` scales the rows of ``kv.vectors`` itself (when it is a
    writable float32 array), for a caller that read the vectors for this alone."""
    from ...alignment import nonfinite_rows
    from ...alignment.preprocess import unit

    V = np.asarray(kv.vectors, dtype=np.float32)
    bad = nonfinite_rows(V)
    if bad.size:
        more = f" (and {bad.size - 1} more)" if bad.size > 1 else ""
        raise ValueError(f"the {side} vector of {kv.index_to_key[bad[0]]!r} (row {bad[0] + 1}) holds NaN or "
                         f"infinity{more}; drop or repair those vectors")
    if not normalize:
        return V
    return unit(V, copy=copy or V is not kv.vectors or not V.flags.writeable)


def space_shape(path, fmt="auto"):
    """``(rows, dim)`` that reading a vector file holds, from its header alone: its words (and a fastText
    model's hash buckets, whose vectors gensim holds too); None where the header does not say (a GloVe
    file without one, a gensim model). For the memory estimate (:mod:`bootstrap.memory`).

    Parameters
    ----------
    path : path-like
    fmt : str
        As :func:`bootstrap.io.embeddings.load_embeddings` takes it.

    Returns
    -------
    tuple of int, or None
    """
    path = os.fspath(path)
    try:
        if fmt == "npy" or (fmt == "auto" and path.lower().endswith(".npy")):
            with open(path, "rb") as handle:
                version = np.lib.format.read_magic(handle)
                read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                               else np.lib.format.read_array_header_2_0)
                shape = read_header(handle)[0]
            return tuple(int(v) for v in shape) if len(shape) == 2 else None
        with open_binary(path) as handle:
            head = handle.read(_SNIFF_BYTES)
    except (OSError, ValueError, EOFError):
        return None  # the reader names what is wrong with it
    if len(head) >= 68 and struct.unpack("<i", head[:4])[0] == _FASTTEXT_MAGIC:
        dim, bucket, n_words = _fasttext_header(head)  # gensim holds the words' and the buckets' vectors
        return (n_words + max(bucket, 0), dim) if dim > 0 and n_words > 0 else None
    fields = head.split(b"\n", 1)[0].decode("ascii", errors="replace").split()
    return (int(fields[0]), int(fields[1])) if _is_header(fields) else None


def load_pair(src_path, tgt_path, *, fmt="auto", max_vocab=None, on_duplicate="error", encoding_errors="strict",
              progress=True, fix="train both with the same --dim"):
    """Both vector files of a pair (see :func:`load_embeddings` for the options), refusing two spaces of
    different dimensions with ``fix`` as the advice.

    Returns
    -------
    src, tgt : KeyedVectors
    """
    read = {"fmt": fmt, "max_vocab": max_vocab, "on_duplicate": on_duplicate, "encoding_errors": encoding_errors,
            "progress": progress}
    src, tgt = load_embeddings(src_path, **read), load_embeddings(tgt_path, **read)
    if src.vector_size != tgt.vector_size:
        raise ValueError(f"{src_path} has {src.vector_size} dimensions and {tgt_path} has {tgt.vector_size}: "
                         f"the two spaces must have one dimension; {fix}")
    return src, tgt
