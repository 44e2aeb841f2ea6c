//! Backward formulas, grouped by op family. Each family's op records its node
//! at the op's single definition (in `ops`); the formulas use tensor ops, so
//! they are differentiable themselves.

pub(crate) mod cumprod;
pub(crate) mod elementwise;
pub(crate) mod index;
pub(crate) mod linalg;
pub(crate) mod missing;
pub(crate) mod reduce;
pub(crate) mod region;
pub(crate) mod rows;
pub(crate) mod select;
pub(crate) mod views;
pub mod zero;

use crate::ops::reduce::sum;
use crate::{DType, Result, Tensor};

/// Undoes broadcasting: sums `g` over the dims that broadcasting added or
/// stretched so that it has `shape`.
pub(crate) fn sum_to_shape(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if g.shape() == shape {
        return Ok(g.clone());
    }
    let lead = g.ndim() - shape.len();
    let mut dims: Vec<i64> = (0..lead as i64).collect();
    for (i, &d) in shape.iter().enumerate() {
        if d == 1 && g.shape()[lead + i] != 1 {
            dims.push((lead + i) as i64);
        }
    }
    let s = if dims.is_empty() {
        g.clone()
    } else {
        sum(g, &dims, true, None)?
    };
    let sizes: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    s.reshape(&sizes)
}

/// The shape, dtype and device of an op input, to bring its gradient back
/// to them.
#[derive(Clone)]
pub(crate) struct InputMeta {
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub device: crate::Device,
}

impl InputMeta {
    pub(crate) fn of(t: &Tensor) -> InputMeta {
        InputMeta {
            shape: t.shape().to_vec(),
            dtype: t.dtype(),
            device: t.device(),
        }
    }
    /// `g` summed to this input's shape and cast to its dtype; a CPU 0-dim
    /// input used with CUDA tensors gets its gradient back on the CPU.
    pub(crate) fn reduce(&self, g: Tensor) -> Result<Tensor> {
        sum_to_shape(&g, &self.shape)?
            .to_dtype(self.dtype)?
            .to_device(self.device)
    }
    /// Zeros of this input's shape, dtype and device.
    pub(crate) fn zeros(&self) -> Result<Tensor> {
        Tensor::full_on(&self.shape, crate::Scalar::Int(0), self.dtype, self.device)
    }
}
