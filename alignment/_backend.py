"""Array namespace helpers: one code path for NumPy and CuPy.

The namespace is read off the inputs (``xp = get_namespace(X, Z)``); the device is
chosen only at the edges, with :func:`asarray` and :func:`resolve_device`.
"""
import numpy as np

try:  # CuPy is optional; importing it must never break the CPU path.
    import cupy as _cupy

    try:
        _CUDA_OK = _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # driver missing or no device
        _CUDA_OK = False
except Exception:  # pragma: no cover - depends on the machine
    _cupy = None
    _CUDA_OK = False

DEVICES = ("cpu", "cuda", "auto")


def cuda_available():
    """True when CuPy imports and sees at least one GPU.

    Returns
    -------
    bool
    """
    return _CUDA_OK


def resolve_device(device):
    """Map ``'cpu' | 'cuda' | 'auto'`` to ``'cpu'`` or ``'cuda'``.

    Parameters
    ----------
    device : {'cpu', 'cuda', 'auto'}
        ``'auto'`` picks ``'cuda'`` when :func:`cuda_available`, else ``'cpu'``.

    Returns
    -------
    {'cpu', 'cuda'}

    Raises
    ------
    ValueError
        For an unknown device, or ``'cuda'`` without CuPy and a visible GPU.
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}; got {device!r}")
    if device == "auto":
        return "cuda" if _CUDA_OK else "cpu"
    if device == "cuda" and not _CUDA_OK:
        raise ValueError(
            "device='cuda' needs CuPy and a visible GPU; install cupy-cuda12x "
            "(pip install .[gpu]) or use device='cpu'"
        )
    return device


def is_cupy(x):
    """True when ``x`` is a CuPy array (always False without CuPy)."""
    return _cupy is not None and isinstance(x, _cupy.ndarray)


def get_namespace(*arrays):
    """Return ``numpy`` or ``cupy`` for the given arrays (``None`` entries ignored).

    Parameters
    ----------
    *arrays : ndarray or None
        NumPy or CuPy arrays of any shape; anything that is not a CuPy array counts as NumPy.

    Returns
    -------
    module
        ``cupy`` when every array is a CuPy array, else ``numpy`` (also for no arrays at all).

    Raises
    ------
    TypeError
        When NumPy and CuPy arrays are mixed.
    """
    kinds = {is_cupy(a) for a in arrays if a is not None}
    if len(kinds) > 1:
        raise TypeError("arrays live on different backends (NumPy and CuPy); move them with asarray(x, device=...)")
    return _cupy if kinds == {True} else np


def to_numpy(x):
    """Copy a CuPy array to the host; NumPy arrays and scalars pass through.

    Parameters
    ----------
    x : ndarray of any shape, or array-like

    Returns
    -------
    numpy.ndarray of the shape and dtype of ``x``
    """
    if is_cupy(x):
        return _cupy.asnumpy(x)
    return np.asarray(x)


def asarray(x, *, device="cpu", dtype=None):
    """Put ``x`` on ``device`` ('cpu', 'cuda' or 'auto') with an optional dtype.

    The one place where the device is chosen: callers at the edges (``bootstrap/``) move arrays
    here, and the math in ``alignment/`` follows the arrays it is given.

    Parameters
    ----------
    x : ndarray of any shape, or array-like
    device : {'cpu', 'cuda', 'auto'}
        See :func:`resolve_device`.
    dtype : dtype, optional
        Target dtype; ``None`` keeps that of ``x``.

    Returns
    -------
    numpy.ndarray or cupy.ndarray of the shape of ``x``
    """
    device = resolve_device(device)
    if device == "cuda":
        return _cupy.asarray(x, dtype=dtype)
    return np.asarray(to_numpy(x), dtype=dtype)


def device_of(x):
    """``'cuda'`` for a CuPy array, ``'cpu'`` for anything else."""
    return "cuda" if is_cupy(x) else "cpu"


def check_vectors(X, *, name="X"):
    """Validate a 2-d array of vectors and return it as a floating-point array of its namespace.

    Integer and boolean arrays become float32 (their products would otherwise wrap or truncate);
    float16 becomes float32 (NumPy has no fast float16 products, and CSLS's differences need more
    than its 11 bits); float32 and float64 pass through without a copy. Lists are read as NumPy.

    Parameters
    ----------
    X : ndarray of shape (n, dim), or array-like
    name : str
        The argument's name in error messages.

    Returns
    -------
    ndarray of shape (n, dim), float32 or float64

    Raises
    ------
    ValueError
        For an array that is not 2-d, or a row holding NaN or inf (the first such row is named:
        one NaN row would otherwise poison the mean, the SVD and every neighbour search).
    TypeError
        For a complex or non-numeric dtype.
    """
    if not (is_cupy(X) or isinstance(X, np.ndarray)):
        X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-d array of shape (n, dim); got shape {X.shape}")
    kind = X.dtype.kind
    if kind in "biu" or X.dtype == np.float16:
        X = X.astype(np.float32)
    elif kind != "f":
        raise TypeError(f"{name} must hold real numbers; got dtype {X.dtype}")
    bad = nonfinite_rows(X)
    if bad.size:
        more = f" (and {bad.size - 1} more rows)" if bad.size > 1 else ""
        raise ValueError(f"{name} row {int(bad[0])} holds NaN or inf values{more}; drop or repair those "
                         "vectors before aligning (offramp's readers refuse them in files)")
    return X


def writable(X):
    """True when ``X`` may be overwritten in place (a read-only NumPy array or memory map may not)."""
    return bool(getattr(getattr(X, "flags", None), "writeable", True))


def overwritable(X):
    """True when ``X`` is an array that the float paths use as it is and may overwrite: 2-d float32 or
    float64 (others are cast to a copy by :func:`check_vectors`) and writable."""
    return getattr(X, "ndim", 0) == 2 and X.dtype in (np.float32, np.float64) and writable(X)


def nonfinite_rows(X):
    """Indices of the rows of ``X`` that hold NaN or inf.

    Per-row max and min propagate NaN and reach +-inf, so no (n, dim) boolean temporary is made.

    Parameters
    ----------
    X : ndarray of shape (n, dim), floating point, NumPy or CuPy

    Returns
    -------
    numpy.ndarray of shape (n_bad,), int64, increasing
    """
    xp = get_namespace(X)
    if not X.size:
        return np.zeros(0, dtype=np.int64)
    ok = xp.isfinite(X.max(axis=1)) & xp.isfinite(X.min(axis=1))
    if bool(ok.all()):
        return np.zeros(0, dtype=np.int64)
    return to_numpy(xp.flatnonzero(~ok)).astype(np.int64, copy=False)


def check_positive_int(value, name):
    """``value`` as an int, refusing anything but a positive integer (bools included).

    Parameters
    ----------
    value : int
    name : str
        The parameter's name in the error message.

    Returns
    -------
    int
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)
