"""The array backend helpers: namespace read off the inputs, device resolution, host copies."""
import numpy as np
import pytest

from offramp.alignment._backend import (DEVICES, asarray, cuda_available, device_of, get_namespace, is_cupy,
                                        resolve_device, to_numpy)


def test_namespace_is_read_off_the_inputs(xp):
    a = xp.asarray(np.ones((2, 3), dtype=np.float32))
    assert get_namespace(a) is xp
    assert get_namespace(a, None, a) is xp  # None entries are ignored
    assert get_namespace() is np  # nothing to read: NumPy
    assert device_of(a) == ("cuda" if xp is not np else "cpu")
    assert is_cupy(a) is (xp is not np)


def test_to_numpy_returns_host_arrays(xp):
    host = np.arange(6, dtype=np.float32).reshape(2, 3)
    back = to_numpy(xp.asarray(host))
    assert isinstance(back, np.ndarray)
    np.testing.assert_array_equal(back, host)
    assert to_numpy(3.5) == np.asarray(3.5)


@pytest.mark.parametrize("dtype", [None, np.float32, np.float64])
def test_asarray_cpu(dtype):
    out = asarray([[1, 2], [3, 4]], device="cpu", dtype=dtype)
    assert isinstance(out, np.ndarray)
    assert out.dtype == (np.dtype(dtype) if dtype is not None else np.asarray([1]).dtype)
    np.testing.assert_array_equal(out, [[1, 2], [3, 4]])


@pytest.mark.parametrize("device, expected", [
    ("cpu", "cpu"),
    ("auto", "cuda" if cuda_available() else "cpu"),
])
def test_resolve_device(device, expected):
    assert resolve_device(device) == expected
    assert device in DEVICES


@pytest.mark.parametrize("device", ["gpu", "CPU", "", None, "cuda:0"])
def test_resolve_device_rejects_unknown_names(device):
    with pytest.raises(ValueError, match="device must be one of"):
        resolve_device(device)


@pytest.mark.skipif(cuda_available(), reason="a GPU is visible here")
def test_cuda_without_gpu_says_what_to_do():
    with pytest.raises(ValueError, match=r"cupy-cuda12x.*device='cpu'"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match="needs CuPy and a visible GPU"):
        asarray(np.zeros(2), device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not cuda_available(), reason="CuPy with a visible GPU is not available")
def test_mixed_backends_raise_type_error():
    import cupy

    with pytest.raises(TypeError, match="different backends"):
        get_namespace(np.zeros(2), cupy.zeros(2))
    gpu = asarray(np.arange(3, dtype=np.float32), device="cuda")
    assert is_cupy(gpu)
    np.testing.assert_array_equal(asarray(gpu, device="cpu"), [0, 1, 2])
