//! vkCmd*: each shim turns its arguments into one core `Command` and records it.
//!
//! The *2 forms convert their region structures to the 1.0 ones (the only pNext their regions
//! may carry belongs to extensions softvk does not report).

use super::obj;
use crate::boundary::{call_void, null, slice, string};
use crate::handle;
use crate::objects::*;
use ash::vk;
use softvk::command::Command;
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
        let PipelineObj::Compute(p) = obj::<PipelineObj>(pipeline, "pipeline")?;
        if bind_point != vk::PipelineBindPoint::COMPUTE {
            return Err(Error::invalid(format!(
                "a compute pipeline bound to {bind_point:?} (VUID-vkCmdBindPipeline-pipelineBindPoint-00779)"
            )));
        }
        Ok(Command::BindComputePipeline(p.clone()))
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
