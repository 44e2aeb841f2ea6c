//! NVRTC: CUDA C source to PTX, at run time. Needs libnvrtc, not a GPU.

use crate::error::{Error, Result};
use crate::guard::guarded;
use crate::libs::CudaLib;
use cudarc::nvrtc::{compile_ptx_with_opts, CompileError, CompileOptions, Ptx};

/// Compiles one module's source to PTX for NVRTC's default architecture.
/// `module` names it in errors. Fails with [`Error::NvrtcMissing`] (not a
/// panic) when libnvrtc cannot be found.
pub fn compile(module: &str, source: &str) -> Result<Ptx> {
    compile_for(module, source, None)
}

/// As [`compile`], for a given virtual architecture such as
/// `"compute_90"` (the GPU session passes the device's own).
pub fn compile_for(module: &str, source: &str, arch: Option<&'static str>) -> Result<Ptx> {
    if !CudaLib::Nvrtc.is_present() {
        return Err(Error::NvrtcMissing);
    }
    let opts = CompileOptions {
        name: Some(format!("{module}.cu")),
        arch,
        // Kernels are written in C++17 (templates, `if constexpr`).
        options: vec!["--std=c++17".into()],
        ..Default::default()
    };
    guarded("nvrtcCompileProgram", || {
        compile_ptx_with_opts(source, opts)
    })?
    .map_err(|e| match e {
        CompileError::CompileError { log, .. } => Error::Compile {
            module: module.to_string(),
            log: log.to_string_lossy().into_owned(),
        },
        other => Error::Compile {
            module: module.to_string(),
            log: format!("{other:?}"),
        },
    })
}

/// Compiles one module to a CUBIN (machine code) for a real architecture
/// such as `"sm_90"`.
///
/// The GPU backend loads CUBINs rather than PTX: PTX made by a newer NVRTC
/// than the driver (NVRTC 13.2 from PyPI on a 13.0 driver, say) is refused
/// by the driver's JIT, while machine code runs under CUDA's minor-version
/// compatibility.
pub fn compile_cubin(module: &str, source: &str, arch: &str) -> Result<Vec<u8>> {
    use cudarc::nvrtc::{result, sys};
    use std::ffi::{c_char, CString};
    if !CudaLib::Nvrtc.is_present() {
        return Err(Error::NvrtcMissing);
    }
    let failed = |what: &str, e: &dyn std::fmt::Debug| Error::Compile {
        module: module.to_string(),
        log: format!("{what}: {e:?}"),
    };
    let src = CString::new(source).map_err(|e| failed("source", &e))?;
    let name = CString::new(format!("{module}.cu")).map_err(|e| failed("name", &e))?;
    guarded("nvrtcCompileProgram", || {
        let prog = result::create_program(&src, Some(&name))
            .map_err(|e| failed("nvrtcCreateProgram", &e))?;
        let opts = [
            format!("--gpu-architecture={arch}"),
            "--std=c++17".to_string(),
        ];
        // SAFETY: `prog` was just created and is destroyed exactly once below.
        let out = unsafe {
            match result::compile_program(prog, &opts) {
                Err(_) => {
                    let log = result::get_program_log(prog)
                        .map(|l| {
                            std::ffi::CStr::from_ptr(l.as_ptr())
                                .to_string_lossy()
                                .into_owned()
                        })
                        .unwrap_or_default();
                    Err(Error::Compile {
                        module: module.to_string(),
                        log,
                    })
                }
                Ok(()) => {
                    let mut size = 0usize;
                    sys::nvrtcGetCUBINSize(prog, &mut size)
                        .result()
                        .map_err(|e| failed("nvrtcGetCUBINSize", &e))
                        .and_then(|()| {
                            let mut buf = vec![0 as c_char; size];
                            sys::nvrtcGetCUBIN(prog, buf.as_mut_ptr())
                                .result()
                                .map_err(|e| failed("nvrtcGetCUBIN", &e))
                                .map(|()| buf.into_iter().map(|b| b as u8).collect::<Vec<u8>>())
                        })
                }
            }
        };
        // SAFETY: created above, not destroyed yet.
        let _ = unsafe { result::destroy_program(prog) };
        out
    })?
}
