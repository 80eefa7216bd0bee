//! Render passes, dynamic rendering, image views and multisampled images through the loader:
//! load-op clears, vkCmdClearAttachments (also from secondaries), resolves (render pass color
//! and depth/stencil resolves, dynamic-rendering resolves, vkCmdResolveImage), subpasses,
//! imageless framebuffers, suspend/resume, and views of every type and subresource.

use ash::vk;
use softvk_tests::{Img, Vk, color_layers};

type A = vk::ImageAspectFlags;
type U = vk::ImageUsageFlags;
type L = vk::ImageLayout;

const COLOR: A = A::COLOR;
const DS: A = A::from_raw(A::DEPTH.as_raw() | A::STENCIL.as_raw());
const SRC: L = L::TRANSFER_SRC_OPTIMAL;
const DST: L = L::TRANSFER_DST_OPTIMAL;
const CA: L = L::COLOR_ATTACHMENT_OPTIMAL;
const DSA: L = L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL;

/// A barrier over everything (all stages, all accesses) with a layout change.
fn barrier(vk: &Vk, cb: vk::CommandBuffer, image: vk::Image, aspect: A, old: L, new: L) {
    let b = [vk::ImageMemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .src_access_mask(vk::AccessFlags2::MEMORY_WRITE)
        .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)
        .old_layout(old)
        .new_layout(new)
        .image(image)
        .subresource_range(range(
            aspect,
            0,
            vk::REMAINING_MIP_LEVELS,
            0,
            vk::REMAINING_ARRAY_LAYERS,
        ))];
    unsafe {
        vk.device
            .cmd_pipeline_barrier2(cb, &vk::DependencyInfo::default().image_memory_barriers(&b))
    };
}

fn range(aspect: A, mip: u32, mips: u32, layer: u32, layers: u32) -> vk::ImageSubresourceRange {
    vk::ImageSubresourceRange {
        aspect_mask: aspect,
        base_mip_level: mip,
        level_count: mips,
        base_array_layer: layer,
        layer_count: layers,
    }
}

struct ImageSpec {
    format: vk::Format,
    size: u32,
    samples: vk::SampleCountFlags,
    usage: U,
    mips: u32,
    layers: u32,
    flags: vk::ImageCreateFlags,
    image_type: vk::ImageType,
    initial: L,
}

impl ImageSpec {
    fn new(format: vk::Format, size: u32, samples: vk::SampleCountFlags, usage: U) -> Self {
        ImageSpec {
            format,
            size,
            samples,
            usage,
            mips: 1,
            layers: 1,
            flags: vk::ImageCreateFlags::empty(),
            image_type: vk::ImageType::TYPE_2D,
            initial: L::UNDEFINED,
        }
    }

    fn make(&self, vk: &Vk) -> Img {
        let three_d = self.image_type == vk::ImageType::TYPE_3D;
        vk.image(
            &vk::ImageCreateInfo::default()
                .image_type(self.image_type)
                .format(self.format)
                .extent(vk::Extent3D {
                    width: self.size,
                    height: if self.image_type == vk::ImageType::TYPE_1D {
                        1
                    } else {
                        self.size
                    },
                    depth: if three_d { self.size } else { 1 },
                })
                .mip_levels(self.mips)
                .array_layers(self.layers)
                .samples(self.samples)
                .tiling(vk::ImageTiling::OPTIMAL)
                .usage(self.usage)
                .flags(self.flags)
                .initial_layout(self.initial),
        )
    }
}

fn view(
    vk: &Vk,
    image: vk::Image,
    ty: vk::ImageViewType,
    format: vk::Format,
    r: vk::ImageSubresourceRange,
) -> vk::ImageView {
    unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(ty)
                .format(format)
                .subresource_range(r),
            None,
        )
    }
    .expect("vkCreateImageView")
}

fn area(x: i32, y: i32, w: u32, h: u32) -> vk::Rect2D {
    vk::Rect2D {
        offset: vk::Offset2D { x, y },
        extent: vk::Extent2D {
            width: w,
            height: h,
        },
    }
}

fn color(c: [f32; 4]) -> vk::ClearValue {
    vk::ClearValue {
        color: vk::ClearColorValue { float32: c },
    }
}

fn depth_stencil(depth: f32, stencil: u32) -> vk::ClearValue {
    vk::ClearValue {
        depth_stencil: vk::ClearDepthStencilValue { depth, stencil },
    }
}

/// Copies `aspect` of (mip, layer) of a single-sampled image (in SRC layout) into a new buffer.
fn read(vk: &Vk, img: &Img, aspect: A, mip: u32, layer: u32, texel: u32) -> Vec<u8> {
    let w = (img.extent.width >> mip).max(1);
    let h = (img.extent.height >> mip).max(1);
    let buf = vk.buffer((w * h * texel) as u64, vk::BufferUsageFlags::TRANSFER_DST);
    vk.run(|cb| unsafe {
        vk.device.cmd_copy_image_to_buffer(
            cb,
            img.image,
            SRC,
            buf.buffer,
            &[vk::BufferImageCopy {
                image_subresource: vk::ImageSubresourceLayers {
                    aspect_mask: aspect,
                    mip_level: mip,
                    base_array_layer: layer,
                    layer_count: 1,
                },
                image_extent: vk::Extent3D {
                    width: w,
                    height: h,
                    depth: 1,
                },
                ..Default::default()
            }],
        );
    });
    let out = buf.bytes().to_vec();
    vk.destroy_buffer(buf);
    out
}

fn inside(x: u32, y: u32, r: vk::Rect2D) -> bool {
    let (x, y) = (x as i32, y as i32);
    x >= r.offset.x
        && y >= r.offset.y
        && x < r.offset.x + r.extent.width as i32
        && y < r.offset.y + r.extent.height as i32
}

const RGBA8: vk::Format = vk::Format::R8G8B8A8_UNORM;
const S4: vk::SampleCountFlags = vk::SampleCountFlags::TYPE_4;
const S1: vk::SampleCountFlags = vk::SampleCountFlags::TYPE_1;

/// Render pass 1: a 4-sample color attachment cleared by its load op over a render area, a
/// rectangle cleared by vkCmdClearAttachments from a secondary command buffer, and the resolve
/// into a single-sampled attachment at the end of the subpass.
#[test]
fn render_pass_load_clear_secondary_clear_attachments_and_resolve() {
    let vk = Vk::new();
    let ms = ImageSpec::new(RGBA8, 16, S4, U::COLOR_ATTACHMENT).make(&vk);
    let res = ImageSpec::new(
        RGBA8,
        16,
        S1,
        U::COLOR_ATTACHMENT | U::TRANSFER_SRC | U::TRANSFER_DST,
    )
    .make(&vk);
    let attachments = [
        vk::AttachmentDescription::default()
            .format(RGBA8)
            .samples(S4)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::DONT_CARE)
            .stencil_load_op(vk::AttachmentLoadOp::DONT_CARE)
            .stencil_store_op(vk::AttachmentStoreOp::DONT_CARE)
            .initial_layout(L::UNDEFINED)
            .final_layout(CA),
        vk::AttachmentDescription::default()
            .format(RGBA8)
            .samples(S1)
            .load_op(vk::AttachmentLoadOp::LOAD)
            .store_op(vk::AttachmentStoreOp::STORE)
            .stencil_load_op(vk::AttachmentLoadOp::DONT_CARE)
            .stencil_store_op(vk::AttachmentStoreOp::DONT_CARE)
            .initial_layout(CA)
            .final_layout(SRC),
    ];
    let color_ref = [vk::AttachmentReference {
        attachment: 0,
        layout: CA,
    }];
    let resolve_ref = [vk::AttachmentReference {
        attachment: 1,
        layout: CA,
    }];
    let subpass = [vk::SubpassDescription::default()
        .pipeline_bind_point(vk::PipelineBindPoint::GRAPHICS)
        .color_attachments(&color_ref)
        .resolve_attachments(&resolve_ref)];
    let deps = [vk::SubpassDependency {
        src_subpass: 0,
        dst_subpass: vk::SUBPASS_EXTERNAL,
        src_stage_mask: vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT,
        dst_stage_mask: vk::PipelineStageFlags::TRANSFER,
        src_access_mask: vk::AccessFlags::COLOR_ATTACHMENT_WRITE,
        dst_access_mask: vk::AccessFlags::TRANSFER_READ,
        dependency_flags: vk::DependencyFlags::empty(),
    }];
    let pass = unsafe {
        vk.device.create_render_pass(
            &vk::RenderPassCreateInfo::default()
                .attachments(&attachments)
                .subpasses(&subpass)
                .dependencies(&deps),
            None,
        )
    }
    .expect("vkCreateRenderPass");
    let g = unsafe { vk.device.get_render_area_granularity(pass) };
    assert_eq!((g.width, g.height), (1, 1));
    let views = [
        view(
            &vk,
            ms.image,
            vk::ImageViewType::TYPE_2D,
            RGBA8,
            range(COLOR, 0, 1, 0, 1),
        ),
        view(
            &vk,
            res.image,
            vk::ImageViewType::TYPE_2D,
            RGBA8,
            range(COLOR, 0, 1, 0, 1),
        ),
    ];
    let fb = unsafe {
        vk.device.create_framebuffer(
            &vk::FramebufferCreateInfo::default()
                .render_pass(pass)
                .attachments(&views)
                .width(16)
                .height(16)
                .layers(1),
            None,
        )
    }
    .expect("vkCreateFramebuffer");
    let render_area = area(2, 3, 12, 10);
    let rect = area(4, 5, 3, 4);
    // The secondary: one vkCmdClearAttachments inside the render pass.
    let sec = vk.command_buffer(vk::CommandBufferLevel::SECONDARY);
    unsafe {
        let inh = vk::CommandBufferInheritanceInfo::default()
            .render_pass(pass)
            .subpass(0)
            .framebuffer(fb);
        vk.device
            .begin_command_buffer(
                sec,
                &vk::CommandBufferBeginInfo::default()
                    .flags(vk::CommandBufferUsageFlags::RENDER_PASS_CONTINUE)
                    .inheritance_info(&inh),
            )
            .unwrap();
        vk.device.cmd_clear_attachments(
            sec,
            &[vk::ClearAttachment {
                aspect_mask: COLOR,
                color_attachment: 0,
                clear_value: color([0.0, 0.0, 1.0, 1.0]),
            }],
            &[vk::ClearRect {
                rect,
                base_array_layer: 0,
                layer_count: 1,
            }],
        );
        vk.device.end_command_buffer(sec).unwrap();
    }
    vk.run(|cb| unsafe {
        barrier(&vk, cb, res.image, COLOR, L::UNDEFINED, DST);
        vk.device.cmd_clear_color_image(
            cb,
            res.image,
            DST,
            &vk::ClearColorValue { uint32: [0; 4] },
            &[range(COLOR, 0, 1, 0, 1)],
        );
        barrier(&vk, cb, res.image, COLOR, DST, CA);
        let clears = [color([1.0, 0.5, 0.0, 1.0]), color([0.0; 4])];
        vk.device.cmd_begin_render_pass(
            cb,
            &vk::RenderPassBeginInfo::default()
                .render_pass(pass)
                .framebuffer(fb)
                .render_area(render_area)
                .clear_values(&clears),
            vk::SubpassContents::SECONDARY_COMMAND_BUFFERS,
        );
        vk.device.cmd_execute_commands(cb, &[sec]);
        vk.device.cmd_end_render_pass(cb);
    });
    let px = read(&vk, &res, COLOR, 0, 0, 4);
    for y in 0..16 {
        for x in 0..16 {
            let want: [u8; 4] = if inside(x, y, rect) {
                [0, 0, 255, 255]
            } else if inside(x, y, render_area) {
                [255, 128, 0, 255]
            } else {
                [0; 4]
            };
            let i = ((y * 16 + x) * 4) as usize;
            assert_eq!(px[i..i + 4], want, "pixel ({x}, {y})");
        }
    }
    unsafe {
        vk.device.destroy_framebuffer(fb, None);
        for v in views {
            vk.device.destroy_image_view(v, None);
        }
        vk.device.destroy_render_pass(pass, None);
    }
    vk.destroy_image(ms);
    vk.destroy_image(res);
}

/// Multisampled images: the sample counts the queries report, copies between multisampled
/// images, and vkCmdResolveImage averaging distinct samples. The samples are written through
/// the mapping at the layout ARCHITECTURE.md documents (samples of a pixel side by side, rows
/// of width * samples texels): a white-box step, the only way to give samples different values
/// while draws are pending.
#[test]
fn multisampled_images_copy_and_resolve_distinct_samples() {
    let vk = Vk::new();
    let q = |format, tiling, ty, usage, flags| unsafe {
        vk.instance
            .get_physical_device_image_format_properties(
                vk.physical,
                format,
                ty,
                tiling,
                usage,
                flags,
            )
            .map(|p| p.sample_counts)
    };
    let t2 = vk::ImageType::TYPE_2D;
    let opt = vk::ImageTiling::OPTIMAL;
    let none = vk::ImageCreateFlags::empty();
    let ms_counts = S1 | S4;
    assert_eq!(q(RGBA8, opt, t2, U::COLOR_ATTACHMENT, none), Ok(ms_counts));
    assert_eq!(
        q(vk::Format::R32_UINT, opt, t2, U::TRANSFER_SRC, none),
        Ok(ms_counts)
    );
    assert_eq!(
        q(
            vk::Format::D32_SFLOAT_S8_UINT,
            opt,
            t2,
            U::DEPTH_STENCIL_ATTACHMENT,
            none
        ),
        Ok(ms_counts)
    );
    assert_eq!(
        q(
            RGBA8,
            vk::ImageTiling::LINEAR,
            t2,
            U::COLOR_ATTACHMENT,
            none
        ),
        Ok(S1)
    );
    assert_eq!(
        q(
            RGBA8,
            opt,
            vk::ImageType::TYPE_3D,
            U::COLOR_ATTACHMENT,
            none
        ),
        Ok(S1)
    );
    assert_eq!(
        q(
            RGBA8,
            opt,
            t2,
            U::COLOR_ATTACHMENT,
            vk::ImageCreateFlags::CUBE_COMPATIBLE
        ),
        Ok(S1)
    );
    let limits = unsafe { vk.instance.get_physical_device_properties(vk.physical) }.limits;
    assert_eq!(limits.framebuffer_color_sample_counts, ms_counts);
    assert_eq!(limits.framebuffer_depth_sample_counts, ms_counts);

    let (w, h) = (8u32, 4u32);
    let mut spec = ImageSpec::new(
        RGBA8,
        w,
        S4,
        U::TRANSFER_SRC | U::TRANSFER_DST | U::COLOR_ATTACHMENT,
    );
    spec.initial = L::PREINITIALIZED;
    let a = spec.make(&vk);
    let b = ImageSpec::new(RGBA8, w, S4, U::TRANSFER_SRC | U::TRANSFER_DST).make(&vk);
    let out = ImageSpec::new(
        RGBA8,
        w,
        S1,
        U::TRANSFER_SRC | U::TRANSFER_DST | U::COLOR_ATTACHMENT,
    )
    .make(&vk);
    // An 8x4 image is 8 x 4 samples x 4 bytes = 128 bytes a row, already 16-byte aligned.
    let m = a.mem.bytes();
    for y in 0..h {
        for x in 0..w {
            for s in 0..4 {
                let o = ((y * w + x) * 4 + s) as usize * 4;
                m[o..o + 4].copy_from_slice(&[(s * 40) as u8, (x * 30) as u8, (y * 50) as u8, 255]);
            }
        }
    }
    vk.run(|cb| unsafe {
        barrier(&vk, cb, a.image, COLOR, L::PREINITIALIZED, SRC);
        barrier(&vk, cb, b.image, COLOR, L::UNDEFINED, DST);
        barrier(&vk, cb, out.image, COLOR, L::UNDEFINED, DST);
        let extent = vk::Extent3D {
            width: w,
            height: h,
            depth: 1,
        };
        vk.device.cmd_copy_image(
            cb,
            a.image,
            SRC,
            b.image,
            DST,
            &[vk::ImageCopy {
                src_subresource: color_layers(1),
                dst_subresource: color_layers(1),
                extent,
                ..Default::default()
            }],
        );
        barrier(&vk, cb, b.image, COLOR, DST, SRC);
        vk.device.cmd_resolve_image(
            cb,
            b.image,
            SRC,
            out.image,
            DST,
            &[vk::ImageResolve {
                src_subresource: color_layers(1),
                dst_subresource: color_layers(1),
                extent,
                ..Default::default()
            }],
        );
        barrier(&vk, cb, out.image, COLOR, DST, SRC);
    });
    let px = read(&vk, &out, COLOR, 0, 0, 4);
    for y in 0..h {
        for x in 0..w {
            let i = ((y * w + x) * 4) as usize;
            // (0 + 40 + 80 + 120) / 4 = 60 for red; the other components agree across samples.
            assert_eq!(
                px[i..i + 4],
                [60, (x * 30) as u8, (y * 50) as u8, 255],
                "pixel ({x}, {y})"
            );
        }
    }
    for i in [a, b, out] {
        vk.destroy_image(i);
    }
}

/// Dynamic rendering: a suspended and resumed instance (the resume must not clear again, and
/// only the final end resolves), with a color resolve (AVERAGE) and a depth/stencil resolve
/// (MAX depth, SAMPLE_ZERO stencil) of a combined depth/stencil attachment.
#[test]
fn dynamic_rendering_suspend_resume_and_resolves() {
    let vk = Vk::new();
    let dsf = vk::Format::D32_SFLOAT_S8_UINT;
    let ms = ImageSpec::new(RGBA8, 16, S4, U::COLOR_ATTACHMENT).make(&vk);
    let res = ImageSpec::new(
        RGBA8,
        16,
        S1,
        U::COLOR_ATTACHMENT | U::TRANSFER_SRC | U::TRANSFER_DST,
    )
    .make(&vk);
    let ds_ms = ImageSpec::new(dsf, 16, S4, U::DEPTH_STENCIL_ATTACHMENT).make(&vk);
    let ds_res = ImageSpec::new(
        dsf,
        16,
        S1,
        U::DEPTH_STENCIL_ATTACHMENT | U::TRANSFER_SRC | U::TRANSFER_DST,
    )
    .make(&vk);
    let cv = [
        view(
            &vk,
            ms.image,
            vk::ImageViewType::TYPE_2D,
            RGBA8,
            range(COLOR, 0, 1, 0, 1),
        ),
        view(
            &vk,
            res.image,
            vk::ImageViewType::TYPE_2D,
            RGBA8,
            range(COLOR, 0, 1, 0, 1),
        ),
    ];
    let dv = [
        view(
            &vk,
            ds_ms.image,
            vk::ImageViewType::TYPE_2D,
            dsf,
            range(DS, 0, 1, 0, 1),
        ),
        view(
            &vk,
            ds_res.image,
            vk::ImageViewType::TYPE_2D,
            dsf,
            range(DS, 0, 1, 0, 1),
        ),
    ];
    let render_area = area(0, 0, 16, 16);
    let (r1, r2) = (area(1, 1, 4, 4), area(8, 8, 5, 3));
    let colors = [vk::RenderingAttachmentInfo::default()
        .image_view(cv[0])
        .image_layout(CA)
        .resolve_mode(vk::ResolveModeFlags::AVERAGE)
        .resolve_image_view(cv[1])
        .resolve_image_layout(CA)
        .load_op(vk::AttachmentLoadOp::CLEAR)
        .store_op(vk::AttachmentStoreOp::DONT_CARE)
        .clear_value(color([0.0, 1.0, 0.0, 1.0]))];
    let depth = vk::RenderingAttachmentInfo::default()
        .image_view(dv[0])
        .image_layout(DSA)
        .resolve_mode(vk::ResolveModeFlags::MAX)
        .resolve_image_view(dv[1])
        .resolve_image_layout(DSA)
        .load_op(vk::AttachmentLoadOp::CLEAR)
        .store_op(vk::AttachmentStoreOp::DONT_CARE)
        .clear_value(depth_stencil(0.25, 7));
    let stencil = depth.resolve_mode(vk::ResolveModeFlags::SAMPLE_ZERO);
    let info = |flags| {
        vk::RenderingInfo::default()
            .flags(flags)
            .render_area(render_area)
            .layer_count(1)
            .color_attachments(&colors)
            .depth_attachment(&depth)
            .stencil_attachment(&stencil)
    };
    let clear_rect = |cb, r, c: [f32; 4], d: f32| unsafe {
        vk.device.cmd_clear_attachments(
            cb,
            &[
                vk::ClearAttachment {
                    aspect_mask: COLOR,
                    color_attachment: 0,
                    clear_value: color(c),
                },
                vk::ClearAttachment {
                    aspect_mask: A::DEPTH,
                    color_attachment: 0,
                    clear_value: depth_stencil(d, 0),
                },
            ],
            &[vk::ClearRect {
                rect: r,
                base_array_layer: 0,
                layer_count: 1,
            }],
        );
    };
    vk.run(|cb| unsafe {
        for (i, a, l) in [
            (ms.image, COLOR, CA),
            (res.image, COLOR, CA),
            (ds_ms.image, DS, DSA),
            (ds_res.image, DS, DSA),
        ] {
            barrier(&vk, cb, i, a, L::UNDEFINED, l);
        }
        vk.device
            .cmd_begin_rendering(cb, &info(vk::RenderingFlags::SUSPENDING));
        clear_rect(cb, r1, [1.0, 0.0, 0.0, 1.0], 0.5);
        vk.device.cmd_end_rendering(cb);
        vk.device
            .cmd_begin_rendering(cb, &info(vk::RenderingFlags::RESUMING));
        clear_rect(cb, r2, [0.0, 0.0, 1.0, 1.0], 1.0);
        vk.device.cmd_end_rendering(cb);
        barrier(&vk, cb, res.image, COLOR, CA, SRC);
        barrier(&vk, cb, ds_res.image, DS, DSA, SRC);
    });
    let px = read(&vk, &res, COLOR, 0, 0, 4);
    let d = read(&vk, &ds_res, A::DEPTH, 0, 0, 4);
    let s = read(&vk, &ds_res, A::STENCIL, 0, 0, 1);
    for y in 0..16 {
        for x in 0..16 {
            let i = (y * 16 + x) as usize;
            let (want_c, want_d): ([u8; 4], f32) = if inside(x, y, r1) {
                ([255, 0, 0, 255], 0.5)
            } else if inside(x, y, r2) {
                ([0, 0, 255, 255], 1.0)
            } else {
                ([0, 255, 0, 255], 0.25)
            };
            assert_eq!(px[i * 4..i * 4 + 4], want_c, "color ({x}, {y})");
            let got_d = f32::from_le_bytes(d[i * 4..i * 4 + 4].try_into().unwrap());
            assert_eq!(got_d, want_d, "depth ({x}, {y})");
            assert_eq!(s[i], 7, "stencil ({x}, {y})");
        }
    }
    unsafe {
        for v in cv.into_iter().chain(dv) {
            vk.device.destroy_image_view(v, None);
        }
    }
    for i in [ms, res, ds_ms, ds_res] {
        vk.destroy_image(i);
    }
}

/// Render pass 2 with an imageless framebuffer: two subpasses (an attachment first used in
/// subpass 1 is cleared at vkCmdNextSubpass2, not before), and a depth/stencil resolve
/// (VkSubpassDescriptionDepthStencilResolve) at the end of subpass 1.
#[test]
fn render_pass2_imageless_subpasses_and_depth_stencil_resolve() {
    let vk = Vk::new();
    let dsf = vk::Format::D32_SFLOAT_S8_UINT;
    let size = 8;
    let c0 = ImageSpec::new(RGBA8, size, S1, U::COLOR_ATTACHMENT | U::TRANSFER_SRC).make(&vk);
    let c1 = ImageSpec::new(RGBA8, size, S4, U::COLOR_ATTACHMENT).make(&vk);
    let c1r = ImageSpec::new(RGBA8, size, S1, U::COLOR_ATTACHMENT | U::TRANSFER_SRC).make(&vk);
    let dms = ImageSpec::new(dsf, size, S4, U::DEPTH_STENCIL_ATTACHMENT).make(&vk);
    let dres =
        ImageSpec::new(dsf, size, S1, U::DEPTH_STENCIL_ATTACHMENT | U::TRANSFER_SRC).make(&vk);
    let att = |format, samples, load, initial, fin| {
        vk::AttachmentDescription2::default()
            .format(format)
            .samples(samples)
            .load_op(load)
            .store_op(vk::AttachmentStoreOp::STORE)
            .stencil_load_op(load)
            .stencil_store_op(vk::AttachmentStoreOp::STORE)
            .initial_layout(initial)
            .final_layout(fin)
    };
    let clear = vk::AttachmentLoadOp::CLEAR;
    let attachments = [
        att(RGBA8, S1, clear, L::UNDEFINED, SRC),
        att(RGBA8, S4, clear, L::UNDEFINED, CA),
        att(dsf, S4, clear, L::UNDEFINED, DSA),
        att(dsf, S1, vk::AttachmentLoadOp::DONT_CARE, L::UNDEFINED, SRC),
        att(
            RGBA8,
            S1,
            vk::AttachmentLoadOp::DONT_CARE,
            L::UNDEFINED,
            SRC,
        ),
    ];
    let r = |attachment, layout, aspect| {
        vk::AttachmentReference2::default()
            .attachment(attachment)
            .layout(layout)
            .aspect_mask(aspect)
    };
    let s0_colors = [r(0, CA, COLOR)];
    let s1_colors = [r(1, CA, COLOR)];
    let s1_color_resolves = [r(4, CA, COLOR)];
    let s1_depth = r(2, DSA, DS);
    let s1_resolve = r(3, DSA, DS);
    let mut ds_resolve = vk::SubpassDescriptionDepthStencilResolve::default()
        .depth_resolve_mode(vk::ResolveModeFlags::SAMPLE_ZERO)
        .stencil_resolve_mode(vk::ResolveModeFlags::MAX)
        .depth_stencil_resolve_attachment(&s1_resolve);
    let subpasses = [
        vk::SubpassDescription2::default()
            .pipeline_bind_point(vk::PipelineBindPoint::GRAPHICS)
            .color_attachments(&s0_colors),
        vk::SubpassDescription2::default()
            .pipeline_bind_point(vk::PipelineBindPoint::GRAPHICS)
            .color_attachments(&s1_colors)
            .resolve_attachments(&s1_color_resolves)
            .depth_stencil_attachment(&s1_depth)
            .push_next(&mut ds_resolve),
    ];
    let all = vk::PipelineStageFlags2::ALL_COMMANDS;
    let mem = vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE;
    let mut b0 = vk::MemoryBarrier2::default()
        .src_stage_mask(all)
        .src_access_mask(mem)
        .dst_stage_mask(all)
        .dst_access_mask(mem);
    let mut b1 = b0;
    let deps = [
        vk::SubpassDependency2::default()
            .src_subpass(0)
            .dst_subpass(1)
            .push_next(&mut b0),
        vk::SubpassDependency2::default()
            .src_subpass(1)
            .dst_subpass(vk::SUBPASS_EXTERNAL)
            .push_next(&mut b1),
    ];
    let pass = unsafe {
        vk.device.create_render_pass2(
            &vk::RenderPassCreateInfo2::default()
                .attachments(&attachments)
                .subpasses(&subpasses)
                .dependencies(&deps),
            None,
        )
    }
    .expect("vkCreateRenderPass2");
    let formats = [[RGBA8], [RGBA8], [dsf], [dsf], [RGBA8]];
    let usages = [
        U::COLOR_ATTACHMENT | U::TRANSFER_SRC,
        U::COLOR_ATTACHMENT,
        U::DEPTH_STENCIL_ATTACHMENT,
        U::DEPTH_STENCIL_ATTACHMENT | U::TRANSFER_SRC,
        U::COLOR_ATTACHMENT | U::TRANSFER_SRC,
    ];
    let infos: Vec<_> = formats
        .iter()
        .zip(usages)
        .map(|(f, u)| {
            vk::FramebufferAttachmentImageInfo::default()
                .usage(u)
                .width(size)
                .height(size)
                .layer_count(1)
                .view_formats(f)
        })
        .collect();
    let mut fa = vk::FramebufferAttachmentsCreateInfo::default().attachment_image_infos(&infos);
    let fb = unsafe {
        vk.device.create_framebuffer(
            &vk::FramebufferCreateInfo::default()
                .flags(vk::FramebufferCreateFlags::IMAGELESS)
                .render_pass(pass)
                .attachment_count(5)
                .width(size)
                .height(size)
                .layers(1)
                .push_next(&mut fa),
            None,
        )
    }
    .expect("vkCreateFramebuffer (imageless)");
    let views = [
        view(
            &vk,
            c0.image,
            vk::ImageViewType::TYPE_2D,
            RGBA8,
            range(COLOR, 0, 1, 0, 1),
        ),
        view(
            &vk,
            c1.image,
            vk::ImageViewType::TYPE_2D,
            RGBA8,
            range(COLOR, 0, 1, 0, 1),
        ),
        view(
            &vk,
            dms.image,
            vk::ImageViewType::TYPE_2D,
            dsf,
            range(DS, 0, 1, 0, 1),
        ),
        view(
            &vk,
            dres.image,
            vk::ImageViewType::TYPE_2D,
            dsf,
            range(DS, 0, 1, 0, 1),
        ),
        view(
            &vk,
            c1r.image,
            vk::ImageViewType::TYPE_2D,
            RGBA8,
            range(COLOR, 0, 1, 0, 1),
        ),
    ];
    let rect = area(2, 2, 3, 3);
    vk.run(|cb| unsafe {
        let clears = [
            color([0.0, 0.0, 0.0, 1.0]),
            color([1.0, 0.0, 0.0, 1.0]),
            depth_stencil(0.125, 3),
            depth_stencil(0.0, 0),
            color([0.0; 4]),
        ];
        let mut ab = vk::RenderPassAttachmentBeginInfo::default().attachments(&views);
        let sb = vk::SubpassBeginInfo::default().contents(vk::SubpassContents::INLINE);
        vk.device.cmd_begin_render_pass2(
            cb,
            &vk::RenderPassBeginInfo::default()
                .render_pass(pass)
                .framebuffer(fb)
                .render_area(area(0, 0, size, size))
                .clear_values(&clears)
                .push_next(&mut ab),
            &sb,
        );
        vk.device
            .cmd_next_subpass2(cb, &sb, &vk::SubpassEndInfo::default());
        vk.device.cmd_clear_attachments(
            cb,
            &[
                vk::ClearAttachment {
                    aspect_mask: COLOR,
                    color_attachment: 0,
                    clear_value: color([0.0, 1.0, 0.0, 1.0]),
                },
                vk::ClearAttachment {
                    aspect_mask: DS,
                    color_attachment: 0,
                    clear_value: depth_stencil(0.75, 200),
                },
            ],
            &[vk::ClearRect {
                rect,
                base_array_layer: 0,
                layer_count: 1,
            }],
        );
        vk.device
            .cmd_end_render_pass2(cb, &vk::SubpassEndInfo::default());
    });
    let p0 = read(&vk, &c0, COLOR, 0, 0, 4);
    let p1 = read(&vk, &c1r, COLOR, 0, 0, 4);
    let d = read(&vk, &dres, A::DEPTH, 0, 0, 4);
    let s = read(&vk, &dres, A::STENCIL, 0, 0, 1);
    for y in 0..size {
        for x in 0..size {
            let i = (y * size + x) as usize;
            assert_eq!(p0[i * 4..i * 4 + 4], [0, 0, 0, 255]);
            let (c, dv, sv) = if inside(x, y, rect) {
                ([0, 255, 0, 255], 0.75, 200)
            } else {
                ([255, 0, 0, 255], 0.125, 3)
            };
            assert_eq!(p1[i * 4..i * 4 + 4], c);
            assert_eq!(
                f32::from_le_bytes(d[i * 4..i * 4 + 4].try_into().unwrap()),
                dv
            );
            assert_eq!(s[i], sv);
        }
    }
    unsafe {
        vk.device.destroy_framebuffer(fb, None);
        for v in views {
            vk.device.destroy_image_view(v, None);
        }
        vk.device.destroy_render_pass(pass, None);
    }
    for i in [c0, c1, c1r, dms, dres] {
        vk.destroy_image(i);
    }
}

/// Image views of every view type are created (CUBE_ARRAY: imageCubeArray, whose sampling and
/// storage sampling::cube_arrays_sample_gather_load_and_store tests); a format-reinterpreting
/// view (sRGB over a UNORM image) of one mip level and a layer range renders there and nowhere
/// else.
#[test]
fn image_views_of_every_type_and_subresource() {
    let vk = Vk::new();
    let usage = U::COLOR_ATTACHMENT | U::TRANSFER_SRC | U::TRANSFER_DST;
    let mut cube = ImageSpec::new(RGBA8, 16, S1, usage);
    cube.layers = 12;
    cube.mips = 3;
    cube.flags = vk::ImageCreateFlags::CUBE_COMPATIBLE | vk::ImageCreateFlags::MUTABLE_FORMAT;
    let cube = cube.make(&vk);
    let mut one_d = ImageSpec::new(RGBA8, 16, S1, usage);
    one_d.image_type = vk::ImageType::TYPE_1D;
    one_d.layers = 4;
    let one_d = one_d.make(&vk);
    let mut three_d = ImageSpec::new(RGBA8, 8, S1, usage);
    three_d.image_type = vk::ImageType::TYPE_3D;
    let three_d = three_d.make(&vk);
    let t = vk::ImageViewType::TYPE_2D;
    let mut views = vec![
        view(
            &vk,
            one_d.image,
            vk::ImageViewType::TYPE_1D,
            RGBA8,
            range(COLOR, 0, 1, 2, 1),
        ),
        view(
            &vk,
            one_d.image,
            vk::ImageViewType::TYPE_1D_ARRAY,
            RGBA8,
            range(COLOR, 0, 1, 0, 4),
        ),
        view(&vk, cube.image, t, RGBA8, range(COLOR, 2, 1, 11, 1)),
        view(
            &vk,
            cube.image,
            vk::ImageViewType::TYPE_2D_ARRAY,
            RGBA8,
            range(COLOR, 0, 3, 0, 12),
        ),
        view(
            &vk,
            cube.image,
            vk::ImageViewType::CUBE,
            RGBA8,
            range(COLOR, 0, 3, 6, 6),
        ),
        view(
            &vk,
            cube.image,
            vk::ImageViewType::CUBE_ARRAY,
            RGBA8,
            range(COLOR, 0, 3, 0, 12),
        ),
        view(
            &vk,
            three_d.image,
            vk::ImageViewType::TYPE_3D,
            RGBA8,
            range(COLOR, 0, 1, 0, 1),
        ),
    ];
    // The rendering view: sRGB, mip 1, layers 3..5 of the 12.
    let srgb = vk::Format::R8G8B8A8_SRGB;
    let target = view(
        &vk,
        cube.image,
        vk::ImageViewType::TYPE_2D_ARRAY,
        srgb,
        range(COLOR, 1, 1, 3, 3),
    );
    views.push(target);
    let colors = [vk::RenderingAttachmentInfo::default()
        .image_view(target)
        .image_layout(CA)
        .load_op(vk::AttachmentLoadOp::CLEAR)
        .store_op(vk::AttachmentStoreOp::STORE)
        .clear_value(color([0.5, 0.25, 1.0, 1.0]))];
    vk.run(|cb| unsafe {
        barrier(&vk, cb, cube.image, COLOR, L::UNDEFINED, DST);
        vk.device.cmd_clear_color_image(
            cb,
            cube.image,
            DST,
            &vk::ClearColorValue { uint32: [0; 4] },
            &[range(COLOR, 0, 3, 0, 12)],
        );
        barrier(&vk, cb, cube.image, COLOR, DST, CA);
        vk.device.cmd_begin_rendering(
            cb,
            &vk::RenderingInfo::default()
                .render_area(area(0, 0, 8, 8))
                .layer_count(3)
                .color_attachments(&colors),
        );
        // Layer 1 of the view (image layer 4), a corner: blue.
        vk.device.cmd_clear_attachments(
            cb,
            &[vk::ClearAttachment {
                aspect_mask: COLOR,
                color_attachment: 0,
                clear_value: color([0.0, 0.0, 1.0, 1.0]),
            }],
            &[vk::ClearRect {
                rect: area(0, 0, 2, 2),
                base_array_layer: 1,
                layer_count: 1,
            }],
        );
        vk.device.cmd_end_rendering(cb);
        barrier(&vk, cb, cube.image, COLOR, CA, SRC);
    });
    // sRGB encoding: 0.5 -> 188, 0.25 -> 137, 1.0 -> 255; alpha is linear.
    let cleared = [188u8, 137, 255, 255];
    for mip in 0..3 {
        for layer in 0..12 {
            let px = read(&vk, &cube, COLOR, mip, layer, 4);
            let side = 16 >> mip;
            for y in 0..side {
                for x in 0..side {
                    let i = ((y * side + x) * 4) as usize;
                    let want = if mip != 1 || !(3..6).contains(&layer) {
                        [0; 4]
                    } else if layer == 4 && x < 2 && y < 2 {
                        [0, 0, 255, 255]
                    } else {
                        cleared
                    };
                    assert_eq!(px[i..i + 4], want, "mip {mip} layer {layer} ({x}, {y})");
                }
            }
        }
    }
    unsafe {
        for v in views {
            vk.device.destroy_image_view(v, None);
        }
    }
    for i in [cube, one_d, three_d] {
        vk.destroy_image(i);
    }
}

/// Every format that reports COLOR_ATTACHMENT or DEPTH_STENCIL_ATTACHMENT is cleared by a load
/// op on a 4-sample attachment and resolved (AVERAGE for float color, SAMPLE_ZERO for integer
/// color and depth/stencil); the result equals vkCmdClear*Image of the same value.
#[test]
fn every_attachment_format_clears_and_resolves() {
    let vk = Vk::new();
    let mut tested = (0, 0);
    for raw in 1..=130 {
        let format = vk::Format::from_raw(raw);
        let f = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, format)
        }
        .optimal_tiling_features;
        let is_color = f.contains(vk::FormatFeatureFlags::COLOR_ATTACHMENT);
        let is_ds = f.contains(vk::FormatFeatureFlags::DEPTH_STENCIL_ATTACHMENT);
        if !is_color && !is_ds {
            continue;
        }
        let name = format!("{format:?}");
        let aspects: Vec<A> = if is_color {
            vec![COLOR]
        } else {
            [A::DEPTH, A::STENCIL]
                .into_iter()
                .filter(|a| {
                    if *a == A::DEPTH {
                        name.starts_with('D') || name.starts_with("X8_D24")
                    } else {
                        name.contains("S8")
                    }
                })
                .collect()
        };
        let all = aspects.iter().fold(A::empty(), |a, b| a | *b);
        let integer = name.contains("UINT") || name.contains("SINT");
        let (value, mode) = if is_color {
            let v = if name.contains("SINT") {
                vk::ClearColorValue {
                    int32: [-1, 2, -3, 4],
                }
            } else if name.contains("UINT") {
                vk::ClearColorValue {
                    uint32: [1, 2, 3, 4],
                }
            } else {
                vk::ClearColorValue {
                    float32: [0.25, 0.5, 0.75, 1.0],
                }
            };
            let mode = if integer {
                vk::ResolveModeFlags::SAMPLE_ZERO
            } else {
                vk::ResolveModeFlags::AVERAGE
            };
            (vk::ClearValue { color: v }, mode)
        } else {
            (
                depth_stencil(0.375, 0x5A),
                vk::ResolveModeFlags::SAMPLE_ZERO,
            )
        };
        let (att_usage, layout) = if is_color {
            (U::COLOR_ATTACHMENT, CA)
        } else {
            (U::DEPTH_STENCIL_ATTACHMENT, DSA)
        };
        let ms = ImageSpec::new(format, 4, S4, att_usage).make(&vk);
        let res = ImageSpec::new(format, 4, S1, att_usage | U::TRANSFER_SRC).make(&vk);
        let reference = ImageSpec::new(format, 4, S1, U::TRANSFER_SRC | U::TRANSFER_DST).make(&vk);
        let ty = vk::ImageViewType::TYPE_2D;
        let mv = view(&vk, ms.image, ty, format, range(all, 0, 1, 0, 1));
        let rv = view(&vk, res.image, ty, format, range(all, 0, 1, 0, 1));
        let att = vk::RenderingAttachmentInfo::default()
            .image_view(mv)
            .image_layout(layout)
            .resolve_mode(mode)
            .resolve_image_view(rv)
            .resolve_image_layout(layout)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .clear_value(value);
        let colors = [att];
        let mut info = vk::RenderingInfo::default()
            .render_area(area(0, 0, 4, 4))
            .layer_count(1);
        if is_color {
            info = info.color_attachments(&colors);
        } else {
            if all.contains(A::DEPTH) {
                info = info.depth_attachment(&colors[0]);
            }
            if all.contains(A::STENCIL) {
                info = info.stencil_attachment(&colors[0]);
            }
        }
        vk.run(|cb| unsafe {
            barrier(&vk, cb, ms.image, all, L::UNDEFINED, layout);
            barrier(&vk, cb, res.image, all, L::UNDEFINED, layout);
            barrier(&vk, cb, reference.image, all, L::UNDEFINED, DST);
            vk.device.cmd_begin_rendering(cb, &info);
            vk.device.cmd_end_rendering(cb);
            if is_color {
                vk.device.cmd_clear_color_image(
                    cb,
                    reference.image,
                    DST,
                    &value.color,
                    &[range(all, 0, 1, 0, 1)],
                );
            } else {
                vk.device.cmd_clear_depth_stencil_image(
                    cb,
                    reference.image,
                    DST,
                    &value.depth_stencil,
                    &[range(all, 0, 1, 0, 1)],
                );
            }
            barrier(&vk, cb, res.image, all, layout, SRC);
            barrier(&vk, cb, reference.image, all, DST, SRC);
        });
        for a in &aspects {
            let got = read(&vk, &res, *a, 0, 0, 16);
            let want = read(&vk, &reference, *a, 0, 0, 16);
            assert_eq!(got, want, "{format:?} {a:?}");
        }
        unsafe {
            vk.device.destroy_image_view(mv, None);
            vk.device.destroy_image_view(rv, None);
        }
        for i in [ms, res, reference] {
            vk.destroy_image(i);
        }
        if is_color {
            tested.0 += 1;
        } else {
            tested.1 += 1;
        }
    }
    println!(
        "attachment formats exercised: {} color, {} depth/stencil",
        tested.0, tested.1
    );
    assert!(tested.0 > 50 && tested.1 >= 6, "{tested:?}");
}

/// Multiview (Vulkan 1.1): in a render pass whose subpasses have view masks 0b0101 and 0b0010,
/// each view is one layer of the attachments. The load op clears each view's layer in the first
/// subpass that uses it, vkCmdClearAttachments clears the layers of the current views, the
/// resolves act per view, a timestamp uses one query per view, and layer 3 (in no view mask)
/// is untouched.
#[test]
fn multiview_render_pass_loads_clears_resolves_and_queries_per_view() {
    let vk = Vk::new();
    let layers = 4;
    let mut spec = ImageSpec::new(RGBA8, 16, S4, U::COLOR_ATTACHMENT | U::TRANSFER_DST);
    spec.layers = layers;
    let ms = spec.make(&vk);
    let mut spec = ImageSpec::new(
        RGBA8,
        16,
        S1,
        U::COLOR_ATTACHMENT | U::TRANSFER_SRC | U::TRANSFER_DST,
    );
    spec.layers = layers;
    let res = spec.make(&vk);
    let gray = vk::ClearColorValue {
        float32: [0.5, 0.5, 0.5, 0.5],
    };
    vk.run(|cb| unsafe {
        for img in [&ms, &res] {
            barrier(&vk, cb, img.image, COLOR, L::UNDEFINED, DST);
            vk.device.cmd_clear_color_image(
                cb,
                img.image,
                DST,
                &gray,
                &[range(COLOR, 0, 1, 0, layers)],
            );
            barrier(&vk, cb, img.image, COLOR, DST, CA);
        }
    });
    let views = [&ms, &res].map(|img| {
        view(
            &vk,
            img.image,
            vk::ImageViewType::TYPE_2D_ARRAY,
            RGBA8,
            range(COLOR, 0, 1, 0, layers),
        )
    });
    let attachments = [
        vk::AttachmentDescription2::default()
            .format(RGBA8)
            .samples(S4)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .initial_layout(CA)
            .final_layout(CA),
        vk::AttachmentDescription2::default()
            .format(RGBA8)
            .samples(S1)
            .load_op(vk::AttachmentLoadOp::LOAD)
            .store_op(vk::AttachmentStoreOp::STORE)
            .initial_layout(CA)
            .final_layout(SRC),
    ];
    let color_ref = [vk::AttachmentReference2::default()
        .attachment(0)
        .layout(CA)
        .aspect_mask(COLOR)];
    let resolve_ref = [vk::AttachmentReference2::default()
        .attachment(1)
        .layout(CA)
        .aspect_mask(COLOR)];
    let subpasses = [0b0101u32, 0b0010].map(|mask| {
        vk::SubpassDescription2::default()
            .pipeline_bind_point(vk::PipelineBindPoint::GRAPHICS)
            .view_mask(mask)
            .color_attachments(&color_ref)
            .resolve_attachments(&resolve_ref)
    });
    let deps = [vk::SubpassDependency2::default()
        .src_subpass(0)
        .dst_subpass(1)
        .src_stage_mask(vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT)
        .dst_stage_mask(vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT)
        .src_access_mask(vk::AccessFlags::COLOR_ATTACHMENT_WRITE)
        .dst_access_mask(vk::AccessFlags::COLOR_ATTACHMENT_WRITE)];
    let pass = unsafe {
        vk.device.create_render_pass2(
            &vk::RenderPassCreateInfo2::default()
                .attachments(&attachments)
                .subpasses(&subpasses)
                .dependencies(&deps),
            None,
        )
    }
    .expect("vkCreateRenderPass2 with view masks");
    let fb = unsafe {
        vk.device.create_framebuffer(
            &vk::FramebufferCreateInfo::default()
                .render_pass(pass)
                .attachments(&views)
                .width(16)
                .height(16)
                .layers(1),
            None,
        )
    }
    .unwrap();
    let pool = unsafe {
        vk.device.create_query_pool(
            &vk::QueryPoolCreateInfo::default()
                .query_type(vk::QueryType::TIMESTAMP)
                .query_count(4),
            None,
        )
    }
    .unwrap();
    let clear = [color([1.0, 0.0, 0.0, 1.0])];
    let (blue_rect, green_rect) = (area(2, 2, 4, 4), area(8, 8, 4, 4));
    vk.run(|cb| unsafe {
        vk.device.cmd_reset_query_pool(cb, pool, 0, 4);
        vk.device.cmd_begin_render_pass2(
            cb,
            &vk::RenderPassBeginInfo::default()
                .render_pass(pass)
                .framebuffer(fb)
                .render_area(area(0, 0, 16, 16))
                .clear_values(&clear),
            &vk::SubpassBeginInfo::default().contents(vk::SubpassContents::INLINE),
        );
        // Views 0 and 2: two queries, 0 and 1.
        vk.device
            .cmd_write_timestamp2(cb, vk::PipelineStageFlags2::ALL_COMMANDS, pool, 0);
        vk.device.cmd_clear_attachments(
            cb,
            &[vk::ClearAttachment {
                aspect_mask: COLOR,
                color_attachment: 0,
                clear_value: color([0.0, 0.0, 1.0, 1.0]),
            }],
            &[vk::ClearRect {
                rect: blue_rect,
                base_array_layer: 0,
                layer_count: 1,
            }],
        );
        vk.device.cmd_next_subpass2(
            cb,
            &vk::SubpassBeginInfo::default().contents(vk::SubpassContents::INLINE),
            &vk::SubpassEndInfo::default(),
        );
        vk.device.cmd_clear_attachments(
            cb,
            &[vk::ClearAttachment {
                aspect_mask: COLOR,
                color_attachment: 0,
                clear_value: color([0.0, 1.0, 0.0, 1.0]),
            }],
            &[vk::ClearRect {
                rect: green_rect,
                base_array_layer: 0,
                layer_count: 1,
            }],
        );
        // View 1: one query (2); query 3 stays unwritten.
        vk.device
            .cmd_write_timestamp2(cb, vk::PipelineStageFlags2::ALL_COMMANDS, pool, 2);
        vk.device
            .cmd_end_render_pass2(cb, &vk::SubpassEndInfo::default());
    });
    let (red, blue, green) = ([255u8, 0, 0, 255], [0u8, 0, 255, 255], [0u8, 255, 0, 255]);
    for layer in 0..layers {
        let px = read(&vk, &res, COLOR, 0, layer, 4);
        for y in 0..16 {
            for x in 0..16 {
                let want = match layer {
                    0 | 2 if inside(x, y, blue_rect) => blue,
                    1 if inside(x, y, green_rect) => green,
                    0..=2 => red,
                    _ => [128, 128, 128, 128],
                };
                let i = ((y * 16 + x) * 4) as usize;
                assert_eq!(px[i..i + 4], want, "layer {layer} pixel ({x}, {y})");
            }
        }
    }
    let mut results = [[0u64; 2]; 4];
    let r = unsafe {
        vk.device.get_query_pool_results(
            pool,
            0,
            &mut results,
            vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WITH_AVAILABILITY,
        )
    };
    assert_eq!(r, Err(vk::Result::NOT_READY), "query 3 was never written");
    assert!(
        results[0][0] > 0 && results[0][1] == 1,
        "view 0's timestamp"
    );
    assert_eq!(results[1], [0, 1], "the second view's slot: 0, available");
    assert!(results[2][0] >= results[0][0] && results[2][1] == 1);
    assert_eq!(results[3][1], 0, "query 3 is not available");
    unsafe {
        vk.device.destroy_query_pool(pool, None);
        vk.device.destroy_framebuffer(fb, None);
        vk.device.destroy_render_pass(pass, None);
        for v in views {
            vk.device.destroy_image_view(v, None);
        }
    }
    vk.destroy_image(ms);
    vk.destroy_image(res);
}

/// Multiview with dynamic rendering: VkRenderingInfo::viewMask 0b1010 clears layers 1 and 3 of
/// a 4-layer attachment and leaves layers 0 and 2 alone.
#[test]
fn multiview_dynamic_rendering_clears_the_views_layers() {
    let vk = Vk::new();
    let layers = 4;
    let mut spec = ImageSpec::new(
        RGBA8,
        8,
        S1,
        U::COLOR_ATTACHMENT | U::TRANSFER_SRC | U::TRANSFER_DST,
    );
    spec.layers = layers;
    let img = spec.make(&vk);
    let v = view(
        &vk,
        img.image,
        vk::ImageViewType::TYPE_2D_ARRAY,
        RGBA8,
        range(COLOR, 0, 1, 0, layers),
    );
    let colors = [vk::RenderingAttachmentInfo::default()
        .image_view(v)
        .image_layout(CA)
        .load_op(vk::AttachmentLoadOp::CLEAR)
        .store_op(vk::AttachmentStoreOp::STORE)
        .clear_value(color([0.0, 1.0, 0.0, 1.0]))];
    vk.run(|cb| unsafe {
        barrier(&vk, cb, img.image, COLOR, L::UNDEFINED, DST);
        vk.device.cmd_clear_color_image(
            cb,
            img.image,
            DST,
            &vk::ClearColorValue { float32: [0.0; 4] },
            &[range(COLOR, 0, 1, 0, layers)],
        );
        barrier(&vk, cb, img.image, COLOR, DST, CA);
        vk.device.cmd_begin_rendering(
            cb,
            &vk::RenderingInfo::default()
                .render_area(area(0, 0, 8, 8))
                .layer_count(1)
                .view_mask(0b1010)
                .color_attachments(&colors),
        );
        vk.device.cmd_end_rendering(cb);
        barrier(&vk, cb, img.image, COLOR, CA, SRC);
    });
    for layer in 0..layers {
        let px = read(&vk, &img, COLOR, 0, layer, 4);
        let want: [u8; 4] = if layer % 2 == 1 {
            [0, 255, 0, 255]
        } else {
            [0; 4]
        };
        for p in px.chunks(4) {
            assert_eq!(p, want, "layer {layer}");
        }
    }
    unsafe { vk.device.destroy_image_view(v, None) };
    vk.destroy_image(img);
}
