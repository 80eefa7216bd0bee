//! The objects behind handles: a core object plus what only the ABI layer needs.

use crate::handle::Dispatchable;
use crate::messenger::DebugMessenger;
use ash::vk;
use softvk::command::{CommandBuffer, CommandPool};
use softvk::device::Device;
use softvk::instance::Instance;
use softvk::log::Reporter;
use softvk::memory::DeviceMemory;
use softvk::physical_device::PhysicalDevice;
use softvk::pipeline::{ComputePipeline, PipelineCache, PipelineLayout, ShaderModule};
use softvk::query::QueryPool;
use softvk::queue::Queue;
use softvk::render_pass::{Framebuffer, RenderPass};
use softvk::resource::descriptor::{DescriptorPool, DescriptorSet, SetLayout};
use softvk::resource::{Buffer, BufferView, Image, ImageView, Sampler};
use softvk::sync::{Event, Fence, Semaphore};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct InstanceObj {
    pub core: Instance,
    pub physical: Box<Dispatchable<PhysicalDeviceObj>>,
    /// Messengers chained into VkInstanceCreateInfo: active during create and destroy only.
    pub create_messengers: Vec<DebugMessenger>,
}

pub struct PhysicalDeviceObj {
    pub core: Arc<PhysicalDevice>,
    /// VkApplicationInfo::apiVersion of the instance (0 = 1.0).
    pub instance_api_version: u32,
    /// Whether VK_EXT_debug_utils is enabled on the instance (its device commands then resolve).
    pub debug_utils: bool,
}

pub struct DeviceObj {
    pub core: Arc<Device>,
    /// Each queue's address is its handle: boxed, so it never moves.
    #[allow(clippy::vec_box)]
    pub queues: Vec<Box<Dispatchable<QueueObj>>>,
    /// Minor version of the device's effective API version (min of instance and device).
    pub api_minor: u32,
    pub debug_utils: bool,
    /// Names from vkSetDebugUtilsObjectNameEXT, by handle.
    pub names: Mutex<HashMap<u64, String>>,
}

impl DeviceObj {
    pub fn reporter(&self) -> &Reporter {
        self.core.reporter()
    }
}

pub struct QueueObj {
    pub core: Arc<Queue>,
}

pub struct CommandBufferObj {
    pub core: Arc<CommandBuffer>,
    pub device: Arc<Device>,
}

pub struct CommandPoolObj {
    pub core: Arc<CommandPool>,
    /// Raw handles of the command buffers allocated from this pool and not yet freed.
    pub buffers: Mutex<Vec<u64>>,
}

pub struct MemoryObj(pub Arc<DeviceMemory>);
pub struct BufferObj(pub Arc<Buffer>);
pub struct BufferViewObj(pub Arc<BufferView>);
pub struct ImageObj(pub Arc<Image>);
pub struct ImageViewObj(pub Arc<ImageView>);
pub struct SamplerObj(pub Arc<Sampler>);
pub struct RenderPassObj(pub Arc<RenderPass>);
pub struct FramebufferObj(pub Arc<Framebuffer>);
pub struct FenceObj(pub Arc<Fence>);
pub struct SetLayoutObj(pub Arc<SetLayout>);
pub struct DescriptorPoolObj {
    pub core: Arc<DescriptorPool>,
    /// Raw handles of the sets allocated from this pool and not yet freed (they die with it).
    pub sets: Mutex<Vec<u64>>,
}
pub struct DescriptorSetObj(pub Arc<DescriptorSet>);
pub struct UpdateTemplateObj {
    pub entries: Vec<vk::DescriptorUpdateTemplateEntry>,
    /// For a push-descriptor template: the pipeline layout's set layout it writes.
    pub push: Option<(
        vk::PipelineBindPoint,
        std::sync::Arc<softvk::pipeline::PipelineLayout>,
        u32,
    )>,
}
pub struct ShaderModuleObj(pub Arc<ShaderModule>);
pub struct PipelineCacheObj(pub PipelineCache);
pub struct PipelineLayoutObj(pub Arc<PipelineLayout>);
pub enum PipelineObj {
    Compute(Arc<ComputePipeline>),
    Graphics(Arc<softvk::pipeline::GraphicsPipeline>),
}
pub struct SemaphoreObj(pub Arc<Semaphore>);
pub struct EventObj(pub Arc<Event>);
pub struct QueryPoolObj(pub Arc<QueryPool>);
pub struct PrivateDataSlotObj(pub u64);

pub struct MessengerObj {
    pub reporter: Arc<Reporter>,
    pub id: u64,
}
