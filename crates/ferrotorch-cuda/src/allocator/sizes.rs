//! The size policy of the caching allocator: how a request rounds, which
//! pool serves it, how big a segment to ask the device for, and when a
//! cached block is worth splitting.
//!
//! The numbers are PyTorch's CUDACachingAllocator defaults, so that memory
//! use (and `memory_reserved()`) behaves the way PyTorch users expect.

/// Every block size is a multiple of this, so that any split leaves both
/// halves aligned for any element type (and for vectorised loads).
pub const MIN_BLOCK_SIZE: usize = 512;
/// Requests up to this size come from the small pool.
pub const SMALL_SIZE: usize = 1 << 20;
/// Segment size of the small pool: many small tensors share one segment.
pub const SMALL_SEGMENT: usize = 2 << 20;
/// Large requests below this size share a `LARGE_SEGMENT`-sized segment.
pub const MIN_LARGE_ALLOC: usize = 10 << 20;
/// Segment size for large requests below `MIN_LARGE_ALLOC`.
pub const LARGE_SEGMENT: usize = 20 << 20;
/// Bigger requests get a segment of their own, rounded up to this.
pub const ROUND_LARGE: usize = 2 << 20;

/// The two free lists. Small blocks never come out of large segments and
/// vice versa: mixing them would let long-lived small tensors pin large
/// segments (fragmentation PyTorch avoids the same way).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pool {
    Small,
    Large,
}

impl Pool {
    /// The pool serving a request of `rounded` bytes (already rounded).
    pub fn for_size(rounded: usize) -> Pool {
        if rounded <= SMALL_SIZE {
            Pool::Small
        } else {
            Pool::Large
        }
    }

    /// Index into per-pool arrays.
    pub fn index(self) -> usize {
        match self {
            Pool::Small => 0,
            Pool::Large => 1,
        }
    }
}

/// `nbytes` (> 0) rounded up to a multiple of `MIN_BLOCK_SIZE`; `None` when
/// that does not fit in `usize` (such a request can never be satisfied).
pub fn round_size(nbytes: usize) -> Option<usize> {
    nbytes.checked_next_multiple_of(MIN_BLOCK_SIZE)
}

/// How many bytes to ask the device for when no cached block can serve a
/// request of `rounded` bytes; `None` when that overflows `usize`.
pub fn segment_size(rounded: usize) -> Option<usize> {
    if rounded <= SMALL_SIZE {
        Some(SMALL_SEGMENT)
    } else if rounded < MIN_LARGE_ALLOC {
        Some(LARGE_SEGMENT)
    } else {
        rounded.checked_next_multiple_of(ROUND_LARGE)
    }
}

/// Whether a free block of `pool` with `remaining` bytes left over after a
/// request is worth splitting off. In the large pool a remainder of 1 MiB or
/// less stays attached to the block: it could only ever serve a small
/// request, and small requests do not use the large pool.
pub fn should_split(pool: Pool, remaining: usize) -> bool {
    match pool {
        Pool::Small => remaining >= MIN_BLOCK_SIZE,
        Pool::Large => remaining > SMALL_SIZE,
    }
}
