//! The GPU backend: [`Backend`] over the CUDA driver API (cudarc's `result`
//! layer), all work on the device's legacy default stream.
//!
//! Why the legacy default stream: every copy and launch is then ordered
//! after the previous one without events, the synchronous copies wait for
//! queued kernels by themselves, and the caching allocator can hand a freed
//! block to the next request at once (the request's kernels run after the
//! freed block's last user). Multi-stream work is left for later.
//!
//! Every call first makes the device's primary context current on the
//! calling thread: Python may call from any thread.

use crate::backend::{
    Backend, DeviceInfo, DeviceMemory, DevicePtr, Gemm, KernelArg, LaunchConfig, Module,
};
use crate::cublas;
use crate::error::{Error, Result};
use crate::guard::guarded;
use crate::kernels::KernelSource;
use crate::runtime::check_device;
use cudarc::driver::sys::{CUdevice_attribute, CUresult, CUstream};
use cudarc::driver::{result, CudaContext, CudaFunction, CudaModule, DriverError};
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::{Arc, Mutex};

/// The legacy default stream.
const STREAM: CUstream = std::ptr::null_mut();

fn driver_error(call: &'static str) -> impl Fn(DriverError) -> Error {
    move |e| Error::Driver {
        call,
        message: e.to_string(),
    }
}

/// One GPU.
pub struct DriverDevice {
    ctx: Arc<CudaContext>,
    info: DeviceInfo,
    /// NVRTC's virtual architecture for this device, e.g. `compute_90`.
    arch: &'static str,
    // Made at the first matmul (loading cuBLAS takes a while); calls on a
    // handle are serialised.
    blas: Mutex<Option<cublas::Handle>>,
}

impl DriverDevice {
    /// Opens device `index` (its primary context, as the runtime API uses).
    pub fn new(index: usize) -> Result<DriverDevice> {
        check_device(index)?;
        let ctx = guarded("cuDevicePrimaryCtxRetain", || CudaContext::new(index))?
            .map_err(driver_error("cuDevicePrimaryCtxRetain"))?;
        let name = ctx.name().map_err(driver_error("cuDeviceGetName"))?;
        let total_memory = ctx.total_mem().map_err(driver_error("cuDeviceTotalMem"))?;
        let (major, minor) = ctx
            .compute_capability()
            .map_err(driver_error("cuDeviceGetAttribute"))?;
        let sms = ctx
            .attribute(CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
            .map_err(driver_error("cuDeviceGetAttribute"))?;
        let arch = compute_arch(major, minor);
        Ok(DriverDevice {
            ctx,
            info: DeviceInfo {
                name,
                total_memory,
                multi_processor_count: sms.max(1) as u32,
                major: major as u32,
                minor: minor as u32,
            },
            arch,
            blas: Mutex::new(None),
        })
    }

    fn bind(&self) -> Result<()> {
        self.ctx
            .bind_to_thread()
            .map_err(driver_error("cuCtxSetCurrent"))
    }
}

/// NVRTC's `--gpu-architecture` for a compute capability. Interned, since
/// cudarc's options take `&'static str`; there are few distinct values.
fn compute_arch(major: i32, minor: i32) -> &'static str {
    static SEEN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let name = format!("compute_{major}{minor}");
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(s) = seen.iter().find(|s| **s == name) {
        return s;
    }
    let s: &'static str = Box::leak(name.into_boxed_str());
    seen.push(s);
    s
}

impl DeviceMemory for DriverDevice {
    fn malloc(&self, nbytes: usize) -> Result<Option<DevicePtr>> {
        self.bind()?;
        // SAFETY: a plain allocation in the current (bound) context.
        match unsafe { result::malloc_sync(nbytes) } {
            Ok(ptr) => Ok(Some(ptr)),
            Err(e) if e.0 == CUresult::CUDA_ERROR_OUT_OF_MEMORY => Ok(None),
            Err(e) => Err(driver_error("cuMemAlloc")(e)),
        }
    }

    fn free(&self, ptr: DevicePtr) -> Result<()> {
        self.bind()?;
        // SAFETY: `ptr` came from `malloc` (the allocator's contract);
        // cuMemFree waits for the work that may still use it.
        unsafe { result::free_sync(ptr) }.map_err(driver_error("cuMemFree"))
    }

    fn mem_get_info(&self) -> Result<(usize, usize)> {
        self.bind()?;
        result::mem_get_info().map_err(driver_error("cuMemGetInfo"))
    }
}

impl Backend for DriverDevice {
    fn info(&self) -> &DeviceInfo {
        &self.info
    }

    fn copy_htod(&self, dst: DevicePtr, src: &[u8]) -> Result<()> {
        if src.is_empty() {
            return Ok(());
        }
        self.bind()?;
        // SAFETY: the caller owns `src.len()` bytes at `dst`; the synchronous
        // copy has finished reading `src` when it returns.
        unsafe { result::memcpy_htod_sync(dst, src) }.map_err(driver_error("cuMemcpyHtoD"))
    }

    fn copy_dtoh(&self, dst: &mut [u8], src: DevicePtr) -> Result<()> {
        if dst.is_empty() {
            return Ok(());
        }
        self.bind()?;
        // SAFETY: `dst.len()` bytes at `src` belong to the caller; the copy on
        // the legacy stream runs after all queued kernels.
        unsafe { result::memcpy_dtoh_sync(dst, src) }.map_err(driver_error("cuMemcpyDtoH"))
    }

    fn copy_dtod(&self, dst: DevicePtr, src: DevicePtr, nbytes: usize) -> Result<()> {
        if nbytes == 0 {
            return Ok(());
        }
        self.bind()?;
        // SAFETY: both ranges belong to the caller and are `nbytes` long.
        unsafe { result::memcpy_dtod_async(dst, src, nbytes, STREAM) }
            .map_err(driver_error("cuMemcpyDtoD"))
    }

    fn load_module(&self, source: &KernelSource) -> Result<Box<dyn Module>> {
        // Machine code for this GPU (see `compile_cubin`); PTX for the
        // device's virtual architecture when NVRTC does not know the GPU.
        let sm = format!("sm_{}{}", self.info.major, self.info.minor);
        let ptx = match crate::compile::compile_cubin(&source.module, &source.source, &sm) {
            Ok(cubin) => cudarc::nvrtc::Ptx::from_binary(cubin),
            Err(Error::Compile { log, .. }) if log.contains("gpu-architecture") => {
                crate::compile::compile_for(&source.module, &source.source, Some(self.arch))?
            }
            Err(e) => return Err(e),
        };
        self.bind()?;
        let module = self
            .ctx
            .load_module(ptx)
            .map_err(driver_error("cuModuleLoadData"))?;
        Ok(Box::new(DriverModule {
            ctx: self.ctx.clone(),
            module,
            functions: Mutex::new(HashMap::new()),
        }))
    }

    fn gemm(&self, g: &Gemm) -> Result<()> {
        if g.batch == 0 || g.m == 0 || g.n == 0 {
            return Ok(());
        }
        self.bind()?;
        let mut blas = self.blas.lock().unwrap_or_else(|p| p.into_inner());
        if blas.is_none() {
            *blas = Some(cublas::Handle::new()?);
        }
        let h = blas.as_ref().expect("just set");
        if g.k == 0 {
            // cuBLAS leaves C alone when k == 0; PyTorch's result is zeros.
            let bytes = g.batch * g.m * g.n * g.dtype.size();
            // SAFETY: `c` holds `bytes` bytes owned by the caller.
            return unsafe { result::memset_d8_async(g.c, 0, bytes, STREAM) }
                .map_err(driver_error("cuMemsetD8"));
        }
        cublas::gemm(h, g)
    }

    fn synchronize(&self) -> Result<()> {
        self.ctx
            .synchronize()
            .map_err(driver_error("cuCtxSynchronize"))
    }
}

/// A module loaded on one GPU; functions are looked up once, at first launch.
struct DriverModule {
    ctx: Arc<CudaContext>,
    module: Arc<CudaModule>,
    functions: Mutex<HashMap<String, CudaFunction>>,
}

impl Module for DriverModule {
    fn launch(&self, name: &str, cfg: LaunchConfig, args: &[KernelArg]) -> Result<()> {
        let launch_error = |message: String| Error::Launch {
            kernel: name.to_string(),
            message,
        };
        if cfg.grid == 0 || cfg.block == 0 || cfg.block > 1024 {
            return Err(launch_error(format!(
                "invalid launch configuration {cfg:?}"
            )));
        }
        let f = {
            let mut functions = self.functions.lock().unwrap_or_else(|p| p.into_inner());
            match functions.get(name) {
                Some(f) => f.cu_function(),
                None => {
                    let f = self
                        .module
                        .load_function(name)
                        .map_err(|e| launch_error(e.to_string()))?;
                    let raw = f.cu_function();
                    functions.insert(name.to_string(), f);
                    raw
                }
            }
        };
        self.ctx
            .bind_to_thread()
            .map_err(driver_error("cuCtxSetCurrent"))?;
        let mut params: Vec<*mut c_void> = args.iter().map(KernelArg::as_param).collect();
        // SAFETY: `params` points at `args`, alive for the call (the driver
        // copies argument values at launch); the kernel's signature matches
        // the arguments because both come from the same naming functions.
        unsafe {
            result::launch_kernel(
                f,
                (cfg.grid, 1, 1),
                (cfg.block, 1, 1),
                cfg.shared_mem_bytes,
                STREAM,
                &mut params,
            )
        }
        .map_err(|e| launch_error(e.to_string()))
    }
}
