"""Fixtures of the experiment tests: the tiny data folder and one Dask cluster for every run."""
import pytest

from fixtures.experiment_data import make_data


@pytest.fixture(scope="package")
def exp_data(tmp_path_factory):
    """:func:`fixtures.experiment_data.make_data`'s folder."""
    return make_data(tmp_path_factory.mktemp("exp-data"))


@pytest.fixture(scope="package")
def scheduler(dask_cluster):
    """The address of the tests' Dask scheduler (starting a local cluster per run would cost seconds)."""
    return dask_cluster[0]
