//! Fences, binary and timeline semaphores, events, queue and device idle.

use ash::vk;
use softvk_tests::{Options, Vk};
use std::time::{Duration, Instant};

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

fn timeline(vk: &Vk, initial: u64) -> vk::Semaphore {
    let mut t = vk::SemaphoreTypeCreateInfo::default()
        .semaphore_type(vk::SemaphoreType::TIMELINE)
        .initial_value(initial);
    unsafe {
        vk.device
            .create_semaphore(&vk::SemaphoreCreateInfo::default().push_next(&mut t), None)
    }
    .unwrap()
}

fn record_fill(vk: &Vk, buffer: vk::Buffer, value: u32) -> vk::CommandBuffer {
    let cb = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
    unsafe {
        vk.device
            .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        vk.device
            .cmd_fill_buffer(cb, buffer, 0, vk::WHOLE_SIZE, value);
        vk.device.end_command_buffer(cb).unwrap();
    }
    cb
}

#[test]
fn fences_signaled_reset_status_and_timeouts() {
    let vk = Vk::new();
    let d = &vk.device;
    unsafe {
        let signaled = d
            .create_fence(
                &vk::FenceCreateInfo::default().flags(vk::FenceCreateFlags::SIGNALED),
                None,
            )
            .unwrap();
        let unsignaled = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        assert_eq!(d.get_fence_status(signaled), Ok(true));
        assert_eq!(d.get_fence_status(unsignaled), Ok(false));
        // Wait-any returns at once; wait-all times out.
        d.wait_for_fences(&[signaled, unsignaled], false, 0)
            .unwrap();
        let t0 = Instant::now();
        assert_eq!(
            d.wait_for_fences(&[signaled, unsignaled], true, 20_000_000),
            Err(vk::Result::TIMEOUT)
        );
        let waited = t0.elapsed();
        assert!(
            waited >= Duration::from_millis(15) && waited < Duration::from_secs(2),
            "{waited:?}"
        );
        assert_eq!(
            d.wait_for_fences(&[unsignaled], true, 0),
            Err(vk::Result::TIMEOUT)
        );
        d.reset_fences(&[signaled]).unwrap();
        assert_eq!(d.get_fence_status(signaled), Ok(false));
        // An empty submit signals its fence.
        d.queue_submit(vk.queue, &[], unsignaled).unwrap();
        d.wait_for_fences(&[unsignaled], true, u64::MAX).unwrap();
        assert_eq!(d.get_fence_status(unsignaled), Ok(true));
        d.destroy_fence(signaled, None);
        d.destroy_fence(unsignaled, None);
    }
}

#[test]
fn fence_wait_any_wakes_on_the_completed_submission() {
    let vk = Vk::with(Options {
        queue_count: 2,
        ..Default::default()
    });
    let d = &vk.device;
    let blocker = timeline(&vk, 0);
    unsafe {
        let f0 = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        let f1 = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        // Queue 0 waits for the timeline (never signaled until the end); queue 1 runs freely.
        let waits = [blocker];
        let values = [1u64];
        let stages = [vk::PipelineStageFlags::ALL_COMMANDS];
        let mut tl = vk::TimelineSemaphoreSubmitInfo::default().wait_semaphore_values(&values);
        let s0 = vk::SubmitInfo::default()
            .wait_semaphores(&waits)
            .wait_dst_stage_mask(&stages)
            .push_next(&mut tl);
        d.queue_submit(vk.queues[0], &[s0], f0).unwrap();
        d.queue_submit(vk.queues[1], &[], f1).unwrap();
        d.wait_for_fences(&[f0, f1], false, 5_000_000_000).unwrap();
        assert_eq!(d.get_fence_status(f1), Ok(true));
        assert_eq!(d.get_fence_status(f0), Ok(false));
        d.signal_semaphore(
            &vk::SemaphoreSignalInfo::default()
                .semaphore(blocker)
                .value(1),
        )
        .unwrap();
        d.wait_for_fences(&[f0, f1], true, 5_000_000_000).unwrap();
        d.destroy_fence(f0, None);
        d.destroy_fence(f1, None);
        d.destroy_semaphore(blocker, None);
    }
}

#[test]
fn binary_semaphores_order_work_across_queues() {
    let vk = Vk::with(Options {
        queue_count: 2,
        ..Default::default()
    });
    let d = &vk.device;
    let buf = vk.buffer(1 << 20, USAGE);
    let out = vk.buffer(1 << 20, USAGE);
    unsafe {
        let sem = d
            .create_semaphore(&vk::SemaphoreCreateInfo::default(), None)
            .unwrap();
        let fill = record_fill(&vk, buf.buffer, 0xABCDEF01);
        let copy = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
        d.begin_command_buffer(copy, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        d.cmd_copy_buffer(
            copy,
            buf.buffer,
            out.buffer,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 0,
                size: 1 << 20,
            }],
        );
        d.end_command_buffer(copy).unwrap();
        let fence = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        // Producer on queue 0 signals; consumer on queue 1 waits (submitted after the signal).
        let s = [sem];
        d.queue_submit(
            vk.queues[0],
            &[vk::SubmitInfo::default()
                .command_buffers(&[fill])
                .signal_semaphores(&s)],
            vk::Fence::null(),
        )
        .unwrap();
        let stages = [vk::PipelineStageFlags::TRANSFER];
        d.queue_submit(
            vk.queues[1],
            &[vk::SubmitInfo::default()
                .wait_semaphores(&s)
                .wait_dst_stage_mask(&stages)
                .command_buffers(&[copy])],
            fence,
        )
        .unwrap();
        d.wait_for_fences(&[fence], true, u64::MAX).unwrap();
        assert!(out.u32s().iter().all(|&v| v == 0xABCDEF01));
        d.device_wait_idle().unwrap();
        d.destroy_fence(fence, None);
        d.destroy_semaphore(sem, None);
        d.free_command_buffers(vk.pool, &[fill, copy]);
    }
    vk.destroy_buffer(buf);
    vk.destroy_buffer(out);
}

#[test]
fn timeline_host_signal_wait_and_counter() {
    let vk = Vk::new();
    let d = &vk.device;
    let a = timeline(&vk, 5);
    let b = timeline(&vk, 0);
    unsafe {
        assert_eq!(d.get_semaphore_counter_value(a), Ok(5));
        d.signal_semaphore(&vk::SemaphoreSignalInfo::default().semaphore(a).value(9))
            .unwrap();
        assert_eq!(d.get_semaphore_counter_value(a), Ok(9));
        let sems = [a, b];
        let vals = [9u64, 1];
        // ANY: a reached 9.
        d.wait_semaphores(
            &vk::SemaphoreWaitInfo::default()
                .flags(vk::SemaphoreWaitFlags::ANY)
                .semaphores(&sems)
                .values(&vals),
            0,
        )
        .unwrap();
        // ALL: b is still 0.
        assert_eq!(
            d.wait_semaphores(
                &vk::SemaphoreWaitInfo::default()
                    .semaphores(&sems)
                    .values(&vals),
                10_000_000
            ),
            Err(vk::Result::TIMEOUT)
        );
        // All reached once b is signaled too.
        d.signal_semaphore(&vk::SemaphoreSignalInfo::default().semaphore(b).value(1))
            .unwrap();
        d.wait_semaphores(
            &vk::SemaphoreWaitInfo::default()
                .semaphores(&sems)
                .values(&vals),
            0,
        )
        .unwrap();
        d.destroy_semaphore(a, None);
        d.destroy_semaphore(b, None);
    }
}

/// A timeline has reached every value up to its current one, 0 included: host waits with
/// timeout 0 succeed at once and queue waits complete (spec: a timeline wait completes when "the
/// current value of the semaphore is greater than or equal to" the wait value). The CTS checks
/// this on newly created timelines (initial value 0, and non-zero initial values) and after host
/// signals (dEQP-VK.synchronization.basic.timeline_semaphore: signal 1 or 4, then wait for 1
/// with timeout 0, with and without VK_SEMAPHORE_WAIT_ANY_BIT).
#[test]
fn timeline_waits_up_to_the_initial_value_complete_at_once() {
    let vk = Vk::new();
    let d = &vk.device;
    let fresh = timeline(&vk, 0);
    let started = timeline(&vk, 1000);
    let wait0 = |sems: &[vk::Semaphore], vals: &[u64], any: bool| unsafe {
        let flags = if any {
            vk::SemaphoreWaitFlags::ANY
        } else {
            vk::SemaphoreWaitFlags::empty()
        };
        d.wait_semaphores(
            &vk::SemaphoreWaitInfo::default()
                .flags(flags)
                .semaphores(sems)
                .values(vals),
            0,
        )
    };
    unsafe {
        assert_eq!(d.get_semaphore_counter_value(fresh), Ok(0));
        assert_eq!(d.get_semaphore_counter_value(started), Ok(1000));
        assert_eq!(
            wait0(&[fresh], &[0], false),
            Ok(()),
            "value 0 of a new timeline"
        );
        for v in [0, 1, 999, 1000] {
            assert_eq!(wait0(&[started], &[v], false), Ok(()), "value {v} <= 1000");
        }
        assert_eq!(wait0(&[started], &[1001], false), Err(vk::Result::TIMEOUT));
        assert_eq!(wait0(&[fresh], &[1], false), Err(vk::Result::TIMEOUT));
        assert_eq!(wait0(&[fresh, started], &[0, 1000], false), Ok(()));
        assert_eq!(wait0(&[fresh, started], &[1, 1000], true), Ok(()));
        assert_eq!(
            wait0(&[fresh, started], &[1, 1000], false),
            Err(vk::Result::TIMEOUT)
        );
        // After a host signal: the current value and every lesser one, ANY and ALL.
        let signaled = timeline(&vk, 0);
        d.signal_semaphore(
            &vk::SemaphoreSignalInfo::default()
                .semaphore(signaled)
                .value(4),
        )
        .unwrap();
        for any in [false, true] {
            for v in [0, 1, 4] {
                assert_eq!(
                    wait0(&[signaled], &[v], any),
                    Ok(()),
                    "value {v}, any {any}"
                );
            }
            assert_eq!(wait0(&[signaled], &[5], any), Err(vk::Result::TIMEOUT));
        }
        d.destroy_semaphore(signaled, None);
        // Queue waits on values already reached do not block the queue.
        let fence = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        let sems = [fresh, started];
        let vals = [0u64, 1000];
        let stages = [vk::PipelineStageFlags::ALL_COMMANDS; 2];
        let mut tl = vk::TimelineSemaphoreSubmitInfo::default().wait_semaphore_values(&vals);
        d.queue_submit(
            vk.queue,
            &[vk::SubmitInfo::default()
                .wait_semaphores(&sems)
                .wait_dst_stage_mask(&stages)
                .push_next(&mut tl)],
            fence,
        )
        .unwrap();
        assert_eq!(
            d.wait_for_fences(&[fence], true, 5_000_000_000),
            Ok(()),
            "a queue wait for values already reached completes"
        );
        d.destroy_fence(fence, None);
        d.destroy_semaphore(fresh, None);
        d.destroy_semaphore(started, None);
    }
}

/// A host wait for all of two timelines, completed by another thread's host signal.
///
/// Without the validation layer: Debian's layer (1.3.239) races here. The waiting thread's
/// post-call bookkeeping can run before the signaling thread's, and the layer then blocks on its
/// own state for 10 s and reports UNASSIGNED-VkSemaphore-state-timeout ("most likely a
/// validation bug", in its own words). The queue-side wait-before-signal test below runs with
/// the layer.
#[test]
fn timeline_host_wait_completed_by_another_thread() {
    let vk = Vk::with(Options {
        validation: false,
        ..Default::default()
    });
    let d = &vk.device;
    let a = timeline(&vk, 9);
    let b = timeline(&vk, 0);
    let sems = [a, b];
    let vals = [9u64, 1];
    let dev = d.clone();
    let signaler = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        unsafe { dev.signal_semaphore(&vk::SemaphoreSignalInfo::default().semaphore(b).value(1)) }
            .unwrap();
    });
    let t0 = Instant::now();
    unsafe {
        d.wait_semaphores(
            &vk::SemaphoreWaitInfo::default()
                .semaphores(&sems)
                .values(&vals),
            5_000_000_000,
        )
        .unwrap();
    }
    assert!(
        t0.elapsed() >= Duration::from_millis(20),
        "the wait lasted until the signal"
    );
    signaler.join().unwrap();
    unsafe {
        d.destroy_semaphore(a, None);
        d.destroy_semaphore(b, None);
    }
}

/// Wait-before-signal: submissions wait on timeline values that the host signals later, from
/// another thread; the queue keeps running and nothing deadlocks.
#[test]
fn timeline_wait_before_signal_across_threads() {
    let vk = Vk::with(Options {
        queue_count: 2,
        ..Default::default()
    });
    let d = &vk.device;
    let buf = vk.buffer(4096, USAGE);
    let gate = timeline(&vk, 0);
    let done = timeline(&vk, 0);
    unsafe {
        let cbs: Vec<vk::CommandBuffer> =
            (1..=3).map(|i| record_fill(&vk, buf.buffer, i)).collect();
        // Three submissions, each waiting for gate >= i and signaling done = i.
        for (i, cb) in cbs.iter().enumerate() {
            let v = i as u64 + 1;
            let (wv, sv) = ([v], [v]);
            let mut tl = vk::TimelineSemaphoreSubmitInfo::default()
                .wait_semaphore_values(&wv)
                .signal_semaphore_values(&sv);
            let (w, s, st, c) = ([gate], [done], [vk::PipelineStageFlags::TRANSFER], [*cb]);
            let info = vk::SubmitInfo::default()
                .wait_semaphores(&w)
                .wait_dst_stage_mask(&st)
                .command_buffers(&c)
                .signal_semaphores(&s)
                .push_next(&mut tl);
            d.queue_submit(vk.queues[0], &[info], vk::Fence::null())
                .unwrap();
        }
        // The queue is blocked on gate: nothing ran yet, and other queues still work.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(d.get_semaphore_counter_value(done), Ok(0));
        let f = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        d.queue_submit(vk.queues[1], &[], f).unwrap();
        d.wait_for_fences(&[f], true, 5_000_000_000).unwrap();

        let dev = d.clone();
        let host = std::thread::spawn(move || {
            for v in 1..=3u64 {
                std::thread::sleep(Duration::from_millis(10));
                dev.signal_semaphore(&vk::SemaphoreSignalInfo::default().semaphore(gate).value(v))
                    .unwrap();
            }
        });
        // The host thread finishes its signals (including the validation layer's bookkeeping of
        // them, which races with a concurrent host wait in the Debian layer) before this thread
        // collects the result; the queue waited on each value before it was signaled.
        host.join().unwrap();
        let sems = [done];
        let vals = [3u64];
        d.wait_semaphores(
            &vk::SemaphoreWaitInfo::default()
                .semaphores(&sems)
                .values(&vals),
            10_000_000_000,
        )
        .unwrap();
        d.queue_wait_idle(vk.queues[0]).unwrap();
        assert!(
            buf.u32s().iter().all(|&v| v == 3),
            "the last submission ran last"
        );
        d.destroy_fence(f, None);
        d.free_command_buffers(vk.pool, &cbs);
        d.destroy_semaphore(gate, None);
        d.destroy_semaphore(done, None);
    }
    vk.destroy_buffer(buf);
}

#[test]
fn submit2_with_timeline_and_binary_semaphores() {
    let vk = Vk::new();
    let d = &vk.device;
    let buf = vk.buffer(256, USAGE);
    let t = timeline(&vk, 0);
    unsafe {
        let bin = d
            .create_semaphore(&vk::SemaphoreCreateInfo::default(), None)
            .unwrap();
        let a = record_fill(&vk, buf.buffer, 1);
        let b = record_fill(&vk, buf.buffer, 2);
        let fence = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        let sig = [
            vk::SemaphoreSubmitInfo::default()
                .semaphore(bin)
                .stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS),
            vk::SemaphoreSubmitInfo::default()
                .semaphore(t)
                .value(7)
                .stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS),
        ];
        let wait = [vk::SemaphoreSubmitInfo::default()
            .semaphore(bin)
            .stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)];
        let ca = [vk::CommandBufferSubmitInfo::default().command_buffer(a)];
        let cb = [vk::CommandBufferSubmitInfo::default().command_buffer(b)];
        d.queue_submit2(
            vk.queue,
            &[
                vk::SubmitInfo2::default()
                    .command_buffer_infos(&ca)
                    .signal_semaphore_infos(&sig),
                vk::SubmitInfo2::default()
                    .wait_semaphore_infos(&wait)
                    .command_buffer_infos(&cb),
            ],
            fence,
        )
        .unwrap();
        d.wait_for_fences(&[fence], true, u64::MAX).unwrap();
        assert_eq!(d.get_semaphore_counter_value(t), Ok(7));
        assert!(buf.u32s().iter().all(|&v| v == 2));
        d.destroy_fence(fence, None);
        d.destroy_semaphore(bin, None);
        d.free_command_buffers(vk.pool, &[a, b]);
    }
    unsafe { d.destroy_semaphore(t, None) };
    vk.destroy_buffer(buf);
}

#[test]
fn events_host_and_device() {
    let vk = Vk::new();
    let d = &vk.device;
    let buf = vk.buffer(64, USAGE);
    unsafe {
        let e = d
            .create_event(&vk::EventCreateInfo::default(), None)
            .unwrap();
        assert_eq!(d.get_event_status(e), Ok(false));
        d.set_event(e).unwrap();
        assert_eq!(d.get_event_status(e), Ok(true));
        d.reset_event(e).unwrap();
        assert_eq!(d.get_event_status(e), Ok(false));

        // The device sets one event; a command waits on an event the host sets after submit.
        let device_set = d
            .create_event(&vk::EventCreateInfo::default(), None)
            .unwrap();
        let cb = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
        d.begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        d.cmd_set_event(cb, device_set, vk::PipelineStageFlags::TRANSFER);
        d.cmd_wait_events(
            cb,
            &[e],
            vk::PipelineStageFlags::HOST,
            vk::PipelineStageFlags::TRANSFER,
            &[],
            &[],
            &[],
        );
        d.cmd_fill_buffer(cb, buf.buffer, 0, 64, 42);
        d.end_command_buffer(cb).unwrap();
        let fence = d
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        d.queue_submit(
            vk.queue,
            &[vk::SubmitInfo::default().command_buffers(&[cb])],
            fence,
        )
        .unwrap();
        // The queue sets device_set, then blocks on e.
        let t0 = Instant::now();
        while d.get_event_status(device_set) != Ok(true) {
            assert!(t0.elapsed() < Duration::from_secs(5));
            std::thread::yield_now();
        }
        std::thread::sleep(Duration::from_millis(10));
        assert_eq!(
            d.get_fence_status(fence),
            Ok(false),
            "blocked on the host event"
        );
        d.set_event(e).unwrap();
        d.wait_for_fences(&[fence], true, 5_000_000_000).unwrap();
        assert!(buf.u32s().iter().all(|&v| v == 42));

        // Event2 commands.
        let cb2 = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
        let dep = vk::DependencyInfo::default();
        d.begin_command_buffer(cb2, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        d.cmd_reset_event2(cb2, device_set, vk::PipelineStageFlags2::ALL_COMMANDS);
        d.cmd_set_event2(cb2, e, &dep);
        d.cmd_wait_events2(cb2, &[e], &[dep]);
        d.end_command_buffer(cb2).unwrap();
        d.reset_fences(&[fence]).unwrap();
        d.reset_event(e).unwrap();
        d.queue_submit(
            vk.queue,
            &[vk::SubmitInfo::default().command_buffers(&[cb2])],
            fence,
        )
        .unwrap();
        d.wait_for_fences(&[fence], true, 5_000_000_000).unwrap();
        assert_eq!(d.get_event_status(device_set), Ok(false));
        assert_eq!(d.get_event_status(e), Ok(true));

        d.destroy_fence(fence, None);
        d.free_command_buffers(vk.pool, &[cb, cb2]);
        d.destroy_event(e, None);
        d.destroy_event(device_set, None);
    }
    vk.destroy_buffer(buf);
}

#[test]
fn queue_and_device_wait_idle_cover_all_queues() {
    let vk = Vk::with(Options {
        queue_count: 3,
        ..Default::default()
    });
    let bufs: Vec<_> = (0..3).map(|_| vk.buffer(8 << 20, USAGE)).collect();
    let cbs: Vec<vk::CommandBuffer> = bufs
        .iter()
        .enumerate()
        .map(|(i, b)| record_fill(&vk, b.buffer, i as u32 + 10))
        .collect();
    unsafe {
        for (q, cb) in vk.queues.iter().zip(&cbs) {
            vk.device
                .queue_submit(
                    *q,
                    &[vk::SubmitInfo::default().command_buffers(&[*cb])],
                    vk::Fence::null(),
                )
                .unwrap();
        }
        vk.device.queue_wait_idle(vk.queues[0]).unwrap();
        assert!(bufs[0].u32s().iter().all(|&v| v == 10));
        vk.device.device_wait_idle().unwrap();
        for (i, b) in bufs.iter().enumerate() {
            assert!(b.u32s().iter().all(|&v| v == i as u32 + 10));
        }
        vk.device.free_command_buffers(vk.pool, &cbs);
    }
    for b in bufs {
        vk.destroy_buffer(b);
    }
}

/// Destroying a device whose queue waits on a semaphore nobody will signal returns promptly:
/// the worker is cancelled instead of hanging the process. (Invalid use, so no validation layer.)
#[test]
fn device_destruction_never_hangs_on_a_blocked_queue() {
    let vk = Vk::with(Options {
        validation: false,
        ..Default::default()
    });
    let t = timeline(&vk, 0);
    unsafe {
        let w = [t];
        let v = [1u64];
        let st = [vk::PipelineStageFlags::ALL_COMMANDS];
        let mut tl = vk::TimelineSemaphoreSubmitInfo::default().wait_semaphore_values(&v);
        vk.device
            .queue_submit(
                vk.queue,
                &[vk::SubmitInfo::default()
                    .wait_semaphores(&w)
                    .wait_dst_stage_mask(&st)
                    .push_next(&mut tl)],
                vk::Fence::null(),
            )
            .unwrap();
    }
    let t0 = Instant::now();
    let mut vk = vk;
    vk.destroy_device_now();
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "device destruction took {:?}",
        t0.elapsed()
    );
}

/// vkQueueSubmit returns before the work is done: the submission waits for a gate that this
/// same thread opens only after vkQueueSubmit returned (a synchronous submit could never
/// return), the fence is unsignaled until then, and the fill runs once the gate opens.
#[test]
fn submit_returns_before_the_work_completes() {
    let vk = Vk::new();
    let buf = vk.buffer(16 << 20, USAGE);
    let cb = record_fill(&vk, buf.buffer, 9);
    let gate = vk.gate();
    unsafe {
        let fence = vk
            .device
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        let t0 = Instant::now();
        vk.submit_gated(0, gate, &[], &[cb], fence);
        let submit = t0.elapsed();
        std::thread::sleep(Duration::from_millis(10));
        assert_eq!(
            vk.device.get_fence_status(fence),
            Ok(false),
            "the work waits for the gate"
        );
        assert!(buf.u32s().iter().all(|&v| v == 0), "nothing ran yet");
        vk.open(gate);
        vk.device
            .wait_for_fences(&[fence], true, 10_000_000_000)
            .unwrap();
        assert!(buf.u32s().iter().all(|&v| v == 9));
        assert!(
            submit < Duration::from_millis(100),
            "vkQueueSubmit took {submit:?}"
        );
        vk.device.destroy_fence(fence, None);
        vk.device.destroy_semaphore(gate, None);
        vk.device.free_command_buffers(vk.pool, &[cb]);
    }
    vk.destroy_buffer(buf);
}

/// The 1.0 barrier form orders transfers like the 2 form (a fill, then a copy of it).
#[test]
fn pipeline_barrier_v1_orders_transfers() {
    let vk = Vk::new();
    let a = vk.buffer(4096, USAGE);
    let b = vk.buffer(4096, USAGE);
    vk.run(|cb| unsafe {
        vk.device
            .cmd_fill_buffer(cb, a.buffer, 0, vk::WHOLE_SIZE, 0x5151_5151);
        let mb = [vk::MemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
            .dst_access_mask(vk::AccessFlags::TRANSFER_READ)];
        let bb = [vk::BufferMemoryBarrier::default()
            .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
            .dst_access_mask(vk::AccessFlags::TRANSFER_READ)
            .src_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
            .dst_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
            .buffer(a.buffer)
            .offset(0)
            .size(vk::WHOLE_SIZE)];
        vk.device.cmd_pipeline_barrier(
            cb,
            vk::PipelineStageFlags::TRANSFER,
            vk::PipelineStageFlags::TRANSFER,
            vk::DependencyFlags::empty(),
            &mb,
            &bb,
            &[],
        );
        vk.device.cmd_copy_buffer(
            cb,
            a.buffer,
            b.buffer,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 0,
                size: 4096,
            }],
        );
    });
    assert!(b.u32s().iter().all(|&v| v == 0x5151_5151));
    vk.destroy_buffer(a);
    vk.destroy_buffer(b);
}
