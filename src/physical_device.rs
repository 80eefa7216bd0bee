//! The one physical device: a CPU, and everything softvk reports about it.
//!
//! This file is the single place where properties, limits, features, queue families, memory
//! types and format features are decided. The rule: report only what the code does. A feature
//! is listed in [`SUPPORTED_FEATURES`] only when it works and a test shows it; a format feature
//! is derived from what the transfer code can do with the format ([`format_features`]).

use crate::error::{Error, Result};
use crate::format::{self, Domain};
use crate::log::Reporter;
use crate::memory::Heap;
use crate::resource;
use ash::vk;
use std::sync::Arc;

/// The API version softvk reports (Vulkan 1.3, header 281).
pub const API_VERSION: u32 = vk::make_api_version(0, 1, 3, 281);

/// driverID: softvk has no registered VkDriverId, so it uses a value outside the registered
/// range ("SOFT" in ASCII) rather than claim another driver's identity.
pub const DRIVER_ID: vk::DriverId = vk::DriverId::from_raw(0x534F_4654);

/// Queues in the one queue family; each queue has its own worker thread.
pub const QUEUE_COUNT: u32 = 4;

/// Invocations per subgroup: the SoA backend's lanes (one JIT'd call runs a subgroup of 4
/// consecutive local invocation indices; shaders with subgroup operations or built-ins never run
/// on the scalar backend: src/shader/lower/simd_subgroup.rs).
pub const SUBGROUP_SIZE: u32 = 4;

/// The per-stage and per-set descriptor limits (maxPerStageDescriptor*, maxDescriptorSet*).
pub const MAX_DESCRIPTORS: u32 = 1 << 20;

/// SIMD lanes per JIT'd shader call (cranelift's 128-bit vectors: f32x4).
pub const SIMD_LANES: u32 = 4;

/// Optional features that work, by their Vulkan member name (any of the feature structures:
/// VkPhysicalDeviceFeatures, VkPhysicalDeviceVulkan1{1,2,3}Features and the extension and
/// promoted structures that carry the same member). Every other feature reports VK_FALSE.
pub const SUPPORTED_FEATURES: &[&str] = &[
    // vkResetQueryPool (tests: queries::host_reset)
    "hostQueryReset",
    // timeline semaphores (tests: sync::timeline_*)
    "timelineSemaphore",
    // layouts are not a memory representation here; barriers accept them (tests: images::*)
    "separateDepthStencilLayouts",
    // vkCreatePrivateDataSlot & co (tests: objects::private_data)
    "privateData",
    // vkCmdPipelineBarrier2 & co, vkQueueSubmit2 (tests: sync::*, transfer::*)
    "synchronization2",
    // vkGetDevice*MemoryRequirements (tests: memory::requirements_without_objects)
    "maintenance4",
    // VkRenderPassAttachmentBeginInfo (tests: render_pass::imageless_framebuffer)
    "imagelessFramebuffer",
    // vkCmdBeginRendering/vkCmdEndRendering (tests: render_pass::dynamic_rendering_*)
    "dynamicRendering",
    // storage texel buffers read and written with the view's format (tests:
    // compute::every_texel_buffer_format_fetches_loads_and_stores)
    "shaderStorageImageReadWithoutFormat",
    "shaderStorageImageWriteWithoutFormat",
    // Every format of the spec's storage image extended formats list is a STORAGE_IMAGE format,
    // read and written through the codec with the view's format (tests:
    // storage_image::every_storage_image_format_loads_and_stores)
    "shaderStorageImageExtendedFormats",
    // Every shader memory access is bounds-checked against its descriptor range: out-of-range
    // loads give 0, stores and atomics are dropped (tests: features::robust_buffer_access)
    "robustBufferAccess",
    // Image accesses out of range (texel buffers, storage images, texelFetch of sampled images)
    // return zeros and drop writes (tests: features::robust_image_access,
    // storage_image::every_view_type_addresses_its_texels_and_nothing_else,
    // sampling::every_image_shape_samples_fetches_and_reports_its_size)
    "robustImageAccess",
    // VK_EXT_robustness2. Buffer accesses are checked against the descriptor's exact range
    // (robust*BufferAccessSizeAlignment 1): out of range, loads give zeros, stores and atomics
    // are dropped. Out-of-range image and texel-buffer reads give a zero texel through the
    // format's conversion to RGBA (missing G, B = 0, A = 1) and the view's swizzle; atomics
    // there return 0. Null descriptors (VK_NULL_HANDLE buffers, views) read (0, 0, 0, 0),
    // drop writes and query as size 0. Tests: features::robustness2_*
    "robustBufferAccess2",
    "robustImageAccess2",
    "nullDescriptor",
    // Multiview render pass instances: load ops, vkCmdClearAttachments, resolves and queries
    // act on each view's layer (tests: render_pass::multiview_*)
    "multiview",
    // VK_PIPELINE_CREATE_FAIL_ON_PIPELINE_COMPILE_REQUIRED / EARLY_RETURN_ON_FAILURE and
    // externally synchronized caches (tests: features::pipeline_creation_cache_control)
    "pipelineCreationCacheControl",
    // VkPipelineShaderStageRequiredSubgroupSizeCreateInfo and the subgroup size flags: the one
    // size there is, 4 (min = max; tests: features::subgroup_size_control)
    "subgroupSizeControl",
    "computeFullSubgroups",
    // Subgroup operations on 8/16/64-bit types are allowed wherever those types are: 64-, 16-
    // and 8-bit integers, halves and doubles, one scalar per lane (tests:
    // shaders/compute/subgroup_types, int64_subgroup, int8_subgroup,
    // int64::int64_hash_matches_the_cpu, float64::int8_through_the_loader)
    "shaderSubgroupExtendedTypes",
    // Variable pointers (SPV_KHR_variable_pointers) into storage buffers and workgroup
    // memory: OpSelect, OpPhi, function returns, Function variables holding pointers, null
    // pointers, OpPtrEqual/NotEqual; every access through one bounds-checked against what it
    // points into (tests: shaders/compute/variable_pointers*, spirv::variable_pointers)
    "variablePointersStorageBuffer",
    "variablePointers",
    // 64-bit integers in shaders (Int64; not 64-bit atomics, which stay refused). Tests:
    // shaders/compute/int64_* and ptr_int64 (shader::tests), int64::* (through the loader)
    "shaderInt64",
    // 64-bit floats in shaders (Float64): arithmetic, conversions, GLSL.std.450 (the
    // instructions it allows on doubles), 8-byte layouts. Tests: shaders/compute/float64_*
    // (shader::tests), float64::* (through the loader)
    "shaderFloat64",
    // 16-bit integers in shaders (Int16), and 16-bit integers and halves in storage buffers,
    // uniform buffers and push constants (VK_KHR_16bit_storage). Tests:
    // shaders/compute/int16_* (shader::tests), float64::int16_through_the_loader
    "shaderInt16",
    "storageBuffer16BitAccess",
    "uniformAndStorageBuffer16BitAccess",
    "storagePushConstant16",
    // 8-bit integers in shaders (Int8) and in storage buffers, uniform buffers and push
    // constants (VK_KHR_8bit_storage), subgroup operations and integer dot products on them.
    // Tests: shaders/compute/int8_arith(_opt), int8_subgroup, dot_widths (shader::tests),
    // float64::int8_through_the_loader
    "shaderInt8",
    "storageBuffer8BitAccess",
    "uniformAndStorageBuffer8BitAccess",
    "storagePushConstant8",
    // 16-bit floats in shaders (Float16): computed in f32, rounded to f16 (nearest even) after
    // each operation, 2 bytes in memory. Tests: shaders/compute/float16_arith (shader::tests),
    // float64::float16_through_the_loader
    "shaderFloat16",
    // 64-bit OpAtomic* on storage buffers (and device addresses) and on shared memory,
    // bounds-checked like 32-bit ones (tests: shaders/compute/int64_atomics,
    // int64::int64_atomics_through_the_loader)
    "shaderBufferInt64Atomics",
    "shaderSharedInt64Atomics",
    // 64-bit integer atomics, loads and stores on R64_UINT / R64_SINT storage images
    // (VK_EXT_shader_image_atomic_int64; tests: storage_image::r64_image_atomics_load_and_store)
    "shaderImageInt64Atomics",
    // VkPhysicalDeviceTexelBufferAlignmentFeaturesEXT (VK_EXT_texel_buffer_alignment): the
    // alignments of VkPhysicalDeviceTexelBufferAlignmentProperties are what views check
    "texelBufferAlignment",
    // The Vulkan memory model: every atomic is sequentially consistent and every barrier a
    // full fence on the CPU, so device scope and availability/visibility chains hold (module
    // docs of src/shader/lower.rs; tests: shaders/compute/memory_model, spirv::vulkan_1_3_*)
    "vulkanMemoryModel",
    "vulkanMemoryModelDeviceScope",
    "vulkanMemoryModelAvailabilityVisibilityChains",
    // std430 uniform blocks (tests: shaders/compute/uniform_layout, shader::tests)
    "uniformBufferStandardLayout",
    // Blocks with scalar alignment (VK_EXT_scalar_block_layout): the compiler takes every
    // offset and stride from the module's decorations (tests: shaders/compute/scalar_layout
    // (shader::tests), spirv::scalar_block_layout)
    "scalarBlockLayout",
    // OpGroupNonUniformBroadcast with a non-constant id (tests: shaders/compute/subgroup_ops)
    "subgroupBroadcastDynamicId",
    // Workgroup variable initializers (tests: shaders/compute/workgroup_init,
    // spirv::vulkan_1_3_shader_features)
    "shaderZeroInitializeWorkgroupMemory",
    // OpSDot/OpUDot/OpSUDot and the AccSat forms, 32-bit vectors and packed 4x8 (tests:
    // shaders/compute/dot_product*, spirv::vulkan_1_3_shader_features)
    "shaderIntegerDotProduct",
    // Fragment-only instructions: modules using them load and their compute entry points
    // compile; fragment execution comes with the graphics work (tests:
    // spirv::modules_with_fragment_entry_points)
    "shaderDemoteToHelperInvocation",
    "shaderTerminateInvocation",
    // VK_DESCRIPTOR_TYPE_INLINE_UNIFORM_BLOCK (tests: inline_uniform::*)
    "inlineUniformBlock",
    // vkGetBufferDeviceAddress and PhysicalStorageBuffer pointers in shaders, checked against
    // the live buffers (tests: device_address::*); not capture/replay, not multi-device
    "bufferDeviceAddress",
    // Arrays of descriptors indexed by any value (uniform or not, per lane in the SoA backend,
    // every index checked against the binding's count: out of range reads a null descriptor),
    // runtime-sized descriptor arrays, partially bound bindings and variable descriptor counts
    // (tests: descriptor_indexing::*)
    "shaderUniformBufferArrayDynamicIndexing",
    "shaderSampledImageArrayDynamicIndexing",
    "shaderStorageBufferArrayDynamicIndexing",
    "shaderStorageImageArrayDynamicIndexing",
    "shaderUniformTexelBufferArrayDynamicIndexing",
    "shaderStorageTexelBufferArrayDynamicIndexing",
    "shaderUniformBufferArrayNonUniformIndexing",
    "shaderSampledImageArrayNonUniformIndexing",
    "shaderStorageBufferArrayNonUniformIndexing",
    "shaderStorageImageArrayNonUniformIndexing",
    "shaderUniformTexelBufferArrayNonUniformIndexing",
    "shaderStorageTexelBufferArrayNonUniformIndexing",
    "runtimeDescriptorArray",
    "descriptorBindingPartiallyBound",
    "descriptorBindingVariableDescriptorCount",
    // Update-after-bind: a command buffer reads an UPDATE_AFTER_BIND_POOL set when it executes
    // (after submission), so updates between the bind and the submission are seen; unused
    // descriptors may change while it is pending (the read takes the set's lock). Not for
    // dynamic buffers or inline uniform blocks (not reported).
    "descriptorBindingSampledImageUpdateAfterBind",
    "descriptorBindingStorageImageUpdateAfterBind",
    "descriptorBindingStorageBufferUpdateAfterBind",
    "descriptorBindingUniformTexelBufferUpdateAfterBind",
    "descriptorBindingStorageTexelBufferUpdateAfterBind",
    "descriptorBindingUniformBufferUpdateAfterBind",
    "descriptorBindingUpdateUnusedWhilePending",
    "descriptorIndexing",
    // Float atomics on storage buffers (and device addresses), shared memory and R32_SFLOAT
    // storage images (VK_EXT_shader_atomic_float): load/store/exchange on the bits, add as a
    // compare-exchange loop (tests: shaders/compute/float_atomics (shader::tests),
    // float64::float_atomics_through_the_loader)
    "shaderImageFloat32Atomics",
    "shaderImageFloat32AtomicAdd",
    "shaderBufferFloat32Atomics",
    "shaderBufferFloat32AtomicAdd",
    "shaderBufferFloat64Atomics",
    "shaderBufferFloat64AtomicAdd",
    "shaderSharedFloat32Atomics",
    "shaderSharedFloat32AtomicAdd",
    "shaderSharedFloat64Atomics",
    "shaderSharedFloat64AtomicAdd",
    // VK_SAMPLER_ADDRESS_MODE_MIRROR_CLAMP_TO_EDGE in sampled-image lookups (tests:
    // sampling::filters_mipmaps_and_address_modes_follow_the_spec)
    "samplerMirrorClampToEdge",
    // OpImageGather with Offset and ConstOffsets (ImageGatherExtended) (tests:
    // sampling::gathers_follow_the_spec)
    "shaderImageGatherExtended",
    // CUBE_ARRAY views, sampled (SampledCubeArray) and storage (ImageCubeArray) (tests:
    // sampling::cube_arrays_sample_gather_load_and_store)
    "imageCubeArray",
    // VkSamplerReductionModeCreateInfo MIN / MAX on every FILTER_LINEAR format, after the
    // view's swizzle (tests: sampling::min_max_reduction_follows_the_spec)
    "samplerFilterMinmax",
    // Draws (command/draw.rs, raster/): indices are full 32-bit values, any number of
    // indirect draws with any firstInstance, count buffers (tests: draw::indirect_*,
    // draw::full_32_bit_indices_and_indirect_first_instance).
    "fullDrawIndexUint32",
    "multiDrawIndirect",
    "drawIndirectFirstInstance",
    "drawIndirectCount",
    // Fixed-function state of draws (raster/draw.rs; tests: draw::optional_depth_features_*,
    // draw::optional_blend_features_*, draw::msaa_4x_* against lavapipe's images,
    // raster::draw::tests in-process).
    "depthClamp",
    "depthBiasClamp",
    "depthBounds",
    "alphaToOne",
    "dualSrcBlend",
    "logicOp",
    "independentBlend",
    // Sample shading (minSampleShading, SampleId/SamplePosition, Sample inputs: once per
    // sample) and InterpolateAtCentroid / AtSample / AtOffset (lower/stage.rs; tests:
    // draw::interpolation_functions_*, raster::draw::tests::sample_shading_runs_once_per_sample).
    "sampleRateShading",
    // Stores, atomics and image writes in fragment shaders: helper invocations and discarded
    // lanes leave memory alone (Lower::effect_lanes; tests: draw::interpolation_functions_*,
    // shader::tests::helper_lanes_execute_but_leave_memory_alone).
    "fragmentStoresAndAtomics",
    // Occlusion queries count every sample that passes (tests: draw::occlusion_queries_*).
    "occlusionQueryPrecise",
    // Pipeline statistics queries: input assembly, vertex, clipping, fragment and compute
    // counters (query::Statistics; tests: queries::pipeline_statistics_*).
    "pipelineStatisticsQuery",
    // 8-bit indices (VK_EXT_index_type_uint8; restart at 0xFF; tests:
    // draw::uint8_indices_draw_like_uint32_ones)
    "indexTypeUint8",
    // Per-instance bindings advancing every `divisor` instances, or never (divisor 0)
    // (VK_EXT_vertex_attribute_divisor; raster::fetch; tests: draw::instance_divisors_*).
    "vertexAttributeInstanceRateDivisor",
    "vertexAttributeInstanceRateZeroDivisor",
    // BaseVertex, BaseInstance, DrawIndex in vertex shaders (tests:
    // draw::shader_draw_parameters_reach_the_vertex_shader).
    "shaderDrawParameters",
    // Every dynamic state of VK_EXT_extended_dynamic_state and VK_EXT_extended_dynamic_state2
    // but the patch control points (no tessellation) (tests:
    // draw::dynamic_state_matches_static_state, draw::dynamic_logic_op_matches_static_logic_op).
    "extendedDynamicState",
    "extendedDynamicState2",
    "extendedDynamicState2LogicOp",
    // BC1..BC7 images: our own block decoders (format::bc), block-sized copies, blits and
    // sampling (tests: bc::*, format::bc::tests)
    "textureCompressionBC",
];

/// maxVertexInputBindings: vertex binding numbers are below it (draws keep a table of them).
pub const MAX_VERTEX_BINDINGS: usize = 16;
/// maxVertexInputAttributes.
pub const MAX_VERTEX_ATTRIBUTES: usize = 16;

pub fn feature_supported(name: &str) -> bool {
    SUPPORTED_FEATURES.contains(&name)
}

/// Device extensions and their spec versions come from the registry in the ABI layer; this is
/// the list of names that are implemented.
///
/// Extensions promoted to core 1.1-1.3 are listed by their old names too, because programs
/// written against older versions ask for them by name; each is here because the core
/// functionality it names works (its commands are the core ones, its structures the core
/// ones, its required feature is in [`SUPPORTED_FEATURES`]). Promoted extensions that are
/// absent are those whose functionality has not landed: sampling (sampler_ycbcr_conversion,
/// astc_hdr, 4444 and ycbcr 444 formats), 8-bit shader types (8bit
/// storage),
/// descriptor indexing, variable pointers, scalar block layout, viewport index layer and
/// device groups. Tests: extensions::* (each name's structures answer, its commands resolve).
pub const DEVICE_EXTENSIONS: &[&str] = &[
    "VK_EXT_descriptor_indexing",
    "VK_EXT_external_memory_dma_buf",
    "VK_EXT_external_memory_host",
    "VK_EXT_extended_dynamic_state",
    "VK_EXT_extended_dynamic_state2",
    "VK_EXT_host_query_reset",
    "VK_EXT_image_drm_format_modifier",
    "VK_EXT_image_robustness",
    "VK_EXT_index_type_uint8",
    "VK_EXT_inline_uniform_block",
    "VK_EXT_memory_budget",
    "VK_EXT_pipeline_creation_cache_control",
    "VK_EXT_pipeline_creation_feedback",
    "VK_EXT_private_data",
    "VK_EXT_sampler_filter_minmax",
    "VK_EXT_robustness2",
    "VK_EXT_scalar_block_layout",
    "VK_EXT_shader_atomic_float",
    "VK_EXT_shader_image_atomic_int64",
    "VK_EXT_separate_stencil_usage",
    "VK_EXT_shader_demote_to_helper_invocation",
    "VK_EXT_vertex_attribute_divisor",
    "VK_EXT_subgroup_size_control",
    "VK_EXT_texel_buffer_alignment",
    "VK_EXT_tooling_info",
    "VK_KHR_16bit_storage",
    "VK_KHR_8bit_storage",
    "VK_KHR_bind_memory2",
    "VK_KHR_buffer_device_address",
    "VK_KHR_copy_commands2",
    "VK_KHR_create_renderpass2",
    "VK_KHR_dedicated_allocation",
    "VK_KHR_draw_indirect_count",
    "VK_KHR_depth_stencil_resolve",
    "VK_KHR_descriptor_update_template",
    "VK_KHR_driver_properties",
    "VK_KHR_dynamic_rendering",
    "VK_KHR_external_fence",
    "VK_KHR_external_fence_fd",
    "VK_KHR_external_memory",
    "VK_KHR_external_memory_fd",
    "VK_KHR_external_semaphore",
    "VK_KHR_external_semaphore_fd",
    "VK_KHR_format_feature_flags2",
    "VK_KHR_get_memory_requirements2",
    "VK_KHR_image_format_list",
    "VK_KHR_imageless_framebuffer",
    "VK_KHR_maintenance1",
    "VK_KHR_maintenance2",
    "VK_KHR_maintenance3",
    "VK_KHR_maintenance4",
    "VK_KHR_map_memory2",
    "VK_KHR_multiview",
    "VK_KHR_push_descriptor",
    "VK_KHR_relaxed_block_layout",
    "VK_KHR_sampler_mirror_clamp_to_edge",
    "VK_KHR_separate_depth_stencil_layouts",
    "VK_KHR_shader_atomic_int64",
    "VK_KHR_shader_draw_parameters",
    "VK_KHR_shader_float16_int8",
    "VK_KHR_shader_float_controls",
    "VK_KHR_shader_integer_dot_product",
    "VK_KHR_shader_non_semantic_info",
    "VK_KHR_shader_subgroup_extended_types",
    "VK_KHR_shader_terminate_invocation",
    "VK_KHR_spirv_1_4",
    "VK_KHR_storage_buffer_storage_class",
    "VK_KHR_synchronization2",
    "VK_KHR_timeline_semaphore",
    "VK_KHR_uniform_buffer_standard_layout",
    "VK_KHR_vulkan_memory_model",
    "VK_KHR_zero_initialize_workgroup_memory",
];

/// Instance extensions softvk implements.
pub const INSTANCE_EXTENSIONS: &[&str] = &[
    "VK_EXT_debug_utils",
    "VK_KHR_external_fence_capabilities",
    "VK_KHR_external_memory_capabilities",
    "VK_KHR_external_semaphore_capabilities",
    "VK_KHR_get_physical_device_properties2",
];

/// The build hash (see build.rs), as 16 bytes.
fn build_hash() -> [u8; 16] {
    u128::from_str_radix(env!("SOFTVK_BUILD_HASH"), 16)
        .unwrap_or(0)
        .to_be_bytes()
}

fn derive_uuid(label: &str) -> [u8; 16] {
    let mut h: u128 = u128::from_be_bytes(build_hash());
    for b in label.bytes() {
        h ^= b as u128;
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    let mut u = h.to_be_bytes();
    // RFC 4122 variant 1, version 8 (custom), so tools print it as a UUID.
    u[6] = (u[6] & 0x0f) | 0x80;
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}

/// What the format can do, per tiling and for buffers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormatFeatures {
    pub linear: vk::FormatFeatureFlags2,
    pub optimal: vk::FormatFeatureFlags2,
    pub buffer: vk::FormatFeatureFlags2,
}

/// The format features softvk implements for `format` (empty for unsupported formats).
///
/// - USCALED/SSCALED: nothing (see below).
/// - Every other format in the table copies (TRANSFER_SRC/DST): copies move bytes.
/// - BLIT_SRC/BLIT_DST: the texel codec decodes and encodes the format exactly (not the 64-bit
///   formats, whose values do not fit the f32/u32 path).
/// - SAMPLED_IMAGE_FILTER_LINEAR: the format is in the float domain and blits can filter it
///   linearly (with BLIT_SRC, that is what the bit means without SAMPLED_IMAGE).
/// - SAMPLED_IMAGE_FILTER_MINMAX: wherever SAMPLED_IMAGE_FILTER_LINEAR is (min/max reduction).
/// - Depth/stencil: optimal tiling only, blits with NEAREST only; sampled (either aspect), the
///   depth aspect with FILTER_LINEAR, FILTER_MINMAX and SAMPLED_IMAGE_DEPTH_COMPARISON.
/// - STORAGE_IMAGE (+ READ/WRITE_WITHOUT_FORMAT), optimal and linear: the storage texel buffer
///   formats; compute shaders read and write them through the same codec with the view's
///   format. STORAGE_IMAGE_ATOMIC for R32_UINT/R32_SINT/R32_SFLOAT (tests: storage_image::*,
///   float64::float_atomics_through_the_loader). R64_UINT /
///   R64_SINT: STORAGE_IMAGE and STORAGE_IMAGE_ATOMIC (64-bit integer images).
/// - SAMPLED_IMAGE on both tilings for the non-64-bit color formats (tests: sampling::*).
/// - Nothing for vertex input or graphics yet: those come with the graphics work.
pub fn format_features(f: vk::Format) -> FormatFeatures {
    type F = vk::FormatFeatureFlags2;
    if format::bc::info(f).is_some() {
        return bc_format_features();
    }
    let Some(info) = format::info(f) else {
        return FormatFeatures::default();
    };
    // USCALED/SSCALED: no features (most drivers expose them as vertex formats only; the
    // spec's required-format tables require none for images or texel buffers). Their numeric type is float,
    // so by the spec a VkClearColorValue reaches them through `float32` and blits treat them as
    // float formats ("Clear Values", "Image Copies with Scaling"), while the Khronos CTS
    // (tcu maps them to integer channel types) clears them through `uint32` and blits them as
    // integers: no behaviour satisfies both, so the image features are not reported and every
    // test of them reports NotSupported instead of checking one reading against the other.
    // (Their texel-buffer fetches would be right, but compute::every_texel_buffer_format_*
    // checks fetches against blits of an image of the same format, which no longer exist.)
    // Vertex input reads every color format of 32-bit or narrower components through the same
    // codec, scaled ones included (as floats of their integer values), sRGB excepted (the spec
    // gives it no vertex meaning). Tests: draw::every_vertex_format_fetches.
    let vertex = if crate::raster::fetch::supported(f) && info.numeric != format::Numeric::Srgb {
        F::VERTEX_BUFFER
    } else {
        F::empty()
    };
    if matches!(
        info.numeric,
        format::Numeric::Uscaled | format::Numeric::Sscaled
    ) {
        return FormatFeatures {
            buffer: vertex,
            ..FormatFeatures::default()
        };
    }
    let mut features = F::TRANSFER_SRC | F::TRANSFER_DST;
    // Blits convert through `Texel` (32-bit components), which cannot carry 64-bit values; the
    // spec's required-format tables require no BLIT feature for the 64-bit formats.
    if !info.wide {
        features |= F::BLIT_SRC | F::BLIT_DST;
    }
    let depth_stencil = info
        .aspects
        .intersects(vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL);
    if depth_stencil {
        // Load/clear, vkCmdClearAttachments and depth/stencil resolves (command::attachments);
        // shaders fetch and sample either aspect through its plane's format
        // (tests: sampling::depth_and_stencil_aspects_fetch_and_sample). The depth aspect
        // filters linearly and compares (OpImage*Dref*, each texel compared before filtering;
        // FILTER_LINEAR on a depth/stencil format is about the depth aspect only) (tests:
        // sampling::depth_compare_follows_the_spec).
        let mut optimal = features | F::DEPTH_STENCIL_ATTACHMENT | F::SAMPLED_IMAGE;
        if info.aspects.contains(vk::ImageAspectFlags::DEPTH) {
            optimal |= F::SAMPLED_IMAGE_FILTER_LINEAR
                | F::SAMPLED_IMAGE_DEPTH_COMPARISON
                | F::SAMPLED_IMAGE_FILTER_MINMAX;
        }
        return FormatFeatures {
            linear: F::empty(),
            optimal,
            buffer: F::empty(),
        };
    }
    if info.domain == Domain::Float && !info.wide {
        // Linear blits and sampling; min/max reduction of the same texels (tests:
        // sampling::min_max_reduction_follows_the_spec).
        features |= F::SAMPLED_IMAGE_FILTER_LINEAR | F::SAMPLED_IMAGE_FILTER_MINMAX;
    }
    // Sampled images: compute shaders fetch and sample every level and layer of the view
    // through the same codec (shader/runtime/sampling.rs; tests: sampling::*).
    if !info.wide {
        features |= F::SAMPLED_IMAGE;
    }
    if color_attachment(info) {
        features |= F::COLOR_ATTACHMENT;
        // Blending on the decoded values of float-domain formats (raster/blend.rs; tests:
        // draw::every_blend_factor_and_op, render_pass::*).
        if info.domain == Domain::Float {
            features |= F::COLOR_ATTACHMENT_BLEND;
        }
    }
    // Texel buffers: compute shaders fetch, read and write them through the same codec, with
    // the view's format (tests: compute::every_texel_buffer_format_*).
    let mut buffer = vertex;
    if !info.wide {
        buffer |= F::UNIFORM_TEXEL_BUFFER;
        if storage_texel(info) {
            buffer |= F::STORAGE_TEXEL_BUFFER
                | F::STORAGE_READ_WITHOUT_FORMAT
                | F::STORAGE_WRITE_WITHOUT_FORMAT;
        }
    }
    // Storage images: the same formats and codec as storage texel buffers, addressed per mip
    // level of the view (tests: storage_image::every_storage_image_format_*).
    if storage_texel(info) {
        features |=
            F::STORAGE_IMAGE | F::STORAGE_READ_WITHOUT_FORMAT | F::STORAGE_WRITE_WITHOUT_FORMAT;
        if matches!(
            f,
            vk::Format::R32_UINT | vk::Format::R32_SINT | vk::Format::R32_SFLOAT
        ) {
            // Atomics through OpImageTexelPointer (tests: storage_image::image_atomics; R32_SFLOAT:
            // float64::float_atomics_through_the_loader).
            features |= F::STORAGE_IMAGE_ATOMIC;
        }
    }
    // 64-bit integer storage images (VK_EXT_shader_image_atomic_int64, Int64ImageEXT): loads,
    // stores and atomics move the 8-byte texels as they are (tests:
    // storage_image::r64_image_atomics_load_and_store).
    if matches!(f, vk::Format::R64_UINT | vk::Format::R64_SINT) {
        features |= F::STORAGE_IMAGE
            | F::STORAGE_READ_WITHOUT_FORMAT
            | F::STORAGE_WRITE_WITHOUT_FORMAT
            | F::STORAGE_IMAGE_ATOMIC;
    }
    FormatFeatures {
        linear: features,
        optimal: features,
        buffer,
    }
}

/// BC1..BC7 (textureCompressionBC): the spec's "Required Format Support" table for the
/// feature asks SAMPLED_IMAGE, BLIT_SRC and SAMPLED_IMAGE_FILTER_LINEAR on optimal tiling
/// (TRANSFER_SRC/DST come with them since VK_KHR_maintenance1); FILTER_MINMAX as for every
/// other filterable format. Nothing on linear tiling or for buffers. Sampling decodes blocks
/// (shader/runtime/sampling.rs), blits decode through the same decoder, copies move blocks
/// (command/transfer.rs; tests: bc::*).
fn bc_format_features() -> FormatFeatures {
    type F = vk::FormatFeatureFlags2;
    FormatFeatures {
        linear: F::empty(),
        optimal: F::TRANSFER_SRC
            | F::TRANSFER_DST
            | F::BLIT_SRC
            | F::SAMPLED_IMAGE
            | F::SAMPLED_IMAGE_FILTER_LINEAR
            | F::SAMPLED_IMAGE_FILTER_MINMAX,
        buffer: F::empty(),
    }
}

/// Color formats that can be attachments: everything the codec renders exactly except the
/// 64-bit, scaled (vertex-only in practice) and shared-exponent formats.
fn color_attachment(info: &format::FormatInfo) -> bool {
    use format::Numeric as N;
    !info.wide
        && !matches!(info.numeric, N::Uscaled | N::Sscaled)
        && info.format != vk::Format::E5B9G9R9_UFLOAT_PACK32
}

/// Color formats storage texel buffers take: the attachment formats except sRGB (which has
/// no storage meaning in SPIR-V's image formats).
fn storage_texel(info: &format::FormatInfo) -> bool {
    color_attachment(info) && info.numeric != format::Numeric::Srgb
}

/// maxMultiviewViewCount: every bit of a view mask.
pub const MAX_MULTIVIEW_VIEWS: u32 = 32;

/// Sample counts of multisampled attachments (the spec's minimum, 1 and 4).
pub const ATTACHMENT_SAMPLE_COUNTS: vk::SampleCountFlags = vk::SampleCountFlags::from_raw(
    vk::SampleCountFlags::TYPE_1.as_raw() | vk::SampleCountFlags::TYPE_4.as_raw(),
);

/// The DRM format modifiers of a format with their features: DRM_FORMAT_MOD_LINEAR (one
/// plane, the linear-tiling features) for every color format that has linear features.
pub fn drm_modifiers(f: vk::Format) -> Vec<(u64, u32, vk::FormatFeatureFlags2)> {
    let ff = format_features(f);
    let color = format::info(f).is_some_and(|i| i.aspects == vk::ImageAspectFlags::COLOR);
    if color && !ff.linear.is_empty() {
        vec![(resource::DRM_FORMAT_MOD_LINEAR, 1, ff.linear)]
    } else {
        vec![]
    }
}

/// Legacy 32-bit view of FormatFeatureFlags2 (the low bits have the same meaning).
pub fn legacy_format_features(f: vk::FormatFeatureFlags2) -> vk::FormatFeatureFlags {
    vk::FormatFeatureFlags::from_raw((f.as_raw() & 0x7FFF_FFFF) as u32)
}

/// The inputs of vkGetPhysicalDeviceImageFormatProperties.
#[derive(Clone, Copy, Debug)]
pub struct ImageFormatQuery {
    pub format: vk::Format,
    pub image_type: vk::ImageType,
    pub tiling: vk::ImageTiling,
    pub usage: vk::ImageUsageFlags,
    pub flags: vk::ImageCreateFlags,
    /// With DRM-modifier tiling: the modifier asked about.
    pub drm_modifier: Option<u64>,
}

/// The CPU as a Vulkan physical device, one per instance.
#[derive(Debug)]
pub struct PhysicalDevice {
    reporter: Arc<Reporter>,
    heap: Arc<Heap>,
    threads: u32,
    name: String,
    conformance: vk::ConformanceVersion,
}

/// The conformanceVersion to report: 0.0.0.0 (softvk has not passed the Khronos conformance
/// process), unless `SOFTVK_CONFORMANCE_VERSION=major.minor.subminor.patch` asks otherwise.
///
/// Why the override exists: wgpu (and every program built on wgpu-native) hides a Vulkan
/// adapter whose conformanceVersion.major is 0 and falls back to OpenGL, without a switch to
/// allow it. The override lets such programs use softvk; it claims nothing by default.
pub fn conformance_version(
    value: Option<&str>,
) -> std::result::Result<vk::ConformanceVersion, String> {
    let Some(v) = value else {
        return Ok(vk::ConformanceVersion::default());
    };
    let parts: Vec<&str> = v.trim().split('.').collect();
    let nums: Option<Vec<u8>> = parts.iter().map(|p| p.parse::<u8>().ok()).collect();
    match nums.as_deref() {
        Some(&[major, minor, subminor, patch]) => Ok(vk::ConformanceVersion {
            major,
            minor,
            subminor,
            patch,
        }),
        _ => Err(format!(
            "SOFTVK_CONFORMANCE_VERSION={v:?} is not major.minor.subminor.patch (each 0-255); \
             reporting 0.0.0.0"
        )),
    }
}

impl PhysicalDevice {
    pub fn new(reporter: Arc<Reporter>) -> Self {
        let threads = crate::exec::thread_count() as u32;
        let (total, _) = crate::platform::memory_figures();
        // Device-local memory is system RAM; leave a quarter to the application and the OS.
        let heap = Arc::new(Heap::new(total / 4 * 3));
        let conformance =
            conformance_version(std::env::var("SOFTVK_CONFORMANCE_VERSION").ok().as_deref())
                .unwrap_or_else(|e| {
                    reporter.report(crate::log::Severity::Warn, "softvk-config", &e);
                    vk::ConformanceVersion::default()
                });
        PhysicalDevice {
            conformance,
            reporter,
            heap,
            threads,
            name: format!(
                "softvk ({threads} thread{}, {}-bit SIMD, {SIMD_LANES} lanes)",
                if threads == 1 { "" } else { "s" },
                SIMD_LANES * 32
            ),
        }
    }

    pub fn reporter(&self) -> &Arc<Reporter> {
        &self.reporter
    }

    pub fn heap(&self) -> &Arc<Heap> {
        &self.heap
    }

    pub fn threads(&self) -> u32 {
        self.threads
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn driver_uuid(&self) -> [u8; 16] {
        derive_uuid("softvk driver")
    }

    pub fn device_uuid(&self) -> [u8; 16] {
        derive_uuid("softvk device")
    }

    /// The name exportable memfds carry, which OPAQUE_FD import checks.
    pub fn memory_identity(&self) -> String {
        crate::memory::identity_name(self.driver_uuid(), self.device_uuid())
    }

    pub fn driver_info(&self) -> String {
        format!(
            "softvk {} (build {})",
            env!("CARGO_PKG_VERSION"),
            &env!("SOFTVK_BUILD_HASH")[..12]
        )
    }

    pub fn properties(&self) -> vk::PhysicalDeviceProperties {
        let mut p = vk::PhysicalDeviceProperties {
            api_version: API_VERSION,
            driver_version: vk::make_api_version(
                0,
                env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap_or(0),
                env!("CARGO_PKG_VERSION_MINOR").parse().unwrap_or(0),
                env!("CARGO_PKG_VERSION_PATCH").parse().unwrap_or(0),
            ),
            vendor_id: 0,
            device_id: 0,
            device_type: vk::PhysicalDeviceType::CPU,
            pipeline_cache_uuid: derive_uuid("softvk pipeline cache"),
            limits: self.limits(),
            sparse_properties: vk::PhysicalDeviceSparseProperties::default(),
            ..Default::default()
        };
        write_c_string(&mut p.device_name, &self.name);
        p
    }

    fn limits(&self) -> vk::PhysicalDeviceLimits {
        vk::PhysicalDeviceLimits {
            max_image_dimension1_d: resource::MAX_DIMENSION_1D_2D,
            max_image_dimension2_d: resource::MAX_DIMENSION_1D_2D,
            max_image_dimension3_d: resource::MAX_DIMENSION_3D,
            max_image_dimension_cube: resource::MAX_DIMENSION_1D_2D,
            max_image_array_layers: resource::MAX_ARRAY_LAYERS,
            max_texel_buffer_elements: resource::MAX_TEXEL_BUFFER_ELEMENTS as u32,
            max_uniform_buffer_range: 65536,
            max_storage_buffer_range: u32::MAX,
            max_push_constants_size: 256,
            max_memory_allocation_count: 16384,
            max_sampler_allocation_count: 65536,
            buffer_image_granularity: 64,
            sparse_address_space_size: 0,
            max_bound_descriptor_sets: 8,
            // Descriptors are slots in a vector (resource/descriptor.rs): nothing bounds them
            // but memory, so the limits are large enough for runtime-sized arrays.
            max_per_stage_descriptor_samplers: MAX_DESCRIPTORS,
            max_per_stage_descriptor_uniform_buffers: MAX_DESCRIPTORS,
            max_per_stage_descriptor_storage_buffers: MAX_DESCRIPTORS,
            max_per_stage_descriptor_sampled_images: MAX_DESCRIPTORS,
            max_per_stage_descriptor_storage_images: MAX_DESCRIPTORS,
            max_per_stage_descriptor_input_attachments: 8,
            max_per_stage_resources: MAX_DESCRIPTORS,
            max_descriptor_set_samplers: MAX_DESCRIPTORS,
            max_descriptor_set_uniform_buffers: MAX_DESCRIPTORS,
            max_descriptor_set_uniform_buffers_dynamic: 16,
            max_descriptor_set_storage_buffers: MAX_DESCRIPTORS,
            max_descriptor_set_storage_buffers_dynamic: 16,
            max_descriptor_set_sampled_images: MAX_DESCRIPTORS,
            max_descriptor_set_storage_images: MAX_DESCRIPTORS,
            max_descriptor_set_input_attachments: 8,
            max_vertex_input_attributes: MAX_VERTEX_ATTRIBUTES as u32,
            max_vertex_input_bindings: MAX_VERTEX_BINDINGS as u32,
            max_vertex_input_attribute_offset: 2047,
            max_vertex_input_binding_stride: 2048,
            max_vertex_output_components: 64,
            max_tessellation_generation_level: 0,
            max_tessellation_patch_size: 0,
            max_tessellation_control_per_vertex_input_components: 0,
            max_tessellation_control_per_vertex_output_components: 0,
            max_tessellation_control_per_patch_output_components: 0,
            max_tessellation_control_total_output_components: 0,
            max_tessellation_evaluation_input_components: 0,
            max_tessellation_evaluation_output_components: 0,
            max_geometry_shader_invocations: 0,
            max_geometry_input_components: 0,
            max_geometry_output_components: 0,
            max_geometry_output_vertices: 0,
            max_geometry_total_output_components: 0,
            max_fragment_input_components: 64,
            max_fragment_output_attachments: 4,
            max_fragment_dual_src_attachments: 1,
            max_fragment_combined_output_resources: 4,
            // The compiler runs up to 1024 invocations per workgroup (shaders/compute tests);
            // shared memory is one zeroed allocation per workgroup run.
            max_compute_shared_memory_size: 32768,
            max_compute_work_group_count: [65535; 3],
            max_compute_work_group_invocations: 1024,
            max_compute_work_group_size: [1024, 1024, 64],
            sub_pixel_precision_bits: crate::raster::SUBPIXEL_BITS,
            // LINEAR weights: 1/256 steps for 8-bit UNORM views (`sampling::fixed_point`),
            // exact f32 for the others.
            sub_texel_precision_bits: 8,
            mipmap_precision_bits: 4,
            max_draw_indexed_index_value: u32::MAX,
            max_draw_indirect_count: u32::MAX,
            max_sampler_lod_bias: 2.0,
            max_sampler_anisotropy: 1.0,
            max_viewports: 1,
            max_viewport_dimensions: [4096, 4096],
            viewport_bounds_range: [-8192.0, 8191.0],
            viewport_sub_pixel_bits: 0,
            min_memory_map_alignment: 64,
            min_texel_buffer_offset_alignment: 16,
            min_uniform_buffer_offset_alignment: 64,
            min_storage_buffer_offset_alignment: 64,
            min_texel_offset: -8,
            max_texel_offset: 7,
            // What lower/sampling.rs accepts for gather offsets (the spec's minimum range).
            min_texel_gather_offset: -8,
            max_texel_gather_offset: 7,
            // Offsets are used as given (f32, no rounding): any offset in this range works.
            min_interpolation_offset: -2.0,
            max_interpolation_offset: 2.0,
            sub_pixel_interpolation_offset_bits: 8,
            max_framebuffer_width: 4096,
            max_framebuffer_height: 4096,
            max_framebuffer_layers: 256,
            framebuffer_color_sample_counts: ATTACHMENT_SAMPLE_COUNTS,
            framebuffer_depth_sample_counts: ATTACHMENT_SAMPLE_COUNTS,
            framebuffer_stencil_sample_counts: ATTACHMENT_SAMPLE_COUNTS,
            framebuffer_no_attachments_sample_counts: ATTACHMENT_SAMPLE_COUNTS,
            max_color_attachments: 8,
            // The spec's minimum (Limit Requirements: 1 | 4). These limits bound the sample
            // counts of images created with SAMPLED usage; vkGetPhysicalDeviceImageFormatProperties
            // is what says which format and usage combinations exist, and it does not offer
            // SAMPLED until shaders sample images.
            sampled_image_color_sample_counts: ATTACHMENT_SAMPLE_COUNTS,
            sampled_image_integer_sample_counts: vk::SampleCountFlags::TYPE_1,
            sampled_image_depth_sample_counts: ATTACHMENT_SAMPLE_COUNTS,
            sampled_image_stencil_sample_counts: ATTACHMENT_SAMPLE_COUNTS,
            storage_image_sample_counts: vk::SampleCountFlags::TYPE_1,
            max_sample_mask_words: 1,
            timestamp_compute_and_graphics: vk::TRUE,
            timestamp_period: 1.0,
            max_clip_distances: 0,
            max_cull_distances: 0,
            max_combined_clip_and_cull_distances: 0,
            discrete_queue_priorities: 2,
            point_size_range: [1.0, 1.0],
            line_width_range: [1.0, 1.0],
            point_size_granularity: 0.0,
            line_width_granularity: 0.0,
            strict_lines: vk::FALSE,
            standard_sample_locations: vk::TRUE,
            optimal_buffer_copy_offset_alignment: 16,
            optimal_buffer_copy_row_pitch_alignment: 16,
            non_coherent_atom_size: 64,
        }
    }

    pub fn properties11(&self) -> vk::PhysicalDeviceVulkan11Properties<'static> {
        vk::PhysicalDeviceVulkan11Properties {
            device_uuid: self.device_uuid(),
            driver_uuid: self.driver_uuid(),
            device_luid: [0; 8],
            device_node_mask: 0,
            device_luid_valid: vk::FALSE,
            // Four invocations per subgroup, the SoA backend's lanes (tests:
            // compute::subgroup_basics).
            subgroup_size: SUBGROUP_SIZE,
            subgroup_supported_stages: vk::ShaderStageFlags::COMPUTE,
            // Over the active lanes of a subgroup of 4, checked against a CPU reference (tests:
            // shaders/compute/subgroup_ops, subgroup_types, spirv::vulkan_1_3_shader_features).
            // A subgroup is one quad. Quad operations are not claimed for all stages: only
            // compute has subgroup operations.
            subgroup_supported_operations: vk::SubgroupFeatureFlags::BASIC
                | vk::SubgroupFeatureFlags::VOTE
                | vk::SubgroupFeatureFlags::ARITHMETIC
                | vk::SubgroupFeatureFlags::BALLOT
                | vk::SubgroupFeatureFlags::SHUFFLE
                | vk::SubgroupFeatureFlags::SHUFFLE_RELATIVE
                | vk::SubgroupFeatureFlags::CLUSTERED
                | vk::SubgroupFeatureFlags::QUAD,
            subgroup_quad_operations_in_all_stages: vk::FALSE,
            point_clipping_behavior: vk::PointClippingBehavior::ALL_CLIP_PLANES,
            // A view mask has 32 bits; every view is one layer of the attachments.
            max_multiview_view_count: MAX_MULTIVIEW_VIEWS,
            // The spec's minimum (2^27 - 1); instance indices come with draws.
            max_multiview_instance_index: (1 << 27) - 1,
            protected_no_fault: vk::FALSE,
            max_per_set_descriptors: 1024,
            max_memory_allocation_size: self.heap.size(),
            ..Default::default()
        }
    }

    pub fn properties12(&self) -> vk::PhysicalDeviceVulkan12Properties<'static> {
        let l = self.limits();
        let mut p = vk::PhysicalDeviceVulkan12Properties {
            driver_id: DRIVER_ID,
            conformance_version: self.conformance,
            // Min/max reduction works on every format with FILTER_MINMAX (all components,
            // any component mapping: it reduces the swizzled texels) (tests:
            // sampling::min_max_reduction_follows_the_spec).
            filter_minmax_single_component_formats: vk::TRUE,
            filter_minmax_image_component_mapping: vk::TRUE,
            // SPV_KHR_float_controls: the modes the compiler honours for 32-bit floats
            // (dispatches run on softvk's threads, whose MXCSR keeps IEEE round-to-nearest-even
            // with denormals; tests: spirv::float_controls). RTZ and flush-to-zero are refused.
            // 64-bit floats are cranelift's f64 instructions under the same MXCSR: the same three
            // modes hold for them (tests: shaders/compute/float64_ext and refuse_float64_rtz).
            // 16-bit floats are computed in f32 and rounded to f16 to nearest even after each
            // operation, denormals, signed zeros, infinities and NaNs kept (tests:
            // shaders/compute/float16_arith), so the same modes hold for them.
            denorm_behavior_independence: vk::ShaderFloatControlsIndependence::ALL,
            rounding_mode_independence: vk::ShaderFloatControlsIndependence::ALL,
            shader_denorm_preserve_float32: vk::TRUE,
            shader_signed_zero_inf_nan_preserve_float32: vk::TRUE,
            shader_rounding_mode_rte_float32: vk::TRUE,
            shader_denorm_preserve_float64: vk::TRUE,
            shader_denorm_preserve_float16: vk::TRUE,
            shader_signed_zero_inf_nan_preserve_float16: vk::TRUE,
            shader_rounding_mode_rte_float16: vk::TRUE,
            shader_signed_zero_inf_nan_preserve_float64: vk::TRUE,
            shader_rounding_mode_rte_float64: vk::TRUE,
            supported_depth_resolve_modes: vk::ResolveModeFlags::SAMPLE_ZERO
                | vk::ResolveModeFlags::AVERAGE
                | vk::ResolveModeFlags::MIN
                | vk::ResolveModeFlags::MAX,
            supported_stencil_resolve_modes: vk::ResolveModeFlags::SAMPLE_ZERO
                | vk::ResolveModeFlags::MIN
                | vk::ResolveModeFlags::MAX,
            independent_resolve_none: vk::TRUE,
            independent_resolve: vk::TRUE,
            max_timeline_semaphore_value_difference: u64::MAX,
            framebuffer_integer_color_sample_counts: ATTACHMENT_SAMPLE_COUNTS,
            // The update-after-bind limits bound every pipeline layout (spec: they are at least
            // the ordinary limits, VUID-VkPipelineLayoutCreateInfo-descriptorType-03022..), even
            // though no binding can be update-after-bind without descriptor indexing.
            max_update_after_bind_descriptors_in_all_pools: 1 << 20,
            max_per_stage_descriptor_update_after_bind_samplers: l
                .max_per_stage_descriptor_samplers,
            max_per_stage_descriptor_update_after_bind_uniform_buffers: l
                .max_per_stage_descriptor_uniform_buffers,
            max_per_stage_descriptor_update_after_bind_storage_buffers: l
                .max_per_stage_descriptor_storage_buffers,
            max_per_stage_descriptor_update_after_bind_sampled_images: l
                .max_per_stage_descriptor_sampled_images,
            max_per_stage_descriptor_update_after_bind_storage_images: l
                .max_per_stage_descriptor_storage_images,
            max_per_stage_descriptor_update_after_bind_input_attachments: l
                .max_per_stage_descriptor_input_attachments,
            max_per_stage_update_after_bind_resources: l.max_per_stage_resources,
            max_descriptor_set_update_after_bind_samplers: l.max_descriptor_set_samplers,
            max_descriptor_set_update_after_bind_uniform_buffers: l
                .max_descriptor_set_uniform_buffers,
            max_descriptor_set_update_after_bind_uniform_buffers_dynamic: l
                .max_descriptor_set_uniform_buffers_dynamic,
            max_descriptor_set_update_after_bind_storage_buffers: l
                .max_descriptor_set_storage_buffers,
            max_descriptor_set_update_after_bind_storage_buffers_dynamic: l
                .max_descriptor_set_storage_buffers_dynamic,
            max_descriptor_set_update_after_bind_sampled_images: l
                .max_descriptor_set_sampled_images,
            max_descriptor_set_update_after_bind_storage_images: l
                .max_descriptor_set_storage_images,
            max_descriptor_set_update_after_bind_input_attachments: l
                .max_descriptor_set_input_attachments,
            ..Default::default()
        };
        write_c_string(&mut p.driver_name, "softvk");
        write_c_string(&mut p.driver_info, &self.driver_info());
        p
    }

    pub fn properties13(&self) -> vk::PhysicalDeviceVulkan13Properties<'static> {
        vk::PhysicalDeviceVulkan13Properties {
            min_subgroup_size: SUBGROUP_SIZE,
            max_subgroup_size: SUBGROUP_SIZE,
            // maxComputeWorkGroupInvocations / 4.
            max_compute_workgroup_subgroups: 1024 / SUBGROUP_SIZE,
            // A compute stage may require the one size there is (min = max = the backend's
            // width); VkPipelineShaderStageRequiredSubgroupSizeCreateInfo is checked against it.
            required_subgroup_size_stages: vk::ShaderStageFlags::COMPUTE,
            storage_texel_buffer_offset_alignment_bytes: 16,
            storage_texel_buffer_offset_single_texel_alignment: vk::FALSE,
            uniform_texel_buffer_offset_alignment_bytes: 16,
            uniform_texel_buffer_offset_single_texel_alignment: vk::FALSE,
            max_buffer_size: self.heap.size(),
            max_inline_uniform_block_size: resource::descriptor::MAX_INLINE_UNIFORM_BLOCK_SIZE,
            max_per_stage_descriptor_inline_uniform_blocks:
                resource::descriptor::MAX_INLINE_UNIFORM_BLOCKS,
            max_per_stage_descriptor_update_after_bind_inline_uniform_blocks:
                resource::descriptor::MAX_INLINE_UNIFORM_BLOCKS,
            max_descriptor_set_inline_uniform_blocks:
                resource::descriptor::MAX_INLINE_UNIFORM_BLOCKS,
            max_descriptor_set_update_after_bind_inline_uniform_blocks:
                resource::descriptor::MAX_INLINE_UNIFORM_BLOCKS,
            max_inline_uniform_total_size: resource::descriptor::MAX_INLINE_UNIFORM_TOTAL_SIZE,
            ..Default::default()
        }
    }

    pub fn memory_properties(&self) -> vk::PhysicalDeviceMemoryProperties {
        let mut m = vk::PhysicalDeviceMemoryProperties {
            memory_type_count: 1,
            memory_heap_count: 1,
            ..Default::default()
        };
        m.memory_types[0] = vk::MemoryType {
            property_flags: vk::MemoryPropertyFlags::DEVICE_LOCAL
                | vk::MemoryPropertyFlags::HOST_VISIBLE
                | vk::MemoryPropertyFlags::HOST_COHERENT
                | vk::MemoryPropertyFlags::HOST_CACHED,
            heap_index: 0,
        };
        m.memory_heaps[0] = vk::MemoryHeap {
            size: self.heap.size(),
            flags: vk::MemoryHeapFlags::DEVICE_LOCAL,
        };
        m
    }

    /// VK_EXT_memory_budget: (budget, usage) of heap 0. The budget is what this process has
    /// allocated plus what the system still has available, capped at the heap size.
    pub fn memory_budget(&self) -> (u64, u64) {
        let (_, available) = crate::platform::memory_figures();
        let used = self.heap.used();
        (used.saturating_add(available).min(self.heap.size()), used)
    }

    pub fn queue_families(&self) -> Vec<vk::QueueFamilyProperties> {
        vec![vk::QueueFamilyProperties {
            // Graphics and compute queues accept the transfer, clear, blit and resolve commands
            // that need them; draws and dispatches are in the pending list until they land.
            queue_flags: vk::QueueFlags::GRAPHICS
                | vk::QueueFlags::COMPUTE
                | vk::QueueFlags::TRANSFER,
            queue_count: QUEUE_COUNT,
            timestamp_valid_bits: 64,
            min_image_transfer_granularity: vk::Extent3D {
                width: 1,
                height: 1,
                depth: 1,
            },
        }]
    }

    /// vkGetPhysicalDeviceImageFormatProperties: what `q` supports, or FormatNotSupported.
    pub fn image_format_properties(
        &self,
        q: &ImageFormatQuery,
    ) -> Result<vk::ImageFormatProperties> {
        let unsupported = |why: &str| {
            Err(Error::unsupported_format(format!(
                "{:?} {:?} {:?} usage {:?} flags {:?}: {why}",
                q.format, q.image_type, q.tiling, q.usage, q.flags
            )))
        };
        // BC formats: 2D images (arrays, cube-compatible) with mips, optimal tiling only.
        let bc = format::bc::info(q.format).is_some();
        let Some(aspects) = format::info(q.format)
            .map(|i| i.aspects)
            .or(bc.then_some(vk::ImageAspectFlags::COLOR))
        else {
            return unsupported("format not supported");
        };
        let ff = format_features(q.format);
        let drm = q.tiling == vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT;
        let features = match q.tiling {
            vk::ImageTiling::LINEAR => ff.linear,
            vk::ImageTiling::OPTIMAL => ff.optimal,
            vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT => {
                match drm_modifiers(q.format)
                    .iter()
                    .find(|m| Some(m.0) == q.drm_modifier)
                {
                    Some(m) => m.2,
                    None => {
                        return unsupported("DRM format modifier not supported for this format");
                    }
                }
            }
            _ => return unsupported("tiling not supported"),
        };
        if features.is_empty() {
            return unsupported("no features for this tiling");
        }
        type U = vk::ImageUsageFlags;
        type F2 = vk::FormatFeatureFlags2;
        let needs = [
            (U::TRANSFER_SRC, F2::TRANSFER_SRC),
            (U::TRANSFER_DST, F2::TRANSFER_DST),
            (U::SAMPLED, F2::SAMPLED_IMAGE),
            (U::STORAGE, F2::STORAGE_IMAGE),
            (U::COLOR_ATTACHMENT, F2::COLOR_ATTACHMENT),
            (U::DEPTH_STENCIL_ATTACHMENT, F2::DEPTH_STENCIL_ATTACHMENT),
            (
                U::INPUT_ATTACHMENT,
                F2::COLOR_ATTACHMENT | F2::DEPTH_STENCIL_ATTACHMENT,
            ),
        ];
        let known = needs.iter().fold(U::empty(), |a, (u, _)| a | *u);
        if !known.contains(q.usage) || q.usage.is_empty() {
            return unsupported("usage not supported");
        }
        for (u, f) in needs {
            if q.usage.contains(u) && !features.intersects(f) {
                return unsupported("the format's features do not cover the usage");
            }
        }
        type C = vk::ImageCreateFlags;
        let mut allowed = C::MUTABLE_FORMAT | C::CUBE_COMPATIBLE | C::ALIAS | C::EXTENDED_USAGE;
        if bc {
            // Uncompressed views addressing blocks as texels (resource/view.rs).
            allowed |= C::BLOCK_TEXEL_VIEW_COMPATIBLE;
        }
        if !allowed.contains(q.flags) {
            return unsupported("create flags not supported");
        }
        let ds = aspects.intersects(vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL);
        if bc && q.image_type != vk::ImageType::TYPE_2D {
            return unsupported("block-compressed images are 2D");
        }
        let (max_extent, max_layers) = match q.image_type {
            vk::ImageType::TYPE_1D => (
                vk::Extent3D {
                    width: resource::MAX_DIMENSION_1D_2D,
                    height: 1,
                    depth: 1,
                },
                resource::MAX_ARRAY_LAYERS,
            ),
            vk::ImageType::TYPE_2D => (
                vk::Extent3D {
                    width: resource::MAX_DIMENSION_1D_2D,
                    height: resource::MAX_DIMENSION_1D_2D,
                    depth: 1,
                },
                resource::MAX_ARRAY_LAYERS,
            ),
            vk::ImageType::TYPE_3D if !ds => (
                vk::Extent3D {
                    width: resource::MAX_DIMENSION_3D,
                    height: resource::MAX_DIMENSION_3D,
                    depth: resource::MAX_DIMENSION_3D,
                },
                1,
            ),
            _ => return unsupported("image type not supported for this format"),
        };
        if q.flags.contains(C::CUBE_COMPATIBLE) && q.image_type != vk::ImageType::TYPE_2D {
            return unsupported("cube compatibility needs a 2D image");
        }
        if drm && (q.image_type != vk::ImageType::TYPE_2D || !q.flags.is_empty()) {
            return unsupported("DRM-modifier images are plain 2D images");
        }
        // Spec (VkImageFormatProperties::sampleCounts): more than one sample only for optimal
        // 2D images without CUBE_COMPATIBLE whose format can be an attachment.
        let multisample = q.tiling == vk::ImageTiling::OPTIMAL
            && q.image_type == vk::ImageType::TYPE_2D
            && !q.flags.contains(C::CUBE_COMPATIBLE)
            // storageImageSampleCounts is 1 (shaderStorageImageMultisample is not reported).
            && !q.usage.contains(U::STORAGE)
            // Shaders do not sample multisampled images (lower/images.rs refuses MS types).
            && !q.usage.contains(U::SAMPLED)
            && features.intersects(F2::COLOR_ATTACHMENT | F2::DEPTH_STENCIL_ATTACHMENT);
        let largest = max_extent
            .width
            .max(max_extent.height)
            .max(max_extent.depth);
        Ok(vk::ImageFormatProperties {
            max_extent,
            max_mip_levels: if drm { 1 } else { 32 - largest.leading_zeros() },
            max_array_layers: if drm { 1 } else { max_layers },
            sample_counts: if multisample {
                ATTACHMENT_SAMPLE_COUNTS
            } else {
                vk::SampleCountFlags::TYPE_1
            },
            max_resource_size: self.heap.size(),
        })
    }
}

/// Writes `s` NUL-terminated into a fixed C char array, truncating if needed.
pub fn write_c_string(dst: &mut [std::ffi::c_char], s: &str) {
    let n = s.len().min(dst.len() - 1);
    for (d, b) in dst.iter_mut().zip(s.bytes().take(n)) {
        *d = b as std::ffi::c_char;
    }
    dst[n] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_and_distinct() {
        let pd = PhysicalDevice::new(Reporter::new());
        assert_eq!(
            pd.driver_uuid(),
            PhysicalDevice::new(Reporter::new()).driver_uuid()
        );
        assert_ne!(pd.driver_uuid(), pd.device_uuid());
        assert!(pd.name().starts_with("softvk ("));
    }

    #[test]
    fn unsupported_image_queries_fail() {
        let pd = PhysicalDevice::new(Reporter::new());
        let q = ImageFormatQuery {
            format: vk::Format::R8G8B8A8_UNORM,
            image_type: vk::ImageType::TYPE_2D,
            tiling: vk::ImageTiling::OPTIMAL,
            usage: vk::ImageUsageFlags::TRANSFER_DST,
            flags: vk::ImageCreateFlags::empty(),
            drm_modifier: None,
        };
        assert!(pd.image_format_properties(&q).is_ok());
        for bad in [
            // 64-bit formats are not sampled (the codec's texels are 32-bit).
            ImageFormatQuery {
                usage: vk::ImageUsageFlags::SAMPLED,
                format: vk::Format::R64_UINT,
                ..q
            },
            // Compressed formats other than BC; BC on linear tiling or in 3D images.
            ImageFormatQuery {
                format: vk::Format::ETC2_R8G8B8_UNORM_BLOCK,
                ..q
            },
            ImageFormatQuery {
                format: vk::Format::BC1_RGB_UNORM_BLOCK,
                tiling: vk::ImageTiling::LINEAR,
                ..q
            },
            ImageFormatQuery {
                format: vk::Format::BC7_UNORM_BLOCK,
                image_type: vk::ImageType::TYPE_3D,
                ..q
            },
            ImageFormatQuery {
                format: vk::Format::D32_SFLOAT,
                tiling: vk::ImageTiling::LINEAR,
                ..q
            },
            ImageFormatQuery {
                flags: vk::ImageCreateFlags::SPARSE_BINDING,
                ..q
            },
        ] {
            assert_eq!(
                pd.image_format_properties(&bad).unwrap_err().kind,
                crate::error::ErrorKind::FormatNotSupported
            );
        }
    }
}
