//! Ops along contiguous rows of CUDA tensors (the op definitions move the
//! dim last first): softmax, log_softmax, cumsum, cumprod.

use super::{count, device_of, empty, first};
use crate::{Result, Tensor};
use ferrotorch_cuda::kernels::softmax as k;

/// Softmax (`log`: log-softmax) of each row of length `len` of contiguous `x`.
pub(crate) fn softmax(x: &Tensor, len: usize, log: bool) -> Result<Tensor> {
    let dev = device_of(x)?;
    let out = empty(&dev, x.shape(), x.dtype())?;
    let rows = x.numel().checked_div(len).unwrap_or(0);
    let module = dev.module("softmax", k::softmax_module)?;
    dev.launch_rows(
        &module,
        &k::softmax_kernel(x.dtype(), log),
        rows,
        len,
        &[count(rows), count(len), first(x), first(&out)],
    )?;
    Ok(out)
}

/// Running sum (`prod`: product) along each row of length `len` of
/// contiguous `x`.
pub(crate) fn scan(x: &Tensor, len: usize, prod: bool) -> Result<Tensor> {
    let dev = device_of(x)?;
    let out = empty(&dev, x.shape(), x.dtype())?;
    let rows = x.numel().checked_div(len).unwrap_or(0);
    let module = dev.module("scan", k::scan_module)?;
    dev.launch_elementwise(
        &module,
        &k::scan_kernel(x.dtype(), prod),
        rows,
        &[count(rows), count(len), first(x), first(&out)],
    )?;
    Ok(out)
}
