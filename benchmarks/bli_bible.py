#!/usr/bin/env python
"""BLI benchmark on small real corpora: train, split, align with every seed mode, score.

    python benchmarks/bli_bible.py --src en --tgt fi --data ../shared/data --json out.json

For each language it trains embeddings on every corpus of that language in the data dir
(``corpora/bible/LANG.*.tsv``, ``corpora/ted/Language.txt``, ``corpora/ud/Language-*.txt``),
caching them under ``--cache``. The test/train split comes from the MUSE dictionary
``dictionaries/muse/SRC-TGT.txt`` and the *corpus* vocabularies (words seen at least
``--vocab-min-count`` times), so the test words do not depend on the embedding settings; a test
word missing from the embeddings counts as wrong (scores are "OOV counted wrong").

Modes: ``supervised`` (the train dictionary as seed, offramp's self-learning on top),
``identical`` (identical strings + numerals, no dictionary), ``cognates`` (mutually most similar
spellings + numerals, no dictionary), ``supervised_cognates`` (the train dictionary plus cognate
seeds; not in the default ``--modes``), ``numerals`` (numerals alone, a tiny seed; not in the
default ``--modes``), ``parallel`` (mutually best Dice pairs over the verses the two languages'
Bibles share, no dictionary), ``supervised_parallel`` (the train dictionary plus those pairs; not
in the default ``--modes``), ``unsupervised`` (no seed), ``unsupervised_bible`` (no seed either: each
language's Bibles alone train small auxiliary spaces, which are aligned without a seed and whose
mutual translations seed the main spaces, ``align --unsupervised --via``; no verse ids are used;
not in the default ``--modes``), and,
with ``--baseline``, ``vecmap_supervised``: the reference setting, measured in the same
process -- plain skip-gram (300d, min_count 3, 10 epochs) and VecMap's ``--supervised`` recipe
(the ``supervised`` preset) -- so ratios against it are printed.

``--refine auto`` (the default) refines as ``offramp align`` does by default (modes with the train
dictionary), ``--refine instance`` applies offramp's non-linear refinement to every offramp mode, and
``--refine none`` compares the modes on the map alone. The JSON records ``"refine"``, and
``tables.py`` compares refined runs with the same modes unrefined.

``--verse-measure ibm1`` associates the Bibles' words by IBM Model 1 instead of Dice (the seed,
the re-ranking feature and ``verses_only`` alike); the JSON records ``"verse_measure"``.

``--direction`` sets the induction direction of every offramp mode (``align --direction``); the JSON
records it (None: the library's default, union for the seeds of strings alone, intersection with a
dictionary or the verses), and ``tables.py`` keeps runs with a direction set by hand out of the tables of defaults.

``--rerank-model trees`` re-ranks the modes given the train dictionary with gradient-boosted trees
learned from it (``evaluate --rerank-model trees``) instead of the fitted weighted sum; the modes
without a dictionary keep the linear defaults. The JSON records ``"rerank_model"``.

Where both languages have Bibles (``corpora/bible/LANG.*.tsv``, verse ids in the first column),
every offramp mode is also scored with the ``parallel`` re-ranking feature (``p@1_csls_rerank_parallel``:
re-ranked by string similarity, frequency and verse co-occurrence), and ``verses_only`` records what
the verses alone give: each test word's best-Dice target word, no embeddings at all.
"""
import argparse
import hashlib
import json
import os
import shlex
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

MODES = {
    "supervised": {"seed": "dictionary"},
    "identical": {"seed": "identical+numerals"},
    "cognates": {"seed": "cognates+numerals"},
    "numerals": {"seed": "numerals"},
    "parallel": {"seed": "parallel"},
    "supervised_cognates": {"seed": "dictionary+cognates"},
    "supervised_parallel": {"seed": "dictionary+parallel"},
    "unsupervised": {"seed": "unsupervised"},
    "unsupervised_bible": {"seed": "unsupervised", "via": "bible"},
}


#: What runs without ``--modes``.
DEFAULT_MODES = ("supervised", "identical", "cognates", "parallel", "unsupervised")


def cache_key(*parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def corpus_stamp(files):
    """What identifies a set of corpora in a cache key: file names and sizes, not how the data
    dir was spelled (``../shared/data`` and its absolute path must hit the same cache)."""
    return [(Path(f).name, os.path.getsize(f)) for f in files]


def corpus_files(data, lang):
    from offramp.bootstrap.io.corpora import find_corpora

    files = find_corpora(data, lang)
    if not files:
        raise SystemExit(f"no corpus for {lang!r} under {data}/corpora (bible/{lang}.*.tsv, ted/, ud/)")
    return files


def tokenization_stamp(lang):
    """What the language changes in tokenisation, for cache keys: elision splitting, or nothing for the
    languages the rule leaves alone."""
    from offramp.bootstrap.io.corpora import ELISIONS

    return [("elisions", lang)] if lang in ELISIONS else []


def corpus_counts(files, cache, lang=None):
    """Word counts of the corpora (cached as JSON)."""
    from offramp.bootstrap.io.corpora import Corpus

    path = cache / f"counts-{cache_key(corpus_stamp(files) + tokenization_stamp(lang))}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    corpus = Corpus(files, lang=lang)
    counts = corpus.count_words()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    path.write_text(json.dumps(ranked, ensure_ascii=False), encoding="utf-8")
    return ranked


def embeddings(files, cache, lang=None, runs=1, seed=0, **params):
    """Train (or load from the cache) embeddings for these corpora with these settings.

    ``seed`` is the training seed. ``runs > 1``: the ensemble of the seeds 0..runs-1
    (``offramp.bootstrap.training.combine_runs``), each run cached on its own, so seed 0 is the single-run
    vectors and a larger ensemble reuses them.
    """
    from offramp.bootstrap.training import DEFAULTS, combine_runs

    if runs > 1:
        members = [embeddings(files, cache, lang, seed=run, **params) for run in range(runs)]
        return combine_runs([kv for kv, _ in members]), sum(s for _, s in members)
    stamp = corpus_stamp(files) + tokenization_stamp(lang)
    if params.get("epochs") is None:  # automatic epochs: the rule's budget decides the vectors
        stamp.append(("epochs_token_budget", DEFAULTS["epochs_token_budget"]))
    if seed:  # seed 0 adds nothing: its key is the single run's
        stamp.append(("random_state", seed))
    # progress bars do not change the vectors, so they are not part of the key
    path = cache / f"vectors-{cache_key(stamp, {k: v for k, v in params.items() if k != 'progress'})}.vec"
    return trained(path, files, random_state=seed, lang=lang, **params)


def trained(path, corpus, *, progress=True, **train_args):
    """The vectors cached at ``path``, or, when there are none, ``train_embeddings(corpus,
    **train_args)`` saved there. Returns ``(kv, training seconds)``, 0 when loaded."""
    from offramp.bootstrap.io.embeddings import load_embeddings, save_embeddings
    from offramp.bootstrap.training import train_embeddings

    if path.exists():
        return load_embeddings(path, progress=progress), 0.0
    t0 = time.perf_counter()
    kv = train_embeddings(corpus, progress=progress, **train_args)
    elapsed = time.perf_counter() - t0
    save_embeddings(kv, path)
    return kv, elapsed


def benchmark_split(data, cache, src, tgt, *, vocab_min_count=3, n_test=1000, max_train=5000):
    """The benchmark's corpora and frequency-matched MUSE split of one pair.

    Returns ``(files, vocab, train, test, info)``: each language's corpus files and corpus
    vocabulary (words seen at least ``vocab_min_count`` times, by frequency), and
    :func:`offramp.frequency_split`'s result on them.
    """
    from offramp.bootstrap.io.dictionaries import read_dictionary
    from offramp.bootstrap.lexicon.split import frequency_split

    gold_path = Path(data) / "dictionaries" / "muse" / f"{src}-{tgt}.txt"
    if not gold_path.exists():
        raise SystemExit(f"{gold_path}: no MUSE dictionary for {src}-{tgt}")
    files = {lang: corpus_files(data, lang) for lang in (src, tgt)}
    for lang, fs in files.items():
        print(f"{lang}: {', '.join(f.name for f in fs)}", file=sys.stderr)
    counts = {lang: corpus_counts(fs, cache, lang) for lang, fs in files.items()}
    vocab = {lang: [w for w, c in ranked if c >= vocab_min_count] for lang, ranked in counts.items()}
    train, test, info = frequency_split(read_dictionary(gold_path), vocab[src], set(vocab[tgt]), n_test=n_test,
                                        max_train=max_train)
    return files, vocab, train, test, info


def pair_arguments(parser):
    """Add ``--src``, ``--tgt``, ``--data`` and ``--cache`` to the parser of a script that reuses this
    benchmark's corpora, split and cached vectors (the scripts of benchmarks/studies)."""
    parser.add_argument("--src", default="en")
    parser.add_argument("--tgt", required=True)
    parser.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    parser.add_argument("--cache", default=str(HERE / "_cache"))
    return parser


def bible_files(files):
    """The verse-aligned corpora (``corpora/bible/*.tsv``) among a language's files."""
    return [f for f in files if f.parent.name == "bible"]


def verses_only(association, src, test):
    """P@1 (percent, a word without verses counted wrong) of each test word's best target by the
    association's measure (Dice or Model 1)."""
    from offramp.bootstrap.io.dictionaries import group_by_source

    groups = group_by_source(test)
    covered = [(word, src.key_to_index[word]) for word in groups if word in src.key_to_index]
    best, found = association.top_targets([row for _, row in covered], 1)
    hits = sum(bool(ok) and association.tgt_words[j] in set(groups[word])
               for (word, _), j, ok in zip(covered, best[:, 0], found[:, 0]))
    return {"p@1": round(100 * hits / len(groups), 2), "n_test": len(groups)}


def run(args):
    from offramp.bootstrap.align import align_embeddings
    from offramp.bootstrap.evaluation.bli import evaluate_bli
    from offramp.bootstrap.evaluation.rerankers import make_reranker

    data = Path(args.data)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    pair = f"{args.src}-{args.tgt}"
    files, vocab, train, test, info = benchmark_split(data, cache, args.src, args.tgt,
                                                      vocab_min_count=args.vocab_min_count, n_test=args.n_test,
                                                      max_train=args.max_train)
    print(f"split: {info['n_test_words']} test words, {info['n_train_words']} train words "
          f"(corpus vocabularies: {len(vocab[args.src])} / {len(vocab[args.tgt])} words seen "
          f">= {args.vocab_min_count} times)", file=sys.stderr)

    emb_params = {"model": args.model, "dim": args.dim, "epochs": args.epochs, "min_count": args.min_count,
                  "workers": args.workers, "progress": not args.quiet}
    if args.window is not None:  # only then in the cache key, so the default vectors share one key
        emb_params["window"] = args.window
    spaces, train_s = {}, {}
    for lang, fs in files.items():
        spaces[lang], train_s[lang] = embeddings(fs, cache, lang, runs=args.runs, **emb_params)
        print(f"{lang}: {len(spaces[lang])} vectors ({'cached' if not train_s[lang] else f'{train_s[lang]:.0f}s'})",
              file=sys.stderr)

    association = None
    bibles = {lang: bible_files(fs) for lang, fs in files.items()}
    if args.parallel and all(bibles.values()):
        from offramp.bootstrap.lexicon.parallel import verse_association

        t0 = time.perf_counter()
        association = verse_association(bibles[args.src], bibles[args.tgt], spaces[args.src].index_to_key,
                                        spaces[args.tgt].index_to_key, measure=args.verse_measure)
        print(f"verses: {association.n_verses} shared, {association.scores.nnz} word pairs "
              f"({time.perf_counter() - t0:.1f}s)", file=sys.stderr)
    needs_verses = [name for name in args.modes if "parallel" in MODES[name]["seed"]]
    if needs_verses and association is None and getattr(args, "default_modes", False):
        # the default modes run on any pair of the data dir: the verse modes are left out where a
        # language has no Bible (e.g. en-it, whose Italian is a UD treebank only)
        missing = " and ".join(lang for lang in (args.src, args.tgt) if not bibles[lang])
        why = f"no Bible of {missing} under {data}/corpora/bible" if missing else "--no-parallel"
        print(f"{why}: leaving out modes {needs_verses}", file=sys.stderr)
        args.modes = [name for name in args.modes if name not in needs_verses]
    elif needs_verses and association is None:
        raise SystemExit(f"modes {needs_verses} need Bibles of both languages under {data}/corpora/bible "
                         "(and no --no-parallel)")

    via = None
    if any("via" in MODES[name] for name in args.modes):
        if not all(bibles.values()):
            raise SystemExit(f"mode unsupervised_bible needs a Bible of each language under {data}/corpora/bible")
        # auxiliary spaces: each language's Bibles alone, no verse ids used (align --unsupervised --via)
        via_params = {"model": "skipgram", "dim": args.via_dim, "epochs": None, "min_count": args.min_count,
                      "workers": args.workers, "progress": not args.quiet}
        if args.via_prefix_len:  # only then in the cache key, so whole-word spaces share one key
            via_params["prefix_len"] = args.via_prefix_len
        trained = [embeddings(bibles[lang], cache, lang, **via_params) for lang in (args.src, args.tgt)]
        via = tuple(kv for kv, _ in trained)
        train_s["via"] = {lang: s for lang, (_, s) in zip((args.src, args.tgt), trained)}  # 0: cached
        print(f"auxiliary Bible spaces: {len(via[0])} / {len(via[1])} words ({args.via_dim} dimensions)",
              file=sys.stderr)

    runs = [(name, MODES[name], spaces, "offramp") for name in args.modes]
    if args.baseline:
        base_params = {"model": "skipgram", "dim": 300, "epochs": 10, "min_count": 3, "workers": args.workers,
                       "progress": not args.quiet}
        base = {lang: embeddings(fs, cache, lang, **base_params)[0] for lang, fs in files.items()}
        runs.append(("vecmap_supervised", {"seed": "dictionary"}, base, "supervised"))

    results = {}
    for name, mode, sp, preset in runs:
        t0 = time.perf_counter()
        extra = ({"identical_rank_ratio": args.identical_rank_ratio}
                 if "identical" in mode["seed"] and args.identical_rank_ratio is not None else {})
        if args.warmup_dim is not None and preset == "offramp":
            extra["warmup_dim"] = None if args.warmup_dim == "off" else (
                "auto" if args.warmup_dim == "auto" else int(args.warmup_dim))
        if "parallel" in mode["seed"]:
            extra["parallel"] = association
        if "via" in mode:
            extra["via"] = via
            extra["via_options"] = {"restarts": args.via_restarts, "prefix_len": args.via_prefix_len}
        if preset == "offramp":  # the baseline's VecMap recipe stays linear and keeps its direction either way
            extra["refine"] = None if args.refine == "none" else args.refine
            if args.direction is not None:
                extra["direction"] = args.direction
        result = align_embeddings(sp[args.src], sp[args.tgt], seed=mode["seed"],
                                  seed_dict=train if "dictionary" in mode["seed"] else None, preset=preset,
                                  device=args.device, random_state=args.seed, progress=not args.quiet, **extra)
        wall = time.perf_counter() - t0
        if "via" in mode and args.via_prefix_len:  # its own column beside the whole-word run
            name = f"{name}_prefix{args.via_prefix_len}"
        reranked = None
        if preset != "supervised" and args.rerank:
            # Weights fitted on the train dictionary where the mode may use it, else the defaults; the
            # result carries the plain CSLS scores of the same words too.
            # --rerank-model trees needs the train dictionary to learn from; the other modes stay linear
            model = args.rerank_model if "dictionary" in mode["seed"] else "linear"
            reranked = evaluate_bli(result.src_mapped, result.tgt_mapped, test, method="csls", device=args.device,
                                    rerank=make_reranker(("ortho", "freq"), model=model),
                                    tune_dict=train if "dictionary" in mode["seed"] else None)
            csls = dict(reranked, **reranked["rerank"]["without_rerank"])
        else:
            csls = evaluate_bli(result.src_mapped, result.tgt_mapped, test, method="csls", device=args.device)
        scores = {"csls": csls, "nn": evaluate_bli(result.src_mapped, result.tgt_mapped, test, method="nn",
                                                   device=args.device)}
        results[name] = {
            "p@1_csls": round(scores["csls"]["counted_wrong"]["p@1"], 2),
            "p@1_nn": round(scores["nn"]["counted_wrong"]["p@1"], 2),
            "p@10_csls": round(scores["csls"]["counted_wrong"]["p@10"], 2),
            "mrr_csls": round(scores["csls"]["counted_wrong"]["mrr"], 2),
            "p@1_csls_oov_excluded": round(scores["csls"]["p@1"], 2),
            "coverage": round(scores["csls"]["coverage"], 2),
            "n_test": scores["csls"]["n_test"],
            "wall_s": round(wall, 1),
            "n_iter": result.report["n_iter"],
            "s_per_iter": round(sum(h["time_s"] for h in result.report["history"]) / max(1, result.report["n_iter"]), 2)
            if result.report["history"] else None,
            "preset": preset,
            "direction": result.report["params"]["direction"],
            "random_state": args.seed,
            "seed_pairs": result.report["seed"].get("n_seed_pairs", 0),
            "warmup_dim": result.report.get("warmup_dim"),
            "refine": result.report.get("refine"),
            "restarts": (result.report.get("restarts") or {}).get("n_init", 1),
            # align's dictionary-free check: do the strings spelled alike outside the seed translate to themselves?
            "check": {k: result.report["check"].get(k) for k in ("n_checked", "self@1", "self@10", "verdict")},
        }
        if "via" in result.report["seed"]:
            results[name]["via"] = result.report["seed"]["via"]
        if reranked is not None:
            results[name]["p@1_csls_rerank"] = round(reranked["counted_wrong"]["p@1"], 2)
            results[name]["rerank_model"] = model
            results[name]["rerank"] = reranked["rerank"]
            if association is not None:
                with_verses = evaluate_bli(result.src_mapped, result.tgt_mapped, test, method="csls",
                                           device=args.device,
                                           rerank=make_reranker(("ortho", "freq", "parallel"), model=model),
                                           parallel=association,
                                           tune_dict=train if "dictionary" in mode["seed"] else None)
                results[name]["p@1_csls_rerank_parallel"] = round(with_verses["counted_wrong"]["p@1"], 2)
                results[name]["rerank_parallel"] = {k: v for k, v in with_verses["rerank"].items()
                                                    if k not in ("without_rerank", "parallel")}
        print(f"{name}: P@1 csls {results[name]['p@1_csls']} nn {results[name]['p@1_nn']} "
              f"rerank {results[name].get('p@1_csls_rerank')} "
              f"rerank+verses {results[name].get('p@1_csls_rerank_parallel')} "
              f"check {results[name]['check']['verdict']} ({results[name]['check']['self@1']} of "
              f"{results[name]['check']['n_checked']}) ({results[name]['wall_s']}s, {results[name]['n_iter']} it)",
              file=sys.stderr)

    out = {
        "pair": pair,
        "modes": results,
        "verses": None if association is None else {**association.info,
                                                    "verses_only": verses_only(association, spaces[args.src], test)},
        "n_test": info["n_test_words"],
        "n_train": info["n_train_words"],
        "embeddings": {**{k: v for k, v in emb_params.items() if k != "progress"}, "runs": args.runs},
        "refine": None if args.refine == "none" else args.refine,
        "verse_measure": args.verse_measure,
        "rerank_model": args.rerank_model,
        "direction": args.direction,  # None: the library's default, which depends on the seed
        "train_s": train_s,
        "corpora": {lang: [f.name for f in fs] for lang, fs in files.items()},
        "device": args.device,
        "p@1_unit": "percent, OOV counted wrong",
    }
    return out


def print_table(out):
    modes = out["modes"]
    base = modes.get("vecmap_supervised", {}).get("p@1_csls")
    print(f"\nBLI {out['pair']}: {out['n_test']} test words (MUSE, frequency-matched to the corpora), "
          f"P@1 in %, OOV counted wrong")
    header = (f"{'mode':<18} {'P@1 CSLS':>9} {'P@1 NN':>7} {'rerank':>7} {'P@10':>6} {'cov %':>6} "
              f"{'iters':>5} {'s/it':>5} {'wall s':>7}")
    if base:
        header += f" {'x base':>7}"
    print(header)
    for name, r in modes.items():
        rr = r.get("p@1_csls_rerank")
        line = (f"{name:<18} {r['p@1_csls']:>9.2f} {r['p@1_nn']:>7.2f} {'-' if rr is None else f'{rr:.2f}':>7} "
                f"{r['p@10_csls']:>6.2f} {r['coverage']:>6.1f} "
                f"{r['n_iter']:>5} {r['s_per_iter'] or 0:>5.2f} {r['wall_s']:>7.1f}")
        if base:
            line += f" {r['p@1_csls'] / base:>7.2f}"
        print(line)
    verses = out.get("verses")
    if verses:
        rrp = {name: r["p@1_csls_rerank_parallel"] for name, r in modes.items() if "p@1_csls_rerank_parallel" in r}
        print(f"verses ({verses['n_verses']} shared): best {verses.get('measure', 'dice')} word alone P@1 "
              f"{verses['verses_only']['p@1']:.2f}; "
              "re-ranked with verse co-occurrence: " + ", ".join(f"{n} {v:.2f}" for n, v in rrp.items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default="en")
    parser.add_argument("--tgt", required=True)
    parser.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--cache", default=str(HERE / "_cache"))
    parser.add_argument("--no-parallel", dest="parallel", action="store_false",
                        help="do not use the Bibles' verse alignment (no parallel mode, no verse re-ranking)")
    parser.add_argument("--modes", default=None, type=lambda s: [m for m in s.split(",") if m],
                        help=f"comma-separated, from: {', '.join(MODES)} (default: {','.join(DEFAULT_MODES)}; "
                             "the verse mode is left out where a language has no Bible)")
    parser.add_argument("--baseline", action="store_true",
                        help="also run the reference setting (skip-gram + VecMap --supervised recipe)")
    parser.add_argument("--model", default="fasttext")
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--window", type=int, default=None,
                        help="context window of both languages' vectors (default: the training default, 5)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--runs", type=int, default=1,
                        help="offramp's embeddings as an ensemble of this many training seeds (offramp train --runs); "
                             "the baseline stays one skip-gram run")
    parser.add_argument("--refine", choices=["none", "instance", "auto"], default="auto",
                        help="offramp's instance-based refinement after the mapping (align --refine): auto "
                             "(default, align's: modes with the train dictionary), instance (every offramp mode), "
                             "or none (the map alone, to compare the modes on the map)")
    parser.add_argument("--rerank-model", choices=["linear", "trees"], default="linear",
                        help="re-ranking model of the modes given the train dictionary (it learns from it); "
                             "the others keep the linear defaults")
    parser.add_argument("--verse-measure", choices=["dice", "ibm1"], default="dice",
                        help="word association over the Bibles' shared verses (seed, re-ranking, verses alone): "
                             "Dice (the library's default) or IBM Model 1")
    parser.add_argument("--via-dim", type=int, default=100,
                        help="mode unsupervised_bible: dimensions of the Bible-only auxiliary spaces (skip-gram)")
    parser.add_argument("--via-restarts", type=int, default=8,
                        help="mode unsupervised_bible: restarts of the auxiliary spaces' unsupervised alignment")
    parser.add_argument("--via-prefix-len", type=int, default=None,
                        help="mode unsupervised_bible: train the auxiliary spaces on tokens cut to this many "
                             "characters (offramp train --prefix-len; a crude stemmer for inflecting languages)")
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--vocab-min-count", type=int, default=3)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--max-train", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--no-rerank", dest="rerank", action="store_false",
                        help="skip the re-ranked (string similarity + frequency) scores")
    parser.add_argument("--warmup-dim", default=None,
                        help="the offramp preset's warm-up: an integer, auto or off (default: the preset's)")
    parser.add_argument("--direction", choices=("forward", "backward", "union", "intersection"), default=None,
                        help="induction direction of every offramp mode (align --direction; default: the "
                             "library's, which depends on the seed)")
    parser.add_argument("--identical-rank-ratio", type=float, default=None,
                        help="frequency-rank filter for identical-string seeds (default: the library's)")
    args = parser.parse_args(argv)
    args.default_modes = args.modes is None
    if args.default_modes:
        args.modes = list(DEFAULT_MODES)
    for m in args.modes:
        if m not in MODES:
            parser.error(f"unknown mode {m!r}; choose from {', '.join(MODES)}")
    out = run(args)
    out["command"] = shlex.join(["python", "benchmarks/bli_bible.py", *(sys.argv[1:] if argv is None else argv)])
    print_table(out)
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
