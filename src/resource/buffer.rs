use super::{Binding, Requirements, align_up};
use crate::error::{Error, Result};
use crate::memory::addresses::{self, AddressKey};
use crate::memory::{DeviceMemory, Span};
use ash::vk;
use std::sync::{Arc, Mutex, OnceLock};

/// Alignment of buffer memory: a cache line, so texel and SIMD accesses never straddle one
/// needlessly.
pub const BUFFER_ALIGNMENT: u64 = 64;

#[derive(Clone, Copy, Debug)]
pub struct BufferDesc {
    pub size: u64,
    pub usage: vk::BufferUsageFlags,
    pub flags: vk::BufferCreateFlags,
}

/// One VkBuffer.
#[derive(Debug)]
pub struct Buffer {
    desc: BufferDesc,
    binding: OnceLock<Binding>,
    /// The device-address registration (SHADER_DEVICE_ADDRESS buffers, from bind to destroy).
    address: Mutex<Option<AddressKey>>,
}

impl Buffer {
    pub fn new(desc: BufferDesc) -> Result<Self> {
        if desc.size == 0 {
            return Err(Error::invalid(
                "buffer size is 0 (VUID-VkBufferCreateInfo-size-00912)",
            ));
        }
        let sparse = vk::BufferCreateFlags::SPARSE_BINDING
            | vk::BufferCreateFlags::SPARSE_RESIDENCY
            | vk::BufferCreateFlags::SPARSE_ALIASED;
        if desc.flags.intersects(sparse) {
            return Err(Error::new(
                crate::error::ErrorKind::FeatureNotPresent,
                "sparse buffers are not supported (sparseBinding is not reported)",
            ));
        }
        if desc
            .flags
            .contains(vk::BufferCreateFlags::DEVICE_ADDRESS_CAPTURE_REPLAY)
        {
            return Err(Error::new(
                crate::error::ErrorKind::FeatureNotPresent,
                "device address capture/replay is not supported \
                 (bufferDeviceAddressCaptureReplay is not reported; VUID-VkBufferCreateInfo-flags-03338)",
            ));
        }
        if desc.flags.contains(vk::BufferCreateFlags::PROTECTED) {
            return Err(Error::new(
                crate::error::ErrorKind::FeatureNotPresent,
                "protected buffers are not supported (protectedMemory is not reported)",
            ));
        }
        Ok(Buffer {
            desc,
            binding: OnceLock::new(),
            address: Mutex::new(None),
        })
    }

    pub fn size(&self) -> u64 {
        self.desc.size
    }

    pub fn desc(&self) -> &BufferDesc {
        &self.desc
    }

    pub fn requirements(desc: &BufferDesc) -> Requirements {
        Requirements {
            size: align_up(desc.size, 16),
            alignment: BUFFER_ALIGNMENT,
            memory_type_bits: 1,
            prefers_dedicated: false,
            requires_dedicated: false,
        }
    }

    /// vkBindBufferMemory.
    pub fn bind(&self, memory: Arc<DeviceMemory>, offset: u64) -> Result<()> {
        let req = Self::requirements(&self.desc);
        if !offset.is_multiple_of(req.alignment) {
            return Err(Error::invalid(format!(
                "memoryOffset {offset} is not a multiple of the buffer's alignment {} \
                 (VUID-vkBindBufferMemory-memoryOffset-01036)",
                req.alignment
            )));
        }
        if offset
            .checked_add(self.desc.size)
            .is_none_or(|end| end > memory.size())
        {
            return Err(Error::invalid(format!(
                "buffer of {} bytes at offset {offset} does not fit an allocation of {} bytes \
                 (VUID-vkBindBufferMemory-size-01037)",
                self.desc.size,
                memory.size()
            )));
        }
        self.binding
            .set(Binding {
                memory: memory.clone(),
                offset,
            })
            .map_err(|_| {
                Error::invalid("buffer is already bound (VUID-vkBindBufferMemory-buffer-07459)")
            })?;
        if self
            .desc
            .usage
            .contains(vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS)
        {
            *self.address.lock().unwrap_or_else(|e| e.into_inner()) =
                addresses::register(memory, offset, self.desc.size);
        }
        Ok(())
    }

    /// vkDestroyBuffer: the buffer's device address stops being valid for later dispatches
    /// (commands already holding the buffer keep its memory alive, not its address).
    pub fn destroy(&self) {
        if let Some(k) = self
            .address
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            addresses::unregister(k);
        }
    }

    pub fn binding(&self) -> Option<&Binding> {
        self.binding.get()
    }

    /// The bytes `offset .. offset + len` of the buffer.
    pub fn span(&self, offset: u64, len: u64) -> Result<Span<'_>> {
        let b = self
            .binding
            .get()
            .ok_or_else(|| Error::invalid("buffer has no memory bound"))?;
        if offset.checked_add(len).is_none_or(|e| e > self.desc.size) {
            return Err(Error::invalid(format!(
                "range {offset}+{len} is outside the buffer of {} bytes",
                self.desc.size
            )));
        }
        b.memory
            .span(b.offset + offset, len)
            .ok_or_else(|| Error::invalid("buffer range is outside its memory"))
    }

    /// vkGetBufferDeviceAddress: the host address of the buffer's first byte (0 before it is
    /// bound). Shaders reach it only while the buffer is registered (see
    /// [`crate::memory::addresses`]).
    pub fn device_address(&self) -> u64 {
        self.binding
            .get()
            .and_then(|b| b.memory.host_address(b.offset))
            .map(|p| p as u64)
            .unwrap_or(0)
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        self.destroy();
    }
}
