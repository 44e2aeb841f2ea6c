//! Backward of the matrix products (`MmBackward0`, `BmmBackward0`,
//! `DotBackward0`, `MvBackward0`, and `matmul`'s batched cases): one formula
//! for all, since each is `matmul` on its shapes. Batch broadcasting is undone
//! by summing to each input's shape.

use super::sum_to_shape;
use crate::autograd::{record, Formula, SavedTensor};
use crate::ops::linalg::matmul;
use crate::{Result, Tensor};

struct MatmulBackward {
    a: Option<SavedTensor>,
    b: Option<SavedTensor>,
    a_shape: Vec<usize>,
    b_shape: Vec<usize>,
}

/// PyTorch's node name for `matmul` on operands of these ranks.
pub(crate) fn matmul_name(na: usize, nb: usize) -> &'static str {
    match (na, nb) {
        (1, 1) => "DotBackward0",
        (2, 1) => "MvBackward0",
        (2, 2) => "MmBackward0",
        (1, 2) => "SqueezeBackward4",
        _ => "UnsafeViewBackward0",
    }
}

/// Records a matrix product of `a` and `b` (one of them requires grad).
pub(crate) fn product(
    name: &'static str,
    a: &Tensor,
    b: &Tensor,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let (ra, rb) = (a.requires_grad(), b.requires_grad());
    record(name, &[Some(a), Some(b)], forward, |_| {
        Ok(MatmulBackward {
            // d/da needs b and d/db needs a.
            a: rb.then(|| SavedTensor::input(a)),
            b: ra.then(|| SavedTensor::input(b)),
            a_shape: a.shape().to_vec(),
            b_shape: b.shape().to_vec(),
        })
    })
}

/// Transpose of the last two dims.
fn mt(t: &Tensor) -> Result<Tensor> {
    t.transpose(-2, -1)
}

impl Formula for MatmulBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let (na, nb) = (self.a_shape.len(), self.b_shape.len());
        // Work with >= 2-D operands: a 1-D left operand is a row, a 1-D right
        // operand a column; the gradient gets back the dims matmul dropped.
        let mut g2 = g.clone();
        if nb == 1 {
            g2 = g2.unsqueeze(-1)?;
        }
        if na == 1 {
            g2 = g2.unsqueeze(-2)?;
        }
        let as2 = |t: Tensor, left: bool| -> Result<Tensor> {
            match (t.ndim(), left) {
                (1, true) => t.unsqueeze(0),
                (1, false) => t.unsqueeze(1),
                _ => Ok(t),
            }
        };
        let ga = match (&self.b, needs.first()) {
            (Some(b), Some(true)) => {
                let b2 = as2(b.unpack()?, false)?;
                let a2_shape = if na == 1 {
                    vec![1, self.a_shape[0]]
                } else {
                    self.a_shape.clone()
                };
                let ga = if a2_shape.len() == 2 && g2.ndim() > 2 {
                    // [m, k] against a batch: one product over (batch, n).
                    let bt = broadcast_batch(&mt(&b2)?, &g2)?;
                    let gf = g2.movedim(-2, 0)?.reshape(&[a2_shape[0] as i64, -1])?;
                    matmul(&gf, &bt.reshape(&[-1, a2_shape[1] as i64])?)?
                } else {
                    sum_to_shape(&matmul(&g2, &mt(&b2)?)?, &a2_shape)?
                };
                Some(ga.reshape(&to_i64(&self.a_shape))?)
            }
            _ => None,
        };
        let gb = match (&self.a, needs.get(1)) {
            (Some(a), Some(true)) => {
                let a2 = as2(a.unpack()?, true)?;
                let b2_shape = if nb == 1 {
                    vec![self.b_shape[0], 1]
                } else {
                    self.b_shape.clone()
                };
                let gb = if b2_shape.len() == 2 && g2.ndim() > 2 {
                    // [k, n] against a batch: one product over (batch, m).
                    let af = broadcast_batch(&a2, &g2)?.reshape(&[-1, b2_shape[0] as i64])?;
                    matmul(&mt(&af)?, &g2.reshape(&[-1, b2_shape[1] as i64])?)?
                } else {
                    sum_to_shape(&matmul(&mt(&a2)?, &g2)?, &b2_shape)?
                };
                Some(gb.reshape(&to_i64(&self.b_shape))?)
            }
            _ => None,
        };
        Ok(vec![ga, gb])
    }
    fn saved(&self) -> Vec<&SavedTensor> {
        self.a.iter().chain(self.b.iter()).collect()
    }
}

/// `t` ([.., r, c]) broadcast to the batch dims of `like`.
///
/// The gradient of a 2-D operand of a batched product is a sum over the
/// batch. Folding the batch into the inner dim of one product (as PyTorch's
/// matmul folds it forward) accumulates it at once: summing per-batch
/// products would round each of them first, in low precision.
fn broadcast_batch(t: &Tensor, like: &Tensor) -> Result<Tensor> {
    let mut shape = like.shape()[..like.ndim() - 2].to_vec();
    shape.extend_from_slice(&t.shape()[t.ndim() - 2..]);
    t.broadcast_to(&shape)
}

fn to_i64(s: &[usize]) -> Vec<i64> {
    s.iter().map(|&d| d as i64).collect()
}
