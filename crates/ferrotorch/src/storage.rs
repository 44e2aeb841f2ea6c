//! Reference-counted byte buffers shared by a tensor and all its views.
//!
//! Like PyTorch's untyped storage, a buffer has no element type of its own:
//! each tensor over it carries its dtype, so `view(dtype)` can reinterpret the
//! same bytes. Storage is mutable through any view (in-place ops, setitem):
//! data is reached through a raw pointer and Rust aliasing rules are upheld by
//! the callers (kernels read from one buffer and write a different one, or
//! write through disjoint offsets). Storage may own a `Vec` or borrow foreign
//! memory (a numpy array) kept alive by an opaque owner.
//!
//! On a GPU the bytes are a [`CudaBuffer`] instead: same sharing, same
//! version counter, but no host pointer; kernels of the CUDA backend get the
//! device address ([`Storage::cuda`]).

use crate::{DType, Device, Element};
use ferrotorch_cuda::CudaBuffer;
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub struct Storage {
    // Host address, or the device address for CUDA memory (only compared and
    // printed, never dereferenced on the host).
    ptr: *mut u8,
    nbytes: usize,
    writable: bool,
    // Keeps the memory alive: a `Vec<T>`, a foreign object or a CudaBuffer.
    owner: Owner,
    /// Bumped by every in-place write; shared by all views (autograd checks it).
    version: AtomicU64,
}

enum Owner {
    Host(#[allow(dead_code)] Box<dyn Any + Send + Sync>),
    Cuda(CudaBuffer),
}

// SAFETY: the buffer is plain data owned by `_owner`, which is Send + Sync.
unsafe impl Send for Storage {}
unsafe impl Sync for Storage {}

impl Storage {
    pub fn from_vec<T: Element>(mut v: Vec<T>) -> Arc<Storage> {
        let ptr = v.as_mut_ptr() as *mut u8;
        let nbytes = std::mem::size_of_val(v.as_slice());
        Arc::new(Storage {
            ptr,
            nbytes,
            writable: true,
            // Large buffers go back to the kernels' buffer cache when freed.
            owner: Owner::Host(Box::new(ferrotorch_cpu::buffer_cache::Recycled::new(v))),
            version: AtomicU64::new(0),
        })
    }

    /// Storage over device memory.
    pub fn from_cuda(buffer: CudaBuffer) -> Arc<Storage> {
        Arc::new(Storage {
            ptr: buffer.ptr() as usize as *mut u8,
            nbytes: buffer.nbytes(),
            writable: true,
            owner: Owner::Cuda(buffer),
            version: AtomicU64::new(0),
        })
    }

    /// Where the bytes live.
    pub fn device(&self) -> Device {
        match &self.owner {
            Owner::Host(_) => Device::Cpu,
            Owner::Cuda(b) => Device::Cuda(b.device().index()),
        }
    }

    /// The device memory, for storage on a GPU.
    pub fn cuda(&self) -> Option<&CudaBuffer> {
        match &self.owner {
            Owner::Cuda(b) => Some(b),
            Owner::Host(_) => None,
        }
    }

    /// Wraps foreign memory.
    ///
    /// # Safety
    /// `ptr` must point to `len` properly aligned, initialised elements of
    /// `dtype` that stay valid while `owner` is alive.
    pub unsafe fn from_raw(
        ptr: *mut u8,
        len: usize,
        dtype: DType,
        writable: bool,
        owner: Box<dyn Any + Send + Sync>,
    ) -> Arc<Storage> {
        Arc::new(Storage {
            ptr,
            nbytes: len * dtype.size(),
            writable,
            owner: Owner::Host(owner),
            version: AtomicU64::new(0),
        })
    }

    /// Size of the buffer in bytes.
    pub fn nbytes(&self) -> usize {
        self.nbytes
    }

    /// How many whole elements of `dtype` the buffer holds.
    pub fn len_of(&self, dtype: DType) -> usize {
        self.nbytes / dtype.size()
    }

    /// Whether the buffer's start is aligned for elements of `dtype` (always
    /// true for the dtype it was created with).
    pub fn aligned_for(&self, dtype: DType) -> bool {
        // Every element type is aligned to its size; an empty buffer (whose
        // pointer is a dangling placeholder) is never read.
        self.nbytes == 0 || (self.ptr as usize) % dtype.size() == 0
    }

    pub fn is_empty(&self) -> bool {
        self.nbytes == 0
    }

    pub fn writable(&self) -> bool {
        self.writable
    }

    pub fn data_ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// The whole buffer as elements of `T`. Tensors only ask for their own
    /// dtype, which they checked the buffer is aligned for.
    pub fn as_slice<T: Element>(&self) -> &[T] {
        self.assert_host();
        let len = self.len_of(T::DTYPE);
        if len == 0 {
            return &[];
        }
        debug_assert!(self.aligned_for(T::DTYPE), "misaligned storage");
        // SAFETY: ptr is aligned for T (checked when the tensor was made) and
        // the first `len` elements lie inside the buffer kept alive by `_owner`;
        // every bit pattern is a valid value of the numeric element types, and
        // bool tensors are only ever viewed from buffers holding 0/1 bytes.
        unsafe { std::slice::from_raw_parts(self.ptr as *const T, len) }
    }

    pub fn as_mut_ptr<T: Element>(&self) -> *mut T {
        self.assert_host();
        debug_assert!(self.aligned_for(T::DTYPE), "misaligned storage");
        self.ptr as *mut T
    }

    // Host access to device memory is a bug in an op's dispatch (the CUDA
    // path must have been taken); a panic becomes a RuntimeError at the
    // Python boundary instead of reading a device address on the host.
    fn assert_host(&self) {
        assert!(
            self.cuda().is_none(),
            "host access to CUDA storage: an op is missing its CUDA path"
        );
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    pub fn bump_version(&self) {
        self.version.fetch_add(1, Ordering::Relaxed);
    }
}
