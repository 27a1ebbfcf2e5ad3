"""Every benchmark script parses its options: ``--help`` exits 0 and names its options.

The scripts import their heavy modules after parsing, so this is cheap (about 0.2 s each); the
scripts' real runs need the shared data and minutes to hours, and live in benchmarks/README.md.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(p.relative_to(BENCHMARKS).as_posix()
                 for pattern in ("*.py", "studies/*.py") for p in BENCHMARKS.glob(pattern))


def test_the_benchmarks_folder_has_its_scripts():
    assert {"bli_bible.py", "transfer_bible.py", "iteration_cost.py", "induce_cost.py", "tables.py",
            "studies/data_quantity.py", "studies/final_mapping.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_help(script):
    run = subprocess.run([sys.executable, str(BENCHMARKS / script), "--help"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "usage:" in run.stdout and "--help" in run.stdout


@pytest.mark.parametrize("method", ["knn", "mean_topk"])
def test_block_memory_runs_small(tmp_path, method):
    """The memory benchmark end to end at a size that takes a second (its caps do not bind here;
    tests/test_retrieval.py checks capped blocks against uncapped ones)."""
    out = tmp_path / "out.json"
    run = subprocess.run([sys.executable, str(BENCHMARKS / "block_memory.py"), "--n-database", "3000",
                          "--n-queries", "300", "--dim", "16", "--method", method, "--json", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text())
    assert result["identical_results"] and result["n_database"] == 3000 and result["method"] == method


def test_scale_runs_small(tmp_path):
    """The full-size benchmark end to end at 50,000 words (100 dimensions): every step in its own
    process with its wall time and peak memory, the translation found, and the generated table."""
    out = tmp_path / "scale.json"
    run = subprocess.run([sys.executable, str(BENCHMARKS / "scale.py"), "--n", "50000", "--dim", "100",
                          "--induce-src", "5000", "--workdir", str(tmp_path / "work"), "--json", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    record = json.loads(out.read_text())
    steps = [r["step"] for r in record["runs"]]
    assert steps == ["read_text", "read_binary", "read_npy", "align_dictionary", "align_identical", "evaluate",
                     "induce_mutual", "induce_rerank"]
    assert all(r["n"] == 50000 and r["wall_s"] > 0 and r["peak_rss_mb"] > 0 for r in record["runs"])
    by_step = {r["step"]: r for r in record["runs"]}
    assert by_step["read_text"]["gensim_wall_s"] > 0 and by_step["read_text"]["speed_vs_gensim"] > 0
    assert by_step["evaluate"]["p@1"] >= 80 and by_step["induce_mutual"]["p@1"] >= 50  # dim 100: harder
    assert by_step["induce_mutual"]["n_src"] == 5000
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir())  # cleaned without --keep
    sys.path.insert(0, str(BENCHMARKS))
    import tables

    table = tables.scale([{**record, "_file": "scale.json"}])
    assert "| read both .vec.gz (word2vec text) |" in table and "50,000 words" in table


def test_scale_record_keeps_induce_rows_per_source_count():
    """Induce at 20,000 and at 200,000 source words are two rows, made by two commands, and the one-size
    row is compared with the row of fewer source words at its size."""
    sys.path.insert(0, str(BENCHMARKS))
    import scale
    import tables

    def run(n, step, seconds, n_src=None):
        return {"n": n, "step": step, "wall_s": seconds, "peak_rss_mb": 1024.0, **({"n_src": n_src} if n_src else {})}

    runs = [run(200_000, "evaluate", 10), run(2_000_000, "evaluate", 100),
            run(200_000, "induce_mutual", 5, 20_000), run(2_000_000, "induce_mutual", 50, 20_000),
            run(2_000_000, "induce_mutual", 400, 200_000)]
    record = {"runs": runs, "device": "cpu", "machine": "2 CPU cores", "_file": "scale.json"}
    args = type("Args", (), {"dim": 300, "induce_src": 200_000, "device": "cpu", "json": "s.json"})()
    assert scale._command(record, args).splitlines() == [
        "python benchmarks/scale.py --sizes 200000,2000000 --dim 300 --induce-src 20000 --steps evaluate,induce_mutual "
        "--json s.json",
        "python benchmarks/scale.py --sizes 2000000 --dim 300 --induce-src 200000 --steps induce_mutual --json s.json"]
    table = tables.scale([record])
    assert "of the 20,000 most frequent source words | 5 s, 1.0 GiB | 50 s, 1.0 GiB | 10.0x / 10.0x |" in table
    assert "of the 200,000 most frequent source words | - | 400 s, 1.0 GiB | 8.0x / 10.0x (against 20,000 " in table


def test_induce_cost_runs_small(tmp_path):
    """The induce benchmark end to end on 2000 x 2000 x 16 (a few seconds), every kind of variant."""
    out = tmp_path / "out.json"
    variants = "nn-plain,csls-plain-mutual,csls-linear-mutual,csls-trees,isf-linear-mutual"
    run = subprocess.run([sys.executable, str(BENCHMARKS / "induce_cost.py"), "--n", "2000", "--dim", "16",
                          "--noise", "0.5", "--variants", variants, "--json", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text())
    assert list(result["variants"]) == variants.split(",")
    # one pair per source word without --mutual; most words find their partner at this noise
    assert result["variants"]["nn-plain"]["pairs"] == 2000
    assert all(v["right_at_1"] > 1000 and v["searches"] > 0 for v in result["variants"].values())


def _bli_json(path, pair, *, direction=None, **modes):
    cells = {name: {"p@1_csls": p1, "p@1_nn": p1 - 1, "p@1_csls_rerank": p1 + 1, "direction": d, "random_state": 0,
                    "n_iter": 40, "wall_s": 20.0} for name, (p1, d) in modes.items()}
    path.write_text(json.dumps({"pair": pair, "modes": cells, "n_test": 1000, "direction": direction,
                                "embeddings": {"runs": 1}}))


def test_tables_keep_a_direction_set_by_hand_out_of_section_1(tmp_path):
    # section 1's table shows the defaults; runs with --direction go to section 1r's table only
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import tables
    finally:
        sys.path.remove(str(BENCHMARKS))
    _bli_json(tmp_path / "en-lv.strings.json", "en-lv", identical=(3.7, "union"), cognates=(8.4, "union"))
    _bli_json(tmp_path / "en-lv.strings.mutual.json", "en-lv", direction="intersection",
              identical=(1.6, "intersection"), cognates=(3.8, "intersection"))
    (record,) = tables._bli_runs(tmp_path)
    assert record["modes"]["identical"]["p@1_csls"] == 3.7
    assert "| en-lv | 1000 | - | - | - | - | - | 3.7 (2.7) | 4.7 | 8.4 (7.4) | 9.4 |" in tables.bli(tmp_path)
    rows = tables.string_directions(tmp_path).splitlines()[2:]
    assert rows == ["| en-lv | cognates+numerals | 3.8 (4.8) | 8.4 (9.4) |",
                    "| en-lv | identical+numerals | 1.6 (2.6) | 3.7 (4.7) |"]


def test_transfer_alignment_cache_key_follows_the_seed_dictionary(tmp_path):
    """The alignment cache of transfer_bible.py changes with the dictionary's content, the verses and the options."""
    import argparse

    sys.path.insert(0, str(BENCHMARKS))
    try:
        import transfer_bible
    finally:
        sys.path.remove(str(BENCHMARKS))
    args = argparse.Namespace(preset="offramp", refine="auto", seed=0, purpose="transfer")
    seed_dict = tmp_path / "en-fi.0-5000.txt"
    seed_dict.write_text("house talo\n", encoding="utf-8")
    verses = ([tmp_path / "en.KJV.tsv"], [tmp_path / "fi.FinPR.tsv"], {"exclude_ids": ["Gen.1.1"]})

    def key(mode, seed_dict, parallel, **options):
        return transfer_bible.align_key(("en", "fi"), mode, seed_dict, parallel,
                                        argparse.Namespace(**{**vars(args), **options}))

    first = key("auto", seed_dict, None)
    assert key("auto", seed_dict, None) == first
    seed_dict.write_text("house talo\ndog koira\n", encoding="utf-8")
    changed = key("auto", seed_dict, None)
    keys = {first, changed, key("auto", None, verses), key("auto", None, (*verses[:2], {"exclude_ids": []})),
            key("auto", seed_dict, verses), key("auto", seed_dict, None, refine="none"),
            key("auto", None, verses, purpose="bli"), key("auto", seed_dict, None, seed=1)}
    assert len(keys) == 8


def test_wikipedia_stream_runs_small(tmp_path):
    """The dump benchmark end to end on dumps of half a megabyte and one: each converted in its own process,
    the record and its table, and the dumps reused by a second run."""
    out, work = tmp_path / "wikipedia_stream.json", tmp_path / "work"
    command = [sys.executable, str(BENCHMARKS / "wikipedia_stream.py"), "--sizes", "0.5,1", "--workdir", str(work),
               "--json", str(out)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    record = json.loads(out.read_text())
    assert record["command"].startswith("python benchmarks/wikipedia_stream.py --sizes 0.5,1")
    assert "CPU cores" in record["machine"]
    assert [r["mb"] for r in record["runs"]] == [0.5, 1]
    for r in record["runs"]:
        assert {"mb", "pages", "wall_s", "peak_rss_mb", "mb_per_s", "tokens", "paragraphs"} <= set(r)
        assert r["pages"] > 0 and r["tokens"] > r["paragraphs"] > r["pages"] and r["failed_pages"] == 0
        assert r["wall_s"] > 0 and r["mb_per_s"] > 0 and r["peak_rss_mb"] >= r["import_rss_mb"] > 0
        assert r["skipped_redirects"] > 0 and abs(r["xml_mb"] - r["mb"]) < 0.1
    assert run.stdout.splitlines()[-1].startswith("peak RSS ")
    dumps = sorted(work.glob("*.xml.bz2"))
    assert len(dumps) == 2 and not list(work.glob("tmp*"))  # the converted text is not kept
    stamps = [d.stat().st_mtime_ns for d in dumps]
    again = subprocess.run(command[:3] + ["0.5"] + command[4:], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert [d.stat().st_mtime_ns for d in dumps] == stamps  # same settings: not written again
    assert json.loads(out.read_text())["runs"][0]["pages"] == record["runs"][0]["pages"]

    sys.path.insert(0, str(BENCHMARKS))
    import tables

    table = tables.wikipedia_stream([{**record, "_file": "wikipedia_stream.json"}])
    rows = table.splitlines()
    assert rows[0].startswith("| dump, XML (") and len(rows) == 5
    assert rows[2].startswith("| 0.5 MB |") and rows[-1].startswith("| peak RSS grew / dump grew |")
    assert "x / 2.0x |" in rows[-1]
    # the table goes between the markers of docs/data.md
    page = tmp_path / "data.md"
    page.write_text((BENCHMARKS.parent / "docs" / "data.md").read_text(encoding="utf-8"), encoding="utf-8")
    (section,) = [s for s in tables.sections([{**record, "_file": "wikipedia_stream.json"}])
                  if s[0].startswith("Wikipedia dumps")]
    assert tables._replace_block(page, tables.WIKIPEDIA_MARKERS, tables._section(*section).split("\n", 2)[2])
    assert rows[-1] in page.read_text(encoding="utf-8")


def test_peer_and_continued_tables():
    """The peers table: one row per language with the best peer's gap; the continued-training table: one row
    per initialisation, random's steps to each row's loss at the first and the last checkpoint."""
    sys.path.insert(0, str(BENCHMARKS))
    import tables

    res = {"no_transfer": 2.5, "random": 0.1, "copy_only": 1.0, "wechsel": 40.0, "focus": None, "offramp": 60.0}
    peers = {"_file": "peers-fi.json", "tgt": "fi", "results": {k: {"p@1": v} for k, v in res.items()},
             "fertility": {"source_tokenizer": 2.5, "new_tokenizer": 1.2}}
    assert "| fi | 2.5 | 0.1 | 1.0 | 40.0 | - | **60.0** | +20.0 | 2.50 -> 1.20 |" in tables.peers([peers])
    continued = {"_file": "continued-fi.json", "tgt": "fi", "steps": [10, 20, 30],
                 "loss": {"random": [8.0, 7.0, 6.0], "offramp": [5.0, 4.5, 4.0]},
                 "loss_start": {"random": 9.0, "offramp": 6.0}, "p@1_start": {"random": 0.1, "offramp": 60.0},
                 "p@1_end": {"random": 1.0, "offramp": 70.0},
                 "steps_to_match": {"by": "random", "offramp": [None, None, None]}}
    table = tables.continued([continued])
    assert "| fi | **offramp** | 6.000 | 5.000 | 4.500 | 4.000 | 60.0 -> 70.0 | not reached / not reached |" in table
    assert "| fi | random | 9.000 | 8.000 | 7.000 | 6.000 | 0.1 -> 1.0 | - |" in table


def test_many_table():
    sys.path.insert(0, str(BENCHMARKS))
    import tables

    record = {"_file": "many-5.json", "tgts": ["fi", "sl"], "extend_each": 8000, "extend_shared": 16000,
              "results": {"fi": {"no_transfer": 2.5, "own": 50.0, "shared": 47.5},
                          "sl": {"no_transfer": 2.5, "own": 40.0, "shared": 40.0}},
              "english_ceiling": {"bible": "en.ASV.tsv", "original": 80.0, "shared": 79.6}}
    table = tables.many([record])
    assert "| fi | 2.5 | 50.0 | **47.5** | 95% |" in table
    assert "| English ceiling (ASV -> KJV) | - | 80.0 (original) | **79.6** | -0.4 points |" in table
