//! Backward of ops that pick each element from one of several sources:
//! `where` (`WhereBackward0`), `masked_fill` (`MaskedFillBackward0`) and
//! `clamp` (`ClampBackward1` with number bounds, `ClampBackward0` with tensor
//! bounds). The choice is fixed at forward time as boolean masks, so the
//! gradient routes `g` to whichever source was picked.

use super::InputMeta;
use crate::autograd::{record, Formula};
use crate::ops::math::{binary, unary, where_, BinaryOp, Operand, UnaryOp};
use crate::ops::reduce::sum;
use crate::{Result, Tensor};

fn not(t: &Tensor) -> Result<Tensor> {
    unary(t, UnaryOp::LogicalNot)
}

/// `g` where `mask` holds, 0 elsewhere.
fn pick(mask: &Tensor, g: &Tensor) -> Result<Tensor> {
    where_(mask, g, 0.0)
}

/// Each edge's mask and the input it belongs to.
struct SelectBackward {
    parts: Vec<Option<(Tensor, InputMeta)>>,
}

impl Formula for SelectBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        self.parts
            .iter()
            .zip(needs)
            .map(|(p, &need)| match p {
                Some((mask, meta)) if need => Ok(Some(meta.reduce(pick(mask, g)?)?)),
                _ => Ok(None),
            })
            .collect()
    }
}

fn tensor<'a>(o: Option<Operand<'a>>) -> Option<&'a Tensor> {
    match o {
        Some(Operand::Tensor(t)) if t.requires_grad() => Some(t),
        _ => None,
    }
}

/// `where(cond, a, b)` with `a` or `b` requiring grad.
pub(crate) fn where_recorded(
    cond: &Tensor,
    a: Operand,
    b: Operand,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let (ta, tb) = (tensor(Some(a)), tensor(Some(b)));
    record("WhereBackward0", &[ta, tb], forward, |_| {
        let c = cond.to_dtype(crate::DType::Bool)?;
        let not_c = not(&c)?;
        Ok(SelectBackward {
            parts: vec![
                ta.map(|t| (c.clone(), InputMeta::of(t))),
                tb.map(|t| (not_c, InputMeta::of(t))),
            ],
        })
    })
}

/// Gradient of `masked_fill(t, mask, value)`: `t` gets `g` off the mask; a
/// tensor value (0-d) gets the sum of `g` on it.
struct MaskedFillBackward {
    mask: Tensor,
    value: Option<InputMeta>,
}

impl Formula for MaskedFillBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let gt = if needs[0] {
            Some(where_(&self.mask, 0.0, g)?)
        } else {
            None
        };
        let gv = match &self.value {
            Some(m) if needs.get(1) == Some(&true) => {
                Some(sum(&pick(&self.mask, g)?, &[], false, None)?.to_dtype(m.dtype)?)
            }
            _ => None,
        };
        Ok(vec![gt, gv])
    }
}

pub(crate) fn masked_fill_recorded(
    t: &Tensor,
    mask: &Tensor,
    value: Option<&Tensor>,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let value = value.filter(|v| v.requires_grad());
    let t_in = Some(t).filter(|t| t.requires_grad());
    record("MaskedFillBackward0", &[t_in, value], forward, |_| {
        Ok(MaskedFillBackward {
            mask: mask.broadcast_to(t.shape())?.contiguous(),
            value: value.map(InputMeta::of),
        })
    })
}

/// `clamp(x, min, max)` with `x` or a tensor bound requiring grad; `xd`,
/// `lo`, `hi` are the operands already cast to the result dtype.
pub(crate) fn clamp_recorded(
    x: &Tensor,
    min: Option<Operand>,
    max: Option<Operand>,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let tensor_bounds =
        matches!(min, Some(Operand::Tensor(_))) || matches!(max, Some(Operand::Tensor(_)));
    let name = if tensor_bounds {
        "ClampBackward0"
    } else {
        "ClampBackward1"
    };
    let (tlo, thi) = (tensor(min), tensor(max));
    let tx = Some(x).filter(|t| t.requires_grad());
    record(name, &[tx, tlo, thi], forward, |out| {
        // The forward picks min where x < min (unless min > max), then max
        // where that exceeds max; x survives otherwise (NaN included).
        // With number bounds PyTorch gives x no gradient at a bound either
        // (its mask is min < x < max).
        let shape = out.shape();
        let (lt, gt) = if tensor_bounds {
            (BinaryOp::Lt, BinaryOp::Gt)
        } else {
            (BinaryOp::Le, BinaryOp::Ge)
        };
        let below = match min {
            Some(lo) => binary(x, lo, lt)?,
            None => Tensor::zeros(shape, crate::DType::Bool),
        };
        let above = match max {
            Some(hi) => binary(x, hi, gt)?,
            None => Tensor::zeros(shape, crate::DType::Bool),
        };
        let crossed = match (min, max) {
            (Some(lo), Some(hi)) => binary(lo, hi, BinaryOp::Gt)?,
            _ => Tensor::zeros(&[], crate::DType::Bool),
        };
        let keep_x = binary(&not(&below)?, &not(&above)?, BinaryOp::LogicalAnd)?
            .broadcast_to(shape)?
            .contiguous();
        let lo_mask = binary(&below, &not(&crossed)?, BinaryOp::LogicalAnd)?
            .broadcast_to(shape)?
            .contiguous();
        let hi_mask = binary(&not(&keep_x)?, &not(&lo_mask)?, BinaryOp::LogicalAnd)?;
        Ok(SelectBackward {
            parts: vec![
                tx.map(|t| (keep_x, InputMeta::of(t))),
                tlo.map(|t| (lo_mask, InputMeta::of(t))),
                thi.map(|t| (hi_mask, InputMeta::of(t))),
            ],
        })
    })
}
