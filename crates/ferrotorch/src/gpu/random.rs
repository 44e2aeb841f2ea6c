//! Random tensors on CUDA devices: one Philox generator state (seed,
//! offset) per device, as PyTorch keeps one default CUDA generator per
//! device. Each draw of `n` elements reads counters `(0..n, offset)` and
//! advances the offset by one, so successive draws never share counters.

use super::{count, device, empty, first};
use crate::{DType, Error, Result, Tensor};
use ferrotorch_cuda::kernels::random as k;
use ferrotorch_cuda::KernelArg;
use std::sync::Mutex;

/// PyTorch's default seed, which CUDA generators start from too.
pub const DEFAULT_SEED: u64 = 67_280_421_310_721;

#[derive(Clone, Copy)]
struct State {
    seed: u64,
    offset: u64,
}

static STATES: Mutex<Vec<State>> = Mutex::new(Vec::new());

/// Runs `f` on device `index`'s generator state (made at first use with
/// the default seed).
fn with_state<R>(index: usize, f: impl FnOnce(&mut State) -> R) -> R {
    let mut states = STATES.lock().unwrap_or_else(|p| p.into_inner());
    while states.len() <= index {
        states.push(State {
            seed: DEFAULT_SEED,
            offset: 0,
        });
    }
    f(&mut states[index])
}

fn next_draw(index: usize) -> (u64, u64) {
    with_state(index, |s| {
        let draw = (s.seed, s.offset);
        s.offset += 1;
        draw
    })
}

/// Seeds device `index`'s generator (`torch.cuda.manual_seed`).
pub fn manual_seed(index: usize, seed: u64) {
    with_state(index, |s| *s = State { seed, offset: 0 })
}

/// The seed device `index`'s generator was last seeded with.
pub fn initial_seed(index: usize) -> u64 {
    with_state(index, |s| s.seed)
}

/// Which distribution a draw samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    /// `[0, 1)`.
    Uniform,
    /// Mean 0, standard deviation 1.
    Normal,
    /// Integers in `[low, high)`.
    Int { low: i64, high: i64 },
}

/// A fresh tensor of `shape` on CUDA device `index` sampled from `dist`.
pub fn sample(index: usize, shape: &[usize], dtype: DType, dist: Distribution) -> Result<Tensor> {
    let dev = device(index)?;
    let out = empty(&dev, shape, dtype)?;
    let n = out.numel();
    let (seed, offset) = next_draw(index);
    let module = dev.module("random", k::random_module)?;
    let mut args = vec![count(n), KernelArg::U64(seed), KernelArg::U64(offset)];
    let kind = match dist {
        Distribution::Uniform | Distribution::Normal if !dtype.is_float() => {
            return Err(Error::Runtime(format!(
                "\"{}\" not implemented for '{}'",
                if dist == Distribution::Uniform {
                    "check_uniform_bounds"
                } else {
                    "normal_kernel_cuda"
                },
                dtype.name()
            )))
        }
        Distribution::Uniform => "uniform",
        Distribution::Normal => "normal",
        Distribution::Int { low, high } => {
            if high <= low {
                return Err(Error::Runtime(format!(
                    "random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
                )));
            }
            if dtype == DType::Bool {
                return Err(Error::Runtime(
                    "\"random_from_to_kernel_cuda\" not implemented for 'Bool'".into(),
                ));
            }
            args.push(KernelArg::I64(low));
            args.push(KernelArg::U64(high.wrapping_sub(low) as u64));
            "randint"
        }
    };
    args.push(first(&out));
    dev.launch_elementwise(&module, &k::random_kernel(kind, dtype), n, &args)?;
    Ok(out)
}
