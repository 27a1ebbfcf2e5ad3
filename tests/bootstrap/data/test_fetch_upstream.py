"""Converted kinds fetched end to end from a real HTTP server on the loopback address standing in for
their public homes (the builders' base URLs pointed at it): download, conversion, cache, sidecar."""
import hashlib
import io
import json
import tarfile

import pytest
from click.testing import CliRunner

from fixtures.upstream import write_dump, write_module
from offramp.bootstrap.data import cache_record, cached_path, fetch, sword, ud, wikipedia
from offramp.cli.main import main

VERSES = {("Gen", 1, 1): "In the <w>beginning</w>.", ("John", 1, 1): "In the beginning was the Word."}
RIGA = ("'''Rīga''' ir [[Latvija]]s galvaspilsēta un lielākā pilsēta.\n\n"
        "Tā atrodas pie [[Daugava|Daugavas]] ietekas jūrā.")
CESIS = "{{Infobox}}\nCēsis ir pilsēta Vidzemē, Gaujas krastā."
PAGES = [dict(title="Rīga", text=RIGA), dict(title="Cēsis", text=CESIS)]


def _serve(site, path, data):
    site.state.files[path] = data
    return site.url(path)


def test_bible_from_its_sword_module(tmp_path, cache, http_site, monkeypatch):
    monkeypatch.setattr(sword, "RAWZIP_URL", http_site.url("/sword/rawzip/{module}.zip"))
    zipped = write_module(tmp_path / "Tiny.zip", "Tiny", VERSES, lang="lv")
    url = _serve(http_site, "/sword/rawzip/Tiny.zip", zipped.read_bytes())
    path = fetch("bible", "lv.Tiny", progress=False)
    assert path == cache / "corpora/bible/lv.Tiny.tsv"
    assert path.read_text() == "Gen.1.1\tIn the beginning.\nJohn.1.1\tIn the beginning was the Word.\n"
    record = cache_record("bible", "lv.Tiny")
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and record["origin"] == url
    assert record["upstream"] == [{"url": url, "sha256": hashlib.sha256(zipped.read_bytes()).hexdigest(),
                                   "bytes": zipped.stat().st_size, "known_hash": None}]
    assert record["conversion"]["module"] == "Tiny" and record["conversion"]["lines"] == 2
    kept = cache / "upstream" / url.split("//")[1]
    assert kept.read_bytes() == zipped.read_bytes()  # the module is kept for converting again
    assert cached_path("bible", "lv.Tiny", verify=True) == path
    assert len(http_site.state.requests) == 1
    fetch("bible", "lv.Tiny", progress=False, force=True)  # --force downloads the module again
    assert len(http_site.state.requests) == 2


def test_treebank_from_its_release_archive(tmp_path, cache, http_site, monkeypatch):
    monkeypatch.setattr(ud, "ARCHIVE_URL", http_site.url("/UD_{name}/archive/refs/tags/{tag}.tar.gz"))
    conllu = "# text = Labdien, pasaule!\n1\tLabdien\t_\t_\t_\t_\t0\troot\t_\t_\n\n"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("UD_Latvian-Tiny-r2.9/lv_tiny-ud-test.conllu")
        info.size = len(conllu.encode())
        tar.addfile(info, io.BytesIO(conllu.encode()))
    _serve(http_site, "/UD_Latvian-Tiny/archive/refs/tags/r2.9.tar.gz", buffer.getvalue())
    result = CliRunner().invoke(main, ["data", "fetch", "ud", "Latvian-Tiny", "--release", "2.9", "-q"])
    assert result.exit_code == 0, result.output
    assert (cache / "corpora/ud/Latvian-Tiny.txt").read_text() == "Labdien, pasaule!\n"
    assert cache_record("ud", "Latvian-Tiny")["options"] == {"release": "2.9"}


def test_wikipedia_from_its_dump_with_a_token_cap(tmp_path, cache, http_site, monkeypatch):
    monkeypatch.setattr(wikipedia, "BASE_URL", http_site.url(""))
    dump = write_dump(tmp_path / "dump.xml.bz2", PAGES).read_bytes()
    name = "lvwiki-20240601-pages-articles.xml.bz2"
    _serve(http_site, f"/lvwiki/20240601/{name}", dump)
    sums = f"{hashlib.sha1(dump).hexdigest()}  {name}\n".encode()
    _serve(http_site, "/lvwiki/latest/lvwiki-latest-sha1sums.txt", sums)
    runner = CliRunner()
    result = runner.invoke(main, ["data", "fetch", "wikipedia", "lv", "-q"])
    assert result.exit_code == 0, result.output
    text = (cache / "corpora/wikipedia/lv.txt").read_text()
    assert text.splitlines() == ["Rīga ir Latvijas galvaspilsēta un lielākā pilsēta.",
                                 "Tā atrodas pie Daugavas ietekas jūrā.", "Cēsis ir pilsēta Vidzemē, Gaujas krastā."]
    record = cache_record("wikipedia", "lv")
    assert record["upstream"][-1]["known_hash"] == f"sha1:{hashlib.sha1(dump).hexdigest()}"
    downloads = len(http_site.state.requests)
    # another cap converts again from the kept dump and checksum list: no download (`latest` stays the
    # dump it named first; --force looks again)
    result = runner.invoke(main, ["data", "fetch", "wikipedia", "lv", "--max-tokens", "8", "-q"])
    assert result.exit_code == 0, result.output
    assert (cache / "corpora/wikipedia/lv.txt").read_text().splitlines() == [text.splitlines()[0]]
    assert cache_record("wikipedia", "lv")["options"] == {"max_tokens": 8}
    assert http_site.state.requests[downloads:] == []


def test_a_checksum_mismatch_deletes_the_dump_and_says_so(tmp_path, cache, http_site, monkeypatch):
    monkeypatch.setattr(wikipedia, "BASE_URL", http_site.url(""))
    name = "mtwiki-20240601-pages-articles.xml.bz2"
    _serve(http_site, f"/mtwiki/20240601/{name}", write_dump(tmp_path / "d.xml.bz2", PAGES).read_bytes())
    _serve(http_site, "/mtwiki/latest/mtwiki-latest-sha1sums.txt", f"{'0' * 40}  {name}\n".encode())
    result = CliRunner().invoke(main, ["data", "fetch", "wikipedia", "mt", "-q"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "checksum" in result.output.lower() and "0" * 40 in result.output and "deleted" in result.output
    left = sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file())
    assert not any("pages-articles" in p for p in left) and "corpora/wikipedia/mt.txt" not in left


@pytest.mark.parametrize("kind, name, match", [
    ("bible", "lv.Missing", r"not found.*Missing\.zip.*--mirror"),
    ("ud", "Latvian-Missing", r"not found.*UD_Latvian-Missing.*--mirror"),
])
def test_a_name_upstream_lacks_is_a_404_naming_the_url(cache, http_site, monkeypatch, kind, name, match):
    monkeypatch.setattr(sword, "RAWZIP_URL", http_site.url("/sword/rawzip/{module}.zip"))
    monkeypatch.setattr(ud, "ARCHIVE_URL", http_site.url("/UD_{name}/archive/refs/tags/{tag}.tar.gz"))
    result = CliRunner().invoke(main, ["data", "fetch", kind, name, "-q"])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert __import__("re").search(match, result.output), result.output
    assert json.dumps(sorted(str(p) for p in cache.rglob("*") if p.is_file() and ".part" not in p.name)) == "[]"
