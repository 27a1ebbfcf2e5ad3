"""What every experiment shares: where the data lies, the task graph and its cached run, the split of a
gold dictionary into seed and test words, full-corpus training, and the result (points, summary, JSON).

An experiment is a graph of :class:`bootstrap.runner.Task` run in one :func:`bootstrap.runner.run_tasks`
call (a local Dask cluster by default), each task cached by the hash of its inputs and options, so a rerun
with one more size, hub or random state computes only the new points.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..._version import __version__
from ..errors import InputsError
from ..io.atomic import write_json
from ..multi import train_task
from ..runner import Task, file_stamp, run_tasks, task_key
from ..signature import make_signature

#: Corpus words seen fewer times than this are not test or seed words (the benchmark's vocabularies).
VOCAB_MIN_COUNT = 3
#: Test words of each gold split, and at most this many seed words (``frequency_split``).
N_TEST, MAX_TRAIN = 1000, 5000
#: Close relatives of each language among those the shared data has corpora for (``--relatives``'s default).
RELATIVES = {
    "lv": ("lt",), "lt": ("lv",), "et": ("fi",), "fi": ("et",), "sl": ("sk",), "sk": ("sl",),
    "es": ("fr", "it", "pt"), "fr": ("es", "it"), "it": ("es", "fr"), "pt": ("es",), "ga": ("cy",), "cy": ("ga",),
    "de": ("nl",), "nl": ("de",), "is": ("fo",),
}


def data_dir(given=None):
    """The data folder (the shared layout: ``corpora/``, ``dictionaries/``): ``given``, else ``$OFFRAMP_MIRROR``,
    else the cache of ``offramp data fetch``."""
    from ..data import default_cache_dir

    if given is not None:
        path = Path(given).expanduser()
    elif os.environ.get("OFFRAMP_MIRROR") and not os.environ["OFFRAMP_MIRROR"].startswith(("http:", "https:")):
        path = Path(os.environ["OFFRAMP_MIRROR"]).expanduser()
    else:
        path = default_cache_dir()
    if not path.is_dir():
        raise InputsError(f"no data folder at {path}; give --data DIR (a folder with corpora/ and dictionaries/, "
                          "such as a mirror of `offramp data`), or fetch the data with `offramp data fetch`")
    return path.absolute()


def corpora_of(data, code):
    """Every corpus file of a language under ``data`` (:func:`bootstrap.io.corpora.find_corpora`), sorted."""
    from ..io.corpora import find_corpora

    files = sorted(find_corpora(data, code))
    if not files:
        raise InputsError(f"no corpus of {code!r} under {data}/corpora (bible/{code}.*.tsv, ted/LANGUAGE.txt, "
                          "ud/LANGUAGE-*.txt); fetch one with `offramp data fetch`, or choose another language")
    return files


def has_corpora(data, code):
    from ..io.corpora import find_corpora

    try:
        return bool(find_corpora(data, code))
    except (KeyError, ValueError):
        return False


def gold_file(data, a, b):
    """MUSE's full ``a-b`` dictionary under ``data/dictionaries/muse``, or None."""
    path = Path(data) / "dictionaries" / "muse" / f"{a}-{b}.txt"
    return path if path.exists() else None


#: Keywords of ``train_embeddings`` that an experiment sets itself.
_TRAIN_SET_HERE = {"paths_or_corpus", "random_state", "progress", "return_model", "lang", "exclude_ids"}


def check_train_options(options):
    """``options`` as a dict, refused (:class:`InputsError`) where a key is not ``offramp train``'s."""
    import inspect

    from ..training import train_embeddings

    options = dict(options or {})
    valid = sorted(set(inspect.signature(train_embeddings).parameters) - _TRAIN_SET_HERE)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise InputsError(f"unknown training option {', '.join(unknown)}; the options: {', '.join(valid)}")
    return options


def parse_states(text):
    """``'0,1,2'`` or an int count (``3`` means 0, 1, 2) into a tuple of random states."""
    if isinstance(text, int):
        return tuple(range(text))
    try:
        states = tuple(dict.fromkeys(int(s) for s in str(text).split(",") if s.strip()))
    except ValueError:
        raise InputsError(f"random states are integers separated by commas (0,1,2); got {text!r}") from None
    if not states or min(states) < 0:
        raise InputsError(f"give at least one random state, none negative; got {text!r}")
    return states


# ------------------------------------------------------------------------------------------------ tasks
def split_task(workdir, deps, *, a, b, files_a, files_b, gold, exclude_ids=()):
    """The frequency-matched split of the gold ``a-b`` dictionary on the corpus vocabularies (words seen
    :data:`VOCAB_MIN_COUNT` times): ``train.tsv`` (seed words) and ``test.tsv`` (:data:`N_TEST` words), ``a``'s
    word first, so every point of an experiment is scored on the same words."""
    from ..io.corpora import Corpus
    from ..io.dictionaries import read_dictionary
    from ..io.dictionaries import write_dictionary
    from ..lexicon.split import frequency_split

    vocab = {}
    for code, files in ((a, files_a), (b, files_b)):
        counts = Corpus(files, lang=code, exclude_ids=set(exclude_ids)).count_words()
        vocab[code] = [w for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= VOCAB_MIN_COUNT]
    train, test, info = frequency_split(read_dictionary(gold), vocab[a], set(vocab[b]), n_test=N_TEST,
                                        max_train=MAX_TRAIN, path=str(gold))
    workdir = Path(workdir)
    write_dictionary(train, workdir / "train.tsv")
    write_dictionary(test, workdir / "test.tsv")
    return {"train": str(workdir / "train.tsv"), "test": str(workdir / "test.tsv"),
            "n_train_words": len({s for s, _ in train}), "n_test_words": len({s for s, _ in test}),
            "gold": str(gold)}


class Graph:
    """The tasks of one experiment, each added once: a task asked for twice (the hub's training, shared by
    every point of a random state) is the same task."""

    def __init__(self):
        self.tasks = {}
        self._stamps = {}

    def stamp(self, path):
        """:func:`bootstrap.runner.file_stamp`, each file hashed once."""
        path = str(path)
        if path not in self._stamps:
            self._stamps[path] = file_stamp(path)
        return self._stamps[path]

    def add(self, name, func, *, deps=(), key=(), **kwargs):
        """Add ``func(workdir, deps, **kwargs)`` as task ``name``, keyed by ``key`` (what decides its result
        beside its dependencies); returns the name."""
        task = Task(name=name, func=func, kwargs=kwargs, deps=tuple(deps),
                    key=task_key(func.__name__, __version__, *key))
        known = self.tasks.get(name)
        if known is not None and (known.key != task.key or known.deps != task.deps):
            raise RuntimeError(f"two different tasks are both named {name!r}")
        self.tasks[name] = task
        return name

    def train(self, data, code, options, random_state, exclude_ids=()):
        files = corpora_of(data, code)
        held = sorted(exclude_ids)
        return self.add(f"train:{code}:s{random_state}", train_task, code=code, files=[str(f) for f in files],
                        options=options, random_state=random_state, exclude_ids=held,
                        key=([self.stamp(f) for f in files], options, random_state, held))

    def split(self, data, a, b, exclude_ids=()):
        gold = gold_file(data, a, b)
        if gold is None:
            raise InputsError(f"no gold dictionary for {a}-{b}: {Path(data) / 'dictionaries' / 'muse'}/{a}-{b}.txt "
                              f"is missing; fetch it with `offramp data fetch muse:{a}-{b}` or choose another pair")
        files = {c: corpora_of(data, c) for c in (a, b)}
        held = sorted(exclude_ids)
        return self.add(f"split:{a}-{b}", split_task, a=a, b=b, files_a=[str(f) for f in files[a]],
                        files_b=[str(f) for f in files[b]], gold=str(gold), exclude_ids=held,
                        key=([self.stamp(f) for c in (a, b) for f in files[c]], self.stamp(gold), held,
                             VOCAB_MIN_COUNT, N_TEST, MAX_TRAIN))

    def run(self, cache_dir, *, scheduler=None, progress=True):
        return run_tasks(list(self.tasks.values()), cache_dir=cache_dir, scheduler=scheduler, progress=progress)


# ----------------------------------------------------------------------------------------------- result
@dataclass
class ExperimentResult:
    """What an experiment measured.

    Attributes
    ----------
    experiment : str
        ``'data-size'``, ``'pivot'`` or ``'diversity'``.
    setting : dict
        What was run: languages, options, random states, the data folder.
    points : list of dict
        One per measurement: ``x`` (the varied quantity), ``random_state``, ``metric`` and ``value`` (percent).
    tasks : dict
        Each task's status, error and seconds.
    baselines : dict
        Values that do not depend on ``x`` (the untransferred model's P@1), by metric.
    """

    experiment: str
    setting: dict
    points: list
    tasks: dict = field(default_factory=dict)
    baselines: dict = field(default_factory=dict)
    wall_s: float = 0.0
    command: str = None

    @property
    def failed(self):
        return {name: t["error"] for name, t in self.tasks.items() if t["status"] in ("failed", "blocked")}

    @property
    def signature(self):
        s = self.setting
        return make_signature(method=f"experiment-{self.experiment}", tgt=s.get("tgt"), x=s.get("xs"),
                              rs=s.get("random_states"), dim=(s.get("train") or {}).get("dim"), seed=s.get("seed"))

    def summary(self):
        """Mean, standard deviation (over random states; 0 for one) and count per metric and ``x``, in the
        order the points first name them."""
        groups = {}
        for p in self.points:
            groups.setdefault((p["metric"], p["x"]), []).append(p["value"])
        out = []
        for (metric, x), values in groups.items():
            mean = sum(values) / len(values)
            std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
            out.append({"metric": metric, "x": x, "mean": round(mean, 2), "std": round(std, 2), "n": len(values)})
        return out

    def to_json(self):
        return {"experiment": self.experiment, "command": self.command, "setting": self.setting, "points": self.points,
                "summary": self.summary(), "baselines": self.baselines, "offramp_version": __version__,
                "signature": self.signature, "failed": self.failed, "tasks": self.tasks, "wall_s": self.wall_s}

    def write_json(self, path):
        return write_json(path, self.to_json())

    def table(self):
        """One row per ``x``, a column per metric: ``mean ± std`` over the random states."""
        summary = self.summary()
        metrics = list(dict.fromkeys(r["metric"] for r in summary))
        xs = list(dict.fromkeys(r["x"] for r in summary))
        cell = {(r["metric"], r["x"]): f"{r['mean']:.1f} ± {r['std']:.1f}" for r in summary}
        label = self.setting.get("x_label", "x")
        width = max([len(label)] + [len(str(x)) for x in xs])
        widths = [max(len(m), 12) for m in metrics]
        lines = [f"{label:<{width}}  " + "  ".join(f"{m:>{w}}" for m, w in zip(metrics, widths))]
        for x in xs:
            lines.append(f"{str(x):<{width}}  " + "  ".join(f"{cell.get((m, x), '-'):>{w}}"
                                                            for m, w in zip(metrics, widths)))
        for metric, value in self.baselines.items():
            lines.append(f"{metric}: {value:.1f}")
        verdict = pivot_verdict(self.experiment, self.setting, summary)
        return "\n".join(lines + ([verdict] if verdict else []))


def pivot_verdict(experiment, setting, summary):
    """For a pivot experiment, which route without a dictionary wins on the first metric, and by how much over
    the direct one (and the larger spread of the two); None otherwise."""
    if experiment != "pivot" or not summary:
        return None
    metric, hub = summary[0]["metric"], setting.get("hub")
    rows = {r["x"]: r for r in summary if r["metric"] == metric and r["x"] != "own-dictionary"}
    if hub not in rows or len(rows) < 2:
        return None
    best = max(rows.values(), key=lambda r: r["mean"])
    name = "direct" if best["x"] == hub else f"via {best['x']}"
    runner = max((r for r in rows.values() if r is not best), key=lambda r: r["mean"])
    other = "direct" if runner["x"] == hub else f"via {runner['x']}"
    return (f"best route without a dictionary ({metric}): {name}, {best['mean'] - runner['mean']:+.1f} over {other} "
            f"(std up to {max(best['std'], runner['std']):.1f})")


def outcome_record(outcomes):
    return {name: {"status": o.status, "error": o.error, "wall_s": round(o.wall_s, 2)} for name, o in outcomes.items()}


def result_of(outcomes, name):
    """A finished task's result, or None where it failed or was blocked."""
    outcome = outcomes.get(name)
    return outcome.result if outcome is not None and outcome.status in ("done", "cached") else None
