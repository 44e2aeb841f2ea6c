"""ferrotorch.backends: switches of the compute backends, as in PyTorch."""

from . import cuda

__all__ = ["cuda"]
