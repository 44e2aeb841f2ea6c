// ferrotorch CUDA emulator shim: what CUDA C needs to compile as host C++.
//
// Placed in front of every kernel module (and of the emulator runtime) when
// the host C++ compiler builds them with -DFT_EMULATOR. It maps CUDA's
// qualifiers and built-ins onto host C++; the runtime library (runtime.cpp)
// runs each CUDA thread of a block as a fiber on the launching OS thread,
// so everything a launch touches is thread-local to that OS thread.
//
// This is a test double for code above the device: it checks more than a
// GPU does (mismatched barriers are errors) and is much slower.

// _longjmp between fiber stacks is what the runtime does on purpose; the
// fortified longjmp would abort on it.
#undef _FORTIFY_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <type_traits>

// Every symbol the runtime and the modules share: the modules are built with
// -fvisibility=hidden, so only these (and the launch trampolines) are
// exported.
#define FT_EMU_API __attribute__((visibility("default")))

// ---- Qualifiers -----------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __constant__
// One copy per launching OS thread: blocks run one after another on that
// thread and all fibers (CUDA threads) of a block share it, as a block
// shares its shared memory. Plain `static` would be shared by concurrent
// launches from different OS threads.
#define __shared__ static __thread

// ---- Built-in variables (set by the runtime for each block and fiber) -----
struct ft_emu_uint3 {
    unsigned int x, y, z;
};
typedef ft_emu_uint3 uint3;
struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
    constexpr dim3(ft_emu_uint3 v) : x(v.x), y(v.y), z(v.z) {}
};

extern "C" {
FT_EMU_API extern __thread ft_emu_uint3 ft_emu_thread_idx;
FT_EMU_API extern __thread ft_emu_uint3 ft_emu_block_idx;
FT_EMU_API extern __thread ft_emu_uint3 ft_emu_block_dim;
FT_EMU_API extern __thread ft_emu_uint3 ft_emu_grid_dim;
// The launch's dynamic shared memory (`shared_mem_bytes`, 128-byte
// aligned); `extern __shared__ T name[];` is rewritten to point here.
FT_EMU_API extern __thread unsigned char* ft_emu_dynamic_shared;

// Runtime entry points used by the intrinsics below (runtime.cpp).
// Block barrier; returns how many threads passed a non-zero `pred`.
FT_EMU_API int ft_emu_syncthreads_count(int pred);
// Warp barrier among the lanes of `mask` that exist. Each lane deposits
// `size` (<= 16) bytes of `value`; returns the 32 slots of 16 bytes of this
// round, readable until the lane's next warp barrier.
FT_EMU_API const unsigned char* ft_emu_warp_exchange(unsigned int mask, const void* value, unsigned int size);
// Aborts the launch with `message` (reported as the launch's error).
FT_EMU_API __attribute__((noreturn)) void ft_emu_trap(const char* message);
}

#define threadIdx ft_emu_thread_idx
#define blockIdx ft_emu_block_idx
#define blockDim ft_emu_block_dim
#define gridDim ft_emu_grid_dim
static constexpr int warpSize = 32;

// ---- Synchronisation ------------------------------------------------------
// The empty asm with a memory clobber stops the compiler from keeping shared
// values in registers across the barrier (other fibers write them there).
#define FT_EMU_FENCE() __asm__ __volatile__("" ::: "memory")

static inline void __syncthreads() {
    FT_EMU_FENCE();
    ft_emu_syncthreads_count(0);
    FT_EMU_FENCE();
}
static inline int __syncthreads_count(int pred) {
    FT_EMU_FENCE();
    const int n = ft_emu_syncthreads_count(pred);
    FT_EMU_FENCE();
    return n;
}
static inline int __syncthreads_and(int pred) {
    return __syncthreads_count(pred) == (int)(blockDim.x * blockDim.y * blockDim.z);
}
static inline int __syncthreads_or(int pred) { return __syncthreads_count(pred) != 0; }
static inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline __attribute__((noreturn)) void __trap() { ft_emu_trap("__trap() called"); }

#ifdef assert
#undef assert
#endif
#define assert(c) ((c) ? (void)0 : ft_emu_trap("assertion failed: " #c))

// ---- Warp-synchronous intrinsics ------------------------------------------
#define FT_EMU_SLOT 16
static inline unsigned int ft_emu_lane() { return threadIdx.x & 31u; }

// The value `src` deposited in this round, or the caller's own value when
// `src` is not a participating lane (what CUDA returns for out-of-range
// sources).
template <typename T> inline T ft_emu_shfl_from(unsigned int mask, T var, int src) {
    static_assert(sizeof(T) <= FT_EMU_SLOT, "shuffled values are at most 16 bytes");
    static_assert(std::is_trivially_copyable<T>::value, "shuffled values must be trivially copyable");
    FT_EMU_FENCE();
    const unsigned char* slots = ft_emu_warp_exchange(mask, &var, sizeof(T));
    FT_EMU_FENCE();
    if (src < 0 || src > 31 || !((mask >> src) & 1u)) return var;
    const unsigned int warp_base = threadIdx.x & ~31u;
    if (warp_base + (unsigned int)src >= blockDim.x) return var;
    T out;
    memcpy(&out, slots + src * FT_EMU_SLOT, sizeof(T));
    return out;
}

template <typename T> inline T __shfl_sync(unsigned int mask, T var, int src_lane, int width = warpSize) {
    const int lane = (int)ft_emu_lane();
    return ft_emu_shfl_from(mask, var, (lane & ~(width - 1)) + (src_lane & (width - 1)));
}
template <typename T> inline T __shfl_up_sync(unsigned int mask, T var, unsigned int delta, int width = warpSize) {
    const int lane = (int)ft_emu_lane();
    const int src = lane - (int)delta;
    return ft_emu_shfl_from(mask, var, src < (lane & ~(width - 1)) ? lane : src);
}
template <typename T> inline T __shfl_down_sync(unsigned int mask, T var, unsigned int delta, int width = warpSize) {
    const int lane = (int)ft_emu_lane();
    const int in_group = (lane & (width - 1)) + (int)delta;
    return ft_emu_shfl_from(mask, var, in_group >= width ? lane : lane + (int)delta);
}
template <typename T> inline T __shfl_xor_sync(unsigned int mask, T var, int lane_mask, int width = warpSize) {
    const int lane = (int)ft_emu_lane();
    const int src = lane ^ lane_mask;
    // Lanes may read earlier groups of `width`, not later ones.
    return ft_emu_shfl_from(mask, var, src >= (lane & ~(width - 1)) + width ? lane : src);
}
static inline void __syncwarp(unsigned int mask = 0xffffffffu) {
    FT_EMU_FENCE();
    ft_emu_warp_exchange(mask, nullptr, 0);
    FT_EMU_FENCE();
}
static inline unsigned int __ballot_sync(unsigned int mask, int pred) {
    const int p = pred != 0;
    const unsigned char* slots = ft_emu_warp_exchange(mask, &p, sizeof p);
    const unsigned int warp_base = threadIdx.x & ~31u;
    unsigned int bits = 0;
    for (unsigned int l = 0; l < 32; ++l) {
        int v;
        memcpy(&v, slots + l * FT_EMU_SLOT, sizeof v);
        if (((mask >> l) & 1u) && warp_base + l < blockDim.x && v) bits |= 1u << l;
    }
    return bits;
}
static inline int __any_sync(unsigned int mask, int pred) { return __ballot_sync(mask, pred) != 0; }
static inline int __all_sync(unsigned int mask, int pred) {
    const unsigned int warp_base = threadIdx.x & ~31u;
    const unsigned int n = blockDim.x - warp_base;
    const unsigned int present = n >= 32 ? 0xffffffffu : (1u << n) - 1u;
    return __ballot_sync(mask, pred) == (mask & present);
}

// ---- Bit casts and integer intrinsics -------------------------------------
template <typename To, typename From> static inline To ft_emu_bit_cast(From v) {
    static_assert(sizeof(To) == sizeof(From), "bit cast between types of different sizes");
    To out;
    memcpy(&out, &v, sizeof out);
    return out;
}
static inline float __int_as_float(int v) { return ft_emu_bit_cast<float>(v); }
static inline int __float_as_int(float v) { return ft_emu_bit_cast<int>(v); }
static inline float __uint_as_float(unsigned int v) { return ft_emu_bit_cast<float>(v); }
static inline unsigned int __float_as_uint(float v) { return ft_emu_bit_cast<unsigned int>(v); }
static inline double __longlong_as_double(long long v) { return ft_emu_bit_cast<double>(v); }
static inline long long __double_as_longlong(double v) { return ft_emu_bit_cast<long long>(v); }
static inline int __popc(unsigned int v) { return __builtin_popcount(v); }
static inline int __popcll(unsigned long long v) { return __builtin_popcountll(v); }
static inline int __clz(int v) { return v == 0 ? 32 : __builtin_clz((unsigned int)v); }
static inline int __clzll(long long v) { return v == 0 ? 64 : __builtin_clzll((unsigned long long)v); }
static inline int __ffs(int v) { return __builtin_ffs(v); }
static inline int __ffsll(long long v) { return __builtin_ffsll(v); }
template <typename T> static inline T __ldg(const T* p) { return *p; }

// ---- Math beyond <math.h> ---------------------------------------------------
// <math.h> (libstdc++'s wrapper) overloads exp, log, ... for float and
// double in the global namespace, as CUDA's device math is.
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
static inline double rsqrt(double x) { return 1.0 / sqrt(x); }
// Macros, not functions: glibc's <math.h> declares its own __expf & co.
#define __expf expf
#define __logf logf
#define __sinf sinf
#define __cosf cosf
static inline float __fdividef(float a, float b) { return a / b; }
static inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
#define FT_EMU_MINMAX(T)                                      \
    static inline T min(T a, T b) { return b < a ? b : a; } \
    static inline T max(T a, T b) { return a < b ? b : a; }
FT_EMU_MINMAX(int)
FT_EMU_MINMAX(unsigned int)
FT_EMU_MINMAX(long long)
FT_EMU_MINMAX(unsigned long long)
FT_EMU_MINMAX(float)
FT_EMU_MINMAX(double)
#undef FT_EMU_MINMAX

// ---- Atomics ---------------------------------------------------------------
// Within a launch fibers switch only at barriers, so plain read-modify-write
// would do; real atomics keep kernels launched at once from different OS
// threads on the same memory (as two CUDA streams may be) correct too.
// Compare-and-swap on the bytes works for every type, floats included.
template <typename T, typename F> static inline T ft_emu_atomic(T* p, F f) {
    T old, next;
    __atomic_load(p, &old, __ATOMIC_RELAXED);
    do {
        next = f(old);
    } while (!__atomic_compare_exchange(p, &old, &next, true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    return old;
}
template <typename T, typename V> static inline T atomicAdd(T* p, V v) { return ft_emu_atomic(p, [&](T o) { return (T)(o + (T)v); }); }
template <typename T, typename V> static inline T atomicSub(T* p, V v) { return ft_emu_atomic(p, [&](T o) { return (T)(o - (T)v); }); }
template <typename T, typename V> static inline T atomicExch(T* p, V v) { return ft_emu_atomic(p, [&](T) { return (T)v; }); }
template <typename T, typename V> static inline T atomicMax(T* p, V v) { return ft_emu_atomic(p, [&](T o) { return o < (T)v ? (T)v : o; }); }
template <typename T, typename V> static inline T atomicMin(T* p, V v) { return ft_emu_atomic(p, [&](T o) { return (T)v < o ? (T)v : o; }); }
template <typename T, typename V> static inline T atomicAnd(T* p, V v) { return ft_emu_atomic(p, [&](T o) { return (T)(o & (T)v); }); }
template <typename T, typename V> static inline T atomicOr(T* p, V v) { return ft_emu_atomic(p, [&](T o) { return (T)(o | (T)v); }); }
template <typename T, typename V> static inline T atomicXor(T* p, V v) { return ft_emu_atomic(p, [&](T o) { return (T)(o ^ (T)v); }); }
template <typename T, typename C, typename V> static inline T atomicCAS(T* p, C compare, V v) {
    T expected = (T)compare, desired = (T)v;
    // On failure `expected` becomes the current value: the old value either way.
    __atomic_compare_exchange(p, &expected, &desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return expected;
}

// ---- Launch trampolines -----------------------------------------------------
// A kernel argument from cuLaunchKernel's `kernelParams` layout: `p` points
// at the value. memcpy because nothing guarantees its alignment.
template <typename T> static inline typename std::remove_cv<T>::type ft_emu_arg(void* p) {
    typename std::remove_cv<T>::type v;
    memcpy(&v, p, sizeof v);
    return v;
}
