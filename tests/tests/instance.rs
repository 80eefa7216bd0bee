//! Instance, physical device and device: what the loader and the application see.

use ash::vk;
use softvk_tests::{Options, Vk};
use std::ffi::CStr;

#[test]
fn version_extensions_and_layers() {
    let vk = Vk::new();
    let version = unsafe { vk.entry.try_enumerate_instance_version() }
        .unwrap()
        .unwrap();
    assert!(version >= vk::API_VERSION_1_3 || version >= vk::make_api_version(0, 1, 3, 0));
    let props = unsafe { vk.instance.get_physical_device_properties(vk.physical) };
    assert_eq!(vk::api_version_major(props.api_version), 1);
    assert_eq!(vk::api_version_minor(props.api_version), 3);
    let exts = unsafe {
        vk.instance
            .enumerate_device_extension_properties(vk.physical)
    }
    .unwrap();
    let names: Vec<String> = exts
        .iter()
        .map(|e| {
            e.extension_name_as_c_str()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(
        names.contains(&"VK_EXT_memory_budget".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"VK_KHR_map_memory2".to_string()),
        "{names:?}"
    );
    let inst_exts = unsafe { vk.entry.enumerate_instance_extension_properties(None) }.unwrap();
    let inst_names: Vec<String> = inst_exts
        .iter()
        .map(|e| {
            e.extension_name_as_c_str()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for want in [
        "VK_EXT_debug_utils",
        "VK_KHR_external_fence_capabilities",
        "VK_KHR_external_memory_capabilities",
        "VK_KHR_external_semaphore_capabilities",
        "VK_KHR_get_physical_device_properties2",
    ] {
        assert!(
            inst_names.contains(&want.to_string()),
            "{want} missing from {inst_names:?}"
        );
    }
}

#[test]
fn identity_is_honest() {
    let vk = Vk::new();
    let props = unsafe { vk.instance.get_physical_device_properties(vk.physical) };
    assert_eq!(props.device_type, vk::PhysicalDeviceType::CPU);
    let name = props
        .device_name_as_c_str()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(name.starts_with("softvk ("), "{name}");
    assert!(name.contains("thread"), "{name}");
    assert!(name.contains("SIMD"), "{name}");
    let mut id = vk::PhysicalDeviceIDProperties::default();
    let mut driver = vk::PhysicalDeviceDriverProperties::default();
    let mut v11 = vk::PhysicalDeviceVulkan11Properties::default();
    let mut p2 = vk::PhysicalDeviceProperties2::default()
        .push_next(&mut id)
        .push_next(&mut driver)
        .push_next(&mut v11);
    unsafe {
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut p2)
    };
    assert_ne!(id.device_uuid, [0; 16]);
    assert_ne!(id.driver_uuid, [0; 16]);
    assert_eq!(id.device_uuid, v11.device_uuid);
    assert_eq!(id.driver_uuid, v11.driver_uuid);
    assert_eq!(
        driver.driver_name_as_c_str().unwrap().to_str().unwrap(),
        "softvk"
    );
}

/// driverUUID/deviceUUID are stable across processes of one build: a child process reports
/// the same values (external memory compatibility depends on it).
#[test]
fn uuids_are_stable_across_processes() {
    if let Ok(path) = std::env::var("SOFTVK_TEST_UUID_OUT") {
        let vk = Vk::new();
        let mut id = vk::PhysicalDeviceIDProperties::default();
        let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut id);
        unsafe {
            vk.instance
                .get_physical_device_properties2(vk.physical, &mut p2)
        };
        std::fs::write(path, [id.driver_uuid, id.device_uuid].concat()).unwrap();
        return;
    }
    let mine = {
        let vk = Vk::new();
        let mut id = vk::PhysicalDeviceIDProperties::default();
        let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut id);
        unsafe {
            vk.instance
                .get_physical_device_properties2(vk.physical, &mut p2)
        };
        [id.driver_uuid, id.device_uuid].concat()
    };
    let out = std::env::temp_dir().join(format!("softvk-uuid-{}", std::process::id()));
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "uuids_are_stable_across_processes",
            "--nocapture",
        ])
        .env("SOFTVK_TEST_UUID_OUT", &out)
        .status()
        .unwrap();
    assert!(status.success());
    let theirs = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert_eq!(mine, theirs);
}

#[test]
fn features_report_what_works() {
    let vk = Vk::new();
    let mut v11 = vk::PhysicalDeviceVulkan11Features::default();
    let mut v12 = vk::PhysicalDeviceVulkan12Features::default();
    let mut v13 = vk::PhysicalDeviceVulkan13Features::default();
    let mut timeline = vk::PhysicalDeviceTimelineSemaphoreFeatures::default();
    let mut sync2 = vk::PhysicalDeviceSynchronization2Features::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default()
        .push_next(&mut v11)
        .push_next(&mut v12)
        .push_next(&mut v13);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2)
    };
    let core = f2.features;
    // Promoted structures are queried separately (they may not be chained with VulkanXX ones).
    let mut f2b = vk::PhysicalDeviceFeatures2::default()
        .push_next(&mut timeline)
        .push_next(&mut sync2);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2b)
    };
    let _ = f2b;
    assert_eq!(v12.timeline_semaphore, vk::TRUE);
    assert_eq!(v12.host_query_reset, vk::TRUE);
    assert_eq!(v13.synchronization2, vk::TRUE);
    assert_eq!(v13.private_data, vk::TRUE);
    assert_eq!(v13.maintenance4, vk::TRUE);
    assert_eq!(v13.dynamic_rendering, vk::TRUE);
    assert_eq!(v12.imageless_framebuffer, vk::TRUE);
    assert_eq!(v12.buffer_device_address, vk::TRUE);
    assert_eq!(v13.inline_uniform_block, vk::TRUE);
    assert_eq!(timeline.timeline_semaphore, vk::TRUE);
    assert_eq!(sync2.synchronization2, vk::TRUE);
    assert_eq!(core.robust_buffer_access, vk::TRUE);
    assert_eq!(v11.multiview, vk::TRUE);
    assert_eq!(core.shader_int64, vk::TRUE);
    assert_eq!(core.shader_float64, vk::TRUE);
    assert_eq!(core.shader_int16, vk::TRUE);
    assert_eq!(v12.shader_float16, vk::TRUE);
    assert_eq!(v12.shader_int8, vk::TRUE);
    assert_eq!(v12.descriptor_indexing, vk::TRUE);
    assert_eq!(v12.runtime_descriptor_array, vk::TRUE);
    // Not implemented yet, so not reported.
    assert_eq!(core.geometry_shader, vk::FALSE);
    assert_eq!(v11.sampler_ycbcr_conversion, vk::FALSE);
    assert_eq!(v12.buffer_device_address_capture_replay, vk::FALSE);
}

#[test]
fn unsupported_features_and_extensions_are_refused() {
    let vk = Vk::with(Options {
        validation: false,
        ..Default::default()
    });
    let prio = [1.0];
    let q = [vk::DeviceQueueCreateInfo::default()
        .queue_family_index(0)
        .queue_priorities(&prio)];
    let f = vk::PhysicalDeviceFeatures::default().geometry_shader(true);
    let r = unsafe {
        vk.instance.create_device(
            vk.physical,
            &vk::DeviceCreateInfo::default()
                .queue_create_infos(&q)
                .enabled_features(&f),
            None,
        )
    };
    assert_eq!(r.err(), Some(vk::Result::ERROR_FEATURE_NOT_PRESENT));
    let mut v12 = vk::PhysicalDeviceVulkan12Features::default()
        .buffer_device_address(true)
        .buffer_device_address_capture_replay(true);
    let r = unsafe {
        vk.instance.create_device(
            vk.physical,
            &vk::DeviceCreateInfo::default()
                .queue_create_infos(&q)
                .push_next(&mut v12),
            None,
        )
    };
    assert_eq!(r.err(), Some(vk::Result::ERROR_FEATURE_NOT_PRESENT));
    let errors = vk.take_softvk_errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("geometryShader"), "{errors:?}");
    assert!(
        errors[1].contains("bufferDeviceAddressCaptureReplay"),
        "{errors:?}"
    );
}

#[test]
fn queue_families_and_memory_types() {
    let vk = Vk::new();
    let fams = unsafe {
        vk.instance
            .get_physical_device_queue_family_properties(vk.physical)
    };
    assert_eq!(fams.len(), 1);
    assert!(fams[0].queue_flags.contains(vk::QueueFlags::TRANSFER));
    assert_eq!(fams[0].timestamp_valid_bits, 64);
    assert!(fams[0].queue_count >= 1);
    let mem = unsafe {
        vk.instance
            .get_physical_device_memory_properties(vk.physical)
    };
    assert!(mem.memory_type_count >= 1);
    let all = vk::MemoryPropertyFlags::DEVICE_LOCAL
        | vk::MemoryPropertyFlags::HOST_VISIBLE
        | vk::MemoryPropertyFlags::HOST_COHERENT
        | vk::MemoryPropertyFlags::HOST_CACHED;
    assert!(mem.memory_types[0].property_flags.contains(all));
    assert!(
        mem.memory_heaps[0]
            .flags
            .contains(vk::MemoryHeapFlags::DEVICE_LOCAL)
    );
    assert!(mem.memory_heaps[0].size > 64 << 20);
}

#[test]
fn get_proc_addr_returns_null_for_what_is_not_available() {
    // Without layers, so the answer is the driver's (through the loader).
    let vk = Vk::with(Options {
        validation: false,
        ..Default::default()
    });
    let gdpa = |name: &CStr| unsafe {
        vk.instance
            .get_device_proc_addr(vk.device.handle(), name.as_ptr())
    };
    assert!(gdpa(c"vkCmdCopyBuffer2").is_some());
    assert!(gdpa(c"vkQueueSubmit2").is_some());
    assert!(
        gdpa(c"vkMapMemory2KHR").is_none(),
        "VK_KHR_map_memory2 is not enabled on this device"
    );
    assert!(
        gdpa(c"vkCmdDrawMeshTasksEXT").is_none(),
        "an extension softvk does not report"
    );
    assert!(
        gdpa(c"vkGetPhysicalDeviceProperties").is_none(),
        "not a device-level command"
    );
    assert!(gdpa(c"vkNotAVulkanCommand").is_none());
    drop(vk);

    // An application that asks for Vulkan 1.1 does not get 1.2/1.3 device commands.
    let vk = Vk::with(Options {
        validation: false,
        api_version: vk::API_VERSION_1_1,
        features: false,
        ..Default::default()
    });
    let gdpa = |name: &CStr| unsafe {
        vk.instance
            .get_device_proc_addr(vk.device.handle(), name.as_ptr())
    };
    assert!(gdpa(c"vkCmdCopyBuffer").is_some());
    assert!(gdpa(c"vkGetDeviceQueue2").is_some());
    assert!(gdpa(c"vkCmdCopyBuffer2").is_none());
    assert!(gdpa(c"vkWaitSemaphores").is_none());
}
