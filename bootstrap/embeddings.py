"""Reading and writing word embeddings; the in-memory container is gensim's ``KeyedVectors``.

Formats (``fmt``):

``auto``
    By extension and content: ``.bin`` is word2vec binary, or a fastText model when the file starts
    with fastText's magic number; ``.kv``/``.model`` is a gensim ``KeyedVectors`` (or a model with a
    ``.wv``); anything else is word2vec text, with the header sniffed (GloVe files have none).
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
file, line number and a fix; binary formats go through gensim.
"""
import gzip
import itertools
import os
import pickle
import struct

import numpy as np

from ._atomic import atomic_path
from .errors import FormatError

FORMATS = ("auto", "word2vec", "glove", "word2vec-binary", "fasttext", "gensim")
_FASTTEXT_MAGIC = 793712314


def _keyed_vectors(words, vectors, counts=None):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1], count=0, dtype=vectors.dtype)
    kv.add_vectors(list(words), vectors)
    if counts is not None:
        # gensim's set_vecattr takes one key at a time; fill the whole column at once.
        kv.allocate_vecattrs(attrs=["count"], types=[np.int64])
        kv.expandos["count"][:] = np.asarray(counts, dtype=np.int64)
    return kv


def make_keyed_vectors(words, vectors, counts=None, dtype=np.float32):
    """Build a ``KeyedVectors`` from a word list and an array.

    Parameters
    ----------
    words : list of str, length n
    vectors : ndarray of shape (n, dim)
    counts : array-like of shape (n,), optional
        Corpus frequencies, stored as the ``count`` attribute.
    """
    vectors = np.ascontiguousarray(vectors, dtype=dtype)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"expected vectors of shape ({len(words)}, dim); got {vectors.shape}")
    if len(set(words)) != len(words):
        raise ValueError("words must be unique")
    return _keyed_vectors(words, vectors, counts)


def _open_text(path):
    if str(path).endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _is_header(fields):
    return len(fields) == 2 and all(f.isdigit() for f in fields)


def _decode(raw, path, lineno):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(
            path, lineno,
            f"bytes are not UTF-8 (byte {raw[exc.start]:#04x} at column {exc.start + 1})",
            "re-encode the file as UTF-8, e.g. iconv -f latin1 -t utf-8, or pass encoding_errors='replace'",
        ) from None


def _ends_with_number(word):
    """True when a (space-containing) word ends in a number: the line has too many components."""
    head, _, last = word.rpartition(" ")
    if not head:
        return False
    try:
        float(last)
    except ValueError:
        return False
    return True


def _read_text(path, fmt, max_vocab, dtype, encoding_errors, on_duplicate):
    words, rows = [], []
    seen = {}
    dim = None
    declared = None
    with _open_text(path) as handle:
        first = handle.readline()
        if not first:
            raise FormatError(path, None, "the file is empty", "point to a word-vector file")
        text = (first.decode("utf-8", errors=encoding_errors) if encoding_errors != "strict"
                else _decode(first, path, 1))
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
        lineno = 1
        if has_header:
            declared, dim = int(fields[0]), int(fields[1])
            if dim <= 0:
                raise FormatError(path, 1, f"header declares dim={dim}", "the header must be 'n_words dim'")
        pending = [] if has_header else [first]
        for lineno, raw in enumerate(itertools.chain(pending, handle), start=2 if has_header else 1):
            if max_vocab is not None and len(words) >= max_vocab:
                break
            line = (raw.decode("utf-8", errors=encoding_errors) if encoding_errors != "strict"
                    else _decode(raw, path, lineno))
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if dim is None:
                parts = line.rstrip().split(" ")
                dim = len(parts) - 1
                if dim < 1:
                    raise FormatError(path, lineno, "expected a word followed by its vector components",
                                      "each line must be 'word x1 x2 ... xd'")
            parts = line.rstrip().rsplit(" ", dim)
            if len(parts) != dim + 1 or not parts[0] or _ends_with_number(parts[0]):
                got = len(line.split()) - 1
                raise FormatError(path, lineno, f"expected {dim} vector components, got {got}",
                                  "every line must have the dimension of the header (or of the first line)")
            word = parts[0]
            try:
                row = np.array(parts[1:], dtype=np.float64)
            except ValueError:
                raise FormatError(path, lineno, f"vector components of {word!r} are not numbers",
                                  "each line must be 'word x1 x2 ... xd'") from None
            if not np.all(np.isfinite(row)):
                raise FormatError(path, lineno, f"the vector of {word!r} contains NaN or infinity",
                                  "drop or repair that row")
            if word in seen:
                if on_duplicate == "error":
                    raise FormatError(path, lineno, f"duplicate word {word!r} (first at line {seen[word]})",
                                      "deduplicate the file, or pass on_duplicate='first' to keep the first")
                continue
            seen[word] = lineno
            words.append(word)
            rows.append(row)
    if not words:
        raise FormatError(path, None, "no vectors in the file", "point to a word-vector file")
    if declared is not None and max_vocab is None and len(words) < declared and on_duplicate == "error":
        raise FormatError(path, lineno, f"header declares {declared} words but the file holds {len(words)}",
                          "the file may be truncated; fix the header or re-export it")
    vectors = np.asarray(rows, dtype=dtype)
    return _keyed_vectors(words, vectors)


def _sniff(path):
    with open(path, "rb") as handle:
        head = handle.read(4)
    if len(head) == 4 and struct.unpack("<i", head)[0] == _FASTTEXT_MAGIC:
        return "fasttext"
    lower = str(path).lower()
    if lower.endswith((".kv", ".model", ".wv")):
        return "gensim"
    if lower.endswith(".bin"):
        return "word2vec-binary"
    return "text"


def load_embeddings(path, *, fmt="auto", max_vocab=None, dtype=np.float32,
                    encoding_errors="strict", on_duplicate="error"):
    """Load word vectors into a ``gensim.models.KeyedVectors``.

    Parameters
    ----------
    path : str or path-like
    fmt : {'auto', 'word2vec', 'glove', 'word2vec-binary', 'fasttext', 'gensim'}
    max_vocab : int, optional
        Keep only the first ``max_vocab`` words (files are ordered by frequency).
    dtype : numpy dtype, default float32
    encoding_errors : {'strict', 'replace', 'ignore'}
        What to do with bytes that are not UTF-8 (text formats).
    on_duplicate : {'error', 'first'}
        A word that appears twice is an error, or the first occurrence wins.

    Returns
    -------
    kv : KeyedVectors
        ``kv.vectors`` is an ndarray of shape (n_words, dim) of ``dtype``.
    """
    path = os.fspath(path)
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}; got {fmt!r}")
    if max_vocab is not None and max_vocab < 1:
        raise ValueError(f"max_vocab must be a positive integer; got {max_vocab}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such embedding file")
    kind = fmt
    if fmt == "auto":
        kind = _sniff(path)
    if kind in ("text", "word2vec", "glove"):
        return _read_text(path, None if kind == "text" else kind, max_vocab, dtype, encoding_errors, on_duplicate)
    return _read_gensim(path, kind, max_vocab, dtype)


def _read_gensim(path, kind, max_vocab, dtype):
    from gensim.models import KeyedVectors

    try:
        if kind == "word2vec-binary":
            kv = KeyedVectors.load_word2vec_format(path, binary=True, limit=max_vocab, datatype=dtype,
                                                   unicode_errors="strict")
        elif kind == "fasttext":
            from gensim.models.fasttext import load_facebook_vectors

            kv = load_facebook_vectors(path)
        else:
            from gensim.utils import SaveLoad

            obj = SaveLoad.load(path)
            kv = getattr(obj, "wv", obj)
            if not isinstance(kv, KeyedVectors):
                raise FormatError(path, None, f"expected gensim KeyedVectors or a model with .wv, got {type(obj).__name__}",
                                  "save with model.wv.save(path)")
    except FormatError:
        raise
    except UnicodeDecodeError as exc:
        raise FormatError(path, None, f"a word is not valid UTF-8 ({exc.reason})",
                          "re-export the vectors with UTF-8 words") from None
    except (ValueError, EOFError, struct.error, OSError, pickle.UnpicklingError) as exc:
        raise FormatError(path, None, f"could not read as {kind}: {exc}",
                          "check --format (word2vec, glove, word2vec-binary, fasttext, gensim)") from None
    if max_vocab is not None and len(kv) > max_vocab and kind != "word2vec-binary":
        kv = subset(kv, kv.index_to_key[:max_vocab])
    if kv.vectors.dtype != dtype:
        kv.vectors = kv.vectors.astype(dtype)
    if not np.all(np.isfinite(kv.vectors)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(kv.vectors), axis=1))[0])
        raise FormatError(path, None, f"the vector of {kv.index_to_key[bad]!r} (row {bad + 1}) contains NaN or infinity",
                          "drop or repair that row")
    return kv


def subset(kv, words):
    """A new ``KeyedVectors`` with only ``words`` (in that order); counts are kept."""
    idx = np.array([kv.key_to_index[w] for w in words], dtype=np.int64)
    counts = None
    if len(kv) and "count" in kv.expandos:
        counts = np.asarray(kv.expandos["count"])[idx]
    return _keyed_vectors(list(words), np.ascontiguousarray(kv.vectors[idx]), counts)


def word_counts(kv):
    """Corpus frequencies when the file carries them, else ``None``."""
    if "count" in kv.expandos and np.asarray(kv.expandos["count"]).any():
        return np.asarray(kv.expandos["count"])
    return None


def save_embeddings(kv, path, *, binary=False, header=True):
    """Write ``kv`` as word2vec text (or binary) that gensim reads back exactly.

    The file is written to a temporary sibling and renamed, so a crash leaves no half file.
    ``header=False`` writes GloVe-style text.
    """
    path = os.fspath(path)
    for word in kv.index_to_key:
        if not word or any(c.isspace() for c in word):
            raise ValueError(f"word {word!r} is empty or contains whitespace; it cannot be written as word2vec")
    with atomic_path(path) as tmp:
        kv.save_word2vec_format(tmp, binary=binary, write_header=header)
    return path
