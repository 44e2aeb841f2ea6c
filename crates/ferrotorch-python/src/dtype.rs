//! The Python `dtype` and `device` objects. Each dtype is a singleton so that
//! `t.dtype is torch.float32` holds, as in PyTorch.

use ferrotorch::DType;
use ferrotorch_python_macros::catch_panics;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

#[pyclass(name = "dtype", module = "ferrotorch", frozen, eq, hash)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyDType {
    pub dt: DType,
}

#[catch_panics]
#[pymethods]
impl PyDType {
    fn __repr__(&self) -> String {
        format!("torch.{}", self.dt.name())
    }
    #[getter]
    fn is_floating_point(&self) -> bool {
        self.dt.is_float()
    }
    #[getter]
    fn is_signed(&self) -> bool {
        self.dt.is_signed()
    }
    #[getter]
    fn is_complex(&self) -> bool {
        false
    }
    #[getter]
    fn itemsize(&self) -> usize {
        self.dt.size()
    }
    /// The bare name (`"float32"`), used by the Python layer.
    #[getter]
    fn _name(&self) -> &'static str {
        self.dt.name()
    }
    fn __reduce__(&self) -> (String,) {
        (self.dt.name().to_string(),)
    }
}

static DTYPES: PyOnceLock<Vec<Py<PyDType>>> = PyOnceLock::new();

/// The singleton Python object for `dt`.
pub fn dtype_obj(py: Python<'_>, dt: DType) -> Py<PyDType> {
    let all = DTYPES.get_or_init(py, || {
        DType::ALL
            .iter()
            .map(|&d| Py::new(py, PyDType { dt: d }).expect("dtype object"))
            .collect()
    });
    let i = DType::ALL.iter().position(|&d| d == dt).unwrap_or(0);
    all[i].clone_ref(py)
}
