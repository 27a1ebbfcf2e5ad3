#!/usr/bin/env python
"""Other ways to read the Bibles' verses, scored "verses alone" (benchmarks/README.md, section 1f).

Each probe gives every (English, target) word pair a score from the verse-aligned Bibles only, and
the best-scored target of each test word of the benchmark's split is compared with MUSE's gold
(P@1 in %, a word with no score counted wrong), against the union-of-sets Model 1 of
``bootstrap.parallel`` (``--verse-measure ibm1``) on the same words:

* ``model1``: IBM Model 1 on real sentence pairs (every English Bible against every target Bible),
  repeated tokens counted, a NULL word on the conditioning side, 5 EM iterations per direction;
  ``--diagonal 4`` adds a fast_align-style prior favouring the diagonal (Dyer et al. 2013).
* ``bwesg``: joint skip-gram embeddings of the verse pairs merged by relative position (Vulic and
  Moens 2016); the nearest target word by cosine.
* ``eflomal``: the links of eflomal (Östling and Tiedemann 2016: Bayesian IBM models with fertility
  and an HMM distortion, Gibbs sampling; ``pip install eflomal``, not a dependency of offramp)
  over the same sentence pairs, both directions, counted per word pair and divided by each word's
  tokens (the share of ``s``'s tokens linked to ``t``, and of ``t``'s linked to ``s``);
  ``--rerank`` also scores section 1j's one-run setting re-ranked with them (linear and trees),
  in place of the union-of-sets Model 1 and averaged with it.
* ``pivot``: Model 1 triangulated through a third language's Bibles (``--pivots fr,de``):
  ``p(t | s) = sum_p p(p | s) p(t | p)`` and the reverse, their geometric mean, alone and added
  to the direct score.

    python benchmarks/verse_signals.py --tgt es --probe model1 --diagonal 0,4
    python benchmarks/verse_signals.py --tgt es --probe bwesg
    python benchmarks/verse_signals.py --tgt es --probe eflomal --rerank
    python benchmarks/verse_signals.py --tgt es --probe pivot --pivots fr,de
"""
import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bli_bible import (benchmark_split, bible_files, corpus_counts, corpus_files, pair_arguments,  # noqa: E402
                       verse_setting, verses_only)

NULL_SHARE = 0.08  # probability of explaining a word by NULL (fast_align's p0)


def read_bibles(paths, lang, index=None, unknown=None):
    """One dict per Bible: verse id -> the verse's tokens, as ids of ``index`` (``unknown`` for a
    word outside it) or, without ``index``, as words."""
    from bootstrap.corpora import Corpus

    bibles = []
    for path in paths:
        verses = {}
        for vid, tokens in Corpus([path], id_column=True, lang=lang).items():
            verses.setdefault(vid, []).extend(tokens if index is None else (index.get(w, unknown) for w in tokens))
        bibles.append(verses)
    return bibles


def sentence_pairs(src_bibles, tgt_bibles):
    return [(s[vid], t[vid]) for s, t in itertools.product(src_bibles, tgt_bibles) for vid in s.keys() & t.keys()]


def model1(pairs, null, n_given, n_explained, diagonal, iterations=5):
    """``p(explained | given)`` as a CSR matrix of shape (n_given, n_explained): Model 1 over the
    (given, explained) sentence pairs, NULL on the given side, optionally with a diagonal prior."""
    given, explained, token, prior = [], [], [], []
    n_tokens = 0
    for g, e in pairs:
        m, n = len(g), len(e)
        if not m or not n:
            continue
        i, j = np.arange(m), np.arange(n)
        if diagonal:
            d = np.exp(-diagonal * np.abs((i[None, :] + 0.5) / m - (j[:, None] + 0.5) / n))
            d = d / d.sum(axis=1, keepdims=True) * (1 - NULL_SHARE)
        else:
            d = np.full((n, m), (1 - NULL_SHARE) / m)
        d = np.concatenate([d, np.full((n, 1), NULL_SHARE)], axis=1)
        given.append(np.tile(np.asarray([*g, null]), n))
        explained.append(np.repeat(np.asarray(e), m + 1))
        token.append(np.repeat(n_tokens + j, m + 1))
        prior.append(d.ravel())
        n_tokens += n
    given, explained, token = (np.concatenate(x).astype(np.int64) for x in (given, explained, token))
    prior = np.concatenate(prior)
    keys, pair = np.unique(given * n_explained + explained, return_inverse=True)
    row = keys // n_explained
    t = 1.0 / np.bincount(row)[row]
    for _ in range(iterations):
        w = t[pair] * prior
        counts = np.bincount(pair, weights=w / np.bincount(token, weights=w)[token], minlength=keys.size)
        t = counts / np.maximum(np.bincount(row, weights=counts)[row], 1e-300)
    return scipy.sparse.csr_matrix((t, (row, keys % n_explained)), shape=(n_given, n_explained))


def _hits(scores, src_kv, tgt_words, groups):
    """The test words whose best-scored target is gold (a word without any score is not)."""
    scores, hits = scores.tocsr(), set()
    for word, gold in groups.items():
        r = src_kv.key_to_index.get(word)
        if r is None or scores.indptr[r] == scores.indptr[r + 1]:
            continue
        lo, hi = scores.indptr[r], scores.indptr[r + 1]
        if tgt_words[scores.indices[lo + np.argmax(scores.data[lo:hi])]] in set(gold):
            hits.add(word)
    return hits


def best_target_p1(scores, src_kv, tgt_words, test):
    """P@1 (%) of each test word's best-scored target; a word without any score counts wrong."""
    from bootstrap.dictionaries import group_by_source

    groups = group_by_source(test)
    return round(100 * len(_hits(scores, src_kv, tgt_words, groups)) / len(groups), 1)


def probe_model1(args, files, src_kv, tgt_kv, test):
    n_src, n_tgt = len(src_kv), len(tgt_kv)
    src = read_bibles(bible_files(files["en"]), "en", src_kv.key_to_index, unknown=n_src)
    tgt = read_bibles(bible_files(files[args.tgt]), args.tgt, tgt_kv.key_to_index, unknown=n_tgt)
    pairs = sentence_pairs(src, tgt)
    print(f"{len(pairs)} sentence pairs", file=sys.stderr)
    out = {}
    for diagonal in map(float, args.diagonal.split(",")):
        t0 = time.perf_counter()
        # ids: words, then the unknown word, then NULL on the given side
        t_s = model1(pairs, n_src + 1, n_src + 2, n_tgt + 1, diagonal)[:n_src, :n_tgt]
        s_t = model1([(t, s) for s, t in pairs], n_tgt + 1, n_tgt + 2, n_src + 1, diagonal)[:n_tgt, :n_src].T
        out[f"diagonal {diagonal:g}"] = {
            "p(t|s)": best_target_p1(t_s, src_kv, tgt_kv.index_to_key, test),
            "p(s|t)": best_target_p1(s_t, src_kv, tgt_kv.index_to_key, test),
            "sqrt(p(t|s) p(s|t))": best_target_p1(t_s.multiply(s_t).sqrt(), src_kv, tgt_kv.index_to_key, test),
            "wall_s": round(time.perf_counter() - t0, 1)}
        print(out[f"diagonal {diagonal:g}"], file=sys.stderr)
    return out


def probe_bwesg(args, files, src_kv, tgt_kv, test):
    from gensim.models import Word2Vec

    from bootstrap.dictionaries import group_by_source

    docs = []
    pairs = sentence_pairs(read_bibles(bible_files(files["en"]), "en"),
                           read_bibles(bible_files(files[args.tgt]), args.tgt))
    for s, t in pairs:
        merged = sorted([(i / len(s), 0, "en:" + w) for i, w in enumerate(s)] +
                        [(j / len(t), 1, f"{args.tgt}:" + w) for j, w in enumerate(t)])
        docs.append([w for *_, w in merged])
    t0 = time.perf_counter()
    kv = Word2Vec(docs, vector_size=200, window=args.window, min_count=2, sg=1, negative=10, epochs=5,
                  workers=2, seed=0, sample=1e-4).wv
    keys = [k for k in kv.index_to_key if k.startswith(f"{args.tgt}:")]
    T = np.stack([kv.get_vector(k, norm=True) for k in keys])
    groups, hits = group_by_source(test), 0
    for word, gold in groups.items():
        if f"en:{word}" in kv.key_to_index:
            nearest = keys[int(np.argmax(T @ kv.get_vector(f"en:{word}", norm=True)))]
            hits += nearest[len(args.tgt) + 1:] in set(gold)
    return {f"window {args.window}": {"nearest": round(100 * hits / len(groups), 1),
                                      "wall_s": round(time.perf_counter() - t0, 1)}}


def probe_eflomal(args, files, src_kv, tgt_kv, train, test, direct):
    try:
        import eflomal
    except ImportError:
        raise SystemExit("--probe eflomal needs the eflomal package: pip install eflomal")
    import tempfile

    pairs = [(s, t) for s, t in sentence_pairs(read_bibles(bible_files(files["en"]), "en"),
                                               read_bibles(bible_files(files[args.tgt]), args.tgt)) if s and t]
    print(f"{len(pairs)} sentence pairs", file=sys.stderr)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        fwd, rev = Path(tmp, "fwd"), Path(tmp, "rev")
        eflomal.Aligner(model=3).align([" ".join(s) for s, _ in pairs], [" ".join(t) for _, t in pairs],
                                       links_filename_fwd=str(fwd), links_filename_rev=str(rev), quiet=True)
        wall = time.perf_counter() - t0
        si, ti = src_kv.key_to_index, tgt_kv.key_to_index

        def links(path):
            rows, cols = [], []
            with open(path, encoding="utf-8") as f:
                for (s, t), line in zip(pairs, f):
                    for link in line.split():
                        i, j = map(int, link.split("-"))
                        a, b = si.get(s[i]), ti.get(t[j])
                        if a is not None and b is not None:
                            rows.append(a)
                            cols.append(b)
            return scipy.sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(si), len(ti)))

        forward, reverse = links(fwd), links(rev)
    n_src = np.bincount([si[w] for s, _ in pairs for w in s if w in si], minlength=len(si))
    n_tgt = np.bincount([ti[w] for _, t in pairs for w in t if w in ti], minlength=len(ti))
    share_of_s = scipy.sparse.diags(1.0 / np.maximum(n_src, 1)) @ reverse  # of s's tokens, linked to t
    share_of_t = forward @ scipy.sparse.diags(1.0 / np.maximum(n_tgt, 1))  # of t's tokens, linked to s
    geo = share_of_s.multiply(share_of_t).sqrt().tocsr()
    words = tgt_kv.index_to_key
    out = {"model 3": {"share of s linked to t": best_target_p1(share_of_s, src_kv, words, test),
                       "share of t linked to s": best_target_p1(share_of_t, src_kv, words, test),
                       "geometric mean": best_target_p1(geo, src_kv, words, test),
                       "either it or union-of-sets Model 1 right": either_p1(geo, direct.scores, src_kv, words, test),
                       "wall_s": round(wall, 1)}}
    if args.rerank:
        out["re-ranked"] = rerank_with(direct, geo, (share_of_s, share_of_t), src_kv, tgt_kv, train, test)
    return out


def rerank_with(model1, scores, directions, src_kv, tgt_kv, train, test):
    """Section 1j's one-run setting (train dictionary, refinement, ``ortho,freq,parallel``) re-ranked,
    linear and trees, with the verses as union-of-sets Model 1, as ``scores``/``directions`` (an
    aligner's), and as the mean of the two: P@1 CSLS in %, OOV counted wrong."""
    from bootstrap.dictionaries import group_by_source
    from bootstrap.parallel import VerseAssociation
    from bootstrap.pipeline import (_csls_r_tgt, _queries_and_gold, _rerank_setup, _reranked_candidates, _unit_host,
                                    align_embeddings)

    def association(values, pair):
        return VerseAssociation(values.tocsr().astype(np.float32), model1.counts, model1.src_words, model1.tgt_words,
                                model1.n_verses, dict(model1.info), src_freq=model1.src_freq,
                                tgt_freq=model1.tgt_freq, directions=tuple(m.tocsr().astype(np.float32) for m in pair))

    variants = {"Model 1": model1, "aligner": association(scores, directions),
                "mean": association((model1.scores + scores) / 2,
                                    [(a + b) / 2 for a, b in zip(model1.directions, directions)])}
    res = align_embeddings(src_kv, tgt_kv, seed="dictionary", seed_dict=train, refine="instance", progress=False)
    src, tgt = res.src_mapped, res.tgt_mapped
    X, Z = _unit_host(src, True), _unit_host(tgt, True)
    r_tgt = _csls_r_tgt(X, Z, "csls", 10)
    groups = group_by_source(test)
    queries, gold, _, _ = _queries_and_gold(groups, src, tgt)
    out = {}
    for name, assoc in variants.items():
        for model in ("linear", "trees"):
            _, scorer = _rerank_setup(src, tgt, X, Z, ("freq", "ortho", "parallel"), None, train, method="csls",
                                      csls_k=10, beta=30.0, k=50, r_tgt=r_tgt, association=assoc, model=model)
            _, index = _reranked_candidates(src, tgt, X, Z, np.asarray(queries), scorer, method="csls", csls_k=10,
                                            beta=30.0, k=50, r_tgt=r_tgt, association=assoc)
            hits = sum(int(row[0]) in set(g) for row, g in zip(index, gold))
            out[f"{name}, {model}"] = round(100 * hits / len(groups), 1)
            print(f"{name}, {model}: {out[f'{name}, {model}']}", file=sys.stderr)
    return out


def either_p1(first, second, src_kv, tgt_words, test):
    """P@1 (%) of an oracle that takes whichever of two scorings is right (how much they differ)."""
    from bootstrap.dictionaries import group_by_source

    groups = group_by_source(test)
    hits = _hits(first, src_kv, tgt_words, groups) | _hits(second, src_kv, tgt_words, groups)
    return round(100 * len(hits) / len(groups), 1)


def probe_pivot(args, files, src_kv, tgt_kv, test, direct):
    from bootstrap.parallel import verse_association

    data, cache = Path(args.data), Path(args.cache)
    en_b, t_b = bible_files(files["en"]), bible_files(files[args.tgt])
    out, pivots = {}, []
    for pivot in args.pivots.split(","):
        words = [w for w, c in corpus_counts(corpus_files(data, pivot), cache, pivot) if c >= 3]
        p_b = bible_files(corpus_files(data, pivot))
        a = verse_association(en_b, p_b, src_kv.index_to_key, words, measure="ibm1")
        b = verse_association(p_b, t_b, words, tgt_kv.index_to_key, measure="ibm1")
        (p_given_s, s_given_p), (t_given_p, p_given_t) = a.directions, b.directions
        score = (p_given_s @ t_given_p).multiply(s_given_p @ p_given_t).sqrt()
        pivots.append(score)
        out[pivot] = {"alone": best_target_p1(score, src_kv, tgt_kv.index_to_key, test),
                      **{f"direct + {w:g} x pivot": best_target_p1(direct + w * score, src_kv, tgt_kv.index_to_key,
                                                                   test) for w in (0.5, 1.0)}}
    if len(pivots) > 1:
        mean = sum(pivots) / len(pivots)
        out["mean of pivots"] = {"alone": best_target_p1(mean, src_kv, tgt_kv.index_to_key, test),
                                 **{f"direct + {w:g} x pivot": best_target_p1(direct + w * mean, src_kv,
                                                                              tgt_kv.index_to_key, test)
                                    for w in (0.5, 1.0, 2.0)}}
    return out


def main(argv=None):
    parser = pair_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--probe", choices=["model1", "bwesg", "eflomal", "pivot"], required=True)
    parser.add_argument("--diagonal", default="0,4", help="model1: diagonal prior strengths (0: none)")
    parser.add_argument("--window", type=int, default=30, help="bwesg: skip-gram window")
    parser.add_argument("--pivots", default="fr,de", help="pivot: languages with Bibles in the data dir")
    parser.add_argument("--rerank", action="store_true",
                        help="eflomal: also re-rank section 1j's one-run setting with its links (linear and trees)")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    if args.src != "en":
        parser.error("the benchmark's split is English-centred: --src en")
    train, test, src_kv, tgt_kv, association = verse_setting(args.data, args.cache, "en", args.tgt)
    files = benchmark_split(Path(args.data), Path(args.cache), "en", args.tgt)[0]
    out = {"pair": f"en-{args.tgt}", "probe": args.probe,
           "union_of_sets_model1": verses_only(association, src_kv, test)["p@1"]}
    if args.probe == "model1":
        out["results"] = probe_model1(args, files, src_kv, tgt_kv, test)
    elif args.probe == "bwesg":
        out["results"] = probe_bwesg(args, files, src_kv, tgt_kv, test)
    elif args.probe == "eflomal":
        out["results"] = probe_eflomal(args, files, src_kv, tgt_kv, train, test, association)
    else:
        out["results"] = probe_pivot(args, files, src_kv, tgt_kv, test, association.scores)
    print(json.dumps(out, indent=2))
    if args.json:
        from bootstrap._atomic import write_json

        write_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
