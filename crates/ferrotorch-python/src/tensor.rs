//! The Python `Tensor` class: the Rust tensor itself as a pyclass
//! (subclassable, so `nn.Parameter` can be a Python subclass). Hot paths
//! (operators, indexing, common ops) are here; argument-heavy conveniences are
//! added in `python/ferrotorch/_tensor.py`.

use crate::convert::{self, arg, Arg};
use crate::device::PyDevice;
use crate::dtype::{dtype_obj, PyDType};
use crate::errors::IntoPyResult;
use ferrotorch::index::TensorIndex;
use ferrotorch::ops::{self, BinaryOp, UnaryOp};
use ferrotorch::{DType, Scalar, Tensor};
use ferrotorch_python_macros::catch_panics;
use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyEllipsis, PyList, PySlice, PyTuple};
use std::sync::Mutex;

#[pyclass(name = "Tensor", module = "ferrotorch", subclass, frozen, weakref)]
pub struct PyTensor {
    pub t: Tensor,
    /// The Python object last returned for `.grad`, so that `x.grad is
    /// x.grad` while the gradient tensor stays the same.
    grad_obj: Mutex<Option<Py<PyTensor>>>,
}

impl PyTensor {
    pub fn wrap(t: Tensor) -> PyTensor {
        PyTensor {
            t,
            grad_obj: Mutex::new(None),
        }
    }
}

const NON_LEAF_GRAD: &str = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information.";

/// Runs `f` without the GIL when the work is large enough to be worth it.
pub fn heavy<T: Send>(py: Python<'_>, numel: usize, f: impl FnOnce() -> T + Send) -> T {
    if numel >= 1 << 16 {
        py.detach(f)
    } else {
        f()
    }
}

fn binary_code(code: &str) -> PyResult<BinaryOp> {
    use BinaryOp::*;
    Ok(match code {
        "add" => Add,
        "sub" => Sub,
        "mul" => Mul,
        "div" => Div,
        "floor_divide" => FloorDiv,
        "remainder" => Rem,
        "pow" => Pow,
        "maximum" => Maximum,
        "minimum" => Minimum,
        "eq" => Eq,
        "ne" => Ne,
        "lt" => Lt,
        "le" => Le,
        "gt" => Gt,
        "ge" => Ge,
        "logical_and" => LogicalAnd,
        "logical_or" => LogicalOr,
        "logical_xor" => LogicalXor,
        "fmod" => Fmod,
        "bitwise_and" => BitAnd,
        "bitwise_or" => BitOr,
        "bitwise_xor" => BitXor,
        _ => return Err(PyValueError::new_err(format!("unknown binary op {code}"))),
    })
}

fn unary_code(code: &str) -> PyResult<UnaryOp> {
    use UnaryOp::*;
    Ok(match code {
        "neg" => Neg,
        "abs" => Abs,
        "sign" => Sign,
        "relu" => Relu,
        "floor" => Floor,
        "ceil" => Ceil,
        "round" => Round,
        "trunc" => Trunc,
        "sqrt" => Sqrt,
        "rsqrt" => Rsqrt,
        "exp" => Exp,
        "log" => Log,
        "log1p" => Log1p,
        "expm1" => Expm1,
        "sin" => Sin,
        "cos" => Cos,
        "tan" => Tan,
        "tanh" => Tanh,
        "sigmoid" => Sigmoid,
        "reciprocal" => Reciprocal,
        "logical_not" => LogicalNot,
        "bitwise_not" => BitwiseNot,
        _ => return Err(PyValueError::new_err(format!("unknown unary op {code}"))),
    })
}

/// `a op b`, or `b op a` when `reflected`: the one binary dispatch behind the
/// operators and `Tensor._binary`.
fn apply_binary(
    py: Python<'_>,
    a: &Tensor,
    b: &Arg,
    op: BinaryOp,
    reflected: bool,
) -> PyResult<Py<PyAny>> {
    let r = heavy(py, a.numel(), || {
        if reflected && op == BinaryOp::Sub {
            ops::math::rsub(a, b.operand())
        } else if reflected {
            ops::math::binary(b.operand(), a, op)
        } else {
            ops::math::binary(a, b.operand(), op)
        }
    })
    .py()?;
    Ok(wrap(py, r)?.into_any())
}

/// Operators: NotImplemented for operands that are not tensors or numbers,
/// so that Python tries the other operand's reflected method.
fn operator(
    py: Python<'_>,
    a: &Tensor,
    other: &Bound<'_, PyAny>,
    op: BinaryOp,
    reflected: bool,
) -> PyResult<Py<PyAny>> {
    match Arg::extract(other) {
        Some(b) => apply_binary(py, a, &b, op, reflected),
        None => Ok(py.NotImplemented()),
    }
}

fn inplace(
    py: Python<'_>,
    slf: &Bound<'_, PyTensor>,
    other: &Bound<'_, PyAny>,
    op: BinaryOp,
) -> PyResult<Py<PyAny>> {
    let b = arg(other, "in-place operator")?;
    let a = &slf.get().t;
    heavy(py, a.numel(), || {
        ops::math::binary_inplace(a, b.operand(), op)
    })
    .py()?;
    Ok(slf.clone().into_any().unbind())
}

fn wrap(py: Python<'_>, t: Tensor) -> PyResult<Py<PyTensor>> {
    Py::new(py, PyTensor::wrap(t))
}

fn wrap_pair(py: Python<'_>, (a, b): (Tensor, Tensor)) -> PyResult<(Py<PyTensor>, Py<PyTensor>)> {
    Ok((wrap(py, a)?, wrap(py, b)?))
}

/// Parses one entry of an index expression.
fn index_entry(obj: &Bound<'_, PyAny>) -> PyResult<TensorIndex> {
    if obj.is_none() {
        return Ok(TensorIndex::None);
    }
    if obj.is_instance_of::<PyEllipsis>() {
        return Ok(TensorIndex::Ellipsis);
    }
    if obj.is_instance_of::<PyBool>() {
        let b: bool = obj.extract()?;
        return Ok(TensorIndex::Tensor(Tensor::scalar(
            Scalar::Bool(b),
            DType::Bool,
        )));
    }
    if let Ok(s) = obj.cast::<PySlice>() {
        let get = |name: &str| -> PyResult<Option<i64>> {
            let v = s.getattr(name)?;
            if v.is_none() {
                Ok(None)
            } else {
                Ok(Some(v.call_method0("__index__")?.extract()?))
            }
        };
        let step = get("step")?.unwrap_or(1);
        if step <= 0 {
            return Err(PyValueError::new_err("step must be greater than zero"));
        }
        return Ok(TensorIndex::Slice(get("start")?, get("stop")?, step));
    }
    if let Ok(t) = obj.cast::<PyTensor>() {
        let t = &t.get().t;
        // A 0-d integer tensor acts as a Python int; 0-d bool and uint8 stay masks.
        if t.ndim() == 0 && t.dtype().is_integral() && !matches!(t.dtype(), DType::Bool | DType::U8)
        {
            return Ok(TensorIndex::Int(t.item().py()?.to_f64() as i64));
        }
        return Ok(TensorIndex::Tensor(t.clone()));
    }
    if let Ok(i) = obj.call_method0("__index__") {
        return Ok(TensorIndex::Int(i.extract()?));
    }
    if obj.is_instance_of::<PyList>() && obj.len()? == 0 {
        return Ok(TensorIndex::Tensor(Tensor::zeros(&[0], DType::I64)));
    }
    if obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>()
        || obj.hasattr("__array_interface__")?
    {
        let ft = obj.py().import("ferrotorch")?;
        let t = ft.getattr("tensor")?.call1((obj,))?;
        return index_entry(&t);
    }
    Err(PyIndexError::new_err(format!(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})",
        obj.get_type().name()?
    )))
}

/// Runs an indexing call, then raises the `UserWarning`s it reported (also when
/// it failed: PyTorch warns before its shape checks).
fn with_index_warnings<T>(
    py: Python<'_>,
    f: impl FnOnce(ferrotorch::index::WarnSink) -> ferrotorch::Result<T>,
) -> PyResult<T> {
    let mut warnings: Vec<&'static str> = vec![];
    let r = f(&mut |w| warnings.push(w));
    let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
    for w in warnings {
        let msg = std::ffi::CString::new(w).map_err(|e| PyValueError::new_err(e.to_string()))?;
        PyErr::warn(py, &category, &msg, 1)?;
    }
    r.py()
}

fn index_list(key: &Bound<'_, PyAny>) -> PyResult<Vec<TensorIndex>> {
    if let Ok(t) = key.cast::<PyTuple>() {
        t.iter().map(|e| index_entry(&e)).collect()
    } else {
        Ok(vec![index_entry(key)?])
    }
}

#[catch_panics]
#[pymethods]
impl PyTensor {
    // ------------------------------------------------------------ attributes
    #[getter]
    fn dtype(&self, py: Python<'_>) -> Py<PyDType> {
        dtype_obj(py, self.t.dtype())
    }
    #[getter]
    fn device(&self) -> PyDevice {
        PyDevice::of(self.t.device())
    }
    #[getter]
    fn ndim(&self) -> usize {
        self.t.ndim()
    }
    fn dim(&self) -> usize {
        self.t.ndim()
    }
    fn numel(&self) -> usize {
        self.t.numel()
    }
    fn _shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.t.shape())
    }
    #[pyo3(signature = (dim=None))]
    fn stride<'py>(&self, py: Python<'py>, dim: Option<i64>) -> PyResult<Py<PyAny>> {
        match dim {
            None => Ok(PyTuple::new(py, self.t.strides())?.into_any().unbind()),
            Some(d) => {
                // `size(dim)` validates the dim exactly as stride(dim) must.
                self.t.size(d).py()?;
                let d = ferrotorch::normalize_dim(d, self.t.ndim()).py()?;
                Ok(self.t.strides()[d].into_pyobject(py)?.into_any().unbind())
            }
        }
    }
    fn storage_offset(&self) -> usize {
        self.t.offset()
    }
    fn element_size(&self) -> usize {
        self.t.dtype().size()
    }
    fn is_contiguous(&self) -> bool {
        self.t.is_contiguous()
    }
    fn data_ptr(&self) -> usize {
        self.t.data_ptr()
    }
    fn is_floating_point(&self) -> bool {
        self.t.dtype().is_float()
    }
    #[getter]
    fn is_cuda(&self) -> bool {
        matches!(self.t.device(), ferrotorch::Device::Cuda(_))
    }
    #[getter]
    fn is_leaf(&self) -> bool {
        self.t.is_leaf()
    }
    #[getter]
    fn get_grad(&self, py: Python<'_>) -> PyResult<Option<Py<PyTensor>>> {
        let grad = self.t.grad();
        let mut cache = self.grad_obj.lock().unwrap();
        let Some(g) = grad else {
            *cache = None;
            if !self.t.is_leaf() && !self.t.retains_grad() {
                PyErr::warn(
                    py,
                    &py.get_type::<pyo3::exceptions::PyUserWarning>(),
                    &std::ffi::CString::new(NON_LEAF_GRAD).unwrap(),
                    1,
                )?;
            }
            return Ok(None);
        };
        if let Some(obj) = cache.as_ref() {
            if obj.get().t.same(&g) {
                return Ok(Some(obj.clone_ref(py)));
            }
        }
        let obj = wrap(py, g)?;
        *cache = Some(obj.clone_ref(py));
        Ok(Some(obj))
    }
    #[setter]
    fn set_grad(&self, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let g = match value {
            None => None,
            Some(v) if v.is_none() => None,
            Some(v) => match v.cast::<PyTensor>() {
                Ok(t) => {
                    // Reading `.grad` back gives this very object.
                    self.t.set_grad(Some(t.get().t.clone())).py()?;
                    *self.grad_obj.lock().unwrap() = Some(t.clone().unbind());
                    return Ok(());
                }
                Err(_) => {
                    return Err(PyTypeError::new_err(format!(
                        "assigned grad expected to be a Tensor or None but got grad of type {}",
                        v.get_type().name()?
                    )))
                }
            },
        };
        self.t.set_grad(g).py()
    }
    fn retain_grad(&self) -> PyResult<()> {
        self.t.retain_grad().py()
    }
    /// Registers a backward hook `hook(grad) -> Tensor or None`.
    fn register_hook(&self, hook: &Bound<'_, PyAny>) -> PyResult<crate::hooks::RemovableHandle> {
        crate::hooks::register(&self.t, hook)
    }
    #[getter]
    fn retains_grad(&self) -> bool {
        self.t.retains_grad()
    }
    /// The version counter of the storage (bumped by in-place writes).
    #[getter]
    fn _version(&self) -> u64 {
        self.t.storage().version()
    }
    #[getter]
    fn output_nr(&self) -> usize {
        self.t.output_nr()
    }
    #[getter]
    fn get_requires_grad(&self) -> bool {
        self.t.requires_grad()
    }
    #[setter]
    fn set_requires_grad(&self, flag: bool) -> PyResult<()> {
        self.t.set_requires_grad(flag).py()
    }
    #[pyo3(signature = (requires_grad=true))]
    fn requires_grad_(slf: &Bound<'_, Self>, requires_grad: bool) -> PyResult<Py<PyAny>> {
        slf.get().t.set_requires_grad(requires_grad).py()?;
        Ok(slf.clone().into_any().unbind())
    }
    #[getter]
    fn grad_fn(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.t
            .grad_fn()
            .map(|node| crate::autograd::node_object(py, node))
            .transpose()
    }
    fn item<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        scalar_to_py(py, self.t.item().py()?)
    }
    fn tolist<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tolist(py, &self.t)
    }
    fn __len__(&self) -> PyResult<usize> {
        if self.t.ndim() == 0 {
            return Err(PyTypeError::new_err("len() of a 0-d tensor"));
        }
        Ok(self.t.shape()[0])
    }
    fn __bool__(&self) -> PyResult<bool> {
        if self.t.numel() != 1 {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                "Boolean value of Tensor with {} values is ambiguous",
                if self.t.numel() == 0 {
                    "no".to_string()
                } else {
                    "more than one".to_string()
                }
            )));
        }
        Ok(self.t.item().py()?.to_f64() != 0.0)
    }
    fn __float__(&self) -> PyResult<f64> {
        Ok(self.t.item().py()?.to_f64())
    }
    fn __int__(&self) -> PyResult<i64> {
        Ok(match self.t.item().py()? {
            Scalar::Bool(b) => b as i64,
            Scalar::Int(i) => i,
            Scalar::Float(f) => f as i64,
        })
    }
    fn __index__(&self) -> PyResult<i64> {
        if self.t.dtype().is_float() || self.t.numel() != 1 {
            return Err(PyTypeError::new_err(
                "only integer tensors of a single element can be converted to an index",
            ));
        }
        self.__int__()
    }
    fn __hash__(slf: &Bound<'_, Self>) -> isize {
        slf.as_ptr() as isize
    }

    // ------------------------------------------------------------ views
    fn _view(&self, py: Python<'_>, sizes: Vec<i64>) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.view(&sizes).py()?)
    }
    fn _view_dtype(&self, py: Python<'_>, dtype: &Bound<'_, PyAny>) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.view_dtype(convert::dtype(dtype)?).py()?)
    }
    fn _reshape(&self, py: Python<'_>, sizes: Vec<i64>) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.reshape(&sizes).py()?)
    }
    fn _permute(&self, py: Python<'_>, dims: Vec<i64>) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.permute(&dims).py()?)
    }
    fn _expand(&self, py: Python<'_>, sizes: Vec<i64>) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.expand(&sizes).py()?)
    }
    fn transpose(&self, py: Python<'_>, dim0: i64, dim1: i64) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.transpose(dim0, dim1).py()?)
    }
    fn t(&self, py: Python<'_>) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.t().py()?)
    }
    #[pyo3(signature = (start_dim=0, end_dim=-1))]
    fn flatten(&self, py: Python<'_>, start_dim: i64, end_dim: i64) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.flatten(start_dim, end_dim).py()?)
    }
    fn narrow(&self, py: Python<'_>, dim: i64, start: i64, length: i64) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.narrow(dim, start, length).py()?)
    }
    fn select(&self, py: Python<'_>, dim: i64, index: i64) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.select(dim, index).py()?)
    }
    fn unsqueeze(&self, py: Python<'_>, dim: i64) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.unsqueeze(dim).py()?)
    }
    #[pyo3(signature = (dim=None))]
    fn squeeze(&self, py: Python<'_>, dim: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyTensor>> {
        let r = match dim {
            Some(d) if !d.is_none() => self.t.squeeze(Some(&convert::dims(Some(d))?)),
            _ => self.t.squeeze(None),
        };
        wrap(py, r.py()?)
    }
    fn movedim(&self, py: Python<'_>, source: i64, destination: i64) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.movedim(source, destination).py()?)
    }
    #[pyo3(signature = (size, stride, storage_offset=None))]
    fn as_strided(
        &self,
        py: Python<'_>,
        size: Vec<usize>,
        stride: Vec<usize>,
        storage_offset: Option<usize>,
    ) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.as_strided(&size, &stride, storage_offset).py()?)
    }
    fn contiguous(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let t = &slf.get().t;
        if t.is_contiguous() {
            return Ok(slf.clone().into_any().unbind());
        }
        Ok(wrap(slf.py(), heavy(slf.py(), t.numel(), || t.contiguous()))?.into_any())
    }
    #[pyo3(signature = (*, memory_format=None))]
    fn clone(
        &self,
        py: Python<'_>,
        memory_format: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyTensor>> {
        let _ = memory_format;
        let t = &self.t;
        wrap(py, heavy(py, t.numel(), || t.clone_data()))
    }
    fn detach(&self, py: Python<'_>) -> PyResult<Py<PyTensor>> {
        wrap(py, self.t.detach())
    }
    fn detach_(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        slf.get().t.detach_();
        Ok(slf.clone().into_any().unbind())
    }
    fn _to_dtype(
        slf: &Bound<'_, Self>,
        dtype: &Bound<'_, PyAny>,
        copy: bool,
    ) -> PyResult<Py<PyAny>> {
        let dt = convert::dtype(dtype)?;
        let t = &slf.get().t;
        if dt == t.dtype() && !copy {
            return Ok(slf.clone().into_any().unbind());
        }
        let r = heavy(slf.py(), t.numel(), || {
            if dt == t.dtype() {
                Ok(t.clone_data())
            } else {
                t.to_dtype(dt)
            }
        })
        .py()?;
        Ok(wrap(slf.py(), r)?.into_any())
    }

    /// `to(device)` (and `copy=True`): a differentiable copy onto `device`.
    fn _to_device(
        slf: &Bound<'_, Self>,
        device: &Bound<'_, PyAny>,
        copy: bool,
    ) -> PyResult<Py<PyAny>> {
        let dev = PyDevice::from_any(device)?.resolve().py()?;
        let t = &slf.get().t;
        if dev == t.device() && !copy {
            return Ok(slf.clone().into_any().unbind());
        }
        let r = heavy(slf.py(), t.numel(), || {
            if dev == t.device() {
                t.try_clone_data()
            } else {
                t.to_device(dev)
            }
        })
        .py()?;
        Ok(wrap(slf.py(), r)?.into_any())
    }

    // ------------------------------------------------------------ operators
    fn __add__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Add, false)
    }
    fn __radd__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Add, true)
    }
    fn __sub__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Sub, false)
    }
    fn __rsub__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Sub, true)
    }
    fn __mul__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Mul, false)
    }
    fn __rmul__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Mul, true)
    }
    fn __truediv__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Div, false)
    }
    fn __rtruediv__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Div, true)
    }
    fn __floordiv__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::FloorDiv, false)
    }
    fn __rfloordiv__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::FloorDiv, true)
    }
    fn __mod__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Rem, false)
    }
    fn __rmod__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Rem, true)
    }
    fn __pow__(
        &self,
        py: Python<'_>,
        o: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Pow, false)
    }
    fn __rpow__(
        &self,
        py: Python<'_>,
        o: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::Pow, true)
    }
    fn __and__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::BitAnd, false)
    }
    fn __or__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::BitOr, false)
    }
    fn __xor__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::BitXor, false)
    }
    fn __rand__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::BitAnd, true)
    }
    fn __ror__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::BitOr, true)
    }
    fn __rxor__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        operator(py, &self.t, o, BinaryOp::BitXor, true)
    }
    fn __invert__(&self, py: Python<'_>) -> PyResult<Py<PyTensor>> {
        wrap(py, ops::math::unary(&self.t, UnaryOp::BitwiseNot).py()?)
    }
    fn __neg__(&self, py: Python<'_>) -> PyResult<Py<PyTensor>> {
        wrap(py, ops::math::unary(&self.t, UnaryOp::Neg).py()?)
    }
    fn __pos__(slf: &Bound<'_, Self>) -> Py<PyAny> {
        slf.clone().into_any().unbind()
    }
    fn __abs__(&self, py: Python<'_>) -> PyResult<Py<PyTensor>> {
        wrap(py, ops::math::unary(&self.t, UnaryOp::Abs).py()?)
    }
    fn __matmul__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let Ok(b) = o.cast::<PyTensor>() else {
            return Ok(py.NotImplemented());
        };
        let (a, b) = (&self.t, &b.get().t);
        let r = py.detach(|| ops::linalg::matmul(a, b)).py()?;
        Ok(wrap(py, r)?.into_any())
    }
    fn __rmatmul__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let Ok(b) = o.cast::<PyTensor>() else {
            return Ok(py.NotImplemented());
        };
        let r = ops::linalg::matmul(&b.get().t, &self.t).py()?;
        Ok(wrap(py, r)?.into_any())
    }
    fn __richcmp__(
        &self,
        py: Python<'_>,
        o: &Bound<'_, PyAny>,
        op: pyo3::basic::CompareOp,
    ) -> PyResult<Py<PyAny>> {
        use pyo3::basic::CompareOp::*;
        let bop = match op {
            Lt => BinaryOp::Lt,
            Le => BinaryOp::Le,
            Eq => BinaryOp::Eq,
            Ne => BinaryOp::Ne,
            Gt => BinaryOp::Gt,
            Ge => BinaryOp::Ge,
        };
        operator(py, &self.t, o, bop, false)
    }
    fn __iadd__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        inplace(slf.py(), slf, o, BinaryOp::Add).map(drop)
    }
    fn __isub__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        inplace(slf.py(), slf, o, BinaryOp::Sub).map(drop)
    }
    fn __imul__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        inplace(slf.py(), slf, o, BinaryOp::Mul).map(drop)
    }
    fn __itruediv__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        inplace(slf.py(), slf, o, BinaryOp::Div).map(drop)
    }
    fn __ifloordiv__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        inplace(slf.py(), slf, o, BinaryOp::FloorDiv).map(drop)
    }
    fn __imod__(slf: &Bound<'_, Self>, o: &Bound<'_, PyAny>) -> PyResult<()> {
        inplace(slf.py(), slf, o, BinaryOp::Rem).map(drop)
    }
    fn __ipow__(
        slf: &Bound<'_, Self>,
        o: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        inplace(slf.py(), slf, o, BinaryOp::Pow).map(drop)
    }

    // ------------------------------------------------------------ generic op entry points
    /// `self op other` (or `other op self` when `reflected`) by op name.
    #[pyo3(signature = (other, op, reflected=false))]
    fn _binary(
        &self,
        py: Python<'_>,
        other: &Bound<'_, PyAny>,
        op: &str,
        reflected: bool,
    ) -> PyResult<Py<PyAny>> {
        // Named methods raise TypeError for other operand types.
        let b = arg(other, op)?;
        apply_binary(py, &self.t, &b, binary_code(op)?, reflected)
    }
    fn _binary_(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>, op: &str) -> PyResult<Py<PyAny>> {
        inplace(slf.py(), slf, other, binary_code(op)?)
    }
    fn _unary(&self, py: Python<'_>, op: &str) -> PyResult<Py<PyTensor>> {
        let op = unary_code(op)?;
        let a = &self.t;
        wrap(py, heavy(py, a.numel(), || ops::math::unary(a, op)).py()?)
    }
    fn _unary_(slf: &Bound<'_, Self>, op: &str) -> PyResult<Py<PyAny>> {
        let op = unary_code(op)?;
        let a = &slf.get().t;
        heavy(slf.py(), a.numel(), || ops::math::unary_inplace(a, op)).py()?;
        Ok(slf.clone().into_any().unbind())
    }
    /// `kind`: "clamp", "clamp_min" or "clamp_max" (PyTorch's node names differ).
    #[pyo3(signature = (min=None, max=None, kind="clamp"))]
    fn _clamp(
        &self,
        py: Python<'_>,
        min: Option<&Bound<'_, PyAny>>,
        max: Option<&Bound<'_, PyAny>>,
        kind: &str,
    ) -> PyResult<Py<PyTensor>> {
        let lo = opt_arg(min)?;
        let hi = opt_arg(max)?;
        let kind = match kind {
            "clamp_min" => ops::math::ClampKind::Min,
            "clamp_max" => ops::math::ClampKind::Max,
            _ => ops::math::ClampKind::Both,
        };
        let r = ops::math::clamp_as(
            &self.t,
            lo.as_ref().map(|a| a.operand()),
            hi.as_ref().map(|a| a.operand()),
            kind,
        )
        .py()?;
        wrap(py, r)
    }
    /// Writes an op's result into `self` for an in-place op (refuses e.g. float into int).
    fn _assign_(slf: &Bound<'_, Self>, result: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>> {
        ops::math::assign_inplace(&slf.get().t, &result.get().t).py()?;
        Ok(slf.clone().into_any().unbind())
    }
    fn copy_(slf: &Bound<'_, Self>, src: &Bound<'_, PyTensor>) -> PyResult<Py<PyAny>> {
        let (d, s) = (&slf.get().t, &src.get().t);
        heavy(slf.py(), d.numel(), || d.copy_from(s)).py()?;
        Ok(slf.clone().into_any().unbind())
    }
    fn fill_(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let t = &slf.get().t;
        match arg(value, "fill_")? {
            Arg::S(s) => t.fill(s).py()?,
            Arg::T(v) => {
                if v.ndim() != 0 {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                        "fill_ only supports 0-dimension value tensor but got tensor with {} dimensions.",
                        v.ndim()
                    )));
                }
                // PyTorch fills with the value's item: no overlap check.
                t.fill(v.item().py()?).py()?
            }
        }
        Ok(slf.clone().into_any().unbind())
    }
    fn zero_(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        slf.get().t.zero_().py()?;
        Ok(slf.clone().into_any().unbind())
    }

    // ------------------------------------------------------------ indexing
    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyTensor>> {
        // Fast path: a plain int.
        if let Ok(i) = key.extract::<i64>() {
            if !key.is_instance_of::<PyBool>() && !key.is_instance_of::<PyTensor>() {
                if self.t.ndim() == 0 {
                    return Err(PyIndexError::new_err("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"));
                }
                return wrap(
                    py,
                    ferrotorch::index::index(&self.t, &[TensorIndex::Int(i)]).py()?,
                );
            }
        }
        let idx = index_list(key)?;
        let r = with_index_warnings(py, |w| ferrotorch::index::index_with(&self.t, &idx, w))?;
        wrap(py, r)
    }
    fn __setitem__(&self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let idx = index_list(key)?;
        let v = match Arg::extract(value) {
            Some(v) => v,
            None => {
                let ft = value.py().import("ferrotorch")?;
                let t = ft.getattr("tensor")?.call1((value,))?;
                Arg::T(t.cast::<PyTensor>()?.get().t.clone())
            }
        };
        with_index_warnings(key.py(), |w| {
            ferrotorch::index::index_put_with(&self.t, &idx, v.operand(), w)
        })
    }
    fn _flip(&self, py: Python<'_>, dims: Vec<i64>) -> PyResult<Py<PyTensor>> {
        let t = &self.t;
        wrap(py, heavy(py, t.numel(), || ops::flip::flip(t, &dims)).py()?)
    }
    #[pyo3(signature = (dims, keepdim, dtype=None))]
    fn _nansum(
        &self,
        py: Python<'_>,
        dims: Vec<i64>,
        keepdim: bool,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyTensor>> {
        let dt = convert::opt_dtype(dtype)?;
        let t = &self.t;
        wrap(
            py,
            heavy(py, t.numel(), || ops::reduce::nansum(t, &dims, keepdim, dt)).py()?,
        )
    }
    fn index_select(
        &self,
        py: Python<'_>,
        dim: i64,
        index: &Bound<'_, PyTensor>,
    ) -> PyResult<Py<PyTensor>> {
        wrap(
            py,
            ferrotorch::index::index_select(&self.t, dim, &index.get().t).py()?,
        )
    }
    /// `take(index)`: elements of the tensor read as 1-D at `index`
    /// (int64), shaped like `index`.
    fn take(&self, py: Python<'_>, index: &Bound<'_, PyTensor>) -> PyResult<Py<PyTensor>> {
        wrap(py, ops::take::take(&self.t, &index.get().t).py()?)
    }
    fn gather(
        &self,
        py: Python<'_>,
        dim: i64,
        index: &Bound<'_, PyTensor>,
    ) -> PyResult<Py<PyTensor>> {
        wrap(
            py,
            ferrotorch::index::gather(&self.t, dim, &index.get().t).py()?,
        )
    }
    #[pyo3(signature = (dim, index, src, reduce=None))]
    fn scatter_(
        slf: &Bound<'_, Self>,
        dim: i64,
        index: &Bound<'_, PyTensor>,
        src: &Bound<'_, PyAny>,
        reduce: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let s = arg(src, "scatter")?;
        if let Some(r) = reduce {
            if r != "add" && r != "multiply" {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "reduce argument must be either add or multiply. Got {r}"
                )));
            }
        }
        ferrotorch::index::scatter_(&slf.get().t, dim, &index.get().t, s.operand(), reduce).py()?;
        Ok(slf.clone().into_any().unbind())
    }
    fn masked_fill(
        &self,
        py: Python<'_>,
        mask: &Bound<'_, PyTensor>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyTensor>> {
        let v = arg(value, "masked_fill")?;
        wrap(
            py,
            ferrotorch::index::masked_fill(&self.t, &mask.get().t, v.operand()).py()?,
        )
    }
    fn nonzero(&self, py: Python<'_>) -> PyResult<Py<PyTensor>> {
        wrap(py, ferrotorch::index::nonzero(&self.t).py()?)
    }

    // ------------------------------------------------------------ reductions
    #[pyo3(signature = (dims, keepdim, dtype=None))]
    fn _sum(
        &self,
        py: Python<'_>,
        dims: Vec<i64>,
        keepdim: bool,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyTensor>> {
        let dt = convert::opt_dtype(dtype)?;
        let t = &self.t;
        wrap(
            py,
            heavy(py, t.numel(), || ops::reduce::sum(t, &dims, keepdim, dt)).py()?,
        )
    }
    #[pyo3(signature = (dims, keepdim, dtype=None))]
    fn _mean(
        &self,
        py: Python<'_>,
        dims: Vec<i64>,
        keepdim: bool,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyTensor>> {
        let dt = convert::opt_dtype(dtype)?;
        let t = &self.t;
        wrap(
            py,
            heavy(py, t.numel(), || ops::reduce::mean(t, &dims, keepdim, dt)).py()?,
        )
    }
    #[pyo3(signature = (dim, keepdim, dtype=None))]
    fn _prod(
        &self,
        py: Python<'_>,
        dim: Option<i64>,
        keepdim: bool,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyTensor>> {
        let dt = convert::opt_dtype(dtype)?;
        wrap(py, ops::reduce::prod(&self.t, dim, keepdim, dt).py()?)
    }
    fn _amax(
        &self,
        py: Python<'_>,
        dims: Vec<i64>,
        keepdim: bool,
        max: bool,
    ) -> PyResult<Py<PyTensor>> {
        let t = &self.t;
        wrap(
            py,
            heavy(py, t.numel(), || ops::reduce::amax(t, &dims, keepdim, max)).py()?,
        )
    }
    fn _max_dim(
        &self,
        py: Python<'_>,
        dim: i64,
        keepdim: bool,
        max: bool,
    ) -> PyResult<(Py<PyTensor>, Py<PyTensor>)> {
        wrap_pair(py, ops::reduce::max_dim(&self.t, dim, keepdim, max).py()?)
    }
    fn _argmax(
        &self,
        py: Python<'_>,
        dim: Option<i64>,
        keepdim: bool,
        max: bool,
    ) -> PyResult<Py<PyTensor>> {
        wrap(py, ops::reduce::argmax(&self.t, dim, keepdim, max).py()?)
    }
    fn _all_any(
        &self,
        py: Python<'_>,
        dims: Vec<i64>,
        keepdim: bool,
        any: bool,
    ) -> PyResult<Py<PyTensor>> {
        wrap(py, ops::reduce::all_any(&self.t, &dims, keepdim, any).py()?)
    }
    fn _var(
        &self,
        py: Python<'_>,
        dims: Vec<i64>,
        correction: f64,
        keepdim: bool,
        std: bool,
    ) -> PyResult<Py<PyTensor>> {
        let r = if std {
            ops::reduce::std(&self.t, &dims, correction, keepdim)
        } else {
            ops::reduce::var(&self.t, &dims, correction, keepdim)
        };
        wrap(py, r.py()?)
    }
    fn _norm(
        &self,
        py: Python<'_>,
        p: f64,
        dims: Vec<i64>,
        keepdim: bool,
    ) -> PyResult<Py<PyTensor>> {
        wrap(py, ops::reduce::norm(&self.t, p, &dims, keepdim).py()?)
    }
    fn _logsumexp(&self, py: Python<'_>, dims: Vec<i64>, keepdim: bool) -> PyResult<Py<PyTensor>> {
        wrap(py, ops::reduce::logsumexp(&self.t, &dims, keepdim).py()?)
    }
    #[pyo3(signature = (dim, log, dtype=None))]
    fn _softmax(
        &self,
        py: Python<'_>,
        dim: i64,
        log: bool,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyTensor>> {
        let dt = convert::opt_dtype(dtype)?;
        let t = &self.t;
        wrap(
            py,
            heavy(py, t.numel(), || ops::rows::softmax(t, dim, log, dt)).py()?,
        )
    }
    #[pyo3(signature = (dim, prod, dtype=None))]
    fn _cumulative(
        &self,
        py: Python<'_>,
        dim: i64,
        prod: bool,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyTensor>> {
        let dt = convert::opt_dtype(dtype)?;
        wrap(py, ops::rows::cumulative(&self.t, dim, prod, dt).py()?)
    }
    fn _sort(
        &self,
        py: Python<'_>,
        dim: i64,
        descending: bool,
    ) -> PyResult<(Py<PyTensor>, Py<PyTensor>)> {
        let t = &self.t;
        wrap_pair(
            py,
            heavy(py, t.numel(), || ops::rows::sort(t, dim, descending)).py()?,
        )
    }
    fn _topk(
        &self,
        py: Python<'_>,
        k: i64,
        dim: i64,
        largest: bool,
    ) -> PyResult<(Py<PyTensor>, Py<PyTensor>)> {
        wrap_pair(py, ops::rows::topk(&self.t, k, dim, largest).py()?)
    }

    // ------------------------------------------------------------ linear algebra
    fn matmul(&self, py: Python<'_>, other: &Bound<'_, PyTensor>) -> PyResult<Py<PyTensor>> {
        let (a, b) = (&self.t, &other.get().t);
        wrap(py, py.detach(|| ops::linalg::matmul(a, b)).py()?)
    }
    fn mm(&self, py: Python<'_>, mat2: &Bound<'_, PyTensor>) -> PyResult<Py<PyTensor>> {
        let (a, b) = (&self.t, &mat2.get().t);
        wrap(py, py.detach(|| ops::linalg::mm(a, b)).py()?)
    }
    fn bmm(&self, py: Python<'_>, mat2: &Bound<'_, PyTensor>) -> PyResult<Py<PyTensor>> {
        let (a, b) = (&self.t, &mat2.get().t);
        wrap(py, py.detach(|| ops::linalg::bmm(a, b)).py()?)
    }
    fn dot(&self, py: Python<'_>, other: &Bound<'_, PyTensor>) -> PyResult<Py<PyTensor>> {
        wrap(py, ops::linalg::dot(&self.t, &other.get().t).py()?)
    }
    fn outer(&self, py: Python<'_>, vec2: &Bound<'_, PyTensor>) -> PyResult<Py<PyTensor>> {
        wrap(py, ops::linalg::outer(&self.t, &vec2.get().t).py()?)
    }

    // ------------------------------------------------------------ splitting
    fn _split(&self, py: Python<'_>, size: usize, dim: i64) -> PyResult<Vec<Py<PyTensor>>> {
        ops::shape::split(&self.t, size, dim)
            .py()?
            .into_iter()
            .map(|t| wrap(py, t))
            .collect()
    }
    fn _split_sizes(
        &self,
        py: Python<'_>,
        sizes: Vec<usize>,
        dim: i64,
    ) -> PyResult<Vec<Py<PyTensor>>> {
        ops::shape::split_sizes(&self.t, &sizes, dim)
            .py()?
            .into_iter()
            .map(|t| wrap(py, t))
            .collect()
    }
    #[pyo3(signature = (chunks, dim=0))]
    fn chunk(&self, py: Python<'_>, chunks: usize, dim: i64) -> PyResult<Vec<Py<PyTensor>>> {
        ops::shape::chunk(&self.t, chunks, dim)
            .py()?
            .into_iter()
            .map(|t| wrap(py, t))
            .collect()
    }
    #[pyo3(signature = (dim=0))]
    fn unbind(&self, py: Python<'_>, dim: i64) -> PyResult<Vec<Py<PyTensor>>> {
        ops::shape::unbind(&self.t, dim)
            .py()?
            .into_iter()
            .map(|t| wrap(py, t))
            .collect()
    }

    // ------------------------------------------------------------ random in-place
    #[pyo3(signature = (from_, to, generator=None))]
    fn _uniform_(
        slf: &Bound<'_, Self>,
        from_: f64,
        to: f64,
        generator: Option<&Bound<'_, crate::generator::PyGenerator>>,
    ) -> PyResult<Py<PyAny>> {
        let g = generator.and_then(|g| g.get().inner());
        ferrotorch::random::fill_(&slf.get().t, false, from_, to, g.as_deref()).py()?;
        Ok(slf.clone().into_any().unbind())
    }
    #[pyo3(signature = (mean, std, generator=None))]
    fn _normal_(
        slf: &Bound<'_, Self>,
        mean: f64,
        std: f64,
        generator: Option<&Bound<'_, crate::generator::PyGenerator>>,
    ) -> PyResult<Py<PyAny>> {
        let g = generator.and_then(|g| g.get().inner());
        ferrotorch::random::fill_(&slf.get().t, true, mean, std, g.as_deref()).py()?;
        Ok(slf.clone().into_any().unbind())
    }

    // ------------------------------------------------------------ DLPack
    #[pyo3(signature = (*, stream=None, max_version=None, dl_device=None, copy=None))]
    fn __dlpack__(
        &self,
        py: Python<'_>,
        stream: Option<&Bound<'_, PyAny>>,
        max_version: Option<&Bound<'_, PyAny>>,
        dl_device: Option<&Bound<'_, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Py<PyAny>> {
        let _ = (stream, max_version, dl_device);
        if copy == Some(true) {
            return crate::dlpack::to_capsule(py, &self.t.clone_data());
        }
        crate::dlpack::to_capsule(py, &self.t)
    }
    fn __dlpack_device__(&self) -> (i32, i32) {
        crate::dlpack::dl_device(self.t.device())
    }

    // ------------------------------------------------------------ numpy
    /// NumPy's array interface: zero-copy `np.asarray(t)` / `t.numpy()`.
    #[getter]
    fn __array_interface__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        crate::numpy::array_interface(py, &self.t)
    }
}

fn opt_arg(o: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Arg>> {
    match o {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => Ok(Some(arg(v, "clamp")?)),
    }
}

pub fn scalar_to_py<'py>(py: Python<'py>, s: Scalar) -> PyResult<Bound<'py, PyAny>> {
    Ok(match s {
        Scalar::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        Scalar::Int(i) => i.into_pyobject(py)?.into_any(),
        Scalar::Float(f) => f.into_pyobject(py)?.into_any(),
    })
}

/// Nested Python lists of the tensor's values (a number for 0-d tensors).
fn tolist<'py>(py: Python<'py>, t: &Tensor) -> PyResult<Bound<'py, PyAny>> {
    let shape = t.shape().to_vec();
    let values: Vec<Bound<'py, PyAny>> = match t.dtype() {
        DType::Bool => t
            .to_vec::<bool>()
            .py()?
            .into_iter()
            .map(|v| PyBool::new(py, v).to_owned().into_any())
            .collect(),
        dt if dt.is_float() => t
            .to_vec::<f64>()
            .py()?
            .into_iter()
            .map(|v| {
                v.into_pyobject(py)
                    .map(|o| o.into_any())
                    .map_err(PyErr::from)
            })
            .collect::<PyResult<_>>()?,
        _ => t
            .to_vec::<i64>()
            .py()?
            .into_iter()
            .map(|v| {
                v.into_pyobject(py)
                    .map(|o| o.into_any())
                    .map_err(PyErr::from)
            })
            .collect::<PyResult<_>>()?,
    };
    if shape.is_empty() {
        return Ok(values.into_iter().next().expect("0-d tensor has one value"));
    }
    fn build<'py>(
        py: Python<'py>,
        shape: &[usize],
        vals: &mut std::vec::IntoIter<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let list = PyList::empty(py);
        for _ in 0..shape[0] {
            if shape.len() == 1 {
                list.append(vals.next().expect("enough values"))?;
            } else {
                list.append(build(py, &shape[1..], vals)?)?;
            }
        }
        Ok(list.into_any())
    }
    build(py, &shape, &mut values.into_iter())
}
