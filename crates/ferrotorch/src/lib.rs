//! ferrotorch: PyTorch-style tensors in Rust.
//!
//! A [`Tensor`] is a strided view (shape, strides, offset) into shared
//! [`Storage`]; view ops share storage, math ops return new tensors computed by
//! the kernels of `ferrotorch-cpu`. Semantics (broadcasting, type promotion,
//! error messages) follow PyTorch.
//!
//! ```
//! use ferrotorch::{Tensor, DType};
//! let a = Tensor::arange(0.0, 6.0, 1.0, DType::F32).unwrap().reshape(&[2, 3]).unwrap();
//! let b = a.t().unwrap().contiguous();
//! assert_eq!(b.shape(), &[3, 2]);
//! let s = a.add(&a).unwrap().sum(&[], false, None).unwrap();
//! assert_eq!(s.item_f64().unwrap(), 30.0);
//! ```

#[macro_use]
mod dispatch;
pub mod autocast;
pub mod autograd;
mod debug;
pub mod index;
pub mod ops;
pub mod random;
mod scalar;
mod storage;
mod tensor;

pub use ferrotorch_core::{
    normalize_dim, Category, DType, Device, Element, Error, ErrorKind, Layout, MemOverlap, Result,
    ResultType,
};
/// The CUDA backend: device discovery and kernel sources (no GPU ops yet).
pub use ferrotorch_cuda as cuda;
pub use scalar::Scalar;
pub use storage::Storage;
pub use tensor::{Tensor, TensorImpl};
