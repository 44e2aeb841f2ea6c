//! Custom autograd functions written in Python (`torch.autograd.Function`):
//! the `ctx` base class (`_FunctionBase`: saved tensors, `next_functions`)
//! and [`PyFunctionNode`], the node that joins the Rust graph and calls the
//! class's `backward` back with the GIL.
//!
//! The `ctx` object is the node's Python face (`y.grad_fn is ctx`, as in
//! PyTorch). The node holds `ctx` strongly; `ctx` holds only the saved
//! tensors and the edges to the inputs' nodes, so there is no reference cycle
//! through Rust that Python's collector could not see. Saved outputs are kept
//! without their `grad_fn` for the same reason (see `SavedTensor::output`).

use crate::errors::{stash, IntoPyResult};
use crate::tensor::PyTensor;
use ferrotorch::autograd::{Edge, Node, PreHooks, SavedTensor};
use ferrotorch::ops::reduce::sum;
use ferrotorch::{DType, Tensor, TensorImpl};
use ferrotorch_python_macros::catch_panics;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::any::Any;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// Tensors from `ctx.save_for_backward` (`None` entries allowed), shared by
/// `ctx` (to unpack) and the node (to free after backward).
type SavedSlots = Arc<Mutex<Vec<Option<SavedTensor>>>>;

/// Base class of every custom Function's `ctx` / backward node.
#[pyclass(name = "_FunctionBase", module = "ferrotorch._C", subclass, frozen)]
pub struct FunctionBase {
    saved: SavedSlots,
    edges: Mutex<Vec<Option<Edge>>>,
}

#[catch_panics]
#[pymethods]
impl FunctionBase {
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyAny>>) -> FunctionBase {
        FunctionBase {
            saved: Arc::new(Mutex::new(vec![])),
            edges: Mutex::new(vec![]),
        }
    }
    /// The tensors given to `save_for_backward`, checked against in-place
    /// changes since they were saved.
    #[getter]
    fn saved_tensors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items = self
            .saved
            .lock()
            .unwrap()
            .iter()
            .map(|s| match s {
                None => Ok(None),
                Some(s) => Ok(Some(Py::new(py, PyTensor::wrap(s.unpack().py()?))?)),
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyTuple::new(py, items)
    }
    #[getter]
    fn next_functions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let edges = self.edges.lock().unwrap().clone();
        crate::autograd::next_functions(py, &edges)
    }
    /// The node's name: the class name, e.g. `ExpBackward`.
    fn name(slf: &Bound<'_, Self>) -> PyResult<String> {
        Ok(slf.get_type().name()?.to_string())
    }
}

/// Shape and dtype of a tensor the node must produce or accept a gradient for.
#[derive(Clone)]
struct Meta {
    shape: Vec<usize>,
    dtype: DType,
    device: ferrotorch::Device,
}

impl Meta {
    fn of(t: &Tensor) -> Meta {
        Meta {
            shape: t.shape().to_vec(),
            dtype: t.dtype(),
            device: t.device(),
        }
    }
}

/// The graph node of one `Function.apply` call.
pub struct PyFunctionNode {
    name: String,
    /// One per tensor argument of `forward`.
    edges: Vec<Option<Edge>>,
    inputs: Vec<Meta>,
    /// Which `forward` arguments were tensors (backward returns one value per argument).
    arg_is_tensor: Vec<bool>,
    /// One per output; `None` for a non-tensor output.
    outputs: Vec<Option<Meta>>,
    ctx: Py<PyAny>,
    saved: SavedSlots,
    hooks: OnceLock<PreHooks>,
    /// Outputs that called `retain_grad`, with their output numbers (weak:
    /// the graph must not keep its own outputs alive).
    retained: Mutex<Vec<(usize, Weak<TensorImpl>)>>,
}

/// `ctx` when `node` is a custom Function's node.
pub fn ctx_of(py: Python<'_>, node: &dyn Node) -> Option<Py<PyAny>> {
    node.as_any()
        .and_then(|a| a.downcast_ref::<PyFunctionNode>())
        .map(|n| n.ctx.clone_ref(py))
}

fn size_list(s: &[usize]) -> String {
    let parts: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// Whether `from` broadcasts to `to` (a gradient of shape `to` can be summed
/// back to `from`).
fn expandable(from: &[usize], to: &[usize]) -> bool {
    from.len() <= to.len()
        && from
            .iter()
            .rev()
            .zip(to.iter().rev())
            .all(|(&f, &t)| f == t || f == 1)
}

/// `g` summed over broadcast dims down to `shape`.
fn sum_to(g: &Tensor, shape: &[usize]) -> ferrotorch::Result<Tensor> {
    let lead = g.ndim() - shape.len();
    let mut dims: Vec<i64> = (0..lead as i64).collect();
    for (i, &d) in shape.iter().enumerate() {
        if d == 1 && g.shape()[lead + i] != 1 {
            dims.push((lead + i) as i64);
        }
    }
    let s = sum(g, &dims, true, None)?;
    let sizes: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    s.reshape(&sizes)
}

impl PyFunctionNode {
    /// Calls `backward(ctx, *grads)` and checks what it returned.
    fn call_backward(
        &self,
        py: Python<'_>,
        grads: Vec<Option<Tensor>>,
    ) -> PyResult<Vec<Option<Tensor>>> {
        let ctx = self.ctx.bind(py);
        let materialize: bool = ctx.getattr("_materialize_grads")?.extract()?;
        let mut args: Vec<Py<PyAny>> = vec![ctx.clone().unbind()];
        let mut grads = grads.into_iter();
        for out in &self.outputs {
            let g = grads.next().flatten();
            let g = match (g, out) {
                (Some(g), _) => Some(g),
                (None, Some(m)) if materialize => Some(
                    Tensor::full_on(&m.shape, ferrotorch::Scalar::Int(0), m.dtype, m.device)
                        .map_err(crate::errors::to_py)?,
                ),
                (None, _) => None,
            };
            args.push(match g {
                Some(g) => Py::new(py, PyTensor::wrap(g))?.into_any(),
                None => py.None(),
            });
        }
        let backward = ctx.getattr("_forward_cls")?.getattr("backward")?;
        let r = backward.call1(PyTuple::new(py, args)?)?;
        let mut items: Vec<Bound<'_, PyAny>> = match r.cast::<PyTuple>() {
            Ok(t) => t.iter().collect(),
            Err(_) => vec![r],
        };
        let n = self.arg_is_tensor.len();
        // Extra trailing Nones are tolerated, as in PyTorch.
        if items.len() > n && items[n..].iter().all(|x| x.is_none()) {
            items.truncate(n);
        }
        if items.len() != n {
            return Err(PyRuntimeError::new_err(format!(
                "function {} returned an incorrect number of gradients (expected {}, got {})",
                self.name,
                n,
                items.len()
            )));
        }
        let mut out = Vec::with_capacity(self.edges.len());
        for (pos, (item, &is_tensor)) in items.iter().zip(&self.arg_is_tensor).enumerate() {
            if !is_tensor {
                if !item.is_none() {
                    return Err(PyRuntimeError::new_err(format!(
                        "function {} returned a gradient different than None at position {}, but the corresponding forward input was not a Variable",
                        self.name,
                        pos + 1
                    )));
                }
                continue;
            }
            if item.is_none() {
                out.push(None);
                continue;
            }
            let Ok(g) = item.cast::<PyTensor>() else {
                return Err(PyRuntimeError::new_err(format!(
                    "expected Variable or None (got {})",
                    item.get_type().name()?
                )));
            };
            out.push(Some(self.validate(out.len(), g.get().t.clone())?));
        }
        // Gradients for inputs that need none are dropped.
        Ok(out
            .into_iter()
            .zip(&self.edges)
            .map(|(g, e)| g.filter(|_| e.is_some()))
            .collect())
    }

    /// Brings gradient `i` to its input's shape (undoing broadcasting) and dtype.
    fn validate(&self, i: usize, g: Tensor) -> PyResult<Tensor> {
        let m = &self.inputs[i];
        let g = if g.shape() == m.shape.as_slice() {
            g
        } else if expandable(&m.shape, g.shape()) {
            sum_to(&g, &m.shape).py()?
        } else {
            return Err(PyRuntimeError::new_err(format!(
                "Function {} returned an invalid gradient at index {} - got {} but expected shape compatible with {}",
                self.name,
                i,
                size_list(g.shape()),
                size_list(&m.shape)
            )));
        };
        if g.dtype() != m.dtype {
            return g.to_dtype(m.dtype).py();
        }
        Ok(g)
    }
}

impl Node for PyFunctionNode {
    fn name(&self) -> &str {
        &self.name
    }
    fn next_edges(&self) -> &[Option<Edge>] {
        &self.edges
    }
    fn apply(&self, grads: Vec<Option<Tensor>>) -> ferrotorch::Result<Vec<Option<Tensor>>> {
        Python::attach(|py| self.call_backward(py, grads)).map_err(stash)
    }
    fn release_saved(&self) {
        for s in self.saved.lock().unwrap().iter().flatten() {
            s.release();
        }
    }
    fn pre_hooks_slot(&self) -> Option<&OnceLock<PreHooks>> {
        Some(&self.hooks)
    }
    fn retain_output(&self, output_nr: usize, t: Weak<TensorImpl>) {
        let mut r = self.retained.lock().unwrap();
        if !r.iter().any(|(n, w)| *n == output_nr && w.ptr_eq(&t)) {
            r.push((output_nr, t));
        }
    }
    fn retained_outputs(&self) -> Vec<(usize, Tensor)> {
        let mut r = self.retained.lock().unwrap();
        r.retain(|(_, w)| w.strong_count() > 0);
        r.iter()
            .filter_map(|(n, w)| Tensor::upgrade(w).map(|t| (*n, t)))
            .collect()
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

/// The tensor of a Python object, if it is one.
fn tensor_of(obj: &Bound<'_, PyAny>) -> Option<Tensor> {
    obj.cast::<PyTensor>().ok().map(|t| t.get().t.clone())
}

/// Second half of `Function.apply`, after `forward` ran: builds the node,
/// links the outputs to it and saves the tensors of `save_for_backward`.
/// `args` are `forward`'s arguments; returns the outputs to give the caller
/// (aliases for outputs that are inputs, so an input keeps its history).
#[catch_panics]
#[pyfunction]
pub fn _function_wrap<'py>(
    py: Python<'py>,
    ctx: &Bound<'py, FunctionBase>,
    args: &Bound<'py, PyTuple>,
    outputs: &Bound<'py, PyAny>,
    to_save: Option<&Bound<'py, PyAny>>,
    non_differentiable: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let is_tuple = outputs.is_instance_of::<PyTuple>();
    let outs: Vec<Bound<'py, PyAny>> = if is_tuple {
        outputs.cast::<PyTuple>()?.iter().collect()
    } else {
        vec![outputs.clone()]
    };
    let arg_tensors: Vec<Option<Tensor>> = args.iter().map(|a| tensor_of(&a)).collect();
    let inputs: Vec<&Tensor> = arg_tensors.iter().flatten().collect();
    let non_diff: Vec<Tensor> = match non_differentiable {
        Some(l) => l
            .try_iter()?
            .filter_map(|o| o.ok().and_then(|o| tensor_of(&o)))
            .collect(),
        None => vec![],
    };
    let executable =
        ferrotorch::autograd::is_grad_enabled() && inputs.iter().any(|t| t.requires_grad());
    let edges: Vec<Option<Edge>> = inputs
        .iter()
        .map(|t| if executable { t.gradient_edge() } else { None })
        .collect();
    let node = Arc::new(PyFunctionNode {
        name: ctx.get_type().name()?.to_string(),
        edges: edges.clone(),
        inputs: inputs.iter().map(|t| Meta::of(t)).collect(),
        arg_is_tensor: arg_tensors.iter().map(Option::is_some).collect(),
        outputs: outs
            .iter()
            .map(|o| tensor_of(o).map(|t| Meta::of(&t)))
            .collect(),
        ctx: ctx.clone().into_any().unbind(),
        saved: ctx.get().saved.clone(),
        hooks: OnceLock::new(),
        retained: Mutex::new(vec![]),
    });
    let dyn_node: Arc<dyn Node> = node.clone();
    let mut result: Vec<Py<PyAny>> = Vec::with_capacity(outs.len());
    let mut out_tensors: Vec<Tensor> = vec![];
    for (i, o) in outs.iter().enumerate() {
        let Some(t) = tensor_of(o) else {
            result.push(o.clone().unbind());
            continue;
        };
        let differentiable =
            executable && t.dtype().is_float() && !non_diff.iter().any(|n| n.same(&t));
        if !differentiable {
            out_tensors.push(t);
            result.push(o.clone().unbind());
            continue;
        }
        // An input (or a user's leaf) returned as is gets an alias, so that
        // its own history is untouched.
        let is_input = inputs.iter().any(|x| x.same(&t));
        let reuse = !(is_input || t.is_leaf() && t.requires_grad());
        let (t, obj) = if reuse {
            (t, o.clone().unbind())
        } else {
            let a = t.detach();
            (a.clone(), Py::new(py, PyTensor::wrap(a))?.into_any())
        };
        t.set_gradient_edge(Edge {
            node: dyn_node.clone(),
            input_nr: i,
        })
        .py()?;
        out_tensors.push(t);
        result.push(obj);
    }
    let mut saved = vec![];
    if let Some(list) = to_save {
        for item in list.try_iter()? {
            let item = item?;
            if item.is_none() {
                saved.push(None);
                continue;
            }
            let Some(t) = tensor_of(&item) else {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "save_for_backward can only save variables, but argument {} is of type {}",
                    saved.len(),
                    item.get_type().name()?
                )));
            };
            // A saved output must not hold its node (output -> node -> ctx -> output).
            let s = match out_tensors
                .iter()
                .find(|o| o.same(&t) && o.grad_fn().is_some())
            {
                Some(o) => {
                    let s = SavedTensor::output(o);
                    s.set_owner(Arc::downgrade(&dyn_node));
                    s
                }
                None => SavedTensor::input(&t),
            };
            saved.push(Some(s));
        }
    }
    *ctx.get().saved.lock().unwrap() = saved;
    *ctx.get().edges.lock().unwrap() = edges;
    drop(dyn_node);
    drop(node);
    Ok(if is_tuple {
        PyTuple::new(py, result)?.into_any().unbind()
    } else {
        result.pop().expect("one output")
    })
}

/// `ctx.needs_input_grad` for `forward`'s arguments, before it runs (as in
/// PyTorch, it reflects `requires_grad` even under `no_grad`).
#[catch_panics]
#[pyfunction]
pub fn _needs_input_grad<'py>(
    py: Python<'py>,
    args: &Bound<'py, PyTuple>,
) -> PyResult<Bound<'py, PyTuple>> {
    let flags: Vec<bool> = args
        .iter()
        .map(|a| tensor_of(&a).is_some_and(|t| t.requires_grad()))
        .collect();
    PyTuple::new(py, flags)
}
