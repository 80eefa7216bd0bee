//! Queues: one worker thread each, submissions run asynchronously and in order.
//!
//! `vkQueueSubmit` appends a job and returns at once. The worker takes jobs in order; for each
//! batch it waits on the batch's semaphores (on the worker, so a submit may wait for a value the
//! host or another queue signals later: wait-before-signal), runs the command buffers, then
//! signals the batch's semaphores; after the last batch of a job it signals the job's fence.
//!
//! Hops: `submit` pushes the job and notifies the worker's job word (a FUTEX_WAKE only if the
//! worker sleeps); an idle worker spins for its next job under its own score (`Spin`: it stops
//! spinning when jobs do not follow one another within the budget) and otherwise sleeps on the
//! word; fences and semaphores are signaled by a store plus a wake of their sleepers. Batches
//! without waits or command buffers, submitted to an idle queue, complete in `submit` itself.
//!
//! Idle tracking: `submitted` counts jobs handed in, `completed` jobs finished; both only grow.
//! vkQueueWaitIdle waits for `completed` to reach the `submitted` it saw.
//!
//! Shutdown (device destruction) sets `shutdown` and notifies the cancel word: a worker blocked
//! on a semaphore or event that will never be signaled gives up instead of hanging the process.
//!
//! Lock order: `jobs` is the only lock and is never held while waiting or executing.

use crate::command::Recording;
use crate::command::exec::{self, ExecContext};
use crate::error::{Error, ErrorKind, Result};
use crate::log::{Reporter, Severity};
use crate::sync::{
    PayloadRef, SPIN_BUDGET, SignalOp, Spin, WaitOp, Word, wait_spin_then_sleep, wait_until,
};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

/// One batch of a submission (a VkSubmitInfo / VkSubmitInfo2), with its semaphores already
/// resolved to the payloads in effect at submission ([`Semaphore::for_wait`],
/// [`Semaphore::for_signal`]).
#[derive(Debug, Default)]
pub struct Batch {
    pub waits: Vec<WaitOp>,
    pub command_buffers: Vec<Arc<Recording>>,
    pub signals: Vec<SignalOp>,
}

impl Batch {
    fn is_empty_work(&self) -> bool {
        self.waits.is_empty() && self.command_buffers.is_empty()
    }
}

struct Job {
    batches: Vec<Batch>,
    fence: Option<Arc<PayloadRef>>,
}

struct Shared {
    jobs: Mutex<VecDeque<Job>>,
    job_word: Word,
    submitted: AtomicU64,
    completed: AtomicU64,
    done_word: Word,
    shutdown: AtomicBool,
    cancel_word: Word,
    /// The worker's spin for its next job (its own score: how soon jobs follow one another).
    idle_spin: Spin,
    reporter: Arc<Reporter>,
}

/// One VkQueue.
pub struct Queue {
    family: u32,
    index: u32,
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("family", &self.family)
            .field("index", &self.index)
            .finish()
    }
}

impl Queue {
    pub fn new(family: u32, index: u32, reporter: Arc<Reporter>) -> Result<Arc<Self>> {
        let shared = Arc::new(Shared {
            jobs: Mutex::new(VecDeque::new()),
            job_word: Word::new(),
            submitted: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            done_word: Word::new(),
            shutdown: AtomicBool::new(false),
            cancel_word: Word::new(),
            idle_spin: Spin::new(SPIN_BUDGET),
            reporter,
        });
        let s = shared.clone();
        let worker = std::thread::Builder::new()
            .name(format!("softvk-queue-{family}.{index}"))
            .spawn(move || worker(&s))
            .map_err(|e| {
                Error::new(
                    ErrorKind::InitializationFailed,
                    format!("cannot start a queue thread: {e}"),
                )
            })?;
        Ok(Arc::new(Queue {
            family,
            index,
            shared,
            worker: Mutex::new(Some(worker)),
        }))
    }

    pub fn family(&self) -> u32 {
        self.family
    }

    pub fn index(&self) -> u32 {
        self.index
    }

    pub fn reporter(&self) -> &Arc<Reporter> {
        &self.shared.reporter
    }

    /// vkQueueSubmit(2): queues the batches; `fence` (from [`Fence::for_signal`]) is signaled
    /// after the last one.
    pub fn submit(&self, batches: Vec<Batch>, fence: Option<Arc<PayloadRef>>) -> Result<()> {
        if self.shared.shutdown.load(SeqCst) {
            return Err(Error::new(
                ErrorKind::DeviceLost,
                "the queue's device is being destroyed",
            ));
        }
        if batches.iter().all(Batch::is_empty_work) && self.idle() {
            // Nothing to wait for and nothing queued ahead: the signal operations can complete
            // right here, in submission order, without a round trip through the worker.
            for b in &batches {
                for op in &b.signals {
                    op.execute();
                }
            }
            if let Some(f) = fence {
                f.signal(false, 1);
            }
            return Ok(());
        }
        let mut jobs = self.shared.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.push_back(Job { batches, fence });
        self.shared.submitted.fetch_add(1, SeqCst);
        drop(jobs);
        self.shared.job_word.notify();
        Ok(())
    }

    fn idle(&self) -> bool {
        self.shared.completed.load(SeqCst) == self.shared.submitted.load(SeqCst)
    }

    /// vkQueueWaitIdle.
    pub fn wait_idle(&self) -> Result<()> {
        let target = self.shared.submitted.load(SeqCst);
        let s = &self.shared;
        wait_until(&[&s.done_word, &s.cancel_word], None, || {
            s.completed.load(SeqCst) >= target || s.shutdown.load(SeqCst)
        });
        if s.completed.load(SeqCst) >= target {
            Ok(())
        } else {
            Err(Error::new(ErrorKind::DeviceLost, "the queue was shut down"))
        }
    }

    /// Waits up to `deadline` for idle; false on timeout.
    pub fn wait_idle_until(&self, deadline: Instant) -> bool {
        let target = self.shared.submitted.load(SeqCst);
        let s = &self.shared;
        wait_until(&[&s.done_word], Some(deadline), || {
            s.completed.load(SeqCst) >= target
        })
    }

    /// Stops the worker: pending waits are cancelled, queued jobs are dropped.
    pub fn shutdown(&self) {
        self.shared.shutdown.store(true, SeqCst);
        self.shared.cancel_word.notify();
        self.shared.job_word.notify();
        if let Some(h) = self.worker.lock().unwrap_or_else(|e| e.into_inner()).take()
            && h.join().is_err()
        {
            self.shared
                .reporter
                .report(Severity::Error, "softvk-queue", "queue worker panicked");
        }
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn worker(s: &Shared) {
    let cancelled = || s.shutdown.load(SeqCst);
    let ctx = ExecContext {
        reporter: &s.reporter,
        cancel_word: &s.cancel_word,
        cancelled: &cancelled,
    };
    // The emptied draw batch command buffers hand on (their draws' buffers).
    let mut kept = None;
    loop {
        // A job is queued exactly when `submitted` is ahead of `completed` (only this thread
        // completes jobs, and `submit` counts a job after queueing it): the spin reads two
        // counters instead of taking the lock the submitting thread needs.
        wait_spin_then_sleep(&[&s.job_word], None, &s.idle_spin, || {
            s.submitted.load(SeqCst) != s.completed.load(SeqCst) || cancelled()
        });
        let job = s.jobs.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
        let Some(job) = job else {
            if cancelled() {
                return; // shutdown
            }
            continue;
        };
        for batch in &job.batches {
            for op in &batch.waits {
                if !op.execute(&s.cancel_word, &cancelled) {
                    return;
                }
            }
            for rec in &batch.command_buffers {
                exec::execute(rec, &ctx, &mut kept);
            }
            if cancelled() {
                return;
            }
            for op in &batch.signals {
                op.execute();
            }
        }
        if let Some(f) = &job.fence {
            f.signal(false, 1);
        }
        s.completed.fetch_add(1, SeqCst);
        s.done_word.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{Fence, Semaphore, SemaphoreKind};
    use std::time::Duration;

    #[test]
    fn wait_before_signal_completes_when_host_signals() {
        let q = Queue::new(0, 0, Reporter::new()).unwrap();
        let t = Arc::new(Semaphore::new(SemaphoreKind::Timeline, 0, [0; 32], false).unwrap());
        let done = Arc::new(Semaphore::new(SemaphoreKind::Timeline, 0, [0; 32], false).unwrap());
        let fence = Arc::new(Fence::new(false, [0; 32], false).unwrap());
        q.submit(
            vec![Batch {
                waits: vec![t.for_wait(5)],
                command_buffers: vec![],
                signals: vec![done.for_signal(1)],
            }],
            Some(fence.for_signal()),
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert!(!fence.is_signaled());
        t.signal_host(5).unwrap();
        assert!(Fence::wait_many(
            &[fence],
            true,
            Some(Instant::now() + Duration::from_secs(10))
        ));
        assert_eq!(done.counter_value(), 1);
        q.wait_idle().unwrap();
    }

    #[test]
    fn shutdown_does_not_hang_on_unsignaled_wait() {
        let q = Queue::new(0, 0, Reporter::new()).unwrap();
        let b = Semaphore::new(SemaphoreKind::Binary, 0, [0; 32], false).unwrap();
        q.submit(
            vec![Batch {
                waits: vec![b.for_wait(0)],
                ..Default::default()
            }],
            None,
        )
        .unwrap();
        assert!(!q.wait_idle_until(Instant::now() + Duration::from_millis(20)));
        q.shutdown();
        assert!(q.wait_idle().is_err());
    }
}
