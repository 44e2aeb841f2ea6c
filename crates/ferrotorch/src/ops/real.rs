//! Per-element arithmetic traits: [`Arith`] for every dtype (wrapping integer
//! math, Python-style floor division and modulo) and [`Real`] for float math,
//! with float16/bfloat16 computed through f32 as PyTorch does on the CPU.

use crate::Element;
use half::{bf16, f16};

pub trait Arith: Element {
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// True division (floats only; integer inputs are promoted before).
    fn div(self, o: Self) -> Self;
    fn floor_div(self, o: Self) -> Self;
    /// Python-style modulo: the result has the divisor's sign.
    fn rem(self, o: Self) -> Self;
    /// C-style remainder: the result has the dividend's sign.
    fn fmod(self, o: Self) -> Self;
    fn pow(self, o: Self) -> Self;
    /// NaN-propagating maximum / minimum.
    fn maximum(self, o: Self) -> Self;
    fn minimum(self, o: Self) -> Self;
    fn neg(self) -> Self;
    fn abs(self) -> Self;
    fn sign(self) -> Self;
    fn is_zero(self) -> bool;
}

macro_rules! int_arith {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            #[inline(always)] fn add(self, o: Self) -> Self { self.wrapping_add(o) }
            #[inline(always)] fn sub(self, o: Self) -> Self { self.wrapping_sub(o) }
            #[inline(always)] fn mul(self, o: Self) -> Self { self.wrapping_mul(o) }
            #[inline(always)] fn div(self, o: Self) -> Self { if o == 0 { 0 } else { self.wrapping_div(o) } }
            #[inline(always)] fn floor_div(self, o: Self) -> Self {
                if o == 0 { return 0; }
                let q = self.wrapping_div(o);
                #[allow(unused_comparisons)]
                if (self.wrapping_rem(o) != 0) && ((self < 0) != (o < 0)) { q.wrapping_sub(1) } else { q }
            }
            #[inline(always)] fn rem(self, o: Self) -> Self {
                if o == 0 { return 0; }
                let r = self.wrapping_rem(o);
                #[allow(unused_comparisons)]
                if r != 0 && ((r < 0) != (o < 0)) { r.wrapping_add(o) } else { r }
            }
            #[inline(always)] fn fmod(self, o: Self) -> Self { if o == 0 { 0 } else { self.wrapping_rem(o) } }
            #[inline(always)] fn pow(self, o: Self) -> Self {
                #[allow(unused_comparisons)]
                if o < 0 {
                    // Only reachable for base 1 / -1 (other cases are rejected earlier).
                    return if self == 1 { 1 } else if o % 2 == 0 { 1 } else { self };
                }
                self.wrapping_pow(o as u32)
            }
            #[inline(always)] fn maximum(self, o: Self) -> Self { if self >= o { self } else { o } }
            #[inline(always)] fn minimum(self, o: Self) -> Self { if self <= o { self } else { o } }
            #[inline(always)] fn neg(self) -> Self { (0 as $t).wrapping_sub(self) }
            #[inline(always)] fn abs(self) -> Self {
                #[allow(unused_comparisons)]
                if self < 0 { (0 as $t).wrapping_sub(self) } else { self }
            }
            #[inline(always)] fn sign(self) -> Self {
                #[allow(unused_comparisons)]
                if self > 0 { 1 } else if self < 0 { (0 as $t).wrapping_sub(1) } else { 0 }
            }
            #[inline(always)] fn is_zero(self) -> bool { self == 0 }
        }
    )*};
}
int_arith!(u8, i8, i16, i32, i64);

impl Arith for bool {
    fn add(self, o: Self) -> Self {
        self || o
    }
    fn sub(self, o: Self) -> Self {
        self ^ o
    }
    fn mul(self, o: Self) -> Self {
        self && o
    }
    fn div(self, o: Self) -> Self {
        self && o
    }
    fn floor_div(self, o: Self) -> Self {
        self && o
    }
    fn rem(self, _o: Self) -> Self {
        false
    }
    fn fmod(self, _o: Self) -> Self {
        false
    }
    fn pow(self, o: Self) -> Self {
        self || !o
    }
    fn maximum(self, o: Self) -> Self {
        self || o
    }
    fn minimum(self, o: Self) -> Self {
        self && o
    }
    fn neg(self) -> Self {
        self
    }
    fn abs(self) -> Self {
        self
    }
    fn sign(self) -> Self {
        self
    }
    fn is_zero(self) -> bool {
        !self
    }
}

/// Float math. f16/bf16 go through f32.
pub trait Real: Arith {
    fn to_f32c(self) -> f32;
    fn from_f32c(v: f32) -> Self;
    fn exp(self) -> Self;
    fn ln(self) -> Self;
    fn ln_1p(self) -> Self;
    fn exp_m1(self) -> Self;
    fn sqrt(self) -> Self;
    fn rsqrt(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn tan(self) -> Self;
    fn tanh(self) -> Self;
    fn sigmoid(self) -> Self;
    fn floor(self) -> Self;
    fn ceil(self) -> Self;
    /// Round half to even, like `torch.round`.
    fn round(self) -> Self;
    fn trunc(self) -> Self;
    fn recip(self) -> Self;
    fn is_nan(self) -> bool;
}

macro_rules! native_float {
    ($t:ty, $exp:expr) => {
        impl Arith for $t {
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                self + o
            }
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                self - o
            }
            #[inline(always)]
            fn mul(self, o: Self) -> Self {
                self * o
            }
            #[inline(always)]
            fn div(self, o: Self) -> Self {
                self / o
            }
            #[inline(always)]
            fn floor_div(self, o: Self) -> Self {
                if o == 0.0 {
                    return self / o;
                }
                let m = self % o;
                let mut d = (self - m) / o;
                if m != 0.0 && ((o < 0.0) != (m < 0.0)) {
                    d -= 1.0;
                }
                if d == 0.0 {
                    return (0.0 as $t).copysign(self / o);
                }
                let f = d.floor();
                if d - f > 0.5 {
                    f + 1.0
                } else {
                    f
                }
            }
            #[inline(always)]
            fn rem(self, o: Self) -> Self {
                let m = self % o;
                if m != 0.0 && ((o < 0.0) != (m < 0.0)) {
                    m + o
                } else {
                    m
                }
            }
            #[inline(always)]
            fn fmod(self, o: Self) -> Self {
                self % o
            }
            #[inline(always)]
            fn pow(self, o: Self) -> Self {
                self.powf(o)
            }
            #[inline(always)]
            fn maximum(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() {
                    <$t>::NAN
                } else if self >= o {
                    self
                } else {
                    o
                }
            }
            #[inline(always)]
            fn minimum(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() {
                    <$t>::NAN
                } else if self <= o {
                    self
                } else {
                    o
                }
            }
            #[inline(always)]
            fn neg(self) -> Self {
                -self
            }
            #[inline(always)]
            fn abs(self) -> Self {
                self.abs()
            }
            #[inline(always)]
            fn sign(self) -> Self {
                if self > 0.0 {
                    1.0
                } else if self < 0.0 {
                    -1.0
                } else {
                    self * 0.0
                }
            }
            #[inline(always)]
            fn is_zero(self) -> bool {
                self == 0.0
            }
        }
        impl Real for $t {
            #[inline(always)]
            fn to_f32c(self) -> f32 {
                self as f32
            }
            #[inline(always)]
            fn from_f32c(v: f32) -> Self {
                v as $t
            }
            #[inline(always)]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                self.ln()
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                self.ln_1p()
            }
            #[inline(always)]
            fn exp_m1(self) -> Self {
                self.exp_m1()
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                self.sqrt()
            }
            #[inline(always)]
            fn rsqrt(self) -> Self {
                1.0 / self.sqrt()
            }
            #[inline(always)]
            fn sin(self) -> Self {
                self.sin()
            }
            #[inline(always)]
            fn cos(self) -> Self {
                self.cos()
            }
            #[inline(always)]
            fn tan(self) -> Self {
                self.tan()
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                self.tanh()
            }
            #[inline(always)]
            fn sigmoid(self) -> Self {
                1.0 / (1.0 + $exp(-self))
            }
            #[inline(always)]
            fn floor(self) -> Self {
                self.floor()
            }
            #[inline(always)]
            fn ceil(self) -> Self {
                self.ceil()
            }
            #[inline(always)]
            fn round(self) -> Self {
                self.round_ties_even()
            }
            #[inline(always)]
            fn trunc(self) -> Self {
                self.trunc()
            }
            #[inline(always)]
            fn recip(self) -> Self {
                1.0 / self
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                self.is_nan()
            }
        }
    };
}
native_float!(f32, ferrotorch_cpu::fastmath::exp_f32);
native_float!(f64, f64::exp);

macro_rules! half_float {
    ($t:ty) => {
        impl Arith for $t {
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                Self::from_f32(self.to_f32() + o.to_f32())
            }
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                Self::from_f32(self.to_f32() - o.to_f32())
            }
            #[inline(always)]
            fn mul(self, o: Self) -> Self {
                Self::from_f32(self.to_f32() * o.to_f32())
            }
            #[inline(always)]
            fn div(self, o: Self) -> Self {
                Self::from_f32(self.to_f32() / o.to_f32())
            }
            #[inline(always)]
            fn floor_div(self, o: Self) -> Self {
                Self::from_f32(Arith::floor_div(self.to_f32(), o.to_f32()))
            }
            #[inline(always)]
            fn rem(self, o: Self) -> Self {
                Self::from_f32(Arith::rem(self.to_f32(), o.to_f32()))
            }
            #[inline(always)]
            fn fmod(self, o: Self) -> Self {
                Self::from_f32(self.to_f32() % o.to_f32())
            }
            #[inline(always)]
            fn pow(self, o: Self) -> Self {
                Self::from_f32(self.to_f32().powf(o.to_f32()))
            }
            #[inline(always)]
            fn maximum(self, o: Self) -> Self {
                Self::from_f32(Arith::maximum(self.to_f32(), o.to_f32()))
            }
            #[inline(always)]
            fn minimum(self, o: Self) -> Self {
                Self::from_f32(Arith::minimum(self.to_f32(), o.to_f32()))
            }
            #[inline(always)]
            fn neg(self) -> Self {
                -self
            }
            #[inline(always)]
            fn abs(self) -> Self {
                Self::from_f32(self.to_f32().abs())
            }
            #[inline(always)]
            fn sign(self) -> Self {
                Self::from_f32(Arith::sign(self.to_f32()))
            }
            #[inline(always)]
            fn is_zero(self) -> bool {
                self.to_f32() == 0.0
            }
        }
        impl Real for $t {
            #[inline(always)]
            fn to_f32c(self) -> f32 {
                self.to_f32()
            }
            #[inline(always)]
            fn from_f32c(v: f32) -> Self {
                Self::from_f32(v)
            }
            #[inline(always)]
            fn exp(self) -> Self {
                Self::from_f32(ferrotorch_cpu::fastmath::exp_f32(self.to_f32()))
            }
            #[inline(always)]
            fn ln(self) -> Self {
                Self::from_f32(self.to_f32().ln())
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                Self::from_f32(self.to_f32().ln_1p())
            }
            #[inline(always)]
            fn exp_m1(self) -> Self {
                Self::from_f32(self.to_f32().exp_m1())
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                Self::from_f32(self.to_f32().sqrt())
            }
            #[inline(always)]
            fn rsqrt(self) -> Self {
                Self::from_f32(1.0 / self.to_f32().sqrt())
            }
            #[inline(always)]
            fn sin(self) -> Self {
                Self::from_f32(self.to_f32().sin())
            }
            #[inline(always)]
            fn cos(self) -> Self {
                Self::from_f32(self.to_f32().cos())
            }
            #[inline(always)]
            fn tan(self) -> Self {
                Self::from_f32(self.to_f32().tan())
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                Self::from_f32(self.to_f32().tanh())
            }
            #[inline(always)]
            fn sigmoid(self) -> Self {
                Self::from_f32(1.0 / (1.0 + ferrotorch_cpu::fastmath::exp_f32(-self.to_f32())))
            }
            #[inline(always)]
            fn floor(self) -> Self {
                Self::from_f32(self.to_f32().floor())
            }
            #[inline(always)]
            fn ceil(self) -> Self {
                Self::from_f32(self.to_f32().ceil())
            }
            #[inline(always)]
            fn round(self) -> Self {
                Self::from_f32(self.to_f32().round_ties_even())
            }
            #[inline(always)]
            fn trunc(self) -> Self {
                Self::from_f32(self.to_f32().trunc())
            }
            #[inline(always)]
            fn recip(self) -> Self {
                Self::from_f32(1.0 / self.to_f32())
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                self.to_f32().is_nan()
            }
        }
    };
}
half_float!(f16);
half_float!(bf16);
