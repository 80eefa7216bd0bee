//! Buffers, images, views, samplers and their memory requirements and bindings.

use super::device::{dev, rep};
use super::obj;
use crate::boundary::{call, call_value, call_void, null, out, slice};
use crate::handle::{self, new_handle};
use crate::objects::*;
use crate::pnext;
use ash::vk;
use softvk::error::{Error, Result};
use softvk::resource::{
    Buffer, BufferDesc, BufferView, DRM_FORMAT_MOD_LINEAR, DrmLayout, Image, ImageDesc, ImageView,
    Requirements, Sampler, SamplerDesc,
};
use std::ffi::c_void;
use std::sync::Arc;

/// Checks VkExternalMemory{Buffer,Image}CreateInfo against what the memory can do.
unsafe fn check_external_memory(p_next: *const c_void) -> Result<()> {
    for s in pnext::iter(p_next) {
        let (types, image) = match s.s_type {
            vk::StructureType::EXTERNAL_MEMORY_BUFFER_CREATE_INFO => (
                (*(s as *const _ as *const vk::ExternalMemoryBufferCreateInfo<'_>)).handle_types,
                false,
            ),
            vk::StructureType::EXTERNAL_MEMORY_IMAGE_CREATE_INFO => (
                (*(s as *const _ as *const vk::ExternalMemoryImageCreateInfo<'_>)).handle_types,
                true,
            ),
            _ => continue,
        };
        for bit in (0..32).map(|b| vk::ExternalMemoryHandleTypeFlags::from_raw(1 << b)) {
            if types.contains(bit) && super::external::memory_properties(bit, image).is_none() {
                return Err(Error::invalid(format!(
                    "external memory handle type {bit:?} is not supported for {}",
                    if image { "images" } else { "buffers" }
                )));
            }
        }
    }
    Ok(())
}

unsafe fn buffer_desc(info: &vk::BufferCreateInfo<'_>) -> Result<BufferDesc> {
    check_external_memory(info.p_next)?;
    Ok(BufferDesc {
        size: info.size,
        usage: info.usage,
        flags: info.flags,
    })
}

unsafe fn write_requirements(req: Requirements, p: *mut vk::MemoryRequirements2<'_>) -> Result<()> {
    let r = p.as_mut().ok_or_else(|| null("pMemoryRequirements"))?;
    r.memory_requirements = vk::MemoryRequirements {
        size: req.size,
        alignment: req.alignment,
        memory_type_bits: req.memory_type_bits,
    };
    for s in pnext::iter_out(r.p_next) {
        if (*s).s_type == vk::StructureType::MEMORY_DEDICATED_REQUIREMENTS {
            let d = &mut *(s as *mut vk::MemoryDedicatedRequirements<'_>);
            d.prefers_dedicated_allocation = req.prefers_dedicated as vk::Bool32;
            d.requires_dedicated_allocation = req.requires_dedicated as vk::Bool32;
        }
    }
    Ok(())
}

fn legacy(req: Requirements) -> vk::MemoryRequirements {
    vk::MemoryRequirements {
        size: req.size,
        alignment: req.alignment,
        memory_type_bits: req.memory_type_bits,
    }
}

pub unsafe extern "system" fn create_buffer(
    device: vk::Device,
    p_info: *const vk::BufferCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_buffer: *mut vk::Buffer,
) -> vk::Result {
    let d = dev(device);
    call("vkCreateBuffer", rep(d), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_buffer.is_null() {
            return Err(null("pBuffer"));
        }
        *p_buffer = vk::Buffer::null();
        let b = Buffer::new(buffer_desc(info)?)?;
        *p_buffer = new_handle(BufferObj(Arc::new(b)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_buffer(
    _device: vk::Device,
    buffer: vk::Buffer,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    if let Some(b) = handle::take::<BufferObj>(buffer) {
        // Its device address is invalid from now on, even while commands still hold it.
        b.0.destroy();
    }
}

pub unsafe extern "system" fn get_buffer_memory_requirements(
    device: vk::Device,
    buffer: vk::Buffer,
    p_req: *mut vk::MemoryRequirements,
) {
    call_void("vkGetBufferMemoryRequirements", rep(dev(device)), || {
        let b = obj::<BufferObj>(buffer, "buffer")?;
        out(
            p_req,
            legacy(Buffer::requirements(b.0.desc())),
            "pMemoryRequirements",
        )
    })
}

pub unsafe extern "system" fn get_buffer_memory_requirements2(
    device: vk::Device,
    p_info: *const vk::BufferMemoryRequirementsInfo2<'_>,
    p_req: *mut vk::MemoryRequirements2<'_>,
) {
    call_void("vkGetBufferMemoryRequirements2", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pInfo"))?;
        let b = obj::<BufferObj>(info.buffer, "buffer")?;
        write_requirements(Buffer::requirements(b.0.desc()), p_req)
    })
}

pub unsafe extern "system" fn get_device_buffer_memory_requirements(
    device: vk::Device,
    p_info: *const vk::DeviceBufferMemoryRequirements<'_>,
    p_req: *mut vk::MemoryRequirements2<'_>,
) {
    call_void(
        "vkGetDeviceBufferMemoryRequirements",
        rep(dev(device)),
        || {
            let info = p_info.as_ref().ok_or_else(|| null("pInfo"))?;
            let ci = info
                .p_create_info
                .as_ref()
                .ok_or_else(|| null("pCreateInfo"))?;
            write_requirements(Buffer::requirements(&buffer_desc(ci)?), p_req)
        },
    )
}

pub unsafe extern "system" fn bind_buffer_memory(
    device: vk::Device,
    buffer: vk::Buffer,
    memory: vk::DeviceMemory,
    offset: vk::DeviceSize,
) -> vk::Result {
    call("vkBindBufferMemory", rep(dev(device)), || {
        let b = obj::<BufferObj>(buffer, "buffer")?;
        let m = obj::<MemoryObj>(memory, "memory")?;
        b.0.bind(m.0.clone(), offset)?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn bind_buffer_memory2(
    device: vk::Device,
    count: u32,
    p_infos: *const vk::BindBufferMemoryInfo<'_>,
) -> vk::Result {
    call("vkBindBufferMemory2", rep(dev(device)), || {
        for i in slice(p_infos, count, "pBindInfos")? {
            let b = obj::<BufferObj>(i.buffer, "buffer")?;
            let m = obj::<MemoryObj>(i.memory, "memory")?;
            b.0.bind(m.0.clone(), i.memory_offset)?;
        }
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_buffer_device_address(
    device: vk::Device,
    p_info: *const vk::BufferDeviceAddressInfo<'_>,
) -> u64 {
    call_value("vkGetBufferDeviceAddress", rep(dev(device)), 0, || {
        let info = p_info.as_ref().ok_or_else(|| null("pInfo"))?;
        Ok(obj::<BufferObj>(info.buffer, "buffer")?.0.device_address())
    })
}

pub unsafe extern "system" fn get_buffer_opaque_capture_address(
    _device: vk::Device,
    _p_info: *const vk::BufferDeviceAddressInfo<'_>,
) -> u64 {
    // Capture/replay is not supported (bufferDeviceAddressCaptureReplay is not reported).
    0
}

pub unsafe extern "system" fn create_buffer_view(
    device: vk::Device,
    p_info: *const vk::BufferViewCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_view: *mut vk::BufferView,
) -> vk::Result {
    call("vkCreateBufferView", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_view.is_null() {
            return Err(null("pView"));
        }
        *p_view = vk::BufferView::null();
        let b = obj::<BufferObj>(info.buffer, "buffer")?;
        let v = BufferView::new(b.0.clone(), info.format, info.offset, info.range)?;
        *p_view = new_handle(BufferViewObj(Arc::new(v)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_buffer_view(
    _device: vk::Device,
    view: vk::BufferView,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<BufferViewObj>(view));
}

unsafe fn image_desc(info: &vk::ImageCreateInfo<'_>) -> Result<ImageDesc> {
    check_external_memory(info.p_next)?;
    let drm = match info.tiling {
        vk::ImageTiling::OPTIMAL | vk::ImageTiling::LINEAR => None,
        vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT => {
            if let Some(list) =
                pnext::find::<vk::ImageDrmFormatModifierListCreateInfoEXT<'_>>(info.p_next)
            {
                let mods = slice(
                    list.p_drm_format_modifiers,
                    list.drm_format_modifier_count,
                    "pDrmFormatModifiers",
                )?;
                if !mods.contains(&DRM_FORMAT_MOD_LINEAR) {
                    return Err(Error::unsupported_format(format!(
                        "none of the DRM format modifiers {mods:x?} is supported (only LINEAR)"
                    )));
                }
                Some(DrmLayout {
                    modifier: DRM_FORMAT_MOD_LINEAR,
                    explicit: None,
                })
            } else if let Some(e) =
                pnext::find::<vk::ImageDrmFormatModifierExplicitCreateInfoEXT<'_>>(info.p_next)
            {
                let planes = slice(
                    e.p_plane_layouts,
                    e.drm_format_modifier_plane_count,
                    "pPlaneLayouts",
                )?;
                if planes.len() != 1 {
                    return Err(Error::invalid(
                        "a LINEAR DRM-modifier image has exactly one memory plane",
                    ));
                }
                Some(DrmLayout {
                    modifier: e.drm_format_modifier,
                    explicit: Some((planes[0].offset, planes[0].row_pitch)),
                })
            } else {
                return Err(Error::invalid(
                    "DRM format modifier tiling needs VkImageDrmFormatModifierListCreateInfoEXT or ...ExplicitCreateInfoEXT \
                     (VUID-VkImageCreateInfo-tiling-02261)",
                ));
            }
        }
        other => {
            return Err(Error::unsupported_format(format!(
                "tiling {other:?} is not supported"
            )));
        }
    };
    Ok(ImageDesc {
        image_type: info.image_type,
        format: info.format,
        extent: info.extent,
        mip_levels: info.mip_levels,
        array_layers: info.array_layers,
        samples: info.samples,
        tiling: info.tiling,
        usage: info.usage,
        flags: info.flags,
        drm,
    })
}

pub unsafe extern "system" fn get_image_drm_format_modifier_properties(
    device: vk::Device,
    image: vk::Image,
    p_props: *mut vk::ImageDrmFormatModifierPropertiesEXT<'_>,
) -> vk::Result {
    call(
        "vkGetImageDrmFormatModifierPropertiesEXT",
        rep(dev(device)),
        || {
            let props = p_props.as_mut().ok_or_else(|| null("pProperties"))?;
            let i = obj::<ImageObj>(image, "image")?;
            let drm = i.0.desc().drm.ok_or_else(|| {
            Error::invalid("the image was not created with DRM format modifier tiling (VUID-vkGetImageDrmFormatModifierPropertiesEXT-image-02272)")
        })?;
            props.drm_format_modifier = drm.modifier;
            Ok(vk::Result::SUCCESS)
        },
    )
}

pub unsafe extern "system" fn create_image(
    device: vk::Device,
    p_info: *const vk::ImageCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_image: *mut vk::Image,
) -> vk::Result {
    call("vkCreateImage", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_image.is_null() {
            return Err(null("pImage"));
        }
        *p_image = vk::Image::null();
        let img = Image::new(image_desc(info)?)?;
        *p_image = new_handle(ImageObj(Arc::new(img)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_image(
    _device: vk::Device,
    image: vk::Image,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<ImageObj>(image));
}

pub unsafe extern "system" fn get_image_memory_requirements(
    device: vk::Device,
    image: vk::Image,
    p_req: *mut vk::MemoryRequirements,
) {
    call_void("vkGetImageMemoryRequirements", rep(dev(device)), || {
        let i = obj::<ImageObj>(image, "image")?;
        out(p_req, legacy(i.0.requirements()), "pMemoryRequirements")
    })
}

pub unsafe extern "system" fn get_image_memory_requirements2(
    device: vk::Device,
    p_info: *const vk::ImageMemoryRequirementsInfo2<'_>,
    p_req: *mut vk::MemoryRequirements2<'_>,
) {
    call_void("vkGetImageMemoryRequirements2", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pInfo"))?;
        let i = obj::<ImageObj>(info.image, "image")?;
        write_requirements(i.0.requirements(), p_req)
    })
}

pub unsafe extern "system" fn get_device_image_memory_requirements(
    device: vk::Device,
    p_info: *const vk::DeviceImageMemoryRequirements<'_>,
    p_req: *mut vk::MemoryRequirements2<'_>,
) {
    call_void(
        "vkGetDeviceImageMemoryRequirements",
        rep(dev(device)),
        || {
            let info = p_info.as_ref().ok_or_else(|| null("pInfo"))?;
            let ci = info
                .p_create_info
                .as_ref()
                .ok_or_else(|| null("pCreateInfo"))?;
            let img = Image::new(image_desc(ci)?)?;
            write_requirements(img.requirements(), p_req)
        },
    )
}

pub unsafe extern "system" fn get_image_sparse_memory_requirements(
    _device: vk::Device,
    _image: vk::Image,
    p_count: *mut u32,
    _p_req: *mut vk::SparseImageMemoryRequirements,
) {
    // No image is sparse.
    if !p_count.is_null() {
        *p_count = 0;
    }
}

pub unsafe extern "system" fn get_image_sparse_memory_requirements2(
    _device: vk::Device,
    _p_info: *const vk::ImageSparseMemoryRequirementsInfo2<'_>,
    p_count: *mut u32,
    _p_req: *mut vk::SparseImageMemoryRequirements2<'_>,
) {
    if !p_count.is_null() {
        *p_count = 0;
    }
}

pub unsafe extern "system" fn get_device_image_sparse_memory_requirements(
    _device: vk::Device,
    _p_info: *const vk::DeviceImageMemoryRequirements<'_>,
    p_count: *mut u32,
    _p_req: *mut vk::SparseImageMemoryRequirements2<'_>,
) {
    if !p_count.is_null() {
        *p_count = 0;
    }
}

pub unsafe extern "system" fn bind_image_memory(
    device: vk::Device,
    image: vk::Image,
    memory: vk::DeviceMemory,
    offset: vk::DeviceSize,
) -> vk::Result {
    call("vkBindImageMemory", rep(dev(device)), || {
        let i = obj::<ImageObj>(image, "image")?;
        let m = obj::<MemoryObj>(memory, "memory")?;
        i.0.bind(m.0.clone(), offset)?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn bind_image_memory2(
    device: vk::Device,
    count: u32,
    p_infos: *const vk::BindImageMemoryInfo<'_>,
) -> vk::Result {
    call("vkBindImageMemory2", rep(dev(device)), || {
        for b in slice(p_infos, count, "pBindInfos")? {
            let i = obj::<ImageObj>(b.image, "image")?;
            let m = obj::<MemoryObj>(b.memory, "memory")?;
            i.0.bind(m.0.clone(), b.memory_offset)?;
        }
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_image_subresource_layout(
    device: vk::Device,
    image: vk::Image,
    p_sub: *const vk::ImageSubresource,
    p_layout: *mut vk::SubresourceLayout,
) {
    call_void("vkGetImageSubresourceLayout", rep(dev(device)), || {
        let i = obj::<ImageObj>(image, "image")?;
        let sub = p_sub.as_ref().ok_or_else(|| null("pSubresource"))?;
        let l =
            i.0.subresource_layout(sub.aspect_mask, sub.mip_level, sub.array_layer)?;
        out(
            p_layout,
            vk::SubresourceLayout {
                offset: l.offset,
                size: l.size,
                row_pitch: l.row_pitch,
                array_pitch: l.array_pitch,
                depth_pitch: l.depth_pitch,
            },
            "pLayout",
        )
    })
}

pub unsafe extern "system" fn create_image_view(
    device: vk::Device,
    p_info: *const vk::ImageViewCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_view: *mut vk::ImageView,
) -> vk::Result {
    call("vkCreateImageView", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_view.is_null() {
            return Err(null("pView"));
        }
        *p_view = vk::ImageView::null();
        if pnext::find::<vk::SamplerYcbcrConversionInfo<'_>>(info.p_next).is_some() {
            return Err(Error::invalid("sampler Y'CbCr conversion is not supported"));
        }
        let i = obj::<ImageObj>(info.image, "image")?;
        let v = ImageView::new(
            i.0.clone(),
            info.view_type,
            info.format,
            info.components,
            info.subresource_range,
        )?;
        *p_view = new_handle(ImageViewObj(Arc::new(v)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_image_view(
    _device: vk::Device,
    view: vk::ImageView,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<ImageViewObj>(view));
}

pub unsafe extern "system" fn create_sampler(
    device: vk::Device,
    p_info: *const vk::SamplerCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_sampler: *mut vk::Sampler,
) -> vk::Result {
    call("vkCreateSampler", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_sampler.is_null() {
            return Err(null("pSampler"));
        }
        *p_sampler = vk::Sampler::null();
        let mut reduction = vk::SamplerReductionMode::WEIGHTED_AVERAGE;
        for s in pnext::iter(info.p_next) {
            match s.s_type {
                vk::StructureType::SAMPLER_YCBCR_CONVERSION_INFO => {
                    return Err(Error::invalid("sampler Y'CbCr conversion is not supported"));
                }
                vk::StructureType::SAMPLER_REDUCTION_MODE_CREATE_INFO => {
                    let r = &*(s as *const _ as *const vk::SamplerReductionModeCreateInfo<'_>);
                    reduction = r.reduction_mode;
                }
                _ => {}
            }
        }
        let desc = SamplerDesc {
            mag_filter: info.mag_filter,
            min_filter: info.min_filter,
            mipmap_mode: info.mipmap_mode,
            address_mode: [
                info.address_mode_u,
                info.address_mode_v,
                info.address_mode_w,
            ],
            mip_lod_bias: info.mip_lod_bias,
            anisotropy: (info.anisotropy_enable != vk::FALSE).then_some(info.max_anisotropy),
            compare: (info.compare_enable != vk::FALSE).then_some(info.compare_op),
            min_lod: info.min_lod,
            max_lod: info.max_lod,
            border_color: info.border_color,
            unnormalized_coordinates: info.unnormalized_coordinates != vk::FALSE,
            reduction,
        };
        *p_sampler = new_handle(SamplerObj(Arc::new(Sampler::new(desc)?)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_sampler(
    _device: vk::Device,
    sampler: vk::Sampler,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<SamplerObj>(sampler));
}

/// vkCreateSamplerYcbcrConversion: valid only with the samplerYcbcrConversion feature enabled
/// (VUID-vkCreateSamplerYcbcrConversion-None-01648), which softvk does not report (it has no
/// multi-planar formats), so every call is invalid usage and creates nothing.
pub unsafe extern "system" fn create_sampler_ycbcr_conversion(
    device: vk::Device,
    _p_info: *const vk::SamplerYcbcrConversionCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_conversion: *mut vk::SamplerYcbcrConversion,
) -> vk::Result {
    call("vkCreateSamplerYcbcrConversion", rep(dev(device)), || {
        if let Some(out) = p_conversion.as_mut() {
            *out = vk::SamplerYcbcrConversion::null();
        }
        Err(Error::invalid(
            "the samplerYcbcrConversion feature is not supported, so it cannot be enabled \
             (VUID-vkCreateSamplerYcbcrConversion-None-01648)",
        ))
    })
}

/// vkDestroySamplerYcbcrConversion: no conversion can exist (see above), so the only valid
/// handle is VK_NULL_HANDLE, which is ignored.
pub unsafe extern "system" fn destroy_sampler_ycbcr_conversion(
    _device: vk::Device,
    _conversion: vk::SamplerYcbcrConversion,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
}
