"""ferrotorch.cuda: device discovery, selection and memory statistics.

Everything here is safe to import and call on a machine without CUDA: the
Rust runtime only probes for the driver (``libcuda.so.1``), NVRTC and cuBLAS,
and the functions answer as PyTorch does there (``is_available()`` is False,
``device_count()`` is 0, functions that need a device raise PyTorch's
"Found no NVIDIA driver" ``RuntimeError``).

CUDA libraries installed from PyPI (``nvidia-cuda-nvrtc``, ``nvidia-cublas``)
live in ``site-packages/nvidia/cu13/lib``, outside the loader's search path;
their directories are registered here and loaded by full path at first use.
"""

from __future__ import annotations

import os as _os
import sys as _sys

from .. import _C

__all__ = [
    "OutOfMemoryError", "is_available", "device_count", "current_device", "set_device",
    "get_device_name", "get_device_properties", "get_device_capability", "synchronize",
    "manual_seed", "manual_seed_all", "initial_seed", "memory_allocated", "max_memory_allocated",
    "memory_reserved", "max_memory_reserved", "empty_cache", "reset_peak_memory_stats",
    "init", "is_initialized",
]


class OutOfMemoryError(RuntimeError):
    r"""Raised when a CUDA allocation fails even after emptying the cache."""


# PyTorch exposes it as torch.OutOfMemoryError too, with that module name.
OutOfMemoryError.__module__ = "ferrotorch"


def _register_pypi_library_dirs() -> None:
    # Only directory checks here: loading waits for the first probe.
    for entry in _sys.path:
        lib = _os.path.join(entry or _os.getcwd(), "nvidia", "cu13", "lib")
        if _os.path.isdir(lib):
            _C._cuda_add_library_dir(lib)


_register_pypi_library_dirs()

_initialized = False
_seed: int | None = None


def is_available() -> bool:
    r"""Whether a CUDA device can be used (False without a driver or a GPU)."""
    return _C._cuda_is_available()


def device_count() -> int:
    r"""The number of CUDA devices (0 without a driver or a GPU)."""
    return _C._cuda_device_count()


def init() -> None:
    r"""Initialises CUDA; raises PyTorch's error where there is no GPU."""
    global _initialized
    _C._cuda_current_device()
    _initialized = True


def is_initialized() -> bool:
    r"""Whether CUDA has been initialised in this process."""
    return _initialized


_lazy_init = init


def current_device() -> int:
    r"""Index of the calling thread's current CUDA device."""
    init()
    return _C._cuda_current_device()


def _device_index(device, optional: bool = True) -> int:
    # PyTorch's rules: an int is an index; a string or device must be CUDA;
    # no index (or None) means the current device.
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    if device is None:
        if not optional:
            raise ValueError("Expected a torch.device with a specified index or an integer, but got:None")
        return current_device()
    dev = device if isinstance(device, _C.device) else _C.device(device)
    if dev.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {dev}")
    return dev.index if dev.index is not None else current_device()


def set_device(device) -> None:
    r"""Sets the calling thread's current CUDA device (a negative index is a no-op)."""
    idx = _device_index(device)
    if idx >= 0:
        _C._cuda_set_device(idx)


def get_device_properties(device=None):
    r"""Properties (name, memory, capability...) of a CUDA device."""
    init()
    idx = _device_index(device)
    _C._cuda_check_device(idx)
    raise NotImplementedError("get_device_properties: device queries are not implemented yet in ferrotorch")


def get_device_name(device=None) -> str:
    r"""Name of a CUDA device."""
    return get_device_properties(device).name


def get_device_capability(device=None) -> tuple[int, int]:
    r"""(major, minor) compute capability of a CUDA device."""
    prop = get_device_properties(device)
    return prop.major, prop.minor


def synchronize(device=None) -> None:
    r"""Waits for all work queued on a CUDA device."""
    init()
    _C._cuda_check_device(_device_index(device))
    # No kernels are ever queued yet (CUDA tensors do not exist yet), so
    # there is nothing to wait for.


def manual_seed(seed) -> None:
    r"""Seeds the CUDA generators; without a GPU it is stored for later, as in PyTorch."""
    global _seed
    _seed = int(seed)


def manual_seed_all(seed) -> None:
    r"""Seeds the generators of every CUDA device."""
    manual_seed(seed)


def initial_seed() -> int:
    r"""The seed of the current CUDA generator."""
    init()
    return _seed if _seed is not None else _C.initial_seed()


# Memory statistics. No device allocations exist yet (the caching allocator
# comes with CUDA storage), so every count is 0, which is also what PyTorch
# reports without a GPU, for any device argument.


def memory_allocated(device=None) -> int:
    r"""Bytes currently occupied by tensors on a CUDA device."""
    return 0


def max_memory_allocated(device=None) -> int:
    r"""Peak of :func:`memory_allocated` since the start or the last reset."""
    return 0


def memory_reserved(device=None) -> int:
    r"""Bytes held by the caching allocator (allocated plus cached)."""
    return 0


def max_memory_reserved(device=None) -> int:
    r"""Peak of :func:`memory_reserved`."""
    return 0


def empty_cache() -> None:
    r"""Returns cached, unused device memory to the driver."""


def reset_peak_memory_stats(device=None) -> None:
    r"""Resets the peaks tracked by :func:`max_memory_allocated` and friends."""
    if not is_available():
        # PyTorch's messages on a machine without a GPU.
        raise RuntimeError("invalid argument to reset_peak_memory_stats" if device is None else "Invalid device argument ")
    _C._cuda_check_device(_device_index(device))
