//! `torch.Generator` and the functions on the default generator
//! (`manual_seed`, `initial_seed`, `seed`, `get_rng_state`, `set_rng_state`).

use crate::device::PyDevice;
use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;
use ferrotorch::random::{default_generator as cpu_default_generator, CpuGenerator};
use ferrotorch::{DType, Device, Tensor};
use ferrotorch_python_macros::catch_panics;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::sync::{Arc, Mutex};

#[pyclass(name = "Generator", module = "ferrotorch", frozen)]
pub struct PyGenerator {
    /// None = the process-wide default generator.
    own: Option<Arc<Mutex<CpuGenerator>>>,
}

impl PyGenerator {
    /// The generator to pass to ferrotorch (None = default).
    pub fn inner(&self) -> Option<Arc<Mutex<CpuGenerator>>> {
        self.own.clone()
    }
    fn with<R>(&self, f: impl FnOnce(&mut CpuGenerator) -> R) -> R {
        let m: &Mutex<CpuGenerator> = match &self.own {
            Some(a) => a,
            None => cpu_default_generator(),
        };
        let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut g)
    }
    pub fn default_gen() -> PyGenerator {
        PyGenerator { own: None }
    }
}

#[catch_panics]
#[pymethods]
impl PyGenerator {
    #[new]
    #[pyo3(signature = (device="cpu"))]
    fn new(device: &str) -> PyResult<Self> {
        if Device::parse(device) != Some(Device::Cpu) {
            return Err(PyRuntimeError::new_err(format!(
                "Generator for device {device} is not available"
            )));
        }
        Ok(PyGenerator {
            own: Some(Arc::new(Mutex::new(CpuGenerator::new(
                CpuGenerator::DEFAULT_SEED,
            )))),
        })
    }
    fn manual_seed(slf: &Bound<'_, Self>, seed: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let s = seed_value(seed)?;
        slf.get().with(|g| g.manual_seed(s));
        Ok(slf.clone().into_any().unbind())
    }
    fn initial_seed(&self) -> u64 {
        self.with(|g| g.initial_seed())
    }
    fn seed(&self) -> u64 {
        self.with(|g| g.seed())
    }
    fn get_state(&self, py: Python<'_>) -> PyResult<Py<PyTensor>> {
        let bytes = self.with(|g| g.get_state());
        let n = bytes.len();
        Py::new(py, PyTensor::wrap(Tensor::from_vec(bytes, &[n]).py()?))
    }
    fn set_state(slf: &Bound<'_, Self>, state: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>> {
        let t = &state.get().t;
        if t.dtype() != DType::U8 {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "expected a torch.ByteTensor, but got {}",
                t.dtype()
            )));
        }
        let bytes: Vec<u8> = t.to_vec().py()?;
        slf.get()
            .with(|g| g.set_state(&bytes))
            .map_err(PyRuntimeError::new_err)?;
        Ok(slf.clone().into_any().unbind())
    }
    #[getter]
    fn device(&self) -> PyDevice {
        PyDevice::of(Device::Cpu)
    }
}

/// Seeds may be any Python int; negative ones wrap like PyTorch (mod 2^64).
fn seed_value(seed: &Bound<'_, PyAny>) -> PyResult<u64> {
    let i = seed.call_method0("__index__")?;
    if let Ok(u) = i.extract::<u64>() {
        return Ok(u);
    }
    let v: i64 = i
        .extract()
        .map_err(|_| PyRuntimeError::new_err("Overflow when unpacking long"))?;
    Ok(v as u64)
}

#[catch_panics]
#[pyfunction]
pub fn manual_seed(py: Python<'_>, seed: &Bound<'_, PyAny>) -> PyResult<Py<PyGenerator>> {
    let s = seed_value(seed)?;
    let g = PyGenerator::default_gen();
    g.with(|g| g.manual_seed(s));
    Py::new(py, g)
}

#[catch_panics]
#[pyfunction]
pub fn initial_seed() -> u64 {
    PyGenerator::default_gen().initial_seed()
}

#[catch_panics]
#[pyfunction]
pub fn seed() -> u64 {
    PyGenerator::default_gen().seed()
}

#[catch_panics]
#[pyfunction]
pub fn get_rng_state(py: Python<'_>) -> PyResult<Py<PyTensor>> {
    PyGenerator::default_gen().get_state(py)
}

#[catch_panics]
#[pyfunction]
pub fn set_rng_state(py: Python<'_>, new_state: &Bound<'_, PyTensor>) -> PyResult<()> {
    let g = Bound::new(py, PyGenerator::default_gen())?;
    PyGenerator::set_state(&g, new_state)?;
    Ok(())
}

#[catch_panics]
#[pyfunction]
pub fn default_generator(py: Python<'_>) -> PyResult<Py<PyGenerator>> {
    Py::new(py, PyGenerator::default_gen())
}
