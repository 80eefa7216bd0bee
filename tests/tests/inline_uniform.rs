//! Inline uniform blocks (Vulkan 1.3, `inlineUniformBlock`) through the loader: writes with
//! VkWriteDescriptorSetInlineUniformBlock (whole and partial, at a byte offset), copies between
//! sets, update templates, reads in a compute shader (shaders/tests/inline_uniform.comp, two
//! blocks in one set), a bound set keeping its contents, pool accounting in bytes and
//! bindings, and the limits.

use ash::vk;
use softvk_tests::compute::spirv;
use softvk_tests::{Options, Vk};

type DT = vk::DescriptorType;
type BU = vk::BufferUsageFlags;

const A_BYTES: u32 = 64;
const B_BYTES: u32 = 32;

/// The layout of inline_uniform.comp: two inline blocks and the output buffer.
struct Fixture {
    set_layout: vk::DescriptorSetLayout,
    layout: vk::PipelineLayout,
    pipeline: vk::Pipeline,
    module: vk::ShaderModule,
}

fn binding(b: u32, ty: DT, count: u32) -> vk::DescriptorSetLayoutBinding<'static> {
    vk::DescriptorSetLayoutBinding::default()
        .binding(b)
        .descriptor_type(ty)
        .descriptor_count(count)
        .stage_flags(vk::ShaderStageFlags::COMPUTE)
}

fn fixture(vk: &Vk) -> Fixture {
    let d = &vk.device;
    let bindings = [
        binding(0, DT::INLINE_UNIFORM_BLOCK, A_BYTES),
        binding(1, DT::INLINE_UNIFORM_BLOCK, B_BYTES),
        binding(2, DT::STORAGE_BUFFER, 1),
    ];
    let words = spirv("inline_uniform");
    unsafe {
        let set_layout = d
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&bindings),
                None,
            )
            .unwrap();
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
            pipeline,
            module,
        }
    }
}

impl Fixture {
    fn destroy(self, vk: &Vk) {
        let d = &vk.device;
        unsafe {
            d.destroy_pipeline(self.pipeline, None);
            d.destroy_pipeline_layout(self.layout, None);
            d.destroy_descriptor_set_layout(self.set_layout, None);
            d.destroy_shader_module(self.module, None);
        }
    }
}

/// A pool for `sets` sets of the fixture's layout (inline sizes in bytes).
fn pool(vk: &Vk, sets: u32, inline_bytes: u32, inline_bindings: Option<u32>) -> vk::DescriptorPool {
    let sizes = [
        vk::DescriptorPoolSize {
            ty: DT::INLINE_UNIFORM_BLOCK,
            descriptor_count: inline_bytes,
        },
        vk::DescriptorPoolSize {
            ty: DT::STORAGE_BUFFER,
            descriptor_count: sets,
        },
    ];
    let mut inline = vk::DescriptorPoolInlineUniformBlockCreateInfo::default()
        .max_inline_uniform_block_bindings(inline_bindings.unwrap_or(0));
    let mut info = vk::DescriptorPoolCreateInfo::default()
        .max_sets(sets)
        .pool_sizes(&sizes);
    if inline_bindings.is_some() {
        info = info.push_next(&mut inline);
    }
    unsafe { vk.device.create_descriptor_pool(&info, None) }.expect("vkCreateDescriptorPool")
}

fn allocate(
    vk: &Vk,
    pool: vk::DescriptorPool,
    layout: vk::DescriptorSetLayout,
    n: usize,
) -> Result<Vec<vk::DescriptorSet>, vk::Result> {
    let layouts = vec![layout; n];
    unsafe {
        vk.device.allocate_descriptor_sets(
            &vk::DescriptorSetAllocateInfo::default()
                .descriptor_pool(pool)
                .set_layouts(&layouts),
        )
    }
}

fn write_inline(vk: &Vk, set: vk::DescriptorSet, binding: u32, offset: u32, data: &[u8]) {
    let mut inline = vk::WriteDescriptorSetInlineUniformBlock::default().data(data);
    let w = vk::WriteDescriptorSet::default()
        .dst_set(set)
        .dst_binding(binding)
        .dst_array_element(offset)
        .descriptor_type(DT::INLINE_UNIFORM_BLOCK)
        .descriptor_count(data.len() as u32)
        .push_next(&mut inline);
    unsafe { vk.device.update_descriptor_sets(&[w], &[]) };
}

fn copy_inline(
    vk: &Vk,
    src: (vk::DescriptorSet, u32, u32),
    dst: (vk::DescriptorSet, u32, u32),
    bytes: u32,
) {
    let c = vk::CopyDescriptorSet::default()
        .src_set(src.0)
        .src_binding(src.1)
        .src_array_element(src.2)
        .dst_set(dst.0)
        .dst_binding(dst.1)
        .dst_array_element(dst.2)
        .descriptor_count(bytes);
    unsafe { vk.device.update_descriptor_sets(&[], &[c]) };
}

fn bytes(seed: u8, n: usize) -> Vec<u8> {
    (0..n).map(|i| seed.wrapping_add((i * 7) as u8)).collect()
}

/// Runs the shader with `set` bound (output in `out`, which the set's binding 2 names).
fn dispatch(vk: &Vk, f: &Fixture, set: vk::DescriptorSet) {
    vk.run(|cb| unsafe {
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, f.pipeline);
        vk.device.cmd_bind_descriptor_sets(
            cb,
            vk::PipelineBindPoint::COMPUTE,
            f.layout,
            0,
            &[set],
            &[],
        );
        vk.device.cmd_dispatch(cb, 1, 1, 1);
    });
}

fn write_out(vk: &Vk, set: vk::DescriptorSet, out: vk::Buffer) {
    let info = [vk::DescriptorBufferInfo {
        buffer: out,
        offset: 0,
        range: vk::WHOLE_SIZE,
    }];
    unsafe {
        vk.device.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(2)
                .descriptor_type(DT::STORAGE_BUFFER)
                .buffer_info(&info)],
            &[],
        )
    };
}

/// Whole writes, a partial write at a byte offset, copies between sets (inside one block and
/// running from block 0 into block 1, the "consecutive binding" rule counted in bytes), an
/// update template; the shader sees exactly the bytes the host model predicts.
#[test]
fn writes_copies_and_templates_reach_the_shader() {
    let vk = Vk::new();
    let f = fixture(&vk);
    let p = pool(&vk, 2, 2 * (A_BYTES + B_BYTES), Some(4));
    let sets = allocate(&vk, p, f.set_layout, 2).expect("two sets fit");
    let (s, t) = (sets[0], sets[1]);
    let out = vk.buffer(((A_BYTES + B_BYTES) as u64).max(256), BU::STORAGE_BUFFER);
    write_out(&vk, s, out.buffer);

    // The host model of set `s`: block A then block B.
    let mut model = vec![0u8; (A_BYTES + B_BYTES) as usize];
    let a = bytes(1, A_BYTES as usize);
    write_inline(&vk, s, 0, 0, &a);
    model[..64].copy_from_slice(&a);
    let b = bytes(100, B_BYTES as usize);
    write_inline(&vk, s, 1, 0, &b);
    model[64..].copy_from_slice(&b);
    // A partial update: 8 bytes at byte 20 of block A.
    let part = [0xA5u8, 0xA6, 0xA7, 0xA8, 0xB1, 0xB2, 0xB3, 0xB4];
    write_inline(&vk, s, 0, 20, &part);
    model[20..28].copy_from_slice(&part);

    // Set t: its own bytes; copy 12 of them into block B of s at byte 8.
    let tb = bytes(200, B_BYTES as usize);
    write_inline(&vk, t, 1, 0, &tb);
    copy_inline(&vk, (t, 1, 4), (s, 1, 8), 12);
    model[64 + 8..64 + 20].copy_from_slice(&tb[4..16]);
    // A copy that starts in block A of t (last 8 bytes) and continues into block B (first 8).
    let ta = bytes(50, A_BYTES as usize);
    write_inline(&vk, t, 0, 0, &ta);
    copy_inline(&vk, (t, 0, 56), (s, 0, 0), 16);
    model[0..8].copy_from_slice(&ta[56..64]);
    model[8..16].copy_from_slice(&tb[0..8]);

    // An update template writing 16 bytes at byte 32 of block A.
    let entry = [vk::DescriptorUpdateTemplateEntry {
        dst_binding: 0,
        dst_array_element: 32,
        descriptor_count: 16,
        descriptor_type: DT::INLINE_UNIFORM_BLOCK,
        offset: 4,
        stride: 0,
    }];
    let template = unsafe {
        vk.device.create_descriptor_update_template(
            &vk::DescriptorUpdateTemplateCreateInfo::default()
                .descriptor_update_entries(&entry)
                .template_type(vk::DescriptorUpdateTemplateType::DESCRIPTOR_SET)
                .descriptor_set_layout(f.set_layout),
            None,
        )
    }
    .expect("vkCreateDescriptorUpdateTemplate");
    let data = bytes(77, 20);
    unsafe {
        vk.device
            .update_descriptor_set_with_template(s, template, data.as_ptr().cast())
    };
    model[32..48].copy_from_slice(&data[4..20]);

    dispatch(&vk, &f, s);
    assert_eq!(&out.bytes()[..model.len()], &model[..]);

    unsafe {
        vk.device.destroy_descriptor_update_template(template, None);
        vk.device.destroy_descriptor_pool(p, None);
    }
    vk.destroy_buffer(out);
    f.destroy(&vk);
}

/// An update between two dispatches (each recorded after the updates before it) is what the
/// second one sees, and the block it did not touch keeps its bytes.
#[test]
fn updates_between_dispatches_are_seen() {
    let vk = Vk::new();
    let f = fixture(&vk);
    let p = pool(&vk, 1, A_BYTES + B_BYTES, Some(2));
    let s = allocate(&vk, p, f.set_layout, 1).unwrap()[0];
    let out = vk.buffer(256, BU::STORAGE_BUFFER);
    write_out(&vk, s, out.buffer);
    let first = bytes(3, 96);
    write_inline(&vk, s, 0, 0, &first[..64]);
    write_inline(&vk, s, 1, 0, &first[64..]);
    dispatch(&vk, &f, s);
    assert_eq!(&out.bytes()[..96], &first[..]);
    let second = bytes(9, 32);
    write_inline(&vk, s, 1, 0, &second);
    dispatch(&vk, &f, s);
    assert_eq!(&out.bytes()[..64], &first[..64]);
    assert_eq!(&out.bytes()[64..96], &second[..]);
    unsafe { vk.device.destroy_descriptor_pool(p, None) };
    vk.destroy_buffer(out);
    f.destroy(&vk);
}

/// Pools count inline uniform blocks in bytes and in bindings: what does not fit is
/// VK_ERROR_OUT_OF_POOL_MEMORY, and freeing makes room again.
#[test]
fn pools_account_bytes_and_bindings() {
    let vk = Vk::new();
    let f = fixture(&vk);
    // Room for one set's bytes (96) plus 32: the second set does not fit by bytes.
    let p = pool(&vk, 4, 128, Some(8));
    allocate(&vk, p, f.set_layout, 1).expect("one set fits");
    assert_eq!(
        allocate(&vk, p, f.set_layout, 1),
        Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY)
    );
    unsafe {
        vk.device
            .reset_descriptor_pool(p, vk::DescriptorPoolResetFlags::empty())
            .unwrap();
        vk.device.destroy_descriptor_pool(p, None);
    }
    // Bytes for four sets but bindings for three (two per set): the second set does not fit.
    let p = pool(&vk, 4, 4 * 96, Some(3));
    allocate(&vk, p, f.set_layout, 1).expect("one set fits");
    assert_eq!(
        allocate(&vk, p, f.set_layout, 1),
        Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY)
    );
    unsafe { vk.device.destroy_descriptor_pool(p, None) };
    // No VkDescriptorPoolInlineUniformBlockCreateInfo: no inline uniform block bindings.
    let p = pool(&vk, 4, 4 * 96, None);
    assert_eq!(
        allocate(&vk, p, f.set_layout, 1),
        Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY)
    );
    unsafe { vk.device.destroy_descriptor_pool(p, None) };
    // Freed sets give their bytes back.
    let sizes = [
        vk::DescriptorPoolSize {
            ty: DT::INLINE_UNIFORM_BLOCK,
            descriptor_count: 96,
        },
        vk::DescriptorPoolSize {
            ty: DT::STORAGE_BUFFER,
            descriptor_count: 4,
        },
    ];
    let mut inline = vk::DescriptorPoolInlineUniformBlockCreateInfo::default()
        .max_inline_uniform_block_bindings(2);
    let p = unsafe {
        vk.device.create_descriptor_pool(
            &vk::DescriptorPoolCreateInfo::default()
                .flags(vk::DescriptorPoolCreateFlags::FREE_DESCRIPTOR_SET)
                .max_sets(4)
                .pool_sizes(&sizes)
                .push_next(&mut inline),
            None,
        )
    }
    .unwrap();
    let s = allocate(&vk, p, f.set_layout, 1).unwrap();
    assert_eq!(
        allocate(&vk, p, f.set_layout, 1),
        Err(vk::Result::ERROR_OUT_OF_POOL_MEMORY)
    );
    unsafe { vk.device.free_descriptor_sets(p, &s).unwrap() };
    allocate(&vk, p, f.set_layout, 1).expect("the freed set's bytes are back");
    unsafe { vk.device.destroy_descriptor_pool(p, None) };
    f.destroy(&vk);
}

/// The limits are the same in VkPhysicalDeviceInlineUniformBlockProperties and
/// VkPhysicalDeviceVulkan13Properties, at least the spec's minimums, and layouts beyond them
/// are refused.
#[test]
fn limits_are_reported_and_enforced() {
    let vk = Vk::with(Options {
        validation: false,
        ..Options::default()
    });
    let mut p13 = vk::PhysicalDeviceVulkan13Properties::default();
    let mut piub = vk::PhysicalDeviceInlineUniformBlockProperties::default();
    let mut props = vk::PhysicalDeviceProperties2::default()
        .push_next(&mut p13)
        .push_next(&mut piub);
    unsafe {
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut props)
    };
    let mut f13 = vk::PhysicalDeviceVulkan13Features::default();
    let mut features = vk::PhysicalDeviceFeatures2::default().push_next(&mut f13);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut features)
    };
    assert_eq!(f13.inline_uniform_block, vk::TRUE);
    assert_eq!(
        f13.descriptor_binding_inline_uniform_block_update_after_bind,
        vk::FALSE
    );
    assert_eq!(
        piub.max_inline_uniform_block_size,
        p13.max_inline_uniform_block_size
    );
    assert_eq!(
        piub.max_per_stage_descriptor_inline_uniform_blocks,
        p13.max_per_stage_descriptor_inline_uniform_blocks
    );
    assert_eq!(
        piub.max_per_stage_descriptor_update_after_bind_inline_uniform_blocks,
        p13.max_per_stage_descriptor_update_after_bind_inline_uniform_blocks
    );
    assert_eq!(
        piub.max_descriptor_set_inline_uniform_blocks,
        p13.max_descriptor_set_inline_uniform_blocks
    );
    assert_eq!(
        piub.max_descriptor_set_update_after_bind_inline_uniform_blocks,
        p13.max_descriptor_set_update_after_bind_inline_uniform_blocks
    );
    assert!(p13.max_inline_uniform_block_size >= 256);
    assert!(p13.max_per_stage_descriptor_inline_uniform_blocks >= 4);
    assert!(p13.max_per_stage_descriptor_update_after_bind_inline_uniform_blocks >= 4);
    assert!(p13.max_descriptor_set_inline_uniform_blocks >= 4);
    assert!(p13.max_descriptor_set_update_after_bind_inline_uniform_blocks >= 4);
    assert!(p13.max_inline_uniform_total_size >= 256);

    let d = &vk.device;
    let set_layout = |bindings: &[vk::DescriptorSetLayoutBinding<'_>]| unsafe {
        d.create_descriptor_set_layout(
            &vk::DescriptorSetLayoutCreateInfo::default().bindings(bindings),
            None,
        )
    };
    let max = p13.max_inline_uniform_block_size;
    // One binding larger than maxInlineUniformBlockSize; one not a multiple of 4.
    assert_eq!(
        set_layout(&[binding(0, DT::INLINE_UNIFORM_BLOCK, max + 4)]).err(),
        Some(vk::Result::ERROR_VALIDATION_FAILED_EXT)
    );
    assert_eq!(
        set_layout(&[binding(0, DT::INLINE_UNIFORM_BLOCK, 6)]).err(),
        Some(vk::Result::ERROR_VALIDATION_FAILED_EXT)
    );
    // vkGetDescriptorSetLayoutSupport agrees.
    let too_big = [binding(0, DT::INLINE_UNIFORM_BLOCK, max + 4)];
    let mut support = vk::DescriptorSetLayoutSupport::default();
    unsafe {
        d.get_descriptor_set_layout_support(
            &vk::DescriptorSetLayoutCreateInfo::default().bindings(&too_big),
            &mut support,
        )
    };
    assert_eq!(support.supported, vk::FALSE);
    // Five blocks of 16 bytes (80 bytes in all): more blocks than a stage may see.
    let five: Vec<_> = (0..5)
        .map(|i| binding(i, DT::INLINE_UNIFORM_BLOCK, 16))
        .collect();
    let many = set_layout(&five).expect("the set layout itself is fine");
    // Two blocks of the largest size: more bytes than maxInlineUniformTotalSize.
    let big = set_layout(&[
        binding(0, DT::INLINE_UNIFORM_BLOCK, max),
        binding(1, DT::INLINE_UNIFORM_BLOCK, max),
    ])
    .expect("the set layout itself is fine");
    for l in [many, big] {
        let sl = [l];
        let r = unsafe {
            d.create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().set_layouts(&sl),
                None,
            )
        };
        assert_eq!(r.err(), Some(vk::Result::ERROR_VALIDATION_FAILED_EXT));
        unsafe { d.destroy_descriptor_set_layout(l, None) };
    }
    let errors = vk.take_softvk_errors();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors[0].contains("maxInlineUniformBlockSize"),
        "{errors:?}"
    );
    assert!(errors[1].contains("multiple of 4"), "{errors:?}");
    assert!(errors[2].contains("InlineUniformBlocks"), "{errors:?}");
    assert!(
        errors[3].contains("maxInlineUniformTotalSize"),
        "{errors:?}"
    );
}
