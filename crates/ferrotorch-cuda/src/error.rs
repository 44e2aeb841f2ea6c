//! The one error type of the CUDA backend.
//!
//! The two "no GPU" variants carry PyTorch's exact messages, because they are
//! what a user sees from `tensor.cuda()` on a machine without a GPU.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// libcuda (the driver) could not be loaded: PyTorch's message for it.
    #[error("Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx")]
    NoDriver,
    /// The driver loaded but reports no device.
    #[error("No CUDA GPUs are available")]
    NoDevice,
    /// A device index past the devices present.
    #[error("CUDA error: invalid device ordinal (device {index}, {count} present)")]
    InvalidDevice { index: usize, count: usize },
    /// Any other driver call that failed (cuInit, cuDeviceGet...).
    #[error("CUDA driver error in {call}: {message}")]
    Driver { call: &'static str, message: String },
    /// libnvrtc.so.13 is neither on the loader path nor in a registered directory.
    #[error("NVRTC (libnvrtc.so.13) was not found: install the `nvidia-cuda-nvrtc` package (CUDA 13) or the CUDA toolkit")]
    NvrtcMissing,
    /// NVRTC rejected a kernel source; `log` is its compiler output.
    #[error("NVRTC failed to compile CUDA module '{module}':\n{log}")]
    Compile { module: String, log: String },
    /// A library file was found in a registered directory but would not load.
    #[error("could not load {path}: {reason}")]
    Load { path: PathBuf, reason: String },
    /// A cudarc call panicked (for instance a missing symbol in an older
    /// library); caught so it never unwinds into Python.
    #[error("CUDA library call '{call}' failed: {message}")]
    Panicked { call: &'static str, message: String },
}

impl From<Error> for ferrotorch_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::NoDriver | Error::NoDevice | Error::InvalidDevice { .. } => {
                ferrotorch_core::Error::Device(e.to_string())
            }
            _ => ferrotorch_core::Error::Runtime(e.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
