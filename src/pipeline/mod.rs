//! Shader modules, pipeline layouts, compute pipelines and pipeline caches ([`cache`]).
//!
//! A compute pipeline is a JIT-compiled kernel ([`crate::shader::ComputeKernel`]) plus the
//! pipeline layout that maps its `(set, binding)` pairs onto one flat slot table: set `s`'s
//! slots start after those of sets `0..s`, in the order of [`SetLayout`]'s slots. At dispatch,
//! [`Bindings::slots`] turns the bound sets into that table.
//!
//! Errors: malformed SPIR-V and a shader that disagrees with its pipeline layout are invalid
//! usage (`VK_ERROR_VALIDATION_FAILED_EXT`); SPIR-V that softvk cannot compile yet fails with
//! `VK_ERROR_FEATURE_NOT_PRESENT` and a message naming what is missing (the same answer the
//! pending commands give: a core capability that has not landed).

pub mod cache;
pub mod graphics;
pub mod sha256;

pub use cache::{CacheIdentity, PipelineCache};
pub use graphics::{GraphicsDesc, GraphicsPipeline, GraphicsState};

use crate::error::{Error, ErrorKind, Result};
use crate::memory::Span;
use crate::resource::descriptor::{
    Descriptor, MAX_INLINE_UNIFORM_BLOCKS, MAX_INLINE_UNIFORM_TOTAL_SIZE, SetLayout, is_dynamic,
};
use crate::shader::{
    self, BindingLayout, ComputeKernel, DescriptorKind, KernelBinary, PipelineInterface, Resource,
    ShaderErrorKind, SpecConstants,
};
use ash::vk;
use std::sync::Arc;

fn shader_error(e: shader::ShaderError) -> Error {
    match e.kind {
        ShaderErrorKind::Unsupported => Error::new(ErrorKind::FeatureNotPresent, e.message),
        ShaderErrorKind::Malformed | ShaderErrorKind::LayoutMismatch => Error::invalid(e.message),
    }
}

/// One VkShaderModule.
#[derive(Debug)]
pub struct ShaderModule {
    module: shader::Module,
    /// SHA-256 of the words (little-endian), for pipeline cache keys.
    digest: [u8; 32],
}

impl ShaderModule {
    pub fn new(words: &[u32]) -> Result<Self> {
        if words.first() != Some(&0x0723_0203) {
            return Err(Error::invalid(
                "pCode is not SPIR-V (magic number 0x07230203 missing; VUID-VkShaderModuleCreateInfo-pCode-08737)",
            ));
        }
        let module = shader::Module::parse(words).map_err(shader_error)?;
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        Ok(ShaderModule {
            module,
            digest: sha256::Sha256::digest(&bytes),
        })
    }

    pub fn module(&self) -> &shader::Module {
        &self.module
    }
}

/// One VkPipelineLayout.
#[derive(Debug)]
pub struct PipelineLayout {
    pub sets: Vec<Option<Arc<SetLayout>>>,
    pub push_constant_bytes: u32,
    /// The first slot of each set in the flat table.
    set_bases: Vec<u32>,
    /// Slots in the flat table.
    slot_count: u32,
}

impl PipelineLayout {
    pub fn new(
        sets: Vec<Option<Arc<SetLayout>>>,
        ranges: &[vk::PushConstantRange],
        max_push: u32,
    ) -> Result<Self> {
        if sets.iter().flatten().filter(|l| l.is_push()).count() > 1 {
            return Err(Error::invalid(
                "more than one push descriptor set layout in a pipeline layout \
                 (VUID-VkPipelineLayoutCreateInfo-pSetLayouts-00293)",
            ));
        }
        let mut bytes = 0u32;
        for r in ranges {
            let end = r.offset.checked_add(r.size).filter(|&e| e <= max_push);
            let Some(end) = end else {
                return Err(Error::invalid(format!(
                    "push constant range {}+{} exceeds maxPushConstantsSize {max_push} \
                     (VUID-VkPushConstantRange-size-00298)",
                    r.offset, r.size
                )));
            };
            bytes = bytes.max(end);
        }
        check_inline_limits(&sets)?;
        let mut set_bases = Vec::with_capacity(sets.len());
        let mut slot_count = 0u32;
        for s in &sets {
            set_bases.push(slot_count);
            slot_count = slot_count
                .checked_add(s.as_ref().map_or(0, |l| l.slot_count()))
                .ok_or_else(|| Error::invalid("descriptor counts overflow"))?;
        }
        Ok(PipelineLayout {
            sets,
            push_constant_bytes: bytes,
            set_bases,
            slot_count,
        })
    }
}

/// The inline uniform block limits a pipeline layout must respect
/// (VUID-VkPipelineLayoutCreateInfo-descriptorType-02214, -02216, -06531).
fn check_inline_limits(sets: &[Option<Arc<SetLayout>>]) -> Result<()> {
    let inline = || {
        sets.iter()
            .flatten()
            .flat_map(|s| s.bindings())
            .filter(|b| b.is_inline())
    };
    let blocks = inline().count() as u32;
    if blocks > MAX_INLINE_UNIFORM_BLOCKS {
        return Err(Error::invalid(format!(
            "{blocks} inline uniform blocks in the pipeline layout exceed \
             maxDescriptorSetInlineUniformBlocks {MAX_INLINE_UNIFORM_BLOCKS} \
             (VUID-VkPipelineLayoutCreateInfo-descriptorType-02216)"
        )));
    }
    // Every stage bit, one at a time: per-stage counts.
    for bit in 0..32 {
        let stage = vk::ShaderStageFlags::from_raw(1 << bit);
        let n = inline().filter(|b| b.stages.intersects(stage)).count() as u32;
        if n > MAX_INLINE_UNIFORM_BLOCKS {
            return Err(Error::invalid(format!(
                "{n} inline uniform blocks visible to stage {stage:?} exceed \
                 maxPerStageDescriptorInlineUniformBlocks {MAX_INLINE_UNIFORM_BLOCKS} \
                 (VUID-VkPipelineLayoutCreateInfo-descriptorType-02214)"
            )));
        }
    }
    let bytes: u64 = inline().map(|b| b.count as u64).sum();
    if bytes > MAX_INLINE_UNIFORM_TOTAL_SIZE as u64 {
        return Err(Error::invalid(format!(
            "{bytes} bytes of inline uniform blocks in the pipeline layout exceed \
             maxInlineUniformTotalSize {MAX_INLINE_UNIFORM_TOTAL_SIZE} \
             (VUID-VkPipelineLayoutCreateInfo-descriptorType-06531)"
        )));
    }
    Ok(())
}

fn kind_of(ty: vk::DescriptorType) -> DescriptorKind {
    match ty {
        // An inline uniform block is a Uniform-storage-class block in the shader.
        vk::DescriptorType::UNIFORM_BUFFER
        | vk::DescriptorType::UNIFORM_BUFFER_DYNAMIC
        | vk::DescriptorType::INLINE_UNIFORM_BLOCK => DescriptorKind::UniformBuffer,
        vk::DescriptorType::STORAGE_BUFFER | vk::DescriptorType::STORAGE_BUFFER_DYNAMIC => {
            DescriptorKind::StorageBuffer
        }
        vk::DescriptorType::UNIFORM_TEXEL_BUFFER => DescriptorKind::UniformTexelBuffer,
        vk::DescriptorType::STORAGE_TEXEL_BUFFER => DescriptorKind::StorageTexelBuffer,
        vk::DescriptorType::STORAGE_IMAGE => DescriptorKind::StorageImage,
        vk::DescriptorType::SAMPLED_IMAGE => DescriptorKind::SampledImage,
        vk::DescriptorType::SAMPLER => DescriptorKind::Sampler,
        vk::DescriptorType::COMBINED_IMAGE_SAMPLER => DescriptorKind::CombinedImageSampler,
        vk::DescriptorType::INPUT_ATTACHMENT => DescriptorKind::InputAttachment,
        _ => DescriptorKind::Other,
    }
}

/// The pipeline layout as the shader compiler sees it: every binding's set, number, kind,
/// count and first slot in the flat table, and the push-constant size.
fn interface(layout: &PipelineLayout) -> PipelineInterface {
    let bases = &layout.set_bases;
    let mut bindings = Vec::new();
    for (s, set) in layout.sets.iter().enumerate() {
        let Some(set) = set else { continue };
        for b in set.bindings() {
            bindings.push(BindingLayout {
                set: s as u32,
                binding: b.binding,
                kind: kind_of(b.ty),
                count: b.slot_count(),
                first_slot: bases[s] + b.first_slot,
            });
        }
    }
    PipelineInterface {
        bindings,
        push_constant_bytes: layout.push_constant_bytes,
    }
}

/// Checks a stage's subgroup-size requests (VK_EXT_subgroup_size_control, core in 1.3) against
/// the one subgroup size the backend runs, [`crate::physical_device::SUBGROUP_SIZE`].
///
/// - `required`: VkPipelineShaderStageRequiredSubgroupSizeCreateInfo::requiredSubgroupSize,
///   which must be a power of two within minSubgroupSize..=maxSubgroupSize
///   (VUID-VkPipelineShaderStageRequiredSubgroupSizeCreateInfo-requiredSubgroupSize-02760/02761/02762)
///   for a stage in requiredSubgroupSizeStages (VUID-VkPipelineShaderStageCreateInfo-pNext-02755).
/// - ALLOW_VARYING_SUBGROUP_SIZE holds by construction: the size never varies.
///   REQUIRE_FULL_SUBGROUPS: the application makes the local size X a multiple of
///   maxSubgroupSize (VUID-VkPipelineShaderStageCreateInfo-flags-02759); subgroups are
///   consecutive local indices, so each is then full.
pub fn check_subgroup_size(
    stage: vk::ShaderStageFlags,
    flags: vk::PipelineShaderStageCreateFlags,
    required: Option<u32>,
) -> Result<()> {
    type F = vk::PipelineShaderStageCreateFlags;
    let known = F::ALLOW_VARYING_SUBGROUP_SIZE | F::REQUIRE_FULL_SUBGROUPS;
    if !known.contains(flags) {
        return Err(Error::invalid(format!(
            "VkPipelineShaderStageCreateInfo::flags {flags:?} has bits softvk does not know"
        )));
    }
    if let Some(size) = required {
        let size_ok = size.is_power_of_two() && size == crate::physical_device::SUBGROUP_SIZE;
        if stage != vk::ShaderStageFlags::COMPUTE || !size_ok {
            return Err(Error::invalid(format!(
                "requiredSubgroupSize {size} for stage {stage:?}: softvk runs compute subgroups \
                 of {} (minSubgroupSize = maxSubgroupSize, requiredSubgroupSizeStages = COMPUTE; \
                 VUID-VkPipelineShaderStageRequiredSubgroupSizeCreateInfo-requiredSubgroupSize-02762)",
                crate::physical_device::SUBGROUP_SIZE
            )));
        }
    }
    Ok(())
}

/// What one compute pipeline is made from (VkComputePipelineCreateInfo, read and checked), and
/// its pipeline cache key.
#[derive(Debug)]
pub struct ComputeDesc {
    module: Arc<ShaderModule>,
    entry: String,
    spec: SpecConstants,
    layout: Arc<PipelineLayout>,
    iface: PipelineInterface,
    key: cache::Key,
}

impl ComputeDesc {
    /// `flags` and `required_subgroup_size` must have passed [`check_subgroup_size`]; they do
    /// not change the code, but are part of the key as inputs that could.
    pub fn new(
        module: Arc<ShaderModule>,
        entry: String,
        spec: SpecConstants,
        layout: Arc<PipelineLayout>,
        flags: vk::PipelineShaderStageCreateFlags,
        required_subgroup_size: Option<u32>,
    ) -> Self {
        let iface = interface(&layout);
        let key = cache::key(
            &module.digest,
            &entry,
            &spec,
            &iface,
            flags,
            required_subgroup_size,
        );
        ComputeDesc {
            module,
            entry,
            spec,
            layout,
            iface,
            key,
        }
    }

    /// The pipeline cache key of its kernel.
    pub fn key(&self) -> &cache::Key {
        &self.key
    }
}

/// One compute VkPipeline.
#[derive(Debug)]
pub struct ComputePipeline {
    kernel: ComputeKernel,
    layout: Arc<PipelineLayout>,
}

impl ComputePipeline {
    /// The pipeline of `desc`: linked from `cached` (what the application's pipeline cache
    /// held under `desc.key()`, looked up beforehand) when given, else compiled, unless
    /// `compile` is false (FAIL_ON_PIPELINE_COMPILE_REQUIRED): then `Ok(None)`. A compiled
    /// kernel is added to `cache`. The flag says whether the kernel came from the cache.
    pub fn create(
        desc: &ComputeDesc,
        cached: Option<&Arc<KernelBinary>>,
        cache: Option<&PipelineCache>,
        compile: bool,
    ) -> Result<Option<(Self, bool)>> {
        let pipeline = |kernel| ComputePipeline {
            kernel,
            layout: desc.layout.clone(),
        };
        // A binary that passed every check links; should it not, compiling is the answer.
        if let Some(kernel) = cached.and_then(|b| ComputeKernel::from_binary(b, &desc.iface).ok()) {
            return Ok(Some((pipeline(kernel), true)));
        }
        if !compile {
            return Ok(None);
        }
        let kernel =
            shader::compile_compute(desc.module.module(), &desc.entry, &desc.spec, &desc.iface)
                .map_err(shader_error)?;
        if let (Some(cache), Some(binary)) = (cache, kernel.binary()) {
            cache.insert(desc.key, binary.clone());
        }
        Ok(Some((pipeline(kernel), false)))
    }

    pub fn kernel(&self) -> &ComputeKernel {
        &self.kernel
    }

    pub fn layout(&self) -> &Arc<PipelineLayout> {
        &self.layout
    }
}

/// The sets bound for one bind point, as vkCmdBindDescriptorSets captured them.
#[derive(Clone, Debug, Default)]
pub struct Bindings {
    /// Per set index: the set's layout and contents, and its dynamic offsets.
    pub sets: Vec<Option<BoundSet>>,
}

#[derive(Clone, Debug)]
pub struct BoundSet {
    pub layout: Arc<SetLayout>,
    pub slots: Arc<Vec<Descriptor>>,
    pub dynamic_offsets: Vec<u32>,
}

impl Bindings {
    /// The same sets (the same contents, by identity) with the same dynamic offsets.
    pub fn same_as(&self, other: &Bindings) -> bool {
        self.sets.len() == other.sets.len()
            && self
                .sets
                .iter()
                .zip(&other.sets)
                .all(|(a, b)| match (a, b) {
                    (None, None) => true,
                    (Some(a), Some(b)) => {
                        Arc::ptr_eq(&a.layout, &b.layout)
                            && Arc::ptr_eq(&a.slots, &b.slots)
                            && a.dynamic_offsets == b.dynamic_offsets
                    }
                    _ => false,
                })
    }

    /// The flat slot table of `layout` from the bound sets. Unbound sets and unwritten
    /// descriptors give [`Resource::None`]; so does a buffer or image without memory.
    pub fn slots(&self, layout: &PipelineLayout) -> Vec<Resource<'_>> {
        let bases = &layout.set_bases;
        let mut out: Vec<Resource<'_>> = (0..layout.slot_count).map(|_| Resource::None).collect();
        for (s, set_layout) in layout.sets.iter().enumerate() {
            let (Some(set_layout), Some(Some(bound))) = (set_layout, self.sets.get(s)) else {
                continue;
            };
            if !Arc::ptr_eq(set_layout, &bound.layout)
                && set_layout.slot_count() != bound.layout.slot_count()
            {
                continue;
            }
            let mut dynamic = bound.dynamic_offsets.iter();
            for b in bound.layout.bindings() {
                for i in 0..b.slot_count() {
                    let slot = (b.first_slot + i) as usize;
                    let extra = if is_dynamic(b.ty) {
                        dynamic.next().copied().unwrap_or(0) as u64
                    } else {
                        0
                    };
                    let r = match &bound.slots[slot] {
                        Descriptor::Buffer {
                            buffer,
                            offset,
                            range,
                        } => buffer
                            .span(offset + extra, *range)
                            .map(Resource::Buffer)
                            .unwrap_or(Resource::None),
                        Descriptor::TexelBuffer(v) => v
                            .buffer
                            .span(v.offset, v.range)
                            .map(|span: Span<'_>| Resource::TexelBuffer {
                                span,
                                format: v.format,
                            })
                            .unwrap_or(Resource::None),
                        Descriptor::Inline(bytes) => Resource::Bytes(bytes),
                        Descriptor::Image { view: Some(v), .. }
                            if b.ty == vk::DescriptorType::INPUT_ATTACHMENT =>
                        {
                            v.input_attachment()
                                .map(Resource::StorageImage)
                                .unwrap_or(Resource::None)
                        }
                        Descriptor::Image { view: Some(v), .. }
                            if b.ty == vk::DescriptorType::STORAGE_IMAGE =>
                        {
                            v.storage_image()
                                .map(Resource::StorageImage)
                                .unwrap_or(Resource::None)
                        }
                        Descriptor::Image { view, sampler }
                            if matches!(
                                b.ty,
                                vk::DescriptorType::SAMPLED_IMAGE
                                    | vk::DescriptorType::SAMPLER
                                    | vk::DescriptorType::COMBINED_IMAGE_SAMPLER
                            ) =>
                        {
                            let image = view.as_ref().and_then(|v| v.sampled_image());
                            let sampler = sampler.as_ref().map(|s| s.desc);
                            if image.is_none() && sampler.is_none() {
                                Resource::None
                            } else {
                                Resource::Sampled { image, sampler }
                            }
                        }
                        _ => Resource::None,
                    };
                    out[(bases[s] + b.first_slot + i) as usize] = r;
                }
            }
        }
        out
    }
}
