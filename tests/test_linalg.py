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


# ---------------------------------------------------------------- bool and mixed dtypes

B = torch.bool
# (shape a, shape b, kernel PyTorch names); messages checked against torch 2.15
BOOL_CASES = [
    ((2, 2), (2, 2), "addmm_impl_cpu_"),
    ((2,), (2, 2), "addmm_impl_cpu_"),
    ((2, 2), (2,), "addmv_impl_cpu"),
    ((2,), (2,), "dot"),
    ((1, 2, 2), (1, 2, 2), "bmm"),
    ((1, 2, 2), (2, 2), "addmm_impl_cpu_"),  # batch folded into one mm
    ((1, 2, 2), (2,), "addmv_impl_cpu"),
    ((2,), (1, 2, 2), "addmv_impl_cpu"),
    ((2,), (2, 2, 2), "bmm"),  # the transposed batch does not fold
    ((2, 2), (2, 2, 2), "bmm"),
    ((2, 1, 2, 2), (3, 2, 2), "bmm"),
]


@pytest.mark.parametrize("sa, sb, kernel", BOOL_CASES, ids=str)
def test_bool_matmul_raises(sa, sb, kernel):
    a, b = torch.ones(sa, dtype=B), torch.ones(sb, dtype=B)
    msg = f"\"{kernel}\" not implemented for 'Bool'"
    with pytest.raises(NotImplementedError) as e:
        a @ b
    assert str(e.value) == msg
    with pytest.raises(NotImplementedError):
        torch.matmul(a, b)


def test_bool_mm_bmm_dot_raise():
    m, v = torch.ones(2, 2, dtype=B), torch.ones(2, dtype=B)
    for f, kernel in [(lambda: m.mm(m), "addmm_impl_cpu_"), (lambda: torch.mm(m, m), "addmm_impl_cpu_"),
                      (lambda: m[None].bmm(m[None]), "bmm"), (lambda: v.dot(v), "dot"),
                      (lambda: torch.zeros(0, dtype=B).dot(torch.zeros(0, dtype=B)), "dot")]:
        with pytest.raises(NotImplementedError, match=f'"{kernel}" not implemented for \'Bool\''):
            f()


def test_bool_products_with_empty_operands_and_outer_work():
    check(torch.zeros(2, 0, dtype=B).mm(torch.zeros(0, 3, dtype=B)), np.zeros((2, 3), bool), dtype="bool")
    check(torch.zeros(0, 2, dtype=B) @ torch.ones(2, 2, dtype=B), np.zeros((0, 2), bool), dtype="bool")
    check(torch.zeros(0, 2, 2, dtype=B).bmm(torch.zeros(0, 2, 2, dtype=B)), np.zeros((0, 2, 2), bool))
    v = torch.tensor([True, False])
    check(v.outer(v), [[True, False], [False, False]], dtype="bool")


def test_bool_shape_errors_first():
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        torch.ones(2, 2, dtype=B).mm(torch.ones(3, 3, dtype=B))


@pytest.mark.parametrize("sa, sb, dta, dtb, msg", [
    ((2, 2), (2, 2), "float32", "float64", "expected m1 and m2 to have the same dtype, but got: float != double"),
    ((2, 2), (2, 2), "int32", "float32", "expected m1 and m2 to have the same dtype, but got: int != float"),
    ((2, 2, 2), (2, 2), "float32", "bfloat16",
     "expected m1 and m2 to have the same dtype, but got: float != c10::BFloat16"),
    ((2,), (2,), "float32", "float16", "dot : expected both vectors to have same dtype, but found Float and Half"),
    ((2, 2, 2), (2, 2, 2), "float32", "float64", "expected scalar type Float but found Double"),
    ((2, 2), (2,), "float32", "float64", "addmv input tensors must have the same dtype, but got Double, Float, and Double"),
    ((2, 2), (2,), "int32", "float16", "addmv input tensors must have the same dtype, but got Half, Int, and Half"),
], ids=str)
def test_matmul_dtype_mismatch_messages(sa, sb, dta, dtb, msg):
    a, b = torch.ones(sa, dtype=getattr(torch, dta)), torch.ones(sb, dtype=getattr(torch, dtb))
    with pytest.raises(RuntimeError) as e:
        a @ b
    assert str(e.value) == msg


def test_bool_matmul_matches_torch():
    real = pytest.importorskip("torch")
    for sa, sb, _ in BOOL_CASES:
        with pytest.raises(NotImplementedError) as ref:
            real.ones(sa, dtype=real.bool) @ real.ones(sb, dtype=real.bool)
        with pytest.raises(NotImplementedError) as got:
            torch.ones(sa, dtype=B) @ torch.ones(sb, dtype=B)
        assert str(got.value) == str(ref.value)
