//! The backward engine: from the roots, count each reachable node's incoming
//! edges, then run nodes once all their gradients have arrived (Kahn's
//! topological order), summing gradients per node input. Leaves accumulate
//! into `.grad` ([`backward`]) or are captured and returned ([`grad`]).

use super::accumulate::accumulate_into;
use super::grad_mode::GradModeGuard;
use super::hooks::run_pre_hooks;
use super::node::{Edge, Node};
use crate::ops::math::{binary, BinaryOp};
use crate::{Error, Result, Tensor};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// `torch.autograd.backward`: accumulates d(tensors)/d(leaf) (weighted by
/// `grad_tensors`, which may be `None` for one-element tensors) into every
/// leaf's `.grad`.
pub fn backward(
    tensors: &[Tensor],
    grad_tensors: &[Option<Tensor>],
    retain_graph: bool,
    create_graph: bool,
) -> Result<()> {
    backward_to(tensors, grad_tensors, retain_graph, create_graph, &[])
}

/// [`backward`] that accumulates only into `inputs` (leaves or not) when
/// that is not empty (`backward(inputs=...)`); only the part of the graph
/// leading to them runs.
///
/// ```
/// use ferrotorch::autograd::backward_to;
/// use ferrotorch::ops::math::{binary, BinaryOp};
/// use ferrotorch::Tensor;
/// # fn main() -> ferrotorch::Result<()> {
/// let a = Tensor::from_vec(vec![2.0f32], &[1])?;
/// let b = Tensor::from_vec(vec![5.0f32], &[1])?;
/// a.set_requires_grad(true)?;
/// b.set_requires_grad(true)?;
/// let y = binary(&a, &b, BinaryOp::Mul)?;
/// backward_to(&[y], &[None], false, false, &[b.clone()])?;
/// assert!(a.grad().is_none());
/// assert_eq!(b.grad().unwrap().to_vec::<f32>()?, [2.0]);
/// # Ok(())
/// # }
/// ```
pub fn backward_to(
    tensors: &[Tensor],
    grad_tensors: &[Option<Tensor>],
    retain_graph: bool,
    create_graph: bool,
    inputs: &[Tensor],
) -> Result<()> {
    let roots = root_edges(tensors)?;
    let grads = root_grads(tensors, grad_tensors)?;
    if inputs.is_empty() {
        execute(&roots, grads, retain_graph, create_graph, &[], true)?;
        return Ok(());
    }
    let captures = inputs
        .iter()
        .map(|t| {
            // PyTorch retains the grad of each input, hence its wording.
            t.gradient_edge().ok_or_else(|| {
                Error::Runtime("can't retain_grad on Tensor that has requires_grad=False".into())
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let found = execute(&roots, grads, retain_graph, create_graph, &captures, false)?;
    let _mode = GradModeGuard::new(create_graph);
    for (t, g) in inputs.iter().zip(found) {
        if let Some(g) = g {
            accumulate_into(t, g)?;
        }
    }
    Ok(())
}

/// `torch.autograd.grad`: the gradients of `outputs` with respect to
/// `inputs`, returned instead of accumulated into `.grad`.
///
/// ```
/// use ferrotorch::autograd::grad;
/// use ferrotorch::ops::math::{binary, BinaryOp};
/// use ferrotorch::{DType, Scalar, Tensor};
/// # fn main() -> ferrotorch::Result<()> {
/// let x = Tensor::scalar(Scalar::Float(3.0), DType::F64);
/// x.set_requires_grad(true)?;
/// let y = binary(&x, 3.0, BinaryOp::Pow)?; // x**3
/// let dy = grad(&[y], &[None], &[x.clone()], true, true, false)?[0].clone().unwrap();
/// assert_eq!(dy.item_f64()?, 27.0); // 3x**2
/// let d2y = grad(&[dy], &[None], &[x.clone()], false, false, false)?[0].clone().unwrap();
/// assert_eq!(d2y.item_f64()?, 18.0); // 6x
/// assert!(x.grad().is_none()); // grad() does not touch .grad
/// # Ok(())
/// # }
/// ```
pub fn grad(
    outputs: &[Tensor],
    grad_outputs: &[Option<Tensor>],
    inputs: &[Tensor],
    retain_graph: bool,
    create_graph: bool,
    allow_unused: bool,
) -> Result<Vec<Option<Tensor>>> {
    let roots = root_edges(outputs)?;
    let grads = root_grads(outputs, grad_outputs)?;
    let captures = inputs
        .iter()
        .map(|t| {
            t.gradient_edge().ok_or_else(|| {
                Error::Runtime("One of the differentiated Tensors does not require grad".into())
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let found = execute(&roots, grads, retain_graph, create_graph, &captures, false)?;
    for (i, g) in found.iter().enumerate() {
        if g.is_none() && !allow_unused {
            return Err(Error::Runtime(format!(
                "The differentiated Tensor at index {i} appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior."
            )));
        }
    }
    Ok(found)
}

fn root_edges(tensors: &[Tensor]) -> Result<Vec<Edge>> {
    tensors
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.gradient_edge().ok_or_else(|| {
                Error::Runtime(format!(
                    "element {i} of tensors does not require grad and does not have a grad_fn"
                ))
            })
        })
        .collect()
}

fn size_str(s: &[usize]) -> String {
    format!(
        "torch.Size([{}])",
        s.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The gradient each root starts with: the given one (checked), or 1 for a
/// one-element root.
fn root_grads(tensors: &[Tensor], given: &[Option<Tensor>]) -> Result<Vec<Tensor>> {
    if given.len() > tensors.len() {
        return Err(Error::Runtime(format!(
            "grad can be implicitly created only for scalar outputs: got {} gradients for {} tensors",
            given.len(),
            tensors.len()
        )));
    }
    tensors
        .iter()
        .enumerate()
        .map(|(i, t)| match given.get(i).cloned().flatten() {
            Some(g) => {
                if g.shape() != t.shape() {
                    return Err(Error::Runtime(format!(
                        "Mismatch in shape: grad_output[{i}] has a shape of {} and output[{i}] has a shape of {}.",
                        size_str(g.shape()),
                        size_str(t.shape())
                    )));
                }
                if g.device() != t.device() {
                    return Err(Error::Runtime(format!(
                        "invalid gradient at index {i} - expected device {} but got {}",
                        t.device(),
                        g.device()
                    )));
                }
                g.to_dtype(t.dtype())
            }
            None if t.numel() == 1 => {
                Tensor::full_on(t.shape(), crate::Scalar::Int(1), t.dtype(), t.device())
            }
            None => Err(Error::Runtime(
                "grad can be implicitly created only for scalar outputs".into(),
            )),
        })
        .collect()
}

struct Pending {
    node: Arc<dyn Node>,
    deps: usize,
    grads: Vec<Option<Tensor>>,
}

/// `slot += g` for gradients arriving at the same node input.
fn add_grad(grads: &mut Vec<Option<Tensor>>, nr: usize, g: Tensor) -> Result<()> {
    if grads.len() <= nr {
        grads.resize(nr + 1, None);
    }
    grads[nr] = Some(match grads[nr].take() {
        None => g,
        Some(a) => binary(&a, &g, BinaryOp::Add)?,
    });
    Ok(())
}

/// Runs the graph; returns the gradients that reached each capture edge.
fn execute(
    roots: &[Edge],
    root_grads: Vec<Tensor>,
    retain_graph: bool,
    create_graph: bool,
    captures: &[Edge],
    accumulate: bool,
) -> Result<Vec<Option<Tensor>>> {
    // Formulas are recorded only when building a graph of the gradients.
    let _mode = GradModeGuard::new(create_graph);
    let mut pending: HashMap<usize, Pending> = HashMap::new();
    let mut stack: Vec<Arc<dyn Node>> = vec![];
    for r in roots {
        if let std::collections::hash_map::Entry::Vacant(v) = pending.entry(r.node_id()) {
            v.insert(new_pending(&r.node));
            stack.push(r.node.clone());
        }
    }
    while let Some(n) = stack.pop() {
        for e in n.next_edges().iter().flatten() {
            let id = e.node_id();
            let p = pending.entry(id).or_insert_with(|| {
                stack.push(e.node.clone());
                new_pending(&e.node)
            });
            p.deps += 1;
        }
    }
    for (r, g) in roots.iter().zip(root_grads) {
        let p = pending.get_mut(&r.node_id()).expect("root was discovered");
        add_grad(&mut p.grads, r.input_nr, g)?;
    }
    // With captures, only nodes on a path to one of them matter.
    let reach = (!captures.is_empty() || !accumulate).then(|| reaching(&pending, captures));
    let mut ready: Vec<usize> = pending
        .iter()
        .filter(|(_, p)| p.deps == 0)
        .map(|(&id, _)| id)
        .collect();
    let mut captured: Vec<Option<Tensor>> = vec![None; captures.len()];
    while let Some(id) = ready.pop() {
        let p = pending.get_mut(&id).expect("ready node is pending");
        let node = p.node.clone();
        let grads = std::mem::take(&mut p.grads);
        let reached = reach.as_ref().is_none_or(|r| r.contains(&id));
        if !reached {
            release_edges(&node, &mut pending, &mut ready);
            continue;
        }
        let grads = run_pre_hooks(&*node, grads)?;
        for (c, slot) in captures.iter().zip(captured.iter_mut()) {
            if c.node_id() == id {
                if let Some(g) = grads.get(c.input_nr).cloned().flatten() {
                    *slot = Some(g);
                }
            }
        }
        for (nr, t) in node.retained_outputs() {
            if let Some(g) = grads.get(nr).cloned().flatten() {
                accumulate_into(&t, g)?;
            }
        }
        let run = match &reach {
            None => true,
            Some(r) => node
                .next_edges()
                .iter()
                .flatten()
                .any(|e| r.contains(&e.node_id())),
        };
        let outs = if run { node.apply(grads)? } else { vec![] };
        if run && !retain_graph {
            node.release_saved();
        }
        let mut outs = outs.into_iter();
        for e in node.next_edges() {
            let g = outs.next().flatten();
            let Some(e) = e else { continue };
            let p = pending
                .get_mut(&e.node_id())
                .expect("edge target discovered");
            if let Some(g) = g {
                add_grad(&mut p.grads, e.input_nr, g)?;
            }
            p.deps -= 1;
            if p.deps == 0 {
                ready.push(e.node_id());
            }
        }
    }
    Ok(captured)
}

/// Passes no gradient along `node`'s edges (a node that need not run).
fn release_edges(
    node: &Arc<dyn Node>,
    pending: &mut HashMap<usize, Pending>,
    ready: &mut Vec<usize>,
) {
    for e in node.next_edges().iter().flatten() {
        let p = pending
            .get_mut(&e.node_id())
            .expect("edge target discovered");
        p.deps -= 1;
        if p.deps == 0 {
            ready.push(e.node_id());
        }
    }
}

/// The nodes from which some capture can be reached (the captures included):
/// children before parents via a topological order of the discovered graph.
fn reaching(pending: &HashMap<usize, Pending>, captures: &[Edge]) -> HashSet<usize> {
    let mut deps: HashMap<usize, usize> = pending.iter().map(|(&id, p)| (id, p.deps)).collect();
    let mut ready: Vec<usize> = deps
        .iter()
        .filter(|(_, &d)| d == 0)
        .map(|(&id, _)| id)
        .collect();
    let mut order = Vec::with_capacity(pending.len());
    while let Some(id) = ready.pop() {
        order.push(id);
        for e in pending[&id].node.next_edges().iter().flatten() {
            let d = deps.get_mut(&e.node_id()).expect("edge target discovered");
            *d -= 1;
            if *d == 0 {
                ready.push(e.node_id());
            }
        }
    }
    let mut reach: HashSet<usize> = captures.iter().map(Edge::node_id).collect();
    for id in order.into_iter().rev() {
        if pending[&id]
            .node
            .next_edges()
            .iter()
            .flatten()
            .any(|e| reach.contains(&e.node_id()))
        {
            reach.insert(id);
        }
    }
    reach
}

fn new_pending(node: &Arc<dyn Node>) -> Pending {
    Pending {
        node: node.clone(),
        deps: 0,
        grads: vec![],
    }
}
