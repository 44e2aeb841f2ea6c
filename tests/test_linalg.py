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
def test_matmul(sa, sb, dtype, device):
    a = rand(sa, dtype, seed=1)
    b = rand(sb, dtype, seed=2)
    ta, tb = torch.tensor(a, device=device), torch.tensor(b, device=device)
    expected = np.matmul(a.astype(np.float64), b.astype(np.float64))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == "float32" else {}
    check(torch.matmul(ta, tb), expected, dtype=dtype, **tol)
    check(ta @ tb, expected, dtype=dtype, **tol)
    check(ta.matmul(tb), expected, dtype=dtype, **tol)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_matmul_int(dtype, device):
    a = rand((3, 4), dtype, seed=3)
    b = rand((2, 4, 5), dtype, seed=4)
    check(torch.tensor(a, device=device) @ torch.tensor(b, device=device), np.matmul(a, b), dtype=dtype)
    check(torch.tensor([[1, 2]], device=device) @ torch.tensor([[3], [4]], device=device), [[11]], dtype="int64")


def test_matmul_float16(device):
    a = rand((3, 4), "float16", seed=5, low=-2, high=2)
    b = rand((4, 2), "float16", seed=6, low=-2, high=2)
    check(torch.tensor(a, device=device) @ torch.tensor(b, device=device), a.astype(np.float64) @ b, dtype="float16",
          rtol=1e-2, atol=1e-2)


def test_matmul_noncontiguous(device):
    a = rand((5, 3), "float32", seed=7)
    b = rand((6, 5), "float32", seed=8)
    ta, tb = torch.tensor(a, device=device).t(), torch.tensor(b, device=device)[::2].t()
    check(ta @ tb, a.T.astype(np.float64) @ b[::2].T, rtol=1e-5, atol=1e-5)
    c = rand((2, 4, 3), "float32", seed=9)
    tc = torch.tensor(c, device=device).transpose(1, 2)
    check(tc @ torch.tensor(b, device=device)[1:5], np.swapaxes(c, 1, 2).astype(np.float64) @ b[1:5], rtol=1e-5, atol=1e-5)
    check(torch.tensor(a, device=device)[:, 1] @ torch.tensor(a, device=device)[:, 2],
          a[:, 1].astype(np.float64) @ a[:, 2], rtol=1e-5)


@pytest.mark.parametrize(
    "sa, sb",
    [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((4,), (3, 2)), ((2, 3, 4), (3, 4, 5)), ((2, 3, 4), (2, 5, 6))],
    ids=str,
)
def test_matmul_shape_mismatch_raises(sa, sb, device):
    with pytest.raises(RuntimeError):
        torch.zeros(sa, device=device) @ torch.zeros(sb, device=device)


def test_matmul_other_errors(device):
    with pytest.raises(RuntimeError):
        torch.matmul(torch.tensor(1.0, device=device), torch.ones(3, device=device))
    with pytest.raises(RuntimeError):
        torch.ones(2, 3, device=device) @ torch.ones(3, 2, dtype=torch.float64, device=device)


def test_mm(device):
    a = rand((3, 4), "float64", seed=10)
    b = rand((4, 2), "float64", seed=11)
    check(torch.mm(torch.tensor(a, device=device), torch.tensor(b, device=device)), a @ b, dtype="float64")
    check(torch.tensor(a, device=device).mm(torch.tensor(b, device=device)), a @ b)
    check(torch.mm(torch.tensor(b, device=device).t(), torch.tensor(a, device=device).t()), b.T @ a.T)
    with pytest.raises(RuntimeError):
        torch.mm(torch.ones(3, device=device), torch.ones(3, 2, device=device))
    with pytest.raises(RuntimeError):
        torch.mm(torch.ones(2, 3, device=device), torch.ones(2, 3, device=device))
    with pytest.raises(RuntimeError):
        torch.mm(torch.ones(2, 2, 2, device=device), torch.ones(2, 2, device=device))


def test_bmm(device):
    a = rand((3, 2, 4), "float32", seed=12)
    b = rand((3, 4, 5), "float32", seed=13)
    expected = np.matmul(a.astype(np.float64), b)
    check(torch.bmm(torch.tensor(a, device=device), torch.tensor(b, device=device)), expected, dtype="float32",
          rtol=1e-5, atol=1e-5)
    check(torch.tensor(a, device=device).bmm(torch.tensor(b, device=device)), expected, rtol=1e-5, atol=1e-5)
    check(torch.bmm(torch.zeros(0, 2, 3, device=device), torch.zeros(0, 3, 4, device=device)), np.zeros((0, 2, 4)))
    with pytest.raises(RuntimeError):
        torch.bmm(torch.ones(3, 2, device=device), torch.ones(2, 2, device=device))
    with pytest.raises(RuntimeError):
        torch.bmm(torch.ones(2, 3, 2, device=device), torch.ones(3, 2, 2, device=device))
    with pytest.raises(RuntimeError):
        torch.bmm(torch.ones(2, 3, 2, device=device), torch.ones(2, 3, 2, device=device))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_dot(dtype, device):
    a = rand((7,), dtype, seed=14)
    b = rand((7,), dtype, seed=15)
    r = torch.dot(torch.tensor(a, device=device), torch.tensor(b, device=device))
    check(r, np.dot(a.astype(np.float64), b).astype(a.dtype) if dtype == "int64" else np.dot(a.astype(np.float64), b),
          dtype=dtype)
    assert r.shape == ()
    check(torch.tensor(a, device=device).dot(torch.tensor(b, device=device)), np.dot(a.astype(np.float64), b))
    check(torch.dot(torch.zeros(0, device=device), torch.zeros(0, device=device)), np.array(0.0))


def test_dot_errors(device):
    with pytest.raises(RuntimeError):
        torch.dot(torch.ones(3, device=device), torch.ones(4, device=device))
    with pytest.raises(RuntimeError):
        torch.dot(torch.ones(3, 1, device=device), torch.ones(3, 1, device=device))
    with pytest.raises(RuntimeError):
        torch.dot(torch.ones(3, device=device), torch.ones(3, dtype=torch.float64, device=device))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_outer(dtype, device):
    a = rand((3,), dtype, seed=16)
    b = rand((5,), dtype, seed=17)
    check(torch.outer(torch.tensor(a, device=device), torch.tensor(b, device=device)), np.outer(a, b), dtype=dtype)
    check(torch.tensor(a, device=device).outer(torch.tensor(b, device=device)), np.outer(a, b), dtype=dtype)
    check(torch.outer(torch.tensor([1, 2], device=device), torch.tensor([3.0, 4.0, 5.0], device=device)),
          [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]],
          dtype="float32")
    c = np.arange(10.0)
    check(torch.outer(torch.tensor(c, device=device)[::3], torch.tensor(c, device=device)[1::4]), np.outer(c[::3], c[1::4]))
    with pytest.raises(RuntimeError):
        torch.outer(torch.ones(2, 2, device=device), torch.ones(3, device=device))


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
def test_bool_matmul_raises(sa, sb, kernel, device):
    a, b = torch.ones(sa, dtype=B, device=device), torch.ones(sb, dtype=B, device=device)
    msg = f"\"{kernel}\" not implemented for 'Bool'"
    with pytest.raises(NotImplementedError) as e:
        a @ b
    if device == "cpu":
        assert str(e.value) == msg
    else:  # the kernel names are the CPU ones; PyTorch's CUDA kernels have other names
        assert str(e.value).endswith(" not implemented for 'Bool'")
    with pytest.raises(NotImplementedError):
        torch.matmul(a, b)


def test_bool_mm_bmm_dot_raise(device):
    m, v = torch.ones(2, 2, dtype=B, device=device), torch.ones(2, dtype=B, device=device)
    for f, kernel in [(lambda: m.mm(m), "addmm_impl_cpu_"), (lambda: torch.mm(m, m), "addmm_impl_cpu_"),
                      (lambda: m[None].bmm(m[None]), "bmm"), (lambda: v.dot(v), "dot"),
                      (lambda: torch.zeros(0, dtype=B, device=device).dot(torch.zeros(0, dtype=B, device=device)), "dot")]:
        if device != "cpu":  # the kernel names are the CPU ones (see above)
            kernel = ".*"
        with pytest.raises(NotImplementedError, match=f'"{kernel}" not implemented for \'Bool\''):
            f()


def test_bool_products_with_empty_operands_and_outer_work(device):
    check(torch.zeros(2, 0, dtype=B, device=device).mm(torch.zeros(0, 3, dtype=B, device=device)),
          np.zeros((2, 3), bool), dtype="bool")
    check(torch.zeros(0, 2, dtype=B, device=device) @ torch.ones(2, 2, dtype=B, device=device),
          np.zeros((0, 2), bool), dtype="bool")
    check(torch.zeros(0, 2, 2, dtype=B, device=device).bmm(torch.zeros(0, 2, 2, dtype=B, device=device)),
          np.zeros((0, 2, 2), bool))
    v = torch.tensor([True, False], device=device)
    check(v.outer(v), [[True, False], [False, False]], dtype="bool")


def test_bool_shape_errors_first(device):
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        torch.ones(2, 2, dtype=B, device=device).mm(torch.ones(3, 3, dtype=B, device=device))


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
def test_matmul_dtype_mismatch_messages(sa, sb, dta, dtb, msg, device):
    a, b = torch.ones(sa, dtype=getattr(torch, dta), device=device), torch.ones(sb, dtype=getattr(torch, dtb), device=device)
    with pytest.raises(RuntimeError) as e:
        a @ b
    if device == "cpu":  # the messages of PyTorch's CPU kernels (its CUDA ones word some differently)
        assert str(e.value) == msg


def test_bool_matmul_matches_torch():
    real = pytest.importorskip("torch")
    for sa, sb, _ in BOOL_CASES:
        with pytest.raises(NotImplementedError) as ref:
            real.ones(sa, dtype=real.bool) @ real.ones(sb, dtype=real.bool)
        with pytest.raises(NotImplementedError) as got:
            torch.ones(sa, dtype=B) @ torch.ones(sb, dtype=B)
        assert str(got.value) == str(ref.value)
