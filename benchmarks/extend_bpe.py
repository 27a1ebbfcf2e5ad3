#!/usr/bin/env python
"""Extending a BPE tokenizer: appended merges against whole-word added tokens (tokens on held-out text).

A byte-level BPE (GPT-2 / Llama 3 style: ``Ġ`` marks a word start inside running text), a
Metaspace BPE (``▁``, prepend scheme 'never') or a SentencePiece-style BPE as transformers converts
Llama 2's (spaces marked by the normaliser, byte fallback) is trained on a source-language Bible, then extended
with ``--budgets`` tokens from the first verses of a target-language Bible, both ways that
``bootstrap.tokenization.extend_tokenizer`` knows (``route='auto'``: merges, ``route='added'``),
and each tokenizer encodes the target Bible's next verses, which the extension did not see.

    python benchmarks/extend_bpe.py --data ../shared/data --src en.KJV --tgt fi.FinPR --json benchmarks/out/extend_bpe.json
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def verses(path, start, stop):
    with open(path, encoding="utf-8") as f:
        return [line.split("\t", 1)[1].strip() for i, line in enumerate(f) if start <= i < stop]


def source_tokenizer(lines, style, vocab_size):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    if style == "bytelevel":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        specials = {"eos_token": "<|endoftext|>"}
    elif style == "never":
        tok = Tokenizer(models.BPE(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="never")
        tok.decoder = decoders.Metaspace(prepend_scheme="never")
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<unk>"], show_progress=False)
        specials = {"unk_token": "<unk>"}
    elif style == "llama2":
        # as transformers converts a SentencePiece BPE (Llama 2, Mistral): the normaliser marks spaces
        # with U+2581, no pre-tokeniser, unknown characters fall back to byte tokens
        tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
        tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="never")  # training only: no merge across words
        tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                         decoders.Strip(" ", 1, 0)])
        bytes_ = [f"<0x{i:02X}>" for i in range(256)]
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<unk>", "<s>", "</s>", *bytes_],
                                      show_progress=False)
        specials = {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>"}
    else:
        raise SystemExit(f"unknown style {style!r}: bytelevel, never or llama2")
    tok.train_from_iterator(lines, trainer)
    if style == "llama2":
        tok.pre_tokenizer = None
    return PreTrainedTokenizerFast(tokenizer_object=tok, **specials)


def main(argv=None):
    from bootstrap.tokenization import extend_tokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data"))
    parser.add_argument("--src", default="en.KJV", help="source Bible (corpora/bible/NAME.tsv)")
    parser.add_argument("--tgt", default="fi.FinPR", help="target Bible")
    parser.add_argument("--vocab-size", type=int, default=8000)
    parser.add_argument("--train-verses", type=int, default=25000, help="target verses the extension reads")
    parser.add_argument("--test-verses", type=int, default=2000, help="the next verses, encoded")
    parser.add_argument("--budgets", default="500,2000,8000")
    parser.add_argument("--styles", default="bytelevel,never,llama2")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    bible = Path(args.data) / "corpora" / "bible"
    src_lines = verses(bible / f"{args.src}.tsv", 0, 10 ** 9)
    tgt_train = verses(bible / f"{args.tgt}.tsv", 0, args.train_verses)
    held_out = "\n".join(verses(bible / f"{args.tgt}.tsv", args.train_verses, args.train_verses + args.test_verses))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "target.txt"
        corpus.write_text("\n".join(tgt_train) + "\n", encoding="utf-8")
        for style in args.styles.split(","):
            src = source_tokenizer(src_lines, style, args.vocab_size)
            n_src = len(src(held_out)["input_ids"])
            for budget in map(int, args.budgets.split(",")):
                row = {"style": style, "budget": budget, "source_tokens": n_src}
                for route in ("added", "auto"):
                    t0 = time.perf_counter()
                    tok, words = extend_tokenizer(corpus, like=src, extend=budget, route=route)
                    ids = tok(held_out)["input_ids"]
                    row[route] = {"tokens": len(ids), "new_tokens": len(tok) - len(src), "words": len(words),
                                  "round_trip": tok.decode(ids) == held_out, "wall_s": round(time.perf_counter() - t0, 2)}
                rows.append(row)
                print(f"{style:9} +{budget:<5} held-out tokens: source {n_src}, added tokens {row['added']['tokens']} "
                      f"({row['added']['words']} words), merges {row['auto']['tokens']} ({row['auto']['words']} words); "
                      f"round trip {row['added']['round_trip']} / {row['auto']['round_trip']}", flush=True)
    out = {"src": args.src, "tgt": args.tgt, "vocab_size": args.vocab_size, "train_verses": args.train_verses,
           "test_verses": args.test_verses, "rows": rows}
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
