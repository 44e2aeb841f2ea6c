"""ferrotorch: PyTorch's tensor API on a Rust engine.

``import ferrotorch as torch`` gives tensors, dtypes, creation functions,
math, reductions, indexing and random numbers with PyTorch's semantics.
"""

from __future__ import annotations

import math as _math

from . import _C
from ._C import (
    Generator,
    Tensor,
    bfloat16,
    cat,
    default_generator as _default_generator,
    dstack,
    float16,
    float32,
    float64,
    from_dlpack,
    get_rng_state,
    hstack,
    initial_seed,
    int8,
    int16,
    int32,
    int64,
    seed,
    set_rng_state,
    stack,
    uint8,
    vstack,
)
from ._C import bool  # noqa: A004  (torch.bool shadows the builtin, as in PyTorch)
from ._C import device, dtype
from . import _tensor  # noqa: F401  (installs Python-level Tensor methods)
from ._creation import *  # noqa: F401,F403
from ._creation import __all__ as _creation_all
from ._functions import *  # noqa: F401,F403
from ._functions import _METHOD_FORMS
from ._functions import max, min, where, result_type, promote_types, can_cast, numel, is_tensor  # noqa: F401
from ._functions import is_floating_point, is_nonzero, concat, concatenate, column_stack  # noqa: F401
from ._functions import broadcast_shapes, broadcast_tensors  # noqa: F401
from ._size import Size
from ._finfo import finfo, iinfo
from ._tensor import return_types
from ._tensor_str import get_printoptions, printoptions, set_printoptions
from . import autograd
from . import cuda
from .cuda import OutOfMemoryError
from . import backends, version
import builtins as _builtins
from ._autocast import *  # noqa: F401,F403
from ._autocast import __all__ as _autocast_all
from . import amp
from .amp import autocast
from . import cpu
from .cuda import amp as _cuda_amp  # noqa: F401  (makes torch.cuda.amp importable as an attribute)
from .autograd import enable_grad, inference_mode, no_grad, set_grad_enabled
from .autograd import is_grad_enabled, is_inference_mode_enabled

__version__ = "0.1.0"


def manual_seed(seed):
    r"""Seeds the CPU generator and every CUDA device's generator; returns the
    default (CPU) :class:`Generator`, as in PyTorch."""
    g = _C.manual_seed(seed)
    cuda.manual_seed_all(_builtins.int(seed))
    return g


def set_float32_matmul_precision(precision: str) -> None:
    r"""Sets the internal precision of float32 matrix products: ``"highest"``
    (full float32, the default), ``"high"`` or ``"medium"`` (TF32 on CUDA)."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision: {precision}. Expected one of 'highest', 'high' or 'medium'")
    backends.cuda.matmul.allow_tf32 = precision != "highest"


def get_float32_matmul_precision() -> str:
    r"""The current float32 matmul precision (see :func:`set_float32_matmul_precision`)."""
    return "high" if backends.cuda.matmul.allow_tf32 else "highest"


# dtype aliases, as in PyTorch
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
uint8 = uint8
strided = _tensor._C_strided

pi = _math.pi
e = _math.e
inf = _math.inf
nan = _math.nan

default_generator = _default_generator()

for _name in _METHOD_FORMS:
    globals()[_name] = getattr(_functions, _name)

__all__ = [
    "Tensor", "Size", "Generator", "device", "dtype", "manual_seed", "initial_seed", "seed",
    "get_rng_state", "set_rng_state", "cat", "stack", "hstack", "vstack", "dstack", "where",
    "return_types", "finfo", "iinfo", "set_printoptions", "get_printoptions", "printoptions", "autograd",
    "cuda", "cpu", "amp", "autocast", "OutOfMemoryError", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled",
    *_creation_all, *_METHOD_FORMS, *_autocast_all,
]
