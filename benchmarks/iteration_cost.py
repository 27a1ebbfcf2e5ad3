#!/usr/bin/env python
"""Cost of one self-learning iteration against the matrix products it needs, in one process.

    python benchmarks/iteration_cost.py [--n 20000] [--dim 300] [--device cpu|cuda] [--vectors a.vec b.vec]

One iteration (CSLS, union direction) needs four (n x dim) @ (dim x n) similarity products:
the two CSLS ``r`` terms and the two induction directions. The baseline computes exactly
those four products block by block with the array library's own matmul (and throws the
blocks away); the iteration adds the top-k selection, the Procrustes SVD and the dictionary
bookkeeping. The target for the ratio ``iteration / products`` is at most 1.5.
Memory: the peak traced allocation of the iteration, against ``batch_size * n`` floats.
"""
import argparse
import os
import shlex
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from offramp.alignment import asarray, get_namespace  # noqa: E402
from offramp.alignment.mapping import OrthogonalMapping  # noqa: E402
from offramp.alignment.preprocess import normalize  # noqa: E402
from offramp.alignment.selflearning import induce_dictionary  # noqa: E402


def _sync(xp):
    if xp is not np:
        xp.cuda.Stream.null.synchronize()


def products(X, Z, batch_size):
    xp = get_namespace(X, Z)
    for A, B in ((X, Z), (Z, X), (X, Z), (Z, X)):
        Bt = B.T
        for start in range(0, A.shape[0], batch_size):
            S = A[start:start + batch_size] @ Bt
            del S
    _sync(xp)


def iteration(X, Z, pairs, keep_prob, batch_size, rng):
    xp = get_namespace(X, Z)
    W = OrthogonalMapping().fit(X, Z, pairs).W_src_
    out = induce_dictionary(X @ W, Z, direction="union", csls_k=10, keep_prob=keep_prob, random_state=rng,
                            batch_size=batch_size)
    _sync(xp)
    return out


def breakdown(X, Z, pairs, batch_size, repeat):
    """Best-of times of the deterministic iteration's stages, each synchronised."""
    from offramp.alignment.retrieval import mean_topk_similarity, offset_knn

    xp = get_namespace(X, Z)
    W = OrthogonalMapping().fit(X, Z, pairs).W_src_
    Xm, Zm = X @ W, Z
    r = mean_topk_similarity(Zm, Xm, 10, batch_size=batch_size)

    def timed(fn):
        return best_of(lambda: (fn(), _sync(xp)), repeat)

    from offramp.alignment.mapping import polar_factor

    M = X[pairs[:, 0]].T @ Z[pairs[:, 1]]
    return {
        "procrustes_fit": timed(lambda: OrthogonalMapping().fit(X, Z, pairs)),
        "polar factor by SVD": timed(lambda: polar_factor(M, method="svd")),
        "polar factor by Newton-Schulz": timed(lambda: polar_factor(M, method="newton-schulz")),
        "map_source": timed(lambda: X @ W),
        "csls_r_terms (2 x knn k=10)": timed(lambda: (mean_topk_similarity(Xm, Zm, 10, batch_size=batch_size),
                                                      mean_topk_similarity(Zm, Xm, 10, batch_size=batch_size))),
        "induction (2 x knn k=1)": timed(lambda: (offset_knn(Xm, Zm, r / 2, 1, batch_size=batch_size),
                                                  offset_knn(Zm, Xm, r / 2, 1, batch_size=batch_size))),
    }


def machine(xp):
    """What ran it, for the tables: the GPU's name with CuPy, else the CPU cores and whether faiss searched."""
    if xp is not np:
        return xp.cuda.runtime.getDeviceProperties(0)["name"].decode()
    import importlib.util

    search = "with faiss" if importlib.util.find_spec("faiss") else "without faiss"
    return f"{len(os.sched_getaffinity(0))} CPU cores, NumPy {search}"


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=20000)
    p.add_argument("--dim", type=int, default=300)
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-size", type=int, default=4096)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--vectors", nargs=2, help="two embedding files to use instead of random vectors")
    p.add_argument("--breakdown", action="store_true", help="also time the iteration's stages one by one")
    p.add_argument("--json")
    args = p.parse_args(argv)

    rng = np.random.default_rng(0)
    if args.vectors:
        from offramp.bootstrap.io.embeddings import load_embeddings

        X0 = load_embeddings(args.vectors[0], max_vocab=args.n).vectors
        Z0 = load_embeddings(args.vectors[1], max_vocab=args.n).vectors
    else:
        # random vectors with a shared low-rank structure, so neighbourhoods are not uniform
        base = rng.standard_normal((args.n, 32)).astype(np.float32)
        X0 = base @ rng.standard_normal((32, args.dim)).astype(np.float32) \
            + rng.standard_normal((args.n, args.dim)).astype(np.float32)
        Z0 = base[rng.permutation(args.n)] @ rng.standard_normal((32, args.dim)).astype(np.float32) \
            + rng.standard_normal((args.n, args.dim)).astype(np.float32)
    X = asarray(normalize(X0), device=args.device, dtype=np.float32)
    Z = asarray(normalize(Z0), device=args.device, dtype=np.float32)
    xp = get_namespace(X, Z)
    seed = np.stack([np.arange(2000), rng.permutation(Z.shape[0])[:2000]], axis=1)
    pairs = xp.asarray(seed)
    n, dim = X.shape[0], X.shape[1]

    products(X, Z, args.batch_size)  # warm-up (BLAS threads, CUDA context)
    t_prod = best_of(lambda: products(X, Z, args.batch_size), args.repeat)
    irng = np.random.default_rng(1) if xp is np else xp.random.default_rng(1)
    t_det = best_of(lambda: iteration(X, Z, pairs, 1.0, args.batch_size, irng), args.repeat)
    t_sto = best_of(lambda: iteration(X, Z, pairs, 0.1, args.batch_size, irng), args.repeat)

    stages = breakdown(X, Z, pairs, args.batch_size, args.repeat) if args.breakdown else None

    peak_mb = None
    if xp is np:
        tracemalloc.start()
        iteration(X, Z, pairs, 1.0, args.batch_size, irng)
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    block_mb = args.batch_size * n * 4 / 2**20
    out = {"n": n, "dim": dim, "device": args.device, "products_s": round(t_prod, 3),
           "iteration_s": round(t_det, 3), "iteration_stochastic_s": round(t_sto, 3),
           "ratio": round(t_det / t_prod, 3), "ratio_stochastic": round(t_sto / t_prod, 3),
           "peak_traced_mb": None if peak_mb is None else round(peak_mb, 1),
           "one_block_mb": round(block_mb, 1), "n_by_n_mb": round(n * n * 4 / 2**20, 1),
           "machine": machine(xp),
           "command": shlex.join(["python", "benchmarks/iteration_cost.py", *(sys.argv[1:] if argv is None else argv)])}
    if stages:
        out["stages_s"] = stages
    print(f"one iteration at n={n}, dim={dim} on {args.device}:")
    print(f"  4 similarity products (matmul only)     {t_prod:8.3f} s")
    print(f"  iteration, deterministic (keep_prob=1)  {t_det:8.3f} s   ratio {t_det / t_prod:.2f}x")
    print(f"  iteration, stochastic (keep_prob=0.1)   {t_sto:8.3f} s   ratio {t_sto / t_prod:.2f}x")
    if peak_mb is not None:
        print(f"  peak traced memory {peak_mb:.0f} MB (one {args.batch_size} x n block: {block_mb:.0f} MB; "
              f"an n x n matrix: {n * n * 4 / 2**20:.0f} MB)")
    for name, t in (stages or {}).items():
        print(f"  stage {name:<34} {t:8.4f} s")
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
