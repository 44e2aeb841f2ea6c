//! Tests of the caching allocator, over a fake device ([`fake`]) that
//! checks how the allocator uses device memory.

mod basic;
mod concurrency;
mod fake;
mod oom;
mod property;
mod training;

use super::{Block, CachingAllocator};
use fake::FakeDevice;
use std::sync::Arc;

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;

/// A fake device of `capacity` bytes and an allocator (device 0) over it.
fn setup(capacity: usize) -> (Arc<FakeDevice>, CachingAllocator) {
    let fake = Arc::new(FakeDevice::new(capacity));
    let alloc = CachingAllocator::new(0, fake.clone());
    (fake, alloc)
}

/// Checks everything that must hold between calls, whatever happened
/// before: live blocks do not overlap and lie inside device allocations,
/// `allocated` is the sum of their sizes, `reserved` is what the device
/// has handed out and not got back, the device saw no bad free, and the
/// cache's own structure is sound.
fn check_consistent(fake: &FakeDevice, alloc: &CachingAllocator, live: &[&Block]) {
    let mut ranges: Vec<(u64, u64)> = live
        .iter()
        .filter(|b| !b.is_null())
        .map(|b| (b.ptr(), b.ptr() + b.size() as u64))
        .collect();
    ranges.sort_unstable();
    for pair in ranges.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "live blocks overlap: {:#x?}", pair);
    }
    for &(start, end) in &ranges {
        assert!(
            fake.contains(start, end),
            "block {start:#x}..{end:#x} is not in device memory"
        );
    }
    let stats = alloc.stats();
    let live_bytes: usize = live.iter().map(|b| b.size()).sum();
    assert_eq!(stats.allocated_bytes, live_bytes, "allocated bytes");
    assert_eq!(stats.reserved_bytes, fake.in_use(), "reserved bytes");
    assert_eq!(
        stats.num_device_mallocs - stats.num_device_frees,
        fake.live_count() as u64,
        "segments held"
    );
    assert_eq!(stats.num_device_mallocs, fake.mallocs(), "device mallocs");
    assert_eq!(stats.num_device_frees, fake.frees(), "device frees");
    assert!(stats.peak_allocated_bytes >= stats.allocated_bytes);
    assert!(stats.peak_reserved_bytes >= stats.reserved_bytes);
    assert!(stats.reserved_bytes >= stats.allocated_bytes);
    assert_eq!(fake.errors(), Vec::<String>::new(), "bad device frees");
    if let Err(e) = alloc.lock().cache.check_invariants() {
        panic!("cache invariant broken: {e}");
    }
}
