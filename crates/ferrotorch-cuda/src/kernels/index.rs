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

/// The accumulator dtype of a scatter-add of `src` (half types add in
/// float32: there is no portable 16-bit atomic add).
pub fn put_add_acc(src: DType) -> DType {
    if src == DType::F64 {
        DType::F64
    } else {
        DType::F32
    }
}

/// Take and scatter-add for every dtype they exist for.
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
    KernelSource::new("index".into(), s)
}
