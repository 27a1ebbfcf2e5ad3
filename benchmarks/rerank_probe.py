#!/usr/bin/env python
"""Probes of the learned re-ranker (``--rerank-model trees``) on one pair of the BLI benchmark.

    python benchmarks/rerank_probe.py --src en --tgt es --data ../shared/data --json benchmarks/out/en-es.probe.json

Uses section 1's cached vectors and split (run ``bli_bible.py`` for the pair first, or this trains
them), the Bibles' verses by IBM Model 1, and the train dictionary with the refinement of section
1e (section 1f's one-run setting), then prints, as P@1 CSLS in % on the test words (OOV counted
wrong):

* ``linear`` and ``trees``: the fitted weighted sum and the trees (fitted in sample, as
  ``evaluate --rerank-model trees`` does);
* ``crosswise``: the trees fitted instead on the train dictionary's two halves, each half's
  candidates taken from a map trained on the other half;
* ``without``: the trees refitted with one group of features left out;
* ``sizes``: the trees with other sizes and learning rates;
* ``form_oracle``: the linear list's P@1 if every wrong first choice whose gold word shares its
  first 4 letters (another inflection of the right word) were right.
"""
import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

#: Feature groups left out one at a time (the trees' feature names, bootstrap.ranker.pair_table).
ABLATIONS = {"word endings": ("tgt_end1", "tgt_end2", "src_end2", "src_end3"),
             "families": ("family_size", "family_best", "family_most_frequent", "family_parallel"),
             "Model 1's two directions": ("parallel_forward", "parallel_backward"),
             "shared and candidate verses, verse rank and gap": ("shared_verses", "target_verses", "parallel_rank",
                                                                 "parallel_gap"),
             "backward margin": ("back",),
             "frequency ranks, hubness, length, position, score gap": ("target_rank", "source_rank", "hub", "length",
                                                                       "position", "score_gap"),
             "cosine": ("cos",)}
#: Other tree sizes and learning rates (overrides of bootstrap.ranker.TREE_PARAMS).
SIZES = {"600 trees": {"max_iter": 600}, "31 leaves": {"max_leaf_nodes": 31},
         "600 trees, 31 leaves, rate 0.03, 20 per leaf": {"max_iter": 600, "max_leaf_nodes": 31,
                                                          "learning_rate": 0.03, "min_samples_leaf": 20},
         "rate 0.1": {"learning_rate": 0.1}}
GROUPS = ("freq", "ortho", "parallel")


def main(argv=None):
    import bli_bible as bb

    ap = bb.pair_arguments(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)

    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from alignment.rerank import gold_hits
    from bootstrap.dictionaries import group_by_source
    from bootstrap.pipeline import (_csls_r_tgt, _queries_and_gold, _rerank_setup, _reranked_candidates,
                                    _tree_candidates, _unit_host, align_embeddings)
    from bootstrap.ranker import SUFFIXES, TREE_PARAMS, TreeRanker

    train, test, S, T, assoc = bb.verse_setting(args.data, args.cache, args.src, args.tgt)
    n_test = len(group_by_source(test))

    def aligned(entries):
        res = align_embeddings(S, T, seed="dictionary", seed_dict=entries, refine="instance", progress=False)
        return res.src_mapped, res.tgt_mapped

    def pool(spaces, entries):
        src, tgt = spaces
        X, Z = _unit_host(src, True), _unit_host(tgt, True)
        queries, gold, _, _ = _queries_and_gold(group_by_source(entries), src, tgt)
        cands = _tree_candidates(X, Z, np.asarray(queries), method="csls", csls_k=10, beta=30.0, k=50,
                                 r_tgt=_csls_r_tgt(X, Z, "csls", 10), association=assoc)
        return cands, gold

    def p_at_1(index, gold):
        return round(100 * sum(int(row[0]) in set(g) for row, g in zip(index, gold)) / n_test, 2)

    full = aligned(train)
    train_c, train_g = pool(full, train)
    test_c, test_g = pool(full, test)
    out = {"pair": f"{args.src}-{args.tgt}", "n_test": n_test}

    # the shipped models, through the pipeline's own setup
    src, tgt = full
    X, Z = _unit_host(src, True), _unit_host(tgt, True)
    r_tgt = _csls_r_tgt(X, Z, "csls", 10)
    queries = test_c["queries"]
    for model in ("linear", "trees"):
        _, scorer = _rerank_setup(src, tgt, X, Z, GROUPS, None, train, method="csls", csls_k=10, beta=30.0, k=50,
                                  r_tgt=r_tgt, association=assoc, model=model)
        _, index = _reranked_candidates(src, tgt, X, Z, queries, scorer, method="csls", csls_k=10, beta=30.0,
                                        k=50, r_tgt=r_tgt, association=assoc)
        out[model] = p_at_1(index, test_g)
        if model == "linear":
            linear_index = index
    print(f"{out['pair']}: linear {out['linear']}  trees {out['trees']}", file=sys.stderr)

    # crosswise: each half's candidates from a map trained on the other half
    words = sorted({s for s, _ in train})
    random.Random(0).shuffle(words)
    halves = [set(words[0::2]), set(words[1::2])]
    parts = [pool(aligned([p for p in train if p[0] not in half]), [p for p in train if p[0] in half])
             for half in halves]
    cross_c = {key: np.concatenate([c[key] for c, _ in parts]) for key in parts[0][0]}
    cross = TreeRanker(groups=GROUPS).fit(cross_c, [g for _, gs in parts for g in gs], S.index_to_key, T.index_to_key,
                                          association=assoc)
    out["crosswise"] = p_at_1(cross.rerank(test_c, S.index_to_key, T.index_to_key, association=assoc)[1], test_g)
    print(f"crosswise {out['crosswise']}", file=sys.stderr)

    # refits on the in-sample table: groups left out, other sizes
    ranker = TreeRanker(groups=GROUPS).fit(train_c, train_g, S.index_to_key, T.index_to_key, association=assoc)
    names, blocks = ranker._tables(train_c, S.index_to_key, T.index_to_key, assoc, ranker.categories_)
    table, valid = np.concatenate([t for t, _ in blocks]), np.concatenate([v for _, v in blocks])
    labels = gold_hits(train_c["index"], train_g) & valid
    _, test_blocks = ranker._tables(test_c, S.index_to_key, T.index_to_key, assoc, ranker.categories_)
    test_table, test_valid = np.concatenate([t for t, _ in test_blocks]), np.concatenate([v for _, v in test_blocks])

    def refit(drop=(), **overrides):
        keep = [j for j, name in enumerate(names) if name not in drop]
        categorical = [keep.index(names.index(f"{side}_end{m}")) for side, m, _ in SUFFIXES
                       if f"{side}_end{m}" not in drop]
        model = HistGradientBoostingClassifier(**dict(TREE_PARAMS, **overrides),
                                               categorical_features=categorical or None,
                                               early_stopping=False, random_state=0)
        model.fit(table[valid][:, keep], labels[valid])
        scores = np.full(test_valid.shape, -np.inf)
        scores[test_valid] = model.predict_proba(test_table[test_valid][:, keep])[:, 1]
        order = np.argsort(-scores, axis=1, kind="stable")
        return p_at_1(np.take_along_axis(test_c["index"], order, axis=1), test_g)

    out["without"] = {"nothing": refit()}
    for label, drop in ABLATIONS.items():
        out["without"][label] = refit(drop)
        print(f"without {label}: {out['without'][label]}", file=sys.stderr)
    out["sizes"] = {label: refit(**overrides) for label, overrides in SIZES.items()}
    print(f"sizes {out['sizes']}", file=sys.stderr)

    # form oracle on the linear list
    gold_words = [[T.index_to_key[j] for j in g] for g in test_g]
    forms = sum(T.index_to_key[row[0]] not in g and any(w[:4] == T.index_to_key[row[0]][:4] for w in g)
                for row, g in zip(linear_index, gold_words))
    out["form_oracle"] = {"linear": out["linear"], "form_errors": round(100 * forms / n_test, 2),
                          "linear_with_forms_right": round(out["linear"] + 100 * forms / n_test, 2)}
    print(json.dumps(out, indent=1))
    if args.json:
        from bootstrap._atomic import write_json

        write_json(args.json, out, indent=1)


if __name__ == "__main__":
    main()
