//! Several host threads sharing one allocator: live blocks never overlap and
//! the counters add up once all threads are done.

use super::property::Rng;
use super::{check_consistent, setup, Block, KIB, MIB};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Records `block` as live in `registry` (start -> end), failing if it
/// overlaps a block another thread holds.
fn register(registry: &Mutex<BTreeMap<u64, u64>>, block: &Block) {
    let (start, end) = (block.ptr(), block.ptr() + block.size() as u64);
    let mut live = registry.lock().unwrap();
    if let Some((&s, &e)) = live.range(..end).next_back() {
        assert!(e <= start, "{start:#x}..{end:#x} overlaps {s:#x}..{e:#x}");
    }
    live.insert(start, end);
}

#[test]
fn threads_allocating_and_freeing_never_share_memory() {
    let (fake, alloc) = setup(1 << 30);
    let registry = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for thread in 0..4u64 {
            let (alloc, registry) = (&alloc, &registry);
            scope.spawn(move || {
                let mut rng = Rng::new(thread + 1);
                let mut mine: Vec<Block> = Vec::new();
                for _ in 0..400 {
                    if mine.len() < 8 && rng.below(3) != 0 {
                        let nbytes = match rng.below(3) {
                            0 => 1 + rng.below(64 * KIB),
                            1 => 1 + rng.below(2 * MIB),
                            _ => 1 + rng.below(24 * MIB),
                        };
                        let block = alloc.allocate(nbytes).unwrap();
                        register(registry, &block);
                        mine.push(block);
                    } else if !mine.is_empty() {
                        let block = mine.swap_remove(rng.below(mine.len()));
                        // Unregister first: once freed, another thread may
                        // get the same range.
                        registry.lock().unwrap().remove(&block.ptr());
                        alloc.free(block).unwrap();
                    }
                }
                for block in mine {
                    registry.lock().unwrap().remove(&block.ptr());
                    alloc.free(block).unwrap();
                }
            });
        }
    });
    check_consistent(&fake, &alloc, &[]);
    assert!(alloc.stats().peak_allocated_bytes > 0);
    alloc.empty_cache().unwrap();
    assert_eq!(fake.in_use(), 0);
}
