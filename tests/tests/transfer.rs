//! Transfer commands through the loader: copies, fills, updates, clears, blits, secondaries.

use ash::vk;
use softvk_tests::{Rng, Vk, color_layers, full_range, image_2d};

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);
const DST: vk::ImageLayout = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
const SRC: vk::ImageLayout = vk::ImageLayout::TRANSFER_SRC_OPTIMAL;

/// A fresh image becomes a transfer destination.
fn to_dst(vk: &Vk, cb: vk::CommandBuffer, image: vk::Image, aspect: vk::ImageAspectFlags) {
    vk.image_barrier(cb, image, aspect, vk::ImageLayout::UNDEFINED, DST);
}

/// A written image becomes a transfer source.
fn to_src(vk: &Vk, cb: vk::CommandBuffer, image: vk::Image, aspect: vk::ImageAspectFlags) {
    vk.image_barrier(cb, image, aspect, DST, SRC);
}

const COLOR: vk::ImageAspectFlags = vk::ImageAspectFlags::COLOR;

fn copy_region(width: u32, height: u32) -> vk::BufferImageCopy {
    vk::BufferImageCopy {
        buffer_offset: 0,
        buffer_row_length: 0,
        buffer_image_height: 0,
        image_subresource: color_layers(1),
        image_offset: vk::Offset3D::default(),
        image_extent: vk::Extent3D {
            width,
            height,
            depth: 1,
        },
    }
}

#[test]
fn copy_buffer_regions_small_and_large() {
    let vk = Vk::new();
    for size in [4096u64, 24 << 20] {
        let src = vk.buffer(size, USAGE);
        let dst = vk.buffer(size, USAGE);
        Rng::new(size).fill(src.bytes());
        dst.bytes().fill(0xEE);
        let half = size / 2;
        vk.run(|cb| unsafe {
            vk.device.cmd_copy_buffer(
                cb,
                src.buffer,
                dst.buffer,
                &[
                    vk::BufferCopy {
                        src_offset: 0,
                        dst_offset: half,
                        size: half,
                    },
                    vk::BufferCopy {
                        src_offset: half,
                        dst_offset: 0,
                        size: half - 4,
                    },
                ],
            )
        });
        let (s, d) = (src.bytes(), dst.bytes());
        assert!(d[half as usize..] == s[..half as usize], "first region");
        assert!(
            d[..(half - 4) as usize] == s[half as usize..(size - 4) as usize],
            "second region"
        );
        assert_eq!(
            &d[(half - 4) as usize..half as usize],
            &[0xEE; 4],
            "bytes outside regions untouched"
        );
        vk.destroy_buffer(src);
        vk.destroy_buffer(dst);
    }
}

#[test]
fn copy_buffer2_fill_and_update() {
    let vk = Vk::new();
    let a = vk.buffer(1024, USAGE);
    let b = vk.buffer(1024, USAGE);
    Rng::new(7).fill(a.bytes());
    let update: Vec<u8> = (0..64u8).collect();
    vk.run(|cb| unsafe {
        let regions = [vk::BufferCopy2::default()
            .src_offset(16)
            .dst_offset(32)
            .size(100)];
        vk.device.cmd_copy_buffer2(
            cb,
            &vk::CopyBufferInfo2::default()
                .src_buffer(a.buffer)
                .dst_buffer(b.buffer)
                .regions(&regions),
        );
        vk.transfer_barrier(cb);
        vk.device
            .cmd_fill_buffer(cb, b.buffer, 512, vk::WHOLE_SIZE, 0xDEADBEEF);
        vk.device.cmd_fill_buffer(cb, b.buffer, 256, 8, 0x01020304);
        vk.device.cmd_update_buffer(cb, b.buffer, 400, &update);
    });
    let (av, bv) = (a.bytes(), b.bytes());
    assert_eq!(&bv[32..132], &av[16..116]);
    assert!(
        bv[512..]
            .chunks(4)
            .all(|c| c == 0xDEADBEEFu32.to_le_bytes())
    );
    assert_eq!(&bv[256..264], &[4, 3, 2, 1, 4, 3, 2, 1]);
    assert_eq!(&bv[400..464], &update[..]);
    vk.destroy_buffer(a);
    vk.destroy_buffer(b);
}

/// Buffer -> image (with row length and image height) -> image copy -> buffer, layers and mips.
#[test]
fn buffer_image_round_trips_with_layers_and_mips() {
    let vk = Vk::new();
    let (w, h, layers, mips) = (37u32, 19u32, 3u32, 3u32);
    let info = image_2d(vk::Format::R8G8B8A8_UNORM, w, h)
        .array_layers(layers)
        .mip_levels(mips);
    let a = vk.image(&info);
    let b = vk.image(&info);
    // Source buffer: each layer of mip 1 with a row length of 24 texels and image height 12.
    let (mw, mh) = (w >> 1, h >> 1);
    let (row_len, img_h) = (24u32, 12u32);
    let src = vk.buffer((row_len * img_h * layers * 4) as u64, USAGE);
    Rng::new(3).fill(src.bytes());
    let out = vk.buffer((mw * mh * layers * 4) as u64, USAGE);
    vk.run(|cb| unsafe {
        to_dst(&vk, cb, a.image, COLOR);
        to_dst(&vk, cb, b.image, COLOR);
        let sub = vk::ImageSubresourceLayers {
            mip_level: 1,
            ..color_layers(layers)
        };
        vk.device.cmd_copy_buffer_to_image(
            cb,
            src.buffer,
            a.image,
            DST,
            &[vk::BufferImageCopy {
                buffer_row_length: row_len,
                buffer_image_height: img_h,
                image_subresource: sub,
                ..copy_region(mw, mh)
            }],
        );
        to_src(&vk, cb, a.image, COLOR);
        vk.device.cmd_copy_image(
            cb,
            a.image,
            SRC,
            b.image,
            DST,
            &[vk::ImageCopy {
                src_subresource: sub,
                src_offset: vk::Offset3D::default(),
                dst_subresource: sub,
                dst_offset: vk::Offset3D::default(),
                extent: vk::Extent3D {
                    width: mw,
                    height: mh,
                    depth: 1,
                },
            }],
        );
        to_src(&vk, cb, b.image, COLOR);
        vk.device.cmd_copy_image_to_buffer(
            cb,
            b.image,
            SRC,
            out.buffer,
            &[vk::BufferImageCopy {
                image_subresource: sub,
                ..copy_region(mw, mh)
            }],
        );
    });
    let (s, o) = (src.bytes(), out.bytes());
    for l in 0..layers {
        for y in 0..mh {
            let si = (((l * img_h + y) * row_len) * 4) as usize;
            let oi = (((l * mh + y) * mw) * 4) as usize;
            assert_eq!(
                &o[oi..oi + (mw * 4) as usize],
                &s[si..si + (mw * 4) as usize],
                "layer {l} row {y}"
            );
        }
    }
    vk.destroy_image(a);
    vk.destroy_image(b);
    vk.destroy_buffer(src);
    vk.destroy_buffer(out);
}

#[test]
fn sub_rectangle_copies_and_copy2_variants() {
    let vk = Vk::new();
    let (w, h) = (16u32, 16u32);
    let img = vk.image(&image_2d(vk::Format::R32_UINT, w, h));
    let img2 = vk.image(&image_2d(vk::Format::R32_UINT, w, h));
    let src = vk.buffer((w * h * 4) as u64, USAGE);
    for (i, v) in src.bytes().chunks_exact_mut(4).enumerate() {
        v.copy_from_slice(&(i as u32).to_le_bytes());
    }
    let out = vk.buffer((w * h * 4) as u64, USAGE);
    vk.run(|cb| unsafe {
        to_dst(&vk, cb, img.image, COLOR);
        to_dst(&vk, cb, img2.image, COLOR);
        vk.device.cmd_clear_color_image(
            cb,
            img2.image,
            DST,
            &vk::ClearColorValue { uint32: [7; 4] },
            &[full_range(vk::ImageAspectFlags::COLOR)],
        );
        let r = [vk::BufferImageCopy2::default()
            .image_subresource(color_layers(1))
            .image_extent(vk::Extent3D {
                width: w,
                height: h,
                depth: 1,
            })];
        vk.device.cmd_copy_buffer_to_image2(
            cb,
            &vk::CopyBufferToImageInfo2::default()
                .src_buffer(src.buffer)
                .dst_image(img.image)
                .dst_image_layout(DST)
                .regions(&r),
        );
        to_src(&vk, cb, img.image, COLOR);
        vk.transfer_barrier(cb); // the clear of img2 before the copy into it
        // A 5x3 block from (2, 4) to (9, 10).
        let c = [vk::ImageCopy2::default()
            .src_subresource(color_layers(1))
            .src_offset(vk::Offset3D { x: 2, y: 4, z: 0 })
            .dst_subresource(color_layers(1))
            .dst_offset(vk::Offset3D { x: 9, y: 10, z: 0 })
            .extent(vk::Extent3D {
                width: 5,
                height: 3,
                depth: 1,
            })];
        vk.device.cmd_copy_image2(
            cb,
            &vk::CopyImageInfo2::default()
                .src_image(img.image)
                .src_image_layout(SRC)
                .dst_image(img2.image)
                .dst_image_layout(DST)
                .regions(&c),
        );
        to_src(&vk, cb, img2.image, COLOR);
        let r2 = [vk::BufferImageCopy2::default()
            .image_subresource(color_layers(1))
            .image_extent(vk::Extent3D {
                width: w,
                height: h,
                depth: 1,
            })];
        vk.device.cmd_copy_image_to_buffer2(
            cb,
            &vk::CopyImageToBufferInfo2::default()
                .src_image(img2.image)
                .src_image_layout(SRC)
                .dst_buffer(out.buffer)
                .regions(&r2),
        );
    });
    let o = out.u32s();
    for y in 0..h {
        for x in 0..w {
            let inside = (9..14).contains(&x) && (10..13).contains(&y);
            let want = if inside {
                (y - 10 + 4) * w + (x - 9 + 2)
            } else {
                7
            };
            assert_eq!(o[(y * w + x) as usize], want, "texel ({x}, {y})");
        }
    }
    vk.destroy_image(img);
    vk.destroy_image(img2);
    vk.destroy_buffer(src);
    vk.destroy_buffer(out);
}

#[test]
fn copies_between_3d_images_and_2d_arrays() {
    let vk = Vk::new();
    let (w, h, d) = (8u32, 4u32, 5u32);
    let info3d = vk::ImageCreateInfo {
        image_type: vk::ImageType::TYPE_3D,
        extent: vk::Extent3D {
            width: w,
            height: h,
            depth: d,
        },
        ..image_2d(vk::Format::R16_UINT, w, h)
    };
    let vol = vk.image(&info3d);
    let arr = vk.image(&image_2d(vk::Format::R16_UINT, w, h).array_layers(d));
    let src = vk.buffer((w * h * d * 2) as u64, USAGE);
    Rng::new(11).fill(src.bytes());
    let out = vk.buffer((w * h * d * 2) as u64, USAGE);
    vk.run(|cb| unsafe {
        to_dst(&vk, cb, vol.image, COLOR);
        to_dst(&vk, cb, arr.image, COLOR);
        vk.device.cmd_copy_buffer_to_image(
            cb,
            src.buffer,
            vol.image,
            DST,
            &[vk::BufferImageCopy {
                image_extent: vk::Extent3D {
                    width: w,
                    height: h,
                    depth: d,
                },
                ..copy_region(w, h)
            }],
        );
        to_src(&vk, cb, vol.image, COLOR);
        // 3D slices z = 0..5 become layers 0..5.
        vk.device.cmd_copy_image(
            cb,
            vol.image,
            SRC,
            arr.image,
            DST,
            &[vk::ImageCopy {
                src_subresource: color_layers(1),
                src_offset: vk::Offset3D::default(),
                dst_subresource: color_layers(d),
                dst_offset: vk::Offset3D::default(),
                extent: vk::Extent3D {
                    width: w,
                    height: h,
                    depth: d,
                },
            }],
        );
        to_src(&vk, cb, arr.image, COLOR);
        vk.device.cmd_copy_image_to_buffer(
            cb,
            arr.image,
            SRC,
            out.buffer,
            &[vk::BufferImageCopy {
                image_subresource: color_layers(d),
                ..copy_region(w, h)
            }],
        );
    });
    assert_eq!(src.bytes(), out.bytes());
    vk.destroy_image(vol);
    vk.destroy_image(arr);
    vk.destroy_buffer(src);
    vk.destroy_buffer(out);
}

fn clear_and_read(
    vk: &Vk,
    format: vk::Format,
    color: vk::ClearColorValue,
    texel: usize,
) -> Vec<u8> {
    let img = vk.image(&image_2d(format, 3, 2));
    let out = vk.buffer(6 * texel as u64, USAGE);
    vk.run(|cb| unsafe {
        to_dst(vk, cb, img.image, COLOR);
        vk.device.cmd_clear_color_image(
            cb,
            img.image,
            DST,
            &color,
            &[full_range(vk::ImageAspectFlags::COLOR)],
        );
        to_src(vk, cb, img.image, COLOR);
        vk.device
            .cmd_copy_image_to_buffer(cb, img.image, SRC, out.buffer, &[copy_region(3, 2)]);
    });
    let bytes = out.bytes().to_vec();
    vk.destroy_image(img);
    vk.destroy_buffer(out);
    for t in bytes.chunks(texel) {
        assert_eq!(
            t,
            &bytes[..texel],
            "every texel of {format:?} holds the clear value"
        );
    }
    bytes[..texel].to_vec()
}

#[test]
fn clear_color_encodes_per_format() {
    let vk = Vk::new();
    let f = |c: [f32; 4]| vk::ClearColorValue { float32: c };
    assert_eq!(
        clear_and_read(&vk, vk::Format::R8G8B8A8_UNORM, f([0.5, 0.0, 1.0, 0.25]), 4),
        [128, 0, 255, 64]
    );
    assert_eq!(
        clear_and_read(&vk, vk::Format::B8G8R8A8_UNORM, f([1.0, 0.5, 0.0, 1.0]), 4),
        [0, 128, 255, 255]
    );
    assert_eq!(
        clear_and_read(&vk, vk::Format::R8G8B8A8_SRGB, f([0.5, 0.0, 1.0, 0.5]), 4),
        [188, 0, 255, 128]
    );
    assert_eq!(
        clear_and_read(&vk, vk::Format::R8_SNORM, f([-1.0, 0.0, 0.0, 0.0]), 1),
        [0x81]
    );
    assert_eq!(
        clear_and_read(&vk, vk::Format::R16G16_SFLOAT, f([1.0, -2.0, 0.0, 0.0]), 4),
        [0x00, 0x3C, 0x00, 0xC0]
    );
    assert_eq!(
        clear_and_read(&vk, vk::Format::R32_SFLOAT, f([3.25, 0.0, 0.0, 0.0]), 4),
        3.25f32.to_le_bytes()
    );
    // R5G6B5: red in the top 5 bits.
    assert_eq!(
        clear_and_read(
            &vk,
            vk::Format::R5G6B5_UNORM_PACK16,
            f([1.0, 0.0, 0.0, 1.0]),
            2
        ),
        0xF800u16.to_le_bytes()
    );
    assert_eq!(
        clear_and_read(
            &vk,
            vk::Format::R16G16_SINT,
            vk::ClearColorValue {
                int32: [-5, 300, 0, 0]
            },
            4
        ),
        [0xFB, 0xFF, 0x2C, 0x01]
    );
    assert_eq!(
        clear_and_read(
            &vk,
            vk::Format::R8_UINT,
            vk::ClearColorValue {
                uint32: [300, 0, 0, 0]
            },
            1
        ),
        [44],
        "UINT clears take the low bits: VkClearColorValue \"casting to the integer type with fewer bits\""
    );
}

#[test]
fn clear_color_respects_subresource_ranges() {
    let vk = Vk::new();
    let img = vk.image(
        &image_2d(vk::Format::R8_UINT, 4, 4)
            .array_layers(3)
            .mip_levels(2),
    );
    let out = vk.buffer(16 * 3 + 4 * 3, USAGE);
    vk.run(|cb| unsafe {
        to_dst(&vk, cb, img.image, COLOR);
        vk.device.cmd_clear_color_image(
            cb,
            img.image,
            DST,
            &vk::ClearColorValue { uint32: [1; 4] },
            &[full_range(vk::ImageAspectFlags::COLOR)],
        );
        vk.transfer_barrier(cb);
        let range = vk::ImageSubresourceRange {
            aspect_mask: vk::ImageAspectFlags::COLOR,
            base_mip_level: 1,
            level_count: 1,
            base_array_layer: 1,
            layer_count: 1,
        };
        vk.device.cmd_clear_color_image(
            cb,
            img.image,
            DST,
            &vk::ClearColorValue { uint32: [9; 4] },
            &[range],
        );
        to_src(&vk, cb, img.image, COLOR);
        vk.device.cmd_copy_image_to_buffer(
            cb,
            img.image,
            SRC,
            out.buffer,
            &[vk::BufferImageCopy {
                image_subresource: color_layers(3),
                ..copy_region(4, 4)
            }],
        );
        vk.device.cmd_copy_image_to_buffer(
            cb,
            img.image,
            SRC,
            out.buffer,
            &[vk::BufferImageCopy {
                buffer_offset: 48,
                image_subresource: vk::ImageSubresourceLayers {
                    mip_level: 1,
                    ..color_layers(3)
                },
                ..copy_region(2, 2)
            }],
        );
    });
    let o = out.bytes();
    assert!(
        o[..48].iter().all(|&b| b == 1),
        "mip 0 untouched by the second clear"
    );
    assert_eq!(&o[48..52], &[1; 4], "mip 1 layer 0");
    assert_eq!(&o[52..56], &[9; 4], "mip 1 layer 1");
    assert_eq!(&o[56..60], &[1; 4], "mip 1 layer 2");
    vk.destroy_image(img);
    vk.destroy_buffer(out);
}

#[test]
fn clear_depth_stencil_and_copy_aspects() {
    let vk = Vk::new();
    let ds = vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL;
    for (format, depth_bytes, want_depth) in [
        (
            vk::Format::D24_UNORM_S8_UINT,
            4usize,
            0x0080_0000u32.to_le_bytes().to_vec(),
        ),
        (
            vk::Format::D32_SFLOAT_S8_UINT,
            4,
            0.5f32.to_le_bytes().to_vec(),
        ),
        (vk::Format::D16_UNORM, 2, 32768u16.to_le_bytes().to_vec()),
    ] {
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, format)
        };
        if !props
            .optimal_tiling_features
            .contains(vk::FormatFeatureFlags::TRANSFER_DST)
        {
            panic!("{format:?} should support transfers");
        }
        let has_stencil = format != vk::Format::D16_UNORM;
        let aspects = if has_stencil {
            ds
        } else {
            vk::ImageAspectFlags::DEPTH
        };
        let img = vk.image(&image_2d(format, 4, 2));
        let dbuf = vk.buffer(8 * depth_bytes as u64, USAGE);
        let sbuf = vk.buffer(8, USAGE);
        vk.run(|cb| unsafe {
            to_dst(&vk, cb, img.image, aspects);
            vk.device.cmd_clear_depth_stencil_image(
                cb,
                img.image,
                DST,
                &vk::ClearDepthStencilValue {
                    depth: 0.5,
                    stencil: 0x5A,
                },
                &[full_range(aspects)],
            );
            to_src(&vk, cb, img.image, aspects);
            let sub = |a| vk::ImageSubresourceLayers {
                aspect_mask: a,
                ..color_layers(1)
            };
            vk.device.cmd_copy_image_to_buffer(
                cb,
                img.image,
                SRC,
                dbuf.buffer,
                &[vk::BufferImageCopy {
                    image_subresource: sub(vk::ImageAspectFlags::DEPTH),
                    ..copy_region(4, 2)
                }],
            );
            if has_stencil {
                vk.device.cmd_copy_image_to_buffer(
                    cb,
                    img.image,
                    SRC,
                    sbuf.buffer,
                    &[vk::BufferImageCopy {
                        image_subresource: sub(vk::ImageAspectFlags::STENCIL),
                        ..copy_region(4, 2)
                    }],
                );
            }
        });
        for t in dbuf.bytes().chunks(depth_bytes) {
            assert_eq!(t, &want_depth[..], "{format:?} depth");
        }
        if has_stencil {
            assert_eq!(sbuf.bytes(), &[0x5A; 8], "{format:?} stencil");
        }
        vk.destroy_image(img);
        vk.destroy_buffer(dbuf);
        vk.destroy_buffer(sbuf);
    }
}

fn upload(vk: &Vk, cb: vk::CommandBuffer, staging: &softvk_tests::Buf, img: &softvk_tests::Img) {
    to_dst(vk, cb, img.image, COLOR);
    unsafe {
        vk.device.cmd_copy_buffer_to_image(
            cb,
            staging.buffer,
            img.image,
            DST,
            &[copy_region(img.extent.width, img.extent.height)],
        );
    }
    to_src(vk, cb, img.image, COLOR);
}

fn blit(s: [i32; 4], d: [i32; 4]) -> vk::ImageBlit {
    vk::ImageBlit {
        src_subresource: color_layers(1),
        src_offsets: [
            vk::Offset3D {
                x: s[0],
                y: s[1],
                z: 0,
            },
            vk::Offset3D {
                x: s[2],
                y: s[3],
                z: 1,
            },
        ],
        dst_subresource: color_layers(1),
        dst_offsets: [
            vk::Offset3D {
                x: d[0],
                y: d[1],
                z: 0,
            },
            vk::Offset3D {
                x: d[2],
                y: d[3],
                z: 1,
            },
        ],
    }
}

#[test]
fn blits_scale_filter_flip_and_convert() {
    let vk = Vk::new();
    let (w, h) = (8u32, 8u32);
    let src = vk.image(&image_2d(vk::Format::R8G8B8A8_UNORM, w, h));
    let staging = vk.buffer((w * h * 4) as u64, USAGE);
    for (i, t) in staging.bytes().chunks_exact_mut(4).enumerate() {
        let (x, y) = ((i as u32 % w) as u8, (i as u32 / w) as u8);
        t.copy_from_slice(&[x * 20, y * 20, 100, 255]);
    }
    let nearest = vk.image(&image_2d(vk::Format::R8G8B8A8_UNORM, 4, 4));
    let linear = vk.image(&image_2d(vk::Format::R8G8B8A8_UNORM, 4, 4));
    let flipped = vk.image(&image_2d(vk::Format::R8G8B8A8_UNORM, w, h));
    let float = vk.image(&image_2d(vk::Format::R32G32B32A32_SFLOAT, w, h));
    let out = vk.buffer(16 * 4 * 2 + (w * h * 4) as u64 + (w * h * 16) as u64, USAGE);
    vk.run(|cb| unsafe {
        upload(&vk, cb, &staging, &src);
        for i in [&nearest, &linear, &flipped, &float] {
            to_dst(&vk, cb, i.image, COLOR);
        }
        vk.device.cmd_blit_image(
            cb,
            src.image,
            SRC,
            nearest.image,
            DST,
            &[blit([0, 0, 8, 8], [0, 0, 4, 4])],
            vk::Filter::NEAREST,
        );
        vk.device.cmd_blit_image(
            cb,
            src.image,
            SRC,
            linear.image,
            DST,
            &[blit([0, 0, 8, 8], [0, 0, 4, 4])],
            vk::Filter::LINEAR,
        );
        // Mirror both axes: destination offsets reversed.
        vk.device.cmd_blit_image(
            cb,
            src.image,
            SRC,
            flipped.image,
            DST,
            &[blit([0, 0, 8, 8], [8, 8, 0, 0])],
            vk::Filter::NEAREST,
        );
        let b2 = [vk::ImageBlit2::default()
            .src_subresource(color_layers(1))
            .src_offsets([vk::Offset3D::default(), vk::Offset3D { x: 8, y: 8, z: 1 }])
            .dst_subresource(color_layers(1))
            .dst_offsets([vk::Offset3D::default(), vk::Offset3D { x: 8, y: 8, z: 1 }])];
        vk.device.cmd_blit_image2(
            cb,
            &vk::BlitImageInfo2::default()
                .src_image(src.image)
                .src_image_layout(SRC)
                .dst_image(float.image)
                .dst_image_layout(DST)
                .regions(&b2)
                .filter(vk::Filter::NEAREST),
        );
        for i in [&nearest, &linear, &flipped, &float] {
            to_src(&vk, cb, i.image, COLOR);
        }
        let mut off = 0;
        for (img, ew, eh, bytes) in [
            (&nearest, 4, 4, 4),
            (&linear, 4, 4, 4),
            (&flipped, w, h, 4),
            (&float, w, h, 16),
        ] {
            vk.device.cmd_copy_image_to_buffer(
                cb,
                img.image,
                SRC,
                out.buffer,
                &[vk::BufferImageCopy {
                    buffer_offset: off,
                    ..copy_region(ew, eh)
                }],
            );
            off += (ew * eh * bytes) as u64;
        }
    });
    let o = out.bytes();
    let texel =
        |base: usize, width: u32, x: u32, y: u32| &o[base + ((y * width + x) * 4) as usize..][..4];
    for y in 0..4 {
        for x in 0..4 {
            // NEAREST samples the source texel under the destination texel's center: 2x + 1.
            assert_eq!(
                texel(0, 4, x, y),
                [((2 * x + 1) * 20) as u8, ((2 * y + 1) * 20) as u8, 100, 255]
            );
            // LINEAR at 2x minification averages the 2x2 block: (2x*20 + (2x+1)*20) / 2.
            assert_eq!(
                texel(64, 4, x, y),
                [(40 * x + 10) as u8, (40 * y + 10) as u8, 100, 255]
            );
        }
    }
    for y in 0..h {
        for x in 0..w {
            assert_eq!(
                texel(128, w, x, y),
                [((7 - x) * 20) as u8, ((7 - y) * 20) as u8, 100, 255],
                "flip at ({x}, {y})"
            );
        }
    }
    let fbase = 128 + (w * h * 4) as usize;
    let f = |i: usize| f32::from_le_bytes(o[fbase + i * 4..fbase + i * 4 + 4].try_into().unwrap());
    let i = (3 * w + 5) as usize * 4; // texel (5, 3)
    assert_eq!(
        [f(i), f(i + 1), f(i + 2), f(i + 3)],
        [100.0 / 255.0, 60.0 / 255.0, 100.0 / 255.0, 1.0]
    );
    for img in [src, nearest, linear, flipped, float] {
        vk.destroy_image(img);
    }
    vk.destroy_buffer(staging);
    vk.destroy_buffer(out);
}

#[test]
fn secondary_command_buffers_execute_in_order() {
    let vk = Vk::new();
    let buf = vk.buffer(256, USAGE);
    let sec = vk.command_buffer(vk::CommandBufferLevel::SECONDARY);
    let inherit = vk::CommandBufferInheritanceInfo::default();
    unsafe {
        vk.device
            .begin_command_buffer(
                sec,
                &vk::CommandBufferBeginInfo::default().inheritance_info(&inherit),
            )
            .unwrap();
        vk.device
            .cmd_fill_buffer(sec, buf.buffer, 0, 128, 0x11111111);
        vk.device.end_command_buffer(sec).unwrap();
    }
    vk.run(|cb| unsafe {
        vk.device
            .cmd_fill_buffer(cb, buf.buffer, 0, 256, 0x22222222);
        vk.transfer_barrier(cb);
        vk.device.cmd_execute_commands(cb, &[sec]);
        vk.transfer_barrier(cb);
        vk.device
            .cmd_fill_buffer(cb, buf.buffer, 192, 64, 0x33333333);
    });
    let v = buf.u32s();
    assert!(v[..32].iter().all(|&x| x == 0x11111111));
    assert!(v[32..48].iter().all(|&x| x == 0x22222222));
    assert!(v[48..].iter().all(|&x| x == 0x33333333));
    unsafe { vk.device.free_command_buffers(vk.pool, &[sec]) };
    vk.destroy_buffer(buf);
}

#[test]
fn command_buffers_can_be_resubmitted_and_reset() {
    let vk = Vk::new();
    let buf = vk.buffer(64, USAGE);
    let cb = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
    let fence = unsafe {
        vk.device
            .create_fence(&vk::FenceCreateInfo::default(), None)
    }
    .unwrap();
    let submit = |value: u32| unsafe {
        vk.device
            .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        vk.device.cmd_fill_buffer(cb, buf.buffer, 0, 64, value);
        vk.device.end_command_buffer(cb).unwrap();
        for _ in 0..2 {
            vk.device
                .queue_submit(
                    vk.queue,
                    &[vk::SubmitInfo::default().command_buffers(&[cb])],
                    fence,
                )
                .unwrap();
            vk.device.wait_for_fences(&[fence], true, u64::MAX).unwrap();
            vk.device.reset_fences(&[fence]).unwrap();
        }
    };
    submit(5);
    assert!(buf.u32s().iter().all(|&x| x == 5));
    unsafe {
        vk.device
            .reset_command_buffer(cb, vk::CommandBufferResetFlags::empty())
    }
    .unwrap();
    submit(6);
    assert!(buf.u32s().iter().all(|&x| x == 6));
    unsafe {
        vk.device
            .reset_command_pool(vk.pool, vk::CommandPoolResetFlags::empty())
            .unwrap();
        vk.device.destroy_fence(fence, None);
        vk.device.free_command_buffers(vk.pool, &[cb]);
    }
    vk.destroy_buffer(buf);
}
