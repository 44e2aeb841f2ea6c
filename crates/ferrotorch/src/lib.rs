//! ferrotorch: PyTorch-style tensors in Rust.
//!
//! A [`Tensor`] is a strided view (shape, strides, offset) into shared
//! [`Storage`] in host or CUDA device memory; view ops share storage, math
//! ops return new tensors computed by the kernels of `ferrotorch-cpu` or, for
//! tensors on a GPU, of `ferrotorch-cuda` (each op definition picks by the
//! inputs' common device, [`common_device`]). Semantics (broadcasting, type
//! promotion, error messages) follow PyTorch.
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
mod gpu;
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
/// The CUDA backend: devices, memory, kernels.
pub use ferrotorch_cuda as cuda;
pub use gpu::linalg::{allow_tf32, set_allow_tf32};
/// Random tensors on CUDA devices (Philox).
pub use gpu::random as cuda_random;
pub use gpu::{common_device, device_mismatch};
pub use scalar::Scalar;
pub use storage::Storage;
pub use tensor::{Tensor, TensorImpl};
