//! Compute helpers for the through-the-loader tests: SPIR-V from shaders/tests, one pipeline
//! with its layouts, pool and sets, descriptor writes.

use crate::{Buf, Vk};
use ash::vk;

type DT = vk::DescriptorType;

/// The words of shaders/tests/NAME.spv.
pub fn spirv(name: &str) -> Vec<u32> {
    let path = crate::root()
        .join("shaders/tests")
        .join(format!("{name}.spv"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// One compute pipeline with its layouts, plus a pool and one set per set layout.
pub struct Pipe {
    pub set_layouts: Vec<vk::DescriptorSetLayout>,
    pub layout: vk::PipelineLayout,
    pub pipeline: vk::Pipeline,
    pub pool: vk::DescriptorPool,
    pub sets: Vec<vk::DescriptorSet>,
    pub module: vk::ShaderModule,
}

pub fn pipe(
    vk: &Vk,
    shader: &str,
    sets: &[&[(u32, DT)]],
    push: u32,
    spec: Option<&vk::SpecializationInfo<'_>>,
) -> Pipe {
    pipe_with(
        vk,
        shader,
        sets,
        push,
        spec,
        vk::PipelineCreateFlags::empty(),
    )
}

pub fn pipe_with(
    vk: &Vk,
    shader: &str,
    sets: &[&[(u32, DT)]],
    push: u32,
    spec: Option<&vk::SpecializationInfo<'_>>,
    flags: vk::PipelineCreateFlags,
) -> Pipe {
    let d = &vk.device;
    let words = spirv(shader);
    unsafe {
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
            .expect("vkCreateShaderModule");
        let mut set_layouts = Vec::new();
        let mut sizes = Vec::new();
        for bindings in sets {
            let b: Vec<_> = bindings
                .iter()
                .map(|&(binding, ty)| {
                    sizes.push(vk::DescriptorPoolSize {
                        ty,
                        descriptor_count: 1,
                    });
                    vk::DescriptorSetLayoutBinding::default()
                        .binding(binding)
                        .descriptor_type(ty)
                        .descriptor_count(1)
                        .stage_flags(vk::ShaderStageFlags::COMPUTE)
                })
                .collect();
            set_layouts.push(
                d.create_descriptor_set_layout(
                    &vk::DescriptorSetLayoutCreateInfo::default().bindings(&b),
                    None,
                )
                .expect("vkCreateDescriptorSetLayout"),
            );
        }
        let ranges = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::COMPUTE,
            offset: 0,
            size: push,
        }];
        let mut li = vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts);
        if push > 0 {
            li = li.push_constant_ranges(&ranges);
        }
        let layout = d
            .create_pipeline_layout(&li, None)
            .expect("vkCreatePipelineLayout");
        let mut stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(c"main");
        if let Some(s) = spec {
            stage = stage.specialization_info(s);
        }
        let pipeline = d
            .create_compute_pipelines(
                vk::PipelineCache::null(),
                &[vk::ComputePipelineCreateInfo::default()
                    .flags(flags)
                    .stage(stage)
                    .layout(layout)],
                None,
            )
            .map_err(|(_, e)| e)
            .expect("vkCreateComputePipelines")[0];
        let pool = d
            .create_descriptor_pool(
                &vk::DescriptorPoolCreateInfo::default()
                    .max_sets(sets.len().max(1) as u32)
                    .pool_sizes(&sizes),
                None,
            )
            .expect("vkCreateDescriptorPool");
        let sets = d
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default()
                    .descriptor_pool(pool)
                    .set_layouts(&set_layouts),
            )
            .expect("vkAllocateDescriptorSets");
        Pipe {
            set_layouts,
            layout,
            pipeline,
            pool,
            sets,
            module,
        }
    }
}

impl Pipe {
    pub fn destroy(self, vk: &Vk) {
        let d = &vk.device;
        unsafe {
            d.destroy_pipeline(self.pipeline, None);
            d.destroy_pipeline_layout(self.layout, None);
            d.destroy_descriptor_pool(self.pool, None);
            for l in self.set_layouts {
                d.destroy_descriptor_set_layout(l, None);
            }
            d.destroy_shader_module(self.module, None);
        }
    }

    pub fn bind(&self, vk: &Vk, cb: vk::CommandBuffer, dynamic: &[u32]) {
        unsafe {
            vk.device
                .cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, self.pipeline);
            vk.device.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::COMPUTE,
                self.layout,
                0,
                &self.sets,
                dynamic,
            );
        }
    }
}

pub fn write_buffer(
    vk: &Vk,
    set: vk::DescriptorSet,
    binding: u32,
    ty: DT,
    b: &Buf,
    offset: u64,
    range: u64,
) {
    let info = [vk::DescriptorBufferInfo {
        buffer: b.buffer,
        offset,
        range,
    }];
    unsafe {
        vk.device.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(binding)
                .descriptor_type(ty)
                .buffer_info(&info)],
            &[],
        )
    };
}

pub fn write_texel(vk: &Vk, set: vk::DescriptorSet, binding: u32, ty: DT, view: vk::BufferView) {
    let views = [view];
    unsafe {
        vk.device.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(binding)
                .descriptor_type(ty)
                .texel_buffer_view(&views)],
            &[],
        )
    };
}

pub fn buffer_view(
    vk: &Vk,
    b: &Buf,
    format: vk::Format,
    offset: u64,
    range: u64,
) -> vk::BufferView {
    unsafe {
        vk.device.create_buffer_view(
            &vk::BufferViewCreateInfo::default()
                .buffer(b.buffer)
                .format(format)
                .offset(offset)
                .range(range),
            None,
        )
    }
    .expect("vkCreateBufferView")
}
