"""What a whole-vocabulary ``induce`` costs, in searches: each variant's wall time over the time of one
plain search of every source word against every target word, measured in the same process.

``offramp induce`` translates every source word. Its floor is one search of all sources against all
targets (a k-NN by cosine, faiss on the CPU); CSLS adds the targets' ``r`` term (a second search),
``--mutual`` the way back, re-ranking the tuning words, the features and the model. This script builds
two synthetic mapped spaces (Gaussian source vectors; each target ``t{i}`` is source ``s{i}`` plus
noise, so that a tuning dictionary of ``s{i} -> t{i}`` pairs has right and wrong candidates to learn
from), runs the variants through :func:`offramp.induce_lexicon`, and prints, per variant,
the wall time, the number of pairs written, and the cost in searches.

    python benchmarks/induce_cost.py                                # 30k x 30k x 300
    python benchmarks/induce_cost.py --n 100000 --variants csls-linear-mutual,csls-trees-mutual --json out.json
    python benchmarks/induce_cost.py --device cuda     # CuPy searches (the unit is then the GPU's search)

Variants are ``METHOD-RERANK[-mutual]``: METHOD in nn, csls, isf; RERANK in plain, linear (``--rerank
ortho,freq`` with weights fitted on the tuning dictionary), trees (``--rerank-model trees``).
"""
import argparse
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_VARIANTS = ("csls-plain", "csls-plain-mutual", "csls-linear-mutual", "csls-trees-mutual",
                    "isf-linear-mutual")


def spaces(n, dim, noise, random_state):
    """Two unit-row KeyedVectors of ``n`` words and the tuning dictionary (5000 pairs, every second
    word of the 10000 most frequent)."""
    from offramp.bootstrap.io.embeddings import make_keyed_vectors

    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n, dim), dtype=np.float32)
    Z = X + noise * rng.standard_normal((n, dim), dtype=np.float32)
    src = make_keyed_vectors([f"s{i}w" for i in range(n)], X)
    tgt = make_keyed_vectors([f"t{i}w" for i in range(n)], Z)
    tune = [(f"s{i}w", f"t{i}w") for i in range(0, min(n, 10000), 2)]
    return src, tgt, tune


def one_search(src, tgt, device):
    """Seconds of one plain k-NN (k=10) of every source word against every target word, on ``device``
    (the arrays moved there first, outside the timing)."""
    from offramp.alignment import asarray, is_cupy
    from offramp.alignment.preprocess import unit
    from offramp.alignment.retrieval import knn

    X, Z = (asarray(unit(kv.vectors), device=device) for kv in (src, tgt))

    def sync():
        if is_cupy(X):
            import cupy

            cupy.cuda.Stream.null.synchronize()

    sync()
    start = time.perf_counter()
    knn(X, Z, 10)
    sync()
    return time.perf_counter() - start


def machine(device):
    """What ran it, for the tables: the GPU's name on CUDA, else the CPU cores this process may use."""
    if device == "cuda":
        import cupy

        return cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    return f"{len(os.sched_getaffinity(0))} CPU cores"


def run_variant(name, src, tgt, tune, device):
    from offramp.bootstrap.evaluation.induce import induce_lexicon
    from offramp.bootstrap.evaluation.rerankers import make_reranker

    parts = name.split("-")
    method, rerank, mutual = parts[0], parts[1], parts[-1] == "mutual"
    kwargs = {"method": method, "mutual": mutual, "progress": False, "device": device}
    if rerank != "plain":
        kwargs.update(rerank=make_reranker(("ortho", "freq"), model=rerank), tune_dict=tune)
    start = time.perf_counter()
    rows = induce_lexicon(src, tgt, **kwargs)
    return time.perf_counter() - start, rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=30000, help="words on each side")
    p.add_argument("--dim", type=int, default=300)
    p.add_argument("--noise", type=float, default=4.0,
                   help="standard deviation of the noise added to make a target vector (per dimension)")
    p.add_argument("--variants", default=",".join(DEFAULT_VARIANTS))
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--json", help="write the numbers here")
    args = p.parse_args(argv)

    src, tgt, tune = spaces(args.n, args.dim, args.noise, args.random_state)
    search = one_search(src, tgt, args.device)
    out = {"n": args.n, "dim": args.dim, "noise": args.noise, "device": args.device, "machine": machine(args.device),
           "one_search_s": round(search, 3), "variants": {},
           "command": shlex.join(["python", "benchmarks/induce_cost.py", *(sys.argv[1:] if argv is None else argv)])}
    print(f"{args.n} x {args.n} x {args.dim} on {args.device}: one k-NN search of all source words {search:.2f} s")
    print(f"{'variant':<22} {'wall s':>8} {'searches':>9} {'pairs':>8} {'right':>8}")
    for name in args.variants.split(","):
        wall, rows = run_variant(name, src, tgt, tune, args.device)
        right = sum(s[1:] == t[1:] for s, t, _, rank in rows if rank == 1)
        out["variants"][name] = {"wall_s": round(wall, 2), "searches": round(wall / search, 2), "pairs": len(rows),
                                 "right_at_1": right}
        print(f"{name:<22} {wall:8.1f} {wall / search:9.2f} {len(rows):8d} {right:8d}", flush=True)
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, out, indent=1)


if __name__ == "__main__":
    main()
