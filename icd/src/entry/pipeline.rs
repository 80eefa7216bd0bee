//! Shader modules, pipeline caches, pipeline layouts and compute pipelines.

use super::device::{dev, rep};
use super::obj;
use crate::boundary::{call, null, slice, string};
use crate::handle::{self, new_handle};
use crate::objects::*;
use crate::pnext;
use ash::vk;
use softvk::error::{Error, Result};
use softvk::pipeline::{ComputePipeline, PipelineCache, PipelineLayout, ShaderModule};
use softvk::shader::SpecConstants;
use std::ffi::c_void;
use std::sync::Arc;

unsafe fn module_words(info: &vk::ShaderModuleCreateInfo<'_>) -> Result<&'static [u32]> {
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

pub unsafe extern "system" fn create_pipeline_cache(
    device: vk::Device,
    p_info: *const vk::PipelineCacheCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_cache: *mut vk::PipelineCache,
) -> vk::Result {
    call("vkCreatePipelineCache", rep(dev(device)), || {
        p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_cache.is_null() {
            return Err(null("pPipelineCache"));
        }
        // Initial data of any origin is accepted and, like everything else, not needed.
        *p_cache = new_handle(PipelineCacheObj(PipelineCache));
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_pipeline_cache(
    _device: vk::Device,
    cache: vk::PipelineCache,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    // Frees the handle; the cache itself holds nothing.
    let _ = handle::take::<PipelineCacheObj>(cache);
}

pub unsafe extern "system" fn get_pipeline_cache_data(
    device: vk::Device,
    cache: vk::PipelineCache,
    p_size: *mut usize,
    p_data: *mut c_void,
) -> vk::Result {
    let d = dev(device);
    call("vkGetPipelineCacheData", rep(d), || {
        obj::<PipelineCacheObj>(cache, "pipelineCache")?;
        let size = p_size.as_mut().ok_or_else(|| null("pDataSize"))?;
        let pd = d.ok_or_else(|| null("device"))?.core.physical();
        let p = pd.properties();
        let data = PipelineCache::data(p.vendor_id, p.device_id, p.pipeline_cache_uuid);
        if p_data.is_null() {
            *size = data.len();
            return Ok(vk::Result::SUCCESS);
        }
        // The header is written whole or not at all (spec: "partial header is not written").
        if *size < data.len() {
            *size = 0;
            return Ok(vk::Result::INCOMPLETE);
        }
        std::ptr::copy_nonoverlapping(data.as_ptr(), p_data as *mut u8, data.len());
        *size = data.len();
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn merge_pipeline_caches(
    device: vk::Device,
    dst: vk::PipelineCache,
    count: u32,
    p_src: *const vk::PipelineCache,
) -> vk::Result {
    call("vkMergePipelineCaches", rep(dev(device)), || {
        obj::<PipelineCacheObj>(dst, "dstCache")?;
        for &s in slice(p_src, count, "pSrcCaches")? {
            obj::<PipelineCacheObj>(s, "pSrcCaches[i]")?;
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

unsafe fn spec_constants(info: Option<&vk::SpecializationInfo<'_>>) -> Result<SpecConstants> {
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
/// calling thread; compiling it needs no pointer.
struct Prepared {
    module: Arc<ShaderModule>,
    entry: String,
    spec: SpecConstants,
    layout: Arc<PipelineLayout>,
}

impl Prepared {
    fn compile(self) -> Result<ComputePipeline> {
        ComputePipeline::new(&self.module, &self.entry, self.spec, self.layout)
    }
}

unsafe fn prepare(info: &vk::ComputePipelineCreateInfo<'_>) -> Result<Prepared> {
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
    Ok(Prepared {
        module,
        entry,
        spec,
        layout,
    })
}

/// Fills VkPipelineCreationFeedbackCreateInfo, if chained: one stage, compiled (softvk has no
/// cache hits to report), with the time creation took.
unsafe fn write_feedback(p_next: *const c_void, took: std::time::Duration) {
    let Some(fb) = pnext::find::<vk::PipelineCreationFeedbackCreateInfo<'_>>(p_next) else {
        return;
    };
    let feedback = vk::PipelineCreationFeedback {
        flags: vk::PipelineCreationFeedbackFlags::VALID,
        duration: took.as_nanos().min(u64::MAX as u128) as u64,
    };
    if !fb.p_pipeline_creation_feedback.is_null() {
        *fb.p_pipeline_creation_feedback = feedback;
    }
    if !fb.p_pipeline_stage_creation_feedbacks.is_null() {
        for i in 0..fb.pipeline_stage_creation_feedback_count as usize {
            *fb.p_pipeline_stage_creation_feedbacks.add(i) = feedback;
        }
    }
}

pub unsafe extern "system" fn create_compute_pipelines(
    device: vk::Device,
    _cache: vk::PipelineCache,
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
        // Spec ("Multiple Pipeline Creation"): the pipelines that failed are VK_NULL_HANDLE, the
        // others valid, and the failure is returned; with EARLY_RETURN_ON_FAILURE the pipelines
        // from the failing one on are VK_NULL_HANDLE.
        for i in 0..infos.len() {
            *p_pipelines.add(i) = vk::Pipeline::null();
        }
        // VK_PIPELINE_CREATE_FAIL_ON_PIPELINE_COMPILE_REQUIRED_BIT: softvk's pipeline caches
        // hold no compiled pipelines, so every creation needs a compile; the application asked
        // not to pay for one there: VK_PIPELINE_COMPILE_REQUIRED and a null handle.
        let no_compile = |info: &vk::ComputePipelineCreateInfo<'_>| {
            info.flags
                .contains(vk::PipelineCreateFlags::FAIL_ON_PIPELINE_COMPILE_REQUIRED_EXT)
        };
        // The application's structures are read here; the compiles (independent, each
        // deterministic) run on the pool, several pipelines of one call in parallel.
        let prepared: Vec<Option<Result<Prepared>>> = infos
            .iter()
            .map(|info| (!no_compile(info)).then(|| prepare(info)))
            .collect();
        let jobs: Vec<std::sync::Mutex<Option<Result<Prepared>>>> =
            prepared.into_iter().map(std::sync::Mutex::new).collect();
        let compiled = softvk::exec::map(jobs.len(), |i| {
            let job = jobs[i].lock().unwrap_or_else(|e| e.into_inner()).take();
            job.map(|p| {
                let started = std::time::Instant::now();
                p.and_then(Prepared::compile)
                    .map(|c| (c, started.elapsed()))
            })
        });
        let mut first_error: Option<Error> = None;
        let mut compile_required = false;
        for (i, (info, result)) in infos.iter().zip(compiled).enumerate() {
            let failed = match result {
                None => {
                    compile_required = true;
                    true
                }
                Some(Ok((pipeline, took))) => {
                    write_feedback(info.p_next, took);
                    *p_pipelines.add(i) = new_handle(PipelineObj::Compute(Arc::new(pipeline)));
                    false
                }
                Some(Err(e)) => {
                    first_error.get_or_insert(e);
                    true
                }
            };
            if failed
                && info
                    .flags
                    .contains(vk::PipelineCreateFlags::EARLY_RETURN_ON_FAILURE_EXT)
            {
                // The later pipelines were compiled alongside; they are dropped, not returned.
                break;
            }
        }
        match first_error {
            Some(e) => Err(e),
            None if compile_required => Ok(vk::Result::PIPELINE_COMPILE_REQUIRED),
            None => Ok(vk::Result::SUCCESS),
        }
    })
}

pub unsafe extern "system" fn destroy_pipeline(
    _device: vk::Device,
    pipeline: vk::Pipeline,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<PipelineObj>(pipeline));
}
