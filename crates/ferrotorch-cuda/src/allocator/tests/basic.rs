//! Rounding, pools, reuse, splitting and merging, `empty_cache`, peaks, the
//! zero-byte block and misuse, one behaviour per test.

use super::super::sizes::{round_size, segment_size, should_split, Pool};
use super::{check_consistent, setup, CachingAllocator, KIB, MIB};
use crate::error::Error;

#[test]
fn sizes_round_to_512_and_pick_pool_and_segment() {
    assert_eq!(round_size(1), Some(512));
    assert_eq!(round_size(512), Some(512));
    assert_eq!(round_size(513), Some(1024));
    assert_eq!(round_size(usize::MAX), None);
    assert_eq!(Pool::for_size(MIB), Pool::Small);
    assert_eq!(Pool::for_size(MIB + 512), Pool::Large);
    assert_eq!(segment_size(512), Some(2 * MIB));
    assert_eq!(segment_size(MIB), Some(2 * MIB));
    assert_eq!(segment_size(MIB + 512), Some(20 * MIB));
    assert_eq!(segment_size(10 * MIB - 512), Some(20 * MIB));
    assert_eq!(segment_size(10 * MIB), Some(10 * MIB));
    assert_eq!(segment_size(11 * MIB + 512), Some(12 * MIB));
    assert!(should_split(Pool::Small, 512));
    assert!(!should_split(Pool::Large, MIB));
    assert!(should_split(Pool::Large, MIB + 512));
}

#[test]
fn allocations_take_segments_of_their_pool() {
    let (fake, alloc) = setup(1 << 30);
    let a = alloc.allocate(1).unwrap();
    assert_eq!(a.size(), 512);
    assert_eq!(alloc.stats().reserved_bytes, 2 * MIB);
    let b = alloc.allocate(1000).unwrap();
    assert_eq!(b.size(), 1024);
    assert_eq!(alloc.stats().num_device_mallocs, 1, "same small segment");
    let c = alloc.allocate(3 * MIB).unwrap();
    assert_eq!(
        alloc.stats().reserved_bytes,
        22 * MIB,
        "20 MiB large segment"
    );
    let d = alloc.allocate(24 * MIB + 1).unwrap();
    assert_eq!(d.size(), 24 * MIB + 512);
    assert_eq!(alloc.stats().reserved_bytes, 22 * MIB + 26 * MIB);
    assert_eq!(
        alloc.stats().allocated_bytes,
        512 + 1024 + 3 * MIB + 24 * MIB + 512
    );
    // Its own segment, rounded up to 2 MiB: the rest is too small to split
    // off, so the block takes the whole segment.
    let e = alloc.allocate(25 * MIB + 1).unwrap();
    assert_eq!(e.size(), 26 * MIB);
    assert_eq!(alloc.stats().reserved_bytes, 22 * MIB + 52 * MIB);
    check_consistent(&fake, &alloc, &[&a, &b, &c, &d, &e]);
    for block in [a, b, c, d, e] {
        alloc.free(block).unwrap();
    }
    check_consistent(&fake, &alloc, &[]);
}

#[test]
fn freed_block_is_reused_without_device_call() {
    let (fake, alloc) = setup(1 << 30);
    for size in [700, 300 * KIB, 4 * MIB, 30 * MIB] {
        let a = alloc.allocate(size).unwrap();
        let (ptr, mallocs) = (a.ptr(), alloc.stats().num_device_mallocs);
        alloc.free(a).unwrap();
        let b = alloc.allocate(size).unwrap();
        assert_eq!(b.ptr(), ptr, "size {size}");
        assert_eq!(alloc.stats().num_device_mallocs, mallocs, "size {size}");
        alloc.free(b).unwrap();
    }
    assert_eq!(fake.frees(), 0, "free never reaches the device");
    check_consistent(&fake, &alloc, &[]);
}

#[test]
fn small_requests_never_use_the_large_pool() {
    let (fake, alloc) = setup(1 << 30);
    let large = alloc.allocate(3 * MIB).unwrap();
    alloc.free(large).unwrap();
    let small = alloc.allocate(4 * KIB).unwrap();
    assert_eq!(alloc.stats().num_device_mallocs, 2);
    assert_eq!(alloc.stats().reserved_bytes, 22 * MIB);
    check_consistent(&fake, &alloc, &[&small]);
    alloc.free(small).unwrap();
}

#[test]
fn request_takes_the_smallest_free_block_that_fits() {
    let (fake, alloc) = setup(1 << 30);
    // One 20 MiB segment cut into 4, 1.5, 8, 1.5 MiB and a free 5 MiB tail;
    // the 1.5 MiB blocks stay live so that the others cannot merge.
    let sizes = [4 * MIB, 3 * MIB / 2, 8 * MIB, 3 * MIB / 2];
    let mut blocks: Vec<_> = sizes.iter().map(|&n| alloc.allocate(n).unwrap()).collect();
    let eight = blocks.remove(2);
    let four = blocks.remove(0);
    let (four_ptr, eight_ptr) = (four.ptr(), eight.ptr());
    alloc.free(four).unwrap();
    alloc.free(eight).unwrap();
    let a = alloc.allocate(3 * MIB + 512 * KIB).unwrap();
    assert_eq!(a.ptr(), four_ptr, "4 MiB, not the 5 MiB tail or 8 MiB");
    let b = alloc.allocate(6 * MIB).unwrap();
    assert_eq!(b.ptr(), eight_ptr, "8 MiB: the 5 MiB tail is too small");
    assert_eq!(alloc.stats().num_device_mallocs, 1);
    blocks.extend([a, b]);
    check_consistent(&fake, &alloc, &blocks.iter().collect::<Vec<_>>());
    for block in blocks {
        alloc.free(block).unwrap();
    }
}

#[test]
fn split_blocks_merge_back_when_freed() {
    let (fake, alloc) = setup(1 << 30);
    let a = alloc.allocate(512 * KIB).unwrap();
    let b = alloc.allocate(512 * KIB).unwrap();
    let c = alloc.allocate(512 * KIB).unwrap();
    assert_eq!(
        b.ptr(),
        a.ptr() + (512 * KIB) as u64,
        "split of one segment"
    );
    assert_eq!(c.ptr(), b.ptr() + (512 * KIB) as u64);
    let base = a.ptr();
    // Free the outer two first: the middle one then merges with both.
    alloc.free(a).unwrap();
    alloc.free(c).unwrap();
    check_consistent(&fake, &alloc, &[&b]);
    alloc.free(b).unwrap();
    let whole = alloc.allocate(MIB).unwrap();
    assert_eq!(whole.ptr(), base);
    assert_eq!(alloc.stats().num_device_mallocs, 1);
    check_consistent(&fake, &alloc, &[&whole]);
    alloc.free(whole).unwrap();
}

#[test]
fn merging_stops_at_segment_boundaries() {
    let (fake, alloc) = setup(1 << 30);
    // Two 16 MiB segments; the fake device places them next to each other.
    let a = alloc.allocate(15 * MIB).unwrap();
    let b = alloc.allocate(15 * MIB).unwrap();
    assert_eq!(b.ptr(), a.ptr() + (16 * MIB) as u64);
    alloc.free(a).unwrap();
    alloc.free(b).unwrap();
    let c = alloc.allocate(30 * MIB).unwrap();
    assert_eq!(alloc.stats().num_device_mallocs, 3, "needs its own segment");
    check_consistent(&fake, &alloc, &[&c]);
    alloc.free(c).unwrap();
}

#[test]
fn large_remainder_of_one_mib_or_less_is_not_split() {
    let (fake, alloc) = setup(1 << 30);
    let a = alloc.allocate(5 * MIB).unwrap();
    alloc.free(a).unwrap();
    // 20 MiB segment, 19.5 MiB asked: the 0.5 MiB tail stays in the block.
    let b = alloc.allocate(19 * MIB + 512 * KIB).unwrap();
    assert_eq!(b.size(), 20 * MIB);
    assert_eq!(alloc.stats().allocated_bytes, 20 * MIB);
    alloc.free(b).unwrap();
    // 18 MiB asked: the 2 MiB tail is split off and cached.
    let c = alloc.allocate(18 * MIB).unwrap();
    assert_eq!(c.size(), 18 * MIB);
    let d = alloc.allocate(2 * MIB).unwrap();
    assert_eq!(d.ptr(), c.ptr() + (18 * MIB) as u64);
    assert_eq!(alloc.stats().num_device_mallocs, 1);
    check_consistent(&fake, &alloc, &[&c, &d]);
    alloc.free(c).unwrap();
    alloc.free(d).unwrap();
}

#[test]
fn empty_cache_releases_only_wholly_free_segments() {
    let (fake, alloc) = setup(1 << 30);
    let small = alloc.allocate(10 * KIB).unwrap();
    let other_small = alloc.allocate(10 * KIB).unwrap();
    let large = alloc.allocate(40 * MIB).unwrap();
    alloc.free(other_small).unwrap();
    alloc.free(large).unwrap();
    alloc.empty_cache().unwrap();
    assert_eq!(
        fake.in_use(),
        2 * MIB,
        "the segment with a live block stays"
    );
    assert_eq!(alloc.stats().reserved_bytes, 2 * MIB);
    assert_eq!(alloc.stats().num_device_frees, 1);
    check_consistent(&fake, &alloc, &[&small]);
    // The kept segment still serves requests.
    let again = alloc.allocate(10 * KIB).unwrap();
    assert_eq!(alloc.stats().num_device_mallocs, 2);
    alloc.free(again).unwrap();
    alloc.free(small).unwrap();
    alloc.empty_cache().unwrap();
    assert_eq!(fake.in_use(), 0);
    assert_eq!(fake.live_count(), 0);
    check_consistent(&fake, &alloc, &[]);
}

#[test]
fn peaks_track_highest_values_until_reset() {
    let (fake, alloc) = setup(1 << 30);
    let a = alloc.allocate(10 * MIB).unwrap();
    let b = alloc.allocate(5 * MIB).unwrap();
    alloc.free(a).unwrap();
    alloc.free(b).unwrap();
    let stats = alloc.stats();
    assert_eq!(stats.allocated_bytes, 0);
    assert_eq!(stats.peak_allocated_bytes, 15 * MIB);
    assert_eq!(stats.reserved_bytes, 30 * MIB);
    assert_eq!(stats.peak_reserved_bytes, 30 * MIB);
    alloc.empty_cache().unwrap();
    assert_eq!(alloc.stats().peak_reserved_bytes, 30 * MIB);
    alloc.reset_peak_stats();
    let stats = alloc.stats();
    assert_eq!(stats.peak_allocated_bytes, 0);
    assert_eq!(stats.peak_reserved_bytes, 0);
    assert_eq!(stats.num_device_mallocs, 2, "counters are not peaks");
    let c = alloc.allocate(MIB).unwrap();
    assert_eq!(alloc.stats().peak_allocated_bytes, MIB);
    assert_eq!(alloc.stats().peak_reserved_bytes, 2 * MIB);
    check_consistent(&fake, &alloc, &[&c]);
    alloc.free(c).unwrap();
}

#[test]
fn zero_bytes_give_the_null_block_without_device() {
    let (fake, alloc) = setup(1 << 30);
    let z = alloc.allocate(0).unwrap();
    assert!(z.is_null());
    assert_eq!((z.ptr(), z.size()), (0, 0));
    assert_eq!(alloc.stats(), Default::default());
    check_consistent(&fake, &alloc, &[&z]);
    alloc.free(z).unwrap();
    assert_eq!(alloc.stats(), Default::default());
}

#[test]
fn block_of_another_allocator_is_refused() {
    let (fake, alloc) = setup(1 << 30);
    let other = CachingAllocator::new(1, fake.clone());
    let b = other.allocate(4 * KIB).unwrap();
    let before = alloc.stats();
    let err = alloc.free(b).unwrap_err();
    assert!(matches!(err, Error::Driver { .. }), "{err}");
    assert!(err.to_string().contains("another allocator"), "{err}");
    assert_eq!(alloc.stats(), before);
}

#[test]
fn dropping_the_allocator_frees_its_free_segments() {
    let (fake, alloc) = setup(1 << 30);
    let a = alloc.allocate(4 * MIB).unwrap();
    // Never freed: its segment must survive the allocator.
    let _live = alloc.allocate(4 * KIB).unwrap();
    alloc.free(a).unwrap();
    drop(alloc);
    assert_eq!(fake.in_use(), 2 * MIB, "the live block's segment is kept");
    assert!(fake.errors().is_empty());
}
