//! Reductions over any set of dims of a strided tensor. One driver
//! ([`reduce`]) splits work across outputs or, when there are few outputs,
//! across the reduced elements; a [`Fold`] says what is accumulated.

use crate::strided::{coalesce, walk};
use ferrotorch_core::{Element, Layout};
use rayon::prelude::*;

/// What a reduction accumulates. `idx` is the element's position within the
/// reduced dims (row-major), used by arg-reductions.
pub trait Fold<T>: Sync {
    type Acc: Copy + Send + Sync + Default;
    fn init(&self) -> Self::Acc;
    fn step(&self, acc: Self::Acc, x: T, idx: usize) -> Self::Acc;
    /// Folds a contiguous run starting at reduced position `idx`; override to vectorize.
    fn slice(&self, mut acc: Self::Acc, xs: &[T], idx: usize) -> Self::Acc
    where
        T: Copy,
    {
        for (i, &x) in xs.iter().enumerate() {
            acc = self.step(acc, x, idx + i);
        }
        acc
    }
    /// Merges two partial results, `a` covering earlier positions than `b`.
    fn combine(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc;
}

/// Reduces `src` over the dims where `mask[d]` is true; the result is contiguous
/// over the kept dims in their order.
pub fn reduce<T, F>(src: &[T], layout: &Layout, mask: &[bool], fold: &F) -> Vec<F::Acc>
where
    T: Copy + Sync,
    F: Fold<T>,
{
    let (mut kshape, mut kstrides, mut rshape, mut rstrides) = (vec![], vec![], vec![], vec![]);
    for ((&reduced, &size), &stride) in mask.iter().zip(&layout.shape).zip(&layout.strides) {
        if reduced {
            rshape.push(size);
            rstrides.push(stride);
        } else {
            kshape.push(size);
            kstrides.push(stride);
        }
    }
    let n_out: usize = kshape.iter().product();
    let n_red: usize = rshape.iter().product();
    let mut out = crate::buffer::filled(n_out, F::Acc::default());
    if n_out == 0 {
        return out;
    }
    let (rshape, rstrides) = coalesce(&rshape, [&rstrides]);
    let inner_contig = rshape.len() <= 1 && rstrides[0].first().copied().unwrap_or(1) == 1;
    // Fold positions `start..start+count` of the reduced block based at `base`.
    let fold_range = |base: usize, start: usize, count: usize| -> F::Acc {
        if count == 0 {
            return fold.init();
        }
        if inner_contig {
            let s = base + start;
            return fold.slice(fold.init(), &src[s..s + count], start);
        }
        let mut acc = fold.init();
        let mut i = start;
        walk(&rshape, &rstrides, [base], start, count, |[o]| {
            acc = fold.step(acc, src[o], i);
            i += 1;
        });
        acc
    };
    let threads = rayon::current_num_threads();
    // Reducing over outer dims of rows that are contiguous in a kept dim (e.g. a
    // column sum): accumulate whole rows so memory is read in order.
    let m = kshape.last().copied().unwrap_or(0);
    if kstrides.last() == Some(&1) && m >= 8 && n_red > 1 {
        let offs: Vec<usize> = {
            let mut v = Vec::with_capacity(n_red);
            walk(&rshape, &rstrides, [0], 0, n_red, |[o]| v.push(o));
            v
        };
        let oshape = &kshape[..kshape.len() - 1];
        let ostrides = [kstrides[..kstrides.len() - 1].to_vec()];
        let n_outer = n_out / m;
        let mut bases = Vec::with_capacity(n_outer);
        walk(oshape, &ostrides, [layout.offset], 0, n_outer, |[b]| {
            bases.push(b)
        });
        // Tasks are (outer row, column block, range of reduced rows). Each reads
        // its rows front to back (prefetch-friendly) into accumulators that stay
        // in cache; when there are few outer rows and blocks, the reduced rows
        // are split too and the partial results combined in order.
        let cblock = m.min(8192);
        let total = n_out * n_red;
        let col_tasks = n_outer * m.div_ceil(cblock);
        let rows_per = if total < crate::PARALLEL_THRESHOLD || col_tasks >= threads * 2 {
            n_red
        } else {
            n_red.div_ceil((threads * 2).div_ceil(col_tasks))
        };
        let run = |base: usize, c0: usize, r0: usize, acc: &mut [F::Acc]| {
            acc.fill(fold.init());
            let len = acc.len();
            let r1 = (r0 + rows_per).min(n_red);
            let row = |r: usize| &src[base + offs[r] + c0..][..len];
            // Compute-bound for sums widened to f64: use the widest vectors, and
            // fold rows eight at a time so each accumulator is loaded and stored
            // once per eight rows (still in row order, so arg-reductions stay exact).
            crate::simd::vectorized(
                #[inline(always)]
                || {
                    let mut r = r0;
                    while r + 8 <= r1 {
                        let rows: [&[T]; 8] = std::array::from_fn(|i| row(r + i));
                        for (j, a) in acc.iter_mut().enumerate() {
                            let mut v = *a;
                            for (i, x) in rows.iter().enumerate() {
                                v = fold.step(v, x[j], r + i);
                            }
                            *a = v;
                        }
                        r += 8;
                    }
                    for r in r..r1 {
                        for (a, &x) in acc.iter_mut().zip(row(r)) {
                            *a = fold.step(*a, x, r);
                        }
                    }
                },
            )
        };
        if total < crate::PARALLEL_THRESHOLD {
            for (row, &base) in out.chunks_mut(m).zip(&bases) {
                run(base, 0, 0, row);
            }
        } else if rows_per == n_red {
            out.par_chunks_mut(m)
                .zip(bases.par_iter())
                .for_each(|(row, &base)| {
                    row.par_chunks_mut(cblock)
                        .enumerate()
                        .for_each(|(bi, acc)| run(base, bi * cblock, 0, acc));
                });
        } else {
            for (row, &base) in out.chunks_mut(m).zip(&bases) {
                for (bi, dst) in row.chunks_mut(cblock).enumerate() {
                    let parts: Vec<Vec<F::Acc>> = (0..n_red.div_ceil(rows_per))
                        .into_par_iter()
                        .map(|rc| {
                            let mut acc = vec![fold.init(); dst.len()];
                            run(base, bi * cblock, rc * rows_per, &mut acc);
                            acc
                        })
                        .collect();
                    for (j, d) in dst.iter_mut().enumerate() {
                        *d = parts[1..]
                            .iter()
                            .fold(parts[0][j], |a, p| fold.combine(a, p[j]));
                    }
                }
            }
        }
        return out;
    }
    if n_out >= threads * 4 || n_red < crate::PARALLEL_THRESHOLD {
        let kstrides = [kstrides];
        let total = n_out * n_red.max(1);
        let body = |start: usize, chunk: &mut [F::Acc]| {
            let len = chunk.len();
            let mut it = chunk.iter_mut();
            walk(&kshape, &kstrides, [layout.offset], start, len, |[base]| {
                *it.next().unwrap() = fold_range(base, 0, n_red);
            });
        };
        if total < crate::PARALLEL_THRESHOLD {
            body(0, &mut out);
        } else {
            // Split outputs so that each task has a fair share of the input.
            let per = n_out.div_ceil(threads * 4).max(1);
            out.par_chunks_mut(per)
                .enumerate()
                .for_each(|(i, c)| body(i * per, c));
        }
        return out;
    }
    // Few outputs, long reductions: split each reduction across threads.
    let chunk = (n_red.div_ceil(threads * 8)).max(4096);
    let kstrides = [kstrides];
    let mut bases = Vec::with_capacity(n_out);
    walk(&kshape, &kstrides, [layout.offset], 0, n_out, |[b]| {
        bases.push(b)
    });
    for (o, base) in out.iter_mut().zip(bases) {
        let parts: Vec<F::Acc> = (0..n_red.div_ceil(chunk))
            .into_par_iter()
            .map(|c| fold_range(base, c * chunk, chunk.min(n_red - c * chunk)))
            .collect();
        *o = parts
            .into_iter()
            .fold(fold.init(), |a, b| fold.combine(a, b));
    }
    out
}

/// Sum of floats, accumulated in f64 with independent lanes so it vectorizes.
pub struct SumF;
impl<T: Element> Fold<T> for SumF {
    type Acc = f64;
    fn init(&self) -> f64 {
        0.0
    }
    #[inline]
    fn step(&self, acc: f64, x: T, _: usize) -> f64 {
        acc + x.to_f64()
    }
    fn slice(&self, acc: f64, xs: &[T], _: usize) -> f64 {
        let mut lanes = [0.0f64; 8];
        let chunks = xs.chunks_exact(8);
        let rest = chunks.remainder();
        for c in chunks {
            for k in 0..8 {
                lanes[k] += c[k].to_f64();
            }
        }
        let mut s = acc;
        for l in lanes {
            s += l;
        }
        for &x in rest {
            s += x.to_f64();
        }
        s
    }
    fn combine(&self, a: f64, b: f64) -> f64 {
        a + b
    }
}

/// Sum of integers and bools into i64 (wrapping, as PyTorch's int64 sum).
pub struct SumI;
impl<T: Element> Fold<T> for SumI {
    type Acc = i64;
    fn init(&self) -> i64 {
        0
    }
    #[inline]
    fn step(&self, acc: i64, x: T, _: usize) -> i64 {
        acc.wrapping_add(x.to_i64())
    }
    fn combine(&self, a: i64, b: i64) -> i64 {
        a.wrapping_add(b)
    }
}

/// Product of floats in f64.
pub struct ProdF;
impl<T: Element> Fold<T> for ProdF {
    type Acc = f64;
    fn init(&self) -> f64 {
        1.0
    }
    fn step(&self, acc: f64, x: T, _: usize) -> f64 {
        acc * x.to_f64()
    }
    fn combine(&self, a: f64, b: f64) -> f64 {
        a * b
    }
}

/// Product of integers in i64 (wrapping).
pub struct ProdI;
impl<T: Element> Fold<T> for ProdI {
    type Acc = i64;
    fn init(&self) -> i64 {
        1
    }
    fn step(&self, acc: i64, x: T, _: usize) -> i64 {
        acc.wrapping_mul(x.to_i64())
    }
    fn combine(&self, a: i64, b: i64) -> i64 {
        a.wrapping_mul(b)
    }
}

/// Max or min with its first position; NaN wins (PyTorch propagates NaN).
/// `Acc = (value, index, seen)`.
pub struct ArgExtreme {
    pub max: bool,
}

fn is_nan<T: Element>(x: T) -> bool {
    #[allow(clippy::eq_op)]
    {
        x != x
    }
}

impl ArgExtreme {
    #[inline]
    fn better<T: Element>(&self, x: T, cur: T) -> bool {
        if is_nan(cur) {
            return false;
        }
        if is_nan(x) {
            return true;
        }
        if self.max {
            x > cur
        } else {
            x < cur
        }
    }
}

impl<T: Element> Fold<T> for ArgExtreme {
    type Acc = (T, usize, bool);
    fn init(&self) -> Self::Acc {
        (T::default(), 0, false)
    }
    #[inline]
    fn step(&self, acc: Self::Acc, x: T, idx: usize) -> Self::Acc {
        if !acc.2 || self.better(x, acc.0) {
            (x, idx, true)
        } else {
            acc
        }
    }
    fn combine(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc {
        if !a.2 {
            return b;
        }
        if b.2 && self.better(b.0, a.0) {
            b
        } else {
            a
        }
    }
}

/// `all` (`want = false` short-circuit value) or `any`.
pub struct AnyAll {
    pub any: bool,
}
impl<T: Element> Fold<T> for AnyAll {
    type Acc = bool;
    fn init(&self) -> bool {
        !self.any
    }
    fn step(&self, acc: bool, x: T, _: usize) -> bool {
        if self.any {
            acc || x.to_bool()
        } else {
            acc && x.to_bool()
        }
    }
    fn combine(&self, a: bool, b: bool) -> bool {
        if self.any {
            a || b
        } else {
            a && b
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_reduction_of_views_matches_naive() {
        // [5, 3, 40] with the middle dim reduced, and a strided (sliced) input.
        let x: Vec<f64> = (0..5 * 3 * 40).map(|v| (v % 13) as f64 - 6.0).collect();
        let l = Layout::contiguous(&[5, 3, 40]);
        let got = reduce(&x, &l, &[false, true, false], &SumF);
        for i in 0..5 {
            for k in 0..40 {
                let want: f64 = (0..3).map(|j| x[i * 120 + j * 40 + k]).sum();
                assert_eq!(got[i * 40 + k], want);
            }
        }
        let s = l.slice(2, Some(1), None, 1).unwrap();
        let got = reduce(&x, &s, &[true, true, false], &ArgExtreme { max: false });
        for k in 0..39 {
            let vals: Vec<f64> = (0..15)
                .map(|r| x[(r / 3) * 120 + (r % 3) * 40 + k + 1])
                .collect();
            let (mut bi, mut bv) = (0, vals[0]);
            for (i, &v) in vals.iter().enumerate() {
                if v < bv {
                    bi = i;
                    bv = v;
                }
            }
            assert_eq!((got[k].0, got[k].1), (bv, bi));
        }
    }

    #[test]
    fn tall_column_reduction_splits_rows_and_keeps_first_index() {
        // Few columns, many rows: the reduced rows are split across tasks and
        // the partial results combined in order, so argmax keeps the first hit.
        let (rows, cols) = (50_001, 9);
        let x: Vec<f32> = (0..rows * cols).map(|v| ((v * 7) % 1000) as f32).collect();
        let l = Layout::contiguous(&[rows, cols]);
        let sums = reduce(&x, &l, &[true, false], &SumF);
        let arg = reduce(&x, &l, &[true, false], &ArgExtreme { max: true });
        for k in 0..cols {
            let col: Vec<f32> = (0..rows).map(|r| x[r * cols + k]).collect();
            let want: f64 = col.iter().map(|&v| v as f64).sum();
            assert_eq!(sums[k], want);
            let best = col.iter().cloned().fold(f32::MIN, f32::max);
            let first = col.iter().position(|&v| v == best).unwrap();
            assert_eq!((arg[k].0, arg[k].1), (best, first));
        }
    }

    #[test]
    fn sums_rows_columns_and_all() {
        let x: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let l = Layout::contiguous(&[3, 4]);
        assert_eq!(reduce(&x, &l, &[false, true], &SumF), vec![6.0, 22.0, 38.0]);
        assert_eq!(
            reduce(&x, &l, &[true, false], &SumF),
            vec![12.0, 15.0, 18.0, 21.0]
        );
        assert_eq!(reduce(&x, &l, &[true, true], &SumF), vec![66.0]);
    }

    #[test]
    fn long_reduction_is_split_and_exact() {
        let x: Vec<i32> = (0..1_000_003).map(|v| v % 7).collect();
        let l = Layout::contiguous(&[x.len()]);
        let expect: i64 = x.iter().map(|&v| v as i64).sum();
        assert_eq!(reduce(&x, &l, &[true], &SumI), vec![expect]);
    }

    #[test]
    fn argmax_takes_first_and_nan() {
        let x = [1.0f32, 5.0, 5.0, 2.0];
        let l = Layout::contiguous(&[4]);
        let r = reduce(&x, &l, &[true], &ArgExtreme { max: true });
        assert_eq!((r[0].0, r[0].1), (5.0, 1));
        let y = [1.0f32, f32::NAN, 7.0];
        let r = reduce(
            &y,
            &Layout::contiguous(&[3]),
            &[true],
            &ArgExtreme { max: true },
        );
        assert_eq!(r[0].1, 1);
    }
}
