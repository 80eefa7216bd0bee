//! Shader modules, pipeline caches, pipeline layouts and compute pipelines; what every
//! vkCreate*Pipelines shares (creation results, creation feedback).

use super::device::{dev, rep};
use super::obj;
use crate::boundary::{call, null, slice, string};
use crate::handle::{self, new_handle};
use crate::objects::*;
use crate::pnext;
use ash::vk;
use softvk::error::{Error, Result};
use softvk::log::Severity;
use softvk::pipeline::{
    CacheIdentity, ComputeDesc, ComputePipeline, PipelineCache, PipelineLayout, ShaderModule,
};
use softvk::shader::{KernelBinary, SpecConstants};
use std::ffi::c_void;
use std::sync::Arc;

pub(super) unsafe fn module_words(info: &vk::ShaderModuleCreateInfo<'_>) -> Result<&'static [u32]> {
    if info.code_size == 0 || !info.code_size.is_multiple_of(4) {
        return Err(Error::invalid(format!(
            "codeSize {} is not a non-zero multiple of 4 (VUID-VkShaderModuleCreateInfo-codeSize-08735)",
            info.code_size
        )));
    }
    slice(info.p_code, (info.code_size / 4) as u32, "pCode")
}

pub unsafe extern "system" fn create_shader_module(
    device: vk::Device,
    p_info: *const vk::ShaderModuleCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_module: *mut vk::ShaderModule,
) -> vk::Result {
    call("vkCreateShaderModule", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_module.is_null() {
            return Err(null("pShaderModule"));
        }
        *p_module = vk::ShaderModule::null();
        let m = ShaderModule::new(module_words(info)?)?;
        *p_module = new_handle(ShaderModuleObj(Arc::new(m)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_shader_module(
    _device: vk::Device,
    module: vk::ShaderModule,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<ShaderModuleObj>(module));
}

/// The header fields of this device's pipeline cache data.
fn cache_identity(d: Option<&DeviceObj>) -> Result<CacheIdentity> {
    let pd = d.ok_or_else(|| null("device"))?.core.physical();
    let p = pd.properties();
    Ok(CacheIdentity {
        vendor_id: p.vendor_id,
        device_id: p.device_id,
        uuid: p.pipeline_cache_uuid,
    })
}

pub unsafe extern "system" fn create_pipeline_cache(
    device: vk::Device,
    p_info: *const vk::PipelineCacheCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_cache: *mut vk::PipelineCache,
) -> vk::Result {
    let d = dev(device);
    call("vkCreatePipelineCache", rep(d), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_cache.is_null() {
            return Err(null("pPipelineCache"));
        }
        let initial: &[u8] = if info.initial_data_size == 0 {
            &[]
        } else if info.p_initial_data.is_null() {
            // VUID-VkPipelineCacheCreateInfo-initialDataSize-00769
            return Err(null("pInitialData"));
        } else {
            std::slice::from_raw_parts(info.p_initial_data.cast(), info.initial_data_size)
        };
        // Data this device cannot use is ignored (spec: vkCreatePipelineCache "may ignore"
        // incompatible initial data); the cache starts without it.
        let (cache, ignored) = PipelineCache::new(cache_identity(d)?, initial);
        if let (Some(why), Some(r)) = (ignored, rep(d)) {
            r.report(
                Severity::Info,
                "softvk-pipeline-cache",
                &format!("vkCreatePipelineCache: initial data partly or wholly ignored: {why}"),
            );
        }
        *p_cache = new_handle(PipelineCacheObj(cache));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_pipeline_cache(
    _device: vk::Device,
    cache: vk::PipelineCache,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<PipelineCacheObj>(cache));
}

pub unsafe extern "system" fn get_pipeline_cache_data(
    device: vk::Device,
    cache: vk::PipelineCache,
    p_size: *mut usize,
    p_data: *mut c_void,
) -> vk::Result {
    let d = dev(device);
    call("vkGetPipelineCacheData", rep(d), || {
        let cache = &obj::<PipelineCacheObj>(cache, "pipelineCache")?.0;
        let size = p_size.as_mut().ok_or_else(|| null("pDataSize"))?;
        if p_data.is_null() {
            *size = cache.data(None).0.len();
            return Ok(vk::Result::SUCCESS);
        }
        // Spec: at most pDataSize bytes, which are themselves valid cache data, and
        // VK_INCOMPLETE if that is not all; nothing and a size of 0 if the header does not fit.
        let (data, whole) = cache.data(Some(*size));
        std::ptr::copy_nonoverlapping(data.as_ptr(), p_data as *mut u8, data.len());
        *size = data.len();
        Ok(if whole {
            vk::Result::SUCCESS
        } else {
            vk::Result::INCOMPLETE
        })
    })
}

pub unsafe extern "system" fn merge_pipeline_caches(
    device: vk::Device,
    dst: vk::PipelineCache,
    count: u32,
    p_src: *const vk::PipelineCache,
) -> vk::Result {
    call("vkMergePipelineCaches", rep(dev(device)), || {
        let into = &obj::<PipelineCacheObj>(dst, "dstCache")?.0;
        let srcs = slice(p_src, count, "pSrcCaches")?;
        if srcs.contains(&dst) {
            return Err(Error::invalid(
                "dstCache is one of pSrcCaches (VUID-vkMergePipelineCaches-dstCache-00770)",
            ));
        }
        for &s in srcs {
            into.merge_from(&obj::<PipelineCacheObj>(s, "pSrcCaches[i]")?.0);
        }
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn create_pipeline_layout(
    device: vk::Device,
    p_info: *const vk::PipelineLayoutCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_layout: *mut vk::PipelineLayout,
) -> vk::Result {
    let d = dev(device);
    call("vkCreatePipelineLayout", rep(d), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_layout.is_null() {
            return Err(null("pPipelineLayout"));
        }
        *p_layout = vk::PipelineLayout::null();
        let sets = slice(info.p_set_layouts, info.set_layout_count, "pSetLayouts")?
            .iter()
            .map(|&l| {
                // VK_NULL_HANDLE set layouts are allowed (graphicsPipelineLibrary); treat as empty.
                Ok(if l == vk::DescriptorSetLayout::null() {
                    None
                } else {
                    Some(obj::<SetLayoutObj>(l, "pSetLayouts[i]")?.0.clone())
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let max = d
            .ok_or_else(|| null("device"))?
            .core
            .physical()
            .properties()
            .limits
            .max_push_constants_size;
        let ranges = slice(
            info.p_push_constant_ranges,
            info.push_constant_range_count,
            "pPushConstantRanges",
        )?;
        let l = PipelineLayout::new(sets, ranges, max)?;
        *p_layout = new_handle(PipelineLayoutObj(Arc::new(l)));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_pipeline_layout(
    _device: vk::Device,
    layout: vk::PipelineLayout,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<PipelineLayoutObj>(layout));
}

pub(super) unsafe fn spec_constants(
    info: Option<&vk::SpecializationInfo<'_>>,
) -> Result<SpecConstants> {
    let mut spec = SpecConstants::default();
    let Some(i) = info else { return Ok(spec) };
    let data = if i.data_size == 0 {
        &[][..]
    } else if i.p_data.is_null() {
        return Err(null("pSpecializationInfo->pData"));
    } else {
        std::slice::from_raw_parts(i.p_data as *const u8, i.data_size)
    };
    for e in slice(i.p_map_entries, i.map_entry_count, "pMapEntries")? {
        let bytes = data
            .get(e.offset as usize..e.offset as usize + e.size)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "specialization constant {} at {}+{} is outside dataSize {} \
                     (VUID-VkSpecializationInfo-offset-00773)",
                    e.constant_id, e.offset, e.size, i.data_size
                ))
            })?;
        spec.values.insert(e.constant_id, bytes.to_vec());
    }
    Ok(spec)
}

/// What one VkComputePipelineCreateInfo asks for, read from the application's structures on the
/// calling thread; creating it needs no pointer.
struct Prepared {
    desc: ComputeDesc,
    /// FAIL_ON_PIPELINE_COMPILE_REQUIRED is not set.
    compile: bool,
    /// What the pipeline cache held under the desc's key when the call began.
    cached: Option<Arc<KernelBinary>>,
}

unsafe fn prepare(
    info: &vk::ComputePipelineCreateInfo<'_>,
    cache: Option<&PipelineCache>,
) -> Result<Prepared> {
    let stage = &info.stage;
    if stage.stage != vk::ShaderStageFlags::COMPUTE {
        return Err(Error::invalid(
            "a compute pipeline's stage must be VK_SHADER_STAGE_COMPUTE_BIT \
             (VUID-VkComputePipelineCreateInfo-stage-00701)",
        ));
    }
    let owned;
    let module = if stage.module != vk::ShaderModule::null() {
        obj::<ShaderModuleObj>(stage.module, "stage.module")?
            .0
            .clone()
    } else if let Some(ci) = pnext::find::<vk::ShaderModuleCreateInfo<'_>>(stage.p_next) {
        // maintenance5-style inline modules are not reported; accept them only if chained.
        owned = Arc::new(ShaderModule::new(module_words(ci)?)?);
        owned
    } else {
        return Err(null("stage.module"));
    };
    let entry = string(stage.p_name)?;
    let layout = obj::<PipelineLayoutObj>(info.layout, "layout")?.0.clone();
    let spec = spec_constants(stage.p_specialization_info.as_ref())?;
    let required_size =
        pnext::find::<vk::PipelineShaderStageRequiredSubgroupSizeCreateInfo<'_>>(stage.p_next)
            .map(|r| r.required_subgroup_size);
    softvk::pipeline::check_subgroup_size(stage.stage, stage.flags, required_size)?;
    let desc = ComputeDesc::new(module, entry, spec, layout, stage.flags, required_size);
    // VK_PIPELINE_CREATE_FAIL_ON_PIPELINE_COMPILE_REQUIRED_BIT: only a cache hit creates it.
    let compile = !info
        .flags
        .contains(vk::PipelineCreateFlags::FAIL_ON_PIPELINE_COMPILE_REQUIRED_EXT);
    let cached = cache.and_then(|c| c.get(desc.key()));
    Ok(Prepared {
        desc,
        compile,
        cached,
    })
}

/// How one pipeline was made, for VkPipelineCreationFeedbackCreateInfo.
pub(super) struct Feedback {
    /// Every stage came from the application's pipeline cache.
    pub hit: bool,
    /// The pipeline's creation.
    pub took: std::time::Duration,
    /// Per element of the create info's pStages: whether that stage came from the cache and
    /// how long it took.
    pub stages: Vec<(bool, std::time::Duration)>,
}

fn feedback(hit: bool, took: std::time::Duration) -> vk::PipelineCreationFeedback {
    let mut flags = vk::PipelineCreationFeedbackFlags::VALID;
    if hit {
        flags |= vk::PipelineCreationFeedbackFlags::APPLICATION_PIPELINE_CACHE_HIT;
    }
    vk::PipelineCreationFeedback {
        flags,
        duration: took.as_nanos().min(u64::MAX as u128) as u64,
    }
}

/// Fills VkPipelineCreationFeedbackCreateInfo, if chained: the pipeline's feedback and, in
/// the order of pStages, each stage's (pipelineStageCreationFeedbackCount is 0 or stageCount,
/// VUID-VkGraphicsPipelineCreateInfo-pipelineStageCreationFeedbackCount-06594; elements past
/// the stages are not written).
pub(super) unsafe fn write_feedback(p_next: *const c_void, f: &Feedback) {
    let Some(fb) = pnext::find::<vk::PipelineCreationFeedbackCreateInfo<'_>>(p_next) else {
        return;
    };
    if !fb.p_pipeline_creation_feedback.is_null() {
        *fb.p_pipeline_creation_feedback = feedback(f.hit, f.took);
    }
    if !fb.p_pipeline_stage_creation_feedbacks.is_null() {
        let n = (fb.pipeline_stage_creation_feedback_count as usize).min(f.stages.len());
        for (i, &(hit, took)) in f.stages[..n].iter().enumerate() {
            *fb.p_pipeline_stage_creation_feedbacks.add(i) = feedback(hit, took);
        }
    }
}

pub unsafe extern "system" fn create_compute_pipelines(
    device: vk::Device,
    pipeline_cache: vk::PipelineCache,
    count: u32,
    p_infos: *const vk::ComputePipelineCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_pipelines: *mut vk::Pipeline,
) -> vk::Result {
    call("vkCreateComputePipelines", rep(dev(device)), || {
        let infos = slice(p_infos, count, "pCreateInfos")?;
        if p_pipelines.is_null() && count > 0 {
            return Err(null("pPipelines"));
        }
        let cache = if pipeline_cache == vk::PipelineCache::null() {
            None
        } else {
            Some(&obj::<PipelineCacheObj>(pipeline_cache, "pipelineCache")?.0)
        };
        // Spec ("Multiple Pipeline Creation"): the pipelines that failed are VK_NULL_HANDLE, the
        // others valid, and the failure is returned; with EARLY_RETURN_ON_FAILURE the pipelines
        // from the failing one on are VK_NULL_HANDLE.
        for i in 0..infos.len() {
            *p_pipelines.add(i) = vk::Pipeline::null();
        }
        // The application's structures are read, and the cache looked up, here: whether a
        // pipeline is a hit depends only on the cache's contents when the call began, not on
        // which of this call's compiles finished first. The creations (independent, each
        // deterministic) run on the pool, several pipelines of one call in parallel.
        let prepared: Vec<Result<Prepared>> =
            infos.iter().map(|info| prepare(info, cache)).collect();
        let created = softvk::exec::map(prepared.len(), |i| {
            let p = prepared[i].as_ref().map_err(Error::clone)?;
            let started = std::time::Instant::now();
            let r = ComputePipeline::create(&p.desc, p.cached.as_ref(), cache, p.compile)?;
            Ok(r.map(|(pipeline, hit)| (pipeline, hit, started.elapsed())))
        });
        // One stage: its feedback is the pipeline's.
        let results = created.into_iter().map(|r| {
            r.map(|c| {
                c.map(|(p, hit, took)| {
                    let f = Feedback {
                        hit,
                        took,
                        stages: vec![(hit, took)],
                    };
                    (PipelineObj::Compute(Arc::new(p)), f)
                })
            })
        });
        let flags: Vec<_> = infos.iter().map(|i| (i.flags, i.p_next)).collect();
        finish_creation(&flags, results, p_pipelines)
    })
}

/// What creating one pipeline of a vkCreate*Pipelines call gave: the pipeline and how it was
/// made; None when FAIL_ON_PIPELINE_COMPILE_REQUIRED stopped it.
pub(super) type Created = Result<Option<(PipelineObj, Feedback)>>;

/// Writes the handles (and creation feedback) of one vkCreate*Pipelines call and its result
/// (spec, "Multiple Pipeline Creation"): the pipelines that failed are VK_NULL_HANDLE, the
/// others valid, and the first failure is returned; with EARLY_RETURN_ON_FAILURE the pipelines
/// from the failing one on stay VK_NULL_HANDLE (they were created alongside and are dropped).
/// `infos` gives each create info's flags and pNext.
pub(super) unsafe fn finish_creation(
    infos: &[(vk::PipelineCreateFlags, *const c_void)],
    results: impl IntoIterator<Item = Created>,
    p_pipelines: *mut vk::Pipeline,
) -> Result<vk::Result> {
    let mut first_error: Option<Error> = None;
    let mut compile_required = false;
    for (i, (&(flags, p_next), result)) in infos.iter().zip(results).enumerate() {
        let failed = match result {
            Ok(None) => {
                compile_required = true;
                true
            }
            Ok(Some((pipeline, f))) => {
                write_feedback(p_next, &f);
                *p_pipelines.add(i) = new_handle(pipeline);
                false
            }
            Err(e) => {
                first_error.get_or_insert(e);
                true
            }
        };
        if failed && flags.contains(vk::PipelineCreateFlags::EARLY_RETURN_ON_FAILURE_EXT) {
            break;
        }
    }
    match first_error {
        Some(e) => Err(e),
        None if compile_required => Ok(vk::Result::PIPELINE_COMPILE_REQUIRED),
        None => Ok(vk::Result::SUCCESS),
    }
}

pub unsafe extern "system" fn destroy_pipeline(
    _device: vk::Device,
    pipeline: vk::Pipeline,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<PipelineObj>(pipeline));
}
