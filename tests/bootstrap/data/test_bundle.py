"""``bundle``: what a set of languages gets, gathered from a mirror into the shared layout with a MANIFEST."""
import hashlib
import json

import pytest
from click.testing import CliRunner

from offramp.bootstrap.data import bundle
from offramp.bootstrap.data.bundle import bundle_items
from offramp.cli.main import main


@pytest.mark.parametrize("languages, kinds, expected", [
    (["mt"], ("ud", "ted", "wikipedia"), [("ted", "Maltese"), ("ud", "Maltese-MUDT"), ("wikipedia", "mt")]),
    (["fi"], ("muse",), [("muse", n) for n in ("en-fi", "en-fi.0-5000", "en-fi.5000-6500", "fi-en", "fi-en.0-5000",
                                               "fi-en.5000-6500")]),
    # dictionaries among the given languages too, each once
    (["de", "es"], ("muse",), None),
    (["eu"], ("apertium", "omw", "bible"), [("omw", "en-eu.wikt"), ("omw", "en-eu.wn"), ("apertium", "eu-en"),
                                            ("bible", "eu.BasHautin")]),
])
def test_bundle_items(languages, kinds, expected):
    items = bundle_items(languages, kinds=kinds)
    assert len(items) == len(set(items))
    if expected is None:
        names = {name for _, name in items}
        assert {"de-es", "es-de", "de-en", "en-es"} <= names and "de-fr" not in names
    else:
        assert items == expected


@pytest.mark.parametrize("languages, kinds, match", [
    (["xx"], ("ud",), r"unknown language code\(s\) 'xx'"),
    (["lv"], ("nope",), r"unknown data kind\(s\) 'nope'"),
])
def test_bundle_items_refuses_unknown(languages, kinds, match):
    with pytest.raises(ValueError, match=match):
        bundle_items(languages, kinds=kinds)


def test_bundle_from_the_mirror_fixture(tmp_path, cache, mirror):
    out = tmp_path / "bundle"
    seen = []
    report = bundle(["fi"], out, kinds=("ud", "muse", "wikipedia"), mirror=mirror, progress=False,
                    on_item=lambda *args: seen.append(args[:3]))
    assert [(f["kind"], f["name"]) for f in report["files"]] == [("muse", "en-fi"), ("ud", "Finnish-TDT")]
    skipped = {(s["kind"], s["name"]) for s in report["skipped"]}
    assert ("wikipedia", "fi") in skipped and ("muse", "fi-en") in skipped
    assert all("not in the mirror" in s["reason"] for s in report["skipped"])
    assert (out / "dictionaries/muse/en-fi.txt").read_bytes() == (mirror / "dictionaries/muse/en-fi.txt").read_bytes()
    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert manifest["files"] == report["files"]
    for item in manifest["files"]:
        assert item["sha256"] == hashlib.sha256((out / item["path"]).read_bytes()).hexdigest()
        assert item["bytes"] == (out / item["path"]).stat().st_size and item["licence"]
    text = (out / "MANIFEST.md").read_text()
    assert "| dictionaries/muse/en-fi.txt | muse |" in text and "## Not gathered" in text
    assert ("ud", "Finnish-TDT", "ok") in seen and ("wikipedia", "fi", "skipped") in seen
    assert not list(out.rglob(".*.tmp"))  # nothing half-written


def test_bundle_links_to_the_cache(tmp_path, cache, mirror):
    out = tmp_path / "bundle"
    bundle(["fi"], out, kinds=("ud",), mirror=mirror, link=True, progress=False)
    target = out / "corpora/ud/Finnish-TDT.txt"
    assert target.is_symlink() and target.resolve() == (cache / "corpora/ud/Finnish-TDT.txt").resolve()


def test_bundle_cli_on_the_shared_data(tmp_path, cache, shared_data):
    out = tmp_path / "lv-mt"
    result = CliRunner().invoke(main, ["data", "bundle", "lv", "mt", "--out", str(out), "--mirror", str(shared_data),
                                       "-q"])
    assert result.exit_code == 0, result.output
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("bundle: ") and "| offramp:" in summary and "languages:lv+mt" in summary
    manifest = json.loads((out / "MANIFEST.json").read_text())
    paths = {item["path"] for item in manifest["files"]}
    assert {"corpora/bible/lv.LvGluck8.tsv", "corpora/ud/Maltese-MUDT.txt", "corpora/ted/Latvian.txt",
            "dictionaries/muse/en-lv.txt", "dictionaries/omw/en-mt.wikt.tsv"} <= paths
    for item in manifest["files"]:
        assert (out / item["path"]).read_bytes() == (shared_data / item["path"]).read_bytes()
    # the bundle is a mirror in its turn
    again = CliRunner().invoke(main, ["data", "fetch", "bible", "lv.LvGluck8", "--mirror", str(out), "--cache",
                                      str(tmp_path / "other"), "-q"])
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize("args, match", [
    (["data", "bundle", "xx", "--out", "o"], "unknown language code 'xx'"),
    (["data", "bundle", "lv", "--out", "o", "--kinds", "bible,nope"], "unknown kind 'nope'"),
    (["data", "fetch", "muse", "en-fi", "--max-tokens", "5"], "--max-tokens applies to wikipedia only"),
    (["data", "fetch", "bible", "en.KJV", "--release", "2.15"], "--release applies to ud only"),
])
def test_bundle_and_fetch_usage_errors(tmp_path, cache, args, match):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and match in " ".join(result.output.split())
