//! The instance: API version, enabled extensions, the reporter, the physical device.

use crate::error::{Error, ErrorKind, Result};
use crate::log::Reporter;
use crate::physical_device::{self, PhysicalDevice};
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct InstanceDesc {
    /// The application's VkApplicationInfo::apiVersion (0 means 1.0).
    pub api_version: u32,
    pub extensions: Vec<String>,
}

#[derive(Debug)]
pub struct Instance {
    reporter: Arc<Reporter>,
    api_version: u32,
    extensions: Vec<String>,
    physical: Arc<PhysicalDevice>,
}

impl Instance {
    /// `reporter` already carries the messengers chained into VkInstanceCreateInfo.
    pub fn new(desc: InstanceDesc, reporter: Arc<Reporter>) -> Result<Self> {
        for e in &desc.extensions {
            if !physical_device::INSTANCE_EXTENSIONS.contains(&e.as_str()) {
                return Err(Error::new(
                    ErrorKind::ExtensionNotPresent,
                    format!("instance extension {e} is not supported"),
                ));
            }
        }
        let api_version = if desc.api_version == 0 {
            ash::vk::API_VERSION_1_0
        } else {
            desc.api_version
        };
        Ok(Instance {
            physical: Arc::new(PhysicalDevice::new(reporter.clone())),
            reporter,
            api_version,
            extensions: desc.extensions,
        })
    }

    pub fn reporter(&self) -> &Arc<Reporter> {
        &self.reporter
    }

    /// The version the application asked for (commands above it are not exposed).
    pub fn api_version(&self) -> u32 {
        self.api_version
    }

    pub fn extension_enabled(&self, name: &str) -> bool {
        self.extensions.iter().any(|e| e == name)
    }

    pub fn physical_device(&self) -> &Arc<PhysicalDevice> {
        &self.physical
    }
}
