"""offramp's experiments: the questions of cross-lingual transfer for an under-resourced language, each a
graph of cached tasks on the Dask runner of ``offramp multi`` with a result of points, a table and a figure.

* :func:`run_data_size`: how much target text transfer needs (BLI, and a transferred encoder);
* :func:`run_pivot`: whether a close relative with a dictionary is a better bridge to the hub than none;
* :func:`run_diversity`: whether more languages in one space help the target.
"""
from ._base import RELATIVES, ExperimentResult
from .data_size import SIZES, parse_sizes, run_data_size
from .plot import plot_experiment
from .spaces import default_languages, run_diversity, run_pivot

__all__ = ["ExperimentResult", "RELATIVES", "SIZES", "default_languages", "parse_sizes", "plot_experiment",
           "run_data_size", "run_diversity", "run_pivot"]
