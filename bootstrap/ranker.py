"""A learned re-ranker of translation candidates: gradient-boosted trees over pair features.

The linear re-ranking of :mod:`alignment.rerank` adds a few weighted features to the retrieval
score, with weights searched on a grid. :class:`TreeRanker` instead learns, from a dictionary the
mapping was trained with, how a longer list of pair features decides which candidate is a
translation: gradient-boosted trees (scikit-learn's ``HistGradientBoostingClassifier``) score each
(query, candidate) row, and each query's candidates are re-ordered by that score.

Trees can use what a weighted sum cannot: interactions such as "an English word ending in *-ed*
goes with a Spanish one ending in *-ado*", or "prefer the most frequent member of a family of
candidates that share their first letters" (MUSE lists base forms, while small corpora often rank an
inflected form first). On the BLI benchmark (benchmarks/README.md, section 1j) this adds 0.5-6.6
points of P@1 over the linear re-ranking of the same candidates on six pairs, most on Finnish.

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
crosswise on two halves of the dictionary instead (each scored by a map trained on the other) was
no better on three pairs (section 1j).
"""
import collections
import time

import numpy as np

from alignment.rerank import rank_gap

from .orthography import string_similarity

__all__ = ["TreeRanker", "pair_table", "suffix_categories", "TREE_PARAMS", "FAMILY_PREFIX"]

#: Parameters of the boosted trees, set once on the en-es, en-de, en-sl and en-fi benchmark splits
#: (train dictionary only; learning rate 0.05 or 0.1 and 200-300 trees gave the same P@1 within 1 point).
TREE_PARAMS = {"learning_rate": 0.05, "max_iter": 300, "max_leaf_nodes": 15, "min_samples_leaf": 40,
               "l2_regularization": 1.0}
#: Candidates that share this many first characters form a family (a crude stem).
FAMILY_PREFIX = 4
#: Word-ending categories: (side, number of final characters, most common endings kept).
SUFFIXES = (("tgt", 1, 60), ("tgt", 2, 200), ("src", 2, 200), ("src", 3, 200))
#: Vocabulary rows the endings are counted on (the most frequent words).
SUFFIX_VOCAB = 30000
_BLOCK = 2048


def suffix_categories(words, n, m):
    """The ``m`` most common ``n``-character endings of ``words``, numbered from 1 (0: any other).

    Parameters
    ----------
    words : sequence of str
    n, m : int

    Returns
    -------
    dict of str -> int
    """
    counts = collections.Counter(w[-n:] for w in words if len(w) >= n)
    return {ending: i + 1 for i, (ending, _) in enumerate(counts.most_common(m))}


def _category_column(words, rows, n, table):
    return np.array([table.get(words[int(r)][-n:], 0) for r in rows.ravel()], dtype=np.float32).reshape(rows.shape)


def _family(prefix_ids, index, valid, scores, par):
    """Per candidate: size of its family in the row, is it the family's best-scored and most frequent member,
    and (with ``par``) the family's summed association."""
    ids = prefix_ids[index]
    same = (ids[:, :, None] == ids[:, None, :]) & valid[:, None, :]
    size = same.sum(axis=2).astype(np.float32)
    best = (scores >= np.where(same, scores[:, None, :], -np.inf).max(axis=2)).astype(np.float32)
    big = np.iinfo(np.int64).max
    first = (index <= np.where(same, index[:, None, :], big).min(axis=2)).astype(np.float32)
    out = {"family_size": size, "family_best": best, "family_most_frequent": first}
    if par is not None:
        out["family_parallel"] = np.einsum("nij,nj->ni", same.astype(np.float32), par)
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
    association : bootstrap.parallel.VerseAssociation, optional
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
    q = np.asarray(candidates["queries"], dtype=np.int64)
    index = np.asarray(candidates["index"], dtype=np.int64)
    n, k = index.shape
    raw = np.asarray(candidates["scores"], dtype=np.float32)
    valid = np.isfinite(raw)
    scores = np.where(valid, raw, np.float32(-4.0))  # padding: below any cosine-based score
    f = {"score": scores,
         "score_gap": scores - scores.max(axis=1, keepdims=True, initial=-4.0),
         "position": np.log1p(np.broadcast_to(np.arange(k, dtype=np.float32), (n, k))),
         "cos": np.asarray(candidates["cos"], dtype=np.float32),
         "back": np.where(valid, np.asarray(candidates["back"], dtype=np.float32), -4.0),
         "hub": np.asarray(candidates["hub"], dtype=np.float32)}
    par = None
    if "parallel" in groups:
        if association is None:
            raise ValueError("the 'parallel' features need a verse association")
        par = association.feature(q, index)
        fwd, bwd = association.directional(q, index)
        order = np.argsort(np.argsort(-par, axis=1, kind="stable"), axis=1)
        f.update({"parallel": par, "parallel_forward": np.log(fwd + 1e-5), "parallel_backward": np.log(bwd + 1e-5),
                  "parallel_gap": par - par.max(axis=1, keepdims=True, initial=0.0),
                  "parallel_rank": np.log1p(order.astype(np.float32)),
                  "shared_verses": np.log1p(association.shared_verses(q, index)),
                  "target_verses": np.log1p(association.tgt_freq[index]) if association.tgt_freq is not None
                  else np.zeros((n, k), np.float32)})
    if "ortho" in groups:
        if categories is None or prefix_ids is None:
            raise ValueError("the 'ortho' features need word-ending categories and family ids")
        f["ortho"] = string_similarity(src_words, tgt_words, q, index)
        f["length"] = np.array([len(tgt_words[int(j)]) for j in index.ravel()], dtype=np.float32).reshape(n, k)
        for side, m, _ in SUFFIXES:
            words, rows = (tgt_words, index) if side == "tgt" else (src_words, np.broadcast_to(q[:, None], (n, k)))
            f[f"{side}_end{m}"] = _category_column(words, rows, m, categories[(side, m)])
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
        Overrides of :data:`TREE_PARAMS`.

    Attributes
    ----------
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
        self.groups = tuple(sorted(groups))
        self.random_state = random_state
        self.params = params

    def _prefix_ids(self, tgt_words):
        """Family id of every target row (None when the 'ortho' group, which reads them, is off)."""
        if "ortho" not in self.groups:
            return None
        _, ids = np.unique(np.array([w[:FAMILY_PREFIX] for w in tgt_words], dtype=object), return_inverse=True)
        return ids.astype(np.int64)

    def _table(self, candidates, src_words, tgt_words, association, prefix_ids):
        return pair_table(candidates, src_words, tgt_words, self.groups, association=association,
                          categories=self.categories_ if "ortho" in self.groups else None, prefix_ids=prefix_ids)

    def fit(self, candidates, gold, src_words, tgt_words, *, association=None):
        """Learn from the candidates of a dictionary's source words.

        Parameters
        ----------
        candidates : dict of str -> ndarray
            As in :func:`pair_table`, for the dictionary's source words.
        gold : list of int sequences, length n
            Gold target rows of each query.
        src_words, tgt_words : sequence of str
        association : bootstrap.parallel.VerseAssociation, optional

        Returns
        -------
        self
        """
        from sklearn.ensemble import HistGradientBoostingClassifier

        start = time.perf_counter()
        index = np.asarray(candidates["index"])
        if len(gold) != index.shape[0]:
            raise ValueError(f"gold has {len(gold)} entries for {index.shape[0]} queries")
        self.categories_ = {(side, m): suffix_categories(tgt_words[:SUFFIX_VOCAB] if side == "tgt"
                                                         else src_words[:SUFFIX_VOCAB], m, top)
                            for side, m, top in SUFFIXES}
        table, names, valid = self._table(candidates, src_words, tgt_words, association, self._prefix_ids(tgt_words))
        hits = np.zeros(index.shape, dtype=bool)
        for row, targets in enumerate(gold):
            if len(targets):
                hits[row] = np.isin(index[row], np.asarray(list(targets)))
        hits &= valid
        if not hits.any():
            raise ValueError("no gold translation is among the dictionary words' candidates, so there is "
                             "nothing to learn from; check that the dictionary belongs to these spaces "
                             "(--src/--tgt order) or raise --rerank-k")
        if hits[valid].all():
            raise ValueError("every candidate of the dictionary words is a gold translation, so there is "
                             "nothing to learn from; give a larger dictionary or raise --rerank-k")
        categorical = [names.index(f"{side}_end{m}") for side, m, _ in SUFFIXES if f"{side}_end{m}" in names]
        params = dict(TREE_PARAMS, **(self.params or {}))
        self.model_ = HistGradientBoostingClassifier(**params, categorical_features=categorical or None,
                                                     early_stopping=False, random_state=self.random_state)
        self.model_.fit(table[valid], hits[valid])
        self.feature_names_ = names
        self.n_queries_ = int(index.shape[0])
        self.n_rows_ = int(valid.sum())
        self.n_positive_ = int(hits.sum())
        top = self._scores(table, valid).argmax(axis=1)
        self.train_p_at_1_ = float(hits[np.arange(index.shape[0]), top].mean()) if index.shape[0] else 0.0
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _scores(self, table, valid):
        n, k, nf = table.shape
        out = np.full((n, k), -np.inf, dtype=np.float32)
        if valid.any():
            out[valid] = self.model_.predict_proba(table[valid])[:, 1]
        return out

    def score(self, candidates, src_words, tgt_words, *, association=None):
        """Probability that each candidate is a translation; ``-inf`` on padding.

        Returns
        -------
        ndarray of shape (n, k), float32
        """
        if not hasattr(self, "model_"):
            raise ValueError("this TreeRanker is not fitted yet; call fit() first")
        n = np.asarray(candidates["index"]).shape[0]
        prefix_ids = self._prefix_ids(tgt_words)
        blocks = []
        for i in range(0, n, _BLOCK):  # the table of a whole vocabulary would be large
            part = {key: value[i:i + _BLOCK] for key, value in candidates.items()}
            table, names, valid = self._table(part, src_words, tgt_words, association, prefix_ids)
            if names != self.feature_names_:
                raise ValueError(f"features {names} differ from the fitted ones {self.feature_names_}")
            blocks.append(self._scores(table, valid))
        return np.concatenate(blocks) if blocks else np.zeros(np.asarray(candidates["index"]).shape, np.float32)

    def rerank(self, candidates, src_words, tgt_words, *, association=None):
        """Re-order each query's candidates by :meth:`score`.

        Returns
        -------
        scores : ndarray of shape (n, k), float32
            Tree scores, decreasing per row (stable: ties keep the retrieval order).
        index : ndarray of shape (n, k)
        """
        scores = self.score(candidates, src_words, tgt_words, association=association)
        order = np.argsort(-scores, axis=1, kind="stable")
        return (np.take_along_axis(scores, order, axis=1),
                np.take_along_axis(np.asarray(candidates["index"]), order, axis=1))

    def info(self):
        """A JSON-ready summary of the fit, for reports."""
        return {"model": "trees", "params": dict(TREE_PARAMS, **(self.params or {})),
                "random_state": self.random_state, "features": list(self.feature_names_),
                "n_queries": self.n_queries_, "n_rows": self.n_rows_, "n_positive": self.n_positive_,
                "fit_s": round(self.fit_seconds_, 2)}
