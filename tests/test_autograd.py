"""Autograd: gradients checked against float64 central finite differences
computed with numpy-fed forward passes, PyTorch's node names and error
messages, grad mode, retain_graph, accumulation and the leaf API."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import device_type_names, to_np

RNG = np.random.default_rng(0)


def leaf(shape, low=-2.0, high=2.0, noncontig=False, device=None):
    """A float64 leaf that requires grad (optionally a transposed layout)."""
    if noncontig and len(shape) >= 2:
        base = torch.tensor(RNG.uniform(low, high, size=tuple(shape[:-2]) + (shape[-1], shape[-2])),
                            dtype=torch.float64, device=device)
        t = base.transpose(-2, -1).detach()
        assert not t.is_contiguous()
        return t.requires_grad_()
    return torch.tensor(RNG.uniform(low, high, size=shape), dtype=torch.float64, requires_grad=True, device=device)


def numeric_grads(f, inputs, v, eps=1e-6):
    """d(sum(f(inputs) * v))/d(input) by central differences, per input
    (the forward passes run on the inputs' device)."""
    arrays = [to_np(x.detach()) for x in inputs]
    device = inputs[0].device
    grads = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            vals = []
            for step in (eps, -eps):
                p = [b.copy() for b in arrays]
                p[k][idx] += step
                with torch.no_grad():
                    out = f(*[torch.tensor(b, dtype=torch.float64, device=device) for b in p])
                vals.append(float((to_np(out) * v).sum()))
            g[idx] = (vals[0] - vals[1]) / (2 * eps)
        grads.append(g)
    return grads


def check(f, *inputs, atol=1e-6, rtol=1e-5):
    out = f(*inputs)
    assert out.requires_grad and out.grad_fn is not None
    v = RNG.uniform(-1, 1, size=tuple(out.shape))
    analytic = torch.autograd.grad(out, inputs, torch.tensor(v, dtype=out.dtype, device=out.device))
    expected = numeric_grads(f, inputs, v)
    for a, e, x in zip(analytic, expected, inputs):
        assert tuple(a.shape) == tuple(x.shape)
        assert a.dtype == x.dtype and a.device == x.device
        np.testing.assert_allclose(to_np(a), e, atol=atol, rtol=rtol)


# ---------------------------------------------------------------- the examples

def test_polynomial_example(device):
    x = torch.tensor(2.0, requires_grad=True, device=device)
    y = x**2 + 3 * x + 1
    y.backward()
    assert x.grad.item() == 7.0


def test_product_example(device):
    x = torch.tensor(3.0, requires_grad=True, device=device)
    y = torch.tensor(2.0, requires_grad=True, device=device)
    z = (x + y) * (x * y)
    z.backward()
    assert (x.grad.item(), y.grad.item()) == (16.0, 21.0)


def test_vector_jacobian_product_example(device):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    (x**2).backward(torch.tensor([2.0, 4.0, 6.0], device=device))
    assert x.grad.tolist() == [4.0, 16.0, 36.0]


# ---------------------------------------------------------------- elementwise

BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((5,), ())]


@pytest.mark.parametrize("sa,sb", BINARY_SHAPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum"])
def test_binary_broadcasting(op, sa, sb, device):
    a = leaf(sa, device=device)
    b = leaf(sb, 0.5, 2.0, device=device) if op == "div" else leaf(sb, device=device)
    check(lambda x, y: getattr(x, op)(y), a, b)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary_noncontiguous(op, device):
    a = leaf((3, 4), noncontig=True, device=device)
    b = leaf((3, 4), 0.5, 2.0, noncontig=True, device=device)
    check(lambda x, y: getattr(x, op)(y), a, b)


@pytest.mark.parametrize("f", [
    lambda x: x + 2, lambda x: 2 + x, lambda x: x - 1.5, lambda x: 1.5 - x, lambda x: x * 2.5,
    lambda x: 2.5 * x, lambda x: x / 4, lambda x: 3 / x, lambda x: x**3, lambda x: x**2.5,
    lambda x: x**-1, lambda x: x**0, lambda x: 2**x, lambda x: x % 0.7, lambda x: x.fmod(0.7),
])
def test_scalar_operands(f, device):
    check(f, leaf((2, 3), 0.5, 2.0, device=device))


def test_pow_tensor_tensor(device):
    check(lambda x, y: x**y, leaf((2, 3), 0.5, 2.0, device=device), leaf((3,), device=device))


def test_pow_zero_base_has_zero_exponent_grad(device):
    x = torch.tensor([0.0, 1.0], requires_grad=True, device=device)
    y = torch.tensor([2.0, 2.0], requires_grad=True, device=device)
    (x**y).sum().backward()
    assert y.grad.tolist()[0] == 0.0


UNARY = {
    "exp": (-2, 2), "log": (0.5, 3), "sqrt": (0.5, 3), "sigmoid": (-3, 3), "tanh": (-2, 2),
    "relu": (-2, 2), "abs": (-2, 2), "neg": (-2, 2), "sin": (-2, 2), "cos": (-2, 2), "tan": (-1, 1),
    "reciprocal": (0.5, 2), "rsqrt": (0.5, 2), "log1p": (0, 2), "expm1": (-1, 1),
    "floor": (-2, 2), "round": (-2, 2), "sign": (-2, 2),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("noncontig", [False, True])
def test_unary(name, noncontig, device):
    lo, hi = UNARY[name]
    x = leaf((3, 4), lo, hi, noncontig=noncontig, device=device)
    if name in ("relu", "abs", "floor", "round", "sign"):
        # Keep clear of the kinks, where finite differences are meaningless.
        with torch.no_grad():
            x.copy_(torch.where(x.abs() < 0.1, x + 0.3, x))
            if name in ("floor", "round"):
                x.copy_(x.floor() + 0.25)
    check(lambda t: getattr(t, name)(), x)


# ---------------------------------------------------------------- reductions

@pytest.mark.parametrize("args", [{}, {"dim": 0}, {"dim": 1, "keepdim": True}, {"dim": (0, 2)}, {"dim": -1}])
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reductions(op, args, device):
    check(lambda x: getattr(x, op)(**args), leaf((2, 3, 4), device=device))


def test_sum_noncontiguous_and_dtype(device):
    check(lambda x: x.sum(0), leaf((3, 4), noncontig=True, device=device))
    x = torch.ones(3, requires_grad=True, device=device)
    s = x.sum(dtype=torch.float64)
    s.backward()
    assert x.grad.dtype == torch.float32 and x.grad.tolist() == [1.0, 1.0, 1.0]


# ---------------------------------------------------------------- matmul family

@pytest.mark.parametrize("sa,sb", [
    ((3, 4), (4, 5)), ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((2, 3, 4), (4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((3, 4), (2, 4, 5)),
])
def test_matmul(sa, sb, device):
    check(lambda x, y: x @ y, leaf(sa, device=device), leaf(sb, device=device))


def test_mm_bmm_noncontiguous(device):
    check(lambda x, y: x.mm(y), leaf((3, 4), noncontig=True, device=device), leaf((4, 2), noncontig=True, device=device))
    check(lambda x, y: x.bmm(y), leaf((2, 3, 4), device=device), leaf((2, 4, 2), noncontig=True, device=device))
    check(lambda x, y: x.dot(y), leaf((4,), device=device), leaf((4,), device=device))


def test_matmul_one_input_requires_grad(device):
    w = leaf((4, 2), device=device)
    x = torch.tensor(RNG.uniform(size=(3, 4)), device=device)
    (x @ w).sum().backward()
    np.testing.assert_allclose(to_np(w.grad), to_np(x).sum(0)[:, None] * np.ones((1, 2)))


# ---------------------------------------------------------------- views and conversions

@pytest.mark.parametrize("f", [
    lambda x: x.view(6, 4), lambda x: x.reshape(4, -1), lambda x: x.transpose(0, 2), lambda x: x.permute(2, 0, 1),
    lambda x: x.unsqueeze(1), lambda x: x.flatten(), lambda x: x.movedim(0, 2), lambda x: x[None].squeeze(),
    lambda x: x.unsqueeze(0).squeeze(0), lambda x: x.sum(1, keepdim=True).expand(2, 5, 4),
    lambda x: x.mT, lambda x: x.contiguous(), lambda x: x.clone(),
])
def test_views(f, device):
    check(lambda x: f(x) * 1.0, leaf((2, 3, 4), device=device))


def test_views_of_noncontiguous(device):
    check(lambda x: x.reshape(-1), leaf((3, 4), noncontig=True, device=device))
    check(lambda x: x.t(), leaf((3, 4), noncontig=True, device=device))
    check(lambda x: x.contiguous(), leaf((3, 4), noncontig=True, device=device))
    check(lambda x: x.expand(3, 2, 4), leaf((2, 4), device=device))
    check(lambda x: x.expand(3, 4, 2), leaf((4, 1), device=device))
    check(lambda x: x.expand(2, 4, 3), leaf((4, 3), noncontig=True, device=device))


def test_dtype_conversion_backward(device):
    x = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x.double()
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * torch.tensor([3.0, 4.0], dtype=torch.float64, device=device)).sum().backward()
    assert x.grad.dtype == torch.float32 and x.grad.tolist() == [3.0, 4.0]
    assert x.long().requires_grad is False


def test_mixed_dtype_gradients_keep_input_dtypes(device):
    a = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    b = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True, device=device)
    (a * b).sum().backward()
    assert a.grad.dtype == torch.float32 and b.grad.dtype == torch.float64
    assert a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [1.0, 2.0]


# ---------------------------------------------------------------- graph and node names

NAMES = [
    (lambda x, y: x + y, "AddBackward0"), (lambda x, y: x - y, "SubBackward0"), (lambda x, y: 3 - x, "RsubBackward1"),
    (lambda x, y: x * y, "MulBackward0"), (lambda x, y: x / y, "DivBackward0"), (lambda x, y: 3 / x, "MulBackward0"),
    (lambda x, y: -x, "NegBackward0"), (lambda x, y: x**2, "PowBackward0"), (lambda x, y: x**y, "PowBackward1"),
    (lambda x, y: 2**x, "PowBackward2"), (lambda x, y: x.exp(), "ExpBackward0"), (lambda x, y: x.log(), "LogBackward0"),
    (lambda x, y: x.sqrt(), "SqrtBackward0"), (lambda x, y: x.sigmoid(), "SigmoidBackward0"),
    (lambda x, y: x.tanh(), "TanhBackward0"), (lambda x, y: x.relu(), "ReluBackward0"), (lambda x, y: x.abs(), "AbsBackward0"),
    (lambda x, y: x.log1p(), "Log1PBackward0"), (lambda x, y: x.sum(), "SumBackward0"), (lambda x, y: x.sum(0), "SumBackward1"),
    (lambda x, y: x.mean(), "MeanBackward0"), (lambda x, y: x.mean(0), "MeanBackward1"), (lambda x, y: x @ y, "DotBackward0"),
    (lambda x, y: x.view(3, 1) @ y.view(1, 3), "MmBackward0"), (lambda x, y: x.view(1, 3), "ViewBackward0"),
    (lambda x, y: x.unsqueeze(0), "UnsqueezeBackward0"), (lambda x, y: x.expand(2, 3), "ExpandBackward0"),
    (lambda x, y: x.view(1, 3).t(), "TBackward0"), (lambda x, y: x.view(1, 3).transpose(0, 1), "TransposeBackward0"),
    (lambda x, y: x.view(1, 3).permute(1, 0), "PermuteBackward0"), (lambda x, y: x.view(1, 3).squeeze(), "SqueezeBackward0"),
    (lambda x, y: x.view(1, 3).squeeze(0), "SqueezeBackward1"), (lambda x, y: x.double(), "ToCopyBackward0"),
    (lambda x, y: x.clone(), "CloneBackward0"), (lambda x, y: torch.maximum(x, y), "MaximumBackward0"),
]


@pytest.mark.parametrize("f,name", NAMES)
def test_grad_fn_names(f, name, device):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    y = torch.tensor([4.0, 5.0, 6.0], requires_grad=True, device=device)
    assert f(x, y).grad_fn.name() == name


def test_grad_fn_names_match_torch_live():
    ref = pytest.importorskip("torch")
    for f, name in NAMES:
        rx = ref.tensor([1.0, 2.0, 3.0], requires_grad=True)
        ry = ref.tensor([4.0, 5.0, 6.0], requires_grad=True)
        if f is NAMES[-1][0]:
            assert ref.maximum(rx, ry).grad_fn.name() == name
            continue
        assert f(rx, ry).grad_fn.name() == name


def test_next_functions_and_repr(device):
    x = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x * 2
    fn = y.grad_fn
    assert repr(fn).startswith("<MulBackward0 object at 0x")
    (acc, nr), (none, nr2) = fn.next_functions
    assert acc.name() == "torch::autograd::AccumulateGrad" and nr == 0 and none is None and nr2 == 0
    assert acc.variable is not None and acc.variable.data_ptr() == x.data_ptr()
    # One accumulator per leaf, shared by every graph using it.
    assert (x + 1).grad_fn.next_functions[0][0] == acc
    assert (3 - x).grad_fn.next_functions == ((acc, 0),)
    assert (x**2).grad_fn.next_functions == ((acc, 0),)


def test_repr_shows_autograd_state(device):
    x = torch.tensor([2.0, 4.0], requires_grad=True, device=device)
    on = "" if device == "cpu" else f", device='{x.device}'"
    assert repr(x) == f"tensor([2., 4.]{on}, requires_grad=True)"
    assert repr(x.sum() + 1) == f"tensor(7.{on}, grad_fn=<AddBackward0>)"
    assert repr(x.detach()) == f"tensor([2., 4.]{on})"


# ---------------------------------------------------------------- leaves, .grad, detach

def test_leaf_flags(device):
    x = torch.ones(2, requires_grad=True, device=device)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.requires_grad
    assert torch.ones(2, device=device).is_leaf and torch.ones(2, device=device).grad_fn is None
    assert x.grad is None


def test_grad_accumulates_and_can_be_reset(device):
    x = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    (x * 3).sum().backward()
    g = x.grad
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    assert g.tolist() == [6.0, 6.0]  # accumulated in place, as in PyTorch
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]
    x.grad = None
    assert x.grad is None
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_same_tensor_feeds_two_leaves_without_aliasing(device):
    a = torch.ones(2, requires_grad=True, device=device)
    b = torch.ones(2, requires_grad=True, device=device)
    (a + b).sum().backward()
    (a + b).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0] and b.grad.tolist() == [2.0, 2.0]


def test_grad_setter_checks(device):
    x = torch.ones(3, requires_grad=True, device=device)
    x.grad = torch.full((3,), 5.0, device=device)
    assert x.grad.tolist() == [5.0] * 3
    with pytest.raises(RuntimeError, match=r"attempting to assign a gradient of size '\[2\]' to a tensor of size '\[3\]'"):
        x.grad = torch.ones(2, device=device)
    with pytest.raises(RuntimeError, match="attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'"):
        x.grad = torch.ones(3, dtype=torch.float64, device=device)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None but got grad of type int"):
        x.grad = 3


def test_requires_grad_rules(device):
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        torch.tensor([1, 2], device=device).requires_grad_()
    y = torch.ones(2, requires_grad=True, device=device) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    i = torch.ones(2, requires_grad=True, device=device).long()
    assert not i.requires_grad and i.grad_fn is None


def test_detach_and_detach_(device):
    x = torch.ones(2, requires_grad=True, device=device)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.data_ptr() == y.data_ptr()
    y.detach_()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_retain_grad(device):
    x = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x * 2
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    assert y.grad.tolist() == [4.0, 8.0]
    assert x.grad.tolist() == [8.0, 16.0]
    z = x * 3
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert z.grad is None


# ---------------------------------------------------------------- engine behaviour

def test_diamond_graph_sums_gradients(device):
    x = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    a = x * 2
    b = a.exp()
    c = a * 3
    (b + c).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), 2 * np.exp([2.0, 4.0]) + 6, rtol=1e-6)


def test_retain_graph_and_second_backward_error(device):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.tolist() == [4.0, 8.0, 12.0]
    with pytest.raises(RuntimeError, match=r"^Trying to backward through the graph a second time \(or directly access saved tensors after they have already been freed\)"):
        z.backward()
    # Nodes that saved nothing can run again, as in PyTorch.
    w = (x + 1).sum()
    w.backward()
    w.backward()


def test_backward_errors(device):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and does not have a grad_fn$"):
        torch.tensor([1.0, 2.0], device=device).sum().backward()
    with pytest.raises(RuntimeError, match=r"^Mismatch in shape: grad_output\[0\] has a shape of torch.Size\(\[2\]\) and output\[0\] has a shape of torch.Size\(\[3\]\)\.$"):
        (x * 2).backward(torch.ones(2, device=device))


def test_inplace_on_saved_tensor_is_detected(device):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    y = x.exp()
    z = y * 1
    with torch.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="which is output 0 of Exp, is at version 1"):
        z.sum().backward()
    y2 = x.exp()
    with torch.no_grad():
        y2.mul_(2)
    with pytest.raises(RuntimeError) as e:
        y2.sum().backward()
    assert str(e.value) == device_type_names(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[torch.FloatTensor [3]], which is output 0 of Exp, is at version 1; expected version 0 instead. "
        "Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
        "with torch.autograd.set_detect_anomaly(True, check_nan=False).", device)
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    c = a * a
    with torch.no_grad():
        a.add_(1)
    with pytest.raises(RuntimeError) as e:
        c.sum().backward()
    assert device_type_names("[torch.FloatTensor [3]] is at version 1; expected version 0 instead", device) in str(e.value)


def test_inplace_on_leaf_requiring_grad(device):
    x = torch.ones(2, requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place operation.$"):
        x.add_(1)
    with torch.no_grad():
        x.add_(1)
    assert x.tolist() == [2.0, 2.0]


def test_autograd_grad(device):
    x = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = torch.tensor([3.0, 4.0], requires_grad=True, device=device)
    gx, gy = torch.autograd.grad((x * y).sum(), [x, y])
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [1.0, 2.0]
    assert x.grad is None and y.grad is None
    unused = torch.ones(2, requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="^The differentiated Tensor at index 1 appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.$"):
        torch.autograd.grad((x * 2).sum(), [x, unused])
    g = torch.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert g[1] is None
    g = torch.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    assert g[1].tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="^One of the differentiated Tensors does not require grad$"):
        torch.autograd.grad((x * 2).sum(), [torch.ones(2, device=device)])
    # Gradient of an intermediate (non-leaf) tensor.
    h = x * 3
    (gh,) = torch.autograd.grad((h * h).sum(), h)
    assert gh.tolist() == [6.0, 12.0]


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_second_derivative(device):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    y = (x**3).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    assert g.tolist() == [3.0, 12.0, 27.0] and g.requires_grad
    (g2,) = torch.autograd.grad(g.sum(), x)
    assert g2.tolist() == [6.0, 12.0, 18.0]
    # Through a saved output (exp) and backward(create_graph=True).
    z = torch.tensor(0.5, requires_grad=True, device=device)
    e = z.exp()
    e.backward(create_graph=True)
    (d2,) = torch.autograd.grad(z.grad, z)
    assert abs(d2.item() - np.exp(0.5)) < 1e-6


# ---------------------------------------------------------------- grad mode

def test_no_grad_and_enable_grad(device):
    x = torch.ones(2, requires_grad=True, device=device)
    with torch.no_grad():
        assert not torch.is_grad_enabled()
        y = x * 2
        with torch.enable_grad():
            z = x * 2
    assert torch.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad


def test_grad_mode_decorators(device):
    x = torch.ones(2, requires_grad=True, device=device)

    @torch.no_grad()
    def f(t):
        return t * 2

    @torch.no_grad
    def g(t):
        return t * 2

    @torch.enable_grad()
    def h(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    with torch.no_grad():
        assert h(x).requires_grad
    assert f.__name__ == "f"


def test_set_grad_enabled_and_inference_mode(device):
    x = torch.ones(2, requires_grad=True, device=device)
    torch.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    torch.set_grad_enabled(True)
    with torch.set_grad_enabled(False):
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    with torch.inference_mode():
        assert torch.is_inference_mode_enabled() and not (x * 2).requires_grad
    assert not torch.is_inference_mode_enabled()
    with torch.inference_mode(False):
        assert (x * 2).requires_grad


def test_grad_mode_is_thread_local():
    seen = []
    with torch.no_grad():
        t = threading.Thread(target=lambda: seen.append(torch.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


# ---------------------------------------------------------------- gradcheck

def test_gradcheck_passes_and_reports_mismatch(device):
    x = leaf((3, 4), device=device)
    w = leaf((4, 2), device=device)
    assert torch.autograd.gradcheck(lambda a, b: (a @ b).tanh().sum(0), (x, w))
    wrong = lambda a: a.exp().detach() * a  # noqa: E731  (drops a term of the derivative)
    assert torch.autograd.gradcheck(wrong, (x,), raise_exception=False) is False
    with pytest.raises(torch.autograd.GradcheckError, match="^Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor"):
        torch.autograd.gradcheck(wrong, (x,))
    assert issubclass(torch.autograd.GradcheckError, RuntimeError)


@pytest.mark.parametrize("f", [
    lambda x: (x**3).sum(), lambda x: x.exp().sum(), lambda x: (x.sigmoid() * x).sum(), lambda x: x.tanh().sum(),
    lambda x: (x.sqrt() / (x + 1)).sum(), lambda x: (x @ x.t()).sum(), lambda x: x.log().mean(),
])
def test_second_derivatives_with_create_graph(f, device):
    x = leaf((2, 3), 0.5, 2.0, device=device)

    def first(t):
        (g,) = torch.autograd.grad(f(t), t, create_graph=True)
        return g

    assert torch.autograd.gradcheck(first, (x,), atol=1e-5, rtol=1e-4)


def test_data_is_a_detached_alias_and_same_shape_assignment_copies(device):
    w = torch.ones(3, requires_grad=True, device=device)
    (w * torch.tensor([1.0, 2.0, 3.0], device=device)).sum().backward()
    d = w.data
    assert not d.requires_grad and d.is_leaf and d.data_ptr() == w.data_ptr()
    w.data -= 0.5 * w.grad  # the classic hand-written SGD step
    np.testing.assert_allclose(to_np(w.detach()), [0.5, 0.0, -0.5])
    assert w.requires_grad and w.is_leaf
    w.data = torch.full((3,), 7.0, device=device)
    assert w.tolist() == [7.0, 7.0, 7.0] and w.requires_grad
    with pytest.raises(RuntimeError, match=r"shape \[2\]"):
        w.data = torch.zeros(2, device=device)
    with pytest.raises(TypeError):
        w.data = [1.0, 2.0, 3.0]
