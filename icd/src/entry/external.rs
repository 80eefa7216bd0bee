//! External handles: memory, semaphore and fence export/import through file descriptors and
//! host pointers (VK_KHR_external_*_fd, VK_EXT_external_memory_dma_buf,
//! VK_EXT_external_memory_host), and the handle-type tables the capability queries use.
//!
//! Ownership rules of the spec, as implemented here: an exported fd belongs to the application;
//! an imported fd belongs to the driver only if the import succeeds; on failure it is left open
//! and untouched. fd `-1` is accepted only where the spec gives it a meaning (SYNC_FD: already
//! signaled).

use super::device::{dev, rep};
use super::obj;
use crate::boundary::{call, null};
use crate::objects::{FenceObj, MemoryObj, SemaphoreObj};
use ash::vk;
use softvk::error::{Error, ErrorKind, Result};
use softvk::log::Severity;
use softvk::memory::{FdKind, MemoryHandle};
use softvk::platform;
use softvk::sync::SyncHandle;
use std::ffi::c_void;
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};

/// The single memory handle type a flag names (None for anything softvk does not have).
pub fn memory_handle(t: vk::ExternalMemoryHandleTypeFlags) -> Option<MemoryHandle> {
    type T = vk::ExternalMemoryHandleTypeFlags;
    Some(match t {
        T::OPAQUE_FD => MemoryHandle::OpaqueFd,
        T::DMA_BUF_EXT => MemoryHandle::DmaBuf,
        T::HOST_ALLOCATION_EXT => MemoryHandle::HostAllocation,
        T::HOST_MAPPED_FOREIGN_MEMORY_EXT => MemoryHandle::HostMappedForeign,
        _ => return None,
    })
}

pub fn memory_flag(h: MemoryHandle) -> vk::ExternalMemoryHandleTypeFlags {
    type T = vk::ExternalMemoryHandleTypeFlags;
    match h {
        MemoryHandle::OpaqueFd => T::OPAQUE_FD,
        MemoryHandle::DmaBuf => T::DMA_BUF_EXT,
        MemoryHandle::HostAllocation => T::HOST_ALLOCATION_EXT,
        MemoryHandle::HostMappedForeign => T::HOST_MAPPED_FOREIGN_MEMORY_EXT,
    }
}

/// VkExternalMemoryProperties for a handle type (all zero when unsupported).
pub fn memory_properties(
    t: vk::ExternalMemoryHandleTypeFlags,
    image: bool,
) -> Option<vk::ExternalMemoryProperties> {
    let caps = softvk::memory::external_caps(memory_handle(t)?, image)?;
    let flags = |l: &[MemoryHandle]| {
        l.iter()
            .fold(vk::ExternalMemoryHandleTypeFlags::empty(), |a, h| {
                a | memory_flag(*h)
            })
    };
    let mut features = vk::ExternalMemoryFeatureFlags::empty();
    if caps.export {
        features |= vk::ExternalMemoryFeatureFlags::EXPORTABLE;
    }
    if caps.import {
        features |= vk::ExternalMemoryFeatureFlags::IMPORTABLE;
    }
    Some(vk::ExternalMemoryProperties {
        external_memory_features: features,
        export_from_imported_handle_types: flags(caps.export_from_imported),
        compatible_handle_types: flags(caps.compatible),
    })
}

pub fn semaphore_handle(t: vk::ExternalSemaphoreHandleTypeFlags) -> Option<SyncHandle> {
    match t {
        vk::ExternalSemaphoreHandleTypeFlags::OPAQUE_FD => Some(SyncHandle::OpaqueFd),
        vk::ExternalSemaphoreHandleTypeFlags::SYNC_FD => Some(SyncHandle::SyncFd),
        _ => None,
    }
}

pub fn fence_handle(t: vk::ExternalFenceHandleTypeFlags) -> Option<SyncHandle> {
    match t {
        vk::ExternalFenceHandleTypeFlags::OPAQUE_FD => Some(SyncHandle::OpaqueFd),
        vk::ExternalFenceHandleTypeFlags::SYNC_FD => Some(SyncHandle::SyncFd),
        _ => None,
    }
}

/// Takes an fd the application hands over, if it is an open descriptor. The caller gives it
/// back (`into_raw_fd`) if the import fails.
pub fn take_fd(fd: i32) -> Result<OwnedFd> {
    if !platform::fd_is_open(fd) {
        return Err(Error::new(
            ErrorKind::InvalidExternalHandle,
            format!("fd {fd} is not an open file descriptor"),
        ));
    }
    // SAFETY: `fd` is open; ownership moves to us, and returns to the application on failure.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Runs an import that owns `fd` on success and hands it back on failure.
pub fn import_with<T>(
    fd: i32,
    f: impl FnOnce(OwnedFd) -> std::result::Result<T, (Error, OwnedFd)>,
) -> Result<T> {
    let owned = take_fd(fd)?;
    f(owned).map_err(|(e, fd)| {
        // The import failed: the application still owns the descriptor.
        let _ = fd.into_raw_fd();
        e
    })
}

pub unsafe extern "system" fn get_memory_fd(
    device: vk::Device,
    p_info: *const vk::MemoryGetFdInfoKHR<'_>,
    p_fd: *mut i32,
) -> vk::Result {
    let d = dev(device);
    call("vkGetMemoryFdKHR", rep(d), || {
        let info = p_info.as_ref().ok_or_else(|| null("pGetFdInfo"))?;
        let kind = match memory_handle(info.handle_type) {
            Some(MemoryHandle::OpaqueFd) => FdKind::Opaque,
            Some(MemoryHandle::DmaBuf) => FdKind::DmaBuf,
            _ => {
                return Err(Error::invalid(format!(
                    "handleType {:?} cannot be exported as an fd",
                    info.handle_type
                )));
            }
        };
        if p_fd.is_null() {
            return Err(null("pFd"));
        }
        let (fd, real) = obj::<MemoryObj>(info.memory, "memory")?.0.export_fd(kind)?;
        // Said once per process: which kind of fd DMA_BUF export makes here does not change.
        static SAID: std::sync::Once = std::sync::Once::new();
        if kind == FdKind::DmaBuf
            && !real
            && let Some(d) = d
        {
            SAID.call_once(|| {
                d.reporter().report(
                Severity::Info,
                "softvk-dmabuf",
                "DMA_BUF export: the kernel has no /dev/udmabuf, so the fd is the memory's memfd \
                 (mmap-based importers accept it; GPU drivers need a real dma-buf)",
                )
            });
        }
        *p_fd = fd.into_raw_fd();
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_memory_fd_properties(
    device: vk::Device,
    handle_type: vk::ExternalMemoryHandleTypeFlags,
    fd: i32,
    p_props: *mut vk::MemoryFdPropertiesKHR<'_>,
) -> vk::Result {
    let d = dev(device);
    call("vkGetMemoryFdPropertiesKHR", rep(d), || {
        let props = p_props
            .as_mut()
            .ok_or_else(|| null("pMemoryFdProperties"))?;
        props.memory_type_bits = 0;
        if handle_type != vk::ExternalMemoryHandleTypeFlags::DMA_BUF_EXT {
            return Err(Error::new(
                ErrorKind::InvalidExternalHandle,
                format!(
                    "vkGetMemoryFdPropertiesKHR answers for DMA_BUF only, not {handle_type:?} (VUID-vkGetMemoryFdPropertiesKHR-handleType-00674)"
                ),
            ));
        }
        let what = platform::fd_kind(fd).unwrap_or_default();
        if !(what.starts_with("/dmabuf:")
            || what == "anon_inode:dmabuf"
            || what.starts_with("/memfd:"))
        {
            return Err(Error::new(
                ErrorKind::InvalidExternalHandle,
                format!("fd {fd} ({what}) is not a dma-buf"),
            ));
        }
        props.memory_type_bits = 1;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_memory_host_pointer_properties(
    device: vk::Device,
    handle_type: vk::ExternalMemoryHandleTypeFlags,
    p_host: *const c_void,
    p_props: *mut vk::MemoryHostPointerPropertiesEXT<'_>,
) -> vk::Result {
    let d = dev(device);
    call("vkGetMemoryHostPointerPropertiesEXT", rep(d), || {
        let props = p_props
            .as_mut()
            .ok_or_else(|| null("pMemoryHostPointerProperties"))?;
        props.memory_type_bits = 0;
        if !matches!(
            memory_handle(handle_type),
            Some(MemoryHandle::HostAllocation | MemoryHandle::HostMappedForeign)
        ) {
            return Err(Error::new(
                ErrorKind::InvalidExternalHandle,
                format!("{handle_type:?} is not a host pointer type"),
            ));
        }
        let page = platform::page_size();
        let addr = p_host as usize;
        if addr == 0 || !addr.is_multiple_of(page) || !platform::host_range_mapped(addr, page) {
            return Err(Error::new(
                ErrorKind::InvalidExternalHandle,
                format!("host pointer {addr:#x} is not a mapped address aligned to {page}"),
            ));
        }
        props.memory_type_bits = 1;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_semaphore_fd(
    device: vk::Device,
    p_info: *const vk::SemaphoreGetFdInfoKHR<'_>,
    p_fd: *mut i32,
) -> vk::Result {
    let d = dev(device);
    call("vkGetSemaphoreFdKHR", rep(d), || {
        let info = p_info.as_ref().ok_or_else(|| null("pGetFdInfo"))?;
        let h = semaphore_handle(info.handle_type).ok_or_else(|| {
            Error::invalid(format!(
                "handleType {:?} is not an fd type",
                info.handle_type
            ))
        })?;
        if p_fd.is_null() {
            return Err(null("pFd"));
        }
        let fd = obj::<SemaphoreObj>(info.semaphore, "semaphore")?
            .0
            .export(h)?;
        *p_fd = fd.map_or(-1, IntoRawFd::into_raw_fd);
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn import_semaphore_fd(
    device: vk::Device,
    p_info: *const vk::ImportSemaphoreFdInfoKHR<'_>,
) -> vk::Result {
    let d = dev(device);
    call("vkImportSemaphoreFdKHR", rep(d), || {
        let info = p_info
            .as_ref()
            .ok_or_else(|| null("pImportSemaphoreFdInfo"))?;
        let h = semaphore_handle(info.handle_type).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidExternalHandle,
                format!("handleType {:?} is not an fd type", info.handle_type),
            )
        })?;
        let s = &obj::<SemaphoreObj>(info.semaphore, "semaphore")?.0;
        let temporary = info.flags.contains(vk::SemaphoreImportFlags::TEMPORARY);
        if h == SyncHandle::SyncFd && !temporary {
            return Err(Error::invalid(
                "SYNC_FD imports must be temporary (VUID-VkImportSemaphoreFdInfoKHR-handleType-07307)",
            ));
        }
        if h == SyncHandle::SyncFd && info.fd == -1 {
            s.import_signaled()?;
        } else {
            import_with(info.fd, |fd| s.import(fd, h, temporary))?;
        }
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_fence_fd(
    device: vk::Device,
    p_info: *const vk::FenceGetFdInfoKHR<'_>,
    p_fd: *mut i32,
) -> vk::Result {
    let d = dev(device);
    call("vkGetFenceFdKHR", rep(d), || {
        let info = p_info.as_ref().ok_or_else(|| null("pGetFdInfo"))?;
        let h = fence_handle(info.handle_type).ok_or_else(|| {
            Error::invalid(format!(
                "handleType {:?} is not an fd type",
                info.handle_type
            ))
        })?;
        if p_fd.is_null() {
            return Err(null("pFd"));
        }
        let fd = obj::<FenceObj>(info.fence, "fence")?.0.export(h)?;
        *p_fd = fd.map_or(-1, IntoRawFd::into_raw_fd);
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn import_fence_fd(
    device: vk::Device,
    p_info: *const vk::ImportFenceFdInfoKHR<'_>,
) -> vk::Result {
    let d = dev(device);
    call("vkImportFenceFdKHR", rep(d), || {
        let info = p_info.as_ref().ok_or_else(|| null("pImportFenceFdInfo"))?;
        let h = fence_handle(info.handle_type).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidExternalHandle,
                format!("handleType {:?} is not an fd type", info.handle_type),
            )
        })?;
        let f = &obj::<FenceObj>(info.fence, "fence")?.0;
        let temporary = info.flags.contains(vk::FenceImportFlags::TEMPORARY);
        if h == SyncHandle::SyncFd && !temporary {
            return Err(Error::invalid(
                "SYNC_FD imports must be temporary (VUID-VkImportFenceFdInfoKHR-handleType-07306)",
            ));
        }
        if h == SyncHandle::SyncFd && info.fd == -1 {
            f.import_signaled();
        } else {
            import_with(info.fd, |fd| f.import(fd, h, temporary))?;
        }
        Ok(vk::Result::SUCCESS)
    })
}
