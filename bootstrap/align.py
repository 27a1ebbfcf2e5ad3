"""Aligning two embedding spaces: the steering of one run of the self-learning loop on
``KeyedVectors`` (seed, preset, device, refinement, the shared-string check), the unsupervised mode
seeded from auxiliary spaces (``via=``), and the run's report and signature.

This is the library behind ``offramp align``: it turns words into row indices, moves arrays to the
chosen device, calls :mod:`alignment`, and brings the results back as ``KeyedVectors`` and a
JSON-serialisable report. Longer than most modules: the option checks, the direct run and the run
seeded from auxiliary spaces (which calls the direct one twice) share one report and one signature.
"""
import os
import platform
import time
from dataclasses import dataclass, field

import numpy as np

from .._version import __version__
from ..alignment import InstanceRefinement, SelfLearning, asarray, resolve_device, to_numpy
from ..alignment.presets import PRESETS, check_preset, loop_config, resolve_refine
from ._progress import loop_callback
from .check import shared_string_check
from .errors import InputsError
from .memory import check_memory
from .evaluation.induce import induce_lexicon
from .io.dictionaries import as_entries, lookup_pairs
from .io.atomic import check_distinct
from .io.embeddings import check_writable, finite_vectors, load_pair, make_keyed_vectors, word_counts
from .io.outputs import aligned_outputs, save_aligned
from .lexicon.parallel import PARALLEL_DEFAULTS, resolve_association
from .lexicon.seeds import COGNATE_DEFAULTS, parse_mode, seed_entries
from .signature import make_signature

#: Seed modes of :func:`align_embeddings`; other '+'-joined combinations of dictionary, identical,
#: cognates and numerals work too (see :func:`bootstrap.lexicon.seeds.seed_entries`).
SEED_MODES = ("dictionary", "identical", "cognates", "numerals", "parallel", "identical+numerals",
              "cognates+numerals", "dictionary+identical", "dictionary+parallel", "unsupervised")
#: Default frequency-rank filter for identical-string seeds (None: keep every identical string).
DEFAULT_IDENTICAL_RANK_RATIO = None
#: Options of the unsupervised seed from auxiliary spaces (``align_embeddings(via=...)``):
#: restarts of their unsupervised alignment, how many of their most frequent source words are
#: translated (mutual CSLS best pairs) into the seed, and ``prefix_len``: the auxiliary spaces were
#: trained on tokens cut to this many characters (``offramp train --prefix-len``), so each induced
#: pair of prefixes stands for the most frequent main-vocabulary words that start with them.
VIA_DEFAULTS = {"restarts": 8, "top": 2000, "prefix_len": None}
#: What ``seed='auto'`` falls back to with no dictionary, verses or auxiliary spaces: cognates beat
#: identical strings on 5 of the 6 BLI pairs of docs/seeds.md.
AUTO_STRINGS_SEED = "cognates+numerals"


def resolve_seed(seed, *, seed_dict=None, parallel=None, via=None):
    """The seed mode that ``seed='auto'`` stands for with these inputs, and why.

    The strongest evidence the inputs allow (docs/seeds.md): a seed dictionary (with the verses
    too when both are given), else verse-aligned corpora, else auxiliary spaces of comparable text
    (the unsupervised ``via`` route), else cognates and numerals. Any other mode comes back as it is.

    Returns
    -------
    mode : str
    reason : str or None
        None when ``seed`` was not ``'auto'``.
    """
    if seed != "auto":
        return seed, None
    if seed_dict is not None:
        if parallel is not None:
            return "dictionary+parallel", "a seed dictionary and verse-aligned corpora were given"
        return "dictionary", "a seed dictionary was given"
    if parallel is not None:
        return "parallel", "no dictionary; verse-aligned corpora were given, the strongest seed without one"
    if via is not None:
        return "unsupervised", "no dictionary or verses; auxiliary spaces of comparable text were given (via)"
    return AUTO_STRINGS_SEED, ("no dictionary, verses or auxiliary spaces: words spelled alike (cognates) and "
                               "numerals")


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
    signature : str
        The run's reproducibility signature (also ``report['signature']``).
    """

    src_mapped: object
    tgt_mapped: object
    estimator: SelfLearning
    report: dict = field(default_factory=dict)
    refiner: object = None
    inputs: dict = field(default_factory=dict, repr=False)  # what the signature names beside the report

    @property
    def signature(self):
        """The run's reproducibility signature, ``offramp:VERSION|method:offramp|seed:...`` (str)."""
        return self.report.get("signature")

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


def align_embeddings(src, tgt, *, seed="auto", seed_dict=None, preset="offramp",
                     validation_dict=None, device="cpu", random_state=0, progress=True,
                     identical_rank_ratio=DEFAULT_IDENTICAL_RANK_RATIO, cognates=None, parallel=None,
                     parallel_options=None, refine="auto", refine_options=None, via=None, via_options=None,
                     lowercase=False, purpose="bli", checkpoint_dir=None, copy=True, **params):
    """Map two embedding spaces into one.

    Parameters
    ----------
    src, tgt : KeyedVectors
        Source and target vectors, most frequent words first.
    seed : {'auto', 'dictionary', 'identical', 'cognates', 'numerals', 'parallel', 'identical+numerals',
            'cognates+numerals', 'dictionary+identical', 'dictionary+parallel', 'unsupervised'}
        Where the seed dictionary comes from (any '+'-joined combination of dictionary,
        identical, cognates, numerals and parallel works). ``'auto'`` (default): the strongest the
        inputs allow (:func:`resolve_seed`); the report's ``seed`` names the mode it picked and why.
    seed_dict : path or list of (str, str), optional
        Gold training dictionary (for seed modes with ``dictionary``).
    preset : str
        A recipe from :data:`alignment.presets.PRESETS`: ``'offramp'`` (default: fast
        stochastic self-learning), VecMap's ``'supervised'``, ``'semi_supervised'``,
        ``'identical'``, ``'unsupervised'``, or ``'procrustes'`` (one orthogonal fit). With
        ``seed='unsupervised'``, ``'offramp'`` also induces in both directions and restarts the
        loop 8 times (:data:`alignment.presets.OFFRAMP_UNSUPERVISED`; ``direction`` and ``n_init``
        override it), and
        with a seed of strings alone (identical, cognates, numerals) it induces in both directions
        (:data:`alignment.presets.OFFRAMP_STRINGS`).
    validation_dict : path or list of (str, str), optional
        Gold pairs whose P@1 is logged per iteration (never used for fitting).
    identical_rank_ratio : float or None
        Identical-string seeds: keep a word only if its frequency ranks on the two sides differ
        by at most this factor (see :func:`bootstrap.lexicon.seeds.identical_pairs`); None keeps all.
    cognates : dict, optional
        Options of :func:`bootstrap.lexicon.seeds.cognate_pairs` for seed modes with ``cognates``
        (``min_similarity``, ``min_len``, ``max_rank``, ``max_rank_ratio``).
    parallel : VerseAssociation or (src_files, tgt_files), optional
        Verse-aligned corpora (e.g. Bibles, ``ID<TAB>text``) for seed modes with ``parallel``:
        mutually best Dice pairs over shared verses (:mod:`bootstrap.lexicon.parallel`).
    parallel_options : dict, optional
        Options of :meth:`bootstrap.lexicon.parallel.VerseAssociation.pairs` (``min_score``,
        ``min_count``, ``max_rank``).
    refine : {'auto', 'instance', None}
        After the mapping, move every word along the residuals of its nearest seed pairs
        (:class:`alignment.instance.InstanceRefinement`, non-linear). The anchors are the
        dictionary's pairs when the seed has a dictionary, else all seed pairs (the unsupervised
        mode has none). ``'auto'`` (default): ``'instance'`` for the ``offramp`` preset with a seed
        dictionary (and with ``purpose='transfer'`` a verse seed), None otherwise (VecMap's presets
        stay linear; induced seeds are too noisy).
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
        not and two translations of one text can be.
    via_options : dict, optional
        ``restarts``, ``top`` and ``prefix_len`` (defaults :data:`VIA_DEFAULTS`).
    lowercase : bool, default False
        Lowercase the seed and validation dictionaries read from files (for vectors trained on
        lowercased text, as ``offramp train`` does, and a dictionary that is not).
    purpose : {'bli', 'transfer'}
        What the spaces are for (:data:`alignment.presets.PURPOSES`); it only changes what
        ``refine='auto'`` means.
    checkpoint_dir : path-like, optional
        Keep each finished restart of the loop there (``n_init`` > 1, the unsupervised mode's 8,
        ``via``'s auxiliary alignment: :class:`bootstrap.checkpoints.RestartStore`); the same call
        after a kill takes them from it and ends as an uninterrupted run.
    device : {'cpu', 'cuda', 'auto'}
    random_state : int
    progress : bool
        Show a tqdm bar over iterations.
    copy : bool, default True
        False: normalise, map and refine the vectors of ``src`` and ``tgt`` in place (float32 arrays
        that the caller gives up: they end up holding the mapped spaces), so that two large spaces are
        never held twice; what :func:`align_files` does with the vectors it reads. Not with ``via``.
    **params
        Overrides of :class:`alignment.selflearning.SelfLearning` parameters
        (``vocabulary_cutoff``, ``csls_k``, ``direction``, ``max_iter``, ``normalize``, ...).

    Returns
    -------
    AlignResult
        With the run's reproducibility signature in ``signature`` (and ``report['signature']``).
    """
    seed, auto = resolve_seed(seed, seed_dict=seed_dict, parallel=parallel, via=via)
    check_options(seed=seed, seed_dict=seed_dict, preset=preset, identical_rank_ratio=identical_rank_ratio,
                  cognates=cognates, parallel=parallel, parallel_options=parallel_options, refine=refine,
                  refine_options=refine_options, via=via, via_options=via_options, purpose=purpose, **params)
    if via is not None or via_options is not None:
        result = _align_via(src, tgt, via, via_options, seed=seed, preset=preset, validation_dict=validation_dict,
                            device=device, random_state=random_state, progress=progress, refine=refine,
                            checkpoint_dir=checkpoint_dir,
                            refine_options=refine_options, lowercase=lowercase, **params)
    else:
        result = _align_direct(src, tgt, seed=seed, seed_dict=seed_dict, preset=preset,
                               validation_dict=validation_dict, device=device, random_state=random_state,
                               progress=progress, identical_rank_ratio=identical_rank_ratio, cognates=cognates,
                               parallel=parallel, parallel_options=parallel_options, refine=refine,
                               refine_options=refine_options, lowercase=lowercase, check=True, purpose=purpose,
                               checkpoint_dir=checkpoint_dir, copy=copy, **params)
    if auto is not None:
        result.report["seed"]["auto"] = auto
    result.inputs = {"seed": seed, "params": params, "lowercase": lowercase, "random_state": random_state}
    result.report["signature"] = align_signature(result)
    return result


def check_options(*, seed="auto", seed_dict=None, preset="offramp", identical_rank_ratio=None,
                  cognates=None, parallel=None, parallel_options=None, refine="auto", refine_options=None, via=None,
                  via_options=None, purpose="bli", checkpoint_dir=None, **params):
    """Raise :class:`~bootstrap.errors.InputsError` (a ValueError), naming the fix, for
    :func:`align_embeddings` options that cannot work together or that the run would silently ignore.

    Cheap (it reads nothing), so a caller can check before it loads the vectors. Takes
    :func:`align_embeddings`'s keywords (``via``: anything not None).
    """
    seed, _ = resolve_seed(seed, seed_dict=seed_dict, parallel=parallel, via=via)
    if via is not None or via_options is not None:
        others = {"seed_dict": seed_dict, "cognates": cognates, "parallel": parallel,
                  "parallel_options": parallel_options, "identical_rank_ratio": identical_rank_ratio}
        given = sorted(name for name, value in others.items() if value is not None)
        if given:
            raise InputsError(f"with auxiliary spaces (via=) the seed comes from them alone; {given} would be "
                              "ignored: drop them")
        _check_via_options(via, via_options, seed=seed, preset=preset, refine=refine, refine_options=refine_options,
                           params=params)
        return
    parts = parse_mode(seed, name="seed", examples=SEED_MODES)
    config = loop_config(preset, seed, params)
    if seed_dict is not None and "dictionary" not in parts:  # else the default seed would ignore it
        raise InputsError(f"a seed dictionary was given, but seed={seed!r} has no 'dictionary' part; add it "
                          "(e.g. seed='dictionary' or 'dictionary+identical') or drop seed_dict")
    if "dictionary" in parts and seed_dict is None:
        raise InputsError(f"seed={seed!r} needs a seed dictionary (--seed-dict)")
    if "parallel" in parts and parallel is None:
        raise InputsError(f"seed={seed!r} needs verse-aligned corpora: parallel=(src_files, tgt_files) "
                          "(--parallel-src FILE --parallel-tgt FILE)")
    if parallel is not None and "parallel" not in parts:
        raise InputsError(f"verse-aligned corpora were given, but seed={seed!r} has no 'parallel' part; "
                          "add it (e.g. seed='dictionary+parallel') or drop them")
    part_options = (("identical_rank_ratio", identical_rank_ratio, "identical", "--identical-rank-ratio"),
                    ("cognates", cognates, "cognates", "--cognate-similarity"),
                    ("parallel_options", parallel_options, "parallel", "--parallel-min-score"))
    for option, value, part, flag in part_options:
        if value is not None and part not in parts:
            raise InputsError(f"{option} ({flag}) sets the {part!r} seed, and seed={seed!r} has none; add it or "
                              f"drop {option}")
    if refine is None and refine_options:
        raise InputsError("refine_options (--refine-step, --refine-neighbors) set the refinement, and refine=None "
                          "(--refine none) runs none; drop one of them")
    unsupervised = config.get("init", "seed") == "unsupervised"
    refine = resolve_refine(refine, preset, "unsupervised" if unsupervised else seed, refine_options=refine_options,
                            purpose=purpose)
    _refiner(refine, refine_options)


def align_files(src_path, tgt_path, *, out_src, out_tgt, report=None, binary=False, via=None, fmt="auto",
                max_vocab=None, on_duplicate="error", encoding_errors="strict", progress=True, memory_check=True,
                **options):
    """Read two vector files, align them, and write the mapped spaces with their sidecars (and the
    report): what ``offramp align`` does.

    Parameters
    ----------
    src_path, tgt_path : path-like
        Vector files (see :func:`bootstrap.io.embeddings.load_embeddings`).
    out_src, out_tgt : path-like
        The mapped spaces to write (word2vec; ``binary`` for the binary format).
    report : path-like, optional
        Where to write the run's report as JSON.
    via : (path-like, path-like), optional
        Auxiliary vector files for the unsupervised mode (``align_embeddings(via=...)``).
    fmt, max_vocab, on_duplicate, encoding_errors
        How the vector files are read (:func:`bootstrap.io.embeddings.load_embeddings`).
    progress : bool
    memory_check : bool, default True
        Refuse, before reading, a run whose estimated peak memory exceeds the available memory
        (:func:`bootstrap.memory.check_memory`); the estimate goes into the report.
    **options
        Keywords of :func:`align_embeddings`.

    Returns
    -------
    AlignResult
        Its signature names ``max_vocab`` too; its report holds ``space_id``.
    """
    check_distinct(aligned_outputs(out_src, out_tgt, report))  # before the reading and the alignment
    if os.path.exists(src_path) and os.path.exists(tgt_path) and os.path.samefile(src_path, tgt_path):
        raise InputsError(f"SRC_VECTORS and TGT_VECTORS are the same file ({os.fspath(src_path)}): a space aligned "
                          "with itself maps every word onto itself; give the source and the target language's vectors")
    check_options(via=via, **options)
    memory = check_memory("align", (src_path, tgt_path), fmt=fmt, max_vocab=max_vocab) if memory_check else None
    read = {"fmt": fmt, "on_duplicate": on_duplicate, "encoding_errors": encoding_errors, "progress": progress}
    if via is not None:
        options["via"] = load_pair(*via, **read)
    src, tgt = load_pair(src_path, tgt_path, max_vocab=max_vocab, **read)
    for path, kv, option in ((src_path, src, "--out-src"), (tgt_path, tgt, "--out-tgt")):
        try:  # now, not after the alignment: the mapped file keeps the input's words
            check_writable(kv)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}, so {option} could not be written; drop or rename that word in the "
                             "input file") from None
    # the vectors were read for this run alone: normalised and mapped in place, never held twice
    result = align_embeddings(src, tgt, progress=progress, copy=via is not None, **options)
    result.report["signature"] = align_signature(result, max_vocab=max_vocab)
    result.report["memory"] = memory
    save_aligned(result, out_src, out_tgt, binary=binary, report_path=report)
    return result


def align_signature(result, *, max_vocab=None):
    """The reproducibility signature of an alignment: the recipe, the seed and its options, the loop's
    settings where a loop ran, the loop options set by hand, how many words were read (``max_vocab``,
    where the caller cut the files), the refinement, the normalisation, dtype, device and random state.

    Parameters
    ----------
    result : AlignResult
    max_vocab : int, optional

    Returns
    -------
    str
    """
    report, est, inputs = result.report, result.estimator, result.inputs
    params, seed_report = inputs["params"], report["seed"]
    loop = est.self_learning  # the loop's settings only where a loop ran
    measure = seed_report.get("parallel", {}).get("measure", "dice")
    return make_signature(
        method=report["preset"], mapping=(est.final_mapping or {"name": "orthogonal"})["name"], seed=inputs["seed"],
        via=_via_tag(seed_report.get("via")), rank_ratio=seed_report.get("identical_rank_ratio"),
        cognate_sim=seed_report.get("cognates", {}).get("min_similarity"),
        verse_min=seed_report.get("parallel", {}).get("min_score"), verses=None if measure == "dice" else measure,
        csls=est.csls_k if loop else None, direction=est.direction if loop else None,
        cutoff=est.vocabulary_cutoff if loop else None, max_iter=params.get("max_iter"),
        threshold=params.get("threshold"), keep0=params.get("stochastic_initial"),
        interval=params.get("stochastic_interval"), warmup=report.get("warmup_dim"), max_vocab=max_vocab,
        lowercase="yes" if inputs["lowercase"] else None, refine=_refine_tag(report.get("refine")),
        norm=list(est.normalize), dtype="float32", device=report["device"], random_state=inputs["random_state"],
        restarts=None if est.n_init == 1 else f"{len(est.restart_objectives_)}:best{est.best_restart_}")


def _refine_tag(report):
    """``instance:k10,t0.1,s0.3`` for the signature, or None without refinement."""
    if not report:
        return None
    return f"{report['method']}:k{report['n_neighbors']},t{report['temperature']},s{report['step']}" + \
        ("" if report["symmetric"] else ",src")


def _via_tag(report):
    """``restarts8:best3,top2000,union`` for the signature (the auxiliary alignment's restarts, the best
    of them, the induced pairs' source words and its induction direction), or None without
    auxiliary spaces."""
    if not report:
        return None
    prefix = f",prefix{report['prefix_len']}" if report.get("prefix_len") else ""
    return (f"restarts{report['restarts']}:best{report['aux_best_restart']},top{report['top']}{prefix},"
            f"{report['aux_direction']}")


def _align_direct(src, tgt, *, seed, preset, device, random_state, progress, refine, seed_dict=None,
                  validation_dict=None, identical_rank_ratio=DEFAULT_IDENTICAL_RANK_RATIO, cognates=None,
                  parallel=None, parallel_options=None, refine_options=None, lowercase=False, check=False,
                  purpose="bli", checkpoint_dir=None, copy=True, **params):
    """:func:`align_embeddings` without auxiliary spaces: its keywords, already checked by
    :func:`check_options` (or made consistent by :func:`_align_via`); the optional inputs default to none
    given. ``check=False`` leaves the report's ``check`` at None, for :func:`_align_via`, which computes
    its own over every shared string."""
    parts = parse_mode(seed, name="seed", examples=SEED_MODES)  # the options were checked by check_options
    _check_same_dim(src, tgt)
    warmup = params.get("warmup_dim")
    if isinstance(warmup, int) and not isinstance(warmup, bool) and warmup >= src.vector_size:
        raise ValueError(f"warmup_dim={warmup} (--warmup-dim) must be below the vectors' {src.vector_size} "
                         "dimensions: the warm-up runs in fewer principal directions than the full space")
    started = time.perf_counter()
    device = resolve_device(device)
    config = loop_config(preset, seed, {**params, "random_state": random_state})
    entries, dict_path = as_entries(seed_dict, lowercase)
    unsupervised = config.get("init", "seed") == "unsupervised"
    refine = resolve_refine(refine, preset, "unsupervised" if unsupervised else seed, refine_options=refine_options,
                            purpose=purpose)
    refiner = _refiner(refine, refine_options)
    seed_report = {"mode": seed}
    pairs, words = None, []
    if not unsupervised:
        pairs, words = _seed(src, tgt, seed, parts, entries, dict_path, seed_report,
                             identical_rank_ratio=identical_rank_ratio, cognates=cognates, parallel=parallel,
                             parallel_options=parallel_options)
    anchors = pairs
    if refiner is not None and "dictionary" in parts:
        # the gold dictionary's pairs anchor the refinement (the other seeds are noisier); the seed's
        # lookup made sure there is at least one
        anchors = lookup_pairs(entries, src.key_to_index, tgt.key_to_index, path=dict_path)[0]
    val_pairs = None
    if validation_dict is not None:
        val_entries, val_path = as_entries(validation_dict, lowercase)
        val_pairs, val_cov = lookup_pairs(val_entries, src.key_to_index, tgt.key_to_index, path=val_path)
        seed_report["validation"] = val_cov
    est, Xm, Zm, refiner, refine_report = _fit(src, tgt, config, pairs, val_pairs, refiner, anchors,
                                               device=device, progress=progress, checkpoint_dir=checkpoint_dir,
                                               copy=copy)
    if refine_report is not None:
        counts = {k: refine_report.pop(k) for k in ("n_src_anchors", "n_tgt_anchors", "time_s")}
        refine_report = {"method": refine, **refine_report,
                         "anchors": "dictionary" if "dictionary" in parts else "seed", **counts}
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
                     "best": int(est.best_restart_),
                     "from_checkpoint": getattr(est, "restarts_from_checkpoint_", [])},
        "n_final_pairs": int(est.pairs_.shape[0]),
        "refine": refine_report,
        "purpose": purpose,
        # strings spelled alike outside the seed: do they translate to themselves? (no dictionary needed)
        "check": shared_string_check(src_mapped, tgt_mapped, exclude=words, device=device) if check else None,
        "history": est.history_,
        "fit_s": est.fit_time_s_,
        "wall_s": time.perf_counter() - started,
        "python": platform.python_version(),
    }
    return AlignResult(src_mapped, tgt_mapped, est, report, refiner)


def _refiner(refine, refine_options):
    """The unfitted, validated refinement of ``refine`` (None for none)."""
    if refine is None:
        return None
    try:
        refiner = InstanceRefinement(**(refine_options or {}))
    except TypeError as exc:
        raise ValueError(f"refine_options: {exc}; InstanceRefinement takes n_neighbors, temperature, step, "
                         "symmetric, batch_size, use_faiss") from None
    refiner._validate()
    return refiner


def _seed(src, tgt, seed, parts, entries, dict_path, seed_report, *, identical_rank_ratio, cognates, parallel,
          parallel_options):
    """The seed's row pairs, int64 array of shape (n_pairs, 2), and its word pairs; records what it found
    in ``seed_report``."""
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
    return pairs, words


def _fit(src, tgt, config, pairs, val_pairs, refiner, anchors, *, device, progress, checkpoint_dir=None, copy=True):
    """Fit the loop (and the refinement) on the device; the mapped spaces come back as host arrays and the
    fitted estimators with host arrays: ``(est, Xm, Zm, refiner, refine_report)``. With ``checkpoint_dir``
    and restarts, finished restarts are kept there and taken back by a later fit of the same inputs.
    ``copy=False``: the vectors' own arrays are normalised, mapped and refined in place (on a GPU, the
    device's copies are, and the results are written back over the host arrays)."""
    host_src, host_tgt = finite_vectors(src, "source"), finite_vectors(tgt, "target")
    store = None
    if checkpoint_dir is not None and config.get("n_init", 1) > 1:
        from .checkpoints import RestartStore, inputs_key

        store = RestartStore(checkpoint_dir, inputs_key(host_src, host_tgt, pairs, options=config))
    callback, bar = loop_callback(progress and config.get("self_learning", True))
    config = {**config, "callback": callback}
    X, Z = asarray(host_src, device=device), asarray(host_tgt, device=device)
    refine_report = None
    try:
        est = SelfLearning(**config, copy=copy)
        Xm, Zm = est.fit_transform(X, Z, pairs, validation_pairs=val_pairs, restart_store=store)
        if store is not None:
            est.restarts_from_checkpoint_ = list(store.taken)
        if refiner is not None:
            t0 = time.perf_counter()
            Xm, Zm = refiner.fit_transform(Xm, Zm, asarray(anchors, device=device), copy=copy)
            refine_report = {**refiner.get_params(deep=False),
                             "n_src_anchors": int(refiner.src_anchors_.shape[0]),
                             "n_tgt_anchors": int(refiner.tgt_anchors_.shape[0]),
                             "time_s": time.perf_counter() - t0}
            refiner = _host_refiner(refiner)
        if copy:
            Xm, Zm = to_numpy(Xm), to_numpy(Zm)
        else:
            Xm, Zm = _to_host(Xm, host_src), _to_host(Zm, host_tgt)
    finally:
        if bar is not None:
            bar.close()
    est.callback = None
    return _host_estimator(est), Xm, Zm, refiner, refine_report


def _to_host(V, host, rows=1 << 16):
    """``V`` as a host array: itself on the CPU; from a GPU, copied block by block over ``host`` (an array
    of its shape that may be overwritten) so that the host never holds it twice."""
    if isinstance(V, np.ndarray):
        return V
    if host.shape != V.shape or not host.flags.writeable:
        return to_numpy(V)
    for start in range(0, V.shape[0], rows):
        host[start:start + rows] = to_numpy(V[start:start + rows])
    return host


def _check_same_dim(src, tgt, which=""):
    if src.vector_size != tgt.vector_size:
        raise ValueError(f"the two {which}spaces have different dimensions: src dim={src.vector_size}, "
                         f"tgt dim={tgt.vector_size}; train both with the same --dim")


def _check_via_options(via, via_options, *, seed, preset, refine, refine_options, params):
    """The checks of the unsupervised mode with auxiliary spaces that need no vectors; returns its
    options with the defaults filled in."""
    if seed != "unsupervised":
        raise InputsError(f"auxiliary spaces (via=, --via) give the unsupervised mode its seed; got seed={seed!r}: "
                          "use seed='unsupervised' (--unsupervised) or drop them")
    if via is None:
        raise InputsError("via_options were given without via=(aux_src, aux_tgt) (--via SRC_VECTORS TGT_VECTORS)")
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
    check_preset(preset)
    if not {**PRESETS[preset], **params}.get("self_learning", True):
        raise InputsError("the unsupervised mode with auxiliary spaces (via=, --via) runs the self-learning loop on "
                          "both pairs of spaces; drop self_learning=False (--no-self-learning) or use a "
                          "self-learning preset (offramp, unsupervised, identical, semi_supervised)")
    if refine not in (None, "auto") or refine_options:
        raise InputsError("the unsupervised mode has no gold pairs for the refinement's anchors (refine='instance' "
                          "hurts with induced seeds); drop refine/refine_options")
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
               validation_dict=None, refine_options=None, lowercase=False, checkpoint_dir=None, **params):
    """``align_embeddings(seed='unsupervised', via=...)``: seed from an unsupervised alignment of
    two auxiliary spaces, then the loop on ``src`` and ``tgt`` (see :func:`align_embeddings`).
    ``params`` (the loop's settings) apply to both alignments; ``n_init`` only to the main one."""
    options = _check_via_options(via, via_options, seed=seed, preset=preset, refine=refine,
                                 refine_options=refine_options, params=params)
    _check_same_dim(src, tgt)
    _check_same_dim(*via, which="auxiliary ")
    if validation_dict is not None:  # fails now, not after the auxiliary alignment
        entries, path = as_entries(validation_dict, lowercase)
        lookup_pairs(entries, src.key_to_index, tgt.key_to_index, path=path)
    started = time.perf_counter()
    aux_params = {k: v for k, v in params.items() if k != "n_init"}
    sub = (lambda name: None) if checkpoint_dir is None else (lambda name: os.path.join(checkpoint_dir, name))
    aux = _align_direct(via[0], via[1], seed="unsupervised", preset=preset, device=device,
                        random_state=random_state, progress=progress, refine=None, n_init=options["restarts"],
                        checkpoint_dir=sub("aux"), **aux_params)
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
                           lowercase=lowercase, checkpoint_dir=sub("main"), **{**params, "init": "seed"})
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
