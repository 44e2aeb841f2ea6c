//! Sum reductions over a tensor viewed as `[outer, r, inner]` (contiguous;
//! the caller makes it so), summing the middle dimension. Two kernels
//! because the fast access pattern differs: with `inner == 1` a block
//! reduces one contiguous row; otherwise one thread per output walks `r`
//! with neighbouring threads reading neighbouring addresses.

use super::dtypes::{ctype, suffix, sum_dtype};
use super::KernelSource;
use ferrotorch_core::DType;
use std::fmt::Write;

/// Kernel name of the row sum (`inner == 1`) for input dtype `dt`.
pub fn sum_rows_kernel(dt: DType) -> String {
    format!("sum_rows_{}", suffix(dt))
}

/// Kernel name of the sum over the middle of `[outer, r, inner]`.
pub fn sum_middle_kernel(dt: DType) -> String {
    format!("sum_middle_{}", suffix(dt))
}

const TEMPLATES: &str = r#"
// Accumulates in double for double, float for the other floats and
// long long for integers and bool (PyTorch sums integers to int64).
template <typename T> struct FtSumAcc { typedef long long type; };
template <> struct FtSumAcc<float> { typedef float type; };
template <> struct FtSumAcc<double> { typedef double type; };
template <> struct FtSumAcc<ft_half> { typedef float type; };
template <> struct FtSumAcc<ft_bf16> { typedef float type; };

// One block per row (grid-stride over rows).
template <typename T, typename O>
__device__ __forceinline__ void ft_sum_rows(long long rows, long long n, const T* x, O* out) {
    typedef typename FtSumAcc<T>::type A;
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        A s = A(0);
        for (long long j = threadIdx.x; j < n; j += blockDim.x) s += FtCast<A, T>::run(x[r * n + j]);
        s = ft_block_reduce(s, FtSum(), A(0));
        if (threadIdx.x == 0) out[r] = FtCast<O, A>::run(s);
    }
}

// One thread per output element of [outer, inner].
template <typename T, typename O>
__device__ __forceinline__ void ft_sum_middle(long long outer, long long r, long long inner, const T* x, O* out) {
    typedef typename FtSumAcc<T>::type A;
    FT_FOR_EACH(i, outer * inner) {
        const long long o = i / inner, k = i % inner;
        const T* p = x + o * r * inner + k;
        A s = A(0);
        for (long long j = 0; j < r; ++j) s += FtCast<A, T>::run(p[j * inner]);
        out[i] = FtCast<O, A>::run(s);
    }
}
"#;

/// Sums for every dtype.
pub fn reduce_module() -> KernelSource {
    let mut s = super::prelude::prelude();
    s.push_str(TEMPLATES);
    for dt in DType::ALL {
        let (t, o) = (ctype(dt), ctype(sum_dtype(dt)));
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long rows, long long n, const {t}* x, {o}* out) {{ ft_sum_rows<{t}, {o}>(rows, n, x, out); }}",
            sum_rows_kernel(dt)
        );
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long outer, long long r, long long inner, const {t}* x, {o}* out) {{ ft_sum_middle<{t}, {o}>(outer, r, inner, x, out); }}",
            sum_middle_kernel(dt)
        );
    }
    KernelSource::new("reduce".into(), s)
}
