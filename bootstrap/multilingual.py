"""Many languages in one space: each linked to a hub language by the bilingual engine, then refined
jointly on translation pairs induced between every two languages.

:func:`link_to_hub` is one language's link (one task of ``offramp multi``): the bilingual
alignment with that language's own seed, run so that the hub stays in one frame for every
language (its normalised vectors, unmoved), which makes the hub-only space of all links one space.
:func:`joint_space` refines that space with :class:`alignment.multilingual.JointAlignment`.
:func:`align_multilingual` does both on a dict of spaces, :func:`evaluate_pairs` scores every pair
with a gold dictionary, and :func:`save_multilingual` writes the space (one file with words
prefixed by language, readable by gensim, and one file per language).
"""
import os
import time
from dataclasses import dataclass, field

import numpy as np

from .._version import __version__
from ..alignment.multilingual import JointAlignment, refine_around_hub
from ..alignment.presets import seed_parts
from .align import align_embeddings, check_options
from .errors import InputsError
from .evaluation.bli import evaluate_bli
from .io.atomic import write_json
from .io.dictionaries import as_entries, lookup_pairs
from .io.embeddings import check_writable, finite_vectors, make_keyed_vectors, save_embeddings, word_counts
from .signature import make_signature

#: The hub step's map: orthogonal, the hub as the target, so the hub's normalised vectors are the
#: same in every language's link (VecMap's multi-step map would move the hub differently each time).
HUB_MAPPING = {"name": "orthogonal"}
#: Separator between the language code and the word in the multilingual file (``lv:maja``).
PREFIX_SEP = ":"


@dataclass
class HubLink:
    """One language linked to the hub.

    Attributes
    ----------
    vectors : ndarray of shape (n_words, dim), float32
        The language's words in the hub's frame (unit rows).
    hub_vectors : ndarray of shape (n_hub, dim), float32
        The hub's normalised vectors, the frame every link shares.
    pairs : ndarray of shape (n_pairs, 2), int64
        The link's final dictionary, ``(hub row, language row)``: its seed dictionary where it has one,
        else the pairs the self-learning loop ended with.
    report : dict
        :func:`bootstrap.align.align_embeddings`'s report.
    final_pairs : ndarray of shape (n_final, 2), int64
        ``(hub row, language row)``: the dictionary the self-learning loop ended with (the seed's pairs
        and those it induced), which the final map was fitted on.
    """

    vectors: np.ndarray
    hub_vectors: np.ndarray
    pairs: np.ndarray
    report: dict = field(default_factory=dict)
    final_pairs: np.ndarray = None


def link_to_hub(hub, kv, *, seed="identical+numerals", seed_dict=None, parallel=None, device="cpu",
                random_state=0, progress=False, lowercase=False, **align_options):
    """Align one language to the hub with the bilingual engine, keeping the hub in its own frame.

    Parameters
    ----------
    hub, kv : KeyedVectors
        The hub's vectors and the language's, most frequent words first, one dimension.
    seed : str
        A seed mode of :func:`bootstrap.align.align_embeddings` (``'dictionary'``,
        ``'identical+numerals'``, ``'parallel'``, ``'unsupervised'``, ...).
    seed_dict : path or list of (str, str), optional
        The hub's word first, the language's second (as MUSE's ``en-XX`` files).
    parallel : VerseAssociation or (hub_files, files), optional
        Verse-aligned text of the hub and the language, for seeds with ``parallel``.
    **align_options
        Further options of :func:`~bootstrap.align.align_embeddings` (``preset``, ``csls_k``, ...).
        The final map is orthogonal (:data:`HUB_MAPPING`) and nothing is refined, so the hub stays
        put: a refinement belongs to the multilingual space
        (:func:`alignment.multilingual.refine_around_hub`), where the hub moves for all languages.

    Returns
    -------
    HubLink
    """
    entries = None
    if seed_dict is not None:
        entries, _ = as_entries(seed_dict, lowercase)
        entries = [(b, a) for a, b in entries]  # the language is the source of the alignment
    if parallel is not None and isinstance(parallel, tuple):
        parallel = (parallel[1], parallel[0])
    options = {**align_options, "refine": None, "refine_options": None}
    options.setdefault("final_mapping", HUB_MAPPING)
    result = align_embeddings(kv, hub, seed=seed, seed_dict=entries, parallel=parallel, device=device,
                              random_state=random_state, progress=progress, lowercase=lowercase, **options)
    if entries is not None:
        pairs, _ = lookup_pairs(entries, kv.key_to_index, hub.key_to_index)
    else:
        pairs = np.asarray(result.estimator.pairs_, dtype=np.int64)
    vectors = finite_vectors(result.src_mapped, "mapped", normalize=True)
    hub_vectors = finite_vectors(result.tgt_mapped, "hub", normalize=True)
    final = np.asarray(result.estimator.pairs_, dtype=np.int64)
    return HubLink(vectors, hub_vectors, np.ascontiguousarray(pairs[:, ::-1]), result.report,
                   np.ascontiguousarray(final[:, ::-1]))


def check_link_options(seed, **align_options):
    """Refuse hub-step options that cannot work, before anything is read (:func:`bootstrap.align.check_options`)."""
    options = {"final_mapping": HUB_MAPPING, **align_options}
    try:
        check_options(seed=seed, seed_dict=[("a", "b")] if "dictionary" in seed else None,
                      parallel=("hub", "lang") if "parallel" in seed else None, **options)
    except ValueError as exc:
        raise InputsError(str(exc)) from exc


def joint_space(spaces, *, hub, seed_pairs=None, fixed=(), joint=True, refine_anchors=None, refine_options=None,
                device="cpu", **joint_options):
    """Refine spaces that share the hub's frame: jointly (:class:`alignment.multilingual.JointAlignment`),
    then around the hub (:func:`alignment.multilingual.refine_around_hub`).

    Parameters
    ----------
    spaces : dict of str to KeyedVectors
        Every language in the hub's frame (:attr:`HubLink.vectors`), the hub included.
    hub : str
    seed_pairs : dict of (str, str) to ndarray of shape (n_pairs, 2), optional
        Pairs kept in every iteration, e.g. ``{(hub, code): link.pairs}``.
    fixed : sequence of str
        Languages that keep their vectors (an existing space that new languages join).
    joint : bool
        False skips the joint step (the hub-only space).
    refine_anchors : dict of str to ndarray of shape (n_pairs, 2), optional
        Per language, the dictionary pairs ``(hub row, row)`` its instance refinement moves along;
        None or empty: no refinement.
    refine_options : dict, optional
        ``step``, ``n_neighbors``, ``temperature`` of the refinement.
    device : {'cpu', 'cuda', 'auto'}
    **joint_options
        Parameters of :class:`~alignment.multilingual.JointAlignment`.

    Returns
    -------
    spaces : dict of str to KeyedVectors
        Unit rows, float32.
    estimator : JointAlignment or None
    """
    from ..alignment import asarray, resolve_device, to_numpy
    from ..alignment.preprocess import unit

    device = resolve_device(device)
    arrays = {code: asarray(finite_vectors(kv, code), device=device) for code, kv in spaces.items()}
    est = None
    if joint:
        est = JointAlignment(**joint_options).fit(arrays, hub=hub, seed_pairs=seed_pairs, fixed=fixed)
        arrays = {code: est.transform(code, X) for code, X in arrays.items()}
        est.maps_ = {code: to_numpy(W) for code, W in est.maps_.items()}
    else:
        arrays = {code: unit(X) for code, X in arrays.items()}
    if refine_anchors:
        arrays = refine_around_hub(arrays, hub=hub, anchors=refine_anchors, fixed=fixed, **(refine_options or {}))
    # fixed languages come back as they were given, bit for bit (no renormalisation)
    return {code: spaces[code] if code in fixed else _keyed(spaces[code], to_numpy(X))
            for code, X in arrays.items()}, est


def refine_anchors(links, refine="auto", preset="offramp"):
    """The languages whose links a refinement moves along, and their anchors ``(hub row, row)``.

    ``'auto'``: the languages whose seed has a dictionary, for the ``offramp`` preset (as
    ``offramp align`` refines; induced seeds are too noisy to move along); ``'instance'``: every
    language, along its link's pairs; None: none.
    """
    if refine not in (None, "auto", "instance"):
        raise InputsError(f"refine must be None, 'auto' or 'instance'; got {refine!r}")
    if refine is None or (refine == "auto" and preset != "offramp"):
        return {}
    return {code: link.pairs for code, link in links.items()
            if refine == "instance" or "dictionary" in seed_parts(link.report["seed"]["mode"])}


def _keyed(kv, vectors):
    return make_keyed_vectors(kv.index_to_key, np.asarray(vectors, dtype=np.float32), word_counts(kv), copy=False)


@dataclass
class MultilingualResult:
    """What :func:`align_multilingual` built.

    Attributes
    ----------
    spaces : dict of str to KeyedVectors
        Every language in the joint space (the hub first).
    hub_only : dict of str to KeyedVectors
        Every language in the hub-only space (each linked to the hub, before the joint step).
    links : dict of str to HubLink
        Each non-hub language's link.
    estimator : JointAlignment or None
    report : dict
        ``hub``, ``languages``, per-language ``links`` (seed, pairs, iterations, seconds), the
        ``joint`` step's parameters and history, ``signature``.
    """

    spaces: dict
    hub_only: dict
    links: dict
    estimator: object
    report: dict

    @property
    def signature(self):
        """The run's reproducibility signature (also ``report['signature']``)."""
        return self.report.get("signature")


def link_report(link):
    """The part of a link's report the multilingual report keeps."""
    r = link.report
    return {"seed": r["seed"].get("mode"), "n_seed_pairs": r["seed"].get("n_seed_pairs"), "n_pairs": len(link.pairs),
            "n_iter": r.get("n_iter"), "refine": (r.get("refine") or {}).get("method"),
            "check": {k: (r.get("check") or {}).get(k) for k in ("n_checked", "self@1", "verdict")},
            "wall_s": round(r.get("wall_s", 0.0), 2)}


def align_multilingual(spaces, *, hub="en", seeds=None, dictionaries=None, parallel=None, joint=True,
                       joint_options=None, refine="auto", refine_options=None, device="cpu", random_state=0,
                       progress=True, **align_options):
    """Align many languages into one space: each to the hub, then jointly.

    Parameters
    ----------
    spaces : dict of str to KeyedVectors
        Each language's monolingual vectors (one dimension), keyed by language code; the hub among them.
    hub : str
        The language every other one is linked to first (its frame is the space's).
    seeds : dict of str to str, optional
        Each language's seed mode (default ``'identical+numerals'``; ``'dictionary'`` needs
        ``dictionaries``, ``'parallel'`` needs ``parallel``, ``'unsupervised'`` uses none).
    dictionaries : dict of str to path or list of (str, str), optional
        Each language's seed dictionary, the hub's word first.
    parallel : dict of str to VerseAssociation or (hub_files, files), optional
        Verse-aligned text shared with the hub.
    joint : bool
        Run the joint refinement (False: the hub-only space).
    joint_options : dict, optional
        Parameters of :class:`alignment.multilingual.JointAlignment`.
    refine : {'auto', 'instance', None}
        The instance refinement of the space around the hub (:func:`refine_anchors`):
        ``'auto'`` refines the languages whose seed has a dictionary.
    refine_options : dict, optional
        ``step``, ``n_neighbors``, ``temperature``.
    device, random_state, progress
        As in :func:`bootstrap.align.align_embeddings`.
    **align_options
        Options of every language's link (:func:`link_to_hub`).

    Returns
    -------
    MultilingualResult
    """
    if hub not in spaces:
        raise InputsError(f"the hub {hub!r} is not among the spaces {sorted(spaces)}; add its vectors or pick "
                          "another hub")
    seeds, dictionaries, parallel = dict(seeds or {}), dict(dictionaries or {}), dict(parallel or {})
    for name, given in (("seeds", seeds), ("dictionaries", dictionaries), ("parallel", parallel)):
        unknown = sorted(set(given) - set(spaces) | ({hub} & set(given)))
        if unknown:
            raise InputsError(f"{name} names {unknown}, which are not languages linked to the hub {hub!r} "
                              f"(the spaces: {sorted(spaces)})")
    for code in spaces:
        if code == hub:
            continue
        seed = seeds.get(code, "identical+numerals")
        check_link_options(seed, **align_options)
        if code in dictionaries and "dictionary" not in seed:
            raise InputsError(f"{code} has a dictionary but its seed {seed!r} does not use it; give it "
                              f"seeds[{code!r}] = 'dictionary' (or 'dictionary+identical')")
    try:
        JointAlignment(**(joint_options or {}))._validate()
    except (TypeError, ValueError) as exc:
        raise InputsError(f"joint_options: {exc}") from exc
    started = time.perf_counter()
    links = {}
    for code, kv in spaces.items():
        if code == hub:
            continue
        links[code] = link_to_hub(spaces[hub], kv, seed=seeds.get(code, "identical+numerals"),
                                  seed_dict=dictionaries.get(code), parallel=parallel.get(code), device=device,
                                  random_state=random_state, progress=progress, **align_options)
    return assemble(spaces, links, hub=hub, joint=joint, joint_options=joint_options, refine=refine,
                    refine_options=refine_options, device=device, random_state=random_state, started=started,
                    align_options=align_options)


def hub_frame(spaces, links, hub):
    """The hub-only space: every language's linked vectors as KeyedVectors, the hub first."""
    some = next(iter(links.values()), None)
    hub_vectors = some.hub_vectors if some is not None else finite_vectors(spaces[hub], hub, normalize=True)
    out = {hub: _keyed(spaces[hub], hub_vectors)}
    out.update({code: _keyed(spaces[code], link.vectors) for code, link in links.items()})
    return out


def assemble(spaces, links, *, hub, joint=True, joint_options=None, refine="auto", refine_options=None, fixed=(),
             device="cpu", random_state=0, started=None, align_options=None):
    """The multilingual space from links already made (the second half of :func:`align_multilingual`).

    ``joint=False`` gives the hub-only space (refined around the hub as the joint one is), and
    ``refine`` / ``refine_options`` choose the refinement (:func:`refine_anchors`).
    """
    started = time.perf_counter() if started is None else started
    align_options = align_options or {}
    hub_only = hub_frame(spaces, links, hub)
    seed_pairs = {(hub, code): link.pairs for code, link in links.items()}
    anchors = refine_anchors(links, refine, align_options.get("preset", "offramp"))
    t0 = time.perf_counter()
    joined, est = joint_space(hub_only, hub=hub, seed_pairs=seed_pairs, fixed=fixed, joint=joint,
                              refine_anchors=anchors, refine_options=refine_options, device=device,
                              **(joint_options or {}))
    report = {
        "command": "multi",
        "offramp_version": __version__,
        "hub": hub,
        "languages": list(hub_only),
        "links": {code: link_report(link) for code, link in links.items()},
        "joint": None if est is None else {
            "params": est.get_params(deep=False), "n_iter": est.n_iter_, "history": est.history_,
            "fixed": list(fixed), "time_s": round(time.perf_counter() - t0, 2)},
        "refine": {"method": "instance" if anchors else None, "languages": list(anchors),
                   **(refine_options or {})},
        "random_state": random_state,
        "wall_s": round(time.perf_counter() - started, 2),
    }
    report["signature"] = multilingual_signature(report, {**align_options, "refine": refine})
    return MultilingualResult(joined, hub_only, links, est, report)


def multilingual_signature(report, align_options):
    """``offramp:VERSION|method:multi|hub:en|langs:de,es,...|seeds:...|joint:...``."""
    seeds = ",".join(f"{code}={link['seed']}" for code, link in report["links"].items())
    joint = report["joint"]
    joint_tag = "none" if joint is None else "it{max_iter}.cut{vocabulary_cutoff}.route{route_weight}".format(
        **joint["params"])
    return make_signature(method="multi", hub=report["hub"], langs=report["languages"], seeds=seeds,
                          preset=align_options.get("preset", "offramp"),
                          refine=align_options.get("refine", "auto") or "none", joint=joint_tag,
                          rs=report["random_state"])


def evaluate_pairs(spaces, gold, *, method="csls", directions="both", lowercase=False, device="cpu",
                   progress=False):
    """BLI of every language pair with a gold dictionary, in the space given.

    Parameters
    ----------
    spaces : dict of str to KeyedVectors
        Languages in one space.
    gold : dict of (str, str) to path or list of (str, str)
        ``(a, b)``: a dictionary with ``a``'s word first.
    directions : {'both', 'given'}
        ``'both'`` also scores ``b -> a`` with the dictionary reversed.

    Returns
    -------
    dict
        ``"a-b"`` -> :func:`~bootstrap.evaluation.bli.evaluate_bli`'s scores (``p@1`` etc. in percent,
        ``counted_wrong``, ``n_test``), without the OOV word lists.
    """
    if directions not in ("both", "given"):
        raise ValueError(f"directions must be 'both' or 'given'; got {directions!r}")
    out = {}
    for (a, b), dictionary in gold.items():
        entries, _ = as_entries(dictionary, lowercase)
        runs = [(a, b, entries)]
        if directions == "both":
            runs.append((b, a, [(t, s) for s, t in entries]))
        for src, tgt, pairs in runs:
            scores = evaluate_bli(spaces[src], spaces[tgt], pairs, method=method, device=device, progress=progress)
            scores.pop("oov", None)
            out[f"{src}-{tgt}"] = scores
    return out


def format_table(columns, *, metric="p@1"):
    """A text table of P@1 (OOV counted wrong) per pair, one column per space, beside each pair's test
    words and their coverage (the share with a vector on both sides, the same in every space).

    Parameters
    ----------
    columns : dict of str to dict
        Column name -> :func:`evaluate_pairs`'s result.

    Returns
    -------
    str
        Empty when no column holds a pair.
    """
    names = list(columns)
    pairs = list(dict.fromkeys(p for col in columns.values() for p in col))
    if not pairs:
        return ""
    lines = [f"{'pair':<8} {'n_test':>6} {'cov %':>6} " + " ".join(f"{n:>9}" for n in names)]
    for pair in pairs:
        first = next(col[pair] for col in columns.values() if pair in col)
        cells = []
        for name in names:
            scores = columns[name].get(pair)
            cells.append(f"{scores['counted_wrong'][metric]:>9.2f}" if scores else f"{'-':>9}")
        lines.append(f"{pair:<8} {first['n_test']:>6} {first['coverage']:>6.1f} " + " ".join(cells))
    return "\n".join(lines)


def save_multilingual(spaces, out_dir, *, binary=False):
    """Write the space: ``multilingual.vec`` (every word as ``code:word``, word2vec text that gensim
    reads) and ``aligned/CODE.vec`` per language, each atomically.

    Returns
    -------
    dict
        ``"multilingual"`` and per-language paths.
    """
    for kv in spaces.values():
        check_writable(kv)
    dims = {kv.vector_size for kv in spaces.values()}
    if len(dims) != 1:
        raise ValueError(f"the spaces have different dimensions {sorted(dims)}; they are not one space")
    os.makedirs(os.path.join(out_dir, "aligned"), exist_ok=True)
    paths = {}
    for code, kv in spaces.items():
        paths[code] = save_embeddings(kv, os.path.join(out_dir, "aligned", f"{code}.vec"), binary=binary)
    words = [f"{code}{PREFIX_SEP}{word}" for code, kv in spaces.items() for word in kv.index_to_key]
    parts = [word_counts(kv) for kv in spaces.values()]
    counts = None if any(c is None for c in parts) else np.concatenate(parts)
    vectors = np.concatenate([np.asarray(kv.vectors, dtype=np.float32) for kv in spaces.values()])
    path = save_embeddings(make_keyed_vectors(words, vectors, counts, copy=False),
                           os.path.join(out_dir, "multilingual.vec"), binary=binary)
    paths["multilingual"] = path
    return paths


def write_report(report, path):
    """The JSON report, atomically."""
    return write_json(path, report)
