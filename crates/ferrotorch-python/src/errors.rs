//! Maps ferrotorch errors to the Python exception types PyTorch raises, and
//! Rust panics (bugs) to `RuntimeError` rather than pyo3's `PanicException`.

use ferrotorch::{Error, ErrorKind};
use ferrotorch_python_macros::catch_panics;
use pyo3::exceptions::{
    PyIndexError, PyNotImplementedError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::{PyErr, PyResult};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

// PyTorch's `torch.OutOfMemoryError` (also `torch.cuda.OutOfMemoryError`).
pyo3::create_exception!(
    ferrotorch,
    OutOfMemoryError,
    PyRuntimeError,
    "Exception raised when a device is out of memory"
);

thread_local! {
    // A Python exception raised inside a callback the Rust engine made (a
    // hook, a custom Function's backward), with the message the Rust error
    // carried out of the engine: `to_py` re-raises the original exception.
    static PENDING: RefCell<Option<(String, PyErr)>> = const { RefCell::new(None) };
}

/// Carries `err` through Rust code as an [`Error`]; converting that error
/// back with [`to_py`] on this thread gives `err` itself (type, traceback).
pub fn stash(err: PyErr) -> Error {
    let msg = format!("Python exception in autograd callback: {err}");
    PENDING.with(|p| *p.borrow_mut() = Some((msg.clone(), err)));
    Error::Runtime(msg)
}

pub fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    if let Some((m, err)) = PENDING.with(|p| p.borrow_mut().take()) {
        if m == msg {
            return err;
        }
    }
    match e.kind() {
        ErrorKind::Runtime => PyRuntimeError::new_err(msg),
        ErrorKind::Index => PyIndexError::new_err(msg),
        ErrorKind::Type => PyTypeError::new_err(msg),
        ErrorKind::Value => PyValueError::new_err(msg),
        ErrorKind::NotImplemented => PyNotImplementedError::new_err(msg),
        ErrorKind::OutOfMemory => OutOfMemoryError::new_err(msg),
    }
}

/// `?`-friendly conversion of ferrotorch results.
pub trait IntoPyResult<T> {
    fn py(self) -> pyo3::PyResult<T>;
}

impl<T> IntoPyResult<T> for ferrotorch::Result<T> {
    fn py(self) -> pyo3::PyResult<T> {
        self.map_err(to_py)
    }
}

/// Runs a binding's body, turning a panic into a `RuntimeError` that names it
/// as an internal error. Applied to every binding by `#[catch_panics]`.
pub fn guard<T>(body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        // A typed error carried by a panic (a copy behind an infallible
        // signature that ran out of device memory) keeps its Python type.
        Err(payload) if payload.downcast_ref::<Error>().is_some() => Err(to_py(
            payload.downcast_ref::<Error>().cloned().expect("checked"),
        )),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(PyRuntimeError::new_err(format!(
                "internal error in ferrotorch (please report it): {what}"
            )))
        }
    }
}

/// Keeps the panic hook from printing panics whose payload is an [`Error`]:
/// they are not bugs but errors raised behind infallible signatures (see
/// `Tensor::clone_data`), turned into Python exceptions by [`guard`].
pub fn quiet_typed_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.payload().is::<Error>() {
            previous(info)
        }
    }));
}

/// Panics on purpose, so tests can check that `#[catch_panics]` turns a panic
/// into a `RuntimeError` (exposed as `ferrotorch._C._panic_for_tests`).
#[catch_panics]
#[pyo3::pyfunction]
pub fn _panic_for_tests(message: &str) -> PyResult<()> {
    panic!("{message}")
}
