//! The thread pool: the only place that spawns parallel work.
//!
//! One rayon pool per process, sized by the CPUs this process may use (affinity and cgroup
//! quota, see [`crate::platform::available_cpus`]) unless `SOFTVK_THREADS` says otherwise.
//! Work is split into pieces whose results do not depend on which thread runs them, so output is
//! bit-identical for any thread count. Queue workers call into the pool; no lock is held across
//! a call into it.

use std::sync::OnceLock;

/// Threads the driver uses for parallel work (`SOFTVK_THREADS`, else the usable CPUs).
pub fn thread_count() -> usize {
    static COUNT: OnceLock<usize> = OnceLock::new();
    *COUNT.get_or_init(|| {
        match std::env::var("SOFTVK_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
        {
            Some(n) if n >= 1 => n.min(1024),
            _ => crate::platform::available_cpus(),
        }
    })
}

/// The process-wide pool.
pub fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(thread_count())
            .thread_name(|i| format!("softvk-pool-{i}"))
            .build()
            .expect("softvk: cannot start the thread pool")
    })
}

/// Runs `f(i)` for every `i in 0..n`, in parallel when `n > 1` and more than one thread exists.
pub fn for_each(n: usize, f: impl Fn(usize) + Send + Sync) {
    if n <= 1 || thread_count() == 1 {
        (0..n).for_each(f);
        return;
    }
    use rayon::prelude::*;
    pool().install(|| (0..n).into_par_iter().for_each(f));
}

/// Work started by [`spawn`]; [`Job::wait`] gives its result.
#[derive(Debug)]
pub enum Job<T> {
    /// Running on the pool.
    Pool(std::sync::mpsc::Receiver<std::thread::Result<T>>),
    /// Done where it was started (one thread).
    Done(std::thread::Result<T>),
}

impl<T> Job<T> {
    /// Blocks until the work is done: its result, or its panic resumed on this thread.
    pub fn wait(self) -> T {
        let r = match self {
            Job::Pool(rx) => rx.recv().unwrap_or_else(|_| {
                // The pool dropped the work without running it (only at process exit).
                Err(Box::new("softvk: the thread pool dropped a job"))
            }),
            Job::Done(r) => r,
        };
        r.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// Starts `f` on the pool and returns at once, so that the caller works beside it; with one
/// thread (`SOFTVK_THREADS=1`) `f` runs here, before `spawn` returns.
pub fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Job<T> {
    let run = move || std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    if thread_count() == 1 {
        return Job::Done(run());
    }
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    pool().spawn(move || {
        // (The receiver is gone only if the waiter itself panicked.)
        let _ = tx.send(run());
    });
    Job::Pool(rx)
}

/// `f(i)` for every `i in 0..n`, on the pool when `n > 1`, results in index order.
pub fn map<T: Send>(n: usize, f: impl Fn(usize) -> T + Send + Sync) -> Vec<T> {
    if n <= 1 || thread_count() == 1 {
        return (0..n).map(f).collect();
    }
    use rayon::prelude::*;
    pool().install(|| (0..n).into_par_iter().map(f).collect())
}

/// Fills `out` in chunks of `chunk` elements, `f(first_index, chunk)` on the pool; each element
/// is written by exactly one call, so the result does not depend on the thread count.
pub fn fill_chunks<T: Send>(
    out: &mut [T],
    chunk: usize,
    f: impl Fn(usize, &mut [T]) + Send + Sync,
) {
    let chunk = chunk.max(1);
    if out.len() <= chunk || thread_count() == 1 {
        for (i, c) in out.chunks_mut(chunk).enumerate() {
            f(i * chunk, c);
        }
        return;
    }
    use rayon::prelude::*;
    pool().install(|| {
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| f(i * chunk, c))
    });
}
