//! Core types shared by every ferrotorch crate: element types ([`DType`]),
//! strided layouts ([`Layout`]), devices ([`Device`]) and the error type.
//!
//! Nothing here computes on tensor data; kernels live in `ferrotorch-cpu`.

mod device;
mod dtype;
mod dtype_view;
mod element;
mod error;
mod layout;
mod overlap;

pub use device::Device;
pub use dtype::{Category, DType, ResultType};
pub use element::Element;
pub use error::{Error, ErrorKind, Result};
pub use layout::{broadcast_shapes, contiguous_strides, normalize_dim, Layout};
pub use overlap::{mem_overlap, MemOverlap, PARTIAL_OVERLAP_MESSAGE};
