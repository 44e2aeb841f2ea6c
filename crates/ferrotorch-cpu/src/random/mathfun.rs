//! Single-precision `log` and `sincos` as PyTorch's AVX2 normal kernel
//! evaluates them, one lane at a time.
//!
//! That kernel does not call libm: it uses Cephes-style polynomial
//! approximations (the classic `log256_ps`/`sincos256_ps` AVX routines), and
//! GCC fuses some of their multiply/add pairs into FMAs. The results are
//! within a couple of ulps of the true values but not correctly rounded, so
//! matching `torch.randn(float32)` bit for bit needs the same polynomials,
//! the same constants and the same fused operations. Each `mul_add` below
//! sits where a multiply feeds only an addition in the vector code (the
//! pattern GCC contracts); the other products are rounded on their own.

// The coefficients are written as Cephes publishes them; each literal
// rounds to the same `f32` the C compiler gives the kernel.

/// Natural logarithm for `x` in `(0, 1]` (the argument range of the normal
/// kernel); other positive finite inputs work too.
#[allow(clippy::excessive_precision)]
pub(crate) fn log_f32(x: f32) -> f32 {
    const SQRT_HALF: f32 = std::f32::consts::FRAC_1_SQRT_2;
    const P: [f32; 9] = [
        7.0376836292E-2,
        -1.1514610310E-1,
        1.1676998740E-1,
        -1.2420140846E-1,
        1.4249322787E-1,
        -1.6668057665E-1,
        2.0000714765E-1,
        -2.4999993993E-1,
        3.3333331174E-1,
    ];
    // ln 2 split in a part with few significant bits (so `e * LN2_HI` is
    // exact) and a small correction.
    const LN2_HI: f32 = 0.693359375;
    const LN2_LO: f32 = -2.12194440e-4;

    if x.is_nan() || x <= 0.0 {
        return f32::NAN;
    }
    // Denormals are clamped to the smallest normal, as the vector code does.
    let x = x.max(f32::MIN_POSITIVE);
    let bits = x.to_bits();
    // Split x = m * 2^e with m in [0.5, 1).
    let mut e = ((bits >> 23) as i32 - 127) as f32 + 1.0;
    let mut m = f32::from_bits((bits & !0x7f80_0000) | 0x3f00_0000);
    // Move m to [sqrt(1/2), sqrt(2)) and take m - 1.
    if m < SQRT_HALF {
        e -= 1.0;
        m = (m - 1.0) + m;
    } else {
        m -= 1.0;
    }
    let z = m * m;
    let mut y = P[0];
    for &p in &P[1..] {
        y = y.mul_add(m, p);
    }
    let y = (y * m).mul_add(z, e * LN2_LO);
    let y = y - z * 0.5;
    e.mul_add(LN2_HI, m + y)
}

/// `(sin x, cos x)` for finite `x` of moderate size (the kernel passes
/// `x` in `[0, 2*pi)`).
#[allow(clippy::excessive_precision)]
pub(crate) fn sincos_f32(x: f32) -> (f32, f32) {
    const FOUR_OVER_PI: f32 = 1.27323954473516;
    // -pi/4 split into three parts for an extended-precision reduction.
    const DP1: f32 = -0.78515625;
    const DP2: f32 = -2.4187564849853515625e-4;
    const DP3: f32 = -3.77489497744594108e-8;
    const COS: [f32; 3] = [
        2.443315711809948E-5,
        -1.388731625493765E-3,
        4.166664568298827E-2,
    ];
    const SIN: [f32; 3] = [-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1];
    const SIGN: u32 = 0x8000_0000;

    let sign_in = x.to_bits() & SIGN;
    let x = x.abs();
    // Octant index, rounded up to even. The float-to-int conversion
    // truncates like `cvttps`; out-of-range inputs saturate instead of
    // giving the vector code's sentinel, which only matters far outside
    // the kernel's range.
    let j = ((x * FOUR_OVER_PI) as i32).wrapping_add(1) & !1;
    let y = j as f32;
    let sin_sign = sign_in ^ (((j & 4) as u32) << 29);
    let cos_sign = ((!(j.wrapping_sub(2)) & 4) as u32) << 29;
    let use_sin_poly = j & 2 == 0;

    let x = y.mul_add(DP1, x);
    let x = y.mul_add(DP2, x);
    let x = y.mul_add(DP3, x);
    let z = x * x;

    let c = COS[0].mul_add(z, COS[1]);
    let c = c.mul_add(z, COS[2]);
    let c = (c * z).mul_add(z, -(z * 0.5)) + 1.0;

    let s = SIN[0].mul_add(z, SIN[1]);
    let s = s.mul_add(z, SIN[2]);
    let s = (s * z).mul_add(x, x);

    let (sin, cos) = if use_sin_poly { (s, c) } else { (c, s) };
    (
        f32::from_bits(sin.to_bits() ^ sin_sign),
        f32::from_bits(cos.to_bits() ^ cos_sign),
    )
}
