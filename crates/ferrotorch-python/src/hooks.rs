//! `Tensor.register_hook` from Python: a Python callable as a Rust
//! [`GradHook`] (called back with the GIL, its result checked as PyTorch
//! checks it), and the `RemovableHandle` that removes it.

use crate::errors::{stash, IntoPyResult};
use crate::tensor::PyTensor;
use ferrotorch::autograd::{GradHook, HookHandle};
use ferrotorch::Tensor;
use ferrotorch_python_macros::catch_panics;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use std::sync::Arc;

/// A Python callable `hook(grad) -> Tensor or None`.
struct PyGradHook {
    hook: Py<PyAny>,
}

/// The name PyTorch uses for a hook in its messages.
fn hook_name(hook: &Bound<'_, PyAny>) -> String {
    hook.getattr("__name__")
        .and_then(|n| n.extract::<String>())
        .unwrap_or_else(|_| "<unknown>".into())
}

/// The hook's replacement gradient, checked to keep the gradient's dtype and shape.
fn check_result(
    hook: &Bound<'_, PyAny>,
    grad: &Tensor,
    r: &Bound<'_, PyAny>,
) -> PyResult<Option<Tensor>> {
    if r.is_none() {
        return Ok(None);
    }
    let Ok(t) = r.cast::<PyTensor>() else {
        return Err(PyTypeError::new_err(format!(
            "expected Variable, but hook returned '{}'",
            r.get_type().name()?
        )));
    };
    let t = t.get().t.clone();
    if t.dtype() != grad.dtype() {
        return Err(PyRuntimeError::new_err(format!(
            "hook '{}' has changed the type of value (was {} got {})",
            hook_name(hook),
            grad.dtype().legacy_type_name(grad.device()),
            t.dtype().legacy_type_name(t.device())
        )));
    }
    if t.shape() != grad.shape() {
        return Err(PyRuntimeError::new_err(format!(
            "hook '{}' has changed the size of value",
            hook_name(hook)
        )));
    }
    Ok(Some(t))
}

impl GradHook for PyGradHook {
    fn call(&self, grad: &Tensor) -> ferrotorch::Result<Option<Tensor>> {
        Python::attach(|py| {
            let hook = self.hook.bind(py);
            let g = Py::new(py, PyTensor::wrap(grad.clone()))?;
            let r = hook.call1((g,))?;
            check_result(hook, grad, &r)
        })
        .map_err(stash)
    }
}

/// `torch.utils.hooks.RemovableHandle`: `remove()` unregisters the hook;
/// usable as a context manager.
#[pyclass(name = "RemovableHandle", module = "ferrotorch.utils.hooks", frozen)]
pub struct RemovableHandle {
    handle: HookHandle,
}

#[catch_panics]
#[pymethods]
impl RemovableHandle {
    #[getter]
    fn id(&self) -> u64 {
        self.handle.id()
    }
    fn remove(&self) {
        self.handle.remove()
    }
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }
    fn __exit__(&self, _ty: &Bound<'_, PyAny>, _value: &Bound<'_, PyAny>, _tb: &Bound<'_, PyAny>) {
        self.handle.remove()
    }
}

/// `t.register_hook(hook)`: the Rust side of the Tensor method.
pub fn register(t: &Tensor, hook: &Bound<'_, PyAny>) -> PyResult<RemovableHandle> {
    let handle = t
        .register_hook(Arc::new(PyGradHook {
            hook: hook.clone().unbind(),
        }))
        .py()?;
    Ok(RemovableHandle { handle })
}
