"""The self-learning loop: alternate a mapping fit and a CSLS dictionary induction.

Longer than most modules: the dictionary induction (stochastic dropout, the similarity-distribution
start) exists only for this loop, and the estimator's docstring documents every parameter of it.

Starting from a seed dictionary (gold pairs, identical strings, numerals) or from nothing
(the similarity-distribution initialisation of Artetxe et al., ACL 2018), each iteration

1. fits an orthogonal map on the current dictionary,
2. maps both spaces, restricted to the ``vocabulary_cutoff`` most frequent words,
3. induces a new dictionary by CSLS nearest neighbours (forward, backward, union or
   intersection), with stochastic dictionary induction: each candidate similarity is kept
   with probability ``keep_prob``, which starts at ``stochastic_initial`` and is multiplied
   by ``stochastic_multiplier`` after ``stochastic_interval`` iterations without improvement
   of the objective (the mean CSLS score of the induced pairs, i.e. of each word's best
   candidate among those the dropout kept; it is compared within one ``keep_prob`` level, since
   it rises when ``keep_prob`` does; VecMap's is the mean best cosine before the dropout),
4. stops once ``keep_prob`` is 1 and the objective improves by less than ``threshold``.

With a tiny seed (``warmup_dim``), the same loop first runs on each space's top principal
directions, where an orthogonal map is determined by far fewer pairs, and the loop in all
dimensions starts from the dictionary it reaches.

A final ``final_mapping`` (orthogonal, or VecMap's multi-step whiten/re-weight/de-whiten)
is fitted on the last dictionary.

Cost per iteration: four exact k-NN searches of the (cutoff, dim) spaces against each other
(two for the CSLS ``r`` terms, one per induction direction), each a blocked matrix product
plus a heap top-k (faiss on CPU), so memory is bounded by the block size, never n x n.
On NumPy, stochastic induction draws the dropout mask only over each row's ``m`` best
candidates (faiss top-m), with ``m`` chosen so that all of them are dropped with probability
below ``1e-3``: the same distribution as VecMap's dense dropout at a fraction of the cost. On
CuPy, where a top-m of dozens means a sort, the mask is drawn over each whole similarity block
and followed by an argmax (VecMap's dense dropout), which costs one more pass over the block.
"""
import math
import time

import numpy as np

from . import _cuda
from ._backend import check_positive_int, check_vectors, get_namespace, overwritable, to_numpy, writable
from ._base import ParamsMixin
from .mapping import MAPPINGS, check_pairs, make_mapping, procrustes
from .preprocess import DEFAULT_NORMALIZE, Normalizer, normalize
from .presets import loop_config
from .retrieval import DEFAULT_BATCH_SIZE, _check_k, _mean_topk, _offset_knn, knn, score_blocks

DIRECTIONS = ("forward", "backward", "union", "intersection")
# warmup_dim='auto': the warm-up helps tiny seeds only, so it runs below ``max_seed`` pairs
# (docs/defaults.md, "warmup_dim='auto'").
AUTO_WARMUP = {"dim": 30, "max_seed": 150}
INITS = ("seed", "unsupervised")


def _random(xp, random_state):
    if xp is np:
        return np.random.default_rng(random_state)
    return xp.random.default_rng(random_state)


def _pick(scores, index, keep_prob, rng, xp):
    """Best candidate per row after dropping each candidate with probability ``1 - keep_prob``.

    ``scores``/``index`` (n, m) hold each row's m best candidates in decreasing order; a row
    whose candidates were all dropped keeps its best one.
    """
    if keep_prob >= 1.0 or scores.shape[1] == 1:
        return scores[:, 0], index[:, 0]
    kept = rng.random(scores.shape, dtype=xp.float32) < keep_prob
    kept[:, 0] |= ~kept.any(axis=1)
    first = xp.argmax(kept, axis=1)
    rows = xp.arange(scores.shape[0])
    return scores[rows, first], index[rows, first]


def _dropout_best(Q, D, offset, keep_prob, rng, batch_size):
    """Best row of ``D`` per query under ``Q @ D.T - offset`` after dropping each score with
    probability ``1 - keep_prob`` (dense dropout); a query whose scores were all dropped keeps
    its best one. On float32 CuPy blocks the mask is a counter hash drawn inside one kernel
    (``_cuda.best_dropout``) rather than a random block in memory.

    Parameters
    ----------
    Q : ndarray of shape (n_q, dim)
    D : ndarray of shape (n_d, dim)
    offset : ndarray of shape (n_d,)

    Returns
    -------
    best : ndarray of shape (n_q,)
        The kept score of the chosen row.
    index : ndarray of shape (n_q,), int64
    """
    xp = get_namespace(Q, D, offset)
    best = xp.empty(Q.shape[0], dtype=Q.dtype)
    index = xp.empty(Q.shape[0], dtype=xp.int64)
    seed = None
    for rows, S in score_blocks(Q, D, batch_size):
        if _cuda.usable(S):
            # one read of the block: the mask is a hash of (seed, row, column), drawn in the kernel
            if seed is None:
                u = to_numpy(rng.random((2,), dtype=xp.float64))
                seed = int(u[0] * 2**32) | (int(u[1] * 2**32) << 32)
            best[rows], index[rows] = _cuda.best_dropout(S, offset, keep_prob, seed, row0=rows.start)
            continue
        S -= offset[None, :]
        block = xp.arange(S.shape[0])
        top = xp.argmax(S, axis=1)
        top_val = S[block, top]
        S = xp.where(rng.random(S.shape, dtype=xp.float32) < keep_prob, S, -xp.inf)
        pick = xp.argmax(S, axis=1)
        vals = S[block, pick]
        none_kept = vals == -xp.inf
        best[rows] = xp.where(none_kept, top_val, vals)
        index[rows] = xp.where(none_kept, top, pick)
    return best, index


def _induce_side(Q, D, offset, keep_prob, rng, xp, kw):
    """One induction direction: each query's (stochastically) best row of ``D``."""
    if keep_prob < 1.0 and xp is not np:
        return _dropout_best(Q, D, offset, keep_prob, rng, kw["batch_size"])
    s, i = _offset_knn(Q, D, offset, _candidates(keep_prob, D.shape[0]), **kw)
    return _pick(s, i, keep_prob, rng, xp)


def _restart_key(run, r):
    """Sort key of a restart ``(objective, pairs, history, it, converged)``: its final
    ``keep_prob`` first (objectives only compare at equal ``keep_prob``), then its last
    objective, then the earlier run."""
    objective, _, history = run[:3]
    if objective is None:
        return (-np.inf, -np.inf, -r)
    return (history[-1]["keep_prob"], objective, -r)


def _check_csls_k(csls_k):
    if isinstance(csls_k, bool) or not isinstance(csls_k, (int, np.integer)) or csls_k < 0:
        raise ValueError(f"csls_k must be a non-negative integer (0: plain nearest neighbours); got {csls_k!r}")


def _principal(X, cut, dim):
    """Rows of ``X`` (n, d) on the top ``dim`` principal directions of its first ``cut`` rows,
    rescaled to unit length: shape (n, min(dim, d))."""
    xp = get_namespace(X)
    A = X[:cut]
    _, _, Vt = xp.linalg.svd(A - A.mean(axis=0), full_matrices=False)
    return normalize(X @ Vt[:dim].T, ("unit",))


def _candidates(keep_prob, n, tail=1e-3):
    if keep_prob >= 1.0:
        return 1
    return int(min(n, max(1, math.ceil(math.log(tail) / math.log1p(-keep_prob)))))


def induce_dictionary(Xm, Zm, *, direction="union", csls_k=10, keep_prob=1.0, random_state=None,
                      batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
    """Induce translation pairs between two mapped spaces by CSLS (or NN with ``csls_k=0``).

    Parameters
    ----------
    Xm : ndarray of shape (n_src, dim)
        Mapped, unit-length source vectors.
    Zm : ndarray of shape (n_tgt, dim)
        Mapped, unit-length target vectors.
    direction : {'forward', 'backward', 'union', 'intersection'}
    csls_k : int
        CSLS neighbourhood; 0 uses plain nearest neighbours.
    keep_prob : float in (0, 1]
        Stochastic induction: probability of keeping each candidate similarity.
    random_state : int, Generator or None
        Seed of the dropout (a Generator of ``Xm``'s namespace is used as it is).
    batch_size : int
        Query rows per similarity block.
    use_faiss : {'auto', True, False}

    Returns
    -------
    pairs : ndarray of shape (n_pairs, 2), int64
    objective : float
        Mean CSLS score (plain cosine with ``csls_k=0``) of the chosen candidates, averaged over
        the directions used. With ``keep_prob < 1`` a word whose best candidate was dropped
        counts its best kept one, so the value rises with ``keep_prob``: compare objectives at
        equal ``keep_prob`` (the loop does; its history records ``keep_prob`` beside each value).
    """
    Xm, Zm = check_vectors(Xm, name="Xm"), check_vectors(Zm, name="Zm")
    xp = get_namespace(Xm, Zm)
    if Xm.shape[1] != Zm.shape[1]:
        raise ValueError(f"Xm and Zm must be in one space; got dimensions {Xm.shape[1]} and {Zm.shape[1]}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}; got {direction!r}")
    _check_csls_k(csls_k)
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1]; got {keep_prob}")
    rng = random_state if hasattr(random_state, "random") else _random(xp, random_state)
    kw = {"batch_size": check_positive_int(batch_size, "batch_size"), "use_faiss": use_faiss}
    if csls_k:
        # the inputs are checked above: the searches below skip the public functions' checks
        r_src = _mean_topk(Xm, Zm, _check_k(csls_k, Zm.shape[0], "csls_k"), **kw)
        r_tgt = _mean_topk(Zm, Xm, _check_k(csls_k, Xm.shape[0], "csls_k"), **kw)
    else:
        r_src = xp.zeros(Xm.shape[0], dtype=Xm.dtype)
        r_tgt = xp.zeros(Zm.shape[0], dtype=Zm.dtype)
    parts, objectives = {}, []
    if direction != "backward":
        best, tgt = _induce_side(Xm, Zm, r_tgt / 2, keep_prob, rng, xp, kw)
        parts["forward"] = xp.stack([xp.arange(Xm.shape[0]), tgt], axis=1)
        objectives.append(float(best.mean()))
    if direction != "forward":
        best, src = _induce_side(Zm, Xm, r_src / 2, keep_prob, rng, xp, kw)
        parts["backward"] = xp.stack([src, xp.arange(Zm.shape[0])], axis=1)
        objectives.append(float(best.mean()))
    if direction in ("forward", "backward"):
        pairs = parts[direction]
    elif direction == "union":
        pairs = xp.concatenate([parts["forward"], parts["backward"]], axis=0)
    else:
        n_tgt = Zm.shape[0]
        fwd = parts["forward"][:, 0] * n_tgt + parts["forward"][:, 1]
        bwd = parts["backward"][:, 0] * n_tgt + parts["backward"][:, 1]
        both = xp.intersect1d(fwd, bwd) if hasattr(xp, "intersect1d") else xp.asarray(
            np.intersect1d(to_numpy(fwd), to_numpy(bwd)))
        pairs = xp.stack([both // n_tgt, both % n_tgt], axis=1)
    return pairs.astype(xp.int64), sum(objectives) / len(objectives)


MAP_ROWS = 1 << 16


def map_rows(V, W):
    """``V @ W`` written over ``V`` in blocks of :data:`MAP_ROWS` rows when ``W`` is square and ``V``
    writable (no second copy of a large space), else a new array.

    Parameters
    ----------
    V : ndarray of shape (n, dim)
    W : ndarray of shape (dim, dim_out)

    Returns
    -------
    ndarray of shape (n, dim_out)
    """
    W = W.astype(V.dtype, copy=False)
    if W.shape[0] != W.shape[1] or not writable(V):
        return V @ W
    for start in range(0, V.shape[0], MAP_ROWS):
        V[start:start + MAP_ROWS] = V[start:start + MAP_ROWS] @ W
    return V


def similarity_init(X, Z, *, vocab=4000, csls_k=10, direction="union", normalize_steps=DEFAULT_NORMALIZE,
                    batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto"):
    """Seedless initial dictionary from intra-lingual similarity distributions.

    For the ``vocab`` most frequent words of each side, the square root of the similarity
    matrix (``U S U^T`` from the SVD of ``X``) is sorted row-wise, which makes it invariant to
    any rotation of the space and to the order of the other words; rows with similar sorted
    distributions are matched by CSLS.

    Parameters
    ----------
    X : ndarray of shape (n_src, dim)
        Normalised source vectors, most frequent first.
    Z : ndarray of shape (n_tgt, dim)
        Normalised target vectors, most frequent first.
    vocab : int
        Most frequent words per side that are matched.
    csls_k : int
        CSLS neighbourhood of the matching (0: nearest neighbour).
    direction : {'forward', 'backward', 'union', 'intersection'}
    normalize_steps : sequence of str
        Normalisation of the sorted similarity rows (see :func:`alignment.preprocess.normalize`).
    batch_size : int
        Query rows per similarity block.
    use_faiss : {'auto', True, False}

    Returns
    -------
    pairs : ndarray of shape (n_pairs, 2), int64
        Row indices into ``X`` and ``Z``, all below ``min(vocab, n_src, n_tgt)``.
    """
    X, Z = check_vectors(X, name="X"), check_vectors(Z, name="Z")
    xp = get_namespace(X, Z)
    check_positive_int(vocab, "vocab")
    n = min(vocab, X.shape[0], Z.shape[0])
    if n < 2:
        raise ValueError(f"the unsupervised initialisation needs at least 2 words per side; got {n}")

    def signature(M):
        U, s, _ = xp.linalg.svd(M[:n].astype(xp.float64), full_matrices=False)
        sim = (U * s[None, :]) @ U.T
        sim = xp.sort(sim, axis=1)
        return normalize(sim, normalize_steps).astype(M.dtype)

    pairs, _ = induce_dictionary(signature(X), signature(Z), direction=direction, csls_k=csls_k,
                                 batch_size=batch_size, use_faiss=use_faiss)
    return pairs


class SelfLearning(ParamsMixin):
    """Bootstrap a bilingual mapping from a small (or empty) seed dictionary.

    Parameters
    ----------
    init : {'seed', 'unsupervised'}
        Start from ``seed_pairs`` given to :meth:`fit`, or from the similarity-distribution
        initialisation (no seed at all).
    self_learning : bool
        Iterate; ``False`` fits ``final_mapping`` once on the seed (supervised mapping).
    normalize : sequence of str
        Normalisation steps applied to both spaces first (see :mod:`alignment.preprocess`).
    final_mapping : dict
        ``{'name': 'orthogonal' | 'multistep' | 'least_squares', **params}`` fitted on the
        final dictionary.
    csls_k : int
        CSLS neighbourhood for induction (0: nearest neighbour).
    direction : {'forward', 'backward', 'union', 'intersection'}
    vocabulary_cutoff : int or None
        Induce only among the most frequent words of each side.
    stochastic_initial, stochastic_multiplier : float
        Stochastic dictionary induction schedule (``stochastic_initial=1`` disables it).
    stochastic_interval : int
        Iterations without objective improvement before ``keep_prob`` grows.
    threshold : float
        Minimum objective improvement that counts as progress.
    max_iter : int
    keep_seed : bool
        Add the seed pairs to every induced dictionary (useful with gold seeds).
    unsupervised_vocab : int
        Words per side used by the unsupervised initialisation.
    warmup_dim : int, 'auto' or None
        Before the loop in all dimensions, run it on each space's ``warmup_dim`` principal
        directions, from the seed, and start the full loop from the dictionary it reaches (the
        seed alone is kept with ``keep_seed``). An orthogonal map of 30 directions is pinned down
        by far fewer pairs than one of 300, so this lets a seed of a few dozen pairs take off
        (docs/defaults.md). ``'auto'``: ``AUTO_WARMUP['dim']``
        directions when the seed has fewer than ``AUTO_WARMUP['max_seed']`` distinct pairs (none when
        the vectors have no more dimensions than that). An integer at or above the vectors'
        dimension is refused: the warm-up would be the main loop itself.
    batch_size : int
        Query rows per similarity block (memory ~ ``batch_size * cutoff`` floats).
    use_faiss : {'auto', True, False}
    random_state : int or None
    n_init : int
        Runs of the loop from the same initial dictionary with random states ``random_state``,
        ``random_state + 1``, ... (restart 0 is the single run), keeping the one whose last
        objective (mean CSLS score of the induced dictionary) is highest among the runs that
        ended at the highest ``keep_prob`` (objectives are comparable only at equal
        ``keep_prob``; a run that ``max_iter`` stopped early loses to one that converged). The
        stochastic induction sends runs from one weak start into different basins, and the
        objective tells the right one apart: a run that found the right basin ends clearly above
        the failed ones, which end close together (docs/defaults.md). Needs ``self_learning`` and
        an integer (or None) ``random_state``. Costs
        ``n_init`` loops; the unsupervised initialisation and the warm-up's principal directions
        are computed once.
    copy : bool, default True
        False: :meth:`fit` normalises ``X`` and ``Z`` in place and :meth:`fit_transform` maps them in
        place, so two large spaces are never held twice (the caller's arrays are overwritten, and
        :meth:`transform` must not be given them again). True leaves the inputs untouched.
    callback : callable, optional
        Called with each iteration's log dict.

    Attributes
    ----------
    pairs_ : ndarray of shape (n_pairs, 2)
        The final dictionary (indices into ``X`` and ``Z``).
    W_src_ : ndarray of shape (dim, dim_out)
    W_tgt_ : ndarray of shape (dim, dim_out)
    final_mapping_ : OrthogonalMapping, MultiStepMapping or LeastSquaresMapping
        The ``final_mapping`` estimator fitted on ``pairs_`` (``W_src_`` and ``W_tgt_`` are its maps).
    normalizer_src_, normalizer_tgt_ : Normalizer
    history_ : list of dict
        Per iteration: ``iteration``, ``stage`` (``"warmup"`` or ``"main"``), ``objective``,
        ``keep_prob``, ``n_pairs``, ``time_s`` and, with validation pairs, ``val_p@1`` (NN over the
        whole target space, in [0, 1]).
    n_iter_ : int
        Iterations run, the warm-up's included (``history_`` tells them apart by ``stage``).
    warmup_dim_ : int or None
        The warm-up's number of principal directions, None where none ran.
    converged_ : bool
    restart_objectives_ : list of float
        The last objective of each of the ``n_init`` runs.
    best_restart_ : int
        The run that was kept (0-based).
    fit_time_s_ : float
        Wall time of :meth:`fit`, in seconds.
    """

    def __init__(self, *, init="seed", self_learning=True, normalize=DEFAULT_NORMALIZE,
                 final_mapping=None, csls_k=10, direction="intersection", vocabulary_cutoff=5000,
                 stochastic_initial=0.1, stochastic_multiplier=2.0, stochastic_interval=2,
                 threshold=1e-4, max_iter=100, keep_seed=True, unsupervised_vocab=4000, warmup_dim=None,
                 batch_size=DEFAULT_BATCH_SIZE, use_faiss="auto", random_state=0, n_init=1, copy=True,
                 callback=None):
        self.init = init
        self.self_learning = self_learning
        self.normalize = normalize
        self.final_mapping = final_mapping
        self.csls_k = csls_k
        self.direction = direction
        self.vocabulary_cutoff = vocabulary_cutoff
        self.stochastic_initial = stochastic_initial
        self.stochastic_multiplier = stochastic_multiplier
        self.stochastic_interval = stochastic_interval
        self.threshold = threshold
        self.max_iter = max_iter
        self.keep_seed = keep_seed
        self.unsupervised_vocab = unsupervised_vocab
        self.warmup_dim = warmup_dim
        self.batch_size = batch_size
        self.use_faiss = use_faiss
        self.random_state = random_state
        self.n_init = n_init
        self.copy = copy
        self.callback = callback

    @classmethod
    def from_preset(cls, name, *, seed=None, **overrides):
        """An estimator configured like a named preset, adapted to its seed, with overrides.

        Parameters
        ----------
        name : {'offramp', 'supervised', 'procrustes', 'semi_supervised', 'identical', 'unsupervised'}
            A recipe of :data:`alignment.presets.PRESETS`.
        seed : str or sequence of str, optional
            The seed's kind (``'unsupervised'``, ``'identical+numerals'``, ``('dictionary',)``, ...):
            a preset adapts to it by the rules of :func:`alignment.presets.loop_config`. None applies
            the recipe as written.
        **overrides
            Constructor parameters that replace the preset's.

        Returns
        -------
        SelfLearning
            Unfitted.
        """
        return cls(**loop_config(name, seed, overrides))

    def _validate(self, X, Z):
        """Check the parameters and the two spaces; returns ``(X, Z)`` as validated float arrays."""
        X, Z = check_vectors(X, name="X"), check_vectors(Z, name="Z")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {self.init!r}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}; got {self.direction!r}")
        if not 0 < self.stochastic_initial <= 1:
            raise ValueError(f"stochastic_initial must be in (0, 1]; got {self.stochastic_initial}")
        if self.stochastic_multiplier <= 1 and self.stochastic_initial < 1:
            raise ValueError(f"stochastic_multiplier must be > 1; got {self.stochastic_multiplier}")
        w = self.warmup_dim
        if not (w is None or w == "auto" or (isinstance(w, (int, np.integer)) and not isinstance(w, bool) and w >= 1)):
            raise ValueError(f"warmup_dim must be a positive integer, 'auto' or None; got {w!r}")
        check_positive_int(self.n_init, "n_init")
        if self.n_init > 1 and not self.self_learning:
            raise ValueError(f"n_init={self.n_init} restarts the self-learning loop, and self_learning=False runs "
                             "none; drop the restarts or use a self-learning preset")
        if self.n_init > 1 and not (self.random_state is None or isinstance(self.random_state, (int, np.integer))):
            raise ValueError("n_init > 1 derives each run's random state as random_state + r; give an integer "
                             f"random_state or None, not {type(self.random_state).__name__}")
        check_positive_int(self.max_iter, "max_iter")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.stochastic_interval, "stochastic_interval")
        check_positive_int(self.unsupervised_vocab, "unsupervised_vocab")
        _check_csls_k(self.csls_k)
        if self.vocabulary_cutoff is not None:
            check_positive_int(self.vocabulary_cutoff, "vocabulary_cutoff (None for the whole vocabulary)")
        if not self.threshold >= 0:
            raise ValueError(f"threshold must be >= 0; got {self.threshold!r}")
        spec = self.final_mapping or {"name": "orthogonal"}
        if not isinstance(spec, dict) or spec.get("name") not in MAPPINGS:
            raise ValueError(f"final_mapping must be a dict {{'name': one of {tuple(MAPPINGS)}, **params}} or None; "
                             f"got {self.final_mapping!r}")
        make_mapping(**spec)  # unknown parameters fail here, before the loop, not after it
        if X.shape[1] != Z.shape[1]:
            raise ValueError(f"orthogonal mapping needs equal dimensions; got src dim={X.shape[1]}, "
                             f"tgt dim={Z.shape[1]}")
        if w not in (None, "auto") and w >= X.shape[1]:
            raise ValueError(f"warmup_dim={w} must be below the vectors' {X.shape[1]} dimensions: the warm-up "
                             "runs in fewer principal directions than the full space")
        return X, Z

    def fit(self, X, Z, seed_pairs=None, *, validation_pairs=None, restart_store=None):
        """Learn the mapping.

        Parameters
        ----------
        X : ndarray of shape (n_src, dim)
            Source vectors, most frequent words first.
        Z : ndarray of shape (n_tgt, dim)
            Target vectors, most frequent words first.
        seed_pairs : int ndarray of shape (n_seed, 2), optional
            Seed dictionary; required unless ``init='unsupervised'``.
        validation_pairs : int ndarray of shape (n_val, 2), optional
            Gold pairs whose P@1 is logged every iteration (not used for fitting).
        restart_store : object, optional
            Keeps finished restarts for a later fit on the same inputs (a checkpoint, kept by the
            caller): ``get(r)`` gives restart ``r``'s ``(objective, pairs, history, n_iter,
            converged)`` or None, and ``put(r, run)`` is called after each restart it did not
            give. Each restart depends only on its own random state, so a fit that takes some
            restarts from the store ends as one that ran them all.

        Returns
        -------
        self
        """
        X, Z = self._validate(X, Z)
        xp = get_namespace(X, Z)
        start = time.perf_counter()
        self.normalizer_src_ = Normalizer(steps=self.normalize)
        self.normalizer_tgt_ = Normalizer(steps=self.normalize)
        Xn = self.normalizer_src_.fit_transform(X, copy=self.copy)
        Zn = self.normalizer_tgt_.fit_transform(Z, copy=self.copy)
        cut = self.vocabulary_cutoff or max(X.shape[0], Z.shape[0])
        Xc, Zc = Xn[:cut], Zn[:cut]
        kw = {"batch_size": self.batch_size, "use_faiss": self.use_faiss}

        seed = None
        if seed_pairs is not None and len(seed_pairs):
            seed = check_pairs(seed_pairs, X.shape[0], Z.shape[0], xp)
        if self.init == "unsupervised":
            pairs = similarity_init(Xn, Zn, vocab=self.unsupervised_vocab, csls_k=self.csls_k,
                                    direction=self.direction, normalize_steps=self.normalize, **kw)
            seed = None
        elif seed is None:
            raise ValueError("init='seed' needs seed_pairs; give a dictionary, identical or numeral "
                             "seeds, or use init='unsupervised'")
        else:
            pairs = seed
        val = None
        if validation_pairs is not None and len(validation_pairs):
            val = check_pairs(validation_pairs, X.shape[0], Z.shape[0], xp)

        warmup = self._warmup_dim(seed, X.shape[1]) if self.self_learning else None
        if warmup:
            # Coarse to fine: an orthogonal map of the top principal directions needs far fewer
            # pairs than one of all dimensions, so a tiny seed first grows a dictionary there.
            Xw, Zw = _principal(Xn, cut, warmup), _principal(Zn, cut, warmup)  # once for every restart
        runs = []
        for restart in range(self.n_init if self.self_learning else 1):
            kept = restart_store.get(restart) if restart_store is not None else None
            if kept is not None:
                objective, found, history, it, converged = kept
                runs.append((objective, xp.asarray(found), history, it, converged))
                continue
            rs = self.random_state if self.random_state is None or restart == 0 else self.random_state + restart
            rng = _random(xp, rs)
            tag = restart if self.n_init > 1 else None  # history records name their run
            history = []
            it, converged, found = 0, False, pairs
            if warmup:
                found, it, _ = self._loop(Xw, Zw, Xw[:cut], Zw[:cut], found, seed, rng, None, history, 0, "warmup",
                                          tag)
            if self.self_learning:
                found, it, converged = self._loop(Xn, Zn, Xc, Zc, found, seed, rng, val, history, it, "main", tag)
            objective = history[-1]["objective"] if history else None
            runs.append((objective, found, history, it, converged))
            if restart_store is not None:
                restart_store.put(restart, runs[-1])
        self.restart_objectives_ = [r[0] for r in runs]  # None where no loop ran (self_learning=False)
        self.best_restart_ = max(range(len(runs)), key=lambda r: _restart_key(runs[r], r))
        _, pairs, history, it, converged = runs[self.best_restart_]
        spec = dict(self.final_mapping or {"name": "orthogonal"})
        final = make_mapping(spec.pop("name"), **spec).fit(Xn, Zn, pairs)
        self.final_mapping_ = final
        self.W_src_, self.W_tgt_ = final.W_src_, final.W_tgt_
        self.pairs_ = pairs
        self.history_ = history
        self.n_iter_ = it
        self.warmup_dim_ = warmup
        self.converged_ = converged or not self.self_learning
        self.fit_time_s_ = time.perf_counter() - start
        return self

    def _warmup_dim(self, seed, dim):
        """The warm-up's number of directions for this seed in ``dim`` dimensions (None: no warm-up).

        A warm-up in ``dim`` or more directions would be the main loop itself, so it is skipped.
        """
        if seed is None or self.warmup_dim is None:
            return None
        if self.warmup_dim == "auto":
            n_distinct = int(get_namespace(seed).unique(seed[:, 0] * (int(seed[:, 1].max()) + 1)
                                                        + seed[:, 1]).shape[0])
            warmup = AUTO_WARMUP["dim"] if n_distinct < AUTO_WARMUP["max_seed"] else None
        else:
            warmup = int(self.warmup_dim)
        return warmup if warmup is not None and warmup < dim else None

    def _loop(self, Xn, Zn, Xc, Zc, pairs, seed, rng, val, history, it, stage, restart=None):
        """Alternate Procrustes and induction until convergence; returns (pairs, last iteration, converged)."""
        xp = get_namespace(Xn, Zn)
        kw = {"batch_size": self.batch_size, "use_faiss": self.use_faiss}
        keep_prob = self.stochastic_initial
        best, last_improvement, converged = -np.inf, it, False
        for it in range(it + 1, it + self.max_iter + 1):
            t0 = time.perf_counter()
            # pairs are valid by construction here: no host round trip through check_pairs
            W = procrustes(Xn[pairs[:, 0]], Zn[pairs[:, 1]])
            induced, objective = induce_dictionary(Xc @ W, Zc, direction=self.direction,
                                                   csls_k=self.csls_k, keep_prob=keep_prob,
                                                   random_state=rng, **kw)
            record = {"iteration": it, "stage": stage, "objective": objective, "keep_prob": keep_prob,
                      "n_pairs": int(induced.shape[0])}
            if restart is not None:
                record["restart"] = restart
            if val is not None:
                record["val_p@1"] = self._val_accuracy(Xn, W, Zn, val)
            if objective - best >= self.threshold:
                best, last_improvement = objective, it
            pairs = induced if seed is None or not self.keep_seed else xp.concatenate([seed, induced])
            record["time_s"] = time.perf_counter() - t0
            history.append(record)
            if self.callback is not None:
                self.callback(record)
            if it - last_improvement >= self.stochastic_interval:
                if keep_prob >= 1.0:
                    converged = True
                    break
                keep_prob = min(1.0, keep_prob * self.stochastic_multiplier)
                last_improvement = it
        return pairs, it, converged

    def _val_accuracy(self, Xn, W, Zn, val):
        """P@1 (NN) of the validation pairs' source words mapped by ``W`` (only their rows are mapped)."""
        xp = get_namespace(Xn, Zn)
        src = xp.unique(val[:, 0])
        _, idx = knn(Xn[src] @ W, Zn, 1, batch_size=self.batch_size, use_faiss=self.use_faiss)
        gold = set(map(tuple, to_numpy(val).tolist()))
        hits = sum((s, t) in gold for s, t in zip(to_numpy(src).tolist(), to_numpy(idx[:, 0]).tolist()))
        return hits / int(src.shape[0])

    def _check_fitted(self):
        if not hasattr(self, "W_src_"):
            raise ValueError("SelfLearning is not fitted; call fit(X, Z, seed_pairs) first")

    def transform_src(self, X):
        """Normalise (with the statistics learned in fit) and map source vectors.

        Parameters
        ----------
        X : ndarray of shape (n, dim)

        Returns
        -------
        ndarray of shape (n, dim_out), dtype of ``X``
        """
        self._check_fitted()
        Xn = self.normalizer_src_.transform(check_vectors(X, name="X"))
        return Xn @ self.W_src_.astype(Xn.dtype, copy=False)

    def transform_tgt(self, Z):
        """Normalise (with the statistics learned in fit) and map target vectors.

        Parameters
        ----------
        Z : ndarray of shape (n, dim)

        Returns
        -------
        ndarray of shape (n, dim_out), dtype of ``Z``
        """
        self._check_fitted()
        Zn = self.normalizer_tgt_.transform(check_vectors(Z, name="Z"))
        return Zn @ self.W_tgt_.astype(Zn.dtype, copy=False)

    def fit_transform(self, X, Z, seed_pairs=None, **fit_params):
        """:meth:`fit`, then both spaces mapped: ``(transform_src(X), transform_tgt(Z))``.

        With ``copy=False`` the spaces are normalised and mapped in place, in blocks of rows (a
        square map; others allocate the result), and the returned arrays are ``X`` and ``Z``.

        Parameters
        ----------
        X : ndarray of shape (n_src, dim)
        Z : ndarray of shape (n_tgt, dim)
        seed_pairs : int ndarray of shape (n_seed, 2), optional
        **fit_params
            ``validation_pairs`` and ``restart_store``, as in :meth:`fit`.

        Returns
        -------
        X_mapped : ndarray of shape (n_src, dim_out)
        Z_mapped : ndarray of shape (n_tgt, dim_out)
        """
        if self.copy:
            self.fit(X, Z, seed_pairs, **fit_params)
            return self.transform_src(X), self.transform_tgt(Z)
        # a side that fit could normalise in place (a writable float array) is mapped in place; a
        # cast or read-only one was normalised as a copy, so it is transformed from the original
        in_place = [overwritable(V) for V in (X, Z)]
        self.fit(X, Z, seed_pairs, **fit_params)
        return (map_rows(X, self.W_src_) if in_place[0] else self.transform_src(X),
                map_rows(Z, self.W_tgt_) if in_place[1] else self.transform_tgt(Z))

    def transform(self, X, Z):
        """Both spaces in the shared space: ``(transform_src(X), transform_tgt(Z))``.

        Parameters
        ----------
        X : ndarray of shape (n_src, dim)
        Z : ndarray of shape (n_tgt, dim)

        Returns
        -------
        X_mapped : ndarray of shape (n_src, dim_out)
        Z_mapped : ndarray of shape (n_tgt, dim_out)
        """
        return self.transform_src(X), self.transform_tgt(Z)
