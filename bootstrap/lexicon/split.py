"""Frequency-matched train/test dictionaries for embeddings trained on one's own small corpora.

Published test dictionaries (MUSE's 5000-6500 split) were drawn for Wikipedia-sized vocabularies;
on a corpus of a million tokens most of their words are missing. ``split`` rebuilds a train and a
test dictionary from a gold dictionary and the user's own vocabularies:

1. keep the pairs with both words in the vocabularies (the out-of-vocabulary counts are reported);
2. rank the remaining source words by frequency (their position in the source vocabulary);
3. walk down the ranking: every ``test_every``-th word goes to test until it holds ``n_test``
   words; all other words go to train until it holds ``max_train`` words;
4. keep all gold translations of a source word together, in one of the two sets.

Train and test therefore cover the same frequency band and never share a source word.
"""
import os

from ..io.atomic import atomic_open, check_distinct
from ..io.dictionaries import iter_lines, group_by_source, lookup_pairs, read_dictionary
from ..errors import FormatError
from ..signature import make_signature

VOCAB_FORMATS = ("auto", "embeddings", "words", "counts")


def _check_count(value, name, *, minimum, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        allowed = f"an integer >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{name} must be {allowed}; got {value!r}")


def frequency_split(entries, src_words, tgt_words, *, n_test=1000, max_train=5000, test_every=3, offset=0,
                    path=None):
    """Split a dictionary into frequency-matched train and test dictionaries.

    Parameters
    ----------
    entries : list of (str, str)
        The gold dictionary.
    src_words : sequence of str
        Source vocabulary in descending frequency; a word's rank is its position (0-based).
    tgt_words : collection of str
        Target vocabulary.
    n_test : int, default 1000
        Source words in the test dictionary (fewer when the vocabularies do not have enough).
    max_train : int or None, default 5000
        At most this many source words in the train dictionary; None for no cap.
    test_every : int, default 3
        The usable source word at position ``j`` (0-based, in frequency order) goes to test when
        ``j % test_every == offset``, until test holds ``n_test`` words.
    offset : int, default 0
        Which of each ``test_every`` consecutive words is the test word, in ``[0, test_every)``;
        a different offset gives a disjoint test set of the same frequency band.
    path : str, optional
        The dictionary's file, named in errors.

    Returns
    -------
    train_entries, test_entries : list of (str, str)
        Ordered by source frequency rank, then by the dictionary's order of translations.
    info : dict
        The coverage report of :func:`bootstrap.io.dictionaries.lookup_pairs` (``n_entries``,
        ``n_pairs_in_vocab``, ``src_oov``, ...) plus ``n_usable_src_words``, ``n_test_words``,
        ``n_test_pairs``, ``n_train_words``, ``n_train_pairs``, ``n_unused_words`` (usable words in
        neither set once both are full), and ``test_src_ranks`` / ``train_src_ranks``: the
        ``[lowest, highest]`` 0-based frequency ranks of their source words (None when empty).

    Raises
    ------
    ValueError
        Bad parameters, or no dictionary pair in the vocabularies (the message says whether
        swapping source and target would match).
    """
    _check_count(n_test, "n_test", minimum=0)
    _check_count(max_train, "max_train", minimum=0, allow_none=True)
    _check_count(test_every, "test_every", minimum=1)
    _check_count(offset, "offset", minimum=0)
    if offset >= test_every:
        raise ValueError(f"offset must be in [0, test_every) = [0, {test_every}); got {offset}")
    if isinstance(src_words, (str, bytes)) or isinstance(tgt_words, (str, bytes)):
        raise TypeError("src_words and tgt_words must be collections of words, not strings")
    src_rank = {}
    for word in src_words:
        src_rank.setdefault(word, len(src_rank))
    tgt_index = {word: i for i, word in enumerate(tgt_words)}
    entries = list(entries)
    _, coverage = lookup_pairs(entries, src_rank, tgt_index, path=path)

    groups = group_by_source((s, t) for s, t in entries if s in src_rank and t in tgt_index)
    ranked = sorted(groups, key=src_rank.__getitem__)
    train_words, test_words = [], []
    cap = float("inf") if max_train is None else max_train
    for j, word in enumerate(ranked):
        if j % test_every == offset and len(test_words) < n_test:
            test_words.append(word)
        elif len(train_words) < cap:
            train_words.append(word)
        elif len(test_words) >= n_test:
            break

    def expand(words):
        return [(w, t) for w in words for t in groups[w]]

    def rank_range(words):
        return [src_rank[words[0]], src_rank[words[-1]]] if words else None

    train, test = expand(train_words), expand(test_words)
    info = dict(coverage)
    info.update(
        n_usable_src_words=len(ranked),
        n_test_words=len(test_words),
        n_test_pairs=len(test),
        n_train_words=len(train_words),
        n_train_pairs=len(train),
        n_unused_words=len(ranked) - len(test_words) - len(train_words),
        test_src_ranks=rank_range(test_words),
        train_src_ranks=rank_range(train_words),
        n_test=n_test, max_train=max_train, test_every=test_every, offset=offset,
    )
    return train, test, info


def _sniff_vocab(path):
    """'embeddings', 'words' or 'counts' from the first non-blank line of a text file."""
    lower = path.lower()
    if lower.endswith((".bin", ".kv", ".model", ".wv")):
        return "embeddings"
    for _, line in iter_lines(path):
        fields = line.split()
        if not fields:
            continue
        if len(fields) == 1:
            return "words"
        if len(fields) == 2 and fields[1].isdigit() and not fields[0].isdigit():
            return "counts"
        return "embeddings"
    raise FormatError(path, None, "the vocabulary file is empty",
                      "point to word vectors, a word-per-line file or a 'word<TAB>count' file")


def read_vocabulary(path, *, fmt="auto", on_duplicate="error", encoding_errors="strict", progress=True):
    """Words of a vocabulary in descending frequency.

    Parameters
    ----------
    path : str or path-like
        Word vectors (any format :func:`bootstrap.io.embeddings.load_embeddings` reads; their order,
        or their ``count`` attribute when present, gives the ranking), a file with one word per line
        (most frequent first), or a ``word<TAB>count`` file (any order; sorted by count, ties kept in
        file order).
    fmt : {'auto', 'embeddings', 'words', 'counts'}
        ``auto`` sniffs the first non-blank line: one field is a word list, a word and an integer a
        count file, anything else (a ``n_words dim`` header, a word and numbers) word vectors.
    on_duplicate, encoding_errors
        How word vectors with a repeated word or bytes that are not UTF-8 are read (see
        :func:`bootstrap.io.embeddings.load_embeddings`).
    progress : bool, default True
        Show a tqdm bar on stderr while a large text vector file is read (see
        :func:`bootstrap.io.embeddings.load_embeddings`).

    Returns
    -------
    words : list of str
    """
    if fmt not in VOCAB_FORMATS:
        raise ValueError(f"fmt must be one of {VOCAB_FORMATS}; got {fmt!r}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such vocabulary file")
    kind = _sniff_vocab(path) if fmt == "auto" else fmt
    if kind == "embeddings":
        import numpy as np

        from ..io.embeddings import load_embeddings, word_counts

        kv = load_embeddings(path, on_duplicate=on_duplicate, encoding_errors=encoding_errors, progress=progress)
        words = list(kv.index_to_key)
        counts = word_counts(kv)
        if counts is not None:
            order = np.argsort(-np.asarray(counts), kind="stable")
            words = [words[i] for i in order]
        return words
    words, counts, seen = [], [], {}
    for lineno, line in iter_lines(path):
        fields = line.split("\t") if "\t" in line else line.split()
        fields = [f.strip() for f in fields]
        if not any(fields):
            continue
        expected = 1 if kind == "words" else 2
        if len(fields) != expected or not all(fields):
            what = "a word" if kind == "words" else "'word<TAB>count'"
            raise FormatError(path, lineno, f"expected {expected} field{'s' if expected > 1 else ''}, "
                              f"got {len(fields)}", f"each line must be {what}")
        word = fields[0]
        if kind == "counts":
            if not fields[1].isdigit():
                raise FormatError(path, lineno, f"count of {word!r} is not a non-negative integer: {fields[1]!r}",
                                  "each line must be 'word<TAB>count'")
            count = int(fields[1])
        if word in seen:
            raise FormatError(path, lineno, f"duplicate word {word!r} (first at line {seen[word]})",
                              "deduplicate the vocabulary")
        seen[word] = lineno
        words.append(word)
        if kind == "counts":
            counts.append(count)
    if not words:
        raise FormatError(path, None, "the vocabulary file holds no words",
                          "point to word vectors, a word-per-line file or a 'word<TAB>count' file")
    if kind == "counts":
        order = sorted(range(len(words)), key=lambda i: -counts[i])
        words = [words[i] for i in order]
    return words


def split_dictionary(gold_path, src_vocab_path, tgt_vocab_path, out_train, out_test, *, fmt="auto",
                     lowercase=False, vocab_format="auto", n_test=1000, max_train=5000, test_every=3,
                     offset=0, sep="\t", on_duplicate="error", encoding_errors="strict", progress=True):
    """Read a gold dictionary and two vocabularies, split, and write train and test dictionaries.

    Parameters
    ----------
    gold_path : str or path-like
        The gold dictionary (MUSE, VecMap or TSV; see :func:`bootstrap.io.dictionaries.read_dictionary`).
    src_vocab_path, tgt_vocab_path : str or path-like
        Vocabularies: word vectors, a word-per-line file, or a ``word<TAB>count`` file
        (see :func:`read_vocabulary`).
    out_train, out_test : str or path-like
        Output dictionaries, written only when the split succeeds (both atomically).
    fmt : {'auto', 'muse', 'vecmap', 'tsv'}
        Format of the gold dictionary.
    lowercase : bool, default False
        Lowercase the gold dictionary.
    vocab_format : {'auto', 'embeddings', 'words', 'counts'}
    n_test, max_train, test_every, offset
        See :func:`frequency_split`.
    sep : str, default TAB
        Separator of the written dictionaries.
    on_duplicate, encoding_errors, progress
        Passed to :func:`read_vocabulary` for vocabularies given as word vectors.

    Returns
    -------
    info : dict
        As :func:`frequency_split`, plus the paths and the reproducibility ``signature``.
    """
    out_train, out_test = os.fspath(out_train), os.fspath(out_test)
    check_distinct({"out_train": out_train, "out_test": out_test},
                   {"gold dictionary": gold_path, "source vocabulary": src_vocab_path,
                    "target vocabulary": tgt_vocab_path})
    entries = read_dictionary(gold_path, fmt=fmt, lowercase=lowercase)
    read = {"fmt": vocab_format, "on_duplicate": on_duplicate, "encoding_errors": encoding_errors,
            "progress": progress}
    src_words = read_vocabulary(src_vocab_path, **read)
    tgt_words = read_vocabulary(tgt_vocab_path, **read)
    train, test, info = frequency_split(entries, src_words, tgt_words, n_test=n_test, max_train=max_train,
                                        test_every=test_every, offset=offset, path=os.fspath(gold_path))
    _write_both(train, out_train, test, out_test, sep)
    info.update(gold=os.fspath(gold_path), src_vocab=os.fspath(src_vocab_path),
                tgt_vocab=os.fspath(tgt_vocab_path), out_train=out_train, out_test=out_test)
    info["signature"] = make_signature(split="frequency", every=test_every, offset=offset, n_test=n_test,
                                       max_train=max_train, lowercase="yes" if lowercase else "no")
    return info


def _write_both(train, out_train, test, out_test, sep):
    if sep not in ("\t", " "):
        raise ValueError(f"sep must be a TAB or a space; got {sep!r}")
    for entries in (train, test):
        for src, tgt in entries:
            if sep in src or sep in tgt:
                raise ValueError(f"entry {(src, tgt)!r} contains the separator {sep!r}; write with sep='\\t'")
    # Both files are complete in temporary siblings before either is renamed into place.
    with atomic_open(out_train) as train_handle, atomic_open(out_test) as test_handle:
        for handle, entries in ((train_handle, train), (test_handle, test)):
            for src, tgt in entries:
                handle.write(f"{src}{sep}{tgt}\n")
