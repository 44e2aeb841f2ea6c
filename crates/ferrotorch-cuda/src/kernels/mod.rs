//! CUDA C kernel sources, generated as strings and compiled by NVRTC at
//! first use. The big elementwise families have one module per input dtype
//! (compiling all of a family at once takes seconds); each family file also
//! exports the functions naming its modules and kernels, which the launcher
//! uses to look them up.

use ferrotorch_core::DType;

pub mod dtypes;
pub mod elementwise;
pub mod index;
pub mod layout;
pub mod linalg;
mod prelude;
pub mod random;
pub mod reduce;
pub mod softmax;
pub mod sort;

/// One CUDA module: a name (for errors and caching) and its full source.
#[derive(Clone, Debug)]
pub struct KernelSource {
    pub module: String,
    pub source: String,
}

impl KernelSource {
    fn new(module: String, source: String) -> KernelSource {
        KernelSource { module, source }
    }

    /// The `extern "C"` entry points the source defines.
    pub fn entry_points(&self) -> Vec<&str> {
        self.source
            .split("extern \"C\" __global__ void ")
            .skip(1)
            .filter_map(|rest| rest.split('(').next())
            .collect()
    }
}

/// Every kernel module; the NVRTC test compiles each of them.
pub fn all() -> Vec<KernelSource> {
    let mut modules = Vec::new();
    for dt in DType::ALL {
        modules.push(elementwise::unary_module(dt));
        modules.push(elementwise::binary_module(dt));
        modules.push(elementwise::copy_module(dt));
        modules.push(reduce::reduce_module(dt));
    }
    modules.push(softmax::softmax_module());
    modules.push(softmax::scan_module());
    modules.push(linalg::linalg_module());
    modules.push(index::index_module());
    modules.push(random::random_module());
    modules.push(sort::sort_module());
    modules
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn entry_points_are_unique_and_named_by_the_naming_functions() {
        let mut seen = HashSet::new();
        let mut modules = HashSet::new();
        for m in all() {
            assert!(
                modules.insert(m.module.clone()),
                "duplicate module {}",
                m.module
            );
            for name in m.entry_points() {
                assert!(seen.insert(name.to_string()), "duplicate kernel {name}");
            }
        }
        for name in [
            elementwise::op_kernel("add", DType::BF16, true),
            elementwise::op_kernel("exp", DType::F16, false),
            elementwise::op_kernel("logical_not", DType::Bool, false),
            elementwise::op_kernel("eq", DType::U8, true),
            elementwise::fill_kernel(DType::I64, false),
            elementwise::cast_kernel(DType::F32, DType::BF16, true),
            softmax::softmax_kernel(DType::F64, true),
            reduce::fold_kernel("sum", DType::Bool, true),
            reduce::fold_kernel("max", DType::F16, false),
            reduce::arg_kernel(true, DType::I8, true),
            sort::rows_kernel(DType::Bool),
            sort::tiles_kernel(DType::F16),
            sort::merge_kernel(sort::key_bytes(DType::F64)),
            sort::merge_kernel(sort::key_bytes(DType::I32)),
            sort::gather_kernel(DType::BF16),
            sort::topk_kernel(DType::I16),
        ] {
            assert!(seen.contains(&name), "missing kernel {name}");
        }
        // Transcendental ops exist only for floating dtypes.
        assert!(!seen.contains(&elementwise::op_kernel("exp", DType::I32, false)));
    }
}
