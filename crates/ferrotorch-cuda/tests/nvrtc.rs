//! Compiles every kernel module with NVRTC: no GPU needed, only libnvrtc
//! (scripts/test.sh installs the `nvidia-cuda-nvrtc` wheel and points
//! FERROTORCH_CUDA_LIB_PATH at it). Without libnvrtc the test is skipped,
//! unless FERROTORCH_REQUIRE_NVRTC=1 (set by the test script, so CI cannot
//! silently skip it).

use ferrotorch_cuda::{compile, compile_cubin, kernels, nvrtc_available, Error};
mod common;

fn nvrtc_or_skip() -> bool {
    if nvrtc_available() {
        return true;
    }
    let required = std::env::var("FERROTORCH_REQUIRE_NVRTC").is_ok_and(|v| v == "1");
    assert!(!required, "FERROTORCH_REQUIRE_NVRTC=1 but libnvrtc.so.13 was not found (FERROTORCH_CUDA_LIB_PATH={:?})", std::env::var(ferrotorch_cuda::LIB_PATH_ENV));
    eprintln!("skipped: libnvrtc.so.13 not found");
    false
}

#[test]
fn every_kernel_module_compiles_to_ptx_with_all_its_entry_points() {
    if !nvrtc_or_skip() {
        return;
    }
    let failures = common::problems_in_parallel(&kernels::all(), check_module);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Compiles one module; the problems found, as messages.
fn check_module(module: &kernels::KernelSource) -> Vec<String> {
    let ptx = match compile(&module.module, &module.source) {
        Ok(ptx) => ptx.to_src(),
        Err(e) => return vec![e.to_string()],
    };
    let entries = module.entry_points();
    if entries.is_empty() {
        return vec![format!("module {} defines no kernels", module.module)];
    }
    entries
        .into_iter()
        .filter(|name| !ptx.contains(&format!(".entry {name}(")))
        .map(|name| format!("module {} lacks kernel {name} in its PTX", module.module))
        .collect()
}

#[test]
fn a_syntax_error_is_reported_with_the_compiler_log() {
    if !nvrtc_or_skip() {
        return;
    }
    let err = compile(
        "broken",
        "extern \"C\" __global__ void k(float* x) { x[0] = ; }",
    )
    .unwrap_err();
    match err {
        Error::Compile { module, log } => {
            assert_eq!(module, "broken");
            assert!(log.contains("broken.cu"), "{log}");
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn modules_compile_to_machine_code_for_hopper() {
    // What the GPU backend loads: a CUBIN for the device's own sm_XY.
    if !nvrtc_or_skip() {
        return;
    }
    for module in [
        kernels::softmax::softmax_module(),
        kernels::random::random_module(),
    ] {
        let cubin = compile_cubin(&module.module, &module.source, "sm_90").unwrap();
        // An ELF image.
        assert_eq!(&cubin[..4], b"\x7fELF", "module {}", module.module);
    }
    let err = compile_cubin(
        "broken",
        "extern \"C\" __global__ void k(float* x) { x[0] = ; }",
        "sm_90",
    )
    .unwrap_err();
    assert!(matches!(err, Error::Compile { .. }), "{err:?}");
}
