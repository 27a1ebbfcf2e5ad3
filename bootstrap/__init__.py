"""offramp's edges: everything that touches files, text or other libraries.

Subpackages by concept: ``io`` (embeddings, dictionaries, corpora, aligned outputs, atomic writes),
``lexicon`` (seed dictionaries, pivot dictionaries, train/test splits), ``evaluation`` (BLI scores,
lexicon induction, re-rankers) and ``llm`` (tokenizers, embedding transfer, export, fertility); and
modules ``training`` (gensim), ``align`` (one alignment run), ``check`` (the shared-string check),
``data`` (fetching public data), ``signature`` (reproducibility signatures).
"""
from .errors import FormatError

__all__ = ["FormatError"]
