//! Loading modules and launching their kernels.
//!
//! One process-wide [`Toolchain`]: the host compiler, the runtime library
//! (`shim.hpp` + `runtime.cpp`, loaded with `RTLD_GLOBAL` so that every
//! module binds to the same built-in variables and fiber pool), and the
//! modules loaded so far, kept for the life of the process.

use super::build::{fnv1a64, Compiler};
use super::memory::HostMemory;
use super::source::{module_text, SHIM};
use super::trampoline::{self, Signature};
use crate::backend::{KernelArg, LaunchConfig, Module};
use crate::error::{Error, Result};
use crate::kernels::KernelSource;
use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_LOCAL, RTLD_NOW};
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

const RUNTIME: &str = include_str!("runtime.cpp");

/// Most threads per block, as on every CUDA GPU since Fermi.
pub const MAX_BLOCK: u32 = 1024;
/// CUDA's default limit on dynamic shared memory per block.
pub const MAX_DYNAMIC_SHARED: u32 = 48 * 1024;

type EntryFn = unsafe extern "C" fn(*mut *mut c_void);
type LaunchFn =
    unsafe extern "C" fn(EntryFn, *mut *mut c_void, u32, u32, u32, *mut c_char, usize) -> c_int;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section below leaves its map consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn load_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Emulator(format!("could not load {}: {e}", path.display()))
}

/// Loads the library built from `text`; a cached file that fails to load
/// (truncated by a full disk, say) is rebuilt once.
fn build_and_open(compiler: &Compiler, name: &str, text: &str, flags: c_int) -> Result<Library> {
    let open = |path: &Path| {
        // SAFETY: our own generated code; its only initialisers are those
        // of the C++ runtime (none run kernel code).
        unsafe { Library::open(Some(path), flags) }.map_err(|e| load_error(path, e))
    };
    let path = compiler.build(name, text, false)?;
    match open(&path) {
        Ok(lib) => Ok(lib),
        Err(_) => open(&compiler.build(name, text, true)?),
    }
}

/// A kernel of a loaded module.
struct Kernel {
    entry: EntryFn,
    sig: Signature,
    sizes: Vec<usize>,
}

/// A compiled and loaded module: its kernels by name.
pub struct LoadedModule {
    name: String,
    kernels: HashMap<String, Kernel>,
    /// Keeps the code of `kernels` mapped.
    _lib: Library,
}

impl LoadedModule {
    fn open(compiler: &Compiler, source: &KernelSource) -> Result<LoadedModule> {
        let bad_source = |e: String| Error::Emulator(format!("module '{}': {e}", source.module));
        let sigs = trampoline::parse_kernels(&source.source).map_err(bad_source)?;
        let text = module_text(source, &sigs).map_err(bad_source)?;
        let lib = build_and_open(compiler, &source.module, &text, RTLD_NOW | RTLD_LOCAL)?;
        let missing = |sym: &str, e: libloading::Error| {
            Error::Emulator(format!("module '{}' lacks {sym}: {e}", source.module))
        };
        // SAFETY: the generated table ends with a 0 after all parameters.
        let sizes: *const u32 = unsafe {
            *lib.get::<*const u32>(trampoline::SIZES_SYMBOL)
                .map_err(|e| missing(trampoline::SIZES_SYMBOL, e))?
        };
        let mut kernels = HashMap::new();
        let mut at = 0usize;
        for sig in sigs {
            let sym = trampoline::entry_symbol(&sig.name);
            // SAFETY: generated as `void ft_emu_entry_<name>(void**)`.
            let entry: EntryFn =
                unsafe { *lib.get::<EntryFn>(&sym).map_err(|e| missing(&sym, e))? };
            let n = sig.params.len();
            // SAFETY: the table holds every kernel's parameters, in order.
            let sizes = (at..at + n)
                .map(|i| unsafe { *sizes.add(i) } as usize)
                .collect();
            at += n;
            kernels.insert(sig.name.clone(), Kernel { entry, sig, sizes });
        }
        Ok(LoadedModule {
            name: source.module.clone(),
            kernels,
            _lib: lib,
        })
    }
}

/// A module once loaded; locked while it builds.
type ModuleSlot = Mutex<Option<Arc<LoadedModule>>>;

/// The compiler, the runtime, and every module loaded in this process.
pub struct Toolchain {
    compiler: Compiler,
    launch: LaunchFn,
    /// Slots by text key, each locked while its module builds so that two
    /// threads asking for the same module compile it once.
    modules: Mutex<HashMap<u64, Arc<ModuleSlot>>>,
    _runtime: Library,
}

impl Toolchain {
    /// The process's toolchain, set up on first success (a failure, such as
    /// no compiler, is retried by the next call).
    pub fn get() -> Result<Arc<Toolchain>> {
        static TOOLCHAIN: Mutex<Option<Arc<Toolchain>>> = Mutex::new(None);
        let mut slot = lock(&TOOLCHAIN);
        if let Some(t) = slot.as_ref() {
            return Ok(t.clone());
        }
        let compiler = Compiler::find()?;
        let text = format!("{SHIM}\n#line 1 \"runtime.cpp\"\n{RUNTIME}");
        let runtime = build_and_open(&compiler, "runtime", &text, RTLD_NOW | RTLD_GLOBAL)?;
        // SAFETY: defined in runtime.cpp with exactly this signature.
        let launch: LaunchFn = unsafe {
            *runtime.get::<LaunchFn>("ft_emu_launch").map_err(|e| {
                Error::Emulator(format!("the emulator runtime lacks ft_emu_launch: {e}"))
            })?
        };
        let t = Arc::new(Toolchain {
            compiler,
            launch,
            modules: Mutex::new(HashMap::new()),
            _runtime: runtime,
        });
        *slot = Some(t.clone());
        Ok(t)
    }

    /// The loaded module for `source`, compiled (or taken from the disk
    /// cache) on first use.
    pub fn module(&self, source: &KernelSource) -> Result<Arc<LoadedModule>> {
        let key = fnv1a64(format!("{}\0{}", source.module, source.source).as_bytes());
        let slot = lock(&self.modules).entry(key).or_default().clone();
        let mut slot = lock(&slot);
        if let Some(m) = slot.as_ref() {
            return Ok(m.clone());
        }
        let m = Arc::new(LoadedModule::open(&self.compiler, source)?);
        *slot = Some(m.clone());
        Ok(m)
    }
}

/// A module as the [`Module`] trait hands it out: bound to the memory of
/// the device that loaded it, to check pointer arguments.
pub struct EmulatedModule {
    pub(super) module: Arc<LoadedModule>,
    pub(super) memory: Arc<HostMemory>,
    pub(super) toolchain: Arc<Toolchain>,
}

/// What CUDA would refuse at launch time.
fn check_config(cfg: &LaunchConfig) -> std::result::Result<(), String> {
    if cfg.grid == 0 || cfg.grid > i32::MAX as u32 {
        return Err(format!(
            "invalid grid size {} (1..=2^31-1 blocks)",
            cfg.grid
        ));
    }
    if cfg.block == 0 || cfg.block > MAX_BLOCK {
        return Err(format!(
            "invalid block size {} (1..={MAX_BLOCK} threads)",
            cfg.block
        ));
    }
    if cfg.shared_mem_bytes > MAX_DYNAMIC_SHARED {
        return Err(format!(
            "{} bytes of dynamic shared memory requested, at most {MAX_DYNAMIC_SHARED}",
            cfg.shared_mem_bytes
        ));
    }
    Ok(())
}

impl Module for EmulatedModule {
    fn launch(&self, name: &str, cfg: LaunchConfig, args: &[KernelArg]) -> Result<()> {
        let fail = |message: String| Error::Launch {
            kernel: name.to_string(),
            message,
        };
        let kernel = self.module.kernels.get(name).ok_or_else(|| {
            fail(format!(
                "no kernel named '{name}' in module '{}'",
                self.module.name
            ))
        })?;
        check_config(&cfg).map_err(fail)?;
        trampoline::check_args(&kernel.sig, &kernel.sizes, args).map_err(fail)?;
        for (i, a) in args.iter().enumerate() {
            if let KernelArg::Ptr(p) = *a {
                if !self.memory.is_valid_kernel_pointer(p) {
                    return Err(fail(format!(
                        "argument {i} (`{}`) is {p:#x}, which is not in a live allocation of this device (freed, or never allocated)",
                        kernel.sig.params[i].name
                    )));
                }
            }
        }
        // `args` stays borrowed, so the addresses stay valid for the call.
        let mut params: Vec<*mut c_void> = args.iter().map(KernelArg::as_param).collect();
        let mut err = [0 as c_char; 1024];
        // SAFETY: `params` has one pointer per kernel parameter, each to a
        // value of the size the compiler gave that parameter (checked
        // above); the runtime writes a NUL-terminated message into `err`.
        let rc = unsafe {
            (self.toolchain.launch)(
                kernel.entry,
                params.as_mut_ptr(),
                cfg.grid,
                cfg.block,
                cfg.shared_mem_bytes,
                err.as_mut_ptr(),
                err.len(),
            )
        };
        if rc == 0 {
            return Ok(());
        }
        // SAFETY: NUL-terminated by the runtime's snprintf.
        let message = unsafe { CStr::from_ptr(err.as_ptr()) };
        Err(fail(message.to_string_lossy().into_owned()))
    }
}
