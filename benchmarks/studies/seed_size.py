#!/usr/bin/env python
"""How small can the seed dictionary be? P@1 against the number of seed pairs, on real vectors.

    python benchmarks/studies/seed_size.py --npz benchmarks/_cache/en-fr.npz --sizes 10,25,50,100,250,1000,all \
        --json benchmarks/out/seed_size.json

The ``.npz`` is the one ``selflearning_device.py --prepare`` packs (vectors of the most frequent
words, the train split as seed pairs, the test words with their gold translations). The seed is
the ``size`` most frequent source words of the train split with their first gold translation, the
setting of a user who wrote down translations for the words they meet most. Each size runs the
``offramp`` preset with ``keep_seed`` on (the preset's default: the seed pairs join every induced
dictionary) and off (VecMap's ``--semi_supervised`` behaviour: the seed only starts the loop).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

BENCHMARKS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCHMARKS))  # selflearning_device's scoring

from offramp.alignment import asarray  # noqa: E402
from offramp.alignment.selflearning import SelfLearning  # noqa: E402

from selflearning_device import score_packed  # noqa: E402


def first_translations(pairs):
    """One pair per source word (its first gold translation), in source-frequency order."""
    pairs = pairs[np.lexsort((np.arange(len(pairs)), pairs[:, 0]))]
    _, first = np.unique(pairs[:, 0], return_index=True)
    return pairs[first]


VARIANTS = {  # name: overrides of the offramp preset
    "offramp": {},
    "no_warmup": {"warmup_dim": None},
    "no_warmup_no_keep_seed": {"warmup_dim": None, "keep_seed": False},
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--npz", required=True, help="made with selflearning_device.py --prepare")
    p.add_argument("--sizes", default="10,25,50,100,250,1000,all")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--device", default="cpu")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json")
    args = p.parse_args(argv)
    packed = dict(np.load(args.npz))
    seeds = first_translations(packed["dictionary"])
    X = asarray(packed["X"], device=args.device, dtype=np.float32)
    Z = asarray(packed["Z"], device=args.device, dtype=np.float32)
    rows = []
    for size in [s for s in args.sizes.split(",") if s]:
        n = len(seeds) if size == "all" else int(size)
        for variant in [v for v in args.variants.split(",") if v]:
            t0 = time.perf_counter()
            est = SelfLearning.from_preset("offramp", random_state=args.seed, **VARIANTS[variant])
            est.fit(X, Z, asarray(seeds[:n], device=args.device))
            row = {"seed_pairs": n, "variant": variant, "warmup_dim": est.warmup_dim_,
                   "p@1_csls": round(score_packed(est, packed, args.device)["counted_wrong"]["p@1"], 2),
                   "n_iter": est.n_iter_, "wall_s": round(time.perf_counter() - t0, 1)}
            rows.append(row)
            print(f"{n:5d} seed pairs, {variant:<24}: P@1 {row['p@1_csls']:5.1f} "
                  f"({row['n_iter']} it, {row['wall_s']} s)", flush=True)
    out = {"pair": str(packed["pair"]), "n_test": int(packed["n_test"]), "device": args.device, "runs": rows}
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
