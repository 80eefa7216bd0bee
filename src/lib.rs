//! softvk's driver core: a Vulkan implementation that runs on the CPU, in safe Rust.
//!
//! This crate holds the behaviour; the `softvk-icd` crate turns it into the C ABI the Khronos
//! loader calls (handles, pNext chains, `VkResult`s). Nothing here sees a raw Vulkan handle or
//! walks a pNext chain; the only `unsafe` code is the system-call layer ([`platform`]) and the
//! access to mapped device memory ([`memory`]).
//!
//! ```
//! use softvk::{device::{Device, DeviceDesc}, instance::{Instance, InstanceDesc}, log::Reporter};
//! use softvk::command::{Command, CommandPool};
//! use softvk::queue::Batch;
//! use softvk::resource::{Buffer, BufferDesc};
//! use softvk::sync::Fence;
//! use ash::vk;
//! use std::sync::Arc;
//!
//! let instance = Instance::new(InstanceDesc::default(), Reporter::new()).unwrap();
//! let device = Device::new(
//!     instance.physical_device().clone(),
//!     DeviceDesc { queues: vec![(0, 1)], ..Default::default() },
//! ).unwrap();
//! let memory = Arc::new(device.allocate_memory(4096, 0, false).unwrap());
//! let buffer = Arc::new(Buffer::new(BufferDesc {
//!     size: 4096,
//!     usage: vk::BufferUsageFlags::TRANSFER_DST,
//!     flags: vk::BufferCreateFlags::empty(),
//! }).unwrap());
//! buffer.bind(memory.clone(), 0).unwrap();
//!
//! let pool = CommandPool::new(vk::CommandPoolCreateFlags::empty(), 0).unwrap();
//! let cb = pool.allocate(vk::CommandBufferLevel::PRIMARY);
//! cb.begin().unwrap();
//! cb.record(Command::FillBuffer { dst: buffer.clone(), offset: 0, size: 4096, data: 0xABCD_1234 }).unwrap();
//! cb.end().unwrap();
//!
//! let fence = Arc::new(Fence::new(false, device.sync_identity(), false).unwrap());
//! let queue = device.queue(0, 0).unwrap();
//! queue.submit(vec![Batch { command_buffers: vec![cb.executable().unwrap()], ..Default::default() }],
//!              Some(fence.for_signal())).unwrap();
//! assert!(Fence::wait_many(&[fence], true, None));
//! let mut word = [0u8; 4];
//! buffer.span(4092, 4).unwrap().read(0, &mut word);
//! assert_eq!(u32::from_le_bytes(word), 0xABCD_1234);
//! ```

pub mod command;
pub mod device;
pub mod error;
pub mod exec;
pub mod format;
pub mod instance;
pub mod log;
pub mod memory;
pub mod physical_device;
pub mod pipeline;
pub mod platform;
pub mod query;
pub mod queue;
pub mod raster;
pub mod render_pass;
pub mod resource;
pub mod shader;
pub mod sync;

pub use error::{Error, ErrorKind, Result};
