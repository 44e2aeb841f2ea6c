"""Tensor methods defined in Python on top of the Rust primitives of
``ferrotorch._C.Tensor``: PyTorch's argument conventions (``*size`` or a
tuple, ``dim`` as int or tuple, keyword names), named-tuple results, dtype
conversions, ``repr`` and NumPy conversion."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from . import _C, _tensor_str
from ._C import Tensor
from ._size import Size

class _ReturnTypes:
    """Named tuples with PyTorch's names (``torch.return_types.max``...)."""

    def __init__(self) -> None:
        for name in ("max", "min", "sort", "topk"):
            setattr(self, name, collections.namedtuple(name, ["values", "indices"]))


return_types = _ReturnTypes()


def _sizes(args: tuple) -> list[int]:
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = tuple(args[0])
    return [a.__index__() for a in args]


def _dims(dim: Any) -> list[int]:
    if dim is None:
        return []
    if isinstance(dim, (tuple, list)):
        return [d.__index__() for d in dim]
    return [dim.__index__()]


def _method(fn):
    setattr(Tensor, fn.__name__, fn)
    return fn


# ---------------------------------------------------------------- attributes

Tensor.shape = property(lambda self: Size(self._shape()), doc="The shape of the tensor as a ``torch.Size``.")
Tensor.layout = property(lambda self: _C_strided, doc="Always ``torch.strided``.")
Tensor.T = property(lambda self: self.permute(*reversed(range(self.ndim))), doc="Reversed-dims view.")
Tensor.mT = property(lambda self: self.transpose(-2, -1), doc="Transpose of the last two dims.")
def _get_data(self: Tensor) -> Tensor:
    return self.detach()


def _set_data(self: Tensor, value: Tensor) -> None:
    # PyTorch rebinds the tensor to `value`'s storage; a ferrotorch tensor's
    # storage is fixed at creation, so only a same-shape, same-dtype
    # assignment (copying the values) is supported.
    if not isinstance(value, Tensor):
        raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
    if value.shape != self.shape or value.dtype != self.dtype:
        raise RuntimeError(
            f"assigning .data of shape {list(value.shape)} and dtype {value.dtype} to a tensor of shape "
            f"{list(self.shape)} and dtype {self.dtype} is not supported in ferrotorch (only same shape and "
            "dtype, which copies the values); use the new tensor directly"
        )
    self.detach().copy_(value)


Tensor.data = property(
    _get_data,
    _set_data,
    doc="The tensor's values without autograd history: a view sharing storage that does not require grad.",
)
# NumPy defers to the tensor's reflected operators (np.float64(2) * t is a Tensor).
Tensor.__array_priority__ = 1000


class _Layout:
    def __repr__(self) -> str:
        return "torch.strided"


_C_strided = _Layout()


@_method
def size(self: Tensor, dim: int | None = None):
    r"""size(dim=None) -> torch.Size or int"""
    if dim is None:
        return Size(self._shape())
    n = self.ndim
    if n == 0:
        raise IndexError(f"dimension specified as {dim} but tensor has no dimensions")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return self._shape()[dim]


@_method
def __repr__(self: Tensor, *, tensor_contents=None) -> str:
    host = self if self.device.type == "cpu" else self.detach()._to_device("cpu", False)
    if self.dtype == _C.bfloat16:
        values = np.asarray(host.float())
    else:
        values = np.asarray(host)
    from ._creation import get_default_dtype

    return _tensor_str.tensor_repr(
        values,
        dtype=self.dtype._name,
        device=str(self.device),
        requires_grad=self.requires_grad,
        grad_fn=None if self.grad_fn is None else self.grad_fn.name(),
        default_dtype=get_default_dtype()._name,
    )


Tensor.__str__ = __repr__


@_method
def backward(self: Tensor, gradient: Tensor | None = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    r"""Computes the gradient of this tensor with respect to the graph leaves.

    The gradients are accumulated into the leaves' ``.grad``.

    Args:
        gradient (Tensor, optional): the gradient of some scalar with respect
            to this tensor; required unless it has one element.
        retain_graph (bool, optional): keep the graph so that backward can run
            again. Defaults to ``create_graph``.
        create_graph (bool, optional): record the backward pass (for
            higher-order derivatives). Default: ``False``.
        inputs (Tensor or sequence of Tensor, optional): accumulate only into
            these tensors' ``.grad``. Default: every leaf.
    """
    if gradient is None and inputs is None and not create_graph:
        # The common call, straight to the engine (checks happen in Rust).
        retain = create_graph if retain_graph is None else retain_graph
        _C._backward((self,), (None,), bool(retain), bool(create_graph), ())
        return
    from . import autograd

    autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)


@_method
def __format__(self: Tensor, spec: str) -> str:
    if self.ndim == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


@_method
def __iter__(self: Tensor):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(self.unbind(0))


@_method
def __reversed__(self: Tensor):
    return iter(reversed(self.unbind(0)))


@_method
def __contains__(self: Tensor, element) -> bool:
    return bool((self == element).any().item())


@_method
def __array__(self: Tensor, dtype=None, copy=None):
    a = np.asarray(self) if self.dtype != _C.bfloat16 else np.asarray(self.float())
    return a if dtype is None else a.astype(dtype)


@_method
def numpy(self: Tensor, *, force: bool = False) -> np.ndarray:
    r"""Returns the tensor as a NumPy array sharing its memory."""
    if self.requires_grad and not force:
        raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
    return np.asarray(self)


# ---------------------------------------------------------------- views


@_method
def view(self: Tensor, *shape, dtype=None) -> Tensor:
    r"""view(*shape) -> Tensor: same data, new shape; raises if the layout can't express it.

    view(dtype) -> Tensor: the same bytes read as ``dtype`` (shares storage)."""
    if dtype is not None and not shape:
        return self._view_dtype(dtype)
    if len(shape) == 1 and isinstance(shape[0], _C.dtype):
        return self._view_dtype(shape[0])
    return self._view(_sizes(shape))


@_method
def reshape(self: Tensor, *shape) -> Tensor:
    r"""reshape(*shape) -> Tensor: a view when possible, otherwise a copy."""
    return self._reshape(_sizes(shape))


@_method
def view_as(self: Tensor, other: Tensor) -> Tensor:
    return self.view(other.shape)


@_method
def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return self.reshape(other.shape)


@_method
def permute(self: Tensor, *dims) -> Tensor:
    r"""permute(*dims) -> Tensor: a view with the dims reordered."""
    return self._permute(_sizes(dims))


@_method
def expand(self: Tensor, *sizes) -> Tensor:
    r"""expand(*sizes) -> Tensor: broadcast view (-1 keeps a dim)."""
    return self._expand(_sizes(sizes))


@_method
def expand_as(self: Tensor, other: Tensor) -> Tensor:
    return self.expand(other.shape)


@_method
def swapaxes(self: Tensor, axis0: int, axis1: int) -> Tensor:
    return self.transpose(axis0, axis1)


Tensor.swapdims = swapaxes


@_method
def unflatten(self: Tensor, dim: int, sizes) -> Tensor:
    d = dim % self.ndim
    return self.reshape(*self.shape[:d], *sizes, *self.shape[d + 1 :])


@_method
def split(self: Tensor, split_size_or_sections, dim: int = 0):
    r"""Splits into views of ``split_size`` (int) or of the given section sizes (list)."""
    if isinstance(split_size_or_sections, (list, tuple)):
        return tuple(self._split_sizes(list(split_size_or_sections), dim))
    return tuple(self._split(split_size_or_sections, dim))


_chunk = Tensor.chunk
_unbind = Tensor.unbind
Tensor.chunk = lambda self, chunks, dim=0: tuple(_chunk(self, chunks, dim))
Tensor.unbind = lambda self, dim=0: tuple(_unbind(self, dim))

# ---------------------------------------------------------------- dtype conversion


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    for a in args:
        if isinstance(a, _C.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, _C.device)) or (isinstance(a, int) and not isinstance(a, bool)):
            device = a
        elif a is None:
            continue
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
    return dtype, device


@_method
def to(self: Tensor, *args, **kwargs) -> Tensor:
    r"""to(dtype) / to(device) / to(device, dtype) / to(other) -> Tensor"""
    copy = kwargs.pop("copy", False)
    # Copies to and from the device complete before returning (the host
    # side is pageable memory), so non_blocking=True is always honoured
    # trivially: the result is ready.
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    dtype, device = _parse_to(args, kwargs)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    dtype = dtype if dtype is not None else self.dtype
    if device is not None and _C._resolve_device(device) != self.device:
        # The dtype conversion runs on the source device, then one copy
        # crosses (the copy is new memory, so `copy` changes nothing).
        return self._to_dtype(dtype, False)._to_device(device, False)
    return self._to_dtype(dtype, copy)


@_method
def cuda(self: Tensor, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
    r"""A copy on a CUDA device (the current one by default); self if already there."""
    if device is None:
        device = "cuda"
    elif not (isinstance(device, int) and not isinstance(device, bool)):
        if _C.device(device).type != "cuda":
            raise RuntimeError("Invalid device, must be cuda device")
    return self.to(device, non_blocking=non_blocking)


def _converter(name, dt):
    def conv(self: Tensor, memory_format=None) -> Tensor:
        return self._to_dtype(dt, False)

    conv.__name__ = name
    conv.__doc__ = f"``self.to({dt!r})``"
    setattr(Tensor, name, conv)


for _n, _d in [
    ("float", _C.float32), ("double", _C.float64), ("half", _C.float16), ("bfloat16", _C.bfloat16),
    ("long", _C.int64), ("int", _C.int32), ("short", _C.int16), ("char", _C.int8), ("byte", _C.uint8),
    ("bool", _C.bool),
]:
    _converter(_n, _d)


@_method
def type_as(self: Tensor, other: Tensor) -> Tensor:
    return self.to(other.dtype)


@_method
def cpu(self: Tensor, memory_format=None) -> Tensor:
    r"""A copy in host memory; self when already there."""
    return self.to("cpu")


Tensor.is_cpu = property(lambda self: self.device.type == "cpu")


@_method
def get_device(self: Tensor) -> int:
    r"""The CUDA device index of the tensor, -1 for a CPU tensor."""
    return -1 if self.device.type == "cpu" else self.device.index


@_method
def new_tensor(self: Tensor, data, dtype=None, device=None, requires_grad=False) -> Tensor:
    from ._creation import tensor

    return tensor(data, dtype=dtype or self.dtype, device=self.device if device is None else device,
                  requires_grad=requires_grad)


def _new_factory(name):
    def new(self: Tensor, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        from . import _creation

        device = self.device if device is None else device
        if name == "full":
            size, fill = size[0], size[1]
            return _creation.full(size, fill, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)
        return getattr(_creation, name)(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    new.__name__ = f"new_{name}"
    setattr(Tensor, new.__name__, new)


for _n in ("zeros", "ones", "empty", "full"):
    _new_factory(_n)

# ---------------------------------------------------------------- math

_UNARY = [
    "neg", "abs", "sign", "relu", "floor", "ceil", "trunc", "sqrt", "rsqrt", "exp", "log", "log1p",
    "expm1", "sin", "cos", "tan", "tanh", "sigmoid", "reciprocal", "logical_not", "bitwise_not",
]


def _unary_method(name):
    def op(self: Tensor) -> Tensor:
        return self._unary(name)

    def op_(self: Tensor) -> Tensor:
        return self._unary_(name)

    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"Elementwise ``{name}``."
    setattr(Tensor, name, op)
    if name not in ("logical_not",):
        setattr(Tensor, name + "_", op_)


for _n in _UNARY:
    _unary_method(_n)

Tensor.negative = Tensor.neg
Tensor.absolute = Tensor.abs
Tensor.fix = Tensor.trunc


@_method
def round(self: Tensor, *, decimals: int = 0) -> Tensor:
    r"""Rounds half to even; with ``decimals``, rounds to that many decimal places."""
    if decimals == 0:
        return self._unary("round")
    scale = 10.0**decimals
    return (self * scale)._unary("round") / scale


@_method
def round_(self: Tensor, *, decimals: int = 0) -> Tensor:
    return self._assign_(self.round(decimals=decimals))


_BINARY = {
    "add": "add", "sub": "sub", "mul": "mul", "true_divide": "div", "floor_divide": "floor_divide",
    "remainder": "remainder", "pow": "pow", "maximum": "maximum", "minimum": "minimum",
    "eq": "eq", "ne": "ne", "lt": "lt", "le": "le", "gt": "gt", "ge": "ge",
    "logical_and": "logical_and", "logical_or": "logical_or", "logical_xor": "logical_xor",
    "fmod": "fmod", "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or", "bitwise_xor": "bitwise_xor",
}


def _binary_method(name, code):
    def op(self: Tensor, other) -> Tensor:
        return self._binary(other, code)

    def op_(self: Tensor, other) -> Tensor:
        return self._binary_(other, code)

    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"Elementwise ``{name}`` with broadcasting and type promotion."
    setattr(Tensor, name, op)
    setattr(Tensor, name + "_", op_)


for _n, _c in _BINARY.items():
    if _c is not None:
        _binary_method(_n, _c)

Tensor.multiply = Tensor.mul
Tensor.subtract = Tensor.sub
Tensor.greater = Tensor.gt
Tensor.greater_equal = Tensor.ge
Tensor.less = Tensor.lt
Tensor.less_equal = Tensor.le
Tensor.not_equal = Tensor.ne


def _check_alpha(self: Tensor, other, alpha) -> None:
    integral = not self.dtype.is_floating_point and not (isinstance(other, Tensor) and other.dtype.is_floating_point)
    if integral and isinstance(alpha, float) and not isinstance(other, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


@_method
def add(self: Tensor, other, *, alpha=1) -> Tensor:
    r"""add(other, *, alpha=1) -> Tensor: ``self + alpha * other``."""
    _check_alpha(self, other, alpha)
    if alpha != 1:
        other = other * alpha
    return self._binary(other, "add")


@_method
def add_(self: Tensor, other, *, alpha=1) -> Tensor:
    if alpha != 1:
        other = other * alpha
    return self._binary_(other, "add")


@_method
def sub(self: Tensor, other, *, alpha=1) -> Tensor:
    r"""sub(other, *, alpha=1) -> Tensor: ``self - alpha * other``."""
    _check_alpha(self, other, alpha)
    if alpha != 1:
        other = other * alpha
    return self._binary(other, "sub")


@_method
def sub_(self: Tensor, other, *, alpha=1) -> Tensor:
    if alpha != 1:
        other = other * alpha
    return self._binary_(other, "sub")


@_method
def rsub(self: Tensor, other, *, alpha=1) -> Tensor:
    return self._binary(other, "sub", True) if alpha == 1 else (other - alpha * self)


def _needs_grad(self, other) -> bool:
    from .autograd import is_grad_enabled
    return is_grad_enabled() and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad))


def _rounded_div(self, other, rounding_mode, inplace):
    if rounding_mode is None:
        return self._binary_(other, "div") if inplace else self._binary(other, "div")
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    from .autograd import no_grad
    # The values come from tensor ops with grad mode off; the result then
    # gets PyTorch's DivBackward2 (zero gradients, also for a zero divisor).
    with no_grad():
        if rounding_mode == "floor":
            q = self._binary(other, "floor_divide")
        else:
            q = self._binary(other, "div")
            if not q.dtype.is_floating_point or (self.dtype.is_floating_point or isinstance(other, float)):
                q = q.trunc()
            else:
                q = q.trunc().to(self.dtype if not isinstance(other, Tensor) else _C._result_type(self, other))
    if _needs_grad(self, other) and q.dtype.is_floating_point:
        q = _C._div_rounded_node(q, self, other if isinstance(other, Tensor) else None)
    return self._assign_(q) if inplace else q


@_method
def div(self: Tensor, other, *, rounding_mode=None) -> Tensor:
    r"""div(other, *, rounding_mode=None) -> Tensor: true division, or ``'trunc'``/``'floor'`` rounding."""
    return _rounded_div(self, other, rounding_mode, False)


@_method
def div_(self: Tensor, other, *, rounding_mode=None) -> Tensor:
    return _rounded_div(self, other, rounding_mode, True)


Tensor.divide = Tensor.div
Tensor.true_divide = Tensor.div


@_method
def square(self: Tensor) -> Tensor:
    # PyTorch's square is pow(x, 2): PowBackward0, and bool gives int64.
    return self.pow(2)


@_method
def clamp(self: Tensor, min=None, max=None) -> Tensor:
    r"""clamp(min=None, max=None) -> Tensor: limits values to ``[min, max]``."""
    return self._clamp(min, max)


@_method
def clamp_(self: Tensor, min=None, max=None) -> Tensor:
    return self._assign_(self._clamp(min, max))


Tensor.clip = Tensor.clamp
Tensor.clip_ = Tensor.clamp_


@_method
def clamp_min(self: Tensor, min) -> Tensor:
    return self._clamp(min, None, "clamp_min")


@_method
def clamp_max(self: Tensor, max) -> Tensor:
    return self._clamp(None, max, "clamp_max")


@_method
def where(self: Tensor, condition: Tensor, other) -> Tensor:
    return _C._where(condition, self, other)


@_method
def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    return self._assign_(self.masked_fill(mask, value))


@_method
def scatter(self: Tensor, dim: int, index: Tensor, src=None, value=None, *, reduce=None) -> Tensor:
    r"""Out-of-place :meth:`scatter_`."""
    return self.clone().scatter_(dim, index, src if src is not None else value, reduce=reduce)


_scatter_ = Tensor.scatter_


@_method
def scatter_(self: Tensor, dim: int, index: Tensor, src=None, value=None, *, reduce=None) -> Tensor:
    r"""scatter_(dim, index, src, *, reduce=None): writes :attr:`src` (tensor or number) at :attr:`index` along :attr:`dim`."""
    return _scatter_(self, dim, index, src if src is not None else value, reduce)


@_method
def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    return _scatter_(self, dim, index, src, "add")


@_method
def scatter_add(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    return self.clone().scatter_add_(dim, index, src)


@_method
def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None) -> Tensor:
    r"""Fills with uniform samples on ``[from_, to)`` (PyTorch's numbers for the same seed on the CPU)."""
    return self._uniform_(float(from_), float(to), generator)


@_method
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    r"""Fills with normal samples (PyTorch's numbers for the same seed on the CPU)."""
    return self._normal_(float(mean), float(std), generator)



# ---------------------------------------------------------------- reductions


@_method
def sum(self: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    r"""sum(dim=None, keepdim=False, *, dtype=None) -> Tensor"""
    return self._sum(_dims(dim), keepdim, dtype)


@_method
def nansum(self: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    return self._nansum(_dims(dim), keepdim, dtype)


@_method
def mean(self: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    r"""mean(dim=None, keepdim=False, *, dtype=None) -> Tensor"""
    return self._mean(_dims(dim), keepdim, dtype)


@_method
def prod(self: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    r"""prod(dim=None, keepdim=False, *, dtype=None) -> Tensor"""
    return self._prod(None if dim is None else dim.__index__(), keepdim, dtype)


def _extreme(self, dim, keepdim, is_max, other=None):
    if isinstance(dim, Tensor):
        return self.maximum(dim) if is_max else self.minimum(dim)
    if dim is None:
        if self.numel() == 0:
            raise RuntimeError(
                f"{'max' if is_max else 'min'}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        return self._amax([], False, is_max)
    v, i = self._max_dim(dim.__index__(), keepdim, is_max)
    return (return_types.max if is_max else return_types.min)(v, i)


@_method
def max(self: Tensor, dim=None, keepdim: bool = False):
    r"""max() -> Tensor, max(dim, keepdim=False) -> (values, indices), max(other) -> Tensor"""
    return _extreme(self, dim, keepdim, True)


@_method
def min(self: Tensor, dim=None, keepdim: bool = False):
    r"""min() -> Tensor, min(dim, keepdim=False) -> (values, indices), min(other) -> Tensor"""
    return _extreme(self, dim, keepdim, False)


@_method
def amax(self: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    # No dims means all of them, spelled out so autograd names it AmaxBackward0.
    dims = _dims(dim) or list(range(self.ndim))
    return self._amax(dims, keepdim, True)


@_method
def amin(self: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    # No dims means all of them, spelled out so autograd names it AminBackward0.
    dims = _dims(dim) or list(range(self.ndim))
    return self._amax(dims, keepdim, False)


@_method
def argmax(self: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return self._argmax(dim, keepdim, True)


@_method
def argmin(self: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    return self._argmax(dim, keepdim, False)


@_method
def all(self: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    r"""all(dim=None, keepdim=False) -> Tensor (uint8 for uint8 input, else bool)"""
    return self._all_any(_dims(dim), keepdim, False)


@_method
def any(self: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    r"""any(dim=None, keepdim=False) -> Tensor (uint8 for uint8 input, else bool)"""
    return self._all_any(_dims(dim), keepdim, True)


def _correction(unbiased, correction):
    if correction is not None:
        return float(correction)
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


def _var_args(dim, unbiased):
    # var(unbiased: bool) positional form
    if isinstance(dim, bool):
        return None, dim
    return dim, unbiased


@_method
def var(self: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    r"""var(dim=None, unbiased=True, keepdim=False, *, correction=None) -> Tensor"""
    dim, unbiased = _var_args(dim, unbiased)
    return self._var(_dims(dim), _correction(unbiased, correction), keepdim, False)


@_method
def std(self: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    r"""std(dim=None, unbiased=True, keepdim=False, *, correction=None) -> Tensor"""
    dim, unbiased = _var_args(dim, unbiased)
    return self._var(_dims(dim), _correction(unbiased, correction), keepdim, True)


@_method
def norm(self: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    r"""norm(p='fro', dim=None, keepdim=False) -> Tensor: vector p-norm (Frobenius for 'fro')."""
    x = self if dtype is None else self.to(dtype)
    if p == "fro" or p is None:
        p = 2.0
    if p == "nuc":
        raise RuntimeError("nuclear norm is not supported yet")
    return x._norm(float(p), _dims(dim), keepdim)


@_method
def logsumexp(self: Tensor, dim, keepdim: bool = False) -> Tensor:
    return self._logsumexp(_dims(dim), keepdim)


@_method
def softmax(self: Tensor, dim: int, dtype=None) -> Tensor:
    return self._softmax(dim, False, dtype)


@_method
def log_softmax(self: Tensor, dim: int, dtype=None) -> Tensor:
    return self._softmax(dim, True, dtype)


@_method
def cumsum(self: Tensor, dim: int, *, dtype=None) -> Tensor:
    return self._cumulative(dim, False, dtype)


@_method
def cumprod(self: Tensor, dim: int, *, dtype=None) -> Tensor:
    return self._cumulative(dim, True, dtype)


@_method
def sort(self: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    r"""sort(dim=-1, descending=False, stable=False) -> (values, indices); always stable here."""
    return return_types.sort(*self._sort(dim, descending))


@_method
def argsort(self: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    return self._sort(dim, descending)[1]


@_method
def topk(self: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    r"""topk(k, dim=-1, largest=True, sorted=True) -> (values, indices)"""
    return return_types.topk(*self._topk(k, dim, largest))


@_method
def count_nonzero(self: Tensor, dim=None) -> Tensor:
    return (self != 0).sum(dim)


@_method
def allclose(self: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    a, b = (t.detach().cpu() if isinstance(t, Tensor) else t for t in (self, other))
    return bool(np.allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol, atol, equal_nan))


@_method
def equal(self: Tensor, other: Tensor) -> bool:
    return tuple(self.shape) == tuple(other.shape) and bool((self == other).all().item())


@_method
def isnan(self: Tensor) -> Tensor:
    return self != self


@_method
def isinf(self: Tensor) -> Tensor:
    return self.abs() == float("inf") if self.dtype.is_floating_point else self.new_zeros(self.shape, dtype=_C.bool)


@_method
def isfinite(self: Tensor) -> Tensor:
    return (self == self).logical_and(self.isinf().logical_not())


@_method
def flip(self: Tensor, dims) -> Tensor:
    return self._flip(_dims(dims))


__all__ = ["Size", "return_types"]
