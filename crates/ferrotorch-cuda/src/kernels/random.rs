//! Random tensors on the device: uniform, normal and integer draws from
//! Philox4x32-10 (the same function as [`crate::philox`], which tests check
//! it against). Element `i` reads counter `(i, offset)` under key `seed`.

use super::dtypes::{ctype, suffix, FLOATS, NUMERIC};
use super::KernelSource;
use ferrotorch_core::DType;
use std::fmt::Write;

/// Kernel name of `kind` ("uniform", "normal" or "randint") for `dt`.
pub fn random_kernel(kind: &str, dt: DType) -> String {
    format!("{kind}_{}", suffix(dt))
}

const TEMPLATES: &str = r#"
struct FtWords { unsigned int w[4]; };
__device__ __forceinline__ FtWords ft_philox(unsigned long long seed, unsigned long long offset, unsigned long long i) {
    unsigned int c0 = (unsigned int)i, c1 = (unsigned int)(i >> 32), c2 = (unsigned int)offset, c3 = (unsigned int)(offset >> 32);
    unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        if (r > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        const unsigned long long p0 = 0xD2511F53ull * c0, p1 = 0xCD9E8D57ull * c2;
        const unsigned int hi0 = (unsigned int)(p0 >> 32), lo0 = (unsigned int)p0;
        const unsigned int hi1 = (unsigned int)(p1 >> 32), lo1 = (unsigned int)p1;
        c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
    }
    FtWords r; r.w[0] = c0; r.w[1] = c1; r.w[2] = c2; r.w[3] = c3;
    return r;
}
// [0, 1) with as many bits as the type holds exactly, so rounding to the
// element type never gives 1.
template <typename T> struct FtUniform {
    static __device__ __forceinline__ T run(const FtWords& x) { return FtCast<T, float>::run((x.w[0] >> 8) * (1.0f / 16777216.0f)); }
};
template <> struct FtUniform<double> {
    static __device__ __forceinline__ double run(const FtWords& x) {
        const unsigned long long b = ((unsigned long long)x.w[0] << 21) ^ (x.w[1] >> 11);
        return (double)(b & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
    }
};
template <> struct FtUniform<ft_half> {
    static __device__ __forceinline__ ft_half run(const FtWords& x) { return ft_float_to_half((x.w[0] >> 21) * (1.0f / 2048.0f)); }
};
template <> struct FtUniform<ft_bf16> {
    static __device__ __forceinline__ ft_bf16 run(const FtWords& x) { return ft_float_to_bf16((x.w[0] >> 24) * (1.0f / 256.0f)); }
};
// Box-Muller on two uniforms, the first in (0, 1] so the log is finite.
template <typename T> struct FtNormal {
    static __device__ __forceinline__ T run(const FtWords& x) {
        const float u1 = ((x.w[0] >> 8) + 1) * (1.0f / 16777216.0f);
        const float u2 = (x.w[1] >> 8) * (1.0f / 16777216.0f);
        return FtCast<T, float>::run(sqrtf(-2.0f * logf(u1)) * cosf(6.2831853071795864f * u2));
    }
};
template <> struct FtNormal<double> {
    static __device__ __forceinline__ double run(const FtWords& x) {
        const unsigned long long a = (((unsigned long long)x.w[0] << 32) | x.w[1]) >> 11;
        const unsigned long long b = (((unsigned long long)x.w[2] << 32) | x.w[3]) >> 11;
        const double u1 = (double)(a + 1) * (1.0 / 9007199254740992.0);
        const double u2 = (double)b * (1.0 / 9007199254740992.0);
        return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
    }
};
"#;

/// Uniform and normal draws for the floating dtypes, integer draws in
/// `[low, low + range)` for the numeric ones.
pub fn random_module() -> KernelSource {
    let mut s = super::prelude::prelude();
    s.push_str(TEMPLATES);
    for dt in FLOATS {
        let t = ctype(dt);
        for (kind, functor) in [("uniform", "FtUniform"), ("normal", "FtNormal")] {
            let _ = writeln!(
                s,
                "extern \"C\" __global__ void {}(long long n, unsigned long long seed, unsigned long long offset, {t}* out) {{ FT_FOR_EACH(i, n) out[i] = {functor}<{t}>::run(ft_philox(seed, offset, (unsigned long long)i)); }}",
                random_kernel(kind, dt)
            );
        }
    }
    for dt in NUMERIC {
        let t = ctype(dt);
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long n, unsigned long long seed, unsigned long long offset, long long low, unsigned long long range, {t}* out) {{ FT_FOR_EACH(i, n) {{ FtWords x = ft_philox(seed, offset, (unsigned long long)i); const unsigned long long v = (((unsigned long long)x.w[0] << 32) | x.w[1]) % range; out[i] = FtCast<{t}, long long>::run(low + (long long)v); }} }}",
            random_kernel("randint", dt)
        );
    }
    KernelSource::new("random".into(), s)
}
