//! Runs a cudarc call with its panics turned into [`Error::Panicked`].
//!
//! cudarc panics when a library or one of its symbols is missing. We probe
//! before calling, but an older library found first on the loader path can
//! still lack a symbol; this is the second line of defence.

use crate::error::{Error, Result};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub(crate) fn guarded<T>(call: &'static str, f: impl FnOnce() -> T) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into());
        Error::Panicked { call, message }
    })
}
