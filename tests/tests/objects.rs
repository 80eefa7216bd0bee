//! Smaller objects: samplers, private data, debug-utils names, tags and labels.

use ash::vk;
use ash::vk::Handle;
use softvk_tests::Vk;

#[test]
fn samplers_are_created_and_destroyed() {
    let vk = Vk::new();
    unsafe {
        let s = vk
            .device
            .create_sampler(
                &vk::SamplerCreateInfo::default()
                    .mag_filter(vk::Filter::LINEAR)
                    .min_filter(vk::Filter::NEAREST)
                    .address_mode_u(vk::SamplerAddressMode::CLAMP_TO_EDGE)
                    .max_lod(4.0),
                None,
            )
            .unwrap();
        assert!(!s.is_null());
        vk.device.destroy_sampler(s, None);
    }
}

#[test]
fn private_data_per_object_and_slot() {
    let vk = Vk::new();
    unsafe {
        let slot_a = vk
            .device
            .create_private_data_slot(&vk::PrivateDataSlotCreateInfo::default(), None)
            .unwrap();
        let slot_b = vk
            .device
            .create_private_data_slot(&vk::PrivateDataSlotCreateInfo::default(), None)
            .unwrap();
        let f1 = vk
            .device
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        let f2 = vk
            .device
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        vk.device.set_private_data(f1, slot_a, 11).unwrap();
        vk.device.set_private_data(f2, slot_a, 22).unwrap();
        vk.device.set_private_data(f1, slot_b, 33).unwrap();
        assert_eq!(vk.device.get_private_data(f1, slot_a), 11);
        assert_eq!(vk.device.get_private_data(f2, slot_a), 22);
        assert_eq!(vk.device.get_private_data(f1, slot_b), 33);
        assert_eq!(vk.device.get_private_data(f2, slot_b), 0, "never set");
        vk.device
            .set_private_data(vk.device.handle(), slot_b, 44)
            .unwrap();
        assert_eq!(vk.device.get_private_data(vk.device.handle(), slot_b), 44);
        vk.device.destroy_fence(f1, None);
        vk.device.destroy_fence(f2, None);
        vk.device.destroy_private_data_slot(slot_a, None);
        vk.device.destroy_private_data_slot(slot_b, None);
    }
}

#[test]
fn debug_utils_names_tags_and_labels() {
    let vk = Vk::new();
    let du = ash::ext::debug_utils::Device::new(&vk.instance, &vk.device);
    unsafe {
        let fence = vk
            .device
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        du.set_debug_utils_object_name(
            &vk::DebugUtilsObjectNameInfoEXT::default()
                .object_handle(fence)
                .object_name(c"my fence"),
        )
        .unwrap();
        let tag = [1u8, 2, 3];
        du.set_debug_utils_object_tag(
            &vk::DebugUtilsObjectTagInfoEXT::default()
                .object_handle(fence)
                .tag_name(7)
                .tag(&tag),
        )
        .unwrap();
        let label = vk::DebugUtilsLabelEXT::default().label_name(c"frame");
        du.queue_begin_debug_utils_label(vk.queue, &label);
        du.queue_insert_debug_utils_label(vk.queue, &label);
        du.queue_end_debug_utils_label(vk.queue);
        vk.run(|cb| {
            du.cmd_begin_debug_utils_label(cb, &label);
            du.cmd_insert_debug_utils_label(cb, &label);
            du.cmd_end_debug_utils_label(cb);
        });
        vk.device.destroy_fence(fence, None);
    }
    // Labels reach VERBOSE messengers.
    assert!(
        vk.messages()
            .iter()
            .any(|m| m.from_softvk() && m.text.contains("frame"))
    );
}
