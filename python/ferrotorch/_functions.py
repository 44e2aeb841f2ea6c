"""Module-level forms of tensor ops (``torch.add(a, b)``, ``torch.sum(x, dim)``...).

Each forwards to the Tensor method of the same name, so there is one definition
of every op; a few (``where``, ``cat``, ``max`` with two tensors) need their own
argument handling.
"""

from __future__ import annotations

import builtins
import numbers

from . import _C
from ._C import Tensor
from ._creation import tensor as _tensor

_METHOD_FORMS = [
    # math
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "pow", "neg", "negative", "abs", "absolute", "sign", "relu", "floor", "ceil", "round",
    "trunc", "fix", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh",
    "sigmoid", "reciprocal", "square", "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum",
    "fmod", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite", "rsub",
    # reductions
    "sum", "nansum", "mean", "prod", "amax", "amin", "argmax", "argmin", "all", "any", "var", "std",
    "norm", "logsumexp", "softmax", "log_softmax", "cumsum", "cumprod", "sort", "argsort", "topk",
    "count_nonzero", "allclose", "equal",
    # linear algebra
    "matmul", "mm", "bmm", "dot", "outer",
    # views and shapes
    "reshape", "flatten", "permute", "transpose", "swapaxes", "swapdims", "t", "squeeze", "unsqueeze",
    "narrow", "select", "movedim", "split", "chunk", "unbind", "as_strided", "flip", "unflatten",
    "clone", "detach",
    # indexing
    "index_select", "gather", "scatter", "scatter_add", "masked_fill", "nonzero", "take",
]


def _forward(name: str):
    method = getattr(Tensor, name)

    def fn(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            input = _tensor(input)
        return method(input, *args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Functional form of :meth:`Tensor.{name}`."
    return fn


for _name in _METHOD_FORMS:
    globals()[_name] = _forward(_name)


def max(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    r"""max(input) -> Tensor; max(input, dim, keepdim=False) -> (values, indices); max(input, other) -> Tensor"""
    return input.max(dim, keepdim)


def min(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    r"""min(input) -> Tensor; min(input, dim, keepdim=False) -> (values, indices); min(input, other) -> Tensor"""
    return input.min(dim, keepdim)


def pow(input, exponent):
    r"""pow(input, exponent) -> Tensor; a number base gives PyTorch's PowBackward2."""
    if not isinstance(input, Tensor) and isinstance(exponent, Tensor):
        return exponent.__rpow__(input)
    return _forward("pow")(input, exponent)


def where(condition: Tensor, input=None, other=None):
    r"""where(condition, input, other) -> Tensor; where(condition) -> tuple of index tensors."""
    if input is None and other is None:
        return tuple(condition.nonzero().unbind(1))
    return _C._where(condition, input, other)


def result_type(tensor1, tensor2):
    r"""The dtype an arithmetic op on the two operands produces (PyTorch's promotion rules)."""
    return _C._result_type(tensor1, tensor2)


def promote_types(type1, type2):
    r"""The smallest dtype both dtypes can be safely cast to."""
    return _C._result_type(_C._full([1], 0, type1), _C._full([1], 0, type2))


def can_cast(from_, to) -> bool:
    order = {"bool": 0, "int": 1, "float": 2}

    def cat(d):
        return "bool" if d == _C.bool else ("float" if d.is_floating_point else "int")

    return order[cat(from_)] <= order[cat(to)]


def numel(input: Tensor) -> int:
    return input.numel()


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.dtype.is_floating_point


def is_nonzero(input: Tensor) -> bool:
    return bool(input)


def concat(tensors, dim: int = 0) -> Tensor:
    return _C.cat(tensors, dim)


concatenate = concat


def column_stack(tensors) -> Tensor:
    return _C.hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors])


def broadcast_shapes(*shapes):
    from ._size import Size

    out: list[int] = []
    for s in shapes:
        s = (s,) if isinstance(s, numbers.Integral) else tuple(s)
        n = builtins.max(len(out), len(s))
        a = [1] * (n - len(out)) + out
        b = [1] * (n - len(s)) + list(s)
        res = []
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y and x != 1 and y != 1:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between {tuple(out)} and {s} at dimension {i}")
            res.append(y if x == 1 else x)
        out = res
    return Size(out)


def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(t.expand(shape) for t in tensors)

