//! Tensor gradient hooks (`Tensor.register_hook`): callbacks that see, and
//! may replace, the gradient flowing into a tensor before it is used.
//!
//! A non-leaf's hooks live on its `grad_fn` (keyed by output number), so they
//! fire even after the tensor itself is gone, as in PyTorch; a leaf's live on
//! the tensor and its `AccumulateGrad` node reads them. The engine runs them
//! on a node's incoming gradients before anything else (capture, retained
//! grad, the node's own backward).

use super::node::Node;
use crate::{Result, Tensor};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// A gradient hook: returns `Some(replacement)` or `None` to keep the gradient.
pub trait GradHook: Send + Sync {
    fn call(&self, grad: &Tensor) -> Result<Option<Tensor>>;
}

/// Any `Fn(&Tensor) -> Result<Option<Tensor>>` closure is a hook.
impl<F> GradHook for F
where
    F: Fn(&Tensor) -> Result<Option<Tensor>> + Send + Sync,
{
    fn call(&self, grad: &Tensor) -> Result<Option<Tensor>> {
        self(grad)
    }
}

struct Entry {
    id: u64,
    output_nr: usize,
    hook: Arc<dyn GradHook>,
}

type HookVec = Mutex<Vec<Entry>>;

/// The hooks of one node (or one leaf), in registration order.
#[derive(Default)]
pub struct PreHooks(Arc<HookVec>);

/// Ids are global so a handle can never remove another list's hook.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl PreHooks {
    /// Adds `hook` for output `output_nr`; the handle removes it again.
    pub fn add(&self, output_nr: usize, hook: Arc<dyn GradHook>) -> HookHandle {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self.0.lock().unwrap().push(Entry {
            id,
            output_nr,
            hook,
        });
        HookHandle {
            list: Arc::downgrade(&self.0),
            id,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.lock().unwrap().is_empty()
    }

    /// Runs the hooks registered for `output_nr` on `grad`, each on the
    /// previous one's result.
    pub(crate) fn run(&self, output_nr: usize, mut grad: Tensor) -> Result<Tensor> {
        // Cloned out so a hook may register or remove hooks without deadlock.
        let hooks: Vec<Arc<dyn GradHook>> = self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.output_nr == output_nr)
            .map(|e| e.hook.clone())
            .collect();
        for h in hooks {
            if let Some(g) = h.call(&grad)? {
                grad = g;
            }
        }
        Ok(grad)
    }
}

/// Removes one registered hook (`RemovableHandle.remove()`); a no-op once the
/// hook or its node is gone.
pub struct HookHandle {
    list: Weak<HookVec>,
    id: u64,
}

impl HookHandle {
    pub fn id(&self) -> u64 {
        self.id
    }
    pub fn remove(&self) {
        if let Some(l) = self.list.upgrade() {
            l.lock().unwrap().retain(|e| e.id != self.id);
        }
    }
}

/// Runs `node`'s hooks on its incoming gradients (one slot per output).
pub(crate) fn run_pre_hooks(
    node: &dyn Node,
    mut grads: Vec<Option<Tensor>>,
) -> Result<Vec<Option<Tensor>>> {
    let Some(hooks) = node.pre_hooks_slot().and_then(|s| s.get()) else {
        return Ok(grads);
    };
    if hooks.is_empty() {
        return Ok(grads);
    }
    for (nr, slot) in grads.iter_mut().enumerate() {
        if let Some(g) = slot.take() {
            *slot = Some(hooks.run(nr, g)?);
        }
    }
    Ok(grads)
}
