"""Running a plan of ``offramp multi``: train every language, link each to the hub, refine jointly,
write the space, lexicons and report, and evaluate every pair with gold.

The training, linking and joint steps are tasks of :mod:`bootstrap.runner` on Dask distributed (a
local cluster, or a running one), each cached by the hash of its inputs and options, so a rerun
redoes only what changed or failed. One language's failure is reported with its error; the others
go on, and the joint space is made of the languages that linked.
"""
import json
import os
import time
from pathlib import Path

import numpy as np

from .._version import __version__
from .errors import InputsError
from .io.atomic import OUTPUT_MARKER, check_output_dir, folder_lock, write_json
from .io.dictionaries import as_entries
from .io.embeddings import load_embeddings, make_keyed_vectors, save_embeddings
from .io.outputs import write_lexicon
from .multilingual import (assemble, evaluate_pairs, format_table, HubLink, hub_frame, link_report, link_to_hub,
                           multilingual_signature, refine_anchors, save_multilingual, joint_space)
from .plan import (align_options, check_seeds, pivot_route, plan_vocabularies, read_plan, resolve_corpora,
                   resolve_verses)
from .runner import Task, file_stamp, run_tasks, task_key

#: Languages and files of an existing space that ``--add`` joins (written by every run).
SPACE_RECORD = "space.json"


class PlanRunError(ValueError):
    """A task that the whole plan needs (the hub's training, the joint step) failed; its error is in the
    message and every task's outcome in the cache."""


# ----------------------------------------------------------------------------------------------- tasks
def train_task(workdir, deps, *, code, files, options, random_state, exclude_ids=()):
    """Train one language's vectors (``offramp train``'s training) into ``workdir/vectors.vec``, the lines of
    ``exclude_ids`` (held-out verses) left out."""
    from .training import train_embeddings

    t0 = time.perf_counter()
    kv = train_embeddings([str(f) for f in files], lang=code, random_state=random_state, progress=False,
                          exclude_ids=set(exclude_ids) or None, **options)
    path = save_embeddings(kv, Path(workdir) / "vectors.vec")
    return {"vectors": str(path), "n_words": len(kv), "dim": int(kv.vector_size),
            "wall_s": round(time.perf_counter() - t0, 2)}


def _vectors_path(deps, name, given):
    return given if given is not None else deps[name]["vectors"]


def link_task(workdir, deps, *, code, hub, hub_vectors, vectors, seed, entries, verses, options, device,
              random_state, source=None):
    """Link one language to the hub (:func:`bootstrap.multilingual.link_to_hub`) and save the result.
    ``source`` names where ``entries`` came from (the plan's file and keys), for the error of a seed
    dictionary that does not fit the vocabularies."""
    hub_kv = load_embeddings(_vectors_path(deps, f"train:{hub}", hub_vectors), progress=False)
    kv = load_embeddings(_vectors_path(deps, f"train:{code}", vectors), progress=False)
    parallel = (tuple(verses[hub]), tuple(verses[code])) if verses else None
    try:
        link = link_to_hub(hub_kv, kv, seed=seed, seed_dict=entries, parallel=parallel, device=device,
                           random_state=random_state, **options)
    except ValueError as exc:
        if source is None:
            raise
        raise ValueError(f"{source}: {exc}") from exc
    return save_link(workdir, code, link)


def save_link(workdir, code, link):
    """Save a link's arrays and report in a task's folder (:func:`load_link` reads them back)."""
    workdir = Path(workdir)
    np.save(workdir / "vectors.npy", link.vectors)
    np.save(workdir / "hub.npy", link.hub_vectors)
    np.save(workdir / "pairs.npy", link.pairs)
    write_json(workdir / "report.json", link.report, default=str)
    return {"code": code, "workdir": str(workdir), "summary": link_report(link)}


def load_link(workdir):
    """A :class:`~bootstrap.multilingual.HubLink` back from a link task's folder."""
    workdir = Path(workdir)
    report = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
    return HubLink(np.load(workdir / "vectors.npy"), np.load(workdir / "hub.npy"), np.load(workdir / "pairs.npy"),
                   report)


def joint_task(workdir, deps, *, hub, codes, sources, fixed_vectors, options, device, joint, refine="auto",
               refine_options=None, preset="offramp"):
    """The joint refinement over the linked languages; saves ``CODE.npy`` and ``CODE.words.txt`` (its
    vocabulary, a word a line) per language, so the space is read back without parsing text vectors."""
    spaces, links = {}, {}
    for code in codes:
        if code in fixed_vectors:  # an existing space's language: joins as it is
            spaces[code] = load_embeddings(fixed_vectors[code], progress=False)
            continue
        kv = load_embeddings(sources[code], progress=False)
        spaces[code] = kv
        if code != hub:
            links[code] = load_link(deps[f"link:{code}"]["workdir"])
    frame = hub_frame(spaces, links, hub) if links else {}
    start = {code: spaces[code] if code in fixed_vectors else frame[code] for code in codes}
    seed_pairs = {(hub, code): link.pairs for code, link in links.items()}
    joined, est = joint_space(start, hub=hub, seed_pairs=seed_pairs, fixed=tuple(fixed_vectors), joint=joint,
                              refine_anchors=refine_anchors(links, refine, preset), refine_options=refine_options,
                              device=device, **options)
    workdir = Path(workdir)
    for code, kv in joined.items():
        np.save(workdir / f"{code}.npy", np.asarray(kv.vectors, dtype=np.float32))
        (workdir / f"{code}.words.txt").write_text("".join(f"{w}\n" for w in kv.index_to_key), encoding="utf-8")
    info = None if est is None else {"params": est.get_params(deep=False), "n_iter": est.n_iter_,
                                     "history": est.history_, "fixed": sorted(fixed_vectors)}
    return {"codes": list(joined), "joint": info}


# ------------------------------------------------------------------------------------------------ plan
def _read_entries(spec):
    entries, _ = as_entries(str(spec.dictionary), False)
    return [(b, a) for a, b in entries] if spec.reverse else list(entries)


def seed_dictionaries(plan):
    """Each language's seed dictionary as ``(hub word, word)`` entries; a pivot seed is composed along
    :func:`bootstrap.plan.pivot_route` (this language -> pivot -> ... -> hub)."""
    from .lexicon.pivot import pivot_dictionary

    own = {code: _read_entries(spec) for code, spec in plan.languages.items()
           if spec.dictionary is not None and code != plan.hub}
    out = {}
    for code, spec in plan.languages.items():
        if code == plan.hub or spec.dictionary is None:
            continue
        if spec.seed != "pivot":
            out[code] = own[code]
            continue
        route = pivot_route(plan, code)  # [code, pivot, ..., hub]
        entries = own[route[-2]]  # hub -> last pivot
        for nearer, farther in zip(route[-3::-1], route[-2:0:-1]):
            entries, _ = pivot_dictionary(entries, own[nearer])  # hub -> farther, farther -> nearer
        out[code] = entries
    return out


def build_tasks(plan, corpora, dictionaries):
    """The training and link tasks of a plan (the joint task comes after them)."""
    tasks = []
    stamps = {code: [file_stamp(f) for f in files] for code, files in corpora.items()}
    for code, spec in plan.languages.items():
        if spec.vectors is None:
            tasks.append(Task(name=f"train:{code}", func=train_task,
                              kwargs={"code": code, "files": [str(f) for f in corpora[code]], "options": plan.train,
                                      "random_state": plan.random_state},
                              key=task_key("train", __version__, code, stamps[code], plan.train, plan.random_state)))
    hub = plan.hub
    hub_spec = plan.languages[hub]
    for code in plan.others():
        spec = plan.languages[code]
        options = align_options(plan, code)
        seed = options.pop("seed")
        entries = dictionaries.get(code) if "dictionary" in seed else None
        files = ({c: [str(f) for f in resolve_verses(plan, c)] for c in (hub, code)} if "parallel" in seed
                 else None)
        deps = tuple(f"train:{c}" for c in (hub, code) if plan.languages[c].vectors is None)
        kwargs = {"code": code, "hub": hub, "hub_vectors": _str(hub_spec.vectors), "vectors": _str(spec.vectors),
                  "seed": seed, "entries": entries, "verses": files, "options": options, "device": plan.device,
                  "random_state": plan.random_state, "source": _dictionary_source(plan, code) if entries else None}
        given = [file_stamp(p) for p in (hub_spec.vectors, spec.vectors) if p is not None]
        verse_stamps = [file_stamp(f) for fs in (files or {}).values() for f in fs]
        tasks.append(Task(name=f"link:{code}", func=link_task, kwargs=kwargs, deps=deps,
                          key=task_key("link", __version__, code, hub, seed, entries, verse_stamps, given, options,
                                       plan.device, plan.random_state)))
    return tasks


def _dictionary_source(plan, code):
    """``PLAN: languages.de.dictionary = en-de.txt``, with every file a pivot route composes."""
    route = pivot_route(plan, code) if plan.languages[code].seed == "pivot" else [code]
    keys = [f"languages.{c}.dictionary = {plan.languages[c].dictionary}" for c in route if c != plan.hub]
    composed = " composed with " if len(keys) > 1 else ""
    return f"{plan.path}: the seed dictionary of {code} ({composed.join(keys)})"


def _str(path):
    return None if path is None else str(path)


def run_plan(plan_path, *, out=None, cache=None, mirror=None, scheduler=None, add=(), progress=True):
    """Run ``offramp multi``: everything a plan asks for, on Dask.

    Parameters
    ----------
    plan_path : path
        The plan (TOML; see docs/multilingual.md).
    out, cache, mirror : path, optional
        Override the plan's output folder, task cache and data mirror.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); None starts a local cluster.
    add : sequence of str
        Languages that join the existing space in ``out`` without moving its languages.
    progress : bool
        A bar over the tasks and a line per finished task on stderr.

    Returns
    -------
    dict
        The report (also written to ``out/report.json``): ``languages``, ``links``, ``joint``,
        ``tasks`` (each task's status, error and seconds), ``failed``, ``evaluation`` (per pair, the
        hub-only and joint scores), ``outputs`` and ``signature``.
    """
    started = time.perf_counter()
    plan = read_plan(plan_path, out=out, cache=cache, mirror=mirror, add=tuple(add))
    existing = _existing_space(plan) if add else {}
    check_output_dir(plan.out)  # a new folder, or an earlier offramp output (its marker below)
    os.makedirs(plan.out, exist_ok=True)
    with folder_lock(plan.out):  # one run at a time in it; what a killed run left there goes
        return _run_plan(plan, existing, started, scheduler=scheduler, add=add, progress=progress)


def _run_plan(plan, existing, started, *, scheduler, add, progress):
    """:func:`run_plan`'s work, in its output folder and under its lock."""
    Path(plan.out, OUTPUT_MARKER).touch()
    corpora = {code: resolve_corpora(plan, code) for code, spec in plan.languages.items() if spec.vectors is None}
    n_shared = check_seeds(plan, plan_vocabularies(plan))
    dictionaries = seed_dictionaries(plan)
    tasks = build_tasks(plan, corpora, dictionaries)  # hashes every input file once
    outcomes = run_tasks(tasks, cache_dir=plan.cache, scheduler=scheduler, progress=progress)
    failed = {name: o.error for name, o in outcomes.items() if o.status in ("failed", "blocked")}
    hub = plan.hub
    if f"train:{hub}" in failed:
        raise PlanRunError(f"the hub {hub!r} could not be trained: {failed[f'train:{hub}']}")
    sources = {code: (str(spec.vectors) if spec.vectors is not None else outcomes[f"train:{code}"].result["vectors"])
               for code, spec in plan.languages.items() if f"train:{code}" not in failed}
    linked = [code for code in plan.others() if f"link:{code}" not in failed]
    if not linked:
        raise PlanRunError("no language could be linked to the hub " + hub + ": "
                           + "; ".join(f"{name}: {error}" for name, error in failed.items()))
    codes = [hub] + linked
    fixed = {code: path for code, path in existing.items() if code in codes and code not in add}
    deps = tuple(f"link:{code}" for code in linked if code not in fixed)
    joint_options, joint = dict(plan.joint), plan.joint_enabled
    link_keys = {name: outcomes[name].key for name in deps}
    joint_task_ = Task(name="joint", func=joint_task, deps=deps,
                       kwargs={"hub": hub, "codes": codes, "sources": sources, "fixed_vectors": fixed,
                               "options": joint_options, "device": plan.device, "joint": joint,
                               "refine": plan.align.get("refine", "auto"),
                               "refine_options": plan.align.get("refine_options"),
                               "preset": plan.align.get("preset", "offramp")},
                       key=task_key("joint", __version__, codes, link_keys, joint_options, joint, plan.align,
                                    {c: file_stamp(p) for c, p in fixed.items()}))
    # the finished links are cached: the joint run finds them done
    finished = [task for task in tasks if task.name not in failed]
    more = run_tasks(finished + [joint_task_], cache_dir=plan.cache, scheduler=scheduler, progress=progress)
    outcome = more["joint"]
    if outcome.status != "done" and outcome.status != "cached":
        raise PlanRunError(f"the joint step failed: {outcome.error}")
    workdir = Path(outcome.workdir)
    joined = {code: make_keyed_vectors((workdir / f"{code}.words.txt").read_text(encoding="utf-8").splitlines(),
                                       np.load(workdir / f"{code}.npy"), copy=False) for code in codes}
    links = {code: load_link(more[f"link:{code}"].workdir) for code in linked if code not in fixed}
    # the hub-only space refined around the hub as the joint one is (benchmarks/multilingual.py's column)
    hub_only = assemble(joined, links, hub=hub, joint=False, refine=plan.align.get("refine", "auto"),
                        refine_options=plan.align.get("refine_options"), device=plan.device,
                        align_options=plan.align).spaces if links else {}
    outputs = save_multilingual(joined, plan.out)
    outputs["lexicons"] = write_lexicons(joined, plan.pairs, Path(plan.out) / "lexicons", device=plan.device)
    gold = {pair: str(path) for pair, path in plan.gold.items() if pair[0] in joined and pair[1] in joined}
    evaluation = {"joint": evaluate_pairs(joined, gold, device=plan.device)}
    if hub_only and not fixed:
        evaluation["hub"] = evaluate_pairs(hub_only, gold, device=plan.device)
    report = {
        "command": "multi",
        "offramp_version": __version__,
        "plan": str(plan.path),
        "hub": hub,
        "languages": codes,
        "added": list(add),
        "links": {code: outcomes[f"link:{code}"].result["summary"] for code in linked},
        "shared_strings": n_shared,
        "joint": outcome.result["joint"],
        "tasks": {name: {"status": o.status, "error": o.error, "traceback": o.traceback, "wall_s": round(o.wall_s, 2),
                         "worker": o.worker}
                  for name, o in {**more, **outcomes}.items()},  # the first run of each task
        "failed": failed,
        "evaluation": {side: {pair: _scores(s) for pair, s in scores.items()} for side, scores in evaluation.items()},
        "outputs": outputs,
        "scheduler": scheduler or "local",
        "wall_s": round(time.perf_counter() - started, 2),
    }
    report["signature"] = multilingual_signature(
        {"links": {c: {"seed": r["seed"]} for c, r in report["links"].items()}, "joint": report["joint"],
         "hub": hub, "languages": codes, "random_state": plan.random_state}, plan.align)
    write_json(Path(plan.out) / SPACE_RECORD, {"hub": hub, "languages": codes, "signature": report["signature"],
                                               "aligned": {c: outputs[c] for c in codes}})
    write_json(Path(plan.out) / "report.json", report, default=str)
    report["table"] = format_table({side: evaluation[side] for side in ("hub", "joint") if side in evaluation})
    return report


def _scores(scores):
    wrong = scores["counted_wrong"]
    return {"n_test": scores["n_test"], "p@1": round(wrong["p@1"], 2), "p@5": round(wrong["p@5"], 2),
            "p@10": round(wrong["p@10"], 2), "mrr": round(wrong["mrr"], 2), "coverage": round(scores["coverage"], 2)}


def write_lexicons(spaces, pairs, folder, *, device="cpu"):
    """A lexicon ``A-B.tsv`` per requested pair: each of ``A``'s words' best ``B`` word (CSLS)."""
    from .evaluation.induce import induce_lexicon

    os.makedirs(folder, exist_ok=True)
    paths = {}
    for a, b in pairs:
        if a not in spaces or b not in spaces:
            continue
        lexicon = induce_lexicon(spaces[a], spaces[b], device=device, progress=False)
        paths[f"{a}-{b}"] = write_lexicon(lexicon, Path(folder) / f"{a}-{b}.tsv")
    return paths


def _existing_space(plan):
    """The languages of the space already in ``plan.out`` and their files, for ``--add``."""
    record = Path(plan.out) / SPACE_RECORD
    if not record.exists():
        raise InputsError(f"--add joins an existing space, and {plan.out} holds none ({SPACE_RECORD} is missing); "
                          "run the plan without --add first")
    info = json.loads(record.read_text(encoding="utf-8"))
    if info.get("hub") != plan.hub:
        raise InputsError(f"{record}: the existing space's hub is {info.get('hub')!r}, the plan's {plan.hub!r}; "
                          "use the same hub to join it")
    new = [code for code in plan.add if code in info["languages"]]
    if new:
        raise InputsError(f"--add {','.join(new)}: already in the space at {plan.out}; drop them from --add")
    return {code: path for code, path in info["aligned"].items()}
