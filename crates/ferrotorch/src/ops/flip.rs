//! `torch.flip`: reverses a tensor along some dims (a copy, as in PyTorch),
//! recorded as `FlipBackward0`, whose backward flips the gradient back.

use crate::autograd::any_requires_grad;
use crate::autograd::formulas::views::flip_recorded;
use crate::{Device, Error, Result, Tensor};

/// `t.flip(dims)`.
///
/// ```
/// use ferrotorch::ops::flip::flip;
/// use ferrotorch::Tensor;
/// # fn main() -> ferrotorch::Result<()> {
/// let t = Tensor::from_vec(vec![1i64, 2, 3, 4, 5, 6], &[2, 3])?;
/// assert_eq!(flip(&t, &[1])?.to_vec::<i64>()?, [3, 2, 1, 6, 5, 4]);
/// assert_eq!(flip(&t, &[0, -1])?.to_vec::<i64>()?, [6, 5, 4, 3, 2, 1]);
/// assert!(flip(&t, &[1, 1]).is_err());
/// # Ok(())
/// # }
/// ```
pub fn flip(t: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let mut ds = Vec::with_capacity(dims.len());
    for &d in dims {
        let d = t.dim_index(d)?;
        if ds.contains(&d) {
            return Err(Error::Runtime(format!(
                "dim {d} appears multiple times in the list of dims"
            )));
        }
        ds.push(d);
    }
    let forward = || flip_forward(t, &ds);
    if any_requires_grad(&[t]) {
        let dims: Vec<i64> = ds.iter().map(|&d| d as i64).collect();
        return flip_recorded(t, dims, forward);
    }
    forward()
}

fn flip_forward(t: &Tensor, dims: &[usize]) -> Result<Tensor> {
    if t.device() != Device::Cpu {
        return crate::gpu::flip::flip(t, dims);
    }
    let mut out = t.clone();
    for &d in dims {
        let n = t.shape()[d] as i64;
        let rev = Tensor::from_vec((0..n).rev().collect::<Vec<i64>>(), &[n as usize])?;
        out = crate::index::index_select(&out, d as i64, &rev)?;
    }
    // No dims: still a copy, as in PyTorch.
    if dims.is_empty() {
        out = t.clone_data();
    }
    Ok(out)
}
