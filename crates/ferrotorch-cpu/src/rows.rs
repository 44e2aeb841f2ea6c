//! Kernels over the rows of a contiguous `[rows, len]` buffer: softmax,
//! log-softmax, cumulative sums/products and sorting. Callers move the dim of
//! interest last and make it contiguous first.

use rayon::prelude::*;

fn for_rows<T: Send + Sync, U: Send>(
    src: &[T],
    len: usize,
    out: &mut [U],
    f: impl Fn(&[T], &mut [U]) + Sync,
) {
    if len == 0 {
        return;
    }
    if src.len() < crate::PARALLEL_THRESHOLD {
        for (s, o) in src.chunks(len).zip(out.chunks_mut(len)) {
            f(s, o);
        }
    } else {
        src.par_chunks(len)
            .zip(out.par_chunks_mut(len))
            .for_each(|(s, o)| f(s, o));
    }
}

/// Softmax (or log-softmax) of each row, in one pass for max and one for the sum,
/// computed in f64 and written back through `from_f64`.
pub fn softmax<T: Copy + Send + Sync + Default>(
    src: &[T],
    len: usize,
    log: bool,
    to_f64: impl Fn(T) -> f64 + Sync,
    from_f64: impl Fn(f64) -> T + Sync,
) -> Vec<T> {
    let mut out = crate::buffer::filled(src.len(), T::default());
    for_rows(src, len, &mut out, |row, dst| {
        let max = row
            .iter()
            .map(|&x| to_f64(x))
            .fold(f64::NEG_INFINITY, f64::max);
        let max = if max.is_finite() { max } else { 0.0 };
        let sum: f64 = row.iter().map(|&x| (to_f64(x) - max).exp()).sum();
        if log {
            let lse = sum.ln();
            for (d, &x) in dst.iter_mut().zip(row) {
                *d = from_f64(to_f64(x) - max - lse);
            }
        } else {
            let inv = 1.0 / sum;
            for (d, &x) in dst.iter_mut().zip(row) {
                *d = from_f64((to_f64(x) - max).exp() * inv);
            }
        }
    });
    out
}

/// Float32 softmax (or log-softmax) of each row in f32 with the vectorized
/// `exp`: one pass for the max, one writing `exp(x - max)` while summing, one
/// scaling, with the widest vectors the CPU has (16 independent lanes).
pub fn softmax_f32(src: &[f32], len: usize, log: bool) -> Vec<f32> {
    let mut out = crate::buffer::filled(src.len(), 0.0f32);
    for_rows(src, len, &mut out, |row, dst| {
        crate::simd::vectorized(
            #[inline(always)]
            || softmax_row(row, dst, log),
        )
    });
    out
}

#[inline(always)]
fn softmax_row(row: &[f32], dst: &mut [f32], log: bool) {
    // Separate simple passes (max, exp, sum, scale) each vectorize; one fused
    // loop with the exp inside a lane accumulator did not.
    let mut max = lanes_fold(row, f32::NEG_INFINITY, |m, x| if x > m { x } else { m });
    if !max.is_finite() {
        max = 0.0; // all -inf (or +inf/NaN): exp below yields NaN or 0 as PyTorch's does
    }
    for (d, &x) in dst.iter_mut().zip(row) {
        *d = crate::fastmath::exp_f32(x - max);
    }
    let sum = lanes_fold(dst, 0.0, |s, x| s + x);
    if log {
        let lse = sum.ln() + max;
        for (d, &x) in dst.iter_mut().zip(row) {
            *d = x - lse;
        }
    } else {
        let inv = 1.0 / sum;
        for d in dst.iter_mut() {
            *d *= inv;
        }
    }
}

/// Folds `xs` with `op` over 16 independent lanes (so it vectorizes), then
/// folds the lanes and the tail. A NaN propagates through `>`-based max
/// only where it lands in the sum later, as in the callers above.
#[inline(always)]
fn lanes_fold(xs: &[f32], init: f32, op: impl Fn(f32, f32) -> f32) -> f32 {
    const L: usize = 16;
    let mut lanes = [init; L];
    let chunks = xs.chunks_exact(L);
    let tail = chunks.remainder();
    for c in chunks {
        for k in 0..L {
            lanes[k] = op(lanes[k], c[k]);
        }
    }
    let acc = lanes.iter().fold(init, |a, &l| op(a, l));
    tail.iter().fold(acc, |a, &x| op(a, x))
}

/// Inclusive scan of each row with `op`, accumulating in `A`.
pub fn scan<T, A, U>(
    src: &[T],
    len: usize,
    init: A,
    op: impl Fn(A, T) -> A + Sync,
    out: impl Fn(A) -> U + Sync,
) -> Vec<U>
where
    T: Copy + Send + Sync,
    A: Copy + Send + Sync,
    U: Copy + Default + Send + Sync,
{
    let mut res = crate::buffer::filled(src.len(), U::default());
    for_rows(src, len, &mut res, |row, dst| {
        let mut acc = init;
        for (d, &x) in dst.iter_mut().zip(row) {
            acc = op(acc, x);
            *d = out(acc);
        }
    });
    res
}

/// Sorts each row; returns (values, original indices). NaN sorts as the largest
/// value, as in PyTorch. The sort is stable.
pub fn sort<T: Copy + Send + Sync + Default + PartialOrd>(
    src: &[T],
    len: usize,
    descending: bool,
) -> (Vec<T>, Vec<i64>) {
    let mut vals = crate::buffer::filled(src.len(), T::default());
    let mut idx = crate::buffer::filled(src.len(), 0i64);
    if len == 0 {
        return (vals, idx);
    }
    #[allow(clippy::eq_op)]
    let key_cmp = |a: &T, b: &T| -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        match (a != a, b != b) {
            (true, true) => Equal,
            (true, false) => Greater,
            (false, true) => Less,
            _ => a.partial_cmp(b).unwrap_or(Equal),
        }
    };
    let do_row = |(row, (v, ix)): (&[T], (&mut [T], &mut [i64]))| {
        let mut order: Vec<usize> = (0..len).collect();
        if descending {
            order.sort_by(|&i, &j| key_cmp(&row[j], &row[i]));
        } else {
            order.sort_by(|&i, &j| key_cmp(&row[i], &row[j]));
        }
        for (k, &o) in order.iter().enumerate() {
            v[k] = row[o];
            ix[k] = o as i64;
        }
    };
    if src.len() < crate::PARALLEL_THRESHOLD {
        src.chunks(len)
            .zip(vals.chunks_mut(len).zip(idx.chunks_mut(len)))
            .for_each(do_row);
    } else {
        src.par_chunks(len)
            .zip(vals.par_chunks_mut(len).zip(idx.par_chunks_mut(len)))
            .for_each(do_row);
    }
    (vals, idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_f32_matches_f64_reference() {
        let x: Vec<f32> = (0..3 * 37)
            .map(|v| ((v * 7) % 23) as f32 * 0.37 - 4.0)
            .collect();
        for log in [false, true] {
            let fast = softmax_f32(&x, 37, log);
            let slow = softmax(&x, 37, log, |v| v as f64, |v| v as f32);
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{a} vs {b}");
            }
        }
        let with_nan = [1.0f32, f32::NAN, 2.0];
        assert!(softmax_f32(&with_nan, 3, false).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let x = [1.0f32, 2.0, 3.0, 0.0, 0.0, 0.0];
        let s = softmax(&x, 3, false, |v| v as f64, |v| v as f32);
        assert!((s[0] + s[1] + s[2] - 1.0).abs() < 1e-6);
        assert!((s[3] - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn sort_puts_nan_last_and_is_stable() {
        let x = [3.0f32, f32::NAN, 1.0, 3.0];
        let (v, i) = sort(&x, 4, false);
        assert_eq!(&v[..3], &[1.0, 3.0, 3.0]);
        assert!(v[3].is_nan());
        assert_eq!(i, vec![2, 0, 3, 1]);
        let c = scan(&[1i32, 2, 3, 4], 2, 0i64, |a, x| a + x as i64, |a| a);
        assert_eq!(c, vec![1, 3, 3, 7]);
    }
}
