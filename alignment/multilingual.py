"""Joint refinement of many embedding spaces in one shared space.

Each language starts in a common space (in offramp, every language mapped to a hub language by
the bilingual engine), so any two languages can be compared there: the hub-only space, where a
German-Spanish translation is composed through the maps to English. The joint refinement then
learns one orthogonal correction per language from translation pairs induced between *every* two
languages, not only through the hub, so the languages without English tie each other together.

It follows multilingual pseudo-supervised refinement (Chen and Cardie, EMNLP 2018: pairs induced
between all language pairs, a map per language) and generalized Procrustes analysis
(Kementchedjhieva et al., CoNLL 2018: all maps solved together), with three changes:

* the hub stays where it is (its map is the identity), so the space keeps the hub's geometry and
  the links a dictionary gave, and languages added later join without moving the others
  (``fixed=``);
* the maps are solved by block coordinate descent: each language's map is the weighted orthogonal
  Procrustes solution against every other language as currently mapped, which never increases the
  sum of squared distances of the current pairs (GPA's mean space is not needed once the hub
  anchors the space);
* a pair induced between two languages counts ``1 + route_weight`` when a third language confirms
  it (the source word's translation there translates on to the same target word), so cycle
  consistency, which a bilingual alignment cannot see, weighs the evidence; seed pairs (the
  dictionaries to the hub) are kept in every iteration with ``seed_weight``.
"""
import numbers
import time

import numpy as np

from ._backend import check_positive_int, check_vectors, get_namespace, to_numpy
from ._base import ParamsMixin
from .mapping import check_pairs, polar_factor
from .preprocess import unit
from .retrieval import DEFAULT_BATCH_SIZE
from .selflearning import induce_dictionary


def _pair_codes(pairs, n_tgt):
    return pairs[:, 0].astype(np.int64) * n_tgt + pairs[:, 1]


def _confirmed(pairs, a, b, induced, names, sizes):
    """Boolean mask over ``pairs`` (rows of ``a`` to rows of ``b``, host arrays): the pairs that some
    third language ``c`` confirms, ``a -> c -> b`` reaching the same word. Mutual induction gives
    each row at most one partner, so a composition is one lookup per pair."""
    hits = np.zeros(pairs.shape[0], dtype=bool)
    codes = _pair_codes(pairs, sizes[b])
    for c in names:
        if c in (a, b):
            continue
        ac, cb = _oriented(induced, a, c), _oriented(induced, c, b)
        if ac is None or cb is None or not len(ac) or not len(cb):
            continue
        onward = np.full(sizes[c], -1, dtype=np.int64)
        onward[cb[:, 0]] = cb[:, 1]
        reached = onward[ac[:, 1]]
        keep = reached >= 0
        hits |= np.isin(codes, ac[keep, 0].astype(np.int64) * sizes[b] + reached[keep])
    return hits


def _oriented(pairs_by_key, a, b):
    """The pairs between ``a`` and ``b`` as rows of ``a`` then rows of ``b`` (host array), or None."""
    if (a, b) in pairs_by_key:
        return pairs_by_key[(a, b)]
    if (b, a) in pairs_by_key:
        return pairs_by_key[(b, a)][:, ::-1]
    return None


class JointAlignment(ParamsMixin):
    """Refine many spaces, already in one shared space, with pairs induced between every two.

    Parameters
    ----------
    max_iter : int
        Refinement iterations (each: induce pairs between every two languages, then update each
        language's map).
    vocabulary_cutoff : int
        Pairs are induced among each language's most frequent words (rows ``0..cutoff-1``).
    csls_k : int
        CSLS neighbourhood of the induction (0: plain nearest neighbours).
    tol : float
        Stop when the mean CSLS objective of the induced pairs gains less than this.
    seed_weight : float
        Weight of each seed pair (``fit``'s ``seed_pairs``) beside an induced pair's 1.
    route_weight : float
        Extra weight of an induced pair that a third language confirms (0: every induced pair
        counts 1, as in Chen and Cardie's refinement).
    batch_size : int
        Query rows per similarity block.
    use_faiss : {'auto', True, False}

    Attributes
    ----------
    names_ : list of str
        The languages, in the order given.
    hub_ : str
    maps_ : dict of str to ndarray of shape (dim, dim)
        Each language's orthogonal correction, applied after :func:`~alignment.preprocess.unit`
        (the identity for the hub and for ``fixed`` languages).
    pairs_ : dict of (str, str) to ndarray of shape (n_pairs, 2)
        The pairs induced in the last iteration, rows of the first language then of the second.
    history_ : list of dict
        Per iteration: ``iteration``, ``objective``, ``n_pairs``, ``n_confirmed``, ``time_s``.
    n_iter_ : int
    """

    def __init__(self, *, max_iter=5, vocabulary_cutoff=10000, csls_k=10, tol=1e-3, seed_weight=1.0,
                 route_weight=1.0, batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
        self.max_iter = max_iter
        self.vocabulary_cutoff = vocabulary_cutoff
        self.csls_k = csls_k
        self.tol = tol
        self.seed_weight = seed_weight
        self.route_weight = route_weight
        self.batch_size = batch_size
        self.use_faiss = use_faiss

    def _validate(self):
        check_positive_int(self.max_iter, "max_iter")
        check_positive_int(self.vocabulary_cutoff, "vocabulary_cutoff")
        check_positive_int(self.batch_size, "batch_size")
        if isinstance(self.csls_k, bool) or not isinstance(self.csls_k, (int, np.integer)) or self.csls_k < 0:
            raise ValueError(f"csls_k must be a non-negative integer; got {self.csls_k!r}")
        for name in ("tol", "seed_weight", "route_weight"):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)) \
                    or not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")

    def fit(self, spaces, *, hub, seed_pairs=None, fixed=()):
        """Learn one orthogonal correction per language.

        Parameters
        ----------
        spaces : dict of str to ndarray of shape (n_lang, dim)
            Each language's vectors in the common starting space, most frequent words first (one
            array namespace and dimension for all; rows are normalised to unit length here).
        hub : str
            The language whose map stays the identity.
        seed_pairs : dict of (str, str) to int ndarray of shape (n_pairs, 2), optional
            Pairs kept in every iteration (e.g. each language's seed dictionary with the hub),
            rows of the first language then of the second.
        fixed : sequence of str
            Languages whose maps stay the identity as well: those of an existing space when new
            languages join it.

        Returns
        -------
        self
        """
        self._validate()
        names = list(spaces)
        if hub not in spaces:
            raise ValueError(f"hub {hub!r} is not one of the spaces {names}")
        if len(names) < 2:
            raise ValueError(f"a joint space needs at least two languages; got {names}")
        unknown = sorted(set(fixed) - set(names))
        if unknown:
            raise ValueError(f"fixed names {unknown} are not among the spaces {names}")
        vectors = {name: unit(check_vectors(X, name=f"spaces[{name!r}]")) for name, X in spaces.items()}
        xp = get_namespace(*vectors.values())
        dims = {X.shape[1] for X in vectors.values()}
        if len(dims) != 1:
            raise ValueError(f"all spaces must have one dimension; got {sorted(dims)}")
        dim = dims.pop()
        sizes = {name: X.shape[0] for name, X in vectors.items()}
        seeds = {}
        for (a, b), pairs in (seed_pairs or {}).items():
            if a not in vectors or b not in vectors or a == b:
                raise ValueError(f"seed_pairs key {(a, b)!r} must name two different spaces of {names}")
            seeds[(a, b)] = check_pairs(pairs, sizes[a], sizes[b])
        free = [name for name in names if name != hub and name not in set(fixed)]
        eye = xp.eye(dim, dtype=vectors[hub].dtype)
        maps = {name: eye for name in names}
        links = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if a in free or b in free]
        self.history_, previous = [], None
        for it in range(1, self.max_iter + 1):
            t0 = time.perf_counter()
            induced, objectives = self._induce(vectors, maps, links, xp)
            objective = float(np.mean(objectives)) if objectives else 0.0
            n_confirmed = 0
            weights = {}
            for (a, b), pairs in induced.items():
                mask = _confirmed(pairs, a, b, induced, names, sizes) if self.route_weight else None
                n_confirmed += int(mask.sum()) if mask is not None else 0
                weights[(a, b)] = 1.0 + (self.route_weight * mask if mask is not None else 0.0)
            self.history_.append({"iteration": it, "objective": objective,
                                  "n_pairs": int(sum(len(p) for p in induced.values())),
                                  "n_confirmed": n_confirmed})
            if previous is not None and objective - previous < self.tol:
                self.history_[-1]["time_s"] = time.perf_counter() - t0
                break
            previous = objective
            for name in free:
                maps[name] = self._update(name, vectors, maps, induced, weights, seeds, xp)
            self.history_[-1]["time_s"] = time.perf_counter() - t0
        self.names_, self.hub_, self.fixed_ = names, hub, tuple(fixed)
        self.maps_ = maps
        self.pairs_ = induced
        self.n_iter_ = len(self.history_)
        return self

    def _induce(self, vectors, maps, links, xp):
        cut = {name: min(self.vocabulary_cutoff, X.shape[0]) for name, X in vectors.items()}
        mapped = {name: unit(X[:cut[name]] @ maps[name]) for name, X in vectors.items()}
        induced, objectives = {}, []
        for a, b in links:
            pairs, objective = induce_dictionary(mapped[a], mapped[b], direction="intersection",
                                                 csls_k=min(self.csls_k, cut[a], cut[b]),
                                                 batch_size=self.batch_size, use_faiss=self.use_faiss)
            induced[(a, b)] = np.asarray(to_numpy(pairs), dtype=np.int64)
            objectives.append(objective)
        return induced, objectives

    def _update(self, name, vectors, maps, induced, weights, seeds, xp):
        """Weighted orthogonal Procrustes of ``name`` against every other language as now mapped."""
        X = vectors[name]
        M = xp.zeros((X.shape[1], X.shape[1]), dtype=X.dtype)
        for pool, weight_of in ((induced, weights), (seeds, None)):
            for (a, b), pairs in pool.items():
                if name not in (a, b):
                    continue
                other = b if a == name else a
                oriented = pairs if a == name else pairs[:, ::-1]
                if weight_of is None:
                    w = xp.full(len(oriented), self.seed_weight, dtype=X.dtype)
                else:
                    w = xp.asarray(np.broadcast_to(np.asarray(weight_of[(a, b)], dtype=np.float32),
                                                   (len(oriented),)).copy(), dtype=X.dtype)
                rows = xp.asarray(np.ascontiguousarray(oriented))
                M += (X[rows[:, 0]] * w[:, None]).T @ (vectors[other][rows[:, 1]] @ maps[other])
        if not bool(xp.any(M)):
            return maps[name]
        return polar_factor(M)

    def _check_fitted(self):
        if not hasattr(self, "maps_"):
            raise ValueError("JointAlignment is not fitted; call fit(spaces, hub=...) first")

    def transform(self, name, X):
        """Map one language's vectors into the joint space.

        Parameters
        ----------
        name : str
            One of :attr:`names_`.
        X : ndarray of shape (n, dim)
            Vectors in the starting space of that language.

        Returns
        -------
        ndarray of shape (n, dim), unit rows
        """
        self._check_fitted()
        if name not in self.maps_:
            raise ValueError(f"{name!r} is not one of the fitted languages {self.names_}")
        X = check_vectors(X)
        xp = get_namespace(X)
        W = self.maps_[name]
        W = xp.asarray(to_numpy(W) if xp is np else W, dtype=X.dtype)  # maps may live on another device
        return unit(unit(X) @ W)


def refine_around_hub(spaces, *, hub, anchors, fixed=(), step=0.3, n_neighbors=10, temperature=0.1,
                      batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
    """Instance refinement of a multilingual space, the hub moving for all languages at once.

    A bilingual refinement (:class:`~alignment.instance.InstanceRefinement`) moves both sides half-way
    along their neighbours' residuals. Here each language with anchors moves towards the hub as it
    would bilingually, and the hub moves by the mean of the moves the languages ask of it, so it stays
    one space: the hub's words move where all languages agree they should.

    Parameters
    ----------
    spaces : dict of str to ndarray of shape (n_lang, dim)
        The languages in one space (e.g. after :class:`JointAlignment`).
    hub : str
    anchors : dict of str to int ndarray of shape (n_pairs, 2)
        Per language, its dictionary with the hub as ``(hub row, language row)``; languages without an
        entry are left as they are and do not move the hub.
    fixed : sequence of str
        Languages that do not move (an existing space that new languages join); with the hub among
        them, the others move towards it alone.
    step, n_neighbors, temperature, batch_size, use_faiss
        As in :class:`~alignment.instance.InstanceRefinement`.

    Returns
    -------
    dict of str to ndarray of shape (n_lang, dim)
        Unit rows; an anchor's own residual is left out of its move.
    """
    from .instance import InstanceRefinement

    if hub not in spaces:
        raise ValueError(f"hub {hub!r} is not one of the spaces {list(spaces)}")
    H = unit(check_vectors(spaces[hub], name=f"spaces[{hub!r}]"))
    xp = get_namespace(H)
    out = {name: unit(check_vectors(X, name=f"spaces[{name!r}]")) for name, X in spaces.items()}
    moves = xp.zeros_like(H)
    n_moved = 0
    for name, pairs in anchors.items():
        if name == hub or name not in spaces:
            raise ValueError(f"anchors key {name!r} must be a language of the spaces other than the hub")
        refiner = InstanceRefinement(step=step, n_neighbors=n_neighbors, temperature=temperature,
                                     batch_size=batch_size, use_faiss=use_faiss)
        X = out[name]
        refiner.fit(X, H, xp.asarray(np.ascontiguousarray(to_numpy(pairs)[:, ::-1])))
        if name not in fixed:
            out[name] = refiner.transform_src(X, rows=xp.arange(X.shape[0]))
        moves += refiner.transform_tgt(H, rows=xp.arange(H.shape[0])) - H
        n_moved += 1
    if n_moved and hub not in fixed:
        out[hub] = unit(H + moves / n_moved)
    return out
