//! Device creation, queues, private data, device-level lookups.

use super::{disp, obj};
use crate::boundary::{call, call_value, call_void, null, out, slice, string};
use crate::handle::{self, dispatchable_handle, leak_dispatchable, new_dispatchable, new_handle};
use crate::objects::{DeviceObj, PhysicalDeviceObj, PrivateDataSlotObj, QueueObj};
use ash::vk;
use softvk::device::{Device, DeviceDesc};
use softvk::error::Error;
use std::collections::HashMap;
use std::ffi::{CStr, c_char};
use std::sync::Mutex;

pub(crate) unsafe fn dev<'a>(h: vk::Device) -> Option<&'a DeviceObj> {
    handle::get_dispatchable::<DeviceObj>(h)
}

pub(crate) fn rep(d: Option<&DeviceObj>) -> Option<&softvk::log::Reporter> {
    d.map(|d| d.reporter())
}

pub unsafe extern "system" fn get_device_proc_addr(
    device: vk::Device,
    name: *const c_char,
) -> vk::PFN_vkVoidFunction {
    if name.is_null() {
        return None;
    }
    let name = CStr::from_ptr(name);
    let d = dev(device)?;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::dispatch::device_proc(d, name.to_str().ok()?)
    }))
    .unwrap_or(None)
}

pub unsafe extern "system" fn create_device(
    physical: vk::PhysicalDevice,
    p_info: *const vk::DeviceCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_device: *mut vk::Device,
) -> vk::Result {
    let p = handle::get_dispatchable::<PhysicalDeviceObj>(physical);
    call("vkCreateDevice", p.map(|p| &**p.core.reporter()), || {
        let p = disp::<PhysicalDeviceObj>(physical, "physicalDevice")?;
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_device.is_null() {
            return Err(null("pDevice"));
        }
        let mut queues = vec![];
        for q in slice(
            info.p_queue_create_infos,
            info.queue_create_info_count,
            "pQueueCreateInfos",
        )? {
            if !q.flags.is_empty() {
                return Err(Error::new(
                    softvk::ErrorKind::FeatureNotPresent,
                    "protected queues are not supported",
                ));
            }
            queues.push((q.queue_family_index, q.queue_count));
        }
        let mut extensions = vec![];
        for &e in slice(
            info.pp_enabled_extension_names,
            info.enabled_extension_count,
            "ppEnabledExtensionNames",
        )? {
            extensions.push(string(e)?);
        }
        let features =
            super::physical_device::enabled_features(info.p_next, info.p_enabled_features.as_ref());
        let core = Device::new(
            p.core.clone(),
            DeviceDesc {
                queues,
                extensions,
                features,
            },
        )?;
        let instance_minor = match p.instance_api_version {
            0 => 0,
            v => vk::api_version_minor(v),
        };
        let queues = core
            .queues()
            .iter()
            .map(|q| new_dispatchable(QueueObj { core: q.clone() }))
            .collect();
        let d = new_dispatchable(DeviceObj {
            core,
            queues,
            api_minor: instance_minor.min(3),
            debug_utils: p.debug_utils,
            names: Mutex::new(HashMap::new()),
        });
        *p_device = leak_dispatchable(d);
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_device(
    device: vk::Device,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    // Dropping the device stops its queue workers (cancelling any wait that can never finish).
    drop(handle::take_dispatchable::<DeviceObj>(device));
}

pub unsafe extern "system" fn get_device_queue(
    device: vk::Device,
    family: u32,
    index: u32,
    p_queue: *mut vk::Queue,
) {
    let d = dev(device);
    call_void("vkGetDeviceQueue", rep(d), || {
        let d = d.ok_or_else(|| null("device"))?;
        let q = d
            .queues
            .iter()
            .find(|q| q.obj.core.family() == family && q.obj.core.index() == index)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "queue {index} of family {family} was not created with the device \
                     (VUID-vkGetDeviceQueue-queueIndex-00385)"
                ))
            })?;
        out(p_queue, dispatchable_handle(&**q), "pQueue")
    })
}

pub unsafe extern "system" fn get_device_queue2(
    device: vk::Device,
    p_info: *const vk::DeviceQueueInfo2<'_>,
    p_queue: *mut vk::Queue,
) {
    let Some(info) = p_info.as_ref() else {
        call_void("vkGetDeviceQueue2", rep(dev(device)), || {
            Err(null("pQueueInfo"))
        });
        return;
    };
    if !info.flags.is_empty() {
        // No protected queues exist: the spec says the result is VK_NULL_HANDLE.
        if !p_queue.is_null() {
            *p_queue = vk::Queue::null();
        }
        return;
    }
    get_device_queue(device, info.queue_family_index, info.queue_index, p_queue)
}

pub unsafe extern "system" fn device_wait_idle(device: vk::Device) -> vk::Result {
    let d = dev(device);
    call("vkDeviceWaitIdle", rep(d), || {
        d.ok_or_else(|| null("device"))?.core.wait_idle()?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_device_group_peer_memory_features(
    _device: vk::Device,
    _heap: u32,
    _local: u32,
    _remote: u32,
    p_features: *mut vk::PeerMemoryFeatureFlags,
) {
    // A group of one device: only local == remote == 0 is valid, where everything works.
    if !p_features.is_null() {
        *p_features = vk::PeerMemoryFeatureFlags::COPY_SRC
            | vk::PeerMemoryFeatureFlags::COPY_DST
            | vk::PeerMemoryFeatureFlags::GENERIC_SRC
            | vk::PeerMemoryFeatureFlags::GENERIC_DST;
    }
}

pub unsafe extern "system" fn create_private_data_slot(
    device: vk::Device,
    p_info: *const vk::PrivateDataSlotCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_slot: *mut vk::PrivateDataSlot,
) -> vk::Result {
    let d = dev(device);
    call("vkCreatePrivateDataSlot", rep(d), || {
        let d = d.ok_or_else(|| null("device"))?;
        if p_info.is_null() {
            return Err(null("pCreateInfo"));
        }
        let slot = d.core.create_private_data_slot();
        out(
            p_slot,
            new_handle(PrivateDataSlotObj(slot)),
            "pPrivateDataSlot",
        )?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_private_data_slot(
    device: vk::Device,
    slot: vk::PrivateDataSlot,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    if let (Some(d), Some(s)) = (dev(device), handle::take::<PrivateDataSlotObj>(slot)) {
        d.core.destroy_private_data_slot(s.0);
    }
}

pub unsafe extern "system" fn set_private_data(
    device: vk::Device,
    _object_type: vk::ObjectType,
    object: u64,
    slot: vk::PrivateDataSlot,
    data: u64,
) -> vk::Result {
    let d = dev(device);
    call("vkSetPrivateData", rep(d), || {
        let d = d.ok_or_else(|| null("device"))?;
        let s = obj::<PrivateDataSlotObj>(slot, "privateDataSlot")?;
        d.core.set_private_data(s.0, object, data);
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_private_data(
    device: vk::Device,
    _object_type: vk::ObjectType,
    object: u64,
    slot: vk::PrivateDataSlot,
    p_data: *mut u64,
) {
    let d = dev(device);
    let v = call_value("vkGetPrivateData", rep(d), 0, || {
        let d = d.ok_or_else(|| null("device"))?;
        let s = obj::<PrivateDataSlotObj>(slot, "privateDataSlot")?;
        Ok(d.core.private_data(s.0, object))
    });
    if !p_data.is_null() {
        *p_data = v;
    }
}
