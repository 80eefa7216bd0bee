//! Futex words and payload cells.

use crate::platform;
use std::sync::atomic::{
    AtomicU32, AtomicU64,
    Ordering::{Relaxed, SeqCst},
};
use std::time::{Duration, Instant};

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

/// When and how long a class of waits spins before sleeping on the futex.
///
/// Spinning pays only when the signaler is running on another core at the same time: then the
/// waiter sees the change a fraction of a microsecond after it happens, without a system call
/// on either side. On a busy machine the kernel tends to run a woken signaler on the waiter's
/// own core (wake-affine placement when no core is idle), and every microsecond spent spinning
/// there delays the very signal being waited for; a wait then costs the spin budget on top of
/// the wake-up. So a `Spin` keeps score: a spin that sees the change earns a credit, one that
/// runs out of budget loses several, and waits spin only while credit remains (a spin has to
/// succeed about four times out of five to stay on). Without credit, one wait in
/// `PROBE_EVERY` still spins, so spinning comes back when the machine quiets down.
#[derive(Debug)]
pub struct Spin {
    budget: Duration,
    credit: AtomicU32,
    waits: AtomicU32,
}

const CREDIT_MAX: u32 = 8;
const CREDIT_GAIN: u32 = 1;
const CREDIT_LOSS: u32 = 4;
const PROBE_EVERY: u32 = 16;

impl Spin {
    pub const fn new(budget: Duration) -> Self {
        Spin {
            budget,
            credit: AtomicU32::new(CREDIT_MAX),
            waits: AtomicU32::new(0),
        }
    }

    /// The budget for the next wait (zero: do not spin).
    fn budget(&self) -> Duration {
        if self.credit.load(Relaxed) > 0
            || self.waits.fetch_add(1, Relaxed).is_multiple_of(PROBE_EVERY)
        {
            self.budget
        } else {
            Duration::ZERO
        }
    }

    fn record(&self, seen: bool) {
        let _ = self.credit.fetch_update(Relaxed, Relaxed, |c| {
            Some(if seen {
                (c + CREDIT_GAIN).min(CREDIT_MAX)
            } else {
                c.saturating_sub(CREDIT_LOSS)
            })
        });
    }
}

/// The spin budget of host waits (vkWaitForFences, vkWaitSemaphores, vkQueueWaitIdle, a queue's
/// semaphore waits) and of an idle queue worker waiting for its next job.
///
/// Measured with `cargo xtask bench --load` on the 2-core development VM, with other builds
/// keeping the load average at 2.6 to 9 even in the "quiet" phase (medians of 3 rounds; us):
///
/// | waits | 1-command submit, quiet / loaded | signal-to-wake one way, quiet / loaded |
/// | --- | --- | --- |
/// | before: 6 400 pauses, then 100 `sched_yield`s, 6 runs | 3.6 to 318 / 3.6 to 6.3 | 0.9 to 158 / 0.9 to 159 |
/// | fixed 50 us spin, then futex | 109 / 111 | 54 / 0.2 |
/// | fixed 20 us spin | 4.0 / 50 | 0.1 / 20 |
/// | fixed 5 us spin | 18 / 13 | 8.4 / 8.4 |
/// | no spin (futex only) | 7.1 / 10 | 2.4 / 2.7 |
/// | 10 us, scored ([`Spin`]), 9 runs | 3.3 to 7.6 / 4.1 to 9.5 | 0.1 to 2.4 / 2.4 to 3.9 |
/// | 10 us, losses only when preempted while spinning, 2 runs (load avg < 2) | 2.6 to 2.8 / 2.6 | 0.10 / 2.9 |
///
/// The last row is the policy in force. Counting every spin that ran out as a loss (the row
/// above it) left some processes with both ends of a submit round trip at zero credit after a
/// few long waits (device creation, 64 MiB copies): each then found the other asleep, and
/// `softvk-bench --latency-child` measured 48 to 60 us per one-command round trip in about half
/// of its runs on an idle machine, 2.6 us in the others.
///
/// (lavapipe: 14.5 / 14.3 us for the submit; eventfd floor: 2.2 / 2.6 us for the wake; the old
/// waits also measured 1 910 us loaded for a wake-up of a sleeping waiter, against 5.5.) A fixed
/// spin shows up twice in a round trip when both ends share a core (the host waiting for the
/// fence, then the worker waiting for the next job): 2 x budget plus the wake-ups, which is the
/// 50 us figure for 20 us and the 110 us one for 50 us; when both ends run at once it beats a
/// futex wake-up by 5 to 20 times. The scored spin keeps the second case and avoids the first. Its
/// budget is about what it saves: a futex wake-up of a sleeping thread costs 6 to 13 us here
/// (the "waiter asleep" row), so spinning longer than that cannot win, and a budget about that
/// size loses at most as much as it can gain; a round trip on an idle machine (3.5 us) fits
/// comfortably in it. 3, 5, 10 and 20 us scored all measured the same under load (the score
/// switches the spin off).
pub const SPIN_BUDGET: Duration = Duration::from_micros(10);

/// Host waits of this process.
static HOST: Spin = Spin::new(SPIN_BUDGET);

/// Waits until `ready()` returns true (then returns true) or `deadline` passes (false).
///
/// `words` are the words whose notification may make `ready()` true. `ready` may be called
/// many times and from this thread only. Spins as the host waits' [`Spin`] allows, then sleeps.
pub fn wait_until(words: &[&Word], deadline: Option<Instant>, ready: impl FnMut() -> bool) -> bool {
    wait_spin_then_sleep(words, deadline, &HOST, ready)
}

/// [`wait_until`] with the spin policy of another class of waits: spins (a CPU pause between
/// checks, the clock read every few checks) until `ready()`, the budget or the deadline,
/// whichever comes first; then announces itself on every word and sleeps on all of them at once
/// (`futex_waitv`), rechecking `ready()` after every wake-up. It never yields: under load
/// `sched_yield` hands the core to another process for a whole time slice.
pub fn wait_spin_then_sleep(
    words: &[&Word],
    deadline: Option<Instant>,
    spin: &Spin,
    mut ready: impl FnMut() -> bool,
) -> bool {
    if ready() {
        return true;
    }
    let now = Instant::now();
    if deadline.is_some_and(|d| now >= d) {
        return false;
    }
    let budget = spin.budget();
    let mut spin_failed = false;
    if !budget.is_zero() {
        let end = now + budget;
        let cut_short = deadline.is_some_and(|d| d < end);
        let end = deadline.map_or(end, |d| d.min(end));
        let mut last = now;
        let mut preempted = false;
        loop {
            for _ in 0..CHECKS_PER_CLOCK_READ {
                std::hint::spin_loop();
                if ready() {
                    spin.record(true);
                    return true;
                }
            }
            let t = Instant::now();
            // A few checks take well under a microsecond: a longer gap between two clock
            // reads means this thread lost its core meanwhile.
            preempted |= t - last > PREEMPTION_GAP;
            last = t;
            if t >= end {
                break;
            }
        }
        spin_failed = !cut_short && preempted;
    }
    for w in words {
        w.waiters.fetch_add(1, SeqCst);
    }
    let mut snapshot: Vec<(&AtomicU32, u32)> = Vec::with_capacity(words.len());
    let result = loop {
        snapshot.clear();
        snapshot.extend(words.iter().map(|w| (&w.seq, w.seq.load(SeqCst))));
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
    // A spin that ran out counts against spinning only if this thread lost its core while it
    // spun: the machine is busy, and the spin competed with the thread it waited for (on a
    // shared core, it delays that thread by its whole budget). A spin that ran out on a core
    // of its own only found the awaited work longer than the budget, or the other thread
    // asleep: counting that as a loss would, after a few long waits, switch spinning off on
    // both ends of a submit/complete round trip at once, and each end would then always find
    // the other asleep (measured: round trips of 50 us instead of 3 on an idle machine).
    if spin_failed {
        spin.record(false);
    }
    result
}

/// A gap between two clock reads of the spin loop longer than this means the thread was
/// descheduled (the reads are a few pauses apart: well under a microsecond).
const PREEMPTION_GAP: Duration = Duration::from_micros(5);

/// `ready()` checks between two clock reads while spinning (a clock read costs about as much
/// as a few pauses).
const CHECKS_PER_CLOCK_READ: u32 = 8;

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
    fn spinning_stops_after_failures_and_probes_back() {
        let spin = Spin::new(Duration::from_micros(10));
        let budgets = |n: usize| (0..n).map(|_| spin.budget()).collect::<Vec<_>>();
        assert!(!spin.budget().is_zero(), "a new class of waits spins");
        // Two spins that run out of budget use up the credit.
        spin.record(false);
        spin.record(false);
        let b = budgets(PROBE_EVERY as usize * 2);
        let spun = b.iter().filter(|b| !b.is_zero()).count();
        assert_eq!(
            spun, 2,
            "only one probe in {PROBE_EVERY} waits spins: {b:?}"
        );
        // A probe that sees its change gives the credit for the next wait.
        spin.record(true);
        assert!(!spin.budget().is_zero());
        // And a wait that runs into its deadline while spinning does not count as a failure.
        let p = Payload::new(0);
        let sp = Spin::new(Duration::from_millis(50));
        for _ in 0..4 {
            assert!(!wait_spin_then_sleep(
                &[p.word()],
                Some(Instant::now() + Duration::from_micros(100)),
                &sp,
                || p.value() != 0
            ));
        }
        assert_eq!(sp.credit.load(SeqCst), CREDIT_MAX);
    }

    /// Many hand-offs between two threads, through spins, sleeps and the score switching
    /// between them: no wake-up is lost (every wait has a generous deadline and must succeed).
    #[test]
    fn ping_pong_never_loses_a_wake_up() {
        let ping = Arc::new(Payload::new(0));
        let pong = Arc::new(Payload::new(0));
        let rounds = 5000u64;
        let (pi, po) = (ping.clone(), pong.clone());
        let peer = std::thread::spawn(move || {
            for k in 1..=rounds {
                assert!(pi.wait_at_least(k, Some(Instant::now() + Duration::from_secs(10))));
                if k % 500 == 0 {
                    std::thread::sleep(Duration::from_micros(200)); // let the other side sleep
                }
                po.raise(k);
            }
        });
        for k in 1..=rounds {
            ping.raise(k);
            assert!(
                pong.wait_at_least(k, Some(Instant::now() + Duration::from_secs(10))),
                "round {k}"
            );
        }
        peer.join().unwrap();
    }

    #[test]
    fn an_expired_deadline_does_not_wait() {
        let p = Payload::new(0);
        assert!(!p.wait_at_least(1, Some(Instant::now())));
        assert!(p.wait_at_least(0, Some(Instant::now())));
        let sp = Spin::new(Duration::from_millis(50));
        let t0 = Instant::now();
        assert!(!wait_spin_then_sleep(&[p.word()], Some(t0), &sp, || false));
        assert_eq!(sp.credit.load(SeqCst), CREDIT_MAX, "no spin was tried");
        assert_eq!(sp.waits.load(SeqCst), 0, "no spin was considered");
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
