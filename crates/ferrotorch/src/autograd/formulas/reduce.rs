//! Backward of `sum` and `mean` (`SumBackward0/1`, `MeanBackward0/1`): the
//! gradient is broadcast back over the reduced dims (divided by the count for
//! `mean`).

use super::InputMeta;
use crate::autograd::{record, Formula};
use crate::ops::math::{binary, BinaryOp};
use crate::ops::reduce::reduce_mask;
use crate::{DType, Result, Tensor};

struct ReduceBackward {
    meta: InputMeta,
    /// Which input dims were reduced.
    mask: Vec<bool>,
    keepdim: bool,
    /// `Some(n)` for mean: the number of elements averaged.
    mean_of: Option<usize>,
}

/// `sum` (`mean` when `mean`) over `dims` of a tensor that requires grad.
pub(crate) fn reduce(
    t: &Tensor,
    dims: &[i64],
    keepdim: bool,
    mean: bool,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let name = match (mean, dims.is_empty()) {
        (false, true) => "SumBackward0",
        (false, false) => "SumBackward1",
        (true, true) => "MeanBackward0",
        (true, false) => "MeanBackward1",
    };
    record(name, &[Some(t)], forward, |_| {
        let mask = reduce_mask(t, dims)?;
        let n = t
            .shape()
            .iter()
            .zip(&mask)
            .filter(|(_, &m)| m)
            .map(|(&d, _)| d)
            .product();
        Ok(ReduceBackward {
            meta: InputMeta::of(t),
            mask,
            keepdim,
            mean_of: mean.then_some(n),
        })
    })
}

impl Formula for ReduceBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let mut g = g.clone();
        if !self.keepdim {
            for (d, &m) in self.mask.iter().enumerate() {
                if m {
                    g = g.unsqueeze(d as i64)?;
                }
            }
        }
        let sizes: Vec<i64> = self.meta.shape.iter().map(|&d| d as i64).collect();
        let mut g = g.expand(&sizes)?;
        if let Some(n) = self.mean_of {
            g = binary(&g, n as f64, BinaryOp::Div)?;
        }
        let dt: DType = self.meta.dtype;
        Ok(vec![Some(g.to_dtype(dt)?)])
    }
}
