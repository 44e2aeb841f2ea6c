//! Finding the CUDA shared libraries at run time without panicking.
//!
//! cudarc dlopens each library by file name only (so the loader searches
//! LD_LIBRARY_PATH and the ld cache) and panics when none loads. Libraries
//! shipped in PyPI wheels (`site-packages/nvidia/cu13/lib`) are on neither,
//! so, as PyTorch does, we first dlopen them by full path: once a library
//! with soname `libnvrtc.so.13` is loaded, the loader answers cudarc's later
//! `dlopen("libnvrtc.so.13")` with that same copy.
//!
//! Directories come from `FERROTORCH_CUDA_LIB_PATH` (colon-separated; for
//! Rust programs and the test script) and from [`add_library_dir`] (the
//! Python package registers its `site-packages/nvidia/cu13/lib`). Loading is
//! lazy, at the first probe, so importing ferrotorch stays cheap.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Environment variable naming extra directories holding CUDA libraries.
pub const LIB_PATH_ENV: &str = "FERROTORCH_CUDA_LIB_PATH";

/// The CUDA libraries the backend uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CudaLib {
    /// libcuda: the driver API. Comes with the NVIDIA driver, never a wheel.
    Driver,
    /// libnvrtc: the run-time compiler for the kernel sources.
    Nvrtc,
    /// libcublas: matmul.
    Cublas,
}

impl CudaLib {
    /// The file name (soname) cudarc's CUDA 13 build ends up loading.
    pub fn soname(self) -> &'static str {
        match self {
            CudaLib::Driver => "libcuda.so.1",
            CudaLib::Nvrtc => "libnvrtc.so.13",
            CudaLib::Cublas => "libcublas.so.13",
        }
    }

    /// Whether cudarc will find this library, after preloading any copy in
    /// the registered directories. Never panics.
    pub fn is_present(self) -> bool {
        // A failed preload (a corrupt file, say) leaves the plain probe to decide.
        let _ = preload(self);
        // SAFETY: these only try dlopen on candidate names and close them.
        unsafe {
            match self {
                CudaLib::Driver => cudarc::driver::sys::is_culib_present(),
                CudaLib::Nvrtc => cudarc::nvrtc::sys::is_culib_present(),
                CudaLib::Cublas => cudarc::cublas::sys::is_culib_present(),
            }
        }
    }
}

struct State {
    dirs: Vec<PathBuf>,
    /// Handles kept open for the life of the process: closing one would let
    /// the loader forget the soname cudarc relies on.
    loaded: Vec<(PathBuf, libloading::Library)>,
}

static STATE: Mutex<State> = Mutex::new(State {
    dirs: Vec::new(),
    loaded: Vec::new(),
});

fn state() -> std::sync::MutexGuard<'static, State> {
    // A poisoned lock only means a panic elsewhere; the list is still valid.
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Registers a directory to search for the CUDA libraries (idempotent).
pub fn add_library_dir(dir: impl AsRef<Path>) {
    let dir = dir.as_ref().to_path_buf();
    let mut st = state();
    if !st.dirs.contains(&dir) {
        st.dirs.push(dir);
    }
}

/// The directories searched: the environment variable's, then registered ones.
pub fn library_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os(LIB_PATH_ENV)
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    for d in &state().dirs {
        if !dirs.contains(d) {
            dirs.push(d.clone());
        }
    }
    dirs
}

/// Loads `lib` by full path from the first searched directory that has it.
/// Returns the path loaded (or already loaded), `None` when no directory has it.
pub fn preload(lib: CudaLib) -> Result<Option<PathBuf>> {
    for dir in library_dirs() {
        let path = dir.join(lib.soname());
        if !path.is_file() {
            continue;
        }
        let mut st = state();
        if st.loaded.iter().any(|(p, _)| *p == path) {
            return Ok(Some(path));
        }
        // SAFETY: loading a CUDA library runs only its own initialisers.
        let handle = unsafe { libloading::Library::new(&path) }.map_err(|e| Error::Load {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        st.loaded.push((path.clone(), handle));
        return Ok(Some(path));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_the_library_is_skipped() {
        add_library_dir(std::env::temp_dir());
        add_library_dir(std::env::temp_dir());
        assert_eq!(
            library_dirs()
                .iter()
                .filter(|d| **d == std::env::temp_dir())
                .count(),
            1
        );
        assert_eq!(preload(CudaLib::Driver), Ok(None));
    }

    #[test]
    fn a_file_that_is_not_a_library_is_an_error_not_a_panic() {
        let dir = std::env::temp_dir().join(format!("ft-cuda-fake-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(CudaLib::Cublas.soname()), b"not an ELF file").unwrap();
        add_library_dir(&dir);
        // A real copy earlier on FERROTORCH_CUDA_LIB_PATH may win; the fake never loads.
        match preload(CudaLib::Cublas) {
            Err(e) => assert!(matches!(e, Error::Load { .. })),
            Ok(found) => assert!(!found.is_some_and(|p| p.starts_with(&dir))),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
