//! What a CUDA device has to do for the rest of the backend: raw memory,
//! copies, loading a kernel module and launching its kernels, in stream
//! order on one stream per device.
//!
//! Two implementations exist: the GPU through the driver API
//! ([`crate::driver`]), and the host emulator ([`crate::emulator`]), which
//! compiles the same CUDA C sources with the host C++ compiler and runs them
//! on the CPU so that every CUDA code path above this trait can be tested on
//! machines without a GPU. Everything above the trait (allocator, buffers,
//! launch settings, op dispatch) is shared by both.

use crate::error::Result;
use crate::kernels::layout::KernelLayout;
use crate::kernels::KernelSource;
use ferrotorch_core::DType;
use std::ffi::c_void;

/// A device address: `CUdeviceptr` on a GPU, a host address in the emulator.
pub type DevicePtr = u64;

/// A one-dimensional launch (every kernel here indexes with `.x` only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LaunchConfig {
    /// Number of blocks.
    pub grid: u32,
    /// Threads per block (a multiple of 32, at most 1024).
    pub block: u32,
    /// Dynamic shared memory per block, in bytes.
    pub shared_mem_bytes: u32,
}

/// One kernel argument, by value, with the C type the kernel declares.
#[derive(Clone, Copy, Debug)]
pub enum KernelArg {
    /// A device pointer (any `T*` parameter).
    Ptr(DevicePtr),
    I64(i64),
    U64(u64),
    I32(i32),
    U32(u32),
    I16(i16),
    I8(i8),
    U8(u8),
    Bool(bool),
    F32(f32),
    F64(f64),
    /// The payload of an `ft_half` or `ft_bf16` parameter.
    U16(u16),
    /// An `FtLayout` parameter.
    Layout(KernelLayout),
}

impl KernelArg {
    /// The address of the argument's value, as `cuLaunchKernel`'s
    /// `kernelParams` array holds it. Valid while `self` is not moved.
    pub fn as_param(&self) -> *mut c_void {
        let p: *const c_void = match self {
            KernelArg::Ptr(v) => v as *const u64 as *const c_void,
            KernelArg::I64(v) => v as *const i64 as *const c_void,
            KernelArg::U64(v) => v as *const u64 as *const c_void,
            KernelArg::I32(v) => v as *const i32 as *const c_void,
            KernelArg::U32(v) => v as *const u32 as *const c_void,
            KernelArg::I16(v) => v as *const i16 as *const c_void,
            KernelArg::I8(v) => v as *const i8 as *const c_void,
            KernelArg::U8(v) => v as *const u8 as *const c_void,
            KernelArg::Bool(v) => v as *const bool as *const c_void,
            KernelArg::F32(v) => v as *const f32 as *const c_void,
            KernelArg::F64(v) => v as *const f64 as *const c_void,
            KernelArg::U16(v) => v as *const u16 as *const c_void,
            KernelArg::Layout(v) => v as *const KernelLayout as *const c_void,
        };
        p as *mut c_void
    }
}

/// One operand of [`Gemm`]: a batch of row-major-indexed matrices with
/// element strides. cuBLAS needs a unit stride along rows or columns (the
/// caller copies operands that have neither).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Matrix {
    pub ptr: DevicePtr,
    pub row_stride: usize,
    pub col_stride: usize,
    /// 0 broadcasts one matrix over the batch.
    pub batch_stride: usize,
}

/// A batched product `c[i] = a[i] @ b[i]`, `a[i]` of `m x k`, `b[i]` of
/// `k x n`, `c` contiguous `[batch, m, n]`; floating dtypes only, the half
/// types accumulating in float32.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gemm {
    pub dtype: DType,
    pub batch: usize,
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: Matrix,
    pub b: Matrix,
    pub c: DevicePtr,
    /// float32 may use TF32 tensor cores (`allow_tf32`).
    pub allow_tf32: bool,
}

/// What `get_device_properties` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    pub name: String,
    pub total_memory: usize,
    pub multi_processor_count: u32,
    pub major: u32,
    pub minor: u32,
}

/// Raw device memory: what the caching allocator sits on.
pub trait DeviceMemory: Send + Sync {
    /// Allocates `nbytes` (> 0); `Ok(None)` when the device is out of memory.
    fn malloc(&self, nbytes: usize) -> Result<Option<DevicePtr>>;
    /// Frees a pointer returned by `malloc`, after the work queued on the
    /// device's stream that may use it.
    fn free(&self, ptr: DevicePtr) -> Result<()>;
    /// (free, total) bytes of the device.
    fn mem_get_info(&self) -> Result<(usize, usize)>;
}

/// A loaded kernel module.
pub trait Module: Send + Sync {
    /// Queues kernel `name` of this module on the device's stream.
    fn launch(&self, name: &str, cfg: LaunchConfig, args: &[KernelArg]) -> Result<()>;
}

/// One CUDA device.
pub trait Backend: DeviceMemory {
    fn info(&self) -> &DeviceInfo;
    /// Host to device, `src.len()` bytes; returns once `src` may be reused.
    fn copy_htod(&self, dst: DevicePtr, src: &[u8]) -> Result<()>;
    /// Device to host, `dst.len()` bytes, after all queued work (synchronous).
    fn copy_dtoh(&self, dst: &mut [u8], src: DevicePtr) -> Result<()>;
    /// Device to device, queued on the stream.
    fn copy_dtod(&self, dst: DevicePtr, src: DevicePtr, nbytes: usize) -> Result<()>;
    /// Compiles (or fetches from a cache) and loads one kernel module.
    fn load_module(&self, source: &KernelSource) -> Result<Box<dyn Module>>;
    /// Queues the batched matrix product `g`.
    fn gemm(&self, g: &Gemm) -> Result<()>;
    /// Waits for all queued work.
    fn synchronize(&self) -> Result<()>;
}
