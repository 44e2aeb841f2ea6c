"""ferrotorch.backends: switches of the compute backends, as in PyTorch."""

from . import cuda, cudnn

__all__ = ["cuda", "cudnn"]
