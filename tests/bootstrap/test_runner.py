"""The Dask task runner (bootstrap.runner): keys, graph checks, a real scheduler with two worker
processes, the cache and resumption, failures and what they block."""
import hashlib
import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from fixtures import runner_tasks
from offramp.bootstrap.runner import Task, _effective_keys, file_stamp, run_tasks, task_key

TESTS = Path(__file__).resolve().parents[1]


def _graph(counter=None, *, sleep=0.0, seed_a=1):
    """Two arrays from seeds and one task combining them (the shape of a multilingual plan)."""
    return [
        Task("train:a", runner_tasks.random_array, (seed_a,), {"sleep": sleep, "counter": counter},
             key=task_key("a", seed_a)),
        Task("train:b", runner_tasks.random_array, (2,), {"sleep": sleep, "counter": counter}, key=task_key("b", 2)),
        Task("joint", runner_tasks.combine, kwargs={"counter": counter}, deps=("train:a", "train:b")),
    ]


def _lines(path):
    return path.read_text().splitlines() if path.exists() else []


def _only_here(workdir, deps):
    return {}


def _without_path(result):
    return {name: value for name, value in result.items() if name != "path"}


# keys and the graph: no cluster needed

def test_task_key_is_a_stable_hash_of_json():
    parts = ("train:de", {"dim": 300, "epochs": None}, [1, 2])
    expected = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    assert task_key(*parts) == expected
    assert task_key("train:de", {"epochs": None, "dim": 300}, [1, 2]) == expected  # dict order does not matter
    assert task_key("train:de", {"dim": 100, "epochs": None}, [1, 2]) != expected
    assert task_key(Path("a/b")) == task_key("a/b")  # other objects hash as str
    # the same in a fresh interpreter (no per-process hash seed)
    code = "from offramp.bootstrap.runner import task_key; print(task_key(*%r))" % (parts,)
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == expected


def test_file_stamp_follows_content_not_place(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "de.txt").write_bytes(b"ein satz\n")
    (tmp_path / "b" / "de.txt").write_bytes(b"ein satz\n")
    stamp = file_stamp(tmp_path / "a" / "de.txt")
    assert stamp == ["de.txt", 9, hashlib.sha256(b"ein satz\n").hexdigest()]
    assert file_stamp(str(tmp_path / "b" / "de.txt")) == stamp  # a moved data folder hits the same cache
    (tmp_path / "b" / "de.txt").write_bytes(b"ein Satz\n")
    assert file_stamp(tmp_path / "b" / "de.txt") != stamp


def test_effective_key_changes_with_a_dependency():
    keys = _effective_keys(_graph())
    assert list(keys) == ["train:a", "train:b", "joint"]  # dependencies first
    assert keys["joint"] == task_key("joint", "", [keys["train:a"], keys["train:b"]])
    changed = _effective_keys(_graph(seed_a=7))
    assert changed["train:a"] != keys["train:a"]
    assert changed["joint"] != keys["joint"]  # a change upstream invalidates downstream
    assert changed["train:b"] == keys["train:b"]


@pytest.mark.parametrize("deps, match", [
    ({"a": (), "b": ("a",), "c": ("b",)}, None),  # valid
    ({"a": (), "b": ("x",)}, "unknown dependencies.*b needs x"),
    ({"a": ("c",), "b": ("a",), "c": ("b",)}, "cycle: a -> c -> b -> a"),
    ({"a": ("a",)}, "cycle: a -> a"),
])
def test_graph_errors(deps, match, tmp_path):
    tasks = [Task(name, runner_tasks.combine, deps=names) for name, names in deps.items()]
    if match is None:
        assert list(_effective_keys(tasks)) == ["a", "b", "c"]
        return
    with pytest.raises(ValueError, match=match):
        run_tasks(tasks, cache_dir=tmp_path, progress=False)
    assert not any(tmp_path.iterdir())


def test_duplicate_names_are_refused(tmp_path):
    tasks = [Task("train:de", runner_tasks.fail, ("x",)), Task("train:de", runner_tasks.combine),
             Task("hub:de", runner_tasks.combine, deps=("train:de",))]
    with pytest.raises(ValueError, match="given more than once: train:de"):
        run_tasks(tasks, cache_dir=tmp_path, progress=False)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"name": ""}, TypeError, "non-empty str"),
    ({"func": "combine"}, TypeError, "func must be callable"),
    ({"deps": "train:de"}, TypeError, "tuple of task names"),
])
def test_bad_task(kwargs, error, match):
    with pytest.raises(error, match=match):
        Task(**{"name": "hub:de", "func": runner_tasks.combine, **kwargs})


def test_needs_dask_only_to_run(tmp_path, monkeypatch):
    code = "import sys, offramp.bootstrap.runner; print('dask' in sys.modules or 'distributed' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() \
        == "False"
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    with pytest.raises(ImportError, match=r'pip install "offramp\[multi\]"'):
        run_tasks(_graph(), cache_dir=tmp_path, progress=False)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_workers": 2, "scheduler": "tcp://127.0.0.1:8786"}, "give one of n_workers and scheduler"),
    ({"n_workers": 0}, "n_workers must be a positive int; got 0"),
])
def test_bad_options(kwargs, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        run_tasks(_graph(), cache_dir=tmp_path, progress=False, **kwargs)


# a real cluster

def test_cluster_run_equals_local_run(dask_cluster, tmp_path, capsys):
    address, workers = dask_cluster
    remote = run_tasks(_graph(sleep=0.5), cache_dir=tmp_path / "remote", scheduler=address)
    assert {name: outcome.status for name, outcome in remote.items()} == dict.fromkeys(remote, "done")
    assert {remote["train:a"].worker, remote["train:b"].worker} == set(workers)  # both workers were used
    assert remote["joint"].worker in workers
    assert remote["train:a"].wall_s >= 0.5
    err = capsys.readouterr().err
    assert f"train:a done in {remote['train:a'].wall_s:.1f}s on {remote['train:a'].worker}\n" in err

    local = run_tasks(_graph(), cache_dir=tmp_path / "local", n_workers=2, progress=False)
    assert {name: outcome.status for name, outcome in local.items()} == dict.fromkeys(local, "done")
    assert not {outcome.worker for outcome in local.values()} & set(workers)
    for name in remote:
        assert _without_path(local[name].result) == _without_path(remote[name].result)
        assert local[name].key == remote[name].key  # the key knows no paths
        folder = Path(remote[name].workdir)
        assert folder.parent == tmp_path / "remote" and folder.name.endswith("-" + remote[name].key)
        assert json.loads((folder / "result.json").read_text()) == remote[name].result
    assert Path(remote["train:a"].workdir).name.startswith("train_a-")
    joint = np.load(remote["joint"].result["path"])
    np.testing.assert_array_equal(joint[:1000], np.load(remote["train:a"].result["path"]))
    assert remote["joint"].result["inputs"] == ["train:a", "train:b"]


def test_cache_and_resume(dask_cluster, tmp_path, monkeypatch, capsys):
    address, _ = dask_cluster
    counter = tmp_path / "calls.txt"
    first = run_tasks(_graph(counter), cache_dir=tmp_path / "cache", scheduler=address, progress=False)
    assert len(_lines(counter)) == 3

    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "distributed", None)  # all cached: no cluster needed
        second = run_tasks(_graph(counter), cache_dir=tmp_path / "cache", scheduler=address)
    assert {name: outcome.status for name, outcome in second.items()} == dict.fromkeys(second, "cached")
    assert len(_lines(counter)) == 3  # nothing called
    assert {name: outcome.result for name, outcome in second.items()} == \
        {name: outcome.result for name, outcome in first.items()}
    assert "train:a cached\n" in capsys.readouterr().err

    # a run killed during "joint" leaves its folder without result.json, and a partial file
    folder = Path(first["joint"].workdir)
    (folder / "result.json").unlink()
    (folder / "partial.tmp").write_text("half")
    third = run_tasks(_graph(counter), cache_dir=tmp_path / "cache", scheduler=address, progress=False)
    assert [outcome.status for outcome in third.values()] == ["cached", "cached", "done"]
    assert _lines(counter)[3:] == ["combine"]
    assert sorted(path.name for path in folder.iterdir()) == ["result.json", "y.npy"]
    assert third["joint"].result == first["joint"].result

    # a changed input upstream reruns its dependents, in new folders
    fourth = run_tasks(_graph(counter, seed_a=7), cache_dir=tmp_path / "cache", scheduler=address, progress=False)
    assert [outcome.status for outcome in fourth.values()] == ["done", "cached", "done"]
    assert fourth["joint"].workdir != first["joint"].workdir


def test_failure_blocks_only_its_dependents(dask_cluster, tmp_path, monkeypatch, capsys):
    address, workers = dask_cluster
    counter = tmp_path / "calls.txt"
    # a function of a module that the cluster cannot import: the task fails in Dask (unpickling), not in itself
    monkeypatch.setitem(sys.modules, "runner_tasks_only_here", types.ModuleType("runner_tasks_only_here"))
    monkeypatch.setattr(_only_here, "__module__", "runner_tasks_only_here")
    monkeypatch.setattr(sys.modules["runner_tasks_only_here"], "_only_here", _only_here, raising=False)
    tasks = [
        Task("train:ok", runner_tasks.random_array, (1,), {"counter": counter}),
        Task("train:lv", runner_tasks.fail, ("no corpus for lv\nsecond line",), {"counter": counter}),
        Task("hub:lv", runner_tasks.combine, kwargs={"counter": counter}, deps=("train:lv", "train:ok")),
        Task("joint", runner_tasks.combine, kwargs={"counter": counter}, deps=("hub:lv", "train:ok")),
        Task("hub:ok", runner_tasks.combine, kwargs={"counter": counter}, deps=("train:ok",)),
        Task("train:list", runner_tasks.not_a_dict),
        Task("train:gone", _only_here),
        Task("hub:gone", runner_tasks.combine, deps=("train:gone", "train:ok")),
    ]
    outcomes = run_tasks(tasks, cache_dir=tmp_path, scheduler=address)
    assert {name: outcome.status for name, outcome in outcomes.items()} == {
        "train:ok": "done", "train:lv": "failed", "hub:lv": "blocked", "joint": "blocked", "hub:ok": "done",
        "train:list": "failed", "train:gone": "failed", "hub:gone": "blocked"}
    failed = outcomes["train:lv"]
    assert failed.error == "ValueError: no corpus for lv second line"  # one line
    assert "runner_tasks.py" in failed.traceback and failed.traceback.rstrip().endswith("second line")
    assert failed.worker in workers and failed.result is None
    assert not (Path(failed.workdir) / "result.json").exists()
    assert outcomes["train:list"].error.startswith("TypeError: task train:list returned list")
    assert outcomes["hub:lv"].blocked_by == outcomes["joint"].blocked_by == "train:lv"  # the failed one
    # the scheduler unpickles the graph, and wraps the error
    assert "(from ModuleNotFoundError: No module named 'runner_tasks_only_here')" in outcomes["train:gone"].error
    assert outcomes["hub:gone"].blocked_by == "train:gone"
    assert sorted(_lines(counter)) == ["combine", "fail", "random_array:1"]  # blocked tasks were not called
    err = capsys.readouterr().err
    assert "train:lv failed: ValueError: no corpus for lv second line\n" in err
    assert "hub:lv blocked by train:lv\n" in err

    # a failed task runs again in the next run
    again = run_tasks(tasks[:2], cache_dir=tmp_path, scheduler=address, progress=False)
    assert [outcome.status for outcome in again.values()] == ["cached", "failed"]
    assert _lines(counter).count("fail") == 2


def test_two_runs_sharing_a_cache_compute_each_task_once(dask_cluster, tmp_path):
    """Two runs started at once on one cache: a task the other run is computing is waited for and its result
    taken, not computed twice (and its folder is never removed under it)."""
    import threading

    address, _ = dask_cluster
    counter = tmp_path / "calls.txt"
    outcomes = []

    def run():
        outcomes.append(run_tasks(_graph(counter, sleep=1.0), cache_dir=tmp_path / "cache", scheduler=address,
                                  progress=False))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 2
    assert sorted(_lines(counter)) == ["combine", "random_array:1", "random_array:2"]
    assert outcomes[0]["joint"].result == outcomes[1]["joint"].result
    assert not list((tmp_path / "cache").glob(".*.lock"))
