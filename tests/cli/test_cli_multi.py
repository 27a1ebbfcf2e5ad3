"""``offramp multi`` (CliRunner): a plan of three languages, and plans refused before any work."""
import pytest

from fixtures.cli import invoke
from fixtures.multi_plan import write_plan

pytest.importorskip("distributed")


def test_cli_multi_prints_the_table_and_signature(tmp_path):
    plan = write_plan(tmp_path, seeds={"de": "dictionary"}, vectors=True)
    result = invoke("multi", plan, "--out", tmp_path / "space", "--quiet")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split() == ["pair", "n_test", "cov", "%", "hub", "joint"]
    assert lines[1].startswith("de-fr") and lines[2].startswith("fr-de")
    assert lines[-1].startswith("3 languages in one space around en (2 gold directions); wrote ")
    assert "| offramp:" in lines[-1] and "method:multi" in lines[-1]
    for name in ("multilingual.vec", "aligned/de.vec", "lexicons/de-fr.tsv", "report.json"):
        assert (tmp_path / "space" / name).exists(), name


@pytest.mark.parametrize("edit, message", [
    (("[languages.fr]", "[languages.frr]"), "frr"),  # not a language code
    (('corpora = ["de.txt"]', 'corpora = ["missing/*.txt"]'), "missing"),  # a glob that matches nothing
    (('seed = "identical+numerals"', 'seed = "pivot"\npivot = "de"\ndictionary = "de-fr.txt"'), "de-fr.txt"),
    (('hub = "en"', 'hub = "it"'), "it"),
])
def test_cli_multi_refuses_a_bad_plan_before_training(tmp_path, edit, message):
    plan = write_plan(tmp_path, seeds={"de": "dictionary"})
    plan.write_text(plan.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    result = invoke("multi", plan, "--quiet")
    assert result.exit_code == 2, result.output
    assert message in result.output and str(plan) in result.output
    assert not (tmp_path / "out" / "cache").exists()


def test_cli_multi_refuses_a_pivot_cycle(tmp_path):
    plan = write_plan(tmp_path, seeds={"de": "dictionary"}, vectors=True)
    (tmp_path / "de-fr.txt").write_text("de30\tfr30\n", encoding="utf-8")
    (tmp_path / "fr-de.txt").write_text("fr30\tde30\n", encoding="utf-8")
    text = plan.read_text(encoding="utf-8")
    text = text.replace('seed = "dictionary"\ndictionary = "en-de.txt"',
                        'seed = "pivot"\npivot = "fr"\ndictionary = "fr-de.txt"')
    text = text.replace('seed = "identical+numerals"', 'seed = "pivot"\npivot = "de"\ndictionary = "de-fr.txt"')
    plan.write_text(text, encoding="utf-8")
    result = invoke("multi", plan, "--quiet")
    assert result.exit_code == 2 and "cycle" in result.output, result.output


def test_cli_multi_refuses_a_language_without_seed_or_shared_strings(tmp_path):
    plan = write_plan(tmp_path, seeds={"de": "dictionary"}, vectors=True)
    # Greek-script words for fr: no string in common with the hub
    from offramp.bootstrap.io.embeddings import load_embeddings, make_keyed_vectors, save_embeddings

    fr = load_embeddings(tmp_path / "fr.vec", progress=False)
    save_embeddings(make_keyed_vectors([f"λ{i}" for i in range(len(fr))], fr.vectors), tmp_path / "fr.vec")
    result = invoke("multi", plan, "--quiet")
    assert result.exit_code == 2, result.output
    assert "shares 0" in result.output and 'seed = "unsupervised"' in result.output
