//! The emulated device's memory: host allocations whose addresses are the
//! device pointers, under a capacity limit so that out-of-memory handling
//! can be tested.
//!
//! Being a test double, it is stricter than a GPU where that is free:
//! copies must stay inside one live allocation, kernel pointer arguments
//! must point into one, and new allocations are filled with 0xff bytes
//! (NaN for floats, -1 for integers) so that code reading memory it never
//! wrote shows up in tests instead of reading zeros by luck.

use crate::backend::DevicePtr;
use crate::error::{Error, Result};
use std::alloc::{alloc, dealloc, Layout};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// Alignment and size granularity of allocations, as `cudaMalloc`'s.
pub const ALIGN: usize = 256;

/// Byte written over fresh allocations.
pub const POISON: u8 = 0xff;

#[derive(Clone, Copy, Debug)]
struct Allocation {
    /// Bytes asked for: the range copies and kernels may touch.
    requested: usize,
    /// Bytes reserved (`requested` rounded up to [`ALIGN`]), counted
    /// against the capacity.
    reserved: usize,
}

#[derive(Default)]
struct State {
    /// Live allocations by start address (ordered, to find the one
    /// containing an address).
    live: BTreeMap<DevicePtr, Allocation>,
    used: usize,
}

/// All allocations of one emulated device.
pub struct HostMemory {
    capacity: usize,
    state: Mutex<State>,
}

fn layout(reserved: usize) -> Option<Layout> {
    Layout::from_size_align(reserved, ALIGN).ok()
}

impl HostMemory {
    pub fn new(capacity: usize) -> HostMemory {
        HostMemory {
            capacity,
            state: Mutex::new(State::default()),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The state; a panic elsewhere while it was held leaves it consistent
    /// (every update is a single insert or remove), so poisoning is ignored.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Ok(None)` when the live allocations plus this one would exceed the
    /// capacity (or the host itself is out of memory).
    pub fn malloc(&self, nbytes: usize) -> Result<Option<DevicePtr>> {
        if nbytes == 0 {
            return Err(Error::Emulator("malloc of 0 bytes".into()));
        }
        let Some(reserved) = nbytes.checked_next_multiple_of(ALIGN) else {
            return Ok(None);
        };
        let mut st = self.state();
        if st.used.saturating_add(reserved) > self.capacity {
            return Ok(None);
        }
        let Some(lay) = layout(reserved) else {
            return Ok(None);
        };
        // SAFETY: `lay` has a non-zero size.
        let p = unsafe { alloc(lay) };
        if p.is_null() {
            return Ok(None);
        }
        // SAFETY: `p` is a fresh allocation of `reserved` bytes.
        unsafe { std::ptr::write_bytes(p, POISON, reserved) };
        let ptr = p as DevicePtr;
        st.live.insert(
            ptr,
            Allocation {
                requested: nbytes,
                reserved,
            },
        );
        st.used += reserved;
        Ok(Some(ptr))
    }

    pub fn free(&self, ptr: DevicePtr) -> Result<()> {
        let mut st = self.state();
        let Some(a) = st.live.remove(&ptr) else {
            return Err(Error::Emulator(format!(
                "free of {ptr:#x}, which is not a live allocation (freed twice, or never allocated)"
            )));
        };
        st.used -= a.reserved;
        if let Some(lay) = layout(a.reserved) {
            // SAFETY: allocated in `malloc` with this very layout.
            unsafe { dealloc(ptr as *mut u8, lay) };
        }
        Ok(())
    }

    /// (free, total) bytes.
    pub fn info(&self) -> (usize, usize) {
        let used = self.state().used;
        (self.capacity - used, self.capacity)
    }

    /// Bytes of live allocations, rounded as they count against capacity.
    pub fn used(&self) -> usize {
        self.state().used
    }

    /// Checks that `[ptr, ptr + len)` lies inside one live allocation.
    fn check(st: &State, ptr: DevicePtr, len: usize, what: &str) -> Result<()> {
        let inside = st
            .live
            .range(..=ptr)
            .next_back()
            .is_some_and(|(&start, a)| {
                let end = start + a.requested as u64;
                ptr.checked_add(len as u64).is_some_and(|e| e <= end)
            });
        if inside {
            Ok(())
        } else {
            Err(Error::Emulator(format!(
                "{what}: [{ptr:#x}, +{len} bytes) is not inside a live allocation"
            )))
        }
    }

    /// Ok when `[ptr, ptr + len)` lies inside one live allocation.
    pub fn check_range(&self, ptr: DevicePtr, len: usize, what: &str) -> Result<()> {
        if len == 0 {
            return Ok(());
        }
        Self::check(&self.state(), ptr, len, what)
    }

    /// Whether kernel argument `ptr` is null or points into (or just past
    /// the end of) a live allocation.
    pub fn is_valid_kernel_pointer(&self, ptr: DevicePtr) -> bool {
        if ptr == 0 {
            return true;
        }
        let st = self.state();
        st.live
            .range(..=ptr)
            .next_back()
            .is_some_and(|(&start, a)| ptr <= start + a.requested as u64)
    }

    /// Runs `copy` with the ranges checked; the lock is held meanwhile so
    /// that no other thread can free them.
    fn copying(&self, ranges: &[(DevicePtr, &str)], len: usize, copy: impl FnOnce()) -> Result<()> {
        if len == 0 {
            return Ok(());
        }
        let st = self.state();
        for &(ptr, what) in ranges {
            Self::check(&st, ptr, len, what)?;
        }
        copy();
        Ok(())
    }

    pub fn copy_htod(&self, dst: DevicePtr, src: &[u8]) -> Result<()> {
        self.copying(&[(dst, "copy to device")], src.len(), || {
            // SAFETY: `dst` spans `src.len()` bytes of a live allocation,
            // which cannot overlap a Rust slice.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst as *mut u8, src.len()) }
        })
    }

    pub fn copy_dtoh(&self, dst: &mut [u8], src: DevicePtr) -> Result<()> {
        let len = dst.len();
        self.copying(&[(src, "copy from device")], len, || {
            // SAFETY: `src` spans `len` bytes of a live allocation.
            unsafe { std::ptr::copy_nonoverlapping(src as *const u8, dst.as_mut_ptr(), len) }
        })
    }

    pub fn copy_dtod(&self, dst: DevicePtr, src: DevicePtr, len: usize) -> Result<()> {
        self.copying(
            &[
                (dst, "device copy destination"),
                (src, "device copy source"),
            ],
            len,
            || {
                // SAFETY: both ranges lie in live allocations; they may
                // overlap, hence `copy` (memmove).
                unsafe { std::ptr::copy(src as *const u8, dst as *mut u8, len) }
            },
        )
    }
}

impl Drop for HostMemory {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        for (&ptr, a) in &st.live {
            if let Some(lay) = layout(a.reserved) {
                // SAFETY: allocated in `malloc` with this layout, not freed.
                unsafe { dealloc(ptr as *mut u8, lay) };
            }
        }
        st.live.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_is_enforced_and_freed_memory_returns() {
        let m = HostMemory::new(1024);
        let a = m.malloc(512).unwrap().unwrap();
        assert_eq!(a % ALIGN as u64, 0);
        let b = m.malloc(300).unwrap().unwrap(); // reserves 512
        assert_eq!(m.info(), (0, 1024));
        assert_eq!(m.malloc(1).unwrap(), None);
        m.free(a).unwrap();
        assert_eq!(m.info(), (512, 1024));
        assert!(m.free(a).is_err(), "double free");
        assert!(m.free(12345).is_err(), "unknown pointer");
        m.free(b).unwrap();
        assert_eq!(m.used(), 0);
        assert!(m.malloc(0).is_err());
        assert_eq!(m.malloc(usize::MAX).unwrap(), None);
    }

    #[test]
    fn copies_round_trip_and_stay_inside_allocations() {
        let m = HostMemory::new(1 << 20);
        let a = m.malloc(16).unwrap().unwrap();
        let b = m.malloc(16).unwrap().unwrap();
        let mut out = [0u8; 16];
        m.copy_dtoh(&mut out, a).unwrap();
        assert_eq!(out, [POISON; 16], "fresh memory is poisoned");
        let data: Vec<u8> = (0..16).collect();
        m.copy_htod(a, &data).unwrap();
        m.copy_dtod(b, a + 4, 12).unwrap();
        m.copy_dtoh(&mut out[..12], b).unwrap();
        assert_eq!(&out[..12], &data[4..]);
        // Past the requested size, though within the 256-byte granule.
        assert!(m.copy_htod(a + 8, &data).is_err());
        assert!(m.copy_dtod(b, a, 17).is_err());
        m.free(a).unwrap();
        assert!(m.copy_dtoh(&mut out, a).is_err(), "use after free");
        assert!(m.is_valid_kernel_pointer(b + 16));
        assert!(!m.is_valid_kernel_pointer(b + 17));
        assert!(!m.is_valid_kernel_pointer(a));
        assert!(m.is_valid_kernel_pointer(0));
    }
}
