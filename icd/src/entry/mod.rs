//! The entry points: thin shims from the C ABI to the core, one module per area.
//!
//! Every shim is an `unsafe extern "system" fn` whose safety contract is Vulkan's valid usage:
//! the application passes live handles and valid pointers. Within that contract the shims
//! dereference the application's pointers freely (hence `unsafe_op_in_unsafe_fn` is allowed
//! here), check what the core cannot (null handles, counts), and leave behaviour to the core.
#![allow(unsafe_op_in_unsafe_fn)]

pub mod command;
pub mod debug;
pub mod descriptor;
pub mod device;
pub mod external;
pub mod graphics;
pub mod instance;
pub mod memory;
pub mod physical_device;
pub mod pipeline;
pub mod query;
pub mod queue;
pub mod record;
pub mod render_pass;
pub mod resource;
pub mod sync;

use crate::boundary::null;
use crate::handle::{self, IsDispatchable, Object};
use ash::vk;
use softvk::error::Result;

/// The object behind a dispatchable handle, or an error naming it.
pub(crate) unsafe fn disp<'a, T: IsDispatchable>(h: T::Handle, what: &str) -> Result<&'a T> {
    handle::get_dispatchable::<T>(h).ok_or_else(|| null(what))
}

/// The object behind a non-dispatchable handle, or an error naming it.
pub(crate) unsafe fn obj<'a, T: Object>(h: T::Handle, what: &str) -> Result<&'a T> {
    handle::get::<T>(h).ok_or_else(|| null(what))
}

/// The extension properties of `names`, with their spec versions from the registry.
pub(crate) fn extension_properties(names: &[&str]) -> Vec<vk::ExtensionProperties> {
    use crate::generated::autogen_commands::EXTENSION_SPEC_VERSIONS;
    names
        .iter()
        .map(|n| {
            let mut p = vk::ExtensionProperties {
                spec_version: EXTENSION_SPEC_VERSIONS
                    .binary_search_by(|(e, _)| e.cmp(n))
                    .map(|i| EXTENSION_SPEC_VERSIONS[i].1)
                    .unwrap_or(1),
                ..Default::default()
            };
            softvk::physical_device::write_c_string(&mut p.extension_name, n);
            p
        })
        .collect()
}
