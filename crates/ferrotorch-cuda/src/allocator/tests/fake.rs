//! A fake `DeviceMemory` for the allocator tests: a capacity, addresses from
//! a bump pointer (so device allocations never overlap, and consecutive ones
//! are adjacent, which tests that merging stops at segment boundaries), and
//! a record of every call, including frees of pointers it never gave or
//! already got back.

use crate::backend::{DeviceMemory, DevicePtr};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Where the fake device's addresses start: far from 0, the null block.
const BASE: DevicePtr = 0x7f00_0000_0000;

#[derive(Default)]
struct FakeState {
    next: DevicePtr,
    /// Live allocations: address -> size.
    live: BTreeMap<DevicePtr, usize>,
    in_use: usize,
    mallocs: u64,
    frees: u64,
    errors: Vec<String>,
}

pub struct FakeDevice {
    capacity: usize,
    state: Mutex<FakeState>,
}

impl FakeDevice {
    pub fn new(capacity: usize) -> FakeDevice {
        FakeDevice {
            capacity,
            state: Mutex::new(FakeState {
                next: BASE,
                ..FakeState::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap()
    }

    /// Bytes allocated and not freed.
    pub fn in_use(&self) -> usize {
        self.lock().in_use
    }

    /// Number of allocations not freed.
    pub fn live_count(&self) -> usize {
        self.lock().live.len()
    }

    /// Successful `malloc` calls.
    pub fn mallocs(&self) -> u64 {
        self.lock().mallocs
    }

    /// Successful `free` calls.
    pub fn frees(&self) -> u64 {
        self.lock().frees
    }

    /// Descriptions of the bad `free` calls.
    pub fn errors(&self) -> Vec<String> {
        self.lock().errors.clone()
    }

    /// Whether `start..end` lies inside one live allocation.
    pub fn contains(&self, start: DevicePtr, end: DevicePtr) -> bool {
        let state = self.lock();
        state
            .live
            .range(..=start)
            .next_back()
            .is_some_and(|(&p, &n)| end <= p + n as u64)
    }
}

impl DeviceMemory for FakeDevice {
    fn malloc(&self, nbytes: usize) -> Result<Option<DevicePtr>> {
        let mut state = self.lock();
        if nbytes == 0 {
            state.errors.push("malloc of 0 bytes".to_string());
            return Ok(None);
        }
        if nbytes > self.capacity - state.in_use {
            return Ok(None);
        }
        let ptr = state.next;
        state.next += nbytes as u64;
        state.live.insert(ptr, nbytes);
        state.in_use += nbytes;
        state.mallocs += 1;
        Ok(Some(ptr))
    }

    fn free(&self, ptr: DevicePtr) -> Result<()> {
        let mut state = self.lock();
        match state.live.remove(&ptr) {
            Some(n) => {
                state.in_use -= n;
                state.frees += 1;
                Ok(())
            }
            None => {
                let message = format!("free of {ptr:#x}, not a live allocation");
                state.errors.push(message.clone());
                Err(Error::Driver {
                    call: "fake free",
                    message,
                })
            }
        }
    }

    fn mem_get_info(&self) -> Result<(usize, usize)> {
        let state = self.lock();
        Ok((self.capacity - state.in_use, self.capacity))
    }
}
