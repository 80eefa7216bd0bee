//! Format features match what the code does: every format that reports a feature is exercised
//! through the loader with exactly that feature, and formats that report nothing are refused by
//! the image-format query.

use ash::vk;
use softvk_tests::{Vk, color_layers, full_range, image_2d};

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);
const DST: vk::ImageLayout = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
const SRC: vk::ImageLayout = vk::ImageLayout::TRANSFER_SRC_OPTIMAL;

fn aspects_of(format: vk::Format) -> vk::ImageAspectFlags {
    match format {
        vk::Format::D16_UNORM | vk::Format::X8_D24_UNORM_PACK32 | vk::Format::D32_SFLOAT => {
            vk::ImageAspectFlags::DEPTH
        }
        vk::Format::S8_UINT => vk::ImageAspectFlags::STENCIL,
        vk::Format::D16_UNORM_S8_UINT
        | vk::Format::D24_UNORM_S8_UINT
        | vk::Format::D32_SFLOAT_S8_UINT => {
            vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL
        }
        _ => vk::ImageAspectFlags::COLOR,
    }
}

/// Bytes per texel of one aspect as a buffer copy sees it.
fn aspect_bytes(format: vk::Format, aspect: vk::ImageAspectFlags, color_bytes: u32) -> u32 {
    match (format, aspect) {
        (_, vk::ImageAspectFlags::STENCIL) => 1,
        (vk::Format::D16_UNORM | vk::Format::D16_UNORM_S8_UINT, _) => 2,
        (vk::Format::X8_D24_UNORM_PACK32 | vk::Format::D24_UNORM_S8_UINT, _) => 4,
        (vk::Format::D32_SFLOAT | vk::Format::D32_SFLOAT_S8_UINT, _) => 4,
        _ => color_bytes,
    }
}

/// Byte size of a color format's texel, from the image's memory requirements of a 1x1 linear
/// image is not portable; instead read the spec's table through the format name.
fn color_bytes(format: vk::Format) -> u32 {
    let name = format!("{format:?}");
    if let Some(p) = name
        .rsplit("_PACK")
        .next()
        .filter(|_| name.contains("_PACK"))
    {
        return p.parse::<u32>().unwrap() / 8;
    }
    let comps = name.split('_').next().unwrap();
    let mut bits = 0;
    let mut digits = String::new();
    for c in comps.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !digits.is_empty() {
            bits += digits.parse::<u32>().unwrap();
            digits.clear();
        }
    }
    if !digits.is_empty() {
        bits += digits.parse::<u32>().unwrap();
    }
    bits / 8
}

#[test]
fn every_reported_format_feature_works() {
    let vk = Vk::new();
    let mut exercised = (0, 0, 0, 0);
    for raw in 1..=184 {
        let format = vk::Format::from_raw(raw);
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, format)
        };
        let f = props.optimal_tiling_features;
        let q = unsafe {
            vk.instance.get_physical_device_image_format_properties(
                vk.physical,
                format,
                vk::ImageType::TYPE_2D,
                vk::ImageTiling::OPTIMAL,
                vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST,
                vk::ImageCreateFlags::empty(),
            )
        };
        let transfer = vk::FormatFeatureFlags::TRANSFER_SRC | vk::FormatFeatureFlags::TRANSFER_DST;
        assert_eq!(
            q.is_ok(),
            f.contains(transfer),
            "{format:?}: image query and format features agree"
        );
        if !f.contains(transfer) {
            assert!(f.is_empty(), "{format:?}: no partial feature sets");
            continue;
        }
        if (131..=146).contains(&raw) {
            // BC1..BC7 (textureCompressionBC): copies, blits and sampling in tests/tests/bc.rs.
            continue;
        }
        assert!(
            raw <= 130,
            "{format:?}: compressed formats other than BC report nothing"
        );
        let aspects = aspects_of(format);
        let img = vk.image(&image_2d(format, 4, 4));
        let img2 = vk.image(&image_2d(format, 4, 4));
        let cbytes = color_bytes(format);
        let per_aspect: Vec<(vk::ImageAspectFlags, u32)> = [
            vk::ImageAspectFlags::COLOR,
            vk::ImageAspectFlags::DEPTH,
            vk::ImageAspectFlags::STENCIL,
        ]
        .into_iter()
        .filter(|a| aspects.contains(*a))
        .map(|a| (a, aspect_bytes(format, a, cbytes)))
        .collect();
        let total: u32 = per_aspect.iter().map(|(_, b)| b * 16).sum();
        let out = vk.buffer(total as u64 * 2, USAGE);
        let blit = f.contains(vk::FormatFeatureFlags::BLIT_SRC | vk::FormatFeatureFlags::BLIT_DST);
        // Depth/stencil formats blit with NEAREST only (VUID-vkCmdBlitImage-srcImage-00232);
        // their FILTER_LINEAR is about sampling the depth aspect.
        let linear = f.contains(vk::FormatFeatureFlags::SAMPLED_IMAGE_FILTER_LINEAR)
            && aspects == vk::ImageAspectFlags::COLOR;
        vk.run(|cb| unsafe {
            for i in [&img, &img2] {
                vk.image_barrier(cb, i.image, aspects, vk::ImageLayout::UNDEFINED, DST);
            }
            if aspects == vk::ImageAspectFlags::COLOR {
                vk.device.cmd_clear_color_image(
                    cb,
                    img.image,
                    DST,
                    &vk::ClearColorValue {
                        uint32: [0x3F00_0000, 0x3E80_0000, 1, 0x3F80_0000],
                    },
                    &[full_range(aspects)],
                );
            } else {
                vk.device.cmd_clear_depth_stencil_image(
                    cb,
                    img.image,
                    DST,
                    &vk::ClearDepthStencilValue {
                        depth: 0.25,
                        stencil: 0x42,
                    },
                    &[full_range(aspects)],
                );
            }
            vk.image_barrier(cb, img.image, aspects, DST, SRC);
            if blit {
                // Same-size blits: NEAREST always, LINEAR where reported; both must reproduce
                // the texels exactly (sampling at texel centers).
                let region = vk::ImageBlit {
                    src_subresource: vk::ImageSubresourceLayers {
                        aspect_mask: aspects,
                        ..color_layers(1)
                    },
                    src_offsets: [vk::Offset3D::default(), vk::Offset3D { x: 4, y: 4, z: 1 }],
                    dst_subresource: vk::ImageSubresourceLayers {
                        aspect_mask: aspects,
                        ..color_layers(1)
                    },
                    dst_offsets: [vk::Offset3D::default(), vk::Offset3D { x: 4, y: 4, z: 1 }],
                };
                let filter = if linear {
                    vk::Filter::LINEAR
                } else {
                    vk::Filter::NEAREST
                };
                vk.device
                    .cmd_blit_image(cb, img.image, SRC, img2.image, DST, &[region], filter);
            } else {
                let region = vk::ImageCopy {
                    src_subresource: vk::ImageSubresourceLayers {
                        aspect_mask: aspects,
                        ..color_layers(1)
                    },
                    src_offset: vk::Offset3D::default(),
                    dst_subresource: vk::ImageSubresourceLayers {
                        aspect_mask: aspects,
                        ..color_layers(1)
                    },
                    dst_offset: vk::Offset3D::default(),
                    extent: vk::Extent3D {
                        width: 4,
                        height: 4,
                        depth: 1,
                    },
                };
                vk.device
                    .cmd_copy_image(cb, img.image, SRC, img2.image, DST, &[region]);
            }
            vk.image_barrier(cb, img2.image, aspects, DST, SRC);
            let mut off = 0u64;
            for (i, image) in [img.image, img2.image].into_iter().enumerate() {
                for (a, b) in &per_aspect {
                    vk.device.cmd_copy_image_to_buffer(
                        cb,
                        image,
                        SRC,
                        out.buffer,
                        &[vk::BufferImageCopy {
                            buffer_offset: off,
                            buffer_row_length: 0,
                            buffer_image_height: 0,
                            image_subresource: vk::ImageSubresourceLayers {
                                aspect_mask: *a,
                                ..color_layers(1)
                            },
                            image_offset: vk::Offset3D::default(),
                            image_extent: vk::Extent3D {
                                width: 4,
                                height: 4,
                                depth: 1,
                            },
                        }],
                    );
                    off += (*b * 16) as u64;
                }
                let _ = i;
            }
        });
        let bytes = out.bytes();
        let (first, second) = bytes.split_at(total as usize);
        assert_eq!(
            first,
            second,
            "{format:?}: the {} reproduces the cleared texels",
            if blit { "blit" } else { "copy" }
        );
        // Every texel of the clear is the same.
        let mut off = 0;
        for (_, b) in &per_aspect {
            let b = *b as usize;
            let aspect = &first[off..off + 16 * b];
            assert!(
                aspect.chunks(b).all(|t| t == &aspect[..b]),
                "{format:?}: uniform clear"
            );
            off += 16 * b;
        }
        exercised.0 += 1;
        exercised.1 += blit as u32;
        exercised.2 += linear as u32;
        exercised.3 += (aspects != vk::ImageAspectFlags::COLOR) as u32;
        vk.destroy_image(img);
        vk.destroy_image(img2);
        vk.destroy_buffer(out);
    }
    println!(
        "formats exercised: {} (blit {}, linear blit {}, depth/stencil {})",
        exercised.0, exercised.1, exercised.2, exercised.3
    );
    // 130 core formats less the 26 USCALED/SSCALED ones, which report nothing.
    assert!(exercised.0 >= 104, "{exercised:?}");
}
