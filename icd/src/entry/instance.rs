//! Global and instance commands.

use super::disp;
use crate::boundary::{call, out, slice, string, write_array};
use crate::handle::{self, dispatchable_handle, leak_dispatchable, new_dispatchable};
use crate::messenger::DebugMessenger;
use crate::objects::{InstanceObj, PhysicalDeviceObj};
use crate::pnext;
use ash::vk;
use softvk::instance::{Instance, InstanceDesc};
use softvk::log::Reporter;
use softvk::physical_device::{API_VERSION, INSTANCE_EXTENSIONS};
use std::ffi::{CStr, c_char};
use std::sync::Arc;

pub unsafe extern "system" fn get_instance_proc_addr(
    instance: vk::Instance,
    name: *const c_char,
) -> vk::PFN_vkVoidFunction {
    if name.is_null() {
        return None;
    }
    let name = CStr::from_ptr(name);
    let inst = handle::get_dispatchable::<InstanceObj>(instance);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::dispatch::instance_proc(inst, name.to_str().ok()?)
    }))
    .unwrap_or(None)
}

pub unsafe extern "system" fn enumerate_instance_version(p_api_version: *mut u32) -> vk::Result {
    call("vkEnumerateInstanceVersion", None, || {
        out(p_api_version, API_VERSION, "pApiVersion")?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn enumerate_instance_extension_properties(
    p_layer_name: *const c_char,
    p_count: *mut u32,
    p_props: *mut vk::ExtensionProperties,
) -> vk::Result {
    call("vkEnumerateInstanceExtensionProperties", None, || {
        if !p_layer_name.is_null() {
            return Ok(vk::Result::ERROR_LAYER_NOT_PRESENT);
        }
        write_array(
            p_count,
            p_props,
            &super::extension_properties(INSTANCE_EXTENSIONS),
        )
    })
}

pub unsafe extern "system" fn enumerate_instance_layer_properties(
    p_count: *mut u32,
    p_props: *mut vk::LayerProperties,
) -> vk::Result {
    call("vkEnumerateInstanceLayerProperties", None, || {
        write_array(p_count, p_props, &[])
    })
}

pub unsafe extern "system" fn create_instance(
    p_info: *const vk::InstanceCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_instance: *mut vk::Instance,
) -> vk::Result {
    let reporter = Reporter::new();
    // Messengers chained here receive the messages of vkCreateInstance and vkDestroyInstance.
    let messengers: Vec<DebugMessenger> = match p_info.as_ref() {
        Some(info) => pnext::iter(info.p_next)
            .filter(|s| s.s_type == vk::StructureType::DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT)
            .map(|s| {
                DebugMessenger::new(
                    &*(s as *const _ as *const vk::DebugUtilsMessengerCreateInfoEXT<'_>),
                )
            })
            .collect(),
        None => vec![],
    };
    let ids: Vec<u64> = messengers
        .iter()
        .map(|m| reporter.add_sink(Arc::new(m.clone())))
        .collect();
    let r = call("vkCreateInstance", Some(&reporter), || {
        let info = p_info
            .as_ref()
            .ok_or_else(|| crate::boundary::null("pCreateInfo"))?;
        if p_instance.is_null() {
            return Err(crate::boundary::null("pInstance"));
        }
        let api_version = info
            .p_application_info
            .as_ref()
            .map_or(0, |a| a.api_version);
        // Spec (VkApplicationInfo): "Implementations that support Vulkan 1.1 or later must not
        // return VK_ERROR_INCOMPATIBLE_DRIVER for any value of apiVersion." The version the
        // instance works with is the major.minor.patch the application named (a variant other
        // than 0, or a version below 1.0, is read as 1.0).
        let api_version = effective_api_version(api_version);
        let mut extensions = vec![];
        for &p in slice(
            info.pp_enabled_extension_names,
            info.enabled_extension_count,
            "ppEnabledExtensionNames",
        )? {
            extensions.push(string(p)?);
        }
        let core = Instance::new(
            InstanceDesc {
                api_version,
                extensions,
            },
            reporter.clone(),
        )?;
        let debug_utils = core.extension_enabled("VK_EXT_debug_utils");
        let physical = new_dispatchable(PhysicalDeviceObj {
            core: core.physical_device().clone(),
            instance_api_version: api_version,
            debug_utils,
        });
        let inst = new_dispatchable(InstanceObj {
            core,
            physical,
            create_messengers: messengers.clone(),
        });
        *p_instance = leak_dispatchable(inst);
        Ok(vk::Result::SUCCESS)
    });
    for id in ids {
        reporter.remove_sink(id);
    }
    r
}

pub unsafe extern "system" fn destroy_instance(
    instance: vk::Instance,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    if let Some(inst) = handle::take_dispatchable::<InstanceObj>(instance) {
        let reporter = inst.obj.core.reporter().clone();
        for m in &inst.obj.create_messengers {
            reporter.add_sink(Arc::new(m.clone()));
        }
        drop(inst);
    }
}

pub unsafe extern "system" fn enumerate_physical_devices(
    instance: vk::Instance,
    p_count: *mut u32,
    p_devices: *mut vk::PhysicalDevice,
) -> vk::Result {
    let inst = handle::get_dispatchable::<InstanceObj>(instance);
    call(
        "vkEnumeratePhysicalDevices",
        inst.map(|i| &**i.core.reporter()),
        || {
            let inst = disp::<InstanceObj>(instance, "instance")?;
            write_array(p_count, p_devices, &[dispatchable_handle(&*inst.physical)])
        },
    )
}

pub unsafe extern "system" fn enumerate_physical_device_groups(
    instance: vk::Instance,
    p_count: *mut u32,
    p_groups: *mut vk::PhysicalDeviceGroupProperties<'_>,
) -> vk::Result {
    let inst = handle::get_dispatchable::<InstanceObj>(instance);
    call(
        "vkEnumeratePhysicalDeviceGroups",
        inst.map(|i| &**i.core.reporter()),
        || {
            let inst = disp::<InstanceObj>(instance, "instance")?;
            if p_count.is_null() {
                return Err(crate::boundary::null("pPhysicalDeviceGroupCount"));
            }
            if p_groups.is_null() {
                *p_count = 1;
                return Ok(vk::Result::SUCCESS);
            }
            if *p_count == 0 {
                return Ok(vk::Result::INCOMPLETE);
            }
            let g = &mut *p_groups;
            g.physical_device_count = 1;
            g.physical_devices = [vk::PhysicalDevice::null(); vk::MAX_DEVICE_GROUP_SIZE];
            g.physical_devices[0] = dispatchable_handle(&*inst.physical);
            g.subset_allocation = vk::FALSE;
            *p_count = 1;
            Ok(vk::Result::SUCCESS)
        },
    )
}

/// The Vulkan version an instance created with `requested` (VkApplicationInfo::apiVersion)
/// uses: any value is accepted; 0, other variants and versions below 1.0 mean 1.0.
fn effective_api_version(requested: u32) -> u32 {
    let plain = vk::make_api_version(
        0,
        vk::api_version_major(requested),
        vk::api_version_minor(requested),
        vk::api_version_patch(requested),
    );
    if vk::api_version_variant(requested) != 0 || plain < vk::API_VERSION_1_0 {
        vk::API_VERSION_1_0
    } else {
        plain
    }
}
