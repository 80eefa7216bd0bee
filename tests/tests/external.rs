//! External handles within one process, through the loader: memory (OPAQUE_FD, DMA_BUF, host
//! pointers), semaphores and fences (OPAQUE_FD, SYNC_FD), dup/dup2/dup3, temporary imports,
//! fd -1, bad handles, and fd accounting over thousands of cycles.

use ash::vk;
use softvk_tests::ext::{
    DMABUF, OPAQUE, USAGE, alloc_exportable, buffer_on, fill_cb, import_memory as import, map,
    semaphore, submit,
};
use softvk_tests::image_2d;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn fd_open(fd: i32) -> bool {
    (unsafe { libc::fcntl(fd, libc::F_GETFD) }) != -1
}

/// vkGetMemoryHostPointerPropertiesEXT (ash has only the raw function pointer).
fn host_pointer_properties(
    e: &softvk_tests::ext::Fns,
    t: vk::ExternalMemoryHandleTypeFlags,
    p: *const std::ffi::c_void,
    out: &mut vk::MemoryHostPointerPropertiesEXT<'_>,
) -> Result<(), vk::Result> {
    match unsafe {
        (e.host.fp().get_memory_host_pointer_properties_ext)(e.host.device(), t, p, out)
    } {
        vk::Result::SUCCESS => Ok(()),
        r => Err(r),
    }
}

#[test]
fn opaque_fd_memory_is_shared_and_every_export_is_a_new_fd() {
    let vk = softvk_tests::ext::device(true);
    let e = softvk_tests::ext::fns(&vk);
    let size = 1 << 20;
    let a = alloc_exportable(&vk, size, OPAQUE);
    let info = vk::MemoryGetFdInfoKHR::default()
        .memory(a)
        .handle_type(OPAQUE);
    let fd1 = unsafe { e.mem.get_memory_fd(&info) }.unwrap();
    let fd2 = unsafe { e.mem.get_memory_fd(&info) }.unwrap();
    assert_ne!(fd1, fd2, "each export is a new fd");
    let b = import(&vk, size, OPAQUE, fd1).unwrap();
    unsafe { libc::close(fd2) };
    let (ma, mb) = (map(&vk, a, size), map(&vk, b, size));
    ma[12345] = 77;
    assert_eq!(mb[12345], 77, "the import maps the same pages");
    mb[999] = 5;
    assert_eq!(ma[999], 5);
    // Device work on the imported memory is seen through the exporter's mapping.
    let buf = buffer_on(&vk, b, size, OPAQUE);
    vk.run(|cb| unsafe { vk.device.cmd_fill_buffer(cb, buf, 0, 4096, 0xAABBCCDD) });
    assert_eq!(&ma[..4], &0xAABBCCDDu32.to_le_bytes());
    // An image bound to imported memory, written by a clear.
    let mut iext = vk::ExternalMemoryImageCreateInfo::default().handle_types(OPAQUE);
    let img = unsafe {
        vk.device.create_image(
            &image_2d(vk::Format::R8_UINT, 16, 16).push_next(&mut iext),
            None,
        )
    }
    .unwrap();
    let req = unsafe { vk.device.get_image_memory_requirements(img) };
    assert!(req.size <= size);
    unsafe { vk.device.bind_image_memory(img, a, 0) }.unwrap();
    vk.run(|cb| unsafe {
        vk.image_barrier(
            cb,
            img,
            vk::ImageAspectFlags::COLOR,
            vk::ImageLayout::UNDEFINED,
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
        );
        vk.device.cmd_clear_color_image(
            cb,
            img,
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
            &vk::ClearColorValue { uint32: [9; 4] },
            &[softvk_tests::full_range(vk::ImageAspectFlags::COLOR)],
        );
    });
    assert_eq!(mb[0], 9, "the image's texels are in the shared pages");
    unsafe {
        vk.device.destroy_image(img, None);
        vk.device.destroy_buffer(buf, None);
        vk.device.free_memory(b, None);
        vk.device.free_memory(a, None);
    }
}

#[test]
fn dup_dup2_dup3_and_reimport_reach_the_same_pages() {
    let vk = softvk_tests::ext::device(true);
    let e = softvk_tests::ext::fns(&vk);
    let size = 65536;
    let a = alloc_exportable(&vk, size, OPAQUE);
    let ma = map(&vk, a, size);
    let fd = unsafe {
        e.mem.get_memory_fd(
            &vk::MemoryGetFdInfoKHR::default()
                .memory(a)
                .handle_type(OPAQUE),
        )
    }
    .unwrap();
    let d1 = unsafe { libc::dup(fd) };
    let d2 = unsafe { libc::dup2(fd, 900) };
    let d3 = unsafe { libc::dup3(fd, 901, libc::O_CLOEXEC) };
    assert!(d1 >= 0 && d2 == 900 && d3 == 901);
    let mut imports = vec![];
    for (i, f) in [fd, d1, d2, d3].into_iter().enumerate() {
        let m = import(&vk, size, OPAQUE, f).unwrap();
        map(&vk, m, size)[i] = i as u8 + 1;
        imports.push(m);
    }
    assert_eq!(
        &ma[..4],
        &[1, 2, 3, 4],
        "identity is the file, never the fd number"
    );
    // Re-export from an imported object and import again.
    let again = unsafe {
        e.mem.get_memory_fd(
            &vk::MemoryGetFdInfoKHR::default()
                .memory(imports[2])
                .handle_type(OPAQUE),
        )
    }
    .unwrap();
    let m = import(&vk, size, OPAQUE, again).unwrap();
    map(&vk, m, size)[100] = 42;
    assert_eq!(ma[100], 42);
    unsafe {
        vk.device.free_memory(m, None);
        for m in imports {
            vk.device.free_memory(m, None);
        }
        vk.device.free_memory(a, None);
    }
}

#[test]
fn dma_buf_export_import_and_fd_properties() {
    let vk = softvk_tests::ext::device(true);
    let e = softvk_tests::ext::fns(&vk);
    let size = 8192;
    let a = alloc_exportable(&vk, size, DMABUF | OPAQUE);
    let fd = unsafe {
        e.mem.get_memory_fd(
            &vk::MemoryGetFdInfoKHR::default()
                .memory(a)
                .handle_type(DMABUF),
        )
    }
    .unwrap();
    let mut props = vk::MemoryFdPropertiesKHR::default();
    unsafe { e.mem.get_memory_fd_properties(DMABUF, fd, &mut props) }.unwrap();
    assert_eq!(props.memory_type_bits, 1);
    let b = import(&vk, size, DMABUF, fd).unwrap();
    map(&vk, a, size)[77] = 0x77;
    assert_eq!(map(&vk, b, size)[77], 0x77);
    // A memfd made by someone else imports as DMA_BUF (and gets sealed against shrinking).
    let name = std::ffi::CString::new("client-buffer").unwrap();
    let mfd =
        unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    assert!(mfd >= 0);
    unsafe {
        assert_eq!(libc::ftruncate(mfd, 4096), 0);
        assert_eq!(libc::pwrite(mfd, b"hello".as_ptr() as *const _, 5, 0), 5);
    }
    let c = import(&vk, 4096, DMABUF, mfd).unwrap();
    assert_eq!(&map(&vk, c, 4096)[..5], b"hello");
    unsafe {
        for m in [c, b, a] {
            vk.device.free_memory(m, None);
        }
    }
}

#[test]
fn host_pointers_are_used_in_place() {
    let vk = softvk_tests::ext::device(true);
    let e = softvk_tests::ext::fns(&vk);
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    let len = 4 * page;
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    let t = vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT;
    let mut hp = vk::MemoryHostPointerPropertiesEXT::default();
    host_pointer_properties(&e, t, p, &mut hp).unwrap();
    assert_eq!(hp.memory_type_bits, 1);
    let mut imp = vk::ImportMemoryHostPointerInfoEXT::default()
        .handle_type(t)
        .host_pointer(p);
    let mem = unsafe {
        vk.device.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(len as u64)
                .memory_type_index(0)
                .push_next(&mut imp),
            None,
        )
    }
    .unwrap();
    let buf = buffer_on(&vk, mem, len as u64, t);
    vk.run(|cb| unsafe {
        vk.device
            .cmd_fill_buffer(cb, buf, 0, vk::WHOLE_SIZE, 0x01020304)
    });
    let host = unsafe { std::slice::from_raw_parts(p as *const u32, len / 4) };
    assert!(
        host.iter().all(|&v| v == 0x01020304),
        "the device wrote the application's pages"
    );
    unsafe {
        vk.device.destroy_buffer(buf, None);
        vk.device.free_memory(mem, None);
        libc::munmap(p, len);
    }
}

#[test]
fn bad_memory_handles_are_refused_and_left_open() {
    softvk_tests::isolated("bad_memory_handles_are_refused_and_left_open", || {
        let vk = softvk_tests::ext::device(false);
        let e = softvk_tests::ext::fns(&vk);
        let invalid = Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
        let before = open_fds();
        // Closed fd.
        assert_eq!(import(&vk, 4096, OPAQUE, 987).map(|_| ()), invalid);
        // Not from softvk: a foreign memfd as OPAQUE_FD; an eventfd; /dev/null.
        let name = std::ffi::CString::new("not-softvk").unwrap();
        let foreign = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
        unsafe { libc::ftruncate(foreign, 65536) };
        assert_eq!(import(&vk, 4096, OPAQUE, foreign).map(|_| ()), invalid);
        assert!(fd_open(foreign), "left open on failure");
        // A memfd that cannot be sealed is refused as DMA_BUF (a peer could shrink it under us).
        assert_eq!(import(&vk, 4096, DMABUF, foreign).map(|_| ()), invalid);
        assert!(fd_open(foreign));
        let ev = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
        assert_eq!(import(&vk, 4096, DMABUF, ev).map(|_| ()), invalid);
        let null = std::fs::File::open("/dev/null").unwrap();
        assert_eq!(
            import(&vk, 4096, OPAQUE, null.as_raw_fd()).map(|_| ()),
            invalid
        );
        // Another softvk build: a sealed memfd with the name such memory has, but other UUIDs.
        let other = std::ffi::CString::new(format!(
            "softvk-memory:{}-{}",
            "ab".repeat(16),
            "cd".repeat(16)
        ))
        .unwrap();
        let stranger = unsafe {
            libc::memfd_create(other.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING)
        };
        unsafe { libc::ftruncate(stranger, 4096) };
        assert_eq!(import(&vk, 4096, OPAQUE, stranger).map(|_| ()), invalid);
        assert!(fd_open(stranger));
        unsafe { libc::close(stranger) };
        // Too small: an exported 4 KiB allocation imported as 1 MiB.
        let a = alloc_exportable(&vk, 4096, OPAQUE);
        let fd = unsafe {
            e.mem.get_memory_fd(
                &vk::MemoryGetFdInfoKHR::default()
                    .memory(a)
                    .handle_type(OPAQUE),
            )
        }
        .unwrap();
        assert_eq!(import(&vk, 1 << 20, OPAQUE, fd).map(|_| ()), invalid);
        assert!(fd_open(fd), "left open on failure");
        // Misaligned and unmapped host pointers.
        let t = vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT;
        let v = vec![0u8; 3 * 4096];
        let misaligned = (v.as_ptr() as usize | 1) as *mut std::ffi::c_void;
        for ptr in [misaligned, 4096 as *mut std::ffi::c_void] {
            let mut imp = vk::ImportMemoryHostPointerInfoEXT::default()
                .handle_type(t)
                .host_pointer(ptr);
            let r = unsafe {
                vk.device.allocate_memory(
                    &vk::MemoryAllocateInfo::default()
                        .allocation_size(4096)
                        .memory_type_index(0)
                        .push_next(&mut imp),
                    None,
                )
            };
            assert_eq!(r.map(|_| ()), invalid);
            let mut hp = vk::MemoryHostPointerPropertiesEXT::default();
            assert_eq!(host_pointer_properties(&e, t, ptr, &mut hp), invalid);
        }
        unsafe {
            libc::close(foreign);
            libc::close(ev);
            libc::close(fd);
            vk.device.free_memory(a, None);
        }
        drop(null);
        let errors = vk.take_softvk_errors();
        assert!(
            errors.iter().all(|e| e.contains("INVALID_EXTERNAL_HANDLE")),
            "{errors:?}"
        );
        assert_eq!(errors.len(), 11, "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.contains("not memory exported by this softvk build")
                    && e.contains("abab")),
            "{errors:?}"
        );
        assert_eq!(open_fds(), before, "nothing leaked");
    });
}

#[test]
fn opaque_fd_semaphores_share_binary_and_timeline_payloads() {
    let vk = softvk_tests::ext::device(true);
    let e = softvk_tests::ext::fns(&vk);
    let op = vk::ExternalSemaphoreHandleTypeFlags::OPAQUE_FD;
    // Binary: signal through the exporter on queue 0, wait through the importer on queue 1.
    let a = semaphore(&vk, false, op);
    let b = semaphore(&vk, false, op);
    let fd = unsafe {
        e.sem.get_semaphore_fd(
            &vk::SemaphoreGetFdInfoKHR::default()
                .semaphore(a)
                .handle_type(op),
        )
    }
    .unwrap();
    unsafe {
        e.sem.import_semaphore_fd(
            &vk::ImportSemaphoreFdInfoKHR::default()
                .semaphore(b)
                .handle_type(op)
                .fd(fd),
        )
    }
    .unwrap();
    let fence = unsafe {
        vk.device
            .create_fence(&vk::FenceCreateInfo::default(), None)
    }
    .unwrap();
    submit(&vk, 0, &[], &[a], &[], vk::Fence::null());
    submit(&vk, 1, &[b], &[], &[], fence);
    unsafe { vk.device.wait_for_fences(&[fence], true, 5_000_000_000) }.unwrap();
    // Timeline: host signal through one, counter and host wait through the other.
    let t1 = semaphore(&vk, true, op);
    let t2 = semaphore(&vk, true, op);
    let fd = unsafe {
        e.sem.get_semaphore_fd(
            &vk::SemaphoreGetFdInfoKHR::default()
                .semaphore(t1)
                .handle_type(op),
        )
    }
    .unwrap();
    unsafe {
        e.sem.import_semaphore_fd(
            &vk::ImportSemaphoreFdInfoKHR::default()
                .semaphore(t2)
                .handle_type(op)
                .fd(fd),
        )
    }
    .unwrap();
    unsafe {
        vk.device
            .signal_semaphore(&vk::SemaphoreSignalInfo::default().semaphore(t1).value(17))
            .unwrap();
        assert_eq!(vk.device.get_semaphore_counter_value(t2), Ok(17));
        let s = [t2];
        let v = [17u64];
        vk.device
            .wait_semaphores(
                &vk::SemaphoreWaitInfo::default().semaphores(&s).values(&v),
                0,
            )
            .unwrap();
        vk.device.device_wait_idle().unwrap();
        for s in [a, b, t1, t2] {
            vk.device.destroy_semaphore(s, None);
        }
        vk.device.destroy_fence(fence, None);
    }
}

#[test]
fn temporary_import_is_consumed_then_the_permanent_payload_returns() {
    let vk = softvk_tests::ext::device(true);
    let e = softvk_tests::ext::fns(&vk);
    let op = vk::ExternalSemaphoreHandleTypeFlags::OPAQUE_FD;
    let src = semaphore(&vk, false, op);
    let dst = semaphore(&vk, false, op);
    let fd = unsafe {
        e.sem.get_semaphore_fd(
            &vk::SemaphoreGetFdInfoKHR::default()
                .semaphore(src)
                .handle_type(op),
        )
    }
    .unwrap();
    unsafe {
        e.sem
            .import_semaphore_fd(
                &vk::ImportSemaphoreFdInfoKHR::default()
                    .semaphore(dst)
                    .handle_type(op)
                    .flags(vk::SemaphoreImportFlags::TEMPORARY)
                    .fd(fd),
            )
            .unwrap();
    }
    let f1 = unsafe {
        vk.device
            .create_fence(&vk::FenceCreateInfo::default(), None)
    }
    .unwrap();
    // The wait on dst uses src's payload (temporary) ...
    submit(&vk, 0, &[], &[src], &[], vk::Fence::null());
    submit(&vk, 0, &[dst], &[], &[], f1);
    unsafe { vk.device.wait_for_fences(&[f1], true, 5_000_000_000) }.unwrap();
    // ... and consumed it: dst is its own semaphore again (signal dst, wait dst).
    let f2 = unsafe {
        vk.device
            .create_fence(&vk::FenceCreateInfo::default(), None)
    }
    .unwrap();
    submit(&vk, 0, &[], &[dst], &[], vk::Fence::null());
    submit(&vk, 1, &[dst], &[], &[], f2);
    unsafe {
        vk.device
            .wait_for_fences(&[f2], true, 5_000_000_000)
            .unwrap();
        vk.device.device_wait_idle().unwrap();
        vk.device.destroy_fence(f1, None);
        vk.device.destroy_fence(f2, None);
        vk.device.destroy_semaphore(src, None);
        vk.device.destroy_semaphore(dst, None);
    }
}

/// SYNC_FD export right after a submit: the fd is handed out at once, becomes readable when the
/// signal completes, the semaphore stays unsignaled, and another queue waits on the imported fd.
#[test]
fn sync_fd_from_a_queue_to_another_queue() {
    let vk = softvk_tests::ext::device(true);
    let e = softvk_tests::ext::fns(&vk);
    let sf = vk::ExternalSemaphoreHandleTypeFlags::SYNC_FD;
    let sem = semaphore(&vk, false, sf);
    let big = vk.buffer(128 << 20, USAGE);
    let out = vk.buffer(4096, USAGE);
    let work = fill_cb(&vk, big.buffer, 3);
    // The fill waits for a gate this thread opens only after the export, so the signal is
    // certainly still pending when it is exported.
    let gate = vk.gate();
    vk.submit_gated(0, gate, &[sem], &[work], vk::Fence::null());
    let t0 = Instant::now();
    let fd = unsafe {
        e.sem.get_semaphore_fd(
            &vk::SemaphoreGetFdInfoKHR::default()
                .semaphore(sem)
                .handle_type(sf),
        )
    }
    .unwrap();
    let export_time = t0.elapsed();
    assert!(fd >= 0, "a signal was pending: a real fd, not -1");
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let readable = |fd: i32, ms: i32| {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        unsafe { libc::poll(&mut p, 1, ms) == 1 }
    };
    let early = readable(fd, 0);
    vk.open(gate);
    // Consumer: a semaphore on queue 1 imports a dup of the fd (temporary) and waits on it.
    let consumer = semaphore(&vk, false, vk::ExternalSemaphoreHandleTypeFlags::empty());
    let dupd = unsafe { libc::dup(fd) };
    unsafe {
        e.sem
            .import_semaphore_fd(
                &vk::ImportSemaphoreFdInfoKHR::default()
                    .semaphore(consumer)
                    .handle_type(sf)
                    .flags(vk::SemaphoreImportFlags::TEMPORARY)
                    .fd(dupd),
            )
            .unwrap();
    }
    let check = fill_cb(&vk, out.buffer, 8);
    let fence = unsafe {
        vk.device
            .create_fence(&vk::FenceCreateInfo::default(), None)
    }
    .unwrap();
    submit(&vk, 1, &[consumer], &[], &[check], fence);
    assert!(
        readable(fd, 10_000),
        "the fd becomes readable when the fill completes"
    );
    unsafe { vk.device.wait_for_fences(&[fence], true, 10_000_000_000) }.unwrap();
    assert!(out.u32s().iter().all(|&v| v == 8));
    assert!(
        export_time < Duration::from_millis(50),
        "export did not wait for the work ({export_time:?})"
    );
    assert!(!early, "the gated fill had not run at export");
    // The export took the signal: sem is unsignaled, so a new signal+wait pair works.
    let f2 = unsafe {
        vk.device
            .create_fence(&vk::FenceCreateInfo::default(), None)
    }
    .unwrap();
    submit(&vk, 0, &[], &[sem], &[], vk::Fence::null());
    submit(&vk, 1, &[sem], &[], &[], f2);
    unsafe {
        vk.device
            .wait_for_fences(&[f2], true, 5_000_000_000)
            .unwrap();
        vk.device.device_wait_idle().unwrap();
        vk.device.destroy_fence(fence, None);
        vk.device.destroy_fence(f2, None);
        vk.device.destroy_semaphore(sem, None);
        vk.device.destroy_semaphore(consumer, None);
        vk.device.destroy_semaphore(gate, None);
        vk.device.free_command_buffers(vk.pool, &[work, check]);
    }
    drop(owned);
    vk.destroy_buffer(big);
    vk.destroy_buffer(out);
}

#[test]
fn minus_one_imports_and_exports_of_signaled_payloads() {
    let vk = softvk_tests::ext::device(true);
    let e = softvk_tests::ext::fns(&vk);
    let sf = vk::ExternalSemaphoreHandleTypeFlags::SYNC_FD;
    let sem = semaphore(&vk, false, sf);
    // -1 is "already signaled": a wait on it completes at once.
    unsafe {
        e.sem
            .import_semaphore_fd(
                &vk::ImportSemaphoreFdInfoKHR::default()
                    .semaphore(sem)
                    .handle_type(sf)
                    .flags(vk::SemaphoreImportFlags::TEMPORARY)
                    .fd(-1),
            )
            .unwrap();
    }
    let fence = unsafe {
        vk.device
            .create_fence(&vk::FenceCreateInfo::default(), None)
    }
    .unwrap();
    submit(&vk, 0, &[sem], &[], &[], fence);
    unsafe { vk.device.wait_for_fences(&[fence], true, 5_000_000_000) }.unwrap();
    // Export of an already signaled semaphore gives -1.
    submit(&vk, 0, &[], &[sem], &[], vk::Fence::null());
    unsafe { vk.device.queue_wait_idle(vk.queues[0]) }.unwrap();
    let fd = unsafe {
        e.sem.get_semaphore_fd(
            &vk::SemaphoreGetFdInfoKHR::default()
                .semaphore(sem)
                .handle_type(sf),
        )
    }
    .unwrap();
    assert_eq!(fd, -1);
    // Fences: SYNC_FD -1 import is signaled until the next reset, which restores the permanent.
    let ff = vk::ExternalFenceHandleTypeFlags::SYNC_FD;
    let mut fe = vk::ExportFenceCreateInfo::default().handle_types(ff);
    let f = unsafe {
        vk.device
            .create_fence(&vk::FenceCreateInfo::default().push_next(&mut fe), None)
    }
    .unwrap();
    unsafe {
        e.fence
            .import_fence_fd(
                &vk::ImportFenceFdInfoKHR::default()
                    .fence(f)
                    .handle_type(ff)
                    .flags(vk::FenceImportFlags::TEMPORARY)
                    .fd(-1),
            )
            .unwrap();
        assert_eq!(vk.device.get_fence_status(f), Ok(true));
        vk.device.reset_fences(&[f]).unwrap();
        assert_eq!(vk.device.get_fence_status(f), Ok(false));
        // A signaled fence exports -1 and is reset by the export.
        vk.device.queue_submit(vk.queues[0], &[], f).unwrap();
        vk.device
            .wait_for_fences(&[f], true, 5_000_000_000)
            .unwrap();
        let fd = e
            .fence
            .get_fence_fd(&vk::FenceGetFdInfoKHR::default().fence(f).handle_type(ff))
            .unwrap();
        assert_eq!(fd, -1);
        assert_eq!(vk.device.get_fence_status(f), Ok(false));
        vk.device.destroy_fence(f, None);
        vk.device.destroy_fence(fence, None);
        vk.device.destroy_semaphore(sem, None);
    }
}

#[test]
fn opaque_fd_fences_and_sync_fd_fences() {
    let vk = softvk_tests::ext::device(true);
    let e = softvk_tests::ext::fns(&vk);
    let op = vk::ExternalFenceHandleTypeFlags::OPAQUE_FD;
    let mut fe = vk::ExportFenceCreateInfo::default()
        .handle_types(op | vk::ExternalFenceHandleTypeFlags::SYNC_FD);
    let a = unsafe {
        vk.device
            .create_fence(&vk::FenceCreateInfo::default().push_next(&mut fe), None)
    }
    .unwrap();
    let b = unsafe {
        vk.device
            .create_fence(&vk::FenceCreateInfo::default(), None)
    }
    .unwrap();
    unsafe {
        let fd = e
            .fence
            .get_fence_fd(&vk::FenceGetFdInfoKHR::default().fence(a).handle_type(op))
            .unwrap();
        e.fence
            .import_fence_fd(
                &vk::ImportFenceFdInfoKHR::default()
                    .fence(b)
                    .handle_type(op)
                    .fd(fd),
            )
            .unwrap();
        vk.device.queue_submit(vk.queues[0], &[], a).unwrap();
        vk.device
            .wait_for_fences(&[b], true, 5_000_000_000)
            .unwrap();
        vk.device.reset_fences(&[b]).unwrap();
        assert_eq!(
            vk.device.get_fence_status(a),
            Ok(false),
            "one payload: resetting b reset a"
        );
        // SYNC_FD from a pending fence signal. (A separate fence: the validation layer stops
        // tracking the state of a fence once its payload was exported by reference.)
        let sf = vk::ExternalFenceHandleTypeFlags::SYNC_FD;
        let mut fe2 = vk::ExportFenceCreateInfo::default().handle_types(sf);
        let a2 = vk
            .device
            .create_fence(&vk::FenceCreateInfo::default().push_next(&mut fe2), None)
            .unwrap();
        let big = vk.buffer(64 << 20, USAGE);
        let work = fill_cb(&vk, big.buffer, 1);
        let gate = vk.gate();
        vk.submit_gated(0, gate, &[], &[work], a2);
        let fd = e
            .fence
            .get_fence_fd(&vk::FenceGetFdInfoKHR::default().fence(a2).handle_type(sf))
            .unwrap();
        assert!(fd >= 0, "the gated signal is pending: a real fd");
        vk.open(gate);
        let c = vk
            .device
            .create_fence(&vk::FenceCreateInfo::default(), None)
            .unwrap();
        e.fence
            .import_fence_fd(
                &vk::ImportFenceFdInfoKHR::default()
                    .fence(c)
                    .handle_type(sf)
                    .flags(vk::FenceImportFlags::TEMPORARY)
                    .fd(fd),
            )
            .unwrap();
        vk.device
            .wait_for_fences(&[c], true, 10_000_000_000)
            .unwrap();
        vk.device.queue_wait_idle(vk.queues[0]).unwrap();
        assert_eq!(
            vk.device.get_fence_status(a2),
            Ok(false),
            "the export took the signal"
        );
        vk.device.free_command_buffers(vk.pool, &[work]);
        vk.device.destroy_semaphore(gate, None);
        vk.destroy_buffer(big);
        for f in [a, a2, b, c] {
            vk.device.destroy_fence(f, None);
        }
    }
}

/// 4096 export/import cycles of memory, semaphores and fences leave the fd count unchanged.
#[test]
fn thousands_of_export_import_cycles_leak_no_fds() {
    softvk_tests::isolated("thousands_of_export_import_cycles_leak_no_fds", || {
        let vk = softvk_tests::ext::device(false);
        let e = softvk_tests::ext::fns(&vk);
        let op_s = vk::ExternalSemaphoreHandleTypeFlags::OPAQUE_FD;
        let op_f = vk::ExternalFenceHandleTypeFlags::OPAQUE_FD;
        let mem = alloc_exportable(&vk, 4096, OPAQUE);
        let sem = semaphore(&vk, true, op_s);
        let mut fe = vk::ExportFenceCreateInfo::default().handle_types(op_f);
        let fence = unsafe {
            vk.device
                .create_fence(&vk::FenceCreateInfo::default().push_next(&mut fe), None)
        }
        .unwrap();
        let target = semaphore(&vk, true, vk::ExternalSemaphoreHandleTypeFlags::empty());
        let target_fence = unsafe {
            vk.device
                .create_fence(&vk::FenceCreateInfo::default(), None)
        }
        .unwrap();
        let before = open_fds();
        for i in 0..4096 {
            unsafe {
                let fd = e
                    .mem
                    .get_memory_fd(
                        &vk::MemoryGetFdInfoKHR::default()
                            .memory(mem)
                            .handle_type(OPAQUE),
                    )
                    .unwrap();
                let m = import(&vk, 4096, OPAQUE, fd).unwrap();
                vk.device.free_memory(m, None);
                let fd = e
                    .sem
                    .get_semaphore_fd(
                        &vk::SemaphoreGetFdInfoKHR::default()
                            .semaphore(sem)
                            .handle_type(op_s),
                    )
                    .unwrap();
                e.sem
                    .import_semaphore_fd(
                        &vk::ImportSemaphoreFdInfoKHR::default()
                            .semaphore(target)
                            .handle_type(op_s)
                            .fd(fd),
                    )
                    .unwrap();
                let fd = e
                    .fence
                    .get_fence_fd(
                        &vk::FenceGetFdInfoKHR::default()
                            .fence(fence)
                            .handle_type(op_f),
                    )
                    .unwrap();
                e.fence
                    .import_fence_fd(
                        &vk::ImportFenceFdInfoKHR::default()
                            .fence(target_fence)
                            .handle_type(op_f)
                            .fd(fd),
                    )
                    .unwrap();
                if i == 0 {
                    assert!(
                        open_fds() <= before + 2,
                        "imports keep at most the payloads they replace"
                    );
                }
            }
        }
        assert!(
            open_fds() <= before + 2,
            "fds before {before}, after {}",
            open_fds()
        );
        unsafe {
            vk.device.destroy_semaphore(target, None);
            vk.device.destroy_fence(target_fence, None);
            vk.device.destroy_semaphore(sem, None);
            vk.device.destroy_fence(fence, None);
            vk.device.free_memory(mem, None);
        }
        assert!(
            open_fds() < before,
            "destroying the objects closes their fds"
        );
    });
}

/// Buffers sub-allocated at offsets of imported memory, and a dedicated image allocation
/// exported and imported as a dedicated allocation of a second image.
#[test]
fn dedicated_and_suballocated_resources_on_imported_memory() {
    let vk = softvk_tests::ext::device(true);
    let e = softvk_tests::ext::fns(&vk);
    let size = 1 << 20;
    let a = alloc_exportable(&vk, size, OPAQUE);
    let fd = softvk_tests::ext::memory_fd(&e, a, OPAQUE);
    let b = import(&vk, size, OPAQUE, fd).unwrap();
    // Two buffers at different offsets of the imported memory.
    let mut ext_info = vk::ExternalMemoryBufferCreateInfo::default().handle_types(OPAQUE);
    let mk = |ext_info: &mut vk::ExternalMemoryBufferCreateInfo<'_>| unsafe {
        vk.device
            .create_buffer(
                &vk::BufferCreateInfo::default()
                    .size(4096)
                    .usage(USAGE)
                    .push_next(ext_info),
                None,
            )
            .unwrap()
    };
    let (b1, b2) = (mk(&mut ext_info), mk(&mut ext_info));
    unsafe {
        vk.device.bind_buffer_memory(b1, b, 0).unwrap();
        vk.device.bind_buffer_memory(b2, b, 512 << 10).unwrap();
    }
    vk.run(|cb| unsafe {
        vk.device
            .cmd_fill_buffer(cb, b1, 0, vk::WHOLE_SIZE, 0x11111111);
        vk.device
            .cmd_fill_buffer(cb, b2, 0, vk::WHOLE_SIZE, 0x22222222);
    });
    let ma = map(&vk, a, size);
    assert_eq!(&ma[..4], &[0x11; 4]);
    assert_eq!(&ma[512 << 10..(512 << 10) + 4], &[0x22; 4]);
    // Dedicated: an image's own allocation, exported, imported as the dedicated allocation of a
    // second image with the same parameters.
    let mut iext = vk::ExternalMemoryImageCreateInfo::default().handle_types(OPAQUE);
    let info = image_2d(vk::Format::R8G8B8A8_UNORM, 32, 32).push_next(&mut iext);
    let (i1, i2) = unsafe {
        (
            vk.device.create_image(&info, None).unwrap(),
            vk.device.create_image(&info, None).unwrap(),
        )
    };
    let req = unsafe { vk.device.get_image_memory_requirements(i1) };
    let mut ded = vk::MemoryDedicatedAllocateInfo::default().image(i1);
    let mut exp = vk::ExportMemoryAllocateInfo::default().handle_types(OPAQUE);
    let m1 = unsafe {
        vk.device.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(req.size)
                .memory_type_index(0)
                .push_next(&mut ded)
                .push_next(&mut exp),
            None,
        )
    }
    .unwrap();
    let fd = softvk_tests::ext::memory_fd(&e, m1, OPAQUE);
    let mut ded2 = vk::MemoryDedicatedAllocateInfo::default().image(i2);
    let mut imp = vk::ImportMemoryFdInfoKHR::default()
        .handle_type(OPAQUE)
        .fd(fd);
    let m2 = unsafe {
        vk.device.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(req.size)
                .memory_type_index(0)
                .push_next(&mut ded2)
                .push_next(&mut imp),
            None,
        )
    }
    .unwrap();
    unsafe {
        vk.device.bind_image_memory(i1, m1, 0).unwrap();
        vk.device.bind_image_memory(i2, m2, 0).unwrap();
    }
    let out = vk.buffer(32 * 32 * 4, USAGE);
    vk.run(|cb| unsafe {
        vk.image_barrier(
            cb,
            i1,
            vk::ImageAspectFlags::COLOR,
            vk::ImageLayout::UNDEFINED,
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
        );
        vk.device.cmd_clear_color_image(
            cb,
            i1,
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
            &vk::ClearColorValue {
                float32: [1.0, 0.0, 0.0, 1.0],
            },
            &[softvk_tests::full_range(vk::ImageAspectFlags::COLOR)],
        );
    });
    vk.run(|cb| unsafe {
        vk.image_barrier(
            cb,
            i2,
            vk::ImageAspectFlags::COLOR,
            vk::ImageLayout::UNDEFINED,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
        );
        vk.device.cmd_copy_image_to_buffer(
            cb,
            i2,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            out.buffer,
            &[vk::BufferImageCopy {
                buffer_offset: 0,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: softvk_tests::color_layers(1),
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: 32,
                    height: 32,
                    depth: 1,
                },
            }],
        );
    });
    assert!(
        out.u32s().iter().all(|&p| p == 0xFF0000FF),
        "the second image sees the first's texels"
    );
    unsafe {
        for bf in [b1, b2] {
            vk.device.destroy_buffer(bf, None);
        }
        vk.device.destroy_image(i1, None);
        vk.device.destroy_image(i2, None);
        for m in [m1, m2, a, b] {
            vk.device.free_memory(m, None);
        }
    }
    vk.destroy_buffer(out);
}

/// Semaphore and fence imports refuse closed fds, the wrong kind of file, another build's
/// payload page, and a payload of another kind; the fd stays open and nothing leaks.
#[test]
fn bad_semaphore_and_fence_handles_are_refused_and_left_open() {
    softvk_tests::isolated(
        "bad_semaphore_and_fence_handles_are_refused_and_left_open",
        || {
            let vk = softvk_tests::ext::device(false);
            let e = softvk_tests::ext::fns(&vk);
            let before = open_fds();
            let so = vk::ExternalSemaphoreHandleTypeFlags::OPAQUE_FD;
            let fo = vk::ExternalFenceHandleTypeFlags::OPAQUE_FD;
            let invalid = Err(vk::Result::ERROR_INVALID_EXTERNAL_HANDLE);
            let bin = semaphore(&vk, false, so);
            let tl = semaphore(&vk, true, so);
            let fence = softvk_tests::ext::fence(&vk, fo);
            let imp_sem = |s: vk::Semaphore, fd: i32| unsafe {
                e.sem.import_semaphore_fd(
                    &vk::ImportSemaphoreFdInfoKHR::default()
                        .semaphore(s)
                        .handle_type(so)
                        .fd(fd),
                )
            };
            // Closed; not a payload page at all.
            assert_eq!(imp_sem(bin, 4321), invalid);
            let ev = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
            assert_eq!(imp_sem(bin, ev), invalid);
            assert!(fd_open(ev));
            // A binary semaphore's page into a timeline semaphore; a fence's page into a semaphore.
            let bfd = unsafe {
                e.sem.get_semaphore_fd(
                    &vk::SemaphoreGetFdInfoKHR::default()
                        .semaphore(bin)
                        .handle_type(so),
                )
            }
            .unwrap();
            assert_eq!(imp_sem(tl, bfd), invalid);
            let ffd = unsafe {
                e.fence.get_fence_fd(
                    &vk::FenceGetFdInfoKHR::default()
                        .fence(fence)
                        .handle_type(fo),
                )
            }
            .unwrap();
            assert_eq!(imp_sem(bin, ffd), invalid);
            assert!(fd_open(bfd) && fd_open(ffd), "left open on failure");
            // Another build's page: same name and size, a header that names other UUIDs.
            let name = std::ffi::CString::new("softvk-sync").unwrap();
            let forged = unsafe {
                libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING)
            };
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
            let mut header = vec![0u8; page];
            header[..8].copy_from_slice(b"SOFTVKSY");
            header[8..12].copy_from_slice(&1u32.to_le_bytes());
            header[12..16].copy_from_slice(&1u32.to_le_bytes()); // binary semaphore
            header[16..48].fill(0xAB); // not this build
            unsafe { libc::pwrite(forged, header.as_ptr() as *const _, page, 0) };
            assert_eq!(imp_sem(bin, forged), invalid);
            assert!(fd_open(forged));
            // SYNC_FD: an fd that is not a sync file.
            let null = std::fs::File::open("/dev/null").unwrap();
            let r = unsafe {
                e.fence.import_fence_fd(
                    &vk::ImportFenceFdInfoKHR::default()
                        .fence(fence)
                        .handle_type(vk::ExternalFenceHandleTypeFlags::SYNC_FD)
                        .flags(vk::FenceImportFlags::TEMPORARY)
                        .fd(null.as_raw_fd()),
                )
            };
            assert_eq!(r, invalid);
            // The objects still work: the rightful imports succeed.
            let bfd2 = unsafe { libc::dup(bfd) };
            assert_eq!(
                imp_sem(
                    semaphore(&vk, false, vk::ExternalSemaphoreHandleTypeFlags::empty()),
                    bfd2
                ),
                Ok(())
            );
            for fd in [ev, bfd, ffd, forged] {
                unsafe { libc::close(fd) };
            }
            drop(null);
            let errors = vk.take_softvk_errors();
            assert_eq!(errors.len(), 6, "{errors:?}");
            assert!(
                errors.iter().any(|e| e.contains("another softvk build")),
                "{errors:?}"
            );
            assert!(
                errors.iter().any(|e| e.contains("another kind")),
                "{errors:?}"
            );
            unsafe {
                vk.device.destroy_semaphore(bin, None);
                vk.device.destroy_semaphore(tl, None);
                vk.device.destroy_fence(fence, None);
            }
            assert!(
                open_fds() <= before + 1,
                "only the successful import's page may stay open"
            );
        },
    );
}

/// HOST_MAPPED_FOREIGN_MEMORY: a mapping of another object's memory (here a memfd, as a
/// stand-in for a foreign device's mapping) imported in place, aligned to
/// minImportedHostPointerAlignment.
#[test]
fn host_mapped_foreign_memory_is_used_in_place() {
    let vk = softvk_tests::ext::device(true);
    let mut host_props = vk::PhysicalDeviceExternalMemoryHostPropertiesEXT::default();
    let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut host_props);
    unsafe {
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut p2)
    };
    let align = host_props.min_imported_host_pointer_alignment as usize;
    assert_eq!(align, unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize);
    let len = 2 * align;
    let name = std::ffi::CString::new("foreign").unwrap();
    let mfd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    unsafe { libc::ftruncate(mfd, len as i64) };
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            mfd,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    let t = vk::ExternalMemoryHandleTypeFlags::HOST_MAPPED_FOREIGN_MEMORY_EXT;
    let mut imp = vk::ImportMemoryHostPointerInfoEXT::default()
        .handle_type(t)
        .host_pointer(p);
    let mem = unsafe {
        vk.device.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(len as u64)
                .memory_type_index(0)
                .push_next(&mut imp),
            None,
        )
    }
    .unwrap();
    let buf = buffer_on(&vk, mem, len as u64, t);
    vk.run(|cb| unsafe {
        vk.device
            .cmd_fill_buffer(cb, buf, 0, vk::WHOLE_SIZE, 0x0F0F0F0F)
    });
    // Read back through the file, not the mapping: the device wrote the foreign object itself.
    let mut back = vec![0u8; len];
    unsafe { libc::pread(mfd, back.as_mut_ptr() as *mut _, len, 0) };
    assert!(back.iter().all(|&b| b == 0x0F));
    unsafe {
        vk.device.destroy_buffer(buf, None);
        vk.device.free_memory(mem, None);
        libc::munmap(p, len);
        libc::close(mfd);
    }
}
