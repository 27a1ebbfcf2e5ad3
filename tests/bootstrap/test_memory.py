"""The memory estimate: shapes from the files' headers, the estimate's parts, and a run that would not fit
refused before anything is read (library and command line), naming a --max-vocab that fits."""
import gzip
import struct

import numpy as np
import pytest

from fixtures.cli import assert_nothing_written, invoke
from offramp.bootstrap import memory
from offramp.bootstrap.io.embeddings import make_keyed_vectors, save_embeddings, space_shape
from offramp.bootstrap.memory import MemoryEstimateError, available_memory, check_memory, estimate_memory


def _kv(n=30, dim=4):
    return make_keyed_vectors([f"w{i}" for i in range(n)], np.random.default_rng(0).standard_normal((n, dim)))


@pytest.mark.parametrize("name, kwargs", [("a.vec", {}), ("a.bin", {"binary": True}), ("a.npy", {})])
def test_shape_from_the_header(tmp_path, name, kwargs):
    path = tmp_path / name
    save_embeddings(_kv(), path, **kwargs)
    assert space_shape(path) == (30, 4)


def test_shape_of_compressed_headerless_and_fasttext_files(tmp_path):
    gz = tmp_path / "a.vec.gz"
    with gzip.open(gz, "wb") as handle:
        handle.write(b"2000000 300\nw 1 2\n")
    assert space_shape(gz) == (2_000_000, 300)
    glove = tmp_path / "g.txt"
    glove.write_text("w 1 2 3\n", encoding="utf-8")
    assert space_shape(glove) is None  # no header: nothing is refused
    # a fastText model's header: magic, version, 12 int32 arguments (dim 300, buckets 2M ninth), a
    # double, then the dictionary's size and its word count
    args = [300, 5, 5, 5, 5, 1, 1, 1, 2_000_000, 3, 6, 100]
    head = struct.pack("<ii", 793712314, 12) + struct.pack("<12i", *args) + struct.pack("<d", 1e-4)
    (tmp_path / "m.bin").write_bytes(head + struct.pack("<ii", 1_000_000, 1_000_000) + b"\0" * 16)
    assert space_shape(tmp_path / "m.bin") == (3_000_000, 300)  # words and hash buckets
    assert space_shape(tmp_path / "missing.vec") is None


def test_estimate_parts_and_max_vocab():
    est = estimate_memory("induce", [(2_000_000, 300), (2_000_000, 300)])
    assert est["matrices"] == 2 * 4 * 2_000_000 * 300
    assert est["words"] == memory.WORD_BYTES * 4_000_000
    assert est["bytes"] == est["matrices"] + est["words"] + est["search"] + est["base"]
    assert est["bytes"] < 8e9  # the budget for two 2M-word spaces
    cut = estimate_memory("induce", [(2_000_000, 300), (500_000, 300)], max_vocab=1_000_000)
    assert cut["words_read"] == [1_000_000, 500_000]


def test_check_memory_refuses_and_names_a_max_vocab_that_fits(tmp_path):
    paths = []
    for name in ("src.vec.gz", "tgt.vec.gz"):
        with gzip.open(tmp_path / name, "wb") as handle:
            handle.write(b"2000000 300\n")
        paths.append(tmp_path / name)
    available = 4 * 10**9
    with pytest.raises(MemoryEstimateError) as caught:
        check_memory("align", paths, available=available)
    message = str(caught.value)
    assert "align would need about 6.2 GB" in message and "4.0 GB is available" in message
    assert "2,000,000 x 300 (src.vec.gz) and 2,000,000 x 300 (tgt.vec.gz)" in message
    assert "--no-memory-check" in message
    fit = caught.value.estimate["max_vocab_that_fits"]
    assert f"--max-vocab {fit}" in message
    assert estimate_memory("align", [(2_000_000, 300)] * 2, fit)["bytes"] <= memory.HEADROOM * available
    assert estimate_memory("align", [(2_000_000, 300)] * 2, fit + 1)["bytes"] > memory.HEADROOM * available
    record = check_memory("align", paths, max_vocab=fit, available=available)
    assert record["available_mb"] == round(available / 2**20) and record["estimated_mb"] > 0


def test_available_memory_reads_the_system():
    value = available_memory()
    assert value is None or value > 0


def test_commands_refuse_before_reading(tmp_path, monkeypatch):
    """align, evaluate and induce stop with exit 1 and the estimate, write nothing, and run with
    --no-memory-check."""
    src, tgt = tmp_path / "src.vec", tmp_path / "tgt.vec"
    save_embeddings(_kv(40, 4), src)
    save_embeddings(make_keyed_vectors([f"w{i}" for i in range(40)], _kv(40, 4).vectors @ np.eye(4)[::-1]), tgt)
    (tmp_path / "test.txt").write_text("".join(f"w{i} w{i}\n" for i in range(30, 40)), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(memory, "available_memory", lambda: 100 << 20)  # 100 MB: the program alone is more
    commands = [("align", src, tgt, "--identical", "--out-src", out / "a.vec", "--out-tgt", out / "b.vec"),
                ("evaluate", src, tgt, tmp_path / "test.txt"),
                ("induce", src, tgt, "--out", out / "lex.tsv")]
    for args in commands:
        result = invoke(*args)
        assert result.exit_code == 1, result.output
        assert f"{args[0]} would need about" in result.output and "0.1 GB is available" in result.output
    assert_nothing_written(out)
    result = invoke(*commands[2], "--no-memory-check")
    assert result.exit_code == 0, result.output
