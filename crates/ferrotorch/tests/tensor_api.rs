//! Cross-cutting behaviour of the public `Tensor` API: views share storage,
//! PyTorch type promotion, and errors that carry the right `ErrorKind`.

use ferrotorch::index::{index, TensorIndex};
use ferrotorch::ops::linalg::matmul;
use ferrotorch::ops::math::{binary, result_type, unary, BinaryOp, Operand, UnaryOp};
use ferrotorch::ops::reduce::sum;
use ferrotorch::ops::shape::{cat, split};
use ferrotorch::random::{normal, uniform, CpuGenerator};
use ferrotorch::{DType, ErrorKind, Result, Scalar, Tensor};
use std::sync::{Arc, Mutex};

fn grid() -> Result<Tensor> {
    Tensor::arange(0.0, 12.0, 1.0, DType::F32)?.reshape(&[3, 4])
}

fn shares(a: &Tensor, b: &Tensor) -> bool {
    Arc::ptr_eq(a.storage(), b.storage())
}

#[test]
fn views_share_storage() -> Result<()> {
    let t = grid()?;
    let views = [
        t.view(&[4, 3])?,
        t.reshape(&[-1])?,
        t.permute(&[1, 0])?,
        t.transpose(0, 1)?,
        t.t()?,
        t.narrow(1, 1, 2)?,
        t.select(0, 2)?,
        t.unsqueeze(0)?,
        t.unsqueeze(0)?.squeeze(None)?,
        t.select(0, 0)?.unsqueeze(0)?.expand(&[5, 4])?,
        index(&t, &[TensorIndex::Slice(None, None, 2)])?,
    ];
    for v in &views {
        assert!(shares(v, &t), "shape {:?} is a copy", v.shape());
    }
    for p in split(&t, 2, 1)? {
        assert!(shares(&p, &t));
    }

    // Copies: reshape of a non-viewable layout, contiguous of a transposed
    // tensor, advanced indexing, results of math ops.
    assert!(!shares(&t.t()?.reshape(&[-1])?, &t));
    assert!(!shares(&t.t()?.contiguous(), &t));
    let rows = Tensor::from_vec(vec![0i64], &[1])?;
    assert!(!shares(&index(&t, &[TensorIndex::Tensor(rows)])?, &t));
    assert!(!shares(&binary(&t, 0.0, BinaryOp::Add)?, &t));

    // A write through one view is seen by the others.
    let col = t.t()?.select(0, 3)?; // column 3: [3, 7, 11]
    col.fill(Scalar::Int(-1))?;
    assert_eq!(t.select(1, -1)?.to_vec::<f32>()?, [-1.0, -1.0, -1.0]);
    assert_eq!(views[1].to_vec::<f32>()?[7], -1.0);
    t.narrow(0, 0, 1)?
        .copy_from(&Tensor::from_vec(vec![9i64, 8, 7, 6], &[4])?)?;
    assert_eq!(views[2].select(0, 0)?.to_vec::<f32>()?, [9.0, 4.0, 8.0]);
    Ok(())
}

#[test]
fn type_promotion() -> Result<()> {
    let i = Tensor::from_vec(vec![1i32, 2, 3], &[3])?;
    // int32 tensor + float scalar -> default float dtype (float32), not float64.
    let r = binary(&i, Operand::Scalar(Scalar::Float(0.5)), BinaryOp::Add)?;
    assert_eq!(r.dtype(), DType::F32);
    assert_eq!(r.to_vec::<f32>()?, [1.5, 2.5, 3.5]);
    let rt = result_type(&[Operand::Tensor(&i), Operand::Scalar(Scalar::Float(0.5))]);
    assert_eq!(rt, DType::F32);

    // Same category: the tensor keeps its dtype; bool scalars never promote.
    let r = binary(&i, Operand::Scalar(Scalar::Int(1 << 40)), BinaryOp::Mul)?;
    assert_eq!(r.dtype(), DType::I32);
    let r = binary(&i, Operand::Scalar(Scalar::Bool(true)), BinaryOp::Add)?;
    assert_eq!(r.to_vec::<i32>()?, [2, 3, 4]);

    // Tensors of different dtypes: the wider one wins.
    let l = Tensor::from_vec(vec![10i64, 20, 30], &[3])?;
    assert_eq!(binary(&i, &l, BinaryOp::Add)?.dtype(), DType::I64);
    let h = Tensor::from_vec(vec![0.25f64], &[1])?;
    assert_eq!(binary(&i, &h, BinaryOp::Mul)?.dtype(), DType::F64);

    // Integer true division, comparisons, unary functions and sums.
    assert_eq!(binary(&i, &i, BinaryOp::Div)?.dtype(), DType::F32);
    assert_eq!(binary(&i, &l, BinaryOp::Lt)?.dtype(), DType::Bool);
    assert_eq!(unary(&i, UnaryOp::Exp)?.dtype(), DType::F32);
    assert_eq!(unary(&i, UnaryOp::Neg)?.dtype(), DType::I32);
    assert_eq!(sum(&i, &[], false, None)?.dtype(), DType::I64);
    assert_eq!(cat(&[i.clone(), h.clone()], 0)?.dtype(), DType::F64);
    Ok(())
}

#[test]
fn error_kinds() -> Result<()> {
    let t = grid()?;
    let kind = |r: Result<Tensor>| r.err().map(|e| e.kind());

    assert_eq!(kind(t.t()?.view(&[12])), Some(ErrorKind::Runtime));
    assert_eq!(kind(t.select(0, 3)), Some(ErrorKind::Index));
    assert_eq!(kind(t.select(0, -4)), Some(ErrorKind::Index));
    assert_eq!(kind(t.select(2, 0)), Some(ErrorKind::Index));
    assert_eq!(kind(t.view(&[5, -1])), Some(ErrorKind::Runtime));
    assert_eq!(
        kind(index(
            &t,
            &[
                TensorIndex::Int(0),
                TensorIndex::Int(0),
                TensorIndex::Int(0)
            ]
        )),
        Some(ErrorKind::Index)
    );
    let bad = Tensor::zeros(&[3, 3], DType::F32);
    assert_eq!(
        kind(binary(&t, &bad, BinaryOp::Add)),
        Some(ErrorKind::Runtime)
    );
    assert_eq!(kind(matmul(&t, &bad)), Some(ErrorKind::Runtime));
    assert_eq!(kind(unary(&t, UnaryOp::BitwiseNot)), Some(ErrorKind::Type));
    assert_eq!(
        kind(Tensor::from_vec(vec![1.0f32; 5], &[2, 3])),
        Some(ErrorKind::Runtime)
    );

    // Successful calls after errors leave the tensor intact.
    assert_eq!(
        t.to_vec::<f32>()?,
        (0..12).map(|x| x as f32).collect::<Vec<_>>()
    );
    Ok(())
}

#[test]
fn ops_agree_on_strided_inputs() -> Result<()> {
    // Non-contiguous inputs give the same values as their contiguous copies.
    let a = grid()?.t()?; // [4, 3], strides [1, 4]
    let b = Tensor::arange(0.0, 6.0, 1.0, DType::F32)?.reshape(&[3, 2])?;
    let m1 = matmul(&a, &b)?;
    let m2 = matmul(&a.contiguous(), &b)?;
    assert_eq!(m1.to_vec::<f32>()?, m2.to_vec::<f32>()?);
    // matmul equals broadcast multiply + sum.
    let prod = binary(&a.unsqueeze(2)?, &b.unsqueeze(0)?, BinaryOp::Mul)?;
    assert_eq!(
        sum(&prod, &[1], false, None)?.to_vec::<f32>()?,
        m1.to_vec::<f32>()?
    );

    let s1 = sum(&a, &[0], false, None)?;
    let s2 = sum(&a.contiguous(), &[0], false, None)?;
    assert_eq!(s1.to_vec::<f32>()?, [6.0, 22.0, 38.0]);
    assert_eq!(s1.to_vec::<f32>()?, s2.to_vec::<f32>()?);
    Ok(())
}

#[test]
fn seeded_generators_are_reproducible() -> Result<()> {
    let g1 = Mutex::new(CpuGenerator::new(1234));
    let g2 = Mutex::new(CpuGenerator::new(1234));
    let a = uniform(&[64], -1.0, 1.0, DType::F64, Some(&g1))?;
    let b = uniform(&[64], -1.0, 1.0, DType::F64, Some(&g2))?;
    assert_eq!(a.to_vec::<f64>()?, b.to_vec::<f64>()?);
    assert!(a.to_vec::<f64>()?.iter().all(|&x| (-1.0..1.0).contains(&x)));
    let n1 = normal(&[4, 8], 0.0, 1.0, DType::F32, Some(&g1))?;
    let n2 = normal(&[4, 8], 0.0, 1.0, DType::F32, Some(&g2))?;
    assert_eq!(n1.shape(), &[4, 8]);
    assert_eq!(n1.to_vec::<f32>()?, n2.to_vec::<f32>()?);
    let g3 = Mutex::new(CpuGenerator::new(4321));
    let c = uniform(&[64], -1.0, 1.0, DType::F64, Some(&g3))?;
    assert_ne!(a.to_vec::<f64>()?, c.to_vec::<f64>()?);
    assert_eq!(
        normal(&[1], 0.0, -1.0, DType::F32, Some(&g1))
            .err()
            .map(|e| e.kind()),
        Some(ErrorKind::Runtime)
    );
    Ok(())
}
