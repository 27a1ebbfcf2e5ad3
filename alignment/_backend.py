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
    """True when CuPy imports and sees at least one GPU."""
    return _CUDA_OK


def resolve_device(device):
    """Map ``'cpu' | 'cuda' | 'auto'`` to ``'cpu'`` or ``'cuda'``."""
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
    return _cupy is not None and isinstance(x, _cupy.ndarray)


def get_namespace(*arrays):
    """Return ``numpy`` or ``cupy`` for the given arrays (``None`` entries ignored).

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
    """Copy a CuPy array to the host; NumPy arrays and scalars pass through."""
    if is_cupy(x):
        return _cupy.asnumpy(x)
    return np.asarray(x)


def asarray(x, *, device="cpu", dtype=None):
    """Put ``x`` on ``device`` ('cpu', 'cuda' or 'auto') with an optional dtype."""
    device = resolve_device(device)
    if device == "cuda":
        return _cupy.asarray(x, dtype=dtype)
    return np.asarray(to_numpy(x), dtype=dtype)


def device_of(x):
    return "cuda" if is_cupy(x) else "cpu"
