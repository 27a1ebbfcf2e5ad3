"""Progress bars (tqdm) for offramp's long work, terse where nobody watches a terminal.

On a terminal a bar redraws itself up to ten times a second. Written to a log file (``offramp
align ... 2> log``, a CI job, ``nohup``), every redraw is kept: a run of minutes leaves hundreds of
``\\r``-separated copies of its bars. So on a stream that is not a terminal, and outside a Jupyter
notebook (whose bars are widgets), a bar redraws at most every :data:`LOG_INTERVAL` seconds, and a
bar meant to vanish when done (``leave=False``, which keeps a terminal tidy) stays: its final state
is the log's record of that step.
"""
import contextlib
import sys
import time

__all__ = ["progress_bar", "LOG_INTERVAL", "steps", "loop_callback"]

#: Seconds between two redraws of a bar on a stream that is not a terminal.
LOG_INTERVAL = 30.0


def _is_terminal(stream):
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def progress_bar(iterable=None, **kwargs):
    """A ``tqdm.auto`` bar, redrawn at most every :data:`LOG_INTERVAL` seconds off a terminal, and kept
    there when it closes.

    Parameters
    ----------
    iterable : iterable, optional
        As for ``tqdm``.
    **kwargs
        ``tqdm``'s options (``total``, ``desc``, ``disable``, ``file``...); an explicit
        ``mininterval`` wins.

    Returns
    -------
    tqdm.tqdm
    """
    from tqdm.auto import tqdm

    notebook = any(cls.__module__ == "tqdm.notebook" for cls in tqdm.__mro__)
    stream = kwargs.get("file") or sys.stderr
    if not kwargs.get("disable") and not notebook and not _is_terminal(stream):
        kwargs.setdefault("mininterval", LOG_INTERVAL)
        # and tqdm's monitor thread must not force a redraw sooner (it does after maxinterval)
        kwargs.setdefault("maxinterval", max(LOG_INTERVAL, kwargs["mininterval"]))
        kwargs["leave"] = True
    return tqdm(iterable, **kwargs)


def loop_callback(progress):
    """A self-learning callback that advances a bar per iteration, and the bar (to close); (None, None)
    without ``progress``."""
    if not progress:
        return None, None
    # no total: the loop stops at convergence, mostly long before max_iter (VecMap's presets: 10000),
    # and a warm-up stage adds its own iterations, so a total would give a false ETA
    bar = progress_bar(total=None, desc="self-learning", unit="it", leave=False)

    def callback(record):
        post = {"obj": f"{record['objective']:.4f}", "keep": f"{record['keep_prob']:.2f}"}
        if "val_p@1" in record:
            post["val@1"] = f"{100 * record['val_p@1']:.1f}"
        bar.set_postfix(post, refresh=False)  # shown by the update, which keeps to the bar's redraw interval
        bar.update(1)

    return callback, bar


#: :func:`evaluate_bli` and :func:`induce_lexicon` show their steps for spaces of this many word pairs
#: (n_src x n_tgt) or more: 20000 words each side is a few seconds of k-NN search on two cores.
STEPS_MIN_PAIRS = 4 * 10 ** 8


@contextlib.contextmanager
def steps(total, *, progress, n_pairs, log=None):
    """Transient tqdm lines over a command's ``total`` named steps: yields ``step(name, rows=None)``,
    called as each step begins.

    A step over ``rows`` words (a search in slices of :data:`alignment.candidates.SLICE_ROWS`) counts them,
    ``step 3/4: translating 200000 source words  41% [02:10<03:05]``, through the ``tick(n)`` that
    ``step`` returns; a step that is one call (the re-ranking, a verse association) names itself and
    shows its elapsed time, ``step 2/3: fitting the re-ranking [00:25]``. Shown only with ``progress``
    and for spaces of :data:`STEPS_MIN_PAIRS` word pairs or more. ``log``, a list, receives one
    ``{"step": name, "rows": rows, "seconds": s}`` per step (shown or not), for a report.
    """
    shown = progress and n_pairs >= STEPS_MIN_PAIRS
    state = {"bar": None, "number": 0, "start": None}

    def finish():
        if state["bar"] is not None:
            state["bar"].close()
            if log is not None:
                log[-1]["seconds"] = round(time.perf_counter() - state["start"], 3)

    def step(name, rows=None):
        finish()
        state["number"] += 1
        state["start"] = time.perf_counter()
        if log is not None:
            log.append({"step": name, "rows": rows, "seconds": None})
        desc = f"step {state['number']}/{total}: {name}"
        if rows is None:
            bar = progress_bar(total=None, desc=desc, bar_format="{desc} [{elapsed}]", leave=False,
                               disable=not shown)
        else:
            bar = progress_bar(total=rows, desc=desc, bar_format="{desc} {percentage:3.0f}% [{elapsed}<{remaining}]",
                               leave=False, disable=not shown)
        state["bar"] = bar
        return bar.update

    try:
        yield step
    finally:
        finish()
