"""torch.autocast (automatic mixed precision): the thread's autocast state and
its API, and the casts ops make under it.

Two references: explicit casts (``mm`` under CPU autocast must equal
``a.bfloat16() @ b.bfloat16()`` exactly, gradients included), which need no
PyTorch; and PyTorch itself where it is installed (output dtypes, values,
gradients, errors and warnings of the same scenarios)."""

from __future__ import annotations

import functools
import threading
import warnings

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import outcome

FLOATS = ["float32", "bfloat16", "float16", "float64"]
AC_DTYPES = ["bfloat16", "float16"]


@pytest.fixture(autouse=True)
def _fresh_state():
    # A failing test must not leave autocast on for the next ones.
    yield
    for dev in ("cpu", "cuda"):
        torch.set_autocast_enabled(dev, False)
    torch.set_autocast_dtype("cpu", torch.bfloat16)
    torch.set_autocast_dtype("cuda", torch.float16)
    torch.set_autocast_cache_enabled(True)
    while torch.autocast_decrement_nesting() > 0:
        pass
    torch.autocast_increment_nesting()
    torch.clear_autocast_cache()


def real_torch():
    return pytest.importorskip("torch")


def data(shape, seed):
    # Values exact in bfloat16 and float16 (multiples of 1/8 below 4), so
    # that input casts lose nothing and the libraries see the same numbers.
    rng = np.random.default_rng(seed)
    return (rng.integers(-24, 25, size=shape) / 8.0).astype(np.float64)


def make(T, arr, dtype, requires_grad=False):
    return T.tensor(arr, dtype=getattr(T, dtype), requires_grad=requires_grad)


def summary(x):
    """A comparable view of an op's result: dtype name and float64 values."""
    if isinstance(x, (tuple, list)):
        return [summary(v) for v in x]
    return str(x.dtype).replace("torch.", ""), np.asarray(x.detach().double().tolist())


def assert_same(got, want):
    if isinstance(want, tuple) and len(want) == 2 and isinstance(want[0], str) and isinstance(want[1], str):
        assert got == want  # both raised: same type and message
        return
    assert not (isinstance(got, tuple) and isinstance(got[1], str)), f"raised {got}, expected {want}"
    if want is None:
        assert got is None
        return
    if isinstance(want, list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w)
        return
    (gd, gv), (wd, wv) = got, want
    assert gd == wd, f"dtype {gd} != {wd}"
    tol = {"bfloat16": 1e-2, "float16": 2e-3}.get(gd, 1e-6)
    np.testing.assert_allclose(gv, wv, rtol=tol, atol=tol)


# ---------------------------------------------------------------- ops
# Each op takes the library and two [3, 4] tensors.

OPS = {
    "mm": lambda T, a, b: T.mm(a, b.t()),
    "bmm": lambda T, a, b: T.bmm(a.unsqueeze(0), b.t().unsqueeze(0)),
    "matmul": lambda T, a, b: T.matmul(a, b.t()),
    "matmul_op": lambda T, a, b: a @ b.t(),
    "matmul_vv": lambda T, a, b: a[0] @ b[1],
    "matmul_mv": lambda T, a, b: a @ b[0],
    "matmul_vm": lambda T, a, b: a[:, 0] @ b,
    "matmul_batched": lambda T, a, b: a.reshape(3, 1, 4) @ b.reshape(3, 4, 1),
    "matmul_broadcast": lambda T, a, b: a.unsqueeze(0).expand(2, 3, 4) @ b.t(),
    "Tensor.mm": lambda T, a, b: a.mm(b.t()),
    "prod": lambda T, a, b: T.prod(a),
    "prod_dim": lambda T, a, b: a.prod(1, keepdim=True),
    "prod_dtype": lambda T, a, b: a.prod(0, dtype=T.float64),
    "cat": lambda T, a, b: T.cat([a, b]),
    "cat_dim": lambda T, a, b: T.cat([a, b, a], 1),
    "concat": lambda T, a, b: T.concat([a, b]),
    "stack": lambda T, a, b: T.stack([a, b], 1),
    "hstack": lambda T, a, b: T.hstack([a, b]),
    "vstack": lambda T, a, b: T.vstack([a, b]),
    "dstack": lambda T, a, b: T.dstack([a, b]),
    "column_stack": lambda T, a, b: T.column_stack([a[0], b[0]]),
    # On no CPU list: these run in their input dtypes.
    "add": lambda T, a, b: a + b,
    "mul": lambda T, a, b: a * b,
    "div": lambda T, a, b: a / b.abs().add(1),
    "pow": lambda T, a, b: a.abs() ** b,
    "pow_scalar": lambda T, a, b: a ** 2,
    "rpow": lambda T, a, b: 2 ** a,
    "square": lambda T, a, b: T.square(a),
    "exp": lambda T, a, b: a.exp(),
    "log": lambda T, a, b: a.abs().add(1).log(),
    "rsqrt": lambda T, a, b: a.abs().add(1).rsqrt(),
    "reciprocal": lambda T, a, b: a.abs().add(1).reciprocal(),
    "tan": lambda T, a, b: (a / 4).tan(),
    "sum": lambda T, a, b: a.sum(),
    "sum_dim": lambda T, a, b: a.sum(1),
    "mean": lambda T, a, b: a.mean(0),
    "softmax": lambda T, a, b: a.softmax(1),
    "log_softmax": lambda T, a, b: T.log_softmax(a, 0),
    "cumsum": lambda T, a, b: a.cumsum(1),
    "cumprod": lambda T, a, b: a.cumprod(1),
    "norm": lambda T, a, b: a.norm(),
    "logsumexp": lambda T, a, b: a.logsumexp(1),
    "dot": lambda T, a, b: T.dot(a[0], b[0]),
    "outer": lambda T, a, b: T.outer(a[0], b[0]),
    "where": lambda T, a, b: T.where(a > 0, a, b),
    "var": lambda T, a, b: a.var(1),
}

# PyTorch's CPU autocast policies for the ops above that are on a list.
CPU_POLICY = {
    **dict.fromkeys(
        ["mm", "bmm", "matmul", "matmul_op", "matmul_vv", "matmul_mv", "matmul_vm", "matmul_batched",
         "matmul_broadcast", "Tensor.mm"],
        "lower",
    ),
    **dict.fromkeys(["prod", "prod_dim", "prod_dtype"], "fp32"),
    **dict.fromkeys(["cat", "cat_dim", "concat", "stack", "hstack", "vstack", "dstack", "column_stack"], "promote"),
}

DTYPE_PAIRS = [
    ("float32", "float32"), ("bfloat16", "bfloat16"), ("float16", "float16"), ("float64", "float64"),
    ("float32", "bfloat16"), ("bfloat16", "float32"), ("float16", "float32"), ("float32", "float16"),
    ("float64", "float32"), ("float32", "float64"), ("bfloat16", "float64"), ("int64", "int64"),
    ("float32", "int64"),
]

CASES = [(name, pair) for name in OPS for pair in DTYPE_PAIRS]
CASE_IDS = [f"{name}-{p[0]}-{p[1]}" for name, p in CASES]


def inputs(T, pair, requires_grad=False):
    a = make(T, data((3, 4), 1), pair[0], requires_grad and pair[0] in FLOATS)
    b = make(T, data((3, 4), 2), pair[1], requires_grad and pair[1] in FLOATS)
    return a, b


def cast_like_autocast(name, a, b, ac_dtype):
    """The inputs an op on CPU_POLICY runs with under CPU autocast, made with
    explicit casts: only float32/float16/bfloat16 tensors are cast."""
    policy = CPU_POLICY.get(name)
    ac = getattr(torch, ac_dtype)
    eligible = (torch.float32, torch.bfloat16, torch.float16)

    def cast(t, to):
        return t.to(to) if t.dtype in eligible else t

    if policy == "lower":
        return cast(a, ac), cast(b, ac)
    if policy == "fp32":
        return cast(a, torch.float32), cast(b, torch.float32)
    if policy == "promote":
        # Starting from the autocast dtype, float32 wins; float64 is ignored
        # and another lower precision is an error.
        to = ac
        for t in (a, b, a):
            if t.dtype in eligible and t.dtype != to:
                if torch.float32 in (to, t.dtype):
                    to = torch.float32
                else:
                    raise RuntimeError("Unexpected floating ScalarType in at::autocast::prioritize")
        return cast(a, to), cast(b, to)
    return a, b


def run_case(T, name, pair, ac_dtype, **kw):
    a, b = inputs(T, pair)
    with T.autocast("cpu", dtype=getattr(T, ac_dtype), **kw):
        return summary(OPS[name](T, a, b))


@pytest.mark.parametrize("ac_dtype", AC_DTYPES)
@pytest.mark.parametrize("name,pair", CASES, ids=CASE_IDS)
def test_op_equals_explicit_casts(name, pair, ac_dtype):
    got = outcome(lambda: run_case(torch, name, pair, ac_dtype))
    a, b = inputs(torch, pair)
    want = outcome(lambda: summary(OPS[name](torch, *cast_like_autocast(name, a, b, ac_dtype))))
    if name.startswith("matmul_") and isinstance(want, tuple) and isinstance(got, tuple):
        # The reference casts before the views the op takes, autocast after:
        # the layouts differ, and with them the kernel a dtype error names.
        assert got[0] == want[0]
        return
    assert_same(got, want)


@pytest.mark.parametrize("ac_dtype", AC_DTYPES)
@pytest.mark.parametrize("name,pair", CASES, ids=CASE_IDS)
def test_op_matches_torch(name, pair, ac_dtype):
    ref = real_torch()
    if name not in CPU_POLICY:
        # Off the lists: autocast changes nothing, in PyTorch and here (how the
        # op itself compares with PyTorch is for the op suites).
        for T in (ref, torch):
            without = outcome(lambda: summary(OPS[name](T, *inputs(T, pair))))
            assert_same(outcome(lambda: run_case(T, name, pair, ac_dtype)), without)
        return
    assert_same(outcome(lambda: run_case(torch, name, pair, ac_dtype)), outcome(lambda: run_case(ref, name, pair, ac_dtype)))


def test_disabled_and_outside_run_in_input_dtypes():
    a, b = inputs(torch, ("float32", "float32"))
    with torch.autocast("cpu", enabled=False):
        assert (a @ b.t()).dtype == torch.float32
    with torch.autocast("cpu"):
        assert (a @ b.t()).dtype == torch.bfloat16
        with torch.autocast("cpu", enabled=False):
            assert (a @ b.t()).dtype == torch.float32
            # Inputs from the surrounding region are used as they are.
            c = a.bfloat16() @ b.t().bfloat16()
            assert c.dtype == torch.bfloat16
        with torch.autocast("cpu", dtype=torch.float16):
            assert (a @ b.t()).dtype == torch.float16
        assert (a @ b.t()).dtype == torch.bfloat16
    assert (a @ b.t()).dtype == torch.float32


def test_cuda_autocast_leaves_cpu_tensors_alone():
    # Turned on directly (torch.autocast('cuda') disables itself without a GPU).
    a, b = inputs(torch, ("float32", "float32"))
    torch.set_autocast_enabled("cuda", True)
    assert torch.is_autocast_enabled() and not torch.is_autocast_enabled("cpu")
    for name in ("mm", "exp", "sum", "softmax", "pow", "dot", "norm"):
        assert OPS[name](torch, a, b).dtype == torch.float32
    torch.set_autocast_enabled("cuda", False)


def test_in_place_ops_are_not_autocast():
    a, b = inputs(torch, ("float16", "float16"))
    with torch.autocast("cpu"):
        a.pow_(2)
        a.exp_()
        a += 1
    assert a.dtype == torch.float16


# ---------------------------------------------------------------- gradients

GRAD_OPS = [n for n in CPU_POLICY if n != "prod_dtype"] + ["add", "exp", "softmax", "dot"]
GRAD_PAIRS = [("float32", "float32"), ("bfloat16", "float32"), ("float16", "float16"), ("float64", "float32")]
GRAD_CASES = [(n, p) for n in GRAD_OPS for p in GRAD_PAIRS]
GRAD_IDS = [f"{n}-{p[0]}-{p[1]}" for n, p in GRAD_CASES]


def grads(T, name, pair, ac_dtype, autocast=True):
    a, b = inputs(T, pair, requires_grad=True)
    ctx = T.autocast("cpu", dtype=getattr(T, ac_dtype), enabled=autocast)
    with ctx:
        x, y = (a, b) if autocast else cast_like_autocast(name, a, b, ac_dtype)
        out = OPS[name](T, x, y)
    w = T.tensor(data(tuple(out.shape), 3))
    (out.double() * w).sum().backward()
    return [summary(out)] + [summary(t.grad) if t.grad is not None else None for t in (a, b)]


@pytest.mark.parametrize("ac_dtype", AC_DTYPES)
@pytest.mark.parametrize("name,pair", GRAD_CASES, ids=GRAD_IDS)
def test_gradients_equal_explicit_casts(name, pair, ac_dtype):
    if name == "matmul_broadcast":
        pytest.skip("the reference would expand after the cast and so sum the gradient in low precision")
    got = outcome(lambda: grads(torch, name, pair, ac_dtype))
    want = outcome(lambda: grads(torch, name, pair, ac_dtype, autocast=False))
    if isinstance(got, list):
        # Leaf gradients come back in the leaves' own dtypes.
        for g, p in zip(got[1:], pair):
            assert g is None or g[0] == p
    assert_same(got, want)


@pytest.mark.parametrize("ac_dtype", AC_DTYPES)
@pytest.mark.parametrize("name,pair", GRAD_CASES, ids=GRAD_IDS)
def test_gradients_match_torch(name, pair, ac_dtype):
    ref = real_torch()
    assert_same(outcome(lambda: grads(torch, name, pair, ac_dtype)), outcome(lambda: grads(ref, name, pair, ac_dtype)))


def test_weight_gradient_against_a_batch_is_rounded_once():
    # The gradient of a 2-D operand of a batched product sums over the batch:
    # one product over (batch, rows), rounded once, as PyTorch's folded matmul.
    x = torch.tensor(data((4, 3, 5), 6), dtype=torch.bfloat16)
    w = torch.tensor(data((5, 2), 7), dtype=torch.bfloat16, requires_grad=True)
    g = torch.tensor(data((4, 3, 2), 8), dtype=torch.bfloat16)
    (x @ w).backward(g)
    assert w.grad.tolist() == (x.reshape(12, 5).t() @ g.reshape(12, 2)).tolist()
    v = torch.tensor(data((2, 5), 9), dtype=torch.bfloat16, requires_grad=True)
    y = torch.tensor(data((4, 5, 3), 10), dtype=torch.bfloat16)
    (v @ y).backward(g.reshape(4, 2, 3))
    want = g.reshape(4, 2, 3).permute(1, 0, 2).reshape(2, 12) @ y.transpose(1, 2).reshape(12, 5)
    assert v.grad.tolist() == want.tolist()


def graph(T):
    """Node names of ``a @ w`` under autocast and whether uses share a cast."""
    a = T.ones(2, 3)
    w = T.ones(3, 3, requires_grad=True)
    with T.autocast("cpu"):
        y = a @ w
        z = a @ w
    nodes = [y.grad_fn.name()] + [n.name() if n is not None else None for n, _ in y.grad_fn.next_functions]
    return nodes, y.grad_fn.next_functions[1][0] is z.grad_fn.next_functions[1][0]


def test_casts_are_recorded_and_cached():
    assert graph(torch) == (["MmBackward0", None, "ToCopyBackward0"], True)


def test_casts_are_recorded_and_cached_like_torch():
    assert graph(torch) == graph(real_torch())


def cache_scenario(T):
    """When the weight cast is shared: cache switch, leaves only, outermost exit."""
    x = T.ones(1, 2)
    w = T.ones(2, 1, requires_grad=True)
    wv = w[:, :1]  # a view: not cached
    h = w * 1  # not a leaf: not cached

    def shared(f):
        return f().grad_fn.next_functions[1][0] is f().grad_fn.next_functions[1][0]

    out = {}
    with T.autocast("cpu"):
        out["leaf"] = shared(lambda: x @ w)
        out["view"] = shared(lambda: x @ wv)
        out["non-leaf"] = shared(lambda: x @ h)
        first = (x @ w).grad_fn.next_functions[1][0]
        with T.autocast("cpu"):
            pass
        out["kept after inner exit"] = (x @ w).grad_fn.next_functions[1][0] is first
        # A weight changed in place inside the region is read from the cache (as PyTorch does).
        with T.no_grad():
            w.add_(1)
        out["stale value"] = (x @ w).item()
        # Casts made under no_grad are cached with their history.
        with T.no_grad():
            w2 = T.ones(2, 1, requires_grad=True)
            (x @ w2).sum()
        y = x @ w2
        out["no_grad cast has history"] = y.requires_grad and y.grad_fn.next_functions[1][0].name()
    with T.autocast("cpu"):
        out["fresh after outer exit"] = (x @ w).grad_fn.next_functions[1][0] is not first
        out["value after exit"] = (x @ w).item()
    with T.autocast("cpu", cache_enabled=False):
        out["cache disabled"] = shared(lambda: x @ w)
        out["cache flag inside"] = T.is_autocast_cache_enabled()
    out["cache flag after"] = T.is_autocast_cache_enabled()
    with T.autocast("cpu"):
        T.set_autocast_cache_enabled(False)
        out["set off inside"] = shared(lambda: x @ w)
    out["restored by exit"] = T.is_autocast_cache_enabled()
    return out


def test_weight_cache():
    assert cache_scenario(torch) == {
        "leaf": True, "view": False, "non-leaf": False, "kept after inner exit": True,
        "stale value": 2.0, "no_grad cast has history": "ToCopyBackward0", "fresh after outer exit": True,
        "value after exit": 4.0, "cache disabled": False, "cache flag inside": False, "cache flag after": True,
        "set off inside": False, "restored by exit": True,
    }


def test_weight_cache_like_torch():
    assert cache_scenario(torch) == cache_scenario(real_torch())


def test_shared_cast_accumulates_both_gradients():
    a = torch.ones(2, 3)
    w = torch.ones(3, 1, requires_grad=True)
    with torch.autocast("cpu"):
        y = (a @ w) + (a @ w)
    y.float().sum().backward()
    assert w.grad.dtype == torch.float32
    assert w.grad.tolist() == [[4.0], [4.0], [4.0]]


def backward_inside(T):
    x = T.tensor(data((2, 3), 4), requires_grad=True)
    w = T.tensor(data((3, 2), 5), requires_grad=True)
    with T.autocast("cpu"):
        y = x @ w
        y.float().pow(2).sum().backward()
    return [summary(y), summary(x.grad), summary(w.grad)]


def test_backward_inside_the_region_like_torch():
    assert_same(backward_inside(torch), backward_inside(real_torch()))


# ---------------------------------------------------------------- the state and its API


def test_defaults_and_region_state():
    assert not torch.is_autocast_enabled("cpu")
    assert not torch.is_autocast_enabled("cuda") and not torch.is_autocast_enabled()
    assert torch.get_autocast_dtype("cpu") == torch.bfloat16
    assert torch.get_autocast_dtype("cuda") == torch.float16
    assert torch.is_autocast_cache_enabled()
    with torch.autocast("cpu", dtype=torch.float16) as ac:
        assert isinstance(ac, torch.autocast)
        assert torch.is_autocast_enabled("cpu") and not torch.is_autocast_enabled()
        assert torch.get_autocast_dtype("cpu") == torch.float16
        assert (ac.device, ac.fast_dtype, ac._enabled, ac._cache_enabled) == ("cpu", torch.float16, True, True)
    assert not torch.is_autocast_enabled("cpu")
    assert torch.get_autocast_dtype("cpu") == torch.bfloat16


def test_names_and_classes():
    assert torch.autocast is torch.amp.autocast is torch.amp.autocast_mode.autocast
    assert torch.autocast.__module__ == "ferrotorch.amp.autocast_mode"
    assert issubclass(torch.cuda.amp.autocast, torch.autocast)
    assert issubclass(torch.cpu.amp.autocast, torch.autocast)
    assert torch.amp.is_autocast_available("cpu") and torch.amp.is_autocast_available("cuda")
    assert torch.amp.is_autocast_available("cuda:1")
    for name in ["autocast", "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype",
                 "set_autocast_dtype", "is_autocast_cache_enabled", "set_autocast_cache_enabled",
                 "clear_autocast_cache", "autocast_increment_nesting", "autocast_decrement_nesting"]:
        assert name in torch.__all__


def test_names_exist_in_torch():
    ref = real_torch()
    for name in torch._autocast.__all__:
        assert callable(getattr(ref, name)), name
    for mod in ("amp", "cuda.amp", "cpu.amp"):
        ours, theirs = torch, ref
        for part in mod.split("."):
            ours, theirs = getattr(ours, part), getattr(theirs, part)
        for name in ours.__all__:
            assert hasattr(theirs, name), f"{mod}.{name}"


def nesting(T):
    out = []
    with T.autocast("cpu"):
        out.append((T.is_autocast_enabled("cpu"), T.get_autocast_dtype("cpu")))
        with T.autocast("cpu", enabled=False):
            out.append((T.is_autocast_enabled("cpu"), T.get_autocast_dtype("cpu")))
            with T.autocast("cpu", dtype=T.float16):
                out.append((T.is_autocast_enabled("cpu"), T.get_autocast_dtype("cpu")))
            out.append((T.is_autocast_enabled("cpu"), T.get_autocast_dtype("cpu")))
        out.append((T.is_autocast_enabled("cpu"), T.get_autocast_dtype("cpu")))
        out.append(T.autocast_increment_nesting())
        out.append(T.autocast_decrement_nesting())
    out.append((T.is_autocast_enabled("cpu"), T.get_autocast_dtype("cpu")))
    try:
        with T.autocast("cpu", dtype=T.float16, cache_enabled=False):
            raise KeyError("boom")
    except KeyError:
        pass
    out.append((T.is_autocast_enabled("cpu"), T.get_autocast_dtype("cpu"), T.is_autocast_cache_enabled()))
    out.append((T.autocast_increment_nesting(), T.autocast_decrement_nesting()))
    return [tuple(str(v) for v in x) if isinstance(x, tuple) else x for x in out]


def test_nesting_and_exceptions_restore_state():
    assert nesting(torch) == [
        ("True", "torch.bfloat16"), ("False", "torch.bfloat16"), ("True", "torch.float16"),
        ("False", "torch.bfloat16"), ("True", "torch.bfloat16"), 2, 1, ("False", "torch.bfloat16"),
        ("False", "torch.bfloat16", "True"), ("1", "0"),
    ]


def test_nesting_like_torch():
    assert nesting(torch) == nesting(real_torch())


def decorated(T):
    seen = []

    @T.autocast("cpu", dtype=T.float16)
    def f(x, *, y):
        """doc"""
        seen.append((T.is_autocast_enabled("cpu"), str(T.get_autocast_dtype("cpu"))))
        return str((x @ y).dtype)

    def g():
        raise ValueError("inner")

    h = T.autocast("cpu")(g)
    out = [f(T.ones(2, 2), y=T.ones(2, 2)), f.__name__, f.__doc__, seen, T.is_autocast_enabled("cpu"),
           outcome(h), T.is_autocast_enabled("cpu"), outcome(lambda: T.autocast("cpu")(3))]
    return out


def test_decorator():
    assert decorated(torch)[:7] == [
        "torch.float16", "f", "doc", [(True, "torch.float16")], False, ("ValueError", "inner"), False,
    ]


def test_decorator_like_torch():
    assert decorated(torch) == decorated(real_torch())


def threads(T):
    seen = []

    def look():
        x = T.ones(2, 2)
        seen.append((T.is_autocast_enabled("cpu"), str(T.get_autocast_dtype("cpu")), str((x @ x).dtype),
                     T.autocast_increment_nesting()))
        T.autocast_decrement_nesting()

    with T.autocast("cpu", dtype=T.float16):
        t = threading.Thread(target=look)
        t.start()
        t.join()
        inside = str((T.ones(2, 2) @ T.ones(2, 2)).dtype)

    # A region in another thread does not reach this one.
    started, release = threading.Event(), threading.Event()

    def hold():
        with T.autocast("cpu"):
            started.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    started.wait(5)
    here = T.is_autocast_enabled("cpu")
    release.set()
    t.join()
    return seen, inside, here


def test_state_is_per_thread():
    assert threads(torch) == ([(False, "torch.bfloat16", "torch.float32", 1)], "torch.float16", False)


def test_state_is_per_thread_like_torch():
    assert threads(torch) == threads(real_torch())


def caught(fn):
    """``fn``'s outcome and the warnings it gave, as (category, message)."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = outcome(fn)
    raised = isinstance(r, tuple) and len(r) == 2 and isinstance(r[1], str)
    if not (raised or isinstance(r, (bool, str, int, type(None)))):
        r = str(r)
    # PyTorch's C++ warnings end with where in its sources they were raised.
    return r, [(x.category.__name__, str(x.message).split(" (Triggered internally")[0]) for x in w]


def api_cases(T):
    """Calls of the state API, with their results, errors and warnings."""
    ac = T.autocast
    return {
        "is_enabled()": lambda: T.is_autocast_enabled(),
        "is_enabled(cpu)": lambda: T.is_autocast_enabled("cpu"),
        "is_enabled(cuda:0)": lambda: T.is_autocast_enabled("cuda:0"),
        "is_enabled(device_type=)": lambda: T.is_autocast_enabled(device_type="cpu"),
        "is_enabled(None)": lambda: T.is_autocast_enabled(None),
        "is_enabled(1)": lambda: T.is_autocast_enabled(1),
        "is_enabled(cpu,cpu)": lambda: T.is_autocast_enabled("cpu", "cpu"),
        "is_enabled(x=)": lambda: T.is_autocast_enabled(x=1),
        "is_enabled(cpu,foo=)": lambda: T.is_autocast_enabled("cpu", foo=1),
        "is_enabled(foo)": lambda: T.is_autocast_enabled("foo"),
        "is_enabled('')": lambda: T.is_autocast_enabled(""),
        "get_dtype()": lambda: T.get_autocast_dtype(),
        "get_dtype(cpu)": lambda: str(T.get_autocast_dtype("cpu")),
        "get_dtype(device_type=cuda)": lambda: str(T.get_autocast_dtype(device_type="cuda")),
        "get_dtype(1)": lambda: T.get_autocast_dtype(1),
        "get_dtype(device_type=1)": lambda: T.get_autocast_dtype(device_type=1),
        "get_dtype(cpu,1)": lambda: T.get_autocast_dtype("cpu", 1),
        "get_dtype(cpu,foo=)": lambda: T.get_autocast_dtype("cpu", foo=1),
        "get_dtype(foo)": lambda: T.get_autocast_dtype("foo"),
        "set_enabled()": lambda: T.set_autocast_enabled(),
        "set_enabled(cpu)": lambda: T.set_autocast_enabled("cpu"),
        "set_enabled(1)": lambda: T.set_autocast_enabled(1),
        "set_enabled(cpu,1)": lambda: T.set_autocast_enabled("cpu", 1),
        "set_enabled(cpu,enabled=1)": lambda: T.set_autocast_enabled("cpu", enabled=1),
        "set_enabled(1,True)": lambda: T.set_autocast_enabled(1, True),
        "set_enabled(cpu,True,1)": lambda: T.set_autocast_enabled("cpu", True, 1),
        "set_enabled(cpu,True,foo=)": lambda: T.set_autocast_enabled("cpu", True, foo=1),
        "set_enabled(x=)": lambda: T.set_autocast_enabled(x=1),
        "set_enabled(True)": lambda: (T.set_autocast_enabled(True), T.is_autocast_enabled("cuda"),
                                      T.set_autocast_enabled(False)),
        "set_enabled(kw)": lambda: (T.set_autocast_enabled(device_type="cpu", enabled=True),
                                    T.is_autocast_enabled("cpu"), T.set_autocast_enabled("cpu", False)),
        "set_dtype(cpu,f16)": lambda: (T.set_autocast_dtype("cpu", T.float16), str(T.get_autocast_dtype("cpu")),
                                       T.set_autocast_dtype("cpu", T.bfloat16)),
        "set_dtype(cpu,f64)": lambda: (T.set_autocast_dtype("cpu", T.float64), str(T.get_autocast_dtype("cpu")),
                                       T.set_autocast_dtype("cpu", T.bfloat16)),
        "set_dtype(cpu)": lambda: T.set_autocast_dtype("cpu"),
        "set_dtype(cpu,None)": lambda: T.set_autocast_dtype("cpu", None),
        "set_dtype(cpu,x)": lambda: T.set_autocast_dtype("cpu", "x"),
        "set_dtype(1,f16)": lambda: T.set_autocast_dtype(1, T.float16),
        "set_dtype(cpu,f16,1)": lambda: T.set_autocast_dtype("cpu", T.float16, 1),
        "set_dtype(foo,f16)": lambda: T.set_autocast_dtype("foo", T.float16),
        "cache()": lambda: T.is_autocast_cache_enabled(),
        "cache(1)": lambda: T.is_autocast_cache_enabled(1),
        "set_cache(False)": lambda: (T.set_autocast_cache_enabled(False), T.is_autocast_cache_enabled(),
                                     T.set_autocast_cache_enabled(True)),
        "set_cache()": lambda: T.set_autocast_cache_enabled(),
        "set_cache(1)": lambda: T.set_autocast_cache_enabled(1),
        "set_cache(None)": lambda: T.set_autocast_cache_enabled(None),
        "set_cache(1,2)": lambda: T.set_autocast_cache_enabled(1, 2),
        "set_cache(enabled=)": lambda: T.set_autocast_cache_enabled(enabled=True),
        "clear()": lambda: T.clear_autocast_cache(),
        "clear(1)": lambda: T.clear_autocast_cache(1),
        "clear(x=)": lambda: T.clear_autocast_cache(x=1),
        "nesting": lambda: (T.autocast_increment_nesting(), T.autocast_increment_nesting(),
                            T.autocast_decrement_nesting(), T.autocast_decrement_nesting()),
        "inc(1)": lambda: T.autocast_increment_nesting(1),
        "dec(1)": lambda: T.autocast_decrement_nesting(1),
        "cpu_enabled": lambda: T.is_autocast_cpu_enabled(),
        "cpu_enabled(1)": lambda: T.is_autocast_cpu_enabled(1),
        "set_cpu_enabled": lambda: T.set_autocast_cpu_enabled(False),
        "set_cpu_enabled(1)": lambda: T.set_autocast_cpu_enabled(1),
        "set_cpu_enabled()": lambda: T.set_autocast_cpu_enabled(),
        "get_cpu_dtype": lambda: str(T.get_autocast_cpu_dtype()),
        "set_cpu_dtype": lambda: T.set_autocast_cpu_dtype(T.bfloat16),
        "set_cpu_dtype(1)": lambda: T.set_autocast_cpu_dtype(1),
        "get_gpu_dtype": lambda: str(T.get_autocast_gpu_dtype()),
        "set_gpu_dtype": lambda: T.set_autocast_gpu_dtype(T.float16),
        "available(cpu)": lambda: T.amp.is_autocast_available("cpu"),
        "available(cuda:0)": lambda: T.amp.is_autocast_available("cuda:0"),
        "available(1)": lambda: T.amp.is_autocast_available(1),
        "available()": lambda: T.amp.is_autocast_available(),
        "available(foo)": lambda: T.amp.is_autocast_available("foo"),
        # torch.autocast's checks (see also test_cuda_without_gpu_warns_and_disables).
        "ac(cpu)": lambda: (lambda a: (a._enabled, str(a.fast_dtype), a.device, a._cache_enabled))(ac("cpu")),
        "ac(cpu,f16)": lambda: ac("cpu", dtype=T.float16)._enabled,
        "ac(cpu,f32)": lambda: ac("cpu", dtype=T.float32)._enabled,
        "ac(cpu,f64)": lambda: ac("cpu", dtype=T.float64)._enabled,
        "ac(cpu,int32)": lambda: ac("cpu", dtype=T.int32)._enabled,
        "ac(cpu,f32,off)": lambda: ac("cpu", dtype=T.float32, enabled=False)._enabled,
        "ac(cpu,x)": lambda: ac("cpu", dtype="x")._enabled,
        "ac(cpu,x) enter": lambda: type(ac("cpu", dtype="x", enabled=False).__enter__()).__name__,
        "ac(cpu,enabled=1)": lambda: ac("cpu", enabled=1)._enabled,
        "ac(cpu,enabled=1) enter": lambda: type(ac("cpu", enabled=1).__enter__()).__name__,
        "ac(cpu,cache off)": lambda: ac("cpu", cache_enabled=False)._cache_enabled,
        "ac(foo)": lambda: type(ac("foo")).__name__,
        "ac(foo,f16)": lambda: type(ac("foo", dtype=T.float16)).__name__,
        "ac(1)": lambda: type(ac(1)).__name__,
        "ac()": lambda: type(ac()).__name__,
        "ac(cuda:0)": lambda: ac("cuda:0", enabled=False)._enabled,
        "cpu.amp.autocast()": lambda: (lambda a: (a._enabled, str(a.fast_dtype), a.device))(T.cpu.amp.autocast()),
        "cpu.amp.autocast(pos)": lambda: (lambda a: (a._enabled, str(a.fast_dtype), a._cache_enabled))(
            T.cpu.amp.autocast(False, T.float16, False)),
        "cuda.amp.autocast(off)": lambda: (lambda a: (a._enabled, str(a.fast_dtype), a.device))(
            T.cuda.amp.autocast(enabled=False)),
        "custom_fwd()": lambda: T.amp.custom_fwd(lambda c: c),
        "custom_fwd(device_type=1)": lambda: T.amp.custom_fwd(lambda c: c, device_type=1),
        "custom_bwd(device_type=1)": lambda: T.amp.custom_bwd(lambda c: c, device_type=1),
        "cuda custom_fwd": lambda: callable(T.cuda.amp.custom_fwd(lambda c: c)),
        "cuda custom_bwd": lambda: callable(T.cuda.amp.custom_bwd(lambda c: c)),
    }


API_NAMES = list(api_cases(torch))


@pytest.mark.parametrize("name", API_NAMES)
def test_api_matches_torch(name):
    ref = real_torch()
    want = caught(api_cases(ref)[name])
    got = caught(api_cases(torch)[name])
    if isinstance(want[0], tuple) and want[0][1].startswith("Expected one of cpu, cuda, "):
        # PyTorch lists all its device types; ferrotorch's torch.device knows cpu and cuda.
        want = ((want[0][0], "Expected one of cpu, cuda" + want[0][1].split(", privateuseone")[1]), want[1])
    assert got == want


def test_api_results():
    # The same calls, checked without PyTorch.
    cases = api_cases(torch)
    assert caught(cases["is_enabled(None)"]) == (
        ("TypeError", "is_autocast_enabled(): argument 'device_type' (position 1) must be str, not NoneType"), [])
    assert caught(cases["set_enabled(cpu,True,1)"]) == (("TypeError", (
        "set_autocast_enabled() received an invalid combination of arguments - got (str, bool, int), but expected "
        "one of:\n * (str device_type, bool enabled)\n * (bool enabled)\n")), [])
    assert caught(cases["set_cache(1)"]) == (("TypeError", "enabled must be a bool (got int)"), [])
    assert caught(cases["get_cpu_dtype"]) == ("torch.bfloat16", [("DeprecationWarning", (
        "torch.get_autocast_cpu_dtype() is deprecated. Please use torch.get_autocast_dtype('cpu') instead."))])
    assert caught(cases["ac(cpu,f32)"]) == (False, [("UserWarning", (
        "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
        "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently."))])
    assert caught(cases["ac(1)"]) == (("ValueError", "Expected `device_type` of type `str`, got: `<class 'int'>`"), [])
    assert caught(cases["ac(foo,f16)"]) == (
        ("RuntimeError", "Expected one of cpu, cuda device type at start of device string: foo"), [])
    assert caught(cases["cpu.amp.autocast()"]) == ("(True, 'torch.bfloat16', 'cpu')", [("FutureWarning", (
        "`torch.cpu.amp.autocast(args...)` is deprecated. Please use `torch.amp.autocast('cpu', args...)` instead."))])
    assert caught(cases["nesting"]) == ("(1, 2, 1, 0)", [])


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available")
def test_cuda_without_gpu_warns_and_disables():
    with pytest.warns(UserWarning, match="^CUDA is not available or torch_xla is imported. Disabling autocast.$"):
        ac = torch.autocast("cuda")
    assert ac._enabled is False
    with ac:
        assert not torch.is_autocast_enabled("cuda")
    with pytest.warns(FutureWarning, match=r"torch\.cuda\.amp\.autocast\(args\.\.\.\)` is deprecated"):
        with pytest.warns(UserWarning, match="CUDA is not available"):
            torch.cuda.amp.autocast()
    # "cuda:0" is not "cuda" to the checks (as in PyTorch): no warning, enabled.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.autocast("cuda:0"):
            assert torch.is_autocast_enabled("cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_region_when_available():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with torch.autocast("cuda") as ac:
            assert ac._enabled and torch.is_autocast_enabled() and torch.get_autocast_dtype("cuda") == torch.float16
            x = torch.ones(2, 2)  # a CPU tensor: CUDA autocast leaves it alone
            assert (x @ x).dtype == torch.float32
    assert not torch.is_autocast_enabled()


# ---------------------------------------------------------------- custom_fwd / custom_bwd


def custom_function(T):
    seen = {}

    class Scale(T.autograd.Function):
        @staticmethod
        @T.amp.custom_fwd(device_type="cpu", cast_inputs=T.float32)
        def forward(ctx, x, k):
            seen["fwd"] = (str(x.dtype), T.is_autocast_enabled("cpu"), str((x @ x.t()).dtype))
            ctx.k = k
            return x * k

        @staticmethod
        @T.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            seen["bwd"] = (str(g.dtype), T.is_autocast_enabled("cpu"))
            return g * ctx.k, None

    class Plain(T.autograd.Function):
        @staticmethod
        @T.amp.custom_fwd(device_type="cpu")
        def forward(ctx, x):
            seen["plain fwd"] = (str(x.dtype), T.is_autocast_enabled("cpu"), str((x @ x.t()).dtype))
            return x @ x.t()

        @staticmethod
        @T.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            seen["plain bwd"] = (str(g.dtype), T.is_autocast_enabled("cpu"), str(T.get_autocast_dtype("cpu")))
            return g.sum(1, keepdim=True).expand(2, 2).float()

    x = T.ones(2, 2, dtype=T.bfloat16, requires_grad=True)
    with T.autocast("cpu", dtype=T.float16):
        y = Scale.apply(x, 3.0)
        z = Plain.apply(T.ones(2, 2, requires_grad=True))
    y.sum().backward()
    z.float().sum().backward()
    seen["y"] = str(y.dtype)
    seen["x.grad"] = (str(x.grad.dtype), x.grad.tolist())
    return seen


def test_custom_fwd_bwd():
    assert custom_function(torch) == {
        "fwd": ("torch.float32", False, "torch.float32"), "bwd": ("torch.float32", False),
        "plain fwd": ("torch.float32", True, "torch.float16"),
        "plain bwd": ("torch.float16", True, "torch.float16"),
        "y": "torch.float32", "x.grad": ("torch.bfloat16", [[3.0, 3.0], [3.0, 3.0]]),
    }


def test_custom_fwd_bwd_like_torch():
    assert custom_function(torch) == custom_function(real_torch())


def test_cast_helper_walks_containers():
    from ferrotorch.amp.autocast_mode import _cast

    x, i, d = torch.ones(1), torch.ones(1, dtype=torch.int64), torch.ones(1, dtype=torch.float64)
    out = _cast({"a": [x, i, (d, "s")], "b": np.ones(1)}, "cpu", torch.float16)
    assert out["a"][0].dtype == torch.float16 and out["a"][1].dtype == torch.int64
    assert out["a"][2][0].dtype == torch.float64 and out["a"][2][1] == "s"
    assert isinstance(out["b"], np.ndarray)
    assert [t.dtype for t in _cast(iter([x]), "cuda", torch.float16)] == [torch.float32]


def test_functools_partial_forms():
    fwd = torch.amp.custom_fwd(device_type="cpu")
    assert isinstance(fwd, functools.partial)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'device_type'"):
        torch.amp.custom_fwd(lambda c: c)
