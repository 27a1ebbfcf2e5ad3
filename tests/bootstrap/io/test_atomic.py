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


def test_outputs_are_probed_before_the_work(tmp_path):
    """A folder that permissions allow but that cannot take a file (here a file-size limit of 0 bytes) is
    refused up front, naming the option, and the probe leaves nothing behind."""
    import subprocess
    import sys

    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0)); "
            "from offramp.bootstrap.io.atomic import check_outputs\n"
            "try:\n    check_outputs({'--out-src': sys.argv[1]})\n"
            "except ValueError as exc:\n    print(exc)\n")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path / "en.vec")], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"--out-src: cannot create a file in {tmp_path} (File too large)"), run.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_write_that_fails_midway_names_the_output(tmp_path):
    """A file-size limit hit while writing: the error names the output, not a hidden temporary file, and no
    temporary file stays."""
    import subprocess
    import sys

    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "from offramp.bootstrap.io.atomic import atomic_open\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))\n"
            "try:\n    with atomic_open(sys.argv[1]) as f:\n        f.write('x' * 100000)\n"
            "except OSError as exc:\n    print(exc)\n")
    out = tmp_path / "big.txt"
    run = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"[Errno 27] File too large while writing: '{out}'", run.stdout
    assert list(tmp_path.iterdir()) == []


def test_folder_lock_clears_a_killed_runs_debris_and_keeps_a_second_run_out(tmp_path):
    import subprocess
    import sys

    from offramp.bootstrap.io.atomic import folder_lock

    out = tmp_path / "multi-out"
    out.mkdir()
    (out / ".en.vec.k7x2m9q1.tmp").write_text("half")
    (out / ".lexicons.a1b2c3d4.tmp").mkdir()
    (out / "report.json").write_text("{}")
    (out / ".offramp-output").write_text("")
    with folder_lock(out):
        assert sorted(p.name for p in out.iterdir()) == [".offramp-output", "report.json"]
    assert not (tmp_path / ".multi-out.lock").exists()
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from offramp.bootstrap.io.atomic import "
                               "folder_lock\nwith folder_lock(sys.argv[1]):\n    print('held', flush=True); "
                               "time.sleep(60)", str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ValueError, match="--out: another offramp run is writing"):
            with folder_lock(out):
                pass
    finally:
        holder.kill()
        holder.wait()
