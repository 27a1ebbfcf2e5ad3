"""Tokens per word of tokenizers on a corpus (:func:`offramp.bootstrap.llm.fertility.fertility`)."""
import copy

import pytest

pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from fixtures.tiny_models import LETTER_CORPUS

from offramp.bootstrap.llm.fertility import fertility


def test_fertility_exact(letters):
    # running words: talo x11 (4 pieces), ja x11 (2), x x19 (1), koira x1 (5)
    report = fertility(LETTER_CORPUS, {"letters": letters})["letters"]
    assert report["n_words"] == 42 and report["n_types"] == 4
    assert report["tokens_per_word"] == pytest.approx((11 * 4 + 11 * 2 + 19 + 5) / 42, abs=1e-12)
    assert report["share_3plus"] == pytest.approx(12 / 42, abs=1e-12)
    assert report["share_unknown"] == 0.0
    digits = fertility([["talo", "42"]], {"letters": letters})["letters"]
    assert digits["share_unknown"] == 0.5  # '42' has no piece in the vocabulary: [UNK]


def test_fertility_ignores_fixed_padding(letters):
    """A saved tokenizer that pads to a fixed length (like all-MiniLM-L6-v2) still counts real pieces."""
    padded = copy.deepcopy(letters)
    padded.backend_tokenizer.enable_padding(length=128)
    assert fertility([["talo"]], {"p": padded})["p"]["tokens_per_word"] == 4


def test_fertility_counts_byte_level_words_as_inside_text():
    """A GPT-2-style byte-level tokenizer encodes a word after a space ('Ġhouse', one token), not as
    at the start of a text ('h' 'ouse'): fertility counts the former."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=["<|endoftext|>"])
    backend.train_from_iterator(["x the house of the king", "a house and a king"] * 50, trainer=trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<|endoftext|>")
    assert tok.tokenize("house") != ["house"] and tok.tokenize(" house") == ["Ġhouse"]
    report = fertility([["house", "king"]], {"gpt2ish": tok})
    assert report["gpt2ish"]["tokens_per_word"] == 1.0
