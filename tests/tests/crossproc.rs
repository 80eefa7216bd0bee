//! External handles across processes: a second process (this test binary again, in a child
//! role) receives file descriptors over a unix socket with SCM_RIGHTS. Memory is shared both
//! ways, OPAQUE_FD semaphores (binary, timeline) and fences are signaled and waited in both
//! directions, a SYNC_FD goes from a producer's queue to a consumer's queue, and a peer killed
//! mid-way leaves the survivor working.

use ash::vk;
use softvk_tests::ext::{self, DMABUF, OPAQUE, USAGE};
use softvk_tests::ipc::{self, Channel};
use std::os::fd::{AsRawFd, IntoRawFd};
use std::time::{Duration, Instant};

const SIZE: u64 = 1 << 20;
const SEM_OPAQUE: vk::ExternalSemaphoreHandleTypeFlags =
    vk::ExternalSemaphoreHandleTypeFlags::OPAQUE_FD;
const SEM_SYNC: vk::ExternalSemaphoreHandleTypeFlags =
    vk::ExternalSemaphoreHandleTypeFlags::SYNC_FD;
const FENCE_OPAQUE: vk::ExternalFenceHandleTypeFlags = vk::ExternalFenceHandleTypeFlags::OPAQUE_FD;

fn wait_child(mut child: std::process::Child) {
    let status = child.wait().unwrap();
    assert!(status.success(), "the child process failed: {status}");
}

fn wait_value(
    vk: &softvk_tests::Vk,
    sem: vk::Semaphore,
    value: u64,
    timeout: Duration,
) -> Result<(), vk::Result> {
    let s = [sem];
    let v = [value];
    unsafe {
        vk.device.wait_semaphores(
            &vk::SemaphoreWaitInfo::default().semaphores(&s).values(&v),
            timeout.as_nanos() as u64,
        )
    }
}

fn signal_value(vk: &softvk_tests::Vk, sem: vk::Semaphore, value: u64) {
    unsafe {
        vk.device.signal_semaphore(
            &vk::SemaphoreSignalInfo::default()
                .semaphore(sem)
                .value(value),
        )
    }
    .unwrap();
}

/// Memory both ways: each process exports an allocation, the other imports it; device work in
/// one process is seen in the other.
#[test]
fn shared_memory_both_ways() {
    const NAME: &str = "shared_memory_both_ways";
    if ipc::role().is_some() {
        let ch = Channel::from_env();
        let vk = ext::device(true);
        let f = ext::fns(&vk);
        // The parent's memory: check its contents, then fill it with the queue.
        let fds = ch.expect("parent memory");
        let theirs = ext::import_memory(&vk, SIZE, OPAQUE, fds[0].as_raw_fd()).unwrap();
        std::mem::forget(fds); // the driver owns the fd now
        assert!(
            ext::map(&vk, theirs, SIZE)
                .iter()
                .take(4096)
                .all(|&b| b == 0x5A)
        );
        let buf = ext::buffer_on(&vk, theirs, SIZE, OPAQUE);
        vk.run(|cb| unsafe {
            vk.device
                .cmd_fill_buffer(cb, buf, 0, vk::WHOLE_SIZE, 0x0C0C0C0C)
        });
        // Our memory, exported as DMA_BUF, filled by a copy from theirs.
        let mine = ext::alloc_exportable(&vk, SIZE, DMABUF | OPAQUE);
        let mbuf = ext::buffer_on(&vk, mine, SIZE, DMABUF | OPAQUE);
        vk.run(|cb| unsafe {
            vk.device.cmd_copy_buffer(
                cb,
                buf,
                mbuf,
                &[vk::BufferCopy {
                    src_offset: 0,
                    dst_offset: 0,
                    size: SIZE,
                }],
            );
        });
        let fd = ext::memory_fd(&f, mine, DMABUF);
        ch.send("child memory", &[fd]);
        unsafe { libc::close(fd) };
        ch.expect("done");
        unsafe {
            vk.device.destroy_buffer(buf, None);
            vk.device.destroy_buffer(mbuf, None);
            vk.device.free_memory(theirs, None);
            vk.device.free_memory(mine, None);
        }
        return;
    }
    let (ch, child_end) = Channel::pair();
    let child = ipc::spawn(NAME, "child", child_end);
    let vk = ext::device(true);
    let f = ext::fns(&vk);
    let mine = ext::alloc_exportable(&vk, SIZE, OPAQUE);
    let buf = ext::buffer_on(&vk, mine, SIZE, OPAQUE);
    vk.run(|cb| unsafe {
        vk.device
            .cmd_fill_buffer(cb, buf, 0, vk::WHOLE_SIZE, 0x5A5A5A5A)
    });
    let fd = ext::memory_fd(&f, mine, OPAQUE);
    ch.send("parent memory", &[fd]);
    unsafe { libc::close(fd) };
    let fds = ch.expect("child memory");
    // The child filled our memory through its import ...
    assert!(ext::map(&vk, mine, SIZE).iter().all(|&b| b == 0x0C));
    // ... and its own memory (a different fd number here) holds the copy.
    let theirs = ext::import_memory(&vk, SIZE, DMABUF, fds[0].as_raw_fd()).unwrap();
    std::mem::forget(fds);
    assert!(ext::map(&vk, theirs, SIZE).iter().all(|&b| b == 0x0C));
    ch.send("done", &[]);
    wait_child(child);
    unsafe {
        vk.device.destroy_buffer(buf, None);
        vk.device.free_memory(mine, None);
        vk.device.free_memory(theirs, None);
    }
}

/// OPAQUE_FD binary and timeline semaphores and a fence, signaled and waited across the two
/// processes in both directions, on queues and on the host.
#[test]
fn opaque_semaphores_and_fences_across_processes() {
    const NAME: &str = "opaque_semaphores_and_fences_across_processes";
    if ipc::role().is_some() {
        let ch = Channel::from_env();
        let vk = ext::device(true);
        let f = ext::fns(&vk);
        let fds = ch.expect("handles");
        let (bin, tl, fence) = (
            ext::semaphore(&vk, false, vk::ExternalSemaphoreHandleTypeFlags::empty()),
            ext::semaphore(&vk, true, vk::ExternalSemaphoreHandleTypeFlags::empty()),
            ext::fence(&vk, vk::ExternalFenceHandleTypeFlags::empty()),
        );
        let mut fds = fds.into_iter();
        ext::import_semaphore(
            &f,
            bin,
            SEM_OPAQUE,
            fds.next().unwrap().into_raw_fd(),
            false,
        );
        ext::import_semaphore(&f, tl, SEM_OPAQUE, fds.next().unwrap().into_raw_fd(), false);
        let ffd = fds.next().unwrap().into_raw_fd();
        unsafe {
            f.fence.import_fence_fd(
                &vk::ImportFenceFdInfoKHR::default()
                    .fence(fence)
                    .handle_type(FENCE_OPAQUE)
                    .fd(ffd),
            )
        }
        .unwrap();
        ch.send("imported", &[]);
        // 1. Wait on our queue for the parent's queue to signal the binary semaphore.
        let f1 = ext::fence(&vk, vk::ExternalFenceHandleTypeFlags::empty());
        ext::submit(&vk, 0, &[bin], &[], &[], f1);
        unsafe { vk.device.wait_for_fences(&[f1], true, 10_000_000_000) }.unwrap();
        // 2. Signal the timeline to 1 from our queue.
        let v = [1u64];
        let mut t = vk::TimelineSemaphoreSubmitInfo::default().signal_semaphore_values(&v);
        let s = [tl];
        unsafe {
            vk.device
                .queue_submit(
                    vk.queues[0],
                    &[vk::SubmitInfo::default()
                        .signal_semaphores(&s)
                        .push_next(&mut t)],
                    vk::Fence::null(),
                )
                .unwrap();
        }
        // 3. Wait on the host for the parent's host signal of 2.
        wait_value(&vk, tl, 2, Duration::from_secs(10)).unwrap();
        // 4. Signal the shared fence from our queue.
        ext::submit(&vk, 1, &[], &[], &[], fence);
        ch.expect("done");
        unsafe {
            vk.device.device_wait_idle().unwrap();
            vk.device.destroy_fence(f1, None);
            vk.device.destroy_fence(fence, None);
            vk.device.destroy_semaphore(bin, None);
            vk.device.destroy_semaphore(tl, None);
        }
        return;
    }
    let (ch, child_end) = Channel::pair();
    let child = ipc::spawn(NAME, "child", child_end);
    let vk = ext::device(true);
    let f = ext::fns(&vk);
    let bin = ext::semaphore(&vk, false, SEM_OPAQUE);
    let tl = ext::semaphore(&vk, true, SEM_OPAQUE);
    let fence = ext::fence(&vk, FENCE_OPAQUE);
    let fds = [
        ext::semaphore_fd(&f, bin, SEM_OPAQUE),
        ext::semaphore_fd(&f, tl, SEM_OPAQUE),
        unsafe {
            f.fence.get_fence_fd(
                &vk::FenceGetFdInfoKHR::default()
                    .fence(fence)
                    .handle_type(FENCE_OPAQUE),
            )
        }
        .unwrap(),
    ];
    ch.send("handles", &fds);
    for fd in fds {
        unsafe { libc::close(fd) };
    }
    ch.expect("imported");
    ext::submit(&vk, 0, &[], &[bin], &[], vk::Fence::null());
    wait_value(&vk, tl, 1, Duration::from_secs(10)).expect("the child's queue signaled 1");
    signal_value(&vk, tl, 2);
    unsafe { vk.device.wait_for_fences(&[fence], true, 10_000_000_000) }
        .expect("the child's queue signaled the fence");
    ch.send("done", &[]);
    wait_child(child);
    unsafe {
        vk.device.device_wait_idle().unwrap();
        vk.device.destroy_fence(fence, None);
        vk.device.destroy_semaphore(bin, None);
        vk.device.destroy_semaphore(tl, None);
    }
}

/// A producer process fills exported memory on its queue and hands the consumer a SYNC_FD
/// exported right after the submit; the consumer's queue waits on it and copies the result.
#[test]
fn sync_fd_from_producer_queue_to_consumer_queue() {
    const NAME: &str = "sync_fd_from_producer_queue_to_consumer_queue";
    const BIG: u64 = 96 << 20;
    if ipc::role().is_some() {
        // The producer.
        let ch = Channel::from_env();
        let vk = ext::device(true);
        let f = ext::fns(&vk);
        let mem = ext::alloc_exportable(&vk, BIG, OPAQUE);
        let buf = ext::buffer_on(&vk, mem, BIG, OPAQUE);
        let sem = ext::semaphore(&vk, false, SEM_SYNC);
        let work = ext::fill_cb(&vk, buf, 0x600DF00D);
        // The fill waits for a gate opened only after the export: the signal is pending.
        let gate = vk.gate();
        vk.submit_gated(0, gate, &[sem], &[work], vk::Fence::null());
        let t0 = Instant::now();
        let sync = ext::semaphore_fd(&f, sem, SEM_SYNC);
        let export_time = t0.elapsed();
        assert!(sync >= 0, "the fill is still pending: a real fd");
        vk.open(gate);
        let mfd = ext::memory_fd(&f, mem, OPAQUE);
        ch.send(&format!("work {}", export_time.as_micros()), &[sync, mfd]);
        unsafe {
            libc::close(sync);
            libc::close(mfd);
        }
        ch.expect("done");
        unsafe {
            vk.device.device_wait_idle().unwrap();
            vk.device.free_command_buffers(vk.pool, &[work]);
            vk.device.destroy_semaphore(sem, None);
            vk.device.destroy_semaphore(gate, None);
            vk.device.destroy_buffer(buf, None);
            vk.device.free_memory(mem, None);
        }
        return;
    }
    let (ch, child_end) = Channel::pair();
    let child = ipc::spawn(NAME, "producer", child_end);
    let vk = ext::device(true);
    let f = ext::fns(&vk);
    let (msg, fds) = ch.recv();
    let export_us: u64 = msg.strip_prefix("work ").unwrap().parse().unwrap();
    assert!(
        export_us < 50_000,
        "the producer's export did not wait for its work ({export_us} us)"
    );
    let mut fds = fds.into_iter();
    let (sync, mfd) = (
        fds.next().unwrap().into_raw_fd(),
        fds.next().unwrap().into_raw_fd(),
    );
    let sem = ext::semaphore(&vk, false, vk::ExternalSemaphoreHandleTypeFlags::empty());
    ext::import_semaphore(&f, sem, SEM_SYNC, sync, true);
    let mem = ext::import_memory(&vk, BIG, OPAQUE, mfd).unwrap();
    let src = ext::buffer_on(&vk, mem, BIG, OPAQUE);
    let out = vk.buffer(4096, USAGE);
    let cb = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
    unsafe {
        vk.device
            .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        // The last 4 KiB the producer's fill writes.
        vk.device.cmd_copy_buffer(
            cb,
            src,
            out.buffer,
            &[vk::BufferCopy {
                src_offset: BIG - 4096,
                dst_offset: 0,
                size: 4096,
            }],
        );
        vk.device.end_command_buffer(cb).unwrap();
    }
    let fence = ext::fence(&vk, vk::ExternalFenceHandleTypeFlags::empty());
    ext::submit(&vk, 0, &[sem], &[], &[cb], fence);
    unsafe { vk.device.wait_for_fences(&[fence], true, 30_000_000_000) }.unwrap();
    assert!(
        out.u32s().iter().all(|&v| v == 0x600DF00D),
        "the consumer ran after the producer's fill"
    );
    ch.send("done", &[]);
    wait_child(child);
    unsafe {
        vk.device.free_command_buffers(vk.pool, &[cb]);
        vk.device.destroy_fence(fence, None);
        vk.device.destroy_semaphore(sem, None);
        vk.device.destroy_buffer(src, None);
        vk.device.free_memory(mem, None);
    }
    vk.destroy_buffer(out);
}

/// A peer that imported our timeline semaphore, fence and memory is killed (SIGKILL) while it
/// is blocked waiting: this process keeps signaling, waiting and using the memory, a wait on a
/// value only the dead peer would have signaled times out instead of hanging, and new objects
/// still work.
#[test]
fn a_killed_peer_leaves_the_survivor_working() {
    const NAME: &str = "a_killed_peer_leaves_the_survivor_working";
    if ipc::role().is_some() {
        let ch = Channel::from_env();
        let vk = ext::device(true);
        let f = ext::fns(&vk);
        let fds = ch.expect("handles");
        let mut fds = fds.into_iter();
        let tl = ext::semaphore(&vk, true, vk::ExternalSemaphoreHandleTypeFlags::empty());
        ext::import_semaphore(&f, tl, SEM_OPAQUE, fds.next().unwrap().into_raw_fd(), false);
        let mem = ext::import_memory(&vk, SIZE, OPAQUE, fds.next().unwrap().into_raw_fd()).unwrap();
        ext::map(&vk, mem, SIZE)[0] = 0xEE;
        signal_value(&vk, tl, 1);
        ch.send("blocked", &[]);
        // Blocks (on a shared futex) until killed.
        let _ = wait_value(&vk, tl, 1000, Duration::from_secs(60));
        unreachable!("the parent kills this process");
    }
    let (ch, child_end) = Channel::pair();
    let mut child = ipc::spawn(NAME, "victim", child_end);
    let vk = ext::device(true);
    let f = ext::fns(&vk);
    let tl = ext::semaphore(&vk, true, SEM_OPAQUE);
    let mem = ext::alloc_exportable(&vk, SIZE, OPAQUE);
    let fds = [
        ext::semaphore_fd(&f, tl, SEM_OPAQUE),
        ext::memory_fd(&f, mem, OPAQUE),
    ];
    ch.send("handles", &fds);
    for fd in fds {
        unsafe { libc::close(fd) };
    }
    ch.expect("blocked");
    wait_value(&vk, tl, 1, Duration::from_secs(10)).unwrap();
    std::thread::sleep(Duration::from_millis(20)); // let the peer reach its futex wait
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the peer died");
    // The survivor: the shared payload and memory keep working.
    let bytes = ext::map(&vk, mem, SIZE);
    assert_eq!(bytes[0], 0xEE, "the peer's write survives it");
    signal_value(&vk, tl, 2);
    assert_eq!(unsafe { vk.device.get_semaphore_counter_value(tl) }, Ok(2));
    let t0 = Instant::now();
    assert_eq!(
        wait_value(&vk, tl, 500, Duration::from_millis(50)),
        Err(vk::Result::TIMEOUT),
        "no hang"
    );
    assert!(t0.elapsed() < Duration::from_secs(5));
    let buf = ext::buffer_on(&vk, mem, SIZE, OPAQUE);
    vk.run(|cb| unsafe {
        vk.device
            .cmd_fill_buffer(cb, buf, 0, vk::WHOLE_SIZE, 0x0707_0707)
    });
    assert!(bytes.iter().all(|&b| b == 7));
    // Queue signals and waits on the shared timeline still work: queue 0 signals 3, queue 1
    // waits for it.
    let f2 = ext::fence(&vk, vk::ExternalFenceHandleTypeFlags::empty());
    let s = [tl];
    let v = [3u64];
    let st = [vk::PipelineStageFlags::ALL_COMMANDS];
    let mut sig = vk::TimelineSemaphoreSubmitInfo::default().signal_semaphore_values(&v);
    let mut wait = vk::TimelineSemaphoreSubmitInfo::default().wait_semaphore_values(&v);
    unsafe {
        vk.device
            .queue_submit(
                vk.queues[0],
                &[vk::SubmitInfo::default()
                    .signal_semaphores(&s)
                    .push_next(&mut sig)],
                vk::Fence::null(),
            )
            .unwrap();
        vk.device
            .queue_submit(
                vk.queues[1],
                &[vk::SubmitInfo::default()
                    .wait_semaphores(&s)
                    .wait_dst_stage_mask(&st)
                    .push_next(&mut wait)],
                f2,
            )
            .unwrap();
    }
    unsafe {
        vk.device
            .wait_for_fences(&[f2], true, 10_000_000_000)
            .unwrap();
        vk.device.destroy_fence(f2, None);
        vk.device.destroy_buffer(buf, None);
        vk.device.destroy_semaphore(tl, None);
        vk.device.free_memory(mem, None);
    }
}
