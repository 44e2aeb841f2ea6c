//! Reference-counted byte buffers shared by a tensor and all its views.
//!
//! Like PyTorch's untyped storage, a buffer has no element type of its own:
//! each tensor over it carries its dtype, so `view(dtype)` can reinterpret the
//! same bytes. Storage is mutable through any view (in-place ops, setitem):
//! data is reached through a raw pointer and Rust aliasing rules are upheld by
//! the callers (kernels read from one buffer and write a different one, or
//! write through disjoint offsets). Storage may own a `Vec` or borrow foreign
//! memory (a numpy array) kept alive by an opaque owner.

use crate::{DType, Element};
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub struct Storage {
    ptr: *mut u8,
    nbytes: usize,
    writable: bool,
    // Keeps the memory alive: a `Vec<T>` or a foreign object.
    _owner: Box<dyn Any + Send + Sync>,
    /// Bumped by every in-place write; shared by all views (autograd checks it).
    version: AtomicU64,
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
            _owner: Box::new(ferrotorch_cpu::buffer_cache::Recycled::new(v)),
            version: AtomicU64::new(0),
        })
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
            _owner: owner,
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
        debug_assert!(self.aligned_for(T::DTYPE), "misaligned storage");
        self.ptr as *mut T
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    pub fn bump_version(&self) {
        self.version.fetch_add(1, Ordering::Relaxed);
    }
}
