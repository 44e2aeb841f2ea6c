//! The caching allocator: device memory for tensors without a device
//! allocation per tensor, after PyTorch's CUDACachingAllocator.
//!
//! Device allocations (`cuMemAlloc`, `cuMemFree`) are slow and synchronise
//! the device, so each device's [`CachingAllocator`] obtains memory in
//! *segments* ([`DeviceMemory::malloc`]), cuts them into *blocks* for
//! tensors, and on [`CachingAllocator::free`] keeps a block cached for the
//! next request instead of giving it back. A training loop, which allocates
//! the same sizes every iteration, stops reaching the device after its first
//! iterations.
//!
//! - Requests round up to multiples of 512 bytes. Up to 1 MiB they come from
//!   the small pool (2 MiB segments), above from the large pool (a 20 MiB
//!   segment below 10 MiB, else a segment of the request rounded up to
//!   2 MiB); see [`sizes`].
//! - A request takes the smallest free block of its pool that holds it
//!   (best fit) and splits off the rest when it is worth keeping; a freed
//!   block merges with its free neighbours in the same segment.
//! - When the device is out of memory, the wholly free segments go back to
//!   the device ([`CachingAllocator::empty_cache`]) and the allocation is
//!   retried once; if it fails again the request fails with
//!   [`Error::OutOfMemory`], PyTorch's message, and the allocator stays
//!   usable.
//!
//! **Stream order, no events.** The backend runs all work of a device on one
//! stream. A block is freed once the host has *queued* its last use, not
//! once the device has run it; the next owner of the block can only queue
//! its own work after that, on the same stream, so the device runs it after
//! the previous owner's. A freed block can therefore be handed out again at
//! once, with no event recorded or waited for. (PyTorch needs events
//! because it has many streams; adding streams here would need them too.)
//! Giving a segment back to the device is ordered the same way by
//! [`DeviceMemory::free`].
//!
//! **Thread safety.** One allocator per device, shared by all host threads:
//! its state sits behind one mutex, held across device calls so that two
//! threads never both allocate a segment for requests one would have served.

mod cache;
pub mod sizes;
mod stats;
#[cfg(test)]
mod tests;

pub use stats::MemoryStats;

use crate::backend::{DeviceMemory, DevicePtr};
use crate::error::{Error, Result};
use cache::BlockCache;
use sizes::{round_size, segment_size, Pool};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Distinguishes allocator instances, so that a block can only be freed into
/// the allocator it came from.
static NEXT_ALLOCATOR_ID: AtomicU64 = AtomicU64::new(1);

/// Device memory handed out by a [`CachingAllocator`]. Not `Clone`: it is
/// given back exactly once, by value, with [`CachingAllocator::free`]. A
/// block dropped without being freed stays allocated (counted in
/// `allocated_bytes`) for the allocator's lifetime.
#[derive(Debug, PartialEq, Eq)]
pub struct Block {
    ptr: DevicePtr,
    size: usize,
    owner: u64,
}

impl Block {
    /// The device address; 0 for a zero-byte block.
    pub fn ptr(&self) -> DevicePtr {
        self.ptr
    }

    /// Bytes usable at `ptr`: the request rounded up to 512 bytes, or up to
    /// 1 MiB more when a cached large block was reused whole because its
    /// remainder was too small to split off. 0 for a zero-byte block.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether this is the zero-byte block, which owns no device memory.
    pub fn is_null(&self) -> bool {
        self.ptr == 0
    }
}

/// What the mutex protects.
#[derive(Debug, Default)]
struct State {
    cache: BlockCache,
    stats: MemoryStats,
}

/// The caching allocator of one device (see the module documentation).
pub struct CachingAllocator {
    device: usize,
    id: u64,
    memory: Arc<dyn DeviceMemory>,
    state: Mutex<State>,
}

impl std::fmt::Debug for CachingAllocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachingAllocator")
            .field("device", &self.device)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl CachingAllocator {
    /// An allocator for device `device` (its index, used in error messages)
    /// over `memory`, with an empty cache.
    pub fn new(device: usize, memory: Arc<dyn DeviceMemory>) -> CachingAllocator {
        CachingAllocator {
            device,
            id: NEXT_ALLOCATOR_ID.fetch_add(1, Ordering::Relaxed),
            memory,
            state: Mutex::new(State::default()),
        }
    }

    /// The device index this allocator serves.
    pub fn device(&self) -> usize {
        self.device
    }

    /// A block of at least `nbytes` bytes, from the cache when possible, else
    /// from a new device segment. `nbytes == 0` gives the null block without
    /// touching the device. Fails with [`Error::OutOfMemory`] when the device
    /// cannot provide the memory even after the cache was released, or with
    /// the device's own error.
    pub fn allocate(&self, nbytes: usize) -> Result<Block> {
        if nbytes == 0 {
            return Ok(self.block(0, 0));
        }
        let mut state = self.lock();
        // A size whose rounding overflows can never be allocated: report it
        // as out of memory, with the size asked for.
        let Some(size) = round_size(nbytes) else {
            return Err(self.out_of_memory(&mut state, nbytes));
        };
        let pool = Pool::for_size(size);
        if let Some((ptr, taken)) = state.cache.take_best_fit(pool, size) {
            state.stats.add_allocated(taken);
            return Ok(self.block(ptr, taken));
        }
        let Some(segment) = segment_size(size) else {
            return Err(self.out_of_memory(&mut state, size));
        };
        let ptr = match self.memory.malloc(segment)? {
            Some(ptr) => ptr,
            None => {
                // Cached free segments may be what fills the device.
                state.stats.num_alloc_retries += 1;
                self.release_free_segments(&mut state)?;
                match self.memory.malloc(segment)? {
                    Some(ptr) => ptr,
                    None => return Err(self.out_of_memory(&mut state, size)),
                }
            }
        };
        state.stats.add_segment(segment);
        let taken = state.cache.add_segment_and_take(ptr, segment, pool, size);
        state.stats.add_allocated(taken);
        Ok(self.block(ptr, taken))
    }

    /// Gives `block` back to the cache (never to the device; see
    /// [`CachingAllocator::empty_cache`]). Freeing the null block does
    /// nothing. Fails, changing nothing, for a block of another allocator.
    pub fn free(&self, block: Block) -> Result<()> {
        if block.is_null() {
            return Ok(());
        }
        if block.owner != self.id {
            return Err(self.bad_block(&block, "it belongs to another allocator"));
        }
        let mut state = self.lock();
        match state.cache.release(block.ptr) {
            Some(size) => {
                state.stats.sub_allocated(size);
                Ok(())
            }
            None => Err(self.bad_block(&block, "it is not allocated")),
        }
    }

    /// Gives every wholly free cached segment back to the device; segments
    /// holding a live block stay. On a device error the segments not yet
    /// released stay cached and usable.
    pub fn empty_cache(&self) -> Result<()> {
        let mut state = self.lock();
        self.release_free_segments(&mut state)
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> MemoryStats {
        self.lock().stats
    }

    /// Sets the peak counters to the current values, so that later peaks
    /// measure from now (`torch.cuda.reset_peak_memory_stats`).
    pub fn reset_peak_stats(&self) {
        self.lock().stats.reset_peaks();
    }

    /// The state, also after a panic in another thread: every update of
    /// the state completes before anything that could panic (device calls
    /// happen before or after), so a poisoned state is still consistent.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn block(&self, ptr: DevicePtr, size: usize) -> Block {
        Block {
            ptr,
            size,
            owner: self.id,
        }
    }

    fn release_free_segments(&self, state: &mut State) -> Result<()> {
        for (ptr, size) in state.cache.free_segments() {
            self.memory.free(ptr)?;
            state.cache.remove_segment(ptr);
            state.stats.sub_segment(size);
        }
        Ok(())
    }

    /// The error for a failed request of `requested` bytes, counted.
    fn out_of_memory(&self, state: &mut State, requested: usize) -> Error {
        state.stats.num_ooms += 1;
        // The error is about memory, not about the query: if the device
        // cannot even report its memory, say 0 rather than hide the OOM.
        let (free, total) = self.memory.mem_get_info().unwrap_or((0, 0));
        Error::OutOfMemory {
            device: self.device,
            requested,
            free,
            total,
            allocated: state.stats.allocated_bytes,
            reserved: state.stats.reserved_bytes,
        }
    }

    fn bad_block(&self, block: &Block, why: &str) -> Error {
        Error::Driver {
            call: "CachingAllocator::free",
            message: format!(
                "cannot free block {:#x} ({} bytes) on device {}: {why}",
                block.ptr, block.size, self.device
            ),
        }
    }
}

impl Drop for CachingAllocator {
    /// Gives the wholly free segments back to the device. Segments with live
    /// blocks are left alone: their blocks may still be in use.
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        for (ptr, _) in state.cache.free_segments() {
            // Nothing can report an error from a drop; the device reclaims
            // the memory with the context anyway.
            let _ = self.memory.free(ptr);
        }
    }
}
