//! The bookkeeping of the caching allocator, with no device and no
//! statistics: which segments are held, how each is cut into blocks, and
//! which blocks are free.
//!
//! The blocks of a segment tile it exactly, in address order. All blocks
//! live in one map keyed by address, so a block's neighbours are found by
//! address: the next one starts where it ends, the previous one is the
//! nearest lower key. Two segments may be adjacent in the address space, so
//! every neighbour is checked to belong to the same segment before merging.
//! Free blocks are also kept per pool in a set ordered by (size, address),
//! whose first entry at or above a size is the best fit.

use super::sizes::{should_split, Pool};
use crate::backend::DevicePtr;
use std::collections::{BTreeMap, BTreeSet};

/// One block: a piece of a segment, handed out or free.
#[derive(Clone, Copy, Debug)]
struct BlockInfo {
    size: usize,
    /// Base address of the segment the block belongs to.
    segment: DevicePtr,
    pool: Pool,
    allocated: bool,
}

/// One allocation obtained from the device.
#[derive(Clone, Copy, Debug)]
struct SegmentInfo {
    size: usize,
}

/// Segments, their blocks and the free lists.
#[derive(Debug, Default)]
pub struct BlockCache {
    blocks: BTreeMap<DevicePtr, BlockInfo>,
    segments: BTreeMap<DevicePtr, SegmentInfo>,
    /// Free blocks per pool (indexed by `Pool::index`), by (size, address).
    free: [BTreeSet<(usize, DevicePtr)>; 2],
}

/// The end address of `size` bytes at `ptr`.
fn end_of(ptr: DevicePtr, size: usize) -> DevicePtr {
    ptr + size as u64
}

impl BlockCache {
    /// Hands out the smallest free block of `pool` holding `size` bytes,
    /// split if the rest is worth keeping. Returns its address and its size
    /// (`size`, or more when the remainder stayed attached).
    pub fn take_best_fit(&mut self, pool: Pool, size: usize) -> Option<(DevicePtr, usize)> {
        let &(found_size, ptr) = self.free[pool.index()].range((size, 0)..).next()?;
        self.free[pool.index()].remove(&(found_size, ptr));
        Some((ptr, self.carve(ptr, size)))
    }

    /// Records a new segment from the device and hands out its first `size`
    /// bytes, like `take_best_fit` would. Returns the handed-out size.
    pub fn add_segment_and_take(
        &mut self,
        ptr: DevicePtr,
        segment_size: usize,
        pool: Pool,
        size: usize,
    ) -> usize {
        self.segments
            .insert(ptr, SegmentInfo { size: segment_size });
        self.blocks.insert(
            ptr,
            BlockInfo {
                size: segment_size,
                segment: ptr,
                pool,
                allocated: false,
            },
        );
        self.carve(ptr, size)
    }

    /// Marks the free block at `ptr` (already out of the free set) as
    /// handed out, splitting its tail off when worth it.
    fn carve(&mut self, ptr: DevicePtr, size: usize) -> usize {
        // Callers pass a block they just found or inserted, at least `size`
        // bytes long; the `else` only keeps a broken caller from panicking.
        let Some(block) = self.blocks.get_mut(&ptr) else {
            return 0;
        };
        let remaining = block.size - size;
        block.allocated = true;
        if !should_split(block.pool, remaining) {
            return block.size;
        }
        block.size = size;
        let tail = BlockInfo {
            size: remaining,
            allocated: false,
            ..*block
        };
        let tail_ptr = end_of(ptr, size);
        self.blocks.insert(tail_ptr, tail);
        self.free[tail.pool.index()].insert((remaining, tail_ptr));
        size
    }

    /// Returns the handed-out block at `ptr` to the free lists, merged with
    /// its free neighbours in the same segment. Returns the block's size, or
    /// `None` when `ptr` is not a handed-out block.
    pub fn release(&mut self, ptr: DevicePtr) -> Option<usize> {
        let block = self.blocks.get_mut(&ptr).filter(|b| b.allocated)?;
        block.allocated = false;
        let block = *block;
        let mut start = ptr;
        let mut size = block.size;

        let next_ptr = end_of(ptr, size);
        if let Some(next) = self.free_neighbour(next_ptr, block.segment) {
            self.free[next.pool.index()].remove(&(next.size, next_ptr));
            self.blocks.remove(&next_ptr);
            size += next.size;
        }
        let prev = self.blocks.range(..ptr).next_back().map(|(&p, _)| p);
        if let Some(prev_ptr) = prev {
            if let Some(prev_block) = self.free_neighbour(prev_ptr, block.segment) {
                self.free[prev_block.pool.index()].remove(&(prev_block.size, prev_ptr));
                self.blocks.remove(&ptr);
                start = prev_ptr;
                size += prev_block.size;
            }
        }
        if let Some(merged) = self.blocks.get_mut(&start) {
            merged.size = size;
        }
        self.free[block.pool.index()].insert((size, start));
        Some(block.size)
    }

    /// The block at `ptr` if it exists, is free and belongs to `segment`.
    fn free_neighbour(&self, ptr: DevicePtr, segment: DevicePtr) -> Option<BlockInfo> {
        self.blocks
            .get(&ptr)
            .filter(|b| !b.allocated && b.segment == segment)
            .copied()
    }

    /// The segments that hold no handed-out block, as (address, size).
    pub fn free_segments(&self) -> Vec<(DevicePtr, usize)> {
        self.segments
            .iter()
            .filter(|(ptr, seg)| {
                self.blocks
                    .get(ptr)
                    .is_some_and(|b| !b.allocated && b.size == seg.size)
            })
            .map(|(&ptr, seg)| (ptr, seg.size))
            .collect()
    }

    /// Forgets a wholly free segment (after the device freed it).
    pub fn remove_segment(&mut self, ptr: DevicePtr) {
        if let Some(block) = self.blocks.remove(&ptr) {
            self.free[block.pool.index()].remove(&(block.size, ptr));
        }
        self.segments.remove(&ptr);
    }

    /// Checks the structural invariants: blocks tile their segments, no two
    /// free neighbours are left unmerged, and the free sets hold exactly the
    /// free blocks. Returns a description of the first violation.
    #[cfg(test)]
    pub fn check_invariants(&self) -> std::result::Result<(), String> {
        let mut free_seen = [BTreeSet::new(), BTreeSet::new()];
        for (&seg_ptr, seg) in &self.segments {
            let mut at = seg_ptr;
            let mut prev_free = false;
            while at < end_of(seg_ptr, seg.size) {
                let b = self
                    .blocks
                    .get(&at)
                    .ok_or_else(|| format!("segment {seg_ptr:#x}: no block at {at:#x}"))?;
                if b.segment != seg_ptr || b.size == 0 {
                    return Err(format!("block {at:#x}: bad segment or size 0"));
                }
                if !b.allocated {
                    if prev_free {
                        return Err(format!("block {at:#x}: free neighbours not merged"));
                    }
                    free_seen[b.pool.index()].insert((b.size, at));
                }
                prev_free = !b.allocated;
                at = end_of(at, b.size);
            }
            if at != end_of(seg_ptr, seg.size) {
                return Err(format!("segment {seg_ptr:#x}: blocks overrun it"));
            }
        }
        let tiled: usize = self.segments.values().map(|s| s.size).sum();
        let in_blocks: usize = self.blocks.values().map(|b| b.size).sum();
        if tiled != in_blocks {
            return Err(format!("blocks hold {in_blocks} bytes, segments {tiled}"));
        }
        if free_seen != self.free {
            return Err("free sets differ from the free blocks".to_string());
        }
        Ok(())
    }
}
