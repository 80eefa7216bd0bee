//! Errors of the driver core.
//!
//! Every fallible core operation returns [`Result`]. An [`Error`] carries the kind (which
//! becomes a `VkResult` exactly once, at the ABI boundary in `icd/`) and a message for the
//! application (delivered through VK_EXT_debug_utils messengers and `SOFTVK_LOG` by that same
//! boundary). Non-error statuses (`VK_TIMEOUT`, `VK_NOT_READY`, ...) are ordinary return values,
//! never errors.

use std::fmt;

/// What went wrong, in the terms of the `VkResult` error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    OutOfHostMemory,
    OutOfDeviceMemory,
    InitializationFailed,
    DeviceLost,
    MemoryMapFailed,
    LayerNotPresent,
    ExtensionNotPresent,
    FeatureNotPresent,
    IncompatibleDriver,
    TooManyObjects,
    FormatNotSupported,
    InvalidExternalHandle,
    OutOfPoolMemory,
    /// Invalid use that no valid application makes (a validation-layer error): refused cleanly.
    InvalidUsage,
    /// A failure inside the driver (a caught panic, an unexpected OS error).
    Unknown,
}

/// An error with the message that explains it to the application.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidUsage, message)
    }
    pub fn device_memory(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::OutOfDeviceMemory, message)
    }
    pub fn host_memory(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::OutOfHostMemory, message)
    }
    pub fn unsupported_format(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::FormatNotSupported, message)
    }
    /// An OS error; `what` says what the driver was doing.
    pub fn os(what: &str, err: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Unknown, format!("{what}: {err}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}
