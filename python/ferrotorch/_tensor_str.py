"""Tensor printing that matches PyTorch's ``repr(tensor)`` character for character.

The module works on plain numpy arrays so that it does not depend on the
compiled extension: the caller hands over the tensor's elements (with the
tensor's shape) together with its dtype name, device and autograd state.

The layout rules reproduce PyTorch's observable behaviour:

* every element of a tensor is printed with one shared formatter, so all
  elements are right-aligned to a common width;
* floating point tensors whose finite non-zero values are all integers are
  printed in "integer mode" (``1.``), otherwise with ``precision`` digits;
  scientific notation is used when the largest magnitude is more than 1000
  times the smallest, larger than ``1e8``, or (outside integer mode) smaller
  than ``1e-4``;
* tensors with more than ``threshold`` elements are summarised with ``...``,
  keeping ``edgeitems`` entries at each end of every dimension;
* rows are wrapped at ``linewidth`` and the ``dtype=``/``device=``/autograd
  suffixes follow, moved onto a new line when they would not fit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["get_printoptions", "printoptions", "set_printoptions", "tensor_repr"]

_FLOATING_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64"})
_INTEGER_DTYPES = frozenset({"uint8", "int8", "int16", "int32", "int64"})
_PREFIX = "tensor("


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    r"""Set options for printing. Items shamelessly taken from NumPy.

    Args:
        precision: Number of digits of precision for floating point output
            (default = 4).
        threshold: Total number of array elements which trigger summarization
            rather than full `repr` (default = 1000).
        edgeitems: Number of array items in summary at beginning and end of
            each dimension (default = 3).
        linewidth: The number of characters per line for the purpose of
            inserting line breaks (default = 80). Thresholded matrices will
            ignore this parameter.
        profile: Sane defaults for pretty printing. Can override with any of
            the above options. (any one of `default`, `short`, `full`)
        sci_mode: Enable (True) or disable (False) scientific notation. If
            None (default) is specified, the value is defined by the
            formatter. Unlike the other options, it is reset on every call.

    Example::

        >>> set_printoptions(precision=2)
        >>> print(tensor_repr(np.array([1.12345]), dtype="float32"))
        tensor([1.12])
    """
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
        elif profile == "short":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
        elif profile == "full":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, math.inf
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    r"""Gets the current options for printing, as a dictionary that can be
    passed as ``**kwargs`` to :func:`set_printoptions`.
    """
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    r"""Context manager that temporarily changes the print options.

    Accepted arguments are the same as for :func:`set_printoptions`.
    """
    old_kwargs = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old_kwargs)


class _Formatter:
    """Chooses one width and notation for all elements of a tensor."""

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating_dtype = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        precision = PRINT_OPTS.precision

        if not floating:
            for value in np.unique(flat).tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
        else:
            nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
            if nonzero_finite.size == 0:
                # Only zeros and non-finite values: integer mode, and the
                # sci_mode print option is ignored.
                return
            abs_values = np.abs(nonzero_finite)
            abs_min = float(abs_values.min())
            abs_max = float(abs_values.max())
            self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
            # Integer mode only switches to scientific notation for a large
            # range or large values, never for small ones.
            self.sci_mode = (
                abs_max / abs_min > 1000.0
                or abs_max > 1.0e8
                or (not self.int_mode and abs_min < 1.0e-4)
            )
            if PRINT_OPTS.sci_mode is not None:
                self.sci_mode = PRINT_OPTS.sci_mode

            unique = np.unique(nonzero_finite).tolist()
            if self.sci_mode:
                widths = [len(f"{v:.{precision}e}") for v in unique]
            elif self.int_mode:
                # One extra character for the trailing '.'.
                widths = [len(f"{v:.0f}") + 1 for v in unique]
            else:
                widths = [len(f"{v:.{precision}f}") for v in unique]
            self.max_width = max(self.max_width, *widths)

    def width(self) -> int:
        return self.max_width

    def format(self, value: float | int | bool) -> str:
        if self.floating_dtype:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _summarized_data(values: np.ndarray) -> np.ndarray:
    """The elements that remain visible once ``values`` is summarised."""
    edge = PRINT_OPTS.edgeitems
    if values.ndim <= 1 and not edge:
        # A 1-D slice [-0:] is the whole tensor, so nothing is dropped here.
        return values
    if not edge:
        return values[tuple(slice(0, 0) for _ in values.shape)]
    index = []
    for size in values.shape:
        if size > 2 * edge:
            index.append(np.r_[0:edge, size - edge : size])
        else:
            index.append(np.arange(size))
    return values[np.ix_(*index)]


def _vector_str(values: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    # The length of an element includes the ", " that separates it from the next.
    element_length = formatter.width() + 2
    elements_per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))
    edge = PRINT_OPTS.edgeitems

    if summarize and not edge:
        data = ["..."]
    elif summarize and values.shape[0] > 2 * edge:
        data = (
            [formatter.format(v) for v in values[:edge].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in values[-edge:].tolist()]
        )
    else:
        data = [formatter.format(v) for v in values.tolist()]

    lines = [", ".join(data[i : i + elements_per_line]) for i in range(0, len(data), elements_per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(values: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    dim = values.ndim
    if dim == 0:
        return formatter.format(values.item())
    if dim == 1:
        return _vector_str(values, indent, summarize, formatter)

    edge = PRINT_OPTS.edgeitems
    size = values.shape[0]
    if summarize and size > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(size - edge, size))
    else:
        rows = list(range(size))
    slices = [
        "..." if i is None else _tensor_str_with_formatter(values[i], indent + 1, summarize, formatter) for i in rows
    ]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _tensor_str(values: np.ndarray, indent: int, floating: bool) -> str:
    if values.size == 0:
        return "[]"
    summarize = values.size > PRINT_OPTS.threshold
    formatter = _Formatter(_summarized_data(values) if summarize else values, floating)
    return _tensor_str_with_formatter(values, indent, summarize, formatter)


def _add_suffixes(tensor_str: str, suffixes: list[str], indent: int) -> str:
    parts = [tensor_str]
    # Note: this is 2 more than the length of the last line; PyTorch counts it
    # this way, so the wrapping decision has to as well.
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _normalize(values: Any, dtype: str) -> np.ndarray:
    array = np.asarray(values)
    if dtype in _FLOATING_DTYPES:
        # float64 holds every float16/bfloat16/float32 value exactly.
        return array.astype(np.float64, copy=False)
    if dtype == "bool":
        return array.astype(np.bool_, copy=False)
    if dtype in _INTEGER_DTYPES:
        if array.dtype.kind not in "iub":
            raise TypeError(f"expected an integer array for dtype {dtype}, got {array.dtype}")
        return array
    raise ValueError(f"unsupported dtype for printing: {dtype!r}")


def tensor_repr(
    values: np.ndarray,
    *,
    dtype: str,
    device: str = "cpu",
    requires_grad: bool = False,
    grad_fn: str | None = None,
    default_dtype: str = "float32",
) -> str:
    r"""Returns the string PyTorch's ``repr`` gives for a tensor.

    Args:
        values (numpy.ndarray): the tensor's elements, with the tensor's shape.
            For ``float16`` and ``bfloat16`` tensors pass a floating point
            array holding exactly the same values.
        dtype (str): the PyTorch dtype name without the ``torch.`` prefix,
            e.g. ``"float32"`` or ``"int64"``.
        device (str): the device, e.g. ``"cpu"`` or ``"cuda:0"``.
        requires_grad (bool): whether the tensor requires grad.
        grad_fn (str, optional): the name of the tensor's ``grad_fn`` node,
            e.g. ``"MulBackward0"``. Shown instead of ``requires_grad``.
        default_dtype (str): the current default floating point dtype, whose
            name is not printed (default: ``"float32"``).

    Example::

        >>> tensor_repr(np.array([1.0, 2.5]), dtype="float64")
        'tensor([1.0000, 2.5000], dtype=torch.float64)'
    """
    array = _normalize(values, dtype)
    indent = len(_PREFIX)
    suffixes = []

    if device.split(":", 1)[0] != "cpu":
        suffixes.append(f"device='{device}'")

    if array.size == 0:
        # Print the shape unless it is (0,), as NumPy does.
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        # Nothing to infer the dtype from, so anything but the default is shown.
        if dtype != default_dtype:
            suffixes.append(f"dtype=torch.{dtype}")
        tensor_str = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype not in (default_dtype, "int64", "bool"):
            suffixes.append(f"dtype=torch.{dtype}")
        tensor_str = _tensor_str(array, indent, dtype in _FLOATING_DTYPES)

    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    return _add_suffixes(_PREFIX + tensor_str, suffixes, indent)
