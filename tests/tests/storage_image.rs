//! Storage images in compute shaders, through the loader with the validation layer: every
//! format softvk reports STORAGE_IMAGE for, loaded and stored without a format qualifier (and
//! stored with one), against blits of the same texels; every view type the compiler takes (1D,
//! 1D array, 2D, 2D array, 3D at a mip level, cube) with imageSize; out-of-range loads giving
//! (0, 0, 0, 0) and out-of-range stores changing nothing, neither in the image nor in images
//! next to it in the same memory; atomics on R32_UINT / R32_SINT images.
//!
//! The shaders are GLSL under shaders/tests/image_*.comp, compiled to the .spv beside them by
//! `cargo xtask shaders` (CI checks that they match).

use ash::vk;
use softvk_tests::compute::{Pipe, pipe, write_buffer};
use softvk_tests::{Buf, Img, Memory, Options, Rng, Vk};

type BU = vk::BufferUsageFlags;
type DT = vk::DescriptorType;
type IU = vk::ImageUsageFlags;
type FF = vk::FormatFeatureFlags;

const COLOR: vk::ImageAspectFlags = vk::ImageAspectFlags::COLOR;
const GENERAL: vk::ImageLayout = vk::ImageLayout::GENERAL;
const TRANSFER_SRC: vk::ImageLayout = vk::ImageLayout::TRANSFER_SRC_OPTIMAL;
const TRANSFER_DST: vk::ImageLayout = vk::ImageLayout::TRANSFER_DST_OPTIMAL;

fn usage() -> IU {
    IU::STORAGE | IU::TRANSFER_SRC | IU::TRANSFER_DST
}

/// Moves every subresource of `image` from `old` to `new`, ordering all earlier accesses
/// before all later ones.
fn barrier(
    vk: &Vk,
    cb: vk::CommandBuffer,
    image: vk::Image,
    old: vk::ImageLayout,
    new: vk::ImageLayout,
) {
    vk.layout_barrier(cb, image, COLOR, old, new);
}

fn view(
    vk: &Vk,
    image: vk::Image,
    ty: vk::ImageViewType,
    format: vk::Format,
    mip: u32,
    layer: u32,
    layers: u32,
) -> vk::ImageView {
    unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(ty)
                .format(format)
                .subresource_range(vk::ImageSubresourceRange {
                    aspect_mask: COLOR,
                    base_mip_level: mip,
                    level_count: 1,
                    base_array_layer: layer,
                    layer_count: layers,
                }),
            None,
        )
    }
    .expect("vkCreateImageView")
}

fn write_image(vk: &Vk, set: vk::DescriptorSet, binding: u32, view: vk::ImageView) {
    let info = [vk::DescriptorImageInfo {
        sampler: vk::Sampler::null(),
        image_view: view,
        image_layout: GENERAL,
    }];
    unsafe {
        vk.device.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(binding)
                .descriptor_type(DT::STORAGE_IMAGE)
                .image_info(&info)],
            &[],
        )
    };
}

fn bytes_per_texel(vk: &Vk, format: vk::Format) -> u32 {
    // The size difference of a 32- and a 16-texel linear row (rows are padded to 16 bytes,
    // 16 texels of any size are not).
    let img = |w| vk.image(&softvk_tests::image_2d(format, w, 1).tiling(vk::ImageTiling::LINEAR));
    let (a, b) = (img(16), img(32));
    let sub = vk::ImageSubresource {
        aspect_mask: COLOR,
        mip_level: 0,
        array_layer: 0,
    };
    let la = unsafe { vk.device.get_image_subresource_layout(a.image, sub) };
    let lb = unsafe { vk.device.get_image_subresource_layout(b.image, sub) };
    vk.destroy_image(a);
    vk.destroy_image(b);
    ((lb.size - la.size) / 16) as u32
}

/// The copy region of mip `mip` (all `layers`) of an image of `extent`, at `offset` in a
/// tightly packed buffer.
fn region(extent: vk::Extent3D, mip: u32, layers: u32, offset: u64) -> vk::BufferImageCopy {
    vk::BufferImageCopy {
        buffer_offset: offset,
        image_subresource: vk::ImageSubresourceLayers {
            aspect_mask: COLOR,
            mip_level: mip,
            base_array_layer: 0,
            layer_count: layers,
        },
        image_extent: mip_extent(extent, mip),
        ..Default::default()
    }
}

fn mip_extent(e: vk::Extent3D, mip: u32) -> vk::Extent3D {
    vk::Extent3D {
        width: (e.width >> mip).max(1),
        height: (e.height >> mip).max(1),
        depth: (e.depth >> mip).max(1),
    }
}

fn class(format: vk::Format) -> (&'static str, vk::Format) {
    let name = format!("{format:?}");
    if name.contains("UINT") {
        ("u", vk::Format::R32G32B32A32_UINT)
    } else if name.contains("SINT") {
        ("i", vk::Format::R32G32B32A32_SINT)
    } else {
        ("f", vk::Format::R32G32B32A32_SFLOAT)
    }
}

/// The formats of the spec's "storage image extended formats" list (the formats
/// shaderStorageImageExtendedFormats makes usable with a format qualifier).
const EXTENDED: [vk::Format; 23] = [
    vk::Format::R16G16_SFLOAT,
    vk::Format::B10G11R11_UFLOAT_PACK32,
    vk::Format::R16_SFLOAT,
    vk::Format::R16G16B16A16_UNORM,
    vk::Format::A2B10G10R10_UNORM_PACK32,
    vk::Format::R16G16_UNORM,
    vk::Format::R8G8_UNORM,
    vk::Format::R16_UNORM,
    vk::Format::R8_UNORM,
    vk::Format::R16G16B16A16_SNORM,
    vk::Format::R16G16_SNORM,
    vk::Format::R8G8_SNORM,
    vk::Format::R16_SNORM,
    vk::Format::R8_SNORM,
    vk::Format::R16G16_SINT,
    vk::Format::R8G8_SINT,
    vk::Format::R16_SINT,
    vk::Format::R8_SINT,
    vk::Format::A2B10G10R10_UINT_PACK32,
    vk::Format::R16G16_UINT,
    vk::Format::R8G8_UINT,
    vk::Format::R16_UINT,
    vk::Format::R8_UINT,
];

/// Every format with STORAGE_IMAGE, in optimal and in linear tiling: a 7x5 image of random
/// texels is loaded and stored texel by texel by a shader into an image of the same format (no
/// format qualifier on either: the views' formats apply) and into an R32G32B32A32 image
/// (format qualifier); the results equal what NEAREST blits of the same texels give. imageSize is the
/// view's extent. The STORAGE_IMAGE formats are exactly the storage texel buffer formats,
/// linear tiling has them too, and they include every storage image extended format
/// (shaderStorageImageExtendedFormats) and the formats the spec requires STORAGE_IMAGE for.
#[test]
fn every_storage_image_format_loads_and_stores() {
    let vk = Vk::new();
    let (w, h) = (7u32, 5u32);
    let pipes: Vec<(&str, Pipe)> = ["f", "i", "u"]
        .into_iter()
        .map(|c| {
            let p = pipe(
                &vk,
                &format!("image_copy_{c}"),
                &[&[
                    (0, DT::STORAGE_IMAGE),
                    (1, DT::STORAGE_IMAGE),
                    (2, DT::STORAGE_IMAGE),
                    (3, DT::STORAGE_BUFFER),
                ]],
                0,
                None,
            );
            (c, p)
        })
        .collect();
    let mut covered = Vec::new();
    for raw in 1..=184 {
        let format = vk::Format::from_raw(raw);
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, format)
        };
        let storage = props.optimal_tiling_features.contains(FF::STORAGE_IMAGE);
        if matches!(format, vk::Format::R64_UINT | vk::Format::R64_SINT) {
            // 64-bit integer images: r64_image_atomics_load_and_store.
            assert!(storage, "{format:?}");
            continue;
        }
        assert_eq!(
            storage,
            props.buffer_features.contains(FF::STORAGE_TEXEL_BUFFER),
            "{format:?}: storage images and storage texel buffers take the same formats"
        );
        assert_eq!(
            storage,
            props.linear_tiling_features.contains(FF::STORAGE_IMAGE),
            "{format:?}: linear tiling"
        );
        if !storage {
            continue;
        }
        let (c, wide) = class(format);
        let copy = &pipes.iter().find(|p| p.0 == c).unwrap().1;
        let tb = bytes_per_texel(&vk, format);
        for tiling in [vk::ImageTiling::OPTIMAL, vk::ImageTiling::LINEAR] {
            // The shader's images in `tiling`, the blit references optimal.
            let img = |f, t| vk.image(&softvk_tests::image_2d(f, w, h).usage(usage()).tiling(t));
            let opt = vk::ImageTiling::OPTIMAL;
            let (src, dst, wimg, same_ref, wide_ref) = (
                img(format, tiling),
                img(format, tiling),
                img(wide, tiling),
                img(format, opt),
                img(wide, opt),
            );
            let data = vk.buffer((w * h * tb) as u64, BU::TRANSFER_SRC);
            Rng::new(raw as u64).fill(data.bytes());
            let sizes = vk.buffer(16, BU::STORAGE_BUFFER);
            let outs: Vec<Buf> = [tb, 16, tb, 16]
                .iter()
                .map(|b| vk.buffer((w * h * b) as u64, BU::TRANSFER_DST))
                .collect();
            let e = vk::Extent3D {
                width: w,
                height: h,
                depth: 1,
            };
            let ty = vk::ImageViewType::TYPE_2D;
            let views = [
                view(&vk, src.image, ty, format, 0, 0, 1),
                view(&vk, dst.image, ty, format, 0, 0, 1),
                view(&vk, wimg.image, ty, wide, 0, 0, 1),
            ];
            for (b, v) in views.iter().enumerate() {
                write_image(&vk, copy.sets[0], b as u32, *v);
            }
            write_buffer(&vk, copy.sets[0], 3, DT::STORAGE_BUFFER, &sizes, 0, 16);
            vk.run(|cb| unsafe {
                let d = &vk.device;
                barrier(&vk, cb, src.image, vk::ImageLayout::UNDEFINED, TRANSFER_DST);
                d.cmd_copy_buffer_to_image(
                    cb,
                    data.buffer,
                    src.image,
                    TRANSFER_DST,
                    &[region(e, 0, 1, 0)],
                );
                barrier(&vk, cb, src.image, TRANSFER_DST, GENERAL);
                for i in [&dst, &wimg] {
                    barrier(&vk, cb, i.image, vk::ImageLayout::UNDEFINED, GENERAL);
                }
                copy.bind(&vk, cb, &[]);
                d.cmd_dispatch(cb, 2, 2, 1);
                for i in [&src, &dst, &wimg] {
                    barrier(&vk, cb, i.image, GENERAL, TRANSFER_SRC);
                }
                let ends = [
                    vk::Offset3D::default(),
                    vk::Offset3D {
                        x: w as i32,
                        y: h as i32,
                        z: 1,
                    },
                ];
                for r in [&same_ref, &wide_ref] {
                    barrier(&vk, cb, r.image, vk::ImageLayout::UNDEFINED, TRANSFER_DST);
                    d.cmd_blit_image(
                        cb,
                        src.image,
                        TRANSFER_SRC,
                        r.image,
                        TRANSFER_DST,
                        &[vk::ImageBlit {
                            src_subresource: softvk_tests::color_layers(1),
                            src_offsets: ends,
                            dst_subresource: softvk_tests::color_layers(1),
                            dst_offsets: ends,
                        }],
                        vk::Filter::NEAREST,
                    );
                    barrier(&vk, cb, r.image, TRANSFER_DST, TRANSFER_SRC);
                }
                for (i, out) in [&dst, &wimg, &same_ref, &wide_ref].iter().zip(&outs) {
                    d.cmd_copy_image_to_buffer(
                        cb,
                        i.image,
                        TRANSFER_SRC,
                        out.buffer,
                        &[region(e, 0, 1, 0)],
                    );
                }
            });
            assert_eq!(
                outs[0].bytes(),
                outs[2].bytes(),
                "{format:?} {tiling:?}: imageLoad/imageStore without format"
            );
            assert_eq!(
                outs[1].bytes(),
                outs[3].bytes(),
                "{format:?} {tiling:?}: imageLoad into a {wide:?} image"
            );
            assert_eq!(
                sizes.u32s(),
                vec![w, h, w, h],
                "{format:?} {tiling:?}: imageSize"
            );
            unsafe {
                for v in views {
                    vk.device.destroy_image_view(v, None);
                }
            }
            for i in [src, dst, wimg, same_ref, wide_ref] {
                vk.destroy_image(i);
            }
            for b in outs.into_iter().chain([data, sizes]) {
                vk.destroy_buffer(b);
            }
        }
        covered.push(format);
    }
    println!("storage image formats exercised: {}", covered.len());
    assert!(covered.len() > 30, "{covered:?}");
    for f in EXTENDED {
        assert!(covered.contains(&f), "extended storage format {f:?}");
    }
    // The spec's "Required Format Support" tables: STORAGE_IMAGE for these.
    for f in [
        vk::Format::R8G8B8A8_UNORM,
        vk::Format::R8G8B8A8_SNORM,
        vk::Format::R8G8B8A8_UINT,
        vk::Format::R8G8B8A8_SINT,
        vk::Format::R16G16B16A16_UINT,
        vk::Format::R16G16B16A16_SINT,
        vk::Format::R16G16B16A16_SFLOAT,
        vk::Format::R32_UINT,
        vk::Format::R32_SINT,
        vk::Format::R32_SFLOAT,
        vk::Format::R32G32_UINT,
        vk::Format::R32G32_SINT,
        vk::Format::R32G32_SFLOAT,
        vk::Format::R32G32B32A32_UINT,
        vk::Format::R32G32B32A32_SINT,
        vk::Format::R32G32B32A32_SFLOAT,
    ] {
        assert!(covered.contains(&f), "required storage format {f:?}");
    }
    for (_, p) in pipes {
        p.destroy(&vk);
    }
}

/// One image of the shapes test: its create info, the view the shader gets, and the key the
/// shader XORs into each texel of the view, by (x, y, z, layer in the view).
struct Shape {
    info: vk::ImageCreateInfo<'static>,
    view_type: vk::ImageViewType,
    mip: u32,
    layer: u32,
    layers: u32,
    key: fn(u32, u32, u32, u32) -> u32,
}

fn key(shape: u32, a: u32, b: u32, c: u32) -> u32 {
    a | b << 8 | c << 16 | shape << 24
}

fn image_info(
    ty: vk::ImageType,
    extent: [u32; 3],
    mips: u32,
    layers: u32,
    flags: vk::ImageCreateFlags,
) -> vk::ImageCreateInfo<'static> {
    softvk_tests::image_2d(vk::Format::R32_UINT, extent[0], extent[1])
        .image_type(ty)
        .extent(vk::Extent3D {
            width: extent[0],
            height: extent[1],
            depth: extent[2],
        })
        .mip_levels(mips)
        .array_layers(layers)
        .flags(flags)
        .usage(usage())
}

/// Texels (u32) of the whole image in copy order: mip, then layer, then z, y, x; with the
/// (mip, layer, x, y, z) of each.
fn texels(info: &vk::ImageCreateInfo<'_>) -> Vec<(u32, u32, u32, u32, u32)> {
    let mut out = Vec::new();
    for mip in 0..info.mip_levels {
        let e = mip_extent(info.extent, mip);
        for layer in 0..info.array_layers {
            for z in 0..e.depth {
                for y in 0..e.height {
                    for x in 0..e.width {
                        out.push((mip, layer, x, y, z));
                    }
                }
            }
        }
    }
    out
}

fn regions(info: &vk::ImageCreateInfo<'_>) -> Vec<vk::BufferImageCopy> {
    let mut offset = 0;
    (0..info.mip_levels)
        .map(|mip| {
            let r = region(info.extent, mip, info.array_layers, offset);
            let e = mip_extent(info.extent, mip);
            offset += 4 * (e.width * e.height * e.depth * info.array_layers) as u64;
            r
        })
        .collect()
}

/// Every view type the compiler takes, with a format qualifier (r32ui): each texel of each
/// view becomes `old ^ key(coordinate)`, so a texel addressed at the wrong place shows; the
/// texels outside the views (other layers, other mips) and two guard images bound right
/// before and after the 2D image in the same memory keep their contents, although the shader
/// stores out of range (negative coordinates, one past the end, other layers); loads out of
/// range give (0, 0, 0, 1); imageSize gives each view's size (cube: the face size).
#[test]
fn every_view_type_addresses_its_texels_and_nothing_else() {
    let vk = Vk::new();
    type T = vk::ImageViewType;
    let none = vk::ImageCreateFlags::empty();
    let shapes = [
        Shape {
            info: image_info(vk::ImageType::TYPE_1D, [9, 1, 1], 1, 1, none),
            view_type: T::TYPE_1D,
            mip: 0,
            layer: 0,
            layers: 1,
            key: |x, _, _, _| key(0, x, 0, 0),
        },
        Shape {
            info: image_info(vk::ImageType::TYPE_1D, [8, 1, 1], 1, 5, none),
            view_type: T::TYPE_1D_ARRAY,
            mip: 0,
            layer: 1,
            layers: 3,
            key: |x, _, _, l| key(1, x, l, 0),
        },
        Shape {
            info: image_info(vk::ImageType::TYPE_2D, [8, 4, 1], 1, 1, none),
            view_type: T::TYPE_2D,
            mip: 0,
            layer: 0,
            layers: 1,
            key: |x, y, _, _| key(2, x, y, 0),
        },
        Shape {
            info: image_info(vk::ImageType::TYPE_2D, [4, 4, 1], 1, 4, none),
            view_type: T::TYPE_2D_ARRAY,
            mip: 0,
            layer: 1,
            layers: 2,
            key: |x, y, _, l| key(3, x, y, l),
        },
        Shape {
            info: image_info(vk::ImageType::TYPE_3D, [8, 6, 4], 2, 1, none),
            view_type: T::TYPE_3D,
            mip: 1,
            layer: 0,
            layers: 1,
            key: |x, y, z, _| key(4, x, y, z),
        },
        Shape {
            info: image_info(
                vk::ImageType::TYPE_2D,
                [4, 4, 1],
                1,
                12,
                vk::ImageCreateFlags::CUBE_COMPATIBLE,
            ),
            view_type: T::CUBE,
            mip: 0,
            layer: 6,
            layers: 6,
            key: |x, y, _, f| key(5, x, y, f),
        },
    ];
    // Rows of 16-byte multiples (widths of 4 and 8 texels): the driver pads rows to 16 bytes, so
    // a store one texel past a row's end would land in the next row, where the test sees it.
    let d = &vk.device;
    // Each image in its own memory, except the 2D one (index 2): between two guard images of
    // the same create info, all three in one allocation, back to back.
    let guard_info = shapes[2].info;
    let mut owned: Vec<Img> = Vec::new();
    let mut guarded: Vec<vk::Image> = Vec::new();
    let shared: Memory;
    unsafe {
        let imgs: Vec<vk::Image> = (0..3)
            .map(|_| d.create_image(&guard_info, None).expect("vkCreateImage"))
            .collect();
        let req = d.get_image_memory_requirements(imgs[0]);
        let stride = req.size.next_multiple_of(req.alignment);
        shared = vk.memory(3 * stride);
        for (k, i) in imgs.iter().enumerate() {
            d.bind_image_memory(*i, shared.memory, k as u64 * stride)
                .expect("vkBindImageMemory");
        }
        guarded.extend(imgs);
    }
    for (k, s) in shapes.iter().enumerate() {
        if k != 2 {
            owned.push(vk.image(&s.info));
        }
    }
    // The images in shape order, then the two guards.
    let image_of = |k: usize| -> vk::Image {
        match k {
            2 => guarded[1],
            6 => guarded[0],
            7 => guarded[2],
            k if k < 2 => owned[k].image,
            k => owned[k - 1].image,
        }
    };
    let info_of = |k: usize| if k < 6 { shapes[k].info } else { guard_info };
    let mut rng = Rng::new(77);
    let uploads: Vec<(Buf, Buf, Vec<u32>)> = (0..8)
        .map(|k| {
            let n = texels(&info_of(k)).len() as u64;
            let up = vk.buffer(4 * n, BU::TRANSFER_SRC);
            rng.fill(up.bytes());
            let before = up.u32s();
            (up, vk.buffer(4 * n, BU::TRANSFER_DST), before)
        })
        .collect();
    let views: Vec<vk::ImageView> = shapes
        .iter()
        .enumerate()
        .map(|(k, s)| {
            view(
                &vk,
                image_of(k),
                s.view_type,
                vk::Format::R32_UINT,
                s.mip,
                s.layer,
                s.layers,
            )
        })
        .collect();
    // Two pipelines of three images each (maxPerStageDescriptorStorageImages is 4).
    let pipes: Vec<(Pipe, Buf)> = ["a", "b"]
        .iter()
        .enumerate()
        .map(|(half, n)| {
            let p = pipe(
                &vk,
                &format!("image_shapes_{n}"),
                &[&[
                    (0, DT::STORAGE_IMAGE),
                    (1, DT::STORAGE_IMAGE),
                    (2, DT::STORAGE_IMAGE),
                    (3, DT::STORAGE_BUFFER),
                ]],
                0,
                None,
            );
            for b in 0..3 {
                write_image(&vk, p.sets[0], b as u32, views[3 * half + b]);
            }
            let out = vk.buffer(3 * 3 * 16, BU::STORAGE_BUFFER);
            write_buffer(
                &vk,
                p.sets[0],
                3,
                DT::STORAGE_BUFFER,
                &out,
                0,
                vk::WHOLE_SIZE,
            );
            (p, out)
        })
        .collect();
    vk.run(|cb| unsafe {
        for (k, (up, _, _)) in uploads.iter().enumerate() {
            barrier(
                &vk,
                cb,
                image_of(k),
                vk::ImageLayout::UNDEFINED,
                TRANSFER_DST,
            );
            d.cmd_copy_buffer_to_image(
                cb,
                up.buffer,
                image_of(k),
                TRANSFER_DST,
                &regions(&info_of(k)),
            );
            barrier(&vk, cb, image_of(k), TRANSFER_DST, GENERAL);
        }
        for (p, _) in &pipes {
            p.bind(&vk, cb, &[]);
            d.cmd_dispatch(cb, 1, 1, 1);
        }
        for (k, (_, down, _)) in uploads.iter().enumerate() {
            barrier(&vk, cb, image_of(k), GENERAL, TRANSFER_SRC);
            d.cmd_copy_image_to_buffer(
                cb,
                image_of(k),
                TRANSFER_SRC,
                down.buffer,
                &regions(&info_of(k)),
            );
        }
    });
    // Per shape: size, outside, inside (each a uvec4), in shape order.
    let results: Vec<[Vec<u32>; 3]> = pipes
        .iter()
        .flat_map(|(_, out)| {
            let o = out.u32s();
            (0..3)
                .map(|j| {
                    let at = |part: usize| o[12 * part + 4 * j..12 * part + 4 * j + 4].to_vec();
                    [at(0), at(1), at(2)]
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let want_sizes: [[u32; 4]; 6] = [
        [9, 1, 1, 0],
        [8, 3, 1, 0],
        [8, 4, 1, 0],
        [4, 4, 2, 0],
        [4, 3, 2, 0],
        [4, 4, 0, 0],
    ];
    for (k, r) in results.iter().enumerate() {
        assert_eq!(r[0], want_sizes[k], "imageSize of shape {k}");
        // A zero R32_UINT texel converted to RGBA (robustImageAccess2).
        assert_eq!(r[1], [0, 0, 0, 1], "out-of-range loads of shape {k}");
    }
    for (k, (_, down, before)) in uploads.iter().enumerate() {
        let got = down.u32s();
        let info = info_of(k);
        let mut want = before.clone();
        if k < 6 {
            let s = &shapes[k];
            for (i, (mip, layer, x, y, z)) in texels(&info).into_iter().enumerate() {
                let in_view = mip == s.mip && layer >= s.layer && layer < s.layer + s.layers;
                if in_view {
                    want[i] ^= (s.key)(x, y, z, layer - s.layer);
                }
            }
            // The first texel of the view as the shader loaded it after its store: (v, 0, 0, 1).
            let first = texels(&info)
                .iter()
                .position(|t| t.0 == s.mip && t.1 == s.layer)
                .unwrap();
            assert_eq!(
                results[k][2],
                [want[first], 0, 0, 1],
                "in-range load of shape {k}"
            );
        }
        let bad: Vec<usize> = (0..want.len()).filter(|&i| got[i] != want[i]).collect();
        assert!(
            bad.is_empty(),
            "image {k}: {} texels differ, first at {:?}",
            bad.len(),
            bad.first()
        );
    }
    for (p, out) in pipes {
        p.destroy(&vk);
        vk.destroy_buffer(out);
    }
    unsafe {
        for v in views {
            d.destroy_image_view(v, None);
        }
        for i in guarded {
            d.destroy_image(i, None);
        }
        d.free_memory(shared.memory, None);
    }
    for i in owned {
        vk.destroy_image(i);
    }
    for (a, b, _) in uploads {
        vk.destroy_buffer(a);
        vk.destroy_buffer(b);
    }
}

/// imageAtomic* on R32_UINT and R32_SINT images (STORAGE_IMAGE_ATOMIC, which the spec requires
/// for both): 256 invocations over 4 workgroups add, or, min and max into 4x2 images; atomics
/// out of range (past the end, negative) return 0 and change nothing.
#[test]
fn image_atomics() {
    let vk = Vk::new();
    for f in [vk::Format::R32_UINT, vk::Format::R32_SINT] {
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, f)
        };
        assert!(
            props
                .optimal_tiling_features
                .contains(FF::STORAGE_IMAGE | FF::STORAGE_IMAGE_ATOMIC),
            "{f:?}"
        );
    }
    let u = vk.image(&softvk_tests::image_2d(vk::Format::R32_UINT, 4, 2).usage(usage()));
    check_atomics(&vk, &u);
    vk.destroy_image(u);
}

/// 64-bit integer storage images (VK_EXT_shader_image_atomic_int64, shaderImageInt64Atomics):
/// R64_UINT and R64_SINT report STORAGE_IMAGE_ATOMIC; 256 invocations add, or, min and max
/// 64-bit values (high halves included) into 4x2 images; imageStore/imageLoad move whole
/// 64-bit texels (a load gives (R, 0, 0, 1)); out of range, atomics and loads give 0 and stores
/// are dropped.
#[test]
fn r64_image_atomics_load_and_store() {
    let vk = Vk::with(Options {
        device_extensions: vec![ash::ext::shader_image_atomic_int64::NAME],
        ..Default::default()
    });
    let mut f64i = vk::PhysicalDeviceShaderImageAtomicInt64FeaturesEXT::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut f64i);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2)
    };
    assert_eq!(f64i.shader_image_int64_atomics, vk::TRUE);
    for f in [vk::Format::R64_UINT, vk::Format::R64_SINT] {
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, f)
        };
        assert!(
            props
                .optimal_tiling_features
                .contains(FF::STORAGE_IMAGE | FF::STORAGE_IMAGE_ATOMIC),
            "{f:?}"
        );
    }
    let d = &vk.device;
    let e = vk::Extent3D {
        width: 4,
        height: 2,
        depth: 1,
    };
    let img = |f| vk.image(&softvk_tests::image_2d(f, 4, 2).usage(usage()));
    let (u, s, t) = (
        img(vk::Format::R64_UINT),
        img(vk::Format::R64_SINT),
        img(vk::Format::R64_UINT),
    );
    let ty = vk::ImageViewType::TYPE_2D;
    let views = [
        view(&vk, u.image, ty, vk::Format::R64_UINT, 0, 0, 1),
        view(&vk, s.image, ty, vk::Format::R64_SINT, 0, 0, 1),
        view(&vk, t.image, ty, vk::Format::R64_UINT, 0, 0, 1),
    ];
    let p = pipe(
        &vk,
        "image_atomics64",
        &[&[
            (0, DT::STORAGE_IMAGE),
            (1, DT::STORAGE_IMAGE),
            (2, DT::STORAGE_IMAGE),
            (3, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    for (b, v) in views.iter().enumerate() {
        write_image(&vk, p.sets[0], b as u32, *v);
    }
    let out = vk.buffer(256 * 8 + 4 * 32, BU::STORAGE_BUFFER);
    out.bytes().fill(0xEE);
    write_buffer(
        &vk,
        p.sets[0],
        3,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    // u and s start zeroed; t's first row holds 0x1111_2222_3333_0000 + x.
    let init = [
        vk.buffer(64, BU::TRANSFER_SRC),
        vk.buffer(64, BU::TRANSFER_SRC),
    ];
    init[0].bytes().fill(0);
    for (x, c) in init[1].bytes().chunks_mut(8).enumerate() {
        let v = if x < 4 {
            0x1111_2222_3333_0000u64 + x as u64
        } else {
            0
        };
        c.copy_from_slice(&v.to_le_bytes());
    }
    let downs: Vec<_> = (0..3).map(|_| vk.buffer(64, BU::TRANSFER_DST)).collect();
    vk.run(|cb| unsafe {
        for (i, src) in [(&u, &init[0]), (&s, &init[0]), (&t, &init[1])] {
            barrier(&vk, cb, i.image, vk::ImageLayout::UNDEFINED, TRANSFER_DST);
            d.cmd_copy_buffer_to_image(
                cb,
                src.buffer,
                i.image,
                TRANSFER_DST,
                &[region(e, 0, 1, 0)],
            );
            barrier(&vk, cb, i.image, TRANSFER_DST, GENERAL);
        }
        p.bind(&vk, cb, &[]);
        d.cmd_dispatch(cb, 4, 1, 1);
        for (i, down) in [&u, &s, &t].iter().zip(&downs) {
            barrier(&vk, cb, i.image, GENERAL, TRANSFER_SRC);
            d.cmd_copy_image_to_buffer(
                cb,
                i.image,
                TRANSFER_SRC,
                down.buffer,
                &[region(e, 0, 1, 0)],
            );
        }
    });
    let words = |b: &softvk_tests::Buf| -> Vec<u64> {
        b.bytes()
            .chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let mut want_u = [0u64; 8];
    let mut want_s = [0i64; 8];
    for i in 0..256u64 {
        let x = (i % 4) as usize;
        want_u[x] = want_u[x].wrapping_add(i << 33);
        want_u[4 + x] |= 1 << (i / 4);
        want_s[x] = want_s[x].min(-((i as i64) << 40));
        want_s[4 + x] = want_s[4 + x].max(i as i64 * 0x1_0000_0001);
    }
    assert_eq!(words(&downs[0]), want_u.to_vec(), "R64_UINT atomics");
    let got_s: Vec<i64> = words(&downs[1]).into_iter().map(|v| v as i64).collect();
    assert_eq!(got_s, want_s.to_vec(), "R64_SINT atomics");
    let mut want_t = [0u64; 8];
    for x in 0..4u64 {
        want_t[x as usize] = 0x1111_2222_3333_0000 + x;
        want_t[4 + x as usize] = 0xF_0000_0000 + x * 0x1_2345_6789;
    }
    assert_eq!(words(&downs[2]), want_t.to_vec(), "R64_UINT stores");
    let o = words(&out);
    assert!(
        o[..256].iter().all(|&v| v == 0),
        "out-of-range atomics return 0"
    );
    for x in 0..4 {
        let want = [0x1111_2222_3333_0000 + x as u64, 0, 0, 1];
        assert_eq!(o[256 + 4 * x..260 + 4 * x], want, "imageLoad of texel {x}");
    }
    p.destroy(&vk);
    unsafe {
        for v in views {
            d.destroy_image_view(v, None);
        }
    }
    for i in [u, s, t] {
        vk.destroy_image(i);
    }
    for b in init.into_iter().chain(downs).chain([out]) {
        vk.destroy_buffer(b);
    }
}

/// The atomics of [`image_atomics`] with the R32_UINT image created with DRM_FORMAT_MOD_LINEAR
/// and an explicit 256-byte row pitch (VK_EXT_image_drm_format_modifier; the modifier reports
/// the linear features, storage included): the shader addresses rows by the image's pitch.
#[test]
fn image_atomics_on_a_drm_modifier_image_with_an_explicit_row_pitch() {
    let vk = Vk::with(Options {
        device_extensions: vec![ash::ext::image_drm_format_modifier::NAME],
        ..Default::default()
    });
    let planes = [vk::SubresourceLayout {
        offset: 0,
        size: 0,
        row_pitch: 256,
        array_pitch: 0,
        depth_pitch: 0,
    }];
    let mut explicit = vk::ImageDrmFormatModifierExplicitCreateInfoEXT::default()
        .drm_format_modifier(0)
        .plane_layouts(&planes);
    let info = softvk_tests::image_2d(vk::Format::R32_UINT, 4, 2)
        .usage(usage())
        .tiling(vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT)
        .push_next(&mut explicit);
    let u = vk.image(&info);
    let layout = unsafe {
        vk.device.get_image_subresource_layout(
            u.image,
            vk::ImageSubresource {
                aspect_mask: vk::ImageAspectFlags::MEMORY_PLANE_0_EXT,
                mip_level: 0,
                array_layer: 0,
            },
        )
    };
    assert_eq!(layout.row_pitch, 256);
    check_atomics(&vk, &u);
    vk.destroy_image(u);
}

/// Runs image_atomics.comp on `u` (R32_UINT, 4x2) and a fresh R32_SINT image; checks both.
fn check_atomics(vk: &Vk, u: &Img) {
    let d = &vk.device;
    let e = vk::Extent3D {
        width: 4,
        height: 2,
        depth: 1,
    };
    let s = vk.image(&softvk_tests::image_2d(vk::Format::R32_SINT, 4, 2).usage(usage()));
    let ty = vk::ImageViewType::TYPE_2D;
    let views = [
        view(vk, u.image, ty, vk::Format::R32_UINT, 0, 0, 1),
        view(vk, s.image, ty, vk::Format::R32_SINT, 0, 0, 1),
    ];
    let p = pipe(
        vk,
        "image_atomics",
        &[&[
            (0, DT::STORAGE_IMAGE),
            (1, DT::STORAGE_IMAGE),
            (2, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    write_image(vk, p.sets[0], 0, views[0]);
    write_image(vk, p.sets[0], 1, views[1]);
    let out = vk.buffer(256 * 4, BU::STORAGE_BUFFER);
    out.bytes().fill(0xEE);
    write_buffer(
        vk,
        p.sets[0],
        2,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    let zeros = vk.buffer(32, BU::TRANSFER_SRC);
    zeros.bytes().fill(0);
    let downs = [
        vk.buffer(32, BU::TRANSFER_DST),
        vk.buffer(32, BU::TRANSFER_DST),
    ];
    vk.run(|cb| unsafe {
        for i in [u, &s] {
            barrier(vk, cb, i.image, vk::ImageLayout::UNDEFINED, TRANSFER_DST);
            d.cmd_copy_buffer_to_image(
                cb,
                zeros.buffer,
                i.image,
                TRANSFER_DST,
                &[region(e, 0, 1, 0)],
            );
            barrier(vk, cb, i.image, TRANSFER_DST, GENERAL);
        }
        p.bind(vk, cb, &[]);
        d.cmd_dispatch(cb, 4, 1, 1);
        for (i, down) in [u, &s].iter().zip(&downs) {
            barrier(vk, cb, i.image, GENERAL, TRANSFER_SRC);
            d.cmd_copy_image_to_buffer(
                cb,
                i.image,
                TRANSFER_SRC,
                down.buffer,
                &[region(e, 0, 1, 0)],
            );
        }
    });
    let mut want_u = [0u32; 8];
    let mut want_s = [0i32; 8];
    for i in 0..256u32 {
        let x = (i % 4) as usize;
        want_u[x] += i;
        want_u[4 + x] |= 1 << (i / 8);
        want_s[x] = want_s[x].min(-(i as i32));
        want_s[4 + x] = want_s[4 + x].max(i as i32);
    }
    assert_eq!(downs[0].u32s(), want_u.to_vec(), "R32_UINT atomics");
    let got_s: Vec<i32> = downs[1].u32s().into_iter().map(|v| v as i32).collect();
    assert_eq!(got_s, want_s.to_vec(), "R32_SINT atomics");
    assert!(
        out.u32s().iter().all(|&v| v == 0),
        "out-of-range atomics return 0"
    );
    p.destroy(vk);
    unsafe {
        for v in views {
            d.destroy_image_view(v, None);
        }
    }
    vk.destroy_image(s);
    for b in [out, zeros].into_iter().chain(downs) {
        vk.destroy_buffer(b);
    }
}
