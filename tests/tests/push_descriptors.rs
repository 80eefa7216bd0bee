//! VK_KHR_push_descriptor through the loader, under the validation layer: descriptors pushed
//! into the command buffer (vkCmdPushDescriptorSetKHR), updated incrementally (a later push of
//! one binding keeps the other), pushed through a push-descriptor update template, and the
//! misuse softvk refuses (allocating a set with a push layout, two push layouts in one
//! pipeline layout, too many descriptors). Shader: shaders/tests/push_copy.comp (b = 3 a + 1).

use ash::vk;
use softvk_tests::compute::spirv;
use softvk_tests::{Options, Vk};

type DT = vk::DescriptorType;
type BU = vk::BufferUsageFlags;

const N: usize = 16;

fn options() -> Options {
    Options {
        device_extensions: vec![c"VK_KHR_push_descriptor"],
        ..Options::default()
    }
}

fn binding(b: u32, count: u32) -> vk::DescriptorSetLayoutBinding<'static> {
    vk::DescriptorSetLayoutBinding::default()
        .binding(b)
        .descriptor_type(DT::STORAGE_BUFFER)
        .descriptor_count(count)
        .stage_flags(vk::ShaderStageFlags::COMPUTE)
}

fn push_layout(
    vk: &Vk,
    bindings: &[vk::DescriptorSetLayoutBinding<'_>],
) -> vk::DescriptorSetLayout {
    unsafe {
        vk.device
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default()
                    .flags(vk::DescriptorSetLayoutCreateFlags::PUSH_DESCRIPTOR_KHR)
                    .bindings(bindings),
                None,
            )
            .unwrap()
    }
}

struct Fixture {
    set_layout: vk::DescriptorSetLayout,
    layout: vk::PipelineLayout,
    module: vk::ShaderModule,
    pipeline: vk::Pipeline,
}

fn fixture(vk: &Vk) -> Fixture {
    let d = &vk.device;
    let set_layout = push_layout(vk, &[binding(0, 1), binding(1, 1)]);
    let words = spirv("push_copy");
    unsafe {
        let sl = [set_layout];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().set_layouts(&sl),
                None,
            )
            .unwrap();
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
            .unwrap();
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(c"main");
        let pipeline = d
            .create_compute_pipelines(
                vk::PipelineCache::null(),
                &[vk::ComputePipelineCreateInfo::default()
                    .stage(stage)
                    .layout(layout)],
                None,
            )
            .map_err(|(_, e)| e)
            .unwrap()[0];
        Fixture {
            set_layout,
            layout,
            module,
            pipeline,
        }
    }
}

fn destroy(vk: &Vk, f: Fixture) {
    unsafe {
        vk.device.destroy_pipeline(f.pipeline, None);
        vk.device.destroy_shader_module(f.module, None);
        vk.device.destroy_pipeline_layout(f.layout, None);
        vk.device.destroy_descriptor_set_layout(f.set_layout, None);
    }
}

fn write(b: u32, info: &[vk::DescriptorBufferInfo]) -> vk::WriteDescriptorSet<'_> {
    vk::WriteDescriptorSet::default()
        .dst_binding(b)
        .descriptor_type(DT::STORAGE_BUFFER)
        .buffer_info(info)
}

fn info(b: vk::Buffer) -> [vk::DescriptorBufferInfo; 1] {
    [vk::DescriptorBufferInfo::default()
        .buffer(b)
        .offset(0)
        .range(vk::WHOLE_SIZE)]
}

#[test]
fn pushed_descriptors_update_incrementally() {
    let vk = Vk::with(options());
    let push = ash::khr::push_descriptor::Device::new(&vk.instance, &vk.device);
    let f = fixture(&vk);
    let bytes = (N * 4) as u64;
    let a1 = vk.buffer(bytes, BU::STORAGE_BUFFER);
    let a2 = vk.buffer(bytes, BU::STORAGE_BUFFER);
    let b1 = vk.buffer(bytes, BU::STORAGE_BUFFER);
    let b2 = vk.buffer(bytes, BU::STORAGE_BUFFER);
    let b3 = vk.buffer(bytes, BU::STORAGE_BUFFER);
    for (k, w) in a1.bytes().chunks_exact_mut(4).enumerate() {
        w.copy_from_slice(&(k as u32).to_le_bytes());
    }
    for (k, w) in a2.bytes().chunks_exact_mut(4).enumerate() {
        w.copy_from_slice(&(100 + k as u32).to_le_bytes());
    }
    let (ia1, ia2, ib1, ib2, ib3) = (
        info(a1.buffer),
        info(a2.buffer),
        info(b1.buffer),
        info(b2.buffer),
        info(b3.buffer),
    );
    let first = [write(0, &ia1), write(1, &ib1)];
    let second = [write(1, &ib2)];
    let third = [write(0, &ia2), write(1, &ib3)];
    vk.run(|cb| unsafe {
        let d = &vk.device;
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, f.pipeline);
        // a1 -> b1.
        push.cmd_push_descriptor_set(cb, vk::PipelineBindPoint::COMPUTE, f.layout, 0, &first);
        d.cmd_dispatch(cb, (N / 4) as u32, 1, 1);
        // Only binding 1 changes: a1 -> b2.
        push.cmd_push_descriptor_set(cb, vk::PipelineBindPoint::COMPUTE, f.layout, 0, &second);
        d.cmd_dispatch(cb, (N / 4) as u32, 1, 1);
        // Both change: a2 -> b3.
        push.cmd_push_descriptor_set(cb, vk::PipelineBindPoint::COMPUTE, f.layout, 0, &third);
        d.cmd_dispatch(cb, (N / 4) as u32, 1, 1);
    });
    let want = |base: u32| -> Vec<u32> { (0..N as u32).map(|k| (base + k) * 3 + 1).collect() };
    assert_eq!(b1.u32s(), want(0));
    assert_eq!(
        b2.u32s(),
        want(0),
        "binding 0 kept a1 across the second push"
    );
    assert_eq!(b3.u32s(), want(100));
    for b in [a1, a2, b1, b2, b3] {
        vk.destroy_buffer(b);
    }
    destroy(&vk, f);
    vk.assert_clean();
}

#[test]
fn push_descriptor_update_templates() {
    let vk = Vk::with(options());
    let push = ash::khr::push_descriptor::Device::new(&vk.instance, &vk.device);
    let f = fixture(&vk);
    let bytes = (N * 4) as u64;
    let a = vk.buffer(bytes, BU::STORAGE_BUFFER);
    let b = vk.buffer(bytes, BU::STORAGE_BUFFER);
    for (k, w) in a.bytes().chunks_exact_mut(4).enumerate() {
        w.copy_from_slice(&(7 * k as u32).to_le_bytes());
    }
    // The data: two VkDescriptorBufferInfo, output first, then input.
    let data = [info(b.buffer)[0], info(a.buffer)[0]];
    let stride = std::mem::size_of::<vk::DescriptorBufferInfo>();
    let entries = [
        vk::DescriptorUpdateTemplateEntry::default()
            .dst_binding(0)
            .descriptor_count(1)
            .descriptor_type(DT::STORAGE_BUFFER)
            .offset(stride)
            .stride(stride),
        vk::DescriptorUpdateTemplateEntry::default()
            .dst_binding(1)
            .descriptor_count(1)
            .descriptor_type(DT::STORAGE_BUFFER)
            .offset(0)
            .stride(stride),
    ];
    let template = unsafe {
        vk.device
            .create_descriptor_update_template(
                &vk::DescriptorUpdateTemplateCreateInfo::default()
                    .descriptor_update_entries(&entries)
                    .template_type(vk::DescriptorUpdateTemplateType::PUSH_DESCRIPTORS_KHR)
                    .pipeline_bind_point(vk::PipelineBindPoint::COMPUTE)
                    .pipeline_layout(f.layout)
                    .set(0),
                None,
            )
            .unwrap()
    };
    vk.run(|cb| unsafe {
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, f.pipeline);
        push.cmd_push_descriptor_set_with_template(cb, template, f.layout, 0, data.as_ptr().cast());
        vk.device.cmd_dispatch(cb, (N / 4) as u32, 1, 1);
    });
    let want: Vec<u32> = (0..N as u32).map(|k| 7 * k * 3 + 1).collect();
    assert_eq!(b.u32s(), want);
    unsafe {
        vk.device.destroy_descriptor_update_template(template, None);
    }
    vk.destroy_buffer(a);
    vk.destroy_buffer(b);
    destroy(&vk, f);
    vk.assert_clean();
}

/// Misuse (without the validation layer, which would report it first): each is refused with
/// VK_ERROR_VALIDATION_FAILED_EXT and a message naming the rule.
#[test]
fn push_descriptor_misuse_is_refused() {
    let vk = Vk::with(Options {
        validation: false,
        ..options()
    });
    let d = &vk.device;
    let set_layout = push_layout(&vk, &[binding(0, 1)]);
    unsafe {
        // Too many descriptors for maxPushDescriptors (32).
        let r = d.create_descriptor_set_layout(
            &vk::DescriptorSetLayoutCreateInfo::default()
                .flags(vk::DescriptorSetLayoutCreateFlags::PUSH_DESCRIPTOR_KHR)
                .bindings(&[binding(0, 33)]),
            None,
        );
        assert_eq!(r.err(), Some(vk::Result::ERROR_VALIDATION_FAILED_EXT));
        // Two push layouts in one pipeline layout.
        let two = [set_layout, set_layout];
        let r = d.create_pipeline_layout(
            &vk::PipelineLayoutCreateInfo::default().set_layouts(&two),
            None,
        );
        assert_eq!(r.err(), Some(vk::Result::ERROR_VALIDATION_FAILED_EXT));
        // A set allocated with a push layout.
        let sizes = [vk::DescriptorPoolSize::default()
            .ty(DT::STORAGE_BUFFER)
            .descriptor_count(4)];
        let pool = d
            .create_descriptor_pool(
                &vk::DescriptorPoolCreateInfo::default()
                    .max_sets(1)
                    .pool_sizes(&sizes),
                None,
            )
            .unwrap();
        let sl = [set_layout];
        let r = d.allocate_descriptor_sets(
            &vk::DescriptorSetAllocateInfo::default()
                .descriptor_pool(pool)
                .set_layouts(&sl),
        );
        assert_eq!(r.err(), Some(vk::Result::ERROR_VALIDATION_FAILED_EXT));
        d.destroy_descriptor_pool(pool, None);
        d.destroy_descriptor_set_layout(set_layout, None);
    }
    let errors = vk.take_softvk_errors();
    for rule in ["flags-00281", "pSetLayouts-00293", "pSetLayouts-00308"] {
        assert!(
            errors.iter().any(|e| e.contains(rule)),
            "no message names {rule}: {errors:?}"
        );
    }
    let props = unsafe {
        let mut p = vk::PhysicalDevicePushDescriptorPropertiesKHR::default();
        let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut p);
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut p2);
        p.max_push_descriptors
    };
    assert_eq!(props, 32);
}
