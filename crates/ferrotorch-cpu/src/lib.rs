//! CPU kernels for ferrotorch.
//!
//! Every kernel is a pure function over slices plus a [`Layout`](ferrotorch_core::Layout):
//! no kernel sees a `Tensor`. Inputs above [`PARALLEL_THRESHOLD`] elements are
//! split across threads with rayon; smaller ones run inline with no hand-off.

pub mod buffer;
pub mod buffer_cache;
pub mod elementwise;
pub mod fastmath;
pub mod matmul;
pub mod random;
pub mod reduce;
pub mod rows;
pub mod simd;
pub mod strided;

/// Below this many elements a kernel runs on the calling thread.
pub const PARALLEL_THRESHOLD: usize = 1 << 15;
