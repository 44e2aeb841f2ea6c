//! The elementwise family: unary and binary ops, comparisons, fill and
//! cast/strided copy, for every dtype they exist for in PyTorch.
//!
//! Each op is a C++ functor over the accumulation type; one template per
//! shape of kernel (strided, or contiguous fast path) is instantiated as an
//! `extern "C"` entry point per (op, dtype), named by the functions here so
//! the launcher and the source agree on names.

use super::dtypes::{ctype, suffix, FLOATS, INTEGERS, INTEGERS_AND_BOOL, NUMERIC};
use super::KernelSource;
use ferrotorch_core::DType;
use std::fmt::Write;

/// Unary ops: (name, C++ expression in `x`, dtypes).
const UNARY: &[(&str, &str, &[DType])] = &[
    ("neg", "-x", &NUMERIC),
    ("abs", "x < A(0) ? A(-x) : x", &NUMERIC),
    ("sign", "ft_sign(x)", &NUMERIC),
    // NaN stays NaN, as on the CPU.
    ("relu", "(x > A(0) || ft_isnan(x)) ? x : A(0)", &NUMERIC),
    ("floor", "floor(x)", &FLOATS),
    ("ceil", "ceil(x)", &FLOATS),
    // Half to even, like the CPU's `round`.
    ("round", "rint(x)", &FLOATS),
    ("trunc", "trunc(x)", &FLOATS),
    ("bitwise_not", "~x", &INTEGERS),
    ("exp", "exp(x)", &FLOATS),
    ("expm1", "expm1(x)", &FLOATS),
    ("log", "log(x)", &FLOATS),
    ("log1p", "log1p(x)", &FLOATS),
    ("sqrt", "sqrt(x)", &FLOATS),
    ("rsqrt", "A(1) / sqrt(x)", &FLOATS),
    ("sin", "sin(x)", &FLOATS),
    ("cos", "cos(x)", &FLOATS),
    ("tan", "tan(x)", &FLOATS),
    ("tanh", "tanh(x)", &FLOATS),
    ("sigmoid", "A(1) / (A(1) + exp(-x))", &FLOATS),
    ("reciprocal", "A(1) / x", &FLOATS),
];

/// Binary ops with the input dtype as output: (name, expression in `x`, `y`, dtypes).
// bool follows the CPU backend: add/max are `or`, mul/min `and`.
const BINARY: &[(&str, &str, &[DType])] = &[
    ("add", "x + y", &DType::ALL),
    ("sub", "x - y", &NUMERIC),
    ("mul", "x * y", &DType::ALL),
    ("maximum", "ft_maximum(x, y)", &DType::ALL),
    ("minimum", "ft_minimum(x, y)", &DType::ALL),
    ("div", "x / y", &FLOATS),
    ("floor_divide", "ft_floor_div(x, y)", &DType::ALL),
    ("remainder", "ft_rem(x, y)", &DType::ALL),
    ("fmod", "ft_fmod(x, y)", &DType::ALL),
    ("pow", "ft_pow(x, y)", &DType::ALL),
    ("bitwise_and", "x & y", &INTEGERS_AND_BOOL),
    ("bitwise_or", "x | y", &INTEGERS_AND_BOOL),
    ("bitwise_xor", "x ^ y", &INTEGERS_AND_BOOL),
];

/// Ops producing bool, for every dtype (bool inputs compare as integers).
const COMPARE: &[(&str, &str)] = &[
    ("eq", "x == y"),
    ("ne", "x != y"),
    ("lt", "x < y"),
    ("le", "x <= y"),
    ("gt", "x > y"),
    ("ge", "x >= y"),
    ("logical_and", "(x != A(0)) && (y != A(0))"),
    ("logical_or", "(x != A(0)) || (y != A(0))"),
    ("logical_xor", "(x != A(0)) != (y != A(0))"),
];

/// Kernel name of a unary or binary op (`contig`: the contiguous fast path).
pub fn op_kernel(op: &str, dt: DType, contig: bool) -> String {
    format!("{op}_{}{}", suffix(dt), if contig { "_contig" } else { "" })
}

/// Kernel name of `where(cond, a, b)` for values of dtype `dt`.
pub fn where_kernel(dt: DType) -> String {
    format!("where_{}", suffix(dt))
}

/// Kernel name of fill.
pub fn fill_kernel(dt: DType, contig: bool) -> String {
    op_kernel("fill", dt, contig)
}

/// Kernel name of the conversion `from` -> `to` (also the strided copy when equal).
pub fn cast_kernel(from: DType, to: DType, contig: bool) -> String {
    format!(
        "cast_{}_to_{}{}",
        suffix(from),
        suffix(to),
        if contig { "_contig" } else { "" }
    )
}

const TEMPLATES: &str = r#"
template <typename T, typename O, typename Op>
__device__ __forceinline__ void ft_unary(long long n, const T* x, FtLayout lx, O* out, FtLayout lo) {
    FT_FOR_EACH(i, n) out[ft_offset(i, lo)] = FtCast<O, decltype(Op()(ft_acc(T())))>::run(Op()(ft_acc(x[ft_offset(i, lx)])));
}
template <typename T, typename O, typename Op>
__device__ __forceinline__ void ft_unary_contig(long long n, const T* x, O* out) {
    FT_FOR_EACH(i, n) out[i] = FtCast<O, decltype(Op()(ft_acc(T())))>::run(Op()(ft_acc(x[i])));
}
template <typename T, typename O, typename Op>
__device__ __forceinline__ void ft_binary(long long n, const T* a, FtLayout la, const T* b, FtLayout lb, O* out, FtLayout lo) {
    typedef decltype(Op()(ft_acc(T()), ft_acc(T()))) R;
    FT_FOR_EACH(i, n) out[ft_offset(i, lo)] = FtCast<O, R>::run(Op()(ft_acc(a[ft_offset(i, la)]), ft_acc(b[ft_offset(i, lb)])));
}
template <typename T, typename O, typename Op>
__device__ __forceinline__ void ft_binary_contig(long long n, const T* a, const T* b, O* out) {
    typedef decltype(Op()(ft_acc(T()), ft_acc(T()))) R;
    FT_FOR_EACH(i, n) out[i] = FtCast<O, R>::run(Op()(ft_acc(a[i]), ft_acc(b[i])));
}
"#;

fn unary_functor(s: &mut String, op: &str, expr: &str) {
    let _ = writeln!(
        s,
        "struct FtOp_{op} {{ template <typename A> __device__ __forceinline__ A operator()(A x) const {{ return {expr}; }} }};"
    );
}

fn binary_functor(s: &mut String, op: &str, expr: &str, ret: &str) {
    let _ = writeln!(
        s,
        "struct FtOp_{op} {{ template <typename A> __device__ __forceinline__ {ret} operator()(A x, A y) const {{ return {expr}; }} }};"
    );
}

fn unary_entries(s: &mut String, op: &str, dt: DType, out: DType) {
    let (t, o) = (ctype(dt), ctype(out));
    let _ = writeln!(
        s,
        "extern \"C\" __global__ void {}(long long n, const {t}* x, FtLayout lx, {o}* out, FtLayout lo) {{ ft_unary<{t}, {o}, FtOp_{op}>(n, x, lx, out, lo); }}",
        op_kernel(op, dt, false)
    );
    let _ = writeln!(
        s,
        "extern \"C\" __global__ void {}(long long n, const {t}* x, {o}* out) {{ ft_unary_contig<{t}, {o}, FtOp_{op}>(n, x, out); }}",
        op_kernel(op, dt, true)
    );
}

fn binary_entries(s: &mut String, op: &str, dt: DType, out: DType) {
    let (t, o) = (ctype(dt), ctype(out));
    let _ = writeln!(
        s,
        "extern \"C\" __global__ void {}(long long n, const {t}* a, FtLayout la, const {t}* b, FtLayout lb, {o}* out, FtLayout lo) {{ ft_binary<{t}, {o}, FtOp_{op}>(n, a, la, b, lb, out, lo); }}",
        op_kernel(op, dt, false)
    );
    let _ = writeln!(
        s,
        "extern \"C\" __global__ void {}(long long n, const {t}* a, const {t}* b, {o}* out) {{ ft_binary_contig<{t}, {o}, FtOp_{op}>(n, a, b, out); }}",
        op_kernel(op, dt, true)
    );
}

/// Unary math for inputs of dtype `dt`, `logical_not` included (bool output).
/// One module per input dtype so first use compiles only what it needs.
pub fn unary_module(dt: DType) -> KernelSource {
    let mut s = super::prelude::prelude();
    s.push_str(TEMPLATES);
    for (op, expr, dtypes) in UNARY {
        if dtypes.contains(&dt) {
            unary_functor(&mut s, op, expr);
        }
    }
    // Returns bool, unlike the functors above.
    s.push_str("struct FtOp_logical_not { template <typename A> __device__ __forceinline__ bool operator()(A x) const { return x == A(0); } };\n");
    for (op, _, dtypes) in UNARY {
        if dtypes.contains(&dt) {
            unary_entries(&mut s, op, dt, dt);
        }
    }
    unary_entries(&mut s, "logical_not", dt, DType::Bool);
    KernelSource::new(format!("unary_{}", suffix(dt)), s)
}

/// Binary arithmetic and comparisons for inputs of dtype `dt` (already
/// broadcast and promoted by the caller; broadcasting is stride 0).
pub fn binary_module(dt: DType) -> KernelSource {
    let mut s = super::prelude::prelude();
    s.push_str(TEMPLATES);
    for (op, expr, dtypes) in BINARY {
        if dtypes.contains(&dt) {
            binary_functor(&mut s, op, expr, "A");
        }
    }
    for (op, expr) in COMPARE {
        binary_functor(&mut s, op, expr, "bool");
    }
    for (op, _, dtypes) in BINARY {
        if dtypes.contains(&dt) {
            binary_entries(&mut s, op, dt, dt);
        }
    }
    for (op, _) in COMPARE {
        binary_entries(&mut s, op, dt, DType::Bool);
    }
    let t = ctype(dt);
    let _ = writeln!(
        s,
        "extern \"C\" __global__ void {}(long long n, const bool* c, FtLayout lc, const {t}* a, FtLayout la, const {t}* b, FtLayout lb, {t}* out, FtLayout lo) {{ FT_FOR_EACH(i, n) out[ft_offset(i, lo)] = c[ft_offset(i, lc)] ? a[ft_offset(i, la)] : b[ft_offset(i, lb)]; }}",
        where_kernel(dt)
    );
    KernelSource::new(format!("binary_{}", suffix(dt)), s)
}

/// Fill of dtype `dt` with a scalar (passed as the element type itself),
/// and conversion from `dt` to every dtype, which to `dt` itself is the
/// strided copy behind `.contiguous()` and `.clone()`.
pub fn copy_module(dt: DType) -> KernelSource {
    let mut s = super::prelude::prelude();
    let t = ctype(dt);
    let _ = writeln!(
        s,
        "extern \"C\" __global__ void {}(long long n, {t}* out, FtLayout lo, {t} value) {{ FT_FOR_EACH(i, n) out[ft_offset(i, lo)] = value; }}",
        fill_kernel(dt, false)
    );
    let _ = writeln!(
        s,
        "extern \"C\" __global__ void {}(long long n, {t}* out, {t} value) {{ FT_FOR_EACH(i, n) out[i] = value; }}",
        fill_kernel(dt, true)
    );
    for to in DType::ALL {
        let (f, t) = (ctype(dt), ctype(to));
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long n, const {f}* x, FtLayout lx, {t}* out, FtLayout lo) {{ FT_FOR_EACH(i, n) out[ft_offset(i, lo)] = FtCast<{t}, {f}>::run(x[ft_offset(i, lx)]); }}",
            cast_kernel(dt, to, false)
        );
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long n, const {f}* x, {t}* out) {{ FT_FOR_EACH(i, n) out[i] = FtCast<{t}, {f}>::run(x[i]); }}",
            cast_kernel(dt, to, true)
        );
    }
    KernelSource::new(format!("copy_{}", suffix(dt)), s)
}
