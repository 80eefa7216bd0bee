//! Helpers for graphics tests: pipelines with every piece of state spelled out (defaults that
//! draw a triangle list into one RGBA8 attachment), attachments, read-back, and reference
//! images (`tests/reference/NAME.pam`) compared within a stated tolerance.
//!
//! Reference images are made by another driver: run the graphics tests with
//! `VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json SOFTVK_BLESS=1` and lavapipe
//! writes them; the normal run compares softvk with them. A comparison allows each channel
//! to differ by `tolerance` and, where rasterizers may legitimately differ (edges, the
//! rounding of interpolants), up to `max_outliers` pixels to differ by more.

use crate::{Img, Vk};
use ash::vk;

/// Every piece of a graphics pipeline's state, owned, with defaults.
pub struct PipelineState {
    pub bindings: Vec<vk::VertexInputBindingDescription>,
    /// VK_EXT_vertex_attribute_divisor: (binding, divisor) of per-instance bindings.
    pub divisors: Vec<vk::VertexInputBindingDivisorDescriptionKHR>,
    pub attributes: Vec<vk::VertexInputAttributeDescription>,
    pub topology: vk::PrimitiveTopology,
    pub primitive_restart: bool,
    pub raster: vk::PipelineRasterizationStateCreateInfo<'static>,
    pub samples: vk::SampleCountFlags,
    pub sample_shading: Option<f32>,
    pub sample_mask: Option<u32>,
    pub alpha_to_coverage: bool,
    pub alpha_to_one: bool,
    pub depth_stencil: vk::PipelineDepthStencilStateCreateInfo<'static>,
    pub blend: Vec<vk::PipelineColorBlendAttachmentState>,
    pub logic_op: Option<vk::LogicOp>,
    pub blend_constants: [f32; 4],
    pub dynamic: Vec<vk::DynamicState>,
    pub color_formats: Vec<vk::Format>,
    pub depth_format: vk::Format,
    pub stencil_format: vk::Format,
    pub view_mask: u32,
    /// A render pass and subpass instead of dynamic rendering.
    pub render_pass: Option<(vk::RenderPass, u32)>,
    /// Static viewport and scissor (when not dynamic).
    pub viewport: vk::Viewport,
    pub scissor: vk::Rect2D,
    /// pStages lists the fragment stage before the vertex stage.
    pub fragment_stage_first: bool,
}

/// What one vkCreateGraphicsPipelines call of [`PipelineState::create`] gave: the result, the
/// pipeline (null when not created), and the creation feedback of the pipeline and of each
/// element of pStages, in order.
pub struct Creation {
    pub result: vk::Result,
    pub pipeline: vk::Pipeline,
    pub feedback: vk::PipelineCreationFeedback,
    pub stages: Vec<vk::PipelineCreationFeedback>,
}

/// Two vec4 attributes (position, color) in one binding of 32-byte vertices.
pub fn pos_color_input() -> (
    Vec<vk::VertexInputBindingDescription>,
    Vec<vk::VertexInputAttributeDescription>,
) {
    (
        vec![vk::VertexInputBindingDescription {
            binding: 0,
            stride: 32,
            input_rate: vk::VertexInputRate::VERTEX,
        }],
        vec![
            vk::VertexInputAttributeDescription {
                location: 0,
                binding: 0,
                format: vk::Format::R32G32B32A32_SFLOAT,
                offset: 0,
            },
            vk::VertexInputAttributeDescription {
                location: 1,
                binding: 0,
                format: vk::Format::R32G32B32A32_SFLOAT,
                offset: 16,
            },
        ],
    )
}

pub fn no_blend() -> vk::PipelineColorBlendAttachmentState {
    vk::PipelineColorBlendAttachmentState {
        blend_enable: vk::FALSE,
        src_color_blend_factor: vk::BlendFactor::ONE,
        dst_color_blend_factor: vk::BlendFactor::ZERO,
        color_blend_op: vk::BlendOp::ADD,
        src_alpha_blend_factor: vk::BlendFactor::ONE,
        dst_alpha_blend_factor: vk::BlendFactor::ZERO,
        alpha_blend_op: vk::BlendOp::ADD,
        color_write_mask: vk::ColorComponentFlags::RGBA,
    }
}

impl Default for PipelineState {
    fn default() -> Self {
        let (bindings, attributes) = pos_color_input();
        PipelineState {
            bindings,
            divisors: Vec::new(),
            attributes,
            topology: vk::PrimitiveTopology::TRIANGLE_LIST,
            primitive_restart: false,
            raster: vk::PipelineRasterizationStateCreateInfo::default()
                .polygon_mode(vk::PolygonMode::FILL)
                .cull_mode(vk::CullModeFlags::NONE)
                .front_face(vk::FrontFace::COUNTER_CLOCKWISE)
                .line_width(1.0),
            samples: vk::SampleCountFlags::TYPE_1,
            sample_shading: None,
            sample_mask: None,
            alpha_to_coverage: false,
            alpha_to_one: false,
            depth_stencil: vk::PipelineDepthStencilStateCreateInfo::default().max_depth_bounds(1.0),
            blend: vec![no_blend()],
            logic_op: None,
            blend_constants: [0.0; 4],
            dynamic: vec![vk::DynamicState::VIEWPORT, vk::DynamicState::SCISSOR],
            color_formats: vec![vk::Format::R8G8B8A8_UNORM],
            depth_format: vk::Format::UNDEFINED,
            stencil_format: vk::Format::UNDEFINED,
            view_mask: 0,
            render_pass: None,
            viewport: vk::Viewport::default(),
            scissor: vk::Rect2D::default(),
            fragment_stage_first: false,
        }
    }
}

/// A shader module from SPIR-V bytes.
pub fn module(vk: &Vk, spv: &[u8]) -> vk::ShaderModule {
    let words: Vec<u32> = spv
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    unsafe {
        vk.device
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
    }
    .expect("vkCreateShaderModule")
}

/// One descriptor set with its layout and a pool of its own: `bindings` are (binding, type,
/// stages), one descriptor each. Returns (layout, pool, set); destroying the pool frees the
/// set.
pub fn descriptor_set(
    vk: &Vk,
    bindings: &[(u32, vk::DescriptorType, vk::ShaderStageFlags)],
) -> (
    vk::DescriptorSetLayout,
    vk::DescriptorPool,
    vk::DescriptorSet,
) {
    let d = &vk.device;
    let b: Vec<vk::DescriptorSetLayoutBinding> = bindings
        .iter()
        .map(|&(binding, ty, stages)| {
            vk::DescriptorSetLayoutBinding::default()
                .binding(binding)
                .descriptor_type(ty)
                .descriptor_count(1)
                .stage_flags(stages)
        })
        .collect();
    let sizes: Vec<vk::DescriptorPoolSize> = bindings
        .iter()
        .map(|&(_, ty, _)| vk::DescriptorPoolSize {
            ty,
            descriptor_count: 1,
        })
        .collect();
    unsafe {
        let layout = d
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&b),
                None,
            )
            .expect("vkCreateDescriptorSetLayout");
        let pool = d
            .create_descriptor_pool(
                &vk::DescriptorPoolCreateInfo::default()
                    .max_sets(1)
                    .pool_sizes(&sizes),
                None,
            )
            .expect("vkCreateDescriptorPool");
        let set = d
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default()
                    .descriptor_pool(pool)
                    .set_layouts(&[layout]),
            )
            .expect("vkAllocateDescriptorSets")[0];
        (layout, pool, set)
    }
}

/// A pipeline layout with `sets` and `push` bytes of push constants for both stages.
pub fn layout(vk: &Vk, sets: &[vk::DescriptorSetLayout], push: u32) -> vk::PipelineLayout {
    let ranges = [vk::PushConstantRange {
        stage_flags: vk::ShaderStageFlags::VERTEX | vk::ShaderStageFlags::FRAGMENT,
        offset: 0,
        size: push,
    }];
    let info = vk::PipelineLayoutCreateInfo::default().set_layouts(sets);
    let info = if push > 0 {
        info.push_constant_ranges(&ranges)
    } else {
        info
    };
    unsafe { vk.device.create_pipeline_layout(&info, None) }.expect("vkCreatePipelineLayout")
}

impl PipelineState {
    /// Creates the pipeline (the result of vkCreateGraphicsPipelines).
    pub fn try_build(
        &self,
        vk: &Vk,
        layout: vk::PipelineLayout,
        vs: &[u8],
        fs: Option<&[u8]>,
    ) -> Result<vk::Pipeline, vk::Result> {
        let c = self.create(
            vk,
            layout,
            vs,
            fs,
            vk::PipelineCache::null(),
            vk::PipelineCreateFlags::empty(),
        );
        match c.result {
            vk::Result::SUCCESS => Ok(c.pipeline),
            e => Err(e),
        }
    }

    /// Creates the pipeline with `cache` and `flags`, with creation feedback chained (shader
    /// modules made from `vs` and `fs` for the call).
    pub fn create(
        &self,
        vk: &Vk,
        layout: vk::PipelineLayout,
        vs: &[u8],
        fs: Option<&[u8]>,
        cache: vk::PipelineCache,
        flags: vk::PipelineCreateFlags,
    ) -> Creation {
        let vsm = module(vk, vs);
        let fsm = fs.map(|f| module(vk, f));
        let mut stages = vec![
            vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::VERTEX)
                .module(vsm)
                .name(c"main"),
        ];
        if let Some(f) = fsm {
            let fragment = vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::FRAGMENT)
                .module(f)
                .name(c"main");
            if self.fragment_stage_first {
                stages.insert(0, fragment);
            } else {
                stages.push(fragment);
            }
        }
        let mut divisors = vk::PipelineVertexInputDivisorStateCreateInfoKHR::default()
            .vertex_binding_divisors(&self.divisors);
        let mut vi = vk::PipelineVertexInputStateCreateInfo::default()
            .vertex_binding_descriptions(&self.bindings)
            .vertex_attribute_descriptions(&self.attributes);
        if !self.divisors.is_empty() {
            vi = vi.push_next(&mut divisors);
        }
        let ia = vk::PipelineInputAssemblyStateCreateInfo::default()
            .topology(self.topology)
            .primitive_restart_enable(self.primitive_restart);
        let viewports = [self.viewport];
        let scissors = [self.scissor];
        let mut vp = vk::PipelineViewportStateCreateInfo::default();
        if !self
            .dynamic
            .contains(&vk::DynamicState::VIEWPORT_WITH_COUNT)
        {
            vp = vp.viewports(&viewports);
        }
        if !self.dynamic.contains(&vk::DynamicState::SCISSOR_WITH_COUNT) {
            vp = vp.scissors(&scissors);
        }
        let mask = [self.sample_mask.unwrap_or(u32::MAX)];
        let mut ms = vk::PipelineMultisampleStateCreateInfo::default()
            .rasterization_samples(self.samples)
            .alpha_to_coverage_enable(self.alpha_to_coverage)
            .alpha_to_one_enable(self.alpha_to_one);
        if self.sample_mask.is_some() {
            ms = ms.sample_mask(&mask);
        }
        if let Some(m) = self.sample_shading {
            ms = ms.sample_shading_enable(true).min_sample_shading(m);
        }
        let mut cb = vk::PipelineColorBlendStateCreateInfo::default()
            .attachments(&self.blend)
            .blend_constants(self.blend_constants);
        if let Some(op) = self.logic_op {
            cb = cb.logic_op_enable(true).logic_op(op);
        }
        let dy = vk::PipelineDynamicStateCreateInfo::default().dynamic_states(&self.dynamic);
        let mut rendering = vk::PipelineRenderingCreateInfo::default()
            .color_attachment_formats(&self.color_formats)
            .depth_attachment_format(self.depth_format)
            .stencil_attachment_format(self.stencil_format)
            .view_mask(self.view_mask);
        let mut pipeline_feedback = vk::PipelineCreationFeedback::default();
        let mut stage_feedback = vec![vk::PipelineCreationFeedback::default(); stages.len()];
        let mut feedback = vk::PipelineCreationFeedbackCreateInfo::default()
            .pipeline_creation_feedback(&mut pipeline_feedback)
            .pipeline_stage_creation_feedbacks(&mut stage_feedback);
        let mut info = vk::GraphicsPipelineCreateInfo::default()
            .flags(flags)
            .push_next(&mut feedback)
            .stages(&stages)
            .vertex_input_state(&vi)
            .input_assembly_state(&ia)
            .viewport_state(&vp)
            .rasterization_state(&self.raster)
            .multisample_state(&ms)
            .depth_stencil_state(&self.depth_stencil)
            .color_blend_state(&cb)
            .dynamic_state(&dy)
            .layout(layout);
        match self.render_pass {
            Some((rp, sub)) => info = info.render_pass(rp).subpass(sub),
            None => info = info.push_next(&mut rendering),
        }
        let mut pipeline = vk::Pipeline::null();
        let d = &vk.device;
        let result = unsafe {
            (d.fp_v1_0().create_graphics_pipelines)(
                d.handle(),
                cache,
                1,
                &info,
                std::ptr::null(),
                &mut pipeline,
            )
        };
        unsafe {
            vk.device.destroy_shader_module(vsm, None);
            if let Some(f) = fsm {
                vk.device.destroy_shader_module(f, None);
            }
        }
        Creation {
            result,
            pipeline,
            feedback: pipeline_feedback,
            stages: stage_feedback,
        }
    }

    pub fn build(
        &self,
        vk: &Vk,
        layout: vk::PipelineLayout,
        vs: &[u8],
        fs: Option<&[u8]>,
    ) -> vk::Pipeline {
        self.try_build(vk, layout, vs, fs)
            .expect("vkCreateGraphicsPipelines")
    }
}

/// An attachment image with its view.
pub struct Attachment {
    pub img: Img,
    pub view: vk::ImageView,
    pub aspect: vk::ImageAspectFlags,
    pub samples: vk::SampleCountFlags,
    pub layers: u32,
}

/// A 2D attachment of `format`, usable as attachment and transfer source/destination (and
/// input attachment / sampled where the format allows).
pub fn attachment(
    vk: &Vk,
    format: vk::Format,
    w: u32,
    h: u32,
    samples: vk::SampleCountFlags,
    layers: u32,
    extra_usage: vk::ImageUsageFlags,
) -> Attachment {
    let depth = matches!(
        format,
        vk::Format::D16_UNORM
            | vk::Format::D32_SFLOAT
            | vk::Format::D24_UNORM_S8_UINT
            | vk::Format::D32_SFLOAT_S8_UINT
            | vk::Format::X8_D24_UNORM_PACK32
            | vk::Format::S8_UINT
            | vk::Format::D16_UNORM_S8_UINT
    );
    let aspect = match format {
        vk::Format::D16_UNORM | vk::Format::D32_SFLOAT | vk::Format::X8_D24_UNORM_PACK32 => {
            vk::ImageAspectFlags::DEPTH
        }
        vk::Format::S8_UINT => vk::ImageAspectFlags::STENCIL,
        _ if depth => vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL,
        _ => vk::ImageAspectFlags::COLOR,
    };
    let usage = if depth {
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT
    } else {
        vk::ImageUsageFlags::COLOR_ATTACHMENT
    } | vk::ImageUsageFlags::TRANSFER_SRC
        | vk::ImageUsageFlags::TRANSFER_DST
        | extra_usage;
    let info = crate::image_2d(format, w, h)
        .samples(samples)
        .array_layers(layers)
        .usage(usage);
    let img = vk.image(&info);
    let view = unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(img.image)
                .view_type(if layers > 1 {
                    vk::ImageViewType::TYPE_2D_ARRAY
                } else {
                    vk::ImageViewType::TYPE_2D
                })
                .format(format)
                .subresource_range(vk::ImageSubresourceRange {
                    aspect_mask: aspect,
                    base_mip_level: 0,
                    level_count: 1,
                    base_array_layer: 0,
                    layer_count: layers,
                }),
            None,
        )
    }
    .expect("vkCreateImageView");
    Attachment {
        img,
        view,
        aspect,
        samples,
        layers,
    }
}

impl Attachment {
    /// Moves the whole image from `old` to `new` layout (all stages, all accesses).
    pub fn barrier(
        &self,
        vk: &Vk,
        cb: vk::CommandBuffer,
        old: vk::ImageLayout,
        new: vk::ImageLayout,
    ) {
        let b = [vk::ImageMemoryBarrier2::default()
            .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .src_access_mask(vk::AccessFlags2::MEMORY_WRITE)
            .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)
            .old_layout(old)
            .new_layout(new)
            .image(self.img.image)
            .subresource_range(vk::ImageSubresourceRange {
                aspect_mask: self.aspect,
                base_mip_level: 0,
                level_count: 1,
                base_array_layer: 0,
                layer_count: self.layers,
            })];
        unsafe {
            vk.device
                .cmd_pipeline_barrier2(cb, &vk::DependencyInfo::default().image_memory_barriers(&b))
        };
    }

    /// Copies `aspect` of `layer` (in TRANSFER_SRC_OPTIMAL) into a new host buffer; returns
    /// the bytes (texel rows, tightly packed).
    pub fn read(&self, vk: &Vk, aspect: vk::ImageAspectFlags, layer: u32, texel: u64) -> Vec<u8> {
        let e = self.img.extent;
        let size = e.width as u64 * e.height as u64 * texel;
        let buf = vk.buffer(size, vk::BufferUsageFlags::TRANSFER_DST);
        vk.run(|cb| unsafe {
            vk.device.cmd_copy_image_to_buffer(
                cb,
                self.img.image,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                buf.buffer,
                &[vk::BufferImageCopy {
                    image_subresource: vk::ImageSubresourceLayers {
                        aspect_mask: aspect,
                        mip_level: 0,
                        base_array_layer: layer,
                        layer_count: 1,
                    },
                    image_extent: e,
                    ..Default::default()
                }],
            )
        });
        let out = buf.bytes().to_vec();
        vk.destroy_buffer(buf);
        out
    }

    pub fn destroy(self, vk: &Vk) {
        unsafe { vk.device.destroy_image_view(self.view, None) };
        vk.destroy_image(self.img);
    }
}

/// A host-visible buffer holding `data`.
pub fn buffer_with(vk: &Vk, data: &[u8], usage: vk::BufferUsageFlags) -> crate::Buf {
    let b = vk.buffer(data.len().max(4) as u64, usage);
    b.bytes()[..data.len()].copy_from_slice(data);
    b
}

/// f32s as little-endian bytes.
pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Little-endian bytes of 32-bit words (index buffers, indirect commands).
pub fn u32_bytes(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Sets the full viewport and scissor of a `w` x `h` target.
pub fn viewport_scissor(vk: &Vk, cb: vk::CommandBuffer, w: u32, h: u32) {
    unsafe {
        vk.device.cmd_set_viewport(
            cb,
            0,
            &[vk::Viewport {
                x: 0.0,
                y: 0.0,
                width: w as f32,
                height: h as f32,
                min_depth: 0.0,
                max_depth: 1.0,
            }],
        );
        vk.device.cmd_set_scissor(
            cb,
            0,
            &[vk::Rect2D {
                offset: vk::Offset2D::default(),
                extent: vk::Extent2D {
                    width: w,
                    height: h,
                },
            }],
        );
    }
}

/// Reads the PAM image `NAME` from tests/reference (width, height, RGBA bytes).
fn read_pam(path: &std::path::Path) -> Option<(u32, u32, Vec<u8>)> {
    let data = std::fs::read(path).ok()?;
    let end = data.windows(7).position(|w| w == b"ENDHDR\n")? + 7;
    let header = std::str::from_utf8(&data[..end]).ok()?;
    let field = |name: &str| -> Option<u32> {
        header
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
    };
    let (w, h) = (field("WIDTH ")?, field("HEIGHT ")?);
    (field("DEPTH ")? == 4).then_some((w, h, data[end..].to_vec()))
}

fn write_pam(path: &std::path::Path, w: u32, h: u32, rgba: &[u8]) {
    let mut out =
        format!("P7\nWIDTH {w}\nHEIGHT {h}\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n")
            .into_bytes();
    out.extend_from_slice(rgba);
    std::fs::write(path, out).expect("write the reference image");
}

/// Compares an RGBA8 image with reference `name` (see the module docs); with `SOFTVK_BLESS=1`
/// writes it instead. Returns (outlier pixels, largest channel difference).
pub fn check_reference(
    name: &str,
    w: u32,
    h: u32,
    rgba: &[u8],
    tolerance: u8,
    max_outliers: usize,
) -> (usize, u8) {
    check_reference_rows(name, w, h, rgba, 0..h, tolerance, max_outliers)
}

/// [`check_reference`] over the pixel rows `rows` only (the whole image is blessed).
pub fn check_reference_rows(
    name: &str,
    w: u32,
    h: u32,
    rgba: &[u8],
    rows: std::ops::Range<u32>,
    tolerance: u8,
    max_outliers: usize,
) -> (usize, u8) {
    let path = crate::root()
        .join("tests/reference")
        .join(format!("{name}.pam"));
    if std::env::var_os("SOFTVK_BLESS").is_some() {
        write_pam(&path, w, h, rgba);
        eprintln!("wrote {}", path.display());
        return (0, 0);
    }
    let (rw, rh, want) = read_pam(&path).unwrap_or_else(|| {
        panic!(
            "reference image {} is missing or unreadable",
            path.display()
        )
    });
    assert_eq!((rw, rh), (w, h), "{name}: reference size");
    let mut outliers = 0;
    let mut worst = 0u8;
    for (p, (a, b)) in rgba.chunks_exact(4).zip(want.chunks_exact(4)).enumerate() {
        if !rows.contains(&(p as u32 / w)) {
            continue;
        }
        let d = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap();
        worst = worst.max(d);
        if d > tolerance {
            outliers += 1;
            if outliers <= 5 {
                eprintln!(
                    "{name}: pixel ({}, {}) is {a:?}, reference {b:?}",
                    p as u32 % w,
                    p as u32 / w
                );
            }
        }
    }
    eprintln!(
        "{name} rows {rows:?}: {outliers} pixels beyond tolerance {tolerance} (allowed \
         {max_outliers}), largest difference {worst}, hash {:016x}",
        fnv(rgba)
    );
    assert!(
        outliers <= max_outliers,
        "{name}: {outliers} pixels differ from the reference by more than {tolerance} \
         (at most {max_outliers} allowed; largest difference {worst})"
    );
    (outliers, worst)
}

/// FNV-1a of `bytes` (the image hashes the thread-count test compares).
pub fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}
