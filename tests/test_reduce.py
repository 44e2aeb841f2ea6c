"""Reductions, scans, softmax, sort/topk vs numpy."""

import math

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import check, make, rand, to_np


def variants(shape, dtype, seed=0, low=-5, high=5, device=None):
    a = rand(shape, dtype, seed=seed, low=low, high=high)
    out = [(a, make(a, dtype, device=device))]
    if len(shape) >= 2:
        b = rand(shape[::-1], dtype, seed=seed + 1, low=low, high=high)
        out.append((b.T, make(b, dtype, device=device).permute(*reversed(range(len(shape))))))
        c = rand((shape[0] * 2,) + shape[1:], dtype, seed=seed + 2, low=low, high=high)
        out.append((c[::2], make(c, dtype, device=device)[::2]))
    return out


DIMS = [None, 0, 1, -1, (0, 2), (0, 1, 2), (-1, 0)]


def _kw(dim, keepdim):
    kw = {}
    if dim is not None:
        kw["dim"] = dim
        kw["keepdim"] = keepdim
    return kw


def _np_kw(dim, keepdim):
    return dict(axis=dim, keepdims=keepdim if dim is not None else False)


# ---------------------------------------------------------------- sum / mean / prod

@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_sum(dim, keepdim, dtype, device):
    for a, t in variants((2, 3, 4), dtype, seed=1, device=device):
        out = dtype if dtype.startswith("float") else "int64"
        expected = a.sum(**_np_kw(dim, keepdim))
        check(t.sum(**_kw(dim, keepdim)), expected, dtype=out)
        check(torch.sum(t, **_kw(dim, keepdim)), expected, dtype=out)


def test_sum_positional_dim_and_list(device):
    a = rand((2, 3, 4), "float32", seed=2)
    t = torch.tensor(a, device=device)
    check(t.sum(1), a.sum(1))
    check(t.sum(1, True), a.sum(1, keepdims=True))
    check(t.sum([0, 2]), a.sum((0, 2)))
    check(torch.sum(t, (1,)), a.sum((1,)))


@pytest.mark.parametrize(
    "data, dtype, expected, out",
    [([200, 100], "uint8", 300, "int64"), ([True, True, False], "bool", 2, "int64"),
     ([1.5, 2.0], "float16", 3.5, "float16"), ([100, 100], "int8", 200, "int64"),
     ([1.5, 2.5], "bfloat16", 4.0, "bfloat16")],
)
def test_sum_dtype_promotion(data, dtype, expected, out, device):
    check(make(np.array(data), dtype, device=device).sum(), np.array(expected), dtype=out)


def test_sum_dtype_kwarg_and_empty(device):
    check(torch.tensor([1, 2], device=device).sum(dtype=torch.float64), np.array(3.0), dtype="float64")
    check(torch.zeros(0, device=device).sum(), np.array(0.0), dtype="float32")
    check(torch.zeros(0, 3, device=device).sum(0), np.zeros(3))
    check(torch.zeros(3, 0, device=device).sum(1), np.zeros(3))
    check(torch.tensor(3.0, device=device).sum(), np.array(3.0))
    check(torch.tensor(3.0, device=device).sum(0), np.array(3.0))


def test_sum_errors(device):
    with pytest.raises(IndexError):
        torch.tensor([1, 2], device=device).sum(1)
    with pytest.raises(RuntimeError):
        torch.ones(2, 3, device=device).sum((0, 0))


@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mean(dim, keepdim, dtype, device):
    for a, t in variants((2, 3, 4), dtype, seed=3, device=device):
        check(t.mean(**_kw(dim, keepdim)), a.mean(**_np_kw(dim, keepdim)), dtype=dtype)
        check(torch.mean(t, **_kw(dim, keepdim)), a.mean(**_np_kw(dim, keepdim)), dtype=dtype)


def test_mean_special(device):
    check(torch.tensor([1.0, 2.0], dtype=torch.float16, device=device).mean(), np.array(1.5), dtype="float16")
    check(torch.tensor([1, 2], device=device).mean(dtype=torch.float32), np.array(1.5), dtype="float32")
    assert math.isnan(torch.zeros(0, device=device).mean().item())
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2], device=device).mean()


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_prod(dim, dtype, device):
    for a, t in variants((3, 4), dtype, seed=4, low=-3, high=3, device=device):
        out = dtype if dtype.startswith("float") else "int64"
        if dim is None:
            check(t.prod(), np.prod(a), dtype=out)
        else:
            check(t.prod(dim), np.prod(a, axis=dim), dtype=out)
            check(torch.prod(t, dim, keepdim=True), np.prod(a, axis=dim, keepdims=True), dtype=out)


def test_prod_empty_and_bool(device):
    check(torch.zeros(0, device=device).prod(), np.array(1.0))
    check(torch.tensor([True, True], device=device).prod(), np.array(1), dtype="int64")


# ---------------------------------------------------------------- max / min / argmax / amax

@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "float16"])
def test_max_min_whole(dtype, device):
    for a, t in variants((3, 4), dtype, seed=5, device=device):
        check(t.max(), np.max(a), dtype=dtype)
        check(t.min(), np.min(a), dtype=dtype)
        check(torch.max(t), np.max(a), dtype=dtype)
        check(torch.min(t), np.min(a), dtype=dtype)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_max_min_dim(dim, keepdim, dtype, device):
    # distinct values so argmax is unique
    rng = np.random.default_rng(dim + 7)
    a = rng.permutation(24).reshape(2, 3, 4).astype(dtype)
    for arr, t in [(a, torch.tensor(a, device=device)),
                   (a.transpose(2, 1, 0), torch.tensor(a, device=device).permute(2, 1, 0))]:
        for fn, npv, npi in [("max", np.max, np.argmax), ("min", np.min, np.argmin)]:
            res = getattr(t, fn)(dim, keepdim=keepdim)
            ev = npv(arr, axis=dim, keepdims=keepdim)
            ei = npi(arr, axis=dim, keepdims=keepdim)
            check(res.values, ev, dtype=dtype)
            check(res.indices, ei, dtype="int64")
            values, indices = res  # tuple unpacking
            check(values, ev)
            check(indices, ei)
            assert isinstance(res, tuple) and len(res) == 2
            check(res[0], ev)
            check(res[1], ei)
            res2 = getattr(torch, fn)(t, dim=dim, keepdim=keepdim)
            check(res2.values, ev)
            check(res2.indices, ei)


def test_max_dim_ties_and_nan(device):
    r = torch.tensor([3, 1, 3], device=device).max(0)
    assert r.values.item() == 3 and r.indices.item() == 0
    r = torch.tensor([1, 3, 1], device=device).min(0)
    assert r.values.item() == 1 and r.indices.item() == 0
    nan = float("nan")
    assert math.isnan(torch.tensor([1.0, nan, 3.0], device=device).max().item())
    assert math.isnan(torch.tensor([1.0, nan, 3.0], device=device).min().item())
    r = torch.tensor([1.0, nan, 3.0], device=device).max(0)
    assert math.isnan(r.values.item()) and r.indices.item() == 1
    assert torch.tensor([1.0, nan, 3.0], device=device).argmax().item() == 1


def test_max_empty(device):
    with pytest.raises((RuntimeError, IndexError)):
        torch.zeros(0, device=device).max()
    r = torch.zeros(0, 3, device=device).max(1)
    assert r.values.shape == (0,) and r.indices.shape == (0,)


def test_max_0d_dim(device):
    r = torch.tensor(3.0, device=device).max(0)
    assert r.values.shape == () and r.values.item() == 3.0 and r.indices.item() == 0


@pytest.mark.parametrize("dtype", ["float32", "int64", "int8", "float64"])
def test_argmax_argmin(dtype, device):
    rng = np.random.default_rng(11)
    a = (rng.permutation(60) - 30).reshape(3, 4, 5).astype(dtype)
    t = torch.tensor(a, device=device)
    check(t.argmax(), np.argmax(a), dtype="int64")
    check(torch.argmin(t), np.argmin(a), dtype="int64")
    for d in [0, 1, 2, -1]:
        check(t.argmax(d), np.argmax(a, axis=d), dtype="int64")
        check(torch.argmin(t, dim=d), np.argmin(a, axis=d), dtype="int64")
        check(t.argmax(d, keepdim=True), np.argmax(a, axis=d, keepdims=True), dtype="int64")
    tt = t.transpose(0, 2)
    check(tt.argmax(), np.argmax(a.transpose(2, 1, 0)), dtype="int64")
    check(tt.argmin(1), np.argmin(a.transpose(2, 1, 0), axis=1), dtype="int64")


def test_argmax_ties_first(device):
    check(torch.tensor([3, 1, 3], device=device).argmax(), np.array(0))
    check(torch.tensor([[1, 5, 5], [7, 7, 2]], device=device).argmax(1), [1, 0])
    check(torch.tensor([[1, 5], [7, 2]], device=device).argmax(keepdim=True), [[2]])


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 2), (0, 1, 2)], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "int64", "int16"])
def test_amax_amin(dim, keepdim, dtype, device):
    for a, t in variants((2, 3, 4), dtype, seed=6, device=device):
        kw = {} if dim is None else dict(dim=dim, keepdim=keepdim)
        nkw = dict(axis=dim, keepdims=keepdim if dim is not None else False)
        check(t.amax(**kw), np.amax(a, **nkw), dtype=dtype)
        check(torch.amin(t, **kw), np.amin(a, **nkw), dtype=dtype)


# ---------------------------------------------------------------- std / var

@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), -1], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_std_var(dim, dtype, device):
    for a, t in variants((4, 5), dtype, seed=8, device=device):
        a64 = a.astype(np.float64)
        if dim is None:
            check(t.std(), np.std(a64, ddof=1), dtype=dtype)
            check(t.var(), np.var(a64, ddof=1), dtype=dtype)
            check(t.std(unbiased=False), np.std(a64), dtype=dtype)
            check(torch.var(t, unbiased=False), np.var(a64), dtype=dtype)
            check(t.var(correction=0), np.var(a64), dtype=dtype)
            check(t.std(correction=2), np.std(a64, ddof=2), dtype=dtype)
        else:
            check(t.std(dim), np.std(a64, axis=dim, ddof=1), dtype=dtype)
            check(t.var(dim, keepdim=True), np.var(a64, axis=dim, ddof=1, keepdims=True), dtype=dtype)
            check(t.var(dim, unbiased=False), np.var(a64, axis=dim), dtype=dtype)
            check(torch.std(t, dim=dim, correction=0), np.std(a64, axis=dim), dtype=dtype)
            check(t.var(dim=dim, correction=2, keepdim=True),
                  np.var(a64, axis=dim, ddof=2, keepdims=True), dtype=dtype)


def test_std_var_literals(device):
    x = torch.tensor([1.0, 2.0, 4.0], device=device)
    check(x.var(), np.array(7.0 / 3.0))
    check(x.std(unbiased=False), np.array(np.sqrt(14.0 / 9.0)))
    check(torch.tensor([[1.0, 2.0, 4.0]], device=device).var(1, False), [14.0 / 9.0])
    assert math.isnan(torch.tensor([1.0], device=device).std().item())
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2], device=device).std()


# ---------------------------------------------------------------- norm

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_norm(dtype, device):
    for a, t in variants((3, 4), dtype, seed=9, device=device):
        a64 = a.astype(np.float64)
        check(t.norm(), np.sqrt((a64 ** 2).sum()), dtype=dtype)
        check(torch.norm(t), np.sqrt((a64 ** 2).sum()), dtype=dtype)
        check(t.norm(p=1), np.abs(a64).sum(), dtype=dtype)
        check(t.norm(p="fro"), np.sqrt((a64 ** 2).sum()), dtype=dtype)
        check(t.norm(p=float("inf")), np.abs(a64).max(), dtype=dtype)
        check(t.norm(dim=1), np.sqrt((a64 ** 2).sum(1)), dtype=dtype)
        check(t.norm(p=1, dim=0), np.abs(a64).sum(0), dtype=dtype)
        check(t.norm(dim=0, keepdim=True), np.sqrt((a64 ** 2).sum(0, keepdims=True)), dtype=dtype)
        check(t.norm(p=3), (np.abs(a64) ** 3).sum() ** (1 / 3), dtype=dtype)


def test_norm_literals(device):
    check(torch.tensor([3.0, 4.0], device=device).norm(), np.array(5.0))
    check(torch.tensor([3.0, -4.0], device=device).norm(p=1), np.array(7.0))
    check(torch.zeros(0, device=device).norm(), np.array(0.0))


# ---------------------------------------------------------------- all / any

@pytest.mark.parametrize("dtype", ["bool", "int64", "float32", "int32"])
def test_all_any(dtype, device):
    a = np.array([[0, 1, 2], [3, 4, 5]]).astype(dtype)
    b = np.array([[0, 0, 2], [0, 0, 0]]).astype(dtype)
    for arr in (a, b, np.ones((2, 3), dtype=dtype)):
        t = make(arr, dtype, device=device)
        check(t.all(), np.all(arr), dtype="bool")
        check(t.any(), np.any(arr), dtype="bool")
        check(torch.all(t), np.all(arr), dtype="bool")
        for d in (0, 1, -1):
            check(t.all(d), np.all(arr, axis=d), dtype="bool")
            check(t.any(dim=d, keepdim=True), np.any(arr, axis=d, keepdims=True), dtype="bool")
        check(t.t().any(0), np.any(arr.T, axis=0), dtype="bool")


def test_all_any_empty_and_uint8(device):
    check(torch.zeros(0, device=device).all(), np.array(True), dtype="bool")
    check(torch.zeros(0, device=device).any(), np.array(False), dtype="bool")
    # uint8 input keeps uint8 output in PyTorch
    check(torch.tensor([1, 2], dtype=torch.uint8, device=device).all(), np.array(1), dtype="uint8")
    u = torch.tensor([[0, 3], [0, 0]], dtype=torch.uint8, device=device)
    check(u.any(1), [1, 0], dtype="uint8")
    check(u.all(0, keepdim=True), [[0, 0]], dtype="uint8")
    check(torch.any(u), np.array(1), dtype="uint8")
    check(torch.zeros(0, dtype=torch.uint8, device=device).all(), np.array(1), dtype="uint8")
    check(torch.tensor([1, 2], dtype=torch.int8, device=device).all(), np.array(True), dtype="bool")


# ---------------------------------------------------------------- cumsum

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_cumsum(dim, dtype, device):
    for a, t in variants((3, 4), dtype, seed=10, device=device):
        out = dtype if dtype.startswith("float") else "int64"
        expected = np.cumsum(a.astype(np.int64) if dtype == "bool" else a, axis=dim)
        check(t.cumsum(dim), expected, dtype=out)
        check(torch.cumsum(t, dim=dim), expected, dtype=out)


def test_cumsum_misc(device):
    check(torch.tensor([1, 2], device=device).cumsum(0, dtype=torch.float32), [1.0, 3.0], dtype="float32")
    check(torch.tensor([1.0, 2.0], dtype=torch.float16, device=device).cumsum(0), [1.0, 3.0], dtype="float16")
    check(torch.tensor(5, device=device).cumsum(0), np.array(5))
    check(torch.zeros(0, device=device).cumsum(0), np.zeros(0))


# ---------------------------------------------------------------- logsumexp / softmax

def _np_logsumexp(a, axis, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logsumexp(dim, dtype, device):
    for a, t in variants((3, 4), dtype, seed=12, device=device):
        a64 = a.astype(np.float64)
        check(torch.logsumexp(t, dim), _np_logsumexp(a64, dim), dtype=dtype)
        check(t.logsumexp(dim, keepdim=True), _np_logsumexp(a64, dim, True), dtype=dtype)


def test_logsumexp_stable(device):
    check(torch.logsumexp(torch.tensor([1000.0, 1000.0], device=device), 0), np.array(1000.0 + np.log(2)))
    check(torch.logsumexp(torch.tensor([-1000.0, -1000.0], device=device), 0), np.array(-1000.0 + np.log(2)))
    assert torch.logsumexp(torch.tensor([-math.inf, -math.inf], device=device), 0).item() == -math.inf
    check(torch.logsumexp(torch.tensor([1, 2], device=device), 0), np.array(np.log(np.e + np.e ** 2)), dtype="float32")


def _np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_log_softmax(dim, dtype, device):
    for a, t in variants((2, 3, 4), dtype, seed=13, low=-10, high=10, device=device):
        a64 = a.astype(np.float64)
        sm = _np_softmax(a64, dim)
        check(torch.softmax(t, dim), sm, dtype=dtype)
        check(t.softmax(dim), sm, dtype=dtype)
        check(torch.softmax(t, dim=dim), sm, dtype=dtype)
        check(torch.log_softmax(t, dim), np.log(sm), dtype=dtype)
        check(t.log_softmax(dim=dim), np.log(sm), dtype=dtype)


def test_softmax_stable_and_misc(device):
    check(torch.softmax(torch.tensor([1000.0, 1000.0, -1000.0], device=device), 0), [0.5, 0.5, 0.0], atol=1e-7)
    check(torch.log_softmax(torch.tensor([1000.0, 0.0], device=device), 0), [0.0, -1000.0])
    check(torch.softmax(torch.tensor([1, 2], device=device), 0, dtype=torch.float64), _np_softmax(np.array([1.0, 2.0]), 0),
          dtype="float64")
    check(torch.softmax(torch.tensor(1.0, device=device), 0), np.array(1.0))
    r = torch.softmax(torch.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=torch.float16, device=device), 1)
    check(r, _np_softmax(np.array([[1.0, 2.0], [3.0, 5.0]]), 1), dtype="float16")


# ---------------------------------------------------------------- sort / topk

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "int64", "float64", "int16"])
def test_sort_distinct(dim, descending, dtype, device):
    rng = np.random.default_rng(14 + dim)
    a = (rng.permutation(30) - 10).reshape(5, 6).astype(dtype)
    for arr, t in [(a, torch.tensor(a, device=device)), (a.T, torch.tensor(a, device=device).t())]:
        key = -arr if descending else arr
        ei = np.argsort(key, axis=dim, kind="stable")
        ev = np.take_along_axis(arr, ei, axis=dim)
        res = t.sort(dim=dim, descending=descending)
        check(res.values, ev, dtype=dtype)
        check(res.indices, ei, dtype="int64")
        v, i = torch.sort(t, dim, descending)
        check(v, ev)
        check(i, ei)


def test_sort_stable_with_ties(device):
    a = np.array([3, 1, 2, 1, 3, 2, 1])
    r = torch.sort(torch.tensor(a, device=device), stable=True)
    check(r.values, np.sort(a))
    check(r.indices, np.argsort(a, kind="stable"))
    r = torch.tensor(a, device=device).sort(descending=True, stable=True)
    check(r.values, [3, 3, 2, 2, 1, 1, 1])
    check(r.indices, [0, 4, 2, 5, 1, 3, 6])


def test_sort_default_and_nan(device):
    r = torch.tensor([3, 1, 2], device=device).sort()
    check(r.values, [1, 2, 3])
    check(r.indices, [1, 2, 0])
    nan = float("nan")
    r = torch.sort(torch.tensor([3.0, nan, 2.0], device=device))
    check(r.values, [2.0, 3.0, nan])
    check(r.indices, [2, 0, 1])
    r = torch.sort(torch.tensor([3.0, nan, 2.0], device=device), descending=True)
    check(r.values, [nan, 3.0, 2.0])
    check(torch.argsort(torch.tensor([3, 1, 2], device=device)), [1, 2, 0])


@pytest.mark.parametrize("k", [1, 3, 6])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("largest", [True, False])
def test_topk(k, dim, largest, device):
    rng = np.random.default_rng(k * 10 + dim)
    a = rng.permutation(48).reshape(6, 8).astype(np.float32)
    t = torch.tensor(a, device=device)
    key = -a if largest else a
    ei = np.take(np.argsort(key, axis=dim, kind="stable"), np.arange(k), axis=dim)
    ev = np.take_along_axis(a, ei, axis=dim)
    res = t.topk(k, dim=dim, largest=largest)
    check(res.values, ev, dtype="float32")
    check(res.indices, ei, dtype="int64")
    v, i = torch.topk(t, k, dim, largest)
    check(v, ev)
    check(i, ei)


def test_topk_misc(device):
    r = torch.tensor([3, 1, 2, 5], device=device).topk(2)
    check(r.values, [5, 3], dtype="int64")
    check(r.indices, [3, 0])
    r = torch.tensor([3, 1, 2, 5], device=device).topk(0)
    assert r.values.shape == (0,) and r.indices.dtype == torch.int64
    with pytest.raises(RuntimeError):
        torch.tensor([3, 1, 2, 5], device=device).topk(5)
    t = torch.tensor([[1.0, 9.0, 5.0], [7.0, 2.0, 8.0]], device=device).t()  # non-contiguous
    r = t.topk(1, dim=0)
    check(r.values, [[9.0, 8.0]])
    check(r.indices, [[1, 2]])


# ---------------------------------------------------------------- reductions over an empty dim

@pytest.mark.parametrize(
    "name, fn, expected, dtype",
    [
        ("sum", lambda t: t.sum(1), np.zeros(3), "float32"),
        ("mean", lambda t: t.mean(1), np.full(3, np.nan), "float32"),
        ("prod", lambda t: t.prod(1), np.ones(3), "float32"),
        ("std", lambda t: t.std(1), np.full(3, np.nan), "float32"),
        ("any", lambda t: t.any(1), np.zeros(3, bool), "bool"),
        ("all", lambda t: t.all(1), np.ones(3, bool), "bool"),
        ("norm", lambda t: t.norm(dim=1), np.zeros(3), "float32"),
        ("logsumexp", lambda t: torch.logsumexp(t, 1), np.full(3, -np.inf), "float32"),
        ("cumsum", lambda t: t.cumsum(1), np.zeros((3, 0)), "float32"),
        ("sum_keepdim", lambda t: t.sum(1, keepdim=True), np.zeros((3, 1)), "float32"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_reduce_over_empty_dim(name, fn, expected, dtype, device):
    check(fn(torch.zeros(3, 0, device=device)), expected, dtype=dtype)


def test_reduce_empty_dim_without_identity_raises(device):
    with pytest.raises((RuntimeError, IndexError)):
        torch.zeros(0, 3, device=device).amax(0)
    with pytest.raises((RuntimeError, IndexError)):
        torch.zeros(0, device=device).argmax()
