//! Synchronization: futex words, payloads, fences, semaphores and events.
//!
//! Everything that can be waited on is a [`PayloadRef`]: usually a [`Payload`] (a 64-bit value
//! beside a futex [`Word`]) in this process or in a memfd page shared with other processes
//! ([`SharedCell`], OPAQUE_FD), or an imported sync file (SYNC_FD).
//! Fences and binary semaphores use the values 0 (unsignaled) and 1 (signaled); timeline
//! semaphores use the counter itself; events use 0 (reset) and 1 (set). A waiter re-reads the
//! value after every change of the word, so wake-ups can be spurious but are never lost.
//!
//! Wait-any/wait-all over many payloads sleeps on all their words at once
//! (`futex_waitv`). Before sleeping, a wait may spin for at most [`SPIN_BUDGET`] (by the clock,
//! never by yielding), and only while spinning keeps paying off for its class of waits
//! ([`Spin`]: on a busy machine the spin would delay the very thread it waits for). A signal
//! makes a system call only when a waiter sleeps on the word. All waits take a deadline (an
//! expired one returns at once) and never hold a lock while sleeping.
//!
//! Concurrency: every type here is `Send + Sync`; signal, wait and reset may race freely.

mod object;
mod payload;
mod semaphore;
mod shared;

pub use object::{PayloadRef, wait_payloads};
pub use payload::{Payload, SPIN_BUDGET, Spin, Word, wait_spin_then_sleep, wait_until};
pub use semaphore::{
    Event, Fence, HandleCaps, Semaphore, SemaphoreKind, SignalOp, SyncHandle, WaitOp, fence_caps,
    semaphore_caps,
};
pub use shared::{Identity, SharedCell, SharedKind};
