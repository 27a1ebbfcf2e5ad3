"""Continued pretraining of MiniLM moved to a new language, from each initialisation, under one step budget.

    python benchmarks/continued_training.py --tgt fi --data ../shared/data --json out.json --plot out.png

1. Everything ``transfer_bible.py`` builds (held-out verses, vectors, alignment, the target tokenizer; its
   cache is shared), then the input embeddings of each initialisation of its table: random, copy-only,
   WECHSEL and FOCUS (their authors' packages; ``--no-peers`` leaves them out) and offramp.
2. Each becomes a masked LM (``bootstrap.llm.continued.language_model``: a fresh head drawn from ``--seed``,
   the same for every initialisation, its decoder tied to the new input embeddings) and is trained for
   ``--steps`` steps on the target corpora without the held-out verses (Hugging Face ``Trainer``; the same
   data order and masks for every initialisation).
3. Every ``--eval-every`` steps: the masked-LM loss on the held-out verses, with masks drawn once. Verse
   retrieval P@1 target -> English (as ``transfer_bible.py``) before and after training.
4. ``random_steps_to_match``: per checkpoint, the steps random initialisation needs to reach offramp's
   loss there (linear between random's checkpoints; null where it does not within the budget);
   ``steps_to_match`` gives the same against every initialisation's loss.

``--objective clm`` trains a causal LM instead (``--model`` a decoder folder: the source model whose rows
the initialisations replace). ``--device cuda`` runs on a GPU (raise ``--steps`` there).
"""
import argparse
import shlex
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))

import transfer_bible as tb  # noqa: E402

ORDER = ("random", "copy_only", "wechsel", "focus", "offramp")


def plot(record, path):
    """Held-out loss against steps (log scale), one line per initialisation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from offramp.bootstrap.io.atomic import atomic_path

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for name, loss in record["loss"].items():
        ax.plot(record["steps"], loss, marker="o", markersize=3, label=name.replace("_", "-"))
    ax.set_xscale("log")
    ax.set_xlabel("training steps (log scale)")
    ax.set_ylabel(f"held-out {record['objective'].upper()} loss ({record['n_verses']} verses)")
    ax.set_title(f"Continued pretraining of MiniLM on {record['tgt']} text, by initialisation")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    tb.add_arguments(parser)
    parser.add_argument("--no-peers", action="store_true", help="Leave WECHSEL and FOCUS out (no [peers] extra).")
    parser.add_argument("--steps", type=int, default=None,
                        help="Training steps per initialisation (default 160 on cpu, about 3 minutes each on 2 "
                             "cores; 5000 on cuda).")
    parser.add_argument("--eval-every", type=int, default=None, help="Checkpoint interval (default steps / 16).")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--block-size", type=int, default=128, help="Tokens per training sequence.")
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--objective", choices=["mlm", "clm"], default="mlm",
                        help="mlm (an encoder such as MiniLM) or clm (a decoder given with --model)")
    parser.add_argument("--model", default=None, help="Source model folder (default all-MiniLM-L6-v2).")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--eval-verses", type=int, default=200,
                        help="Held-out verses the loss is measured on (the first of the --n-verses).")
    parser.add_argument("--plot", default=None, help="PNG of the loss curves.")
    parser.add_argument("--inits", default=",".join(ORDER), help="Comma-separated initialisations to train.")
    args = parser.parse_args(argv)
    args.peers = not args.no_peers
    tb.check_peers(args)
    tb.quiet()
    if args.steps is None:
        args.steps = 5000 if args.device == "cuda" else 160
    if args.eval_every is None:
        args.eval_every = max(1, args.steps // 16)
    inits = [name.strip() for name in args.inits.split(",") if name.strip()]

    from transformers import AutoModel

    from offramp.bootstrap.io.atomic import write_json
    from offramp.bootstrap.io.corpora import Corpus
    from offramp.bootstrap.llm.continued import continue_pretraining, language_model, steps_to_match
    from offramp.bootstrap.llm.retrieval import encode_texts, retrieval_p_at_1

    t_start = time.time()
    ctx = tb.prepare(args)
    rows, info = tb.initial_rows(ctx, args)
    missing = [n for n in inits if rows.get(n) is None]
    if missing:
        print(f"  skipped (no rows): {', '.join(missing)}")
    inits = [n for n in inits if rows.get(n) is not None]
    train = list(Corpus([str(p) for p in ctx.tgt_paths], lowercase=False, exclude_ids=ctx.held_out).texts())
    eval_texts = ctx.eval_tgt[:args.eval_verses]
    original = AutoModel.from_pretrained(ctx.model_dir)
    E_en = encode_texts(original, ctx.src_tok, ctx.eval_en)

    def p_at_1(model):
        encoder = model.base_model.to("cpu")
        return retrieval_p_at_1(encode_texts(encoder, ctx.tgt_tok, ctx.eval_tgt), E_en)

    record = {"tgt": args.tgt, "objective": args.objective, "n_verses": len(eval_texts), "steps": [], "loss": {},
              "loss_start": {}, "p@1_start": {}, "p@1_end": {}, "wall_s": {}}
    for name in inits:
        model = language_model(ctx.model_dir, rows[name], objective=args.objective, random_state=args.seed)
        record["p@1_start"][name] = p_at_1(model)
        print(f"{name}: P@1 {record['p@1_start'][name]:.1f} before training; {args.steps} steps")
        run = continue_pretraining(model, ctx.tgt_tok, train, eval_texts, objective=args.objective, steps=args.steps,
                                   eval_every=args.eval_every, batch_size=args.batch_size,
                                   block_size=args.block_size, learning_rate=args.lr, device=args.device,
                                   random_state=args.seed, progress=False)
        record["steps"] = run["steps"]
        record["loss"][name] = [round(x, 4) for x in run["loss"]]
        record["loss_start"][name] = round(run["loss_start"], 4)
        record["p@1_end"][name] = p_at_1(model)
        record["wall_s"][name] = run["wall_s"]
        record["train_blocks"], record["eval_tokens"] = run["train_blocks"], run["eval_tokens"]
        print(f"  loss {run['loss_start']:.3f} -> {run['loss'][-1]:.3f}; P@1 {record['p@1_end'][name]:.1f} after; "
              f"{run['wall_s']:.0f} s")
    if "random" in record["loss"]:
        by = {name: [None if x is None else round(x, 1) for x in
                     steps_to_match(loss, record["steps"], record["loss"]["random"],
                                    other_start=record["loss_start"]["random"])]
              for name, loss in record["loss"].items() if name != "random"}
        record["steps_to_match"] = {"by": "random", **by}
        record["random_steps_to_match"] = by.get("offramp")
        if by.get("offramp") and by["offramp"][0] is not None:
            record["saving_first_checkpoint"] = round(by["offramp"][0] / record["steps"][0], 1)
    record.update({"budget": {"steps": args.steps, "eval_every": args.eval_every, "batch_size": args.batch_size,
                              "block_size": args.block_size, "lr": args.lr, "device": args.device},
                   "peers": info["peers"], "routes": info["routes"], "target_bible": ctx.tgt_path.name,
                   "options": {k: v for k, v in vars(args).items() if k not in ("json", "data", "plot")},
                   "total_wall_s": round(time.time() - t_start, 1),
                   "command": shlex.join(["python", "benchmarks/continued_training.py",
                                          *(sys.argv[1:] if argv is None else argv)])})
    print(f"\n{'init':<10} {'loss start':>10} " + " ".join(f"{s:>7}" for s in record["steps"])
          + "  P@1 start -> end")
    for name, loss in record["loss"].items():
        print(f"{name:<10} {record['loss_start'][name]:>10.3f} " + " ".join(f"{x:>7.3f}" for x in loss)
              + f"  {record['p@1_start'][name]:.1f} -> {record['p@1_end'][name]:.1f}")
    if record.get("random_steps_to_match"):
        cells = ["-" if s is None else f"{s:.0f}" for s in record["random_steps_to_match"]]
        print(f"random's steps to offramp's loss: {' '.join(cells)} (checkpoints {record['steps']})")
    if args.json:
        write_json(args.json, record)
    if args.plot and record["loss"]:
        plot(record, args.plot)
    return record


if __name__ == "__main__":
    main()
