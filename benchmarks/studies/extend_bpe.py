#!/usr/bin/env python
"""Extending a tokenizer: words in the model's own vocabulary against whole-word added tokens (tokens on held-out text).

A byte-level BPE (GPT-2 / Llama 3 style: ``Ġ`` marks a word start inside running text), a
Metaspace BPE (``▁``, prepend scheme 'never'), a SentencePiece-style BPE as transformers converts
Llama 2's (spaces marked by the normaliser, byte fallback), an XLM-R-like Metaspace Unigram
(``unigram``) or a cased BERT-like WordPiece (``wordpiece``) is trained on a source-language Bible,
then extended with ``--budgets`` tokens from the first verses of a target-language Bible, both ways
that ``offramp.bootstrap.llm.tokenization.extend_tokenizer`` knows (``route='auto'``: in the model, through
merges for BPE, as pieces or vocabulary entries otherwise; ``route='added'``), and each tokenizer
encodes the target Bible's next verses, which the extension did not see.

    python benchmarks/studies/extend_bpe.py --data ../shared/data --src en.KJV --tgt fi.FinPR \\
        --json benchmarks/out/extend_bpe.json
    python benchmarks/studies/extend_bpe.py --styles unigram,wordpiece --budgets 2000,8000 \\
        --json benchmarks/out/extend_more.json
"""
import argparse
import json
import tempfile
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1]


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
    elif style == "unigram":
        # XLM-R-like: a Metaspace Unigram ('▁' marks word starts, set by the pre-tokeniser) with
        # <mask> as the last model piece, registered as an added token on that same id
        tok = Tokenizer(models.Unigram())
        tok.normalizer = normalizers.NFKC()
        tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always")
        tok.decoder = decoders.Metaspace(prepend_scheme="always")
        trainer = trainers.UnigramTrainer(vocab_size=vocab_size - 1, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                          unk_token="<unk>", show_progress=False)
        specials = {"bos_token": "<s>", "pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>",
                    "mask_token": "<mask>"}
    elif style == "wordpiece":
        # BERT-like, cased (as multilingual BERT: no lowercasing, accents kept)
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece()
        trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]",
                                                                                   "[MASK]"], show_progress=False)
        specials = {"pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]",
                    "mask_token": "[MASK]"}
    else:
        raise SystemExit(f"unknown style {style!r}: bytelevel, never, llama2, unigram or wordpiece")
    tok.train_from_iterator(lines, trainer)
    if style == "llama2":
        tok.pre_tokenizer = None
    if style == "unigram":
        state = json.loads(tok.to_str())
        state["model"]["vocab"].append(["<mask>", 0.0])
        tok = Tokenizer.from_str(json.dumps(state))
    return PreTrainedTokenizerFast(tokenizer_object=tok, **specials)


def exact_share(tok, texts):
    """Share of ``texts`` that decode back exactly, each encoded alone."""
    decoded = tok.batch_decode(tok(texts)["input_ids"])
    return round(sum(d == t for d, t in zip(decoded, texts)) / len(texts), 4)


def main(argv=None):
    from offramp.bootstrap.llm.tokenization import extend_tokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(BENCHMARKS.parent.parent / "shared" / "data"))
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
    held_verses = verses(bible / f"{args.tgt}.tsv", args.train_verses, args.train_verses + args.test_verses)
    held_out = "\n".join(held_verses)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "target.txt"
        corpus.write_text("\n".join(tgt_train) + "\n", encoding="utf-8")
        for style in args.styles.split(","):
            src = source_tokenizer(src_lines, style, args.vocab_size)
            src_ids = src(held_out)["input_ids"]
            n_src, src_round_trip = len(src_ids), src.decode(src_ids) == held_out
            for budget in map(int, args.budgets.split(",")):
                row = {"style": style, "budget": budget, "source_tokens": n_src, "source_round_trip": src_round_trip,
                       "source_unknown": src_ids.count(src.unk_token_id),
                       "source_verses_exact": exact_share(src, held_verses)}
                for route in ("added", "auto"):
                    t0 = time.perf_counter()
                    tok, words = extend_tokenizer(corpus, like=src, extend=budget, route=route)
                    ids = tok(held_out)["input_ids"]
                    row[route] = {"tokens": len(ids), "new_tokens": len(tok) - len(src), "words": len(words),
                                  "as_added_tokens": len(tok.get_added_vocab()) - len(src.get_added_vocab()),
                                  "unknown": ids.count(tok.unk_token_id),
                                  "round_trip": tok.decode(ids) == held_out,
                                  "verses_exact": exact_share(tok, held_verses),
                                  "wall_s": round(time.perf_counter() - t0, 2)}
                rows.append(row)
                print(f"{style:9} +{budget:<5} held-out tokens: source {n_src}, added tokens {row['added']['tokens']} "
                      f"({row['added']['words']} words), in-model {row['auto']['tokens']} "
                      f"({row['auto']['words']} words, {row['auto']['as_added_tokens']} of them added tokens); "
                      f"round trip {src_round_trip} / {row['added']['round_trip']} / {row['auto']['round_trip']}, "
                      f"verses decoded exactly {row['source_verses_exact']:.1%} / {row['added']['verses_exact']:.1%} / "
                      f"{row['auto']['verses_exact']:.1%}", flush=True)
    out = {"src": args.src, "tgt": args.tgt, "vocab_size": args.vocab_size, "train_verses": args.train_verses,
           "test_verses": args.test_verses, "rows": rows}
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
