"""Indexing (__getitem__/__setitem__) and index ops vs numpy."""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import check, rand, to_np

A = np.arange(60).reshape(3, 4, 5)


def tens(a=A, dtype=None, device=None):
    return torch.tensor(a if dtype is None else a.astype(dtype), device=device)


# ---------------------------------------------------------------- basic indexing

BASIC = [
    (1,), (-1,), (0, 2), (-1, -2, -3), (slice(1, 3),), (slice(None, None, 2),),
    (slice(1, None, 2), slice(None), slice(0, 5, 3)), (slice(-2, None),), (slice(None, -1),),
    (slice(5, 10),), (slice(2, 1),), (None,), (0, None), (None, 1, None, 2),
    (Ellipsis,), (Ellipsis, 0), (0, Ellipsis), (Ellipsis, None), (1, Ellipsis, slice(1, 3)),
    (slice(None), 2), (slice(None), slice(None), -1), (2, 3, 4), (slice(0, 0),),
]


@pytest.mark.parametrize("idx", BASIC, ids=[repr(i) for i in BASIC])
@pytest.mark.parametrize("dtype", ["int64", "float32"])
def test_basic_getitem(idx, dtype, device):
    t = tens(dtype=dtype, device=device)
    r = t[idx if len(idx) > 1 else idx[0]]
    expected = A.astype(dtype)[idx if len(idx) > 1 else idx[0]]
    check(r, expected, dtype=dtype)


def test_basic_index_is_view(device):
    t = tens(dtype="float32", device=device)
    r = t[1]
    assert r.data_ptr() == t.data_ptr() + 20 * 4
    s = t[:, 1::2, ::3]
    assert s.stride() == (20, 10, 3)
    s[0, 0, 1] = -1.0
    assert t[0, 1, 3].item() == -1.0


def test_getitem_integer_result_is_0d_tensor(device):
    t = tens(device=device)
    r = t[1, 2, 3]
    assert isinstance(r, torch.Tensor)
    assert r.shape == ()
    assert r.item() == A[1, 2, 3]


def test_getitem_on_noncontiguous(device):
    t = tens(device=device).permute(2, 0, 1)
    a = A.transpose(2, 0, 1)
    check(t[1], a[1])
    check(t[:, ::2, 1:], a[:, ::2, 1:])
    check(t[..., -1], a[..., -1])
    check(t[[0, 4], 1], a[[0, 4], 1])


def test_getitem_numpy_int_and_0d_tensor(device):
    t = tens(device=device)
    check(t[np.int64(2)], A[2])
    check(t[torch.tensor(1, device=device)], A[1])


def test_negative_step_raises(device):
    with pytest.raises(ValueError):
        tens(device=device)[::-1]


@pytest.mark.parametrize("idx", [3, -4, (0, 4), (0, 0, 5), (Ellipsis, -6)])
def test_out_of_range_index_raises(idx, device):
    with pytest.raises(IndexError):
        tens(device=device)[idx]


def test_too_many_indices_raises(device):
    with pytest.raises(IndexError):
        tens(device=device)[0, 0, 0, 0]


def test_float_index_raises(device):
    with pytest.raises(IndexError):
        tens(device=device)[torch.tensor([0.0], device=device)]
    with pytest.raises((IndexError, TypeError)):
        tens(device=device)[1.0]


# ---------------------------------------------------------------- advanced indexing

ADV = [
    ("list", lambda t: [0, 2]),
    ("list_neg", lambda t: [-1, 0, -1]),
    ("tensor", lambda t: torch.tensor([2, 0, 1, 1], device=t.device)),
    ("tensor2d", lambda t: torch.tensor([[0, 1], [2, 2]], device=t.device)),
    ("empty", lambda t: torch.tensor([], dtype=torch.int64, device=t.device)),
    ("two_adjacent", lambda t: (torch.tensor([0, 2], device=t.device), torch.tensor([1, 3], device=t.device))),
    ("two_adjacent_mid", lambda t: (slice(None), torch.tensor([0, 2, 3], device=t.device),
                                    torch.tensor([1, 4, 0], device=t.device))),
    ("two_nonadjacent", lambda t: (torch.tensor([0, 2], device=t.device), slice(None),
                                   torch.tensor([1, 4], device=t.device))),
    ("three", lambda t: (torch.tensor([0, 1], device=t.device), torch.tensor([1, 2], device=t.device),
                         torch.tensor([3, 4], device=t.device))),
    ("broadcast_idx", lambda t: (torch.tensor([[0], [2]], device=t.device), slice(None),
                                 torch.tensor([1, 3, 4], device=t.device))),
    ("broadcast_adjacent", lambda t: (torch.tensor([[0], [2]], device=t.device), torch.tensor([1, 3], device=t.device))),
    ("with_slice_after", lambda t: (torch.tensor([1, 0], device=t.device), slice(1, 3))),
    ("with_ellipsis", lambda t: (Ellipsis, torch.tensor([4, 0], device=t.device))),
    ("with_none", lambda t: (None, torch.tensor([1, 2], device=t.device))),
    ("int32_index", lambda t: torch.tensor([2, 1], dtype=torch.int32, device=t.device)),
    ("list_and_list", lambda t: ([0, 1], slice(None), [4, 3])),
]


def _np_index(idx):
    conv = lambda i: to_np(i) if isinstance(i, torch.Tensor) else i  # noqa: E731
    if isinstance(idx, tuple):
        return tuple(conv(i) for i in idx)
    return conv(idx)


@pytest.mark.parametrize("name, make_idx", ADV, ids=[a[0] for a in ADV])
def test_advanced_getitem(name, make_idx, device):
    t = tens(device=device)
    idx = make_idx(t)
    r = t[idx]
    expected = A[_np_index(idx)]
    check(r, expected, dtype="int64")


def test_advanced_index_with_int_follows_torch(device):
    # PyTorch treats the integer as basic indexing: the result is A[0][:, [1, 2]],
    # shape (4, 2) (numpy would give (2, 4) here).
    t = tens(device=device)
    check(t[0, :, [1, 2]], A[0][:, [1, 2]])


def test_advanced_index_returns_copy(device):
    t = tens(dtype="float32", device=device)
    r = t[[0, 1]]
    r[0, 0, 0] = -100.0
    assert t[0, 0, 0].item() == 0.0


def test_advanced_index_out_of_range(device):
    with pytest.raises(IndexError):
        tens(device=device)[torch.tensor([0, 3], device=device)]
    with pytest.raises(IndexError):
        tens(device=device)[[0, -4]]
    with pytest.raises(IndexError):
        tens(device=device)[:, torch.tensor([4, 1], device=device), torch.tensor([0, 9], device=device)]


# ---------------------------------------------------------------- boolean masks

def test_bool_mask_full(device):
    t = tens(dtype="float32", device=device)
    a = A.astype(np.float32)
    mask = t > 30
    check(t[mask], a[a > 30], dtype="float32")
    check(t[t < 0], a[a < 0])  # empty selection


def test_bool_mask_partial_dims(device):
    t = tens(device=device)
    m1 = np.array([True, False, True])
    check(t[torch.tensor(m1, device=device)], A[m1])
    m2 = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
    check(t[torch.tensor(m2, device=device)], A[m2])
    m3 = np.array([False, True, True, False])
    check(t[:, torch.tensor(m3, device=device)], A[:, m3])
    check(t[1, torch.tensor(m3, device=device)], A[1, m3])
    check(t[..., torch.tensor([True, False, False, False, True], device=device)], A[..., [True, False, False, False, True]])


def test_bool_mask_noncontiguous(device):
    t = tens(device=device).transpose(0, 2)
    a = np.swapaxes(A, 0, 2)
    check(t[t % 3 == 0], a[a % 3 == 0])


def test_bool_mask_wrong_shape_raises(device):
    with pytest.raises(IndexError):
        tens(device=device)[torch.tensor([True, False], device=device)]


# ---------------------------------------------------------------- __setitem__

SETS = [
    ("int_scalar", 1, lambda: 7),
    ("neg_int", -1, lambda: -3.5),
    ("slice_step", (slice(None), slice(None, None, 2)), lambda: 9),
    ("ellipsis", (Ellipsis, 0), lambda: 1.5),
    ("tensor_same_shape", (0, slice(1, 3)), lambda: np.arange(10.0).reshape(2, 5)),
    ("broadcast_row", (slice(1, 3),), lambda: np.array([10.0, 20, 30, 40, 50])),
    ("broadcast_col", (slice(None), 2), lambda: np.array([[1.0], [2.0], [3.0]])),
    ("broadcast_0d", (slice(None), 1, slice(None)), lambda: np.array(4.0)),
    ("adv_list", ([0, 2],), lambda: -1),
    ("adv_tensor_values", (np.array([2, 0]), slice(None), np.array([1, 1])), lambda: np.array([[5.0, 6, 7, 8], [1, 2, 3, 4]])),
    ("adv_adjacent", (slice(None), np.array([0, 3]), np.array([4, 2])), lambda: np.array([[1.0, 2.0]])),
    ("mask", "mask", lambda: 0.0),
    ("none_idx", (None, 0), lambda: 2.0),
]


@pytest.mark.parametrize("name, idx, value", SETS, ids=[s[0] for s in SETS])
def test_setitem(name, idx, value, device):
    a = A.astype(np.float32)
    t = torch.tensor(a, device=device)
    v = value()
    if isinstance(idx, str):
        np_idx = a > 25
        t_idx = t > 25
    else:
        np_idx = idx
        t_idx = tuple(torch.tensor(i, device=device) if isinstance(i, np.ndarray) else i for i in idx) \
            if isinstance(idx, tuple) else idx
    tv = torch.tensor(v.astype(np.float32), device=device) if isinstance(v, np.ndarray) else v
    a[np_idx] = v
    t[t_idx] = tv
    check(t, a, dtype="float32")


def test_setitem_mask_with_tensor_values(device):
    t = torch.tensor([1.0, 2.0, 3.0, 4.0], device=device)
    t[t > 2] = torch.tensor([10.0, 20.0], device=device)
    check(t, [1.0, 2.0, 10.0, 20.0])


def test_setitem_casts_to_tensor_dtype(device):
    t = torch.zeros(3, dtype=torch.int64, device=device)
    t[0] = 2.7
    t[1:] = torch.tensor([1.9, -1.9], device=device)
    check(t, [2, 1, -1], dtype="int64")
    b = torch.zeros(2, dtype=torch.bool, device=device)
    b[1] = 1
    check(b, [False, True], dtype="bool")
    f = torch.zeros(2, dtype=torch.float16, device=device)
    f[0] = torch.tensor(3, dtype=torch.int64, device=device)
    check(f, [3.0, 0.0], dtype="float16")


def test_setitem_on_noncontiguous(device):
    a = np.zeros((4, 3), dtype=np.float32)
    t = torch.zeros(3, 4, device=device).t()
    t[1:3, ::2] = torch.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    a[1:3, ::2] = [[1.0, 2.0], [3.0, 4.0]]
    t[:, 1] = 7.0
    a[:, 1] = 7.0
    check(t, a)


def test_setitem_0d(device):
    t = torch.tensor(1.0, device=device)
    t[...] = 5.0
    assert t.item() == 5.0
    t[()] = 6.0
    assert t.item() == 6.0


def test_setitem_errors(device):
    t = torch.zeros(2, 3, device=device)
    with pytest.raises(IndexError):
        t[2] = 1.0
    with pytest.raises(RuntimeError):
        t[0] = torch.ones(2, device=device)
    with pytest.raises(RuntimeError):
        t[:] = torch.ones(3, 3, device=device)


# ---------------------------------------------------------------- index_select

@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_index_select(dim, device):
    t = tens(device=device)
    idx = np.array([0, 2, 1, 2])[: A.shape[dim] if dim >= 0 else 5]
    idx = idx % A.shape[dim]
    r = t.index_select(dim, torch.tensor(idx, device=device))
    check(r, np.take(A, idx, axis=dim))
    check(torch.index_select(t, dim, torch.tensor(idx, device=device)), np.take(A, idx, axis=dim))


def test_index_select_noncontiguous_and_errors(device):
    t = tens(dtype="float32", device=device).transpose(0, 1)
    a = A.astype(np.float32).transpose(1, 0, 2)
    check(t.index_select(1, torch.tensor([2, 0], device=device)), np.take(a, [2, 0], axis=1))
    check(t.index_select(0, torch.tensor([], dtype=torch.int64, device=device)), np.take(a, [], axis=0).reshape(0, 3, 5))
    with pytest.raises(IndexError):
        tens(device=device).index_select(0, torch.tensor([3], device=device))


# ---------------------------------------------------------------- gather / scatter

@pytest.mark.parametrize("dim", [0, 1, 2, -2])
def test_gather(dim, device):
    rng = np.random.default_rng(dim + 10)
    shape = list(A.shape)
    shape[dim] = 2
    idx = rng.integers(0, A.shape[dim], size=shape)
    r = torch.gather(tens(device=device), dim, torch.tensor(idx, device=device))
    check(r, np.take_along_axis(A, idx, axis=dim), dtype="int64")
    check(tens(device=device).gather(dim, torch.tensor(idx, device=device)), np.take_along_axis(A, idx, axis=dim))


def test_gather_smaller_index_and_errors(device):
    # index may be smaller than input in non-gather dims
    t = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], device=device)
    idx = torch.tensor([[2, 0], [1, 1]], device=device)
    check(torch.gather(t, 1, idx), [[3, 1], [5, 5]])
    with pytest.raises(RuntimeError):
        torch.gather(torch.arange(3, device=device), 0, torch.tensor([3], device=device))


def _np_scatter(base, dim, idx, src):
    out = base.copy()
    for pos in np.ndindex(*idx.shape):
        tgt = list(pos)
        tgt[dim] = idx[pos]
        out[tuple(tgt)] = src[pos] if np.ndim(src) else src
    return out


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_tensor_src(dim, device):
    base = np.zeros((3, 5), dtype=np.float32)
    # unique targets along dim so the result is deterministic
    if dim == 0:
        idx = np.array([[0, 1, 2, 0, 1], [2, 0, 1, 1, 2]])
    else:
        idx = np.array([[0, 4], [3, 1], [2, 0]])
    src = np.arange(1, 16, dtype=np.float32).reshape(3, 5)
    expected = _np_scatter(base, dim % 2, idx, src)
    t = torch.zeros(3, 5, device=device)
    r = t.scatter(dim, torch.tensor(idx, device=device), torch.tensor(src, device=device))
    check(r, expected)
    check(t, base)  # out-of-place
    t.scatter_(dim, torch.tensor(idx, device=device), torch.tensor(src, device=device))
    check(t, expected)


def test_scatter_scalar_value(device):
    idx = np.array([[0], [2]])
    expected = _np_scatter(np.zeros((2, 3)), 1, idx, 5.0)
    check(torch.zeros(2, 3, device=device).scatter(1, torch.tensor(idx, device=device), 5.0), expected)
    t = torch.zeros(2, 3, dtype=torch.int64, device=device)
    t.scatter_(0, torch.tensor([[1, 0, 1]], device=device), 7)
    check(t, [[0, 7, 0], [7, 0, 7]], dtype="int64")


# ---------------------------------------------------------------- masked_fill / where

@pytest.mark.parametrize("dtype", ["float32", "int64", "float64"])
def test_masked_fill(dtype, device):
    a = rand((3, 4), dtype, seed=4)
    t = torch.tensor(a, device=device)
    m = a > 0
    r = t.masked_fill(torch.tensor(m, device=device), 9)
    expected = a.copy()
    expected[m] = 9
    check(r, expected, dtype=dtype)
    check(t, a)  # out-of-place
    r2 = torch.masked_fill(t, torch.tensor(m, device=device), -1)
    expected[m] = -1
    check(r2, expected)
    t.masked_fill_(torch.tensor(m, device=device), 0)
    expected[m] = 0
    check(t, expected)


def test_masked_fill_broadcast_and_tensor_value(device):
    r = torch.zeros(2, 3, device=device).masked_fill(torch.tensor([True, False, True], device=device), 1.0)
    check(r, [[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
    r = torch.zeros(2, device=device).masked_fill(torch.tensor([True, False], device=device),
                                                  torch.tensor(3.0, device=device))
    check(r, [3.0, 0.0])
    r = torch.zeros(2, dtype=torch.int64, device=device).masked_fill(torch.tensor([True, False], device=device), 1.7)
    check(r, [1, 0], dtype="int64")


def test_masked_fill_non_bool_mask_raises(device):
    with pytest.raises(RuntimeError):
        torch.zeros(2, device=device).masked_fill(torch.tensor([1, 0], device=device), 1.0)


def test_where_three_args(device):
    a = rand((3, 4), "float32", seed=7)
    b = rand((4,), "float32", seed=8)
    c = a > 0
    r = torch.where(torch.tensor(c, device=device), torch.tensor(a, device=device), torch.tensor(b, device=device))
    check(r, np.where(c, a, b), dtype="float32")
    r = torch.where(torch.tensor(c, device=device), torch.tensor(a, device=device), 0.0)
    check(r, np.where(c, a, 0.0), dtype="float32")
    r = torch.where(torch.tensor(c, device=device), 1.0, torch.tensor(a, device=device))
    check(r, np.where(c, 1.0, a))
    r = torch.tensor(a, device=device).where(torch.tensor(c, device=device), torch.tensor(b, device=device))
    check(r, np.where(c, a, b))


def test_where_dtypes(device):
    c = torch.tensor([True, False], device=device)
    check(torch.where(c, 1, 0), [1, 0], dtype="int64")
    check(torch.where(c, 1.0, 0.0), [1.0, 0.0], dtype="float32")
    check(torch.where(c, torch.tensor([1, 2], device=device), torch.tensor([1.5, 2.5], device=device)), [1.0, 2.5],
          dtype="float32")
    check(torch.where(c, torch.tensor([1, 2], dtype=torch.int32, device=device), 2.5), [1.0, 2.5], dtype="float32")
    with pytest.raises(RuntimeError):
        torch.where(torch.tensor([1, 0], device=device), torch.tensor([1, 2], device=device),
                    torch.tensor([3, 4], device=device))


def test_where_one_arg_is_nonzero(device):
    a = np.array([[0, 1, 0], [2, 0, 3]])
    res = torch.where(torch.tensor(a, device=device))
    assert isinstance(res, tuple) and len(res) == 2
    for got, exp in zip(res, np.nonzero(a)):
        check(got, exp, dtype="int64")


# ---------------------------------------------------------------- empty results / empty inputs

def test_index_with_empty_list(device):
    check(tens(device=device)[[]], A[np.array([], dtype=np.int64)], dtype="int64")


def test_index_empty_tensor(device):
    t = torch.zeros(0, 3, device=device)
    check(t[:, 1], np.zeros(0))
    check(t[1:], np.zeros((0, 3)))
    check(t[torch.tensor([], dtype=torch.int64, device=device)], np.zeros((0, 3)))


def test_all_false_masks(device):
    t = torch.zeros(2, 3, device=device)
    check(t[torch.zeros(2, 3, dtype=torch.bool, device=device)], np.zeros(0))
    check(t[torch.tensor([False, False], device=device)], np.zeros((0, 3)))
    t[t > 5] = 1.0  # setting through an empty mask is a no-op
    check(t, np.zeros((2, 3)))


# ---------------------------------------------------------------- uint8 masks (deprecated in PyTorch)

U8_WARNING = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."


def u8(values, device=None):
    return torch.tensor(np.asarray(values, dtype=np.uint8), device=device)


def test_uint8_index_is_a_mask_with_warning(device):
    t = tens(device=device)
    m = np.array([1, 0, 2, 0])  # any nonzero value selects
    with pytest.warns(UserWarning, match="indexing with dtype torch.uint8 is now deprecated") as rec:
        r = t[:, u8(m, device=device)]
    check(r, A[:, m != 0])
    assert [str(w.message) for w in rec] == [U8_WARNING]
    m2 = np.array([[1, 0, 2, 0], [0, 3, 0, 0], [0, 0, 0, 1]])
    with pytest.warns(UserWarning):
        check(t[u8(m2, device=device)], A[m2 != 0])
    with pytest.warns(UserWarning):  # mixed with an integer index tensor
        check(t[u8([1, 0, 1], device=device), torch.tensor([0, 3], device=device)], A[[0, 2], [0, 3]])
    with pytest.warns(UserWarning):  # numpy uint8 arrays are masks too
        check(t[np.array([0, 1, 1], dtype=np.uint8)], A[[1, 2]])


def test_uint8_mask_wrong_shape_warns_then_raises(device):
    with pytest.warns(UserWarning), pytest.raises(IndexError) as e:
        tens(device=device)[:, u8([1, 0], device=device)]
    assert str(e.value) == ("The shape of the mask [2] at index 0 does not match the shape of the "
                            "indexed tensor [3, 4, 5] at index 1")


def test_uint8_0d_is_a_mask_without_warning(recwarn, device):
    t = tens(device=device)
    assert t[torch.tensor(1, dtype=torch.uint8, device=device)].shape == (1, 3, 4, 5)
    assert t[torch.tensor(0, dtype=torch.uint8, device=device)].shape == (0, 3, 4, 5)
    assert t[0, torch.tensor(1, dtype=torch.uint8, device=device)].shape == (1, 4, 5)
    assert len(recwarn) == 0
    # 0-d int tensors of other dtypes still act as ints
    check(t[torch.tensor(1, dtype=torch.int8, device=device)], A[1])


def test_uint8_setitem_with_tensor_values(device):
    t = tens(dtype="float32", device=device)
    a = A.astype(np.float32)
    m = np.array([1, 0, 1])
    with pytest.warns(UserWarning):
        t[u8(m, device=device)] = torch.full((2, 4, 5), -1.0, device=device)
    a[m != 0] = -1.0
    check(t, a)


def test_uint8_setitem_one_value_raises_like_masked_fill(device):
    # PyTorch writes a one-element value through a lone mask with masked_fill_,
    # which refuses uint8 masks (and warns nothing).
    msg = "masked_fill_ only supports boolean masks, but got mask with dtype unsigned char"
    for value in (7.0, torch.tensor(7.0, device=device), torch.tensor([7.0], device=device)):
        t = tens(dtype="float32", device=device)
        with pytest.raises(RuntimeError, match=msg):
            t[:, u8([1, 0, 1, 0], device=device)] = value
        check(t, A.astype(np.float32))
    with pytest.raises(IndexError, match="The shape of the mask"):
        tens(dtype="float32", device=device)[u8([1, 0], device=device)] = 1.0
    # with a second index tensor PyTorch takes the general path
    t = tens(dtype="float32", device=device)
    with pytest.warns(UserWarning):
        t[u8([1, 0, 1], device=device), torch.tensor([0, 1], device=device)] = 5.0
    a = A.astype(np.float32)
    a[[0, 2], [0, 1]] = 5.0
    check(t, a)


@pytest.mark.parametrize("dtype", ["int8", "int16", "float32"])
def test_other_index_dtypes_raise(dtype, device):
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
        tens(device=device)[torch.tensor([1, 0], dtype=getattr(torch, dtype), device=device)]


def test_masked_fill_message_names_cpp_type(device):
    for dtype, name in [("uint8", "unsigned char"), ("int64", "long int"), ("float32", "float")]:
        with pytest.raises(RuntimeError, match=f"but got mask with dtype {name}$"):
            torch.zeros(2, device=device).masked_fill(torch.ones(2, dtype=getattr(torch, dtype), device=device), 1.0)


def test_uint8_indexing_matches_torch():
    real = pytest.importorskip("torch")
    import warnings

    a = np.arange(24.0).reshape(2, 3, 4)
    cases = [np.array([1, 0, 3], dtype=np.uint8), np.array([[0, 2, 0], [1, 1, 0]], dtype=np.uint8)]
    for m in cases:
        with warnings.catch_warnings(record=True) as w_ref:
            warnings.simplefilter("always")
            ref = real.tensor(a)[:, real.tensor(m)] if m.ndim == 1 else real.tensor(a)[real.tensor(m)]
        with warnings.catch_warnings(record=True) as w_got:
            warnings.simplefilter("always")
            got = torch.tensor(a)[:, torch.tensor(m)] if m.ndim == 1 else torch.tensor(a)[torch.tensor(m)]
        np.testing.assert_array_equal(to_np(got), ref.numpy())
        assert len(w_ref) == len(w_got) == 1
        assert str(w_ref[0].message).startswith(str(w_got[0].message))


def test_take_reads_flat_positions_like_numpy(device):
    a = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    t = torch.tensor(a, device=device).t()  # non-contiguous: positions are in row-major order of the view
    idx = np.array([[0, -1], [4, 2]])
    got = torch.take(t, torch.tensor(idx, device=device))
    check(got, np.take(a.T.copy().ravel(), idx))
    assert got.shape == (2, 2)
    check(t.take(torch.tensor([1], device=device)), [3.0])
    with pytest.raises(IndexError, match="out of range: tried to access index 6 on a tensor of 6 elements"):
        torch.take(t, torch.tensor([6], device=device))
    with pytest.raises(RuntimeError, match="Expected a long tensor for index, but got Float"):
        torch.take(t, torch.tensor([1.0], device=device))
