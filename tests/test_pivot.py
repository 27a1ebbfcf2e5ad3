"""Dictionaries triangulated through a pivot language (``pivot_dictionary``, ``offramp pivot``)."""
import json

import pytest
from click.testing import CliRunner

from offramp.bootstrap.lexicon.pivot import pivot_dictionary
from offramp.bootstrap.io.dictionaries import read_dictionary
from offramp.cli.main import main

# en-de and de-es, by hand: 'bank' reaches two Spanish words through German 'Bank' (one path each);
# 'fast' reaches 'rápido' through two German synonyms (two paths) and 'casi' through 'fast'
EN_DE = [("bank", "Bank"), ("bank", "Ufer"), ("fast", "schnell"), ("fast", "rasch"), ("fast", "fast"),
         ("dog", "Hund"), ("cat", "Katze"), ("tree", "Baum")]
DE_ES = [("Bank", "banco"), ("Bank", "asiento"), ("Ufer", "orilla"), ("schnell", "rápido"), ("rasch", "rápido"),
         ("fast", "casi"), ("Hund", "perro"), ("Katze", "gato"), ("Vogel", "pájaro")]


@pytest.mark.parametrize("kwargs, entries, paths", [
    ({}, [("bank", "banco"), ("bank", "asiento"), ("bank", "orilla"), ("fast", "rápido"), ("fast", "casi"),
          ("dog", "perro"), ("cat", "gato")], {"1": 6, "2": 1}),
    # two paths first, then first-seen order
    ({"min_paths": 2}, [("fast", "rápido")], {"2": 1}),
    ({"max_per_src": 1}, [("bank", "banco"), ("fast", "rápido"), ("dog", "perro"), ("cat", "gato")],
     {"1": 3, "2": 1}),
    ({"exclude_src": {"dog", "bank"}}, [("fast", "rápido"), ("fast", "casi"), ("cat", "gato")], {"1": 2, "2": 1}),
])
def test_pivot_dictionary_exact(kwargs, entries, paths):
    got, info = pivot_dictionary(EN_DE, DE_ES, **kwargs)
    assert got == entries
    assert info["paths"] == paths and info["n_pairs"] == len(entries)
    # 'Bank', 'Ufer', 'schnell', 'rasch', 'fast', 'Hund', 'Katze' (not 'Baum', 'Vogel')
    assert info["n_pivot_words"] == 7


def test_pivot_counts_what_it_leaves_out():
    _, info = pivot_dictionary(EN_DE, DE_ES, min_paths=2, exclude_src={"dog"})
    assert info["n_excluded_src"] == 1 and info["n_below_min_paths"] == 5  # 3 bank, casi, gato


@pytest.mark.parametrize("first, second, match", [
    # es-de given for de-es: the fix names the second dictionary, whose swapped columns share 7 words
    (EN_DE, [(t, s) for s, t in DE_ES], "share no pivot word.*the second one shares 7 words.*--swap-second"),
    # de-en given for en-de ('fast' left out, spelled alike in both): its swapped columns meet de-es's German
    # in 'Bank', 'Ufer', 'Hund', 'Katze'
    ([(t, s) for s, t in EN_DE if s != "fast"], DE_ES, "share no pivot word.*the first one shares 4 words.*"
                                                       "--swap-first"),
    ([("a", "b")], [("c", "d")], "share no pivot word.*swapping either one's columns does not help"),
    (EN_DE, DE_ES, None),
])
def test_pivot_without_shared_words_says_so(first, second, match):
    if match is None:
        assert pivot_dictionary(first, second)[0]
        return
    with pytest.raises(ValueError, match=match):
        pivot_dictionary(first, second)


# a-x pairs and x-1 pairs, correct and with one dictionary the wrong way round: the wrong one still
# shares one word ('x' is also spelled the same in the other language) but more when swapped back
SRC_PIV = [("a", "x"), ("b", "y"), ("c", "z")]
PIV_TGT = [("x", "1"), ("y", "2"), ("z", "3")]


@pytest.mark.parametrize("first, second, way", [
    (SRC_PIV, PIV_TGT, None),
    (SRC_PIV, [("1", "x"), ("2", "y"), ("x", "z")], "second"),  # 3 shared when swapped, 1 as given
    ([("x", "a"), ("y", "b"), ("z", "c"), ("q", "x")], PIV_TGT, "first"),
])
def test_pivot_warns_when_a_dictionary_looks_the_other_way_round(first, second, way, recwarn):
    entries, info = pivot_dictionary(first, second)
    messages = [str(w.message) for w in recwarn.list if issubclass(w.category, UserWarning)]
    if way is None:
        assert not messages and info["n_pivot_words"] == 3
    else:
        assert len(messages) == 1 and f"the {way} dictionary" in messages[0] and f"--swap-{way}" in messages[0]
        assert "(3 against 1)" in messages[0] and info["n_pivot_words"] == 1


@pytest.mark.parametrize("kwargs", [{"min_paths": 0}, {"max_per_src": 0}])
def test_pivot_bad_parameters(kwargs):
    with pytest.raises(ValueError, match="must be >= 1"):
        pivot_dictionary(EN_DE, DE_ES, **kwargs)


def _files(tmp_path):
    first, second, test = tmp_path / "en-de.txt", tmp_path / "es-de.txt", tmp_path / "test.txt"
    first.write_text("".join(f"{s} {t}\n" for s, t in EN_DE), encoding="utf-8")
    second.write_text("".join(f"{t}\t{s}\n" for s, t in DE_ES), encoding="utf-8")  # the other way round
    test.write_text("dog perro\n", encoding="utf-8")
    return first, second, test


def test_cli_pivot_writes_a_seed_dictionary(tmp_path):
    first, second, test = _files(tmp_path)
    out, report = tmp_path / "en-es.txt", tmp_path / "report.json"
    result = CliRunner().invoke(main, ["pivot", str(first), str(second), "--swap-second", "--exclude-src", str(test),
                                       "--out", str(out), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert read_dictionary(out) == [("bank", "banco"), ("bank", "asiento"), ("bank", "orilla"), ("fast", "rápido"),
                                    ("fast", "casi"), ("cat", "gato")]
    assert result.output.startswith("6 pairs for 3 source words through 7 shared pivot words "
                                    "(pairs by paths: 1: 5, 2: 1), 1 source words excluded | offramp:")
    assert "pivot:triangulation" in result.output and "swap:second" in result.output
    info = json.loads(report.read_text(encoding="utf-8"))
    assert info["n_pairs"] == 6 and info["exclude_src"] == str(test)


def test_cli_pivot_errors_leave_no_output(tmp_path):
    first, second, _ = _files(tmp_path)
    out = tmp_path / "en-es.txt"
    result = CliRunner().invoke(main, ["pivot", str(first), str(second), "--out", str(out)])  # no --swap-second
    assert result.exit_code == 1 and "share no pivot word" in result.output and not out.exists()
    assert f"{first} and {second}: " in result.output
    result = CliRunner().invoke(main, ["pivot", str(first), str(second), "--swap-second", "--min-paths", "3",
                                       "--out", str(out)])
    assert result.exit_code == 1 and "no pair left" in result.output and not out.exists()


def test_cli_pivot_warns_about_a_dictionary_the_other_way_round(tmp_path):
    """en-de read as de-en: only 'fast' (English and German) is shared, 7 words when read right."""
    first, second, _ = _files(tmp_path)
    result = CliRunner().invoke(main, ["pivot", str(first), str(second), "--swap-first", "--swap-second",
                                       "--out", str(tmp_path / "out.txt")])
    assert result.exit_code == 0
    assert ("warning: the first dictionary shares more words with the other when its columns are swapped "
            "(7 against 1)") in result.output


# en-fr and fr-es: French agrees with German on 'dog' and 'fast' -> 'rápido', and adds 'tree'
EN_FR = [("dog", "chien"), ("fast", "rapide"), ("tree", "arbre"), ("bank", "banque")]
FR_ES = [("chien", "perro"), ("rapide", "rápido"), ("arbre", "árbol"), ("banque", "banco")]


@pytest.mark.parametrize("kwargs, entries, paths", [
    # paths summed over the routes: rápido 2 + 1, perro 1 + 1, banco 1 + 1; tree only through French
    ({}, [("bank", "banco"), ("bank", "asiento"), ("bank", "orilla"), ("fast", "rápido"), ("fast", "casi"),
          ("dog", "perro"), ("cat", "gato"), ("tree", "árbol")], {"1": 5, "2": 2, "3": 1}),
    ({"min_paths": 2}, [("bank", "banco"), ("fast", "rápido"), ("dog", "perro")], {"2": 2, "3": 1}),
])
def test_pivot_routes_sum_their_paths(kwargs, entries, paths):
    got, info = pivot_dictionary(EN_DE, DE_ES, more_routes=[(EN_FR, FR_ES)], **kwargs)
    assert got == entries and info["paths"] == paths
    assert info["routes"] == [{"n_pivot_words": 7, "n_pairs": 7}, {"n_pivot_words": 4, "n_pairs": 4}]
    assert info["n_pivot_words"] == 11


def test_a_route_without_shared_words_is_named():
    with pytest.raises(ValueError, match="^route 2: the two dictionaries share no pivot word"):
        pivot_dictionary(EN_DE, DE_ES, more_routes=[(EN_FR, [(b, a) for a, b in FR_ES])])


def test_cli_pivot_with_a_second_route(tmp_path):
    first, second, _ = _files(tmp_path)
    en_fr, fr_es = tmp_path / "en-fr.txt", tmp_path / "fr-es.txt"
    en_fr.write_text("".join(f"{a}\t{b}\n" for a, b in EN_FR), encoding="utf-8")
    fr_es.write_text("".join(f"{a}\t{b}\n" for a, b in FR_ES), encoding="utf-8")
    out, report = tmp_path / "en-es.txt", tmp_path / "report.json"
    result = CliRunner().invoke(main, ["pivot", str(first), str(second), "--swap-second", "--route", str(en_fr),
                                       str(fr_es), "--min-paths", "2", "--out", str(out), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert read_dictionary(out) == [("bank", "banco"), ("fast", "rápido"), ("dog", "perro")]
    assert result.output.startswith("3 pairs for 3 source words through 11 shared pivot words over 2 routes ")
    assert "|routes:2|min_paths:2|" in result.output
    info = json.loads(report.read_text(encoding="utf-8"))
    assert [r["src_pivot"] for r in info["routes"]] == [str(first), str(en_fr)]
    # a route read the wrong way round is named by its files; --out may not be one of them
    result = CliRunner().invoke(main, ["pivot", str(first), str(second), "--swap-second", "--route", str(fr_es),
                                       str(en_fr), "--out", str(tmp_path / "x.txt")])
    assert result.exit_code == 1 and f"{fr_es} and {en_fr}: route 2: " in result.output
    result = CliRunner().invoke(main, ["pivot", str(first), str(second), "--route", str(en_fr), str(fr_es),
                                       "--out", str(fr_es)])
    assert result.exit_code == 2 and "is the --route file this command reads" in result.output
