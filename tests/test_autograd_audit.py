"""No public op silently drops gradients: every function of the namespace
(and every float-returning Tensor method) is listed here either as
differentiable, with a call whose gradient is checked against float64 finite
differences, or as having no gradient in PyTorch either (integer/bool
results, creation, random fills). A differentiable op may instead raise
PyTorch's "derivative ... is not implemented" at backward, never return a
result without grad_fn. A new public name fails the test until classified."""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import to_np

RNG = np.random.default_rng(1)
A = RNG.uniform(0.3, 1.5, (3, 4)) * np.array([1, -1, 1, -1])
B = RNG.uniform(0.5, 2.0, (3, 4))


def I(like, data):  # noqa: E743 - an index (or mask) tensor on the device of ``like``
    return torch.tensor(data, device=like.device)


OPS = {
    "abs": lambda a, b: torch.abs(a), "absolute": lambda a, b: torch.absolute(a),
    "add": lambda a, b: torch.add(a, b, alpha=2), "amax": lambda a, b: torch.amax(a, 1),
    "amin": lambda a, b: torch.amin(a, 0), "as_strided": lambda a, b: torch.as_strided(a, (2, 2), (1, 2)),
    "broadcast_tensors": lambda a, b: torch.broadcast_tensors(a, b[0])[1],
    "bmm": lambda a, b: torch.bmm(a.unsqueeze(0), b.t().unsqueeze(0)), "cat": lambda a, b: torch.cat([a, b], 1),
    "ceil": lambda a, b: torch.ceil(a), "chunk": lambda a, b: torch.chunk(a, 2, 1)[1],
    "clamp": lambda a, b: torch.clamp(a, -1, 1), "clamp_max": lambda a, b: torch.clamp_max(a, 0.5),
    "clamp_min": lambda a, b: torch.clamp_min(a, 0.5), "clip": lambda a, b: torch.clip(a, b - 1, b),
    "clone": lambda a, b: torch.clone(a), "column_stack": lambda a, b: torch.column_stack([a, b]),
    "concat": lambda a, b: torch.concat([a, b]), "concatenate": lambda a, b: torch.concatenate([a, b]),
    "cos": lambda a, b: torch.cos(a), "cumprod": lambda a, b: torch.cumprod(a, 1),
    "cumsum": lambda a, b: torch.cumsum(a, 0), "div": lambda a, b: torch.div(a, b),
    "divide": lambda a, b: torch.divide(a, b, rounding_mode="floor"), "dot": lambda a, b: torch.dot(a[0], b[1]),
    "dstack": lambda a, b: torch.dstack([a, b]), "exp": lambda a, b: torch.exp(a),
    "expm1": lambda a, b: torch.expm1(a), "fix": lambda a, b: torch.fix(a),
    "flatten": lambda a, b: torch.flatten(a), "flip": lambda a, b: torch.flip(a, [0, 1]),
    "floor": lambda a, b: torch.floor(a), "floor_divide": lambda a, b: torch.floor_divide(a, b),
    "fmod": lambda a, b: torch.fmod(a, b), "gather": lambda a, b: torch.gather(a, 1, I(a, [[0, 2], [1, 1], [3, 0]])),
    "hstack": lambda a, b: torch.hstack([a, b]), "index_select": lambda a, b: torch.index_select(a, 1, I(a, [2, 0, 2])),
    "take": lambda a, b: torch.take(a, I(a, [0, 5, 5, 2])),
    "log": lambda a, b: torch.log(b), "log1p": lambda a, b: torch.log1p(b),
    "log_softmax": lambda a, b: torch.log_softmax(a, 1), "logsumexp": lambda a, b: torch.logsumexp(a, 1),
    "masked_fill": lambda a, b: torch.masked_fill(a, I(a, A > 0.5), 2.0), "matmul": lambda a, b: torch.matmul(a, b.t()),
    "max": lambda a, b: torch.max(a, 1)[0], "maximum": lambda a, b: torch.maximum(a, b),
    "mean": lambda a, b: torch.mean(a, 0), "min": lambda a, b: torch.min(a, b),
    "minimum": lambda a, b: torch.minimum(a, b), "mm": lambda a, b: torch.mm(a, b.t()),
    "movedim": lambda a, b: torch.movedim(a, 0, 1), "mul": lambda a, b: torch.mul(a, b),
    "multiply": lambda a, b: torch.multiply(a, b), "nansum": lambda a, b: torch.nansum(a, 1),
    "narrow": lambda a, b: torch.narrow(a, 1, 1, 2), "neg": lambda a, b: torch.neg(a),
    "negative": lambda a, b: torch.negative(a), "norm": lambda a, b: torch.norm(a),
    "outer": lambda a, b: torch.outer(a[0], b[1]), "permute": lambda a, b: torch.permute(a, (1, 0)),
    "pow": lambda a, b: torch.pow(b, a), "prod": lambda a, b: torch.prod(a, 1),
    "reciprocal": lambda a, b: torch.reciprocal(b), "relu": lambda a, b: torch.relu(a),
    "remainder": lambda a, b: torch.remainder(a, b), "reshape": lambda a, b: torch.reshape(a, (4, 3)),
    "round": lambda a, b: torch.round(a), "rsqrt": lambda a, b: torch.rsqrt(b),
    "rsub": lambda a, b: torch.rsub(a, b), "scatter": lambda a, b: torch.scatter(a, 1, I(a, [[0], [2], [1]]), b[:, :1]),
    "scatter_add": lambda a, b: torch.scatter_add(a, 1, I(a, [[0, 0], [2, 1], [1, 1]]), b[:, :2]),
    "select": lambda a, b: torch.select(a, 1, 2), "sigmoid": lambda a, b: torch.sigmoid(a),
    "sign": lambda a, b: torch.sign(a), "sin": lambda a, b: torch.sin(a),
    "softmax": lambda a, b: torch.softmax(a, 0), "sort": lambda a, b: torch.sort(a, 1)[0],
    "split": lambda a, b: torch.split(a, 3, 1)[1], "sqrt": lambda a, b: torch.sqrt(b),
    "square": lambda a, b: torch.square(a), "squeeze": lambda a, b: torch.squeeze(a[:1]),
    "stack": lambda a, b: torch.stack([a, b], 1), "std": lambda a, b: torch.std(a, 1),
    "sub": lambda a, b: torch.sub(a, b, alpha=3), "subtract": lambda a, b: torch.subtract(a, b),
    "sum": lambda a, b: torch.sum(a, 1), "swapaxes": lambda a, b: torch.swapaxes(a, 0, 1),
    "swapdims": lambda a, b: torch.swapdims(a, 0, 1), "t": lambda a, b: torch.t(a),
    "tan": lambda a, b: torch.tan(a), "tanh": lambda a, b: torch.tanh(a),
    "topk": lambda a, b: torch.topk(a, 2, 1)[0], "transpose": lambda a, b: torch.transpose(a, 0, 1),
    "true_divide": lambda a, b: torch.true_divide(a, b), "trunc": lambda a, b: torch.trunc(a),
    "unbind": lambda a, b: torch.unbind(a, 1)[2], "unflatten": lambda a, b: torch.unflatten(a, 1, (2, 2)),
    "unsqueeze": lambda a, b: torch.unsqueeze(a, 1), "var": lambda a, b: torch.var(a, 0),
    "vstack": lambda a, b: torch.vstack([a, b]), "where": lambda a, b: torch.where(I(a, A > 0), a, b),
    "detach": lambda a, b: torch.detach(a),
    # Tensor methods and in-place ops on non-leaves.
    "Tensor.expand": lambda a, b: a[:1].expand(3, 4), "Tensor.view": lambda a, b: a.view(2, 6),
    "Tensor.contiguous": lambda a, b: a.t().contiguous(), "Tensor.to": lambda a, b: a.to(torch.float32),
    "Tensor.__getitem__": lambda a, b: a[I(a, [0, 2, 0]), 1:], "Tensor.mask": lambda a, b: a[I(a, A > 0)],
    "Tensor.__setitem__": lambda a, b: _setitem(a * 1, (slice(None), 1), b[:, 0]),
    "Tensor.uniform_": lambda a, b: (a * 1).uniform_(), "Tensor.normal_": lambda a, b: (a * 1).normal_(),
    "Tensor.fill_": lambda a, b: (a * 1).fill_(2.0), "Tensor.zero_": lambda a, b: (a * 1).zero_(),
    "Tensor.copy_": lambda a, b: (a * 1).copy_(b), "Tensor.floor_divide_": lambda a, b: (a * 1).floor_divide_(b),
    "Tensor.remainder_": lambda a, b: (a * 1).remainder_(b), "Tensor.clamp_": lambda a, b: (a * 1).clamp_(-1, 1),
    "Tensor.scatter_add_": lambda a, b: (a * 1).scatter_add_(1, I(a, [[0], [2], [1]]), b[:, :1]),
    "Tensor.masked_fill_": lambda a, b: (a * 1).masked_fill_(I(a, A > 0), 1.0),
}

# Ops that by definition have no gradient (in PyTorch too): their results
# are integer/bool, or they create new tensors from nothing.
NO_GRADIENT = {
    "all", "allclose", "any", "argmax", "argmin", "argsort", "bitwise_and", "bitwise_not",
    "bitwise_or", "bitwise_xor", "count_nonzero", "eq", "equal", "ge", "greater",
    "greater_equal", "gt", "isfinite", "isinf", "isnan", "is_floating_point", "is_nonzero",
    "is_tensor", "le", "less", "less_equal", "logical_and", "logical_not", "logical_or",
    "logical_xor", "lt", "ne", "not_equal", "nonzero", "numel", "result_type", "can_cast",
    "promote_types", "broadcast_shapes", "arange", "as_tensor", "empty", "empty_like", "eye",
    "from_dlpack", "from_numpy", "full", "full_like", "linspace", "ones", "ones_like", "rand",
    "rand_like", "randint", "randint_like", "randn", "randn_like", "randperm", "scalar_tensor",
    "tensor", "zeros", "zeros_like",
}


def _setitem(t, key, value):
    t[key] = value
    return t




def _public_functions():
    names = set()
    for n in dir(torch):
        obj = getattr(torch, n)
        if n.startswith("_") or isinstance(obj, (type, torch.dtype)) or not callable(obj):
            continue
        if getattr(obj, "__module__", "") in ("builtins",) and not hasattr(torch.Tensor, n):
            continue
        names.add(n)
    return names


def test_every_tensor_function_is_classified():
    # Grad-mode helpers, RNG and print options are not tensor ops.
    infra = {"enable_grad", "no_grad", "inference_mode", "set_grad_enabled", "is_grad_enabled",
             "is_inference_mode_enabled", "get_default_dtype", "set_default_dtype",
             "get_float32_matmul_precision", "set_float32_matmul_precision",
             "get_printoptions", "set_printoptions", "printoptions", "get_rng_state",
             "set_rng_state", "manual_seed", "seed", "initial_seed", "finfo", "iinfo", "device"}
    # Autocast state (the casts ops make under autocast are recorded by autograd).
    infra |= {n for n in dir(torch) if "autocast" in n}
    missing = sorted(_public_functions() - set(OPS) - NO_GRADIENT - infra)
    assert not missing, f"classify these ops in test_autograd_audit.py: {missing}"


def _fd(fn, arrays, w, i, eps=1e-6, device=None):
    num = np.zeros_like(arrays[i])
    for k in range(arrays[i].size):
        vals = []
        for sgn in (1, -1):
            b = [np.array(v, copy=True) for v in arrays]
            b[i].reshape(-1)[k] += sgn * eps
            with torch.no_grad():
                r = to_np(fn(*[torch.tensor(v, device=device) for v in b]).double())
            vals.append((r * w).sum())
        num.reshape(-1)[k] = (vals[0] - vals[1]) / (2 * eps)
    return num


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradient_is_right_or_refused(name, device):
    fn = OPS[name]
    a, b = (torch.tensor(v, requires_grad=True, device=device) for v in (A, B))
    out = fn(a, b)
    if name == "detach":
        assert out.grad_fn is None and not out.requires_grad
        return
    assert out.grad_fn is not None, f"{name} dropped the gradient"
    assert out.device == a.device
    w = RNG.standard_normal(tuple(out.shape))
    try:
        (out.double() * torch.tensor(w, device=device)).sum().backward()
    except RuntimeError as e:
        assert "derivative for" in str(e) and "not implemented" in str(e), str(e)
        return
    random_fill = name in ("Tensor.uniform_", "Tensor.normal_")
    for i, x in enumerate((a, b)):
        got = np.zeros_like(A) if x.grad is None else to_np(x.grad)
        if random_fill:
            np.testing.assert_array_equal(got, 0)
            continue
        # The float32 cast is linear: a wide step keeps its rounding out.
        eps, tol = (1e-2, 1e-4) if name == "Tensor.to" else (1e-6, 1e-5)
        num = _fd(fn, [A, B], w, i, eps, device=device)
        np.testing.assert_allclose(got, num, rtol=tol, atol=tol, err_msg=f"input {i}")
