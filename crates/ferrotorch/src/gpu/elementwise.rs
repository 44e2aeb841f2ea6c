//! Elementwise work on CUDA tensors: casts and strided copies, fill, and the
//! unary and binary kernels of `ferrotorch_cuda::kernels::elementwise`.
//! Inputs come promoted and broadcast (stride-0 dims) by the op definitions.

use super::{base, count, device_of, empty, first, layout_arg};
use crate::{DType, Element, Result, Scalar, Tensor};
use ferrotorch_core::Layout;
use ferrotorch_cuda::kernels::dtypes::suffix;
use ferrotorch_cuda::kernels::elementwise as k;
use ferrotorch_cuda::KernelArg;

/// A scalar as the kernel argument of element type `dtype`.
pub(crate) fn scalar_arg(value: Scalar, dtype: DType) -> KernelArg {
    with_dtype!(dtype, T => elem_arg(value.to_elem::<T>()))
}

fn elem_arg<T: Element>(x: T) -> KernelArg {
    match T::DTYPE {
        DType::F32 => KernelArg::F32(x.to_f64() as f32),
        DType::F64 => KernelArg::F64(x.to_f64()),
        DType::F16 => KernelArg::U16(half::f16::from_f64(x.to_f64()).to_bits()),
        DType::BF16 => KernelArg::U16(half::bf16::from_f64(x.to_f64()).to_bits()),
        DType::I64 => KernelArg::I64(x.to_i64()),
        DType::I32 => KernelArg::I32(x.to_i64() as i32),
        DType::I16 => KernelArg::I16(x.to_i64() as i16),
        DType::I8 => KernelArg::I8(x.to_i64() as i8),
        DType::U8 => KernelArg::U8(x.to_i64() as u8),
        DType::Bool => KernelArg::Bool(x.to_bool()),
    }
}

/// Writes `src` (same shape as `dst`, any layout and dtype, same device)
/// into `dst`'s layout, converting to `dst`'s dtype.
pub(crate) fn copy_into(dst: &Tensor, src: &Tensor) -> Result<()> {
    let dev = device_of(dst)?;
    let n = dst.numel();
    if n == 0 {
        return Ok(());
    }
    let (from, to) = (src.dtype(), dst.dtype());
    let module = dev.module(&format!("copy_{}", suffix(from)), || k::copy_module(from))?;
    if src.is_contiguous() && dst.is_contiguous() {
        dev.launch_elementwise(
            &module,
            &k::cast_kernel(from, to, true),
            n,
            &[count(n), first(src), first(dst)],
        )?;
        return Ok(());
    }
    dev.launch_elementwise(
        &module,
        &k::cast_kernel(from, to, false),
        n,
        &[
            count(n),
            base(src),
            layout_arg(src.layout())?,
            base(dst),
            layout_arg(dst.layout())?,
        ],
    )?;
    Ok(())
}

/// A new contiguous tensor with `src`'s values converted to `dtype`.
pub(crate) fn cast(src: &Tensor, dtype: DType) -> Result<Tensor> {
    let out = empty(&device_of(src)?, src.shape(), dtype)?;
    copy_into(&out, src)?;
    Ok(out)
}

/// Sets every element of `dst`'s layout to `value`.
pub(crate) fn fill(dst: &Tensor, value: Scalar) -> Result<()> {
    let dev = device_of(dst)?;
    let n = dst.numel();
    let dt = dst.dtype();
    let module = dev.module(&format!("copy_{}", suffix(dt)), || k::copy_module(dt))?;
    let v = scalar_arg(value, dt);
    if dst.is_contiguous() {
        dev.launch_elementwise(
            &module,
            &k::fill_kernel(dt, true),
            n,
            &[count(n), first(dst), v],
        )?;
    } else {
        dev.launch_elementwise(
            &module,
            &k::fill_kernel(dt, false),
            n,
            &[count(n), base(dst), layout_arg(dst.layout())?, v],
        )?;
    }
    Ok(())
}

/// A tensor of `shape` filled with `value` on CUDA device `index`.
pub(crate) fn full(index: usize, shape: &[usize], value: Scalar, dtype: DType) -> Result<Tensor> {
    let out = empty(&super::device(index)?, shape, dtype)?;
    fill(&out, value)?;
    Ok(out)
}

/// Unary kernel `op` over `x`, writing a new contiguous tensor of `out`
/// dtype (`x`'s own, or bool for `logical_not`).
pub(crate) fn unary(op: &str, x: &Tensor, out: DType) -> Result<Tensor> {
    let dev = device_of(x)?;
    let dt = x.dtype();
    let result = empty(&dev, x.shape(), out)?;
    let n = x.numel();
    let module = dev.module(&format!("unary_{}", suffix(dt)), || k::unary_module(dt))?;
    if x.is_contiguous() {
        dev.launch_elementwise(
            &module,
            &k::op_kernel(op, dt, true),
            n,
            &[count(n), first(x), first(&result)],
        )?;
    } else {
        let lo = Layout::contiguous(x.shape());
        dev.launch_elementwise(
            &module,
            &k::op_kernel(op, dt, false),
            n,
            &[
                count(n),
                base(x),
                layout_arg(x.layout())?,
                first(&result),
                layout_arg(&lo)?,
            ],
        )?;
    }
    Ok(result)
}

/// Binary kernel `op` over `a` and `b` (same dtype) read through `la` and
/// `lb` (both broadcast to `shape`), into a new tensor of dtype `out`.
pub(crate) fn binary(
    op: &str,
    a: &Tensor,
    la: &Layout,
    b: &Tensor,
    lb: &Layout,
    shape: &[usize],
    out: DType,
) -> Result<Tensor> {
    let dev = device_of(a)?;
    let dt = a.dtype();
    let result = empty(&dev, shape, out)?;
    let n = result.numel();
    let module = dev.module(&format!("binary_{}", suffix(dt)), || k::binary_module(dt))?;
    if la.is_contiguous() && lb.is_contiguous() {
        let pa = KernelArg::Ptr(super::buffer(a).ptr() + (la.offset * dt.size()) as u64);
        let pb = KernelArg::Ptr(super::buffer(b).ptr() + (lb.offset * dt.size()) as u64);
        dev.launch_elementwise(
            &module,
            &k::op_kernel(op, dt, true),
            n,
            &[count(n), pa, pb, first(&result)],
        )?;
    } else {
        let lo = Layout::contiguous(shape);
        dev.launch_elementwise(
            &module,
            &k::op_kernel(op, dt, false),
            n,
            &[
                count(n),
                base(a),
                layout_arg(la)?,
                base(b),
                layout_arg(lb)?,
                first(&result),
                layout_arg(&lo)?,
            ],
        )?;
    }
    Ok(result)
}

/// `where(c, a, b)` with all three read through layouts broadcast to
/// `shape`; `a` and `b` share a dtype, `c` is bool.
pub(crate) fn where_(
    c: &Tensor,
    lc: &Layout,
    a: &Tensor,
    la: &Layout,
    b: &Tensor,
    lb: &Layout,
    shape: &[usize],
) -> Result<Tensor> {
    let dev = device_of(a)?;
    let dt = a.dtype();
    let result = empty(&dev, shape, dt)?;
    let n = result.numel();
    let module = dev.module(&format!("binary_{}", suffix(dt)), || k::binary_module(dt))?;
    let lo = Layout::contiguous(shape);
    dev.launch_elementwise(
        &module,
        &k::where_kernel(dt),
        n,
        &[
            count(n),
            base(c),
            layout_arg(lc)?,
            base(a),
            layout_arg(la)?,
            base(b),
            layout_arg(lb)?,
            first(&result),
            layout_arg(&lo)?,
        ],
    )?;
    Ok(result)
}
