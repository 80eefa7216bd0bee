//! Operating-system services: memfd, futexes, clocks, CPU and memory figures.
//!
//! One file per OS; softvk runs on Linux only. Everything here is a thin, documented wrapper
//! around a system call; the rest of the core never calls `libc` directly.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::*;
