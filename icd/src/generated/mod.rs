//! Code generated from icd/registry/vk.xml by `cargo xtask codegen` (CI checks for drift).

pub mod autogen_commands;
pub mod autogen_pending;
