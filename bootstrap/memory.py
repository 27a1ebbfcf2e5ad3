"""Will a command fit in memory? Its peak estimated from the vector files' headers, against the memory
that is available, before anything is read: a run that cannot fit says so at once and names the
``--max-vocab`` that would fit, instead of being killed by the system an hour in.

The estimate (docs/scale.md has the measurements behind it): both matrices as float32 (offramp
normalises and maps them in place, so they are held once), the words' index (about
:data:`WORD_BYTES` a word), a search's score blocks (:data:`~alignment.retrieval.MAX_BLOCK_CELLS`
float32 cells with their selection's temporaries) for the commands that search whole spaces, and the
interpreter with its libraries. The available memory is the kernel's ``MemAvailable`` or, inside a
container, what its cgroup limit leaves, whichever is smaller.
"""
import os

from .errors import OfframpError
from .io.embeddings import space_shape

#: Bytes a word costs beyond its vector: the string, its slot in the word list and in the index.
WORD_BYTES = 200
#: The interpreter with NumPy, gensim and faiss loaded.
BASE_BYTES = 350 << 20
#: A search's blocks: the capped score block and its selection's temporaries (align searches only
#: its vocabulary cut-off, so it needs less).
SEARCH_BYTES = {"align": 256 << 20, "evaluate": 1536 << 20, "induce": 1536 << 20}
#: The share of the available memory a run may plan to use.
HEADROOM = 0.9
_GB = 1e9


class MemoryEstimateError(OfframpError):
    """A run whose estimated peak memory exceeds the memory available. ``estimate`` holds the numbers."""

    def __init__(self, message, estimate):
        super().__init__(message)
        self.estimate = estimate


def available_memory():
    """Bytes that a new allocation can have: ``MemAvailable``, or the cgroup's limit minus its use when
    that is smaller; None where neither can be read (not Linux)."""
    values = []
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    values.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit_file, encoding="ascii") as a, open(usage_file, encoding="ascii") as b:
                limit, usage = a.read().strip(), b.read().strip()
        except OSError:
            continue
        if limit.isdigit() and int(limit) < 1 << 60:  # "max" or a huge number: no limit
            values.append(max(0, int(limit) - int(usage)))
        break
    return min(values) if values else None


def estimate_memory(command, shapes, max_vocab=None):
    """The estimated peak of ``command`` on spaces of these shapes, in bytes, with its parts.

    Parameters
    ----------
    command : {'align', 'evaluate', 'induce'}
    shapes : list of (int, int)
        ``(n_words, dim)`` of each vector file the command reads.
    max_vocab : int, optional
        The command's ``--max-vocab``.

    Returns
    -------
    dict
        ``bytes`` (the total), ``matrices``, ``words``, ``search`` and ``base`` (bytes each), and
        ``words_read`` (per file).
    """
    words = [n if max_vocab is None else min(n, max_vocab) for n, _ in shapes]
    parts = {"matrices": sum(4 * n * dim for n, (_, dim) in zip(words, shapes)),
             "words": WORD_BYTES * sum(words), "search": SEARCH_BYTES[command], "base": BASE_BYTES}
    return {"bytes": sum(parts.values()), **parts, "words_read": words}


def _fitting_vocab(command, shapes, budget):
    """The largest ``--max-vocab`` whose estimate fits ``budget`` bytes, or None if none does."""
    lo, hi = 0, max(n for n, _ in shapes)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if estimate_memory(command, shapes, mid)["bytes"] <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo or None


def check_memory(command, paths, *, fmt="auto", max_vocab=None, available=None):
    """Refuse, before reading anything, a run whose estimated peak exceeds the available memory.

    Parameters
    ----------
    command : {'align', 'evaluate', 'induce'}
    paths : sequence of path-like
        The vector files it reads.
    fmt, max_vocab
        As the command reads them.
    available : int, optional
        Bytes available (default: :func:`available_memory`).

    Returns
    -------
    dict or None
        ``estimated_mb`` and ``available_mb`` for the report; None where a header does not give the
        shape or the available memory is unknown (nothing is refused then).

    Raises
    ------
    MemoryEstimateError
        When the estimate exceeds :data:`HEADROOM` of the available memory; the message gives both,
        the parts of the estimate, and the ``--max-vocab`` that would fit.
    """
    shapes = [space_shape(path, fmt) for path in paths]
    available = available_memory() if available is None else available
    if available is None or any(shape is None for shape in shapes):
        return None
    estimate = estimate_memory(command, shapes, max_vocab)
    record = {"estimated_mb": round(estimate["bytes"] / 2**20), "available_mb": round(available / 2**20)}
    if estimate["bytes"] <= HEADROOM * available:
        return record
    sizes = " and ".join(f"{n:,} x {dim} ({os.path.basename(os.fspath(path))})"
                         for n, (_, dim), path in zip(estimate["words_read"], shapes, paths))
    fit = _fitting_vocab(command, shapes, HEADROOM * available)
    advice = (f"read fewer words with --max-vocab {fit:,}".replace(",", "") if fit else "free memory")
    raise MemoryEstimateError(
        f"{command} would need about {estimate['bytes'] / _GB:.1f} GB (the {sizes} float32 vectors "
        f"{estimate['matrices'] / _GB:.1f} GB, their words {estimate['words'] / _GB:.1f} GB, searching and "
        f"the program {(estimate['search'] + estimate['base']) / _GB:.1f} GB) and {available / _GB:.1f} GB "
        f"is available: {advice}, or run it on a larger machine (--no-memory-check runs it anyway)",
        {**record, "max_vocab_that_fits": fit})
