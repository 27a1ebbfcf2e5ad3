"""A learned re-ranker of translation candidates: gradient-boosted trees over pair features.

The linear re-ranking of :mod:`alignment.rerank` adds a few weighted features to the retrieval
score, with weights searched on a grid. :class:`TreeRanker` instead learns, from a dictionary the
mapping was trained with, how a longer list of pair features decides which candidate is a
translation: gradient-boosted trees (scikit-learn's ``HistGradientBoostingClassifier``) score each
(query, candidate) row, and each query's candidates are re-ordered by that score.

Trees can use what a weighted sum cannot: interactions such as "an English word ending in *-ed*
goes with a Spanish one ending in *-ado*", or "prefer the most frequent member of a family of
candidates that share their first letters" (MUSE lists base forms, while small corpora often rank an
inflected form first). Such features matter most for inflecting languages, whose word endings and
families of inflected forms a weighted sum cannot read (docs/defaults.md, "Tree re-ranker parameters").

Feature groups (:func:`pair_table`), chosen by the re-ranking features the user names:

* always, from the mapped spaces: the retrieval score, its gap to the row's best, the candidate's
  position, the cosine, the backward CSLS margin (how far the query is from being the candidate's
  own best source word) and the candidate's hubness (CSLS's ``r`` term);
* ``ortho``: string similarity, the target's length, categorical word endings of both words
  (the most common 1-2 final characters of the target vocabulary, 2-3 of the source), and the
  candidate's *family* in its list (candidates sharing the first :data:`FAMILY_PREFIX` characters:
  their number, whether it is the family's best-scored and most frequent member);
* ``freq``: frequency-rank agreement and both words' frequency ranks;
* ``parallel``: the verse association (Dice or IBM Model 1), its two one-sided versions, its gap
  to the row's best, its rank in the row, the shared verses, the target's verses, and (with
  ``ortho``) the family's summed association.

The rows of a fit are every candidate of every dictionary word (labels: is it a gold translation).
The mapping was trained on the same dictionary, so its scores favour these words a little; fitting
crosswise on two halves of the dictionary instead (each scored by a map trained on the other)
brings no consistent gain and needs the alignments, which ``evaluate`` does not have.
"""
import collections
import time

import numpy as np

from ...alignment.rerank import FEATURES, gold_hits, rank_gap

from ..lexicon.orthography import string_similarity

__all__ = ["TreeRanker", "pair_table", "suffix_categories", "TREE_PARAMS", "FAMILY_PREFIX"]

#: Parameters of the boosted trees, set before any test words were scored and not tuned on them:
#: larger models and a faster learning rate do no better (docs/defaults.md).
TREE_PARAMS = {"learning_rate": 0.05, "max_iter": 300, "max_leaf_nodes": 15, "min_samples_leaf": 40,
               "l2_regularization": 1.0}
#: Candidates that share this many first characters form a family (a crude stem).
FAMILY_PREFIX = 4
#: Word-ending categories: (side, number of final characters, most common endings kept).
SUFFIXES = (("tgt", 1, 60), ("tgt", 2, 200), ("src", 2, 200), ("src", 3, 200))
#: Vocabulary rows the endings are counted on (the most frequent words).
SUFFIX_VOCAB = 30000
_BLOCK = 2048
#: HistGradientBoostingClassifier parameters the ranker sets itself.
_RESERVED = ("categorical_features", "early_stopping", "random_state")


def suffix_categories(words, n, m):
    """The ``m`` most common ``n``-character endings of ``words``, numbered from 1 (0: any other).

    Parameters
    ----------
    words : sequence of str
    n : int
        Characters of an ending; shorter words have none.
    m : int
        Endings kept (ties in first-seen order).

    Returns
    -------
    dict of str -> int
    """
    counts = collections.Counter(w[-n:] for w in words if len(w) >= n)
    return {ending: i + 1 for i, (ending, _) in enumerate(counts.most_common(m))}


def _check_groups(groups):
    """``groups`` if every name is a re-ranking feature group, else ``ValueError``."""
    unknown = sorted(set(groups) - set(FEATURES))
    if unknown:
        raise ValueError(f"unknown feature group(s) {unknown}; choose from {', '.join(FEATURES)}")
    return groups


def _word_values(words, rows, value):
    """``value(word)`` of the word in every cell of ``rows`` (int array), as float32 of its shape:
    computed once per distinct row, not per cell (a candidate list repeats its frequent targets)."""
    distinct, inverse = np.unique(rows, return_inverse=True)
    values = np.array([value(words[int(r)]) for r in distinct], dtype=np.float32)
    return values[inverse.reshape(rows.shape)] if distinct.size else np.zeros(rows.shape, np.float32)


def _family(prefix_ids, index, valid, scores, par):
    """Per candidate: size of its family in the row (candidates with the same prefix id), is it the
    family's best-scored and most frequent member, and (with ``par``) the family's summed association.

    Sorts the cells by (row, prefix) and reduces each run, so memory is linear in ``index.size``.
    Padding cells form families of their own and leave the real ones untouched.
    """
    n, k = index.shape
    rows = np.repeat(np.arange(n, dtype=np.int64), k)
    ids = np.where(valid.ravel(), prefix_ids[index.ravel()], -1 - np.arange(n * k, dtype=np.int64))
    order = np.lexsort((ids, rows))
    r, i = rows[order], ids[order]
    start = np.ones(order.size, dtype=bool)
    start[1:] = (r[1:] != r[:-1]) | (i[1:] != i[:-1])
    starts = np.flatnonzero(start)
    segment = np.empty(order.size, dtype=np.int64)
    segment[order] = np.cumsum(start) - 1
    segment = segment.reshape(n, k)
    out = {"family_size": np.bincount(segment.ravel()).astype(np.float32)[segment]}
    if order.size:
        best = np.maximum.reduceat(scores.ravel()[order], starts)
        first = np.minimum.reduceat(index.ravel()[order], starts)
        out["family_best"] = (scores >= best[segment]).astype(np.float32)
        out["family_most_frequent"] = (index <= first[segment]).astype(np.float32)
        if par is not None:
            out["family_parallel"] = np.add.reduceat(par.ravel()[order].astype(np.float64), starts)[segment]
    else:
        out.update({name: np.zeros((n, k), np.float32) for name in ("family_best", "family_most_frequent")})
        if par is not None:
            out["family_parallel"] = np.zeros((n, k), np.float32)
    return out


def pair_table(candidates, src_words, tgt_words, groups, *, association=None, categories=None,
               prefix_ids=None):
    """The feature table of a candidate list (see the module docstring for the features).

    Parameters
    ----------
    candidates : dict of str -> ndarray
        ``queries`` (n,), and of shape (n, k): ``index`` (target rows), ``scores`` (retrieval
        scores, ``-inf`` on padding), ``cos``, ``back`` (the pair's CSLS minus the candidate's best
        CSLS over all source words: 0 where the query is the candidate's own best source word, else
        negative) and ``hub`` (the candidates' CSLS ``r`` term).
    src_words, tgt_words : sequence of str
        Vocabularies in row (frequency) order.
    groups : sequence of {'ortho', 'freq', 'parallel'}
        Feature groups beyond the retrieval ones.
    association : bootstrap.lexicon.parallel.VerseAssociation, optional
        Required with ``'parallel'``.
    categories : dict, optional
        Word-ending tables ``{(side, n): {ending: id}}`` (needed with ``'ortho'``).
    prefix_ids : ndarray of shape (n_tgt,), optional
        Family id of every target row (needed with ``'ortho'``).

    Returns
    -------
    table : ndarray of shape (n, k, n_features), float32
    names : list of str
    valid : ndarray of shape (n, k), bool
        False on padding.
    """
    _check_groups(groups)
    if "parallel" in groups and (association is None or association.tgt_freq is None):
        raise ValueError("the 'parallel' features need a verse association with verse frequencies "
                         "(bootstrap.lexicon.parallel.verse_association builds one)")
    q = np.asarray(candidates["queries"], dtype=np.int64)
    index = np.asarray(candidates["index"], dtype=np.int64)
    n, k = index.shape
    raw = np.asarray(candidates["scores"], dtype=np.float32)
    valid = np.isfinite(raw)
    # padding gets a finite stand-in; its rows are never fitted or scored
    scores = np.where(valid, raw, np.float32(-4.0))
    best = np.max(np.where(valid, raw, -np.inf), axis=1, keepdims=True, initial=-np.inf)
    f = {"score": scores,
         "score_gap": np.where(np.isfinite(best), scores - best, 0.0),
         "position": np.log1p(np.broadcast_to(np.arange(k, dtype=np.float32), (n, k))),
         "cos": np.asarray(candidates["cos"], dtype=np.float32),
         "back": np.where(valid, np.asarray(candidates["back"], dtype=np.float32), -4.0),
         "hub": np.asarray(candidates["hub"], dtype=np.float32)}
    par = None
    if "parallel" in groups:
        par = association.feature(q, index)
        fwd, bwd = association.directional(q, index)
        # rank among the row's real candidates (padding repeats the first one and ranks last)
        order = np.argsort(np.argsort(-np.where(valid, par, -1.0), axis=1, kind="stable"), axis=1)
        f.update({"parallel": par, "parallel_forward": np.log(fwd + 1e-5), "parallel_backward": np.log(bwd + 1e-5),
                  "parallel_gap": par - par.max(axis=1, keepdims=True, initial=0.0),
                  "parallel_rank": np.log1p(order.astype(np.float32)),
                  "shared_verses": np.log1p(association.shared_verses(q, index)),
                  "target_verses": np.log1p(association.tgt_freq[index])})
    if "ortho" in groups:
        if categories is None or prefix_ids is None:
            raise ValueError("the 'ortho' features need word-ending categories and family ids")
        f["ortho"] = string_similarity(src_words, tgt_words, q, index)
        f["length"] = _word_values(tgt_words, index, len)
        for side, m, _ in SUFFIXES:
            table = categories[(side, m)]

            def ending(word, m=m, table=table):
                return table.get(word[-m:], 0)

            f[f"{side}_end{m}"] = (_word_values(tgt_words, index, ending) if side == "tgt" else
                                   np.broadcast_to(_word_values(src_words, q, ending)[:, None], (n, k)))
        f.update(_family(prefix_ids, index, valid, scores, par))
    if "freq" in groups:
        f["freq"] = np.asarray(rank_gap(q, index), dtype=np.float32)
        f["target_rank"] = np.log1p(index.astype(np.float32))
        f["source_rank"] = np.broadcast_to(np.log1p(q.astype(np.float32))[:, None], (n, k))
    names = sorted(f)
    table = np.stack([np.asarray(f[name], dtype=np.float32) for name in names], axis=-1)
    return table, names, valid


class TreeRanker:
    """Gradient-boosted trees that score translation candidates, fitted on a dictionary.

    Parameters
    ----------
    groups : sequence of {'ortho', 'freq', 'parallel'}
        Feature groups besides the retrieval features (:func:`pair_table`).
    random_state : int, default 0
        Seed of the trees' binning subsample (the fit is deterministic for a given seed).
    params : dict, optional
        Overrides of :data:`TREE_PARAMS` (other ``HistGradientBoostingClassifier`` parameters
        are allowed, except those the ranker sets itself: see :data:`_RESERVED`).

    Attributes
    ----------
    groups_ : tuple of str
        The feature groups, sorted.
    model_ : sklearn.ensemble.HistGradientBoostingClassifier
    feature_names_ : list of str
    categories_ : dict
        Word-ending tables learned from the two vocabularies.
    n_queries_, n_rows_, n_positive_ : int
        Dictionary words, candidate rows and gold rows the trees were fitted on.
    train_p_at_1_ : float
        P@1 (fraction) of the fitted dictionary's words after re-ranking (optimistic: in sample).
    fit_seconds_ : float
    """

    def __init__(self, *, groups=("ortho", "freq"), random_state=0, params=None):
        self.groups = groups
        self.random_state = random_state
        self.params = params

    def _check_params(self):
        groups = _check_groups((self.groups,) if isinstance(self.groups, str) else tuple(self.groups))
        reserved = sorted(set(self.params or {}) & set(_RESERVED))
        if reserved:
            raise ValueError(f"params may not set {reserved}: the ranker sets them itself")
        return tuple(sorted(set(groups)))

    def _prefix_ids(self, tgt_words):
        """Family id of every target row (None when the 'ortho' group, which reads them, is off),
        kept for the last vocabulary seen (``induce`` scores one slice of words after another)."""
        if "ortho" not in self.groups_:
            return None
        cached = getattr(self, "_prefix_cache", None)
        if cached is not None and cached[0] is tgt_words:
            return cached[1]
        _, ids = np.unique(np.array([w[:FAMILY_PREFIX] for w in tgt_words], dtype=object), return_inverse=True)
        self._prefix_cache = (tgt_words, ids.astype(np.int64))
        return self._prefix_cache[1]

    def _tables(self, candidates, src_words, tgt_words, association, categories):
        """The feature table in blocks of queries: ``(names, [(table, valid), ...])``, the tables of
        shape (block, k, n_features) (blocks bound the memory of whole-vocabulary lists)."""
        prefix_ids = self._prefix_ids(tgt_words)
        n = np.asarray(candidates["index"]).shape[0]
        names, blocks = None, []
        for i in range(0, max(n, 1), _BLOCK):
            part = {key: np.asarray(value)[i:i + _BLOCK] for key, value in candidates.items()}
            table, names, valid = pair_table(part, src_words, tgt_words, self.groups_, association=association,
                                             categories=categories, prefix_ids=prefix_ids)
            blocks.append((table, valid))
        return names, blocks

    def fit(self, candidates, gold, src_words, tgt_words, *, association=None):
        """Learn from the candidates of a dictionary's source words.

        Parameters
        ----------
        candidates : dict of str -> ndarray
            As in :func:`pair_table`: ``queries`` of shape (n,), the others of shape (n, k),
            for the dictionary's source words.
        gold : list of int sequences, length n
            Gold target rows of each query.
        src_words, tgt_words : sequence of str
        association : bootstrap.lexicon.parallel.VerseAssociation, optional
            Required with the 'parallel' group.

        Returns
        -------
        self
        """
        from sklearn.ensemble import HistGradientBoostingClassifier

        start = time.perf_counter()
        self.groups_ = self._check_params()
        index = np.asarray(candidates["index"])
        if len(gold) != index.shape[0]:
            raise ValueError(f"gold has {len(gold)} entries for {index.shape[0]} queries")
        categories = {(side, m): suffix_categories(tgt_words[:SUFFIX_VOCAB] if side == "tgt"
                                                   else src_words[:SUFFIX_VOCAB], m, top)
                      for side, m, top in SUFFIXES} if "ortho" in self.groups_ else None
        names, blocks = self._tables(candidates, src_words, tgt_words, association, categories)
        valid = np.concatenate([v for _, v in blocks])
        hits = gold_hits(index, gold) & valid
        if not hits.any():
            raise ValueError("no gold translation is among the dictionary words' candidates, so there is "
                             "nothing to learn from; check that the dictionary belongs to these spaces "
                             "(--src/--tgt order) or raise --rerank-k")
        if hits[valid].all():
            raise ValueError("every candidate of the dictionary words is a gold translation, so there is "
                             "nothing to learn from; give a larger dictionary or raise --rerank-k")
        categorical = [names.index(f"{side}_end{m}") for side, m, _ in SUFFIXES if f"{side}_end{m}" in names]
        model = HistGradientBoostingClassifier(**dict(TREE_PARAMS, **(self.params or {})),
                                               categorical_features=categorical or None, early_stopping=False,
                                               random_state=self.random_state)
        model.fit(np.concatenate([t[v] for t, v in blocks]), hits[valid])
        self.model_, self.categories_, self.feature_names_ = model, categories, names
        self.n_queries_ = int(index.shape[0])
        self.n_rows_ = int(valid.sum())
        self.n_positive_ = int(hits.sum())
        scores = np.concatenate([self._predict(t, v) for t, v in blocks])
        top = scores.argmax(axis=1)
        self.train_p_at_1_ = float(hits[np.arange(index.shape[0]), top].mean())
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _predict(self, table, valid):
        out = np.full(valid.shape, -np.inf, dtype=np.float32)
        if valid.any():
            out[valid] = self.model_.predict_proba(table[valid])[:, 1]
        return out

    def score(self, candidates, src_words, tgt_words, *, association=None):
        """Probability that each candidate is a translation.

        Parameters
        ----------
        candidates : dict of str -> ndarray
            As in :func:`pair_table`: ``queries`` of shape (n,), the others of shape (n, k).
        src_words, tgt_words : sequence of str
            The vocabularies the ranker was fitted with (or of the same languages).
        association : bootstrap.lexicon.parallel.VerseAssociation, optional
            Required with the 'parallel' group.

        Returns
        -------
        ndarray of shape (n, k), float32
            In [0, 1]; ``-inf`` on padding.
        """
        if not hasattr(self, "model_"):
            raise ValueError("this TreeRanker is not fitted yet; call fit() first")
        names, blocks = self._tables(candidates, src_words, tgt_words, association, self.categories_)
        if names != self.feature_names_:
            raise ValueError(f"features {names} differ from the fitted ones {self.feature_names_}")
        return np.concatenate([self._predict(t, v) for t, v in blocks])

    def rerank(self, candidates, src_words, tgt_words, *, association=None):
        """Re-order each query's candidates by :meth:`score`.

        Parameters are those of :meth:`score`.

        Returns
        -------
        scores : ndarray of shape (n, k), float32
            Tree scores, decreasing per row (stable: ties keep the retrieval order).
        index : ndarray of shape (n, k)
            The candidates' target rows in that order.
        """
        scores = self.score(candidates, src_words, tgt_words, association=association)
        order = np.argsort(-scores, axis=1, kind="stable")
        return (np.take_along_axis(scores, order, axis=1),
                np.take_along_axis(np.asarray(candidates["index"]), order, axis=1))

    def info(self):
        """A JSON-ready summary of the fit, for reports: dict with ``model``, ``params``,
        ``random_state``, ``features``, ``n_queries``, ``n_rows``, ``n_positive``, ``fit_s``."""
        if not hasattr(self, "model_"):
            raise ValueError("this TreeRanker is not fitted yet; call fit() first")
        return {"model": "trees", "params": dict(TREE_PARAMS, **(self.params or {})),
                "random_state": self.random_state, "features": list(self.feature_names_),
                "n_queries": self.n_queries_, "n_rows": self.n_rows_, "n_positive": self.n_positive_,
                "fit_s": round(self.fit_seconds_, 2)}
