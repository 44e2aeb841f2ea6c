//! `Debug` for [`Tensor`]: shape, dtype, device, and the values of small
//! tensors (large ones are summarised so that `{:?}` stays cheap).

use crate::{DType, Tensor};
use std::fmt;

/// Tensors with at most this many elements print their values.
const MAX_DEBUG_ELEMENTS: usize = 64;

/// ```
/// use ferrotorch::{DType, Tensor};
/// let t = Tensor::from_vec(vec![1.0f32, 2.5, -3.0, 4.0], &[2, 2]).unwrap();
/// assert_eq!(
///     format!("{t:?}"),
///     "Tensor { shape: [2, 2], dtype: float32, device: cpu, data: [[1.0, 2.5], [-3.0, 4.0]] }"
/// );
/// let b = Tensor::from_vec(vec![true, false], &[2]).unwrap();
/// assert_eq!(format!("{b:?}"), "Tensor { shape: [2], dtype: bool, device: cpu, data: [true, false] }");
/// // Large tensors leave their values out.
/// let z = Tensor::zeros(&[100, 100], DType::I64);
/// assert_eq!(format!("{z:?}"), "Tensor { shape: [100, 100], dtype: int64, device: cpu, .. }");
/// ```
impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Tensor");
        s.field("shape", &self.shape())
            .field("dtype", &format_args!("{}", self.dtype().name()))
            .field("device", &format_args!("{}", self.device()));
        if self.numel() > MAX_DEBUG_ELEMENTS {
            return s.finish_non_exhaustive();
        }
        let values = match self.dtype() {
            DType::Bool => self.to_vec::<bool>().map(|v| nested(&v, self.shape())),
            dt if dt.is_float() => self.to_vec::<f64>().map(|v| nested(&v, self.shape())),
            _ => self.to_vec::<i64>().map(|v| nested(&v, self.shape())),
        };
        match values {
            Ok(v) => s.field("data", &format_args!("{v}")).finish(),
            Err(_) => s.finish_non_exhaustive(),
        }
    }
}

/// Row-major `values` as nested lists of `shape` (a bare value for 0-d).
fn nested<T: fmt::Debug>(values: &[T], shape: &[usize]) -> String {
    match shape.split_first() {
        None => values.first().map(|v| format!("{v:?}")).unwrap_or_default(),
        Some((&n, rest)) => {
            let step = rest.iter().product::<usize>();
            let parts: Vec<String> = (0..n)
                .map(|i| nested(&values[i * step..(i + 1) * step], rest))
                .collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{DType, Scalar, Tensor};

    #[test]
    fn debug_shows_values_of_small_and_odd_tensors() {
        let s = Tensor::scalar(Scalar::Int(7), DType::I32);
        assert_eq!(
            format!("{s:?}"),
            "Tensor { shape: [], dtype: int32, device: cpu, data: 7 }"
        );
        let e = Tensor::zeros(&[2, 0], DType::F32);
        assert_eq!(
            format!("{e:?}"),
            "Tensor { shape: [2, 0], dtype: float32, device: cpu, data: [[], []] }"
        );
        let t = Tensor::from_vec(vec![1i64, 2, 3, 4, 5, 6], &[2, 3]).unwrap();
        assert!(format!("{:?}", t.t().unwrap()).ends_with("data: [[1, 4], [2, 5], [3, 6]] }"));
    }
}
