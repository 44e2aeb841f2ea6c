//! The layout of `view(dtype)`: the same bytes read as another element type
//! (PyTorch's `view_dtype` rules and messages).

use crate::{DType, Error, Layout, Result};

impl Layout {
    /// This layout (in elements of `from`) re-expressed in elements of `to`.
    ///
    /// Equal sizes keep the layout. Otherwise the last dim must have stride 1
    /// and is rescaled; for a larger `to`, the last size, the offset and the
    /// other strides must divide evenly.
    pub fn view_dtype(&self, from: DType, to: DType) -> Result<Layout> {
        let (fs, ts) = (from.size(), to.size());
        if fs == ts {
            return Ok(self.clone());
        }
        let what = || {
            format!(
                "to view {} as {} (different element sizes)",
                from.scalar_type_name(),
                to.scalar_type_name()
            )
        };
        let n = self.ndim();
        if n == 0 {
            return Err(Error::Runtime(format!("self.dim() cannot be 0 {}", what())));
        }
        let stride_one = || -> Result<()> {
            if self.strides[n - 1] != 1 {
                return Err(Error::Runtime(format!(
                    "self.stride(-1) must be 1 {}, but got {}",
                    what(),
                    self.strides[n - 1]
                )));
            }
            Ok(())
        };
        let mut out = self.clone();
        if fs > ts {
            // Each element splits into `ratio` smaller ones.
            let ratio = fs / ts;
            stride_one()?;
            for s in &mut out.strides[..n - 1] {
                *s *= ratio;
            }
            out.shape[n - 1] *= ratio;
            out.offset *= ratio;
            return Ok(out);
        }
        // `ratio` elements merge into one larger element.
        let ratio = ts / fs;
        if self.shape[n - 1] % ratio != 0 {
            return Err(Error::Runtime(format!(
                "self.size(-1) must be divisible by {ratio} {}, but got {}",
                what(),
                self.shape[n - 1]
            )));
        }
        if self.offset % ratio != 0 {
            return Err(Error::Runtime(format!(
                "self.storage_offset() must be divisible by {ratio} {}, but got {}",
                what(),
                self.offset
            )));
        }
        stride_one()?;
        for (i, s) in out.strides[..n - 1].iter_mut().enumerate() {
            if *s % ratio != 0 {
                return Err(Error::Runtime(format!(
                    "self.stride({i}) must be divisible by {ratio} {}, but got {s}",
                    what()
                )));
            }
            *s /= ratio;
        }
        out.shape[n - 1] /= ratio;
        out.offset /= ratio;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DType::*;

    #[test]
    fn rescales_the_last_dim() {
        let l = Layout::contiguous(&[3, 4]);
        assert_eq!(l.view_dtype(F32, I32).unwrap(), l);
        let h = l.view_dtype(F32, F16).unwrap();
        assert_eq!((h.shape, h.strides), (vec![3, 8], vec![8, 1]));
        let d = l.view_dtype(F32, F64).unwrap();
        assert_eq!((d.shape, d.strides), (vec![3, 2], vec![2, 1]));
        // u8[4:8] -> one float32 at element offset 1
        let b = Layout::contiguous(&[8]).slice(0, Some(4), None, 1).unwrap();
        let f = b.view_dtype(U8, F32).unwrap();
        assert_eq!((f.shape, f.offset), (vec![1], 1));
    }

    #[test]
    fn pytorchs_errors() {
        let l = Layout::contiguous(&[3, 4]);
        let msg = |r: Result<Layout>| r.unwrap_err().to_string();
        assert_eq!(
            msg(l.transpose(0, 1).unwrap().view_dtype(F32, I64)),
            "self.size(-1) must be divisible by 2 to view Float as Long (different element sizes), but got 3"
        );
        assert_eq!(
            msg(l.transpose(0, 1).unwrap().view_dtype(F32, F16)),
            "self.stride(-1) must be 1 to view Float as Half (different element sizes), but got 4"
        );
        assert_eq!(
            msg(Layout::contiguous(&[]).view_dtype(F32, F64)),
            "self.dim() cannot be 0 to view Float as Double (different element sizes)"
        );
        let odd = Layout::contiguous(&[8])
            .slice(0, Some(1), Some(5), 1)
            .unwrap();
        assert_eq!(
            msg(odd.view_dtype(U8, F32)),
            "self.storage_offset() must be divisible by 4 to view Byte as Float (different element sizes), but got 1"
        );
        let rows = Layout::contiguous(&[4, 6])
            .slice(1, None, Some(4), 1)
            .unwrap();
        assert_eq!(
            msg(rows.view_dtype(U8, F32)),
            "self.stride(0) must be divisible by 4 to view Byte as Float (different element sizes), but got 6"
        );
    }
}
