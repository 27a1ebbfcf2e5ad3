"""Fetching data into the cache (:mod:`offramp.bootstrap.data`): mirrors, HTTP (faked), sidecars, errors."""
import hashlib
import json
import os
import re

import pytest
from click.testing import CliRunner

import offramp.bootstrap.data as data
from fixtures.data_mirror import CONTENT, SAME_SIZE, SHORTER
from offramp.bootstrap.data import KNOWN_SOURCES, FetchError, cached_path, default_cache_dir, fetch, list_sources
from offramp.cli.main import main


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())


def test_sources_json_is_consistent():
    assert {"muse", "ud", "bible", "ted", "freedict", "omw", "apertium"} <= set(KNOWN_SOURCES)
    assert KNOWN_SOURCES["muse"]["url"] == "https://dl.fbaipublicfiles.com/arrival/dictionaries/{name}.txt"
    paths = set()
    for kind, source in KNOWN_SOURCES.items():
        assert source["names"], kind
        for name in source["names"]:
            assert re.fullmatch(source["name_pattern"], name), (kind, name)
            paths.add(data.relative_path(kind, name))
    assert len(paths) == sum(len(s["names"]) for s in KNOWN_SOURCES.values())  # no two names share a file
    assert {"en-fi", "en-fi.0-5000", "en-fi.5000-6500"} <= set(KNOWN_SOURCES["muse"]["names"])


def test_fetch_from_mirror_records_sha256(cache, mirror):
    path = fetch("muse", "en-fi", mirror=mirror, progress=False)
    assert path == cache / "dictionaries" / "muse" / "en-fi.txt"
    assert path.read_bytes() == CONTENT
    record = json.loads((path.parent / "en-fi.txt.meta.json").read_text())
    assert record["sha256"] == hashlib.sha256(CONTENT).hexdigest()
    assert record["bytes"] == len(CONTENT)
    assert record["origin"] == str((mirror / "dictionaries/muse/en-fi.txt").resolve())
    assert cached_path("muse", "en-fi", verify=True) == path
    assert _files(cache) == ["dictionaries/muse/en-fi.txt", "dictionaries/muse/en-fi.txt.meta.json"]


def test_cached_file_is_not_fetched_again_unless_forced(cache, mirror):
    fetch("muse", "en-fi", mirror=mirror, progress=False)
    (mirror / "dictionaries" / "muse" / "en-fi.txt").write_bytes(b"x y\n")
    assert fetch("muse", "en-fi", mirror=mirror, progress=False).read_bytes() == CONTENT
    assert fetch("muse", "en-fi", mirror=mirror, progress=False, force=True).read_bytes() == b"x y\n"
    assert data.cache_record("muse", "en-fi")["sha256"] == hashlib.sha256(b"x y\n").hexdigest()


@pytest.mark.parametrize("changed, cheap_match", [
    (SAME_SIZE, None),  # the size check (always on) passes; only verify=True reads the sha256
    (SHORTER, r"changed after it was fetched: 9 bytes where 25 were recorded"),
])
def test_verify_detects_a_changed_cache_file(cache, mirror, changed, cheap_match):
    assert len(SAME_SIZE) == len(CONTENT)
    path = fetch("muse", "en-fi", mirror=mirror, progress=False)
    path.write_bytes(changed)
    if cheap_match is None:
        assert cached_path("muse", "en-fi") == path
    else:
        with pytest.raises(data.DamagedCacheError, match=cheap_match):
            cached_path("muse", "en-fi")
    with pytest.raises(data.DamagedCacheError, match=r"is damaged .*(sha256 .* differs|bytes where).*"
                                                     r"`offramp data fetch muse en-fi --force`"):
        cached_path("muse", "en-fi", verify=True)


@pytest.mark.parametrize("changed", [SAME_SIZE, SHORTER])
def test_fetch_refetches_a_changed_cache_file(cache, mirror, changed):
    path = fetch("muse", "en-fi", mirror=mirror, progress=False)
    path.write_bytes(changed)
    with pytest.warns(data.DamagedCacheWarning, match=r"en-fi\.txt is damaged .*fetching it again"):
        assert fetch("muse", "en-fi", mirror=mirror, progress=False).read_bytes() == CONTENT
    assert cached_path("muse", "en-fi", verify=True) == path


@pytest.mark.parametrize("link", [False, True])
def test_mirror_that_is_the_cache_is_refused_before_touching_anything(cache, link):
    fetch_ok = CliRunner().invoke(main, ["data", "fetch", "muse", "en-fi", "--cache", str(cache), "-q",
                                         "--mirror", str(_mirror_with(cache.parent / "m"))])
    assert fetch_ok.exit_code == 0, fetch_ok.output
    path = cache / "dictionaries" / "muse" / "en-fi.txt"
    before = {p: p.read_bytes() for p in (path, path.parent / "en-fi.txt.meta.json")}
    with pytest.raises(ValueError, match=r"is the cache file .* itself .*--mirror other than the cache"):
        fetch("muse", "en-fi", cache_dir=cache, mirror=cache, force=True, link=link, progress=False)
    assert not path.is_symlink() and {p: p.read_bytes() for p in before} == before
    assert cached_path("muse", "en-fi", verify=True) == path
    # The same through the command, which exits 1 and leaves the file alone.
    args = ["data", "fetch", "muse", "en-fi", "--cache", str(cache), "--mirror", str(cache), "--force", "-q"]
    result = CliRunner().invoke(main, args + (["--link"] if link else []))
    assert result.exit_code == 1 and "is the cache file" in result.output
    assert not path.is_symlink() and path.read_bytes() == CONTENT


def test_relinking_a_linked_cache_file_is_allowed(cache, mirror):
    """A cache entry that is a link *to* the mirror file is not the mirror file itself."""
    fetch("muse", "en-fi", mirror=mirror, link=True, progress=False)
    path = fetch("muse", "en-fi", mirror=mirror, link=True, force=True, progress=False)
    assert path.is_symlink() and path.read_bytes() == CONTENT


def _mirror_with(root):
    (root / "dictionaries" / "muse").mkdir(parents=True)
    (root / "dictionaries" / "muse" / "en-fi.txt").write_bytes(CONTENT)
    return root


def test_file_without_sidecar_is_not_cached(cache, mirror):
    path = fetch("muse", "en-fi", mirror=mirror, progress=False)
    (path.parent / "en-fi.txt.meta.json").unlink()
    assert cached_path("muse", "en-fi") is None


def test_link_mirror_and_env_mirror(cache, mirror, monkeypatch):
    path = fetch("ud", "Finnish-TDT", mirror=mirror, link=True, progress=False)
    assert path.is_symlink() and os.path.realpath(path) == str((mirror / "corpora/ud/Finnish-TDT.txt").resolve())
    monkeypatch.setenv("OFFRAMP_MIRROR", str(mirror))
    assert fetch("muse", "en-fi", progress=False).read_bytes() == CONTENT


def test_explicit_cache_dir(tmp_path, cache, mirror):
    other = tmp_path / "other"
    path = fetch("muse", "en-fi", cache_dir=other, mirror=mirror, progress=False)
    assert path == other / "dictionaries" / "muse" / "en-fi.txt"
    assert cached_path("muse", "en-fi", cache_dir=other) == path
    assert cached_path("muse", "en-fi") is None


@pytest.mark.parametrize("env, expected", [
    ({"OFFRAMP_CACHE": "/x/offramp-cache", "XDG_CACHE_HOME": "/y"}, "/x/offramp-cache"),
    ({"XDG_CACHE_HOME": "/y"}, "/y/offramp"),
    ({"HOME": "/home/u"}, "/home/u/.cache/offramp"),
])
def test_default_cache_dir(monkeypatch, env, expected):
    for key in ("OFFRAMP_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert str(default_cache_dir()) == expected


@pytest.mark.parametrize("kind, name, error, match", [
    ("muse", "../../etc/passwd", ValueError, "is not a muse name"),
    ("muse", "en_fi", ValueError, r"is not a muse name \(expected something like 'en-fi'\)"),
    ("muse", "", ValueError, "is not a muse name"),
    ("ud", "Finnish-TDT/../../x", ValueError, "is not a ud name"),
    ("wikipedia", "fi_x", ValueError, "is not a wikipedia name"),
    ("tedx", "Finnish", ValueError, "unknown data kind 'tedx'; known: muse"),
])
def test_fetch_bad_requests(cache, kind, name, error, match):
    with pytest.raises(error, match=match):
        fetch(kind, name, progress=False)


def test_options_of_a_converter_refused_for_a_file_kind(cache):
    with pytest.raises(ValueError, match="muse is served as a file, so max_tokens cannot apply"):
        fetch("muse", "en-fi", progress=False, options={"max_tokens": 5})


def test_mirror_without_the_file(cache, mirror):
    with pytest.raises(FileNotFoundError, match=r"not in the mirror .*dictionaries/muse/en-de\.txt"):
        fetch("muse", "en-de", mirror=mirror, progress=False)
    assert not cache.exists() or _files(cache) == []


# ---------------------------------------------------------------- HTTP, from a real server on the loopback address


@pytest.fixture
def muse_site(http_site, monkeypatch):
    """The loopback server as MUSE's public home (the catalogue's URL pointed at it)."""
    monkeypatch.setitem(KNOWN_SOURCES["muse"], "url", http_site.url("/arrival/dictionaries/{name}.txt"))
    return http_site


def test_http_download(cache, muse_site):
    muse_site.state.files["/arrival/dictionaries/en-fi.5000-6500.txt"] = CONTENT
    path = fetch("muse", "en-fi.5000-6500", progress=False)
    assert [r[0] for r in muse_site.state.requests] == ["/arrival/dictionaries/en-fi.5000-6500.txt"]
    assert path.read_bytes() == CONTENT
    assert data.cache_record("muse", "en-fi.5000-6500")["origin"] == muse_site.url(
        "/arrival/dictionaries/en-fi.5000-6500.txt")
    assert _files(cache) == ["dictionaries/muse/en-fi.5000-6500.txt", "dictionaries/muse/en-fi.5000-6500.txt.meta.json"]


def test_http_mirror_base_url(cache, http_site):
    http_site.state.files["/offramp-data/corpora/ted/Finnish.txt"] = b"x\n"
    fetch("ted", "Finnish", mirror=http_site.url("/offramp-data/"), progress=False)
    assert [r[0] for r in http_site.state.requests] == ["/offramp-data/corpora/ted/Finnish.txt"]
    assert cached_path("ted", "Finnish").read_bytes() == b"x\n"


@pytest.mark.parametrize("status, match", [
    (404, r"muse en-fi: .*not found.*arrival/dictionaries/en-fi\.txt.*--mirror DIR"),
    (503, r"muse en-fi: .*503.*--mirror DIR"),
])
def test_http_failures_suggest_mirror_and_leave_nothing(cache, muse_site, status, match):
    if status != 404:
        muse_site.state.status["/arrival/dictionaries/en-fi.txt"] = status
    with pytest.raises(FetchError, match=match):
        fetch("muse", "en-fi", progress=False, timeout=5)
    assert cached_path("muse", "en-fi") is None
    assert not cache.exists() or _files(cache) == []


def test_no_network_is_one_clear_line(cache, monkeypatch, http_site):
    import socket

    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(KNOWN_SOURCES["muse"], "url", f"http://127.0.0.1:{port}/{{name}}.txt")
    with pytest.raises(FetchError) as info:
        fetch("muse", "en-fi", progress=False, timeout=5)
    message = str(info.value)
    assert "\n" not in message and "127.0.0.1" in message and "--mirror DIR" in message
    assert not cache.exists() or _files(cache) == []


def test_interrupted_download_resumes(cache, muse_site):
    body = CONTENT * 4000
    muse_site.state.files["/arrival/dictionaries/en-fi.txt"] = body
    muse_site.state.cut["/arrival/dictionaries/en-fi.txt"] = 30000
    assert fetch("muse", "en-fi", progress=False, timeout=5).read_bytes() == body
    assert [r[1] for r in muse_site.state.requests] == [None, "bytes=30000-"]  # the retry resumed
    assert _files(cache) == ["dictionaries/muse/en-fi.txt", "dictionaries/muse/en-fi.txt.meta.json"]


def test_list_sources_shows_cached(cache, mirror, muse_site):
    fetch("muse", "en-fi", mirror=mirror, progress=False)
    muse_site.state.files["/arrival/dictionaries/en-ja.txt"] = b"a b\n"
    fetch("muse", "en-ja", progress=False)  # fits the pattern, not in the known list
    rows = {row["kind"]: row for row in list_sources()}
    assert rows["muse"]["cached"] == ["en-fi", "en-ja"] and rows["muse"]["fetch"] == "url"
    assert rows["ud"]["cached"] == [] and rows["ud"]["fetch"] == "converted"
    assert {row["fetch"] for row in rows.values()} <= {"url", "converted"}  # nothing is mirror-only


#: Kinds the shared data has none of (vectors, Wikipedia) or only some of the known names of (UD).
_PARTLY_SHARED = {"fasttext-cc", "fasttext-wiki", "wikipedia", "ud"}


def test_known_names_exist_in_the_shared_layout(shared_data):
    for kind, source in KNOWN_SOURCES.items():
        if kind in _PARTLY_SHARED:
            continue
        missing = [n for n in source["names"] if not (shared_data / data.relative_path(kind, n)).is_file()]
        assert missing == [], kind


def test_every_shared_file_is_a_known_name(shared_data):
    for kind, source in KNOWN_SOURCES.items():
        pattern = re.escape(source["path"]).replace(re.escape("{name}"), "([^/]+)")
        found = [m.group(1) for p in shared_data.rglob("*") if (m := re.fullmatch(pattern, str(p.relative_to(
            shared_data))))]
        assert set(found) <= set(source["names"]), kind


def test_wikipedia_from_a_mirror_that_holds_it(cache, mirror):
    (mirror / "corpora" / "wikipedia").mkdir(parents=True)
    (mirror / "corpora" / "wikipedia" / "mt.txt").write_text("Il-Belt Valletta hija l-kapitali.\n", encoding="utf-8")
    path = fetch("wikipedia", "mt", mirror=mirror, progress=False)
    assert path.read_text(encoding="utf-8") == "Il-Belt Valletta hija l-kapitali.\n"
    with pytest.raises(ValueError, match="a mirror holds the default conversion only, so --max-tokens"):
        fetch("wikipedia", "mt", mirror=mirror, progress=False, options={"max_tokens": 5})
