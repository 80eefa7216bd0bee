//! Render passes, framebuffers, dynamic rendering and vkCmdClearAttachments.

use super::device::{dev, rep};
use super::obj;
use super::record::record;
use crate::boundary::{call, call_void, null, out, slice};
use crate::handle::{self, new_handle};
use crate::objects::*;
use crate::pnext;
use ash::vk;
use softvk::command::Command;
use softvk::error::{Error, Result};
use softvk::render_pass::{
    AttachmentDesc, AttachmentRef, ClearAttachment, ClearBits, DepthStencilResolve, Framebuffer,
    PassBegin, RenderPass, Rendering, RenderingAttachment, SubpassDesc, UNUSED,
};
use softvk::resource::ImageView;
use std::sync::Arc;

fn clear_bits(v: &vk::ClearValue) -> ClearBits {
    // SAFETY: every member of the union is plain data of 16 bytes or less; the color view
    // covers all of them (depth at word 0, stencil at word 1).
    ClearBits(unsafe { v.color.uint32 })
}

fn samples(s: vk::SampleCountFlags) -> u32 {
    s.as_raw().max(1)
}

/// An AttachmentDesc from a VkAttachmentDescription or VkAttachmentDescription2 (same members).
macro_rules! attachment_desc {
    ($a:expr) => {
        AttachmentDesc {
            format: $a.format,
            samples: samples($a.samples),
            load_op: $a.load_op,
            store_op: $a.store_op,
            stencil_load_op: $a.stencil_load_op,
            stencil_store_op: $a.stencil_store_op,
        }
    };
}

unsafe fn refs(
    p: *const vk::AttachmentReference,
    n: u32,
    what: &str,
) -> Result<Vec<AttachmentRef>> {
    Ok(slice(p, n, what)?
        .iter()
        .map(|r| AttachmentRef {
            attachment: r.attachment,
            aspect_mask: vk::ImageAspectFlags::empty(),
        })
        .collect())
}

unsafe fn refs2(
    p: *const vk::AttachmentReference2<'_>,
    n: u32,
    what: &str,
) -> Result<Vec<AttachmentRef>> {
    Ok(slice(p, n, what)?
        .iter()
        .map(|r| AttachmentRef {
            attachment: r.attachment,
            aspect_mask: r.aspect_mask,
        })
        .collect())
}

pub unsafe extern "system" fn create_render_pass(
    device: vk::Device,
    p_info: *const vk::RenderPassCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_pass: *mut vk::RenderPass,
) -> vk::Result {
    call("vkCreateRenderPass", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_pass.is_null() {
            return Err(null("pRenderPass"));
        }
        *p_pass = vk::RenderPass::null();
        // VkRenderPassMultiviewCreateInfo: one view mask per subpass (subpassCount 0 = none).
        let view_masks = match pnext::find::<vk::RenderPassMultiviewCreateInfo<'_>>(info.p_next) {
            Some(mv) if mv.subpass_count != 0 => {
                if mv.subpass_count != info.subpass_count {
                    return Err(Error::invalid(format!(
                        "VkRenderPassMultiviewCreateInfo::subpassCount {} is neither 0 nor \
                         subpassCount {} (VUID-VkRenderPassCreateInfo-pNext-01928)",
                        mv.subpass_count, info.subpass_count
                    )));
                }
                slice(mv.p_view_masks, mv.subpass_count, "pViewMasks")?.to_vec()
            }
            _ => Vec::new(),
        };
        let attachments = slice(info.p_attachments, info.attachment_count, "pAttachments")?
            .iter()
            .map(|a| attachment_desc!(a))
            .collect();
        let mut subpasses = Vec::new();
        for s in slice(info.p_subpasses, info.subpass_count, "pSubpasses")? {
            let colors = refs(
                s.p_color_attachments,
                s.color_attachment_count,
                "pColorAttachments",
            )?;
            let resolves = if s.p_resolve_attachments.is_null() {
                Vec::new()
            } else {
                refs(
                    s.p_resolve_attachments,
                    s.color_attachment_count,
                    "pResolveAttachments",
                )?
            };
            subpasses.push(SubpassDesc {
                inputs: refs(
                    s.p_input_attachments,
                    s.input_attachment_count,
                    "pInputAttachments",
                )?,
                colors,
                resolves,
                depth_stencil: s
                    .p_depth_stencil_attachment
                    .as_ref()
                    .map(|r| AttachmentRef {
                        attachment: r.attachment,
                        aspect_mask: vk::ImageAspectFlags::empty(),
                    }),
                depth_stencil_resolve: None,
                preserve: slice(
                    s.p_preserve_attachments,
                    s.preserve_attachment_count,
                    "pPreserveAttachments",
                )?
                .to_vec(),
                view_mask: view_masks.get(subpasses.len()).copied().unwrap_or(0),
            });
        }
        *p_pass = new_handle(RenderPassObj(Arc::new(RenderPass::new(
            attachments,
            subpasses,
        )?)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn create_render_pass2(
    device: vk::Device,
    p_info: *const vk::RenderPassCreateInfo2<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_pass: *mut vk::RenderPass,
) -> vk::Result {
    call("vkCreateRenderPass2", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_pass.is_null() {
            return Err(null("pRenderPass"));
        }
        *p_pass = vk::RenderPass::null();
        let attachments = slice(info.p_attachments, info.attachment_count, "pAttachments")?
            .iter()
            .map(|a| attachment_desc!(a))
            .collect();
        let mut subpasses = Vec::new();
        for s in slice(info.p_subpasses, info.subpass_count, "pSubpasses")? {
            let resolves = if s.p_resolve_attachments.is_null() {
                Vec::new()
            } else {
                refs2(
                    s.p_resolve_attachments,
                    s.color_attachment_count,
                    "pResolveAttachments",
                )?
            };
            let ds_resolve = pnext::find::<vk::SubpassDescriptionDepthStencilResolve<'_>>(s.p_next)
                .and_then(|r| {
                    r.p_depth_stencil_resolve_attachment
                        .as_ref()
                        .map(|a| DepthStencilResolve {
                            attachment: AttachmentRef {
                                attachment: a.attachment,
                                aspect_mask: a.aspect_mask,
                            },
                            depth_mode: r.depth_resolve_mode,
                            stencil_mode: r.stencil_resolve_mode,
                        })
                })
                .filter(|r| r.attachment.attachment != UNUSED);
            subpasses.push(SubpassDesc {
                inputs: refs2(
                    s.p_input_attachments,
                    s.input_attachment_count,
                    "pInputAttachments",
                )?,
                colors: refs2(
                    s.p_color_attachments,
                    s.color_attachment_count,
                    "pColorAttachments",
                )?,
                resolves,
                depth_stencil: s
                    .p_depth_stencil_attachment
                    .as_ref()
                    .map(|r| AttachmentRef {
                        attachment: r.attachment,
                        aspect_mask: r.aspect_mask,
                    }),
                depth_stencil_resolve: ds_resolve,
                preserve: slice(
                    s.p_preserve_attachments,
                    s.preserve_attachment_count,
                    "pPreserveAttachments",
                )?
                .to_vec(),
                view_mask: s.view_mask,
            });
        }
        *p_pass = new_handle(RenderPassObj(Arc::new(RenderPass::new(
            attachments,
            subpasses,
        )?)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_render_pass(
    _device: vk::Device,
    pass: vk::RenderPass,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<RenderPassObj>(pass));
}

pub unsafe extern "system" fn get_render_area_granularity(
    device: vk::Device,
    pass: vk::RenderPass,
    p_granularity: *mut vk::Extent2D,
) {
    call_void("vkGetRenderAreaGranularity", rep(dev(device)), || {
        let p = obj::<RenderPassObj>(pass, "renderPass")?;
        out(p_granularity, p.0.granularity(), "pGranularity")
    })
}

unsafe fn views(p: *const vk::ImageView, n: u32) -> Result<Vec<Arc<ImageView>>> {
    slice(p, n, "pAttachments")?
        .iter()
        .map(|&v| Ok(obj::<ImageViewObj>(v, "pAttachments[i]")?.0.clone()))
        .collect()
}

pub unsafe extern "system" fn create_framebuffer(
    device: vk::Device,
    p_info: *const vk::FramebufferCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_fb: *mut vk::Framebuffer,
) -> vk::Result {
    call("vkCreateFramebuffer", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_fb.is_null() {
            return Err(null("pFramebuffer"));
        }
        *p_fb = vk::Framebuffer::null();
        let pass = obj::<RenderPassObj>(info.render_pass, "renderPass")?;
        let imageless = info.flags.contains(vk::FramebufferCreateFlags::IMAGELESS);
        let v = if imageless {
            None
        } else {
            Some(views(info.p_attachments, info.attachment_count)?)
        };
        let fb = Framebuffer::new(
            &pass.0,
            info.width,
            info.height,
            info.layers,
            v,
            info.attachment_count as usize,
        )?;
        *p_fb = new_handle(FramebufferObj(Arc::new(fb)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_framebuffer(
    _device: vk::Device,
    fb: vk::Framebuffer,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<FramebufferObj>(fb));
}

unsafe fn pass_begin(b: &vk::RenderPassBeginInfo<'_>) -> Result<Command> {
    let pass = obj::<RenderPassObj>(b.render_pass, "renderPass")?.0.clone();
    let fb = obj::<FramebufferObj>(b.framebuffer, "framebuffer")?;
    let begin_views = match pnext::find::<vk::RenderPassAttachmentBeginInfo<'_>>(b.p_next) {
        Some(a) => Some(views(a.p_attachments, a.attachment_count)?),
        None => None,
    };
    let clears = slice(b.p_clear_values, b.clear_value_count, "pClearValues")?
        .iter()
        .map(clear_bits)
        .collect();
    Ok(Command::BeginRenderPass(Arc::new(PassBegin::new(
        pass,
        &fb.0,
        begin_views,
        b.render_area,
        clears,
    )?)))
}

pub unsafe extern "system" fn cmd_begin_render_pass(
    cb: vk::CommandBuffer,
    p_begin: *const vk::RenderPassBeginInfo<'_>,
    _contents: vk::SubpassContents,
) {
    record("vkCmdBeginRenderPass", cb, || {
        pass_begin(p_begin.as_ref().ok_or_else(|| null("pRenderPassBegin"))?)
    })
}

pub unsafe extern "system" fn cmd_begin_render_pass2(
    cb: vk::CommandBuffer,
    p_begin: *const vk::RenderPassBeginInfo<'_>,
    _p_subpass: *const vk::SubpassBeginInfo<'_>,
) {
    record("vkCmdBeginRenderPass2", cb, || {
        pass_begin(p_begin.as_ref().ok_or_else(|| null("pRenderPassBegin"))?)
    })
}

pub unsafe extern "system" fn cmd_next_subpass(
    cb: vk::CommandBuffer,
    _contents: vk::SubpassContents,
) {
    record("vkCmdNextSubpass", cb, || Ok(Command::NextSubpass))
}

pub unsafe extern "system" fn cmd_next_subpass2(
    cb: vk::CommandBuffer,
    _p_begin: *const vk::SubpassBeginInfo<'_>,
    _p_end: *const vk::SubpassEndInfo<'_>,
) {
    record("vkCmdNextSubpass2", cb, || Ok(Command::NextSubpass))
}

pub unsafe extern "system" fn cmd_end_render_pass(cb: vk::CommandBuffer) {
    record("vkCmdEndRenderPass", cb, || Ok(Command::EndRenderPass))
}

pub unsafe extern "system" fn cmd_end_render_pass2(
    cb: vk::CommandBuffer,
    _p_end: *const vk::SubpassEndInfo<'_>,
) {
    record("vkCmdEndRenderPass2", cb, || Ok(Command::EndRenderPass))
}

unsafe fn rendering_attachment(
    a: &vk::RenderingAttachmentInfo<'_>,
) -> Result<Option<RenderingAttachment>> {
    if a.image_view == vk::ImageView::null() {
        return Ok(None);
    }
    let view = obj::<ImageViewObj>(a.image_view, "imageView")?.0.clone();
    let resolve = if a.resolve_mode != vk::ResolveModeFlags::NONE
        && a.resolve_image_view != vk::ImageView::null()
    {
        Some((
            a.resolve_mode,
            obj::<ImageViewObj>(a.resolve_image_view, "resolveImageView")?
                .0
                .clone(),
        ))
    } else {
        None
    };
    Ok(Some(RenderingAttachment {
        view,
        load_op: a.load_op,
        store_op: a.store_op,
        clear: clear_bits(&a.clear_value),
        resolve,
    }))
}

pub unsafe extern "system" fn cmd_begin_rendering(
    cb: vk::CommandBuffer,
    p_info: *const vk::RenderingInfo<'_>,
) {
    record("vkCmdBeginRendering", cb, || {
        let i = p_info.as_ref().ok_or_else(|| null("pRenderingInfo"))?;
        let colors = slice(
            i.p_color_attachments,
            i.color_attachment_count,
            "pColorAttachments",
        )?
        .iter()
        .map(|a| rendering_attachment(a))
        .collect::<Result<Vec<_>>>()?;
        let one = |p: *const vk::RenderingAttachmentInfo<'_>| match p.as_ref() {
            Some(a) => rendering_attachment(a),
            None => Ok(None),
        };
        let r = Rendering {
            flags: i.flags,
            area: i.render_area,
            layers: i.layer_count,
            view_mask: i.view_mask,
            colors,
            depth: one(i.p_depth_attachment)?,
            stencil: one(i.p_stencil_attachment)?,
        };
        r.check()?;
        Ok(Command::BeginRendering(Arc::new(r)))
    })
}

pub unsafe extern "system" fn cmd_end_rendering(cb: vk::CommandBuffer) {
    record("vkCmdEndRendering", cb, || Ok(Command::EndRendering))
}

pub unsafe extern "system" fn cmd_clear_attachments(
    cb: vk::CommandBuffer,
    count: u32,
    p_attachments: *const vk::ClearAttachment,
    rect_count: u32,
    p_rects: *const vk::ClearRect,
) {
    record("vkCmdClearAttachments", cb, || {
        Ok(Command::ClearAttachments {
            clears: slice(p_attachments, count, "pAttachments")?
                .iter()
                .map(|c| ClearAttachment {
                    aspect_mask: c.aspect_mask,
                    color_attachment: c.color_attachment,
                    value: clear_bits(&c.clear_value),
                })
                .collect(),
            rects: slice(p_rects, rect_count, "pRects")?.to_vec(),
        })
    })
}
