//! Strided layouts: shape, strides (in elements) and offset into storage.
//!
//! Every view op (permute, narrow, expand, view...) is a pure function from
//! one layout to another; no data moves.

use crate::{Error, Result};

/// Shape, element strides and starting offset of a tensor inside its storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub shape: Vec<usize>,
    pub strides: Vec<usize>,
    pub offset: usize,
}

/// Row-major strides for `shape`.
pub fn contiguous_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![0; shape.len()];
    let mut acc = 1usize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc *= shape[i].max(1);
    }
    strides
}

/// Wraps a possibly negative dim into `0..ndim` (a 0-d tensor accepts -1 and 0).
pub fn normalize_dim(dim: i64, ndim: usize) -> Result<usize> {
    let n = ndim.max(1) as i64;
    if dim < -n || dim >= n {
        return Err(Error::Index(format!(
            "Dimension out of range (expected to be in range of [{}, {}], but got {})",
            -n,
            n - 1,
            dim
        )));
    }
    Ok(if dim < 0 {
        (dim + n) as usize
    } else {
        dim as usize
    })
}

/// The shape two shapes broadcast to, or PyTorch's error.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(Error::Shape(format!(
                "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension {}",
                da, db, i
            )));
        };
    }
    Ok(out)
}

fn fmt_shape(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

impl Layout {
    pub fn contiguous(shape: &[usize]) -> Layout {
        Layout {
            strides: contiguous_strides(shape),
            shape: shape.to_vec(),
            offset: 0,
        }
    }

    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// PyTorch's definition: strides of size-1 dims do not matter.
    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1usize;
        for i in (0..self.shape.len()).rev() {
            if self.shape[i] == 1 {
                continue;
            }
            if self.strides[i] != expected {
                return self.numel() == 0;
            }
            expected *= self.shape[i];
        }
        true
    }

    /// One past the largest storage index this layout touches (0 if empty).
    pub fn storage_span(&self) -> usize {
        if self.numel() == 0 {
            return 0;
        }
        self.offset
            + self
                .shape
                .iter()
                .zip(&self.strides)
                .map(|(&d, &s)| (d - 1) * s)
                .sum::<usize>()
            + 1
    }

    pub fn dim(&self, dim: i64) -> Result<usize> {
        normalize_dim(dim, self.ndim())
    }

    pub fn permute(&self, dims: &[i64]) -> Result<Layout> {
        let n = self.ndim();
        if dims.len() != n {
            return Err(Error::Shape(format!(
                "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {} is not equal to len(dims) = {}",
                n,
                dims.len()
            )));
        }
        let mut seen = vec![false; n];
        let mut shape = Vec::with_capacity(n);
        let mut strides = Vec::with_capacity(n);
        for &d in dims {
            let d = normalize_dim(d, n)?;
            if seen[d] {
                return Err(Error::Shape(
                    "permute(): duplicate dims are not allowed.".into(),
                ));
            }
            seen[d] = true;
            shape.push(self.shape[d]);
            strides.push(self.strides[d]);
        }
        Ok(Layout {
            shape,
            strides,
            offset: self.offset,
        })
    }

    pub fn transpose(&self, d0: i64, d1: i64) -> Result<Layout> {
        let n = self.ndim();
        if n == 0 {
            normalize_dim(d0, 0)?;
            normalize_dim(d1, 0)?;
            return Ok(self.clone());
        }
        let (a, b) = (normalize_dim(d0, n)?, normalize_dim(d1, n)?);
        let mut out = self.clone();
        out.shape.swap(a, b);
        out.strides.swap(a, b);
        Ok(out)
    }

    /// `narrow(dim, start, length)`; `start` may be negative.
    pub fn narrow(&self, dim: i64, start: i64, length: i64) -> Result<Layout> {
        if self.ndim() == 0 {
            return Err(Error::Runtime(
                "narrow() cannot be applied to a 0-dim tensor.".into(),
            ));
        }
        let d = self.dim(dim)?;
        let size = self.shape[d] as i64;
        let start = if start < 0 { start + size } else { start };
        if start < 0 || start > size {
            return Err(Error::Index(format!(
                "start out of range (expected to be in range of [{}, {}], but got {})",
                -size, size, start
            )));
        }
        if length < 0 || start + length > size {
            return Err(Error::Runtime(format!(
                "start ({}) + length ({}) exceeds dimension size ({}).",
                start, length, size
            )));
        }
        let mut out = self.clone();
        out.offset += start as usize * self.strides[d];
        out.shape[d] = length as usize;
        Ok(out)
    }

    /// Python-style slice `start:stop:step` on `dim` (bounds already clamped by the caller
    /// or given as `None`). `step` must be positive, as in PyTorch.
    pub fn slice(
        &self,
        d: usize,
        start: Option<i64>,
        stop: Option<i64>,
        step: i64,
    ) -> Result<Layout> {
        if step <= 0 {
            return Err(Error::Value("step must be greater than zero".into()));
        }
        let size = self.shape[d] as i64;
        let clamp = |v: i64| -> i64 {
            let v = if v < 0 { v + size } else { v };
            v.clamp(0, size)
        };
        let start = start.map(clamp).unwrap_or(0);
        let stop = stop.map(clamp).unwrap_or(size).max(start);
        let len = (stop - start + step - 1) / step;
        let mut out = self.clone();
        if len > 0 {
            out.offset += start as usize * self.strides[d];
        }
        out.shape[d] = len as usize;
        out.strides[d] *= step as usize;
        Ok(out)
    }

    /// Removes `dim` by picking `index` along it (negative index counts from the end).
    pub fn select(&self, dim: i64, index: i64) -> Result<Layout> {
        if self.ndim() == 0 {
            return Err(Error::Index(
                "select() cannot be applied to a 0-dim tensor.".into(),
            ));
        }
        let d = self.dim(dim)?;
        let size = self.shape[d] as i64;
        let i = if index < 0 { index + size } else { index };
        if i < 0 || i >= size {
            return Err(Error::Index(format!(
                "index {} is out of bounds for dimension {} with size {}",
                index, d, size
            )));
        }
        let mut out = self.clone();
        out.offset += i as usize * self.strides[d];
        out.shape.remove(d);
        out.strides.remove(d);
        Ok(out)
    }

    pub fn unsqueeze(&self, dim: i64) -> Result<Layout> {
        let d = normalize_dim(dim, self.ndim() + 1)?;
        let mut out = self.clone();
        let stride = if d < self.ndim() {
            self.shape[d] * self.strides[d]
        } else {
            1
        };
        out.shape.insert(d, 1);
        out.strides.insert(d, stride.max(1));
        Ok(out)
    }

    /// Squeezes the given dims (only those of size 1), or all size-1 dims if `dims` is None.
    pub fn squeeze(&self, dims: Option<&[i64]>) -> Result<Layout> {
        let n = self.ndim();
        let mut drop = vec![false; n];
        match dims {
            None => {
                for (flag, &size) in drop.iter_mut().zip(&self.shape) {
                    *flag = size == 1;
                }
            }
            Some(ds) => {
                for &d in ds {
                    if n == 0 {
                        normalize_dim(d, 0)?;
                        continue;
                    }
                    let d = normalize_dim(d, n)?;
                    drop[d] = self.shape[d] == 1;
                }
            }
        }
        let mut out = Layout {
            shape: vec![],
            strides: vec![],
            offset: self.offset,
        };
        for ((&flag, &size), &stride) in drop.iter().zip(&self.shape).zip(&self.strides) {
            if !flag {
                out.shape.push(size);
                out.strides.push(stride);
            }
        }
        Ok(out)
    }

    /// `expand(*sizes)`: -1 keeps a dim, new leading dims are allowed, only size-1 dims grow.
    pub fn expand(&self, sizes: &[i64]) -> Result<Layout> {
        let n = self.ndim();
        if sizes.len() < n {
            return Err(Error::Shape(format!(
                "expand({}{{{}}}, size=[{}]): the number of sizes provided ({}) must be greater or equal to the number of dimensions in the tensor ({})",
                "torch.FloatTensor",
                fmt_shape(&self.shape).trim_matches(|c| c == '[' || c == ']'),
                sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                sizes.len(),
                n
            )));
        }
        let lead = sizes.len() - n;
        let mut shape = Vec::with_capacity(sizes.len());
        let mut strides = Vec::with_capacity(sizes.len());
        for (i, &s) in sizes.iter().enumerate() {
            if i < lead {
                if s < 0 {
                    return Err(Error::Runtime(format!(
                        "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {}",
                        i
                    )));
                }
                shape.push(s as usize);
                strides.push(0);
                continue;
            }
            let j = i - lead;
            let cur = self.shape[j];
            if s == -1 || s as usize == cur {
                shape.push(cur);
                strides.push(self.strides[j]);
            } else if cur == 1 && s >= 0 {
                shape.push(s as usize);
                strides.push(0);
            } else {
                return Err(Error::Shape(format!(
                    "The expanded size of the tensor ({}) must match the existing size ({}) at non-singleton dimension {}.  Target sizes: [{}].  Tensor sizes: {}",
                    s,
                    cur,
                    i,
                    sizes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                    fmt_shape(&self.shape)
                )));
            }
        }
        Ok(Layout {
            shape,
            strides,
            offset: self.offset,
        })
    }

    /// Broadcast view to `shape` (which must be a valid broadcast target).
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Layout> {
        let sizes: Vec<i64> = shape.iter().map(|&s| s as i64).collect();
        self.expand(&sizes)
    }

    /// Strides for viewing this layout with `new_shape` without copying, if possible
    /// (PyTorch's `computeStride`): groups of old dims that are contiguous among
    /// themselves can be re-split freely.
    pub fn view(&self, new_shape: &[usize]) -> Option<Layout> {
        let numel = self.numel();
        if numel == 0 || self.ndim() == 0 {
            return Some(Layout {
                strides: contiguous_strides(new_shape),
                shape: new_shape.to_vec(),
                offset: self.offset,
            });
        }
        let old_shape = &self.shape;
        let old_strides = &self.strides;
        let mut new_strides = vec![0usize; new_shape.len()];
        let mut view_d = new_shape.len() as i64 - 1;
        let mut chunk_base_stride = *old_strides.last().unwrap();
        let mut tensor_numel = 1usize;
        let mut view_numel = 1usize;
        for tensor_d in (0..old_shape.len()).rev() {
            tensor_numel *= old_shape[tensor_d];
            let boundary = tensor_d == 0
                || (old_shape[tensor_d - 1] != 1
                    && old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride);
            if boundary {
                while view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d as usize] == 1)
                {
                    new_strides[view_d as usize] = view_numel * chunk_base_stride;
                    view_numel *= new_shape[view_d as usize];
                    view_d -= 1;
                }
                if view_numel != tensor_numel {
                    return None;
                }
                if tensor_d > 0 {
                    chunk_base_stride = old_strides[tensor_d - 1];
                    tensor_numel = 1;
                    view_numel = 1;
                }
            }
        }
        if view_d != -1 {
            return None;
        }
        Some(Layout {
            shape: new_shape.to_vec(),
            strides: new_strides,
            offset: self.offset,
        })
    }

    /// Resolves a requested shape with at most one -1 against `numel`.
    pub fn infer_shape(sizes: &[i64], numel: usize) -> Result<Vec<usize>> {
        let mut infer = None;
        let mut known = 1usize;
        for (i, &s) in sizes.iter().enumerate() {
            if s == -1 {
                if infer.is_some() {
                    return Err(Error::Runtime("only one dimension can be inferred".into()));
                }
                infer = Some(i);
            } else if s < 0 {
                return Err(Error::Runtime(format!("invalid shape dimension {}", s)));
            } else {
                known *= s as usize;
            }
        }
        let shape_str = || {
            sizes
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out: Vec<usize> = sizes.iter().map(|&s| s.max(0) as usize).collect();
        match infer {
            Some(i) => {
                if known == 0 || numel % known != 0 {
                    return Err(Error::Runtime(format!(
                        "shape '[{}]' is invalid for input of size {}",
                        shape_str(),
                        numel
                    )));
                }
                out[i] = numel / known;
            }
            None => {
                if known != numel {
                    return Err(Error::Runtime(format!(
                        "shape '[{}]' is invalid for input of size {}",
                        shape_str(),
                        numel
                    )));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_and_transpose() {
        let l = Layout::contiguous(&[2, 3, 4]);
        assert_eq!(l.strides, vec![12, 4, 1]);
        assert!(l.is_contiguous());
        let t = l.transpose(0, 2).unwrap();
        assert_eq!(t.shape, vec![4, 3, 2]);
        assert_eq!(t.strides, vec![1, 4, 12]);
        assert!(!t.is_contiguous());
    }

    #[test]
    fn view_of_transposed_fails_but_splits_work() {
        let l = Layout::contiguous(&[4, 6]);
        let t = l.transpose(0, 1).unwrap();
        assert!(t.view(&[24]).is_none());
        assert_eq!(t.view(&[3, 2, 4]).unwrap().strides, vec![2, 1, 6]);
        let v = l.view(&[2, 2, 6]).unwrap();
        assert_eq!(v.strides, vec![12, 6, 1]);
    }

    #[test]
    fn slicing_with_steps() {
        let l = Layout::contiguous(&[10]);
        let s = l.slice(0, Some(1), Some(8), 3).unwrap();
        assert_eq!((s.shape[0], s.strides[0], s.offset), (3, 3, 1));
        let e = l.slice(0, Some(5), Some(2), 1).unwrap();
        assert_eq!(e.shape[0], 0);
        let neg = l.slice(0, Some(-3), None, 1).unwrap();
        assert_eq!((neg.shape[0], neg.offset), (3, 7));
    }

    #[test]
    fn broadcasting_and_expand() {
        assert_eq!(broadcast_shapes(&[3, 1], &[4]).unwrap(), vec![3, 4]);
        assert!(broadcast_shapes(&[3], &[4]).is_err());
        let l = Layout::contiguous(&[3, 1]);
        let e = l.expand(&[2, -1, 5]).unwrap();
        assert_eq!(e.shape, vec![2, 3, 5]);
        assert_eq!(e.strides, vec![0, 1, 0]);
    }

    #[test]
    fn infer_and_dims() {
        assert_eq!(Layout::infer_shape(&[-1, 4], 12).unwrap(), vec![3, 4]);
        assert!(Layout::infer_shape(&[-1, 5], 12).is_err());
        assert_eq!(normalize_dim(-1, 3).unwrap(), 2);
        assert!(normalize_dim(3, 3).is_err());
        let l = Layout::contiguous(&[2, 1, 3]);
        assert_eq!(l.squeeze(None).unwrap().shape, vec![2, 3]);
        assert_eq!(l.unsqueeze(-1).unwrap().shape, vec![2, 1, 3, 1]);
        assert_eq!(l.select(2, -1).unwrap().offset, 2);
        assert!(l.select(0, 2).is_err());
    }
}
