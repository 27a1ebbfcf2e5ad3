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
