//! Backward of views that select part of their input: `select`, `narrow`,
//! slicing with steps, `as_strided`, and the pieces of `split`/`unbind`
//! (`SelectBackward0`, `SliceBackward0`, `AsStridedBackward0`, ...).
//!
//! The node saves only how the view was taken (a [`ViewOp`]: dims, bounds,
//! strides), so recording a view costs O(1) like the view itself. Backward
//! is [`view_scatter`]: a zero tensor of the input's shape whose same view
//! receives the gradient. `view_scatter`'s own gradient is the view again,
//! so these gradients stay differentiable (`create_graph`).
//!
//! Views the layout arithmetic cannot express (an `as_strided` of a
//! non-contiguous input, or one whose elements overlap) fall back to flat
//! positions, computed at the first backward and kept for a retained graph.

use super::index::LazyPositions;
use crate::autograd::{any_requires_grad, record, Formula};
use crate::ops::take::put_add;
use crate::{DType, Error, Layout, Result, Tensor};

/// How a view is taken from its input, replayable on any tensor.
#[derive(Clone, Debug)]
pub(crate) enum ViewOp {
    /// `select(dim, index)`.
    Select(i64, i64),
    /// `narrow(dim, start, length)`.
    Narrow(i64, i64, i64),
    /// `slice(dim, start, end, step)`.
    Slice(usize, Option<i64>, Option<i64>, i64),
    /// Sizes, strides and offset within a contiguous tensor of the input's
    /// shape (non-overlapping, inside the input).
    Strided(Vec<usize>, Vec<usize>, usize),
}

impl ViewOp {
    /// The view's layout when taken from a tensor laid out as `l` (for
    /// `Strided`, `l` must be contiguous).
    fn layout_of(&self, l: &Layout) -> Result<Layout> {
        match self {
            ViewOp::Select(d, i) => l.select(*d, *i),
            ViewOp::Narrow(d, s, n) => l.narrow(*d, *s, *n),
            ViewOp::Slice(d, s, e, st) => l.slice(*d, *s, *e, *st),
            ViewOp::Strided(shape, strides, off) => Ok(Layout {
                shape: shape.clone(),
                strides: strides.clone(),
                offset: l.offset + off,
            }),
        }
    }

    /// The same view of `t`, as a recorded tensor op.
    pub(crate) fn apply(&self, t: &Tensor) -> Result<Tensor> {
        match self {
            ViewOp::Select(d, i) => t.select(*d, *i),
            ViewOp::Narrow(d, s, n) => t.narrow(*d, *s, *n),
            ViewOp::Slice(d, s, e, st) => t.slice(*d, *s, *e, *st),
            ViewOp::Strided(shape, strides, off) => {
                let c = t.contiguous();
                c.as_strided(shape, strides, Some(c.offset() + off))
            }
        }
    }

    /// PyTorch's name of the node recorded by [`view_scatter`].
    fn scatter_name(&self) -> &'static str {
        match self {
            ViewOp::Select(..) => "SelectBackwardBackward0",
            ViewOp::Narrow(..) | ViewOp::Slice(..) => "SliceBackwardBackward0",
            ViewOp::Strided(..) => "AsStridedBackwardBackward0",
        }
    }
}

/// The `Strided` view op of an `as_strided(shape, strides, offset)` taken
/// from `input`, when the layout arithmetic can express its backward: the
/// input is contiguous and the view lies inside it without overlapping
/// itself (else `None`: positions are needed).
pub(crate) fn strided_op(input: &Layout, view: &Layout) -> Option<ViewOp> {
    if !input.is_contiguous() || view.offset < input.offset {
        return None;
    }
    let off = view.offset - input.offset;
    if view.numel() > 0 && view.storage_span() - input.offset > input.numel() {
        return None;
    }
    // Non-overlapping: taken by increasing stride, each dim must step past
    // everything the smaller ones reach.
    let mut dims: Vec<(usize, usize)> = view
        .shape
        .iter()
        .zip(&view.strides)
        .filter(|(&d, _)| d > 1)
        .map(|(&d, &s)| (s, d))
        .collect();
    dims.sort_unstable();
    let mut reach = 0usize;
    for (s, d) in dims {
        if s <= reach {
            return None;
        }
        reach += s * (d - 1);
    }
    Some(ViewOp::Strided(
        view.shape.clone(),
        view.strides.clone(),
        off,
    ))
}

/// A zero tensor of `shape` whose view `op` holds `g` (cast to `dtype`):
/// the gradient of view `op` with respect to its input.
pub(crate) fn view_scatter(
    g: &Tensor,
    shape: &[usize],
    dtype: DType,
    op: &ViewOp,
) -> Result<Tensor> {
    let g = g.to_dtype(dtype)?;
    let forward = || {
        let z = Tensor::full_on(shape, crate::Scalar::Int(0), dtype, g.device())?;
        z.with_layout(op.layout_of(z.layout())?).copy_raw(&g)?;
        Ok(z)
    };
    if any_requires_grad(&[&g]) {
        return record(op.scatter_name(), &[Some(&g)], forward, |_| {
            Ok(ViewGather { op: op.clone() })
        });
    }
    forward()
}

/// Gradient of [`view_scatter`] with respect to its source: the view again.
struct ViewGather {
    op: ViewOp,
}

impl Formula for ViewGather {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(self.op.apply(g)?)])
    }
}

/// Gradient of a view taken by `op` from an input of this shape and dtype.
pub(crate) struct ViewBackward {
    shape: Vec<usize>,
    dtype: DType,
    op: ViewOp,
}

impl ViewBackward {
    pub(crate) fn new(shape: Vec<usize>, dtype: DType, op: ViewOp) -> ViewBackward {
        ViewBackward { shape, dtype, op }
    }
}

impl Formula for ViewBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(view_scatter(
            g,
            &self.shape,
            self.dtype,
            &self.op,
        )?)])
    }
}

/// Records view node `name` of `input` taken by `op` (the output is
/// computed by `forward`); O(1) whatever the input's size.
pub(crate) fn view_of(
    name: &'static str,
    input: &Tensor,
    op: ViewOp,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    record(name, &[Some(input)], forward, |_| {
        Ok(ViewBackward {
            shape: input.shape().to_vec(),
            dtype: input.dtype(),
            op,
        })
    })
}

/// Gradient of a view given by raw layouts (an `as_strided` that
/// [`strided_op`] cannot express): `put_add` at the view's flat positions
/// in its input, found at the first backward.
struct StridedBackward {
    shape: Vec<usize>,
    dtype: DType,
    pos: LazyPositions,
}

impl Formula for StridedBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let g = g.to_dtype(self.dtype)?;
        Ok(vec![Some(put_add(&self.shape, &self.pos.get()?, &g)?)])
    }
}

/// Records `AsStridedBackward0` for `out`, a view of `input`'s storage with
/// layout `view`.
pub(crate) fn as_strided_of(
    input: &Tensor,
    view: Layout,
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    if let Some(op) = strided_op(input.layout(), &view) {
        return view_of("AsStridedBackward0", input, op, forward);
    }
    let base = input.layout().clone();
    record("AsStridedBackward0", &[Some(input)], forward, |_| {
        Ok(StridedBackward {
            shape: input.shape().to_vec(),
            dtype: input.dtype(),
            pos: LazyPositions::new(move || positions_in_layout(&view, &base)),
        })
    })
}

/// The flat position in a tensor laid out as `base` of each element of a
/// view laid out as `view` over the same storage, matched by storage offset.
pub(crate) fn positions_in_layout(view: &Layout, base: &Layout) -> Result<Tensor> {
    use ferrotorch_cpu::elementwise::offsets;
    use std::collections::HashMap;
    let base_offs = offsets(base);
    let mut at: HashMap<usize, i64> = HashMap::with_capacity(base_offs.len());
    for (i, o) in base_offs.into_iter().enumerate() {
        at.entry(o).or_insert(i as i64);
    }
    let p = offsets(view)
        .into_iter()
        .map(|o| {
            at.get(&o).copied().ok_or_else(|| {
                Error::NotImplemented(
                    "the derivative for 'as_strided' is not implemented for views that reach storage outside their input.".into(),
                )
            })
        })
        .collect::<Result<Vec<i64>>>()?;
    Tensor::from_vec(p, &view.shape)
}

#[cfg(test)]
mod tests {
    use crate::autograd::formulas::index::BUILT;
    use crate::index::{index, TensorIndex};
    use crate::{Result, Tensor};

    fn built() -> usize {
        BUILT.with(|b| b.get())
    }

    fn leaf(shape: &[usize]) -> Result<Tensor> {
        let n: usize = shape.iter().product();
        let x = Tensor::from_vec((0..n).map(|i| i as f64).collect::<Vec<_>>(), shape)?;
        x.set_requires_grad(true)?;
        Ok(x)
    }

    #[test]
    fn views_record_without_positions() -> Result<()> {
        let x = leaf(&[64, 64])?;
        let before = built();
        let a = x
            .select(1, 3)?
            .narrow(0, 1, 10)?
            .slice(0, Some(0), None, 3)?;
        let b = x.as_strided(&[4, 4], &[64, 1], Some(5))?;
        let y = a.sum(&[], false, None)?.add(&b.sum(&[], false, None)?)?;
        y.backward(None, false, false)?;
        // Neither the forward nor the backward of a plain view needs positions.
        assert_eq!(built(), before);
        let g: Vec<f64> = x.grad().unwrap().to_vec()?;
        let want = |r: usize, c: usize| {
            let in_a = c == 3 && (1..11).contains(&r) && (r - 1) % 3 == 0;
            let in_b = (0..4).contains(&r) && (5..9).contains(&c);
            in_a as u8 as f64 + in_b as u8 as f64
        };
        for (k, v) in g.into_iter().enumerate() {
            assert_eq!(v, want(k / 64, k % 64), "at {k}");
        }
        Ok(())
    }

    #[test]
    fn index_positions_are_lazy_and_kept() -> Result<()> {
        let x = leaf(&[8, 8])?;
        let ix = Tensor::from_vec(vec![1i64, 1, 5], &[3])?;
        let before = built();
        let y = index(&x, &[TensorIndex::Tensor(ix)])?.sum(&[], false, None)?;
        assert_eq!(built(), before, "forward computed positions");
        y.backward(None, true, false)?;
        y.backward(None, false, false)?;
        // One computation, reused by the retained graph's second backward.
        assert_eq!(built(), before + 1);
        let g: Vec<f64> = x.grad().unwrap().to_vec()?;
        assert_eq!(g[8], 4.0);
        assert_eq!(g[40], 2.0);
        assert_eq!(g.iter().sum::<f64>(), 48.0);
        Ok(())
    }
}
