"""``torch.autograd.Function``: custom differentiable operations written in
Python. ``Function.apply`` runs ``forward`` without recording, then joins the
Rust graph with a node (``ferrotorch._C._function_wrap``) whose backward calls
the class's ``backward``. The ``ctx`` object given to both is that node's
Python face: ``y.grad_fn`` is ``ctx``, an instance of ``<Name>Backward``."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

from .. import _C
from .._C import Tensor


class FunctionCtx:
    """The methods ``forward`` may call on ``ctx``."""

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        r"""Saves tensors (or ``None``) for ``backward``, which reads them back
        from :attr:`saved_tensors`. Modifying a saved tensor in place before
        ``backward`` is an error there."""
        self._to_save = tensors

    def mark_non_differentiable(self, *args: Tensor) -> None:
        r"""Marks outputs as not differentiable: they do not require grad, and
        ``backward`` receives zeros (or ``None``) as their gradient."""
        self._non_differentiable = args

    def set_materialize_grads(self, value: bool) -> None:
        r"""Whether ``backward`` receives zeros (the default) or ``None`` for
        outputs that got no gradient."""
        self._materialize_grads = bool(value)

    def mark_dirty(self, *args: Tensor) -> None:
        r"""Marking inputs modified in place is not supported yet."""
        raise NotImplementedError("ctx.mark_dirty is not supported yet")


class BackwardCFunction(_C._FunctionBase, FunctionCtx):
    """The node of one ``Function.apply`` call (and its ``ctx``)."""

    _materialize_grads = True
    _to_save = None
    _non_differentiable = None

    def apply(self, *args: Any) -> Any:
        r"""Calls the Function's ``backward`` with this ``ctx``."""
        return self._forward_cls.backward(self, *args)


class FunctionMeta(type):
    """Gives each Function subclass its node class, ``<Name>Backward``."""

    def __init__(cls, name: str, bases: tuple, attrs: dict) -> None:
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        super().__init__(name, bases, attrs)


class Function(metaclass=FunctionMeta):
    r"""Base class of custom differentiable operations.

    Subclasses define the static methods ``forward(ctx, *args)`` and
    ``backward(ctx, *grad_outputs)`` and are called through :meth:`apply`::

        >>> class Exp(Function):
        ...     @staticmethod
        ...     def forward(ctx, i):
        ...         result = i.exp()
        ...         ctx.save_for_backward(result)
        ...         return result
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         result, = ctx.saved_tensors
        ...         return grad_output * result
        >>> y = Exp.apply(x)

    ``backward`` returns one gradient per argument of ``forward`` (``None``
    for non-tensor arguments and for inputs that need no gradient).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(
            f"{self.__class__} should not be instantiated. Methods on autograd functions are all static, "
            "so you should invoke them on the class itself. Instantiating an autograd function will raise "
            "an error in a future version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style "
            "autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        r"""Computes the outputs; override it (``forward(ctx, *args)``)."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        r"""Optional: fills ``ctx`` when ``forward`` takes no ``ctx``."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        r"""Computes the gradients of the inputs; override it."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function "
            "to use it with backward mode AD."
        )

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        r"""Runs ``forward`` and records a node whose backward is ``backward``."""
        if kwargs:
            # Keyword arguments become positional, defaults included, as in PyTorch.
            sig = inspect.signature(cls.forward)
            bound = sig.bind(None, *args, **kwargs) if _takes_ctx(cls) else sig.bind(*args, **kwargs)
            bound.apply_defaults()
            args = tuple(bound.arguments.values())[1 if _takes_ctx(cls) else 0:]
        ctx = cls._backward_cls()
        ctx.needs_input_grad = _C._needs_input_grad(args)
        prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)
        try:
            if _takes_ctx(cls):
                outputs = cls.forward(ctx, *args)
            else:
                outputs = cls.forward(*args)
                cls.setup_context(ctx, args, outputs)
        finally:
            _C._set_grad_enabled(prev)
        try:
            return _C._function_wrap(ctx, args, outputs, ctx._to_save, ctx._non_differentiable)
        finally:
            # The Python objects are no longer needed: dropping them avoids a
            # cycle ctx -> output -> node -> ctx that Python cannot see.
            ctx._to_save = None
            ctx._non_differentiable = None


def _takes_ctx(cls: type) -> bool:
    """Whether ``forward`` takes ``ctx`` (the classic style) rather than
    leaving it to ``setup_context``."""
    return cls.setup_context is Function.setup_context


__all__ = ["Function", "FunctionCtx", "BackwardCFunction"]
