//! Module-level functions: creation, joining, `where`, `result_type`.
//! Argument parsing with PyTorch's full signatures lives in the Python layer;
//! these are the primitives it calls.

use crate::convert::{self, arg};
use crate::errors::IntoPyResult;
use crate::generator::PyGenerator;
use crate::tensor::{heavy, PyTensor};
use ferrotorch::ops::{self, math::result_type};
use ferrotorch::{DType, Scalar, Tensor};
use ferrotorch_python_macros::catch_panics;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

fn wrap(py: Python<'_>, t: Tensor) -> PyResult<Py<PyTensor>> {
    Py::new(py, PyTensor::wrap(t))
}

type Gen<'a, 'py> = Option<&'a Bound<'py, PyGenerator>>;

fn gen_of(g: Gen) -> Option<std::sync::Arc<std::sync::Mutex<ferrotorch::random::CpuGenerator>>> {
    g.and_then(|g| g.get().inner())
}

#[catch_panics]
#[pyfunction]
#[pyo3(signature = (shape, value, dtype, device=None))]
pub fn _full(
    py: Python<'_>,
    shape: Vec<i64>,
    value: &Bound<'_, PyAny>,
    dtype: &Bound<'_, PyAny>,
    device: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyTensor>> {
    let shape = convert::to_shape(&shape)?;
    let s = convert::scalar(value)
        .ok_or_else(|| PyTypeError::new_err("full(): fill_value must be a number"))?;
    let dt = convert::dtype(dtype)?;
    let dev = match device {
        Some(d) => crate::device::PyDevice::from_any(d)?
            .resolve()
            .map_err(crate::errors::to_py)?,
        None => ferrotorch::Device::Cpu,
    };
    let t = Tensor::full_on(&shape, s, dt, dev).map_err(crate::errors::to_py)?;
    wrap(py, t)
}

/// `arange` over Python numbers; integer arguments with an integer dtype stay exact.
#[catch_panics]
#[pyfunction]
pub fn _arange(
    py: Python<'_>,
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    step: &Bound<'_, PyAny>,
    dtype: &Bound<'_, PyAny>,
) -> PyResult<Py<PyTensor>> {
    let dt = convert::dtype(dtype)?;
    let num = |o: &Bound<'_, PyAny>| {
        convert::scalar(o)
            .ok_or_else(|| PyTypeError::new_err("arange(): arguments must be numbers"))
    };
    let (a, b, c) = (num(start)?, num(end)?, num(step)?);
    let all_int = [a, b, c].iter().all(|s| !matches!(s, Scalar::Float(_)));
    let t = if all_int && dt.is_integral() {
        let i = |s: Scalar| s.to_f64() as i64;
        let get = |s: Scalar| match s {
            Scalar::Int(v) => v,
            other => i(other),
        };
        Tensor::arange_int(get(a), get(b), get(c), dt)
    } else {
        Tensor::arange(a.to_f64(), b.to_f64(), c.to_f64(), dt)
    };
    wrap(py, t.py()?)
}

#[catch_panics]
#[pyfunction]
pub fn _linspace(
    py: Python<'_>,
    start: f64,
    end: f64,
    steps: i64,
    dtype: &Bound<'_, PyAny>,
) -> PyResult<Py<PyTensor>> {
    if steps < 0 {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "number of steps must be non-negative",
        ));
    }
    wrap(
        py,
        Tensor::linspace(start, end, steps as usize, convert::dtype(dtype)?).py()?,
    )
}

#[catch_panics]
#[pyfunction]
pub fn _eye(py: Python<'_>, n: i64, m: i64, dtype: &Bound<'_, PyAny>) -> PyResult<Py<PyTensor>> {
    if n < 0 || m < 0 {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "n must be greater or equal to 0, got {}",
            n.min(m)
        )));
    }
    wrap(
        py,
        Tensor::eye(n as usize, m as usize, convert::dtype(dtype)?),
    )
}

/// Builds a tensor from a flat list of Python numbers.
#[catch_panics]
#[pyfunction]
pub fn _from_flat(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    shape: Vec<usize>,
    dtype: &Bound<'_, PyAny>,
) -> PyResult<Py<PyTensor>> {
    let dt = convert::dtype(dtype)?;
    let mut scalars = Vec::new();
    for v in values.try_iter()? {
        let v = v?;
        let s = match convert::scalar(&v) {
            Some(s) => s,
            None => {
                if let Ok(t) = v.cast::<PyTensor>() {
                    t.get().t.item().py()?
                } else {
                    return Err(PyTypeError::new_err(format!(
                        "new(): invalid data type '{}'",
                        v.get_type().name()?
                    )));
                }
            }
        };
        scalars.push(s);
    }
    let t = ferrotorch_with_dtype(dt, &scalars, &shape)?;
    wrap(py, t)
}

fn ferrotorch_with_dtype(dt: DType, vals: &[Scalar], shape: &[usize]) -> PyResult<Tensor> {
    macro_rules! build {
        ($T:ty) => {
            Tensor::from_vec(
                vals.iter().map(|s| s.to_elem::<$T>()).collect::<Vec<$T>>(),
                shape,
            )
            .py()
        };
    }
    match dt {
        DType::F32 => build!(f32),
        DType::F64 => build!(f64),
        DType::F16 => build!(half::f16),
        DType::BF16 => build!(half::bf16),
        DType::I64 => build!(i64),
        DType::I32 => build!(i32),
        DType::I16 => build!(i16),
        DType::I8 => build!(i8),
        DType::U8 => build!(u8),
        DType::Bool => build!(bool),
    }
}

#[catch_panics]
#[pyfunction]
#[pyo3(signature = (shape, dtype, generator=None))]
pub fn _rand(
    py: Python<'_>,
    shape: Vec<i64>,
    dtype: &Bound<'_, PyAny>,
    generator: Gen,
) -> PyResult<Py<PyTensor>> {
    let shape = convert::to_shape(&shape)?;
    let g = gen_of(generator);
    wrap(
        py,
        ferrotorch::random::uniform(&shape, 0.0, 1.0, convert::dtype(dtype)?, g.as_deref()).py()?,
    )
}

#[catch_panics]
#[pyfunction]
#[pyo3(signature = (shape, dtype, generator=None))]
pub fn _randn(
    py: Python<'_>,
    shape: Vec<i64>,
    dtype: &Bound<'_, PyAny>,
    generator: Gen,
) -> PyResult<Py<PyTensor>> {
    let shape = convert::to_shape(&shape)?;
    let g = gen_of(generator);
    wrap(
        py,
        ferrotorch::random::normal(&shape, 0.0, 1.0, convert::dtype(dtype)?, g.as_deref()).py()?,
    )
}

#[catch_panics]
#[pyfunction]
#[pyo3(signature = (low, high, shape, dtype, generator=None))]
pub fn _randint(
    py: Python<'_>,
    low: i64,
    high: i64,
    shape: Vec<i64>,
    dtype: &Bound<'_, PyAny>,
    generator: Gen,
) -> PyResult<Py<PyTensor>> {
    let shape = convert::to_shape(&shape)?;
    let g = gen_of(generator);
    wrap(
        py,
        ferrotorch::random::randint(low, high, &shape, convert::dtype(dtype)?, g.as_deref())
            .py()?,
    )
}

#[catch_panics]
#[pyfunction]
#[pyo3(signature = (n, dtype, generator=None))]
pub fn _randperm(
    py: Python<'_>,
    n: i64,
    dtype: &Bound<'_, PyAny>,
    generator: Gen,
) -> PyResult<Py<PyTensor>> {
    if n < 0 {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "n must be non-negative, got{n}"
        )));
    }
    let g = gen_of(generator);
    wrap(
        py,
        ferrotorch::random::randperm(n as usize, convert::dtype(dtype)?, g.as_deref()).py()?,
    )
}

#[catch_panics]
#[pyfunction]
#[pyo3(signature = (tensors, dim=0))]
pub fn cat(py: Python<'_>, tensors: &Bound<'_, PyAny>, dim: i64) -> PyResult<Py<PyTensor>> {
    let ts = convert::tensors(tensors)?;
    let n: usize = ts.iter().map(|t| t.numel()).sum();
    wrap(py, heavy(py, n, || ops::shape::cat(&ts, dim)).py()?)
}

#[catch_panics]
#[pyfunction]
#[pyo3(signature = (tensors, dim=0))]
pub fn stack(py: Python<'_>, tensors: &Bound<'_, PyAny>, dim: i64) -> PyResult<Py<PyTensor>> {
    let ts = convert::tensors(tensors)?;
    wrap(py, ops::shape::stack(&ts, dim).py()?)
}

#[catch_panics]
#[pyfunction]
pub fn hstack(py: Python<'_>, tensors: &Bound<'_, PyAny>) -> PyResult<Py<PyTensor>> {
    wrap(py, ops::shape::hstack(&convert::tensors(tensors)?).py()?)
}

#[catch_panics]
#[pyfunction]
pub fn vstack(py: Python<'_>, tensors: &Bound<'_, PyAny>) -> PyResult<Py<PyTensor>> {
    wrap(py, ops::shape::vstack(&convert::tensors(tensors)?).py()?)
}

#[catch_panics]
#[pyfunction]
pub fn dstack(py: Python<'_>, tensors: &Bound<'_, PyAny>) -> PyResult<Py<PyTensor>> {
    wrap(py, ops::shape::dstack(&convert::tensors(tensors)?).py()?)
}

/// `torch.where(condition, input, other)`.
#[catch_panics]
#[pyfunction]
pub fn _where(
    py: Python<'_>,
    condition: &Bound<'_, PyTensor>,
    input: &Bound<'_, PyAny>,
    other: &Bound<'_, PyAny>,
) -> PyResult<Py<PyTensor>> {
    let (a, b) = (arg(input, "where")?, arg(other, "where")?);
    wrap(
        py,
        ops::math::where_(&condition.get().t, a.operand(), b.operand()).py()?,
    )
}

/// `torch.result_type(tensor1, tensor2)` (either may be a number).
#[catch_panics]
#[pyfunction]
pub fn _result_type(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
) -> PyResult<Py<crate::dtype::PyDType>> {
    let (a, b) = (arg(a, "result_type")?, arg(b, "result_type")?);
    Ok(crate::dtype::dtype_obj(
        py,
        result_type(&[a.operand(), b.operand()]),
    ))
}

/// Records `DivBackward2` on quotient `q` of `div(a, b, rounding_mode=...)`
/// (computed by the Python layer with grad mode off); `b` is `None` for a number.
#[catch_panics]
#[pyfunction]
#[pyo3(signature = (q, a, b=None))]
pub fn _div_rounded_node(
    py: Python<'_>,
    q: &Bound<'_, PyTensor>,
    a: &Bound<'_, PyTensor>,
    b: Option<&Bound<'_, PyTensor>>,
) -> PyResult<Py<PyTensor>> {
    let b = b.map(|b| b.get().t.clone());
    wrap(
        py,
        ferrotorch::autograd::div_rounded(&q.get().t, &a.get().t, b.as_ref()).py()?,
    )
}
