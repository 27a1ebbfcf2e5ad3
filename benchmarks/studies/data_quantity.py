#!/usr/bin/env python
"""How BLI grows with the target language's data: a learning curve over target-corpus sizes.

The source side keeps all of its corpora (``bli_bible.py``'s cached vectors); the target
side is trained on a random sample of its corpora's sentences, from ``--sizes`` tokens up. Every
size is scored on ``bli_bible.py``'s test words (the frequency-matched MUSE split of the full corpora),
with a test word missing from the sampled vocabulary counted wrong, so the sizes are compared on the
same words; ``p@1_covered`` gives the score over the words that have a vector, and ``coverage``
how many do. The seed dictionary is ``bli_bible.py``'s train split, of which fewer pairs are in
vocabulary as the sample shrinks (``seed_pairs``).

At each size it trains and aligns:

* ``offramp``: offramp's training defaults (fastText skip-gram, 300d, min_count 3, automatic
  epochs) aligned by ``align``'s defaults with the train dictionary (``--preset offramp``,
  instance refinement); plain CSLS, and ``identical+numerals`` on the same vectors (no dictionary);
* ``baseline``: the reference setting (plain skip-gram, 300d, 10 epochs, VecMap's ``--supervised``
  recipe);
* up to ``--variants-max`` tokens, one training default of the target changed at a time
  (``--variants``): ``dim100`` (100 dimensions, on both sides; the epochs follow the dimension's
  budget), ``epochs10`` (10 epochs instead of the automatic 50 of small corpora), ``skipgram`` (no
  character n-grams), and on request ``window2`` and ``window10`` (context window of 2 or 10 words
  instead of 5, on both sides); the source keeps the default vectors where the dimension and
  window allow.

    python benchmarks/studies/data_quantity.py --tgt fi --data ../shared/data --json benchmarks/out/en-fi.quantity.json
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

BENCHMARKS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCHMARKS))  # bli_bible's corpora, split and cache

from bli_bible import cache_key, corpus_stamp, tokenization_stamp, benchmark_split, embeddings, trained  # noqa: E402

#: Training settings of each run, on top of ``TRAIN`` (None: the library's automatic epochs).
TRAIN = {"model": "fasttext", "dim": 300, "epochs": None, "min_count": 3}
VARIANTS = {"dim100": {"dim": 100}, "epochs10": {"epochs": 10}, "skipgram": {"model": "skipgram"},
            "window2": {"window": 2}, "window10": {"window": 10}}
#: Variants of these settings change the source vectors too (both sides trained alike).
BOTH_SIDES = ("dim", "window")
#: The variants run when ``--variants`` is not given.
DEFAULT_VARIANTS = ("dim100", "epochs10", "skipgram")
BASELINE = {"model": "skipgram", "dim": 300, "epochs": 10, "min_count": 3}


def sample_sentences(files, lang, n_tokens, random_state):
    """Sentences of the corpora in a random order (``random_state``), the first ones up to
    ``n_tokens`` tokens (the sentence that crosses it included), as token lists."""
    from offramp.bootstrap.io.corpora import Corpus

    sentences = list(Corpus(files, lang=lang))
    order = np.random.default_rng(random_state).permutation(len(sentences))
    lengths = np.cumsum([len(sentences[i]) for i in order])
    stop = int(np.searchsorted(lengths, n_tokens)) + 1
    return [sentences[i] for i in order[:stop]], int(lengths[min(stop, len(lengths)) - 1])


def sampled_vectors(sample, key, cache, workers, progress, **params):
    """Train (or load from the cache) vectors on a sample; ``key`` identifies the sample."""
    return trained(cache / f"quantity-{cache_key(key, params)}.vec", sample, progress=progress, workers=workers,
                   random_state=0, **params)


def score(src, tgt, train, test, *, seed, preset, random_state):
    from offramp.bootstrap.align import align_embeddings
    from offramp.bootstrap.evaluation.bli import evaluate_bli

    t0 = time.perf_counter()
    result = align_embeddings(src, tgt, seed=seed, seed_dict=train if "dictionary" in seed else None, preset=preset,
                              random_state=random_state, progress=False)
    out = evaluate_bli(result.src_mapped, result.tgt_mapped, test, method="csls", progress=False)
    return {"p@1": round(out["counted_wrong"]["p@1"], 2), "p@1_covered": round(out["p@1"], 2),
            "coverage": round(out["coverage"], 2), "seed_pairs": result.report["seed"].get("n_seed_pairs", 0),
            "n_iter": result.report["n_iter"], "align_s": round(time.perf_counter() - t0, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default="en")
    parser.add_argument("--tgt", required=True)
    parser.add_argument("--data", default=str(BENCHMARKS.parent.parent / "shared" / "data"))
    parser.add_argument("--cache", default=str(BENCHMARKS / "_cache"))
    parser.add_argument("--sizes", default="20000,50000,100000,250000,500000,1000000",
                        help="target tokens per sample, comma-separated (the full corpora are bli_bible.py's run)")
    parser.add_argument("--variants", default=",".join(DEFAULT_VARIANTS),
                        help=f"from: {', '.join(VARIANTS)}; '' for none (default: {','.join(DEFAULT_VARIANTS)})")
    parser.add_argument("--variants-max", type=int, default=250000, help="train the variants up to this size")
    parser.add_argument("--sample-seed", type=int, default=0, help="random state of the sentence sample")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="random state of the alignments")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--quiet", action="store_true", help="no training progress bars")
    args = parser.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}: choose from {', '.join(VARIANTS)}")

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    files, _, train, test, info = benchmark_split(Path(args.data), cache, args.src, args.tgt)
    common = {"workers": args.workers, "progress": not args.quiet}
    src = {"offramp": embeddings(files[args.src], cache, args.src, **TRAIN, **common)[0],
           "baseline": embeddings(files[args.src], cache, args.src, **BASELINE, **common)[0]}
    for v in variants:  # the source keeps the default vectors, except for the dimension and the window
        both = {k: val for k, val in VARIANTS[v].items() if k in BOTH_SIDES}
        src[v] = (embeddings(files[args.src], cache, args.src, **{**TRAIN, **both}, **common)[0] if both
                  else src["offramp"])
    rows = []
    for size in map(int, args.sizes.split(",")):
        sample, n_tokens = sample_sentences(files[args.tgt], args.tgt, size, args.sample_seed)
        key = [corpus_stamp(files[args.tgt]), tokenization_stamp(args.tgt), ("size", size),
               ("sample_seed", args.sample_seed)]
        row = {"size": size, "tokens": n_tokens, "sentences": len(sample), "runs": {}}
        runs = [("offramp", TRAIN, "offramp", ("dictionary", "identical+numerals")),
                ("baseline", BASELINE, "supervised", ("dictionary",))]
        if size <= args.variants_max:
            runs += [(v, {**TRAIN, **VARIANTS[v]}, "offramp", ("dictionary",)) for v in variants]
        for name, params, preset, seeds in runs:
            tgt, train_s = sampled_vectors(sample, key, cache, **common, **params)
            for seed in seeds:
                label = name if seed == "dictionary" else f"{name}_{seed}"
                row["runs"][label] = {**score(src[name], tgt, train, test, seed=seed, preset=preset,
                                              random_state=args.seed),
                                      "tgt_words": len(tgt), "train_s": round(train_s, 1)}
                r = row["runs"][label]
                print(f"{size:>8} {label:<28} P@1 {r['p@1']:5.1f} (covered {r['p@1_covered']:5.1f}, coverage "
                      f"{r['coverage']:5.1f}%) seed pairs {r['seed_pairs']:>5} words {len(tgt):>6} "
                      f"train {train_s:.0f}s align {r['align_s']}s", file=sys.stderr, flush=True)
        rows.append(row)
    out = {"pair": f"{args.src}-{args.tgt}", "n_test": info["n_test_words"], "n_train": info["n_train_words"],
           "src_corpora": [f.name for f in files[args.src]], "tgt_corpora": [f.name for f in files[args.tgt]],
           "sample_seed": args.sample_seed, "train": TRAIN, "baseline": BASELINE,
           "variants": {v: VARIANTS[v] for v in variants}, "variants_max": args.variants_max, "rows": rows,
           "p@1_unit": "percent, OOV counted wrong"}
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
