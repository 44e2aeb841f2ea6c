//! Turning C++ text into a loadable shared library with the host compiler,
//! cached on disk by a hash of everything that determines the result.
//!
//! The cache lives in `$FERROTORCH_CUDA_EMULATOR_CACHE`, else in
//! `<temp dir>/ferrotorch-cuda-emulator-<uid>`. Files are written under a
//! unique temporary name and renamed into place, so processes and test
//! threads building the same module at once never see a half-written file.
//! Nothing is ever evicted: delete the directory to clear it.

use crate::error::{Error, Result};
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// Overrides the directory of compiled modules.
pub const CACHE_ENV: &str = "FERROTORCH_CUDA_EMULATOR_CACHE";

/// Flags of every build. `-fvisibility=hidden` keeps each module's copies
/// of the prelude out of the dynamic symbol table (only `FT_EMU_API`
/// symbols are exported); no exceptions, since fibers switch stacks with
/// `_longjmp` and nothing may unwind across that.
const FLAGS: &[&str] = &[
    "-std=c++17",
    "-O1",
    "-shared",
    "-fPIC",
    "-DFT_EMULATOR",
    "-fvisibility=hidden",
    "-fno-exceptions",
    "-fno-math-errno",
    "-U_FORTIFY_SOURCE",
    "-w",
    // A shadow stack (CET) would reject the fiber switches.
    #[cfg(target_arch = "x86_64")]
    "-fcf-protection=none",
    // Modules refer to the runtime library's symbols, resolved at load.
    #[cfg(target_os = "macos")]
    "-undefined",
    #[cfg(target_os = "macos")]
    "dynamic_lookup",
];

/// 64-bit FNV-1a: a stable hash (unlike `DefaultHasher`, whose algorithm
/// may change between Rust releases), good enough to name cache files.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The host C++ compiler: `$CXX` (which may carry arguments, like
/// `ccache g++`) or `c++`.
#[derive(Debug)]
pub struct Compiler {
    program: OsString,
    args: Vec<OsString>,
    /// First line of `--version`: part of every cache key, so switching
    /// compilers never loads another compiler's output.
    identity: String,
}

impl Compiler {
    /// Finds the compiler named by `$CXX`, else `c++`.
    pub fn find() -> Result<Compiler> {
        match std::env::var("CXX") {
            Ok(cxx) if !cxx.trim().is_empty() => Compiler::from_command(&cxx),
            _ => Compiler::from_command("c++"),
        }
    }

    /// The compiler run by `command` (a program and its leading arguments,
    /// split on whitespace); fails when it does not run.
    pub fn from_command(command: &str) -> Result<Compiler> {
        let mut words = command.split_whitespace().map(OsString::from);
        let program = words
            .next()
            .ok_or_else(|| Error::Emulator("the C++ compiler command is empty".into()))?;
        let args: Vec<OsString> = words.collect();
        let out = Command::new(&program)
            .args(&args)
            .arg("--version")
            .output()
            .map_err(|e| {
                Error::Emulator(format!(
                    "no host C++ compiler: could not run `{command}` ({e}); install g++ or clang++, or set CXX"
                ))
            })?;
        if !out.status.success() {
            return Err(Error::Emulator(format!(
                "the host C++ compiler `{command} --version` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let identity = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        Ok(Compiler {
            program,
            args,
            identity,
        })
    }

    /// The cache key of `text` built by this compiler.
    pub fn key(&self, text: &str) -> u64 {
        let mut all = Vec::with_capacity(text.len() + 256);
        all.extend_from_slice(self.identity.as_bytes());
        for f in FLAGS {
            all.push(0);
            all.extend_from_slice(f.as_bytes());
        }
        all.push(0);
        all.extend_from_slice(text.as_bytes());
        fnv1a64(&all)
    }

    /// The shared library built from `text`, from the cache when present
    /// (unless `rebuild`). `name` names the files and errors.
    pub fn build(&self, name: &str, text: &str, rebuild: bool) -> Result<PathBuf> {
        let dir = cache_dir()?;
        let stem = format!("{}-{:016x}", sanitize(name), self.key(text));
        let lib = dir.join(format!("{stem}.so"));
        if !rebuild && lib.is_file() {
            return Ok(lib);
        }
        // The source stays next to the library: compiler messages and
        // debuggers point into it.
        let source = dir.join(format!("{stem}.cpp"));
        write_atomically(&source, text.as_bytes())?;
        let tmp = unique_tmp(&dir, &stem, "so");
        let out = Command::new(&self.program)
            .args(&self.args)
            .args(FLAGS)
            .arg("-o")
            .arg(&tmp)
            .arg(&source)
            .output()
            .map_err(|e| Error::Emulator(format!("could not run the host C++ compiler: {e}")))?;
        if !out.status.success() {
            let _ = fs::remove_file(&tmp);
            return Err(Error::Emulator(format!(
                "the host C++ compiler failed on module '{name}' ({}):\n{}",
                source.display(),
                String::from_utf8_lossy(&out.stderr).trim_end()
            )));
        }
        fs::rename(&tmp, &lib).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_error("could not move the compiled module into the cache", &lib, e)
        })?;
        Ok(lib)
    }
}

/// Characters safe in a file name; the hash keeps names unique anyway.
fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A name in `dir` that no other thread or process uses right now.
fn unique_tmp(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{stem}.tmp{}-{n}.{ext}", std::process::id()))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = unique_tmp(dir, &stem, "part");
    let written = fs::File::create(&tmp).and_then(|mut f| f.write_all(bytes));
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(io_error("could not write", path, e));
    }
    Ok(())
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Emulator(format!("{what} {}: {e}", path.display()))
}

/// The current user's id: the owner of `/proc/self` (no libc needed).
fn current_uid() -> Option<u32> {
    fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// The cache directory, created if needed.
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        fs::create_dir_all(&dir).map_err(|e| io_error("could not create", &dir, e))?;
        return Ok(dir);
    }
    let uid = current_uid();
    let who = match uid {
        Some(uid) => uid.to_string(),
        None => sanitize(&std::env::var("USER").unwrap_or_else(|_| "user".into())),
    };
    let dir = std::env::temp_dir().join(format!("ferrotorch-cuda-emulator-{who}"));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| io_error("could not create", &dir, e))?;
    // The temp dir is shared: loading a library that another user could
    // have planted there would run their code.
    let meta = fs::symlink_metadata(&dir).map_err(|e| io_error("could not inspect", &dir, e))?;
    let foreign = uid.is_some_and(|uid| meta.uid() != uid);
    if !meta.is_dir() || foreign || meta.mode() & 0o022 != 0 {
        return Err(Error::Emulator(format!(
            "refusing to use the module cache {}: it is not a directory owned by and writable only by the current user (set {CACHE_ENV} to use another)",
            dir.display()
        )));
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_missing_compiler_is_an_error_not_a_panic() {
        let err = Compiler::from_command("/nonexistent/ferrotorch-c++").unwrap_err();
        assert!(
            matches!(&err, Error::Emulator(m) if m.contains("no host C++ compiler")),
            "{err}"
        );
        assert!(matches!(
            Compiler::from_command("   "),
            Err(Error::Emulator(_))
        ));
    }

    #[test]
    fn names_are_sanitized_for_the_file_system() {
        assert_eq!(sanitize("copy_float32"), "copy_float32");
        assert_eq!(sanitize("a/b c.d"), "a_b_c_d");
    }
}
