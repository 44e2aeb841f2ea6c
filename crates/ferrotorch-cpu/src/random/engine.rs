//! The MT19937 engine, laid out like PyTorch's `at::mt19937`.
//!
//! The algorithm is the standard 32-bit Mersenne Twister. What is specific to
//! PyTorch is the bookkeeping around it (`left`, `next`, `seeded` and the
//! 64-bit seed it remembers): those fields are part of the state blob that
//! `torch.get_rng_state()` exposes, so they are kept here with the same meaning
//! and the same update order, which lets a state move between PyTorch and this
//! engine without losing or repeating a draw.

use std::fmt;

/// Number of 32-bit words in the MT19937 state.
pub(crate) const STATE_WORDS: usize = 624;
/// Offset of the word that is mixed in during the twist.
const SHIFT: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;
/// Multiplier of the standard MT19937 seeding recurrence.
const INIT_MULTIPLIER: u32 = 1_812_433_253;

/// The 32-bit Mersenne Twister with PyTorch's bookkeeping.
///
/// `left` counts down to the next twist and `next` indexes the word to be
/// tempered next. A freshly seeded engine has `left == 1, next == 0`, so the
/// very first draw twists the seeded table before reading from it, exactly as
/// PyTorch does.
#[derive(Clone, PartialEq, Eq)]
pub struct Mt19937 {
    seed: u64,
    left: i32,
    seeded: bool,
    next: u32,
    state: [u32; STATE_WORDS],
}

impl Mt19937 {
    /// Creates an engine seeded with `seed`.
    ///
    /// Only the low 32 bits feed the state table (as in PyTorch), but the
    /// full 64-bit value is remembered and reported by [`Mt19937::seed`].
    pub fn new(seed: u64) -> Self {
        let mut state = [0u32; STATE_WORDS];
        // Truncation is intended: PyTorch keeps `seed & 0xffffffff`.
        state[0] = seed as u32;
        for i in 1..STATE_WORDS {
            let prev = state[i - 1];
            state[i] = INIT_MULTIPLIER
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 {
            seed,
            left: 1,
            seeded: true,
            next: 0,
            state,
        }
    }

    /// The seed this engine was created with (all 64 bits).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Draws the next tempered 32-bit value.
    pub fn next_u32(&mut self) -> u32 {
        self.left -= 1;
        // A valid state always reaches `left == 0` exactly when `next` runs
        // off the table. The `next` test only matters for a hand-made state
        // that PyTorch would read out of bounds; twisting keeps us in bounds
        // instead of panicking.
        if self.left <= 0 || self.next as usize >= STATE_WORDS {
            self.twist();
        }
        let mut y = self.state[self.next as usize];
        self.next += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Regenerates the whole table and resets the counters.
    fn twist(&mut self) {
        self.left = STATE_WORDS as i32;
        self.next = 0;
        for i in 0..STATE_WORDS {
            let upper = self.state[i];
            let lower = self.state[(i + 1) % STATE_WORDS];
            let mixed = (upper & UPPER_MASK) | (lower & LOWER_MASK);
            // The low bit of `mixed` is the low bit of `lower`.
            let mag = if lower & 1 == 1 { MATRIX_A } else { 0 };
            self.state[i] = self.state[(i + SHIFT) % STATE_WORDS] ^ (mixed >> 1) ^ mag;
        }
    }

    /// The raw fields, in the order PyTorch's `mt19937_data_pod` holds them:
    /// `(seed, left, seeded, next, state)`.
    pub(crate) fn raw_parts(&self) -> (u64, i32, bool, u32, &[u32; STATE_WORDS]) {
        (self.seed, self.left, self.seeded, self.next, &self.state)
    }

    /// Rebuilds an engine from raw fields, applying PyTorch's validity rule
    /// (`seeded`, `0 < left <= 624`, `next <= 624`).
    pub(crate) fn from_raw_parts(
        seed: u64,
        left: i32,
        seeded: bool,
        next: u32,
        state: [u32; STATE_WORDS],
    ) -> Option<Self> {
        let valid =
            seeded && left > 0 && left as usize <= STATE_WORDS && next as usize <= STATE_WORDS;
        valid.then_some(Mt19937 {
            seed,
            left,
            seeded,
            next,
            state,
        })
    }
}

impl fmt::Debug for Mt19937 {
    // The 624-word table is noise in debug output; the counters identify
    // the position in the stream well enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mt19937")
            .field("seed", &self.seed)
            .field("left", &self.left)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}
