//! Device memory: every allocation is a memfd mapped shared.
//!
//! The mapping is made once, at allocation, and lives as long as the [`DeviceMemory`]; the
//! host (vkMapMemory) and the device (commands) use the same pages, so the memory is coherent
//! and flush/invalidate have nothing to do. Commands reach the bytes through [`Span`]s, which
//! are bounds-checked when made.
//!
//! The memfd's file descriptor is kept only when the application asked for an exportable
//! allocation; otherwise it is closed right after mapping (the mapping keeps the file alive),
//! so the number of allocations is not bounded by the process's fd limit. Exportable memfds
//! are named after the driver build (see [`identity_name`]) and sealed against resizing, so an
//! importing process can check both compatibility and size before it maps anything.
//!
//! Imports: [`DeviceMemory::import_fd`] (OPAQUE_FD, DMA_BUF) and
//! [`DeviceMemory::import_host`] (host pointers, used in place).
//!
//! Concurrency: the host may write mapped memory while queues run; the Vulkan rules make the
//! application order those accesses. Spans therefore use raw copies (`ptr::copy`), never Rust
//! references that would assert exclusivity.

pub mod addresses;
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

/// Kinds of file descriptor a memory object can be exported as or imported from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdKind {
    /// VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT: a softvk memfd of the same build.
    Opaque,
    /// VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT: a dma-buf (or, as an equivalent a CPU
    /// driver can always offer, a memfd).
    DmaBuf,
}

/// External memory handle types on Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryHandle {
    OpaqueFd,
    DmaBuf,
    HostAllocation,
    HostMappedForeign,
}

/// What the memory implementation can do with a handle type, for buffers or images. The
/// capability queries are built from this table (see [`DeviceMemory::export_fd`],
/// [`DeviceMemory::import_fd`], [`DeviceMemory::import_host`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryCaps {
    pub export: bool,
    pub import: bool,
    /// Types that can be requested together with this one (one memfd serves both fd types).
    pub compatible: &'static [MemoryHandle],
    /// Types memory imported with this type can be exported as.
    pub export_from_imported: &'static [MemoryHandle],
}

const FD_TYPES: &[MemoryHandle] = &[MemoryHandle::OpaqueFd, MemoryHandle::DmaBuf];

/// Capabilities of a handle type for buffers (`image == false`) or images.
pub fn external_caps(handle: MemoryHandle, image: bool) -> Option<MemoryCaps> {
    match handle {
        MemoryHandle::OpaqueFd => Some(MemoryCaps {
            export: true,
            import: true,
            compatible: FD_TYPES,
            export_from_imported: FD_TYPES,
        }),
        MemoryHandle::DmaBuf => Some(MemoryCaps {
            export: true,
            import: true,
            compatible: FD_TYPES,
            // A foreign dma-buf is not a softvk memfd: it re-exports only as a dma-buf.
            export_from_imported: &[MemoryHandle::DmaBuf],
        }),
        // Host memory is used in place, for buffers; it is never exported.
        MemoryHandle::HostAllocation if !image => Some(MemoryCaps {
            export: false,
            import: true,
            compatible: &[MemoryHandle::HostAllocation],
            export_from_imported: &[],
        }),
        MemoryHandle::HostMappedForeign if !image => Some(MemoryCaps {
            export: false,
            import: true,
            compatible: &[MemoryHandle::HostMappedForeign],
            export_from_imported: &[],
        }),
        _ => None,
    }
}

/// Where the bytes of a memory object are.
#[derive(Debug)]
enum Backing {
    /// A shared mapping of a file: this driver's memfd, or an imported memfd or dma-buf.
    /// `fd` is kept for exportable and imported memory (export needs it, and an import owns it).
    File {
        map: memmap2::MmapRaw,
        fd: Option<OwnedFd>,
    },
    /// Imported host memory (VK_EXT_external_memory_host): used in place, never owned; the
    /// application keeps it mapped for the life of the memory object.
    Host { addr: usize },
}

/// How a memory object came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Allocated,
    ImportedFd(FdKind),
    ImportedHost,
}

/// One VkDeviceMemory.
#[derive(Debug)]
pub struct DeviceMemory {
    size: u64,
    type_index: u32,
    backing: Backing,
    origin: Origin,
    /// The heap this allocation counts against (imports do not allocate from it).
    heap: Option<Arc<Heap>>,
}

/// The memfd name that identifies this driver build: `softvk-memory:<driverUUID>-<deviceUUID>`.
/// OPAQUE_FD import checks it, so only memory of a compatible build is accepted.
pub fn identity_name(driver_uuid: [u8; 16], device_uuid: [u8; 16]) -> String {
    let hex = |u: [u8; 16]| u.iter().map(|b| format!("{b:02x}")).collect::<String>();
    format!("softvk-memory:{}-{}", hex(driver_uuid), hex(device_uuid))
}

fn invalid_handle(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidExternalHandle, message)
}

impl DeviceMemory {
    /// Allocates `size` bytes from `heap`. `export` (the memfd name of this build) keeps the
    /// memfd, sealed against resizing and page-rounded, so it can be exported.
    pub fn allocate(
        heap: &Arc<Heap>,
        size: u64,
        type_index: u32,
        export: Option<&str>,
    ) -> Result<Self> {
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
        let page = platform::page_size() as u64;
        let (name, file_size) = match export {
            Some(n) => (n, size.div_ceil(page) * page),
            None => ("softvk-memory", size),
        };
        let made = (|| -> Result<(memmap2::MmapRaw, OwnedFd)> {
            let fd = platform::memfd(name, file_size, export.is_some()).map_err(|e| {
                match e.raw_os_error() {
                    Some(libc::EMFILE) | Some(libc::ENFILE) => Error::new(
                        ErrorKind::TooManyObjects,
                        format!("cannot create the memfd for an allocation: {e}"),
                    ),
                    _ => {
                        Error::device_memory(format!("cannot create a memfd of {size} bytes: {e}"))
                    }
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
                backing: Backing::File {
                    map,
                    fd: export.is_some().then_some(fd),
                },
                origin: Origin::Allocated,
                heap: Some(heap.clone()),
            }),
            Err(e) => {
                heap.release(size);
                Err(e)
            }
        }
    }

    /// Imports `size` bytes from a file descriptor (VkImportMemoryFdInfoKHR). On success the
    /// memory owns `fd`; on failure `fd` is handed back untouched (still open, nothing mapped),
    /// as the spec requires.
    ///
    /// OPAQUE_FD accepts only a memfd of this driver build (`identity`, from its memfd name) at
    /// least `size` bytes long. DMA_BUF_EXT accepts any dma-buf that can be mapped, and memfds;
    /// a memfd must be sealed against shrinking (or let us add the seal), since a peer
    /// truncating it under our mapping would crash this process.
    pub fn import_fd(
        fd: OwnedFd,
        kind: FdKind,
        size: u64,
        type_index: u32,
        identity: &str,
    ) -> std::result::Result<Self, (Error, OwnedFd)> {
        match Self::check_import(&fd, kind, size, identity) {
            Ok(()) => {}
            Err(e) => return Err((e, fd)),
        }
        let map = match memmap2::MmapOptions::new().len(size as usize).map_raw(&fd) {
            Ok(m) => m,
            Err(e) => {
                return Err((
                    invalid_handle(format!("the handle cannot be mapped: {e}")),
                    fd,
                ));
            }
        };
        Ok(DeviceMemory {
            size,
            type_index,
            backing: Backing::File { map, fd: Some(fd) },
            origin: Origin::ImportedFd(kind),
            heap: None,
        })
    }

    fn check_import(fd: &OwnedFd, kind: FdKind, size: u64, identity: &str) -> Result<()> {
        use std::os::fd::{AsFd, AsRawFd};
        if size == 0 || usize::try_from(size).is_err() {
            return Err(Error::invalid(
                "allocationSize of an import must be non-zero",
            ));
        }
        let what = platform::fd_kind(fd.as_raw_fd())
            .ok_or_else(|| invalid_handle(format!("fd {} is not open", fd.as_raw_fd())))?;
        let memfd = what.starts_with("/memfd:");
        match kind {
            FdKind::Opaque => {
                let want = format!("/memfd:{identity}");
                if what != want && what != format!("{want} (deleted)") {
                    return Err(invalid_handle(format!(
                        "fd {} ({what}) is not memory exported by this softvk build                          (OPAQUE_FD needs the same driverUUID and deviceUUID)",
                        fd.as_raw_fd()
                    )));
                }
            }
            FdKind::DmaBuf => {
                let dmabuf = what.starts_with("/dmabuf:") || what == "anon_inode:dmabuf";
                if !dmabuf && !memfd {
                    return Err(invalid_handle(format!(
                        "fd {} ({what}) is neither a dma-buf nor a memfd",
                        fd.as_raw_fd()
                    )));
                }
            }
        }
        let have = platform::fd_size(fd.as_fd())
            .map_err(|e| invalid_handle(format!("cannot size fd {}: {e}", fd.as_raw_fd())))?;
        if have < size {
            return Err(invalid_handle(format!(
                "fd {} holds {have} bytes, fewer than allocationSize {size}",
                fd.as_raw_fd()
            )));
        }
        if memfd && !platform::ensure_no_shrink(fd.as_fd()) {
            return Err(invalid_handle(format!(
                "memfd {} can be shrunk by another process and cannot be sealed; create it with                  MFD_ALLOW_SEALING or seal it with F_SEAL_SHRINK",
                fd.as_raw_fd()
            )));
        }
        Ok(())
    }

    /// Imports host memory in place (VkImportMemoryHostPointerInfoEXT): `addr` and `size` must
    /// be multiples of the page size (minImportedHostPointerAlignment) and every page mapped.
    pub fn import_host(addr: usize, size: u64, type_index: u32) -> Result<Self> {
        let page = platform::page_size();
        if addr == 0 || !addr.is_multiple_of(page) || size == 0 || !size.is_multiple_of(page as u64)
        {
            return Err(invalid_handle(format!(
                "host pointer {addr:#x} and size {size} must be non-zero multiples of                  minImportedHostPointerAlignment ({page})"
            )));
        }
        let len = usize::try_from(size)
            .map_err(|_| invalid_handle("size does not fit the address space"))?;
        if addr.checked_add(len).is_none() || !platform::host_range_mapped(addr, len) {
            return Err(invalid_handle(format!(
                "host range {addr:#x}+{size} is not mapped in this process"
            )));
        }
        Ok(DeviceMemory {
            size,
            type_index,
            backing: Backing::Host { addr },
            origin: Origin::ImportedHost,
            heap: None,
        })
    }

    /// A new descriptor for this memory (vkGetMemoryFdKHR). OPAQUE_FD: the memfd again.
    /// DMA_BUF: a real dma-buf made by /dev/udmabuf when the kernel has it; otherwise the memfd
    /// itself, which every mmap-based importer (this driver, lavapipe) accepts but a GPU driver
    /// would not. The second element says whether the result is a real dma-buf.
    pub fn export_fd(&self, kind: FdKind) -> Result<(OwnedFd, bool)> {
        use std::os::fd::AsFd;
        let Backing::File { fd: Some(fd), .. } = &self.backing else {
            return Err(Error::invalid(
                "the memory was not allocated exportable (VkExportMemoryAllocateInfo) nor imported from an fd",
            ));
        };
        if kind == FdKind::Opaque && self.origin == Origin::ImportedFd(FdKind::DmaBuf) {
            return Err(Error::invalid(
                "memory imported from a dma-buf exports only as DMA_BUF (exportFromImportedHandleTypes)",
            ));
        }
        if kind == FdKind::DmaBuf
            && self.origin != Origin::ImportedFd(FdKind::DmaBuf)
            && let Some(buf) = platform::udmabuf_from_memfd(fd.as_fd(), self.size)
        {
            return Ok((buf, true));
        }
        let dup = platform::dup(fd.as_fd()).map_err(|e| match e.raw_os_error() {
            Some(libc::EMFILE) | Some(libc::ENFILE) => Error::new(
                ErrorKind::TooManyObjects,
                format!("cannot duplicate the memory fd: {e}"),
            ),
            _ => Error::os("duplicating the memory fd", e),
        })?;
        let real = platform::fd_kind(std::os::fd::AsRawFd::as_raw_fd(&dup))
            .is_some_and(|k| !k.starts_with("/memfd:"));
        Ok((dup, real))
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn type_index(&self) -> u32 {
        self.type_index
    }

    fn base(&self) -> *mut u8 {
        match &self.backing {
            Backing::File { map, .. } => map.as_mut_ptr(),
            Backing::Host { addr } => *addr as *mut u8,
        }
    }

    /// Host address of byte `offset` (vkMapMemory, buffer device addresses).
    pub fn host_address(&self, offset: u64) -> Option<*mut u8> {
        if offset > self.size {
            return None;
        }
        // SAFETY: offset <= size, so the result is inside or one past the memory.
        Some(unsafe { self.base().add(offset as usize) })
    }

    /// The bytes `offset .. offset + len`, if in range.
    pub fn span(&self, offset: u64, len: u64) -> Option<Span<'_>> {
        let end = offset.checked_add(len)?;
        if end > self.size {
            return None;
        }
        // SAFETY: the range is inside the memory, which outlives the span ('_ borrows self);
        // imported host memory stays mapped for the memory's life by the import's contract.
        Some(unsafe { Span::new(self.base().add(offset as usize), len as usize) })
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
        if let Some(h) = &self.heap {
            h.release(self.size);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_accounts_and_refuses_oversize() {
        let heap = Arc::new(Heap::new(1 << 20));
        let a = DeviceMemory::allocate(&heap, 4096, 0, None).unwrap();
        assert_eq!(heap.used(), 4096);
        assert_eq!(
            DeviceMemory::allocate(&heap, 2 << 20, 0, None)
                .unwrap_err()
                .kind,
            ErrorKind::OutOfDeviceMemory
        );
        assert_eq!(
            DeviceMemory::allocate(&heap, (1 << 20) - 100, 0, None)
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
        let m = DeviceMemory::allocate(&heap, 100, 0, None).unwrap();
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
