"""The ``torch.*autocast*`` functions: the calling thread's autocast state.

The state lives in Rust (``ferrotorch::autocast``, through ``_C._autocast_*``),
so ops apply it where they are defined. PyTorch implements these functions in
C++; the argument checks here reproduce its argument parser's messages.
"""

from __future__ import annotations

import warnings
from typing import Any

from . import _C
from ._C import dtype as _dtype

__all__ = [
    "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype", "set_autocast_dtype",
    "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache",
    "autocast_increment_nesting", "autocast_decrement_nesting",
    "is_autocast_cpu_enabled", "set_autocast_cpu_enabled", "get_autocast_cpu_dtype",
    "set_autocast_cpu_dtype", "get_autocast_gpu_dtype", "set_autocast_gpu_dtype",
]


def _typename(obj: Any) -> str:
    """The type name PyTorch's messages print (``int``, ``torch.device``, ``numpy.bool``)."""
    t = type(obj)
    module = t.__module__
    if module.startswith("ferrotorch"):
        # Our types stand for PyTorch's and are named as PyTorch names them.
        return "torch." + t.__name__
    heap_type = t.__flags__ & (1 << 9)
    if module == "builtins" or heap_type:
        return t.__name__
    return f"{module}.{t.__name__}"


# A parameter: (name, Python type, the name PyTorch's signature gives the type).
_Param = tuple[str, type, str]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _match(fn: str, params: list[_Param], args: tuple, kwargs: dict) -> list[Any]:
    """Binds ``args``/``kwargs`` to ``params`` or raises PyTorch's TypeError."""
    if len(args) > len(params):
        was = "was" if len(args) == 1 else "were"
        raise TypeError(f"{fn}() takes {_plural(len(params), 'positional argument')} but {len(args)} {was} given")
    values = []
    for i, (name, ty, tyname) in enumerate(params):
        if i < len(args):
            value, where = args[i], f" (position {i + 1})"
        elif name in kwargs:
            value, where = kwargs[name], ""
        else:
            raise TypeError(f'{fn}() missing 1 required positional arguments: "{name}"')
        # bool is an int subclass, and PyTorch takes only real bools (and strs) here.
        if not isinstance(value, ty) or (ty is int and isinstance(value, bool)):
            raise TypeError(f"{fn}(): argument '{name}'{where} must be {tyname}, not {_typename(value)}")
        values.append(value)
    for key in kwargs:
        if key not in [p[0] for p in params]:
            raise TypeError(f"{fn}() got an unexpected keyword argument '{key}'")
    return values


def _parse(fn: str, signatures: list[list[_Param]], args: tuple, kwargs: dict) -> tuple[int, list[Any]]:
    """The index of the signature ``args``/``kwargs`` match and the bound values,
    choosing among overloads as PyTorch's argument parser does."""
    for i, params in enumerate(signatures):
        try:
            return i, _match(fn, params, args, kwargs)
        except TypeError:
            pass
    # No match: a single signature, or the only one the argument count fits,
    # explains itself; otherwise all signatures are listed.
    n = len(args) + len(kwargs)
    plausible = [p for p in signatures if n == len(p)]
    if len(signatures) == 1 or len(plausible) == 1:
        _match(fn, signatures[0] if len(signatures) == 1 else plausible[0], args, kwargs)
    got = [_typename(a) for a in args] + [f"{k}={_typename(v)}" for k, v in kwargs.items()]
    options = "".join(
        " * (" + ", ".join(f"{tyname} {name}" for name, _, tyname in params) + ")\n" for params in signatures
    )
    raise TypeError(
        f"{fn}() received an invalid combination of arguments - got ({', '.join(got)}), "
        f"but expected one of:\n{options}"
    )


_DEVICE_TYPE: _Param = ("device_type", str, "str")
_ENABLED: _Param = ("enabled", bool, "bool")
_DTYPE: _Param = ("dtype", _dtype, "torch.dtype")


def _no_args(fn: str, args: tuple, kwargs: dict) -> None:
    # Messages of CPython's METH_NOARGS functions, which PyTorch's are.
    if kwargs:
        raise TypeError(f"torch.{fn}() takes no keyword arguments")
    if args:
        raise TypeError(f"torch.{fn}() takes no arguments ({len(args)} given)")


def _one_arg(fn: str, args: tuple, kwargs: dict) -> Any:
    # Messages of CPython's METH_O functions.
    if kwargs:
        raise TypeError(f"torch.{fn}() takes no keyword arguments")
    if len(args) != 1:
        raise TypeError(f"torch.{fn}() takes exactly one argument ({len(args)} given)")
    return args[0]


def _bool_arg(fn: str, args: tuple, kwargs: dict) -> bool:
    value = _one_arg(fn, args, kwargs)
    if not isinstance(value, bool):
        raise TypeError(f"enabled must be a bool (got {_typename(value)})")
    return value


def _dtype_arg(fn: str, args: tuple, kwargs: dict) -> _dtype:
    value = _one_arg(fn, args, kwargs)
    if not isinstance(value, _dtype):
        raise TypeError(f"dtype must be a torch.dtype (got {_typename(value)})")
    return value


def is_autocast_enabled(*args: Any, **kwargs: Any) -> bool:
    r"""is_autocast_enabled(device_type) -> bool; is_autocast_enabled() -> bool

    Whether autocast is enabled on this thread for ``device_type`` (a device
    type string such as ``"cpu"`` or ``"cuda"``; ``"cuda"`` when omitted).
    """
    i, values = _parse("is_autocast_enabled", [[_DEVICE_TYPE], []], args, kwargs)
    return _C._autocast_is_enabled(values[0] if i == 0 else "cuda")


def set_autocast_enabled(*args: Any, **kwargs: Any) -> None:
    r"""set_autocast_enabled(device_type, enabled) -> None; set_autocast_enabled(enabled) -> None

    Enables or disables autocast on this thread for ``device_type``
    (``"cuda"`` when omitted). :class:`torch.autocast` is the usual way to
    do this for a region of code.
    """
    i, values = _parse("set_autocast_enabled", [[_DEVICE_TYPE, _ENABLED], [_ENABLED]], args, kwargs)
    device_type, enabled = values if i == 0 else ("cuda", values[0])
    _C._autocast_set_enabled(device_type, enabled)


def get_autocast_dtype(*args: Any, **kwargs: Any) -> _dtype:
    r"""get_autocast_dtype(device_type) -> torch.dtype

    The lower-precision dtype autocast uses for ``device_type`` on this thread
    (``torch.bfloat16`` for ``"cpu"`` and ``torch.float16`` for ``"cuda"`` by default).
    """
    _, (device_type,) = _parse("get_autocast_dtype", [[_DEVICE_TYPE]], args, kwargs)
    return _C._autocast_get_dtype(device_type)


def set_autocast_dtype(*args: Any, **kwargs: Any) -> None:
    r"""set_autocast_dtype(device_type, dtype) -> None

    Sets the lower-precision dtype autocast uses for ``device_type`` on this thread.
    """
    _, (device_type, dtype) = _parse("set_autocast_dtype", [[_DEVICE_TYPE, _DTYPE]], args, kwargs)
    _C._autocast_set_dtype(device_type, dtype)


def is_autocast_cache_enabled(*args: Any, **kwargs: Any) -> bool:
    r"""is_autocast_cache_enabled() -> bool

    Whether autocast caches the casts of float32 leaf tensors that require
    grad (model weights) inside autocast regions.
    """
    _no_args("is_autocast_cache_enabled", args, kwargs)
    return _C._autocast_is_cache_enabled()


def set_autocast_cache_enabled(*args: Any, **kwargs: Any) -> None:
    r"""set_autocast_cache_enabled(enabled) -> None

    Turns the autocast weight cache on or off for this thread.
    """
    _C._autocast_set_cache_enabled(_bool_arg("set_autocast_cache_enabled", args, kwargs))


def clear_autocast_cache(*args: Any, **kwargs: Any) -> None:
    r"""clear_autocast_cache() -> None

    Drops the cached casts (done when the outermost autocast region exits).
    """
    _no_args("clear_autocast_cache", args, kwargs)
    _C._autocast_clear_cache()


def autocast_increment_nesting(*args: Any, **kwargs: Any) -> int:
    r"""autocast_increment_nesting() -> int

    Counts one more enclosing autocast region on this thread; returns the depth.
    """
    _no_args("autocast_increment_nesting", args, kwargs)
    return _C._autocast_increment_nesting()


def autocast_decrement_nesting(*args: Any, **kwargs: Any) -> int:
    r"""autocast_decrement_nesting() -> int

    Counts one autocast region less on this thread; returns the depth.
    """
    _no_args("autocast_decrement_nesting", args, kwargs)
    return _C._autocast_decrement_nesting()


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"torch.{old} is deprecated. Please use torch.{new} instead.", DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled(*args: Any, **kwargs: Any) -> bool:
    r"""Deprecated: ``torch.is_autocast_enabled('cpu')``."""
    _no_args("is_autocast_cpu_enabled", args, kwargs)
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return _C._autocast_is_enabled("cpu")


def set_autocast_cpu_enabled(*args: Any, **kwargs: Any) -> None:
    r"""Deprecated: ``torch.set_autocast_enabled('cpu', enabled)``."""
    enabled = _bool_arg("set_autocast_cpu_enabled", args, kwargs)
    _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)")
    _C._autocast_set_enabled("cpu", enabled)


def get_autocast_cpu_dtype(*args: Any, **kwargs: Any) -> _dtype:
    r"""Deprecated: ``torch.get_autocast_dtype('cpu')``."""
    _no_args("get_autocast_cpu_dtype", args, kwargs)
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return _C._autocast_get_dtype("cpu")


def set_autocast_cpu_dtype(*args: Any, **kwargs: Any) -> None:
    r"""Deprecated: ``torch.set_autocast_dtype('cpu', dtype)``."""
    dtype = _dtype_arg("set_autocast_cpu_dtype", args, kwargs)
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    _C._autocast_set_dtype("cpu", dtype)


def get_autocast_gpu_dtype(*args: Any, **kwargs: Any) -> _dtype:
    r"""Deprecated: ``torch.get_autocast_dtype('cuda')``."""
    _no_args("get_autocast_gpu_dtype", args, kwargs)
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return _C._autocast_get_dtype("cuda")


def set_autocast_gpu_dtype(*args: Any, **kwargs: Any) -> None:
    r"""Deprecated: ``torch.set_autocast_dtype('cuda', dtype)``."""
    dtype = _dtype_arg("set_autocast_gpu_dtype", args, kwargs)
    _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)")
    _C._autocast_set_dtype("cuda", dtype)
