//! vkCmd*: each shim turns its arguments into one core `Command` and records it.
//!
//! The *2 forms convert their region structures to the 1.0 ones (the only pNext their regions
//! may carry belongs to extensions softvk does not report).

use super::obj;
use crate::boundary::{call_void, null, slice, string};
use crate::handle;
use crate::objects::*;
use ash::vk;
use softvk::command::{Command, DrawCall, SetState};
use softvk::error::{Error, Result};
use std::sync::Arc;

/// Records the command `build` makes. A failure to build it is reported now and makes
/// vkEndCommandBuffer fail, as the spec says recording errors surface.
pub(super) unsafe fn record(
    name: &str,
    cb: vk::CommandBuffer,
    build: impl FnOnce() -> Result<Command>,
) {
    let c = handle::get_dispatchable::<CommandBufferObj>(cb);
    call_void(name, c.map(|c| &**c.device.reporter()), || {
        let c = c.ok_or_else(|| null("commandBuffer"))?;
        match build() {
            Ok(cmd) => c.core.record(cmd),
            Err(e) => {
                c.core.record_error(e.clone());
                Err(e)
            }
        }
    })
}

unsafe fn buffer(h: vk::Buffer) -> Result<Arc<softvk::resource::Buffer>> {
    Ok(obj::<BufferObj>(h, "buffer")?.0.clone())
}

unsafe fn image(h: vk::Image) -> Result<Arc<softvk::resource::Image>> {
    Ok(obj::<ImageObj>(h, "image")?.0.clone())
}

unsafe fn event(h: vk::Event) -> Result<Arc<softvk::sync::Event>> {
    Ok(obj::<EventObj>(h, "event")?.0.clone())
}

unsafe fn query_pool(h: vk::QueryPool) -> Result<Arc<softvk::query::QueryPool>> {
    Ok(obj::<QueryPoolObj>(h, "queryPool")?.0.clone())
}

pub unsafe extern "system" fn cmd_copy_buffer(
    cb: vk::CommandBuffer,
    src: vk::Buffer,
    dst: vk::Buffer,
    count: u32,
    p_regions: *const vk::BufferCopy,
) {
    record("vkCmdCopyBuffer", cb, || {
        Ok(Command::CopyBuffer {
            src: buffer(src)?,
            dst: buffer(dst)?,
            regions: slice(p_regions, count, "pRegions")?.to_vec(),
        })
    })
}

pub unsafe extern "system" fn cmd_copy_buffer2(
    cb: vk::CommandBuffer,
    p_info: *const vk::CopyBufferInfo2<'_>,
) {
    record("vkCmdCopyBuffer2", cb, || {
        let i = p_info.as_ref().ok_or_else(|| null("pCopyBufferInfo"))?;
        Ok(Command::CopyBuffer {
            src: buffer(i.src_buffer)?,
            dst: buffer(i.dst_buffer)?,
            regions: slice(i.p_regions, i.region_count, "pRegions")?
                .iter()
                .map(|r| vk::BufferCopy {
                    src_offset: r.src_offset,
                    dst_offset: r.dst_offset,
                    size: r.size,
                })
                .collect(),
        })
    })
}

pub unsafe extern "system" fn cmd_copy_image(
    cb: vk::CommandBuffer,
    src: vk::Image,
    _src_layout: vk::ImageLayout,
    dst: vk::Image,
    _dst_layout: vk::ImageLayout,
    count: u32,
    p_regions: *const vk::ImageCopy,
) {
    record("vkCmdCopyImage", cb, || {
        Ok(Command::CopyImage {
            src: image(src)?,
            dst: image(dst)?,
            regions: slice(p_regions, count, "pRegions")?.to_vec(),
        })
    })
}

pub unsafe extern "system" fn cmd_copy_image2(
    cb: vk::CommandBuffer,
    p_info: *const vk::CopyImageInfo2<'_>,
) {
    record("vkCmdCopyImage2", cb, || {
        let i = p_info.as_ref().ok_or_else(|| null("pCopyImageInfo"))?;
        Ok(Command::CopyImage {
            src: image(i.src_image)?,
            dst: image(i.dst_image)?,
            regions: slice(i.p_regions, i.region_count, "pRegions")?
                .iter()
                .map(|r| vk::ImageCopy {
                    src_subresource: r.src_subresource,
                    src_offset: r.src_offset,
                    dst_subresource: r.dst_subresource,
                    dst_offset: r.dst_offset,
                    extent: r.extent,
                })
                .collect(),
        })
    })
}

fn buffer_image_copy(r: &vk::BufferImageCopy2<'_>) -> vk::BufferImageCopy {
    vk::BufferImageCopy {
        buffer_offset: r.buffer_offset,
        buffer_row_length: r.buffer_row_length,
        buffer_image_height: r.buffer_image_height,
        image_subresource: r.image_subresource,
        image_offset: r.image_offset,
        image_extent: r.image_extent,
    }
}

pub unsafe extern "system" fn cmd_copy_buffer_to_image(
    cb: vk::CommandBuffer,
    src: vk::Buffer,
    dst: vk::Image,
    _layout: vk::ImageLayout,
    count: u32,
    p_regions: *const vk::BufferImageCopy,
) {
    record("vkCmdCopyBufferToImage", cb, || {
        Ok(Command::CopyBufferToImage {
            src: buffer(src)?,
            dst: image(dst)?,
            regions: slice(p_regions, count, "pRegions")?.to_vec(),
        })
    })
}

pub unsafe extern "system" fn cmd_copy_buffer_to_image2(
    cb: vk::CommandBuffer,
    p_info: *const vk::CopyBufferToImageInfo2<'_>,
) {
    record("vkCmdCopyBufferToImage2", cb, || {
        let i = p_info
            .as_ref()
            .ok_or_else(|| null("pCopyBufferToImageInfo"))?;
        Ok(Command::CopyBufferToImage {
            src: buffer(i.src_buffer)?,
            dst: image(i.dst_image)?,
            regions: slice(i.p_regions, i.region_count, "pRegions")?
                .iter()
                .map(buffer_image_copy)
                .collect(),
        })
    })
}

pub unsafe extern "system" fn cmd_copy_image_to_buffer(
    cb: vk::CommandBuffer,
    src: vk::Image,
    _layout: vk::ImageLayout,
    dst: vk::Buffer,
    count: u32,
    p_regions: *const vk::BufferImageCopy,
) {
    record("vkCmdCopyImageToBuffer", cb, || {
        Ok(Command::CopyImageToBuffer {
            src: image(src)?,
            dst: buffer(dst)?,
            regions: slice(p_regions, count, "pRegions")?.to_vec(),
        })
    })
}

pub unsafe extern "system" fn cmd_copy_image_to_buffer2(
    cb: vk::CommandBuffer,
    p_info: *const vk::CopyImageToBufferInfo2<'_>,
) {
    record("vkCmdCopyImageToBuffer2", cb, || {
        let i = p_info
            .as_ref()
            .ok_or_else(|| null("pCopyImageToBufferInfo"))?;
        Ok(Command::CopyImageToBuffer {
            src: image(i.src_image)?,
            dst: buffer(i.dst_buffer)?,
            regions: slice(i.p_regions, i.region_count, "pRegions")?
                .iter()
                .map(buffer_image_copy)
                .collect(),
        })
    })
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "system" fn cmd_blit_image(
    cb: vk::CommandBuffer,
    src: vk::Image,
    _src_layout: vk::ImageLayout,
    dst: vk::Image,
    _dst_layout: vk::ImageLayout,
    count: u32,
    p_regions: *const vk::ImageBlit,
    filter: vk::Filter,
) {
    record("vkCmdBlitImage", cb, || {
        Ok(Command::BlitImage {
            src: image(src)?,
            dst: image(dst)?,
            regions: slice(p_regions, count, "pRegions")?.to_vec(),
            filter,
        })
    })
}

pub unsafe extern "system" fn cmd_blit_image2(
    cb: vk::CommandBuffer,
    p_info: *const vk::BlitImageInfo2<'_>,
) {
    record("vkCmdBlitImage2", cb, || {
        let i = p_info.as_ref().ok_or_else(|| null("pBlitImageInfo"))?;
        Ok(Command::BlitImage {
            src: image(i.src_image)?,
            dst: image(i.dst_image)?,
            regions: slice(i.p_regions, i.region_count, "pRegions")?
                .iter()
                .map(|r| vk::ImageBlit {
                    src_subresource: r.src_subresource,
                    src_offsets: r.src_offsets,
                    dst_subresource: r.dst_subresource,
                    dst_offsets: r.dst_offsets,
                })
                .collect(),
            filter: i.filter,
        })
    })
}

pub unsafe extern "system" fn cmd_resolve_image(
    cb: vk::CommandBuffer,
    src: vk::Image,
    _src_layout: vk::ImageLayout,
    dst: vk::Image,
    _dst_layout: vk::ImageLayout,
    count: u32,
    p_regions: *const vk::ImageResolve,
) {
    record("vkCmdResolveImage", cb, || {
        Ok(Command::ResolveImage {
            src: image(src)?,
            dst: image(dst)?,
            regions: slice(p_regions, count, "pRegions")?.to_vec(),
        })
    })
}

pub unsafe extern "system" fn cmd_resolve_image2(
    cb: vk::CommandBuffer,
    p_info: *const vk::ResolveImageInfo2<'_>,
) {
    record("vkCmdResolveImage2", cb, || {
        let i = p_info.as_ref().ok_or_else(|| null("pResolveImageInfo"))?;
        Ok(Command::ResolveImage {
            src: image(i.src_image)?,
            dst: image(i.dst_image)?,
            regions: slice(i.p_regions, i.region_count, "pRegions")?
                .iter()
                .map(|r| vk::ImageResolve {
                    src_subresource: r.src_subresource,
                    src_offset: r.src_offset,
                    dst_subresource: r.dst_subresource,
                    dst_offset: r.dst_offset,
                    extent: r.extent,
                })
                .collect(),
        })
    })
}

pub unsafe extern "system" fn cmd_fill_buffer(
    cb: vk::CommandBuffer,
    dst: vk::Buffer,
    offset: vk::DeviceSize,
    size: vk::DeviceSize,
    data: u32,
) {
    record("vkCmdFillBuffer", cb, || {
        Ok(Command::FillBuffer {
            dst: buffer(dst)?,
            offset,
            size,
            data,
        })
    })
}

pub unsafe extern "system" fn cmd_update_buffer(
    cb: vk::CommandBuffer,
    dst: vk::Buffer,
    offset: vk::DeviceSize,
    size: vk::DeviceSize,
    p_data: *const std::ffi::c_void,
) {
    record("vkCmdUpdateBuffer", cb, || {
        if size == 0 || size > 65536 || !size.is_multiple_of(4) || !offset.is_multiple_of(4) {
            return Err(Error::invalid(format!(
                "vkCmdUpdateBuffer size {size} must be a multiple of 4 in 4..=65536 and offset \
                 {offset} a multiple of 4 (VUID-vkCmdUpdateBuffer-dataSize-00037, -00038)"
            )));
        }
        let data = slice(p_data as *const u8, size as u32, "pData")?.to_vec();
        Ok(Command::UpdateBuffer {
            dst: buffer(dst)?,
            offset,
            data,
        })
    })
}

pub unsafe extern "system" fn cmd_clear_color_image(
    cb: vk::CommandBuffer,
    img: vk::Image,
    _layout: vk::ImageLayout,
    p_color: *const vk::ClearColorValue,
    count: u32,
    p_ranges: *const vk::ImageSubresourceRange,
) {
    record("vkCmdClearColorImage", cb, || {
        let color = p_color.as_ref().ok_or_else(|| null("pColor"))?;
        Ok(Command::ClearColorImage {
            image: image(img)?,
            // SAFETY: every member of the union is 16 bytes of plain data.
            color: color.uint32,
            ranges: slice(p_ranges, count, "pRanges")?.to_vec(),
        })
    })
}

pub unsafe extern "system" fn cmd_clear_depth_stencil_image(
    cb: vk::CommandBuffer,
    img: vk::Image,
    _layout: vk::ImageLayout,
    p_value: *const vk::ClearDepthStencilValue,
    count: u32,
    p_ranges: *const vk::ImageSubresourceRange,
) {
    record("vkCmdClearDepthStencilImage", cb, || {
        let v = p_value.as_ref().ok_or_else(|| null("pDepthStencil"))?;
        Ok(Command::ClearDepthStencilImage {
            image: image(img)?,
            depth: v.depth,
            stencil: v.stencil,
            ranges: slice(p_ranges, count, "pRanges")?.to_vec(),
        })
    })
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "system" fn cmd_pipeline_barrier(
    cb: vk::CommandBuffer,
    _src: vk::PipelineStageFlags,
    _dst: vk::PipelineStageFlags,
    _dep: vk::DependencyFlags,
    _mb_count: u32,
    _p_mb: *const vk::MemoryBarrier<'_>,
    _bb_count: u32,
    _p_bb: *const vk::BufferMemoryBarrier<'_>,
    _ib_count: u32,
    _p_ib: *const vk::ImageMemoryBarrier<'_>,
) {
    record("vkCmdPipelineBarrier", cb, || Ok(Command::PipelineBarrier))
}

pub unsafe extern "system" fn cmd_pipeline_barrier2(
    cb: vk::CommandBuffer,
    p_info: *const vk::DependencyInfo<'_>,
) {
    record("vkCmdPipelineBarrier2", cb, || {
        p_info.as_ref().ok_or_else(|| null("pDependencyInfo"))?;
        Ok(Command::PipelineBarrier)
    })
}

pub unsafe extern "system" fn cmd_set_event(
    cb: vk::CommandBuffer,
    e: vk::Event,
    _stage: vk::PipelineStageFlags,
) {
    record("vkCmdSetEvent", cb, || Ok(Command::SetEvent(event(e)?)))
}

pub unsafe extern "system" fn cmd_set_event2(
    cb: vk::CommandBuffer,
    e: vk::Event,
    _info: *const vk::DependencyInfo<'_>,
) {
    record("vkCmdSetEvent2", cb, || Ok(Command::SetEvent(event(e)?)))
}

pub unsafe extern "system" fn cmd_reset_event(
    cb: vk::CommandBuffer,
    e: vk::Event,
    _stage: vk::PipelineStageFlags,
) {
    record("vkCmdResetEvent", cb, || Ok(Command::ResetEvent(event(e)?)))
}

pub unsafe extern "system" fn cmd_reset_event2(
    cb: vk::CommandBuffer,
    e: vk::Event,
    _stage: vk::PipelineStageFlags2,
) {
    record("vkCmdResetEvent2", cb, || {
        Ok(Command::ResetEvent(event(e)?))
    })
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "system" fn cmd_wait_events(
    cb: vk::CommandBuffer,
    count: u32,
    p_events: *const vk::Event,
    _src: vk::PipelineStageFlags,
    _dst: vk::PipelineStageFlags,
    _mb_count: u32,
    _p_mb: *const vk::MemoryBarrier<'_>,
    _bb_count: u32,
    _p_bb: *const vk::BufferMemoryBarrier<'_>,
    _ib_count: u32,
    _p_ib: *const vk::ImageMemoryBarrier<'_>,
) {
    record("vkCmdWaitEvents", cb, || {
        let events = slice(p_events, count, "pEvents")?
            .iter()
            .map(|&e| event(e))
            .collect::<Result<Vec<_>>>()?;
        Ok(Command::WaitEvents(events))
    })
}

pub unsafe extern "system" fn cmd_wait_events2(
    cb: vk::CommandBuffer,
    count: u32,
    p_events: *const vk::Event,
    _infos: *const vk::DependencyInfo<'_>,
) {
    record("vkCmdWaitEvents2", cb, || {
        let events = slice(p_events, count, "pEvents")?
            .iter()
            .map(|&e| event(e))
            .collect::<Result<Vec<_>>>()?;
        Ok(Command::WaitEvents(events))
    })
}

pub unsafe extern "system" fn cmd_reset_query_pool(
    cb: vk::CommandBuffer,
    pool: vk::QueryPool,
    first: u32,
    count: u32,
) {
    record("vkCmdResetQueryPool", cb, || {
        let pool = query_pool(pool)?;
        pool.check_range(first, count)?;
        Ok(Command::ResetQueryPool { pool, first, count })
    })
}

pub unsafe extern "system" fn cmd_write_timestamp(
    cb: vk::CommandBuffer,
    _stage: vk::PipelineStageFlags,
    pool: vk::QueryPool,
    query: u32,
) {
    record("vkCmdWriteTimestamp", cb, || {
        Ok(Command::WriteTimestamp {
            pool: query_pool(pool)?,
            query,
        })
    })
}

pub unsafe extern "system" fn cmd_write_timestamp2(
    cb: vk::CommandBuffer,
    _stage: vk::PipelineStageFlags2,
    pool: vk::QueryPool,
    query: u32,
) {
    record("vkCmdWriteTimestamp2", cb, || {
        Ok(Command::WriteTimestamp {
            pool: query_pool(pool)?,
            query,
        })
    })
}

pub unsafe extern "system" fn cmd_begin_query(
    cb: vk::CommandBuffer,
    pool: vk::QueryPool,
    query: u32,
    _flags: vk::QueryControlFlags,
) {
    record("vkCmdBeginQuery", cb, || {
        Ok(Command::BeginQuery {
            pool: query_pool(pool)?,
            query,
        })
    })
}

pub unsafe extern "system" fn cmd_end_query(
    cb: vk::CommandBuffer,
    pool: vk::QueryPool,
    query: u32,
) {
    record("vkCmdEndQuery", cb, || {
        Ok(Command::EndQuery {
            pool: query_pool(pool)?,
            query,
        })
    })
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "system" fn cmd_copy_query_pool_results(
    cb: vk::CommandBuffer,
    pool: vk::QueryPool,
    first: u32,
    count: u32,
    dst: vk::Buffer,
    offset: vk::DeviceSize,
    stride: vk::DeviceSize,
    flags: vk::QueryResultFlags,
) {
    record("vkCmdCopyQueryPoolResults", cb, || {
        Ok(Command::CopyQueryPoolResults {
            pool: query_pool(pool)?,
            first,
            count,
            dst: buffer(dst)?,
            offset,
            stride,
            flags,
        })
    })
}

pub unsafe extern "system" fn cmd_execute_commands(
    cb: vk::CommandBuffer,
    count: u32,
    p_buffers: *const vk::CommandBuffer,
) {
    record("vkCmdExecuteCommands", cb, || {
        let mut recs = vec![];
        for &s in slice(p_buffers, count, "pCommandBuffers")? {
            let sec = handle::get_dispatchable::<CommandBufferObj>(s)
                .ok_or_else(|| null("secondary command buffer"))?;
            if sec.core.level() != vk::CommandBufferLevel::SECONDARY {
                return Err(Error::invalid(
                    "vkCmdExecuteCommands with a primary command buffer (VUID-vkCmdExecuteCommands-pCommandBuffers-00088)",
                ));
            }
            recs.push(sec.core.executable()?);
        }
        Ok(Command::ExecuteCommands(recs))
    })
}

pub unsafe extern "system" fn cmd_set_device_mask(cb: vk::CommandBuffer, mask: u32) {
    record("vkCmdSetDeviceMask", cb, || {
        Ok(Command::SetDeviceMask(mask))
    })
}

unsafe fn label_name(p: *const vk::DebugUtilsLabelEXT<'_>) -> Result<String> {
    let l = p.as_ref().ok_or_else(|| null("pLabelInfo"))?;
    string(l.p_label_name)
}

pub unsafe extern "system" fn cmd_begin_debug_utils_label(
    cb: vk::CommandBuffer,
    p_label: *const vk::DebugUtilsLabelEXT<'_>,
) {
    record("vkCmdBeginDebugUtilsLabelEXT", cb, || {
        Ok(Command::BeginDebugLabel(label_name(p_label)?))
    })
}

pub unsafe extern "system" fn cmd_end_debug_utils_label(cb: vk::CommandBuffer) {
    record("vkCmdEndDebugUtilsLabelEXT", cb, || {
        Ok(Command::EndDebugLabel)
    })
}

pub unsafe extern "system" fn cmd_insert_debug_utils_label(
    cb: vk::CommandBuffer,
    p_label: *const vk::DebugUtilsLabelEXT<'_>,
) {
    record("vkCmdInsertDebugUtilsLabelEXT", cb, || {
        Ok(Command::InsertDebugLabel(label_name(p_label)?))
    })
}

pub unsafe extern "system" fn cmd_bind_pipeline(
    cb: vk::CommandBuffer,
    bind_point: vk::PipelineBindPoint,
    pipeline: vk::Pipeline,
) {
    record("vkCmdBindPipeline", cb, || {
        match (obj::<PipelineObj>(pipeline, "pipeline")?, bind_point) {
            (PipelineObj::Compute(p), vk::PipelineBindPoint::COMPUTE) => {
                Ok(Command::BindComputePipeline(p.clone()))
            }
            (PipelineObj::Graphics(p), vk::PipelineBindPoint::GRAPHICS) => {
                Ok(Command::BindGraphicsPipeline(p.clone()))
            }
            _ => Err(Error::invalid(format!(
                "a pipeline bound to {bind_point:?}, which is not its bind point \
                 (VUID-vkCmdBindPipeline-pipelineBindPoint-00779/00780)"
            ))),
        }
    })
}

pub unsafe extern "system" fn cmd_bind_descriptor_sets(
    cb: vk::CommandBuffer,
    bind_point: vk::PipelineBindPoint,
    _layout: vk::PipelineLayout,
    first_set: u32,
    count: u32,
    p_sets: *const vk::DescriptorSet,
    dynamic_count: u32,
    p_dynamic: *const u32,
) {
    record("vkCmdBindDescriptorSets", cb, || {
        let sets = slice(p_sets, count, "pDescriptorSets")?
            .iter()
            .map(|&s| {
                let s = obj::<DescriptorSetObj>(s, "pDescriptorSets[i]")?;
                let contents = if s.0.layout().is_update_after_bind() {
                    softvk::command::BoundContents::Live(s.0.clone())
                } else {
                    softvk::command::BoundContents::Snapshot(s.0.snapshot())
                };
                Ok((s.0.layout().clone(), contents))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Command::BindDescriptorSets {
            bind_point,
            first_set,
            sets,
            dynamic_offsets: slice(p_dynamic, dynamic_count, "pDynamicOffsets")?.to_vec(),
        })
    })
}

/// The push descriptor set layout `set` of `layout`, checked.
unsafe fn push_set_layout(
    layout: vk::PipelineLayout,
    set: u32,
) -> Result<Arc<softvk::resource::descriptor::SetLayout>> {
    let l = obj::<PipelineLayoutObj>(layout, "layout")?;
    match l.0.sets.get(set as usize).cloned().flatten() {
        Some(s) if s.is_push() => Ok(s),
        _ => Err(Error::invalid(format!(
            "set {set} of the pipeline layout is not a push descriptor set layout \
             (VUID-vkCmdPushDescriptorSetKHR-set-00365)"
        ))),
    }
}

/// Checks the writes against the layout now, so execution cannot fail on them.
fn push_command(
    bind_point: vk::PipelineBindPoint,
    set: u32,
    layout: Arc<softvk::resource::descriptor::SetLayout>,
    writes: Vec<(u32, u32, Vec<softvk::resource::descriptor::Descriptor>)>,
) -> Result<Command> {
    let check = softvk::resource::descriptor::DescriptorSet::pushed(layout.clone(), None);
    for (b, e, v) in &writes {
        check.write(*b, *e, v.clone())?;
    }
    Ok(Command::PushDescriptors {
        bind_point,
        set,
        layout,
        writes,
    })
}

pub unsafe extern "system" fn cmd_push_descriptor_set_khr(
    cb: vk::CommandBuffer,
    bind_point: vk::PipelineBindPoint,
    layout: vk::PipelineLayout,
    set: u32,
    count: u32,
    p_writes: *const vk::WriteDescriptorSet<'_>,
) {
    record("vkCmdPushDescriptorSetKHR", cb, || {
        let sl = push_set_layout(layout, set)?;
        let mut writes = Vec::new();
        for w in slice(p_writes, count, "pDescriptorWrites")? {
            writes.push((
                w.dst_binding,
                w.dst_array_element,
                super::descriptor::write_values(w)?,
            ));
        }
        push_command(bind_point, set, sl, writes)
    })
}

pub unsafe extern "system" fn cmd_push_descriptor_set_with_template_khr(
    cb: vk::CommandBuffer,
    template: vk::DescriptorUpdateTemplate,
    layout: vk::PipelineLayout,
    set: u32,
    p_data: *const std::ffi::c_void,
) {
    record("vkCmdPushDescriptorSetWithTemplateKHR", cb, || {
        let t = obj::<UpdateTemplateObj>(template, "descriptorUpdateTemplate")?;
        let Some((bind_point, _, _)) = &t.push else {
            return Err(Error::invalid(
                "a descriptor-set update template used to push descriptors \
                 (VUID-vkCmdPushDescriptorSetWithTemplateKHR-descriptorUpdateTemplate-07994)",
            ));
        };
        let sl = push_set_layout(layout, set)?;
        let mut writes = Vec::new();
        for (b, e, w) in super::descriptor::template_writes(&t.entries, p_data)? {
            match w {
                super::descriptor::TemplateWrite::Descriptors(v) => writes.push((b, e, v)),
                super::descriptor::TemplateWrite::Inline(_) => {
                    return Err(Error::invalid(
                        "an inline uniform block in a push descriptor template",
                    ));
                }
            }
        }
        push_command(*bind_point, set, sl, writes)
    })
}

pub unsafe extern "system" fn cmd_push_constants(
    cb: vk::CommandBuffer,
    _layout: vk::PipelineLayout,
    _stages: vk::ShaderStageFlags,
    offset: u32,
    size: u32,
    p_values: *const std::ffi::c_void,
) {
    record("vkCmdPushConstants", cb, || {
        Ok(Command::PushConstants {
            offset,
            data: slice(p_values as *const u8, size, "pValues")?.to_vec(),
        })
    })
}

pub unsafe extern "system" fn cmd_dispatch(cb: vk::CommandBuffer, x: u32, y: u32, z: u32) {
    record("vkCmdDispatch", cb, || {
        Ok(Command::Dispatch {
            base: [0; 3],
            groups: [x, y, z],
        })
    })
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "system" fn cmd_dispatch_base(
    cb: vk::CommandBuffer,
    bx: u32,
    by: u32,
    bz: u32,
    x: u32,
    y: u32,
    z: u32,
) {
    record("vkCmdDispatchBase", cb, || {
        Ok(Command::Dispatch {
            base: [bx, by, bz],
            groups: [x, y, z],
        })
    })
}

pub unsafe extern "system" fn cmd_dispatch_indirect(
    cb: vk::CommandBuffer,
    b: vk::Buffer,
    offset: u64,
) {
    record("vkCmdDispatchIndirect", cb, || {
        Ok(Command::DispatchIndirect {
            buffer: buffer(b)?,
            offset,
        })
    })
}

unsafe fn vertex_buffers(
    count: u32,
    p_buffers: *const vk::Buffer,
    p_offsets: *const vk::DeviceSize,
    p_sizes: *const vk::DeviceSize,
    p_strides: *const vk::DeviceSize,
) -> Result<Vec<softvk::command::VertexBuffer>> {
    let buffers = slice(p_buffers, count, "pBuffers")?;
    let offsets = slice(p_offsets, count, "pOffsets")?;
    let sizes = (!p_sizes.is_null())
        .then(|| slice(p_sizes, count, "pSizes"))
        .transpose()?;
    let strides = (!p_strides.is_null())
        .then(|| slice(p_strides, count, "pStrides"))
        .transpose()?;
    (0..count as usize)
        .map(|i| {
            let buffer = if buffers[i] == vk::Buffer::null() {
                None
            } else {
                Some(buffer(buffers[i])?)
            };
            if let Some(b) = &buffer
                && offsets[i] >= b.size()
                && b.size() > 0
            {
                return Err(Error::invalid(format!(
                    "pOffsets[{i}] {} is not below the buffer's size {} \
                     (VUID-vkCmdBindVertexBuffers-pOffsets-00626)",
                    offsets[i],
                    b.size()
                )));
            }
            Ok(softvk::command::VertexBuffer {
                buffer,
                offset: offsets[i],
                size: sizes.map(|s| s[i]).filter(|&s| s != vk::WHOLE_SIZE),
                stride: strides.map(|s| s[i]),
            })
        })
        .collect()
}

pub unsafe extern "system" fn cmd_bind_vertex_buffers(
    cb: vk::CommandBuffer,
    first: u32,
    count: u32,
    p_buffers: *const vk::Buffer,
    p_offsets: *const vk::DeviceSize,
) {
    record("vkCmdBindVertexBuffers", cb, || {
        Ok(Command::BindVertexBuffers {
            first,
            buffers: vertex_buffers(
                count,
                p_buffers,
                p_offsets,
                std::ptr::null(),
                std::ptr::null(),
            )?,
        })
    })
}

pub unsafe extern "system" fn cmd_bind_vertex_buffers2(
    cb: vk::CommandBuffer,
    first: u32,
    count: u32,
    p_buffers: *const vk::Buffer,
    p_offsets: *const vk::DeviceSize,
    p_sizes: *const vk::DeviceSize,
    p_strides: *const vk::DeviceSize,
) {
    record("vkCmdBindVertexBuffers2", cb, || {
        Ok(Command::BindVertexBuffers {
            first,
            buffers: vertex_buffers(count, p_buffers, p_offsets, p_sizes, p_strides)?,
        })
    })
}

pub unsafe extern "system" fn cmd_bind_index_buffer(
    cb: vk::CommandBuffer,
    b: vk::Buffer,
    offset: vk::DeviceSize,
    index_type: vk::IndexType,
) {
    record("vkCmdBindIndexBuffer", cb, || {
        if !matches!(
            index_type,
            vk::IndexType::UINT16 | vk::IndexType::UINT32 | vk::IndexType::UINT8_KHR
        ) {
            return Err(Error::invalid(format!(
                "indexType {index_type:?} is not supported (VUID-vkCmdBindIndexBuffer-indexType-08786)"
            )));
        }
        Ok(Command::BindIndexBuffer(softvk::command::IndexBuffer {
            buffer: buffer(b)?,
            offset,
            index_type,
        }))
    })
}

/// Records one vkCmdSet* (`name`, for a message when it cannot be built).
unsafe fn set_state(cb: vk::CommandBuffer, name: &str, s: Result<SetState>) {
    record(name, cb, || Ok(Command::SetState(s?)))
}

pub unsafe extern "system" fn cmd_set_viewport(
    cb: vk::CommandBuffer,
    first: u32,
    count: u32,
    p: *const vk::Viewport,
) {
    set_state(
        cb,
        "vkCmdSetViewport",
        slice(p, count, "pViewports").map(|v| SetState::Viewport {
            first,
            viewports: v.iter().map(super::graphics::viewport).collect(),
        }),
    )
}

pub unsafe extern "system" fn cmd_set_viewport_with_count(
    cb: vk::CommandBuffer,
    count: u32,
    p: *const vk::Viewport,
) {
    set_state(
        cb,
        "vkCmdSetViewportWithCount",
        slice(p, count, "pViewports").map(|v| {
            SetState::ViewportWithCount(v.iter().map(super::graphics::viewport).collect())
        }),
    )
}

pub unsafe extern "system" fn cmd_set_scissor(
    cb: vk::CommandBuffer,
    first: u32,
    count: u32,
    p: *const vk::Rect2D,
) {
    set_state(
        cb,
        "vkCmdSetScissor",
        slice(p, count, "pScissors").map(|s| SetState::Scissor {
            first,
            scissors: s.to_vec(),
        }),
    )
}

pub unsafe extern "system" fn cmd_set_scissor_with_count(
    cb: vk::CommandBuffer,
    count: u32,
    p: *const vk::Rect2D,
) {
    set_state(
        cb,
        "vkCmdSetScissorWithCount",
        slice(p, count, "pScissors").map(|s| SetState::ScissorWithCount(s.to_vec())),
    )
}

pub unsafe extern "system" fn cmd_set_line_width(cb: vk::CommandBuffer, w: f32) {
    let s = if w == 1.0 {
        Ok(SetState::LineWidth(w))
    } else {
        Err(Error::invalid(format!(
            "lineWidth {w} without the wideLines feature (VUID-vkCmdSetLineWidth-lineWidth-00788)"
        )))
    };
    set_state(cb, "vkCmdSetLineWidth", s)
}

pub unsafe extern "system" fn cmd_set_depth_bias(
    cb: vk::CommandBuffer,
    constant: f32,
    clamp: f32,
    slope: f32,
) {
    set_state(
        cb,
        "vkCmdSetDepthBias",
        Ok(SetState::DepthBias(softvk::raster::draw::DepthBias {
            constant,
            clamp,
            slope,
        })),
    )
}

pub unsafe extern "system" fn cmd_set_blend_constants(cb: vk::CommandBuffer, c: *const [f32; 4]) {
    let s = c
        .as_ref()
        .map(|c| SetState::BlendConstants(*c))
        .ok_or_else(|| null("blendConstants"));
    set_state(cb, "vkCmdSetBlendConstants", s)
}

pub unsafe extern "system" fn cmd_set_depth_bounds(cb: vk::CommandBuffer, lo: f32, hi: f32) {
    set_state(cb, "vkCmdSetDepthBounds", Ok(SetState::DepthBounds(lo, hi)))
}

pub unsafe extern "system" fn cmd_set_stencil_compare_mask(
    cb: vk::CommandBuffer,
    faces: vk::StencilFaceFlags,
    mask: u32,
) {
    set_state(
        cb,
        "vkCmdSetStencilCompareMask",
        Ok(SetState::StencilCompareMask(faces, mask)),
    )
}

pub unsafe extern "system" fn cmd_set_stencil_write_mask(
    cb: vk::CommandBuffer,
    faces: vk::StencilFaceFlags,
    mask: u32,
) {
    set_state(
        cb,
        "vkCmdSetStencilWriteMask",
        Ok(SetState::StencilWriteMask(faces, mask)),
    )
}

pub unsafe extern "system" fn cmd_set_stencil_reference(
    cb: vk::CommandBuffer,
    faces: vk::StencilFaceFlags,
    reference: u32,
) {
    set_state(
        cb,
        "vkCmdSetStencilReference",
        Ok(SetState::StencilReference(faces, reference)),
    )
}

pub unsafe extern "system" fn cmd_set_cull_mode(cb: vk::CommandBuffer, m: vk::CullModeFlags) {
    set_state(cb, "vkCmdSetCullMode", Ok(SetState::CullMode(m)))
}

pub unsafe extern "system" fn cmd_set_front_face(cb: vk::CommandBuffer, f: vk::FrontFace) {
    set_state(cb, "vkCmdSetFrontFace", Ok(SetState::FrontFace(f)))
}

pub unsafe extern "system" fn cmd_set_primitive_topology(
    cb: vk::CommandBuffer,
    t: vk::PrimitiveTopology,
) {
    set_state(
        cb,
        "vkCmdSetPrimitiveTopology",
        Ok(SetState::PrimitiveTopology(t)),
    )
}

pub unsafe extern "system" fn cmd_set_depth_test_enable(cb: vk::CommandBuffer, on: vk::Bool32) {
    set_state(
        cb,
        "vkCmdSetDepthTestEnable",
        Ok(SetState::DepthTestEnable(on == vk::TRUE)),
    )
}

pub unsafe extern "system" fn cmd_set_depth_write_enable(cb: vk::CommandBuffer, on: vk::Bool32) {
    set_state(
        cb,
        "vkCmdSetDepthWriteEnable",
        Ok(SetState::DepthWriteEnable(on == vk::TRUE)),
    )
}

pub unsafe extern "system" fn cmd_set_depth_compare_op(cb: vk::CommandBuffer, op: vk::CompareOp) {
    set_state(
        cb,
        "vkCmdSetDepthCompareOp",
        Ok(SetState::DepthCompareOp(op)),
    )
}

pub unsafe extern "system" fn cmd_set_depth_bounds_test_enable(
    cb: vk::CommandBuffer,
    on: vk::Bool32,
) {
    set_state(
        cb,
        "vkCmdSetDepthBoundsTestEnable",
        Ok(SetState::DepthBoundsTestEnable(on == vk::TRUE)),
    )
}

pub unsafe extern "system" fn cmd_set_stencil_test_enable(cb: vk::CommandBuffer, on: vk::Bool32) {
    set_state(
        cb,
        "vkCmdSetStencilTestEnable",
        Ok(SetState::StencilTestEnable(on == vk::TRUE)),
    )
}

pub unsafe extern "system" fn cmd_set_stencil_op(
    cb: vk::CommandBuffer,
    faces: vk::StencilFaceFlags,
    fail: vk::StencilOp,
    pass: vk::StencilOp,
    depth_fail: vk::StencilOp,
    compare: vk::CompareOp,
) {
    set_state(
        cb,
        "vkCmdSetStencilOp",
        Ok(SetState::StencilOp {
            faces,
            fail,
            pass,
            depth_fail,
            compare,
        }),
    )
}

pub unsafe extern "system" fn cmd_set_rasterizer_discard_enable(
    cb: vk::CommandBuffer,
    on: vk::Bool32,
) {
    set_state(
        cb,
        "vkCmdSetRasterizerDiscardEnable",
        Ok(SetState::RasterizerDiscardEnable(on == vk::TRUE)),
    )
}

pub unsafe extern "system" fn cmd_set_depth_bias_enable(cb: vk::CommandBuffer, on: vk::Bool32) {
    set_state(
        cb,
        "vkCmdSetDepthBiasEnable",
        Ok(SetState::DepthBiasEnable(on == vk::TRUE)),
    )
}

pub unsafe extern "system" fn cmd_set_primitive_restart_enable(
    cb: vk::CommandBuffer,
    on: vk::Bool32,
) {
    set_state(
        cb,
        "vkCmdSetPrimitiveRestartEnable",
        Ok(SetState::PrimitiveRestartEnable(on == vk::TRUE)),
    )
}

pub unsafe extern "system" fn cmd_set_logic_op_ext(cb: vk::CommandBuffer, op: vk::LogicOp) {
    let s = if (0..=15).contains(&op.as_raw()) {
        Ok(SetState::LogicOp(op))
    } else {
        Err(Error::invalid(format!(
            "logicOp {} is not a VkLogicOp (VUID-vkCmdSetLogicOpEXT-logicOp-parameter)",
            op.as_raw()
        )))
    };
    set_state(cb, "vkCmdSetLogicOpEXT", s)
}

/// VK_EXT_extended_dynamic_state2's patch-control-point state: its feature is not reported
/// (no tessellation), so every use is invalid.
pub unsafe extern "system" fn cmd_set_patch_control_points_ext(
    cb: vk::CommandBuffer,
    _points: u32,
) {
    set_state(
        cb,
        "vkCmdSetPatchControlPointsEXT",
        Err(Error::invalid(
            "the extendedDynamicState2PatchControlPoints feature is not supported \
             (VUID-vkCmdSetPatchControlPointsEXT-None-09422)",
        )),
    )
}

pub unsafe extern "system" fn cmd_draw(
    cb: vk::CommandBuffer,
    count: u32,
    instances: u32,
    first: u32,
    first_instance: u32,
) {
    record("vkCmdDraw", cb, || {
        Ok(Command::Draw(DrawCall {
            indexed: false,
            draw_index: 0,
            count,
            instances,
            first,
            vertex_offset: 0,
            first_instance,
        }))
    })
}

pub unsafe extern "system" fn cmd_draw_indexed(
    cb: vk::CommandBuffer,
    count: u32,
    instances: u32,
    first: u32,
    vertex_offset: i32,
    first_instance: u32,
) {
    record("vkCmdDrawIndexed", cb, || {
        Ok(Command::Draw(DrawCall {
            indexed: true,
            draw_index: 0,
            count,
            instances,
            first,
            vertex_offset,
            first_instance,
        }))
    })
}

/// An indirect draw: the buffer is checked when the command executes (its contents are read
/// then), the stride now.
unsafe fn indirect(
    indexed: bool,
    b: vk::Buffer,
    offset: u64,
    count: u32,
    stride: u32,
    count_buffer: Option<(vk::Buffer, u64)>,
) -> Result<Command> {
    let size = softvk::command::draw::indirect_size(indexed);
    if count > 1 && (!stride.is_multiple_of(4) || (stride as u64) < size) {
        return Err(Error::invalid(format!(
            "stride {stride} is not a multiple of 4 at least {size} \
             (VUID-vkCmdDrawIndirect-drawCount-00476)"
        )));
    }
    Ok(Command::DrawIndirect {
        indexed,
        buffer: buffer(b)?,
        offset,
        count,
        stride,
        count_buffer: count_buffer
            .map(|(c, o)| Ok::<_, Error>((buffer(c)?, o)))
            .transpose()?,
    })
}

pub unsafe extern "system" fn cmd_draw_indirect(
    cb: vk::CommandBuffer,
    b: vk::Buffer,
    offset: u64,
    count: u32,
    stride: u32,
) {
    record("vkCmdDrawIndirect", cb, || {
        indirect(false, b, offset, count, stride, None)
    })
}

pub unsafe extern "system" fn cmd_draw_indexed_indirect(
    cb: vk::CommandBuffer,
    b: vk::Buffer,
    offset: u64,
    count: u32,
    stride: u32,
) {
    record("vkCmdDrawIndexedIndirect", cb, || {
        indirect(true, b, offset, count, stride, None)
    })
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "system" fn cmd_draw_indirect_count(
    cb: vk::CommandBuffer,
    b: vk::Buffer,
    offset: u64,
    count_buffer: vk::Buffer,
    count_offset: u64,
    max_count: u32,
    stride: u32,
) {
    record("vkCmdDrawIndirectCount", cb, || {
        indirect(
            false,
            b,
            offset,
            max_count,
            stride,
            Some((count_buffer, count_offset)),
        )
    })
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "system" fn cmd_draw_indexed_indirect_count(
    cb: vk::CommandBuffer,
    b: vk::Buffer,
    offset: u64,
    count_buffer: vk::Buffer,
    count_offset: u64,
    max_count: u32,
    stride: u32,
) {
    record("vkCmdDrawIndexedIndirectCount", cb, || {
        indirect(
            true,
            b,
            offset,
            max_count,
            stride,
            Some((count_buffer, count_offset)),
        )
    })
}
