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
