//! `take` and `put_add` on CUDA tensors (positions are an int64 tensor on
//! the same device, already checked to be in range).

use super::{base, count, device_of, empty, first, layout_arg};
use crate::{Result, Scalar, Tensor};
use ferrotorch_cuda::kernels::index as k;

/// `t` read at flat positions `pos`; the result has `pos`'s shape.
pub(crate) fn take(t: &Tensor, pos: &Tensor) -> Result<Tensor> {
    let dev = device_of(t)?;
    let dt = t.dtype();
    let pos = pos.contiguous();
    let out = empty(&dev, pos.shape(), dt)?;
    let module = dev.module("index", k::index_module)?;
    let n = pos.numel();
    dev.launch_elementwise(
        &module,
        &k::take_kernel(dt),
        n,
        &[
            count(n),
            count(t.numel()),
            base(t),
            layout_arg(t.layout())?,
            first(&pos),
            first(&out),
        ],
    )?;
    Ok(out)
}

/// Zeros of `shape` with `src[k]` added at flat position `pos[k]`.
pub(crate) fn put_add(shape: &[usize], pos: &Tensor, src: &Tensor) -> Result<Tensor> {
    let dev = device_of(src)?;
    let acc = k::put_add_acc(src.dtype());
    let out = crate::gpu::elementwise::full(dev.index(), shape, Scalar::Int(0), acc)?;
    let (pos, src) = (pos.contiguous(), src.contiguous());
    let module = dev.module("index", k::index_module)?;
    let n = pos.numel();
    dev.launch_elementwise(
        &module,
        &k::put_add_kernel(acc, src.dtype()),
        n,
        &[
            count(n),
            count(out.numel()),
            first(&pos),
            first(&src),
            first(&out),
        ],
    )?;
    out.to_dtype(src.dtype())
}
