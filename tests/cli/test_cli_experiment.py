"""``offramp experiment data-size|pivot|diversity`` (CliRunner) on the tiny data folder, on the tests' Dask
cluster: the table, the summary line with its signature, the JSON contract and the figure."""
import json

import pytest

from fixtures.cli import invoke
from fixtures.experiment_data import TRAIN, make_data

pytest.importorskip("distributed")
pytest.importorskip("matplotlib")

TRAIN_ARGS = [arg for key, value in TRAIN.items() for arg in ("--train", f"{key}={value}")]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return make_data(tmp_path_factory.mktemp("cli-exp-data"))


@pytest.fixture(scope="module")
def common(data, dask_cluster, tmp_path_factory):
    return ["--data", data, "--random-states", "0", "--scheduler", dask_cluster[0], "--quiet",
            "--cache", tmp_path_factory.mktemp("cli-exp-cache"), *TRAIN_ARGS]


@pytest.mark.parametrize("command, args, first_column, metrics", [
    ("data-size", ["--tgt", "fi", "--sizes", "3k,all"], "tokens", ["p@1", "coverage"]),
    ("pivot", ["--tgt", "et", "--hubs", "en,fi"], "bridge", ["p@1 en-et", "p@1 et-en"]),
    ("diversity", ["--tgt", "lv", "--languages", "lt"], "space", ["p@1 en-lv", "p@1 lv-en", "p@1 lv-lt", "p@1 lt-lv"]),
])
def test_cli_experiment_writes_json_and_plot_and_prints_the_table(tmp_path, common, command, args, first_column,
                                                                  metrics):
    result = invoke("experiment", command, *args, *common, "--json", tmp_path / "out.json",
                    "--plot", tmp_path / "figs" / "out.png")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split()[0] == first_column and [m for m in metrics if m in lines[0]] == metrics
    assert lines[-1].startswith(f"{command} {args[1]}: ") and f"method:experiment-{command}" in lines[-1]
    assert f"wrote {tmp_path / 'out.json'}, {tmp_path / 'figs' / 'out.png'}" in lines[-1]
    payload = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert payload["experiment"] == command and payload["setting"]["tgt"] == args[1]
    assert payload["setting"]["train"] == TRAIN
    assert {p["metric"] for p in payload["points"]} == set(metrics)
    assert all({"x", "random_state", "metric", "value"} <= set(p) for p in payload["points"])
    assert (tmp_path / "figs" / "out.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args, message", [
    (["data-size", "--tgt", "fi", "--sizes", "10q"], "10q"),
    (["data-size", "--tgt", "fi", "--train", "epochz=3"], "unknown training option epochz"),
    (["data-size", "--tgt", "fi", "--train", "epochs"], "OPTION=VALUE"),
    (["pivot", "--tgt", "et", "--hubs", "en,et"], "its own bridge"),
    (["diversity", "--tgt", "lv", "--relatives", "de"], "'de' has no corpus"),
    (["pivot", "--tgt", "et", "--random-states", "a"], "random states"),
])
def test_cli_experiment_refuses_bad_options_with_exit_2(data, tmp_path, args, message):
    result = invoke("experiment", *args, "--data", data, "--cache", tmp_path / "cache", "--quiet")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "cache").exists()


def test_cli_experiment_refuses_one_file_for_json_and_plot(data, tmp_path):
    result = invoke("experiment", "pivot", "--tgt", "et", "--data", data, "--json", tmp_path / "x", "--plot",
                    tmp_path / "x", "--cache", tmp_path / "cache")
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "cache").exists()


def test_cli_experiment_help_names_the_three_questions():
    result = invoke("experiment", "--help")
    assert result.exit_code == 0
    assert all(name in result.output for name in ("data-size", "pivot", "diversity"))
