//! Backward of shape ops and copies: views (`ViewBackward0`,
//! `TransposeBackward0`, `PermuteBackward0`, `UnsqueezeBackward0`,
//! `SqueezeBackward0/1/2`, `ExpandBackward0`, ...), `ToCopyBackward0` for
//! dtype conversion, `CloneBackward0` and `FlipBackward0`. Each maps the gradient back to the
//! input's shape (and dtype) with the inverse shape op.

use super::sum_to_shape;
use crate::autograd::{record, Formula};
use crate::{DType, Device, Result, Tensor};

/// How the output's gradient maps back to the input.
pub(crate) enum Inverse {
    /// Reshape to the input's shape (view, reshape, squeeze, unsqueeze, flatten).
    Reshape,
    /// The same transpose again.
    Transpose(i64, i64),
    /// The inverse permutation of these dims.
    Permute(Vec<i64>),
    /// Sum over the broadcast dims (expand).
    Expand,
    /// Back to the input's dtype and device.
    Cast,
    /// The gradient as it is (clone, `t()` of a 1-D tensor).
    Identity,
    /// Flip the same dims again.
    Flip(Vec<i64>),
}

struct ViewBackward {
    inverse: Inverse,
    shape: Vec<usize>,
    dtype: DType,
    device: Device,
}

/// Records shape op `name` on `input` (which requires grad).
pub(crate) fn view(
    name: &'static str,
    input: &Tensor,
    inverse: Inverse,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    record(name, &[Some(input)], forward, |_| {
        Ok(ViewBackward {
            inverse,
            shape: input.shape().to_vec(),
            dtype: input.dtype(),
            device: input.device(),
        })
    })
}

impl Formula for ViewBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let gx = match &self.inverse {
            Inverse::Reshape => {
                let sizes: Vec<i64> = self.shape.iter().map(|&d| d as i64).collect();
                g.reshape(&sizes)?
            }
            Inverse::Transpose(a, b) => g.transpose(*a, *b)?,
            Inverse::Permute(dims) => {
                let mut inv = vec![0i64; dims.len()];
                for (i, &d) in dims.iter().enumerate() {
                    let d = ferrotorch_core::normalize_dim(d, dims.len())?;
                    inv[d] = i as i64;
                }
                g.permute(&inv)?
            }
            Inverse::Expand => sum_to_shape(g, &self.shape)?,
            Inverse::Cast => g.to_dtype(self.dtype)?.to_device(self.device)?,
            Inverse::Identity => g.clone(),
            Inverse::Flip(dims) => crate::ops::flip::flip(g, dims)?,
        };
        Ok(vec![Some(gx)])
    }
}

/// Records `FlipBackward0` for `flip(input, dims)`.
pub(crate) fn flip_recorded(
    input: &Tensor,
    dims: Vec<i64>,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    view("FlipBackward0", input, Inverse::Flip(dims), forward)
}
