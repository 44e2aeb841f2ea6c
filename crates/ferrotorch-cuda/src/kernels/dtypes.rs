//! How each ferrotorch dtype is spelled in CUDA C and in kernel names.

use ferrotorch_core::DType;

/// The CUDA C element type of `dt`. bool is C++ `bool` (one byte, as in
/// ferrotorch's storage); the half types are the prelude's 16-bit structs.
pub fn ctype(dt: DType) -> &'static str {
    match dt {
        DType::F32 => "float",
        DType::F64 => "double",
        DType::F16 => "ft_half",
        DType::BF16 => "ft_bf16",
        DType::I64 => "long long",
        DType::I32 => "int",
        DType::I16 => "short",
        DType::I8 => "signed char",
        DType::U8 => "unsigned char",
        DType::Bool => "bool",
    }
}

/// The suffix naming `dt` in kernel names: PyTorch's dtype name.
pub fn suffix(dt: DType) -> &'static str {
    dt.name()
}

/// Floating dtypes, the ones transcendental ops and softmax exist for.
pub const FLOATS: [DType; 4] = [DType::F32, DType::F64, DType::F16, DType::BF16];

/// Every dtype except bool: the ones arithmetic exists for.
pub const NUMERIC: [DType; 9] = [
    DType::F32,
    DType::F64,
    DType::F16,
    DType::BF16,
    DType::I64,
    DType::I32,
    DType::I16,
    DType::I8,
    DType::U8,
];

/// The integer dtypes (bitwise ops).
pub const INTEGERS: [DType; 5] = [DType::I64, DType::I32, DType::I16, DType::I8, DType::U8];

/// The integer dtypes and bool (bitwise ops; products cuBLAS has no kernel for).
pub const INTEGERS_AND_BOOL: [DType; 6] = [
    DType::I64,
    DType::I32,
    DType::I16,
    DType::I8,
    DType::U8,
    DType::Bool,
];

/// The dtype `sum` produces, as in PyTorch: integers and bool sum to int64.
pub fn sum_dtype(dt: DType) -> DType {
    if dt.is_float() {
        dt
    } else {
        DType::I64
    }
}
