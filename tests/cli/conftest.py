"""Fixtures of the command-line tests."""
import numpy as np
import pytest

from fixtures.spaces import write_space_files
from offramp.bootstrap.io.embeddings import make_keyed_vectors, save_embeddings


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A folder with the rotated spaces of :func:`fixtures.spaces.make_spaces` (``src.vec``, ``tgt.vec``),
    a 40-pair seed dictionary (``seed.txt``) and a test dictionary of the other words (``test.txt``)."""
    root = tmp_path_factory.mktemp("cli_files")
    write_space_files(root)
    return root


@pytest.fixture
def bad_inputs(tmp_path, files):
    """Damaged or mismatched inputs, next to an empty output folder: ``(bad, out)``."""
    bad = tmp_path / "bad"
    bad.mkdir()
    save_embeddings(make_keyed_vectors(["a", "b"], np.eye(3)[:2]), bad / "dim3.vec")
    (bad / "three.txt").write_text("s0\tt0\ns1 t1 extra\n", encoding="utf-8")
    (bad / "reversed.txt").write_text("t100\ts100\nt101\ts101\n", encoding="utf-8")
    (bad / "damaged.vec").write_text("3 16\n" + "w " + " ".join(["0.5"] * 16) + "\nv 1 2\n", encoding="utf-8")
    (bad / "latin1.txt").write_bytes(b"s0 t0\ncaf\xe9 t1\n")
    out = tmp_path / "out"
    out.mkdir()
    return bad, out
