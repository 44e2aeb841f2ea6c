//! Row softmax and log-softmax over the last, contiguous dimension: one
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
