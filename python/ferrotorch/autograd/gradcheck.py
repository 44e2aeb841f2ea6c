"""``torch.autograd.gradcheck``: compares the gradients the graph computes
with central finite differences (use float64 inputs)."""

from __future__ import annotations

import warnings
from typing import Callable, Sequence

from .. import _C
from .._C import Tensor
from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when the gradients do not match."""


def _outputs(func: Callable, inputs: tuple) -> list:
    out = func(*inputs)
    return [out] if isinstance(out, Tensor) else [o for o in out if isinstance(o, Tensor)]


def _numerical(func: Callable, inputs: tuple, k: int, out_index: int, eps: float) -> list[list[float]]:
    """Rows: elements of input ``k``; columns: elements of output ``out_index``."""
    x = inputs[k]
    flat = x.detach().view(-1)
    rows = []
    for i in range(flat.numel()):
        orig = float(flat[i])
        vals = []
        for step in (eps, -eps):
            # Perturb in place (x is a leaf that requires grad: only under
            # no_grad), but evaluate with grad mode on, as func may need it.
            with no_grad():
                flat[i] = orig + step
            vals.append(_outputs(func, inputs)[out_index].detach().reshape(-1).double().tolist())
        with no_grad():
            flat[i] = orig
        rows.append([(a - b) / (2 * eps) for a, b in zip(*vals)])
    return rows


def gradcheck(
    func: Callable,
    inputs: Tensor | Sequence[Tensor],
    *,
    eps: float = 1e-06,
    atol: float = 1e-05,
    rtol: float = 0.001,
    raise_exception: bool = True,
    **kwargs,
) -> bool:
    r"""Checks gradients computed by backward against finite differences.

    For every output and every input that requires grad, the full Jacobian
    is computed both ways and compared with ``|a - n| <= atol + rtol * |n|``.
    Inputs that require grad should be contiguous float64 tensors.

    Args:
        func (callable): a function of the inputs returning a Tensor or a
            tuple of Tensors.
        inputs (Tensor or sequence of Tensor): the inputs of ``func``.
        eps (float, optional): perturbation for finite differences.
        atol (float, optional): absolute tolerance.
        rtol (float, optional): relative tolerance.
        raise_exception (bool, optional): raise :class:`GradcheckError` on a
            mismatch (default) instead of returning ``False``.

    Returns:
        bool: ``True`` if all gradients match.
    """
    from .. import tensor as _tensor
    from . import grad as _grad

    tupled = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [k for k, x in enumerate(tupled) if isinstance(x, Tensor) and x.requires_grad]
    for k in diff:
        if tupled[k].dtype != _C.float64:
            warnings.warn(
                f"Input #{k} requires gradient and is not a double precision floating point or complex. "
                "This check will likely fail if all the inputs are not of double precision floating point or complex. "
            )
        if not tupled[k].is_contiguous():
            raise ValueError(f"gradcheck needs contiguous inputs; input #{k} is not")
    outs = _outputs(func, tupled)
    for j, out in enumerate(outs):
        if not out.requires_grad:
            continue
        n_out = out.numel()
        for k in diff:
            x = tupled[k]
            analytical = [[0.0] * n_out for _ in range(x.numel())]
            for c in range(n_out):
                v = out.detach().new_zeros(out.shape).reshape(-1)
                v[c] = 1.0
                (g,) = _grad(_outputs(func, tupled)[j], x, v.reshape(out.shape), allow_unused=True)
                if g is not None:
                    for r, val in enumerate(g.reshape(-1).double().tolist()):
                        analytical[r][c] = val
            numerical = _numerical(func, tupled, k, j, eps)
            ok = all(
                abs(a - n) <= atol + rtol * abs(n)
                for ra, rn in zip(analytical, numerical)
                for a, n in zip(ra, rn)
            )
            if not ok:
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {k},\n"
                    f"numerical:{_tensor(numerical, dtype=x.dtype)}\n"
                    f"analytical:{_tensor(analytical, dtype=x.dtype)}\n"
                )
    return True
