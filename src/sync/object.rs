//! [`PayloadRef`]: one payload a semaphore or fence can hold, whatever its implementation.
//!
//! | store | what it is | signaled when | exports as |
//! | --- | --- | --- | --- |
//! | `Local` | a [`Payload`] in this process | value ≥ target | SYNC_FD |
//! | `Shared` | a [`Payload`] in a memfd page ([`SharedCell`]) | value ≥ target | OPAQUE_FD, SYNC_FD |
//! | `SyncFile` | an imported sync file descriptor | the fd polls readable | SYNC_FD |
//! | `Signaled` | SYNC_FD `-1` | always | SYNC_FD (`-1`) |
//!
//! SYNC_FD export is copy transference: the exported fd becomes readable when the signal that is
//! pending at export time completes, and that signal is taken by the fd (the semaphore or fence
//! itself stays unsignaled: the spec's wait/reset side effect of the export). A CPU driver cannot
//! create a pending kernel sync_file, so the exported fd is an eventfd that the signal makes
//! readable and that stays readable: it can be polled (and imported by this driver) exactly like
//! a signaled-later sync file, but it is not a sync_file to a GPU driver's kernel interface.

use super::payload::{Payload, Spin, Word, wait_spin_then_sleep, wait_until};
use super::shared::SharedCell;
use crate::error::{Error, Result};
use crate::platform;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::{Duration, Instant};

#[derive(Debug)]
enum Store {
    Local(Payload),
    Shared(SharedCell),
    SyncFile(OwnedFd),
    Signaled,
}

/// A payload and the process-local state around it.
#[derive(Debug)]
pub struct PayloadRef {
    store: Store,
    /// Signal operations this process has submitted to this payload and not yet executed.
    pending: AtomicU32,
    /// SYNC_FD exports (eventfds) waiting for a pending signal, oldest first: each takes one.
    exports: Mutex<Vec<OwnedFd>>,
}

impl PayloadRef {
    fn with(store: Store) -> Self {
        PayloadRef {
            store,
            pending: AtomicU32::new(0),
            exports: Mutex::new(Vec::new()),
        }
    }

    pub fn local(value: u64) -> Self {
        Self::with(Store::Local(Payload::new(value)))
    }

    pub fn shared(cell: SharedCell) -> Self {
        Self::with(Store::Shared(cell))
    }

    /// An imported SYNC_FD (the fd is owned from now on).
    pub fn sync_file(fd: OwnedFd) -> Self {
        Self::with(Store::SyncFile(fd))
    }

    /// SYNC_FD `-1`: already signaled.
    pub fn signaled() -> Self {
        Self::with(Store::Signaled)
    }

    fn cell(&self) -> Option<&Payload> {
        match &self.store {
            Store::Local(p) => Some(p),
            Store::Shared(c) => Some(c.payload()),
            _ => None,
        }
    }

    /// The current value: a cell's counter; 1/0 for a sync file (readable or not); 1 if signaled.
    pub fn value(&self) -> u64 {
        match &self.store {
            Store::Local(p) => p.value(),
            Store::Shared(c) => c.payload().value(),
            Store::SyncFile(fd) => platform::poll_readable(fd.as_fd(), None) as u64,
            Store::Signaled => 1,
        }
    }

    /// True when the payload's value is at least `target`. Fences and binary semaphores ask
    /// for 1; a timeline wait for a value at or below the current counter, 0 included, is
    /// satisfied at once ("the semaphore's current value is greater than or equal to" the
    /// value: spec, vkWaitSemaphores and "Semaphore Waiting").
    pub fn reached(&self, target: u64) -> bool {
        target == 0 || self.value() >= target
    }

    /// The futex word announcing changes, for cells.
    pub fn word(&self) -> Option<&Word> {
        self.cell().map(Payload::word)
    }

    /// Notes a signal operation submitted to this payload (SYNC_FD export needs to know).
    pub fn begin_signal(&self) {
        self.pending.fetch_add(1, SeqCst);
    }

    /// A queue's signal operation (binary semaphores and fences: 1; timelines: `value`). If a
    /// SYNC_FD export is waiting, the signal goes to it instead.
    pub fn signal(&self, timeline: bool, value: u64) {
        let _ = self
            .pending
            .fetch_update(SeqCst, SeqCst, |p| p.checked_sub(1));
        if !timeline {
            let mut exports = self.exports.lock().unwrap_or_else(|e| e.into_inner());
            if !exports.is_empty() {
                let fd = exports.remove(0);
                platform::eventfd_signal(fd.as_fd());
                return;
            }
        }
        match self.cell() {
            Some(p) if timeline => p.raise(value),
            Some(p) => p.set(1),
            // An imported sync file or a -1 import cannot be signaled again; the spec makes such
            // a signal invalid (the semaphore is signaled or has a pending signal already).
            None => {}
        }
    }

    /// Host signal of a timeline (vkSignalSemaphore).
    pub fn raise(&self, value: u64) {
        if let Some(p) = self.cell() {
            p.raise(value);
        }
    }

    /// Fence reset.
    pub fn reset(&self) {
        if let Some(p) = self.cell() {
            p.set(0);
        }
    }

    /// A binary wait's consumption: true if the signal was there (and is now taken).
    pub fn try_take(&self) -> bool {
        match &self.store {
            Store::Local(p) => p.try_take(),
            Store::Shared(c) => c.payload().try_take(),
            // A temporary import is consumed by being removed from its semaphore.
            Store::SyncFile(_) | Store::Signaled => self.value() != 0,
        }
    }

    /// SYNC_FD export (copy transference). `Ok(None)` means the payload is already signaled:
    /// the spec's `-1`, and the signal is taken. A pending signal gives an fd that becomes
    /// readable when it completes. Neither signaled nor pending is invalid use.
    pub fn export_sync_fd(&self) -> Result<Option<OwnedFd>> {
        if let Store::SyncFile(fd) = &self.store {
            return platform::dup(fd.as_fd())
                .map(Some)
                .map_err(|e| Error::os("duplicating a sync file", e));
        }
        let mut exports = self.exports.lock().unwrap_or_else(|e| e.into_inner());
        if self.try_take() {
            return Ok(None);
        }
        if self.pending.load(SeqCst) as usize > exports.len() {
            let fd =
                platform::eventfd().map_err(|e| Error::os("creating a sync file (eventfd)", e))?;
            let out =
                platform::dup(fd.as_fd()).map_err(|e| Error::os("duplicating an eventfd", e))?;
            exports.push(fd);
            return Ok(Some(out));
        }
        Err(Error::invalid(
            "SYNC_FD export needs the payload signaled or a signal operation pending \
             (VUID-VkSemaphoreGetFdInfoKHR-handleType-03254, VUID-VkFenceGetFdInfoKHR-handleType-01454)",
        ))
    }

    /// OPAQUE_FD export: a new fd for the shared page.
    pub fn export_opaque(&self) -> Result<OwnedFd> {
        match &self.store {
            Store::Shared(c) => c.export(),
            _ => Err(Error::invalid(
                "OPAQUE_FD export needs a semaphore or fence created with that export handle type",
            )),
        }
    }
}

/// Waits that include sync files never spin.
static NO_SPIN: Spin = Spin::new(Duration::ZERO);

/// Waits until all (or any) of `items` reach their targets, `cancel()` holds (notified through
/// `cancel_word`), or `deadline`. Returns whether the targets were reached.
///
/// Cells sleep on their futex words (shared ones across processes); sync files are polled. When
/// both kinds are mixed, the wait polls the files in steps of at most one millisecond.
pub fn wait_payloads(
    items: &[(&PayloadRef, u64)],
    all: bool,
    deadline: Option<Instant>,
    cancel_word: Option<&Word>,
    cancel: &dyn Fn() -> bool,
) -> bool {
    let done = || {
        let mut r = items.iter().map(|(p, t)| p.reached(*t));
        if all { r.all(|x| x) } else { r.any(|x| x) }
    };
    let files: Vec<&OwnedFd> = items
        .iter()
        .filter_map(|(p, _)| match &p.store {
            Store::SyncFile(fd) => Some(fd),
            _ => None,
        })
        .collect();
    let mut words: Vec<&Word> = items.iter().filter_map(|(p, _)| p.word()).collect();
    words.extend(cancel_word);
    if files.is_empty() {
        let mut ok = false;
        wait_until(&words, deadline, || {
            ok = done();
            ok || cancel()
        });
        return ok;
    }
    loop {
        if done() {
            return true;
        }
        if cancel() || deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        let step = Duration::from_millis(1);
        let step = deadline.map_or(step, |d| {
            step.min(d.saturating_duration_since(Instant::now()))
        });
        if files.len() == 1 && words.is_empty() {
            platform::poll_readable(files[0].as_fd(), Some(step));
        } else {
            // Sleep on the cells' words for one step, then check the files again. No spin: the
            // check polls the files (a system call each), and the files' readiness is not
            // announced on any word, so a spin here would say nothing about spinning elsewhere.
            wait_spin_then_sleep(&words, Some(Instant::now() + step), &NO_SPIN, || {
                done() || cancel()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_fd_export_takes_the_pending_signal() {
        let p = PayloadRef::local(0);
        assert!(p.export_sync_fd().is_err(), "nothing signaled or pending");
        p.begin_signal();
        let fd = p
            .export_sync_fd()
            .unwrap()
            .expect("a pending signal gives an fd");
        assert!(!platform::poll_readable(fd.as_fd(), None));
        p.signal(false, 1);
        assert!(
            platform::poll_readable(fd.as_fd(), None),
            "the signal went to the fd"
        );
        assert_eq!(p.value(), 0, "and the payload stays unsignaled");
        // Already signaled: -1, and the export takes the signal.
        p.signal(false, 1);
        assert!(p.export_sync_fd().unwrap().is_none());
        assert_eq!(p.value(), 0);
    }

    #[test]
    fn waits_mix_files_and_cells() {
        let ev = platform::eventfd().unwrap();
        let file = PayloadRef::sync_file(platform::dup(ev.as_fd()).unwrap());
        let cell = PayloadRef::local(0);
        let never = || false;
        assert!(!wait_payloads(
            &[(&file, 1), (&cell, 1)],
            false,
            Some(Instant::now() + Duration::from_millis(5)),
            None,
            &never
        ));
        platform::eventfd_signal(ev.as_fd());
        assert!(wait_payloads(
            &[(&file, 1), (&cell, 1)],
            false,
            None,
            None,
            &never
        ));
        assert!(!wait_payloads(
            &[(&file, 1), (&cell, 1)],
            true,
            Some(Instant::now()),
            None,
            &never
        ));
        cell.signal(false, 1);
        assert!(wait_payloads(
            &[(&file, 1), (&cell, 1)],
            true,
            None,
            None,
            &never
        ));
        assert!(PayloadRef::signaled().reached(1));
    }

    #[test]
    fn a_timeline_has_reached_its_initial_value_and_below() {
        let fresh = PayloadRef::local(0);
        assert!(fresh.reached(0), "value 0 of a new timeline at 0");
        assert!(!fresh.reached(1));
        let p = PayloadRef::local(5);
        assert!((0..=5).all(|v| p.reached(v)));
        assert!(!p.reached(6));
        let never = || false;
        assert!(wait_payloads(
            &[(&fresh, 0)],
            true,
            Some(Instant::now()),
            None,
            &never
        ));
    }
}
