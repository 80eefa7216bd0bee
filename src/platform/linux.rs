//! Linux implementation of the platform layer.
//!
//! Futex operations are *shared* (no `FUTEX_PRIVATE_FLAG`) so that the same code waits on words
//! in private memory and in memfd pages mapped by several processes.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::atomic::AtomicU32;
use std::time::{Duration, Instant};

use std::os::fd::{AsRawFd, BorrowedFd};

/// Creates an anonymous shared-memory file of `size` bytes (zero-filled, close-on-exec).
/// With `seal`, its size is sealed (F_SEAL_SHRINK | F_SEAL_GROW), so a process that receives it
/// can map it without fearing that a peer truncates it under the mapping (SIGBUS).
pub fn memfd(name: &str, size: u64, seal: bool) -> io::Result<OwnedFd> {
    use nix::fcntl::{FcntlArg, SealFlag, fcntl};
    use nix::sys::memfd::{MFdFlags, memfd_create};
    let fd = memfd_create(name, MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING)
        .map_err(io::Error::from)?;
    let len = i64::try_from(size).map_err(|_| io::Error::from_raw_os_error(libc::EFBIG))?;
    nix::unistd::ftruncate(&fd, len).map_err(io::Error::from)?;
    if seal {
        fcntl(
            &fd,
            FcntlArg::F_ADD_SEALS(SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW),
        )
        .map_err(io::Error::from)?;
    }
    Ok(fd)
}

/// True if the file's size can no longer shrink (F_SEAL_SHRINK), so mappings of it are safe.
/// Tries to add the seal when the file allows sealing.
pub fn ensure_no_shrink(fd: BorrowedFd<'_>) -> bool {
    use nix::fcntl::{FcntlArg, SealFlag, fcntl};
    let has = |fd| {
        fcntl(fd, FcntlArg::F_GET_SEALS)
            .is_ok_and(|s| SealFlag::from_bits_truncate(s).contains(SealFlag::F_SEAL_SHRINK))
    };
    has(fd) || (fcntl(fd, FcntlArg::F_ADD_SEALS(SealFlag::F_SEAL_SHRINK)).is_ok() && has(fd))
}

/// What /proc says the descriptor is: `/memfd:name (deleted)`, `anon_inode:[eventfd]`,
/// `anon_inode:sync_file`, `/dmabuf:`, a path, ... `None` if the descriptor is not open.
pub fn fd_kind(fd: i32) -> Option<String> {
    std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// True if `fd` is an open descriptor of this process.
pub fn fd_is_open(fd: i32) -> bool {
    fd >= 0
        && nix::fcntl::fcntl(
            unsafe { BorrowedFd::borrow_raw(fd) },
            nix::fcntl::FcntlArg::F_GETFD,
        )
        .is_ok()
}

/// A new descriptor (close-on-exec) for the same open file.
pub fn dup(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    fd.try_clone_to_owned()
}

/// Size of the object behind `fd`: seeking to the end works for memfds and dma-bufs alike.
pub fn fd_size(fd: BorrowedFd<'_>) -> io::Result<u64> {
    let end = nix::unistd::lseek(fd, 0, nix::unistd::Whence::SeekEnd).map_err(io::Error::from)?;
    let _ = nix::unistd::lseek(fd, 0, nix::unistd::Whence::SeekSet);
    Ok(end as u64)
}

/// An eventfd (close-on-exec, initial count 0).
pub fn eventfd() -> io::Result<OwnedFd> {
    use nix::sys::eventfd::{EfdFlags, EventFd};
    EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC)
        .map(OwnedFd::from)
        .map_err(io::Error::from)
}

/// Makes an eventfd readable (adds 1 to its counter); it stays readable (nobody reads it).
pub fn eventfd_signal(fd: BorrowedFd<'_>) {
    let one = 1u64.to_ne_bytes();
    let _ = nix::unistd::write(fd, &one);
}

/// Polls `fd` for readability for up to `timeout` (None: no wait); true if readable.
pub fn poll_readable(fd: BorrowedFd<'_>, timeout: Option<Duration>) -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let ms = timeout.map_or(0, |t| t.as_millis().min(i32::MAX as u128) as i32);
    let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)), Ok(n) if n > 0)
        && fds[0]
            .revents()
            .is_some_and(|r| r.contains(PollFlags::POLLIN))
}

/// True if every page of `[addr, addr + len)` is mapped in this process.
pub fn host_range_mapped(addr: usize, len: usize) -> bool {
    let page = page_size();
    if len == 0 || !addr.is_multiple_of(page) {
        return false;
    }
    let pages = len.div_ceil(page);
    let mut vec = vec![0u8; pages];
    // SAFETY: mincore only reports residency; it fails with ENOMEM for unmapped pages and never
    // touches the memory. `vec` has one byte per page.
    unsafe { libc::mincore(addr as *mut libc::c_void, len, vec.as_mut_ptr()) == 0 }
}

pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 { p as usize } else { 4096 }
}

/// A dma-buf made from (a sealed) memfd by /dev/udmabuf, when the kernel offers it.
pub fn udmabuf_from_memfd(memfd: BorrowedFd<'_>, size: u64) -> Option<OwnedFd> {
    use std::os::fd::FromRawFd;
    #[repr(C)]
    struct UdmabufCreate {
        memfd: u32,
        flags: u32,
        offset: u64,
        size: u64,
    }
    const UDMABUF_FLAGS_CLOEXEC: u32 = 0x01;
    // _IOW('u', 0x42, struct udmabuf_create)
    const UDMABUF_CREATE: libc::c_ulong = (1 << 30)
        | ((std::mem::size_of::<UdmabufCreate>() as libc::c_ulong) << 16)
        | ((b'u' as libc::c_ulong) << 8)
        | 0x42;
    let dev = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/udmabuf")
        .ok()?;
    let arg = UdmabufCreate {
        memfd: memfd.as_raw_fd() as u32,
        flags: UDMABUF_FLAGS_CLOEXEC,
        offset: 0,
        size: size.div_ceil(page_size() as u64) * page_size() as u64,
    };
    // SAFETY: UDMABUF_CREATE reads the struct we pass and returns a new fd or -1.
    let fd = unsafe { libc::ioctl(dev.as_raw_fd(), UDMABUF_CREATE, &arg) };
    // SAFETY: a non-negative result is a new descriptor owned by us.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
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

/// CPU time the calling thread has used, in nanoseconds (CLOCK_THREAD_CPUTIME_ID).
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the struct we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
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
    use std::os::fd::AsFd;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    /// A thread's CPU clock advances while it computes and not while it sleeps.
    #[test]
    fn thread_cpu_time_counts_work_not_sleep() {
        let t0 = thread_cpu_ns();
        std::thread::sleep(Duration::from_millis(20));
        let slept = thread_cpu_ns() - t0;
        let t1 = thread_cpu_ns();
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while start.elapsed() < Duration::from_millis(20) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let worked = thread_cpu_ns() - t1;
        assert!(slept < 5_000_000, "{slept} ns while asleep");
        assert!(worked > 1_000_000, "{worked} ns while busy");
    }

    #[test]
    fn memfd_has_size_and_seals() {
        let fd = memfd("t", 12345, true).unwrap();
        assert_eq!(fd_size(fd.as_fd()).unwrap(), 12345);
        assert!(ensure_no_shrink(fd.as_fd()));
        assert!(nix::unistd::ftruncate(&fd, 10).is_err(), "sealed");
        assert!(fd_kind(fd.as_raw_fd()).unwrap().starts_with("/memfd:t"));
        let open = memfd("u", 4096, false).unwrap();
        assert!(ensure_no_shrink(open.as_fd()), "the seal can be added");
    }

    #[test]
    fn eventfds_poll_readable_once_signaled() {
        let e = eventfd().unwrap();
        assert!(!poll_readable(e.as_fd(), None));
        eventfd_signal(e.as_fd());
        assert!(poll_readable(e.as_fd(), None));
        assert!(
            poll_readable(e.as_fd(), Some(Duration::from_millis(1))),
            "stays readable"
        );
        assert_eq!(
            fd_kind(e.as_raw_fd()).as_deref(),
            Some("anon_inode:[eventfd]")
        );
    }

    #[test]
    fn host_ranges() {
        let v = vec![0u8; 3 * page_size()];
        let start = (v.as_ptr() as usize).div_ceil(page_size()) * page_size();
        assert!(host_range_mapped(start, page_size()));
        assert!(!host_range_mapped(start + 1, page_size()), "misaligned");
        assert!(
            !host_range_mapped(page_size(), page_size()),
            "page 1 is never mapped"
        );
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
