//! Ops without a backward formula still join the graph: their output gets a
//! `NotImplemented` node whose backward raises PyTorch's error, so a
//! gradient is never silently dropped.

use crate::autograd::{record, Formula};
use crate::{Error, Result, Tensor};

struct Missing {
    op: &'static str,
    /// PyTorch words ops without any derivative formula (`aten::` ops it
    /// marks not differentiable) differently from unimplemented ones.
    aten: bool,
}

impl Formula for Missing {
    fn backward(&self, _g: &Tensor, _needs: &[bool]) -> Result<Vec<Option<Tensor>>> {
        Err(Error::NotImplemented(if self.aten {
            format!("derivative for aten::{} is not implemented", self.op)
        } else {
            format!("the derivative for '{}' is not implemented.", self.op)
        }))
    }
}

/// Records `aten::` op `op` (e.g. `floor_divide`), which has no derivative in
/// PyTorch, on `inputs` with a backward that raises PyTorch's message.
pub(crate) fn not_implemented_aten(
    op: &'static str,
    inputs: &[&Tensor],
    forward: impl FnOnce() -> Result<Tensor>,
) -> Result<Tensor> {
    let ins: Vec<Option<&Tensor>> = inputs
        .iter()
        .map(|t| Some(*t).filter(|t| t.requires_grad()))
        .collect();
    record("NotImplemented", &ins, forward, |_| {
        Ok(Missing { op, aten: true })
    })
}

/// A `NotImplemented` node for in-place op `op` on `inputs`.
pub(crate) fn node(
    op: &'static str,
    inputs: &[Option<&Tensor>],
) -> std::sync::Arc<dyn crate::autograd::Node> {
    let edges = inputs
        .iter()
        .map(|t| t.and_then(|t| t.gradient_edge()))
        .collect();
    crate::autograd::node::OpNode::create("NotImplemented", edges, Missing { op, aten: false })
}
