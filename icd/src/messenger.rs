//! VK_EXT_debug_utils messengers as core message sinks.

use ash::vk;
use softvk::log::{Kind, MessageSink, Severity};
use std::ffi::{CString, c_void};

/// One messenger: its filters, callback and user data.
#[derive(Clone)]
pub struct DebugMessenger {
    severities: vk::DebugUtilsMessageSeverityFlagsEXT,
    types: vk::DebugUtilsMessageTypeFlagsEXT,
    callback: vk::PFN_vkDebugUtilsMessengerCallbackEXT,
    user_data: usize,
}

// SAFETY: the user data is opaque to the driver and passed back to the application's callback,
// which the debug-utils rules allow to be called from any thread.
unsafe impl Send for DebugMessenger {}
unsafe impl Sync for DebugMessenger {}

impl DebugMessenger {
    pub fn new(info: &vk::DebugUtilsMessengerCreateInfoEXT<'_>) -> Self {
        DebugMessenger {
            severities: info.message_severity,
            types: info.message_type,
            callback: info.pfn_user_callback,
            user_data: info.p_user_data as usize,
        }
    }
}

impl MessageSink for DebugMessenger {
    fn message(&self, severity: Severity, kind: Kind, id: &str, text: &str) {
        type S = vk::DebugUtilsMessageSeverityFlagsEXT;
        type T = vk::DebugUtilsMessageTypeFlagsEXT;
        let sev = match severity {
            Severity::Debug => S::VERBOSE,
            Severity::Info => S::INFO,
            Severity::Warn => S::WARNING,
            Severity::Error => S::ERROR,
        };
        let ty = match kind {
            Kind::General => T::GENERAL,
            Kind::Validation => T::VALIDATION,
            Kind::Performance => T::PERFORMANCE,
        };
        let Some(callback) = self.callback else {
            return;
        };
        if !self.severities.contains(sev) || !self.types.contains(ty) {
            return;
        }
        let id = CString::new(id.replace('\0', " ")).unwrap_or_default();
        let text = CString::new(text.replace('\0', " ")).unwrap_or_default();
        let data = vk::DebugUtilsMessengerCallbackDataEXT {
            p_message_id_name: id.as_ptr(),
            message_id_number: 0,
            p_message: text.as_ptr(),
            ..Default::default()
        };
        // SAFETY: the application gave us this callback for exactly this use.
        unsafe { callback(sev, ty, &data, self.user_data as *mut c_void) };
    }
}
