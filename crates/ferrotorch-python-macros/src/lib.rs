//! `#[catch_panics]`: the bindings' guarantee that no Rust panic reaches
//! Python as pyo3's `PanicException` (a `BaseException` that `except
//! Exception` does not catch). Put it above `#[pymethods]` impl blocks and
//! `#[pyfunction]`s; every function returning `PyResult<..>` gets its body run
//! through `crate::errors::guard`, which turns a panic into a `RuntimeError`.
//! Functions returning plain values (trivial getters) are left as they are.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, parse_quote, Block, Item, ReturnType, Type};

#[proc_macro_attribute]
pub fn catch_panics(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[catch_panics] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let mut item = parse_macro_input!(item as Item);
    match &mut item {
        Item::Impl(imp) => {
            for it in &mut imp.items {
                if let syn::ImplItem::Fn(f) = it {
                    guard_body(&f.sig.output, &mut f.block);
                }
            }
        }
        Item::Fn(f) => guard_body(&f.sig.output, &mut f.block),
        other => {
            return syn::Error::new_spanned(other, "#[catch_panics] applies to impl blocks and fns")
                .to_compile_error()
                .into()
        }
    }
    quote!(#item).into()
}

/// Wraps `block` in a closure run by `crate::errors::guard` when `output` is a
/// `PyResult<..>` (the only return type that can carry the error).
fn guard_body(output: &ReturnType, block: &mut Block) {
    let ReturnType::Type(_, ty) = output else {
        return;
    };
    let Type::Path(p) = &**ty else {
        return;
    };
    if p.path
        .segments
        .last()
        .map(|s| s.ident != "PyResult")
        .unwrap_or(true)
    {
        return;
    }
    let inner = block.clone();
    *block = parse_quote!({ crate::errors::guard(|| -> #ty #inner) });
}
