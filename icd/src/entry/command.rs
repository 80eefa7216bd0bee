//! Command pools and command buffer lifecycles.

use super::device::{dev, rep};
use super::{disp, obj};
use crate::boundary::{call, null, slice};
use crate::handle::{self, leak_dispatchable, new_dispatchable, new_handle};
use crate::objects::{CommandBufferObj, CommandPoolObj, DeviceObj};
use ash::vk::{self, Handle};
use softvk::command::CommandPool;
use std::sync::{Arc, Mutex};

pub unsafe extern "system" fn create_command_pool(
    device: vk::Device,
    p_info: *const vk::CommandPoolCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_pool: *mut vk::CommandPool,
) -> vk::Result {
    call("vkCreateCommandPool", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_pool.is_null() {
            return Err(null("pCommandPool"));
        }
        *p_pool = vk::CommandPool::null();
        let pool = CommandPool::new(info.flags, info.queue_family_index)?;
        *p_pool = new_handle(CommandPoolObj {
            core: Arc::new(pool),
            buffers: Mutex::new(Vec::new()),
        });
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_command_pool(
    _device: vk::Device,
    pool: vk::CommandPool,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    if let Some(p) = handle::take::<CommandPoolObj>(pool) {
        // Destroying a pool frees every command buffer allocated from it.
        for raw in p.buffers.into_inner().unwrap_or_else(|e| e.into_inner()) {
            drop(handle::take_dispatchable::<CommandBufferObj>(
                vk::CommandBuffer::from_raw(raw),
            ));
        }
    }
}

pub unsafe extern "system" fn reset_command_pool(
    device: vk::Device,
    pool: vk::CommandPool,
    _flags: vk::CommandPoolResetFlags,
) -> vk::Result {
    call("vkResetCommandPool", rep(dev(device)), || {
        obj::<CommandPoolObj>(pool, "commandPool")?.core.reset();
        Ok(vk::Result::SUCCESS)
    })
}

/// Recordings are ordinary heap vectors released on reset; there is no pool memory to trim.
pub unsafe extern "system" fn trim_command_pool(
    _device: vk::Device,
    _pool: vk::CommandPool,
    _flags: vk::CommandPoolTrimFlags,
) {
}

pub unsafe extern "system" fn allocate_command_buffers(
    device: vk::Device,
    p_info: *const vk::CommandBufferAllocateInfo<'_>,
    p_buffers: *mut vk::CommandBuffer,
) -> vk::Result {
    call("vkAllocateCommandBuffers", rep(dev(device)), || {
        let d = disp::<DeviceObj>(device, "device")?;
        let info = p_info.as_ref().ok_or_else(|| null("pAllocateInfo"))?;
        let pool = obj::<CommandPoolObj>(info.command_pool, "commandPool")?;
        if p_buffers.is_null() && info.command_buffer_count > 0 {
            return Err(null("pCommandBuffers"));
        }
        let mut list = pool.buffers.lock().unwrap_or_else(|e| e.into_inner());
        for i in 0..info.command_buffer_count as usize {
            let cb = new_dispatchable(CommandBufferObj {
                core: pool.core.allocate(info.level),
                device: d.core.clone(),
            });
            let h = leak_dispatchable(cb);
            list.push(h.as_raw());
            *p_buffers.add(i) = h;
        }
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn free_command_buffers(
    device: vk::Device,
    pool: vk::CommandPool,
    count: u32,
    p_buffers: *const vk::CommandBuffer,
) {
    crate::boundary::call_void("vkFreeCommandBuffers", rep(dev(device)), || {
        let pool = obj::<CommandPoolObj>(pool, "commandPool")?;
        let mut list = pool.buffers.lock().unwrap_or_else(|e| e.into_inner());
        for &cb in slice(p_buffers, count, "pCommandBuffers")? {
            if cb.is_null() {
                continue;
            }
            if let Some(i) = list.iter().position(|&r| r == cb.as_raw()) {
                list.swap_remove(i);
                drop(handle::take_dispatchable::<CommandBufferObj>(cb));
            }
        }
        Ok(())
    })
}

unsafe fn cb_obj<'a>(cb: vk::CommandBuffer) -> Option<&'a CommandBufferObj> {
    handle::get_dispatchable::<CommandBufferObj>(cb)
}

pub unsafe extern "system" fn begin_command_buffer(
    cb: vk::CommandBuffer,
    p_info: *const vk::CommandBufferBeginInfo<'_>,
) -> vk::Result {
    let c = cb_obj(cb);
    call(
        "vkBeginCommandBuffer",
        c.map(|c| &**c.device.reporter()),
        || {
            let c = c.ok_or_else(|| null("commandBuffer"))?;
            if p_info.is_null() {
                return Err(null("pBeginInfo"));
            }
            c.core.begin()?;
            Ok(vk::Result::SUCCESS)
        },
    )
}

pub unsafe extern "system" fn end_command_buffer(cb: vk::CommandBuffer) -> vk::Result {
    let c = cb_obj(cb);
    call(
        "vkEndCommandBuffer",
        c.map(|c| &**c.device.reporter()),
        || {
            c.ok_or_else(|| null("commandBuffer"))?.core.end()?;
            Ok(vk::Result::SUCCESS)
        },
    )
}

pub unsafe extern "system" fn reset_command_buffer(
    cb: vk::CommandBuffer,
    _flags: vk::CommandBufferResetFlags,
) -> vk::Result {
    let c = cb_obj(cb);
    call(
        "vkResetCommandBuffer",
        c.map(|c| &**c.device.reporter()),
        || {
            c.ok_or_else(|| null("commandBuffer"))?.core.reset();
            Ok(vk::Result::SUCCESS)
        },
    )
}
