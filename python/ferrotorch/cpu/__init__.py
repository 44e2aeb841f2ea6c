"""``torch.cpu``: the CPU device module (its ``amp`` subpackage and the
device-module functions PyTorch gives every backend)."""

from __future__ import annotations

from typing import Any

from . import amp

__all__ = ["amp", "current_device", "device_count", "is_available", "synchronize"]


def is_available() -> bool:
    r"""Returns True: the CPU is always available."""
    return True


def device_count() -> int:
    r"""Returns 1: the CPU counts as one device."""
    return 1


def current_device() -> str:
    r"""Returns ``"cpu"``."""
    return "cpu"


def synchronize(device: Any = None) -> None:
    r"""Does nothing: CPU ops finish before they return."""
