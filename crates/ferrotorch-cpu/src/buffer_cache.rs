//! A bounded cache of large freed buffers, reused by later kernel outputs of
//! the same byte size. Fresh memory costs a page fault per page on first
//! write, and on this kind of machine those faults (serialised on the
//! address-space lock, with or without huge pages) can cost more than the
//! kernel itself; a training loop allocates the same sizes every step, so
//! reuse removes them.
//!
//! Only buffers of at least [`MIN_BYTES`] are cached, matched on exact byte
//! size and alignment (so the allocator sees the same layout when the memory
//! is finally freed), up to a total of `FERROTORCH_CPU_CACHE_MB` MiB
//! (default 512; 0 disables). [`empty_cache`] frees everything held.

use std::alloc::{dealloc, Layout};
use std::mem::ManuallyDrop;
use std::sync::{Mutex, OnceLock};

/// Smaller buffers come from malloc's own free lists cheaply: not cached.
pub const MIN_BYTES: usize = 1 << 20;

struct Block {
    ptr: usize,
    bytes: usize,
    align: usize,
}

struct Cache {
    blocks: Vec<Block>,
    held: usize,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(|| {
        Mutex::new(Cache {
            blocks: Vec::new(),
            held: 0,
        })
    })
}

fn budget() -> usize {
    static BUDGET: OnceLock<usize> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        std::env::var("FERROTORCH_CPU_CACHE_MB")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(512)
            << 20
    })
}

/// An empty `Vec<U>` with capacity for exactly `n` elements, reusing a cached
/// buffer of the same byte size and alignment when there is one.
pub fn with_capacity<U>(n: usize) -> Vec<U> {
    let bytes = n * std::mem::size_of::<U>();
    if bytes >= MIN_BYTES {
        let align = std::mem::align_of::<U>();
        let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = c
            .blocks
            .iter()
            .rposition(|b| b.bytes == bytes && b.align == align)
        {
            let b = c.blocks.swap_remove(i);
            c.held -= b.bytes;
            // SAFETY: the block was allocated by the global allocator as a
            // `Vec` buffer of `bytes` bytes with alignment `align` (see
            // `Recycled::drop`); `U` has that alignment and `n` elements of
            // `U` are exactly `bytes`, so the layout matches; length 0.
            return unsafe { Vec::from_raw_parts(b.ptr as *mut U, 0, n) };
        }
    }
    Vec::with_capacity(n)
}

/// Owns a `Vec` whose buffer goes back to the cache (instead of the
/// allocator) when dropped, if it is large and the cache has room.
pub struct Recycled<T>(ManuallyDrop<Vec<T>>);

impl<T> Recycled<T> {
    pub fn new(v: Vec<T>) -> Self {
        Recycled(ManuallyDrop::new(v))
    }
}

impl<T> Drop for Recycled<T> {
    fn drop(&mut self) {
        let bytes = self.0.capacity() * std::mem::size_of::<T>();
        if bytes >= MIN_BYTES && !std::mem::needs_drop::<T>() {
            let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
            if c.held + bytes <= budget() {
                let ptr = self.0.as_mut_ptr() as usize;
                c.blocks.push(Block {
                    ptr,
                    bytes,
                    align: std::mem::align_of::<T>(),
                });
                c.held += bytes;
                return; // the buffer now belongs to the cache
            }
        }
        // SAFETY: dropped exactly once, here.
        unsafe { ManuallyDrop::drop(&mut self.0) };
    }
}

/// Frees every cached buffer (PyTorch's `empty_cache` spirit, for the CPU).
pub fn empty_cache() {
    let blocks = {
        let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
        c.held = 0;
        std::mem::take(&mut c.blocks)
    };
    for b in blocks {
        // SAFETY: each block is a live allocation of exactly this layout
        // (recorded when it was cached) that nothing else refers to.
        unsafe {
            dealloc(
                b.ptr as *mut u8,
                Layout::from_size_align_unchecked(b.bytes, b.align),
            )
        };
    }
}

/// Bytes currently held by the cache.
pub fn cached_bytes() -> usize {
    cache().lock().unwrap_or_else(|e| e.into_inner()).held
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_buffers_are_reused_by_size_and_alignment() {
        empty_cache();
        let n = MIN_BYTES / 4 * 3; // 3 MiB of f32
        let mut v: Vec<f32> = with_capacity(n);
        v.resize(n, 1.5);
        let p = v.as_ptr() as usize;
        drop(Recycled::new(v));
        assert!(cached_bytes() >= n * 4);
        // Same bytes and alignment (i32): reused, empty, full capacity.
        let w: Vec<i32> = with_capacity(n);
        assert_eq!((w.as_ptr() as usize, w.len(), w.capacity()), (p, 0, n));
        // Different alignment (f64, same bytes): not reused.
        let x: Vec<f64> = with_capacity(n / 2);
        assert_ne!(x.as_ptr() as usize, p);
        drop(Recycled::new(w));
        drop(Recycled::new(x));
        empty_cache();
        assert_eq!(cached_bytes(), 0);
        // Small buffers are never cached.
        drop(Recycled::new(vec![0u8; 16]));
        assert_eq!(cached_bytes(), 0);
    }
}
