"""Write outputs to a temporary sibling and rename, so a crash leaves no half file."""
import contextlib
import os
import shutil
import tempfile

from ._files import COMPRESSED


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary file path next to ``path``; rename it onto ``path`` on success."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # a compressed target keeps its extension, so that writers that compress by name (gensim's
    # save_word2vec_format: x.vec.gz) compress the temporary file too
    ext = os.path.splitext(path)[1].lower()
    suffix = ".tmp" + (ext if ext in COMPRESSED else "")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=suffix, dir=directory)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path, mode="w", encoding="utf-8"):
    """Open a temporary file for writing; it replaces ``path`` only when the block succeeds."""
    with atomic_path(path) as tmp:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": "\n"}
        with open(tmp, mode, **kwargs) as handle:
            yield handle


@contextlib.contextmanager
def atomic_dir(path, overwrite=True):
    """Yield a temporary directory next to ``path``; move it onto ``path`` on success.

    An existing ``path`` is replaced only after the new directory is complete.
    """
    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} exists; remove it or choose another --out")
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=parent)
    try:
        yield tmp
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


def check_distinct(paths):
    """Raise ValueError when two of the named output ``paths`` are one file.

    ``paths`` maps a name (``'--out'``, ``'out_train'``) to a path or None (skipped); paths are
    compared resolved (``a/../x.vec`` is ``x.vec``, links followed), so that no output silently
    replaces another.
    """
    seen = {}
    for name, path in paths.items():
        if path is None:
            continue
        key = os.path.realpath(os.fspath(path))
        if key in seen:
            raise ValueError(f"{seen[key]} and {name} are the same file ({os.fspath(path)}); give different paths")
        seen[key] = name
