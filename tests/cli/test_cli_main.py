"""The ``offramp`` root command, and what every command shares: ``--help``, ``--quiet``, progress bars
on stderr (CliRunner)."""
import json

import pytest
from click.testing import CliRunner

from fixtures.cli import invoke
from offramp._version import __version__
from offramp.bootstrap import _progress
from offramp.bootstrap.io import embeddings
from offramp.cli.main import COMMANDS, main


def _leaves(group, path=()):
    """Every command under ``group`` as its path of names (``('data', 'fetch')``); the root loads its
    commands lazily, so they are listed through the click context's API."""
    import click

    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _leaves(command, path + (name,))
        else:
            yield path + (name,)


@pytest.mark.parametrize("path", sorted(_leaves(main)), ids=" ".join)
def test_every_command_with_progress_bars_takes_quiet(path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert ("--no-progress" in result.output) == ("--quiet" in result.output), result.output


def test_root_help_and_version():
    result = invoke("--help")
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.strip() == f"offramp, version {__version__}"


@pytest.mark.parametrize("command, options", [
    ("align", ["--seed-dict", "--identical", "--numerals", "--unsupervised", "--out-src", "--out-tgt", "--preset",
               "--vocabulary-cutoff", "--csls", "--direction", "--max-iter", "--report", "--device", "--format",
               "--max-vocab", "--validation-dict", "--restarts", "--via", "--via-top", "--via-prefix-len"]),
    ("evaluate", ["--retrieval", "--csls-k", "--json", "--lowercase", "--no-normalize", "--device", "--format",
                  "--no-progress"]),
    ("induce", ["--out", "--retrieval", "--candidates", "--max-src", "--mutual", "--device", "--no-progress"]),
])
def test_command_help(command, options):
    for flag in ("--help", "-h"):
        result = invoke(command, flag)
        assert result.exit_code == 0, result.output
        for option in options:
            assert option in result.output, option


@pytest.mark.parametrize("command, args, off, bars", [
    ("evaluate", ["{files}/src.vec", "{files}/tgt.vec", "{files}/test.txt", "--json"], "--no-progress",
     ["reading src.vec", "reading tgt.vec", "step 1/2: CSLS r term of 300 target words",
      "step 2/2: ranking 200 test words"]),
    ("induce", ["{files}/src.vec", "{files}/tgt.vec", "--out", "{tmp}/lex.tsv", "--mutual"], "--no-progress",
     ["reading src.vec", "step 1/4: CSLS r term of 300 target words", "step 2/4: CSLS r term of 300 source words",
      "step 3/4: translating 300 source words", "step 4/4: translating "]),  # the way back counts the hits
    ("split", ["{files}/test.txt", "--src-vocab", "{files}/src.vec", "--tgt-vocab", "{files}/tgt.vec",
               "--out-train", "{tmp}/train.txt", "--out-test", "{tmp}/t.txt", "--n-test", "50"], "--no-progress",
     ["reading src.vec", "reading tgt.vec"]),
    ("align", ["{files}/src.vec", "{files}/tgt.vec", "--seed-dict", "{files}/seed.txt", "--out-src", "{tmp}/en.vec",
               "--out-tgt", "{tmp}/fi.vec", "--max-iter", "2"], "--no-progress",
     ["reading src.vec", "reading tgt.vec"]),
])
def test_progress_bars_go_to_stderr_and_no_progress_silences_them(files, tmp_path, monkeypatch, command, args, off,
                                                                  bars):
    """Small inputs show no bar; with the size limits lowered, bars go to stderr only, so stdout (one JSON
    object for evaluate --json) is what it is without them, and --no-progress leaves stderr empty."""
    args = [a.format(files=files, tmp=tmp_path) for a in args]
    runner = CliRunner()  # click >= 8.2 keeps stdout and stderr apart (result.output holds both)
    small = runner.invoke(main, [command, *args])
    assert small.exit_code == 0, small.output
    if command != "align":  # align's self-learning bar shows at any size
        assert small.stderr == ""
    monkeypatch.setattr(embeddings, "_PROGRESS_BYTES", 0)
    monkeypatch.setattr(_progress, "STEPS_MIN_PAIRS", 0)
    shown = runner.invoke(main, [command, *args])
    quiet = runner.invoke(main, [command, *args, off])
    assert shown.exit_code == quiet.exit_code == 0, shown.output + quiet.output
    assert all(bar in shown.stderr for bar in bars), shown.stderr
    assert quiet.stderr == ""
    also_quiet = runner.invoke(main, [command, *args, "--quiet"])  # every command's other name for it
    assert also_quiet.exit_code == 0 and also_quiet.stderr == "", also_quiet.output
    if command == "evaluate":
        reports = [json.loads(r.stdout) for r in (shown, quiet, small)]
        for report in reports:  # the available memory moves between runs
            report.pop("memory")
        assert reports[0] == reports[1] == reports[2]
    elif command != "align":  # align's summary line holds its wall time
        assert shown.stdout == quiet.stdout == small.stdout


@pytest.mark.parametrize("command, target", [
    ("align", "offramp.bootstrap.align.align_files"),
    ("evaluate", "offramp.bootstrap.evaluation.bli.evaluate_files"),
])
def test_ctrl_c_exits_130_with_one_line(files, tmp_path, monkeypatch, command, target):
    """An interrupt (Ctrl-C) ends a command with exit code 130, as shells report SIGINT, and one line."""
    import importlib

    module, name = target.rsplit(".", 1)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(module), name, interrupted)
    args = {"align": [files / "src.vec", files / "tgt.vec", "--seed-dict", files / "seed.txt", "--out-src",
                      tmp_path / "en.vec", "--out-tgt", tmp_path / "fi.vec"],
            "evaluate": [files / "src.vec", files / "tgt.vec", files / "test.txt"]}[command]
    result = invoke(command, *args)
    assert result.exit_code == 130, result.output
    assert result.output.strip().startswith("interrupted:") and "Traceback" not in result.output
