//! Reading and scatter-adding elements by flat (row-major) position: the
//! two kernels behind `take`, `put_add` and with them every indexing and
//! view gradient of the autograd issue.

use super::dtypes::{ctype, suffix};
use super::KernelSource;
use ferrotorch_core::DType;
use std::fmt::Write;

/// Kernel name of `take` for `dt`.
pub fn take_kernel(dt: DType) -> String {
    format!("take_{}", suffix(dt))
}

/// Kernel name of the scatter-add into float32 or float64 accumulators.
pub fn put_add_kernel(acc: DType, src: DType) -> String {
    format!("put_add_{}_into_{}", suffix(src), suffix(acc))
}

/// Kernel name of the parallel write `out[pos[k]] = src[k]` for `dt`.
pub fn put_kernel(dt: DType) -> String {
    format!("put_{}", suffix(dt))
}

/// Kernel name of the in-order (one thread) accumulation `out[pos[k]] op=
/// src[k]` (`op`: "add" or "mul"), exact as on the CPU.
pub fn put_serial_kernel(op: &str, dt: DType) -> String {
    format!("put_{op}_serial_{}", suffix(dt))
}

/// The accumulator dtype of a scatter-add of `src` (half types add in
/// float32: there is no portable 16-bit atomic add).
pub fn put_add_acc(src: DType) -> DType {
    if src == DType::F64 {
        DType::F64
    } else {
        DType::F32
    }
}

// Storage offsets of gather/scatter along `dim`: element i of the index
// (contiguous, shape `g.shape`) pairs with storage offset
// g.offset + sum_{k != dim} coord_k * g.stride[k] + idx[i] * g.stride[dim].
// Out-of-range indices set `*bad` to 1 (the caller reads it once).
//
// nonzero: row csum[i] - 1 of `out` gets the coordinates of flat position i
// for every set element of the mask (shape `g.shape`).
const OFFSETS: &str = r#"
extern "C" __global__ void dim_offsets(long long n, const long long* idx, FtLayout g, int dim, long long size, long long* out, int* bad) {
    FT_FOR_EACH(i, n) {
        long long rem = i, off = g.offset;
        long long v = idx[i];
        if (v < -size || v >= size) { *bad = 1; v = 0; }
        if (v < 0) v += size;
        for (int d = g.ndim - 1; d >= 0; --d) {
            const long long c = rem % g.shape[d];
            rem /= g.shape[d];
            off += (d == dim ? v : c) * g.stride[d];
        }
        out[i] = off;
    }
}
extern "C" __global__ void nonzero_write(long long n, const bool* mask, const long long* csum, FtLayout g, long long* out) {
    FT_FOR_EACH(i, n) {
        if (mask[i]) {
            long long rem = i;
            const long long row = csum[i] - 1;
            for (int d = g.ndim - 1; d >= 0; --d) {
                out[row * g.ndim + d] = rem % g.shape[d];
                rem /= g.shape[d];
            }
        }
    }
}
"#;

/// Take, put and scatter-add for every dtype they exist for, and the
/// offset computations of gather/scatter and nonzero.
pub fn index_module() -> KernelSource {
    let mut s = super::prelude::prelude();
    // Positions were checked to lie in [-numel, numel) by the caller.
    for dt in DType::ALL {
        let t = ctype(dt);
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long n, long long numel, const {t}* src, FtLayout ls, const long long* pos, {t}* out) {{ FT_FOR_EACH(k, n) {{ long long p = pos[k]; if (p < 0) p += numel; out[k] = src[ft_offset(p, ls)]; }} }}",
            take_kernel(dt)
        );
    }
    for src in super::dtypes::FLOATS {
        let acc = put_add_acc(src);
        let (t, a) = (ctype(src), ctype(acc));
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long n, long long numel, const long long* pos, const {t}* src, {a}* out) {{ FT_FOR_EACH(k, n) {{ long long p = pos[k]; if (p < 0) p += numel; atomicAdd(out + p, FtCast<{a}, {t}>::run(src[k])); }} }}",
            put_add_kernel(acc, src)
        );
    }
    for dt in DType::ALL {
        let t = ctype(dt);
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long n, const long long* pos, const {t}* src, {t}* out) {{ FT_FOR_EACH(k, n) out[pos[k]] = src[k]; }}",
            put_kernel(dt)
        );
        // Floats combine in double, integers in wrapping int64 (bool as 0/1).
        let acc = if dt.is_float() { "double" } else { "long long" };
        for (op, expr) in [("add", "a + b"), ("mul", "a * b")] {
            let _ = writeln!(
                s,
                "extern \"C\" __global__ void {}(long long n, const long long* pos, const {t}* src, {t}* out) {{ if (blockIdx.x == 0 && threadIdx.x == 0) for (long long k = 0; k < n; ++k) {{ const {acc} a = FtCast<{acc}, {t}>::run(out[pos[k]]), b = FtCast<{acc}, {t}>::run(src[k]); out[pos[k]] = FtCast<{t}, {acc}>::run(({acc})({expr})); }} }}",
                put_serial_kernel(op, dt)
            );
        }
    }
    s.push_str(OFFSETS);
    KernelSource::new("index".into(), s)
}
