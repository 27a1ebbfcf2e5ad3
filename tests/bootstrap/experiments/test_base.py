"""The experiments' shared parts: random states, the task graph, the result's summary and table."""
import json

import pytest

from offramp.bootstrap.errors import InputsError
from offramp.bootstrap.experiments._base import ExperimentResult, Graph, data_dir, parse_states, split_task


@pytest.mark.parametrize("text, states", [("0,1,2", (0, 1, 2)), ("3", (3,)), ("2, 0,2", (2, 0)), (3, (0, 1, 2))])
def test_parse_states(text, states):
    assert parse_states(text) == states


@pytest.mark.parametrize("text", ["", "a,b", "-1", "1.5"])
def test_parse_states_refuses(text):
    with pytest.raises(InputsError, match="random state"):
        parse_states(text)


def _task(workdir, deps, **kwargs):
    return kwargs


def test_graph_adds_a_task_once_and_refuses_two_under_one_name():
    graph = Graph()
    assert graph.add("train:en:s0", _task, a=1, key=(1,)) == "train:en:s0"
    graph.add("train:en:s0", _task, a=1, key=(1,))
    assert len(graph.tasks) == 1
    with pytest.raises(RuntimeError, match="both named"):
        graph.add("train:en:s0", _task, a=2, key=(2,))


def test_data_dir_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("OFFRAMP_MIRROR", raising=False)
    monkeypatch.setenv("OFFRAMP_CACHE", str(tmp_path / "absent"))
    with pytest.raises(InputsError, match="--data DIR"):
        data_dir()
    monkeypatch.setenv("OFFRAMP_MIRROR", str(tmp_path))
    assert data_dir() == tmp_path


def test_split_task_writes_disjoint_frequency_matched_train_and_test(exp_data, tmp_path):
    from offramp.bootstrap.io.dictionaries import read_dictionary

    files = {c: sorted(str(p) for p in (exp_data / "corpora").rglob("*")
                       if p.name.startswith((c + ".", {"en": "English", "fi": "Finnish"}[c])))
             for c in ("en", "fi")}
    out = split_task(tmp_path, {}, a="en", b="fi", files_a=files["en"], files_b=files["fi"],
                     gold=str(exp_data / "dictionaries" / "muse" / "en-fi.txt"))
    train, test = read_dictionary(out["train"]), read_dictionary(out["test"])
    assert train and test and not {s for s, _ in train} & {s for s, _ in test}
    assert out["n_test_words"] == len({s for s, _ in test})


POINTS = [{"x": 100, "random_state": s, "metric": m, "value": v}
          for s, m, v in [(0, "p@1", 10.0), (1, "p@1", 20.0), (0, "coverage", 50.0), (1, "coverage", 50.0)]]


def test_summary_gives_mean_and_sample_std_per_metric_and_x():
    result = ExperimentResult("data-size", {"tgt": "fi", "xs": [100], "x_label": "tokens", "random_states": [0, 1]},
                              POINTS + [{"x": "all", "random_state": 0, "metric": "p@1", "value": 30.0}])
    rows = {(r["metric"], r["x"]): r for r in result.summary()}
    assert rows["p@1", 100] == {"metric": "p@1", "x": 100, "mean": 15.0, "std": 7.07, "n": 2}
    assert rows["p@1", "all"]["std"] == 0.0 and rows["coverage", 100]["mean"] == 50.0
    table = result.table()
    assert "15.0 ± 7.1" in table and table.splitlines()[0].split() == ["tokens", "p@1", "coverage"]
    assert "-" in table.splitlines()[2]  # all has no coverage point


def test_to_json_has_the_contract_keys(tmp_path):
    result = ExperimentResult("pivot", {"tgt": "et", "xs": ["en"], "random_states": [0]}, POINTS,
                              {"split:en-et": {"status": "failed", "error": "ValueError: x", "wall_s": 0}})
    result.write_json(tmp_path / "r.json")
    payload = json.loads((tmp_path / "r.json").read_text())
    assert {"experiment", "setting", "points", "summary", "signature", "failed"} <= set(payload)
    assert payload["failed"] == {"split:en-et": "ValueError: x"}
    assert set(payload["points"][0]) == {"x", "random_state", "metric", "value"}
    assert payload["signature"].startswith("offramp:") and "method:experiment-pivot" in payload["signature"]


@pytest.mark.parametrize("means, expected", [
    ({"en": 1.0, "fi": 3.5}, "via fi, +2.5 over direct"),
    ({"en": 4.0, "lt": 0.5, "own-dictionary": 9.0}, "direct, +3.5 over via lt"),  # the reference never wins
])
def test_pivot_verdict_names_the_best_route_without_a_dictionary(means, expected):
    from offramp.bootstrap.experiments._base import pivot_verdict

    summary = [{"metric": "p@1 en-et", "x": x, "mean": m, "std": 0.3, "n": 2} for x, m in means.items()]
    verdict = pivot_verdict("pivot", {"hub": "en"}, summary)
    assert verdict.startswith("best route without a dictionary (p@1 en-et): " + expected)
    assert verdict.endswith("(std up to 0.3)")
    assert pivot_verdict("diversity", {"hub": "en"}, summary) is None
