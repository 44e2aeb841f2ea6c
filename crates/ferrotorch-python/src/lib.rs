//! The extension module `ferrotorch._C`: PyO3 bindings over the `ferrotorch`
//! crate. This is the only crate that knows about Python.

// The module must be called `_C` (PyTorch's name for its extension).
#![allow(non_snake_case)]

mod autocast;
mod autograd;
mod convert;
mod cuda;
mod device;
mod dlpack;
mod dtype;
mod errors;
mod function;
mod functions;
mod generator;
mod hooks;
mod numpy;
mod tensor;

use pyo3::prelude::*;

#[pymodule]
fn _C(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    errors::quiet_typed_panics();
    m.add(
        "OutOfMemoryError",
        m.py().get_type::<errors::OutOfMemoryError>(),
    )?;
    m.add_class::<tensor::PyTensor>()?;
    m.add_class::<dtype::PyDType>()?;
    m.add_class::<device::PyDevice>()?;
    m.add_class::<generator::PyGenerator>()?;
    m.add_class::<autograd::PyNode>()?;
    m.add_class::<function::FunctionBase>()?;
    m.add_class::<hooks::RemovableHandle>()?;
    for dt in ferrotorch::DType::ALL {
        m.add(dt.name(), dtype::dtype_obj(py, dt))?;
    }
    m.add_function(wrap_pyfunction!(numpy::from_numpy, m)?)?;
    m.add_function(wrap_pyfunction!(dlpack::from_dlpack, m)?)?;
    m.add_function(wrap_pyfunction!(generator::manual_seed, m)?)?;
    m.add_function(wrap_pyfunction!(generator::initial_seed, m)?)?;
    m.add_function(wrap_pyfunction!(generator::seed, m)?)?;
    m.add_function(wrap_pyfunction!(generator::get_rng_state, m)?)?;
    m.add_function(wrap_pyfunction!(generator::set_rng_state, m)?)?;
    m.add_function(wrap_pyfunction!(generator::default_generator, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_full, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_arange, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_linspace, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_eye, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_from_flat, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_rand, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_randn, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_randint, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_randperm, m)?)?;
    m.add_function(wrap_pyfunction!(functions::cat, m)?)?;
    m.add_function(wrap_pyfunction!(functions::stack, m)?)?;
    m.add_function(wrap_pyfunction!(functions::hstack, m)?)?;
    m.add_function(wrap_pyfunction!(functions::vstack, m)?)?;
    m.add_function(wrap_pyfunction!(functions::dstack, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_where, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_div_rounded_node, m)?)?;
    m.add_function(wrap_pyfunction!(functions::_result_type, m)?)?;
    m.add_function(wrap_pyfunction!(autograd::_backward, m)?)?;
    m.add_function(wrap_pyfunction!(autograd::_grad, m)?)?;
    m.add_function(wrap_pyfunction!(function::_function_wrap, m)?)?;
    m.add_function(wrap_pyfunction!(function::_needs_input_grad, m)?)?;
    m.add_function(wrap_pyfunction!(autograd::is_grad_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(autograd::_set_grad_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(device::_resolve_device, m)?)?;
    cuda::register(m)?;
    autocast::register(m)?;
    Ok(())
}
