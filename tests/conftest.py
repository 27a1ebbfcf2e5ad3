"""Shared fixtures: the array backends present, and the shared real data (skipped when absent)."""
import os
from pathlib import Path

import numpy as np
import pytest

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
