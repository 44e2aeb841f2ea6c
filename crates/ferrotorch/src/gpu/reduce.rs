//! Reductions of CUDA tensors: the tensor is seen as `[outer, r, inner]`
//! with the reduced dims in the middle, without a copy when they already
//! form one run of a contiguous tensor, else after moving them last.

use super::{count, device_of, empty, first};
use crate::{DType, Result, Tensor};
use ferrotorch_cuda::kernels::reduce as k;
use ferrotorch_cuda::KernelArg;

/// `t` as (contiguous tensor, outer, r, inner) with the `mask` dims reduced
/// being the middle one.
fn as_middle(t: &Tensor, mask: &[bool]) -> Result<(Tensor, usize, usize, usize)> {
    let shape = t.shape();
    let first_r = mask.iter().position(|&m| m);
    let last_r = mask.iter().rposition(|&m| m);
    if let (Some(a), Some(b)) = (first_r, last_r) {
        let one_run = mask[a..=b].iter().all(|&m| m);
        if one_run && t.is_contiguous() {
            let outer = shape[..a].iter().product();
            let r = shape[a..=b].iter().product();
            let inner = shape[b + 1..].iter().product();
            return Ok((t.clone(), outer, r, inner));
        }
    }
    // Kept dims first, reduced last, then one copy.
    let mut order: Vec<i64> = (0..shape.len())
        .filter(|&d| !mask[d])
        .map(|d| d as i64)
        .collect();
    order.extend((0..shape.len()).filter(|&d| mask[d]).map(|d| d as i64));
    let moved = t.permute(&order)?.contiguous();
    let outer = (0..shape.len())
        .filter(|&d| !mask[d])
        .map(|d| shape[d])
        .product();
    let r = (0..shape.len())
        .filter(|&d| mask[d])
        .map(|d| shape[d])
        .product();
    Ok((moved, outer, r, 1))
}

/// Row length from which a reduction splits rows over several blocks.
const SPLIT_MIN: usize = 1 << 16;

fn dims_of(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&d| d as i64).collect()
}

fn kept_shape(t: &Tensor, mask: &[bool]) -> Vec<usize> {
    t.shape()
        .iter()
        .zip(mask)
        .filter(|(_, &m)| !m)
        .map(|(&d, _)| d)
        .collect()
}

/// Fold `op` (see `kernels::reduce::FOLDS`) over the `mask` dims; the
/// result has the kept dims (no keepdim) and `fold_dtype(op, dtype)`.
pub(crate) fn fold(t: &Tensor, mask: &[bool], op: &str) -> Result<Tensor> {
    let dev = device_of(t)?;
    let dt = t.dtype();
    let out = empty(&dev, &kept_shape(t, mask), k::fold_dtype(op, dt))?;
    let (x, outer, r, inner) = as_middle(t, mask)?;
    let module = dev.module(&k::reduce_module_name(dt), || k::reduce_module(dt))?;
    // Few long rows would leave most of the GPU idle with one block per
    // row: split each row over several blocks into partials (kept in the
    // accumulation type), then fold the partials.
    let sms = dev.info().multi_processor_count as usize;
    if inner == 1 && outer < 2 * sms && r >= SPLIT_MIN {
        let parts = (4 * sms / outer.max(1)).clamp(2, r / 1024);
        let pdt = k::partial_dtype(op, dt);
        let partial = empty(&dev, &[outer, parts], pdt)?;
        let cfg = ferrotorch_cuda::LaunchConfig {
            grid: (outer * parts) as u32,
            block: 256,
            shared_mem_bytes: 0,
        };
        module.launch(
            &k::partial_kernel(op, dt),
            cfg,
            &[
                count(outer),
                count(r),
                count(parts),
                first(&x),
                first(&partial),
            ],
        )?;
        // Partials of sum/prod combine by sum/prod, those of all/any (0/1
        // ints) and max/min by the same op.
        let folded = fold(&partial, &[false, true], op)?.to_dtype(k::fold_dtype(op, dt))?;
        crate::gpu::elementwise::copy_into(&out, &folded.reshape(&dims_of(out.shape()))?)?;
        return Ok(out);
    }
    if inner == 1 {
        dev.launch_rows(
            &module,
            &k::fold_kernel(op, dt, true),
            outer,
            r,
            &[count(outer), count(r), first(&x), first(&out)],
        )?;
    } else {
        dev.launch_elementwise(
            &module,
            &k::fold_kernel(op, dt, false),
            outer * inner,
            &[count(outer), count(r), count(inner), first(&x), first(&out)],
        )?;
    }
    Ok(out)
}

/// Values and positions (within the reduced dims, row-major) of the max
/// (`max`) or min over the `mask` dims; the result has the kept dims.
pub(crate) fn arg_extreme(t: &Tensor, mask: &[bool], max: bool) -> Result<(Tensor, Tensor)> {
    let dev = device_of(t)?;
    let dt = t.dtype();
    let shape = kept_shape(t, mask);
    let vals = empty(&dev, &shape, dt)?;
    let idx = empty(&dev, &shape, DType::I64)?;
    let (x, outer, r, inner) = as_middle(t, mask)?;
    let module = dev.module(&k::reduce_module_name(dt), || k::reduce_module(dt))?;
    let outs: [KernelArg; 2] = [first(&vals), first(&idx)];
    if inner == 1 {
        dev.launch_rows(
            &module,
            &k::arg_kernel(max, dt, true),
            outer,
            r,
            &[count(outer), count(r), first(&x), outs[0], outs[1]],
        )?;
    } else {
        dev.launch_elementwise(
            &module,
            &k::arg_kernel(max, dt, false),
            outer * inner,
            &[
                count(outer),
                count(r),
                count(inner),
                first(&x),
                outs[0],
                outs[1],
            ],
        )?;
    }
    Ok((vals, idx))
}
