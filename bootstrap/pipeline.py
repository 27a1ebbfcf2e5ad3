"""Word-level pipeline on ``KeyedVectors``: align two spaces, evaluate BLI, induce a lexicon.

These are the library functions behind ``offramp align``, ``offramp evaluate`` and
``offramp induce``; they turn words into row indices, move arrays to the chosen device,
call :mod:`alignment`, and bring the results back as ``KeyedVectors`` and plain dicts.
"""
import contextlib
import hashlib
import json
import os
import platform
import time
from dataclasses import dataclass, field

import numpy as np

from alignment import __version__
from alignment._backend import asarray, check_positive_int, get_namespace, nonfinite_rows, resolve_device, to_numpy
from alignment.instance import InstanceRefinement
from alignment.metrics import DEFAULT_KS, bli_scores
from alignment.preprocess import unit
from alignment.rerank import DEFAULT_GRID, DEFAULT_WEIGHTS, candidate_ranks, fit_weights
from alignment.rerank import rerank as rerank_candidates
from alignment.retrieval import METHODS, gold_ranks, isf_normaliser, mean_topk_similarity, retrieve
from alignment.selflearning import PRESETS, SelfLearning

from ._atomic import atomic_open, atomic_path, check_distinct
from .dictionaries import LEXICON_HEADER, group_by_source, lookup_pairs, read_dictionary
from .embeddings import make_keyed_vectors, save_embeddings, word_counts
from .orthography import candidate_features
from .parallel import PARALLEL_DEFAULTS, VerseAssociation, verse_association
from .ranker import TreeRanker
from .seeds import COGNATE_DEFAULTS, identical_pairs, parse_mode, seed_entries

#: Seed modes of :func:`align_embeddings`; other '+'-joined combinations of dictionary, identical,
#: cognates and numerals work too (see :func:`bootstrap.seeds.seed_entries`).
SEED_MODES = ("dictionary", "identical", "cognates", "numerals", "parallel", "identical+numerals",
              "cognates+numerals", "dictionary+identical", "dictionary+parallel", "unsupervised")
#: Refinements :func:`align_embeddings` can apply after the mapping (None: none).
REFINEMENTS = ("instance",)
SIDECAR_SUFFIX = ".offramp.json"
#: Default frequency-rank filter for identical-string seeds (None: keep every identical string).
DEFAULT_IDENTICAL_RANK_RATIO = None
#: Options of the unsupervised seed from auxiliary spaces (``align_embeddings(via=...)``):
#: restarts of their unsupervised alignment, how many of their most frequent source words are
#: translated (mutual CSLS best pairs) into the seed, and ``prefix_len``: the auxiliary spaces were
#: trained on tokens cut to this many characters (``offramp train --prefix-len``), so each induced
#: pair of prefixes stands for the most frequent main-vocabulary words that start with them.
VIA_DEFAULTS = {"restarts": 8, "top": 2000, "prefix_len": None}
#: What the ``offramp`` preset changes for ``seed='unsupervised'`` (the main run and the auxiliary
#: spaces of ``via=``): induction in both directions (union), as VecMap's unsupervised mode does. The
#: mutual (intersection) induction suits a gold seed, but from the similarity-distribution start it
#: left en-fi's Bible spaces in the wrong basin in 16 of 16 restarts, where union reached the right
#: one in 8 of 8, on five pairs (benchmarks/README.md, section 1o). And 8 restarts of the loop
#: (``n_init``; the auxiliary alignment of ``via=`` has its own, ``VIA_DEFAULTS['restarts']``): with
#: union induction on the BLI benchmark's corpora, 4 of 6 runs found the right basin on en-de and
#: 1 of 6 on en-fr, and the best objective picked them (P@1 41.3 and 39.4 against 0.3-3.6 from one
#: run; section 1q).
OFFRAMP_UNSUPERVISED = {"direction": "union", "n_init": 8}
#: What the ``offramp`` preset changes for a seed of strings alone (identical strings, cognates,
#: numerals; no dictionary, no verses): induction in both directions (union). Such a seed holds few
#: right pairs among the frequent words, and the mutual induction keeps too few pairs to grow from it.
#: On the BLI benchmark's six pairs (three random states, no refinement, P@1 CSLS; benchmarks/README.md,
#: section 1r) union lifted identical+numerals on en-lv 1.7 -> 3.4, en-sl 15.0 -> 20.6, en-fi
#: 7.4 -> 10.0, en-de 38.7 -> 40.8, and cognates+numerals on en-lv 4.7 -> 8.3, en-sl 17.0 -> 20.9; it
#: costs en-es 1.1 and 2.6 points and en-fr up to 1.2. A gold dictionary or the verse seed keeps the
#: mutual induction, which scored 0.3-2.5 points better with them in 6 of 7 runs.
OFFRAMP_STRINGS = {"direction": "union"}
STRING_SEEDS = frozenset({"identical", "cognates", "numerals"})


@dataclass
class AlignResult:
    """What :func:`align_embeddings` learned.

    Attributes
    ----------
    src_mapped, tgt_mapped : KeyedVectors
        Both vocabularies in the shared space (float32).
    estimator : SelfLearning
        The fitted estimator, arrays on the host.
    report : dict
        Parameters, seed coverage, per-iteration history, timings (JSON-serialisable).
    refiner : InstanceRefinement or None
        The non-linear refinement applied after the estimator's maps (``refine='instance'``),
        arrays on the host; None where none was asked for.
    """

    src_mapped: object
    tgt_mapped: object
    estimator: SelfLearning
    report: dict = field(default_factory=dict)
    refiner: object = None

    @property
    def W_src(self):
        """Source map, ndarray of shape (dim, dim_out); apply after :attr:`estimator`'s normaliser."""
        return self.estimator.W_src_

    @property
    def W_tgt(self):
        """Target map, ndarray of shape (dim, dim_out)."""
        return self.estimator.W_tgt_

    def transform_src(self, vectors):
        """Map any source-space vectors, e.g. fastText subword vectors, into the shared space.

        With a refinement (:attr:`refiner`) the rows come out unit-length, and a seed-dictionary
        word's vector moves with its own residual too, so it lands nearer its translation than its
        row in :attr:`src_mapped` (written leave-one-out).

        Parameters
        ----------
        vectors : array-like of shape (n, dim)
            In the source space as loaded (before normalisation); cast to float32.

        Returns
        -------
        ndarray of shape (n, dim_out), float32
        """
        out = self.estimator.transform_src(np.asarray(vectors, dtype=np.float32))
        return out if self.refiner is None else self.refiner.transform_src(out)

    def transform_tgt(self, vectors):
        """Map any target-space vectors into the shared space (see :meth:`transform_src`).

        Parameters
        ----------
        vectors : array-like of shape (n, dim)
            In the target space as loaded; cast to float32.

        Returns
        -------
        ndarray of shape (n, dim_out), float32
        """
        out = self.estimator.transform_tgt(np.asarray(vectors, dtype=np.float32))
        return out if self.refiner is None else self.refiner.transform_tgt(out)


def _host_estimator(est):
    for name in ("W_src_", "W_tgt_", "pairs_"):
        setattr(est, name, to_numpy(getattr(est, name)))
    for norm in (est.normalizer_src_, est.normalizer_tgt_):
        norm.stats_ = [None if s is None else to_numpy(s) for s in norm.stats_]
    est.final_mapping_ = None
    return est


def _host_refiner(refiner):
    for side in ("src", "tgt"):
        for part in ("anchors", "vectors", "residuals"):
            name = f"{side}_{part}_"
            setattr(refiner, name, to_numpy(getattr(refiner, name)))
    return refiner


def _progress_callback(progress):
    if not progress:
        return None, None
    from ._progress import progress_bar

    # no total: the loop stops at convergence, mostly long before max_iter (VecMap's presets: 10000),
    # and a warm-up stage adds its own iterations, so a total would give a false ETA
    bar = progress_bar(total=None, desc="self-learning", unit="it", leave=False)

    def callback(record):
        post = {"obj": f"{record['objective']:.4f}", "keep": f"{record['keep_prob']:.2f}"}
        if "val_p@1" in record:
            post["val@1"] = f"{100 * record['val_p@1']:.1f}"
        bar.set_postfix(post, refresh=False)  # shown by the update, which keeps to the bar's redraw interval
        bar.update(1)

    return callback, bar


#: :func:`evaluate_bli` and :func:`induce_lexicon` show their steps for spaces of this many word pairs
#: (n_src x n_tgt) or more: 20000 words each side is a few seconds of k-NN search on two cores.
STEPS_MIN_PAIRS = 4 * 10 ** 8


#: Rows per search call where a step counts its rows: faiss searches queries 4096 at a time
#: anyway, and each call costs a copy of the database into its index (about a second per 100 calls
#: at 200k x 300), so slices of this size cost nothing measurable and give a 200k-word step 25 updates.
PROGRESS_ROWS = 8192


@contextlib.contextmanager
def _steps(total, *, progress, n_pairs, log=None):
    """Transient tqdm lines over a command's ``total`` named steps: yields ``step(name, rows=None)``,
    called as each step begins.

    A step over ``rows`` words (a search in slices of :data:`PROGRESS_ROWS`) counts them,
    ``step 3/4: translating 200000 source words  41% [02:10<03:05]``, through the ``tick(n)`` that
    ``step`` returns; a step that is one call (the re-ranking, a verse association) names itself and
    shows its elapsed time, ``step 2/3: fitting the re-ranking [00:25]``. Shown only with ``progress``
    and for spaces of :data:`STEPS_MIN_PAIRS` word pairs or more. ``log``, a list, receives one
    ``{"step": name, "rows": rows, "seconds": s}`` per step (shown or not), for a report.
    """
    from ._progress import progress_bar

    shown = progress and n_pairs >= STEPS_MIN_PAIRS
    state = {"bar": None, "number": 0, "start": None}

    def finish():
        if state["bar"] is not None:
            state["bar"].close()
            if log is not None:
                log[-1]["seconds"] = round(time.perf_counter() - state["start"], 3)

    def step(name, rows=None):
        finish()
        state["number"] += 1
        state["start"] = time.perf_counter()
        if log is not None:
            log.append({"step": name, "rows": rows, "seconds": None})
        desc = f"step {state['number']}/{total}: {name}"
        if rows is None:
            bar = progress_bar(total=None, desc=desc, bar_format="{desc} [{elapsed}]", leave=False,
                               disable=not shown)
        else:
            bar = progress_bar(total=rows, desc=desc, bar_format="{desc} {percentage:3.0f}% [{elapsed}<{remaining}]",
                               leave=False, disable=not shown)
        state["bar"] = bar
        return bar.update

    try:
        yield step
    finally:
        finish()


def _in_slices(search, n, tick=None, rows=PROGRESS_ROWS):
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


def _builds_association(parallel):
    """True when ``parallel`` names corpora that :func:`resolve_association` reads (a step of its own)."""
    return parallel is not None and not isinstance(parallel, VerseAssociation)


#: SelfLearning parameters that only the self-learning loop reads.
LOOP_PARAMS = ("vocabulary_cutoff", "csls_k", "direction", "max_iter", "threshold", "stochastic_initial",
               "stochastic_multiplier", "stochastic_interval", "warmup_dim", "keep_seed", "n_init")


def _check_preset_seed(preset, seed, config, params):
    """Refuse what a preset would silently ignore: VecMap's unsupervised preset given a seed (it
    starts from the similarity distribution), a seedless run of a preset with no loop, and
    loop settings where no loop runs."""
    # init 'seed': the main run of via=
    if preset == "unsupervised" and seed != "unsupervised" and params.get("init") != "seed":
        raise ValueError(f"preset 'unsupervised' starts from no seed (VecMap's --unsupervised), so seed={seed!r} "
                         "would be ignored; drop the seed (CLI: --unsupervised) or use preset 'semi_supervised' "
                         "or 'offramp' with it")
    if config.get("self_learning", True):
        return
    why = f"preset {preset!r}" if "self_learning" not in params else "self_learning=False (--no-self-learning)"
    if seed == "unsupervised":
        raise ValueError(f"{why} fits once on the seed, and seed='unsupervised' has none; use a self-learning "
                         "preset ('offramp', 'unsupervised') or give a seed")
    given = sorted(k for k in LOOP_PARAMS if params.get(k) is not None and not (k == "n_init" and params[k] == 1))
    if given:
        raise ValueError(f"{given} set the self-learning loop, and {why} runs none (one fit on the seed); drop "
                         "them or use a self-learning preset ('offramp', 'semi_supervised')")


def _entries(dictionary, lowercase=False):
    if dictionary is None:
        return None, None
    if isinstance(dictionary, (str, os.PathLike)):
        return read_dictionary(dictionary, lowercase=lowercase), os.fspath(dictionary)
    return list(dictionary), None


def resolve_association(parallel, src, tgt):
    """A :class:`bootstrap.parallel.VerseAssociation` for these two spaces, or None.

    ``parallel`` is None, an association (checked against the vocabularies), a pair
    ``(src_files, tgt_files)`` of verse-aligned corpora to build one from, or a triple
    ``(src_files, tgt_files, options)`` whose dict of options goes to
    :func:`bootstrap.parallel.verse_association` (e.g. ``{"measure": "ibm1"}``).
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


def align_embeddings(src, tgt, *, seed="identical+numerals", seed_dict=None, preset="offramp",
                     validation_dict=None, device="cpu", random_state=0, progress=True,
                     identical_rank_ratio=DEFAULT_IDENTICAL_RANK_RATIO, cognates=None, parallel=None,
                     parallel_options=None, refine="auto", refine_options=None, via=None, via_options=None,
                     lowercase=False, **params):
    """Map two embedding spaces into one.

    Parameters
    ----------
    src, tgt : KeyedVectors
        Source and target vectors, most frequent words first.
    seed : {'dictionary', 'identical', 'cognates', 'numerals', 'parallel', 'identical+numerals',
            'cognates+numerals', 'dictionary+identical', 'dictionary+parallel', 'unsupervised'}
        Where the seed dictionary comes from (any '+'-joined combination of dictionary,
        identical, cognates, numerals and parallel works).
    seed_dict : path or list of (str, str), optional
        Gold training dictionary (for seed modes with ``dictionary``).
    preset : str
        A recipe from :data:`alignment.selflearning.PRESETS`: ``'offramp'`` (default: fast
        stochastic self-learning), VecMap's ``'supervised'``, ``'semi_supervised'``,
        ``'identical'``, ``'unsupervised'``, or ``'procrustes'`` (one orthogonal fit). With
        ``seed='unsupervised'``, ``'offramp'`` also induces in both directions and restarts the
        loop 8 times (:data:`OFFRAMP_UNSUPERVISED`; ``direction`` and ``n_init`` override it), and
        with a seed of strings alone (identical, cognates, numerals) it induces in both directions
        (:data:`OFFRAMP_STRINGS`).
    validation_dict : path or list of (str, str), optional
        Gold pairs whose P@1 is logged per iteration (never used for fitting).
    identical_rank_ratio : float or None
        Identical-string seeds: keep a word only if its frequency ranks on the two sides differ
        by at most this factor (see :func:`bootstrap.seeds.identical_pairs`); None keeps all.
    cognates : dict, optional
        Options of :func:`bootstrap.seeds.cognate_pairs` for seed modes with ``cognates``
        (``min_similarity``, ``min_len``, ``max_rank``, ``max_rank_ratio``).
    parallel : VerseAssociation or (src_files, tgt_files), optional
        Verse-aligned corpora (e.g. Bibles, ``ID<TAB>text``) for seed modes with ``parallel``:
        mutually best Dice pairs over shared verses (:mod:`bootstrap.parallel`).
    parallel_options : dict, optional
        Options of :meth:`bootstrap.parallel.VerseAssociation.pairs` (``min_score``,
        ``min_count``, ``max_rank``).
    refine : {'auto', 'instance', None}
        After the mapping, move every word along the residuals of its nearest seed pairs
        (:class:`alignment.instance.InstanceRefinement`, non-linear). The anchors are the
        dictionary's pairs when the seed has a dictionary, else all seed pairs (the unsupervised
        mode has none). It pays with a gold dictionary (en-fr: P@1 53.7 -> 59.0; +1.4 to +6.2 on
        six pairs, benchmarks/README.md section 1e). ``'auto'`` (default): ``'instance'`` for the
        ``offramp`` preset with a seed dictionary, None otherwise (VecMap's presets stay linear).
    refine_options : dict, optional
        Parameters of :class:`~alignment.instance.InstanceRefinement` (``n_neighbors``,
        ``temperature``, ``step``, ``symmetric``).
    via : (KeyedVectors, KeyedVectors), optional
        With ``seed='unsupervised'``: two auxiliary spaces of the same two languages trained on
        comparable text, such as each language's Bible (no verse alignment is used); for inflecting
        languages trained on tokens cut to a prefix (``via_options['prefix_len']``). They are
        aligned without any seed (``via_options['restarts']`` runs, the best objective kept), the
        mutual CSLS translations of their ``via_options['top']`` most frequent source words become
        the seed of ``src`` and ``tgt``, and the loop runs from there. No bilingual signal enters:
        the unsupervised start only needs spaces of similar shape, which small mixed corpora are
        not and two translations of one text can be (benchmarks/README.md, section 1g).
    via_options : dict, optional
        ``restarts``, ``top`` and ``prefix_len`` (defaults :data:`VIA_DEFAULTS`).
    lowercase : bool, default False
        Lowercase the seed and validation dictionaries read from files (for vectors trained on
        lowercased text, as ``offramp train`` does, and a dictionary that is not).
    device : {'cpu', 'cuda', 'auto'}
    random_state : int
    progress : bool
        Show a tqdm bar over iterations.
    **params
        Overrides of :class:`alignment.selflearning.SelfLearning` parameters
        (``vocabulary_cutoff``, ``csls_k``, ``direction``, ``max_iter``, ``normalize``, ...).

    Returns
    -------
    AlignResult
    """
    if via is not None or via_options is not None:
        others = {"seed_dict": seed_dict, "cognates": cognates, "parallel": parallel,
                  "parallel_options": parallel_options,
                  "identical_rank_ratio": identical_rank_ratio != DEFAULT_IDENTICAL_RANK_RATIO or None}
        given = sorted(name for name, value in others.items() if value is not None)
        if given:
            raise ValueError(f"with auxiliary spaces (via=) the seed comes from them alone; {given} would be "
                             "ignored: drop them")
        return _align_via(src, tgt, via, via_options, seed=seed, preset=preset, validation_dict=validation_dict,
                          device=device, random_state=random_state, progress=progress, refine=refine,
                          refine_options=refine_options, lowercase=lowercase, **params)
    return _align_direct(src, tgt, seed=seed, seed_dict=seed_dict, preset=preset, validation_dict=validation_dict,
                         device=device, random_state=random_state, progress=progress,
                         identical_rank_ratio=identical_rank_ratio, cognates=cognates, parallel=parallel,
                         parallel_options=parallel_options, refine=refine, refine_options=refine_options,
                         lowercase=lowercase, check=True, **params)


def _align_direct(src, tgt, *, seed, preset, device, random_state, progress, refine, seed_dict=None,
                  validation_dict=None, identical_rank_ratio=DEFAULT_IDENTICAL_RANK_RATIO, cognates=None,
                  parallel=None, parallel_options=None, refine_options=None, lowercase=False, check=False,
                  **params):
    """:func:`align_embeddings` without auxiliary spaces (its keywords; the optional inputs default to
    none given). ``check=False`` leaves the report's ``check`` at None, for :func:`_align_via`, which
    computes its own over every shared string."""
    parts = parse_mode(seed, name="seed", examples=SEED_MODES)
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {tuple(PRESETS)}; got {preset!r}")
    _check_same_dim(src, tgt)
    warmup = params.get("warmup_dim")
    if isinstance(warmup, int) and not isinstance(warmup, bool) and warmup >= src.vector_size:
        raise ValueError(f"warmup_dim={warmup} (--warmup-dim) must be below the vectors' {src.vector_size} "
                         "dimensions: the warm-up runs in fewer principal directions than the full space")
    started = time.perf_counter()
    device = resolve_device(device)
    config = dict(PRESETS[preset])
    _check_preset_seed(preset, seed, {**config, **params}, params)
    if seed == "unsupervised":
        config["init"] = "unsupervised"
        if preset == "offramp":
            config.update(OFFRAMP_UNSUPERVISED)
    elif preset == "offramp" and set(parts) <= STRING_SEEDS:
        config.update(OFFRAMP_STRINGS)
    config.update(params)
    config["random_state"] = random_state

    if seed_dict is not None and "dictionary" not in parts:  # else the default seed would ignore it
        raise ValueError(f"a seed dictionary was given, but seed={seed!r} has no 'dictionary' part; add it "
                         "(e.g. seed='dictionary' or 'dictionary+identical') or drop seed_dict")
    entries, dict_path = _entries(seed_dict, lowercase)
    if "dictionary" in parts and entries is None:
        raise ValueError(f"seed={seed!r} needs a seed dictionary (--seed-dict)")
    if "parallel" in parts and parallel is None:
        raise ValueError(f"seed={seed!r} needs verse-aligned corpora: parallel=(src_files, tgt_files) "
                         "(--parallel-src FILE --parallel-tgt FILE)")
    if refine not in (None, "auto") + REFINEMENTS:
        raise ValueError(f"refine must be None, 'auto' or one of {REFINEMENTS}; got {refine!r}")
    if refine == "auto":
        refine = "instance" if preset == "offramp" and "dictionary" in parts else None
    if refine is not None and config.get("init", "seed") == "unsupervised":
        raise ValueError("refine='instance' moves words along the residuals of seed pairs, and the "
                         "unsupervised mode has none; give a seed (e.g. --seed-dict) or drop --refine")
    if refine is None and refine_options:
        raise ValueError("refine_options were given but no refinement runs: it runs with refine='instance', "
                         "or with 'auto' for the offramp preset and a seed dictionary (--refine instance)")
    refiner = None
    if refine is not None:  # checked now, not after a fit of minutes
        try:
            refiner = InstanceRefinement(**(refine_options or {}))
        except TypeError as exc:
            raise ValueError(f"refine_options: {exc}; InstanceRefinement takes n_neighbors, temperature, step, "
                             "symmetric, batch_size, use_faiss") from None
        refiner._validate()
    if parallel is not None and "parallel" not in parts:
        raise ValueError(f"verse-aligned corpora were given, but seed={seed!r} has no 'parallel' part; "
                         "add it (e.g. seed='dictionary+parallel') or drop them")
    seed_report = {"mode": seed}
    pairs, words = None, []
    if config.get("init", "seed") != "unsupervised":
        association = resolve_association(parallel, src, tgt)
        part_counts = {}
        words = seed_entries(seed, src.index_to_key, tgt.key_to_index, dictionary=entries,
                             max_rank_ratio=identical_rank_ratio if "identical" in parts else None,
                             cognates=cognates, parallel=association, parallel_options=parallel_options,
                             counts=part_counts)
        if len(parts) > 1:
            seed_report["parts"] = part_counts
        if "identical" in parts:
            seed_report["identical_rank_ratio"] = identical_rank_ratio
        if "cognates" in parts:
            seed_report["cognates"] = {**COGNATE_DEFAULTS, **(cognates or {})}
        if association is not None:
            seed_report["parallel"] = {**association.info, **PARALLEL_DEFAULTS, **(parallel_options or {})}
        if not words:
            raise ValueError(f"seed mode {seed!r} found no seed pairs in these vocabularies; try "
                             "another seed mode (e.g. --unsupervised) or give --seed-dict")
        dict_coverage = None
        if entries is not None:  # the dictionary's own coverage, checked first: a dictionary with no pair in
            # these vocabularies (or one the other way round) is a mistake even when other seeds add pairs
            dict_coverage = lookup_pairs(entries, src.key_to_index, tgt.key_to_index, path=dict_path)[1]
        pairs, coverage = lookup_pairs(words, src.key_to_index, tgt.key_to_index, path=dict_path)
        seed_report.update(coverage)
        seed_report["n_seed_pairs"] = int(pairs.shape[0])
        if dict_coverage is not None:  # the counts above include the other seeds
            seed_report["dictionary"] = dict_coverage
    anchors = pairs
    if refiner is not None and "dictionary" in parts:
        # anchors: the gold dictionary's pairs (other seeds are noisier and cost 1-3 P@1 points as
        # anchors on en-fr); the seed's lookup above made sure there is at least one
        anchors = lookup_pairs(entries, src.key_to_index, tgt.key_to_index, path=dict_path)[0]
    val_pairs = None
    if validation_dict is not None:
        val_entries, val_path = _entries(validation_dict, lowercase)
        val_pairs, val_cov = lookup_pairs(val_entries, src.key_to_index, tgt.key_to_index, path=val_path)
        seed_report["validation"] = val_cov

    callback, bar = _progress_callback(progress and config.get("self_learning", True))
    config["callback"] = callback
    X = asarray(_finite_host(src, "source"), device=device)
    Z = asarray(_finite_host(tgt, "target"), device=device)
    try:
        est = SelfLearning(**config).fit(X, Z, pairs, validation_pairs=val_pairs)
        Xm, Zm = est.transform_src(X), est.transform_tgt(Z)
        refine_report = None
        if refiner is not None:
            t0 = time.perf_counter()
            Xm, Zm = refiner.fit_transform(Xm, Zm, asarray(anchors, device=device))
            refine_report = {"method": refine, **refiner.get_params(deep=False),
                             "anchors": "dictionary" if "dictionary" in parts else "seed",
                             "n_src_anchors": int(refiner.src_anchors_.shape[0]),
                             "n_tgt_anchors": int(refiner.tgt_anchors_.shape[0]),
                             "time_s": time.perf_counter() - t0}
            refiner = _host_refiner(refiner)
        Xm, Zm = to_numpy(Xm), to_numpy(Zm)
    finally:
        if bar is not None:
            bar.close()
    est.callback = None
    est = _host_estimator(est)
    # Xm and Zm are this function's own arrays: handed over, not copied
    src_mapped = make_keyed_vectors(src.index_to_key, Xm, word_counts(src), copy=False)
    tgt_mapped = make_keyed_vectors(tgt.index_to_key, Zm, word_counts(tgt), copy=False)
    params_out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in est.get_params(deep=False).items()
                  if k != "callback"}
    report = {
        "command": "align",
        "offramp_version": __version__,
        "preset": preset,
        "seed": seed_report,
        "params": params_out,
        "device": device,
        "dtype": "float32",
        "n_src": len(src),
        "n_tgt": len(tgt),
        "dim": int(src.vector_size),
        "n_iter": int(est.n_iter_),
        "warmup_dim": getattr(est, "warmup_dim_", None),
        "converged": bool(est.converged_),
        "restarts": {"n_init": len(est.restart_objectives_), "objectives": est.restart_objectives_,
                     "best": int(est.best_restart_)},
        "n_final_pairs": int(est.pairs_.shape[0]),
        "refine": refine_report,
        # strings spelled alike outside the seed: do they translate to themselves? (no dictionary needed)
        "check": shared_string_check(src_mapped, tgt_mapped, exclude=words, device=device) if check else None,
        "history": est.history_,
        "fit_s": est.fit_time_s_,
        "wall_s": time.perf_counter() - started,
        "python": platform.python_version(),
    }
    return AlignResult(src_mapped, tgt_mapped, est, report, refiner)


#: The shared-string check looks at this many of each vocabulary's most frequent words.
CHECK_VOCAB = 20000
#: Fewest shared strings outside the seed for the check's verdict (below: ``'too few'``).
CHECK_MIN_STRINGS = 30
#: The check's verdict: ``'failed'`` at or below this self@1 (percent), ``'unclear'`` below
#: :data:`CHECK_OK`, else ``'ok'`` (benchmarks/README.md, sections 1o and 1q).
CHECK_FAILED = 1.0
CHECK_OK = 10.0


def shared_string_check(src, tgt, *, exclude=(), top=CHECK_VOCAB, device="cpu", batch_size=1024):
    """Whether strings spelled alike in both vocabularies translate to themselves: a check of a mapping that
    needs no dictionary.

    Names, numbers, loanwords and cognates are spelled alike in many pairs of languages. Where the two
    share many names, a map that works sends a third or more of these strings to themselves, and a
    failed one almost none. The unsupervised mode never uses them, so for it they are held-out
    evidence. How many shared strings are real translations depends on the pair: quoted English
    in a Latvian corpus is not. So the verdict has three levels, ``'failed'``, ``'unclear'`` and
    ``'ok'``, with thresholds measured on five pairs of small corpora (benchmarks/README.md,
    section 1o).

    Parameters
    ----------
    src, tgt : KeyedVectors
        Mapped source and target vectors (one shared space), most frequent words first.
    exclude : iterable of (str, str)
        Pairs the map was fitted on (its seed): strings in any of them are left out, since the map
        reproduces them by construction.
    top : int
        The check looks at each side's ``top`` most frequent words (queries and candidates).
    device : {'cpu', 'cuda', 'auto'}
    batch_size : int
        Query rows per score block.

    Returns
    -------
    dict
        ``n_shared`` (strings in both top vocabularies), ``n_excluded`` (of them, in the seed),
        ``n_checked``, ``n_self@1`` (checked strings whose nearest target word by cosine is the same
        string), ``self@1`` and ``self@10`` (percent of the checked strings whose nearest, or one of
        ten nearest, target words by cosine is the same string), ``chance@1`` (percent, one
        over the candidates), ``top`` and ``verdict``: ``'too few'`` (fewer than
        :data:`CHECK_MIN_STRINGS` checked strings), ``'failed'`` (self@1 at or below
        :data:`CHECK_FAILED` percent), ``'unclear'`` (below :data:`CHECK_OK` percent) or ``'ok'``.
    """
    top = check_positive_int(top, "top")
    src_words, tgt_words = src.index_to_key[:top], tgt.index_to_key[:top]
    tgt_rows = {w: i for i, w in enumerate(tgt_words)}
    shared = [w for w, _ in identical_pairs(src_words, tgt_rows)]  # the identical-string seed's own matching
    used = {w for pair in exclude for w in pair}
    checked = [w for w in shared if w not in used]
    out = {"n_shared": len(shared), "n_excluded": len(shared) - len(checked), "n_checked": len(checked),
           "top": top, "chance@1": 100.0 / max(1, len(tgt_words))}
    if checked:
        device = resolve_device(device)
        Q = unit(asarray(np.asarray([src.get_vector(w) for w in checked], dtype=np.float32), device=device))
        D = unit(asarray(np.asarray(tgt.vectors[:len(tgt_words)], dtype=np.float32), device=device))
        ranks = gold_ranks(Q, D, [[tgt_rows[w]] for w in checked], method="nn", batch_size=batch_size)
        out["n_self@1"] = int(np.sum(ranks <= 1))
        out["self@1"] = 100.0 * out["n_self@1"] / len(checked)
        out["self@10"] = 100.0 * int(np.sum(ranks <= 10)) / len(checked)
    out["verdict"] = check_verdict(len(checked), out.get("self@1"))
    return out


def check_verdict(n_checked, self_at_1):
    """The verdict of :func:`shared_string_check` on ``n_checked`` strings of which ``self_at_1`` percent
    translate to themselves: ``'too few'``, ``'failed'``, ``'unclear'`` or ``'ok'``."""
    if n_checked < CHECK_MIN_STRINGS:
        return "too few"
    return "failed" if self_at_1 <= CHECK_FAILED else "unclear" if self_at_1 < CHECK_OK else "ok"


def _check_same_dim(src, tgt, which=""):
    if src.vector_size != tgt.vector_size:
        raise ValueError(f"the two {which}spaces have different dimensions: src dim={src.vector_size}, "
                         f"tgt dim={tgt.vector_size}; train both with the same --dim")


def _check_via(src, tgt, via, via_options, *, seed, preset, refine, refine_options, params):
    """Every check of :func:`_align_via` that can fail, before the auxiliary alignment's minutes."""
    if seed != "unsupervised":
        raise ValueError(f"auxiliary spaces (via=, --via) give the unsupervised mode its seed; got seed={seed!r}: "
                         "use seed='unsupervised' (--unsupervised) or drop them")
    if via is None:
        raise ValueError("via_options were given without via=(aux_src, aux_tgt) (--via SRC_VECTORS TGT_VECTORS)")
    if not isinstance(via, (tuple, list)) or len(via) != 2:
        raise ValueError("via must be a pair of KeyedVectors (aux_src, aux_tgt)")
    unknown = set(via_options or {}) - set(VIA_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown via_options {sorted(unknown)}; known: {sorted(VIA_DEFAULTS)}")
    options = {**VIA_DEFAULTS, **(via_options or {})}
    for name, value in options.items():
        if value is None and name == "prefix_len":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"via_options[{name!r}] must be a positive integer; got {value!r}")
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {tuple(PRESETS)}; got {preset!r}")
    if not {**PRESETS[preset], **params}.get("self_learning", True):
        raise ValueError("the unsupervised mode with auxiliary spaces (via=, --via) runs the self-learning loop on "
                         "both pairs of spaces; drop self_learning=False (--no-self-learning) or use a "
                         "self-learning preset (offramp, unsupervised, identical, semi_supervised)")
    _check_same_dim(src, tgt)
    _check_same_dim(*via, which="auxiliary ")
    if refine not in (None, "auto") or refine_options:
        raise ValueError("the unsupervised mode has no gold pairs for the refinement's anchors (refine='instance' "
                         "hurts with induced seeds: benchmarks/README.md, section 1e); drop refine/refine_options")
    return options


def _via_words(rows, src, tgt, prefix_len):
    """The induced auxiliary pairs as main-vocabulary word pairs (distinct, in the rows' order).

    Without ``prefix_len`` a pair is kept when both words are in the main vocabularies; with it, each
    word is a prefix and stands for the most frequent main word that starts with it (vocabularies are
    sorted by frequency).
    """
    def lookup(kv):
        if prefix_len is None:
            return lambda word: word if word in kv.key_to_index else None
        first = {}
        for word in kv.index_to_key:
            first.setdefault(word[:prefix_len], word)
        return first.get

    lookup_src, lookup_tgt = lookup(src), lookup(tgt)
    words, seen = [], set()
    for s, t, _, _ in rows:
        pair = (lookup_src(s), lookup_tgt(t))
        if None not in pair and pair not in seen:
            seen.add(pair)
            words.append(pair)
    return words


def _align_via(src, tgt, via, via_options, *, seed, preset, random_state, device, progress, refine,
               validation_dict=None, refine_options=None, lowercase=False, **params):
    """``align_embeddings(seed='unsupervised', via=...)``: seed from an unsupervised alignment of
    two auxiliary spaces, then the loop on ``src`` and ``tgt`` (see :func:`align_embeddings`).
    ``params`` (the loop's settings) apply to both alignments; ``n_init`` only to the main one."""
    options = _check_via(src, tgt, via, via_options, seed=seed, preset=preset, refine=refine,
                         refine_options=refine_options, params=params)
    if validation_dict is not None:  # fails now, not after the auxiliary alignment
        entries, path = _entries(validation_dict, lowercase)
        lookup_pairs(entries, src.key_to_index, tgt.key_to_index, path=path)
    started = time.perf_counter()
    aux_params = {k: v for k, v in params.items() if k != "n_init"}
    aux = _align_direct(via[0], via[1], seed="unsupervised", preset=preset, device=device,
                        random_state=random_state, progress=progress, refine=None, n_init=options["restarts"],
                        **aux_params)
    csls_k = params.get("csls_k", PRESETS[preset].get("csls_k", 10))  # the loop's induction, as in the main run
    rows = induce_lexicon(aux.src_mapped, aux.tgt_mapped, method="csls" if csls_k else "nn", csls_k=csls_k or 10,
                          mutual=True, max_src=options["top"], device=device)
    words = _via_words(rows, src, tgt, options["prefix_len"])
    if not words:
        raise ValueError(f"the auxiliary spaces' alignment gave {len(rows)} mutual pairs among their {options['top']} "
                         "most frequent source words, and none has both words in the main vocabularies; "
                         "were they trained with the same tokenisation (offramp train --lang)?")
    # the main loop starts from the induced pairs, whatever the preset's own start
    result = _align_direct(src, tgt, seed_dict=words, validation_dict=validation_dict, seed="dictionary",
                           preset=preset, device=device, random_state=random_state, progress=progress, refine=None,
                           lowercase=lowercase, **{**params, "init": "seed"})
    restarts = aux.report["restarts"]
    seed_report = {"mode": "unsupervised", "n_seed_pairs": result.report["seed"]["n_seed_pairs"]}
    if "validation" in result.report["seed"]:
        seed_report["validation"] = result.report["seed"]["validation"]
    seed_report["via"] = {**options, "n_aux_src": len(via[0]), "n_aux_tgt": len(via[1]),
                          "n_mutual_pairs": len(rows), "n_seed_pairs": len(words),
                          "aux_objectives": restarts["objectives"], "aux_best_restart": restarts["best"],
                          "aux_n_iter": aux.report["n_iter"], "aux_wall_s": aux.report["wall_s"],
                          "aux_direction": aux.estimator.direction}
    result.report["seed"] = seed_report
    # the auxiliary alignment saw no spelling: every shared string is held-out evidence, the seed's too
    result.report["check"] = shared_string_check(result.src_mapped, result.tgt_mapped, device=device)
    result.report["wall_s"] = time.perf_counter() - started  # both alignments; fit_s is the main one's
    return result


def space_id(result):
    """A short hash that names the shared space of one alignment run.

    Parameters
    ----------
    result : AlignResult

    Returns
    -------
    str
        16 hex digits of a SHA-256 over the maps (and the refinement's anchors and residuals).
    """
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(result.W_src).tobytes())
    h.update(np.ascontiguousarray(result.W_tgt).tobytes())
    if result.refiner is not None:  # a refined space is another space: its anchors and parameters too
        h.update(json.dumps(result.refiner.get_params(deep=False), sort_keys=True, default=str).encode())
        for side in ("src", "tgt"):
            for part in ("anchors", "residuals"):
                h.update(np.ascontiguousarray(getattr(result.refiner, f"{side}_{part}_")).tobytes())
    return h.hexdigest()[:16]


def aligned_outputs(out_src, out_tgt, report_path=None):
    """The files :func:`save_aligned` writes, by the option that names them (for
    :func:`bootstrap._atomic.check_distinct`)."""
    def sidecar(path):
        return None if path is None else os.fspath(path) + SIDECAR_SUFFIX

    return {"--out-src": out_src, "--out-tgt": out_tgt, "--report": report_path,
            "--out-src's sidecar": sidecar(out_src), "--out-tgt's sidecar": sidecar(out_tgt)}


def save_aligned(result, out_src, out_tgt, *, binary=False, report_path=None, signature=None):
    """Write both mapped spaces with a sidecar ``PATH.offramp.json`` each, and the report.

    The sidecars record that the files were mapped into one space (same ``space_id``), which
    lets later steps (``offramp transfer``) refuse vectors that were never aligned together.
    All files are written to temporary siblings first and renamed only when every one of them
    was written, so a failure (a word that cannot be written, a full disk) leaves none of them.

    Parameters
    ----------
    result : AlignResult
        Its ``report`` gains ``space_id``.
    out_src, out_tgt : str, path-like or None
        The mapped spaces' files (word2vec); None skips that side.
    binary : bool, default False
        word2vec binary instead of text.
    report_path : str or path-like, optional
        Where to write ``result.report`` as JSON.
    signature : str, optional
        The run's reproducibility signature, recorded in the sidecars.

    Returns
    -------
    space_id : str
        See :func:`space_id`.
    """
    check_distinct(aligned_outputs(out_src, out_tgt, report_path))
    sid = space_id(result)
    result.report["space_id"] = sid
    with contextlib.ExitStack() as outputs:
        for side, kv, path in (("src", result.src_mapped, out_src), ("tgt", result.tgt_mapped, out_tgt)):
            if path is None:
                continue
            save_embeddings(kv, outputs.enter_context(atomic_path(path)), binary=binary)
            meta = {"offramp_version": __version__, "mapped": True, "space_id": sid, "side": side,
                    "n_words": len(kv), "dim": int(kv.vector_size), "signature": signature,
                    "preset": result.report.get("preset"), "seed": result.report["seed"]["mode"]}
            json.dump(meta, outputs.enter_context(atomic_open(os.fspath(path) + SIDECAR_SUFFIX)), indent=2)
        if report_path is not None:
            json.dump(result.report, outputs.enter_context(atomic_open(report_path)), indent=2, default=float)
    return sid


def read_space_info(path):
    """The sidecar metadata of a mapped embedding file (a dict), or ``None`` when it has none.

    Raises ``ValueError`` naming the sidecar when it is not one ``offramp align`` wrote (not a file,
    not JSON, not a JSON object).
    """
    meta = os.fspath(path) + SIDECAR_SUFFIX
    if not os.path.lexists(meta):
        return None
    fix = (f"delete it if {os.fspath(path)} did not come from offramp align, or run offramp align again to "
           "write both files and their sidecars")
    if not os.path.isfile(meta):
        raise ValueError(f"{meta}: the sidecar of {os.fspath(path)} is not a file; {fix}")
    try:
        with open(meta, encoding="utf-8") as handle:
            info = json.load(handle)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise ValueError(f"{meta}: the sidecar of {os.fspath(path)} is damaged ({exc}); {fix}") from None
    if not isinstance(info, dict):
        raise ValueError(f"{meta}: the sidecar of {os.fspath(path)} holds a JSON {type(info).__name__}, not the "
                         f"object offramp align writes; {fix}")
    return info


def _finite_host(kv, side="given"):
    """``kv.vectors`` as float32 on the host, refusing a NaN or inf row by its word (the file readers
    refuse them already; this catches vectors built or edited in memory)."""
    V = np.asarray(kv.vectors, dtype=np.float32)
    bad = nonfinite_rows(V)
    if bad.size:
        more = f" (and {bad.size - 1} more)" if bad.size > 1 else ""
        raise ValueError(f"the {side} vector of {kv.index_to_key[bad[0]]!r} (row {bad[0] + 1}) holds NaN or "
                         f"infinity{more}; drop or repair those vectors")
    return V


def _unit_host(kv, normalize, side="given"):
    V = _finite_host(kv, side)
    return unit(V) if normalize else V


DEFAULT_RERANK_K = 50
#: With the ``parallel`` feature, each word's best-Dice target words join its retrieval candidates
#: (NN and CSLS): on en-fr 3.1% of the test words have the right Dice-best translation outside
#: the 50 best CSLS candidates (benchmarks/README.md, section 1c).
VERSE_CANDIDATES = 3
#: Vector cells gathered at once for the candidates' cosines (16 MB of float32): a gather of
#: 4096 x 53 x 300 (245 MB) per block took 1.42 s for 30k queries, blocks of this size 0.33 s, the
#: same values (one-off timing, session 20; fresh pages of a large gather cost more than the arithmetic).
_GATHER_CELLS = 1 << 22


def _queries_and_gold(groups, src, tgt):
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


def _csls_r_tgt(X, Z, method, csls_k, tick=None):
    """CSLS's ``r`` term of every target word against the whole source space, in slices of targets
    (``tick(m)`` after each); None for other methods. ``_csls_r_tgt(Z, X, ...)`` is the sources' term."""
    if method != "csls":
        return None
    return _in_slices(lambda rows: mean_topk_similarity(Z[rows], X, csls_k), Z.shape[0], tick)


def _isf_log_norm(X, Z, beta, tick=None):
    """The inverted softmax's normaliser of every target word over the whole source space, in slices
    of targets (``tick(m)`` after each). ``_isf_log_norm(Z, X, ...)`` is the way back's."""
    return _in_slices(lambda rows: isf_normaliser(X, Z[rows], beta=beta), Z.shape[0], tick)


def _plain_candidates(X, Z, queries, *, method, csls_k, beta, k, r_tgt=None, r_src=None, log_norm=None):
    """Each query's ``min(k, n_tgt)`` best candidates by plain retrieval, as host arrays."""
    xp = get_namespace(X)
    scores, index = retrieve(X[xp.asarray(queries)], Z, min(k, Z.shape[0]), method=method, csls_k=csls_k, X=X,
                             beta=beta, r_tgt=r_tgt, r_src=r_src, log_norm=log_norm)
    return to_numpy(scores), to_numpy(index)


def _pair_cosines(X, Z, queries, index):
    """Host ndarray of shape (n_queries, m): ``X[queries[i]] . Z[index[i, c]]``, in blocks of queries so
    that the (block, m, dim) gather stays small for any vocabulary."""
    xp = get_namespace(X)
    step = max(1, _GATHER_CELLS // max(1, np.shape(index)[1] * Z.shape[1]))
    blocks = [to_numpy(xp.einsum("nd,nmd->nm", X[xp.asarray(queries[i:i + step])], Z[xp.asarray(index[i:i + step])]))
              for i in range(0, len(queries), step)]
    return np.concatenate(blocks) if blocks else np.zeros(np.shape(index), np.float32)


def _candidate_pool(X, Z, queries, *, method, csls_k, beta, k, r_tgt=None, r_src=None, log_norm=None,
                    association=None):
    """The candidates to re-rank (host arrays): the ``k`` best by retrieval, plus, with verse-aligned
    corpora and NN or CSLS retrieval, the :data:`VERSE_CANDIDATES` best-Dice target words of each query
    that are not among them, with their retrieval scores on the same scale. Rows are padded with
    ``-inf``-scored repeats of their first candidate, which sort last. ``r_src``: CSLS's ``r`` term of
    every source word (shape (n_src,)), used for the queries' rows instead of computing them;
    ``log_norm``: the inverted softmax's normaliser of every target (:func:`_isf_log_norm`)."""
    xp = get_namespace(X)
    with_verses = association is not None and method in ("nn", "csls") and len(queries) > 0
    if method != "csls":
        r_src = None
    elif r_src is not None:
        r_src = r_src[xp.asarray(queries)]
    elif with_verses:
        # the queries' r term, computed once for the retrieval and the verse candidates' scores
        r_src = mean_topk_similarity(X[xp.asarray(queries)], Z, csls_k)
    if with_verses and method == "csls" and r_tgt is None:
        r_tgt = _csls_r_tgt(X, Z, method, csls_k)
    scores, index = _plain_candidates(X, Z, queries, method=method, csls_k=csls_k, beta=beta, k=k, r_tgt=r_tgt,
                                      r_src=r_src, log_norm=log_norm)
    if not with_verses:
        return scores, index
    extra, valid = association.top_targets(queries, VERSE_CANDIDATES)
    valid &= ~(extra[:, :, None] == index[:, None, :]).any(axis=2)
    extra_scores = _pair_cosines(X, Z, queries, extra)
    if method == "csls":
        extra_scores = 2 * extra_scores - to_numpy(r_tgt)[extra] - to_numpy(r_src)[:, None]
    extra_scores = np.where(valid, extra_scores, -np.inf).astype(np.float32)
    extra = np.where(valid, extra, index[:, :1])
    return np.concatenate([scores, extra_scores], axis=1), np.concatenate([index, extra], axis=1)


class _BackMargins:
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


@dataclass
class _Trees:
    """A fitted :class:`TreeRanker` with the targets' best backward scores and the CSLS ``r`` terms of
    both whole spaces they rest on (``margins.r_tgt``, ``margins.r_src``), computed once for the
    tuning words and the scored words."""
    ranker: TreeRanker
    margins: _BackMargins


def _csls_terms(X, Z, method, csls_k, r_tgt=None):
    """CSLS's ``r`` terms of every target and every source word (``r_tgt`` reused when CSLS made it)."""
    if method != "csls" or r_tgt is None:
        r_tgt = mean_topk_similarity(Z, X, csls_k)
    return r_tgt, mean_topk_similarity(X, Z, csls_k)


def _tree_candidates(X, Z, queries, *, method, csls_k, beta, k, r_tgt=None, log_norm=None, association=None,
                     margins=None):
    """The candidate pool of :func:`_candidate_pool` with the geometry a :class:`TreeRanker` reads
    (host arrays): each pair's cosine, its backward CSLS margin (its CSLS minus the candidate's best
    CSLS over all source words: 0 for the candidate's own best source word, else negative, up to
    rounding) and the candidate's CSLS ``r`` term (hubness). ``margins``: a :class:`_BackMargins` over
    the CSLS terms of :func:`_csls_terms` (which it carries), made here when not given."""
    if margins is None:
        margins = _BackMargins(X, Z, *_csls_terms(X, Z, method, csls_k, r_tgt), csls_k)
    r_tgt_csls, r_src = margins.r_tgt, margins.r_src
    scores, index = _candidate_pool(X, Z, queries, method=method, csls_k=csls_k, beta=beta, k=k,
                                    r_tgt=r_tgt_csls if method == "csls" else r_tgt, r_src=r_src,
                                    log_norm=log_norm, association=association)
    r_tgt_host, r_src_host = to_numpy(r_tgt_csls), to_numpy(r_src)
    cos = _pair_cosines(X, Z, queries, index)
    csls = 2 * cos - r_src_host[np.asarray(queries)][:, None] - r_tgt_host[index]
    back = csls - margins(index.ravel()).reshape(index.shape) if index.size else np.zeros(index.shape, np.float32)
    return {"queries": np.asarray(queries), "index": index, "scores": scores, "cos": cos, "back": back,
            "hub": r_tgt_host[index]}


def _reranked_candidates(src, tgt, X, Z, queries, scorer, *, method, csls_k, beta, k, r_tgt=None, r_src=None,
                         log_norm=None, association=None):
    """Each query's best candidates, re-ordered by retrieval score + weighted features, or by a fitted
    :class:`TreeRanker` (host arrays). ``r_src``: CSLS's ``r`` term of every source word, if known
    (the trees carry their own); ``log_norm``: the inverted softmax's normaliser of every target."""
    if isinstance(scorer, _Trees):
        candidates = _tree_candidates(X, Z, queries, method=method, csls_k=csls_k, beta=beta, k=k, r_tgt=r_tgt,
                                      log_norm=log_norm, association=association, margins=scorer.margins)
        return scorer.ranker.rerank(candidates, src.index_to_key, tgt.index_to_key, association=association)
    scores, index = _candidate_pool(X, Z, queries, method=method, csls_k=csls_k, beta=beta, k=k, r_tgt=r_tgt,
                                    r_src=r_src, log_norm=log_norm, association=association)
    features = candidate_features(sorted(scorer), src.index_to_key, tgt.index_to_key, queries, index,
                                  association=association)
    return rerank_candidates(scores, index, features, scorer)


def _feature_names(features):
    """Re-ranking feature names, sorted and without repeats, from a sequence or a 'a,b' string."""
    return sorted(dict.fromkeys(features.split(",") if isinstance(features, str) else features))


#: Re-ranking models: ``linear`` (retrieval score + weighted features, :mod:`alignment.rerank`) and
#: ``trees`` (a :class:`bootstrap.ranker.TreeRanker` fitted on the tuning dictionary).
RERANK_MODELS = ("linear", "trees")


def check_rerank_args(features, weights, tune_dict, parallel=None, model="linear"):
    """Raise ValueError, naming the fix, for a re-ranking option combination that cannot work.

    Cheap (no file is read), so a command can call it before it loads the vectors.
    """
    if model not in RERANK_MODELS:
        raise ValueError(f"rerank_model must be one of {RERANK_MODELS}; got {model!r}")
    if not features and (weights is not None or tune_dict is not None or model != "linear"):
        raise ValueError("re-ranking weights, a tuning dictionary or a re-ranking model were given without "
                         "re-ranking features; add rerank=('ortho', 'freq') (CLI: --rerank ortho,freq)")
    if model == "trees" and tune_dict is None:
        raise ValueError("the 'trees' re-ranking model learns from a dictionary the mapping was trained with; "
                         "give one (tune_dict=...; CLI: --tune-dict train.txt)")
    if model == "trees" and weights is not None:
        raise ValueError("re-ranking weights belong to the 'linear' model; drop them (--rerank-weights) or use "
                         "rerank_model='linear'")
    names = _feature_names(features)
    if "parallel" in names and parallel is None:
        raise ValueError("re-ranking feature 'parallel' needs verse-aligned corpora of both languages: "
                         "parallel=(src_files, tgt_files) (CLI: --parallel-src FILE --parallel-tgt FILE)")
    if parallel is not None and "parallel" not in names:
        raise ValueError("verse-aligned corpora were given, but 'parallel' is not among the re-ranking features; "
                         "add it (rerank=('ortho', 'freq', 'parallel'); CLI: --rerank ortho,freq,parallel)")


#: The ``parallel`` feature's weight per verse association measure: its default, and the values
#: fitted weights are searched among. IBM Model 1's weights, fitted on the train dictionaries of
#: the six benchmark pairs, came out at 0.75-3.0 (median 2.0; Dice's 0.3-1.5 on the same runs).
PARALLEL_WEIGHTS = {"dice": {"default": DEFAULT_WEIGHTS["parallel"], "grid": DEFAULT_GRID["parallel"]},
                    "ibm1": {"default": 2.0, "grid": DEFAULT_GRID["parallel"] + (2.0, 3.0, 5.0)}}


def _measure(association):
    return "dice" if association is None else association.info.get("measure", "dice")


def _rerank_setup(src, tgt, X, Z, features, weights, tune_dict, *, method, csls_k, beta, k, lowercase=False,
                  r_tgt=None, log_norm=None, association=None, model="linear"):
    """Resolve the re-ranking: ``(info, scorer)``, the scorer being weights (given, fitted on
    ``tune_dict``, or the defaults) or a :class:`TreeRanker` fitted on ``tune_dict``."""
    features = _feature_names(features)
    unknown = [f for f in features if f not in DEFAULT_WEIGHTS]
    if unknown:
        raise ValueError(f"unknown re-ranking feature(s) {unknown}; choose from {sorted(DEFAULT_WEIGHTS)}")
    if model == "trees":
        info, scorer = _tree_setup(src, tgt, X, Z, features, tune_dict, method=method, csls_k=csls_k, beta=beta,
                                   k=k, lowercase=lowercase, r_tgt=r_tgt, log_norm=log_norm, association=association)
    else:
        info = _linear_setup(src, tgt, X, Z, features, weights, tune_dict, method=method, csls_k=csls_k, beta=beta,
                             k=k, lowercase=lowercase, r_tgt=r_tgt, log_norm=log_norm, association=association)
        scorer = info["weights"]
    if association is not None:
        info["parallel"] = association.info
    return info, scorer


def _tune_queries(tune_dict, src, tgt, lowercase, what):
    entries, path = _entries(tune_dict, lowercase=lowercase)
    queries, gold, _, _ = _queries_and_gold(group_by_source(entries), src, tgt)
    if not queries:
        raise ValueError(f"{path or 'the tuning dictionary'}: no pair has both words in the vocabularies, so "
                         f"{what} cannot be fitted on it; check --src/--tgt order")
    return np.asarray(queries), gold, path


def _tree_setup(src, tgt, X, Z, features, tune_dict, *, method, csls_k, beta, k, lowercase=False, r_tgt=None,
                log_norm=None, association=None):
    queries, gold, path = _tune_queries(tune_dict, src, tgt, lowercase, "the re-ranking trees")
    margins = _BackMargins(X, Z, *_csls_terms(X, Z, method, csls_k, r_tgt), csls_k)
    candidates = _tree_candidates(X, Z, queries, method=method, csls_k=csls_k, beta=beta, k=k, r_tgt=r_tgt,
                                  log_norm=log_norm, association=association, margins=margins)
    ranker = TreeRanker(groups=features).fit(candidates, gold, src.index_to_key, tgt.index_to_key,
                                             association=association)
    info = {"features": features, "model": "trees", "weights": None, "weights_from": path or "tune_dict",
            "tune_p@1": round(100 * ranker.train_p_at_1_, 2), "tune_n": len(queries), "k": k,
            "trees": ranker.info()}
    return info, _Trees(ranker, margins)


def _linear_setup(src, tgt, X, Z, features, weights, tune_dict, *, method, csls_k, beta, k, lowercase=False,
                  r_tgt=None, log_norm=None, association=None):
    defaults = dict(DEFAULT_WEIGHTS, parallel=PARALLEL_WEIGHTS[_measure(association)]["default"])
    if weights is not None:
        extra = [f for f in weights if f not in features]
        if extra:
            raise ValueError(f"rerank weights name {extra}, which are not among the re-ranking features "
                             f"{features}; add them to the features or drop them")
        missing = [f for f in features if f not in weights]
        if missing:
            raise ValueError(f"rerank weights name no value for {missing}; give e.g. "
                             + ",".join(f"{f}={defaults[f]}" for f in features))
        chosen = {f: float(weights[f]) for f in features}
        return {"features": features, "weights": chosen, "weights_from": "given", "k": k}
    if tune_dict is None:
        return {"features": features, "weights": {f: defaults[f] for f in features},
                "weights_from": "defaults", "k": k}
    queries, gold, path = _tune_queries(tune_dict, src, tgt, lowercase, "the re-ranking weights")
    scores, index = _candidate_pool(X, Z, queries, method=method, csls_k=csls_k, beta=beta, k=k,
                                    r_tgt=r_tgt, log_norm=log_norm, association=association)
    feats = candidate_features(features, src.index_to_key, tgt.index_to_key, queries, index,
                               association=association)
    grid = dict(DEFAULT_GRID, parallel=PARALLEL_WEIGHTS[_measure(association)]["grid"])
    chosen, p1 = fit_weights(scores, index, feats, gold, grid=grid)
    return {"features": features, "weights": chosen, "weights_from": path or "tune_dict",
            "tune_p@1": round(100 * p1, 2), "tune_n": len(queries), "k": k}


def evaluate_bli(src, tgt, test_dict, *, method="csls", csls_k=10, normalize=True, ks=DEFAULT_KS,
                 device="cpu", lowercase=False, beta=30.0, rerank=(), rerank_weights=None,
                 tune_dict=None, rerank_k=DEFAULT_RERANK_K, parallel=None, rerank_model="linear", progress=True):
    """Bilingual lexicon induction scores of two mapped spaces on a gold test dictionary.

    Parameters
    ----------
    src, tgt : KeyedVectors
        Mapped source and target vectors (one shared space).
    test_dict : path or list of (str, str)
        Gold pairs; a source word may have several translations (a hit on any counts).
    method : {'nn', 'csls', 'isf'}
    csls_k : int
    normalize : bool
        Length-normalise the vectors first (cosine similarity).
    ks : tuple of int
    rerank : sequence of {'ortho', 'freq', 'parallel'}
        Re-rank each word's ``rerank_k`` best candidates with these pair features
        (:mod:`alignment.rerank`); empty: plain retrieval.
    rerank_weights : dict of str -> float, optional
        Feature weights. Default: fitted on ``tune_dict`` when given, else
        :data:`alignment.rerank.DEFAULT_WEIGHTS`.
    tune_dict : path or list of (str, str), optional
        A dictionary to fit the weights on, e.g. the one the mapping was trained with
        (never the test dictionary).
    rerank_k : int
        Candidates re-ranked per word; a gold word outside them keeps its retrieval rank.
    parallel : VerseAssociation or (src_files, tgt_files), optional
        Verse-aligned corpora of the two languages, for the ``parallel`` feature.
    rerank_model : {'linear', 'trees'}
        ``'linear'``: retrieval score + weighted features; ``'trees'``: gradient-boosted trees over
        a longer list of pair features (:class:`bootstrap.ranker.TreeRanker`), learned from
        ``tune_dict`` (required).
    progress : bool, default True
        Show a tqdm bar on stderr over the steps (CSLS term, ranking, re-ranking) for spaces of
        :data:`STEPS_MIN_PAIRS` word pairs or more.

    Returns
    -------
    dict
        ``p@1``, ``p@5``, ``p@10``, ``mrr``, ``coverage`` (percent, OOV excluded), ``n_test``,
        ``n_covered``, ``counted_wrong`` (same scores with OOV counted wrong), ``oov`` (the
        uncovered words), ``method``, ``csls_k``, and ``rerank`` (features, weights, how they
        were chosen, and under ``without_rerank`` the same test words' ``p@k``, ``mrr`` and
        ``counted_wrong`` scores before re-ranking) when re-ranking. With ``rerank_model='trees'``,
        ``rerank`` has ``model: 'trees'``, ``weights: None``, ``tune_p@1`` (in sample) and ``trees``
        (:meth:`bootstrap.ranker.TreeRanker.info`: parameters, features, rows, fit seconds).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    if src.vector_size != tgt.vector_size:
        raise ValueError(f"the spaces have different dimensions (src {src.vector_size}, tgt "
                         f"{tgt.vector_size}); evaluate the mapped files written by offramp align")
    check_rerank_args(rerank, rerank_weights, tune_dict, parallel, rerank_model)
    entries, path = _entries(test_dict, lowercase=lowercase)
    groups = group_by_source(entries)
    if not groups:
        raise ValueError(f"{path or 'the test dictionary'} holds no pairs")
    _, coverage = lookup_pairs(entries, src.key_to_index, tgt.key_to_index, path=path)
    queries, gold, src_oov, tgt_oov = _queries_and_gold(groups, src, tgt)
    device = resolve_device(device)
    X = asarray(_unit_host(src, normalize, "source"), device=device)
    Z = asarray(_unit_host(tgt, normalize, "target"), device=device)
    q = asarray(np.asarray(queries, dtype=np.int64), device=device)
    n_steps = _builds_association(parallel) + (method in ("csls", "isf")) + 1 + (
        (tune_dict is not None) + 1 if rerank else 0)
    with _steps(n_steps, progress=progress, n_pairs=len(src) * len(tgt)) as step:
        if _builds_association(parallel):
            step("verse association")
        association = resolve_association(parallel, src, tgt)
        tick = step(f"CSLS r term of {len(tgt)} target words", rows=len(tgt)) if method == "csls" else None
        # the column term (CSLS's r of the targets, the inverted softmax's normaliser), computed once
        # for the gold ranks and the re-ranking searches
        r_tgt = _csls_r_tgt(X, Z, method, csls_k, tick)
        log_norm = _isf_log_norm(X, Z, beta, step(f"inverted-softmax normaliser of {len(tgt)} target words",
                                                  rows=len(tgt))) if method == "isf" else None
        step(f"ranking {len(queries)} test words")
        ranks = gold_ranks(X[q], Z, gold, method=method, csls_k=csls_k, X=X, beta=beta, r_tgt=r_tgt,
                           log_norm=log_norm) if queries else np.zeros(0)
        ranks = np.asarray(ranks)
        rerank_info = None
        if rerank:
            if tune_dict is not None:
                step("fitting the re-ranking")
            rerank_info, scorer = _rerank_setup(src, tgt, X, Z, rerank, rerank_weights, tune_dict, method=method,
                                                csls_k=csls_k, beta=beta, k=rerank_k, lowercase=lowercase,
                                                r_tgt=r_tgt, log_norm=log_norm, association=association,
                                                model=rerank_model)
            if association is not None:
                rerank_info["verse_candidates"] = VERSE_CANDIDATES if method in ("nn", "csls") else 0
            plain = bli_scores(ranks, len(src_oov) + len(tgt_oov), ks=ks)
            rerank_info["without_rerank"] = {key: plain[key]
                                             for key in (*(f"p@{k}" for k in ks), "mrr", "counted_wrong")}
            step(f"re-ranking {len(queries)} test words")
            if queries:
                _, index = _reranked_candidates(src, tgt, X, Z, np.asarray(queries), scorer,
                                                method=method, csls_k=csls_k, beta=beta, k=rerank_k, r_tgt=r_tgt,
                                                log_norm=log_norm, association=association)
                ranks = candidate_ranks(index, gold, fallback=np.maximum(ranks, rerank_k + 1))
    out = bli_scores(ranks, len(src_oov) + len(tgt_oov), ks=ks)
    if rerank_info is not None:
        out["rerank"] = rerank_info
    out.update({
        "method": method,
        "csls_k": csls_k if method == "csls" else None,
        "beta": beta if method == "isf" else None,
        "device": device,
        "n_pairs": coverage["n_entries"],
        "oov": {"n_src_oov": len(src_oov), "n_no_tgt_in_vocab": len(tgt_oov),
                "src_oov_examples": src_oov[:10], "no_tgt_examples": tgt_oov[:10]},
        "unit": "percent",
    })
    return out


def _translate(X, Z, n, k, *, method, csls_k, beta, mutual, step):
    """The first ``n`` source words' ``k`` best targets (host arrays), and with ``mutual`` each target's
    best source word (host int array, else None), as steps of ``step`` that count their rows.

    The searches run in slices of :data:`PROGRESS_ROWS` queries. The column terms (CSLS's ``r`` of
    the targets, the inverted softmax's normaliser) are computed once, before the slices; with
    ``mutual`` and CSLS, the sources' ``r`` term is computed once too and serves both directions
    (the forward search's query term and the backward search's column term), so the way back costs
    one search instead of three.
    """
    n_src, n_tgt = X.shape[0], Z.shape[0]
    r_tgt = log_norm = r_src = None
    if method == "csls":
        r_tgt = _csls_r_tgt(X, Z, method, csls_k, step(f"CSLS r term of {n_tgt} target words", rows=n_tgt))
        if mutual:
            r_src = _csls_r_tgt(Z, X, method, csls_k, step(f"CSLS r term of {n_src} source words", rows=n_src))
    elif method == "isf":
        log_norm = _isf_log_norm(X, Z, beta, step(f"inverted-softmax normaliser of {n_tgt} target words", rows=n_tgt))

    def forward(rows):
        return retrieve(X[rows], Z, k, method=method, csls_k=csls_k, beta=beta, X=X, r_tgt=r_tgt,
                        r_src=None if r_src is None else r_src[rows], log_norm=log_norm)

    scores, index = _in_slices(forward, n, step(f"translating {n} source words", rows=n))
    back = _back_translate(X, Z, method=method, csls_k=csls_k, beta=beta, step=step, r_tgt=r_tgt,
                           r_src=r_src) if mutual else None
    return to_numpy(scores), to_numpy(index), back


def _back_translate(X, Z, *, method, csls_k, beta, step, r_tgt=None, r_src=None, margins=None):
    """Each target word's best source word (host int array of shape (n_tgt,)), by plain retrieval,
    in slices of :data:`PROGRESS_ROWS` targets with a counting step.

    ``r_tgt`` and ``r_src`` (CSLS's terms of all targets and all sources, the forward search's) are
    the backward search's query and column terms: given, they are not computed again (a missing
    ``r_tgt`` is computed per slice by the search); a missing ``r_src`` is a step of its own, as is
    the inverted softmax's normaliser over the targets. ``margins``: a :class:`_BackMargins` over the
    same CSLS terms, which the way back's best scores fill as they come (CSLS only).
    """
    n_src, n_tgt = X.shape[0], Z.shape[0]
    back_norm = None
    if method == "csls" and r_src is None:
        r_src = _csls_r_tgt(Z, X, method, csls_k, step(f"CSLS r term of {n_src} source words", rows=n_src))
    elif method == "isf":
        back_norm = _isf_log_norm(Z, X, beta, step(f"inverted-softmax normaliser of {n_src} source words",
                                                   rows=n_src))

    def backward(rows):
        best, index = retrieve(Z[rows], X, 1, method=method, csls_k=csls_k, beta=beta, X=Z, r_tgt=r_src,
                               r_src=None if r_tgt is None else r_tgt[rows], log_norm=back_norm)
        if margins is not None and method == "csls":
            margins.set(rows, to_numpy(best)[:, 0])
        return index

    return to_numpy(_in_slices(backward, n_tgt, step(f"translating {n_tgt} target words back", rows=n_tgt)))[:, 0]


def induce_lexicon(src, tgt, *, method="csls", k=1, csls_k=10, max_src=None, normalize=True,
                   mutual=False, device="cpu", beta=30.0, rerank=(), rerank_weights=None, tune_dict=None,
                   rerank_k=DEFAULT_RERANK_K, parallel=None, rerank_model="linear", return_info=False,
                   progress=True):
    """Translate source words into their ``k`` best target words.

    Parameters
    ----------
    src, tgt : KeyedVectors
        Mapped vectors in one shared space.
    method : {'nn', 'csls', 'isf'}
    k : int
        Candidates per source word.
    max_src : int, optional
        Translate only the most frequent ``max_src`` source words.
    mutual : bool
        Keep only pairs whose target word has this source word as its own best translation
        (precision over recall). With ``k > 1`` a source word keeps every one of its ``k``
        candidates that passes, so it may keep a rank-2 pair and lose its rank-1 one.
    beta : float, default 30
        Inverse temperature of ``method='isf'`` (inverted softmax).
    rerank, rerank_weights, tune_dict, rerank_k, parallel, rerank_model
        Re-rank each word's ``rerank_k`` best candidates, as in :func:`evaluate_bli`; the
        score column is then the combined score (the trees' probability with ``'trees'``).
    return_info : bool, default False
        Also return a dict of what ran: the re-ranking's report (``rerank``: features, model,
        weights fitted on ``tune_dict``, as :func:`evaluate_bli` reports it), ``device``,
        ``n_src`` (source words translated), ``n_src_vocab``, ``n_tgt_vocab``, ``steps`` (each
        step's name, words and seconds) and ``wall_s``.
    progress : bool, default True
        Show a tqdm bar on stderr over the steps, as :func:`evaluate_bli` does.

    Returns
    -------
    rows : list of (str, str, float, int)
        ``(source, target, score, rank)``, sources in frequency order, ranks from 1.
    info : dict
        Only with ``return_info=True``.
    """
    start = time.perf_counter()
    if k < 1:
        raise ValueError(f"k must be >= 1; got {k}")
    if src.vector_size != tgt.vector_size:
        raise ValueError(f"the spaces have different dimensions (src {src.vector_size}, tgt "
                         f"{tgt.vector_size}); translate with the mapped files written by offramp align")
    check_rerank_args(rerank, rerank_weights, tune_dict, parallel, rerank_model)
    device = resolve_device(device)
    X = asarray(_unit_host(src, normalize, "source"), device=device)
    Z = asarray(_unit_host(tgt, normalize, "target"), device=device)
    n = len(src) if max_src is None else min(max_src, len(src))
    # steps: the column terms (CSLS's r of the targets, the inverted softmax's normaliser; with
    # mutual and CSLS the sources' r too, shared by both directions), the forward search and the way
    # back; with re-ranking, the association, the targets' column term, the fitting, (with mutual)
    # the sources' r term or normaliser and the way back, and the re-ranked search. The trees'
    # fitting computes the sources' r term itself.
    column_terms = method in ("csls", "isf")  # a step of their own before each direction's search
    back_terms = column_terms and not (rerank and rerank_model == "trees" and method == "csls")
    n_steps = 1 + bool(mutual) * (1 + back_terms) + (
        _builds_association(parallel) + column_terms + (tune_dict is not None) if rerank else column_terms)
    log = []
    with _steps(n_steps, progress=progress, n_pairs=len(src) * len(tgt), log=log) as step:
        if rerank:
            if _builds_association(parallel):
                step("verse association")
            association = resolve_association(parallel, src, tgt)
            tick = step(f"CSLS r term of {len(tgt)} target words", rows=len(tgt)) if method == "csls" else None
            r_tgt = _csls_r_tgt(X, Z, method, csls_k, tick)  # once for the tuning and the lexicon searches
            log_norm = _isf_log_norm(X, Z, beta, step(f"inverted-softmax normaliser of {len(tgt)} target words",
                                                      rows=len(tgt))) if method == "isf" else None
            if tune_dict is not None:
                step("fitting the re-ranking")
            rerank_info, scorer = _rerank_setup(src, tgt, X, Z, rerank, rerank_weights, tune_dict, method=method,
                                                csls_k=csls_k, beta=beta, k=max(k, rerank_k), r_tgt=r_tgt,
                                                log_norm=log_norm, association=association, model=rerank_model)
            trees = isinstance(scorer, _Trees)
            # the sources' CSLS r term: the trees made it; with mutual, one step serves both directions
            r_src = scorer.margins.r_src if trees and method == "csls" else None
            if mutual and method == "csls" and r_src is None:
                r_src = _csls_r_tgt(Z, X, method, csls_k, step(f"CSLS r term of {len(src)} source words",
                                                               rows=len(src)))
            # the way back first: with the trees its best scores are the backward margins' reference
            # for every target, so the re-ranked search below needs no search of its own for them
            back = _back_translate(X, Z, method=method, csls_k=csls_k, beta=beta, step=step, r_tgt=r_tgt,
                                   r_src=r_src, margins=scorer.margins if trees else None) if mutual else None
            # in slices of source words: each row is re-ranked on its own, and memory stays
            # bounded by a slice's candidates and features
            scores, index = _in_slices(
                lambda rows: _reranked_candidates(src, tgt, X, Z, np.arange(rows.start, rows.stop), scorer,
                                                  method=method, csls_k=csls_k, beta=beta, k=max(k, rerank_k),
                                                  r_tgt=r_tgt, r_src=r_src, log_norm=log_norm,
                                                  association=association),
                n, step(f"translating {n} source words", rows=n))
            scores, index = scores[:, :k], index[:, :k]
        else:
            rerank_info = None
            scores, index, back = _translate(X, Z, n, k, method=method, csls_k=csls_k, beta=beta, mutual=mutual,
                                             step=step)
    out = []
    for i in range(n):
        for r in range(index.shape[1]):
            j = int(index[i, r])
            if back is not None and back[j] != i:
                continue
            out.append((src.index_to_key[i], tgt.index_to_key[j], float(scores[i, r]), r + 1))
    if return_info:
        return out, {"rerank": rerank_info, "device": device, "n_src": n, "n_src_vocab": len(src),
                     "n_tgt_vocab": len(tgt), "steps": log, "wall_s": round(time.perf_counter() - start, 3)}
    return out


def write_lexicon(rows, path):
    """Write ``(source, target, score, rank)`` rows as TSV under :data:`LEXICON_HEADER`, atomically.

    :func:`bootstrap.dictionaries.read_dictionary` reads the file back as ``(source, target)`` entries.
    """
    with atomic_open(path) as handle:
        handle.write(LEXICON_HEADER + "\n")
        for s, t, score, rank in rows:
            handle.write(f"{s}\t{t}\t{score:.6f}\t{rank}\n")
    return path
