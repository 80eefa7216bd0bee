//! Draws through the loader and the validation layer: graphics pipelines, dynamic state,
//! vertex/index buffers, every draw command, render passes and dynamic rendering. Images are
//! compared with reference images made by lavapipe (tests/reference, see softvk_tests::gfx),
//! within the tolerance each test states.

use ash::vk;
use softvk_tests::gfx::{self, Attachment, PipelineState, attachment, buffer_with, f32_bytes};
use softvk_tests::{Buf, Vk};

const COLOR_VS: &[u8] = include_bytes!("../../shaders/tests/gfx_color_vs.spv");
const COLOR_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_color_fs.spv");
const INST_VS: &[u8] = include_bytes!("../../shaders/tests/gfx_inst_vs.spv");

type L = vk::ImageLayout;
const W: u32 = 64;
const H: u32 = 64;

/// Vertices of (position xyzw, color rgba).
fn vertices(v: &[([f32; 4], [f32; 4])]) -> Vec<u8> {
    let flat: Vec<f32> = v
        .iter()
        .flat_map(|(p, c)| p.iter().chain(c).copied())
        .collect();
    f32_bytes(&flat)
}

/// Begins dynamic rendering into `color` (cleared to `clear`) and optional `depth`.
fn begin(
    vk: &Vk,
    cb: vk::CommandBuffer,
    color: &Attachment,
    clear: [f32; 4],
    depth: Option<&Attachment>,
) {
    let e = color.img.extent;
    color.barrier(vk, cb, L::UNDEFINED, L::COLOR_ATTACHMENT_OPTIMAL);
    let ca = [vk::RenderingAttachmentInfo::default()
        .image_view(color.view)
        .image_layout(L::COLOR_ATTACHMENT_OPTIMAL)
        .load_op(vk::AttachmentLoadOp::CLEAR)
        .store_op(vk::AttachmentStoreOp::STORE)
        .clear_value(vk::ClearValue {
            color: vk::ClearColorValue { float32: clear },
        })];
    let da = depth.map(|d| {
        d.barrier(vk, cb, L::UNDEFINED, L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL);
        vk::RenderingAttachmentInfo::default()
            .image_view(d.view)
            .image_layout(L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
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
        .render_area(vk::Rect2D {
            offset: vk::Offset2D::default(),
            extent: vk::Extent2D {
                width: e.width,
                height: e.height,
            },
        })
        .layer_count(1)
        .color_attachments(&ca);
    if let Some(da) = da.as_ref() {
        info = info.depth_attachment(da);
    }
    unsafe { vk.device.cmd_begin_rendering(cb, &info) };
    gfx::viewport_scissor(vk, cb, e.width, e.height);
}

/// Ends rendering and moves `color` to TRANSFER_SRC for read-back.
fn end(vk: &Vk, cb: vk::CommandBuffer, color: &Attachment) {
    unsafe { vk.device.cmd_end_rendering(cb) };
    color.barrier(vk, cb, L::COLOR_ATTACHMENT_OPTIMAL, L::TRANSFER_SRC_OPTIMAL);
}

fn bind_vb(vk: &Vk, cb: vk::CommandBuffer, vb: &Buf) {
    unsafe { vk.device.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]) };
}

/// The RGBA8 pixel (x, y) of a read-back image `w` wide.
fn px(img: &[u8], w: u32, x: u32, y: u32) -> [u8; 4] {
    let o = ((y * w + x) * 4) as usize;
    img[o..o + 4].try_into().unwrap()
}

#[test]
fn a_triangle_matches_the_reference() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let pipe = PipelineState::default().build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let vb = buffer_with(
        &vk,
        &vertices(&[
            ([-0.8, -0.7, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]),
            ([0.7, -0.5, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0]),
            ([-0.2, 0.9, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]),
        ]),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    let color = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    vk.run(|cb| unsafe {
        begin(&vk, cb, &color, [0.1, 0.1, 0.1, 1.0], None);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        bind_vb(&vk, cb, &vb);
        vk.device.cmd_draw(cb, 3, 1, 0, 0);
        end(&vk, cb, &color);
    });
    let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    // Inside near the red corner, outside in a corner.
    let inside = px(&img, W, 8, 12);
    assert!(inside[0] > 180 && inside[3] == 255, "{inside:?}");
    assert_eq!(px(&img, W, 63, 63), [26, 26, 26, 255]);
    gfx::check_reference("triangle", W, H, &img, 2, 8);
    unsafe {
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
}

/// A quad from (x0, y0) to (x1, y1) in NDC at depth z as two triangles, one color.
fn quad(x0: f32, y0: f32, x1: f32, y1: f32, z: f32, c: [f32; 4]) -> Vec<([f32; 4], [f32; 4])> {
    let p = |x, y| ([x, y, z, 1.0], c);
    vec![
        p(x0, y0),
        p(x1, y0),
        p(x1, y1),
        p(x0, y0),
        p(x1, y1),
        p(x0, y1),
    ]
}

/// A render pass with one color attachment (and a depth/stencil one, a resolve one): load
/// CLEAR, store STORE, final layout TRANSFER_SRC_OPTIMAL.
fn render_pass(
    vk: &Vk,
    color: vk::Format,
    samples: vk::SampleCountFlags,
    depth: Option<vk::Format>,
    resolve: bool,
) -> vk::RenderPass {
    let mut atts = vec![vk::AttachmentDescription {
        format: color,
        samples,
        load_op: vk::AttachmentLoadOp::CLEAR,
        store_op: vk::AttachmentStoreOp::STORE,
        stencil_load_op: vk::AttachmentLoadOp::DONT_CARE,
        stencil_store_op: vk::AttachmentStoreOp::DONT_CARE,
        initial_layout: L::UNDEFINED,
        final_layout: L::TRANSFER_SRC_OPTIMAL,
        ..Default::default()
    }];
    let color_ref = [vk::AttachmentReference {
        attachment: 0,
        layout: L::COLOR_ATTACHMENT_OPTIMAL,
    }];
    let mut ds_ref = vk::AttachmentReference::default();
    let mut resolve_ref = [vk::AttachmentReference::default()];
    if let Some(d) = depth {
        ds_ref = vk::AttachmentReference {
            attachment: atts.len() as u32,
            layout: L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
        };
        atts.push(vk::AttachmentDescription {
            format: d,
            samples,
            load_op: vk::AttachmentLoadOp::CLEAR,
            store_op: vk::AttachmentStoreOp::STORE,
            stencil_load_op: vk::AttachmentLoadOp::CLEAR,
            stencil_store_op: vk::AttachmentStoreOp::STORE,
            initial_layout: L::UNDEFINED,
            final_layout: L::TRANSFER_SRC_OPTIMAL,
            ..Default::default()
        });
    }
    if resolve {
        resolve_ref[0] = vk::AttachmentReference {
            attachment: atts.len() as u32,
            layout: L::COLOR_ATTACHMENT_OPTIMAL,
        };
        atts.push(vk::AttachmentDescription {
            samples: vk::SampleCountFlags::TYPE_1,
            ..atts[0]
        });
    }
    let mut sub = vk::SubpassDescription::default()
        .pipeline_bind_point(vk::PipelineBindPoint::GRAPHICS)
        .color_attachments(&color_ref);
    if depth.is_some() {
        sub = sub.depth_stencil_attachment(&ds_ref);
    }
    if resolve {
        sub = sub.resolve_attachments(&resolve_ref);
    }
    let subs = [sub];
    let deps = [vk::SubpassDependency {
        src_subpass: 0,
        dst_subpass: vk::SUBPASS_EXTERNAL,
        src_stage_mask: vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT
            | vk::PipelineStageFlags::LATE_FRAGMENT_TESTS,
        dst_stage_mask: vk::PipelineStageFlags::TRANSFER,
        src_access_mask: vk::AccessFlags::COLOR_ATTACHMENT_WRITE
            | vk::AccessFlags::DEPTH_STENCIL_ATTACHMENT_WRITE,
        dst_access_mask: vk::AccessFlags::TRANSFER_READ,
        dependency_flags: vk::DependencyFlags::empty(),
    }];
    unsafe {
        vk.device.create_render_pass(
            &vk::RenderPassCreateInfo::default()
                .attachments(&atts)
                .subpasses(&subs)
                .dependencies(&deps),
            None,
        )
    }
    .expect("vkCreateRenderPass")
}

/// Begins `pass` on a framebuffer of `views`, clearing color to `clear`, depth to 1 and
/// stencil to 0.
fn begin_pass(
    vk: &Vk,
    cb: vk::CommandBuffer,
    pass: vk::RenderPass,
    views: &[vk::ImageView],
    clear: [f32; 4],
) -> vk::Framebuffer {
    let fb = unsafe {
        vk.device.create_framebuffer(
            &vk::FramebufferCreateInfo::default()
                .render_pass(pass)
                .attachments(views)
                .width(W)
                .height(H)
                .layers(1),
            None,
        )
    }
    .expect("vkCreateFramebuffer");
    let clears: Vec<vk::ClearValue> = views
        .iter()
        .enumerate()
        .map(|(i, _)| {
            if i == 1 {
                vk::ClearValue {
                    depth_stencil: vk::ClearDepthStencilValue {
                        depth: 1.0,
                        stencil: 0,
                    },
                }
            } else {
                vk::ClearValue {
                    color: vk::ClearColorValue { float32: clear },
                }
            }
        })
        .collect();
    unsafe {
        vk.device.cmd_begin_render_pass(
            cb,
            &vk::RenderPassBeginInfo::default()
                .render_pass(pass)
                .framebuffer(fb)
                .render_area(vk::Rect2D {
                    offset: vk::Offset2D::default(),
                    extent: vk::Extent2D {
                        width: W,
                        height: H,
                    },
                })
                .clear_values(&clears),
            vk::SubpassContents::INLINE,
        );
    }
    gfx::viewport_scissor(vk, cb, W, H);
    fb
}

/// An indexed mesh with depth in a render pass: two interpenetrating triangle strips (uint16
/// indices, a primitive restart between strips) drawn far-to-near and near-to-far, with a
/// vertex offset; the depth test decides what is visible either way.
#[test]
fn an_indexed_mesh_with_depth_matches_the_reference() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let pass = render_pass(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
        Some(vk::Format::D32_SFLOAT),
        false,
    );
    let mut st = PipelineState {
        topology: vk::PrimitiveTopology::TRIANGLE_STRIP,
        primitive_restart: true,
        render_pass: Some((pass, 0)),
        ..Default::default()
    };
    st.depth_stencil = st
        .depth_stencil
        .depth_test_enable(true)
        .depth_write_enable(true)
        .depth_compare_op(vk::CompareOp::LESS);
    let pipe = st.build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    // Slot 0 is unused (vertexOffset 1). A strip slanting in depth from left to right, and
    // one slanting the other way, of different colors.
    let mut verts = vec![([0.0; 4], [0.0; 4])];
    for k in 0..5 {
        let x = -0.9 + 0.45 * k as f32;
        let z = 0.1 + 0.2 * k as f32;
        verts.push(([x, -0.6, z, 1.0], [1.0, 0.2 * k as f32, 0.0, 1.0]));
        verts.push(([x, 0.2, z, 1.0], [1.0, 0.2 * k as f32, 0.3, 1.0]));
    }
    for k in 0..5 {
        let x = -0.9 + 0.45 * k as f32;
        let z = 0.9 - 0.2 * k as f32;
        verts.push(([x, -0.2, z, 1.0], [0.0, 0.3, 1.0 - 0.15 * k as f32, 1.0]));
        verts.push(([x, 0.7, z, 1.0], [0.2, 0.8, 1.0 - 0.15 * k as f32, 1.0]));
    }
    let vb = buffer_with(&vk, &vertices(&verts), vk::BufferUsageFlags::VERTEX_BUFFER);
    let idx: Vec<u16> = (0..10).chain([0xffff]).chain(10..20).collect();
    let ib = buffer_with(
        &vk,
        &idx.iter()
            .flat_map(|i| i.to_le_bytes())
            .collect::<Vec<u8>>(),
        vk::BufferUsageFlags::INDEX_BUFFER,
    );
    let color = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    let depth = attachment(
        &vk,
        vk::Format::D32_SFLOAT,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    let mut fb = vk::Framebuffer::null();
    vk.run(|cb| unsafe {
        fb = begin_pass(
            &vk,
            cb,
            pass,
            &[color.view, depth.view],
            [0.0, 0.0, 0.0, 1.0],
        );
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        bind_vb(&vk, cb, &vb);
        vk.device
            .cmd_bind_index_buffer(cb, ib.buffer, 0, vk::IndexType::UINT16);
        vk.device.cmd_draw_indexed(cb, idx.len() as u32, 1, 0, 1, 0);
        vk.device.cmd_end_render_pass(cb);
    });
    let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    gfx::check_reference("indexed_depth", W, H, &img, 2, 16);
    // Where the strips cross, the nearer one shows: left the red strip (z 0.1..), right the
    // blue one.
    let left = px(&img, W, 8, 30);
    let right = px(&img, W, 56, 30);
    assert!(left[0] > 200 && left[2] < 100, "{left:?}");
    assert!(right[2] > 100 && right[0] < 60, "{right:?}");
    let d = depth.read(&vk, vk::ImageAspectFlags::DEPTH, 0, 4);
    let z = |x: u32, y: u32| {
        f32::from_le_bytes(d[((y * W + x) * 4) as usize..][..4].try_into().unwrap())
    };
    assert_eq!(z(0, 0), 1.0, "untouched depth keeps the clear value");
    assert!(
        z(8, 30) < 0.25 && z(56, 30) < 0.25,
        "{} {}",
        z(8, 30),
        z(56, 30)
    );
    unsafe {
        vk.device.destroy_framebuffer(fb, None);
        vk.device.destroy_render_pass(pass, None);
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    vk.destroy_buffer(ib);
    color.destroy(&vk);
    depth.destroy(&vk);
}

/// Instancing: four instances of one triangle, each moved by a per-instance offset (binding
/// 1, input rate INSTANCE) and tinted by gl_InstanceIndex, drawn from firstInstance 2.
#[test]
fn instancing_matches_the_reference() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 4);
    let mut st = PipelineState::default();
    st.bindings.push(vk::VertexInputBindingDescription {
        binding: 1,
        stride: 8,
        input_rate: vk::VertexInputRate::INSTANCE,
    });
    st.attributes.push(vk::VertexInputAttributeDescription {
        location: 2,
        binding: 1,
        format: vk::Format::R32G32_SFLOAT,
        offset: 0,
    });
    let pipe = st.build(&vk, layout, INST_VS, Some(COLOR_FS));
    let vb = buffer_with(
        &vk,
        &vertices(&[
            ([-0.9, -0.9, 0.0, 1.0], [0.8, 0.0, 0.0, 1.0]),
            ([-0.1, -0.9, 0.0, 1.0], [0.0, 0.8, 0.0, 1.0]),
            ([-0.5, -0.1, 0.0, 1.0], [0.4, 0.4, 0.0, 1.0]),
        ]),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    // Offsets of instances 0..6; the draw uses 2..6.
    let offsets = f32_bytes(&[9.0, 9.0, 9.0, 9.0, 0.0, 0.0, 0.9, 0.0, 0.0, 0.9, 0.9, 0.9]);
    let ob = buffer_with(&vk, &offsets, vk::BufferUsageFlags::VERTEX_BUFFER);
    let color = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    vk.run(|cb| unsafe {
        begin(&vk, cb, &color, [0.0, 0.0, 0.0, 1.0], None);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        vk.device
            .cmd_bind_vertex_buffers(cb, 0, &[vb.buffer, ob.buffer], &[0, 0]);
        vk.device.cmd_push_constants(
            cb,
            layout,
            vk::ShaderStageFlags::VERTEX | vk::ShaderStageFlags::FRAGMENT,
            0,
            &0.15f32.to_le_bytes(),
        );
        vk.device.cmd_draw(cb, 3, 4, 0, 2);
        end(&vk, cb, &color);
    });
    let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    gfx::check_reference("instancing", W, H, &img, 2, 16);
    // Instance 2 (blue 0.3) at the top left, instance 5 (blue 0.75) at the bottom right
    // (framebuffer y grows downwards).
    let a = px(&img, W, 16, 10);
    let b = px(&img, W, 45, 39);
    assert!((a[2] as i32 - 77).abs() <= 2, "{a:?}");
    assert!((b[2] as i32 - 191).abs() <= 2, "{b:?}");
    unsafe {
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    vk.destroy_buffer(ob);
    color.destroy(&vk);
}

/// Every blend factor (as source with ONE_MINUS_SRC_ALPHA, as destination with SRC_ALPHA) and
/// every blend op (color and alpha ops differing), over a background of varying color and
/// alpha, with blend constants: one 8x8 cell each, compared with lavapipe's image.
#[test]
fn every_blend_factor_and_op_matches_the_reference() {
    use vk::BlendFactor as F;
    use vk::BlendOp as O;
    const FACTORS: [F; 15] = [
        F::ZERO,
        F::ONE,
        F::SRC_COLOR,
        F::ONE_MINUS_SRC_COLOR,
        F::DST_COLOR,
        F::ONE_MINUS_DST_COLOR,
        F::SRC_ALPHA,
        F::ONE_MINUS_SRC_ALPHA,
        F::DST_ALPHA,
        F::ONE_MINUS_DST_ALPHA,
        F::CONSTANT_COLOR,
        F::ONE_MINUS_CONSTANT_COLOR,
        F::CONSTANT_ALPHA,
        F::ONE_MINUS_CONSTANT_ALPHA,
        F::SRC_ALPHA_SATURATE,
    ];
    const OPS: [O; 5] = [O::ADD, O::SUBTRACT, O::REVERSE_SUBTRACT, O::MIN, O::MAX];
    let (w, h) = (64u32, 64u32);
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let mut cells: Vec<vk::PipelineColorBlendAttachmentState> = Vec::new();
    let blend = |src, dst, op, aop| vk::PipelineColorBlendAttachmentState {
        blend_enable: vk::TRUE,
        src_color_blend_factor: src,
        dst_color_blend_factor: dst,
        color_blend_op: op,
        src_alpha_blend_factor: src,
        dst_alpha_blend_factor: dst,
        alpha_blend_op: aop,
        color_write_mask: vk::ColorComponentFlags::RGBA,
    };
    for f in FACTORS {
        cells.push(blend(f, F::ONE_MINUS_SRC_ALPHA, O::ADD, O::ADD));
        cells.push(blend(F::SRC_ALPHA, f, O::ADD, O::ADD));
    }
    for (k, op) in OPS.iter().enumerate() {
        cells.push(blend(
            F::SRC_ALPHA,
            F::CONSTANT_COLOR,
            *op,
            OPS[(k + 2) % 5],
        ));
        cells.push(blend(F::ONE, F::ONE, *op, OPS[(k + 1) % 5]));
    }
    // One mask-limited cell: only G and A written.
    let mut masked = blend(F::ONE, F::ONE, O::ADD, O::ADD);
    masked.color_write_mask = vk::ColorComponentFlags::G | vk::ColorComponentFlags::A;
    cells.push(masked);
    let base = PipelineState {
        blend_constants: [0.2, 0.5, 0.7, 0.4],
        ..Default::default()
    };
    let background = base.build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let pipes: Vec<vk::Pipeline> = cells
        .iter()
        .map(|b| {
            PipelineState {
                blend: vec![*b],
                ..PipelineState {
                    blend_constants: [0.2, 0.5, 0.7, 0.4],
                    ..Default::default()
                }
            }
            .build(&vk, layout, COLOR_VS, Some(COLOR_FS))
        })
        .collect();
    // The background: a gradient in every channel, alpha included.
    let mut verts = vec![
        ([-1.0, -1.0, 0.0, 1.0], [0.9, 0.1, 0.2, 0.1]),
        ([1.0, -1.0, 0.0, 1.0], [0.1, 0.9, 0.4, 0.9]),
        ([1.0, 1.0, 0.0, 1.0], [0.5, 0.5, 0.9, 0.6]),
        ([-1.0, -1.0, 0.0, 1.0], [0.9, 0.1, 0.2, 0.1]),
        ([1.0, 1.0, 0.0, 1.0], [0.5, 0.5, 0.9, 0.6]),
        ([-1.0, 1.0, 0.0, 1.0], [0.2, 0.3, 0.1, 0.3]),
    ];
    let cell = 2.0 / 8.0;
    for k in 0..cells.len() {
        let (cx, cy) = ((k % 8) as f32, (k / 8) as f32);
        let (x0, y0) = (-1.0 + cx * cell, -1.0 + cy * cell);
        let (x1, y1) = (x0 + cell, y0 + cell);
        let p = |x, y, c| ([x, y, 0.0, 1.0], c);
        let (a, b) = ([0.8, 0.3, 0.6, 0.55], [0.3, 0.7, 0.2, 0.95]);
        verts.extend([
            p(x0, y0, a),
            p(x1, y0, b),
            p(x1, y1, a),
            p(x0, y0, a),
            p(x1, y1, a),
            p(x0, y1, b),
        ]);
    }
    let vb = buffer_with(&vk, &vertices(&verts), vk::BufferUsageFlags::VERTEX_BUFFER);
    let color = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        w,
        h,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    vk.run(|cb| unsafe {
        begin(&vk, cb, &color, [0.0, 0.0, 0.0, 0.0], None);
        bind_vb(&vk, cb, &vb);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, background);
        vk.device.cmd_draw(cb, 6, 1, 0, 0);
        for (k, p) in pipes.iter().enumerate() {
            vk.device
                .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, *p);
            vk.device.cmd_draw(cb, 6, 1, 6 + 6 * k as u32, 0);
        }
        end(&vk, cb, &color);
    });
    let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    gfx::check_reference("blend", w, h, &img, 2, 0);
    unsafe {
        for p in pipes.iter().chain([&background]) {
            vk.device.destroy_pipeline(*p, None);
        }
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
}

/// A depth/stencil format this device can attach (D24_UNORM_S8_UINT or D32_SFLOAT_S8_UINT).
fn depth_stencil_format(vk: &Vk) -> vk::Format {
    [
        vk::Format::D24_UNORM_S8_UINT,
        vk::Format::D32_SFLOAT_S8_UINT,
    ]
    .into_iter()
    .find(|f| {
        let p = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, *f)
        };
        p.optimal_tiling_features
            .contains(vk::FormatFeatureFlags::DEPTH_STENCIL_ATTACHMENT)
    })
    .expect("a depth/stencil format")
}

/// Stencil outlining: a shape writes stencil 1 (reference set dynamically), then a larger one
/// draws only where the stencil is not 1: an outline around the first.
#[test]
fn stencil_outlining_matches_the_reference() {
    let vk = Vk::new();
    let ds = depth_stencil_format(&vk);
    let layout = gfx::layout(&vk, &[], 0);
    let pass = render_pass(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
        Some(ds),
        false,
    );
    let face = |compare, pass_op| vk::StencilOpState {
        fail_op: vk::StencilOp::KEEP,
        pass_op,
        depth_fail_op: vk::StencilOp::KEEP,
        compare_op: compare,
        compare_mask: 0xff,
        write_mask: 0xff,
        reference: 0,
    };
    let mut write = PipelineState {
        render_pass: Some((pass, 0)),
        ..Default::default()
    };
    write.dynamic.push(vk::DynamicState::STENCIL_REFERENCE);
    write.depth_stencil = write
        .depth_stencil
        .stencil_test_enable(true)
        .front(face(vk::CompareOp::ALWAYS, vk::StencilOp::REPLACE))
        .back(face(vk::CompareOp::ALWAYS, vk::StencilOp::REPLACE));
    let mut outline = PipelineState {
        render_pass: Some((pass, 0)),
        ..Default::default()
    };
    outline.dynamic.push(vk::DynamicState::STENCIL_REFERENCE);
    outline.depth_stencil = outline
        .depth_stencil
        .stencil_test_enable(true)
        .front(face(vk::CompareOp::NOT_EQUAL, vk::StencilOp::KEEP))
        .back(face(vk::CompareOp::NOT_EQUAL, vk::StencilOp::KEEP));
    let p1 = write.build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let p2 = outline.build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let shape = |s: f32, c: [f32; 4]| {
        vec![
            ([-0.6 * s, -0.5 * s, 0.5, 1.0], c),
            ([0.7 * s, -0.3 * s, 0.5, 1.0], c),
            ([-0.1 * s, 0.7 * s, 0.5, 1.0], c),
        ]
    };
    let mut v = shape(1.0, [0.9, 0.2, 0.2, 1.0]);
    v.extend(shape(1.25, [1.0, 0.9, 0.1, 1.0]));
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let color = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    let depth = attachment(
        &vk,
        ds,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    let mut fb = vk::Framebuffer::null();
    vk.run(|cb| unsafe {
        fb = begin_pass(
            &vk,
            cb,
            pass,
            &[color.view, depth.view],
            [0.0, 0.0, 0.2, 1.0],
        );
        bind_vb(&vk, cb, &vb);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p1);
        vk.device
            .cmd_set_stencil_reference(cb, vk::StencilFaceFlags::FRONT_AND_BACK, 1);
        vk.device.cmd_draw(cb, 3, 1, 0, 0);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p2);
        vk.device.cmd_draw(cb, 3, 1, 3, 0);
        vk.device.cmd_end_render_pass(cb);
    });
    let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    gfx::check_reference("stencil_outline", W, H, &img, 1, 0);
    let st = depth.read(&vk, vk::ImageAspectFlags::STENCIL, 0, 1);
    let inside = (
        st.iter().filter(|&&s| s == 1).count(),
        st.iter().filter(|&&s| s > 1).count(),
    );
    assert!(inside.0 > 300 && inside.1 == 0, "{inside:?}");
    unsafe {
        vk.device.destroy_framebuffer(fb, None);
        vk.device.destroy_render_pass(pass, None);
        vk.device.destroy_pipeline(p1, None);
        vk.device.destroy_pipeline(p2, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
    depth.destroy(&vk);
}

/// 4x MSAA with a render pass resolve: two triangles crossing, with a sample mask on the
/// second; the resolved edges carry the coverage fractions.
#[test]
fn msaa_4x_with_resolve_matches_the_reference() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let s4 = vk::SampleCountFlags::TYPE_4;
    let pass = render_pass(&vk, vk::Format::R8G8B8A8_UNORM, s4, None, true);
    let p1 = PipelineState {
        samples: s4,
        render_pass: Some((pass, 0)),
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let p2 = PipelineState {
        samples: s4,
        sample_mask: Some(0b0110),
        render_pass: Some((pass, 0)),
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let vb = buffer_with(
        &vk,
        &vertices(&[
            ([-0.9, -0.8, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]),
            ([0.85, -0.3, 0.0, 1.0], [1.0, 0.5, 0.0, 1.0]),
            ([-0.3, 0.9, 0.0, 1.0], [0.0, 1.0, 0.5, 1.0]),
            ([0.9, 0.9, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]),
            ([-0.8, 0.2, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]),
            ([0.5, -0.9, 0.0, 1.0], [1.0, 0.0, 1.0, 1.0]),
        ]),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    let ms = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        s4,
        1,
        vk::ImageUsageFlags::empty(),
    );
    let resolved = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    let mut fb = vk::Framebuffer::null();
    vk.run(|cb| unsafe {
        fb = begin_pass(
            &vk,
            cb,
            pass,
            &[ms.view, resolved.view],
            [0.0, 0.0, 0.0, 1.0],
        );
        bind_vb(&vk, cb, &vb);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p1);
        vk.device.cmd_draw(cb, 3, 1, 0, 0);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p2);
        vk.device.cmd_draw(cb, 3, 1, 3, 0);
        vk.device.cmd_end_render_pass(cb);
    });
    let img = resolved.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    gfx::check_reference("msaa4_resolve", W, H, &img, 2, 8);
    // The second triangle covers 2 of each pixel's 4 samples (its sample mask): over the
    // black clear its blue interior resolves to half intensity.
    let half = img
        .chunks_exact(4)
        .filter(|p| p[0] < 20 && p[1] < 10 && (118..=138).contains(&p[2]))
        .count();
    assert!(half > 30, "{half} half-covered pixels");
    unsafe {
        vk.device.destroy_framebuffer(fb, None);
        vk.device.destroy_render_pass(pass, None);
        vk.device.destroy_pipeline(p1, None);
        vk.device.destroy_pipeline(p2, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    ms.destroy(&vk);
    resolved.destroy(&vk);
}

/// Lines (a list, then a strip through a dynamic topology) of many slopes, and points.
#[test]
fn lines_and_points_match_the_reference() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let mut lines = PipelineState {
        topology: vk::PrimitiveTopology::LINE_LIST,
        ..Default::default()
    };
    lines.dynamic.push(vk::DynamicState::PRIMITIVE_TOPOLOGY);
    let lp = lines.build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let pp = PipelineState {
        topology: vk::PrimitiveTopology::POINT_LIST,
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let mut v = Vec::new();
    // A fan of 12 lines from the center (list).
    for k in 0..12 {
        let a = k as f32 * std::f32::consts::PI / 6.0 + 0.1;
        v.push(([0.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]));
        v.push((
            [0.6 * a.cos(), 0.6 * a.sin(), 0.0, 1.0],
            [1.0, 0.2, 0.1, 1.0],
        ));
    }
    // A zigzag strip along the bottom.
    for k in 0..7 {
        let x = -0.9 + 0.3 * k as f32;
        let y = if k % 2 == 0 { 0.75 } else { 0.95 };
        v.push(([x, y, 0.0, 1.0], [0.1, 1.0, 0.3, 1.0]));
    }
    // A row of points along the top.
    for k in 0..16 {
        let x = -0.93 + 0.12 * k as f32;
        v.push(([x, -0.9 + 0.01 * k as f32, 0.0, 1.0], [0.3, 0.5, 1.0, 1.0]));
    }
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let color = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    vk.run(|cb| unsafe {
        begin(&vk, cb, &color, [0.0, 0.0, 0.0, 1.0], None);
        bind_vb(&vk, cb, &vb);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, lp);
        vk.device
            .cmd_set_primitive_topology(cb, vk::PrimitiveTopology::LINE_LIST);
        vk.device.cmd_draw(cb, 24, 1, 0, 0);
        vk.device
            .cmd_set_primitive_topology(cb, vk::PrimitiveTopology::LINE_STRIP);
        vk.device.cmd_draw(cb, 7, 1, 24, 0);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pp);
        vk.device.cmd_draw(cb, 16, 1, 31, 0);
        end(&vk, cb, &color);
    });
    let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    // Non-strict lines may be drawn as parallelograms or diamonds: ends and joints differ.
    gfx::check_reference("lines_points", W, H, &img, 2, 40);
    let points = img
        .chunks_exact(4)
        .filter(|p| p[2] == 255 && (75..=78).contains(&p[0]) && (126..=129).contains(&p[1]))
        .count();
    assert_eq!(points, 16, "every point is one pixel");
    unsafe {
        vk.device.destroy_pipeline(lp, None);
        vk.device.destroy_pipeline(pp, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
}

const TEX_VS: &[u8] = include_bytes!("../../shaders/tests/gfx_tex_vs.spv");
const TEX_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_tex_fs.spv");

/// A textured quad per sampler: every min/mag filter and mipmap mode pair down the rows,
/// every address mode across the columns, on a 16x16 RGBA8 texture with 5 levels (each
/// level its own colors), in perspective so the level of detail varies over each quad;
/// implicit-LOD sampling in the fragment shader.
#[test]
fn a_textured_quad_through_every_filter_and_address_mode_matches_the_reference() {
    use vk::SamplerAddressMode as AM;
    let (w, h) = (160u32, 128u32);
    let vk = Vk::new();
    let binding = [vk::DescriptorSetLayoutBinding::default()
        .binding(0)
        .descriptor_type(vk::DescriptorType::COMBINED_IMAGE_SAMPLER)
        .descriptor_count(1)
        .stage_flags(vk::ShaderStageFlags::FRAGMENT)];
    let set_layout = unsafe {
        vk.device.create_descriptor_set_layout(
            &vk::DescriptorSetLayoutCreateInfo::default().bindings(&binding),
            None,
        )
    }
    .unwrap();
    let layout = gfx::layout(&vk, &[set_layout], 16);
    let mut st = PipelineState::default();
    st.attributes[1].format = vk::Format::R32G32_SFLOAT;
    let pipe = st.build(&vk, layout, TEX_VS, Some(TEX_FS));
    // The texture: level l is a checkerboard of two colors of its own.
    let tex = vk.image(
        &softvk_tests::image_2d(vk::Format::R8G8B8A8_UNORM, 16, 16)
            .mip_levels(5)
            .usage(vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST),
    );
    let palette: [([u8; 4], [u8; 4]); 5] = [
        ([255, 40, 40, 255], [250, 220, 200, 255]),
        ([40, 200, 40, 255], [20, 60, 20, 255]),
        ([40, 40, 255, 255], [200, 200, 60, 255]),
        ([250, 250, 250, 255], [0, 0, 0, 255]),
        ([128, 0, 128, 255], [0, 128, 128, 255]),
    ];
    let mut data = Vec::new();
    let mut regions = Vec::new();
    for (l, (a, b)) in palette.iter().enumerate() {
        let n = 16u32 >> l;
        regions.push(vk::BufferImageCopy {
            buffer_offset: data.len() as u64,
            image_subresource: vk::ImageSubresourceLayers {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                mip_level: l as u32,
                base_array_layer: 0,
                layer_count: 1,
            },
            image_extent: vk::Extent3D {
                width: n,
                height: n,
                depth: 1,
            },
            ..Default::default()
        });
        for y in 0..n {
            for x in 0..n {
                let c = if (x / 2 + y) % 2 == 0 { a } else { b };
                // A ramp inside each texel pair makes linear filtering visible.
                let mut c = *c;
                c[1] = c[1].saturating_add((x * 37 % 64) as u8);
                data.extend_from_slice(&c);
            }
        }
    }
    let staging = buffer_with(&vk, &data, vk::BufferUsageFlags::TRANSFER_SRC);
    let full = vk::ImageSubresourceRange {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        base_mip_level: 0,
        level_count: 5,
        base_array_layer: 0,
        layer_count: 1,
    };
    let tex_barrier = |cb, old, new| {
        let b = [vk::ImageMemoryBarrier2::default()
            .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .src_access_mask(vk::AccessFlags2::MEMORY_WRITE)
            .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)
            .old_layout(old)
            .new_layout(new)
            .image(tex.image)
            .subresource_range(full)];
        unsafe {
            vk.device
                .cmd_pipeline_barrier2(cb, &vk::DependencyInfo::default().image_memory_barriers(&b))
        };
    };
    vk.run(|cb| unsafe {
        tex_barrier(cb, L::UNDEFINED, L::TRANSFER_DST_OPTIMAL);
        vk.device.cmd_copy_buffer_to_image(
            cb,
            staging.buffer,
            tex.image,
            L::TRANSFER_DST_OPTIMAL,
            &regions,
        );
        tex_barrier(cb, L::TRANSFER_DST_OPTIMAL, L::SHADER_READ_ONLY_OPTIMAL);
    });
    let view = unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(tex.image)
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(vk::Format::R8G8B8A8_UNORM)
                .subresource_range(full),
            None,
        )
    }
    .unwrap();
    let filters = [
        (vk::Filter::NEAREST, vk::SamplerMipmapMode::NEAREST),
        (vk::Filter::LINEAR, vk::SamplerMipmapMode::NEAREST),
        (vk::Filter::NEAREST, vk::SamplerMipmapMode::LINEAR),
        (vk::Filter::LINEAR, vk::SamplerMipmapMode::LINEAR),
    ];
    let modes = [
        AM::REPEAT,
        AM::MIRRORED_REPEAT,
        AM::CLAMP_TO_EDGE,
        AM::CLAMP_TO_BORDER,
        AM::MIRROR_CLAMP_TO_EDGE,
    ];
    let sizes = [vk::DescriptorPoolSize {
        ty: vk::DescriptorType::COMBINED_IMAGE_SAMPLER,
        descriptor_count: 20,
    }];
    let pool = unsafe {
        vk.device.create_descriptor_pool(
            &vk::DescriptorPoolCreateInfo::default()
                .max_sets(20)
                .pool_sizes(&sizes),
            None,
        )
    }
    .unwrap();
    let mut samplers = Vec::new();
    let mut sets = Vec::new();
    for (mag, mip) in filters {
        for mode in modes {
            let s = unsafe {
                vk.device.create_sampler(
                    &vk::SamplerCreateInfo::default()
                        .mag_filter(mag)
                        .min_filter(mag)
                        .mipmap_mode(mip)
                        .address_mode_u(mode)
                        .address_mode_v(mode)
                        .address_mode_w(mode)
                        .max_lod(vk::LOD_CLAMP_NONE)
                        .border_color(vk::BorderColor::FLOAT_OPAQUE_WHITE),
                    None,
                )
            }
            .unwrap();
            let set = unsafe {
                vk.device.allocate_descriptor_sets(
                    &vk::DescriptorSetAllocateInfo::default()
                        .descriptor_pool(pool)
                        .set_layouts(&[set_layout]),
                )
            }
            .unwrap()[0];
            let info = [vk::DescriptorImageInfo {
                sampler: s,
                image_view: view,
                image_layout: L::SHADER_READ_ONLY_OPTIMAL,
            }];
            unsafe {
                vk.device.update_descriptor_sets(
                    &[vk::WriteDescriptorSet::default()
                        .dst_set(set)
                        .descriptor_type(vk::DescriptorType::COMBINED_IMAGE_SAMPLER)
                        .image_info(&info)],
                    &[],
                )
            };
            samplers.push(s);
            sets.push(set);
        }
    }
    // One quad per cell, its top edge twice as far (w = 2) as its bottom: (x, y, z, w, u, v).
    let mut v = Vec::new();
    for k in 0..20 {
        let (cx, cy) = ((k % 5) as f32, (k / 5) as f32);
        let (x0, y0) = (-1.0 + cx * 0.4 + 0.02, -1.0 + cy * 0.5 + 0.02);
        let (x1, y1) = (x0 + 0.36, y0 + 0.46);
        let p =
            |x: f32, y: f32, wq: f32, u: f32, t: f32| ([x * wq, y * wq, 0.0, wq], [u, t, 0.0, 0.0]);
        let q = [
            p(x0, y0, 2.0, 0.0, 0.0),
            p(x1, y0, 2.0, 1.0, 0.0),
            p(x1, y1, 1.0, 1.0, 1.0),
            p(x0, y1, 1.0, 0.0, 1.0),
        ];
        v.extend([q[0], q[1], q[2], q[0], q[2], q[3]]);
    }
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let color = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        w,
        h,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    vk.run(|cb| unsafe {
        begin(&vk, cb, &color, [0.0, 0.0, 0.0, 1.0], None);
        bind_vb(&vk, cb, &vb);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        // uv from -1.25 to 2.25: the texture repeated 3.5 times across each quad.
        vk.device.cmd_push_constants(
            cb,
            layout,
            vk::ShaderStageFlags::VERTEX | vk::ShaderStageFlags::FRAGMENT,
            0,
            &f32_bytes(&[3.5, 3.5, -1.25, -1.25]),
        );
        for (k, set) in sets.iter().enumerate() {
            vk.device.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::GRAPHICS,
                layout,
                0,
                &[*set],
                &[],
            );
            vk.device.cmd_draw(cb, 6, 1, 6 * k as u32, 0);
        }
        end(&vk, cb, &color);
    });
    let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    // Rows 0-1 (NEAREST mipmapping): texel filtering may use fewer bits of weight precision
    // than f32 (lavapipe: 8), and where λ crosses a level's boundary either level is right:
    // a few pixels per cell differ. Rows 2-3 (LINEAR mipmapping): lavapipe's level of detail
    // comes from an approximate log2, so its level fractions are a few per cent off the
    // spec's λ = log2(ρ), which softvk computes in f32: up to 12 per channel.
    gfx::check_reference_rows("texture_filters", w, h, &img, 0..64, 4, 200);
    gfx::check_reference_rows("texture_filters", w, h, &img, 64..128, 12, 200);
    unsafe {
        for s in samplers {
            vk.device.destroy_sampler(s, None);
        }
        vk.device.destroy_descriptor_pool(pool, None);
        vk.device.destroy_image_view(view, None);
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
        vk.device.destroy_descriptor_set_layout(set_layout, None);
    }
    vk.destroy_image(tex);
    vk.destroy_buffer(staging);
    vk.destroy_buffer(vb);
    color.destroy(&vk);
}
