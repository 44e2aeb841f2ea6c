//! Element types and PyTorch's type-promotion rules (`torch.result_type`).

use std::fmt;

/// The element type of a tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    U8,
    I8,
    I16,
    I32,
    I64,
    F16,
    BF16,
    F32,
    F64,
}

/// Coarse kind used by promotion: a higher category wins over a lower one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Bool,
    Int,
    Float,
}

impl DType {
    pub const ALL: [DType; 10] = [
        DType::F32,
        DType::F64,
        DType::F16,
        DType::BF16,
        DType::I64,
        DType::I32,
        DType::I16,
        DType::I8,
        DType::U8,
        DType::Bool,
    ];

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::U8 | DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
        }
    }

    /// PyTorch's name without the `torch.` prefix.
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "uint8",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// Parses a PyTorch dtype name, including aliases (`float`, `long`, `half`...).
    pub fn from_name(name: &str) -> Option<DType> {
        let name = name.strip_prefix("torch.").unwrap_or(name);
        Some(match name {
            "bool" => DType::Bool,
            "uint8" => DType::U8,
            "int8" => DType::I8,
            "int16" | "short" => DType::I16,
            "int32" | "int" => DType::I32,
            "int64" | "long" => DType::I64,
            "float16" | "half" => DType::F16,
            "bfloat16" => DType::BF16,
            "float32" | "float" => DType::F32,
            "float64" | "double" => DType::F64,
            _ => return None,
        })
    }

    /// PyTorch's C++ scalar type name used in its error messages (`Float`, `Long`...).
    pub fn scalar_type_name(self) -> &'static str {
        match self {
            DType::Bool => "Bool",
            DType::U8 => "Byte",
            DType::I8 => "Char",
            DType::I16 => "Short",
            DType::I32 => "Int",
            DType::I64 => "Long",
            DType::F16 => "Half",
            DType::BF16 => "BFloat16",
            DType::F32 => "Float",
            DType::F64 => "Double",
        }
    }

    /// PyTorch's legacy tensor type name for this dtype on `device`, as its
    /// messages print it: `torch.FloatTensor`, `torch.cuda.LongTensor`.
    pub fn legacy_type_name(self, device: crate::Device) -> String {
        let cuda = if device == crate::Device::Cpu {
            ""
        } else {
            "cuda."
        };
        format!("torch.{cuda}{}Tensor", self.scalar_type_name())
    }

    /// The C++ element type name PyTorch prints in some messages
    /// (`masked_fill_`, matmul dtype checks): `float`, `long int`, `c10::Half`...
    pub fn cpp_type_name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "unsigned char",
            DType::I8 => "signed char",
            DType::I16 => "short int",
            DType::I32 => "int",
            DType::I64 => "long int",
            DType::F16 => "c10::Half",
            DType::BF16 => "c10::BFloat16",
            DType::F32 => "float",
            DType::F64 => "double",
        }
    }

    pub fn category(self) -> Category {
        match self {
            DType::Bool => Category::Bool,
            DType::U8 | DType::I8 | DType::I16 | DType::I32 | DType::I64 => Category::Int,
            _ => Category::Float,
        }
    }

    pub fn is_float(self) -> bool {
        self.category() == Category::Float
    }

    /// Integer or bool: no gradients, integer arithmetic.
    pub fn is_integral(self) -> bool {
        self.category() != Category::Float
    }

    pub fn is_signed(self) -> bool {
        !matches!(self, DType::Bool | DType::U8)
    }

    /// The dtype two tensors of these dtypes combine to (PyTorch's promotion table).
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        if a == b {
            return a;
        }
        match (a.category(), b.category()) {
            (Category::Bool, _) => b,
            (_, Category::Bool) => a,
            (Category::Int, Category::Float) => b,
            (Category::Float, Category::Int) => a,
            (Category::Int, Category::Int) => match (a, b) {
                (U8, I8) | (I8, U8) => I16,
                (U8, x) | (x, U8) => x,
                _ => {
                    if a.size() >= b.size() {
                        a
                    } else {
                        b
                    }
                }
            },
            (Category::Float, Category::Float) => match (a, b) {
                (F16, BF16) | (BF16, F16) => F32,
                _ => {
                    if a.size() >= b.size() {
                        a
                    } else {
                        b
                    }
                }
            },
        }
    }

    /// The dtype a Python scalar of this category gets on its own.
    pub fn default_for(category: Category) -> DType {
        match category {
            Category::Bool => DType::Bool,
            Category::Int => DType::I64,
            Category::Float => DType::F32,
        }
    }

    /// The floating dtype math functions (exp, sqrt, true division) produce.
    pub fn to_float(self) -> DType {
        if self.is_float() {
            self
        } else {
            DType::F32
        }
    }
}

/// Accumulates `torch.result_type` over operands in PyTorch's three tiers:
/// tensors with dimensions, zero-dim tensors, then Python scalars. A lower tier
/// only matters when its category is higher than everything above it.
#[derive(Default, Clone, Copy, Debug)]
pub struct ResultType {
    dimensioned: Option<DType>,
    zero_dim: Option<DType>,
    scalar: Option<DType>,
}

impl ResultType {
    pub fn new() -> Self {
        Self::default()
    }

    fn merge(slot: &mut Option<DType>, dt: DType) {
        *slot = Some(match *slot {
            None => dt,
            Some(prev) => DType::promote(prev, dt),
        });
    }

    pub fn tensor(mut self, dt: DType, ndim: usize) -> Self {
        if ndim == 0 {
            Self::merge(&mut self.zero_dim, dt);
        } else {
            Self::merge(&mut self.dimensioned, dt);
        }
        self
    }

    /// A Python scalar; `dt` is its natural dtype (bool, int64 or float64-ish float).
    pub fn scalar(mut self, category: Category) -> Self {
        Self::merge(&mut self.scalar, DType::default_for(category));
        self
    }

    pub fn finish(self) -> DType {
        let mut out: Option<DType> = None;
        for tier in [self.dimensioned, self.zero_dim, self.scalar]
            .into_iter()
            .flatten()
        {
            out = Some(match out {
                None => tier,
                // A lower tier counts only when its category is higher; then its
                // own (already merged) dtype wins: `int tensor + 0-d float64 tensor`
                // is float64, `int tensor + 2.5` is the default float32.
                Some(cur) if tier.category() > cur.category() => tier,
                Some(cur) => cur,
            });
        }
        out.unwrap_or(DType::F32)
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "torch.{}", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DType::*;

    #[test]
    fn promotion_table_matches_pytorch() {
        assert_eq!(DType::promote(U8, I8), I16);
        assert_eq!(DType::promote(Bool, U8), U8);
        assert_eq!(DType::promote(I32, I64), I64);
        assert_eq!(DType::promote(I64, F16), F16);
        assert_eq!(DType::promote(F16, BF16), F32);
        assert_eq!(DType::promote(F32, F64), F64);
        assert_eq!(DType::promote(Bool, Bool), Bool);
    }

    #[test]
    fn result_type_tiers() {
        // int32 tensor + python float -> float32
        let r = ResultType::new()
            .tensor(I32, 1)
            .scalar(Category::Float)
            .finish();
        assert_eq!(r, F32);
        // float16 tensor + python float -> float16
        let r = ResultType::new()
            .tensor(F16, 1)
            .scalar(Category::Float)
            .finish();
        assert_eq!(r, F16);
        // int32 tensor + python int -> int32
        let r = ResultType::new()
            .tensor(I32, 2)
            .scalar(Category::Int)
            .finish();
        assert_eq!(r, I32);
        // float32 tensor + 0-d float64 tensor -> float32
        let r = ResultType::new().tensor(F32, 1).tensor(F64, 0).finish();
        assert_eq!(r, F32);
        // int64 tensor + 0-d float64 tensor -> float64
        let r = ResultType::new().tensor(I64, 1).tensor(F64, 0).finish();
        assert_eq!(r, F64);
        // bool tensor + python int -> int64
        let r = ResultType::new()
            .tensor(Bool, 1)
            .scalar(Category::Int)
            .finish();
        assert_eq!(r, I64);
    }
}
