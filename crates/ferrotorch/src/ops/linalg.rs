//! Matrix products: `matmul` with PyTorch's 1-D/2-D/batched broadcasting
//! rules, and `mm`, `bmm`, `dot`, `outer` on top of one batched kernel.

use super::math::{binary, BinaryOp};
use crate::{DType, Error, Result, Tensor};
use ferrotorch_core::broadcast_shapes;
use ferrotorch_cpu::matmul::{matmul_gemm, matmul_generic};

fn shape_str(s: &[usize]) -> String {
    s.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("x")
}

/// PyTorch's dtype-mismatch error, which each kernel words differently.
fn check_same_dtype(a: &Tensor, b: &Tensor, kernel: &str) -> Result<()> {
    let (x, y) = (a.dtype(), b.dtype());
    if x == y {
        return Ok(());
    }
    let msg = match kernel {
        "dot" => format!(
            "dot : expected both vectors to have same dtype, but found {} and {}",
            x.scalar_type_name(),
            y.scalar_type_name()
        ),
        "bmm" => format!(
            "expected scalar type {} but found {}",
            x.scalar_type_name(),
            y.scalar_type_name()
        ),
        MV => {
            let (mat, vec) = if a.ndim() == 1 { (y, x) } else { (x, y) };
            format!(
                "addmv input tensors must have the same dtype, but got {}, {}, and {}",
                vec.scalar_type_name(),
                mat.scalar_type_name(),
                vec.scalar_type_name()
            )
        }
        _ => format!(
            "expected m1 and m2 to have the same dtype, but got: {} != {}",
            x.cpp_type_name(),
            y.cpp_type_name()
        ),
    };
    Err(Error::Runtime(msg))
}

/// PyTorch has no Bool kernel for the BLAS-backed products: it raises
/// NotImplementedError naming the kernel it reached (`kernel`), except that
/// products with an empty operand return before reaching one. `dot` refuses
/// even empty operands.
fn refuse_bool(a: &Tensor, b: &Tensor, kernel: &str) -> Result<()> {
    let empty = a.numel() == 0 || b.numel() == 0;
    if a.dtype() == DType::Bool && (kernel == "dot" || !empty) {
        return Err(Error::NotImplemented(format!(
            "\"{kernel}\" not implemented for 'Bool'"
        )));
    }
    Ok(())
}

const MV: &str = "addmv_impl_cpu";
const MM: &str = "addmm_impl_cpu_";

/// The kernel PyTorch's `matmul` reaches (its dtype errors name or word it):
/// dot, mv, mm, or bmm. A batched operand against a 1-D/2-D one is folded
/// into one mv/mm when the smaller operand requires grad (PyTorch then folds
/// even at the cost of a copy), or when the batch dims of the larger operand
/// collapse into its rows without a copy and the smaller one is not 2-D on
/// the left.
fn matmul_kernel_name(a: &Tensor, b: &Tensor) -> &'static str {
    let (na, nb) = (a.ndim(), b.ndim());
    match (na, nb) {
        (1, 1) => return "dot",
        (2, 1) => return MV,
        (1, 2) | (2, 2) => return MM,
        _ => {}
    }
    // The larger operand, as the left one (transposing the right one if needed).
    let larger = if na >= nb {
        a.layout().clone()
    } else {
        match b.layout().transpose(-2, -1) {
            Ok(l) => l,
            Err(_) => return "bmm",
        }
    };
    let smaller_ndim = na.min(nb);
    let last = larger.shape[larger.ndim() - 1];
    let rows = larger.numel().checked_div(last).unwrap_or(0);
    let smaller_requires_grad = if na >= nb {
        b.requires_grad()
    } else {
        a.requires_grad()
    };
    let folds = larger.ndim() >= 3
        && smaller_ndim <= 2
        && (smaller_requires_grad
            || (na != 2 && (larger.numel() == 0 || larger.view(&[rows, last]).is_some())));
    match (folds, smaller_ndim) {
        (true, 1) => MV,
        (true, _) => MM,
        _ => "bmm",
    }
}

/// `[B, M, K] @ [B, K, N]` on 3-D tensors of one dtype.
fn bmm_kernel(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if crate::common_device(&[a, b])? != crate::Device::Cpu {
        return crate::gpu::linalg::bmm(a, b);
    }
    let (la, lb) = (a.layout(), b.layout());
    let shape = [la.shape[0], la.shape[1], lb.shape[2]];
    let out = match a.dtype() {
        DType::F32 => Tensor::from_vec(
            matmul_gemm(a.data::<f32>(), la, b.data::<f32>(), lb, 0.0, 1.0),
            &shape,
        )?,
        DType::F64 => Tensor::from_vec(
            matmul_gemm(a.data::<f64>(), la, b.data::<f64>(), lb, 0.0, 1.0),
            &shape,
        )?,
        DType::F16 => {
            let (z, o) = (half::f16::ZERO, half::f16::ONE);
            Tensor::from_vec(
                matmul_gemm(a.data::<half::f16>(), la, b.data::<half::f16>(), lb, z, o),
                &shape,
            )?
        }
        // gemm has no bf16: compute in f32 (as PyTorch accumulates) and round once.
        DType::BF16 => {
            return bmm_kernel(&a.to_dtype(DType::F32)?, &b.to_dtype(DType::F32)?)?
                .to_dtype(DType::BF16)
        }
        // Only reached with an empty operand (see `refuse_bool`): all false.
        DType::Bool => {
            let v = matmul_generic(
                a.data::<bool>(),
                la,
                b.data::<bool>(),
                lb,
                |x| x,
                |s, x, y| s || (x && y),
                |s| s,
                false,
            );
            Tensor::from_vec(v, &shape)?
        }
        dt => with_num_dtype!(dt, T => {
            let v = matmul_generic(
                a.data::<T>(), la, b.data::<T>(), lb,
                |x: T| crate::Element::to_i64(x),
                |s: i64, x: i64, y: i64| s.wrapping_add(x.wrapping_mul(y)),
                <T as crate::Element>::from_i64,
                0i64,
            );
            Tensor::from_vec(v, &shape)?
        }, unreachable!()),
    };
    Ok(out)
}

/// `mm(a, b)`: 2-D by 2-D.
pub fn mm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if let Some(c) = crate::autocast::apply(crate::autocast::Op::Mm, &[a, b], None)? {
        return mm(&c.inputs[0], &c.inputs[1]);
    }
    if crate::autograd::any_requires_grad(&[a, b]) {
        return crate::autograd::formulas::linalg::product("MmBackward0", a, b, || {
            mm_forward(a, b)
        });
    }
    mm_forward(a, b)
}

fn mm_forward(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.ndim() != 2 || b.ndim() != 2 {
        return Err(Error::Runtime(format!(
            "{} must be a matrix",
            if a.ndim() != 2 { "self" } else { "mat2" }
        )));
    }
    if a.shape()[1] != b.shape()[0] {
        return Err(Error::Runtime(format!(
            "mat1 and mat2 shapes cannot be multiplied ({} and {})",
            shape_str(a.shape()),
            shape_str(b.shape())
        )));
    }
    check_same_dtype(a, b, MM)?;
    refuse_bool(a, b, MM)?;
    let out = bmm_kernel(&a.unsqueeze(0)?, &b.unsqueeze(0)?)?;
    out.squeeze(Some(&[0]))
}

/// `bmm(a, b)`: 3-D by 3-D with equal batch.
pub fn bmm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if let Some(c) = crate::autocast::apply(crate::autocast::Op::Bmm, &[a, b], None)? {
        return bmm(&c.inputs[0], &c.inputs[1]);
    }
    if crate::autograd::any_requires_grad(&[a, b]) {
        return crate::autograd::formulas::linalg::product("BmmBackward0", a, b, || {
            bmm_forward(a, b)
        });
    }
    bmm_forward(a, b)
}

fn bmm_forward(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.ndim() != 3 || b.ndim() != 3 {
        return Err(Error::Runtime(format!(
            "batch1 must be a 3D tensor (got {}D and {}D)",
            a.ndim(),
            b.ndim()
        )));
    }
    if a.shape()[0] != b.shape()[0] || a.shape()[2] != b.shape()[1] {
        return Err(Error::Runtime(format!(
            "Expected size for first two dimensions of batch2 tensor to be: [{}, {}] but got: [{}, {}].",
            a.shape()[0],
            a.shape()[2],
            b.shape()[0],
            b.shape()[1]
        )));
    }
    check_same_dtype(a, b, "bmm")?;
    refuse_bool(a, b, "bmm")?;
    bmm_kernel(a, b)
}

/// `dot(a, b)`: 1-D by 1-D.
pub fn dot(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if let Some(c) = crate::autocast::apply(crate::autocast::Op::Dot, &[a, b], None)? {
        return dot(&c.inputs[0], &c.inputs[1]);
    }
    if crate::autograd::any_requires_grad(&[a, b]) {
        return crate::autograd::formulas::linalg::product("DotBackward0", a, b, || {
            dot_forward(a, b)
        });
    }
    dot_forward(a, b)
}

fn dot_forward(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.ndim() != 1 || b.ndim() != 1 {
        return Err(Error::Runtime(format!(
            "1D tensors expected, but got {}D and {}D tensors",
            a.ndim(),
            b.ndim()
        )));
    }
    if a.shape()[0] != b.shape()[0] {
        return Err(Error::Runtime(format!(
            "inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of elements, but got {} and {} elements respectively",
            a.shape()[0],
            b.shape()[0],
            a.shape()[0],
            b.shape()[0]
        )));
    }
    check_same_dtype(a, b, "dot")?;
    refuse_bool(a, b, "dot")?;
    mm(&a.unsqueeze(0)?, &b.unsqueeze(1)?)?.reshape(&[])
}

/// `outer(a, b)`: 1-D by 1-D -> 2-D.
pub fn outer(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.ndim() != 1 || b.ndim() != 1 {
        return Err(Error::Runtime("outer: expected 1D tensors".into()));
    }
    binary(&a.unsqueeze(1)?, &b.unsqueeze(0)?, BinaryOp::Mul)
}

/// `matmul(a, b)` with PyTorch's rules for 1-D operands and batch broadcasting.
///
/// Both operands must have the same dtype. 1-D operands are treated as a row
/// (left) or column (right) vector whose dim is dropped from the result; the
/// batch dims (all but the last two) broadcast.
///
/// ```
/// use ferrotorch::ops::linalg::matmul;
/// use ferrotorch::{DType, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let a = Tensor::arange(0.0, 12.0, 1.0, DType::F32)?.reshape(&[2, 2, 3])?;
/// let b = Tensor::eye(3, 2, DType::F32); // [3, 2], broadcast over a's batch
/// let c = matmul(&a, &b)?;
/// assert_eq!(c.shape(), &[2, 2, 2]);
/// assert_eq!(c.to_vec::<f32>()?, [0.0, 1.0, 3.0, 4.0, 6.0, 7.0, 9.0, 10.0]);
///
/// // [2, 1, 2, 3] @ [3, 3, 1] -> batch [2, 1] x [3] broadcasts to [2, 3].
/// let z = matmul(&a.unsqueeze(1)?, &Tensor::ones(&[3, 3, 1], DType::F32))?;
/// assert_eq!(z.shape(), &[2, 3, 2, 1]);
/// assert_eq!(z.select(1, 2)?.to_vec::<f32>()?, [3.0, 12.0, 21.0, 30.0]);
///
/// // matrix @ vector
/// let v = Tensor::ones(&[3], DType::F32);
/// assert_eq!(matmul(&a.select(0, 0)?, &v)?.to_vec::<f32>()?, [3.0, 12.0]);
/// assert!(matmul(&a, &Tensor::ones(&[3], DType::F64)).is_err()); // dtypes differ
/// assert!(matmul(&a, &Tensor::ones(&[2, 2], DType::F32)).is_err()); // 3 != 2
/// # Ok(())
/// # }
/// ```
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if let Some(c) = crate::autocast::apply(crate::autocast::Op::Matmul, &[a, b], None)? {
        return matmul(&c.inputs[0], &c.inputs[1]);
    }
    if crate::autograd::any_requires_grad(&[a, b]) {
        use crate::autograd::formulas::linalg::{matmul_name, product};
        let name = matmul_name(a.ndim(), b.ndim());
        return product(name, a, b, || matmul_forward(a, b));
    }
    matmul_forward(a, b)
}

fn matmul_forward(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (na, nb) = (a.ndim(), b.ndim());
    if na == 0 || nb == 0 {
        return Err(Error::Runtime(format!(
            "both arguments to matmul need to be at least 1D, but they are {}D and {}D",
            na, nb
        )));
    }
    let kernel = matmul_kernel_name(a, b);
    // A batched right operand folds transposed: PyTorch's mm gets it first.
    if kernel == MM && nb > na && nb >= 3 {
        check_same_dtype(b, a, kernel)?;
    }
    check_same_dtype(a, b, kernel)?;
    match (na, nb) {
        (1, 1) => return dot(a, b),
        (2, 1) => {
            // PyTorch runs this as mv (mm checks the shapes).
            if a.shape()[1] == b.shape()[0] {
                refuse_bool(a, b, MV)?;
            }
            return mm(a, &b.unsqueeze(1)?)?.squeeze(Some(&[1]));
        }
        (1, 2) => return mm(&a.unsqueeze(0)?, b)?.squeeze(Some(&[0])),
        (2, 2) => return mm(a, b),
        _ => {}
    }
    // Batched: promote 1-D operands, broadcast batch dims, run as [B, M, K] @ [B, K, N].
    let a2 = if na == 1 { a.unsqueeze(0)? } else { a.clone() };
    let b2 = if nb == 1 { b.unsqueeze(1)? } else { b.clone() };
    let (sa, sb) = (a2.shape(), b2.shape());
    let (m, k) = (sa[sa.len() - 2], sa[sa.len() - 1]);
    let (k2, n) = (sb[sb.len() - 2], sb[sb.len() - 1]);
    if k != k2 {
        return Err(Error::Runtime(format!(
            "Expected size for first two dimensions of batch2 tensor to be: [{}, {}] but got: [{}, {}].",
            sa[..sa.len() - 2].iter().product::<usize>(),
            k,
            sb[..sb.len() - 2].iter().product::<usize>(),
            k2
        )));
    }
    let batch = broadcast_shapes(&sa[..sa.len() - 2], &sb[..sb.len() - 2])?;
    refuse_bool(a, b, kernel)?;
    let bsz: usize = batch.iter().product();
    let full = |t: &Tensor, r: usize, c: usize| -> Result<Tensor> {
        let mut shape = batch.clone();
        shape.extend([r, c]);
        let e = t.broadcast_to(&shape)?;
        // Collapse batch dims without copying when the layout allows.
        let sizes = [bsz as i64, r as i64, c as i64];
        match e.layout().view(&[bsz, r, c]) {
            Some(l) => Ok(e.with_layout(l)),
            None => e.contiguous().reshape(&sizes),
        }
    };
    let out = bmm_kernel(&full(&a2, m, k)?, &full(&b2, k, n)?)?;
    let mut shape: Vec<i64> = batch.iter().map(|&d| d as i64).collect();
    if na > 1 {
        shape.push(m as i64);
    }
    if nb > 1 {
        shape.push(n as i64);
    }
    out.reshape(&shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn bools(shape: &[usize]) -> Tensor {
        Tensor::ones(shape, DType::Bool)
    }

    fn refused_as(r: Result<Tensor>) -> String {
        let e = r.expect_err("bool product must be refused");
        assert_eq!(e.kind(), ErrorKind::NotImplemented);
        e.to_string()
    }

    #[test]
    fn bool_products_name_pytorchs_kernel() {
        let mm_msg = "\"addmm_impl_cpu_\" not implemented for 'Bool'";
        assert_eq!(refused_as(mm(&bools(&[2, 2]), &bools(&[2, 2]))), mm_msg);
        assert_eq!(
            refused_as(matmul(&bools(&[2, 3, 2]), &bools(&[2, 2]))),
            mm_msg
        );
        let mv_msg = "\"addmv_impl_cpu\" not implemented for 'Bool'";
        assert_eq!(refused_as(matmul(&bools(&[2, 2]), &bools(&[2]))), mv_msg);
        assert_eq!(refused_as(matmul(&bools(&[2, 3, 2]), &bools(&[2]))), mv_msg);
        let bmm_msg = "\"bmm\" not implemented for 'Bool'";
        assert_eq!(
            refused_as(bmm(&bools(&[1, 2, 2]), &bools(&[1, 2, 2]))),
            bmm_msg
        );
        assert_eq!(
            refused_as(matmul(&bools(&[2, 2]), &bools(&[3, 2, 2]))),
            bmm_msg
        );
        // Batch dims that do not collapse without a copy: bmm, not a folded mm.
        let t = bools(&[2, 3, 2]).transpose(0, 1).unwrap();
        assert_eq!(refused_as(matmul(&t, &bools(&[2, 2]))), bmm_msg);
        assert_eq!(
            refused_as(dot(&bools(&[0]), &bools(&[0]))),
            "\"dot\" not implemented for 'Bool'"
        );
    }

    #[test]
    fn empty_bool_products_are_allowed() {
        let r = mm(&bools(&[2, 0]), &bools(&[0, 3])).unwrap();
        assert_eq!(r.to_vec::<bool>().unwrap(), [false; 6]);
        assert_eq!(
            bmm(&bools(&[0, 2, 2]), &bools(&[0, 2, 2])).unwrap().shape(),
            &[0, 2, 2]
        );
        // outer has a Bool kernel in PyTorch.
        assert_eq!(
            outer(&bools(&[2]), &bools(&[2]))
                .unwrap()
                .to_vec::<bool>()
                .unwrap(),
            [true; 4]
        );
    }

    #[test]
    fn a_smaller_operand_that_requires_grad_folds_the_batch() {
        // PyTorch folds [b, m, k] @ [k, n] into one mm then, copy or not; a
        // batched right operand folds transposed (mm gets it first).
        let batch = Tensor::ones(&[2, 3, 4], DType::F32)
            .transpose(0, 1)
            .unwrap();
        let w = Tensor::ones(&[4, 2], DType::F64);
        let msg = |r: Result<Tensor>| r.unwrap_err().to_string();
        assert_eq!(
            msg(matmul(&batch, &w)),
            "expected scalar type Float but found Double"
        );
        w.set_requires_grad(true).unwrap();
        assert_eq!(
            msg(matmul(&batch, &w)),
            "expected m1 and m2 to have the same dtype, but got: float != double"
        );
        let left = Tensor::ones(&[2, 3], DType::F32);
        let right = Tensor::ones(&[5, 3, 4], DType::F64);
        assert_eq!(
            msg(matmul(&left, &right)),
            "expected scalar type Float but found Double"
        );
        left.set_requires_grad(true).unwrap();
        assert_eq!(
            msg(matmul(&left, &right)),
            "expected m1 and m2 to have the same dtype, but got: double != float"
        );
    }

    #[test]
    fn shape_errors_come_before_the_bool_refusal() {
        let e = mm(&bools(&[2, 2]), &bools(&[3, 3])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Runtime);
    }
}
