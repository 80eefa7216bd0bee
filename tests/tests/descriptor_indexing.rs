//! Descriptor indexing without update-after-bind, through the loader and under the validation
//! layer: a runtime-sized array of storage buffers whose set is allocated with a variable
//! descriptor count and left partially bound, indexed per invocation (nonuniformEXT) and with
//! a constant (shaders/tests/descriptor_indexing.comp); the limits softvk checks (a variable
//! count above the binding's, a write past the set's count, a variable count on a binding that
//! is not the last) are refused with VK_ERROR_VALIDATION_FAILED_EXT and a message.

use ash::vk;
use softvk_tests::compute::spirv;
use softvk_tests::{Options, Vk};

type DT = vk::DescriptorType;
type BU = vk::BufferUsageFlags;
type BF = vk::DescriptorBindingFlags;

const MAX: u32 = 8;

fn layout(vk: &Vk, flags: &[BF]) -> Result<vk::DescriptorSetLayout, vk::Result> {
    let bindings = [
        vk::DescriptorSetLayoutBinding::default()
            .binding(0)
            .descriptor_type(DT::STORAGE_BUFFER)
            .descriptor_count(1)
            .stage_flags(vk::ShaderStageFlags::COMPUTE),
        vk::DescriptorSetLayoutBinding::default()
            .binding(1)
            .descriptor_type(DT::STORAGE_BUFFER)
            .descriptor_count(MAX)
            .stage_flags(vk::ShaderStageFlags::COMPUTE),
    ];
    let mut bf = vk::DescriptorSetLayoutBindingFlagsCreateInfo::default().binding_flags(flags);
    unsafe {
        vk.device.create_descriptor_set_layout(
            &vk::DescriptorSetLayoutCreateInfo::default()
                .bindings(&bindings)
                .push_next(&mut bf),
            None,
        )
    }
}

fn pool(vk: &Vk) -> vk::DescriptorPool {
    let sizes = [vk::DescriptorPoolSize::default()
        .ty(DT::STORAGE_BUFFER)
        .descriptor_count(1 + MAX)];
    unsafe {
        vk.device
            .create_descriptor_pool(
                &vk::DescriptorPoolCreateInfo::default()
                    .max_sets(2)
                    .pool_sizes(&sizes),
                None,
            )
            .unwrap()
    }
}

fn allocate(
    vk: &Vk,
    pool: vk::DescriptorPool,
    set_layout: vk::DescriptorSetLayout,
    count: u32,
) -> Result<vk::DescriptorSet, vk::Result> {
    let layouts = [set_layout];
    let counts = [count];
    let mut var =
        vk::DescriptorSetVariableDescriptorCountAllocateInfo::default().descriptor_counts(&counts);
    unsafe {
        vk.device
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default()
                    .descriptor_pool(pool)
                    .set_layouts(&layouts)
                    .push_next(&mut var),
            )
            .map(|s| s[0])
    }
}

/// descriptor_indexing.comp's pipeline for `set_layout` (and a 4-byte push constant): the
/// pipeline layout, shader module and pipeline.
fn pipeline(
    vk: &Vk,
    set_layout: vk::DescriptorSetLayout,
) -> (vk::PipelineLayout, vk::ShaderModule, vk::Pipeline) {
    let d = &vk.device;
    let words = spirv("descriptor_indexing");
    unsafe {
        let sl = [set_layout];
        let ranges = [vk::PushConstantRange::default()
            .stage_flags(vk::ShaderStageFlags::COMPUTE)
            .size(4)];
        let pl = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default()
                    .set_layouts(&sl)
                    .push_constant_ranges(&ranges),
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
                    .layout(pl)],
                None,
            )
            .map_err(|(_, e)| e)
            .unwrap()[0];
        (pl, module, pipeline)
    }
}

#[test]
fn runtime_descriptor_arrays_with_variable_counts() {
    let vk = Vk::new();
    let d = &vk.device;
    let set_layout = layout(
        &vk,
        &[
            BF::empty(),
            BF::PARTIALLY_BOUND | BF::VARIABLE_DESCRIPTOR_COUNT,
        ],
    )
    .unwrap();
    // What the device says the binding can hold.
    let mut var_support = vk::DescriptorSetVariableDescriptorCountLayoutSupport::default();
    let mut support = vk::DescriptorSetLayoutSupport::default().push_next(&mut var_support);
    let bindings = [vk::DescriptorSetLayoutBinding::default()
        .binding(0)
        .descriptor_type(DT::STORAGE_BUFFER)
        .descriptor_count(MAX)
        .stage_flags(vk::ShaderStageFlags::COMPUTE)];
    let flags = [BF::VARIABLE_DESCRIPTOR_COUNT];
    let mut bf = vk::DescriptorSetLayoutBindingFlagsCreateInfo::default().binding_flags(&flags);
    unsafe {
        d.get_descriptor_set_layout_support(
            &vk::DescriptorSetLayoutCreateInfo::default()
                .bindings(&bindings)
                .push_next(&mut bf),
            &mut support,
        )
    };
    assert_eq!(support.supported, vk::TRUE);
    assert_eq!(var_support.max_variable_descriptor_count, MAX);

    let count = 3u32;
    let pool = pool(&vk);
    let set = allocate(&vk, pool, set_layout, count).unwrap();
    let out = vk.buffer(32, BU::STORAGE_BUFFER);
    let ins: Vec<_> = (0..count)
        .map(|k| {
            let b = vk.buffer(32, BU::STORAGE_BUFFER);
            for (i, w) in b.bytes().chunks_exact_mut(4).enumerate() {
                w.copy_from_slice(&(k * 100 + i as u32 + 1).to_le_bytes());
            }
            b
        })
        .collect();
    unsafe {
        let o = [vk::DescriptorBufferInfo::default()
            .buffer(out.buffer)
            .range(vk::WHOLE_SIZE)];
        let infos: Vec<vk::DescriptorBufferInfo> = ins
            .iter()
            .map(|b| {
                vk::DescriptorBufferInfo::default()
                    .buffer(b.buffer)
                    .range(vk::WHOLE_SIZE)
            })
            .collect();
        d.update_descriptor_sets(
            &[
                vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(0)
                    .descriptor_type(DT::STORAGE_BUFFER)
                    .buffer_info(&o),
                vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(1)
                    .descriptor_type(DT::STORAGE_BUFFER)
                    .buffer_info(&infos),
            ],
            &[],
        );
        let (pl, module, pipeline) = pipeline(&vk, set_layout);
        vk.run(|cb| {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pipeline);
            d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::COMPUTE, pl, 0, &[set], &[]);
            d.cmd_push_constants(
                cb,
                pl,
                vk::ShaderStageFlags::COMPUTE,
                0,
                &count.to_le_bytes(),
            );
            d.cmd_dispatch(cb, 1, 1, 1);
        });
        let want: Vec<u32> = (0..8u32)
            .map(|i| (i % count) * 100 + i + 1 + 1000)
            .collect();
        assert_eq!(out.u32s(), want);
        d.destroy_pipeline(pipeline, None);
        d.destroy_shader_module(module, None);
        d.destroy_pipeline_layout(pl, None);
        d.destroy_descriptor_pool(pool, None);
        d.destroy_descriptor_set_layout(set_layout, None);
    }
    vk.destroy_buffer(out);
    for b in ins {
        vk.destroy_buffer(b);
    }
    vk.assert_clean();
}

/// Misuse (without the validation layer, which would report it first).
#[test]
fn descriptor_indexing_misuse_is_refused() {
    let vk = Vk::with(Options {
        validation: false,
        ..Options::default()
    });
    let d = &vk.device;
    // A variable count on a binding that is not the last.
    let r = layout(&vk, &[BF::VARIABLE_DESCRIPTOR_COUNT, BF::empty()]);
    assert_eq!(r.err(), Some(vk::Result::ERROR_VALIDATION_FAILED_EXT));
    let set_layout = layout(&vk, &[BF::empty(), BF::VARIABLE_DESCRIPTOR_COUNT]).unwrap();
    let pool = pool(&vk);
    // More than the binding's count.
    let r = allocate(&vk, pool, set_layout, MAX + 1);
    assert_eq!(r.err(), Some(vk::Result::ERROR_VALIDATION_FAILED_EXT));
    // A write past the set's count.
    let set = allocate(&vk, pool, set_layout, 2).unwrap();
    let b = vk.buffer(16, BU::STORAGE_BUFFER);
    let infos = [vk::DescriptorBufferInfo::default()
        .buffer(b.buffer)
        .range(vk::WHOLE_SIZE); 3];
    unsafe {
        d.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(1)
                .descriptor_type(DT::STORAGE_BUFFER)
                .buffer_info(&infos)],
            &[],
        );
    }
    let errors = vk.take_softvk_errors();
    for rule in [
        "pBindingFlags-03004",
        "pSetLayouts-03046",
        "dstArrayElement-00321",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(rule)),
            "no message names {rule}: {errors:?}"
        );
    }
    unsafe {
        d.destroy_descriptor_pool(pool, None);
        d.destroy_descriptor_set_layout(set_layout, None);
    }
    vk.destroy_buffer(b);
}

/// Update-after-bind: a set of an UPDATE_AFTER_BIND_POOL layout is read when the command
/// buffer executes, so a descriptor written after vkCmdBindDescriptorSets (before the
/// submission) is the one the dispatch uses; a set of an ordinary layout keeps what it held
/// when bound.
#[test]
fn update_after_bind_sets_are_read_at_execution() {
    let vk = Vk::new();
    let d = &vk.device;
    let uab = BF::UPDATE_AFTER_BIND | BF::PARTIALLY_BOUND;
    let bindings = [
        vk::DescriptorSetLayoutBinding::default()
            .binding(0)
            .descriptor_type(DT::STORAGE_BUFFER)
            .descriptor_count(1)
            .stage_flags(vk::ShaderStageFlags::COMPUTE),
        vk::DescriptorSetLayoutBinding::default()
            .binding(1)
            .descriptor_type(DT::STORAGE_BUFFER)
            .descriptor_count(MAX)
            .stage_flags(vk::ShaderStageFlags::COMPUTE),
    ];
    let flags = [uab, uab];
    let mut bf = vk::DescriptorSetLayoutBindingFlagsCreateInfo::default().binding_flags(&flags);
    let buf = |v: u32| {
        let b = vk.buffer(32, BU::STORAGE_BUFFER);
        for w in b.bytes().chunks_exact_mut(4) {
            w.copy_from_slice(&v.to_le_bytes());
        }
        b
    };
    let (old, new) = (buf(7), buf(9));
    let out = vk.buffer(32, BU::STORAGE_BUFFER);
    unsafe {
        let set_layout = d
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default()
                    .flags(vk::DescriptorSetLayoutCreateFlags::UPDATE_AFTER_BIND_POOL)
                    .bindings(&bindings)
                    .push_next(&mut bf),
                None,
            )
            .unwrap();
        let sizes = [vk::DescriptorPoolSize::default()
            .ty(DT::STORAGE_BUFFER)
            .descriptor_count(1 + MAX)];
        let pool = d
            .create_descriptor_pool(
                &vk::DescriptorPoolCreateInfo::default()
                    .flags(vk::DescriptorPoolCreateFlags::UPDATE_AFTER_BIND)
                    .max_sets(1)
                    .pool_sizes(&sizes),
                None,
            )
            .unwrap();
        let sl = [set_layout];
        let set = d
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default()
                    .descriptor_pool(pool)
                    .set_layouts(&sl),
            )
            .unwrap()[0];
        let write = |binding: u32, b: vk::Buffer| {
            let info = [vk::DescriptorBufferInfo::default()
                .buffer(b)
                .range(vk::WHOLE_SIZE)];
            d.update_descriptor_sets(
                &[vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(binding)
                    .descriptor_type(DT::STORAGE_BUFFER)
                    .buffer_info(&info)],
                &[],
            );
        };
        write(0, out.buffer);
        write(1, old.buffer);
        let (pl, module, pipeline) = pipeline(&vk, set_layout);
        vk.run(|cb| {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pipeline);
            d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::COMPUTE, pl, 0, &[set], &[]);
            d.cmd_push_constants(
                cb,
                pl,
                vk::ShaderStageFlags::COMPUTE,
                0,
                &1u32.to_le_bytes(),
            );
            d.cmd_dispatch(cb, 1, 1, 1);
            // After the bind, before the submission.
            write(1, new.buffer);
        });
        assert_eq!(
            out.u32s(),
            vec![9 + 9 * 1000; 8],
            "the dispatch read the new descriptor"
        );
        d.destroy_pipeline(pipeline, None);
        d.destroy_shader_module(module, None);
        d.destroy_pipeline_layout(pl, None);
        d.destroy_descriptor_pool(pool, None);
        d.destroy_descriptor_set_layout(set_layout, None);
    }
    for b in [old, new, out] {
        vk.destroy_buffer(b);
    }
    vk.assert_clean();
}
