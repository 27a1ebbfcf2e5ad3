"""``offramp data`` (CliRunner): fetch, list and path, and their errors."""
import hashlib
import json
import re

import pytest
from click.testing import CliRunner

from fixtures.data_mirror import CONTENT, SAME_SIZE, SHORTER
from offramp import __version__
from offramp.bootstrap import data
from offramp.bootstrap.data import KNOWN_SOURCES, cached_path
from offramp.cli.main import main


@pytest.mark.parametrize("args", [["data", "--help"], ["data", "list", "--help"], ["data", "fetch", "--help"],
                                  ["data", "path", "--help"]])
def test_data_help(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "Usage:" in result.output


def test_data_cli_fetch_list_path(cache, mirror):
    runner = CliRunner()
    result = runner.invoke(main, ["data", "fetch", "muse", "en-fi", "--mirror", str(mirror), "-q"])
    assert result.exit_code == 0, result.output
    expected = cache / "dictionaries" / "muse" / "en-fi.txt"
    sha = hashlib.sha256(CONTENT).hexdigest()[:16]
    assert result.output == f"{expected} (25 bytes) | offramp:{__version__}|data:muse|name:en-fi|sha256:{sha}\n"
    result = runner.invoke(main, ["data", "path", "muse", "en-fi"])
    assert result.exit_code == 0 and result.output == f"{expected}\n"
    result = runner.invoke(main, ["data", "list"])
    assert result.exit_code == 0 and re.search(r"^muse +url +\d+ known +1 cached", result.output, re.M)
    result = runner.invoke(main, ["data", "list", "muse"])
    assert "  en-fi  (cached)\n" in result.output and "  en-de\n" in result.output
    result = runner.invoke(main, ["data", "list", "--json"])
    catalogue = json.loads(result.output)
    assert result.exit_code == 0 and catalogue["cache"] == str(cache)
    muse = catalogue["sources"]["muse"]
    assert "{name}" in muse["url"] and "en-de" in muse["names"] and muse["cached"] == ["en-fi"]
    assert set(catalogue["sources"]) == set(data.KNOWN_SOURCES)
    assert list(json.loads(runner.invoke(main, ["data", "list", "muse", "--json"]).output)["sources"]) == ["muse"]


@pytest.mark.parametrize("args, code, match", [
    (["data", "path", "muse", "en-de"], 1, "muse en-de is not cached; run `offramp data fetch muse en-de`"),
    (["data", "fetch", "ted", "Finnish", "--mirror", "/nonexistent"], 1, "not in the mirror /nonexistent"),
    (["data", "fetch", "wikipedia", "lv", "--max-tokens", "9", "--mirror", "/m"], 1,
     "a mirror holds the default conversion only, so --max-tokens cannot apply to it"),
    # usage errors (bad KIND or NAME) exit 2 in every subcommand
    (["data", "fetch", "muse", "en/fi"], 2, "is not a muse name"),
    (["data", "path", "muse", "en/fi"], 2, "is not a muse name"),
    (["data", "list", "nope"], 2, "unknown kind 'nope'"),
    (["data", "path", "nope", "en-fi"], 2, "unknown kind 'nope'"),
    (["data", "fetch", "nope", "en-fi"], 2, "unknown kind 'nope'"),
])
def test_data_cli_errors(cache, args, code, match):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code and match in result.output, result.output


def test_data_cli_changed_cache_file(cache, mirror):
    """`path` reports a changed file as damaged (exit 1); `fetch` fetches it again and prints the new record."""
    runner = CliRunner()
    assert runner.invoke(main, ["data", "fetch", "muse", "en-fi", "--mirror", str(mirror), "-q"]).exit_code == 0
    path = cache / "dictionaries" / "muse" / "en-fi.txt"
    path.write_bytes(SAME_SIZE)
    result = runner.invoke(main, ["data", "path", "muse", "en-fi"])
    assert result.exit_code == 1
    assert "is damaged (changed after it was fetched: sha256" in result.output and "--force" in result.output
    result = runner.invoke(main, ["data", "list", "muse"])
    assert "  en-fi  (cached)" in result.output  # list only compares sizes: cheap
    path.write_bytes(SHORTER)
    assert "  en-fi  (damaged: fetch it again with `offramp data fetch muse en-fi --force`)" in \
        runner.invoke(main, ["data", "list", "muse"]).output
    result = runner.invoke(main, ["data", "fetch", "muse", "en-fi", "--mirror", str(mirror), "-q"])
    assert result.exit_code == 0, result.output
    assert "note: " in result.stderr and "is damaged" in result.stderr and "fetching it again" in result.stderr
    sha = hashlib.sha256(CONTENT).hexdigest()[:16]
    assert result.stdout.endswith(f"(25 bytes) | offramp:{__version__}|data:muse|name:en-fi|sha256:{sha}\n")
    assert path.read_bytes() == CONTENT


def test_data_help_names_the_real_cache_order():
    result = CliRunner().invoke(main, ["data", "fetch", "--help"])
    assert "$OFFRAMP_CACHE, else $XDG_CACHE_HOME/offramp, else ~/.cache/offramp" in " ".join(result.output.split())


def test_data_cli_server_failure(cache, http_site, monkeypatch):
    monkeypatch.setitem(KNOWN_SOURCES["muse"], "url", http_site.url("/{name}.txt"))
    http_site.state.status["/en-fi.txt"] = 500
    result = CliRunner().invoke(main, ["data", "fetch", "muse", "en-fi", "-q", "--timeout", "5"])
    assert result.exit_code == 1
    assert "500" in result.output and "--mirror DIR" in result.output and "Traceback" not in result.output


def test_fetch_from_real_shared_data(cache, shared_data):
    source = shared_data / "dictionaries" / "muse" / "en-fi.5000-6500.txt"
    result = CliRunner().invoke(main, ["data", "fetch", "muse", "en-fi.5000-6500", "--mirror", str(shared_data), "-q"])
    assert result.exit_code == 0, result.output
    path = cached_path("muse", "en-fi.5000-6500", verify=True)
    assert path.read_bytes() == source.read_bytes()
    assert data.cache_record("muse", "en-fi.5000-6500")["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
