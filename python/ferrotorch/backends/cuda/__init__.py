"""ferrotorch.backends.cuda: ``matmul.allow_tf32`` and friends.

``allow_tf32`` lets float32 products on CUDA use TF32 tensor cores (10-bit
mantissa inputs, float32 accumulation), as in PyTorch, where it is off by
default.
"""

from ... import _C


class _MatmulSettings:
    r"""``torch.backends.cuda.matmul``: settings of CUDA matrix products."""

    @property
    def allow_tf32(self) -> bool:
        return _C._get_allow_tf32()

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        _C._set_allow_tf32(bool(value))

    # Reduced-precision reductions in half types: cuBLAS's choice, always
    # float32 accumulation here; kept for API compatibility.
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True

    def __setattr__(self, name: str, value) -> None:
        if name not in ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction"):
            raise AttributeError(f"Unknown attribute {name}")
        object.__setattr__(self, name, value)


matmul = _MatmulSettings()


def is_built() -> bool:
    r"""Whether ferrotorch was built with CUDA support (always: it loads CUDA at run time)."""
    return True
