"""CUDA tensors: every result computed on the device is compared with the
same computation on the CPU (the reference), for each dtype an op exists for.

Runs where ``ferrotorch.cuda.is_available()``: on a GPU, or on machines
without one under the host emulator of the CUDA backend
(``FERROTORCH_CUDA_EMULATOR=1``, which the README's test command sets for
this file), which runs the same kernel sources on the CPU.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import DTYPE_NAMES, FLOAT_NAMES, INT_NAMES, tdt, to_np

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (a GPU or FERROTORCH_CUDA_EMULATOR=1)")

RNG = np.random.default_rng(7)


def sample(name, shape):
    """A CPU tensor of dtype ``name`` with values every op accepts."""
    if name == "bool":
        return torch.tensor(RNG.random(shape) > 0.5)
    if name in INT_NAMES:
        lo = 0 if name == "uint8" else -9
        return torch.tensor(RNG.integers(lo, 10, size=shape)).to(tdt(name))
    return torch.tensor(RNG.standard_normal(shape) * 2).to(tdt(name))


def same(gpu, cpu, name=None):
    """Asserts a CUDA result equals the CPU one (dtype, shape, values)."""
    assert gpu.device.type == "cuda", gpu.device
    assert gpu.dtype == cpu.dtype and tuple(gpu.shape) == tuple(cpu.shape)
    g, c = to_np(gpu), to_np(cpu)
    name = name or str(cpu.dtype).replace("torch.", "")
    # Sums accumulate in a different order (and in float32, not float64).
    tol = {"float16": 4e-3, "bfloat16": 3e-2, "float32": 1e-5}.get(name, 1e-12)
    np.testing.assert_allclose(g.astype(np.float64) if g.dtype != np.bool_ else g,
                               c.astype(np.float64) if c.dtype != np.bool_ else c,
                               rtol=tol, atol=tol, equal_nan=True)


# ---------------------------------------------------------------- transfers


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_round_trip_keeps_values_and_dtype(name):
    x = sample(name, (3, 5))
    g = x.cuda()
    assert g.is_cuda and g.device == torch.device("cuda", 0) and g.dtype == x.dtype
    assert str(g.device) == "cuda:0" and g.get_device() == 0
    back = g.cpu()
    assert back.device.type == "cpu"
    np.testing.assert_array_equal(to_np(back), to_np(x))


def test_to_device_forms_and_dtype_together():
    x = sample("float32", (4,))
    assert x.to("cuda").is_cuda and x.to("cuda:0").is_cuda and x.to(torch.device("cuda")).is_cuda
    y = x.to("cuda", torch.float64)
    assert y.is_cuda and y.dtype == torch.float64
    np.testing.assert_allclose(to_np(y), to_np(x).astype(np.float64))
    z = x.to(y)  # to(other): other's device and dtype
    assert z.is_cuda and z.dtype == torch.float64
    assert y.to("cuda") is y and y.cuda() is y
    assert x.to("cuda", non_blocking=True).is_cuda


def test_copy_crosses_devices_as_in_pytorch():
    src = sample("float32", (2, 3))
    g = torch.zeros(2, 3, device="cuda")
    g.copy_(src)  # host to device
    same(g, src)
    back = torch.zeros(2, 3, dtype=torch.float64)
    back.copy_(g)  # device to host, with a dtype change
    np.testing.assert_allclose(to_np(back), to_np(src).astype(np.float64))
    g[0] = torch.tensor([7.0, 8.0, 9.0])  # a CPU value written into a CUDA tensor
    assert g[0].tolist() == [7.0, 8.0, 9.0]
    g.t().copy_(torch.ones(3, 1))  # broadcast source, strided destination
    assert to_np(g).sum() == 6
    # Gradients flow back to each side's device.
    w = src.clone().requires_grad_()
    h = torch.zeros(2, 3, device="cuda", requires_grad=True) * 1
    h.copy_(w)
    (h * 2).sum().backward()
    assert w.grad.device.type == "cpu" and to_np(w.grad).tolist() == [[2.0] * 3] * 2


def test_common_setup_lines_of_training_scripts_run():
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.deterministic = False
    assert torch.backends.cudnn.is_available() is False
    assert torch.version.cuda == "13.0"
    assert torch.cuda.is_bf16_supported() == (torch.cuda.get_device_capability()[0] >= 8)
    with torch.cuda.device(0):
        assert torch.cuda.current_device() == 0
        assert torch.ones(1, device="cuda").device == torch.device("cuda", 0)


def test_creation_functions_take_device():
    for t in [torch.zeros(2, 3, device="cuda"), torch.ones(4, device="cuda", dtype=torch.int32),
              torch.full((2,), 7.5, device="cuda"), torch.tensor([1, 2, 3], device="cuda"),
              torch.arange(5, device="cuda"), torch.eye(3, device="cuda"),
              torch.linspace(0, 1, 5, device="cuda"), torch.empty(3, device="cuda")]:
        assert t.is_cuda
    np.testing.assert_array_equal(to_np(torch.full((2, 2), 3, device="cuda")), np.full((2, 2), 3))
    leaf = torch.ones(3, device="cuda", requires_grad=True)
    assert leaf.is_leaf and leaf.requires_grad and leaf.is_cuda


def test_like_and_new_functions_keep_the_device():
    g = sample("float32", (2, 3)).cuda()
    for t in [torch.zeros_like(g), torch.ones_like(g), torch.full_like(g, 2.0), torch.rand_like(g),
              torch.randn_like(g), torch.empty_like(g), torch.randint_like(g, 5), g.new_zeros(4),
              g.new_ones(2, 2), g.new_full((3,), 1.5), g.new_tensor([1.0, 2.0])]:
        assert t.is_cuda, t
    assert torch.zeros_like(g, device="cpu").device.type == "cpu"


def test_repr_prints_the_device():
    assert repr(torch.tensor([1.0, 2.0]).cuda()) == "tensor([1., 2.], device='cuda:0')"
    assert repr(torch.tensor([1, 2]).cuda()) == "tensor([1, 2], device='cuda:0')"
    assert repr(torch.tensor([1.5], dtype=torch.float64).cuda()) == "tensor([1.5000], device='cuda:0', dtype=torch.float64)"


def test_numpy_of_a_cuda_tensor_is_refused_as_in_pytorch():
    g = torch.ones(2).cuda()
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        g.numpy()
    with pytest.raises(TypeError, match="Use Tensor.cpu"):
        np.asarray(g)


def test_item_and_tolist_copy_back():
    g = torch.tensor([[1.5, 2.0]]).cuda()
    assert g[0, 1].item() == 2.0
    assert g.tolist() == [[1.5, 2.0]]


# ---------------------------------------------------------------- views


def test_views_share_device_memory():
    g = torch.zeros(3, 4).cuda()
    v = g.t()[1:3]
    v.fill_(5.0)
    ref = torch.zeros(3, 4)
    ref.t()[1:3].fill_(5.0)
    same(g, ref)
    g.view(12)[0] = 9.0
    assert g[0, 0].item() == 9.0


def test_copy_into_strided_views_and_broadcast():
    src = sample("float32", (4,))
    g = torch.zeros(3, 4).cuda()
    g[1:].copy_(src.cuda())
    g[0] = 2  # a Python scalar
    ref = torch.zeros(3, 4)
    ref[1:].copy_(src)
    ref[0] = 2
    same(g, ref)
    g.t().copy_(torch.ones(4, 3).cuda())
    assert to_np(g).sum() == 12


# ---------------------------------------------------------------- elementwise

UNARY_FLOAT = ["exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "reciprocal", "rsqrt",
               "expm1", "log1p", "floor", "ceil", "round", "trunc", "neg", "abs", "sign", "relu"]
UNARY_ALL = ["neg", "abs", "sign", "relu", "logical_not"]


@pytest.mark.parametrize("name", FLOAT_NAMES)
@pytest.mark.parametrize("op", UNARY_FLOAT)
def test_unary_float_ops_match_cpu(op, name):
    x = sample(name, (5, 6))
    if op in ("log", "sqrt", "rsqrt", "log1p"):
        x = x.abs() + 0.5
    f = getattr(torch, op)
    same(f(x.cuda()), f(x))
    # Non-contiguous input.
    same(f(x.cuda().t()), f(x.t()))


@pytest.mark.parametrize("name", INT_NAMES + ["bool"])
@pytest.mark.parametrize("op", UNARY_ALL + ["exp", "bitwise_not"])
def test_unary_integer_and_bool_ops_match_cpu(op, name):
    x = sample(name, (4, 3))
    f = getattr(torch, op)
    try:
        expected = f(x)
    except Exception as e:  # the CUDA path must refuse the same way
        with pytest.raises(type(e)):
            f(x.cuda())
        return
    same(f(x.cuda()), expected)


BINARY = ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "maximum", "minimum",
          "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
          "bitwise_and", "bitwise_or", "bitwise_xor"]


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("op", BINARY)
def test_binary_ops_match_cpu_with_broadcasting(op, name):
    a, b = sample(name, (3, 1, 4)), sample(name, (5, 1))
    if op in ("floor_divide", "remainder", "fmod") and name in INT_NAMES:
        b = b.abs() + 1
    if op == "pow" and name in INT_NAMES:
        b = b.abs() % 3
    f = getattr(torch, op)
    try:
        expected = f(a, b)
    except Exception as e:
        with pytest.raises(type(e)):
            f(a.cuda(), b.cuda())
        return
    same(f(a.cuda(), b.cuda()), expected)
    # With a Python scalar and with a CPU 0-dim tensor (allowed with CUDA).
    if name not in ("bool",) and op not in ("bitwise_and", "bitwise_or", "bitwise_xor") or name in INT_NAMES:
        s = 2 if name in INT_NAMES or name == "bool" else 1.5
        try:
            expected = f(a, s)
        except Exception:
            return
        same(f(a.cuda(), s), expected)
        same(f(a.cuda(), torch.tensor(s)), f(a, torch.tensor(s)))


def test_type_promotion_across_dtypes_on_cuda():
    a, b = sample("int32", (4,)), sample("float16", (4,))
    same(a.cuda() + b.cuda(), a + b)
    same(a.cuda() / 2, a / 2)
    same(a.cuda() * 2.5, a * 2.5)


def test_where_and_clamp_match_cpu():
    x = sample("float32", (4, 5))
    c = x > 0
    same(torch.where(c.cuda(), x.cuda(), 0.0), torch.where(c, x, 0.0))
    same(torch.where(c.cuda(), x.cuda(), -x.cuda()), torch.where(c, x, -x))
    same(x.cuda().clamp(-0.5, 0.5), x.clamp(-0.5, 0.5))
    same(x.cuda().clamp(min=0), x.clamp(min=0))


def test_in_place_ops_write_device_memory():
    x = sample("float32", (3, 4))
    g = x.cuda()
    g.add_(1).mul_(2)
    g[:, 1].sub_(3)
    g.exp_()
    r = x.clone()
    r.add_(1).mul_(2)
    r[:, 1].sub_(3)
    r.exp_()
    same(g, r)


# ---------------------------------------------------------------- reductions


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("dims", [None, 0, 1, 2, (0, 2), (1, 2), (0, 1, 2)])
def test_sum_prod_amax_all_any_match_cpu(name, dims):
    x = sample(name, (3, 4, 5))
    g = x.cuda()
    for op in ["sum", "amax", "amin", "all", "any"] + (["prod"] if name != "float16" else []):
        f = getattr(torch, op)
        kw = {} if dims is None else {"dim": dims}
        if op == "prod":
            if isinstance(dims, tuple):
                continue
            xs, gs = (x.clamp(-2, 2), g.clamp(-2, 2)) if name != "bool" else (x, g)
            same(f(gs, **kw), f(xs, **kw))
            continue
        if op in ("amax", "amin") and dims is None:
            same(getattr(g, "max" if op == "amax" else "min")(), getattr(x, "max" if op == "amax" else "min")())
            continue
        same(f(g, **kw), f(x, **kw))
        if dims is not None:
            same(f(g, **kw, keepdim=True), f(x, **kw, keepdim=True))


@pytest.mark.parametrize("name", FLOAT_NAMES)
def test_mean_matches_cpu(name):
    x = sample(name, (6, 7))
    same(x.cuda().mean(), x.mean())
    same(x.cuda().mean(1, keepdim=True), x.mean(1, keepdim=True))
    same(x.cuda().t().mean(0), x.t().mean(0))


@pytest.mark.parametrize("name", [n for n in DTYPE_NAMES if n != "bool"])
def test_max_with_indices_and_argmax_match_cpu(name):
    x = sample(name, (4, 9))
    for dim in (0, 1):
        for fn in ("max", "min"):
            gv, gi = getattr(x.cuda(), fn)(dim)
            cv, ci = getattr(x, fn)(dim)
            same(gv, cv)
            same(gi, ci)
    same(x.cuda().argmax(), x.argmax())
    same(x.cuda().argmin(1), x.argmin(1))


def test_reductions_of_long_rows_cross_warps_and_blocks():
    # Long rows are split over several blocks and their partials folded.
    for name in ("float32", "float16", "int8", "bool"):
        big = sample(name, (200_000,))
        for op in ("sum", "amax", "amin", "all", "any"):
            same(getattr(torch, op)(big.cuda()), getattr(torch, op)(big))
        same(big.cuda().reshape(2, -1).sum(1), big.reshape(2, -1).sum(1))
    p = sample("float64", (100_000,)).clamp(0.9999, 1.0001)
    same(p.cuda().prod(), p.prod())
    x = sample("float32", (3, 5000))
    same(x.cuda().sum(1), x.sum(1))
    same(x.cuda().amax(1), x.amax(1))
    same(x.cuda().argmax(1), x.argmax(1))
    nan = x.clone()
    nan[1, 4321] = float("nan")
    same(nan.cuda().amax(1), nan.amax(1))
    same(nan.cuda().argmax(1), nan.argmax(1))


# ---------------------------------------------------------------- rows, products, joins


@pytest.mark.parametrize("name", FLOAT_NAMES)
def test_softmax_and_log_softmax_match_cpu(name):
    x = sample(name, (3, 7, 300))
    for dim in (-1, 1, 0):
        same(torch.softmax(x.cuda(), dim), torch.softmax(x, dim))
        same(torch.log_softmax(x.cuda(), dim), torch.log_softmax(x, dim))


@pytest.mark.parametrize("name", [n for n in DTYPE_NAMES if n != "float16"])
def test_cumsum_cumprod_match_cpu(name):
    x = sample(name, (4, 6))
    if name not in INT_NAMES + ["bool"]:
        x = x.clamp(-1.5, 1.5)
    for dim in (0, 1):
        same(torch.cumsum(x.cuda(), dim), torch.cumsum(x, dim))
        same(torch.cumprod(x.cuda(), dim), torch.cumprod(x, dim))


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_matmul_family_matches_cpu(name):
    a, b = sample(name, (2, 5, 3)), sample(name, (2, 3, 4))
    if name == "bool":
        with pytest.raises(NotImplementedError):
            torch.bmm(a.cuda(), b.cuda())
        return
    same(torch.bmm(a.cuda(), b.cuda()), torch.bmm(a, b))
    same(a.cuda() @ b.cuda(), a @ b)
    same(a[0].cuda() @ b[0].cuda(), a[0] @ b[0])
    # Transposed operands reach cuBLAS without a copy.
    same(torch.mm(a[0].cuda().t().contiguous().t(), b[0].cuda()), torch.mm(a[0], b[0]))
    same(torch.mm(b[0].cuda().t(), a[0].cuda().t()), torch.mm(b[0].t(), a[0].t()))
    # Broadcast batch, matrix-vector and vector-vector.
    same(a.cuda() @ b[0].cuda(), a @ b[0])
    same(a[0].cuda() @ b[0, :, 0].cuda(), a[0] @ b[0, :, 0])
    same(a[0, 0].cuda() @ a[1, 0].cuda(), a[0, 0] @ a[1, 0])


def test_allow_tf32_is_pytorchs_switch():
    assert torch.backends.cuda.matmul.allow_tf32 is False
    torch.backends.cuda.matmul.allow_tf32 = True
    try:
        assert torch.get_float32_matmul_precision() == "high"
        a, b = sample("float32", (8, 8)), sample("float32", (8, 8))
        np.testing.assert_allclose(to_np(a.cuda() @ b.cuda()), to_np(a @ b), rtol=2e-2, atol=2e-2)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = False
    assert torch.get_float32_matmul_precision() == "highest"


@pytest.mark.parametrize("name", ["float32", "int64", "bool"])
def test_cat_and_stack_match_cpu(name):
    a, b = sample(name, (2, 3)), sample(name, (4, 3))
    same(torch.cat([a.cuda(), b.cuda()]), torch.cat([a, b]))
    same(torch.cat([a.cuda(), b[:2].cuda()], dim=1), torch.cat([a, b[:2]], dim=1))
    same(torch.stack([a.cuda(), b[:2].cuda()], dim=1), torch.stack([a, b[:2]], dim=1))
    with pytest.raises(RuntimeError, match="same device"):
        torch.cat([a.cuda(), b])


# ---------------------------------------------------------------- indexing


@pytest.mark.parametrize("name", ["float32", "float16", "int64", "uint8", "bool"])
def test_advanced_indexing_reads_match_cpu(name):
    x = sample(name, (5, 6, 7))
    i = torch.tensor([[4, 0], [-1, 2]])
    j = torch.tensor([1, 4])
    m = sample("bool", (5, 6))
    for idx in [(i,), (slice(None), j), (i, slice(1, 4), j), (j, None, Ellipsis, j), (m,), (slice(None), m[0]),
                (slice(None), torch.tensor([True, False, True, True, False, True])), (torch.tensor(True),)]:
        gidx = tuple(e.cuda() if isinstance(e, torch.Tensor) else e for e in idx)
        same(x.cuda()[gidx], x[idx])
        # CPU index tensors index CUDA tensors too (PyTorch allows it).
        same(x.cuda()[idx], x[idx])
    same(x.cuda().transpose(0, 2)[j.cuda()], x.transpose(0, 2)[j])
    with pytest.raises(IndexError, match="index 9 is out of bounds for dimension 0 with size 5"):
        x.cuda()[torch.tensor([9]).cuda()]


@pytest.mark.parametrize("name", ["float32", "int32", "bool"])
def test_advanced_indexing_writes_match_cpu(name):
    x = sample(name, (5, 6))
    v = sample(name, (2, 6))
    g, c = x.cuda(), x.clone()
    i = torch.tensor([3, 0])
    g[i.cuda()] = v.cuda()
    c[i] = v
    same(g, c)
    m = sample("bool", (5, 6))
    g[m.cuda()] = 1
    c[m] = 1
    same(g, c)
    g[:, torch.tensor([1, 4]).cuda()] = 0
    c[:, torch.tensor([1, 4])] = 0
    same(g, c)


@pytest.mark.parametrize("name", ["float32", "float64", "int64", "int8", "bool"])
def test_gather_scatter_index_select_nonzero_match_cpu(name):
    x = sample(name, (4, 5))
    idx = torch.tensor(RNG.integers(0, 4, size=(3, 5)))
    same(torch.gather(x.cuda(), 0, idx.cuda()), torch.gather(x, 0, idx))
    idx1 = torch.tensor(RNG.integers(-5, 5, size=(4, 2)))
    same(torch.gather(x.cuda(), 1, idx1.cuda()), torch.gather(x, 1, idx1))
    same(torch.index_select(x.cuda(), 1, torch.tensor([4, 0, 0]).cuda()), torch.index_select(x, 1, torch.tensor([4, 0, 0])))
    same(torch.nonzero(x.cuda()), torch.nonzero(x))
    src = sample(name, (3, 5))
    perm = torch.tensor([[0, 1, 2, 3, 0], [1, 2, 3, 0, 1], [2, 3, 0, 1, 2]])
    for reduce in (None, "add", "multiply"):
        if reduce is not None and name == "bool":
            continue
        g, c = x.cuda(), x.clone()
        kw = {} if reduce is None else {"reduce": reduce}
        g.scatter_(0, perm.cuda(), src.cuda(), **kw)
        c.scatter_(0, perm, src, **kw)
        same(g, c)
    with pytest.raises(RuntimeError, match="index 7 is out of bounds for dimension 0 with size 4"):
        torch.gather(x.cuda(), 0, torch.full((1, 5), 7).cuda())


def test_masked_fill_and_take_match_cpu():
    x = sample("float32", (4, 5))
    m = x > 0
    same(x.cuda().masked_fill(m.cuda(), -1.0), x.masked_fill(m, -1.0))
    same(torch.take(x.cuda(), torch.tensor([0, 19, -1]).cuda()), torch.take(x, torch.tensor([0, 19, -1])))


def test_indexing_backward_on_the_device_matches_cpu():
    x = sample("float32", (5, 4))
    i = torch.tensor([4, 1, 1])
    outs = []
    for dev in ("cuda", "cpu"):
        a = x.to(dev).requires_grad_()
        y = (a[i.to(dev)] * 2).sum() + torch.gather(a, 1, torch.tensor([[0], [3], [1], [1], [2]]).to(dev)).sum()
        y = y + a[1:3, ::2].sum() + a[a > 0].sum()
        y.backward()
        outs.append(a.grad)
    same(outs[0], outs[1])


# ---------------------------------------------------------------- autocast


@pytest.mark.parametrize("low", ["float16", "bfloat16"])
def test_autocast_on_cuda_follows_pytorchs_lists(low):
    dt = tdt(low)
    a, b = sample("float32", (8, 16)).cuda(), sample("float32", (16, 4)).cuda().requires_grad_()
    with torch.autocast(device_type="cuda", dtype=dt):
        y = a @ b  # matmul family: lower precision
        e = y.exp()  # fp32 list
        s = y.sum()  # fp32 through dtype
        keep = y + 1  # not listed: input dtype
    assert (y.dtype, e.dtype, s.dtype, keep.dtype) == (dt, torch.float32, torch.float32, dt)
    same(y.detach(), a.to(dt) @ b.detach().to(dt))
    e.sum().backward()
    assert b.grad.dtype == torch.float32 and b.grad.is_cuda
    ref_b = b.detach().clone().requires_grad_()
    (a.to(dt) @ ref_b.to(dt)).float().exp().sum().backward()
    same(b.grad, ref_b.grad, "bfloat16" if low == "bfloat16" else "float16")


# ---------------------------------------------------------------- random


@pytest.mark.parametrize("name", FLOAT_NAMES)
def test_random_on_the_device_is_seeded_and_well_distributed(name):
    dt = tdt(name)
    torch.manual_seed(123)
    u, n = torch.rand(20000, device="cuda", dtype=dt), torch.randn(20000, device="cuda", dtype=dt)
    assert u.is_cuda and u.dtype == dt and n.dtype == dt
    torch.cuda.manual_seed(123)
    np.testing.assert_array_equal(to_np(torch.rand(20000, device="cuda", dtype=dt)), to_np(u))
    np.testing.assert_array_equal(to_np(torch.randn(20000, device="cuda", dtype=dt)), to_np(n))
    # A second draw continues the stream instead of repeating it.
    assert not np.array_equal(to_np(torch.rand(20000, device="cuda", dtype=dt)), to_np(u))
    uu, nn = to_np(u).astype(np.float64), to_np(n).astype(np.float64)
    assert uu.min() >= 0 and uu.max() < 1
    assert abs(uu.mean() - 0.5) < 0.01 and abs(uu.std() - 12 ** -0.5) < 0.01
    assert abs(nn.mean()) < 0.03 and abs(nn.std() - 1) < 0.03
    assert torch.cuda.initial_seed() == 123


def test_in_place_random_fills_on_the_device():
    torch.manual_seed(3)
    g = torch.empty(10000, device="cuda").uniform_(-2, 3)
    v = to_np(g)
    assert g.is_cuda and v.min() >= -2 and v.max() < 3 and abs(v.mean() - 0.5) < 0.05
    n = to_np(torch.empty(10000, device="cuda", dtype=torch.float64).normal_(5, 2))
    assert abs(n.mean() - 5) < 0.1 and abs(n.std() - 2) < 0.1
    with pytest.raises(RuntimeError, match="Expected a 'cuda' device type for generator but found 'cpu'"):
        torch.rand(3, device="cuda", generator=torch.Generator())


def test_randint_on_the_device():
    torch.manual_seed(5)
    r = torch.randint(-3, 4, (5000,), device="cuda")
    assert r.is_cuda and r.dtype == torch.int64
    v = to_np(r)
    assert v.min() == -3 and v.max() == 3
    counts = np.bincount(v + 3)
    assert counts.min() > 5000 / 7 * 0.85
    torch.manual_seed(5)
    np.testing.assert_array_equal(to_np(torch.randint(-3, 4, (5000,), device="cuda")), v)
    assert torch.randint(10, (3, 2), device="cuda", dtype=torch.uint8).dtype == torch.uint8


# ---------------------------------------------------------------- devices mixed


def test_mixing_devices_raises_pytorchs_error():
    a, b = torch.ones(3).cuda(), torch.ones(3)
    msg = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
    with pytest.raises(RuntimeError, match=msg):
        a + b
    with pytest.raises(RuntimeError, match="found at least two devices, cpu and cuda:0!"):
        b + a
    with pytest.raises(RuntimeError, match="same device"):
        torch.where(a > 0, a, b)
    # CPU 0-dim tensors go with any device, as in PyTorch.
    assert (a + torch.tensor(2.0)).is_cuda


# ---------------------------------------------------------------- autograd


def test_backward_runs_on_the_device_and_flows_back_to_a_cpu_leaf():
    w_cpu = sample("float32", (3, 4)).requires_grad_()
    g_leaf = sample("float32", (3, 4)).cuda().requires_grad_()
    x = w_cpu.cuda()  # ToCopyBackward0: the gradient goes back to the CPU
    assert x.grad_fn.name() == "ToCopyBackward0"
    y = ((x * g_leaf + 1).exp() * 0.1).sum()
    y.backward()
    assert w_cpu.grad.device.type == "cpu" and g_leaf.grad.is_cuda
    # Reference: the same on the CPU.
    w2 = w_cpu.detach().clone().requires_grad_()
    g2 = g_leaf.detach().cpu().requires_grad_()
    ((w2 * g2 + 1).exp() * 0.1).sum().backward()
    np.testing.assert_allclose(to_np(w_cpu.grad), to_np(w2.grad), rtol=1e-5)
    np.testing.assert_allclose(to_np(g_leaf.grad), to_np(g2.grad), rtol=1e-5)


def test_mlp_training_step_matches_cpu():
    torch.manual_seed(0)
    w1, w2 = torch.randn(8, 16) * 0.3, torch.randn(16, 3) * 0.3
    x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    onehot = torch.zeros(32, 3)
    onehot[torch.arange(32), y] = 1.0

    def loss_of(dev):
        a, b = w1.to(dev).requires_grad_(), w2.to(dev).requires_grad_()
        h = (x.to(dev) @ a).relu()
        logp = torch.log_softmax(h @ b, dim=1)
        loss = -(logp * onehot.to(dev)).sum() / 32
        loss.backward()
        return loss, a.grad, b.grad

    for g, c in zip(loss_of("cuda"), loss_of("cpu")):
        same(g.detach() if g.dim() == 0 else g, c.detach() if c.dim() == 0 else c)


def test_a_gradient_on_another_device_is_refused():
    x = torch.ones(3, device="cuda", requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid gradient at index 0 - expected device cuda:0 but got cpu"):
        (x * 2).backward(torch.ones(3))
    with pytest.raises(RuntimeError, match="invalid gradient at index 0 - expected device cuda:0 but got cpu"):
        torch.autograd.grad(x * 2, x, torch.ones(3))


# ---------------------------------------------------------------- memory


def test_memory_statistics_follow_tensors():
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    t = torch.zeros(1024, 1024, device="cuda")  # 4 MiB
    assert torch.cuda.memory_allocated() - base == 4 << 20
    assert torch.cuda.memory_reserved() >= torch.cuda.memory_allocated()
    assert torch.cuda.max_memory_allocated() >= base + (4 << 20)
    del t
    assert torch.cuda.memory_allocated() == base
    torch.cuda.reset_peak_memory_stats()
    assert torch.cuda.max_memory_allocated() == base
    torch.cuda.empty_cache()
    assert torch.cuda.memory_reserved() >= torch.cuda.memory_allocated()
    props = torch.cuda.get_device_properties(0)
    assert props.total_memory > 0 and props.multi_processor_count > 0
    assert torch.cuda.get_device_name() == props.name
    free, total = torch.cuda.mem_get_info()
    assert 0 <= free <= total == props.total_memory


def test_a_training_style_loop_stops_allocating_device_memory():
    w = sample("float32", (64, 64)).cuda().requires_grad_()
    x = sample("float32", (32, 64)).cuda()

    def step():
        y = ((x * 0.5 + w[:32]).tanh() ** 2).sum()
        y.backward()
        with torch.no_grad():
            w.sub_(w.grad * 0.01)
        w.grad = None

    for _ in range(3):
        step()
    before = torch.cuda.memory_stats()["num_device_alloc"]
    for _ in range(20):
        step()
    assert torch.cuda.memory_stats()["num_device_alloc"] == before


def test_out_of_memory_raises_and_the_process_stays_usable():
    # A fresh process whose (emulated or real) device is filled up.
    code = textwrap.dedent("""
        import ferrotorch as torch
        total = torch.cuda.get_device_properties(0).total_memory
        keep = torch.zeros(total // 8, dtype=torch.uint8, device="cuda")  # an eighth of the device
        try:
            torch.zeros(total, dtype=torch.uint8, device="cuda")  # cannot fit
        except torch.cuda.OutOfMemoryError as e:
            assert isinstance(e, RuntimeError)
            msg = str(e)
            assert "CUDA out of memory. Tried to allocate" in msg and "GPU 0 has a total capacity of" in msg, msg
            print("oom ok")
        # A copy behind an infallible signature (`contiguous`) raises it too.
        half = torch.zeros(total // 64, 16, dtype=torch.uint8, device="cuda")  # a quarter
        more = torch.zeros(total // 2, dtype=torch.uint8, device="cuda")  # no room for its copy
        try:
            half.t().contiguous()
        except torch.cuda.OutOfMemoryError:
            print("copy oom ok")
        del half, more
        small = torch.ones(1000, device="cuda") * 2
        assert small.sum().item() == 2000
        stats = torch.cuda.memory_stats()
        assert stats["num_ooms"] == 2 and stats["num_alloc_retries"] >= 1, stats
        print("usable")
    """)
    env = dict(__import__("os").environ)
    if torch.cuda._C._cuda_is_emulated():
        env["FERROTORCH_CUDA_EMULATOR"] = "256"  # MiB
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["oom", "ok", "copy", "oom", "ok", "usable"], out.stdout
    assert "panicked" not in out.stderr, out.stderr


# ---------------------------------------------------------------- sort, topk, flip


def exact(gpu, cpu):
    """Asserts a CUDA result equals the CPU one exactly: NaN where NaN, and
    the sign of zeros too (sorting moves values, it never computes them)."""
    same(gpu, cpu)
    g, c = to_np(gpu), to_np(cpu)
    np.testing.assert_array_equal(g, c)
    if g.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(g), np.signbit(c))


def sortable(name, shape, nans=True):
    """``sample`` with many ties (floats rounded to halves, integers and
    bool drawn from few values), and for floats NaNs and both zeros."""
    x = sample(name, shape)
    if name not in FLOAT_NAMES:
        return x
    v = np.round(to_np(x).astype(np.float64) * 2) / 2
    flat = v.reshape(-1)
    if flat.size:
        picks = RNG.random(flat.size)
        flat[picks < 0.08] = -0.0
        flat[(picks >= 0.08) & (picks < 0.16)] = 0.0
        if nans:
            flat[(picks >= 0.16) & (picks < 0.24)] = np.nan
        flat[(picks >= 0.24) & (picks < 0.27)] = np.inf
        flat[(picks >= 0.27) & (picks < 0.30)] = -np.inf
    return torch.tensor(v).to(tdt(name))


def check_sort(x, dim, descending):
    gv, gi = torch.sort(x.cuda(), dim, descending=descending)
    cv, ci = torch.sort(x, dim, descending=descending)
    exact(gv, cv)
    exact(gi, ci)
    exact(torch.argsort(x.cuda(), dim, descending=descending), ci)


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_sort_and_argsort_match_cpu_with_ties_and_nans(name):
    x = sortable(name, (4, 6, 37))
    for dim in (0, 1, -1):
        for descending in (False, True):
            check_sort(x, dim, descending)
    # The stable order of ties, checked on its own: equal values keep
    # their positions' order both ways.
    ties = torch.tensor([1, 0, 1, 1, 0, 2, 1]).to(tdt(name))
    _, up = torch.sort(ties.cuda())
    _, down = torch.sort(ties.cuda(), descending=True)
    if name == "bool":
        assert up.tolist() == [1, 4, 0, 2, 3, 5, 6] and down.tolist() == [0, 2, 3, 5, 6, 1, 4]
    else:
        assert up.tolist() == [1, 4, 0, 2, 3, 6, 5] and down.tolist() == [5, 0, 2, 3, 6, 1, 4]


def test_sort_puts_nans_last_ascending_and_first_descending():
    x = torch.tensor([3.0, float("nan"), -0.0, 0.0, 1.0, float("nan"), -float("inf")])
    v, i = torch.sort(x.cuda())
    assert i.tolist() == [6, 2, 3, 4, 0, 1, 5]
    assert np.signbit(to_np(v)[1]) and not np.signbit(to_np(v)[2])
    assert torch.sort(x.cuda(), descending=True)[1].tolist() == [1, 5, 0, 4, 2, 3, 6]


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("n", [4096, 4097, 5000, 70000])
def test_sort_of_rows_longer_than_shared_memory_matches_cpu(name, n):
    # 4096 is the longest row sorted in shared memory; longer ones are
    # sorted as tiles and merged.
    x = sortable(name, (2, n) if n < 70000 else (n,))
    for descending in (False, True):
        check_sort(x, -1, descending)


def test_sort_of_many_short_rows_and_odd_lengths():
    for shape in [(3000, 3), (2, 3000), (50, 1), (7, 33), (5, 1025), (3, 2049)]:
        x = sortable("float32", shape)
        for dim in (0, 1):
            check_sort(x, dim, False)
            check_sort(x, dim, True)


def test_sort_of_empty_scalar_and_non_contiguous_inputs():
    for shape in [(0,), (0, 5), (3, 0)]:
        x = torch.zeros(shape)
        for dim in range(len(shape)):
            check_sort(x, dim, False)
    check_sort(torch.tensor(2.5), 0, True)
    # Views of device memory (`.cuda()` of a CPU view would copy it contiguous).
    base = sortable("float64", (12, 40))
    views = [lambda t: t.t(), lambda t: t[::2, 5:30:3], lambda t: t.t()[3:9],
             lambda t: t.unsqueeze(1).expand(12, 3, 40)]
    for view in views:
        g, c = view(base.cuda()), view(base)
        assert not g.is_contiguous()
        for dim in (0, -1):
            for descending in (False, True):
                gv, gi = torch.sort(g, dim, descending=descending)
                cv, ci = torch.sort(c, dim, descending=descending)
                exact(gv, cv)
                exact(gi, ci)
                exact(g.argsort(dim, descending=descending), ci)
            exact(g.topk(2, dim)[1], c.topk(2, dim)[1])


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_topk_matches_cpu_largest_and_smallest(name):
    x = sortable(name, (5, 6, 23))
    for dim, size in ((0, 5), (1, 6), (-1, 23)):
        for k in (0, 1, 3, size):
            for largest in (True, False):
                gv, gi = torch.topk(x.cuda(), k, dim, largest=largest)
                cv, ci = torch.topk(x, k, dim, largest=largest)
                exact(gv, cv)
                exact(gi, ci)
    with pytest.raises(RuntimeError):
        x.cuda().topk(24)


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_flip_matches_cpu(name):
    x = sortable(name, (3, 4, 5))
    for dims in [(0,), (1,), (2,), (-1,), (0, 2), (0, 1, 2), ()]:
        exact(torch.flip(x.cuda(), dims), torch.flip(x, dims))
    views = [lambda t: t.transpose(0, 2), lambda t: t[:, 1:, ::2], lambda t: t[1:, 2:],
             lambda t: t.unsqueeze(0).expand(2, 3, 4, 5), lambda t: t.flip(1).transpose(1, 2)[:, ::2]]
    for view in views:
        g, c = view(x.cuda()), view(x)
        for dims in [(0,), (-1,), (0, -1), (1, -1)]:
            exact(g.flip(dims), c.flip(dims))
    exact(torch.zeros(0, 3).cuda().flip(0), torch.zeros(0, 3).flip(0))
    exact(torch.tensor(1.5).cuda().flip(()), torch.tensor(1.5).flip(()))
    f = x.cuda().flip(1)
    assert f.is_contiguous() and f.data_ptr() != x.cuda().data_ptr()


def test_gradients_through_sort_topk_and_flip_match_cpu():
    x = sortable("float32", (4, 9), nans=False)
    w = sample("float32", (4, 9))

    def grads(dev):
        a = x.to(dev).requires_grad_()
        v, _ = torch.sort(a, 1, descending=True)
        t, _ = torch.topk(a, 3, 0, largest=False)
        f = a.flip((0, 1))
        (v * w.to(dev)).sum().backward(retain_graph=True)
        g1 = a.grad.clone()
        a.grad = None
        ((t * 2).sum() + (f * w.to(dev)).sum()).backward()
        return v, t, f, g1, a.grad

    for g, c in zip(grads("cuda"), grads("cpu")):
        assert g.is_cuda
        same(g.detach(), c.detach())


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_topk_of_long_rows_selects_like_the_cpu_sort(name):
    # Rows longer than one shared-memory sort with k up to 2048 take the
    # radix-select kernel; heavy ties (bool, int8, rounded floats) make it
    # pick the lowest positions among the keys equal to the k-th.
    x = sortable(name, (3, 5000))
    for k in (1, 7, 100, 2048, 2049, 5000):
        for largest in (True, False):
            gv, gi = x.cuda().topk(k, largest=largest)
            cv, ci = x.topk(k, largest=largest)
            exact(gv, cv)
            exact(gi, ci)
    # Along dim 0 (moved last on the device) and in one long row.
    y = sortable(name, (4500, 2))
    exact(y.cuda().topk(5, 0)[1], y.topk(5, 0)[1])
    z = sortable(name, (70000,))
    for largest in (True, False):
        gv, gi = z.cuda().topk(33, largest=largest)
        cv, ci = z.topk(33, largest=largest)
        exact(gv, cv)
        exact(gi, ci)


def test_topk_selection_with_all_equal_and_nan_rows():
    for row in [np.zeros(6000), np.full(6000, np.nan), np.r_[np.full(3000, np.nan), np.ones(3000)]]:
        x = torch.tensor(row)
        for k in (1, 5, 2000):
            for largest in (True, False):
                gv, gi = x.cuda().topk(k, largest=largest)
                cv, ci = x.topk(k, largest=largest)
                exact(gv, cv)
                exact(gi, ci)


def test_gradient_through_selected_topk_matches_cpu():
    x = sortable("float64", (2, 6000), nans=False)

    def grad(dev):
        a = x.to(dev).requires_grad_()
        v, _ = a.topk(10, largest=False)
        (v * torch.arange(10.0, dtype=torch.float64, device=dev)).sum().backward()
        return a.grad

    same(grad("cuda"), grad("cpu"))
