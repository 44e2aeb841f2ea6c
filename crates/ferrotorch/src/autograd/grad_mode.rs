//! Thread-local grad mode: whether ops record the graph (`no_grad`,
//! `enable_grad`, `set_grad_enabled`; `inference_mode` acts as `no_grad`).

use std::cell::Cell;

thread_local! {
    // `const` init: reading it is a plain thread-local load on the hot path.
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Whether ops on this thread record gradients.
#[inline]
pub fn is_grad_enabled() -> bool {
    GRAD_ENABLED.with(|g| g.get())
}

/// Turns grad mode on or off for this thread.
pub fn set_grad_enabled(enabled: bool) {
    GRAD_ENABLED.with(|g| g.set(enabled));
}

/// Sets grad mode for its lifetime and restores the previous mode on drop:
/// `GradModeGuard::new(false)` is PyTorch's `no_grad()`.
///
/// ```
/// use ferrotorch::autograd::{is_grad_enabled, GradModeGuard};
/// {
///     let _g = GradModeGuard::new(false);
///     assert!(!is_grad_enabled());
/// }
/// assert!(is_grad_enabled());
/// ```
pub struct GradModeGuard {
    prev: bool,
}

impl GradModeGuard {
    pub fn new(enabled: bool) -> GradModeGuard {
        let prev = is_grad_enabled();
        set_grad_enabled(enabled);
        GradModeGuard { prev }
    }
}

impl Drop for GradModeGuard {
    fn drop(&mut self) {
        set_grad_enabled(self.prev);
    }
}
