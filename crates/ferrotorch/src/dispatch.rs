//! The one place that maps a runtime [`DType`](crate::DType) to a Rust element type.
//!
//! `with_dtype!(dt, T => body)` runs `body` with `T` bound to the element type;
//! the float/int variants restrict the set and return an error otherwise.

macro_rules! with_dtype {
    ($dt:expr, $T:ident => $body:expr) => {{
        use $crate::DType as __D;
        match $dt {
            __D::F32 => {
                type $T = f32;
                $body
            }
            __D::F64 => {
                type $T = f64;
                $body
            }
            __D::F16 => {
                type $T = half::f16;
                $body
            }
            __D::BF16 => {
                type $T = half::bf16;
                $body
            }
            __D::I64 => {
                type $T = i64;
                $body
            }
            __D::I32 => {
                type $T = i32;
                $body
            }
            __D::I16 => {
                type $T = i16;
                $body
            }
            __D::I8 => {
                type $T = i8;
                $body
            }
            __D::U8 => {
                type $T = u8;
                $body
            }
            __D::Bool => {
                type $T = bool;
                $body
            }
        }
    }};
}

macro_rules! with_float_dtype {
    ($dt:expr, $T:ident => $body:expr, $other:expr) => {{
        use $crate::DType as __D;
        match $dt {
            __D::F32 => {
                type $T = f32;
                $body
            }
            __D::F64 => {
                type $T = f64;
                $body
            }
            __D::F16 => {
                type $T = half::f16;
                $body
            }
            __D::BF16 => {
                type $T = half::bf16;
                $body
            }
            _ => $other,
        }
    }};
}

/// Numeric (non-bool) dtypes.
macro_rules! with_num_dtype {
    ($dt:expr, $T:ident => $body:expr, $other:expr) => {{
        use $crate::DType as __D;
        match $dt {
            __D::F32 => {
                type $T = f32;
                $body
            }
            __D::F64 => {
                type $T = f64;
                $body
            }
            __D::F16 => {
                type $T = half::f16;
                $body
            }
            __D::BF16 => {
                type $T = half::bf16;
                $body
            }
            __D::I64 => {
                type $T = i64;
                $body
            }
            __D::I32 => {
                type $T = i32;
                $body
            }
            __D::I16 => {
                type $T = i16;
                $body
            }
            __D::I8 => {
                type $T = i8;
                $body
            }
            __D::U8 => {
                type $T = u8;
                $body
            }
            _ => $other,
        }
    }};
}
