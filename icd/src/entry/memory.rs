//! Device memory: allocation, mapping, flush/invalidate.

use super::device::{dev, rep};
use super::external;
use super::obj;
use crate::boundary::{call, call_value, null, out, slice};
use crate::handle::{self, new_handle};
use crate::objects::MemoryObj;
use crate::pnext;
use ash::vk;
use softvk::error::{Error, ErrorKind, Result};
use softvk::memory::{FdKind, MemoryHandle};
use std::ffi::c_void;
use std::sync::Arc;

pub unsafe extern "system" fn allocate_memory(
    device: vk::Device,
    p_info: *const vk::MemoryAllocateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_memory: *mut vk::DeviceMemory,
) -> vk::Result {
    let d = dev(device);
    call("vkAllocateMemory", rep(d), || {
        let d = d.ok_or_else(|| null("device"))?;
        let info = p_info.as_ref().ok_or_else(|| null("pAllocateInfo"))?;
        if p_memory.is_null() {
            return Err(null("pMemory"));
        }
        *p_memory = vk::DeviceMemory::null();
        let mut exportable = false;
        let mut import_fd = None;
        let mut import_host = None;
        for s in pnext::iter(info.p_next) {
            match s.s_type {
                vk::StructureType::EXPORT_MEMORY_ALLOCATE_INFO => {
                    let e = &*(s as *const _ as *const vk::ExportMemoryAllocateInfo<'_>);
                    let fd_types = vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD
                        | vk::ExternalMemoryHandleTypeFlags::DMA_BUF_EXT;
                    if !fd_types.contains(e.handle_types) {
                        return Err(Error::invalid(format!(
                            "export handle types {:?} are not exportable (only OPAQUE_FD and DMA_BUF are)",
                            e.handle_types
                        )));
                    }
                    exportable = !e.handle_types.is_empty();
                }
                vk::StructureType::IMPORT_MEMORY_FD_INFO_KHR => {
                    let i = &*(s as *const _ as *const vk::ImportMemoryFdInfoKHR<'_>);
                    if !i.handle_type.is_empty() {
                        import_fd = Some(*i);
                    }
                }
                vk::StructureType::IMPORT_MEMORY_HOST_POINTER_INFO_EXT => {
                    let i = &*(s as *const _ as *const vk::ImportMemoryHostPointerInfoEXT<'_>);
                    if !i.handle_type.is_empty() {
                        import_host = Some(*i);
                    }
                }
                vk::StructureType::MEMORY_ALLOCATE_FLAGS_INFO => {
                    // DEVICE_ADDRESS needs nothing: every allocation is mapped once, so its
                    // buffers' addresses are host addresses. Capture/replay is not supported
                    // (VUID-VkMemoryAllocateInfo-flags-03331).
                    let f = &*(s as *const _ as *const vk::MemoryAllocateFlagsInfo<'_>);
                    if f.flags
                        .contains(vk::MemoryAllocateFlags::DEVICE_ADDRESS_CAPTURE_REPLAY)
                    {
                        return Err(Error::new(
                            ErrorKind::FeatureNotPresent,
                            "VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_CAPTURE_REPLAY_BIT needs \
                             bufferDeviceAddressCaptureReplay, which softvk does not report",
                        ));
                    }
                }
                vk::StructureType::MEMORY_OPAQUE_CAPTURE_ADDRESS_ALLOCATE_INFO => {
                    let c =
                        &*(s as *const _ as *const vk::MemoryOpaqueCaptureAddressAllocateInfo<'_>);
                    if c.opaque_capture_address != 0 {
                        return Err(Error::new(
                            ErrorKind::FeatureNotPresent,
                            "an opaque capture address needs bufferDeviceAddressCaptureReplay, \
                             which softvk does not report \
                             (VUID-VkMemoryAllocateInfo-opaqueCaptureAddress-03329)",
                        ));
                    }
                }
                // VkMemoryDedicatedAllocateInfo: nothing changes for memfd memory.
                _ => {}
            }
        }
        let (size, ty) = (info.allocation_size, info.memory_type_index);
        let mem = match (import_fd, import_host) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid("an allocation imports at most one handle"));
            }
            (Some(i), None) => {
                let kind = match external::memory_handle(i.handle_type) {
                    Some(MemoryHandle::OpaqueFd) => FdKind::Opaque,
                    Some(MemoryHandle::DmaBuf) => FdKind::DmaBuf,
                    _ => {
                        return Err(Error::new(
                            ErrorKind::InvalidExternalHandle,
                            format!(
                                "handleType {:?} cannot be imported from an fd",
                                i.handle_type
                            ),
                        ));
                    }
                };
                external::import_with(i.fd, |fd| d.core.import_memory_fd(fd, kind, size, ty))?
            }
            (None, Some(h)) => {
                if !matches!(
                    external::memory_handle(h.handle_type),
                    Some(MemoryHandle::HostAllocation | MemoryHandle::HostMappedForeign)
                ) {
                    return Err(Error::new(
                        ErrorKind::InvalidExternalHandle,
                        format!("handleType {:?} is not a host pointer type", h.handle_type),
                    ));
                }
                d.core
                    .import_memory_host(h.p_host_pointer as usize, size, ty)?
            }
            (None, None) => d.core.allocate_memory(size, ty, exportable)?,
        };
        *p_memory = new_handle(MemoryObj(Arc::new(mem)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn free_memory(
    _device: vk::Device,
    memory: vk::DeviceMemory,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    // Resources bound to the memory keep it mapped until they are destroyed too.
    drop(handle::take::<MemoryObj>(memory));
}

fn map(mem: &MemoryObj, offset: u64, size: u64) -> Result<*mut c_void> {
    let m = &mem.0;
    let ok = if size == vk::WHOLE_SIZE {
        offset < m.size()
    } else {
        size > 0 && offset.checked_add(size).is_some_and(|e| e <= m.size())
    };
    if !ok {
        return Err(Error::invalid(format!(
            "map of offset {offset} size {size} is outside the allocation of {} bytes \
             (VUID-vkMapMemory-offset-00679, -size-00681)",
            m.size()
        )));
    }
    m.host_address(offset)
        .map(|p| p as *mut c_void)
        .ok_or_else(|| Error::invalid("offset outside the allocation"))
}

pub unsafe extern "system" fn map_memory(
    device: vk::Device,
    memory: vk::DeviceMemory,
    offset: vk::DeviceSize,
    size: vk::DeviceSize,
    _flags: vk::MemoryMapFlags,
    pp_data: *mut *mut c_void,
) -> vk::Result {
    let d = dev(device);
    call("vkMapMemory", rep(d), || {
        if pp_data.is_null() {
            return Err(null("ppData"));
        }
        *pp_data = std::ptr::null_mut();
        let m = obj::<MemoryObj>(memory, "memory")?;
        *pp_data = map(m, offset, size)?;
        Ok(vk::Result::SUCCESS)
    })
}

/// Memory stays mapped for its whole life (it is the device's memory too): unmapping only
/// ends the application's permission to use the pointer.
pub unsafe extern "system" fn unmap_memory(_device: vk::Device, _memory: vk::DeviceMemory) {}

pub unsafe extern "system" fn map_memory2(
    device: vk::Device,
    p_info: *const vk::MemoryMapInfoKHR<'_>,
    pp_data: *mut *mut c_void,
) -> vk::Result {
    let d = dev(device);
    call("vkMapMemory2KHR", rep(d), || {
        let info = p_info.as_ref().ok_or_else(|| null("pMemoryMapInfo"))?;
        if pp_data.is_null() {
            return Err(null("ppData"));
        }
        *pp_data = std::ptr::null_mut();
        let m = obj::<MemoryObj>(info.memory, "memory")?;
        *pp_data = map(m, info.offset, info.size)?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn unmap_memory2(
    device: vk::Device,
    p_info: *const vk::MemoryUnmapInfoKHR<'_>,
) -> vk::Result {
    let d = dev(device);
    call("vkUnmapMemory2KHR", rep(d), || {
        let info = p_info.as_ref().ok_or_else(|| null("pMemoryUnmapInfo"))?;
        obj::<MemoryObj>(info.memory, "memory")?;
        Ok(vk::Result::SUCCESS)
    })
}

unsafe fn check_ranges(
    command: &str,
    device: vk::Device,
    count: u32,
    p_ranges: *const vk::MappedMemoryRange<'_>,
) -> vk::Result {
    let d = dev(device);
    call(command, rep(d), || {
        // The memory is coherent: there is nothing to flush or invalidate, only ranges to check.
        for r in slice(p_ranges, count, "pMemoryRanges")? {
            obj::<MemoryObj>(r.memory, "memory")?
                .0
                .check_range(r.offset, r.size)?;
        }
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn flush_mapped_memory_ranges(
    device: vk::Device,
    count: u32,
    p_ranges: *const vk::MappedMemoryRange<'_>,
) -> vk::Result {
    check_ranges("vkFlushMappedMemoryRanges", device, count, p_ranges)
}

pub unsafe extern "system" fn invalidate_mapped_memory_ranges(
    device: vk::Device,
    count: u32,
    p_ranges: *const vk::MappedMemoryRange<'_>,
) -> vk::Result {
    check_ranges("vkInvalidateMappedMemoryRanges", device, count, p_ranges)
}

pub unsafe extern "system" fn get_device_memory_commitment(
    device: vk::Device,
    memory: vk::DeviceMemory,
    p_committed: *mut vk::DeviceSize,
) {
    let d = dev(device);
    let v = call_value("vkGetDeviceMemoryCommitment", rep(d), 0, || {
        // No memory type is lazily allocated; the whole allocation counts as committed.
        Ok(obj::<MemoryObj>(memory, "memory")?.0.size())
    });
    let _ = out(p_committed, v, "pCommittedMemoryInBytes");
}

pub unsafe extern "system" fn get_device_memory_opaque_capture_address(
    device: vk::Device,
    p_info: *const vk::DeviceMemoryOpaqueCaptureAddressInfo<'_>,
) -> u64 {
    let d = dev(device);
    call_value("vkGetDeviceMemoryOpaqueCaptureAddress", rep(d), 0, || {
        let info = p_info.as_ref().ok_or_else(|| null("pInfo"))?;
        obj::<MemoryObj>(info.memory, "memory")?;
        // Capture/replay is not supported (bufferDeviceAddressCaptureReplay is not reported):
        // there is no opaque address to replay, so the answer is 0, as for buffers.
        Ok(0)
    })
}
