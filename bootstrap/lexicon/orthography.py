"""String features of candidate translation pairs (the word side of :mod:`alignment.rerank`).

Words are compared after *folding*: Unicode NFKD, combining marks dropped, case folded, so
that ``nación`` / ``nation`` or ``Šaul`` / ``Saul`` differ only where their letters do.
Similarity is ``1 - Levenshtein(a, b) / max(len(a), len(b))`` (rapidfuzz's normalised
similarity), in [0, 1].
"""
import unicodedata
from functools import lru_cache

import numpy as np

from ...alignment.rerank import FEATURES, rank_gap

__all__ = ["fold", "string_similarity", "candidate_features"]


@lru_cache(maxsize=200_000)
def fold(word):
    """The comparison form of a word: NFKD, no combining marks, case-folded."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def string_similarity(src_words, tgt_words, query_rows, index):
    """Normalised Levenshtein similarity of every (query, candidate) pair.

    Parameters
    ----------
    src_words : sequence of str
        Source vocabulary (row order).
    tgt_words : sequence of str
        Target vocabulary (row order).
    query_rows : ndarray of shape (n_queries,)
        Source rows of the queries.
    index : ndarray of shape (n_queries, k)
        Target rows of their candidates.

    Returns
    -------
    ndarray of shape (n_queries, k), float32, values in [0, 1]
    """
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cpdist

    query_rows = np.asarray(query_rows)
    index = np.asarray(index)
    if index.ndim != 2 or query_rows.shape != (index.shape[0],):
        raise ValueError(f"query_rows must have shape (n,) and index (n, k); got {query_rows.shape} and {index.shape}")
    if index.size == 0:
        return np.zeros(index.shape, dtype=np.float32)
    # each distinct word folded once; the pairs compared in one rapidfuzz call (C, no Python loop)
    distinct, inverse = np.unique(index, return_inverse=True)
    folded = [fold(tgt_words[int(j)]) for j in distinct]
    tgt = [folded[c] for c in inverse.ravel()]
    src = [fold(src_words[int(i)]) for i in query_rows for _ in range(index.shape[1])]
    return cpdist(src, tgt, scorer=Levenshtein.normalized_similarity, dtype=np.float32,
                  workers=1).reshape(index.shape)


def candidate_features(names, src_words, tgt_words, query_rows, index, *, association=None):
    """The named pair features of a candidate list, as host arrays.

    Parameters
    ----------
    names : sequence of {'ortho', 'freq', 'parallel'}
        ``ortho``: :func:`string_similarity`; ``freq``: :func:`alignment.rerank.rank_gap`
        (rows must be in frequency order, as offramp writes and gensim trains them);
        ``parallel``: verse co-occurrence (:meth:`bootstrap.lexicon.parallel.VerseAssociation.feature`).
    src_words, tgt_words : sequence of str
    query_rows : ndarray of shape (n_queries,)
    index : ndarray of shape (n_queries, k)
    association : bootstrap.lexicon.parallel.VerseAssociation, optional
        Required for ``'parallel'``; built for ``src_words`` and ``tgt_words``.

    Returns
    -------
    dict of str -> ndarray of shape (n_queries, k), float32
    """
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"unknown re-ranking feature(s) {unknown}; choose from {', '.join(FEATURES)}")
    query_rows = np.asarray(query_rows)
    index = np.asarray(index)
    out = {}
    for name in names:
        if name == "ortho":
            out[name] = string_similarity(src_words, tgt_words, query_rows, index)
        elif name == "parallel":
            if association is None:
                raise ValueError("re-ranking feature 'parallel' needs verse-aligned corpora of both languages "
                                 "(parallel=verse_association(...); CLI: --parallel-src FILE --parallel-tgt FILE)")
            out[name] = association.feature(query_rows, index)
        else:
            out[name] = np.asarray(rank_gap(query_rows, index), dtype=np.float32)
    return out
