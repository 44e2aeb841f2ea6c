"""``torch.autograd``: reverse-mode differentiation. The graph and the engine
are in Rust (``ferrotorch._C``); this package normalises arguments the way
PyTorch does and provides the grad-mode context managers."""

from __future__ import annotations

from typing import Sequence, Union

from .. import _C
from .._C import Tensor
from .function import Function, FunctionCtx
from .gradcheck import GradcheckError, gradcheck
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)

_TensorOrTensors = Union[Tensor, Sequence[Tensor]]

__all__ = [
    "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
    "is_grad_enabled", "is_inference_mode_enabled", "gradcheck", "GradcheckError", "Function",
    "FunctionCtx",
]


def _as_list(x, what: str) -> list:
    if isinstance(x, Tensor):
        return [x]
    if x is None:
        return []
    try:
        items = list(x)
    except TypeError:
        raise TypeError(f"{what} must be a Tensor or a sequence of Tensors, but got {type(x).__name__}") from None
    return items


def _grads_for(outputs: list, grads, what: str) -> list:
    gs = [None] * len(outputs) if grads is None else _as_list(grads, what)
    if len(gs) != len(outputs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs: got {len(outputs)} tensors and {len(gs)} gradients")
    return gs


def backward(
    tensors: _TensorOrTensors,
    grad_tensors: _TensorOrTensors | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: _TensorOrTensors | None = None,
    inputs: _TensorOrTensors | None = None,
) -> None:
    r"""Computes the sum of gradients of ``tensors`` with respect to graph leaves.

    The gradients are accumulated into the leaves' ``.grad``. A tensor with
    more than one element needs its ``grad_tensors`` entry (the vector of the
    vector-Jacobian product).

    Args:
        tensors (Tensor or sequence of Tensor): tensors to differentiate.
        grad_tensors (Tensor or sequence of Tensor or None, optional): the
            gradient with respect to each of ``tensors``; ``None`` entries are
            allowed for one-element tensors.
        retain_graph (bool, optional): keep the graph's saved tensors so that
            backward can run again. Defaults to ``create_graph``.
        create_graph (bool, optional): record the backward pass, allowing
            higher-order derivatives. Default: ``False``.
        grad_variables: deprecated alias of ``grad_tensors``.
        inputs (Tensor or sequence of Tensor, optional): accumulate only into
            these tensors' ``.grad`` (leaves or not); only the part of the
            graph leading to them runs. Default: every leaf.
    """
    ins = []
    if inputs is not None:
        ins = _as_list(inputs, "inputs")
        if not ins:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    if grad_variables is not None:
        grad_tensors = grad_variables
    outs = _as_list(tensors, "tensors")
    grads = _grads_for(outs, grad_tensors, "grad_tensors")
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        _warn_create_graph_once()
    _C._backward(outs, grads, bool(retain_graph), bool(create_graph), ins)


_CREATE_GRAPH_WARNED = False


def _warn_create_graph_once() -> None:
    # PyTorch warns once per process (TORCH_WARN_ONCE in its engine).
    global _CREATE_GRAPH_WARNED
    if _CREATE_GRAPH_WARNED:
        return
    _CREATE_GRAPH_WARNED = True
    import warnings

    warnings.warn(
        "Using backward() with create_graph=True will create a reference cycle between the "
        "parameter and its gradient which can cause a memory leak. We recommend using "
        "autograd.grad when creating the graph to avoid this. If you have to use this "
        "function, make sure to reset the .grad fields of your parameters to None after use "
        "to break the cycle and avoid the leak.",
        UserWarning,
        stacklevel=3,
    )


def grad(
    outputs: _TensorOrTensors,
    inputs: _TensorOrTensors,
    grad_outputs: _TensorOrTensors | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple:
    r"""Computes and returns the gradients of ``outputs`` with respect to ``inputs``.

    Unlike :func:`backward`, nothing is accumulated into ``.grad``.

    Args:
        outputs (Tensor or sequence of Tensor): outputs of the differentiated function.
        inputs (Tensor or sequence of Tensor): inputs w.r.t. which the gradient is returned.
        grad_outputs (Tensor or sequence of Tensor, optional): the vector in the
            vector-Jacobian product, one per output (``None`` for one-element outputs).
        retain_graph (bool, optional): keep the graph for another backward.
            Defaults to ``create_graph``.
        create_graph (bool, optional): record the derivative's graph, so that
            higher-order derivatives can be computed. Default: ``False``.
        allow_unused (bool, optional): return ``None`` for inputs that the
            outputs do not depend on instead of raising. Defaults to
            ``materialize_grads``.
        materialize_grads (bool, optional): return zeros instead of ``None``
            for unused inputs.

    Returns:
        tuple of Tensor: one gradient per input.
    """
    if is_grads_batched:
        raise NotImplementedError("torch.autograd.grad(is_grads_batched=True) is not supported yet")
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False.")
    outs = _as_list(outputs, "outputs")
    ins = _as_list(inputs, "inputs")
    grads = _grads_for(outs, grad_outputs, "grad_outputs")
    if retain_graph is None:
        retain_graph = create_graph
    result = _C._grad(outs, grads, ins, bool(retain_graph), bool(create_graph), bool(allow_unused))
    if materialize_grads:
        from .. import zeros_like

        result = [zeros_like(i) if g is None else g for g, i in zip(result, ins)]
    return tuple(result)
