//! Block-compressed images BC1..BC7 (textureCompressionBC) through the loader with the
//! validation layer: the format features of the spec's "Required Format Support" table for the
//! feature, uploads with several mips and layers (bufferRowLength / bufferImageHeight in
//! texels, partial blocks at mip edges), every texel fetched in a compute shader and compared
//! with softvk's CPU decoders (`softvk::format::bc`, themselves checked against the Data Format
//! spec in core unit tests), LINEAR sampling against bilinear filtering of the decoded texels,
//! copies (buffer <-> image, image <-> image, size-compatible BC1 <-> R32G32_UINT and BC7 <->
//! R32G32B32A32_UINT), a blit with a BC source, and an uncompressed view of a BC image
//! (BLOCK_TEXEL_VIEW_COMPATIBLE).
//!
//! On softvk fetches must equal the CPU decoder bit for bit. Run against another driver (e.g.
//! `VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json`), the same test compares with
//! a tolerance (hardware and lavapipe round S3TC/RGTC interpolants to 8 bits) and prints the
//! largest differences: that is how the decoders were cross-checked against lavapipe.
//!
//! The shader is shaders/tests/bc_fetch.comp (and sample_fetch_u.comp for the block view).

use ash::vk;
use softvk::format::bc;
use softvk_tests::compute::{pipe, write_buffer};
use softvk_tests::{Rng, Vk};

type BU = vk::BufferUsageFlags;
type DT = vk::DescriptorType;
type IU = vk::ImageUsageFlags;
type F2 = vk::FormatFeatureFlags2;

const COLOR: vk::ImageAspectFlags = vk::ImageAspectFlags::COLOR;
const RO: vk::ImageLayout = vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL;
const SRC: vk::ImageLayout = vk::ImageLayout::TRANSFER_SRC_OPTIMAL;
const DST: vk::ImageLayout = vk::ImageLayout::TRANSFER_DST_OPTIMAL;

fn is_softvk(vk: &Vk) -> bool {
    let p = unsafe { vk.instance.get_physical_device_properties(vk.physical) };
    p.device_name_as_c_str()
        .is_ok_and(|n| n.to_string_lossy().starts_with("softvk"))
}

/// (optimal, linear, buffer) features of `f`.
fn features2(vk: &Vk, f: vk::Format) -> (F2, F2, F2) {
    let mut p3 = vk::FormatProperties3::default();
    let mut p2 = vk::FormatProperties2::default().push_next(&mut p3);
    unsafe {
        vk.instance
            .get_physical_device_format_properties2(vk.physical, f, &mut p2)
    };
    (
        p3.optimal_tiling_features,
        p3.linear_tiling_features,
        p3.buffer_features,
    )
}

fn layers(mip: u32, base: u32, count: u32) -> vk::ImageSubresourceLayers {
    vk::ImageSubresourceLayers {
        aspect_mask: COLOR,
        mip_level: mip,
        base_array_layer: base,
        layer_count: count,
    }
}

fn mip_size(w: u32, h: u32, l: u32) -> (u32, u32) {
    ((w >> l).max(1), (h >> l).max(1))
}

/// Random blocks whose mode bits cycle through every BC7 mode and every BC6H mode number
/// (reserved ones included), so a few dozen blocks cover them all.
fn blocks(format: vk::Format, count: usize, rng: &mut Rng) -> Vec<u8> {
    let info = bc::info(format).unwrap();
    let size = info.block_bytes as usize;
    let mut out = vec![0u8; count * size];
    rng.fill(&mut out);
    const BC6H: [u8; 18] = [
        0, 1, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31,
    ];
    for (i, b) in out.chunks_mut(size).enumerate() {
        match info.kind {
            bc::Kind::Bc7 => {
                let m = (i % 9) as u8; // 8: the reserved all-zero mode byte
                b[0] = if m == 8 {
                    0
                } else {
                    (b[0] & !((2u16 << m) - 1) as u8) | (1 << m)
                };
            }
            bc::Kind::Bc6h { .. } => {
                let m = BC6H[i % BC6H.len()];
                b[0] = if m < 2 {
                    (b[0] & !3) | m
                } else {
                    (b[0] & !0x1F) | m
                };
            }
            _ => {}
        }
    }
    out
}

/// The decoded texel (x, y) of a level stored as tight rows of `bw` blocks.
fn cpu_texel(format: vk::Format, data: &[u8], bw: u32, x: u32, y: u32) -> [f32; 4] {
    let size = bc::info(format).unwrap().block_bytes as usize;
    let at = ((y / 4) * bw + x / 4) as usize * size;
    bc::decode_block(format, &data[at..at + size])[((y % 4) * 4 + x % 4) as usize]
}

/// The sRGB encoding of a linear value (to compare other drivers' fetches where they round).
fn srgb_encode(l: f32) -> f32 {
    if l <= 0.003_130_8 {
        l * 12.92
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    }
}

/// Within `tol` (relative to the magnitude for HDR values), or both NaN.
fn near(a: f32, b: f32, tol: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn bc_formats_report_the_required_features() {
    let vk = Vk::new();
    let mut f2 = vk::PhysicalDeviceFeatures2::default();
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2)
    };
    assert_eq!(f2.features.texture_compression_bc, vk::TRUE);
    // "Required Format Support": with textureCompressionBC, SAMPLED_IMAGE, BLIT_SRC and
    // SAMPLED_IMAGE_FILTER_LINEAR on optimal tiling for every BC format.
    let required = F2::SAMPLED_IMAGE | F2::BLIT_SRC | F2::SAMPLED_IMAGE_FILTER_LINEAR;
    for f in bc::all() {
        let (optimal, linear, buffer) = features2(&vk, f.format);
        assert!(optimal.contains(required), "{}", f.name);
        if is_softvk(&vk) {
            assert_eq!(
                optimal,
                required | F2::TRANSFER_SRC | F2::TRANSFER_DST | F2::SAMPLED_IMAGE_FILTER_MINMAX,
                "{}",
                f.name
            );
            assert_eq!(linear, F2::empty(), "{}", f.name);
            assert_eq!(buffer, F2::empty(), "{}", f.name);
        }
        let query = |ty, tiling, flags| unsafe {
            vk.instance.get_physical_device_image_format_properties(
                vk.physical,
                f.format,
                ty,
                tiling,
                IU::SAMPLED | IU::TRANSFER_SRC | IU::TRANSFER_DST,
                flags,
            )
        };
        type C = vk::ImageCreateFlags;
        for flags in [
            C::empty(),
            C::CUBE_COMPATIBLE,
            C::MUTABLE_FORMAT | C::BLOCK_TEXEL_VIEW_COMPATIBLE,
        ] {
            let q = query(vk::ImageType::TYPE_2D, vk::ImageTiling::OPTIMAL, flags)
                .unwrap_or_else(|e| panic!("{} 2D {flags:?}: {e:?}", f.name));
            assert!(q.max_mip_levels >= 15 && q.max_array_layers >= 256, "{q:?}");
        }
        if is_softvk(&vk) {
            for (ty, tiling) in [
                (vk::ImageType::TYPE_2D, vk::ImageTiling::LINEAR),
                (vk::ImageType::TYPE_3D, vk::ImageTiling::OPTIMAL),
            ] {
                assert_eq!(
                    query(ty, tiling, C::empty()).err(),
                    Some(vk::Result::ERROR_FORMAT_NOT_SUPPORTED),
                    "{} {ty:?} {tiling:?}",
                    f.name
                );
            }
        }
    }
    vk.assert_clean();
}

#[test]
fn every_bc_format_fetches_and_samples_like_the_cpu_decoder() {
    let vk = Vk::new();
    let softvk = is_softvk(&vk);
    let sets: &[(u32, DT)] = &[
        (0, DT::SAMPLED_IMAGE),
        (1, DT::SAMPLER),
        (2, DT::STORAGE_BUFFER),
        (3, DT::STORAGE_BUFFER),
    ];
    let p = pipe(&vk, "bc_fetch", &[sets], 4, None);
    let sampler = unsafe {
        vk.device.create_sampler(
            &vk::SamplerCreateInfo::default()
                .mag_filter(vk::Filter::LINEAR)
                .min_filter(vk::Filter::LINEAR)
                .mipmap_mode(vk::SamplerMipmapMode::NEAREST)
                .address_mode_u(vk::SamplerAddressMode::CLAMP_TO_EDGE)
                .address_mode_v(vk::SamplerAddressMode::CLAMP_TO_EDGE)
                .address_mode_w(vk::SamplerAddressMode::CLAMP_TO_EDGE)
                .max_lod(vk::LOD_CLAMP_NONE),
            None,
        )
    }
    .unwrap();
    // 13x10 with 4 levels (13x10, 6x5, 3x2, 1x1: partial blocks on every level) and 2 layers.
    let (w, h, mips, nlayers) = (13u32, 10u32, 4u32, 2u32);
    // textureLod coordinates (u, v, layer, lod).
    let at: [[f32; 4]; 6] = [
        [0.31, 0.47, 0.0, 0.0],
        [0.77, 0.12, 1.0, 0.0],
        [0.05, 0.93, 1.0, 0.0],
        [0.52, 0.66, 0.0, 1.0],
        [0.9, 0.3, 1.0, 1.0],
        [0.4, 0.6, 0.0, 2.0],
    ];
    let coords = vk.buffer(16 * at.len() as u64, BU::STORAGE_BUFFER);
    for (k, c) in at.iter().flatten().enumerate() {
        coords.bytes()[4 * k..4 * k + 4].copy_from_slice(&c.to_le_bytes());
    }
    let texels: u32 = (0..mips)
        .map(|l| {
            let (mw, mh) = mip_size(w, h, l);
            mw * mh * nlayers
        })
        .sum();
    let out = vk.buffer(16 * (texels as u64 + at.len() as u64), BU::STORAGE_BUFFER);
    let mut worst: Vec<(String, f32)> = Vec::new();
    let mut mismatches: Vec<String> = Vec::new();
    for f in bc::all() {
        let format = f.format;
        let size = f.block_bytes;
        let mut rng = Rng::new(format.as_raw() as u64);
        // Level data: tight rows of blocks per layer, as the CPU reads them.
        let mut levels = Vec::new();
        for l in 0..mips {
            let (mw, mh) = mip_size(w, h, l);
            let (bw, bh) = (mw.div_ceil(4), mh.div_ceil(4));
            let per_layer = (bw * bh) as usize;
            levels.push((
                bw,
                bh,
                blocks(format, per_layer * nlayers as usize, &mut rng),
            ));
        }
        // Level 0 goes through a buffer with bufferRowLength 20 (5 blocks: one padding block
        // per row) and bufferImageHeight 16 (4 block rows: one padding row per layer).
        let (row_len, img_h) = (20u32, 16u32);
        let l0 = (row_len / 4 * img_h / 4 * nlayers * size) as usize;
        let rest: usize = levels[1..].iter().map(|l| l.2.len()).sum();
        let staging = vk.buffer((l0 + rest) as u64, BU::TRANSFER_SRC);
        let sb = staging.bytes();
        let (bw0, bh0, d0) = &levels[0];
        for layer in 0..nlayers {
            for by in 0..*bh0 {
                let src = ((layer * bh0 + by) * bw0 * size) as usize;
                let dst = (((layer * img_h / 4) + by) * (row_len / 4) * size) as usize;
                let n = (bw0 * size) as usize;
                sb[dst..dst + n].copy_from_slice(&d0[src..src + n]);
            }
        }
        let mut regions = vec![vk::BufferImageCopy {
            buffer_offset: 0,
            buffer_row_length: row_len,
            buffer_image_height: img_h,
            image_subresource: layers(0, 0, nlayers),
            image_offset: vk::Offset3D::default(),
            image_extent: vk::Extent3D {
                width: w,
                height: h,
                depth: 1,
            },
        }];
        let mut off = l0;
        for (l, (_, _, d)) in levels.iter().enumerate().skip(1) {
            sb[off..off + d.len()].copy_from_slice(d);
            let (mw, mh) = mip_size(w, h, l as u32);
            regions.push(vk::BufferImageCopy {
                buffer_offset: off as u64,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: layers(l as u32, 0, nlayers),
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: mw,
                    height: mh,
                    depth: 1,
                },
            });
            off += d.len();
        }
        let img = vk.image(
            &softvk_tests::image_2d(format, w, h)
                .mip_levels(mips)
                .array_layers(nlayers)
                .usage(IU::SAMPLED | IU::TRANSFER_DST),
        );
        let view = unsafe {
            vk.device.create_image_view(
                &vk::ImageViewCreateInfo::default()
                    .image(img.image)
                    .view_type(vk::ImageViewType::TYPE_2D_ARRAY)
                    .format(format)
                    .subresource_range(softvk_tests::full_range(COLOR)),
                None,
            )
        }
        .unwrap();
        let iinfo = [vk::DescriptorImageInfo {
            sampler: vk::Sampler::null(),
            image_view: view,
            image_layout: RO,
        }];
        let sinfo = [vk::DescriptorImageInfo {
            sampler,
            ..Default::default()
        }];
        unsafe {
            vk.device.update_descriptor_sets(
                &[
                    vk::WriteDescriptorSet::default()
                        .dst_set(p.sets[0])
                        .dst_binding(0)
                        .descriptor_type(DT::SAMPLED_IMAGE)
                        .image_info(&iinfo),
                    vk::WriteDescriptorSet::default()
                        .dst_set(p.sets[0])
                        .dst_binding(1)
                        .descriptor_type(DT::SAMPLER)
                        .image_info(&sinfo),
                ],
                &[],
            )
        };
        write_buffer(
            &vk,
            p.sets[0],
            2,
            DT::STORAGE_BUFFER,
            &coords,
            0,
            vk::WHOLE_SIZE,
        );
        write_buffer(
            &vk,
            p.sets[0],
            3,
            DT::STORAGE_BUFFER,
            &out,
            0,
            vk::WHOLE_SIZE,
        );
        out.bytes().fill(0xFF);
        vk.run(|cb| unsafe {
            vk.layout_barrier(cb, img.image, COLOR, vk::ImageLayout::UNDEFINED, DST);
            vk.device
                .cmd_copy_buffer_to_image(cb, staging.buffer, img.image, DST, &regions);
            vk.layout_barrier(cb, img.image, COLOR, DST, RO);
            p.bind(&vk, cb, &[]);
            vk.device.cmd_push_constants(
                cb,
                p.layout,
                vk::ShaderStageFlags::COMPUTE,
                0,
                &(at.len() as i32).to_le_bytes(),
            );
            vk.device.cmd_dispatch(cb, 1, 1, 1);
        });
        let got: Vec<[f32; 4]> = out
            .bytes()
            .chunks_exact(16)
            .map(|c| {
                std::array::from_fn(|k| f32::from_le_bytes(c[4 * k..4 * k + 4].try_into().unwrap()))
            })
            .collect();
        let mut n = 0;
        let mut max_diff = 0f32;
        // Other drivers round S3TC/RGTC interpolants to 8-bit steps (1/255, SNORM 1/127).
        let snorm = matches!(
            f.kind,
            bc::Kind::Bc4 { signed: true } | bc::Kind::Bc5 { signed: true }
        );
        let tol = match (softvk, snorm) {
            (true, _) => 0.0,
            (false, true) => 1.5 / 127.0,
            (false, false) => 1.0 / 128.0,
        };
        for (l, (bw, bh, d)) in levels.iter().enumerate() {
            let (mw, mh) = mip_size(w, h, l as u32);
            let layer_bytes = (bw * bh * size) as usize;
            for layer in 0..nlayers as usize {
                let data = &d[layer * layer_bytes..(layer + 1) * layer_bytes];
                for y in 0..mh {
                    for x in 0..mw {
                        let want = cpu_texel(format, data, *bw, x, y);
                        let g = got[n];
                        n += 1;
                        for c in 0..4 {
                            // Other drivers: compared in the stored (sRGB-encoded) space.
                            let enc = |v: f32| if f.srgb && c < 3 { srgb_encode(v) } else { v };
                            let (gc, wc) = (enc(g[c]), enc(want[c]));
                            if !(gc.is_nan() && wc.is_nan()) {
                                max_diff = max_diff.max((gc - wc).abs() / wc.abs().max(1.0));
                            }
                            let same = if softvk {
                                g[c].to_bits() == want[c].to_bits()
                                    || (g[c].is_nan() && want[c].is_nan())
                            } else {
                                near(gc, wc, tol)
                            };
                            if !same {
                                mismatches.push(format!(
                                    "{}: level {l} layer {layer} texel ({x}, {y}) component {c}: \
                                     fetched {g:?}, decoder {want:?}",
                                    f.name
                                ));
                            }
                        }
                    }
                }
            }
        }
        // textureLod with LINEAR (mipmap NEAREST, CLAMP_TO_EDGE): bilinear weights of the
        // decoded (sRGB: linearised) texels ("Linear Filtering").
        for (k, c) in at.iter().enumerate() {
            let l = c[3] as usize;
            let (mw, mh) = mip_size(w, h, l as u32);
            let (bw, bh, d) = &levels[l];
            let layer_bytes = (bw * bh * size) as usize;
            let layer = c[2] as usize;
            let data = &d[layer * layer_bytes..(layer + 1) * layer_bytes];
            let (u, v) = (c[0] * mw as f32 - 0.5, c[1] * mh as f32 - 0.5);
            let (i0, j0) = (u.floor(), v.floor());
            let (a, b) = ((u - i0) as f64, (v - j0) as f64);
            let t = |i: f32, j: f32| {
                let x = (i as i32).clamp(0, mw as i32 - 1) as u32;
                let y = (j as i32).clamp(0, mh as i32 - 1) as u32;
                cpu_texel(format, data, *bw, x, y).map(|v| v as f64)
            };
            let (t00, t10, t01, t11) = (
                t(i0, j0),
                t(i0 + 1.0, j0),
                t(i0, j0 + 1.0),
                t(i0 + 1.0, j0 + 1.0),
            );
            let want: [f32; 4] = std::array::from_fn(|q| {
                ((1.0 - a) * (1.0 - b) * t00[q]
                    + a * (1.0 - b) * t10[q]
                    + (1.0 - a) * b * t01[q]
                    + a * b * t11[q]) as f32
            });
            let g = got[n + k];
            for q in 0..4 {
                let tol = if softvk { 1e-5 } else { 1.0 / 64.0 };
                assert!(
                    near(g[q], want[q], tol) || want[q].is_infinite(),
                    "{}: textureLod {c:?}: sampled {g:?}, bilinear of the decoder {want:?}",
                    f.name
                );
            }
        }
        worst.push((f.name.to_string(), max_diff));
        unsafe { vk.device.destroy_image_view(view, None) };
        vk.destroy_image(img);
        vk.destroy_buffer(staging);
    }
    if !softvk {
        // The cross-check report (e.g. against lavapipe).
        for (name, d) in &worst {
            eprintln!("{name}: largest fetch difference from softvk's decoder {d:.3e}");
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} fetches differ from the decoder, first: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(8)]
    );
    unsafe { vk.device.destroy_sampler(sampler, None) };
    p.destroy(&vk);
    vk.destroy_buffer(coords);
    vk.destroy_buffer(out);
    vk.assert_clean();
}

/// Level `mip` of `img` (`w` x `h` texels of `dim` x `dim`-texel blocks of `block` bytes).
fn image_bytes(
    vk: &Vk,
    img: vk::Image,
    mip: u32,
    (w, h): (u32, u32),
    dim: u32,
    block: u32,
) -> Vec<u8> {
    let n = w.div_ceil(dim) * h.div_ceil(dim) * block;
    let buf = vk.buffer(n as u64, BU::TRANSFER_DST);
    vk.run(|cb| unsafe {
        vk.device.cmd_copy_image_to_buffer(
            cb,
            img,
            SRC,
            buf.buffer,
            &[vk::BufferImageCopy {
                buffer_offset: 0,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: layers(mip, 0, 1),
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: w,
                    height: h,
                    depth: 1,
                },
            }],
        );
    });
    let v = buf.bytes().to_vec();
    vk.destroy_buffer(buf);
    v
}

fn copy_region(src: (u32, i32, i32), dst: (u32, i32, i32), w: u32, h: u32) -> vk::ImageCopy {
    vk::ImageCopy {
        src_subresource: layers(src.0, 0, 1),
        src_offset: vk::Offset3D {
            x: src.1,
            y: src.2,
            z: 0,
        },
        dst_subresource: layers(dst.0, 0, 1),
        dst_offset: vk::Offset3D {
            x: dst.1,
            y: dst.2,
            z: 0,
        },
        extent: vk::Extent3D {
            width: w,
            height: h,
            depth: 1,
        },
    }
}

#[test]
fn bc_copies_move_blocks_including_size_compatible_ones() {
    let vk = Vk::new();
    // BC1 (8-byte blocks) 10x6 with 2 levels (10x6: 3x2 blocks; 5x3: 2x1 blocks).
    let bc1 = vk::Format::BC1_RGBA_UNORM_BLOCK;
    let mk = |format, w, h, mips, flags| {
        vk.image(
            &softvk_tests::image_2d(format, w, h)
                .mip_levels(mips)
                .flags(flags),
        )
    };
    let a = mk(bc1, 10, 6, 2, vk::ImageCreateFlags::empty());
    let b = mk(bc1, 10, 6, 2, vk::ImageCreateFlags::empty());
    let u = mk(
        vk::Format::R32G32_UINT,
        3,
        2,
        1,
        vk::ImageCreateFlags::empty(),
    );
    let mut rng = Rng::new(7);
    let mut l0 = vec![0u8; 6 * 8];
    let mut l1 = vec![0u8; 2 * 8];
    rng.fill(&mut l0);
    rng.fill(&mut l1);
    let staging = vk.buffer(64, BU::TRANSFER_SRC);
    staging.bytes()[..48].copy_from_slice(&l0);
    staging.bytes()[48..64].copy_from_slice(&l1);
    let up = |mip: u32, off: u64, w: u32, h: u32| vk::BufferImageCopy {
        buffer_offset: off,
        buffer_row_length: 0,
        buffer_image_height: 0,
        image_subresource: layers(mip, 0, 1),
        image_offset: vk::Offset3D::default(),
        image_extent: vk::Extent3D {
            width: w,
            height: h,
            depth: 1,
        },
    };
    vk.run(|cb| unsafe {
        for i in [&a, &b, &u] {
            vk.layout_barrier(cb, i.image, COLOR, vk::ImageLayout::UNDEFINED, DST);
        }
        // Level 1 (5x3) is one row of two blocks, the second partial: its extent reaches the
        // level's edge.
        vk.device.cmd_copy_buffer_to_image(
            cb,
            staging.buffer,
            a.image,
            DST,
            &[up(0, 0, 10, 6), up(1, 48, 5, 3)],
        );
        vk.layout_barrier(cb, a.image, COLOR, DST, SRC);
        vk.device.cmd_copy_image(
            cb,
            a.image,
            SRC,
            b.image,
            DST,
            &[
                // Blocks (1, 0) and (2, 0), the second partial (x 8..10): the extent reaches
                // the edge on both sides.
                copy_region((0, 4, 0), (0, 4, 0), 6, 4),
                // Block (0, 1) (partial rows 4..6) to block (1, 1).
                copy_region((0, 0, 4), (0, 4, 4), 4, 2),
                // Level 1 whole (5x3, partial blocks) to level 1.
                copy_region((1, 0, 0), (1, 0, 0), 5, 3),
            ],
        );
        // Size-compatible: BC1 blocks (0, 0) and (1, 0) -> R32G32_UINT texels (1, 1) and
        // (2, 1): extent 8x4 BC texels = 2x1 blocks = 2x1 texels.
        vk.device.cmd_copy_image(
            cb,
            a.image,
            SRC,
            u.image,
            DST,
            &[copy_region((0, 0, 0), (0, 1, 1), 8, 4)],
        );
        vk.layout_barrier(cb, u.image, COLOR, DST, SRC);
        // And back: R32G32_UINT texel (1, 1) -> BC1 block (0, 0) of b (extent 1x1 uncompressed
        // texel = one 4x4 block).
        vk.device.cmd_copy_image(
            cb,
            u.image,
            SRC,
            b.image,
            DST,
            &[copy_region((0, 1, 1), (0, 0, 0), 1, 1)],
        );
        vk.layout_barrier(cb, b.image, COLOR, DST, SRC);
    });
    let block = |d: &[u8], bw: usize, x: usize, y: usize| {
        d[(y * bw + x) * 8..(y * bw + x + 1) * 8].to_vec()
    };
    let got_b0 = image_bytes(&vk, b.image, 0, (10, 6), 4, 8);
    let got_b1 = image_bytes(&vk, b.image, 1, (5, 3), 4, 8);
    let got_u = image_bytes(&vk, u.image, 0, (3, 2), 1, 8);
    // a's level 0 round-trips; b's level 1 equals a's.
    assert_eq!(image_bytes(&vk, a.image, 0, (10, 6), 4, 8), l0);
    assert_eq!(got_b1, l1);
    assert_eq!(block(&got_b0, 3, 1, 0), block(&l0, 3, 1, 0));
    assert_eq!(block(&got_b0, 3, 2, 0), block(&l0, 3, 2, 0));
    assert_eq!(block(&got_b0, 3, 1, 1), block(&l0, 3, 0, 1));
    // R32G32_UINT (3x2 texels of 8 bytes) read back as if BC (same bytes per block).
    assert_eq!(block(&got_u, 3, 1, 1), block(&l0, 3, 0, 0));
    assert_eq!(block(&got_u, 3, 2, 1), block(&l0, 3, 1, 0));
    // ... and texel (1, 1) went back into b's block (0, 0).
    assert_eq!(block(&got_b0, 3, 0, 0), block(&l0, 3, 0, 0));
    for i in [a, b, u] {
        vk.destroy_image(i);
    }
    vk.destroy_buffer(staging);
    vk.assert_clean();
}

#[test]
fn blits_decode_a_bc_source() {
    let vk = Vk::new();
    let softvk = is_softvk(&vk);
    for format in [vk::Format::BC3_SRGB_BLOCK, vk::Format::BC6H_SFLOAT_BLOCK] {
        let (w, h) = (8u32, 8u32);
        let src = vk.image(&softvk_tests::image_2d(format, w, h));
        let rgba = vk::Format::R32G32B32A32_SFLOAT;
        let dst = vk.image(&softvk_tests::image_2d(rgba, w, h));
        let half = vk.image(&softvk_tests::image_2d(rgba, w / 2, h / 2));
        let mut rng = Rng::new(format.as_raw() as u64);
        let data = blocks(format, 4, &mut rng);
        let staging = vk.buffer(data.len() as u64, BU::TRANSFER_SRC);
        staging.bytes().copy_from_slice(&data);
        let readback = vk.buffer((w * h * 16) as u64, BU::TRANSFER_DST);
        let readhalf = vk.buffer((w * h * 4) as u64, BU::TRANSFER_DST);
        let blit = |sw: u32, dw: u32| vk::ImageBlit {
            src_subresource: layers(0, 0, 1),
            src_offsets: [
                vk::Offset3D::default(),
                vk::Offset3D {
                    x: sw as i32,
                    y: sw as i32,
                    z: 1,
                },
            ],
            dst_subresource: layers(0, 0, 1),
            dst_offsets: [
                vk::Offset3D::default(),
                vk::Offset3D {
                    x: dw as i32,
                    y: dw as i32,
                    z: 1,
                },
            ],
        };
        vk.run(|cb| unsafe {
            for i in [&src, &dst, &half] {
                vk.layout_barrier(cb, i.image, COLOR, vk::ImageLayout::UNDEFINED, DST);
            }
            vk.device.cmd_copy_buffer_to_image(
                cb,
                staging.buffer,
                src.image,
                DST,
                &[vk::BufferImageCopy {
                    buffer_offset: 0,
                    buffer_row_length: 0,
                    buffer_image_height: 0,
                    image_subresource: layers(0, 0, 1),
                    image_offset: vk::Offset3D::default(),
                    image_extent: vk::Extent3D {
                        width: w,
                        height: h,
                        depth: 1,
                    },
                }],
            );
            vk.layout_barrier(cb, src.image, COLOR, DST, SRC);
            vk.device.cmd_blit_image(
                cb,
                src.image,
                SRC,
                dst.image,
                DST,
                &[blit(w, w)],
                vk::Filter::NEAREST,
            );
            vk.device.cmd_blit_image(
                cb,
                src.image,
                SRC,
                half.image,
                DST,
                &[blit(w, w / 2)],
                vk::Filter::LINEAR,
            );
            vk.layout_barrier(cb, dst.image, COLOR, DST, SRC);
            vk.layout_barrier(cb, half.image, COLOR, DST, SRC);
            for (i, b, s) in [(&dst, &readback, w), (&half, &readhalf, w / 2)] {
                vk.device.cmd_copy_image_to_buffer(
                    cb,
                    i.image,
                    SRC,
                    b.buffer,
                    &[vk::BufferImageCopy {
                        buffer_offset: 0,
                        buffer_row_length: 0,
                        buffer_image_height: 0,
                        image_subresource: layers(0, 0, 1),
                        image_offset: vk::Offset3D::default(),
                        image_extent: vk::Extent3D {
                            width: s,
                            height: s,
                            depth: 1,
                        },
                    }],
                );
            }
        });
        let f32s = |b: &softvk_tests::Buf| -> Vec<f32> {
            b.bytes()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect()
        };
        let (same, halved) = (f32s(&readback), f32s(&readhalf));
        let tol = if softvk { 0.0 } else { 1.0 / 128.0 };
        for y in 0..h {
            for x in 0..w {
                let want = cpu_texel(format, &data, w / 4, x, y);
                let g = &same[((y * w + x) * 4) as usize..][..4];
                for c in 0..4 {
                    assert!(
                        near(g[c], want[c], tol),
                        "{format:?} NEAREST blit ({x}, {y}): {g:?} vs decoder {want:?}"
                    );
                }
            }
        }
        // A 2:1 LINEAR blit samples at the centre of each 2x2 footprint: their average.
        for y in 0..h / 2 {
            for x in 0..w / 2 {
                let want: [f64; 4] = std::array::from_fn(|c| {
                    (0..4)
                        .map(|k| {
                            cpu_texel(format, &data, w / 4, 2 * x + k % 2, 2 * y + k / 2)[c] as f64
                        })
                        .sum::<f64>()
                        / 4.0
                });
                let g = &halved[((y * w / 2 + x) * 4) as usize..][..4];
                for c in 0..4 {
                    assert!(
                        near(g[c], want[c] as f32, 1e-5f32.max(tol)) || want[c].is_infinite(),
                        "{format:?} LINEAR blit ({x}, {y}): {g:?} vs {want:?}"
                    );
                }
            }
        }
        for i in [src, dst, half] {
            vk.destroy_image(i);
        }
        for b in [staging, readback, readhalf] {
            vk.destroy_buffer(b);
        }
    }
    vk.assert_clean();
}

#[test]
fn an_uncompressed_view_of_a_bc_image_reads_blocks_as_texels() {
    // BLOCK_TEXEL_VIEW_COMPATIBLE: an R32G32B32A32_UINT view of a 13x10 BC7 image is 4x3
    // texels, each one block's 16 bytes.
    let vk = Vk::new();
    let (w, h) = (13u32, 10u32);
    let img = vk.image(
        &softvk_tests::image_2d(vk::Format::BC7_UNORM_BLOCK, w, h)
            .usage(IU::SAMPLED | IU::TRANSFER_DST)
            .flags(
                vk::ImageCreateFlags::MUTABLE_FORMAT
                    | vk::ImageCreateFlags::BLOCK_TEXEL_VIEW_COMPATIBLE,
            ),
    );
    let mut rng = Rng::new(99);
    let data = blocks(vk::Format::BC7_UNORM_BLOCK, 12, &mut rng);
    let staging = vk.buffer(data.len() as u64, BU::TRANSFER_SRC);
    staging.bytes().copy_from_slice(&data);
    let sets: &[(u32, DT)] = &[
        (0, DT::SAMPLED_IMAGE),
        (1, DT::SAMPLER),
        (2, DT::STORAGE_BUFFER),
        (3, DT::STORAGE_BUFFER),
    ];
    let p = pipe(&vk, "sample_fetch_u", &[sets], 0, None);
    let view = unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(img.image)
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(vk::Format::R32G32B32A32_UINT)
                .subresource_range(vk::ImageSubresourceRange {
                    aspect_mask: COLOR,
                    base_mip_level: 0,
                    level_count: 1,
                    base_array_layer: 0,
                    layer_count: 1,
                }),
            None,
        )
    }
    .unwrap();
    let sampler = unsafe {
        vk.device
            .create_sampler(&vk::SamplerCreateInfo::default(), None)
    }
    .unwrap();
    let coords = vk.buffer(16 * 8, BU::STORAGE_BUFFER);
    let out = vk.buffer(16 + 16 * 8 + 16 * 12, BU::STORAGE_BUFFER);
    let iinfo = [vk::DescriptorImageInfo {
        sampler: vk::Sampler::null(),
        image_view: view,
        image_layout: RO,
    }];
    let sinfo = [vk::DescriptorImageInfo {
        sampler,
        ..Default::default()
    }];
    unsafe {
        vk.device.update_descriptor_sets(
            &[
                vk::WriteDescriptorSet::default()
                    .dst_set(p.sets[0])
                    .dst_binding(0)
                    .descriptor_type(DT::SAMPLED_IMAGE)
                    .image_info(&iinfo),
                vk::WriteDescriptorSet::default()
                    .dst_set(p.sets[0])
                    .dst_binding(1)
                    .descriptor_type(DT::SAMPLER)
                    .image_info(&sinfo),
            ],
            &[],
        )
    };
    write_buffer(
        &vk,
        p.sets[0],
        2,
        DT::STORAGE_BUFFER,
        &coords,
        0,
        vk::WHOLE_SIZE,
    );
    write_buffer(
        &vk,
        p.sets[0],
        3,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    vk.run(|cb| unsafe {
        vk.layout_barrier(cb, img.image, COLOR, vk::ImageLayout::UNDEFINED, DST);
        vk.device.cmd_copy_buffer_to_image(
            cb,
            staging.buffer,
            img.image,
            DST,
            &[vk::BufferImageCopy {
                buffer_offset: 0,
                buffer_row_length: 0,
                buffer_image_height: 0,
                image_subresource: layers(0, 0, 1),
                image_offset: vk::Offset3D::default(),
                image_extent: vk::Extent3D {
                    width: w,
                    height: h,
                    depth: 1,
                },
            }],
        );
        vk.layout_barrier(cb, img.image, COLOR, DST, RO);
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, 1, 1, 1);
    });
    let o = out.bytes();
    let size: Vec<i32> = o[..8]
        .chunks_exact(4)
        .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(size, [4, 3], "the view is ceil(13/4) x ceil(10/4) texels");
    assert_eq!(
        &o[16 + 128..16 + 128 + 192],
        &data[..],
        "each texel is one block"
    );
    unsafe {
        vk.device.destroy_image_view(view, None);
        vk.device.destroy_sampler(sampler, None);
    }
    p.destroy(&vk);
    vk.destroy_image(img);
    for b in [staging, coords, out] {
        vk.destroy_buffer(b);
    }
    vk.assert_clean();
}
