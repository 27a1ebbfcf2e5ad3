"""Progress bars (tqdm) for offramp's long work, terse where nobody watches a terminal.

On a terminal a bar redraws itself up to ten times a second. Written to a log file (``offramp
align ... 2> log``, a CI job, ``nohup``), every redraw is kept: a two-minute run left hundreds of
``\\r``-separated copies of its bars. So on a stream that is not a terminal, and outside a Jupyter
notebook (whose bars are widgets), a bar redraws at most every :data:`LOG_INTERVAL` seconds, and a
bar meant to vanish when done (``leave=False``, which keeps a terminal tidy) stays: its final state
is the log's record of that step.
"""
import sys

__all__ = ["progress_bar", "LOG_INTERVAL"]

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
