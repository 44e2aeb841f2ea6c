"""cat / stack / hstack / vstack / dstack / split / chunk / unbind vs numpy."""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import check, make, rand, to_np


def arrs(shapes, dtype="float32", seed=0):
    return [rand(s, dtype, seed=seed + i) for i, s in enumerate(shapes)]


@pytest.mark.parametrize(
    "shapes, dim",
    [([(2, 3), (4, 3)], 0), ([(2, 3), (2, 1), (2, 5)], 1), ([(2, 3), (2, 3)], -1), ([(3,), (0,), (2,)], 0),
     ([(2, 3, 4), (2, 1, 4)], 1), ([(2, 3, 4)], 2), ([(1, 2), (1, 2), (1, 2)], -2)],
    ids=str,
)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16"])
def test_cat(shapes, dim, dtype, device):
    parts = arrs(shapes, dtype)
    ts = [torch.tensor(p, device=device) for p in parts]
    expected = np.concatenate(parts, axis=dim)
    check(torch.cat(ts, dim), expected, dtype=dtype)
    check(torch.cat(tuple(ts), dim=dim), expected, dtype=dtype)


def test_cat_default_dim_and_noncontiguous(device):
    a = rand((3, 4), "float32", seed=1)
    b = rand((4, 3), "float32", seed=2)
    check(torch.cat([torch.tensor(a, device=device), torch.tensor(b, device=device).t()]), np.concatenate([a, b.T]))
    check(torch.cat([torch.tensor(a, device=device)[:, ::2], torch.tensor(b, device=device).t()[:, 1:3]], 1),
          np.concatenate([a[:, ::2], b.T[:, 1:3]], 1))


def test_cat_result_is_new_storage(device):
    a = torch.zeros(2, device=device)
    r = torch.cat([a, a])
    r[0] = 1.0
    assert a[0].item() == 0.0


def test_cat_type_promotion(device):
    check(torch.cat([torch.tensor([1, 2], device=device), torch.tensor([1.5], device=device)]), [1.0, 2.0, 1.5],
          dtype="float32")
    check(torch.cat([torch.tensor([True], device=device), torch.tensor([2], device=device)]), [1, 2], dtype="int64")
    check(torch.cat([torch.tensor([1], dtype=torch.uint8, device=device),
                     torch.tensor([-2], dtype=torch.int8, device=device)]), [1, -2],
          dtype="int16")


def test_cat_errors(device):
    with pytest.raises(RuntimeError):
        torch.cat([torch.ones(2, 3, device=device), torch.ones(2, 4, device=device)])
    with pytest.raises(RuntimeError):
        torch.cat([torch.tensor(1.0, device=device), torch.tensor(2.0, device=device)])
    with pytest.raises(IndexError):
        torch.cat([torch.ones(2, device=device), torch.ones(2, device=device)], 1)
    with pytest.raises((RuntimeError, ValueError)):
        torch.cat([])


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (0, 2)], ids=str)
@pytest.mark.parametrize("dim", [0, -1, 1])
def test_stack(shape, dim, device):
    if dim == 1 and len(shape) == 0:
        pytest.skip("dim out of range for 0-d inputs")
    parts = arrs([shape] * 3, "float32", seed=3)
    expected = np.stack(parts, axis=dim)
    check(torch.stack([make(p, device=device) for p in parts], dim), expected, dtype="float32")
    check(torch.stack([make(p, device=device) for p in parts], dim=dim), expected)


def test_stack_misc(device):
    check(torch.stack([torch.tensor(1, device=device), torch.tensor(2, device=device)]), [1, 2], dtype="int64")
    check(torch.stack([torch.tensor([1], device=device), torch.tensor([1.5], device=device)]), [[1.0], [1.5]],
          dtype="float32")
    a = rand((3, 2), "float32", seed=4)
    check(torch.stack([torch.tensor(a, device=device).t(), torch.tensor(a, device=device).t()], 1), np.stack([a.T, a.T], 1))
    with pytest.raises(RuntimeError):
        torch.stack([torch.ones(2, device=device), torch.ones(3, device=device)])
    with pytest.raises((RuntimeError, ValueError)):
        torch.stack([])


@pytest.mark.parametrize("fn", ["hstack", "vstack", "dstack"])
@pytest.mark.parametrize("shapes", [[(), ()], [(3,), (3,)], [(2, 3), (2, 3)], [(2, 3, 2), (2, 3, 2)]], ids=str)
def test_h_v_d_stack(fn, shapes, device):
    parts = arrs(shapes, "int64", seed=5)
    expected = getattr(np, fn)(parts)
    check(getattr(torch, fn)([make(p, device=device) for p in parts]), expected, dtype="int64")


def test_hstack_vstack_different_sizes(device):
    a, b = rand((2, 3), "float32", 6), rand((2, 1), "float32", 7)
    check(torch.hstack([torch.tensor(a, device=device), torch.tensor(b, device=device)]), np.hstack([a, b]))
    c, d = rand((2, 3), "float32", 8), rand((4, 3), "float32", 9)
    check(torch.vstack([torch.tensor(c, device=device), torch.tensor(d, device=device)]), np.vstack([c, d]))
    e, f = rand((3,), "float32", 10), rand((5,), "float32", 11)
    check(torch.hstack((torch.tensor(e, device=device), torch.tensor(f, device=device))), np.hstack([e, f]))
    check(torch.vstack([torch.tensor(e, device=device), torch.tensor(e, device=device)]), np.vstack([e, e]))


# ---------------------------------------------------------------- split / chunk / unbind

@pytest.mark.parametrize(
    "n, size, dim", [(5, 2, 0), (6, 3, 0), (7, 10, 0), (6, 1, 0), (5, 2, 1), (0, 2, 0)]
)
def test_split_int(n, size, dim, device):
    shape = (n, 3) if dim == 0 else (3, n)
    a = np.arange(int(np.prod(shape))).reshape(shape)
    t = torch.tensor(a, device=device)
    parts = t.split(size, dim)
    assert isinstance(parts, tuple)
    idx = list(range(size, n, size))
    expected = np.split(a, idx, axis=dim) if n else [a]
    assert len(parts) == len(expected)
    for p, e in zip(parts, expected):
        check(p, e, dtype="int64")
    parts2 = torch.split(t, size, dim=dim)
    assert len(parts2) == len(expected)
    for p, e in zip(parts2, expected):
        check(p, e)


def test_split_literals(device):
    r = torch.arange(5, device=device).split(2)
    assert [p.tolist() for p in r] == [[0, 1], [2, 3], [4]]
    r = torch.arange(5, device=device).split([1, 4])
    assert [p.tolist() for p in r] == [[0], [1, 2, 3, 4]]
    r = torch.split(torch.arange(6, device=device).reshape(2, 3), [2, 0, 1], dim=1)
    check(r[0], [[0, 1], [3, 4]])
    assert r[1].shape == (2, 0)
    check(r[2], [[2], [5]])


def test_split_errors(device):
    with pytest.raises(RuntimeError):
        torch.arange(5, device=device).split([1, 3])
    with pytest.raises(RuntimeError):
        torch.arange(5, device=device).split(0)


def test_split_returns_views(device):
    t = torch.zeros(6, device=device)
    parts = t.split(2)
    parts[1][0] = 5.0
    parts[2].fill_(1.0)
    check(t, [0.0, 0.0, 5.0, 0.0, 1.0, 1.0])
    assert parts[1].data_ptr() == t.data_ptr() + 2 * 4


@pytest.mark.parametrize(
    "n, chunks, sizes",
    [(6, 3, [2, 2, 2]), (6, 4, [2, 2, 2]), (5, 3, [2, 2, 1]), (2, 4, [1, 1]), (7, 1, [7]), (10, 4, [3, 3, 3, 1])],
)
def test_chunk(n, chunks, sizes, device):
    a = np.arange(n * 2).reshape(n, 2)
    t = torch.tensor(a, device=device)
    parts = t.chunk(chunks)
    assert isinstance(parts, tuple)
    assert [p.shape[0] for p in parts] == sizes
    for p, e in zip(parts, np.split(a, np.cumsum(sizes)[:-1])):
        check(p, e)
    parts = torch.chunk(t.t(), chunks, dim=1)
    assert [p.shape[1] for p in parts] == sizes
    for p, e in zip(parts, np.split(a.T, np.cumsum(sizes)[:-1], axis=1)):
        check(p, e)


def test_chunk_errors(device):
    with pytest.raises(RuntimeError):
        torch.arange(5, device=device).chunk(0)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_unbind(dim, device):
    a = rand((2, 3, 4), "float32", seed=12)
    t = torch.tensor(a, device=device)
    parts = t.unbind(dim)
    assert isinstance(parts, tuple)
    assert len(parts) == a.shape[dim]
    for i, p in enumerate(parts):
        check(p, np.take(a, i, axis=dim))
    parts = torch.unbind(t, dim=dim)
    assert len(parts) == a.shape[dim]
    check(parts[-1], np.take(a, a.shape[dim] - 1, axis=dim))


def test_unbind_views(device):
    t = torch.zeros(2, 3, device=device)
    rows = t.unbind(0)
    rows[1][2] = 7.0
    assert t[1, 2].item() == 7.0
    check(torch.tensor([1, 2], device=device).unbind()[1], np.array(2))


def test_unbind_0d_raises(device):
    with pytest.raises(IndexError):
        torch.tensor(1.0, device=device).unbind()
