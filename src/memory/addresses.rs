//! Buffer device addresses (`bufferDeviceAddress`): which address ranges shaders may reach
//! through PhysicalStorageBuffer pointers.
//!
//! A buffer's device address is the host address of its first byte (device memory is mapped
//! once per allocation, so the address is stable for the buffer's life). Every buffer created
//! with `VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT` is registered here when it is bound to
//! memory and removed when it is destroyed. A dispatch that uses device addresses takes one
//! [`snapshot`] (an `Arc`, so lookups during the dispatch take no lock); the snapshot holds the
//! allocations of its ranges, so they stay mapped while the dispatch runs even if the
//! application frees them meanwhile (its error, never a crash).
//!
//! Lookups ([`AddressMap::find`]) give the live range containing an address. Overlapping
//! ranges (buffers aliasing one allocation) are merged: every byte of a merged range belongs
//! to a live buffer. The registry is process-wide rather than per device: addresses are host
//! addresses, unique across devices, and an address of another device's buffer (invalid usage)
//! still names live memory.

use super::DeviceMemory;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// One registered buffer: its address range and the allocation that backs it.
#[derive(Debug)]
struct Entry {
    start: u64,
    len: u64,
    memory: Arc<DeviceMemory>,
}

#[derive(Debug, Default)]
struct Registry {
    entries: HashMap<u64, Entry>,
    /// The current snapshot; `None` after a change until the next [`snapshot`].
    cached: Option<Arc<AddressMap>>,
}

fn registry() -> &'static Mutex<Registry> {
    static R: OnceLock<Mutex<Registry>> = OnceLock::new();
    R.get_or_init(Default::default)
}

fn lock() -> std::sync::MutexGuard<'static, Registry> {
    registry().lock().unwrap_or_else(|e| e.into_inner())
}

/// Identifies one registration (returned by [`register`], passed to [`unregister`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressKey(u64);

/// Registers `len` bytes of `memory` at `offset` as reachable by device address.
pub fn register(memory: Arc<DeviceMemory>, offset: u64, len: u64) -> Option<AddressKey> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let start = memory.host_address(offset)? as u64;
    if len == 0 || offset.checked_add(len).is_none_or(|e| e > memory.size()) {
        return None;
    }
    let key = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut r = lock();
    r.entries.insert(key, Entry { start, len, memory });
    r.cached = None;
    Some(AddressKey(key))
}

/// Removes a registration: its addresses are invalid for every later dispatch.
pub fn unregister(key: AddressKey) {
    let mut r = lock();
    if r.entries.remove(&key.0).is_some() {
        r.cached = None;
    }
}

/// The live ranges now, for one dispatch.
pub fn snapshot() -> Arc<AddressMap> {
    let mut r = lock();
    if let Some(s) = &r.cached {
        return s.clone();
    }
    let mut ranges: Vec<(u64, u64)> = r
        .entries
        .values()
        .map(|e| (e.start, e.start + e.len))
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match merged.last_mut() {
            // Strictly overlapping only: adjacent buffers stay apart, so an access cannot run
            // from one into the next.
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let map = Arc::new(AddressMap {
        ranges: merged,
        _memory: r.entries.values().map(|e| e.memory.clone()).collect(),
    });
    r.cached = Some(map.clone());
    map
}

/// The address ranges live at one moment (see the module docs).
#[derive(Debug, Default)]
pub struct AddressMap {
    /// Sorted, disjoint [start, end) ranges.
    ranges: Vec<(u64, u64)>,
    /// Keeps the ranges mapped while the map exists.
    _memory: Vec<Arc<DeviceMemory>>,
}

impl AddressMap {
    /// The range `[start, start + len)` that contains `addr`, if any.
    pub fn find(&self, addr: u64) -> Option<(u64, u64)> {
        let i = self.ranges.partition_point(|r| r.0 <= addr);
        let (s, e) = *self.ranges.get(i.checked_sub(1)?)?;
        (addr < e).then_some((s, e - s))
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_find_the_containing_range_and_keep_neighbours_apart() {
        let m = AddressMap {
            ranges: vec![(100, 200), (200, 300), (1000, 1100)],
            _memory: vec![],
        };
        assert_eq!(m.find(99), None);
        assert_eq!(m.find(100), Some((100, 100)));
        assert_eq!(m.find(199), Some((100, 100)));
        assert_eq!(m.find(200), Some((200, 100)));
        assert_eq!(m.find(300), None);
        assert_eq!(m.find(1099), Some((1000, 100)));
        assert_eq!(m.find(u64::MAX), None);
        assert_eq!(AddressMap::default().find(0), None);
    }

    #[test]
    fn registered_buffers_are_found_until_unregistered() {
        let heap = Arc::new(crate::memory::Heap::new(1 << 20));
        let m = Arc::new(DeviceMemory::allocate(&heap, 4096, 0, None).expect("allocate"));
        let base = m.host_address(0).expect("address") as u64;
        // Two buffers aliasing bytes 50..100 (merged), and a neighbour right after them.
        let a = register(m.clone(), 0, 100).expect("a");
        let b = register(m.clone(), 50, 150).expect("b");
        let c = register(m.clone(), 200, 100).expect("c");
        assert_eq!(register(m.clone(), 4000, 100), None, "past the allocation");
        let s = snapshot();
        assert_eq!(s.find(base + 150), Some((base, 200)));
        assert_eq!(s.find(base + 200), Some((base + 200, 100)));
        assert_eq!(s.find(base + 300), None);
        unregister(b);
        let s = snapshot();
        assert_eq!(s.find(base + 150), None, "b's bytes are gone");
        assert_eq!(s.find(base + 99), Some((base, 100)));
        unregister(a);
        unregister(c);
        assert_eq!(snapshot().find(base), None);
    }
}
