//! VK_EXT_debug_utils: messengers, object names and tags, queue labels.

use super::device::{dev, rep};
use super::disp;
use crate::boundary::{call, call_void, null, string};
use crate::handle::{self, new_handle};
use crate::messenger::DebugMessenger;
use crate::objects::{InstanceObj, MessengerObj, QueueObj};
use ash::vk;
use softvk::log::{Kind, Severity};
use std::sync::Arc;

pub unsafe extern "system" fn create_debug_utils_messenger(
    instance: vk::Instance,
    p_info: *const vk::DebugUtilsMessengerCreateInfoEXT<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_messenger: *mut vk::DebugUtilsMessengerEXT,
) -> vk::Result {
    let inst = handle::get_dispatchable::<InstanceObj>(instance);
    call(
        "vkCreateDebugUtilsMessengerEXT",
        inst.map(|i| &**i.core.reporter()),
        || {
            let inst = disp::<InstanceObj>(instance, "instance")?;
            let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
            let reporter = inst.core.reporter().clone();
            let id = reporter.add_sink(Arc::new(DebugMessenger::new(info)));
            crate::boundary::out(
                p_messenger,
                new_handle(MessengerObj { reporter, id }),
                "pMessenger",
            )?;
            Ok(vk::Result::SUCCESS)
        },
    )
}

pub unsafe extern "system" fn destroy_debug_utils_messenger(
    _instance: vk::Instance,
    messenger: vk::DebugUtilsMessengerEXT,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    if let Some(m) = handle::take::<MessengerObj>(messenger) {
        m.reporter.remove_sink(m.id);
    }
}

pub unsafe extern "system" fn submit_debug_utils_message(
    instance: vk::Instance,
    severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    types: vk::DebugUtilsMessageTypeFlagsEXT,
    p_data: *const vk::DebugUtilsMessengerCallbackDataEXT<'_>,
) {
    let inst = handle::get_dispatchable::<InstanceObj>(instance);
    call_void(
        "vkSubmitDebugUtilsMessageEXT",
        inst.map(|i| &**i.core.reporter()),
        || {
            let inst = disp::<InstanceObj>(instance, "instance")?;
            let data = p_data.as_ref().ok_or_else(|| null("pCallbackData"))?;
            let text = string(data.p_message)?;
            let id = if data.p_message_id_name.is_null() {
                String::new()
            } else {
                string(data.p_message_id_name)?
            };
            let sev = if severity.contains(vk::DebugUtilsMessageSeverityFlagsEXT::ERROR) {
                Severity::Error
            } else if severity.contains(vk::DebugUtilsMessageSeverityFlagsEXT::WARNING) {
                Severity::Warn
            } else if severity.contains(vk::DebugUtilsMessageSeverityFlagsEXT::INFO) {
                Severity::Info
            } else {
                Severity::Debug
            };
            let kind = if types.contains(vk::DebugUtilsMessageTypeFlagsEXT::VALIDATION) {
                Kind::Validation
            } else if types.contains(vk::DebugUtilsMessageTypeFlagsEXT::PERFORMANCE) {
                Kind::Performance
            } else {
                Kind::General
            };
            inst.core.reporter().report_kind(sev, kind, &id, &text);
            Ok(())
        },
    )
}

pub unsafe extern "system" fn set_debug_utils_object_name(
    device: vk::Device,
    p_info: *const vk::DebugUtilsObjectNameInfoEXT<'_>,
) -> vk::Result {
    let d = dev(device);
    call("vkSetDebugUtilsObjectNameEXT", rep(d), || {
        let d = d.ok_or_else(|| null("device"))?;
        let info = p_info.as_ref().ok_or_else(|| null("pNameInfo"))?;
        let mut names = d.names.lock().unwrap_or_else(|e| e.into_inner());
        if info.p_object_name.is_null() {
            names.remove(&info.object_handle);
        } else {
            names.insert(info.object_handle, string(info.p_object_name)?);
        }
        Ok(vk::Result::SUCCESS)
    })
}

/// Tags are opaque application data meant for tools; the driver has no use for them.
pub unsafe extern "system" fn set_debug_utils_object_tag(
    device: vk::Device,
    p_info: *const vk::DebugUtilsObjectTagInfoEXT<'_>,
) -> vk::Result {
    let d = dev(device);
    call("vkSetDebugUtilsObjectTagEXT", rep(d), || {
        p_info.as_ref().ok_or_else(|| null("pTagInfo"))?;
        Ok(vk::Result::SUCCESS)
    })
}

unsafe fn queue_label(name: &str, queue: vk::Queue, p_label: *const vk::DebugUtilsLabelEXT<'_>) {
    let qo = handle::get_dispatchable::<QueueObj>(queue);
    call_void(name, qo.map(|q| &**q.core.reporter()), || {
        let qo = qo.ok_or_else(|| null("queue"))?;
        let text = match p_label.as_ref() {
            Some(l) => format!("{name} {:?}", string(l.p_label_name)?),
            None => name.to_string(),
        };
        qo.core
            .reporter()
            .report(Severity::Debug, "softvk-label", &text);
        Ok(())
    })
}

pub unsafe extern "system" fn queue_begin_debug_utils_label(
    queue: vk::Queue,
    p_label: *const vk::DebugUtilsLabelEXT<'_>,
) {
    queue_label("vkQueueBeginDebugUtilsLabelEXT", queue, p_label)
}

pub unsafe extern "system" fn queue_end_debug_utils_label(queue: vk::Queue) {
    queue_label("vkQueueEndDebugUtilsLabelEXT", queue, std::ptr::null())
}

pub unsafe extern "system" fn queue_insert_debug_utils_label(
    queue: vk::Queue,
    p_label: *const vk::DebugUtilsLabelEXT<'_>,
) {
    queue_label("vkQueueInsertDebugUtilsLabelEXT", queue, p_label)
}
