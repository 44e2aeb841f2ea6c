"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` and
``inference_mode``, usable as context managers and as decorators. The mode is
thread-local and lives in the Rust engine, so Rust ops see it too."""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

from .. import _C

F = TypeVar("F", bound=Callable[..., Any])

_inference = threading.local()


def is_grad_enabled() -> bool:
    r"""Returns ``True`` if grad mode is currently enabled on this thread."""
    return _C.is_grad_enabled()


def is_inference_mode_enabled() -> bool:
    r"""Returns ``True`` if inference mode is currently enabled on this thread."""
    return getattr(_inference, "depth", 0) > 0


class _DecoratorContextManager:
    """A context manager that can also decorate a function: each call of the
    function runs inside a fresh copy of the context."""

    def clone(self) -> "_DecoratorContextManager":
        return self.__class__()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Also allows the bare decorator form ``@torch.no_grad``."""

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    r"""Context manager (and decorator) that disables gradient recording.

    Results computed inside have ``requires_grad=False`` even when their
    inputs require grad. Thread-local: other threads are not affected.

    Example::

        >>> x = torch.tensor([1.0], requires_grad=True)
        >>> with torch.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)

    def __exit__(self, *exc: Any) -> None:
        _C._set_grad_enabled(self.prev)


class enable_grad(_NoParamDecoratorContextManager):
    r"""Context manager (and decorator) that enables gradient recording,
    e.g. inside a ``no_grad`` block."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(True)

    def __exit__(self, *exc: Any) -> None:
        _C._set_grad_enabled(self.prev)


class set_grad_enabled(_DecoratorContextManager):
    r"""set_grad_enabled(mode) -> context manager

    Sets grad mode to ``mode``. Takes effect immediately when called as a
    function; as a context manager or decorator, the previous mode is
    restored on exit.

    Args:
        mode (bool): whether to enable grad (``True``) or disable it (``False``).
    """

    def __init__(self, mode: bool) -> None:
        self.prev = _C.is_grad_enabled()
        self.mode = bool(mode)
        _C._set_grad_enabled(self.mode)

    def __call__(self, func: F) -> F:
        # Used as a decorator: the mode applies during calls only.
        _C._set_grad_enabled(self.prev)
        return super().__call__(func)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        _C._set_grad_enabled(self.prev)

    def clone(self) -> "set_grad_enabled":
        return self.__class__(self.mode)


class inference_mode(_NoParamDecoratorContextManager):
    r"""inference_mode(mode=True) -> context manager

    Like :class:`no_grad` for code that will never need gradients. In
    ferrotorch it currently behaves exactly as ``no_grad`` (PyTorch adds
    further bookkeeping savings and restrictions on the tensors created).

    Args:
        mode (bool): enable (``True``) or disable (``False``) inference mode.
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = False

    def __new__(cls, mode: Any = True):
        if isinstance(mode, bool):
            return object.__new__(cls)
        return cls()(mode)

    def __enter__(self) -> None:
        self.prev = _C.is_grad_enabled()
        if self.mode:
            _C._set_grad_enabled(False)
            _inference.depth = getattr(_inference, "depth", 0) + 1

    def __exit__(self, *exc: Any) -> None:
        if self.mode:
            _inference.depth -= 1
        _C._set_grad_enabled(self.prev)

    def clone(self) -> "inference_mode":
        return self.__class__(self.mode)
