"""``torch.autocast``: regions of code that run in mixed precision.

The class only saves, sets and restores the thread's autocast state (see
``ferrotorch._autocast``); the casting itself happens in the Rust ops, each
at its own definition (``ferrotorch::autocast``).
"""

from __future__ import annotations

import collections.abc
import functools
import warnings
from typing import Any, Callable, TypeVar

import numpy as np

import ferrotorch as torch

__all__ = ["autocast_decorator", "autocast", "is_autocast_available", "custom_fwd", "custom_bwd"]

_F = TypeVar("_F", bound=Callable[..., Any])


def is_autocast_available(device_type: str) -> bool:
    r"""Return a bool indicating if autocast is available on :attr:`device_type`.

    Args:
        device_type(str): Device type to use: ``'cuda'`` or ``'cpu'``. The type is the
            same as the ``type`` attribute of a :class:`torch.device`.
    """
    if not isinstance(device_type, str):
        raise TypeError(
            f"_is_autocast_available(): argument 'device_type' (position 1) must be str, "
            f"not {torch._autocast._typename(device_type)}"
        )
    return torch._C._autocast_is_available(device_type)


def autocast_decorator(autocast_instance: "autocast", func: _F) -> _F:
    r"""``func`` run inside ``autocast_instance`` at each call."""

    @functools.wraps(func)
    def decorate_autocast(*args, **kwargs):
        with autocast_instance:
            return func(*args, **kwargs)

    return decorate_autocast  # type: ignore[return-value]


def _cuda_bf16_supported() -> bool:
    # Compute capability 8.0 (Ampere) is the first with native bfloat16.
    return torch.cuda.get_device_capability() >= (8, 0)


def _usable(device_type: str, dtype: Any) -> bool:
    """Whether autocast can run on ``device_type`` in ``dtype``; warns (as PyTorch
    does) when it cannot and the region will run without it."""
    if device_type == "cuda":
        # Compared as strings, as PyTorch does: "cuda:0" skips these checks.
        if torch.cuda.amp.common.amp_definitely_not_available():
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=3)
            return False
        if dtype == torch.bfloat16 and not _cuda_bf16_supported():
            raise RuntimeError("Current CUDA Device does not support bfloat16. Please switch dtype to float16.")
        return True
    supported = (torch.bfloat16, torch.float16)
    if dtype in supported:
        return True
    name = device_type.upper()
    warnings.warn(
        f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
        f"{name} Autocast only supports dtypes of {', '.join(str(d) for d in supported)} currently.",
        stacklevel=3,
    )
    return False


class autocast:
    r"""
    Instances of :class:`autocast` serve as context managers or decorators that
    allow regions of your script to run in mixed precision.

    In these regions, ops run in an op-specific dtype chosen by autocast to
    improve performance while maintaining accuracy: matrix products
    (``mm``, ``bmm``, ``matmul``) run in the lower-precision ``dtype``; on
    CPU ``prod`` runs in float32 and ``cat``/``stack`` in the widest input
    dtype; on CUDA, ops such as ``exp``, ``log``, ``pow``, ``sum``,
    ``softmax`` and ``norm`` run in float32 and ``dot`` in the widest input
    dtype. Other ops run in their inputs' dtypes. Only floating-point
    tensors other than float64 are cast, and the casts are recorded by
    autograd, so gradients come back in each input's own dtype.

    When entering an autocast-enabled region, Tensors may be any type. Call
    ``backward()`` outside the region: backward ops run in the dtypes autocast
    chose for the corresponding forward ops.

    Example::

        >>> a = torch.rand(8, 8)
        >>> b = torch.rand(8, 8)
        >>> with torch.autocast(device_type="cpu"):
        ...     c = torch.mm(a, b)
        >>> c.dtype
        torch.bfloat16

    :class:`autocast` can also be used as a decorator, e.g. on the ``forward``
    method of a model. ``autocast(enabled=False)`` subregions can be nested in
    autocast-enabled regions; inputs from the surrounding region should be cast
    to the wanted dtype before use there.

    The autocast state is thread-local. If you want it enabled in a new thread,
    the context manager or decorator must be invoked in that thread.

    Args:
        device_type(str, required): Device type to use: ``'cuda'`` or ``'cpu'``.
            The type is the same as the ``type`` attribute of a :class:`torch.device`.
            Thus, you may obtain the device type of a tensor using ``Tensor.device.type``.
        enabled(bool, optional): Whether autocasting should be enabled in the region.
            Default: ``True``
        dtype(torch_dtype, optional): Data type for ops run in autocast. It uses the default
            value (``torch.float16`` for CUDA and ``torch.bfloat16`` for CPU), given by
            :func:`~torch.get_autocast_dtype`, if :attr:`dtype` is ``None``.
            Default: ``None``
        cache_enabled(bool, optional): Whether the weight cache inside autocast should be
            enabled. Default: ``True``
    """

    def __init__(
        self,
        device_type: str,
        dtype: torch.dtype | None = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        # Attribute names as in PyTorch: code in the wild reads them.
        self.fast_dtype = dtype if dtype is not None else torch.get_autocast_dtype(device_type)
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        if cache_enabled is None:
            cache_enabled = torch.is_autocast_cache_enabled()
        self._cache_enabled = cache_enabled
        # A false `enabled` is kept as given (PyTorch checks its type on entry).
        self._enabled = enabled if not enabled or _usable(device_type, self.fast_dtype) else False

    def __enter__(self) -> "autocast":
        self.prev_cache_enabled = torch.is_autocast_cache_enabled()
        self.prev = torch.is_autocast_enabled(self.device)
        self.prev_fastdtype = torch.get_autocast_dtype(self.device)
        torch.set_autocast_enabled(self.device, self._enabled)
        torch.set_autocast_dtype(self.device, self.fast_dtype)
        torch.autocast_increment_nesting()
        torch.set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> bool:
        # The cache lives until the outermost autocast region is left.
        if torch.autocast_decrement_nesting() == 0:
            torch.clear_autocast_cache()
        torch.set_autocast_enabled(self.device, self.prev)
        torch.set_autocast_dtype(self.device, self.prev_fastdtype)
        torch.set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func: _F) -> _F:
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                f"Did you mean to use autocast as a context manager? For example:\n"
                f"    with torch.autocast(device_type=...):\n"
                f"        output = model(input)"
            )
        return autocast_decorator(self, func)


def _cast(value: Any, device_type: str, dtype: torch.dtype) -> Any:
    """``value`` with its floating tensors on ``device_type`` (float64 excepted) cast
    to ``dtype``, inside lists, tuples, mappings and other iterables too."""
    if isinstance(value, torch.Tensor):
        eligible = value.is_floating_point() and value.dtype != torch.float64 and value.device.type == device_type
        return value.to(dtype) if eligible else value
    # Strings and arrays are iterable but hold no tensors.
    if isinstance(value, (str, bytes, np.ndarray)):
        return value
    if isinstance(value, collections.abc.Mapping):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    if isinstance(value, collections.abc.Iterable):
        return (_cast(v, device_type, dtype) for v in value)
    return value


def _check_device_type(device_type: Any) -> None:
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")


def custom_fwd(fwd: Callable | None = None, *, device_type: str, cast_inputs: torch.dtype | None = None):
    r"""Create a helper decorator for ``forward`` methods of custom autograd functions.

    Autograd functions are subclasses of :class:`torch.autograd.Function`.

    Args:
        device_type(str): Device type to use: ``'cuda'`` or ``'cpu'``. The type is the same
            as the ``type`` attribute of a :class:`torch.device`.
        cast_inputs (:class:`torch.dtype` or None, optional, default=None): If not ``None``,
            when ``forward`` runs in an autocast-enabled region, casts incoming
            floating-point Tensors to the target dtype (non-floating-point Tensors are not
            affected), then executes ``forward`` with autocast disabled.
            If ``None``, ``forward``'s internal ops execute with the current autocast state.

    .. note::
        If the decorated ``forward`` is called outside an autocast-enabled region,
        :func:`custom_fwd<custom_fwd>` is a no-op and ``cast_inputs`` has no effect.
    """
    _check_device_type(device_type)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(ctx, *args, **kwargs):
        # What `custom_bwd` restores, kept on ctx under PyTorch's attribute names.
        ctx._dtype = torch.get_autocast_dtype(device_type)
        enabled = torch.is_autocast_enabled(device_type)
        ctx._fwd_used_autocast = enabled and cast_inputs is None
        if cast_inputs is None or not enabled:
            return fwd(ctx, *args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(ctx, *_cast(args, device_type, cast_inputs), **_cast(kwargs, device_type, cast_inputs))

    return decorate_fwd


def custom_bwd(bwd: Callable | None = None, *, device_type: str):
    r"""Create a helper decorator for backward methods of custom autograd functions.

    Autograd functions are subclasses of :class:`torch.autograd.Function`.
    Ensures that ``backward`` executes with the same autocast state as ``forward``.

    Args:
        device_type(str): Device type to use: ``'cuda'`` or ``'cpu'``. The type is the same
            as the ``type`` attribute of a :class:`torch.device`.
    """
    _check_device_type(device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(ctx, *args, **kwargs):
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(ctx, *args, **kwargs)

    return decorate_bwd
