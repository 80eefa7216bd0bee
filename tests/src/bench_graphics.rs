//! The graphics rows of `softvk-bench` (issue 9): the frame time of a scene of 100 000
//! textured, depth-tested triangles at 1920x1080, a full-screen fill rate with blending, and
//! the rate of 10 000 small draws. Every result is checked, so a skipped draw cannot pass for
//! a fast one.

use super::{Ctx, median, spirv};
use ash::vk;

const W: u32 = 1920;
const H: u32 = 1080;

struct Image {
    image: vk::Image,
    view: vk::ImageView,
    memory: vk::DeviceMemory,
}

impl Ctx {
    fn memory_for(&self, req: vk::MemoryRequirements) -> vk::DeviceMemory {
        unsafe {
            let props = self
                .instance
                .get_physical_device_memory_properties(self.physical);
            let host = vk::MemoryPropertyFlags::HOST_VISIBLE;
            let ty = (0..props.memory_type_count)
                .find(|&i| {
                    req.memory_type_bits & (1 << i) != 0
                        && props.memory_types[i as usize].property_flags.contains(host)
                })
                .unwrap();
            self.device
                .allocate_memory(
                    &vk::MemoryAllocateInfo::default()
                        .allocation_size(req.size)
                        .memory_type_index(ty),
                    None,
                )
                .unwrap()
        }
    }

    /// A host-visible buffer of `size` bytes and `usage`, bound to its own memory.
    pub(super) fn buffer_of(
        &self,
        size: u64,
        usage: vk::BufferUsageFlags,
    ) -> (vk::Buffer, vk::DeviceMemory) {
        unsafe {
            let b = self
                .device
                .create_buffer(
                    &vk::BufferCreateInfo::default().size(size).usage(usage),
                    None,
                )
                .unwrap();
            let m = self.memory_for(self.device.get_buffer_memory_requirements(b));
            self.device.bind_buffer_memory(b, m, 0).unwrap();
            (b, m)
        }
    }

    /// A host-visible buffer of `usage` holding `data`.
    fn buffer_with(
        &self,
        data: &[u8],
        usage: vk::BufferUsageFlags,
    ) -> (vk::Buffer, vk::DeviceMemory) {
        let (b, m) = self.buffer_of(data.len() as u64, usage);
        unsafe {
            let p = self
                .device
                .map_memory(m, 0, data.len() as u64, vk::MemoryMapFlags::empty())
                .unwrap() as *mut u8;
            std::ptr::copy_nonoverlapping(data.as_ptr(), p, data.len());
            self.device.unmap_memory(m);
        }
        (b, m)
    }

    fn image(&self, format: vk::Format, w: u32, h: u32, usage: vk::ImageUsageFlags) -> Image {
        let aspect = if format == vk::Format::D32_SFLOAT {
            vk::ImageAspectFlags::DEPTH
        } else {
            vk::ImageAspectFlags::COLOR
        };
        unsafe {
            let image = self
                .device
                .create_image(
                    &vk::ImageCreateInfo::default()
                        .image_type(vk::ImageType::TYPE_2D)
                        .format(format)
                        .extent(vk::Extent3D {
                            width: w,
                            height: h,
                            depth: 1,
                        })
                        .mip_levels(1)
                        .array_layers(1)
                        .samples(vk::SampleCountFlags::TYPE_1)
                        .tiling(vk::ImageTiling::OPTIMAL)
                        .usage(usage),
                    None,
                )
                .unwrap();
            let memory = self.memory_for(self.device.get_image_memory_requirements(image));
            self.device.bind_image_memory(image, memory, 0).unwrap();
            let view = self
                .device
                .create_image_view(
                    &vk::ImageViewCreateInfo::default()
                        .image(image)
                        .view_type(vk::ImageViewType::TYPE_2D)
                        .format(format)
                        .subresource_range(vk::ImageSubresourceRange {
                            aspect_mask: aspect,
                            base_mip_level: 0,
                            level_count: 1,
                            base_array_layer: 0,
                            layer_count: 1,
                        }),
                    None,
                )
                .unwrap();
            Image {
                image,
                view,
                memory,
            }
        }
    }

    fn destroy_image(&self, i: Image) {
        unsafe {
            self.device.destroy_image_view(i.view, None);
            self.device.destroy_image(i.image, None);
            self.device.free_memory(i.memory, None);
        }
    }

    /// Records a layout transition of the whole image (every stage, every access).
    fn transition(
        &self,
        cb: vk::CommandBuffer,
        image: vk::Image,
        aspect: vk::ImageAspectFlags,
        old: vk::ImageLayout,
        new: vk::ImageLayout,
    ) {
        let b = [vk::ImageMemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::MEMORY_WRITE)
            .dst_access_mask(vk::AccessFlags::MEMORY_READ | vk::AccessFlags::MEMORY_WRITE)
            .old_layout(old)
            .new_layout(new)
            .image(image)
            .subresource_range(vk::ImageSubresourceRange {
                aspect_mask: aspect,
                base_mip_level: 0,
                level_count: 1,
                base_array_layer: 0,
                layer_count: 1,
            })];
        unsafe {
            self.device.cmd_pipeline_barrier(
                cb,
                vk::PipelineStageFlags::ALL_COMMANDS,
                vk::PipelineStageFlags::ALL_COMMANDS,
                vk::DependencyFlags::empty(),
                &[],
                &[],
                &b,
            )
        };
    }

    /// A graphics pipeline for dynamic rendering into one RGBA8 attachment (and D32 depth).
    #[allow(clippy::too_many_arguments)]
    fn graphics_pipeline(
        &self,
        layout: vk::PipelineLayout,
        vs: &str,
        fs: &str,
        bindings: &[vk::VertexInputBindingDescription],
        attributes: &[vk::VertexInputAttributeDescription],
        depth: bool,
        blend: bool,
    ) -> vk::Pipeline {
        let d = &self.device;
        unsafe {
            let module = |name: &str| {
                let words = spirv(name);
                d.create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
                    .unwrap()
            };
            let (vsm, fsm) = (module(vs), module(fs));
            let stages = [
                vk::PipelineShaderStageCreateInfo::default()
                    .stage(vk::ShaderStageFlags::VERTEX)
                    .module(vsm)
                    .name(c"main"),
                vk::PipelineShaderStageCreateInfo::default()
                    .stage(vk::ShaderStageFlags::FRAGMENT)
                    .module(fsm)
                    .name(c"main"),
            ];
            let vi = vk::PipelineVertexInputStateCreateInfo::default()
                .vertex_binding_descriptions(bindings)
                .vertex_attribute_descriptions(attributes);
            let ia = vk::PipelineInputAssemblyStateCreateInfo::default()
                .topology(vk::PrimitiveTopology::TRIANGLE_LIST);
            let vp = vk::PipelineViewportStateCreateInfo::default()
                .viewport_count(1)
                .scissor_count(1);
            let rs = vk::PipelineRasterizationStateCreateInfo::default()
                .polygon_mode(vk::PolygonMode::FILL)
                .cull_mode(vk::CullModeFlags::NONE)
                .line_width(1.0);
            let ms = vk::PipelineMultisampleStateCreateInfo::default()
                .rasterization_samples(vk::SampleCountFlags::TYPE_1);
            let ds = vk::PipelineDepthStencilStateCreateInfo::default()
                .depth_test_enable(depth)
                .depth_write_enable(depth)
                .depth_compare_op(vk::CompareOp::LESS)
                .max_depth_bounds(1.0);
            let att = [vk::PipelineColorBlendAttachmentState {
                blend_enable: blend as u32,
                src_color_blend_factor: vk::BlendFactor::SRC_ALPHA,
                dst_color_blend_factor: vk::BlendFactor::ONE_MINUS_SRC_ALPHA,
                color_blend_op: vk::BlendOp::ADD,
                src_alpha_blend_factor: vk::BlendFactor::ONE,
                dst_alpha_blend_factor: vk::BlendFactor::ZERO,
                alpha_blend_op: vk::BlendOp::ADD,
                color_write_mask: vk::ColorComponentFlags::RGBA,
            }];
            let cb = vk::PipelineColorBlendStateCreateInfo::default().attachments(&att);
            let dyns = [vk::DynamicState::VIEWPORT, vk::DynamicState::SCISSOR];
            let dy = vk::PipelineDynamicStateCreateInfo::default().dynamic_states(&dyns);
            let formats = [vk::Format::R8G8B8A8_UNORM];
            let mut rendering = vk::PipelineRenderingCreateInfo::default()
                .color_attachment_formats(&formats)
                .depth_attachment_format(if depth {
                    vk::Format::D32_SFLOAT
                } else {
                    vk::Format::UNDEFINED
                });
            let info = vk::GraphicsPipelineCreateInfo::default()
                .stages(&stages)
                .vertex_input_state(&vi)
                .input_assembly_state(&ia)
                .viewport_state(&vp)
                .rasterization_state(&rs)
                .multisample_state(&ms)
                .depth_stencil_state(&ds)
                .color_blend_state(&cb)
                .dynamic_state(&dy)
                .layout(layout)
                .push_next(&mut rendering);
            let p = d
                .create_graphics_pipelines(vk::PipelineCache::null(), &[info], None)
                .unwrap()[0];
            d.destroy_shader_module(vsm, None);
            d.destroy_shader_module(fsm, None);
            p
        }
    }

    /// Begins rendering into `color` (cleared) and `depth` (cleared to 1), `w` x `h`.
    fn begin_rendering(
        &self,
        cb: vk::CommandBuffer,
        color: &Image,
        depth: Option<&Image>,
        w: u32,
        h: u32,
    ) {
        let d = &self.device;
        let area = vk::Rect2D {
            offset: vk::Offset2D::default(),
            extent: vk::Extent2D {
                width: w,
                height: h,
            },
        };
        let ca = [vk::RenderingAttachmentInfo::default()
            .image_view(color.view)
            .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .clear_value(vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: [0.0, 0.0, 0.0, 1.0],
                },
            })];
        let da = depth.map(|d| {
            vk::RenderingAttachmentInfo::default()
                .image_view(d.view)
                .image_layout(vk::ImageLayout::DEPTH_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(vk::ClearValue {
                    depth_stencil: vk::ClearDepthStencilValue {
                        depth: 1.0,
                        stencil: 0,
                    },
                })
        });
        let mut info = vk::RenderingInfo::default()
            .render_area(area)
            .layer_count(1)
            .color_attachments(&ca);
        if let Some(da) = da.as_ref() {
            info = info.depth_attachment(da);
        }
        unsafe {
            d.cmd_begin_rendering(cb, &info);
            d.cmd_set_viewport(
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
            d.cmd_set_scissor(cb, 0, &[area]);
        }
    }

    /// Reads pixel (x, y) of the RGBA8 `image` (in TRANSFER_SRC_OPTIMAL).
    fn pixel(&self, image: vk::Image, x: i32, y: i32) -> [u8; 4] {
        let (b, m) = self.buffer_with(&[0u8; 4], vk::BufferUsageFlags::TRANSFER_DST);
        let cb = self.record(|cb| unsafe {
            self.device.cmd_copy_image_to_buffer(
                cb,
                image,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                b,
                &[vk::BufferImageCopy {
                    image_subresource: vk::ImageSubresourceLayers {
                        aspect_mask: vk::ImageAspectFlags::COLOR,
                        mip_level: 0,
                        base_array_layer: 0,
                        layer_count: 1,
                    },
                    image_offset: vk::Offset3D { x, y, z: 0 },
                    image_extent: vk::Extent3D {
                        width: 1,
                        height: 1,
                        depth: 1,
                    },
                    ..Default::default()
                }],
            )
        });
        self.round_trips(&[cb], 1);
        unsafe {
            let p = self
                .device
                .map_memory(m, 0, 4, vk::MemoryMapFlags::empty())
                .unwrap() as *const [u8; 4];
            let v = *p;
            self.device.unmap_memory(m);
            self.device.free_command_buffers(self.pool, &[cb]);
            self.device.destroy_buffer(b, None);
            self.device.free_memory(m, None);
            v
        }
    }
}

/// A small deterministic generator (the scene is the same on both drivers).
struct Lcg(u64);

impl Lcg {
    fn f(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The three graphics rows; prints `scene_ms`, `fill_mpix`, `draw_call_us`.
pub fn graphics(ctx: &Ctx) {
    let d = &ctx.device;
    let color_usage = vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_SRC;
    let color = ctx.image(vk::Format::R8G8B8A8_UNORM, W, H, color_usage);
    let depth = ctx.image(
        vk::Format::D32_SFLOAT,
        W,
        H,
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
    );
    // The texture: 256x256 RGBA8, a colored pattern.
    let tex = ctx.image(
        vk::Format::R8G8B8A8_UNORM,
        256,
        256,
        vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST,
    );
    let texels: Vec<u8> = (0..256 * 256)
        .flat_map(|i: u32| {
            let (x, y) = (i % 256, i / 256);
            [(x ^ y) as u8, (x * 3) as u8, (y * 5) as u8, 255]
        })
        .collect();
    let (staging, sm) = ctx.buffer_with(&texels, vk::BufferUsageFlags::TRANSFER_SRC);
    let up = ctx.record(|cb| unsafe {
        let to = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
        ctx.transition(
            cb,
            tex.image,
            vk::ImageAspectFlags::COLOR,
            vk::ImageLayout::UNDEFINED,
            to,
        );
        d.cmd_copy_buffer_to_image(
            cb,
            staging,
            tex.image,
            to,
            &[vk::BufferImageCopy {
                image_subresource: vk::ImageSubresourceLayers {
                    aspect_mask: vk::ImageAspectFlags::COLOR,
                    mip_level: 0,
                    base_array_layer: 0,
                    layer_count: 1,
                },
                image_extent: vk::Extent3D {
                    width: 256,
                    height: 256,
                    depth: 1,
                },
                ..Default::default()
            }],
        );
        ctx.transition(
            cb,
            tex.image,
            vk::ImageAspectFlags::COLOR,
            to,
            vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL,
        );
    });
    ctx.round_trips(&[up], 1);
    let sampler = unsafe {
        d.create_sampler(
            &vk::SamplerCreateInfo::default()
                .mag_filter(vk::Filter::LINEAR)
                .min_filter(vk::Filter::LINEAR)
                .address_mode_u(vk::SamplerAddressMode::REPEAT)
                .address_mode_v(vk::SamplerAddressMode::REPEAT),
            None,
        )
    }
    .unwrap();
    let binding = [vk::DescriptorSetLayoutBinding::default()
        .binding(0)
        .descriptor_type(vk::DescriptorType::COMBINED_IMAGE_SAMPLER)
        .descriptor_count(1)
        .stage_flags(vk::ShaderStageFlags::FRAGMENT)];
    let set_layout = unsafe {
        d.create_descriptor_set_layout(
            &vk::DescriptorSetLayoutCreateInfo::default().bindings(&binding),
            None,
        )
    }
    .unwrap();
    let sizes = [vk::DescriptorPoolSize {
        ty: vk::DescriptorType::COMBINED_IMAGE_SAMPLER,
        descriptor_count: 1,
    }];
    let pool = unsafe {
        d.create_descriptor_pool(
            &vk::DescriptorPoolCreateInfo::default()
                .max_sets(1)
                .pool_sizes(&sizes),
            None,
        )
    }
    .unwrap();
    let set = unsafe {
        d.allocate_descriptor_sets(
            &vk::DescriptorSetAllocateInfo::default()
                .descriptor_pool(pool)
                .set_layouts(&[set_layout]),
        )
    }
    .unwrap()[0];
    let ii = [vk::DescriptorImageInfo {
        sampler,
        image_view: tex.view,
        image_layout: vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL,
    }];
    unsafe {
        d.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .descriptor_type(vk::DescriptorType::COMBINED_IMAGE_SAMPLER)
                .image_info(&ii)],
            &[],
        )
    };
    let scene_layout = unsafe {
        d.create_pipeline_layout(
            &vk::PipelineLayoutCreateInfo::default().set_layouts(&[set_layout]),
            None,
        )
    }
    .unwrap();
    let range = [vk::PushConstantRange {
        stage_flags: vk::ShaderStageFlags::VERTEX,
        offset: 0,
        size: 16,
    }];
    let flat_layout = unsafe {
        d.create_pipeline_layout(
            &vk::PipelineLayoutCreateInfo::default().push_constant_ranges(&range),
            None,
        )
    }
    .unwrap();
    let scene_pipe = ctx.graphics_pipeline(
        scene_layout,
        "scene_vs",
        "scene_fs",
        &[vk::VertexInputBindingDescription {
            binding: 0,
            stride: 20,
            input_rate: vk::VertexInputRate::VERTEX,
        }],
        &[
            vk::VertexInputAttributeDescription {
                location: 0,
                binding: 0,
                format: vk::Format::R32G32B32_SFLOAT,
                offset: 0,
            },
            vk::VertexInputAttributeDescription {
                location: 1,
                binding: 0,
                format: vk::Format::R32G32_SFLOAT,
                offset: 12,
            },
        ],
        true,
        false,
    );
    let flat_input = (
        [vk::VertexInputBindingDescription {
            binding: 0,
            stride: 8,
            input_rate: vk::VertexInputRate::VERTEX,
        }],
        [vk::VertexInputAttributeDescription {
            location: 0,
            binding: 0,
            format: vk::Format::R32G32_SFLOAT,
            offset: 0,
        }],
    );
    let fill_pipe = ctx.graphics_pipeline(
        flat_layout,
        "flat_vs",
        "flat_fs",
        &flat_input.0,
        &flat_input.1,
        false,
        true,
    );
    let tiny_pipe = ctx.graphics_pipeline(
        flat_layout,
        "flat_vs",
        "flat_fs",
        &flat_input.0,
        &flat_input.1,
        false,
        false,
    );

    // The scene: two layers of 125 x 200 quads over the whole screen, each quad at its own
    // depth: 100 000 triangles, each pixel covered twice, the depth test deciding.
    let mut rng = Lcg(9);
    let mut verts: Vec<f32> = Vec::new();
    let mut indices: Vec<u32> = Vec::new();
    let (cols, rows) = (125, 200);
    for layer in 0..2 {
        for r in 0..rows {
            for c in 0..cols {
                let x0 = -1.0 + 2.0 * c as f32 / cols as f32;
                let y0 = -1.0 + 2.0 * r as f32 / rows as f32;
                let (x1, y1) = (x0 + 2.0 / cols as f32, y0 + 2.0 / rows as f32);
                let z = 0.1 + 0.8 * rng.f();
                let base = (verts.len() / 5) as u32;
                let u0 = rng.f() + layer as f32;
                for (x, y, u, v) in [
                    (x0, y0, 0.0, 0.0),
                    (x1, y0, 1.0, 0.0),
                    (x1, y1, 1.0, 1.0),
                    (x0, y1, 0.0, 1.0),
                ] {
                    verts.extend([x, y, z, u0 + u * 0.3, v * 0.3]);
                }
                indices.extend([base, base + 1, base + 2, base, base + 2, base + 3]);
            }
        }
    }
    let triangles = indices.len() / 3;
    let (vb, vm) = ctx.buffer_with(&f32s(&verts), vk::BufferUsageFlags::VERTEX_BUFFER);
    let ib_bytes: Vec<u8> = indices.iter().flat_map(|i| i.to_le_bytes()).collect();
    let (ib, im) = ctx.buffer_with(&ib_bytes, vk::BufferUsageFlags::INDEX_BUFFER);
    let frame = |pipe_work: &dyn Fn(vk::CommandBuffer), with_depth: bool, w: u32, h: u32| {
        ctx.record(|cb| unsafe {
            let ca = vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL;
            ctx.transition(
                cb,
                color.image,
                vk::ImageAspectFlags::COLOR,
                vk::ImageLayout::UNDEFINED,
                ca,
            );
            if with_depth {
                ctx.transition(
                    cb,
                    depth.image,
                    vk::ImageAspectFlags::DEPTH,
                    vk::ImageLayout::UNDEFINED,
                    vk::ImageLayout::DEPTH_ATTACHMENT_OPTIMAL,
                );
            }
            ctx.begin_rendering(cb, &color, with_depth.then_some(&depth), w, h);
            pipe_work(cb);
            d.cmd_end_rendering(cb);
            ctx.transition(
                cb,
                color.image,
                vk::ImageAspectFlags::COLOR,
                ca,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            );
        })
    };
    // SOFTVK_BENCH_ROW=scene|fill|draws: that row repeated, the others run once (profiling).
    let row = std::env::var("SOFTVK_BENCH_ROW").ok();
    let only = |name: &str| row.as_deref().is_none_or(|r| r == name);
    let scene = frame(
        &|cb| unsafe {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, scene_pipe);
            d.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::GRAPHICS,
                scene_layout,
                0,
                &[set],
                &[],
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[vb], &[0]);
            d.cmd_bind_index_buffer(cb, ib, 0, vk::IndexType::UINT32);
            d.cmd_draw_indexed(cb, indices.len() as u32, 1, 0, 0, 0);
        },
        true,
        W,
        H,
    );
    // SOFTVK_BENCH_REPEAT=n: the scene and the fill n more times (for profiling).
    let repeat: usize = std::env::var("SOFTVK_BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let timed: usize = std::env::var("SOFTVK_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let runs = |name: &str| {
        if only(name) {
            (1 + repeat, timed)
        } else {
            (0, 1)
        }
    };
    ctx.round_trips(&[scene], runs("scene").0);
    let t = median(ctx.round_trips(&[scene], runs("scene").1));
    // Check: the nearer layer's texel at a pixel center is what was drawn there (the
    // texture's alpha is 255; the clear's alpha too, but its color is black: a drawn pixel
    // is not black in every channel).
    let p = ctx.pixel(color.image, W as i32 / 2 + 7, H as i32 / 2 + 3);
    assert!(
        p != [0, 0, 0, 255],
        "the scene drew nothing at the center: {p:?}"
    );
    println!("scene_ms {}", t * 1e3);
    println!("scene_triangles {triangles}");

    // Fill rate: 8 full-screen quads blended over each other.
    let full = f32s(&[
        -1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0,
    ]);
    let (fb, fm) = ctx.buffer_with(&full, vk::BufferUsageFlags::VERTEX_BUFFER);
    const LAYERS: usize = 8;
    let fill = frame(
        &|cb| unsafe {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, fill_pipe);
            d.cmd_bind_vertex_buffers(cb, 0, &[fb], &[0]);
            for k in 0..LAYERS {
                let c = [0.9, 0.1 * k as f32, 0.5, 0.5f32];
                d.cmd_push_constants(cb, flat_layout, vk::ShaderStageFlags::VERTEX, 0, &f32s(&c));
                d.cmd_draw(cb, 6, 1, 0, 0);
            }
        },
        false,
        W,
        H,
    );
    ctx.round_trips(&[fill], runs("fill").0);
    let t = median(ctx.round_trips(&[fill], runs("fill").1));
    // Check: red blends 0.9 over 0 eight times at alpha 0.5: 0.9 * (1 - 0.5^8).
    let p = ctx.pixel(color.image, 100, 100);
    let want = 0.9 * (1.0 - 0.5f32.powi(LAYERS as i32)) * 255.0;
    assert!(
        (p[0] as f32 - want).abs() <= 3.0,
        "the fill-rate blend gave {p:?}, expected red {want:.0}"
    );
    println!("fill_mpix {}", (W * H) as f64 * LAYERS as f64 / t / 1e6);

    // 10 000 small draws: a 4-pixel triangle each, at its own place of a 256 x 256 target.
    const DRAWS: u32 = 10_000;
    let mut tri = Vec::new();
    let mut rng = Lcg(3);
    for _ in 0..DRAWS {
        let (x, y) = (rng.f() * 1.9 - 0.95, rng.f() * 1.9 - 0.95);
        tri.extend([x, y, x + 0.02, y, x, y + 0.02]);
    }
    let (tb, tm) = ctx.buffer_with(&f32s(&tri), vk::BufferUsageFlags::VERTEX_BUFFER);
    let many = frame(
        &|cb| unsafe {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, tiny_pipe);
            d.cmd_bind_vertex_buffers(cb, 0, &[tb], &[0]);
            d.cmd_push_constants(
                cb,
                flat_layout,
                vk::ShaderStageFlags::VERTEX,
                0,
                &f32s(&[0.2, 0.9, 0.3, 1.0]),
            );
            for k in 0..DRAWS {
                d.cmd_draw(cb, 3, 1, 3 * k, 0);
            }
        },
        false,
        256,
        256,
    );
    // A frame of this row is a few milliseconds, which one descheduling doubles: its median
    // is taken over five times as many frames as the others'.
    // (SOFTVK_BENCH_RUNS, where given, counts this row's frames too: `cargo xtask
    // instructions` tells frames apart by it.)
    let n = if row.as_deref() == Some("draws") {
        if std::env::var("SOFTVK_BENCH_RUNS").is_ok() {
            timed
        } else {
            200
        }
    } else if only("draws") {
        5 * timed
    } else {
        1
    };
    ctx.round_trips(&[many], 1);
    let t = median(ctx.round_trips(&[many], n));
    // Check: the first triangle's corner pixel is green.
    let (x, y) = (tri[0], tri[1]);
    // The pixel whose center lies 0.1 to 1.1 pixels right of and below the corner: inside.
    let px = ((x + 1.0) * 128.0 + 0.6).floor() as i32;
    let py = ((y + 1.0) * 128.0 + 0.6).floor() as i32;
    let p = ctx.pixel(color.image, px, py);
    assert!(
        p[1] > 200,
        "the small draws drew nothing at ({px}, {py}): {p:?}"
    );
    println!("draw_call_us {}", t / DRAWS as f64 * 1e6);

    unsafe {
        d.free_command_buffers(ctx.pool, &[up, scene, fill, many]);
        for p in [scene_pipe, fill_pipe, tiny_pipe] {
            d.destroy_pipeline(p, None);
        }
        d.destroy_pipeline_layout(scene_layout, None);
        d.destroy_pipeline_layout(flat_layout, None);
        d.destroy_descriptor_pool(pool, None);
        d.destroy_descriptor_set_layout(set_layout, None);
        d.destroy_sampler(sampler, None);
        for (b, m) in [(vb, vm), (ib, im), (fb, fm), (tb, tm), (staging, sm)] {
            d.destroy_buffer(b, None);
            d.free_memory(m, None);
        }
    }
    for i in [color, depth, tex] {
        ctx.destroy_image(i);
    }
}
