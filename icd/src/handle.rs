//! Handles <-> driver objects.
//!
//! Dispatchable handles (instance, physical device, device, queue, command buffer) point at a
//! `#[repr(C)]` [`Dispatchable`] whose first word belongs to the loader: it writes its dispatch
//! table pointer there whenever it likes, and the driver never reads it. Non-dispatchable
//! handles are the address of a boxed [`NonDispatchable`]. Both carry the object type, checked
//! on every handle-to-object conversion in debug builds.
//!
//! Lifetimes: an object lives from its create call to its destroy call; the application
//! guarantees (and the validation layer checks) that no other call uses it after destruction.
//! Shared driver state lives in `Arc`s inside, so queued work keeps what it needs.

use crate::objects::*;
use ash::vk::{self, Handle};
use std::cell::UnsafeCell;

/// What the loader expects in the first word of a dispatchable object it has not yet claimed.
pub const ICD_LOADER_MAGIC: usize = 0x01CD_C0DE;

#[repr(C)]
pub struct Dispatchable<T> {
    loader_word: UnsafeCell<usize>,
    tag: vk::ObjectType,
    pub obj: T,
}

// Rule 1 of DESIGN.md: the loader word is at offset 0.
const _: () = assert!(std::mem::offset_of!(Dispatchable<u64>, loader_word) == 0);

#[repr(C)]
pub struct NonDispatchable<T> {
    tag: vk::ObjectType,
    pub obj: T,
}

/// Ties a driver object type to its Vulkan handle type.
pub trait Object: Sized {
    type Handle: Handle + Copy;
}

macro_rules! objects {
    ($($obj:ty => $h:ty),* $(,)?) => { $(impl Object for $obj { type Handle = $h; })* };
}

objects! {
    InstanceObj => vk::Instance,
    PhysicalDeviceObj => vk::PhysicalDevice,
    DeviceObj => vk::Device,
    QueueObj => vk::Queue,
    CommandBufferObj => vk::CommandBuffer,
    MemoryObj => vk::DeviceMemory,
    BufferObj => vk::Buffer,
    BufferViewObj => vk::BufferView,
    ImageObj => vk::Image,
    ImageViewObj => vk::ImageView,
    SamplerObj => vk::Sampler,
    RenderPassObj => vk::RenderPass,
    FramebufferObj => vk::Framebuffer,
    SetLayoutObj => vk::DescriptorSetLayout,
    DescriptorPoolObj => vk::DescriptorPool,
    DescriptorSetObj => vk::DescriptorSet,
    UpdateTemplateObj => vk::DescriptorUpdateTemplate,
    ShaderModuleObj => vk::ShaderModule,
    PipelineCacheObj => vk::PipelineCache,
    PipelineLayoutObj => vk::PipelineLayout,
    PipelineObj => vk::Pipeline,
    FenceObj => vk::Fence,
    SemaphoreObj => vk::Semaphore,
    EventObj => vk::Event,
    QueryPoolObj => vk::QueryPool,
    CommandPoolObj => vk::CommandPool,
    PrivateDataSlotObj => vk::PrivateDataSlot,
    MessengerObj => vk::DebugUtilsMessengerEXT,
}

/// Objects behind dispatchable handles.
pub trait IsDispatchable: Object {}
impl IsDispatchable for InstanceObj {}
impl IsDispatchable for PhysicalDeviceObj {}
impl IsDispatchable for DeviceObj {}
impl IsDispatchable for QueueObj {}
impl IsDispatchable for CommandBufferObj {}

/// A new dispatchable object; its handle is stable for its lifetime.
pub fn new_dispatchable<T: IsDispatchable>(obj: T) -> Box<Dispatchable<T>> {
    Box::new(Dispatchable {
        loader_word: UnsafeCell::new(ICD_LOADER_MAGIC),
        tag: T::Handle::TYPE,
        obj,
    })
}

pub fn dispatchable_handle<T: IsDispatchable>(d: &Dispatchable<T>) -> T::Handle {
    T::Handle::from_raw(d as *const Dispatchable<T> as u64)
}

/// Hands a boxed dispatchable object to the application.
pub fn leak_dispatchable<T: IsDispatchable>(d: Box<Dispatchable<T>>) -> T::Handle {
    T::Handle::from_raw(Box::into_raw(d) as u64)
}

/// A new non-dispatchable object and its handle.
pub fn new_handle<T: Object>(obj: T) -> T::Handle {
    let b = Box::new(NonDispatchable {
        tag: T::Handle::TYPE,
        obj,
    });
    T::Handle::from_raw(Box::into_raw(b) as u64)
}

/// The object behind a handle; `None` for VK_NULL_HANDLE.
///
/// # Safety
/// `h` is null or a live handle of this driver of type `T::Handle`.
pub unsafe fn get<'a, T: Object>(h: T::Handle) -> Option<&'a T> {
    let raw = h.as_raw();
    if raw == 0 {
        return None;
    }
    // SAFETY: by the caller's contract, raw is the address of a live NonDispatchable<T>.
    let nd = unsafe { &*(raw as *const NonDispatchable<T>) };
    debug_assert_eq!(nd.tag, T::Handle::TYPE, "handle of the wrong type");
    Some(&nd.obj)
}

/// Takes back ownership of a non-dispatchable object (destroy).
///
/// # Safety
/// `h` is null or a live handle of this driver of type `T::Handle`, not used afterwards.
pub unsafe fn take<T: Object>(h: T::Handle) -> Option<T> {
    let raw = h.as_raw();
    if raw == 0 {
        return None;
    }
    // SAFETY: created by new_handle::<T>; ownership returns to us exactly once.
    let nd = unsafe { Box::from_raw(raw as *mut NonDispatchable<T>) };
    debug_assert_eq!(nd.tag, T::Handle::TYPE, "handle of the wrong type");
    Some(nd.obj)
}

/// The object behind a dispatchable handle; `None` for null.
///
/// # Safety
/// `h` is null or a live dispatchable handle of this driver of type `T::Handle`.
pub unsafe fn get_dispatchable<'a, T: IsDispatchable>(h: T::Handle) -> Option<&'a T> {
    let raw = h.as_raw();
    if raw == 0 {
        return None;
    }
    // SAFETY: by contract raw is a live Dispatchable<T>; the loader word is never read.
    let d = unsafe { &*(raw as *const Dispatchable<T>) };
    debug_assert_eq!(d.tag, T::Handle::TYPE, "handle of the wrong type");
    Some(&d.obj)
}

/// Takes back ownership of a dispatchable object (destroy/free).
///
/// # Safety
/// As [`get_dispatchable`], and the handle is not used afterwards.
pub unsafe fn take_dispatchable<T: IsDispatchable>(h: T::Handle) -> Option<Box<Dispatchable<T>>> {
    let raw = h.as_raw();
    if raw == 0 {
        return None;
    }
    // SAFETY: created by leak_dispatchable::<T>.
    Some(unsafe { Box::from_raw(raw as *mut Dispatchable<T>) })
}

// Shorthands used by the generated pending stubs.

/// # Safety
/// As [`get_dispatchable`].
#[allow(dead_code)] // the pending stubs' reporting (crate::pending)
pub unsafe fn device_opt<'a>(h: vk::Device) -> Option<&'a DeviceObj> {
    unsafe { get_dispatchable::<DeviceObj>(h) }
}
