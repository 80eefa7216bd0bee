//! Fences, semaphores and events on top of [`Payload`].

use super::payload::{Payload, Word, wait_until};
use crate::error::{Error, Result};
use std::sync::Arc;
use std::time::Instant;

/// A fence: signaled by a queue when a submission completes, reset by the host.
#[derive(Debug)]
pub struct Fence {
    payload: Arc<Payload>,
}

impl Fence {
    pub fn new(signaled: bool) -> Self {
        Fence {
            payload: Arc::new(Payload::new(signaled as u64)),
        }
    }

    pub fn is_signaled(&self) -> bool {
        self.payload.value() != 0
    }

    pub fn signal(&self) {
        self.payload.set(1);
    }

    pub fn reset(&self) {
        self.payload.set(0);
    }

    /// Waits for all (or any) of `fences` until `deadline`; true when satisfied.
    pub fn wait_many(fences: &[Arc<Fence>], all: bool, deadline: Option<Instant>) -> bool {
        let words: Vec<&Word> = fences.iter().map(|f| f.payload.word()).collect();
        wait_until(&words, deadline, || {
            if all {
                fences.iter().all(|f| f.is_signaled())
            } else {
                fences.iter().any(|f| f.is_signaled())
            }
        })
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
    payload: Arc<Payload>,
}

impl Semaphore {
    pub fn new(kind: SemaphoreKind, initial: u64) -> Self {
        let initial = match kind {
            SemaphoreKind::Binary => 0,
            SemaphoreKind::Timeline => initial,
        };
        Semaphore {
            kind,
            payload: Arc::new(Payload::new(initial)),
        }
    }

    pub fn kind(&self) -> SemaphoreKind {
        self.kind
    }

    pub fn counter_value(&self) -> u64 {
        self.payload.value()
    }

    /// A queue's signal operation.
    pub fn signal(&self, value: u64) {
        match self.kind {
            SemaphoreKind::Binary => self.payload.set(1),
            SemaphoreKind::Timeline => self.payload.raise(value),
        }
    }

    /// vkSignalSemaphore: the host sets a timeline to `value`.
    pub fn signal_host(&self, value: u64) -> Result<()> {
        if self.kind != SemaphoreKind::Timeline {
            return Err(Error::invalid(
                "vkSignalSemaphore on a binary semaphore (VUID-VkSemaphoreSignalInfo-semaphore-03257)",
            ));
        }
        let current = self.payload.value();
        if value <= current {
            return Err(Error::invalid(format!(
                "vkSignalSemaphore value {value} is not greater than the current value {current} \
                 (VUID-VkSemaphoreSignalInfo-value-03258)"
            )));
        }
        self.payload.raise(value);
        Ok(())
    }

    /// True if a wait for `value` would complete now (binary: takes the signal).
    fn try_wait(&self, value: u64) -> bool {
        match self.kind {
            SemaphoreKind::Binary => self.payload.try_take(),
            SemaphoreKind::Timeline => self.payload.value() >= value,
        }
    }

    /// A queue's wait operation: blocks until satisfied or until `cancel` reports true
    /// (notified through `cancel_word`). Returns false if cancelled.
    pub fn wait_queue(&self, value: u64, cancel_word: &Word, cancel: impl Fn() -> bool) -> bool {
        let mut done = false;
        wait_until(&[self.payload.word(), cancel_word], None, || {
            done = self.try_wait(value);
            done || cancel()
        });
        done
    }

    /// vkWaitSemaphores: all (or any) timeline semaphores reach their values by `deadline`.
    pub fn wait_host(
        waits: &[(Arc<Semaphore>, u64)],
        all: bool,
        deadline: Option<Instant>,
    ) -> bool {
        let words: Vec<&Word> = waits.iter().map(|(s, _)| s.payload.word()).collect();
        wait_until(&words, deadline, || {
            let mut reached = waits.iter().map(|(s, v)| s.payload.value() >= *v);
            if all {
                reached.all(|r| r)
            } else {
                reached.any(|r| r)
            }
        })
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

    #[test]
    fn timeline_host_signal_rules() {
        let s = Semaphore::new(SemaphoreKind::Timeline, 3);
        assert_eq!(s.counter_value(), 3);
        assert!(s.signal_host(3).is_err());
        s.signal_host(7).unwrap();
        assert_eq!(s.counter_value(), 7);
        let b = Semaphore::new(SemaphoreKind::Binary, 0);
        assert!(b.signal_host(1).is_err());
    }

    #[test]
    fn fences_wait_any_all() {
        let f: Vec<Arc<Fence>> = vec![Arc::new(Fence::new(true)), Arc::new(Fence::new(false))];
        assert!(Fence::wait_many(&f, false, Some(Instant::now())));
        assert!(!Fence::wait_many(
            &f,
            true,
            Some(Instant::now() + Duration::from_millis(5))
        ));
        f[1].signal();
        assert!(Fence::wait_many(&f, true, None));
        f[0].reset();
        assert!(!f[0].is_signaled());
    }

    #[test]
    fn queue_wait_can_be_cancelled() {
        let s = Semaphore::new(SemaphoreKind::Binary, 0);
        let cancel = Word::new();
        assert!(!s.wait_queue(0, &cancel, || true));
        s.signal(0);
        assert!(s.wait_queue(0, &cancel, || false));
        assert_eq!(s.counter_value(), 0, "a binary wait consumes the signal");
    }
}
