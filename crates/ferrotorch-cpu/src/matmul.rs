//! Batched matrix multiply: `[B, M, K] @ [B, K, N] -> [B, M, N]` on strided
//! operands. Floats go through the `gemm` crate; integers use a simple blocked loop.

use ferrotorch_core::Layout;
use gemm::Parallelism;
use rayon::prelude::*;

fn dims(la: &Layout, lb: &Layout) -> (usize, usize, usize, usize) {
    (la.shape[0], la.shape[1], la.shape[2], lb.shape[2])
}

/// Float matmul through `gemm` for f32, f64 and f16 (`T` must be one of them).
pub fn matmul_gemm<T: Copy + Default + Send + Sync + 'static>(
    a: &[T],
    la: &Layout,
    b: &[T],
    lb: &Layout,
    zero: T,
    one: T,
) -> Vec<T> {
    let (batch, m, k, n) = dims(la, lb);
    let mut out = crate::buffer::filled(batch * m * n, T::default());
    if out.is_empty() {
        return out;
    }
    let work = m * n * k;
    let run = |bi: usize, dst: &mut [T], par: Parallelism| {
        let ao = la.offset + bi * la.strides[0];
        let bo = lb.offset + bi * lb.strides[0];
        // SAFETY: offsets and strides come from valid layouts over `a` and `b`;
        // `dst` is an exclusive m*n row-major block. With k == 0 the result is zeros.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                dst.as_mut_ptr(),
                1,
                n as isize,
                false,
                a.as_ptr().add(ao),
                la.strides[2] as isize,
                la.strides[1] as isize,
                b.as_ptr().add(bo),
                lb.strides[2] as isize,
                lb.strides[1] as isize,
                zero,
                one,
                false,
                false,
                false,
                par,
            )
        }
    };
    if batch > 1 && work < 128 * 128 * 128 {
        out.par_chunks_mut(m * n)
            .enumerate()
            .for_each(|(bi, dst)| run(bi, dst, Parallelism::None));
    } else {
        let par = if work >= 48 * 48 * 48 {
            Parallelism::Rayon(0)
        } else {
            Parallelism::None
        };
        for (bi, dst) in out.chunks_mut(m * n).enumerate() {
            run(bi, dst, par);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)] // the kernel's full description: operands, layouts, accumulator ops
/// Generic matmul for element types `gemm` lacks (integers): accumulate in `A`.
pub fn matmul_generic<T, A>(
    a: &[T],
    la: &Layout,
    b: &[T],
    lb: &Layout,
    to_acc: impl Fn(T) -> A + Sync,
    mul_add: impl Fn(A, A, A) -> A + Sync,
    from_acc: impl Fn(A) -> T + Sync,
    zero: A,
) -> Vec<T>
where
    T: Copy + Default + Send + Sync,
    A: Copy + Send + Sync,
{
    let (batch, m, k, n) = dims(la, lb);
    let mut out = crate::buffer::filled(batch * m * n, T::default());
    if out.is_empty() {
        return out;
    }
    out.par_chunks_mut(n).enumerate().for_each(|(row, dst)| {
        let (bi, i) = (row / m, row % m);
        let ao = la.offset + bi * la.strides[0] + i * la.strides[1];
        let bo = lb.offset + bi * lb.strides[0];
        let mut acc = vec![zero; n];
        for p in 0..k {
            let x = to_acc(a[ao + p * la.strides[2]]);
            let brow = bo + p * lb.strides[1];
            for (j, s) in acc.iter_mut().enumerate() {
                *s = mul_add(*s, x, to_acc(b[brow + j * lb.strides[2]]));
            }
        }
        for (d, s) in dst.iter_mut().zip(acc) {
            *d = from_acc(s);
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemm_matches_naive_on_transposed_input() {
        let a: Vec<f32> = (0..6).map(|x| x as f32).collect(); // [1, 2, 3]
        let la = Layout::contiguous(&[1, 2, 3]);
        let braw: Vec<f32> = (0..6).map(|x| (x * 2) as f32).collect(); // stored [1, 2, 3], used as its transpose
        let lb = Layout::contiguous(&[1, 2, 3]).transpose(1, 2).unwrap();
        let out = matmul_gemm(&a, &la, &braw, &lb, 0.0, 1.0);
        let outi = matmul_generic(
            &a,
            &la,
            &braw,
            &lb,
            |x| x as f64,
            |s, x, y| s + x * y,
            |s| s as f32,
            0.0,
        );
        assert_eq!(out, outi);
        assert_eq!(out, vec![10.0, 28.0, 28.0, 100.0]);
    }
}
