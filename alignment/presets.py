"""Named recipes of the self-learning loop, and every rule by which a recipe adapts to its seed.

The VecMap recipes reproduce ``map_embeddings.py``'s presets (Artetxe et al. 2018): ``supervised``
is one multi-step fit on the seed; the self-learning ones run orthogonal iterations with VecMap's
slow stochastic schedule and a multi-step final map. ``offramp`` is the same loop on a fast
schedule, tuned on small corpora; why each of its settings is what it is: docs/defaults.md.
"""
from .preprocess import DEFAULT_NORMALIZE

_VECMAP_FINAL = {"name": "multistep", "whiten": True, "src_reweight": 0.5, "tgt_reweight": 0.5,
                 "src_dewhiten": "src", "tgt_dewhiten": "tgt"}
_VECMAP_LOOP = {"self_learning": True, "vocabulary_cutoff": 20000, "csls_k": 10, "direction": "union",
                "stochastic_initial": 0.1, "stochastic_multiplier": 2.0, "stochastic_interval": 50,
                "threshold": 1e-6, "max_iter": 10000, "keep_seed": False, "final_mapping": _VECMAP_FINAL,
                "normalize": DEFAULT_NORMALIZE}

#: :class:`~alignment.selflearning.SelfLearning` parameters of each named recipe.
PRESETS = {
    "offramp": {"self_learning": True, "vocabulary_cutoff": 5000, "csls_k": 10, "direction": "intersection",
                "stochastic_initial": 0.1, "stochastic_multiplier": 2.0, "stochastic_interval": 2,
                "threshold": 1e-4, "max_iter": 100, "keep_seed": True, "warmup_dim": "auto",
                "final_mapping": _VECMAP_FINAL, "normalize": DEFAULT_NORMALIZE},
    "supervised": {"self_learning": False, "final_mapping": _VECMAP_FINAL, "normalize": DEFAULT_NORMALIZE},
    "procrustes": {"self_learning": False, "final_mapping": {"name": "orthogonal"}, "normalize": DEFAULT_NORMALIZE},
    "semi_supervised": dict(_VECMAP_LOOP),
    "identical": dict(_VECMAP_LOOP),
    "unsupervised": dict(_VECMAP_LOOP, init="unsupervised", unsupervised_vocab=4000),
}

#: What ``offramp`` changes from no seed: induction in both directions, as VecMap's unsupervised
#: mode does, and 8 restarts of the loop, the best objective kept (the mutual induction stays in the
#: wrong basin from the similarity-distribution start on small corpora).
OFFRAMP_UNSUPERVISED = {"direction": "union", "n_init": 8}
#: What ``offramp`` changes for a seed of strings alone (no dictionary, no verses): induction in both
#: directions, since the mutual one keeps too few of such a seed's pairs to grow from.
OFFRAMP_STRINGS = {"direction": "union"}
#: Seed parts made of spelling alone.
STRING_SEEDS = frozenset({"identical", "cognates", "numerals"})
#: Parameters that only the self-learning loop reads.
LOOP_PARAMS = ("vocabulary_cutoff", "csls_k", "direction", "max_iter", "threshold", "stochastic_initial",
               "stochastic_multiplier", "stochastic_interval", "warmup_dim", "keep_seed", "n_init")
#: Refinements that can follow the mapping (``refine=``).
REFINEMENTS = ("instance",)
#: What the aligned spaces are for: ``'transfer'`` lets ``refine='auto'`` refine a verse seed too
#: (docs/transfer.md: it lifts verse retrieval by about half and costs BLI P@1).
PURPOSES = ("bli", "transfer")


def check_preset(name):
    """Raise ValueError unless ``name`` is a key of :data:`PRESETS`."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {tuple(PRESETS)}; got {name!r}")


def seed_parts(seed):
    """``'identical+numerals'`` -> ``('identical', 'numerals')``; a sequence is returned as a tuple."""
    return tuple(seed.split("+")) if isinstance(seed, str) else tuple(seed)


def loop_config(preset, seed=None, params=None):
    """The :class:`~alignment.selflearning.SelfLearning` parameters of a run: the preset's, adapted to
    the seed, then ``params`` on top.

    Parameters
    ----------
    preset : str
        A key of :data:`PRESETS`.
    seed : str or sequence of str, optional
        The seed's parts (``'unsupervised'`` for none). ``unsupervised`` starts from the similarity
        distribution, and ``offramp`` then applies :data:`OFFRAMP_UNSUPERVISED`; ``offramp`` with a
        seed of :data:`STRING_SEEDS` alone applies :data:`OFFRAMP_STRINGS`. None: the recipe as
        written, with no check against a seed.
    params : dict, optional
        Overrides of any parameter (``direction``, ``n_init``, ``random_state``, ...).

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        For a combination the preset would silently ignore: VecMap's unsupervised preset given a
        seed, a seedless run of a preset with no loop, loop settings where no loop runs.
    """
    check_preset(preset)
    params = dict(params or {})
    config = dict(PRESETS[preset])
    if seed is None:
        return {**config, **params}
    parts = seed_parts(seed)
    _check_seed(preset, parts, {**config, **params}, params)
    if parts == ("unsupervised",):
        config["init"] = "unsupervised"
        if preset == "offramp":
            config.update(OFFRAMP_UNSUPERVISED)
    elif preset == "offramp" and set(parts) <= STRING_SEEDS:
        config.update(OFFRAMP_STRINGS)
    config.update(params)
    return config


def _check_seed(preset, parts, config, params):
    unsupervised = parts == ("unsupervised",)
    # init 'seed' is the main run of an unsupervised alignment seeded from auxiliary spaces
    if preset == "unsupervised" and not unsupervised and params.get("init") != "seed":
        raise ValueError(f"preset 'unsupervised' starts from no seed (VecMap's --unsupervised), so "
                         f"seed={'+'.join(parts)!r} would be ignored; drop the seed (CLI: --unsupervised) or use "
                         "preset 'semi_supervised' or 'offramp' with it")
    if config.get("self_learning", True):
        return
    why = f"preset {preset!r}" if "self_learning" not in params else "self_learning=False (--no-self-learning)"
    if unsupervised:
        raise ValueError(f"{why} fits once on the seed, and seed='unsupervised' has none; use a self-learning "
                         "preset ('offramp', 'unsupervised') or give a seed")
    given = sorted(k for k in LOOP_PARAMS if params.get(k) is not None and not (k == "n_init" and params[k] == 1))
    if given:
        raise ValueError(f"{given} set the self-learning loop, and {why} runs none (one fit on the seed); drop "
                         "them or use a self-learning preset ('offramp', 'semi_supervised')")


def resolve_refine(refine, preset, seed, *, refine_options=None, purpose="bli"):
    """The refinement that runs after the mapping: ``'instance'`` or None.

    ``'auto'`` means ``'instance'`` for the ``offramp`` preset with a seed dictionary (the
    refinement moves words along the residuals of gold pairs; induced seeds are too noisy for it),
    and with ``purpose='transfer'`` also with a verse seed (its pairs cost BLI P@1 as anchors, and
    lift the transfer's verse retrieval); None otherwise (VecMap's presets stay linear).

    Raises
    ------
    ValueError
        For an unknown value, a refinement of the unsupervised mode (no seed pairs to move along),
        or ``refine_options`` where no refinement runs.
    """
    if refine not in (None, "auto") + REFINEMENTS:
        raise ValueError(f"refine must be None, 'auto' or one of {REFINEMENTS}; got {refine!r}")
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}; got {purpose!r}")
    parts = seed_parts(seed)
    if refine == "auto":
        anchored = "dictionary" in parts or (purpose == "transfer" and "parallel" in parts)
        refine = "instance" if preset == "offramp" and anchored else None
    if refine is not None and parts == ("unsupervised",):
        raise ValueError("refine='instance' moves words along the residuals of seed pairs, and the "
                         "unsupervised mode has none; give a seed (e.g. --seed-dict) or drop --refine")
    if refine is None and refine_options:
        raise ValueError("refine_options were given but no refinement runs: it runs with refine='instance', "
                         "or with 'auto' for the offramp preset and a seed dictionary (--refine instance)")
    return refine
