//! Acceptance: every handle-type bit of the spec pages (shared/spec) walked through every
//! capability query. Linux types answer with what the code does; Win32, D3D, Android, Zircon,
//! RDMA and the NV types report nothing. Every claimed export is then performed for real.

use ash::vk;
use softvk_tests::ext;

type M = vk::ExternalMemoryHandleTypeFlags;
type S = vk::ExternalSemaphoreHandleTypeFlags;
type F = vk::ExternalFenceHandleTypeFlags;

/// VkExternalMemoryHandleTypeFlagBits, as listed in VkExternalMemoryHandleTypeFlagBits.md.
const MEMORY_BITS: &[(M, &str)] = &[
    (M::OPAQUE_FD, "OPAQUE_FD"),
    (M::OPAQUE_WIN32, "OPAQUE_WIN32"),
    (M::OPAQUE_WIN32_KMT, "OPAQUE_WIN32_KMT"),
    (M::D3D11_TEXTURE, "D3D11_TEXTURE"),
    (M::D3D11_TEXTURE_KMT, "D3D11_TEXTURE_KMT"),
    (M::D3D12_HEAP, "D3D12_HEAP"),
    (M::D3D12_RESOURCE, "D3D12_RESOURCE"),
    (M::HOST_ALLOCATION_EXT, "HOST_ALLOCATION_EXT"),
    (
        M::HOST_MAPPED_FOREIGN_MEMORY_EXT,
        "HOST_MAPPED_FOREIGN_MEMORY_EXT",
    ),
    (M::DMA_BUF_EXT, "DMA_BUF_EXT"),
    (
        M::ANDROID_HARDWARE_BUFFER_ANDROID,
        "ANDROID_HARDWARE_BUFFER_ANDROID",
    ),
    (M::ZIRCON_VMO_FUCHSIA, "ZIRCON_VMO_FUCHSIA"),
    (M::RDMA_ADDRESS_NV, "RDMA_ADDRESS_NV"),
];

/// VkExternalSemaphoreHandleTypeFlagBits, as listed in VkExternalSemaphoreHandleTypeFlagBits.md.
const SEMAPHORE_BITS: &[(S, &str)] = &[
    (S::OPAQUE_FD, "OPAQUE_FD"),
    (S::OPAQUE_WIN32, "OPAQUE_WIN32"),
    (S::OPAQUE_WIN32_KMT, "OPAQUE_WIN32_KMT"),
    (S::D3D12_FENCE, "D3D12_FENCE / D3D11_FENCE"),
    (S::SYNC_FD, "SYNC_FD"),
    (S::ZIRCON_EVENT_FUCHSIA, "ZIRCON_EVENT_FUCHSIA"),
];

/// VkExternalFenceHandleTypeFlagBits.
const FENCE_BITS: &[(F, &str)] = &[
    (F::OPAQUE_FD, "OPAQUE_FD"),
    (F::OPAQUE_WIN32, "OPAQUE_WIN32"),
    (F::OPAQUE_WIN32_KMT, "OPAQUE_WIN32_KMT"),
    (F::SYNC_FD, "SYNC_FD"),
];

fn expected_memory(t: M, image: bool) -> Option<vk::ExternalMemoryProperties> {
    let fd = M::OPAQUE_FD | M::DMA_BUF_EXT;
    let ei =
        vk::ExternalMemoryFeatureFlags::EXPORTABLE | vk::ExternalMemoryFeatureFlags::IMPORTABLE;
    let p = |features, efi, compat| vk::ExternalMemoryProperties {
        external_memory_features: features,
        export_from_imported_handle_types: efi,
        compatible_handle_types: compat,
    };
    match t {
        M::OPAQUE_FD => Some(p(ei, fd, fd)),
        M::DMA_BUF_EXT => Some(p(ei, M::DMA_BUF_EXT, fd)),
        M::HOST_ALLOCATION_EXT | M::HOST_MAPPED_FOREIGN_MEMORY_EXT if !image => {
            Some(p(vk::ExternalMemoryFeatureFlags::IMPORTABLE, M::empty(), t))
        }
        _ => None,
    }
}

fn same(a: &vk::ExternalMemoryProperties, b: &vk::ExternalMemoryProperties) -> bool {
    a.external_memory_features == b.external_memory_features
        && a.export_from_imported_handle_types == b.export_from_imported_handle_types
        && a.compatible_handle_types == b.compatible_handle_types
}

#[test]
fn every_memory_handle_type_through_buffer_and_image_queries() {
    let vk = ext::device(true);
    let f = ext::fns(&vk);
    let mut exported = 0;
    for &(t, name) in MEMORY_BITS {
        // Buffers, for two usages.
        for usage in [
            ext::USAGE,
            vk::BufferUsageFlags::UNIFORM_BUFFER | vk::BufferUsageFlags::TRANSFER_DST,
        ] {
            let info = vk::PhysicalDeviceExternalBufferInfo::default()
                .usage(usage)
                .handle_type(t);
            let mut props = vk::ExternalBufferProperties::default();
            unsafe {
                vk.instance.get_physical_device_external_buffer_properties(
                    vk.physical,
                    &info,
                    &mut props,
                )
            };
            let want = expected_memory(t, false).unwrap_or_default();
            assert!(
                same(&props.external_memory_properties, &want),
                "buffer {name}: {:?}",
                props.external_memory_properties
            );
        }
        // Images, optimal and linear tiling.
        for tiling in [vk::ImageTiling::OPTIMAL, vk::ImageTiling::LINEAR] {
            let mut ext_info = vk::PhysicalDeviceExternalImageFormatInfo::default().handle_type(t);
            let info = vk::PhysicalDeviceImageFormatInfo2::default()
                .format(vk::Format::R8G8B8A8_UNORM)
                .ty(vk::ImageType::TYPE_2D)
                .tiling(tiling)
                .usage(vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST)
                .push_next(&mut ext_info);
            let mut ext_props = vk::ExternalImageFormatProperties::default();
            let mut props = vk::ImageFormatProperties2::default().push_next(&mut ext_props);
            let r = unsafe {
                vk.instance.get_physical_device_image_format_properties2(
                    vk.physical,
                    &info,
                    &mut props,
                )
            };
            match expected_memory(t, true) {
                Some(want) => {
                    assert_eq!(r, Ok(()), "image {name} {tiling:?}");
                    assert!(
                        same(&ext_props.external_memory_properties, &want),
                        "image {name}"
                    );
                }
                None => assert_eq!(
                    r,
                    Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED),
                    "image {name} {tiling:?}"
                ),
            }
        }
        // A claimed export is real.
        if expected_memory(t, false).is_some_and(|p| {
            p.external_memory_features
                .contains(vk::ExternalMemoryFeatureFlags::EXPORTABLE)
        }) {
            let m = ext::alloc_exportable(&vk, 4096, t);
            let fd = ext::memory_fd(&f, m, t);
            assert!(fd >= 0);
            let back = ext::import_memory(&vk, 4096, t, fd).expect("what was exported imports");
            unsafe {
                vk.device.free_memory(back, None);
                vk.device.free_memory(m, None);
            }
            exported += 1;
        }
    }
    assert_eq!(exported, 2, "OPAQUE_FD and DMA_BUF");
}

#[test]
fn every_semaphore_and_fence_handle_type() {
    let vk = ext::device(true);
    let f = ext::fns(&vk);
    let ei = vk::ExternalSemaphoreFeatureFlags::EXPORTABLE
        | vk::ExternalSemaphoreFeatureFlags::IMPORTABLE;
    for timeline in [false, true] {
        for &(t, name) in SEMAPHORE_BITS {
            let ty = if timeline {
                vk::SemaphoreType::TIMELINE
            } else {
                vk::SemaphoreType::BINARY
            };
            let mut type_info = vk::SemaphoreTypeCreateInfo::default().semaphore_type(ty);
            let info = vk::PhysicalDeviceExternalSemaphoreInfo::default()
                .handle_type(t)
                .push_next(&mut type_info);
            let mut props = vk::ExternalSemaphoreProperties::default();
            unsafe {
                vk.instance
                    .get_physical_device_external_semaphore_properties(
                        vk.physical,
                        &info,
                        &mut props,
                    )
            };
            let supported = t == S::OPAQUE_FD || (t == S::SYNC_FD && !timeline);
            if supported {
                assert_eq!(
                    props.external_semaphore_features, ei,
                    "{name} timeline={timeline}"
                );
                assert_eq!(props.compatible_handle_types, t);
                assert_eq!(props.export_from_imported_handle_types, t);
                // A claimed export is real (SYNC_FD needs a pending or done signal).
                let s = ext::semaphore(&vk, timeline, t);
                if t == S::SYNC_FD {
                    ext::submit(&vk, 0, &[], &[s], &[], vk::Fence::null());
                }
                let fd = unsafe {
                    f.sem.get_semaphore_fd(
                        &vk::SemaphoreGetFdInfoKHR::default()
                            .semaphore(s)
                            .handle_type(t),
                    )
                }
                .unwrap();
                if fd >= 0 {
                    unsafe { libc::close(fd) };
                }
                unsafe {
                    vk.device.queue_wait_idle(vk.queues[0]).unwrap();
                    vk.device.destroy_semaphore(s, None);
                }
            } else {
                assert!(
                    props.external_semaphore_features.is_empty(),
                    "{name} timeline={timeline}: nothing"
                );
                assert!(
                    props.compatible_handle_types.is_empty()
                        && props.export_from_imported_handle_types.is_empty()
                );
            }
        }
    }
    let fi = vk::ExternalFenceFeatureFlags::EXPORTABLE | vk::ExternalFenceFeatureFlags::IMPORTABLE;
    for &(t, name) in FENCE_BITS {
        let info = vk::PhysicalDeviceExternalFenceInfo::default().handle_type(t);
        let mut props = vk::ExternalFenceProperties::default();
        unsafe {
            vk.instance.get_physical_device_external_fence_properties(
                vk.physical,
                &info,
                &mut props,
            )
        };
        if t == F::OPAQUE_FD || t == F::SYNC_FD {
            assert_eq!(props.external_fence_features, fi, "{name}");
            assert_eq!(props.compatible_handle_types, t);
            let fence = ext::fence(&vk, t);
            unsafe { vk.device.queue_submit(vk.queues[0], &[], fence) }.unwrap();
            unsafe { vk.device.wait_for_fences(&[fence], true, u64::MAX) }.unwrap();
            let fd = unsafe {
                f.fence
                    .get_fence_fd(&vk::FenceGetFdInfoKHR::default().fence(fence).handle_type(t))
            }
            .unwrap();
            if fd >= 0 {
                unsafe { libc::close(fd) };
            }
            unsafe { vk.device.destroy_fence(fence, None) };
        } else {
            assert!(props.external_fence_features.is_empty(), "{name}: nothing");
            assert!(
                props.compatible_handle_types.is_empty()
                    && props.export_from_imported_handle_types.is_empty()
            );
        }
    }
}

/// The NV memory handle types (VkExternalMemoryHandleTypeFlagBitsNV.md: Win32 and D3D11 only)
/// have their own query, vkGetPhysicalDeviceExternalImageFormatPropertiesNV, from
/// VK_NV_external_memory_capabilities, which softvk does not expose: none of them exists here.
#[test]
fn the_nv_types_have_no_query() {
    let vk = ext::device(false);
    let names = unsafe { vk.entry.enumerate_instance_extension_properties(None) }.unwrap();
    assert!(
        !names
            .iter()
            .any(|e| e.extension_name_as_c_str().unwrap() == c"VK_NV_external_memory_capabilities")
    );
    let f = unsafe {
        vk.entry.get_instance_proc_addr(
            vk.instance.handle(),
            c"vkGetPhysicalDeviceExternalImageFormatPropertiesNV".as_ptr(),
        )
    };
    assert!(f.is_none(), "the NV query is not exposed");
}
