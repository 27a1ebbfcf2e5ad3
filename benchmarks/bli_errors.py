#!/usr/bin/env python
"""What is left to gain on a pair, and which of its errors are errors: the best supervised setting's
candidate pool and its wrong top-1 words.

    python benchmarks/bli_errors.py --src en --tgt es --data ../shared/data --out benchmarks/out/en-es.errors.tsv

Uses section 1's cached vectors and split (run ``bli_bible.py`` for the pair first, or this trains
them), aligns with the train dictionary and the refinement of section 1e, and scores the test words
re-ranked with string similarity, frequency and the Bibles' verses by IBM Model 1 (section 1f's
best one-run setting). It prints P@1/5/10/50 of the re-ranked list, P@50 being what a perfect
re-ranker of this candidate pool could reach, and writes every test word whose top candidate is not
a MUSE gold translation, in random order: ``source, predicted, gold translations, next three
candidates``, for reading by hand (benchmarks/annotations/ holds such a reading).
"""
import argparse
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main(argv=None):
    import bli_bible as bb

    ap = bb.pair_arguments(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    ap.add_argument("--out", required=True, help="TSV of the wrong top-1 words")
    ap.add_argument("--seed", type=int, default=0, help="order of the TSV's rows")
    args = ap.parse_args(argv)

    import numpy as np

    from bootstrap.pipeline import (_csls_r_tgt, _reranked_candidates, _unit_host, align_embeddings, evaluate_bli,
                                    resolve_association)

    train, test, src_kv, tgt_kv, assoc = bb.verse_setting(args.data, args.cache, args.src, args.tgt)
    res = align_embeddings(src_kv, tgt_kv, seed="dictionary", seed_dict=train, refine="instance",
                           progress=False)
    src, tgt = res.src_mapped, res.tgt_mapped
    out = evaluate_bli(src, tgt, test, rerank=("ortho", "freq", "parallel"), parallel=assoc, tune_dict=train,
                       ks=(1, 5, 10, 50))
    cw = out["counted_wrong"]
    print(f"{args.src}-{args.tgt}: re-ranked P@1 {cw['p@1']:.1f}  P@5 {cw['p@5']:.1f}  P@10 {cw['p@10']:.1f}  "
          f"P@50 {cw['p@50']:.1f} (weights {out['rerank']['weights']})")

    groups = {}
    for s, t in test:
        groups.setdefault(s, []).append(t)
    words = [w for w in groups if w in src.key_to_index]
    X, Z = _unit_host(src, True), _unit_host(tgt, True)
    queries = np.array([src.key_to_index[w] for w in words])
    _, index = _reranked_candidates(src, tgt, X, Z, queries, out["rerank"]["weights"], method="csls", csls_k=10,
                                    beta=30.0, k=50, r_tgt=_csls_r_tgt(X, Z, "csls", 10),
                                    association=resolve_association(assoc, src, tgt))
    wrong = [(w, tgt.index_to_key[row[0]], groups[w], [tgt.index_to_key[i] for i in row[1:4]])
             for w, row in zip(words, np.asarray(index)) if tgt.index_to_key[row[0]] not in groups[w]]
    random.Random(args.seed).shuffle(wrong)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for w, top, g, rest in wrong:
            f.write(f"{w}\t{top}\t{'|'.join(g)}\t{' '.join(rest)}\n")
    print(f"{len(wrong)} of {len(words)} test words wrong; written to {args.out}")


if __name__ == "__main__":
    main()
