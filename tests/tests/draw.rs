//! Draws through the loader and the validation layer: graphics pipelines, dynamic state,
//! vertex/index buffers, every draw command, render passes and dynamic rendering. Images are
//! compared with reference images made by lavapipe (tests/reference, see softvk_tests::gfx),
//! within the tolerance each test states.

use ash::vk;
use softvk_tests::gfx::{
    self, Attachment, PipelineState, attachment, buffer_with, f32_bytes, u32_bytes,
};
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

/// A W x H attachment of one layer (no usage beyond what `attachment` gives).
fn target(vk: &Vk, format: vk::Format, samples: vk::SampleCountFlags) -> Attachment {
    attachment(vk, format, W, H, samples, 1, vk::ImageUsageFlags::empty())
}

/// The depths of a W x H D32_SFLOAT attachment in TRANSFER_SRC layout, row by row.
fn depths(vk: &Vk, depth: &Attachment) -> Vec<f32> {
    let d = depth.read(vk, vk::ImageAspectFlags::DEPTH, 0, 4);
    d.chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// An occlusion query pool of `count` queries.
fn occlusion_pool(vk: &Vk, count: u32) -> vk::QueryPool {
    let info = vk::QueryPoolCreateInfo::default()
        .query_type(vk::QueryType::OCCLUSION)
        .query_count(count);
    unsafe { vk.device.create_query_pool(&info, None) }.unwrap()
}

/// `st` with a D32_SFLOAT depth attachment, tested with `op` and written.
fn depth_tested(st: PipelineState, op: vk::CompareOp) -> PipelineState {
    let mut st = PipelineState {
        depth_format: vk::Format::D32_SFLOAT,
        ..st
    };
    st.depth_stencil = st
        .depth_stencil
        .depth_test_enable(true)
        .depth_write_enable(true)
        .depth_compare_op(op);
    st
}

/// The 64-bit results of queries 0..N of `pool`, waited for.
fn query_results<const N: usize>(vk: &Vk, pool: vk::QueryPool) -> [u64; N] {
    let mut results = [0u64; N];
    let flags = vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WAIT;
    unsafe {
        vk.device
            .get_query_pool_results(pool, 0, &mut results, flags)
    }
    .unwrap();
    results
}

/// The RGBA8 pixel (x, y) of a read-back image `w` wide.
fn px(img: &[u8], w: u32, x: u32, y: u32) -> [u8; 4] {
    let o = ((y * w + x) * 4) as usize;
    img[o..o + 4].try_into().unwrap()
}

#[test]
fn a_triangle_matches_the_reference() {
    let vk = Vk::new();
    let img = one_triangle(
        &vk,
        COLOR_FS,
        [
            ([-0.8, -0.7, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]),
            ([0.7, -0.5, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0]),
            ([-0.2, 0.9, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]),
        ],
        [0.1, 0.1, 0.1, 1.0],
    );
    // Inside near the red corner, outside in a corner.
    let inside = px(&img, W, 8, 12);
    assert!(inside[0] > 180 && inside[3] == 255, "{inside:?}");
    assert_eq!(px(&img, W, 63, 63), [26, 26, 26, 255]);
    gfx::check_reference("triangle", W, H, &img, 2, 8);
}

/// Draws one triangle of `verts` with COLOR_VS and fragment shader `fs` into a W x H RGBA8
/// target cleared to `clear`; returns the image.
fn one_triangle(vk: &Vk, fs: &[u8], verts: [([f32; 4], [f32; 4]); 3], clear: [f32; 4]) -> Vec<u8> {
    let layout = gfx::layout(vk, &[], 0);
    let pipe = PipelineState::default().build(vk, layout, COLOR_VS, Some(fs));
    let vb = buffer_with(vk, &vertices(&verts), vk::BufferUsageFlags::VERTEX_BUFFER);
    let color = target(vk, vk::Format::R8G8B8A8_UNORM, vk::SampleCountFlags::TYPE_1);
    vk.run(|cb| unsafe {
        begin(vk, cb, &color, clear, None);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        bind_vb(vk, cb, &vb);
        vk.device.cmd_draw(cb, 3, 1, 0, 0);
        end(vk, cb, &color);
    });
    let img = color.read(vk, vk::ImageAspectFlags::COLOR, 0, 4);
    unsafe {
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(vk);
    img
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
    let color = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let depth = target(&vk, vk::Format::D32_SFLOAT, vk::SampleCountFlags::TYPE_1);
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
    let d = depths(&vk, &depth);
    let z = |x: u32, y: u32| d[(y * W + x) as usize];
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

/// Draws `instances` instances from `first` of a triangle near the top left corner with
/// `pipe` (per-instance offsets `offsets` at binding 1, location 2; instance tint 0.15 per
/// InstanceIndex in push constants) into a fresh 64 x 64 RGBA8 image; its bytes.
fn draw_instances(
    vk: &Vk,
    layout: vk::PipelineLayout,
    pipe: vk::Pipeline,
    offsets: &[f32],
    (instances, first): (u32, u32),
) -> Vec<u8> {
    let vb = buffer_with(
        vk,
        &vertices(&[
            ([-0.9, -0.9, 0.0, 1.0], [0.8, 0.0, 0.0, 1.0]),
            ([-0.1, -0.9, 0.0, 1.0], [0.0, 0.8, 0.0, 1.0]),
            ([-0.5, -0.1, 0.0, 1.0], [0.4, 0.4, 0.0, 1.0]),
        ]),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    let ob = buffer_with(vk, &f32_bytes(offsets), vk::BufferUsageFlags::VERTEX_BUFFER);
    let color = attachment(
        vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    vk.run(|cb| unsafe {
        begin(vk, cb, &color, [0.0, 0.0, 0.0, 1.0], None);
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
        vk.device.cmd_draw(cb, 3, instances, 0, first);
        end(vk, cb, &color);
    });
    let img = color.read(vk, vk::ImageAspectFlags::COLOR, 0, 4);
    vk.destroy_buffer(vb);
    vk.destroy_buffer(ob);
    color.destroy(vk);
    img
}

/// The state of INST_VS pipelines: the position/color binding 0 per vertex, offsets at
/// binding 1 (location 2) per instance.
fn instanced_state() -> PipelineState {
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
    st
}

/// A pipeline for [`draw_instances`] (binding 1 with `divisor` when given).
fn instanced_pipeline(vk: &Vk, layout: vk::PipelineLayout, divisor: Option<u32>) -> vk::Pipeline {
    let mut st = instanced_state();
    if let Some(divisor) = divisor {
        st.divisors
            .push(vk::VertexInputBindingDivisorDescriptionKHR {
                binding: 1,
                divisor,
            });
    }
    st.build(vk, layout, INST_VS, Some(COLOR_FS))
}

/// Instancing: four instances of one triangle, each moved by a per-instance offset (binding
/// 1, input rate INSTANCE) and tinted by gl_InstanceIndex, drawn from firstInstance 2.
#[test]
fn instancing_matches_the_reference() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 4);
    let pipe = instanced_pipeline(&vk, layout, None);
    // Offsets of instances 0..6; the draw uses 2..6.
    let offsets = [9.0, 9.0, 9.0, 9.0, 0.0, 0.0, 0.9, 0.0, 0.0, 0.9, 0.9, 0.9];
    let img = draw_instances(&vk, layout, pipe, &offsets, (4, 2));
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
}

/// VK_EXT_vertex_attribute_divisor: a per-instance offset advancing every second instance
/// (divisor 2) or never (divisor 0), from firstInstance 1, six instances each tinted by
/// gl_InstanceIndex. Where instances share an offset the last one drawn shows; offsets no
/// instance reaches stay clear.
#[test]
fn instance_divisors_repeat_and_hold_per_instance_attributes() {
    let vk = Vk::with(softvk_tests::Options {
        device_extensions: vec![ash::ext::vertex_attribute_divisor::NAME],
        ..Default::default()
    });
    let layout = gfx::layout(&vk, &[], 4);
    // Offset elements 0..5: element 0 far away, then the four quarters of the target.
    let offsets = [9.0, 9.0, 0.0, 0.0, 0.9, 0.0, 0.0, 0.9, 0.9, 0.9];
    // The pixel inside the triangle at each quarter (offset elements 1..4).
    let spots = [(16, 10), (45, 10), (16, 39), (45, 39)];
    // Per divisor: the instance whose tint shows at each spot (None: nothing drawn there).
    let cases: [(u32, [Option<u32>; 4]); 2] = [
        // Instances 1..6 read elements 1 + (i - 1) / 2: 1, 1, 2, 2, 3, 3.
        (2, [Some(2), Some(4), Some(6), None]),
        // Every instance reads element firstInstance = 1.
        (0, [Some(6), None, None, None]),
    ];
    for (divisor, want) in cases {
        let pipe = instanced_pipeline(&vk, layout, Some(divisor));
        let img = draw_instances(&vk, layout, pipe, &offsets, (6, 1));
        for ((x, y), want) in spots.into_iter().zip(want) {
            let p = px(&img, W, x, y);
            match want {
                Some(i) => {
                    let blue = (0.15 * i as f32 * 255.0).round() as i32;
                    assert!(
                        (p[2] as i32 - blue).abs() <= 1 && p[0] > 0,
                        "divisor {divisor}: ({x}, {y}) = {p:?}, instance {i} expected"
                    );
                }
                None => assert_eq!(p, [0, 0, 0, 255], "divisor {divisor}: ({x}, {y}) drawn"),
            }
        }
        unsafe { vk.device.destroy_pipeline(pipe, None) };
    }
    unsafe { vk.device.destroy_pipeline_layout(layout, None) };
}

/// Divisors the device cannot take fail pipeline creation cleanly (no validation layer: the
/// driver's own checks): a divisor other than 1 without vertexAttributeInstanceRateDivisor
/// enabled, and any divisor for a per-vertex binding; divisor 1 needs no feature. So do
/// binding numbers and attribute locations past maxVertexInputBindings/Attributes.
#[test]
fn divisor_misuse_fails_cleanly() {
    let vk = Vk::with(softvk_tests::Options {
        validation: false,
        ..Default::default()
    });
    let layout = gfx::layout(&vk, &[], 4);
    let with = |binding: u32, divisor: u32| {
        let mut st = instanced_state();
        st.divisors
            .push(vk::VertexInputBindingDivisorDescriptionKHR { binding, divisor });
        st.try_build(&vk, layout, INST_VS, Some(COLOR_FS))
    };
    for (binding, divisor, needle) in [
        (1, 3, "vertexAttributeInstanceRateDivisor"),
        (1, 0, "vertexAttributeInstanceRateZeroDivisor"),
        (0, 1, "inputRate"),
    ] {
        assert_eq!(
            with(binding, divisor),
            Err(vk::Result::ERROR_VALIDATION_FAILED_EXT),
            "binding {binding} divisor {divisor}"
        );
        let errors = vk.take_softvk_errors();
        assert!(
            errors.len() == 1 && errors[0].contains(needle),
            "binding {binding} divisor {divisor}: {errors:?}"
        );
    }
    // Binding numbers and attribute locations past the reported limits (16).
    for (binding, location, needle) in [(16, 0, "-00618"), (0, 16, "-00620")] {
        let mut st = PipelineState::default();
        for b in &mut st.bindings {
            b.binding = binding;
        }
        for a in &mut st.attributes {
            a.binding = binding;
        }
        st.attributes[0].location = location;
        assert_eq!(
            st.try_build(&vk, layout, COLOR_VS, Some(COLOR_FS)),
            Err(vk::Result::ERROR_VALIDATION_FAILED_EXT),
            "binding {binding} location {location}"
        );
        let errors = vk.take_softvk_errors();
        assert!(
            errors.len() == 1 && errors[0].contains(needle),
            "binding {binding} location {location}: {errors:?}"
        );
    }
    let pipe = with(1, 1).expect("divisor 1 needs no feature");
    unsafe {
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
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
    let color = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let depth = target(&vk, ds, vk::SampleCountFlags::TYPE_1);
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
    // Alpha to coverage (alpha 0.5: 2 of 4 samples) and, blended with SRC_ALPHA, alpha to
    // one (the source alpha becomes 1: opaque).
    let p3 = PipelineState {
        samples: s4,
        alpha_to_coverage: true,
        render_pass: Some((pass, 0)),
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let p4 = PipelineState {
        samples: s4,
        alpha_to_one: true,
        blend: vec![vk::PipelineColorBlendAttachmentState {
            blend_enable: vk::TRUE,
            src_color_blend_factor: vk::BlendFactor::SRC_ALPHA,
            dst_color_blend_factor: vk::BlendFactor::ONE_MINUS_SRC_ALPHA,
            ..gfx::no_blend()
        }],
        render_pass: Some((pass, 0)),
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let mut v = vec![
        ([-0.9, -0.8, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]),
        ([0.85, -0.3, 0.0, 1.0], [1.0, 0.5, 0.0, 1.0]),
        ([-0.3, 0.9, 0.0, 1.0], [0.0, 1.0, 0.5, 1.0]),
        ([0.9, 0.9, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]),
        ([-0.8, 0.2, 0.0, 1.0], [0.0, 0.0, 1.0, 1.0]),
        ([0.5, -0.9, 0.0, 1.0], [1.0, 0.0, 1.0, 1.0]),
    ];
    v.extend(quad(0.55, -0.95, 0.95, -0.55, 0.0, [0.0, 1.0, 1.0, 0.5]));
    v.extend(quad(-0.95, 0.55, -0.55, 0.95, 0.0, [1.0, 1.0, 0.0, 0.2]));
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let ms = target(&vk, vk::Format::R8G8B8A8_UNORM, s4);
    let resolved = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
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
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p3);
        vk.device.cmd_draw(cb, 6, 1, 6, 0);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p4);
        vk.device.cmd_draw(cb, 6, 1, 12, 0);
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
    // Alpha to coverage: the cyan quad (alpha 0.5) covers half of each pixel's samples; alpha
    // to one: the yellow quad (alpha 0.2) blends as opaque.
    let cyan = px(&img, W, 56, 5);
    assert!(
        cyan[0] < 5 && (120..=136).contains(&cyan[1]) && (120..=136).contains(&cyan[2]),
        "{cyan:?}"
    );
    assert_eq!(px(&img, W, 5, 58)[..3], [255, 255, 0]);
    unsafe {
        vk.device.destroy_framebuffer(fb, None);
        vk.device.destroy_render_pass(pass, None);
        for p in [p1, p2, p3, p4] {
            vk.device.destroy_pipeline(p, None);
        }
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
    let color = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
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

const VIEW_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_view_fs.spv");

/// Multiview dynamic rendering (viewMask 0b101): each view's draw lands in its layer with its
/// gl_ViewIndex; layer 1 (not in the mask) is untouched.
#[test]
fn multiview_draws_each_view_into_its_layer() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let pipe = PipelineState {
        view_mask: 0b101,
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(VIEW_FS));
    let vb = buffer_with(
        &vk,
        &vertices(&[
            ([-0.8, -0.8, 0.0, 1.0], [0.0, 0.2, 0.4, 1.0]),
            ([0.8, -0.8, 0.0, 1.0], [0.0, 0.9, 0.4, 1.0]),
            ([0.0, 0.8, 0.0, 1.0], [0.0, 0.5, 1.0, 1.0]),
        ]),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    let color = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        3,
        vk::ImageUsageFlags::empty(),
    );
    vk.run(|cb| unsafe {
        color.barrier(&vk, cb, L::UNDEFINED, L::TRANSFER_DST_OPTIMAL);
        vk.device.cmd_clear_color_image(
            cb,
            color.img.image,
            L::TRANSFER_DST_OPTIMAL,
            &vk::ClearColorValue {
                float32: [0.0, 0.0, 0.0, 0.0],
            },
            &[softvk_tests::full_range(vk::ImageAspectFlags::COLOR)],
        );
        color.barrier(
            &vk,
            cb,
            L::TRANSFER_DST_OPTIMAL,
            L::COLOR_ATTACHMENT_OPTIMAL,
        );
        let ca = [vk::RenderingAttachmentInfo::default()
            .image_view(color.view)
            .image_layout(L::COLOR_ATTACHMENT_OPTIMAL)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)
            .clear_value(vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: [0.1, 0.1, 0.1, 1.0],
                },
            })];
        vk.device.cmd_begin_rendering(
            cb,
            &vk::RenderingInfo::default()
                .render_area(vk::Rect2D {
                    offset: vk::Offset2D::default(),
                    extent: vk::Extent2D {
                        width: W,
                        height: H,
                    },
                })
                .view_mask(0b101)
                .color_attachments(&ca),
        );
        gfx::viewport_scissor(&vk, cb, W, H);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        bind_vb(&vk, cb, &vb);
        vk.device.cmd_draw(cb, 3, 1, 0, 0);
        end(&vk, cb, &color);
    });
    let l0 = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    let l1 = color.read(&vk, vk::ImageAspectFlags::COLOR, 1, 4);
    let l2 = color.read(&vk, vk::ImageAspectFlags::COLOR, 2, 4);
    gfx::check_reference("multiview_view0", W, H, &l0, 2, 8);
    gfx::check_reference("multiview_view2", W, H, &l2, 2, 8);
    assert!(l1.iter().all(|&b| b == 0), "layer 1 is not a view");
    // View 2 writes red 1.0 (2 * 0.5), view 0 red 0.
    assert_eq!(px(&l0, W, 32, 32)[0], 0);
    assert_eq!(px(&l2, W, 32, 32)[0], 255);
    unsafe {
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
}

/// Renders `record` into a fresh 64x64 RGBA8 target with the color pipeline bound and the
/// vertex buffer `vb` (and index buffer `ib`) bound; returns the image.
fn render_with(
    vk: &Vk,
    pipe: vk::Pipeline,
    vb: &Buf,
    ib: Option<&Buf>,
    record: impl FnOnce(vk::CommandBuffer),
) -> Vec<u8> {
    let color = attachment(
        vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    vk.run(|cb| unsafe {
        begin(vk, cb, &color, [0.0, 0.0, 0.0, 1.0], None);
        vk.device
            .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        bind_vb(vk, cb, vb);
        if let Some(ib) = ib {
            vk.device
                .cmd_bind_index_buffer(cb, ib.buffer, 0, vk::IndexType::UINT32);
        }
        record(cb);
        end(vk, cb, &color);
    });
    let img = color.read(vk, vk::ImageAspectFlags::COLOR, 0, 4);
    color.destroy(vk);
    img
}

/// Four small triangles in a row, each its own color.
fn four_triangles() -> Vec<([f32; 4], [f32; 4])> {
    let mut v = Vec::new();
    for k in 0..4 {
        let x = -0.9 + 0.45 * k as f32;
        let c = [0.25 * (k + 1) as f32, 0.5, 1.0 - 0.2 * k as f32, 1.0];
        v.push(([x, -0.5, 0.0, 1.0], c));
        v.push(([x + 0.4, -0.5, 0.0, 1.0], c));
        v.push(([x + 0.2, 0.5, 0.0, 1.0], c));
    }
    v
}

/// vkCmdDrawIndirect, vkCmdDrawIndexedIndirect and their Count forms draw exactly what the
/// direct draws with the same parameters draw (strides larger than the commands, a count
/// buffer below maxDrawCount, a zero-instance command skipped).
#[test]
fn indirect_draws_match_direct_draws() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let pipe = PipelineState::default().build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let vb = buffer_with(
        &vk,
        &vertices(&four_triangles()),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    // Indices: the triangles in reverse order.
    let idx: Vec<u32> = (0..4)
        .rev()
        .flat_map(|t| [3 * t, 3 * t + 1, 3 * t + 2])
        .collect();
    let ib = buffer_with(&vk, &u32_bytes(&idx), vk::BufferUsageFlags::INDEX_BUFFER);
    let words = u32_bytes;
    // Draw commands 24 bytes apart: triangles 0, (none: 0 instances), 2, 3.
    let mut cmds = Vec::new();
    for (first, inst) in [(0u32, 1u32), (3, 0), (6, 1), (9, 1)] {
        cmds.extend(words(&[3, inst, first, 0, 0xdead, 0xbeef]));
    }
    // Indexed commands 20 bytes apart: index ranges 0..3 (triangle 3) and 6..12 (1 and 0).
    let mut icmds = words(&[3, 1, 0, 0, 0]);
    icmds.extend(words(&[6, 1, 6, 0, 0]));
    let ind = buffer_with(
        &vk,
        &[cmds, icmds].concat(),
        vk::BufferUsageFlags::INDIRECT_BUFFER,
    );
    let count = buffer_with(
        &vk,
        &words(&[0, 3, 1]),
        vk::BufferUsageFlags::INDIRECT_BUFFER,
    );
    let d = &vk.device;
    let direct = render_with(&vk, pipe, &vb, None, |cb| unsafe {
        d.cmd_draw(cb, 3, 1, 0, 0);
        d.cmd_draw(cb, 6, 1, 6, 0);
    });
    let indirect = render_with(&vk, pipe, &vb, None, |cb| unsafe {
        d.cmd_draw_indirect(cb, ind.buffer, 0, 4, 24);
    });
    assert_eq!(direct, indirect, "vkCmdDrawIndirect");
    // Count 3 of at most 4: the last command (triangle 3) is not drawn.
    let direct3 = render_with(&vk, pipe, &vb, None, |cb| unsafe {
        d.cmd_draw(cb, 3, 1, 0, 0);
        d.cmd_draw(cb, 3, 1, 6, 0);
    });
    let counted = render_with(&vk, pipe, &vb, None, |cb| unsafe {
        d.cmd_draw_indirect_count(cb, ind.buffer, 0, count.buffer, 4, 4, 24);
    });
    assert_eq!(direct3, counted, "vkCmdDrawIndirectCount");
    let direct_indexed = render_with(&vk, pipe, &vb, Some(&ib), |cb| unsafe {
        d.cmd_draw_indexed(cb, 3, 1, 0, 0, 0);
        d.cmd_draw_indexed(cb, 6, 1, 6, 0, 0);
    });
    let indexed = render_with(&vk, pipe, &vb, Some(&ib), |cb| unsafe {
        d.cmd_draw_indexed_indirect(cb, ind.buffer, 96, 2, 20);
    });
    assert_eq!(direct_indexed, indexed, "vkCmdDrawIndexedIndirect");
    // firstIndex picks the indices: 0..3 and 6..12 of the reversed list are triangles 3, 1, 0
    // (which do not overlap, so the order does not matter).
    let same_triangles = render_with(&vk, pipe, &vb, None, |cb| unsafe {
        d.cmd_draw(cb, 6, 1, 0, 0);
        d.cmd_draw(cb, 3, 1, 9, 0);
    });
    assert_eq!(direct_indexed, same_triangles, "indices from firstIndex");
    // Count 1 (at offset 8): only the first indexed command.
    let direct_first = render_with(&vk, pipe, &vb, Some(&ib), |cb| unsafe {
        d.cmd_draw_indexed(cb, 3, 1, 0, 0, 0);
    });
    let indexed_counted = render_with(&vk, pipe, &vb, Some(&ib), |cb| unsafe {
        d.cmd_draw_indexed_indirect_count(cb, ind.buffer, 96, count.buffer, 8, 2, 20);
    });
    assert_eq!(
        direct_first, indexed_counted,
        "vkCmdDrawIndexedIndirectCount"
    );
    assert_ne!(direct_first, direct_indexed, "the cases differ");
    unsafe {
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    for b in [vb, ib, ind, count] {
        vk.destroy_buffer(b);
    }
}

/// Every dynamic state of Vulkan 1.3 set by vkCmdSet* gives the same image as the same values
/// baked into a pipeline; changing a dynamic value between draws changes the result.
#[test]
fn dynamic_state_matches_static_state() {
    use vk::DynamicState as D;
    let vk = Vk::new();
    let ds = depth_stencil_format(&vk);
    let layout = gfx::layout(&vk, &[], 0);
    let face = vk::StencilOpState {
        fail_op: vk::StencilOp::KEEP,
        pass_op: vk::StencilOp::INCREMENT_AND_CLAMP,
        depth_fail_op: vk::StencilOp::KEEP,
        compare_op: vk::CompareOp::GREATER_OR_EQUAL,
        compare_mask: 0x0f,
        write_mask: 0xff,
        reference: 7,
    };
    let mut fixed = PipelineState {
        topology: vk::PrimitiveTopology::TRIANGLE_STRIP,
        depth_format: ds,
        stencil_format: ds,
        blend_constants: [0.3, 0.6, 0.9, 0.5],
        ..Default::default()
    };
    fixed.blend[0] = vk::PipelineColorBlendAttachmentState {
        blend_enable: vk::TRUE,
        src_color_blend_factor: vk::BlendFactor::CONSTANT_COLOR,
        dst_color_blend_factor: vk::BlendFactor::ONE,
        ..gfx::no_blend()
    };
    fixed.raster = fixed
        .raster
        .cull_mode(vk::CullModeFlags::BACK)
        .front_face(vk::FrontFace::CLOCKWISE)
        .depth_bias_enable(true)
        .depth_bias_constant_factor(2000.0)
        .depth_bias_slope_factor(0.5);
    fixed.depth_stencil = fixed
        .depth_stencil
        .depth_test_enable(true)
        .depth_write_enable(true)
        .depth_compare_op(vk::CompareOp::LESS_OR_EQUAL)
        .stencil_test_enable(true)
        .front(face)
        .back(face);
    fixed.viewport = vk::Viewport {
        x: 4.0,
        y: 2.0,
        width: 56.0,
        height: 60.0,
        min_depth: 0.0,
        max_depth: 1.0,
    };
    fixed.scissor = vk::Rect2D {
        offset: vk::Offset2D { x: 2, y: 6 },
        extent: vk::Extent2D {
            width: 58,
            height: 50,
        },
    };
    fixed.dynamic = vec![];
    let mut dynamic = PipelineState {
        topology: vk::PrimitiveTopology::TRIANGLE_LIST,
        ..PipelineState::default()
    };
    dynamic.depth_format = ds;
    dynamic.stencil_format = ds;
    dynamic.blend = fixed.blend.clone();
    dynamic.dynamic = vec![
        D::VIEWPORT_WITH_COUNT,
        D::SCISSOR_WITH_COUNT,
        D::LINE_WIDTH,
        D::DEPTH_BIAS,
        D::BLEND_CONSTANTS,
        D::DEPTH_BOUNDS,
        D::STENCIL_COMPARE_MASK,
        D::STENCIL_WRITE_MASK,
        D::STENCIL_REFERENCE,
        D::CULL_MODE,
        D::FRONT_FACE,
        D::PRIMITIVE_TOPOLOGY,
        D::DEPTH_TEST_ENABLE,
        D::DEPTH_WRITE_ENABLE,
        D::DEPTH_COMPARE_OP,
        D::DEPTH_BOUNDS_TEST_ENABLE,
        D::STENCIL_TEST_ENABLE,
        D::STENCIL_OP,
        D::RASTERIZER_DISCARD_ENABLE,
        D::DEPTH_BIAS_ENABLE,
        D::PRIMITIVE_RESTART_ENABLE,
    ];
    let p_fixed = fixed.build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let p_dyn = dynamic.build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    // The fixed state with other blend constants and no culling.
    let (constants, raster) = (fixed.blend_constants, fixed.raster);
    fixed.blend_constants = [0.9, 0.1, 0.4, 0.5];
    fixed.raster = fixed.raster.cull_mode(vk::CullModeFlags::NONE);
    let p_other = fixed.build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    (fixed.blend_constants, fixed.raster) = (constants, raster);
    // A strip of 6 vertices in both windings and depths; a second one overlapping.
    let mut v = Vec::new();
    for k in 0..6 {
        let x = -0.9 + 0.35 * k as f32;
        let y = if k % 2 == 0 { -0.6 } else { 0.5 };
        v.push((
            [x, y, 0.2 + 0.1 * k as f32, 1.0],
            [0.1 * k as f32, 0.2, 0.3, 1.0],
        ));
    }
    for k in 0..6 {
        let x = -0.7 + 0.3 * k as f32;
        let y = if k % 2 == 0 { 0.7 } else { -0.3 };
        v.push(([x, y, 0.4, 1.0], [0.2, 0.1 * k as f32, 0.1, 1.0]));
    }
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let color = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let depth = target(&vk, ds, vk::SampleCountFlags::TYPE_1);
    // `between` runs between the two draws.
    type Cmds<'a> = &'a dyn Fn(vk::CommandBuffer);
    let run = |pipe: vk::Pipeline, set: Cmds, between: Cmds| -> (Vec<u8>, Vec<u8>) {
        vk.run(|cb| unsafe {
            color.barrier(&vk, cb, L::UNDEFINED, L::COLOR_ATTACHMENT_OPTIMAL);
            depth.barrier(&vk, cb, L::UNDEFINED, L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL);
            let ca = [vk::RenderingAttachmentInfo::default()
                .image_view(color.view)
                .image_layout(L::COLOR_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)];
            let da = vk::RenderingAttachmentInfo::default()
                .image_view(depth.view)
                .image_layout(L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(vk::ClearValue {
                    depth_stencil: vk::ClearDepthStencilValue {
                        depth: 0.8,
                        stencil: 5,
                    },
                });
            vk.device.cmd_begin_rendering(
                cb,
                &vk::RenderingInfo::default()
                    .render_area(vk::Rect2D {
                        offset: vk::Offset2D::default(),
                        extent: vk::Extent2D {
                            width: W,
                            height: H,
                        },
                    })
                    .layer_count(1)
                    .color_attachments(&ca)
                    .depth_attachment(&da)
                    .stencil_attachment(&da),
            );
            vk.device
                .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            set(cb);
            bind_vb(&vk, cb, &vb);
            vk.device.cmd_draw(cb, 6, 1, 0, 0);
            between(cb);
            vk.device.cmd_draw(cb, 6, 1, 6, 0);
            vk.device.cmd_end_rendering(cb);
            color.barrier(
                &vk,
                cb,
                L::COLOR_ATTACHMENT_OPTIMAL,
                L::TRANSFER_SRC_OPTIMAL,
            );
            depth.barrier(
                &vk,
                cb,
                L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
                L::TRANSFER_SRC_OPTIMAL,
            );
        });
        let mut d = depth.read(&vk, vk::ImageAspectFlags::STENCIL, 0, 1);
        d.extend(color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4));
        (color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4), d)
    };
    let d = &vk.device;
    let set_all = |cull: vk::CullModeFlags| {
        move |cb: vk::CommandBuffer| unsafe {
            d.cmd_set_viewport_with_count(cb, &[fixed.viewport]);
            d.cmd_set_scissor_with_count(cb, &[fixed.scissor]);
            d.cmd_set_line_width(cb, 1.0);
            d.cmd_set_depth_bias(cb, 2000.0, 0.0, 0.5);
            d.cmd_set_blend_constants(cb, &[0.3, 0.6, 0.9, 0.5]);
            d.cmd_set_depth_bounds(cb, 0.0, 1.0);
            d.cmd_set_stencil_compare_mask(cb, vk::StencilFaceFlags::FRONT_AND_BACK, 0x0f);
            d.cmd_set_stencil_write_mask(cb, vk::StencilFaceFlags::FRONT_AND_BACK, 0xff);
            d.cmd_set_stencil_reference(cb, vk::StencilFaceFlags::FRONT_AND_BACK, 7);
            d.cmd_set_cull_mode(cb, cull);
            d.cmd_set_front_face(cb, vk::FrontFace::CLOCKWISE);
            d.cmd_set_primitive_topology(cb, vk::PrimitiveTopology::TRIANGLE_STRIP);
            d.cmd_set_depth_test_enable(cb, true);
            d.cmd_set_depth_write_enable(cb, true);
            d.cmd_set_depth_compare_op(cb, vk::CompareOp::LESS_OR_EQUAL);
            d.cmd_set_depth_bounds_test_enable(cb, false);
            d.cmd_set_stencil_test_enable(cb, true);
            d.cmd_set_stencil_op(
                cb,
                vk::StencilFaceFlags::FRONT_AND_BACK,
                vk::StencilOp::KEEP,
                vk::StencilOp::INCREMENT_AND_CLAMP,
                vk::StencilOp::KEEP,
                vk::CompareOp::GREATER_OR_EQUAL,
            );
            d.cmd_set_rasterizer_discard_enable(cb, false);
            d.cmd_set_depth_bias_enable(cb, true);
            d.cmd_set_primitive_restart_enable(cb, false);
        }
    };
    let (c_fixed, s_fixed) = run(p_fixed, &|_| {}, &|_| {});
    let (c_dyn, s_dyn) = run(p_dyn, &set_all(vk::CullModeFlags::BACK), &|_| {});
    assert!(
        c_fixed.iter().filter(|&&b| b != 0).count() > 400,
        "something was drawn"
    );
    assert_eq!(c_fixed, c_dyn, "color: dynamic state = static state");
    assert_eq!(s_fixed, s_dyn, "stencil: dynamic state = static state");
    // Values changed between two draws of one rendering reach the second draw only: the
    // same image as binding a pipeline with those values baked in between them.
    let (c_switch, s_switch) = run(p_fixed, &|_| {}, &|cb| unsafe {
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p_other)
    });
    let (c_between, s_between) = run(p_dyn, &set_all(vk::CullModeFlags::BACK), &|cb| unsafe {
        d.cmd_set_blend_constants(cb, &[0.9, 0.1, 0.4, 0.5]);
        d.cmd_set_cull_mode(cb, vk::CullModeFlags::NONE);
    });
    assert_ne!(c_switch, c_fixed, "the second pipeline draws differently");
    assert_eq!(c_between, c_switch, "color: values set between draws");
    assert_eq!(s_between, s_switch, "stencil: values set between draws");
    let (c_front, _) = run(p_dyn, &set_all(vk::CullModeFlags::FRONT), &|_| {});
    assert_ne!(
        c_front, c_dyn,
        "a different cull mode draws other triangles"
    );
    let (c_discard, _) = run(
        p_dyn,
        &|cb| unsafe {
            set_all(vk::CullModeFlags::NONE)(cb);
            d.cmd_set_rasterizer_discard_enable(cb, true);
        },
        &|_| {},
    );
    assert!(
        c_discard.iter().all(|&b| b == 0),
        "rasterizer discard draws nothing"
    );
    unsafe {
        vk.device.destroy_pipeline(p_fixed, None);
        vk.device.destroy_pipeline(p_other, None);
        vk.device.destroy_pipeline(p_dyn, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
    depth.destroy(&vk);
}

/// The images of every reference test are the same bytes with SOFTVK_THREADS=1 and with the
/// default pool: the test binary runs again in children and the image hashes are compared.
#[test]
fn images_do_not_depend_on_the_thread_count() {
    if std::env::var_os("VK_DRIVER_FILES").is_some_and(|v| !v.to_string_lossy().contains("softvk"))
    {
        return; // another driver (blessing references): nothing of ours to compare
    }
    let hashes = |threads: Option<&str>| -> Vec<String> {
        let mut c = std::process::Command::new(std::env::current_exe().unwrap());
        c.args([
            "--skip",
            "images_do_not_depend_on_the_thread_count",
            "--nocapture",
            "--test-threads",
            "1",
        ]);
        if let Some(t) = threads {
            c.env("SOFTVK_THREADS", t);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut h: Vec<String> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains(", hash "))
            .map(|l| l.to_string())
            .collect();
        h.sort();
        h
    };
    let one = hashes(Some("1"));
    let pool = hashes(None);
    assert!(one.len() >= 8, "{one:?}");
    assert_eq!(one, pool);
}

const TWO_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_two_fs.spv");
const DUAL_FS: &[u8] = include_bytes!("../../shaders/tests/draw_dual_fs.spv");

/// Sets the viewport and scissor to horizontal band `k` of `n` of a W x H target.
fn band(vk: &Vk, cb: vk::CommandBuffer, k: u32, n: u32) {
    let h = H / n;
    unsafe {
        vk.device.cmd_set_viewport(
            cb,
            0,
            &[vk::Viewport {
                x: 0.0,
                y: (k * h) as f32,
                width: W as f32,
                height: h as f32,
                min_depth: 0.0,
                max_depth: 1.0,
            }],
        );
        vk.device.cmd_set_scissor(
            cb,
            0,
            &[vk::Rect2D {
                offset: vk::Offset2D {
                    x: 0,
                    y: (k * h) as i32,
                },
                extent: vk::Extent2D {
                    width: W,
                    height: h,
                },
            }],
        );
    }
}

/// depthClamp, depthBiasClamp and depthBounds, one band each, against lavapipe's image:
/// a triangle reaching z = -0.5 and 1.5 kept by clamping; coplanar quads pushed in front of
/// and behind a drawn one by a clamped and an unclamped bias; a quad drawn only where the
/// stored depth lies within the bounds.
#[test]
fn optional_depth_features_match_the_reference() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let depth_state = |st: &mut PipelineState, op, write| {
        st.depth_format = vk::Format::D32_SFLOAT;
        st.depth_stencil = st
            .depth_stencil
            .depth_test_enable(true)
            .depth_write_enable(write)
            .depth_compare_op(op);
    };
    let mut plain = PipelineState::default();
    depth_state(&mut plain, vk::CompareOp::LESS, true);
    let mut clamp = PipelineState::default();
    depth_state(&mut clamp, vk::CompareOp::LESS, true);
    clamp.raster = clamp.raster.depth_clamp_enable(true);
    let mut bias = PipelineState::default();
    depth_state(&mut bias, vk::CompareOp::LESS, false);
    bias.raster = bias.raster.depth_bias_enable(true);
    bias.dynamic.push(vk::DynamicState::DEPTH_BIAS);
    let mut bounds = PipelineState::default();
    depth_state(&mut bounds, vk::CompareOp::ALWAYS, false);
    bounds.depth_stencil = bounds
        .depth_stencil
        .depth_bounds_test_enable(true)
        .min_depth_bounds(0.3)
        .max_depth_bounds(0.6);
    let bounds_supported =
        unsafe { vk.instance.get_physical_device_features(vk.physical) }.depth_bounds == vk::TRUE;
    let states: &[&PipelineState] = if bounds_supported {
        &[&plain, &clamp, &bias, &bounds]
    } else {
        &[&plain, &clamp, &bias]
    };
    let pipes: Vec<vk::Pipeline> = states
        .iter()
        .map(|s| s.build(&vk, layout, COLOR_VS, Some(COLOR_FS)))
        .collect();
    let mut v = Vec::new();
    // 0..3: a triangle from z = -0.5 to z = 1.5.
    v.extend([
        ([-0.9, -0.8, -0.5, 1.0], [1.0, 0.5, 0.0, 1.0]),
        ([0.9, -0.8, 1.5, 1.0], [0.0, 0.5, 1.0, 1.0]),
        ([0.0, 0.9, 0.5, 1.0], [0.5, 1.0, 0.5, 1.0]),
    ]);
    // 3..9: the left part at z 0.5; 9..15: a coplanar quad across.
    v.extend(quad(-1.0, -1.0, 0.3, 1.0, 0.5, [1.0, 0.0, 0.0, 1.0]));
    v.extend(quad(-0.9, -0.6, 0.9, 0.6, 0.5, [0.0, 1.0, 0.0, 1.0]));
    // 15..21: a depth ramp from 0 to 1 (left to right); 21..27: a cover quad.
    v.extend([
        ([-1.0, -1.0, 0.0, 1.0], [0.2, 0.2, 0.2, 1.0]),
        ([1.0, -1.0, 1.0, 1.0], [0.2, 0.2, 0.2, 1.0]),
        ([1.0, 1.0, 1.0, 1.0], [0.2, 0.2, 0.2, 1.0]),
        ([-1.0, -1.0, 0.0, 1.0], [0.2, 0.2, 0.2, 1.0]),
        ([1.0, 1.0, 1.0, 1.0], [0.2, 0.2, 0.2, 1.0]),
        ([-1.0, 1.0, 0.0, 1.0], [0.2, 0.2, 0.2, 1.0]),
    ]);
    v.extend(quad(-1.0, -1.0, 1.0, 1.0, 0.9, [1.0, 1.0, 0.0, 1.0]));
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let color = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let depth = target(&vk, vk::Format::D32_SFLOAT, vk::SampleCountFlags::TYPE_1);
    vk.run(|cb| unsafe {
        let d = &vk.device;
        begin(&vk, cb, &color, [0.0, 0.0, 0.0, 1.0], Some(&depth));
        bind_vb(&vk, cb, &vb);
        let bind = |p| d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p);
        // Band 0: without clamping (clipped at z = 0 and 1) on the left half of the band,
        // then with it.
        band(&vk, cb, 0, 4);
        bind(pipes[1]);
        d.cmd_draw(cb, 3, 1, 0, 0);
        band(&vk, cb, 1, 4);
        bind(pipes[0]);
        d.cmd_draw(cb, 3, 1, 0, 0);
        // Band 2: a red quad writes z 0.5; the green coplanar quad passes LESS only with a
        // negative bias, clamped to -1e-6 (still in front).
        band(&vk, cb, 2, 4);
        bind(pipes[0]);
        d.cmd_draw(cb, 6, 1, 3, 0);
        bind(pipes[2]);
        d.cmd_set_depth_bias(cb, -1000.0, -1e-6, 0.0);
        d.cmd_draw(cb, 6, 1, 9, 0);
        // Band 3: a depth ramp, then a yellow quad within the depth bounds only (a device
        // without depthBounds, such as lavapipe making the reference, skips it).
        if bounds_supported {
            band(&vk, cb, 3, 4);
            bind(pipes[0]);
            d.cmd_draw(cb, 6, 1, 15, 0);
            bind(pipes[3]);
            d.cmd_draw(cb, 6, 1, 21, 0);
        }
        d.cmd_end_rendering(cb);
        color.barrier(
            &vk,
            cb,
            L::COLOR_ATTACHMENT_OPTIMAL,
            L::TRANSFER_SRC_OPTIMAL,
        );
    });
    let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    // Bands 0-2 against lavapipe; band 3 (lavapipe has no depthBounds) against the ramp's
    // depth at each pixel center, x / 64 + 1 / 128: yellow exactly where it is in
    // [0.3, 0.6] (pixels within a step of a bound may go either way).
    gfx::check_reference_rows("depth_features", W, H, &img, 0..48, 2, 12);
    if bounds_supported {
        for y in 48..64 {
            for x in 0..W {
                let z = (x as f32 + 0.5) / 64.0;
                let yellow = px(&img, W, x, y) == [255, 255, 0, 255];
                if (z - 0.3).abs() > 0.02 && (z - 0.6).abs() > 0.02 {
                    assert_eq!(yellow, (0.3..=0.6).contains(&z), "({x}, {y}) at depth {z}");
                }
            }
        }
    }
    unsafe {
        for p in pipes {
            vk.device.destroy_pipeline(p, None);
        }
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
    depth.destroy(&vk);
}

/// VK_EXT_extended_dynamic_state2's logic op: a pipeline whose logic op is dynamic draws,
/// after vkCmdSetLogicOpEXT, what pipelines with that op built in draw (XOR, then AND over
/// it; the two differ, so the op set is the one used); the enable stays the pipeline's.
#[test]
fn dynamic_logic_op_matches_static_logic_op() {
    let vk = Vk::with(softvk_tests::Options {
        device_extensions: vec![ash::ext::extended_dynamic_state2::NAME],
        ..Default::default()
    });
    let mut eds2 = vk::PhysicalDeviceExtendedDynamicState2FeaturesEXT::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut eds2);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2)
    };
    assert_eq!(eds2.extended_dynamic_state2, vk::TRUE);
    assert_eq!(eds2.extended_dynamic_state2_logic_op, vk::TRUE);
    assert_eq!(eds2.extended_dynamic_state2_patch_control_points, vk::FALSE);
    let eds2_dev = ash::ext::extended_dynamic_state2::Device::new(&vk.instance, &vk.device);
    let layout = gfx::layout(&vk, &[], 0);
    let with_op = |op: vk::LogicOp, dynamic: bool| {
        let mut st = PipelineState {
            logic_op: Some(op),
            ..Default::default()
        };
        if dynamic {
            st.dynamic.push(vk::DynamicState::LOGIC_OP_EXT);
        }
        st.build(&vk, layout, COLOR_VS, Some(COLOR_FS))
    };
    let (xor, and) = (
        with_op(vk::LogicOp::XOR, false),
        with_op(vk::LogicOp::AND, false),
    );
    // Built with COPY: the dynamic value must replace it.
    let dynamic = with_op(vk::LogicOp::COPY, true);
    let background = PipelineState::default().build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let v = vertices(&[
        ([-1.0, -1.0, 0.5, 1.0], [0.8, 0.4, 0.2, 1.0]),
        ([3.0, -1.0, 0.5, 1.0], [0.8, 0.4, 0.2, 1.0]),
        ([-1.0, 3.0, 0.5, 1.0], [0.8, 0.4, 0.2, 1.0]),
        ([-0.8, -0.9, 0.5, 1.0], [0.1, 0.9, 0.6, 1.0]),
        ([0.9, -0.2, 0.5, 1.0], [0.3, 0.2, 0.7, 1.0]),
        ([-0.1, 0.9, 0.5, 1.0], [0.7, 0.5, 0.1, 1.0]),
    ]);
    let vb = buffer_with(&vk, &v, vk::BufferUsageFlags::VERTEX_BUFFER);
    let color = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    // The background, then the triangle through `pipe` (after `set`).
    let draw = |pipe: vk::Pipeline, set: &dyn Fn(vk::CommandBuffer)| -> Vec<u8> {
        vk.run(|cb| unsafe {
            begin(&vk, cb, &color, [0.0, 0.0, 0.0, 1.0], None);
            bind_vb(&vk, cb, &vb);
            vk.device
                .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, background);
            vk.device.cmd_draw(cb, 3, 1, 0, 0);
            vk.device
                .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            set(cb);
            vk.device.cmd_draw(cb, 3, 1, 3, 0);
            vk.device.cmd_end_rendering(cb);
            color.barrier(
                &vk,
                cb,
                L::COLOR_ATTACHMENT_OPTIMAL,
                L::TRANSFER_SRC_OPTIMAL,
            );
        });
        color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4)
    };
    let none = |_: vk::CommandBuffer| {};
    let want_xor = draw(xor, &none);
    let want_and = draw(and, &none);
    assert!(want_xor != want_and, "XOR and AND draw differently");
    let got_xor = draw(dynamic, &|cb| unsafe {
        eds2_dev.cmd_set_logic_op(cb, vk::LogicOp::XOR)
    });
    let got_and = draw(dynamic, &|cb| unsafe {
        eds2_dev.cmd_set_logic_op(cb, vk::LogicOp::AND)
    });
    assert!(
        got_xor == want_xor,
        "the dynamic XOR draws the static XOR's bytes"
    );
    assert!(
        got_and == want_and,
        "the dynamic AND draws the static AND's bytes"
    );
    // The extension's patch-control-point state has no feature here: refused cleanly
    // (recording fails with a message; checked without the validation layer, which would
    // report the misuse first).
    let bare = Vk::with(softvk_tests::Options {
        validation: false,
        device_extensions: vec![ash::ext::extended_dynamic_state2::NAME],
        ..Default::default()
    });
    let bare_eds2 = ash::ext::extended_dynamic_state2::Device::new(&bare.instance, &bare.device);
    let cb = bare.command_buffer(vk::CommandBufferLevel::PRIMARY);
    unsafe {
        bare.device
            .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        bare_eds2.cmd_set_patch_control_points(cb, 3);
        assert_eq!(
            bare.device.end_command_buffer(cb),
            Err(vk::Result::ERROR_VALIDATION_FAILED_EXT)
        );
    }
    let errors = bare.take_softvk_errors();
    // The command's message, then vkEndCommandBuffer's.
    assert!(
        errors.len() == 2
            && errors[0].starts_with("vkCmdSetPatchControlPointsEXT")
            && errors
                .iter()
                .all(|e| e.contains("extendedDynamicState2PatchControlPoints")),
        "{errors:?}"
    );
    unsafe {
        for p in [xor, and, dynamic, background] {
            vk.device.destroy_pipeline(p, None);
        }
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
}

/// logicOp (XOR), dualSrcBlend (SRC1_COLOR factors) and independentBlend (two attachments,
/// each its own blend state) against lavapipe's images of both attachments.
#[test]
fn optional_blend_features_match_the_reference() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let two = vec![vk::Format::R8G8B8A8_UNORM; 2];
    let background = PipelineState {
        color_formats: two.clone(),
        blend: vec![gfx::no_blend(); 2],
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(TWO_FS));
    let background1 = PipelineState::default().build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let logic = PipelineState {
        color_formats: two.clone(),
        blend: vec![gfx::no_blend(); 2],
        logic_op: Some(vk::LogicOp::XOR),
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(TWO_FS));
    let dual_blend = vk::PipelineColorBlendAttachmentState {
        blend_enable: vk::TRUE,
        src_color_blend_factor: vk::BlendFactor::SRC1_COLOR,
        dst_color_blend_factor: vk::BlendFactor::ONE_MINUS_SRC1_ALPHA,
        src_alpha_blend_factor: vk::BlendFactor::ONE,
        dst_alpha_blend_factor: vk::BlendFactor::ZERO,
        ..gfx::no_blend()
    };
    // Dual-source blending: one attachment (maxFragmentDualSrcAttachments is 1).
    let dual = PipelineState {
        blend: vec![dual_blend],
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(DUAL_FS));
    let add = vk::PipelineColorBlendAttachmentState {
        blend_enable: vk::TRUE,
        dst_color_blend_factor: vk::BlendFactor::ONE,
        ..gfx::no_blend()
    };
    let sub = vk::PipelineColorBlendAttachmentState {
        blend_enable: vk::TRUE,
        color_blend_op: vk::BlendOp::REVERSE_SUBTRACT,
        dst_color_blend_factor: vk::BlendFactor::ONE,
        src_color_blend_factor: vk::BlendFactor::SRC_ALPHA,
        ..gfx::no_blend()
    };
    let independent = PipelineState {
        color_formats: two.clone(),
        blend: vec![add, sub],
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(TWO_FS));
    let mut v = quad(-1.0, -1.0, 1.0, 1.0, 0.0, [0.6, 0.3, 0.8, 0.5]);
    v.extend(quad(-0.8, -0.9, 0.8, -0.4, 0.0, [0.25, 0.75, 0.5, 0.4]));
    v.extend(quad(-0.8, -0.3, 0.8, 0.2, 0.0, [0.7, 0.2, 0.4, 0.6]));
    v.extend(quad(-0.8, 0.3, 0.8, 0.9, 0.0, [0.3, 0.3, 0.3, 0.5]));
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let c0 = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let c1 = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let dual_target = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let rendering = |cb, atts: &[&Attachment], f: &dyn Fn()| unsafe {
        let ca: Vec<vk::RenderingAttachmentInfo> = atts
            .iter()
            .map(|a| {
                a.barrier(&vk, cb, L::UNDEFINED, L::COLOR_ATTACHMENT_OPTIMAL);
                vk::RenderingAttachmentInfo::default()
                    .image_view(a.view)
                    .image_layout(L::COLOR_ATTACHMENT_OPTIMAL)
                    .load_op(vk::AttachmentLoadOp::CLEAR)
                    .store_op(vk::AttachmentStoreOp::STORE)
            })
            .collect();
        vk.device.cmd_begin_rendering(
            cb,
            &vk::RenderingInfo::default()
                .render_area(vk::Rect2D {
                    offset: vk::Offset2D::default(),
                    extent: vk::Extent2D {
                        width: W,
                        height: H,
                    },
                })
                .layer_count(1)
                .color_attachments(&ca),
        );
        gfx::viewport_scissor(&vk, cb, W, H);
        bind_vb(&vk, cb, &vb);
        f();
        vk.device.cmd_end_rendering(cb);
        for a in atts {
            a.barrier(
                &vk,
                cb,
                L::COLOR_ATTACHMENT_OPTIMAL,
                L::TRANSFER_SRC_OPTIMAL,
            );
        }
    };
    vk.run(|cb| unsafe {
        let d = &vk.device;
        let bind = |p| d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p);
        rendering(cb, &[&c0, &c1], &|| {
            bind(background);
            d.cmd_draw(cb, 6, 1, 0, 0);
            bind(logic);
            d.cmd_draw(cb, 6, 1, 6, 0);
            bind(independent);
            d.cmd_draw(cb, 6, 1, 12, 0);
        });
        rendering(cb, &[&dual_target], &|| {
            bind(background1);
            d.cmd_draw(cb, 6, 1, 0, 0);
            bind(dual);
            d.cmd_draw(cb, 12, 1, 6, 0);
        });
    });
    for (name, a) in [
        ("blend_features_0", &c0),
        ("blend_features_1", &c1),
        ("dual_source", &dual_target),
    ] {
        let img = a.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
        gfx::check_reference(name, W, H, &img, 2, 0);
    }
    unsafe {
        for p in [background, background1, logic, dual, independent] {
            vk.device.destroy_pipeline(p, None);
        }
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    for a in [c0, c1, dual_target] {
        a.destroy(&vk);
    }
}

/// Occlusion queries count exactly the samples that pass: a 16x8-pixel rectangle (128 samples,
/// PRECISE or not), the part of a second rectangle in front of the first (depth test), none
/// for a rectangle fully behind, and 4 per pixel at 4x.
#[test]
fn occlusion_queries_count_the_samples_that_pass() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let st = depth_tested(PipelineState::default(), vk::CompareOp::LESS);
    let pipe = st.build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    // Pixel-aligned rectangles (NDC step 1/32 per pixel of 64): 16x8 at (8, 8); 16x8 at
    // (16, 8) nearer (half overlaps); 8x8 at (8, 8) farther (fully hidden).
    let r = |x: f32, y: f32, w: f32, h: f32, z: f32| {
        let n = |p: f32| p / 32.0 - 1.0;
        quad(n(x), n(y), n(x + w), n(y + h), z, [1.0, 1.0, 1.0, 1.0])
    };
    let mut v = r(8.0, 8.0, 16.0, 8.0, 0.5);
    v.extend(r(16.0, 8.0, 16.0, 8.0, 0.25));
    v.extend(r(8.0, 8.0, 8.0, 8.0, 0.75));
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let pool = occlusion_pool(&vk, 4);
    let color = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let depth = target(&vk, vk::Format::D32_SFLOAT, vk::SampleCountFlags::TYPE_1);
    vk.run(|cb| unsafe {
        let d = &vk.device;
        d.cmd_reset_query_pool(cb, pool, 0, 4);
        begin(&vk, cb, &color, [0.0; 4], Some(&depth));
        bind_vb(&vk, cb, &vb);
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        for (q, first) in [(0u32, 0u32), (1, 6), (2, 12)] {
            let flags = if q == 0 {
                vk::QueryControlFlags::PRECISE
            } else {
                vk::QueryControlFlags::empty()
            };
            d.cmd_begin_query(cb, pool, q, flags);
            d.cmd_draw(cb, 6, 1, first, 0);
            d.cmd_end_query(cb, pool, q);
        }
        // An empty query.
        d.cmd_begin_query(cb, pool, 3, vk::QueryControlFlags::empty());
        d.cmd_end_query(cb, pool, 3);
        end(&vk, cb, &color);
    });
    let results: [u64; 4] = query_results(&vk, pool);
    assert_eq!(results, [128, 128, 0, 0]);
    unsafe {
        vk.device.destroy_query_pool(pool, None);
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
    depth.destroy(&vk);
}

/// Indices are full 32-bit values (fullDrawIndexUint32): an index of 2^24 + k with a
/// vertexOffset of -2^24 reaches vertex k, and firstInstance reaches gl_InstanceIndex through
/// an indirect draw (drawIndirectFirstInstance).
#[test]
fn full_32_bit_indices_and_indirect_first_instance() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 4);
    let pipe = PipelineState::default().build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let vb = buffer_with(
        &vk,
        &vertices(&four_triangles()),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    let big: Vec<u32> = (0..12).map(|k| (1 << 24) + k).collect();
    let ib = buffer_with(&vk, &u32_bytes(&big), vk::BufferUsageFlags::INDEX_BUFFER);
    let direct = render_with(&vk, pipe, &vb, None, |cb| unsafe {
        vk.device.cmd_draw(cb, 12, 1, 0, 0)
    });
    let indexed = render_with(&vk, pipe, &vb, Some(&ib), |cb| unsafe {
        vk.device.cmd_draw_indexed(cb, 12, 1, 0, -(1 << 24), 0)
    });
    assert_eq!(direct, indexed);
    // Instancing through an indirect command with firstInstance 3 equals the direct draw.
    let inst = instanced_pipeline(&vk, layout, None);
    let offsets = buffer_with(
        &vk,
        &f32_bytes(&[0.0; 16]),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    let cmd = buffer_with(
        &vk,
        &u32_bytes(&[3, 2, 0, 3]),
        vk::BufferUsageFlags::INDIRECT_BUFFER,
    );
    let tint = |cb| unsafe {
        vk.device
            .cmd_bind_vertex_buffers(cb, 1, &[offsets.buffer], &[0]);
        vk.device.cmd_push_constants(
            cb,
            layout,
            vk::ShaderStageFlags::VERTEX | vk::ShaderStageFlags::FRAGMENT,
            0,
            &0.2f32.to_le_bytes(),
        );
    };
    let direct = render_with(&vk, inst, &vb, None, |cb| unsafe {
        tint(cb);
        vk.device.cmd_draw(cb, 3, 2, 0, 3);
    });
    let indirect = render_with(&vk, inst, &vb, None, |cb| unsafe {
        tint(cb);
        vk.device.cmd_draw_indirect(cb, cmd.buffer, 0, 1, 16);
    });
    assert_eq!(direct, indirect);
    // Instance 4 (the last drawn) tints blue by 0.8.
    assert!(
        px(&direct, W, 10, 30)[2] >= 200,
        "{:?}",
        px(&direct, W, 10, 30)
    );
    unsafe {
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline(inst, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    for b in [vb, ib, offsets, cmd] {
        vk.destroy_buffer(b);
    }
}

/// Bad input never crashes, hangs or writes outside the attachments: a vertex buffer too
/// small for the draw and indices past its end (robust fetch reads zeros), NaN, infinite and
/// enormous positions, a viewport far outside the framebuffer; the color image sits between
/// guard bytes in its memory, which stay untouched.
#[test]
fn hostile_draws_stay_inside_the_attachments() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let pipe = PipelineState {
        topology: vk::PrimitiveTopology::TRIANGLE_LIST,
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let (inf, nan) = (f32::INFINITY, f32::NAN);
    let c = [1.0, 1.0, 1.0, 1.0];
    let v = vertices(&[
        ([nan, 0.0, 0.0, 1.0], c),
        ([0.5, inf, 0.0, 1.0], c),
        ([0.0, 0.5, 0.0, nan], c),
        ([-1e30, -1e30, 0.0, 1.0], c),
        ([1e30, -1e30, 0.5, 1.0], c),
        ([0.0, 1e30, 1.0, 1.0], c),
        ([0.0, 0.0, 0.0, 0.0], c),
        ([1.0, 0.0, 0.0, -1e-30], c),
        ([0.0, 1.0, 0.0, 1e-30], c),
    ]);
    let vb = buffer_with(&vk, &v, vk::BufferUsageFlags::VERTEX_BUFFER);
    let idx: Vec<u32> = vec![
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        3,
        4,
        1_000_000,
        u32::MAX - 1,
        7,
        5,
    ];
    let ib = buffer_with(&vk, &u32_bytes(&idx), vk::BufferUsageFlags::INDEX_BUFFER);
    // The color image bound at 4096 bytes into memory filled with a guard pattern.
    let info = softvk_tests::image_2d(vk::Format::R8G8B8A8_UNORM, W, H)
        .usage(vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_SRC);
    let image = unsafe { vk.device.create_image(&info, None) }.unwrap();
    let req = unsafe { vk.device.get_image_memory_requirements(image) };
    let mem = vk.memory(req.size + 8192);
    mem.bytes().fill(0xA5);
    unsafe { vk.device.bind_image_memory(image, mem.memory, 4096) }.unwrap();
    let view = unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(vk::Format::R8G8B8A8_UNORM)
                .subresource_range(softvk_tests::full_range(vk::ImageAspectFlags::COLOR)),
            None,
        )
    }
    .unwrap();
    let color = Attachment {
        img: softvk_tests::Img {
            image,
            mem: softvk_tests::Memory {
                memory: vk::DeviceMemory::null(),
                ptr: std::ptr::null_mut(),
                size: 0,
            },
            format: vk::Format::R8G8B8A8_UNORM,
            extent: info.extent,
        },
        view,
        aspect: vk::ImageAspectFlags::COLOR,
        samples: vk::SampleCountFlags::TYPE_1,
        layers: 1,
    };
    vk.run(|cb| unsafe {
        let d = &vk.device;
        begin(&vk, cb, &color, [0.0; 4], None);
        bind_vb(&vk, cb, &vb);
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        d.cmd_bind_index_buffer(cb, ib.buffer, 0, vk::IndexType::UINT32);
        // 300 vertices from a buffer of 9, and the hostile indices.
        d.cmd_draw(cb, 300, 2, 0, 0);
        d.cmd_draw_indexed(cb, idx.len() as u32, 1, 0, 0, 0);
        // A viewport far outside the framebuffer, and one of zero height.
        d.cmd_set_viewport(
            cb,
            0,
            &[vk::Viewport {
                x: -4000.0,
                y: 3000.0,
                width: 4096.0,
                height: -4096.0,
                min_depth: 0.0,
                max_depth: 1.0,
            }],
        );
        d.cmd_draw(cb, 9, 1, 0, 0);
        end(&vk, cb, &color);
    });
    let bytes = mem.bytes();
    let end = 4096 + req.size as usize;
    assert!(
        bytes[..4096].iter().all(|&b| b == 0xA5),
        "guard before the image"
    );
    assert!(
        bytes[end..].iter().all(|&b| b == 0xA5),
        "guard after the image"
    );
    unsafe {
        vk.device.destroy_image_view(view, None);
        vk.device.destroy_image(image, None);
        vk.device.free_memory(mem.memory, None);
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    vk.destroy_buffer(ib);
}

const INPUT_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_input_fs.spv");

/// A render pass of two subpasses: the first draws color and depth, the second reads both at
/// each pixel through input attachments and writes their inverse, shaded by depth, into a
/// second color attachment.
#[test]
fn a_render_pass_with_input_attachments_matches_the_reference() {
    let vk = Vk::new();
    let d = &vk.device;
    let att = |format, final_layout| vk::AttachmentDescription {
        format,
        samples: vk::SampleCountFlags::TYPE_1,
        load_op: vk::AttachmentLoadOp::CLEAR,
        store_op: vk::AttachmentStoreOp::STORE,
        stencil_load_op: vk::AttachmentLoadOp::DONT_CARE,
        stencil_store_op: vk::AttachmentStoreOp::DONT_CARE,
        initial_layout: L::UNDEFINED,
        final_layout,
        ..Default::default()
    };
    let atts = [
        att(vk::Format::R8G8B8A8_UNORM, L::SHADER_READ_ONLY_OPTIMAL),
        att(vk::Format::D32_SFLOAT, L::DEPTH_STENCIL_READ_ONLY_OPTIMAL),
        att(vk::Format::R8G8B8A8_UNORM, L::TRANSFER_SRC_OPTIMAL),
    ];
    let r = |attachment, layout| vk::AttachmentReference { attachment, layout };
    let c0 = [r(0, L::COLOR_ATTACHMENT_OPTIMAL)];
    let ds0 = r(1, L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL);
    let in1 = [
        r(0, L::SHADER_READ_ONLY_OPTIMAL),
        r(1, L::DEPTH_STENCIL_READ_ONLY_OPTIMAL),
    ];
    let c1 = [r(2, L::COLOR_ATTACHMENT_OPTIMAL)];
    let subs = [
        vk::SubpassDescription::default()
            .pipeline_bind_point(vk::PipelineBindPoint::GRAPHICS)
            .color_attachments(&c0)
            .depth_stencil_attachment(&ds0),
        vk::SubpassDescription::default()
            .pipeline_bind_point(vk::PipelineBindPoint::GRAPHICS)
            .input_attachments(&in1)
            .color_attachments(&c1),
    ];
    let deps = [
        vk::SubpassDependency {
            src_subpass: 0,
            dst_subpass: 1,
            src_stage_mask: vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT
                | vk::PipelineStageFlags::LATE_FRAGMENT_TESTS,
            dst_stage_mask: vk::PipelineStageFlags::FRAGMENT_SHADER,
            src_access_mask: vk::AccessFlags::COLOR_ATTACHMENT_WRITE
                | vk::AccessFlags::DEPTH_STENCIL_ATTACHMENT_WRITE,
            dst_access_mask: vk::AccessFlags::INPUT_ATTACHMENT_READ,
            dependency_flags: vk::DependencyFlags::BY_REGION,
        },
        vk::SubpassDependency {
            src_subpass: 1,
            dst_subpass: vk::SUBPASS_EXTERNAL,
            src_stage_mask: vk::PipelineStageFlags::COLOR_ATTACHMENT_OUTPUT,
            dst_stage_mask: vk::PipelineStageFlags::TRANSFER,
            src_access_mask: vk::AccessFlags::COLOR_ATTACHMENT_WRITE,
            dst_access_mask: vk::AccessFlags::TRANSFER_READ,
            dependency_flags: vk::DependencyFlags::empty(),
        },
    ];
    let pass = unsafe {
        d.create_render_pass(
            &vk::RenderPassCreateInfo::default()
                .attachments(&atts)
                .subpasses(&subs)
                .dependencies(&deps),
            None,
        )
    }
    .unwrap();
    let bindings = [0, 1].map(|b| {
        (
            b,
            vk::DescriptorType::INPUT_ATTACHMENT,
            vk::ShaderStageFlags::FRAGMENT,
        )
    });
    let (set_layout, pool, set) = gfx::descriptor_set(&vk, &bindings);
    let layout0 = gfx::layout(&vk, &[], 0);
    let layout1 = gfx::layout(&vk, &[set_layout], 0);
    let mut first = PipelineState {
        render_pass: Some((pass, 0)),
        ..Default::default()
    };
    first.depth_stencil = first
        .depth_stencil
        .depth_test_enable(true)
        .depth_write_enable(true)
        .depth_compare_op(vk::CompareOp::LESS);
    let p0 = first.build(&vk, layout0, COLOR_VS, Some(COLOR_FS));
    let p1 = PipelineState {
        render_pass: Some((pass, 1)),
        ..Default::default()
    }
    .build(&vk, layout1, COLOR_VS, Some(INPUT_FS));
    let mut v = vec![
        ([-0.9, -0.9, 0.1, 1.0], [1.0, 0.2, 0.1, 1.0]),
        ([0.9, -0.6, 0.9, 1.0], [0.1, 0.9, 0.2, 1.0]),
        ([-0.2, 0.9, 0.5, 1.0], [0.2, 0.3, 1.0, 1.0]),
    ];
    v.extend(quad(-1.0, -1.0, 1.0, 1.0, 0.0, [0.0; 4]));
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let input = vk::ImageUsageFlags::INPUT_ATTACHMENT;
    let color = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        input,
    );
    let depth = attachment(
        &vk,
        vk::Format::D32_SFLOAT,
        W,
        H,
        vk::SampleCountFlags::TYPE_1,
        1,
        input,
    );
    let out = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let infos = [
        [vk::DescriptorImageInfo {
            sampler: vk::Sampler::null(),
            image_view: color.view,
            image_layout: L::SHADER_READ_ONLY_OPTIMAL,
        }],
        [vk::DescriptorImageInfo {
            sampler: vk::Sampler::null(),
            image_view: depth.view,
            image_layout: L::DEPTH_STENCIL_READ_ONLY_OPTIMAL,
        }],
    ];
    let writes: Vec<vk::WriteDescriptorSet> = (0..2)
        .map(|b| {
            vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(b as u32)
                .descriptor_type(vk::DescriptorType::INPUT_ATTACHMENT)
                .image_info(&infos[b])
        })
        .collect();
    unsafe { d.update_descriptor_sets(&writes, &[]) };
    let views = [color.view, depth.view, out.view];
    let fb = unsafe {
        d.create_framebuffer(
            &vk::FramebufferCreateInfo::default()
                .render_pass(pass)
                .attachments(&views)
                .width(W)
                .height(H)
                .layers(1),
            None,
        )
    }
    .unwrap();
    let clears = [
        vk::ClearValue {
            color: vk::ClearColorValue {
                float32: [0.0, 0.0, 0.0, 1.0],
            },
        },
        vk::ClearValue {
            depth_stencil: vk::ClearDepthStencilValue {
                depth: 1.0,
                stencil: 0,
            },
        },
        vk::ClearValue {
            color: vk::ClearColorValue {
                float32: [0.0, 0.0, 0.0, 1.0],
            },
        },
    ];
    vk.run(|cb| unsafe {
        d.cmd_begin_render_pass(
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
        gfx::viewport_scissor(&vk, cb, W, H);
        bind_vb(&vk, cb, &vb);
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p0);
        d.cmd_draw(cb, 3, 1, 0, 0);
        d.cmd_next_subpass(cb, vk::SubpassContents::INLINE);
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p1);
        d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::GRAPHICS, layout1, 0, &[set], &[]);
        d.cmd_draw(cb, 6, 1, 3, 0);
        d.cmd_end_render_pass(cb);
    });
    let img = out.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
    gfx::check_reference("input_attachments", W, H, &img, 2, 8);
    // Outside the triangle: 1 - clear (black) at depth 1: (0.5, 0.5, 0.5).
    assert_eq!(px(&img, W, 63, 63)[..3], [128, 128, 128]);
    unsafe {
        d.destroy_framebuffer(fb, None);
        d.destroy_descriptor_pool(pool, None);
        d.destroy_pipeline(p0, None);
        d.destroy_pipeline(p1, None);
        d.destroy_pipeline_layout(layout0, None);
        d.destroy_pipeline_layout(layout1, None);
        d.destroy_descriptor_set_layout(set_layout, None);
        d.destroy_render_pass(pass, None);
    }
    vk.destroy_buffer(vb);
    for a in [color, depth, out] {
        a.destroy(&vk);
    }
}

const VFETCH: [(&[u8], &[u8]); 3] = [
    (
        include_bytes!("../../shaders/tests/vfetch_f_vs.spv"),
        include_bytes!("../../shaders/tests/vfetch_f_fs.spv"),
    ),
    (
        include_bytes!("../../shaders/tests/vfetch_u_vs.spv"),
        include_bytes!("../../shaders/tests/vfetch_u_fs.spv"),
    ),
    (
        include_bytes!("../../shaders/tests/vfetch_i_vs.spv"),
        include_bytes!("../../shaders/tests/vfetch_i_fs.spv"),
    ),
];

/// Every format reporting VERTEX_BUFFER is fetched as the spec converts it: 64 vertices of
/// random bytes (NaNs, infinities and denormals included for float formats), each drawn as a
/// point whose flat color is the attribute, compared with `softvk_tests::reference::decode`
/// (the conversion rules written from the spec). Also: at least the spec's required vertex
/// formats report the feature.
#[test]
fn every_vertex_format_fetches() {
    use softvk_tests::reference as r;
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let mut rng = softvk_tests::Rng::new(11);
    let mut checked = 0;
    for raw in 1..=130 {
        let format = vk::Format::from_raw(raw);
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, format)
        };
        if !props
            .buffer_features
            .contains(vk::FormatFeatureFlags::VERTEX_BUFFER)
        {
            continue;
        }
        let l = r::layout(format).unwrap_or_else(|| panic!("{format:?} has no layout"));
        let (k, target) = match l.num() {
            r::Num::Uint => (1, vk::Format::R32G32B32A32_UINT),
            r::Num::Sint => (2, vk::Format::R32G32B32A32_SINT),
            _ => (0, vk::Format::R32G32B32A32_SFLOAT),
        };
        let st = PipelineState {
            topology: vk::PrimitiveTopology::POINT_LIST,
            bindings: vec![vk::VertexInputBindingDescription {
                binding: 0,
                stride: l.bytes as u32,
                input_rate: vk::VertexInputRate::VERTEX,
            }],
            attributes: vec![vk::VertexInputAttributeDescription {
                location: 0,
                binding: 0,
                format,
                offset: 0,
            }],
            color_formats: vec![target],
            ..Default::default()
        };
        let pipe = st.build(&vk, layout, VFETCH[k].0, Some(VFETCH[k].1));
        let mut data = vec![0u8; 64 * l.bytes];
        rng.fill(&mut data);
        let vb = buffer_with(&vk, &data, vk::BufferUsageFlags::VERTEX_BUFFER);
        let color = attachment(
            &vk,
            target,
            64,
            1,
            vk::SampleCountFlags::TYPE_1,
            1,
            vk::ImageUsageFlags::empty(),
        );
        vk.run(|cb| unsafe {
            begin(&vk, cb, &color, [0.0; 4], None);
            vk.device
                .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            bind_vb(&vk, cb, &vb);
            vk.device.cmd_draw(cb, 64, 1, 0, 0);
            end(&vk, cb, &color);
        });
        let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 16);
        for i in 0..64 {
            let want = r::decode(&l, &data[i * l.bytes..(i + 1) * l.bytes]);
            let word = |c: usize| {
                u32::from_le_bytes(img[16 * i + 4 * c..16 * i + 4 * c + 4].try_into().unwrap())
            };
            for (c, w) in want.iter().enumerate() {
                let got = match k {
                    1 => word(c) as f64,
                    2 => word(c) as i32 as f64,
                    _ => f32::from_bits(word(c)) as f64,
                };
                let ok = if w.is_nan() {
                    got.is_nan()
                } else {
                    got == *w || (got - w).abs() <= w.abs() * 2e-7
                };
                assert!(ok, "{format:?} vertex {i} component {c}: {got} for {w}");
            }
        }
        checked += 1;
        unsafe { vk.device.destroy_pipeline(pipe, None) };
        vk.destroy_buffer(vb);
        color.destroy(&vk);
    }
    // The spec's "Required Format Support" VERTEX_BUFFER formats.
    use vk::Format as F;
    for f in [
        F::R8_UNORM,
        F::R8_SNORM,
        F::R8_UINT,
        F::R8_SINT,
        F::R8G8_UNORM,
        F::R8G8_SNORM,
        F::R8G8_UINT,
        F::R8G8_SINT,
        F::R8G8B8A8_UNORM,
        F::R8G8B8A8_SNORM,
        F::R8G8B8A8_UINT,
        F::R8G8B8A8_SINT,
        F::B8G8R8A8_UNORM,
        F::A8B8G8R8_UNORM_PACK32,
        F::A8B8G8R8_SNORM_PACK32,
        F::A8B8G8R8_UINT_PACK32,
        F::A8B8G8R8_SINT_PACK32,
        F::A2B10G10R10_UNORM_PACK32,
        F::R16_UNORM,
        F::R16_SNORM,
        F::R16_UINT,
        F::R16_SINT,
        F::R16_SFLOAT,
        F::R16G16_UNORM,
        F::R16G16_SNORM,
        F::R16G16_UINT,
        F::R16G16_SINT,
        F::R16G16_SFLOAT,
        F::R16G16B16A16_UNORM,
        F::R16G16B16A16_SNORM,
        F::R16G16B16A16_UINT,
        F::R16G16B16A16_SINT,
        F::R16G16B16A16_SFLOAT,
        F::R32_UINT,
        F::R32_SINT,
        F::R32_SFLOAT,
        F::R32G32_UINT,
        F::R32G32_SINT,
        F::R32G32_SFLOAT,
        F::R32G32B32_UINT,
        F::R32G32B32_SINT,
        F::R32G32B32_SFLOAT,
        F::R32G32B32A32_UINT,
        F::R32G32B32A32_SINT,
        F::R32G32B32A32_SFLOAT,
    ] {
        let p = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, f)
        };
        assert!(
            p.buffer_features
                .contains(vk::FormatFeatureFlags::VERTEX_BUFFER),
            "{f:?} is a required vertex format"
        );
    }
    assert!(checked >= 80, "{checked} vertex formats");
    unsafe { vk.device.destroy_pipeline_layout(layout, None) };
}

const PARAMS_VS: &[u8] = include_bytes!("../../shaders/tests/gfx_params_vs.spv");

/// Shader draw parameters (shaderDrawParameters): gl_BaseVertex is firstVertex (vertexOffset
/// for indexed draws), gl_BaseInstance firstInstance, gl_DrawID the command's index in a
/// multi-draw indirect.
#[test]
fn shader_draw_parameters_reach_the_vertex_shader() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let mut st = PipelineState {
        topology: vk::PrimitiveTopology::POINT_LIST,
        ..Default::default()
    };
    st.attributes.truncate(1);
    let pipe = st.build(&vk, layout, PARAMS_VS, Some(COLOR_FS));
    // y = 1/64: the pixel centers of row H / 2.
    let v: Vec<([f32; 4], [f32; 4])> = (0..40)
        .map(|_| ([0.0, 1.0 / 64.0, 0.0, 1.0], [0.0; 4]))
        .collect();
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let idx: Vec<u32> = (0..8).collect();
    let ib = buffer_with(&vk, &u32_bytes(&idx), vk::BufferUsageFlags::INDEX_BUFFER);
    let words = u32_bytes;
    // Three commands: vertices 2..4 (instance 5), 10..13 (instance 7), 20..21 (instance 9).
    let cmds = [
        words(&[2, 1, 2, 5]),
        words(&[3, 1, 10, 7]),
        words(&[1, 1, 20, 9]),
    ]
    .concat();
    let ind = buffer_with(&vk, &cmds, vk::BufferUsageFlags::INDIRECT_BUFFER);
    let img = render_with(&vk, pipe, &vb, Some(&ib), |cb| unsafe {
        vk.device.cmd_draw_indirect(cb, ind.buffer, 0, 3, 16);
        // Indexed: indices 0..2 plus vertexOffset 30 -> vertices 30, 31; firstInstance 4.
        vk.device.cmd_draw_indexed(cb, 2, 1, 0, 30, 4);
    });
    let row = H / 2;
    for (x, want) in [
        (2, [2, 5, 0, 5]),
        (3, [2, 5, 0, 5]),
        (10, [10, 7, 1, 7]),
        (12, [10, 7, 1, 7]),
        (20, [20, 9, 2, 9]),
        (30, [30, 4, 0, 4]),
        (31, [30, 4, 0, 4]),
    ] {
        assert_eq!(px(&img, W, x, row), want, "the point of vertex {x}");
    }
    assert_eq!(px(&img, W, 4, row), [0, 0, 0, 255], "vertex 4 is not drawn");
    unsafe {
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    for b in [vb, ib, ind] {
        vk.destroy_buffer(b);
    }
}

/// The top-left rule through the loader: fans of triangles sharing edges (a triangle fan
/// around an off-center point, and a jittered triangle-list mesh), drawn with additive
/// blending of 1/255 per triangle, leave every covered pixel at exactly 1/255: no pixel drawn
/// twice or missed along a shared edge.
#[test]
fn triangles_sharing_edges_cover_each_pixel_exactly_once() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let add = vk::PipelineColorBlendAttachmentState {
        blend_enable: vk::TRUE,
        src_color_blend_factor: vk::BlendFactor::ONE,
        dst_color_blend_factor: vk::BlendFactor::ONE,
        src_alpha_blend_factor: vk::BlendFactor::ONE,
        dst_alpha_blend_factor: vk::BlendFactor::ONE,
        ..gfx::no_blend()
    };
    let fan = PipelineState {
        topology: vk::PrimitiveTopology::TRIANGLE_FAN,
        blend: vec![add],
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let list = PipelineState {
        blend: vec![add],
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let one = [1.0 / 255.0, 0.0, 0.0, 0.0];
    // A closed fan of 37 triangles around (0.13, -0.07), radius varying, angles jittered.
    let mut rng = softvk_tests::Rng::new(21);
    let mut jitter = || (rng.next_u64() % 1000) as f32 / 1000.0;
    let center = [0.13, -0.07];
    let mut v = vec![([center[0], center[1], 0.0, 1.0], one)];
    let n = 37;
    let rim: Vec<[f32; 2]> = (0..n)
        .map(|k| {
            let a = (k as f32 + 0.4 * jitter()) * std::f32::consts::TAU / n as f32;
            let r = 0.5 + 0.4 * jitter();
            [center[0] + r * a.cos(), center[1] + r * a.sin()]
        })
        .collect();
    for k in 0..=n {
        let p = rim[k % n];
        v.push(([p[0], p[1], 0.0, 1.0], one));
    }
    let fan_count = v.len() as u32;
    // A 6x6 grid mesh with jittered inner vertices, two triangles per cell, as a list.
    let g = 6;
    let grid: Vec<Vec<[f32; 2]>> = (0..=g)
        .map(|i| {
            (0..=g)
                .map(|j| {
                    let inner = i > 0 && i < g && j > 0 && j < g;
                    let d = if inner { 0.08 * (jitter() - 0.5) } else { 0.0 };
                    let e = if inner { 0.08 * (jitter() - 0.5) } else { 0.0 };
                    [
                        -0.95 + 1.9 * j as f32 / g as f32 + d,
                        -0.95 + 1.9 * i as f32 / g as f32 + e,
                    ]
                })
                .collect()
        })
        .collect();
    for i in 0..g {
        for j in 0..g {
            let (a, b, c, d) = (
                grid[i][j],
                grid[i][j + 1],
                grid[i + 1][j + 1],
                grid[i + 1][j],
            );
            for p in [a, b, c, a, c, d] {
                v.push(([p[0], p[1], 0.0, 1.0], one));
            }
        }
    }
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let d = &vk.device;
    let fan_img = render_with(&vk, fan, &vb, None, |cb| unsafe {
        d.cmd_draw(cb, fan_count, 1, 0, 0)
    });
    let mesh_img = render_with(&vk, list, &vb, None, |cb| unsafe {
        d.cmd_draw(cb, v.len() as u32 - fan_count, 1, fan_count, 0)
    });
    for (name, img, min_covered) in [("fan", &fan_img, 800), ("mesh", &mesh_img, 3000)] {
        let reds: Vec<u8> = img.chunks_exact(4).map(|p| p[0]).collect();
        assert!(
            reds.iter().all(|&r| r <= 1),
            "{name}: a pixel was written {} times",
            reds.iter().max().unwrap()
        );
        let covered = reds.iter().filter(|&&r| r == 1).count();
        assert!(covered >= min_covered, "{name}: {covered} pixels covered");
    }
    // The mesh covers its whole square: no pixel inside was missed.
    let inside = |x: u32, y: u32| mesh_img[((y * W + x) * 4) as usize];
    for y in 3..61 {
        for x in 3..61 {
            assert_eq!(inside(x, y), 1, "mesh pixel ({x}, {y})");
        }
    }
    unsafe {
        d.destroy_pipeline(fan, None);
        d.destroy_pipeline(list, None);
        d.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
}

/// 8-bit indices (VK_EXT_index_type_uint8, the name the validation layer knows): a strip with a restart at 0xFF and an index
/// list draw what the same indices as uint32 (restart 0xFFFFFFFF) draw.
#[test]
fn uint8_indices_draw_like_uint32_ones() {
    let vk = Vk::with(softvk_tests::Options {
        device_extensions: vec![ash::ext::index_type_uint8::NAME],
        ..Default::default()
    });
    let layout = gfx::layout(&vk, &[], 0);
    let pipe = PipelineState {
        topology: vk::PrimitiveTopology::TRIANGLE_STRIP,
        primitive_restart: true,
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let vb = buffer_with(
        &vk,
        &vertices(&four_triangles()),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    let small: Vec<u8> = vec![0, 1, 2, 0xFF, 3, 4, 5, 6, 0xFF, 9, 10, 11];
    let wide: Vec<u32> = small
        .iter()
        .map(|&i| if i == 0xFF { u32::MAX } else { i as u32 })
        .collect();
    let b8 = buffer_with(&vk, &small, vk::BufferUsageFlags::INDEX_BUFFER);
    let b32 = buffer_with(&vk, &u32_bytes(&wide), vk::BufferUsageFlags::INDEX_BUFFER);
    let d = &vk.device;
    let with8 = render_with(&vk, pipe, &vb, None, |cb| unsafe {
        d.cmd_bind_index_buffer(cb, b8.buffer, 0, vk::IndexType::UINT8_KHR);
        d.cmd_draw_indexed(cb, small.len() as u32, 1, 0, 0, 0);
    });
    let with32 = render_with(&vk, pipe, &vb, Some(&b32), |cb| unsafe {
        d.cmd_draw_indexed(cb, wide.len() as u32, 1, 0, 0, 0);
    });
    assert_eq!(with8, with32);
    assert!(with8.chunks_exact(4).filter(|p| p[0] > 0).count() > 200);
    unsafe {
        d.destroy_pipeline(pipe, None);
        d.destroy_pipeline_layout(layout, None);
    }
    for b in [vb, b8, b32] {
        vk.destroy_buffer(b);
    }
}

/// Many batches: 1200 blended, depth-tested triangles drawn one per draw (batches of 256 draws
/// rasterized one after another) give the bytes of the same triangles in three draws, and
/// occlusion queries around three ranges of draws, one ending right after a full batch,
/// count what queries around the three draws count. The image and counts are hashed for
/// `images_do_not_depend_on_the_thread_count`.
#[test]
fn many_batches_draw_what_few_draws_draw() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let mut st = depth_tested(PipelineState::default(), vk::CompareOp::LESS_OR_EQUAL);
    st.blend = vec![vk::PipelineColorBlendAttachmentState {
        blend_enable: 1,
        src_color_blend_factor: vk::BlendFactor::SRC_ALPHA,
        dst_color_blend_factor: vk::BlendFactor::ONE_MINUS_SRC_ALPHA,
        color_blend_op: vk::BlendOp::ADD,
        src_alpha_blend_factor: vk::BlendFactor::ONE,
        dst_alpha_blend_factor: vk::BlendFactor::ZERO,
        alpha_blend_op: vk::BlendOp::ADD,
        color_write_mask: vk::ColorComponentFlags::RGBA,
    }];
    let pipe = st.build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    const N: u32 = 1200;
    let mut rng = softvk_tests::Rng::new(5);
    let mut f = || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
    let mut v = Vec::new();
    // Every triangle inside the target and several pixels large, so each draw is one
    // primitive and batches hold 256 draws each.
    for _ in 0..N {
        let (x, y, z) = (f() * 1.6 - 0.8, f() * 1.6 - 0.8, f());
        let c = [f(), f(), f(), 0.25 + 0.5 * f()];
        for (cx, cy) in [(-0.15, -0.1), (0.15, -0.05), (0.0, 0.15)] {
            let (dx, dy) = (f() * 0.1 - 0.05, f() * 0.1 - 0.05);
            v.push(([x + cx + dx, y + cy + dy, z, 1.0], c));
        }
    }
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let pool = occlusion_pool(&vk, 6);
    let color = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let depth = target(&vk, vk::Format::D32_SFLOAT, vk::SampleCountFlags::TYPE_1);
    // many: one draw per triangle, queries 0, 1, 2 around draws 0..512, 512..900, 900..N
    // (the first ends right after the second batch of 256 draws filled, none pending);
    // otherwise one draw per range, queries 3, 4, 5 around them.
    let draw = |many: bool| {
        vk.run(|cb| unsafe {
            let d = &vk.device;
            if many {
                d.cmd_reset_query_pool(cb, pool, 0, 6);
            }
            begin(&vk, cb, &color, [0.1, 0.2, 0.3, 1.0], Some(&depth));
            bind_vb(&vk, cb, &vb);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
            let q = vk::QueryControlFlags::PRECISE;
            for (query, range) in [(0, 0..512), (1, 512..900), (2, 900..N)] {
                if many {
                    d.cmd_begin_query(cb, pool, query, q);
                    for k in range {
                        d.cmd_draw(cb, 3, 1, 3 * k, 0);
                    }
                    d.cmd_end_query(cb, pool, query);
                } else {
                    d.cmd_begin_query(cb, pool, query + 3, q);
                    d.cmd_draw(cb, 3 * range.len() as u32, 1, 3 * range.start, 0);
                    d.cmd_end_query(cb, pool, query + 3);
                }
            }
            end(&vk, cb, &color);
        });
        color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4)
    };
    let many = draw(true);
    let one = draw(false);
    let results: [u64; 6] = query_results(&vk, pool);
    assert!(
        many == one,
        "one draw per triangle differs from one draw per range"
    );
    assert_eq!(results[..3], results[3..], "the queries of the ranges");
    assert!(results.iter().all(|&r| r > 0), "{results:?}");
    let mut bytes = many.clone();
    for r in results {
        bytes.extend(r.to_le_bytes());
    }
    eprintln!(
        "many batches: {results:?} samples, hash {:016x}",
        gfx::fnv(&bytes)
    );
    unsafe {
        vk.device.destroy_query_pool(pool, None);
        vk.device.destroy_pipeline(pipe, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
    depth.destroy(&vk);
}

const CENTROID_FS: &[u8] = include_bytes!("../../shaders/tests/draw_centroid_fs.spv");
const CENTER_FS: &[u8] = include_bytes!("../../shaders/tests/draw_center_fs.spv");

/// Centroid interpolation at 4x MSAA: a rectangle from x = 0 to x = 10.3 whose input is the
/// window x. Column 10 is partly covered (its samples at x + 0.125 only); a centroid input is
/// evaluated inside the primitive there (at most 10.3: green), a plain one at the pixel
/// center (10.5: red, which shows the test can tell). Every pixel of the centroid draw is
/// green or black, and column 10 resolves to a quarter of green.
#[test]
fn centroid_inputs_are_evaluated_inside_the_primitive() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let s4 = vk::SampleCountFlags::TYPE_4;
    let pass = render_pass(&vk, vk::Format::R8G8B8A8_UNORM, s4, None, true);
    let pipe = |fs: &[u8]| {
        PipelineState {
            samples: s4,
            render_pass: Some((pass, 0)),
            ..Default::default()
        }
        .build(&vk, layout, COLOR_VS, Some(fs))
    };
    let (centroid, center) = (pipe(CENTROID_FS), pipe(CENTER_FS));
    // NDC x of window x: x / 32 - 1 (W = 64); the input's red is the window x itself.
    let e = 10.3f32;
    let n = |x: f32| x / (W as f32 / 2.0) - 1.0;
    let v = |x: f32, y: f32| ([n(x), y, 0.0, 1.0], [x, 0.0, 0.0, 1.0]);
    let rect = [
        v(0.0, -1.0),
        v(e, -1.0),
        v(e, 1.0),
        v(0.0, -1.0),
        v(e, 1.0),
        v(0.0, 1.0),
    ];
    let vb = buffer_with(&vk, &vertices(&rect), vk::BufferUsageFlags::VERTEX_BUFFER);
    let ms = target(&vk, vk::Format::R8G8B8A8_UNORM, s4);
    let resolved = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let mut fbs = Vec::new();
    let mut draw = |p: vk::Pipeline| {
        vk.run(|cb| unsafe {
            fbs.push(begin_pass(
                &vk,
                cb,
                pass,
                &[ms.view, resolved.view],
                [0.0, 0.0, 0.0, 1.0],
            ));
            bind_vb(&vk, cb, &vb);
            vk.device
                .cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p);
            vk.device.cmd_draw(cb, 6, 1, 0, 0);
            vk.device.cmd_end_render_pass(cb);
        });
        resolved.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4)
    };
    let with = draw(centroid);
    let without = draw(center);
    for y in 0..H {
        for x in 0..W {
            let p = px(&with, W, x, y);
            assert_eq!(p[0], 0, "centroid: red at ({x}, {y}): {p:?}");
            let want = match x {
                0..10 => 255,
                10 => 64,
                _ => 0,
            };
            assert!(p[1].abs_diff(want) <= 1, "centroid: ({x}, {y}) {p:?}");
        }
        // Without Centroid the partly covered column is evaluated outside: red.
        let p = px(&without, W, 10, y);
        assert!(p[0] > 0 && p[1] == 0, "center: ({y}) {p:?}");
    }
    unsafe {
        for fb in fbs {
            vk.device.destroy_framebuffer(fb, None);
        }
        vk.device.destroy_render_pass(pass, None);
        vk.device.destroy_pipeline(centroid, None);
        vk.device.destroy_pipeline(center, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    ms.destroy(&vk);
    resolved.destroy(&vk);
}

const EARLY_FS: &[u8] = include_bytes!("../../shaders/tests/draw_early_fs.spv");
const LATE_FS: &[u8] = include_bytes!("../../shaders/tests/draw_late_fs.spv");

/// EarlyFragmentTests: a 16x16 square at depth 0.5 over a cleared depth of 1 (LESS, writes
/// on), drawn by a shader that discards every other pixel and writes FragDepth 0 in the
/// others. With early tests the depth test, its write and the sample count come first: every
/// covered pixel gets 0.5 (discarded ones too; FragDepth is ignored) and counts. Without
/// them only the kept pixels count, with depth 0. Also with the depth bounds test on (the
/// general per-fragment tests rather than the depth-only path). Colors: the kept pixels only.
#[test]
fn early_fragment_tests_come_before_the_shader() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let pipe = |fs: &[u8], bounds: bool| {
        let mut st = depth_tested(PipelineState::default(), vk::CompareOp::LESS);
        st.depth_stencil = st
            .depth_stencil
            .depth_bounds_test_enable(bounds)
            .min_depth_bounds(0.0)
            .max_depth_bounds(1.0);
        st.build(&vk, layout, COLOR_VS, Some(fs))
    };
    let n = |p: f32| p / 32.0 - 1.0;
    let v = quad(n(8.0), n(8.0), n(24.0), n(24.0), 0.5, [0.0, 1.0, 0.0, 1.0]);
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let pool = occlusion_pool(&vk, 1);
    let color = target(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        vk::SampleCountFlags::TYPE_1,
    );
    let depth = target(&vk, vk::Format::D32_SFLOAT, vk::SampleCountFlags::TYPE_1);
    for (fs, early) in [(EARLY_FS, true), (LATE_FS, false)] {
        for bounds in [false, true] {
            let p = pipe(fs, bounds);
            vk.run(|cb| unsafe {
                let d = &vk.device;
                d.cmd_reset_query_pool(cb, pool, 0, 1);
                begin(&vk, cb, &color, [0.0, 0.0, 0.0, 1.0], Some(&depth));
                bind_vb(&vk, cb, &vb);
                d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p);
                d.cmd_begin_query(cb, pool, 0, vk::QueryControlFlags::PRECISE);
                d.cmd_draw(cb, 6, 1, 0, 0);
                d.cmd_end_query(cb, pool, 0);
                end(&vk, cb, &color);
                let (from, to) = (L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL, L::TRANSFER_SRC_OPTIMAL);
                depth.barrier(&vk, cb, from, to);
            });
            let count: [u64; 1] = query_results(&vk, pool);
            let what = format!("early {early}, depth bounds {bounds}");
            assert_eq!(count[0], if early { 256 } else { 128 }, "{what}");
            let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
            let d = depths(&vk, &depth);
            let z = |x: u32, y: u32| d[(y * W + x) as usize];
            for y in 0..H {
                for x in 0..W {
                    let inside = (8..24).contains(&x) && (8..24).contains(&y);
                    let kept = inside && (x + y) % 2 == 0;
                    let want_z = match (inside, kept, early) {
                        (false, ..) => 1.0,
                        (true, _, true) => 0.5,
                        (true, true, false) => 0.0,
                        (true, false, false) => 1.0,
                    };
                    assert_eq!(z(x, y), want_z, "{what}: depth at ({x}, {y})");
                    let want = if kept {
                        [0, 255, 0, 255]
                    } else {
                        [0, 0, 0, 255]
                    };
                    assert_eq!(px(&img, W, x, y), want, "{what}: color at ({x}, {y})");
                }
            }
            unsafe { vk.device.destroy_pipeline(p, None) };
        }
    }
    unsafe {
        vk.device.destroy_query_pool(pool, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
    color.destroy(&vk);
    depth.destroy(&vk);
}

/// EarlyFragmentTests with 4 samples (also shaded per sample) and with alpha to coverage (shaders/tests/
/// draw_early_fs.frag, which discards half of the pixels and writes FragDepth 0): the tests
/// and depth writes come before the shader for every covered sample, so the occlusion query
/// counts all 1024 samples of a 16x16 quad (discards and FragDepth changing nothing);
/// without the mode (draw_late_fs) only the kept half's 512. (As in the one-sample test,
/// samples count where the early tests pass them, the order the spec prefers; lavapipe
/// counts after the shader, which earlyFragmentMultisampleCoverageAfterSampleCounting = false
/// would allow, and so gives 512.)
#[test]
fn early_fragment_tests_with_samples_come_before_the_shader() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let n = |p: f32| p / 32.0 - 1.0;
    let mut v = quad(n(8.0), n(8.0), n(24.0), n(24.0), 0.5, [0.0, 1.0, 0.0, 0.5]);
    v.extend(quad(
        n(8.0),
        n(8.0),
        n(24.0),
        n(24.0),
        0.6,
        [1.0, 0.0, 0.0, 0.5],
    ));
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    let pool = occlusion_pool(&vk, 2);
    for (samples, a2c, shading) in [
        (vk::SampleCountFlags::TYPE_4, false, None),
        (vk::SampleCountFlags::TYPE_4, true, None),
        (vk::SampleCountFlags::TYPE_1, true, None),
        // Per-sample shading: each invocation's own sample tested before it.
        (vk::SampleCountFlags::TYPE_4, false, Some(1.0)),
    ] {
        let per = if samples == vk::SampleCountFlags::TYPE_4 {
            4
        } else {
            1
        };
        let color = target(&vk, vk::Format::R8G8B8A8_UNORM, samples);
        let depth = target(&vk, vk::Format::D32_SFLOAT, samples);
        for (fs, early) in [(EARLY_FS, true), (LATE_FS, false)] {
            let st = PipelineState {
                samples,
                alpha_to_coverage: a2c,
                sample_shading: shading,
                ..Default::default()
            };
            let st = depth_tested(st, vk::CompareOp::LESS);
            let p = st.build(&vk, layout, COLOR_VS, Some(fs));
            vk.run(|cb| unsafe {
                let d = &vk.device;
                d.cmd_reset_query_pool(cb, pool, 0, 2);
                begin(&vk, cb, &color, [0.0, 0.0, 0.0, 1.0], Some(&depth));
                bind_vb(&vk, cb, &vb);
                d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, p);
                for k in 0..2 {
                    d.cmd_begin_query(cb, pool, k, vk::QueryControlFlags::PRECISE);
                    d.cmd_draw(cb, 6, 1, 6 * k, 0);
                    d.cmd_end_query(cb, pool, k);
                }
                end(&vk, cb, &color);
            });
            let count: [u64; 2] = query_results(&vk, pool);
            let what = format!(
                "{per} samples, alpha to coverage {a2c}, sample shading {shading:?}, early {early}"
            );
            // Alpha to coverage reduces the color writes only: it never changes the tests
            // of early samples (late, it drops coverage before them). The second quad, behind
            // the first's depths (0.5 early, FragDepth 0 late, where the shader repeats its
            // discards), passes nowhere.
            if early {
                assert_eq!(count, [256 * per, 0], "{what}");
            } else if !a2c {
                assert_eq!(count, [128 * per, 0], "{what}");
            } else {
                assert!(count[0] <= 128 * per && count[1] == 0, "{what}: {count:?}");
            }
            unsafe { vk.device.destroy_pipeline(p, None) };
        }
        color.destroy(&vk);
        depth.destroy(&vk);
    }
    unsafe {
        vk.device.destroy_query_pool(pool, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
}

const COLOR_COORD_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_color_coord_fs.spv");

/// A fragment shader whose outputs are the same wherever its inputs are (gfx_color_fs) runs
/// once per primitive whose color is the same at its three vertices, its fully covered blocks
/// merged whole where no depth test applies; the image (and depth) is exactly what running it
/// for every fragment gives (the same shader reading FragCoord), over overlapping blended
/// triangles large and small, some with colors varying over them, with and without a depth
/// test, with a common and an uncommon blend equation, into RGBA and BGRA attachments; and so
/// is the count of fragment shader invocations.
#[test]
fn uniform_outputs_shade_once_per_primitive_like_every_fragment() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let mut rng = softvk_tests::Rng::new(29);
    let mut f = |lo: f32, hi: f32| lo + (hi - lo) * (rng.next_u64() % 10_000) as f32 / 10_000.0;
    let mut v = Vec::new();
    for k in 0..60 {
        // Every third triangle large (whole blocks), every seventh with a varying color.
        let span = if k % 3 == 0 { 1.6 } else { 0.3 };
        let (cx, cy, z) = (f(-0.8, 0.8), f(-0.8, 0.8), f(0.1, 0.9));
        let c = [f(0.0, 1.0), f(0.0, 1.0), f(0.0, 1.0), f(0.2, 0.9)];
        for i in 0..3 {
            let p = [cx + f(-span, span), cy + f(-span, span), z, 1.0];
            let c = if k % 7 == 0 {
                [c[0], c[1] * i as f32 / 2.0, c[2], c[3]]
            } else {
                c
            };
            v.push((p, c));
        }
    }
    let vb = buffer_with(&vk, &vertices(&v), vk::BufferUsageFlags::VERTEX_BUFFER);
    use vk::BlendFactor as F;
    let straight = vk::PipelineColorBlendAttachmentState {
        blend_enable: vk::TRUE,
        src_color_blend_factor: F::SRC_ALPHA,
        dst_color_blend_factor: F::ONE_MINUS_SRC_ALPHA,
        src_alpha_blend_factor: F::ONE,
        dst_alpha_blend_factor: F::ONE_MINUS_SRC_ALPHA,
        ..gfx::no_blend()
    };
    let uncommon = vk::PipelineColorBlendAttachmentState {
        src_color_blend_factor: F::DST_COLOR,
        dst_color_blend_factor: F::ONE_MINUS_SRC_COLOR,
        alpha_blend_op: vk::BlendOp::MAX,
        ..straight
    };
    let stats_info = vk::QueryPoolCreateInfo::default()
        .query_type(vk::QueryType::PIPELINE_STATISTICS)
        .query_count(1)
        .pipeline_statistics(vk::QueryPipelineStatisticFlags::FRAGMENT_SHADER_INVOCATIONS);
    let stats = unsafe { vk.device.create_query_pool(&stats_info, None) }.unwrap();
    let mut drawn = 0;
    for format in [vk::Format::R8G8B8A8_UNORM, vk::Format::B8G8R8A8_UNORM] {
        for blend in [straight, uncommon] {
            for with_depth in [false, true] {
                let mut runs = Vec::new();
                for fs in [COLOR_FS, COLOR_COORD_FS] {
                    let mut st = PipelineState {
                        blend: vec![blend],
                        color_formats: vec![format],
                        ..Default::default()
                    };
                    if with_depth {
                        st = depth_tested(st, vk::CompareOp::LESS);
                    }
                    let pipe = st.build(&vk, layout, COLOR_VS, Some(fs));
                    let color = target(&vk, format, vk::SampleCountFlags::TYPE_1);
                    let depth = target(&vk, vk::Format::D32_SFLOAT, vk::SampleCountFlags::TYPE_1);
                    vk.run(|cb| unsafe {
                        let d = &vk.device;
                        d.cmd_reset_query_pool(cb, stats, 0, 1);
                        begin(
                            &vk,
                            cb,
                            &color,
                            [0.1, 0.2, 0.3, 0.4],
                            with_depth.then_some(&depth),
                        );
                        bind_vb(&vk, cb, &vb);
                        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
                        d.cmd_begin_query(cb, stats, 0, vk::QueryControlFlags::empty());
                        d.cmd_draw(cb, v.len() as u32, 1, 0, 0);
                        d.cmd_end_query(cb, stats, 0);
                        end(&vk, cb, &color);
                        if with_depth {
                            let to = L::TRANSFER_SRC_OPTIMAL;
                            depth.barrier(&vk, cb, L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL, to);
                        }
                    });
                    let count: [u64; 1] = query_results(&vk, stats);
                    let img = color.read(&vk, vk::ImageAspectFlags::COLOR, 0, 4);
                    let z = with_depth.then(|| depths(&vk, &depth));
                    runs.push((img, z, count[0]));
                    color.destroy(&vk);
                    depth.destroy(&vk);
                    unsafe { vk.device.destroy_pipeline(pipe, None) };
                }
                let what = format!("{format:?}, {blend:?}, depth {with_depth}");
                let colors: std::collections::HashSet<&[u8]> = runs[0].0.chunks(4).collect();
                assert!(colors.len() > 16, "{what}: {} colors drawn", colors.len());
                assert!(runs[0].2 > 4096, "{what}: {} invocations", runs[0].2);
                assert_eq!(runs[0].2, runs[1].2, "{what}: invocations");
                assert!(runs[0].1 == runs[1].1, "{what}: depth differs");
                let differ = (0..W * H)
                    .filter(|&i| {
                        runs[0].0[4 * i as usize..][..4] != runs[1].0[4 * i as usize..][..4]
                    })
                    .map(|i| (i % W, i / W))
                    .collect::<Vec<_>>();
                assert!(differ.is_empty(), "{what}: pixels differ at {differ:?}");
                drawn += 1;
            }
        }
    }
    assert_eq!(drawn, 8);
    unsafe {
        vk.device.destroy_query_pool(stats, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
    vk.destroy_buffer(vb);
}

const DIVERGENT_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_divergent_fs.spv");

/// Helper invocations execute divergent branches and loops like the covered pixels
/// (shaders/tests/gfx_divergent_fs.frag), so derivatives of values computed there are right
/// on a triangle's slanted edges, where quads are partly covered: every covered pixel has the
/// same derivatives as the interior (lavapipe agrees).
#[test]
fn derivatives_of_divergent_values_are_right_at_edges() {
    let vk = Vk::new();
    let blue = [0.0, 0.0, 1.0, 1.0];
    let verts = [
        ([-0.9, -0.8, 0.0, 1.0], blue),
        ([0.85, -0.55, 0.0, 1.0], blue),
        ([-0.3, 0.95, 0.0, 1.0], blue),
    ];
    let img = one_triangle(&vk, DIVERGENT_FS, verts, [0.0, 0.0, 0.0, 1.0]);
    let mut covered = 0;
    for y in 0..H {
        for x in 0..W {
            let p = px(&img, W, x, y);
            if p[2] == 0 {
                assert_eq!(p, [0, 0, 0, 255], "({x}, {y}): neither clear nor drawn");
                continue;
            }
            covered += 1;
            // 0.25 and 0.125 in UNORM8: 64 and 32.
            assert_eq!(p, [64, 32, 255, 255], "({x}, {y}): derivatives");
        }
    }
    assert!(covered > 1000, "the triangle covers {covered} pixels");
}

const INTERP_VS: &[u8] = include_bytes!("../../shaders/tests/gfx_interp_vs.spv");
const INTERP_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_interp_fs.spv");
const INTERP_SAMPLE_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_interp_sample_fs.spv");

/// The interpolation-functions triangle: window positions on a 1/8 grid, w of 1, 2 and 4 (so
/// clip coordinates are exact), and a color per vertex (vertex 0 provokes).
fn interp_triangle() -> [([f32; 4], [f32; 4]); 3] {
    let v = |x: f32, y: f32, w: f32, c: [f32; 4]| {
        ([(x / 32.0 - 1.0) * w, (y / 32.0 - 1.0) * w, 0.5 * w, w], c)
    };
    [
        v(4.5, 3.25, 1.0, [1.0, 0.0, 0.0, 1.0]),
        v(60.125, 10.5, 2.0, [0.0, 1.0, 0.5, 0.25]),
        v(12.75, 61.375, 4.0, [0.0, 0.0, 1.0, 0.75]),
    ]
}

/// The triangle's barycentric weights at window position (x, y), perspective-correct or
/// not (in f64, from the exact vertices).
fn interp_weights(t: &[([f32; 4], [f32; 4]); 3], x: f64, y: f64, perspective: bool) -> [f64; 3] {
    let win = t.map(|(p, _)| {
        let w = p[3] as f64;
        (
            (p[0] as f64 / w + 1.0) * 32.0,
            (p[1] as f64 / w + 1.0) * 32.0,
            w,
        )
    });
    let edge =
        |a: (f64, f64, f64), b: (f64, f64, f64)| (b.0 - a.0) * (y - a.1) - (b.1 - a.1) * (x - a.0);
    let area = (win[1].0 - win[0].0) * (win[2].1 - win[0].1)
        - (win[1].1 - win[0].1) * (win[2].0 - win[0].0);
    let b = [
        edge(win[1], win[2]) / area,
        edge(win[2], win[0]) / area,
        edge(win[0], win[1]) / area,
    ];
    if !perspective {
        return b;
    }
    let q = [b[0] / win[0].2, b[1] / win[1].2, b[2] / win[2].2];
    let s = q[0] + q[1] + q[2];
    q.map(|q| q / s)
}

/// The triangle's color at window position (x, y).
fn interp_ref(t: &[([f32; 4], [f32; 4]); 3], x: f64, y: f64, perspective: bool) -> [f64; 4] {
    let b = interp_weights(t, x, y, perspective);
    std::array::from_fn(|c| (0..3).map(|i| b[i] * t[i].1[c] as f64).sum())
}

fn near(got: [f32; 4], want: [f64; 4], what: &str) {
    let ok = (0..4).all(|c| (got[c] as f64 - want[c]).abs() <= 2e-4);
    assert!(ok, "{what}: {got:?}, expected {want:?}");
}

/// Draws the interpolation triangle with `fs` at `samples` into a 64x64 target, the shader
/// writing into a storage buffer of `words` floats (first all NaN); returns them.
fn interp_draw(
    vk: &Vk,
    fs: &[u8],
    samples: vk::SampleCountFlags,
    sample_index: i32,
    words: usize,
) -> Vec<f32> {
    let d = &vk.device;
    type DT = vk::DescriptorType;
    let fragment = vk::ShaderStageFlags::FRAGMENT;
    let (set_layout, pool, set) = gfx::descriptor_set(vk, &[(0, DT::STORAGE_BUFFER, fragment)]);
    let out = vk.buffer(4 * words as u64, vk::BufferUsageFlags::STORAGE_BUFFER);
    out.bytes().fill(0xFF);
    softvk_tests::compute::write_buffer(vk, set, 0, DT::STORAGE_BUFFER, &out, 0, vk::WHOLE_SIZE);
    let layout = gfx::layout(vk, &[set_layout], 4);
    let pipe = PipelineState {
        samples,
        ..Default::default()
    }
    .build(vk, layout, INTERP_VS, Some(fs));
    let vb = buffer_with(
        vk,
        &vertices(&interp_triangle()),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    let color = target(vk, vk::Format::R8G8B8A8_UNORM, samples);
    vk.run(|cb| unsafe {
        begin(vk, cb, &color, [0.0; 4], None);
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipe);
        d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::GRAPHICS, layout, 0, &[set], &[]);
        d.cmd_push_constants(
            cb,
            layout,
            vk::ShaderStageFlags::VERTEX | vk::ShaderStageFlags::FRAGMENT,
            0,
            &sample_index.to_le_bytes(),
        );
        bind_vb(vk, cb, &vb);
        d.cmd_draw(cb, 3, 1, 0, 0);
        end(vk, cb, &color);
    });
    let v: Vec<f32> = out
        .bytes()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    unsafe {
        d.destroy_pipeline(pipe, None);
        d.destroy_pipeline_layout(layout, None);
        d.destroy_descriptor_pool(pool, None);
        d.destroy_descriptor_set_layout(set_layout, None);
    }
    vk.destroy_buffer(vb);
    vk.destroy_buffer(out);
    color.destroy(vk);
    v
}

/// InterpolateAtOffset / AtCentroid / AtSample (sampleRateShading) on a perspective
/// triangle: at per-pixel offsets, smooth inputs match the perspective-correct color there,
/// noperspective ones the screen-space color, flat ones the provoking vertex's; a zero offset
/// gives the input itself bit for bit; with one sample the centroid and sample 0 are the
/// center. With 4 samples the centroid of a partly covered pixel is one of its covered
/// sample locations (where the Centroid-qualified input is evaluated) and sample 2 is at
/// (0.125, 0.625). With a Sample input (a shader per sample) the three functions at the
/// invocation's own sample agree bit for bit and match the Sample-qualified input.
#[test]
fn interpolation_functions_evaluate_inputs_anywhere_in_the_pixel() {
    let vk = Vk::new();
    let t = interp_triangle();
    let s1 = vk::SampleCountFlags::TYPE_1;
    let s4 = vk::SampleCountFlags::TYPE_4;
    let vec4 = |v: &[f32], k: usize| -> [f32; 4] { v[4 * k..4 * k + 4].try_into().unwrap() };
    let bits = |v: [f32; 4]| v.map(f32::to_bits);
    for (samples, sample_index) in [(s1, 0), (s4, 2)] {
        let out = interp_draw(&vk, INTERP_FS, samples, sample_index, 64 * 64 * 8 * 4);
        let mut pixels = 0;
        let mut partial = 0;
        for y in 0..64usize {
            for x in 0..64usize {
                let base = (y * 64 + x) * 8;
                if out[4 * base].to_bits() == u32::MAX {
                    continue;
                }
                pixels += 1;
                let at = format!("{samples:?} pixel ({x}, {y})");
                let (cx, cy) = (x as f64 + 0.5, y as f64 + 0.5);
                let off = |p: usize, k: f64| ((p & 3) as f64 - 2.0) * 0.1875 + k;
                let (ox, oy) = (off(x, 0.0625), off(y, -0.03125));
                near(
                    vec4(&out, base),
                    interp_ref(&t, cx + ox, cy + oy, true),
                    &format!("{at}: smooth at offset"),
                );
                near(
                    vec4(&out, base + 1),
                    interp_ref(&t, cx + ox, cy + oy, false),
                    &format!("{at}: noperspective at offset"),
                );
                assert_eq!(vec4(&out, base + 2), t[0].1, "{at}: flat at offset");
                let z = vec4(&out, base + 3);
                assert_eq!(z[0].to_bits(), z[1].to_bits(), "{at}: smooth at offset 0");
                assert_eq!(
                    z[2].to_bits(),
                    z[3].to_bits(),
                    "{at}: noperspective at offset 0"
                );
                let (centroid, qualified) = (vec4(&out, base + 4), vec4(&out, base + 5));
                let (s_smooth, s_linear) = (vec4(&out, base + 6), vec4(&out, base + 7));
                if samples == s1 {
                    assert_eq!(
                        bits(centroid),
                        bits(qualified),
                        "{at}: centroid at the center"
                    );
                    assert_eq!(
                        bits(s_smooth),
                        bits(centroid),
                        "{at}: sample 0 at the center"
                    );
                    near(
                        centroid,
                        interp_ref(&t, cx, cy, true),
                        &format!("{at}: center"),
                    );
                    near(
                        s_linear,
                        interp_ref(&t, cx, cy, false),
                        &format!("{at}: sample 0"),
                    );
                } else {
                    near(
                        centroid,
                        qualified.map(|c| c as f64),
                        &format!("{at}: centroid"),
                    );
                    // The center, or a covered sample location of a partly covered pixel.
                    let places = [
                        (0.5, 0.5),
                        (0.375, 0.125),
                        (0.875, 0.375),
                        (0.125, 0.625),
                        (0.625, 0.875),
                    ];
                    let inside = |(px, py): (f64, f64)| {
                        interp_weights(&t, x as f64 + px, y as f64 + py, false)
                            .iter()
                            .all(|b| *b >= -1e-9)
                    };
                    let hit = places.iter().position(|&(px, py)| {
                        let want = interp_ref(&t, x as f64 + px, y as f64 + py, true);
                        (0..4).all(|c| (centroid[c] as f64 - want[c]).abs() <= 2e-4)
                    });
                    match hit {
                        Some(0) => {}
                        Some(k) => {
                            partial += 1;
                            assert!(
                                inside(places[k]),
                                "{at}: centroid at an uncovered sample {k}"
                            );
                        }
                        None => panic!("{at}: centroid {centroid:?} is at no sample"),
                    }
                    let (sx, sy) = (x as f64 + 0.125, y as f64 + 0.625);
                    near(
                        s_smooth,
                        interp_ref(&t, sx, sy, true),
                        &format!("{at}: smooth at sample 2"),
                    );
                    near(
                        s_linear,
                        interp_ref(&t, sx, sy, false),
                        &format!("{at}: noperspective at sample 2"),
                    );
                }
            }
        }
        assert!(pixels > 900, "{samples:?}: {pixels} pixels shaded");
        if samples == s4 {
            assert!(
                partial > 20,
                "{partial} partly covered pixels with a centroid off center"
            );
        }
    }
    // Once per sample (a Sample input).
    let all = interp_draw(&vk, INTERP_SAMPLE_FS, s4, 0, 4 + 64 * 64 * 4 * 4 * 4);
    // (A count, then the vec4s from byte 16.)
    let (count, out) = (all[0].to_bits(), &all[4..]);
    let positions = [
        (0.375, 0.125),
        (0.875, 0.375),
        (0.125, 0.625),
        (0.625, 0.875),
    ];
    let mut shaded = 0;
    for y in 0..64usize {
        for x in 0..64usize {
            for (s, (px, py)) in positions.iter().enumerate() {
                let base = ((y * 64 + x) * 4 + s) * 4;
                if out[4 * base].to_bits() == u32::MAX {
                    continue;
                }
                shaded += 1;
                let at = format!("pixel ({x}, {y}) sample {s}");
                let (a, o, c) = (vec4(out, base), vec4(out, base + 1), vec4(out, base + 2));
                assert_eq!(bits(a), bits(o), "{at}: at sample and at its offset");
                assert_eq!(bits(a), bits(c), "{at}: at sample and at the centroid");
                near(
                    a,
                    vec4(out, base + 3).map(|c| c as f64),
                    &format!("{at}: the Sample input"),
                );
                near(
                    a,
                    interp_ref(&t, x as f64 + px, y as f64 + py, true),
                    &format!("{at}: color"),
                );
            }
        }
    }
    assert!(shaded > 3600, "{shaded} samples shaded");
    // The count started at all ones: one atomic add per invocation.
    assert_eq!(
        count.wrapping_add(1),
        shaded,
        "invocations counted by atomics"
    );
}
