//! The host emulator of a CUDA device: a **test double** implementing
//! [`Backend`] on the CPU, so that every CUDA code path above the trait
//! (allocator, buffers, op dispatch, the Python suite with `device='cuda'`)
//! runs on machines without a GPU. It is meant to be selected by an
//! environment variable in the device layer, never silently in place of a
//! GPU, and it is slow: correctness, not speed, is its job.
//!
//! It runs the very CUDA C sources the GPU runs ([`crate::kernels`]): each
//! module, prefixed with a shim header (`shim.hpp`) that maps CUDA's
//! qualifiers and intrinsics onto host C++, is compiled by the host C++
//! compiler (`$CXX`, else `c++`) into a shared library and cached on disk
//! ([`build`]); a generated trampoline per kernel turns `cuLaunchKernel`'s
//! argument array into a call ([`trampoline`]), and dynamic shared memory
//! declarations are pointed at a per-launch buffer ([`source`]); a small
//! runtime library (`runtime.cpp`) runs a launch's blocks one after
//! another, every CUDA thread of a block as a fiber on the launching OS
//! thread. Launches from different OS threads run concurrently and share
//! nothing but the loaded code.
//!
//! Differences from a GPU, all on the strict side where it matters:
//! * launches are synchronous; `synchronize` has nothing to wait for;
//! * a `__syncthreads` that not every thread of the block reaches, or a warp
//!   intrinsic not every lane of its mask reaches, fails the launch (a GPU
//!   may hang or silently proceed);
//! * kernel arguments are checked against the kernel's parameter types and
//!   sizes, pointer arguments and copies against live allocations, and
//!   fresh allocations are filled with 0xff bytes ([`memory`]);
//! * scheduling is not preemptive: a thread spinning on a value another
//!   thread of its block has yet to write never finishes, and an
//!   out-of-bounds access in a kernel is a host memory error, not a CUDA
//!   error;
//! * one warp-level barrier per warp at a time (lanes of a warp syncing on
//!   disjoint masks at once are reported as an error); no dynamic
//!   parallelism; launches are one-dimensional, as
//!   [`LaunchConfig`](crate::backend::LaunchConfig) is.

pub mod build;
mod gemm;
pub mod memory;
mod module;
pub mod source;
pub mod trampoline;

use crate::backend::{Backend, DeviceInfo, DeviceMemory, DevicePtr, Gemm, Module};
use crate::error::Result;
use crate::kernels::KernelSource;
use memory::HostMemory;
use module::{EmulatedModule, Toolchain};
use std::sync::Arc;

pub use build::CACHE_ENV;

/// The name the emulated device reports.
pub const DEVICE_NAME: &str = "ferrotorch CUDA emulator";

/// One emulated CUDA device, with `capacity` bytes of memory.
pub struct EmulatedDevice {
    memory: Arc<HostMemory>,
    info: DeviceInfo,
    toolchain: Arc<Toolchain>,
}

impl EmulatedDevice {
    /// A device of `capacity_bytes` of memory. Finds the host C++ compiler
    /// and builds (or loads from the cache) the runtime library; fails with
    /// [`crate::Error::Emulator`] when there is no working compiler.
    pub fn new(capacity_bytes: usize) -> Result<EmulatedDevice> {
        let toolchain = Toolchain::get()?;
        Ok(EmulatedDevice {
            memory: Arc::new(HostMemory::new(capacity_bytes)),
            info: DeviceInfo {
                name: DEVICE_NAME.into(),
                total_memory: capacity_bytes,
                // Small, so that launch settings scaled by the SM count
                // stay cheap to run on a CPU.
                multi_processor_count: 2,
                major: 9,
                minor: 0,
            },
            toolchain,
        })
    }

    /// Bytes of live allocations, as they count against the capacity
    /// (rounded up to 256).
    pub fn memory_used(&self) -> usize {
        self.memory.used()
    }
}

impl DeviceMemory for EmulatedDevice {
    fn malloc(&self, nbytes: usize) -> Result<Option<DevicePtr>> {
        self.memory.malloc(nbytes)
    }

    fn free(&self, ptr: DevicePtr) -> Result<()> {
        self.memory.free(ptr)
    }

    fn mem_get_info(&self) -> Result<(usize, usize)> {
        Ok(self.memory.info())
    }
}

impl Backend for EmulatedDevice {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn copy_htod(&self, dst: DevicePtr, src: &[u8]) -> Result<()> {
        self.memory.copy_htod(dst, src)
    }

    fn copy_dtoh(&self, dst: &mut [u8], src: DevicePtr) -> Result<()> {
        self.memory.copy_dtoh(dst, src)
    }

    fn copy_dtod(&self, dst: DevicePtr, src: DevicePtr, nbytes: usize) -> Result<()> {
        self.memory.copy_dtod(dst, src, nbytes)
    }

    fn load_module(&self, source: &KernelSource) -> Result<Box<dyn Module>> {
        Ok(Box::new(EmulatedModule {
            module: self.toolchain.module(source)?,
            memory: self.memory.clone(),
            toolchain: self.toolchain.clone(),
        }))
    }

    fn gemm(&self, g: &Gemm) -> Result<()> {
        gemm::run(&self.memory, g)
    }

    /// Launches run to completion before `launch` returns: nothing to wait for.
    fn synchronize(&self) -> Result<()> {
        Ok(())
    }
}
