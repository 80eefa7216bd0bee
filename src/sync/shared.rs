//! A payload in its own memfd page, shared between processes (OPAQUE_FD: reference
//! transference).
//!
//! The page starts with a header that identifies the driver build and the payload kind, then
//! holds a [`Payload`] (value + futex word). Every process that imports the fd maps the same page,
//! so a signal in one process is a store plus a shared-futex wake that wakes waiters in all of
//! them. The header is checked on import: another build's page, a semaphore page imported into a
//! fence, or any other file is refused with VK_ERROR_INVALID_EXTERNAL_HANDLE. A peer that dies
//! leaves the page mapped in the survivors (the kernel keeps the file while any mapping exists),
//! and nothing in it can be left half-written: every field is a single atomic.

use super::payload::Payload;
use crate::error::{Error, ErrorKind, Result};
use crate::platform;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

const MAGIC: [u8; 8] = *b"SOFTVKSY";
const VERSION: u32 = 1;
const PAYLOAD_OFFSET: usize = 64;
const MEMFD_NAME: &str = "softvk-sync";

/// What a shared page holds; an import must match the object it is imported into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum SharedKind {
    BinarySemaphore = 1,
    TimelineSemaphore = 2,
    Fence = 3,
}

#[repr(C)]
struct Header {
    magic: [u8; 8],
    version: u32,
    kind: u32,
    identity: [u8; 32],
}

const _: () = assert!(std::mem::size_of::<Header>() <= PAYLOAD_OFFSET);

/// The driver build a payload page belongs to: driverUUID followed by deviceUUID.
pub type Identity = [u8; 32];

#[derive(Debug)]
pub struct SharedCell {
    map: memmap2::MmapRaw,
    fd: OwnedFd,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidExternalHandle, message)
}

impl SharedCell {
    fn page() -> usize {
        platform::page_size()
    }

    pub fn create(kind: SharedKind, identity: Identity, initial: u64) -> Result<Self> {
        let fd = platform::memfd(MEMFD_NAME, Self::page() as u64, true)
            .map_err(|e| Error::os("creating a shared payload page", e))?;
        let map = memmap2::MmapOptions::new()
            .len(Self::page())
            .map_raw(&fd)
            .map_err(|e| Error::os("mapping a shared payload page", e))?;
        let cell = SharedCell { map, fd };
        // SAFETY: the page is fresh, private to us until exported, and large enough.
        unsafe {
            let h = cell.map.as_mut_ptr() as *mut Header;
            h.write(Header {
                magic: MAGIC,
                version: VERSION,
                kind: kind as u32,
                identity,
            });
            (cell.map.as_mut_ptr().add(PAYLOAD_OFFSET) as *mut Payload)
                .write(Payload::new(initial));
        }
        Ok(cell)
    }

    /// Maps an exported page after checking it; on failure the fd is handed back untouched.
    pub fn import(
        fd: OwnedFd,
        kind: SharedKind,
        identity: Identity,
    ) -> std::result::Result<Self, (Error, OwnedFd)> {
        let raw = fd.as_raw_fd();
        let what = platform::fd_kind(raw).unwrap_or_default();
        let want = format!("/memfd:{MEMFD_NAME}");
        if what != want && what != format!("{want} (deleted)") {
            return Err((
                invalid(format!(
                    "fd {raw} ({what}) is not a softvk semaphore or fence"
                )),
                fd,
            ));
        }
        if platform::fd_size(fd.as_fd()).ok() != Some(Self::page() as u64)
            || !platform::ensure_no_shrink(fd.as_fd())
        {
            return Err((
                invalid(format!("fd {raw} does not hold one sealed payload page")),
                fd,
            ));
        }
        let map = match memmap2::MmapOptions::new().len(Self::page()).map_raw(&fd) {
            Ok(m) => m,
            Err(e) => return Err((invalid(format!("fd {raw} cannot be mapped: {e}")), fd)),
        };
        // SAFETY: the mapping is a page; the header is plain data (a hostile peer can only make
        // the checks below fail).
        let h = unsafe { std::ptr::read_volatile(map.as_ptr() as *const Header) };
        let problem = if h.magic != MAGIC || h.version != VERSION {
            Some("is not a softvk payload page".to_string())
        } else if h.identity != identity {
            Some("comes from another softvk build (driverUUID/deviceUUID differ)".to_string())
        } else if h.kind != kind as u32 {
            Some(format!(
                "holds a payload of another kind ({}), not {kind:?}",
                h.kind
            ))
        } else {
            None
        };
        match problem {
            Some(p) => Err((invalid(format!("fd {raw} {p}")), fd)),
            None => Ok(SharedCell { map, fd }),
        }
    }

    pub fn payload(&self) -> &Payload {
        // SAFETY: the payload lives at PAYLOAD_OFFSET of the mapping for its whole life; all its
        // fields are atomics, so concurrent access from other processes is sound.
        unsafe { &*(self.map.as_ptr().add(PAYLOAD_OFFSET) as *const Payload) }
    }

    /// A new descriptor for the page (every export is a new fd).
    pub fn export(&self) -> Result<OwnedFd> {
        platform::dup(self.fd.as_fd()).map_err(|e| Error::os("duplicating a payload fd", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Identity = [7; 32];

    #[test]
    fn export_import_shares_the_value() {
        let a = SharedCell::create(SharedKind::TimelineSemaphore, ID, 3).unwrap();
        let b = SharedCell::import(a.export().unwrap(), SharedKind::TimelineSemaphore, ID).unwrap();
        a.payload().raise(9);
        assert_eq!(b.payload().value(), 9);
    }

    #[test]
    fn imports_check_kind_identity_and_file() {
        let a = SharedCell::create(SharedKind::Fence, ID, 0).unwrap();
        let (e, fd) =
            SharedCell::import(a.export().unwrap(), SharedKind::BinarySemaphore, ID).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidExternalHandle);
        let (e, fd) = SharedCell::import(fd, SharedKind::Fence, [8; 32]).unwrap_err();
        assert!(e.message.contains("another softvk build"), "{e}");
        drop(fd);
        let other = platform::memfd("something-else", 4096, true).unwrap();
        assert!(SharedCell::import(other, SharedKind::Fence, ID).is_err());
        let ev = platform::eventfd().unwrap();
        assert!(SharedCell::import(ev, SharedKind::Fence, ID).is_err());
    }
}
