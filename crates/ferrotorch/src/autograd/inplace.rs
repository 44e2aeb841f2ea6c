//! In-place ops inside a graph (PyTorch's history rebase) and the view
//! bookkeeping they need.
//!
//! An in-place op computes its result with the recorded out-of-place op,
//! writes it into the tensor, and makes that result's node the tensor's
//! `grad_fn`; saved tensors of the overwritten version then fail their
//! version check. When the written tensor is a view, the view's base gets a
//! `CopySlices` node (gradient of the untouched part to the old history, of
//! the written part to the new one), and every view of that base
//! regenerates its `grad_fn` (`AsStridedBackward0` on the base's new
//! history) the next time it is used.

use super::formulas::index::positions_in_base;
use super::formulas::region::{strided_op, view_scatter, ViewBackward, ViewOp};
use super::formulas::sum_to_shape;
use super::grad_mode::{is_grad_enabled, GradModeGuard};
use super::node::{Edge, Formula, Node, OpNode};
use crate::ops::math::where_;
use crate::ops::take::{put_add, take};
use crate::{DType, Error, Result, Tensor};
use std::sync::{Arc, OnceLock};

/// What a view remembers of its base: the base itself and the base's
/// `grad_fn` when the view's own `grad_fn` was last derived from it.
#[derive(Clone)]
pub(crate) struct ViewInfo {
    base: Tensor,
    base_fn: Option<Arc<dyn Node>>,
}

fn raw_grad_fn(t: &Tensor) -> Option<Arc<dyn Node>> {
    t.autograd_meta()
        .grad_fn
        .lock()
        .unwrap()
        .as_ref()
        .map(|e| e.node.clone())
}

fn same_node(a: &Option<Arc<dyn Node>>, b: &Option<Arc<dyn Node>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}

/// The autograd base of a view (`None` for tensors that are not views).
pub(crate) fn view_base(t: &Tensor) -> Option<Tensor> {
    t.autograd_meta()
        .view
        .lock()
        .unwrap()
        .as_ref()
        .map(|v| v.base.clone())
}

/// Marks `out` as a view of `of` (or of `of`'s base); returns `out`.
pub(crate) fn mark_view(out: Tensor, of: &Tensor) -> Tensor {
    let base = view_base(of).unwrap_or_else(|| of.clone());
    let base_fn = raw_grad_fn(&base);
    *out.autograd_meta().view.lock().unwrap() = Some(ViewInfo { base, base_fn });
    out
}

/// Gradient of a view from its base's point of view: `put_add` at the
/// view's positions in the base.
struct AsStridedBackward {
    shape: Vec<usize>,
    pos: Tensor,
}

impl Formula for AsStridedBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(put_add(&self.shape, &self.pos, g)?)])
    }
}

/// View `t` of `base` as a layout relation, when one expresses it (same
/// storage, contiguous base, `t` inside it without overlapping itself);
/// `None` means flat positions are needed.
fn region_in_base(t: &Tensor, base: &Tensor) -> Option<ViewOp> {
    if !Arc::ptr_eq(t.storage(), base.storage()) {
        return None;
    }
    strided_op(base.layout(), t.layout())
}

/// Re-derives a view's `grad_fn` when its base was modified in place since
/// (so the view's history includes that modification, as in PyTorch).
pub(crate) fn refresh_view(t: &Tensor) {
    let mut slot = t.autograd_meta().view.lock().unwrap();
    let Some(info) = slot.as_mut() else { return };
    let now = raw_grad_fn(&info.base);
    if same_node(&now, &info.base_fn) {
        return;
    }
    info.base_fn = now;
    let Some(edge) = info.base.gradient_edge() else {
        return;
    };
    // The common case (a view of a contiguous base) is a layout relation:
    // O(1) to record, like the view itself. Other layouts are matched by
    // storage offset, which only fails for odd strides; then the node's
    // backward reports it.
    let formula: Box<dyn FnOnce() -> Arc<dyn Node>> = match region_in_base(t, &info.base) {
        Some(op) => {
            let f = ViewBackward::new(info.base.shape().to_vec(), info.base.dtype(), op);
            Box::new(|| OpNode::create("AsStridedBackward0", vec![Some(edge)], f))
        }
        None => match positions_in_base(t, &info.base) {
            Ok(pos) => Box::new(|| {
                OpNode::create(
                    "AsStridedBackward0",
                    vec![Some(edge)],
                    AsStridedBackward {
                        shape: info.base.shape().to_vec(),
                        pos,
                    },
                )
            }),
            Err(e) => {
                let msg = e.to_string();
                Box::new(move || {
                    OpNode::create("AsStridedBackward0", vec![Some(edge)], Failing { msg })
                })
            }
        },
    };
    let node = formula();
    *t.autograd_meta().grad_fn.lock().unwrap() = Some(Edge { node, input_nr: 0 });
    t.set_requires_grad_flag(true);
}

struct Failing {
    msg: String,
}

impl Formula for Failing {
    fn backward(&self, _g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        Err(Error::NotImplemented(self.msg.clone()))
    }
}

/// Whether an in-place write into `dst` that reads `sources` must be recorded.
pub(crate) fn must_record(dst: &Tensor, sources: &[&Tensor]) -> bool {
    is_grad_enabled()
        && (dst.requires_grad()
            || sources.iter().any(|s| s.requires_grad())
            || view_base(dst).is_some_and(|b| b.requires_grad()))
}

/// PyTorch's refusals of in-place writes while grad mode is on: into a leaf
/// that requires grad, or into a view of one.
pub(crate) fn check_target(dst: &Tensor) -> Result<()> {
    if !is_grad_enabled() {
        return Ok(());
    }
    if let Some(base) = view_base(dst) {
        if base.requires_grad() && base.is_leaf() {
            return Err(Error::Runtime(
                "a view of a leaf Variable that requires grad is being used in an in-place operation.".into(),
            ));
        }
    }
    if dst.requires_grad() && dst.is_leaf() {
        return Err(Error::Runtime(
            "a leaf Variable that requires grad is being used in an in-place operation.".into(),
        ));
    }
    Ok(())
}

/// A copy of `x`'s values with `x`'s history: what an in-place op reads
/// (and may save) while `x` itself is overwritten.
pub(crate) fn snapshot(x: &Tensor) -> Tensor {
    let c = {
        let _g = GradModeGuard::new(false);
        x.clone_data()
    };
    if let Some(e) = x.gradient_edge() {
        *c.autograd_meta().grad_fn.lock().unwrap() = Some(e);
        c.set_requires_grad_flag(true);
    }
    c
}

/// Makes `edge` (the node that computed the values just written into
/// `dst`) the history of `dst`; for a view, rebases its base instead
/// (`CopySlices`).
pub(crate) fn rebase(dst: &Tensor, edge: Option<Edge>) -> Result<()> {
    match view_base(dst) {
        None => {
            let flag = edge.is_some();
            *dst.autograd_meta().grad_fn.lock().unwrap() = edge;
            dst.set_requires_grad_flag(flag);
        }
        Some(base) => {
            // A layout relation keeps the record O(1) in the base's size;
            // positions (O(numel(base)) to match) only when there is none.
            let region = match region_in_base(dst, &base) {
                Some(op) => Region::View(op),
                None => Region::At(positions_in_base(dst, &base)?.contiguous()),
            };
            let node = region_node(
                "CopySlices",
                &base,
                region,
                edge.map(|e| (e, Written::Whole(dst.shape().to_vec(), dst.dtype()))),
                false,
            )?;
            *base.autograd_meta().grad_fn.lock().unwrap() = Some(Edge { node, input_nr: 0 });
            base.set_requires_grad_flag(true);
            // `dst` itself is re-derived from the base on next use.
            refresh_view(dst);
        }
    }
    Ok(())
}

/// How the written values relate to the source that produced them.
pub(crate) enum Written {
    /// Written value `k` is source element `k` of a source of this shape
    /// (broadcast into the written region).
    Whole(Vec<usize>, DType),
    /// Written value `k` is source element `src_pos[k]` (scatter).
    At(Tensor, Vec<usize>, DType),
}

/// Where an overwrite landed in the tensor whose history records it.
enum Region {
    /// Flat positions (int64, contiguous) in the tensor.
    At(Tensor),
    /// The view `op` of the tensor.
    View(ViewOp),
}

impl Region {
    /// The written elements of `g` (a gradient of the whole tensor), in the
    /// region's shape.
    fn gather(&self, g: &Tensor) -> Result<Tensor> {
        match self {
            Region::At(pos) => take(g, pos),
            Region::View(op) => op.apply(g),
        }
    }

    /// Which elements of a tensor of `shape` were overwritten.
    fn mask(&self, shape: &[usize], device: crate::Device) -> Result<Tensor> {
        let _g = GradModeGuard::new(false);
        let ones =
            |shape: &[usize]| Tensor::full_on(shape, crate::Scalar::Int(1), DType::F32, device);
        let hits = match self {
            Region::At(pos) => put_add(shape, pos, &ones(pos.shape())?)?,
            // Backward is `shape`-sized anyway; the view of a ones tensor
            // gives the region's shape for any kind of op.
            Region::View(op) => {
                let ones = op.apply(&ones(shape)?)?;
                view_scatter(&ones, shape, DType::F32, op)?
            }
        };
        crate::ops::math::binary(&hits, 0.0, crate::ops::math::BinaryOp::Gt)
    }
}

/// Gradient of "`t` with the elements of `region` overwritten by a
/// source": the overwritten part of `g` goes to the source, the rest to
/// `t`'s old history (all of `g` when `keep_old`, for accumulating writes).
/// The mask of overwritten elements is `t`-sized, so it is built at the
/// first backward that needs it (not at record time) and then kept.
struct OverwriteBackward {
    shape: Vec<usize>,
    region: Region,
    written: OnceLock<Tensor>,
    keep_old: bool,
    src: Option<Written>,
}

impl OverwriteBackward {
    /// The mask of overwritten elements, on the gradient's device.
    fn written(&self, device: crate::Device) -> Result<Tensor> {
        if let Some(w) = self.written.get() {
            return Ok(w.clone());
        }
        let w = self.region.mask(&self.shape, device)?;
        Ok(self.written.get_or_init(|| w).clone())
    }
}

impl Formula for OverwriteBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let old = match needs.first() {
            Some(true) if self.keep_old => Some(g.clone()),
            Some(true) => Some(where_(&self.written(g.device())?, 0.0, g)?),
            _ => None,
        };
        let src = match (&self.src, needs.get(1)) {
            (Some(w), Some(true)) => {
                let part = self.region.gather(g)?;
                Some(match w {
                    Written::Whole(shape, dt) => sum_to_shape(&part, shape)?.to_dtype(*dt)?,
                    Written::At(src_pos, shape, dt) => {
                        put_add(shape, src_pos, &part)?.to_dtype(*dt)?
                    }
                })
            }
            _ => None,
        };
        Ok(vec![old, src])
    }
}

/// The node of an overwrite of `t` at positions `pos` (int64, flat in `t`)
/// by a source with history `src`.
pub(crate) fn overwrite_node_with(
    name: &'static str,
    t: &Tensor,
    pos: Tensor,
    src: Option<(Edge, Written)>,
    keep_old: bool,
) -> Result<Arc<dyn Node>> {
    region_node(name, t, Region::At(pos.contiguous()), src, keep_old)
}

fn region_node(
    name: &'static str,
    t: &Tensor,
    region: Region,
    src: Option<(Edge, Written)>,
    keep_old: bool,
) -> Result<Arc<dyn Node>> {
    let (edge, src) = match src {
        Some((e, w)) => (Some(e), Some(w)),
        None => (None, None),
    };
    Ok(OpNode::create(
        name,
        vec![t.gradient_edge(), edge],
        OverwriteBackward {
            shape: t.shape().to_vec(),
            region,
            written: OnceLock::new(),
            keep_old,
            src,
        },
    ))
}

/// Records an in-place overwrite of (part of) `t`: `t`'s history becomes
/// node `name` (for a view, its base gets `CopySlices` around it).
pub(crate) fn record_overwrite(
    name: &'static str,
    t: &Tensor,
    pos: Tensor,
    src: Option<(Edge, Written)>,
    keep_old: bool,
) -> Result<()> {
    let node = overwrite_node_with(name, t, pos, src, keep_old)?;
    rebase(t, Some(Edge { node, input_nr: 0 }))
}

/// Whether a write into view `part` of `t` can be recorded by layout
/// ([`record_view_overwrite`]): `part` is a layout relation of `t`, or of
/// `t`'s base when `t` is itself a view (e.g. a transpose, which is not
/// contiguous but lies in a contiguous base).
pub(crate) fn view_region_of(t: &Tensor, part: &Tensor) -> bool {
    region_in_base(part, t).is_some()
        || view_base(t).is_some_and(|b| region_in_base(part, &b).is_some())
}

/// [`record_overwrite`] of the part of `t` that view `part` covers, by
/// layout (O(1) in `t`'s size); positions when no layout relation exists.
pub(crate) fn record_view_overwrite(
    name: &'static str,
    t: &Tensor,
    part: &Tensor,
    src: Option<(Edge, Written)>,
) -> Result<()> {
    if let Some(op) = region_in_base(part, t) {
        let node = region_node(name, t, Region::View(op), src, false)?;
        return rebase(t, Some(Edge { node, input_nr: 0 }));
    }
    // `t` is a view: the write is recorded directly on its base, which is
    // what the overwrite on `t` followed by `CopySlices` would compute.
    if let Some(base) = view_base(t) {
        if let Some(op) = region_in_base(part, &base) {
            let node = region_node("CopySlices", &base, Region::View(op), src, false)?;
            *base.autograd_meta().grad_fn.lock().unwrap() = Some(Edge { node, input_nr: 0 });
            base.set_requires_grad_flag(true);
            refresh_view(t);
            return Ok(());
        }
    }
    let pos = positions_in_base(part, t)?;
    record_overwrite(name, t, pos, src, false)
}

/// Gradient of `dst.copy_(src)`: nothing to the overwritten values, all of
/// `g` (summed over broadcasting, in `src`'s dtype) to `src`.
struct CopyBackward {
    shape: Vec<usize>,
    dtype: DType,
    // copy_ crosses devices: the source's gradient goes back to its own.
    device: crate::Device,
}

impl Formula for CopyBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        let old = needs
            .first()
            .copied()
            .unwrap_or(false)
            .then(|| Tensor::full_on(g.shape(), crate::Scalar::Int(0), g.dtype(), g.device()))
            .transpose()?;
        let src = match needs.get(1) {
            Some(true) => Some(
                sum_to_shape(g, &self.shape)?
                    .to_dtype(self.dtype)?
                    .to_device(self.device)?,
            ),
            _ => None,
        };
        Ok(vec![old, src])
    }
}

/// Records `dst.copy_(src)` (`CopyBackwards`) after the values were written.
pub(crate) fn record_copy(dst: &Tensor, src: &Tensor) -> Result<()> {
    let node = OpNode::create(
        "CopyBackwards",
        vec![dst.gradient_edge(), src.gradient_edge()],
        CopyBackward {
            shape: src.shape().to_vec(),
            dtype: src.dtype(),
            device: src.device(),
        },
    );
    rebase(dst, Some(Edge { node, input_nr: 0 }))
}

/// Writes `result` (computed by the recorded out-of-place op) into `dst`
/// and makes its node `dst`'s history: the in-place op's rebase.
pub(crate) fn assign_recorded(dst: &Tensor, result: &Tensor) -> Result<()> {
    check_target(dst)?;
    dst.copy_raw(result)?;
    let r = if result.shape() != dst.shape() {
        result.broadcast_to(dst.shape())?
    } else {
        result.clone()
    };
    let r = r.to_dtype(dst.dtype())?;
    rebase(dst, r.gradient_edge())
}
