"""View operations: shapes/values vs numpy, and storage sharing semantics."""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import check, rand, to_np


def base(shape=(2, 3, 4), dtype="float32", device=None):
    a = np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)
    return a, torch.tensor(a, device=device)


# ------------------------------------------------------------------- view

@pytest.mark.parametrize(
    "shape",
    [(24,), (-1,), (4, 6), (2, -1), (-1, 4), (2, 3, 4), (1, 24, 1), (4, 3, 2), (2, 2, 2, 3)],
)
def test_view_shapes(shape, device):
    a, t = base(device=device)
    v = t.view(*shape)
    check(v, a.reshape(shape), dtype="float32")
    assert v.data_ptr() == t.data_ptr()


def test_view_tuple_arg_and_0d(device):
    a, t = base(device=device)
    check(t.view((6, 4)), a.reshape(6, 4))
    s = torch.tensor(5.0, device=device)
    check(s.view(1, 1), np.array([[5.0]]))
    check(torch.tensor([7], device=device).view(()), np.array(7))
    check(torch.zeros(0, 3, device=device).view(-1, 6), np.zeros((0, 6)))


def test_view_shares_storage(device):
    _, t = base(device=device)
    v = t.view(6, 4)
    v[0, 0] = -1.0
    assert t[0, 0, 0].item() == -1.0
    t[1, 2, 3] = 99.0
    assert v[5, 3].item() == 99.0


@pytest.mark.parametrize("shape", [(5,), (5, -1), (-1, -1), (7, 4)])
def test_view_bad_shape_raises(shape, device):
    _, t = base(device=device)
    with pytest.raises(RuntimeError):
        t.view(*shape)


def test_view_incompatible_layout_raises(device):
    _, t = base((2, 3), device=device)
    with pytest.raises(RuntimeError):
        t.t().view(6)
    a = torch.arange(12, device=device).reshape(3, 4)
    with pytest.raises(RuntimeError):
        a[:, :2].view(6)


def test_view_compatible_noncontiguous(device):
    a = np.arange(12).reshape(3, 4)
    t = torch.tensor(a, device=device)
    check(t.t().view(4, 3), a.T)  # identity view of transposed tensor
    check(t[1:].view(8), a[1:].reshape(8))  # row slice is contiguous
    v = t[:, ::2].view(3, 2, 1)  # splitting a strided dim is allowed
    check(v, a[:, ::2].reshape(3, 2, 1))
    assert v.stride() == (4, 2, 2)


# ------------------------------------------------------------------- reshape

@pytest.mark.parametrize("shape", [(24,), (-1,), (3, 8), (2, 12), (4, -1), (2, 2, 6), ()])
def test_reshape_contiguous_shares(shape, device):
    if shape == ():
        a, t = np.array([3.0], dtype=np.float32), torch.tensor([3.0], device=device)
    else:
        a, t = base(device=device)
    r = t.reshape(shape)
    check(r, a.reshape(shape))
    assert r.data_ptr() == t.data_ptr()
    r.view(-1)[0] = 42.0
    assert t.view(-1)[0].item() == 42.0


def test_reshape_noncontiguous_copies(device):
    a, t = base((3, 4), device=device)
    tt = t.t()
    r = tt.reshape(12)
    check(r, a.T.reshape(12))
    r[0] = -5.0
    assert t[0, 0].item() == 0.0  # reshape had to copy
    r2 = t[:, ::2].reshape(-1)
    check(r2, a[:, ::2].reshape(-1))


def test_reshape_tuple_and_errors(device):
    a, t = base(device=device)
    check(t.reshape((4, 6)), a.reshape(4, 6))
    check(torch.reshape(t, (6, -1)), a.reshape(6, -1))
    with pytest.raises(RuntimeError):
        t.reshape(5, 5)


# ------------------------------------------------------------------- flatten

@pytest.mark.parametrize("start, end", [(0, -1), (1, -1), (0, 1), (1, 2), (2, 2), (-2, -1)])
def test_flatten(start, end, device):
    a, t = base((2, 3, 4), device=device)
    s, e = start % 3, end % 3
    expected = a.reshape(a.shape[:s] + (-1,) + a.shape[e + 1:])
    check(t.flatten(start, end), expected)
    check(torch.flatten(t, start_dim=start, end_dim=end), expected)


def test_flatten_0d_and_noncontiguous(device):
    assert torch.tensor(3.0, device=device).flatten().shape == (1,)
    a, t = base((3, 4), device=device)
    check(t.t().flatten(), a.T.flatten())
    check(t[::2, 1:].flatten(), a[::2, 1:].flatten())
    f = t.flatten()
    f[1] = 50.0
    assert t[0, 1].item() == 50.0  # contiguous flatten is a view


# ------------------------------------------------------------------- permute/transpose/t

@pytest.mark.parametrize("perm", [(0, 1, 2), (2, 0, 1), (1, 0, 2), (2, 1, 0), (-1, 0, 1)])
def test_permute(perm, device):
    a, t = base(device=device)
    p = t.permute(*perm)
    check(p, a.transpose(perm))
    check(t.permute(perm), a.transpose(perm))
    check(torch.permute(t, perm), a.transpose(perm))
    assert p.data_ptr() == t.data_ptr()
    assert p.stride() == tuple(t.stride()[d] for d in perm)


def test_permute_errors(device):
    _, t = base((2, 3), device=device)
    with pytest.raises(RuntimeError):
        t.permute(0, 0)
    with pytest.raises(RuntimeError):
        t.permute(0)


@pytest.mark.parametrize("d0, d1", [(0, 1), (0, 2), (1, 2), (-1, 0), (1, 1)])
def test_transpose(d0, d1, device):
    a, t = base(device=device)
    check(t.transpose(d0, d1), np.swapaxes(a, d0, d1))
    check(torch.transpose(t, d0, d1), np.swapaxes(a, d0, d1))


def test_transpose_out_of_range(device):
    _, t = base((2, 3), device=device)
    with pytest.raises(IndexError):
        t.transpose(0, 2)


def test_t(device):
    a, t = base((3, 5), device=device)
    check(t.t(), a.T)
    check(torch.t(t), a.T)
    check(torch.tensor([1, 2, 3], device=device).t(), [1, 2, 3])
    check(torch.tensor(2.0, device=device).t(), np.array(2.0))
    with pytest.raises(RuntimeError):
        torch.zeros(2, 3, 4, device=device).t()


def test_transpose_write_through(device):
    _, t = base((2, 3), device=device)
    tt = t.t()
    tt[2, 1] = -7.0
    assert t[1, 2].item() == -7.0
    tt.fill_(1.0)
    np.testing.assert_array_equal(to_np(t), np.ones((2, 3)))


# ------------------------------------------------------------------- squeeze/unsqueeze

def test_squeeze(device):
    a = np.arange(6.0).reshape(1, 2, 1, 3, 1)
    t = torch.tensor(a, device=device)
    check(t.squeeze(), a.squeeze())
    check(t.squeeze(0), a.squeeze(0))
    check(t.squeeze(2), a.squeeze(2))
    check(t.squeeze(-1), a.squeeze(-1))
    check(t.squeeze(1), a)  # not size 1: unchanged
    check(t.squeeze((0, 2)), a.squeeze((0, 2)))
    check(torch.squeeze(t), a.squeeze())
    check(torch.tensor([5.0], device=device).squeeze(), np.array(5.0))
    with pytest.raises(IndexError):
        t.squeeze(5)


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2, -3])
def test_unsqueeze(dim, device):
    a, t = base((2, 3), device=device)
    u = t.unsqueeze(dim)
    check(u, np.expand_dims(a, dim))
    check(torch.unsqueeze(t, dim), np.expand_dims(a, dim))
    assert u.data_ptr() == t.data_ptr()


def test_unsqueeze_errors_and_0d(device):
    check(torch.tensor(1.0, device=device).unsqueeze(0), np.array([1.0]))
    with pytest.raises(IndexError):
        torch.zeros(2, device=device).unsqueeze(2)
    with pytest.raises(IndexError):
        torch.zeros(2, device=device).unsqueeze(-3)


def test_squeeze_unsqueeze_write_through(device):
    t = torch.zeros(1, 3, device=device)
    t.squeeze(0)[1] = 4.0
    t.unsqueeze(0)[0, 0, 2] = 5.0
    check(t, [[0.0, 4.0, 5.0]])


# ------------------------------------------------------------------- expand

def test_expand(device):
    a = np.array([[1.0], [2.0], [3.0]], dtype=np.float32)
    t = torch.tensor(a, device=device)
    e = t.expand(3, 4)
    check(e, np.broadcast_to(a, (3, 4)))
    assert e.stride() == (1, 0)
    check(t.expand(-1, 2), np.broadcast_to(a, (3, 2)))
    check(t.expand(2, 3, 5), np.broadcast_to(a, (2, 3, 5)))
    check(t.expand((2, 3, 1)), np.broadcast_to(a, (2, 3, 1)))
    assert t.expand(2, 3, 5).stride() == (0, 1, 0)
    check(torch.tensor(7, device=device).expand(2, 2), np.full((2, 2), 7))
    check(t.expand_as(torch.zeros(3, 6, device=device)), np.broadcast_to(a, (3, 6)))


def test_expand_shares_storage(device):
    t = torch.tensor([1.0, 2.0, 3.0], device=device)
    e = t.expand(4, 3)
    assert e.data_ptr() == t.data_ptr()
    t[1] = 20.0
    check(e, np.broadcast_to([1.0, 20.0, 3.0], (4, 3)))


def test_expand_errors(device):
    t = torch.zeros(2, 3, device=device)
    with pytest.raises(RuntimeError):
        t.expand(4, 3)
    with pytest.raises(RuntimeError):
        t.expand(3)
    with pytest.raises(RuntimeError):
        torch.zeros(3, device=device).expand(-1, 3)


# ------------------------------------------------------------------- narrow

@pytest.mark.parametrize("dim, start, length", [(0, 0, 2), (1, 1, 2), (2, 1, 3), (-1, 0, 1), (1, 0, 0), (0, -1, 1)])
def test_narrow(dim, start, length, device):
    a, t = base(device=device)
    n = t.narrow(dim, start, length)
    s = start % a.shape[dim] if start < 0 else start
    idx = [slice(None)] * 3
    idx[dim] = slice(s, s + length)
    check(n, a[tuple(idx)])
    check(torch.narrow(t, dim, start, length), a[tuple(idx)])


def test_narrow_write_through_and_errors(device):
    t = torch.zeros(3, 4, device=device)
    t.narrow(1, 1, 2).fill_(3.0)
    expected = np.zeros((3, 4))
    expected[:, 1:3] = 3.0
    check(t, expected)
    with pytest.raises(RuntimeError):
        t.narrow(0, 2, 3)


# ------------------------------------------------------------------- contiguous/clone/detach

def test_contiguous(device):
    a, t = base((3, 4), device=device)
    assert t.contiguous() is t
    tt = t.t()
    c = tt.contiguous()
    assert c.is_contiguous()
    assert c.stride() == (3, 1)
    check(c, a.T)
    c[0, 0] = -1.0
    assert t[0, 0].item() == 0.0
    s = t[:, ::2].contiguous()
    assert s.is_contiguous() and s.stride() == (2, 1)
    check(s, a[:, ::2])


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16"])
def test_clone(dtype, device):
    a = rand((3, 4), dtype, seed=2)
    t = torch.tensor(a, device=device)
    c = t.clone()
    assert c.dtype == t.dtype
    check(c, a)
    assert c.data_ptr() != t.data_ptr()
    c.zero_()
    check(t, a)


def test_clone_noncontiguous_and_0d(device):
    a, t = base((3, 4), device=device)
    c = t.t().clone()
    check(c, a.T)
    c[0, 1] = 100.0
    assert t[1, 0].item() == 4.0
    z = torch.tensor(3.5, device=device).clone()
    assert z.shape == () and z.item() == 3.5


def test_detach(device):
    t = torch.ones(3, requires_grad=True, device=device)
    d = t.detach()
    assert d.requires_grad is False
    assert t.requires_grad is True
    assert d.data_ptr() == t.data_ptr()
    check(d, np.ones(3))
    d[0] = 5.0
    assert t[0].item() == 5.0


# ------------------------------------------------------------------- write through views

def test_write_through_chain_of_views(device):
    t = torch.zeros(2, 3, 4, device=device)
    v = t.permute(2, 0, 1)[1:3].reshape(2, 6)  # non-contiguous, but reshape is a view
    # permute(2,0,1)[1:3] has shape (2,2,3) strides (1,12,4): (2,3) -> 6 is viewable
    assert v.data_ptr() == t[0, 0, 1].data_ptr()
    v[1, 5] = 9.0  # -> permuted index [2, 1, 2] -> t[1, 2, 2]
    assert t[1, 2, 2].item() == 9.0
    assert float(to_np(t).sum()) == 9.0


def test_setitem_on_slice_view(device):
    a = np.zeros((4, 4), dtype=np.float32)
    t = torch.zeros(4, 4, device=device)
    row = t[1]
    row[2] = 5.0
    a[1, 2] = 5.0
    col = t[:, 3]
    col.fill_(2.0)
    a[:, 3] = 2.0
    stepped = t[::2, ::2]
    stepped.add_(1.0)
    a[::2, ::2] += 1.0
    check(t, a)


def test_inplace_on_expanded_raises(device):
    e = torch.ones(3, device=device).expand(2, 3)
    with pytest.raises(RuntimeError):
        e.add_(1)


def test_view_dtype_of_basic_int_tensor(device):
    t = torch.arange(6, device=device)
    for v in (t[1:4], t[::2], t.view(2, 3), t.unsqueeze(0)):
        assert v.dtype == torch.int64


# ---------------------------------------------------------------- view(dtype)

VIEW_DTYPE_OK = [
    # (source dtype, shape, slicing, target dtype, expected shape, stride, offset); checked with torch 2.15
    ("float32", (3, 4), None, "int32", (3, 4), (4, 1), 0),
    ("float32", (3, 4), None, "float16", (3, 8), (8, 1), 0),
    ("float32", (3, 4), None, "uint8", (3, 16), (16, 1), 0),
    ("float32", (3, 4), None, "float64", (3, 2), (2, 1), 0),
    ("float32", (3, 4), "t", "int32", (4, 3), (1, 4), 0),
    ("float32", (3, 4), "col0", "float16", (3, 2), (8, 1), 0),
    ("uint8", (8,), "4:8", "float32", (1,), (1,), 1),
    ("uint8", (4, 8), "rows:4", "float32", (4, 1), (2, 1), 0),
    ("float32", (0,), None, "float64", (0,), (1,), 0),
    ("int64", (2, 2), None, "float64", (2, 2), (2, 1), 0),
    ("int16", (2, 2), None, "bfloat16", (2, 2), (2, 1), 0),
]

SLICES = {
    None: lambda t: t,
    "t": lambda t: t.t(),
    "col0": lambda t: t[:, :1],
    "4:8": lambda t: t[4:8],
    "rows:4": lambda t: t[:, :4],
}


@pytest.mark.parametrize("src, shape, sl, dst, eshape, estride, eoffset", VIEW_DTYPE_OK, ids=str)
def test_view_dtype_layout(src, shape, sl, dst, eshape, estride, eoffset, device):
    n = int(np.prod(shape))
    base = torch.arange(n, device=device).to(getattr(torch, src)).reshape(shape)
    t = SLICES[sl](base)
    v = t.view(getattr(torch, dst))
    assert v.dtype == getattr(torch, dst)
    assert (tuple(v.shape), v.stride(), v.storage_offset()) == (eshape, estride, eoffset)
    assert v.data_ptr() == t.data_ptr()


@pytest.mark.parametrize("src, dst", [("float32", "int32"), ("float64", "int64"), ("float16", "int16"),
                                      ("float32", "uint8"), ("uint8", "float32"), ("int32", "float16"),
                                      ("float64", "float32")])
def test_view_dtype_values_match_numpy(src, dst, device):
    a = rand((4, 8), src, seed=3)
    t = torch.tensor(a, device=device)
    check(t.view(getattr(torch, dst)), a.view(np.dtype(dst)), dtype=dst, exact=True)
    check(t.view(dtype=getattr(torch, dst)), a.view(np.dtype(dst)), dtype=dst, exact=True)


def test_view_dtype_shares_memory(device):
    f = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float32, device=device)
    i = f.view(torch.int32)
    check(i, np.array([1.0, -2.0, 0.5], dtype=np.float32).view(np.int32))
    i[0] = 0x40400000  # 3.0f
    assert f[0].item() == 3.0
    f[1] = 1.0
    assert i[1].item() == 0x3F800000
    # through a smaller type: the high half of 1.0f (float16 view)
    h = f.view(torch.int16)
    h[3] = 0  # zero the high half of f[1]
    assert f[1].item() == 0.0


def test_view_dtype_bfloat16_is_the_high_half_of_float32(device):
    f = torch.tensor([1.5, -3.25], device=device)
    halves = f.view(torch.bfloat16)
    # little endian: odd elements are the high halves, i.e. the values truncated
    check(halves[1::2].float(), [1.5, -3.25])


def test_view_dtype_same_dtype_and_shape_views_still_work(device):
    t = torch.arange(6.0, device=device)
    v = t.view(torch.float32)
    assert v.data_ptr() == t.data_ptr() and v.dtype == torch.float32
    assert t.view(2, 3).shape == (2, 3) and t.view((3, 2)).shape == (3, 2) and t.view(-1).shape == (6,)


@pytest.mark.parametrize("make, dst, msg", [
    (lambda device: torch.arange(12.0, device=device).view(3, 4).t(), "int64",
     "self.size(-1) must be divisible by 2 to view Float as Long (different element sizes), but got 3"),
    (lambda device: torch.arange(12.0, device=device).view(3, 4).t(), "float16",
     "self.stride(-1) must be 1 to view Float as Half (different element sizes), but got 4"),
    (lambda device: torch.arange(12.0, device=device).view(3, 4)[:, ::2], "float64",
     "self.stride(-1) must be 1 to view Float as Double (different element sizes), but got 2"),
    (lambda device: torch.tensor(1.0, device=device), "float64",
     "self.dim() cannot be 0 to view Float as Double (different element sizes)"),
    (lambda device: torch.zeros(6, dtype=torch.uint8, device=device), "float32",
     "self.size(-1) must be divisible by 4 to view Byte as Float (different element sizes), but got 6"),
    (lambda device: torch.zeros(8, dtype=torch.uint8, device=device)[1:5], "float32",
     "self.storage_offset() must be divisible by 4 to view Byte as Float (different element sizes), but got 1"),
    (lambda device: torch.zeros(4, 6, dtype=torch.uint8, device=device)[:, :4], "float32",
     "self.stride(0) must be divisible by 4 to view Byte as Float (different element sizes), but got 6"),
    (lambda device: torch.zeros(2, 0, device=device), "float64",
     "self.stride(0) must be divisible by 2 to view Float as Double (different element sizes), but got 1"),
], ids=str)
def test_view_dtype_errors(make, dst, msg, device):
    with pytest.raises(RuntimeError) as e:
        make(device).view(getattr(torch, dst))
    assert str(e.value) == msg


def test_view_dtype_bool_refused(device):
    # PyTorch allows these; Rust needs bool bytes to stay 0/1, so ferrotorch refuses.
    with pytest.raises(NotImplementedError):
        torch.tensor([True, False], device=device).view(torch.uint8)
    with pytest.raises(NotImplementedError):
        torch.zeros(2, dtype=torch.uint8, device=device).view(torch.bool)


def test_view_dtype_overlap_counts_bytes(device):
    a = torch.arange(6.0, device=device)
    with pytest.raises(RuntimeError, match="refer to a single memory location"):
        a[1:].copy_(a[:-1].view(torch.int32))


def test_view_dtype_matches_torch():
    real = pytest.importorskip("torch")
    for src, shape, sl, dst, *_ in VIEW_DTYPE_OK:
        n = int(np.prod(shape))
        ours = SLICES[sl](torch.arange(n).to(getattr(torch, src)).reshape(shape)).view(getattr(torch, dst))
        ref = SLICES[sl](real.arange(n).to(getattr(real, src)).reshape(shape)).view(getattr(real, dst))
        assert (tuple(ours.shape), ours.stride(), ours.storage_offset()) == \
            (tuple(ref.shape), ref.stride(), ref.storage_offset())
        np.testing.assert_array_equal(to_np(ours), ref.float().numpy() if dst == "bfloat16" else ref.numpy())
