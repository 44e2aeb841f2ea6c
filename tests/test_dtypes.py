"""dtypes, conversions and type promotion (PyTorch semantics; numpy for values)."""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import DTYPE_NAMES, FLOAT_NAMES, INT_NAMES, NP_DTYPES, check, make, rand, tdt, to_np


# ------------------------------------------------------------------ dtype objects

@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_repr_str(name):
    dt = tdt(name)
    assert repr(dt) == f"torch.{name}"
    assert str(dt) == f"torch.{name}"


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_is_floating_point(name):
    assert tdt(name).is_floating_point == (name in FLOAT_NAMES)


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_tensor_is_floating_point(name, device):
    assert torch.zeros(2, dtype=tdt(name), device=device).is_floating_point() == (name in FLOAT_NAMES)


@pytest.mark.parametrize(
    "name, itemsize",
    [("float32", 4), ("float64", 8), ("float16", 2), ("bfloat16", 2), ("int64", 8),
     ("int32", 4), ("int16", 2), ("int8", 1), ("uint8", 1), ("bool", 1)],
)
def test_dtype_itemsize(name, itemsize):
    assert tdt(name).itemsize == itemsize


def test_dtype_is_signed():
    assert torch.int8.is_signed and torch.float32.is_signed and torch.int64.is_signed
    assert not torch.uint8.is_signed
    assert not torch.bool.is_signed


def test_dtype_aliases_and_equality():
    assert torch.float is torch.float32
    assert torch.double is torch.float64
    assert torch.half is torch.float16
    assert torch.long is torch.int64
    assert torch.int is torch.int32
    assert torch.short is torch.int16
    assert torch.float32 == torch.float32
    assert torch.float32 != torch.float64
    assert torch.int32 != torch.int64
    assert len({torch.float32, torch.float64, torch.float32}) == 2


def test_default_dtype():
    assert torch.get_default_dtype() == torch.float32


# ------------------------------------------------------------------ conversions

@pytest.mark.parametrize("src", DTYPE_NAMES)
@pytest.mark.parametrize("dst", DTYPE_NAMES)
def test_to_dtype_all_pairs(src, dst, device):
    # small non-negative integers are exact in every dtype
    base = np.array([[0, 1, 2], [3, 0, 1]])
    if src == "bool":
        base = base > 0
    t = make(base, src, device=device)
    r = t.to(tdt(dst))
    assert r.dtype == tdt(dst)
    assert r.shape == (2, 3)
    expected = base.astype(np.bool_) if dst == "bool" else base.astype(np.float64)
    np.testing.assert_array_equal(to_np(r).astype(expected.dtype), expected)


@pytest.mark.parametrize(
    "method, name",
    [("float", "float32"), ("double", "float64"), ("half", "float16"), ("bfloat16", "bfloat16"),
     ("long", "int64"), ("int", "int32"), ("short", "int16"), ("char", "int8"), ("byte", "uint8"),
     ("bool", "bool")],
)
def test_conversion_methods(method, name, device):
    t = torch.tensor([[0.0, 1.0], [2.0, 3.0]], dtype=torch.float64, device=device)
    r = getattr(t, method)()
    assert r.dtype == tdt(name)
    expected = np.array([[0, 1], [2, 3]])
    if name == "bool":
        expected = expected != 0
    np.testing.assert_array_equal(to_np(r), expected)


def test_float_to_int_truncates_toward_zero(device):
    t = torch.tensor([1.7, -1.7, 2.5, -0.5, 0.0], device=device)
    check(t.long(), [1, -1, 2, 0, 0], dtype="int64")
    check(t.int(), [1, -1, 2, 0, 0], dtype="int32")
    check(t.to(torch.int8), [1, -1, 2, 0, 0], dtype="int8")


def test_to_bool_nonzero(device):
    t = torch.tensor([0.0, -0.1, 2.5, float("nan"), -0.0], device=device)
    check(t.bool(), [False, True, True, True, False], dtype="bool")
    check(torch.tensor([0, 3, -2], device=device).bool(), [False, True, True], dtype="bool")


def test_bool_to_numbers(device):
    t = torch.tensor([True, False, True], device=device)
    check(t.float(), [1.0, 0.0, 1.0], dtype="float32")
    check(t.long(), [1, 0, 1], dtype="int64")


def test_integer_narrowing_wraps(device):
    t = torch.tensor([200, 300, -129, 127], device=device)
    check(t.to(torch.int8), np.array([200, 300, -129, 127]).astype(np.int8), dtype="int8")
    check(torch.tensor([256, 257, 255], device=device).to(torch.uint8), [0, 1, 255], dtype="uint8")


def test_float16_and_bfloat16_rounding(device):
    t = torch.tensor([1 / 3, 1000.1, 65504.0], dtype=torch.float64, device=device)
    h = t.half()
    np.testing.assert_array_equal(to_np(h), np.array([1 / 3, 1000.1, 65504.0]).astype(np.float16))
    assert h.to(torch.float64).tolist()[0] == float(np.float16(1 / 3))
    b = t.bfloat16()
    assert b.dtype == torch.bfloat16
    # bfloat16(1/3) = 0.333984375 (round to nearest even of the 8-bit mantissa)
    assert b[0].item() == 0.333984375
    assert b.float()[2].item() == 65536.0


def test_float_overflow_to_half_is_inf(device):
    h = torch.tensor([1e6, -1e6], device=device).half()
    assert np.all(np.isinf(to_np(h)))


def test_conversion_noncontiguous_and_empty(device):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = torch.tensor(a, device=device).t()
    check(t.double(), a.T.astype(np.float64), dtype="float64")
    check(torch.tensor(a, device=device)[:, ::2].long(), a[:, ::2].astype(np.int64), dtype="int64")
    e = torch.zeros(0, 3, device=device).long()
    assert e.dtype == torch.int64 and e.shape == (0, 3)
    z = torch.tensor(2.75, device=device).int()
    assert z.shape == () and z.item() == 2


def test_to_same_dtype_returns_self(device):
    t = torch.tensor([1.0, 2.0], device=device)
    assert t.to(torch.float32) is t
    assert t.float() is t
    assert t.to(device) is t
    r = t.to(torch.float64)
    assert r is not t


def test_to_copy_kwarg(device):
    t = torch.tensor([1.0, 2.0], device=device)
    c = t.to(torch.float32, copy=True)
    assert c is not t
    c[0] = 5.0
    assert t[0].item() == 1.0


def test_to_conversion_does_not_alias(device):
    t = torch.tensor([1, 2, 3], device=device)
    f = t.float()
    f[0] = 10.0
    assert t[0].item() == 1


def test_to_variants(device):
    t = torch.tensor([1, 2], device=device)
    assert t.to(torch.tensor([1.0], dtype=torch.float64, device=device)).dtype == torch.float64
    assert t.to(device=device, dtype=torch.float16).dtype == torch.float16
    assert t.to(device, torch.float64).dtype == torch.float64
    assert t.to(dtype=torch.int8).dtype == torch.int8
    assert t.type_as(torch.tensor([1.0], device=device)).dtype == torch.float32


# ------------------------------------------------------------------ promotion

T = lambda data, name=None: make(np.array(data), name)  # noqa: E731


@pytest.mark.parametrize(
    "a, b, expected",
    [
        # tensor op python scalar
        ((["int64"], 1.5), None, "float32"),
        ((["int32"], 1), None, "int32"),
        ((["int8"], 1), None, "int8"),
        ((["uint8"], 1), None, "uint8"),
        ((["float16"], 1.5), None, "float16"),
        ((["bfloat16"], 1.5), None, "bfloat16"),
        ((["float64"], 1.5), None, "float64"),
        ((["bool"], 1), None, "int64"),
        ((["bool"], 1.5), None, "float32"),
        ((["int8"], True), None, "int8"),
        # tensor op tensor (both dimensioned)
        ((["uint8"], ["int8"]), None, "int16"),
        ((["uint8"], ["int16"]), None, "int16"),
        ((["uint8"], ["int64"]), None, "int64"),
        ((["uint8"], ["bool"]), None, "uint8"),
        ((["bool"], ["int64"]), None, "int64"),
        ((["int32"], ["int64"]), None, "int64"),
        ((["float32"], ["float64"]), None, "float64"),
        ((["float16"], ["bfloat16"]), None, "float32"),
        ((["float16"], ["int64"]), None, "float16"),
        ((["int64"], ["float32"]), None, "float32"),
        # zero-dim tensors count like scalars unless of a higher category
        ((["int32"], ("int64",)), None, "int32"),
        ((["int16"], ("int64",)), None, "int16"),
        ((["float32"], ("float64",)), None, "float32"),
        ((["float16"], ("float64",)), None, "float16"),
        ((["float16"], ("int32",)), None, "float16"),
        ((["int32"], ("float64",)), None, "float64"),
        ((("int32",), ("float16",)), None, "float16"),
        ((("int64",), ("float64",)), None, "float64"),
    ],
)
def test_promotion_add(a, b, expected, device):
    def build(spec):
        if isinstance(spec, list):
            return make(np.array([1, 0, 1]), spec[0], device=device)
        if isinstance(spec, tuple):
            return make(np.array(1), spec[0], device=device)
        return spec

    x, y = build(a[0]), build(a[1])
    r = x + y
    assert r.dtype == tdt(expected), f"{x.dtype} + {y!r} -> {r.dtype}, expected {expected}"
    assert torch.result_type(x, y) == tdt(expected)
    # reflected order gives the same dtype
    assert (y + x).dtype == tdt(expected)
    assert (x * y).dtype == tdt(expected)


@pytest.mark.parametrize(
    "a, b, expected",
    [(torch.uint8, torch.int8, torch.int16), (torch.int32, torch.float16, torch.float16),
     (torch.bool, torch.int8, torch.int8), (torch.bfloat16, torch.float16, torch.float32),
     (torch.int64, torch.float32, torch.float32), (torch.float64, torch.int8, torch.float64)],
)
def test_promote_types(a, b, expected):
    assert torch.promote_types(a, b) == expected
    assert torch.promote_types(b, a) == expected


def test_result_type_scalars(device):
    assert torch.result_type(torch.tensor([1, 2], device=device), 1.5) == torch.float32
    assert torch.result_type(torch.tensor([1], dtype=torch.int8, device=device), True) == torch.int8
    assert torch.result_type(torch.tensor([1], dtype=torch.int8, device=device), 5) == torch.int8
    assert torch.result_type(torch.tensor([1.0], dtype=torch.float16, device=device), 5) == torch.float16


def test_int_scalar_wraps_in_small_int_tensor(device):
    check(torch.tensor([0], dtype=torch.uint8, device=device) - 1, [255], dtype="uint8")
    check(torch.tensor([0], dtype=torch.uint8, device=device) + 300, [44], dtype="uint8")
    check(torch.tensor([0], dtype=torch.int8, device=device) + 1000, [-24], dtype="int8")


@pytest.mark.parametrize("name", INT_NAMES + ["bool"])
def test_true_division_of_ints_is_float32(name, device):
    x = make(np.array([1, 4, 0]) if name != "bool" else np.array([True, True, False]), name, device=device)
    y = make(np.array([2, 3, 1]) if name != "bool" else np.array([True, True, True]), name, device=device)
    r = x / y
    assert r.dtype == torch.float32
    np.testing.assert_allclose(to_np(r), to_np(x).astype(np.float64) / to_np(y), rtol=1e-6)
    assert torch.div(x, y).dtype == torch.float32
    assert (x / 2).dtype == torch.float32


def test_float16_division_stays_float16(device):
    x = torch.tensor([1.0, 3.0], dtype=torch.float16, device=device)
    r = x / 2
    assert r.dtype == torch.float16
    check(r, [0.5, 1.5])


def test_comparison_result_is_bool(device):
    for name in ["float32", "int32", "uint8", "float16", "bool"]:
        x = make(np.array([0, 1]), name, device=device)
        assert (x > 0).dtype == torch.bool
        assert (x == x).dtype == torch.bool
        assert (x < 1.5).dtype == torch.bool


def test_promotion_values_mixed(device):
    x = torch.tensor([1, 2, 3], dtype=torch.int32, device=device)
    y = torch.tensor([0.5, 0.25, 0.125], dtype=torch.float64, device=device)
    check(x * y, np.array([0.5, 0.5, 0.375]), dtype="float64")
    u = torch.tensor([200, 100], dtype=torch.uint8, device=device)
    i = torch.tensor([-100, 100], dtype=torch.int8, device=device)
    # uint8 + int8 computed in int16: no wraparound
    check(u + i, [100, 200], dtype="int16")


@pytest.mark.parametrize("name", FLOAT_NAMES + INT_NAMES)
def test_unary_float_ops_on_ints_give_float32(name, device):
    x = make(np.array([1, 4, 9]), name, device=device)
    r = torch.sqrt(x)
    expected_dtype = tdt(name) if name in FLOAT_NAMES else torch.float32
    assert r.dtype == expected_dtype
    check(r, [1.0, 2.0, 3.0])
    assert torch.exp(x).dtype == expected_dtype
    assert torch.sigmoid(x).dtype == expected_dtype


def test_pow_dtypes(device):
    x = torch.tensor([2, 3], dtype=torch.int32, device=device)
    check(x ** 2, [4, 9], dtype="int32")
    check(x ** 0.5, np.sqrt([2.0, 3.0]), dtype="float32")
    check(2 ** torch.tensor([2, 3], device=device), [4, 8], dtype="int64")
    check(2.0 ** torch.tensor([2, 3], device=device), [4.0, 8.0], dtype="float32")
    with pytest.raises(RuntimeError):
        torch.tensor([2, 3], device=device) ** -1


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_clone_and_arith_keep_dtype(name, device):
    a = rand((3, 2), name, seed=5, low=0, high=4)
    t = make(a, name, device=device)
    assert t.clone().dtype == tdt(name)
    if name != "bool":
        assert (t + t).dtype == tdt(name)
        assert (t * t).dtype == tdt(name)
        np.testing.assert_allclose(to_np(t + t).astype(np.float64), a.astype(np.float64) * 2)
