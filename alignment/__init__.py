"""offramp's alignment engine: array math only (NumPy or CuPy), no file I/O."""
from ._version import __version__

__all__ = ["__version__"]
