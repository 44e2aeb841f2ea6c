//! Output buffers for kernels: allocated uninitialised (every kernel writes
//! each element exactly once), filled in parallel, and on Linux advised to
//! use transparent huge pages when large, so that first-touch page faults do
//! not dominate memory-bound kernels (numpy does the same). Large buffers
//! come from [`crate::buffer_cache`] when a freed one of the same size waits.

use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Buffers at least this large (bytes) are advised to use huge pages.
const HUGEPAGE_MIN_BYTES: usize = 4 << 20;

fn advise_hugepages<U>(v: &mut Vec<U>) {
    #[cfg(target_os = "linux")]
    {
        let bytes = v.capacity() * std::mem::size_of::<U>();
        if bytes >= HUGEPAGE_MIN_BYTES {
            let page = 4096usize;
            let start = v.as_mut_ptr() as usize;
            let aligned = (start + page - 1) & !(page - 1);
            let len = (start + bytes).saturating_sub(aligned) & !(page - 1);
            // SAFETY: the range lies inside this allocation; madvise only changes
            // how the kernel backs it, never its contents. Failure is harmless.
            unsafe {
                libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// A new `Vec` of `n` elements written by `fill(start, chunk)`, which must
/// initialise every element of `chunk` (elements `start..start + chunk.len()`).
/// Runs in parallel chunks above the threshold.
pub fn fill_new<U: Copy + Send>(
    n: usize,
    fill: impl Fn(usize, &mut [MaybeUninit<U>]) + Sync,
) -> Vec<U> {
    let mut v: Vec<U> = crate::buffer_cache::with_capacity(n);
    advise_hugepages(&mut v);
    let spare = &mut v.spare_capacity_mut()[..n];
    if n < crate::PARALLEL_THRESHOLD {
        fill(0, spare);
    } else {
        let threads = rayon::current_num_threads().max(1);
        let chunk = n.div_ceil(threads * 4).max(crate::PARALLEL_THRESHOLD / 2);
        spare
            .par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| fill(i * chunk, c));
    }
    // SAFETY: `fill` initialised all `n` elements (the contract above).
    unsafe { v.set_len(n) };
    v
}

/// A new `Vec` of `n` copies of `value`, written in parallel into
/// huge-page-advised memory (for kernels that write their output in place
/// rather than through [`fill_new`]; `vec![v; n]` would fault in 4 KiB pages
/// one by one, serialised on the address-space lock).
pub fn filled<U: Copy + Send + Sync>(n: usize, value: U) -> Vec<U> {
    fill_new(n, |_, chunk| {
        for o in chunk {
            o.write(value);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_element_in_parallel_chunks() {
        let n = 3 * crate::PARALLEL_THRESHOLD + 17;
        let v: Vec<u64> = fill_new(n, |s, c| {
            for (i, o) in c.iter_mut().enumerate() {
                o.write((s + i) as u64);
            }
        });
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
    }
}
