//! Physical-device queries.

use super::disp;
use super::external;
use crate::boundary::{call, call_void, null, out, write_array};
use crate::generated::autogen_commands::{CORE_FEATURES, FEATURE_STRUCTS};
use crate::objects::PhysicalDeviceObj;
use crate::pnext;
use ash::vk;
use softvk::error::{Error, Result};
use softvk::physical_device::{
    DEVICE_EXTENSIONS, ImageFormatQuery, drm_modifiers, feature_supported, format_features,
    legacy_format_features,
};
use softvk::sync::{SemaphoreKind, fence_caps, semaphore_caps};
use std::ffi::{c_char, c_void};

unsafe fn pd<'a>(h: vk::PhysicalDevice) -> Option<&'a PhysicalDeviceObj> {
    crate::handle::get_dispatchable::<PhysicalDeviceObj>(h)
}

fn rep(p: Option<&PhysicalDeviceObj>) -> Option<&softvk::log::Reporter> {
    p.map(|p| &**p.core.reporter())
}

/// VkPhysicalDeviceFeatures from the supported feature names.
pub fn core_features() -> vk::PhysicalDeviceFeatures {
    const N: usize = std::mem::size_of::<vk::PhysicalDeviceFeatures>() / 4;
    const _: () = assert!(std::mem::size_of::<vk::PhysicalDeviceFeatures>() == N * 4);
    assert_eq!(
        CORE_FEATURES.len(),
        N,
        "VkPhysicalDeviceFeatures layout matches vk.xml"
    );
    let mut bools = [vk::FALSE; N];
    for (b, name) in bools.iter_mut().zip(CORE_FEATURES) {
        *b = feature_supported(name) as vk::Bool32;
    }
    // SAFETY: VkPhysicalDeviceFeatures is repr(C) with exactly N VkBool32 members.
    unsafe { std::mem::transmute::<[vk::Bool32; N], vk::PhysicalDeviceFeatures>(bools) }
}

/// Fills every known feature structure of an output chain.
unsafe fn fill_feature_chain(p_next: *mut c_void) {
    for s in pnext::iter_out(p_next) {
        let st = (*s).s_type;
        if st == vk::StructureType::PHYSICAL_DEVICE_FEATURES_2 {
            (*(s as *mut vk::PhysicalDeviceFeatures2<'_>)).features = core_features();
        } else if let Some((_, members)) = FEATURE_STRUCTS.iter().find(|(t, _)| *t == st) {
            let bools = (s as *mut u8).add(16) as *mut vk::Bool32;
            for (i, m) in members.iter().enumerate() {
                *bools.add(i) = feature_supported(m) as vk::Bool32;
            }
        }
    }
}

/// Names of the features an input chain (and pEnabledFeatures) turns on.
pub unsafe fn enabled_features(
    p_next: *const c_void,
    core: Option<&vk::PhysicalDeviceFeatures>,
) -> Vec<String> {
    let mut names = vec![];
    let core_bools = |f: &vk::PhysicalDeviceFeatures, names: &mut Vec<String>| {
        let bools = f as *const vk::PhysicalDeviceFeatures as *const vk::Bool32;
        for (i, n) in CORE_FEATURES.iter().enumerate() {
            if *bools.add(i) != vk::FALSE {
                names.push(n.to_string());
            }
        }
    };
    if let Some(f) = core {
        core_bools(f, &mut names);
    }
    for s in pnext::iter(p_next) {
        if s.s_type == vk::StructureType::PHYSICAL_DEVICE_FEATURES_2 {
            core_bools(
                &(*(s as *const _ as *const vk::PhysicalDeviceFeatures2<'_>)).features,
                &mut names,
            );
        } else if let Some((_, members)) = FEATURE_STRUCTS.iter().find(|(t, _)| *t == s.s_type) {
            let bools = (s as *const _ as *const u8).add(16) as *const vk::Bool32;
            for (i, m) in members.iter().enumerate() {
                if *bools.add(i) != vk::FALSE {
                    names.push(m.to_string());
                }
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

pub unsafe extern "system" fn get_features(
    physical: vk::PhysicalDevice,
    p_features: *mut vk::PhysicalDeviceFeatures,
) {
    call_void("vkGetPhysicalDeviceFeatures", rep(pd(physical)), || {
        out(p_features, core_features(), "pFeatures")
    })
}

pub unsafe extern "system" fn get_features2(
    physical: vk::PhysicalDevice,
    p_features: *mut vk::PhysicalDeviceFeatures2<'_>,
) {
    call_void("vkGetPhysicalDeviceFeatures2", rep(pd(physical)), || {
        if p_features.is_null() {
            return Err(null("pFeatures"));
        }
        fill_feature_chain(p_features as *mut c_void);
        Ok(())
    })
}

pub unsafe extern "system" fn get_properties(
    physical: vk::PhysicalDevice,
    p_props: *mut vk::PhysicalDeviceProperties,
) {
    let p = pd(physical);
    call_void("vkGetPhysicalDeviceProperties", rep(p), || {
        let p = disp::<PhysicalDeviceObj>(physical, "physicalDevice")?;
        out(p_props, p.core.properties(), "pProperties")
    })
}

pub unsafe extern "system" fn get_properties2(
    physical: vk::PhysicalDevice,
    p_props: *mut vk::PhysicalDeviceProperties2<'_>,
) {
    let p = pd(physical);
    call_void("vkGetPhysicalDeviceProperties2", rep(p), || {
        let p = disp::<PhysicalDeviceObj>(physical, "physicalDevice")?;
        let props = p_props.as_mut().ok_or_else(|| null("pProperties"))?;
        props.properties = p.core.properties();
        let (v11, v12, v13) = (
            p.core.properties11(),
            p.core.properties12(),
            p.core.properties13(),
        );
        type S = vk::StructureType;
        for s in pnext::iter_out(props.p_next) {
            match (*s).s_type {
                S::PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES => pnext::write_keep_chain(s, v11),
                S::PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES => pnext::write_keep_chain(s, v12),
                S::PHYSICAL_DEVICE_VULKAN_1_3_PROPERTIES => pnext::write_keep_chain(s, v13),
                S::PHYSICAL_DEVICE_ID_PROPERTIES => {
                    let d = &mut *(s as *mut vk::PhysicalDeviceIDProperties<'_>);
                    d.device_uuid = v11.device_uuid;
                    d.driver_uuid = v11.driver_uuid;
                    d.device_luid = v11.device_luid;
                    d.device_node_mask = v11.device_node_mask;
                    d.device_luid_valid = v11.device_luid_valid;
                }
                S::PHYSICAL_DEVICE_SUBGROUP_PROPERTIES => {
                    let d = &mut *(s as *mut vk::PhysicalDeviceSubgroupProperties<'_>);
                    d.subgroup_size = v11.subgroup_size;
                    d.supported_stages = v11.subgroup_supported_stages;
                    d.supported_operations = v11.subgroup_supported_operations;
                    d.quad_operations_in_all_stages = v11.subgroup_quad_operations_in_all_stages;
                }
                S::PHYSICAL_DEVICE_POINT_CLIPPING_PROPERTIES => {
                    (*(s as *mut vk::PhysicalDevicePointClippingProperties<'_>))
                        .point_clipping_behavior = v11.point_clipping_behavior;
                }
                S::PHYSICAL_DEVICE_MULTIVIEW_PROPERTIES => {
                    let d = &mut *(s as *mut vk::PhysicalDeviceMultiviewProperties<'_>);
                    d.max_multiview_view_count = v11.max_multiview_view_count;
                    d.max_multiview_instance_index = v11.max_multiview_instance_index;
                }
                S::PHYSICAL_DEVICE_PROTECTED_MEMORY_PROPERTIES => {
                    (*(s as *mut vk::PhysicalDeviceProtectedMemoryProperties<'_>))
                        .protected_no_fault = v11.protected_no_fault;
                }
                S::PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES => {
                    let d = &mut *(s as *mut vk::PhysicalDeviceMaintenance3Properties<'_>);
                    d.max_per_set_descriptors = v11.max_per_set_descriptors;
                    d.max_memory_allocation_size = v11.max_memory_allocation_size;
                }
                S::PHYSICAL_DEVICE_DRIVER_PROPERTIES => {
                    let d = &mut *(s as *mut vk::PhysicalDeviceDriverProperties<'_>);
                    d.driver_id = v12.driver_id;
                    d.driver_name = v12.driver_name;
                    d.driver_info = v12.driver_info;
                    d.conformance_version = v12.conformance_version;
                }
                S::PHYSICAL_DEVICE_FLOAT_CONTROLS_PROPERTIES => {
                    // The same members as VkPhysicalDeviceVulkan12Properties, same values.
                    let d = &mut *(s as *mut vk::PhysicalDeviceFloatControlsProperties<'_>);
                    d.denorm_behavior_independence = v12.denorm_behavior_independence;
                    d.rounding_mode_independence = v12.rounding_mode_independence;
                    d.shader_signed_zero_inf_nan_preserve_float16 =
                        v12.shader_signed_zero_inf_nan_preserve_float16;
                    d.shader_signed_zero_inf_nan_preserve_float32 =
                        v12.shader_signed_zero_inf_nan_preserve_float32;
                    d.shader_signed_zero_inf_nan_preserve_float64 =
                        v12.shader_signed_zero_inf_nan_preserve_float64;
                    d.shader_denorm_preserve_float16 = v12.shader_denorm_preserve_float16;
                    d.shader_denorm_preserve_float32 = v12.shader_denorm_preserve_float32;
                    d.shader_denorm_preserve_float64 = v12.shader_denorm_preserve_float64;
                    d.shader_denorm_flush_to_zero_float16 = v12.shader_denorm_flush_to_zero_float16;
                    d.shader_denorm_flush_to_zero_float32 = v12.shader_denorm_flush_to_zero_float32;
                    d.shader_denorm_flush_to_zero_float64 = v12.shader_denorm_flush_to_zero_float64;
                    d.shader_rounding_mode_rte_float16 = v12.shader_rounding_mode_rte_float16;
                    d.shader_rounding_mode_rte_float32 = v12.shader_rounding_mode_rte_float32;
                    d.shader_rounding_mode_rte_float64 = v12.shader_rounding_mode_rte_float64;
                    d.shader_rounding_mode_rtz_float16 = v12.shader_rounding_mode_rtz_float16;
                    d.shader_rounding_mode_rtz_float32 = v12.shader_rounding_mode_rtz_float32;
                    d.shader_rounding_mode_rtz_float64 = v12.shader_rounding_mode_rtz_float64;
                }
                S::PHYSICAL_DEVICE_DEPTH_STENCIL_RESOLVE_PROPERTIES => {
                    let d = &mut *(s as *mut vk::PhysicalDeviceDepthStencilResolveProperties<'_>);
                    d.supported_depth_resolve_modes = v12.supported_depth_resolve_modes;
                    d.supported_stencil_resolve_modes = v12.supported_stencil_resolve_modes;
                    d.independent_resolve_none = v12.independent_resolve_none;
                    d.independent_resolve = v12.independent_resolve;
                }
                S::PHYSICAL_DEVICE_SAMPLER_FILTER_MINMAX_PROPERTIES => {
                    let d = &mut *(s as *mut vk::PhysicalDeviceSamplerFilterMinmaxProperties<'_>);
                    d.filter_minmax_single_component_formats =
                        v12.filter_minmax_single_component_formats;
                    d.filter_minmax_image_component_mapping =
                        v12.filter_minmax_image_component_mapping;
                }
                S::PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_PROPERTIES => {
                    (*(s as *mut vk::PhysicalDeviceTimelineSemaphoreProperties<'_>))
                        .max_timeline_semaphore_value_difference =
                        v12.max_timeline_semaphore_value_difference;
                }
                S::PHYSICAL_DEVICE_DESCRIPTOR_INDEXING_PROPERTIES => {
                    // The same members as VkPhysicalDeviceVulkan12Properties, same values (the
                    // update-after-bind limits bound every pipeline layout even without
                    // descriptor indexing).
                    let d = &mut *(s as *mut vk::PhysicalDeviceDescriptorIndexingProperties<'_>);
                    d.max_update_after_bind_descriptors_in_all_pools =
                        v12.max_update_after_bind_descriptors_in_all_pools;
                    d.shader_uniform_buffer_array_non_uniform_indexing_native =
                        v12.shader_uniform_buffer_array_non_uniform_indexing_native;
                    d.shader_sampled_image_array_non_uniform_indexing_native =
                        v12.shader_sampled_image_array_non_uniform_indexing_native;
                    d.shader_storage_buffer_array_non_uniform_indexing_native =
                        v12.shader_storage_buffer_array_non_uniform_indexing_native;
                    d.shader_storage_image_array_non_uniform_indexing_native =
                        v12.shader_storage_image_array_non_uniform_indexing_native;
                    d.shader_input_attachment_array_non_uniform_indexing_native =
                        v12.shader_input_attachment_array_non_uniform_indexing_native;
                    d.robust_buffer_access_update_after_bind =
                        v12.robust_buffer_access_update_after_bind;
                    d.quad_divergent_implicit_lod = v12.quad_divergent_implicit_lod;
                    d.max_per_stage_descriptor_update_after_bind_samplers =
                        v12.max_per_stage_descriptor_update_after_bind_samplers;
                    d.max_per_stage_descriptor_update_after_bind_uniform_buffers =
                        v12.max_per_stage_descriptor_update_after_bind_uniform_buffers;
                    d.max_per_stage_descriptor_update_after_bind_storage_buffers =
                        v12.max_per_stage_descriptor_update_after_bind_storage_buffers;
                    d.max_per_stage_descriptor_update_after_bind_sampled_images =
                        v12.max_per_stage_descriptor_update_after_bind_sampled_images;
                    d.max_per_stage_descriptor_update_after_bind_storage_images =
                        v12.max_per_stage_descriptor_update_after_bind_storage_images;
                    d.max_per_stage_descriptor_update_after_bind_input_attachments =
                        v12.max_per_stage_descriptor_update_after_bind_input_attachments;
                    d.max_per_stage_update_after_bind_resources =
                        v12.max_per_stage_update_after_bind_resources;
                    d.max_descriptor_set_update_after_bind_samplers =
                        v12.max_descriptor_set_update_after_bind_samplers;
                    d.max_descriptor_set_update_after_bind_uniform_buffers =
                        v12.max_descriptor_set_update_after_bind_uniform_buffers;
                    d.max_descriptor_set_update_after_bind_uniform_buffers_dynamic =
                        v12.max_descriptor_set_update_after_bind_uniform_buffers_dynamic;
                    d.max_descriptor_set_update_after_bind_storage_buffers =
                        v12.max_descriptor_set_update_after_bind_storage_buffers;
                    d.max_descriptor_set_update_after_bind_storage_buffers_dynamic =
                        v12.max_descriptor_set_update_after_bind_storage_buffers_dynamic;
                    d.max_descriptor_set_update_after_bind_sampled_images =
                        v12.max_descriptor_set_update_after_bind_sampled_images;
                    d.max_descriptor_set_update_after_bind_storage_images =
                        v12.max_descriptor_set_update_after_bind_storage_images;
                    d.max_descriptor_set_update_after_bind_input_attachments =
                        v12.max_descriptor_set_update_after_bind_input_attachments;
                }
                S::PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES => {
                    (*(s as *mut vk::PhysicalDeviceMaintenance4Properties<'_>)).max_buffer_size =
                        v13.max_buffer_size;
                }
                S::PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES => {
                    let d = &mut *(s as *mut vk::PhysicalDeviceSubgroupSizeControlProperties<'_>);
                    d.min_subgroup_size = v13.min_subgroup_size;
                    d.max_subgroup_size = v13.max_subgroup_size;
                    d.max_compute_workgroup_subgroups = v13.max_compute_workgroup_subgroups;
                    d.required_subgroup_size_stages = v13.required_subgroup_size_stages;
                }
                S::PHYSICAL_DEVICE_VERTEX_ATTRIBUTE_DIVISOR_PROPERTIES_EXT => {
                    // raster::fetch divides by any 32-bit divisor.
                    (*(s as *mut vk::PhysicalDeviceVertexAttributeDivisorPropertiesEXT<'_>))
                        .max_vertex_attrib_divisor = u32::MAX;
                }
                S::PHYSICAL_DEVICE_ROBUSTNESS_2_PROPERTIES_EXT => {
                    // Every buffer access is checked against the exact range, byte for byte.
                    let d = &mut *(s as *mut vk::PhysicalDeviceRobustness2PropertiesEXT<'_>);
                    d.robust_storage_buffer_access_size_alignment = 1;
                    d.robust_uniform_buffer_access_size_alignment = 1;
                }
                S::PHYSICAL_DEVICE_PUSH_DESCRIPTOR_PROPERTIES_KHR => {
                    (*(s as *mut vk::PhysicalDevicePushDescriptorPropertiesKHR<'_>))
                        .max_push_descriptors = softvk::resource::descriptor::MAX_PUSH_DESCRIPTORS;
                }
                S::PHYSICAL_DEVICE_INLINE_UNIFORM_BLOCK_PROPERTIES => {
                    // The same values as VkPhysicalDeviceVulkan13Properties.
                    let d = &mut *(s as *mut vk::PhysicalDeviceInlineUniformBlockProperties<'_>);
                    d.max_inline_uniform_block_size = v13.max_inline_uniform_block_size;
                    d.max_per_stage_descriptor_inline_uniform_blocks =
                        v13.max_per_stage_descriptor_inline_uniform_blocks;
                    d.max_per_stage_descriptor_update_after_bind_inline_uniform_blocks =
                        v13.max_per_stage_descriptor_update_after_bind_inline_uniform_blocks;
                    d.max_descriptor_set_inline_uniform_blocks =
                        v13.max_descriptor_set_inline_uniform_blocks;
                    d.max_descriptor_set_update_after_bind_inline_uniform_blocks =
                        v13.max_descriptor_set_update_after_bind_inline_uniform_blocks;
                }
                S::PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES => {
                    pnext::write_keep_chain(
                        s,
                        vk::PhysicalDeviceShaderIntegerDotProductProperties::default(),
                    );
                }
                S::PHYSICAL_DEVICE_TEXEL_BUFFER_ALIGNMENT_PROPERTIES => {
                    let d = &mut *(s as *mut vk::PhysicalDeviceTexelBufferAlignmentProperties<'_>);
                    d.storage_texel_buffer_offset_alignment_bytes =
                        v13.storage_texel_buffer_offset_alignment_bytes;
                    d.storage_texel_buffer_offset_single_texel_alignment =
                        v13.storage_texel_buffer_offset_single_texel_alignment;
                    d.uniform_texel_buffer_offset_alignment_bytes =
                        v13.uniform_texel_buffer_offset_alignment_bytes;
                    d.uniform_texel_buffer_offset_single_texel_alignment =
                        v13.uniform_texel_buffer_offset_single_texel_alignment;
                }
                S::PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT => {
                    (*(s as *mut vk::PhysicalDeviceExternalMemoryHostPropertiesEXT<'_>))
                        .min_imported_host_pointer_alignment = softvk::platform::page_size() as u64;
                }
                _ => {} // unknown structures are skipped
            }
        }
        Ok(())
    })
}

pub unsafe extern "system" fn get_format_properties(
    physical: vk::PhysicalDevice,
    format: vk::Format,
    p_props: *mut vk::FormatProperties,
) {
    call_void(
        "vkGetPhysicalDeviceFormatProperties",
        rep(pd(physical)),
        || {
            let f = format_features(format);
            out(
                p_props,
                vk::FormatProperties {
                    linear_tiling_features: legacy_format_features(f.linear),
                    optimal_tiling_features: legacy_format_features(f.optimal),
                    buffer_features: legacy_format_features(f.buffer),
                },
                "pFormatProperties",
            )
        },
    )
}

pub unsafe extern "system" fn get_format_properties2(
    physical: vk::PhysicalDevice,
    format: vk::Format,
    p_props: *mut vk::FormatProperties2<'_>,
) {
    call_void(
        "vkGetPhysicalDeviceFormatProperties2",
        rep(pd(physical)),
        || {
            let props = p_props.as_mut().ok_or_else(|| null("pFormatProperties"))?;
            let f = format_features(format);
            props.format_properties = vk::FormatProperties {
                linear_tiling_features: legacy_format_features(f.linear),
                optimal_tiling_features: legacy_format_features(f.optimal),
                buffer_features: legacy_format_features(f.buffer),
            };
            let mods = drm_modifiers(format);
            for s in pnext::iter_out(props.p_next) {
                match (*s).s_type {
                    vk::StructureType::FORMAT_PROPERTIES_3 => {
                        let d = &mut *(s as *mut vk::FormatProperties3<'_>);
                        d.linear_tiling_features = f.linear;
                        d.optimal_tiling_features = f.optimal;
                        d.buffer_features = f.buffer;
                    }
                    vk::StructureType::DRM_FORMAT_MODIFIER_PROPERTIES_LIST_EXT => {
                        let d = &mut *(s as *mut vk::DrmFormatModifierPropertiesListEXT<'_>);
                        let items: Vec<vk::DrmFormatModifierPropertiesEXT> = mods
                            .iter()
                            .map(|(m, planes, feats)| vk::DrmFormatModifierPropertiesEXT {
                                drm_format_modifier: *m,
                                drm_format_modifier_plane_count: *planes,
                                drm_format_modifier_tiling_features: legacy_format_features(*feats),
                            })
                            .collect();
                        // A short array is simply filled (the command has no INCOMPLETE result).
                        let _ = write_array(
                            &mut d.drm_format_modifier_count,
                            d.p_drm_format_modifier_properties,
                            &items,
                        )?;
                    }
                    vk::StructureType::DRM_FORMAT_MODIFIER_PROPERTIES_LIST_2_EXT => {
                        let d = &mut *(s as *mut vk::DrmFormatModifierPropertiesList2EXT<'_>);
                        let items: Vec<vk::DrmFormatModifierProperties2EXT> = mods
                            .iter()
                            .map(|(m, planes, feats)| vk::DrmFormatModifierProperties2EXT {
                                drm_format_modifier: *m,
                                drm_format_modifier_plane_count: *planes,
                                drm_format_modifier_tiling_features: *feats,
                            })
                            .collect();
                        // A short array is simply filled (the command has no INCOMPLETE result).
                        let _ = write_array(
                            &mut d.drm_format_modifier_count,
                            d.p_drm_format_modifier_properties,
                            &items,
                        )?;
                    }
                    _ => {}
                }
            }
            Ok(())
        },
    )
}

fn image_query(
    physical: &PhysicalDeviceObj,
    q: ImageFormatQuery,
) -> Result<vk::ImageFormatProperties> {
    physical.core.image_format_properties(&q)
}

pub unsafe extern "system" fn get_image_format_properties(
    physical: vk::PhysicalDevice,
    format: vk::Format,
    image_type: vk::ImageType,
    tiling: vk::ImageTiling,
    usage: vk::ImageUsageFlags,
    flags: vk::ImageCreateFlags,
    p_props: *mut vk::ImageFormatProperties,
) -> vk::Result {
    let p = pd(physical);
    call("vkGetPhysicalDeviceImageFormatProperties", rep(p), || {
        let p = disp::<PhysicalDeviceObj>(physical, "physicalDevice")?;
        if !p_props.is_null() {
            *p_props = vk::ImageFormatProperties::default();
        }
        let r = image_query(
            p,
            ImageFormatQuery {
                format,
                image_type,
                tiling,
                usage,
                flags,
                drm_modifier: None,
            },
        )?;
        out(p_props, r, "pImageFormatProperties")?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_image_format_properties2(
    physical: vk::PhysicalDevice,
    p_info: *const vk::PhysicalDeviceImageFormatInfo2<'_>,
    p_props: *mut vk::ImageFormatProperties2<'_>,
) -> vk::Result {
    let p = pd(physical);
    call("vkGetPhysicalDeviceImageFormatProperties2", rep(p), || {
        let p = disp::<PhysicalDeviceObj>(physical, "physicalDevice")?;
        let info = p_info.as_ref().ok_or_else(|| null("pImageFormatInfo"))?;
        let props = p_props
            .as_mut()
            .ok_or_else(|| null("pImageFormatProperties"))?;
        props.image_format_properties = vk::ImageFormatProperties::default();
        let mut external = vk::ExternalMemoryProperties::default();
        let mut usage = info.usage;
        if let Some(ext) = pnext::find::<vk::PhysicalDeviceExternalImageFormatInfo<'_>>(info.p_next)
            && !ext.handle_type.is_empty()
        {
            external = external::memory_properties(ext.handle_type, true).ok_or_else(|| {
                Error::unsupported_format(format!(
                    "external memory handle type {:?} is not supported for images",
                    ext.handle_type
                ))
            })?;
        }
        for s in pnext::iter_out(props.p_next) {
            if (*s).s_type == vk::StructureType::EXTERNAL_IMAGE_FORMAT_PROPERTIES {
                (*(s as *mut vk::ExternalImageFormatProperties<'_>)).external_memory_properties =
                    external;
            }
        }
        if let Some(st) = pnext::find::<vk::ImageStencilUsageCreateInfo<'_>>(info.p_next) {
            usage |= st.stencil_usage;
        }
        let drm_modifier =
            pnext::find::<vk::PhysicalDeviceImageDrmFormatModifierInfoEXT<'_>>(info.p_next)
                .map(|m| m.drm_format_modifier);
        let r = image_query(
            p,
            ImageFormatQuery {
                format: info.format,
                image_type: info.ty,
                tiling: info.tiling,
                usage,
                flags: info.flags,
                drm_modifier,
            },
        )?;
        props.image_format_properties = r;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn get_sparse_image_format_properties(
    _physical: vk::PhysicalDevice,
    _format: vk::Format,
    _ty: vk::ImageType,
    _samples: vk::SampleCountFlags,
    _usage: vk::ImageUsageFlags,
    _tiling: vk::ImageTiling,
    p_count: *mut u32,
    _p_props: *mut vk::SparseImageFormatProperties,
) {
    // No sparse residency: no format has sparse properties.
    if !p_count.is_null() {
        *p_count = 0;
    }
}

pub unsafe extern "system" fn get_sparse_image_format_properties2(
    _physical: vk::PhysicalDevice,
    _info: *const vk::PhysicalDeviceSparseImageFormatInfo2<'_>,
    p_count: *mut u32,
    _p_props: *mut vk::SparseImageFormatProperties2<'_>,
) {
    if !p_count.is_null() {
        *p_count = 0;
    }
}

pub unsafe extern "system" fn get_queue_family_properties(
    physical: vk::PhysicalDevice,
    p_count: *mut u32,
    p_props: *mut vk::QueueFamilyProperties,
) {
    let p = pd(physical);
    call_void("vkGetPhysicalDeviceQueueFamilyProperties", rep(p), || {
        let p = disp::<PhysicalDeviceObj>(physical, "physicalDevice")?;
        write_array(p_count, p_props, &p.core.queue_families()).map(drop)
    })
}

pub unsafe extern "system" fn get_queue_family_properties2(
    physical: vk::PhysicalDevice,
    p_count: *mut u32,
    p_props: *mut vk::QueueFamilyProperties2<'_>,
) {
    let p = pd(physical);
    call_void("vkGetPhysicalDeviceQueueFamilyProperties2", rep(p), || {
        let p = disp::<PhysicalDeviceObj>(physical, "physicalDevice")?;
        let fams = p.core.queue_families();
        if p_count.is_null() {
            return Err(null("pQueueFamilyPropertyCount"));
        }
        if p_props.is_null() {
            *p_count = fams.len() as u32;
            return Ok(());
        }
        let n = (*p_count as usize).min(fams.len());
        for (i, f) in fams.iter().take(n).enumerate() {
            (*p_props.add(i)).queue_family_properties = *f;
        }
        *p_count = n as u32;
        Ok(())
    })
}

pub unsafe extern "system" fn get_memory_properties(
    physical: vk::PhysicalDevice,
    p_props: *mut vk::PhysicalDeviceMemoryProperties,
) {
    let p = pd(physical);
    call_void("vkGetPhysicalDeviceMemoryProperties", rep(p), || {
        let p = disp::<PhysicalDeviceObj>(physical, "physicalDevice")?;
        out(p_props, p.core.memory_properties(), "pMemoryProperties")
    })
}

pub unsafe extern "system" fn get_memory_properties2(
    physical: vk::PhysicalDevice,
    p_props: *mut vk::PhysicalDeviceMemoryProperties2<'_>,
) {
    let p = pd(physical);
    call_void("vkGetPhysicalDeviceMemoryProperties2", rep(p), || {
        let p = disp::<PhysicalDeviceObj>(physical, "physicalDevice")?;
        let props = p_props.as_mut().ok_or_else(|| null("pMemoryProperties"))?;
        props.memory_properties = p.core.memory_properties();
        for s in pnext::iter_out(props.p_next) {
            if (*s).s_type == vk::StructureType::PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT {
                let d = &mut *(s as *mut vk::PhysicalDeviceMemoryBudgetPropertiesEXT<'_>);
                let (budget, usage) = p.core.memory_budget();
                d.heap_budget = [0; vk::MAX_MEMORY_HEAPS];
                d.heap_usage = [0; vk::MAX_MEMORY_HEAPS];
                d.heap_budget[0] = budget;
                d.heap_usage[0] = usage;
            }
        }
        Ok(())
    })
}

pub unsafe extern "system" fn get_external_buffer_properties(
    physical: vk::PhysicalDevice,
    p_info: *const vk::PhysicalDeviceExternalBufferInfo<'_>,
    p_props: *mut vk::ExternalBufferProperties<'_>,
) {
    call_void(
        "vkGetPhysicalDeviceExternalBufferProperties",
        rep(pd(physical)),
        || {
            let info = p_info.as_ref().ok_or_else(|| null("pExternalBufferInfo"))?;
            let props = p_props
                .as_mut()
                .ok_or_else(|| null("pExternalBufferProperties"))?;
            let sparse = vk::BufferCreateFlags::SPARSE_BINDING
                | vk::BufferCreateFlags::SPARSE_RESIDENCY
                | vk::BufferCreateFlags::SPARSE_ALIASED;
            props.external_memory_properties = if info.flags.intersects(sparse) {
                vk::ExternalMemoryProperties::default()
            } else {
                external::memory_properties(info.handle_type, false).unwrap_or_default()
            };
            Ok(())
        },
    )
}

pub unsafe extern "system" fn get_external_fence_properties(
    physical: vk::PhysicalDevice,
    p_info: *const vk::PhysicalDeviceExternalFenceInfo<'_>,
    p_props: *mut vk::ExternalFenceProperties<'_>,
) {
    call_void(
        "vkGetPhysicalDeviceExternalFenceProperties",
        rep(pd(physical)),
        || {
            let info = p_info.as_ref().ok_or_else(|| null("pExternalFenceInfo"))?;
            let props = p_props
                .as_mut()
                .ok_or_else(|| null("pExternalFenceProperties"))?;
            let caps = external::fence_handle(info.handle_type).and_then(fence_caps);
            let t = if caps.is_some() {
                info.handle_type
            } else {
                vk::ExternalFenceHandleTypeFlags::empty()
            };
            let mut features = vk::ExternalFenceFeatureFlags::empty();
            if caps.is_some_and(|c| c.export) {
                features |= vk::ExternalFenceFeatureFlags::EXPORTABLE;
            }
            if caps.is_some_and(|c| c.import) {
                features |= vk::ExternalFenceFeatureFlags::IMPORTABLE;
            }
            props.export_from_imported_handle_types = t;
            props.compatible_handle_types = t;
            props.external_fence_features = features;
            Ok(())
        },
    )
}

pub unsafe extern "system" fn get_external_semaphore_properties(
    physical: vk::PhysicalDevice,
    p_info: *const vk::PhysicalDeviceExternalSemaphoreInfo<'_>,
    p_props: *mut vk::ExternalSemaphoreProperties<'_>,
) {
    call_void(
        "vkGetPhysicalDeviceExternalSemaphoreProperties",
        rep(pd(physical)),
        || {
            let info = p_info
                .as_ref()
                .ok_or_else(|| null("pExternalSemaphoreInfo"))?;
            let props = p_props
                .as_mut()
                .ok_or_else(|| null("pExternalSemaphoreProperties"))?;
            let kind = match pnext::find::<vk::SemaphoreTypeCreateInfo<'_>>(info.p_next) {
                Some(t) if t.semaphore_type == vk::SemaphoreType::TIMELINE => {
                    SemaphoreKind::Timeline
                }
                _ => SemaphoreKind::Binary,
            };
            let caps =
                external::semaphore_handle(info.handle_type).and_then(|h| semaphore_caps(kind, h));
            let t = if caps.is_some() {
                info.handle_type
            } else {
                vk::ExternalSemaphoreHandleTypeFlags::empty()
            };
            let mut features = vk::ExternalSemaphoreFeatureFlags::empty();
            if caps.is_some_and(|c| c.export) {
                features |= vk::ExternalSemaphoreFeatureFlags::EXPORTABLE;
            }
            if caps.is_some_and(|c| c.import) {
                features |= vk::ExternalSemaphoreFeatureFlags::IMPORTABLE;
            }
            props.export_from_imported_handle_types = t;
            props.compatible_handle_types = t;
            props.external_semaphore_features = features;
            Ok(())
        },
    )
}

pub unsafe extern "system" fn get_tool_properties(
    physical: vk::PhysicalDevice,
    p_count: *mut u32,
    p_props: *mut vk::PhysicalDeviceToolProperties<'_>,
) -> vk::Result {
    call(
        "vkGetPhysicalDeviceToolProperties",
        rep(pd(physical)),
        || {
            if p_count.is_null() {
                return Err(null("pToolCount"));
            }
            // softvk itself is the driver, not a tool; layers add their own entries.
            *p_count = 0;
            let _ = p_props;
            Ok(vk::Result::SUCCESS)
        },
    )
}

pub unsafe extern "system" fn enumerate_device_extension_properties(
    physical: vk::PhysicalDevice,
    p_layer_name: *const c_char,
    p_count: *mut u32,
    p_props: *mut vk::ExtensionProperties,
) -> vk::Result {
    call(
        "vkEnumerateDeviceExtensionProperties",
        rep(pd(physical)),
        || {
            if !p_layer_name.is_null() {
                return Ok(vk::Result::ERROR_LAYER_NOT_PRESENT);
            }
            write_array(
                p_count,
                p_props,
                &super::extension_properties(DEVICE_EXTENSIONS),
            )
        },
    )
}

pub unsafe extern "system" fn enumerate_device_layer_properties(
    physical: vk::PhysicalDevice,
    p_count: *mut u32,
    p_props: *mut vk::LayerProperties,
) -> vk::Result {
    call(
        "vkEnumerateDeviceLayerProperties",
        rep(pd(physical)),
        || write_array(p_count, p_props, &[]),
    )
}
