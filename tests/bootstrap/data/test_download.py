"""download(): resumable, atomic, verified downloads through pooch, against a real HTTP server on the
loopback address that honours Range and can cut a transfer short or answer an error status."""
import hashlib
import socket
from types import SimpleNamespace

import pytest

from offramp._version import __version__
from offramp.bootstrap.data._errors import ChecksumError, FetchError
from offramp.bootstrap.data.download import download, part_path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

DATA = bytes(range(256)) * 1200  # 300 KiB
CUT = 100_000
PATH = "/f.bin"
PART = "." + PATH[1:] + ".part"


@pytest.fixture
def server(http_site):
    """The loopback server (conftest's ``http_site``) serving DATA at PATH; ``.url()`` defaults to PATH."""
    http_site.state.files[PATH] = DATA
    return SimpleNamespace(state=http_site.state, url=lambda path=PATH: http_site.url(path))


@pytest.fixture(autouse=True)
def waits(http_site):
    """pooch's pauses between retries, recorded instead of slept (conftest's ``http_site``)."""
    return http_site.waits


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def _ranges(server):
    return [rng for _, rng, _ in server.state.requests]


def _one_clean_line(exc):
    message = str(exc)
    assert "\n" not in message and "Traceback" not in message and "object at 0x" not in message
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)
    return message


def test_a_plain_download(server, tmp_path, capsys):
    dest = tmp_path / "f.bin"
    record = download(server.url(), dest, progress=False)
    assert record == {"url": server.url(), "sha256": hashlib.sha256(DATA).hexdigest(), "bytes": len(DATA),
                      "resumed_from": 0, "known_hash": None}
    assert dest.read_bytes() == DATA
    assert _names(tmp_path) == ["f.bin"]
    assert server.state.requests == [(PATH, None, f"offramp/{__version__}")]
    assert capsys.readouterr().err == ""  # no bar, and no pooch announcement


def test_a_progress_bar_on_stderr_labelled_with_what(server, tmp_path, capsys):
    download(server.url(), tmp_path / "f.bin", what="bible lv.LvGluck8")
    out, err = capsys.readouterr()
    assert out == "" and "bible lv.LvGluck8" in err
    assert "Downloading file" not in err


@pytest.mark.parametrize("algorithm, spelled", [
    ("sha256", "sha256:{}"), ("sha256", "{}"), ("sha256", "SHA256:{upper}"),
    ("md5", "md5:{}"), ("sha1", "sha1:{}"), ("sha512", "sha512:{}"),
], ids=["sha256", "bare", "upper-case", "md5", "sha1", "sha512"])
def test_a_known_hash_is_verified(server, tmp_path, algorithm, spelled):
    digest = hashlib.new(algorithm, DATA).hexdigest()
    known = spelled.format(digest, upper=digest.upper())
    record = download(server.url(), tmp_path / "f.bin", known_hash=known, progress=False)
    assert record["known_hash"] == known and record["sha256"] == hashlib.sha256(DATA).hexdigest()
    assert (tmp_path / "f.bin").read_bytes() == DATA


def test_an_interrupted_download_resumes(server, tmp_path):
    dest = tmp_path / "f.bin"
    server.state.cut[PATH] = CUT
    with pytest.raises(FetchError) as info:
        download(server.url(), dest, progress=False, retries=0)
    message = _one_clean_line(info.value)
    assert f"stopped after {CUT} of {len(DATA)} bytes" in message and "again resumes" in message
    assert _names(tmp_path) == [PART] and part_path(dest).read_bytes() == DATA[:CUT]

    record = download(server.url(), dest, known_hash="md5:" + hashlib.md5(DATA).hexdigest(), progress=False)
    assert _ranges(server) == [None, f"bytes={CUT}-"]
    assert record["resumed_from"] == CUT and record["bytes"] == len(DATA)
    assert dest.read_bytes() == DATA and _names(tmp_path) == ["f.bin"]


def test_a_retry_resumes_within_the_same_call(server, tmp_path, waits):
    server.state.cut[PATH] = CUT
    record = download(server.url(), tmp_path / "f.bin", progress=False, retries=1)
    assert _ranges(server) == [None, f"bytes={CUT}-"] and waits == [1]
    assert record["resumed_from"] == CUT and (tmp_path / "f.bin").read_bytes() == DATA


def test_a_server_that_ignores_range_restarts_cleanly(server, tmp_path):
    dest = tmp_path / "f.bin"
    server.state.cut[PATH] = CUT
    server.state.ignore_range.add(PATH)
    with pytest.raises(FetchError):
        download(server.url(), dest, progress=False, retries=0)
    record = download(server.url(), dest, progress=False)
    assert _ranges(server) == [None, f"bytes={CUT}-"]  # asked for the rest, got the whole file (200)
    assert record["resumed_from"] == 0 and dest.read_bytes() == DATA and _names(tmp_path) == ["f.bin"]


@pytest.mark.parametrize("kept, ranges, resumed_from", [
    # a run that stopped after the last byte, before the rename: 416, nothing more to fetch
    (DATA, [f"bytes={len(DATA)}-"], len(DATA)),
    # a .part longer than the file (upstream shrank it): 416, then the whole file
    (DATA + b"stale", [f"bytes={len(DATA) + 5}-", None], 0),
    # a .part that predates a change upstream: the resumed file fails the hash, so it is fetched whole
    (bytes(CUT), [f"bytes={CUT}-", None], 0),
], ids=["whole-part", "longer-part", "stale-part"])
def test_a_kept_part_that_does_not_fit_is_fetched_again(server, tmp_path, kept, ranges, resumed_from):
    dest = tmp_path / "f.bin"
    part_path(dest).write_bytes(kept)
    record = download(server.url(), dest, known_hash="sha256:" + hashlib.sha256(DATA).hexdigest(), progress=False)
    assert _ranges(server) == ranges and record["resumed_from"] == resumed_from
    assert dest.read_bytes() == DATA and _names(tmp_path) == ["f.bin"]


WRONG = "0" * 64
ACTUAL = hashlib.sha256(DATA).hexdigest()


@pytest.mark.parametrize("setup, kwargs, error, words, left, n_requests, pauses", [
    (lambda s: s.status.update({PATH: 404}), {}, FetchError, ["not found", "{url}", "--mirror DIR"], [], 1, []),
    (lambda s: s.status.update({PATH: 403}), {}, FetchError, ["HTTP 403", "{url}", "try again later, or"], [], 1, []),
    (lambda s: s.status.update({PATH: 500}), {}, FetchError,
     ["HTTP 500", "{url}", "try again later, or", "--mirror DIR"], [], 3, [1, 2]),
    (lambda s: s.cut.update({PATH: CUT}), {"retries": 0}, FetchError,
     [f"stopped after {CUT} of {len(DATA)}", "{url}", "again resumes"], [PART], 1, []),
    (lambda s: None, {"known_hash": "sha256:" + WRONG}, ChecksumError,
     ["checksum mismatch", "{url}", WRONG, ACTUAL, "deleted"], [], 1, []),
    (lambda s: s.cut.update({PATH: CUT}), {"known_hash": WRONG, "retries": 1}, ChecksumError,
     ["{url}", WRONG, ACTUAL, "deleted"], [], 3, [1]),  # cut, resumed, mismatched, fetched whole, mismatched
], ids=["404", "403-not-retried", "500-retried", "cut-short", "checksum", "checksum-after-resume"])
def test_a_failure_says_what_in_one_line_and_leaves_nothing_half_written(server, tmp_path, waits, setup, kwargs,
                                                                         error, words, left, n_requests, pauses):
    setup(server.state)
    dest = tmp_path / "f.bin"
    with pytest.raises(error) as info:
        download(server.url(), dest, progress=False, what="bible lv.LvGluck8", **kwargs)
    message = _one_clean_line(info.value)
    assert message.startswith("bible lv.LvGluck8: ")
    for word in words:
        assert word.format(url=server.url()) in message
    assert _names(tmp_path) == left and not dest.exists()
    assert len(server.state.requests) == n_requests and waits == pauses  # pooch's retries, after its pauses


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("case", ["refused", "timeout"])
def test_no_network_gives_one_clear_line(tmp_path, monkeypatch, case):
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    with socket.socket() as silent:  # listens, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = _closed_port() if case == "refused" else silent.getsockname()[1]
        with pytest.raises(FetchError) as info:
            download(f"http://127.0.0.1:{port}/f.bin", tmp_path / "f.bin", progress=False, retries=0, timeout=0.3)
    message = _one_clean_line(info.value)
    assert message.startswith(f"could not reach 127.0.0.1:{port} (")
    assert ("connection refused" if case == "refused" else "no answer within 0.3 s") in message
    assert "without network access" in message and "--mirror DIR" in message
    assert _names(tmp_path) == []


def test_dest_is_never_partially_present(server, tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(b"the older file")
    seen = []
    server.state.during = lambda: seen.append((dest.read_bytes(), part_path(dest).exists()))
    download(server.url(), dest, progress=False)
    assert seen == [(b"the older file", True)] and dest.read_bytes() == DATA
    server.state.status[PATH] = 500
    with pytest.raises(FetchError):
        download(server.url(), dest, progress=False)
    assert dest.read_bytes() == DATA and _names(tmp_path) == ["f.bin"]


def test_file_urls(tmp_path):
    source = tmp_path / "src.bin"
    source.write_bytes(DATA)
    record = download(source.as_uri(), tmp_path / "out" / "f.bin", progress=False,
                      known_hash="sha1:" + hashlib.sha1(DATA).hexdigest())
    assert record["bytes"] == len(DATA) and (tmp_path / "out" / "f.bin").read_bytes() == DATA
    assert _names(tmp_path / "out") == ["f.bin"]
    with pytest.raises(FetchError, match="not found: file://.*--mirror DIR"):
        download((tmp_path / "missing.bin").as_uri(), tmp_path / "out" / "g.bin", progress=False)
    assert _names(tmp_path / "out") == ["f.bin"]


@pytest.mark.skipif(fcntl is None, reason="the .part is locked on POSIX only")
def test_a_second_download_of_the_same_file_is_refused(server, tmp_path):
    dest = tmp_path / "f.bin"
    with open(part_path(dest), "wb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(FetchError, match="being downloaded by another process"):
            download(server.url(), dest, progress=False)
    assert server.state.requests == [] and _names(tmp_path) == [PART]


@pytest.mark.parametrize("url, kwargs, words", [
    ("http://127.0.0.1:9/f", {"known_hash": "sha999:abc"}, "sha999"),
    ("http://127.0.0.1:9/f", {"known_hash": "sha256:xyz"}, "not of the form"),
    ("ftp://example.org/f", {}, "only http, https and file"),
    ("http://127.0.0.1:9/f", {"retries": -1}, "retries"),
])
def test_bad_arguments_are_refused_before_anything_is_written(tmp_path, url, kwargs, words):
    with pytest.raises(ValueError, match=words):
        download(url, tmp_path / "f.bin", progress=False, **kwargs)
    assert _names(tmp_path) == []
