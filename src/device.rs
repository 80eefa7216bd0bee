//! The logical device: queues, memory allocation, private data.
//!
//! Creation checks every requested queue, extension and feature against what the physical
//! device reports and fails with the matching error (VK_ERROR_FEATURE_NOT_PRESENT,
//! VK_ERROR_EXTENSION_NOT_PRESENT) instead of pretending. Destruction stops the queue workers.

use crate::error::{Error, ErrorKind, Result};
use crate::log::Reporter;
use crate::memory::{DeviceMemory, FdKind};
use crate::physical_device::{self, PhysicalDevice};
use crate::queue::Queue;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default)]
pub struct DeviceDesc {
    /// (queue family, queue count) per VkDeviceQueueCreateInfo.
    pub queues: Vec<(u32, u32)>,
    pub extensions: Vec<String>,
    /// Names of the enabled features (any feature structure's member names).
    pub features: Vec<String>,
}

pub struct Device {
    physical: Arc<PhysicalDevice>,
    queues: Vec<Arc<Queue>>,
    extensions: Vec<String>,
    features: Vec<String>,
    private_data: Mutex<HashMap<(u64, u64), u64>>,
    next_slot: AtomicU64,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("queues", &self.queues)
            .field("extensions", &self.extensions)
            .field("features", &self.features)
            .finish()
    }
}

impl Device {
    pub fn new(physical: Arc<PhysicalDevice>, desc: DeviceDesc) -> Result<Arc<Self>> {
        let families = physical.queue_families();
        let mut seen = vec![];
        for &(family, count) in &desc.queues {
            let Some(fp) = families.get(family as usize) else {
                return Err(Error::invalid(format!(
                    "queueFamilyIndex {family} does not exist \
                     (VUID-VkDeviceQueueCreateInfo-queueFamilyIndex-00381)"
                )));
            };
            if count == 0 || count > fp.queue_count {
                return Err(Error::invalid(format!(
                    "queueCount {count} is outside 1..={} (VUID-VkDeviceQueueCreateInfo-queueCount-00382)",
                    fp.queue_count
                )));
            }
            if seen.contains(&family) {
                return Err(Error::invalid(
                    "a queue family appears twice (VUID-VkDeviceCreateInfo-queueFamilyIndex-02802)",
                ));
            }
            seen.push(family);
        }
        for e in &desc.extensions {
            if !physical_device::DEVICE_EXTENSIONS.contains(&e.as_str()) {
                return Err(Error::new(
                    ErrorKind::ExtensionNotPresent,
                    format!("device extension {e} is not supported"),
                ));
            }
        }
        for f in &desc.features {
            if !physical_device::feature_supported(f) {
                return Err(Error::new(
                    ErrorKind::FeatureNotPresent,
                    format!("feature {f} is not supported"),
                ));
            }
        }
        let mut queues = vec![];
        for &(family, count) in &desc.queues {
            for index in 0..count {
                queues.push(Queue::new(family, index, physical.reporter().clone())?);
            }
        }
        Ok(Arc::new(Device {
            physical,
            queues,
            extensions: desc.extensions,
            features: desc.features,
            private_data: Mutex::new(HashMap::new()),
            next_slot: AtomicU64::new(1),
        }))
    }

    pub fn physical(&self) -> &Arc<PhysicalDevice> {
        &self.physical
    }

    pub fn reporter(&self) -> &Arc<Reporter> {
        self.physical.reporter()
    }

    /// The build identity shared payload pages carry (driverUUID, deviceUUID).
    pub fn sync_identity(&self) -> crate::sync::Identity {
        let mut id = [0u8; 32];
        id[..16].copy_from_slice(&self.physical.driver_uuid());
        id[16..].copy_from_slice(&self.physical.device_uuid());
        id
    }

    /// Whether the application enabled feature `name` (a feature structure's member name).
    pub fn feature_enabled(&self, name: &str) -> bool {
        self.features.iter().any(|f| f == name)
    }

    pub fn extension_enabled(&self, name: &str) -> bool {
        self.extensions.iter().any(|e| e == name)
    }

    pub fn queue(&self, family: u32, index: u32) -> Option<&Arc<Queue>> {
        self.queues
            .iter()
            .find(|q| q.family() == family && q.index() == index)
    }

    pub fn queues(&self) -> &[Arc<Queue>] {
        &self.queues
    }

    /// vkDeviceWaitIdle.
    pub fn wait_idle(&self) -> Result<()> {
        for q in &self.queues {
            q.wait_idle()?;
        }
        Ok(())
    }

    fn check_type(type_index: u32) -> Result<()> {
        if type_index != 0 {
            return Err(Error::invalid(format!(
                "memoryTypeIndex {type_index} does not exist (there is one type, 0) \
                 (VUID-vkAllocateMemory-pAllocateInfo-01714)"
            )));
        }
        Ok(())
    }

    /// vkAllocateMemory; `exportable` keeps the memfd for vkGetMemoryFdKHR.
    pub fn allocate_memory(
        &self,
        size: u64,
        type_index: u32,
        exportable: bool,
    ) -> Result<DeviceMemory> {
        Self::check_type(type_index)?;
        let identity = self.physical.memory_identity();
        DeviceMemory::allocate(
            self.physical.heap(),
            size,
            type_index,
            exportable.then_some(identity.as_str()),
        )
    }

    /// vkAllocateMemory with VkImportMemoryFdInfoKHR: the fd comes back on failure.
    pub fn import_memory_fd(
        &self,
        fd: std::os::fd::OwnedFd,
        kind: FdKind,
        size: u64,
        type_index: u32,
    ) -> std::result::Result<DeviceMemory, (Error, std::os::fd::OwnedFd)> {
        if let Err(e) = Self::check_type(type_index) {
            return Err((e, fd));
        }
        DeviceMemory::import_fd(fd, kind, size, type_index, &self.physical.memory_identity())
    }

    /// vkAllocateMemory with VkImportMemoryHostPointerInfoEXT.
    pub fn import_memory_host(
        &self,
        addr: usize,
        size: u64,
        type_index: u32,
    ) -> Result<DeviceMemory> {
        Self::check_type(type_index)?;
        DeviceMemory::import_host(addr, size, type_index)
    }

    /// vkCreatePrivateDataSlot.
    pub fn create_private_data_slot(&self) -> u64 {
        self.next_slot.fetch_add(1, Ordering::Relaxed)
    }

    /// vkDestroyPrivateDataSlot.
    pub fn destroy_private_data_slot(&self, slot: u64) {
        self.private_data
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(s, _), _| *s != slot);
    }

    /// vkSetPrivateData.
    pub fn set_private_data(&self, slot: u64, object: u64, value: u64) {
        self.private_data
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((slot, object), value);
    }

    /// vkGetPrivateData: 0 when never set.
    pub fn private_data(&self, slot: u64, object: u64) -> u64 {
        self.private_data
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(slot, object))
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        for q in &self.queues {
            q.shutdown();
        }
    }
}
