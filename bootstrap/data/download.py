"""Download one file over HTTP(S), resumably and atomically: :func:`download`.

pooch runs the download (its retries, its temporary file and its hash functions) through a custom
downloader, :class:`_ResumingDownloader`, that keeps the bytes received in a hidden sibling of the
destination, ``.NAME.part``. The ``.part`` outlives an interrupted run; the next attempt (a pooch
retry, or the next call) asks the server for the rest with ``Range: bytes=N-``. The destination only
ever appears complete and verified: the finished file goes through pooch's temporary file in a
hidden staging folder and is renamed onto it.

Every failure is a :class:`FetchError` (:class:`ChecksumError` for a hash mismatch) with a one-line
message that names the URL or host and the way out (``--mirror DIR``).
"""
import contextlib
import logging
import os
import re
import shutil
import socket
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import pooch
import requests
import urllib3

from ..._version import __version__
from ._errors import MIRROR_HINT, ChecksumError, FetchError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: a .part is not locked
    fcntl = None

__all__ = ["download", "part_path"]

_CHUNK = 1 << 20
#: Statuses worth asking again for (pooch retries them); any other error status fails at once.
_TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})
_NOT_FOUND = frozenset({404, 410})
_CONTENT_RANGE = re.compile(r"bytes\s+(?:(\d+)-\d+|\*)/(\d+|\*)", re.IGNORECASE)
_HEX = re.compile(r"[0-9a-fA-F]+")


def part_path(dest):
    """Where :func:`download` keeps the partial data of ``dest``: ``dest.parent / ('.' + dest.name + '.part')``."""
    dest = Path(dest)
    return dest.parent / ("." + dest.name + ".part")


class _Truncated(requests.exceptions.ConnectionError):
    """A transfer that ended short of its length; a requests error, so pooch retries it (and the retry resumes)."""

    def __init__(self, received, total, reason):
        super().__init__(reason)
        self.received, self.total, self.reason = received, total, reason


def _check_known_hash(known_hash):
    """Refuse a ``known_hash`` that is not pooch's ``[ALG:]HEX`` with an algorithm pooch knows."""
    if known_hash is None:
        return
    if not isinstance(known_hash, str) or not _HEX.fullmatch(known_hash.split(":")[-1]) or known_hash.count(":") > 1:
        raise ValueError(f"known_hash {known_hash!r} is not of the form 'sha256:HEX' (or sha1, md5, sha512...)")
    try:
        pooch.file_hash(os.devnull, alg=pooch.hashes.hash_algorithm(known_hash))
    except ValueError as exc:
        raise ValueError(f"known_hash {known_hash!r}: {exc}") from None


def _content_range(header):
    """``(first byte, total)`` from a Content-Range header; either is None where absent or ``*``."""
    match = _CONTENT_RANGE.fullmatch((header or "").strip())
    if match is None:
        return None, None
    first, total = match.groups()
    return (int(first) if first else None), (int(total) if total != "*" else None)


def _stream_reason(exc, timeout):
    """Why a body stopped arriving, in a few words."""
    chain = [exc, getattr(exc, "__context__", None), getattr(exc, "__cause__", None)]
    if any(isinstance(e, (urllib3.exceptions.ReadTimeoutError, socket.timeout)) for e in chain):
        return f"no data for {timeout:g} s"
    return "the connection was closed"


def _network_reason(exc, timeout):
    """The root cause of a requests connection error, in a few words (never urllib3's nested reprs)."""
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {timeout:g} s"
    todo, seen, fallback = [exc], set(), None
    while todo:
        err = todo.pop(0)
        if id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, socket.gaierror):
            return f"the name does not resolve: {err.strerror or err}"
        if isinstance(err, ConnectionRefusedError):
            return "connection refused"
        if isinstance(err, (socket.timeout, TimeoutError)):
            return f"no answer within {timeout:g} s"
        if isinstance(err, OSError) and err.strerror and fallback is None:
            fallback = err.strerror
        # requests wraps urllib3's MaxRetryError (in args), which wraps the socket error (in reason/__cause__)
        todo += [e for e in (getattr(err, "reason", None), err.__cause__, err.__context__, *err.args)
                 if isinstance(e, BaseException)]
    return fallback or (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _status_error(prefix, url, status, reason):
    """The FetchError for an HTTP error status (after the retries, for a transient one)."""
    if status in _NOT_FOUND:
        return FetchError(f"{prefix}not found: {url} (HTTP {status}); the file may have moved upstream. "
                          f"To use a copy instead, {MIRROR_HINT}")
    return FetchError(f"{prefix}{url} answered HTTP {status}{' ' + reason if reason else ''}; "
                      f"try again later, or {MIRROR_HINT}")


class _ResumingDownloader:
    """A pooch downloader (``downloader(url, output_file, pooch)``) that continues the transfer kept in
    the ``.part`` behind ``handle`` and verifies the whole file before handing it to pooch.

    The hash is checked here, not by pooch: pooch would retry a mismatch, downloading a whole file that
    upstream changed once per retry. ``result`` holds the outcome after a successful call.
    """

    def __init__(self, part, handle, session, *, known_hash, progress, timeout, desc, prefix):
        self.part, self.handle, self.session = part, handle, session
        self.known_hash, self.progress, self.timeout, self.desc, self.prefix = \
            known_hash, progress, timeout, desc, prefix
        self.moved = False
        self.result = None

    def __call__(self, url, output_file, pooch_, check_only=False):
        if check_only:  # pooch's is_available
            return self.session.head(url, timeout=self.timeout, allow_redirects=True).status_code == 200
        if urllib.parse.urlsplit(url).scheme == "file":
            return self._copy_local(url, output_file)
        resumed_from = self._transfer(url)
        sha256, actual = self._hashes(self.part)
        if actual is not None and resumed_from:
            # the kept part may predate a change upstream: fetch the whole file once more
            resumed_from = self._transfer(url, fresh=True)
            sha256, actual = self._hashes(self.part)
        if actual is not None:
            self._discard()
            raise self._mismatch(url, actual)
        self.handle.flush()
        if fcntl is None:  # pragma: no cover - elsewhere an open file cannot be renamed
            self.handle.close()
        os.replace(self.part, output_file)
        self.moved = True
        self.result = {"sha256": sha256, "bytes": os.path.getsize(output_file), "resumed_from": resumed_from}
        return None

    def _copy_local(self, url, output_file):
        source = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
        if not source.is_file():
            raise FetchError(f"{self.prefix}not found: {url}; to use a copy instead, {MIRROR_HINT}")
        shutil.copyfile(source, output_file)
        sha256, actual = self._hashes(output_file)
        if actual is not None:
            os.unlink(output_file)
            raise self._mismatch(url, actual)
        self.result = {"sha256": sha256, "bytes": os.path.getsize(output_file), "resumed_from": 0}
        return None

    def _transfer(self, url, *, fresh=False):
        """Bring the .part to the whole file; return how many of its bytes an earlier transfer had kept."""
        self.handle.seek(0, os.SEEK_END)
        offset = 0 if fresh else self.handle.tell()
        headers = {"Accept-Encoding": "identity"}  # the bytes as stored, so that ranges and lengths add up
        if offset:
            headers["Range"] = f"bytes={offset}-"
        response = self.session.get(url, headers=headers, stream=True, timeout=self.timeout)
        with response:
            status = response.status_code
            first, total = _content_range(response.headers.get("Content-Range"))
            if status == 416 and offset:
                if total == offset:  # the .part is already whole (a run stopped before renaming it)
                    return offset
                return self._transfer(url, fresh=True)  # the .part is longer than the file: start again
            if status >= 400:
                if status in _TRANSIENT:
                    raise requests.exceptions.HTTPError(f"HTTP {status}", response=response)
                raise _status_error(self.prefix, url, status, response.reason)
            if status == 206:
                if first != offset:
                    if not offset:
                        raise FetchError(f"{self.prefix}{url} answered a partial file (HTTP 206, Content-Range "
                                         f"{response.headers.get('Content-Range')!r}) to a plain request; "
                                         f"try again later, or {MIRROR_HINT}")
                    return self._transfer(url, fresh=True)
            else:  # the whole file (a server that ignores Range answers 200): start from the beginning
                offset = 0
                length = response.headers.get("Content-Length", "")
                total = int(length) if length.isdigit() else None
            self._receive(response, offset, total)
        return offset

    def _receive(self, response, offset, total):
        """Write the body after the first ``offset`` bytes of the .part; raise _Truncated when it stops short."""
        from .._progress import progress_bar

        self.handle.seek(offset)
        self.handle.truncate()
        received = offset
        bar = progress_bar(total=total, initial=offset, desc=self.desc, unit="B", unit_scale=True,
                           unit_divisor=1024, disable=not self.progress, leave=False)
        try:
            # raw bytes: requests' iter_content would undo a Content-Encoding the server adds anyway
            for block in response.raw.stream(_CHUNK, decode_content=False):
                self.handle.write(block)
                received += len(block)
                bar.update(len(block))
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _Truncated(received, total, _stream_reason(exc, self.timeout)) from None
        finally:
            self.handle.flush()  # what arrived stays in the .part, also on KeyboardInterrupt
            bar.close()
        if total is not None and received < total:
            raise _Truncated(received, total, "the connection was closed")

    def _hashes(self, path):
        """``(sha256, actual)``: the file's sha256, and its hash under ``known_hash``'s algorithm when that
        differs from the known one (else None)."""
        sha256 = pooch.file_hash(str(path), alg="sha256")
        if self.known_hash is None:
            return sha256, None
        algorithm = pooch.hashes.hash_algorithm(self.known_hash)
        actual = sha256 if algorithm == "sha256" else pooch.file_hash(str(path), alg=algorithm)
        return sha256, (None if actual.lower() == self.known_hash.split(":")[-1].lower() else actual)

    def _mismatch(self, url, actual):
        algorithm = pooch.hashes.hash_algorithm(self.known_hash)
        return ChecksumError(f"{self.prefix}checksum mismatch for {url}: expected {algorithm} "
                             f"{self.known_hash.split(':')[-1].lower()}, got {actual}; the download was deleted "
                             "(upstream may have changed the file, or the known hash is outdated)")

    def _discard(self):
        self.handle.seek(0)
        self.handle.truncate()
        os.unlink(self.part)
        self.moved = True  # nothing of it is left to keep


class _PoochLog(logging.Filter):
    """Drops pooch's announcement of each fetch (it names the staging folder, not the destination), and
    with ``quiet`` its retry notices too."""

    def __init__(self, quiet):
        super().__init__()
        self.quiet = quiet

    def filter(self, record):
        if str(record.msg).startswith("%s file '%s' from"):
            return False
        return not self.quiet or record.levelno > logging.INFO


@contextlib.contextmanager
def _pooch_log(quiet):
    logger, log_filter = pooch.get_logger(), _PoochLog(quiet)
    logger.addFilter(log_filter)
    try:
        yield
    finally:
        logger.removeFilter(log_filter)


def _open_part(part, dest, prefix):
    """Open (creating) and lock the .part for reading and writing; one download per destination at a time."""
    handle = open(os.open(part, os.O_RDWR | os.O_CREAT, 0o666), "r+b")
    if fcntl is not None:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise FetchError(f"{prefix}{dest} is being downloaded by another process (it holds {part}); "
                             "wait for it to finish") from None
    return handle


def download(url, dest, *, known_hash=None, progress=True, timeout=60, retries=2, what=None):
    """Download ``url`` to ``dest``, resuming an interrupted earlier download, and verify it.

    The file is always transferred (keeping a cache is the caller's business). Until it is complete
    its bytes live in ``.NAME.part`` next to ``dest`` (:func:`part_path`), which an interrupted
    download leaves behind and the next call continues with ``Range: bytes=N-`` (a server that
    answers with the whole file instead is read from the start). ``dest`` appears only complete and
    verified, by a rename; a failed download leaves at most the ``.part``, and an older ``dest``
    untouched.

    Parameters
    ----------
    url : str
        ``http://``, ``https://`` or ``file://``.
    dest : str or path-like
        Where the file goes; its folder is made as needed.
    known_hash : str, optional
        pooch's form, ``'sha256:HEX'`` (also ``sha1``, ``md5``, ``sha512``...; a bare HEX is sha256).
        None: no verification.
    progress : bool, default True
        Show a tqdm progress bar on stderr.
    timeout : float, default 60
        Seconds to wait for the server to connect or to send more data.
    retries : int, default 2
        Further attempts (by pooch, after a pause of 1, 2... seconds) after a connection error, a
        transfer that stopped short (a retry resumes it) or a transient HTTP status (408, 429, 5xx).
    what : str, optional
        What is downloaded, e.g. ``'bible lv.LvGluck8'``: the progress bar's label (default the file
        name) and the start of error messages.

    Returns
    -------
    record : dict
        ``url``, ``sha256`` (hex), ``bytes``, ``resumed_from`` (bytes of the file that an earlier,
        interrupted transfer had kept; 0 when the last transfer read it all) and ``known_hash``.

    Raises
    ------
    ChecksumError
        The file's hash differs from ``known_hash`` (also after fetching it whole once more when the
        first try had resumed); the data is deleted, ``.part`` included.
    FetchError
        Not found, an HTTP error status, no connection, a transfer that stopped short (its ``.part``
        is kept and the same call resumes it), or another process downloading ``dest``. The message
        is one line naming the URL or host and suggesting ``--mirror DIR``.
    ValueError
        A malformed ``known_hash``, an unsupported URL scheme or negative ``retries``.
    """
    _check_known_hash(known_hash)
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https", "file"):
        raise ValueError(f"cannot download {url!r}: only http, https and file URLs are supported")
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")
    prefix = f"{what}: " if what else ""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    handle = _open_part(part, dest, prefix)
    staging = tempfile.mkdtemp(prefix="." + dest.name + ".", suffix=".tmp", dir=dest.parent)
    session = requests.Session()
    session.headers["User-Agent"] = f"offramp/{__version__}"
    downloader = _ResumingDownloader(part, handle, session, known_hash=known_hash, progress=progress,
                                     timeout=timeout, desc=what or dest.name, prefix=prefix)
    # a fresh Pooch on an empty folder, so that it always downloads; the URL comes from `urls`
    fetcher = pooch.create(path=staging, base_url="", registry={dest.name: None}, urls={dest.name: url},
                           retry_if_failed=retries)
    try:
        with _pooch_log(quiet=not progress):
            fetched = fetcher.fetch(dest.name, downloader=downloader)
        os.replace(fetched, dest)
    except _Truncated as exc:
        of = f" of {exc.total}" if exc.total is not None else ""
        raise FetchError(f"{prefix}download of {url} stopped after {exc.received}{of} bytes ({exc.reason}); "
                         f"they are kept in {part}: running the same command again resumes from there") from None
    except requests.exceptions.HTTPError as exc:
        raise _status_error(prefix, url, exc.response.status_code, exc.response.reason) from None
    except requests.exceptions.RequestException as exc:
        host = urllib.parse.urlsplit(url).netloc.rpartition("@")[2]
        raise FetchError(f"{prefix}could not reach {host} ({_network_reason(exc, timeout)}); "
                         f"without network access, {MIRROR_HINT}") from None
    finally:
        session.close()
        with contextlib.suppress(OSError):
            if not downloader.moved and os.fstat(handle.fileno()).st_size == 0:
                os.unlink(part)  # nothing arrived: no .part to leave behind
        handle.close()
        shutil.rmtree(staging, ignore_errors=True)
    return {"url": url, **downloader.result, "known_hash": known_hash}
