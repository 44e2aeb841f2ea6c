//! The CUDA side of op dispatch. Op definitions (in `ops/`, `tensor.rs`)
//! keep their dtype, shape and broadcasting logic in one place and, where
//! the data is touched, call the CPU kernels or the functions here, picked
//! by the inputs' common device ([`common_device`]).
//!
//! Functions here receive tensors already on one CUDA device, promoted and
//! broadcast; they allocate outputs from the device's caching allocator and
//! launch kernels of `ferrotorch-cuda`. Nothing here copies to the host
//! except the explicit transfers ([`download`]).

pub(crate) mod elementwise;
pub(crate) mod flip;
pub(crate) mod index;
pub mod linalg;
pub mod random;
pub(crate) mod reduce;
pub(crate) mod rows;
pub(crate) mod sort;

use crate::storage::Storage;
use crate::{DType, Device, Error, Layout, Result, Tensor};
use ferrotorch_cuda::kernels::layout::KernelLayout;
use ferrotorch_cuda::{CudaBuffer, CudaDevice, KernelArg};
use std::sync::Arc;

/// The device an op runs on, PyTorch's rule: every tensor must be on one
/// device, except that 0-dim CPU tensors (Python-scalar-like) go with any.
pub fn common_device(tensors: &[&Tensor]) -> Result<Device> {
    let mut common: Option<Device> = None;
    let mut saw_cpu_scalar = false;
    for t in tensors {
        let d = t.device();
        if d == Device::Cpu && t.ndim() == 0 {
            saw_cpu_scalar = true;
            continue;
        }
        match common {
            None => common = Some(d),
            Some(c) if c != d => return Err(device_mismatch(c, d)),
            Some(_) => {}
        }
    }
    Ok(common.unwrap_or(if saw_cpu_scalar {
        Device::Cpu
    } else {
        tensors.first().map_or(Device::Cpu, |t| t.device())
    }))
}

/// PyTorch's error for tensors on two devices.
pub fn device_mismatch(a: Device, b: Device) -> Error {
    Error::Device(format!(
        "Expected all tensors to be on the same device, but found at least two devices, {a} and {b}!"
    ))
}

/// The opened CUDA device `index`.
pub(crate) fn device(index: usize) -> Result<Arc<CudaDevice>> {
    Ok(ferrotorch_cuda::device(index)?)
}

/// The CUDA device a tensor lives on (an internal error for CPU tensors).
pub(crate) fn device_of(t: &Tensor) -> Result<Arc<CudaDevice>> {
    match t.device() {
        Device::Cuda(i) => device(i),
        Device::Cpu => Err(Error::Runtime(
            "internal error: CUDA kernel called with a CPU tensor".into(),
        )),
    }
}

/// Device memory of `t`'s storage (must be a CUDA tensor).
pub(crate) fn buffer(t: &Tensor) -> &CudaBuffer {
    t.storage()
        .cuda()
        .expect("gpu::buffer: a CPU tensor reached the CUDA path")
}

/// `t`'s storage base address as a kernel argument; kernels add the
/// layout's element offset themselves.
pub(crate) fn base(t: &Tensor) -> KernelArg {
    KernelArg::Ptr(buffer(t).ptr())
}

/// Address of `t`'s first element (for contiguous fast paths).
pub(crate) fn first(t: &Tensor) -> KernelArg {
    // An empty view may have an offset past its storage's end; nothing is
    // read through it, and the base address is a valid pointer.
    if t.numel() == 0 {
        return base(t);
    }
    KernelArg::Ptr(buffer(t).ptr() + (t.offset() * t.dtype().size()) as u64)
}

/// The kernel-side layout; layouts that stay above the kernels' dimension
/// limit after merging dimensions are refused.
pub(crate) fn kernel_layout(l: &Layout) -> Result<KernelLayout> {
    KernelLayout::new(l).ok_or_else(|| {
        Error::NotImplemented(format!(
            "CUDA kernels index at most {} non-mergeable dimensions; this tensor has shape {:?} and strides {:?}",
            ferrotorch_cuda::kernels::layout::MAX_DIMS,
            l.shape,
            l.strides
        ))
    })
}

pub(crate) fn layout_arg(l: &Layout) -> Result<KernelArg> {
    Ok(KernelArg::Layout(kernel_layout(l)?))
}

/// Element count as the kernels' `long long`.
pub(crate) fn count(n: usize) -> KernelArg {
    KernelArg::I64(n as i64)
}

/// A new contiguous tensor of `shape` and `dtype` on `dev`, uninitialised.
pub(crate) fn empty(dev: &Arc<CudaDevice>, shape: &[usize], dtype: DType) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let buf = CudaBuffer::alloc(dev, n * dtype.size())?;
    Tensor::from_storage(Storage::from_cuda(buf), Layout::contiguous(shape), dtype)
}

/// A CPU tensor's values on CUDA device `index` (contiguous).
pub(crate) fn upload(t: &Tensor, index: usize) -> Result<Tensor> {
    let dev = device(index)?;
    let t = t.contiguous();
    let size = t.dtype().size();
    let bytes: &[u8] = if t.numel() == 0 {
        &[]
    } else {
        let all = crate::tensor::storage_bytes(&t);
        &all[t.offset() * size..(t.offset() + t.numel()) * size]
    };
    let buf = CudaBuffer::from_host(&dev, bytes)?;
    Tensor::from_storage(
        Storage::from_cuda(buf),
        Layout::contiguous(t.shape()),
        t.dtype(),
    )
}

/// A CUDA tensor's values in host memory (contiguous; waits for the
/// device).
pub(crate) fn download(t: &Tensor) -> Result<Tensor> {
    let t = t.contiguous();
    let size = t.dtype().size();
    let mut bytes = vec![0u8; t.numel() * size];
    if !bytes.is_empty() {
        buffer(&t).read(t.offset() * size, &mut bytes)?;
    }
    crate::tensor::from_bytes(bytes, t.shape(), t.dtype())
}
