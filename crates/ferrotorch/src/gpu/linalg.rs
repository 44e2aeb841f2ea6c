//! Batched matrix products of CUDA tensors: cuBLAS for floating dtypes
//! (through the backend's `gemm`), a plain kernel for integers and bool.

use super::{count, device_of, empty};
use crate::{DType, Result, Tensor};
use ferrotorch_cuda::kernels::linalg as k;
use ferrotorch_cuda::{Gemm, Matrix};
use std::sync::atomic::{AtomicBool, Ordering};

/// `ferrotorch.backends.cuda.matmul.allow_tf32` (PyTorch's default: off).
static ALLOW_TF32: AtomicBool = AtomicBool::new(false);

/// Whether float32 products may use TF32 tensor cores.
pub fn allow_tf32() -> bool {
    ALLOW_TF32.load(Ordering::Relaxed)
}

pub fn set_allow_tf32(on: bool) {
    ALLOW_TF32.store(on, Ordering::Relaxed)
}

/// The operand as cuBLAS can read it: a copy when neither the row nor the
/// column stride of its matrices is 1.
fn blas_operand(t: &Tensor) -> (Tensor, Matrix) {
    let l = t.layout();
    let (rows, cols) = (l.shape[1], l.shape[2]);
    let ok = l.strides[2] == 1 || l.strides[1] == 1 || rows == 1 || cols == 1;
    let t = if ok { t.clone() } else { t.contiguous() };
    let l = t.layout();
    let m = Matrix {
        ptr: super::buffer(&t).ptr() + (l.offset * t.dtype().size()) as u64,
        row_stride: l.strides[1],
        col_stride: l.strides[2],
        batch_stride: if l.shape[0] == 1 { 0 } else { l.strides[0] },
    };
    (t, m)
}

/// `[B, M, K] @ [B, K, N]` (same dtype and device; batch dims may be
/// broadcast with stride 0).
pub(crate) fn bmm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let dev = device_of(a)?;
    let dt = a.dtype();
    let (batch, m, kk, n) = (a.shape()[0], a.shape()[1], a.shape()[2], b.shape()[2]);
    let out = empty(&dev, &[batch, m, n], dt)?;
    if dt.is_float() {
        let (_a, ma) = blas_operand(a);
        let (_b, mb) = blas_operand(b);
        dev.gemm(&Gemm {
            dtype: dt,
            batch,
            m,
            n,
            k: kk,
            a: ma,
            b: mb,
            c: super::buffer(&out).ptr(),
            allow_tf32: allow_tf32() && dt == DType::F32,
        })?;
        return Ok(out);
    }
    let module = dev.module("linalg", k::linalg_module)?;
    dev.launch_elementwise(
        &module,
        &k::matmul_kernel(dt),
        batch * m * n,
        &[
            count(batch),
            count(m),
            count(n),
            count(kk),
            super::first(a),
            count(a.strides()[0]),
            count(a.strides()[1]),
            count(a.strides()[2]),
            super::first(b),
            count(b.strides()[0]),
            count(b.strides()[1]),
            count(b.strides()[2]),
            super::first(&out),
        ],
    )?;
    Ok(out)
}
