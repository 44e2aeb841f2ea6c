//! The C++ text the emulator compiles for a module: the shim, the kernel
//! source (with its one construct the shim cannot express rewritten), and
//! the generated launch trampolines.
//!
//! That construct is dynamic shared memory, `extern __shared__ T name[];`:
//! its size is set per launch, so no host variable can stand for it.
//! Inside a function it becomes `T* const name = <this launch's buffer>;`,
//! on the same line, so compiler messages keep their line numbers.

use super::trampoline::{self, Signature};
use crate::kernels::KernelSource;

/// The header placed before every module and the runtime.
pub const SHIM: &str = include_str!("shim.hpp");

/// The full text of `source`'s module. The `#line` makes compiler
/// messages point at `<module>.cu` lines of the kernel source.
pub fn module_text(source: &KernelSource, sigs: &[Signature]) -> Result<String, String> {
    Ok(format!(
        "{SHIM}\n#line 1 \"{}.cu\"\n{}\n{}",
        source.module,
        rewrite_dynamic_shared(&source.source)?,
        trampoline::trampolines(sigs)
    ))
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// If `src[at..]` starts with the keyword `word` (not part of a longer
/// identifier), the index just after it.
fn keyword_at(src: &[u8], at: usize, word: &str) -> Option<usize> {
    let end = at + word.len();
    let before_ok = at == 0 || !is_ident(src[at - 1]);
    let after_ok = src.get(end).is_none_or(|&c| !is_ident(c));
    (src[at..].starts_with(word.as_bytes()) && before_ok && after_ok).then_some(end)
}

/// `extern __shared__` declarations rewritten (see the module docs);
/// comments, strings and character literals are left alone.
pub fn rewrite_dynamic_shared(src: &str) -> Result<String, String> {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let (mut i, mut copied, mut depth) = (0usize, 0usize, 0i64);
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = src[i..].find('\n').map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = src[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                i += 1;
            }
            b'e' => {
                let shared = keyword_at(b, i, "extern").and_then(|after| {
                    let s = after + (src[after..].len() - src[after..].trim_start().len());
                    keyword_at(b, s, "__shared__")
                });
                let Some(decl_start) = shared else {
                    i += 1;
                    continue;
                };
                let decl_end = src[decl_start..]
                    .find(';')
                    .map(|n| decl_start + n)
                    .ok_or("`extern __shared__` declaration without a `;`")?;
                let decl = &src[decl_start..decl_end];
                if depth <= 0 {
                    return Err(format!(
                        "`extern __shared__{decl};` at namespace scope: the emulator supports dynamic shared memory declared inside a function"
                    ));
                }
                out.push_str(&src[copied..i]);
                out.push_str(&pointer_declaration(decl)?);
                // Keep the line count of a declaration split over lines.
                out.extend(std::iter::repeat_n('\n', decl.matches('\n').count()));
                i = decl_end + 1;
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&src[copied..]);
    Ok(out)
}

/// `T name[]` (what follows `extern __shared__`) as a pointer declaration.
fn pointer_declaration(decl: &str) -> Result<String, String> {
    let bad = || {
        format!("unsupported dynamic shared memory declaration `extern __shared__{decl};` (expected `extern __shared__ T name[];`)")
    };
    let d = decl.trim();
    let d = d.strip_suffix(']').ok_or_else(bad)?.trim_end();
    let d = d.strip_suffix('[').ok_or_else(bad)?.trim_end();
    let name_start = d
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |n| n + 1);
    let (ty, name) = d.split_at(name_start);
    // The buffer is aligned for any type; `__align__(n)` has nothing to add
    // and cannot appear inside a cast.
    let mut ty = ty.to_string();
    while let Some(at) = ty.find("__align__") {
        let close = ty[at..].find(')').ok_or_else(bad)?;
        ty.replace_range(at..at + close + 1, "");
    }
    let ty = ty.trim();
    if name.is_empty() || ty.is_empty() {
        return Err(bad());
    }
    Ok(format!(
        "{ty}* const {name} = reinterpret_cast<{ty}*>(ft_emu_dynamic_shared);"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_shared_memory_becomes_the_launch_buffer() {
        let src = "__global__ void k() {\n  extern __shared__ __align__(16) float buf[];\n  buf[0] = 1;\n}";
        assert_eq!(
            rewrite_dynamic_shared(src).unwrap(),
            "__global__ void k() {\n  float* const buf = reinterpret_cast<float*>(ft_emu_dynamic_shared);\n  buf[0] = 1;\n}"
        );
        let split = "void k() { extern __shared__\n unsigned char s[\n]; }";
        assert_eq!(
            rewrite_dynamic_shared(split).unwrap(),
            "void k() { unsigned char* const s = reinterpret_cast<unsigned char*>(ft_emu_dynamic_shared);\n\n }"
        );
    }

    #[test]
    fn comments_strings_and_other_code_are_untouched() {
        let src = "// extern __shared__ float a[];\n/* extern __shared__ float b[]; { */\nvoid f() { const char* s = \"extern __shared__ x[];}\"; int external__shared__; }";
        assert_eq!(rewrite_dynamic_shared(src).unwrap(), src);
        // Modules without dynamic shared memory come back unchanged; the
        // ones with it (the sort) change in their declarations only.
        for m in crate::kernels::all() {
            let out = rewrite_dynamic_shared(&m.source).unwrap();
            let decls = m.source.matches("extern __shared__").count();
            if decls == 0 {
                assert_eq!(out, m.source);
            } else {
                assert_eq!(out.matches("ft_emu_dynamic_shared").count(), decls);
                assert_eq!(out.lines().count(), m.source.lines().count());
            }
        }
    }

    #[test]
    fn unsupported_forms_are_errors() {
        assert!(rewrite_dynamic_shared("extern __shared__ float a[];")
            .unwrap_err()
            .contains("namespace scope"));
        assert!(rewrite_dynamic_shared("void f() { extern __shared__ float a; }").is_err());
        assert!(rewrite_dynamic_shared("void f() { extern __shared__ float a[]").is_err());
    }
}
