#!/usr/bin/env python
"""Print the markdown tables of benchmarks/README.md from the JSON files the benchmarks wrote.

    python benchmarks/tables.py benchmarks/out
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _one_run_records(out):
    """The BLI records of one training run, unrefined, with Dice verses (ensembles, refinements and Model 1
    have their own tables), in file-name order."""
    for path in sorted(out.glob("en-*.json")):
        r = json.loads(path.read_text())
        if "modes" in r and _runs(r) <= 1 and not r.get("refine") and not _ibm1(r):
            yield r


def _bli_runs(out):
    """One record per pair: the modes of every ``en-*.json`` of that pair merged (a later file name wins),
    so that one mode can be rerun into ``en-XX.MODE.json`` without rerunning the others."""
    merged = {}
    for r in _one_run_records(out):
        if r.get("direction"):
            continue  # a direction set by hand has its own table (string_directions)
        if r["pair"] in merged:
            merged[r["pair"]]["modes"].update(r["modes"])
            if r.get("verses"):
                merged[r["pair"]]["verses"] = r["verses"]
        else:
            merged[r["pair"]] = r
    return [merged[p] for p in sorted(merged)]


def _ibm1(record):
    return record.get("verse_measure", "dice") == "ibm1"


def _trees(record):
    """A run re-ranked by the learned trees (the top-level key, or, in the first such file, its modes')."""
    return record.get("rerank_model", "linear") == "trees" or any(
        m.get("rerank_model") == "trees" for m in (record.get("modes") or {}).values())


def _runs(record):
    return (record.get("embeddings") or {}).get("runs", 1)


def ensembles(out):
    """Section 1d: embeddings as an ensemble of training seeds (``--runs N``) against one run."""
    single = {r["pair"]: r for r in _bli_runs(out)}
    rows = ["| pair | runs | baseline | supervised | + re-rank | + re-rank with verses | dictionary + verse seed "
            "| + re-rank with verses | supervised / baseline | best / baseline, re-ranked with verses |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for path in sorted(out.glob("en-*.json")):
        r = json.loads(path.read_text())
        if "modes" not in r or _runs(r) == 1 or r.get("refine") or _ibm1(r) or r["pair"] not in single:
            continue
        one, m = single[r["pair"]]["modes"], r["modes"]
        base = one["vecmap_supervised"]["p@1_csls"]

        def pair_cell(name, key):
            a = one.get(name, {}).get(key)
            b = m.get(name, {}).get(key)
            return f"{a:.1f} -> **{b:.1f}**" if a is not None and b is not None else "-"

        best = max(m[n]["p@1_csls_rerank_parallel"] for n in ("supervised", "supervised_parallel") if n in m)
        rows.append(f"| {r['pair']} | 1 -> {_runs(r)} | {base:.1f} | {pair_cell('supervised', 'p@1_csls')} "
                    f"| {pair_cell('supervised', 'p@1_csls_rerank')} "
                    f"| {pair_cell('supervised', 'p@1_csls_rerank_parallel')} "
                    f"| {pair_cell('supervised_parallel', 'p@1_csls')} "
                    f"| {pair_cell('supervised_parallel', 'p@1_csls_rerank_parallel')} "
                    f"| {m['supervised']['p@1_csls'] / base:.2f}x | {best / base:.2f}x |")
    return "\n".join(rows)


def _unrefined(out):
    """The unrefined records by (pair, runs): section 1's merged single runs and 1d's ensembles."""
    records = {(r["pair"], 1): r for r in _bli_runs(out)}
    for path in sorted(out.glob("en-*.json")):
        r = json.loads(path.read_text())
        if "modes" in r and _runs(r) > 1 and not r.get("refine") and not _ibm1(r):
            records[(r["pair"], _runs(r))] = r
    return records


def refined(out):
    """Section 1e: the instance-based refinement (``--refine instance``) against the same runs unrefined."""
    plain = _unrefined(out)
    sup = ["| pair | runs | baseline | supervised | + re-rank | + re-rank with verses | dictionary + verse seed "
           "| + re-rank with verses | supervised / baseline | best / baseline, re-ranked with verses |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    free = ["| pair | identical+numerals | + re-rank | cognates+numerals | + re-rank | verse seed "
            "| + re-rank with verses |", "|---|---:|---:|---:|---:|---:|---:|"]
    for path in sorted(out.glob("en-*.json")):
        r = json.loads(path.read_text())
        if "modes" not in r or not r.get("refine") or _ibm1(r) or (r["pair"], _runs(r)) not in plain:
            continue
        was, m = plain[(r["pair"], _runs(r))]["modes"], r["modes"]
        base = plain[(r["pair"], 1)]["modes"]["vecmap_supervised"]["p@1_csls"]

        def cell(name, key):
            a, b = was.get(name, {}).get(key), m.get(name, {}).get(key)
            return f"{a:.1f} -> **{b:.1f}**" if a is not None and b is not None else "-"

        if "supervised" in m:
            best = max(m[n]["p@1_csls_rerank_parallel"] for n in ("supervised", "supervised_parallel") if n in m)
            sup.append(f"| {r['pair']} | {_runs(r)} | {base:.1f} | {cell('supervised', 'p@1_csls')} "
                       f"| {cell('supervised', 'p@1_csls_rerank')} | {cell('supervised', 'p@1_csls_rerank_parallel')} "
                       f"| {cell('supervised_parallel', 'p@1_csls')} "
                       f"| {cell('supervised_parallel', 'p@1_csls_rerank_parallel')} "
                       f"| {m['supervised']['p@1_csls'] / base:.2f}x | {best / base:.2f}x |")
        if "identical" in m or "cognates" in m or "parallel" in m:
            free.append(f"| {r['pair']} | {cell('identical', 'p@1_csls')} | {cell('identical', 'p@1_csls_rerank')} "
                        f"| {cell('cognates', 'p@1_csls')} | {cell('cognates', 'p@1_csls_rerank')} "
                        f"| {cell('parallel', 'p@1_csls')} | {cell('parallel', 'p@1_csls_rerank_parallel')} |")
    return "\n".join(sup) + "\n\n" + "\n".join(free)


def model1(out):
    """Section 1f: the Bibles' verses associated by IBM Model 1 instead of Dice, refined runs of both."""
    dice = {}
    for path in sorted(out.glob("en-*.json")):
        r = json.loads(path.read_text())
        if "modes" in r and r.get("refine") and not _ibm1(r) and "supervised" in r["modes"]:
            dice[(r["pair"], _runs(r))] = r
    base = {r["pair"]: r["modes"]["vecmap_supervised"]["p@1_csls"] for r in _bli_runs(out)
            if "vecmap_supervised" in r["modes"]}
    rows = ["| pair | runs | baseline | verses alone | supervised, re-ranked with verses | dictionary + verse seed "
            "| + re-rank with verses | best / baseline |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for path in sorted(out.glob("en-*.json")):
        r = json.loads(path.read_text())
        key = (r.get("pair"), _runs(r))
        if "modes" not in r or not _ibm1(r) or _trees(r) or key not in dice:
            continue
        was = dice[key]

        def cell(a, b):
            return f"{a:.1f} -> **{b:.1f}**" if a is not None and b is not None else "-"

        def mode(rec, name, k):
            return rec["modes"].get(name, {}).get(k)

        alone = cell((was.get("verses") or {}).get("verses_only", {}).get("p@1"),
                     (r.get("verses") or {}).get("verses_only", {}).get("p@1"))
        best = max(v for v in (mode(r, "supervised", "p@1_csls_rerank_parallel"),
                               mode(r, "supervised_parallel", "p@1_csls_rerank_parallel")) if v is not None)
        reranked = cell(mode(was, "supervised", "p@1_csls_rerank_parallel"),
                        mode(r, "supervised", "p@1_csls_rerank_parallel"))
        seeded = cell(mode(was, "supervised_parallel", "p@1_csls"), mode(r, "supervised_parallel", "p@1_csls"))
        seeded_reranked = cell(mode(was, "supervised_parallel", "p@1_csls_rerank_parallel"),
                               mode(r, "supervised_parallel", "p@1_csls_rerank_parallel"))
        rows.append(f"| {r['pair']} | {_runs(r)} | {base[r['pair']]:.1f} | {alone} "
                    f"| {reranked} | {seeded} | {seeded_reranked} "
                    f"| {best / base[r['pair']]:.2f}x |")
    return "\n".join(rows)


def trees(out):
    """Section 1j: the learned re-ranker (``--rerank-model trees``) against the linear one, on the refined
    spaces of section 1f (Model 1 verses), one run or an ensemble of three."""
    linear = {}
    for path in sorted(out.glob("en-*.json")):
        r = json.loads(path.read_text())
        if "modes" in r and r.get("refine") and _ibm1(r) and not _trees(r):
            linear[(r["pair"], _runs(r))] = r
    base = {r["pair"]: r["modes"]["vecmap_supervised"]["p@1_csls"] for r in _bli_runs(out)
            if "vecmap_supervised" in r["modes"]}
    rows = ["| pair | runs | baseline | supervised, plain CSLS | re-ranked (ortho, freq) | re-ranked with verses "
            "| dictionary + verse seed, re-ranked with verses | best / baseline | 2x the baseline |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for path in sorted(out.glob("en-*.json")):
        r = json.loads(path.read_text())
        key = (r.get("pair"), _runs(r))
        if "modes" not in r or not _trees(r) or key not in linear:
            continue
        was = linear[key]

        def cell(name, k):
            a, b = (rec["modes"].get(name, {}).get(k) for rec in (was, r))
            return f"{a:.1f} -> **{b:.1f}**" if a is not None and b is not None else "-"

        values = [v for v in (r["modes"].get(n, {}).get("p@1_csls_rerank_parallel")
                              for n in ("supervised", "supervised_parallel")) if v is not None]
        b = base.get(r["pair"])
        ratio = f"{max(values) / b:.2f}x" if values and b else "-"
        plain = r["modes"].get("supervised", {}).get("p@1_csls")
        rows.append(f"| {r['pair']} | {_runs(r)} | {'-' if b is None else f'{b:.1f}'} "
                    f"| {'-' if plain is None else f'{plain:.1f}'} "
                    f"| {cell('supervised', 'p@1_csls_rerank')} | {cell('supervised', 'p@1_csls_rerank_parallel')} "
                    f"| {cell('supervised_parallel', 'p@1_csls_rerank_parallel')} | {ratio} "
                    f"| {'-' if b is None else f'{2 * b:.1f}'} |")
    return "\n".join(rows)


def bli(out):
    rows = ["| pair | test words | VecMap --supervised recipe, skip-gram (baseline) | supervised | + re-rank "
            "| supervised + cognates | + re-rank "
            "| identical+numerals | + re-rank | cognates+numerals | + re-rank | unsupervised "
            "| supervised / baseline (re-ranked) | best supervised / baseline (re-ranked) "
            "| best seedless / baseline (re-ranked) "
            "| iterations sup/id/cog/unsup | align wall s sup/id/cog/unsup |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    names = ("supervised", "identical", "cognates", "unsupervised")
    for r in _bli_runs(out):
        m = r["modes"]

        def cell(name):
            return f"{m[name]['p@1_csls']:.1f} ({m[name]['p@1_nn']:.1f})" if name in m else "-"

        def rerank(name):
            value = m.get(name, {}).get("p@1_csls_rerank")
            return "-" if value is None else f"{value:.1f}"

        base = m.get("vecmap_supervised", {}).get("p@1_csls")

        def ratio(*candidates):
            got = [n for n in candidates if n in m]
            if not base or not got:
                return "-"
            plain = max(m[n]["p@1_csls"] for n in got)
            rr = [m[n]["p@1_csls_rerank"] for n in got if m[n].get("p@1_csls_rerank") is not None]
            extra = f" ({max(rr) / base:.2f}x)" if rr else ""
            return f"{plain / base:.2f}x{extra}"

        iters = "/".join(str(m[n]["n_iter"]) if n in m else "-" for n in names)
        wall = "/".join(f"{m[n]['wall_s']:.0f}" if n in m else "-" for n in names)
        rows.append(f"| {r['pair']} | {r['n_test']} | {cell('vecmap_supervised')} | {cell('supervised')} "
                    f"| {rerank('supervised')} | {cell('supervised_cognates')} | {rerank('supervised_cognates')} "
                    f"| {cell('identical')} | {rerank('identical')} | {cell('cognates')} "
                    f"| {rerank('cognates')} | {cell('unsupervised')} | {ratio('supervised')} "
                    f"| {ratio('supervised', 'supervised_cognates')} "
                    f"| {ratio('identical', 'cognates')} | {iters} | {wall} |")
    return "\n".join(rows)


def verses(out):
    """Section 1c: the Bibles' verse alignment as a seed and as a re-ranking feature."""
    rows = ["| pair | shared verses | baseline | supervised | + re-rank | + re-rank with verses "
            "| verse seed, no dictionary | + re-rank | + re-rank with verses "
            "| dictionary + verse seed | + re-rank | + re-rank with verses | verses alone (best Dice) "
            "| best / baseline, plain CSLS | best / baseline, re-ranked with verses |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in _bli_runs(out):
        v, m = r.get("verses"), r["modes"]
        if not v or "parallel" not in m:
            continue
        base = m["vecmap_supervised"]["p@1_csls"]

        def cells(name):
            if name not in m:
                return "- | - | -"
            x = m[name]
            return f"{x['p@1_csls']:.1f} | {x['p@1_csls_rerank']:.1f} | {x['p@1_csls_rerank_parallel']:.1f}"

        names = [n for n in ("supervised", "parallel", "supervised_parallel") if n in m]
        plain = max(m[n]["p@1_csls"] for n in names)
        best = max(m[n]["p@1_csls_rerank_parallel"] for n in names)
        rows.append(f"| {r['pair']} | {v['n_verses']} | {base:.1f} | {cells('supervised')} | {cells('parallel')} "
                    f"| {cells('supervised_parallel')} | {v['verses_only']['p@1']:.1f} "
                    f"| {plain / base:.2f}x | {best / base:.2f}x |")
    return "\n".join(rows)


def unsupervised_bible(out):
    """Section 1i: the unsupervised mode seeded through the Bibles' own spaces (``align --unsupervised --via``),
    whole words and (``--via-prefix-len 5``) tokens cut to 5 characters."""
    rows = ["| pair | baseline | unsupervised | identical+numerals | via Bibles, whole words | + re-rank "
            "| via Bibles, 5-character prefixes | + re-rank | best / baseline "
            "| objectives (words; prefixes): best, the rest | seed pairs (words; prefixes) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    names = ("unsupervised_bible", "unsupervised_bible_prefix5")
    for r in _bli_runs(out):
        m = r["modes"]
        if not any(n in m for n in names):
            continue
        base = m.get("vecmap_supervised", {}).get("p@1_csls")

        def cell(name, key="p@1_csls"):
            value = m.get(name, {}).get(key)
            return "-" if value is None else f"{value:.1f}"

        def objectives(name):
            if name not in m:
                return "-"
            via = m[name]["via"]
            obj = via["aux_objectives"]
            rest = sorted(o for i, o in enumerate(obj) if i != via["aux_best_restart"])
            return f"{obj[via['aux_best_restart']]:.3f}, " + (f"{rest[0]:.3f}-{rest[-1]:.3f}" if rest else "-")

        got = [m[n]["p@1_csls"] for n in names if n in m]
        ratio = f"{max(got) / base:.2f}x" if base and got else "-"
        seeds = "; ".join(str(m[n]["via"]["n_seed_pairs"]) if n in m else "-" for n in names)
        rows.append(f"| {r['pair']} | {'-' if base is None else f'{base:.1f}'} | {cell('unsupervised')} "
                    f"| {cell('identical')} | {cell(names[0])} | {cell(names[0], 'p@1_csls_rerank')} "
                    f"| {cell(names[1])} | {cell(names[1], 'p@1_csls_rerank')} | {ratio} "
                    f"| {objectives(names[0])}; {objectives(names[1])} | {seeds} |")
    return "\n".join(rows)


def string_directions(out):
    """Section 1r: the seeds of strings alone (identical+numerals, cognates+numerals) with mutual and with
    union induction, from runs that recorded each mode's direction."""
    cells = {}
    for r in _one_run_records(out):
        for name in ("identical", "cognates"):
            mode = r["modes"].get(name)
            if mode and mode.get("direction") and not mode.get("random_state"):
                rerank = mode.get("p@1_csls_rerank")
                cells[(r["pair"], name, mode["direction"])] = (
                    f"{mode['p@1_csls']:.1f}" + ("" if rerank is None else f" ({rerank:.1f})"))
    rows = ["| pair | seed | mutual (intersection) | union (the default since session 23) |", "|---|---|---:|---:|"]
    for pair, name in sorted({(p, n) for p, n, _ in cells}, key=lambda k: (k[1], k[0])):
        rows.append(f"| {pair} | {name}+numerals | {cells.get((pair, name, 'intersection'), '-')} "
                    f"| {cells.get((pair, name, 'union'), '-')} |")
    return "\n".join(rows) if len(rows) > 2 else ""


def shared_check(out):
    """Section 1o: align's dictionary-free check (shared strings that translate to themselves) beside each
    mode's P@1, for the runs that recorded it."""
    from offramp.bootstrap.check import check_verdict  # the verdict at the current thresholds, whatever the run's were

    rows = ["| pair | mode | P@1 CSLS | shared strings checked | self@1 % | self@10 % | verdict |",
            "|---|---|---:|---:|---:|---:|---|"]
    for r in _bli_runs(out):
        for name, mode in r["modes"].items():
            check = mode.get("check")
            if not check:
                continue
            pct = ["-" if check[k] is None else f"{check[k]:.1f}" for k in ("self@1", "self@10")]
            rows.append(f"| {r['pair']} | {name} | {mode['p@1_csls']:.1f} | {check['n_checked']} | {pct[0]} "
                        f"| {pct[1]} | {check_verdict(check['n_checked'], check['self@1'])} |")
    return "\n".join(rows) if len(rows) > 2 else ""


def transfer(out):
    rows = ["| target | Bible | alignment | no transfer | random | copy shared only | offramp | offramp / no transfer "
            "| tokens/word source -> new | 3+ pieces source -> new |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for path in sorted(out.glob("transfer-*.json")):
        r = json.loads(path.read_text())
        res = r["results"]
        f = r["fertility"]
        share = r.get("share_3plus", {})
        ratio = res["offramp"]["p@1"] / res["no_transfer"]["p@1"] if res["no_transfer"]["p@1"] else float("inf")
        s3 = (f"{100 * share['source_tokenizer']:.1f}% -> {100 * share['new_tokenizer']:.1f}%"
              if share else "-")
        rows.append(f"| {r['tgt']} | {r['target_bible']} | {r['options']['preset']} "
                    f"| {res['no_transfer']['p@1']:.1f} | {res['random']['p@1']:.1f} "
                    f"| {res['copy_only']['p@1']:.1f} | **{res['offramp']['p@1']:.1f}** | {ratio:.1f}x "
                    f"| {f['source_tokenizer']:.2f} -> {f['new_tokenizer']:.2f} | {s3} |")
    return "\n".join(rows)


def pivot(out):
    """benchmarks/pivot_seed.py: P@1 (CSLS, OOV counted wrong) of each seed, and seed pairs in vocabulary."""
    records = [json.loads(p.read_text()) for p in sorted(out.glob("en-*.pivot*.json"))]
    if not records:
        return ""
    rows = ["| pair | pivot-target from | direct (MUSE train) | identical+numerals | direct FreeDict | via each pivot "
            "| all pivots |", "|---|---|---:|---:|---:|---|---:|"]
    for r in records:
        res = r["rows"]

        def cell(name):
            return f"{res[name]['p@1']:.1f} ({res[name]['seed_pairs']})" if name in res else "-"

        each = ", ".join(f"{p} {cell('via ' + p)}" for p in r["pivots"])
        rows.append(f"| {r['pair']} | {r.get('second', 'muse')} | {cell('direct')} | {cell('identical+numerals')} "
                    f"| {cell('direct FreeDict')} | {each} | {cell('all pivots')} |")
    return "\n".join(rows)


def quantity(out):
    """benchmarks/data_quantity.py: P@1 (CSLS, OOV counted wrong) by target-corpus size."""
    tables = []
    for path in sorted(out.glob("en-*.quantity*.json")):
        r = json.loads(path.read_text())
        names = list(dict.fromkeys(name for row in r["rows"] for name in row["runs"]))
        rows = [f"| {r['pair']}: target tokens | words | coverage % | " + " | ".join(names) + " | offramp / baseline |",
                "|---:|---:|---:|" + "---:|" * (len(names) + 1)]
        for row in r["rows"]:
            runs = row["runs"]
            first = runs[names[0]]
            cells = " | ".join(f"{runs[n]['p@1']:.1f}" if n in runs else "-" for n in names)
            base = runs.get("baseline", {}).get("p@1")
            ratio = f"{first['p@1'] / base:.1f}x" if base else "-"
            rows.append(f"| {row['tokens']:,} | {first['tgt_words']:,} | {first['coverage']:.1f} | {cells} | {ratio} |")
        tables.append("\n".join(rows))
    return "\n\n".join(tables)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(Path(__file__).parent / "out"),
                        help="directory of the benchmarks' JSON files (default: benchmarks/out)")
    out = Path(parser.parse_args(argv).out)
    if not out.is_dir():
        parser.error(f"{out} is not a directory")
    tables = [bli, verses, ensembles, refined, model1, trees, unsupervised_bible, shared_check, string_directions,
              pivot, quantity, transfer]
    print("\n\n".join(text for text in (table(out) for table in tables) if text))


if __name__ == "__main__":
    main()
