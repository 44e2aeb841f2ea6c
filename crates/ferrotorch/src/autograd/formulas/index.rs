//! Backward of every op that reads input elements at positions: views that
//! select (`SelectBackward0`, `SliceBackward0`, `AsStridedBackward0`,
//! `SplitBackward0`, `UnbindBackward0`), advanced indexing (`IndexBackward0`),
//! `index_select`, `gather`, `take`, and the values of `sort`/`topk`/`max(dim)`.
//!
//! The forward op is replayed on an int64 tensor holding each input
//! element's flat position, which yields the position every output element
//! came from; the gradient is then `put_add` of the output gradient at those
//! positions (duplicates accumulate). `put_add` and `take` are each other's
//! backward, so these gradients are differentiable too.

use crate::autograd::{record, Formula};
use crate::ops::take::{put_add, take};
use crate::{DType, Error, Result, Tensor};
use ferrotorch_cpu::elementwise::offsets;
use std::collections::HashMap;

/// `0..numel` as int64 in `t`'s shape: each element's own flat position.
pub(crate) fn arange_like(t: &Tensor) -> Result<Tensor> {
    let v: Vec<i64> = (0..t.numel() as i64).collect();
    Tensor::from_vec(v, t.shape())
}

/// Where each output element came from, found by replaying `op` (the
/// forward op, on integers) on the input's flat positions.
pub(crate) fn positions(t: &Tensor, op: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<Tensor> {
    Ok(op(&arange_like(t)?)?.contiguous())
}

/// The flat position in `base` of each element of `view`, a tensor sharing
/// `base`'s storage, matched through storage offsets.
pub(crate) fn positions_in_base(view: &Tensor, base: &Tensor) -> Result<Tensor> {
    let base_offs = offsets(base.layout());
    let mut at: HashMap<usize, i64> = HashMap::with_capacity(base_offs.len());
    for (i, o) in base_offs.into_iter().enumerate() {
        at.entry(o).or_insert(i as i64);
    }
    let p = offsets(view.layout())
        .into_iter()
        .map(|o| {
            at.get(&o).copied().ok_or_else(|| {
                Error::NotImplemented(
                    "the derivative for 'as_strided' is not implemented for views that reach storage outside their input.".into(),
                )
            })
        })
        .collect::<Result<Vec<i64>>>()?;
    Tensor::from_vec(p, view.shape())
}

/// Gradient of an op whose output element `k` is input element `pos[k]`.
struct PutBackward {
    shape: Vec<usize>,
    dtype: DType,
    pos: Tensor,
}

impl Formula for PutBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let g = g.to_dtype(self.dtype)?;
        Ok(vec![Some(put_add(&self.shape, &self.pos, &g)?)])
    }
}

/// Records `name` on `input` for an op that reads input elements at
/// `pos` (an int64 tensor of the output's shape, computed lazily).
pub(crate) fn gathered(
    name: &'static str,
    input: &Tensor,
    forward: impl FnOnce() -> Result<Tensor>,
    pos: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    record(name, &[Some(input)], forward, |out| {
        let pos = pos(out)?;
        Ok(PutBackward {
            shape: input.shape().to_vec(),
            dtype: input.dtype(),
            pos,
        })
    })
}

/// `TakeBackward0`.
pub(crate) fn take_recorded(
    t: &Tensor,
    pos: &Tensor,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let n = t.numel() as i64;
    // Normalised once so the backward can reuse them.
    let p: Vec<i64> = pos
        .to_vec::<i64>()?
        .into_iter()
        .map(|i| if i < 0 { i + n } else { i })
        .collect();
    let p = Tensor::from_vec(p, pos.shape())?;
    gathered("TakeBackward0", t, forward, |_| Ok(p))
}

struct TakeBack {
    shape: Vec<usize>,
    pos: Tensor,
}

impl Formula for TakeBack {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let sizes: Vec<i64> = self.shape.iter().map(|&d| d as i64).collect();
        Ok(vec![Some(take(g, &self.pos)?.reshape(&sizes)?)])
    }
}

/// `PutBackward0` (of `put_add`): the source's gradient is `take`.
pub(crate) fn put_add_recorded(
    _shape: &[usize],
    pos: &Tensor,
    src: &Tensor,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    record("PutBackward0", &[Some(src)], forward, |_| {
        Ok(TakeBack {
            shape: src.shape().to_vec(),
            pos: pos.clone(),
        })
    })
}

/// Gradient pieces of a join (`cat`, `stack`): input `i` is the slice
/// `pos[i]` of the output, read back with `take` and shaped like the input.
struct JoinBackward {
    parts: Vec<(Tensor, Vec<i64>, DType)>,
}

impl Formula for JoinBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        self.parts
            .iter()
            .zip(needs)
            .map(|((pos, shape, dt), &need)| {
                if !need {
                    return Ok(None);
                }
                Ok(Some(take(g, pos)?.reshape(shape)?.to_dtype(*dt)?))
            })
            .collect()
    }
}

/// Records a join whose input `i` is the output region `region(i, out)`
/// (a view of an int64 tensor shaped like the output).
pub(crate) fn join(
    name: &'static str,
    inputs: &[Tensor],
    forward: impl FnOnce() -> Result<Tensor>,
    region: impl Fn(usize, &Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    let refs: Vec<Option<&Tensor>> = inputs.iter().map(Some).collect();
    record(name, &refs, forward, |out| {
        let all = arange_like(out)?;
        let parts = inputs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let pos = region(i, &all)?.contiguous();
                let shape: Vec<i64> = t.shape().iter().map(|&d| d as i64).collect();
                Ok((pos, shape, t.dtype()))
            })
            .collect::<Result<_>>()?;
        Ok(JoinBackward { parts })
    })
}
