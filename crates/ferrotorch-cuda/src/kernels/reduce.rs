//! Reductions over a tensor viewed as `[outer, r, inner]` (contiguous; the
//! caller makes it so), reducing the middle dimension: sum, prod, max, min,
//! all, any, and max/min with their positions (argmax/argmin).
//!
//! Two kernels per op because the fast access pattern differs: with
//! `inner == 1` a block reduces one contiguous row; otherwise one thread per
//! output walks `r` with neighbouring threads reading neighbouring
//! addresses. One module per input dtype keeps first-use compiles short.

use super::dtypes::{ctype, suffix, sum_dtype};
use super::KernelSource;
use ferrotorch_core::DType;
use std::fmt::Write;

/// The plain (value-only) reductions: (name, functor, output dtype rule).
pub const FOLDS: [&str; 6] = ["sum", "prod", "max", "min", "all", "any"];

/// Output dtype of fold `op` on input `dt`: sums and products of integers
/// and bool are int64 (as PyTorch's), all/any bool, max/min the input's.
pub fn fold_dtype(op: &str, dt: DType) -> DType {
    match op {
        "sum" | "prod" => sum_dtype(dt),
        "all" | "any" => DType::Bool,
        _ => dt,
    }
}

/// Kernel name of fold `op` over rows (`inner == 1`) or the middle dim.
pub fn fold_kernel(op: &str, dt: DType, rows: bool) -> String {
    format!(
        "{op}_{}_{}",
        if rows { "rows" } else { "middle" },
        suffix(dt)
    )
}

/// Kernel name of the first pass of a split row reduction: block `b`
/// folds part `b % parts` of row `b / parts` into a partial.
pub fn partial_kernel(op: &str, dt: DType) -> String {
    format!("{op}_partial_{}", suffix(dt))
}

/// The dtype partials of fold `op` over `dt` are kept in: the kernels'
/// accumulation type, so splitting a row loses nothing.
pub fn partial_dtype(op: &str, dt: DType) -> DType {
    match (op, dt) {
        (_, DType::F16 | DType::BF16 | DType::F32) => DType::F32,
        (_, DType::F64) => DType::F64,
        ("sum" | "prod", _) => DType::I64,
        (_, DType::I64) => DType::I64,
        _ => DType::I32,
    }
}

/// Kernel name of max/min with positions (`max`: argmax, else argmin).
pub fn arg_kernel(max: bool, dt: DType, rows: bool) -> String {
    fold_kernel(if max { "argmax" } else { "argmin" }, dt, rows)
}

/// Module name of the reductions of input dtype `dt`.
pub fn reduce_module_name(dt: DType) -> String {
    format!("reduce_{}", suffix(dt))
}

const TEMPLATES: &str = r#"
// Accumulation types: the warp shuffle moves 32- and 64-bit values only, so
// small integers and bool accumulate in int; sums of integers in long long
// (PyTorch sums integers to int64); half types in float.
template <typename T> struct FtRedAcc { typedef T type; };
template <> struct FtRedAcc<ft_half> { typedef float type; };
template <> struct FtRedAcc<ft_bf16> { typedef float type; };
template <> struct FtRedAcc<short> { typedef int type; };
template <> struct FtRedAcc<signed char> { typedef int type; };
template <> struct FtRedAcc<unsigned char> { typedef int type; };
template <> struct FtRedAcc<bool> { typedef int type; };
template <typename T> struct FtSumAcc { typedef long long type; };
template <> struct FtSumAcc<float> { typedef float type; };
template <> struct FtSumAcc<double> { typedef double type; };
template <> struct FtSumAcc<ft_half> { typedef float type; };
template <> struct FtSumAcc<ft_bf16> { typedef float type; };

template <typename A> struct FtLimits {
    static __device__ __forceinline__ A lowest() { return A(-INFINITY); }
    static __device__ __forceinline__ A highest() { return A(INFINITY); }
};
template <> struct FtLimits<int> {
    static __device__ __forceinline__ int lowest() { return -2147483647 - 1; }
    static __device__ __forceinline__ int highest() { return 2147483647; }
};
template <> struct FtLimits<long long> {
    static __device__ __forceinline__ long long lowest() { return -9223372036854775807LL - 1; }
    static __device__ __forceinline__ long long highest() { return 9223372036854775807LL; }
};

struct FtFoldSum { template <typename A> __device__ __forceinline__ A operator()(A a, A b) const { return a + b; }
                   template <typename A> static __device__ __forceinline__ A identity() { return A(0); } };
struct FtFoldProd { template <typename A> __device__ __forceinline__ A operator()(A a, A b) const { return a * b; }
                    template <typename A> static __device__ __forceinline__ A identity() { return A(1); } };
struct FtFoldMax { template <typename A> __device__ __forceinline__ A operator()(A a, A b) const { return ft_maximum(a, b); }
                   template <typename A> static __device__ __forceinline__ A identity() { return FtLimits<A>::lowest(); } };
struct FtFoldMin { template <typename A> __device__ __forceinline__ A operator()(A a, A b) const { return ft_minimum(a, b); }
                   template <typename A> static __device__ __forceinline__ A identity() { return FtLimits<A>::highest(); } };
struct FtFoldAll { template <typename A> __device__ __forceinline__ A operator()(A a, A b) const { return (a != A(0)) && (b != A(0)); }
                   template <typename A> static __device__ __forceinline__ A identity() { return A(1); } };
struct FtFoldAny { template <typename A> __device__ __forceinline__ A operator()(A a, A b) const { return (a != A(0)) || (b != A(0)); }
                   template <typename A> static __device__ __forceinline__ A identity() { return A(0); } };

// One block per row (grid-stride over rows).
template <typename T, typename A, typename O, typename Op>
__device__ __forceinline__ void ft_fold_rows(long long rows, long long n, const T* x, O* out) {
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        A s = Op::template identity<A>();
        for (long long j = threadIdx.x; j < n; j += blockDim.x) s = Op()(s, FtCast<A, T>::run(x[r * n + j]));
        s = ft_block_reduce(s, Op(), Op::template identity<A>());
        if (threadIdx.x == 0) out[r] = FtCast<O, A>::run(s);
    }
}

// Split rows: block b folds the elements j = p*blockDim + tid (stepping
// parts*blockDim) of row r = b / parts, p = b % parts, into partial[b].
template <typename T, typename A, typename Op>
__device__ __forceinline__ void ft_fold_partial(long long rows, long long n, long long parts, const T* x, A* partial) {
    for (long long b = blockIdx.x; b < rows * parts; b += gridDim.x) {
        const long long r = b / parts, p = b % parts;
        A s = Op::template identity<A>();
        for (long long j = p * blockDim.x + threadIdx.x; j < n; j += parts * blockDim.x) s = Op()(s, FtCast<A, T>::run(x[r * n + j]));
        s = ft_block_reduce(s, Op(), Op::template identity<A>());
        if (threadIdx.x == 0) partial[b] = s;
    }
}

// One thread per output element of [outer, inner].
template <typename T, typename A, typename O, typename Op>
__device__ __forceinline__ void ft_fold_middle(long long outer, long long r, long long inner, const T* x, O* out) {
    FT_FOR_EACH(i, outer * inner) {
        const long long o = i / inner, k = i % inner;
        const T* p = x + o * r * inner + k;
        A s = Op::template identity<A>();
        for (long long j = 0; j < r; ++j) s = Op()(s, FtCast<A, T>::run(p[j * inner]));
        out[i] = FtCast<O, A>::run(s);
    }
}

// Whether (v, i) beats (w, j) for argmax (MAX) / argmin: NaN wins (the
// first NaN), then the larger (smaller) value, ties to the lower index.
template <bool MAX, typename A>
__device__ __forceinline__ bool ft_arg_better(A v, long long i, A w, long long j) {
    const bool vn = ft_isnan(v), wn = ft_isnan(w);
    if (vn || wn) return vn && (!wn || i < j);
    if (v == w) return i < j;
    return MAX ? v > w : v < w;
}

template <typename T, typename A, bool MAX>
__device__ __forceinline__ void ft_arg_rows(long long rows, long long n, const T* x, T* vals, long long* idx) {
    __shared__ A sv[1024];
    __shared__ long long si[1024];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        A best = FtCast<A, T>::run(x[r * n]);
        long long at = 0;
        for (long long j = threadIdx.x; j < n; j += blockDim.x) {
            A v = FtCast<A, T>::run(x[r * n + j]);
            if (ft_arg_better<MAX>(v, j, best, at)) { best = v; at = j; }
        }
        sv[threadIdx.x] = best;
        si[threadIdx.x] = at;
        __syncthreads();
        for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
            if (threadIdx.x < s && ft_arg_better<MAX>(sv[threadIdx.x + s], si[threadIdx.x + s], sv[threadIdx.x], si[threadIdx.x])) {
                sv[threadIdx.x] = sv[threadIdx.x + s];
                si[threadIdx.x] = si[threadIdx.x + s];
            }
            __syncthreads();
        }
        if (threadIdx.x == 0) { vals[r] = FtCast<T, A>::run(sv[0]); idx[r] = si[0]; }
        __syncthreads();
    }
}

template <typename T, typename A, bool MAX>
__device__ __forceinline__ void ft_arg_middle(long long outer, long long r, long long inner, const T* x, T* vals, long long* idx) {
    FT_FOR_EACH(i, outer * inner) {
        const long long o = i / inner, k = i % inner;
        const T* p = x + o * r * inner + k;
        A best = FtCast<A, T>::run(p[0]);
        long long at = 0;
        for (long long j = 1; j < r; ++j) {
            A v = FtCast<A, T>::run(p[j * inner]);
            if (ft_arg_better<MAX>(v, j, best, at)) { best = v; at = j; }
        }
        vals[i] = FtCast<T, A>::run(best);
        idx[i] = at;
    }
}
"#;

fn functor(op: &str) -> &'static str {
    match op {
        "sum" => "FtFoldSum",
        "prod" => "FtFoldProd",
        "max" => "FtFoldMax",
        "min" => "FtFoldMin",
        "all" => "FtFoldAll",
        _ => "FtFoldAny",
    }
}

/// Every reduction of input dtype `dt`.
pub fn reduce_module(dt: DType) -> KernelSource {
    let mut s = super::prelude::prelude();
    s.push_str(TEMPLATES);
    let t = ctype(dt);
    for op in FOLDS {
        let o = ctype(fold_dtype(op, dt));
        let acc = match op {
            "sum" | "prod" => "typename FtSumAcc<T>::type",
            _ => "typename FtRedAcc<T>::type",
        };
        let f = functor(op);
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long rows, long long n, const {t}* x, {o}* out) {{ typedef {t} T; ft_fold_rows<T, {acc}, {o}, {f}>(rows, n, x, out); }}",
            fold_kernel(op, dt, true)
        );
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long outer, long long r, long long inner, const {t}* x, {o}* out) {{ typedef {t} T; ft_fold_middle<T, {acc}, {o}, {f}>(outer, r, inner, x, out); }}",
            fold_kernel(op, dt, false)
        );
        let p = ctype(partial_dtype(op, dt));
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long rows, long long n, long long parts, const {t}* x, {p}* partial) {{ typedef {t} T; ft_fold_partial<T, {p}, {f}>(rows, n, parts, x, partial); }}",
            partial_kernel(op, dt)
        );
    }
    for max in [true, false] {
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long rows, long long n, const {t}* x, {t}* vals, long long* idx) {{ ft_arg_rows<{t}, typename FtRedAcc<{t}>::type, {max}>(rows, n, x, vals, idx); }}",
            arg_kernel(max, dt, true)
        );
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long outer, long long r, long long inner, const {t}* x, {t}* vals, long long* idx) {{ ft_arg_middle<{t}, typename FtRedAcc<{t}>::type, {max}>(outer, r, inner, x, vals, idx); }}",
            arg_kernel(max, dt, false)
        );
    }
    KernelSource::new(reduce_module_name(dt), s)
}
