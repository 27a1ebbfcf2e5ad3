"""Outputs never destroy inputs, unwritable outputs fail before the work, and mapped files are paired
as ``offramp align`` wrote them (CliRunner, every command that writes files)."""
import hashlib
import shutil

import pytest

from fixtures.cli import invoke as _invoke
from fixtures.spaces import write_space_files
from offramp.bootstrap.io import atomic
from offramp.bootstrap.io.dictionaries import write_dictionary
from offramp.bootstrap.io.embeddings import load_embeddings
from offramp.bootstrap.io.outputs import SIDECAR_SUFFIX


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """Vectors, dictionaries, a small ID<TAB>text corpus and one align run's outputs (``run/``)."""
    root = tmp_path_factory.mktemp("cli_outputs")
    gold = write_space_files(root)
    write_dictionary([(t, f"x{t}") for _, t in gold[:60]], root / "second.txt")
    (root / "corpus.tsv").write_text("".join(f"v{i}\tthe cat sat on the mat {i % 7}\n" for i in range(200)),
                                     encoding="utf-8")
    (root / "run").mkdir()
    result = _invoke("align", root / "src.vec", root / "tgt.vec", "--seed-dict", root / "seed.txt",
                     "--out-src", root / "run" / "en.vec", "--out-tgt", root / "run" / "fi.vec", "--quiet",
                     "--max-iter", "3")
    assert result.exit_code == 0, result.output
    return root


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# each command with one output given as one of its inputs ({in} is that input, copied into tmp_path)
@pytest.mark.parametrize("args, victim, message", [
    (["align", "{in}", "{w}/tgt.vec", "--seed-dict", "{w}/seed.txt", "--out-src", "{in}", "--out-tgt", "{t}/o.vec"],
     "src.vec", "--out-src ({in}) is the SRC_VECTORS file this command reads"),
    (["align", "{w}/src.vec", "{w}/tgt.vec", "--seed-dict", "{in}", "--out-src", "{t}/o.vec", "--out-tgt", "{in}"],
     "seed.txt", "--out-tgt ({in}) is the --seed-dict file this command reads"),
    (["induce", "{in}", "{w}/run/fi.vec", "--out", "{in}"], "run/en.vec",
     "--out ({in}) is the SRC_VECTORS file this command reads"),
    (["split", "{in}", "--src-vocab", "{w}/src.vec", "--tgt-vocab", "{w}/tgt.vec", "--out-train", "{in}",
      "--out-test", "{t}/te.txt"], "seed.txt", "--out-train ({in}) is the GOLD file this command reads"),
    (["pivot", "{in}", "{w}/second.txt", "--out", "{in}"], "seed.txt",
     "--out ({in}) is the SRC_PIVOT file this command reads"),
    (["train", "{in}", "--out", "{in}", "--dim", "8", "--epochs", "1", "--min-count", "1"], "corpus.tsv",
     "--out ({in}) is the CORPUS file this command reads"),
])
def test_an_output_that_is_an_input_is_refused(work, tmp_path, args, victim, message):
    original = tmp_path / victim.replace("/", "_")
    shutil.copy(work / victim, original)
    if victim.startswith("run/"):  # a mapped file keeps its sidecar
        shutil.copy(work / (victim + SIDECAR_SUFFIX), str(original) + SIDECAR_SUFFIX)
        args = [a.replace("{w}/run/fi.vec", "{t}/fi.vec") for a in args]
        shutil.copy(work / "run" / "fi.vec", tmp_path / "fi.vec")
        shutil.copy(work / "run" / ("fi.vec" + SIDECAR_SUFFIX), tmp_path / ("fi.vec" + SIDECAR_SUFFIX))
    before = _digest(original)
    fill = {"in": original, "w": work, "t": tmp_path}
    result = _invoke(*[a.format(**fill) for a in args])
    assert result.exit_code == 2, result.output
    assert message.format(**fill) in result.output
    assert "would destroy that input" in result.output and "Traceback" not in result.output
    assert _digest(original) == before
    assert not (tmp_path / "o.vec").exists() and not (tmp_path / "te.txt").exists()


@pytest.mark.parametrize("args", [
    ["split", "{w}/seed.txt", "--src-vocab", "{w}/src.vec", "--tgt-vocab", "{w}/tgt.vec", "--out-train",
     "{t}/tr.txt", "--out-test", "{t}/te.txt", "--report", "{t}/tr.txt"],
    ["pivot", "{w}/seed.txt", "{w}/second.txt", "--out", "{t}/tr.txt", "--report", "{t}/tr.txt"],
    ["induce", "{w}/run/en.vec", "{w}/run/fi.vec", "--out", "{t}/tr.txt", "--report", "{t}/tr.txt"],
])
def test_a_report_on_another_output_is_refused(work, tmp_path, args):
    result = _invoke(*[a.format(w=work, t=tmp_path) for a in args])
    assert result.exit_code == 2 and "are the same file" in result.output, result.output
    assert list(tmp_path.iterdir()) == []


# an output under a path whose parent is a file: refused before the work, with the option named
@pytest.mark.parametrize("args, option", [
    (["align", "{w}/src.vec", "{w}/tgt.vec", "--seed-dict", "{w}/seed.txt", "--out-src", "{t}/afile/sub/en.vec",
      "--out-tgt", "{t}/fi.vec"], "--out-src"),
    (["align", "{w}/src.vec", "{w}/tgt.vec", "--seed-dict", "{w}/seed.txt", "--out-src", "{t}/en.vec",
      "--out-tgt", "{t}/fi.vec", "--report", "{t}/afile/r.json"], "--report"),
    (["induce", "{w}/run/en.vec", "{w}/run/fi.vec", "--out", "{t}/afile/lex.tsv"], "--out"),
    (["induce", "{w}/run/en.vec", "{w}/run/fi.vec", "--out", "{t}/lex.tsv", "--report", "{t}/afile/r.json"],
     "--report"),
    (["split", "{w}/seed.txt", "--src-vocab", "{w}/src.vec", "--tgt-vocab", "{w}/tgt.vec", "--out-train",
      "{t}/tr.txt", "--out-test", "{t}/te.txt", "--report", "{t}/afile/x/r.json"], "--report"),
    (["pivot", "{w}/seed.txt", "{w}/second.txt", "--out", "{t}/o.txt", "--report", "{t}/afile/r.json"], "--report"),
    (["train", "{w}/corpus.tsv", "--out", "{t}/afile/o.vec", "--dim", "8", "--epochs", "1"], "--out"),
])
def test_an_output_under_a_file_fails_before_the_work(work, tmp_path, args, option):
    (tmp_path / "afile").write_text("not a directory\n", encoding="utf-8")
    result = _invoke(*[a.format(w=work, t=tmp_path) for a in args])
    assert result.exit_code == 2, result.output
    assert f"{option}: {tmp_path / 'afile'} is a file, so " in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # no other output left behind


def test_an_os_error_while_writing_is_a_clean_error(work, tmp_path, monkeypatch):
    """What the checks cannot foresee (a full disk, an immutable folder) still ends in one line."""
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "lex.tsv"))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    result = _invoke("induce", work / "run" / "en.vec", work / "run" / "fi.vec", "--out", tmp_path / "lex.tsv")
    assert result.exit_code == 1 and result.output.startswith("Error: [Errno 13] Permission denied"), result.output
    assert "Traceback" not in result.output


def test_mapped_files_are_paired_as_align_wrote_them(work, tmp_path):
    run = work / "run"
    result = _invoke("evaluate", run / "en.vec", run / "en.vec", work / "test.txt")
    assert result.exit_code == 2 and "SRC_VECTORS and TGT_VECTORS are the same file" in result.output
    # a copy of one side, given as the other
    for suffix in ("", SIDECAR_SUFFIX):
        shutil.copy(run / ("en.vec" + suffix), tmp_path / ("copy.vec" + suffix))
    result = _invoke("induce", run / "en.vec", tmp_path / "copy.vec", "--out", tmp_path / "lex.tsv")
    assert result.exit_code == 2 and "are both the src side of one offramp align run" in result.output
    assert not (tmp_path / "lex.tsv").exists()
    # one mapped file, one that never went through align: scored, with a warning
    result = _invoke("evaluate", run / "en.vec", work / "tgt.vec", work / "test.txt")
    assert result.exit_code == 0, result.output
    assert f"warning: {run / 'en.vec'} was written by offramp align, {work / 'tgt.vec'} was not" in result.output


@pytest.mark.parametrize("content, message", [
    ("", "is damaged (Expecting value"),
    ("[1]", "holds a JSON list, not the object offramp align writes"),
])
def test_a_damaged_sidecar_is_named(work, tmp_path, content, message):
    for name in ("en.vec", "fi.vec", "fi.vec" + SIDECAR_SUFFIX):
        shutil.copy(work / "run" / name, tmp_path / name)
    (tmp_path / ("en.vec" + SIDECAR_SUFFIX)).write_text(content, encoding="utf-8")
    result = _invoke("evaluate", tmp_path / "en.vec", tmp_path / "fi.vec", work / "test.txt")
    assert result.exit_code == 2 and f"{tmp_path / 'en.vec'}{SIDECAR_SUFFIX}: the sidecar of" in result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_text_file_named_bin_is_read_as_text(work, tmp_path):
    shutil.copy(work / "src.vec", tmp_path / "vectors.bin")
    kv, ref = load_embeddings(tmp_path / "vectors.bin"), load_embeddings(work / "src.vec")
    assert kv.index_to_key == ref.index_to_key and (kv.vectors == ref.vectors).all()


def test_an_id_less_line_of_an_id_file_is_reported_once(work, tmp_path):
    lines = (work / "corpus.tsv").read_text(encoding="utf-8").splitlines()
    lines[4] = "gen.4.20 a line whose id lost its tab"
    lines[9] = "another line without one"
    (tmp_path / "c.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _invoke("train", tmp_path / "c.tsv", "--out", tmp_path / "o.vec", "--dim", "8", "--epochs", "1",
                     "--min-count", "1", "--workers", "1", "--no-progress")
    assert result.exit_code == 0, result.output
    assert result.output.count("no ID<TAB> at the start of this line") == 1
    assert f"{tmp_path / 'c.tsv'}:5: no ID<TAB>" in result.output


@pytest.mark.parametrize("extra", [[], ["--mutual", "--rerank", "ortho,freq", "--tune-dict", "{w}/seed.txt",
                                        "--rerank-model", "trees", "--rerank-k", "20"]])
def test_induce_report_says_what_ran(work, tmp_path, extra):
    """induce --report: the signature and counts of the summary line, the options, the re-ranking's
    fit, and one timed entry per step, as many as the steps the command announces."""
    import json

    args = ["induce", work / "run" / "en.vec", work / "run" / "fi.vec", "--out", tmp_path / "lex.tsv",
            "--report", tmp_path / "r.json", *[a.format(w=work) for a in extra]]
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    lexicon = (tmp_path / "lex.tsv").read_text(encoding="utf-8").splitlines()[1:]
    assert report["command"] == "induce" and result.output.rstrip().endswith(report["signature"])
    assert report["n_pairs"] == len(lexicon) and report["n_source_words"] == len({r.split("\t")[0] for r in lexicon})
    assert report["n_src"] == report["n_src_vocab"] == 300 and report["n_tgt_vocab"] == 300
    assert report["options"]["mutual"] == bool(extra) and report["device"] == "cpu"
    names = [s["step"] for s in report["steps"]]
    if extra:
        assert report["rerank"]["model"] == "trees" and report["rerank"]["tune_n"] == 40
        assert names == ["CSLS r term of 300 target words", "fitting the re-ranking",
                         "translating 300 target words back", "translating 300 source words"]
    else:
        assert report["rerank"] is None
        assert names == ["CSLS r term of 300 target words", "translating 300 source words"]
    # every time is rounded to the millisecond: the steps' sum may pass the rounded total by 0.5 ms each
    assert all(s["seconds"] >= 0 for s in report["steps"])
    assert report["wall_s"] >= sum(s["seconds"] for s in report["steps"]) - 0.0005 * (len(names) + 1)


def _align_into(work, out):
    return _invoke("align", work / "src.vec", work / "tgt.vec", "--seed-dict", work / "seed.txt", "--out-src",
                   out / "en.vec", "--out-tgt", out / "fi.vec", "--quiet", "--max-iter", "3")


def test_a_second_run_on_the_same_output_is_refused(work, tmp_path):
    """While one run holds an output (here another process), a second is refused at once, naming the option;
    when the first ends, the output is free again and no lock file stays."""
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from offramp.bootstrap.io.atomic import "
                               "lock_outputs; lock_outputs({'--out-src': sys.argv[1]}); print('held', flush=True); "
                               "time.sleep(60)", str(tmp_path / "en.vec")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = _align_into(work, tmp_path)
        assert result.exit_code == 2 and "--out-src: another offramp run is writing" in result.output
        assert not (tmp_path / "en.vec").exists() and not (tmp_path / "fi.vec").exists()
    finally:
        holder.kill()  # a killed holder: the kernel drops its lock, its lock file stays behind
        holder.wait()
    result = _align_into(work, tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["en.vec", "en.vec.offramp.json", "fi.vec",
                                                          "fi.vec.offramp.json"]


def test_debris_of_a_killed_run_is_removed_by_the_next_run_of_that_output(work, tmp_path):
    debris = [".en.vec.k7x2m9q1.tmp", ".en.vec.offramp.json.a1b2c3d4.tmp", ".fi.vec.zz_99abc.tmp"]
    for name in debris:
        (tmp_path / name).write_text("half a file")
    (tmp_path / ".fi.vec.q1w2e3r4.tmp.old").mkdir()
    keep = [".other.vec.k7x2m9q1.tmp", "notes.tmp", ".en.vec.backup"]
    for name in keep:
        (tmp_path / name).write_text("not offramp's")
    result = _align_into(work, tmp_path)
    assert result.exit_code == 0, result.output
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"en.vec", "en.vec.offramp.json", "fi.vec", "fi.vec.offramp.json", *keep}
