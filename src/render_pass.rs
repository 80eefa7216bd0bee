//! Render passes, framebuffers and dynamic rendering: what a render pass instance does to its
//! attachments.
//!
//! Without draws (they are in the pending list) a render pass instance acts on its attachments
//! through three operations, all implemented here for every format that reports
//! `COLOR_ATTACHMENT` or `DEPTH_STENCIL_ATTACHMENT`:
//!
//! - **load**: at the first subpass that uses an attachment, `VK_ATTACHMENT_LOAD_OP_CLEAR`
//!   clears the render area of every layer of the instance (with multiview: each view's layer
//!   at the first subpass that uses the attachment with that view); `LOAD` keeps the contents;
//!   `DONT_CARE` / `NONE` keep them too (the spec makes them undefined; keeping is the cheapest
//!   defined choice).
//! - **vkCmdClearAttachments** inside the instance.
//! - **resolve**: at the end of each subpass (render passes) or of the instance (dynamic
//!   rendering, unless it suspends), multisampled attachments are resolved into their resolve
//!   attachments over the render area: AVERAGE (float/normalized color, depth), SAMPLE_ZERO,
//!   MIN, MAX (depth and stencil).
//!
//! Multiview (a view mask per subpass, or VkRenderingInfo::viewMask): view `i` is layer `i` of
//! every attachment; load ops, vkCmdClearAttachments and resolves act on the layers of the
//! current views ([`Layers`]), and queries inside the instance use one slot per view.
//!
//! Store ops need no work: attachments are the image's own memory, so STORE is what always
//! happens, and DONT_CARE / NONE leave contents the spec calls undefined. Image layouts are not a
//! memory representation here, so layout transitions are nothing.
//!
//! Who validates: the structures are checked for what would make execution touch memory outside
//! an image (attachment indices, counts, the render area); the rest of valid usage is the
//! application's (and the validation layer's).

use crate::error::{Error, Result};
use crate::format;
use crate::resource::ImageView;
use ash::vk;
use std::sync::Arc;

/// VK_ATTACHMENT_UNUSED.
pub const UNUSED: u32 = vk::ATTACHMENT_UNUSED;

/// One VkAttachmentDescription(2).
#[derive(Clone, Copy, Debug)]
pub struct AttachmentDesc {
    pub format: vk::Format,
    pub samples: u32,
    pub load_op: vk::AttachmentLoadOp,
    pub store_op: vk::AttachmentStoreOp,
    pub stencil_load_op: vk::AttachmentLoadOp,
    pub stencil_store_op: vk::AttachmentStoreOp,
}

/// One VkAttachmentReference(2): an attachment index (or [`UNUSED`]).
#[derive(Clone, Copy, Debug)]
pub struct AttachmentRef {
    pub attachment: u32,
    /// Of input attachments (render pass 2); empty otherwise.
    pub aspect_mask: vk::ImageAspectFlags,
}

impl AttachmentRef {
    pub fn index(&self) -> Option<usize> {
        (self.attachment != UNUSED).then_some(self.attachment as usize)
    }
}

/// VkSubpassDescriptionDepthStencilResolve.
#[derive(Clone, Copy, Debug)]
pub struct DepthStencilResolve {
    pub attachment: AttachmentRef,
    pub depth_mode: vk::ResolveModeFlags,
    pub stencil_mode: vk::ResolveModeFlags,
}

/// One VkSubpassDescription(2).
#[derive(Clone, Debug, Default)]
pub struct SubpassDesc {
    pub inputs: Vec<AttachmentRef>,
    pub colors: Vec<AttachmentRef>,
    /// Empty, or one per color attachment.
    pub resolves: Vec<AttachmentRef>,
    pub depth_stencil: Option<AttachmentRef>,
    pub depth_stencil_resolve: Option<DepthStencilResolve>,
    pub preserve: Vec<u32>,
    pub view_mask: u32,
}

/// The layers of the attachments an operation of a render pass instance acts on.
///
/// Without multiview, the first `Count` layers; with multiview (a non-zero view mask), the
/// layer of each view in the mask ("Multiview": view index `i` renders to layer `i`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layers {
    Count(u32),
    Views(u32),
}

impl Layers {
    /// `count` layers, unless `view_mask` is non-zero.
    pub fn new(count: u32, view_mask: u32) -> Self {
        if view_mask != 0 {
            Layers::Views(view_mask)
        } else {
            Layers::Count(count)
        }
    }

    /// The layer indices, ascending.
    pub fn iter(self) -> impl Iterator<Item = u32> {
        let (count, mask) = match self {
            Layers::Count(n) => (n, u32::MAX),
            Layers::Views(m) => (32, m),
        };
        (0..count).filter(move |&l| l >= 32 || mask & (1 << l) != 0)
    }

    /// One past the highest layer.
    pub fn end(self) -> u32 {
        match self {
            Layers::Count(n) => n,
            Layers::Views(m) => 32 - m.leading_zeros(),
        }
    }

    /// How many layers (views) there are: the query slots an operation in the instance uses.
    pub fn len(self) -> u32 {
        match self {
            Layers::Count(n) => n,
            Layers::Views(m) => m.count_ones(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// One VkRenderPass.
#[derive(Debug)]
pub struct RenderPass {
    attachments: Vec<AttachmentDesc>,
    subpasses: Vec<SubpassDesc>,
    /// Per attachment: the subpasses where its load ops happen, each with the views it loads
    /// there (0 without multiview: the first subpass that uses it, all layers).
    loads: Vec<Vec<(u32, u32)>>,
    /// The union of the subpasses' view masks (0 without multiview).
    view_union: u32,
}

/// Whether `format` has a depth or stencil aspect.
fn is_depth_stencil(format: vk::Format) -> bool {
    format::info(format).is_some_and(|i| {
        i.aspects
            .intersects(vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL)
    })
}

impl RenderPass {
    pub fn new(attachments: Vec<AttachmentDesc>, subpasses: Vec<SubpassDesc>) -> Result<Self> {
        if subpasses.is_empty() {
            return Err(Error::invalid(
                "a render pass needs at least one subpass (VUID-VkRenderPassCreateInfo-subpassCount-arraylength)",
            ));
        }
        let n = attachments.len();
        let check = |r: &AttachmentRef, what: &str, s: usize| -> Result<()> {
            match r.index() {
                Some(i) if i >= n => Err(Error::invalid(format!(
                    "subpass {s}: {what} attachment {i} is not below attachmentCount {n}"
                ))),
                _ => Ok(()),
            }
        };
        let multiview = subpasses[0].view_mask != 0;
        if subpasses.iter().any(|sp| (sp.view_mask != 0) != multiview) {
            return Err(Error::invalid(
                "either every subpass has a non-zero view mask or none has \
                 (VUID-VkRenderPassCreateInfo2-viewMask-03058)",
            ));
        }
        // Load ops (spec, "Render Pass Load Operations" with multiview): each view of an
        // attachment is loaded in the first subpass that uses the attachment with that view.
        let mut loads: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
        let mut loaded = vec![0u32; n];
        for (s, sp) in subpasses.iter().enumerate() {
            if !sp.resolves.is_empty() && sp.resolves.len() != sp.colors.len() {
                return Err(Error::invalid(format!(
                    "subpass {s}: pResolveAttachments must have colorAttachmentCount entries"
                )));
            }
            let refs = sp
                .inputs
                .iter()
                .map(|r| (r, "input"))
                .chain(sp.colors.iter().map(|r| (r, "color")))
                .chain(sp.resolves.iter().map(|r| (r, "resolve")))
                .chain(sp.depth_stencil.iter().map(|r| (r, "depth/stencil")))
                .chain(
                    sp.depth_stencil_resolve
                        .iter()
                        .map(|r| (&r.attachment, "depth/stencil resolve")),
                );
            for (r, what) in refs {
                check(r, what, s)?;
                if let Some(i) = r.index() {
                    let first = if multiview {
                        let new = sp.view_mask & !loaded[i];
                        loaded[i] |= sp.view_mask;
                        (new != 0).then_some(new)
                    } else {
                        loads[i].is_empty().then_some(0)
                    };
                    if let Some(views) = first {
                        match loads[i].last_mut() {
                            Some(last) if last.0 == s as u32 => last.1 |= views,
                            _ => loads[i].push((s as u32, views)),
                        }
                    }
                }
            }
            for (c, r) in sp.colors.iter().zip(&sp.resolves) {
                if let (Some(c), Some(r)) = (c.index(), r.index()) {
                    let (ca, ra) = (&attachments[c], &attachments[r]);
                    if ca.samples <= 1 || ra.samples != 1 || ca.format != ra.format {
                        return Err(Error::invalid(format!(
                            "subpass {s}: color attachment {c} ({:?}, {} samples) cannot resolve \
                             into attachment {r} ({:?}, {} samples) \
                             (VUID-VkSubpassDescription-pResolveAttachments-00848/00849/00850)",
                            ca.format, ca.samples, ra.format, ra.samples
                        )));
                    }
                }
            }
            if let Some(c) = sp.colors.iter().chain(&sp.depth_stencil).find_map(|r| {
                r.index().filter(|&i| {
                    let ds = is_depth_stencil(attachments[i].format);
                    ds != sp.depth_stencil.is_some_and(|d| d.index() == Some(i))
                })
            }) {
                return Err(Error::invalid(format!(
                    "subpass {s}: attachment {c} is used with the wrong aspect kind \
                     (color formats as color attachments, depth/stencil formats as depth/stencil)"
                )));
            }
            if let Some(r) = sp.depth_stencil_resolve
                && let Some(ri) = r.attachment.index()
            {
                let Some(di) = sp.depth_stencil.and_then(|d| d.index()) else {
                    return Err(Error::invalid(format!(
                        "subpass {s}: a depth/stencil resolve attachment without a depth/stencil \
                         attachment (VUID-VkSubpassDescriptionDepthStencilResolve-pDepthStencilResolveAttachment-03177)"
                    )));
                };
                if attachments[di].samples <= 1 || attachments[ri].samples != 1 {
                    return Err(Error::invalid(format!(
                        "subpass {s}: depth/stencil resolve needs a multisampled attachment and a \
                         single-sampled resolve attachment"
                    )));
                }
            }
        }
        let view_union = subpasses.iter().fold(0, |m, sp| m | sp.view_mask);
        Ok(RenderPass {
            attachments,
            subpasses,
            loads,
            view_union,
        })
    }

    pub fn attachments(&self) -> &[AttachmentDesc] {
        &self.attachments
    }

    pub fn subpasses(&self) -> &[SubpassDesc] {
        &self.subpasses
    }

    /// The layers whose load ops attachment `i` performs when `subpass` begins, if any.
    pub fn loads_at(&self, i: usize, subpass: u32, layers: u32) -> Option<Layers> {
        self.loads
            .get(i)?
            .iter()
            .find(|(s, _)| *s == subpass)
            .map(|&(_, views)| Layers::new(layers, views))
    }

    /// The union of the subpasses' view masks: 0 unless the pass uses multiview.
    pub fn view_union(&self) -> u32 {
        self.view_union
    }

    /// vkGetRenderAreaGranularity: every pixel is as cheap as any other.
    pub fn granularity(&self) -> vk::Extent2D {
        vk::Extent2D {
            width: 1,
            height: 1,
        }
    }
}

/// One VkFramebuffer.
#[derive(Debug)]
pub struct Framebuffer {
    pub width: u32,
    pub height: u32,
    pub layers: u32,
    /// The views, or `None` for an imageless framebuffer (views come with each begin).
    pub views: Option<Vec<Arc<ImageView>>>,
    pub attachment_count: usize,
}

impl Framebuffer {
    pub fn new(
        pass: &RenderPass,
        width: u32,
        height: u32,
        layers: u32,
        views: Option<Vec<Arc<ImageView>>>,
        attachment_count: usize,
    ) -> Result<Self> {
        if width == 0 || height == 0 || layers == 0 {
            return Err(Error::invalid(format!(
                "framebuffer extent {width}x{height}x{layers} has a zero dimension"
            )));
        }
        if attachment_count != pass.attachments.len() {
            return Err(Error::invalid(format!(
                "framebuffer has {attachment_count} attachments, the render pass {} \
                 (VUID-VkFramebufferCreateInfo-attachmentCount-00876)",
                pass.attachments.len()
            )));
        }
        if let Some(views) = &views {
            check_views(pass, views, width, height, layers)?;
        }
        Ok(Framebuffer {
            width,
            height,
            layers,
            views,
            attachment_count,
        })
    }
}

/// Checks that `views` fit `pass` and cover `width` x `height` x `layers`.
pub fn check_views(
    pass: &RenderPass,
    views: &[Arc<ImageView>],
    width: u32,
    height: u32,
    layers: u32,
) -> Result<()> {
    if views.len() != pass.attachments.len() {
        return Err(Error::invalid(format!(
            "{} attachment views for a render pass of {} attachments",
            views.len(),
            pass.attachments.len()
        )));
    }
    for (i, (v, a)) in views.iter().zip(&pass.attachments).enumerate() {
        if v.format != a.format || v.image.samples() != a.samples {
            return Err(Error::invalid(format!(
                "attachment {i}: view of {:?} with {} samples, the render pass says {:?} with {} \
                 (VUID-VkFramebufferCreateInfo-pAttachments-00880/00881)",
                v.format,
                v.image.samples(),
                a.format,
                a.samples
            )));
        }
        let e = v.extent();
        // With multiview, view index i is layer i of every attachment
        // (VUID-VkFramebufferCreateInfo-renderPass-04536).
        let layers = layers.max(Layers::Views(pass.view_union).end());
        if e.width < width || e.height < height || v.range.layer_count < layers {
            return Err(Error::invalid(format!(
                "attachment {i}: view of {}x{}x{} is smaller than the framebuffer \
                 {width}x{height}x{layers} (VUID-VkFramebufferCreateInfo-flags-04533)",
                e.width, e.height, v.range.layer_count
            )));
        }
    }
    Ok(())
}

/// The raw bits of a VkClearValue: color as float/int/uint bits, or depth (bits of an f32) and
/// stencil in the first two words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClearBits(pub [u32; 4]);

/// What vkCmdBeginRenderPass(2) records.
#[derive(Debug)]
pub struct PassBegin {
    pub pass: Arc<RenderPass>,
    /// The framebuffer's views, or those of VkRenderPassAttachmentBeginInfo.
    pub views: Vec<Arc<ImageView>>,
    pub area: vk::Rect2D,
    pub layers: u32,
    /// Indexed by attachment; missing entries are zero.
    pub clear_values: Vec<ClearBits>,
}

impl PassBegin {
    pub fn new(
        pass: Arc<RenderPass>,
        framebuffer: &Framebuffer,
        views: Option<Vec<Arc<ImageView>>>,
        area: vk::Rect2D,
        clear_values: Vec<ClearBits>,
    ) -> Result<Self> {
        let views = match (views, &framebuffer.views) {
            (Some(v), None) => {
                check_views(
                    &pass,
                    &v,
                    framebuffer.width,
                    framebuffer.height,
                    framebuffer.layers,
                )?;
                v
            }
            (None, Some(v)) => v.clone(),
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "VkRenderPassAttachmentBeginInfo with a framebuffer that has its views \
                     (VUID-VkRenderPassBeginInfo-framebuffer-03207)",
                ));
            }
            (None, None) => {
                return Err(Error::invalid(
                    "an imageless framebuffer needs VkRenderPassAttachmentBeginInfo \
                     (VUID-VkRenderPassBeginInfo-framebuffer-03207)",
                ));
            }
        };
        if views.len() != pass.attachments.len() {
            return Err(Error::invalid(
                "the framebuffer was made for a render pass with a different attachment count",
            ));
        }
        check_area(area, framebuffer.width, framebuffer.height)?;
        Ok(PassBegin {
            pass,
            views,
            area,
            layers: framebuffer.layers,
            clear_values,
        })
    }
}

/// Whether `r` lies inside `outer`.
pub fn rect_inside(r: vk::Rect2D, outer: vk::Rect2D) -> bool {
    let lo = |o: i32, oo: i32| o >= oo;
    let hi = |o: i32, e: u32, oo: i32, oe: u32| o as i64 + e as i64 <= oo as i64 + oe as i64;
    lo(r.offset.x, outer.offset.x)
        && lo(r.offset.y, outer.offset.y)
        && hi(
            r.offset.x,
            r.extent.width,
            outer.offset.x,
            outer.extent.width,
        )
        && hi(
            r.offset.y,
            r.extent.height,
            outer.offset.y,
            outer.extent.height,
        )
}

/// The render area must lie inside `width` x `height` (VUID-VkRenderPassBeginInfo-pNext-02852).
fn check_area(area: vk::Rect2D, width: u32, height: u32) -> Result<()> {
    let whole = vk::Rect2D {
        offset: vk::Offset2D::default(),
        extent: vk::Extent2D { width, height },
    };
    if !rect_inside(area, whole) {
        return Err(Error::invalid(format!(
            "render area {:?} is not inside {width}x{height} (VUID-VkRenderPassBeginInfo-pNext-02852)",
            area
        )));
    }
    Ok(())
}

/// One VkRenderingAttachmentInfo.
#[derive(Debug)]
pub struct RenderingAttachment {
    pub view: Arc<ImageView>,
    pub load_op: vk::AttachmentLoadOp,
    pub store_op: vk::AttachmentStoreOp,
    pub clear: ClearBits,
    /// Resolve mode (not NONE) and target.
    pub resolve: Option<(vk::ResolveModeFlags, Arc<ImageView>)>,
}

/// What vkCmdBeginRendering records.
#[derive(Debug)]
pub struct Rendering {
    pub flags: vk::RenderingFlags,
    pub area: vk::Rect2D,
    pub layers: u32,
    /// VkRenderingInfo::viewMask (multiview when non-zero; `layers` is then ignored).
    pub view_mask: u32,
    /// Indexed like pColorAttachments; `None` where imageView is VK_NULL_HANDLE.
    pub colors: Vec<Option<RenderingAttachment>>,
    pub depth: Option<RenderingAttachment>,
    pub stencil: Option<RenderingAttachment>,
}

impl Rendering {
    /// Checks the attachments against the render area and layers; vkCmdBeginRendering records
    /// only a checked `Rendering` (execution also clips every access to the images).
    pub fn check(&self) -> Result<()> {
        if self.layers == 0 && self.view_mask == 0 {
            return Err(Error::invalid(
                "VkRenderingInfo::layerCount is 0 (VUID-VkRenderingInfo-viewMask-06069)",
            ));
        }
        let layers = Layers::new(self.layers, self.view_mask).end();
        let all = self
            .colors
            .iter()
            .flatten()
            .chain(&self.depth)
            .chain(&self.stencil);
        for a in all {
            let views = std::iter::once(&a.view).chain(a.resolve.as_ref().map(|r| &r.1));
            for v in views {
                let e = v.extent();
                check_area(self.area, e.width, e.height)?;
                if v.range.layer_count < layers {
                    return Err(Error::invalid(format!(
                        "an attachment view has {} layers, the rendering {layers} \
                         (VUID-VkRenderingInfo-viewMask-06069, -imageView-06070)",
                        v.range.layer_count
                    )));
                }
            }
            if let Some((_, r)) = &a.resolve
                && (a.view.image.samples() <= 1 || r.image.samples() != 1)
            {
                return Err(Error::invalid(
                    "a resolve needs a multisampled attachment and a single-sampled resolve view \
                     (VUID-VkRenderingAttachmentInfo-imageView-06861/06862)",
                ));
            }
        }
        Ok(())
    }
}

/// One VkClearAttachment.
#[derive(Clone, Copy, Debug)]
pub struct ClearAttachment {
    pub aspect_mask: vk::ImageAspectFlags,
    pub color_attachment: u32,
    pub value: ClearBits,
}
