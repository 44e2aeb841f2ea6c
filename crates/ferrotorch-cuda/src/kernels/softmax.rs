//! Ops along contiguous rows. Row softmax and log-softmax: one
//! block per row, three passes (max, sum of exponentials, write) whose
//! reads after the first hit L2 for rows of moderate length.

use super::dtypes::{ctype, suffix, FLOATS};
use super::KernelSource;
use ferrotorch_core::DType;
use std::fmt::Write;

/// Kernel name of softmax (`log`: log_softmax) for `dt`.
pub fn softmax_kernel(dt: DType, log: bool) -> String {
    format!(
        "{}_rows_{}",
        if log { "log_softmax" } else { "softmax" },
        suffix(dt)
    )
}

const TEMPLATE: &str = r#"
// Launch with one block per row, a multiple-of-32 block size.
template <typename T, bool LOG>
__device__ __forceinline__ void ft_softmax_rows(long long rows, long long n, const T* x, T* out) {
    typedef typename FtAcc<T>::type A;
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* xr = x + r * n;
        T* orow = out + r * n;
        A m = -INFINITY;
        for (long long j = threadIdx.x; j < n; j += blockDim.x) { A v = ft_acc(xr[j]); m = v > m ? v : m; }
        m = ft_block_reduce(m, FtMax(), A(-INFINITY));
        A s = A(0);
        for (long long j = threadIdx.x; j < n; j += blockDim.x) s += exp(ft_acc(xr[j]) - m);
        s = ft_block_reduce(s, FtSum(), A(0));
        if (LOG) {
            const A ls = log(s);
            for (long long j = threadIdx.x; j < n; j += blockDim.x) orow[j] = FtCast<T, A>::run(ft_acc(xr[j]) - m - ls);
        } else {
            const A inv = A(1) / s;
            for (long long j = threadIdx.x; j < n; j += blockDim.x) orow[j] = FtCast<T, A>::run(exp(ft_acc(xr[j]) - m) * inv);
        }
    }
}
"#;

/// Softmax and log-softmax for the floating dtypes.
pub fn softmax_module() -> KernelSource {
    let mut s = super::prelude::prelude();
    s.push_str(TEMPLATE);
    for dt in FLOATS {
        for log in [false, true] {
            let t = ctype(dt);
            let _ = writeln!(
                s,
                "extern \"C\" __global__ void {}(long long rows, long long n, const {t}* x, {t}* out) {{ ft_softmax_rows<{t}, {log}>(rows, n, x, out); }}",
                softmax_kernel(dt, log)
            );
        }
    }
    KernelSource::new("softmax".into(), s)
}

/// Kernel name of the running sum (`prod`: product) along rows for `dt`.
pub fn scan_kernel(dt: DType, prod: bool) -> String {
    format!(
        "{}_rows_{}",
        if prod { "cumprod" } else { "cumsum" },
        suffix(dt)
    )
}

const SCAN_TEMPLATE: &str = r#"
// One thread per row walks it in order: exact left-to-right accumulation as
// on the CPU (in double for floats, wrapping int64 for integers).
template <typename T, typename A, bool PROD>
__device__ __forceinline__ void ft_scan_rows(long long rows, long long n, const T* x, T* out) {
    FT_FOR_EACH(r, rows) {
        A s = PROD ? A(1) : A(0);
        for (long long j = 0; j < n; ++j) {
            const A v = FtCast<A, T>::run(x[r * n + j]);
            if (PROD) s = A(s * v); else s = A(s + v);
            out[r * n + j] = FtCast<T, A>::run(s);
        }
    }
}
"#;

/// Running sums and products along contiguous rows, for every dtype but
/// bool (the caller promotes integers to int64 as PyTorch does).
pub fn scan_module() -> KernelSource {
    let mut s = super::prelude::prelude();
    s.push_str(SCAN_TEMPLATE);
    for dt in super::dtypes::NUMERIC {
        let t = ctype(dt);
        let acc = if dt.is_float() { "double" } else { "long long" };
        for prod in [false, true] {
            let _ = writeln!(
                s,
                "extern \"C\" __global__ void {}(long long rows, long long n, const {t}* x, {t}* out) {{ ft_scan_rows<{t}, {acc}, {prod}>(rows, n, x, out); }}",
                scan_kernel(dt, prod)
            );
        }
    }
    KernelSource::new("scan".into(), s)
}
