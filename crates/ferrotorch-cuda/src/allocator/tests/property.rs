//! Randomised alloc/free/empty_cache sequences, with the consistency checks
//! after every step, on a device small enough that some requests run out of
//! memory. Deterministic: a fixed-seed xorshift generator.

use super::{check_consistent, setup, Block, KIB, MIB};
use crate::error::Error;

/// xorshift64*: enough randomness for tests, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Spread small seeds; the state must never be 0.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A request size: mostly small, sometimes large, occasionally 0 or huge.
fn random_size(rng: &mut Rng) -> usize {
    match rng.below(20) {
        0 => 0,
        1 => 1 + rng.below(100 * MIB),
        2..=9 => 1 + rng.below(64 * KIB),
        10..=13 => 1 + rng.below(MIB),
        14..=17 => 1 + rng.below(10 * MIB),
        _ => 10 * MIB + rng.below(30 * MIB),
    }
}

#[test]
fn random_sequences_keep_the_invariants() {
    let (mut ooms, mut retries_that_fit) = (0, 0);
    for seed in 1..=8 {
        let (fake, alloc) = setup(160 * MIB);
        let mut rng = Rng::new(seed);
        let mut live: Vec<Block> = Vec::new();
        for step in 0..2000 {
            match rng.below(20) {
                0..=9 => match alloc.allocate(random_size(&mut rng)) {
                    Ok(block) => live.push(block),
                    Err(err @ Error::OutOfMemory { .. }) => {
                        assert!(err.to_string().contains("Tried to allocate"));
                    }
                    Err(err) => panic!("seed {seed} step {step}: {err}"),
                },
                10..=18 if !live.is_empty() => {
                    let block = live.swap_remove(rng.below(live.len()));
                    alloc.free(block).unwrap();
                }
                19 => alloc.empty_cache().unwrap(),
                _ => {}
            }
            let refs: Vec<&Block> = live.iter().collect();
            check_consistent(&fake, &alloc, &refs);
        }
        for block in live {
            alloc.free(block).unwrap();
        }
        alloc.empty_cache().unwrap();
        assert_eq!(fake.in_use(), 0, "seed {seed}");
        // Every OOM here went through the retry (no size overflows).
        let stats = alloc.stats();
        assert!(stats.num_alloc_retries >= stats.num_ooms, "seed {seed}");
        ooms += stats.num_ooms;
        retries_that_fit += stats.num_alloc_retries - stats.num_ooms;
    }
    // Make sure the sequences reach both outcomes of a full device.
    assert!(ooms > 0, "the device was never full");
    assert!(retries_that_fit > 0, "releasing the cache never helped");
}
