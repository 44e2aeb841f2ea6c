//! Joining and splitting: `cat`, `stack`, `hstack`/`vstack`/`dstack`,
//! `split`, `chunk`, `unbind`. Splits are views; joins copy into one buffer.

use super::math::{result_type, Operand};
use crate::autograd::formulas::index::join;
use crate::autograd::formulas::region::{view_of, ViewOp};
use crate::autograd::inplace::mark_view;
use crate::autograd::{any_requires_grad, GradModeGuard};
use crate::{Error, Result, Tensor};

/// `torch.cat(tensors, dim)`, promoting dtypes like PyTorch.
///
/// All sizes but `dim`'s must match; [`stack`] joins along a new dim instead.
///
/// ```
/// use ferrotorch::ops::shape::{cat, stack};
/// use ferrotorch::{DType, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let a = Tensor::from_vec(vec![1i64, 2, 3, 4], &[2, 2])?;
/// let b = Tensor::from_vec(vec![0.5f32, 0.25], &[1, 2])?;
/// let c = cat(&[a.clone(), b], 0)?; // int64 and float32 -> float32
/// assert_eq!(c.shape(), &[3, 2]);
/// assert_eq!(c.dtype(), DType::F32);
/// assert_eq!(c.to_vec::<f32>()?, [1.0, 2.0, 3.0, 4.0, 0.5, 0.25]);
/// assert!(cat(&[a.clone(), Tensor::zeros(&[3, 3], DType::I64)], 0).is_err());
///
/// let s = stack(&[a.clone(), a.clone()], 0)?;
/// assert_eq!(s.shape(), &[2, 2, 2]);
/// let s = stack(&[a.clone(), a.clone()], -1)?;
/// assert_eq!(s.to_vec::<i64>()?, [1, 1, 2, 2, 3, 3, 4, 4]);
/// # Ok(())
/// # }
/// ```
pub fn cat(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
    if let Some(c) = crate::autocast::apply(crate::autocast::Op::Cat, tensors, None)? {
        return cat(&c.inputs, dim);
    }
    let refs: Vec<&Tensor> = tensors.iter().collect();
    if !any_requires_grad(&refs) {
        return cat_forward(tensors, dim);
    }
    let out = {
        let _g = GradModeGuard::new(false);
        cat_forward(tensors, dim)?
    };
    // Each input is a slice of the output along `dim` (skipped empty 1-D
    // inputs an empty one).
    let d = if out.ndim() == 0 {
        0
    } else {
        out.dim_index(dim)? as i64
    };
    let mut starts = vec![];
    let mut at = 0i64;
    for t in tensors {
        if t.ndim() == 1 && t.numel() == 0 && out.ndim() != 1 {
            starts.push(None);
        } else {
            let len = t.shape()[d as usize] as i64;
            starts.push(Some((at, len)));
            at += len;
        }
    }
    join(
        "CatBackward0",
        tensors,
        || Ok(out),
        move |i, all| match starts[i] {
            Some((s, l)) => all.narrow(d, s, l),
            None => Tensor::from_vec(Vec::<i64>::new(), &[0]),
        },
    )
}

fn cat_forward(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
    if tensors.is_empty() {
        return Err(Error::Runtime(
            "torch.cat(): expected a non-empty list of Tensors".into(),
        ));
    }
    let ops: Vec<Operand> = tensors.iter().map(Operand::Tensor).collect();
    let dtype = result_type(&ops);
    let device = crate::common_device(&tensors.iter().collect::<Vec<_>>())?;
    // Legacy rule: 1-D empty tensors are skipped.
    let parts: Vec<&Tensor> = tensors
        .iter()
        .filter(|t| !(t.ndim() == 1 && t.numel() == 0))
        .collect();
    let Some(first) = parts.first() else {
        return Tensor::full_on(&[0], crate::Scalar::Int(0), dtype, device);
    };
    if first.ndim() == 0 {
        return Err(Error::Runtime(
            "zero-dimensional tensor (at position 0) cannot be concatenated".into(),
        ));
    }
    let d = first.dim_index(dim)?;
    let mut total = 0;
    for (i, t) in parts.iter().enumerate() {
        if t.ndim() != first.ndim() {
            return Err(Error::Runtime(format!(
                "Tensors must have same number of dimensions: got {} and {}",
                first.ndim(),
                t.ndim()
            )));
        }
        for k in 0..t.ndim() {
            if k != d && t.shape()[k] != first.shape()[k] {
                return Err(Error::Runtime(format!(
                    "Sizes of tensors must match except in dimension {}. Expected size {} but got size {} for tensor number {} in the list.",
                    d,
                    first.shape()[k],
                    t.shape()[k],
                    i
                )));
            }
        }
        total += t.shape()[d];
    }
    let mut shape = first.shape().to_vec();
    shape[d] = total;
    let out = Tensor::full_on(&shape, crate::Scalar::Int(0), dtype, device)?;
    let mut start = 0;
    for t in parts {
        let len = t.shape()[d];
        out.narrow(d as i64, start as i64, len as i64)?
            .copy_from(t)?;
        start += len;
    }
    Ok(out)
}

/// `torch.stack(tensors, dim)`: all tensors must have the same shape.
///
/// See [`cat`] for an example.
pub fn stack(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
    if let Some(c) = crate::autocast::apply(crate::autocast::Op::Stack, tensors, None)? {
        return stack(&c.inputs, dim);
    }
    if tensors.is_empty() {
        return Err(Error::Runtime(
            "stack expects a non-empty TensorList".into(),
        ));
    }
    for (i, t) in tensors.iter().enumerate() {
        if t.shape() != tensors[0].shape() {
            return Err(Error::Runtime(format!(
                "stack expects each tensor to be equal size, but got {:?} at entry 0 and {:?} at entry {}",
                tensors[0].shape(),
                t.shape(),
                i
            )));
        }
    }
    let d = ferrotorch_core::normalize_dim(dim, tensors[0].ndim() + 1)?;
    let forward = || {
        let _g = GradModeGuard::new(false);
        let parts: Vec<Tensor> = tensors
            .iter()
            .map(|t| t.unsqueeze(d as i64))
            .collect::<Result<_>>()?;
        cat_forward(&parts, d as i64)
    };
    let refs: Vec<&Tensor> = tensors.iter().collect();
    if !any_requires_grad(&refs) {
        return forward();
    }
    join("StackBackward0", tensors, forward, move |i, all| {
        all.select(d as i64, i as i64)
    })
}

/// A piece of `t` made by view `op` (split, chunk, unbind), recorded as
/// node `name` whose gradient goes back into the same view of `t`'s shape.
fn piece(name: &'static str, t: &Tensor, op: ViewOp) -> Result<Tensor> {
    if !any_requires_grad(&[t]) {
        return op.apply(t);
    }
    let out = {
        let _g = GradModeGuard::new(false);
        op.apply(t)?
    };
    let out = view_of(name, t, op, || Ok(out))?;
    Ok(mark_view(out, t))
}

fn atleast(t: &Tensor, n: usize) -> Result<Tensor> {
    Ok(match (t.ndim(), n) {
        (0, 1) => t.reshape(&[1])?,
        (0, 2) => t.reshape(&[1, 1])?,
        (1, 2) => t.unsqueeze(0)?,
        (0, 3) => t.reshape(&[1, 1, 1])?,
        (1, 3) => t.reshape(&[1, t.shape()[0] as i64, 1])?,
        (2, 3) => t.unsqueeze(2)?,
        _ => t.clone(),
    })
}

/// `hstack`: along dim 1, or dim 0 for 1-D inputs.
pub fn hstack(tensors: &[Tensor]) -> Result<Tensor> {
    let ts: Vec<Tensor> = tensors
        .iter()
        .map(|t| atleast(t, 1))
        .collect::<Result<_>>()?;
    let dim = if ts.first().map(|t| t.ndim() == 1).unwrap_or(true) {
        0
    } else {
        1
    };
    cat(&ts, dim)
}

pub fn vstack(tensors: &[Tensor]) -> Result<Tensor> {
    let ts: Vec<Tensor> = tensors
        .iter()
        .map(|t| atleast(t, 2))
        .collect::<Result<_>>()?;
    cat(&ts, 0)
}

pub fn dstack(tensors: &[Tensor]) -> Result<Tensor> {
    let ts: Vec<Tensor> = tensors
        .iter()
        .map(|t| atleast(t, 3))
        .collect::<Result<_>>()?;
    cat(&ts, 2)
}

fn require_dims(t: &Tensor, dim: i64) -> Result<()> {
    if t.ndim() == 0 {
        return Err(Error::Index(format!(
            "Dimension specified as {dim} but tensor has no dimensions"
        )));
    }
    Ok(())
}

/// `split(split_size, dim)`: views of `split_size` along `dim` (the last may be shorter).
///
/// ```
/// use ferrotorch::ops::shape::split;
/// use ferrotorch::{DType, Scalar, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let t = Tensor::arange(0.0, 5.0, 1.0, DType::F32)?;
/// let parts = split(&t, 2, 0)?;
/// let sizes: Vec<usize> = parts.iter().map(|p| p.numel()).collect();
/// assert_eq!(sizes, [2, 2, 1]);
/// assert_eq!(parts[2].to_vec::<f32>()?, [4.0]);
/// // The pieces are views of `t`.
/// parts[1].fill(Scalar::Int(0))?;
/// assert_eq!(t.to_vec::<f32>()?, [0.0, 1.0, 0.0, 0.0, 4.0]);
/// # Ok(())
/// # }
/// ```
pub fn split(t: &Tensor, size: usize, dim: i64) -> Result<Vec<Tensor>> {
    require_dims(t, dim)?;
    let d = t.dim_index(dim)?;
    let n = t.shape()[d];
    if size == 0 && n != 0 {
        return Err(Error::Runtime(format!(
            "split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
        )));
    }
    if n == 0 {
        return Ok(vec![t.clone()]);
    }
    let mut out = vec![];
    let mut s = 0;
    while s < n {
        let len = size.min(n - s);
        let start = s as i64;
        out.push(piece(
            "SplitBackward0",
            t,
            ViewOp::Narrow(d as i64, start, len as i64),
        )?);
        s += len;
    }
    Ok(out)
}

/// `split(sections, dim)` with explicit sizes, which must sum to the dim size.
pub fn split_sizes(t: &Tensor, sizes: &[usize], dim: i64) -> Result<Vec<Tensor>> {
    require_dims(t, dim)?;
    let d = t.dim_index(dim)?;
    let n = t.shape()[d];
    if sizes.iter().sum::<usize>() != n {
        return Err(Error::Runtime(format!(
            "split_with_sizes expects split_sizes to sum exactly to {} (input tensor's size at dimension {}), but got split_sizes={:?}",
            n, d, sizes
        )));
    }
    let mut out = vec![];
    let mut s = 0;
    for &len in sizes {
        let start = s as i64;
        out.push(piece(
            "SplitWithSizesBackward0",
            t,
            ViewOp::Narrow(d as i64, start, len as i64),
        )?);
        s += len;
    }
    Ok(out)
}

/// `chunk(chunks, dim)`: splits into pieces of `ceil(size / chunks)`.
pub fn chunk(t: &Tensor, chunks: usize, dim: i64) -> Result<Vec<Tensor>> {
    if chunks == 0 {
        return Err(Error::Runtime(
            "chunk expects `chunks` to be greater than 0, got: 0".into(),
        ));
    }
    let d = t.dim_index(dim)?;
    let size = t.shape()[d].div_ceil(chunks);
    split(t, size.max(if t.shape()[d] == 0 { 0 } else { 1 }), d as i64)
}

/// `unbind(dim)`: the slices along `dim`, each without it.
pub fn unbind(t: &Tensor, dim: i64) -> Result<Vec<Tensor>> {
    require_dims(t, dim)?;
    let d = t.dim_index(dim)?;
    (0..t.shape()[d])
        .map(|i| piece("UnbindBackward0", t, ViewOp::Select(d as i64, i as i64)))
        .collect()
}
