"""Shared fixtures: the array backends present, the rotated toy spaces, and the shared real data
(skipped when absent). Builders shared by several test modules live in ``fixtures/`` (importable as
``fixtures.*``, since this folder is on ``sys.path``)."""
import os
from pathlib import Path

import numpy as np
import pytest

from fixtures.data_mirror import make_mirror
from fixtures.spaces import make_spaces, verse_files
from offramp.alignment._backend import cuda_available

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("OFFRAMP_SHARED_DATA", ROOT.parent / "shared" / "data"))

BACKENDS = ["numpy"] + (["cupy"] if cuda_available() else [])


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs CuPy and a GPU (skipped otherwise)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


@pytest.fixture(params=[pytest.param("numpy")] + [pytest.param("cupy", marks=pytest.mark.gpu)],
                ids=["numpy", "cupy"])
def xp(request):
    """The array namespace under test: numpy always, cupy when a GPU is visible."""
    if request.param == "cupy":
        if not cuda_available():
            pytest.skip("CuPy with a visible GPU is not available")
        import cupy

        return cupy
    return np


@pytest.fixture(scope="session")
def shared_data():
    """Path to ../shared/data; tests that need it skip with a reason when it is absent."""
    if not (SHARED_DATA / "MANIFEST.md").exists():
        pytest.skip(f"shared real data not found at {SHARED_DATA} (set OFFRAMP_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory):
    """A Dask scheduler and two one-thread workers, each a process of its own on localhost (shared by the
    tests that need one): ``(scheduler address, worker addresses)``."""
    pytest.importorskip("distributed")
    from fixtures.dask_cluster import local_cluster

    with local_cluster(tmp_path_factory.mktemp("dask")) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def spaces():
    """:func:`fixtures.spaces.make_spaces`: ``(src, tgt, gold)``, two 300-word spaces a rotation apart."""
    return make_spaces()


@pytest.fixture
def mirror(tmp_path):
    """A folder laid out like shared/data with one MUSE and one UD file (:func:`fixtures.data_mirror.make_mirror`)."""
    return make_mirror(tmp_path / "mirror")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty data cache (``$OFFRAMP_CACHE``), with no ``$OFFRAMP_MIRROR`` set."""
    monkeypatch.delenv("OFFRAMP_MIRROR", raising=False)
    path = tmp_path / "cache"
    monkeypatch.setenv("OFFRAMP_CACHE", str(path))
    return path


@pytest.fixture
def http_site(monkeypatch):
    """A real HTTP server on 127.0.0.1 (:func:`fixtures.http_server.serve`): fill ``.state.files``, read
    ``.state.requests``; proxies unset, pooch's pauses between retries recorded in ``.waits`` instead of
    slept; stopped after the test."""
    from types import SimpleNamespace

    import pooch

    from fixtures.http_server import serve

    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    site, stop = serve()
    site.waits = []
    monkeypatch.setattr(pooch.core, "time", SimpleNamespace(sleep=site.waits.append))
    yield site
    stop()


@pytest.fixture(scope="module")
def rotated(tmp_path_factory):
    """:func:`fixtures.spaces.make_spaces` with verse-aligned files in which each of the first 60 words
    co-occurs with its translation: ``(src, tgt, gold, (src_file, tgt_file))``."""
    src, tgt, gold = make_spaces()
    root = tmp_path_factory.mktemp("verses")
    # only the first 60 words occur in verses: the seed covers them, self-learning the rest
    return src, tgt, gold, verse_files(root, gold[:60])
