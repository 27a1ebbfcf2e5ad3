"""Atomic writes: an output appears whole or not at all, and no temporary file is left behind."""
import gzip
import json

import pytest

from offramp.bootstrap.io.atomic import atomic_open, write_json


def _listing(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("name, read", [
    ("out.txt", lambda p: p.read_text(encoding="utf-8")),
    ("out.txt.gz", lambda p: gzip.open(p, "rt", encoding="utf-8").read()),
])
def test_atomic_open_writes_whole_file(tmp_path, name, read):
    path = tmp_path / name
    with atomic_open(path) as handle:
        handle.write("čeština\n")
        assert not path.exists()  # not before the block ends
    assert read(path) == "čeština\n"
    assert _listing(tmp_path) == [name]


@pytest.mark.parametrize("name", ["out.txt", "out.txt.gz"])
def test_atomic_open_failure_keeps_the_old_file_and_no_temporary(tmp_path, name):
    path = tmp_path / name
    with atomic_open(path) as handle:
        handle.write("old\n")
    with pytest.raises(RuntimeError):
        with atomic_open(path) as handle:
            handle.write("half")
            raise RuntimeError("crash while writing")
    raw = path.read_bytes()
    assert (gzip.decompress(raw) if name.endswith(".gz") else raw) == b"old\n"
    assert _listing(tmp_path) == [name]


def test_write_json_utf8_newline_and_parents(tmp_path):
    path = tmp_path / "deep" / "er" / "report.json"
    write_json(path, {"pair": "en-sl", "word": "čebela", "p@1": 31.9})
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "čebela" in text  # UTF-8 as such, not \u escapes
    assert json.loads(text) == {"pair": "en-sl", "word": "čebela", "p@1": 31.9}
    assert _listing(tmp_path) == ["deep", "deep/er", "deep/er/report.json"]


def test_write_json_unserialisable_leaves_nothing(tmp_path):
    path = tmp_path / "report.json"
    with pytest.raises(TypeError):
        write_json(path, {"bad": object()})
    assert _listing(tmp_path) == []


def test_write_json_default_converts(tmp_path):
    path = tmp_path / "report.json"
    write_json(path, {"x": 1.5j}, default=lambda value: str(value), indent=None)
    assert path.read_text(encoding="utf-8") == '{"x": "1.5j"}\n'
