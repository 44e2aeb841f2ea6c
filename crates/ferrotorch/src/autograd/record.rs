//! How an op joins the graph: the cheap test whether to record at all, and
//! [`record`], which runs the forward with grad mode off and attaches the node.

use super::grad_mode::{is_grad_enabled, GradModeGuard};
use super::node::{Formula, OpNode};
use crate::{Result, Tensor};

/// Whether an op on `inputs` must record: some input requires grad and grad
/// mode is on. This is the only autograd cost of an op when nothing does.
#[inline]
pub(crate) fn any_requires_grad(inputs: &[&Tensor]) -> bool {
    inputs.iter().any(|t| t.requires_grad()) && is_grad_enabled()
}

/// Runs `forward` without recording (its inner ops are implementation
/// details) and, when the result is floating, records node `name` with one
/// edge per entry of `inputs` (`None` for non-tensor operands) and the
/// formula `make` builds from the output.
pub(crate) fn record<F: Formula>(
    name: &'static str,
    inputs: &[Option<&Tensor>],
    forward: impl FnOnce() -> Result<Tensor>,
    make: impl FnOnce(&Tensor) -> Result<F>,
) -> Result<Tensor> {
    let out = {
        let _g = GradModeGuard::new(false);
        forward()?
    };
    if !out.dtype().is_float() {
        return Ok(out);
    }
    let edges = inputs
        .iter()
        .map(|t| t.and_then(|t| t.gradient_edge()))
        .collect();
    let formula = make(&out)?;
    Ok(out.attach_grad_fn(OpNode::create(name, edges, formula)))
}
