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

/// The allocator counters of device `index` as a dict (all zero for a
/// device nothing has used yet, which stays unopened).
#[catch_panics]
#[pyfunction]
fn _cuda_memory_stats(py: Python<'_>, index: usize) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    cuda::check_device(index).map_err(err)?;
    let s = cuda::opened(index)
        .map(|d| d.memory_stats())
        .unwrap_or_default();
    let d = pyo3::types::PyDict::new(py);
    d.set_item("allocated_bytes.all.current", s.allocated_bytes)?;
    d.set_item("allocated_bytes.all.peak", s.peak_allocated_bytes)?;
    d.set_item("reserved_bytes.all.current", s.reserved_bytes)?;
    d.set_item("reserved_bytes.all.peak", s.peak_reserved_bytes)?;
    d.set_item("num_device_alloc", s.num_device_mallocs)?;
    d.set_item("num_device_free", s.num_device_frees)?;
    d.set_item("num_alloc_retries", s.num_alloc_retries)?;
    d.set_item("num_ooms", s.num_ooms)?;
    Ok(d)
}

#[catch_panics]
#[pyfunction]
fn _cuda_reset_peak_memory_stats(index: usize) -> PyResult<()> {
    cuda::check_device(index).map_err(err)?;
    if let Some(d) = cuda::opened(index) {
        d.reset_peak_memory_stats();
    }
    Ok(())
}

/// Releases the cached blocks of every opened device.
#[catch_panics]
#[pyfunction]
fn _cuda_empty_cache(py: Python<'_>) -> PyResult<()> {
    py.detach(|| {
        for i in 0..cuda::device_count() {
            if let Some(d) = cuda::opened(i) {
                d.empty_cache()?;
            }
        }
        Ok(())
    })
    .map_err(err)
}

#[catch_panics]
#[pyfunction]
fn _cuda_synchronize(py: Python<'_>, index: usize) -> PyResult<()> {
    cuda::check_device(index).map_err(err)?;
    match cuda::opened(index) {
        Some(d) => py.detach(|| d.synchronize()).map_err(err),
        None => Ok(()),
    }
}

/// (name, total_memory, multi_processor_count, major, minor) of device `index`.
#[catch_panics]
#[pyfunction]
fn _cuda_device_properties(index: usize) -> PyResult<(String, usize, u32, u32, u32)> {
    let d = cuda::device(index).map_err(err)?;
    let i = d.info();
    Ok((
        i.name.clone(),
        i.total_memory,
        i.multi_processor_count,
        i.major,
        i.minor,
    ))
}

/// (free, total) bytes of device `index`.
#[catch_panics]
#[pyfunction]
fn _cuda_mem_get_info(index: usize) -> PyResult<(usize, usize)> {
    cuda::device(index)
        .and_then(|d| d.mem_get_info())
        .map_err(err)
}

/// A random tensor on CUDA device `index`: `kind` is "uniform", "normal"
/// or "randint" (with `low`, `high`).
#[catch_panics]
#[pyfunction]
#[pyo3(signature = (kind, shape, dtype, index, low=0, high=0))]
fn _cuda_random(
    py: Python<'_>,
    kind: &str,
    shape: Vec<i64>,
    dtype: &Bound<'_, PyAny>,
    index: usize,
    low: i64,
    high: i64,
) -> PyResult<Py<crate::tensor::PyTensor>> {
    use ferrotorch::cuda_random::{sample, Distribution};
    let shape = crate::convert::to_shape(&shape)?;
    let dt = crate::convert::dtype(dtype)?;
    let dist = match kind {
        "uniform" => Distribution::Uniform,
        "normal" => Distribution::Normal,
        _ => Distribution::Int { low, high },
    };
    let t = sample(index, &shape, dt, dist).map_err(crate::errors::to_py)?;
    Py::new(py, crate::tensor::PyTensor::wrap(t))
}

#[catch_panics]
#[pyfunction]
fn _cuda_manual_seed(index: usize, seed: u64) {
    ferrotorch::cuda_random::manual_seed(index, seed)
}

#[catch_panics]
#[pyfunction]
fn _cuda_initial_seed(index: usize) -> u64 {
    ferrotorch::cuda_random::initial_seed(index)
}

#[catch_panics]
#[pyfunction]
fn _get_allow_tf32() -> bool {
    ferrotorch::allow_tf32()
}

#[catch_panics]
#[pyfunction]
fn _set_allow_tf32(on: bool) {
    ferrotorch::set_allow_tf32(on)
}

#[catch_panics]
#[pyfunction]
fn _cuda_is_emulated() -> bool {
    cuda::is_emulated()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_cuda_memory_stats, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_reset_peak_memory_stats, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_empty_cache, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_synchronize, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_device_properties, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_mem_get_info, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_is_emulated, m)?)?;
    m.add_function(wrap_pyfunction!(_get_allow_tf32, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_random, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_manual_seed, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_initial_seed, m)?)?;
    m.add_function(wrap_pyfunction!(_set_allow_tf32, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_add_library_dir, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_device_count, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_is_available, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_nvrtc_available, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_current_device, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_set_device, m)?)?;
    m.add_function(wrap_pyfunction!(_cuda_check_device, m)?)?;
    Ok(())
}
