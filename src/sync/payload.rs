//! Futex words and payload cells.

use crate::platform;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::Instant;

/// A futex word that changes on every notification, with a count of sleepers so that a
/// notification without sleepers costs no system call.
#[repr(C)]
#[derive(Default, Debug)]
pub struct Word {
    seq: AtomicU32,
    waiters: AtomicU32,
}

impl Word {
    pub const fn new() -> Self {
        Word {
            seq: AtomicU32::new(0),
            waiters: AtomicU32::new(0),
        }
    }

    /// Wakes every waiter; call after changing the state they test.
    pub fn notify(&self) {
        self.seq.fetch_add(1, SeqCst);
        if self.waiters.load(SeqCst) != 0 {
            platform::futex_wake_all(&self.seq);
        }
    }
}

/// How long a waiter spins before it sleeps: a queue worker typically signals within a few
/// microseconds, and a futex sleep plus wake costs more than that.
const SPIN_ROUNDS: u32 = 200;

/// Waits until `ready()` returns true (then returns true) or `deadline` passes (false).
///
/// `words` are the words whose notification may make `ready()` true. `ready` may be called
/// many times and from this thread only.
pub fn wait_until(
    words: &[&Word],
    deadline: Option<Instant>,
    mut ready: impl FnMut() -> bool,
) -> bool {
    if ready() {
        return true;
    }
    for round in 0..SPIN_ROUNDS {
        if round < SPIN_ROUNDS / 2 {
            for _ in 0..64 {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
        if ready() {
            return true;
        }
    }
    for w in words {
        w.waiters.fetch_add(1, SeqCst);
    }
    let result = loop {
        let snapshot: Vec<(&AtomicU32, u32)> =
            words.iter().map(|w| (&w.seq, w.seq.load(SeqCst))).collect();
        if ready() {
            break true;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break false;
        }
        platform::futex_wait_any(&snapshot, deadline);
    };
    for w in words {
        w.waiters.fetch_sub(1, SeqCst);
    }
    result
}

/// A 64-bit payload value and the word that announces its changes.
///
/// The cell is `repr(C)` and position-independent, so it can live in memory shared between
/// processes (the external-handle work places it in a memfd page).
#[repr(C)]
#[derive(Default, Debug)]
pub struct Payload {
    value: AtomicU64,
    word: Word,
}

impl Payload {
    pub fn new(value: u64) -> Self {
        Payload {
            value: AtomicU64::new(value),
            word: Word::new(),
        }
    }

    pub fn value(&self) -> u64 {
        self.value.load(SeqCst)
    }

    pub fn word(&self) -> &Word {
        &self.word
    }

    /// Sets the value (fence/binary/event signal or reset) and wakes waiters.
    pub fn set(&self, value: u64) {
        self.value.store(value, SeqCst);
        self.word.notify();
    }

    /// Raises a timeline value to `value` (never lowers it) and wakes waiters.
    pub fn raise(&self, value: u64) {
        self.value.fetch_max(value, SeqCst);
        self.word.notify();
    }

    /// Binary wait: takes the signal (1 -> 0) if present.
    pub fn try_take(&self) -> bool {
        self.value.compare_exchange(1, 0, SeqCst, SeqCst).is_ok()
    }

    /// Waits until the value is at least `target`.
    pub fn wait_at_least(&self, target: u64, deadline: Option<Instant>) -> bool {
        wait_until(&[&self.word], deadline, || self.value() >= target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn wait_times_out_and_wakes() {
        let p = Arc::new(Payload::new(0));
        let t0 = Instant::now();
        assert!(!p.wait_at_least(1, Some(t0 + Duration::from_millis(30))));
        assert!(t0.elapsed() >= Duration::from_millis(25));
        let p2 = p.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            p2.raise(5);
        });
        assert!(p.wait_at_least(5, Some(Instant::now() + Duration::from_secs(10))));
        h.join().unwrap();
        p.raise(3);
        assert_eq!(p.value(), 5, "a timeline never goes back");
    }

    #[test]
    fn binary_take_is_exclusive() {
        let p = Payload::new(1);
        assert!(p.try_take());
        assert!(!p.try_take());
    }

    #[test]
    fn wait_any_of_many() {
        let ps: Vec<Arc<Payload>> = (0..5).map(|_| Arc::new(Payload::new(0))).collect();
        let p3 = ps[3].clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            p3.set(1);
        });
        let words: Vec<&Word> = ps.iter().map(|p| p.word()).collect();
        assert!(wait_until(
            &words,
            Some(Instant::now() + Duration::from_secs(10)),
            || ps.iter().any(|p| p.value() == 1)
        ));
        h.join().unwrap();
    }
}
