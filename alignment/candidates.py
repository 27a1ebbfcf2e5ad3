"""Candidate retrieval for evaluation, induction and re-ranking: whole-space column terms, each
query's best candidates (with extra candidates such as verse-aligned translations), and the pair
geometry that learned re-rankers read.

Array math on NumPy or CuPy (the namespace is read off the inputs); candidates come back as host
arrays. Searches over many queries run in slices of :data:`SLICE_ROWS` rows, so memory stays
bounded by a slice's candidates and a caller can count progress (``tick(m)`` after each slice).
"""
import numpy as np

from ._backend import get_namespace, to_numpy
from .retrieval import csls_reference, isf_normaliser, mean_topk_similarity, retrieve

#: Rows per search call where a search counts its rows: faiss searches queries 4096 at a time
#: anyway, so slices of this size add no search work, only a copy of the database per call.
SLICE_ROWS = 8192
#: Vector cells gathered at once for candidates' cosines (16 MB of float32): a large gather's fresh
#: pages cost more than its arithmetic (docs/defaults.md, "Gather block size").
_GATHER_CELLS = 1 << 22


def in_slices(search, n, tick=None, rows=SLICE_ROWS):
    """``search(slice)`` over consecutive slices of ``range(n)``, results joined along axis 0.

    ``search`` returns one array or a tuple of arrays (scores, indices), each with one row per
    position of its slice; ``tick(m)`` is called after each slice of ``m`` rows.
    """
    parts = []
    for start in range(0, n, rows):
        rows_here = slice(start, min(n, start + rows))
        parts.append(search(rows_here))
        if tick is not None:
            tick(rows_here.stop - start)
    if not parts:
        return search(slice(0, 0))
    if isinstance(parts[0], tuple):
        xp = get_namespace(*parts[0])
        return tuple(xp.concatenate(list(p)) for p in zip(*parts))
    return get_namespace(parts[0]).concatenate(parts)


def csls_r_tgt(X, Z, method, csls_k, tick=None):
    """CSLS's ``r`` term of every target word against the source space (its most frequent
    :data:`~alignment.retrieval.CSLS_REFERENCE` words), in slices of targets
    (``tick(m)`` after each); None for other methods. ``csls_r_tgt(Z, X, ...)`` is the sources' term."""
    if method != "csls":
        return None
    reference = csls_reference(X)
    return in_slices(lambda rows: mean_topk_similarity(Z[rows], reference, csls_k), Z.shape[0], tick)


def isf_log_norm(X, Z, beta, tick=None):
    """The inverted softmax's normaliser of every target word over the whole source space, in slices
    of targets (``tick(m)`` after each). ``isf_log_norm(Z, X, ...)`` is the way back's."""
    return in_slices(lambda rows: isf_normaliser(X, Z[rows], beta=beta), Z.shape[0], tick)


def plain_candidates(X, Z, queries, *, method, csls_k, beta, k, r_tgt=None, r_src=None, log_norm=None):
    """Each query's ``min(k, n_tgt)`` best candidates by plain retrieval, as host arrays."""
    xp = get_namespace(X)
    scores, index = retrieve(X[xp.asarray(queries)], Z, min(k, Z.shape[0]), method=method, csls_k=csls_k, X=X,
                             beta=beta, r_tgt=r_tgt, r_src=r_src, log_norm=log_norm)
    return to_numpy(scores), to_numpy(index)


def pair_cosines(X, Z, queries, index):
    """Host ndarray of shape (n_queries, m): ``X[queries[i]] . Z[index[i, c]]``, in blocks of queries so
    that the (block, m, dim) gather stays small for any vocabulary."""
    xp = get_namespace(X)
    step = max(1, _GATHER_CELLS // max(1, np.shape(index)[1] * Z.shape[1]))
    blocks = [to_numpy(xp.einsum("nd,nmd->nm", X[xp.asarray(queries[i:i + step])], Z[xp.asarray(index[i:i + step])]))
              for i in range(0, len(queries), step)]
    return np.concatenate(blocks) if blocks else np.zeros(np.shape(index), np.float32)


def candidate_pool(X, Z, queries, *, method, csls_k, beta, k, r_tgt=None, r_src=None, log_norm=None,
                   extra=None):
    """The candidates to re-rank (host arrays): the ``k`` best by retrieval, plus, with NN or CSLS
    retrieval, each query's ``extra`` candidates (e.g. its best translations by verse alignment) that
    are not among them, with their retrieval scores on the same scale.

    Parameters
    ----------
    X : array of shape (n_src, dim)
    Z : array of shape (n_tgt, dim)
    queries : int array of shape (n_queries,)
        Source rows.
    r_tgt, r_src : array of shape (n_tgt,) and (n_src,), optional
        CSLS's ``r`` terms of every target and every source word, used instead of computing them.
    log_norm : array of shape (n_tgt,), optional
        The inverted softmax's normaliser of every target (:func:`isf_log_norm`).
    extra : callable, optional
        ``extra(queries)`` -> ``(index, valid)``, host arrays of shape (n_queries, m): more
        candidates per query, and which of them are real.

    Returns
    -------
    scores : ndarray of shape (n_queries, k or k + m), float32
    index : ndarray of shape (n_queries, k or k + m), int64
        Rows padded with ``-inf``-scored repeats of their first candidate, which sort last.
    """
    xp = get_namespace(X)
    with_verses = extra is not None and method in ("nn", "csls") and len(queries) > 0
    if method != "csls":
        r_src = None
    elif r_src is not None:
        r_src = r_src[xp.asarray(queries)]
    elif with_verses:
        # the queries' r term, computed once for the retrieval and the verse candidates' scores
        r_src = mean_topk_similarity(X[xp.asarray(queries)], csls_reference(Z), csls_k)
    if with_verses and method == "csls" and r_tgt is None:
        r_tgt = csls_r_tgt(X, Z, method, csls_k)
    scores, index = plain_candidates(X, Z, queries, method=method, csls_k=csls_k, beta=beta, k=k, r_tgt=r_tgt,
                                     r_src=r_src, log_norm=log_norm)
    if not with_verses:
        return scores, index
    more, valid = extra(queries)
    valid = valid & ~(more[:, :, None] == index[:, None, :]).any(axis=2)
    more_scores = pair_cosines(X, Z, queries, more)
    if method == "csls":
        more_scores = 2 * more_scores - to_numpy(r_tgt)[more] - to_numpy(r_src)[:, None]
    more_scores = np.where(valid, more_scores, -np.inf).astype(np.float32)
    more = np.where(valid, more, index[:, :1])
    return np.concatenate([scores, more_scores], axis=1), np.concatenate([index, more], axis=1)


class BackMargins:
    """Each target word's best CSLS score over all source words (shape (n_tgt,), host float32),
    the reference of the trees' backward margin: computed for the targets asked for, and kept, so
    that the tuning words, the scored words and every slice of an ``induce`` search together cost at
    most one search of all targets.

    Parameters
    ----------
    X : ndarray of shape (n_src, dim)
    Z : ndarray of shape (n_tgt, dim)
    r_tgt : ndarray of shape (n_tgt,)
    r_src : ndarray of shape (n_src,)
        CSLS's ``r`` terms of both whole spaces.
    csls_k : int
    """

    def __init__(self, X, Z, r_tgt, r_src, csls_k):
        self.X, self.Z, self.r_tgt, self.r_src, self.csls_k = X, Z, r_tgt, r_src, csls_k
        self.best = np.zeros(Z.shape[0], dtype=np.float32)
        self.known = np.zeros(Z.shape[0], dtype=bool)

    def set(self, rows, best):
        """Record ``best`` (host array) as the best scores of the targets ``rows`` (a slice or indices)."""
        self.best[rows] = best
        self.known[rows] = True

    def __call__(self, targets):
        """The best scores of ``targets`` (host int array), searching for those not yet known."""
        targets = np.asarray(targets, dtype=np.int64)
        missing = np.unique(targets[~self.known[targets]])
        if missing.size:
            xp = get_namespace(self.X)
            rows = xp.asarray(missing)
            best, _ = retrieve(self.Z[rows], self.X, 1, method="csls", csls_k=self.csls_k, r_tgt=self.r_src,
                               r_src=self.r_tgt[rows])
            self.set(missing, to_numpy(best)[:, 0])
        return self.best[targets]


def csls_terms(X, Z, method, csls_k, r_tgt=None):
    """CSLS's ``r`` terms of every target and every source word (``r_tgt`` reused when CSLS made it)."""
    if method != "csls" or r_tgt is None:
        r_tgt = mean_topk_similarity(Z, csls_reference(X), csls_k)
    return r_tgt, mean_topk_similarity(X, csls_reference(Z), csls_k)


def tree_candidates(X, Z, queries, *, method, csls_k, beta, k, r_tgt=None, log_norm=None, extra=None,
                    margins=None):
    """The candidate pool of :func:`candidate_pool` with the geometry a learned re-ranker reads
    (host arrays): each pair's cosine, its backward CSLS margin (its CSLS minus the candidate's best
    CSLS over all source words: 0 for the candidate's own best source word, else negative, up to
    rounding) and the candidate's CSLS ``r`` term (hubness). ``margins``: a :class:`BackMargins` over
    the CSLS terms of :func:`csls_terms` (which it carries), made here when not given."""
    if margins is None:
        margins = BackMargins(X, Z, *csls_terms(X, Z, method, csls_k, r_tgt), csls_k)
    r_tgt_csls, r_src = margins.r_tgt, margins.r_src
    scores, index = candidate_pool(X, Z, queries, method=method, csls_k=csls_k, beta=beta, k=k,
                                   r_tgt=r_tgt_csls if method == "csls" else r_tgt, r_src=r_src,
                                   log_norm=log_norm, extra=extra)
    r_tgt_host, r_src_host = to_numpy(r_tgt_csls), to_numpy(r_src)
    cos = pair_cosines(X, Z, queries, index)
    csls = 2 * cos - r_src_host[np.asarray(queries)][:, None] - r_tgt_host[index]
    back = csls - margins(index.ravel()).reshape(index.shape) if index.size else np.zeros(index.shape, np.float32)
    return {"queries": np.asarray(queries), "index": index, "scores": scores, "cos": cos, "back": back,
            "hub": r_tgt_host[index]}


def translate(X, Z, n, k, *, method, csls_k, beta, mutual, step):
    """The first ``n`` source words' ``k`` best targets (host arrays), and with ``mutual`` each target's
    best source word (host int array, else None), as steps of ``step`` that count their rows.

    The searches run in slices of :data:`SLICE_ROWS` queries. The column terms (CSLS's ``r`` of
    the targets, the inverted softmax's normaliser) are computed once, before the slices; with
    ``mutual`` and CSLS, the sources' ``r`` term is computed once too and serves both directions
    (the forward search's query term and the backward search's column term), so the way back costs
    one search instead of three.
    """
    n_src, n_tgt = X.shape[0], Z.shape[0]
    r_tgt = log_norm = r_src = None
    if method == "csls":
        r_tgt = csls_r_tgt(X, Z, method, csls_k, step(f"CSLS r term of {n_tgt} target words", rows=n_tgt))
        if mutual:
            r_src = csls_r_tgt(Z, X, method, csls_k, step(f"CSLS r term of {n_src} source words", rows=n_src))
    elif method == "isf":
        log_norm = isf_log_norm(X, Z, beta, step(f"inverted-softmax normaliser of {n_tgt} target words", rows=n_tgt))

    def forward(rows):
        return retrieve(X[rows], Z, k, method=method, csls_k=csls_k, beta=beta, X=X, r_tgt=r_tgt,
                        r_src=None if r_src is None else r_src[rows], log_norm=log_norm)

    scores, index = in_slices(forward, n, step(f"translating {n} source words", rows=n))
    scores, index = to_numpy(scores), to_numpy(index)
    # the way back only for the targets some source chose: the rest cannot make a mutual pair
    back = back_translate(X, Z, method=method, csls_k=csls_k, beta=beta, step=step, r_tgt=r_tgt, r_src=r_src,
                          targets=np.unique(index)) if mutual else None
    return scores, index, back


def back_translate(X, Z, *, method, csls_k, beta, step, r_tgt=None, r_src=None, margins=None, targets=None):
    """Each target word's best source word (host int array of shape (n_tgt,)), by plain retrieval,
    in slices of :data:`SLICE_ROWS` targets with a counting step.

    ``targets`` (host int array): translate only these targets back (the others get -1), e.g. the
    forward search's hits, which are all that a mutual check reads; the search costs
    ``len(targets) x n_src`` instead of ``n_tgt x n_src``. Not with ``margins``, which need every target.

    ``r_tgt`` and ``r_src`` (CSLS's terms of all targets and all sources, the forward search's) are
    the backward search's query and column terms: given, they are not computed again (a missing
    ``r_tgt`` is computed per slice by the search); a missing ``r_src`` is a step of its own, as is
    the inverted softmax's normaliser over the targets. ``margins``: a :class:`BackMargins` over the
    same CSLS terms, which the way back's best scores fill as they come (CSLS only).
    """
    n_src, n_tgt = X.shape[0], Z.shape[0]
    back_norm = None
    if method == "csls" and r_src is None:
        r_src = csls_r_tgt(Z, X, method, csls_k, step(f"CSLS r term of {n_src} source words", rows=n_src))
    elif method == "isf":
        back_norm = isf_log_norm(Z, X, beta, step(f"inverted-softmax normaliser of {n_src} source words",
                                                  rows=n_src))

    if targets is not None and margins is not None:
        raise ValueError("back_translate: the margins need every target's way back; pass targets=None")
    xp = get_namespace(X)
    chosen = None if targets is None else xp.asarray(np.asarray(targets, dtype=np.int64))

    def backward(rows):
        queries = rows if chosen is None else chosen[rows]
        best, index = retrieve(Z[queries], X, 1, method=method, csls_k=csls_k, beta=beta, X=Z, r_tgt=r_src,
                               r_src=None if r_tgt is None else r_tgt[queries], log_norm=back_norm)
        if margins is not None and method == "csls":
            margins.set(rows, to_numpy(best)[:, 0])
        return index

    m = n_tgt if targets is None else len(targets)
    found = to_numpy(in_slices(backward, m, step(f"translating {m} target words back", rows=m)))[:, 0]
    if targets is None:
        return found
    back = np.full(n_tgt, -1, dtype=found.dtype)
    back[np.asarray(targets, dtype=np.int64)] = found
    return back
