"""Backward formulas of indexing, joins, selection and reductions, checked
against float64 central finite differences computed with numpy, plus their
grad_fn names (compared with PyTorch live when it is installed)."""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import on_device, to_np

RNG = np.random.default_rng(0)


def _fd_check(fn, *arrays, eps=1e-6, tol=1e-5, device=None):
    """Gradient of sum(fn(*xs) * w) by autograd vs central differences
    (every forward pass on ``device``)."""
    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True, device=device) for a in arrays]
    out = fn(*xs)
    w = RNG.standard_normal(tuple(out.shape))
    (out * torch.tensor(w, device=device)).sum().backward()
    for i, a in enumerate(arrays):
        num = np.zeros_like(a, dtype=np.float64)
        flat = num.reshape(-1)
        for k in range(a.size):
            vals = []
            for sgn in (1, -1):
                b = [np.array(v, dtype=np.float64, copy=True) for v in arrays]
                b[i].reshape(-1)[k] += sgn * eps
                with torch.no_grad():
                    r = to_np(fn(*[torch.tensor(v, device=device) for v in b]))
                vals.append((r * w).sum())
            flat[k] = (vals[0] - vals[1]) / (2 * eps)
        got = xs[i].grad
        assert got is not None, f"input {i} got no gradient"
        np.testing.assert_allclose(to_np(got), num, rtol=tol, atol=tol)
    return out


def r(*shape):
    return RNG.standard_normal(shape)


CASES = {
    "select": (lambda x: x[1], [r(3, 4)]),
    "select_neg_dim": (lambda x: x[:, -1], [r(3, 4)]),
    "slice_step": (lambda x: x[::2, 1::3], [r(5, 7)]),
    "narrow": (lambda x: x.narrow(1, 1, 2), [r(3, 4)]),
    "noncontig_select": (lambda x: x.t()[1:, 0], [r(3, 4)]),
    "ellipsis_none": (lambda x: x[..., None, 1:], [r(2, 3)]),
    "adv_int_dup": (lambda x: x[torch.tensor([0, 2, 0, 0], device=x.device)], [r(3, 2)]),
    "adv_two": (lambda x: x[torch.tensor([0, 1, 1], device=x.device), torch.tensor([2, 0, 2], device=x.device)], [r(2, 3)]),
    "adv_mask": (lambda x: x[x > 0], [r(4, 3)]),
    "adv_mixed": (lambda x: x[1:, torch.tensor([1, 1], device=x.device)], [r(3, 4)]),
    "cat": (lambda a, b: torch.cat([a, b], 1), [r(2, 3), r(2, 2)]),
    "cat_noncontig": (lambda a, b: torch.cat([a.t(), b], 0), [r(3, 2), r(1, 3)]),
    "stack": (lambda a, b: torch.stack([a, b], 1), [r(2, 3), r(2, 3)]),
    "hstack": (lambda a, b: torch.hstack([a, b]), [r(3), r(2)]),
    "vstack": (lambda a, b: torch.vstack([a, b]), [r(3), r(2, 3)]),
    "dstack": (lambda a, b: torch.dstack([a, b]), [r(2, 3), r(2, 3)]),
    "split": (lambda x: x.split(2)[1] * 2 + x.split(2)[2].sum(), [r(5, 2)]),
    "split_sizes": (lambda x: x.split([1, 3], 1)[1], [r(2, 4)]),
    "chunk": (lambda x: x.chunk(3, 1)[2], [r(2, 5)]),
    "unbind": (lambda x: x.unbind(1)[0] * x.unbind(1)[2], [r(3, 3)]),
    "where": (lambda a, b: torch.where(a > 0, a, b), [r(3, 4), r(4)]),
    "where_scalar": (lambda a: torch.where(a > 0, a, 0.5), [r(3, 4)]),
    "masked_fill": (lambda x: x.masked_fill(x > 0.3, 2.0), [r(3, 4)]),
    "masked_fill_bcast": (lambda x: x.masked_fill(torch.tensor([True, False, True], device=x.device), 0.0), [r(2, 3)]),
    "gather_dup": (lambda x: x.gather(1, torch.tensor([[0, 0, 2], [1, 1, 1]], device=x.device)), [r(2, 3)]),
    "index_select_dup": (lambda x: x.index_select(0, torch.tensor([2, 0, 2], device=x.device)), [r(3, 2)]),
    "clamp_scalar": (lambda x: x.clamp(-0.5, 0.5), [r(4, 5)]),
    "clamp_min": (lambda x: x.clamp(min=0.1), [r(4, 5)]),
    "clamp_tensor": (lambda x, lo, hi: x.clamp(lo, hi), [r(3, 4), r(4) - 0.5, r(3, 1) + 0.5]),
    "softmax": (lambda x: x.softmax(1), [r(3, 4)]),
    "softmax_dim0_noncontig": (lambda x: x.t().softmax(0), [r(3, 4)]),
    "log_softmax": (lambda x: x.log_softmax(-1), [r(3, 4)]),
    "cumsum": (lambda x: x.cumsum(1), [r(3, 4)]),
    "cumsum_dim0": (lambda x: x.cumsum(0), [r(3, 4)]),
    "prod_all": (lambda x: x.prod(), [r(2, 3)]),
    "prod_dim": (lambda x: x.prod(1), [r(3, 4)]),
    "prod_keepdim": (lambda x: x.prod(0, keepdim=True), [r(3, 4)]),
    "max_all": (lambda x: x.max(), [r(3, 4)]),
    "min_all": (lambda x: x.min(), [r(3, 4)]),
    "max_dim": (lambda x: x.max(1)[0], [r(3, 4)]),
    "min_dim_keep": (lambda x: x.min(0, keepdim=True)[0], [r(3, 4)]),
    "amax": (lambda x: x.amax(1), [r(3, 4)]),
    "amin_multi": (lambda x: x.amin((0, 2)), [r(2, 3, 2)]),
    "sort": (lambda x: x.sort(1)[0], [r(3, 4)]),
    "sort_desc": (lambda x: x.sort(0, descending=True)[0], [r(3, 4)]),
    "topk": (lambda x: x.topk(2, 1)[0], [r(3, 5)]),
    "as_strided": (lambda x: x.as_strided((2, 2), (1, 2)), [r(3, 3)]),
    "as_strided_overlap": (lambda x: x.as_strided((3, 2), (1, 1)), [r(4)]),
    "flatten": (lambda x: x.t().flatten(), [r(3, 4)]),
    "movedim": (lambda x: x.movedim(0, 2), [r(2, 3, 4)]),
    "std": (lambda x: x.std(1), [r(3, 4)]),
    "std_all": (lambda x: x.std(), [r(3, 4)]),
    "var": (lambda x: x.var(0, keepdim=True), [r(3, 4)]),
    "norm2": (lambda x: x.norm(), [r(3, 4)]),
    "norm3_dim": (lambda x: torch.linalg.vector_norm(x, 3, dim=1), [r(3, 4)]),
    "norm1": (lambda x: x.norm(p=1), [r(3, 4)]),
    "logsumexp": (lambda x: x.logsumexp(1), [r(3, 4)]),
    "take": (lambda x: torch.take(x, torch.tensor([0, 5, 5], device=x.device)), [r(2, 3)]),
    "cumprod": (lambda x: x.cumprod(1), [r(3, 4)]),
    "cumprod_dim0_noncontig": (lambda x: x.t().cumprod(0), [r(3, 4)]),
    "cumprod_zeros": (lambda x: x.cumprod(1), [np.array([[0.0, 1.5, -2.0, 0.7], [1.2, 0.0, 0.0, 0.5], [0.9, 1.1, 0.0, 2.0]])]),
    "flip": (lambda x: x.flip((0, 2)), [r(2, 3, 2)]),
    "nansum": (lambda x: x.nansum(1), [r(3, 4)]),
    "square": (lambda x: x.square(), [r(3, 4)]),
    "clamp_min_fn": (lambda x: torch.clamp_min(x, 0.1), [r(4, 5)]),
    "clamp_max_tensor": (lambda x, hi: torch.clamp_max(x, hi), [r(3, 4), r(4)]),
    "pow_number_base": (lambda x: torch.pow(2.0, x), [r(3, 4)]),
    "rsub_tensors": (lambda a, b: torch.rsub(a, b), [r(3, 4), r(4)]),
    "full_slice_select": (lambda x: x[:, 0] * x[0:3, 1:], [r(3, 4)]),
}




@pytest.mark.parametrize("name", sorted(CASES))
def test_formula_matches_finite_differences(name, device):
    fn, arrays = CASES[name]
    if name == "take" and not hasattr(torch, "take"):
        pytest.skip("torch.take is not exposed")
    if name.startswith("norm3") and not hasattr(getattr(torch, "linalg", None), "vector_norm"):
        pytest.skip("linalg.vector_norm is not exposed")
    _fd_check(fn, *arrays, device=device)


def test_prod_with_zeros(device):
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 4.0]])
    t = torch.tensor(x, requires_grad=True, device=device)
    t.prod(1).sum().backward()
    np.testing.assert_allclose(to_np(t.grad), [[0, 6, 0], [0, 0, 0], [8, 4, 2]])
    t2 = torch.tensor([2.0, 0.0, 3.0], dtype=torch.float64, requires_grad=True, device=device)
    t2.prod().backward()
    np.testing.assert_allclose(to_np(t2.grad), [0, 6, 0])


def test_max_ties_split_evenly_and_max_dim_picks_one(device):
    x = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True, device=device)
    x.max().backward()
    np.testing.assert_allclose(to_np(x.grad), [[0, 0.5, 0.5], [0, 0, 0]])
    y = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True, device=device)
    y.amax(1).sum().backward()
    np.testing.assert_allclose(to_np(y.grad), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    z = torch.tensor([[1.0, 3.0, 3.0]], requires_grad=True, device=device)
    z.max(1)[0].sum().backward()
    assert to_np(z.grad).sum() == 1.0


def test_duplicate_indices_accumulate(device):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    x[torch.tensor([0, 0, 2, 0], device=device)].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_index_term_no_longer_dropped(device):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True, device=device)
    (x[0] + x.sum()).backward()
    assert x.grad.tolist() == [2.0, 1.0, 1.0]


def test_second_order_through_indexing(device):
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True, device=device)
    y = (x[1:] ** 3).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    assert g.tolist() == [0.0, 12.0, 27.0]
    (h,) = torch.autograd.grad(g.sum(), x)
    assert h.tolist() == [0.0, 12.0, 18.0]


def test_integer_outputs_do_not_require_grad(device):
    x = torch.tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True, device=device)
    assert not x.argmax().requires_grad
    assert not (x > 1).requires_grad
    assert not x.max(1)[1].requires_grad
    assert not x.sort(1)[1].requires_grad
    assert x.max(1)[0].requires_grad


def test_cumprod_with_zeros_and_second_order(device):
    # Values from PyTorch 2.15: zeros in the input give finite gradients, and
    # the gradient is differentiable (create_graph).
    x = torch.tensor([[2.0, 0.0, 0.5, 4.0], [0.0, -2.0, 0.0, 0.7]], dtype=torch.float64, requires_grad=True, device=device)
    w = torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]], dtype=torch.float64, device=device)
    y = x.cumprod(1)
    assert y.grad_fn.name() == "CumprodBackward0"
    (g,) = torch.autograd.grad((y * w).sum(), x, create_graph=True)
    np.testing.assert_allclose(to_np(g.detach()), [[1.0, 23.0, 0.0, 0.0], [-7.0, 0.0, 0.0, 0.0]])
    (h,) = torch.autograd.grad((g * g).sum(), x)
    np.testing.assert_allclose(to_np(h), [[529.0, 23.0, 1748.0, 184.0], [0.0, -84.0, 352.8, 0.0]])


@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_rounding_div_has_zero_gradient_even_by_zero(mode, device):
    x = torch.tensor([1.0, 2.0, -3.0], requires_grad=True, device=device)
    d = torch.tensor([0.0, 2.0, 0.0], requires_grad=True, device=device)
    q = x.div(d, rounding_mode=mode)
    assert q.grad_fn.name() == "DivBackward2"
    q.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0] and d.grad.tolist() == [0.0, 0.0, 0.0]
    x.grad = None
    x.div(0.0, rounding_mode=mode).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_clamp_tensor_bounds_split_ties_like_torch(device):
    # Every (x, min, max) in {0, 1, 2}^3; expected gradients from PyTorch 2.15.
    import itertools

    rows = list(itertools.product([0.0, 1.0, 2.0], repeat=3))
    x, lo, hi = (torch.tensor([r[i] for r in rows], dtype=torch.float64, requires_grad=True, device=device)
                 for i in range(3))
    torch.clamp(x, lo, hi).backward(torch.ones(len(rows), dtype=torch.float64, device=device))
    exp_x = [1, .5, .5, 0, 0, 0, 0, 0, 0, 0, .5, 1, 0, 1, .5, 0, 0, 0, 0, 0, .5, 0, 0, .5, 0, 0, 1]
    exp_lo = [0, .5, .5, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, .5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    exp_hi = [0, 0, 0, 1, 0, 0, 1, 1, 0, 1, .5, 0, 1, 0, 0, 1, 1, 0, 1, 1, .5, 1, 1, .5, 1, 1, 0]
    assert x.grad.tolist() == exp_x
    assert lo.grad.tolist() == exp_lo
    assert hi.grad.tolist() == exp_hi


def test_clamp_number_bounds_give_nan_no_gradient(device):
    for f in (lambda x: x.clamp(0.0, 1.0), lambda x: x.clamp_min(0.0), lambda x: torch.clamp_max(x, 1.0)):
        x = torch.tensor([float("nan"), 0.5], requires_grad=True, device=device)
        f(x).sum().backward()
        assert x.grad.tolist() == [0.0, 1.0]


def test_random_fill_of_a_non_leaf_records_a_zero_gradient(device):
    x = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    for name, fill in (("UniformBackward0", lambda t: t.uniform_()), ("NormalBackward0", lambda t: t.normal_())):
        y = x * 1
        fill(y)
        assert y.grad_fn.name() == name
        x.grad = None
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]


def _chain(t):
    out, f = [], t.grad_fn
    while f is not None and f.name() != "MulBackward0":
        out.append(f.name())
        f = f.next_functions[0][0]
    return out


# Basic indexing: full slices inside a tuple record nothing (PyTorch skips
# them), a lone slice records SliceBackward0, an index that takes nothing
# away is an alias.
CHAINS = {
    "y[:, 0]": ["SelectBackward0"],
    "y[0:2, 0]": ["SelectBackward0"],
    "y[:100, -1]": ["SelectBackward0"],
    "y[-5:, 0]": ["SelectBackward0", "SliceBackward0"],
    "y[1:, 0]": ["SelectBackward0", "SliceBackward0"],
    "y[:, :]": ["AliasBackward0"],
    "y[...]": ["AliasBackward0"],
    "y[..., :]": ["AliasBackward0"],
    "y[:]": ["SliceBackward0"],
    "y[0:2]": ["SliceBackward0"],
    "y[:, :, None]": ["UnsqueezeBackward0"],
    "y[None, :, 0]": ["SelectBackward0", "UnsqueezeBackward0"],
    "y[:, [0, 1]]": ["IndexBackward0"],
}


@pytest.mark.parametrize("expr", sorted(CHAINS))
def test_basic_indexing_node_chain(expr, device):
    y = torch.ones(2, 3, requires_grad=True, device=device) * 1
    assert _chain(eval(expr)) == CHAINS[expr]


@pytest.mark.parametrize("expr", sorted(CHAINS))
def test_basic_indexing_node_chain_matches_torch_live(expr):
    real = pytest.importorskip("torch")
    y = real.ones(2, 3, requires_grad=True) * 1
    out, f = [], eval(expr).grad_fn
    while f is not None and type(f).__name__ != "MulBackward0":
        out.append(type(f).__name__)
        f = f.next_functions[0][0]
    assert out == CHAINS[expr]


NAMES = {
    "x[0]": "SelectBackward0",
    "x[1:3]": "SliceBackward0",
    "x[::2]": "SliceBackward0",
    "x.narrow(0, 1, 2)": "SliceBackward0",
    "x[torch.tensor([0, 0, 1])]": "IndexBackward0",
    "x[x > 0]": "IndexBackward0",
    "torch.cat([x, x])": "CatBackward0",
    "torch.stack([x, x])": "StackBackward0",
    "torch.hstack([x, x])": "CatBackward0",
    "x.split(2)[0]": "SplitBackward0",
    "x.chunk(2)[1]": "SplitBackward0",
    "x.split([1, 3])[1]": "SplitWithSizesBackward0",
    "x.unbind()[0]": "UnbindBackward0",
    "torch.where(x > 0, x, 0.0)": "WhereBackward0",
    "x.masked_fill(x > 0, 1.0)": "MaskedFillBackward0",
    "x.gather(0, torch.zeros(2, 5, dtype=torch.long))": "GatherBackward0",
    "x.index_select(0, torch.tensor([1]))": "IndexSelectBackward0",
    "x.clamp(0, 1)": "ClampBackward1",
    "x.clamp(min=torch.zeros(5))": "ClampBackward0",
    "torch.clamp_min(x, 0.0)": "ClampMinBackward0",
    "x.clamp_max(0.0)": "ClampMaxBackward0",
    "torch.clamp_min(x, torch.zeros(5))": "ClampMinBackward1",
    "x.clamp_max(torch.zeros(5))": "ClampMaxBackward1",
    "x.flip(0)": "FlipBackward0",
    "torch.rsub(x, x)": "RsubBackward0",
    "torch.rsub(x, 2)": "RsubBackward1",
    "x.square()": "PowBackward0",
    "torch.square(x)": "PowBackward0",
    "2 ** x": "PowBackward2",
    "torch.pow(2, x)": "PowBackward2",
    "x.nansum()": "NansumBackward0",
    "x.nansum(0)": "NansumBackward0",
    "x.clone().uniform_()": "UniformBackward0",
    "x.clone().normal_()": "NormalBackward0",
    "x.div(2, rounding_mode='floor')": "DivBackward2",
    "x.div(x, rounding_mode='trunc')": "DivBackward2",
    "x.cumprod(1)": "CumprodBackward0",
    "x.softmax(1)": "SoftmaxBackward0",
    "x.log_softmax(1)": "LogSoftmaxBackward0",
    "x.cumsum(0)": "CumsumBackward0",
    "x.prod()": "ProdBackward0",
    "x.prod(0)": "ProdBackward1",
    "x.max()": "MaxBackward1",
    "x.min()": "MinBackward1",
    "x.max(0)[0]": "MaxBackward0",
    "x.min(1)[0]": "MinBackward0",
    "x.amax(0)": "AmaxBackward0",
    "x.amin()": "AminBackward0",
    "x.sort(0)[0]": "SortBackward0",
    "x.topk(2)[0]": "TopkBackward0",
    "x.as_strided((2, 2), (1, 1))": "AsStridedBackward0",
    "x.flatten()": "ViewBackward0",
    "x.movedim(0, 1)": "PermuteBackward0",
    "x.std()": "StdBackward0",
    "x.var(0)": "VarBackward0",
    "x.norm()": "LinalgVectorNormBackward0",
    "x.logsumexp(0)": "LogsumexpBackward0",
    "x.scatter(0, torch.zeros(1, 5, dtype=torch.long), x * 2)": "ScatterBackward0",
    "x.scatter(0, torch.zeros(1, 5, dtype=torch.long), 1.0)": "ScatterBackward1",
}




@pytest.mark.parametrize("expr", sorted(NAMES))
def test_grad_fn_names(expr, device):
    x = torch.randn(4, 5, requires_grad=True, device=device)
    env = {"torch": on_device(torch, device), "x": x}  # index tensors on the device too
    assert type(eval(expr, env)).__name__ == "Tensor"
    assert eval(expr, env).grad_fn.name() == NAMES[expr]


@pytest.mark.parametrize("expr", sorted(NAMES))
def test_grad_fn_names_match_torch_live(expr):
    real = pytest.importorskip("torch")
    x = real.randn(4, 5, requires_grad=True)
    out = eval(expr, {"torch": real, "x": x})
    assert type(out.grad_fn).__name__ == NAMES[expr]
