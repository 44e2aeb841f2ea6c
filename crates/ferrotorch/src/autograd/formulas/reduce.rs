//! Backward of `sum`, `nansum` and `mean` (`SumBackward0/1`,
//! `NansumBackward0`, `MeanBackward0/1`): the
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
    /// For nansum: where the input is not NaN (NaNs get no gradient).
    not_nan: Option<Tensor>,
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
            not_nan: None,
        })
    })
}

/// `nansum` over `dims` of a float tensor that requires grad
/// (`NansumBackward0`): `sum`'s gradient, 0 where the input is NaN.
pub(crate) fn nansum(
    t: &Tensor,
    dims: &[i64],
    keepdim: bool,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    record("NansumBackward0", &[Some(t)], forward, |_| {
        Ok(ReduceBackward {
            meta: InputMeta::of(t),
            mask: reduce_mask(t, dims)?,
            keepdim,
            mean_of: None,
            not_nan: Some(binary(t, t, BinaryOp::Eq)?),
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
        if let Some(keep) = &self.not_nan {
            g = crate::ops::math::where_(keep, &g, 0.0)?;
        }
        let dt: DType = self.meta.dtype;
        Ok(vec![Some(g.to_dtype(dt)?)])
    }
}

/// `g` (or a reduced result) with the reduced dims put back as size 1, so it
/// broadcasts against the input.
fn unreduce(g: &Tensor, mask: &[bool], keepdim: bool) -> Result<Tensor> {
    let mut g = g.clone();
    if !keepdim {
        for (d, &m) in mask.iter().enumerate() {
            if m {
                g = g.unsqueeze(d as i64)?;
            }
        }
    }
    Ok(g)
}

/// Reductions whose gradient needs the input (and maybe the output).
#[derive(Clone, Copy)]
pub(crate) enum Stat {
    /// `prod`; zeros in the input are handled exactly.
    Prod,
    /// `amax`/`amin`/`max()`/`min()`: ties share the gradient evenly.
    Extreme,
    Var(f64),
    Std(f64),
    LogSumExp,
    /// Vector p-norm.
    Norm(f64),
}

struct StatBackward {
    stat: Stat,
    x: SavedTensor,
    out: SavedTensor,
    dims: Vec<i64>,
    mask: Vec<bool>,
    keepdim: bool,
}

use crate::autograd::SavedTensor;
use crate::ops::math::{unary, where_, UnaryOp};
use crate::ops::reduce::{mean, prod, sum};

fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(a, b, BinaryOp::Mul)
}

fn div(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(a, b, BinaryOp::Div)
}

impl StatBackward {
    /// The (keepdim) reduction of `t` over this node's dims.
    fn sum_k(&self, t: &Tensor) -> Result<Tensor> {
        sum(t, &self.dims, true, None)
    }

    /// d out / d x (broadcast to the input's shape).
    fn local(&self, x: &Tensor, out: &Tensor) -> Result<Tensor> {
        let dt = x.dtype();
        let float = |b: &Tensor| b.to_dtype(dt);
        Ok(match self.stat {
            Stat::Prod => {
                let zero = binary(x, 0.0, BinaryOp::Eq)?;
                let safe = where_(&zero, 1.0, x)?;
                // Product of the non-zero elements of each reduced slice.
                let p = if self.dims.is_empty() {
                    prod(&safe, None, false, None)?
                } else {
                    prod(&safe, Some(self.dims[0]), true, None)?
                };
                let zeros = self.sum_k(&float(&zero)?)?;
                // No zero: prod / x. One zero: the others' product at the
                // zero, 0 elsewhere. More: 0 everywhere.
                let none = float(&binary(&zeros, 0.0, BinaryOp::Eq)?)?;
                let one = float(&binary(&zeros, 1.0, BinaryOp::Eq)?)?;
                where_(&zero, &mul(&p, &one)?, &div(&mul(&p, &none)?, &safe)?)?
            }
            Stat::Extreme => {
                let hit = float(&binary(x, out, BinaryOp::Eq)?)?;
                div(&hit, &self.sum_k(&hit)?)?
            }
            Stat::Var(c) | Stat::Std(c) => {
                let n: usize = x
                    .shape()
                    .iter()
                    .zip(&self.mask)
                    .filter(|(_, &m)| m)
                    .map(|(&d, _)| d)
                    .product();
                let d = binary(x, &mean(x, &self.dims, true, None)?, BinaryOp::Sub)?;
                let denom = (n as f64 - c).max(0.0);
                match self.stat {
                    Stat::Var(_) => binary(&d, 2.0 / denom, BinaryOp::Mul)?,
                    _ => div(&binary(&d, denom, BinaryOp::Div)?, out)?,
                }
            }
            Stat::LogSumExp => unary(&binary(x, out, BinaryOp::Sub)?, UnaryOp::Exp)?,
            Stat::Norm(p) => {
                let sign = unary(x, UnaryOp::Sign)?;
                let a = unary(x, UnaryOp::Abs)?;
                let zero_out = binary(out, 0.0, BinaryOp::Eq)?;
                let r = if p == 0.0 {
                    binary(x, 0.0, BinaryOp::Mul)?
                } else if p == 1.0 {
                    sign
                } else if p.is_infinite() {
                    let hit = float(&binary(&a, out, BinaryOp::Eq)?)?;
                    mul(&sign, &div(&hit, &self.sum_k(&hit)?)?)?
                } else if p == 2.0 {
                    div(x, out)?
                } else {
                    let num = mul(&sign, &binary(&a, p - 1.0, BinaryOp::Pow)?)?;
                    div(&num, &binary(out, p - 1.0, BinaryOp::Pow)?)?
                };
                // A zero norm has a zero (sub)gradient, not 0/0.
                where_(&zero_out, 0.0, &r)?
            }
        })
    }
}

impl Formula for StatBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let x = self.x.unpack()?;
        let out = unreduce(&self.out.unpack()?, &self.mask, self.keepdim)?;
        let g = unreduce(g, &self.mask, self.keepdim)?;
        Ok(vec![Some(mul(&g, &self.local(&x, &out)?)?)])
    }
    fn saved(&self) -> Vec<&SavedTensor> {
        vec![&self.x, &self.out]
    }
}

/// Records reduction `name` of `x` over `dims` (empty: all) with the
/// gradient of `stat`.
pub(crate) fn stat(
    name: &'static str,
    stat: Stat,
    x: &Tensor,
    dims: &[i64],
    keepdim: bool,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    record(name, &[Some(x)], forward, |out| {
        Ok(StatBackward {
            stat,
            x: SavedTensor::input(x),
            out: SavedTensor::output(out),
            dims: dims.to_vec(),
            mask: reduce_mask(x, dims)?,
            keepdim,
        })
    })
}
