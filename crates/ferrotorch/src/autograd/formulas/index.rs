//! Backward of ops that read input elements at positions given by index
//! tensors: advanced indexing (`IndexBackward0`), `index_select`, `gather`,
//! `take`, and the values of `sort`/`topk`/`max(dim)`; and of joins (`cat`,
//! `stack`), whose inputs are views of the output's gradient.
//!
//! The gradient is `put_add` of the output gradient at the flat input
//! position each output element came from (duplicates accumulate). Those
//! positions are computed at the first backward, never at forward time (a
//! forward must not pay for a backward that may never run), and kept for a
//! retained graph. `put_add` and `take` are each other's backward, so these
//! gradients are differentiable too. Views (select, slices, as_strided)
//! need no positions: see `region`.

use crate::autograd::{record, Formula, SavedTensor};
use crate::ops::take::{put_add, take};
use crate::{DType, Result, Tensor};
use std::sync::{Arc, OnceLock};

/// `0..numel` as int64 in `shape`: each element's own flat position.
pub(crate) fn arange_of(shape: &[usize]) -> Result<Tensor> {
    let v: Vec<i64> = (0..shape.iter().product::<usize>() as i64).collect();
    Tensor::from_vec(v, shape)
}

/// Where each output element came from, found by replaying `op` (the
/// forward op, on integers) on the flat positions of an input of `shape`.
/// Only for backward time or in-place ops (whose write is O(numel) anyway).
pub(crate) fn positions(
    shape: &[usize],
    op: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    let _g = crate::autograd::GradModeGuard::new(false);
    Ok(op(&arange_of(shape)?)?.contiguous())
}

/// The flat position in `base` of each element of `view`, a tensor sharing
/// `base`'s storage, matched through storage offsets.
pub(crate) fn positions_in_base(view: &Tensor, base: &Tensor) -> Result<Tensor> {
    super::region::positions_in_layout(view.layout(), base.layout())
}

#[cfg(test)]
thread_local! {
    /// How many position tensors this thread computed (tests check that
    /// forwards compute none and a retained graph reuses them).
    pub(crate) static BUILT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

type MakePositions = Box<dyn Fn() -> Result<Tensor> + Send + Sync>;

/// Flat positions computed on first use and then kept.
pub(crate) struct LazyPositions {
    make: MakePositions,
    value: OnceLock<Tensor>,
}

impl LazyPositions {
    pub(crate) fn new(make: impl Fn() -> Result<Tensor> + Send + Sync + 'static) -> LazyPositions {
        LazyPositions {
            make: Box::new(make),
            value: OnceLock::new(),
        }
    }

    pub(crate) fn get(&self) -> Result<Tensor> {
        if let Some(v) = self.value.get() {
            return Ok(v.clone());
        }
        let v = (self.make)()?;
        #[cfg(test)]
        BUILT.with(|b| b.set(b.get() + 1));
        Ok(self.value.get_or_init(|| v).clone())
    }
}

/// Gradient of an op whose output element `k` is input element `pos[k]`.
struct PutBackward {
    shape: Vec<usize>,
    dtype: DType,
    pos: LazyPositions,
    /// The user's index tensors, saved so that an in-place write to one
    /// after the forward raises PyTorch's error instead of a wrong gradient.
    indices: Vec<SavedTensor>,
}

impl Formula for PutBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        for ix in &self.indices {
            ix.unpack()?;
        }
        let g = g.to_dtype(self.dtype)?;
        Ok(vec![Some(put_add(&self.shape, &self.pos.get()?, &g)?)])
    }
    fn saved(&self) -> Vec<&SavedTensor> {
        self.indices.iter().collect()
    }
}

/// Records `name` on `input` for an op that reads input elements at `pos`
/// (an int64 tensor of the output's shape, computed at the first backward).
/// `indices` are the user's index tensors the positions come from.
pub(crate) fn gathered(
    name: &'static str,
    input: &Tensor,
    indices: &[&Tensor],
    forward: impl FnOnce() -> Result<Tensor>,
    pos: impl Fn() -> Result<Tensor> + Send + Sync + 'static,
) -> Result<Tensor> {
    record(name, &[Some(input)], forward, |_| {
        Ok(PutBackward {
            shape: input.shape().to_vec(),
            dtype: input.dtype(),
            pos: LazyPositions::new(pos),
            indices: indices.iter().map(|t| SavedTensor::input(t)).collect(),
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
    let index = pos.clone();
    let pos = pos.clone();
    gathered("TakeBackward0", t, &[&index], forward, move || {
        // Negative positions count from the end, as in the forward.
        let p: Vec<i64> = pos
            .to_vec::<i64>()?
            .into_iter()
            .map(|i| if i < 0 { i + n } else { i })
            .collect();
        Tensor::from_vec(p, pos.shape())
    })
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

type Region = Arc<dyn Fn(usize, &Tensor) -> Result<Tensor> + Send + Sync>;

/// Gradient pieces of a join (`cat`, `stack`): input `i` is the view
/// `region(i, g)` of the output's gradient, shaped like the input.
struct JoinBackward {
    region: Region,
    inputs: Vec<(Vec<i64>, DType)>,
}

impl Formula for JoinBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        self.inputs
            .iter()
            .zip(needs)
            .enumerate()
            .map(|(i, ((shape, dt), &need))| {
                if !need {
                    return Ok(None);
                }
                Ok(Some((self.region)(i, g)?.reshape(shape)?.to_dtype(*dt)?))
            })
            .collect()
    }
}

/// Records a join whose input `i` is the view `region(i, out)` of the
/// output (saving nothing but that rule and the inputs' shapes).
pub(crate) fn join(
    name: &'static str,
    inputs: &[Tensor],
    forward: impl FnOnce() -> Result<Tensor>,
    region: impl Fn(usize, &Tensor) -> Result<Tensor> + Send + Sync + 'static,
) -> Result<Tensor> {
    let refs: Vec<Option<&Tensor>> = inputs.iter().map(Some).collect();
    record(name, &refs, forward, |_| {
        let inputs = inputs
            .iter()
            .map(|t| (t.shape().iter().map(|&d| d as i64).collect(), t.dtype()))
            .collect();
        Ok(JoinBackward {
            region: Arc::new(region),
            inputs,
        })
    })
}
