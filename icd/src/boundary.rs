//! The boundary between the C ABI and the core: errors become `VkResult`s exactly once,
//! are reported (debug-utils messengers and `SOFTVK_LOG`), and no panic crosses
//! `extern "system"`. Also the small helpers every shim uses to read the application's arrays
//! and strings.

use ash::vk;
use softvk::error::{Error, ErrorKind, Result};
use softvk::log::{Kind, Reporter, Severity};
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

pub fn vk_result(kind: ErrorKind) -> vk::Result {
    match kind {
        ErrorKind::OutOfHostMemory => vk::Result::ERROR_OUT_OF_HOST_MEMORY,
        ErrorKind::OutOfDeviceMemory => vk::Result::ERROR_OUT_OF_DEVICE_MEMORY,
        ErrorKind::InitializationFailed => vk::Result::ERROR_INITIALIZATION_FAILED,
        ErrorKind::DeviceLost => vk::Result::ERROR_DEVICE_LOST,
        ErrorKind::MemoryMapFailed => vk::Result::ERROR_MEMORY_MAP_FAILED,
        ErrorKind::LayerNotPresent => vk::Result::ERROR_LAYER_NOT_PRESENT,
        ErrorKind::ExtensionNotPresent => vk::Result::ERROR_EXTENSION_NOT_PRESENT,
        ErrorKind::FeatureNotPresent => vk::Result::ERROR_FEATURE_NOT_PRESENT,
        ErrorKind::IncompatibleDriver => vk::Result::ERROR_INCOMPATIBLE_DRIVER,
        ErrorKind::TooManyObjects => vk::Result::ERROR_TOO_MANY_OBJECTS,
        ErrorKind::FormatNotSupported => vk::Result::ERROR_FORMAT_NOT_SUPPORTED,
        ErrorKind::InvalidExternalHandle => vk::Result::ERROR_INVALID_EXTERNAL_HANDLE,
        ErrorKind::OutOfPoolMemory => vk::Result::ERROR_OUT_OF_POOL_MEMORY,
        // "A command failed because invalid usage was detected by the implementation".
        ErrorKind::InvalidUsage => vk::Result::ERROR_VALIDATION_FAILED_EXT,
        ErrorKind::Unknown => vk::Result::ERROR_UNKNOWN,
    }
}

/// Reports an error of `command`.
pub fn report(reporter: Option<&Reporter>, command: &str, e: &Error) {
    let (severity, kind) = match e.kind {
        ErrorKind::InvalidUsage => (Severity::Error, Kind::Validation),
        // Unsupported formats are an answer to a capability query, and a full pool is how
        // applications learn to make another one: answers, not failures.
        ErrorKind::FormatNotSupported | ErrorKind::OutOfPoolMemory => {
            (Severity::Debug, Kind::General)
        }
        _ => (Severity::Error, Kind::General),
    };
    let text = format!("{command}: {} ({:?})", e.message, vk_result(e.kind));
    match reporter {
        Some(r) => r.report_kind(severity, kind, "softvk", &text),
        None => softvk::log::stderr(severity, &text),
    }
}

fn panic_error(panic: Box<dyn std::any::Any + Send>) -> Error {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Error::new(
        ErrorKind::Unknown,
        format!("internal driver error (panic): {what}"),
    )
}

/// Fault injection for tests: `SOFTVK_INJECT_PANIC=<command>` makes that command panic inside
/// the boundary, to show that a panic becomes an error result and a message, never an unwind
/// into the application. Read once; costs one comparison when set and nothing otherwise.
fn inject_panic(command: &str) {
    static TARGET: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(t) = TARGET.get_or_init(|| std::env::var("SOFTVK_INJECT_PANIC").ok())
        && t == command
    {
        panic!("fault injected into {command} by SOFTVK_INJECT_PANIC");
    }
}

/// Runs a shim body: fault injection, then the body, with a panic turned into an error.
fn guarded<T>(command: &str, body: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(|| {
        inject_panic(command);
        body()
    }))
    .unwrap_or_else(|p| Err(panic_error(p)))
}

/// Runs the body of a command that returns a `VkResult`.
pub fn call(
    command: &str,
    reporter: Option<&Reporter>,
    body: impl FnOnce() -> Result<vk::Result>,
) -> vk::Result {
    guarded(command, body).unwrap_or_else(|e| {
        report(reporter, command, &e);
        vk_result(e.kind)
    })
}

/// Runs the body of a command that returns nothing: errors are reported only.
pub fn call_void(command: &str, reporter: Option<&Reporter>, body: impl FnOnce() -> Result<()>) {
    if let Err(e) = guarded(command, body) {
        report(reporter, command, &e);
    }
}

/// Runs the body of a command that returns a plain value (`default` on error).
pub fn call_value<T>(
    command: &str,
    reporter: Option<&Reporter>,
    default: T,
    body: impl FnOnce() -> Result<T>,
) -> T {
    guarded(command, body).unwrap_or_else(|e| {
        report(reporter, command, &e);
        default
    })
}

pub fn null(what: &str) -> Error {
    Error::invalid(format!("{what} is NULL"))
}

/// `count` elements at `ptr` (empty when count is 0; an error when ptr is null otherwise).
///
/// # Safety
/// If non-null, `ptr` points at `count` initialised elements that outlive the borrow.
pub unsafe fn slice<'a, T>(ptr: *const T, count: u32, what: &str) -> Result<&'a [T]> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: caller contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count as usize) })
}

/// A NUL-terminated string from the application.
///
/// # Safety
/// `p` is null or a valid C string.
pub unsafe fn string(p: *const c_char) -> Result<String> {
    if p.is_null() {
        return Err(null("string"));
    }
    // SAFETY: caller contract.
    Ok(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// The two-call idiom: writes up to `*count` items, sets `*count`, INCOMPLETE if truncated.
///
/// # Safety
/// `count` is valid; `out` is null or has room for `*count` items.
pub unsafe fn write_array<T: Copy>(
    count: *mut u32,
    out: *mut T,
    items: &[T],
) -> Result<vk::Result> {
    if count.is_null() {
        return Err(null("the count pointer"));
    }
    unsafe {
        if out.is_null() {
            *count = items.len() as u32;
            return Ok(vk::Result::SUCCESS);
        }
        let n = (*count as usize).min(items.len());
        std::ptr::copy_nonoverlapping(items.as_ptr(), out, n);
        *count = n as u32;
        Ok(if n < items.len() {
            vk::Result::INCOMPLETE
        } else {
            vk::Result::SUCCESS
        })
    }
}

/// Writes `value` to an output pointer.
///
/// # Safety
/// `p` is null or valid for writes.
pub unsafe fn out<T>(p: *mut T, value: T, what: &str) -> Result<()> {
    if p.is_null() {
        return Err(null(what));
    }
    unsafe { p.write(value) };
    Ok(())
}

/// A Vulkan timeout in nanoseconds as a deadline (`None`: wait forever).
pub fn deadline(timeout_ns: u64) -> Option<std::time::Instant> {
    std::time::Instant::now()
        .checked_add(std::time::Duration::from_nanos(timeout_ns))
        .filter(|_| timeout_ns != u64::MAX)
}
