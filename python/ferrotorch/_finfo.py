"""``torch.finfo`` and ``torch.iinfo``: the numeric limits of floating and
integer dtypes, with PyTorch's attributes, ``repr`` and errors.

Values come from ``numpy.finfo``/``numpy.iinfo``; bfloat16, which numpy
lacks, is described by hand (8 exponent bits like float32, 8 significand bits).
"""

from __future__ import annotations

import numpy as np

from . import _C

# name -> (bits, eps, max, tiny, resolution)
_BFLOAT16 = (16, 2.0**-7, (2.0 - 2.0**-7) * 2.0**127, 2.0**-126, 0.01)
_NP_FLOATS = {"float16": np.float16, "float32": np.float32, "float64": np.float64}
_NP_INTS = {"uint8": np.uint8, "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64}
_NO_ARG = object()


def _check_dtype(fn: str, type_) -> None:
    if not isinstance(type_, _C.dtype):
        raise TypeError(f"{fn}(): argument 'type' (position 1) must be torch.dtype, not {type(type_).__name__}")


class _Info:
    """Read-only attributes, like PyTorch's C-level info objects."""

    __slots__ = ()

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'torch.{type(self).__name__}' objects is not writable")

    def _set(self, **values) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __eq__(self, other):
        return type(other) is type(self) and other.dtype == self.dtype

    def __hash__(self):
        return hash((type(self).__name__, self.dtype))

    def _fields(self) -> str:
        # PyTorch prints every number with C's %g.
        return ", ".join(f"{name}={getattr(self, name):g}" for name in self._REPR) + f", dtype={self.dtype}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._fields()})"


class finfo(_Info):
    r"""finfo(type=torch.get_default_dtype()) -> limits of a floating point dtype

    Attributes: ``bits``, ``eps``, ``max``, ``min``, ``tiny``,
    ``smallest_normal`` (same as ``tiny``), ``resolution`` and ``dtype`` (a name
    such as ``'float32'``).
    """

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")
    _REPR = ("resolution", "min", "max", "eps", "smallest_normal", "tiny")

    def __init__(self, type=_NO_ARG):  # noqa: A002  (PyTorch's parameter name)
        if type is _NO_ARG:
            from ._creation import get_default_dtype

            type = get_default_dtype()  # noqa: A001
        _check_dtype("finfo", type)
        if not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'")
        name = type._name
        if name == "bfloat16":
            bits, eps, max_, tiny, resolution = _BFLOAT16
        else:
            info = np.finfo(_NP_FLOATS[name])
            bits, eps, max_, tiny = info.bits, float(info.eps), float(info.max), float(info.tiny)
            # PyTorch gives 10**-precision as a Python float; numpy rounds it to the dtype.
            resolution = 10.0**-info.precision
        self._set(bits=bits, eps=eps, max=max_, min=-max_, tiny=tiny, smallest_normal=tiny,
                  resolution=resolution, dtype=name)


class iinfo(_Info):
    r"""iinfo(type) -> limits of an integer dtype: ``bits``, ``max``, ``min``, ``dtype``."""

    __slots__ = ("bits", "max", "min", "dtype")
    _REPR = ("min", "max")

    def __init__(self, *args):
        if not args:
            raise TypeError('iinfo() missing 1 required positional arguments: "type"')
        type = args[0]  # noqa: A001
        _check_dtype("iinfo", type)
        if type == _C.bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(_NP_INTS[type._name])
        self._set(bits=info.bits, max=int(info.max), min=int(info.min), dtype=type._name)


finfo.__module__ = iinfo.__module__ = "torch"
