"""Re-rankers of translation candidates, as estimators: each word's best candidates by retrieval are
re-ordered with pair features (spelling, frequency, verse alignment).

:class:`LinearReranker` adds weighted features to the retrieval score (weights given, fitted on a
tuning dictionary, or the defaults); :class:`TreeReranker` learns gradient-boosted trees over a longer
list of pair features from a tuning dictionary (:class:`~bootstrap.evaluation.ranker.TreeRanker`).
Both are fitted and applied on a :class:`CandidateSpace`: the two mapped spaces as arrays with the
retrieval settings and the whole-space column terms computed once, so that fitting, scoring and
every slice of an induction share them.
"""
import numpy as np

from ...alignment.candidates import BackMargins, candidate_pool, csls_terms, tree_candidates
from ...alignment.rerank import DEFAULT_GRID, DEFAULT_WEIGHTS, FEATURES, fit_weights, gold_hits
from ...alignment.rerank import rerank as rerank_candidates
from ..io.dictionaries import as_entries, group_by_source
from ..lexicon.orthography import candidate_features
from .ranker import TreeRanker

#: Candidates re-ranked per word by default.
DEFAULT_RERANK_K = 50
#: With the ``parallel`` feature, each word's best verse-aligned target words join its retrieval
#: candidates (NN and CSLS), since a right translation by verses may lie outside the best ``k``.
VERSE_CANDIDATES = 3
#: Re-ranking models.
RERANK_MODELS = ("linear", "trees")
#: The ``parallel`` feature's weight per verse association measure: its default, and the values
#: fitted weights are searched among (IBM Model 1's scores are on another scale than Dice's).
PARALLEL_WEIGHTS = {"dice": {"default": DEFAULT_WEIGHTS["parallel"], "grid": DEFAULT_GRID["parallel"]},
                    "ibm1": {"default": 2.0, "grid": DEFAULT_GRID["parallel"] + (2.0, 3.0, 5.0)}}


class CandidateSpace:
    """Two mapped spaces ready for candidate retrieval.

    Parameters
    ----------
    src, tgt : KeyedVectors
        The words (most frequent first).
    X : array of shape (n_src, dim)
    Z : array of shape (n_tgt, dim)
        Their vectors on the device, unit length where retrieval is by cosine.
    method : {'nn', 'csls', 'isf'}
    csls_k : int
    beta : float
    r_tgt : array of shape (n_tgt,), optional
        CSLS's ``r`` term of every target word (for ``method='csls'``).
    log_norm : array of shape (n_tgt,), optional
        The inverted softmax's normaliser of every target word (for ``method='isf'``).
    association : VerseAssociation, optional
        Verse-aligned corpora of the two languages: the ``parallel`` feature and extra candidates.
    """

    def __init__(self, src, tgt, X, Z, *, method, csls_k, beta, r_tgt=None, log_norm=None, association=None):
        self.src, self.tgt, self.X, self.Z = src, tgt, X, Z
        self.method, self.csls_k, self.beta = method, csls_k, beta
        self.r_tgt, self.log_norm, self.association = r_tgt, log_norm, association

    @property
    def measure(self):
        """The verse association's measure, ``'dice'`` without one."""
        return "dice" if self.association is None else self.association.info.get("measure", "dice")

    def retrieval(self):
        """Keyword arguments of :func:`alignment.candidates.candidate_pool` for this space."""
        return {"method": self.method, "csls_k": self.csls_k, "beta": self.beta, "log_norm": self.log_norm,
                "extra": None if self.association is None else self.verse_candidates}

    def verse_candidates(self, queries):
        """Each query's best target words by verse association, ``(index, valid)`` of shape
        (n_queries, :data:`VERSE_CANDIDATES`): extra candidates beside the retrieved ones."""
        return self.association.top_targets(queries, VERSE_CANDIDATES)

    def queries_and_gold(self, dictionary, *, lowercase=False, what="the re-ranking"):
        """A tuning dictionary's source rows with their gold target rows: ``(queries, gold, path)``."""
        entries, path = as_entries(dictionary, lowercase=lowercase)
        queries, gold, _, _ = queries_and_gold(group_by_source(entries), self.src, self.tgt)
        if not queries:
            raise ValueError(f"{path or 'the tuning dictionary'}: no pair has both words in the vocabularies, so "
                             f"{what} cannot be fitted on it; check --src/--tgt order")
        return np.asarray(queries), gold, path


def queries_and_gold(groups, src, tgt):
    """Source rows with their gold target rows, and the source words without a vector or a gold
    translation in the target vocabulary: ``(queries, gold, src_oov, tgt_oov)``."""
    queries, gold, src_oov, tgt_oov = [], [], [], []
    for word, translations in groups.items():
        if word not in src.key_to_index:
            src_oov.append(word)
            continue
        rows = [tgt.key_to_index[t] for t in translations if t in tgt.key_to_index]
        if not rows:
            tgt_oov.append(word)
            continue
        queries.append(src.key_to_index[word])
        gold.append(rows)
    return queries, gold, src_oov, tgt_oov


def feature_names(features):
    """Re-ranking feature names, sorted and without repeats, from a sequence or an 'a,b' string."""
    return sorted(dict.fromkeys(features.split(",") if isinstance(features, str) else features))


class _Reranker:
    """What both re-rankers share: parameters, checks and scoring."""

    model = None

    def get_params(self, deep=False):
        """The constructor's parameters (dict)."""
        return {name: getattr(self, name) for name in self._params}

    def check(self, *, tune_dict=None, parallel=None):
        """Raise ValueError, naming the fix, for a combination that cannot work; cheap (reads no file),
        so a command can call it before it loads the vectors. Returns self."""
        names = feature_names(self.features)
        unknown = [f for f in names if f not in FEATURES]
        if unknown or not names:
            raise ValueError(f"re-ranking features must be among {list(FEATURES)}; got {list(self.features)}")
        if "parallel" in names and parallel is None:
            raise ValueError("re-ranking feature 'parallel' needs verse-aligned corpora of both languages: "
                             "parallel=(src_files, tgt_files) (CLI: --parallel-src FILE --parallel-tgt FILE)")
        if self.k < 1:
            raise ValueError(f"k (--rerank-k) must be >= 1; got {self.k}")
        return self

    def score(self, space, queries, gold):
        """P@1 of the re-ranked candidates of ``queries`` against ``gold`` (a fraction in [0, 1])."""
        _, index = self.rerank(space, queries)
        return float(np.mean(gold_hits(index[:, :1], gold).any(axis=1))) if len(queries) else 0.0


class LinearReranker(_Reranker):
    """Retrieval score plus weighted pair features (:mod:`alignment.rerank`).

    Parameters
    ----------
    features : sequence of {'ortho', 'freq', 'parallel'}
    weights : dict of str -> float, optional
        Given weights, one per feature. Default: fitted on a tuning dictionary when :meth:`fit` gets
        one, else :data:`alignment.rerank.DEFAULT_WEIGHTS`.
    k : int
        Candidates re-ranked per word; a gold word outside them keeps its retrieval rank.

    Attributes
    ----------
    weights_ : dict of str -> float
    info_ : dict
        ``features``, ``weights``, ``weights_from`` (``'given'``, ``'defaults'`` or the tuning
        dictionary's path), ``k``, and with a tuning dictionary ``tune_p@1`` (in sample) and
        ``tune_n``.
    """

    _params = ("features", "weights", "k")

    def __init__(self, *, features=("ortho", "freq"), weights=None, k=DEFAULT_RERANK_K):
        self.features = features
        self.weights = weights
        self.k = k

    def fit(self, space, tune_dict=None, *, lowercase=False):
        """Choose the weights: given, fitted on ``tune_dict`` (path or entries), or the defaults.

        Parameters
        ----------
        space : CandidateSpace
        tune_dict : path or list of (str, str), optional
            A dictionary the mapping was trained with (never the test dictionary).
        lowercase : bool
            Lowercase ``tune_dict``'s words when reading it.

        Returns
        -------
        self
        """
        features = feature_names(self.features)
        defaults = dict(DEFAULT_WEIGHTS, parallel=PARALLEL_WEIGHTS[space.measure]["default"])
        if self.weights is not None:
            if tune_dict is not None:
                raise ValueError("re-ranking weights were given and a tuning dictionary to fit them; drop one "
                                 "(--rerank-weights or --tune-dict)")
            extra = [f for f in self.weights if f not in features]
            if extra:
                raise ValueError(f"rerank weights name {extra}, which are not among the re-ranking features "
                                 f"{features}; add them to the features or drop them")
            missing = [f for f in features if f not in self.weights]
            if missing:
                raise ValueError(f"rerank weights name no value for {missing}; give e.g. "
                                 + ",".join(f"{f}={defaults[f]}" for f in features))
            self.weights_ = {f: float(self.weights[f]) for f in features}
            self.info_ = {"features": features, "weights": self.weights_, "weights_from": "given", "k": self.k}
            return self
        if tune_dict is None:
            self.weights_ = {f: defaults[f] for f in features}
            self.info_ = {"features": features, "weights": self.weights_, "weights_from": "defaults", "k": self.k}
            return self
        queries, gold, path = space.queries_and_gold(tune_dict, lowercase=lowercase, what="the re-ranking weights")
        scores, index = candidate_pool(space.X, space.Z, queries, k=self.k, r_tgt=space.r_tgt, **space.retrieval())
        feats = candidate_features(features, space.src.index_to_key, space.tgt.index_to_key, queries, index,
                                   association=space.association)
        grid = dict(DEFAULT_GRID, parallel=PARALLEL_WEIGHTS[space.measure]["grid"])
        self.weights_, p1 = fit_weights(scores, index, feats, gold, grid=grid)
        self.info_ = {"features": features, "weights": self.weights_, "weights_from": path or "tune_dict",
                      "tune_p@1": round(100 * p1, 2), "tune_n": len(queries), "k": self.k}
        return self

    def rerank(self, space, queries, *, r_src=None, k=None):
        """Each query's best candidates re-ordered by score + weighted features (host arrays).

        Parameters
        ----------
        space : CandidateSpace
        queries : int array of shape (n_queries,)
        r_src : array of shape (n_src,), optional
            CSLS's ``r`` term of every source word, if known.
        k : int, optional
            Candidates per query (default: the re-ranker's ``k``).

        Returns
        -------
        scores, index : ndarray of shape (n_queries, k or more)
        """
        scores, index = candidate_pool(space.X, space.Z, queries, k=k or self.k, r_tgt=space.r_tgt, r_src=r_src,
                                       **space.retrieval())
        features = candidate_features(sorted(self.weights_), space.src.index_to_key, space.tgt.index_to_key,
                                      queries, index, association=space.association)
        return rerank_candidates(scores, index, features, self.weights_)


class TreeReranker(_Reranker):
    """Gradient-boosted trees over pair features, learned from a tuning dictionary
    (:class:`~bootstrap.evaluation.ranker.TreeRanker`).

    Parameters
    ----------
    features : sequence of {'ortho', 'freq', 'parallel'}
        Which groups of pair features the trees read (the geometry of the space always).
    k : int
        Candidates re-ranked per word.

    Attributes
    ----------
    ranker_ : TreeRanker
    margins_ : alignment.candidates.BackMargins
        Each target's best CSLS score over all source words (the backward margin's reference),
        filled as searches need it and reused.
    info_ : dict
    """

    model = "trees"
    _params = ("features", "k")

    def __init__(self, *, features=("ortho", "freq"), k=DEFAULT_RERANK_K):
        self.features = features
        self.k = k

    def check(self, *, tune_dict=None, parallel=None):
        super().check(tune_dict=tune_dict, parallel=parallel)
        if tune_dict is None:
            raise ValueError("the 'trees' re-ranking model learns from a dictionary the mapping was trained with; "
                             "give one (tune_dict=...; CLI: --tune-dict train.txt)")
        return self

    def fit(self, space, tune_dict, *, lowercase=False):
        """Learn the trees from ``tune_dict``'s words and their candidates in ``space``.

        Returns
        -------
        self
        """
        features = feature_names(self.features)
        queries, gold, path = space.queries_and_gold(tune_dict, lowercase=lowercase, what="the re-ranking trees")
        self.margins_ = BackMargins(space.X, space.Z, *csls_terms(space.X, space.Z, space.method, space.csls_k,
                                                                  space.r_tgt), space.csls_k)
        candidates = self._candidates(space, queries, self.k)
        self.ranker_ = TreeRanker(groups=features).fit(candidates, gold, space.src.index_to_key,
                                                       space.tgt.index_to_key, association=space.association)
        self.info_ = {"features": features, "model": "trees", "weights": None, "weights_from": path or "tune_dict",
                      "tune_p@1": round(100 * self.ranker_.train_p_at_1_, 2), "tune_n": len(queries), "k": self.k,
                      "trees": self.ranker_.info()}
        return self

    def _candidates(self, space, queries, k):
        retrieval = space.retrieval()
        return tree_candidates(space.X, space.Z, queries, k=k, r_tgt=space.r_tgt, margins=self.margins_,
                               **retrieval)

    def rerank(self, space, queries, *, r_src=None, k=None):
        """Each query's best candidates re-ordered by the trees' probability (host arrays); see
        :meth:`LinearReranker.rerank` (``r_src`` is ignored: the trees carry their own)."""
        candidates = self._candidates(space, queries, k or self.k)
        return self.ranker_.rerank(candidates, space.src.index_to_key, space.tgt.index_to_key,
                                   association=space.association)


def make_reranker(features=(), *, weights=None, k=DEFAULT_RERANK_K, model="linear"):
    """A re-ranker from flat options (the command line's), or None without features.

    Parameters
    ----------
    features : sequence of str or 'a,b' str
    weights : dict, optional
        For the linear model.
    k : int
    model : {'linear', 'trees'}

    Returns
    -------
    LinearReranker, TreeReranker or None
    """
    if model not in RERANK_MODELS:
        raise ValueError(f"rerank_model must be one of {RERANK_MODELS}; got {model!r}")
    if not features:
        if weights is not None or model != "linear":
            raise ValueError("re-ranking weights or a re-ranking model were given without re-ranking features; "
                             "add rerank=('ortho', 'freq') (CLI: --rerank ortho,freq)")
        return None
    if model == "trees":
        if weights is not None:
            raise ValueError("re-ranking weights belong to the 'linear' model; drop them (--rerank-weights) or use "
                             "rerank_model='linear'")
        return TreeReranker(features=tuple(feature_names(features)), k=k)
    return LinearReranker(features=tuple(feature_names(features)), weights=weights, k=k)


def as_reranker(rerank, *, tune_dict=None, parallel=None):
    """The re-ranker of an ``evaluate_bli``/``induce_lexicon`` call, checked: ``rerank`` is None or empty
    (none), a re-ranker, or feature names (a :class:`LinearReranker` with default weights)."""
    if rerank is None or (not isinstance(rerank, _Reranker) and not rerank):
        if tune_dict is not None:
            raise ValueError("a tuning dictionary was given without re-ranking features; add "
                             "rerank=('ortho', 'freq') (CLI: --rerank ortho,freq)")
        if parallel is not None:
            raise ValueError("verse-aligned corpora were given, but 'parallel' is not among the re-ranking "
                             "features; add it (rerank=('ortho', 'freq', 'parallel'); CLI: --rerank "
                             "ortho,freq,parallel)")
        return None
    if not isinstance(rerank, _Reranker):
        rerank = LinearReranker(features=tuple(feature_names(rerank)))
    rerank.check(tune_dict=tune_dict, parallel=parallel)
    if parallel is not None and "parallel" not in feature_names(rerank.features):
        raise ValueError("verse-aligned corpora were given, but 'parallel' is not among the re-ranking features; "
                         "add it (rerank=('ortho', 'freq', 'parallel'); CLI: --rerank ortho,freq,parallel)")
    return rerank
