"""``offramp pivot`` (CliRunner): a seed dictionary triangulated through a pivot language."""
import json

from fixtures.cli import invoke
from fixtures.pivot_data import EN_FR, FR_ES, pivot_files
from offramp.bootstrap.io.dictionaries import read_dictionary


def test_cli_pivot_writes_a_seed_dictionary(tmp_path):
    first, second, test = pivot_files(tmp_path)
    out, report = tmp_path / "en-es.txt", tmp_path / "report.json"
    result = invoke("pivot", first, second, "--swap-second", "--exclude-src", test,
                    "--out", out, "--report", report)
    assert result.exit_code == 0, result.output
    assert read_dictionary(out) == [("bank", "banco"), ("bank", "asiento"), ("bank", "orilla"), ("fast", "rápido"),
                                    ("fast", "casi"), ("cat", "gato")]
    assert result.output.startswith("6 pairs for 3 source words through 7 shared pivot words "
                                    "(pairs by paths: 1: 5, 2: 1), 1 source words excluded | offramp:")
    assert "pivot:triangulation" in result.output and "swap:second" in result.output
    info = json.loads(report.read_text(encoding="utf-8"))
    assert info["n_pairs"] == 6 and info["exclude_src"] == str(test)


def test_cli_pivot_errors_leave_no_output(tmp_path):
    first, second, _ = pivot_files(tmp_path)
    out = tmp_path / "en-es.txt"
    result = invoke("pivot", first, second, "--out", out)  # no --swap-second
    assert result.exit_code == 1 and "share no pivot word" in result.output and not out.exists()
    assert f"{first} and {second}: " in result.output
    result = invoke("pivot", first, second, "--swap-second", "--min-paths", "3",
                    "--out", out)
    assert result.exit_code == 1 and "no pair left" in result.output and not out.exists()


def test_cli_pivot_warns_about_a_dictionary_the_other_way_round(tmp_path):
    """en-de read as de-en: only 'fast' (English and German) is shared, 7 words when read right."""
    first, second, _ = pivot_files(tmp_path)
    result = invoke("pivot", first, second, "--swap-first", "--swap-second",
                    "--out", tmp_path / "out.txt")
    assert result.exit_code == 0
    assert ("warning: the first dictionary shares more words with the other when its columns are swapped "
            "(7 against 1)") in result.output


def test_cli_pivot_with_a_second_route(tmp_path):
    first, second, _ = pivot_files(tmp_path)
    en_fr, fr_es = tmp_path / "en-fr.txt", tmp_path / "fr-es.txt"
    en_fr.write_text("".join(f"{a}\t{b}\n" for a, b in EN_FR), encoding="utf-8")
    fr_es.write_text("".join(f"{a}\t{b}\n" for a, b in FR_ES), encoding="utf-8")
    out, report = tmp_path / "en-es.txt", tmp_path / "report.json"
    result = invoke("pivot", first, second, "--swap-second", "--route", en_fr,
                    fr_es, "--min-paths", "2", "--out", out, "--report", report)
    assert result.exit_code == 0, result.output
    assert read_dictionary(out) == [("bank", "banco"), ("fast", "rápido"), ("dog", "perro")]
    assert result.output.startswith("3 pairs for 3 source words through 11 shared pivot words over 2 routes ")
    assert "|routes:2|min_paths:2|" in result.output
    info = json.loads(report.read_text(encoding="utf-8"))
    assert [r["src_pivot"] for r in info["routes"]] == [str(first), str(en_fr)]
    # a route read the wrong way round is named by its files; --out may not be one of them
    result = invoke("pivot", first, second, "--swap-second", "--route", fr_es,
                    en_fr, "--out", tmp_path / "x.txt")
    assert result.exit_code == 1 and f"{fr_es} and {en_fr}: route 2: " in result.output
    result = invoke("pivot", first, second, "--route", en_fr, fr_es,
                    "--out", fr_es)
    assert result.exit_code == 2 and "is the --route file this command reads" in result.output
