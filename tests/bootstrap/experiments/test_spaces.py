"""``offramp experiment pivot`` and ``diversity`` on the tiny data folder (et and lt borrow half of their
words' spellings from fi and lv, their relatives)."""
import pytest

from fixtures.experiment_data import TRAIN
from offramp.bootstrap.errors import InputsError
from offramp.bootstrap.experiments import default_languages, run_diversity, run_pivot


@pytest.fixture(scope="module")
def pivot_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("pivot-cache")


@pytest.fixture(scope="module")
def pivot(exp_data, pivot_cache, scheduler):
    return run_pivot("et", hubs=("en", "fi"), data=exp_data, random_states=(0,), train=TRAIN, cache=pivot_cache,
                     scheduler=scheduler, progress=False)


def test_pivot_routes_default_to_the_hub_and_the_relatives(pivot, exp_data, pivot_cache, scheduler):
    again = run_pivot("et", data=exp_data, random_states=(0,), train=TRAIN, cache=pivot_cache, scheduler=scheduler,
                      progress=False)
    assert again.setting["xs"] == ["en", "fi", "own-dictionary"] and again.points == pivot.points
    assert {t["status"] for t in again.tasks.values()} == {"cached"}


def test_pivot_scores_each_route_in_both_directions(pivot):
    assert not pivot.failed, pivot.failed
    assert {(p["x"], p["metric"]) for p in pivot.points} == {(x, m) for x in ("en", "fi", "own-dictionary")
                                                             for m in ("p@1 en-et", "p@1 et-en")}
    assert all(p["value"] >= 50 for p in pivot.points)
    assert all(p["coverage"] == 100 for p in pivot.points)


def test_the_bridge_runs_a_lexicon_to_the_relative_and_a_three_language_space(pivot):
    names = set(pivot.tasks)
    assert {"lexicon:et>fi:s0", "link:et-via-fi:s0", "link:fi:s0", "space:et-via-fi:s0", "space:et-direct:s0",
            "link:et:s0", "link:et-dictionary:s0", "space:et-own-dictionary:s0"} <= names
    assert pivot.setting["x_label"] == "bridge" and pivot.setting["gold"] == "en-et.txt"


@pytest.mark.parametrize("kwargs, match", [
    ({"hubs": ("en", "et")}, "its own bridge"),
    ({"seed": "dictionary+identical"}, "without one"),
    ({"hubs": ("en", "de")}, "'de' has no corpus"),
])
def test_pivot_refuses_what_cannot_work(exp_data, tmp_path, kwargs, match):
    with pytest.raises(InputsError, match=match):
        run_pivot("et", data=exp_data, cache=tmp_path, **kwargs)


def test_the_reference_route_can_be_left_out(exp_data, pivot, pivot_cache, scheduler):
    out = run_pivot("et", hubs=("en",), reference=False, data=exp_data, random_states=(0,), train=TRAIN,
                    cache=pivot_cache, scheduler=scheduler, progress=False)
    assert out.setting["xs"] == ["en"] and {p["x"] for p in out.points} == {"en"}


def test_a_bridge_needs_a_dictionary_to_the_hub(exp_data, tmp_path):
    import shutil

    data = shutil.copytree(exp_data, tmp_path / "data")
    (data / "dictionaries" / "muse" / "en-fi.txt").unlink()
    with pytest.raises(InputsError, match="the bridge fi needs a dictionary to en .*en-fi.txt is missing"):
        run_pivot("et", hubs=("en", "fi"), data=data, cache=tmp_path)


def test_pivot_needs_gold_to_score(exp_data, tmp_path):
    with pytest.raises(InputsError, match="no gold dictionary between fi and lt"):
        run_pivot("lt", hubs=("fi",), hub="fi", data=exp_data, cache=tmp_path)


@pytest.fixture(scope="module")
def diversity(exp_data, tmp_path_factory, scheduler):
    return run_diversity("lv", data=exp_data, random_states=(0,), train=TRAIN,
                         cache=tmp_path_factory.mktemp("diversity-cache"), scheduler=scheduler, progress=False)


def test_diversity_grows_the_space_from_the_pair_to_every_language(diversity):
    assert not diversity.failed, diversity.failed
    assert diversity.setting["spaces"] == {"en+lv": ["en", "lv"], "+relatives": ["en", "lv", "lt"],
                                           "all": ["en", "lv", "lt", "et", "fi"]}
    metrics = {}
    for p in diversity.points:
        metrics.setdefault(p["x"], set()).add(p["metric"])
    assert metrics["en+lv"] == {"p@1 en-lv", "p@1 lv-en"}
    assert metrics["all"] == metrics["+relatives"] == {"p@1 en-lv", "p@1 lv-en", "p@1 lv-lt", "p@1 lt-lv"}


def test_diversity_shares_trainings_and_links_between_spaces(diversity):
    links = [name for name in diversity.tasks if name.startswith("link:")]
    assert sorted(links) == ["link:et:s0", "link:fi:s0", "link:lt:s0", "link:lv:s0"]


def test_default_languages_have_corpora_and_a_dictionary_to_the_hub(exp_data):
    assert default_languages(exp_data, "en") == ["et", "fi", "lt", "lv"]


def test_diversity_takes_relatives_and_languages(exp_data, tmp_path, scheduler):
    out = run_diversity("et", relatives=["fi"], languages=["fi"], data=exp_data, random_states=(0,), train=TRAIN,
                        cache=tmp_path, scheduler=scheduler, progress=False, seed="identical+numerals")
    assert out.setting["xs"] == ["en+et", "+relatives"]  # all = the relatives here: no third space
    assert {p["metric"] for p in out.points if p["x"] == "+relatives"} == {"p@1 en-et", "p@1 et-en", "p@1 fi-et",
                                                                           "p@1 et-fi"}


@pytest.mark.parametrize("kwargs, match", [
    ({"relatives": ["de"]}, "'de' has no corpus"),
    ({"tgt": "en"}, "is the hub"),
])
def test_diversity_refuses_what_cannot_work(exp_data, tmp_path, kwargs, match):
    options = {"tgt": "lv", "data": exp_data, "cache": tmp_path, **kwargs}
    with pytest.raises(InputsError, match=match):
        run_diversity(options.pop("tgt"), **options)


def test_no_seed_holds_a_test_word_of_the_gold_pair(pivot, pivot_cache):
    import json

    from offramp.bootstrap.io.dictionaries import read_dictionary
    from offramp.bootstrap.io.embeddings import load_embeddings
    from offramp.bootstrap.multi import load_link

    folder = {p.name.rsplit("-", 1)[0]: p for p in pivot_cache.iterdir()}
    en = load_embeddings(folder["train_en_s0"] / "vectors.vec", progress=False).index_to_key
    test_words = {s for s, _ in read_dictionary(folder["split_en-et"] / "test.tsv")}
    for name in ("link_fi_s0", "link_et-via-fi_s0", "link_et-dictionary_s0"):
        result = json.loads((folder[name] / "result.json").read_text())
        assert result["n_seed_entries"] > 0 and result["n_test_entries_removed"] >= 0
        assert not {en[row] for row in load_link(folder[name]).pairs[:, 0]} & test_words, name
    assert json.loads((folder["link_et_s0"] / "result.json").read_text())["n_seed_entries"] is None


@pytest.mark.parametrize("hub, code, kept", [
    ("en", "fi", [("dog", "koira")]),  # en-et's en test word 'house' goes from every seed to en
    ("en", "et", [("dog", "koer")]),  # and et's test word 'maja' from et's seeds
])
def test_without_test_words(tmp_path, hub, code, kept):
    from offramp.bootstrap.experiments.spaces import _without_test_words

    (tmp_path / "test.tsv").write_text("house\tmaja\n", encoding="utf-8")
    entries = {"fi": [("house", "talo"), ("dog", "koira")], "et": [("house", "kodu"), ("home", "maja"),
                                                                   ("dog", "koer")]}[code]
    deps = {"split:en-et": {"test": str(tmp_path / "test.tsv")}}
    assert _without_test_words(entries, deps, [("split:en-et", "en", "et")], hub, code) == kept
