#!/usr/bin/env python
"""Where does the unsupervised mode stop working? A ladder of ever less similar corpora.

    python benchmarks/studies/unsupervised_ladder.py --data ../shared/data --json benchmarks/out/unsup_ladder.json

Each rung trains two small embedding spaces on Bibles of the shared data dir (skip-gram,
100 dimensions, offramp's automatic epochs) and aligns them twice with offramp's self-learning:
``unsupervised`` (no seed at all: the similarity-distribution initialisation) and ``supervised``
(a train dictionary; the same test words, so the two are comparable). The rungs:

* ``same corpus, two seeds``: en.KJV against en.KJV trained with another random seed;
* ``two close translations``: en.KJV against en.ASV (a revision of the KJV's English);
* ``two free translations``: en.KJV against en.BBE (the Bible in Basic English, 850 core words);
* ``two languages``: en.KJV against es.SpaRV, with the MUSE en-es dictionary.

The English rungs are scored on identity pairs (a word translates to itself): the words the two
vocabularies share, by source frequency, every 3rd to test (at most 1000), the rest to train.
The en-es rung uses the frequency-matched MUSE split of ``offramp split``. P@1 is CSLS, in
percent, with test words missing from a space counted wrong.
"""
import argparse
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1]

RUNGS = (
    ("same corpus, two seeds", ("en", "en.KJV", 0), ("en", "en.KJV", 1)),
    ("two close translations", ("en", "en.KJV", 0), ("en", "en.ASV", 0)),
    ("two free translations", ("en", "en.KJV", 0), ("en", "en.BBE", 0)),
    ("two languages", ("en", "en.KJV", 0), ("es", "es.SpaRV", 0)),
)


def _identity_split(src, tgt, n_test=1000, every=3):
    common = [w for w in src.index_to_key if w in tgt.key_to_index]
    test = common[:n_test * every:every]
    held = set(test)
    return [(w, w) for w in common if w not in held], [(w, w) for w in test]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(BENCHMARKS.parent.parent / "shared" / "data"))
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--rungs", default="all", help="comma-separated rung numbers (1-4) or 'all'")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)

    from offramp.bootstrap.io.dictionaries import read_dictionary
    from offramp.bootstrap.align import align_embeddings
    from offramp.bootstrap.evaluation.bli import evaluate_bli
    from offramp.bootstrap.lexicon.split import frequency_split
    from offramp.bootstrap.training import train_embeddings

    bible = Path(args.data) / "corpora" / "bible"
    if not bible.is_dir():
        raise SystemExit(f"no Bibles under {bible}: give --data, the shared data dir")
    chosen = range(len(RUNGS)) if args.rungs == "all" else [int(r) - 1 for r in args.rungs.split(",")]
    spaces, rows = {}, []

    def space(lang, name, seed):
        if (name, seed) not in spaces:
            path = bible / f"{name}.tsv"
            if not path.is_file():
                raise SystemExit(f"{path} is missing: this benchmark needs the shared Bibles")
            spaces[name, seed] = train_embeddings([path], model="skipgram", dim=args.dim, lang=lang,
                                                  random_state=seed, progress=False)
        return spaces[name, seed]

    for r in chosen:
        name, (sl, sn, ss), (tl, tn, ts) = RUNGS[r]
        src, tgt = space(sl, sn, ss), space(tl, tn, ts)
        if sl == tl:
            train, test = _identity_split(src, tgt)
        else:
            gold = read_dictionary(Path(args.data) / "dictionaries" / "muse" / f"{sl}-{tl}.txt")
            split = frequency_split(gold, src.index_to_key, tgt.index_to_key)
            train, test = split[0], split[1]
        row = {"rung": name, "src": f"{sn} (seed {ss})", "tgt": f"{tn} (seed {ts})",
               "src_words": len(src), "tgt_words": len(tgt), "n_train_pairs": len(train),
               "n_test_pairs": len(test), "n_test_words": len({s for s, _ in test})}
        for mode, kw in (("unsupervised", {"seed": "unsupervised"}),
                         ("supervised", {"seed": "dictionary", "seed_dict": train})):
            t0 = time.perf_counter()
            res = align_embeddings(src, tgt, progress=False, **kw)
            scores = evaluate_bli(res.src_mapped, res.tgt_mapped, test)
            history = res.report.get("history") or [{}]
            row[mode] = {"p@1_csls": round(scores["counted_wrong"]["p@1"], 2), "n_iter": res.report.get("n_iter"),
                         "objective": history[-1].get("objective"), "wall_s": round(time.perf_counter() - t0, 1)}
        rows.append(row)
        print(f"{name:24s} {sn}/{tn}: unsupervised {row['unsupervised']['p@1_csls']:6.2f}  "
              f"supervised {row['supervised']['p@1_csls']:6.2f}  ({row['n_test_words']} test words)", flush=True)
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, {"dim": args.dim, "rungs": rows})


if __name__ == "__main__":
    main()
