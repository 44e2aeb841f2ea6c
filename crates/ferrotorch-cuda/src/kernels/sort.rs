//! Stable sorting of contiguous rows, with the CPU backend's order: NaN
//! sorts as the largest value (every NaN equal), -0.0 equals 0.0, and equal
//! values keep their original order, ascending or descending.
//!
//! Each element becomes an unsigned key whose integer order is that value
//! order (NaN above +inf, both zeros one key; descending complements the
//! key), paired with its position in the row. Pairs are then all distinct,
//! so any correct sort of pairs, stable or not, is the stable sort of the
//! values: a bitonic network in shared memory sorts segments of up to
//! [`TILE`] elements, and rows longer than that are sorted as tiles and then
//! merged in global memory, each element of a pass finding its place by a
//! binary search in the neighbouring run.
//!
//! Kernels (see [`sort_module`]):
//! - `sort_rows_<dt>`: whole rows of at most [`TILE`] elements, several
//!   short rows per block, writing values and int64 indices;
//! - `sort_tiles_<dt>`: the tiles of long rows, writing keys and indices;
//! - `sort_merge_u32/u64`: one merge pass of sorted runs of `w` keys;
//! - `sort_gather_<dt>`: values from the final indices;
//! - `topk_rows_<dt>`: the first k of each row's sort by radix select,
//!   without sorting the row (k at most [`TOPK_MAX`]).

use super::dtypes::{ctype, suffix};
use super::KernelSource;
use ferrotorch_core::DType;
use std::fmt::Write;

/// Longest segment sorted in shared memory: 4096 pairs of an 8-byte key and
/// a 4-byte position fill the 48 KiB of dynamic shared memory a block gets
/// without opting in.
pub const TILE: usize = 4096;

/// Short rows are sorted this many elements (rows padded to a power of two)
/// per block, so a launch over many tiny rows does not idle whole blocks.
pub const BATCH: usize = 2048;

/// Bytes of the sort key of `dt`: 8 for float64 and int64, 4 for the rest.
pub fn key_bytes(dt: DType) -> usize {
    match dt {
        DType::F64 | DType::I64 => 8,
        _ => 4,
    }
}

/// Kernel sorting whole rows (values and indices out).
pub fn rows_kernel(dt: DType) -> String {
    format!("sort_rows_{}", suffix(dt))
}

/// Kernel sorting tiles of long rows (keys and indices out).
pub fn tiles_kernel(dt: DType) -> String {
    format!("sort_tiles_{}", suffix(dt))
}

/// Kernel of one merge pass over keys of `key_bytes` bytes.
pub fn merge_kernel(key_bytes: usize) -> String {
    format!("sort_merge_u{}", key_bytes * 8)
}

/// Kernel reading the sorted values back through the indices.
pub fn gather_kernel(dt: DType) -> String {
    format!("sort_gather_{}", suffix(dt))
}

/// Most elements `topk_rows_<dt>` selects: their sort in shared memory
/// (at most 24 KiB) leaves room for its static shared memory in a block's
/// 48 KiB.
pub const TOPK_MAX: usize = TILE / 2;

/// Kernel selecting the first `k` of each row's sort (k <= [`TOPK_MAX`]).
pub fn topk_kernel(dt: DType) -> String {
    format!("topk_rows_{}", suffix(dt))
}

const TEMPLATES: &str = r#"
// Unsigned keys in value order. Floats: NaN (any payload) is the largest
// key, above +inf; -0.0 and 0.0 are one key; otherwise the sign bit is
// flipped for positives and every bit for negatives, so larger magnitudes of
// negatives come first. Signed integers flip the sign bit. Half types go
// through float, which holds them exactly.
__device__ __forceinline__ unsigned int ft_sort_key(float v) {
    if (v != v) return 0xffffffffu;
    if (v == 0.0f) return 0x80000000u;
    const unsigned int u = __float_as_uint(v);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
__device__ __forceinline__ unsigned long long ft_sort_key(double v) {
    if (v != v) return 0xffffffffffffffffull;
    if (v == 0.0) return 0x8000000000000000ull;
    const unsigned long long u = (unsigned long long)__double_as_longlong(v);
    return (u & 0x8000000000000000ull) ? ~u : (u | 0x8000000000000000ull);
}
__device__ __forceinline__ unsigned int ft_sort_key(ft_half v) { return ft_sort_key(ft_half_to_float(v)); }
__device__ __forceinline__ unsigned int ft_sort_key(ft_bf16 v) { return ft_sort_key(ft_bf16_to_float(v)); }
__device__ __forceinline__ unsigned long long ft_sort_key(long long v) { return (unsigned long long)v ^ 0x8000000000000000ull; }
__device__ __forceinline__ unsigned int ft_sort_key(int v) { return (unsigned int)v ^ 0x80000000u; }
__device__ __forceinline__ unsigned int ft_sort_key(short v) { return ft_sort_key((int)v); }
__device__ __forceinline__ unsigned int ft_sort_key(signed char v) { return ft_sort_key((int)v); }
__device__ __forceinline__ unsigned int ft_sort_key(unsigned char v) { return (unsigned int)v; }
__device__ __forceinline__ unsigned int ft_sort_key(bool v) { return v ? 1u : 0u; }

// (key, position) order; positions are distinct within a row, so this is a
// strict total order and the sorted result unique.
template <typename K, typename I>
__device__ __forceinline__ bool ft_pair_less(K a, I i, K b, I j) {
    return a < b || (a == b && i < j);
}

// Sorts each P-element segment (P a power of two) of the `total` (key,
// position) pairs in shared memory, ascending: a bitonic network, whose
// stage k merges bitonic runs of length k, alternating direction by
// `lo & k`. Called by every thread of the block; ends on a barrier.
template <typename K>
__device__ __forceinline__ void ft_bitonic(K* sk, int* si, int total, int P) {
    for (int k = 2; k <= P; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            for (int t = threadIdx.x; t < total / 2; t += blockDim.x) {
                // Pair t: j divides P / 2, so this stays inside t's segment.
                const int lo = ((t & ~(j - 1)) << 1) | (t & (j - 1));
                const int hi = lo + j;
                const bool up = ((lo & (P - 1)) & k) == 0;
                const K a = sk[lo], b = sk[hi];
                const int ia = si[lo], ib = si[hi];
                if (ft_pair_less(b, ib, a, ia) == up) {
                    sk[lo] = b; sk[hi] = a;
                    si[lo] = ib; si[hi] = ia;
                }
            }
            __syncthreads();
        }
    }
}

// Sorts segments of `seg` elements of rows of length `n` (a row is
// ceil(n / seg) segments; `seg == n` sorts whole rows), `per` segments per
// block at a time, each padded in shared memory to `P` (a power of two, at
// least `seg` or `n`, whichever is smaller) with sentinels (the all-ones key
// at a position past any real one, so they sort last). Dynamic shared memory:
// per * P keys, then per * P ints. Every thread of the block runs every
// loop the same number of times, so the barriers are uniform.
//
// KEYS_OUT: writes (key, position) pairs in segment order for the merge
// passes; else the values themselves and int64 positions.
template <typename T, bool KEYS_OUT>
__device__ __forceinline__ void ft_sort_segments(long long rows, long long n, long long seg, int P, int per, int desc,
                                                 const T* x, T* vals, decltype(ft_sort_key(T()))* keys, long long* idx) {
    typedef decltype(ft_sort_key(T())) K;
    // One declared type for every instantiation: CUDA rejects dynamic
    // shared arrays of one name declared with different types.
    extern __shared__ unsigned long long ft_sort_smem[];
    K* sk = reinterpret_cast<K*>(ft_sort_smem);
    int* si = reinterpret_cast<int*>(sk + per * P);
    const long long segs = (n + seg - 1) / seg;
    const long long units = rows * segs;
    const int total = per * P;
    const K flip = desc ? ~K(0) : K(0);
    for (long long u0 = (long long)blockIdx.x * per; u0 < units; u0 += (long long)gridDim.x * per) {
        for (int e = threadIdx.x; e < total; e += blockDim.x) {
            const long long u = u0 + e / P;
            const long long c = e % P;
            const long long col = (u % segs) * seg + c;
            if (u < units && c < seg && col < n) {
                sk[e] = ft_sort_key(x[(u / segs) * n + col]) ^ flip;
                si[e] = (int)col;
            } else {
                sk[e] = ~K(0);
                si[e] = 0x7fffffff;
            }
        }
        __syncthreads();
        ft_bitonic(sk, si, total, P);
        for (int e = threadIdx.x; e < total; e += blockDim.x) {
            const long long u = u0 + e / P;
            const long long c = e % P;
            const long long col = (u % segs) * seg + c;
            if (u < units && c < seg && col < n) {
                const long long r = u / segs;
                if (KEYS_OUT) keys[r * n + col] = sk[e];
                else vals[r * n + col] = x[r * n + si[e]];
                idx[r * n + col] = si[e];
            }
        }
        __syncthreads();  // shared memory is refilled by the next group
    }
}

// Thread 0's part of a radix-select pass: the digit whose bin holds the
// `need`-th (1-based) counted element, and that element's rank within it.
__device__ __forceinline__ int ft_select_bin(const unsigned int* hist, long long* need) {
    long long before = 0;
    int b = 0;
    for (; b < 255 && before + hist[b] < *need; ++b) before += hist[b];
    *need -= before;
    return b;
}

// The first k pairs, in order, of each row's sort (ascending keys; `desc`
// complements them), one block per row, without sorting the row: radix
// select, 8 bits a pass from the top, finds the k-th smallest key `want`
// (every smaller key is taken, and `need` of the `eq` keys equal to it);
// when not all equal ones are taken, the same select on positions among
// them finds the last position taken (stability: the lowest positions go
// first). The k chosen pairs are then compacted into shared memory (P, a
// power of two >= k, slots; dynamic) and sorted there.
template <typename T>
__device__ __forceinline__ void ft_topk_rows(long long rows, long long n, long long k, int P, int desc,
                                             const T* x, T* vals, long long* idx) {
    typedef decltype(ft_sort_key(T())) K;
    extern __shared__ unsigned long long ft_sort_smem[];
    K* sk = reinterpret_cast<K*>(ft_sort_smem);
    int* si = reinterpret_cast<int*>(sk + P);
    __shared__ unsigned int hist[256];
    __shared__ K s_want;
    __shared__ long long s_need, s_eq;
    __shared__ unsigned int s_pos;
    __shared__ int s_count;
    const K flip = desc ? ~K(0) : K(0);
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* xr = x + r * n;
        K want = 0, mask = 0;
        long long need = k, eq = 0;
        for (int shift = (int)sizeof(K) * 8 - 8; shift >= 0; shift -= 8) {
            for (int b = threadIdx.x; b < 256; b += blockDim.x) hist[b] = 0;
            __syncthreads();
            for (long long j = threadIdx.x; j < n; j += blockDim.x) {
                const K key = ft_sort_key(xr[j]) ^ flip;
                if ((key & mask) == want) atomicAdd(&hist[(unsigned int)(key >> shift) & 255u], 1u);
            }
            __syncthreads();
            if (threadIdx.x == 0) {
                long long nd = need;
                const int b = ft_select_bin(hist, &nd);
                s_want = want | ((K)b << shift);
                s_need = nd;
                s_eq = hist[b];
            }
            __syncthreads();
            want = s_want;
            need = s_need;
            eq = s_eq;
            mask |= (K)255 << shift;
            __syncthreads();  // hist and the s_ values are rewritten next
        }
        // Positions are below 2^31: four 8-bit passes.
        long long last = n;
        if (need < eq) {
            unsigned int pw = 0, pm = 0;
            for (int shift = 24; shift >= 0; shift -= 8) {
                for (int b = threadIdx.x; b < 256; b += blockDim.x) hist[b] = 0;
                __syncthreads();
                for (long long j = threadIdx.x; j < n; j += blockDim.x) {
                    const unsigned int p = (unsigned int)j;
                    if ((p & pm) == pw && (ft_sort_key(xr[j]) ^ flip) == want) atomicAdd(&hist[(p >> shift) & 255u], 1u);
                }
                __syncthreads();
                if (threadIdx.x == 0) {
                    long long nd = need;
                    const int b = ft_select_bin(hist, &nd);
                    s_need = nd;
                    s_pos = pw | ((unsigned int)b << shift);
                }
                __syncthreads();
                need = s_need;
                pw = s_pos;
                pm |= 255u << shift;
                __syncthreads();
            }
            last = pw;
        }
        if (threadIdx.x == 0) s_count = 0;
        for (int e = threadIdx.x; e < P; e += blockDim.x) {
            sk[e] = ~K(0);
            si[e] = 0x7fffffff;
        }
        __syncthreads();
        // Exactly k pairs pass; their slots' order does not matter.
        for (long long j = threadIdx.x; j < n; j += blockDim.x) {
            const K key = ft_sort_key(xr[j]) ^ flip;
            if (key < want || (key == want && j <= last)) {
                const int at = atomicAdd(&s_count, 1);
                sk[at] = key;
                si[at] = (int)j;
            }
        }
        __syncthreads();
        ft_bitonic(sk, si, P, P);
        for (long long c = threadIdx.x; c < k; c += blockDim.x) {
            vals[r * k + c] = xr[si[c]];
            idx[r * k + c] = si[c];
        }
        __syncthreads();  // shared memory is refilled for the next row
    }
}

// One bottom-up merge pass: rows of `n` keys are sorted runs of `w`; runs
// 2q and 2q+1 merge into one. Each element's place in the merged run is its
// place in its own run plus the number of elements of the other run before
// it (a binary search; pairs are distinct, so no two elements collide).
template <typename K>
__device__ __forceinline__ void ft_sort_merge(long long rows, long long n, long long w,
                                              const K* kin, const long long* iin, K* kout, long long* iout) {
    FT_FOR_EACH(e, rows * n) {
        const long long r = e / n, p = e % n, q = p / w;
        const K key = kin[e];
        const long long id = iin[e];
        const K* rk = kin + r * n;
        const long long* ri = iin + r * n;
        long long at = p - (q & 1) * w;
        const long long other = (q ^ 1) * w;
        if (other < n) {
            long long lo = other, hi = other + w < n ? other + w : n;
            while (lo < hi) {
                const long long mid = lo + (hi - lo) / 2;
                if (ft_pair_less(rk[mid], ri[mid], key, id)) lo = mid + 1; else hi = mid;
            }
            at += lo - other;
        }
        kout[r * n + at] = key;
        iout[r * n + at] = id;
    }
}
"#;

/// Sorting for every dtype: see the module docs for the kernels.
pub fn sort_module() -> KernelSource {
    let mut s = super::prelude::prelude();
    s.push_str(TEMPLATES);
    for dt in DType::ALL {
        let t = ctype(dt);
        let k = if key_bytes(dt) == 8 {
            "unsigned long long"
        } else {
            "unsigned int"
        };
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long rows, long long n, long long seg, int P, int per, int desc, const {t}* x, {t}* vals, long long* idx) {{ ft_sort_segments<{t}, false>(rows, n, seg, P, per, desc, x, vals, nullptr, idx); }}",
            rows_kernel(dt)
        );
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long rows, long long n, long long seg, int P, int per, int desc, const {t}* x, {k}* keys, long long* idx) {{ ft_sort_segments<{t}, true>(rows, n, seg, P, per, desc, x, nullptr, keys, idx); }}",
            tiles_kernel(dt)
        );
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long total, long long n, const {t}* x, const long long* idx, {t}* vals) {{ FT_FOR_EACH(e, total) vals[e] = x[(e / n) * n + idx[e]]; }}",
            gather_kernel(dt)
        );
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long rows, long long n, long long k, int P, int desc, const {t}* x, {t}* vals, long long* idx) {{ ft_topk_rows<{t}>(rows, n, k, P, desc, x, vals, idx); }}",
            topk_kernel(dt)
        );
    }
    for (bytes, k) in [(4, "unsigned int"), (8, "unsigned long long")] {
        let _ = writeln!(
            s,
            "extern \"C\" __global__ void {}(long long rows, long long n, long long w, const {k}* kin, const long long* iin, {k}* kout, long long* iout) {{ ft_sort_merge<{k}>(rows, n, w, kin, iin, kout, iout); }}",
            merge_kernel(bytes)
        );
    }
    KernelSource::new("sort".into(), s)
}
