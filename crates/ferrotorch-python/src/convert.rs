//! Converting Python arguments: scalars, dtypes, shapes, dims, operands.

use crate::dtype::PyDType;
use crate::tensor::PyTensor;
use ferrotorch::{DType, Scalar, Tensor};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyTuple};

/// A Python number as a [`Scalar`] (bool before int: `True` is an int in Python).
pub fn scalar(obj: &Bound<'_, PyAny>) -> Option<Scalar> {
    if obj.is_instance_of::<PyBool>() {
        return obj.extract::<bool>().ok().map(Scalar::Bool);
    }
    if obj.is_instance_of::<PyInt>() {
        return obj.extract::<i64>().ok().map(Scalar::Int);
    }
    if obj.is_instance_of::<PyFloat>() {
        return obj.extract::<f64>().ok().map(Scalar::Float);
    }
    if obj.is_instance_of::<PyTensor>() {
        return None;
    }
    // numpy scalars and other number-likes.
    let ty = obj.get_type();
    let name = ty.name().ok()?.to_string();
    if name.starts_with("bool") {
        return obj.extract::<bool>().ok().map(Scalar::Bool);
    }
    if name.starts_with("int") || name.starts_with("uint") {
        return obj
            .call_method0("__int__")
            .ok()?
            .extract::<i64>()
            .ok()
            .map(Scalar::Int);
    }
    if name.starts_with("float") {
        return obj
            .call_method0("__float__")
            .ok()?
            .extract::<f64>()
            .ok()
            .map(Scalar::Float);
    }
    None
}

/// A tensor or a number.
pub enum Arg {
    T(Tensor),
    S(Scalar),
}

impl Arg {
    pub fn extract(obj: &Bound<'_, PyAny>) -> Option<Arg> {
        if let Ok(t) = obj.cast::<PyTensor>() {
            return Some(Arg::T(t.get().t.clone()));
        }
        scalar(obj).map(Arg::S)
    }
    pub fn operand(&self) -> ferrotorch::ops::Operand<'_> {
        match self {
            Arg::T(t) => ferrotorch::ops::Operand::Tensor(t),
            Arg::S(s) => ferrotorch::ops::Operand::Scalar(*s),
        }
    }
}

pub fn arg(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Arg> {
    Arg::extract(obj).ok_or_else(|| {
        let tn = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        PyTypeError::new_err(format!("{what}: expected Tensor or number, but got {tn}"))
    })
}

/// `dtype=` values: a ferrotorch dtype, or Python's `float`/`int`/`bool` types.
pub fn dtype(obj: &Bound<'_, PyAny>) -> PyResult<DType> {
    if let Ok(d) = obj.cast::<PyDType>() {
        return Ok(d.get().dt);
    }
    let py = obj.py();
    let builtins = py.import("builtins")?;
    if obj.is(&builtins.getattr("float")?) {
        return Ok(DType::F64);
    }
    if obj.is(&builtins.getattr("int")?) {
        return Ok(DType::I64);
    }
    if obj.is(&builtins.getattr("bool")?) {
        return Ok(DType::Bool);
    }
    if let Ok(s) = obj.extract::<String>() {
        if let Some(d) = DType::from_name(&s) {
            return Ok(d);
        }
    }
    Err(PyTypeError::new_err(format!(
        "expected a torch.dtype, but got {}",
        obj.repr()?
    )))
}

pub fn opt_dtype(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<DType>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => dtype(o).map(Some),
    }
}

pub fn int_list(obj: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    let mut out = vec![];
    for item in obj.try_iter()? {
        let item = item?;
        if item.is_instance_of::<PyFloat>() {
            return Err(PyTypeError::new_err(format!(
                "expected a sequence of integers, but got float {}",
                item.repr()?
            )));
        }
        out.push(item.call_method0("__index__")?.extract::<i64>()?);
    }
    Ok(out)
}

pub fn to_shape(s: &[i64]) -> PyResult<Vec<usize>> {
    s.iter()
        .map(|&d| {
            if d < 0 {
                Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "Trying to create tensor with negative dimension {d}: {s:?}"
                )))
            } else {
                Ok(d as usize)
            }
        })
        .collect()
}

/// `dim=` values: None (all dims), an int, or a tuple/list of ints.
pub fn dims(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<i64>> {
    match obj {
        None => Ok(vec![]),
        Some(o) if o.is_none() => Ok(vec![]),
        Some(o) if o.is_instance_of::<PyTuple>() || o.is_instance_of::<PyList>() => int_list(o),
        Some(o) => Ok(vec![o.call_method0("__index__")?.extract::<i64>()?]),
    }
}

/// A list of tensors (for cat/stack).
pub fn tensors(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Tensor>> {
    let mut out = vec![];
    for item in obj.try_iter()? {
        let item = item?;
        let t = item.cast::<PyTensor>().map_err(|_| {
            PyTypeError::new_err(format!(
                "expected Tensor as element in the list, but got {}",
                item.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?;
        out.push(t.get().t.clone());
    }
    Ok(out)
}
