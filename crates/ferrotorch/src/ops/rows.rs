//! Ops along one dim that run over rows: softmax, log_softmax, cumsum,
//! cumprod, sort, argsort and topk. The dim is moved last and made contiguous,
//! the row kernel runs, and the result is moved back.

use crate::{DType, Device, Error, Result, Tensor};
use ferrotorch_cpu::rows;

/// Moves `dim` last and makes it contiguous; returns (rows tensor, row length).
fn to_rows(t: &Tensor, dim: usize) -> Result<(Tensor, usize)> {
    let moved = if t.ndim() == 0 {
        t.reshape(&[1])?
    } else {
        t.movedim(dim as i64, -1)?.contiguous()
    };
    let len = moved.shape().last().copied().unwrap_or(1);
    Ok((moved, len))
}

/// Inverse of [`to_rows`] for a contiguous result with the rows' shape.
fn from_rows(orig: &Tensor, rows: Tensor, dim: usize) -> Result<Tensor> {
    if orig.ndim() == 0 {
        return rows.reshape(&[]);
    }
    Ok(rows.movedim(-1, dim as i64)?.contiguous())
}

fn rows_shape(t: &Tensor, dim: usize) -> Vec<usize> {
    if t.ndim() == 0 {
        return vec![1];
    }
    let mut s: Vec<usize> = t.shape().to_vec();
    let d = s.remove(dim);
    s.push(d);
    s
}

/// `softmax` (or `log_softmax` when `log`) along `dim`, optionally computed in
/// `dtype`; floating inputs only.
///
/// ```
/// use ferrotorch::ops::rows::softmax;
/// use ferrotorch::{DType, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let x = Tensor::from_vec(vec![0.0f32, 3f32.ln(), 1.0, 1.0], &[2, 2])?;
/// let p = softmax(&x, -1, false, None)?.to_vec::<f32>()?;
/// for (got, want) in p.iter().zip([0.25, 0.75, 0.5, 0.5]) {
///     assert!((got - want).abs() < 1e-6);
/// }
/// let lp = softmax(&x, 1, true, Some(DType::F64))?;
/// assert_eq!(lp.dtype(), DType::F64);
/// assert!((lp.to_vec::<f64>()?[3] - 0.5f64.ln()).abs() < 1e-12);
/// assert!(softmax(&Tensor::zeros(&[2], DType::I64), 0, false, None).is_err());
/// # Ok(())
/// # }
/// ```
pub fn softmax(t: &Tensor, dim: i64, log: bool, dtype: Option<DType>) -> Result<Tensor> {
    use crate::autocast::Op;
    let op = if log { Op::LogSoftmax } else { Op::Softmax };
    if let Some(c) = crate::autocast::apply(op, &[t], dtype)? {
        return softmax(&c.inputs[0], dim, log, c.dtype);
    }
    let x = match dtype {
        Some(d) => t.to_dtype(d)?,
        None => t.clone(),
    };
    if x.dtype().is_float() && crate::autograd::any_requires_grad(&[&x]) {
        return crate::autograd::formulas::rows::softmax(&x, dim, log, || {
            softmax_forward(&x, dim, log)
        });
    }
    softmax_forward(&x, dim, log)
}

fn softmax_forward(x: &Tensor, dim: i64, log: bool) -> Result<Tensor> {
    let x = x.clone();
    if !x.dtype().is_float() {
        return Err(Error::Runtime(format!(
            "\"{}_lastdim_kernel_impl\" not implemented for '{}'",
            if log { "log_softmax" } else { "softmax" },
            x.dtype().scalar_type_name()
        )));
    }
    let d = x.dim_index(dim)?;
    let (r, len) = to_rows(&x, d)?;
    if x.device() != Device::Cpu {
        return from_rows(&x, crate::gpu::rows::softmax(&r, len, log)?, d);
    }
    if x.dtype() == DType::F32 {
        let v = rows::softmax_f32(r.contiguous_slice::<f32>(), len, log);
        return from_rows(&x, Tensor::from_vec(v, &rows_shape(&x, d))?, d);
    }
    let out = with_float_dtype!(x.dtype(), T => {
        let v = rows::softmax(r.contiguous_slice::<T>(), len, log, |a: T| crate::Element::to_f64(a), <T as crate::Element>::from_f64);
        Tensor::from_vec(v, &rows_shape(&x, d))?
    }, unreachable!());
    from_rows(&x, out, d)
}

/// `cumsum` (or `cumprod`) along `dim`; integers accumulate to int64.
pub fn cumulative(t: &Tensor, dim: i64, prod: bool, dtype: Option<DType>) -> Result<Tensor> {
    use crate::autocast::Op;
    let op = if prod { Op::Cumprod } else { Op::Cumsum };
    if let Some(c) = crate::autocast::apply(op, &[t], dtype)? {
        return cumulative(&c.inputs[0], dim, prod, c.dtype);
    }
    let x = match dtype {
        Some(d) => t.to_dtype(d)?,
        None if t.dtype().is_integral() => t.to_dtype(DType::I64)?,
        None => t.clone(),
    };
    if crate::autograd::any_requires_grad(&[&x]) {
        if prod {
            return crate::autograd::formulas::cumprod::cumprod(&x, dim, || {
                cumulative_forward(&x, dim, prod)
            });
        }
        return crate::autograd::formulas::rows::cumsum(&x, dim, || {
            cumulative_forward(&x, dim, prod)
        });
    }
    cumulative_forward(&x, dim, prod)
}

fn cumulative_forward(x: &Tensor, dim: i64, prod: bool) -> Result<Tensor> {
    let x = x.clone();
    let d = x.dim_index(dim)?;
    let (r, len) = to_rows(&x, d)?;
    let shape = rows_shape(&x, d);
    if x.device() != Device::Cpu {
        return from_rows(&x, crate::gpu::rows::scan(&r, len, prod)?, d);
    }
    let out = with_dtype!(x.dtype(), T => {
        let src = r.contiguous_slice::<T>();
        if x.dtype().is_float() {
            let v: Vec<T> = if prod {
                rows::scan(src, len, 1.0f64, |a, v: T| a * crate::Element::to_f64(v), <T as crate::Element>::from_f64)
            } else {
                rows::scan(src, len, 0.0f64, |a, v: T| a + crate::Element::to_f64(v), <T as crate::Element>::from_f64)
            };
            Tensor::from_vec(v, &shape)?
        } else {
            let v: Vec<T> = if prod {
                rows::scan(src, len, 1i64, |a: i64, v: T| a.wrapping_mul(crate::Element::to_i64(v)), <T as crate::Element>::from_i64)
            } else {
                rows::scan(src, len, 0i64, |a: i64, v: T| a.wrapping_add(crate::Element::to_i64(v)), <T as crate::Element>::from_i64)
            };
            Tensor::from_vec(v, &shape)?
        }
    });
    from_rows(&x, out, d)
}

/// `sort(dim, descending)` -> (values, indices); stable.
///
/// See [`topk`] for an example.
pub fn sort(t: &Tensor, dim: i64, descending: bool) -> Result<(Tensor, Tensor)> {
    let d = t.dim_index(dim)?;
    let (r, len) = to_rows(t, d)?;
    let shape = rows_shape(t, d);
    let (vals, idx) = if t.device() != Device::Cpu {
        crate::gpu::sort::sort(&r, len, descending)?
    } else {
        with_dtype!(t.dtype(), T => {
            let (v, i) = rows::sort(r.contiguous_slice::<T>(), len, descending);
            (Tensor::from_vec(v, &shape)?, Tensor::from_vec(i, &shape)?)
        })
    };
    let (vals, idx) = (from_rows(t, vals, d)?, from_rows(t, idx, d)?);
    if crate::autograd::any_requires_grad(&[t]) {
        let vals = crate::ops::reduce::picked_along("SortBackward0", t, dim, true, vals, &idx)?;
        return Ok((vals, idx));
    }
    Ok((vals, idx))
}

/// `topk(k, dim, largest, sorted)` -> (values, indices): the first `k` of
/// the stable sort along `dim` (descending when `largest`), so ties keep
/// their order and NaN counts as the largest value. On the CPU, and on CUDA
/// for rows that sort in one shared-memory pass or large `k`, that is the
/// sort narrowed; on CUDA, long rows with `k` up to
/// `kernels::sort::TOPK_MAX` are selected without a sort (radix select).
///
/// ```
/// use ferrotorch::ops::rows::{sort, topk};
/// use ferrotorch::Tensor;
/// # fn main() -> ferrotorch::Result<()> {
/// let t = Tensor::from_vec(vec![3i64, 1, 2, 1], &[4])?;
/// let (v, i) = sort(&t, 0, false)?;
/// assert_eq!(v.to_vec::<i64>()?, [1, 1, 2, 3]);
/// assert_eq!(i.to_vec::<i64>()?, [1, 3, 2, 0]); // stable: equal values keep their order
/// assert_eq!(sort(&t, -1, true)?.0.to_vec::<i64>()?, [3, 2, 1, 1]);
///
/// let m = Tensor::from_vec(vec![0.5f32, 2.0, -1.0, 4.0, 3.0, 0.0], &[2, 3])?;
/// let (v, i) = topk(&m, 2, -1, true)?;
/// assert_eq!(v.shape(), &[2, 2]);
/// assert_eq!(v.to_vec::<f32>()?, [2.0, 0.5, 4.0, 3.0]);
/// assert_eq!(i.to_vec::<i64>()?, [1, 0, 0, 1]);
/// let (smallest, _) = topk(&m, 1, 1, false)?;
/// assert_eq!(smallest.to_vec::<f32>()?, [-1.0, 0.0]);
/// assert!(topk(&m, 4, 1, true).is_err()); // k > size
/// # Ok(())
/// # }
/// ```
pub fn topk(t: &Tensor, k: i64, dim: i64, largest: bool) -> Result<(Tensor, Tensor)> {
    let d = t.dim_index(dim)?;
    let size = if t.ndim() == 0 { 1 } else { t.shape()[d] };
    if k < 0 || k as usize > size {
        return Err(Error::Runtime("selected index k out of range".into()));
    }
    let (v, i) = if t.device() != Device::Cpu && crate::gpu::sort::topk_selects(size, k as usize) {
        // Long rows, small k: selected without sorting the rows.
        let (r, len) = to_rows(t, d)?;
        let (v, i) = crate::gpu::sort::topk(&r, len, k as usize, largest)?;
        (from_rows(t, v, d)?, from_rows(t, i, d)?)
    } else {
        // The first k of the stable sort: the same order of ties and NaNs.
        let (v, i) = {
            let _g = crate::autograd::GradModeGuard::new(false);
            sort(t, dim, largest)?
        };
        narrow_to(t, d, k, v, i)?
    };
    if crate::autograd::any_requires_grad(&[t]) {
        let v = crate::ops::reduce::picked_along("TopkBackward0", t, dim, true, v, &i)?;
        return Ok((v, i));
    }
    Ok((v, i))
}

/// The first `k` along `d` of sorted values and indices.
fn narrow_to(t: &Tensor, d: usize, k: i64, v: Tensor, i: Tensor) -> Result<(Tensor, Tensor)> {
    Ok(if t.ndim() == 0 {
        (v, i)
    } else {
        let _g = crate::autograd::GradModeGuard::new(false);
        (
            v.narrow(d as i64, 0, k)?.contiguous(),
            i.narrow(d as i64, 0, k)?.contiguous(),
        )
    })
}
