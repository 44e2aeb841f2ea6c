"""``torch.cuda.amp.common``."""

from __future__ import annotations

from importlib.util import find_spec

import ferrotorch as torch

__all__ = ["amp_definitely_not_available"]


def amp_definitely_not_available() -> bool:
    r"""Whether CUDA autocast cannot run: no CUDA device (and no ``torch_xla``)."""
    return not (torch.cuda.is_available() or find_spec("torch_xla"))
