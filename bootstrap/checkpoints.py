"""Checkpoints of long alignments: the finished restarts of ``offramp align --restarts`` (and of the
auxiliary alignment of ``--via``), kept on disk so that a run killed halfway starts again where it
stopped and ends as an uninterrupted run.

Each restart of :class:`alignment.selflearning.SelfLearning` depends only on the inputs and its own
random state, so a restart taken from the folder is the one the run would compute again.
"""
import hashlib
import json
import os

import numpy as np

from .io.atomic import atomic_path, write_json

__all__ = ["RestartStore", "inputs_key"]


def inputs_key(*arrays, options):
    """A key of a fit's inputs: the bytes of its arrays (vectors, seed pairs) and its options (JSON)."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"none")
            continue
        a = np.ascontiguousarray(np.asarray(a))
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


class RestartStore:
    """The finished restarts of one fit in ``folder`` (``restart-R.npz``: the induced pairs, and
    ``restart-R.json``: the objective, the history, the iterations, written after its pairs).
    A file of another fit (another ``key``) is ignored and replaced.

    Parameters
    ----------
    folder : path-like
    key : str
        :func:`inputs_key` of the fit.
    """

    def __init__(self, folder, key):
        self.folder = os.fspath(folder)
        self.key = key
        self.taken = []  # restarts given back from the folder, for the report

    def _paths(self, restart):
        stem = os.path.join(self.folder, f"restart-{restart}")
        return stem + ".npz", stem + ".json"

    def get(self, restart):
        pairs_path, record_path = self._paths(restart)
        if not (os.path.exists(record_path) and os.path.exists(pairs_path)):
            return None
        with open(record_path, encoding="utf-8") as handle:
            record = json.load(handle)
        if record.get("key") != self.key:
            return None
        with np.load(pairs_path) as z:
            pairs = z["pairs"]
        self.taken.append(restart)
        return record["objective"], pairs, record["history"], record["n_iter"], record["converged"]

    def put(self, restart, run):
        from ..alignment import to_numpy

        objective, pairs, history, n_iter, converged = run
        os.makedirs(self.folder, exist_ok=True)
        pairs_path, record_path = self._paths(restart)
        with atomic_path(pairs_path) as tmp:
            with open(tmp, "wb") as handle:
                np.savez(handle, pairs=np.asarray(to_numpy(pairs), dtype=np.int64))
        write_json(record_path, {"key": self.key, "restart": restart, "objective": objective, "history": history,
                                 "n_iter": int(n_iter), "converged": bool(converged)},
                   default=lambda v: v.item() if hasattr(v, "item") else str(v))
