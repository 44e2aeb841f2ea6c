//! Reductions over dims (`sum`, `mean`, `prod`, `amax`, `max` with indices,
//! `argmax`, `all`/`any`, `var`/`std`, `norm`, `logsumexp`), built on the one
//! CPU reduction driver; composite ones are written with other tensor ops.

use super::math::{binary, unary, BinaryOp, UnaryOp};
use crate::{DType, Device, Error, Result, Scalar, Tensor};
use ferrotorch_cpu::reduce::{reduce, AnyAll, ArgExtreme, Fold, ProdF, ProdI, SumF, SumI};

/// Which dims a reduction covers (`dims` empty = all) as a mask, validated.
pub fn reduce_mask(t: &Tensor, dims: &[i64]) -> Result<Vec<bool>> {
    let n = t.ndim();
    let mut mask = vec![dims.is_empty(); n];
    for &d in dims {
        let d = t.dim_index(d)?;
        if n == 0 {
            continue;
        }
        if mask[d]
            && !dims.is_empty()
            && dims
                .iter()
                .filter(|&&x| t.dim_index(x).ok() == Some(d))
                .count()
                > 1
        {
            return Err(Error::Runtime(format!(
                "dim {d} appears multiple times in the list of dims"
            )));
        }
        mask[d] = true;
    }
    Ok(mask)
}

fn out_shape(t: &Tensor, mask: &[bool], keepdim: bool) -> Vec<usize> {
    let mut shape = vec![];
    for (d, &m) in mask.iter().enumerate() {
        if !m {
            shape.push(t.shape()[d]);
        } else if keepdim {
            shape.push(1);
        }
    }
    shape
}

fn run_fold<F, A>(t: &Tensor, mask: &[bool], fold: F) -> Vec<A>
where
    F: Fold<f32, Acc = A>
        + Fold<f64, Acc = A>
        + Fold<half::f16, Acc = A>
        + Fold<half::bf16, Acc = A>
        + Fold<i64, Acc = A>
        + Fold<i32, Acc = A>
        + Fold<i16, Acc = A>
        + Fold<i8, Acc = A>
        + Fold<u8, Acc = A>
        + Fold<bool, Acc = A>,
{
    with_dtype!(t.dtype(), T => reduce(t.data::<T>(), t.layout(), mask, &fold))
}

/// A shape as the `i64` sizes `reshape` takes.
fn sizes(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&d| d as i64).collect()
}

fn sum_f64(t: &Tensor, mask: &[bool]) -> Vec<f64> {
    run_fold(t, mask, SumF)
}

/// `sum(dims, keepdim, dtype)`: integers and bools sum to int64.
///
/// ```
/// use ferrotorch::ops::reduce::{mean, sum};
/// use ferrotorch::{DType, Scalar, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let a = Tensor::from_vec(vec![1i32, 2, 3, 4, 5, 6], &[2, 3])?;
/// let all = sum(&a, &[], false, None)?; // empty dims: all of them
/// assert_eq!(all.dtype(), DType::I64);
/// assert_eq!(all.item()?, Scalar::Int(21));
/// let rows = sum(&a, &[1], true, None)?;
/// assert_eq!(rows.shape(), &[2, 1]);
/// assert_eq!(rows.to_vec::<i64>()?, [6, 15]);
/// let cols = sum(&a, &[-2], false, Some(DType::F64))?;
/// assert_eq!(cols.dtype(), DType::F64);
/// assert_eq!(cols.to_vec::<f64>()?, [5.0, 7.0, 9.0]);
///
/// let f = a.to_dtype(DType::F32)?;
/// assert_eq!(mean(&f, &[0], false, None)?.to_vec::<f32>()?, [2.5, 3.5, 4.5]);
/// assert!(mean(&a, &[], false, None).is_err()); // mean needs a float dtype
/// assert_eq!(mean(&a, &[], false, Some(DType::F64))?.item_f64()?, 3.5);
/// # Ok(())
/// # }
/// ```
pub fn sum(t: &Tensor, dims: &[i64], keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    if let Some(c) = crate::autocast::apply(crate::autocast::Op::Sum, &[t], dtype)? {
        return sum(&c.inputs[0], dims, keepdim, c.dtype);
    }
    if crate::autograd::any_requires_grad(&[t]) {
        return crate::autograd::formulas::reduce::reduce(t, dims, keepdim, false, || {
            sum_forward(t, dims, keepdim, dtype)
        });
    }
    sum_forward(t, dims, keepdim, dtype)
}

/// `torch.nansum`: [`sum`] counting NaNs as 0.
pub fn nansum(t: &Tensor, dims: &[i64], keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let forward = || {
        let t = if t.dtype().is_float() {
            let nan = binary(t, t, BinaryOp::Ne)?;
            crate::ops::math::where_(&nan, 0.0, t)?
        } else {
            t.clone()
        };
        sum_forward(&t, dims, keepdim, dtype)
    };
    if crate::autograd::any_requires_grad(&[t]) {
        return crate::autograd::formulas::reduce::nansum(t, dims, keepdim, forward);
    }
    forward()
}

fn sum_forward(t: &Tensor, dims: &[i64], keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let t = match dtype {
        Some(d) => t.to_dtype(d)?,
        None => t.clone(),
    };
    let mask = reduce_mask(&t, dims)?;
    let shape = out_shape(&t, &mask, keepdim);
    if t.device() != Device::Cpu {
        let s = crate::gpu::reduce::fold(&t, &mask, "sum")?.reshape(&sizes(&shape))?;
        return s.to_dtype(dtype.unwrap_or(s.dtype()));
    }
    if t.dtype().is_float() {
        Tensor::from_vec(sum_f64(&t, &mask), &shape)?.to_dtype(t.dtype())
    } else {
        let v: Vec<i64> = run_fold(&t, &mask, SumI);
        Tensor::from_vec(v, &shape)?.to_dtype(dtype.unwrap_or(DType::I64))
    }
}

fn require_float(t: &Tensor, op: &str) -> Result<()> {
    if !t.dtype().is_float() {
        return Err(Error::Runtime(format!(
            "{op}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}",
            t.dtype().scalar_type_name()
        )));
    }
    Ok(())
}

/// Number of elements each output of a reduction over `mask` combines.
fn reduced_count(t: &Tensor, mask: &[bool]) -> usize {
    t.shape()
        .iter()
        .zip(mask)
        .filter(|(_, &m)| m)
        .map(|(&d, _)| d)
        .product()
}

/// `mean(dims, keepdim, dtype)` of a floating tensor (or with a float `dtype`);
/// see [`sum`] for an example.
pub fn mean(t: &Tensor, dims: &[i64], keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    if crate::autograd::any_requires_grad(&[t]) {
        return crate::autograd::formulas::reduce::reduce(t, dims, keepdim, true, || {
            mean_forward(t, dims, keepdim, dtype)
        });
    }
    mean_forward(t, dims, keepdim, dtype)
}

fn mean_forward(t: &Tensor, dims: &[i64], keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let t = match dtype {
        Some(d) => t.to_dtype(d)?,
        None => t.clone(),
    };
    require_float(&t, "mean")?;
    let mask = reduce_mask(&t, dims)?;
    let n = reduced_count(&t, &mask) as f64;
    if t.device() != Device::Cpu {
        let s = crate::gpu::reduce::fold(&t, &mask, "sum")?;
        return binary(&s, Scalar::Float(n), BinaryOp::Div)?
            .to_dtype(t.dtype())?
            .reshape(&sizes(&out_shape(&t, &mask, keepdim)));
    }
    let v: Vec<f64> = sum_f64(&t, &mask).into_iter().map(|s| s / n).collect();
    Tensor::from_vec(v, &out_shape(&t, &mask, keepdim))?.to_dtype(t.dtype())
}

pub fn prod(t: &Tensor, dim: Option<i64>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    if let Some(c) = crate::autocast::apply(crate::autocast::Op::Prod, &[t], dtype)? {
        return prod(&c.inputs[0], dim, keepdim, c.dtype);
    }
    let t = match dtype {
        Some(d) => t.to_dtype(d)?,
        None => t.clone(),
    };
    if crate::autograd::any_requires_grad(&[&t]) {
        use crate::autograd::formulas::reduce::{stat, Stat};
        let dims: Vec<i64> = dim.into_iter().collect();
        let name = if dim.is_some() {
            "ProdBackward1"
        } else {
            "ProdBackward0"
        };
        return stat(name, Stat::Prod, &t, &dims, keepdim, || {
            prod_forward(&t, dim, keepdim, dtype)
        });
    }
    prod_forward(&t, dim, keepdim, dtype)
}

fn prod_forward(
    t: &Tensor,
    dim: Option<i64>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let t = t.clone();
    let dims: Vec<i64> = dim.into_iter().collect();
    let mask = reduce_mask(&t, &dims)?;
    let shape = out_shape(&t, &mask, keepdim);
    if t.device() != Device::Cpu {
        let p = crate::gpu::reduce::fold(&t, &mask, "prod")?.reshape(&sizes(&shape))?;
        return p.to_dtype(if t.dtype().is_float() {
            t.dtype()
        } else {
            dtype.unwrap_or(DType::I64)
        });
    }
    if t.dtype().is_float() {
        let v: Vec<f64> = run_fold(&t, &mask, ProdF);
        Tensor::from_vec(v, &shape)?.to_dtype(t.dtype())
    } else {
        let v: Vec<i64> = run_fold(&t, &mask, ProdI);
        Tensor::from_vec(v, &shape)?.to_dtype(dtype.unwrap_or(DType::I64))
    }
}

fn check_nonempty(t: &Tensor, mask: &[bool], op: &str) -> Result<()> {
    if t.numel() == 0 {
        let zero_reduced = t.shape().iter().zip(mask).any(|(&d, &m)| m && d == 0);
        if zero_reduced || mask.iter().all(|&m| m) {
            return Err(Error::Index(format!(
                "{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )));
        }
    }
    Ok(())
}

/// Values and positions (within the reduced dims) of the max or min.
fn arg_extreme(t: &Tensor, mask: &[bool], keepdim: bool, max: bool) -> Result<(Tensor, Tensor)> {
    let shape = out_shape(t, mask, keepdim);
    if t.device() != Device::Cpu {
        let (v, i) = crate::gpu::reduce::arg_extreme(t, mask, max)?;
        return Ok((v.reshape(&sizes(&shape))?, i.reshape(&sizes(&shape))?));
    }
    with_dtype!(t.dtype(), T => {
        let r = reduce(t.data::<T>(), t.layout(), mask, &ArgExtreme { max });
        let vals: Vec<T> = r.iter().map(|a| a.0).collect();
        let idx: Vec<i64> = r.iter().map(|a| a.1 as i64).collect();
        Ok((Tensor::from_vec(vals, &shape)?, Tensor::from_vec(idx, &shape)?))
    })
}

/// `amax`/`amin` over dims.
pub fn amax(t: &Tensor, dims: &[i64], keepdim: bool, max: bool) -> Result<Tensor> {
    let mask = reduce_mask(t, dims)?;
    check_nonempty(t, &mask, if max { "amax" } else { "amin" })?;
    if crate::autograd::any_requires_grad(&[t]) {
        use crate::autograd::formulas::reduce::{stat, Stat};
        // All dims at once is `max()`/`min()`; named dims are `amax`/`amin`.
        let name = match (dims.is_empty(), max) {
            (true, true) => "MaxBackward1",
            (true, false) => "MinBackward1",
            (false, true) => "AmaxBackward0",
            (false, false) => "AminBackward0",
        };
        return stat(name, Stat::Extreme, t, dims, keepdim, || {
            Ok(arg_extreme(t, &mask, keepdim, max)?.0)
        });
    }
    Ok(arg_extreme(t, &mask, keepdim, max)?.0)
}

/// `max(dim)`/`min(dim)`: (values, indices).
///
/// ```
/// use ferrotorch::ops::reduce::{argmax, max_dim};
/// use ferrotorch::{Scalar, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let t = Tensor::from_vec(vec![3.0f32, 7.0, 5.0, 1.0, 9.0, 2.0], &[2, 3])?;
/// let (vals, idx) = max_dim(&t, 1, false, true)?;
/// assert_eq!(vals.to_vec::<f32>()?, [7.0, 9.0]);
/// assert_eq!(idx.to_vec::<i64>()?, [1, 1]);
/// let (mins, at) = max_dim(&t, 0, true, false)?; // min over dim 0, keepdim
/// assert_eq!(mins.shape(), &[1, 3]);
/// assert_eq!(mins.to_vec::<f32>()?, [1.0, 7.0, 2.0]);
/// assert_eq!(at.to_vec::<i64>()?, [1, 0, 1]);
///
/// assert_eq!(argmax(&t, None, false, true)?.item()?, Scalar::Int(4)); // flattened
/// assert_eq!(argmax(&t, Some(1), false, false)?.to_vec::<i64>()?, [0, 0]); // argmin
/// # Ok(())
/// # }
/// ```
pub fn max_dim(t: &Tensor, dim: i64, keepdim: bool, max: bool) -> Result<(Tensor, Tensor)> {
    let mask = reduce_mask(t, &[dim])?;
    check_nonempty(t, &mask, if max { "max" } else { "min" })?;
    let (vals, idx) = arg_extreme(t, &mask, keepdim, max)?;
    if crate::autograd::any_requires_grad(&[t]) {
        let name = if max { "MaxBackward0" } else { "MinBackward0" };
        let vals = picked_along(name, t, dim, keepdim, vals, &idx)?;
        return Ok((vals, idx));
    }
    Ok((vals, idx))
}

/// Records `vals` (taken from `t` at `idx` along `dim`, as `max(dim)`,
/// `sort` and `topk` do) as op `name` of `t`.
pub(crate) fn picked_along(
    name: &'static str,
    t: &Tensor,
    dim: i64,
    keepdim: bool,
    vals: Tensor,
    idx: &Tensor,
) -> Result<Tensor> {
    use crate::autograd::formulas::index::gathered;
    let d = if t.ndim() == 0 {
        0
    } else {
        t.dim_index(dim)? as i64
    };
    let shape: Vec<i64> = vals.shape().iter().map(|&s| s as i64).collect();
    let tshape = t.shape().to_vec();
    let idx = idx.clone();
    let squeezed = !(keepdim || t.ndim() == 0);
    // The indices are this op's own output, not a user's index tensor.
    gathered(
        name,
        t,
        &[],
        || Ok(vals),
        move || {
            let ik = if squeezed {
                idx.unsqueeze(d)?
            } else {
                idx.clone()
            };
            crate::index::gather_positions(&tshape, d as usize, &ik)?.reshape(&shape)
        },
    )
}

/// `argmax`/`argmin`, over one dim or the flattened tensor.
///
/// `max` selects argmax (`true`) or argmin; see [`max_dim`] for an example.
pub fn argmax(t: &Tensor, dim: Option<i64>, keepdim: bool, max: bool) -> Result<Tensor> {
    let name = if max { "argmax" } else { "argmin" };
    match dim {
        Some(d) => {
            let mask = reduce_mask(t, &[d])?;
            check_nonempty(t, &mask, name)?;
            Ok(arg_extreme(t, &mask, keepdim, max)?.1)
        }
        None => {
            let mask = vec![true; t.ndim()];
            check_nonempty(t, &mask, name)?;
            let idx = arg_extreme(t, &mask, false, max)?.1;
            if keepdim {
                idx.reshape(&vec![1; t.ndim()])
            } else {
                Ok(idx)
            }
        }
    }
}

/// `all(dims)` / `any(dims)`: bool, except that uint8 input gives uint8
/// (0 or 1), as in PyTorch.
///
/// ```
/// use ferrotorch::ops::reduce::all_any;
/// use ferrotorch::{DType, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let x = Tensor::from_vec(vec![0i64, 3, 2, 5], &[2, 2])?;
/// let all = all_any(&x, &[1], false, false)?;
/// assert_eq!((all.dtype(), all.to_vec::<bool>()?), (DType::Bool, vec![false, true]));
/// let u = Tensor::from_vec(vec![0u8, 7], &[2])?;
/// let any = all_any(&u, &[], false, true)?;
/// assert_eq!((any.dtype(), any.to_vec::<u8>()?), (DType::U8, vec![1]));
/// # Ok(())
/// # }
/// ```
pub fn all_any(t: &Tensor, dims: &[i64], keepdim: bool, any: bool) -> Result<Tensor> {
    let mask = reduce_mask(t, dims)?;
    let out = if t.device() != Device::Cpu {
        crate::gpu::reduce::fold(t, &mask, if any { "any" } else { "all" })?
            .reshape(&sizes(&out_shape(t, &mask, keepdim)))?
    } else {
        let v: Vec<bool> = run_fold(t, &mask, AnyAll { any });
        Tensor::from_vec(v, &out_shape(t, &mask, keepdim))?
    };
    if t.dtype() == DType::U8 {
        return out.to_dtype(DType::U8);
    }
    Ok(out)
}

/// `var(dims, correction, keepdim)`, two-pass in float64.
///
/// `correction = 1.0` is the sample variance, `0.0` the population variance.
///
/// ```
/// use ferrotorch::ops::reduce::{std, var};
/// use ferrotorch::{DType, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let x = Tensor::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], &[2, 2])?;
/// assert_eq!(var(&x, &[], 1.0, false)?.item_f64()?, 5.0 / 3.0);
/// assert_eq!(var(&x, &[1], 0.0, false)?.to_vec::<f64>()?, [0.25, 0.25]);
/// assert_eq!(std(&x, &[1], 0.0, true)?.to_vec::<f64>()?, [0.5, 0.5]);
/// assert!(var(&Tensor::zeros(&[2], DType::I64), &[], 1.0, false).is_err());
/// # Ok(())
/// # }
/// ```
pub fn var(t: &Tensor, dims: &[i64], correction: f64, keepdim: bool) -> Result<Tensor> {
    require_float(t, "var")?;
    if crate::autograd::any_requires_grad(&[t]) {
        use crate::autograd::formulas::reduce::{stat, Stat};
        return stat(
            "VarBackward0",
            Stat::Var(correction),
            t,
            dims,
            keepdim,
            || var_forward(t, dims, correction, keepdim),
        );
    }
    var_forward(t, dims, correction, keepdim)
}

fn var_forward(t: &Tensor, dims: &[i64], correction: f64, keepdim: bool) -> Result<Tensor> {
    let x = t.to_dtype(DType::F64)?;
    let mask = reduce_mask(&x, dims)?;
    let n = reduced_count(&x, &mask) as f64;
    let m = mean(&x, dims, true, None)?;
    let d = binary(&x, &m, BinaryOp::Sub)?;
    let ss = sum(&binary(&d, &d, BinaryOp::Mul)?, dims, keepdim, None)?;
    let denom = (n - correction).max(0.0);
    binary(&ss, Scalar::Float(denom), BinaryOp::Div)?.to_dtype(t.dtype())
}

pub fn std(t: &Tensor, dims: &[i64], correction: f64, keepdim: bool) -> Result<Tensor> {
    require_float(t, "std")?;
    let forward = || unary(&var_forward(t, dims, correction, keepdim)?, UnaryOp::Sqrt);
    if crate::autograd::any_requires_grad(&[t]) {
        use crate::autograd::formulas::reduce::{stat, Stat};
        return stat(
            "StdBackward0",
            Stat::Std(correction),
            t,
            dims,
            keepdim,
            forward,
        );
    }
    forward()
}

/// Vector p-norm over dims (`p` may be ±inf or 0).
pub fn norm(t: &Tensor, p: f64, dims: &[i64], keepdim: bool) -> Result<Tensor> {
    if let Some(c) = crate::autocast::apply(crate::autocast::Op::Norm, &[t], None)? {
        // `vector_norm(dtype=d)` is the norm of the input cast to `d`.
        let x = match c.dtype {
            Some(d) => c.inputs[0].to_dtype(d)?,
            None => c.inputs[0].clone(),
        };
        return norm(&x, p, dims, keepdim);
    }
    require_float(t, "linalg.vector_norm")?;
    if crate::autograd::any_requires_grad(&[t]) {
        use crate::autograd::formulas::reduce::{stat, Stat};
        return stat(
            "LinalgVectorNormBackward0",
            Stat::Norm(p),
            t,
            dims,
            keepdim,
            || norm_forward(t, p, dims, keepdim),
        );
    }
    norm_forward(t, p, dims, keepdim)
}

fn norm_forward(t: &Tensor, p: f64, dims: &[i64], keepdim: bool) -> Result<Tensor> {
    let a = unary(t, UnaryOp::Abs)?;
    if p.is_infinite() {
        return amax(&a, dims, keepdim, p > 0.0);
    }
    if p == 0.0 {
        let nz = binary(&a, Scalar::Int(0), BinaryOp::Ne)?.to_dtype(t.dtype())?;
        return sum(&nz, dims, keepdim, None);
    }
    if p == 1.0 {
        return sum(&a, dims, keepdim, None);
    }
    if p == 2.0 {
        let s = sum(&binary(&a, &a, BinaryOp::Mul)?, dims, keepdim, None)?;
        return unary(&s, UnaryOp::Sqrt);
    }
    let s = sum(
        &binary(&a, Scalar::Float(p), BinaryOp::Pow)?,
        dims,
        keepdim,
        None,
    )?;
    binary(&s, Scalar::Float(1.0 / p), BinaryOp::Pow)
}

/// `log(sum(exp(x)))` over dims, stabilised by the max.
pub fn logsumexp(t: &Tensor, dims: &[i64], keepdim: bool) -> Result<Tensor> {
    if let Some(c) = crate::autocast::apply(crate::autocast::Op::Logsumexp, &[t], None)? {
        return logsumexp(&c.inputs[0], dims, keepdim);
    }
    let x = t.to_dtype(t.dtype().to_float())?;
    if crate::autograd::any_requires_grad(&[&x]) {
        use crate::autograd::formulas::reduce::{stat, Stat};
        return stat(
            "LogsumexpBackward0",
            Stat::LogSumExp,
            &x,
            dims,
            keepdim,
            || logsumexp_forward(&x, dims, keepdim),
        );
    }
    logsumexp_forward(&x, dims, keepdim)
}

fn logsumexp_forward(x: &Tensor, dims: &[i64], keepdim: bool) -> Result<Tensor> {
    let x = x.clone();
    if x.numel() == 0 {
        let s = sum(&unary(&x, UnaryOp::Exp)?, dims, keepdim, None)?;
        return unary(&s, UnaryOp::Log);
    }
    let m = amax(&x, dims, true, true)?;
    // An infinite max would give inf - inf = nan; shift by 0 there instead.
    let finite = binary(
        &unary(&m, UnaryOp::Abs)?,
        Scalar::Float(f64::INFINITY),
        BinaryOp::Ne,
    )?;
    let m = super::math::where_(&finite, &m, Scalar::Float(0.0))?;
    let e = unary(&binary(&x, &m, BinaryOp::Sub)?, UnaryOp::Exp)?;
    let s = unary(&sum(&e, dims, true, None)?, UnaryOp::Log)?;
    let r = binary(&s, &m, BinaryOp::Add)?;
    if keepdim {
        Ok(r)
    } else {
        let mask = reduce_mask(&x, dims)?;
        r.reshape(
            &out_shape(&x, &mask, false)
                .iter()
                .map(|&d| d as i64)
                .collect::<Vec<_>>(),
        )
    }
}

impl Tensor {
    /// Sum over `dims` (all dims when empty).
    pub fn sum(&self, dims: &[i64], keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
        sum(self, dims, keepdim, dtype)
    }
    pub fn mean(&self, dims: &[i64], keepdim: bool) -> Result<Tensor> {
        mean(self, dims, keepdim, None)
    }
}
