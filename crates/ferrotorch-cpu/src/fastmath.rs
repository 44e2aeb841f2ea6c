//! Branch-free float32 `exp` that the compiler can vectorize (libm's `expf`
//! is a scalar call per element). Range reduction `x = n ln2 + r` with `ln2`
//! split in two for exactness, a degree-6 minimax polynomial for `e^r` on
//! `|r| <= ln2/2`, and the scale `2^n` applied in two halves so that
//! subnormal results round correctly. Accurate to about 1 ulp.

const LOG2E: f32 = std::f32::consts::LOG2_E;
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;

/// `e^x` for f32 (NaN in, NaN out; overflow to +inf; underflow through subnormals to 0).
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    // Plain multiplies and adds (no `mul_add`, no `round`): on the x86-64
    // baseline those are library calls, which would stop vectorization.
    const ROUND_MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23: adding it rounds to an integer
    let xc = x.clamp(-104.0, 88.8);
    let shifted = xc * LOG2E + ROUND_MAGIC;
    let n = shifted - ROUND_MAGIC;
    let r = xc - n * LN2_HI - n * LN2_LO;
    let z = r * r;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5e-1;
    let y = p * z + r + 1.0;
    // `n` as an integer, read from the low mantissa bits of `shifted` (a float
    // to int conversion would not vectorize as well: `as` saturates).
    let ni = shifted.to_bits() as i32 - ROUND_MAGIC.to_bits() as i32;
    let n1 = ni >> 1;
    let n2 = ni - n1;
    let s1 = f32::from_bits(((n1 + 127) as u32) << 23);
    let s2 = f32::from_bits(((n2 + 127) as u32) << 23);
    let out = y * s1 * s2;
    if x.is_nan() {
        x
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_within_two_ulp_of_libm() {
        let mut x = -103.5f32;
        while x < 88.7 {
            let want = (x as f64).exp();
            let got = exp_f32(x) as f64;
            let ulp = f32::EPSILON as f64 * want.abs().max(f32::MIN_POSITIVE as f64);
            assert!(
                (got - want).abs() <= 2.0 * ulp,
                "x={x} got={got} want={want}"
            );
            x += 0.0137;
        }
        assert_eq!(exp_f32(0.0), 1.0);
        assert!(exp_f32(100.0).is_infinite());
        assert_eq!(exp_f32(-200.0), 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
    }
}
