"""Checkpoints of long runs, kept on disk so that a run killed halfway starts again where it stopped
and ends as an uninterrupted run: the model after each epoch of ``offramp train`` (:class:`EpochCheckpoint`),
and the finished restarts of ``offramp align --restarts`` and of the auxiliary alignment of ``--via``
(:class:`RestartStore`).

Each restart of :class:`alignment.selflearning.SelfLearning` depends only on the inputs and its own
random state, so a restart taken from the folder is the one the run would compute again; an epoch
resumes from the model saved after the one before.
"""
import hashlib
import json
import os

import numpy as np

from .io.atomic import atomic_open, atomic_path, write_json

__all__ = ["EpochCheckpoint", "RestartStore", "inputs_key"]


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


class EpochCheckpoint:
    """For ``offramp train --checkpoint-dir``: the model after each epoch in ``folder``
    (``model-EPOCH.pkl``, gensim's pickle) and what it is (``checkpoint.json``: the training's key,
    the epochs done, the model file, the learning-rate bounds, the corpus counts). Each is written
    to a temporary file and renamed, the record after its model, and the older model removed after
    the record: a kill at any point leaves a record and the model it names."""

    def __init__(self, folder, corpus, options):
        self.folder = os.fspath(folder)
        stamps = [[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in corpus.paths]
        reading = dict(lowercase=corpus.lowercase, lang=corpus.lang, prefix_len=corpus.prefix_len,
                       id_column=corpus.id_column, max_lines=corpus.max_lines, exclude_ids=sorted(corpus.exclude_ids))
        self.key = inputs_key(options=[stamps, reading, options])

    def load(self, corpus):
        """``(model, epochs_done, epochs, (alpha, min_alpha))`` from a checkpoint of this training, or None."""
        from gensim.utils import SaveLoad

        record_path = os.path.join(self.folder, "checkpoint.json")
        if not os.path.exists(record_path):
            return None
        with open(record_path, encoding="utf-8") as handle:
            record = json.load(handle)
        if record.get("key") != self.key:
            return None  # another training's checkpoint: start afresh, overwriting it
        model = SaveLoad.load(os.path.join(self.folder, record["model"]))
        for name in ("n_tokens", "n_lines", "n_excluded"):
            setattr(corpus, name, record.get(name))
        return model, record["epochs_done"], record["epochs"], tuple(record["alpha"])

    def save(self, model, done, epochs, alpha, corpus):
        os.makedirs(self.folder, exist_ok=True)
        name = f"model-{done:03d}.pkl"
        callbacks = getattr(model, "callbacks", None)  # the progress bar's callback is no state to keep
        model.callbacks = ()
        try:
            with atomic_path(os.path.join(self.folder, name)) as tmp:
                model.save(tmp, separately=[])
        finally:
            model.callbacks = () if callbacks is None else callbacks
        write_json(os.path.join(self.folder, "checkpoint.json"),
                   {"key": self.key, "epochs_done": done, "epochs": epochs, "model": name, "alpha": list(alpha),
                    **{field: getattr(corpus, field, None) for field in ("n_tokens", "n_lines", "n_excluded")}})
        for old in os.listdir(self.folder):
            if old.startswith("model-") and old.endswith(".pkl") and old != name:
                os.unlink(os.path.join(self.folder, old))


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
        with atomic_open(pairs_path, "wb") as handle:
            np.savez(handle, pairs=np.asarray(to_numpy(pairs), dtype=np.int64))
        write_json(record_path, {"key": self.key, "restart": restart, "objective": objective, "history": history,
                                 "n_iter": int(n_iter), "converged": bool(converged)},
                   default=lambda v: v.item() if hasattr(v, "item") else str(v))
