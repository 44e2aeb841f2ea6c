"""``torch.Size``: the tuple subclass returned by ``Tensor.shape`` and ``Tensor.size()``."""

from __future__ import annotations

import math


class Size(tuple):
    r"""The shape of a tensor: a tuple of ints that prints as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(d) for d in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        r"""Number of elements a tensor of this shape holds."""
        return math.prod(self)

    def __getitem__(self, key):  # slicing keeps the type, as in PyTorch
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))
