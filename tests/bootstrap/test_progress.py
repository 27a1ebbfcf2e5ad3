"""Progress bars redraw often on a terminal and seldom in a log file (bootstrap._progress)."""
import io

import numpy as np
import pytest

from offramp.bootstrap._progress import LOG_INTERVAL, progress_bar


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _Closed:
    def isatty(self):
        raise ValueError("I/O operation on closed file")

    def write(self, text):
        pass

    def flush(self):
        pass


@pytest.mark.parametrize("stream, kwargs, interval", [
    (_Terminal, {}, 0.1),  # tqdm's own default on a terminal
    (io.StringIO, {}, LOG_INTERVAL),  # a log file
    (_Closed, {}, LOG_INTERVAL),  # isatty raising counts as no terminal
    (io.StringIO, {"mininterval": 2.0}, 2.0),  # an explicit interval wins
])
def test_redraw_interval(stream, kwargs, interval):
    bar = progress_bar(total=3, file=stream(), **kwargs)
    try:
        assert bar.mininterval == interval
        if interval == LOG_INTERVAL:
            assert bar.maxinterval >= LOG_INTERVAL  # the monitor thread must not redraw sooner
    finally:
        bar.close()


def test_a_disabled_bar_writes_nothing():
    log = io.StringIO()
    with progress_bar(range(10), file=log, disable=True) as bar:
        list(bar)
    assert log.getvalue() == ""


def test_many_updates_write_little_to_a_log():
    log = io.StringIO()
    with progress_bar(range(1000), file=log, desc="work") as bar:
        for _ in bar:
            pass
    # the first draw, and the final state when the bar closes: not one draw per update
    assert log.getvalue().count("work") <= 3


def test_a_transient_bar_leaves_its_final_state_in_a_log():
    log, screen = io.StringIO(), _Terminal()
    for stream in (log, screen):
        with progress_bar(range(5), file=stream, desc="step", leave=False) as bar:
            list(bar)
    assert log.getvalue().endswith("\n") and "5/5" in log.getvalue().rsplit("\r", 1)[-1]
    assert "5/5" not in screen.getvalue().rsplit("\r", 1)[-1]  # on a terminal it clears itself


def test_self_learning_bar_in_a_log(capsys):
    """align's per-iteration bar (with its objective in the postfix) stays short off a terminal."""
    from offramp.bootstrap.align import align_embeddings
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 20)).astype(np.float32)
    Q = np.linalg.qr(rng.standard_normal((20, 20)))[0].astype(np.float32)
    words = [f"w{i}" for i in range(300)]
    src, tgt = KeyedVectors(20), KeyedVectors(20)
    src.add_vectors(words, X)
    tgt.add_vectors(words, X @ Q)
    res = align_embeddings(src, tgt, seed="dictionary", seed_dict=[(w, w) for w in words[:50]], progress=True)
    err = capsys.readouterr().err
    assert res.report["n_iter"] > 3  # more iterations than the log may show draws
    assert err.count("self-learning") <= 3, err
    assert f"{res.report['n_iter']}it" in err  # the last draw, kept: how many iterations ran
