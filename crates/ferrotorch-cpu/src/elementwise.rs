//! Elementwise kernels: map one, two or three strided inputs into a new
//! contiguous buffer, and strided copies. Operands are already broadcast to the
//! output shape (stride-0 dims), so kernels never reason about broadcasting.

use crate::buffer::fill_new;
use crate::strided::{coalesce, walk, SharedMut};
use ferrotorch_core::Layout;
use std::mem::MaybeUninit;

/// `out[i] = f(src[i])` over `layout`, returned as a contiguous buffer.
pub fn unary<T, U>(src: &[T], layout: &Layout, f: impl Fn(T) -> U + Sync) -> Vec<U>
where
    T: Copy + Sync,
    U: Copy + Send,
{
    let n = layout.numel();
    if n == 0 {
        return Vec::new();
    }
    if layout.is_contiguous() {
        let src = &src[layout.offset..layout.offset + n];
        return fill_new(n, |s, chunk| {
            let e = s + chunk.len();
            map_slice(&src[s..e], chunk, &f);
        });
    }
    let (shape, strides) = coalesce(&layout.shape, [&layout.strides]);
    fill_new(n, |start, chunk| {
        let len = chunk.len();
        let mut it = chunk.iter_mut();
        walk(&shape, &strides, [layout.offset], start, len, |[o]| {
            if let Some(d) = it.next() {
                d.write(f(src[o]));
            }
        });
    })
}

/// `dst[i] = f(src[i])` with the widest vectors the CPU has, so compute-bound
/// maps (exp, sqrt, sigmoid...) use 8- or 16-wide instructions.
#[inline(always)]
fn map_slice<T: Copy, U>(src: &[T], dst: &mut [MaybeUninit<U>], f: &impl Fn(T) -> U) {
    crate::simd::vectorized(
        #[inline(always)]
        || {
            for (o, &x) in dst.iter_mut().zip(src) {
                o.write(f(x));
            }
        },
    )
}

/// `out[i] = f(a[i], b[i])`; both layouts have the output's shape.
pub fn binary<A, B, U>(
    a: &[A],
    la: &Layout,
    b: &[B],
    lb: &Layout,
    f: impl Fn(A, B) -> U + Sync,
) -> Vec<U>
where
    A: Copy + Sync,
    B: Copy + Sync,
    U: Copy + Send,
{
    let n = la.numel();
    if n == 0 {
        return Vec::new();
    }
    let scalar = |l: &Layout| l.strides.iter().all(|&s| s == 0);
    if la.is_contiguous() && lb.is_contiguous() {
        let a = &a[la.offset..la.offset + n];
        let b = &b[lb.offset..lb.offset + n];
        return fill_new(n, |s, chunk| {
            let e = s + chunk.len();
            for ((o, &x), &y) in chunk.iter_mut().zip(&a[s..e]).zip(&b[s..e]) {
                o.write(f(x, y));
            }
        });
    }
    if la.is_contiguous() && scalar(lb) {
        let a = &a[la.offset..la.offset + n];
        let y = b[lb.offset];
        return fill_new(n, |s, chunk| {
            let e = s + chunk.len();
            for (o, &x) in chunk.iter_mut().zip(&a[s..e]) {
                o.write(f(x, y));
            }
        });
    }
    if lb.is_contiguous() && scalar(la) {
        let b = &b[lb.offset..lb.offset + n];
        let x = a[la.offset];
        return fill_new(n, |s, chunk| {
            let e = s + chunk.len();
            for (o, &y) in chunk.iter_mut().zip(&b[s..e]) {
                o.write(f(x, y));
            }
        });
    }
    let (shape, strides) = coalesce(&la.shape, [&la.strides, &lb.strides]);
    fill_new(n, |start, chunk| {
        let len = chunk.len();
        let mut it = chunk.iter_mut();
        walk(
            &shape,
            &strides,
            [la.offset, lb.offset],
            start,
            len,
            |[i, j]| {
                if let Some(d) = it.next() {
                    d.write(f(a[i], b[j]));
                }
            },
        );
    })
}

/// `out[i] = f(a[i], b[i], c[i])`; all layouts have the output's shape.
pub fn ternary<A, B, C, U>(
    a: &[A],
    la: &Layout,
    b: &[B],
    lb: &Layout,
    c: &[C],
    lc: &Layout,
    f: impl Fn(A, B, C) -> U + Sync,
) -> Vec<U>
where
    A: Copy + Sync,
    B: Copy + Sync,
    C: Copy + Sync,
    U: Copy + Send,
{
    let n = la.numel();
    let (shape, strides) = coalesce(&la.shape, [&la.strides, &lb.strides, &lc.strides]);
    fill_new(n, |start, chunk| {
        let len = chunk.len();
        let mut it = chunk.iter_mut();
        walk(
            &shape,
            &strides,
            [la.offset, lb.offset, lc.offset],
            start,
            len,
            |[i, j, k]| {
                if let Some(d) = it.next() {
                    d.write(f(a[i], b[j], c[k]));
                }
            },
        );
    })
}

/// Writes `src` (layout `ls`, already broadcast to `ld`'s shape) into `dst` at
/// layout `ld`, converting each element with `f`.
///
/// # Safety
/// `dst` must be valid for writes at every offset of `ld`, and `ld` must not map
/// two indices to the same element (no stride-0 dims). `src` must not overlap
/// `dst` unless the two layouts are identical.
pub unsafe fn copy_strided<T, U>(
    src: &[T],
    ls: &Layout,
    dst: *mut U,
    ld: &Layout,
    f: impl Fn(T) -> U + Sync,
) where
    T: Copy + Sync,
    U: Copy + Send,
{
    let n = ld.numel();
    if n == 0 {
        return;
    }
    let (shape, strides) = coalesce(&ld.shape, [&ls.strides, &ld.strides]);
    let dst = SharedMut(dst);
    let run = |start: usize, count: usize| {
        let d = dst;
        walk(
            &shape,
            &strides,
            [ls.offset, ld.offset],
            start,
            count,
            |[i, j]| {
                // SAFETY: the caller guarantees `j` is in bounds and unique per index.
                unsafe { *d.0.add(j) = f(src[i]) };
            },
        );
    };
    if n < crate::PARALLEL_THRESHOLD {
        run(0, n);
    } else {
        use rayon::prelude::*;
        let chunk = crate::PARALLEL_THRESHOLD;
        (0..n.div_ceil(chunk))
            .into_par_iter()
            .for_each(|c| run(c * chunk, chunk.min(n - c * chunk)));
    }
}

/// Storage offsets of every element of `layout`, in row-major order.
pub fn offsets(layout: &Layout) -> Vec<usize> {
    let n = layout.numel();
    let mut out = Vec::with_capacity(n);
    let strides = [layout.strides.clone()];
    walk(&layout.shape, &strides, [layout.offset], 0, n, |[o]| {
        out.push(o)
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_broadcast_and_transposed() {
        let a: Vec<f32> = (0..6).map(|x| x as f32).collect();
        let la = Layout::contiguous(&[2, 3]);
        let b = [10.0f32, 20.0, 30.0];
        let lb = Layout::contiguous(&[3]).broadcast_to(&[2, 3]).unwrap();
        assert_eq!(
            binary(&a, &la, &b, &lb, |x, y| x + y),
            vec![10., 21., 32., 13., 24., 35.]
        );
        let lt = Layout::contiguous(&[3, 2]).transpose(0, 1).unwrap();
        assert_eq!(unary(&a, &lt, |x| x), vec![0., 2., 4., 1., 3., 5.]);
    }

    #[test]
    fn large_strided_unary_matches_serial() {
        let n = 300 * 257;
        let src: Vec<i64> = (0..n as i64).collect();
        let l = Layout::contiguous(&[300, 257]).transpose(0, 1).unwrap();
        let out = unary(&src, &l, |x| x * 2);
        let expect: Vec<i64> = offsets(&l).into_iter().map(|o| src[o] * 2).collect();
        assert_eq!(out, expect);
    }

    #[test]
    fn copy_into_strided_destination() {
        let src = [1i32, 2, 3, 4];
        let ls = Layout::contiguous(&[2, 2]);
        let mut dst = [0i32; 4];
        let ld = Layout::contiguous(&[2, 2]).transpose(0, 1).unwrap();
        unsafe { copy_strided(&src, &ls, dst.as_mut_ptr(), &ld, |x| x) };
        assert_eq!(dst, [1, 3, 2, 4]);
    }
}
