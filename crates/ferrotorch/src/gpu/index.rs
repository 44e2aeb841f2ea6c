//! Indexing on CUDA tensors: `take` and `put_add` by flat position,
//! reads and writes by storage offset (advanced indexing, gather, scatter)
//! and `nonzero`. Offsets and positions are int64 tensors on the same
//! device, computed there and checked to be in range.

use super::{base, count, device_of, empty, first, layout_arg};
use crate::{Result, Scalar, Tensor};
use ferrotorch_cuda::kernels::index as k;
use ferrotorch_cuda::KernelArg;

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

/// The smallest and largest value of an integer tensor on the device, read
/// back together (one sync); `None` when it is empty. The bounds checks of
/// index tensors need only these two.
pub(crate) fn value_range(t: &Tensor) -> Result<Option<(i64, i64)>> {
    if t.numel() == 0 {
        return Ok(None);
    }
    let lo = crate::ops::reduce::amax(t, &[], false, false)?;
    let hi = crate::ops::reduce::amax(t, &[], false, true)?;
    let both: Vec<i64> = crate::ops::shape::stack(&[lo, hi], 0)?.to_vec()?;
    Ok(Some((both[0], both[1])))
}

/// A 1-D view of `t`'s whole storage (as `t`'s dtype), which storage
/// offsets index directly.
fn storage_tensor(t: &Tensor) -> Result<Tensor> {
    let len = t.storage().len_of(t.dtype());
    Tensor::from_storage(
        t.storage().clone(),
        crate::Layout::contiguous(&[len]),
        t.dtype(),
    )
}

/// The elements of `base`'s storage at storage `offsets` (int64, same
/// device), as a 1-D tensor.
pub(crate) fn take_storage(base: &Tensor, offsets: &Tensor) -> Result<Tensor> {
    take(&storage_tensor(base)?, offsets)
}

/// `t`'s storage at `offsets` gets `src` (same number of elements, `t`'s
/// dtype, same device); duplicates keep one of their values.
pub(crate) fn put(t: &Tensor, offsets: &Tensor, src: &Tensor) -> Result<()> {
    let dev = device_of(t)?;
    let dt = t.dtype();
    let (offsets, src) = (offsets.contiguous(), src.to_dtype(dt)?.contiguous());
    let module = dev.module("index", k::index_module)?;
    let n = offsets.numel();
    dev.launch_elementwise(
        &module,
        &k::put_kernel(dt),
        n,
        &[count(n), first(&offsets), first(&src), base(t)],
    )?;
    Ok(())
}

/// `t`'s storage at `offsets` combined with `src` by `op` ("add" or "mul"),
/// in order on one device thread: exact and deterministic as on the CPU.
pub(crate) fn put_serial(t: &Tensor, offsets: &Tensor, src: &Tensor, op: &str) -> Result<()> {
    let dev = device_of(t)?;
    let dt = t.dtype();
    let (offsets, src) = (offsets.contiguous(), src.to_dtype(dt)?.contiguous());
    let module = dev.module("index", k::index_module)?;
    let n = offsets.numel();
    if n == 0 {
        return Ok(());
    }
    module.launch(
        &k::put_serial_kernel(op, dt),
        ferrotorch_cuda::LaunchConfig {
            grid: 1,
            block: 32,
            shared_mem_bytes: 0,
        },
        &[count(n), first(&offsets), first(&src), base(t)],
    )?;
    Ok(())
}

/// The layout struct the offset kernels read, uncoalesced: `shape` with
/// `strides` and `offset` (at most `MAX_DIMS` dims).
fn raw_layout(shape: &[usize], strides: &[usize], offset: usize) -> Result<KernelArg> {
    use ferrotorch_cuda::kernels::layout::{KernelLayout, MAX_DIMS};
    if shape.len() > MAX_DIMS {
        return Err(crate::Error::NotImplemented(format!(
            "CUDA gather/scatter/nonzero support at most {MAX_DIMS} dimensions, got {}",
            shape.len()
        )));
    }
    let mut l = KernelLayout {
        ndim: shape.len() as i32,
        offset: offset as i64,
        shape: [1; MAX_DIMS],
        stride: [0; MAX_DIMS],
    };
    for (d, (&n, &st)) in shape.iter().zip(strides).enumerate() {
        l.shape[d] = n as i64;
        l.stride[d] = st as i64;
    }
    Ok(KernelArg::Layout(l))
}

/// Storage offsets in `layout` of gather/scatter along `dim`: element i of
/// `index` (int64, on the device) pairs with the element of `layout` at
/// index i's coordinates with coordinate `dim` replaced by its value.
/// Out-of-range values give `op`'s error (one sync to read the flag).
pub(crate) fn dim_offsets(
    layout: &crate::Layout,
    dim: usize,
    index: &Tensor,
    op: &str,
) -> Result<Tensor> {
    let dev = device_of(index)?;
    let index = index.contiguous();
    let out = empty(&dev, index.shape(), crate::DType::I64)?;
    let bad = crate::gpu::elementwise::full(dev.index(), &[], Scalar::Int(0), crate::DType::I32)?;
    let n = index.numel();
    let size = layout.shape.get(dim).copied().unwrap_or(1);
    let module = dev.module("index", k::index_module)?;
    let strides: Vec<usize> = (0..index.ndim())
        .map(|d| layout.strides.get(d).copied().unwrap_or(1))
        .collect();
    dev.launch_elementwise(
        &module,
        "dim_offsets",
        n,
        &[
            count(n),
            first(&index),
            raw_layout(index.shape(), &strides, layout.offset)?,
            KernelArg::I32(dim as i32),
            count(size),
            first(&out),
            first(&bad),
        ],
    )?;
    if n > 0 && bad.item()?.to_f64() != 0.0 {
        // The error path may read the index back to name the bad value.
        let vals: Vec<i64> = index.to_vec()?;
        let s = size as i64;
        let v = vals.into_iter().find(|&v| v < -s || v >= s).unwrap_or(s);
        return Err(crate::Error::Runtime(format!(
            "{op}(): index {v} is out of bounds for dimension {dim} with size {size}"
        )));
    }
    Ok(out)
}

/// `nonzero(t)`: `[count, ndim]` int64 coordinates of the set elements in
/// row-major order (reads the count back: the output size depends on it,
/// as in PyTorch).
pub(crate) fn nonzero(t: &Tensor) -> Result<Tensor> {
    let dev = device_of(t)?;
    let mask = t.to_dtype(crate::DType::Bool)?.contiguous();
    let flat = mask.reshape(&[-1])?;
    let csum = crate::ops::rows::cumulative(&flat, 0, false, Some(crate::DType::I64))?;
    let n = flat.numel();
    let total = if n == 0 {
        0
    } else {
        csum.select(0, n as i64 - 1)?.item()?.to_f64() as usize
    };
    let nd = t.ndim();
    let out = empty(&dev, &[total, nd], crate::DType::I64)?;
    if total > 0 && nd > 0 {
        let module = dev.module("index", k::index_module)?;
        let strides = vec![0; nd];
        dev.launch_elementwise(
            &module,
            "nonzero_write",
            n,
            &[
                count(n),
                first(&flat),
                first(&csum),
                raw_layout(t.shape(), &strides, 0)?,
                first(&out),
            ],
        )?;
    }
    Ok(out)
}
