//! vkCreateGraphicsPipelines: VkGraphicsPipelineCreateInfo read into a core `GraphicsDesc`,
//! following the spec's rules for which state pointers are ignored (rasterizer discard, no
//! depth/stencil or color attachments, dynamic viewports and scissors).

use super::device::{dev, rep};
use super::obj;
use super::pipeline::{Feedback, finish_creation, module_words, spec_constants};
use crate::boundary::{call, null, slice, string};
use crate::objects::*;
use crate::pnext;
use ash::vk;
use softvk::error::{Error, Result};
use softvk::physical_device::{MAX_VERTEX_ATTRIBUTES, MAX_VERTEX_BINDINGS};
use softvk::pipeline::graphics::{Dynamic, Lookup, StageDesc, VertexBinding};
use softvk::pipeline::{GraphicsDesc, GraphicsPipeline, GraphicsState, ShaderModule};
use softvk::raster::blend::BlendAttachment;
use softvk::raster::depth::StencilFace;
use softvk::raster::draw::{DepthBias, Viewport};
use softvk::raster::fetch::Attribute;
use std::sync::Arc;

unsafe fn stage_desc(s: &vk::PipelineShaderStageCreateInfo<'_>) -> Result<StageDesc> {
    let module = if s.module != vk::ShaderModule::null() {
        obj::<ShaderModuleObj>(s.module, "pStages[i].module")?
            .0
            .clone()
    } else if let Some(ci) = pnext::find::<vk::ShaderModuleCreateInfo<'_>>(s.p_next) {
        Arc::new(ShaderModule::new(module_words(ci)?)?)
    } else {
        return Err(null("pStages[i].module"));
    };
    let required =
        pnext::find::<vk::PipelineShaderStageRequiredSubgroupSizeCreateInfo<'_>>(s.p_next)
            .map(|r| r.required_subgroup_size);
    softvk::pipeline::check_subgroup_size(s.stage, s.flags, required)?;
    Ok(StageDesc {
        module,
        entry: string(s.p_name)?,
        spec: spec_constants(s.p_specialization_info.as_ref())?,
        flags: s.flags,
    })
}

pub(super) fn viewport(v: &vk::Viewport) -> Viewport {
    Viewport {
        x: v.x,
        y: v.y,
        width: v.width,
        height: v.height,
        min_depth: v.min_depth,
        max_depth: v.max_depth,
    }
}

pub(super) fn stencil_face(s: &vk::StencilOpState) -> StencilFace {
    StencilFace {
        fail: s.fail_op,
        pass: s.pass_op,
        depth_fail: s.depth_fail_op,
        compare: s.compare_op,
        compare_mask: s.compare_mask,
        write_mask: s.write_mask,
        reference: s.reference,
    }
}

/// The color attachment formats, whether there is a depth/stencil attachment, and the view
/// mask of the subpass (or of VkPipelineRenderingCreateInfo without a render pass).
unsafe fn attachments(
    info: &vk::GraphicsPipelineCreateInfo<'_>,
) -> Result<(Vec<vk::Format>, bool, u32)> {
    if info.render_pass != vk::RenderPass::null() {
        let pass = &obj::<RenderPassObj>(info.render_pass, "renderPass")?.0;
        let sp = pass.subpasses().get(info.subpass as usize).ok_or_else(|| {
            Error::invalid(format!(
                "subpass {} does not exist in the render pass \
                 (VUID-VkGraphicsPipelineCreateInfo-renderPass-06046)",
                info.subpass
            ))
        })?;
        let formats = sp
            .colors
            .iter()
            .map(|r| {
                r.index()
                    .and_then(|i| pass.attachments().get(i))
                    .map_or(vk::Format::UNDEFINED, |a| a.format)
            })
            .collect();
        let ds = sp.depth_stencil.and_then(|r| r.index()).is_some();
        return Ok((formats, ds, sp.view_mask));
    }
    match pnext::find::<vk::PipelineRenderingCreateInfo<'_>>(info.p_next) {
        Some(r) => {
            let formats = slice(
                r.p_color_attachment_formats,
                r.color_attachment_count,
                "pColorAttachmentFormats",
            )?
            .to_vec();
            let ds = r.depth_attachment_format != vk::Format::UNDEFINED
                || r.stencil_attachment_format != vk::Format::UNDEFINED;
            Ok((formats, ds, r.view_mask))
        }
        None => Ok((Vec::new(), false, 0)),
    }
}

unsafe fn prepare(
    info: &vk::GraphicsPipelineCreateInfo<'_>,
    device: &softvk::device::Device,
) -> Result<GraphicsDesc> {
    use vk::DynamicState as D;
    let layout = obj::<PipelineLayoutObj>(info.layout, "layout")?.0.clone();
    let dynamic = match info.p_dynamic_state.as_ref() {
        Some(d) => Dynamic::new(slice(
            d.p_dynamic_states,
            d.dynamic_state_count,
            "pDynamicStates",
        )?)?,
        None => Dynamic::default(),
    };
    let (mut vertex, mut fragment) = (None, None);
    for s in slice(info.p_stages, info.stage_count, "pStages")? {
        let slot = match s.stage {
            vk::ShaderStageFlags::VERTEX => &mut vertex,
            vk::ShaderStageFlags::FRAGMENT => &mut fragment,
            other => {
                return Err(Error::invalid(format!(
                    "shader stage {other:?}: softvk reports neither geometryShader nor \
                     tessellationShader (VUID-VkPipelineShaderStageCreateInfo-stage-00704/00705)"
                )));
            }
        };
        if slot.is_some() {
            return Err(Error::invalid(format!(
                "two {:?} stages (VUID-VkGraphicsPipelineCreateInfo-stage-06897)",
                s.stage
            )));
        }
        *slot = Some(stage_desc(s)?);
    }
    let vertex = vertex.ok_or_else(|| {
        Error::invalid(
            "a graphics pipeline without a vertex shader \
             (VUID-VkGraphicsPipelineCreateInfo-pStages-02096)",
        )
    })?;
    let mut s = GraphicsState::default();
    let vi = info
        .p_vertex_input_state
        .as_ref()
        .ok_or_else(|| null("pVertexInputState"))?;
    for b in slice(
        vi.p_vertex_binding_descriptions,
        vi.vertex_binding_description_count,
        "pVertexBindingDescriptions",
    )? {
        if b.binding as usize >= MAX_VERTEX_BINDINGS {
            return Err(Error::invalid(format!(
                "vertex binding {} is not below maxVertexInputBindings ({MAX_VERTEX_BINDINGS}) \
                 (VUID-VkVertexInputBindingDescription-binding-00618)",
                b.binding
            )));
        }
        s.bindings.push(VertexBinding {
            binding: b.binding,
            stride: b.stride,
            per_instance: b.input_rate == vk::VertexInputRate::INSTANCE,
            divisor: 1,
        });
    }
    // VK_EXT_vertex_attribute_divisor: per-instance bindings advancing every `divisor`
    // instances (0: never).
    if let Some(ds) = pnext::find::<vk::PipelineVertexInputDivisorStateCreateInfoKHR<'_>>(vi.p_next)
    {
        for d in slice(
            ds.p_vertex_binding_divisors,
            ds.vertex_binding_divisor_count,
            "pVertexBindingDivisors",
        )? {
            let Some(b) = s.bindings.iter_mut().find(|b| b.binding == d.binding) else {
                return Err(Error::invalid(format!(
                    "a divisor for binding {} that pVertexBindingDescriptions does not describe \
                     (VUID-VkVertexInputBindingDivisorDescriptionKHR-binding-01870)",
                    d.binding
                )));
            };
            if !b.per_instance {
                return Err(Error::invalid(format!(
                    "a divisor for binding {}, whose inputRate is not INSTANCE \
                     (VUID-VkVertexInputBindingDivisorDescriptionKHR-inputRate-01871)",
                    d.binding
                )));
            }
            let feature = if d.divisor == 0 {
                "vertexAttributeInstanceRateZeroDivisor"
            } else {
                "vertexAttributeInstanceRateDivisor"
            };
            if d.divisor != 1 && !device.feature_enabled(feature) {
                return Err(Error::invalid(format!(
                    "divisor {} for binding {} needs the {feature} feature, which was not \
                     enabled (VUID-VkVertexInputBindingDivisorDescriptionKHR-\
                     vertexAttributeInstanceRateDivisor-02229 / -02228)",
                    d.divisor, d.binding
                )));
            }
            b.divisor = d.divisor;
        }
    }
    for a in slice(
        vi.p_vertex_attribute_descriptions,
        vi.vertex_attribute_description_count,
        "pVertexAttributeDescriptions",
    )? {
        if a.location as usize >= MAX_VERTEX_ATTRIBUTES || a.binding as usize >= MAX_VERTEX_BINDINGS
        {
            return Err(Error::invalid(format!(
                "vertex attribute location {} / binding {} is not below maxVertexInputAttributes \
                 ({MAX_VERTEX_ATTRIBUTES}) / maxVertexInputBindings ({MAX_VERTEX_BINDINGS}) \
                 (VUID-VkVertexInputAttributeDescription-location-00620, -binding-00621)",
                a.location, a.binding
            )));
        }
        s.attributes
            .push(Attribute::new(a.location, a.binding, a.format, a.offset));
    }
    let ia = info
        .p_input_assembly_state
        .as_ref()
        .ok_or_else(|| null("pInputAssemblyState"))?;
    s.topology = ia.topology;
    s.primitive_restart = ia.primitive_restart_enable == vk::TRUE;
    let rs = info
        .p_rasterization_state
        .as_ref()
        .ok_or_else(|| null("pRasterizationState"))?;
    s.depth_clamp = rs.depth_clamp_enable == vk::TRUE;
    s.rasterizer_discard = rs.rasterizer_discard_enable == vk::TRUE;
    if rs.polygon_mode != vk::PolygonMode::FILL {
        return Err(Error::invalid(format!(
            "polygonMode {:?} needs fillModeNonSolid, which softvk does not report \
             (VUID-VkPipelineRasterizationStateCreateInfo-polygonMode-01507)",
            rs.polygon_mode
        )));
    }
    s.cull_mode = rs.cull_mode;
    s.front_face = rs.front_face;
    s.depth_bias_enable = rs.depth_bias_enable == vk::TRUE;
    s.depth_bias = DepthBias {
        constant: rs.depth_bias_constant_factor,
        clamp: rs.depth_bias_clamp,
        slope: rs.depth_bias_slope_factor,
    };
    s.line_width = rs.line_width;
    // Spec: with rasterization discarded (statically), the viewport, multisample,
    // depth/stencil and color blend states are ignored.
    let discard = s.rasterizer_discard && !dynamic.has(D::RASTERIZER_DISCARD_ENABLE);
    let (color_formats, has_ds, view_mask) = attachments(info)?;
    if !discard {
        let vp = info
            .p_viewport_state
            .as_ref()
            .ok_or_else(|| null("pViewportState"))?;
        if !dynamic.has(D::VIEWPORT_WITH_COUNT) {
            s.viewports = if dynamic.has(D::VIEWPORT) {
                vec![
                    Viewport {
                        ..viewport(&vk::Viewport::default())
                    };
                    vp.viewport_count as usize
                ]
            } else {
                slice(vp.p_viewports, vp.viewport_count, "pViewports")?
                    .iter()
                    .map(viewport)
                    .collect()
            };
        }
        if !dynamic.has(D::SCISSOR_WITH_COUNT) {
            s.scissors = if dynamic.has(D::SCISSOR) {
                vec![vk::Rect2D::default(); vp.scissor_count as usize]
            } else {
                slice(vp.p_scissors, vp.scissor_count, "pScissors")?.to_vec()
            };
        }
        let ms = info
            .p_multisample_state
            .as_ref()
            .ok_or_else(|| null("pMultisampleState"))?;
        s.samples = ms.rasterization_samples.as_raw();
        if ms.sample_shading_enable == vk::TRUE {
            s.min_sample_shading = Some(ms.min_sample_shading);
        }
        if !ms.p_sample_mask.is_null() {
            s.sample_mask = *ms.p_sample_mask;
        }
        s.alpha_to_coverage = ms.alpha_to_coverage_enable == vk::TRUE;
        s.alpha_to_one = ms.alpha_to_one_enable == vk::TRUE;
        if has_ds {
            let ds = info
                .p_depth_stencil_state
                .as_ref()
                .ok_or_else(|| null("pDepthStencilState"))?;
            s.depth_test = ds.depth_test_enable == vk::TRUE;
            s.depth_write = ds.depth_write_enable == vk::TRUE;
            s.depth_compare = ds.depth_compare_op;
            s.depth_bounds_test = ds.depth_bounds_test_enable == vk::TRUE;
            s.depth_bounds = (ds.min_depth_bounds, ds.max_depth_bounds);
            s.stencil_test = ds.stencil_test_enable == vk::TRUE;
            s.stencil = [stencil_face(&ds.front), stencil_face(&ds.back)];
        }
        if !color_formats.is_empty() {
            let cb = info
                .p_color_blend_state
                .as_ref()
                .ok_or_else(|| null("pColorBlendState"))?;
            if cb.logic_op_enable == vk::TRUE {
                s.logic_op = Some(cb.logic_op);
            }
            s.blend = slice(cb.p_attachments, cb.attachment_count, "pAttachments")?
                .iter()
                .map(|a| BlendAttachment {
                    enable: a.blend_enable == vk::TRUE,
                    src_color: a.src_color_blend_factor,
                    dst_color: a.dst_color_blend_factor,
                    color_op: a.color_blend_op,
                    src_alpha: a.src_alpha_blend_factor,
                    dst_alpha: a.dst_alpha_blend_factor,
                    alpha_op: a.alpha_blend_op,
                    write_mask: a.color_write_mask,
                })
                .collect();
            s.blend_constants = cb.blend_constants;
        }
    }
    Ok(GraphicsDesc {
        vertex,
        fragment,
        layout,
        state: s,
        dynamic,
        color_formats: if discard { Vec::new() } else { color_formats },
        view_mask,
    })
}

pub unsafe extern "system" fn create_graphics_pipelines(
    device: vk::Device,
    pipeline_cache: vk::PipelineCache,
    count: u32,
    p_infos: *const vk::GraphicsPipelineCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_pipelines: *mut vk::Pipeline,
) -> vk::Result {
    call("vkCreateGraphicsPipelines", rep(dev(device)), || {
        let infos = slice(p_infos, count, "pCreateInfos")?;
        if p_pipelines.is_null() && count > 0 {
            return Err(null("pPipelines"));
        }
        let cache = if pipeline_cache == vk::PipelineCache::null() {
            None
        } else {
            Some(&obj::<PipelineCacheObj>(pipeline_cache, "pipelineCache")?.0)
        };
        for i in 0..infos.len() {
            *p_pipelines.add(i) = vk::Pipeline::null();
        }
        let device = &crate::entry::disp::<DeviceObj>(device, "device")?.core;
        // As vkCreateComputePipelines: the structures are read and the cache looked up here, so
        // whether a stage is a hit depends only on the cache's contents when the call began;
        // the creations run on the pool.
        let prepared: Vec<Result<(GraphicsDesc, Lookup)>> = infos
            .iter()
            .map(|i| {
                let desc = prepare(i, device)?;
                let found = desc.look_up(cache);
                Ok((desc, found))
            })
            .collect();
        let created = softvk::exec::map(prepared.len(), |i| {
            let (desc, found) = prepared[i].as_ref().map_err(Error::clone)?;
            // VK_PIPELINE_CREATE_FAIL_ON_PIPELINE_COMPILE_REQUIRED_BIT: only cache hits create it.
            let compile = !infos[i]
                .flags
                .contains(vk::PipelineCreateFlags::FAIL_ON_PIPELINE_COMPILE_REQUIRED_EXT);
            let started = std::time::Instant::now();
            let r = GraphicsPipeline::create(desc, found, cache, compile)?;
            Ok(r.map(|(p, stages)| (p, stages, started.elapsed())))
        });
        let results = created.into_iter().zip(infos).map(|(r, info)| {
            r.map(|c| {
                c.map(|(p, stages, took)| {
                    // Per pStages element, the creation of its stage.
                    let in_order = slice(info.p_stages, info.stage_count, "pStages")
                        .unwrap_or(&[])
                        .iter()
                        .map(|s| {
                            stages
                                .iter()
                                .find(|c| c.stage == s.stage)
                                .map_or((false, std::time::Duration::ZERO), |c| (c.hit, c.took))
                        })
                        .collect();
                    let f = Feedback {
                        hit: stages.iter().all(|c| c.hit),
                        took,
                        stages: in_order,
                    };
                    (PipelineObj::Graphics(Arc::new(p)), f)
                })
            })
        });
        let flags: Vec<_> = infos.iter().map(|i| (i.flags, i.p_next)).collect();
        finish_creation(&flags, results, p_pipelines)
    })
}
