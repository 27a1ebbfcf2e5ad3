"""offramp's edges: file formats, corpora, seed lexicons, training and LLM transfer."""
from .._version import __version__

from .errors import FormatError

__all__ = ["FormatError", "__version__"]
