"""``torch.cuda.amp``: the deprecated CUDA-only spellings of ``torch.amp``."""

from __future__ import annotations

from .autocast_mode import autocast, custom_bwd, custom_fwd
from .common import amp_definitely_not_available

__all__ = ["amp_definitely_not_available", "autocast", "custom_bwd", "custom_fwd"]
