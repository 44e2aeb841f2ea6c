//! Kernel signatures and launch trampolines.
//!
//! `cuLaunchKernel` passes arguments as an array of pointers to values; a
//! host function cannot be called that way, so for every
//! `extern "C" __global__ void name(type a, ...)` in a module we parse the
//! parameter list and generate `ft_emu_entry_<name>(void** params)`, which
//! calls the kernel with each `params[i]` read as its declared type. A
//! table of the parameters' `sizeof`s, exported too, lets a launch check
//! its arguments against what the compiler laid out: a mismatch that would
//! be silent memory corruption on a GPU is an error here.

use crate::backend::KernelArg;
use crate::kernels::layout::KernelLayout;
use std::fmt::Write;

/// What precedes every kernel definition in the sources.
const MARKER: &str = "extern \"C\" __global__ void ";

/// The exported array of parameter sizes of all kernels, in order, ended by 0.
pub const SIZES_SYMBOL: &str = "ft_emu_param_sizes";

/// The exported trampoline of `kernel`.
pub fn entry_symbol(kernel: &str) -> String {
    format!("ft_emu_entry_{kernel}")
}

/// One kernel parameter: its C type and name as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub ty: String,
    pub name: String,
}

/// A kernel's name and parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub params: Vec<Param>,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `s` after its leading identifier.
fn take_ident(s: &str) -> (&str, &str) {
    let end = s.find(|c| !is_ident(c)).unwrap_or(s.len());
    s.split_at(end)
}

/// The text inside the parentheses that `s` starts with, and the rest.
fn take_parens(s: &str) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some((&s[1..i], &s[i + 1..]));
                }
            }
            _ if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// Splits a parameter list at commas outside (), <> and [].
fn split_params(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in list.char_indices() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts
}

/// C keywords that cannot be a parameter's name: a parameter ending in one
/// has no name.
const TYPE_WORDS: &[&str] = &[
    "int", "char", "short", "long", "float", "double", "bool", "unsigned", "signed", "void",
    "const",
];

fn parse_param(kernel: &str, text: &str) -> Result<Param, String> {
    let text = text.trim();
    let bad = |why: &str| format!("kernel {kernel}: parameter `{text}` {why}");
    if text.contains('=') {
        return Err(bad(
            "has a default value, which the emulator does not support",
        ));
    }
    let name_start = text.rfind(|c| !is_ident(c)).map_or(0, |i| i + 1);
    let (ty, name) = text.split_at(name_start);
    let ty = ty.trim();
    if name.is_empty() || ty.is_empty() || TYPE_WORDS.contains(&name) {
        return Err(bad(
            "is not of the form `type name` (the emulator needs named, non-array parameters)",
        ));
    }
    Ok(Param {
        ty: ty.to_string(),
        name: name.to_string(),
    })
}

/// Every kernel defined in `source`, with its parameters.
pub fn parse_kernels(source: &str) -> Result<Vec<Signature>, String> {
    let mut kernels = Vec::new();
    for rest in source.split(MARKER).skip(1) {
        let mut rest = rest.trim_start();
        let (mut name, mut after) = take_ident(rest);
        // `__launch_bounds__(...)` may sit between `void` and the name.
        if name == "__launch_bounds__" {
            let (_, r) = take_parens(after.trim_start())
                .ok_or_else(|| format!("unbalanced __launch_bounds__ near `{MARKER}{name}`"))?;
            rest = r.trim_start();
            (name, after) = take_ident(rest);
        }
        if name.is_empty() {
            return Err(format!("a kernel without a name after `{MARKER}`"));
        }
        let (list, _) = take_parens(after.trim_start())
            .ok_or_else(|| format!("kernel {name}: could not find its parameter list"))?;
        let list = list.trim();
        let params = if list.is_empty() || list == "void" {
            Vec::new()
        } else {
            split_params(list)
                .into_iter()
                .map(|p| parse_param(name, p))
                .collect::<Result<_, _>>()?
        };
        kernels.push(Signature {
            name: name.to_string(),
            params,
        });
    }
    Ok(kernels)
}

/// The C++ appended to a module: one trampoline per kernel, and the table
/// of parameter sizes.
pub fn trampolines(kernels: &[Signature]) -> String {
    let mut s =
        String::from("\n// ---- ferrotorch CUDA emulator: launch trampolines (generated) ----\n");
    let mut sizes = Vec::new();
    for k in kernels {
        let args: Vec<String> = k
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| format!("ft_emu_arg<{}>(p[{i}])", p.ty))
            .collect();
        let _ = writeln!(
            s,
            "extern \"C\" FT_EMU_API void {}(void** p) {{ (void)p; {}({}); }}",
            entry_symbol(&k.name),
            k.name,
            args.join(", ")
        );
        sizes.extend(k.params.iter().map(|p| format!("sizeof({})", p.ty)));
    }
    sizes.push("0u".into());
    let _ = writeln!(
        s,
        "extern \"C\" FT_EMU_API const unsigned int {SIZES_SYMBOL}[] = {{ {} }};",
        sizes.join(", ")
    );
    s
}

/// Name and size of an argument's variant, for checks and messages.
fn arg_kind(a: &KernelArg) -> (&'static str, usize) {
    match a {
        KernelArg::Ptr(_) => ("Ptr", 8),
        KernelArg::I64(_) => ("I64", 8),
        KernelArg::U64(_) => ("U64", 8),
        KernelArg::I32(_) => ("I32", 4),
        KernelArg::U32(_) => ("U32", 4),
        KernelArg::I16(_) => ("I16", 2),
        KernelArg::I8(_) => ("I8", 1),
        KernelArg::U8(_) => ("U8", 1),
        KernelArg::Bool(_) => ("Bool", 1),
        KernelArg::F32(_) => ("F32", 4),
        KernelArg::F64(_) => ("F64", 8),
        KernelArg::U16(_) => ("U16", 2),
        KernelArg::Layout(_) => ("Layout", std::mem::size_of::<KernelLayout>()),
    }
}

/// The argument variants a parameter of C type `ty` accepts; `None` for a
/// type not known here, which only the size check covers.
fn accepted(ty: &str) -> Option<&'static [&'static str]> {
    let words: Vec<&str> = ty
        .split(|c: char| c.is_whitespace())
        .filter(|w| {
            !w.is_empty()
                && !matches!(
                    *w,
                    "const" | "volatile" | "__restrict__" | "__restrict" | "restrict"
                )
        })
        .collect();
    let t = words.join(" ");
    if t.ends_with('*') {
        return Some(&["Ptr"]);
    }
    Some(match t.as_str() {
        "long long" | "long long int" | "signed long long" | "long" | "int64_t" => &["I64"],
        "unsigned long long" | "unsigned long" | "uint64_t" | "size_t" => &["U64", "I64"],
        "int" | "signed" | "signed int" | "int32_t" => &["I32"],
        "unsigned" | "unsigned int" | "uint32_t" => &["U32"],
        "short" | "short int" | "int16_t" => &["I16"],
        "signed char" | "char" | "int8_t" => &["I8"],
        "unsigned char" | "uint8_t" => &["U8"],
        "bool" => &["Bool"],
        "float" => &["F32"],
        "double" => &["F64"],
        "ft_half" | "ft_bf16" | "unsigned short" | "uint16_t" => &["U16"],
        "FtLayout" => &["Layout"],
        _ => return None,
    })
}

/// Checks `args` against `sig` (`sizes`: the compiler's `sizeof` of each
/// parameter). The error says which argument is wrong and what it should be.
pub fn check_args(sig: &Signature, sizes: &[usize], args: &[KernelArg]) -> Result<(), String> {
    let declared = || {
        sig.params
            .iter()
            .map(|p| format!("{} {}", p.ty, p.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if args.len() != sig.params.len() {
        return Err(format!(
            "{} arguments given, the kernel takes {}: ({})",
            args.len(),
            sig.params.len(),
            declared()
        ));
    }
    for (i, ((p, &size), a)) in sig.params.iter().zip(sizes).zip(args).enumerate() {
        let (kind, arg_size) = arg_kind(a);
        let kind_ok = accepted(&p.ty).is_none_or(|ok| ok.contains(&kind));
        if !kind_ok || arg_size != size {
            return Err(format!(
                "argument {i} (`{} {}`, {size} bytes) was given KernelArg::{kind} ({arg_size} bytes)",
                p.ty, p.name
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_types_and_names() {
        let src = "extern \"C\" __global__ void k(long long n, const float* x, FtLayout lx, unsigned int * __restrict__ out) { }\n\
                   extern \"C\" __global__ void __launch_bounds__(256) z() {}";
        let ks = parse_kernels(src).unwrap();
        assert_eq!(ks.len(), 2);
        let p: Vec<(&str, &str)> = ks[0]
            .params
            .iter()
            .map(|p| (p.ty.as_str(), p.name.as_str()))
            .collect();
        assert_eq!(
            p,
            [
                ("long long", "n"),
                ("const float*", "x"),
                ("FtLayout", "lx"),
                ("unsigned int * __restrict__", "out")
            ]
        );
        assert_eq!((ks[1].name.as_str(), ks[1].params.len()), ("z", 0));
        let t = trampolines(&ks);
        assert!(t.contains("void ft_emu_entry_k(void** p) { (void)p; k(ft_emu_arg<long long>(p[0]), ft_emu_arg<const float*>(p[1])"));
        assert!(t.contains("sizeof(long long), sizeof(const float*), sizeof(FtLayout), sizeof(unsigned int * __restrict__), 0u"));
    }

    #[test]
    fn unnamed_or_array_parameters_are_errors() {
        for bad in ["(int)", "(float x[4])", "(int n = 3)"] {
            let src = format!("extern \"C\" __global__ void k{bad} {{}}");
            assert!(parse_kernels(&src).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_entry_points_of_every_module_parse() {
        for m in crate::kernels::all() {
            let names: Vec<String> = parse_kernels(&m.source)
                .unwrap()
                .into_iter()
                .map(|k| k.name)
                .collect();
            assert_eq!(names, m.entry_points(), "{}", m.module);
        }
    }

    #[test]
    fn arguments_are_checked_by_kind_and_size() {
        let sig = &parse_kernels(
            "extern \"C\" __global__ void k(long long n, float* x, FtLayout l, ft_half v) {}",
        )
        .unwrap()[0];
        let sizes = [8, 8, std::mem::size_of::<KernelLayout>(), 2];
        let layout = KernelLayout {
            ndim: 0,
            offset: 0,
            shape: [1; 8],
            stride: [0; 8],
        };
        let good = [
            KernelArg::I64(3),
            KernelArg::Ptr(0),
            KernelArg::Layout(layout),
            KernelArg::U16(0x3c00),
        ];
        assert_eq!(check_args(sig, &sizes, &good), Ok(()));
        let mut bad = good;
        bad[1] = KernelArg::I64(0);
        let e = check_args(sig, &sizes, &bad).unwrap_err();
        assert!(e.contains("argument 1 (`float* x`"), "{e}");
        assert!(check_args(sig, &sizes, &good[..3])
            .unwrap_err()
            .contains("3 arguments given, the kernel takes 4"));
    }
}
