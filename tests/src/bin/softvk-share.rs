//! Two processes share a frame buffer through softvk: `cargo xtask share [--mode sync-fd|opaque-fd] [--frames N]`.
//!
//! The producer allocates exportable memory and hands its fd to a consumer process (which it
//! starts itself) over a unix socket (SCM_RIGHTS). For every frame, the producer's queue writes
//! the frame with a fill and a copy and signals "ready"; the consumer's queue waits for "ready",
//! copies the frame out, checks it, and signals "released"; the producer's next frame waits for
//! "released". The two semaphores go back and forth as:
//!
//! - `opaque-fd`: two binary semaphores whose payloads both processes share (exported once),
//! - `sync-fd`: a SYNC_FD exported right after each submit and sent over the socket, imported
//!   temporarily by the other side (copy transference, one fd per frame and direction).

use ash::vk;
use softvk_tests::ext::{self, OPAQUE, USAGE};
use softvk_tests::ipc::Channel;
use std::os::fd::IntoRawFd;
use std::time::Instant;

const FRAME: u64 = 4 << 20;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    OpaqueFd,
    SyncFd,
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The semaphore handle type of a mode.
fn sem_type(mode: Mode) -> vk::ExternalSemaphoreHandleTypeFlags {
    match mode {
        Mode::OpaqueFd => vk::ExternalSemaphoreHandleTypeFlags::OPAQUE_FD,
        Mode::SyncFd => vk::ExternalSemaphoreHandleTypeFlags::SYNC_FD,
    }
}

fn producer(mode: Mode, frames: u32) {
    let (ch, child_end) = Channel::pair();
    let exe = std::env::current_exe().unwrap();
    let fd = child_end.into_raw_fd();
    let mut consumer = std::process::Command::new(exe)
        .args([
            "--consumer",
            match mode {
                Mode::OpaqueFd => "opaque-fd",
                Mode::SyncFd => "sync-fd",
            },
        ])
        .env("SOFTVK_IPC_FD", fd.to_string())
        .spawn()
        .expect("start the consumer");
    unsafe { libc::close(fd) };

    let vk = ext::device(false);
    let f = ext::fns(&vk);
    let t = sem_type(mode);
    let frame = ext::alloc_exportable(&vk, FRAME, OPAQUE);
    let frame_buf = ext::buffer_on(&vk, frame, FRAME, OPAQUE);
    let scratch = vk.buffer(FRAME, USAGE);
    let ready = ext::semaphore(&vk, false, t);
    let released = ext::semaphore(&vk, false, t);
    let mem_fd = ext::memory_fd(&f, frame, OPAQUE);
    if mode == Mode::OpaqueFd {
        let (a, b) = (
            ext::semaphore_fd(&f, ready, t),
            ext::semaphore_fd(&f, released, t),
        );
        ch.send("setup", &[mem_fd, a, b]);
        for x in [a, b] {
            unsafe { libc::close(x) };
        }
    } else {
        ch.send("setup", &[mem_fd]);
    }
    unsafe { libc::close(mem_fd) };
    ch.expect("ready to go");

    let t0 = Instant::now();
    for i in 0..frames {
        // The frame: fill a scratch buffer with the frame number, copy it into the shared frame.
        let cb = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
        unsafe {
            vk.device
                .begin_command_buffer(
                    cb,
                    &vk::CommandBufferBeginInfo::default()
                        .flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT),
                )
                .unwrap();
            vk.device
                .cmd_fill_buffer(cb, scratch.buffer, 0, vk::WHOLE_SIZE, 0xF000_0000 | i);
            vk.transfer_barrier(cb);
            vk.device.cmd_copy_buffer(
                cb,
                scratch.buffer,
                frame_buf,
                &[vk::BufferCopy {
                    src_offset: 0,
                    dst_offset: 0,
                    size: FRAME,
                }],
            );
            vk.device.end_command_buffer(cb).unwrap();
        }
        let waits: Vec<vk::Semaphore> = if i == 0 { vec![] } else { vec![released] };
        if i > 0 && mode == Mode::SyncFd {
            let fds = ch.expect("released");
            ext::import_semaphore(
                &f,
                released,
                t,
                fds.into_iter().next().map_or(-1, |fd| fd.into_raw_fd()),
                true,
            );
        }
        let fence = ext::fence(&vk, vk::ExternalFenceHandleTypeFlags::empty());
        ext::submit(&vk, 0, &waits, &[ready], &[cb], fence);
        if mode == Mode::SyncFd {
            let sync = ext::semaphore_fd(&f, ready, t);
            // -1: the work was done already (the spec's "already signaled" sync file); it
            // travels as a message without a descriptor and is imported as -1.
            if sync >= 0 {
                ch.send("ready", &[sync]);
                unsafe { libc::close(sync) };
            } else {
                ch.send("ready", &[]);
            }
        }
        unsafe {
            vk.device.wait_for_fences(&[fence], true, u64::MAX).unwrap();
            vk.device.destroy_fence(fence, None);
            vk.device.free_command_buffers(vk.pool, &[cb]);
        }
    }
    if mode == Mode::SyncFd {
        ch.expect("released");
        ch.send("stop", &[]);
    }
    let (msg, _) = ch.recv();
    let elapsed = t0.elapsed();
    let status = consumer.wait().unwrap();
    assert!(status.success(), "the consumer failed");
    println!(
        "producer: {frames} frames of {} MiB in {:.1} ms ({:.2} ms per frame, {mode:?}); consumer: {msg}",
        FRAME >> 20,
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e3 / frames as f64
    );
    unsafe {
        vk.device.device_wait_idle().unwrap();
        vk.device.destroy_semaphore(ready, None);
        vk.device.destroy_semaphore(released, None);
        vk.device.destroy_buffer(frame_buf, None);
        vk.device.free_memory(frame, None);
    }
    vk.destroy_buffer(scratch);
}

fn consumer(mode: Mode) {
    let ch = Channel::from_env();
    let vk = ext::device(false);
    let f = ext::fns(&vk);
    let t = sem_type(mode);
    let fds = ch.expect("setup");
    let mut fds = fds.into_iter();
    // The driver owns the imported fd from now on.
    let mem_fd = fds.next().unwrap().into_raw_fd();
    let frame = ext::import_memory(&vk, FRAME, OPAQUE, mem_fd).expect("import the frame memory");
    let frame_buf = ext::buffer_on(&vk, frame, FRAME, OPAQUE);
    let ready = ext::semaphore(&vk, false, vk::ExternalSemaphoreHandleTypeFlags::empty());
    let released = ext::semaphore(&vk, false, t);
    if mode == Mode::OpaqueFd {
        let (a, b) = (
            fds.next().unwrap().into_raw_fd(),
            fds.next().unwrap().into_raw_fd(),
        );
        ext::import_semaphore(&f, ready, t, a, false);
        ext::import_semaphore(&f, released, t, b, false);
    }
    let copy = vk.buffer(FRAME, USAGE);
    ch.send("ready to go", &[]);
    let mut frames = 0u32;
    let mut checked = 0u64;
    loop {
        if mode == Mode::SyncFd {
            let (m, fds) = ch.recv();
            if m == "stop" {
                break;
            }
            assert_eq!(m, "ready");
            ext::import_semaphore(
                &f,
                ready,
                t,
                fds.into_iter().next().map_or(-1, |fd| fd.into_raw_fd()),
                true,
            );
        }
        let cb = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
        unsafe {
            vk.device
                .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
                .unwrap();
            vk.device.cmd_copy_buffer(
                cb,
                frame_buf,
                copy.buffer,
                &[vk::BufferCopy {
                    src_offset: 0,
                    dst_offset: 0,
                    size: FRAME,
                }],
            );
            vk.device.end_command_buffer(cb).unwrap();
        }
        let fence = ext::fence(&vk, vk::ExternalFenceHandleTypeFlags::empty());
        ext::submit(&vk, 0, &[ready], &[released], &[cb], fence);
        if mode == Mode::SyncFd {
            let sync = ext::semaphore_fd(&f, released, t);
            // -1: the work was done already (the spec's "already signaled" sync file); it
            // travels as a message without a descriptor and is imported as -1.
            if sync >= 0 {
                ch.send("released", &[sync]);
                unsafe { libc::close(sync) };
            } else {
                ch.send("released", &[]);
            }
        }
        unsafe { vk.device.wait_for_fences(&[fence], true, u64::MAX).unwrap() };
        let want = 0xF000_0000 | frames;
        let words = copy.u32s();
        assert!(
            words.iter().all(|&w| w == want),
            "frame {frames} holds {:#x}, not {want:#x}",
            words[0]
        );
        checked += FRAME;
        frames += 1;
        unsafe {
            vk.device.destroy_fence(fence, None);
            vk.device.free_command_buffers(vk.pool, &[cb]);
        }
        if mode == Mode::OpaqueFd
            && frames
                == std::env::var("SOFTVK_SHARE_FRAMES")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(60)
        {
            break;
        }
    }
    ch.send(
        &format!("{frames} frames checked, {} MiB read", checked >> 20),
        &[],
    );
    unsafe {
        vk.device.device_wait_idle().unwrap();
        vk.device.destroy_semaphore(ready, None);
        vk.device.destroy_semaphore(released, None);
        vk.device.destroy_buffer(frame_buf, None);
        vk.device.free_memory(frame, None);
    }
    vk.destroy_buffer(copy);
}

fn main() {
    let mode = |s: &str| match s {
        "sync-fd" => Mode::SyncFd,
        "opaque-fd" => Mode::OpaqueFd,
        other => panic!("--mode is sync-fd or opaque-fd, not {other}"),
    };
    if let Some(m) = arg("--consumer") {
        consumer(mode(&m));
        return;
    }
    let frames: u32 = arg("--frames").and_then(|v| v.parse().ok()).unwrap_or(60);
    // SAFETY: before any thread starts; the consumer (a child) reads it.
    unsafe { std::env::set_var("SOFTVK_SHARE_FRAMES", frames.to_string()) };
    producer(
        mode(&arg("--mode").unwrap_or_else(|| "sync-fd".into())),
        frames,
    );
}
