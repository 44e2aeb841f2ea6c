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
    /// The device could not satisfy an allocation even after the caching
    /// allocator released its cached blocks. PyTorch's message, with sizes.
    #[error("CUDA out of memory. Tried to allocate {}. GPU {device} has a total capacity of {} of which {} is free. Of the allocated memory {} is allocated by ferrotorch, and {} is reserved by ferrotorch but unallocated.", format_bytes(*requested), format_bytes(*total), format_bytes(*free), format_bytes(*allocated), format_bytes(reserved - allocated))]
    OutOfMemory {
        device: usize,
        requested: usize,
        free: usize,
        total: usize,
        allocated: usize,
        reserved: usize,
    },
    /// A kernel launch (or its module) failed.
    #[error("CUDA kernel '{kernel}' failed: {message}")]
    Launch { kernel: String, message: String },
    /// The host emulator of the CUDA backend could not build or run a module.
    #[error("CUDA emulator: {0}")]
    Emulator(String),
}

/// Bytes as PyTorch's allocator messages print them: "20.00 MiB".
pub fn format_bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.2} {}", UNITS[unit])
}

impl From<Error> for ferrotorch_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::NoDriver | Error::NoDevice | Error::InvalidDevice { .. } => {
                ferrotorch_core::Error::Device(e.to_string())
            }
            Error::OutOfMemory { .. } => ferrotorch_core::Error::OutOfMemory(e.to_string()),
            _ => ferrotorch_core::Error::Runtime(e.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
