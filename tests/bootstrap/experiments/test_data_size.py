"""``offramp experiment data-size`` on the tiny data folder: two sizes, one random state."""
import pytest

from fixtures.experiment_data import TRAIN
from offramp.bootstrap.errors import InputsError
from offramp.bootstrap.experiments import parse_sizes, run_data_size


@pytest.mark.parametrize("text, sizes", [("10k,30k,1M,all", (10_000, 30_000, 1_000_000, "all")),
                                         ("2500, 0.5M", (2500, 500_000)), ("all,all", ("all",))])
def test_parse_sizes(text, sizes):
    assert parse_sizes(text) == sizes


@pytest.mark.parametrize("text", ["", "10q", "0", "-5k", "ten"])
def test_parse_sizes_refuses(text):
    with pytest.raises(InputsError, match="size"):
        parse_sizes(text)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("data-size-cache")


@pytest.fixture(scope="module")
def result(exp_data, cache, scheduler):
    return run_data_size("fi", data=exp_data, sizes=(3000, "all"), random_states=(0,), train=TRAIN, cache=cache,
                         scheduler=scheduler, progress=False)


def test_points_cover_every_size_and_metric(result):
    assert not result.failed
    assert {(p["x"], p["metric"]) for p in result.points} == {(x, m) for x in (3000, "all")
                                                              for m in ("p@1", "coverage")}
    tokens = {p["x"]: p["tokens"] for p in result.points}
    assert 3000 <= tokens[3000] < 3100 < tokens["all"]
    assert all(0 <= p["value"] <= 100 for p in result.points)


def test_more_text_finds_more_translations(result):
    p1 = {p["x"]: p["value"] for p in result.points if p["metric"] == "p@1"}
    assert p1["all"] >= 50 and p1["all"] > p1[3000]


def test_setting_names_the_run(result, exp_data):
    s = result.setting
    assert (s["src"], s["tgt"], s["seed"], s["random_states"]) == ("en", "fi", "dictionary", [0])
    assert s["xs"] == [3000, "all"]
    assert s["corpora"] == ["fi.Test.tsv", "Finnish-Test.txt"] and s["n_test_words"] > 0


def test_a_rerun_with_one_more_size_computes_only_its_points(result, exp_data, cache, scheduler):
    again = run_data_size("fi", data=exp_data, sizes=(3000, 8000, "all"), random_states=(0,), train=TRAIN,
                          cache=cache, scheduler=scheduler, progress=False)
    ran = sorted(name for name, t in again.tasks.items() if t["status"] == "done")
    assert ran == ["sample:fi:8k:s0", "score:fi:8k:s0"]
    assert [p for p in again.points if p["x"] != 8000] == result.points


def test_a_seedless_seed_needs_no_dictionary_in_the_sample(exp_data, tmp_path, scheduler):
    out = run_data_size("fi", data=exp_data, sizes=("all",), random_states=(1,), seed="identical+numerals",
                        train=TRAIN, cache=tmp_path, scheduler=scheduler, progress=False)
    assert out.setting["seed"] == "identical+numerals" and {p["metric"] for p in out.points} == {"p@1", "coverage"}


@pytest.mark.parametrize("kwargs, match", [
    ({"measure": ("bli", "speed")}, "unknown measure"),
    ({"src": "fi"}, "both 'fi'"),
    ({"cache": None}, "cache folder"),
])
def test_bad_options_fail_before_any_task(exp_data, tmp_path, kwargs, match):
    options = {"data": exp_data, "sizes": ("all",), "cache": tmp_path, **kwargs}
    with pytest.raises(InputsError, match=match):
        run_data_size("fi", **options)


def test_a_language_without_corpora_or_gold_is_named(exp_data, tmp_path):
    (tmp_path / "muse").mkdir()
    with pytest.raises(InputsError, match="no gold dictionary for en-de: .*en-de.txt is missing"):
        run_data_size("de", data=exp_data, sizes=("all",), cache=tmp_path)
    with pytest.raises(InputsError, match="no gold dictionary for et-lv"):
        run_data_size("lv", src="et", data=exp_data, sizes=("all",), cache=tmp_path)


def test_transfer_scores_a_transferred_encoder_against_the_untransferred_one(exp_data, tmp_path, scheduler):
    pytest.importorskip("transformers")
    from fixtures.tiny_models import build_source_model

    model = build_source_model(tmp_path / "model")
    out = run_data_size("fi", data=exp_data, sizes=("all",), random_states=(0,), measure=("bli", "transfer"),
                        model=model, transfer_options={"n_verses": 40, "vocab_size": 300}, train=TRAIN,
                        cache=tmp_path / "cache", scheduler=scheduler, progress=False)
    assert not out.failed, out.failed
    assert {p["metric"] for p in out.points} == {"p@1", "coverage", "transfer_p@1"}
    assert 0 <= out.baselines["no_transfer_p@1"] <= 100
    assert out.setting["transfer"]["tgt_bible"].endswith("fi.Test.tsv")
    # the held-out verses are kept out of the sample the vectors and the tokenizer learn from
    sample = next((tmp_path / "cache").glob("sample_fi_all_s0-*")) / "sample.txt"
    assert len(sample.read_text(encoding="utf-8").splitlines()) == 1500 - 40 + 1500
