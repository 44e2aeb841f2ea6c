//! The per-process registry of opened devices: each [`CudaDevice`] owns its
//! backend (GPU or emulator), its caching allocator and its module cache.
//!
//! Devices open lazily, at the first tensor placed on them, and live for the
//! rest of the process (as CUDA contexts do in PyTorch).

use crate::allocator::{Block, CachingAllocator, MemoryStats};
use crate::backend::{Backend, DeviceInfo, DevicePtr, Gemm, KernelArg, LaunchConfig, Module};
use crate::driver::DriverDevice;
use crate::error::{Error, Result};
use crate::kernels::KernelSource;
use crate::runtime::{check_device, emulator_memory};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Most devices a process can address (PyTorch's limit too).
const MAX_DEVICES: usize = 64;

/// One opened device.
pub struct CudaDevice {
    index: usize,
    backend: Arc<dyn Backend>,
    allocator: CachingAllocator,
    // Compiling a module takes NVRTC tens of milliseconds to seconds: once
    // per device and process.
    modules: Mutex<HashMap<String, Arc<dyn Module>>>,
}

fn slots() -> &'static [OnceLock<Arc<CudaDevice>>] {
    static DEVICES: OnceLock<Vec<OnceLock<Arc<CudaDevice>>>> = OnceLock::new();
    DEVICES.get_or_init(|| (0..MAX_DEVICES).map(|_| OnceLock::new()).collect())
}

/// Device `index` if something has already opened it (memory statistics
/// of a device never used are zero without opening it).
pub fn opened(index: usize) -> Option<Arc<CudaDevice>> {
    slots().get(index)?.get().cloned()
}

/// Device `index`, opened at first use.
pub fn device(index: usize) -> Result<Arc<CudaDevice>> {
    let slots = slots();
    check_device(index)?;
    let slot = slots.get(index).ok_or(Error::InvalidDevice {
        index,
        count: MAX_DEVICES,
    })?;
    if let Some(d) = slot.get() {
        return Ok(d.clone());
    }
    // Two threads may race to open the device; the loser's copy is dropped.
    let opened = Arc::new(CudaDevice::open(index)?);
    Ok(slot.get_or_init(|| opened).clone())
}

impl CudaDevice {
    fn open(index: usize) -> Result<CudaDevice> {
        let backend: Arc<dyn Backend> = match emulator_memory() {
            #[cfg(unix)]
            Some(capacity) => Arc::new(crate::emulator::EmulatedDevice::new(capacity)?),
            _ => Arc::new(DriverDevice::new(index)?),
        };
        Ok(CudaDevice {
            index,
            allocator: CachingAllocator::new(index, backend.clone()),
            backend,
            modules: Mutex::new(HashMap::new()),
        })
    }

    pub fn index(&self) -> usize {
        self.index
    }

    pub fn info(&self) -> &DeviceInfo {
        self.backend.info()
    }

    pub fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// `nbytes` of device memory from the caching allocator.
    pub fn allocate(&self, nbytes: usize) -> Result<Block> {
        self.allocator.allocate(nbytes)
    }

    /// Returns a block to the cache.
    pub fn release(&self, block: Block) {
        // Freeing into the cache only fails on a foreign block: a bug, not
        // something a caller of `drop` could act on.
        if let Err(e) = self.allocator.free(block) {
            debug_assert!(false, "{e}");
        }
    }

    pub fn memory_stats(&self) -> MemoryStats {
        self.allocator.stats()
    }

    pub fn reset_peak_memory_stats(&self) {
        self.allocator.reset_peak_stats()
    }

    /// Gives every wholly free cached segment back to the device.
    pub fn empty_cache(&self) -> Result<()> {
        self.backend.synchronize()?;
        self.allocator.empty_cache()
    }

    /// Queues a batched matrix product (cuBLAS on a GPU).
    pub fn gemm(&self, g: &Gemm) -> Result<()> {
        self.backend.gemm(g)
    }

    pub fn synchronize(&self) -> Result<()> {
        self.backend.synchronize()
    }

    /// (free, total) device memory as the driver reports it.
    pub fn mem_get_info(&self) -> Result<(usize, usize)> {
        self.backend.mem_get_info()
    }

    /// Module `name`, built by `source` and loaded at its first use.
    pub fn module(
        &self,
        name: &str,
        source: impl FnOnce() -> KernelSource,
    ) -> Result<Arc<dyn Module>> {
        let mut modules = self.modules.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = modules.get(name) {
            return Ok(m.clone());
        }
        // Compiled under the lock: a second thread wanting the same module
        // waits instead of compiling it again.
        let m: Arc<dyn Module> = Arc::from(self.backend.load_module(&source())?);
        modules.insert(name.to_string(), m.clone());
        Ok(m)
    }

    /// Launches `kernel` of module `name` with a grid-stride configuration
    /// for `n` elements.
    pub fn launch_elementwise(
        &self,
        module: &Arc<dyn Module>,
        kernel: &str,
        n: usize,
        args: &[KernelArg],
    ) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        module.launch(kernel, self.elementwise_config(n), args)
    }

    /// Launches row kernel `kernel` (one block per row) over `rows` rows of
    /// `row_len` elements.
    pub fn launch_rows(
        &self,
        module: &Arc<dyn Module>,
        kernel: &str,
        rows: usize,
        row_len: usize,
        args: &[KernelArg],
    ) -> Result<()> {
        if rows == 0 {
            return Ok(());
        }
        module.launch(kernel, self.rows_config(rows, row_len), args)
    }

    /// 256 threads a block, enough blocks to cover `n` up to 32 per SM;
    /// kernels loop over the rest (grid-stride), which keeps launches cheap
    /// for huge tensors.
    pub fn elementwise_config(&self, n: usize) -> LaunchConfig {
        let per_block = 256usize;
        let max_blocks = 32 * self.info().multi_processor_count as usize;
        LaunchConfig {
            grid: n.div_ceil(per_block).clamp(1, max_blocks) as u32,
            block: per_block as u32,
            shared_mem_bytes: 0,
        }
    }

    /// One block per row (kernels grid-stride over rows beyond the grid).
    pub fn rows_config(&self, rows: usize, row_len: usize) -> LaunchConfig {
        // Short rows waste most of a 256-thread block; 32 is a warp.
        let block = if row_len <= 64 {
            32
        } else if row_len <= 1024 {
            128
        } else {
            256
        };
        LaunchConfig {
            grid: rows.clamp(1, 65_535) as u32,
            block,
            shared_mem_bytes: 0,
        }
    }

    pub fn copy_htod(&self, dst: DevicePtr, src: &[u8]) -> Result<()> {
        self.backend.copy_htod(dst, src)
    }

    pub fn copy_dtoh(&self, dst: &mut [u8], src: DevicePtr) -> Result<()> {
        self.backend.copy_dtoh(dst, src)
    }

    pub fn copy_dtod(&self, dst: DevicePtr, src: DevicePtr, nbytes: usize) -> Result<()> {
        self.backend.copy_dtod(dst, src, nbytes)
    }
}
