//! Matrix products through cuBLAS for the GPU backend.
//!
//! cuBLAS is column-major; a row-major `C = A @ B` is the column-major
//! `C^T = B^T @ A^T`, so B goes first and each operand's transpose flag
//! comes from which of its strides is the unit one.

use crate::backend::{Gemm, Matrix};
use crate::error::{Error, Result};
use crate::guard::guarded;
use crate::libs::CudaLib;
use cudarc::cublas::result as blas;
use cudarc::cublas::sys::{
    cublasComputeType_t, cublasGemmAlgo_t, cublasHandle_t, cublasOperation_t, cudaDataType,
};
use ferrotorch_core::DType;
use std::ffi::c_void;

/// One cuBLAS handle (made in the device's context, on the legacy stream).
pub(crate) struct Handle(cublasHandle_t);

// SAFETY: cuBLAS handles may be used from any thread, one call at a time;
// the owner serialises calls behind a mutex.
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Handle {
    /// A handle for the context current on this thread.
    pub(crate) fn new() -> Result<Handle> {
        if !CudaLib::Cublas.is_present() {
            return Err(Error::Driver {
                call: "cublasCreate",
                message: "libcublas.so.13 was not found: install the `nvidia-cublas` package (CUDA 13) or the CUDA toolkit".into(),
            });
        }
        let h = guarded("cublasCreate", blas::create_handle)?.map_err(|e| Error::Driver {
            call: "cublasCreate",
            message: format!("{e:?}"),
        })?;
        Ok(Handle(h))
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: created by `create_handle`, dropped once.
        let _ = unsafe { blas::destroy_handle(self.0) };
    }
}

/// The column-major form of an operand whose transpose is wanted (rows x
/// cols as given): (op, leading dimension).
fn transposed_operand(x: &Matrix, rows: usize, cols: usize) -> Result<(cublasOperation_t, i32)> {
    let ld = |s: usize, min: usize| i32::try_from(s.max(min).max(1)).map_err(|_| too_big());
    if x.col_stride == 1 || cols == 1 {
        // Memory read column-major with ld = row_stride is X^T already.
        Ok((cublasOperation_t::CUBLAS_OP_N, ld(x.row_stride, cols)?))
    } else if x.row_stride == 1 || rows == 1 {
        Ok((cublasOperation_t::CUBLAS_OP_T, ld(x.col_stride, rows)?))
    } else {
        Err(Error::Launch {
            kernel: "cublasGemmStridedBatchedEx".into(),
            message: format!(
                "operand with strides ({}, {}) has no unit stride",
                x.row_stride, x.col_stride
            ),
        })
    }
}

fn too_big() -> Error {
    Error::Launch {
        kernel: "cublasGemmStridedBatchedEx".into(),
        message: "matrix dimension beyond cuBLAS's 32-bit limit".into(),
    }
}

/// Queues `g` on the handle's stream.
pub(crate) fn gemm(h: &Handle, g: &Gemm) -> Result<()> {
    let (data, compute) = match g.dtype {
        DType::F32 if g.allow_tf32 => (
            cudaDataType::CUDA_R_32F,
            cublasComputeType_t::CUBLAS_COMPUTE_32F_FAST_TF32,
        ),
        DType::F32 => (
            cudaDataType::CUDA_R_32F,
            cublasComputeType_t::CUBLAS_COMPUTE_32F,
        ),
        DType::F64 => (
            cudaDataType::CUDA_R_64F,
            cublasComputeType_t::CUBLAS_COMPUTE_64F,
        ),
        DType::F16 => (
            cudaDataType::CUDA_R_16F,
            cublasComputeType_t::CUBLAS_COMPUTE_32F,
        ),
        DType::BF16 => (
            cudaDataType::CUDA_R_16BF,
            cublasComputeType_t::CUBLAS_COMPUTE_32F,
        ),
        other => {
            return Err(Error::Launch {
                kernel: "cublasGemmStridedBatchedEx".into(),
                message: format!("no cuBLAS product for {other}"),
            })
        }
    };
    let (op_b, ldb) = transposed_operand(&g.b, g.k, g.n)?;
    let (op_a, lda) = transposed_operand(&g.a, g.m, g.k)?;
    let int = |v: usize| i32::try_from(v).map_err(|_| too_big());
    // alpha/beta have the compute type: double for 64F, float otherwise.
    let (one_d, zero_d) = (1.0f64, 0.0f64);
    let (one_f, zero_f) = (1.0f32, 0.0f32);
    let (alpha, beta): (*const c_void, *const c_void) = if g.dtype == DType::F64 {
        (&one_d as *const f64 as _, &zero_d as *const f64 as _)
    } else {
        (&one_f as *const f32 as _, &zero_f as *const f32 as _)
    };
    // SAFETY: pointers and strides describe device memory the caller owns
    // for the shapes given; alpha/beta live until the call returns (cuBLAS
    // reads host scalars before returning).
    unsafe {
        blas::gemm_strided_batched_ex(
            h.0,
            op_b,
            op_a,
            int(g.n)?,
            int(g.m)?,
            int(g.k)?,
            alpha,
            g.b.ptr as *const c_void,
            data,
            ldb,
            g.b.batch_stride as i64,
            g.a.ptr as *const c_void,
            data,
            lda,
            g.a.batch_stride as i64,
            beta,
            g.c as *mut c_void,
            data,
            int(g.n.max(1))?,
            (g.m * g.n) as i64,
            int(g.batch)?,
            compute,
            cublasGemmAlgo_t::CUBLAS_GEMM_DEFAULT,
        )
    }
    .map_err(|e| Error::Launch {
        kernel: "cublasGemmStridedBatchedEx".into(),
        message: format!("{e:?}"),
    })
}
