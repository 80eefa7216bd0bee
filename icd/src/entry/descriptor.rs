//! Descriptor set layouts, pools, sets, updates and update templates.

use super::device::{dev, rep};
use super::obj;
use crate::boundary::{call, call_void, null, slice};
use crate::handle::{self, new_handle};
use crate::objects::*;
use crate::pnext;
use ash::vk::{self, Handle};
use softvk::error::{Error, Result};
use softvk::resource::descriptor::{
    Descriptor, DescriptorPool, LayoutBinding, SetLayout, layout_supported,
};
use std::ffi::c_void;
use std::sync::Arc;

unsafe fn layout_bindings(
    info: &vk::DescriptorSetLayoutCreateInfo<'_>,
) -> Result<Vec<LayoutBinding>> {
    let mut out = Vec::new();
    let binding_flags = match pnext::find::<vk::DescriptorSetLayoutBindingFlagsCreateInfo<'_>>(
        info.p_next,
    ) {
        Some(f) if f.binding_count != 0 => {
            if f.binding_count != info.binding_count {
                return Err(Error::invalid(
                    "VkDescriptorSetLayoutBindingFlagsCreateInfo::bindingCount differs from \
                         bindingCount (VUID-VkDescriptorSetLayoutBindingFlagsCreateInfo-bindingCount-03002)",
                ));
            }
            slice(f.p_binding_flags, f.binding_count, "pBindingFlags")?.to_vec()
        }
        _ => Vec::new(),
    };
    for (k, b) in slice(info.p_bindings, info.binding_count, "pBindings")?
        .iter()
        .enumerate()
    {
        let samplers_allowed = matches!(
            b.descriptor_type,
            vk::DescriptorType::SAMPLER | vk::DescriptorType::COMBINED_IMAGE_SAMPLER
        );
        let immutable_samplers = if samplers_allowed && !b.p_immutable_samplers.is_null() {
            slice(
                b.p_immutable_samplers,
                b.descriptor_count,
                "pImmutableSamplers",
            )?
            .iter()
            .map(|&s| Ok(obj::<SamplerObj>(s, "pImmutableSamplers[i]")?.0.clone()))
            .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        out.push(LayoutBinding {
            binding: b.binding,
            ty: b.descriptor_type,
            count: b.descriptor_count,
            stages: b.stage_flags,
            immutable_samplers,
            flags: binding_flags.get(k).copied().unwrap_or_default(),
            first_slot: 0,
        });
    }
    Ok(out)
}

unsafe fn check_layout_flags(info: &vk::DescriptorSetLayoutCreateInfo<'_>) -> Result<()> {
    if !(info.flags
        & !(vk::DescriptorSetLayoutCreateFlags::PUSH_DESCRIPTOR_KHR
            | vk::DescriptorSetLayoutCreateFlags::UPDATE_AFTER_BIND_POOL))
        .is_empty()
    {
        return Err(Error::invalid(format!(
            "descriptor set layout flags {:?} need features softvk does not report",
            info.flags
        )));
    }
    Ok(())
}

pub unsafe extern "system" fn create_descriptor_set_layout(
    device: vk::Device,
    p_info: *const vk::DescriptorSetLayoutCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_layout: *mut vk::DescriptorSetLayout,
) -> vk::Result {
    call("vkCreateDescriptorSetLayout", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_layout.is_null() {
            return Err(null("pSetLayout"));
        }
        *p_layout = vk::DescriptorSetLayout::null();
        check_layout_flags(info)?;
        let l = if info
            .flags
            .contains(vk::DescriptorSetLayoutCreateFlags::PUSH_DESCRIPTOR_KHR)
        {
            SetLayout::new_push(layout_bindings(info)?)?
        } else {
            SetLayout::new_update_after_bind(
                layout_bindings(info)?,
                info.flags
                    .contains(vk::DescriptorSetLayoutCreateFlags::UPDATE_AFTER_BIND_POOL),
            )?
        };
        *p_layout = new_handle(SetLayoutObj(Arc::new(l)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_descriptor_set_layout(
    _device: vk::Device,
    layout: vk::DescriptorSetLayout,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<SetLayoutObj>(layout));
}

pub unsafe extern "system" fn get_descriptor_set_layout_support(
    device: vk::Device,
    p_info: *const vk::DescriptorSetLayoutCreateInfo<'_>,
    p_support: *mut vk::DescriptorSetLayoutSupport<'_>,
) {
    call_void("vkGetDescriptorSetLayoutSupport", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        let out = p_support.as_mut().ok_or_else(|| null("pSupport"))?;
        let bindings: Vec<_> = slice(info.p_bindings, info.binding_count, "pBindings")?
            .iter()
            .map(|b| (b.descriptor_type, b.descriptor_count))
            .collect();
        let ok = check_layout_flags(info).is_ok()
            && layout_supported(&bindings)
            && layout_bindings(info).is_ok_and(|b| SetLayout::new(b).is_ok());
        out.supported = ok.into();
        // VkDescriptorSetVariableDescriptorCountLayoutSupport: the binding's own count.
        let mut next = out.p_next as *mut vk::BaseOutStructure<'_>;
        while !next.is_null() {
            if (*next).s_type
                == vk::StructureType::DESCRIPTOR_SET_VARIABLE_DESCRIPTOR_COUNT_LAYOUT_SUPPORT
            {
                let v =
                    &mut *(next as *mut vk::DescriptorSetVariableDescriptorCountLayoutSupport<'_>);
                v.max_variable_descriptor_count = layout_bindings(info)
                    .ok()
                    .and_then(|b| SetLayout::new(b).ok())
                    .and_then(|l| l.variable_binding().map(|b| b.count))
                    .unwrap_or(0);
            }
            next = (*next).p_next;
        }
        Ok(())
    })
}

pub unsafe extern "system" fn create_descriptor_pool(
    device: vk::Device,
    p_info: *const vk::DescriptorPoolCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_pool: *mut vk::DescriptorPool,
) -> vk::Result {
    call("vkCreateDescriptorPool", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_pool.is_null() {
            return Err(null("pDescriptorPool"));
        }
        *p_pool = vk::DescriptorPool::null();
        let sizes: Vec<_> = slice(info.p_pool_sizes, info.pool_size_count, "pPoolSizes")?
            .iter()
            .map(|s| (s.ty, s.descriptor_count))
            .collect();
        let max_inline =
            pnext::find::<vk::DescriptorPoolInlineUniformBlockCreateInfo<'_>>(info.p_next)
                .map_or(0, |i| i.max_inline_uniform_block_bindings);
        let pool = DescriptorPool::new(info.max_sets, &sizes, info.flags, max_inline)?;
        *p_pool = new_handle(DescriptorPoolObj {
            core: Arc::new(pool),
            sets: Default::default(),
        });
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_descriptor_pool(
    _device: vk::Device,
    pool: vk::DescriptorPool,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    if let Some(p) = handle::take::<DescriptorPoolObj>(pool) {
        // Destroying a pool frees its sets (their handles die with it).
        free_set_handles(p.sets.into_inner().unwrap_or_else(|e| e.into_inner()));
    }
}

/// Frees the handles of a pool's sets (destroy and reset).
unsafe fn free_set_handles(handles: impl IntoIterator<Item = u64>) {
    for h in handles {
        drop(handle::take::<DescriptorSetObj>(
            vk::DescriptorSet::from_raw(h),
        ));
    }
}

pub unsafe extern "system" fn reset_descriptor_pool(
    device: vk::Device,
    pool: vk::DescriptorPool,
    _flags: vk::DescriptorPoolResetFlags,
) -> vk::Result {
    call("vkResetDescriptorPool", rep(dev(device)), || {
        let p = obj::<DescriptorPoolObj>(pool, "descriptorPool")?;
        let mut sets = p.sets.lock().unwrap_or_else(|e| e.into_inner());
        free_set_handles(sets.drain(..));
        p.core.reset();
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn allocate_descriptor_sets(
    device: vk::Device,
    p_info: *const vk::DescriptorSetAllocateInfo<'_>,
    p_sets: *mut vk::DescriptorSet,
) -> vk::Result {
    call("vkAllocateDescriptorSets", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pAllocateInfo"))?;
        if p_sets.is_null() && info.descriptor_set_count > 0 {
            return Err(null("pDescriptorSets"));
        }
        for i in 0..info.descriptor_set_count as usize {
            *p_sets.add(i) = vk::DescriptorSet::null();
        }
        let counts = match pnext::find::<vk::DescriptorSetVariableDescriptorCountAllocateInfo<'_>>(
            info.p_next,
        ) {
            Some(v) if v.descriptor_set_count > 0 => slice(
                v.p_descriptor_counts,
                v.descriptor_set_count,
                "pDescriptorCounts",
            )?
            .to_vec(),
            _ => Vec::new(),
        };
        let pool = obj::<DescriptorPoolObj>(info.descriptor_pool, "descriptorPool")?;
        let layouts = slice(info.p_set_layouts, info.descriptor_set_count, "pSetLayouts")?
            .iter()
            .map(|&l| Ok(obj::<SetLayoutObj>(l, "pSetLayouts[i]")?.0.clone()))
            .collect::<Result<Vec<_>>>()?;
        let sets = pool.core.allocate_counts(&layouts, &counts)?;
        let mut owned = pool.sets.lock().unwrap_or_else(|e| e.into_inner());
        for (i, s) in sets.into_iter().enumerate() {
            let h = new_handle(DescriptorSetObj(s));
            owned.push(h.as_raw());
            *p_sets.add(i) = h;
        }
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn free_descriptor_sets(
    device: vk::Device,
    pool: vk::DescriptorPool,
    count: u32,
    p_sets: *const vk::DescriptorSet,
) -> vk::Result {
    call("vkFreeDescriptorSets", rep(dev(device)), || {
        let p = obj::<DescriptorPoolObj>(pool, "descriptorPool")?;
        let handles: Vec<_> = slice(p_sets, count, "pDescriptorSets")?
            .iter()
            .copied()
            .filter(|h| *h != vk::DescriptorSet::null())
            .collect();
        let sets = handles
            .iter()
            .map(|&h| Ok(obj::<DescriptorSetObj>(h, "pDescriptorSets[i]")?.0.clone()))
            .collect::<Result<Vec<_>>>()?;
        p.core.free(&sets)?;
        let mut owned = p.sets.lock().unwrap_or_else(|e| e.into_inner());
        for h in handles {
            owned.retain(|&o| o != h.as_raw());
            drop(handle::take::<DescriptorSetObj>(h));
        }
        Ok(vk::Result::SUCCESS)
    })
}

/// The descriptor one element of a write describes, read from the application's arrays.
unsafe fn descriptor(
    ty: vk::DescriptorType,
    image: Option<&vk::DescriptorImageInfo>,
    buffer: Option<&vk::DescriptorBufferInfo>,
    texel: Option<vk::BufferView>,
) -> Result<Descriptor> {
    type T = vk::DescriptorType;
    Ok(match ty {
        T::UNIFORM_BUFFER
        | T::STORAGE_BUFFER
        | T::UNIFORM_BUFFER_DYNAMIC
        | T::STORAGE_BUFFER_DYNAMIC => {
            let b = buffer.ok_or_else(|| null("pBufferInfo"))?;
            if b.buffer == vk::Buffer::null() {
                return Ok(Descriptor::Empty);
            }
            let buf = obj::<BufferObj>(b.buffer, "pBufferInfo[i].buffer")?
                .0
                .clone();
            let range = if b.range == vk::WHOLE_SIZE {
                buf.size().saturating_sub(b.offset)
            } else {
                b.range
            };
            Descriptor::Buffer {
                buffer: buf,
                offset: b.offset,
                range,
            }
        }
        T::UNIFORM_TEXEL_BUFFER | T::STORAGE_TEXEL_BUFFER => {
            let v = texel.ok_or_else(|| null("pTexelBufferView"))?;
            if v == vk::BufferView::null() {
                return Ok(Descriptor::Empty);
            }
            Descriptor::TexelBuffer(obj::<BufferViewObj>(v, "pTexelBufferView[i]")?.0.clone())
        }
        T::SAMPLER
        | T::COMBINED_IMAGE_SAMPLER
        | T::SAMPLED_IMAGE
        | T::STORAGE_IMAGE
        | T::INPUT_ATTACHMENT => {
            let i = image.ok_or_else(|| null("pImageInfo"))?;
            let view = if ty != T::SAMPLER && i.image_view != vk::ImageView::null() {
                Some(
                    obj::<ImageViewObj>(i.image_view, "pImageInfo[i].imageView")?
                        .0
                        .clone(),
                )
            } else {
                None
            };
            let sampler = if matches!(ty, T::SAMPLER | T::COMBINED_IMAGE_SAMPLER)
                && i.sampler != vk::Sampler::null()
            {
                Some(
                    obj::<SamplerObj>(i.sampler, "pImageInfo[i].sampler")?
                        .0
                        .clone(),
                )
            } else {
                None
            };
            Descriptor::Image { view, sampler }
        }
        other => {
            return Err(Error::invalid(format!(
                "descriptor type {other:?} is not supported"
            )));
        }
    })
}

/// The descriptors of a (non-inline) VkWriteDescriptorSet.
pub(super) unsafe fn write_values(w: &vk::WriteDescriptorSet<'_>) -> Result<Vec<Descriptor>> {
    let n = w.descriptor_count as usize;
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        let image = (!w.p_image_info.is_null()).then(|| &*w.p_image_info.add(i));
        let buffer = (!w.p_buffer_info.is_null()).then(|| &*w.p_buffer_info.add(i));
        let texel = (!w.p_texel_buffer_view.is_null()).then(|| *w.p_texel_buffer_view.add(i));
        values.push(descriptor(w.descriptor_type, image, buffer, texel)?);
    }
    Ok(values)
}

pub unsafe extern "system" fn update_descriptor_sets(
    device: vk::Device,
    write_count: u32,
    p_writes: *const vk::WriteDescriptorSet<'_>,
    copy_count: u32,
    p_copies: *const vk::CopyDescriptorSet<'_>,
) {
    call_void("vkUpdateDescriptorSets", rep(dev(device)), || {
        for w in slice(p_writes, write_count, "pDescriptorWrites")? {
            let set = obj::<DescriptorSetObj>(w.dst_set, "dstSet")?;
            if w.descriptor_type == vk::DescriptorType::INLINE_UNIFORM_BLOCK {
                // dstArrayElement is a byte offset, descriptorCount a byte count, the bytes
                // come from VkWriteDescriptorSetInlineUniformBlock
                // (VUID-VkWriteDescriptorSet-descriptorType-02221, -02220).
                let inline = pnext::find::<vk::WriteDescriptorSetInlineUniformBlock<'_>>(w.p_next)
                    .ok_or_else(|| {
                        Error::invalid(
                            "an inline uniform block write without \
                                 VkWriteDescriptorSetInlineUniformBlock \
                                 (VUID-VkWriteDescriptorSet-descriptorType-02221)",
                        )
                    })?;
                if inline.data_size != w.descriptor_count {
                    return Err(Error::invalid(format!(
                        "VkWriteDescriptorSetInlineUniformBlock::dataSize {} differs from \
                         descriptorCount {} (VUID-VkWriteDescriptorSet-descriptorType-02220)",
                        inline.data_size, w.descriptor_count
                    )));
                }
                let data = slice(inline.p_data as *const u8, inline.data_size, "pData")?;
                set.0
                    .write_inline(w.dst_binding, w.dst_array_element, data)?;
                continue;
            }
            set.0
                .write(w.dst_binding, w.dst_array_element, write_values(w)?)?;
        }
        for c in slice(p_copies, copy_count, "pDescriptorCopies")? {
            let src = obj::<DescriptorSetObj>(c.src_set, "srcSet")?;
            let dst = obj::<DescriptorSetObj>(c.dst_set, "dstSet")?;
            dst.0.copy_from(
                &src.0,
                c.src_binding,
                c.src_array_element,
                c.dst_binding,
                c.dst_array_element,
                c.descriptor_count,
            )?;
        }
        Ok(())
    })
}

pub unsafe extern "system" fn create_descriptor_update_template(
    device: vk::Device,
    p_info: *const vk::DescriptorUpdateTemplateCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_template: *mut vk::DescriptorUpdateTemplate,
) -> vk::Result {
    call("vkCreateDescriptorUpdateTemplate", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_template.is_null() {
            return Err(null("pDescriptorUpdateTemplate"));
        }
        *p_template = vk::DescriptorUpdateTemplate::null();
        let push = if info.template_type == vk::DescriptorUpdateTemplateType::PUSH_DESCRIPTORS_KHR {
            let layout = obj::<PipelineLayoutObj>(info.pipeline_layout, "pipelineLayout")?;
            let set = layout.0.sets.get(info.set as usize).cloned().flatten();
            if !set.is_some_and(|l| l.is_push()) {
                return Err(Error::invalid(format!(
                    "set {} of the template's pipeline layout is not a push descriptor set \
                     layout (VUID-VkDescriptorUpdateTemplateCreateInfo-templateType-00353)",
                    info.set
                )));
            }
            Some((info.pipeline_bind_point, layout.0.clone(), info.set))
        } else {
            None
        };
        let entries = slice(
            info.p_descriptor_update_entries,
            info.descriptor_update_entry_count,
            "pDescriptorUpdateEntries",
        )?
        .to_vec();
        *p_template = new_handle(UpdateTemplateObj { entries, push });
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_descriptor_update_template(
    _device: vk::Device,
    t: vk::DescriptorUpdateTemplate,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<UpdateTemplateObj>(t));
}

/// What one template entry writes.
pub(super) enum TemplateWrite {
    Inline(Vec<u8>),
    Descriptors(Vec<Descriptor>),
}

/// The writes of a descriptor update template applied to `p_data`: (binding, first array
/// element or byte offset, what).
pub(super) unsafe fn template_writes(
    entries: &[vk::DescriptorUpdateTemplateEntry],
    p_data: *const c_void,
) -> Result<Vec<(u32, u32, TemplateWrite)>> {
    if p_data.is_null() && entries.iter().any(|e| e.descriptor_count > 0) {
        return Err(null("pData"));
    }
    let mut out = Vec::new();
    for e in entries {
        if e.descriptor_type == vk::DescriptorType::INLINE_UNIFORM_BLOCK {
            // descriptorCount bytes at `offset`; dstArrayElement is a byte offset
            // (VkDescriptorUpdateTemplateEntry, inline uniform blocks).
            let data = slice(
                (p_data as *const u8).add(e.offset),
                e.descriptor_count,
                "pData",
            )?;
            out.push((
                e.dst_binding,
                e.dst_array_element,
                TemplateWrite::Inline(data.to_vec()),
            ));
            continue;
        }
        let mut values = Vec::with_capacity(e.descriptor_count as usize);
        for i in 0..e.descriptor_count as usize {
            let p = (p_data as *const u8).add(e.offset + i * e.stride);
            type T = vk::DescriptorType;
            let d = match e.descriptor_type {
                T::UNIFORM_BUFFER
                | T::STORAGE_BUFFER
                | T::UNIFORM_BUFFER_DYNAMIC
                | T::STORAGE_BUFFER_DYNAMIC => descriptor(
                    e.descriptor_type,
                    None,
                    Some(&(p as *const vk::DescriptorBufferInfo).read_unaligned()),
                    None,
                )?,
                T::UNIFORM_TEXEL_BUFFER | T::STORAGE_TEXEL_BUFFER => descriptor(
                    e.descriptor_type,
                    None,
                    None,
                    Some((p as *const vk::BufferView).read_unaligned()),
                )?,
                _ => descriptor(
                    e.descriptor_type,
                    Some(&(p as *const vk::DescriptorImageInfo).read_unaligned()),
                    None,
                    None,
                )?,
            };
            values.push(d);
        }
        out.push((
            e.dst_binding,
            e.dst_array_element,
            TemplateWrite::Descriptors(values),
        ));
    }
    Ok(out)
}

pub unsafe extern "system" fn update_descriptor_set_with_template(
    device: vk::Device,
    set: vk::DescriptorSet,
    template: vk::DescriptorUpdateTemplate,
    p_data: *const c_void,
) {
    call_void(
        "vkUpdateDescriptorSetWithTemplate",
        rep(dev(device)),
        || {
            let s = obj::<DescriptorSetObj>(set, "descriptorSet")?;
            let t = obj::<UpdateTemplateObj>(template, "descriptorUpdateTemplate")?;
            if t.push.is_some() {
                return Err(Error::invalid(
                    "a push-descriptor template used to update a descriptor set \
                     (VUID-vkUpdateDescriptorSetWithTemplate-descriptorUpdateTemplate-parameter)",
                ));
            }
            for (binding, element, w) in template_writes(&t.entries, p_data)? {
                match w {
                    TemplateWrite::Inline(data) => s.0.write_inline(binding, element, &data)?,
                    TemplateWrite::Descriptors(values) => s.0.write(binding, element, values)?,
                }
            }
            Ok(())
        },
    )
}
