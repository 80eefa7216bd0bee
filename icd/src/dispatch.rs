//! Name -> function lookup for vk_icdGetInstanceProcAddr, vkGetDeviceProcAddr and
//! vk_icdGetPhysicalDeviceProcAddr, from the generated command table.
//!
//! A command resolves to its implementation (entrypoints.rs) or, failing that, to its pending
//! stub; it is exposed only if its core version or one of its extensions is available where it
//! is asked for, so the spec's "return NULL" cases return NULL.

use crate::entrypoints::IMPLEMENTED;
use crate::generated::autogen_commands::COMMANDS;
use crate::generated::autogen_pending::PENDING_TABLE;
use crate::objects::{DeviceObj, InstanceObj};
use ash::vk;
use softvk::physical_device::{DEVICE_EXTENSIONS, INSTANCE_EXTENSIONS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Global,
    Instance,
    PhysicalDevice,
    Device,
}

/// One Vulkan command (aliases included) from vk.xml.
#[derive(Debug)]
pub struct Command {
    pub name: &'static str,
    /// Index into `Entrypoints` (aliases share their target's slot).
    pub slot: usize,
    pub level: Level,
    /// Vulkan 1.x that includes the command (x), if core.
    pub core_minor: Option<u32>,
    /// Extensions that provide it.
    pub extensions: &'static [&'static str],
}

pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS
        .binary_search_by(|c| c.name.cmp(name))
        .ok()
        .map(|i| &COMMANDS[i])
}

/// The implementation or the pending stub, whichever exists.
pub fn function(cmd: &Command) -> vk::PFN_vkVoidFunction {
    IMPLEMENTED.get(cmd.slot).or(PENDING_TABLE.get(cmd.slot))
}

fn supported_extension(e: &str) -> bool {
    DEVICE_EXTENSIONS.contains(&e) || INSTANCE_EXTENSIONS.contains(&e)
}

/// Evaluates a provider of a command: an extension name, or "EXT+(DEPENDS)" for a vk.xml
/// require block with a `depends` expression (`+` is AND, `,` is OR, parentheses group;
/// VK_VERSION_1_x terms hold for x <= `minor`). `has` says which extensions count.
pub fn provider_met(expr: &str, minor: u32, has: &dyn Fn(&str) -> bool) -> bool {
    fn or(t: &[u8], i: &mut usize, minor: u32, has: &dyn Fn(&str) -> bool) -> bool {
        let mut v = and(t, i, minor, has);
        while *i < t.len() && t[*i] == b',' {
            *i += 1;
            v |= and(t, i, minor, has);
        }
        v
    }
    fn and(t: &[u8], i: &mut usize, minor: u32, has: &dyn Fn(&str) -> bool) -> bool {
        let mut v = term(t, i, minor, has);
        while *i < t.len() && t[*i] == b'+' {
            *i += 1;
            v &= term(t, i, minor, has);
        }
        v
    }
    fn term(t: &[u8], i: &mut usize, minor: u32, has: &dyn Fn(&str) -> bool) -> bool {
        if *i < t.len() && t[*i] == b'(' {
            *i += 1;
            let v = or(t, i, minor, has);
            if *i < t.len() && t[*i] == b')' {
                *i += 1;
            }
            return v;
        }
        let start = *i;
        while *i < t.len() && !matches!(t[*i], b'+' | b',' | b'(' | b')') {
            *i += 1;
        }
        let name = std::str::from_utf8(&t[start..*i]).unwrap_or("");
        match name.strip_prefix("VK_VERSION_1_") {
            Some(m) => m.parse::<u32>().is_ok_and(|m| m <= minor),
            None => has(name),
        }
    }
    let mut i = 0;
    or(expr.as_bytes(), &mut i, minor, has)
}

/// vk_icdGetInstanceProcAddr.
pub fn instance_proc(instance: Option<&InstanceObj>, name: &str) -> vk::PFN_vkVoidFunction {
    if name == "vkGetInstanceProcAddr" {
        // SAFETY: same signature.
        let f: vk::PFN_vkGetInstanceProcAddr = crate::entry::instance::get_instance_proc_addr;
        return unsafe {
            std::mem::transmute::<vk::PFN_vkGetInstanceProcAddr, vk::PFN_vkVoidFunction>(f)
        };
    }
    let cmd = find(name)?;
    let available = match (cmd.level, instance) {
        (Level::Global, _) => true,
        (_, None) => false,
        (_, Some(inst)) => {
            cmd.core_minor.is_some()
                || cmd.extensions.iter().any(|e| {
                    provider_met(e, 3, &|e| {
                        if INSTANCE_EXTENSIONS.contains(&e) {
                            inst.core.extension_enabled(e)
                        } else {
                            supported_extension(e)
                        }
                    })
                })
        }
    };
    if available { function(cmd) } else { None }
}

/// vk_icdGetPhysicalDeviceProcAddr: physical-device commands this driver supports.
pub fn physical_device_proc(name: &str) -> vk::PFN_vkVoidFunction {
    let cmd = find(name)?;
    if cmd.level != Level::PhysicalDevice {
        return None;
    }
    if cmd.core_minor.is_some()
        || cmd
            .extensions
            .iter()
            .any(|e| provider_met(e, 3, &supported_extension))
    {
        function(cmd)
    } else {
        None
    }
}

/// vkGetDeviceProcAddr: device-level commands of the device's API version or of an enabled
/// extension (VK_EXT_debug_utils' device commands when it is enabled on the instance).
pub fn device_proc(device: &DeviceObj, name: &str) -> vk::PFN_vkVoidFunction {
    let cmd = find(name)?;
    if cmd.level != Level::Device {
        return None;
    }
    let core_ok = cmd.core_minor.is_some_and(|m| m <= device.api_minor);
    let ext_ok = cmd.extensions.iter().any(|e| {
        provider_met(e, device.api_minor, &|e| {
            device.core.extension_enabled(e) || (e == "VK_EXT_debug_utils" && device.debug_utils)
        })
    });
    if core_ok || ext_ok {
        function(cmd)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::autogen_commands::SLOT_COUNT;
    use crate::generated::autogen_pending::GENERATED_FOR;
    use crate::pending::PENDING;

    fn implemented(cmd: &Command) -> bool {
        IMPLEMENTED.get(cmd.slot).is_some()
    }

    #[test]
    fn generated_stubs_match_the_pending_list() {
        assert_eq!(
            GENERATED_FOR, PENDING,
            "icd/src/pending.rs changed: run `cargo xtask codegen`"
        );
    }

    #[test]
    fn nothing_is_both_pending_and_implemented() {
        for name in PENDING {
            let cmd = find(name).unwrap_or_else(|| panic!("{name} is not a Vulkan command"));
            assert!(
                !implemented(cmd),
                "{name} is implemented: delete it from the pending list"
            );
        }
    }

    /// Acceptance: every command required by Vulkan 1.3 and the advertised extensions resolves
    /// to a real implementation, except the pending list, which is printed.
    #[test]
    fn completeness_of_api_version_and_extensions() {
        let advertised: Vec<&str> = DEVICE_EXTENSIONS
            .iter()
            .chain(INSTANCE_EXTENSIONS)
            .copied()
            .collect();
        let mut missing = vec![];
        let mut pending = vec![];
        let mut real = 0;
        for cmd in COMMANDS.iter() {
            assert!(cmd.slot < SLOT_COUNT);
            let required = cmd.core_minor.is_some_and(|m| m <= 3)
                || cmd
                    .extensions
                    .iter()
                    .any(|e| provider_met(e, 3, &|e| advertised.contains(&e)));
            if !required {
                continue;
            }
            if implemented(cmd) {
                real += 1;
            } else if PENDING.contains(&cmd.name) {
                pending.push(cmd.name);
            } else {
                missing.push(cmd.name);
            }
        }
        println!("required commands implemented: {real}");
        println!("pending ({}): {}", pending.len(), pending.join(" "));
        assert!(
            missing.is_empty(),
            "required but neither implemented nor pending: {missing:?}"
        );
        assert_eq!(
            pending.len(),
            PENDING.len(),
            "every pending command is a required one"
        );
    }

    #[test]
    fn lookups_follow_levels() {
        assert!(physical_device_proc("vkGetPhysicalDeviceProperties2").is_some());
        assert!(physical_device_proc("vkGetPhysicalDeviceProperties2KHR").is_some());
        assert!(
            physical_device_proc("vkCreateDevice").is_none()
                || find("vkCreateDevice").unwrap().level == Level::PhysicalDevice
        );
        assert!(physical_device_proc("vkCmdDraw").is_none());
        assert!(physical_device_proc("vkNotACommand").is_none());
        assert!(instance_proc(None, "vkCreateInstance").is_some());
        assert!(instance_proc(None, "vkCreateDevice").is_none());
        // a command of an extension softvk does not have
        assert!(physical_device_proc("vkGetPhysicalDeviceSurfaceSupportKHR").is_none());
    }
}
