"""Fixtures of the LLM tests."""
import pytest

from fixtures.tiny_models import LETTERS, tokenizer_from_vocab


@pytest.fixture(scope="module")
def letters(tmp_path_factory):
    """A WordPiece tokenizer of single letters (:data:`fixtures.tiny_models.LETTERS`): every word splits into
    its characters."""
    pytest.importorskip("transformers")
    return tokenizer_from_vocab(tmp_path_factory.mktemp("letters"), LETTERS, "letters")
