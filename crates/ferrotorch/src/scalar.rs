//! Python-style scalars: kept as bool, int or float so that integer values
//! stay exact and type promotion can see which kind a literal was.

use crate::{Category, DType, Element};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl Scalar {
    pub fn category(self) -> Category {
        match self {
            Scalar::Bool(_) => Category::Bool,
            Scalar::Int(_) => Category::Int,
            Scalar::Float(_) => Category::Float,
        }
    }

    /// The dtype a tensor built from this scalar alone gets.
    pub fn dtype(self) -> DType {
        DType::default_for(self.category())
    }

    pub fn to_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
        }
    }

    /// Converts to element type `T` (integers exactly, floats C-style).
    pub fn to_elem<T: Element>(self) -> T {
        match self {
            Scalar::Bool(b) => T::from_bool(b),
            Scalar::Int(i) => T::from_i64(i),
            Scalar::Float(f) => T::from_f64(f),
        }
    }

    pub fn from_elem<T: Element>(x: T) -> Scalar {
        match T::DTYPE.category() {
            Category::Bool => Scalar::Bool(x.to_bool()),
            Category::Int => Scalar::Int(x.to_i64()),
            Category::Float => Scalar::Float(x.to_f64()),
        }
    }
}

impl From<f64> for Scalar {
    fn from(v: f64) -> Self {
        Scalar::Float(v)
    }
}
impl From<i64> for Scalar {
    fn from(v: i64) -> Self {
        Scalar::Int(v)
    }
}
impl From<bool> for Scalar {
    fn from(v: bool) -> Self {
        Scalar::Bool(v)
    }
}
