//! Runs the real kernel modules on the host emulator and compares their
//! results with values computed here, independently, in Rust (the `half`
//! crate for the 16-bit conversions, float64 for softmax and sums).
//!
//! Needs a host C++ compiler (`c++` or `$CXX`), like any crate with C code.

use ferrotorch_core::{contiguous_strides, DType, Layout};
use ferrotorch_cuda::backend::{Backend, DeviceMemory, DevicePtr, KernelArg, LaunchConfig, Module};
use ferrotorch_cuda::kernels::KernelSource;
use ferrotorch_cuda::kernels::{self, elementwise, layout::KernelLayout, reduce, softmax};
use ferrotorch_cuda::{EmulatedDevice, Error};
use half::{bf16, f16};
use std::time::Instant;

mod common;

fn device() -> EmulatedDevice {
    EmulatedDevice::new(256 << 20)
        .unwrap_or_else(|e| panic!("the emulator needs a host C++ compiler: {e}"))
}

/// Element types moved to and from the device as raw bytes.
trait Pod: Copy + Default + std::fmt::Debug + 'static {}
impl Pod for f32 {}
impl Pod for f64 {}
impl Pod for i64 {}
impl Pod for i32 {}
impl Pod for i8 {}
impl Pod for u8 {}
impl Pod for u16 {}
impl Pod for u32 {}

fn bytes<T: Pod>(v: &[T]) -> &[u8] {
    // SAFETY: plain numbers, no padding.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), std::mem::size_of_val(v)) }
}

fn alloc<T: Pod>(d: &EmulatedDevice, n: usize) -> DevicePtr {
    d.malloc((n * std::mem::size_of::<T>()).max(1))
        .unwrap()
        .expect("device memory")
}

fn upload<T: Pod>(d: &EmulatedDevice, v: &[T]) -> DevicePtr {
    let p = alloc::<T>(d, v.len());
    d.copy_htod(p, bytes(v)).unwrap();
    p
}

fn download<T: Pod>(d: &EmulatedDevice, p: DevicePtr, n: usize) -> Vec<T> {
    let mut v = vec![T::default(); n];
    // SAFETY: every bit pattern is a valid value of these types (bool
    // outputs are read as u8 for that reason).
    let out = unsafe {
        std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(&v[..]))
    };
    d.copy_dtoh(out, p).unwrap();
    v
}

fn layout(shape: &[usize], strides: &[usize], offset: usize) -> KernelLayout {
    KernelLayout::new(&Layout {
        shape: shape.to_vec(),
        strides: strides.to_vec(),
        offset,
    })
    .unwrap()
}

fn contiguous(shape: &[usize]) -> KernelLayout {
    layout(shape, &contiguous_strides(shape), 0)
}

/// The launch the dispatcher will use for elementwise kernels: 256
/// threads, at most 32 blocks per SM (the emulator reports 2 SMs).
fn elementwise_cfg(n: usize) -> LaunchConfig {
    LaunchConfig {
        grid: n.div_ceil(256).clamp(1, 64) as u32,
        block: 256,
        shared_mem_bytes: 0,
    }
}

fn rows_cfg(rows: usize, block: u32) -> LaunchConfig {
    LaunchConfig {
        grid: rows.clamp(1, 64) as u32,
        block,
        shared_mem_bytes: 0,
    }
}

fn n_arg(n: usize) -> KernelArg {
    KernelArg::I64(n as i64)
}

/// Pseudo-random numbers, reproducible (an LCG; quality is irrelevant).
fn lcg(seed: u64) -> impl Iterator<Item = u64> {
    let mut s = seed;
    std::iter::repeat_with(move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s >> 11
    })
}

fn uniform(seed: u64, n: usize, lo: f64, hi: f64) -> Vec<f64> {
    lcg(seed)
        .take(n)
        .map(|u| lo + (hi - lo) * (u as f64 / (1u64 << 53) as f64))
        .collect()
}

fn assert_close(got: &[f64], want: &[f64], rtol: f64, atol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= atol + rtol * w.abs(),
            "{what}: element {i}: got {g}, want {w}"
        );
    }
}

// ---- Elementwise ------------------------------------------------------------

/// Runs unary `op` on `xs` contiguously and through a transposed view, and
/// checks both against `f`.
fn check_unary<T: Pod + PartialEq>(
    d: &EmulatedDevice,
    m: &dyn Module,
    dt: DType,
    op: &str,
    xs: &[T],
    f: impl Fn(T) -> T,
    close: impl Fn(T, T) -> bool,
) {
    let n = xs.len();
    let x = upload(d, xs);
    let out = alloc::<T>(d, n);
    let name = elementwise::op_kernel(op, dt, true);
    m.launch(
        &name,
        elementwise_cfg(n),
        &[n_arg(n), KernelArg::Ptr(x), KernelArg::Ptr(out)],
    )
    .unwrap();
    for (i, (g, x)) in download::<T>(d, out, n).into_iter().zip(xs).enumerate() {
        assert!(
            close(g, f(*x)),
            "{name}[{i}]({x:?}) = {g:?}, want {:?}",
            f(*x)
        );
    }
    // x seen as the transpose of a [rows, cols] matrix stored from offset 3.
    let (rows, cols) = (4, n.saturating_sub(3) / 4);
    let lx = layout(&[cols, rows], &[1, cols], 3);
    let name = elementwise::op_kernel(op, dt, false);
    let args = [
        n_arg(rows * cols),
        KernelArg::Ptr(x),
        KernelArg::Layout(lx),
        KernelArg::Ptr(out),
        KernelArg::Layout(contiguous(&[cols, rows])),
    ];
    m.launch(&name, elementwise_cfg(rows * cols), &args)
        .unwrap();
    let got = download::<T>(d, out, rows * cols);
    for i in 0..cols {
        for j in 0..rows {
            let src = xs[3 + j * cols + i];
            let g = got[i * rows + j];
            assert!(close(g, f(src)), "{name}[{i},{j}]({src:?}) = {g:?}");
        }
    }
    d.free(x).unwrap();
    d.free(out).unwrap();
}

#[test]
fn unary_exp_neg_relu_on_f32_f64_i32() {
    let d = device();
    let xs: Vec<f64> = uniform(1, 1003, -20.0, 20.0);
    let f32s: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
    let m = d
        .load_module(&elementwise::unary_module(DType::F32))
        .unwrap();
    let exact = |a: f32, b: f32| a == b;
    check_unary(&d, &*m, DType::F32, "neg", &f32s, |x| -x, exact);
    check_unary(&d, &*m, DType::F32, "relu", &f32s, |x| x.max(0.0), exact);
    check_unary(&d, &*m, DType::F32, "exp", &f32s, f32::exp, |a, b| {
        (a - b).abs() <= 2e-7 * b.abs()
    });

    let m = d
        .load_module(&elementwise::unary_module(DType::F64))
        .unwrap();
    let exact = |a: f64, b: f64| a == b;
    check_unary(&d, &*m, DType::F64, "neg", &xs, |x| -x, exact);
    check_unary(&d, &*m, DType::F64, "relu", &xs, |x| x.max(0.0), exact);
    check_unary(&d, &*m, DType::F64, "exp", &xs, f64::exp, |a, b| {
        (a - b).abs() <= 1e-15 * b.abs()
    });

    let ints: Vec<i32> = xs.iter().map(|&v| (v * 1e8) as i32).collect();
    let m = d
        .load_module(&elementwise::unary_module(DType::I32))
        .unwrap();
    check_unary(&d, &*m, DType::I32, "neg", &ints, |x| -x, |a, b| a == b);
    check_unary(
        &d,
        &*m,
        DType::I32,
        "relu",
        &ints,
        |x| x.max(0),
        |a, b| a == b,
    );
    assert_eq!(d.memory_used(), 0, "every test buffer was freed");
}

/// A binary op over `[3, 4]`: contiguous, then with `a` a transposed view
/// and `b` a row broadcast down the rows (stride 0).
fn check_binary<T: Pod, O: Pod + PartialEq>(
    d: &EmulatedDevice,
    m: &dyn Module,
    dt: DType,
    op: &str,
    a: &[T; 12],
    b: &[T; 12],
    f: impl Fn(T, T) -> O,
) {
    let (pa, pb, out) = (upload(d, a), upload(d, b), alloc::<O>(d, 12));
    let name = elementwise::op_kernel(op, dt, true);
    let args = [
        n_arg(12),
        KernelArg::Ptr(pa),
        KernelArg::Ptr(pb),
        KernelArg::Ptr(out),
    ];
    m.launch(&name, elementwise_cfg(12), &args).unwrap();
    let want: Vec<O> = a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect();
    assert_eq!(download::<O>(d, out, 12), want, "{name}");

    // out[i][j] = f(a[j][i] of a [4, 3] matrix, b[j] of its first row).
    let name = elementwise::op_kernel(op, dt, false);
    let args = [
        n_arg(12),
        KernelArg::Ptr(pa),
        KernelArg::Layout(layout(&[3, 4], &[1, 3], 0)),
        KernelArg::Ptr(pb),
        KernelArg::Layout(layout(&[3, 4], &[0, 1], 0)),
        KernelArg::Ptr(out),
        KernelArg::Layout(contiguous(&[3, 4])),
    ];
    m.launch(&name, elementwise_cfg(12), &args).unwrap();
    let want: Vec<O> = (0..12)
        .map(|k| f(a[(k % 4) * 3 + k / 4], b[k % 4]))
        .collect();
    assert_eq!(download::<O>(d, out, 12), want, "{name}");
    for p in [pa, pb, out] {
        d.free(p).unwrap();
    }
}

#[test]
fn binary_arithmetic_and_comparisons_contiguous_and_strided() {
    let d = device();
    let a: [f32; 12] = std::array::from_fn(|i| i as f32 * 0.7 - 3.0);
    let b: [f32; 12] = std::array::from_fn(|i| 2.5 - (i % 5) as f32 * 1.3);
    let m = d
        .load_module(&elementwise::binary_module(DType::F32))
        .unwrap();
    check_binary(&d, &*m, DType::F32, "add", &a, &b, |x, y| x + y);
    check_binary(&d, &*m, DType::F32, "mul", &a, &b, |x, y| x * y);
    check_binary(&d, &*m, DType::F32, "div", &a, &b, |x, y| x / y);
    check_binary(&d, &*m, DType::F32, "lt", &a, &b, |x, y| u8::from(x < y));
    check_binary(
        &d,
        &*m,
        DType::F32,
        "eq",
        &a,
        &a.map(|v| v.round()),
        |x, y| u8::from(x == y),
    );

    let a: [f64; 12] = a.map(f64::from);
    let b: [f64; 12] = b.map(f64::from);
    let m = d
        .load_module(&elementwise::binary_module(DType::F64))
        .unwrap();
    check_binary(&d, &*m, DType::F64, "div", &a, &b, |x, y| x / y);
    check_binary(&d, &*m, DType::F64, "ge", &a, &b, |x, y| u8::from(x >= y));

    let a: [i32; 12] = std::array::from_fn(|i| i as i32 * 7 - 40);
    let b: [i32; 12] = std::array::from_fn(|i| 5 - (i % 3) as i32 * 4);
    let m = d
        .load_module(&elementwise::binary_module(DType::I32))
        .unwrap();
    check_binary(&d, &*m, DType::I32, "add", &a, &b, |x, y| x + y);
    check_binary(&d, &*m, DType::I32, "mul", &a, &b, |x, y| x * y);
    check_binary(&d, &*m, DType::I32, "ne", &a, &b, |x, y| u8::from(x != y));
    check_binary(&d, &*m, DType::I32, "logical_and", &a, &b, |x, y| {
        u8::from(x != 0 && y != 0)
    });
}

// ---- Casts -----------------------------------------------------------------

/// Converts `xs` on the device with the contiguous cast kernel.
fn cast<F: Pod, T: Pod>(d: &EmulatedDevice, from: DType, to: DType, xs: &[F]) -> Vec<T> {
    let m = d.load_module(&elementwise::copy_module(from)).unwrap();
    let (x, out) = (upload(d, xs), alloc::<T>(d, xs.len()));
    let name = elementwise::cast_kernel(from, to, true);
    let args = [n_arg(xs.len()), KernelArg::Ptr(x), KernelArg::Ptr(out)];
    m.launch(&name, elementwise_cfg(xs.len()), &args).unwrap();
    let got = download(d, out, xs.len());
    d.free(x).unwrap();
    d.free(out).unwrap();
    got
}

/// Floats that exercise rounding to a 16-bit format: specials, random bit
/// patterns, every value of the format (`all`, as f32) and every midpoint
/// between neighbours (the ties of round-to-nearest-even), and their
/// neighbours one f32 ulp away.
fn rounding_cases(all: &[f32]) -> Vec<f32> {
    let mut v = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        65504.0,
        65519.996,
        65520.0,
        -65520.0,
        65536.0,
        1e10,
        f32::MAX,
        f32::MIN_POSITIVE,
        1e-40,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::from_bits(0x7f80_0001), // signalling NaN
        f32::from_bits(0x7fa5_5555), // NaN with a payload
        2f32.powi(-24),
        2f32.powi(-25),
        3.0 * 2f32.powi(-25),
        5.0 * 2f32.powi(-25),
        2f32.powi(-14),
        2f32.powi(-14) - 2f32.powi(-25),
        1.0 + 2f32.powi(-11),
        1.0 + 3.0 * 2f32.powi(-11),
    ];
    v.extend(lcg(7).take(100_000).map(|u| f32::from_bits(u as u32)));
    let finite: Vec<f32> = all.iter().copied().filter(|x| x.is_finite()).collect();
    for w in finite.windows(2) {
        if w[0] < w[1] {
            let mid = ((f64::from(w[0]) + f64::from(w[1])) / 2.0) as f32;
            v.extend([w[0], mid, next_up(mid), next_down(mid)]);
        }
    }
    v
}

fn next_up(x: f32) -> f32 {
    f32::from_bits(if x >= 0.0 {
        x.to_bits() + 1
    } else {
        x.to_bits() - 1
    })
}

fn next_down(x: f32) -> f32 {
    -next_up(-x)
}

#[test]
fn f16_conversions_match_the_half_crate_bit_for_bit() {
    let d = device();
    // Every f16 value to f32: exact, NaN payloads kept (and made quiet).
    let all: Vec<u16> = (0..=u16::MAX).collect();
    let got: Vec<f32> = cast(&d, DType::F16, DType::F32, &all);
    for (&h, g) in all.iter().zip(&got) {
        let want = f16::from_bits(h).to_f32();
        assert_eq!(g.to_bits(), want.to_bits(), "f16 {h:#06x} -> f32");
    }
    let xs = rounding_cases(&got);
    let back: Vec<u16> = cast(&d, DType::F32, DType::F16, &xs);
    for (x, b) in xs.iter().zip(&back) {
        let want = f16::from_f32(*x).to_bits();
        assert_eq!(*b, want, "f32 {x:e} ({:#010x}) -> f16", x.to_bits());
    }
}

#[test]
fn bf16_conversions_match_the_half_crate() {
    let d = device();
    let all: Vec<u16> = (0..=u16::MAX).collect();
    let got: Vec<f32> = cast(&d, DType::BF16, DType::F32, &all);
    for (&h, g) in all.iter().zip(&got) {
        let want = bf16::from_bits(h).to_f32();
        if want.is_nan() {
            // The kernel shifts the bits (keeping signalling NaNs signalling);
            // the half crate makes them quiet.
            assert_eq!(g.to_bits(), u32::from(h) << 16, "bf16 {h:#06x} -> f32");
        } else {
            assert_eq!(g.to_bits(), want.to_bits(), "bf16 {h:#06x} -> f32");
        }
    }
    let xs = rounding_cases(&got);
    let back: Vec<u16> = cast(&d, DType::F32, DType::BF16, &xs);
    for (x, b) in xs.iter().zip(&back) {
        if x.is_nan() {
            // The kernel makes every NaN the canonical one; only NaN-ness matters.
            assert!(
                bf16::from_bits(*b).is_nan(),
                "NaN {:#010x} -> {b:#06x}",
                x.to_bits()
            );
        } else {
            let want = bf16::from_f32(*x).to_bits();
            assert_eq!(*b, want, "f32 {x:e} ({:#010x}) -> bf16", x.to_bits());
        }
    }
}

#[test]
fn strided_copy_makes_a_transpose_contiguous() {
    let d = device();
    let xs: Vec<i64> = (0..20).map(|i| i * 11 - 50).collect();
    let m = d
        .load_module(&elementwise::copy_module(DType::I64))
        .unwrap();
    let (x, out) = (upload(&d, &xs), alloc::<i64>(&d, 20));
    let args = [
        n_arg(20),
        KernelArg::Ptr(x),
        KernelArg::Layout(layout(&[5, 4], &[1, 5], 0)),
        KernelArg::Ptr(out),
        KernelArg::Layout(contiguous(&[5, 4])),
    ];
    let name = elementwise::cast_kernel(DType::I64, DType::I64, false);
    m.launch(&name, elementwise_cfg(20), &args).unwrap();
    let want: Vec<i64> = (0..20).map(|k| xs[(k % 4) * 5 + k / 4]).collect();
    assert_eq!(download::<i64>(&d, out, 20), want);
}

#[test]
fn fill_contiguous_and_strided() {
    let d = device();
    let m = d
        .load_module(&elementwise::copy_module(DType::F32))
        .unwrap();
    let out = alloc::<f32>(&d, 1000);
    let args = [n_arg(1000), KernelArg::Ptr(out), KernelArg::F32(2.5)];
    m.launch(
        &elementwise::fill_kernel(DType::F32, true),
        elementwise_cfg(1000),
        &args,
    )
    .unwrap();
    assert_eq!(download::<f32>(&d, out, 1000), vec![2.5; 1000]);

    // Every other element: the rest keeps the 0xff poison of fresh memory.
    let m = d
        .load_module(&elementwise::copy_module(DType::I64))
        .unwrap();
    let out = alloc::<i64>(&d, 10);
    let args = [
        n_arg(5),
        KernelArg::Ptr(out),
        KernelArg::Layout(layout(&[5], &[2], 0)),
        KernelArg::I64(7),
    ];
    m.launch(
        &elementwise::fill_kernel(DType::I64, false),
        elementwise_cfg(5),
        &args,
    )
    .unwrap();
    assert_eq!(
        download::<i64>(&d, out, 10),
        [7, -1, 7, -1, 7, -1, 7, -1, 7, -1]
    );

    let m = d
        .load_module(&elementwise::copy_module(DType::F16))
        .unwrap();
    let out = alloc::<u16>(&d, 300);
    let one = f16::from_f32(1.5).to_bits();
    let args = [n_arg(300), KernelArg::Ptr(out), KernelArg::U16(one)];
    m.launch(
        &elementwise::fill_kernel(DType::F16, true),
        elementwise_cfg(300),
        &args,
    )
    .unwrap();
    assert_eq!(download::<u16>(&d, out, 300), vec![one; 300]);
}

// ---- Softmax ---------------------------------------------------------------

fn softmax_ref(row: &[f64], log: bool) -> Vec<f64> {
    let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = row.iter().map(|v| (v - m).exp()).sum();
    row.iter()
        .map(|v| {
            if log {
                v - m - s.ln()
            } else {
                (v - m).exp() / s
            }
        })
        .collect()
}

#[test]
fn softmax_rows_match_a_float64_reference() {
    let d = device();
    let m = d.load_module(&softmax::softmax_module()).unwrap();
    let rows = 3;
    // Row lengths below, at and above the block size, and not multiples of 32.
    for (n, block) in [
        (1, 32),
        (7, 256),
        (33, 32),
        (256, 256),
        (1000, 256),
        (1500, 1024),
        (777, 64),
    ] {
        let xs = uniform(n as u64, rows * n, -6.0, 6.0);
        for log in [false, true] {
            let want: Vec<f64> = xs.chunks(n).flat_map(|r| softmax_ref(r, log)).collect();
            let what = format!(
                "{} n={n} block={block}",
                softmax::softmax_kernel(DType::F32, log)
            );

            let x32: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
            let (x, out) = (upload(&d, &x32), alloc::<f32>(&d, rows * n));
            let args = [
                n_arg(rows),
                n_arg(n),
                KernelArg::Ptr(x),
                KernelArg::Ptr(out),
            ];
            m.launch(
                &softmax::softmax_kernel(DType::F32, log),
                rows_cfg(rows, block),
                &args,
            )
            .unwrap();
            let got: Vec<f64> = download::<f32>(&d, out, rows * n)
                .into_iter()
                .map(f64::from)
                .collect();
            assert_close(&got, &want, 1e-5, 1e-6, &what);

            let (x, out) = (upload(&d, &xs), alloc::<f64>(&d, rows * n));
            let args = [
                n_arg(rows),
                n_arg(n),
                KernelArg::Ptr(x),
                KernelArg::Ptr(out),
            ];
            m.launch(
                &softmax::softmax_kernel(DType::F64, log),
                rows_cfg(rows, block),
                &args,
            )
            .unwrap();
            assert_close(
                &download::<f64>(&d, out, rows * n),
                &want,
                1e-12,
                1e-14,
                &what,
            );
        }
    }
}

// ---- Sums ----------------------------------------------------------------

fn sum_rows<T: Pod, O: Pod>(
    d: &EmulatedDevice,
    m: &dyn Module,
    dt: DType,
    xs: &[T],
    rows: usize,
) -> Vec<O> {
    let n = xs.len() / rows;
    let (x, out) = (upload(d, xs), alloc::<O>(d, rows));
    let args = [
        n_arg(rows),
        n_arg(n),
        KernelArg::Ptr(x),
        KernelArg::Ptr(out),
    ];
    // One reduction module per input dtype.
    let _ = m;
    let m = d.load_module(&reduce::reduce_module(dt)).unwrap();
    m.launch(
        &reduce::fold_kernel("sum", dt, true),
        rows_cfg(rows, 256),
        &args,
    )
    .unwrap();
    download(d, out, rows)
}

fn sum_middle<T: Pod, O: Pod>(
    d: &EmulatedDevice,
    m: &dyn Module,
    dt: DType,
    xs: &[T],
    [outer, r, inner]: [usize; 3],
) -> Vec<O> {
    let (x, out) = (upload(d, xs), alloc::<O>(d, outer * inner));
    let args = [
        n_arg(outer),
        n_arg(r),
        n_arg(inner),
        KernelArg::Ptr(x),
        KernelArg::Ptr(out),
    ];
    let _ = m;
    let m = d.load_module(&reduce::reduce_module(dt)).unwrap();
    m.launch(
        &reduce::fold_kernel("sum", dt, false),
        elementwise_cfg(outer * inner),
        &args,
    )
    .unwrap();
    download(d, out, outer * inner)
}

/// Sums of `[outer, r, inner]` over the middle, in i64 (the reference).
fn middle_ref(xs: &[i64], [outer, r, inner]: [usize; 3]) -> Vec<i64> {
    (0..outer * inner)
        .map(|i| {
            (0..r)
                .map(|j| xs[(i / inner) * r * inner + j * inner + i % inner])
                .sum()
        })
        .collect()
}

#[test]
fn sums_of_rows_and_middles_including_bool_and_i8_to_int64() {
    let d = device();
    let m = d.load_module(&reduce::reduce_module(DType::F32)).unwrap();
    let (rows, n) = (5, 1001);
    let xs = uniform(3, rows * n, -1.0, 1.0);
    let want: Vec<f64> = xs.chunks(n).map(|r| r.iter().sum()).collect();
    let x32: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
    let got: Vec<f32> = sum_rows(&d, &*m, DType::F32, &x32, rows);
    assert_close(
        &got.into_iter().map(f64::from).collect::<Vec<_>>(),
        &want,
        1e-5,
        1e-4,
        "sum_rows f32",
    );
    let got: Vec<f64> = sum_rows(&d, &*m, DType::F64, &xs, rows);
    assert_close(&got, &want, 1e-12, 1e-12, "sum_rows f64");

    let i8s: Vec<i8> = (0..rows * n).map(|i| (i * 37 % 256) as u8 as i8).collect();
    let wide: Vec<i64> = i8s.iter().map(|&v| i64::from(v)).collect();
    let want: Vec<i64> = wide.chunks(n).map(|r| r.iter().sum()).collect();
    assert_eq!(sum_rows::<i8, i64>(&d, &*m, DType::I8, &i8s, rows), want);
    let bools: Vec<u8> = (0..rows * n).map(|i| u8::from(i % 3 == 0)).collect();
    let want: Vec<i64> = bools
        .chunks(n)
        .map(|r| r.iter().map(|&b| i64::from(b)).sum())
        .collect();
    assert_eq!(
        sum_rows::<u8, i64>(&d, &*m, DType::Bool, &bools, rows),
        want
    );

    let shape = [3, 50, 7];
    let len = 3 * 50 * 7;
    let i8s: Vec<i8> = (0..len).map(|i| (i * 91 % 256) as u8 as i8).collect();
    let wide: Vec<i64> = i8s.iter().map(|&v| i64::from(v)).collect();
    assert_eq!(
        sum_middle::<i8, i64>(&d, &*m, DType::I8, &i8s, shape),
        middle_ref(&wide, shape)
    );
    let bools: Vec<u8> = (0..len).map(|i| u8::from(i % 4 == 1)).collect();
    let wide: Vec<i64> = bools.iter().map(|&v| i64::from(v)).collect();
    assert_eq!(
        sum_middle::<u8, i64>(&d, &*m, DType::Bool, &bools, shape),
        middle_ref(&wide, shape)
    );
    let fs: Vec<f32> = (0..len).map(|i| (i % 13) as f32 - 6.0).collect();
    let wide: Vec<i64> = fs.iter().map(|&v| v as i64).collect();
    let want: Vec<f32> = middle_ref(&wide, shape)
        .into_iter()
        .map(|v| v as f32)
        .collect();
    assert_eq!(
        sum_middle::<f32, f32>(&d, &*m, DType::F32, &fs, shape),
        want
    );
}

// ---- Device behaviour ------------------------------------------------------

#[test]
fn out_of_memory_at_capacity_is_none_not_an_error() {
    let d = EmulatedDevice::new(1 << 20).unwrap();
    assert_eq!(d.info().total_memory, 1 << 20);
    assert_eq!(d.info().name, "ferrotorch CUDA emulator");
    let a = d.malloc(512 << 10).unwrap().unwrap();
    let b = d.malloc(512 << 10).unwrap().unwrap();
    assert_eq!(a % 256, 0);
    assert_eq!(d.mem_get_info().unwrap(), (0, 1 << 20));
    assert_eq!(d.malloc(1).unwrap(), None);
    d.free(a).unwrap();
    assert_eq!(d.mem_get_info().unwrap(), (512 << 10, 1 << 20));
    assert_eq!(d.malloc((512 << 10) + 1).unwrap(), None);
    let c = d.malloc(512 << 10).unwrap().unwrap();
    assert!(matches!(d.free(a + 1), Err(Error::Emulator(_))));
    d.free(b).unwrap();
    d.free(c).unwrap();
    assert!(matches!(d.free(b), Err(Error::Emulator(_))), "double free");
    d.synchronize().unwrap();
}

fn custom(module: &str, source: &str) -> KernelSource {
    KernelSource {
        module: module.into(),
        source: source.into(),
    }
}

fn launch_error(r: ferrotorch_cuda::Result<()>) -> String {
    match r {
        Err(Error::Launch { message, .. }) => message,
        other => panic!("expected a launch error, got {other:?}"),
    }
}

#[test]
fn a_barrier_not_every_thread_reaches_fails_instead_of_hanging() {
    let d = device();
    let m = d
        .load_module(&custom(
            "deadlock",
            r#"
extern "C" __global__ void block_deadlock(float* x) {
    if (threadIdx.x == 0) __syncthreads();
    x[threadIdx.x] = 1.0f;
}
extern "C" __global__ void warp_deadlock(float* x) {
    float v = x[threadIdx.x];
    if (threadIdx.x < 16) v = __shfl_down_sync(0xffffffffu, v, 1);
    x[threadIdx.x] = v;
}
extern "C" __global__ void fine(float* x) {
    __syncthreads();
    x[threadIdx.x] = 2.0f;
}
"#,
        ))
        .unwrap();
    let x = alloc::<f32>(&d, 64);
    let cfg = LaunchConfig {
        grid: 2,
        block: 64,
        shared_mem_bytes: 0,
    };
    let e = launch_error(m.launch("block_deadlock", cfg, &[KernelArg::Ptr(x)]));
    assert!(
        e.contains("deadlock in block 0") && e.contains("__syncthreads"),
        "{e}"
    );
    let e = launch_error(m.launch("warp_deadlock", cfg, &[KernelArg::Ptr(x)]));
    assert!(e.contains("deadlock") && e.contains("warp"), "{e}");
    // The aborted fibers' stacks are reused by the next launch.
    m.launch("fine", cfg, &[KernelArg::Ptr(x)]).unwrap();
    assert_eq!(download::<f32>(&d, x, 64), vec![2.0; 64]);
}

#[test]
fn warp_intrinsics_barriers_and_atomics() {
    let d = device();
    let m = d
        .load_module(&custom(
            "intrinsics",
            r#"
extern "C" __global__ void k(int* out, unsigned int* ballots, int* counters, float* fcounter) {
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    const int lane = threadIdx.x & 31;
    int v = threadIdx.x;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    out[4 * t] = v;
    out[4 * t + 1] = __shfl_up_sync(0xffffffffu, (int)threadIdx.x, 1);
    out[4 * t + 2] = __shfl_sync(0xffffffffu, (int)threadIdx.x, 3);
    out[4 * t + 3] = __shfl_down_sync(0xffffffffu, (int)threadIdx.x, 8, 16);
    const unsigned int b = __ballot_sync(0xffffffffu, lane & 1);
    if (lane == 0) ballots[t / 32] = b;
    atomicAdd(&counters[0], 1);
    atomicMax(&counters[1], t);
    atomicAdd(fcounter, 0.5f);
    atomicCAS(&counters[3], 0, t + 1);  // only the first thread to get here succeeds
    const int c = __syncthreads_count(threadIdx.x < 10);
    if (threadIdx.x == 0) atomicAdd(&counters[2], c);
}
"#,
        ))
        .unwrap();
    let (grid, block) = (3usize, 64usize);
    let n = grid * block;
    let (out, ballots, counters, fcounter) = (
        alloc::<i32>(&d, 4 * n),
        alloc::<u32>(&d, n / 32),
        upload(&d, &[0i32; 4]),
        upload(&d, &[0f32]),
    );
    let cfg = LaunchConfig {
        grid: grid as u32,
        block: block as u32,
        shared_mem_bytes: 0,
    };
    let args = [
        KernelArg::Ptr(out),
        KernelArg::Ptr(ballots),
        KernelArg::Ptr(counters),
        KernelArg::Ptr(fcounter),
    ];
    m.launch("k", cfg, &args).unwrap();
    let got = download::<i32>(&d, out, 4 * n);
    for t in 0..n {
        let tid = (t % block) as i32;
        let lane = tid % 32;
        let warp_base = tid - lane;
        let warp_sum: i32 = (warp_base..warp_base + 32).sum();
        let down = if lane % 16 + 8 < 16 { tid + 8 } else { tid };
        let want = [
            warp_sum,
            if lane == 0 { tid } else { tid - 1 },
            warp_base + 3,
            down,
        ];
        assert_eq!(&got[4 * t..4 * t + 4], &want, "thread {t}");
    }
    assert_eq!(
        download::<u32>(&d, ballots, n / 32),
        vec![0xaaaa_aaaa; n / 32]
    );
    let c = download::<i32>(&d, counters, 4);
    assert_eq!(c[..3], [n as i32, n as i32 - 1, 10 * grid as i32]);
    assert!((1..=n as i32).contains(&c[3]), "{c:?}");
    assert_eq!(download::<f32>(&d, fcounter, 1), [n as f32 * 0.5]);
}

#[test]
fn dynamic_shared_memory_is_sized_per_launch() {
    let d = device();
    let m = d
        .load_module(&custom(
            "dynamic_shared",
            r#"
// Reverses each block's slice of x through dynamic shared memory.
extern "C" __global__ void reverse(const double* x, double* out) {
    extern __shared__ double buf[];
    const unsigned int t = threadIdx.x, base = blockIdx.x * blockDim.x;
    buf[t] = x[base + t];
    __syncthreads();
    out[base + t] = buf[blockDim.x - 1 - t];
}
"#,
        ))
        .unwrap();
    for block in [32usize, 200, 1024] {
        let xs: Vec<f64> = (0..3 * block).map(|i| i as f64).collect();
        let (x, out) = (upload(&d, &xs), alloc::<f64>(&d, xs.len()));
        let cfg = LaunchConfig {
            grid: 3,
            block: block as u32,
            shared_mem_bytes: (block * 8) as u32,
        };
        m.launch("reverse", cfg, &[KernelArg::Ptr(x), KernelArg::Ptr(out)])
            .unwrap();
        let want: Vec<f64> = xs
            .chunks(block)
            .flat_map(|c| c.iter().rev().copied())
            .collect();
        assert_eq!(download::<f64>(&d, out, xs.len()), want, "block {block}");
        let too_much = LaunchConfig {
            shared_mem_bytes: 48 * 1024 + 1,
            ..cfg
        };
        let e = launch_error(m.launch(
            "reverse",
            too_much,
            &[KernelArg::Ptr(x), KernelArg::Ptr(out)],
        ));
        assert!(e.contains("dynamic shared memory"), "{e}");
    }
}

#[test]
fn a_syntax_error_is_reported_with_the_compiler_message() {
    let d = device();
    let Err(err) = d.load_module(&custom(
        "broken",
        "extern \"C\" __global__ void k(float* x) { x[0] = ; }",
    )) else {
        panic!("a syntax error compiled");
    };
    match err {
        Error::Emulator(m) => {
            assert!(m.contains("module 'broken'"), "{m}");
            assert!(
                m.contains("broken.cu:1:"),
                "the message points at the kernel source: {m}"
            );
            assert!(m.contains("error"), "{m}");
        }
        other => panic!("expected an emulator error, got {other:?}"),
    }
}

#[test]
fn bad_launches_are_errors() {
    let d = device();
    let m = d
        .load_module(&elementwise::copy_module(DType::F32))
        .unwrap();
    let out = alloc::<f32>(&d, 4);
    let fill = elementwise::fill_kernel(DType::F32, true);
    let args = [n_arg(4), KernelArg::Ptr(out), KernelArg::F32(1.0)];
    let cfg = |grid, block| LaunchConfig {
        grid,
        block,
        shared_mem_bytes: 0,
    };
    assert!(launch_error(m.launch(&fill, cfg(1, 0), &args)).contains("block size 0"));
    assert!(launch_error(m.launch(&fill, cfg(1, 1025), &args)).contains("block size 1025"));
    assert!(launch_error(m.launch(&fill, cfg(0, 32), &args)).contains("grid size 0"));
    let e = launch_error(m.launch("no_such_kernel", cfg(1, 32), &args));
    assert!(
        e.contains("no kernel named 'no_such_kernel' in module 'copy_float32'"),
        "{e}"
    );
    let e = launch_error(m.launch(&fill, cfg(1, 32), &args[..2]));
    assert!(e.contains("2 arguments given, the kernel takes 3"), "{e}");
    let e = launch_error(m.launch(
        &fill,
        cfg(1, 32),
        &[n_arg(4), KernelArg::Ptr(out), KernelArg::F64(1.0)],
    ));
    assert!(e.contains("argument 2 (`float value`"), "{e}");
    d.free(out).unwrap();
    let e = launch_error(m.launch(&fill, cfg(1, 32), &args));
    assert!(
        e.contains("not in a live allocation"),
        "use after free: {e}"
    );
    // Odd block sizes are legal CUDA; partial warps work.
    let out = alloc::<f32>(&d, 1000);
    let args = [n_arg(1000), KernelArg::Ptr(out), KernelArg::F32(3.0)];
    m.launch(&fill, cfg(3, 33), &args).unwrap();
    assert_eq!(download::<f32>(&d, out, 1000), vec![3.0; 1000]);
}

#[test]
fn concurrent_launches_from_several_threads_are_independent() {
    let d = device();
    let m = d.load_module(&softmax::softmax_module()).unwrap();
    let r = d.load_module(&reduce::reduce_module(DType::F32)).unwrap();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let (d, m, r) = (&d, &m, &r);
            s.spawn(move || {
                for i in 0..5 {
                    // Both kernels use __shared__ memory through ft_block_reduce.
                    let (rows, n) = (4, 300 + 17 * t as usize + i);
                    let xs = uniform(100 * t + i as u64, rows * n, -3.0, 3.0);
                    let (x, out) = (upload(d, &xs), alloc::<f64>(d, rows * n));
                    let args = [
                        n_arg(rows),
                        n_arg(n),
                        KernelArg::Ptr(x),
                        KernelArg::Ptr(out),
                    ];
                    m.launch(
                        &softmax::softmax_kernel(DType::F64, false),
                        rows_cfg(rows, 128),
                        &args,
                    )
                    .unwrap();
                    let want: Vec<f64> = xs.chunks(n).flat_map(|r| softmax_ref(r, false)).collect();
                    assert_close(&download(d, out, rows * n), &want, 1e-12, 1e-14, "softmax");
                    let sums: Vec<f64> = sum_rows(d, &**r, DType::F64, &xs, rows);
                    let want: Vec<f64> = xs.chunks(n).map(|r| r.iter().sum()).collect();
                    assert_close(&sums, &want, 1e-12, 1e-12, "sum_rows");
                    d.free(x).unwrap();
                    d.free(out).unwrap();
                }
            });
        }
    });
}

#[test]
fn every_kernel_module_compiles_and_loads_on_the_emulator() {
    let d = device();
    let modules = kernels::all();
    let start = Instant::now();
    let failures = common::problems_in_parallel(&modules, |m| {
        d.load_module(m)
            .err()
            .map(|e| e.to_string())
            .into_iter()
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!(
        "compiled (or loaded from the cache) {} modules in {:.2?}",
        modules.len(),
        start.elapsed()
    );
}

#[test]
fn launch_overhead_of_a_small_elementwise_kernel() {
    let d = device();
    let m = d
        .load_module(&elementwise::binary_module(DType::F32))
        .unwrap();
    let n = 64 * 256;
    let a = upload(&d, &vec![1.0f32; n]);
    let b = upload(&d, &vec![2.0f32; n]);
    let out = alloc::<f32>(&d, n);
    let args = [
        n_arg(n),
        KernelArg::Ptr(a),
        KernelArg::Ptr(b),
        KernelArg::Ptr(out),
    ];
    let name = elementwise::op_kernel("add", DType::F32, true);
    let cfg = LaunchConfig {
        grid: 64,
        block: 256,
        shared_mem_bytes: 0,
    };
    m.launch(&name, cfg, &args).unwrap(); // boots this thread's fibers
    let runs = 20;
    let start = Instant::now();
    for _ in 0..runs {
        m.launch(&name, cfg, &args).unwrap();
    }
    let per = start.elapsed() / runs;
    assert_eq!(download::<f32>(&d, out, n), vec![3.0; n]);
    eprintln!("64 blocks x 256 threads of add_float32_contig: {per:.2?} per launch");
    // Generous, for loaded CI machines; typically well under 1 ms.
    assert!(per.as_millis() < 50, "{per:?} per launch");
}
