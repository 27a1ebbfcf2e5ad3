"""Word associations from verse-aligned corpora: a seed and a re-ranking signal from Bibles.

Many under-resourced languages have a Bible, and its verse ids (``Gen.1.1``) align it with every
other translation: a small parallel corpus that needs no dictionary. Two words that are
translations of each other tend to occur in the same verses, which the Dice coefficient of their
verse sets measures (Levy, Søgaard and Goldberg 2017 found such sentence-id statistics a strong
baseline for Bible-sized data):

    dice(s, t) = 2 * |verses with s and t| / (|verses with s| + |verses with t|)

offramp uses it in two places:

* a seed (:meth:`VerseAssociation.pairs`, ``align --parallel-src/--parallel-tgt``): mutually best
  Dice pairs, where no dictionary exists and identical strings fail (Latvian, Finnish);
* a re-ranking feature ``parallel`` (``evaluate/induce --rerank ...,parallel``): each candidate
  pair's Dice, added to its retrieval score, for the words the verses cover.

``measure='ibm1'`` replaces Dice by IBM Model 1 (Brown et al. 1993): EM over the verse pairs
estimates ``p(t | s)`` and ``p(s | t)``, each verse's probability mass shared among the words that
could explain a word, and the score is their geometric mean. Where Dice credits every word of a
verse equally, Model 1 explains a word away once a better partner is in the verse (``the`` no
longer looks like a translation of everything), so its best target by score is right more often;
Dice is the default, since Model 1's gain is small for its extra seconds (docs/defaults.md).

Several translations per side are joined on the verse id: a verse's words on one side are the
union over that side's files. Verses present on one side only are ignored. Verses are tokenised as
for training; where the vocabulary was trained with elided words split off (``offramp train --lang fr``:
``l'``, ``eau``), a verse token such as ``l'eau`` that is not in the vocabulary counts as its two parts.
"""
import collections

import numpy as np
import scipy.sparse

from ...alignment import check_positive_int

from ..io.corpora import Corpus

__all__ = ["VerseAssociation", "verse_association", "read_verses", "ibm1_scores", "ibm1_directions",
           "PARALLEL_DEFAULTS", "MEASURES"]

#: Association measures of :func:`verse_association`.
MEASURES = ("dice", "ibm1")

#: Defaults of :meth:`VerseAssociation.pairs` (seed pairs): mutual best Dice, at least ``min_count``
#: shared verses and Dice at least ``min_score``. Loose thresholds, since more pairs outweigh less
#: precise ones for the self-learning (docs/defaults.md).
PARALLEL_DEFAULTS = {"min_score": 0.1, "min_count": 2, "max_rank": 20000}


def _as_paths(paths, name):
    if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__"):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise ValueError(f"{name}: give at least one verse-aligned corpus file (ID<TAB>text, e.g. a Bible .tsv)")
    return paths


def read_verses(paths, *, lowercase=True, encoding_errors="strict", exclude_ids=()):
    """The set of tokens of every verse id, joined over ``paths``.

    Parameters
    ----------
    paths : path-like or list of them
        ``ID<TAB>text`` files (every non-empty line must have an id); several files of one
        language (e.g. three English Bibles) are joined on the id.
    lowercase : bool, default True
        Tokenise as :func:`bootstrap.io.corpora.tokenize` does for training.
    exclude_ids : iterable of str, optional
        Verse ids to leave out (e.g. verses held out for an evaluation).

    Returns
    -------
    verses : dict of str -> set of str
    """
    paths = _as_paths(paths, "paths")
    verses = collections.defaultdict(set)
    corpus = Corpus(paths, lowercase=lowercase, id_column=True, encoding_errors=encoding_errors,
                    exclude_ids=exclude_ids)
    for line_id, tokens in corpus.items():
        verses[line_id].update(tokens)
    return dict(verses)


def _rows(word, key_to_index):
    """Vocabulary rows of a verse token: itself, or, for ``l'eau`` when the vocabulary holds ``l'``
    (trained with elisions split), those of ``l'`` and ``eau``."""
    row = key_to_index.get(word)
    if row is not None:
        return (row,)
    cut = word.find("'") + 1
    if 0 < cut < len(word) and word[:cut] in key_to_index:
        return (key_to_index[word[:cut]], *_rows(word[cut:], key_to_index))
    return ()


def _incidence(verses, ids, key_to_index, n_words):
    """Binary (n_verses, n_words) CSR matrix: which vocabulary words occur in which verse."""
    rows, cols = [], []
    for r, vid in enumerate(ids):
        found = {row for w in verses[vid] for row in _rows(w, key_to_index)}
        rows.extend([r] * len(found))
        cols.extend(found)
    data = np.ones(len(rows), dtype=np.float32)
    return scipy.sparse.csr_matrix((data, (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
                                   shape=(len(ids), n_words))


def _cooccurrence_triples(A, B, support):
    """Every (verse, source word, target word) co-occurrence whose pair is in ``support``.

    Returns ``(pair, src_token, tgt_token)``, int ndarrays of one length: the pair's position in
    ``support.data`` (CSR, sorted indices), and the positions of the verse's source and target
    tokens in ``A.indices`` and ``B.indices`` (one id per token, for the EM's normalisers).
    """
    n_tgt = support.shape[1]
    keys = np.repeat(np.arange(support.shape[0], dtype=np.int64), np.diff(support.indptr)) * n_tgt + support.indices
    pairs, src_tok, tgt_tok = [], [], []
    for v in range(A.shape[0]):
        a0, a1, b0, b1 = A.indptr[v], A.indptr[v + 1], B.indptr[v], B.indptr[v + 1]
        if a1 == a0 or b1 == b0:
            continue
        key = (A.indices[a0:a1, None].astype(np.int64) * n_tgt + B.indices[None, b0:b1]).ravel()
        pos = np.minimum(np.searchsorted(keys, key), keys.size - 1)
        ok = keys[pos] == key
        pairs.append(pos[ok])
        src_tok.append(np.repeat(np.arange(a0, a1), b1 - b0)[ok])
        tgt_tok.append(np.tile(np.arange(b0, b1), a1 - a0)[ok])
    # int32 where the ids fit: the triples (tens of millions for two Bibles) are the memory of Model 1
    dtype = np.int32 if max(support.nnz, A.nnz, B.nnz) < np.iinfo(np.int32).max else np.int64
    if not pairs:
        return (np.zeros(0, dtype=dtype),) * 3
    return tuple(np.concatenate(x).astype(dtype) for x in (pairs, src_tok, tgt_tok))


def _model1(pair, token, given, n_pairs, iterations):
    """One direction of IBM Model 1 on co-occurrence triples: ``p(word | given word)`` per pair.

    ``token`` names the explained word's occurrence (a verse's target token for ``p(t | s)``), so
    the expected counts of one occurrence sum to 1 over the words of the other side of its verse;
    ``given`` is each pair's conditioning word, over which the probabilities are normalised.
    """
    t = 1.0 / np.bincount(given)[given]  # uniform over each word's co-occurring words
    for _ in range(iterations):
        w = t[pair]
        norm = np.bincount(token, weights=w)
        counts = np.bincount(pair, weights=w / norm[token], minlength=n_pairs)
        t = counts / np.maximum(np.bincount(given, weights=counts)[given], np.finfo(np.float64).tiny)
    return t


def ibm1_scores(A, B, support, *, iterations=5):
    """IBM Model 1 association of the word pairs in ``support``: ``sqrt(p(t | s) * p(s | t))``.

    Parameters
    ----------
    A : scipy.sparse.csr_matrix of shape (n_verses, n_src)
        Which source words occur in which verse (binary).
    B : scipy.sparse.csr_matrix of shape (n_verses, n_tgt)
    support : scipy.sparse.csr_matrix of shape (n_src, n_tgt)
        The pairs to score (e.g. those sharing at least ``min_count`` verses); other pairs get no
        probability.
    iterations : int
        EM iterations per direction, from uniform probabilities.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_src, n_tgt), float32, values in [0, 1]
    """
    return _model1_matrices(A, B, support, iterations)[0]


def ibm1_directions(A, B, support, *, iterations=5):
    """IBM Model 1 in each direction on the pairs in ``support``: ``(p(t | s), p(s | t))``.

    Parameters are those of :func:`ibm1_scores`.

    Returns
    -------
    t_given_s, s_given_t : scipy.sparse.csr_matrix of shape (n_src, n_tgt), float32
        On ``support``'s sparsity pattern (sorted indices); rows of ``t_given_s`` and columns of
        ``s_given_t`` sum to 1 where a word has any pair.
    """
    return _model1_matrices(A, B, support, iterations)[1]


def _model1_matrices(A, B, support, iterations):
    """Both directions of Model 1 and their geometric mean (computed in float64, stored as float32):
    ``(scores, (t_given_s, s_given_t))``."""
    support = support.tocsr()
    support.sort_indices()
    n_pairs = support.nnz
    t_given_s = s_given_t = np.zeros(n_pairs)
    if n_pairs:  # else no pair to score (e.g. none shares min_count verses)
        pair, src_tok, tgt_tok = _cooccurrence_triples(A.tocsr(), B.tocsr(), support)
        if pair.size:
            rows = np.repeat(np.arange(support.shape[0]), np.diff(support.indptr))
            t_given_s = _model1(pair, tgt_tok, rows, n_pairs, iterations)
            s_given_t = _model1(pair, src_tok, support.indices, n_pairs, iterations)

    def matrix(values):
        return scipy.sparse.csr_matrix((values.astype(np.float32), support.indices.copy(), support.indptr.copy()),
                                       shape=support.shape)

    scores = matrix(np.sqrt(t_given_s * s_given_t))
    scores.eliminate_zeros()
    return scores, (matrix(t_given_s), matrix(s_given_t))


class VerseAssociation:
    """Association (Dice or IBM Model 1) of source and target words over shared verses.

    Build it with :func:`verse_association`. Rows and columns follow the two vocabularies it was
    built for (``src_words``, ``tgt_words``), i.e. the rows of the embedding spaces.

    Attributes
    ----------
    scores : scipy.sparse.csr_matrix of shape (n_src, n_tgt), float32
        Dice coefficient (or IBM Model 1 score, ``info['measure']``) of each word pair that shares at
        least ``min_count`` verses; 0 elsewhere.
    counts : scipy.sparse.csr_matrix of shape (n_src, n_tgt), float32
        Number of shared verses of the same pairs.
    src_words, tgt_words : list of str
    n_verses : int
        Verse ids present on both sides.
    info : dict
        Files, verse and pair counts, for reports.
    src_freq, tgt_freq : ndarray of shape (n_src,) and (n_tgt,), float32, or None
        Shared verses each word occurs in.
    directions : tuple of two scipy.sparse.csr_matrix of shape (n_src, n_tgt), or None
        ``(forward, backward)`` association of the same pairs: ``p(t | s)`` and ``p(s | t)`` for
        IBM Model 1; None for Dice, whose :meth:`directional` scores come from the counts.
    """

    def __init__(self, scores, counts, src_words, tgt_words, n_verses, info, *, src_freq=None, tgt_freq=None,
                 directions=None):
        self.scores = scores
        self.counts = counts
        self.src_words = list(src_words)
        self.tgt_words = list(tgt_words)
        self.n_verses = int(n_verses)
        self.info = dict(info)
        self.src_freq = None if src_freq is None else np.asarray(src_freq, dtype=np.float32)
        self.tgt_freq = None if tgt_freq is None else np.asarray(tgt_freq, dtype=np.float32)
        self.directions = directions

    def __repr__(self):
        return (f"VerseAssociation(n_src={len(self.src_words)}, n_tgt={len(self.tgt_words)}, "
                f"n_verses={self.n_verses}, nnz={self.scores.nnz})")

    def check_vocabularies(self, src_words, tgt_words):
        """Raise ``ValueError`` unless the association was built for these two vocabularies (row order)."""
        for side, mine, theirs in (("source", self.src_words, src_words), ("target", self.tgt_words, tgt_words)):
            theirs = list(theirs)
            if mine != theirs:
                raise ValueError(f"the verse association was built for another {side} vocabulary "
                                 f"({len(mine)} words, not these {len(theirs)}); build it with "
                                 "verse_association(..., src_words, tgt_words) for these embeddings")

    def pairs(self, *, min_score=PARALLEL_DEFAULTS["min_score"], min_count=PARALLEL_DEFAULTS["min_count"],
              max_rank=PARALLEL_DEFAULTS["max_rank"]):
        """Mutually best pairs by score (Dice or Model 1): a seed lexicon from the verses alone.

        Parameters
        ----------
        min_score : float, default 0.1
            Keep a pair only if its score is at least this (tuned for Dice; applied unchanged to
            Model 1 scores, whose seed it changes little).
        min_count : int, default 2
            ... and its words share at least this many verses.
        max_rank : int or None, default 20000
            Consider only the ``max_rank`` most frequent words of each vocabulary.

        Returns
        -------
        entries : list of (str, str)
            In source-frequency order; each word appears at most once per side.
        """
        if not 0 <= min_score <= 1:
            raise ValueError(f"min_score must be in [0, 1]; got {min_score!r}")
        min_count = check_positive_int(min_count, "min_count")
        scores = self.scores
        if max_rank is not None:
            scores = scores[:max_rank, :max_rank]
        counts = self.counts[:scores.shape[0], :scores.shape[1]]
        keep = scores.multiply(counts >= min_count).tocsr()
        keep.eliminate_zeros()
        if keep.nnz == 0:
            return []
        best_tgt = np.asarray(keep.argmax(axis=1)).ravel()
        best_val = np.asarray(keep.max(axis=1).toarray()).ravel()
        best_src = np.asarray(keep.argmax(axis=0)).ravel()
        rows = np.flatnonzero((best_val >= min_score) & (best_val > 0))
        rows = rows[best_src[best_tgt[rows]] == rows]
        return [(self.src_words[i], self.tgt_words[best_tgt[i]]) for i in rows]

    def top_targets(self, query_rows, m):
        """Each query's ``m`` best target rows by score (best first).

        Parameters
        ----------
        query_rows : ndarray of shape (n_queries,)
        m : int

        Returns
        -------
        index : ndarray of shape (n_queries, m), int64
            Target rows; entries where ``valid`` is False are 0.
        valid : ndarray of shape (n_queries, m), bool
            False where a word has fewer than ``m`` associated targets (or none: no verse).
        """
        query_rows = np.asarray(query_rows, dtype=np.int64)
        index = np.zeros((query_rows.shape[0], m), dtype=np.int64)
        valid = np.zeros((query_rows.shape[0], m), dtype=bool)
        indptr, indices, data = self.scores.indptr, self.scores.indices, self.scores.data
        for r, row in enumerate(query_rows):
            start, end = indptr[row], indptr[row + 1]
            if end > start:
                best = np.argsort(-data[start:end], kind="stable")[:m]
                index[r, :best.size] = indices[start:end][best]
                valid[r, :best.size] = True
        return index, valid

    def feature(self, query_rows, index):
        """Score (Dice or Model 1) of every (query, candidate) pair: the ``parallel`` re-ranking feature.

        Parameters
        ----------
        query_rows : ndarray of shape (n_queries,)
            Source rows.
        index : ndarray of shape (n_queries, k)
            Candidate target rows.

        Returns
        -------
        ndarray of shape (n_queries, k), float32, values in [0, 1]
        """
        query_rows, index = self._check_rows(query_rows, index)
        return self._lookup(self.scores, query_rows, index)

    @staticmethod
    def _lookup(matrix, query_rows, index):
        if index.size == 0:
            return np.zeros(index.shape, dtype=np.float32)
        rows = np.repeat(query_rows, index.shape[1])
        return np.asarray(matrix[rows, index.ravel()], dtype=np.float32).reshape(index.shape)

    def _check_rows(self, query_rows, index):
        query_rows = np.asarray(query_rows, dtype=np.int64)
        index = np.asarray(index, dtype=np.int64)
        if index.ndim != 2 or query_rows.shape != (index.shape[0],):
            raise ValueError(f"query_rows must have shape (n,) and index (n, k); got {query_rows.shape} "
                             f"and {index.shape}")
        return query_rows, index

    def shared_verses(self, query_rows, index):
        """Number of shared verses of every (query, candidate) pair (0 below ``min_count``).

        Parameters
        ----------
        query_rows : int ndarray of shape (n_queries,)
            Source rows.
        index : int ndarray of shape (n_queries, k)
            Candidate target rows.

        Returns
        -------
        ndarray of shape (n_queries, k), float32
        """
        query_rows, index = self._check_rows(query_rows, index)
        return self._lookup(self.counts, query_rows, index)

    def directional(self, query_rows, index):
        """The two one-sided associations of every (query, candidate) pair.

        IBM Model 1: ``p(t | s)`` and ``p(s | t)``; Dice: the share of the source word's verses
        that hold the target word, and the reverse (``|s and t| / |s|``, ``|s and t| / |t|``).

        Parameters
        ----------
        query_rows : int ndarray of shape (n_queries,)
            Source rows.
        index : int ndarray of shape (n_queries, k)
            Candidate target rows.

        Returns
        -------
        forward, backward : ndarray of shape (n_queries, k), float32, values in [0, 1]
        """
        query_rows, index = self._check_rows(query_rows, index)
        if self.directions is not None:
            return tuple(self._lookup(m, query_rows, index) for m in self.directions)
        shared = self._lookup(self.counts, query_rows, index)
        if self.src_freq is None or self.tgt_freq is None:
            raise ValueError("this verse association holds no verse frequencies; build it with verse_association()")
        return (shared / np.maximum(self.src_freq[query_rows], 1.0)[:, None],
                shared / np.maximum(self.tgt_freq[index], 1.0))


def verse_association(src_files, tgt_files, src_words, tgt_words, *, min_count=2, lowercase=True,
                      encoding_errors="strict", measure="dice", iterations=5, exclude_ids=()):
    """Association of two vocabularies over the verses their corpora share (Dice or IBM Model 1).

    Parameters
    ----------
    src_files, tgt_files : path-like or list of them
        ``ID<TAB>text`` corpora of each language with common ids (e.g. ``en.KJV.tsv``,
        ``en.ASV.tsv`` and ``fr.FreJND.tsv``).
    src_words, tgt_words : sequence of str
        The vocabularies (rows of the embedding spaces, e.g. ``kv.index_to_key``).
    min_count : int, default 2
        Drop pairs that share fewer verses (a single shared verse is noise and most of the pairs).
    lowercase : bool, default True
        Must match how the embeddings were trained (offramp trains lowercased).
    measure : {'dice', 'ibm1'}
        ``'dice'``: the Dice coefficient of the two words' verse sets; ``'ibm1'``: IBM Model 1,
        the geometric mean of ``p(t | s)`` and ``p(s | t)`` after ``iterations`` EM iterations
        (:func:`ibm1_scores`), over the same pairs.
    iterations : int, default 5
        EM iterations per direction for ``'ibm1'``.
    exclude_ids : iterable of str, optional
        Verse ids left out on both sides (verses held out for an evaluation).

    Returns
    -------
    VerseAssociation

    Raises
    ------
    FormatError
        A line without ``ID<TAB>``, non-UTF-8 bytes, or a file with no tokens (file and line named).
    ValueError
        The two sides share no verse id, or no vocabulary word occurs in the shared verses.
    """
    src_files = _as_paths(src_files, "src_files")
    tgt_files = _as_paths(tgt_files, "tgt_files")
    min_count = check_positive_int(min_count, "min_count")
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}; got {measure!r}")
    iterations = check_positive_int(iterations, "iterations")
    src_words, tgt_words = list(src_words), list(tgt_words)
    exclude_ids = frozenset(exclude_ids)
    src_verses = read_verses(src_files, lowercase=lowercase, encoding_errors=encoding_errors, exclude_ids=exclude_ids)
    tgt_verses = read_verses(tgt_files, lowercase=lowercase, encoding_errors=encoding_errors, exclude_ids=exclude_ids)
    ids = sorted(set(src_verses) & set(tgt_verses))
    if not ids:
        raise ValueError(f"the source files ({', '.join(map(str, src_files))}) and the target files "
                         f"({', '.join(map(str, tgt_files))}) share no verse id; parallel corpora must be "
                         "ID<TAB>text files whose ids name the same verses (e.g. Gen.1.1)")
    A = _incidence(src_verses, ids, {w: i for i, w in enumerate(src_words)}, len(src_words))
    B = _incidence(tgt_verses, ids, {w: i for i, w in enumerate(tgt_words)}, len(tgt_words))
    if A.nnz == 0 or B.nnz == 0:
        side = "source" if A.nnz == 0 else "target"
        raise ValueError(f"no {side} vocabulary word occurs in the {len(ids)} shared verses; are the "
                         "source and target files swapped, or the embeddings of another language?")
    counts = (A.T @ B).tocsr()  # shared verses per word pair, sparse
    counts.data[counts.data < min_count] = 0
    counts.eliminate_zeros()
    freq_src = np.asarray(A.sum(axis=0), dtype=np.float32).ravel()
    freq_tgt = np.asarray(B.sum(axis=0), dtype=np.float32).ravel()
    directions = None
    if measure == "ibm1":
        scores, directions = _model1_matrices(A, B, counts, int(iterations))
    else:
        coo = counts.tocoo()
        dice = (2.0 * coo.data / (freq_src[coo.row] + freq_tgt[coo.col])).astype(np.float32)
        scores = scipy.sparse.csr_matrix((dice, (coo.row, coo.col)), shape=counts.shape)
    info = {"src_files": [str(p) for p in src_files], "tgt_files": [str(p) for p in tgt_files],
            "n_verses": len(ids), "n_src_verses": len(src_verses), "n_tgt_verses": len(tgt_verses),
            "n_src_words_seen": int((freq_src > 0).sum()), "n_tgt_words_seen": int((freq_tgt > 0).sum()),
            "n_pairs": int(scores.nnz), "min_count": int(min_count), "measure": measure,
            **({"n_excluded_ids": len(exclude_ids)} if exclude_ids else {})}
    if measure == "ibm1":
        info["iterations"] = int(iterations)
    return VerseAssociation(scores, counts.astype(np.float32), src_words, tgt_words, len(ids), info,
                            src_freq=freq_src, tgt_freq=freq_tgt, directions=directions)


def resolve_association(parallel, src, tgt):
    """A :class:`VerseAssociation` for these two spaces, or None.

    ``parallel`` is None, an association (checked against the vocabularies), a pair
    ``(src_files, tgt_files)`` of verse-aligned corpora to build one from, or a triple
    ``(src_files, tgt_files, options)`` whose dict of options goes to
    :func:`verse_association` (e.g. ``{"measure": "ibm1"}``).
    """
    if parallel is None or isinstance(parallel, VerseAssociation):
        if parallel is not None:
            parallel.check_vocabularies(src.index_to_key, tgt.index_to_key)
        return parallel
    try:
        src_files, tgt_files, *options = parallel
        options = dict(options[0] or {}) if len(options) == 1 else ({} if not options else None)
    except (TypeError, ValueError):
        options = None
    if options is None:
        raise TypeError("parallel must be a VerseAssociation, a pair (src_files, tgt_files) of verse-aligned "
                        "corpora, or (src_files, tgt_files, options); got "
                        f"{type(parallel).__name__} {parallel!r:.80}")
    return verse_association(src_files, tgt_files, src.index_to_key, tgt.index_to_key, **options)


def builds_association(parallel):
    """True when ``parallel`` names corpora that :func:`resolve_association` reads (a step of its own)."""
    return parallel is not None and not isinstance(parallel, VerseAssociation)
