"""ferrotorch.version: what the package was built with, as ``torch.version``."""

__version__ = "0.1.0"
# The CUDA API the backend is written against (cudarc's `cuda-13000`); the
# libraries themselves are found at run time, none is linked at build time.
cuda = "13.0"
git_version = None
debug = False
hip = None
