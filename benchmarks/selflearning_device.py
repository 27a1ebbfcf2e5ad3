#!/usr/bin/env python
"""A whole self-learning run on real vectors, on each device in turn: wall time, iterations, P@1.

    # here (needs gensim and the benchmark cache): pack the arrays once
    python benchmarks/selflearning_device.py --prepare --src en --tgt fr --out benchmarks/_cache/en-fr.npz
    # anywhere with NumPy (and CuPy for cuda): run
    python benchmarks/selflearning_device.py --npz benchmarks/_cache/en-fr.npz --devices cuda,cpu --json out.json

``--prepare`` takes the embeddings and the frequency-matched split that ``bli_bible.py`` made (same
cache, same defaults), keeps the ``--n`` most frequent words of each side and writes them as one
``.npz`` (float16 vectors, seed pairs as indices, test words with their gold indices): a file that
travels to a GPU machine without gensim or the corpora. The run side needs only ``alignment/``.

Each configuration runs the ``offramp`` preset from one seed (``dictionary``: the train split;
``identical``: identical strings) with a vocabulary cutoff of 5000 (the preset's) or 20000
(VecMap's), once per device, with the same ``random_state``. Scores are CSLS P@1 in percent on
the test words inside the packed vocabulary, and over all test words with the rest counted wrong.
The devices must agree on P@1 within run-to-run noise: float32 sums in a different order can flip
near-ties in one induction step, after which the two runs follow different (equally good) paths.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from offramp.alignment import asarray, cuda_available, get_namespace, to_numpy  # noqa: E402
from offramp.alignment.metrics import bli_scores  # noqa: E402
from offramp.alignment.retrieval import gold_ranks  # noqa: E402
from offramp.alignment.selflearning import SelfLearning  # noqa: E402

CONFIGS = {  # name: (seed, vocabulary_cutoff)
    "dictionary-5k": ("dictionary", 5000),
    "identical-5k": ("identical", 5000),
    "dictionary-20k": ("dictionary", 20000),
    "identical-20k": ("identical", 20000),
}


def prepare(args):
    """Pack bli_bible.py's cached vectors and split for one pair into an .npz."""
    import bli_bible
    from offramp.bootstrap.io.dictionaries import read_dictionary
    from offramp.bootstrap.lexicon.seeds import identical_pairs
    from offramp.bootstrap.lexicon.split import frequency_split
    from offramp.bootstrap.training import DEFAULTS

    data, cache = Path(args.data), Path(args.cache)
    files = {lang: bli_bible.corpus_files(data, lang) for lang in (args.src, args.tgt)}
    counts = {lang: bli_bible.corpus_counts(fs, cache, lang) for lang, fs in files.items()}
    vocab = {lang: [w for w, c in ranked if c >= 3] for lang, ranked in counts.items()}
    gold = read_dictionary(data / "dictionaries" / "muse" / f"{args.src}-{args.tgt}.txt")
    train, test, _ = frequency_split(gold, vocab[args.src], set(vocab[args.tgt]))
    params = {"model": "fasttext", "dim": 300, "epochs": None, "min_count": 3, "workers": 2,
              "progress": False}
    assert DEFAULTS["epochs_token_budget"]  # the cache key depends on it, as in bli_bible.py
    kv = {lang: bli_bible.embeddings(fs, cache, lang, **params)[0] for lang, fs in files.items()}
    words = {lang: kv[lang].index_to_key[:args.n] for lang in kv}
    index = {lang: {w: i for i, w in enumerate(ws)} for lang, ws in words.items()}
    si, ti = index[args.src], index[args.tgt]

    def pairs(entries):
        out = sorted({(si[s], ti[t]) for s, t in entries if s in si and t in ti})
        return np.asarray(out, dtype=np.int32).reshape(-1, 2)

    queries, gold_flat, gold_ptr = [], [], [0]
    test_words = list(dict.fromkeys(s for s, _ in test))
    by_src = {}
    for s, t in test:
        by_src.setdefault(s, []).append(t)
    for s in test_words:
        if s not in si:
            continue
        targets = [ti[t] for t in by_src[s] if t in ti]
        if targets:
            queries.append(si[s])
            gold_flat.extend(targets)
            gold_ptr.append(len(gold_flat))
    identical = identical_pairs(words[args.src], words[args.tgt], min_len=2)
    np.savez_compressed(
        args.out,
        X=kv[args.src].vectors[:args.n].astype(np.float16), Z=kv[args.tgt].vectors[:args.n].astype(np.float16),
        dictionary=pairs(train), identical=pairs(identical),
        queries=np.asarray(queries, dtype=np.int32), gold_flat=np.asarray(gold_flat, dtype=np.int32),
        gold_ptr=np.asarray(gold_ptr, dtype=np.int32), n_test=np.int32(len(test_words)),
        pair=np.str_(f"{args.src}-{args.tgt}"))
    print(f"{args.out}: {len(words[args.src])} x {len(words[args.tgt])} words, {len(pairs(train))} train pairs, "
          f"{len(pairs(identical))} identical pairs, {len(queries)}/{len(test_words)} test words inside")


def score_packed(est, packed, device):
    """CSLS BLI scores of a fitted estimator on the packed test words (others counted wrong)."""
    X = asarray(packed["X"], device=device, dtype=np.float32)
    Z = asarray(packed["Z"], device=device, dtype=np.float32)
    Xm, Zm = est.transform(X, Z)
    xp = get_namespace(Xm)
    Xm = Xm / xp.maximum(xp.linalg.norm(Xm, axis=1, keepdims=True), 1e-12)  # as evaluate_bli scores them
    Zm = Zm / xp.maximum(xp.linalg.norm(Zm, axis=1, keepdims=True), 1e-12)
    ptr, flat = packed["gold_ptr"], packed["gold_flat"]
    gold = [flat[ptr[i]:ptr[i + 1]] for i in range(len(ptr) - 1)]
    ranks = gold_ranks(Xm[asarray(packed["queries"], device=device)], Zm, gold, method="csls", X=Xm)
    return bli_scores(np.asarray(to_numpy(ranks)), int(packed["n_test"]) - len(gold))


def run_one(packed, config, device, random_state):
    seed_name, cutoff = CONFIGS[config]
    X = asarray(packed["X"], device=device, dtype=np.float32)
    Z = asarray(packed["Z"], device=device, dtype=np.float32)
    est = SelfLearning.from_preset("offramp", vocabulary_cutoff=cutoff, random_state=random_state)
    t0 = time.perf_counter()
    est.fit(X, Z, packed[seed_name])
    if device == "cuda":
        import cupy

        cupy.cuda.Stream.null.synchronize()
    wall = time.perf_counter() - t0
    scores = score_packed(est, packed, device)
    per_iter = [h["time_s"] for h in est.history_]
    return {"config": config, "device": device, "wall_s": round(wall, 2), "n_iter": est.n_iter_,
            "s_per_iter": round(float(np.mean(per_iter)), 4) if per_iter else None,
            "n_pairs": int(est.pairs_.shape[0]), "p@1_csls_inside": round(scores["p@1"], 2),
            "p@1_csls": round(scores["counted_wrong"]["p@1"], 2), "n_test": scores["n_test"]}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prepare", action="store_true", help="pack cached vectors and split into --out")
    p.add_argument("--src", default="en")
    p.add_argument("--tgt", default="fr")
    p.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    p.add_argument("--cache", default=str(HERE / "_cache"))
    p.add_argument("--n", type=int, default=20000, help="most frequent words kept per side")
    p.add_argument("--out", help="the .npz to write with --prepare")
    p.add_argument("--npz", help="the packed .npz to run on")
    p.add_argument("--devices", default="cuda,cpu")
    p.add_argument("--configs", default=",".join(CONFIGS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json")
    args = p.parse_args(argv)
    if args.prepare:
        if not args.out:
            p.error("--prepare needs --out")
        sys.path.insert(0, str(HERE))
        return prepare(args)
    if not args.npz:
        p.error("give --npz (made with --prepare)")
    packed = dict(np.load(args.npz))
    devices = [d for d in args.devices.split(",") if d]
    if "cuda" in devices and not cuda_available():
        print("no GPU visible: skipping cuda", file=sys.stderr)
        devices.remove("cuda")
    rows = []
    for config in [c for c in args.configs.split(",") if c]:
        for device in devices:
            row = run_one(packed, config, device, args.seed)
            rows.append(row)
            print(f"{row['config']:>15} {row['device']:>4}: {row['wall_s']:7.2f} s, {row['n_iter']:3d} it "
                  f"({row['s_per_iter']} s/it), P@1 csls {row['p@1_csls']:.2f} "
                  f"({row['p@1_csls_inside']:.2f} inside)", flush=True)
    by = {(r["config"], r["device"]): r for r in rows}
    speedups = {c: round(by[(c, "cpu")]["wall_s"] / by[(c, "cuda")]["wall_s"], 2)
                for c, _ in by if (c, "cpu") in by and (c, "cuda") in by}
    for c, s in speedups.items():
        print(f"{c}: cuda {s}x faster than cpu", flush=True)
    out = {"pair": str(packed["pair"]), "runs": rows, "cuda_speedup": speedups}
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
