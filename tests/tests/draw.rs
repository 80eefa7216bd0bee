//! Draws through the loader and the validation layer: graphics pipelines, dynamic state,
//! vertex/index buffers, every draw command, render passes and dynamic rendering. Images are
//! compared with reference images made by lavapipe (tests/reference, see softvk_tests::gfx),
//! within the tolerance each test states.

use ash::vk;
use softvk_tests::gfx::{self, Attachment, PipelineState, attachment, buffer_with, f32_bytes};
use softvk_tests::{Buf, Vk};

const COLOR_VS: &[u8] = include_bytes!("../../shaders/tests/gfx_color_vs.spv");
const COLOR_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_color_fs.spv");

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
