//! Walking strided layouts: the one iterator helper every non-contiguous
//! kernel goes through, and the parallel splitter.

/// Merges adjacent dims that are contiguous with each other in every operand,
/// so inner loops run as long as possible. Returns (shape, strides per operand).
pub fn coalesce<const N: usize>(
    shape: &[usize],
    strides: [&[usize]; N],
) -> (Vec<usize>, [Vec<usize>; N]) {
    let mut out_shape: Vec<usize> = Vec::with_capacity(shape.len());
    let mut out_strides: [Vec<usize>; N] = std::array::from_fn(|_| Vec::with_capacity(shape.len()));
    for d in 0..shape.len() {
        if shape[d] == 1 {
            continue;
        }
        if let Some(&last) = out_shape.last() {
            let mergeable =
                (0..N).all(|k| *out_strides[k].last().unwrap() == strides[k][d] * shape[d]);
            if mergeable {
                let n = out_shape.len() - 1;
                out_shape[n] = last * shape[d];
                for k in 0..N {
                    out_strides[k][n] = strides[k][d];
                }
                continue;
            }
        }
        out_shape.push(shape[d]);
        for k in 0..N {
            out_strides[k].push(strides[k][d]);
        }
    }
    (out_shape, out_strides)
}

/// Calls `f(offsets)` for the elements `start..start+count` (row-major order over
/// `shape`) with each operand's storage offset. The innermost dim runs as a tight loop.
#[inline]
pub fn walk<const N: usize>(
    shape: &[usize],
    strides: &[Vec<usize>; N],
    base: [usize; N],
    start: usize,
    count: usize,
    mut f: impl FnMut([usize; N]),
) {
    if count == 0 {
        return;
    }
    let nd = shape.len();
    if nd == 0 {
        f(base);
        return;
    }
    // Multi-index of `start`.
    let mut idx = vec![0usize; nd];
    let mut rem = start;
    for d in (0..nd).rev() {
        idx[d] = rem % shape[d];
        rem /= shape[d];
    }
    let mut off = base;
    for d in 0..nd {
        for k in 0..N {
            off[k] += idx[d] * strides[k][d];
        }
    }
    let last = nd - 1;
    let inner = shape[last];
    let inner_strides: [usize; N] = std::array::from_fn(|k| strides[k][last]);
    let mut left = count;
    loop {
        let run = (inner - idx[last]).min(left);
        let mut o = off;
        for _ in 0..run {
            f(o);
            for k in 0..N {
                o[k] += inner_strides[k];
            }
        }
        left -= run;
        if left == 0 {
            return;
        }
        // Carry into outer dims.
        for k in 0..N {
            off[k] += (inner - idx[last]) * inner_strides[k];
            off[k] -= inner * inner_strides[k];
        }
        idx[last] = 0;
        let mut d = last;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            for k in 0..N {
                off[k] += strides[k][d];
            }
            if idx[d] < shape[d] {
                break;
            }
            for k in 0..N {
                off[k] -= shape[d] * strides[k][d];
            }
            idx[d] = 0;
        }
    }
}

/// A raw pointer that may be shared across rayon tasks that write disjoint indices.
#[derive(Clone, Copy)]
pub struct SharedMut<T>(pub *mut T);
unsafe impl<T> Send for SharedMut<T> {}
unsafe impl<T> Sync for SharedMut<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_visits_transposed_offsets_in_order() {
        // 2x3 transposed view of a 3x2 contiguous buffer.
        let shape = [2usize, 3];
        let strides = [vec![1usize, 2]];
        let mut seen = vec![];
        walk(&shape, &strides, [0], 0, 6, |[o]| seen.push(o));
        assert_eq!(seen, vec![0, 2, 4, 1, 3, 5]);
        let mut tail = vec![];
        walk(&shape, &strides, [0], 2, 3, |[o]| tail.push(o));
        assert_eq!(tail, vec![4, 1, 3]);
    }

    #[test]
    fn coalesce_merges_contiguous_dims() {
        let (s, st) = coalesce(&[2, 3, 4], [&[12, 4, 1]]);
        assert_eq!(s, vec![24]);
        assert_eq!(st[0], vec![1]);
        let (s, _) = coalesce(&[2, 3], [&[1, 2]]);
        assert_eq!(s, vec![2, 3]);
    }
}
