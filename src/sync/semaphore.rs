//! Fences, semaphores and events.
//!
//! Semaphores and fences hold a permanent payload and, after a temporary import, a temporary
//! one that takes precedence until it is consumed: by the next wait (semaphores) or reset
//! (fences), after which the permanent payload is in effect again (spec "Importing Semaphore
//! Payloads" / "Importing Fence Payloads"). Submissions resolve an object to the payload in
//! effect *when they are submitted*, so exports and imports between submission and execution
//! behave as the spec says.

use super::object::{PayloadRef, wait_payloads};
use super::payload::{Payload, Word, wait_until};
use super::shared::{Identity, SharedCell, SharedKind};
use crate::error::{Error, ErrorKind, Result};
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// The external handle types of semaphores and fences on Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncHandle {
    /// Reference transference: the payload itself (a shared page) is shared.
    OpaqueFd,
    /// Copy transference: a file descriptor that becomes readable when the payload signals.
    SyncFd,
}

/// What an object of some kind can do with a handle type. The capability queries
/// (vkGetPhysicalDeviceExternal{Semaphore,Fence}Properties) are built from this table, so they
/// cannot claim more than the payload implementations in `object.rs` and `shared.rs` do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandleCaps {
    pub export: bool,
    pub import: bool,
}

/// Capabilities of a semaphore kind for a handle type.
pub fn semaphore_caps(kind: SemaphoreKind, handle: SyncHandle) -> Option<HandleCaps> {
    match (kind, handle) {
        // SharedCell: binary and timeline pages.
        (_, SyncHandle::OpaqueFd) => Some(HandleCaps {
            export: true,
            import: true,
        }),
        // PayloadRef::export_sync_fd / PayloadRef::sync_file: binary only (the spec forbids
        // SYNC_FD for timelines).
        (SemaphoreKind::Binary, SyncHandle::SyncFd) => Some(HandleCaps {
            export: true,
            import: true,
        }),
        (SemaphoreKind::Timeline, SyncHandle::SyncFd) => None,
    }
}

/// Capabilities of fences for a handle type (SharedCell fence pages; sync files).
pub fn fence_caps(handle: SyncHandle) -> Option<HandleCaps> {
    match handle {
        SyncHandle::OpaqueFd | SyncHandle::SyncFd => Some(HandleCaps {
            export: true,
            import: true,
        }),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The payloads of a semaphore or fence.
#[derive(Debug)]
struct Payloads {
    permanent: Mutex<Arc<PayloadRef>>,
    temporary: Mutex<Option<Arc<PayloadRef>>>,
}

impl Payloads {
    fn new(p: PayloadRef) -> Self {
        Payloads {
            permanent: Mutex::new(Arc::new(p)),
            temporary: Mutex::new(None),
        }
    }

    fn current(&self) -> Arc<PayloadRef> {
        if let Some(t) = lock(&self.temporary).as_ref() {
            return t.clone();
        }
        lock(&self.permanent).clone()
    }

    /// The payload a wait uses; a temporary payload is consumed by it.
    fn take_for_wait(&self) -> Arc<PayloadRef> {
        if let Some(t) = lock(&self.temporary).take() {
            return t;
        }
        lock(&self.permanent).clone()
    }

    fn install(&self, p: PayloadRef, temporary: bool) {
        if temporary {
            *lock(&self.temporary) = Some(Arc::new(p));
        } else {
            *lock(&self.permanent) = Arc::new(p);
        }
    }

    fn drop_temporary(&self) {
        lock(&self.temporary).take();
    }

    /// Export of the payload in effect. Copy transference (SYNC_FD) has the side effects of a
    /// wait (semaphores) or reset (fences): a temporary payload is consumed, and the signal is
    /// taken by the exported fd (see `PayloadRef::export_sync_fd`).
    fn export(&self, handle: SyncHandle) -> Result<Option<OwnedFd>> {
        let p = self.current();
        match handle {
            SyncHandle::OpaqueFd => p.export_opaque().map(Some),
            SyncHandle::SyncFd => {
                let r = p.export_sync_fd();
                if r.is_ok() {
                    self.drop_temporary();
                }
                r
            }
        }
    }

    /// Import; SYNC_FD imports are always temporary (copy transference).
    fn import(
        &self,
        fd: OwnedFd,
        handle: SyncHandle,
        temporary: bool,
        kind: SharedKind,
        identity: Identity,
    ) -> std::result::Result<(), (Error, OwnedFd)> {
        let p = import_payload(fd, handle, kind, identity)?;
        self.install(p, temporary || handle == SyncHandle::SyncFd);
        Ok(())
    }
}

fn import_payload(
    fd: OwnedFd,
    handle: SyncHandle,
    kind: SharedKind,
    identity: Identity,
) -> std::result::Result<PayloadRef, (Error, OwnedFd)> {
    match handle {
        SyncHandle::OpaqueFd => SharedCell::import(fd, kind, identity).map(PayloadRef::shared),
        SyncHandle::SyncFd => {
            // "Implementations which support importing this handle type must accept any type of
            // sync or fence FD supported by the native system": kernel sync files, and the
            // eventfds this driver exports in their place.
            let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
            let what = crate::platform::fd_kind(raw).unwrap_or_default();
            if what == "anon_inode:sync_file"
                || what == "anon_inode:[eventfd]"
                || what == "anon_inode:dma_fence"
            {
                Ok(PayloadRef::sync_file(fd))
            } else {
                Err((
                    Error::new(
                        ErrorKind::InvalidExternalHandle,
                        format!("fd {raw} ({what}) is not a sync file"),
                    ),
                    fd,
                ))
            }
        }
    }
}

/// A fence: signaled by a queue when a submission completes, reset by the host.
#[derive(Debug)]
pub struct Fence {
    payloads: Payloads,
    identity: Identity,
}

impl Fence {
    /// `identity` is this driver build's (imports must match it); `shared` makes the permanent
    /// payload a shared page, exportable as OPAQUE_FD.
    pub fn new(signaled: bool, identity: Identity, shared: bool) -> Result<Self> {
        let payload = if shared {
            PayloadRef::shared(SharedCell::create(
                SharedKind::Fence,
                identity,
                signaled as u64,
            )?)
        } else {
            PayloadRef::local(signaled as u64)
        };
        Ok(Fence {
            payloads: Payloads::new(payload),
            identity,
        })
    }

    pub fn is_signaled(&self) -> bool {
        self.payloads.current().reached(1)
    }

    /// The payload a fence signal operation submitted now will signal.
    pub fn for_signal(&self) -> Arc<PayloadRef> {
        let p = self.payloads.current();
        p.begin_signal();
        p
    }

    /// vkResetFences: a temporary payload is dropped (the permanent one returns), then reset.
    pub fn reset(&self) {
        self.payloads.drop_temporary();
        self.payloads.current().reset();
    }

    /// Waits for all (or any) of `fences` until `deadline`; true when satisfied.
    pub fn wait_many(fences: &[Arc<Fence>], all: bool, deadline: Option<Instant>) -> bool {
        let payloads: Vec<Arc<PayloadRef>> = fences.iter().map(|f| f.payloads.current()).collect();
        let items: Vec<(&PayloadRef, u64)> = payloads.iter().map(|p| (&**p, 1)).collect();
        wait_payloads(&items, all, deadline, None, &|| false)
    }

    pub fn export(&self, handle: SyncHandle) -> Result<Option<OwnedFd>> {
        self.payloads.export(handle)
    }

    pub fn import(
        &self,
        fd: OwnedFd,
        handle: SyncHandle,
        temporary: bool,
    ) -> std::result::Result<(), (Error, OwnedFd)> {
        self.payloads
            .import(fd, handle, temporary, SharedKind::Fence, self.identity)
    }

    /// SYNC_FD `-1`: a temporary payload that is already signaled.
    pub fn import_signaled(&self) {
        self.payloads.install(PayloadRef::signaled(), true);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemaphoreKind {
    Binary,
    Timeline,
}

/// A binary or timeline semaphore.
///
/// Binary: value 1 = signaled; a queue wait takes the signal (1 -> 0).
/// Timeline: a monotonically increasing counter; waits complete when it reaches their value.
#[derive(Debug)]
pub struct Semaphore {
    kind: SemaphoreKind,
    payloads: Payloads,
    identity: Identity,
}

/// A queue's wait on a payload, resolved at submission.
#[derive(Debug)]
pub struct WaitOp {
    pub payload: Arc<PayloadRef>,
    pub value: u64,
    pub timeline: bool,
}

/// A queue's signal of a payload, resolved at submission.
#[derive(Debug)]
pub struct SignalOp {
    pub payload: Arc<PayloadRef>,
    pub value: u64,
    pub timeline: bool,
}

impl SignalOp {
    pub fn execute(&self) {
        self.payload.signal(self.timeline, self.value);
    }
}

impl WaitOp {
    /// Blocks until the payload reaches the value (binary: takes the signal) or `cancel()`
    /// holds (notified through `cancel_word`). Returns false if cancelled.
    pub fn execute(&self, cancel_word: &Word, cancel: &dyn Fn() -> bool) -> bool {
        let target = if self.timeline { self.value } else { 1 };
        loop {
            if !wait_payloads(
                &[(&self.payload, target)],
                true,
                None,
                Some(cancel_word),
                cancel,
            ) {
                return false;
            }
            if self.timeline || self.payload.try_take() {
                return true;
            }
            // Another waiter took this binary signal first (an invalid double wait): keep
            // waiting for the next one rather than running early.
        }
    }
}

impl Semaphore {
    /// `identity` is this driver build's (imports must match it); `shared` makes the permanent
    /// payload a shared page, exportable as OPAQUE_FD.
    pub fn new(
        kind: SemaphoreKind,
        initial: u64,
        identity: Identity,
        shared: bool,
    ) -> Result<Self> {
        let initial = match kind {
            SemaphoreKind::Binary => 0,
            SemaphoreKind::Timeline => initial,
        };
        let payload = if shared {
            PayloadRef::shared(SharedCell::create(
                Self::shared_kind(kind),
                identity,
                initial,
            )?)
        } else {
            PayloadRef::local(initial)
        };
        Ok(Semaphore {
            kind,
            payloads: Payloads::new(payload),
            identity,
        })
    }

    fn shared_kind(kind: SemaphoreKind) -> SharedKind {
        match kind {
            SemaphoreKind::Binary => SharedKind::BinarySemaphore,
            SemaphoreKind::Timeline => SharedKind::TimelineSemaphore,
        }
    }

    pub fn kind(&self) -> SemaphoreKind {
        self.kind
    }

    pub fn counter_value(&self) -> u64 {
        self.payloads.current().value()
    }

    /// A wait operation submitted now (consumes a temporary payload).
    pub fn for_wait(&self, value: u64) -> WaitOp {
        WaitOp {
            payload: self.payloads.take_for_wait(),
            value,
            timeline: self.kind == SemaphoreKind::Timeline,
        }
    }

    /// A signal operation submitted now.
    pub fn for_signal(&self, value: u64) -> SignalOp {
        let payload = self.payloads.current();
        payload.begin_signal();
        SignalOp {
            payload,
            value,
            timeline: self.kind == SemaphoreKind::Timeline,
        }
    }

    /// vkSignalSemaphore: the host sets a timeline to `value`.
    pub fn signal_host(&self, value: u64) -> Result<()> {
        if self.kind != SemaphoreKind::Timeline {
            return Err(Error::invalid(
                "vkSignalSemaphore on a binary semaphore (VUID-VkSemaphoreSignalInfo-semaphore-03257)",
            ));
        }
        let p = self.payloads.current();
        let current = p.value();
        if value <= current {
            return Err(Error::invalid(format!(
                "vkSignalSemaphore value {value} is not greater than the current value {current} \
                 (VUID-VkSemaphoreSignalInfo-value-03258)"
            )));
        }
        p.raise(value);
        Ok(())
    }

    /// vkWaitSemaphores: all (or any) timeline semaphores reach their values by `deadline`.
    pub fn wait_host(
        waits: &[(Arc<Semaphore>, u64)],
        all: bool,
        deadline: Option<Instant>,
    ) -> bool {
        let payloads: Vec<(Arc<PayloadRef>, u64)> = waits
            .iter()
            .map(|(s, v)| (s.payloads.current(), *v))
            .collect();
        let items: Vec<(&PayloadRef, u64)> = payloads.iter().map(|(p, v)| (&**p, *v)).collect();
        wait_payloads(&items, all, deadline, None, &|| false)
    }

    pub fn export(&self, handle: SyncHandle) -> Result<Option<OwnedFd>> {
        if handle == SyncHandle::SyncFd && self.kind != SemaphoreKind::Binary {
            return Err(Error::invalid(
                "timeline semaphores cannot be exported as SYNC_FD",
            ));
        }
        self.payloads.export(handle)
    }

    pub fn import(
        &self,
        fd: OwnedFd,
        handle: SyncHandle,
        temporary: bool,
    ) -> std::result::Result<(), (Error, OwnedFd)> {
        if handle == SyncHandle::SyncFd && self.kind == SemaphoreKind::Timeline {
            return Err((
                Error::invalid("timeline semaphores cannot import SYNC_FD"),
                fd,
            ));
        }
        if temporary && self.kind == SemaphoreKind::Timeline {
            return Err((
                Error::invalid(
                    "timeline semaphores cannot be imported temporarily (VUID-VkImportSemaphoreFdInfoKHR-flags-03323)",
                ),
                fd,
            ));
        }
        self.payloads.import(
            fd,
            handle,
            temporary,
            Self::shared_kind(self.kind),
            self.identity,
        )
    }

    /// SYNC_FD `-1`: a temporary payload that is already signaled.
    pub fn import_signaled(&self) -> Result<()> {
        if self.kind != SemaphoreKind::Binary {
            return Err(Error::invalid("timeline semaphores cannot import SYNC_FD"));
        }
        self.payloads.install(PayloadRef::signaled(), true);
        Ok(())
    }
}

/// An event: set/reset by the host or by commands, waited on by commands.
#[derive(Debug, Default)]
pub struct Event {
    payload: Payload,
}

impl Event {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_set(&self) -> bool {
        self.payload.value() != 0
    }

    pub fn set(&self) {
        self.payload.set(1);
    }

    pub fn reset(&self) {
        self.payload.set(0);
    }

    /// Blocks until every event in `events` is set or `cancel()` (notified via `cancel_word`).
    pub fn wait_all(events: &[Arc<Event>], cancel_word: &Word, cancel: impl Fn() -> bool) -> bool {
        let mut words: Vec<&Word> = events.iter().map(|e| e.payload.word()).collect();
        words.push(cancel_word);
        let mut done = false;
        wait_until(&words, None, || {
            done = events.iter().all(|e| e.is_set());
            done || cancel()
        });
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const ID: Identity = [3; 32];

    #[test]
    fn timeline_host_signal_rules() {
        let s = Semaphore::new(SemaphoreKind::Timeline, 3, ID, false).unwrap();
        assert_eq!(s.counter_value(), 3);
        assert!(s.signal_host(3).is_err());
        s.signal_host(7).unwrap();
        assert_eq!(s.counter_value(), 7);
        let b = Semaphore::new(SemaphoreKind::Binary, 0, ID, false).unwrap();
        assert!(b.signal_host(1).is_err());
    }

    #[test]
    fn fences_wait_any_all() {
        let f: Vec<Arc<Fence>> = vec![
            Arc::new(Fence::new(true, ID, false).unwrap()),
            Arc::new(Fence::new(false, ID, false).unwrap()),
        ];
        assert!(Fence::wait_many(&f, false, Some(Instant::now())));
        assert!(!Fence::wait_many(
            &f,
            true,
            Some(Instant::now() + Duration::from_millis(5))
        ));
        f[1].for_signal().signal(false, 1);
        assert!(Fence::wait_many(&f, true, None));
        f[0].reset();
        assert!(!f[0].is_signaled());
    }

    #[test]
    fn queue_wait_can_be_cancelled_and_consumes() {
        let s = Semaphore::new(SemaphoreKind::Binary, 0, ID, false).unwrap();
        let cancel = Word::new();
        assert!(!s.for_wait(0).execute(&cancel, &|| true));
        s.for_signal(0).execute();
        assert!(s.for_wait(0).execute(&cancel, &|| false));
        assert_eq!(s.counter_value(), 0, "a binary wait consumes the signal");
    }

    #[test]
    fn temporary_import_is_consumed_by_the_next_wait() {
        let a = Semaphore::new(SemaphoreKind::Binary, 0, ID, true).unwrap();
        let b = Semaphore::new(SemaphoreKind::Binary, 0, ID, true).unwrap();
        let fd = b.export(SyncHandle::OpaqueFd).unwrap().unwrap();
        a.import(fd, SyncHandle::OpaqueFd, true).unwrap();
        // a now uses b's payload: signaling b is seen by a's next wait.
        b.for_signal(0).execute();
        let cancel = Word::new();
        assert!(a.for_wait(0).execute(&cancel, &|| false));
        // The temporary payload is gone: a's own (permanent) payload is back, unsignaled.
        b.for_signal(0).execute();
        assert_eq!(a.counter_value(), 0);
    }

    #[test]
    fn fence_temporary_import_dropped_on_reset() {
        let f = Fence::new(false, ID, false).unwrap();
        f.import_signaled();
        assert!(f.is_signaled());
        f.reset();
        assert!(
            !f.is_signaled(),
            "the permanent payload returned, unsignaled"
        );
    }

    #[test]
    fn capability_table() {
        assert_eq!(
            semaphore_caps(SemaphoreKind::Timeline, SyncHandle::SyncFd),
            None
        );
        assert!(semaphore_caps(SemaphoreKind::Binary, SyncHandle::SyncFd).is_some());
        assert!(fence_caps(SyncHandle::OpaqueFd).unwrap().export);
    }
}
