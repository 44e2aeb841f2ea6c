//! Ops whose gradient is zero everywhere but which PyTorch still records:
//! `div` with a rounding mode (`DivBackward2`) and random fills of a tensor
//! with history (`UniformBackward0`, `NormalBackward0`). Their inputs get
//! zeros (not `None`), as in PyTorch.

use super::InputMeta;
use crate::autograd::inplace;
use crate::autograd::node::OpNode;
use crate::autograd::{record, Edge, Formula, GradModeGuard};
use crate::{Result, Tensor};

struct ZeroBackward {
    inputs: Vec<Option<InputMeta>>,
}

impl Formula for ZeroBackward {
    fn backward(&self, _g: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        self.inputs
            .iter()
            .zip(needs)
            .map(|(m, &need)| match m {
                Some(m) if need => m.zeros().map(Some),
                _ => Ok(None),
            })
            .collect::<Result<_>>()
    }
}

/// Overwrites `t` in place with `fill` and, when `t` has history, makes a
/// zero-gradient node `name` its new history (the in-place rebase).
pub(crate) fn fill_inplace(
    name: &'static str,
    t: &Tensor,
    fill: impl FnOnce() -> Result<()>,
) -> Result<()> {
    if !crate::autograd::any_requires_grad(&[t]) {
        return fill();
    }
    inplace::check_target(t)?;
    let edge = t.gradient_edge();
    {
        let _g = GradModeGuard::new(false);
        fill()?;
    }
    let node = OpNode::create(
        name,
        vec![edge],
        ZeroBackward {
            inputs: vec![Some(InputMeta::of(t))],
        },
    );
    inplace::rebase(t, Some(Edge { node, input_nr: 0 }))
}

/// Gives `q`, the quotient of `div(a, b, rounding_mode=...)` computed with
/// grad mode off, PyTorch's `DivBackward2` node: rounding is flat, so both
/// operands get zero gradients (also where `b` is 0: no NaN).
pub fn div_rounded(q: &Tensor, a: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
    let mut ins = vec![a];
    ins.extend(b);
    if !crate::autograd::any_requires_grad(&ins) {
        return Ok(q.clone());
    }
    // Edges keep PyTorch's layout: (self, other), `other` empty for a number.
    let ins: Vec<Option<&Tensor>> = vec![
        Some(a).filter(|t| t.requires_grad()),
        b.filter(|t| t.requires_grad()),
    ];
    let metas = ins.iter().map(|t| t.map(InputMeta::of)).collect();
    record(
        "DivBackward2",
        &ins,
        || Ok(q.detach()),
        |_| Ok(ZeroBackward { inputs: metas }),
    )
}
