//! The autograd fields of a tensor and the `Tensor` methods that use them:
//! `grad`, `grad_fn`, `is_leaf`, `retain_grad`, `detach_`, `backward`.

use super::accumulate::AccumulateGrad;
use super::hooks::{GradHook, HookHandle, PreHooks};
use super::node::{Edge, Node};
use crate::{DType, Error, Result, Tensor};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

#[derive(Default)]
pub(crate) struct AutogradMeta {
    /// `.grad` of a leaf (or of a non-leaf that retains its grad).
    pub(crate) grad: Mutex<Option<Tensor>>,
    /// The node that produced this tensor, with this tensor's output number.
    pub(crate) grad_fn: Mutex<Option<Edge>>,
    /// A leaf's `AccumulateGrad`, held weakly: the graph owns it.
    pub(crate) accumulator: Mutex<Weak<AccumulateGrad>>,
    pub(crate) retains_grad: AtomicBool,
    /// Set on views: their base, for in-place ops (see `inplace`).
    pub(crate) view: Mutex<Option<super::inplace::ViewInfo>>,
    /// A leaf's gradient hooks (created on first `register_hook`).
    pub(crate) hooks: OnceLock<PreHooks>,
}

/// C++ type names PyTorch uses in gradient dtype errors.
fn cpp_type(dt: DType) -> &'static str {
    use DType::*;
    match dt {
        F32 => "float",
        F64 => "double",
        F16 => "c10::Half",
        BF16 => "c10::BFloat16",
        I64 => "long int",
        I32 => "int",
        I16 => "short int",
        I8 => "signed char",
        U8 => "unsigned char",
        Bool => "bool",
    }
}

impl Tensor {
    /// The accumulated gradient (`.grad`), if any.
    pub fn grad(&self) -> Option<Tensor> {
        self.autograd_meta().grad.lock().unwrap().clone()
    }

    /// Sets or clears `.grad`; the gradient must have this tensor's shape and dtype.
    pub fn set_grad(&self, grad: Option<Tensor>) -> Result<()> {
        if let Some(g) = &grad {
            if g.shape() != self.shape() {
                return Err(Error::Runtime(format!(
                    "attempting to assign a gradient of size '{:?}' to a tensor of size '{:?}'. Please ensure that the gradient and the tensor are the same size",
                    g.shape(),
                    self.shape()
                )));
            }
            if g.dtype() != self.dtype() {
                return Err(Error::Runtime(format!(
                    "attempting to assign a gradient with dtype '{}' to a tensor with grad_dtype '{}'. The gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break downstream systems that assume they match.",
                    cpp_type(g.dtype()),
                    self.dtype().scalar_type_name()
                )));
            }
        }
        *self.autograd_meta().grad.lock().unwrap() = grad;
        Ok(())
    }

    /// The node that computed this tensor (`None` for leaves).
    pub fn grad_fn(&self) -> Option<Arc<dyn Node>> {
        super::inplace::refresh_view(self);
        self.autograd_meta()
            .grad_fn
            .lock()
            .unwrap()
            .as_ref()
            .map(|e| e.node.clone())
    }

    /// Which output of its `grad_fn` this tensor is.
    pub fn output_nr(&self) -> usize {
        self.autograd_meta()
            .grad_fn
            .lock()
            .unwrap()
            .as_ref()
            .map_or(0, |e| e.input_nr)
    }

    /// A leaf was created by the user (or does not require grad), not by an op.
    pub fn is_leaf(&self) -> bool {
        self.autograd_meta().grad_fn.lock().unwrap().is_none()
    }

    /// Keeps the gradient of this non-leaf tensor in `.grad` during backward.
    pub fn retain_grad(&self) -> Result<()> {
        if !self.requires_grad() {
            return Err(Error::Runtime(
                "can't retain_grad on Tensor that has requires_grad=False".into(),
            ));
        }
        if let Some(e) = self.autograd_meta().grad_fn.lock().unwrap().as_ref() {
            e.node.retain_output(e.input_nr, self.downgrade());
            self.autograd_meta()
                .retains_grad
                .store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Whether a non-leaf keeps its gradient (`retain_grad` was called).
    pub fn retains_grad(&self) -> bool {
        self.autograd_meta().retains_grad.load(Ordering::Relaxed)
    }

    /// Registers `hook` on the gradient of this tensor (`register_hook`): it
    /// runs before the gradient is used and may return a replacement.
    ///
    /// ```
    /// use ferrotorch::ops::math::{binary, BinaryOp};
    /// use ferrotorch::Tensor;
    /// use std::sync::Arc;
    /// # fn main() -> ferrotorch::Result<()> {
    /// let x = Tensor::from_vec(vec![1.0f32, 2.0], &[2])?;
    /// x.set_requires_grad(true)?;
    /// let y = binary(&x, 3.0, BinaryOp::Mul)?;
    /// // Doubles the gradient reaching y.
    /// let h = y.register_hook(Arc::new(|g: &Tensor| binary(g, 2.0, BinaryOp::Mul).map(Some)))?;
    /// let v = Tensor::from_vec(vec![1.0f32, 1.0], &[2])?;
    /// y.backward(Some(&v), true, false)?;
    /// assert_eq!(x.grad().unwrap().to_vec::<f32>()?, [6.0, 6.0]);
    /// h.remove();
    /// x.set_grad(None)?;
    /// y.backward(Some(&v), false, false)?;
    /// assert_eq!(x.grad().unwrap().to_vec::<f32>()?, [3.0, 3.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn register_hook(&self, hook: Arc<dyn GradHook>) -> Result<HookHandle> {
        if !self.requires_grad() {
            return Err(Error::Runtime(
                "cannot register a hook on a tensor that doesn't require gradient".into(),
            ));
        }
        let edge = self.autograd_meta().grad_fn.lock().unwrap().clone();
        match edge {
            // A non-leaf's hooks stay with its node (they outlive the tensor).
            Some(e) => match e.node.pre_hooks_slot() {
                Some(slot) => Ok(slot.get_or_init(PreHooks::default).add(e.input_nr, hook)),
                None => Err(Error::NotImplemented(format!(
                    "register_hook is not supported on outputs of {}",
                    e.node.name()
                ))),
            },
            None => Ok(self
                .autograd_meta()
                .hooks
                .get_or_init(PreHooks::default)
                .add(0, hook)),
        }
    }

    /// Makes this tensor output `edge.input_nr` of `edge.node` (and so
    /// require grad), for nodes built outside this crate, such as custom
    /// functions defined in Python.
    pub fn set_gradient_edge(&self, edge: Edge) -> Result<()> {
        if !self.dtype().is_float() {
            return Err(Error::Runtime(
                "only Tensors of floating point dtype can require gradients".into(),
            ));
        }
        *self.autograd_meta().grad_fn.lock().unwrap() = Some(edge);
        self.set_requires_grad_flag(true);
        Ok(())
    }

    /// Detaches in place: no `grad_fn`, `requires_grad` false.
    pub fn detach_(&self) {
        *self.autograd_meta().grad_fn.lock().unwrap() = None;
        self.set_requires_grad_flag(false);
    }

    /// Computes the gradient of this tensor with respect to the graph leaves
    /// and accumulates it into their `.grad`.
    ///
    /// `gradient` is required unless the tensor has one element; the graph's
    /// saved tensors are freed unless `retain_graph`; with `create_graph` the
    /// gradients are themselves recorded (for higher-order derivatives).
    ///
    /// ```
    /// use ferrotorch::ops::math::{binary, BinaryOp};
    /// use ferrotorch::Tensor;
    /// # fn main() -> ferrotorch::Result<()> {
    /// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], &[3])?;
    /// x.set_requires_grad(true)?;
    /// let y = binary(&x, 2.0, BinaryOp::Pow)?; // x**2
    /// let v = Tensor::from_vec(vec![2.0f32, 4.0, 6.0], &[3])?;
    /// y.backward(Some(&v), false, false)?; // vector-Jacobian product
    /// assert_eq!(x.grad().unwrap().to_vec::<f32>()?, [4.0, 16.0, 36.0]);
    /// // A second backward through the freed graph is an error.
    /// assert!(y.backward(Some(&v), false, false).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn backward(
        &self,
        gradient: Option<&Tensor>,
        retain_graph: bool,
        create_graph: bool,
    ) -> Result<()> {
        super::engine::backward(
            std::slice::from_ref(self),
            &[gradient.cloned()],
            retain_graph,
            create_graph,
        )
    }

    /// Where a gradient for this tensor goes: its `grad_fn`, or its
    /// accumulator when it is a leaf that requires grad.
    pub fn gradient_edge(&self) -> Option<Edge> {
        super::inplace::refresh_view(self);
        if let Some(e) = self.autograd_meta().grad_fn.lock().unwrap().clone() {
            return Some(e);
        }
        if self.requires_grad() {
            return Some(Edge {
                node: AccumulateGrad::for_leaf(self),
                input_nr: 0,
            });
        }
        None
    }

    /// This tensor as output 0 of `node` (a new alias when this tensor object
    /// is shared, so an input's own history is never overwritten).
    pub(crate) fn attach_grad_fn(self, node: Arc<dyn Node>) -> Tensor {
        let t = if self.impl_shared() {
            self.detach()
        } else {
            self
        };
        *t.autograd_meta().grad_fn.lock().unwrap() = Some(Edge { node, input_nr: 0 });
        t.set_requires_grad_flag(true);
        t
    }
}
