//! Is there a usable GPU? Driver initialisation and device count, probed
//! once per process and never panicking.
//!
//! Order matters: the driver library is probed before any cudarc driver call
//! (those panic when libcuda is absent), and `cuInit` runs at most once.

use crate::error::{Error, Result};
use crate::guard::guarded;
use crate::libs::CudaLib;
use std::cell::Cell;
use std::sync::OnceLock;

/// The driver's answer, computed on first use: the number of devices, or
/// why there are none (the error PyTorch raises in that situation).
fn driver_state() -> &'static Result<usize> {
    static STATE: OnceLock<Result<usize>> = OnceLock::new();
    STATE.get_or_init(|| match emulator_memory() {
        Some(_) => Ok(1),
        None => init_driver(),
    })
}

/// Environment variable that replaces the GPUs by one emulated device (see
/// [`crate::emulator`]): a test double for machines without a GPU. Its
/// value is the device memory in MiB, or `1` for the default 4 GiB.
pub const EMULATOR_ENV: &str = "FERROTORCH_CUDA_EMULATOR";

/// The emulated device's memory in bytes when the emulator is switched on.
pub fn emulator_memory() -> Option<usize> {
    static MEMORY: OnceLock<Option<usize>> = OnceLock::new();
    *MEMORY.get_or_init(|| {
        let v = std::env::var(EMULATOR_ENV).ok()?;
        match v.trim().parse::<usize>() {
            Ok(0) => None,
            Ok(1) => Some(4 << 30),
            Ok(mib) => Some(mib << 20),
            Err(_) => None,
        }
    })
}

/// Whether the devices are the host emulator rather than GPUs.
pub fn is_emulated() -> bool {
    emulator_memory().is_some()
}

fn init_driver() -> Result<usize> {
    if !CudaLib::Driver.is_present() {
        return Err(Error::NoDriver);
    }
    use cudarc::driver::{result, sys::CUresult};
    match guarded("cuInit", result::init)? {
        Ok(()) => {}
        Err(e) if e.0 == CUresult::CUDA_ERROR_NO_DEVICE => return Err(Error::NoDevice),
        Err(e) => {
            return Err(Error::Driver {
                call: "cuInit",
                message: e.to_string(),
            })
        }
    }
    let count =
        guarded("cuDeviceGetCount", result::device::get_count)?.map_err(|e| Error::Driver {
            call: "cuDeviceGetCount",
            message: e.to_string(),
        })?;
    match usize::try_from(count) {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::NoDevice),
    }
}

/// Number of CUDA devices; 0 where there is no driver or no GPU.
pub fn device_count() -> usize {
    driver_state().as_ref().copied().unwrap_or(0)
}

/// Whether at least one CUDA device can be used.
pub fn is_available() -> bool {
    device_count() > 0
}

/// Ok when device `index` exists; otherwise the error PyTorch raises when a
/// tensor is sent there (no driver, no GPU, or a bad ordinal).
pub fn check_device(index: usize) -> Result<()> {
    let count = driver_state().clone()?;
    if index < count {
        Ok(())
    } else {
        Err(Error::InvalidDevice { index, count })
    }
}

thread_local! {
    // PyTorch's current device is per thread; new threads start on device 0.
    static CURRENT: Cell<usize> = const { Cell::new(0) };
}

/// The calling thread's current device (where `"cuda"` without an index
/// goes); the no-GPU error where there is none.
pub fn current_device() -> Result<usize> {
    driver_state().clone()?;
    Ok(CURRENT.with(Cell::get))
}

/// Makes `index` the calling thread's current device.
pub fn set_device(index: usize) -> Result<()> {
    check_device(index)?;
    CURRENT.with(|c| c.set(index));
    Ok(())
}

/// Whether NVRTC can be loaded (so kernel sources can be compiled, even
/// with no GPU present).
pub fn nvrtc_available() -> bool {
    CudaLib::Nvrtc.is_present()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probing_never_panics_and_agrees_with_itself() {
        let n = device_count();
        assert_eq!(is_available(), n > 0);
        match check_device(0) {
            Ok(()) => assert!(n > 0),
            Err(e) => {
                assert_eq!(n, 0);
                assert!(matches!(
                    e,
                    Error::NoDriver | Error::NoDevice | Error::Driver { .. }
                ));
            }
        }
        assert!(check_device(n).is_err());
        assert_eq!(current_device().is_ok(), n > 0);
        assert!(set_device(n).is_err());
    }
}
