"""Verse retrieval with one MiniLM for several languages, against each language's own model.

    python benchmarks/transfer_many.py --tgts fi,sl,lv,de,es --data ../shared/data --json out.json

1. For each language, ``transfer_bible.py``'s setup with ``--extend N`` (default 8000): its held-out
   verses, vectors, alignment and its own extended tokenizer, all from that script's cache; its own model
   is MiniLM with that tokenizer, initialised by offramp.
2. One shared tokenizer: MiniLM's extended by ``N`` x the number of languages over every target corpus at
   once (``offramp tokenizer --corpus LANG PATH ... --extend``: the budget shared, ``--floor`` of it split
   equally), every language's held-out verses excluded; one shared model from every language's aligned
   pair (``offramp transfer`` with the pairs repeated: one plan per pair, joined token by token).
3. P@1 target -> English on each language's held-out verses with its own model and with the shared one,
   and the English ceiling: ASV -> KJV on the first language's held-out verses with the original model
   and with the shared one (the source vocabulary keeps its rows; the new tokens may still change how
   English words split).
"""
import argparse
import json
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import transfer_bible as tb  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tgts", default="fi,sl,lv,de,es", help="Comma-separated target languages.")
    parser.add_argument("--floor", type=float, default=0.5,
                        help="Share of the shared budget split equally among the languages first.")
    parser.add_argument("--english", default="en.ASV.tsv",
                        help="The English Bible retrieved against KJV for the English ceiling.")
    tb.add_arguments(parser)
    parser.set_defaults(tgt="-", extend=8000)
    for action in parser._actions:
        if action.dest == "tgt":  # --tgts names them
            action.required, action.help = False, argparse.SUPPRESS
    args = parser.parse_args(argv)
    tb.quiet()
    langs = [x.strip() for x in args.tgts.split(",") if x.strip()]
    if len(langs) < 2:
        raise SystemExit("--tgts: give two languages or more")

    from transformers import AutoModel

    from offramp.bootstrap.io.atomic import write_json
    from offramp.bootstrap.llm.hf import load_tokenizer, save_tokenizer
    from offramp.bootstrap.llm.retrieval import encode_texts, model_with_plan, read_verses, retrieval_p_at_1
    from offramp.bootstrap.llm.tokenization import extend_tokenizer
    from offramp.bootstrap.llm.transfer import TEMPERATURE, combine_plans, plan_transfer

    if args.temperature is None:
        args.temperature = TEMPERATURE
    t_start = time.time()
    ctxs = {}
    for lang in langs:
        one = argparse.Namespace(**{**vars(args), "tgt": lang})
        ctxs[lang] = tb.prepare(one)
    first = ctxs[langs[0]]
    original = AutoModel.from_pretrained(first.model_dir)
    src_tok = first.src_tok

    def p_at_1(model, tokenizer, ctx, E_en):
        return retrieval_p_at_1(encode_texts(model, tokenizer, ctx.eval_tgt), E_en)

    E_en = {lang: encode_texts(original, src_tok, ctx.eval_en) for lang, ctx in ctxs.items()}
    results = {lang: {"no_transfer": p_at_1(original, src_tok, ctx, E_en[lang])} for lang, ctx in ctxs.items()}
    for lang, ctx in ctxs.items():
        plan = plan_transfer(src_tok, ctx.tgt_tok, ctx.src_mapped, ctx.tgt_mapped, k=args.k,
                             temperature=args.temperature, copy_shared=True, check_alignment=False)
        model = model_with_plan(ctx.model_dir, plan, len(ctx.tgt_tok), random_state=args.seed)
        results[lang]["own"] = p_at_1(model, ctx.tgt_tok, ctx, E_en[lang])
        print(f"{lang}: own model {results[lang]['own']:.1f} (no transfer {results[lang]['no_transfer']:.1f})")

    held_out = sorted(set().union(*(ctx.held_out for ctx in ctxs.values())))
    budget = args.extend * len(langs)
    tok_dir = tb.CACHE / ("many-tokenizer." + tb.key([ctxs[x].vector_keys[1] for x in langs], langs, budget,
                                                     args.floor, held_out))
    if tok_dir.exists():
        shared, info = load_tokenizer(tok_dir), json.loads((tok_dir / "languages.json").read_text())
    else:
        t0 = time.time()
        shared, _, info = extend_tokenizer({x: [str(p) for p in ctxs[x].tgt_paths] for x in langs}, like=src_tok,
                                           extend=budget, exclude_ids=set(held_out), floor=args.floor,
                                           return_info=True)
        save_tokenizer(shared, tok_dir)
        write_json(tok_dir / "languages.json", info)
        print(f"shared tokenizer: {len(shared) - len(src_tok)} tokens added, {time.time() - t0:.0f} s")
    plans = [plan_transfer(src_tok, shared, ctxs[x].src_mapped, ctxs[x].tgt_mapped, k=args.k,
                           temperature=args.temperature, copy_shared=True, check_alignment=False) for x in langs]
    plan = combine_plans(plans, langs)
    model = model_with_plan(first.model_dir, plan, len(shared), random_state=args.seed)
    for lang, ctx in ctxs.items():
        results[lang]["shared"] = p_at_1(model, shared, ctx, E_en[lang])
        results[lang]["shared_over_own"] = results[lang]["shared"] / results[lang]["own"] if results[lang]["own"] \
            else None
        print(f"{lang}: shared model {results[lang]['shared']:.1f} (own {results[lang]['own']:.1f})")

    english = read_verses(Path(args.data) / "corpora" / "bible" / args.english)
    kjv_text = dict(zip(first.ids, first.eval_en))
    ids = [i for i in first.ids if i in english]
    kjv = encode_texts(original, src_tok, [kjv_text[i] for i in ids])
    asv = [english[i] for i in ids]
    ceiling = {"verses": len(ids), "bible": args.english,
               "original": retrieval_p_at_1(encode_texts(original, src_tok, asv), kjv),
               "shared": retrieval_p_at_1(encode_texts(model, shared, asv), kjv)}
    print(f"English ceiling ({args.english} -> KJV, {len(ids)} verses): original {ceiling['original']:.1f}, "
          f"shared {ceiling['shared']:.1f}")
    record = {"tgts": langs, "extend_each": args.extend, "extend_shared": budget, "floor": args.floor,
              "n_shared_tokens": len(shared), "n_source_tokens": len(src_tok), "results": results,
              "english_ceiling": ceiling, "languages": info["languages"],
              "shares": plan.params["shares"], "routes": plan.counts(),
              "options": {k: v for k, v in vars(args).items() if k not in ("json", "data")},
              "wall_s": round(time.time() - t_start, 1),
              "command": shlex.join(["python", "benchmarks/transfer_many.py",
                                     *(sys.argv[1:] if argv is None else argv)])}
    if args.json:
        write_json(args.json, record)
    return record


if __name__ == "__main__":
    main()
