#!/usr/bin/env python
"""The results tables, generated from the benchmarks' JSON records; never typed by hand.

    python benchmarks/tables.py                # the headline table that README.md embeds
    python benchmarks/tables.py --page         # the whole results page (docs/results.md) on stdout
    python benchmarks/tables.py --write        # write docs/results.md and the generated blocks of
                                               # README.md and benchmarks/README.md
    python benchmarks/tables.py --studies benchmarks/out   # every study table the records allow

Records are read from ``benchmarks/results/`` (tracked: one JSON file per benchmark run that a table
shows, with the ``command`` that makes it) and then from ``benchmarks/out/`` (where the scripts write,
not tracked) when present. A record in ``out/`` replaces the one of the same file name in ``results/``,
and where a table merges the records of one pair mode by mode, ``out/`` wins over ``results/`` and,
within a folder, a later file name wins, so that one mode can be rerun into ``en-XX.MODE.json``
without rerunning the others.
"""
import argparse
import fnmatch
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

#: Where the records are read from, in order: a later folder's record replaces an earlier one's.
SOURCES = (HERE / "results", HERE / "out")
PAGE = ROOT / "docs" / "results.md"
MARKERS = ("<!-- results:start -->", "<!-- results:end -->")
TABLE_MARKERS = ("<!-- tables:start -->", "<!-- tables:end -->")
EXPERIMENTS_PAGE = ROOT / "docs" / "experiments.md"
EXPERIMENT_MARKERS = ("<!-- experiments:start -->", "<!-- experiments:end -->")
TRANSFER_PAGE = ROOT / "docs" / "transfer.md"
TRANSFER_MARKERS = ("<!-- transfer:start -->", "<!-- transfer:end -->")
SCALE_PAGE = ROOT / "docs" / "scale.md"
SCALE_MARKERS = ("<!-- scale:start -->", "<!-- scale:end -->")
WIKIPEDIA_PAGE = ROOT / "docs" / "data.md"
WIKIPEDIA_MARKERS = ("<!-- wikipedia:start -->", "<!-- wikipedia:end -->")


def load_records(sources=SOURCES):
    """The JSON records of these folders as dicts with their file name under ``_file``.

    A later folder's file replaces an earlier folder's file of the same name. The records come folder
    by folder, each folder's in file-name order, so that where the tables let a later record win (one
    mode of a pair rerun into its own file), a record of a later folder wins over an earlier folder's.
    Folders that do not exist are skipped.
    """
    found = {}
    for rank, folder in enumerate(map(Path, sources)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(record, dict):
                found[path.name] = (rank, {**record, "_file": path.name, "_dir": str(folder)})
    return [record for _, record in sorted(found.values(), key=lambda item: (item[0], item[1]["_file"]))]


def _records(source, pattern):
    """The records of ``source`` (a folder, or records from :func:`load_records`) whose file name
    matches ``pattern``."""
    records = load_records([source]) if isinstance(source, (str, Path)) else source
    return [r for r in records if fnmatch.fnmatch(r["_file"], pattern)]


def _one_run_records(out):
    """The BLI records of one training run, unrefined, with Dice verses (ensembles, refinements and Model 1
    have their own tables), in file-name order."""
    for r in _records(out, "en-*.json"):
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
    """Embeddings as an ensemble of training seeds (``--runs N``) against one run."""
    single = {r["pair"]: r for r in _bli_runs(out)}
    rows = ["| pair | runs | baseline | supervised | + re-rank | + re-rank with verses | dictionary + verse seed "
            "| + re-rank with verses | supervised / baseline | best / baseline, re-ranked with verses |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in _records(out, "en-*.json"):
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
    """The unrefined records by (pair, runs): the merged single runs and the ensembles."""
    records = {(r["pair"], 1): r for r in _bli_runs(out)}
    for r in _records(out, "en-*.json"):
        if "modes" in r and _runs(r) > 1 and not r.get("refine") and not _ibm1(r):
            records[(r["pair"], _runs(r))] = r
    return records


def refined(out):
    """The instance-based refinement (``--refine instance``) against the same runs unrefined."""
    plain = _unrefined(out)
    sup = ["| pair | runs | baseline | supervised | + re-rank | + re-rank with verses | dictionary + verse seed "
           "| + re-rank with verses | supervised / baseline | best / baseline, re-ranked with verses |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    free = ["| pair | identical+numerals | + re-rank | cognates+numerals | + re-rank | verse seed "
            "| + re-rank with verses |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in _records(out, "en-*.json"):
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
    """The Bibles' verses associated by IBM Model 1 instead of Dice, refined runs of both."""
    dice = {}
    for r in _records(out, "en-*.json"):
        if "modes" in r and r.get("refine") and not _ibm1(r) and "supervised" in r["modes"]:
            dice[(r["pair"], _runs(r))] = r
    base = {r["pair"]: r["modes"]["vecmap_supervised"]["p@1_csls"] for r in _bli_runs(out)
            if "vecmap_supervised" in r["modes"]}
    rows = ["| pair | runs | baseline | verses alone | supervised, re-ranked with verses | dictionary + verse seed "
            "| + re-rank with verses | best / baseline |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in _records(out, "en-*.json"):
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
    """The learned re-ranker (``--rerank-model trees``) against the linear one, on refined spaces with
    the verses associated by Model 1, one run or an ensemble of three."""
    linear = {}
    for r in _records(out, "en-*.json"):
        if "modes" in r and r.get("refine") and _ibm1(r) and not _trees(r):
            linear[(r["pair"], _runs(r))] = r
    base = {r["pair"]: r["modes"]["vecmap_supervised"]["p@1_csls"] for r in _bli_runs(out)
            if "vecmap_supervised" in r["modes"]}
    rows = ["| pair | runs | baseline | supervised, plain CSLS | re-ranked (ortho, freq) | re-ranked with verses "
            "| dictionary + verse seed, re-ranked with verses | best / baseline | 2x the baseline |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in _records(out, "en-*.json"):
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
            if name not in m:
                return "-"
            nn = m[name].get("p@1_nn")
            return f"{m[name]['p@1_csls']:.1f}" + ("" if nn is None else f" ({nn:.1f})")

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

        iters = "/".join(str(m[n]["n_iter"]) if m.get(n, {}).get("n_iter") is not None else "-" for n in names)
        wall = "/".join(f"{m[n]['wall_s']:.0f}" if m.get(n, {}).get("wall_s") is not None else "-" for n in names)
        rows.append(f"| {r['pair']} | {r['n_test']} | {cell('vecmap_supervised')} | {cell('supervised')} "
                    f"| {rerank('supervised')} | {cell('supervised_cognates')} | {rerank('supervised_cognates')} "
                    f"| {cell('identical')} | {rerank('identical')} | {cell('cognates')} "
                    f"| {rerank('cognates')} | {cell('unsupervised')} | {ratio('supervised')} "
                    f"| {ratio('supervised', 'supervised_cognates')} "
                    f"| {ratio('identical', 'cognates')} | {iters} | {wall} |")
    return "\n".join(rows)


def verses(out):
    """The Bibles' verse alignment as a seed and as a re-ranking feature."""
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
    """The unsupervised mode seeded through the Bibles' own spaces (``align --unsupervised --via``),
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
            if "via" not in m.get(name, {}):
                return "-"
            via = m[name]["via"]
            obj = via["aux_objectives"]
            rest = sorted(o for i, o in enumerate(obj) if i != via["aux_best_restart"])
            return f"{obj[via['aux_best_restart']]:.3f}, " + (f"{rest[0]:.3f}-{rest[-1]:.3f}" if rest else "-")

        got = [m[n]["p@1_csls"] for n in names if n in m]
        ratio = f"{max(got) / base:.2f}x" if base and got else "-"
        seeds = "; ".join(str(m[n]["via"]["n_seed_pairs"]) if "via" in m.get(n, {}) else "-" for n in names)
        rows.append(f"| {r['pair']} | {'-' if base is None else f'{base:.1f}'} | {cell('unsupervised')} "
                    f"| {cell('identical')} | {cell(names[0])} | {cell(names[0], 'p@1_csls_rerank')} "
                    f"| {cell(names[1])} | {cell(names[1], 'p@1_csls_rerank')} | {ratio} "
                    f"| {objectives(names[0])}; {objectives(names[1])} | {seeds} |")
    return "\n".join(rows)


def string_directions(out):
    """The seeds of strings alone (identical+numerals, cognates+numerals) with mutual and with
    union induction, from runs that recorded each mode's direction."""
    cells = {}
    for r in _one_run_records(out):
        for name in ("identical", "cognates"):
            mode = r["modes"].get(name)
            if mode and mode.get("direction") and not mode.get("random_state"):
                rerank = mode.get("p@1_csls_rerank")
                cells[(r["pair"], name, mode["direction"])] = (
                    f"{mode['p@1_csls']:.1f}" + ("" if rerank is None else f" ({rerank:.1f})"))
    rows = ["| pair | seed | mutual (intersection) | union (the default) |", "|---|---|---:|---:|"]
    for pair, name in sorted({(p, n) for p, n, _ in cells}, key=lambda k: (k[1], k[0])):
        rows.append(f"| {pair} | {name}+numerals | {cells.get((pair, name, 'intersection'), '-')} "
                    f"| {cells.get((pair, name, 'union'), '-')} |")
    return "\n".join(rows) if len(rows) > 2 else ""


def shared_check(out):
    """align's dictionary-free check (shared strings that translate to themselves) beside each
    mode's P@1, for the runs that recorded it."""
    from offramp.bootstrap.check import check_verdict  # the verdict at the current thresholds, whatever the run's were

    rows = ["| pair | mode | P@1 CSLS | shared strings checked | self@1 % | self@10 % | verdict |",
            "|---|---|---:|---:|---:|---:|---|"]
    for r in _bli_runs(out):
        for name, mode in r["modes"].items():
            check = mode.get("check")
            if not check:
                continue
            pct = ["-" if check.get(k) is None else f"{check[k]:.1f}" for k in ("self@1", "self@10")]
            n = check.get("n_checked")
            verdict = check.get("verdict") if n is None else check_verdict(n, check["self@1"])
            rows.append(f"| {r['pair']} | {name} | {mode['p@1_csls']:.1f} | {'-' if n is None else n} | {pct[0]} "
                        f"| {pct[1]} | {verdict} |")
    return "\n".join(rows) if len(rows) > 2 else ""


def _tokenizer(options):
    extend = options.get("extend")
    return f"source's + {extend:,} target words" if extend else f"new, {options.get('vocab_size', 16000):,} tokens"


def _alignment(options, record=None):
    from offramp.bootstrap.llm.transfer import TEMPERATURE

    done = (record or {}).get("alignment")
    t = options.get("temperature", TEMPERATURE)
    mix = "" if t == TEMPERATURE else f"; t {t:g}"
    if done:  # what align ran: the seed --seed auto chose and the refinement --refine auto resolved to
        return f"{options['preset']}, seed {done['seed']}, refine {done['refine'] or 'none'}{mix}"
    refine = options.get("refine", "none")
    return options["preset"] + ("" if refine in (None, "none") else f", refine {refine}") + mix


def _transfer_setting(record):
    """(one Bible only, no dictionary) of a transfer run with the script's defaults, else None."""
    o = record.get("options", {})
    from offramp.bootstrap.llm.transfer import TEMPERATURE

    if o.get("extend") or o.get("refine") != "auto" or o.get("purpose") != "transfer" or o.get("preset") != "offramp" \
            or o.get("vocab_size", 16000) != 16000 or o.get("align_seed", "auto") != "auto" \
            or o.get("temperature") != TEMPERATURE or o.get("k", 10) != 10:
        return None
    return bool(o.get("bible_only")), bool(o.get("no_dictionary"))


def transfer_settings(out):
    """Verse retrieval P@1 with all text or one Bible, with the dictionary or none (``transfer_bible.py``'s
    defaults), one row per target language."""
    runs = {}
    for r in _records(out, "transfer-*.json"):
        setting = _transfer_setting(r)
        if setting is not None:
            runs.setdefault(r["tgt"], {})[setting] = r
    if not runs:
        return ""
    rows = ["| target | no transfer | all text, dictionary | all text, none | one Bible, dictionary | one Bible, none "
            "| one Bible: none / dictionary | one Bible, none / no transfer | one Bible (words) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def p1(r):
        return None if r is None else r["results"]["offramp"]["p@1"]

    for tgt in sorted(runs):
        by = runs[tgt]
        cells = [p1(by.get(k)) for k in ((False, False), (False, True), (True, False), (True, True))]
        base = next((r["results"]["no_transfer"]["p@1"] for r in by.values()), None)
        none_dict = f"{100 * cells[3] / cells[2]:.0f}%" if cells[2] and cells[3] is not None else "-"
        none_base = f"{cells[3] / base:.1f}x" if base and cells[3] is not None else "-"
        words = (by.get((True, True)) or by.get((True, False)) or {}).get("corpus_tokens")
        rows.append(f"| {tgt} | {_fmt(base)} | " + " | ".join(_fmt(c) for c in cells)
                    + f" | {none_dict} | {none_base} | {'-' if words is None else f'{words / 1e6:.2f}M'} |")
    return "\n".join(rows)


def _transfer_records(out):
    """The transfer records by target language, the script's default tokenizer first."""
    return sorted(_records(out, "transfer-*.json"), key=lambda r: (r["tgt"], bool(r["options"].get("extend"))))


def transfer(out):
    """Verse retrieval with MiniLM moved to a new language (``transfer_bible.py``), one row per run."""
    rows = ["| target | Bible | tokenizer | alignment | no transfer | random | copy shared only | offramp "
            "| offramp / no transfer | tokens/word source -> new | 3+ pieces source -> new |",
            "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in _transfer_records(out):
        res = r["results"]
        f = r["fertility"]
        share = r.get("share_3plus", {})
        ratio = res["offramp"]["p@1"] / res["no_transfer"]["p@1"] if res["no_transfer"]["p@1"] else float("inf")
        s3 = (f"{100 * share['source_tokenizer']:.1f}% -> {100 * share['new_tokenizer']:.1f}%"
              if share else "-")
        bible = r["target_bible"] + (" (its only text)" if r["options"].get("bible_only") else "")
        rows.append(f"| {r['tgt']} | {bible} | {_tokenizer(r['options'])} "
                    f"| {_alignment(r['options'], r)} "
                    f"| {res['no_transfer']['p@1']:.1f} | {res['random']['p@1']:.1f} "
                    f"| {res['copy_only']['p@1']:.1f} | **{res['offramp']['p@1']:.1f}** | {ratio:.1f}x "
                    f"| {f['source_tokenizer']:.2f} -> {f['new_tokenizer']:.2f} | {s3} |")
    return "\n".join(rows)


def peers(out):
    """Verse retrieval with the published initialisers beside offramp's (``transfer_bible.py --peers``)."""
    rows = ["| target | no transfer | random | copy-only | WECHSEL | FOCUS | offramp | offramp - best peer "
            "| tokens/word source -> new |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(_records(out, "peers-*.json"), key=lambda r: r["tgt"]):
        res, f = r["results"], r["fertility"]
        p = {name: (res.get(name) or {}).get("p@1") for name in
             ("no_transfer", "random", "copy_only", "wechsel", "focus", "offramp")}
        best = max((v for k, v in p.items() if k in ("wechsel", "focus") and v is not None), default=None)
        gap = "-" if best is None else f"{p['offramp'] - best:+.1f}"
        cells = " | ".join(_fmt(p[k]) for k in ("no_transfer", "random", "copy_only", "wechsel", "focus"))
        rows.append(f"| {r['tgt']} | {cells} | **{_fmt(p['offramp'])}** | {gap} "
                    f"| {f['source_tokenizer']:.2f} -> {f['new_tokenizer']:.2f} |")
    return "\n".join(rows) if len(rows) > 2 else ""


def continued(out):
    """Continued masked-LM pretraining from each initialisation (``continued_training.py``): held-out loss at
    the first, a middle and the last checkpoint, retrieval before and after, random's steps to match."""
    rows = []
    for r in sorted(_records(out, "continued-*.json"), key=lambda r: r["tgt"]):
        steps = r["steps"]
        marks = sorted({0, len(steps) // 2, len(steps) - 1})
        if not rows:
            heads = " | ".join(f"loss at step {steps[i]}" for i in marks)
            rows = [f"| target | initialisation | loss at start | {heads}"
                    + " | P@1 start -> end | random's steps to this loss at step " + f"{steps[0]} / {steps[-1]} |",
                    "|---|---|---:|" + "---:|" * len(marks) + "---:|---:|"]
        match = r.get("steps_to_match", {})
        for name, loss in r["loss"].items():
            need = match.get(name)
            cell = "-" if name == "random" or need is None else " / ".join(
                "not reached" if x is None else f"{x:.0f}" for x in (need[0], need[-1]))
            label = f"**{name}**" if name == "offramp" else name.replace("_", "-")
            rows.append(f"| {r['tgt']} | {label} | {r['loss_start'][name]:.3f} | "
                        + " | ".join(f"{loss[i]:.3f}" for i in marks)
                        + f" | {r['p@1_start'][name]:.1f} -> {r['p@1_end'][name]:.1f} | {cell} |")
    return "\n".join(rows)


def many(out):
    """Verse retrieval with one model for several languages against each language's own (``transfer_many.py``)."""
    rows = []
    for r in _records(out, "many-*.json"):
        if not rows:
            rows = ["| target | no transfer | own model (+{:,} tokens) | shared model (+{:,}) | shared / own |".format(
                r["extend_each"], r["extend_shared"]), "|---|---:|---:|---:|---:|"]
        for lang in r["tgts"]:
            res = r["results"][lang]
            ratio = f"{100 * res['shared'] / res['own']:.0f}%" if res["own"] else "-"
            rows.append(f"| {lang} | {res['no_transfer']:.1f} | {res['own']:.1f} | **{res['shared']:.1f}** | {ratio} |")
        c = r["english_ceiling"]
        rows.append(f"| English ceiling ({c['bible'].split('.')[1]} -> KJV) | - | {c['original']:.1f} (original) "
                    f"| **{c['shared']:.1f}** | {c['shared'] - c['original']:+.1f} points |")
    return "\n".join(rows)


def pivot(out):
    """benchmarks/studies/pivot_seed.py: P@1 (CSLS, OOV counted wrong) of each seed, and seed pairs in vocabulary."""
    records = _records(out, "en-*.pivot*.json")
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
    """benchmarks/studies/data_quantity.py: P@1 (CSLS, OOV counted wrong) by target-corpus size."""
    tables = []
    for r in _records(out, "en-*.quantity*.json"):
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


def _fmt(value):
    return "-" if value is None else f"{value:.1f}"


def _linear_one_run(record):
    """One training run, Dice verses, the linear re-ranker, the library's induction direction."""
    return ("modes" in record and _runs(record) <= 1 and not _ibm1(record) and not _trees(record)
            and not record.get("direction"))


#: The modes that ``offramp align``'s default ``--refine auto`` refines: those given the train dictionary.
_REFINED_BY_DEFAULT = {"supervised", "supervised_cognates", "supervised_parallel"}


def _measures_default(record, name):
    """Whether this record's run of mode ``name`` is refined as ``align`` refines it by default."""
    if name == "vecmap_supervised":  # the baseline is VecMap's recipe, never refined
        return True
    if name in _REFINED_BY_DEFAULT:
        return record.get("refine") not in (None, "none")
    return record.get("refine") in (None, "none", "auto")


def _default_modes(out):
    """Per pair, each mode's scores from the last run that measured it with the library's defaults (and
    the default random state), and the files they came from."""
    cells, files = {}, {}
    for r in _records(out, "en-*.json"):
        if not _linear_one_run(r):
            continue
        for name, mode in r["modes"].items():
            if _measures_default(r, name) and not mode.get("random_state"):
                cells.setdefault(r["pair"], {})[name] = mode
                files.setdefault(r["pair"], {})[name] = r["_file"]
    return cells, files


def defaults(out):
    """BLI on the six pairs with every mode at the library's defaults."""
    cells, _ = _default_modes(out)
    rows = ["| pair | baseline | supervised | + re-rank | + re-rank with verses | identical+numerals | + re-rank "
            "| cognates+numerals | + re-rank | verse seed | + re-rank with verses | unsupervised "
            "| unsupervised via the Bibles (5-character prefixes) | supervised / baseline | best seedless / baseline |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    seedless = ("identical", "cognates", "parallel", "unsupervised", "unsupervised_bible_prefix5")
    for pair in sorted(cells):
        m = cells[pair]

        def get(name, key="p@1_csls"):
            return m.get(name, {}).get(key)

        base = get("vecmap_supervised")

        def ratio(*names):
            got = [get(n) for n in names if get(n) is not None]
            return f"{max(got) / base:.2f}x" if base and got else "-"

        supervised, reranked = _fmt(get('supervised')), _fmt(get('supervised', 'p@1_csls_rerank'))
        rows.append(f"| {pair} | {_fmt(base)} | {supervised} | {reranked} "
                    f"| {_fmt(get('supervised', 'p@1_csls_rerank_parallel'))} | {_fmt(get('identical'))} "
                    f"| {_fmt(get('identical', 'p@1_csls_rerank'))} | {_fmt(get('cognates'))} "
                    f"| {_fmt(get('cognates', 'p@1_csls_rerank'))} | {_fmt(get('parallel'))} "
                    f"| {_fmt(get('parallel', 'p@1_csls_rerank_parallel'))} | {_fmt(get('unsupervised'))} "
                    f"| {_fmt(get('unsupervised_bible_prefix5'))} | {ratio('supervised')} | {ratio(*seedless)} |")
    return "\n".join(rows) if len(rows) > 2 else ""


def _best_trees(out):
    """Per pair, the best P@1 of one run re-ranked by the trees with the verses."""
    best = {}
    for r in _records(out, "en-*.json"):
        if "modes" in r and _trees(r) and _runs(r) <= 1:
            values = [r["modes"].get(n, {}).get("p@1_csls_rerank_parallel")
                      for n in ("supervised", "supervised_parallel")]
            values = [v for v in values if v is not None]
            if values:
                best[r["pair"]] = max(values)
    return best


def _transfers(out):
    """The transfer runs with the script's defaults (all text, the dictionary), by target language."""
    return {r["tgt"]: r for r in _records(out, "transfer-*.json") if _transfer_setting(r) == (False, False)}


def headline(out):
    """The short table of README.md: BLI P@1 per pair for the default modes, and transfer; then speed."""
    cells, _ = _default_modes(out)
    trees_best, moved = _best_trees(out), _transfers(out)
    rows = ["| pair | baseline | supervised | best: trees + verses | identical+numerals | cognates+numerals "
            "| verse seed | unsupervised | unsupervised via the Bibles (prefixes) | LLM transfer: none -> offramp |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for pair in sorted(set(cells) | {f"en-{t}" for t in moved}):
        m = cells.get(pair, {})

        def get(name):
            return _fmt(m.get(name, {}).get("p@1_csls"))

        t = moved.get(pair.split("-")[-1])
        lm = "-" if t is None else (f"{t['results']['no_transfer']['p@1']:.1f} -> "
                                    f"**{t['results']['offramp']['p@1']:.1f}**")
        rows.append(f"| {pair} | {get('vecmap_supervised')} | {get('supervised')} | {_fmt(trees_best.get(pair))} "
                    f"| {get('identical')} | {get('cognates')} | {get('parallel')} | {get('unsupervised')} "
                    f"| {get('unsupervised_bible_prefix5')} | {lm} |")
    tables = ["\n".join(rows)] if len(rows) > 2 else []
    speed = _speed_rows(out)
    if speed:
        tables.append("\n".join(["| speed | machine | seconds | against its matrix products |",
                                 "|---|---|---:|---:|", *speed]))
    return "\n\n".join(tables)


def _speed_rows(out):
    rows = []
    for r in _records(out, "iteration*.json"):
        rows.append(f"| one self-learning iteration, {r['n']:,} words x {r['dim']} | {_machine(r)} "
                    f"| {r['iteration_s']:.3g} | {r['ratio']:.2f}x |")
    return rows


def _machine(record):
    return record.get("machine") or record.get("device", "-")


def multilingual(out):
    """Many languages in one space (benchmarks/multilingual.py): P@1 per direction in the hub-only space, the
    joint space and a direct bilingual alignment, pairs without the hub first, then the means."""
    tables = []
    for r in _records(out, "multilingual*.json"):
        hub = r["hub"]
        rows = [f"| direction ({', '.join(r['languages'])} around {hub}) | gold | test words | hub-only | joint "
                "| joint - hub-only | bilingual |", "|---|---|---:|---:|---:|---:|---:|"]
        ordered = sorted(r["pairs"].items(), key=lambda kv: (hub in kv[0].split("-"), kv[0]))
        for key, p in ordered:
            bi = "-" if p["bilingual"] is None else f"{p['bilingual']:.1f}"
            rows.append(f"| {key} | {p['gold']} | {p['n_test']} | {p['hub']:.1f} | **{p['joint']:.1f}** "
                        f"| {p['joint'] - p['hub']:+.1f} | {bi} |")
        for name, keep in (("mean without the hub", lambda k: hub not in k.split("-")),
                           ("mean with the hub", lambda k: hub in k.split("-"))):
            group = [p for k, p in r["pairs"].items() if keep(k)]
            if not group:
                continue
            mean = {c: sum(p[c] for p in group) / len(group) for c in ("hub", "joint")}
            with_bi = [p["bilingual"] for p in group if p["bilingual"] is not None]
            bi = f"{sum(with_bi) / len(with_bi):.1f} ({len(with_bi)})" if with_bi else "-"
            rows.append(f"| {name} ({len(group)}) | | | {mean['hub']:.1f} | **{mean['joint']:.1f}** "
                        f"| {mean['joint'] - mean['hub']:+.1f} | {bi} |")
        rows.append(f"\nWhole plan: {r['wall_s']:.0f} s wall, peak RSS {r['peak_rss_mb']:.0f} MB "
                    f"(training {'cached' if not any(r['train_s'].values()) else 'included'}).")
        tables.append("\n".join(rows))
    for r in _records(out, "multi-plan*.json"):
        rows = [f"| `offramp multi {r['plan']}` | wall s | peak RSS MB (largest process) |", "|---|---:|---:|"]
        for name, run in r["runs"].items():
            what = "empty task cache (every language trained)" if name == "cold" else "every task cached"
            rows.append(f"| {what} | {run['wall_s']:.0f} | {run['peak_rss_mb']:.0f} |")
        tables.append("\n".join(rows))
    return "\n\n".join(tables)


def _experiment_table(r):
    """One experiment record (``offramp experiment ... --json``): a row per x, mean ± std over the random
    states per metric, and the baselines."""
    s, summary = r["setting"], r["summary"]
    metrics = [m for m in dict.fromkeys(row["metric"] for row in summary)]
    xs = list(dict.fromkeys(row["x"] for row in summary))
    cell = {(row["metric"], row["x"]): row for row in summary}
    spaces = s.get("spaces") or {}
    label = {"data-size": "target tokens", "pivot": f"route to {s.get('hub')}", "diversity": "space"}[r["experiment"]]
    title = {"data-size": f"{s.get('src')}-{s['tgt']}, {s['tgt']} sampled; seed {s.get('seed')}",
             "pivot": f"{s['tgt']} without a dictionary (seed {s.get('seed')})",
             "diversity": f"{s['tgt']} (seed {s.get('seed')}) in ever larger spaces"}[r["experiment"]]
    n = len(s["random_states"])
    rows = [f"**{r['experiment']} {s['tgt']}**: {title}; {n} random state{'s' if n != 1 else ''}, mean ± std.",
            "", f"| {label} | " + " | ".join(metrics) + " |", "|---|" + "---:|" * len(metrics)]
    for x in xs:
        name = ("direct" if x == s.get("hub") else "own dictionary (reference)" if x == "own-dictionary" else
                f"via {x}") if r["experiment"] == "pivot" else \
            f"{x} ({', '.join(spaces[x])})" if x in spaces else x
        values = [f"{cell[m, x]['mean']:.1f} ± {cell[m, x]['std']:.1f}" if (m, x) in cell else "-" for m in metrics]
        rows.append(f"| {name} | " + " | ".join(values) + " |")
    for metric, value in (r.get("baselines") or {}).items():
        rows.append(f"\n{metric.replace('_', ' ')}: {value:.1f}")
    from offramp.bootstrap.experiments._base import pivot_verdict

    verdict = pivot_verdict(r["experiment"], s, summary)
    if verdict:
        rows.append(f"\n{verdict[0].upper()}{verdict[1:]}.")
    if r.get("failed"):
        rows.append(f"\n{len(r['failed'])} tasks failed: " + "; ".join(f"{k}: {v}" for k, v in r["failed"].items()))
    return "\n".join(rows)


def experiments(out):
    """The experiments of docs/experiments.md (``offramp experiment``), one table each."""
    order = {"data-size": 0, "pivot": 1, "diversity": 2}
    records = sorted(_records(out, "experiment-*.json"), key=lambda r: (order.get(r["experiment"], 3), r["_file"]))
    return "\n\n".join(_experiment_table(r) for r in records)


def iteration(out):
    """One self-learning iteration against the four similarity products it needs (``iteration_cost.py``)."""
    rows = ["| machine | device | n | dim | 4 products (matmul only) | iteration, keep_prob 1 | ratio "
            "| iteration, keep_prob 0.1 | ratio | peak traced memory | one 4096-row block | an n x n matrix |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in _records(out, "iteration*.json"):
        peak = "-" if r.get("peak_traced_mb") is None else f"{r['peak_traced_mb']:.0f} MB"
        rows.append(f"| {_machine(r)} | {r['device']} | {r['n']} | {r['dim']} | {r['products_s']:.3f} s "
                    f"| {r['iteration_s']:.3f} s | {r['ratio']:.2f}x | {r['iteration_stochastic_s']:.3f} s "
                    f"| {r['ratio_stochastic']:.2f}x | {peak} | {r['one_block_mb']:.0f} MB | {r['n_by_n_mb']:.0f} MB |")
    return "\n".join(rows) if len(rows) > 2 else ""


def induce(out):
    """A whole-vocabulary ``induce``, each variant in units of one plain search (``induce_cost.py``)."""
    tables = []
    for r in _records(out, "induce_cost*.json"):
        rows = [f"| {r['n']:,} x {r['n']:,} x {r['dim']}, {_machine(r)}: variant | wall s | searches | pairs "
                "| right at rank 1 |", "|---|---:|---:|---:|---:|",
                f"| one k-NN search of every source word (the unit) | {r['one_search_s']:.1f} | 1 | | |"]
        for name, v in r["variants"].items():
            rows.append(f"| {name} | {v['wall_s']:.1f} | {v['searches']:.2f} | {v['pairs']} | {v['right_at_1']} |")
        tables.append("\n".join(rows))
    return "\n\n".join(tables)


_SCALE_STEPS = {
    "read_text": "read both .vec.gz (word2vec text)", "read_binary": "read both .bin (word2vec binary)",
    "read_npy": "read both .npy (native, memory-mapped)", "align_dictionary": "align, 5000-pair dictionary",
    "align_identical": "align, --identical --numerals", "evaluate": "evaluate, 1500 test words",
    "induce_mutual": "induce --mutual", "induce_rerank": "induce --rerank ortho,freq"}


def _scale_seconds(run):
    """A step's seconds: the reading's own for the read steps (their process also times gensim), else the
    process's wall time."""
    return run.get("load_s", run["wall_s"])


def _scale_cell(run):
    cell = f"{_scale_seconds(run):.0f} s, {run['peak_rss_mb'] / 1024:.1f} GiB"
    if run.get("speed_vs_gensim"):
        cell += f" (gensim reads one file {run['speed_vs_gensim']:.1f}x slower)"
    if run.get("p@1") is not None:
        cell += f", P@1 {run['p@1']:.1f}"
    return cell


def _scale_key(run):
    return run["n"], run["step"], run.get("n_src") if run["step"].startswith("induce") else None


def scale(out):
    """Full-size vectors (``scale.py``): each step's wall time, peak memory and P@1 per vocabulary size, and
    how the time grew against the work (the vocabulary, or sources x targets for induce). Induce has a row
    per number of source words translated; a row measured at one size only is compared with the row of
    fewer source words at that size."""
    tables = []
    for r in _records(out, "scale*.json"):
        sizes = sorted({run["n"] for run in r["runs"]})
        cells = {_scale_key(run): run for run in r["runs"]}
        rows = [f"| step ({r.get('machine', '-')}, {r['device']}) | "
                + " | ".join(f"{n:,} words" for n in sizes) + " | time grew / work grew |",
                "|---|" + "---:|" * (len(sizes) + 1)]
        for step, label in _SCALE_STEPS.items():
            for n_src in sorted({k[2] for k in cells if k[1] == step}, key=lambda a: a or 0):
                at = {n: cells.get((n, step, n_src)) for n in sizes}
                done = [n for n in sizes if at[n] is not None]
                name = label + (f" of the {n_src:,} most frequent source words" if n_src else "")
                work = (lambda n, s=n_src: min(n, s) * n) if n_src else (lambda n: n)
                growth = "-"
                if len(done) > 1:
                    first, last = at[done[0]], at[done[-1]]
                    grew = _scale_seconds(last) / _scale_seconds(first)
                    growth = f"{grew:.1f}x / {work(done[-1]) / work(done[0]):.1f}x"
                elif n_src:
                    n = done[0]
                    fewer = sorted(k[2] for k in cells if k[:2] == (n, step) and k[2] is not None and k[2] < n_src)
                    if fewer:
                        base = cells[(n, step, fewer[-1])]
                        growth = (f"{_scale_seconds(at[n]) / _scale_seconds(base):.1f}x / {n_src / fewer[-1]:.1f}x "
                                  f"(against {fewer[-1]:,} source words)")
                row = [(_scale_cell(at[n]) if at[n] is not None else "-") for n in sizes]
                rows.append(f"| {name} | " + " | ".join(row) + f" | {growth} |")
        tables.append("\n".join(rows))
    return "\n\n".join(tables)


def _megabytes(mb):
    return f"{mb:,.0f} MB" if mb >= 10 else f"{mb:.1f} MB"


def wikipedia_stream(out):
    """Wikipedia dumps in constant memory (``wikipedia_stream.py``): each synthetic dump's size, pages, conversion
    time, speed and peak memory, then how the peak memory grew against how the dump grew."""
    tables = []
    for r in _records(out, "wikipedia_stream*.json"):
        runs = sorted(r["runs"], key=lambda run: run.get("xml_mb", run["mb"]))
        rows = [f"| dump, XML ({r.get('machine', '-')}) | bz2 | pages | tokens | time | MB/s | peak RSS "
                "| RSS once imported |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for run in runs:
            bz2 = _megabytes(run["bz2_mb"]) if run.get("bz2_mb") is not None else "-"
            imported = f"{run['import_rss_mb']:.0f} MB" if run.get("import_rss_mb") is not None else "-"
            rows.append(f"| {_megabytes(run.get('xml_mb', run['mb']))} | {bz2} | {run['pages']:,} | {run['tokens']:,} "
                        f"| {run['wall_s']:.0f} s | {run['mb_per_s']:.2f} | {run['peak_rss_mb']:.0f} MB | {imported} |")
        if len(runs) > 1:
            small, large = runs[0], runs[-1]
            size = large.get("xml_mb", large["mb"]) / small.get("xml_mb", small["mb"])
            rows.append(f"| peak RSS grew / dump grew | | | | | | {large['peak_rss_mb'] / small['peak_rss_mb']:.2f}x "
                        f"/ {size:.1f}x | |")
        tables.append("\n".join(rows))
    return "\n\n".join(tables)


def _reproducing(record):
    """The record's command with the options whose script default has changed since it ran spelled out, so
    that it reruns what the record holds: ``--refine none`` for unrefined BLI and transfer runs, and for
    transfer runs made before the script followed ``align --seed auto`` its dictionary seed and temperature."""
    command = record.get("command")
    if not command:
        return command
    options = record.get("options", {})
    extra = []
    script = "transfer_bible.py" if "transfer_bible.py" in command else "bli_bible.py" if "bli_bible.py" in command \
        else None
    refine = options.get("refine") if script == "transfer_bible.py" else record.get("refine")
    if script and "--refine" not in command and refine in (None, "none"):
        extra.append("--refine none")
    if script == "transfer_bible.py" and "alignment" not in record:
        extra += [f"--temperature {options.get('temperature', 0.1):g}", "--align-seed dictionary"]
    return command + "".join(f" {e}" for e in extra if e.split()[0] not in command)


def _commands(records):
    """The records' commands, one line per command, a loop over the target languages where only they
    differ."""
    groups = {}
    for r in records:
        command = _reproducing(r)
        if not command:
            continue
        lang = r.get("tgt") or (r["pair"].split("-")[-1] if r.get("pair") else None)
        template = command
        if lang:
            template = re.sub(rf"(--tgt ){lang}\b", r"\1$XX", template)
            template = re.sub(rf"\b(en-|transfer-){lang}\b", r"\1$XX", template)
        groups.setdefault(template, []).append((lang, command))
    lines = []
    for template, runs in groups.items():
        langs = list(dict.fromkeys(lang for lang, _ in runs))
        if "$XX" in template and len(langs) > 1:
            lines.append(f"for XX in {' '.join(langs)}; do {template}; done")
        else:
            lines.extend(dict.fromkeys(command for _, command in runs))
    return lines


def _section(title, caption, table, records):
    if not table:
        return ""
    recovered = sum(bool(r.get("provenance")) for r in records)
    parts = [f"## {title}", "", caption, ""]
    commands = _commands(records)
    if commands:
        parts += ["```bash", *commands, "python benchmarks/tables.py --write", "```", ""]
    if recovered:
        parts += [f"{recovered} of these {len(records)} records were recovered from an earlier generated table "
                  "(`provenance` in the JSON); the commands above refresh them.", ""]
    parts.append(table)
    return "\n".join(parts)


def sections(out):
    """The results page's sections: (title, one-line caption, table, the records it reads)."""
    records = load_records([out]) if isinstance(out, (str, Path)) else out
    _, used = _default_modes(records)
    default_files = {f for modes in used.values() for f in modes.values()}
    trees_files = {r["_file"] for r in _records(records, "en-*.json")
                   if "modes" in r and r.get("refine") and _ibm1(r)}
    pick = lambda files: [r for r in records if r["_file"] in files]  # noqa: E731
    return [
        ("BLI with the default settings",
         "P@1 in % (CSLS, a test word without a vector counted wrong) on 1000 MUSE test words per pair, with "
         "embeddings trained on every corpus of each language in the data dir; each mode as `offramp align` "
         "runs it by default (refined with a dictionary, 8 restarts without a seed); re-rank = `evaluate "
         "--rerank ortho,freq[,parallel]`; baseline = skip-gram with VecMap's `--supervised` recipe.",
         defaults(records), pick(default_files)),
        ("BLI: the learned re-ranker",
         "The same test words on refined spaces with the Bibles' verses associated by IBM Model 1: the weighted "
         "re-ranking -> the trees (`--rerank-model trees`, bold), one training run or an ensemble of three.",
         trees(records), pick(trees_files)),
        ("Transfer to a language model",
         "Verse retrieval P@1 in % (target -> English among 1000 held-out verses) with all-MiniLM-L6-v2 moved to "
         "each language by offramp's embedding initialisation, against no transfer, random and copy-only rows.",
         transfer(records), _transfer_records(records)),
        ("Transfer to a language model with little text and no dictionary",
         "Verse retrieval P@1 in % (offramp's initialisation, the script's defaults: `align --seed auto --refine "
         "auto --for transfer`): the target's corpora or its one Bible alone (English keeps all its text), "
         "aligned with the MUSE train dictionary or with none (`--seed auto` then takes the verses of the two "
         "sides' Bibles, held-out verses excluded).",
         transfer_settings(records), [r for r in _records(records, "transfer-*.json") if _transfer_setting(r)]),
        ("Transfer to a language model: the published initialisers",
         "Verse retrieval P@1 in % (target -> English among 1000 held-out verses, `transfer_bible.py --peers`): "
         "WECHSEL and FOCUS as their authors' packages run them, on the same corpora, held-out verses and target "
         "tokenizer as offramp's row (WECHSEL with fastText models trained on those corpora and the MUSE train "
         "dictionary; FOCUS with its own auxiliary fastText on the target corpora).",
         peers(records), _records(records, "peers-*.json")),
        ("Transfer to a language model: continued pretraining",
         "Masked-LM pretraining continued on the target corpora (held-out verses excluded) from each "
         "initialisation, one step budget, the same head, data order and masks (`continued_training.py`): "
         "held-out loss, verse retrieval P@1 in % before and after, and the steps random initialisation "
         "needs to reach each row's loss at the first and the last checkpoint.",
         continued(records), _records(records, "continued-*.json")),
        ("Transfer to a language model: one model for many languages",
         "Verse retrieval P@1 in % (target -> English among each language's 1000 held-out verses, "
         "`transfer_many.py`): MiniLM's tokenizer extended for each language alone (own model) or once for all of "
         "them with the budget shared (shared model), each initialised by offramp from the languages' aligned "
         "pairs; the last row retrieves KJV verses from ASV ones with the original and the shared model.",
         many(records), _records(records, "many-*.json")),
        ("Many languages in one space",
         "P@1 in % (CSLS, OOV counted wrong) of every direction with gold, each language linked to English by its "
         "MUSE train split (with every test word of every direction taken out of every seed); hub-only = the "
         "links alone, joint = `offramp multi`'s space, bilingual = `offramp align` with the pair's own train "
         "split.",
         multilingual(records), _records(records, "multilingual*.json") + _records(records, "multi-plan*.json")),
        ("Experiments: data size, bridge language, more languages",
         "`offramp experiment`: BLI P@1 in % (CSLS, a test word without a vector counted wrong) on the test words "
         "of each gold dictionary's frequency-matched split; figures and what each answers: "
         "[experiments.md](experiments.md).",
         experiments(records), _records(records, "experiment-*.json")),
        ("Speed: one self-learning iteration",
         "One iteration at 20,000 words x 300 dimensions against the four similarity products it needs "
         "(the target is at most 1.5x).",
         iteration(records), _records(records, "iteration*.json")),
        ("Scale: full-size vectors",
         "Two synthetic spaces of fastText's published shape (a known translation, real formats) through "
         "`offramp`'s commands, each step in its own process: wall time, peak resident memory (the target is 8 GB "
         "at 2M words) and P@1 on the 1500 test words (induce: of the test words it kept). Details: "
         "[scale.md](scale.md).",
         scale(records), _records(records, "scale*.json")),
        ("Wikipedia dumps in constant memory",
         "Synthetic Wikimedia pages-articles dumps (wikitext written like Wikipedia's, bz2) converted to text by "
         "`offramp data fetch wikipedia`'s converter, each in its own process: wall time (start-up included), MB "
         "of uncompressed XML converted a second, and peak resident memory; the last row compares how the peak "
         "memory grew with how the dump grew.",
         wikipedia_stream(records), _records(records, "wikipedia_stream*.json")),
        ("Speed: a whole-vocabulary induce",
         "Each `induce_lexicon` variant's wall time in units of one plain k-NN search of every source word, "
         "on synthetic mapped spaces.",
         induce(records), _records(records, "induce_cost*.json")),
    ]


def page(out):
    """docs/results.md: every results table with its caption and command."""
    body = "\n\n".join(text for text in (_section(*s) for s in sections(out)) if text)
    return ("# Results\n\n"
            "Generated by `python benchmarks/tables.py --write` from the JSON records in `benchmarks/results/` "
            "(and `benchmarks/out/`, where the benchmarks write, when present); do not edit by hand. What each "
            "benchmark measures: [benchmarks/README.md](../benchmarks/README.md); how the defaults were chosen: "
            "[docs/studies/](studies/).\n\n" + body + "\n")


def studies(out):
    """Every study table the records allow (each is empty without its runs)."""
    tables = [bli, verses, ensembles, refined, model1, trees, unsupervised_bible, shared_check, string_directions,
              pivot, quantity, transfer, multilingual, experiments, iteration, induce, scale, wikipedia_stream]
    blocks = [block for table in tables for block in table(out).split("\n\n")]
    return "\n\n".join(block for block in blocks if len(block.splitlines()) > 2)  # tables with rows only


def _replace_block(path, markers, text):
    """Replace what lies between the two marker lines of ``path`` with ``text``; False when the file or
    a marker is missing (nothing is written then)."""
    path = Path(path)
    if not path.is_file():
        return False
    content = path.read_text(encoding="utf-8")
    start, end = content.find(markers[0]), content.find(markers[1])
    if start < 0 or end < start:
        return False
    new = content[:start + len(markers[0])] + "\n" + text.strip() + "\n" + content[end:]
    if new != content:
        path.write_text(new, encoding="utf-8")
    return True


def update_readme(out=None, path=ROOT / "README.md"):
    """Put the headline table between README.md's ``<!-- results:start -->`` and ``<!-- results:end -->``
    lines; returns False, writing nothing, when the markers are absent."""
    records = load_records() if out is None else out
    note = ("Generated by `python benchmarks/tables.py --write`; every table, with its command: "
            "[docs/results.md](docs/results.md).")
    return _replace_block(path, MARKERS, headline(records) + "\n\n" + note)


def write(out=None):
    """Write docs/results.md, README.md's headline block and benchmarks/README.md's tables block."""
    from offramp.bootstrap.io.atomic import atomic_open

    records = load_records() if out is None else out
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(PAGE) as f:
        f.write(page(records))
    done = [str(PAGE.relative_to(ROOT))]
    if update_readme(records):
        done.append("README.md")
    else:
        print("README.md has no results markers; its headline table was not written", file=sys.stderr)
    body = "\n\n".join(text for text in (_section(*s) for s in sections(records)) if text)
    if _replace_block(HERE / "README.md", TABLE_MARKERS, body.replace("## ", "### ")):
        done.append("benchmarks/README.md")
    block = [s for s in sections(records) if s[0].startswith("Experiments")]
    if block and _replace_block(EXPERIMENTS_PAGE, EXPERIMENT_MARKERS, _section(*block[0]).split("\n", 2)[2]):
        done.append(str(EXPERIMENTS_PAGE.relative_to(ROOT)))
    transfer_blocks = [s for s in sections(records) if s[0].startswith("Transfer to a language model") and s[2]]
    text = "\n\n".join(_section(*s).replace("## ", "### ", 1) for s in transfer_blocks)
    if text and _replace_block(TRANSFER_PAGE, TRANSFER_MARKERS, text):
        done.append(str(TRANSFER_PAGE.relative_to(ROOT)))
    block = [s for s in sections(records) if s[0].startswith("Scale") and s[2]]
    if block and _replace_block(SCALE_PAGE, SCALE_MARKERS, _section(*block[0]).split("\n", 2)[2]):
        done.append(str(SCALE_PAGE.relative_to(ROOT)))
    block = [s for s in sections(records) if s[0].startswith("Wikipedia dumps") and s[2]]
    if block and _replace_block(WIKIPEDIA_PAGE, WIKIPEDIA_MARKERS, _section(*block[0]).split("\n", 2)[2]):
        done.append(str(WIKIPEDIA_PAGE.relative_to(ROOT)))
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", help="folders of JSON records (default: benchmarks/results, then "
                                                   "benchmarks/out when present; a later folder's file wins)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--write", action="store_true",
                      help="write docs/results.md and the generated blocks of README.md and benchmarks/README.md")
    what.add_argument("--page", action="store_true", help="print the results page (docs/results.md)")
    what.add_argument("--studies", action="store_true", help="print every study table the records allow")
    args = parser.parse_args(argv)
    for folder in args.sources:
        if not Path(folder).is_dir():
            parser.error(f"{folder} is not a directory")
    records = load_records(args.sources or SOURCES)
    if args.write:
        print("wrote " + ", ".join(write(records)))
    elif args.page:
        print(page(records))
    elif args.studies:
        print(studies(records))
    else:
        print(headline(records))


if __name__ == "__main__":
    main()
