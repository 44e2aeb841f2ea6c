//! Random tensors from PyTorch's CPU generator (`ferrotorch_cpu::random`):
//! same seed, same numbers as PyTorch for `rand`, `randn`, `randint`,
//! `randperm`, `uniform_` and `normal_`.

use crate::{DType, Error, Result, Tensor};
use ferrotorch_cpu::random as rng;
pub use ferrotorch_cpu::random::{default_generator, CpuGenerator};
use std::sync::Mutex;

/// A generator handle: the process default or a user-created one.
pub type Generator = Mutex<CpuGenerator>;

fn lock(g: Option<&Generator>) -> std::sync::MutexGuard<'_, CpuGenerator> {
    let g = g.unwrap_or_else(|| rng::default_generator());
    g.lock().unwrap_or_else(|e| e.into_inner())
}

fn float_only(dtype: DType, op: &str) -> Result<()> {
    if !dtype.is_float() {
        return Err(Error::Runtime(format!(
            "\"{op}\" not implemented for '{}'",
            dtype.name()
        )));
    }
    Ok(())
}

/// Fills a fresh contiguous tensor of `dtype` with uniform `[from, to)` samples.
///
/// With `g = None` the process-wide default generator is used.
///
/// ```
/// use ferrotorch::random::{normal, uniform, CpuGenerator};
/// use ferrotorch::DType;
/// use std::sync::Mutex;
/// # fn main() -> ferrotorch::Result<()> {
/// let g = Mutex::new(CpuGenerator::new(0));
/// // The same numbers as `torch.manual_seed(0); torch.rand(3)`.
/// let u = uniform(&[3], 0.0, 1.0, DType::F32, Some(&g))?.to_vec::<f32>()?;
/// for (got, want) in u.iter().zip([0.4963, 0.7682, 0.0885]) {
///     assert!((got - want).abs() < 1e-4);
/// }
/// // Re-seeding repeats the stream.
/// g.lock().unwrap().manual_seed(0);
/// assert_eq!(uniform(&[3], 0.0, 1.0, DType::F32, Some(&g))?.to_vec::<f32>()?, u);
///
/// // `torch.manual_seed(0); torch.randn(3)`
/// g.lock().unwrap().manual_seed(0);
/// let n = normal(&[3], 0.0, 1.0, DType::F32, Some(&g))?.to_vec::<f32>()?;
/// for (got, want) in n.iter().zip([1.5410, -0.2934, -2.1788]) {
///     assert!((got - want).abs() < 1e-4);
/// }
/// let big = normal(&[1000], 5.0, 2.0, DType::F64, Some(&g))?;
/// assert!((big.mean(&[], false)?.item_f64()? - 5.0).abs() < 0.3);
/// assert!(uniform(&[2], 0.0, 1.0, DType::I64, None).is_err()); // floats only
/// # Ok(())
/// # }
/// ```
pub fn uniform(
    shape: &[usize],
    from: f64,
    to: f64,
    dtype: DType,
    g: Option<&Generator>,
) -> Result<Tensor> {
    float_only(dtype, "check_uniform_bounds")?;
    let n = shape.iter().product();
    let mut g = lock(g);
    with_float_dtype!(dtype, T => {
        let mut v = vec![T::default(); n];
        rng::fill_uniform(&mut g, &mut v, from, to);
        Tensor::from_vec(v, shape)
    }, unreachable!())
}

fn check_std(std: f64) -> Result<()> {
    if std < 0.0 {
        return Err(Error::Runtime(format!(
            "normal expects std >= 0.0, but found std {std}"
        )));
    }
    Ok(())
}

/// Normal samples with PyTorch's contiguous-tensor algorithm.
///
/// See [`uniform`] for an example.
pub fn normal(
    shape: &[usize],
    mean: f64,
    std: f64,
    dtype: DType,
    g: Option<&Generator>,
) -> Result<Tensor> {
    float_only(dtype, "normal_kernel_cpu")?;
    check_std(std)?;
    let n = shape.iter().product();
    let mut g = lock(g);
    with_float_dtype!(dtype, T => {
        let mut v = vec![T::default(); n];
        rng::fill_normal(&mut g, &mut v, mean, std);
        Tensor::from_vec(v, shape)
    }, unreachable!())
}

/// Integers uniform in `[low, high)`.
pub fn randint(
    low: i64,
    high: i64,
    shape: &[usize],
    dtype: DType,
    g: Option<&Generator>,
) -> Result<Tensor> {
    if low >= high {
        return Err(Error::Runtime(format!(
            "random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )));
    }
    let n = shape.iter().product();
    let mut v = vec![0i64; n];
    rng::fill_randint(&mut lock(g), &mut v, low, high);
    Tensor::from_vec(v, shape)?.to_dtype(dtype)
}

pub fn randperm(n: usize, dtype: DType, g: Option<&Generator>) -> Result<Tensor> {
    let v = rng::randperm(&mut lock(g), n);
    Tensor::from_vec(v, &[n])?.to_dtype(dtype)
}

/// In-place `uniform_` / `normal_`: sample contiguously (PyTorch's order for
/// contiguous tensors), then write through the tensor's layout.
pub fn fill_(t: &Tensor, normal_dist: bool, a: f64, b: f64, g: Option<&Generator>) -> Result<()> {
    // A tensor with history gets PyTorch's zero-gradient node for the fill.
    let name = if normal_dist {
        "NormalBackward0"
    } else {
        "UniformBackward0"
    };
    crate::autograd::formulas::zero::fill_inplace(name, t, || fill_raw(t, normal_dist, a, b, g))
}

fn fill_raw(t: &Tensor, normal_dist: bool, a: f64, b: f64, g: Option<&Generator>) -> Result<()> {
    let shape = t.shape().to_vec();
    if let crate::Device::Cuda(i) = t.device() {
        // CUDA tensors draw from their device's generator.
        if g.is_some() {
            return Err(Error::Runtime(
                "Expected a 'cuda' device type for generator but found 'cpu'".into(),
            ));
        }
        if normal_dist {
            check_std(b)?;
        }
        use crate::gpu::random::{sample, Distribution};
        use crate::ops::math::{binary, BinaryOp};
        use crate::Scalar;
        let dist = if normal_dist {
            Distribution::Normal
        } else {
            Distribution::Uniform
        };
        let x = sample(i, &shape, t.dtype(), dist)?;
        // normal: a + b * x (mean, std); uniform: a + (b - a) * x.
        let scale = if normal_dist { b } else { b - a };
        let x = binary(
            &binary(&x, Scalar::Float(scale), BinaryOp::Mul)?,
            Scalar::Float(a),
            BinaryOp::Add,
        )?;
        return t.copy_from(&x);
    }
    let sample = if normal_dist {
        if t.is_contiguous() {
            normal(&shape, a, b, t.dtype(), g)?
        } else {
            let n = t.numel();
            let mut gg = lock(g);
            with_float_dtype!(t.dtype(), T => {
                let mut v = vec![T::default(); n];
                rng::fill_normal_serial(&mut gg, &mut v, a, b);
                Tensor::from_vec(v, &shape)?
            }, return float_only(t.dtype(), "normal_kernel_cpu"))
        }
    } else {
        uniform(&shape, a, b, t.dtype(), g)?
    };
    t.copy_from(&sample)
}

pub fn default_seed(seed: u64) {
    lock(None).manual_seed(seed);
}
