"""Peak memory of a blocked k-NN / CSLS search against a large database, capped blocks vs uncapped.

offramp scores queries in row blocks of ``batch_size`` (4096) rows. Against a large database a
4096-row block alone is ``4096 * n_database`` floats (3.3 GB at 200k words), and selecting its top-k
by ``argpartition`` adds temporaries three times that size. The block cap
(``offramp.alignment.retrieval.MAX_BLOCK_CELLS``, 2**28 float32 scores) and the sliced selection bound
the peak by a constant. This script runs the same search twice in one process, once with the caps and
once with them lifted (blocks of ``batch_size`` rows, one selection per block; it sets the module's
private slice size for that), and prints the peak of the arrays NumPy allocated (tracemalloc, which
NumPy reports its buffers to), the wall time, and the ratios. The results must be identical; the
script checks that.

    python benchmarks/block_memory.py                    # 8192 queries vs 200k x 300, k=10
    python benchmarks/block_memory.py --n-database 50000 --json out.json
"""
import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from offramp.alignment import retrieval  # noqa: E402
from offramp.alignment.retrieval import knn, mean_topk_similarity  # noqa: E402


def _run(Q, D, k, method):
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    if method == "knn":
        out = knn(Q, D, k, use_faiss=False)
    else:
        out = (mean_topk_similarity(Q, D, k, use_faiss=False),)
    wall = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return out, peak, wall


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-database", type=int, default=200_000)
    p.add_argument("--n-queries", type=int, default=8192)
    p.add_argument("--dim", type=int, default=300)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--method", choices=("knn", "mean_topk"), default="knn",
                   help="knn: NN search of the queries; mean_topk: their CSLS r term (mean of the top k)")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--json", help="write the numbers here")
    args = p.parse_args(argv)

    rng = np.random.default_rng(args.random_state)
    D = rng.standard_normal((args.n_database, args.dim), dtype=np.float32)
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    Q = D[rng.choice(args.n_database, args.n_queries, replace=False)] + 0.1 * rng.standard_normal(
        (args.n_queries, args.dim), dtype=np.float32)

    _run(Q[:256], D[:4096], args.k, args.method)  # warm-up: BLAS threads, first-touch page faults
    capped, peak_capped, wall_capped = _run(Q, D, args.k, args.method)
    saved = retrieval.MAX_BLOCK_CELLS, retrieval._SELECT_CELLS
    retrieval.MAX_BLOCK_CELLS = retrieval._SELECT_CELLS = 2**62  # lifted: blocks of batch_size rows
    try:
        uncapped, peak_uncapped, wall_uncapped = _run(Q, D, args.k, args.method)
    finally:
        retrieval.MAX_BLOCK_CELLS, retrieval._SELECT_CELLS = saved
    for a, b in zip(capped, uncapped):
        np.testing.assert_array_equal(a, b)

    gib = 2.0**30
    result = {
        "n_database": args.n_database, "n_queries": args.n_queries, "dim": args.dim, "k": args.k,
        "method": args.method,
        "peak_gib_capped": peak_capped / gib, "peak_gib_uncapped": peak_uncapped / gib,
        "wall_s_capped": wall_capped, "wall_s_uncapped": wall_uncapped,
        "memory_ratio": peak_uncapped / peak_capped, "time_ratio": wall_uncapped / wall_capped,
        "identical_results": True,
    }
    print(f"{args.method}: {args.n_queries} queries vs {args.n_database} x {args.dim}, k={args.k}")
    print(f"  capped   peak {result['peak_gib_capped']:.2f} GiB  {wall_capped:.1f} s")
    print(f"  uncapped peak {result['peak_gib_uncapped']:.2f} GiB  {wall_uncapped:.1f} s")
    print(f"  memory {result['memory_ratio']:.1f}x less, time ratio {result['time_ratio']:.2f} "
          "(uncapped / capped); results identical")
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
