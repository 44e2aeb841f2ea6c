//! The counters of the caching allocator, as a plain value: what
//! `torch.cuda.memory_allocated()`, `memory_reserved()`, their `max_*`
//! versions and `memory_stats()` report.

/// A snapshot of one device's allocator counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Bytes of the blocks currently handed out (each block's size).
    pub allocated_bytes: usize,
    /// Highest `allocated_bytes` since creation or `reset_peak_stats`.
    pub peak_allocated_bytes: usize,
    /// Bytes of the segments currently obtained from the device.
    pub reserved_bytes: usize,
    /// Highest `reserved_bytes` since creation or `reset_peak_stats`.
    pub peak_reserved_bytes: usize,
    /// Successful device allocations (segments obtained), ever.
    pub num_device_mallocs: u64,
    /// Device frees (segments released), ever.
    pub num_device_frees: u64,
    /// Times a device allocation failed and was retried after releasing the
    /// cached segments.
    pub num_alloc_retries: u64,
    /// Requests that failed with `Error::OutOfMemory`.
    pub num_ooms: u64,
}

impl MemoryStats {
    pub(super) fn add_allocated(&mut self, n: usize) {
        self.allocated_bytes += n;
        self.peak_allocated_bytes = self.peak_allocated_bytes.max(self.allocated_bytes);
    }

    pub(super) fn sub_allocated(&mut self, n: usize) {
        self.allocated_bytes -= n;
    }

    /// Records a segment obtained from the device.
    pub(super) fn add_segment(&mut self, n: usize) {
        self.reserved_bytes += n;
        self.peak_reserved_bytes = self.peak_reserved_bytes.max(self.reserved_bytes);
        self.num_device_mallocs += 1;
    }

    /// Records a segment given back to the device.
    pub(super) fn sub_segment(&mut self, n: usize) {
        self.reserved_bytes -= n;
        self.num_device_frees += 1;
    }

    pub(super) fn reset_peaks(&mut self) {
        self.peak_allocated_bytes = self.allocated_bytes;
        self.peak_reserved_bytes = self.reserved_bytes;
    }
}
