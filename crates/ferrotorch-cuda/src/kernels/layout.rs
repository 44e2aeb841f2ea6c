//! The strided layout as kernels receive it: a fixed-size C struct passed by
//! value, mirrored by [`KernelLayout`] on the host. Both sides come from
//! [`MAX_DIMS`] so they cannot drift apart.

use ferrotorch_core::Layout;

/// Most dimensions a strided kernel indexes. Layouts with more are first
/// coalesced ([`coalesce`]); a tensor that still has more needs a copy.
pub const MAX_DIMS: usize = 8;

/// The C definition of the kernel-side layout and its index helper.
pub fn c_definition() -> String {
    format!(
        r#"#define FT_MAX_DIMS {MAX_DIMS}
struct FtLayout {{
    int ndim;
    long long offset;
    long long shape[FT_MAX_DIMS];
    long long stride[FT_MAX_DIMS];
}};
// Element offset of the `linear`-th element (row-major order) of a strided view.
// Not inlined: its 64-bit divisions, copied into each of hundreds of kernels,
// tripled NVRTC's compile time; the strided path pays a call, the contiguous
// fast path does not use it.
__device__ __noinline__ long long ft_offset(long long linear, const FtLayout& l) {{
    long long off = l.offset;
    for (int d = l.ndim - 1; d >= 0; --d) {{
        long long i = linear % l.shape[d];
        linear /= l.shape[d];
        off += i * l.stride[d];
    }}
    return off;
}}
"#
    )
}

/// Host mirror of `FtLayout` (same field order; `repr(C)` pads `ndim` to 8
/// bytes exactly as the C compiler does).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelLayout {
    pub ndim: i32,
    pub offset: i64,
    pub shape: [i64; MAX_DIMS],
    pub stride: [i64; MAX_DIMS],
}

impl KernelLayout {
    /// The kernel view of `layout`, coalesced; `None` when it still has more
    /// than [`MAX_DIMS`] dimensions.
    pub fn new(layout: &Layout) -> Option<KernelLayout> {
        let (shape, strides) = coalesce(&layout.shape, &layout.strides);
        if shape.len() > MAX_DIMS {
            return None;
        }
        let mut k = KernelLayout {
            ndim: shape.len() as i32,
            offset: layout.offset as i64,
            shape: [1; MAX_DIMS],
            stride: [0; MAX_DIMS],
        };
        for (d, (&n, &s)) in shape.iter().zip(&strides).enumerate() {
            k.shape[d] = n as i64;
            k.stride[d] = s as i64;
        }
        Some(k)
    }
}

/// Merges adjacent dimensions that walk memory as one (outer stride equals
/// inner stride times inner size) and drops size-1 ones, so kernels do
/// fewer divisions per element. Element order is unchanged.
pub fn coalesce(shape: &[usize], strides: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut out_shape: Vec<usize> = Vec::new();
    let mut out_strides: Vec<usize> = Vec::new();
    for (&n, &s) in shape.iter().zip(strides) {
        if n == 1 {
            continue;
        }
        match (out_shape.last_mut(), out_strides.last_mut()) {
            (Some(pn), Some(ps)) if *ps == s * n => {
                *pn *= n;
                *ps = s;
            }
            _ => {
                out_shape.push(n);
                out_strides.push(s);
            }
        }
    }
    (out_shape, out_strides)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_collapses_to_one_dimension() {
        assert_eq!(coalesce(&[2, 3, 4], &[12, 4, 1]), (vec![24], vec![1]));
    }

    #[test]
    fn transposed_and_broadcast_dimensions_stay_apart() {
        assert_eq!(coalesce(&[3, 2], &[1, 3]), (vec![3, 2], vec![1, 3]));
        assert_eq!(
            coalesce(&[4, 1, 5, 6], &[0, 9, 6, 1]),
            (vec![4, 30], vec![0, 1])
        );
    }

    #[test]
    fn kernel_layout_matches_the_c_struct_size() {
        // int (padded to 8) + offset + two arrays of MAX_DIMS long longs.
        assert_eq!(std::mem::size_of::<KernelLayout>(), 16 + 16 * MAX_DIMS);
        let l = Layout {
            shape: vec![2, 1, 3],
            strides: vec![1, 5, 2],
            offset: 7,
        };
        let k = KernelLayout::new(&l).unwrap();
        assert_eq!((k.ndim, k.offset), (2, 7));
        assert_eq!((&k.shape[..2], &k.stride[..2]), (&[2, 3][..], &[1, 2][..]));
    }

    #[test]
    fn too_many_dimensions_are_refused() {
        let shape = vec![2; MAX_DIMS + 1];
        let strides: Vec<usize> = (0..=MAX_DIMS).map(|i| 1 << (2 * i)).collect();
        let l = Layout {
            shape,
            strides,
            offset: 0,
        };
        assert!(KernelLayout::new(&l).is_none());
    }
}
