//! Reference-counted element buffers shared by a tensor and all its views.
//!
//! Like PyTorch, storage is mutable through any view (in-place ops, setitem):
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
    len: usize,
    dtype: DType,
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
        let len = v.len();
        Arc::new(Storage {
            ptr,
            len,
            dtype: T::DTYPE,
            writable: true,
            _owner: Box::new(v),
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
            len,
            dtype,
            writable,
            _owner: owner,
            version: AtomicU64::new(0),
        })
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn writable(&self) -> bool {
        self.writable
    }

    pub fn data_ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// The whole buffer as elements of `T` (which must match the dtype).
    pub fn as_slice<T: Element>(&self) -> &[T] {
        assert_eq!(T::DTYPE, self.dtype, "storage dtype mismatch");
        if self.len == 0 {
            return &[];
        }
        // SAFETY: ptr/len describe initialised elements of T kept alive by `_owner`.
        unsafe { std::slice::from_raw_parts(self.ptr as *const T, self.len) }
    }

    pub fn as_mut_ptr<T: Element>(&self) -> *mut T {
        assert_eq!(T::DTYPE, self.dtype, "storage dtype mismatch");
        self.ptr as *mut T
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    pub fn bump_version(&self) {
        self.version.fetch_add(1, Ordering::Relaxed);
    }
}
