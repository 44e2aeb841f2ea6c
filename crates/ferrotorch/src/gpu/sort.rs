//! Stable sort of the contiguous rows of a CUDA tensor (`sort`, `argsort`,
//! and `topk`), with the CPU backend's order (see
//! `ferrotorch_cuda::kernels::sort`).
//!
//! Rows of at most `TILE` elements are sorted in shared memory by one
//! launch; longer rows are sorted as tiles, merged pass by pass in global
//! memory (ping-ponging between two key and index buffers), and their values
//! gathered through the final indices. `topk` of long rows with a small `k`
//! selects its k elements without sorting the row; other `topk`s are the
//! sort narrowed (in `ops::rows`).

use super::{count, device_of, empty, first};
use crate::{DType, Error, Result, Tensor};
use ferrotorch_cuda::kernels::sort as k;
use ferrotorch_cuda::{KernelArg, LaunchConfig};

/// Most blocks a launch uses; the kernels loop over the rest.
const MAX_GRID: usize = 65_535;

/// Threads per block for `pairs` compare-exchanges per network step: a
/// warp at least, 512 at most (each thread then takes several pairs).
fn block_for(pairs: usize) -> u32 {
    pairs.clamp(32, 512) as u32
}

/// (values, int64 indices) of each row of length `len` of contiguous `x`,
/// sorted ascending or `descending`; stable.
pub(crate) fn sort(x: &Tensor, len: usize, descending: bool) -> Result<(Tensor, Tensor)> {
    let dev = device_of(x)?;
    let dt = x.dtype();
    let vals = empty(&dev, x.shape(), dt)?;
    let idx = empty(&dev, x.shape(), DType::I64)?;
    let total = x.numel();
    if total == 0 || len == 0 {
        return Ok((vals, idx));
    }
    // Positions live in shared memory as ints.
    if len > i32::MAX as usize {
        return Err(Error::NotImplemented(format!(
            "sorting rows of more than {} elements on CUDA",
            i32::MAX
        )));
    }
    let rows = total / len;
    let module = dev.module("sort", k::sort_module)?;
    let desc = KernelArg::I32(descending as i32);
    let key_bytes = k::key_bytes(dt);
    // Shared memory per padded element: its key and its int position.
    let smem = |elems: usize| (elems * (key_bytes + 4)) as u32;

    if len <= k::TILE {
        let p = len.next_power_of_two();
        let per = (k::BATCH / p).max(1);
        let cfg = LaunchConfig {
            grid: rows.div_ceil(per).clamp(1, MAX_GRID) as u32,
            block: block_for(per * p / 2),
            shared_mem_bytes: smem(per * p),
        };
        module.launch(
            &k::rows_kernel(dt),
            cfg,
            &[
                count(rows),
                count(len),
                count(len),
                KernelArg::I32(p as i32),
                KernelArg::I32(per as i32),
                desc,
                first(x),
                first(&vals),
                first(&idx),
            ],
        )?;
        return Ok((vals, idx));
    }

    // Merge passes double the sorted runs from TILE up to the row length;
    // the buffers alternate so that the last pass lands in `idx`.
    let mut passes = 0;
    while k::TILE << passes < len {
        passes += 1;
    }
    let key_dtype = if key_bytes == 8 {
        DType::I64
    } else {
        DType::I32
    };
    let keys = [
        empty(&dev, &[total], key_dtype)?,
        empty(&dev, &[total], key_dtype)?,
    ];
    let spare = empty(&dev, &[total], DType::I64)?;
    let ids: [&Tensor; 2] = if passes % 2 == 0 {
        [&idx, &spare]
    } else {
        [&spare, &idx]
    };
    let tiles = rows * len.div_ceil(k::TILE);
    let cfg = LaunchConfig {
        grid: tiles.clamp(1, MAX_GRID) as u32,
        block: block_for(k::TILE / 2),
        shared_mem_bytes: smem(k::TILE),
    };
    module.launch(
        &k::tiles_kernel(dt),
        cfg,
        &[
            count(rows),
            count(len),
            count(k::TILE),
            KernelArg::I32(k::TILE as i32),
            KernelArg::I32(1),
            desc,
            first(x),
            first(&keys[0]),
            first(ids[0]),
        ],
    )?;
    let merge = k::merge_kernel(key_bytes);
    for pass in 0..passes {
        let (src, dst) = (pass % 2, 1 - pass % 2);
        dev.launch_elementwise(
            &module,
            &merge,
            total,
            &[
                count(rows),
                count(len),
                count(k::TILE << pass),
                first(&keys[src]),
                first(ids[src]),
                first(&keys[dst]),
                first(ids[dst]),
            ],
        )?;
    }
    dev.launch_elementwise(
        &module,
        &k::gather_kernel(dt),
        total,
        &[
            count(total),
            count(len),
            first(x),
            first(&idx),
            first(&vals),
        ],
    )?;
    Ok((vals, idx))
}

/// Whether [`topk`] serves `k` of rows of length `len`: rows longer than
/// one shared-memory sort (shorter ones sort in one launch anyway) and `k`
/// small enough for the selection kernel.
pub(crate) fn topk_selects(len: usize, k: usize) -> bool {
    len > k::TILE && (1..=k::TOPK_MAX).contains(&k) && len <= i32::MAX as usize
}

/// (values, int64 indices) of the first `k` elements of each row's stable
/// sort (descending when `largest`) of the rows of length `len` of
/// contiguous `x`, without sorting the rows (see `kernels::sort`); the
/// result has `x`'s shape with the last dim `k`. Callers check
/// [`topk_selects`].
pub(crate) fn topk(x: &Tensor, len: usize, k: usize, largest: bool) -> Result<(Tensor, Tensor)> {
    let dev = device_of(x)?;
    let dt = x.dtype();
    let mut shape = x.shape().to_vec();
    if let Some(last) = shape.last_mut() {
        *last = k;
    }
    let vals = empty(&dev, &shape, dt)?;
    let idx = empty(&dev, &shape, DType::I64)?;
    let rows = x.numel().checked_div(len).unwrap_or(0);
    if rows == 0 || k == 0 {
        return Ok((vals, idx));
    }
    let p = k.next_power_of_two();
    let module = dev.module("sort", k::sort_module)?;
    let cfg = LaunchConfig {
        grid: rows.clamp(1, MAX_GRID) as u32,
        block: 512,
        shared_mem_bytes: (p * (k::key_bytes(dt) + 4)) as u32,
    };
    module.launch(
        &k::topk_kernel(dt),
        cfg,
        &[
            count(rows),
            count(len),
            count(k),
            KernelArg::I32(p as i32),
            KernelArg::I32(largest as i32),
            first(x),
            first(&vals),
            first(&idx),
        ],
    )?;
    Ok((vals, idx))
}
