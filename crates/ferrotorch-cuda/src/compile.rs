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
