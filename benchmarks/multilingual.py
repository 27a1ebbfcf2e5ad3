#!/usr/bin/env python
"""Multilingual benchmark: many languages in one space, scored on the pairs without English.

    python benchmarks/multilingual.py --data ../shared/data --json out.json [--langs en,de,es,fr]

Every language is trained as in the BLI benchmark (benchmarks/bli_bible.py: its corpora, its
settings, its cache) and linked to English with its MUSE ``en-XX`` train split (frequency-matched
to the corpus vocabularies, as there). Gold dictionaries: MUSE for the pairs with English (``en-XX``
and ``XX-en``) and for ``de``/``es``/``fr`` among themselves, FreeDict for the other pairs of these
languages (``fin-deu``, ``fin-fra``, ...), each restricted and split as the BLI benchmark does. No
test word of any evaluated direction is in any seed, on either side: a German test word of ``de-es``
(or its Spanish translations) is taken out of the ``en-de`` and ``en-es`` seeds, or composing
through English would score pairs the seeds gave.

Scores, P@1 (CSLS, percent, OOV counted wrong) per direction:
(a) ``hub``: the hub-only space, each language linked to English alone;
(b) ``joint``: the same links refined jointly on pairs induced between every two languages
    (``offramp multi``'s space);
(c) ``bilingual``: a direct bilingual alignment (``offramp align``'s defaults) with the pair's own
    train split (for a pair with English, the same seed as its link), or null where none exists.
"""
import argparse
import hashlib
import json
import resource
import shlex
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bli_bible  # noqa: E402  (the BLI benchmark's corpora, split and vector cache)

LANGS = ("en", "de", "es", "fr", "fi", "et", "lv", "sl")
ISO3 = {"de": "deu", "es": "spa", "fr": "fra", "fi": "fin", "et": "est", "lv": "lav", "sl": "slv", "en": "eng"}


def gold_files(data, src, tgt):
    """The gold dictionary of the direction src -> tgt: MUSE where it has one, else FreeDict."""
    muse = Path(data) / "dictionaries" / "muse" / f"{src}-{tgt}.txt"
    if muse.exists():
        return muse, "muse"
    freedict = Path(data) / "dictionaries" / "freedict" / "pairs" / f"{ISO3[src]}-{ISO3[tgt]}.tsv"
    if freedict.exists():
        return freedict, "freedict"
    return None, None


def peak_rss_mb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def splits(args, langs, vocab):
    """Every direction with gold: ``{(src, tgt): (train, test, source)}``."""
    from offramp.bootstrap.io.dictionaries import read_dictionary
    from offramp.bootstrap.lexicon.split import frequency_split

    out = {}
    for src in langs:
        for tgt in langs:
            if src == tgt:
                continue
            path, source = gold_files(args.data, src, tgt)
            if path is None:
                continue
            entries = read_dictionary(path)
            train, test, _ = frequency_split(entries, vocab[src], set(vocab[tgt]), n_test=args.n_test,
                                             max_train=args.max_train, path=str(path))
            if len(test) and len({s for s, _ in test}) >= args.min_test:
                out[(src, tgt)] = (train, test, source)
    return out


def clean(entries, test_words, a, b):
    """``entries`` (a's word, b's word) without any pair that holds a test word of its language."""
    return [(s, t) for s, t in entries if s not in test_words[a] and t not in test_words[b]]


def cached_link(cache, hub_kv, kv, code, seed, options):
    """:func:`offramp.bootstrap.multilingual.link_to_hub`, cached on disk by its inputs."""
    from offramp.bootstrap.multilingual import HubLink, link_to_hub

    def digest(space):  # the vectors and their words, not only their number
        h = hashlib.sha256(np.ascontiguousarray(space.vectors).tobytes())
        h.update("\n".join(space.index_to_key).encode())
        return h.hexdigest()

    key = hashlib.sha256(json.dumps([code, digest(kv), digest(hub_kv), seed, options], sort_keys=True,
                                    default=str).encode()).hexdigest()[:12]
    path = cache / f"link-{code}-{key}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        report = json.loads(str(z["report"]))
        return HubLink(z["vectors"], z["hub_vectors"], z["pairs"], report, z["final_pairs"]), 0.0
    t0 = time.perf_counter()
    link = link_to_hub(hub_kv, kv, seed="dictionary", seed_dict=seed, progress=False, **options)
    elapsed = time.perf_counter() - t0
    np.savez(path, vectors=link.vectors, hub_vectors=link.hub_vectors, pairs=link.pairs,
             final_pairs=link.final_pairs, report=json.dumps(link.report, default=str))
    return link, elapsed


def run(args):
    from offramp.bootstrap.align import align_embeddings
    from offramp.bootstrap.multilingual import assemble, evaluate_pairs

    started = time.perf_counter()
    data, cache = Path(args.data), Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    langs = list(args.langs)
    hub = langs[0]
    files = {lang: bli_bible.corpus_files(data, lang) for lang in langs}
    vocab = {}
    for lang, fs in files.items():
        counts = bli_bible.corpus_counts(fs, cache, lang)
        vocab[lang] = [w for w, c in counts if c >= args.vocab_min_count]
    params = {"model": "fasttext", "dim": 300, "epochs": None, "min_count": 3, "workers": args.workers,
              "progress": False}
    spaces, train_s = {}, {}
    for lang, fs in files.items():
        spaces[lang], train_s[lang] = bli_bible.embeddings(fs, cache, lang, **params)
        print(f"{lang}: {len(spaces[lang])} vectors ({'cached' if not train_s[lang] else f'{train_s[lang]:.0f}s'})",
              file=sys.stderr)
    gold = splits(args, langs, vocab)
    test_words = {lang: set() for lang in langs}
    for (src, tgt), (_, test, _) in gold.items():
        for s, t in test:
            test_words[src].add(s)
            test_words[tgt].add(t)
    seeds = {}
    for lang in langs[1:]:
        if (hub, lang) not in gold:
            raise SystemExit(f"no MUSE {hub}-{lang} dictionary under {data}: every language needs its seed to {hub}")
        seeds[lang] = clean(gold[(hub, lang)][0], test_words, hub, lang)
        print(f"{hub}-{lang} seed: {len(seeds[lang])} pairs (of {len(gold[(hub, lang)][0])} in the train split)",
              file=sys.stderr)

    link_options = {"random_state": args.seed, "refine": None}  # links are linear; the space is refined after
    links, link_s = {}, {}
    for lang in langs[1:]:
        links[lang], link_s[lang] = cached_link(cache, spaces[hub], spaces[lang], lang, seeds[lang], link_options)
        print(f"link {lang}: {link_s[lang]:.0f}s" if link_s[lang] else f"link {lang}: cached", file=sys.stderr)
    tests = {pair: test for pair, (_, test, _) in gold.items()}
    refine = None if args.refine == "none" else args.refine
    # the hub-only space is refined around the hub as the joint one is
    hub_only = assemble(spaces, links, hub=hub, joint=False, refine=refine).spaces
    t0 = time.perf_counter()
    joint = assemble(spaces, links, hub=hub, joint=True, joint_options=args.joint_options, refine=refine)
    joint_s = time.perf_counter() - t0
    print(f"joint: {joint_s:.0f}s, history {joint.report['joint']['history']}", file=sys.stderr)
    scores = {"hub": evaluate_pairs(hub_only, tests, directions="given"),
              "joint": evaluate_pairs(joint.spaces, tests, directions="given")}

    bilingual = {}
    if args.bilingual:
        done = set()
        for (src, tgt) in gold:
            a, b = sorted((src, tgt), key=langs.index)  # one alignment per unordered pair, the earlier language first
            if (a, b) in done or (a, b) not in gold:
                continue
            done.add((a, b))
            seed = seeds[b] if a == hub else gold[(a, b)][0]
            result = align_embeddings(spaces[a], spaces[b], seed="dictionary", seed_dict=seed, progress=False,
                                      random_state=args.seed)
            mapped = {a: result.src_mapped, b: result.tgt_mapped}
            pairs = {p: tests[p] for p in ((a, b), (b, a)) if p in tests}
            bilingual.update(evaluate_pairs(mapped, pairs, directions="given"))
            print(f"bilingual {a}-{b}: " + ", ".join(f"{p} {s['counted_wrong']['p@1']:.2f}"
                                                     for p, s in evaluate_pairs(mapped, pairs, directions='given')
                                                     .items()), file=sys.stderr)
    pairs_out = {}
    for (src, tgt), (train, test, source) in gold.items():
        key = f"{src}-{tgt}"
        pairs_out[key] = {
            "n_test": scores["joint"][key]["n_test"],
            "gold": source,
            "hub": round(scores["hub"][key]["counted_wrong"]["p@1"], 2),
            "joint": round(scores["joint"][key]["counted_wrong"]["p@1"], 2),
            "bilingual": round(bilingual[key]["counted_wrong"]["p@1"], 2) if key in bilingual else None,
        }
    return {
        "languages": langs,
        "hub": hub,
        "pairs": pairs_out,
        "seeds": {lang: len(s) for lang, s in seeds.items()},
        "joint": {k: v for k, v in joint.report["joint"].items()},
        "refine": refine,
        "train_s": train_s,
        "link_s": link_s,
        "joint_s": round(joint_s, 1),
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_rss_mb": peak_rss_mb(),
        "p@1_unit": "percent, CSLS, OOV counted wrong",
    }


def summary(out):
    """Mean P@1 of the pairs without and with the hub, per space."""
    hub = out["hub"]
    groups = {"without hub": [r for k, r in out["pairs"].items() if hub not in k.split("-")],
              "with hub": [r for k, r in out["pairs"].items() if hub in k.split("-")]}
    lines = []
    for name, rows in groups.items():
        if not rows:
            continue
        means = {col: np.mean([r[col] for r in rows]) for col in ("hub", "joint")}
        with_bi = [r for r in rows if r["bilingual"] is not None]
        bi = f", bilingual {np.mean([r['bilingual'] for r in with_bi]):.2f} on {len(with_bi)}" if with_bi else ""
        lines.append(f"{name} ({len(rows)} directions): hub-only {means['hub']:.2f}, joint {means['joint']:.2f}{bi}")
    return lines


def print_table(out):
    print(f"\nMultilingual space around {out['hub']}: {', '.join(out['languages'])}; P@1 in %, CSLS, OOV counted wrong")
    print(f"{'pair':<7} {'gold':<9} {'n_test':>6} {'hub-only':>9} {'joint':>7} {'bilingual':>9}")
    for key, r in sorted(out["pairs"].items(), key=lambda kv: (out["hub"] in kv[0].split("-"), kv[0])):
        bi = "-" if r["bilingual"] is None else f"{r['bilingual']:.2f}"
        print(f"{key:<7} {r['gold']:<9} {r['n_test']:>6} {r['hub']:>9.2f} {r['joint']:>7.2f} {bi:>9}")
    for line in summary(out):
        print(line)
    print(f"wall {out['wall_s']}s, peak RSS {out['peak_rss_mb']} MB")


def plan_cost(plan, *, runs=("cold", "warm")):
    """``offramp multi PLAN`` as a user runs it, timed: first with an empty task cache (every language
    trained), then again (every task cached). Wall seconds and the peak resident memory of the largest
    process of the run (the command or one of its Dask workers)."""
    import subprocess
    import tempfile

    out = {"plan": str(plan), "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name in runs:
            # a wrapper process per run, so each run's peak is its own (ru_maxrss of children only grows)
            wrapper = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
                       "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
                       "sys.exit(done.returncode)")
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", wrapper, "offramp", "multi", str(plan), "--out",
                                   str(Path(tmp) / "out"), "--quiet"], capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if done.returncode:
                raise SystemExit(f"offramp multi failed:\n{done.stderr[-2000:]}")
            peak_kb = int(done.stderr.strip().splitlines()[-1])
            out["runs"][name] = {"wall_s": round(wall, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
                                 "summary": done.stdout.strip().splitlines()[-1]}
            print(f"{name}: {wall:.0f}s", file=sys.stderr)
        out["table"] = done.stdout.strip().splitlines()[:-1]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--cache", default=str(HERE / "_cache"))
    parser.add_argument("--langs", default=",".join(LANGS), type=lambda s: [x for x in s.split(",") if x],
                        help="comma-separated, the hub first (default: %(default)s)")
    parser.add_argument("--joint-options", default="{}", type=json.loads,
                        help="JSON parameters of the joint refinement (JointAlignment)")
    parser.add_argument("--refine", choices=("auto", "instance", "none"), default="auto",
                        help="the refinement around the hub of both spaces (offramp multi's [align] refine)")
    parser.add_argument("--no-bilingual", dest="bilingual", action="store_false",
                        help="skip the direct bilingual alignments (column c)")
    parser.add_argument("--vocab-min-count", type=int, default=3)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--max-train", type=int, default=5000)
    parser.add_argument("--min-test", type=int, default=100,
                        help="leave out directions whose gold has fewer test words in the vocabularies")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plan", default=None,
                        help="instead: time `offramp multi PLAN` with an empty task cache, then fully cached")
    args = parser.parse_args(argv)
    if args.plan:
        out = plan_cost(args.plan)
    else:
        unknown = [lang for lang in args.langs if lang not in ISO3]
        if unknown:
            parser.error(f"unknown languages {unknown}; choose from {', '.join(LANGS)}")
        out = run(args)
    out["command"] = shlex.join(["python", "benchmarks/multilingual.py", *(sys.argv[1:] if argv is None else argv)])
    if args.plan:
        for name, r in out["runs"].items():
            print(f"{name}: {r['wall_s']} s, peak RSS {r['peak_rss_mb']} MB")
    else:
        print_table(out)
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
