"""torch.autograd.Function: custom forward/backward in Python joining the
Rust graph (ctx, saved tensors, needs_input_grad, non-differentiable
outputs, materialized grads, the checks on what backward returns). Each
scenario builds its Function classes from the library it is given, so the
same code also runs against PyTorch when it is installed."""

from __future__ import annotations

import gc

import pytest

import ferrotorch as torch
from _helpers import device_type_names, on_device, outcome


def make_exp(t):
    class Exp(t.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            r = i.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r

    return Exp


def one_function(t, fwd, bwd, name="F"):
    return type(name, (t.autograd.Function,), {"forward": staticmethod(fwd), "backward": staticmethod(bwd)})


def exp_gradient(t):
    x = t.tensor([0.0, 1.0], requires_grad=True, dtype=t.float64)
    y = make_exp(t).apply(x)
    fn = y.grad_fn
    info = (type(fn).__name__, fn.name(), fn is y.grad_fn, fn.next_functions[0][0].name(), y.requires_grad, y.is_leaf)
    (y * 2).sum().backward()
    return info, [round(v, 6) for v in x.grad.tolist()]


def non_tensor_args_get_none(t):
    def fwd(ctx, x, k, y):
        ctx.k = k
        return x * k + y

    def bwd(ctx, g):
        return g * ctx.k, None, g

    F = one_function(t, fwd, bwd)
    x = t.ones(2, requires_grad=True)
    y = t.ones(2, requires_grad=True)
    out = F.apply(x, 3.0, y)
    out.sum().backward()
    return x.grad.tolist(), y.grad.tolist(), len(out.grad_fn.next_functions)


def needs_input_grad(t):
    seen = []

    def fwd(ctx, a, b, k):
        seen.append(ctx.needs_input_grad)
        return a * b

    def bwd(ctx, g):
        return g, None, None

    F = one_function(t, fwd, bwd)
    F.apply(t.ones(2, requires_grad=True), t.ones(2), 1)
    with t.no_grad():
        out = F.apply(t.ones(2, requires_grad=True), t.ones(2), 1)
    return seen, out.requires_grad, out.grad_fn


def saved_none_and_input(t):
    def fwd(ctx, a):
        ctx.save_for_backward(a, None)
        return a * 2

    def bwd(ctx, g):
        a, n = ctx.saved_tensors
        return g * a + (0 if n is None else 1)

    F = one_function(t, fwd, bwd)
    x = t.tensor([1.0, 2.0], requires_grad=True)
    F.apply(x).sum().backward()
    return x.grad.tolist()


def non_differentiable_output(t):
    seen = []

    def fwd(ctx, a):
        s = a.sign()
        ctx.mark_non_differentiable(s)
        return a * 2, s

    def bwd(ctx, g, gs):
        seen.append(gs.tolist())
        return g * 2

    F = one_function(t, fwd, bwd)
    x = t.tensor([1.0, -2.0], requires_grad=True)
    o, s = F.apply(x)
    o.sum().backward()
    return s.requires_grad, s.grad_fn, seen, x.grad.tolist()


def materialize_off(t):
    seen = []

    def fwd(ctx, a):
        ctx.set_materialize_grads(False)
        return a * 2, a * 3

    def bwd(ctx, g1, g2):
        seen.append(g2)
        return g1 * 2

    F = one_function(t, fwd, bwd)
    x = t.tensor([1.0], requires_grad=True)
    o1, _ = F.apply(x)
    o1.sum().backward()
    return seen, x.grad.tolist()


def two_outputs_both_used(t):
    def fwd(ctx, a):
        return a * 2, a * 3

    def bwd(ctx, g1, g2):
        return g1 * 2 + g2 * 3

    F = one_function(t, fwd, bwd)
    x = t.tensor([1.0], requires_grad=True)
    o1, o2 = F.apply(x)
    (o1 + o2).sum().backward()
    return o1.output_nr, o2.output_nr, x.grad.tolist()


def returns_input(t):
    def fwd(ctx, a):
        return a

    def bwd(ctx, g):
        return g * 5

    F = one_function(t, fwd, bwd, "Ret")
    x = t.tensor([1.0], requires_grad=True)
    y = F.apply(x)
    y.sum().backward()
    return y is x, x.is_leaf, type(y.grad_fn).__name__, x.grad.tolist()


def broadcast_and_dtype_fixed(t):
    def fwd(ctx, a):
        return a * 2

    def bwd(ctx, g):
        return t.ones(4, 3, dtype=t.float64)

    F = one_function(t, fwd, bwd)
    x = t.ones(3, requires_grad=True)
    F.apply(x).sum().backward()
    return x.grad.dtype == t.float32, x.grad.tolist()


def wrong_shape(t):
    F = one_function(t, lambda ctx, i: i * 2, lambda ctx, g: t.ones(2), "WrongShape")
    F.apply(t.ones(3, requires_grad=True)).sum().backward()


def wrong_shape_index_counts_tensors(t):
    F = one_function(t, lambda ctx, k, i: i * k, lambda ctx, g: (None, t.ones(2)), "W")
    F.apply(2, t.ones(3, requires_grad=True)).sum().backward()


def too_few(t):
    F = one_function(t, lambda ctx, i, k: i * k, lambda ctx, g: g, "TooFew")
    F.apply(t.ones(3, requires_grad=True), 2).sum().backward()


def too_many(t):
    F = one_function(t, lambda ctx, i: i * 2, lambda ctx, g: (g, g), "TooMany")
    F.apply(t.ones(3, requires_grad=True)).sum().backward()


def extra_nones_allowed(t):
    F = one_function(t, lambda ctx, i: i * 2, lambda ctx, g: (g, None, None))
    x = t.ones(2, requires_grad=True)
    F.apply(x).sum().backward()
    return x.grad.tolist()


def grad_for_non_tensor(t):
    F = one_function(t, lambda ctx, i, k: i * k, lambda ctx, g: (g, g), "NonTensorGrad")
    F.apply(t.ones(3, requires_grad=True), 2).sum().backward()


def bad_return_type(t):
    F = one_function(t, lambda ctx, i: i * 2, lambda ctx, g: 3, "BadType")
    F.apply(t.ones(3, requires_grad=True)).sum().backward()


def backward_raises(t):
    def bwd(ctx, g):
        raise KeyError("boom")

    F = one_function(t, lambda ctx, i: i * 2, bwd)
    F.apply(t.ones(3, requires_grad=True)).sum().backward()


def saved_modified_in_place(t):
    def fwd(ctx, a):
        ctx.save_for_backward(a)
        return a * 2

    def bwd(ctx, g):
        (a,) = ctx.saved_tensors
        return g * a

    F = one_function(t, fwd, bwd)
    w = t.ones(3, requires_grad=True)
    w2 = w * 1
    o = F.apply(w2)
    with t.no_grad():
        w2.mul_(2)
    o.sum().backward()


def saved_output_modified_in_place(t):
    o = make_exp(t).apply(t.ones(3, requires_grad=True))
    o2 = o * 1
    with t.no_grad():
        o.mul_(2)
    o2.sum().backward()


def saved_after_free(t):
    o = make_exp(t).apply(t.ones(3, requires_grad=True))
    o.sum().backward()
    return o.grad_fn.saved_tensors


def second_derivative(t):
    class Cube(t.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

    x = t.tensor(2.0, requires_grad=True)
    (d1,) = t.autograd.grad(Cube.apply(x), x, create_graph=True)
    (d2,) = t.autograd.grad(d1, x)
    return d1.item(), d2.item()


def base_forward(t):
    return t.autograd.Function.forward(None)


def base_backward(t):
    return t.autograd.Function.backward(None)


def keyword_arguments(t):
    def fwd(ctx, x, scale=2.0):
        ctx.scale = scale
        return x * scale

    def bwd(ctx, g):
        return g * ctx.scale, None

    F = one_function(t, fwd, bwd)
    x = t.ones(1, requires_grad=True)
    F.apply(x, scale=4.0).sum().backward()
    return x.grad.tolist()


def setup_context_style(t):
    class Mul(t.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    x = t.ones(2, requires_grad=True)
    Mul.apply(x, 3.0).sum().backward()
    return x.grad.tolist()


def retain_grad_on_outputs(t):
    class Two(t.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3, x * 4

        @staticmethod
        def backward(ctx, ga, gb, gc):
            return ga * 2 + gb * 3 + gc * 4

    x = t.arange(3.0, requires_grad=True)
    a, b, c = Two.apply(x)
    a.retain_grad()
    b.retain_grad()
    b.retain_grad()  # twice: still one accumulation
    c.retain_grad()
    (a * a + b).sum().backward(retain_graph=True)
    first = (a.grad.tolist(), b.grad.tolist(), c.grad, a.retains_grad, x.grad.tolist())
    # A second backward accumulates into the retained gradients.
    b.sum().backward()
    return first, a.grad.tolist(), b.grad.tolist(), x.grad.tolist()


RT = "RuntimeError"
FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)
HINT = (
    "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
SCENARIOS = [
    (exp_gradient, (("ExpBackward", "ExpBackward", True, "torch::autograd::AccumulateGrad", True, False), [2.0, 5.436564])),
    (non_tensor_args_get_none, ([3.0, 3.0], [1.0, 1.0], 2)),
    (needs_input_grad, ([(True, False, False), (True, False, False)], False, None)),
    (saved_none_and_input, [1.0, 2.0]),
    (non_differentiable_output, (False, None, [[0.0, 0.0]], [2.0, 2.0])),
    (materialize_off, ([None], [2.0])),
    (two_outputs_both_used, (0, 1, [5.0])),
    (returns_input, (False, True, "RetBackward", [5.0])),
    (broadcast_and_dtype_fixed, (True, [4.0, 4.0, 4.0])),
    (wrong_shape, (RT, "Function WrongShapeBackward returned an invalid gradient at index 0 - got [2] but expected shape compatible with [3]")),
    (wrong_shape_index_counts_tensors, (RT, "Function WBackward returned an invalid gradient at index 0 - got [2] but expected shape compatible with [3]")),
    (too_few, (RT, "function TooFewBackward returned an incorrect number of gradients (expected 2, got 1)")),
    (too_many, (RT, "function TooManyBackward returned an incorrect number of gradients (expected 1, got 2)")),
    (extra_nones_allowed, [1.0, 1.0]),
    (grad_for_non_tensor, (RT, "function NonTensorGradBackward returned a gradient different than None at position 2, but the corresponding forward input was not a Variable")),
    (bad_return_type, (RT, "expected Variable or None (got int)")),
    (backward_raises, ("KeyError", "'boom'")),
    (saved_modified_in_place, (RT, "one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of Mul, is at version 1; expected version 0 instead. " + HINT)),
    (saved_output_modified_in_place, (RT, "one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of Exp, is at version 1; expected version 0 instead. " + HINT)),
    (saved_after_free, (RT, FREED)),
    (second_derivative, (12.0, 12.0)),
    (base_forward, ("NotImplementedError", "You must implement the forward function for custom autograd.Function.")),
    (base_backward, ("NotImplementedError", "You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.")),
    (keyword_arguments, [4.0]),
    (setup_context_style, [3.0, 3.0]),
    (retain_grad_on_outputs, ((([0.0, 4.0, 8.0], [1.0, 1.0, 1.0], None, True, [3.0, 11.0, 19.0]), [0.0, 4.0, 8.0], [2.0, 2.0, 2.0], [6.0, 14.0, 22.0]))),
]
IDS = [s.__name__ for s, _ in SCENARIOS]


@pytest.mark.parametrize("scenario,expected", SCENARIOS, ids=IDS)
def test_function(scenario, expected, device):
    # The scenario's tensors are made on ``device``; messages naming a legacy
    # tensor type name the device's one, as in PyTorch.
    want = device_type_names(expected, device)
    assert outcome(lambda: scenario(on_device(torch, device))) == want


@pytest.mark.parametrize("scenario,expected", SCENARIOS, ids=IDS)
def test_function_matches_torch_live(scenario, expected):
    ref = pytest.importorskip("torch")
    assert outcome(lambda: scenario(ref)) == expected


def test_grad_fn_repr_and_class(device):
    y = make_exp(torch).apply(torch.ones(2, requires_grad=True, device=device))
    assert repr(y).endswith("grad_fn=<ExpBackward>)")
    assert isinstance(y.grad_fn, torch.autograd.function.BackwardCFunction)
    assert repr(y.grad_fn).startswith("<ferrotorch.autograd.function.ExpBackward object at 0x")


def test_gradcheck_through_custom_function(device):
    x = torch.tensor([0.1, -0.4, 0.7], dtype=torch.float64, requires_grad=True, device=device)
    assert torch.autograd.gradcheck(make_exp(torch).apply, (x,))


def test_instantiating_warns_and_calling_raises(device):
    Exp = make_exp(torch)
    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        f = Exp()
    with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward method"):
        f(torch.ones(1, device=device))


def test_graph_with_custom_function_is_freed(device):
    # ctx, node and saved output must not form a cycle that outlives the graph.
    import weakref

    x = torch.ones(3, requires_grad=True, device=device)
    y = make_exp(torch).apply(x)
    ref = weakref.ref(y.grad_fn)
    y.sum().backward()
    del y
    gc.collect()
    assert ref() is None
