//! The [`Tensor`] type: storage + layout + flags, its constructors, accessors,
//! view ops (which share storage) and copies.

use crate::autograd::formulas::region::ViewOp;
use crate::autograd::formulas::views::{self, Inverse};
use crate::autograd::{any_requires_grad, AutogradMeta};
use crate::storage::Storage;
use crate::{DType, Device, Element, Error, Layout, Result, Scalar};
use ferrotorch_core::{mem_overlap, normalize_dim, MemOverlap, PARTIAL_OVERLAP_MESSAGE};
use ferrotorch_cpu::elementwise;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// An n-dimensional strided array, cheap to clone (clones share everything).
#[derive(Clone)]
pub struct Tensor(Arc<TensorImpl>);

/// What a [`Tensor`] points to. Public only so that graph nodes outside this
/// crate can hold weak references to their outputs (`Node::retain_output`).
pub struct TensorImpl {
    storage: Arc<Storage>,
    layout: Layout,
    // On the tensor, not the storage: `view(dtype)` reads the same bytes as
    // another type.
    dtype: DType,
    device: Device,
    requires_grad: AtomicBool,
    /// `.grad`, `grad_fn` and the leaf's gradient accumulator (see `autograd`).
    autograd: AutogradMeta,
}

fn fmt_shape(shape: &[usize]) -> String {
    format!(
        "[{}]",
        shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl Tensor {
    // ---------------------------------------------------------------- construction

    /// A tensor of `dtype` over `storage`, checked to fit inside it and to be
    /// aligned for `dtype`.
    pub fn from_storage(storage: Arc<Storage>, layout: Layout, dtype: DType) -> Result<Tensor> {
        if !storage.aligned_for(dtype) {
            return Err(Error::Runtime(format!(
                "storage at address {:#x} is not aligned for {}",
                storage.data_ptr() as usize,
                dtype
            )));
        }
        if layout.storage_span() > storage.len_of(dtype) {
            return Err(Error::Runtime(format!(
                "setStorage: sizes {}, strides {}, storage offset {} require {} elements but the storage holds {}",
                fmt_shape(&layout.shape),
                fmt_shape(&layout.strides),
                layout.offset,
                layout.storage_span(),
                storage.len_of(dtype)
            )));
        }
        Ok(Tensor::new_unchecked(storage, layout, dtype))
    }

    fn new_unchecked(storage: Arc<Storage>, layout: Layout, dtype: DType) -> Tensor {
        Tensor(Arc::new(TensorImpl {
            device: storage.device(),
            storage,
            layout,
            dtype,
            requires_grad: AtomicBool::new(false),
            autograd: AutogradMeta::default(),
        }))
    }

    /// The autograd fields of this tensor.
    pub(crate) fn autograd_meta(&self) -> &AutogradMeta {
        &self.0.autograd
    }

    /// A weak handle (used by graph nodes that must not keep a tensor alive).
    pub(crate) fn downgrade(&self) -> std::sync::Weak<TensorImpl> {
        Arc::downgrade(&self.0)
    }

    /// The tensor behind a weak reference, if it is still alive (nodes
    /// outside this crate keep their `retain_grad` outputs this way, so a
    /// node never keeps its own outputs alive).
    pub fn upgrade(w: &std::sync::Weak<TensorImpl>) -> Option<Tensor> {
        w.upgrade().map(Tensor)
    }

    /// Whether nothing else holds this tensor object or its storage, so it may
    /// be adopted (e.g. as a leaf's `.grad`) without copying.
    pub(crate) fn is_unshared(&self) -> bool {
        Arc::strong_count(&self.0) == 1 && Arc::strong_count(&self.0.storage) == 1
    }

    /// Whether this exact tensor object is held elsewhere too.
    pub(crate) fn impl_shared(&self) -> bool {
        Arc::strong_count(&self.0) > 1
    }

    /// A contiguous tensor owning `data` with `shape`.
    ///
    /// The dtype comes from `T`; `data.len()` must equal the product of `shape`.
    ///
    /// ```
    /// use ferrotorch::{DType, ErrorKind, Tensor};
    /// # fn main() -> ferrotorch::Result<()> {
    /// let t = Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
    /// assert_eq!(t.shape(), &[2, 3]);
    /// assert_eq!(t.strides(), &[3, 1]);
    /// assert_eq!((t.ndim(), t.numel(), t.dtype()), (2, 6, DType::F32));
    /// assert!(t.is_contiguous());
    /// assert_eq!(t.to_vec::<f32>()?, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    /// // `to_vec` converts to the requested element type first.
    /// assert_eq!(t.to_vec::<i64>()?, [1, 2, 3, 4, 5, 6]);
    ///
    /// let err = Tensor::from_vec(vec![1i64, 2, 3], &[2, 2]).err().unwrap();
    /// assert_eq!(err.kind(), ErrorKind::Runtime);
    /// assert_eq!(err.to_string(), "shape [2, 2] is invalid for input of size 3");
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_vec<T: Element>(data: Vec<T>, shape: &[usize]) -> Result<Tensor> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(Error::Runtime(format!(
                "shape {} is invalid for input of size {}",
                fmt_shape(shape),
                data.len()
            )));
        }
        Ok(Tensor::new_unchecked(
            Storage::from_vec(data),
            Layout::contiguous(shape),
            T::DTYPE,
        ))
    }

    /// A 0-d tensor holding `value` converted to `dtype`.
    ///
    /// ```
    /// use ferrotorch::{DType, Scalar, Tensor};
    /// # fn main() -> ferrotorch::Result<()> {
    /// let s = Tensor::scalar(Scalar::Float(2.5), DType::F64);
    /// assert_eq!(s.ndim(), 0);
    /// assert_eq!(s.item()?, Scalar::Float(2.5));
    /// // Float to integer conversion truncates toward zero, as in C.
    /// let i = Tensor::scalar(Scalar::Float(-2.7), DType::I32);
    /// assert_eq!(i.item()?, Scalar::Int(-2));
    /// assert_eq!(i.item_f64()?, -2.0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn scalar(value: Scalar, dtype: DType) -> Tensor {
        with_dtype!(dtype, T => Tensor::from_vec(vec![value.to_elem::<T>()], &[]).unwrap())
    }

    /// A tensor of `shape` with every element `value` (converted to `dtype`).
    /// [`Tensor::zeros`], [`Tensor::ones`] and [`Tensor::eye`] cover the usual cases.
    ///
    /// ```
    /// use ferrotorch::{DType, Scalar, Tensor};
    /// let f = Tensor::full(&[2, 2], Scalar::Float(1.5), DType::F32);
    /// assert_eq!(f.to_vec::<f32>().unwrap(), [1.5; 4]);
    /// let z = Tensor::zeros(&[3], DType::I64);
    /// assert_eq!(z.dtype(), DType::I64);
    /// assert_eq!(z.to_vec::<i64>().unwrap(), [0, 0, 0]);
    /// assert_eq!(Tensor::ones(&[2], DType::Bool).to_vec::<bool>().unwrap(), [true, true]);
    /// let e = Tensor::eye(2, 3, DType::F32);
    /// assert_eq!(e.shape(), &[2, 3]);
    /// assert_eq!(e.to_vec::<f32>().unwrap(), [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    /// ```
    pub fn full(shape: &[usize], value: Scalar, dtype: DType) -> Tensor {
        let n = shape.iter().product();
        with_dtype!(dtype, T => Tensor::from_vec(ferrotorch_cpu::buffer::filled(n, value.to_elem::<T>()), shape).unwrap())
    }

    /// [`Tensor::full`] on `device`.
    pub fn full_on(shape: &[usize], value: Scalar, dtype: DType, device: Device) -> Result<Tensor> {
        match device {
            Device::Cpu => Ok(Tensor::full(shape, value, dtype)),
            Device::Cuda(i) => crate::gpu::elementwise::full(i, shape, value, dtype),
        }
    }

    /// [`Tensor::scalar`] on `device`.
    pub fn scalar_on(value: Scalar, dtype: DType, device: Device) -> Result<Tensor> {
        Tensor::full_on(&[], value, dtype, device)
    }

    /// A tensor of `shape` filled with zeros (see [`Tensor::full`]).
    pub fn zeros(shape: &[usize], dtype: DType) -> Tensor {
        Tensor::full(shape, Scalar::Int(0), dtype)
    }

    /// A tensor of `shape` filled with ones (see [`Tensor::full`]).
    pub fn ones(shape: &[usize], dtype: DType) -> Tensor {
        Tensor::full(shape, Scalar::Int(1), dtype)
    }

    /// `arange(start, end, step)` with PyTorch's length rule `ceil((end - start) / step)`.
    ///
    /// ```
    /// use ferrotorch::{DType, ErrorKind, Tensor};
    /// # fn main() -> ferrotorch::Result<()> {
    /// let a = Tensor::arange(0.0, 1.0, 0.25, DType::F32)?;
    /// assert_eq!(a.to_vec::<f32>()?, [0.0, 0.25, 0.5, 0.75]);
    /// // The end is exclusive: ceil((10 - 0) / 3) = 4 elements.
    /// let b = Tensor::arange(0.0, 10.0, 3.0, DType::I64)?;
    /// assert_eq!(b.to_vec::<i64>()?, [0, 3, 6, 9]);
    /// let c = Tensor::arange(3.0, 0.0, -1.0, DType::F64)?;
    /// assert_eq!(c.to_vec::<f64>()?, [3.0, 2.0, 1.0]);
    /// let err = Tensor::arange(0.0, 1.0, 0.0, DType::F32).err().unwrap();
    /// assert_eq!(err.kind(), ErrorKind::Runtime);
    ///
    /// // `linspace` includes both ends.
    /// let t = Tensor::linspace(0.0, 1.0, 5, DType::F32)?;
    /// assert_eq!(t.to_vec::<f32>()?, [0.0, 0.25, 0.5, 0.75, 1.0]);
    /// // The last value is exactly `end` even when the step is inexact.
    /// let t = Tensor::linspace(0.0, 1.0, 4, DType::F64)?;
    /// assert_eq!(t.to_vec::<f64>()?[3], 1.0);
    /// assert_eq!(Tensor::linspace(2.0, 3.0, 1, DType::F32)?.to_vec::<f32>()?, [2.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn arange(start: f64, end: f64, step: f64, dtype: DType) -> Result<Tensor> {
        if step == 0.0 {
            return Err(Error::Runtime("step must be nonzero".into()));
        }
        if !(start.is_finite() && end.is_finite()) {
            return Err(Error::Runtime(format!(
                "unsupported range: {start} -> {end}"
            )));
        }
        if (step > 0.0 && end < start) || (step < 0.0 && end > start) {
            return Err(Error::Runtime(
                "upper bound and larger bound inconsistent with step sign".into(),
            ));
        }
        let n = ((end - start) / step).ceil().max(0.0) as usize;
        with_dtype!(dtype, T => {
            let v: Vec<T> = (0..n).map(|i| T::from_f64(start + i as f64 * step)).collect();
            Tensor::from_vec(v, &[n])
        })
    }

    /// Integer `arange`, exact for the whole i64 range.
    pub fn arange_int(start: i64, end: i64, step: i64, dtype: DType) -> Result<Tensor> {
        if step == 0 {
            return Err(Error::Runtime("step must be nonzero".into()));
        }
        if (step > 0 && end < start) || (step < 0 && end > start) {
            return Err(Error::Runtime(
                "upper bound and larger bound inconsistent with step sign".into(),
            ));
        }
        let span = end as i128 - start as i128;
        let n = ((span + step as i128 - step.signum() as i128) / step as i128).max(0) as usize;
        with_dtype!(dtype, T => {
            let v: Vec<T> = (0..n).map(|i| T::from_i64(start + i as i64 * step)).collect();
            Tensor::from_vec(v, &[n])
        })
    }

    /// `linspace(start, end, steps)`; like PyTorch, the second half is computed
    /// from the end so that the last value is exactly `end`.
    ///
    /// See [`Tensor::arange`] for an example.
    pub fn linspace(start: f64, end: f64, steps: usize, dtype: DType) -> Result<Tensor> {
        let step = if steps > 1 {
            (end - start) / (steps - 1) as f64
        } else {
            0.0
        };
        let half = steps / 2;
        with_dtype!(dtype, T => {
            let v: Vec<T> = (0..steps)
                .map(|i| {
                    let x = if i < half || steps == 1 { start + step * i as f64 } else { end - step * (steps - i - 1) as f64 };
                    T::from_f64(x)
                })
                .collect();
            Tensor::from_vec(v, &[steps])
        })
    }

    /// An `n x m` matrix with ones on the main diagonal (see [`Tensor::full`]).
    pub fn eye(n: usize, m: usize, dtype: DType) -> Tensor {
        with_dtype!(dtype, T => {
            let mut v = vec![T::default(); n * m];
            for i in 0..n.min(m) {
                v[i * m + i] = T::from_i64(1);
            }
            Tensor::from_vec(v, &[n, m]).unwrap()
        })
    }

    // ---------------------------------------------------------------- accessors

    /// The shared storage this tensor is a view into.
    pub fn storage(&self) -> &Arc<Storage> {
        &self.0.storage
    }
    /// Shape, strides (in elements) and storage offset.
    pub fn layout(&self) -> &Layout {
        &self.0.layout
    }
    /// Size of each dimension (empty for a 0-d tensor).
    pub fn shape(&self) -> &[usize] {
        &self.0.layout.shape
    }
    /// Step in elements between neighbours along each dimension.
    pub fn strides(&self) -> &[usize] {
        &self.0.layout.strides
    }
    /// Storage offset (in elements) of the first element.
    pub fn offset(&self) -> usize {
        self.0.layout.offset
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.layout.ndim()
    }
    /// Number of elements (the product of the shape).
    pub fn numel(&self) -> usize {
        self.0.layout.numel()
    }
    /// Element type the storage's bytes are read as.
    pub fn dtype(&self) -> DType {
        self.0.dtype
    }
    pub fn device(&self) -> Device {
        self.0.device
    }
    /// Whether the layout is row-major contiguous.
    pub fn is_contiguous(&self) -> bool {
        self.0.layout.is_contiguous()
    }
    pub fn requires_grad(&self) -> bool {
        self.0.requires_grad.load(Ordering::Relaxed)
    }
    /// Sets the `requires_grad` flag (only floating tensors can require grad;
    /// only leaves can stop requiring it).
    pub fn set_requires_grad(&self, flag: bool) -> Result<()> {
        if flag && !self.dtype().is_float() {
            return Err(Error::Runtime(
                "only Tensors of floating point dtype can require gradients".into(),
            ));
        }
        if !flag && !self.is_leaf() {
            return Err(Error::Runtime(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().".into(),
            ));
        }
        self.set_requires_grad_flag(flag);
        Ok(())
    }

    pub(crate) fn set_requires_grad_flag(&self, flag: bool) {
        self.0.requires_grad.store(flag, Ordering::Relaxed);
    }

    /// Runs shape op `f` and, when this tensor requires grad (grad mode on),
    /// records node `name` whose backward applies `inverse`.
    fn shape_op(
        &self,
        name: &'static str,
        inverse: impl FnOnce() -> Inverse,
        f: impl FnOnce() -> Result<Tensor>,
    ) -> Result<Tensor> {
        let out = if any_requires_grad(&[self]) {
            views::view(name, self, inverse(), f)?
        } else {
            f()?
        };
        Ok(self.as_view_if_shared(out))
    }

    /// Marks `out` as a view of `self` when it shares `self`'s storage (so
    /// in-place writes through it update `self`'s history).
    fn as_view_if_shared(&self, out: Tensor) -> Tensor {
        if Arc::ptr_eq(out.storage(), self.storage()) {
            crate::autograd::inplace::mark_view(out, self)
        } else {
            out
        }
    }

    /// Takes view `op` (narrow, select, slices) with layout `l` and records
    /// node `name`, whose backward writes the gradient into the same view
    /// of a zero tensor (nothing but `op` is saved).
    fn select_op(&self, name: &'static str, l: Layout, op: ViewOp) -> Result<Tensor> {
        let f = || Ok(self.with_layout(l));
        let out = if any_requires_grad(&[self]) {
            crate::autograd::formulas::region::view_of(name, self, op, f)?
        } else {
            f()?
        };
        Ok(self.as_view_if_shared(out))
    }
    /// Address of the first element.
    pub fn data_ptr(&self) -> usize {
        self.0.storage.data_ptr() as usize + self.offset() * self.dtype().size()
    }
    /// Whether two tensors are the same object (not just equal values).
    pub fn same(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
    /// How this tensor's memory relates to `other`'s (PyTorch's overlap rule).
    ///
    /// ```
    /// use ferrotorch::ops::math::{binary_inplace, BinaryOp};
    /// use ferrotorch::{DType, MemOverlap, Tensor};
    /// # fn main() -> ferrotorch::Result<()> {
    /// let a = Tensor::arange(0.0, 6.0, 1.0, DType::F32)?;
    /// let (tail, head) = (a.narrow(0, 1, 5)?, a.narrow(0, 0, 5)?);
    /// assert_eq!(tail.overlap(&head), MemOverlap::Partial);
    /// assert_eq!(tail.overlap(&a.narrow(0, 1, 5)?), MemOverlap::Full);
    /// assert_eq!(a.narrow(0, 0, 3)?.overlap(&a.narrow(0, 3, 3)?), MemOverlap::No);
    /// assert_eq!(tail.overlap(&Tensor::zeros(&[5], DType::F32)), MemOverlap::No);
    /// // a[1:].copy_(a[:-1]) would depend on the write order: refused.
    /// assert!(tail.copy_from(&head).is_err());
    /// assert!(binary_inplace(&tail, &head, BinaryOp::Add).is_err());
    /// // Reading exactly the memory being written is fine.
    /// binary_inplace(&tail, &tail, BinaryOp::Add)?;
    /// assert_eq!(a.to_vec::<f32>()?, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn overlap(&self, other: &Tensor) -> MemOverlap {
        if self.same(other) {
            return MemOverlap::Full;
        }
        if !Arc::ptr_eq(self.storage(), other.storage()) {
            return MemOverlap::No;
        }
        mem_overlap(
            self.layout(),
            self.dtype().size(),
            other.layout(),
            other.dtype().size(),
        )
    }

    /// PyTorch's check before an in-place write into `self` that reads `src`.
    pub(crate) fn check_no_partial_overlap(&self, src: &Tensor) -> Result<()> {
        if self.overlap(src) == MemOverlap::Partial {
            return Err(Error::Runtime(PARTIAL_OVERLAP_MESSAGE.into()));
        }
        Ok(())
    }

    pub fn size(&self, dim: i64) -> Result<usize> {
        if self.ndim() == 0 {
            return Err(Error::Index(format!(
                "dimension specified as {dim} but tensor has no dimensions"
            )));
        }
        Ok(self.shape()[self.dim_index(dim)?])
    }

    pub(crate) fn dim_index(&self, dim: i64) -> Result<usize> {
        normalize_dim(dim, self.ndim())
    }

    /// The element slice of the whole storage; index it with this tensor's layout.
    pub fn data<T: Element>(&self) -> &[T] {
        // Internal invariant (kernels dispatch on the tensor's dtype); a wrong
        // `T` could read misaligned memory, so it is checked in release too.
        assert_eq!(T::DTYPE, self.dtype(), "tensor dtype mismatch");
        self.0.storage.as_slice::<T>()
    }

    /// The elements of a contiguous tensor in order (empty for an empty tensor,
    /// whose offset may lie past the end of its storage).
    pub fn contiguous_slice<T: Element>(&self) -> &[T] {
        debug_assert!(self.is_contiguous(), "contiguous_slice on a strided tensor");
        let n = self.numel();
        if n == 0 {
            return &[];
        }
        &self.data::<T>()[self.offset()..self.offset() + n]
    }

    /// Values in row-major order, converted to `T`'s dtype first if needed.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        let t = self.to_dtype(T::DTYPE)?.host()?;
        Ok(t.contiguous_slice::<T>().to_vec())
    }

    /// The single value of a one-element tensor.
    ///
    /// Errors (`ErrorKind::Runtime`) unless the tensor has exactly one element;
    /// see [`Tensor::scalar`] for an example.
    pub fn item(&self) -> Result<Scalar> {
        if self.numel() != 1 {
            return Err(Error::Runtime(format!(
                "a Tensor with {} elements cannot be converted to Scalar",
                self.numel()
            )));
        }
        let t = self.host()?;
        let off = t.offset();
        Ok(with_dtype!(t.dtype(), T => Scalar::from_elem(t.data::<T>()[off])))
    }

    /// This tensor's values in host memory: itself on the CPU, a contiguous
    /// copy (after waiting for the device) on a GPU. No autograd.
    pub fn host(&self) -> Result<Tensor> {
        match self.device() {
            Device::Cpu => Ok(self.contiguous()),
            Device::Cuda(_) => crate::gpu::download(self),
        }
    }

    /// This tensor on `device` (itself when it is already there), recorded
    /// as `ToCopyBackward0` so gradients flow back to the source device.
    pub fn to_device(&self, device: Device) -> Result<Tensor> {
        if device == self.device() {
            return Ok(self.clone());
        }
        self.shape_op(
            "ToCopyBackward0",
            || Inverse::Cast,
            || match (self.device(), device) {
                (Device::Cpu, Device::Cuda(i)) => crate::gpu::upload(self, i),
                (Device::Cuda(_), Device::Cpu) => crate::gpu::download(self),
                // Between GPUs: through the host for now (peer copies later).
                (Device::Cuda(_), Device::Cuda(i)) => {
                    crate::gpu::upload(&crate::gpu::download(self)?, i)
                }
                (Device::Cpu, Device::Cpu) => Ok(self.clone()),
            },
        )
    }

    /// [`Tensor::item`] as an `f64`.
    pub fn item_f64(&self) -> Result<f64> {
        Ok(self.item()?.to_f64())
    }

    // ---------------------------------------------------------------- views

    /// A tensor sharing this one's storage with another layout.
    pub fn with_layout(&self, layout: Layout) -> Tensor {
        Tensor::new_unchecked(self.0.storage.clone(), layout, self.dtype())
    }

    /// A view of the same storage with a new shape (one size may be `-1`).
    /// Fails with `ErrorKind::Runtime` when the strides cannot express the new
    /// shape, e.g. when flattening a transposed tensor; use [`Tensor::reshape`]
    /// (or [`Tensor::contiguous`] first) then.
    ///
    /// ```
    /// use ferrotorch::{DType, ErrorKind, Tensor};
    /// use std::sync::Arc;
    /// # fn main() -> ferrotorch::Result<()> {
    /// let a = Tensor::arange(0.0, 6.0, 1.0, DType::F32)?;
    /// let v = a.view(&[2, -1])?;
    /// assert_eq!(v.shape(), &[2, 3]);
    /// assert!(Arc::ptr_eq(v.storage(), a.storage()));
    ///
    /// let t = v.t()?; // shape [3, 2], strides [1, 3]
    /// let err = t.view(&[6]).err().unwrap();
    /// assert_eq!(err.kind(), ErrorKind::Runtime);
    /// assert!(err.to_string().starts_with("view size is not compatible"));
    /// // A contiguous copy can be viewed; a contiguous tensor is returned as is.
    /// let c = t.contiguous();
    /// assert_eq!(c.strides(), &[2, 1]);
    /// assert_eq!(c.view(&[6])?.to_vec::<f32>()?, [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    /// assert!(c.contiguous().same(&c));
    /// # Ok(())
    /// # }
    /// ```
    pub fn view(&self, sizes: &[i64]) -> Result<Tensor> {
        let shape = Layout::infer_shape(sizes, self.numel())?;
        match self.layout().view(&shape) {
            Some(l) => self.shape_op("ViewBackward0", || Inverse::Reshape, || Ok(self.with_layout(l))),
            None => Err(Error::Runtime(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.".into(),
            )),
        }
    }

    /// The same bytes read as `dtype`, sharing storage (`view(dtype)`).
    ///
    /// With equal element sizes the shape is kept; otherwise the last dim is
    /// rescaled and must have stride 1 (see [`Layout::view_dtype`] for the
    /// divisibility rules). Views between bool and other dtypes are refused:
    /// Rust requires every bool byte to be 0 or 1, which writes through a
    /// uint8 view could break.
    ///
    /// ```
    /// use ferrotorch::{DType, Tensor};
    /// # fn main() -> ferrotorch::Result<()> {
    /// let f = Tensor::from_vec(vec![1.0f32, -2.0], &[2])?;
    /// let bits = f.view_dtype(DType::I32)?;
    /// assert_eq!(bits.to_vec::<i32>()?, [0x3f80_0000, 0xc000_0000u32 as i32]);
    /// bits.fill(ferrotorch::Scalar::Int(0x4040_0000))?; // write through the int view
    /// assert_eq!(f.to_vec::<f32>()?, [3.0, 3.0]);
    /// let halves = f.view_dtype(DType::F16)?;
    /// assert_eq!(halves.shape(), &[4]);
    /// assert!(f.view_dtype(DType::F64)?.shape() == [1]);
    /// assert!(Tensor::zeros(&[3], DType::F32).view_dtype(DType::F64).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn view_dtype(&self, dtype: DType) -> Result<Tensor> {
        if dtype == self.dtype() {
            return Ok(self.clone_view());
        }
        if dtype == DType::Bool || self.dtype() == DType::Bool {
            return Err(Error::NotImplemented(format!(
                "view({dtype}) of a {} tensor: views between torch.bool and other dtypes are not supported",
                self.dtype()
            )));
        }
        let layout = self.layout().view_dtype(self.dtype(), dtype)?;
        Tensor::from_storage(self.storage().clone(), layout, dtype)
    }

    /// `view` when the layout allows it, otherwise a contiguous copy.
    ///
    /// ```
    /// use ferrotorch::{DType, Tensor};
    /// use std::sync::Arc;
    /// # fn main() -> ferrotorch::Result<()> {
    /// let a = Tensor::arange(0.0, 6.0, 1.0, DType::F32)?.reshape(&[2, 3])?;
    /// // Expressible as a view: shares storage.
    /// assert!(Arc::ptr_eq(a.reshape(&[3, 2])?.storage(), a.storage()));
    /// // Transposed: copied.
    /// let r = a.t()?.reshape(&[-1])?;
    /// assert!(!Arc::ptr_eq(r.storage(), a.storage()));
    /// assert_eq!(r.to_vec::<f32>()?, [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn reshape(&self, sizes: &[i64]) -> Result<Tensor> {
        let shape = Layout::infer_shape(sizes, self.numel())?;
        match self.layout().view(&shape) {
            Some(l) => self.shape_op(
                "ViewBackward0",
                || Inverse::Reshape,
                || Ok(self.with_layout(l)),
            ),
            None => {
                // A copy (recorded as CloneBackward0) viewed with the new shape.
                let c = self.contiguous();
                c.shape_op(
                    "UnsafeViewBackward0",
                    || Inverse::Reshape,
                    || Ok(c.with_layout(Layout::contiguous(&shape))),
                )
            }
        }
    }

    /// A new tensor object viewing all of `self` (PyTorch's `alias`, what
    /// `t[...]` gives), recorded as AliasBackward0.
    pub fn alias(&self) -> Result<Tensor> {
        self.shape_op(
            "AliasBackward0",
            || Inverse::Reshape,
            || Ok(self.with_layout(self.layout().clone())),
        )
    }

    pub fn flatten(&self, start: i64, end: i64) -> Result<Tensor> {
        if self.ndim() == 0 {
            return self.reshape(&[1]);
        }
        let (s, e) = (self.dim_index(start)?, self.dim_index(end)?);
        if s > e {
            return Err(Error::Runtime(
                "flatten() has invalid args: start_dim cannot come after end_dim".into(),
            ));
        }
        let mut sizes: Vec<i64> = self.shape()[..s].iter().map(|&d| d as i64).collect();
        sizes.push(self.shape()[s..=e].iter().product::<usize>() as i64);
        sizes.extend(self.shape()[e + 1..].iter().map(|&d| d as i64));
        self.reshape(&sizes)
    }

    /// A view with the dims reordered: dim `i` of the result is `dims[i]` of `self`
    /// (see [`Tensor::transpose`] for an example).
    pub fn permute(&self, dims: &[i64]) -> Result<Tensor> {
        let l = self.layout().permute(dims)?;
        self.shape_op(
            "PermuteBackward0",
            || Inverse::Permute(dims.to_vec()),
            || Ok(self.with_layout(l)),
        )
    }

    /// A view with dims `d0` and `d1` swapped (negative dims count from the end).
    ///
    /// ```
    /// use ferrotorch::{DType, Tensor};
    /// # fn main() -> ferrotorch::Result<()> {
    /// let a = Tensor::arange(0.0, 24.0, 1.0, DType::F32)?.reshape(&[2, 3, 4])?;
    /// let p = a.permute(&[2, 0, 1])?;
    /// assert_eq!(p.shape(), &[4, 2, 3]);
    /// assert_eq!(p.strides(), &[1, 12, 4]);
    /// let tr = a.transpose(0, -1)?;
    /// assert_eq!(tr.shape(), &[4, 3, 2]);
    /// assert_eq!(tr.strides(), &[1, 4, 12]);
    /// assert!(!tr.is_contiguous());
    ///
    /// let m = Tensor::from_vec(vec![1i64, 2, 3, 4, 5, 6], &[2, 3])?;
    /// assert_eq!(m.t()?.to_vec::<i64>()?, [1, 4, 2, 5, 3, 6]);
    /// assert!(a.t().is_err()); // t() needs at most 2 dims
    /// # Ok(())
    /// # }
    /// ```
    pub fn transpose(&self, d0: i64, d1: i64) -> Result<Tensor> {
        let l = self.layout().transpose(d0, d1)?;
        self.shape_op(
            "TransposeBackward0",
            || Inverse::Transpose(d0, d1),
            || Ok(self.with_layout(l)),
        )
    }

    /// `t()`: transpose of a tensor with at most 2 dims.
    pub fn t(&self) -> Result<Tensor> {
        if self.ndim() > 2 {
            return Err(Error::Runtime(format!(
                "t() expects a tensor with <= 2 dimensions, but self is {}D",
                self.ndim()
            )));
        }
        if self.ndim() < 2 {
            return self.shape_op("TBackward0", || Inverse::Identity, || Ok(self.clone_view()));
        }
        let l = self.layout().transpose(0, 1)?;
        self.shape_op(
            "TBackward0",
            || Inverse::Transpose(0, 1),
            || Ok(self.with_layout(l)),
        )
    }

    /// Moves `src` dim to position `dst`.
    pub fn movedim(&self, src: i64, dst: i64) -> Result<Tensor> {
        let n = self.ndim();
        let (s, d) = (self.dim_index(src)?, self.dim_index(dst)?);
        let mut order: Vec<i64> = (0..n as i64).filter(|&i| i as usize != s).collect();
        order.insert(d.min(order.len()), s as i64);
        self.permute(&order)
    }

    fn clone_view(&self) -> Tensor {
        self.with_layout(self.layout().clone())
    }

    /// A view of `length` elements of `dim` starting at `start`.
    ///
    /// ```
    /// use ferrotorch::{DType, ErrorKind, Tensor};
    /// # fn main() -> ferrotorch::Result<()> {
    /// let a = Tensor::arange(0.0, 12.0, 1.0, DType::F32)?.reshape(&[3, 4])?;
    /// let n = a.narrow(1, 1, 2)?; // columns 1 and 2
    /// assert_eq!(n.shape(), &[3, 2]);
    /// assert_eq!(n.to_vec::<f32>()?, [1.0, 2.0, 5.0, 6.0, 9.0, 10.0]);
    ///
    /// let row = a.select(0, -1)?; // the last row; dim 0 is removed
    /// assert_eq!(row.shape(), &[4]);
    /// assert_eq!(row.offset(), 8);
    /// assert_eq!(row.to_vec::<f32>()?, [8.0, 9.0, 10.0, 11.0]);
    /// assert_eq!(a.select(0, 3).err().unwrap().kind(), ErrorKind::Index);
    /// # Ok(())
    /// # }
    /// ```
    pub fn narrow(&self, dim: i64, start: i64, length: i64) -> Result<Tensor> {
        let l = self.layout().narrow(dim, start, length)?;
        self.select_op("SliceBackward0", l, ViewOp::Narrow(dim, start, length))
    }

    /// A view of `start..end` by `step` along dim `d` (basic slicing).
    pub fn slice(
        &self,
        d: usize,
        start: Option<i64>,
        end: Option<i64>,
        step: i64,
    ) -> Result<Tensor> {
        let l = self.layout().slice(d, start, end, step)?;
        self.select_op("SliceBackward0", l, ViewOp::Slice(d, start, end, step))
    }

    /// A view of position `index` (negative counts from the end) along `dim`,
    /// which is removed; see [`Tensor::narrow`] for an example.
    pub fn select(&self, dim: i64, index: i64) -> Result<Tensor> {
        let l = self.layout().select(dim, index)?;
        self.select_op("SelectBackward0", l, ViewOp::Select(dim, index))
    }

    /// A view with a new size-1 dim at position `dim`. [`Tensor::squeeze`] removes
    /// size-1 dims, [`Tensor::expand`] repeats them.
    ///
    /// ```
    /// use ferrotorch::{DType, Tensor};
    /// # fn main() -> ferrotorch::Result<()> {
    /// let a = Tensor::from_vec(vec![1i32, 2, 3], &[3])?;
    /// let col = a.unsqueeze(1)?;
    /// assert_eq!(col.shape(), &[3, 1]);
    /// assert_eq!(a.unsqueeze(-2)?.shape(), &[1, 3]);
    /// assert_eq!(col.squeeze(None)?.shape(), &[3]);
    ///
    /// let z = Tensor::zeros(&[1, 3, 1], DType::F32);
    /// assert_eq!(z.squeeze(Some(&[0]))?.shape(), &[3, 1]);
    /// assert_eq!(z.squeeze(Some(&[1]))?.shape(), &[1, 3, 1]); // size 3: kept
    ///
    /// let e = col.expand(&[-1, 2])?; // stride 0, no copy
    /// assert_eq!(e.strides(), &[1, 0]);
    /// assert_eq!(e.to_vec::<i32>()?, [1, 1, 2, 2, 3, 3]);
    /// assert_eq!(a.expand(&[2, 3])?.to_vec::<i32>()?, [1, 2, 3, 1, 2, 3]);
    /// assert!(a.expand(&[4]).is_err()); // only size-1 dims can grow
    /// # Ok(())
    /// # }
    /// ```
    pub fn unsqueeze(&self, dim: i64) -> Result<Tensor> {
        let l = self.layout().unsqueeze(dim)?;
        self.shape_op(
            "UnsqueezeBackward0",
            || Inverse::Reshape,
            || Ok(self.with_layout(l)),
        )
    }

    /// A view without size-1 dims: all of them (`None`) or those of `dims` that
    /// have size 1; see [`Tensor::unsqueeze`] for an example.
    pub fn squeeze(&self, dims: Option<&[i64]>) -> Result<Tensor> {
        let l = self.layout().squeeze(dims)?;
        let name = match dims {
            None => "SqueezeBackward0",
            Some([_]) => "SqueezeBackward1",
            Some(_) => "SqueezeBackward2",
        };
        self.shape_op(name, || Inverse::Reshape, || Ok(self.with_layout(l)))
    }

    /// A view repeating size-1 dims to `sizes` (`-1` keeps a size; new leading
    /// dims may be added) with stride 0, so nothing is copied; see
    /// [`Tensor::unsqueeze`] for an example.
    pub fn expand(&self, sizes: &[i64]) -> Result<Tensor> {
        let l = self.layout().expand(sizes)?;
        self.shape_op(
            "ExpandBackward0",
            || Inverse::Expand,
            || Ok(self.with_layout(l)),
        )
    }

    /// A view broadcast to `shape` (like [`Tensor::expand`]).
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Tensor> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        let l = self.layout().broadcast_to(shape)?;
        self.shape_op(
            "ExpandBackward0",
            || Inverse::Expand,
            || Ok(self.with_layout(l)),
        )
    }

    /// A view with explicit sizes, strides and storage offset.
    pub fn as_strided(
        &self,
        shape: &[usize],
        strides: &[usize],
        offset: Option<usize>,
    ) -> Result<Tensor> {
        if shape.len() != strides.len() {
            return Err(Error::Runtime(format!(
                "mismatch in length of strides and shape: {} vs {}",
                strides.len(),
                shape.len()
            )));
        }
        let layout = Layout {
            shape: shape.to_vec(),
            strides: strides.to_vec(),
            offset: offset.unwrap_or(self.offset()),
        };
        let out = Tensor::from_storage(self.0.storage.clone(), layout.clone(), self.dtype())?;
        let out = if any_requires_grad(&[self]) {
            crate::autograd::formulas::region::as_strided_of(self, layout, || Ok(out))?
        } else {
            out
        };
        Ok(self.as_view_if_shared(out))
    }

    /// Same storage, no autograd history: `requires_grad` is false.
    pub fn detach(&self) -> Tensor {
        self.clone_view()
    }

    // ---------------------------------------------------------------- copies

    /// This tensor if contiguous, else a contiguous copy.
    ///
    /// See [`Tensor::view`] for an example.
    pub fn contiguous(&self) -> Tensor {
        if self.is_contiguous() {
            return self.clone();
        }
        self.clone_data()
    }

    /// A new contiguous tensor with the same values.
    ///
    /// On the CPU a copy cannot fail; on a GPU it can (out of memory), which
    /// panics with the [`Error`] as payload: see [`Tensor::try_clone_data`].
    pub fn clone_data(&self) -> Tensor {
        // Only device memory can run out here. The error travels as the
        // panic payload so the Python boundary still raises its own type
        // (`OutOfMemoryError`), not a generic internal error.
        self.try_clone_data()
            .unwrap_or_else(|e| std::panic::panic_any(e))
    }

    /// [`Tensor::clone_data`], with device errors (out of memory) returned.
    pub fn try_clone_data(&self) -> Result<Tensor> {
        self.shape_op(
            "CloneBackward0",
            || Inverse::Identity,
            || self.copy_as(self.dtype()),
        )
    }

    fn copy_as(&self, dtype: DType) -> Result<Tensor> {
        if self.device() != Device::Cpu {
            return crate::gpu::elementwise::cast(self, dtype);
        }
        let l = self.layout();
        with_dtype!(self.dtype(), S => {
            let src = self.data::<S>();
            with_dtype!(dtype, D => {
                let v: Vec<D> = elementwise::unary(src, l, |x: S| cast::<S, D>(x));
                Tensor::from_vec(v, self.shape())
            })
        })
    }

    /// Converts to `dtype` (returns `self` when it already has it).
    pub fn to_dtype(&self, dtype: DType) -> Result<Tensor> {
        if dtype == self.dtype() {
            return Ok(self.clone());
        }
        self.shape_op("ToCopyBackward0", || Inverse::Cast, || self.copy_as(dtype))
    }

    /// Writes `src` (broadcast to this shape, converted to this dtype) into this
    /// tensor's storage: `self.copy_(src)`.
    ///
    /// Writing through a view changes every tensor that shares the storage.
    ///
    /// ```
    /// use ferrotorch::{DType, Scalar, Tensor};
    /// # fn main() -> ferrotorch::Result<()> {
    /// let a = Tensor::zeros(&[2, 3], DType::F32);
    /// a.select(0, 1)?.copy_from(&Tensor::from_vec(vec![1i64, 2, 3], &[3])?)?;
    /// assert_eq!(a.to_vec::<f32>()?, [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]);
    /// // The source broadcasts: write 7 into column 0.
    /// a.narrow(1, 0, 1)?.copy_from(&Tensor::scalar(Scalar::Int(7), DType::I32))?;
    /// assert_eq!(a.to_vec::<f32>()?, [7.0, 0.0, 0.0, 7.0, 2.0, 3.0]);
    ///
    /// a.fill(Scalar::Float(0.5))?;
    /// assert_eq!(a.to_vec::<f32>()?, [0.5; 6]);
    /// // Expanded views alias one element several times: refused.
    /// let e = Tensor::zeros(&[1], DType::F32).expand(&[3])?;
    /// assert!(e.fill(Scalar::Int(1)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn copy_from(&self, src: &Tensor) -> Result<()> {
        use crate::autograd::inplace;
        if inplace::must_record(self, &[src]) {
            inplace::check_target(self)?;
            self.copy_raw(src)?;
            return inplace::record_copy(self, src);
        }
        self.check_inplace()?;
        self.copy_raw(src)
    }

    /// `copy_` without autograd: the values of `src` written into `self`.
    pub(crate) fn copy_raw(&self, src: &Tensor) -> Result<()> {
        if !self.storage().writable() {
            return Err(Error::Runtime(
                "cannot write into a read-only tensor".into(),
            ));
        }
        if self
            .layout()
            .strides
            .iter()
            .zip(self.shape())
            .any(|(&s, &d)| s == 0 && d > 1)
        {
            return Err(Error::Runtime(
                "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.".into(),
            ));
        }
        // Checked on `src` as given, before broadcasting (as PyTorch does).
        self.check_no_partial_overlap(src)?;
        // copy_ is PyTorch's transfer between devices: the source moves to
        // this tensor's device first (before broadcasting, so a broadcast
        // source crosses at its own size).
        let moved;
        let src = if src.device() != self.device() {
            let _g = crate::autograd::GradModeGuard::new(false);
            moved = src.to_device(self.device())?;
            &moved
        } else {
            src
        };
        let src = src.broadcast_to(self.shape()).map_err(|_| {
            Error::Runtime(format!(
                "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension",
                fmt_shape(self.shape()),
                fmt_shape(src.shape())
            ))
        })?;
        // Reading and writing the same storage (full or undecidable overlap, or
        // disjoint parts): go through a temporary copy.
        let src = if Arc::ptr_eq(src.storage(), self.storage()) {
            src.clone_data().broadcast_to(self.shape())?
        } else {
            src
        };
        if self.device() != Device::Cpu {
            crate::gpu::elementwise::copy_into(self, &src)?;
            self.storage().bump_version();
            return Ok(());
        }
        let ld = self.layout().clone();
        with_dtype!(src.dtype(), S => {
            with_dtype!(self.dtype(), D => {
                let dst = self.storage().as_mut_ptr::<D>();
                // SAFETY: `ld` is a valid, non-overlapping layout over this storage
                // (checked above) and `src` lives in a different buffer.
                unsafe {
                    elementwise::copy_strided(src.data::<S>(), src.layout(), dst, &ld, |x: S| cast::<S, D>(x))
                }
            })
        });
        self.storage().bump_version();
        Ok(())
    }

    /// PyTorch's refusal of in-place writes into a leaf that requires grad
    /// (or a view of one) while grad mode is on.
    pub(crate) fn check_inplace(&self) -> Result<()> {
        crate::autograd::inplace::check_target(self)
    }

    /// Fills every element with `value` (`fill_`; `FillBackward2` in a graph).
    ///
    /// See [`Tensor::copy_from`] for an example.
    pub fn fill(&self, value: Scalar) -> Result<()> {
        self.fill_named(value, "FillBackward2")
    }

    /// `zero_()` (`ZeroBackward0` in a graph).
    pub fn zero_(&self) -> Result<()> {
        self.fill_named(Scalar::Int(0), "ZeroBackward0")
    }

    fn fill_named(&self, value: Scalar, name: &'static str) -> Result<()> {
        use crate::autograd::inplace;
        let v = Tensor::scalar_on(value, self.dtype(), self.device())?;
        if inplace::must_record(self, &[]) {
            inplace::check_target(self)?;
            self.copy_raw(&v)?;
            // Every element is replaced by a constant: no gradient flows back.
            let pos = crate::autograd::formulas::index::arange_of(self.shape())?;
            return inplace::record_overwrite(name, self, pos, None, false);
        }
        self.copy_from(&v)
    }
}

/// The bytes of a host tensor's whole storage.
pub(crate) fn storage_bytes(t: &Tensor) -> &[u8] {
    with_dtype!(t.dtype(), T => {
        let s = t.data::<T>();
        // SAFETY: plain old data viewed as bytes, same lifetime.
        unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), std::mem::size_of_val(s)) }
    })
}

/// A contiguous host tensor of `shape` and `dtype` holding `bytes`
/// (copied into storage aligned for `dtype`).
pub(crate) fn from_bytes(bytes: Vec<u8>, shape: &[usize], dtype: DType) -> Result<Tensor> {
    with_dtype!(dtype, T => {
        let n = bytes.len() / dtype.size();
        let mut v: Vec<T> = vec![T::default(); n];
        // SAFETY: `v` holds exactly `bytes.len()` bytes; every bit pattern
        // read from a tensor of this dtype is a valid value of it.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), v.as_mut_ptr().cast::<u8>(), bytes.len())
        };
        Tensor::from_vec(v, shape)
    })
}

/// Element conversion with PyTorch's cast semantics.
#[inline(always)]
pub(crate) fn cast<S: Element, D: Element>(x: S) -> D {
    match D::DTYPE.category() {
        crate::Category::Bool => D::from_bool(x.to_bool()),
        crate::Category::Int if !S::DTYPE.is_float() => D::from_i64(x.to_i64()),
        _ => D::from_f64(x.to_f64()),
    }
}
