"""Named recipes of the self-learning loop and the rules by which they adapt to a seed
(:mod:`offramp.alignment.presets`, :meth:`SelfLearning.from_preset`)."""
import pytest

from offramp.alignment import SelfLearning
from offramp.alignment.presets import (LOOP_PARAMS, OFFRAMP_STRINGS, OFFRAMP_UNSUPERVISED, PRESETS, STRING_SEEDS,
                                       check_preset, loop_config, resolve_refine)


@pytest.mark.parametrize("preset, seed, overrides, expected", [
    # offramp without a seed: both directions and 8 restarts (OFFRAMP_UNSUPERVISED)
    ("offramp", "unsupervised", {}, {"direction": "union", "n_init": 8, "init": "unsupervised"}),
    # a seed of strings alone: both directions, one run (OFFRAMP_STRINGS)
    ("offramp", "identical+numerals", {}, {"direction": "union", "n_init": 1, "init": "seed"}),
    ("offramp", ("cognates",), {}, {"direction": "union", "n_init": 1}),
    # a gold dictionary keeps the preset's mutual induction, alone or with strings
    ("offramp", "dictionary", {}, {"direction": "intersection", "n_init": 1}),
    ("offramp", "dictionary+identical", {}, {"direction": "intersection", "n_init": 1}),
    ("offramp", "parallel", {}, {"direction": "intersection"}),
    # the overrides win over every rule
    ("offramp", "unsupervised", {"direction": "intersection", "n_init": 2}, {"direction": "intersection",
                                                                             "n_init": 2}),
    ("offramp", "identical", {"direction": "forward"}, {"direction": "forward"}),
    ("offramp", "dictionary", {"csls_k": 5, "random_state": 7}, {"csls_k": 5, "random_state": 7}),
    # no seed given: the recipe as written
    ("offramp", None, {}, {"direction": "intersection", "n_init": 1, "vocabulary_cutoff": 5000}),
    # VecMap's recipes do not adapt their direction to the seed
    ("semi_supervised", "identical", {}, {"direction": "union", "n_init": 1, "stochastic_interval": 50}),
    ("unsupervised", "unsupervised", {}, {"init": "unsupervised", "unsupervised_vocab": 4000, "n_init": 1}),
    ("procrustes", "dictionary", {}, {"self_learning": False, "final_mapping": {"name": "orthogonal"}}),
])
def test_from_preset_applies_the_seed_rules(preset, seed, overrides, expected):
    estimator = SelfLearning.from_preset(preset, seed=seed, **overrides)
    params = estimator.get_params()
    assert {key: params[key] for key in expected} == expected
    assert not hasattr(estimator, "W_src_")  # unfitted
    # the estimator is loop_config's parameters, nothing else
    assert {k: params[k] for k in loop_config(preset, seed, overrides)} == loop_config(preset, seed, overrides)


def test_the_seed_rules_are_the_documented_constants():
    assert loop_config("offramp", "unsupervised")["direction"] == OFFRAMP_UNSUPERVISED["direction"]
    assert loop_config("offramp", "unsupervised")["n_init"] == OFFRAMP_UNSUPERVISED["n_init"]
    for part in STRING_SEEDS:
        assert {k: loop_config("offramp", part)[k] for k in OFFRAMP_STRINGS} == OFFRAMP_STRINGS
    assert set(LOOP_PARAMS) <= set(SelfLearning().get_params())
    assert loop_config("offramp") == PRESETS["offramp"] and loop_config("offramp") is not PRESETS["offramp"]


@pytest.mark.parametrize("preset, seed, params, match", [
    ("muse", None, None, r"preset must be one of \('offramp', .*\); got 'muse'"),
    ("unsupervised", "identical", None, r"preset 'unsupervised' starts from no seed .* seed='identical' would be "
                                        r"ignored"),
    ("unsupervised", ("dictionary", "numerals"), None, r"seed='dictionary\+numerals' would be ignored"),
    ("supervised", "unsupervised", None, "preset 'supervised' fits once on the seed, and seed='unsupervised' has none"),
    ("offramp", "unsupervised", {"self_learning": False}, r"self_learning=False \(--no-self-learning\) fits once"),
    ("procrustes", "dictionary", {"csls_k": 5, "max_iter": 3},
     r"\['csls_k', 'max_iter'\] set the self-learning loop, and preset 'procrustes' runs none"),
    ("offramp", "identical", {"self_learning": False, "direction": "union"},
     r"\['direction'\] set the self-learning loop, and self_learning=False"),
])
def test_loop_config_refuses_what_it_would_ignore(preset, seed, params, match):
    with pytest.raises(ValueError, match=match):
        loop_config(preset, seed, params)
    with pytest.raises(ValueError, match=match):
        SelfLearning.from_preset(preset, seed=seed, **(params or {}))


@pytest.mark.parametrize("preset, seed, params", [
    ("unsupervised", "dictionary", {"init": "seed"}),  # the main run of an alignment seeded from auxiliary spaces
    ("procrustes", "dictionary", {"n_init": 1}),       # one run is no loop setting
    ("supervised", "identical", {"csls_k": None}),     # an unset loop option is no setting either
])
def test_loop_config_accepts_what_it_does_not_ignore(preset, seed, params):
    config = loop_config(preset, seed, params)
    assert {k: config[k] for k in params} == params


def test_check_preset():
    for name in PRESETS:
        check_preset(name)
    with pytest.raises(ValueError, match="preset must be one of"):
        check_preset("vecmap")


@pytest.mark.parametrize("refine, preset, seed, purpose, expected", [
    ("auto", "offramp", "dictionary", "bli", "instance"),
    ("auto", "offramp", "dictionary+identical", "bli", "instance"),
    ("auto", "offramp", "identical+numerals", "bli", None),   # induced seeds are too noisy to refine along
    ("auto", "offramp", "parallel", "bli", None),             # verse anchors cost BLI P@1
    ("auto", "offramp", "parallel", "transfer", "instance"),  # and lift the transfer
    ("auto", "offramp", "cognates+numerals", "transfer", None),
    ("auto", "supervised", "dictionary", "bli", None),        # VecMap's presets stay linear
    ("auto", "supervised", "parallel", "transfer", None),
    ("auto", "offramp", "unsupervised", "transfer", None),
    ("instance", "procrustes", "identical", "bli", "instance"),
    (None, "offramp", "dictionary", "transfer", None),
])
def test_resolve_refine(refine, preset, seed, purpose, expected):
    assert resolve_refine(refine, preset, seed, purpose=purpose) == expected


@pytest.mark.parametrize("refine, seed, options, match", [
    ("affine", "dictionary", None, r"refine must be None, 'auto' or one of \('instance',\); got 'affine'"),
    ("instance", "unsupervised", None, "the unsupervised mode has none"),
    (None, "dictionary", {"step": 0.2}, "refine_options were given but no refinement runs"),
    ("auto", "identical", {"step": 0.2}, "refine_options were given but no refinement runs"),
])
def test_resolve_refine_errors(refine, seed, options, match):
    with pytest.raises(ValueError, match=match):
        resolve_refine(refine, "offramp", seed, refine_options=options)


def test_resolve_refine_checks_the_purpose():
    with pytest.raises(ValueError, match=r"purpose must be one of \('bli', 'transfer'\); got 'lm'"):
        resolve_refine("auto", "offramp", "parallel", purpose="lm")
