//! Python face of the Rust autograd graph: `grad_fn` node objects, the
//! engine entry points behind `Tensor.backward` / `torch.autograd.grad`, and
//! the thread-local grad mode behind `no_grad` and friends.

use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;
use ferrotorch::autograd::{self, Edge, Node};
use ferrotorch::Tensor;
use ferrotorch_python_macros::catch_panics;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyInt, PyTuple};
use std::sync::Arc;

/// A backward node (`y.grad_fn`): `name()`, `next_functions`, and for an
/// `AccumulateGrad` node its leaf as `variable`.
#[pyclass(name = "Node", module = "ferrotorch.autograd.graph", frozen, weakref)]
pub struct PyNode {
    pub node: Arc<dyn Node>,
}

/// Live Python objects of graph nodes by node address, held weakly: while
/// one lives it keeps its node (and so the address) alive.
static NODE_OBJECTS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The one Python object of `node`: the `ctx` of a custom Function, else a
/// `PyNode`, the same object as long as it is alive (`y.grad_fn is y.grad_fn`).
pub fn node_object(py: Python<'_>, node: Arc<dyn Node>) -> PyResult<Py<PyAny>> {
    if let Some(ctx) = crate::function::ctx_of(py, &*node) {
        return Ok(ctx);
    }
    let cache = NODE_OBJECTS
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("weakref")?
                .getattr("WeakValueDictionary")?
                .call0()?
                .unbind())
        })?
        .bind(py);
    let key = PyInt::new(py, Arc::as_ptr(&node) as *const () as usize);
    let found = cache.call_method1("get", (&key,))?;
    if !found.is_none() {
        return Ok(found.unbind());
    }
    let obj = Py::new(py, PyNode { node })?.into_any();
    cache.set_item(key, &obj)?;
    Ok(obj)
}

/// `next_functions`: `((node or None, input_nr), ...)`.
pub fn next_functions<'py>(
    py: Python<'py>,
    edges: &[Option<Edge>],
) -> PyResult<Bound<'py, PyTuple>> {
    let items = edges
        .iter()
        .map(|e| {
            let pair: (Option<Py<PyAny>>, usize) = match e {
                Some(e) => (Some(node_object(py, e.node.clone())?), e.input_nr),
                None => (None, 0),
            };
            pair.into_pyobject(py)
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py, items)
}

impl PyNode {
    fn id(&self) -> usize {
        Arc::as_ptr(&self.node) as *const () as usize
    }
}

#[catch_panics]
#[pymethods]
impl PyNode {
    /// PyTorch's name; the accumulator's is its C++ name (its `repr` is not).
    fn name(&self) -> String {
        if self.node.variable().is_some() {
            return "torch::autograd::AccumulateGrad".into();
        }
        self.node.name().to_string()
    }
    /// `((node or None, input_nr), ...)`, one pair per differentiable input.
    #[getter]
    fn next_functions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        next_functions(py, self.node.next_edges())
    }
    /// The leaf tensor of an `AccumulateGrad` node.
    #[getter]
    fn variable(&self, py: Python<'_>) -> PyResult<Option<Py<PyTensor>>> {
        self.node
            .variable()
            .map(|t| Py::new(py, PyTensor::wrap(t)))
            .transpose()
    }
    fn __repr__(&self) -> String {
        format!("<{} object at {:#x}>", self.node.name(), self.id())
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyNode>()
            .map(|o| o.get().id() == self.id())
            .unwrap_or(false)
    }
    fn __hash__(&self) -> isize {
        self.id() as isize
    }
}

fn tensors(list: &[Bound<'_, PyTensor>]) -> Vec<Tensor> {
    list.iter().map(|t| t.get().t.clone()).collect()
}

fn opt_tensors(list: &[Option<Bound<'_, PyTensor>>]) -> Vec<Option<Tensor>> {
    list.iter()
        .map(|t| t.as_ref().map(|t| t.get().t.clone()))
        .collect()
}

/// `torch.autograd.backward` on already-normalised arguments (`inputs` empty:
/// accumulate into every leaf).
#[catch_panics]
#[pyfunction]
pub fn _backward(
    tensors_: Vec<Bound<'_, PyTensor>>,
    grad_tensors: Vec<Option<Bound<'_, PyTensor>>>,
    retain_graph: bool,
    create_graph: bool,
    inputs: Vec<Bound<'_, PyTensor>>,
) -> PyResult<()> {
    autograd::backward_to(
        &tensors(&tensors_),
        &opt_tensors(&grad_tensors),
        retain_graph,
        create_graph,
        &tensors(&inputs),
    )
    .py()
}

/// `torch.autograd.grad` on already-normalised arguments.
#[catch_panics]
#[pyfunction]
pub fn _grad(
    py: Python<'_>,
    outputs: Vec<Bound<'_, PyTensor>>,
    grad_outputs: Vec<Option<Bound<'_, PyTensor>>>,
    inputs: Vec<Bound<'_, PyTensor>>,
    retain_graph: bool,
    create_graph: bool,
    allow_unused: bool,
) -> PyResult<Vec<Option<Py<PyTensor>>>> {
    let r = autograd::grad(
        &tensors(&outputs),
        &opt_tensors(&grad_outputs),
        &tensors(&inputs),
        retain_graph,
        create_graph,
        allow_unused,
    )
    .py()?;
    r.into_iter()
        .map(|g| g.map(|t| Py::new(py, PyTensor::wrap(t))).transpose())
        .collect()
}

#[catch_panics]
#[pyfunction]
pub fn is_grad_enabled() -> bool {
    autograd::is_grad_enabled()
}

#[catch_panics]
#[pyfunction]
pub fn _set_grad_enabled(enabled: bool) {
    autograd::set_grad_enabled(enabled)
}
