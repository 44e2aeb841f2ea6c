"""``torch.amp``: automatic mixed precision. :class:`autocast` runs regions of
code with ops in lower precision where that is safe; see
``ferrotorch.amp.autocast_mode``."""

from __future__ import annotations

from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]
