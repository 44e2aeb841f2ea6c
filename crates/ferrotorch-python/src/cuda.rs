//! `_C._cuda_*`: the runtime queries `ferrotorch.cuda` is built on. They
//! only probe for libraries and the driver, so they are safe to call on a
//! machine without CUDA (answers: 0 devices, PyTorch's no-driver error).

use ferrotorch::cuda;
use ferrotorch_python_macros::catch_panics;
use pyo3::prelude::*;

fn err(e: cuda::Error) -> PyErr {
    crate::errors::to_py(e.into())
}

/// Registers a directory holding CUDA libraries (the PyPI wheels' lib dir),
/// loaded by full path at the first probe.
#[catch_panics]
#[pyfunction]
fn _cuda_add_library_dir(path: std::path::PathBuf) {
    cuda::add_library_dir(path);
}

#[catch_panics]
#[pyfunction]
fn _cuda_device_count() -> usize {
    cuda::device_count()
}

#[catch_panics]
#[pyfunction]
fn _cuda_is_available() -> bool {
    cuda::is_available()
}

#[catch_panics]
#[pyfunction]
fn _cuda_nvrtc_available() -> bool {
    cuda::nvrtc_available()
}

#[catch_panics]
#[pyfunction]
fn _cuda_current_device() -> PyResult<usize> {
    cuda::current_device().map_err(err)
}

#[catch_panics]
#[pyfunction]
fn _cuda_set_device(index: usize) -> PyResult<()> {
    cuda::set_device(index).map_err(err)
}

/// Raises PyTorch's error unless CUDA device `index` exists.
#[catch_panics]
#[pyfunction]
fn _cuda_check_device(index: usize) -> PyResult<()> {
    cuda::check_device(index).map_err(err)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_cuda_add_library_dir, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_device_count, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_is_available, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_nvrtc_available, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_current_device, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_set_device, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_check_device, m)?)?;
    Ok(())
}
