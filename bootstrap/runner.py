"""Run a graph of tasks on Dask distributed, each task's result cached in a folder of its own.

offramp's multilingual plans are such graphs: a training task per language, an alignment task per
language (on two trained spaces), a joint task (on all the alignments). A task's effective key hashes
its own ``key`` (its inputs and options: :func:`task_key`, :func:`file_stamp`) with its dependencies'
effective keys, so a change upstream reruns everything downstream; it names the task's folder, which
is finished once it holds ``result.json``. So an interrupted run resumes where it stopped, and one
task's exception stops only the tasks that depend on it. Dask is optional (``pip install
"offramp[multi]"``), imported only when some task must run.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ._progress import progress_bar
from .io.atomic import file_lock, write_json

__all__ = ["Task", "Outcome", "task_key", "file_stamp", "run_tasks"]

#: The file whose presence marks a task's folder as finished.
RESULT_FILE = "result.json"

#: Characters of a task name that are not kept in its folder's name (``:``, ``/``, spaces...).
_SAFE = re.compile(r"[^\w.-]")


@dataclass(frozen=True)
class Task:
    """One unit of work in a graph run by :func:`run_tasks`.

    Parameters
    ----------
    name : str
        Unique in its graph, e.g. ``"train:de"``, ``"hub:de"``, ``"joint"``.
    func : callable
        A module-level function that the Dask scheduler and workers can import, called as
        ``func(workdir, deps, *args, **kwargs)`` with ``workdir`` (a :class:`~pathlib.Path`) the task's
        own empty folder and ``deps`` ``{dependency name: its result dict}``; it returns a
        JSON-serialisable dict (paths of the files it wrote, scores).
    args : tuple, default=()
    kwargs : dict, default={}
    deps : tuple of str, default=()
        Names of the tasks whose results this one needs.
    key : str, default=""
        A hash of this task's own inputs and options, computed by the caller (:func:`task_key`);
        tasks with equal names and keys, and dependencies of equal keys, share cached results.
    """

    name: str
    func: Callable
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    deps: tuple = ()
    key: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"a task's name is a non-empty str; got {self.name!r}")
        if not callable(self.func):
            raise TypeError(f"task {self.name}: func must be callable; got {type(self.func).__name__}")
        if isinstance(self.deps, str):
            raise TypeError(f"task {self.name}: deps is a tuple of task names; got the str {self.deps!r}")
        object.__setattr__(self, "deps", tuple(self.deps))


@dataclass
class Outcome:
    """What became of one task in :func:`run_tasks`.

    Attributes
    ----------
    name : str
    status : {"done", "cached", "failed", "blocked"}
        Run now, found finished in the cache, raised an exception, or not run because a task it
        depends on failed (``blocked_by`` names that one).
    result : dict or None
        The returned dict as read back from ``result.json`` (``"done"``, ``"cached"``).
    error, traceback : str or None
        ``"ValueError: message"`` on one line, and the full traceback (``"failed"``).
    blocked_by : str or None
    wall_s : float
        Seconds the task ran (0 unless run now), on ``worker``, the Dask worker's address.
    worker : str or None
    key, workdir : str
        The effective key, and the task's folder.
    """

    name: str
    status: str
    result: dict | None = None
    error: str | None = None
    traceback: str | None = None
    blocked_by: str | None = None
    wall_s: float = 0.0
    worker: str | None = None
    key: str = ""
    workdir: str = ""


def task_key(*parts) -> str:
    """A 16-hex-digit hash (sha256) of ``parts`` as JSON (keys sorted; other objects as ``str``).

    Give it what decides a task's output: options, seeds, :func:`file_stamp` of input files (a path
    alone would hash where a file lies, not what it holds).
    """
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def file_stamp(path) -> list:
    """``[file name, size in bytes, sha256 of the content]``: what identifies an input file in a
    :func:`task_key`, so that a data folder moved elsewhere still hits the cache."""
    path = Path(path)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return [path.name, path.stat().st_size, digest.hexdigest()]


def run_tasks(tasks, *, cache_dir, scheduler=None, n_workers=None, progress=True) -> dict:
    """Run a graph of :class:`Task` on Dask, skipping those already finished in ``cache_dir``.

    Parameters
    ----------
    tasks : iterable of Task
        Unique names, known dependencies, no cycles (else ValueError naming them).
    cache_dir : str or Path
        Holds one folder per task, ``<name>-<effective key>`` (``:`` and ``/`` in the name made
        ``_``). With ``scheduler``, it must lie on a filesystem that the workers share, at the same
        path.
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``). The scheduler and its workers
        must import offramp and the tasks' modules (the scheduler unpickles each task). By default a
        ``distributed.LocalCluster`` of processes is started (only when some task must run) and
        closed at the end; a script that calls this without ``scheduler`` must do so under
        ``if __name__ == "__main__":``, as the worker processes import the main module.
    n_workers : int, optional
        Worker processes of the local cluster, one thread each; default: the number of tasks to run,
        at most ``os.cpu_count()``. Not for use with ``scheduler``.
    progress : bool, default=True
        A bar over the tasks on stderr, and a line per finished task
        (``train:de done in 41.2s on tcp://127.0.0.1:3456``).

    Returns
    -------
    dict of str to Outcome
        By task name, in the order of ``tasks``. A failed task does not raise: check each
        :attr:`Outcome.status`.
    """
    tasks = list(tasks)
    keys = _effective_keys(tasks)
    if n_workers is not None and scheduler is not None:
        raise ValueError("n_workers sizes the local cluster; a scheduler's cluster has the workers it has: "
                         "give one of n_workers and scheduler")
    if n_workers is not None and (not isinstance(n_workers, int) or n_workers < 1):
        raise ValueError(f"n_workers must be a positive int; got {n_workers!r}")
    by_name = {task.name: task for task in tasks}
    cache_dir = Path(cache_dir).resolve()  # the workers' working directories differ from ours
    folders = {name: cache_dir / f"{_SAFE.sub('_', name)}-{key}" for name, key in keys.items()}
    outcomes = {}
    with progress_bar(total=len(tasks), desc="tasks", unit="task", disable=not progress) as bar:
        def finish(outcome):
            outcome.key, outcome.workdir = keys[outcome.name], str(folders[outcome.name])
            outcomes[outcome.name] = outcome
            bar.update(1)
            if progress:
                bar.write(_describe(outcome), file=sys.stderr)

        for name, folder in folders.items():
            if (folder / RESULT_FILE).exists():
                with open(folder / RESULT_FILE, encoding="utf-8") as handle:
                    finish(Outcome(name, "cached", result=json.load(handle)))
        pending = [name for name in keys if name not in outcomes]  # dependencies first
        if pending:
            _run_on_dask([by_name[name] for name in pending], folders, outcomes, finish,
                         scheduler=scheduler, n_workers=n_workers)
    return {task.name: outcomes[task.name] for task in tasks}


def _effective_keys(tasks):
    """``{name: effective key}`` of a valid graph, dependencies before their dependents."""
    for task in tasks:
        if not isinstance(task, Task):
            raise TypeError(f"run_tasks takes Task objects; got {type(task).__name__}")
    names = [task.name for task in tasks]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"task names must be unique; given more than once: {', '.join(repeated)}")
    by_name = {task.name: task for task in tasks}
    unknown = [f"{task.name} needs {dep}" for task in tasks for dep in task.deps if dep not in by_name]
    if unknown:
        raise ValueError(f"unknown dependencies (no task of that name): {'; '.join(unknown)}")
    keys, path = {}, []

    def visit(name):
        if name in keys:
            return
        if name in path:
            cycle = path[path.index(name):] + [name]
            raise ValueError(f"tasks depend on each other in a cycle: {' -> '.join(cycle)}")
        path.append(name)
        for dep in by_name[name].deps:
            visit(dep)
        path.pop()
        task = by_name[name]
        keys[name] = task_key(name, task.key, [keys[dep] for dep in task.deps])

    for name in names:
        visit(name)
    return keys


def _run_on_dask(tasks, folders, outcomes, finish, *, scheduler, n_workers):
    """Submit ``tasks`` (dependencies first) to a Dask cluster and ``finish`` each as it completes."""
    try:
        import distributed
    except ImportError as exc:
        raise ImportError('running tasks needs Dask distributed: pip install "offramp[multi]"') from exc
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=n_workers or min(len(tasks), os.cpu_count() or 1), threads_per_worker=1,
                processes=True, dashboard_address=":0", silence_logs=logging.ERROR))
            client = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                client = stack.enter_context(distributed.Client(scheduler))
            except OSError as exc:
                raise OSError(f"{exc}; is a Dask scheduler running there (`dask scheduler`, then `dask worker "
                              f"{scheduler}` on each machine)? Leave out --scheduler for a local cluster") from exc
        futures, deps_of = {}, {task.name: task.deps for task in tasks}
        for task in tasks:
            # a finished dependency's future, or the cached result wrapped as _execute returns it
            deps = {dep: futures[dep] if dep in futures else {"result": outcomes[dep].result} for dep in task.deps}
            # a fresh key per submission: a shared scheduler must not hand us another run's (failed) result
            futures[task.name] = client.submit(_execute, task.name, task.func, str(folders[task.name]), deps,
                                               task.args, task.kwargs, key=f"{task.name}-{uuid.uuid4().hex}",
                                               pure=False)
        names = {future.key: name for name, future in futures.items()}

        def failed_root(name):
            # a task that failed in Dask itself (unpicklable, killed worker) errs its dependents too
            for dep in deps_of[name]:
                if dep in futures and futures[dep].status == "error":
                    return failed_root(dep)
            return name

        for future in distributed.as_completed(list(futures.values())):
            name = names[future.key]
            try:
                payload = future.result()
            except Exception as exc:
                root = failed_root(name)
                payload = {"blocked_by": root} if root != name else {
                    "error": _error_line(exc),
                    "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))}
            finish(_outcome(name, payload))


def _execute(name, func, workdir, deps, args, kwargs):
    """Run one task on a worker, unless a dependency failed; returns ``{"result": ...}`` or what
    went wrong, never raises for the task's own errors."""
    for dep, payload in deps.items():
        if "result" not in payload:
            return {"blocked_by": payload.get("blocked_by") or dep}
    from distributed import get_worker

    worker, workdir = get_worker().address, Path(workdir)
    start = time.perf_counter()
    # another run sharing the cache may be computing this task: wait for it, then take its result
    workdir.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(workdir.parent / f".{workdir.name}.lock"):
        if (workdir / RESULT_FILE).exists():
            with open(workdir / RESULT_FILE, encoding="utf-8") as handle:
                return {"result": json.load(handle), "worker": worker, "wall_s": 0.0, "waited": True}
        try:
            if workdir.exists():  # without result.json, and no run holds it: what a killed run left
                shutil.rmtree(workdir)
            workdir.mkdir(parents=True)
            result = func(workdir, {dep: payload["result"] for dep, payload in deps.items()}, *args, **kwargs)
            if not isinstance(result, dict):
                raise TypeError(f"task {name} returned {type(result).__name__}; a task returns a JSON-serialisable "
                                "dict")
            write_json(workdir / RESULT_FILE, result)
        except Exception as exc:
            return {"error": _error_line(exc), "traceback": traceback.format_exc(), "worker": worker,
                    "wall_s": time.perf_counter() - start}
    wall_s = time.perf_counter() - start
    # read back, so that dependents and the caller see what a cached run would load (lists, not tuples)
    with open(workdir / RESULT_FILE, encoding="utf-8") as handle:
        return {"result": json.load(handle), "worker": worker, "wall_s": wall_s}


def _outcome(name, payload):
    status = "done" if "result" in payload else "failed" if "error" in payload else "blocked"
    return Outcome(name, status, result=payload.get("result"), error=payload.get("error"),
                   traceback=payload.get("traceback"), blocked_by=payload.get("blocked_by"),
                   wall_s=round(payload.get("wall_s", 0.0), 3), worker=payload.get("worker"))


def _error_line(exc):
    """``"ValueError: message"`` on one line, with the cause that Dask wraps (unpickling errors) unless the
    message already says it (an error re-raised with more context)."""
    line = " ".join(f"{type(exc).__name__}: {exc}".split()).rstrip(":")
    cause = exc.__cause__
    said = None if cause is None else " ".join(str(cause).split())
    return line if cause is None or said in line else f"{line} (from {type(cause).__name__}: {said})"


def _describe(outcome):
    """The progress line of a finished task."""
    if outcome.status == "done":
        return f"{outcome.name} done in {outcome.wall_s:.1f}s on {outcome.worker}"
    if outcome.status == "failed":
        return f"{outcome.name} failed: {outcome.error}"
    if outcome.status == "blocked":
        return f"{outcome.name} blocked by {outcome.blocked_by}"
    return f"{outcome.name} cached"
