//! Where a tensor's storage lives.

use std::fmt;

/// A compute device: the host CPU or a numbered CUDA GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Device {
    Cpu,
    Cuda(usize),
}

impl Device {
    /// Parses PyTorch's device strings: `"cpu"`, `"cuda"`, `"cuda:1"`.
    pub fn parse(s: &str) -> Option<Device> {
        let s = s.trim();
        match s {
            "cpu" => Some(Device::Cpu),
            "cuda" => Some(Device::Cuda(0)),
            _ => {
                let idx = s.strip_prefix("cuda:")?;
                idx.parse().ok().map(Device::Cuda)
            }
        }
    }

    /// The device type name (`"cpu"` or `"cuda"`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Device::Cpu => "cpu",
            Device::Cuda(_) => "cuda",
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pytorch_device_strings() {
        assert_eq!(Device::parse("cpu"), Some(Device::Cpu));
        assert_eq!(Device::parse("cuda"), Some(Device::Cuda(0)));
        assert_eq!(Device::parse("cuda:3"), Some(Device::Cuda(3)));
        assert_eq!(Device::parse("tpu"), None);
        assert_eq!(Device::Cuda(1).to_string(), "cuda:1");
    }
}
