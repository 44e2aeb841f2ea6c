//! Device memory owned by a tensor's storage: a block of the device's
//! caching allocator, handed back to the cache when the last view drops it.

use crate::allocator::Block;
use crate::backend::DevicePtr;
use crate::device::CudaDevice;
use crate::error::Result;
use std::sync::Arc;

/// `nbytes` of memory on one device.
pub struct CudaBuffer {
    device: Arc<CudaDevice>,
    // Taken on drop.
    block: Option<Block>,
    nbytes: usize,
}

impl CudaBuffer {
    /// Uninitialised memory for `nbytes` bytes.
    pub fn alloc(device: &Arc<CudaDevice>, nbytes: usize) -> Result<CudaBuffer> {
        let block = device.allocate(nbytes)?;
        Ok(CudaBuffer {
            device: device.clone(),
            block: Some(block),
            nbytes,
        })
    }

    /// A copy of host bytes.
    pub fn from_host(device: &Arc<CudaDevice>, bytes: &[u8]) -> Result<CudaBuffer> {
        let buf = CudaBuffer::alloc(device, bytes.len())?;
        device.copy_htod(buf.ptr(), bytes)?;
        Ok(buf)
    }

    /// Device address of the first byte (0 for an empty buffer).
    pub fn ptr(&self) -> DevicePtr {
        self.block.as_ref().map_or(0, |b| b.ptr())
    }

    pub fn nbytes(&self) -> usize {
        self.nbytes
    }

    pub fn device(&self) -> &Arc<CudaDevice> {
        &self.device
    }

    /// Copies `dst.len()` bytes starting `offset` bytes in (waits for the
    /// queued work first).
    pub fn read(&self, offset: usize, dst: &mut [u8]) -> Result<()> {
        debug_assert!(offset + dst.len() <= self.nbytes);
        self.device.copy_dtoh(dst, self.ptr() + offset as u64)
    }
}

impl Drop for CudaBuffer {
    fn drop(&mut self) {
        if let Some(block) = self.block.take() {
            self.device.release(block);
        }
    }
}
