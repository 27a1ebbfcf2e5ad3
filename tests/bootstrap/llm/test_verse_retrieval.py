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


def test_pick_bibles_takes_the_kjv_and_the_first_full_target_bible(tmp_path):
    from offramp.bootstrap.llm.retrieval import pick_bibles

    folder = tmp_path / "corpora" / "bible"
    folder.mkdir(parents=True)
    lines = "".join(f"Gen.1.{i}\tverse {i}\n" for i in range(1, 11))
    for name, text in [("en.ASV.tsv", lines * 2), ("en.KJV.tsv", lines), ("fi.A.tsv", lines[:40]), ("fi.B.tsv", lines)]:
        (folder / name).write_text(text, encoding="utf-8")
    src, tgt, src_verses, tgt_verses = pick_bibles(tmp_path, "en", "fi")
    assert (src.name, tgt.name, len(src_verses), len(tgt_verses)) == ("en.KJV.tsv", "fi.B.tsv", 10, 10)
    with pytest.raises(ValueError, match="no lv.*tsv Bible"):
        pick_bibles(tmp_path, "en", "lv")
    (folder / "fi.B.tsv").unlink()
    with pytest.raises(ValueError, match="holds 90% of the verses of en.KJV.tsv"):
        pick_bibles(tmp_path, "en", "fi")
