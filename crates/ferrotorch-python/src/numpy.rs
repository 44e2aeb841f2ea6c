//! Zero-copy exchange with NumPy through the array interface protocol:
//! `np.asarray(t)` views the tensor's storage (the tensor stays alive as the
//! array's base), and `from_numpy` wraps the array's buffer (the array stays
//! alive as the storage's owner).

use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;
use ferrotorch::{DType, Layout, Storage, Tensor};
use ferrotorch_python_macros::catch_panics;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

fn typestr(dt: DType) -> PyResult<&'static str> {
    Ok(match dt {
        DType::Bool => "|b1",
        DType::U8 => "|u1",
        DType::I8 => "|i1",
        DType::I16 => "<i2",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::F16 => "<f2",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::BF16 => return Err(PyTypeError::new_err("Got unsupported ScalarType BFloat16")),
    })
}

fn from_typestr(s: &str) -> Option<DType> {
    let native = if cfg!(target_endian = "little") {
        '<'
    } else {
        '>'
    };
    let (order, code) = s.split_at(1);
    if order != "|" && order != "=" && !order.starts_with(native) {
        return None;
    }
    Some(match code {
        "b1" => DType::Bool,
        "u1" => DType::U8,
        "i1" => DType::I8,
        "i2" => DType::I16,
        "i4" => DType::I32,
        "i8" => DType::I64,
        "f2" => DType::F16,
        "f4" => DType::F32,
        "f8" => DType::F64,
        _ => return None,
    })
}

pub fn array_interface<'py>(py: Python<'py>, t: &Tensor) -> PyResult<Bound<'py, PyDict>> {
    if t.device() != ferrotorch::Device::Cpu {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "can't convert {} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.",
            t.device()
        )));
    }
    let d = PyDict::new(py);
    let size = t.dtype().size();
    d.set_item("shape", PyTuple::new(py, t.shape())?)?;
    d.set_item("typestr", typestr(t.dtype())?)?;
    d.set_item("data", (t.data_ptr(), !t.storage().writable()))?;
    let strides: Vec<usize> = t.strides().iter().map(|s| s * size).collect();
    d.set_item("strides", PyTuple::new(py, strides)?)?;
    d.set_item("version", 3)?;
    Ok(d)
}

/// `torch.from_numpy(array)`: shares the array's memory.
#[catch_panics]
#[pyfunction]
pub fn from_numpy(py: Python<'_>, array: &Bound<'_, PyAny>) -> PyResult<Py<PyTensor>> {
    let ty = array.get_type();
    if ty.name()? != "ndarray" {
        return Err(PyTypeError::new_err(format!(
            "expected np.ndarray (got {})",
            ty.name()?
        )));
    }
    let iface = array.getattr("__array_interface__")?;
    let typestr: String = iface.get_item("typestr")?.extract()?;
    let dtype = from_typestr(&typestr).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "can't convert np.ndarray of type {}. The only supported types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool.",
            array.getattr("dtype").and_then(|d| d.str()).map(|s| s.to_string()).unwrap_or(typestr.clone())
        ))
    })?;
    let (ptr, readonly): (usize, bool) = iface.get_item("data")?.extract()?;
    let shape: Vec<usize> = iface.get_item("shape")?.extract()?;
    let isize_ = dtype.size() as isize;
    let strides: Vec<usize> = match iface.get_item("strides")? {
        s if s.is_none() => ferrotorch_core_strides(&shape),
        s => {
            let bytes: Vec<isize> = s.extract()?;
            if bytes.iter().any(|&b| b < 0) {
                return Err(PyValueError::new_err(
                    "At least one stride in the given numpy array is negative, and tensors with negative strides are not currently supported. (You can probably work around this by making a copy of your array  with array.copy().) ",
                ));
            }
            if bytes.iter().any(|&b| b % isize_ != 0) {
                return Err(PyValueError::new_err(
                    "given numpy array strides not a multiple of the element byte size. Copy the numpy array to reallocate the memory.",
                ));
            }
            bytes.iter().map(|&b| (b / isize_) as usize).collect()
        }
    };
    if ptr % dtype.size() != 0 {
        return Err(PyValueError::new_err(
            "given numpy array is not aligned; copy it first",
        ));
    }
    let layout = Layout {
        shape,
        strides,
        offset: 0,
    };
    let len = layout.storage_span();
    let owner: Py<PyAny> = array.clone().unbind();
    // SAFETY: numpy guarantees `len` elements reachable through these strides
    // from `ptr`, kept alive by the array object we own.
    let storage =
        unsafe { Storage::from_raw(ptr as *mut u8, len, dtype, !readonly, Box::new(owner)) };
    let t = Tensor::from_storage(storage, layout, dtype).py()?;
    Py::new(py, PyTensor::wrap(t))
}

fn ferrotorch_core_strides(shape: &[usize]) -> Vec<usize> {
    Layout::contiguous(shape).strides
}
