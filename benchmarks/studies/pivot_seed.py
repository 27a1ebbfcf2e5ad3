#!/usr/bin/env python
"""Seed dictionaries through a pivot language: BLI without a source-target dictionary.

For a pair en-XX of ``bli_bible.py`` (same corpora, cached vectors, split and test words), the seed of
``align`` is built without MUSE's en-XX dictionary: MUSE's en-P and P-XX dictionaries are
triangulated through a third language P (``offramp.pivot_dictionary``, ``offramp
pivot``), with the test words' English side left out. Each seed is aligned with ``align``'s
defaults (self-learning, refinement) and scored with plain CSLS on the test words (OOV counted
wrong), against the direct train dictionary and against identical strings + numerals (no
dictionary at all). ``all pivots`` is the union of the pivot dictionaries. With ``--second
freedict`` the pivot-target dictionaries come from FreeDict (``dictionaries/freedict/pairs``, both
directions of a language pair merged), which was made independently of MUSE, and FreeDict's own
en-XX dictionary (test words left out) is scored as a second direct seed.

    python benchmarks/studies/pivot_seed.py --tgt es --pivots de,fr,it,pt --json benchmarks/out/en-es.pivot.json
    python benchmarks/studies/pivot_seed.py --tgt fi --pivots de,fr,it --second freedict \
        --json benchmarks/out/en-fi.pivot.json
"""
import argparse
import sys
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCHMARKS))  # bli_bible's corpora, split and cache

from bli_bible import benchmark_split, embeddings, pair_arguments  # noqa: E402


#: ISO 639-1 -> 639-3, for FreeDict's file names
ISO3 = {"de": "deu", "en": "eng", "es": "spa", "fi": "fin", "fr": "fra", "it": "ita", "lt": "lit", "pl": "pol",
        "pt": "por", "nl": "nld", "sv": "swe", "da": "dan", "cs": "ces", "sk": "slk", "sl": "slv", "el": "ell"}


def muse_pair(muse, a, b):
    """MUSE's a-b entries, or b-a's swapped when only that file exists."""
    from offramp.bootstrap.io.dictionaries import read_dictionary

    if (muse / f"{a}-{b}.txt").exists():
        return read_dictionary(muse / f"{a}-{b}.txt")
    if (muse / f"{b}-{a}.txt").exists():
        return [(y, x) for x, y in read_dictionary(muse / f"{b}-{a}.txt")]
    raise SystemExit(f"no MUSE dictionary {a}-{b} or {b}-{a} under {muse}")


def freedict_pair(pairs, a, b):
    """FreeDict's a-b entries and b-a's swapped (both packages where both exist), first seen kept."""
    from offramp.bootstrap.io.dictionaries import read_dictionary

    entries = []
    for x, y, swap in ((a, b, False), (b, a, True)):
        path = pairs / f"{ISO3.get(x, x)}-{ISO3.get(y, y)}.tsv"
        if path.exists():
            entries += [(t, s) if swap else (s, t) for s, t in read_dictionary(path)]
    if not entries:
        raise SystemExit(f"no FreeDict dictionary {a}-{b} or {b}-{a} under {pairs}")
    return list(dict.fromkeys(entries))


def main(argv=None):
    parser = pair_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--pivots", default="de,fr,it,pt", help="pivot languages, comma-separated")
    parser.add_argument("--second", choices=["muse", "freedict"], default="muse",
                        help="where the pivot-target dictionaries come from: MUSE, or FreeDict (an independent "
                             "source; then FreeDict's own en-XX is scored too, as a direct dictionary)")
    parser.add_argument("--agreement", default="",
                        help="also align on all pivots together keeping pairs with at least N paths summed over "
                             "the routes (offramp pivot --route ... --min-paths N), for each N, comma-separated")
    parser.add_argument("--skip", default="",
                        help="rows not to align, comma-separated from: direct, identical, via, all")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--seed", type=int, default=0, help="random state of the alignments")
    args = parser.parse_args(argv)

    from offramp.bootstrap.io.dictionaries import group_by_source
    from offramp.bootstrap.lexicon.pivot import pivot_dictionary
    from offramp.bootstrap.align import align_embeddings
    from offramp.bootstrap.evaluation.bli import evaluate_bli

    data, cache = Path(args.data), Path(args.cache)
    muse = data / "dictionaries" / "muse"
    files, _, train, test, info = benchmark_split(data, cache, args.src, args.tgt)
    params = {"model": "fasttext", "dim": 300, "epochs": None, "min_count": 3, "workers": 2, "progress": False}
    src, tgt = (embeddings(files[lang], cache, lang, **params)[0] for lang in (args.src, args.tgt))
    test_words = set(group_by_source(test))
    gold = group_by_source(muse_pair(muse, args.src, args.tgt))

    def run(name, seed, entries=None, extra=None):
        t0 = time.perf_counter()
        result = align_embeddings(src, tgt, seed=seed, seed_dict=entries, random_state=args.seed, progress=False)
        scores = evaluate_bli(result.src_mapped, result.tgt_mapped, test, progress=False)
        row = {"p@1": round(scores["counted_wrong"]["p@1"], 2), "p@10": round(scores["counted_wrong"]["p@10"], 2),
               "seed_pairs": result.report["seed"].get("n_seed_pairs", 0), "n_iter": result.report["n_iter"],
               "wall_s": round(time.perf_counter() - t0, 1), **(extra or {})}
        print(f"{name:<22} P@1 {row['p@1']:5.1f}  P@10 {row['p@10']:5.1f}  seed pairs in vocabulary "
              f"{row['seed_pairs']:>5}  ({row['wall_s']}s)", file=sys.stderr, flush=True)
        return row

    skip = set(filter(None, args.skip.split(",")))
    rows = {}
    if "direct" not in skip:
        rows["direct"] = run("direct (en-XX train)", "dictionary", train)
    if "identical" not in skip:
        rows["identical+numerals"] = run("identical+numerals", "identical+numerals")
    freedict = data / "dictionaries" / "freedict" / "pairs"
    if args.second == "freedict":
        direct = [(s, t) for s, t in freedict_pair(freedict, args.src, args.tgt) if s not in test_words]
        rows["direct FreeDict"] = run("direct FreeDict", "dictionary", direct, {"pairs": len(direct)})

    def second(pivot):
        return muse_pair(muse, pivot, args.tgt) if args.second == "muse" else freedict_pair(freedict, pivot, args.tgt)

    def in_gold(entries):
        scored = [(s, t) for s, t in entries if s in gold]
        return round(100 * sum(t in gold[s] for s, t in scored) / max(1, len(scored)), 1)

    union, routes = [], []
    for pivot in args.pivots.split(","):
        routes.append((muse_pair(muse, args.src, pivot), second(pivot)))
        entries, pinfo = pivot_dictionary(*routes[-1], exclude_src=test_words)
        if "via" not in skip:
            rows[f"via {pivot}"] = run(f"via {pivot}", "dictionary", entries,
                                       {"pairs": pinfo["n_pairs"], "src_words": pinfo["n_src_words"],
                                        "paths": pinfo["paths"], "in_gold_pct": in_gold(entries)})
        union += entries
    if len(routes) > 1 and "all" not in skip:
        union = list(dict.fromkeys(union))
        rows["all pivots"] = run("all pivots", "dictionary", union,
                                 {"pairs": len(union), "in_gold_pct": in_gold(union)})
    for n in map(int, filter(None, args.agreement.split(","))):
        entries, pinfo = pivot_dictionary(*routes[0], more_routes=routes[1:], min_paths=n, exclude_src=test_words)
        rows[f"all pivots, >= {n} paths"] = run(f"all, >= {n} paths", "dictionary", entries,
                                                {"pairs": pinfo["n_pairs"], "src_words": pinfo["n_src_words"],
                                                 "in_gold_pct": in_gold(entries)})
    out = {"pair": f"{args.src}-{args.tgt}", "pivots": args.pivots.split(","), "second": args.second,
           "n_test": info["n_test_words"],
           "rows": rows, "p@1_unit": "percent, OOV counted wrong"}
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
