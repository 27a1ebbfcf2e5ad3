"""offramp's edges: file formats, corpora, seed lexicons, training and LLM transfer."""
from alignment._version import __version__

from .errors import FormatError

__all__ = ["FormatError", "__version__"]
