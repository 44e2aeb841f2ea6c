//! PyTorch-compatible CPU random numbers.
//!
//! A [`CpuGenerator`] seeded like PyTorch's CPU generator produces the same
//! numbers: `CpuGenerator::new(0)` followed by [`fill_uniform`] reproduces
//! `torch.manual_seed(0); torch.rand(n)`, and likewise [`fill_normal`] for
//! `randn`/`normal_`, [`fill_randint`] for `randint` and [`randperm`] for
//! `randperm`. The state serializes to the same 5056-byte blob as
//! `torch.get_rng_state()`, so states move between the two in both
//! directions.
//!
//! # Exactness
//!
//! The behaviour follows PyTorch 2.15 as it runs on x86-64 (its AVX2 and
//! AVX-512 kernels agree bit for bit) and was checked against it for every
//! dtype, bit for bit, on hundreds of thousands of samples. Three details
//! decide the last bits:
//!
//! * PyTorch's x86 builds contract `a * b + c` into a fused multiply-add in
//!   the uniform transform and in the normal sampler's `mean + std * z`; the
//!   code fuses them in the same places.
//! * float32 `randn` on 16 or more contiguous elements (and float16/bfloat16
//!   `randn`, which is computed in float32) uses PyTorch's vectorized
//!   Cephes-style `log`/`sincos`, not libm; `mathfun` re-implements those
//!   polynomials with the same fused operations, so float32 is exact too,
//!   not merely within an ulp.
//! * float64 normals use the platform's libm (`ln`, `ln_1p`, `sin`, `cos`),
//!   as PyTorch does. On glibc the results match; another libm could differ
//!   in the last bit for rare inputs.
//!
//! PyTorch builds for CPUs without AVX2 (and for other architectures) use a
//! scalar float32 normal kernel with libm instead, so their float32 `randn`
//! differs from the numbers here in the last bits.
//!
//! The module depends on `std` and `half` only.

mod distributions;
mod engine;
mod generator;
mod mathfun;

#[cfg(test)]
mod tests;

pub use distributions::{
    fill_normal, fill_normal_serial, fill_randint, fill_uniform, randperm, RandomFloat,
};
pub use engine::Mt19937;
pub use generator::{default_generator, CpuGenerator, STATE_SIZE};
