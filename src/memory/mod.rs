//! Device memory: every allocation is a memfd mapped shared.
//!
//! The mapping is made once, at allocation, and lives as long as the [`DeviceMemory`]; the
//! host (vkMapMemory) and the device (commands) use the same pages, so the memory is coherent
//! and flush/invalidate have nothing to do. Commands reach the bytes through [`Span`]s, which
//! are bounds-checked when made.
//!
//! The memfd's file descriptor is kept only when the application asked for an exportable
//! allocation; otherwise it is closed right after mapping (the mapping keeps the file alive),
//! so the number of allocations is not bounded by the process's fd limit.
//!
//! Concurrency: the host may write mapped memory while queues run; the Vulkan rules make the
//! application order those accesses. Spans therefore use raw copies (`ptr::copy`), never Rust
//! references that would assert exclusivity.

mod span;

pub use span::Span;

use crate::error::{Error, ErrorKind, Result};
use crate::platform;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The memory heap of the device and how much of it this process has allocated.
#[derive(Debug)]
pub struct Heap {
    size: u64,
    used: AtomicU64,
}

impl Heap {
    pub fn new(size: u64) -> Self {
        Heap {
            size,
            used: AtomicU64::new(0),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    fn reserve(&self, bytes: u64) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                u.checked_add(bytes).filter(|&n| n <= self.size)
            })
            .is_ok()
    }

    fn release(&self, bytes: u64) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// One VkDeviceMemory.
#[derive(Debug)]
pub struct DeviceMemory {
    size: u64,
    type_index: u32,
    map: memmap2::MmapRaw,
    fd: Option<OwnedFd>,
    heap: Arc<Heap>,
}

impl DeviceMemory {
    /// Allocates `size` bytes from `heap`. `keep_fd` keeps the memfd for export.
    pub fn allocate(heap: &Arc<Heap>, size: u64, type_index: u32, keep_fd: bool) -> Result<Self> {
        if size == 0 {
            return Err(Error::invalid(
                "allocationSize is 0 (VUID-VkMemoryAllocateInfo-allocationSize-07897)",
            ));
        }
        if size > heap.size() {
            return Err(Error::device_memory(format!(
                "allocation of {size} bytes is larger than the heap ({} bytes)",
                heap.size()
            )));
        }
        let len = usize::try_from(size)
            .map_err(|_| Error::device_memory("allocation does not fit the address space"))?;
        if !heap.reserve(size) {
            return Err(Error::device_memory(format!(
                "allocation of {size} bytes exceeds the heap: {} of {} bytes already allocated",
                heap.used(),
                heap.size()
            )));
        }
        let made = (|| -> Result<(memmap2::MmapRaw, OwnedFd)> {
            let fd =
                platform::memfd("softvk-memory", size).map_err(|e| match e.raw_os_error() {
                    Some(libc::EMFILE) | Some(libc::ENFILE) => Error::new(
                        ErrorKind::TooManyObjects,
                        format!("cannot create the memfd for an allocation: {e}"),
                    ),
                    _ => {
                        Error::device_memory(format!("cannot create a memfd of {size} bytes: {e}"))
                    }
                })?;
            let map = memmap2::MmapOptions::new()
                .len(len)
                .map_raw(&fd)
                .map_err(|e| Error::device_memory(format!("cannot map {size} bytes: {e}")))?;
            Ok((map, fd))
        })();
        match made {
            Ok((map, fd)) => Ok(DeviceMemory {
                size,
                type_index,
                map,
                fd: keep_fd.then_some(fd),
                heap: heap.clone(),
            }),
            Err(e) => {
                heap.release(size);
                Err(e)
            }
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn type_index(&self) -> u32 {
        self.type_index
    }

    /// The memfd, if the allocation is exportable.
    pub fn fd(&self) -> Option<&OwnedFd> {
        self.fd.as_ref()
    }

    /// Host address of byte `offset` (vkMapMemory, buffer device addresses).
    pub fn host_address(&self, offset: u64) -> Option<*mut u8> {
        if offset > self.size {
            return None;
        }
        // SAFETY: offset <= size, so the result is inside or one past the mapping.
        Some(unsafe { self.map.as_mut_ptr().add(offset as usize) })
    }

    /// The bytes `offset .. offset + len`, if in range.
    pub fn span(&self, offset: u64, len: u64) -> Option<Span<'_>> {
        let end = offset.checked_add(len)?;
        if end > self.size {
            return None;
        }
        // SAFETY: the range is inside the mapping, which outlives the span ('_ borrows self).
        Some(unsafe { Span::new(self.map.as_mut_ptr().add(offset as usize), len as usize) })
    }

    /// Checks a flush/invalidate range (coherent memory: nothing else to do).
    pub fn check_range(&self, offset: u64, size: u64) -> Result<()> {
        let ok = if size == ash::vk::WHOLE_SIZE {
            offset <= self.size
        } else {
            offset.checked_add(size).is_some_and(|e| e <= self.size)
        };
        if ok {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "range offset {offset} size {size} is outside the allocation of {} bytes",
                self.size
            )))
        }
    }
}

impl Drop for DeviceMemory {
    fn drop(&mut self) {
        self.heap.release(self.size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_accounts_and_refuses_oversize() {
        let heap = Arc::new(Heap::new(1 << 20));
        let a = DeviceMemory::allocate(&heap, 4096, 0, false).unwrap();
        assert_eq!(heap.used(), 4096);
        assert_eq!(
            DeviceMemory::allocate(&heap, 2 << 20, 0, false)
                .unwrap_err()
                .kind,
            ErrorKind::OutOfDeviceMemory
        );
        assert_eq!(
            DeviceMemory::allocate(&heap, (1 << 20) - 100, 0, false)
                .unwrap_err()
                .kind,
            ErrorKind::OutOfDeviceMemory
        );
        drop(a);
        assert_eq!(heap.used(), 0);
    }

    #[test]
    fn spans_are_bounds_checked_and_zeroed() {
        let heap = Arc::new(Heap::new(1 << 20));
        let m = DeviceMemory::allocate(&heap, 100, 0, false).unwrap();
        assert!(m.span(90, 11).is_none());
        assert!(m.span(u64::MAX, 2).is_none());
        let s = m.span(10, 90).unwrap();
        let mut buf = [1u8; 90];
        s.read(0, &mut buf);
        assert!(buf.iter().all(|&b| b == 0));
        s.write(5, &[7, 8]);
        let mut two = [0u8; 2];
        m.span(15, 2).unwrap().read(0, &mut two);
        assert_eq!(two, [7, 8]);
    }
}
