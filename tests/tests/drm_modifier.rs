//! VK_EXT_image_drm_format_modifier with DRM_FORMAT_MOD_LINEAR: the modifier lists, the
//! image-format query, images created from a modifier list or an explicit layout, and a dma-buf
//! image shared between two images (as a compositor and a client would).

use ash::vk;
use softvk_tests::ext::{self, DMABUF, USAGE};
use softvk_tests::{Options, Vk, color_layers};

const LINEAR: u64 = 0;

fn drm_vk() -> Vk {
    Vk::with(Options {
        device_extensions: vec![
            ash::khr::external_memory_fd::NAME,
            ash::ext::external_memory_dma_buf::NAME,
            ash::ext::image_drm_format_modifier::NAME,
        ],
        ..Default::default()
    })
}

fn modifiers(vk: &Vk, format: vk::Format) -> Vec<vk::DrmFormatModifierPropertiesEXT> {
    let mut list = vk::DrmFormatModifierPropertiesListEXT::default();
    let mut p = vk::FormatProperties2::default().push_next(&mut list);
    unsafe {
        vk.instance
            .get_physical_device_format_properties2(vk.physical, format, &mut p)
    };
    let _ = p;
    let mut items = vec![
        vk::DrmFormatModifierPropertiesEXT::default();
        list.drm_format_modifier_count as usize
    ];
    let mut list = vk::DrmFormatModifierPropertiesListEXT::default()
        .drm_format_modifier_properties(&mut items);
    let mut p = vk::FormatProperties2::default().push_next(&mut list);
    unsafe {
        vk.instance
            .get_physical_device_format_properties2(vk.physical, format, &mut p)
    };
    let _ = p;
    items
}

#[test]
fn linear_modifier_is_listed_and_queryable() {
    let vk = drm_vk();
    let m = modifiers(&vk, vk::Format::B8G8R8A8_UNORM);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].drm_format_modifier, LINEAR);
    assert_eq!(m[0].drm_format_modifier_plane_count, 1);
    let linear = unsafe {
        vk.instance
            .get_physical_device_format_properties(vk.physical, vk::Format::B8G8R8A8_UNORM)
    }
    .linear_tiling_features;
    assert_eq!(m[0].drm_format_modifier_tiling_features, linear);
    assert!(
        modifiers(&vk, vk::Format::D32_SFLOAT).is_empty(),
        "no modifiers for depth formats"
    );
    let q = |modifier: u64| {
        let mut drm = vk::PhysicalDeviceImageDrmFormatModifierInfoEXT::default()
            .drm_format_modifier(modifier);
        let mut ext_info = vk::PhysicalDeviceExternalImageFormatInfo::default().handle_type(DMABUF);
        let info = vk::PhysicalDeviceImageFormatInfo2::default()
            .format(vk::Format::B8G8R8A8_UNORM)
            .ty(vk::ImageType::TYPE_2D)
            .tiling(vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT)
            .usage(vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST)
            .push_next(&mut drm)
            .push_next(&mut ext_info);
        let mut props = vk::ImageFormatProperties2::default();
        unsafe {
            vk.instance
                .get_physical_device_image_format_properties2(vk.physical, &info, &mut props)
        }
        .map(|_| props.image_format_properties.max_mip_levels)
    };
    assert_eq!(q(LINEAR), Ok(1));
    // A tiled modifier (I915_FORMAT_MOD_X_TILED): not supported.
    assert_eq!(
        q((1 << 56) | 1),
        Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)
    );
}

/// Client: an image with an explicit 256-byte row pitch in exported memory, filled by a copy.
/// Compositor: imports the dma-buf into an image with the same explicit layout and reads it.
#[test]
fn dma_buf_image_with_explicit_layout_is_shared() {
    let vk = drm_vk();
    let f = ext::fns(&vk);
    let (w, h, pitch) = (16u32, 8u32, 256u64);
    let make_image = |vk: &Vk| {
        let layouts = [vk::SubresourceLayout {
            offset: 0,
            size: 0,
            row_pitch: pitch,
            array_pitch: 0,
            depth_pitch: 0,
        }];
        let mut explicit = vk::ImageDrmFormatModifierExplicitCreateInfoEXT::default()
            .drm_format_modifier(LINEAR)
            .plane_layouts(&layouts);
        let mut ext_info = vk::ExternalMemoryImageCreateInfo::default().handle_types(DMABUF);
        let info = softvk_tests::image_2d(vk::Format::B8G8R8A8_UNORM, w, h)
            .tiling(vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT)
            .push_next(&mut explicit)
            .push_next(&mut ext_info);
        unsafe { vk.device.create_image(&info, None) }.unwrap()
    };
    let client = make_image(&vk);
    let dmf = ash::ext::image_drm_format_modifier::Device::new(&vk.instance, &vk.device);
    let mut mp = vk::ImageDrmFormatModifierPropertiesEXT::default();
    unsafe { dmf.get_image_drm_format_modifier_properties(client, &mut mp) }.unwrap();
    assert_eq!(mp.drm_format_modifier, LINEAR);
    let layout = unsafe {
        vk.device.get_image_subresource_layout(
            client,
            vk::ImageSubresource {
                aspect_mask: vk::ImageAspectFlags::MEMORY_PLANE_0_EXT,
                mip_level: 0,
                array_layer: 0,
            },
        )
    };
    assert_eq!(layout.row_pitch, pitch, "the explicit layout is honored");
    let req = unsafe { vk.device.get_image_memory_requirements(client) };
    let mem = ext::alloc_exportable(&vk, req.size, DMABUF);
    unsafe { vk.device.bind_image_memory(client, mem, 0) }.unwrap();
    let staging = vk.buffer((w * h * 4) as u64, USAGE);
    for (i, t) in staging.bytes().chunks_exact_mut(4).enumerate() {
        t.copy_from_slice(&(i as u32).to_le_bytes());
    }
    let region = vk::BufferImageCopy {
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
    };
    vk.run(|cb| unsafe {
        vk.image_barrier(
            cb,
            client,
            vk::ImageAspectFlags::COLOR,
            vk::ImageLayout::UNDEFINED,
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
        );
        vk.device.cmd_copy_buffer_to_image(
            cb,
            staging.buffer,
            client,
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
            &[region],
        );
    });
    // The raw bytes follow the 256-byte pitch.
    let raw = ext::map(&vk, mem, req.size);
    for y in 0..h {
        let row = &raw[(y as u64 * pitch) as usize..][..(w * 4) as usize];
        let first = u32::from_le_bytes(row[..4].try_into().unwrap());
        assert_eq!(first, y * w, "row {y} starts at y * pitch");
    }
    // The compositor side: import the dma-buf, same explicit layout, read back through a copy.
    let fd = ext::memory_fd(&f, mem, DMABUF);
    let compositor = make_image(&vk);
    let imported = ext::import_memory(&vk, req.size, DMABUF, fd).unwrap();
    unsafe { vk.device.bind_image_memory(compositor, imported, 0) }.unwrap();
    let out = vk.buffer((w * h * 4) as u64, USAGE);
    vk.run(|cb| unsafe {
        vk.image_barrier(
            cb,
            compositor,
            vk::ImageAspectFlags::COLOR,
            vk::ImageLayout::UNDEFINED,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
        );
        vk.device.cmd_copy_image_to_buffer(
            cb,
            compositor,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            out.buffer,
            &[region],
        );
    });
    assert_eq!(out.bytes(), staging.bytes());
    unsafe {
        vk.device.destroy_image(client, None);
        vk.device.destroy_image(compositor, None);
        vk.device.free_memory(mem, None);
        vk.device.free_memory(imported, None);
    }
    vk.destroy_buffer(staging);
    vk.destroy_buffer(out);
}

#[test]
fn modifier_list_picks_linear() {
    let vk = drm_vk();
    let mods = [LINEAR];
    let mut list =
        vk::ImageDrmFormatModifierListCreateInfoEXT::default().drm_format_modifiers(&mods);
    let info = softvk_tests::image_2d(vk::Format::R8G8B8A8_UNORM, 30, 20)
        .tiling(vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT)
        .push_next(&mut list);
    let img = unsafe { vk.device.create_image(&info, None) }.unwrap();
    let dmf = ash::ext::image_drm_format_modifier::Device::new(&vk.instance, &vk.device);
    let mut mp = vk::ImageDrmFormatModifierPropertiesEXT::default();
    unsafe { dmf.get_image_drm_format_modifier_properties(img, &mut mp) }.unwrap();
    assert_eq!(mp.drm_format_modifier, LINEAR);
    unsafe { vk.device.destroy_image(img, None) };
}
