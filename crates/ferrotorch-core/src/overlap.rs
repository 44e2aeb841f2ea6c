//! Memory-overlap classification of strided layouts (PyTorch's
//! `get_overlap_status`): in-place writes refuse sources that partially
//! overlap the destination, since the result would depend on write order.

use crate::Layout;

/// How the memory of two tensors relates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemOverlap {
    /// Disjoint (or one is empty, or they live in different buffers).
    No,
    /// Exactly the same elements in the same order: safe to read while writing.
    Full,
    /// Some but not all memory is shared: in-place ops refuse this.
    Partial,
    /// A layout is not dense (strided gaps, broadcast); PyTorch does not try
    /// to decide and allows the operation.
    TooHard,
}

/// The message PyTorch raises for [`MemOverlap::Partial`] (and, for
/// `index_put_`, also for [`MemOverlap::Full`]).
pub const PARTIAL_OVERLAP_MESSAGE: &str = "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.";

impl Layout {
    /// PyTorch's `is_non_overlapping_and_dense`: the elements cover one
    /// contiguous block exactly once, in some dim order (size-1 dims ignored).
    pub fn is_non_overlapping_and_dense(&self) -> bool {
        let mut dims: Vec<usize> = (0..self.ndim()).filter(|&d| self.shape[d] >= 2).collect();
        dims.sort_by_key(|&d| self.strides[d]);
        let mut expected = 1usize;
        for d in dims {
            if self.strides[d] != expected {
                return false;
            }
            expected *= self.shape[d];
        }
        true
    }
}

/// Classifies two layouts over one buffer; `a_item`/`b_item` are element
/// sizes in bytes (offsets and strides are in elements of each dtype). Callers
/// decide first whether the buffers are the same and whether the tensors are
/// the same object (which is always [`MemOverlap::Full`]).
pub fn mem_overlap(a: &Layout, a_item: usize, b: &Layout, b_item: usize) -> MemOverlap {
    if a.numel() == 0 || b.numel() == 0 {
        return MemOverlap::No;
    }
    if !a.is_non_overlapping_and_dense() || !b.is_non_overlapping_and_dense() {
        return MemOverlap::TooHard;
    }
    // Dense: each occupies [start, start + numel) elements of its own size.
    let a_begin = a.offset * a_item;
    let a_end = a_begin + a.numel() * a_item;
    let b_begin = b.offset * b_item;
    let b_end = b_begin + b.numel() * b_item;
    if a_begin == b_begin && a_end == b_end {
        // Same block in a different order (e.g. a transpose) still clashes.
        return if a.strides == b.strides {
            MemOverlap::Full
        } else {
            MemOverlap::Partial
        };
    }
    if a_begin < b_end && b_begin < a_end {
        return MemOverlap::Partial;
    }
    MemOverlap::No
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(l: &Layout, start: i64, stop: Option<i64>, step: i64) -> Layout {
        l.slice(0, Some(start), stop, step).unwrap()
    }

    #[test]
    fn dense_layouts() {
        let l = Layout::contiguous(&[2, 3]);
        assert!(l.is_non_overlapping_and_dense());
        assert!(l.transpose(0, 1).unwrap().is_non_overlapping_and_dense());
        assert!(Layout::contiguous(&[]).is_non_overlapping_and_dense());
        assert!(!slice(&Layout::contiguous(&[6]), 0, None, 2).is_non_overlapping_and_dense());
        assert!(!Layout::contiguous(&[1])
            .expand(&[3])
            .unwrap()
            .is_non_overlapping_and_dense());
        // size-1 dims may have any stride
        let odd = Layout {
            shape: vec![1, 3],
            strides: vec![7, 1],
            offset: 2,
        };
        assert!(odd.is_non_overlapping_and_dense());
    }

    #[test]
    fn classification_follows_pytorch() {
        let a = Layout::contiguous(&[6]);
        let (tail, head) = (slice(&a, 1, None, 1), slice(&a, 0, Some(5), 1));
        assert_eq!(mem_overlap(&tail, 4, &head, 4), MemOverlap::Partial);
        assert_eq!(mem_overlap(&tail, 4, &tail.clone(), 4), MemOverlap::Full);
        assert_eq!(
            mem_overlap(&slice(&a, 0, Some(3), 1), 4, &slice(&a, 3, None, 1), 4),
            MemOverlap::No
        );
        assert_eq!(
            mem_overlap(&slice(&a, 0, None, 2), 4, &slice(&a, 1, None, 2), 4),
            MemOverlap::TooHard
        );
        // same block, transposed: partial
        let m = Layout::contiguous(&[2, 2]);
        assert_eq!(
            mem_overlap(&m, 4, &m.transpose(0, 1).unwrap(), 4),
            MemOverlap::Partial
        );
        // byte ranges: 2 float32 at element 1 = bytes [4, 12) vs int64 element 1 = [8, 16)
        let f = slice(&Layout::contiguous(&[4]), 1, Some(3), 1);
        let i = slice(&Layout::contiguous(&[2]), 1, None, 1);
        assert_eq!(mem_overlap(&f, 4, &i, 8), MemOverlap::Partial);
        assert_eq!(
            mem_overlap(&Layout::contiguous(&[0]), 4, &a, 4),
            MemOverlap::No
        );
    }
}
