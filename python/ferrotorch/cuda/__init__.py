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
    "memory_stats", "mem_get_info", "is_bf16_supported", "device",
    "init", "is_initialized",
]


# Raised by the Rust allocator; PyTorch exposes it as torch.OutOfMemoryError
# too, a RuntimeError subclass.
OutOfMemoryError = _C.OutOfMemoryError


class _CudaDeviceProperties:
    r"""What :func:`get_device_properties` returns (PyTorch's field names)."""

    def __init__(self, name: str, total_memory: int, multi_processor_count: int, major: int, minor: int) -> None:
        self.name = name
        self.total_memory = total_memory
        self.multi_processor_count = multi_processor_count
        self.major = major
        self.minor = minor

    def __repr__(self) -> str:
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count})")


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


def get_device_properties(device=None) -> _CudaDeviceProperties:
    r"""Properties (name, memory, capability...) of a CUDA device."""
    init()
    idx = _device_index(device)
    _C._cuda_check_device(idx)
    return _CudaDeviceProperties(*_C._cuda_device_properties(idx))


def is_bf16_supported(including_emulation: bool = True) -> bool:
    r"""Whether the current CUDA device computes in bfloat16 natively
    (compute capability 8.0 or newer); False without a GPU."""
    if not is_available():
        return False
    return get_device_capability()[0] >= 8


class device:
    r"""Context manager that makes a CUDA device current and restores the
    previous one on exit (``torch.cuda.device``)."""

    def __init__(self, device) -> None:
        self.idx = _device_index(device, optional=True)
        self.prev_idx = -1

    def __enter__(self) -> None:
        self.prev_idx = current_device()
        if self.idx >= 0 and self.idx != self.prev_idx:
            set_device(self.idx)

    def __exit__(self, *exc) -> bool:
        if self.prev_idx >= 0 and self.idx != self.prev_idx:
            set_device(self.prev_idx)
        return False


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
    _C._cuda_synchronize(_device_index(device))


def manual_seed(seed) -> None:
    r"""Seeds the current CUDA device's generator (stored for later where
    there is no GPU, as in PyTorch)."""
    global _seed
    _seed = int(seed) & 0xFFFF_FFFF_FFFF_FFFF
    if is_available():
        _C._cuda_manual_seed(current_device(), _seed)


def manual_seed_all(seed) -> None:
    r"""Seeds the generators of every CUDA device."""
    global _seed
    _seed = int(seed) & 0xFFFF_FFFF_FFFF_FFFF
    for i in range(device_count()):
        _C._cuda_manual_seed(i, _seed)


def initial_seed() -> int:
    r"""The seed of the current CUDA generator."""
    init()
    return _C._cuda_initial_seed(current_device())


# Memory statistics, from the caching allocator of each device. Without a GPU
# PyTorch reports 0 for them, whatever the device argument; so do we.


def _stats(device) -> dict:
    if not is_available():
        return {}
    return _C._cuda_memory_stats(_device_index(device))


def memory_stats(device=None) -> dict:
    r"""The caching allocator's counters for a device (PyTorch's key names where they exist)."""
    return dict(_stats(device))


def memory_allocated(device=None) -> int:
    r"""Bytes currently occupied by tensors on a CUDA device."""
    return _stats(device).get("allocated_bytes.all.current", 0)


def max_memory_allocated(device=None) -> int:
    r"""Peak of :func:`memory_allocated` since the start or the last reset."""
    return _stats(device).get("allocated_bytes.all.peak", 0)


def memory_reserved(device=None) -> int:
    r"""Bytes held by the caching allocator (allocated plus cached)."""
    return _stats(device).get("reserved_bytes.all.current", 0)


def max_memory_reserved(device=None) -> int:
    r"""Peak of :func:`memory_reserved`."""
    return _stats(device).get("reserved_bytes.all.peak", 0)


def mem_get_info(device=None) -> tuple[int, int]:
    r"""(free, total) bytes of a CUDA device, as the driver reports them."""
    init()
    return _C._cuda_mem_get_info(_device_index(device))


def empty_cache() -> None:
    r"""Returns cached, unused device memory to the driver."""
    if is_available():
        _C._cuda_empty_cache()


def reset_peak_memory_stats(device=None) -> None:
    r"""Resets the peaks tracked by :func:`max_memory_allocated` and friends."""
    if not is_available():
        # PyTorch's messages on a machine without a GPU.
        raise RuntimeError("invalid argument to reset_peak_memory_stats" if device is None else "Invalid device argument ")
    _C._cuda_reset_peak_memory_stats(_device_index(device))
