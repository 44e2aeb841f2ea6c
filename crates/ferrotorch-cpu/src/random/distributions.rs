//! Uniform, normal, integer and permutation sampling with PyTorch's exact
//! draw order and arithmetic.
//!
//! Where PyTorch's kernels fuse a multiply and an add into one FMA (either
//! explicitly or because GCC contracts them in the AVX2/AVX-512 builds that
//! x86-64 machines run), the code below uses `mul_add` at the same place,
//! because the fused and the unfused forms round differently in the last
//! bit.

use half::{bf16, f16};

use super::generator::CpuGenerator;
use super::mathfun;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for half::f16 {}
    impl Sealed for half::bf16 {}
}

/// Element types that `rand`/`randn` can fill: `f32`, `f64`, [`half::f16`] and
/// [`half::bf16`].
///
/// The trait is sealed: each implementation mirrors the arithmetic PyTorch
/// performs for that dtype, which is not something a new type can supply.
pub trait RandomFloat: Copy + sealed::Sealed {
    /// PyTorch's `uniform_kernel` for this dtype.
    #[doc(hidden)]
    fn fill_uniform_impl(g: &mut CpuGenerator, out: &mut [Self], from: f64, to: f64);

    /// PyTorch's `normal_fill` for this dtype; `out.len() >= 16`.
    #[doc(hidden)]
    fn fill_normal_impl(g: &mut CpuGenerator, out: &mut [Self], mean: f64, std: f64);

    /// `static_cast<Self>(double)` as PyTorch performs it.
    #[doc(hidden)]
    fn from_f64(value: f64) -> Self;
}

/// The types PyTorch computes random floats in (its `opmath_t`): `f32` for
/// `f32`, `f16` and `bf16`, and `f64` for `f64`.
trait Opmath: Copy + PartialEq {
    /// `static_cast<Self>(double)`.
    fn from_f64(value: f64) -> Self;

    /// One `uniform_real_distribution<Self>(from, to)` draw:
    /// `(bits & mask) * 2^-digits * (to - from) + from`, where the float
    /// version takes 24 bits of a 32-bit draw and the double version 53 bits
    /// of a 64-bit draw. GCC fuses the multiply-add in PyTorch's x86 builds.
    fn uniform(g: &mut CpuGenerator, from: Self, to: Self) -> Self;

    /// `NormalFill16<Self>`: turns 16 uniforms into 16 normals in place,
    /// pairing element `j` with `j + 8`.
    fn normal_fill_16(block: &mut [Self; 16], mean: Self, std: Self);
}

impl Opmath for f64 {
    fn from_f64(value: f64) -> f64 {
        value
    }

    fn uniform(g: &mut CpuGenerator, from: f64, to: f64) -> f64 {
        const MASK: u64 = (1 << f64::MANTISSA_DIGITS) - 1;
        const SCALE: f64 = 1.0 / (1u64 << f64::MANTISSA_DIGITS) as f64;
        let x = (g.random_u64() & MASK) as f64 * SCALE;
        x.mul_add(to - from, from)
    }

    fn normal_fill_16(block: &mut [f64; 16], mean: f64, std: f64) {
        // The scalar kernel: libm log/cos/sin and an explicit std::fma.
        let (lo, hi) = block.split_at_mut(8);
        for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
            let u1 = 1.0 - *a; // [0, 1) -> (0, 1] for the log
            let radius = (-2.0 * u1.ln()).sqrt();
            let theta = 2.0 * std::f64::consts::PI * *b;
            *a = (radius * theta.cos()).mul_add(std, mean);
            *b = (radius * theta.sin()).mul_add(std, mean);
        }
    }
}

impl Opmath for f32 {
    fn from_f64(value: f64) -> f32 {
        value as f32
    }

    fn uniform(g: &mut CpuGenerator, from: f32, to: f32) -> f32 {
        const MASK: u32 = (1 << f32::MANTISSA_DIGITS) - 1;
        const SCALE: f32 = 1.0 / (1u32 << f32::MANTISSA_DIGITS) as f32;
        let x = (g.random_u32() & MASK) as f32 * SCALE;
        x.mul_add(to - from, from)
    }

    fn normal_fill_16(block: &mut [f32; 16], mean: f32, std: f32) {
        // The AVX2 kernel: polynomial log/sincos, then one FMA per output.
        let two_pi = (2.0 * std::f64::consts::PI) as f32;
        let (lo, hi) = block.split_at_mut(8);
        for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
            let u1 = 1.0 - *a;
            let radius = (-2.0 * mathfun::log_f32(u1)).sqrt();
            let (sin, cos) = mathfun::sincos_f32(two_pi * *b);
            *a = (radius * cos).mul_add(std, mean);
            *b = (radius * sin).mul_add(std, mean);
        }
    }
}

/// `uniform_kernel` for a dtype `T` computed in `O`: draw in `O`, round to
/// `T`, and map a value that rounded up to `to` back to `from` so that the
/// interval stays half-open.
fn fill_uniform_via<T, O>(
    g: &mut CpuGenerator,
    out: &mut [T],
    from: f64,
    to: f64,
    cast: impl Fn(O) -> T,
    to_dtype: impl Fn(f64) -> T,
) where
    T: Copy + PartialEq,
    O: Opmath,
{
    let (from_op, to_op) = (O::from_f64(from), O::from_f64(to));
    let (from_t, to_t) = (to_dtype(from), to_dtype(to));
    for v in out.iter_mut() {
        let value = cast(O::uniform(g, from_op, to_op));
        *v = if value == to_t { from_t } else { value };
    }
}

/// `normal_fill` for `f32`/`f64`: all uniforms are drawn into the output
/// first, then transformed 16 at a time. A length that is not a multiple of
/// 16 gets its last 16 elements drawn again and transformed again (the
/// leftover uniforms of the first pass are simply overwritten).
fn fill_normal_in_place<O: Opmath>(g: &mut CpuGenerator, out: &mut [O], mean: f64, std: f64) {
    let (mean, std) = (O::from_f64(mean), O::from_f64(std));
    let size = out.len();
    for v in out.iter_mut() {
        *v = O::uniform(g, O::from_f64(0.0), O::from_f64(1.0));
    }
    for chunk in out.chunks_exact_mut(16) {
        if let Ok(block) = <&mut [O; 16]>::try_from(chunk) {
            O::normal_fill_16(block, mean, std);
        }
    }
    if size % 16 != 0 {
        if let Some(tail) = size
            .checked_sub(16)
            .and_then(|start| <&mut [O; 16]>::try_from(&mut out[start..]).ok())
        {
            for v in tail.iter_mut() {
                *v = O::uniform(g, O::from_f64(0.0), O::from_f64(1.0));
            }
            O::normal_fill_16(tail, mean, std);
        }
    }
}

/// `normal_fill` for the 16-bit dtypes: each block of 16 is drawn and
/// transformed in an `f32` buffer and then rounded. Unlike the in-place
/// version, no uniforms are drawn for the elements that only the tail block
/// covers, so the stream advances by `16 * ceil(len / 16)` draws.
fn fill_normal_buffered<T: Copy>(
    g: &mut CpuGenerator,
    out: &mut [T],
    mean: f64,
    std: f64,
    cast: impl Fn(f32) -> T,
) {
    let (mean, std) = (mean as f32, std as f32);
    let block = |g: &mut CpuGenerator, dst: &mut [T]| {
        let mut buf = [0f32; 16];
        for v in buf.iter_mut() {
            *v = f32::uniform(g, 0.0, 1.0);
        }
        f32::normal_fill_16(&mut buf, mean, std);
        for (d, &s) in dst.iter_mut().zip(buf.iter()) {
            *d = cast(s);
        }
    };
    let size = out.len();
    for chunk in out.chunks_exact_mut(16) {
        block(g, chunk);
    }
    if size % 16 != 0 {
        if let Some(start) = size.checked_sub(16) {
            block(g, &mut out[start..]);
        }
    }
}

impl RandomFloat for f64 {
    fn fill_uniform_impl(g: &mut CpuGenerator, out: &mut [f64], from: f64, to: f64) {
        fill_uniform_via(g, out, from, to, |v: f64| v, |v| v);
    }
    fn fill_normal_impl(g: &mut CpuGenerator, out: &mut [f64], mean: f64, std: f64) {
        fill_normal_in_place(g, out, mean, std);
    }
    fn from_f64(value: f64) -> f64 {
        value
    }
}

impl RandomFloat for f32 {
    fn fill_uniform_impl(g: &mut CpuGenerator, out: &mut [f32], from: f64, to: f64) {
        fill_uniform_via(g, out, from, to, |v: f32| v, |v| v as f32);
    }
    fn fill_normal_impl(g: &mut CpuGenerator, out: &mut [f32], mean: f64, std: f64) {
        fill_normal_in_place(g, out, mean, std);
    }
    fn from_f64(value: f64) -> f32 {
        value as f32
    }
}

// c10::Half and c10::BFloat16 are built from a float, so a double is rounded
// to float first and then to 16 bits (double rounding, reproduced here).
impl RandomFloat for f16 {
    fn fill_uniform_impl(g: &mut CpuGenerator, out: &mut [f16], from: f64, to: f64) {
        fill_uniform_via(g, out, from, to, f16::from_f32, Self::from_f64);
    }
    fn fill_normal_impl(g: &mut CpuGenerator, out: &mut [f16], mean: f64, std: f64) {
        fill_normal_buffered(g, out, mean, std, f16::from_f32);
    }
    fn from_f64(value: f64) -> f16 {
        f16::from_f32(value as f32)
    }
}

impl RandomFloat for bf16 {
    fn fill_uniform_impl(g: &mut CpuGenerator, out: &mut [bf16], from: f64, to: f64) {
        fill_uniform_via(g, out, from, to, bf16::from_f32, Self::from_f64);
    }
    fn fill_normal_impl(g: &mut CpuGenerator, out: &mut [bf16], mean: f64, std: f64) {
        fill_normal_buffered(g, out, mean, std, bf16::from_f32);
    }
    fn from_f64(value: f64) -> bf16 {
        bf16::from_f32(value as f32)
    }
}

/// Fills `out`, element by element, with uniform samples from `[from, to)`
/// (`torch.rand`, `Tensor.uniform_`).
///
/// As in PyTorch, the sample is computed in `f32` (for `f32`, `f16`, `bf16`;
/// 24 random bits) or `f64` (53 random bits) with the bounds converted to
/// that type, then rounded to `T`; a value that rounds to `to` is replaced
/// by `from`.
pub fn fill_uniform<T: RandomFloat>(g: &mut CpuGenerator, out: &mut [T], from: f64, to: f64) {
    T::fill_uniform_impl(g, out, from, to);
}

/// Fills the data of a contiguous tensor with normal samples (`torch.randn`,
/// `Tensor.normal_`).
///
/// Like PyTorch, a buffer of 16 or more elements is first filled with
/// uniforms and then transformed 16 at a time; when its length is not a
/// multiple of 16, the last 16 elements are drawn again and transformed
/// again. Shorter buffers use [`fill_normal_serial`].
pub fn fill_normal<T: RandomFloat>(g: &mut CpuGenerator, out: &mut [T], mean: f64, std: f64) {
    if out.len() < 16 {
        fill_normal_serial(g, out, mean, std);
    } else {
        T::fill_normal_impl(g, out, mean, std);
    }
}

/// Fills `out` with one `normal_distribution<double>` draw per element,
/// converted to `T`: PyTorch's path for tensors with fewer than 16 elements
/// and for non-contiguous ones (the caller passes the elements in the
/// tensor's logical order).
///
/// Each fresh Box-Muller pair returns its cosine half and leaves the sine
/// half in the generator for the next element (or the next call).
pub fn fill_normal_serial<T: RandomFloat>(
    g: &mut CpuGenerator,
    out: &mut [T],
    mean: f64,
    std: f64,
) {
    for v in out.iter_mut() {
        *v = T::from_f64(normal_f64(g, mean, std));
    }
}

/// One `at::normal_distribution<double>(mean, std)` sample.
fn normal_f64(g: &mut CpuGenerator, mean: f64, std: f64) -> f64 {
    if let Some(cached) = g.take_next_double_normal() {
        return cached.mul_add(std, mean);
    }
    let u1 = f64::uniform(g, 0.0, 1.0);
    let u2 = f64::uniform(g, 0.0, 1.0);
    let radius = (-2.0 * (-u2).ln_1p()).sqrt();
    let theta = 2.0 * std::f64::consts::PI * u1;
    g.set_next_double_normal(radius * theta.sin());
    (radius * theta.cos()).mul_add(std, mean)
}

/// Fills `out` with integers uniform on `[low, high)` (`torch.randint`).
///
/// The value is `draw % (high - low) + low`. The draw is 64-bit when the
/// range is 2^28 or more (PyTorch's release builds switch there, not at 2^32,
/// to keep the modulo bias small) and 32-bit otherwise; this holds for every
/// target dtype. PyTorch rejects `high <= low`; here such a call fills `low`
/// without drawing, so it never panics.
pub fn fill_randint(g: &mut CpuGenerator, out: &mut [i64], low: i64, high: i64) {
    if high <= low {
        out.fill(low);
        return;
    }
    // `high - low` can exceed i64::MAX but always fits in u64.
    let range = high.wrapping_sub(low) as u64;
    let wide = range >= 1u64 << 28;
    for v in out.iter_mut() {
        let draw = if wide {
            g.random_u64()
        } else {
            u64::from(g.random_u32())
        };
        *v = (draw % range).wrapping_add(low as u64) as i64;
    }
}

/// Below this length PyTorch shuffles with 32-bit draws; from it on, with
/// 64-bit draws and the "inside-out" Fisher-Yates variant (`u32::MAX / 20`).
const RANDPERM_SMALL_LIMIT: usize = (u32::MAX / 20) as usize;

/// A random permutation of `0..n` (`torch.randperm`).
pub fn randperm(g: &mut CpuGenerator, n: usize) -> Vec<i64> {
    if n < RANDPERM_SMALL_LIMIT {
        let mut perm: Vec<i64> = (0..n as i64).collect();
        for i in 0..n.saturating_sub(1) {
            let z = g.random_u32() as usize % (n - i);
            perm.swap(i, i + z);
        }
        perm
    } else {
        let mut perm = vec![0i64; n];
        for i in 0..n {
            // `z <= i < n`, so the index is in bounds and fits in usize.
            let z = (g.random_u64() % (i as u64 + 1)) as usize;
            perm[i] = perm[z];
            perm[z] = i as i64;
        }
        perm
    }
}
