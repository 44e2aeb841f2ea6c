//! Graph nodes: the [`Node`] trait every backward function implements, the
//! [`Edge`]s between nodes, and [`OpNode`], the node built-in ops record (a
//! name, edges to the inputs, and a [`Formula`] holding what it saved).

use super::hooks::PreHooks;
use super::saved::SavedTensor;
use crate::tensor::TensorImpl;
use crate::{Result, Tensor};
use std::any::Any;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// A backward function in the graph.
pub trait Node: Send + Sync {
    /// PyTorch's name, e.g. `MulBackward0` or `AccumulateGrad`.
    fn name(&self) -> &str;
    /// One edge per differentiable input (`None` where the input needs no grad).
    fn next_edges(&self) -> &[Option<Edge>];
    /// Gradients of the inputs, one per edge, from the gradients of the outputs.
    fn apply(&self, grads: Vec<Option<Tensor>>) -> Result<Vec<Option<Tensor>>>;
    /// Frees saved tensors (after a backward without `retain_graph`).
    fn release_saved(&self) {}
    /// The leaf tensor, for an `AccumulateGrad` node.
    fn variable(&self) -> Option<Tensor> {
        None
    }
    /// Registers a non-leaf output whose gradient is kept (`retain_grad`).
    fn retain_output(&self, _output_nr: usize, _t: Weak<TensorImpl>) {}
    /// The retained outputs still alive, with their output numbers.
    fn retained_outputs(&self) -> Vec<(usize, Tensor)> {
        vec![]
    }
    /// Where hooks on this node's outputs (`register_hook`) are kept, created
    /// on first registration; `None` for a node type that takes no hooks.
    fn pre_hooks_slot(&self) -> Option<&OnceLock<PreHooks>> {
        None
    }
    /// The concrete node, for callers that attach extra behaviour to their
    /// own node types (e.g. Python-defined functions in the bindings).
    fn as_any(&self) -> Option<&dyn Any> {
        None
    }
}

/// Where a gradient goes: input `input_nr` of `node`.
#[derive(Clone)]
pub struct Edge {
    pub node: Arc<dyn Node>,
    pub input_nr: usize,
}

impl Edge {
    /// Identity of the node (for maps and equality).
    pub fn node_id(&self) -> usize {
        node_id(&self.node)
    }
}

pub(crate) fn node_id(n: &Arc<dyn Node>) -> usize {
    Arc::as_ptr(n) as *const () as usize
}

/// An op's backward formula: gradients of its inputs from its output's.
pub(crate) trait Formula: Send + Sync + 'static {
    /// `needs[i]`: whether input `i` needs a gradient (others may be `None`).
    fn backward(&self, grad: &Tensor, needs: &[bool]) -> Result<Vec<Option<Tensor>>>;
    /// The tensors this formula saved, to free or to link to their node.
    fn saved(&self) -> Vec<&SavedTensor> {
        vec![]
    }
}

/// The node recorded by built-in single-output ops.
pub(crate) struct OpNode<F: Formula> {
    name: &'static str,
    edges: Vec<Option<Edge>>,
    formula: F,
    retained: Mutex<Vec<Weak<TensorImpl>>>,
    hooks: OnceLock<PreHooks>,
}

impl<F: Formula> OpNode<F> {
    pub(crate) fn create(
        name: &'static str,
        edges: Vec<Option<Edge>>,
        formula: F,
    ) -> Arc<dyn Node> {
        let node: Arc<OpNode<F>> = Arc::new(OpNode {
            name,
            edges,
            formula,
            retained: Mutex::new(vec![]),
            hooks: OnceLock::new(),
        });
        let dyn_node: Arc<dyn Node> = node.clone();
        // Saved outputs need their node to re-attach `grad_fn` when unpacked
        // (for create_graph); a weak link avoids an output -> node -> output cycle.
        for s in node.formula.saved() {
            s.set_owner(Arc::downgrade(&dyn_node));
        }
        dyn_node
    }
}

impl<F: Formula> Node for OpNode<F> {
    fn name(&self) -> &str {
        self.name
    }
    fn next_edges(&self) -> &[Option<Edge>] {
        &self.edges
    }
    fn apply(&self, mut grads: Vec<Option<Tensor>>) -> Result<Vec<Option<Tensor>>> {
        let Some(g) = grads.pop().flatten() else {
            return Ok(vec![None; self.edges.len()]);
        };
        let needs: Vec<bool> = self.edges.iter().map(|e| e.is_some()).collect();
        let mut out = self.formula.backward(&g, &needs)?;
        out.resize(self.edges.len(), None);
        Ok(out)
    }
    fn release_saved(&self) {
        for s in self.formula.saved() {
            s.release();
        }
    }
    fn retain_output(&self, _output_nr: usize, t: Weak<TensorImpl>) {
        let mut r = self.retained.lock().unwrap();
        if !r.iter().any(|w| w.ptr_eq(&t)) {
            r.push(t);
        }
    }
    fn retained_outputs(&self) -> Vec<(usize, Tensor)> {
        let mut r = self.retained.lock().unwrap();
        r.retain(|w| w.strong_count() > 0);
        r.iter()
            .filter_map(Tensor::upgrade)
            .map(|t| (0, t))
            .collect()
    }
    fn pre_hooks_slot(&self) -> Option<&OnceLock<PreHooks>> {
        Some(&self.hooks)
    }
}
