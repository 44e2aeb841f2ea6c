//! Tensors saved for backward. Each remembers its storage version when saved:
//! unpacking after an in-place write, or after the graph was freed, raises
//! PyTorch's error instead of computing a wrong gradient.

use super::node::Node;
use crate::{Error, Result, Tensor};
use std::sync::{Mutex, OnceLock, Weak};

pub struct SavedTensor {
    data: Mutex<Option<Tensor>>,
    version: u64,
    /// Set for a saved output of its own node, which is stored without
    /// `grad_fn` (a strong link would be a cycle) and re-linked on unpack.
    owner: Option<OnceLock<Weak<dyn Node>>>,
}

const FREED: &str = "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.";

impl SavedTensor {
    /// Saves an input of the op.
    pub fn input(t: &Tensor) -> SavedTensor {
        SavedTensor {
            data: Mutex::new(Some(t.clone())),
            version: t.storage().version(),
            owner: None,
        }
    }

    /// Saves the op's own output (stored without its `grad_fn`, re-linked to
    /// the node given to [`SavedTensor::set_owner`] when unpacked).
    pub fn output(t: &Tensor) -> SavedTensor {
        SavedTensor {
            data: Mutex::new(Some(t.detach())),
            version: t.storage().version(),
            owner: Some(OnceLock::new()),
        }
    }

    pub fn set_owner(&self, node: Weak<dyn Node>) {
        if let Some(o) = &self.owner {
            let _ = o.set(node);
        }
    }

    pub fn release(&self) {
        *self.data.lock().unwrap() = None;
    }

    /// The saved tensor, checked against in-place writes since it was saved.
    pub fn unpack(&self) -> Result<Tensor> {
        let t = self
            .data
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| Error::Runtime(FREED.into()))?;
        let node = self
            .owner
            .as_ref()
            .and_then(|o| o.get())
            .and_then(|w| w.upgrade());
        let now = t.storage().version();
        if now != self.version {
            let origin = match node.clone().or_else(|| t.grad_fn()) {
                Some(n) => format!(", which is output 0 of {},", op_name(n.name())),
                None => String::new(),
            };
            return Err(Error::Runtime(format!(
                "one of the variables needed for gradient computation has been modified by an inplace operation: [{} [{}]]{} is at version {}; expected version {} instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).",
                t.dtype().legacy_type_name(t.device()),
                t.shape().iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
                origin,
                now,
                self.version
            )));
        }
        match node {
            // With grad mode on (create_graph) the output must lead back to its node.
            Some(n) if super::is_grad_enabled() => Ok(t.attach_grad_fn(n)),
            _ => Ok(t),
        }
    }
}

/// `ExpBackward0` -> `Exp`, as PyTorch names the op in this message.
fn op_name(node: &str) -> &str {
    match node.find("Backward") {
        Some(i) => &node[..i],
        None => node,
    }
}
