"""DLPack exchange: zero-copy both ways with numpy (and PyTorch when installed)."""

import gc

import numpy as np
import pytest

import ferrotorch as torch


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"])
def test_numpy_to_ferrotorch_shares_memory(dtype):
    a = (np.arange(12) % 3).astype(dtype).reshape(3, 4)
    t = torch.from_dlpack(a)
    assert t.dtype == getattr(torch, dtype)
    assert t.shape == (3, 4)
    np.testing.assert_array_equal(np.asarray(t), a)
    t[0, 0] = 1
    assert a[0, 0] == 1  # write through the tensor, read through the array


def test_non_contiguous_numpy_view_keeps_strides():
    a = np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2]
    t = torch.from_dlpack(a)
    assert t.stride() == (6, 2)
    np.testing.assert_array_equal(np.asarray(t), a)


def test_ferrotorch_to_numpy_shares_memory_and_outlives_the_tensor():
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()
    a = np.from_dlpack(t)
    assert a.shape == (3, 2)
    np.testing.assert_array_equal(a, np.arange(6, dtype=np.float32).reshape(2, 3).T)
    t[0, 0] = 42.0
    assert a[0, 0] == 42.0
    del t
    gc.collect()
    assert a[0, 0] == 42.0 and a[2, 1] == 5.0  # the capsule keeps the storage alive


def test_round_trip_and_device():
    t = torch.tensor([1.5, -2.0])
    assert t.__dlpack_device__() == (1, 0)
    assert torch.from_dlpack(t) is t
    back = torch.from_dlpack(t.__dlpack__())  # a raw capsule is accepted too
    assert back.data_ptr() == t.data_ptr()
    back[1] = 7.0
    assert t[1].item() == 7.0


def test_bad_input_is_refused():
    with pytest.raises(TypeError):
        torch.from_dlpack([1, 2, 3])


def test_exchange_with_pytorch_when_installed():
    real = pytest.importorskip("torch")
    x = real.arange(10, dtype=real.float64).reshape(2, 5)
    t = torch.from_dlpack(x)
    assert t.dtype == torch.float64 and t.data_ptr() == x.data_ptr()
    t.mul_(2)
    assert float(x[1, 4]) == 18.0
    y = real.from_dlpack(torch.ones(3, dtype=torch.bfloat16))
    assert y.dtype == real.bfloat16 and y.tolist() == [1.0, 1.0, 1.0]
