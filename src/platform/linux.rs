//! Linux implementation of the platform layer.
//!
//! Futex operations are *shared* (no `FUTEX_PRIVATE_FLAG`) so that the same code waits on words
//! in private memory and in memfd pages mapped by several processes.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::AtomicU32;
use std::time::{Duration, Instant};

/// Creates an anonymous shared-memory file of `size` bytes (zero-filled, close-on-exec).
pub fn memfd(name: &str, size: u64) -> io::Result<OwnedFd> {
    use nix::sys::memfd::{MFdFlags, memfd_create};
    let fd = memfd_create(name, MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING)
        .map_err(io::Error::from)?;
    let len = i64::try_from(size).map_err(|_| io::Error::from_raw_os_error(libc::EFBIG))?;
    nix::unistd::ftruncate(&fd, len).map_err(io::Error::from)?;
    Ok(fd)
}

/// Size in bytes of the file behind `fd`.
pub fn file_size(fd: &impl std::os::fd::AsFd) -> io::Result<u64> {
    let st = nix::sys::stat::fstat(fd).map_err(io::Error::from)?;
    Ok(st.st_size as u64)
}

fn timespec(d: Duration) -> libc::timespec {
    libc::timespec {
        tv_sec: d.as_secs().min(i64::MAX as u64) as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    }
}

/// Sleeps while `*word == expected`, until woken, `deadline` passes or a spurious wake-up.
/// The caller rechecks its condition in a loop.
pub fn futex_wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) {
    let ts;
    let tsp = match deadline {
        Some(d) => {
            let now = Instant::now();
            if d <= now {
                return;
            }
            ts = timespec(d - now);
            &ts as *const libc::timespec
        }
        None => std::ptr::null(),
    };
    // SAFETY: `word` is a valid, aligned u32 for the duration of the call; FUTEX_WAIT only reads it.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            tsp,
            std::ptr::null::<u32>(),
            0u32,
        );
    }
}

/// Wakes every thread (in any process) sleeping on `word`.
pub fn futex_wake_all(word: &AtomicU32) {
    // SAFETY: as above; FUTEX_WAKE does not access the memory.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE,
            i32::MAX,
            std::ptr::null::<libc::timespec>(),
            std::ptr::null::<u32>(),
            0u32,
        );
    }
}

#[repr(C)]
struct FutexWaitv {
    val: u64,
    uaddr: u64,
    flags: u32,
    reserved: u32,
}

const FUTEX2_SIZE_U32: u32 = 0x02;
const MAX_WAITV: usize = 128;

/// Sleeps until one of `words` differs from its expected value, one is woken, or `deadline`.
/// Uses `futex_waitv` (Linux 5.16+); on older kernels, or beyond 128 words, it sleeps on the
/// first word for at most 1 ms at a time, which keeps correctness at some latency cost.
pub fn futex_wait_any(words: &[(&AtomicU32, u32)], deadline: Option<Instant>) {
    match words {
        [] => {
            if let Some(d) = deadline {
                std::thread::sleep(d.saturating_duration_since(Instant::now()));
            }
        }
        [(w, v)] => futex_wait(w, *v, deadline),
        _ if words.len() <= MAX_WAITV => {
            let waiters: Vec<FutexWaitv> = words
                .iter()
                .map(|(w, v)| FutexWaitv {
                    val: *v as u64,
                    uaddr: w.as_ptr() as u64,
                    flags: FUTEX2_SIZE_U32,
                    reserved: 0,
                })
                .collect();
            let ts;
            let tsp = match deadline {
                Some(d) => {
                    let now = Instant::now();
                    if d <= now {
                        return;
                    }
                    ts = timespec(monotonic() + (d - now));
                    &ts as *const libc::timespec
                }
                None => std::ptr::null(),
            };
            // SAFETY: `waiters` points at `len` initialised entries whose addresses are valid
            // u32 words that outlive the call; the timeout is absolute CLOCK_MONOTONIC.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_futex_waitv,
                    waiters.as_ptr(),
                    waiters.len() as u32,
                    0u32,
                    tsp,
                    libc::CLOCK_MONOTONIC,
                )
            };
            if r < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS) {
                fallback_wait(words, deadline);
            }
        }
        _ => fallback_wait(words, deadline),
    }
}

fn fallback_wait(words: &[(&AtomicU32, u32)], deadline: Option<Instant>) {
    let step = Instant::now() + Duration::from_millis(1);
    let d = match deadline {
        Some(d) if d < step => d,
        _ => step,
    };
    futex_wait(words[0].0, words[0].1, Some(d));
}

fn monotonic() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the struct we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// CLOCK_MONOTONIC in nanoseconds: the device timestamp domain (timestampPeriod = 1 ns).
pub fn monotonic_ns() -> u64 {
    monotonic().as_nanos() as u64
}

/// CPUs this process may run on (affinity- and cgroup-quota-aware).
pub fn available_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// (total, available) physical memory in bytes, from /proc/meminfo.
pub fn memory_figures() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let field = |name: &str| -> Option<u64> {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    let total = field("MemTotal:").unwrap_or(4 << 30);
    let avail = field("MemAvailable:").unwrap_or(total / 2);
    (total, avail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    #[test]
    fn memfd_has_size() {
        let fd = memfd("t", 12345).unwrap();
        assert_eq!(file_size(&fd).unwrap(), 12345);
    }

    #[test]
    fn futex_wakes_and_times_out() {
        let w = Arc::new(AtomicU32::new(0));
        let t0 = Instant::now();
        futex_wait(&w, 0, Some(t0 + Duration::from_millis(20)));
        assert!(t0.elapsed() >= Duration::from_millis(15));
        let w2 = w.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            w2.store(1, Ordering::SeqCst);
            futex_wake_all(&w2);
        });
        while w.load(Ordering::SeqCst) == 0 {
            futex_wait(&w, 0, Some(Instant::now() + Duration::from_secs(5)));
        }
        h.join().unwrap();
    }

    #[test]
    fn waitv_wakes_on_second_word() {
        let a = Arc::new(AtomicU32::new(0));
        let b = Arc::new(AtomicU32::new(0));
        let b2 = b.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            b2.store(1, Ordering::SeqCst);
            futex_wake_all(&b2);
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        while b.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            futex_wait_any(&[(&a, 0), (&b, 0)], Some(deadline));
        }
        assert_eq!(b.load(Ordering::SeqCst), 1);
        h.join().unwrap();
    }
}
