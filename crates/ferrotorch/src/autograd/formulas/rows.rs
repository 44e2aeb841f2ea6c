//! Backward of ops along one dim: `softmax` (`SoftmaxBackward0`),
//! `log_softmax` (`LogSoftmaxBackward0`) and `cumsum` (`CumsumBackward0`).

use crate::autograd::{record, Formula, SavedTensor};
use crate::ops::math::{binary, unary, BinaryOp, UnaryOp};
use crate::ops::reduce::sum;
use crate::ops::rows::cumulative;
use crate::{Result, Tensor};

struct SoftmaxBackward {
    out: SavedTensor,
    dim: i64,
    log: bool,
}

impl Formula for SoftmaxBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let y = self.out.unpack()?;
        let gx = if self.log {
            // d log_softmax: g - softmax * sum(g)
            let s = sum(g, &[self.dim], true, None)?;
            binary(
                g,
                &binary(&unary(&y, UnaryOp::Exp)?, &s, BinaryOp::Mul)?,
                BinaryOp::Sub,
            )?
        } else {
            // d softmax: y * (g - sum(g * y))
            let s = sum(&binary(g, &y, BinaryOp::Mul)?, &[self.dim], true, None)?;
            binary(&y, &binary(g, &s, BinaryOp::Sub)?, BinaryOp::Mul)?
        };
        Ok(vec![Some(gx)])
    }
    fn saved(&self) -> Vec<&SavedTensor> {
        vec![&self.out]
    }
}

/// Softmax (or log-softmax) of `x` along `dim`, `x` already in the output dtype.
pub(crate) fn softmax(
    x: &Tensor,
    dim: i64,
    log: bool,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let name = if log {
        "LogSoftmaxBackward0"
    } else {
        "SoftmaxBackward0"
    };
    let d = x.dim_index(dim)? as i64;
    record(name, &[Some(x)], forward, |out| {
        Ok(SoftmaxBackward {
            out: SavedTensor::output(out),
            dim: d,
            log,
        })
    })
}

struct CumsumBackward {
    dim: i64,
}

impl Formula for CumsumBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        if g.ndim() == 0 {
            return Ok(vec![Some(g.clone())]);
        }
        // The reverse cumulative sum: total - cumsum + g.
        let total = sum(g, &[self.dim], true, None)?;
        let c = cumulative(g, self.dim, false, None)?;
        let gx = binary(&binary(&total, &c, BinaryOp::Sub)?, g, BinaryOp::Add)?;
        Ok(vec![Some(gx)])
    }
}

/// `cumsum` of `x` (already in the output dtype) along `dim`.
pub(crate) fn cumsum(
    x: &Tensor,
    dim: i64,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let d = x.dim_index(dim)? as i64;
    record("CumsumBackward0", &[Some(x)], forward, |_| {
        Ok(CumsumBackward { dim: d })
    })
}
