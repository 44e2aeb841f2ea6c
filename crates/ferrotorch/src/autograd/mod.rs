//! Reverse-mode automatic differentiation, define-by-run as in PyTorch.
//!
//! Ops record a [`Node`] on their output when grad mode is on and an input
//! requires grad; the node holds [`Edge`]s to the nodes that produced its
//! inputs (or to a leaf's [`AccumulateGrad`]). [`backward`] and [`grad`] walk
//! that graph from the outputs in topological order. Backward formulas are
//! written with tensor ops, so with `create_graph` they are recorded too and
//! higher-order gradients need no extra code.
//!
//! ```
//! use ferrotorch::{DType, Scalar, Tensor};
//! use ferrotorch::ops::math::{binary, BinaryOp};
//! # fn main() -> ferrotorch::Result<()> {
//! let x = Tensor::scalar(Scalar::Float(2.0), DType::F32);
//! x.set_requires_grad(true)?;
//! // y = x**2 + 3x + 1, dy/dx = 2x + 3 = 7
//! let y = binary(&binary(&binary(&x, 2.0, BinaryOp::Pow)?, &binary(&x, 3.0, BinaryOp::Mul)?, BinaryOp::Add)?, 1.0, BinaryOp::Add)?;
//! assert_eq!(y.grad_fn().unwrap().name(), "AddBackward0");
//! y.backward(None, false, false)?;
//! assert_eq!(x.grad().unwrap().item_f64()?, 7.0);
//! # Ok(())
//! # }
//! ```

mod accumulate;
mod engine;
pub(crate) mod formulas;
mod grad_mode;
mod hooks;
pub(crate) mod inplace;
mod meta;
pub(crate) mod node;
mod record;
mod saved;

pub use accumulate::AccumulateGrad;
pub use engine::{backward, backward_to, grad};
pub use formulas::zero::div_rounded;
pub use grad_mode::{is_grad_enabled, set_grad_enabled, GradModeGuard};
pub use hooks::{GradHook, HookHandle, PreHooks};
pub(crate) use meta::AutogradMeta;
pub(crate) use node::Formula;
pub use node::{Edge, Node};
pub(crate) use record::{any_requires_grad, record};
pub use saved::SavedTensor;
