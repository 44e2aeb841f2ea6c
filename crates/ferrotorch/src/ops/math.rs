//! Elementwise math: unary functions, binary arithmetic and comparisons with
//! broadcasting and PyTorch's type promotion, `where`, `clamp`, in-place forms.

use super::real::{Arith, Real};
use crate::{DType, Device, Element, Error, Result, ResultType, Scalar, Tensor};
use ferrotorch_core::broadcast_shapes;
use ferrotorch_cpu::elementwise;

/// A binary op's right-hand side (or either side): a tensor or a Python scalar.
#[derive(Clone, Copy)]
pub enum Operand<'a> {
    Tensor(&'a Tensor),
    Scalar(Scalar),
}

impl<'a> From<&'a Tensor> for Operand<'a> {
    fn from(t: &'a Tensor) -> Self {
        Operand::Tensor(t)
    }
}
impl From<Scalar> for Operand<'_> {
    fn from(s: Scalar) -> Self {
        Operand::Scalar(s)
    }
}
impl From<f64> for Operand<'_> {
    fn from(v: f64) -> Self {
        Operand::Scalar(Scalar::Float(v))
    }
}

impl<'a> Operand<'a> {
    fn add_to(self, rt: ResultType) -> ResultType {
        match self {
            Operand::Tensor(t) => rt.tensor(t.dtype(), t.ndim()),
            Operand::Scalar(s) => rt.scalar(s.category()),
        }
    }
    /// As a tensor of `dtype` on `device` (scalars become 0-d tensors; a CPU
    /// 0-d tensor used with CUDA tensors moves to their device).
    fn tensor_as(self, dtype: DType, device: Device) -> Result<Tensor> {
        match self {
            Operand::Tensor(t) => t.to_dtype(dtype)?.to_device(device),
            Operand::Scalar(s) => Tensor::scalar_on(s, dtype, device),
        }
    }
    fn shape(&self) -> &[usize] {
        match self {
            Operand::Tensor(t) => t.shape(),
            Operand::Scalar(_) => &[],
        }
    }
    fn requires_grad(&self) -> bool {
        matches!(self, Operand::Tensor(t) if t.requires_grad())
    }
    fn tensor(&self) -> Option<&'a Tensor> {
        match *self {
            Operand::Tensor(t) => Some(t),
            Operand::Scalar(_) => None,
        }
    }
}

/// The device an op over `ops` runs on (see [`crate::common_device`]).
fn operands_device(ops: &[Operand]) -> Result<Device> {
    let tensors: Vec<&Tensor> = ops.iter().filter_map(|o| o.tensor()).collect();
    crate::common_device(&tensors)
}

/// `torch.result_type` of a list of operands.
pub fn result_type(ops: &[Operand]) -> DType {
    ops.iter()
        .fold(ResultType::new(), |rt, o| o.add_to(rt))
        .finish()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Rem,
    Pow,
    Maximum,
    Minimum,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LogicalAnd,
    LogicalOr,
    LogicalXor,
    /// C-style remainder (sign of the dividend).
    Fmod,
    BitAnd,
    BitOr,
    BitXor,
}

impl BinaryOp {
    /// The CUDA kernel family's name for this op.
    fn kernel_name(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            FloorDiv => "floor_divide",
            Rem => "remainder",
            Pow => "pow",
            Maximum => "maximum",
            Minimum => "minimum",
            Eq => "eq",
            Ne => "ne",
            Lt => "lt",
            Le => "le",
            Gt => "gt",
            Ge => "ge",
            LogicalAnd => "logical_and",
            LogicalOr => "logical_or",
            LogicalXor => "logical_xor",
            Fmod => "fmod",
            BitAnd => "bitwise_and",
            BitOr => "bitwise_or",
            BitXor => "bitwise_xor",
        }
    }

    fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(
            self,
            Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr | LogicalXor
        )
    }
}

/// The dtype the kernel computes in and the dtype of the result.
fn binary_dtypes(op: BinaryOp, a: Operand, b: Operand) -> Result<(DType, DType)> {
    let common = result_type(&[a, b]);
    Ok(match op {
        BinaryOp::Div if common.is_integral() => (DType::F32, DType::F32),
        BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::LogicalXor => (DType::Bool, DType::Bool),
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor if common.is_float() => {
            return Err(Error::Runtime(format!(
                "\"bitwise_cpu\" not implemented for '{}'",
                common.scalar_type_name()
            )))
        }
        _ if op.is_comparison() => (common, DType::Bool),
        BinaryOp::Sub if common == DType::Bool => {
            return Err(Error::Runtime(
                "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.".into(),
            ))
        }
        _ => (common, common),
    })
}

/// Applies a binary op with broadcasting and type promotion.
///
/// Shapes broadcast as in NumPy. The result dtype follows PyTorch's promotion
/// ([`result_type`]): a Python scalar only raises the category (bool < int <
/// float), so `int32 * 0.5` is `float32`; integer `Div` is true division in
/// `float32`; comparisons give `bool`.
///
/// ```
/// use ferrotorch::ops::math::{binary, BinaryOp};
/// use ferrotorch::{DType, Scalar, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let a = Tensor::from_vec(vec![1i32, 2, 3], &[3])?;
/// let b = Tensor::from_vec(vec![10i32, 20], &[2, 1])?;
/// let s = binary(&a, &b, BinaryOp::Add)?; // [3] + [2, 1] -> [2, 3]
/// assert_eq!(s.shape(), &[2, 3]);
/// assert_eq!(s.dtype(), DType::I32);
/// assert_eq!(s.to_vec::<i32>()?, [11, 12, 13, 21, 22, 23]);
///
/// // int32 tensor * float scalar -> float32; an int scalar keeps int32.
/// let h = binary(&a, 0.5, BinaryOp::Mul)?;
/// assert_eq!(h.dtype(), DType::F32);
/// assert_eq!(h.to_vec::<f32>()?, [0.5, 1.0, 1.5]);
/// assert_eq!(binary(&a, Scalar::Int(2), BinaryOp::Mul)?.dtype(), DType::I32);
/// // Between tensors of one category the wider dtype wins.
/// let d = Tensor::from_vec(vec![1.0f64], &[1])?;
/// assert_eq!(binary(&h, &d, BinaryOp::Add)?.dtype(), DType::F64);
///
/// let q = binary(&a, Scalar::Int(2), BinaryOp::Div)?;
/// assert_eq!(q.to_vec::<f32>()?, [0.5, 1.0, 1.5]);
/// let ge = binary(&a, Scalar::Int(2), BinaryOp::Ge)?;
/// assert_eq!(ge.to_vec::<bool>()?, [false, true, true]);
/// assert!(binary(&a, &Tensor::zeros(&[2], DType::I32), BinaryOp::Add).is_err());
/// # Ok(())
/// # }
/// ```
pub fn binary<'a>(
    a: impl Into<Operand<'a>>,
    b: impl Into<Operand<'a>>,
    op: BinaryOp,
) -> Result<Tensor> {
    let (a, b) = (a.into(), b.into());
    if op == BinaryOp::Pow {
        let tensors: Vec<&Tensor> = [a, b].iter().filter_map(Operand::tensor).collect();
        if let Some(c) = crate::autocast::apply(crate::autocast::Op::Pow, &tensors, None)? {
            // The cast tensors in place of the tensor operands.
            let (a, b) = match (a, b, &c.inputs[..]) {
                (_, _, [x, y]) => (Operand::Tensor(x), Operand::Tensor(y)),
                (Operand::Tensor(_), s, [x]) => (Operand::Tensor(x), s),
                (s, _, [y]) => (s, Operand::Tensor(y)),
                _ => (a, b),
            };
            return binary(a, b, op);
        }
    }
    if (a.requires_grad() || b.requires_grad()) && crate::autograd::is_grad_enabled() {
        return crate::autograd::formulas::elementwise::binary(a, b, op);
    }
    binary_forward(a, b, op)
}

/// `other - x` (PyTorch's `rsub(x, other)`): like `binary(other, x, Sub)`,
/// recorded as `RsubBackward0` (x first) when `other` is a tensor and as
/// `RsubBackward1` when it is a number.
pub fn rsub<'a>(x: &'a Tensor, other: impl Into<Operand<'a>>) -> Result<Tensor> {
    let other = other.into();
    let x = Operand::Tensor(x);
    if (x.requires_grad() || other.requires_grad()) && crate::autograd::is_grad_enabled() {
        return crate::autograd::formulas::elementwise::binary_as(other, x, BinaryOp::Sub, true);
    }
    binary_forward(other, x, BinaryOp::Sub)
}

pub use crate::autograd::formulas::select::ClampKind;

/// [`binary`] without autograd.
// The comparison closures are generic over every dtype, bool included.
#[allow(clippy::bool_comparison)]
pub(crate) fn binary_forward(a: Operand, b: Operand, op: BinaryOp) -> Result<Tensor> {
    let (compute, out_dtype) = binary_dtypes(op, a, b)?;
    let shape = broadcast_shapes(a.shape(), b.shape())?;
    let device = operands_device(&[a, b])?;
    let ta = a.tensor_as(compute, device)?;
    let tb = b.tensor_as(compute, device)?;
    check_binary_values(op, compute, &tb)?;
    let la = ta.layout().broadcast_to(&shape)?;
    let lb = tb.layout().broadcast_to(&shape)?;
    if device != Device::Cpu {
        let kernel_out = if op.is_comparison() {
            DType::Bool
        } else {
            compute
        };
        return crate::gpu::elementwise::binary(
            op.kernel_name(),
            &ta,
            &la,
            &tb,
            &lb,
            &shape,
            kernel_out,
        )?
        .to_dtype(out_dtype);
    }
    macro_rules! run {
        ($T:ty, $U:ty, $f:expr) => {{
            let v: Vec<$U> = elementwise::binary(ta.data::<$T>(), &la, tb.data::<$T>(), &lb, $f);
            Tensor::from_vec(v, &shape)
        }};
    }
    use BinaryOp::*;
    with_dtype!(compute, T => {
        match op {
            Add => run!(T, T, |x: T, y: T| Arith::add(x, y)),
            Sub => run!(T, T, |x: T, y: T| Arith::sub(x, y)),
            Mul => run!(T, T, |x: T, y: T| Arith::mul(x, y)),
            Div => run!(T, T, |x: T, y: T| Arith::div(x, y)),
            FloorDiv => run!(T, T, |x: T, y: T| Arith::floor_div(x, y)),
            Rem => run!(T, T, |x: T, y: T| Arith::rem(x, y)),
            Pow => run!(T, T, |x: T, y: T| Arith::pow(x, y)),
            Maximum => run!(T, T, |x: T, y: T| Arith::maximum(x, y)),
            Minimum => run!(T, T, |x: T, y: T| Arith::minimum(x, y)),
            Eq => run!(T, bool, |x: T, y: T| x == y),
            Ne => run!(T, bool, |x: T, y: T| x != y),
            Lt => run!(T, bool, |x: T, y: T| x < y),
            Le => run!(T, bool, |x: T, y: T| x <= y),
            Gt => run!(T, bool, |x: T, y: T| x > y),
            Ge => run!(T, bool, |x: T, y: T| x >= y),
            LogicalAnd => run!(T, bool, |x: T, y: T| crate::Element::to_bool(x) && crate::Element::to_bool(y)),
            LogicalOr => run!(T, bool, |x: T, y: T| crate::Element::to_bool(x) || crate::Element::to_bool(y)),
            LogicalXor => run!(T, bool, |x: T, y: T| crate::Element::to_bool(x) ^ crate::Element::to_bool(y)),
            Fmod => run!(T, T, |x: T, y: T| Arith::fmod(x, y)),
            BitAnd => run!(T, T, |x: T, y: T| bits(x, y, |a, b| a & b)),
            BitOr => run!(T, T, |x: T, y: T| bits(x, y, |a, b| a | b)),
            BitXor => run!(T, T, |x: T, y: T| bits(x, y, |a, b| a ^ b)),
        }
    })
    .and_then(|t| t.to_dtype(out_dtype))
}

/// Bitwise op on integer (or bool) values through i64, exact for every int dtype.
#[inline(always)]
fn bits<T: crate::Element>(x: T, y: T, f: impl Fn(i64, i64) -> i64) -> T {
    T::from_i64(f(x.to_i64(), y.to_i64()))
}

/// Integer division by zero and negative integer powers are errors in PyTorch.
fn check_binary_values(op: BinaryOp, dtype: DType, rhs: &Tensor) -> Result<()> {
    if dtype.is_float() || dtype == DType::Bool {
        return Ok(());
    }
    let on_device = rhs.device() != Device::Cpu;
    match op {
        BinaryOp::FloorDiv | BinaryOp::Rem | BinaryOp::Fmod
            if if on_device {
                any_on_device(rhs, BinaryOp::Eq)?
            } else {
                any_value(rhs, |v| v == 0)?
            } =>
        {
            return Err(Error::Runtime("ZeroDivisionError".into()));
        }
        BinaryOp::Pow
            if if on_device {
                any_on_device(rhs, BinaryOp::Lt)?
            } else {
                any_value(rhs, |v| v < 0)?
            } =>
        {
            return Err(Error::Runtime(
                "Integers to negative integer powers are not allowed.".into(),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Whether any element compares true with 0 by `cmp`, reduced on the
/// device so only the answer comes back.
fn any_on_device(t: &Tensor, cmp: BinaryOp) -> Result<bool> {
    let hits = binary_forward(Operand::Tensor(t), Operand::Scalar(Scalar::Int(0)), cmp)?;
    Ok(crate::ops::reduce::all_any(&hits, &[], false, true)?
        .item()?
        .to_f64()
        != 0.0)
}

fn any_value(t: &Tensor, pred: impl Fn(i64) -> bool + Sync) -> Result<bool> {
    let v: Vec<i64> = t.to_vec()?;
    Ok(v.into_iter().any(pred))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Abs,
    Sign,
    Relu,
    Floor,
    Ceil,
    Round,
    Trunc,
    Sqrt,
    Rsqrt,
    Exp,
    Log,
    Log1p,
    Expm1,
    Sin,
    Cos,
    Tan,
    Tanh,
    Sigmoid,
    Reciprocal,
    LogicalNot,
    /// `~x`: bitwise not of integers, logical not of bools.
    BitwiseNot,
}

impl UnaryOp {
    /// The CUDA kernel family's name for this op.
    fn kernel_name(self) -> &'static str {
        use UnaryOp::*;
        match self {
            Neg => "neg",
            Abs => "abs",
            Sign => "sign",
            Relu => "relu",
            Floor => "floor",
            Ceil => "ceil",
            Round => "round",
            Trunc => "trunc",
            Sqrt => "sqrt",
            Rsqrt => "rsqrt",
            Exp => "exp",
            Log => "log",
            Log1p => "log1p",
            Expm1 => "expm1",
            Sin => "sin",
            Cos => "cos",
            Tan => "tan",
            Tanh => "tanh",
            Sigmoid => "sigmoid",
            Reciprocal => "reciprocal",
            LogicalNot => "logical_not",
            BitwiseNot => "bitwise_not",
        }
    }

    /// Ops that keep integer dtypes (the rest promote integers to float32).
    fn keeps_integers(self) -> bool {
        use UnaryOp::*;
        matches!(self, Neg | Abs | Sign | Relu | Floor | Ceil | Round | Trunc)
    }
}

/// Applies an elementwise function.
///
/// `Neg`, `Abs`, `Sign`, `Relu` and the rounding ops keep integer dtypes; the
/// other functions compute integers in `float32`.
///
/// ```
/// use ferrotorch::ops::math::{unary, UnaryOp};
/// use ferrotorch::{DType, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let i = Tensor::from_vec(vec![-4i64, 0, 9], &[3])?;
/// let abs = unary(&i, UnaryOp::Abs)?;
/// assert_eq!(abs.to_vec::<i64>()?, [4, 0, 9]);
/// let r = unary(&abs, UnaryOp::Sqrt)?;
/// assert_eq!(r.dtype(), DType::F32);
/// assert_eq!(r.to_vec::<f32>()?, [2.0, 0.0, 3.0]);
///
/// let x = Tensor::from_vec(vec![-1.0f64, 0.0, 2.0], &[3])?;
/// assert_eq!(unary(&x, UnaryOp::Relu)?.to_vec::<f64>()?, [0.0, 0.0, 2.0]);
/// assert_eq!(unary(&x, UnaryOp::Exp)?.to_vec::<f64>()?[1], 1.0);
/// assert!(unary(&x, UnaryOp::BitwiseNot).is_err()); // floats have no `~`
/// # Ok(())
/// # }
/// ```
pub fn unary(x: &Tensor, op: UnaryOp) -> Result<Tensor> {
    if let Some(aop) = crate::autocast::Op::of_unary(op) {
        if let Some(c) = crate::autocast::apply(aop, &[x], None)? {
            return unary(&c.inputs[0], op);
        }
    }
    if crate::autograd::any_requires_grad(&[x]) {
        return crate::autograd::formulas::elementwise::unary(x, op);
    }
    unary_forward(x, op)
}

/// [`unary`] without autograd.
pub(crate) fn unary_forward(x: &Tensor, op: UnaryOp) -> Result<Tensor> {
    use UnaryOp::*;
    let dt = x.dtype();
    if x.device() != Device::Cpu {
        return unary_cuda(x, op);
    }
    if op == BitwiseNot {
        if dt.is_float() {
            return Err(Error::Type(
                "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
                    .into(),
            ));
        }
        return with_dtype!(dt, T => {
            let v: Vec<T> = elementwise::unary(x.data::<T>(), x.layout(), |a: T| {
                if T::DTYPE == DType::Bool { T::from_bool(!a.to_bool()) } else { T::from_i64(!a.to_i64()) }
            });
            Tensor::from_vec(v, x.shape())
        });
    }
    if op == LogicalNot {
        return with_dtype!(dt, T => {
            let v: Vec<bool> = elementwise::unary(x.data::<T>(), x.layout(), |a: T| !crate::Element::to_bool(a));
            Tensor::from_vec(v, x.shape())
        });
    }
    if op == Neg && dt == DType::Bool {
        return Err(Error::Runtime(
            "Negation, the `-` operator, on a bool tensor is not allowed. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.".into(),
        ));
    }
    if op.keeps_integers() && dt.is_integral() {
        macro_rules! run {
            ($f:expr) => {
                with_dtype!(dt, T => {
                    let v: Vec<T> = elementwise::unary(x.data::<T>(), x.layout(), $f);
                    Tensor::from_vec(v, x.shape())
                })
            };
        }
        return match op {
            Neg => run!(|a: T| Arith::neg(a)),
            Abs => run!(|a: T| Arith::abs(a)),
            Sign => run!(|a: T| Arith::sign(a)),
            Relu => run!(|a: T| Arith::maximum(a, T::default())),
            _ => Ok(x.clone_data()),
        };
    }
    let x = x.to_dtype(dt.to_float())?;
    let dt = x.dtype();
    macro_rules! run {
        ($T:ty, $f:expr) => {{
            let v: Vec<$T> = elementwise::unary(x.data::<$T>(), x.layout(), $f);
            Tensor::from_vec(v, x.shape())
        }};
    }
    with_float_dtype!(dt, T => match op {
        Neg => run!(T, |a: T| Arith::neg(a)),
        Abs => run!(T, |a: T| Arith::abs(a)),
        Sign => run!(T, |a: T| Arith::sign(a)),
        Relu => run!(T, |a: T| if a.is_nan() { a } else { Arith::maximum(a, T::default()) }),
        Floor => run!(T, |a: T| a.floor()),
        Ceil => run!(T, |a: T| a.ceil()),
        Round => run!(T, |a: T| Real::round(a)),
        Trunc => run!(T, |a: T| a.trunc()),
        Sqrt => run!(T, |a: T| Real::sqrt(a)),
        Rsqrt => run!(T, |a: T| a.rsqrt()),
        Exp => run!(T, |a: T| Real::exp(a)),
        Log => run!(T, |a: T| a.ln()),
        Log1p => run!(T, |a: T| a.ln_1p()),
        Expm1 => run!(T, |a: T| a.exp_m1()),
        Sin => run!(T, |a: T| Real::sin(a)),
        Cos => run!(T, |a: T| Real::cos(a)),
        Tan => run!(T, |a: T| Real::tan(a)),
        Tanh => run!(T, |a: T| Real::tanh(a)),
        Sigmoid => run!(T, |a: T| a.sigmoid()),
        Reciprocal => run!(T, |a: T| a.recip()),
        LogicalNot | BitwiseNot => unreachable!(),
    }, unreachable!())
}

/// [`unary_forward`] on a CUDA tensor: the same dtype rules, the kernels of
/// the CUDA backend.
fn unary_cuda(x: &Tensor, op: UnaryOp) -> Result<Tensor> {
    use crate::gpu::elementwise::unary as k;
    use UnaryOp::*;
    let dt = x.dtype();
    match op {
        BitwiseNot if dt.is_float() => {
            return Err(Error::Type(
                "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
                    .into(),
            ))
        }
        BitwiseNot | LogicalNot if dt == DType::Bool => return k("logical_not", x, DType::Bool),
        BitwiseNot => return k("bitwise_not", x, dt),
        LogicalNot => return k("logical_not", x, DType::Bool),
        Neg if dt == DType::Bool => {
            return Err(Error::Runtime(
                "Negation, the `-` operator, on a bool tensor is not allowed. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.".into(),
            ))
        }
        _ => {}
    }
    if op.keeps_integers() && dt.is_integral() {
        return match op {
            Neg | Abs | Sign | Relu if dt != DType::Bool => k(op.kernel_name(), x, dt),
            // bool abs/sign/relu and integer rounding are the identity.
            _ => x.try_clone_data(),
        };
    }
    let x = x.to_dtype(dt.to_float())?;
    k(op.kernel_name(), &x, x.dtype())
}

/// `torch.where(cond, a, b)`.
///
/// Picks `a` where `cond` (bool or uint8) is true and `b` elsewhere; all three
/// broadcast, and `a`/`b` promote like [`binary`] operands.
///
/// ```
/// use ferrotorch::ops::math::where_;
/// use ferrotorch::{DType, Scalar, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let cond = Tensor::from_vec(vec![true, false, true], &[3])?;
/// let x = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], &[3])?;
/// assert_eq!(where_(&cond, &x, 0.0)?.to_vec::<f32>()?, [1.0, 0.0, 3.0]);
///
/// let rows = Tensor::from_vec(vec![true, false], &[2, 1])?;
/// let ints = Tensor::from_vec(vec![1i64, 2, 3], &[3])?;
/// let w = where_(&rows, &ints, Scalar::Float(-1.0))?;
/// assert_eq!((w.shape(), w.dtype()), (&[2, 3][..], DType::F32));
/// assert_eq!(w.to_vec::<f32>()?, [1.0, 2.0, 3.0, -1.0, -1.0, -1.0]);
/// assert!(where_(&x, &x, &x).is_err()); // float condition
/// # Ok(())
/// # }
/// ```
pub fn where_<'a>(
    cond: &Tensor,
    a: impl Into<Operand<'a>>,
    b: impl Into<Operand<'a>>,
) -> Result<Tensor> {
    let (a, b) = (a.into(), b.into());
    let grad_in = [a, b]
        .iter()
        .any(|o| matches!(o, Operand::Tensor(t) if t.requires_grad()));
    if grad_in && crate::autograd::is_grad_enabled() {
        return crate::autograd::formulas::select::where_recorded(cond, a, b, || {
            where_forward(cond, a, b)
        });
    }
    where_forward(cond, a, b)
}

fn where_forward(cond: &Tensor, a: Operand, b: Operand) -> Result<Tensor> {
    if cond.dtype() != DType::Bool && cond.dtype() != DType::U8 {
        return Err(Error::Runtime(format!(
            "where expected condition to be a boolean tensor, but got a tensor with dtype {}",
            cond.dtype().scalar_type_name()
        )));
    }
    let dtype = result_type(&[a, b]);
    let shape = broadcast_shapes(&broadcast_shapes(cond.shape(), a.shape())?, b.shape())?;
    let device = operands_device(&[Operand::Tensor(cond), a, b])?;
    let c = cond.to_dtype(DType::Bool)?.to_device(device)?;
    let (ta, tb) = (a.tensor_as(dtype, device)?, b.tensor_as(dtype, device)?);
    let (lc, la, lb) = (
        c.layout().broadcast_to(&shape)?,
        ta.layout().broadcast_to(&shape)?,
        tb.layout().broadcast_to(&shape)?,
    );
    if device != Device::Cpu {
        return crate::gpu::elementwise::where_(&c, &lc, &ta, &la, &tb, &lb, &shape);
    }
    with_dtype!(dtype, T => {
        let v: Vec<T> = elementwise::ternary(c.data::<bool>(), &lc, ta.data::<T>(), &la, tb.data::<T>(), &lb, |c: bool, x: T, y: T| if c { x } else { y });
        Tensor::from_vec(v, &shape)
    })
}

/// `clamp(x, min, max)`; either bound may be absent. NaN in `x` propagates.
///
/// ```
/// use ferrotorch::ops::math::{clamp, Operand};
/// use ferrotorch::{Scalar, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let x = Tensor::from_vec(vec![-2.0f32, 0.5, 3.0, f32::NAN], &[4])?;
/// let v = clamp(&x, Some(0.0.into()), Some(1.0.into()))?.to_vec::<f32>()?;
/// assert_eq!(&v[..3], [0.0, 0.5, 1.0]);
/// assert!(v[3].is_nan());
///
/// let i = Tensor::from_vec(vec![1i64, 5, 9], &[3])?;
/// let hi = Operand::Scalar(Scalar::Int(6));
/// assert_eq!(clamp(&i, None, Some(hi))?.to_vec::<i64>()?, [1, 5, 6]);
/// assert!(clamp(&i, None, None).is_err());
/// # Ok(())
/// # }
/// ```
pub fn clamp<'a>(x: &Tensor, min: Option<Operand<'a>>, max: Option<Operand<'a>>) -> Result<Tensor> {
    clamp_as(x, min, max, ClampKind::Both)
}

/// `clamp`, recorded under the node names of `clamp_min`/`clamp_max` when
/// `kind` says the call was one of those.
pub fn clamp_as<'a>(
    x: &Tensor,
    min: Option<Operand<'a>>,
    max: Option<Operand<'a>>,
    kind: ClampKind,
) -> Result<Tensor> {
    if min.is_none() && max.is_none() {
        return Err(Error::Runtime(
            "torch.clamp: At least one of 'min' or 'max' must not be None".into(),
        ));
    }
    let grad_in = x.requires_grad()
        || [min, max]
            .iter()
            .any(|o| matches!(o, Some(Operand::Tensor(t)) if t.requires_grad()));
    if grad_in && crate::autograd::is_grad_enabled() {
        return crate::autograd::formulas::select::clamp_recorded(x, min, max, kind, || {
            clamp_forward(x, min, max)
        });
    }
    clamp_forward(x, min, max)
}

fn clamp_forward<'a>(
    x: &Tensor,
    min: Option<Operand<'a>>,
    max: Option<Operand<'a>>,
) -> Result<Tensor> {
    let mut ops = vec![Operand::Tensor(x)];
    ops.extend(min.iter().copied());
    ops.extend(max.iter().copied());
    let dtype = result_type(&ops);
    let device = operands_device(&ops)?;
    let mut out = x.to_dtype(dtype)?;
    if let Some(lo) = min {
        let lo = lo.tensor_as(dtype, device)?;
        out = where_(&binary(&out, &lo, BinaryOp::Lt)?, &lo, &out)?;
    }
    if let Some(hi) = max {
        let hi = hi.tensor_as(dtype, device)?;
        out = where_(&binary(&out, &hi, BinaryOp::Gt)?, &hi, &out)?;
    }
    if out.shape() != x.shape() {
        return Ok(out.broadcast_to(x.shape())?.contiguous());
    }
    Ok(out)
}

/// Writes `result` into `dst` for an in-place op, refusing results of a higher
/// category than `dst` (e.g. float into an int tensor) as PyTorch does.
///
/// In a graph the result's node becomes `dst`'s history (PyTorch's rebase).
pub fn assign_inplace(dst: &Tensor, result: &Tensor) -> Result<()> {
    let (rd, dd) = (result.dtype(), dst.dtype());
    if rd.category() > dd.category() {
        return Err(Error::Runtime(format!(
            "result type {} can't be cast to the desired output type {}",
            rd.scalar_type_name(),
            dd.scalar_type_name()
        )));
    }
    if result.shape() != dst.shape() {
        let target = broadcast_shapes(dst.shape(), result.shape())?;
        if target != dst.shape() {
            return Err(Error::Runtime(format!(
                "output with shape [{}] doesn't match the broadcast shape [{}]",
                dst.shape()
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                target
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if crate::autograd::inplace::must_record(dst, &[result]) {
        return crate::autograd::inplace::assign_recorded(dst, result);
    }
    dst.copy_from(result)
}

/// `x op= y`.
pub fn binary_inplace<'a>(x: &'a Tensor, y: impl Into<Operand<'a>>, op: BinaryOp) -> Result<()> {
    // PyTorch does not autocast in-place ops (`x.pow_(2)` stays in x's dtype).
    let _no_autocast = crate::autocast::suspend();
    let y = y.into();
    // `x` is read and written; `y` must not partially overlap it.
    if let Operand::Tensor(t) = y {
        x.check_no_partial_overlap(t)?;
    }
    if crate::autograd::inplace::must_record(x, &[])
        || matches!(y, Operand::Tensor(t) if t.requires_grad())
    {
        crate::autograd::inplace::check_target(x)?;
        // The formula may save `x`, which is about to be overwritten: it
        // reads a copy that carries `x`'s history instead.
        if !matches!(op, BinaryOp::Add | BinaryOp::Sub) && crate::autograd::is_grad_enabled() {
            let xs = crate::autograd::inplace::snapshot(x);
            let y = match y {
                Operand::Tensor(t) if t.same(x) => Operand::Tensor(&xs),
                other => other,
            };
            let r = binary(&xs, y, op)?;
            return assign_inplace(x, &r);
        }
    }
    let r = binary(x, y, op)?;
    assign_inplace(x, &r)
}

/// `x.op_()` for a unary op.
pub fn unary_inplace(x: &Tensor, op: UnaryOp) -> Result<()> {
    // Not autocast, as in PyTorch (see `binary_inplace`).
    let _no_autocast = crate::autocast::suspend();
    if crate::autograd::inplace::must_record(x, &[]) {
        crate::autograd::inplace::check_target(x)?;
        // Formulas that save their input read a copy, as in `binary_inplace`.
        if matches!(
            op,
            UnaryOp::Abs | UnaryOp::Log | UnaryOp::Log1p | UnaryOp::Sin | UnaryOp::Cos
        ) {
            let r = unary(&crate::autograd::inplace::snapshot(x), op)?;
            return assign_inplace(x, &r);
        }
    }
    let r = unary(x, op)?;
    assign_inplace(x, &r)
}

impl Tensor {
    pub fn add(&self, other: &Tensor) -> Result<Tensor> {
        binary(self, other, BinaryOp::Add)
    }
    pub fn sub(&self, other: &Tensor) -> Result<Tensor> {
        binary(self, other, BinaryOp::Sub)
    }
    pub fn mul(&self, other: &Tensor) -> Result<Tensor> {
        binary(self, other, BinaryOp::Mul)
    }
    pub fn div(&self, other: &Tensor) -> Result<Tensor> {
        binary(self, other, BinaryOp::Div)
    }
    pub fn map(&self, op: UnaryOp) -> Result<Tensor> {
        unary(self, op)
    }
    pub fn exp(&self) -> Result<Tensor> {
        unary(self, UnaryOp::Exp)
    }
    pub fn neg(&self) -> Result<Tensor> {
        unary(self, UnaryOp::Neg)
    }
}
