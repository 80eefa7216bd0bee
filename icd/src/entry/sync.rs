//! Fences, semaphores and events.

use super::device::{dev, rep};
use super::external;
use super::obj;
use crate::boundary::{call, deadline, null, slice};
use crate::handle::{self, new_handle};
use crate::objects::{EventObj, FenceObj, SemaphoreObj};
use crate::pnext;
use ash::vk;
use softvk::error::Error;
use softvk::sync::{Event, Fence, Semaphore, SemaphoreKind, fence_caps, semaphore_caps};
use std::sync::Arc;

pub unsafe extern "system" fn create_fence(
    device: vk::Device,
    p_info: *const vk::FenceCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_fence: *mut vk::Fence,
) -> vk::Result {
    call("vkCreateFence", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_fence.is_null() {
            return Err(null("pFence"));
        }
        *p_fence = vk::Fence::null();
        let mut shared = false;
        if let Some(e) = pnext::find::<vk::ExportFenceCreateInfo<'_>>(info.p_next) {
            for bit in (0..32).map(|b| vk::ExternalFenceHandleTypeFlags::from_raw(1 << b)) {
                if !e.handle_types.contains(bit) {
                    continue;
                }
                match external::fence_handle(bit).and_then(fence_caps) {
                    Some(c) if c.export => {
                        shared |= bit == vk::ExternalFenceHandleTypeFlags::OPAQUE_FD
                    }
                    _ => {
                        return Err(Error::invalid(format!(
                            "fences cannot be exported as {bit:?}"
                        )));
                    }
                }
            }
        }
        let d = super::disp::<crate::objects::DeviceObj>(device, "device")?;
        let f = Fence::new(
            info.flags.contains(vk::FenceCreateFlags::SIGNALED),
            d.core.sync_identity(),
            shared,
        )?;
        *p_fence = new_handle(FenceObj(Arc::new(f)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_fence(
    _device: vk::Device,
    fence: vk::Fence,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<FenceObj>(fence));
}

pub unsafe extern "system" fn reset_fences(
    device: vk::Device,
    count: u32,
    p_fences: *const vk::Fence,
) -> vk::Result {
    call("vkResetFences", rep(dev(device)), || {
        for &f in slice(p_fences, count, "pFences")? {
            obj::<FenceObj>(f, "fence")?.0.reset();
        }
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_fence_status(device: vk::Device, fence: vk::Fence) -> vk::Result {
    call("vkGetFenceStatus", rep(dev(device)), || {
        Ok(if obj::<FenceObj>(fence, "fence")?.0.is_signaled() {
            vk::Result::SUCCESS
        } else {
            vk::Result::NOT_READY
        })
    })
}

pub unsafe extern "system" fn wait_for_fences(
    device: vk::Device,
    count: u32,
    p_fences: *const vk::Fence,
    wait_all: vk::Bool32,
    timeout: u64,
) -> vk::Result {
    call("vkWaitForFences", rep(dev(device)), || {
        let fences = slice(p_fences, count, "pFences")?
            .iter()
            .map(|&f| obj::<FenceObj>(f, "fence").map(|f| f.0.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(
            if Fence::wait_many(&fences, wait_all != vk::FALSE, deadline(timeout)) {
                vk::Result::SUCCESS
            } else {
                vk::Result::TIMEOUT
            },
        )
    })
}

pub unsafe extern "system" fn create_semaphore(
    device: vk::Device,
    p_info: *const vk::SemaphoreCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_semaphore: *mut vk::Semaphore,
) -> vk::Result {
    call("vkCreateSemaphore", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_semaphore.is_null() {
            return Err(null("pSemaphore"));
        }
        *p_semaphore = vk::Semaphore::null();
        let (kind, initial) = match pnext::find::<vk::SemaphoreTypeCreateInfo<'_>>(info.p_next) {
            Some(t) if t.semaphore_type == vk::SemaphoreType::TIMELINE => {
                (SemaphoreKind::Timeline, t.initial_value)
            }
            _ => (SemaphoreKind::Binary, 0),
        };
        let mut shared = false;
        if let Some(e) = pnext::find::<vk::ExportSemaphoreCreateInfo<'_>>(info.p_next) {
            for bit in (0..32).map(|b| vk::ExternalSemaphoreHandleTypeFlags::from_raw(1 << b)) {
                if !e.handle_types.contains(bit) {
                    continue;
                }
                match external::semaphore_handle(bit).and_then(|h| semaphore_caps(kind, h)) {
                    Some(c) if c.export => {
                        shared |= bit == vk::ExternalSemaphoreHandleTypeFlags::OPAQUE_FD
                    }
                    _ => {
                        return Err(Error::invalid(format!(
                            "{kind:?} semaphores cannot be exported as {bit:?}"
                        )));
                    }
                }
            }
        }
        let d = super::disp::<crate::objects::DeviceObj>(device, "device")?;
        *p_semaphore = new_handle(SemaphoreObj(Arc::new(Semaphore::new(
            kind,
            initial,
            d.core.sync_identity(),
            shared,
        )?)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_semaphore(
    _device: vk::Device,
    s: vk::Semaphore,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<SemaphoreObj>(s));
}

pub unsafe extern "system" fn get_semaphore_counter_value(
    device: vk::Device,
    s: vk::Semaphore,
    p_value: *mut u64,
) -> vk::Result {
    call("vkGetSemaphoreCounterValue", rep(dev(device)), || {
        let s = obj::<SemaphoreObj>(s, "semaphore")?;
        if s.0.kind() != SemaphoreKind::Timeline {
            return Err(Error::invalid(
                "vkGetSemaphoreCounterValue on a binary semaphore (VUID-vkGetSemaphoreCounterValue-semaphore-03255)",
            ));
        }
        crate::boundary::out(p_value, s.0.counter_value(), "pValue")?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn wait_semaphores(
    device: vk::Device,
    p_info: *const vk::SemaphoreWaitInfo<'_>,
    timeout: u64,
) -> vk::Result {
    call("vkWaitSemaphores", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pWaitInfo"))?;
        let sems = slice(info.p_semaphores, info.semaphore_count, "pSemaphores")?;
        let values = slice(info.p_values, info.semaphore_count, "pValues")?;
        let mut waits = Vec::with_capacity(sems.len());
        for (&s, &v) in sems.iter().zip(values) {
            let s = obj::<SemaphoreObj>(s, "semaphore")?;
            if s.0.kind() != SemaphoreKind::Timeline {
                return Err(Error::invalid(
                    "vkWaitSemaphores on a binary semaphore (VUID-VkSemaphoreWaitInfo-pSemaphores-03256)",
                ));
            }
            waits.push((s.0.clone(), v));
        }
        let all = !info.flags.contains(vk::SemaphoreWaitFlags::ANY);
        Ok(if Semaphore::wait_host(&waits, all, deadline(timeout)) {
            vk::Result::SUCCESS
        } else {
            vk::Result::TIMEOUT
        })
    })
}

pub unsafe extern "system" fn signal_semaphore(
    device: vk::Device,
    p_info: *const vk::SemaphoreSignalInfo<'_>,
) -> vk::Result {
    call("vkSignalSemaphore", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pSignalInfo"))?;
        obj::<SemaphoreObj>(info.semaphore, "semaphore")?
            .0
            .signal_host(info.value)?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn create_event(
    device: vk::Device,
    p_info: *const vk::EventCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_event: *mut vk::Event,
) -> vk::Result {
    call("vkCreateEvent", rep(dev(device)), || {
        if p_info.is_null() {
            return Err(null("pCreateInfo"));
        }
        crate::boundary::out(
            p_event,
            new_handle(EventObj(Arc::new(Event::new()))),
            "pEvent",
        )?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_event(
    _device: vk::Device,
    e: vk::Event,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<EventObj>(e));
}

pub unsafe extern "system" fn get_event_status(device: vk::Device, e: vk::Event) -> vk::Result {
    call("vkGetEventStatus", rep(dev(device)), || {
        Ok(if obj::<EventObj>(e, "event")?.0.is_set() {
            vk::Result::EVENT_SET
        } else {
            vk::Result::EVENT_RESET
        })
    })
}

pub unsafe extern "system" fn set_event(device: vk::Device, e: vk::Event) -> vk::Result {
    call("vkSetEvent", rep(dev(device)), || {
        obj::<EventObj>(e, "event")?.0.set();
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn reset_event(device: vk::Device, e: vk::Event) -> vk::Result {
    call("vkResetEvent", rep(dev(device)), || {
        obj::<EventObj>(e, "event")?.0.reset();
        Ok(vk::Result::SUCCESS)
    })
}
