//! DLPack exchange (`t.__dlpack__()`, `ferrotorch.from_dlpack(x)`): zero-copy
//! tensor sharing with numpy, PyTorch, JAX, CuPy... through the legacy
//! (unversioned) `DLManagedTensor` capsule that every producer supports.

use crate::errors::IntoPyResult;
use crate::tensor::PyTensor;
use ferrotorch::{DType, Layout, Storage, Tensor};
use ferrotorch_python_macros::catch_panics;
use pyo3::exceptions::{PyBufferError, PyRuntimeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use std::ffi::{c_void, CStr};

#[repr(C)]
#[derive(Clone, Copy)]
struct DLDevice {
    device_type: i32,
    device_id: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct DLDataType {
    code: u8,
    bits: u8,
    lanes: u16,
}

#[repr(C)]
struct DLTensor {
    data: *mut c_void,
    device: DLDevice,
    ndim: i32,
    dtype: DLDataType,
    shape: *mut i64,
    strides: *mut i64,
    byte_offset: u64,
}

#[repr(C)]
struct DLManagedTensor {
    dl_tensor: DLTensor,
    manager_ctx: *mut c_void,
    deleter: Option<unsafe extern "C" fn(*mut DLManagedTensor)>,
}

const DL_CPU: i32 = 1;
const DL_CUDA: i32 = 2;

/// DLPack's (device_type, device_id) of a ferrotorch device.
pub fn dl_device(d: ferrotorch::Device) -> (i32, i32) {
    match d {
        ferrotorch::Device::Cpu => (DL_CPU, 0),
        ferrotorch::Device::Cuda(i) => (DL_CUDA, i as i32),
    }
}
const NAME: &CStr = c"dltensor";
const USED_NAME: &CStr = c"used_dltensor";

fn dl_dtype(dt: DType) -> DLDataType {
    let (code, bits) = match dt {
        DType::Bool => (6, 8),
        DType::U8 => (1, 8),
        DType::I8 => (0, 8),
        DType::I16 => (0, 16),
        DType::I32 => (0, 32),
        DType::I64 => (0, 64),
        DType::F16 => (2, 16),
        DType::BF16 => (4, 16),
        DType::F32 => (2, 32),
        DType::F64 => (2, 64),
    };
    DLDataType {
        code,
        bits,
        lanes: 1,
    }
}

fn from_dl_dtype(d: DLDataType) -> Option<DType> {
    if d.lanes != 1 {
        return None;
    }
    Some(match (d.code, d.bits) {
        (6, 8) => DType::Bool,
        (1, 8) => DType::U8,
        (0, 8) => DType::I8,
        (0, 16) => DType::I16,
        (0, 32) => DType::I32,
        (0, 64) => DType::I64,
        (2, 16) => DType::F16,
        (4, 16) => DType::BF16,
        (2, 32) => DType::F32,
        (2, 64) => DType::F64,
        _ => return None,
    })
}

/// What an exported capsule keeps alive: the tensor and the shape/stride arrays.
struct ExportCtx {
    _tensor: Tensor,
    shape: Vec<i64>,
    strides: Vec<i64>,
}

unsafe extern "C" fn export_deleter(m: *mut DLManagedTensor) {
    if m.is_null() {
        return;
    }
    // SAFETY: `m` and its context were created by `Box::into_raw` in `to_capsule`.
    unsafe {
        let m = Box::from_raw(m);
        drop(Box::from_raw(m.manager_ctx as *mut ExportCtx));
    }
}

/// Frees an unconsumed capsule's tensor (a consumer renames it to "used_dltensor").
unsafe extern "C" fn capsule_destructor(capsule: *mut ffi::PyObject) {
    // SAFETY: called by Python with the capsule; the pointer is read only if the
    // name is still "dltensor", i.e. nobody took ownership.
    unsafe {
        if ffi::PyCapsule_IsValid(capsule, NAME.as_ptr()) == 1 {
            let m = ffi::PyCapsule_GetPointer(capsule, NAME.as_ptr()) as *mut DLManagedTensor;
            if let Some(d) = (*m).deleter {
                d(m);
            }
        } else {
            ffi::PyErr_Clear();
        }
    }
}

/// Wraps `t` in a DLPack capsule sharing its memory.
pub fn to_capsule(py: Python<'_>, t: &Tensor) -> PyResult<Py<PyAny>> {
    let (device_type, device_id) = dl_device(t.device());
    if let ferrotorch::Device::Cuda(i) = t.device() {
        // Our work is queued on the legacy default stream; the consumer may
        // read on any stream, so the data must be complete before it does.
        ferrotorch::cuda::device(i)
            .and_then(|d| d.synchronize())
            .map_err(|e| crate::errors::to_py(e.into()))?;
    }
    let mut ctx = Box::new(ExportCtx {
        _tensor: t.clone(),
        shape: t.shape().iter().map(|&d| d as i64).collect(),
        strides: t.strides().iter().map(|&s| s as i64).collect(),
    });
    let managed = Box::new(DLManagedTensor {
        dl_tensor: DLTensor {
            data: t.data_ptr() as *mut c_void,
            device: DLDevice {
                device_type,
                device_id,
            },
            ndim: t.ndim() as i32,
            dtype: dl_dtype(t.dtype()),
            shape: ctx.shape.as_mut_ptr(),
            strides: ctx.strides.as_mut_ptr(),
            byte_offset: 0,
        },
        manager_ctx: Box::into_raw(ctx) as *mut c_void,
        deleter: Some(export_deleter),
    });
    let raw = Box::into_raw(managed);
    // SAFETY: `raw` is a valid heap pointer; the destructor frees it unless consumed.
    let cap =
        unsafe { ffi::PyCapsule_New(raw as *mut c_void, NAME.as_ptr(), Some(capsule_destructor)) };
    if cap.is_null() {
        // SAFETY: the capsule was not created, so we still own `raw`.
        unsafe { export_deleter(raw) };
        return Err(PyErr::fetch(py));
    }
    // SAFETY: `cap` is a new, owned reference.
    Ok(unsafe { Bound::from_owned_ptr(py, cap) }.unbind())
}

/// Calls the producer's deleter when the last view of imported memory goes away.
struct Imported(*mut DLManagedTensor);
// SAFETY: DLPack deleters may be called from any thread (producers such as numpy
// take the GIL themselves).
unsafe impl Send for Imported {}
unsafe impl Sync for Imported {}
impl Drop for Imported {
    fn drop(&mut self) {
        // SAFETY: we own the managed tensor since we renamed the capsule.
        unsafe {
            if let Some(d) = (*self.0).deleter {
                d(self.0);
            }
        }
    }
}

/// `ferrotorch.from_dlpack(ext_tensor)`.
#[catch_panics]
#[pyfunction]
pub fn from_dlpack(py: Python<'_>, ext_tensor: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    if ext_tensor.is_instance_of::<PyTensor>() {
        return Ok(ext_tensor.clone().unbind());
    }
    let capsule = if ext_tensor.hasattr("__dlpack__")? {
        if ext_tensor.hasattr("__dlpack_device__")? {
            let (dev, _): (i32, i32) = ext_tensor.call_method0("__dlpack_device__")?.extract()?;
            if dev != DL_CPU {
                return Err(PyRuntimeError::new_err(format!(
                    "from_dlpack: only CPU tensors are supported (got DLPack device type {dev})"
                )));
            }
        }
        ext_tensor.call_method0("__dlpack__")?
    } else {
        ext_tensor.clone()
    };
    let cap = capsule.as_ptr();
    // SAFETY: checking the capsule's name before reading its pointer.
    let managed = unsafe {
        if ffi::PyCapsule_IsValid(cap, NAME.as_ptr()) != 1 {
            ffi::PyErr_Clear();
            return Err(PyTypeError::new_err(
                "from_dlpack: expected an object with __dlpack__ or an unused 'dltensor' capsule",
            ));
        }
        ffi::PyCapsule_GetPointer(cap, NAME.as_ptr()) as *mut DLManagedTensor
    };
    // SAFETY: the producer guarantees a valid DLManagedTensor until its deleter runs.
    let dl = unsafe { &(*managed).dl_tensor };
    if dl.device.device_type != DL_CPU {
        return Err(PyRuntimeError::new_err(
            "from_dlpack: only CPU tensors are supported",
        ));
    }
    let dtype = from_dl_dtype(dl.dtype)
        .ok_or_else(|| PyBufferError::new_err("from_dlpack: unsupported DLPack data type"))?;
    let nd = dl.ndim.max(0) as usize;
    // SAFETY: shape has ndim entries; strides is null (contiguous) or has ndim entries.
    let shape: Vec<i64> = if nd == 0 {
        vec![]
    } else {
        unsafe { std::slice::from_raw_parts(dl.shape, nd).to_vec() }
    };
    let strides: Option<Vec<i64>> = if dl.strides.is_null() || nd == 0 {
        None
    } else {
        Some(unsafe { std::slice::from_raw_parts(dl.strides, nd).to_vec() })
    };
    if shape.iter().any(|&d| d < 0) || strides.as_ref().is_some_and(|s| s.iter().any(|&x| x < 0)) {
        return Err(PyBufferError::new_err(
            "from_dlpack: negative sizes or strides are not supported",
        ));
    }
    let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    let strides = match strides {
        Some(s) => s.iter().map(|&x| x as usize).collect(),
        None => Layout::contiguous(&shape).strides,
    };
    let layout = Layout {
        shape,
        strides,
        offset: 0,
    };
    let len = layout.storage_span();
    let data = (dl.data as usize + dl.byte_offset as usize) as *mut u8;
    // Take ownership: from now on our storage owner calls the deleter.
    // SAFETY: renaming a valid capsule.
    unsafe { ffi::PyCapsule_SetName(cap, USED_NAME.as_ptr()) };
    let owner = Imported(managed);
    // SAFETY: the producer keeps `len` elements valid until its deleter runs (owner drop).
    let storage = unsafe { Storage::from_raw(data, len, dtype, true, Box::new(owner)) };
    let t = Tensor::from_storage(storage, layout, dtype).py()?;
    Ok(Py::new(py, PyTensor::wrap(t))?.into_any())
}
