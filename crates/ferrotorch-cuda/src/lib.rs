//! ferrotorch-cuda: the CUDA backend. It builds and loads with no CUDA
//! installed (cudarc with dynamic loading) and finds the driver, NVRTC and
//! cuBLAS at run time ([`libs`], [`runtime`]).
//!
//! # Layers
//!
//! - [`backend`]: the contract a device implements: raw memory, copies,
//!   loading a kernel module and launching its kernels, batched GEMM, all
//!   in the order of one stream per device. Two implementations:
//!   - [`driver`]: a GPU, through the driver API on the legacy default
//!     stream, kernels compiled by NVRTC to machine code for the device's
//!     own `sm_XY` ([`compile_cubin`]: PTX from a newer NVRTC than the
//!     driver would be refused), matrix products by cuBLAS.
//!   - [`emulator`]: a test double that compiles the same CUDA C sources
//!     with the host C++ compiler and runs them on the CPU (CUDA threads as
//!     fibers). `FERROTORCH_CUDA_EMULATOR=1` replaces the GPUs by one
//!     emulated device, so every code path above the contract is tested on
//!     machines without a GPU.
//! - [`allocator`]: PyTorch's caching-allocator design (size-rounded
//!   blocks carved from cached segments, best fit, split and merge,
//!   empty-and-retry before `OutOfMemory`), with the counters behind
//!   `torch.cuda.memory_allocated` and friends.
//! - [`device`](mod@device): the per-process registry: each opened device owns its
//!   backend, allocator and module cache; launch configurations.
//! - [`buffer`]: device memory owned by a tensor's storage.
//! - [`kernels`]: the CUDA C sources (no headers; the half types are the
//!   prelude's own 16-bit structs) and the functions naming their kernels,
//!   so the launcher and the sources agree; [`philox`]: the host reference
//!   of the device random-number generator.
//!
//! Op dispatch lives in the `ferrotorch` crate (`gpu` module): op
//! definitions keep their dtype and shape logic in one place and call the
//! kernels here for CUDA tensors.

pub mod allocator;
pub mod backend;
pub mod buffer;
pub mod compile;
mod cublas;
pub mod device;
pub mod driver;
#[cfg(unix)]
pub mod emulator;
pub mod error;
mod guard;
pub mod kernels;
pub mod libs;
pub mod philox;
pub mod runtime;

pub use allocator::MemoryStats;
pub use backend::{DeviceInfo, DevicePtr, Gemm, KernelArg, LaunchConfig, Matrix};
pub use buffer::CudaBuffer;
pub use compile::{compile, compile_cubin, compile_for};
pub use device::{device, opened, CudaDevice};
#[cfg(unix)]
pub use emulator::EmulatedDevice;
pub use error::{format_bytes, Error, Result};
pub use libs::{add_library_dir, CudaLib, LIB_PATH_ENV};
pub use runtime::{
    check_device, current_device, device_count, emulator_memory, is_available, is_emulated,
    nvrtc_available, set_device, EMULATOR_ENV,
};
