//! `_C._autocast_*`: the autocast state of the calling thread (kept in Rust,
//! `ferrotorch::autocast`) for `torch.autocast` and the `torch.*autocast*`
//! functions. Argument checking with PyTorch's messages is in the Python
//! layer; device strings are parsed here, with `torch.device`'s errors.

use crate::device::{self, DeviceType as PyDeviceType};
use crate::dtype::{dtype_obj, PyDType};
use ferrotorch::autocast::{self, DeviceType};
use ferrotorch_python_macros::catch_panics;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// The device type a device string names (`"cuda:1"` is CUDA).
fn device_type(s: &str) -> PyResult<DeviceType> {
    Ok(match device::parse(s)?.ty {
        PyDeviceType::Cpu => DeviceType::Cpu,
        PyDeviceType::Cuda => DeviceType::Cuda,
    })
}

/// Whether autocast exists for the device type (an invalid string raises).
#[catch_panics]
#[pyfunction]
fn _autocast_is_available(device_type: &str) -> PyResult<bool> {
    self::device_type(device_type).map(|_| true)
}

#[catch_panics]
#[pyfunction]
fn _autocast_is_enabled(device_type: &str) -> PyResult<bool> {
    Ok(autocast::is_enabled(self::device_type(device_type)?))
}

#[catch_panics]
#[pyfunction]
fn _autocast_set_enabled(device_type: &str, enabled: bool) -> PyResult<()> {
    autocast::set_enabled(self::device_type(device_type)?, enabled);
    Ok(())
}

#[catch_panics]
#[pyfunction]
fn _autocast_get_dtype(py: Python<'_>, device_type: &str) -> PyResult<Py<PyDType>> {
    Ok(dtype_obj(
        py,
        autocast::dtype(self::device_type(device_type)?),
    ))
}

#[catch_panics]
#[pyfunction]
fn _autocast_set_dtype(device_type: &str, dtype: &Bound<'_, PyAny>) -> PyResult<()> {
    let dt = dtype
        .cast::<PyDType>()
        .map_err(|_| PyTypeError::new_err("dtype must be a torch.dtype"))?
        .get()
        .dt;
    autocast::set_dtype(self::device_type(device_type)?, dt);
    Ok(())
}

#[catch_panics]
#[pyfunction]
fn _autocast_is_cache_enabled() -> bool {
    autocast::is_cache_enabled()
}

#[catch_panics]
#[pyfunction]
fn _autocast_set_cache_enabled(enabled: bool) {
    autocast::set_cache_enabled(enabled);
}

#[catch_panics]
#[pyfunction]
fn _autocast_clear_cache() {
    autocast::clear_cache();
}

#[catch_panics]
#[pyfunction]
fn _autocast_increment_nesting() -> i64 {
    autocast::increment_nesting()
}

#[catch_panics]
#[pyfunction]
fn _autocast_decrement_nesting() -> i64 {
    autocast::decrement_nesting()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_autocast_is_available, m)?)?;
    m.add_function(wrap_pyfunction!(_autocast_is_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(_autocast_set_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(_autocast_get_dtype, m)?)?;
    m.add_function(wrap_pyfunction!(_autocast_set_dtype, m)?)?;
    m.add_function(wrap_pyfunction!(_autocast_is_cache_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(_autocast_set_cache_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(_autocast_clear_cache, m)?)?;
    m.add_function(wrap_pyfunction!(_autocast_increment_nesting, m)?)?;
    m.add_function(wrap_pyfunction!(_autocast_decrement_nesting, m)?)?;
    Ok(())
}
