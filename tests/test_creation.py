"""Tensor creation functions and basic tensor attributes (reference: numpy / PyTorch docs)."""

import math

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import DTYPE_NAMES, NP_DTYPES, check, rand, tdt, to_np


# ---------------------------------------------------------------- torch.tensor

@pytest.mark.parametrize(
    "data, dtype, shape",
    [
        (3, "int64", ()),
        (2.5, "float32", ()),
        (True, "bool", ()),
        ([1, 2, 3], "int64", (3,)),
        ([1.0, 2.0], "float32", (2,)),
        ([1, 2.0], "float32", (2,)),
        ([True, False], "bool", (2,)),
        ([True, 1], "int64", (2,)),
        ([[1, 2, 3], [4, 5, 6]], "int64", (2, 3)),
        ([[[1.5]], [[2.5]]], "float32", (2, 1, 1)),
        ([], "float32", (0,)),
        ([[], []], "float32", (2, 0)),
    ],
)
def test_tensor_dtype_inference(data, dtype, shape, device):
    t = torch.tensor(data, device=device)
    assert isinstance(t, torch.Tensor)
    assert t.dtype == tdt(dtype)
    assert tuple(t.shape) == shape
    np.testing.assert_array_equal(to_np(t), np.array(data).reshape(shape))


def test_tensor_values_float(device):
    t = torch.tensor([[0.1, -2.5], [1e10, float("inf")]], device=device)
    check(t, np.array([[0.1, -2.5], [1e10, np.inf]], dtype=np.float32), dtype="float32", exact=True)


def test_tensor_nan_scalar(device):
    t = torch.tensor(float("nan"), device=device)
    assert t.dtype == torch.float32
    assert math.isnan(t.item())


def test_tensor_tuple_input(device):
    t = torch.tensor(((1, 2), (3, 4)), device=device)
    check(t, [[1, 2], [3, 4]], dtype="int64")


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_tensor_dtype_override(name, device):
    t = torch.tensor([[0, 1, 2], [3, 4, 5]], dtype=tdt(name), device=device)
    assert t.dtype == tdt(name)
    expected = np.array([[0, 1, 2], [3, 4, 5]]).astype(NP_DTYPES[name] or np.float32)
    check(t, expected, exact=True)


def test_tensor_float_to_int_dtype_truncates(device):
    t = torch.tensor([1.7, -1.7, 2.0], dtype=torch.int64, device=device)
    check(t, [1, -1, 2], dtype="int64")


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"])
def test_tensor_from_numpy_array_keeps_dtype(name, device):
    a = rand((3, 4), name, seed=1)
    t = torch.tensor(a, device=device)
    assert t.dtype == tdt(name)
    check(t, a, exact=True)


def test_tensor_from_numpy_copies(device):
    a = np.arange(6, dtype=np.float32)
    t = torch.tensor(a, device=device)
    a[0] = 100.0
    assert t[0].item() == 0.0


def test_tensor_from_numpy_noncontiguous(device):
    a = np.arange(24, dtype=np.float64).reshape(4, 6)
    for view in (a.T, a[::2, 1::3], a[1:, 2]):
        t = torch.tensor(view, device=device)
        assert t.dtype == torch.float64
        check(t, view, exact=True)


def test_tensor_from_numpy_scalar(device):
    t = torch.tensor(np.float64(1.5), device=device)
    assert t.dtype == torch.float64
    assert t.shape == ()
    assert t.item() == 1.5


@pytest.mark.parametrize("name", ["float64", "float32", "int64", "int32", "bool"])
def test_tensor_from_0d_numpy_array(name, device):
    a = np.array(1, dtype=NP_DTYPES[name])
    t = torch.tensor(a, device=device)
    assert t.shape == ()
    assert t.dtype == tdt(name)
    assert t.item() == a.item()


def test_tensor_ragged_raises(device):
    with pytest.raises((ValueError, TypeError, RuntimeError)):
        torch.tensor([[1, 2], [3]], device=device)


def test_tensor_bad_type_raises(device):
    with pytest.raises((TypeError, ValueError, RuntimeError)):
        torch.tensor("abc", device=device)


def test_tensor_from_tensor_copies(device):
    a = torch.tensor([1.0, 2.0], device=device)
    b = torch.tensor(to_np(a), device=device)
    b[0] = 10.0
    assert a[0].item() == 1.0


# ------------------------------------------------------ zeros / ones / full ...

@pytest.mark.parametrize("fn, value", [("zeros", 0), ("ones", 1)])
@pytest.mark.parametrize("args", [((2, 3),), (2, 3), ([2, 3],), ("size",)])
def test_zeros_ones_shapes(fn, value, args, device):
    if args == ("size",):
        args = (torch.Size([2, 3]),)
    t = getattr(torch, fn)(*args, device=device)
    check(t, np.full((2, 3), value, dtype=np.float32), dtype="float32", exact=True)


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("shape", [(), (0,), (4,), (2, 0, 3), (1, 2, 3, 4)])
def test_zero_one_empty_shape(fn, shape, device):
    t = getattr(torch, fn)(shape, device=device)
    assert t.device.type == device
    assert tuple(t.shape) == shape
    assert t.dtype == torch.float32
    assert t.numel() == int(np.prod(shape))
    if fn != "empty":
        np.testing.assert_array_equal(to_np(t), np.full(shape, 0 if fn == "zeros" else 1, np.float32))


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_zeros_ones_dtype(name, device):
    z = torch.zeros(2, 2, dtype=tdt(name), device=device)
    o = torch.ones((3,), dtype=tdt(name), device=device)
    e = torch.empty(2, dtype=tdt(name), device=device)
    assert z.dtype == o.dtype == e.dtype == tdt(name)
    assert z.device.type == o.device.type == e.device.type == device
    np.testing.assert_array_equal(to_np(z), np.zeros((2, 2)))
    np.testing.assert_array_equal(to_np(o), np.ones(3))


def test_zeros_device_kwarg():
    t = torch.zeros(2, device="cpu")
    assert t.device.type == "cpu"
    t = torch.ones(2, device=torch.device("cpu"), dtype=torch.float64)
    assert t.dtype == torch.float64 and t.device == torch.device("cpu")


def test_zeros_negative_dim_raises(device):
    with pytest.raises(RuntimeError):
        torch.zeros(-1, device=device)


@pytest.mark.parametrize(
    "value, dtype", [(7, "int64"), (1.5, "float32"), (True, "bool"), (-2, "int64")]
)
def test_full_infers_dtype(value, dtype, device):
    t = torch.full((2, 3), value, device=device)
    check(t, np.full((2, 3), value), dtype=dtype, exact=True)


def test_full_dtype_kwarg(device):
    t = torch.full((2,), 3, dtype=torch.float64, device=device)
    check(t, [3.0, 3.0], dtype="float64")
    t = torch.full([], 2.5, device=device)
    check(t, np.array(2.5), dtype="float32")


@pytest.mark.parametrize("n, m", [(3, None), (2, 3), (4, 2), (1, None), (0, None)])
def test_eye(n, m, device):
    t = torch.eye(n, device=device) if m is None else torch.eye(n, m, device=device)
    check(t, np.eye(n, m, dtype=np.float32), dtype="float32", exact=True)


def test_eye_dtype(device):
    check(torch.eye(3, dtype=torch.int64, device=device), np.eye(3, dtype=np.int64), dtype="int64")


@pytest.mark.parametrize(
    "args, expected, dtype",
    [
        ((5,), np.arange(5), "int64"),
        ((2, 7), np.arange(2, 7), "int64"),
        ((0, 10, 3), np.arange(0, 10, 3), "int64"),
        ((10, 0, -3), np.arange(10, 0, -3), "int64"),
        ((5, 5), np.arange(5, 5), "int64"),
        ((0, -5, -1), np.arange(0, -5, -1), "int64"),
        ((1.0, 3), np.arange(1.0, 3), "float32"),
        ((0, 1, 0.25), np.arange(0, 1, 0.25), "float32"),
        ((2.5,), np.arange(2.5), "float32"),
        ((1, -1, -0.5), np.arange(1, -1, -0.5), "float32"),
    ],
)
def test_arange(args, expected, dtype, device):
    check(torch.arange(*args, device=device), expected, dtype=dtype, rtol=1e-6, atol=1e-6)


def test_arange_length_float_step(device):
    t = torch.arange(0, 1, 0.1, device=device)
    assert tuple(t.shape) == (10,)
    np.testing.assert_allclose(to_np(t), np.arange(10) * 0.1, rtol=1e-6, atol=1e-6)


def test_arange_dtype_kwarg(device):
    check(torch.arange(4, dtype=torch.float64, device=device), np.arange(4.0), dtype="float64")
    check(torch.arange(0, 6, 2, dtype=torch.int32, device=device), [0, 2, 4], dtype="int32")


def test_arange_keyword_args(device):
    check(torch.arange(start=1, end=4, device=device), [1, 2, 3], dtype="int64")
    check(torch.arange(0, 9, step=4, device=device), [0, 4, 8], dtype="int64")


@pytest.mark.parametrize("args", [(0, 5, -1), (5, 0, 1), (0, 5, 0)])
def test_arange_bad_step_raises(args, device):
    with pytest.raises(RuntimeError):
        torch.arange(*args, device=device)


@pytest.mark.parametrize(
    "start, end, steps", [(0, 1, 5), (-2, 2, 9), (3, -1, 4), (0, 10, 1), (0, 1, 0), (1, 2, 2)]
)
def test_linspace(start, end, steps, device):
    t = torch.linspace(start, end, steps, device=device)
    check(t, np.linspace(start, end, steps), dtype="float32", rtol=1e-6, atol=1e-6)


def test_linspace_dtype(device):
    check(torch.linspace(0, 1, 3, dtype=torch.float64, device=device), [0.0, 0.5, 1.0], dtype="float64")


# ------------------------------------------------------------------ *_like

@pytest.mark.parametrize("name", ["float32", "float64", "int32", "int64", "bool", "float16"])
def test_like_functions_keep_shape_dtype(name, device):
    src = torch.zeros(2, 3, 4, dtype=tdt(name), device=device)
    for fn, val in [(torch.zeros_like, 0), (torch.ones_like, 1), (torch.empty_like, None)]:
        t = fn(src)
        assert tuple(t.shape) == (2, 3, 4)
        assert t.dtype == tdt(name) and t.device == src.device
        if val is not None:
            np.testing.assert_array_equal(to_np(t), np.full((2, 3, 4), val))


def test_full_like(device):
    src = torch.tensor([[1, 2], [3, 4]], dtype=torch.int32, device=device)
    t = torch.full_like(src, 7)
    check(t, np.full((2, 2), 7), dtype="int32")
    t = torch.full_like(src, 2.7)  # value cast to the int dtype
    check(t, np.full((2, 2), 2), dtype="int32")
    t = torch.full_like(torch.zeros(3, device=device), -1.5)
    check(t, np.full(3, -1.5), dtype="float32")


def test_like_dtype_override(device):
    src = torch.tensor([1, 2, 3], dtype=torch.int32, device=device)
    t = torch.zeros_like(src, dtype=torch.float64)
    check(t, np.zeros(3), dtype="float64")
    t = torch.ones_like(src, dtype=torch.bool)
    check(t, np.ones(3, bool), dtype="bool")


def test_like_does_not_alias(device):
    src = torch.ones(3, device=device)
    t = torch.zeros_like(src)
    assert t.device == src.device
    t.fill_(5.0)
    np.testing.assert_array_equal(to_np(src), np.ones(3))


def test_like_of_noncontiguous_and_0d(device):
    src = torch.zeros(3, 4, device=device).t()
    assert tuple(torch.ones_like(src).shape) == (4, 3) and torch.ones_like(src).device == src.device
    z = torch.zeros_like(torch.tensor(5, device=device))
    assert z.shape == () and z.dtype == torch.int64 and z.item() == 0 and z.device.type == device


def test_new_methods_keep_dtype_and_device(device):
    src = torch.tensor([[1, 2]], dtype=torch.int32, device=device)
    for t, val in [(src.new_zeros(2, 3), 0), (src.new_ones((2, 3)), 1), (src.new_full((2, 3), 7), 7),
                   (src.new_empty(2, 3), None)]:
        assert t.dtype == torch.int32 and t.device == src.device
        if val is not None:
            check(t, np.full((2, 3), val), dtype="int32")
    check(src.new_tensor([1.9, -1.9]), [1, -1], dtype="int32")
    check(src.new_zeros(2, dtype=torch.float64), [0.0, 0.0], dtype="float64")


# ---------------------------------------------------------------- from_numpy

@pytest.mark.parametrize("name", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"])
def test_from_numpy_dtypes(name):
    a = rand((2, 5), name, seed=3)
    t = torch.from_numpy(a)
    assert t.dtype == tdt(name)
    check(t, a, exact=True)


def test_from_numpy_rejects_non_array():
    with pytest.raises(TypeError):
        torch.from_numpy([1, 2, 3])


# ---------------------------------------------------------------- torch.Size

def test_size_repr_and_tuple(device):
    s = torch.ones(2, 3, device=device).shape
    assert repr(s) == "torch.Size([2, 3])"
    assert str(s) == "torch.Size([2, 3])"
    assert isinstance(s, tuple)
    assert s == (2, 3)
    assert s != (3, 2)
    assert s[0] == 2 and s[-1] == 3
    assert len(s) == 2
    assert list(s) == [2, 3]


def test_size_empty_and_construct(device):
    assert repr(torch.tensor(1.0, device=device).shape) == "torch.Size([])"
    assert repr(torch.Size([4])) == "torch.Size([4])"
    assert repr(torch.zeros(0, 2, device=device).shape) == "torch.Size([0, 2])"
    assert torch.Size([2, 3, 4]).numel() == 24
    assert isinstance(torch.Size([2, 3, 4])[1:], torch.Size)
    assert torch.Size([2, 3, 4])[1:] == (3, 4)


# ---------------------------------------------------------------- attributes

def test_shape_size_ndim_numel(device):
    t = torch.zeros(2, 3, 4, device=device)
    assert t.shape == (2, 3, 4)
    assert t.size() == (2, 3, 4)
    assert isinstance(t.size(), torch.Size)
    assert t.size(0) == 2 and t.size(1) == 3 and t.size(-1) == 4 and t.size(-3) == 2
    assert isinstance(t.size(1), int)
    assert t.ndim == 3 and t.dim() == 3
    assert t.numel() == 24
    assert len(t) == 2


def test_size_out_of_range_raises(device):
    with pytest.raises(IndexError):
        torch.zeros(2, 3, device=device).size(2)
    with pytest.raises(IndexError):
        torch.zeros(2, 3, device=device).size(-3)


def test_zero_dim_attributes(device):
    t = torch.tensor(4.0, device=device)
    assert t.shape == () and t.ndim == 0 and t.dim() == 0 and t.numel() == 1
    assert t.stride() == ()
    with pytest.raises(TypeError):
        len(t)


def test_empty_tensor_attributes(device):
    t = torch.zeros(3, 0, device=device)
    assert t.numel() == 0
    assert t.shape == (3, 0)
    assert t.tolist() == [[], [], []]


def test_device_attribute():
    t = torch.ones(2)
    assert repr(t.device) == "device(type='cpu')"
    assert str(t.device) == "cpu"
    assert t.device.type == "cpu"
    assert t.device == torch.device("cpu")
    assert repr(torch.device("cpu")) == "device(type='cpu')"


@pytest.mark.parametrize(
    "name, size",
    [("float32", 4), ("float64", 8), ("float16", 2), ("bfloat16", 2), ("int64", 8),
     ("int32", 4), ("int16", 2), ("int8", 1), ("uint8", 1), ("bool", 1)],
)
def test_element_size(name, size, device):
    assert torch.zeros(3, dtype=tdt(name), device=device).element_size() == size


def test_stride_and_contiguity(device):
    t = torch.zeros(2, 3, 4, device=device)
    assert t.stride() == (12, 4, 1)
    assert t.stride(0) == 12 and t.stride(-1) == 1
    assert t.is_contiguous()
    tt = t.transpose(0, 2)
    assert tt.stride() == (1, 4, 12)
    assert not tt.is_contiguous()
    s = t[:, :, ::2]
    assert s.stride() == (12, 4, 2)
    assert not s.is_contiguous()
    assert t[1].is_contiguous()
    assert t[1].stride() == (4, 1)


def test_data_ptr(device):
    t = torch.zeros(4, 5, device=device)
    p = t.data_ptr()
    assert isinstance(p, int) and p != 0
    assert t[1].data_ptr() == p + 5 * 4
    assert t[:, 2].data_ptr() == p + 2 * 4
    assert t.t().data_ptr() == p
    assert t.clone().data_ptr() != p
    d = torch.zeros(3, dtype=torch.float64, device=device)
    assert d[2].data_ptr() == d.data_ptr() + 16


def test_T_property(device):
    a = np.arange(6).reshape(2, 3)
    t = torch.tensor(a, device=device)
    check(t.T, a.T, dtype="int64")
    assert t.T.stride() == (1, 3)
    v = torch.tensor([1, 2, 3], device=device)
    check(v.T, [1, 2, 3])


@pytest.mark.parametrize(
    "data, expected, typ",
    [(3, 3, int), (2.5, 2.5, float), (True, True, bool), ([[-7]], -7, int), ([0.25], 0.25, float)],
)
def test_item(data, expected, typ, device):
    v = torch.tensor(data, device=device).item()
    assert type(v) is typ
    assert v == expected


def test_item_dtypes(device):
    assert torch.tensor([3], dtype=torch.int8, device=device).item() == 3
    assert type(torch.tensor([3], dtype=torch.uint8, device=device).item()) is int
    assert type(torch.tensor([1.5], dtype=torch.float16, device=device).item()) is float
    assert torch.tensor(1.5, dtype=torch.bfloat16, device=device).item() == 1.5
    assert torch.tensor(0.1, dtype=torch.float64, device=device).item() == 0.1


def test_item_multi_element_raises(device):
    with pytest.raises(RuntimeError):
        torch.ones(2, device=device).item()


def test_tolist(device):
    t = torch.tensor([[1, 2], [3, 4]], device=device)
    lst = t.tolist()
    assert lst == [[1, 2], [3, 4]]
    assert type(lst[0][0]) is int
    f = torch.tensor([0.5, 1.5], device=device).tolist()
    assert f == [0.5, 1.5] and type(f[0]) is float
    assert torch.tensor([True, False], device=device).tolist() == [True, False]
    assert type(torch.tensor([True], device=device).tolist()[0]) is bool
    assert torch.tensor(3, device=device).tolist() == 3
    assert torch.tensor([[1, 2], [3, 4]], device=device).t().tolist() == [[1, 3], [2, 4]]
    assert torch.arange(6, device=device)[::2].tolist() == [0, 2, 4]


def test_requires_grad_flag(device):
    t = torch.ones(2, device=device)
    assert t.requires_grad is False
    t = torch.ones(2, requires_grad=True, device=device)
    assert t.requires_grad is True
    t = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    assert t.requires_grad is True
    u = torch.zeros(3, device=device)
    r = u.requires_grad_()
    assert r is u and u.requires_grad is True
    u.requires_grad_(False)
    assert u.requires_grad is False


def test_requires_grad_int_raises(device):
    with pytest.raises(RuntimeError):
        torch.ones(2, dtype=torch.int64, requires_grad=True, device=device)
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2], device=device).requires_grad_()


def test_is_tensor_and_isinstance(device):
    t = torch.zeros(1, device=device)
    assert isinstance(t, torch.Tensor)
    assert torch.is_tensor(t)
    assert not torch.is_tensor(np.zeros(1))
