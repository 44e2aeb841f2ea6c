//! `take` and `put_add`: reading and scatter-adding elements by flat
//! (row-major) position. They are each other's backward, and every indexing
//! and view gradient is one of them applied to the positions the forward op
//! read, so all those gradients stay differentiable (`create_graph`).

use crate::autograd::any_requires_grad;
use crate::autograd::formulas::index::{put_add_recorded, take_recorded};
use crate::{DType, Error, Result, Tensor};

fn check_dtype(pos: &Tensor, op: &str) -> Result<()> {
    if pos.dtype() != DType::I64 {
        return Err(Error::Runtime(format!(
            "{op}(): Expected a long tensor for index, but got {}",
            pos.dtype().scalar_type_name()
        )));
    }
    Ok(())
}

/// On a GPU: the range check as two device reductions read back as one
/// pair of numbers (a sync, as PyTorch's device-side checks cost one too).
fn check_positions_on_device(pos: &Tensor, n: usize, op: &str) -> Result<()> {
    check_dtype(pos, op)?;
    let Some((lo, hi)) = crate::gpu::index::value_range(pos)? else {
        return Ok(());
    };
    for i in [lo, hi] {
        if i < -(n as i64) || i >= n as i64 {
            return Err(Error::Index(format!(
                "out of range: tried to access index {i} on a tensor of {n} elements."
            )));
        }
    }
    Ok(())
}

fn check_positions(pos: &Tensor, n: usize, op: &str) -> Result<Vec<i64>> {
    check_dtype(pos, op)?;
    let p: Vec<i64> = pos.to_vec()?;
    for &i in &p {
        if i < -(n as i64) || i >= n as i64 {
            return Err(Error::Index(format!(
                "out of range: tried to access index {i} on a tensor of {n} elements."
            )));
        }
    }
    Ok(p.into_iter()
        .map(|i| if i < 0 { i + n as i64 } else { i })
        .collect())
}

/// `torch.take(t, pos)`: `t` read as 1-D at `pos`; the result has `pos`'s shape.
///
/// ```
/// use ferrotorch::ops::take::take;
/// use ferrotorch::Tensor;
/// # fn main() -> ferrotorch::Result<()> {
/// let t = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], &[2, 2])?;
/// let p = Tensor::from_vec(vec![3i64, 0, -1], &[3])?;
/// assert_eq!(take(&t, &p)?.to_vec::<f32>()?, [4.0, 1.0, 4.0]);
/// # Ok(())
/// # }
/// ```
pub fn take(t: &Tensor, pos: &Tensor) -> Result<Tensor> {
    if any_requires_grad(&[t]) {
        return take_recorded(t, pos, || take_forward(t, pos));
    }
    take_forward(t, pos)
}

pub(crate) fn take_forward(t: &Tensor, pos: &Tensor) -> Result<Tensor> {
    // Position tensors made by autograd live on the CPU: they go to `t`.
    if t.device() != crate::Device::Cpu {
        check_positions_on_device(pos, t.numel(), "take")?;
        return crate::gpu::index::take(t, &pos.to_device(t.device())?);
    }
    let p = check_positions(pos, t.numel(), "take")?;
    let c = t.contiguous();
    with_dtype!(t.dtype(), T => {
        let src = c.contiguous_slice::<T>();
        let v: Vec<T> = p.iter().map(|&i| src[i as usize]).collect();
        Tensor::from_vec(v, pos.shape())
    })
}

/// A zero tensor of `shape` with `src[k]` added at flat position `pos[k]`
/// (repeated positions accumulate): `zeros(shape).put_(pos, src, accumulate=True)`.
///
/// ```
/// use ferrotorch::ops::take::put_add;
/// use ferrotorch::Tensor;
/// # fn main() -> ferrotorch::Result<()> {
/// let p = Tensor::from_vec(vec![1i64, 1, 3], &[3])?;
/// let s = Tensor::from_vec(vec![1.0f64, 2.0, 5.0], &[3])?;
/// assert_eq!(put_add(&[2, 2], &p, &s)?.to_vec::<f64>()?, [0.0, 3.0, 0.0, 5.0]);
/// # Ok(())
/// # }
/// ```
pub fn put_add(shape: &[usize], pos: &Tensor, src: &Tensor) -> Result<Tensor> {
    if any_requires_grad(&[src]) {
        return put_add_recorded(shape, pos, src, || put_add_forward(shape, pos, src));
    }
    put_add_forward(shape, pos, src)
}

pub(crate) fn put_add_forward(shape: &[usize], pos: &Tensor, src: &Tensor) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    if src.device() != crate::Device::Cpu {
        check_positions_on_device(pos, n, "put_")?;
        if pos.numel() != src.numel() {
            return Err(Error::Runtime(format!(
                "put_(): Expected source and index to have the same number of elements, but got source.numel() = {}, index.numel() = {}",
                src.numel(),
                pos.numel()
            )));
        }
        if !src.dtype().is_float() {
            return Err(Error::Runtime(format!(
                "put_add: expected a floating point source, got {}",
                src.dtype().scalar_type_name()
            )));
        }
        return crate::gpu::index::put_add(shape, &pos.to_device(src.device())?, src);
    }
    let p = check_positions(pos, n, "put_")?;
    if p.len() != src.numel() {
        return Err(Error::Runtime(format!(
            "put_(): Expected source and index to have the same number of elements, but got source.numel() = {}, index.numel() = {}",
            src.numel(),
            p.len()
        )));
    }
    let c = src.contiguous();
    with_float_dtype!(src.dtype(), T => {
        let s = c.contiguous_slice::<T>();
        // Accumulate in f64 so half-precision gradients do not lose sums.
        let mut acc = vec![0.0f64; n];
        for (k, &i) in p.iter().enumerate() {
            acc[i as usize] += crate::Element::to_f64(s[k]);
        }
        let v: Vec<T> = acc.into_iter().map(<T as crate::Element>::from_f64).collect();
        Tensor::from_vec(v, shape)
    }, Err(Error::Runtime(format!(
        "put_add: expected a floating point source, got {}",
        src.dtype().scalar_type_name()
    ))))
}
