//! What the Vulkan specification requires of a device that reports a version, as tables the
//! tests check softvk against.
//!
//! Sources (Vulkan 1.3 specification):
//! - "Feature Requirements" (chapters/features.adoc, `[[features-requirements]]`): the features
//!   every implementation of a version must support, and those an extension brings with it.
//! - "Required Limits" (chapters/limits.adoc, `[[limits-required]]`, the "Supported Limit"
//!   column): every limit's minimum (or maximum) for an implementation that supports the
//!   feature the limit belongs to. Limits whose feature softvk does not report (tessellation,
//!   geometry shaders, dual-source blending, wide points and lines, multiple viewports,
//!   anisotropy, clip/cull distances, descriptor indexing, multi-draw indirect, interpolation
//!   offsets, gather offsets, multisampled storage images) are held to the "Unsupported Limit"
//!   column instead, and the test checks that the feature is indeed not reported.
//!
//! The Khronos profile `VP_KHR_roadmap_2022.json` (Debian's libvulkan-dev ships it under
//! /usr/share/vulkan/registry/profiles) carries the per-version feature requirements in
//! machine-readable form; the tests also check these tables against it, so a line missing here
//! is found.

/// Features every device of Vulkan 1.minor must support: (minor, feature member name).
pub const VERSION_FEATURES: &[(u32, &str)] = &[
    (0, "robustBufferAccess"),
    (1, "multiview"),
    (2, "uniformBufferStandardLayout"),
    (2, "subgroupBroadcastDynamicId"),
    (2, "imagelessFramebuffer"),
    (2, "separateDepthStencilLayouts"),
    (2, "hostQueryReset"),
    (2, "timelineSemaphore"),
    (2, "shaderSubgroupExtendedTypes"),
    (3, "vulkanMemoryModel"),
    (3, "vulkanMemoryModelDeviceScope"),
    (3, "bufferDeviceAddress"),
    (3, "robustImageAccess"),
    (3, "inlineUniformBlock"),
    (3, "pipelineCreationCacheControl"),
    (3, "privateData"),
    (3, "shaderDemoteToHelperInvocation"),
    (3, "shaderTerminateInvocation"),
    (3, "subgroupSizeControl"),
    (3, "computeFullSubgroups"),
    (3, "synchronization2"),
    (3, "shaderZeroInitializeWorkgroupMemory"),
    (3, "dynamicRendering"),
    (3, "shaderIntegerDotProduct"),
    (3, "maintenance4"),
];

/// Features an extension requires when it is supported: (extension, feature member name).
pub const EXTENSION_FEATURES: &[(&str, &str)] = &[
    ("VK_EXT_host_query_reset", "hostQueryReset"),
    ("VK_EXT_image_robustness", "robustImageAccess"),
    ("VK_EXT_inline_uniform_block", "inlineUniformBlock"),
    (
        "VK_EXT_pipeline_creation_cache_control",
        "pipelineCreationCacheControl",
    ),
    ("VK_EXT_private_data", "privateData"),
    (
        "VK_EXT_shader_demote_to_helper_invocation",
        "shaderDemoteToHelperInvocation",
    ),
    ("VK_EXT_subgroup_size_control", "subgroupSizeControl"),
    ("VK_EXT_subgroup_size_control", "computeFullSubgroups"),
    ("VK_EXT_texel_buffer_alignment", "texelBufferAlignment"),
    ("VK_KHR_buffer_device_address", "bufferDeviceAddress"),
    ("VK_KHR_dynamic_rendering", "dynamicRendering"),
    ("VK_KHR_imageless_framebuffer", "imagelessFramebuffer"),
    ("VK_KHR_maintenance4", "maintenance4"),
    ("VK_KHR_multiview", "multiview"),
    (
        "VK_KHR_sampler_mirror_clamp_to_edge",
        "samplerMirrorClampToEdge",
    ),
    ("VK_KHR_16bit_storage", "storageBuffer16BitAccess"),
    ("VK_KHR_shader_atomic_int64", "shaderBufferInt64Atomics"),
    (
        "VK_KHR_separate_depth_stencil_layouts",
        "separateDepthStencilLayouts",
    ),
    (
        "VK_KHR_shader_integer_dot_product",
        "shaderIntegerDotProduct",
    ),
    (
        "VK_KHR_shader_subgroup_extended_types",
        "shaderSubgroupExtendedTypes",
    ),
    (
        "VK_KHR_shader_terminate_invocation",
        "shaderTerminateInvocation",
    ),
    ("VK_EXT_descriptor_indexing", "descriptorIndexing"),
    ("VK_EXT_scalar_block_layout", "scalarBlockLayout"),
    ("VK_KHR_synchronization2", "synchronization2"),
    ("VK_KHR_timeline_semaphore", "timelineSemaphore"),
    (
        "VK_KHR_uniform_buffer_standard_layout",
        "uniformBufferStandardLayout",
    ),
    ("VK_KHR_vulkan_memory_model", "vulkanMemoryModel"),
    (
        "VK_KHR_zero_initialize_workgroup_memory",
        "shaderZeroInitializeWorkgroupMemory",
    ),
];

/// How a limit is bounded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// The reported value must be at least this.
    Min(f64),
    /// The reported value must be at most this.
    Max(f64),
    /// Sample-count flags that must all be present.
    Bits(u32),
}

/// One row of "Required Limits": the member name and its bound for Vulkan 1.3, or, for a
/// limit whose feature softvk does not report, the "Unsupported Limit" column with that
/// feature's name (which the test checks is not reported).
pub struct Limit {
    pub name: &'static str,
    pub bound: Bound,
    /// The feature the bound assumes is NOT supported (the "Unsupported Limit" column).
    pub unsupported_feature: Option<&'static str>,
}

const fn min(name: &'static str, v: f64) -> Limit {
    Limit {
        name,
        bound: Bound::Min(v),
        unsupported_feature: None,
    }
}
const fn max(name: &'static str, v: f64) -> Limit {
    Limit {
        name,
        bound: Bound::Max(v),
        unsupported_feature: None,
    }
}
const fn bits(name: &'static str, v: u32) -> Limit {
    Limit {
        name,
        bound: Bound::Bits(v),
        unsupported_feature: None,
    }
}
const fn unsupported(name: &'static str, bound: Bound, feature: &'static str) -> Limit {
    Limit {
        name,
        bound,
        unsupported_feature: Some(feature),
    }
}

const S1: u32 = 1;
const S1_4: u32 = 1 | 4;
const P2_27: f64 = (1u64 << 27) as f64;
const P2_30: f64 = (1u64 << 30) as f64;

/// The Required Limits table (Vulkan 1.3). Array limits are listed per element (`name[i]`);
/// ranges as `name[0]` (max) and `name[1]` (min).
pub const LIMITS: &[Limit] = &[
    min("maxImageDimension1D", 4096.0),
    min("maxImageDimension2D", 4096.0),
    min("maxImageDimension3D", 256.0),
    min("maxImageDimensionCube", 4096.0),
    min("maxImageArrayLayers", 256.0),
    min("maxTexelBufferElements", 65536.0),
    min("maxUniformBufferRange", 16384.0),
    min("maxStorageBufferRange", P2_27),
    min("maxPushConstantsSize", 128.0),
    min("maxMemoryAllocationCount", 4096.0),
    min("maxSamplerAllocationCount", 4000.0),
    max("bufferImageGranularity", 131072.0),
    unsupported("sparseAddressSpaceSize", Bound::Min(0.0), "sparseBinding"),
    min("maxBoundDescriptorSets", 4.0),
    min("maxPerStageDescriptorSamplers", 16.0),
    min("maxPerStageDescriptorUniformBuffers", 12.0),
    min("maxPerStageDescriptorStorageBuffers", 4.0),
    min("maxPerStageDescriptorSampledImages", 16.0),
    min("maxPerStageDescriptorStorageImages", 4.0),
    min("maxPerStageDescriptorInputAttachments", 4.0),
    min("maxPerStageResources", 128.0),
    min("maxDescriptorSetSamplers", 96.0),
    min("maxDescriptorSetUniformBuffers", 72.0),
    min("maxDescriptorSetUniformBuffersDynamic", 8.0),
    min("maxDescriptorSetStorageBuffers", 24.0),
    min("maxDescriptorSetStorageBuffersDynamic", 4.0),
    min("maxDescriptorSetSampledImages", 96.0),
    min("maxDescriptorSetStorageImages", 24.0),
    min("maxDescriptorSetInputAttachments", 4.0),
    min("maxVertexInputAttributes", 16.0),
    min("maxVertexInputBindings", 16.0),
    min("maxVertexInputAttributeOffset", 2047.0),
    min("maxVertexInputBindingStride", 2048.0),
    min("maxVertexOutputComponents", 64.0),
    unsupported(
        "maxTessellationGenerationLevel",
        Bound::Min(0.0),
        "tessellationShader",
    ),
    unsupported(
        "maxTessellationPatchSize",
        Bound::Min(0.0),
        "tessellationShader",
    ),
    unsupported(
        "maxGeometryShaderInvocations",
        Bound::Min(0.0),
        "geometryShader",
    ),
    min("maxFragmentInputComponents", 64.0),
    min("maxFragmentOutputAttachments", 4.0),
    // dualSrcBlend, fullDrawIndexUint32 and multiDrawIndirect are reported: the Supported
    // Limit column.
    min("maxFragmentDualSrcAttachments", 1.0),
    min("maxFragmentCombinedOutputResources", 4.0),
    min("maxComputeSharedMemorySize", 16384.0),
    min("maxComputeWorkGroupCount[0]", 65535.0),
    min("maxComputeWorkGroupCount[1]", 65535.0),
    min("maxComputeWorkGroupCount[2]", 65535.0),
    min("maxComputeWorkGroupInvocations", 128.0),
    min("maxComputeWorkGroupSize[0]", 128.0),
    min("maxComputeWorkGroupSize[1]", 128.0),
    min("maxComputeWorkGroupSize[2]", 64.0),
    min("subPixelPrecisionBits", 4.0),
    min("subTexelPrecisionBits", 4.0),
    min("mipmapPrecisionBits", 4.0),
    min("maxDrawIndexedIndexValue", 4294967295.0),
    min("maxDrawIndirectCount", 65535.0),
    min("maxSamplerLodBias", 2.0),
    unsupported("maxSamplerAnisotropy", Bound::Min(1.0), "samplerAnisotropy"),
    unsupported("maxViewports", Bound::Min(1.0), "multiViewport"),
    min("maxViewportDimensions[0]", 4096.0),
    min("maxViewportDimensions[1]", 4096.0),
    max("viewportBoundsRange[0]", -8192.0),
    min("viewportBoundsRange[1]", 8191.0),
    min("viewportSubPixelBits", 0.0),
    min("minMemoryMapAlignment", 64.0),
    max("minTexelBufferOffsetAlignment", 256.0),
    max("minUniformBufferOffsetAlignment", 256.0),
    max("minStorageBufferOffsetAlignment", 256.0),
    max("minTexelOffset", -8.0),
    min("maxTexelOffset", 7.0),
    // shaderImageGatherExtended is reported: the Supported Limit column.
    max("minTexelGatherOffset", -8.0),
    min("maxTexelGatherOffset", 7.0),
    // sampleRateShading is reported: the Supported Limit column (0.5 - 1 ULP, ULP = 2^-4).
    max("minInterpolationOffset", -0.5),
    min("maxInterpolationOffset", 0.4375),
    min("subPixelInterpolationOffsetBits", 4.0),
    min("maxFramebufferWidth", 4096.0),
    min("maxFramebufferHeight", 4096.0),
    min("maxFramebufferLayers", 256.0),
    bits("framebufferColorSampleCounts", S1_4),
    bits("framebufferIntegerColorSampleCounts", S1),
    bits("framebufferDepthSampleCounts", S1_4),
    bits("framebufferStencilSampleCounts", S1_4),
    bits("framebufferNoAttachmentsSampleCounts", S1_4),
    min("maxColorAttachments", 4.0),
    bits("sampledImageColorSampleCounts", S1_4),
    bits("sampledImageIntegerSampleCounts", S1),
    bits("sampledImageDepthSampleCounts", S1_4),
    bits("sampledImageStencilSampleCounts", S1_4),
    unsupported(
        "storageImageSampleCounts",
        Bound::Bits(S1),
        "shaderStorageImageMultisample",
    ),
    min("maxSampleMaskWords", 1.0),
    unsupported("maxClipDistances", Bound::Min(0.0), "shaderClipDistance"),
    unsupported("maxCullDistances", Bound::Min(0.0), "shaderCullDistance"),
    min("discreteQueuePriorities", 2.0),
    unsupported("pointSizeRange[1]", Bound::Min(1.0), "largePoints"),
    unsupported("lineWidthRange[1]", Bound::Min(1.0), "wideLines"),
    max("nonCoherentAtomSize", 256.0),
    min("maxMultiviewViewCount", 6.0),
    min("maxMultiviewInstanceIndex", P2_27 - 1.0),
    min("maxPerSetDescriptors", 1024.0),
    min("maxMemoryAllocationSize", P2_30),
    min("maxBufferSize", P2_30),
    min("maxTimelineSemaphoreValueDifference", 2147483647.0),
    min("maxInlineUniformBlockSize", 256.0),
    min("maxPerStageDescriptorInlineUniformBlocks", 4.0),
    min(
        "maxPerStageDescriptorUpdateAfterBindInlineUniformBlocks",
        4.0,
    ),
    min("maxDescriptorSetInlineUniformBlocks", 4.0),
    min("maxDescriptorSetUpdateAfterBindInlineUniformBlocks", 4.0),
    min("maxInlineUniformTotalSize", 256.0),
    max("minImportedHostPointerAlignment", 65536.0),
];
