//! Autograd from Rust alone: the graph, the engine and the formulas need no
//! Python. Gradients are compared with hand-derived values.

use ferrotorch::autograd::{self, GradModeGuard};
use ferrotorch::ops::linalg::matmul;
use ferrotorch::ops::math::{binary, unary, BinaryOp, UnaryOp};
use ferrotorch::ops::reduce::{mean, sum};
use ferrotorch::{DType, ErrorKind, Result, Scalar, Tensor};

fn leaf(v: Vec<f64>, shape: &[usize]) -> Tensor {
    let t = Tensor::from_vec(v, shape).unwrap();
    t.set_requires_grad(true).unwrap();
    t
}

fn grad_of(t: &Tensor) -> Vec<f64> {
    t.grad().expect("gradient").to_vec::<f64>().unwrap()
}

#[test]
fn product_rule_example() -> Result<()> {
    let x = leaf(vec![3.0], &[]);
    let y = leaf(vec![2.0], &[]);
    let z = binary(
        &binary(&x, &y, BinaryOp::Add)?,
        &binary(&x, &y, BinaryOp::Mul)?,
        BinaryOp::Mul,
    )?;
    z.backward(None, false, false)?;
    assert_eq!((grad_of(&x), grad_of(&y)), (vec![16.0], vec![21.0]));
    Ok(())
}

#[test]
fn broadcasting_is_summed_back() -> Result<()> {
    let a = leaf(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let b = leaf(vec![10.0, 20.0, 30.0], &[3]);
    let s = sum(&binary(&a, &b, BinaryOp::Mul)?, &[], false, None)?;
    assert_eq!(s.grad_fn().unwrap().name(), "SumBackward0");
    s.backward(None, false, false)?;
    assert_eq!(grad_of(&a), [10.0, 20.0, 30.0, 10.0, 20.0, 30.0]);
    assert_eq!(grad_of(&b), [5.0, 7.0, 9.0]);
    Ok(())
}

#[test]
fn matmul_and_mean() -> Result<()> {
    let w = leaf(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let x = Tensor::from_vec(vec![1.0f64, 1.0, 2.0, 0.0], &[2, 2])?;
    let y = mean(&matmul(&x, &w)?, &[], false, None)?;
    y.backward(None, false, false)?;
    // d mean(xw)/dw = x^T 1 / 4
    assert_eq!(grad_of(&w), [0.75, 0.75, 0.25, 0.25]);
    assert!(x.grad().is_none());
    Ok(())
}

#[test]
fn no_grad_records_nothing() -> Result<()> {
    let x = leaf(vec![1.0, 2.0], &[2]);
    {
        let _g = GradModeGuard::new(false);
        let y = unary(&x, UnaryOp::Exp)?;
        assert!(!y.requires_grad() && y.grad_fn().is_none());
    }
    let y = unary(&x, UnaryOp::Exp)?;
    assert_eq!(y.grad_fn().unwrap().name(), "ExpBackward0");
    assert!(!y.is_leaf() && x.is_leaf());
    Ok(())
}

#[test]
fn saved_tensor_version_and_freed_graph() -> Result<()> {
    let x = leaf(vec![1.0, 2.0], &[2]);
    let y = binary(&x, &x, BinaryOp::Mul)?;
    let s = sum(&y, &[], false, None)?;
    s.backward(None, true, false)?;
    s.backward(None, false, false)?;
    assert_eq!(grad_of(&x), [4.0, 8.0]);
    let err = s.backward(None, false, false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Runtime);
    assert!(err
        .to_string()
        .starts_with("Trying to backward through the graph a second time"));

    let e = unary(&x, UnaryOp::Exp)?;
    {
        let _g = GradModeGuard::new(false);
        e.fill(Scalar::Float(0.0))?;
    }
    let err = sum(&e, &[], false, None)?
        .backward(None, false, false)
        .unwrap_err();
    assert!(err.to_string().contains(
        "[torch.DoubleTensor [2]], which is output 0 of Exp, is at version 1; expected version 0"
    ));
    Ok(())
}

#[test]
fn leaf_inplace_and_integer_rules() {
    let x = leaf(vec![1.0], &[1]);
    assert!(x.fill(Scalar::Float(2.0)).is_err());
    let i = Tensor::zeros(&[2], DType::I64);
    assert!(i.set_requires_grad(true).is_err());
}

#[test]
fn higher_order_gradient() -> Result<()> {
    let x = leaf(vec![2.0], &[]);
    let y = binary(&x, 3.0, BinaryOp::Pow)?;
    let g = autograd::grad(&[y], &[None], std::slice::from_ref(&x), false, true, false)?;
    let g = g[0].clone().unwrap();
    assert_eq!(g.item_f64()?, 12.0);
    g.backward(None, false, false)?;
    assert_eq!(grad_of(&x), [12.0]); // 6x
    Ok(())
}

#[test]
fn backward_errors() {
    let x = leaf(vec![1.0, 2.0], &[2]);
    let y = binary(&x, 2.0, BinaryOp::Mul).unwrap();
    let e = y.backward(None, false, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "grad can be implicitly created only for scalar outputs"
    );
    let c = Tensor::ones(&[], DType::F32);
    let e = c.backward(None, false, false).unwrap_err();
    assert_eq!(
        e.to_string(),
        "element 0 of tensors does not require grad and does not have a grad_fn"
    );
}
