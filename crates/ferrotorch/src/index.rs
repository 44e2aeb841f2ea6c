//! Indexing: `t[...]` with ints, slices, `None`, `...`, integer and boolean
//! tensors (advanced indexing with NumPy/PyTorch placement rules), assignment
//! through the same plan, and `index_select`, `gather`, `scatter`,
//! `masked_fill`, `nonzero`.

use crate::autograd::formulas::index::{gathered, positions};
use crate::ops::math::{where_, Operand};
use crate::{DType, Element, Error, Result, Tensor};
use ferrotorch_core::{broadcast_shapes, MemOverlap, PARTIAL_OVERLAP_MESSAGE};
use ferrotorch_cpu::elementwise::offsets;

/// The deprecation PyTorch reports (as a Python `UserWarning`) when a uint8
/// tensor with dimensions is used as an index: it is read as a boolean mask.
pub const UINT8_INDEX_WARNING: &str =
    "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.";

/// Receives the warnings indexing raises (the Python binding turns them into
/// `UserWarning`s; Rust callers may ignore them).
pub type WarnSink<'a> = &'a mut dyn FnMut(&'static str);

/// Whether an index tensor is a mask: bool, or uint8 (PyTorch's legacy masks).
fn is_mask(t: &Tensor) -> bool {
    matches!(t.dtype(), DType::Bool | DType::U8)
}

/// One entry of an index expression.
#[derive(Clone)]
pub enum TensorIndex {
    Int(i64),
    Slice(Option<i64>, Option<i64>, i64),
    None,
    Ellipsis,
    /// An int64/int32 tensor of positions, or a bool/uint8 mask.
    Tensor(Tensor),
}

/// Where advanced-indexed elements come from: output index `(p, b, q)` reads
/// storage offset `pre[p] + mid[b] + post[q]`.
struct Plan {
    base: Tensor,
    shape: Vec<usize>,
    pre: Vec<usize>,
    mid: Mid,
    post: Vec<usize>,
}

/// The advanced-index part of the offsets: read on the host for CPU
/// tensors, computed where the data is for CUDA ones (no round trip of the
/// index values).
enum Mid {
    Host(Vec<usize>),
    /// int64 offsets of shape `[nb]` on the base's device.
    Device(Tensor),
}

fn dims_offsets(shape: &[usize], strides: &[usize]) -> Vec<usize> {
    let l = crate::Layout {
        shape: shape.to_vec(),
        strides: strides.to_vec(),
        offset: 0,
    };
    offsets(&l)
}

fn consumed(idx: &TensorIndex) -> usize {
    match idx {
        TensorIndex::Int(_) | TensorIndex::Slice(..) => 1,
        TensorIndex::Tensor(t) if is_mask(t) => t.ndim(),
        TensorIndex::Tensor(_) => 1,
        TensorIndex::None | TensorIndex::Ellipsis => 0,
    }
}

/// Whether slice `a:b:s` written over a dim of `size` keeps all of it, in
/// PyTorch's literal sense: start 0 (or none), stop past the end, step 1.
fn is_full_slice(a: Option<i64>, b: Option<i64>, s: i64, size: usize) -> bool {
    matches!(a, None | Some(0)) && b.is_none_or(|b| b >= size as i64) && s == 1
}

/// Applies basic indexing; returns the view and the advanced indices as
/// (dim in the view, int64 index tensor).
fn basic(
    t: &Tensor,
    idx: &[TensorIndex],
    warn: WarnSink,
) -> Result<(Tensor, Vec<(usize, Tensor)>)> {
    let used: usize = idx.iter().map(consumed).sum();
    if used > t.ndim() {
        return Err(Error::Index(format!(
            "too many indices for tensor of dimension {}",
            t.ndim()
        )));
    }
    if idx
        .iter()
        .filter(|i| matches!(i, TensorIndex::Ellipsis))
        .count()
        > 1
    {
        return Err(Error::Index(
            "an index can only have a single ellipsis ('...')".into(),
        ));
    }
    let mut view = t.clone();
    let mut adv = vec![];
    let mut d = 0usize;
    for entry in idx {
        match entry {
            TensorIndex::Int(i) => {
                let size = view.shape()[d] as i64;
                if *i < -size || *i >= size {
                    return Err(Error::Index(format!(
                        "index {} is out of bounds for dimension {} with size {}",
                        i, d, size
                    )));
                }
                view = view.select(d as i64, *i)?;
            }
            TensorIndex::Slice(a, b, s) => {
                // Like PyTorch, a slice over the whole dim is no view (and no
                // SliceBackward0) unless it is the only index (`t[:]`).
                if idx.len() == 1 || !is_full_slice(*a, *b, *s, view.shape()[d]) {
                    view = view.slice(d, *a, *b, *s)?;
                }
                d += 1;
            }
            TensorIndex::None => {
                view = view.unsqueeze(d as i64)?;
                d += 1;
            }
            TensorIndex::Ellipsis => d += view.ndim() - d - idx_remaining(idx, entry),
            TensorIndex::Tensor(ix) if is_mask(ix) => {
                let k = ix.ndim();
                // PyTorch warns before checking the shape, and not for 0-d masks.
                if ix.dtype() == DType::U8 && k > 0 {
                    warn(UINT8_INDEX_WARNING);
                }
                for j in 0..k {
                    if ix.shape()[j] != view.shape()[d + j] {
                        return Err(Error::Index(format!(
                            "The shape of the mask [{}] at index {} does not match the shape of the indexed tensor [{}] at index {}",
                            ix.shape().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                            j,
                            view.shape().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                            d + j
                        )));
                    }
                }
                if k == 0 {
                    // A 0-d mask adds a dim of size 1 (true) or 0 (false).
                    view = view.unsqueeze(d as i64)?;
                    let keep = ix.item()?.to_f64() != 0.0;
                    adv.push((
                        d,
                        Tensor::from_vec(if keep { vec![0i64] } else { vec![] }, &[keep as usize])?,
                    ));
                    d += 1;
                    continue;
                }
                let nz = nonzero(ix)?;
                for j in 0..k {
                    adv.push((d + j, nz.select(1, j as i64)?));
                }
                d += k;
            }
            TensorIndex::Tensor(ix) => {
                if !matches!(ix.dtype(), DType::I64 | DType::I32) {
                    return Err(Error::Index(
                        "tensors used as indices must be long, int, byte or bool tensors".into(),
                    ));
                }
                adv.push((d, ix.to_dtype(DType::I64)?));
                d += 1;
            }
        }
    }
    Ok((view, adv))
}

/// Dims consumed by the entries after the ellipsis (plus `None`s, which add dims).
fn idx_remaining(idx: &[TensorIndex], ell: &TensorIndex) -> usize {
    let pos = idx
        .iter()
        .position(|e| std::ptr::eq(e, ell))
        .unwrap_or(idx.len());
    idx[pos + 1..]
        .iter()
        .map(|e| {
            if matches!(e, TensorIndex::None) {
                0
            } else {
                consumed(e)
            }
        })
        .sum()
}

fn plan(
    t: &Tensor,
    idx: &[TensorIndex],
    warn: WarnSink,
) -> Result<std::result::Result<Plan, Tensor>> {
    let (view, adv) = basic(t, idx, warn)?;
    if adv.is_empty() {
        return Ok(Err(view));
    }
    let mut bshape: Vec<usize> = vec![];
    for (_, ix) in &adv {
        bshape = broadcast_shapes(&bshape, ix.shape()).map_err(|_| {
            Error::Index(format!(
                "shape mismatch: indexing tensors could not be broadcast together with shapes {}",
                adv.iter()
                    .map(|(_, i)| format!(
                        "[{}]",
                        i.shape()
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    }
    let mid = if view.device() != crate::Device::Cpu {
        Mid::Device(device_mid(&view, &adv, &bshape)?)
    } else {
        let nb: usize = bshape.iter().product();
        let mut mid = vec![view.offset(); nb];
        for (d, ix) in &adv {
            let size = view.shape()[*d] as i64;
            let stride = view.strides()[*d];
            let vals: Vec<i64> = ix.broadcast_to(&bshape)?.to_vec()?;
            for (m, &v) in mid.iter_mut().zip(&vals) {
                if v < -size || v >= size {
                    return Err(index_out_of_bounds(v, *d, size));
                }
                let v = if v < 0 { v + size } else { v };
                *m += v as usize * stride;
            }
        }
        Mid::Host(mid)
    };
    let dims: Vec<usize> = adv.iter().map(|(d, _)| *d).collect();
    let adjacent = dims.windows(2).all(|w| w[1] == w[0] + 1);
    let rest = |r: std::ops::Range<usize>| -> (Vec<usize>, Vec<usize>) {
        r.filter(|d| !dims.contains(d))
            .map(|d| (view.shape()[d], view.strides()[d]))
            .unzip()
    };
    let (pre_s, pre_st, post_s, post_st) = if adjacent {
        let (a, b) = rest(0..dims[0]);
        let (c, e) = rest(dims[dims.len() - 1] + 1..view.ndim());
        (a, b, c, e)
    } else {
        let (c, e) = rest(0..view.ndim());
        (vec![], vec![], c, e)
    };
    let mut shape = pre_s.clone();
    shape.extend(&bshape);
    shape.extend(&post_s);
    Ok(Ok(Plan {
        pre: dims_offsets(&pre_s, &pre_st),
        mid,
        post: dims_offsets(&post_s, &post_st),
        shape,
        base: view,
    }))
}

fn index_out_of_bounds(v: i64, d: usize, size: i64) -> Error {
    Error::Index(format!(
        "index {v} is out of bounds for dimension {d} with size {size}"
    ))
}

/// `Mid` on a CUDA device: `offset + sum_d wrap(ix_d) * stride_d` with
/// tensor ops, after one bounds check per index tensor (a sync, as in
/// PyTorch's device-side assert).
fn device_mid(view: &Tensor, adv: &[(usize, Tensor)], bshape: &[usize]) -> Result<Tensor> {
    use crate::ops::math::{binary, BinaryOp};
    use crate::Scalar;
    let dev = view.device();
    let mut mid = Tensor::full_on(bshape, Scalar::Int(view.offset() as i64), DType::I64, dev)?;
    for (d, ix) in adv {
        let size = view.shape()[*d] as i64;
        let ix = ix.to_device(dev)?;
        if let Some((lo, hi)) = crate::gpu::index::value_range(&ix)? {
            for v in [lo, hi] {
                if v < -size || v >= size {
                    return Err(index_out_of_bounds(v, *d, size));
                }
            }
        }
        let neg = binary(&ix, Scalar::Int(0), BinaryOp::Lt)?;
        let wrapped = where_(&neg, &binary(&ix, Scalar::Int(size), BinaryOp::Add)?, &ix)?;
        let step = binary(
            &wrapped,
            Scalar::Int(view.strides()[*d] as i64),
            BinaryOp::Mul,
        )?;
        mid = binary(&mid, &step.broadcast_to(bshape)?, BinaryOp::Add)?;
    }
    mid.reshape(&[-1])
}

impl Plan {
    /// Visits the storage offsets in output order (CPU plans only).
    fn for_each(&self, mut f: impl FnMut(usize)) {
        let Mid::Host(mid) = &self.mid else {
            unreachable!("host iteration over a device plan");
        };
        for &p in &self.pre {
            for &m in mid {
                for &q in &self.post {
                    f(p + m + q);
                }
            }
        }
    }

    /// The storage offsets in output order as an int64 tensor on the base's
    /// device (`pre + mid + post` broadcast).
    fn offsets(&self) -> Result<Tensor> {
        use crate::ops::math::{binary, BinaryOp};
        let Mid::Device(mid) = &self.mid else {
            unreachable!("device offsets of a host plan");
        };
        let dev = self.base.device();
        let as_tensor = |v: &[usize], shape: &[usize]| -> Result<Tensor> {
            Tensor::from_vec(v.iter().map(|&o| o as i64).collect::<Vec<_>>(), shape)?.to_device(dev)
        };
        let pre = as_tensor(&self.pre, &[self.pre.len(), 1, 1])?;
        let post = as_tensor(&self.post, &[1, 1, self.post.len()])?;
        let mid = mid.reshape(&[1, -1, 1])?;
        let all = binary(&binary(&pre, &mid, BinaryOp::Add)?, &post, BinaryOp::Add)?;
        all.reshape(&[-1])
    }
}

/// `t[idx]`: a view for basic indexing, a copy when tensors are involved.
///
/// ```
/// use ferrotorch::index::{index, TensorIndex};
/// use ferrotorch::ops::math::{binary, BinaryOp};
/// use ferrotorch::{DType, ErrorKind, Tensor};
/// use std::sync::Arc;
/// # fn main() -> ferrotorch::Result<()> {
/// let t = Tensor::arange(0.0, 12.0, 1.0, DType::F32)?.reshape(&[3, 4])?;
/// // t[1:, 2] is a view.
/// let v = index(&t, &[TensorIndex::Slice(Some(1), None, 1), TensorIndex::Int(2)])?;
/// assert_eq!(v.to_vec::<f32>()?, [6.0, 10.0]);
/// assert!(Arc::ptr_eq(v.storage(), t.storage()));
/// // t[::2, None, -1]
/// let w = index(&t, &[TensorIndex::Slice(None, None, 2), TensorIndex::None, TensorIndex::Int(-1)])?;
/// assert_eq!(w.shape(), &[2, 1]);
/// assert_eq!(w.to_vec::<f32>()?, [3.0, 11.0]);
///
/// // t[[2, 0]]: an integer tensor gathers rows into a new tensor.
/// let rows = Tensor::from_vec(vec![2i64, 0], &[2])?;
/// let r = index(&t, &[TensorIndex::Tensor(rows)])?;
/// assert_eq!(r.shape(), &[2, 4]);
/// assert_eq!(r.to_vec::<f32>()?, [8.0, 9.0, 10.0, 11.0, 0.0, 1.0, 2.0, 3.0]);
/// // t[..., [3]] and t[t > 8]
/// let last = Tensor::from_vec(vec![3i32], &[1])?;
/// let c = index(&t, &[TensorIndex::Ellipsis, TensorIndex::Tensor(last)])?;
/// assert_eq!(c.to_vec::<f32>()?, [3.0, 7.0, 11.0]);
/// let mask = binary(&t, 8.0, BinaryOp::Gt)?;
/// assert_eq!(index(&t, &[TensorIndex::Tensor(mask)])?.to_vec::<f32>()?, [9.0, 10.0, 11.0]);
///
/// assert_eq!(index(&t, &[TensorIndex::Int(3)]).err().unwrap().kind(), ErrorKind::Index);
/// # Ok(())
/// # }
/// ```
pub fn index(t: &Tensor, idx: &[TensorIndex]) -> Result<Tensor> {
    index_with(t, idx, &mut |_| {})
}

/// [`index`], reporting PyTorch's indexing warnings (a uint8 mask) to `warn`.
///
/// ```
/// use ferrotorch::index::{index_with, TensorIndex, UINT8_INDEX_WARNING};
/// use ferrotorch::{DType, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let t = Tensor::arange(0.0, 4.0, 1.0, DType::F32)?;
/// let mask = Tensor::from_vec(vec![1u8, 0, 2, 0], &[4])?; // nonzero = selected
/// let mut warnings = vec![];
/// let r = index_with(&t, &[TensorIndex::Tensor(mask)], &mut |w| warnings.push(w))?;
/// assert_eq!(r.to_vec::<f32>()?, [0.0, 2.0]);
/// assert_eq!(warnings, [UINT8_INDEX_WARNING]);
/// # Ok(())
/// # }
/// ```
pub fn index_with(t: &Tensor, idx: &[TensorIndex], warn: WarnSink) -> Result<Tensor> {
    // Basic indexing gives a view recorded by the view ops themselves.
    let p = match plan(t, idx, warn)? {
        // An index that takes nothing away still gives a new tensor, as
        // PyTorch's `alias` (AliasBackward0).
        Err(view) if view.same(t) => return view.alias(),
        Err(view) => return Ok(view),
        Ok(p) => p,
    };
    let out = if p.base.device() != crate::Device::Cpu {
        let sizes: Vec<i64> = p.shape.iter().map(|&d| d as i64).collect();
        crate::gpu::index::take_storage(&p.base, &p.offsets()?)?.reshape(&sizes)?
    } else {
        with_dtype!(t.dtype(), T => {
            let data = p.base.data::<T>();
            let mut out: Vec<T> = Vec::with_capacity(p.shape.iter().product());
            p.for_each(|o| out.push(data[o]));
            Tensor::from_vec(out, &p.shape)
        })?
    };
    if crate::autograd::any_requires_grad(&[t]) {
        let tensors = index_tensors(idx);
        let (shape, idx2) = (t.shape().to_vec(), idx.to_vec());
        return gathered(
            "IndexBackward0",
            t,
            &tensors,
            || Ok(out),
            move || index_positions(&shape, &idx2),
        );
    }
    Ok(out)
}

/// The flat position in `t` of each element of `t[idx]`.
fn index_positions(shape: &[usize], idx: &[TensorIndex]) -> Result<Tensor> {
    positions(shape, |a| index_with(a, idx, &mut |_| {}))
}

/// `t[idx] = value` (value broadcast to the indexed shape and cast to `t`'s dtype).
pub fn index_put(t: &Tensor, idx: &[TensorIndex], value: Operand) -> Result<()> {
    index_put_with(t, idx, value, &mut |_| {})
}

/// [`index_put`], reporting PyTorch's indexing warnings to `warn`.
pub fn index_put_with(
    t: &Tensor,
    idx: &[TensorIndex],
    value: Operand,
    warn: WarnSink,
) -> Result<()> {
    use crate::autograd::inplace;
    // PyTorch writes through a view of `t`, so a leaf gets the view error.
    if t.requires_grad() && t.is_leaf() && crate::autograd::is_grad_enabled() {
        return Err(Error::Runtime(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
                .into(),
        ));
    }
    t.check_inplace()?;
    let src = match value {
        Operand::Tensor(v) => Some(v),
        Operand::Scalar(_) => None,
    };
    let rec = inplace::must_record(t, src.as_slice());
    if !rec {
        return index_put_forward(t, idx, value, warn);
    }
    let tensors = index_tensors(idx);
    // Basic indexing writes a view of `t`: its layout relation to `t` keeps
    // the record O(1) in `t`'s size, where positions would be O(numel(t)).
    let part = if tensors.is_empty() {
        let _g = crate::autograd::GradModeGuard::new(false);
        Some(index(t, idx)?)
    } else {
        None
    };
    let pos = match &part {
        Some(p) if inplace::view_region_of(t, p) => None,
        _ => Some(index_positions(t.shape(), idx)?),
    };
    {
        let _g = crate::autograd::GradModeGuard::new(false);
        index_put_forward(t, idx, value, warn)?;
    }
    // PyTorch's node for each form of `t[idx] = value`.
    let name = match (tensors.as_slice(), src) {
        ([], _) => "CopySlices",
        ([m], None) if is_mask(m) => "MaskedFillBackward0",
        ([_], None) => "IndexFillBackward0",
        _ => "IndexPutBackward0",
    };
    let src = src.and_then(|v| {
        v.gradient_edge()
            .map(|e| (e, inplace::Written::Whole(v.shape().to_vec(), v.dtype())))
    });
    match (pos, part) {
        (Some(pos), _) => inplace::record_overwrite(name, t, pos, src, false),
        (None, Some(part)) => inplace::record_view_overwrite(name, t, &part, src),
        (None, None) => Err(Error::Runtime(
            "index_put: neither positions nor a view of the written part".into(),
        )),
    }
}

fn index_put_forward(
    t: &Tensor,
    idx: &[TensorIndex],
    value: Operand,
    warn: WarnSink,
) -> Result<()> {
    let value = match value {
        Operand::Tensor(v) => v.clone(),
        Operand::Scalar(s) => Tensor::scalar_on(s, t.dtype(), t.device())?,
    };
    let value = masked_fill_value(t, idx, value)?;
    match plan(t, idx, warn)? {
        Err(view) => {
            let v = value
                .broadcast_to(view.shape())
                .map_err(|_| shape_err(&value, view.shape()))?;
            view.copy_from(&v)
        }
        Ok(p) => {
            if !t.storage().writable() {
                return Err(Error::Runtime(
                    "cannot write into a read-only tensor".into(),
                ));
            }
            // index_put_ refuses any overlap between the written view and the
            // value, identical memory included (unlike copy_).
            if matches!(
                p.base.overlap(&value),
                MemOverlap::Partial | MemOverlap::Full
            ) {
                return Err(Error::Runtime(PARTIAL_OVERLAP_MESSAGE.into()));
            }
            // A value elsewhere in the same buffer is copied first: the kernel
            // below writes while reading it.
            let value = if std::sync::Arc::ptr_eq(value.storage(), t.storage()) {
                value.clone_data()
            } else {
                value
            };
            let v = value
                .to_dtype(t.dtype())?
                .broadcast_to(&p.shape)
                .map_err(|_| shape_err(&value, &p.shape))?
                .contiguous();
            if t.device() != crate::Device::Cpu {
                crate::gpu::index::put(t, &p.offsets()?, &v.to_device(t.device())?)?;
                t.storage().bump_version();
                return Ok(());
            }
            with_dtype!(t.dtype(), T => {
                let src = v.contiguous_slice::<T>();
                let dst = t.storage().as_mut_ptr::<T>();
                let mut i = 0;
                // SAFETY: every offset comes from a bounds-checked plan over this storage,
                // and `src` is a separate buffer.
                p.for_each(|o| {
                    unsafe { *dst.add(o) = src[i] };
                    i += 1;
                });
            });
            t.storage().bump_version();
            Ok(())
        }
    }
}

/// PyTorch writes a one-element value through a lone mask with `masked_fill_`:
/// it refuses uint8 masks (after checking the mask's shape) and takes the
/// value's item, so the value may alias the tensor. Returns the value to write.
fn masked_fill_value(t: &Tensor, idx: &[TensorIndex], value: Tensor) -> Result<Tensor> {
    if value.numel() != 1 {
        return Ok(value);
    }
    let mut tensors = idx.iter().filter_map(|e| match e {
        TensorIndex::Tensor(ix) => Some(ix),
        _ => None,
    });
    match (tensors.next(), tensors.next()) {
        (Some(mask), None) if mask.dtype() == DType::U8 => {
            basic(t, idx, &mut |_| {})?;
            Err(masked_fill_dtype_err(mask.dtype()))
        }
        (Some(mask), None) if mask.dtype() == DType::Bool => {
            Ok(Tensor::scalar(value.item()?, value.dtype()))
        }
        _ => Ok(value),
    }
}

fn masked_fill_dtype_err(dtype: DType) -> Error {
    Error::Runtime(format!(
        "masked_fill_ only supports boolean masks, but got mask with dtype {}",
        dtype.cpp_type_name()
    ))
}

fn shape_err(v: &Tensor, target: &[usize]) -> Error {
    Error::Runtime(format!(
        "shape mismatch: value tensor of shape [{}] cannot be broadcast to indexing result of shape [{}]",
        v.shape().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
        target.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
    ))
}

/// Indices of non-zero elements as an `[n, ndim]` int64 tensor.
pub fn nonzero(t: &Tensor) -> Result<Tensor> {
    if t.device() != crate::Device::Cpu {
        return crate::gpu::index::nonzero(t);
    }
    let shape = t.shape().to_vec();
    let flags: Vec<bool> = t.to_vec()?;
    let nd = shape.len();
    let mut out = vec![];
    let mut count = 0;
    for (lin, &f) in flags.iter().enumerate() {
        if f {
            let mut rem = lin;
            let mut coords = vec![0i64; nd];
            for d in (0..nd).rev() {
                coords[d] = (rem % shape[d]) as i64;
                rem /= shape[d];
            }
            out.extend(coords);
            count += 1;
        }
    }
    Tensor::from_vec(out, &[count, nd])
}

/// `index_select(dim, index)` with a 1-D (or 0-D) integer index.
pub fn index_select(t: &Tensor, dim: i64, indices: &Tensor) -> Result<Tensor> {
    if indices.ndim() > 1 {
        return Err(Error::Index(
            "index_select(): Index is supposed to be a vector".into(),
        ));
    }
    if !matches!(indices.dtype(), DType::I64 | DType::I32) {
        return Err(Error::Runtime(
            "index_select(): Expected dtype int32 or int64 for index".into(),
        ));
    }
    if crate::autograd::any_requires_grad(&[t]) {
        let out = {
            let _g = crate::autograd::GradModeGuard::new(false);
            index_select(t, dim, indices)?
        };
        let (shape, saved) = (t.shape().to_vec(), indices.clone());
        return gathered(
            "IndexSelectBackward0",
            t,
            &[indices],
            || Ok(out),
            move || positions(&shape, |a| index_select(a, dim, &saved)),
        );
    }
    let d = t.dim_index(dim)?;
    if t.ndim() == 0 {
        return index(
            &t.reshape(&[1])?,
            &[TensorIndex::Tensor(indices.reshape(&[-1])?)],
        )?
        .reshape(&[]);
    }
    let mut idx = vec![TensorIndex::Slice(None, None, 1); d];
    idx.push(TensorIndex::Tensor(indices.reshape(&[-1])?));
    index(t, &idx)
}

/// PyTorch's checks of an index for gather/scatter along `dim`; the shape
/// and strides of `t` as the index walks them (0-d as 1-d).
fn check_along_dim(
    t: &crate::Layout,
    dim: usize,
    index: &Tensor,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if index.ndim() != t.ndim().max(1) && !(t.ndim() == 0 && index.ndim() == 0) {
        return Err(Error::Runtime(
            "Index tensor must have the same number of dimensions as input tensor".into(),
        ));
    }
    let ishape = index.shape();
    let (tshape, tstrides) = if t.ndim() == 0 {
        (vec![1], vec![1])
    } else {
        (t.shape.clone(), t.strides.clone())
    };
    for (k, &s) in ishape.iter().enumerate() {
        if k != dim && s > tshape[k] {
            return Err(Error::Runtime(format!(
                "Size does not match at dimension {} expected index [{}] to be no larger than self [{}] apart from dimension {}",
                k,
                ishape.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                tshape.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                dim
            )));
        }
    }
    Ok((tshape, tstrides))
}

/// [`along_dim`]'s storage offsets computed on the index's CUDA device.
fn along_dim_on_device(t: &crate::Layout, dim: usize, index: &Tensor, op: &str) -> Result<Tensor> {
    let (tshape, tstrides) = check_along_dim(t, dim, index)?;
    let l = crate::Layout {
        shape: tshape,
        strides: tstrides,
        offset: t.offset,
    };
    crate::gpu::index::dim_offsets(&l, dim, index, op)
}

/// Visits every position of `index` with the storage offset of `t` that
/// `gather`/`scatter` pair with it along `dim`.
fn along_dim(
    t: &crate::Layout,
    dim: usize,
    index: &Tensor,
    op: &str,
    mut f: impl FnMut(usize, usize),
) -> Result<()> {
    let (tshape, tstrides) = check_along_dim(t, dim, index)?;
    let idx: Vec<i64> = index.to_vec()?;
    let ishape = index.shape().to_vec();
    let nd = ishape.len();
    let mut coord = vec![0usize; nd];
    for (lin, &v) in idx.iter().enumerate() {
        let size = tshape[dim] as i64;
        if v < -size || v >= size {
            return Err(Error::Runtime(format!(
                "{op}(): index {} is out of bounds for dimension {} with size {}",
                v, dim, size
            )));
        }
        let v = if v < 0 { v + size } else { v } as usize;
        let mut off = t.offset;
        for k in 0..nd {
            off += if k == dim { v } else { coord[k] } * tstrides[k];
        }
        f(lin, off);
        for k in (0..nd).rev() {
            coord[k] += 1;
            if coord[k] < ishape[k] {
                break;
            }
            coord[k] = 0;
        }
    }
    Ok(())
}

/// `gather(dim, index)`: `out[i][j] = t[index[i][j]][j]` for `dim = 0`.
///
/// ```
/// use ferrotorch::index::gather;
/// use ferrotorch::Tensor;
/// # fn main() -> ferrotorch::Result<()> {
/// let t = Tensor::from_vec(vec![1i64, 2, 3, 4], &[2, 2])?;
/// let idx = Tensor::from_vec(vec![0i64, 0, 1, 0], &[2, 2])?;
/// assert_eq!(gather(&t, 1, &idx)?.to_vec::<i64>()?, [1, 1, 4, 3]);
/// assert_eq!(gather(&t, 0, &idx)?.to_vec::<i64>()?, [1, 2, 3, 2]);
/// let out_of_range = Tensor::from_vec(vec![2i64], &[1, 1])?;
/// assert!(gather(&t, 0, &out_of_range).is_err());
/// # Ok(())
/// # }
/// ```
pub fn gather(t: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    if index.dtype() != DType::I64 {
        return Err(Error::Runtime(
            "gather(): Expected dtype int64 for index".into(),
        ));
    }
    let d = t.dim_index(dim)?;
    let out = if crate::common_device(&[t, index])? != crate::Device::Cpu {
        let offs = along_dim_on_device(t.layout(), d, &index.to_device(t.device())?, "gather")?;
        let sizes: Vec<i64> = index.shape().iter().map(|&s| s as i64).collect();
        crate::gpu::index::take_storage(t, &offs)?.reshape(&sizes)?
    } else {
        with_dtype!(t.dtype(), T => {
            let data = t.data::<T>();
            let mut out = vec![T::default(); index.numel()];
            along_dim(t.layout(), d, index, "gather", |i, off| out[i] = data[off])?;
            Tensor::from_vec(out, index.shape())
        })?
    };
    if crate::autograd::any_requires_grad(&[t]) {
        let (shape, saved) = (t.shape().to_vec(), index.clone());
        return gathered(
            "GatherBackward0",
            t,
            &[index],
            || Ok(out),
            move || gather_positions(&shape, d, &saved),
        );
    }
    Ok(out)
}

/// The flat position in a tensor of `shape` of each element `gather(dim,
/// index)` reads: O(numel(index)), from the index alone.
pub(crate) fn gather_positions(shape: &[usize], dim: usize, index: &Tensor) -> Result<Tensor> {
    if index.device() != crate::Device::Cpu {
        return along_dim_on_device(&crate::Layout::contiguous(shape), dim, index, "gather");
    }
    let mut out = vec![0i64; index.numel()];
    along_dim(
        &crate::Layout::contiguous(shape),
        dim,
        index,
        "gather",
        |i, off| out[i] = off as i64,
    )?;
    Tensor::from_vec(out, index.shape())
}

/// `scatter_(dim, index, src)` in place; `src` is a tensor or a scalar value.
/// `reduce` is `None`, `"add"` or `"multiply"`.
pub fn scatter_(
    t: &Tensor,
    dim: i64,
    index: &Tensor,
    src: Operand,
    reduce: Option<&str>,
) -> Result<()> {
    use crate::autograd::inplace;
    let src_t = match src {
        Operand::Tensor(s) => Some(s),
        Operand::Scalar(_) => None,
    };
    if !inplace::must_record(t, src_t.as_slice()) {
        return scatter_forward(t, dim, index, src, reduce);
    }
    inplace::check_target(t)?;
    {
        let _g = crate::autograd::GradModeGuard::new(false);
        scatter_forward(t, dim, index, src, reduce)?;
    }
    let pos = gather_positions(t.shape(), t.dim_index(dim)?, index)?;
    let name = match (src_t, reduce) {
        (None, _) => "ScatterBackward1",
        (Some(_), None) => "ScatterBackward0",
        (Some(_), Some("add")) => "ScatterAddBackward0",
        (Some(_), Some(_)) => {
            let node =
                crate::autograd::formulas::missing::node("scatter_reduce", &[Some(t), src_t]);
            return inplace::rebase(t, Some(crate::autograd::Edge { node, input_nr: 0 }));
        }
    };
    // Source element at the same index position is the one written.
    let src = match src_t {
        Some(s) => {
            let mut block = vec![];
            for k in 0..index.ndim() {
                block.push(TensorIndex::Slice(
                    Some(0),
                    Some(index.shape()[k] as i64),
                    1,
                ));
            }
            let spos = if s.ndim() == 0 {
                Tensor::full_on(
                    index.shape(),
                    crate::Scalar::Int(0),
                    DType::I64,
                    index.device(),
                )?
            } else {
                positions(s.shape(), |a| self::index(a, &block))?
            };
            s.gradient_edge()
                .map(|e| (e, inplace::Written::At(spos, s.shape().to_vec(), s.dtype())))
        }
        None => None,
    };
    inplace::record_overwrite(name, t, pos, src, reduce.is_some())
}

fn scatter_forward(
    t: &Tensor,
    dim: i64,
    index: &Tensor,
    src: Operand,
    reduce: Option<&str>,
) -> Result<()> {
    if index.dtype() != DType::I64 {
        return Err(Error::Runtime(
            "scatter(): Expected dtype int64 for index".into(),
        ));
    }
    let d = t.dim_index(dim)?;
    let src = match src {
        Operand::Tensor(s) => {
            for k in 0..index.ndim() {
                if index.shape()[k] > s.shape().get(k).copied().unwrap_or(1) {
                    return Err(Error::Runtime(format!(
                        "Expected index [{}] to be smaller than self [{}] apart from dimension {} and to be smaller size than src [{}]",
                        index.shape().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                        t.shape().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                        d,
                        s.shape().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
                    )));
                }
            }
            // Only the leading `index.shape` block of src is used.
            let mut v = s.to_dtype(t.dtype())?;
            for k in 0..index.ndim().min(v.ndim()) {
                v = v.narrow(k as i64, 0, index.shape()[k] as i64)?;
            }
            v.contiguous()
        }
        Operand::Scalar(s) => Tensor::full_on(index.shape(), s, t.dtype(), t.device())?,
    };
    if t.device() != crate::Device::Cpu {
        crate::common_device(&[t, index])?;
        let offs = along_dim_on_device(t.layout(), d, &index.to_device(t.device())?, "scatter")?;
        let src = src.to_device(t.device())?;
        match reduce {
            None => crate::gpu::index::put(t, &offs, &src)?,
            Some("add") => crate::gpu::index::put_serial(t, &offs, &src, "add")?,
            Some(_) => crate::gpu::index::put_serial(t, &offs, &src, "mul")?,
        }
        t.storage().bump_version();
        return Ok(());
    }
    with_dtype!(t.dtype(), T => {
        let vals = src.contiguous_slice::<T>();
        let dst = t.storage().as_mut_ptr::<T>();
        let mut writes: Vec<(usize, T)> = Vec::with_capacity(index.numel());
        along_dim(t.layout(), d, index, "scatter", |i, off| writes.push((off, vals[i])))?;
        for (off, v) in writes {
            // SAFETY: `along_dim` bounds-checked `off` against this tensor's layout.
            unsafe {
                let p = dst.add(off);
                *p = match reduce {
                    None => v,
                    Some("add") => T::from_f64_or_i64_add(*p, v),
                    Some(_) => T::from_f64_or_i64_mul(*p, v),
                };
            }
        }
    });
    t.storage().bump_version();
    Ok(())
}

/// Add/multiply helpers for scatter reductions that keep integers exact.
trait ScatterReduce: Element {
    fn from_f64_or_i64_add(a: Self, b: Self) -> Self {
        if Self::DTYPE.is_float() {
            Self::from_f64(a.to_f64() + b.to_f64())
        } else {
            Self::from_i64(a.to_i64().wrapping_add(b.to_i64()))
        }
    }
    fn from_f64_or_i64_mul(a: Self, b: Self) -> Self {
        if Self::DTYPE.is_float() {
            Self::from_f64(a.to_f64() * b.to_f64())
        } else {
            Self::from_i64(a.to_i64().wrapping_mul(b.to_i64()))
        }
    }
}
impl<T: Element> ScatterReduce for T {}

/// `masked_fill(mask, value)`: keeps `t`'s dtype and shape.
pub fn masked_fill(t: &Tensor, mask: &Tensor, value: Operand) -> Result<Tensor> {
    if mask.dtype() != DType::Bool {
        return Err(masked_fill_dtype_err(mask.dtype()));
    }
    let v = match value {
        Operand::Tensor(v) => {
            if v.ndim() != 0 {
                return Err(Error::Runtime(format!(
                    "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {} dimension(s).",
                    v.ndim()
                )));
            }
            v.to_dtype(t.dtype())?
        }
        Operand::Scalar(s) => Tensor::scalar_on(s, t.dtype(), t.device())?,
    };
    let shape = broadcast_shapes(t.shape(), mask.shape())?;
    if shape != t.shape() {
        return Err(Error::Runtime(format!(
            "The size of tensor a ({:?}) must match the size of tensor b ({:?})",
            t.shape(),
            mask.shape()
        )));
    }
    let grad_in = t.requires_grad() || matches!(value, Operand::Tensor(v) if v.requires_grad());
    if grad_in && crate::autograd::is_grad_enabled() {
        let vt = match value {
            Operand::Tensor(v) => Some(v),
            _ => None,
        };
        return crate::autograd::formulas::select::masked_fill_recorded(t, mask, vt, || {
            where_(mask, &v, t)
        });
    }
    where_(mask, &v, t)
}

/// The tensor entries of an index expression (advanced indices and masks).
fn index_tensors(idx: &[TensorIndex]) -> Vec<&Tensor> {
    idx.iter()
        .filter_map(|e| match e {
            TensorIndex::Tensor(ix) => Some(ix),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn grid() -> Tensor {
        Tensor::arange(0.0, 6.0, 1.0, DType::F32)
            .unwrap()
            .reshape(&[2, 3])
            .unwrap()
    }

    #[test]
    fn uint8_tensor_is_a_mask_and_warns() {
        let mask = Tensor::from_vec(vec![1u8, 0, 7], &[3]).unwrap();
        let idx = [TensorIndex::Slice(None, None, 1), TensorIndex::Tensor(mask)];
        let mut warnings = vec![];
        let r = index_with(&grid(), &idx, &mut |w| warnings.push(w)).unwrap();
        assert_eq!(r.shape(), &[2, 2]);
        assert_eq!(r.to_vec::<f32>().unwrap(), [0.0, 2.0, 3.0, 5.0]);
        assert_eq!(warnings, [UINT8_INDEX_WARNING]);
    }

    #[test]
    fn uint8_0d_mask_adds_a_dim_silently() {
        let one = Tensor::scalar(crate::Scalar::Int(1), DType::U8);
        let mut warned = false;
        let r = index_with(&grid(), &[TensorIndex::Tensor(one)], &mut |_| warned = true).unwrap();
        assert_eq!(r.shape(), &[1, 2, 3]);
        assert!(!warned);
    }

    #[test]
    fn uint8_mask_with_one_value_is_refused_like_masked_fill() {
        let t = grid();
        let mask = Tensor::from_vec(vec![1u8, 0], &[2]).unwrap();
        let err = index_put(
            &t,
            &[TensorIndex::Tensor(mask.clone())],
            Operand::Scalar(crate::Scalar::Float(1.0)),
        )
        .err()
        .unwrap();
        assert_eq!(err.kind(), ErrorKind::Runtime);
        assert!(err.to_string().ends_with("with dtype unsigned char"));
        // More than one value: an ordinary masked write.
        let rows = Tensor::full(&[1, 3], crate::Scalar::Float(9.0), DType::F32);
        index_put(&t, &[TensorIndex::Tensor(mask)], Operand::Tensor(&rows)).unwrap();
        assert_eq!(t.to_vec::<f32>().unwrap(), [9.0, 9.0, 9.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn narrow_integer_index_dtypes_are_refused() {
        let ix = Tensor::from_vec(vec![1i8, 0], &[2]).unwrap();
        let err = index(&grid(), &[TensorIndex::Tensor(ix)]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Index);
    }
}
