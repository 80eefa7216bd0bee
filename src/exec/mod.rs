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

/// [`for_each`] for large work (milliseconds): called from outside the pool (a queue
/// worker, an application thread) on a busy machine, the calling thread works beside the
/// pool threads instead of sleeping until they are done. Pieces of the range are claimed
/// from a shared counter by whichever thread comes, so a pool thread that has no core yet
/// (other processes keep the CPUs busy: the caller's own share of them then counts) or is
/// still busy with other work (a batch rasterizing beside the queue) leaves its part to the
/// others; pool threads that start after the range is claimed return at once. The caller
/// joins only where the last such call found the machine busy ([`CpuShare`]): on an idle
/// machine the pool threads have a core each and a third thread would only take turns with
/// them. The caller still waits for the pool threads to start, which is why small work goes
/// through [`for_each`]. Inside the pool, rayon's splitting.
pub fn share(n: usize, f: impl Fn(usize) + Send + Sync) {
    share_with(n, f, None)
}

/// [`share`], the caller joining as `join` says (None: as [`CpuShare`] says).
fn share_with(n: usize, f: impl Fn(usize) + Send + Sync, join: Option<bool>) {
    if n <= 1 || thread_count() == 1 {
        (0..n).for_each(f);
        return;
    }
    let p = pool();
    if p.current_thread_index().is_some() {
        use rayon::prelude::*;
        return (0..n).into_par_iter().for_each(f);
    }
    // Pieces small enough to balance, large enough that the counter is not contended.
    let threads = thread_count() + 1;
    let piece = (n / (threads * 8)).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    // CPU time the workers got while the range lasted.
    let cpu = std::sync::atomic::AtomicU64::new(0);
    let work = || {
        let t0 = crate::platform::thread_cpu_ns();
        loop {
            let i = next.fetch_add(piece, std::sync::atomic::Ordering::Relaxed);
            if i >= n {
                break;
            }
            (i..(i + piece).min(n)).for_each(&f);
        }
        let used = crate::platform::thread_cpu_ns().saturating_sub(t0);
        cpu.fetch_add(used, std::sync::atomic::Ordering::Relaxed);
    };
    let join = join.unwrap_or_else(|| CPU_SHARE.busy());
    let start = std::time::Instant::now();
    p.in_place_scope(|s| {
        for _ in 0..thread_count() {
            s.spawn(|_| work());
        }
        if join {
            work();
        }
    });
    CPU_SHARE.record(
        cpu.into_inner(),
        start.elapsed().as_nanos() as u64,
        thread_count(),
    );
}

/// What the last [`share`] call's workers got of the CPUs: the CPU time they used over the
/// call's duration times the cores they could have had (the pool's threads, at most the
/// CPUs), in thousandths. Well below 1000, other tasks took cores the pool wanted: the
/// machine is busy and the next call's caller joins. Near 1000 the workers had their cores,
/// whether the caller joined or not (three threads taking turns on two cores still get
/// both cores), so an idle machine goes back to the pool's threads alone.
pub struct CpuShare(std::sync::atomic::AtomicU32);

/// Below this share (thousandths) the machine counts as busy.
const BUSY_SHARE: u32 = 800;

/// Calls shorter than this (ns) say little about the machine (thread start-up dominates).
const SHARE_MIN_NS: u64 = 2_000_000;

static CPU_SHARE: CpuShare = CpuShare(std::sync::atomic::AtomicU32::new(1000));

impl CpuShare {
    /// Whether the last measured call found the machine busy.
    fn busy(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed) < BUSY_SHARE
    }

    /// Records a call: `cpu_ns` used by its workers over `wall_ns`, `threads` pool threads.
    fn record(&self, cpu_ns: u64, wall_ns: u64, threads: usize) {
        if wall_ns < SHARE_MIN_NS {
            return;
        }
        let cores = threads.min(crate::platform::available_cpus()).max(1) as u64;
        let share = (cpu_ns.saturating_mul(1000) / (wall_ns * cores)).min(1000) as u32;
        self.0.store(share, std::sync::atomic::Ordering::Relaxed);
    }
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

/// `f(i, &mut items[i])` for every item, on the pool when there are several ([`share`]:
/// for large work).
pub fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Send + Sync) {
    if items.len() <= 1 || thread_count() == 1 {
        for (i, t) in items.iter_mut().enumerate() {
            f(i, t);
        }
        return;
    }
    // Each item behind its own lock, taken once by the one call that gets its index.
    let items: Vec<std::sync::Mutex<&mut T>> =
        items.iter_mut().map(std::sync::Mutex::new).collect();
    share(items.len(), |i| {
        let mut t = items[i].lock().unwrap_or_else(|e| e.into_inner());
        f(i, &mut t)
    });
}

/// `f(i)` for every `i in 0..n`, on the pool when `n > 1` ([`share`]: for large work),
/// results in index order.
pub fn map<T: Send>(n: usize, f: impl Fn(usize) -> T + Send + Sync) -> Vec<T> {
    if n <= 1 || thread_count() == 1 {
        return (0..n).map(f).collect();
    }
    let out: Vec<std::sync::Mutex<Option<T>>> = (0..n).map(|_| Default::default()).collect();
    share(n, |i| {
        let v = f(i);
        *out[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(v);
    });
    out.into_iter()
        .map(|m| {
            let v = m.into_inner().unwrap_or_else(|e| e.into_inner());
            v.expect("every index ran")
        })
        .collect()
}

/// Fills `out` in chunks of `chunk` elements, `f(first_index, chunk)` on the pool ([`share`]:
/// for large work); each element is written by exactly one call, so the result does not depend on the thread count.
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
    let mut chunks: Vec<&mut [T]> = out.chunks_mut(chunk).collect();
    for_each_mut(&mut chunks, |i, c| f(i * chunk, c));
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

    /// The CPU share: workers that had their cores (whether two or three took turns on
    /// them) leave the machine idle, workers that got well under them make it busy; short
    /// calls change nothing.
    #[test]
    fn cpu_share_tells_a_busy_machine() {
        let share = CpuShare(std::sync::atomic::AtomicU32::new(1000));
        let cores = 2.min(crate::platform::available_cpus()) as u64;
        let wall = 10_000_000;
        share.record(cores * wall, wall, 2);
        assert!(!share.busy());
        share.record(cores * wall / 2, wall, 2);
        assert!(share.busy(), "half the cores: busy");
        share.record(cores * wall, SHARE_MIN_NS - 1, 2);
        assert!(share.busy(), "a short call changes nothing");
        share.record(cores * wall * 95 / 100, wall, 2);
        assert!(!share.busy());
        share.record(cores * wall * 3 / 2, wall, 3);
        assert!(
            !share.busy(),
            "more CPU time than cores (clock skew) is capped, idle"
        );
    }

    /// Makes every pool thread busy until one `()` per thread is sent on the returned
    /// channel.
    fn block_pool() -> std::sync::mpsc::Sender<()> {
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
        release
    }

    /// `share` runs every index exactly once, from outside the pool and inside it; with
    /// every pool thread busy, a joining caller does all the work itself (it returns once
    /// the pool's threads have looked in).
    #[test]
    fn share_runs_every_index_once_and_the_caller_works() {
        use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
        let n = 10_000;
        let hits: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
        share(n, |i| {
            hits[i].fetch_add(1, Ordering::Relaxed);
        });
        pool().install(|| {
            share(n, |i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            })
        });
        assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 2));
        let got = map(1000, |i| i * 3);
        assert!(got.iter().enumerate().all(|(i, &v)| v == i * 3));
        if thread_count() == 1 {
            return;
        }
        // Pool threads busy (spinning), the caller joining (as on a busy machine).
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (started, busy) = std::sync::mpsc::channel::<()>();
        for _ in 0..thread_count() {
            let (stop, started) = (stop.clone(), started.clone());
            pool().spawn(move || {
                let _ = started.send(());
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            });
        }
        for _ in 0..thread_count() {
            busy.recv().unwrap();
        }
        let done = std::sync::Arc::new(AtomicUsize::new(0));
        let d = done.clone();
        let caller = std::thread::spawn(move || {
            share_with(
                64,
                |_| {
                    d.fetch_add(1, Ordering::Relaxed);
                },
                Some(true),
            )
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while done.load(Ordering::Relaxed) < 64 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let by_caller = done.load(Ordering::Relaxed);
        stop.store(true, Ordering::Relaxed);
        caller.join().unwrap();
        assert_eq!(
            by_caller, 64,
            "the caller ran every index with the pool busy"
        );
        assert_eq!(done.load(Ordering::Relaxed), 64);
    }

    /// With every pool thread busy, waiting for a job runs it on the waiting thread (it does
    /// not wait for the pool).
    #[test]
    fn a_job_no_pool_thread_started_runs_where_it_is_waited_for() {
        let release = block_pool();
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
