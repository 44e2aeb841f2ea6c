"""The autograd entry points and tensor attributes: backward(inputs=...),
torch.autograd.backward's arguments, the non-leaf .grad warning, and object
identity of .grad and grad_fn. Scenarios also run against PyTorch when it is
installed."""

from __future__ import annotations

import warnings

import pytest

import ferrotorch as torch
from _helpers import device_type_names, on_device, outcome


def inputs_only_listed_leaves(t):
    a = t.ones(2, requires_grad=True)
    b = t.ones(2, requires_grad=True)
    (a * b * 3).sum().backward(inputs=[a])
    return a.grad.tolist(), b.grad


def inputs_single_tensor(t):
    a = t.tensor([2.0], requires_grad=True)
    b = t.tensor([5.0], requires_grad=True)
    (a * b).sum().backward(inputs=b)
    return a.grad, b.grad.tolist()


def inputs_non_leaf(t):
    a = t.tensor([1.0, 2.0], requires_grad=True)
    c = a * 2
    (c * c).sum().backward(inputs=[c])
    return c.grad.tolist(), a.grad, c.is_leaf


def inputs_accumulate(t):
    a = t.tensor([1.0], requires_grad=True)
    for _ in range(2):
        (a * 3).sum().backward(inputs=[a])
    return a.grad.tolist()


def inputs_skip_unrelated_hooks(t):
    a = t.ones(1, requires_grad=True)
    b = t.ones(1, requires_grad=True)
    calls = []
    b.register_hook(lambda g: calls.append("b"))
    (a * 2 + b * 3).sum().backward(inputs=[a])
    return calls, a.grad.tolist()


def inputs_unused(t):
    a = t.ones(1, requires_grad=True)
    b = t.ones(1, requires_grad=True)
    (a * 2).sum().backward(inputs=[a, b])
    return a.grad.tolist(), b.grad


def inputs_empty(t):
    a = t.ones(1, requires_grad=True)
    (a * 2).sum().backward(inputs=[])


def inputs_not_requiring_grad(t):
    a = t.ones(1, requires_grad=True)
    (a * 2).sum().backward(inputs=[t.ones(1)])


def autograd_backward_full(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    y = x**2
    z = x * 3
    t.autograd.backward([y, z], [t.tensor([1.0, 1.0]), t.tensor([2.0, 2.0])], retain_graph=True)
    first = x.grad.tolist()
    t.autograd.backward(y, grad_tensors=t.tensor([1.0, 0.0]), inputs=[x])
    return first, x.grad.tolist()


def autograd_backward_create_graph(t):
    x = t.tensor(3.0, requires_grad=True)
    t.autograd.backward(x**3, create_graph=True)
    g = x.grad
    return g.item(), g.requires_grad


def non_leaf_grad_warning(t):
    x = t.ones(2, requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert y.grad is None
        x.grad  # a leaf: no warning
        y.retain_grad()
        y.grad  # retains grad: no warning
    return [(r.category.__name__, str(r.message).split(" (Triggered internally")[0]) for r in w]


def grad_identity(t):
    x = t.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    g = x.grad
    same = x.grad is g
    (x * 2).sum().backward()  # accumulates in place: still the same object
    after = x.grad is g
    mine = t.zeros(2)
    x.grad = mine
    assigned = x.grad is mine
    x.grad = None
    return same, after, assigned, x.grad, g.tolist()


def grad_fn_identity(t):
    x = t.ones(2, requires_grad=True)
    y = (x * 2).exp()
    fn = y.grad_fn
    nf = fn.next_functions[0][0]
    return (
        y.grad_fn is fn,
        y.grad_fn == fn,
        hash(y.grad_fn) == hash(fn),
        nf is fn.next_functions[0][0],
        len({y.grad_fn, fn, nf}),
        fn.next_functions[0][0].next_functions[0][0] is fn.next_functions[0][0].next_functions[0][0],
    )


NON_LEAF = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)
SCENARIOS = [
    (inputs_only_listed_leaves, ([3.0, 3.0], None)),
    (inputs_single_tensor, (None, [2.0])),
    (inputs_non_leaf, ([4.0, 8.0], None, False)),
    (inputs_accumulate, [6.0]),
    (inputs_skip_unrelated_hooks, ([], [2.0])),
    (inputs_unused, ([2.0], None)),
    (inputs_empty, ("RuntimeError", "`inputs` argument to `backward()` cannot be empty.")),
    (inputs_not_requiring_grad, ("RuntimeError", "can't retain_grad on Tensor that has requires_grad=False")),
    (autograd_backward_full, ([8.0, 10.0], [10.0, 10.0])),
    (autograd_backward_create_graph, (27.0, True)),
    (non_leaf_grad_warning, [("UserWarning", NON_LEAF)]),
    (grad_identity, (True, True, True, None, [4.0, 4.0])),
    (grad_fn_identity, (True, True, True, True, 2, True)),
]
IDS = [s.__name__ for s, _ in SCENARIOS]


@pytest.mark.parametrize("scenario,expected", SCENARIOS, ids=IDS)
def test_api(scenario, expected, device):
    # The scenario's tensors are made on ``device``; messages naming a legacy
    # tensor type name the device's one, as in PyTorch.
    want = device_type_names(expected, device)
    assert outcome(lambda: scenario(on_device(torch, device))) == want


@pytest.mark.parametrize("scenario,expected", SCENARIOS, ids=IDS)
def test_api_matches_torch_live(scenario, expected):
    ref = pytest.importorskip("torch")
    assert outcome(lambda: scenario(ref)) == expected


def test_warning_points_at_caller(device):
    y = torch.ones(1, requires_grad=True, device=device) * 2
    with pytest.warns(UserWarning) as rec:
        y.grad
    assert rec[0].filename == __file__


def test_backward_create_graph_warns_once_like_torch(device):
    import ferrotorch.autograd as ag

    ag._CREATE_GRAPH_WARNED = False
    x = torch.ones(2, requires_grad=True, device=device)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        (x * x).sum().backward(create_graph=True)
        torch.autograd.backward((x * x).sum(), create_graph=True)
    assert len(w) == 1 and w[0].category is UserWarning
    assert str(w[0].message).startswith("Using backward() with create_graph=True will create a reference cycle")
    assert str(w[0].message).endswith("to break the cycle and avoid the leak.")
