//! Backward of elementwise ops: binary arithmetic (`AddBackward0`,
//! `MulBackward0`, `PowBackward0/1/2`, ...) and unary functions
//! (`ExpBackward0`, `ReluBackward0`, ...). Broadcasting and type promotion
//! are undone per input by [`InputMeta::reduce`].

use super::InputMeta;
use crate::autograd::{record, Formula, SavedTensor};
use crate::ops::math::{binary as bin, unary as un};
use crate::ops::math::{binary_forward, unary_forward, where_, BinaryOp, Operand, UnaryOp};
use crate::{Result, Scalar, Tensor};

/// A binary op's operand as the formula keeps it.
enum Val {
    Saved(SavedTensor),
    Scalar(Scalar),
    /// A tensor operand the formula does not need.
    Unused,
}

enum Owned {
    T(Tensor),
    S(Scalar),
}

impl Owned {
    fn op(&self) -> Operand<'_> {
        match self {
            Owned::T(t) => Operand::Tensor(t),
            Owned::S(s) => Operand::Scalar(*s),
        }
    }
}

impl Val {
    fn keep(o: Operand, needed: bool) -> Val {
        match o {
            Operand::Scalar(s) => Val::Scalar(s),
            Operand::Tensor(t) if needed => Val::Saved(SavedTensor::input(t)),
            Operand::Tensor(_) => Val::Unused,
        }
    }
    fn get(&self) -> Result<Owned> {
        match self {
            Val::Saved(s) => Ok(Owned::T(s.unpack()?)),
            Val::Scalar(s) => Ok(Owned::S(*s)),
            Val::Unused => unreachable!("formula reads an operand it did not save"),
        }
    }
}

fn tensor_of(o: Operand<'_>) -> Option<&Tensor> {
    match o {
        Operand::Tensor(t) if t.requires_grad() => Some(t),
        _ => None,
    }
}

struct BinaryBackward {
    op: BinaryOp,
    a: Val,
    b: Val,
    out: Option<SavedTensor>,
    ma: Option<InputMeta>,
    mb: Option<InputMeta>,
    /// Which operand (0 = a, 1 = b) each edge of the node belongs to.
    order: &'static [usize],
}

/// A binary op on operands of which at least one requires grad (grad mode on).
pub(crate) fn binary(a: Operand, b: Operand, op: BinaryOp) -> Result<Tensor> {
    binary_as(a, b, op, false)
}

/// [`binary`]; `reflected` marks `b - a` written as `a.rsub(b)` with two
/// tensors, which PyTorch records as `RsubBackward0` with edges (a, b).
pub(crate) fn binary_as(a: Operand, b: Operand, op: BinaryOp, reflected: bool) -> Result<Tensor> {
    use BinaryOp::*;
    let (ta, tb) = (tensor_of(a), tensor_of(b));
    let a_is_scalar = matches!(a, Operand::Scalar(_));
    let b_is_scalar = matches!(b, Operand::Scalar(_));
    // PyTorch's node names and edge layouts: a Python scalar operand of
    // add/sub/mul/div is wrapped into a tensor (an edge without a node),
    // while reflected sub and scalar powers have one edge only.
    let (name, order): (&'static str, &'static [usize]) = match op {
        Add if a_is_scalar => ("AddBackward0", &[1, 0]),
        Add => ("AddBackward0", &[0, 1]),
        Sub if a_is_scalar => ("RsubBackward1", &[1]),
        Sub if reflected => ("RsubBackward0", &[1, 0]),
        Sub => ("SubBackward0", &[0, 1]),
        Mul if a_is_scalar => ("MulBackward0", &[1, 0]),
        Mul => ("MulBackward0", &[0, 1]),
        // `s / x` is `x.reciprocal() * s`, as in PyTorch.
        Div if a_is_scalar => {
            let Operand::Scalar(s) = a else {
                unreachable!()
            };
            let Operand::Tensor(x) = b else {
                unreachable!()
            };
            return bin(&un(x, UnaryOp::Reciprocal)?, s, Mul);
        }
        Div => ("DivBackward0", &[0, 1]),
        Pow if b_is_scalar => ("PowBackward0", &[0]),
        Pow if a_is_scalar => ("PowBackward2", &[1]),
        Pow => ("PowBackward1", &[0, 1]),
        Maximum => ("MaximumBackward0", &[0, 1]),
        Minimum => ("MinimumBackward0", &[0, 1]),
        // PyTorch numbers these by the second operand: a number, a tensor.
        Rem if b_is_scalar => ("RemainderBackward0", &[0, 1]),
        Rem => ("RemainderBackward1", &[0, 1]),
        Fmod if b_is_scalar => ("FmodBackward0", &[0, 1]),
        Fmod => ("FmodBackward1", &[0, 1]),
        // PyTorch defines no derivative for floor division: the node raises.
        FloorDiv => {
            let ins: Vec<&Tensor> = [ta, tb].into_iter().flatten().collect();
            return super::missing::not_implemented_aten("floor_divide", &ins, || {
                binary_forward(a, b, op)
            });
        }
        // Comparisons, logical and bitwise ops give bool/int: no gradient.
        _ => return binary_forward(a, b, op),
    };
    let (na, nb) = (ta.is_some(), tb.is_some());
    let (save_a, save_b, save_out) = match op {
        Add | Sub => (false, false, false),
        Mul => (nb, na, false),
        Div => (nb, na || nb, false),
        Pow if b_is_scalar => (true, false, false),
        Pow if a_is_scalar => (false, false, true),
        Pow => (true, true, nb),
        Maximum | Minimum => (true, true, false),
        _ => (nb, nb, false),
    };
    let operands = [ta, tb];
    let inputs: Vec<Option<&Tensor>> = order.iter().map(|&i| operands[i]).collect();
    record(
        name,
        &inputs,
        || binary_forward(a, b, op),
        |out| {
            Ok(BinaryBackward {
                op,
                a: Val::keep(a, save_a),
                b: Val::keep(b, save_b),
                out: save_out.then(|| SavedTensor::output(out)),
                ma: ta.map(InputMeta::of),
                mb: tb.map(InputMeta::of),
                order,
            })
        },
    )
}

fn neg(t: &Tensor) -> Result<Tensor> {
    un(t, UnaryOp::Neg)
}

/// `(g * (x op y)) as float mask`: the share of `g` routed where the mask holds.
fn masked<'a>(g: &Tensor, x: Operand<'a>, y: Operand<'a>, cmp: BinaryOp) -> Result<Tensor> {
    bin(g, &bin(x, y, cmp)?, BinaryOp::Mul)
}

impl BinaryBackward {
    /// Gradient of operand `a` (`which == 0`) or `b`.
    fn grad_of(&self, g: &Tensor, which: usize) -> Result<Tensor> {
        use BinaryOp::*;
        let first = which == 0;
        Ok(match self.op {
            Add => g.clone(),
            Sub if first => g.clone(),
            Sub => neg(g)?,
            Mul => {
                let other = if first { self.b.get()? } else { self.a.get()? };
                bin(g, other.op(), Mul)?
            }
            Div if first => bin(g, self.b.get()?.op(), Div)?,
            Div => {
                let (a, b) = (self.a.get()?, self.b.get()?);
                let b2 = bin(b.op(), b.op(), Mul)?;
                neg(&bin(&bin(g, a.op(), Mul)?, &b2, Div)?)?
            }
            Pow if first => {
                let (a, b) = (self.a.get()?, self.b.get()?);
                match b {
                    Owned::S(p) if p.to_f64() == 0.0 => bin(g, 0.0, Mul)?,
                    Owned::S(p) => {
                        let pm1 = match p {
                            Scalar::Float(f) => Scalar::Float(f - 1.0),
                            other => Scalar::Int(other.to_f64() as i64 - 1),
                        };
                        bin(&bin(g, p, Mul)?, &bin(a.op(), pm1, Pow)?, Mul)?
                    }
                    Owned::T(bt) => {
                        let bm1 = bin(&bt, 1.0, Sub)?;
                        bin(&bin(g, &bt, Mul)?, &bin(a.op(), &bm1, Pow)?, Mul)?
                    }
                }
            }
            Pow => {
                let out = self.out.as_ref().expect("pow saved its output").unpack()?;
                let go = bin(g, &out, Mul)?;
                match self.a.get()? {
                    Owned::S(s) => bin(&go, s.to_f64().ln(), Mul)?,
                    Owned::T(a) => {
                        let r = bin(&go, &un(&a, UnaryOp::Log)?, Mul)?;
                        // 0**b has derivative 0 w.r.t. b for b >= 0 (not 0 * -inf).
                        let b = self.b.get()?;
                        let zero_base =
                            bin(&bin(&a, 0.0, Eq)?, &bin(b.op(), 0.0, Ge)?, LogicalAnd)?;
                        where_(&zero_base, 0.0, &r)?
                    }
                }
            }
            Maximum | Minimum => {
                let (a, b) = (self.a.get()?, self.b.get()?);
                let (x, y) = if first {
                    (a.op(), b.op())
                } else {
                    (b.op(), a.op())
                };
                let wins = if self.op == Maximum { Gt } else { Lt };
                // Ties split the gradient evenly, as in PyTorch.
                let half = bin(&masked(g, x, y, Eq)?, 0.5, Mul)?;
                bin(&masked(g, x, y, wins)?, &half, Add)?
            }
            Rem | Fmod if first => g.clone(),
            Rem | Fmod => {
                let (a, b) = (self.a.get()?, self.b.get()?);
                let q = bin(a.op(), b.op(), Div)?;
                let q = un(
                    &q,
                    if self.op == Rem {
                        UnaryOp::Floor
                    } else {
                        UnaryOp::Trunc
                    },
                )?;
                neg(&bin(g, &q, Mul)?)?
            }
            _ => unreachable!("no formula for {:?}", self.op),
        })
    }
}

impl Formula for BinaryBackward {
    fn backward(&self, g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        self.order
            .iter()
            .zip(needs)
            .map(|(&which, &need)| {
                let meta = if which == 0 { &self.ma } else { &self.mb };
                match meta {
                    Some(m) if need => Ok(Some(m.reduce(self.grad_of(g, which)?)?)),
                    _ => Ok(None),
                }
            })
            .collect()
    }
    fn saved(&self) -> Vec<&SavedTensor> {
        let mut v = vec![];
        for val in [&self.a, &self.b] {
            if let Val::Saved(s) = val {
                v.push(s);
            }
        }
        v.extend(self.out.iter());
        v
    }
}

struct UnaryBackward {
    op: UnaryOp,
    x: Option<SavedTensor>,
    out: Option<SavedTensor>,
    meta: InputMeta,
}

fn unary_name(op: UnaryOp) -> Option<&'static str> {
    use UnaryOp::*;
    Some(match op {
        Neg => "NegBackward0",
        Abs => "AbsBackward0",
        Sign => "SignBackward0",
        Relu => "ReluBackward0",
        Floor => "FloorBackward0",
        Ceil => "CeilBackward0",
        Round => "RoundBackward0",
        Trunc => "TruncBackward0",
        Sqrt => "SqrtBackward0",
        Rsqrt => "RsqrtBackward0",
        Exp => "ExpBackward0",
        Log => "LogBackward0",
        Log1p => "Log1PBackward0",
        Expm1 => "Expm1Backward0",
        Sin => "SinBackward0",
        Cos => "CosBackward0",
        Tan => "TanBackward0",
        Tanh => "TanhBackward0",
        Sigmoid => "SigmoidBackward0",
        Reciprocal => "ReciprocalBackward0",
        LogicalNot | BitwiseNot => return None,
    })
}

/// A unary op on a tensor that requires grad (grad mode on).
pub(crate) fn unary(x: &Tensor, op: UnaryOp) -> Result<Tensor> {
    use UnaryOp::*;
    let Some(name) = unary_name(op) else {
        return unary_forward(x, op);
    };
    let save_x = matches!(op, Abs | Log | Log1p | Sin | Cos);
    let save_out = matches!(
        op,
        Relu | Sqrt | Rsqrt | Exp | Expm1 | Tan | Tanh | Sigmoid | Reciprocal
    );
    record(
        name,
        &[Some(x)],
        || unary_forward(x, op),
        |out| {
            Ok(UnaryBackward {
                op,
                x: save_x.then(|| SavedTensor::input(x)),
                out: save_out.then(|| SavedTensor::output(out)),
                meta: InputMeta::of(x),
            })
        },
    )
}

impl Formula for UnaryBackward {
    fn backward(&self, g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        use BinaryOp::{Add, Div, Gt, Mul, Sub};
        use UnaryOp::*;
        let x = || self.x.as_ref().expect("saved input").unpack();
        let out = || self.out.as_ref().expect("saved output").unpack();
        let gx = match self.op {
            Neg => neg(g)?,
            Abs => bin(g, &un(&x()?, Sign)?, Mul)?,
            // Piecewise constant: zero gradient.
            Sign | Floor | Ceil | Round | Trunc => bin(g, 0.0, Mul)?,
            Relu => masked(g, (&out()?).into(), Operand::Scalar(Scalar::Int(0)), Gt)?,
            Sqrt => bin(g, &bin(&out()?, 2.0, Mul)?, Div)?,
            Rsqrt => {
                let o = out()?;
                let o3 = bin(&bin(&o, &o, Mul)?, &o, Mul)?;
                bin(&bin(g, -0.5, Mul)?, &o3, Mul)?
            }
            Exp => bin(g, &out()?, Mul)?,
            Log => bin(g, &x()?, Div)?,
            Log1p => bin(g, &bin(&x()?, 1.0, Add)?, Div)?,
            Expm1 => bin(g, &bin(&out()?, 1.0, Add)?, Mul)?,
            Sin => bin(g, &un(&x()?, Cos)?, Mul)?,
            Cos => neg(&bin(g, &un(&x()?, Sin)?, Mul)?)?,
            Tan => {
                let o = out()?;
                bin(g, &bin(&bin(&o, &o, Mul)?, 1.0, Add)?, Mul)?
            }
            Tanh => {
                let o = out()?;
                bin(g, &bin(Scalar::Float(1.0), &bin(&o, &o, Mul)?, Sub)?, Mul)?
            }
            Sigmoid => {
                let o = out()?;
                let d = bin(&o, &bin(Scalar::Float(1.0), &o, Sub)?, Mul)?;
                bin(g, &d, Mul)?
            }
            Reciprocal => {
                let o = out()?;
                neg(&bin(g, &bin(&o, &o, Mul)?, Mul)?)?
            }
            LogicalNot | BitwiseNot => unreachable!("not differentiable"),
        };
        Ok(vec![Some(self.meta.reduce(gx)?)])
    }
    fn saved(&self) -> Vec<&SavedTensor> {
        self.x.iter().chain(self.out.iter()).collect()
    }
}
