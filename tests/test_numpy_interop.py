"""numpy interop: from_numpy / .numpy() memory sharing, __array__, strided inputs."""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import NP_DTYPES, check, rand, tdt, to_np

NUMPY_DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("name", NUMPY_DTYPES)
def test_from_numpy_shares_memory_both_ways(name):
    a = rand((3, 4), name, seed=1, low=0, high=5)
    t = torch.from_numpy(a)
    assert t.dtype == tdt(name)
    check(t, a, exact=True)
    # numpy -> tensor
    a[1, 2] = 1
    assert t[1, 2].item() == 1
    a[0, 0] = 0
    assert t[0, 0].item() == 0
    # tensor -> numpy
    t[2, 3] = True if name == "bool" else 3
    assert a[2, 3] == (True if name == "bool" else 3)
    assert t.data_ptr() == a.ctypes.data


@pytest.mark.parametrize("name", NUMPY_DTYPES)
def test_numpy_method_shares_memory(name):
    t = torch.zeros(2, 5, dtype=tdt(name))
    n = t.numpy()
    assert isinstance(n, np.ndarray)
    assert n.dtype == NP_DTYPES[name]
    assert n.shape == (2, 5)
    n[1, 4] = 1
    assert t[1, 4].item() == 1
    t[0, 1] = 1
    assert n[0, 1] == 1
    assert n.ctypes.data == t.data_ptr()


def test_numpy_inplace_ops_visible():
    t = torch.arange(6, dtype=torch.float64)
    n = t.numpy()
    t.mul_(2)
    np.testing.assert_array_equal(n, np.arange(6) * 2.0)
    n += 1
    check(t, np.arange(6) * 2.0 + 1)


def test_numpy_of_views():
    t = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    tt = t.t()
    n = tt.numpy()
    assert n.shape == (4, 3)
    assert n.strides == (4, 16)
    np.testing.assert_array_equal(n, np.arange(12, dtype=np.float32).reshape(3, 4).T)
    n[3, 0] = -1.0  # -> t[0, 3]
    assert t[0, 3].item() == -1.0
    s = t[:, 1::2].numpy()
    assert s.strides == (16, 8)
    s[2, 1] = -2.0  # -> t[2, 3]
    assert t[2, 3].item() == -2.0
    row = t[1].numpy()
    row[:] = 0
    check(t[1], np.zeros(4))


def test_numpy_0d_and_empty():
    n = torch.tensor(2.5).numpy()
    assert n.shape == () and n.dtype == np.float32 and n == 2.5
    e = torch.zeros(0, 3).numpy()
    assert e.shape == (0, 3)


def test_numpy_requires_grad_raises():
    with pytest.raises(RuntimeError):
        torch.ones(2, requires_grad=True).numpy()
    n = torch.ones(2, requires_grad=True).detach().numpy()
    np.testing.assert_array_equal(n, [1.0, 1.0])


def test_numpy_bfloat16_raises():
    with pytest.raises(TypeError):
        torch.ones(2, dtype=torch.bfloat16).numpy()


def test_np_asarray():
    t = torch.tensor([[1.5, 2.5], [3.5, 4.5]])
    a = np.asarray(t)
    assert isinstance(a, np.ndarray)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, [[1.5, 2.5], [3.5, 4.5]])
    a[0, 0] = 9.0
    assert t[0, 0].item() == 9.0  # asarray does not copy
    d = np.asarray(t, dtype=np.float64)
    assert d.dtype == np.float64
    np.testing.assert_array_equal(d, [[9.0, 2.5], [3.5, 4.5]])
    assert np.array(torch.tensor([1, 2])).dtype == np.int64
    assert np.array(torch.tensor([True])).dtype == np.bool_


def test_numpy_functions_accept_tensors():
    t = torch.tensor([1.0, 4.0, 9.0])
    np.testing.assert_allclose(np.sqrt(np.asarray(t)), [1.0, 2.0, 3.0])
    np.testing.assert_allclose(np.array(t.t()) + 1, [2.0, 5.0, 10.0])
    assert float(np.sum(np.asarray(t))) == 14.0


@pytest.mark.parametrize(
    "make_view",
    [lambda a: a.T, lambda a: a[::2], lambda a: a[:, 1::3], lambda a: a[1:, 2:4], lambda a: a[:, 0],
     lambda a: np.asfortranarray(a), lambda a: a.reshape(2, 3, 4).transpose(1, 2, 0)],
)
def test_from_numpy_noncontiguous(make_view):
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    v = make_view(base)
    t = torch.from_numpy(v)
    check(t, v, dtype="float64", exact=True)
    assert t.stride() == tuple(s // 8 for s in v.strides)
    assert t.is_contiguous() == v.flags.c_contiguous
    # shared memory: writes through the tensor appear in the numpy view (and base when v is a view)
    idx = (0,) * v.ndim
    t[idx] = -100.0
    assert v[idx] == -100.0


def test_from_numpy_noncontiguous_ops():
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    t = torch.from_numpy(base[::2, ::3])
    check(t + 1, base[::2, ::3] + 1)
    check(t.sum(0), base[::2, ::3].sum(0))
    check(t.contiguous(), base[::2, ::3])
    check(t.reshape(-1), base[::2, ::3].reshape(-1))


def test_from_numpy_broadcast_zero_strides():
    a = np.broadcast_to(np.arange(3.0), (2, 3))
    t = torch.from_numpy(a)
    assert t.stride() == (0, 1)
    check(t, a)


def test_from_numpy_negative_strides_raises():
    with pytest.raises(ValueError):
        torch.from_numpy(np.arange(4)[::-1])


def test_from_numpy_0d_and_empty():
    t = torch.from_numpy(np.array(3.0))
    assert t.shape == () and t.item() == 3.0 and t.dtype == torch.float64
    e = torch.from_numpy(np.zeros((0, 4), dtype=np.int32))
    assert e.shape == (0, 4) and e.dtype == torch.int32


def test_from_numpy_unsupported_dtype_raises():
    with pytest.raises(TypeError):
        torch.from_numpy(np.zeros(2, dtype=object))


def test_as_tensor_shares_and_tensor_copies():
    a = np.zeros(3)
    t = torch.as_tensor(a)
    t[0] = 5.0
    assert a[0] == 5.0
    c = torch.tensor(a)
    c[1] = 7.0
    assert a[1] == 0.0
    f = torch.as_tensor(a, dtype=torch.float32)  # dtype change => copy
    f[2] = 1.0
    assert a[2] == 0.0
    assert f.dtype == torch.float32


def test_round_trip_values_and_dtypes():
    for name in NUMPY_DTYPES:
        a = rand((2, 3, 2), name, seed=4)
        back = torch.tensor(a).numpy()
        assert back.dtype == a.dtype
        np.testing.assert_array_equal(back, a)


def test_numpy_survives_tensor_deletion():
    t = torch.arange(5, dtype=torch.float32) * 2
    n = t.numpy()
    del t
    import gc
    gc.collect()
    np.testing.assert_array_equal(n, [0.0, 2.0, 4.0, 6.0, 8.0])


def test_tensor_survives_array_deletion():
    a = np.arange(5, dtype=np.int64) + 10
    t = torch.from_numpy(a)
    del a
    import gc
    gc.collect()
    check(t, [10, 11, 12, 13, 14])


def test_numpy_scalar_operand_returns_tensor():
    # Tensor.__array_priority__ makes numpy defer to the tensor's reflected operators
    t = torch.tensor([1.5, 2.5])
    for r in (np.float64(2.0) * t, t * np.float64(2.0), np.float32(1.0) + t, np.int64(3) - t):
        assert isinstance(r, torch.Tensor), type(r)
    check(np.float64(2.0) * t, [3.0, 5.0], dtype="float32")
    check(np.int64(3) - t, [1.5, 0.5], dtype="float32")
