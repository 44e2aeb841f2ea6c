//! Tensor operations, one definition each: the op's dtype rule, its kernel
//! per device (CPU today) and its error checks. The Rust `Tensor` methods and
//! the Python bindings both call these.

pub mod flip;
pub mod linalg;
pub mod math;
pub mod real;
pub mod reduce;
pub mod rows;
pub mod shape;
pub mod take;

pub use math::{BinaryOp, Operand, UnaryOp};
