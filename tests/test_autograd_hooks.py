"""Tensor.register_hook: hooks on leaves and non-leaves, replacement
gradients, removal, hook-result checks; each scenario is also run against
PyTorch when it is installed."""

from __future__ import annotations

import pytest

import ferrotorch as torch
from _helpers import device_type_names, on_device, outcome


def non_leaf_doubling(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()) or g * 2)
    (y * y).sum().backward()
    return seen, x.grad.tolist()


def leaf_hook_before_accumulation(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g + 1)
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    return x.grad.tolist()


def hook_returning_none_keeps_grad(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * 5).sum().backward()
    return seen, x.grad.tolist()


def hooks_chain_in_order(t):
    x = t.tensor([1.0], requires_grad=True)
    y = x * 1
    y.register_hook(lambda g: g + 1)
    y.register_hook(lambda g: g * 10)
    y.backward()
    return x.grad.tolist()


def removed_hook_does_not_run(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    h = x.register_hook(lambda g: g * 100)
    h.remove()
    h.remove()  # a second remove is harmless
    (x * 2).sum().backward()
    return x.grad.tolist()


def hook_survives_its_tensor(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 3)
    z = y.sum()
    del y
    z.backward()
    return x.grad.tolist()


def hook_runs_before_retained_grad(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    y.sum().backward()
    return y.grad.tolist(), x.grad.tolist()


def hook_sees_autograd_grad(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 7)
    (g,) = t.autograd.grad((x * 2).sum(), x)
    return g.tolist(), x.grad


def hook_on_tensor_without_grad(t):
    return t.tensor([1.0]).register_hook(lambda g: g)


def wrong_size(t):
    x = t.ones(3, requires_grad=True)
    y = x * 2

    def resize(g):
        return t.ones(2)

    y.register_hook(resize)
    y.sum().backward()


def wrong_dtype(t):
    x = t.ones(3, requires_grad=True)
    y = x * 2

    def to_double(g):
        return g.double()

    y.register_hook(to_double)
    y.sum().backward()


def wrong_type(t):
    x = t.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: 3)
    y.sum().backward()


def raising_hook(t):
    x = t.ones(3, requires_grad=True)

    def boom(g):
        raise KeyError("boom")

    x.register_hook(boom)
    (x * 2).sum().backward()


def handle_as_context_manager(t):
    x = t.tensor([1.0], requires_grad=True)
    with x.register_hook(lambda g: g * 4):
        (x * 1).sum().backward()
    (x * 1).sum().backward()
    return x.grad.tolist()


SCENARIOS = [
    (non_leaf_doubling, ([[6.0, 12.0, 18.0]], [36.0, 72.0, 108.0])),
    (leaf_hook_before_accumulation, [6.0, 6.0]),
    (hook_returning_none_keeps_grad, ([[5.0, 5.0]], [5.0, 5.0])),
    (hooks_chain_in_order, [20.0]),
    (removed_hook_does_not_run, [2.0, 2.0]),
    (hook_survives_its_tensor, [6.0, 6.0]),
    (hook_runs_before_retained_grad, ([2.0, 2.0], [2.0, 2.0])),
    (hook_sees_autograd_grad, ([14.0, 14.0], None)),
    (hook_on_tensor_without_grad, ("RuntimeError", "cannot register a hook on a tensor that doesn't require gradient")),
    (wrong_size, ("RuntimeError", "hook 'resize' has changed the size of value")),
    (wrong_dtype, ("RuntimeError", "hook 'to_double' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)")),
    (wrong_type, ("TypeError", "expected Variable, but hook returned 'int'")),
    (raising_hook, ("KeyError", "'boom'")),
    (handle_as_context_manager, [5.0]),
]


@pytest.mark.parametrize("scenario,expected", SCENARIOS, ids=[s.__name__ for s, _ in SCENARIOS])
def test_hooks(scenario, expected, device):
    # The scenario's tensors are made on ``device``; messages naming a legacy
    # tensor type name the device's one, as in PyTorch.
    want = device_type_names(expected, device)
    assert outcome(lambda: scenario(on_device(torch, device))) == want


@pytest.mark.parametrize("scenario,expected", SCENARIOS, ids=[s.__name__ for s, _ in SCENARIOS])
def test_hooks_match_torch_live(scenario, expected):
    ref = pytest.importorskip("torch")
    assert outcome(lambda: scenario(ref)) == expected


def test_handle_has_increasing_ids(device):
    x = torch.ones(1, requires_grad=True, device=device)
    a, b = x.register_hook(lambda g: None), x.register_hook(lambda g: None)
    assert isinstance(a.id, int) and b.id > a.id
    assert type(a).__name__ == "RemovableHandle"


def test_hook_replacement_with_create_graph(device):
    # A hook's result joins the graph, so second derivatives see it.
    x = torch.tensor(3.0, requires_grad=True, device=device)
    y = x**2
    y.register_hook(lambda g: g * 2)
    (gx,) = torch.autograd.grad(y, x, create_graph=True)
    assert gx.item() == 12.0
    (ggx,) = torch.autograd.grad(gx, x)
    assert ggx.item() == 4.0
