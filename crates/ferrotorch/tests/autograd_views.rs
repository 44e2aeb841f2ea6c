//! Autograd through views, indexing and joins from Rust: the chain rule
//! across select/slice/as_strided/advanced indexing/gather/cat/split,
//! second derivatives through a view, retained graphs, and in-place writes
//! through views. Gradients are compared with hand-derived values.

use ferrotorch::autograd;
use ferrotorch::index::{gather, index, TensorIndex};
use ferrotorch::ops::math::{binary, unary, BinaryOp, UnaryOp};
use ferrotorch::ops::reduce::sum;
use ferrotorch::ops::shape::{cat, split};
use ferrotorch::{ErrorKind, Result, Scalar, Tensor};

/// A 3x4 leaf holding 0..12 that requires grad.
fn grid() -> Tensor {
    let t = Tensor::from_vec((0..12).map(f64::from).collect::<Vec<_>>(), &[3, 4]).unwrap();
    t.set_requires_grad(true).unwrap();
    t
}

fn grad_of(t: &Tensor) -> Vec<f64> {
    t.grad().expect("gradient").to_vec::<f64>().unwrap()
}

fn total(t: &Tensor) -> Result<Tensor> {
    sum(t, &[], false, None)
}

#[test]
fn chain_rule_through_views() -> Result<()> {
    let x = grid();
    // x[:, 1] * x[0, ::2] would not broadcast; square a column, cube a
    // strided row, and add a 2x2 as_strided window.
    let col = x.select(1, 1)?;
    let row = x.select(0, 0)?.slice(0, Some(0), None, 2)?;
    let win = x.as_strided(&[2, 2], &[4, 1], Some(5))?;
    let y = binary(
        &binary(
            &total(&binary(&col, 2.0, BinaryOp::Pow)?)?,
            &total(&binary(&row, 3.0, BinaryOp::Pow)?)?,
            BinaryOp::Add,
        )?,
        &total(&win)?,
        BinaryOp::Add,
    )?;
    assert_eq!(col.grad_fn().unwrap().name(), "SelectBackward0");
    assert_eq!(row.grad_fn().unwrap().name(), "SliceBackward0");
    assert_eq!(win.grad_fn().unwrap().name(), "AsStridedBackward0");
    y.backward(None, false, false)?;
    let mut want = vec![0.0; 12];
    for r in 0..3 {
        want[r * 4 + 1] += 2.0 * (r * 4 + 1) as f64; // d(c^2) = 2c
    }
    for c in [0usize, 2] {
        want[c] += 3.0 * (c * c) as f64; // d(r^3) = 3r^2
    }
    for p in [5usize, 6, 9, 10] {
        want[p] += 1.0;
    }
    assert_eq!(grad_of(&x), want);
    Ok(())
}

#[test]
fn chain_rule_through_indexing_and_joins() -> Result<()> {
    let x = grid();
    let rows = Tensor::from_vec(vec![2i64, 0, 2], &[3])?;
    let picked = index(&x, &[TensorIndex::Tensor(rows)])?; // 3x4, row 2 twice
    let g = gather(&x, 1, &Tensor::from_vec(vec![3i64, 3, 0], &[3, 1])?)?;
    let parts = split(&x, 2, 1)?;
    let joined = cat(&[parts[1].clone(), g], 1)?; // columns 2, 3, then the gathered
    let y = binary(
        &total(&picked)?,
        &total(&binary(&joined, &joined, BinaryOp::Mul)?)?,
        BinaryOp::Add,
    )?;
    y.backward(None, false, false)?;
    let v = |p: usize| p as f64;
    let mut want = vec![0.0; 12];
    for c in 0..4 {
        want[8 + c] += 2.0; // row 2 indexed twice
        want[c] += 1.0;
    }
    for r in 0..3 {
        for c in [2, 3] {
            want[r * 4 + c] += 2.0 * v(r * 4 + c);
        }
    }
    for p in [3usize, 7, 8] {
        want[p] += 2.0 * v(p);
    }
    assert_eq!(grad_of(&x), want);
    Ok(())
}

#[test]
fn second_derivative_through_a_view() -> Result<()> {
    let x = grid();
    let y = total(&binary(&x.select(1, 2)?, 3.0, BinaryOp::Pow)?)?;
    let g = autograd::grad(&[y], &[None], std::slice::from_ref(&x), false, true, false)?;
    let g = g[0].clone().expect("first derivative");
    assert_eq!(g.grad_fn().unwrap().name(), "SelectBackwardBackward0");
    total(&g)?.backward(None, false, false)?;
    // d/dx sum(3 x^2) over column 2 = 6x there, 0 elsewhere.
    let want: Vec<f64> = (0..12)
        .map(|p| if p % 4 == 2 { 6.0 * p as f64 } else { 0.0 })
        .collect();
    assert_eq!(grad_of(&x), want);
    Ok(())
}

#[test]
fn retained_graph_backs_up_twice_then_refuses() -> Result<()> {
    let x = grid();
    let ix = Tensor::from_vec(vec![1i64, 1], &[2])?;
    let y = total(&unary(
        &index(&x, &[TensorIndex::Tensor(ix)])?,
        UnaryOp::Exp,
    )?)?;
    y.backward(None, true, false)?;
    let once = grad_of(&x);
    y.backward(None, false, false)?;
    let twice = grad_of(&x);
    for (a, b) in once.iter().zip(&twice) {
        assert_eq!(2.0 * a, *b);
    }
    assert!((once[4] - 2.0 * 4f64.exp()).abs() < 1e-9);
    let err = y.backward(None, false, false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Runtime);
    assert!(err
        .to_string()
        .starts_with("Trying to backward through the graph a second time"));
    Ok(())
}

#[test]
fn inplace_write_through_a_view() -> Result<()> {
    let x = grid();
    let h = binary(&x, 2.0, BinaryOp::Mul)?; // non-leaf: writable
    h.select(0, 1)?.fill(Scalar::Float(0.0))?; // row 1 becomes constant
    assert_eq!(h.grad_fn().unwrap().name(), "CopySlices");
    total(&h)?.backward(None, false, false)?;
    let want: Vec<f64> = (0..12)
        .map(|p| if (4..8).contains(&p) { 0.0 } else { 2.0 })
        .collect();
    assert_eq!(grad_of(&x), want);

    // A value saved for backward and then overwritten through a view fails.
    let x = grid();
    let e = unary(&x, UnaryOp::Exp)?;
    let s = total(&e)?;
    e.narrow(1, 0, 2)?.fill(Scalar::Float(1.0))?;
    let err = s.backward(None, false, false).unwrap_err();
    assert!(
        err.to_string().contains("modified by an inplace operation"),
        "{err}"
    );
    Ok(())
}
