"""offramp's alignment engine: array math only (NumPy or CuPy), no file I/O.

Modules: ``_backend`` (namespace and device helpers, input checks), ``_base`` (estimator
parameters), ``preprocess`` (normalisation), ``mapping`` (Procrustes, VecMap's multi-step map, least
squares, RCSLS), ``retrieval`` (exact batched NN / CSLS / inverted-softmax k-NN, faiss-backed on
CPU), ``selflearning`` (the bootstrapping loop and presets), ``instance`` (instance-based non-linear
refinement after a map), ``rerank`` (re-ranking retrieved candidates with pair features),
``metrics`` (P@k, MRR, coverage).
"""
from ._version import __version__

__all__ = ["__version__"]
