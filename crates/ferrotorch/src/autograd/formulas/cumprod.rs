//! Backward of `cumprod` (`CumprodBackward0`). Without zeros in the input it
//! is `reverse_cumsum(g * out) / x`; with zeros that division is 0/0, so the
//! gradient is built by scans along the dim that never divide:
//! `dx_k = (x_0 ... x_{k-1}) * S_k` with `S_k = g_k + x_{k+1} * S_{k+1}`.
//! Both are tensor ops, so the gradient is differentiable itself.

use crate::autograd::{record, Formula, SavedTensor};
use crate::ops::math::{binary, BinaryOp};
use crate::ops::reduce::sum;
use crate::ops::rows::cumulative;
use crate::ops::shape::cat;
use crate::{DType, Result, Tensor};

struct CumprodBackward {
    x: SavedTensor,
    out: SavedTensor,
    dim: i64,
}

fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(a, b, BinaryOp::Mul)
}

/// `t` summed from each position to the end of `dim`.
fn reverse_cumsum(t: &Tensor, dim: i64) -> Result<Tensor> {
    let total = sum(t, &[dim], true, None)?;
    let c = cumulative(t, dim, false, None)?;
    binary(&binary(&total, &c, BinaryOp::Sub)?, t, BinaryOp::Add)
}

/// The zero-safe gradient: two scans of length `n` along `dim`.
fn scanned(x: &Tensor, g: &Tensor, dim: i64) -> Result<Tensor> {
    let d = dim as usize;
    let n = x.shape()[d];
    let at = |t: &Tensor, k: usize| t.narrow(dim, k as i64, 1);
    // Products of everything before position k.
    let mut shape1 = x.shape().to_vec();
    shape1[d] = 1;
    let mut before = vec![Tensor::full_on(
        &shape1,
        crate::Scalar::Int(1),
        x.dtype(),
        x.device(),
    )?];
    for k in 1..n {
        before.push(mul(&before[k - 1], &at(x, k - 1)?)?);
    }
    // S_k: the gradient of all outputs from k on, per unit of out_k / x_k.
    let mut s = vec![at(g, n - 1)?; n];
    for k in (0..n - 1).rev() {
        s[k] = binary(&at(g, k)?, &mul(&at(x, k + 1)?, &s[k + 1])?, BinaryOp::Add)?;
    }
    let parts = before
        .iter()
        .zip(&s)
        .map(|(p, s)| mul(p, s))
        .collect::<Result<Vec<_>>>()?;
    cat(&parts, dim)
}

impl Formula for CumprodBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let x = self.x.unpack()?;
        if x.ndim() == 0 || x.numel() == 0 {
            return Ok(vec![Some(g.clone())]);
        }
        let zeros = sum(
            &binary(&x, 0.0, BinaryOp::Eq)?,
            &[],
            false,
            Some(DType::I64),
        )?;
        let gx = if zeros.item_f64()? == 0.0 {
            let out = self.out.unpack()?;
            binary(
                &reverse_cumsum(&mul(g, &out)?, self.dim)?,
                &x,
                BinaryOp::Div,
            )?
        } else {
            scanned(&x, g, self.dim)?
        };
        Ok(vec![Some(gx)])
    }
    fn saved(&self) -> Vec<&SavedTensor> {
        vec![&self.x, &self.out]
    }
}

/// `cumprod` of `x` (already in the output dtype) along `dim`.
pub(crate) fn cumprod(
    x: &Tensor,
    dim: i64,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let d = if x.ndim() == 0 {
        0
    } else {
        x.dim_index(dim)? as i64
    };
    record("CumprodBackward0", &[Some(x)], forward, |out| {
        Ok(CumprodBackward {
            x: SavedTensor::input(x),
            out: SavedTensor::output(out),
            dim: d,
        })
    })
}
