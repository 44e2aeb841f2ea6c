"""matmul / mm / bmm / dot / outer vs numpy."""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import check, rand, to_np

MATMUL_SHAPES = [
    ((4,), (4,)),            # 1-D @ 1-D -> 0-d
    ((4,), (4, 3)),          # 1-D @ 2-D
    ((3, 4), (4,)),          # 2-D @ 1-D
    ((3, 4), (4, 5)),
    ((1, 1), (1, 1)),
    ((2, 3, 4), (2, 4, 5)),  # batched
    ((2, 3, 4), (4, 5)),     # batched @ 2-D
    ((4,), (2, 4, 5)),       # 1-D @ batched
    ((2, 3, 4), (4,)),       # batched @ 1-D
    ((3, 4), (2, 4, 5)),     # 2-D @ batched
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dims
    ((1, 3, 4), (6, 4, 2)),
    ((2, 0), (0, 3)),        # empty inner dim -> zeros
    ((0, 3), (3, 2)),
    ((17, 33), (33, 9)),
]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matmul(sa, sb, dtype):
    a = rand(sa, dtype, seed=1)
    b = rand(sb, dtype, seed=2)
    ta, tb = torch.tensor(a), torch.tensor(b)
    expected = np.matmul(a.astype(np.float64), b.astype(np.float64))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == "float32" else {}
    check(torch.matmul(ta, tb), expected, dtype=dtype, **tol)
    check(ta @ tb, expected, dtype=dtype, **tol)
    check(ta.matmul(tb), expected, dtype=dtype, **tol)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_matmul_int(dtype):
    a = rand((3, 4), dtype, seed=3)
    b = rand((2, 4, 5), dtype, seed=4)
    check(torch.tensor(a) @ torch.tensor(b), np.matmul(a, b), dtype=dtype)
    check(torch.tensor([[1, 2]]) @ torch.tensor([[3], [4]]), [[11]], dtype="int64")


def test_matmul_float16():
    a = rand((3, 4), "float16", seed=5, low=-2, high=2)
    b = rand((4, 2), "float16", seed=6, low=-2, high=2)
    check(torch.tensor(a) @ torch.tensor(b), a.astype(np.float64) @ b, dtype="float16", rtol=1e-2, atol=1e-2)


def test_matmul_noncontiguous():
    a = rand((5, 3), "float32", seed=7)
    b = rand((6, 5), "float32", seed=8)
    ta, tb = torch.tensor(a).t(), torch.tensor(b)[::2].t()
    check(ta @ tb, a.T.astype(np.float64) @ b[::2].T, rtol=1e-5, atol=1e-5)
    c = rand((2, 4, 3), "float32", seed=9)
    tc = torch.tensor(c).transpose(1, 2)
    check(tc @ torch.tensor(b)[1:5], np.swapaxes(c, 1, 2).astype(np.float64) @ b[1:5], rtol=1e-5, atol=1e-5)
    check(torch.tensor(a)[:, 1] @ torch.tensor(a)[:, 2], a[:, 1].astype(np.float64) @ a[:, 2], rtol=1e-5)


@pytest.mark.parametrize(
    "sa, sb",
    [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((4,), (3, 2)), ((2, 3, 4), (3, 4, 5)), ((2, 3, 4), (2, 5, 6))],
    ids=str,
)
def test_matmul_shape_mismatch_raises(sa, sb):
    with pytest.raises(RuntimeError):
        torch.zeros(sa) @ torch.zeros(sb)


def test_matmul_other_errors():
    with pytest.raises(RuntimeError):
        torch.matmul(torch.tensor(1.0), torch.ones(3))
    with pytest.raises(RuntimeError):
        torch.ones(2, 3) @ torch.ones(3, 2, dtype=torch.float64)


def test_mm():
    a = rand((3, 4), "float64", seed=10)
    b = rand((4, 2), "float64", seed=11)
    check(torch.mm(torch.tensor(a), torch.tensor(b)), a @ b, dtype="float64")
    check(torch.tensor(a).mm(torch.tensor(b)), a @ b)
    check(torch.mm(torch.tensor(b).t(), torch.tensor(a).t()), b.T @ a.T)
    with pytest.raises(RuntimeError):
        torch.mm(torch.ones(3), torch.ones(3, 2))
    with pytest.raises(RuntimeError):
        torch.mm(torch.ones(2, 3), torch.ones(2, 3))
    with pytest.raises(RuntimeError):
        torch.mm(torch.ones(2, 2, 2), torch.ones(2, 2))


def test_bmm():
    a = rand((3, 2, 4), "float32", seed=12)
    b = rand((3, 4, 5), "float32", seed=13)
    expected = np.matmul(a.astype(np.float64), b)
    check(torch.bmm(torch.tensor(a), torch.tensor(b)), expected, dtype="float32", rtol=1e-5, atol=1e-5)
    check(torch.tensor(a).bmm(torch.tensor(b)), expected, rtol=1e-5, atol=1e-5)
    check(torch.bmm(torch.zeros(0, 2, 3), torch.zeros(0, 3, 4)), np.zeros((0, 2, 4)))
    with pytest.raises(RuntimeError):
        torch.bmm(torch.ones(3, 2), torch.ones(2, 2))
    with pytest.raises(RuntimeError):
        torch.bmm(torch.ones(2, 3, 2), torch.ones(3, 2, 2))
    with pytest.raises(RuntimeError):
        torch.bmm(torch.ones(2, 3, 2), torch.ones(2, 3, 2))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_dot(dtype):
    a = rand((7,), dtype, seed=14)
    b = rand((7,), dtype, seed=15)
    r = torch.dot(torch.tensor(a), torch.tensor(b))
    check(r, np.dot(a.astype(np.float64), b).astype(a.dtype) if dtype == "int64" else np.dot(a.astype(np.float64), b),
          dtype=dtype)
    assert r.shape == ()
    check(torch.tensor(a).dot(torch.tensor(b)), np.dot(a.astype(np.float64), b))
    check(torch.dot(torch.zeros(0), torch.zeros(0)), np.array(0.0))


def test_dot_errors():
    with pytest.raises(RuntimeError):
        torch.dot(torch.ones(3), torch.ones(4))
    with pytest.raises(RuntimeError):
        torch.dot(torch.ones(3, 1), torch.ones(3, 1))
    with pytest.raises(RuntimeError):
        torch.dot(torch.ones(3), torch.ones(3, dtype=torch.float64))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_outer(dtype):
    a = rand((3,), dtype, seed=16)
    b = rand((5,), dtype, seed=17)
    check(torch.outer(torch.tensor(a), torch.tensor(b)), np.outer(a, b), dtype=dtype)
    check(torch.tensor(a).outer(torch.tensor(b)), np.outer(a, b), dtype=dtype)
    check(torch.outer(torch.tensor([1, 2]), torch.tensor([3.0, 4.0, 5.0])), [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]],
          dtype="float32")
    c = np.arange(10.0)
    check(torch.outer(torch.tensor(c)[::3], torch.tensor(c)[1::4]), np.outer(c[::3], c[1::4]))
    with pytest.raises(RuntimeError):
        torch.outer(torch.ones(2, 2), torch.ones(3))
