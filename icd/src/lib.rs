//! softvk's C ABI: the Vulkan ICD the Khronos loader loads.
//!
//! The library exports exactly three symbols: `vk_icdNegotiateLoaderICDInterfaceVersion`,
//! `vk_icdGetInstanceProcAddr` and `vk_icdGetPhysicalDeviceProcAddr`; every other command is
//! reached through them. The shims in `entry/` check handles, read the application's structures
//! and pNext chains, call the core (`softvk`), write outputs and turn errors into `VkResult`s
//! (`boundary.rs`). Raw pointers live only in this crate.
//!
//! Loader interface versions 5 to 7 are supported: 5 lets the application ask for any API
//! version; 6 adds nothing on Linux (adapter enumeration is Windows-only); 7 means the ICD
//! exports `vk_icdGetInstanceProcAddr` and not `vkGetInstanceProcAddr`.

mod boundary;
mod dispatch;
mod entry;
mod entrypoints;
mod generated;
mod handle;
mod messenger;
mod objects;
mod pending;
mod pnext;

use ash::vk;
use std::ffi::{CStr, c_char};

/// The loader interface versions this ICD speaks.
const MIN_INTERFACE_VERSION: u32 = 5;
const MAX_INTERFACE_VERSION: u32 = 7;

/// # Safety
/// Called by the loader with a valid pointer.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vk_icdNegotiateLoaderICDInterfaceVersion(
    p_supported_version: *mut u32,
) -> vk::Result {
    if p_supported_version.is_null() {
        return vk::Result::ERROR_INCOMPATIBLE_DRIVER;
    }
    // SAFETY: checked non-null; the loader passes a valid u32.
    unsafe {
        let asked = *p_supported_version;
        if asked < MIN_INTERFACE_VERSION {
            return vk::Result::ERROR_INCOMPATIBLE_DRIVER;
        }
        *p_supported_version = asked.min(MAX_INTERFACE_VERSION);
    }
    vk::Result::SUCCESS
}

/// # Safety
/// `instance` is null or an instance of this driver; `name` is a C string.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vk_icdGetInstanceProcAddr(
    instance: vk::Instance,
    name: *const c_char,
) -> vk::PFN_vkVoidFunction {
    unsafe { entry::instance::get_instance_proc_addr(instance, name) }
}

/// # Safety
/// `name` is a C string.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn vk_icdGetPhysicalDeviceProcAddr(
    _instance: vk::Instance,
    name: *const c_char,
) -> vk::PFN_vkVoidFunction {
    if name.is_null() {
        return None;
    }
    // SAFETY: the loader passes a valid C string.
    let name = unsafe { CStr::from_ptr(name) };
    std::panic::catch_unwind(|| dispatch::physical_device_proc(name.to_str().ok()?)).unwrap_or(None)
}
