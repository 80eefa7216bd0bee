//! Render pass instances at execution: load-op clears, vkCmdClearAttachments and resolves
//! (the contract is in [`crate::render_pass`]).
//!
//! [`RenderState`] is the executor's state across commands: which render pass instance (or
//! dynamic rendering) is active and in which subpass. Secondary command buffers executed inside
//! an instance see the primary's state.

use super::transfer::{Texels, color_texel, depth_stencil_texel, fill_rows, for_rows};
use crate::error::{Error, Result};
use crate::format;
use crate::render_pass::{
    ClearAttachment, ClearBits, Layers, PassBegin, Rendering, SubpassDesc, rect_inside,
};
use crate::resource::ImageView;
use ash::vk;
use std::sync::Arc;

type A = vk::ImageAspectFlags;

/// The active render pass instance, if any.
#[derive(Debug, Default)]
pub struct RenderState {
    active: Option<Active>,
    /// The active occlusion queries (pool, query, samples passed so far).
    pub occlusion: Vec<(Arc<crate::query::QueryPool>, u32, u64)>,
    /// The active pipeline statistics queries (pool, query, what was counted so far).
    pub statistics: Vec<(Arc<crate::query::QueryPool>, u32, crate::query::Statistics)>,
    /// Draws set up but not yet rasterized (`command::draw`): consecutive draws of the
    /// instance rasterize together, tile by tile; any other command first flushes them.
    pub pending: super::draw::Batch,
    /// The batch rasterizing on the pool while the queue sets up the next one
    /// (`command::exec::flush_beside`): its batch (emptied, buffers kept) and result.
    pub in_flight: Option<crate::exec::Job<super::draw::Rasterized>>,
    /// An emptied batch whose buffers the next batch reuses.
    pub idle: Option<super::draw::Batch>,
    /// What draws write now ([`RenderState::draw_views`]), made at the first draw and kept
    /// until the instance or its subpass changes.
    views: Option<DrawViews>,
}

#[derive(Debug)]
enum Active {
    Pass { begin: Arc<PassBegin>, subpass: u32 },
    Dynamic(Arc<Rendering>),
}

impl RenderState {
    pub fn begin_pass(&mut self, begin: &Arc<PassBegin>) -> Result<()> {
        self.not_active("vkCmdBeginRenderPass")?;
        self.views = None;
        self.active = Some(Active::Pass {
            begin: begin.clone(),
            subpass: 0,
        });
        load_subpass(begin, 0)
    }

    pub fn next_subpass(&mut self) -> Result<()> {
        let Some(Active::Pass { begin, subpass }) = &mut self.active else {
            return Err(Error::invalid(
                "vkCmdNextSubpass outside a render pass instance",
            ));
        };
        if *subpass as usize + 1 >= begin.pass.subpasses().len() {
            return Err(Error::invalid(
                "vkCmdNextSubpass in the last subpass (VUID-vkCmdNextSubpass-None-00909)",
            ));
        }
        resolve_subpass(begin, *subpass)?;
        *subpass += 1;
        let loaded = load_subpass(begin, *subpass);
        self.views = None;
        loaded
    }

    pub fn end_pass(&mut self) -> Result<()> {
        self.views = None;
        match self.active.take() {
            Some(Active::Pass { begin, subpass }) => resolve_subpass(&begin, subpass),
            other => {
                self.active = other;
                Err(Error::invalid(
                    "vkCmdEndRenderPass outside a render pass instance begun by vkCmdBeginRenderPass",
                ))
            }
        }
    }

    pub fn begin_rendering(&mut self, r: &Arc<Rendering>) -> Result<()> {
        self.not_active("vkCmdBeginRendering")?;
        self.views = None;
        self.active = Some(Active::Dynamic(r.clone()));
        if r.flags.contains(vk::RenderingFlags::RESUMING) {
            return Ok(());
        }
        let layers = Layers::new(r.layers, r.view_mask);
        for a in r.colors.iter().flatten() {
            if a.load_op == vk::AttachmentLoadOp::CLEAR {
                clear_view(&a.view, A::COLOR, a.clear, r.area, layers)?;
            }
        }
        for (a, aspect) in [(&r.depth, A::DEPTH), (&r.stencil, A::STENCIL)] {
            if let Some(a) = a
                && a.load_op == vk::AttachmentLoadOp::CLEAR
            {
                clear_view(&a.view, aspect, a.clear, r.area, layers)?;
            }
        }
        Ok(())
    }

    pub fn end_rendering(&mut self) -> Result<()> {
        self.views = None;
        let r = match self.active.take() {
            Some(Active::Dynamic(r)) => r,
            other => {
                self.active = other;
                return Err(Error::invalid(
                    "vkCmdEndRendering outside a render pass instance begun by vkCmdBeginRendering",
                ));
            }
        };
        if r.flags.contains(vk::RenderingFlags::SUSPENDING) {
            return Ok(());
        }
        let layers = Layers::new(r.layers, r.view_mask);
        for a in r.colors.iter().flatten() {
            if let Some((mode, to)) = &a.resolve {
                resolve_view(&a.view, to, A::COLOR, *mode, r.area, layers)?;
            }
        }
        for (a, aspect) in [(&r.depth, A::DEPTH), (&r.stencil, A::STENCIL)] {
            if let Some(a) = a
                && let Some((mode, to)) = &a.resolve
            {
                resolve_view(&a.view, to, aspect, *mode, r.area, layers)?;
            }
        }
        Ok(())
    }

    /// vkCmdClearAttachments: `rects` layers are relative to the instance's attachments.
    pub fn clear_attachments(
        &self,
        clears: &[ClearAttachment],
        rects: &[vk::ClearRect],
    ) -> Result<()> {
        let targets = |c: &ClearAttachment| -> Result<Vec<(Arc<ImageView>, A)>> {
            let mut out = Vec::new();
            match &self.active {
                None => {
                    return Err(Error::invalid(
                        "vkCmdClearAttachments outside a render pass instance",
                    ));
                }
                Some(Active::Pass { begin, subpass }) => {
                    let sp = &begin.pass.subpasses()[*subpass as usize];
                    if c.aspect_mask.contains(A::COLOR) {
                        let r = sp.colors.get(c.color_attachment as usize).ok_or_else(|| {
                            Error::invalid(format!(
                                "colorAttachment {} is not an attachment of the current subpass \
                                 (VUID-vkCmdClearAttachments-aspectMask-07271)",
                                c.color_attachment
                            ))
                        })?;
                        if let Some(i) = r.index() {
                            out.push((begin.views[i].clone(), A::COLOR));
                        }
                    } else if let Some(i) = sp.depth_stencil.and_then(|d| d.index()) {
                        for aspect in [A::DEPTH, A::STENCIL] {
                            if c.aspect_mask.contains(aspect) {
                                out.push((begin.views[i].clone(), aspect));
                            }
                        }
                    }
                }
                Some(Active::Dynamic(r)) => {
                    if c.aspect_mask.contains(A::COLOR) {
                        let a = r.colors.get(c.color_attachment as usize).ok_or_else(|| {
                            Error::invalid(format!(
                                "colorAttachment {} is not below colorAttachmentCount {} \
                                 (VUID-vkCmdClearAttachments-aspectMask-07271)",
                                c.color_attachment,
                                r.colors.len()
                            ))
                        })?;
                        if let Some(a) = a {
                            out.push((a.view.clone(), A::COLOR));
                        }
                    } else {
                        for (a, aspect) in [(&r.depth, A::DEPTH), (&r.stencil, A::STENCIL)] {
                            if let Some(a) = a
                                && c.aspect_mask.contains(aspect)
                            {
                                out.push((a.view.clone(), aspect));
                            }
                        }
                    }
                }
            }
            Ok(out)
        };
        let area = match &self.active {
            Some(Active::Pass { begin, .. }) => begin.area,
            Some(Active::Dynamic(r)) => r.area,
            None => vk::Rect2D::default(),
        };
        let layers = self.layers();
        for c in clears {
            for (view, aspect) in targets(c)? {
                for r in rects {
                    let outside = match layers {
                        // Spec (vkCmdClearAttachments): with multiview, each rect clears the
                        // layers of the current views; baseArrayLayer must be 0 and layerCount
                        // 1 (VUID-vkCmdClearAttachments-baseArrayLayer-00018).
                        Layers::Views(_) => r.base_array_layer != 0 || r.layer_count != 1,
                        Layers::Count(n) => {
                            r.layer_count == 0
                                || r.base_array_layer
                                    .checked_add(r.layer_count)
                                    .is_none_or(|e| e > n)
                        }
                    };
                    if !rect_inside(r.rect, area) || outside {
                        return Err(Error::invalid(format!(
                            "clear rect {:?} layers {}..+{} is outside the render area {:?} x \
                             {layers:?} (VUID-vkCmdClearAttachments-pRects-00016/06937, \
                             -baseArrayLayer-00018)",
                            r.rect, r.base_array_layer, r.layer_count, area
                        )));
                    }
                    match layers {
                        Layers::Views(_) => clear_view(&view, aspect, c.value, r.rect, layers)?,
                        Layers::Count(_) => {
                            let range = r.base_array_layer..r.base_array_layer + r.layer_count;
                            clear_view_layers(&view, aspect, c.value, r.rect, range)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The layers of the current subpass or rendering: its views with multiview, otherwise
    /// the instance's layer count (empty outside an instance).
    pub fn layers(&self) -> Layers {
        match &self.active {
            Some(Active::Pass { begin, subpass }) => Layers::new(
                begin.layers,
                begin.pass.subpasses()[*subpass as usize].view_mask,
            ),
            Some(Active::Dynamic(r)) => Layers::new(r.layers, r.view_mask),
            None => Layers::Count(0),
        }
    }

    /// How many query slots a query command uses here (spec, "Queries" with multiview: one
    /// per view of the current subpass; one outside multiview).
    pub fn query_slots(&self) -> u32 {
        match self.layers() {
            Layers::Views(m) => m.count_ones(),
            Layers::Count(_) => 1,
        }
    }

    fn not_active(&self, what: &str) -> Result<()> {
        if self.active.is_some() {
            return Err(Error::invalid(format!(
                "{what} inside an active render pass instance"
            )));
        }
        Ok(())
    }
}

/// The load ops of the attachments first used in `subpass`.
fn load_subpass(begin: &PassBegin, subpass: u32) -> Result<()> {
    for (i, a) in begin.pass.attachments().iter().enumerate() {
        let Some(layers) = begin.pass.loads_at(i, subpass, begin.layers) else {
            continue;
        };
        let clear = begin.clear_values.get(i).copied().unwrap_or_default();
        let view = &begin.views[i];
        let aspects = format::info(a.format).map_or(A::empty(), |f| f.aspects);
        for aspect in [A::COLOR, A::DEPTH, A::STENCIL] {
            let op = if aspect == A::STENCIL {
                a.stencil_load_op
            } else {
                a.load_op
            };
            if aspects.contains(aspect) && op == vk::AttachmentLoadOp::CLEAR {
                clear_view(view, aspect, clear, begin.area, layers)?;
            }
        }
    }
    Ok(())
}

/// The resolves at the end of `subpass`.
fn resolve_subpass(begin: &PassBegin, subpass: u32) -> Result<()> {
    let sp: &SubpassDesc = &begin.pass.subpasses()[subpass as usize];
    let layers = Layers::new(begin.layers, sp.view_mask);
    for (c, r) in sp.colors.iter().zip(&sp.resolves) {
        if let (Some(c), Some(r)) = (c.index(), r.index()) {
            // Render pass resolves average float formats and take sample 0 of integer ones.
            resolve_view(
                &begin.views[c],
                &begin.views[r],
                A::COLOR,
                vk::ResolveModeFlags::AVERAGE,
                begin.area,
                layers,
            )?;
        }
    }
    if let (Some(ds), Some(res)) = (sp.depth_stencil, sp.depth_stencil_resolve)
        && let (Some(d), Some(r)) = (ds.index(), res.attachment.index())
    {
        let aspects = format::info(begin.views[r].format).map_or(A::empty(), |f| f.aspects);
        for (aspect, mode) in [(A::DEPTH, res.depth_mode), (A::STENCIL, res.stencil_mode)] {
            if aspects.contains(aspect) && mode != vk::ResolveModeFlags::NONE {
                resolve_view(
                    &begin.views[d],
                    &begin.views[r],
                    aspect,
                    mode,
                    begin.area,
                    layers,
                )?;
            }
        }
    }
    Ok(())
}

/// The encoded texel `bits` clears `aspect` of `view` to (color in the view's format).
fn clear_texel(view: &ImageView, aspect: A, bits: ClearBits) -> Result<Vec<u8>> {
    let plane = view.image.plane(aspect)?;
    let (fmt, value) = if aspect == A::COLOR {
        let info = format::info(view.format)
            .ok_or_else(|| Error::unsupported_format("view format has no texel codec"))?;
        (view.format, color_texel(info, bits.0))
    } else {
        let value = depth_stencil_texel(aspect, f32::from_bits(bits.0[0]), bits.0[1])?;
        (plane.format, value)
    };
    let mut bytes = vec![0u8; plane.texel_bytes as usize];
    format::encode(fmt, value, &mut bytes);
    Ok(bytes)
}

/// Clears `rect` of `layers` (relative to the view) of `aspect` of `view`.
fn clear_view(
    view: &ImageView,
    aspect: A,
    bits: ClearBits,
    rect: vk::Rect2D,
    layers: Layers,
) -> Result<()> {
    clear_layers(view, aspect, bits, rect, layers.iter(), layers.end())
}

/// Clears `rect` of the layers `range` (relative to the view) of `aspect` of `view`.
fn clear_view_layers(
    view: &ImageView,
    aspect: A,
    bits: ClearBits,
    rect: vk::Rect2D,
    range: std::ops::Range<u32>,
) -> Result<()> {
    let end = range.end;
    clear_layers(view, aspect, bits, rect, range, end)
}

fn clear_layers(
    view: &ImageView,
    aspect: A,
    bits: ClearBits,
    rect: vk::Rect2D,
    layers: impl Iterator<Item = u32>,
    end: u32,
) -> Result<()> {
    let image = &view.image;
    let texel = clear_texel(view, aspect, bits)?;
    let pixel = texel.repeat(image.samples() as usize);
    let plane = image.plane(aspect)?;
    let mip = view.range.base_mip_level;
    let m = &plane.mips[mip as usize];
    let (x0, y0) = (rect.offset.x.max(0) as u64, rect.offset.y.max(0) as u64);
    let x1 = (rect.offset.x as i64 + rect.extent.width as i64).min(m.extent.width as i64);
    let y1 = (rect.offset.y as i64 + rect.extent.height as i64).min(m.extent.height as i64);
    if x1 <= x0 as i64 || y1 <= y0 as i64 || end > view.range.layer_count {
        return Ok(());
    }
    for layer in layers {
        let span = image.layer_span(plane, mip, view.range.base_array_layer + layer)?;
        fill_rows(&span, m, &pixel, (x0, y0), x1 as u64 - x0, y1 as u64 - y0);
    }
    Ok(())
}

/// Resolves `aspect` of `from` (multisampled) into `to` over `area` and `layers` layers.
fn resolve_view(
    from: &ImageView,
    to: &ImageView,
    aspect: A,
    mode: vk::ResolveModeFlags,
    area: vk::Rect2D,
    layers: Layers,
) -> Result<()> {
    let (fi, ti) = (&from.image, &to.image);
    let (fp, tp) = (fi.plane(aspect)?, ti.plane(aspect)?);
    if fp.texel_bytes != tp.texel_bytes {
        return Err(Error::invalid(format!(
            "resolve between views of {:?} and {:?}",
            from.format, to.format
        )));
    }
    let fmt = if aspect == A::COLOR {
        from.format
    } else {
        fp.format
    };
    let (fmip, tmip) = (from.range.base_mip_level, to.range.base_mip_level);
    let (fm, tm) = (&fp.mips[fmip as usize], &tp.mips[tmip as usize]);
    let w = (area.offset.x as i64 + area.extent.width as i64)
        .min(fm.extent.width as i64)
        .min(tm.extent.width as i64);
    let h = (area.offset.y as i64 + area.extent.height as i64)
        .min(fm.extent.height as i64)
        .min(tm.extent.height as i64);
    let (x0, y0) = (area.offset.x.max(0) as i64, area.offset.y.max(0) as i64);
    if w <= x0 || h <= y0 {
        return Ok(());
    }
    let available = from.range.layer_count.min(to.range.layer_count);
    for l in layers.iter().take_while(|&l| l < available) {
        let src = Texels {
            span: fi.layer_span(fp, fmip, from.range.base_array_layer + l)?,
            plane: fp,
            format: fmt,
            mip: fm,
            samples: fi.samples(),
        };
        let dst = Texels {
            span: ti.layer_span(tp, tmip, to.range.base_array_layer + l)?,
            plane: tp,
            format: fmt,
            mip: tm,
            samples: 1,
        };
        let row = (w - x0) as u64 * fp.texel_bytes as u64 * fi.samples() as u64;
        for_rows((h - y0) as usize, row, |i| {
            let y = (y0 + i as i64) as u32;
            for x in x0 as u32..w as u32 {
                src.resolve_into(&dst, (x, y), (x, y), mode);
            }
        });
    }
    Ok(())
}

/// The attachments a draw in the current subpass or dynamic rendering writes.
#[derive(Debug)]
pub struct DrawViews {
    /// Indexed by color attachment (fragment output location); None where unused.
    pub colors: Vec<Option<Arc<ImageView>>>,
    /// The views holding the depth and the stencil aspect (the same view for a combined
    /// depth/stencil attachment of a render pass).
    pub depth: Option<Arc<ImageView>>,
    pub stencil: Option<Arc<ImageView>>,
    pub area: vk::Rect2D,
    pub layers: Layers,
}

impl RenderState {
    /// What a draw writes now (kept from the instance's earlier draws) and the batch it
    /// joins; an error outside a render pass instance.
    pub fn views_and_batch(&mut self) -> Result<(&DrawViews, &mut super::draw::Batch)> {
        if self.views.is_none() {
            self.views = Some(self.draw_views()?);
        }
        let views = self.views.as_ref().expect("made above");
        Ok((views, &mut self.pending))
    }

    /// What a draw writes now; an error outside a render pass instance.
    pub fn draw_views(&self) -> Result<DrawViews> {
        let layers = self.layers();
        match &self.active {
            None => Err(Error::invalid(
                "a draw outside a render pass instance (VUID-vkCmdDraw-renderpass)",
            )),
            Some(Active::Pass { begin, subpass }) => {
                let sp = &begin.pass.subpasses()[*subpass as usize];
                let view = |r: &crate::render_pass::AttachmentRef| {
                    r.index().and_then(|i| begin.views.get(i)).cloned()
                };
                let ds = sp.depth_stencil.as_ref().and_then(view);
                let has = |v: &Arc<ImageView>, a: A| {
                    format::info(v.format).is_some_and(|f| f.aspects.contains(a))
                };
                Ok(DrawViews {
                    colors: sp.colors.iter().map(view).collect(),
                    depth: ds.clone().filter(|v| has(v, A::DEPTH)),
                    stencil: ds.filter(|v| has(v, A::STENCIL)),
                    area: begin.area,
                    layers,
                })
            }
            Some(Active::Dynamic(r)) => Ok(DrawViews {
                colors: r
                    .colors
                    .iter()
                    .map(|a| a.as_ref().map(|a| a.view.clone()))
                    .collect(),
                depth: r.depth.as_ref().map(|a| a.view.clone()),
                stencil: r.stencil.as_ref().map(|a| a.view.clone()),
                area: r.area,
                layers,
            }),
        }
    }
}
