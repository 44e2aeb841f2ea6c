//! `flip` of a CUDA tensor: one strided copy. Host layouts have unsigned
//! strides, but the kernels' `FtLayout` is signed, so the flipped view is
//! the source's layout with each flipped dim starting at its last element
//! and walking back (a negative stride); the strided copy kernel then
//! writes it out contiguously.

use super::{base, count, device_of, empty, layout_arg};
use crate::{Error, Result, Tensor};
use ferrotorch_cuda::kernels::dtypes::suffix;
use ferrotorch_cuda::kernels::elementwise as k;
use ferrotorch_cuda::kernels::layout::{KernelLayout, MAX_DIMS};
use ferrotorch_cuda::KernelArg;

/// The kernel layout reading `t` reversed along `dims`, with adjacent
/// dimensions merged where they walk memory as one (as
/// `kernels::layout::coalesce` does, here on signed strides).
fn flipped_layout(t: &Tensor, dims: &[usize]) -> Result<KernelLayout> {
    let l = t.layout();
    let mut offset = l.offset as i64;
    let mut shape: Vec<i64> = Vec::new();
    let mut strides: Vec<i64> = Vec::new();
    for (d, (&n, &s)) in l.shape.iter().zip(&l.strides).enumerate() {
        if n == 1 {
            continue;
        }
        let (n, mut s) = (n as i64, s as i64);
        if dims.contains(&d) {
            offset += (n - 1) * s;
            s = -s;
        }
        // Index i of the outer dim and j of the inner one address
        // i * (s * n') + j * s' = (i * n' + j) * s' when s == s' * n'.
        match (shape.last_mut(), strides.last_mut()) {
            (Some(pn), Some(ps)) if *ps == s * n => {
                *pn *= n;
                *ps = s;
            }
            _ => {
                shape.push(n);
                strides.push(s);
            }
        }
    }
    if shape.len() > MAX_DIMS {
        return Err(Error::NotImplemented(format!(
            "flip on CUDA of a tensor with more than {MAX_DIMS} non-mergeable dimensions (shape {:?}, strides {:?})",
            l.shape, l.strides
        )));
    }
    let mut k = KernelLayout {
        ndim: shape.len() as i32,
        offset,
        shape: [1; MAX_DIMS],
        stride: [0; MAX_DIMS],
    };
    k.shape[..shape.len()].copy_from_slice(&shape);
    k.stride[..strides.len()].copy_from_slice(&strides);
    Ok(k)
}

/// A new contiguous tensor with `t`'s values reversed along `dims`.
pub(crate) fn flip(t: &Tensor, dims: &[usize]) -> Result<Tensor> {
    let dev = device_of(t)?;
    let dt = t.dtype();
    let out = empty(&dev, t.shape(), dt)?;
    let n = t.numel();
    if n == 0 {
        return Ok(out);
    }
    let src = flipped_layout(t, dims)?;
    let module = dev.module(&format!("copy_{}", suffix(dt)), || k::copy_module(dt))?;
    dev.launch_elementwise(
        &module,
        &k::cast_kernel(dt, dt, false),
        n,
        &[
            count(n),
            base(t),
            KernelArg::Layout(src),
            base(&out),
            layout_arg(out.layout())?,
        ],
    )?;
    Ok(out)
}
