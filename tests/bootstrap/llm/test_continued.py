"""Continued pretraining (``bootstrap.llm.continued``) on tiny models: a 2-layer BERT with WordPiece (masked LM,
as all-MiniLM-L6-v2) and 2-layer causal LMs with byte-level BPE, tied and untied, trained for a few steps."""
import numpy as np
import pytest

from fixtures.tiny_models import (EN_VOCAB, build_causal_model, build_source_model, bytelevel_tokenizer,
                                  english_text, finnish_text)

from offramp.bootstrap.llm import continued as C

pytest.importorskip("transformers")
pytest.importorskip("accelerate")
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    """(model folder, its tokenizer): a BERT without an MLM head, as all-MiniLM-L6-v2 is shipped."""
    from transformers import AutoTokenizer

    folder = build_source_model(tmp_path_factory.mktemp("bert") / "model", hidden=16)
    return folder, AutoTokenizer.from_pretrained(folder)


@pytest.fixture(scope="module", params=[True, False], ids=["tied", "untied"])
def llama(request, tmp_path_factory):
    tokenizer = bytelevel_tokenizer(finnish_text(seed=3))
    folder = build_causal_model(tmp_path_factory.mktemp("llama") / "model", "llama", tokenizer, tied=request.param)
    return folder, tokenizer, request.param


def rows_for(n, hidden, seed):
    return np.random.default_rng(seed).standard_normal((n, hidden)).astype(np.float32)


def test_mlm_model_ties_a_fresh_head_to_the_new_rows(bert):
    """The head the checkpoint lacks is drawn from random_state alone: two initialisations share it; its
    decoder is the input matrix itself."""
    folder, _ = bert
    a = C.language_model(folder, rows_for(40, 16, 1), objective="mlm", random_state=7)
    b = C.language_model(folder, rows_for(40, 16, 2), objective="mlm", random_state=7)
    assert a.get_input_embeddings().weight.shape == (40, 16)
    np.testing.assert_array_equal(a.get_input_embeddings().weight.detach().numpy(), rows_for(40, 16, 1))
    assert a.get_output_embeddings().weight.data_ptr() == a.get_input_embeddings().weight.data_ptr()
    head = {k: v for k, v in a.state_dict().items() if k.startswith("cls.") and "decoder" not in k}
    assert head
    for name, value in head.items():
        torch.testing.assert_close(value, b.state_dict()[name])


def test_clm_model_rows(llama):
    folder, tokenizer, tied = llama
    rows, out = rows_for(len(tokenizer) + 3, 32, 1), rows_for(len(tokenizer) + 3, 32, 2)
    model = C.language_model(folder, rows, objective="clm", output_rows=out)
    np.testing.assert_array_equal(model.get_input_embeddings().weight.detach().numpy(), rows)
    head = model.get_output_embeddings().weight.detach().numpy()
    np.testing.assert_array_equal(head, rows if tied else out)


@pytest.mark.parametrize("kwargs, message", [
    ({"objective": "mlm", "rows": rows_for(10, 15, 0)}, r"shape \(n_tokens, 16\)"),
    ({"objective": "xlm", "rows": rows_for(10, 16, 0)}, "objective must be"),
])
def test_language_model_refuses(bert, kwargs, message):
    with pytest.raises(ValueError, match=message):
        C.language_model(bert[0], kwargs.pop("rows"), **kwargs)


def test_mlm_training_lowers_the_held_out_loss(bert):
    """Checkpoints every 3 steps up to the budget, the loss before training, the same record twice for the
    same seed (data order, masks and head)."""
    folder, tokenizer = bert
    words = [w for w in EN_VOCAB[5:] if not w.startswith("##")]
    rng = np.random.default_rng(0)
    train = [" ".join(rng.choice(words, size=10)) for _ in range(200)]
    held = [" ".join(rng.choice(words, size=10)) for _ in range(20)]

    def run():
        model = C.language_model(folder, rows_for(len(tokenizer), 16, 0), objective="mlm", random_state=0)
        return C.continue_pretraining(model, tokenizer, train, held, steps=10, eval_every=3, batch_size=8,
                                      block_size=32, learning_rate=3e-3, progress=False)

    record = run()
    assert record["steps"] == [3, 6, 9, 10]
    assert len(record["loss"]) == 4 and np.isfinite(record["loss"]).all()
    assert record["loss"][-1] < record["loss_start"]
    assert record["eval_tokens"] > 0 and record["train_blocks"] == len(C.text_blocks(tokenizer, train, block_size=32))
    again = run()
    np.testing.assert_allclose(again["loss"], record["loss"], rtol=1e-5)


def test_clm_training(llama):
    folder, tokenizer, _ = llama
    model = C.language_model(folder, rows_for(len(tokenizer), 32, 0), objective="clm")
    record = C.continue_pretraining(model, tokenizer, finnish_text(seed=4), finnish_text(seed=5, n_lines=20),
                                    objective="clm", steps=6, eval_every=2, batch_size=4, block_size=32,
                                    learning_rate=3e-3, progress=False)
    assert record["steps"] == [2, 4, 6] and record["loss"][-1] < record["loss_start"]


def test_mlm_needs_a_mask_token(llama):
    folder, tokenizer, _ = llama
    model = C.language_model(folder, rows_for(len(tokenizer), 32, 0), objective="clm")
    with pytest.raises(ValueError, match="no mask token"):
        C.continue_pretraining(model, tokenizer, english_text(), english_text(n_lines=5), objective="mlm", steps=1)


def test_text_blocks_refuses_too_little_text(bert):
    with pytest.raises(ValueError, match="fewer than one block"):
        C.text_blocks(bert[1], ["the dog"], block_size=64)


@pytest.mark.parametrize("target, steps, loss, start, expected", [
    ([3.0, 2.0], [10, 20, 30], [4.0, 3.0, 2.5], None, [20.0, None]),
    ([3.5], [10, 20], [4.0, 3.0], None, [15.0]),
    ([5.0], [10, 20], [4.0, 3.0], 6.0, [5.0]),
    ([6.5], [10, 20], [4.0, 3.0], 6.0, [0.0]),
    ([1.0], [10], [4.0], 6.0, [None]),
])
def test_steps_to_match(target, steps, loss, start, expected):
    assert C.steps_to_match(target, steps, loss, other_start=start) == expected


def test_steps_to_match_checks_lengths():
    with pytest.raises(ValueError, match="one loss per checkpoint"):
        C.steps_to_match([1.0], [10, 20], [3.0])
