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

/// Work handed to the pool by [`spawn`]; [`Job::wait`] gives its result.
pub struct Job<T>(std::sync::Arc<JobState<T>>);

impl<T> std::fmt::Debug for Job<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

/// A [`Job`]'s work until a thread claims it, then its result.
struct JobState<T> {
    work: std::sync::Mutex<Option<Box<dyn FnOnce() -> T + Send>>>,
    done: std::sync::Mutex<Option<std::thread::Result<T>>>,
    ready: std::sync::Condvar,
}

impl<T> JobState<T> {
    /// Runs the work if no thread has claimed it yet.
    fn claim(&self) -> Option<std::thread::Result<T>> {
        let work = self.work.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)))
    }
}

impl<T> Job<T> {
    /// The work's result, or its panic resumed on this thread: run here if no pool thread
    /// has started it (on a busy machine the pool may not have had a core since the spawn:
    /// waiting for it would cost more than the work), else waited for.
    pub fn wait(self) -> T {
        let r = match self.0.claim() {
            Some(r) => r,
            None => {
                let mut done = self.0.done.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(r) = done.take() {
                        break r;
                    }
                    done = self.0.ready.wait(done).unwrap_or_else(|e| e.into_inner());
                }
            }
        };
        r.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// Hands `f` to the pool and returns at once, so that the caller works beside it (the
/// caller's [`Job::wait`] runs it itself if no pool thread has started it by then); with one
/// thread (`SOFTVK_THREADS=1`) nothing is handed over and `wait` runs it.
pub fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Job<T> {
    let state = std::sync::Arc::new(JobState {
        work: std::sync::Mutex::new(Some(Box::new(f) as Box<dyn FnOnce() -> T + Send>)),
        done: std::sync::Mutex::new(None),
        ready: std::sync::Condvar::new(),
    });
    if thread_count() > 1 {
        let s = state.clone();
        pool().spawn(move || {
            if let Some(r) = s.claim() {
                *s.done.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                s.ready.notify_one();
            }
        });
    }
    Job(state)
}

/// `f(i, &mut items[i])` for every item, on the pool when there are several.
pub fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Send + Sync) {
    if items.len() <= 1 || thread_count() == 1 {
        for (i, t) in items.iter_mut().enumerate() {
            f(i, t);
        }
        return;
    }
    use rayon::prelude::*;
    pool().install(|| items.par_iter_mut().enumerate().for_each(|(i, t)| f(i, t)));
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

#[cfg(test)]
mod job_tests {
    use super::*;

    /// Jobs give their results (run on the pool or claimed back), and a job's panic
    /// reaches the waiter.
    #[test]
    fn jobs_give_their_results_and_panics() {
        let jobs: Vec<Job<usize>> = (0..64).map(|i| spawn(move || i * 2)).collect();
        for (i, j) in jobs.into_iter().enumerate() {
            assert_eq!(j.wait(), i * 2);
        }
        let j = spawn(|| -> u32 { panic!("a job's panic") });
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| j.wait()));
        assert!(r.is_err());
    }

    /// With every pool thread busy, waiting for a job runs it on the waiting thread (it does
    /// not wait for the pool).
    #[test]
    fn a_job_no_pool_thread_started_runs_where_it_is_waited_for() {
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let blocked = std::sync::Arc::new(std::sync::Mutex::new(blocked));
        let (started, busy) = std::sync::mpsc::channel::<()>();
        for _ in 0..thread_count() {
            let (blocked, started) = (blocked.clone(), started.clone());
            pool().spawn(move || {
                let _ = started.send(());
                // Each pool thread holds here until released (one at a time through the
                // lock, the others wait for the lock: all busy).
                let _ = blocked.lock().unwrap().recv();
            });
        }
        // At least one pool thread is busy; with the others waiting on the lock, all are.
        busy.recv().unwrap();
        let job = spawn(move || std::thread::current().id());
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let _ = tx.send((job.wait(), std::thread::current().id()));
        });
        let ran_on = rx.recv_timeout(std::time::Duration::from_secs(20));
        for _ in 0..thread_count() {
            let _ = release.send(());
        }
        waiter.join().unwrap();
        let (ran_on, waiting) = ran_on.expect("the waiter ran the job itself");
        assert_eq!(ran_on, waiting, "ran on the waiting thread");
    }
}
