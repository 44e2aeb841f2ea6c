//! The emulator's stand-in for cuBLAS: a plain batched matrix product on
//! the host with cuBLAS's numerics (float32 accumulation for the half
//! types, TF32-rounded inputs when `allow_tf32`).

use super::memory::HostMemory;
use crate::backend::{Gemm, Matrix};
use crate::error::{Error, Result};
use ferrotorch_core::DType;

/// Bytes an operand's elements span, for the bounds check.
fn span(x: &Matrix, batch: usize, rows: usize, cols: usize, size: usize) -> usize {
    if batch == 0 || rows == 0 || cols == 0 {
        return 0;
    }
    ((batch - 1) * x.batch_stride + (rows - 1) * x.row_stride + (cols - 1) * x.col_stride + 1)
        * size
}

/// float32 with the mantissa cut to TF32's 10 bits (round to nearest).
fn tf32(x: f32) -> f32 {
    if !x.is_finite() {
        return x;
    }
    f32::from_bits(x.to_bits().wrapping_add(0x1000) & 0xffff_e000)
}

trait Elem: Copy {
    fn load(p: *const u8, i: usize) -> f64;
    fn store(p: *mut u8, i: usize, v: f64);
}

macro_rules! elem {
    ($t:ty, $to:expr, $from:expr) => {
        impl Elem for $t {
            fn load(p: *const u8, i: usize) -> f64 {
                // SAFETY: the caller checked the operand's span.
                let v = unsafe { (p as *const $t).add(i).read_unaligned() };
                $to(v)
            }
            fn store(p: *mut u8, i: usize, v: f64) {
                // SAFETY: as above, for the output.
                unsafe { (p as *mut $t).add(i).write_unaligned($from(v)) }
            }
        }
    };
}
elem!(f32, f64::from, |v: f64| v as f32);
elem!(f64, |v| v, |v| v);
elem!(half::f16, f64::from, half::f16::from_f64);
elem!(half::bf16, f64::from, half::bf16::from_f64);

fn product<T: Elem>(g: &Gemm) {
    let (a, b, c) = (g.a.ptr as *const u8, g.b.ptr as *const u8, g.c as *mut u8);
    let wide = g.dtype == DType::F64;
    for bi in 0..g.batch {
        for i in 0..g.m {
            for j in 0..g.n {
                let mut s64 = 0.0f64;
                let mut s32 = 0.0f32;
                for k in 0..g.k {
                    let x = T::load(
                        a,
                        bi * g.a.batch_stride + i * g.a.row_stride + k * g.a.col_stride,
                    );
                    let y = T::load(
                        b,
                        bi * g.b.batch_stride + k * g.b.row_stride + j * g.b.col_stride,
                    );
                    if wide {
                        s64 += x * y;
                    } else if g.allow_tf32 {
                        s32 += tf32(x as f32) * tf32(y as f32);
                    } else {
                        s32 += x as f32 * y as f32;
                    }
                }
                let v = if wide { s64 } else { f64::from(s32) };
                T::store(c, (bi * g.m + i) * g.n + j, v);
            }
        }
    }
}

/// Runs `g` after checking every operand lies inside live allocations.
pub(super) fn run(memory: &HostMemory, g: &Gemm) -> Result<()> {
    let size = g.dtype.size();
    memory.check_range(
        g.a.ptr,
        span(&g.a, g.batch, g.m, g.k, size),
        "gemm operand a",
    )?;
    memory.check_range(
        g.b.ptr,
        span(&g.b, g.batch, g.k, g.n, size),
        "gemm operand b",
    )?;
    memory.check_range(g.c, g.batch * g.m * g.n * size, "gemm output")?;
    match g.dtype {
        DType::F32 => product::<f32>(g),
        DType::F64 => product::<f64>(g),
        DType::F16 => product::<half::f16>(g),
        DType::BF16 => product::<half::bf16>(g),
        other => {
            return Err(Error::Launch {
                kernel: "gemm".into(),
                message: format!("no matrix product for {other}"),
            })
        }
    }
    Ok(())
}
