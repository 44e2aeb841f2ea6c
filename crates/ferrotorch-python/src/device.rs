//! `torch.device`: a device type with an optional index. `cuda` (no index:
//! "the current device") and `cuda:0` are different values, as in PyTorch;
//! a tensor's device always has its index resolved.

use ferrotorch::Device;
use ferrotorch_python_macros::catch_panics;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceType {
    Cpu,
    Cuda,
}

impl DeviceType {
    fn name(self) -> &'static str {
        match self {
            DeviceType::Cpu => "cpu",
            DeviceType::Cuda => "cuda",
        }
    }
}

#[pyclass(name = "device", module = "ferrotorch", frozen, eq, hash)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PyDevice {
    pub ty: DeviceType,
    pub index: Option<usize>,
}

fn runtime_err(msg: String) -> PyErr {
    PyRuntimeError::new_err(msg)
}

fn check_index(i: i64) -> PyResult<usize> {
    usize::try_from(i).map_err(|_| runtime_err("Device index must not be negative".into()))
}

/// Parses PyTorch's device strings strictly: `type` or `type:N` with N a
/// decimal number without leading zeros, nothing else (no spaces).
pub(crate) fn parse(s: &str) -> PyResult<PyDevice> {
    if s.is_empty() {
        return Err(runtime_err("Device string must not be empty".into()));
    }
    let (ty_str, idx_str) = match s.split_once(':') {
        Some((t, i)) => (t, Some(i)),
        None => (s, None),
    };
    let ty = match ty_str {
        "cpu" => DeviceType::Cpu,
        "cuda" => DeviceType::Cuda,
        _ if ty_str
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            return Err(runtime_err(format!(
                "Expected one of cpu, cuda device type at start of device string: {s}"
            )))
        }
        _ => return Err(runtime_err(format!("Invalid device string: '{s}'"))),
    };
    let index = match idx_str {
        None => None,
        Some(i) => {
            let well_formed = !i.is_empty()
                && i.bytes().all(|b| b.is_ascii_digit())
                && (i == "0" || !i.starts_with('0'));
            if !well_formed {
                return Err(runtime_err(format!("Invalid device string: '{s}'")));
            }
            Some(i.parse::<usize>().map_err(|_| {
                runtime_err(format!(
                    "Could not parse device index '{i}' in device string '{s}'"
                ))
            })?)
        }
    };
    Ok(PyDevice { ty, index })
}

impl PyDevice {
    /// The device of a tensor living on `dev` (index always present for CUDA).
    pub fn of(dev: Device) -> PyDevice {
        match dev {
            Device::Cpu => PyDevice {
                ty: DeviceType::Cpu,
                index: None,
            },
            Device::Cuda(i) => PyDevice {
                ty: DeviceType::Cuda,
                index: Some(i),
            },
        }
    }

    /// The concrete device this names: `cuda` means the current device, which
    /// fails with PyTorch's error where there is no GPU.
    pub fn resolve(&self) -> ferrotorch::Result<Device> {
        match self.ty {
            DeviceType::Cpu => Ok(Device::Cpu),
            DeviceType::Cuda => {
                let i = match self.index {
                    Some(i) => i,
                    None => ferrotorch::cuda::current_device()?,
                };
                ferrotorch::cuda::check_device(i)?;
                Ok(Device::Cuda(i))
            }
        }
    }

    /// Converts anything `torch.device(...)` accepts as its one argument.
    pub fn from_any(spec: &Bound<'_, PyAny>) -> PyResult<PyDevice> {
        if let Ok(d) = spec.cast::<PyDevice>() {
            return Ok(*d.get());
        }
        if let Ok(s) = spec.extract::<String>() {
            return parse(&s);
        }
        // A bare integer is a CUDA ordinal (bool is an int in Python, not a device).
        if !spec.is_instance_of::<pyo3::types::PyBool>() {
            if let Ok(i) = spec.extract::<i64>() {
                return Ok(PyDevice {
                    ty: DeviceType::Cuda,
                    index: Some(check_index(i)?),
                });
            }
        }
        Err(PyTypeError::new_err(format!(
            "device() received an invalid combination of arguments - got ({}), but expected one of:\n * (torch.device device)\n * (str type, int index = -1)\n",
            spec.get_type().name()?
        )))
    }
}

#[catch_panics]
#[pymethods]
impl PyDevice {
    #[new]
    #[pyo3(signature = (r#type, index=None))]
    fn new(r#type: &Bound<'_, PyAny>, index: Option<i64>) -> PyResult<Self> {
        let mut dev = PyDevice::from_any(r#type)?;
        if let Some(i) = index {
            if dev.index.is_some() {
                let s: String = r#type.str()?.extract()?;
                return Err(runtime_err(format!(
                    "type (string) must not include an index because index was passed explicitly: {s}"
                )));
            }
            dev.index = Some(check_index(i)?);
        }
        Ok(dev)
    }
    #[getter]
    fn r#type(&self) -> &'static str {
        self.ty.name()
    }
    #[getter]
    fn index(&self) -> Option<usize> {
        self.index
    }
    fn __repr__(&self) -> String {
        match self.index {
            None => format!("device(type='{}')", self.ty.name()),
            Some(i) => format!("device(type='{}', index={i})", self.ty.name()),
        }
    }
    fn __str__(&self) -> String {
        match self.index {
            None => self.ty.name().to_string(),
            Some(i) => format!("{}:{i}", self.ty.name()),
        }
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let d = slf.get();
        (slf.get_type(), (d.ty.name(), d.index))
            .into_pyobject(slf.py())
            .map(|t| t.into_any())
    }
}

/// `_C._resolve_device(spec)`: the concrete device `spec` names, raising
/// PyTorch's error when it is a CUDA device that is not present. The Python
/// layer calls this for every `device=` argument and `.to(...)`.
#[catch_panics]
#[pyfunction]
pub fn _resolve_device(spec: &Bound<'_, PyAny>) -> PyResult<PyDevice> {
    let dev = PyDevice::from_any(spec)?;
    let resolved = dev.resolve().map_err(crate::errors::to_py)?;
    Ok(PyDevice::of(resolved))
}
