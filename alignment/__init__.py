"""offramp's alignment engine: array math only (NumPy or CuPy, read off the inputs), no file I/O.

Modules: ``preprocess`` (normalisation), ``mapping`` (Procrustes, VecMap's multi-step map, least
squares, RCSLS), ``retrieval`` (exact batched NN / CSLS / inverted-softmax k-NN, faiss-backed on
CPU), ``selflearning`` (the bootstrapping loop), ``presets`` (its named recipes and how they adapt
to a seed), ``instance`` (non-linear refinement after a map), ``candidates`` (candidate pools for
evaluation, induction and re-ranking), ``rerank`` (re-ranking candidates with pair features),
``metrics`` (P@k, MRR, coverage). The helpers below pick and move between array libraries.
"""
from ._backend import (DEVICES, asarray, check_positive_int, check_vectors, cuda_available, device_of, get_namespace,
                       is_cupy, nonfinite_rows, resolve_device, to_numpy)
from .instance import InstanceRefinement
from .mapping import LeastSquaresMapping, MultiStepMapping, OrthogonalMapping, RCSLSMapping
from .preprocess import Normalizer
from .presets import PRESETS
from .selflearning import SelfLearning

__all__ = ["DEVICES", "PRESETS", "InstanceRefinement", "LeastSquaresMapping", "MultiStepMapping", "Normalizer",
           "OrthogonalMapping", "RCSLSMapping", "SelfLearning", "asarray", "check_positive_int", "check_vectors",
           "cuda_available", "device_of", "get_namespace", "is_cupy", "nonfinite_rows", "resolve_device",
           "to_numpy"]
