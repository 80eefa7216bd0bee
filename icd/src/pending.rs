//! THE pending list: core commands of the reported API version whose capability comes with
//! later work. It is empty: every core Vulkan 1.3 command is implemented (the last ones were
//! graphics pipelines, their dynamic state, vertex/index bindings and draws).
//!
//! Each name here gets a generated stub (`generated/autogen_pending.rs`, by
//! `cargo xtask codegen`) with the command's exact signature. A stub reports the call
//! through VK_EXT_debug_utils and `SOFTVK_LOG` at error severity, returns
//! `VK_ERROR_FEATURE_NOT_PRESENT` where the command returns a `VkResult` (output handles are set
//! to `VK_NULL_HANDLE`), and records nothing into a command buffer. It never crashes.
//!
//! This list only shrinks: when a command is implemented, delete its line here, assign the
//! implementation in `entrypoints.rs` and rerun `cargo xtask codegen`. A unit test fails if a
//! command is both pending and implemented, and the completeness test prints this list.

use crate::handle;
use ash::vk;
use softvk::log::Severity;

#[allow(dead_code)] // read by `cargo xtask codegen` and by the completeness tests
pub const PENDING: &[&str] = &[];

// The stubs' reporting, used by the generated code whenever the list is not empty.
#[allow(dead_code)]
fn report(name: &str, reporter: Option<&softvk::log::Reporter>) {
    let msg = format!(
        "{name} is pending in softvk (its capability has not landed yet); the call was ignored"
    );
    match reporter {
        Some(r) => r.report(Severity::Error, "softvk-pending", &msg),
        None => softvk::log::stderr(Severity::Error, &msg),
    }
}

/// # Safety
/// `device` is a VkDevice handle of this driver (or null).
#[allow(dead_code)]
pub unsafe fn report_device(name: &str, device: vk::Device) {
    let dev = unsafe { handle::device_opt(device) };
    report(name, dev.map(|d| d.reporter()));
}
