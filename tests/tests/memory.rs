//! Device memory: allocation, mapping (1 and 2), flush/invalidate, budget, requirements,
//! dedicated allocations, linear images.

use ash::vk;
use softvk_tests::{Options, Vk, color_layers, image_2d};

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn budget(vk: &Vk) -> (u64, u64) {
    let mut b = vk::PhysicalDeviceMemoryBudgetPropertiesEXT::default();
    let mut p = vk::PhysicalDeviceMemoryProperties2::default().push_next(&mut b);
    unsafe {
        vk.instance
            .get_physical_device_memory_properties2(vk.physical, &mut p)
    };
    let _ = p;
    (b.heap_budget[0], b.heap_usage[0])
}

#[test]
fn mapped_writes_reach_the_device_and_back() {
    let vk = Vk::new();
    let src = vk.buffer(1 << 16, USAGE);
    let dst = vk.buffer(1 << 16, USAGE);
    for (i, b) in src.bytes().iter_mut().enumerate() {
        *b = (i * 7) as u8;
    }
    unsafe {
        // Coherent memory: flush and invalidate accept whole and partial ranges.
        let ranges = [
            vk::MappedMemoryRange::default()
                .memory(src.mem.memory)
                .offset(0)
                .size(vk::WHOLE_SIZE),
            vk::MappedMemoryRange::default()
                .memory(src.mem.memory)
                .offset(64)
                .size(128),
        ];
        vk.device.flush_mapped_memory_ranges(&ranges).unwrap();
    }
    vk.run(|cb| unsafe {
        vk.device.cmd_copy_buffer(
            cb,
            src.buffer,
            dst.buffer,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 0,
                size: 1 << 16,
            }],
        )
    });
    unsafe {
        vk.device
            .invalidate_mapped_memory_ranges(&[vk::MappedMemoryRange::default()
                .memory(dst.mem.memory)
                .offset(0)
                .size(vk::WHOLE_SIZE)])
            .unwrap();
    }
    assert_eq!(src.bytes(), dst.bytes());
    // A second mapping at an offset sees the same bytes.
    unsafe {
        vk.device.unmap_memory(dst.mem.memory);
        let p = vk
            .device
            .map_memory(dst.mem.memory, 256, 64, vk::MemoryMapFlags::empty())
            .unwrap() as *const u8;
        let view = std::slice::from_raw_parts(p, 64);
        assert_eq!(view, &src.bytes()[256..320]);
        vk.device.unmap_memory(dst.mem.memory);
    }
    vk.destroy_buffer(src);
    vk.destroy_buffer(dst);
}

#[test]
fn map_memory2() {
    let vk = Vk::with(Options {
        device_extensions: vec![ash::khr::map_memory2::NAME],
        // The Debian validation layer (1.3.239) predates VK_KHR_map_memory2.
        validation: false,
        ..Default::default()
    });
    let m2 = ash::khr::map_memory2::Device::new(&vk.instance, &vk.device);
    let dev = vk.device.handle();
    let map2 = |info: &vk::MemoryMapInfoKHR<'_>| -> Result<*mut u8, vk::Result> {
        let mut p = std::ptr::null_mut();
        match unsafe { (m2.fp().map_memory2_khr)(dev, info, &mut p) } {
            vk::Result::SUCCESS => Ok(p as *mut u8),
            e => Err(e),
        }
    };
    let unmap2 =
        |info: &vk::MemoryUnmapInfoKHR<'_>| unsafe { (m2.fp().unmap_memory2_khr)(dev, info) };
    let ty = vk.memory_type(vk::MemoryPropertyFlags::HOST_VISIBLE);
    unsafe {
        let mem = vk
            .device
            .allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(4096)
                    .memory_type_index(ty),
                None,
            )
            .unwrap();
        let p = map2(
            &vk::MemoryMapInfoKHR::default()
                .memory(mem)
                .offset(1024)
                .size(vk::WHOLE_SIZE),
        )
        .unwrap();
        p.write_bytes(0x5A, 3072);
        assert_eq!(
            unmap2(&vk::MemoryUnmapInfoKHR::default().memory(mem)),
            vk::Result::SUCCESS
        );
        let q = vk
            .device
            .map_memory(mem, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
            .unwrap() as *const u8;
        let all = std::slice::from_raw_parts(q, 4096);
        assert!(all[..1024].iter().all(|&b| b == 0), "fresh memory is zero");
        assert!(all[1024..].iter().all(|&b| b == 0x5A));
        vk.device.unmap_memory(mem);
        // Out of range: refused, reported.
        assert_eq!(
            map2(
                &vk::MemoryMapInfoKHR::default()
                    .memory(mem)
                    .offset(4096)
                    .size(16)
            )
            .err(),
            Some(vk::Result::ERROR_VALIDATION_FAILED_EXT)
        );
        vk.device.free_memory(mem, None);
    }
    let errors = vk.take_softvk_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("vkMapMemory2KHR"), "{errors:?}");
}

#[test]
fn memory_budget_tracks_allocations() {
    let vk = Vk::with(Options {
        device_extensions: vec![ash::ext::memory_budget::NAME],
        ..Default::default()
    });
    let (budget0, usage0) = budget(&vk);
    assert!(budget0 >= usage0 && budget0 > 0);
    let mem = vk.memory(64 << 20);
    let (budget1, usage1) = budget(&vk);
    assert_eq!(usage1, usage0 + (64 << 20));
    assert!(budget1 >= usage1);
    unsafe { vk.device.free_memory(mem.memory, None) };
    assert_eq!(budget(&vk).1, usage0);
}

#[test]
fn allocations_larger_than_the_heap_fail_cleanly() {
    // Invalid use (allocationSize > heap size), so without the validation layer.
    let vk = Vk::with(Options {
        validation: false,
        ..Default::default()
    });
    let props = unsafe {
        vk.instance
            .get_physical_device_memory_properties(vk.physical)
    };
    let heap = props.memory_heaps[0].size;
    let r = unsafe {
        vk.device.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(heap + 4096)
                .memory_type_index(0),
            None,
        )
    };
    assert_eq!(r.err(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY));
    let errors = vk.take_softvk_errors();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("larger than the heap"), "{errors:?}");
}

#[test]
fn requirements_dedicated_and_maintenance4() {
    let vk = Vk::new();
    unsafe {
        let info = vk::BufferCreateInfo::default().size(1000).usage(USAGE);
        let buf = vk.device.create_buffer(&info, None).unwrap();
        let r1 = vk.device.get_buffer_memory_requirements(buf);
        let mut ded = vk::MemoryDedicatedRequirements::default();
        let mut r2 = vk::MemoryRequirements2::default().push_next(&mut ded);
        vk.device.get_buffer_memory_requirements2(
            &vk::BufferMemoryRequirementsInfo2::default().buffer(buf),
            &mut r2,
        );
        let r2m = r2.memory_requirements;
        let mut r3 = vk::MemoryRequirements2::default();
        vk.device.get_device_buffer_memory_requirements(
            &vk::DeviceBufferMemoryRequirements::default().create_info(&info),
            &mut r3,
        );
        let key = |r: vk::MemoryRequirements| (r.size, r.alignment, r.memory_type_bits);
        assert_eq!(key(r1), key(r2m));
        assert_eq!(key(r1), key(r3.memory_requirements));
        assert!(r1.size >= 1000 && r1.alignment.is_power_of_two() && r1.memory_type_bits & 1 == 1);
        assert_eq!(ded.prefers_dedicated_allocation, vk::FALSE);

        let iinfo = image_2d(vk::Format::R8G8B8A8_UNORM, 33, 17)
            .mip_levels(3)
            .array_layers(2);
        let img = vk.device.create_image(&iinfo, None).unwrap();
        let ir1 = vk.device.get_image_memory_requirements(img);
        let mut ir3 = vk::MemoryRequirements2::default();
        vk.device.get_device_image_memory_requirements(
            &vk::DeviceImageMemoryRequirements::default().create_info(&iinfo),
            &mut ir3,
        );
        assert_eq!(key(ir1), key(ir3.memory_requirements));
        assert!(ir1.size >= 33 * 17 * 4 * 2);
        assert!(
            vk.device
                .get_image_sparse_memory_requirements(img)
                .is_empty()
        );

        // A dedicated allocation for the image, bound with vkBindImageMemory2.
        let mut dinfo = vk::MemoryDedicatedAllocateInfo::default().image(img);
        let mem = vk
            .device
            .allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(ir1.size)
                    .memory_type_index(0)
                    .push_next(&mut dinfo),
                None,
            )
            .unwrap();
        vk.device
            .bind_image_memory2(&[vk::BindImageMemoryInfo::default()
                .image(img)
                .memory(mem)
                .memory_offset(0)])
            .unwrap();
        // A buffer sub-allocated with vkBindBufferMemory2 at an aligned offset.
        let bmem = vk
            .device
            .allocate_memory(
                &vk::MemoryAllocateInfo::default()
                    .allocation_size(r1.alignment * 4 + r1.size)
                    .memory_type_index(0),
                None,
            )
            .unwrap();
        vk.device
            .bind_buffer_memory2(&[vk::BindBufferMemoryInfo::default()
                .buffer(buf)
                .memory(bmem)
                .memory_offset(r1.alignment * 4)])
            .unwrap();
        vk.device.destroy_buffer(buf, None);
        vk.device.destroy_image(img, None);
        vk.device.free_memory(mem, None);
        vk.device.free_memory(bmem, None);
    }
}

#[test]
fn linear_images_follow_their_subresource_layout() {
    let vk = Vk::new();
    let (w, h) = (13u32, 5u32);
    let info = image_2d(vk::Format::R8G8B8A8_UINT, w, h)
        .tiling(vk::ImageTiling::LINEAR)
        .initial_layout(vk::ImageLayout::PREINITIALIZED);
    let img = vk.image(&info);
    let layout = unsafe {
        vk.device.get_image_subresource_layout(
            img.image,
            vk::ImageSubresource {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                mip_level: 0,
                array_layer: 0,
            },
        )
    };
    assert!(layout.row_pitch >= (w * 4) as u64);
    assert!(layout.size >= layout.row_pitch * (h as u64 - 1) + (w * 4) as u64);
    // The host writes texels through the layout; a copy to a buffer reads them back packed.
    let bytes = img.mem.bytes();
    for y in 0..h {
        for x in 0..w {
            let o = (layout.offset + y as u64 * layout.row_pitch + x as u64 * 4) as usize;
            bytes[o..o + 4].copy_from_slice(&[x as u8, y as u8, 7, 9]);
        }
    }
    let out = vk.buffer((w * h * 4) as u64, USAGE);
    vk.run(|cb| unsafe {
        let b = [vk::ImageMemoryBarrier2::default()
            .src_stage_mask(vk::PipelineStageFlags2::HOST)
            .src_access_mask(vk::AccessFlags2::HOST_WRITE)
            .dst_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
            .dst_access_mask(vk::AccessFlags2::TRANSFER_READ)
            .old_layout(vk::ImageLayout::PREINITIALIZED)
            .new_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL)
            .image(img.image)
            .subresource_range(softvk_tests::full_range(vk::ImageAspectFlags::COLOR))];
        vk.device
            .cmd_pipeline_barrier2(cb, &vk::DependencyInfo::default().image_memory_barriers(&b));
        vk.device.cmd_copy_image_to_buffer(
            cb,
            img.image,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            out.buffer,
            &[vk::BufferImageCopy {
                buffer_offset: 0,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: color_layers(1),
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: w,
                    height: h,
                    depth: 1,
                },
            }],
        );
    });
    for (i, t) in out.bytes().chunks(4).enumerate() {
        let (x, y) = (i as u32 % w, i as u32 / w);
        assert_eq!(t, [x as u8, y as u8, 7, 9]);
    }
    vk.destroy_image(img);
    vk.destroy_buffer(out);
}

/// Allocations do not hold file descriptors unless exported, so thousands of them neither
/// exhaust the fd table nor leak fds.
#[test]
fn thousands_of_allocations_use_no_file_descriptors() {
    softvk_tests::isolated("thousands_of_allocations_use_no_file_descriptors", || {
        let vk = Vk::new();
        let before = open_fds();
        let mems: Vec<vk::DeviceMemory> = (0..3000)
            .map(|_| unsafe {
                vk.device
                    .allocate_memory(
                        &vk::MemoryAllocateInfo::default()
                            .allocation_size(4096)
                            .memory_type_index(0),
                        None,
                    )
                    .unwrap()
            })
            .collect();
        let during = open_fds();
        for m in mems {
            unsafe { vk.device.free_memory(m, None) };
        }
        assert!(
            during <= before + 2,
            "fds before {before}, with 3000 allocations {during}"
        );
        assert!(open_fds() <= before, "fds leaked");
    });
}
