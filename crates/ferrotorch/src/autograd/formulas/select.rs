//! Backward of ops that pick each element from one of several sources:
//! `where` (`WhereBackward0`), `masked_fill` (`MaskedFillBackward0`) and
//! `clamp` (`ClampBackward1` with number bounds, `ClampBackward0` with tensor
//! bounds; `ClampMin`/`ClampMax` for `clamp_min`/`clamp_max`). The choice is fixed at forward time as boolean masks, so the
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

/// How much of `g` an input gets: where a bool mask holds, or `g` scaled
/// by a weight (clamp's even split at ties); 0 elsewhere either way.
enum Weight {
    Mask(Tensor),
    Scale(Tensor),
}

impl Weight {
    fn apply(&self, g: &Tensor) -> Result<Tensor> {
        match self {
            Weight::Mask(m) => pick(m, g),
            // `where` keeps 0 (not NaN) where the weight is 0 and g is inf.
            Weight::Scale(w) => where_(
                &binary(w, 0.0, BinaryOp::Ne)?,
                &binary(g, w, BinaryOp::Mul)?,
                0.0,
            ),
        }
    }
}

/// Each edge's share of `g` and the input it belongs to.
struct SelectBackward {
    parts: Vec<Option<(Weight, InputMeta)>>,
}

impl Formula for SelectBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        self.parts
            .iter()
            .zip(needs)
            .map(|(p, &need)| match p {
                Some((w, meta)) if need => Ok(Some(meta.reduce(w.apply(g)?)?)),
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
                ta.map(|t| (Weight::Mask(c.clone()), InputMeta::of(t))),
                tb.map(|t| (Weight::Mask(not_c), InputMeta::of(t))),
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

/// Which PyTorch op a clamp is: `clamp`/`clip`, `clamp_min` or `clamp_max`
/// (same values and gradients, different node names).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClampKind {
    Both,
    Min,
    Max,
}

fn clamp_name(kind: ClampKind, tensor_bounds: bool) -> &'static str {
    match (kind, tensor_bounds) {
        (ClampKind::Both, true) => "ClampBackward0",
        (ClampKind::Both, false) => "ClampBackward1",
        (ClampKind::Min, true) => "ClampMinBackward1",
        (ClampKind::Min, false) => "ClampMinBackward0",
        (ClampKind::Max, true) => "ClampMaxBackward1",
        (ClampKind::Max, false) => "ClampMaxBackward0",
    }
}

/// `clamp(x, min, max)` with `x` or a tensor bound requiring grad.
pub(crate) fn clamp_recorded(
    x: &Tensor,
    min: Option<Operand>,
    max: Option<Operand>,
    kind: ClampKind,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let tensor_bounds =
        matches!(min, Some(Operand::Tensor(_))) || matches!(max, Some(Operand::Tensor(_)));
    let name = clamp_name(kind, tensor_bounds);
    let (tlo, thi) = (tensor(min), tensor(max));
    let tx = Some(x).filter(|t| t.requires_grad());
    record(name, &[tx, tlo, thi], forward, |out| {
        let shape = out.shape();
        let bools =
            |v: i64| Tensor::full_on(shape, crate::Scalar::Int(v), crate::DType::Bool, x.device());
        let cmp = |b: Option<Operand>, op| match b {
            Some(b) => binary(x, b, op),
            None => bools(0),
        };
        if !tensor_bounds {
            // With number bounds PyTorch's mask is min < x < max: no
            // gradient at a bound, nor for a NaN x.
            let inside = |b: Option<Operand>, op| match b {
                Some(b) => binary(x, b, op),
                None => bools(1),
            };
            let keep_x = binary(
                &inside(min, BinaryOp::Gt)?,
                &inside(max, BinaryOp::Lt)?,
                BinaryOp::LogicalAnd,
            )?
            .broadcast_to(shape)?
            .contiguous();
            return Ok(SelectBackward {
                parts: vec![
                    tx.map(|t| (Weight::Mask(keep_x), InputMeta::of(t))),
                    None,
                    None,
                ],
            });
        }
        // Tensor bounds: PyTorch splits g evenly between x and a bound x
        // equals (x alone gets it when min == max == x); the bound that
        // was exceeded gets all of it, and max gets everything once
        // min > max.
        let and = |a: &Tensor, b: &Tensor| binary(a, b, BinaryOp::LogicalAnd);
        let or = |a: &Tensor, b: &Tensor| binary(a, b, BinaryOp::LogicalOr);
        let below = cmp(min, BinaryOp::Lt)?;
        let above = cmp(max, BinaryOp::Gt)?;
        let eq_lo = cmp(min, BinaryOp::Eq)?;
        let eq_hi = cmp(max, BinaryOp::Eq)?;
        let crossed = match (min, max) {
            (Some(lo), Some(hi)) => binary(lo, hi, BinaryOp::Gt)?,
            _ => Tensor::full_on(&[], crate::Scalar::Int(0), crate::DType::Bool, x.device())?,
        };
        let valid = not(&crossed)?;
        let half_lo = and(&and(&eq_lo, &not(&eq_hi)?)?, &valid)?;
        let half_hi = and(&and(&eq_hi, &not(&eq_lo)?)?, &valid)?;
        let keep_x = and(&and(&not(&below)?, &not(&above)?)?, &valid)?;
        let dt = out.dtype();
        let f = |m: &Tensor| -> Result<Tensor> { m.broadcast_to(shape)?.to_dtype(dt) };
        let half = |m: &Tensor| binary(&f(m)?, 0.5, BinaryOp::Mul);
        let w_x = binary(
            &f(&keep_x)?,
            &half(&or(&half_lo, &half_hi)?)?,
            BinaryOp::Sub,
        )?;
        let w_lo = binary(&f(&and(&below, &valid)?)?, &half(&half_lo)?, BinaryOp::Add)?;
        let w_hi = binary(&f(&or(&above, &crossed)?)?, &half(&half_hi)?, BinaryOp::Add)?;
        Ok(SelectBackward {
            parts: vec![
                tx.map(|t| (Weight::Scale(w_x), InputMeta::of(t))),
                tlo.map(|t| (Weight::Scale(w_lo), InputMeta::of(t))),
                thi.map(|t| (Weight::Scale(w_hi), InputMeta::of(t))),
            ],
        })
    })
}
