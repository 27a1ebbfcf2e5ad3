"""What an alignment leaves on disk (:mod:`offramp.bootstrap.io.outputs`): the mapped spaces with their
sidecars, the report, induced lexicons, and the check that two files come from one run."""
import json
import os
import warnings

import numpy as np
import pytest

from fixtures.spaces import DIM
from offramp.bootstrap.align import align_embeddings
from offramp.bootstrap.errors import InputsError
from offramp.bootstrap.io.dictionaries import read_dictionary
from offramp.bootstrap.io.embeddings import load_embeddings, save_embeddings
from offramp.bootstrap.io.outputs import (SIDECAR_SUFFIX, check_same_space, read_space_info, save_aligned, space_id,
                                          write_lexicon)


def test_save_aligned_writes_files_sidecars_and_report(spaces, tmp_path):
    src, tgt, gold = spaces
    result = align_embeddings(src, tgt, seed="identical", progress=False, max_iter=3)
    out_src, out_tgt, report = tmp_path / "en.vec", tmp_path / "fi.vec", tmp_path / "r" / "report.json"
    sid = save_aligned(result, out_src, out_tgt, report_path=report, signature="offramp:test")
    assert sid == space_id(result) and len(sid) == 16
    for path, side, kv in ((out_src, "src", result.src_mapped), (out_tgt, "tgt", result.tgt_mapped)):
        loaded = load_embeddings(path)
        assert loaded.index_to_key == kv.index_to_key
        np.testing.assert_array_equal(loaded.vectors, kv.vectors)
        info = read_space_info(path)
        assert info == json.loads((tmp_path / (path.name + SIDECAR_SUFFIX)).read_text(encoding="utf-8"))
        assert info["space_id"] == sid and info["side"] == side and info["mapped"] is True
        assert info["signature"] == "offramp:test" and info["seed"] == "identical" and info["dim"] == DIM
    saved = json.loads(report.read_text(encoding="utf-8"))
    assert saved["space_id"] == sid and len(saved["history"]) == saved["n_iter"]
    assert read_space_info(tmp_path / "nothing.vec") is None
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_save_aligned_writes_all_outputs_or_none(spaces, tmp_path):
    """A target word that word2vec cannot hold (a space): neither the source file, its sidecar nor the
    report is left behind, although the source side is written first."""
    src, tgt, _ = spaces
    result = align_embeddings(src, tgt, seed="identical", progress=False, max_iter=3)
    result.tgt_mapped.index_to_key[-1] = "new york"
    with pytest.raises(ValueError, match="'new york' is empty or contains a space"):
        save_aligned(result, tmp_path / "en.vec", tmp_path / "fi.vec", report_path=tmp_path / "r.json")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("content, match", [
    ("", r"en\.vec\.offramp\.json: the sidecar of .*en\.vec is damaged \(Expecting value"),
    ("[1]", r"holds a JSON list, not the object offramp align writes; delete it"),
    (None, r"en\.vec\.offramp\.json: the sidecar of .*en\.vec is not a file"),
])
def test_read_space_info_damaged_sidecar(tmp_path, content, match):
    meta = tmp_path / ("en.vec" + SIDECAR_SUFFIX)
    if content is None:
        meta.mkdir()
    else:
        meta.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        read_space_info(tmp_path / "en.vec")


def test_save_aligned_binary_and_one_side(spaces, tmp_path):
    src, tgt, _ = spaces
    result = align_embeddings(src, tgt, seed="identical", preset="procrustes", progress=False)
    save_aligned(result, tmp_path / "en.bin", None, binary=True)
    assert sorted(os.listdir(tmp_path)) == ["en.bin", "en.bin" + SIDECAR_SUFFIX]
    np.testing.assert_array_equal(load_embeddings(tmp_path / "en.bin").vectors, result.src_mapped.vectors)


def _mapped(path, space="abc", side="src"):
    """A vector file and, unless ``space`` is None, a sidecar as offramp align writes it."""
    path.write_text("1 2\nw 1 0\n", encoding="utf-8")
    if space is not None:
        sidecar = {"offramp_version": "0", "mapped": True, "space_id": space, "side": side}
        (path.parent / (path.name + SIDECAR_SUFFIX)).write_text(json.dumps(sidecar), encoding="utf-8")
    return path


@pytest.mark.parametrize("src, tgt, match", [
    (("abc", "src"), ("def", "tgt"), r"were mapped by different offramp align runs \(space ids abc and def\)"),
    (("abc", "src"), ("abc", "src"), "are both the src side of one offramp align run"),
    (("abc", "tgt"), ("abc", "tgt"), "are both the tgt side"),
])
def test_check_same_space_refuses_files_of_other_runs_or_sides(tmp_path, src, tgt, match):
    a, b = _mapped(tmp_path / "a.vec", *src), _mapped(tmp_path / "b.vec", *tgt)
    with pytest.raises(InputsError, match=match):
        check_same_space(a, b)
    assert issubclass(InputsError, ValueError)


def test_check_same_space_refuses_one_file_twice_and_a_damaged_sidecar(tmp_path):
    a = _mapped(tmp_path / "a.vec")
    with pytest.raises(ValueError, match=r"SRC_VECTORS and TGT_VECTORS are the same file .*a\.vec"):
        check_same_space(a, a)
    b = _mapped(tmp_path / "b.vec", space=None)
    (tmp_path / ("b.vec" + SIDECAR_SUFFIX)).write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.vec\.offramp\.json: the sidecar of .*b\.vec is damaged"):
        check_same_space(a, b)


@pytest.mark.parametrize("sidecars", [("src", None), (None, "tgt")])
def test_check_same_space_warns_when_only_one_file_is_mapped(tmp_path, sidecars):
    a = _mapped(tmp_path / "a.vec", None if sidecars[0] is None else "abc", "src")
    b = _mapped(tmp_path / "b.vec", None if sidecars[1] is None else "abc", "tgt")
    mapped, other = (a, b) if sidecars[0] else (b, a)
    with pytest.warns(UserWarning, match=rf"{mapped.name} was written by offramp align, .*{other.name} was not "
                                         r"\(it has no .*\); scores are meaningful only if both"):
        check_same_space(a, b)


@pytest.mark.parametrize("spaces_", [("abc", "abc"), (None, None)])
def test_check_same_space_passes_one_run_and_files_of_other_tools(tmp_path, spaces_):
    a = _mapped(tmp_path / "a.vec", spaces_[0], "src")
    b = _mapped(tmp_path / "b.vec", spaces_[1], "tgt")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_same_space(a, b) is None


def test_check_same_space_on_an_align_run(spaces, tmp_path):
    src, tgt, _ = spaces
    result = align_embeddings(src, tgt, seed="identical", preset="procrustes", progress=False)
    save_aligned(result, tmp_path / "en.vec", tmp_path / "fi.vec")
    check_same_space(tmp_path / "en.vec", tmp_path / "fi.vec")
    other = align_embeddings(src, tgt, seed="numerals", preset="procrustes", progress=False)
    save_aligned(other, tmp_path / "en2.vec", tmp_path / "fi2.vec")
    with pytest.raises(ValueError, match="were mapped by different offramp align runs"):
        check_same_space(tmp_path / "en.vec", tmp_path / "fi2.vec")
    save_embeddings(tgt, tmp_path / "plain.vec")
    with pytest.warns(UserWarning, match="plain.vec was not"):
        check_same_space(tmp_path / "en.vec", tmp_path / "plain.vec")


def test_write_lexicon_is_read_back_as_a_dictionary(tmp_path):
    rows = [("a", "A", 0.5, 1), ("a", "E", 0.25, 2), ("ü", "Ü", 1.0, 1)]
    path = write_lexicon(rows, tmp_path / "lex.tsv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == ["# source\ttarget\tscore\trank", "a\tA\t0.500000\t1", "a\tE\t0.250000\t2", "ü\tÜ\t1.000000\t1"]
    assert read_dictionary(path) == [("a", "A"), ("a", "E"), ("ü", "Ü")]
    assert os.listdir(tmp_path) == ["lex.tsv"]  # written atomically: no temporary file left


@pytest.mark.parametrize("rotate, warned", [(False, False), (True, True)])
def test_files_without_records_are_checked_by_their_shared_strings(tmp_path, rotate, warned):
    """Two vector files without offramp align's records: the spaces themselves say whether they were aligned."""
    from offramp.bootstrap.io.embeddings import make_keyed_vectors
    from offramp.bootstrap.io.outputs import load_mapped_pair

    rng = np.random.default_rng(0)
    words = [f"nimi{i}" for i in range(200)]  # 200 strings spelled alike in both languages
    X = rng.standard_normal((200, 16)).astype(np.float32)
    Q = np.linalg.qr(rng.standard_normal((16, 16)))[0].astype(np.float32) if rotate else np.eye(16, dtype=np.float32)
    save_embeddings(make_keyed_vectors(words, X), tmp_path / "en.vec")
    save_embeddings(make_keyed_vectors(words, X @ Q + 0.01 * rng.standard_normal((200, 16))), tmp_path / "fi.vec")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_mapped_pair(tmp_path / "en.vec", tmp_path / "fi.vec", progress=False)
    messages = [str(w.message) for w in caught if "do not look like one aligned space" in str(w.message)]
    assert bool(messages) == warned
    if warned:
        assert "map them into one space first (offramp align" in messages[0] and "of 200 strings" in messages[0]
