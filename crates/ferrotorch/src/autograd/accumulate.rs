//! `AccumulateGrad`: the node at each leaf that adds incoming gradients into
//! the leaf's `.grad`. A leaf caches its node weakly, so every graph that uses
//! the leaf shares one node (and `next_functions` shows the same object).

use super::grad_mode::is_grad_enabled;
use super::hooks::PreHooks;
use super::node::{Edge, Node};
use crate::ops::math::{binary, binary_inplace, BinaryOp};
use crate::{Result, Tensor};
use std::sync::{Arc, OnceLock};

pub struct AccumulateGrad {
    variable: Tensor,
}

impl AccumulateGrad {
    /// The leaf's accumulator, created on first use.
    pub(crate) fn for_leaf(t: &Tensor) -> Arc<dyn Node> {
        let mut slot = t.autograd_meta().accumulator.lock().unwrap();
        if let Some(n) = slot.upgrade() {
            return n;
        }
        let n = Arc::new(AccumulateGrad {
            variable: t.clone(),
        });
        *slot = Arc::downgrade(&n);
        n
    }
}

impl Node for AccumulateGrad {
    fn name(&self) -> &str {
        "AccumulateGrad"
    }
    fn next_edges(&self) -> &[Option<Edge>] {
        &[]
    }
    fn apply(&self, mut grads: Vec<Option<Tensor>>) -> Result<Vec<Option<Tensor>>> {
        if let Some(g) = grads.pop().flatten() {
            accumulate_into(&self.variable, g)?;
        }
        Ok(vec![])
    }
    fn variable(&self) -> Option<Tensor> {
        Some(self.variable.clone())
    }
    // A leaf's hooks live on the leaf, so they exist before this node does.
    fn pre_hooks_slot(&self) -> Option<&OnceLock<PreHooks>> {
        Some(&self.variable.autograd_meta().hooks)
    }
}

/// `t.grad += g`: the first gradient is adopted (copied unless nobody else
/// holds it), later ones are added in place, or out of place when building a
/// graph (`create_graph`), as PyTorch does.
pub(crate) fn accumulate_into(t: &Tensor, g: Tensor) -> Result<()> {
    let g = if g.dtype() != t.dtype() {
        g.to_dtype(t.dtype())?
    } else {
        g
    };
    let mut slot = t.autograd_meta().grad.lock().unwrap();
    let graph = is_grad_enabled();
    *slot = Some(match slot.take() {
        None if graph => g,
        None if g.is_unshared() && g.is_contiguous() && g.grad_fn().is_none() => g,
        None => g.detach().clone_data(),
        Some(old) if graph => binary(&old, &g, BinaryOp::Add)?,
        Some(old) => match binary_inplace(&old, &g, BinaryOp::Add) {
            Ok(()) => old,
            // An expanded or read-only `.grad` set by the user: replace it.
            Err(_) => binary(&old, &g, BinaryOp::Add)?,
        },
    });
    Ok(())
}
