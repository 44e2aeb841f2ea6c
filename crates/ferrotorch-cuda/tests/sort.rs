//! The sort kernels on the host emulator, against Rust's stable sort with
//! the CPU backend's order (NaN largest, ties by position), launched with
//! small grids and segment sizes so that every loop of the kernels runs
//! several times: blocks striding over rows, several rows per block, tiles
//! merged over several passes, and topk's selection by positions.
//!
//! Needs a host C++ compiler (`c++` or `$CXX`), like the emulator tests.

use ferrotorch_core::DType;
use ferrotorch_cuda::backend::{Backend, DeviceMemory, DevicePtr, KernelArg, LaunchConfig};
use ferrotorch_cuda::kernels::sort as k;
use ferrotorch_cuda::EmulatedDevice;
use std::cmp::Ordering;

fn device() -> EmulatedDevice {
    EmulatedDevice::new(64 << 20)
        .unwrap_or_else(|e| panic!("the emulator needs a host C++ compiler: {e}"))
}

fn upload<T: Copy>(d: &EmulatedDevice, v: &[T]) -> DevicePtr {
    let n = std::mem::size_of_val(v);
    let p = d.malloc(n.max(1)).unwrap().expect("device memory");
    // SAFETY: plain numbers, no padding.
    let b = unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), n) };
    d.copy_htod(p, b).unwrap();
    p
}

fn alloc(d: &EmulatedDevice, bytes: usize) -> DevicePtr {
    d.malloc(bytes.max(1)).unwrap().expect("device memory")
}

fn download<T: Copy + Default>(d: &EmulatedDevice, p: DevicePtr, n: usize) -> Vec<T> {
    let mut v = vec![T::default(); n];
    // SAFETY: f32, i32 and i64 accept every bit pattern.
    let out = unsafe {
        std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(&v[..]))
    };
    d.copy_dtoh(out, p).unwrap();
    v
}

fn cfg(grid: u32, block: u32, shared: usize) -> LaunchConfig {
    LaunchConfig {
        grid,
        block,
        shared_mem_bytes: shared as u32,
    }
}

/// Rows of f32 with many ties, NaNs and both zeros.
fn floats(n: usize) -> Vec<f32> {
    let mut s = 12345u64;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            match (s >> 33) % 11 {
                0 => f32::NAN,
                1 => -0.0,
                2 => 0.0,
                r => (r as f32 - 6.0) * 0.5,
            }
        })
        .collect()
}

/// The CPU backend's order: NaN largest (all equal), the rest by value.
fn cmp(a: f32, b: f32) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap(),
    }
}

/// Stable sort of each row: the expected positions.
fn reference(x: &[f32], n: usize, desc: bool) -> Vec<i64> {
    x.chunks(n)
        .flat_map(|row| {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&i, &j| {
                let o = cmp(row[i], row[j]);
                if desc {
                    o.reverse()
                } else {
                    o
                }
            });
            order.into_iter().map(|i| i as i64)
        })
        .collect()
}

#[test]
fn short_rows_several_per_block_and_blocks_striding_over_rows() {
    let d = device();
    let m = d.load_module(&k::sort_module()).unwrap();
    let (rows, n, p, per) = (37usize, 5usize, 8usize, 3usize);
    let x = floats(rows * n);
    let xp = upload(&d, &x);
    for desc in [false, true] {
        let (vals, idx) = (alloc(&d, rows * n * 4), alloc(&d, rows * n * 8));
        m.launch(
            &k::rows_kernel(DType::F32),
            cfg(2, 32, per * p * 8),
            &[
                KernelArg::I64(rows as i64),
                KernelArg::I64(n as i64),
                KernelArg::I64(n as i64),
                KernelArg::I32(p as i32),
                KernelArg::I32(per as i32),
                KernelArg::I32(desc as i32),
                KernelArg::Ptr(xp),
                KernelArg::Ptr(vals),
                KernelArg::Ptr(idx),
            ],
        )
        .unwrap();
        let want = reference(&x, n, desc);
        assert_eq!(download::<i64>(&d, idx, rows * n), want, "desc={desc}");
        let got: Vec<f32> = download(&d, vals, rows * n);
        for (r, (g, &i)) in got.iter().zip(&want).enumerate() {
            let w = x[r / n * n + i as usize];
            assert!(g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()));
        }
    }
}

#[test]
fn tiles_merged_over_several_passes() {
    let d = device();
    let m = d.load_module(&k::sort_module()).unwrap();
    // Tiles of 8: 7 per row, merged in runs of 8, 16 and 32.
    let (rows, n, seg) = (3usize, 53usize, 8usize);
    let x = floats(rows * n);
    let xp = upload(&d, &x);
    for desc in [false, true] {
        let keys = [alloc(&d, rows * n * 4), alloc(&d, rows * n * 4)];
        let ids = [alloc(&d, rows * n * 8), alloc(&d, rows * n * 8)];
        m.launch(
            &k::tiles_kernel(DType::F32),
            cfg(4, 32, seg * 8),
            &[
                KernelArg::I64(rows as i64),
                KernelArg::I64(n as i64),
                KernelArg::I64(seg as i64),
                KernelArg::I32(seg as i32),
                KernelArg::I32(1),
                KernelArg::I32(desc as i32),
                KernelArg::Ptr(xp),
                KernelArg::Ptr(keys[0]),
                KernelArg::Ptr(ids[0]),
            ],
        )
        .unwrap();
        let mut w = seg;
        let mut src = 0;
        while w < n {
            m.launch(
                &k::merge_kernel(4),
                cfg(3, 32, 0),
                &[
                    KernelArg::I64(rows as i64),
                    KernelArg::I64(n as i64),
                    KernelArg::I64(w as i64),
                    KernelArg::Ptr(keys[src]),
                    KernelArg::Ptr(ids[src]),
                    KernelArg::Ptr(keys[1 - src]),
                    KernelArg::Ptr(ids[1 - src]),
                ],
            )
            .unwrap();
            src = 1 - src;
            w *= 2;
        }
        assert_eq!(
            download::<i64>(&d, ids[src], rows * n),
            reference(&x, n, desc),
            "desc={desc}"
        );
        let vals = alloc(&d, rows * n * 4);
        m.launch(
            &k::gather_kernel(DType::F32),
            cfg(2, 32, 0),
            &[
                KernelArg::I64((rows * n) as i64),
                KernelArg::I64(n as i64),
                KernelArg::Ptr(xp),
                KernelArg::Ptr(ids[src]),
                KernelArg::Ptr(vals),
            ],
        )
        .unwrap();
        let got: Vec<f32> = download(&d, vals, rows * n);
        let sorted: Vec<i64> = reference(&x, n, desc);
        for (e, g) in got.iter().enumerate() {
            let w = x[e / n * n + sorted[e] as usize];
            assert!(g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()));
        }
    }
}

#[test]
fn topk_selects_the_first_k_of_the_stable_sort() {
    let d = device();
    let m = d.load_module(&k::sort_module()).unwrap();
    let (rows, n) = (5usize, 300usize);
    let x = floats(rows * n);
    let xp = upload(&d, &x);
    // k = 40 ends inside a run of equal values: the positions select.
    for kk in [1usize, 10, 40, 100] {
        let p = kk.next_power_of_two();
        for desc in [false, true] {
            let (vals, idx) = (alloc(&d, rows * kk * 4), alloc(&d, rows * kk * 8));
            m.launch(
                &k::topk_kernel(DType::F32),
                cfg(2, 64, p * 8),
                &[
                    KernelArg::I64(rows as i64),
                    KernelArg::I64(n as i64),
                    KernelArg::I64(kk as i64),
                    KernelArg::I32(p as i32),
                    KernelArg::I32(desc as i32),
                    KernelArg::Ptr(xp),
                    KernelArg::Ptr(vals),
                    KernelArg::Ptr(idx),
                ],
            )
            .unwrap();
            let full = reference(&x, n, desc);
            let want: Vec<i64> = full.chunks(n).flat_map(|r| r[..kk].to_vec()).collect();
            assert_eq!(
                download::<i64>(&d, idx, rows * kk),
                want,
                "k={kk} desc={desc}"
            );
        }
    }
}
