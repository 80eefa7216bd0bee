//! Buffers, images, views, samplers and descriptor sets.
//!
//! A resource is created unbound; binding memory (once, as Vulkan requires) records the
//! allocation and offset. Commands reach a resource's bytes through [`Buffer::span`] and
//! [`Image::texel_span`]-style accessors that check binding and range, so a command on an
//! unbound or out-of-range resource fails with an error instead of touching foreign memory.

mod buffer;
pub mod descriptor;
mod image;
mod view;

pub use buffer::{Buffer, BufferDesc};
pub use image::{
    DRM_FORMAT_MOD_LINEAR, DrmLayout, Image, ImageDesc, MAX_ARRAY_LAYERS, MAX_DIMENSION_1D_2D,
    MAX_DIMENSION_3D, MipLayout, Plane, SubresourceLayout, mip_extent,
};
pub use view::{BufferView, ImageView, MAX_TEXEL_BUFFER_ELEMENTS, Sampler, SamplerDesc};

use crate::memory::DeviceMemory;
use std::sync::Arc;

/// Memory requirements of a resource (one memory type: bit 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requirements {
    pub size: u64,
    pub alignment: u64,
    pub memory_type_bits: u32,
    /// The driver prefers (and for some resources requires) a dedicated allocation.
    pub prefers_dedicated: bool,
    pub requires_dedicated: bool,
}

/// Where a resource's memory is.
#[derive(Debug, Clone)]
pub struct Binding {
    pub memory: Arc<DeviceMemory>,
    pub offset: u64,
}

pub(crate) fn align_up(v: u64, a: u64) -> u64 {
    v.div_ceil(a) * a
}
