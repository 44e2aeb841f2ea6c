//! Matrix products cuBLAS has no kernel for: integer and bool dtypes
//! (PyTorch's CUDA build refuses them; ferrotorch computes them as on the
//! CPU, wrapping int64 arithmetic). One thread per output element; these
//! products are rare and small, floats go to cuBLAS.

use super::dtypes::{ctype, suffix};
use super::KernelSource;
use ferrotorch_core::DType;
use std::fmt::Write;

/// The dtypes with a kernel here.
pub use super::dtypes::INTEGERS_AND_BOOL as DTYPES;

/// Kernel name of the product for `dt`.
pub fn matmul_kernel(dt: DType) -> String {
    format!("matmul_{}", suffix(dt))
}

const TEMPLATE: &str = r#"
// out[b, i, j] = sum_k a[b, i, k] * b[b, k, j]; operands are given by
// their first element and (batch, row, column) element strides (batch
// broadcast with stride 0).
template <typename T>
__device__ __forceinline__ void ft_matmul(long long batch, long long m, long long n, long long k,
                                          const T* a, long long ab, long long ar, long long ac,
                                          const T* b, long long bb, long long br, long long bc, T* out) {
    FT_FOR_EACH(i, batch * m * n) {
        const long long bi = i / (m * n), r = (i / n) % m, c = i % n;
        long long s = 0;
        for (long long j = 0; j < k; ++j) {
            const long long x = (long long)a[bi * ab + r * ar + j * ac];
            const long long y = (long long)b[bi * bb + j * br + c * bc];
            s = (long long)((unsigned long long)s + (unsigned long long)x * (unsigned long long)y);
        }
        out[i] = (T)s;
    }
}
"#;

/// Products for the integer and bool dtypes (bool: `or` of `and`s, which is
/// the integer sum cast to bool).
pub fn linalg_module() -> KernelSource {
    let mut s = super::prelude::prelude();
    s.push_str(TEMPLATE);
    for dt in DTYPES {
        let t = ctype(dt);
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long batch, long long m, long long n, long long k, const {t}* a, long long ab, long long ar, long long ac, const {t}* b, long long bb, long long br, long long bc, {t}* out) {{ ft_matmul<{t}>(batch, m, n, k, a, ab, ar, ac, b, bb, br, bc, out); }}",
            matmul_kernel(dt)
        );
    }
    KernelSource::new("linalg".into(), s)
}
