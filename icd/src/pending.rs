//! THE pending list: core commands of the reported API version whose capability comes with
//! later work (shader modules, pipelines, descriptor sets, dispatches, draws, render passes).
//!
//! Each name here gets a generated stub (`generated/autogen_pending.rs`, by
//! `cargo xtask codegen`) with the command's exact signature. A stub reports the call
//! through VK_EXT_debug_utils and `SOFTVK_LOG` at error severity, returns
//! `VK_ERROR_FEATURE_NOT_PRESENT` where the command returns a `VkResult` (output handles are set
//! to `VK_NULL_HANDLE`), and records nothing into a command buffer. It never crashes.
//!
//! This list only shrinks: when a command is implemented, delete its line here, assign the
//! implementation in `entrypoints.rs` and rerun `cargo xtask codegen`. A unit test fails if a
//! command is both pending and implemented, and the completeness test prints this list.

use crate::handle;
use ash::vk;
use softvk::log::Severity;

#[allow(dead_code)] // read by `cargo xtask codegen` and by the completeness tests
pub const PENDING: &[&str] = &[
    // shader modules and pipelines
    "vkCreateShaderModule",
    "vkDestroyShaderModule",
    "vkCreatePipelineCache",
    "vkDestroyPipelineCache",
    "vkGetPipelineCacheData",
    "vkMergePipelineCaches",
    "vkCreateGraphicsPipelines",
    "vkCreateComputePipelines",
    "vkDestroyPipeline",
    "vkCreatePipelineLayout",
    "vkDestroyPipelineLayout",
    // descriptor sets
    "vkCreateDescriptorSetLayout",
    "vkDestroyDescriptorSetLayout",
    "vkGetDescriptorSetLayoutSupport",
    "vkCreateDescriptorPool",
    "vkDestroyDescriptorPool",
    "vkResetDescriptorPool",
    "vkAllocateDescriptorSets",
    "vkFreeDescriptorSets",
    "vkUpdateDescriptorSets",
    "vkCreateDescriptorUpdateTemplate",
    "vkDestroyDescriptorUpdateTemplate",
    "vkUpdateDescriptorSetWithTemplate",
    "vkCreateSamplerYcbcrConversion",
    "vkDestroySamplerYcbcrConversion",
    // pipeline state, bindings, dispatches and draws
    "vkCmdBindPipeline",
    "vkCmdBindDescriptorSets",
    "vkCmdPushConstants",
    "vkCmdBindIndexBuffer",
    "vkCmdBindVertexBuffers",
    "vkCmdBindVertexBuffers2",
    "vkCmdSetViewport",
    "vkCmdSetScissor",
    "vkCmdSetLineWidth",
    "vkCmdSetDepthBias",
    "vkCmdSetBlendConstants",
    "vkCmdSetDepthBounds",
    "vkCmdSetStencilCompareMask",
    "vkCmdSetStencilWriteMask",
    "vkCmdSetStencilReference",
    "vkCmdSetCullMode",
    "vkCmdSetFrontFace",
    "vkCmdSetPrimitiveTopology",
    "vkCmdSetViewportWithCount",
    "vkCmdSetScissorWithCount",
    "vkCmdSetDepthTestEnable",
    "vkCmdSetDepthWriteEnable",
    "vkCmdSetDepthCompareOp",
    "vkCmdSetDepthBoundsTestEnable",
    "vkCmdSetStencilTestEnable",
    "vkCmdSetStencilOp",
    "vkCmdSetRasterizerDiscardEnable",
    "vkCmdSetDepthBiasEnable",
    "vkCmdSetPrimitiveRestartEnable",
    "vkCmdDispatch",
    "vkCmdDispatchBase",
    "vkCmdDispatchIndirect",
    "vkCmdDraw",
    "vkCmdDrawIndexed",
    "vkCmdDrawIndirect",
    "vkCmdDrawIndexedIndirect",
    "vkCmdDrawIndirectCount",
    "vkCmdDrawIndexedIndirectCount",
];

fn report(name: &str, reporter: Option<&softvk::log::Reporter>) {
    let msg = format!(
        "{name} is pending in softvk (its capability has not landed yet); the call was ignored"
    );
    match reporter {
        Some(r) => r.report(Severity::Error, "softvk-pending", &msg),
        None => softvk::log::stderr(Severity::Error, &msg),
    }
}

/// # Safety
/// `device` is a VkDevice handle of this driver (or null).
pub unsafe fn report_device(name: &str, device: vk::Device) {
    let dev = unsafe { handle::device_opt(device) };
    report(name, dev.map(|d| d.reporter()));
}

/// # Safety
/// `cb` is a VkCommandBuffer handle of this driver (or null).
pub unsafe fn report_command_buffer(name: &str, cb: vk::CommandBuffer) {
    let cmd = unsafe { handle::command_buffer_opt(cb) };
    report(name, cmd.map(|c| &**c.device.reporter()));
}
