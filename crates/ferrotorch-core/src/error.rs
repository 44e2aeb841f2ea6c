//! The one error type of ferrotorch. Each variant knows which Python
//! exception PyTorch raises for it ([`ErrorKind`]), so the bindings map
//! errors without inspecting messages.

/// Which PyTorch exception type an error corresponds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Runtime,
    Index,
    Type,
    Value,
    NotImplemented,
    /// `torch.cuda.OutOfMemoryError`, a RuntimeError subclass.
    OutOfMemory,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Shapes that cannot be combined (broadcast, matmul, cat, view...).
    #[error("{0}")]
    Shape(String),
    /// An index or dimension out of range.
    #[error("{0}")]
    Index(String),
    /// A dtype an op does not accept.
    #[error("{0}")]
    DType(String),
    /// A wrong Python-level argument type.
    #[error("{0}")]
    Type(String),
    /// A wrong argument value (negative size, bad step...).
    #[error("{0}")]
    Value(String),
    /// Tensors on different devices, or a device that is not available.
    #[error("{0}")]
    Device(String),
    /// Any other runtime failure.
    #[error("{0}")]
    Runtime(String),
    /// A feature not supported yet.
    #[error("{0}")]
    NotImplemented(String),
    /// A device allocation failed after the allocator's cache was emptied.
    #[error("{0}")]
    OutOfMemory(String),
}

impl Error {
    /// The PyTorch exception type this error maps to.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Shape(_) | Error::DType(_) | Error::Device(_) | Error::Runtime(_) => {
                ErrorKind::Runtime
            }
            Error::Index(_) => ErrorKind::Index,
            Error::Type(_) => ErrorKind::Type,
            Error::Value(_) => ErrorKind::Value,
            Error::NotImplemented(_) => ErrorKind::NotImplemented,
            Error::OutOfMemory(_) => ErrorKind::OutOfMemory,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
