#!/usr/bin/env python
"""Which final map, on one pair of the BLI benchmark: orthogonal, VecMap's multi-step, or RCSLS.

    python benchmarks/studies/final_mapping.py --tgt fi --json benchmarks/out/en-fi.mapping.json

Uses ``bli_bible.py``'s cached vectors and split (run ``bli_bible.py`` for the pair first, or this trains
them). The self-learning loop runs once from the train dictionary (``--preset offramp``, no
refinement); each final map is then fitted on the same normalised spaces, on two dictionaries:

* ``final``: the loop's last dictionary (what ``align`` fits its final map on);
* ``seed``: the train dictionary alone (what a supervised RCSLS run, as in fastText's
  ``alignment/align.py``, is given).

RCSLS (``alignment.mapping.RCSLSMapping``, Joulin et al. 2018) runs with each ``--rcsls``
setting ``LR:NEGATIVES`` (negatives 0: the whole vocabulary). Prints P@1 CSLS in % on the test
words (OOV counted wrong) and the fit's seconds.
"""
import argparse
import sys
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCHMARKS))  # bli_bible's corpora, split and cache


def main(argv=None):
    import bli_bible as bb

    ap = bb.pair_arguments(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    ap.add_argument("--rcsls", default="1:20000,1:0,10:20000,10:0,50:20000,50:0",
                    help="RCSLS settings LR:NEGATIVES, comma-separated (negatives 0: all words)")
    ap.add_argument("--max-iter", type=int, default=20, help="RCSLS gradient steps")
    ap.add_argument("--seed", type=int, default=0, help="random state of the loop")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)

    import numpy as np

    from offramp.alignment.mapping import MultiStepMapping, OrthogonalMapping, RCSLSMapping
    from offramp.bootstrap.io.atomic import write_json
    from offramp.bootstrap.io.dictionaries import lookup_pairs
    from offramp.bootstrap.io.embeddings import make_keyed_vectors
    from offramp.bootstrap.align import align_embeddings
    from offramp.bootstrap.evaluation.bli import evaluate_bli

    data, cache = Path(args.data), Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    files, _, train, test, _ = bb.benchmark_split(data, cache, args.src, args.tgt)
    params = {"model": "fasttext", "dim": 300, "epochs": None, "min_count": 3, "workers": 2, "progress": False}
    src, tgt = (bb.embeddings(files[lang], cache, lang, **params)[0] for lang in (args.src, args.tgt))
    result = align_embeddings(src, tgt, seed="dictionary", seed_dict=train, preset="offramp", refine=None,
                              random_state=args.seed, progress=False, final_mapping={"name": "orthogonal"})
    est = result.estimator
    Xn = est.normalizer_src_.transform(np.asarray(src.vectors, dtype=np.float32))
    Zn = est.normalizer_tgt_.transform(np.asarray(tgt.vectors, dtype=np.float32))
    dictionaries = {"final": np.asarray(est.pairs_), "seed": lookup_pairs(train, src.key_to_index, tgt.key_to_index)[0]}

    def p_at_1(mapping):
        ks = make_keyed_vectors(src.index_to_key, Xn @ mapping.W_src_, copy=False)
        kt = make_keyed_vectors(tgt.index_to_key, Zn @ mapping.W_tgt_, copy=False)
        return round(evaluate_bli(ks, kt, test, method="csls", progress=False)["counted_wrong"]["p@1"], 1)

    maps = [("orthogonal", OrthogonalMapping), ("multistep", MultiStepMapping)]
    for setting in filter(None, args.rcsls.split(",")):
        lr, negatives = setting.split(":")
        maps.append((f"rcsls lr {lr} negatives {negatives if int(negatives) else 'all'}",
                     lambda lr=float(lr), neg=int(negatives) or None: RCSLSMapping(
                         learning_rate=lr, n_negatives=neg, max_iter=args.max_iter)))
    out = {"pair": f"{args.src}-{args.tgt}", "n_pairs": {k: int(len(v)) for k, v in dictionaries.items()},
           "loop_iterations": est.n_iter_, "rows": []}
    print(f"{'dictionary':<10} {'map':<34} {'P@1':>5} {'fit s':>6}")
    for dict_name, pairs in dictionaries.items():
        for name, make in maps:
            t0 = time.perf_counter()
            mapping = make().fit(Xn, Zn, pairs)
            fit_s = time.perf_counter() - t0
            row = {"dictionary": dict_name, "map": name, "p@1": p_at_1(mapping), "fit_s": round(fit_s, 1)}
            if isinstance(mapping, RCSLSMapping):
                row.update(steps=mapping.n_iter_, loss=[round(mapping.loss_history_[0], 4),
                                                        round(mapping.loss_history_[-1], 4)])
            out["rows"].append(row)
            print(f"{dict_name:<10} {name:<34} {row['p@1']:>5.1f} {fit_s:>6.1f}", flush=True)
    if args.json:
        write_json(args.json, out)


if __name__ == "__main__":
    main()
