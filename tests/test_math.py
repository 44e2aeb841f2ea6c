"""Elementwise math, operators, broadcasting and in-place ops vs numpy."""

import math
import operator

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import check, make, rand, tdt, to_np


def variants(shape, dtype, seed=0, low=-4, high=4, device=None):
    """(name, numpy array, tensor) triples: contiguous, transposed, stepped-slice."""
    a = rand(shape, dtype, seed=seed, low=low, high=high)
    out = [("contig", a, make(a, dtype, device=device))]
    if len(shape) == 2:
        b = rand(shape[::-1], dtype, seed=seed + 1, low=low, high=high)
        out.append(("transposed", b.T, make(b, dtype, device=device).t()))
        c = rand((shape[0] * 2, shape[1] + 3), dtype, seed=seed + 2, low=low, high=high)
        out.append(("stepped", c[::2, 1:-2], make(c, dtype, device=device)[::2, 1:-2]))
    return out


SHAPES = [(), (0,), (7,), (3, 4)]
FLOATS = ["float32", "float64", "float16", "bfloat16"]

# name, numpy reference, input range
UNARY_FLOAT = [
    ("sqrt", np.sqrt, (0.0, 5.0)),
    ("rsqrt", lambda x: 1 / np.sqrt(x), (0.1, 5.0)),
    ("exp", np.exp, (-4.0, 4.0)),
    ("log", np.log, (0.05, 5.0)),
    ("log1p", np.log1p, (-0.9, 5.0)),
    ("expm1", np.expm1, (-4.0, 4.0)),
    ("sin", np.sin, (-4.0, 4.0)),
    ("cos", np.cos, (-4.0, 4.0)),
    ("tan", np.tan, (-1.2, 1.2)),
    ("tanh", np.tanh, (-4.0, 4.0)),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), (-6.0, 6.0)),
    ("neg", np.negative, (-4.0, 4.0)),
    ("abs", np.abs, (-4.0, 4.0)),
    ("relu", lambda x: np.maximum(x, 0), (-4.0, 4.0)),
    ("floor", np.floor, (-4.0, 4.0)),
    ("ceil", np.ceil, (-4.0, 4.0)),
    ("round", np.round, (-4.0, 4.0)),
    ("sign", np.sign, (-4.0, 4.0)),
    ("square", np.square, (-4.0, 4.0)),
    ("reciprocal", np.reciprocal, (0.2, 4.0)),
]


def _ulp_atol(name, dtype, x):
    # functions that are exact up to output rounding
    if name in ("floor", "ceil", "round", "sign", "neg", "abs", "relu"):
        return dict(rtol=0, atol=0)
    return {}


@pytest.mark.parametrize("name, ref, rng", UNARY_FLOAT, ids=[u[0] for u in UNARY_FLOAT])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unary_float(name, ref, rng, dtype, shape, device):
    for kind, a, t in variants(shape, dtype, seed=len(name), low=rng[0], high=rng[1], device=device):
        expected = ref(a.astype(np.float64))
        if dtype == "float16":
            expected_rounded = expected.astype(np.float16)
        else:
            expected_rounded = expected
        r = getattr(torch, name)(t)
        check(r, expected_rounded, dtype=dtype, **_ulp_atol(name, dtype, a))
        m = getattr(t, name)()
        check(m, expected_rounded, dtype=dtype, **_ulp_atol(name, dtype, a))
        # input untouched
        check(t, a, exact=True)


@pytest.mark.parametrize("name", ["sqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid", "rsqrt", "log1p", "expm1", "tan", "reciprocal"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_unary_float_op_on_int_promotes(name, dtype, device):
    a = np.array([[1, 2], [3, 1]]) if dtype != "bool" else np.array([[True, False], [True, True]])
    t = make(a, dtype, device=device)
    ref = dict((u[0], u[1]) for u in UNARY_FLOAT)[name]
    r = getattr(torch, name)(t)
    with np.errstate(divide="ignore"):  # log(0) / 1/0 for the False entries
        expected = ref(a.astype(np.float64))
    check(r, expected, dtype="float32")


@pytest.mark.parametrize("name", ["neg", "abs", "relu", "floor", "ceil", "round", "sign", "square"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8"])
def test_unary_int_keeps_dtype(name, dtype, device):
    a = np.array([[-3, 0, 2], [5, -1, 4]]).astype(dtype)
    ref = dict((u[0], u[1]) for u in UNARY_FLOAT)[name]
    r = getattr(torch, name)(make(a, dtype, device=device))
    check(r, ref(a).astype(dtype), dtype=dtype)


def test_round_half_to_even(device):
    x = torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.49999997], device=device)
    check(torch.round(x), np.round(np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.49999997], np.float32)))
    check(torch.round(x), [0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 4.0, 0.0])
    h = torch.tensor([0.5, 1.5, 2.5], dtype=torch.float16, device=device)
    check(torch.round(h), [0.0, 2.0, 2.0], dtype="float16")


def test_round_decimals(device):
    x = torch.tensor([1.2345, 2.5, -0.125], dtype=torch.float64, device=device)
    check(torch.round(x, decimals=2), [1.23, 2.5, -0.12], dtype="float64")


def test_special_values(device):
    x = torch.tensor([-1.0, 0.0, float("inf")], device=device)
    r = torch.log(x)
    assert math.isnan(r[0].item()) and r[1].item() == -math.inf and r[2].item() == math.inf
    check(torch.rsqrt(torch.tensor([0.0, 4.0], device=device)), [np.inf, 0.5])
    check(torch.sigmoid(torch.tensor([-200.0, 200.0], device=device)), [0.0, 1.0])
    check(torch.exp(torch.tensor([1000.0], device=device)), [np.inf])
    check(torch.sqrt(torch.tensor([-1.0], device=device)), [np.nan])
    check(torch.tanh(torch.tensor([50.0, -50.0], device=device)), [1.0, -1.0])


def test_abs_neg_int8_min_wraps(device):
    check(torch.abs(torch.tensor([-128], dtype=torch.int8, device=device)), [-128], dtype="int8")
    check(-torch.tensor([1], dtype=torch.uint8, device=device), [255], dtype="uint8")


def test_neg_bool_raises(device):
    with pytest.raises((RuntimeError, NotImplementedError)):
        -torch.tensor([True, False], device=device)


def test_constants():
    assert torch.pi == math.pi
    assert torch.e == math.e
    assert torch.inf == math.inf
    assert math.isnan(torch.nan)


# ---------------------------------------------------------------- clamp

@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_clamp(dtype, device):
    for kind, a, t in variants((3, 4), dtype, seed=3, device=device):
        check(torch.clamp(t, -1, 2), np.clip(a, -1, 2), dtype=dtype)
        check(t.clamp(min=0), np.maximum(a, 0), dtype=dtype)
        check(t.clamp(max=1), np.minimum(a, 1), dtype=dtype)
        check(torch.clamp(t, min=-2, max=-2), np.full(a.shape, -2), dtype=dtype)


def test_clamp_special_cases(device):
    check(torch.clamp(torch.tensor([1.0, 2.0, 3.0], device=device), min=3, max=1), [1.0, 1.0, 1.0])
    check(torch.clamp(torch.tensor([float("nan"), 1.0], device=device), 0, 0.5), [np.nan, 0.5])
    check(torch.clamp(torch.tensor([1, 2, 3], device=device), min=1.5), [1.5, 2.0, 3.0], dtype="float32")
    lo = torch.tensor([2.0, 0.0, 0.0], device=device)
    hi = torch.tensor([5.0, 1.0, 5.0], device=device)
    check(torch.clamp(torch.tensor([1.0, 2.0, 3.0], device=device), min=lo, max=hi), [2.0, 1.0, 3.0])
    with pytest.raises(RuntimeError):
        torch.clamp(torch.tensor([1.0], device=device))


# ---------------------------------------------------------------- binary ops

BCAST = [
    ((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((5,), ()),
    ((0, 3), (3,)), ((5,), (1,)), ((1,), (2, 3)), ((), ()),
]

ARITH = [
    ("add", operator.add, np.add),
    ("sub", operator.sub, np.subtract),
    ("mul", operator.mul, np.multiply),
]


@pytest.mark.parametrize("name, op, ref", ARITH, ids=[a[0] for a in ARITH])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "float16", "int8"])
@pytest.mark.parametrize("sa, sb", BCAST, ids=str)
def test_arith_broadcast(name, op, ref, dtype, sa, sb, device):
    a = rand(sa, dtype, seed=1, low=-5, high=5)
    b = rand(sb, dtype, seed=2, low=-5, high=5)
    ta, tb = make(a, dtype, device=device), make(b, dtype, device=device)
    expected = ref(a, b)
    check(op(ta, tb), expected, dtype=dtype)
    check(getattr(torch, name)(ta, tb), expected, dtype=dtype)
    check(getattr(ta, name)(tb), expected, dtype=dtype)


@pytest.mark.parametrize("name, op, ref", ARITH, ids=[a[0] for a in ARITH])
def test_arith_noncontiguous(name, op, ref, device):
    for (k1, a, ta), (k2, b, tb) in zip(variants((3, 4), "float32", 1, device=device),
                                        variants((3, 4), "float32", 7, device=device)):
        check(op(ta, tb), ref(a, b))
        check(op(ta, tb[0]), ref(a, b[0]))


def test_add_sub_alpha(device):
    a, b = torch.tensor([1.0, 2.0], device=device), torch.tensor([3.0, 5.0], device=device)
    check(torch.add(a, b, alpha=2), [7.0, 12.0])
    check(a.sub(b, alpha=0.5), [-0.5, -0.5])
    check(torch.add(torch.tensor([1, 2], device=device), torch.tensor([1, 1], device=device), alpha=2), [3, 4],
          dtype="int64")
    with pytest.raises(RuntimeError):
        torch.add(torch.tensor([1, 2], device=device), torch.tensor([1, 1], device=device), alpha=0.5)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
@pytest.mark.parametrize("sa, sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (5,)), ((0,), (1,))], ids=str)
def test_div(dtype, sa, sb, device):
    a = rand(sa, dtype, seed=3, low=-9, high=9)
    b = rand(sb, dtype, seed=4, low=1, high=5) * np.where(rand(sb, "bool", seed=5), 1, -1).astype(dtype)
    ta, tb = make(a, dtype, device=device), make(b, dtype, device=device)
    out_dtype = dtype if dtype.startswith("float") else "float32"
    expected = a.astype(np.float64) / b
    check(ta / tb, expected, dtype=out_dtype)
    check(torch.div(ta, tb), expected, dtype=out_dtype)
    check(torch.true_divide(ta, tb), expected, dtype=out_dtype)
    # floor division
    check(ta // tb, np.floor_divide(a, b), dtype=dtype)
    check(torch.floor_divide(ta, tb), np.floor_divide(a, b), dtype=dtype)
    check(torch.div(ta, tb, rounding_mode="floor"), np.floor_divide(a, b), dtype=dtype)
    check(torch.div(ta, tb, rounding_mode="trunc"), np.trunc(a / b).astype(dtype), dtype=dtype)
    # remainder has the sign of the divisor (python / numpy mod)
    check(ta % tb, np.mod(a, b), dtype=dtype)
    check(torch.remainder(ta, tb), np.mod(a, b), dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_fmod(dtype, device):
    a = rand((3, 4), dtype, seed=3, low=-9, high=9)
    b = rand((4,), dtype, seed=4, low=1, high=5) * np.array([1, -1, 1, -1]).astype(dtype)
    # fmod has the sign of the dividend (C fmod)
    check(torch.fmod(make(a, dtype, device=device), make(b, dtype, device=device)), np.fmod(a, b), dtype=dtype)


def test_div_literals(device):
    check(torch.tensor([-7, 7, -8], device=device) // 2, [-4, 3, -4], dtype="int64")
    check(torch.tensor([-7, 7, -8], device=device) % 3, [2, 1, 1], dtype="int64")
    check(torch.tensor([-7, 7, -8], device=device) % -3, [-1, -2, -2], dtype="int64")
    check(torch.tensor([-3.5, 3.5], device=device) % 2, [0.5, 1.5])
    check(torch.tensor([-3.5, 3.5], device=device) // 2, [-2.0, 1.0])
    check(torch.tensor([1, 2], device=device) / torch.tensor([2, 2], device=device), [0.5, 1.0], dtype="float32")
    check(torch.tensor([2.0, -2.0, 0.0], device=device) / 0, [np.inf, -np.inf, np.nan])
    check(torch.tensor([2, 0, -1], device=device) / 0, [np.inf, np.nan, -np.inf], dtype="float32")


def test_int64_min_floor_divide_minus_one_wraps(device):
    # two's-complement wraparound as in PyTorch (must not crash the process)
    check(torch.tensor([-2 ** 63], device=device) // -1, [-2 ** 63], dtype="int64")


def test_int_division_by_zero_raises(device):
    with pytest.raises(RuntimeError):
        torch.tensor([2], device=device) // 0
    with pytest.raises(RuntimeError):
        torch.tensor([2], device=device) % torch.tensor([0], device=device)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pow_float(dtype, device):
    for kind, a, t in variants((3, 4), dtype, seed=11, low=0.1, high=3, device=device):
        check(t ** 2, a ** 2, dtype=dtype)
        check(torch.pow(t, 0.5), a ** 0.5, dtype=dtype)
        check(t.pow(-1.5), a ** -1.5, dtype=dtype)
        check(t ** t, a ** a, dtype=dtype)
        check(2 ** t, 2.0 ** a, dtype=dtype)
        check(torch.pow(2, t), 2.0 ** a, dtype=dtype)


def test_pow_special(device):
    check(torch.tensor([-8.0], device=device) ** (1 / 3), [np.nan])
    check(torch.tensor([0.0, -2.0], device=device) ** 0, [1.0, 1.0])
    check(torch.tensor([0, 2, -3], device=device) ** 0, [1, 1, 1], dtype="int64")
    check(torch.tensor([2, -3], dtype=torch.int32, device=device) ** 3, [8, -27], dtype="int32")
    check(torch.tensor([2, 3], device=device) ** torch.tensor([3, 2], device=device), [8, 9], dtype="int64")
    with pytest.raises(RuntimeError):
        torch.tensor([2, 3], device=device) ** -1


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8"])
def test_maximum_minimum(dtype, device):
    for (k1, a, ta), (k2, b, tb) in zip(variants((3, 4), dtype, 1, device=device),
                                        variants((3, 4), dtype, 9, device=device)):
        check(torch.maximum(ta, tb), np.maximum(a, b), dtype=dtype)
        check(torch.minimum(ta, tb), np.minimum(a, b), dtype=dtype)
        check(torch.max(ta, tb), np.maximum(a, b), dtype=dtype)
        check(torch.min(ta, tb), np.minimum(a, b), dtype=dtype)
        check(ta.maximum(tb[0]), np.maximum(a, b[0]), dtype=dtype)


def test_maximum_nan_and_promotion(device):
    nan = float("nan")
    x, y = torch.tensor([nan, 1.0, 2.0], device=device), torch.tensor([0.0, nan, 1.0], device=device)
    check(torch.maximum(x, y), [nan, nan, 2.0])
    check(torch.minimum(x, y), [nan, nan, 1.0])
    check(torch.maximum(torch.tensor([1, 2], device=device), torch.tensor([1.5, 0.5], device=device)), [1.5, 2.0],
          dtype="float32")


# ---------------------------------------------------------------- comparisons

CMP = [
    ("eq", operator.eq, np.equal), ("ne", operator.ne, np.not_equal),
    ("lt", operator.lt, np.less), ("le", operator.le, np.less_equal),
    ("gt", operator.gt, np.greater), ("ge", operator.ge, np.greater_equal),
]


@pytest.mark.parametrize("name, op, ref", CMP, ids=[c[0] for c in CMP])
@pytest.mark.parametrize("dtype", ["float32", "int64", "int8", "float64"])
@pytest.mark.parametrize("sa, sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (5,)), ((0, 2), (2,))], ids=str)
def test_comparisons(name, op, ref, dtype, sa, sb, device):
    a = rand(sa, dtype, seed=1, low=-3, high=3)
    b = rand(sb, dtype, seed=2, low=-3, high=3)
    ta, tb = make(a, dtype, device=device), make(b, dtype, device=device)
    check(op(ta, tb), ref(a, b), dtype="bool")
    check(getattr(torch, name)(ta, tb), ref(a, b), dtype="bool")
    check(getattr(ta, name)(tb), ref(a, b), dtype="bool")
    # scalars on either side
    check(op(ta, 1), ref(a, 1), dtype="bool")
    check(op(1, ta), ref(1, a), dtype="bool")
    check(op(ta, 0.5), ref(a, 0.5), dtype="bool")


def test_comparison_mixed_dtypes_and_nan(device):
    check(torch.tensor([1, 2, 3], device=device) == torch.tensor([1.0, 2.5, 3.0], device=device),
          [True, False, True], dtype="bool")
    check(torch.tensor([1, 2], device=device) < 1.5, [True, False], dtype="bool")
    nan = float("nan")
    check(torch.tensor([nan, 1.0], device=device) == torch.tensor([nan, 1.0], device=device), [False, True], dtype="bool")
    check(torch.tensor([nan, 1.0], device=device) != nan, [True, True], dtype="bool")
    check(torch.tensor([True, False], device=device) == True, [True, False], dtype="bool")  # noqa: E712


# ---------------------------------------------------------------- logical ops

@pytest.mark.parametrize("dtype", ["bool", "int64", "float32"])
def test_logical_ops(dtype, device):
    a = np.array([[0, 1, 2], [0, 0, 3]]).astype(dtype)
    b = np.array([1, 0, 5]).astype(dtype)
    ta, tb = make(a, dtype, device=device), make(b, dtype, device=device)
    check(torch.logical_and(ta, tb), np.logical_and(a, b), dtype="bool")
    check(torch.logical_or(ta, tb), np.logical_or(a, b), dtype="bool")
    check(torch.logical_xor(ta, tb), np.logical_xor(a, b), dtype="bool")
    check(torch.logical_not(ta), np.logical_not(a), dtype="bool")
    check(ta.logical_and(tb), np.logical_and(a, b), dtype="bool")
    check(ta.logical_not(), np.logical_not(a), dtype="bool")


def test_logical_mixed_dtypes(device):
    check(torch.logical_and(torch.tensor([1, 0, 2], device=device), torch.tensor([1.0, 1.0, 0.0], device=device)),
          [True, False, False], dtype="bool")


def test_bool_operators(device):
    a = torch.tensor([True, True, False, False], device=device)
    b = torch.tensor([True, False, True, False], device=device)
    check(a & b, [True, False, False, False], dtype="bool")
    check(a | b, [True, True, True, False], dtype="bool")
    check(a ^ b, [False, True, True, False], dtype="bool")
    check(~a, [False, False, True, True], dtype="bool")
    check(~torch.tensor([0, 5], device=device), [-1, -6], dtype="int64")
    with pytest.raises(TypeError):
        ~torch.tensor([0.0], device=device)


# ---------------------------------------------------------------- python operators with scalars

SCALAR_OPS = [
    ("add", operator.add), ("sub", operator.sub), ("mul", operator.mul), ("truediv", operator.truediv),
    ("floordiv", operator.floordiv), ("mod", operator.mod), ("pow", operator.pow),
]


@pytest.mark.parametrize("name, op", SCALAR_OPS, ids=[s[0] for s in SCALAR_OPS])
@pytest.mark.parametrize("scalar", [2, 2.5, -3])
def test_float_tensor_scalar_both_sides(name, op, scalar, device):
    a = rand((3, 4), "float32", seed=21, low=0.5, high=4)
    t = torch.tensor(a, device=device)
    a64 = a.astype(np.float64)
    check(op(t, scalar), op(a64, scalar), dtype="float32", rtol=1e-5, atol=1e-5)
    with np.errstate(invalid="ignore"):  # (-3) ** non-integer -> nan, as in torch
        expected = op(scalar, a64)
    check(op(scalar, t), expected, dtype="float32", rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name, op", SCALAR_OPS, ids=[s[0] for s in SCALAR_OPS])
def test_int_tensor_int_scalar_both_sides(name, op, device):
    a = np.array([[1, 2, 3], [4, 5, 7]])
    t = torch.tensor(a, device=device)
    out = "float32" if name == "truediv" else "int64"
    check(op(t, 3), op(a.astype(np.float64) if name == "truediv" else a, 3), dtype=out)
    check(op(3, t), op(3, a.astype(np.float64) if name == "truediv" else a), dtype=out)


def test_int_tensor_float_scalar(device):
    t = torch.tensor([1, 2, 3], device=device)
    check(t + 0.5, [1.5, 2.5, 3.5], dtype="float32")
    check(0.5 - t, [-0.5, -1.5, -2.5], dtype="float32")
    check(t * 1.5, [1.5, 3.0, 4.5], dtype="float32")
    check(2.0 ** t, [2.0, 4.0, 8.0], dtype="float32")
    check(7.5 // t, [7.0, 3.0, 2.0], dtype="float32")


def test_unary_python_operators(device):
    t = torch.tensor([-1.5, 2.0], device=device)
    check(-t, [1.5, -2.0])
    check(abs(t), [1.5, 2.0])
    check(+t, [-1.5, 2.0])


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("sa, sb", [((3,), (4,)), ((2, 3), (3, 2)), ((2, 3, 4), (5, 4))], ids=str)
def test_non_broadcastable_raises(sa, sb, device):
    with pytest.raises(RuntimeError):
        torch.zeros(sa, device=device) + torch.zeros(sb, device=device)
    with pytest.raises(RuntimeError):
        torch.mul(torch.zeros(sa, device=device), torch.zeros(sb, device=device))
    with pytest.raises(RuntimeError):
        torch.zeros(sa, device=device) < torch.zeros(sb, device=device)


# ---------------------------------------------------------------- in-place

def test_inplace_methods_return_self(device):
    a = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype=np.float32)
    t = torch.tensor(a, device=device)
    ptr = t.data_ptr()
    assert t.add_(1) is t
    a += 1
    check(t, a)
    assert t.mul_(torch.tensor([1.0, 2.0, 3.0], device=device)) is t
    a *= [1.0, 2.0, 3.0]
    check(t, a)
    assert t.sub_(0.5) is t
    a -= 0.5
    check(t, a)
    assert t.div_(4) is t
    a /= 4
    check(t, a)
    assert t.clamp_(-1, 1) is t
    a = np.clip(a, -1, 1)
    check(t, a)
    assert t.fill_(2.5) is t
    check(t, np.full((2, 3), 2.5))
    assert t.zero_() is t
    check(t, np.zeros((2, 3)))
    assert t.data_ptr() == ptr


def test_inplace_add_alpha_and_tensor(device):
    t = torch.tensor([1.0, 2.0], device=device)
    t.add_(torch.tensor([1.0, 1.0], device=device), alpha=3)
    check(t, [4.0, 5.0])
    t.sub_(torch.tensor([1.0, 2.0], device=device), alpha=2)
    check(t, [2.0, 1.0])


def test_augmented_assignment_keeps_identity(device):
    t = torch.tensor([1.0, 2.0, 3.0], device=device)
    orig = t
    t += 1
    t -= torch.tensor([0.5, 0.5, 0.5], device=device)
    t *= 2
    t /= 4
    assert t is orig
    check(t, (np.array([1.0, 2.0, 3.0]) + 1 - 0.5) * 2 / 4)
    i = torch.tensor([3, 7], device=device)
    orig = i
    i //= 2
    i %= 2
    assert i is orig
    check(i, [1, 1], dtype="int64")


def test_inplace_on_views_writes_base(device):
    base = torch.zeros(4, 4, device=device)
    a = np.zeros((4, 4), dtype=np.float32)
    base[:, 1].add_(3)
    a[:, 1] += 3
    base.t()[::2].mul_(2).add_(1)
    a.T[::2] = a.T[::2] * 2 + 1
    base[1:3, 1:3].clamp_(min=5)
    a[1:3, 1:3] = np.maximum(a[1:3, 1:3], 5)
    base[3].fill_(-1)
    a[3] = -1
    base[0, :2].zero_()
    a[0, :2] = 0
    check(base, a)


def test_inplace_keeps_dtype(device):
    t = torch.tensor([1.5], dtype=torch.float32, device=device)
    t.add_(torch.tensor(2.0, dtype=torch.float64, device=device))
    assert t.dtype == torch.float32
    i = torch.tensor([1], dtype=torch.int32, device=device)
    i.add_(torch.tensor([2], device=device))
    assert i.dtype == torch.int32
    check(i, [3], dtype="int32")
    f = torch.tensor([1.5], device=device)
    f.mul_(torch.tensor([2], device=device))
    check(f, [3.0], dtype="float32")
    u = torch.tensor([1], dtype=torch.uint8, device=device)
    u.sub_(2)
    check(u, [255], dtype="uint8")


def test_inplace_int_float_cast_errors(device):
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2], device=device).add_(1.5)
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2], device=device).add_(torch.tensor([1.0, 1.0], device=device))
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2], device=device).div_(2)
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2], device=device).clamp_(min=1.5)
    with pytest.raises(RuntimeError):
        torch.tensor([True], device=device).add_(1)
    t = torch.tensor([1, 2], device=device)
    with pytest.raises(RuntimeError):
        t += 1.5
    with pytest.raises(RuntimeError):
        t /= 2
    check(t, [1, 2], dtype="int64")  # unchanged after failed ops


def test_inplace_broadcast_errors(device):
    with pytest.raises(RuntimeError):
        torch.ones(3, device=device).add_(torch.ones(2, 3, device=device))
    with pytest.raises(RuntimeError):
        torch.ones(3, device=device).mul_(torch.ones(4, device=device))
    t = torch.ones(2, 3, device=device)
    t.add_(torch.tensor([1.0, 2.0, 3.0], device=device))  # broadcasting the other operand is fine
    check(t, [[2.0, 3.0, 4.0], [2.0, 3.0, 4.0]])


def test_fill_with_tensor(device):
    t = torch.zeros(3, device=device)
    t.fill_(torch.tensor(4.0, device=device))
    check(t, [4.0, 4.0, 4.0])
    with pytest.raises(RuntimeError):
        t.fill_(torch.tensor([1.0], device=device))
    i = torch.zeros(2, dtype=torch.int32, device=device)
    i.fill_(2.9)
    check(i, [2, 2], dtype="int32")


def test_foreign_operands_notimplemented_vs_typeerror(device):
    t = torch.tensor([1.0, 2.0], device=device)
    # operators give Python the chance to try the other operand
    assert t.__add__("x") is NotImplemented
    assert t.__rmul__(object()) is NotImplemented
    with pytest.raises(TypeError):
        t + "x"
    # named methods raise directly
    with pytest.raises(TypeError, match="add: expected Tensor or number, but got str"):
        t.add("x")
    check(t.sub(1, alpha=1), [0.0, 1.0])
    check(t.__rsub__(3), [2.0, 1.0])
