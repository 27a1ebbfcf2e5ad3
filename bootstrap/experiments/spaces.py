"""``offramp experiment pivot`` and ``offramp experiment diversity``: questions answered in a joint space of
several languages (the multilingual space of ``offramp multi``).

*pivot*: a language without a dictionary reaches the hub directly, by a seed of strings, or through a close
relative that has a dictionary to the hub: the language is aligned to the relative by the same seed, the
pairs that alignment ends with are composed with the relative's dictionary into a seed to the hub, and the
three languages are refined in one joint space that also keeps the pairs with the relative.

*diversity*: the target's BLI to every language it has gold with, in a space of the hub and the target, then
with the target's close relatives added, then with every language the data has a dictionary to the hub for.

Every language other than the target links to the hub by its gold dictionary's seed words (the
frequency-matched split, whose test words score the target), and every run is scored on the same test words.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..errors import InputsError
from ._base import (RELATIVES, ExperimentResult, Graph, check_train_options, data_dir, gold_file, has_corpora,
                    outcome_record, parse_states, result_of)

#: The seed of a language without a dictionary: strings spelled alike, cognates, numerals.
SEEDLESS = "identical+cognates+numerals"


# ----------------------------------------------------------------------------------------------- tasks
def lexicon_task(workdir, deps, *, code, bridge, vectors, bridge_vectors, seed, align_options, random_state):
    """Align ``code`` to ``bridge`` by ``seed`` (``align``'s self-learning) and write the pairs it ends with to
    ``lexicon.tsv``, the bridge's word first."""
    from ..align import align_embeddings
    from ..io.dictionaries import write_dictionary
    from ..io.embeddings import load_embeddings

    kv = load_embeddings(deps[vectors]["vectors"], progress=False)
    other = load_embeddings(deps[bridge_vectors]["vectors"], progress=False)
    result = align_embeddings(kv, other, seed=seed, random_state=random_state, progress=False, **align_options)
    pairs = np.asarray(result.estimator.pairs_)
    entries = [(other.index_to_key[j], kv.index_to_key[i]) for i, j in pairs]
    path = Path(workdir) / "lexicon.tsv"
    write_dictionary(entries, path)
    return {"lexicon": str(path), "n_pairs": len(entries), "n_iter": result.report.get("n_iter")}


def _read_pairs(deps, name, part="train"):
    from ..io.dictionaries import read_dictionary

    return read_dictionary(deps[name][part])


def _without_test_words(entries, deps, exclude, hub, code):
    """``entries`` (hub word, ``code``'s word) less those holding, on the side of its language, a test word of a
    gold pair of ``exclude`` (``(split task, a, b)``): nothing a seed gives is then scored, also through a third
    language."""
    for split, a, b in exclude:
        test = _read_pairs(deps, split, "test")
        words = {a: {x for x, _ in test}, b: {y for _, y in test}}
        entries = [(h, w) for h, w in entries if h not in words.get(hub, ()) and w not in words.get(code, ())]
    return entries


def link_task(workdir, deps, *, code, hub, hub_vectors, vectors, seed, split=None, pivot=None, exclude=(),
              align_options, device, random_state):
    """Link ``code`` to the hub (:func:`bootstrap.multilingual.link_to_hub`): by ``seed`` alone, with the seed
    words of ``split`` (the hub's word first), or with ``pivot = (hub-bridge split, bridge-code lexicon)``
    composed into one dictionary; the test words of ``exclude``'s gold pairs are taken out of the seed."""
    from ..io.embeddings import load_embeddings
    from ..lexicon.pivot import pivot_dictionary
    from ..multi import save_link
    from ..multilingual import link_to_hub

    entries = None
    if split is not None:
        entries = _read_pairs(deps, split)
    elif pivot is not None:
        entries, _ = pivot_dictionary(_read_pairs(deps, pivot[0]), _read_pairs(deps, pivot[1], "lexicon"))
        if not entries:
            raise ValueError(f"no {code} word reached the hub through the bridge: the lexicon and the bridge's "
                             "dictionary share no word")
    n_given = None if entries is None else len(entries)
    if entries is not None:
        entries = _without_test_words(entries, deps, exclude, hub, code)
    hub = load_embeddings(deps[hub_vectors]["vectors"], progress=False)
    kv = load_embeddings(deps[vectors]["vectors"], progress=False)
    link = link_to_hub(hub, kv, seed=seed, seed_dict=entries, device=device, random_state=random_state,
                       **align_options)
    out = save_link(workdir, code, link)
    out["n_seed_entries"] = None if entries is None else len(entries)
    out["n_test_entries_removed"] = None if entries is None else n_given - len(entries)
    return out


def space_task(workdir, deps, *, hub, members, gold, lexicons=(), joint_options, refine, preset, device):
    """The joint space of ``members`` (``{code: (vectors task, link task or None)}``, the hub's link None), with
    ``lexicons`` (``(bridge, code, lexicon task)``) kept as pairs in every iteration, scored on ``gold``
    (``{(a, b): split task}``, both directions)."""
    from ..io.dictionaries import lookup_pairs, read_dictionary
    from ..io.embeddings import load_embeddings
    from ..multi import load_link
    from ..multilingual import evaluate_pairs, hub_frame, joint_space, refine_anchors

    spaces = {code: load_embeddings(deps[vectors]["vectors"], progress=False) for code, (vectors, _) in members.items()}
    links = {code: load_link(deps[link]["workdir"]) for code, (_, link) in members.items() if link is not None}
    frame = hub_frame(spaces, links, hub)
    seed_pairs = {(hub, code): link.pairs for code, link in links.items()}
    for bridge, code, lexicon in lexicons:
        pairs, _ = lookup_pairs(read_dictionary(deps[lexicon]["lexicon"]), spaces[bridge].key_to_index,
                                spaces[code].key_to_index, require_any=False)
        seed_pairs[(bridge, code)] = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    anchors = refine_anchors(links, refine, preset)
    joined, est = joint_space(frame, hub=hub, seed_pairs=seed_pairs, refine_anchors=anchors, device=device,
                              **joint_options)
    tests = {tuple(pair.split("-")): deps[split]["test"] for pair, split in gold.items()}
    scores = evaluate_pairs(joined, tests, device=device)
    return {"values": {f"p@1 {pair}": round(s["counted_wrong"]["p@1"], 2) for pair, s in scores.items()},
            "coverage": {pair: round(s["coverage"], 2) for pair, s in scores.items()},
            "joint_iter": None if est is None else est.n_iter_}


# -------------------------------------------------------------------------------------------- building
class _Spaces:
    """Tasks of joint spaces over one data folder, shared between the spaces of an experiment."""

    def __init__(self, data, *, hub, train, align, joint, device):
        self.data, self.hub, self.train, self.align, self.joint, self.device = data, hub, train, align, joint, device
        self.graph = Graph()

    def vectors(self, code, state):
        return self.graph.train(self.data, code, self.train, state)

    def split(self, a, b):
        return self.graph.split(self.data, a, b)

    def link(self, code, state, seed, *, split=None, pivot=None, exclude=(), tag=""):
        """``exclude``: ``(split task, a, b)`` of the gold pairs whose test words no seed may hold."""
        exclude = list(exclude) if split or pivot else []  # a seed without a dictionary has nothing to take out
        deps = [self.vectors(self.hub, state), self.vectors(code, state)]
        deps += list(dict.fromkeys(d for d in (split, *(pivot or ()), *(e[0] for e in exclude)) if d))
        return self.graph.add(f"link:{code}{tag}:s{state}", link_task, deps=deps, code=code, hub=self.hub,
                              hub_vectors=deps[0], vectors=deps[1], seed=seed, split=split, pivot=pivot,
                              exclude=exclude, align_options=self.align, device=self.device, random_state=state,
                              key=(code, seed, self.align, self.device, state,
                                   *([("exclude", [e[1:] for e in exclude])] if exclude else [])))

    def lexicon(self, code, bridge, state, seed):
        deps = [self.vectors(code, state), self.vectors(bridge, state)]
        return self.graph.add(f"lexicon:{code}>{bridge}:s{state}", lexicon_task, deps=deps, code=code, bridge=bridge,
                              vectors=deps[0], bridge_vectors=deps[1], seed=seed, align_options=self.align,
                              random_state=state, key=(code, bridge, seed, self.align, state))

    def space(self, name, state, links, gold, lexicons=()):
        """``links``: ``{code: link task}``; ``gold``: ``{'a-b': split task}``."""
        members = {self.hub: (self.vectors(self.hub, state), None)}
        members.update({code: (self.vectors(code, state), link) for code, link in links.items()})
        deps = sorted({d for pair in members.values() for d in pair if d} | set(gold.values())
                      | {lex for _, _, lex in lexicons})
        refine, preset = self.align.get("refine", "auto"), self.align.get("preset", "offramp")
        return self.graph.add(f"space:{name}:s{state}", space_task, deps=deps, hub=self.hub, members=members,
                              gold=gold, lexicons=list(lexicons), joint_options=self.joint, refine=refine,
                              preset=preset, device=self.device,
                              key=(sorted(members), sorted(gold), self.joint, refine, preset, self.device))


def _check_languages(data, codes):
    for code in codes:
        if not has_corpora(data, code):
            raise InputsError(f"language {code!r} has no corpus under {data}/corpora; fetch one with "
                              "`offramp data fetch`, or leave it out")


def _gold_pair(data, a, b):
    """``(a, b)`` or ``(b, a)``, whichever gold dictionary the data has, or None."""
    return (a, b) if gold_file(data, a, b) else (b, a) if gold_file(data, b, a) else None


def _collect(experiment, setting, runs, outcomes, started):
    points = []
    for (x, state), name in runs.items():
        result = result_of(outcomes, name)
        for metric, value in (result or {}).get("values", {}).items():
            points.append({"x": x, "random_state": state, "metric": metric, "value": value,
                           "coverage": result["coverage"][metric.split(" ", 1)[1]]})
    return ExperimentResult(experiment, setting, points, outcome_record(outcomes), {},
                            round(time.perf_counter() - started, 1))


def _common(data, cache, random_states):
    if cache is None:
        raise InputsError("give a cache folder for the experiment's tasks")
    return data_dir(data), parse_states(",".join(map(str, random_states)))


#: The x of the reference route: the target linked by its own dictionary's seed words.
OWN_DICTIONARY = "own-dictionary"


def run_pivot(tgt, *, hubs=None, hub="en", data=None, random_states=(0, 1, 2), seed=SEEDLESS, reference=True,
              train=None, align=None, joint=None, device="cpu", cache=None, scheduler=None, progress=True):
    """Reach the hub from ``tgt`` directly and through each bridge of ``hubs`` (see the module's text).

    Parameters
    ----------
    tgt : str
        A language with a gold dictionary to the hub (``HUB-TGT``), used only to score.
    hubs : sequence of str, optional
        The routes: the hub itself (direct), or a relative with a gold dictionary to the hub (its seed words).
        Default: the hub and the relatives of ``tgt`` (:data:`~bootstrap.experiments._base.RELATIVES`) that the
        data has with a dictionary to the hub.
    seed : str
        The seed without a dictionary, to the hub directly or to the bridge.
    reference : bool
        Also the route a dictionary would give: ``tgt`` linked by the seed words of its gold split
        (:data:`OWN_DICTIONARY`), the level the bridges are measured against.
    train, align, joint : dict, optional
        Options of ``offramp train``, ``align`` and the joint step (``JointAlignment``).

    Returns
    -------
    ExperimentResult
        ``x`` is the bridge; metrics ``p@1 HUB-TGT`` and ``p@1 TGT-HUB``.
    """
    started = time.perf_counter()
    data, states = _common(data, cache, random_states)
    if hubs is None:
        hubs = [hub] + [c for c in RELATIVES.get(tgt, ()) if gold_file(data, hub, c) and has_corpora(data, c)]
    hubs = tuple(dict.fromkeys(hubs))
    if tgt == hub or tgt in hubs:
        raise InputsError(f"the target {tgt!r} cannot be its own bridge or the hub; --hubs names the routes to {hub}")
    if "dictionary" in seed:
        raise InputsError(f"the pivot experiment asks how a language without a dictionary reaches {hub}: give a seed "
                          f"without one (e.g. {SEEDLESS}, unsupervised); got {seed!r}")
    _check_languages(data, (hub, tgt, *hubs))
    gold = _gold_pair(data, hub, tgt)
    if gold is None:
        raise InputsError(f"no gold dictionary between {hub} and {tgt} under {data}/dictionaries/muse to score with")
    for bridge in hubs:
        if bridge != hub and gold_file(data, hub, bridge) is None:
            raise InputsError(f"the bridge {bridge} needs a dictionary to {hub} "
                              f"({data}/dictionaries/muse/{hub}-{bridge}.txt is missing); choose another bridge")
    spaces = _Spaces(data, hub=hub, train=check_train_options(train), align=dict(align or {}), joint=dict(joint or {}),
                     device=device)
    test = {"-".join(gold): spaces.split(*gold)}
    exclude = [(test["-".join(gold)], *gold)]
    runs = {}
    for state in states:
        for bridge in hubs:
            if bridge == hub:
                links, lexicons = {tgt: spaces.link(tgt, state, seed)}, ()
            else:
                hub_bridge = spaces.split(hub, bridge)
                lexicon = spaces.lexicon(tgt, bridge, state, seed)
                links = {bridge: spaces.link(bridge, state, "dictionary", split=hub_bridge, exclude=exclude),
                         tgt: spaces.link(tgt, state, "dictionary", pivot=(hub_bridge, lexicon), exclude=exclude,
                                          tag=f"-via-{bridge}")}
                lexicons = ((bridge, tgt, lexicon),)
            route = "direct" if bridge == hub else f"via-{bridge}"
            runs[bridge, state] = spaces.space(f"{tgt}-{route}", state, links, test, lexicons)
        if reference:
            own = spaces.split(hub, tgt)
            links = {tgt: spaces.link(tgt, state, "dictionary", split=own, exclude=exclude, tag="-dictionary")}
            runs[OWN_DICTIONARY, state] = spaces.space(f"{tgt}-{OWN_DICTIONARY}", state, links, test)
    outcomes = spaces.graph.run(cache, scheduler=scheduler, progress=progress)
    xs = list(hubs) + ([OWN_DICTIONARY] if reference else [])
    setting = {"tgt": tgt, "hub": hub, "xs": xs, "x_label": "bridge", "random_states": list(states),
               "seed": seed, "data": str(data), "gold": f"{'-'.join(gold)}.txt", "train": spaces.train,
               "align": spaces.align, "joint": spaces.joint}
    return _collect("pivot", setting, runs, outcomes, started)


def default_languages(data, hub):
    """Every language with a corpus under ``data`` and a gold dictionary to the hub, sorted."""
    from ..io.corpora import LANGUAGE_NAMES

    return [code for code in sorted(LANGUAGE_NAMES) if code != hub and gold_file(data, hub, code)
            and has_corpora(data, code)]


def run_diversity(tgt, *, relatives=None, languages=None, hub="en", data=None, random_states=(0, 1, 2),
                  seed="dictionary", train=None, align=None, joint=None, device="cpu", cache=None, scheduler=None,
                  progress=True):
    """The target's BLI in ever larger spaces: {hub, tgt}, with its relatives, with every language.

    Parameters
    ----------
    relatives : sequence of str, optional
        Default: :data:`bootstrap.experiments._base.RELATIVES` of ``tgt`` that the data has.
    languages : sequence of str, optional
        The languages of the largest space besides the hub; default :func:`default_languages`.
    seed : str
        The target's seed to the hub (``'dictionary'``: its gold split's seed words); the others link by
        their dictionaries' seed words.

    Returns
    -------
    ExperimentResult
        ``x`` is the space (``en+lv``, ``+relatives``, ``all``); a metric ``p@1 A-B`` per gold direction.
    """
    started = time.perf_counter()
    data, states = _common(data, cache, random_states)
    if tgt == hub:
        raise InputsError(f"the target {tgt!r} is the hub; choose another target or --hub")
    everyone = list(dict.fromkeys(languages)) if languages else default_languages(data, hub)
    if relatives is None:
        relatives = [c for c in RELATIVES.get(tgt, ()) if c in everyone]
    relatives = [c for c in dict.fromkeys(relatives) if c not in (hub, tgt)]
    everyone = [c for c in dict.fromkeys([tgt, *relatives, *everyone]) if c != hub]
    _check_languages(data, [hub, *everyone])
    missing = [c for c in everyone if c != tgt and gold_file(data, hub, c) is None]
    if missing:
        raise InputsError(f"{', '.join(missing)} have no dictionary to {hub} under {data}/dictionaries/muse to link "
                          "by; leave them out of --relatives/--languages")
    if "dictionary" in seed and gold_file(data, hub, tgt) is None:
        raise InputsError(f"seed {seed!r} needs {data}/dictionaries/muse/{hub}-{tgt}.txt; give a seed without a "
                          f"dictionary (e.g. {SEEDLESS})")
    settings = [(f"{hub}+{tgt}", [tgt])]
    if relatives:
        settings.append(("+relatives", [tgt, *relatives]))
    if len(everyone) > len(settings[-1][1]):
        settings.append(("all", everyone))
    spaces = _Spaces(data, hub=hub, train=check_train_options(train), align=dict(align or {}), joint=dict(joint or {}),
                     device=device)
    pairs = [p for p in (_gold_pair(data, tgt, other) for other in [hub, *everyone] if other != tgt) if p]
    gold_of = {"-".join(p): spaces.split(*p) for p in pairs}
    exclude = [(gold_of["-".join(p)], *p) for p in pairs]  # the same in every space, so links are shared
    runs = {}
    for state in states:
        for label, codes in settings:
            links = {}
            for code in codes:
                split = spaces.split(hub, code) if gold_file(data, hub, code) else None
                own = seed if code == tgt else "dictionary"
                links[code] = spaces.link(code, state, own, split=split if "dictionary" in own else None,
                                          exclude=exclude)
            gold = {name: task for name, task in gold_of.items() if set(name.split("-")) <= {hub, *codes}}
            runs[label, state] = spaces.space(label, state, links, gold)
    outcomes = spaces.graph.run(cache, scheduler=scheduler, progress=progress)
    setting = {"tgt": tgt, "hub": hub, "xs": [label for label, _ in settings], "x_label": "space",
               "spaces": {label: [hub, *codes] for label, codes in settings}, "relatives": relatives,
               "gold": [f"{name}.txt" for name in gold_of],
               "random_states": list(states), "seed": seed, "data": str(data), "train": spaces.train,
               "align": spaces.align, "joint": spaces.joint}
    return _collect("diversity", setting, runs, outcomes, started)
