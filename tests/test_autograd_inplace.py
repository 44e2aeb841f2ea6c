"""In-place ops inside a graph: history rebase, CopySlices through views,
PyTorch's errors; hand-computed gradients always, PyTorch's live when present."""

import numpy as np
import pytest

import ferrotorch as torch
from _helpers import device_type_names, on_device

X = [1.0, -2.0, 3.0]

# (code run with x (leaf) in scope, returning the loss; expected x.grad)
CASES = {
    "add_": ("y = x * 2; y.add_(1); loss = y.sum()", [2.0, 2.0, 2.0]),
    "iadd_bias": ("b = x * 1; out = x * 3; out += b; loss = out.sum()", [4.0, 4.0, 4.0]),
    "mul_self": ("y = x * 1; y.mul_(y); loss = y.sum()", [2.0, -4.0, 6.0]),
    "relu_": ("h = x * 1; h.relu_(); loss = (h * h).sum()", [2.0, 0.0, 6.0]),
    "sin_": ("y = x * 1; y.sin_(); loss = y.sum()", list(np.cos(X))),
    "clamp_": ("y = x * 1; y.clamp_(-1, 2); loss = y.sum()", [1.0, 0.0, 0.0]),
    "masked_fill_": ("y = x * 2; y.masked_fill_(x > 2, 0.0); loss = y.sum()", [2.0, 2.0, 0.0]),
    "zero_": ("y = x * 2; y.zero_(); loss = (y + x).sum()", [1.0, 1.0, 1.0]),
    "fill_": ("y = x * 2; y.fill_(5.0); loss = (y * x).sum()", [5.0, 5.0, 5.0]),
    "copy_": ("y = x * 2; y.copy_(x * x); loss = y.sum()", [2.0, -4.0, 6.0]),
    "setitem_scalar": ("y = x * 2; y[0] = 0; loss = y.sum()", [0.0, 2.0, 2.0]),
    "setitem_tensor": ("y = x * 2; y[0] = x[1] * 3; loss = y.sum()", [0.0, 5.0, 2.0]),
    "setitem_mask": ("y = x * 2; y[x > 0] = 0.0; loss = y.sum()", [0.0, 2.0, 0.0]),
    "setitem_adv": ("y = x * 2; y[torch.tensor([0, 2])] = x[1]; loss = y.sum()", [0.0, 4.0, 0.0]),
    "view_mul_": ("y = x * 1; y[1:].mul_(3); loss = y.sum()", [1.0, 3.0, 3.0]),
    "view_then_base": ("y = x * 1; v = y[:2]; y.mul_(2); loss = v.sum()", [2.0, 2.0, 0.0]),
    "plain_buffer_setitem": ("buf = torch.zeros(3); buf[1] = x[0] * 4; loss = buf.sum() + x.sum()", [5.0, 1.0, 1.0]),
    "scatter_": ("y = x * 1; y.scatter_(0, torch.tensor([2]), x[:1] * 5); loss = y.sum()", [6.0, 1.0, 0.0]),
}


def _run(mod, code):
    x = mod.tensor(X, dtype=mod.float64, requires_grad=True)
    env = {"torch": mod, "x": x}
    exec(code, env)
    env["loss"].backward()
    return x.grad.tolist()




@pytest.mark.parametrize("name", sorted(CASES))
def test_inplace_gradients(name, device):
    code, want = CASES[name]
    np.testing.assert_allclose(_run(on_device(torch, device), code), want, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_inplace_gradients_match_torch_live(name):
    real = pytest.importorskip("torch")
    if name == "mul_self":
        pytest.skip("PyTorch refuses y.mul_(y) (it saved y); ferrotorch reads a copy and differentiates it")
    code, _ = CASES[name]
    np.testing.assert_allclose(_run(torch, code), _run(real, code), rtol=1e-12)


NAMES = {
    "y.add_(1)": "AddBackward0",
    "y.mul_(2)": "MulBackward0",
    "y.relu_()": "ReluBackward0",
    "y.clamp_(0, 1)": "ClampBackward1",
    "y.masked_fill_(y > 0, 0)": "MaskedFillBackward0",
    "y.fill_(1)": "FillBackward2",
    "y.zero_()": "ZeroBackward0",
    "y.copy_(x)": "CopyBackwards",
    "y.__setitem__(0, 0)": "CopySlices",
    "y[0].mul_(2)": "CopySlices",
}


def _name(mod, code):
    x = mod.randn(4, 5, requires_grad=True)
    y = x * 1
    eval(code, {"torch": mod, "x": x, "y": y})
    return type(y.grad_fn).__name__


@pytest.mark.parametrize("code", sorted(NAMES))
def test_inplace_node_names(code, device):
    x = torch.randn(4, 5, requires_grad=True, device=device)
    y = x * 1
    eval(code, {"torch": on_device(torch, device), "x": x, "y": y})
    assert y.grad_fn.name() == NAMES[code]


@pytest.mark.parametrize("code", sorted(NAMES))
def test_inplace_node_names_match_torch_live(code):
    real = pytest.importorskip("torch")
    assert _name(real, code) == NAMES[code]


ERRORS = {
    "x.add_(1)": "a leaf Variable that requires grad is being used in an in-place operation.",
    "x[0].mul_(2)": "a view of a leaf Variable that requires grad is being used in an in-place operation.",
    "x.view(-1).zero_()": "a view of a leaf Variable that requires grad is being used in an in-place operation.",
    "x.__setitem__(0, 1.0)": "a view of a leaf Variable that requires grad is being used in an in-place operation.",
}


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_inplace_errors(code, device):
    x = torch.randn(3, requires_grad=True, device=device)
    with pytest.raises(RuntimeError) as e:
        eval(code, {"torch": on_device(torch, device), "x": x})
    assert str(e.value) == ERRORS[code]


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_inplace_errors_match_torch_live(code):
    real = pytest.importorskip("torch")
    x = real.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        eval(code, {"torch": real, "x": x})
    assert str(e.value) == ERRORS[code]


def test_saved_old_version_fails_version_check(device):
    x = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"output 0 of Exp, is at version 1; expected version 0"):
        y.sum().backward()


def test_detached_view_allows_inplace(device):
    x = torch.tensor([1.0, 2.0], requires_grad=True, device=device)
    x.detach()[0].mul_(2)
    assert x.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("op", ["index", "index_select", "gather"])
def test_index_tensor_modified_after_forward_raises(op, device):
    x = torch.randn(4, requires_grad=True, device=device)
    i = torch.tensor([0, 1], device=device)
    y = {"index": lambda: x[i], "index_select": lambda: x.index_select(0, i), "gather": lambda: x.gather(0, i)}[op]()
    i[0] = 3
    with pytest.raises(RuntimeError) as e:
        y.sum().backward()
    assert device_type_names("modified by an inplace operation: [torch.LongTensor [2]] is at version 1; expected version 0",
                             device) in str(e.value)
