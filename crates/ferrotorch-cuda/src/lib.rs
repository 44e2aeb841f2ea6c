//! ferrotorch-cuda: the CUDA backend. It builds and loads with no CUDA
//! installed (cudarc with dynamic loading); today it provides library
//! discovery ([`libs`]), the driver probe and current device ([`runtime`]),
//! the kernel sources ([`kernels`]) and NVRTC compilation ([`compile`]),
//! the device contract ([`backend`]) and its host emulator ([`emulator`]),
//! a test double that runs the same kernel sources on the CPU. Nothing here
//! touches a real GPU's memory or launches on one yet.
//!
//! # Design note for the GPU work
//!
//! **Storage.** `ferrotorch::Storage` grows a variant
//! `Cuda(CudaBuffer)`, where `CudaBuffer` (defined here) holds a
//! `cudarc::driver::CudaSlice<u8>` (bytes: dtype stays a runtime value, as
//! on the CPU), the device index, and the `Arc<CudaStream>` it was last used
//! on. Views keep sharing the buffer and only change the `Layout`, exactly as
//! CPU views do; kernels take `(pointer, KernelLayout)` pairs, where
//! [`kernels::layout::KernelLayout`] is the coalesced layout passed by value.
//! Host/device copies (`.to`, `.cpu()`, `repr`) go through
//! `clone_htod`/`clone_dtoh` on that stream; `non_blocking=True` only skips
//! the final stream synchronise.
//!
//! **Dispatch.** One place decides the device, as one macro decides the
//! dtype: the op definition names a CPU kernel and a CUDA kernel, and the
//! dispatcher matches on the inputs' `Device` once (after checking they all
//! agree, raising PyTorch's "Expected all tensors to be on the same device,
//! but found at least two devices, cuda:0 and cpu!"). The CUDA side maps
//! `(op, dtype)` to a kernel name with the naming functions in [`kernels`]
//! (`op_kernel`, `cast_kernel`, ...) and to its module (`unary_<dtype>`,
//! `binary_<dtype>`, `copy_<dtype>`, `softmax`, `reduce`); a per-device
//! module cache (`HashMap<String, Arc<CudaModule>>` behind a mutex) compiles
//! a module with [`compile_for`] at first use, for the device's own
//! `compute_XY`, and loads it with `ctx.load_module`. Contiguous inputs use
//! the `_contig` kernels; others the strided ones (up to
//! [`kernels::layout::MAX_DIMS`] dimensions after coalescing, else copy
//! first). Launch: 256 threads, `min(ceil(n/256), 32 * SMs)` blocks
//! (kernels use grid-stride loops); softmax and row sums one block per row.
//! matmul goes to cuBLAS (`gemm_strided_batched`, operands swapped for
//! row-major), probing `CudaLib::Cublas` first.
//!
//! **Caching allocator.** Per device, free lists keyed by (stream, size
//! class): sizes round up to 512 bytes below 1 MiB and to 2 MiB above;
//! a request takes the smallest cached block of its class or larger (split
//! when much larger), else calls `cuMemAlloc`; on failure it empties the
//! cache (synchronising first) and retries once, then raises
//! `ferrotorch.cuda.OutOfMemoryError` with requested and free bytes (that
//! needs an `OutOfMemory` kind in `ferrotorch_core::Error` mapped to the
//! Python class). Freed blocks return to their stream's list; a block used on
//! another stream is recorded and only reused after an event on that stream.
//! Counters (allocated, reserved, their peaks, number of `cuMemAlloc` calls)
//! back `memory_allocated`, `memory_reserved`, `max_*`,
//! `reset_peak_memory_stats` and the "no new allocations after warm-up" test.
//! The Python side currently returns 0 for all of them.
//!
//! **Libraries.** `libcuda.so.1` comes with the driver; `libnvrtc.so.13`
//! and `libcublas.so.13` come from the system or from the PyPI wheels
//! (`nvidia-cuda-nvrtc`, `nvidia-cublas`), whose `nvidia/cu13/lib` the
//! Python package registers ([`add_library_dir`]) and this crate loads by
//! full path before cudarc asks for them by soname. Every cudarc call that can
//! panic is preceded by a presence probe and wrapped so a panic becomes an
//! [`Error`].
//!
//! **Kernel sources** include no headers: NVRTC has none of the toolkit's,
//! so the half types are the prelude's own 16-bit structs converted through
//! float (PTX `cvt` for f16, bit arithmetic for bf16).

pub mod backend;
pub mod compile;
#[cfg(unix)]
pub mod emulator;
pub mod error;
mod guard;
pub mod kernels;
pub mod libs;
pub mod runtime;

pub use compile::{compile, compile_for};
#[cfg(unix)]
pub use emulator::EmulatedDevice;
pub use error::{format_bytes, Error, Result};
pub use libs::{add_library_dir, CudaLib, LIB_PATH_ENV};
pub use runtime::{
    check_device, current_device, device_count, is_available, nvrtc_available, set_device,
};
