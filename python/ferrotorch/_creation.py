"""Tensor creation functions: ``tensor``, ``zeros``, ``arange``, ``rand``... with
PyTorch's signatures, defaults and dtype inference."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _C
from ._C import Tensor

_NP_TO_DTYPE = {
    np.dtype(np.float32): _C.float32,
    np.dtype(np.float64): _C.float64,
    np.dtype(np.float16): _C.float16,
    np.dtype(np.int64): _C.int64,
    np.dtype(np.int32): _C.int32,
    np.dtype(np.int16): _C.int16,
    np.dtype(np.int8): _C.int8,
    np.dtype(np.uint8): _C.uint8,
    np.dtype(np.bool_): _C.bool,
}

_default_dtype = _C.float32


def set_default_dtype(d) -> None:
    r"""Sets the default floating point dtype (float32 or float64)."""
    global _default_dtype
    if d not in (_C.float32, _C.float64, _C.float16, _C.bfloat16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_dtype = d


def get_default_dtype():
    r"""Returns the current default floating point dtype."""
    return _default_dtype


def _check_device(device: Any):
    # Resolving raises PyTorch's errors: a malformed string, or a CUDA device
    # on a machine without one ("Found no NVIDIA driver ..."). None: the CPU.
    if device is None:
        return None
    dev = _C._resolve_device(device)
    return None if dev.type == "cpu" else dev


def _shape(size: tuple) -> list[int]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, float) or not hasattr(s, "__index__"):
            raise TypeError(
                f"expected a sequence of integers or a single integer, but got {type(s).__name__} {s!r}"
            )
        out.append(s.__index__())
    return out


def _finish(t: Tensor, requires_grad: bool, device=None) -> Tensor:
    # Values computed on the host (from data, ranges, the CPU generator) are
    # uploaded once; the result is a leaf on the device.
    if device is not None and t.device != device:
        t = t._to_device(device, False)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _flatten_nested(data: Any) -> tuple[list, list[int]]:
    """Flattens nested sequences, returning (values, shape); rejects ragged input."""
    if isinstance(data, Tensor):
        return data.reshape(-1).tolist() if data.ndim else [data.item()], list(data.shape)
    if isinstance(data, np.ndarray):
        return data.reshape(-1).tolist(), list(data.shape)
    if not isinstance(data, (list, tuple)):
        return [data], []
    if len(data) == 0:
        return [], [0]
    parts = [_flatten_nested(d) for d in data]
    inner = parts[0][1]
    for _, s in parts:
        if s != inner:
            raise ValueError(f"expected sequence of length {inner[0] if inner else 0} at dim 1 (got {s[0] if s else 0})")
    values: list = []
    for v, _ in parts:
        values.extend(v)
    return values, [len(data)] + inner


def _infer_dtype(values: list, data: Any):
    if isinstance(data, np.ndarray):
        return _NP_TO_DTYPE.get(data.dtype, _default_dtype)
    if isinstance(data, Tensor):
        return data.dtype
    kind = 0  # 0 bool, 1 int, 2 float
    for v in values:
        if isinstance(v, (bool, np.bool_)):
            continue
        if isinstance(v, Tensor):
            kind = max(kind, 2 if v.dtype.is_floating_point else (0 if v.dtype == _C.bool else 1))
        elif isinstance(v, numbers.Integral):
            kind = max(kind, 1)
        elif isinstance(v, numbers.Real):
            kind = 2
        else:
            raise TypeError(f"Could not infer dtype of {type(v).__name__}")
    if not values:
        return _default_dtype
    return (_C.bool, _C.int64, _default_dtype)[kind]


def tensor(data: Any, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    r"""Constructs a tensor with no autograd history by copying :attr:`data`.

    Args:
        data (array_like): a list, tuple, NumPy ``ndarray``, scalar or tensor.
        dtype (torch.dtype, optional): inferred from :attr:`data` when ``None``
            (Python ints give ``int64``, floats ``float32``, bools ``bool``).
        device (torch.device, optional): where the tensor lives (default: the CPU).
        requires_grad (bool, optional): default ``False``.
    """
    device = _check_device(device)
    if isinstance(data, np.generic):
        data = np.asarray(data)
    if isinstance(data, np.ndarray):
        if data.dtype not in _NP_TO_DTYPE:
            raise TypeError(f"can't convert np.ndarray of type {data.dtype}")
        # A private C-ordered copy (np.ascontiguousarray would turn 0-d into 1-d).
        t = _C.from_numpy(np.array(data, order="C", copy=True))
        return _finish(t.to(dtype) if dtype is not None else t, requires_grad, device)
    if isinstance(data, Tensor):
        t = data.detach().clone()
        return _finish(t.to(dtype) if dtype is not None else t, requires_grad, device)
    values, shape = _flatten_nested(data)
    if dtype is None:
        dtype = _infer_dtype(values, data)
    return _finish(_C._from_flat(values, shape, dtype), requires_grad, device)


def as_tensor(data: Any, dtype=None, device=None) -> Tensor:
    r"""Converts :attr:`data` into a tensor, sharing memory with tensors and NumPy arrays when possible."""
    dev = _check_device(device)
    if isinstance(data, Tensor):
        t = data if dtype is None else data.to(dtype)
        return t if device is None else t.to(device)
    if dev is None and isinstance(data, np.ndarray) and data.dtype in _NP_TO_DTYPE:
        t = from_numpy(data) if data.flags.writeable and data.flags.aligned and all(s >= 0 for s in data.strides) else tensor(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    r"""Creates a tensor that shares memory with :attr:`ndarray` (writes are visible both ways)."""
    return _C.from_numpy(ndarray)


def full(size: Sequence[int], fill_value, *, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    r"""A tensor of :attr:`size` filled with :attr:`fill_value`; the dtype is inferred from the value."""
    device = _check_device(device)
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = _C.bool
        elif isinstance(fill_value, numbers.Integral):
            dtype = _C.int64
        else:
            dtype = _default_dtype
    t = _C._full(_shape((size,)), fill_value, dtype, device)
    return _finish(t, requires_grad, device)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    r"""A tensor filled with the scalar value 0, of the shape given by :attr:`size`."""
    device = _check_device(device)
    return _finish(_C._full(_shape(size), 0, dtype or _default_dtype, device), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    r"""A tensor filled with the scalar value 1, of the shape given by :attr:`size`."""
    device = _check_device(device)
    return _finish(_C._full(_shape(size), 1, dtype or _default_dtype, device), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad: bool = False, out=None, memory_format=None) -> Tensor:
    r"""A tensor with uninitialised data (zero-filled here) of the shape given by :attr:`size`."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    r"""A 2-D tensor with ones on the diagonal and zeros elsewhere."""
    device = _check_device(device)
    return _finish(_C._eye(n, n if m is None else m, dtype or _default_dtype), requires_grad, device)


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    r"""Values from :attr:`start` to :attr:`end` (exclusive) spaced by :attr:`step`.

    The dtype is ``int64`` when all arguments are integers, else the default float dtype.
    """
    device = _check_device(device)
    if end is None:
        start, end = 0, start
    args = (start, end, step)
    args = tuple(a.item() if isinstance(a, Tensor) else a for a in args)
    if dtype is None:
        is_int = all(isinstance(a, numbers.Integral) for a in args)
        dtype = _C.int64 if is_int else _default_dtype
    return _finish(_C._arange(*args, dtype), requires_grad, device)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    r"""``steps`` values evenly spaced from :attr:`start` to :attr:`end`, inclusive."""
    device = _check_device(device)
    return _finish(_C._linspace(float(start), float(end), steps, dtype or _default_dtype), requires_grad, device)


def _cuda_generator(generator) -> None:
    # CUDA tensors draw from their device's generator (torch.cuda.manual_seed);
    # CPU Generator objects are refused, as in PyTorch.
    if generator is not None:
        raise RuntimeError(f"Expected a 'cuda' device type for generator but found '{generator.device.type}'")


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    r"""Uniform samples on ``[0, 1)``; with the same seed, the same numbers as PyTorch's CPU generator."""
    device = _check_device(device)
    if device is not None:
        _cuda_generator(generator)
        return _finish(_C._cuda_random("uniform", _shape(size), dtype or _default_dtype, device.index), requires_grad)
    return _finish(_C._rand(_shape(size), dtype or _default_dtype, generator), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    r"""Standard normal samples; with the same seed, the same numbers as PyTorch's CPU generator."""
    device = _check_device(device)
    if device is not None:
        _cuda_generator(generator)
        return _finish(_C._cuda_random("normal", _shape(size), dtype or _default_dtype, device.index), requires_grad)
    return _finish(_C._randn(_shape(size), dtype or _default_dtype, generator), requires_grad, device)


def randint(*args, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None, **kwargs) -> Tensor:
    r"""randint(low=0, high, size, \*, generator=None, dtype=None) -> Tensor

    Integers drawn uniformly from ``[low, high)``; ``int64`` by default.
    """
    device = _check_device(device)
    if "size" in kwargs:
        args = args + (kwargs.pop("size"),)
    if "high" in kwargs:
        args = (kwargs.pop("low", 0), kwargs.pop("high")) + args
    if kwargs:
        raise TypeError(f"randint() got unexpected keyword arguments {sorted(kwargs)}")
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    if device is not None:
        _cuda_generator(generator)
        t = _C._cuda_random("randint", _shape((size,)), dtype or _C.int64, device.index, int(low), int(high))
        return _finish(t, requires_grad)
    return _finish(_C._randint(int(low), int(high), _shape((size,)), dtype or _C.int64, generator), requires_grad, device)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    r"""A random permutation of ``0 .. n-1`` (``int64`` by default)."""
    device = _check_device(device)
    return _finish(_C._randperm(n, dtype or _C.int64, generator), requires_grad, device)


def _like(fn_name: str):
    def like(input: Tensor, *args, dtype=None, device=None, requires_grad: bool = False, memory_format=None, **kw) -> Tensor:
        fn = globals()[fn_name]
        dtype = dtype or input.dtype
        device = input.device if device is None else device
        if fn_name == "full":  # full_like(input, fill_value)
            return fn(tuple(input.shape), *args, dtype=dtype, device=device, requires_grad=requires_grad)
        return fn(*input.shape, dtype=dtype, device=device, requires_grad=requires_grad, **kw)

    like.__name__ = f"{fn_name}_like"
    like.__doc__ = f"Returns ``torch.{fn_name}`` with the shape (and, unless given, the dtype and device) of :attr:`input`."
    return like


zeros_like = _like("zeros")
ones_like = _like("ones")
empty_like = _like("empty")
rand_like = _like("rand")
randn_like = _like("randn")
full_like = _like("full")


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    r"""``randint`` with the shape (and, unless given, the dtype) of :attr:`input`."""
    if high is None:
        low, high = 0, low
    device = input.device if device is None else device
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    r"""A 0-d tensor holding :attr:`s` (default float dtype)."""
    return full((), s, dtype=dtype or _default_dtype, device=device, requires_grad=requires_grad)


__all__ = [
    "tensor", "as_tensor", "from_numpy", "full", "zeros", "ones", "empty", "eye", "arange", "linspace",
    "rand", "randn", "randint", "randperm", "zeros_like", "ones_like", "empty_like", "rand_like",
    "randn_like", "full_like", "randint_like", "scalar_tensor", "set_default_dtype", "get_default_dtype",
]
