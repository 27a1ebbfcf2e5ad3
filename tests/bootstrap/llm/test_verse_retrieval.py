"""Verse retrieval: reading verse files, drawing held-out verses, P@1, and a model's embeddings."""
import numpy as np
import pytest

from offramp.bootstrap.llm.retrieval import held_out_verses, read_verses, retrieval_p_at_1


def test_read_verses_skips_blank_texts(tmp_path):
    path = tmp_path / "b.tsv"
    path.write_text("Gen.1.1\tIn the beginning\nGen.1.2\t  \nGen.1.3\tAnd God said\n", encoding="utf-8")
    assert read_verses(path) == {"Gen.1.1": "In the beginning", "Gen.1.3": "And God said"}


def test_held_out_verses_are_shared_sorted_and_reproducible():
    src = {f"v{i:03d}": "x" for i in range(100)}
    tgt = {f"v{i:03d}": "y" for i in range(50, 150)}
    ids = held_out_verses(src, tgt, 20, random_state=3)
    assert len(ids) == 20 and ids == sorted(ids) and all("v050" <= i <= "v099" for i in ids)
    assert ids == held_out_verses(src, tgt, 20, random_state=3) != held_out_verses(src, tgt, 20, random_state=4)
    assert len(held_out_verses(src, tgt, 500)) == 50
    with pytest.raises(ValueError, match="no verse id"):
        held_out_verses({"a": "x"}, {"b": "y"}, 5)


@pytest.mark.parametrize("queries, expected", [(np.eye(4), 100.0), (np.eye(4)[[1, 0, 2, 3]], 50.0)])
def test_retrieval_p_at_1(queries, expected):
    assert retrieval_p_at_1(queries, np.eye(4)) == expected


def test_retrieval_p_at_1_needs_row_aligned_inputs():
    with pytest.raises(ValueError, match="row for row"):
        retrieval_p_at_1(np.eye(3), np.eye(4))


def test_encode_texts_gives_unit_rows_per_text(tmp_path):
    pytest.importorskip("transformers")
    from transformers import AutoModel

    from fixtures.tiny_models import build_source_model
    from offramp.bootstrap.llm.hf import load_tokenizer
    from offramp.bootstrap.llm.retrieval import encode_texts

    folder = build_source_model(tmp_path / "m")
    E = encode_texts(AutoModel.from_pretrained(folder), load_tokenizer(folder), ["the big dog", "red fire", "king"],
                     batch_size=2)
    assert E.shape == (3, 16) and E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, rtol=1e-5)
