"""The experiments' figures: a PNG for each kind of experiment, written whole."""
import pytest

from offramp.bootstrap.experiments import ExperimentResult, plot_experiment

pytest.importorskip("matplotlib")

SETTINGS = {
    "data-size": ({"src": "en", "tgt": "fi", "seed": "dictionary", "gold": "en-fi.txt", "n_test_words": 1000,
                   "train": {"dim": 100}, "data": "/x/shared/data"}, [10_000, 100_000, "all"]),
    "pivot": ({"tgt": "et", "hub": "en", "seed": "identical", "gold": "en-et.txt"}, ["en", "fi"]),
    "diversity": ({"tgt": "lv", "hub": "en", "seed": "dictionary",
                   "spaces": {"en+lv": ["en", "lv"], "all": ["en", "lv", "lt"]}}, ["en+lv", "all"]),
}


def _payload(kind):
    setting, xs = SETTINGS[kind]
    metric = "p@1" if kind == "data-size" else "p@1 en-lv"
    points = [{"x": x, "random_state": s, "metric": metric, "value": 10.0 + i + s, "tokens": 3_000_000}
              for i, x in enumerate(xs) for s in (0, 1)]
    setting = {**setting, "xs": xs, "random_states": [0, 1]}
    return ExperimentResult(kind, setting, points, baselines={"no_transfer_p@1": 2.5}).to_json()


@pytest.mark.parametrize("kind", list(SETTINGS))
def test_each_experiment_plots_to_a_png(kind, tmp_path):
    path = plot_experiment(_payload(kind), tmp_path / "sub" / f"{kind}.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    assert [p.name for p in path.parent.iterdir()] == [f"{kind}.png"]  # no temporary file left
    assert path.stat().st_mode & 0o044  # readable by others, as any output (not the temporary file's 0600)


def test_no_points_is_an_error(tmp_path):
    payload = _payload("pivot")
    payload["points"] = []
    with pytest.raises(ValueError, match="no points"):
        plot_experiment(payload, tmp_path / "x.png")
    assert not list(tmp_path.iterdir())
