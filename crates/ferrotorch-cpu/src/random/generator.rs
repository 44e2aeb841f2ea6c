//! The CPU generator: an [`Mt19937`] plus the cached normal samples, and
//! the byte layout PyTorch uses for `torch.get_rng_state()`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use super::engine::{Mt19937, STATE_WORDS};

/// A random number generator that matches PyTorch's `CPUGeneratorImpl`.
///
/// Besides the engine it holds the second value of the last Box-Muller pair
/// drawn by the per-element normal sampler, which PyTorch hands out on the
/// next call instead of drawing again.
#[derive(Clone, Debug, PartialEq)]
pub struct CpuGenerator {
    engine: Mt19937,
    /// Cached sample of `normal_distribution<double>`.
    next_double_normal: Option<f64>,
    /// Cached sample of `normal_distribution<float>`. PyTorch's CPU kernels
    /// never fill it today, but it is part of the state blob, so it is kept
    /// to make `get_state`/`set_state` lossless.
    next_float_normal: Option<f32>,
}

// Byte offsets of PyTorch's `CPUGeneratorImplState` (x86-64/aarch64 C layout):
//
//   struct CPUGeneratorImplStateLegacy {      // 5048 bytes
//     uint64_t the_initial_seed;               //    0
//     int left;                                //    8
//     int seeded;                              //   12
//     uint64_t next;                           //   16
//     uint64_t state[624];                     //   24
//     double normal_x, normal_y, normal_rho;   // 5016, 5024, 5032
//     int normal_is_valid;                     // 5040 (+4 padding)
//   };
//   struct CPUGeneratorImplState {             // 5056 bytes
//     CPUGeneratorImplStateLegacy legacy_pod;  //    0
//     float next_float_normal_sample;          // 5048
//     bool is_next_float_normal_sample_valid;  // 5052 (+3 padding)
//   };
const OFF_SEED: usize = 0;
const OFF_LEFT: usize = 8;
const OFF_SEEDED: usize = 12;
const OFF_NEXT: usize = 16;
const OFF_STATE: usize = 24;
/// `normal_x`; `normal_y` and `normal_rho` follow.
const OFF_NORMAL_X: usize = OFF_STATE + 8 * STATE_WORDS;
const OFF_NORMAL_Y: usize = OFF_NORMAL_X + 8;
const OFF_NORMAL_VALID: usize = OFF_NORMAL_X + 24;
/// `sizeof(CPUGeneratorImplStateLegacy)`, where the float fields start.
const OFF_FLOAT_NORMAL: usize = 5048;
const OFF_FLOAT_NORMAL_VALID: usize = OFF_FLOAT_NORMAL + 4;

/// Size of the blob returned by `get_state` (`sizeof(CPUGeneratorImplState)`).
pub const STATE_SIZE: usize = 5056;

impl CpuGenerator {
    /// PyTorch's `default_rng_seed_val`, the seed of a new
    /// `torch.Generator()`.
    pub const DEFAULT_SEED: u64 = 67_280_421_310_721;

    /// Creates a generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        CpuGenerator {
            engine: Mt19937::new(seed),
            next_double_normal: None,
            next_float_normal: None,
        }
    }

    /// Re-seeds the generator, like `torch.manual_seed`. This also drops the
    /// cached normal samples, so the stream after it depends on `seed` only.
    pub fn manual_seed(&mut self, seed: u64) {
        *self = CpuGenerator::new(seed);
    }

    /// The seed last passed to [`CpuGenerator::new`], [`manual_seed`] or
    /// chosen by [`seed`] (`torch.initial_seed()`).
    ///
    /// [`manual_seed`]: CpuGenerator::manual_seed
    /// [`seed`]: CpuGenerator::seed
    pub fn initial_seed(&self) -> u64 {
        self.engine.seed()
    }

    /// Re-seeds from a non-deterministic source and returns the new seed
    /// (`torch.seed()`).
    pub fn seed(&mut self) -> u64 {
        let seed = nondeterministic_seed();
        self.manual_seed(seed);
        seed
    }

    /// One 32-bit draw (`CPUGeneratorImpl::random`).
    pub fn random_u32(&mut self) -> u32 {
        self.engine.next_u32()
    }

    /// One 64-bit draw made of two 32-bit draws, the first one being the
    /// high word (`CPUGeneratorImpl::random64`).
    pub fn random_u64(&mut self) -> u64 {
        let hi = u64::from(self.engine.next_u32());
        let lo = u64::from(self.engine.next_u32());
        (hi << 32) | lo
    }

    /// Takes the cached `normal_distribution<double>` sample, if any.
    pub(crate) fn take_next_double_normal(&mut self) -> Option<f64> {
        self.next_double_normal.take()
    }

    /// Caches the second sample of a `normal_distribution<double>` pair.
    pub(crate) fn set_next_double_normal(&mut self, value: f64) {
        self.next_double_normal = Some(value);
    }

    /// Serializes the generator in PyTorch's `CPUGeneratorImplState` layout
    /// (5056 bytes, native byte order, padding zeroed), so the bytes can be
    /// given to `torch.set_rng_state` and vice versa.
    pub fn get_state(&self) -> Vec<u8> {
        let mut out = vec![0u8; STATE_SIZE];
        let (seed, left, seeded, next, state) = self.engine.raw_parts();
        put(&mut out, OFF_SEED, &seed.to_ne_bytes());
        put(&mut out, OFF_LEFT, &left.to_ne_bytes());
        put(&mut out, OFF_SEEDED, &i32::from(seeded).to_ne_bytes());
        put(&mut out, OFF_NEXT, &u64::from(next).to_ne_bytes());
        for (i, &word) in state.iter().enumerate() {
            put(&mut out, OFF_STATE + 8 * i, &u64::from(word).to_ne_bytes());
        }
        // PyTorch stores the cached double sample itself in `normal_y` and
        // zeroes `normal_x`/`normal_rho`, which only the legacy format used.
        if let Some(sample) = self.next_double_normal {
            put(&mut out, OFF_NORMAL_Y, &sample.to_ne_bytes());
            put(&mut out, OFF_NORMAL_VALID, &1i32.to_ne_bytes());
        }
        if let Some(sample) = self.next_float_normal {
            put(&mut out, OFF_FLOAT_NORMAL, &sample.to_ne_bytes());
            out[OFF_FLOAT_NORMAL_VALID] = 1;
        }
        out
    }

    /// Restores a state produced by [`get_state`](CpuGenerator::get_state)
    /// or by `torch.get_rng_state()`.
    ///
    /// Like PyTorch 2.15, only the 5056-byte layout is accepted (older
    /// releases also took the 5048-byte legacy one), and the engine fields
    /// must be valid: `seeded != 0`, `0 < left <= 624`, `next <= 624`. On
    /// error the generator is left unchanged.
    pub fn set_state(&mut self, state: &[u8]) -> Result<(), String> {
        if state.len() != STATE_SIZE {
            return Err(format!(
                "Expected a CPUGeneratorImplState of size {STATE_SIZE} but found the input RNG \
                 state size to be {}",
                state.len()
            ));
        }

        let mut words = [0u32; STATE_WORDS];
        for (i, word) in words.iter_mut().enumerate() {
            // PyTorch copies the 64-bit slots into 32-bit words, keeping the
            // low half.
            *word = read_u64(state, OFF_STATE + 8 * i) as u32;
        }
        let engine = Mt19937::from_raw_parts(
            read_u64(state, OFF_SEED),
            read_i32(state, OFF_LEFT),
            read_i32(state, OFF_SEEDED) != 0,
            // PyTorch narrows `next` to 32 bits before validating it.
            read_u64(state, OFF_NEXT) as u32,
            words,
        )
        .ok_or_else(|| "Invalid mt19937 state".to_string())?;

        // `normal_x` and `normal_rho` are ignored: PyTorch keeps the cached
        // sample itself in `normal_y`.
        let next_double_normal =
            (read_i32(state, OFF_NORMAL_VALID) != 0).then(|| read_f64(state, OFF_NORMAL_Y));
        let next_float_normal =
            (state[OFF_FLOAT_NORMAL_VALID] != 0).then(|| read_f32(state, OFF_FLOAT_NORMAL));

        self.engine = engine;
        self.next_double_normal = next_double_normal;
        self.next_float_normal = next_float_normal;
        Ok(())
    }
}

impl Default for CpuGenerator {
    /// A generator in the state of PyTorch's default generator at start-up.
    fn default() -> Self {
        CpuGenerator::new(CpuGenerator::DEFAULT_SEED)
    }
}

/// The process-wide generator behind `torch.manual_seed`, `torch.rand`, ...
///
/// Like PyTorch's global CPU generator it is seeded from OS entropy when first
/// used, so unseeded programs differ from run to run (`initial_seed()` tells
/// the seed); a fresh `CpuGenerator::default()` uses [`CpuGenerator::DEFAULT_SEED`].
pub fn default_generator() -> &'static Mutex<CpuGenerator> {
    static GENERATOR: OnceLock<Mutex<CpuGenerator>> = OnceLock::new();
    GENERATOR.get_or_init(|| {
        let mut g = CpuGenerator::default();
        g.seed();
        Mutex::new(g)
    })
}

/// A seed that differs between calls and between processes.
///
/// `RandomState` carries per-process OS randomness; the wall clock and a
/// counter make successive calls in one process differ as well.
fn nondeterministic_seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    hasher.write_u128(nanos);
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

fn put(out: &mut [u8], offset: usize, bytes: &[u8]) {
    out[offset..offset + bytes.len()].copy_from_slice(bytes);
}

/// Reads `N` bytes at `offset`. Callers only pass offsets inside a blob
/// whose length was checked, so the zero fallback is never taken; it just
/// keeps this path free of panics.
fn read_bytes<const N: usize>(state: &[u8], offset: usize) -> [u8; N] {
    state
        .get(offset..offset + N)
        .and_then(|s| s.try_into().ok())
        .unwrap_or([0; N])
}

fn read_u64(state: &[u8], offset: usize) -> u64 {
    u64::from_ne_bytes(read_bytes(state, offset))
}

fn read_i32(state: &[u8], offset: usize) -> i32 {
    i32::from_ne_bytes(read_bytes(state, offset))
}

fn read_f64(state: &[u8], offset: usize) -> f64 {
    f64::from_ne_bytes(read_bytes(state, offset))
}

fn read_f32(state: &[u8], offset: usize) -> f32 {
    f32::from_ne_bytes(read_bytes(state, offset))
}
