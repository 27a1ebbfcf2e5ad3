"""Write outputs to a temporary sibling and rename, so a crash leaves no half file."""
import atexit
import contextlib
import json
import os
import re
import shutil
import tempfile

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: outputs are not locked
    fcntl = None

from ._files import decompressor


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary file path next to ``path``; rename it onto ``path`` on success."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    if decompressor(path) is not None:
        # a compressed target is written under its own name in a temporary directory: writers that
        # compress by name (gensim's save_word2vec_format: x.vec.gz) compress it, and gzip records
        # that name (x.vec) in its header, not a temporary one
        folder = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
        tmp = os.path.join(folder, os.path.basename(path))
    else:
        folder = None
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
        os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if exc.errno is not None and (exc.filename is None
                                      or os.path.basename(os.fspath(exc.filename)).startswith(".")):
            # a failed write names no file (a full disk, a file-size limit), or the hidden temporary one
            raise OSError(exc.errno, f"{exc.strerror or exc} while writing", path) from exc
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def atomic_open(path, mode="w", encoding="utf-8"):
    """Open a temporary file for writing; it replaces ``path`` only when the block succeeds.

    A ``path`` ending in ``.gz``, ``.bz2`` or ``.xz`` is written compressed, as the readers expect.
    """
    opener = decompressor(path) or open  # gzip.open & co. by extension, else the plain file
    with atomic_path(path) as tmp:
        if "b" in mode:
            handle = opener(tmp, mode)
        else:  # the compressed openers need an explicit 't'; open takes it too
            handle = opener(tmp, mode.replace("t", "") + "t", encoding=encoding, newline="\n")
        with handle:
            yield handle


def write_json(path, payload, *, indent=2, default=None):
    """Write ``payload`` as JSON (UTF-8, one trailing newline) to ``path`` atomically; parent
    directories are made as needed."""
    with atomic_open(path) as handle:
        json.dump(payload, handle, indent=indent, ensure_ascii=False, default=default)
        handle.write("\n")


#: Written into every output directory, so that a later run may replace the directory: offramp
#: never deletes a non-empty directory without it (a user's folder, the source model).
OUTPUT_MARKER = ".offramp-output"


def check_output_dir(path, protect=(), overwrite=True):
    """Raise FileExistsError unless directory ``path`` may be written (and replaced) by offramp.

    Refused: any existing path with ``overwrite=False``; a path that is a file; the current
    directory or one that holds it; a directory that is or holds one of ``protect`` (the command's
    inputs, e.g. the source model); and an existing non-empty directory without
    :data:`OUTPUT_MARKER` (not an earlier offramp output). Cheap, so commands call it before their
    work as well as :func:`atomic_dir` after it.
    """
    real = os.path.realpath(os.fspath(path))
    shown = os.fspath(path)
    if not overwrite and os.path.exists(real):
        raise FileExistsError(f"{shown} exists; remove it or choose another --out")
    if os.path.exists(real) and not os.path.isdir(real):
        raise FileExistsError(f"{shown} is a file; give a directory path for --out")
    if _within(os.path.realpath(os.getcwd()), real):
        raise FileExistsError(f"{shown} is the current directory or holds it, and would be replaced; give a new "
                              "directory for --out")
    for item in protect:
        if item is None or not os.fspath(item):
            continue
        if _within(os.path.realpath(os.fspath(item)), real):
            raise FileExistsError(f"{shown} holds {os.fspath(item)}, an input of this command, and would be "
                                  "replaced; give a new directory for --out")
    if os.path.isdir(real) and os.listdir(real) and not os.path.exists(os.path.join(real, OUTPUT_MARKER)):
        raise FileExistsError(f"{shown} exists and is not an offramp output (it has no {OUTPUT_MARKER}); give a "
                              "new directory for --out, or empty or remove this one")


def _within(path, folder):
    """True when resolved ``path`` is ``folder`` or lies inside it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


@contextlib.contextmanager
def atomic_dir(path, overwrite=True, protect=()):
    """Yield a temporary directory next to ``path``; move it onto ``path`` on success.

    An existing ``path`` is replaced only after the new directory is complete, and only when
    :func:`check_output_dir` allows it (``overwrite=False`` refuses any existing path). The new
    directory holds :data:`OUTPUT_MARKER`.
    """
    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    check_output_dir(path, protect, overwrite)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=parent)
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private (0700); an output is not
        yield tmp
        with open(os.path.join(tmp, OUTPUT_MARKER), "w", encoding="utf-8") as handle:
            handle.write("written by offramp; a later offramp run may replace this directory\n")
        if os.path.exists(path):
            old = tmp + ".old"
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def check_distinct(paths, inputs=None):
    """Raise ValueError when two of the named output ``paths`` are one file, or an output is an input.

    ``paths`` maps a name (``'--out'``, ``'out_train'``) to a path or None (skipped); paths are
    compared resolved (``a/../x.vec`` is ``x.vec``, links followed), so that no output silently
    replaces another. ``inputs`` names the files the command reads, a mapping or ``(name, path)``
    pairs (``('SRC_VECTORS', 'en.vec')``; a name may repeat): an output that is one of them would
    destroy it.
    """
    seen = {}
    for name, path in paths.items():
        if path is None:
            continue
        key = os.path.realpath(os.fspath(path))
        if key in seen:
            raise ValueError(f"{seen[key]} and {name} are the same file ({os.fspath(path)}); give different paths")
        seen[key] = name
    inputs = inputs or ()
    for name, path in (inputs.items() if hasattr(inputs, "items") else inputs):
        if not isinstance(path, (str, bytes, os.PathLike)):  # None, or an object (vectors in memory)
            continue
        key = os.path.realpath(os.fspath(path))
        if key in seen:
            raise ValueError(f"{seen[key]} ({os.fspath(path)}) is the {name} file this command reads; writing it "
                             f"would destroy that input: give {seen[key]} another path")


def check_writable(paths):
    """Raise ValueError unless every named output file in ``paths`` can be created.

    Checked before a command's work, not after it: the path is not a directory, its nearest existing
    ancestor is a directory (``a.txt/x.vec`` cannot be made while ``a.txt`` is a file), and that
    directory is writable. Missing directories below it are made when the file is written.
    """
    for name, path in paths.items():
        if path is None:
            continue
        path = os.path.abspath(os.fspath(path))
        if os.path.isdir(path):
            raise ValueError(f"{name}: {path} is a directory; give a file path")
        parent = os.path.dirname(path)
        while not os.path.lexists(parent) and os.path.dirname(parent) != parent:
            parent = os.path.dirname(parent)
        if not os.path.isdir(parent):
            raise ValueError(f"{name}: {parent} is a file, so {path} cannot be created; give another path")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ValueError(f"{name}: cannot write in {parent} (no permission); give another path")
        _probe(name, parent, path)


def _probe(name, folder, path):
    """Create and remove a small file in ``folder``: what permissions cannot tell (a read-only or full file
    system, a quota, a file-size limit) fails here, naming the option, instead of after the work."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".probe") as f:
            f.write(b"offramp output check\n")
            f.flush()
    except OSError as exc:
        raise ValueError(f"{name}: cannot create a file in {folder} ({exc.strerror or exc}); free space there or "
                         "give another path") from None


def check_outputs(paths, inputs=None, *, lock=False):
    """:func:`check_distinct` and :func:`check_writable` together: run it before a command's work.
    ``lock``: also :func:`lock_outputs` (a command's process)."""
    check_distinct(paths, inputs)
    check_writable(paths)
    if lock:
        lock_outputs(paths)


#: Lock files this process holds (path -> open descriptor), released and removed at exit.
_LOCKS = {}
#: A temporary file or folder of :func:`atomic_path` or :func:`atomic_dir`, whatever it was for.
_ANY_DEBRIS = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp(\.old)?")


def _debris_pattern(path):
    """The names of the temporary files and folders that :func:`atomic_path` and :func:`atomic_dir` make for
    ``path`` and for its sidecar (``.NAME.xxxxxxxx.tmp``, ``.NAME.offramp.json.xxxxxxxx.tmp``, ``....tmp.old``)."""
    return re.compile(re.escape("." + os.path.basename(path) + ".") + r"(offramp\.json\.)?[a-z0-9_]{8}\.tmp(\.old)?")


def _remove_matching(folder, pattern):
    """Remove the files and folders in ``folder`` whose names match ``pattern``; returns their paths."""
    removed = []
    for name in os.listdir(folder) if os.path.isdir(folder) else ():
        if pattern.fullmatch(name):
            target = os.path.join(folder, name)
            shutil.rmtree(target, ignore_errors=True) if os.path.isdir(target) else os.unlink(target)
            removed.append(target)
    return removed


def remove_debris(path):
    """Remove what a killed run left while writing ``path``: its temporary files and folders. Call it
    while holding ``path``'s lock (:func:`lock_outputs`), so that no live run's file is taken.

    Returns
    -------
    list of str
        The paths removed.
    """
    path = os.path.abspath(os.fspath(path))
    return _remove_matching(os.path.dirname(path), _debris_pattern(path))


def _lock_path(path):
    """The lock file of an output: ``.NAME.lock`` beside it."""
    return os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".lock")


def _busy(name, path, lock):
    return ValueError(f"{name}: another offramp run is writing {path} now (it holds {lock}); wait for it to finish, "
                      "or give another path")


@contextlib.contextmanager
def folder_lock(folder, name="--out"):
    """Hold an output folder that a command fills with several files (``offramp multi``'s) for the
    block, and first remove every temporary file or folder a killed run left in it. ValueError,
    naming ``name``, while another run holds it. The lock is ``.NAME.lock`` beside the folder,
    removed afterwards."""
    folder = os.path.abspath(os.fspath(folder))
    if fcntl is None:  # pragma: no cover - not POSIX
        yield
        return
    lock = _lock_path(folder)
    fd = _acquire(lock, blocking=False)
    if fd is None:
        raise _busy(name, folder, lock)
    try:
        _remove_matching(folder, _ANY_DEBRIS)
        yield
    finally:
        _release(lock, fd)


def lock_outputs(paths):
    """Hold an exclusive lock on each named output until this process ends, so that two commands started at
    once on one output cannot both write it: the second is refused with the option's name. While holding
    it, remove the debris an earlier killed run of the same output left (:func:`remove_debris`).

    The lock is ``.NAME.lock`` beside the output (``fcntl.flock``: the kernel releases it when a process
    dies, so a killed run never blocks the next), removed at exit. Outputs in folders that do not exist
    yet need none. A no-op where ``fcntl`` is missing (Windows).
    """
    if fcntl is None:  # pragma: no cover - not POSIX
        return
    for name, path in paths.items():
        if path is None:
            continue
        path = os.path.abspath(os.fspath(path))
        lock = _lock_path(path)
        if lock in _LOCKS or not os.path.isdir(os.path.dirname(path)):
            continue
        fd = _acquire(lock, blocking=False)
        if fd is None:
            raise _busy(name, path, lock)
        if not _LOCKS:
            atexit.register(release_locks)
        _LOCKS[lock] = fd
        remove_debris(path)


def _acquire(lock, *, blocking):
    """An open descriptor holding ``flock(LOCK_EX)`` on the file ``lock`` (made if missing), or None when
    another process holds it and ``blocking`` is False. A lock file removed by its holder between our open
    and our lock is opened again, so two processes never hold two inodes of one name."""
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _release(lock, fd):
    """Remove the lock file, then let go of it."""
    with contextlib.suppress(OSError):
        os.unlink(lock)
    os.close(fd)


@contextlib.contextmanager
def file_lock(lock):
    """Hold an exclusive lock on the file ``lock`` for the block, waiting for another process that holds it;
    the file is removed afterwards. A no-op where ``fcntl`` is missing (Windows)."""
    if fcntl is None:  # pragma: no cover - not POSIX
        yield
        return
    lock = os.fspath(lock)
    fd = _acquire(lock, blocking=True)
    try:
        yield
    finally:
        _release(lock, fd)


def release_locks():
    """Release and remove the locks of :func:`lock_outputs` (at the end of a command; also at exit)."""
    for lock, fd in list(_LOCKS.items()):
        _release(lock, fd)
        del _LOCKS[lock]
