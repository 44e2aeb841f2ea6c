"""ferrotorch.backends.cudnn: PyTorch's cuDNN switches.

ferrotorch does not use cuDNN (convolutions are not implemented yet), so
:func:`is_available` is False; the flags exist so that code setting them
(``torch.backends.cudnn.benchmark = True``) runs unchanged.
"""

enabled: bool = True
benchmark: bool = False
deterministic: bool = False
allow_tf32: bool = True


def is_available() -> bool:
    r"""Whether cuDNN can be used: never, in ferrotorch."""
    return False


def version() -> None:
    r"""cuDNN's version, or ``None`` when it is not available."""
    return None
