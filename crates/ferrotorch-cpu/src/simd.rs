//! Run-time choice of vector width. Hot loops are written once as plain Rust
//! that the compiler can vectorize; [`vectorized`] runs such a loop in a copy
//! compiled for AVX-512 or AVX2+FMA when the CPU has them, so one portable
//! binary (the abi3 wheel targets baseline x86-64) still uses wide vectors.

/// The widest vector extension the running CPU has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SimdLevel {
    Baseline,
    Avx2,
    Avx512,
}

/// Detected once per process.
#[cfg(target_arch = "x86_64")]
pub fn simd_level() -> SimdLevel {
    use std::sync::OnceLock;
    static LEVEL: OnceLock<SimdLevel> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
        let avx512 = is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512dq");
        match (avx2, avx512) {
            (true, true) => SimdLevel::Avx512,
            (true, false) => SimdLevel::Avx2,
            _ => SimdLevel::Baseline,
        }
    })
}

#[cfg(not(target_arch = "x86_64"))]
pub fn simd_level() -> SimdLevel {
    SimdLevel::Baseline
}

/// Runs `f` compiled for the widest vector extension available. `f` should be
/// a closure over a plain loop, marked `#[inline(always)]` (the compiler may
/// otherwise keep it out of line, compiled for the baseline only): it is then
/// inlined into each copy below and vectorized there.
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        match simd_level() {
            // SAFETY: the CPU supports the features each copy was compiled for.
            SimdLevel::Avx512 => return unsafe { run_avx512(f) },
            SimdLevel::Avx2 => return unsafe { run_avx2(f) },
            SimdLevel::Baseline => {}
        }
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
unsafe fn run_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectorized_runs_the_closure_once_on_every_level() {
        let xs: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let mut calls = 0;
        let s = vectorized(
            #[inline(always)]
            || {
                calls += 1;
                xs.iter().map(|x| x * 2.0).sum::<f32>()
            },
        );
        assert_eq!(calls, 1);
        assert_eq!(s, 999_000.0);
        // Stable across calls (detected once).
        assert_eq!(simd_level(), simd_level());
    }
}
