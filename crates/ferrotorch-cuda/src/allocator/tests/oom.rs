//! Out of device memory: the cache is released and the allocation retried
//! once; a request that still does not fit fails with PyTorch's message and
//! leaves the allocator usable.

use super::{check_consistent, setup, MIB};
use crate::error::Error;

#[test]
fn cached_segments_are_released_to_fit_a_request() {
    let (fake, alloc) = setup(40 * MIB);
    let a = alloc.allocate(15 * MIB).unwrap();
    let b = alloc.allocate(15 * MIB).unwrap();
    alloc.free(a).unwrap();
    alloc.free(b).unwrap();
    assert_eq!(fake.in_use(), 32 * MIB);
    // Fits in neither cached 16 MiB block, nor next to them on the device.
    let c = alloc.allocate(30 * MIB).unwrap();
    let stats = alloc.stats();
    assert_eq!(stats.num_alloc_retries, 1);
    assert_eq!(stats.num_ooms, 0);
    assert_eq!(stats.num_device_frees, 2);
    assert_eq!(stats.reserved_bytes, 30 * MIB);
    assert_eq!(stats.peak_reserved_bytes, 32 * MIB);
    check_consistent(&fake, &alloc, &[&c]);
    alloc.free(c).unwrap();
}

#[test]
fn request_that_never_fits_is_out_of_memory_and_allocator_recovers() {
    let (fake, alloc) = setup(40 * MIB);
    let live = alloc.allocate(3 * MIB).unwrap(); // in a 20 MiB segment
    let cached = alloc.allocate(15 * MIB).unwrap(); // a 16 MiB segment
    alloc.free(cached).unwrap();

    let err = alloc.allocate(100 * MIB - 100).unwrap_err();
    let Error::OutOfMemory {
        device,
        requested,
        free,
        total,
        allocated,
        reserved,
    } = err.clone()
    else {
        panic!("expected OutOfMemory, got {err}");
    };
    assert_eq!(device, 0);
    assert_eq!(requested, 100 * MIB, "the rounded size");
    assert_eq!(total, 40 * MIB);
    assert_eq!(free, 20 * MIB, "the cached segment was released");
    assert_eq!(allocated, 3 * MIB);
    assert_eq!(reserved, 20 * MIB);
    let message = err.to_string();
    for part in [
        "CUDA out of memory. Tried to allocate 100.00 MiB",
        "GPU 0 has a total capacity of 40.00 MiB of which 20.00 MiB is free",
        "3.00 MiB is allocated by ferrotorch",
        "17.00 MiB is reserved by ferrotorch but unallocated",
    ] {
        assert!(message.contains(part), "{part:?} not in {message:?}");
    }
    let stats = alloc.stats();
    assert_eq!(stats.num_alloc_retries, 1);
    assert_eq!(stats.num_ooms, 1);
    check_consistent(&fake, &alloc, &[&live]);

    // Still usable: from the cache, and from the device.
    let small = alloc.allocate(MIB).unwrap();
    let big = alloc.allocate(15 * MIB).unwrap();
    assert_eq!(alloc.stats().num_ooms, 1);
    check_consistent(&fake, &alloc, &[&live, &small, &big]);
    for block in [live, small, big] {
        alloc.free(block).unwrap();
    }
    alloc.empty_cache().unwrap();
    assert_eq!(fake.in_use(), 0);
    check_consistent(&fake, &alloc, &[]);
}

#[test]
fn sizes_beyond_the_address_space_are_out_of_memory_without_device() {
    let (fake, alloc) = setup(40 * MIB);
    // The last one rounds to 512 but not to a 2 MiB segment.
    for nbytes in [usize::MAX, usize::MAX - 511, usize::MAX - MIB] {
        let err = alloc.allocate(nbytes).unwrap_err();
        assert!(matches!(err, Error::OutOfMemory { .. }), "{err}");
        assert!(err.to_string().contains("Tried to allocate"), "{err}");
    }
    assert_eq!(fake.mallocs(), 0);
    assert_eq!(alloc.stats().num_ooms, 3);
    let ok = alloc.allocate(1).unwrap();
    check_consistent(&fake, &alloc, &[&ok]);
    alloc.free(ok).unwrap();
}
