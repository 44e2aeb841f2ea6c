//! Automatic mixed precision: PyTorch's autocast (`torch.autocast`).
//!
//! Autocast state is per thread and per device type ([`DeviceType::Cpu`],
//! [`DeviceType::Cuda`]): whether it is on, and its lower-precision dtype
//! (`bfloat16` for CPU, `float16` for CUDA by default). Across device types
//! the thread also has the weight-cache switch, the cache itself and the
//! nesting depth that says when the cache is dropped.
//!
//! Each op on one of PyTorch's autocast lists calls [`apply`] at its top with
//! its tensor inputs. When autocast is on for the inputs' device type, the op
//! runs again on what [`apply`] returns, the inputs cast per the op's
//! [`Policy`] on that device type (see [`policy`]), with autocast suspended
//! until it returns, so that the ops it is built from run in the dtypes it
//! chose (PyTorch excludes its autocast dispatch key there the same way).
//! Casts go through [`Tensor::to_dtype`], which autograd records, so
//! gradients flow back to the inputs in their own dtypes.
//!
//! Only floating tensors on the op's device type other than `float64` are
//! cast; integer, bool and `float64` inputs are left as they are.
//!
//! ```
//! use ferrotorch::autocast::{AutocastGuard, DeviceType};
//! use ferrotorch::ops::linalg::matmul;
//! use ferrotorch::{DType, Tensor};
//! # fn main() -> ferrotorch::Result<()> {
//! let a = Tensor::ones(&[2, 3], DType::F32);
//! let b = Tensor::ones(&[3, 4], DType::F32);
//! {
//!     let _ac = AutocastGuard::new(DeviceType::Cpu, None, true, None);
//!     assert_eq!(matmul(&a, &b)?.dtype(), DType::BF16);
//!     assert_eq!(a.add(&a)?.dtype(), DType::F32); // not on a list
//! }
//! assert_eq!(matmul(&a, &b)?.dtype(), DType::F32);
//! # Ok(())
//! # }
//! ```

use crate::{DType, Device, Error, Result, Tensor, TensorImpl};
use std::borrow::Borrow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Weak;

/// The device types autocast keeps state for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceType {
    Cpu,
    Cuda,
}

impl DeviceType {
    pub const ALL: [DeviceType; 2] = [DeviceType::Cpu, DeviceType::Cuda];

    /// The device type of `device`.
    pub fn of(device: Device) -> DeviceType {
        match device {
            Device::Cpu => DeviceType::Cpu,
            Device::Cuda(_) => DeviceType::Cuda,
        }
    }

    /// PyTorch's name: `"cpu"` or `"cuda"`.
    pub fn name(self) -> &'static str {
        match self {
            DeviceType::Cpu => "cpu",
            DeviceType::Cuda => "cuda",
        }
    }

    /// The lower-precision dtype autocast starts with on this device type.
    pub fn default_dtype(self) -> DType {
        match self {
            DeviceType::Cpu => DType::BF16,
            DeviceType::Cuda => DType::F16,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

// Plain cells with `const` init: the check every listed op makes when
// autocast is off is two thread-local loads.
thread_local! {
    static ENABLED: Cell<[bool; 2]> = const { Cell::new([false; 2]) };
    static DTYPES: Cell<[DType; 2]> = const { Cell::new([DType::BF16, DType::F16]) };
    static CACHE_ENABLED: Cell<bool> = const { Cell::new(true) };
    static NESTING: Cell<i64> = const { Cell::new(0) };
    /// How many ops up the stack are running with autocast suspended.
    static SUSPENDED: Cell<u32> = const { Cell::new(0) };
    /// Cast copies of float32 leaves by the address of the leaf's
    /// `TensorImpl`. The weak reference keeps that allocation (so the
    /// address) from being reused by another tensor while the entry lives.
    static CACHE: RefCell<HashMap<usize, (Weak<TensorImpl>, Tensor)>> = RefCell::new(HashMap::new());
}

/// Whether autocast is on for `device` on this thread.
pub fn is_enabled(device: DeviceType) -> bool {
    ENABLED.with(|e| e.get()[device.index()])
}

/// Turns autocast on or off for `device` on this thread
/// (`torch.set_autocast_enabled`).
pub fn set_enabled(device: DeviceType, enabled: bool) {
    ENABLED.with(|e| {
        let mut v = e.get();
        v[device.index()] = enabled;
        e.set(v);
    });
}

/// The lower-precision dtype for `device` on this thread
/// (`torch.get_autocast_dtype`).
pub fn dtype(device: DeviceType) -> DType {
    DTYPES.with(|d| d.get()[device.index()])
}

/// Sets the lower-precision dtype for `device` on this thread. Any dtype is
/// accepted, as by `torch.set_autocast_dtype`; `torch.autocast` is what
/// refuses unsupported ones.
pub fn set_dtype(device: DeviceType, dtype: DType) {
    DTYPES.with(|d| {
        let mut v = d.get();
        v[device.index()] = dtype;
        d.set(v);
    });
}

/// Whether casts of float32 leaves that require grad are cached
/// (`torch.is_autocast_cache_enabled`).
pub fn is_cache_enabled() -> bool {
    CACHE_ENABLED.with(|c| c.get())
}

pub fn set_cache_enabled(enabled: bool) {
    CACHE_ENABLED.with(|c| c.set(enabled));
}

/// Drops the cached casts (`torch.clear_autocast_cache`).
pub fn clear_cache() {
    // Take the map out first: dropping the cached tensors must not run
    // while the cache is borrowed.
    let old = CACHE.with(|c| std::mem::take(&mut *c.borrow_mut()));
    drop(old);
}

/// Counts one more enclosing autocast region; returns the new depth
/// (`torch.autocast_increment_nesting`).
pub fn increment_nesting() -> i64 {
    NESTING.with(|n| {
        n.set(n.get() + 1);
        n.get()
    })
}

/// Counts one autocast region less; returns the new depth. The cache is
/// dropped by whoever sees 0 (`torch.autocast_decrement_nesting`).
pub fn decrement_nesting() -> i64 {
    NESTING.with(|n| {
        n.set(n.get() - 1);
        n.get()
    })
}

/// An autocast region, like `with torch.autocast(device, dtype, enabled,
/// cache_enabled)`: sets the state for its lifetime and restores the
/// previous state on drop, dropping the cache when the outermost region
/// ends. `None` keeps the current dtype or cache setting.
///
/// Unlike the Python class it does not check that the dtype is supported.
///
/// ```
/// use ferrotorch::autocast::{self, AutocastGuard, DeviceType};
/// use ferrotorch::DType;
/// {
///     let _outer = AutocastGuard::new(DeviceType::Cpu, Some(DType::F16), true, None);
///     assert_eq!(autocast::dtype(DeviceType::Cpu), DType::F16);
///     {
///         let _inner = AutocastGuard::new(DeviceType::Cpu, None, false, None);
///         assert!(!autocast::is_enabled(DeviceType::Cpu));
///     }
///     assert!(autocast::is_enabled(DeviceType::Cpu));
/// }
/// assert!(!autocast::is_enabled(DeviceType::Cpu));
/// assert_eq!(autocast::dtype(DeviceType::Cpu), DType::BF16);
/// ```
pub struct AutocastGuard {
    device: DeviceType,
    prev_enabled: bool,
    prev_dtype: DType,
    prev_cache: bool,
    // Thread-local state: the guard must be dropped on its own thread.
    _not_send: PhantomData<*const ()>,
}

impl AutocastGuard {
    pub fn new(
        device: DeviceType,
        dtype: Option<DType>,
        enabled: bool,
        cache_enabled: Option<bool>,
    ) -> AutocastGuard {
        let guard = AutocastGuard {
            device,
            prev_enabled: is_enabled(device),
            prev_dtype: self::dtype(device),
            prev_cache: is_cache_enabled(),
            _not_send: PhantomData,
        };
        set_enabled(device, enabled);
        if let Some(d) = dtype {
            set_dtype(device, d);
        }
        increment_nesting();
        if let Some(c) = cache_enabled {
            set_cache_enabled(c);
        }
        guard
    }
}

impl Drop for AutocastGuard {
    fn drop(&mut self) {
        if decrement_nesting() == 0 {
            clear_cache();
        }
        set_enabled(self.device, self.prev_enabled);
        set_dtype(self.device, self.prev_dtype);
        set_cache_enabled(self.prev_cache);
    }
}

/// Keeps autocast from applying on this thread while it lives: the ops a
/// listed op is built from, and in-place ops (which PyTorch does not
/// autocast), run in the dtypes they are given.
pub struct Suspended {
    _not_send: PhantomData<*const ()>,
}

/// Suspends autocast until the returned guard is dropped.
pub fn suspend() -> Suspended {
    SUSPENDED.with(|s| s.set(s.get() + 1));
    Suspended {
        _not_send: PhantomData,
    }
}

impl Drop for Suspended {
    fn drop(&mut self) {
        SUSPENDED.with(|s| s.set(s.get() - 1));
    }
}

/// How an op's inputs are cast under autocast (PyTorch's `CastPolicy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Floating inputs are cast to the autocast dtype (the matmul family).
    LowerPrecision,
    /// Floating inputs are cast to float32.
    Fp32,
    /// The op computes in float32 through its `dtype` argument when that is
    /// not given and the first input is eligible; inputs are not cast.
    /// (PyTorch's `fp32_set_opt_dtype`, and `fp32_append_dtype` for `norm`.)
    Fp32SetOptDtype,
    /// Floating inputs are cast to the widest floating dtype among them.
    Promote,
}

/// The ops that are on an autocast list of some device type, by PyTorch's
/// names. `Norm` is `linalg.vector_norm` (what `torch.norm` runs), and
/// `Pow` all of `pow`'s forms (tensor or number base or exponent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Mm,
    Bmm,
    Matmul,
    Dot,
    Prod,
    Cat,
    Stack,
    Sum,
    Softmax,
    LogSoftmax,
    Cumsum,
    Cumprod,
    Norm,
    Logsumexp,
    Exp,
    Expm1,
    Log,
    Log1p,
    Reciprocal,
    Rsqrt,
    Tan,
    Pow,
}

impl Op {
    /// The autocast op of an elementwise function, if it is on a list.
    pub fn of_unary(op: crate::ops::UnaryOp) -> Option<Op> {
        use crate::ops::UnaryOp as U;
        Some(match op {
            U::Exp => Op::Exp,
            U::Expm1 => Op::Expm1,
            U::Log => Op::Log,
            U::Log1p => Op::Log1p,
            U::Reciprocal => Op::Reciprocal,
            U::Rsqrt => Op::Rsqrt,
            U::Tan => Op::Tan,
            _ => return None,
        })
    }
}

/// `op`'s policy on `device` (`None`: the op runs in its input dtypes).
///
/// These are PyTorch's lists (`aten/src/ATen/autocast_mode.cpp`) restricted
/// to the ops ferrotorch has. CPU: `mm`, `bmm`, `matmul` in the lower
/// precision, `prod` in float32, `cat` and `stack` promote. CUDA: `mm`,
/// `bmm`, `matmul` in the lower precision; `exp`, `expm1`, `log`, `log1p`,
/// `reciprocal`, `rsqrt`, `tan`, `pow`, `logsumexp` in float32; `sum`,
/// `prod`, `cumsum`, `cumprod`, `softmax`, `log_softmax` and the vector
/// norm in float32 through their `dtype`; `dot` promotes.
pub fn policy(op: Op, device: DeviceType) -> Option<Policy> {
    use Op::*;
    use Policy::*;
    match (device, op) {
        (_, Mm | Bmm | Matmul) => Some(LowerPrecision),
        (DeviceType::Cpu, Prod) => Some(Fp32),
        (DeviceType::Cpu, Cat | Stack) => Some(Promote),
        (DeviceType::Cpu, _) => None,
        (
            DeviceType::Cuda,
            Exp | Expm1 | Log | Log1p | Reciprocal | Rsqrt | Tan | Pow | Logsumexp,
        ) => Some(Fp32),
        (DeviceType::Cuda, Sum | Prod | Cumsum | Cumprod | Softmax | LogSoftmax | Norm) => {
            Some(Fp32SetOptDtype)
        }
        (DeviceType::Cuda, Dot) => Some(Promote),
        (DeviceType::Cuda, Cat | Stack) => None,
    }
}

/// What a listed op runs with under autocast (see [`apply`]). Holding it
/// keeps autocast suspended.
pub struct Cast {
    /// The inputs, cast per the op's policy.
    pub inputs: Vec<Tensor>,
    /// The op's `dtype` argument (set to float32 by [`Policy::Fp32SetOptDtype`]).
    pub dtype: Option<DType>,
    _suspended: Suspended,
}

/// Autocast at the top of op `op` with tensor inputs `inputs` and `dtype`
/// argument `dtype` (`None` for ops without one).
///
/// `Ok(None)` when autocast does not apply: it is off for the inputs' device
/// type (CUDA if any input is on a GPU, else CPU), or suspended because an
/// op further up is running. Otherwise the op should run again on the
/// returned inputs and dtype while holding the [`Cast`], even when `op` has
/// no policy on that device type (the ops it is built from must not be
/// autocast either). Errors as PyTorch's `prioritize` for mixed lower
/// precisions under [`Policy::Promote`].
///
/// ```
/// use ferrotorch::autocast::{apply, AutocastGuard, DeviceType, Op};
/// use ferrotorch::{DType, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let a = Tensor::ones(&[2, 2], DType::F32);
/// let i = Tensor::ones(&[2, 2], DType::I64);
/// assert!(apply(Op::Mm, &[&a, &i], None)?.is_none()); // autocast is off
/// let _ac = AutocastGuard::new(DeviceType::Cpu, None, true, None);
/// let c = apply(Op::Mm, &[&a, &i], None)?.unwrap();
/// assert_eq!(c.inputs[0].dtype(), DType::BF16);
/// assert_eq!(c.inputs[1].dtype(), DType::I64); // only floats are cast
/// // While `c` lives, autocast is suspended.
/// assert!(apply(Op::Mm, &[&a, &a], None)?.is_none());
/// # Ok(())
/// # }
/// ```
pub fn apply<T: Borrow<Tensor>>(
    op: Op,
    inputs: &[T],
    dtype: Option<DType>,
) -> Result<Option<Cast>> {
    if SUSPENDED.with(|s| s.get()) != 0 || ENABLED.with(|e| e.get()) == [false; 2] {
        return Ok(None);
    }
    let device = if inputs
        .iter()
        .any(|t| DeviceType::of(t.borrow().device()) == DeviceType::Cuda)
    {
        DeviceType::Cuda
    } else {
        DeviceType::Cpu
    };
    if !is_enabled(device) {
        return Ok(None);
    }
    let suspended = suspend();
    let on_device = |t: &Tensor| DeviceType::of(t.device()) == device;
    let (inputs, dtype) = cast_for(op, device, inputs, dtype, &on_device)?;
    Ok(Some(Cast {
        inputs,
        dtype,
        _suspended: suspended,
    }))
}

/// The inputs and `dtype` argument of `op` under `device`'s autocast.
/// `on_device` says which inputs live on `device` (only those are cast).
fn cast_for<T: Borrow<Tensor>>(
    op: Op,
    device: DeviceType,
    inputs: &[T],
    dtype: Option<DType>,
    on_device: &dyn Fn(&Tensor) -> bool,
) -> Result<(Vec<Tensor>, Option<DType>)> {
    let lower = self::dtype(device);
    let float = |t: &Tensor| on_device(t) && t.dtype().is_float();
    let eligible = |t: &Tensor| float(t) && t.dtype() != DType::F64;
    let cast_all = |to: DType| -> Result<Vec<Tensor>> {
        inputs
            .iter()
            .map(|t| {
                let t = t.borrow();
                if eligible(t) && t.dtype() != to {
                    cached_cast(to, t, lower)
                } else {
                    Ok(t.clone())
                }
            })
            .collect()
    };
    let unchanged = || inputs.iter().map(|t| t.borrow().clone()).collect();
    Ok(match policy(op, device) {
        Some(Policy::LowerPrecision) => (cast_all(lower)?, dtype),
        Some(Policy::Fp32) => (cast_all(DType::F32)?, dtype),
        Some(Policy::Promote) => {
            let dts = inputs.iter().map(|t| {
                let t = t.borrow();
                float(t).then(|| t.dtype())
            });
            (cast_all(promote_dtype(lower, dts)?)?, dtype)
        }
        Some(Policy::Fp32SetOptDtype) => {
            // Decided by the first input alone, as in PyTorch.
            let first = inputs.first().is_some_and(|t| eligible(t.borrow()));
            let dtype = if first {
                dtype.or(Some(DType::F32))
            } else {
                dtype
            };
            (unchanged(), dtype)
        }
        None => (unchanged(), dtype),
    })
}

/// The dtype a promoting op runs in: starting from the autocast dtype
/// `lower`, float32 wins over it; float64 inputs are ignored (they are not
/// cast). `dtypes` holds each input's dtype if it is a floating tensor on
/// the op's device. Another lower precision than `lower` is PyTorch's error.
fn promote_dtype(lower: DType, dtypes: impl IntoIterator<Item = Option<DType>>) -> Result<DType> {
    let mut current = lower;
    for next in dtypes.into_iter().flatten() {
        if current == DType::F64 {
            return Err(Error::Runtime(
                "promote type is double in at::autocast::prioritize".into(),
            ));
        }
        current = if next == DType::F64 {
            current
        } else if current == DType::F32 || next == DType::F32 {
            DType::F32
        } else if current == lower && next == lower {
            lower
        } else {
            return Err(Error::Runtime(
                "Unexpected floating ScalarType in at::autocast::prioritize".into(),
            ));
        };
    }
    Ok(current)
}

/// `t` (eligible, not of dtype `to`) cast to `to`. Casts of float32
/// leaves that require grad to the autocast dtype `lower` are cached while
/// the cache is on, so that a weight used twice is cast once and both uses
/// share one `ToCopyBackward0`.
fn cached_cast(to: DType, t: &Tensor, lower: DType) -> Result<Tensor> {
    let cacheable = to == lower
        && t.dtype() == DType::F32
        && t.requires_grad()
        && t.is_leaf()
        && crate::autograd::inplace::view_base(t).is_none()
        && is_cache_enabled();
    if !cacheable {
        return t.to_dtype(to);
    }
    let weak = t.downgrade();
    let key = weak.as_ptr() as usize;
    if let Some(hit) = CACHE.with(|c| c.borrow().get(&key).map(|(_, cast)| cast.clone())) {
        return Ok(hit);
    }
    // PyTorch records the cached cast even under no_grad: a later use with
    // grad mode on reads it from the cache and must still reach the leaf.
    let cast = {
        let _grad = crate::autograd::GradModeGuard::new(true);
        t.to_dtype(to)?
    };
    CACHE.with(|c| c.borrow_mut().insert(key, (weak, cast.clone())));
    Ok(cast)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::linalg::mm;
    use crate::ops::reduce::{prod, sum};

    fn mat(dtype: DType) -> Tensor {
        Tensor::arange(0.0, 6.0, 1.0, DType::F32)
            .unwrap()
            .reshape(&[2, 3])
            .unwrap()
            .to_dtype(dtype)
            .unwrap()
    }

    #[test]
    fn state_defaults_guards_and_threads() {
        assert!(!is_enabled(DeviceType::Cpu) && !is_enabled(DeviceType::Cuda));
        assert_eq!(dtype(DeviceType::Cpu), DType::BF16);
        assert_eq!(dtype(DeviceType::Cuda), DType::F16);
        assert!(is_cache_enabled());
        {
            let _g = AutocastGuard::new(DeviceType::Cpu, Some(DType::F16), true, Some(false));
            assert!(is_enabled(DeviceType::Cpu) && !is_enabled(DeviceType::Cuda));
            assert_eq!(dtype(DeviceType::Cpu), DType::F16);
            assert!(!is_cache_enabled());
            // A new thread starts from the defaults.
            let seen = std::thread::spawn(|| (is_enabled(DeviceType::Cpu), dtype(DeviceType::Cpu)))
                .join()
                .unwrap();
            assert_eq!(seen, (false, DType::BF16));
            {
                let _off = AutocastGuard::new(DeviceType::Cpu, None, false, None);
                assert!(!is_enabled(DeviceType::Cpu));
                assert_eq!(increment_nesting(), 3);
                assert_eq!(decrement_nesting(), 2);
            }
            assert!(is_enabled(DeviceType::Cpu));
        }
        assert!(!is_enabled(DeviceType::Cpu));
        assert_eq!(dtype(DeviceType::Cpu), DType::BF16);
        assert!(is_cache_enabled());
        assert_eq!(increment_nesting(), 1);
        assert_eq!(decrement_nesting(), 0);
    }

    #[test]
    fn lower_precision_policy_casts_and_gradients_come_back_in_float32() {
        let a = mat(DType::F32);
        let w = mat(DType::F32).t().unwrap().contiguous();
        w.set_requires_grad(true).unwrap();
        let _g = AutocastGuard::new(DeviceType::Cpu, None, true, None);
        let y = mm(&a, &w).unwrap();
        assert_eq!(y.dtype(), DType::BF16);
        // Exact in bfloat16: rows [0, 1, 2] and [3, 4, 5] against themselves.
        assert_eq!(y.to_vec::<f32>().unwrap(), [5.0, 14.0, 14.0, 50.0]);
        // The weight cast is cached: a second use shares it.
        let y2 = mm(&a, &w).unwrap();
        let total = sum(&y.add(&y2).unwrap(), &[], false, None).unwrap();
        total.backward(None, false, false).unwrap();
        let g = w.grad().unwrap();
        assert_eq!(g.dtype(), DType::F32);
        // d/dw sum(a @ w) twice: column sums of a, doubled, in every column.
        assert_eq!(
            g.to_vec::<f32>().unwrap(),
            [6.0, 6.0, 10.0, 10.0, 14.0, 14.0]
        );
        // Integer and float64 inputs are not cast (and float64 errors as in PyTorch).
        let e = mm(&a, &mat(DType::F64).t().unwrap()).unwrap_err();
        assert!(e.to_string().contains("c10::BFloat16 != double"), "{e}");
    }

    #[test]
    fn other_policies() {
        let _g = AutocastGuard::new(DeviceType::Cpu, None, true, None);
        // prod runs in float32 on CPU; sum is on no CPU list.
        assert_eq!(
            prod(&mat(DType::BF16), None, false, None).unwrap().dtype(),
            DType::F32
        );
        assert_eq!(
            prod(&mat(DType::I64), None, false, None).unwrap().dtype(),
            DType::I64
        );
        assert_eq!(
            sum(&mat(DType::BF16), &[], false, None).unwrap().dtype(),
            DType::BF16
        );
        // cat promotes; a lower precision other than the autocast dtype is an error.
        let c = crate::ops::shape::cat(&[mat(DType::BF16), mat(DType::F32)], 0).unwrap();
        assert_eq!(c.dtype(), DType::F32);
        let e = crate::ops::shape::cat(&[mat(DType::F16), mat(DType::F32)], 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Unexpected floating ScalarType in at::autocast::prioritize"
        );
    }

    #[test]
    fn cuda_policies() {
        // No tensor lives on a GPU yet: the casts are planned with the
        // inputs taken to be on one (or, for the last case, not).
        use DType::*;
        let gpu = |_: &Tensor| true;
        let plan = |op, inputs: &[Tensor], dtype| {
            let (t, d) = cast_for(op, DeviceType::Cuda, inputs, dtype, &gpu).unwrap();
            (t.iter().map(|t| t.dtype()).collect::<Vec<_>>(), d)
        };
        assert_eq!(
            plan(Op::Mm, &[mat(F32), mat(BF16)], None),
            (vec![F16, F16], None)
        );
        assert_eq!(
            plan(Op::Mm, &[mat(F64), mat(I64)], None),
            (vec![F64, I64], None)
        );
        assert_eq!(plan(Op::Exp, &[mat(F16)], None), (vec![F32], None));
        assert_eq!(
            plan(Op::Pow, &[mat(BF16), mat(F16)], None),
            (vec![F32, F32], None)
        );
        assert_eq!(plan(Op::Sum, &[mat(F16)], None), (vec![F16], Some(F32)));
        assert_eq!(
            plan(Op::Sum, &[mat(F16)], Some(F64)),
            (vec![F16], Some(F64))
        );
        assert_eq!(plan(Op::Softmax, &[mat(F64)], None), (vec![F64], None));
        assert_eq!(plan(Op::Cumsum, &[mat(I64)], None), (vec![I64], None));
        assert_eq!(
            plan(Op::Dot, &[mat(F16), mat(F32)], None),
            (vec![F32, F32], None)
        );
        assert_eq!(
            plan(Op::Dot, &[mat(F16), mat(F16)], None),
            (vec![F16, F16], None)
        );
        assert_eq!(
            plan(Op::Cat, &[mat(F16), mat(F32)], None),
            (vec![F16, F32], None)
        );
        let cpu = |_: &Tensor| false;
        let (t, _) = cast_for(Op::Exp, DeviceType::Cuda, &[mat(F16)], None, &cpu).unwrap();
        assert_eq!(t[0].dtype(), F16);
    }

    #[test]
    fn promotion_rule() {
        use DType::*;
        assert_eq!(promote_dtype(BF16, [Some(BF16), Some(BF16)]).unwrap(), BF16);
        assert_eq!(promote_dtype(BF16, [Some(BF16), Some(F32)]).unwrap(), F32);
        assert_eq!(
            promote_dtype(F16, [Some(F64), None, Some(F16)]).unwrap(),
            F16
        );
        assert_eq!(promote_dtype(F16, [Some(F32), Some(BF16)]).unwrap(), F32);
        assert!(promote_dtype(F16, [Some(BF16), Some(F32)]).is_err());
        assert!(promote_dtype(F64, [Some(F32)]).is_err());
    }

    #[test]
    fn policy_table() {
        use DeviceType::*;
        assert_eq!(policy(Op::Matmul, Cpu), Some(Policy::LowerPrecision));
        assert_eq!(policy(Op::Matmul, Cuda), Some(Policy::LowerPrecision));
        assert_eq!(policy(Op::Exp, Cpu), None);
        assert_eq!(policy(Op::Exp, Cuda), Some(Policy::Fp32));
        assert_eq!(policy(Op::Sum, Cuda), Some(Policy::Fp32SetOptDtype));
        assert_eq!(policy(Op::Prod, Cpu), Some(Policy::Fp32));
        assert_eq!(policy(Op::Dot, Cpu), None);
        assert_eq!(policy(Op::Dot, Cuda), Some(Policy::Promote));
        assert_eq!(policy(Op::Cat, Cuda), None);
    }
}
