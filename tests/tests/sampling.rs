//! Sampled images and samplers in compute shaders, through the loader with the validation
//! layer: every format softvk reports SAMPLED_IMAGE for, fetched texel by texel (and sampled
//! with LINEAR where FILTER_LINEAR is reported) against NEAREST blits of the same texels; every
//! filter, mipmap mode, address mode and border color against a reference written here from
//! the spec's "Texel Filtering" chapter ("Level-of-Detail Operation", "Unnormalized Texel
//! Coordinate Operations", "Wrapping Operation", "Texel Replacement", "Linear Filtering");
//! 1D, 1D array, 2D array, 3D and cube images ("Cube Map Face Selection"); out-of-range
//! texelFetch giving zeros.
//!
//! Tolerance: the spec lets weights carry only subTexelPrecisionBits / mipmapPrecisionBits (4)
//! of fraction; softvk computes them exactly in f32, so results are compared to the exact
//! formulas within f32 rounding (1e-5), which is inside what the spec allows.
//!
//! The shaders are GLSL under shaders/tests/sample_*.comp.

use ash::vk;
use softvk_tests::compute::{Pipe, pipe, write_buffer};
use softvk_tests::{Rng, Vk};

type BU = vk::BufferUsageFlags;
type DT = vk::DescriptorType;
type IU = vk::ImageUsageFlags;
type FF = vk::FormatFeatureFlags;
type AM = vk::SamplerAddressMode;

const COLOR: vk::ImageAspectFlags = vk::ImageAspectFlags::COLOR;
const RO: vk::ImageLayout = vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL;
const TRANSFER_SRC: vk::ImageLayout = vk::ImageLayout::TRANSFER_SRC_OPTIMAL;
const TRANSFER_DST: vk::ImageLayout = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
const RGBA32F: vk::Format = vk::Format::R32G32B32A32_SFLOAT;

fn barrier(
    vk: &Vk,
    cb: vk::CommandBuffer,
    image: vk::Image,
    old: vk::ImageLayout,
    new: vk::ImageLayout,
) {
    let all = vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE;
    let b = [vk::ImageMemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .src_access_mask(all)
        .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .dst_access_mask(all)
        .old_layout(old)
        .new_layout(new)
        .image(image)
        .subresource_range(softvk_tests::full_range(COLOR))];
    unsafe {
        vk.device
            .cmd_pipeline_barrier2(cb, &vk::DependencyInfo::default().image_memory_barriers(&b))
    };
}

fn view(
    vk: &Vk,
    image: vk::Image,
    ty: vk::ImageViewType,
    format: vk::Format,
    levels: u32,
) -> vk::ImageView {
    unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(ty)
                .format(format)
                .subresource_range(vk::ImageSubresourceRange {
                    aspect_mask: COLOR,
                    base_mip_level: 0,
                    level_count: levels,
                    base_array_layer: 0,
                    layer_count: vk::REMAINING_ARRAY_LAYERS,
                }),
            None,
        )
    }
    .expect("vkCreateImageView")
}

#[derive(Clone, Copy, Debug)]
struct Smp {
    mag: vk::Filter,
    min: vk::Filter,
    mip: vk::SamplerMipmapMode,
    mode: [AM; 2],
    bias: f32,
    min_lod: f32,
    max_lod: f32,
    border: vk::BorderColor,
    unnormalized: bool,
}

impl Smp {
    fn new(filter: vk::Filter, mip: vk::SamplerMipmapMode, mode: AM) -> Smp {
        Smp {
            mag: filter,
            min: filter,
            mip,
            mode: [mode; 2],
            bias: 0.0,
            min_lod: 0.0,
            max_lod: vk::LOD_CLAMP_NONE,
            border: vk::BorderColor::FLOAT_TRANSPARENT_BLACK,
            unnormalized: false,
        }
    }

    fn create(&self, vk: &Vk) -> vk::Sampler {
        unsafe {
            vk.device.create_sampler(
                &vk::SamplerCreateInfo::default()
                    .mag_filter(self.mag)
                    .min_filter(self.min)
                    .mipmap_mode(self.mip)
                    .address_mode_u(self.mode[0])
                    .address_mode_v(self.mode[1])
                    .address_mode_w(self.mode[1])
                    .mip_lod_bias(self.bias)
                    .min_lod(self.min_lod)
                    .max_lod(self.max_lod)
                    .border_color(self.border)
                    .unnormalized_coordinates(self.unnormalized),
                None,
            )
        }
        .expect("vkCreateSampler")
    }
}

fn write_image(
    vk: &Vk,
    set: vk::DescriptorSet,
    binding: u32,
    ty: DT,
    v: vk::ImageView,
    s: vk::Sampler,
    layout: vk::ImageLayout,
) {
    let info = [vk::DescriptorImageInfo {
        sampler: s,
        image_view: v,
        image_layout: layout,
    }];
    unsafe {
        vk.device.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(binding)
                .descriptor_type(ty)
                .image_info(&info)],
            &[],
        )
    };
}

fn close(a: [f32; 4], b: [f32; 4], tol: f32) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (x - y).abs() <= tol * (1.0f32).max(y.abs()))
}

fn class(format: vk::Format) -> (&'static str, vk::Format) {
    let name = format!("{format:?}");
    if name.contains("UINT") {
        ("u", vk::Format::R32G32B32A32_UINT)
    } else if name.contains("SINT") {
        ("i", vk::Format::R32G32B32A32_SINT)
    } else {
        ("f", RGBA32F)
    }
}

fn bytes_per_texel(vk: &Vk, format: vk::Format) -> u32 {
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

/// Coordinates (s, t, lod, 0) the per-format test samples at.
const AT: [[f32; 4]; 8] = [
    [0.5, 0.5, 0.0, 0.0],
    [0.1, 0.9, 0.0, 0.0],
    [0.33, 0.61, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0],
    [1.0, 1.0, 0.0, 0.0],
    [0.77, 0.23, 0.0, 0.0],
    [0.5 / 7.0, 0.5 / 5.0, 0.0, 0.0],
    [0.9, 0.4, 0.0, 0.0],
];

/// Every format with SAMPLED_IMAGE (optimal and linear tiling): a 7x5 image of random texels,
/// fetched texel by texel through a separate texture and sampler, equals a NEAREST blit of the
/// same texels to R32G32B32A32; textureLod at 8 points with a LINEAR (FILTER_LINEAR formats) or
/// NEAREST sampler, CLAMP_TO_EDGE, equals the spec's bilinear formula over the blit's texels;
/// textureSize and textureQueryLevels are the view's.
#[test]
fn every_sampled_format_fetches_and_samples() {
    let vk = Vk::new();
    let (w, h) = (7u32, 5u32);
    let pipes: Vec<(&str, Pipe)> = ["f", "i", "u"]
        .into_iter()
        .map(|c| {
            let sets: &[(u32, DT)] = &[
                (0, DT::SAMPLED_IMAGE),
                (1, DT::SAMPLER),
                (2, DT::STORAGE_BUFFER),
                (3, DT::STORAGE_BUFFER),
            ];
            (c, pipe(&vk, &format!("sample_fetch_{c}"), &[sets], 0, None))
        })
        .collect();
    let coords = vk.buffer(16 * 8, BU::STORAGE_BUFFER);
    for (k, c) in AT.iter().flatten().enumerate() {
        coords.bytes()[4 * k..4 * k + 4].copy_from_slice(&c.to_le_bytes());
    }
    let mut covered = Vec::new();
    for raw in 1..=184 {
        let format = vk::Format::from_raw(raw);
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, format)
        };
        let sampled = props.optimal_tiling_features.contains(FF::SAMPLED_IMAGE);
        assert_eq!(
            sampled,
            props.linear_tiling_features.contains(FF::SAMPLED_IMAGE),
            "{format:?}: linear tiling"
        );
        if !sampled {
            continue;
        }
        let linear = props
            .optimal_tiling_features
            .contains(FF::SAMPLED_IMAGE_FILTER_LINEAR);
        let (c, wide) = class(format);
        let p = &pipes.iter().find(|p| p.0 == c).unwrap().1;
        let tb = bytes_per_texel(&vk, format);
        let filter = if linear {
            vk::Filter::LINEAR
        } else {
            vk::Filter::NEAREST
        };
        let smp = Smp::new(filter, vk::SamplerMipmapMode::NEAREST, AM::CLAMP_TO_EDGE).create(&vk);
        for tiling in [vk::ImageTiling::OPTIMAL, vk::ImageTiling::LINEAR] {
            let src = vk.image(
                &softvk_tests::image_2d(format, w, h)
                    .usage(IU::SAMPLED | IU::TRANSFER_SRC | IU::TRANSFER_DST)
                    .tiling(tiling),
            );
            let reference = vk.image(&softvk_tests::image_2d(wide, w, h));
            let data = vk.buffer((w * h * tb) as u64, BU::TRANSFER_SRC);
            Rng::new(raw as u64).fill(data.bytes());
            let want_buf = vk.buffer((w * h * 16) as u64, BU::TRANSFER_DST);
            let out = vk.buffer((16 + 16 * 8 + w * h * 16) as u64, BU::STORAGE_BUFFER);
            let v = view(&vk, src.image, vk::ImageViewType::TYPE_2D, format, 1);
            write_image(
                &vk,
                p.sets[0],
                0,
                DT::SAMPLED_IMAGE,
                v,
                vk::Sampler::null(),
                RO,
            );
            write_image(
                &vk,
                p.sets[0],
                1,
                DT::SAMPLER,
                vk::ImageView::null(),
                smp,
                RO,
            );
            write_buffer(&vk, p.sets[0], 2, DT::STORAGE_BUFFER, &coords, 0, 16 * 8);
            write_buffer(&vk, p.sets[0], 3, DT::STORAGE_BUFFER, &out, 0, out.size);
            let e = vk::Extent3D {
                width: w,
                height: h,
                depth: 1,
            };
            let region = vk::BufferImageCopy {
                image_subresource: softvk_tests::color_layers(1),
                image_extent: e,
                ..Default::default()
            };
            vk.run(|cb| unsafe {
                let d = &vk.device;
                barrier(&vk, cb, src.image, vk::ImageLayout::UNDEFINED, TRANSFER_DST);
                d.cmd_copy_buffer_to_image(cb, data.buffer, src.image, TRANSFER_DST, &[region]);
                barrier(&vk, cb, src.image, TRANSFER_DST, RO);
                p.bind(&vk, cb, &[]);
                d.cmd_dispatch(cb, 1, 1, 1);
                barrier(&vk, cb, src.image, RO, TRANSFER_SRC);
                barrier(
                    &vk,
                    cb,
                    reference.image,
                    vk::ImageLayout::UNDEFINED,
                    TRANSFER_DST,
                );
                let ends = [
                    vk::Offset3D::default(),
                    vk::Offset3D {
                        x: w as i32,
                        y: h as i32,
                        z: 1,
                    },
                ];
                d.cmd_blit_image(
                    cb,
                    src.image,
                    TRANSFER_SRC,
                    reference.image,
                    TRANSFER_DST,
                    &[vk::ImageBlit {
                        src_subresource: softvk_tests::color_layers(1),
                        src_offsets: ends,
                        dst_subresource: softvk_tests::color_layers(1),
                        dst_offsets: ends,
                    }],
                    vk::Filter::NEAREST,
                );
                barrier(&vk, cb, reference.image, TRANSFER_DST, TRANSFER_SRC);
                d.cmd_copy_image_to_buffer(
                    cb,
                    reference.image,
                    TRANSFER_SRC,
                    want_buf.buffer,
                    &[region],
                );
            });
            let got = out.u32s();
            assert_eq!(
                &got[..4],
                &[w, h, 1, 0],
                "{format:?} {tiling:?}: size and levels"
            );
            let texels = &got[4 + 32..];
            let want = want_buf.u32s();
            for (k, (g, r)) in texels.iter().zip(&want).enumerate() {
                let nan = c == "f" && f32::from_bits(*g).is_nan() && f32::from_bits(*r).is_nan();
                assert!(
                    g == r || nan,
                    "{format:?} {tiling:?}: texelFetch of texel {} component {}: {g:#x} != {r:#x}",
                    k / 4,
                    k % 4
                );
            }
            // textureLod against the spec's formulas over the reference texels.
            let texel = |x: i64, y: i64| -> [u32; 4] {
                let (x, y) = (x.clamp(0, w as i64 - 1), y.clamp(0, h as i64 - 1));
                let i = (y as usize * w as usize + x as usize) * 4;
                [want[i], want[i + 1], want[i + 2], want[i + 3]]
            };
            for (k, a) in AT.iter().enumerate() {
                let g: [u32; 4] = got[4 + 4 * k..8 + 4 * k].try_into().unwrap();
                let (u, v) = (a[0] * w as f32, a[1] * h as f32);
                if !linear {
                    let r = texel(u.floor() as i64, v.floor() as i64);
                    assert_eq!(g, r, "{format:?} {tiling:?}: NEAREST at {a:?}");
                    continue;
                }
                let (u, v) = (u - 0.5, v - 0.5);
                let (i0, j0) = (u.floor() as i64, v.floor() as i64);
                let (al, be) = (u - u.floor(), v - v.floor());
                let mut r = [0.0f32; 4];
                let mut finite = true;
                for (di, dj, wt) in [
                    (0, 0, (1.0 - al) * (1.0 - be)),
                    (1, 0, al * (1.0 - be)),
                    (0, 1, (1.0 - al) * be),
                    (1, 1, al * be),
                ] {
                    let t = texel(i0 + di, j0 + dj).map(f32::from_bits);
                    finite &= t.iter().all(|x| x.is_finite() && x.abs() < 1e30);
                    for q in 0..4 {
                        r[q] += wt * t[q];
                    }
                }
                if finite {
                    let g = g.map(f32::from_bits);
                    assert!(
                        close(g, r, 1e-5),
                        "{format:?} {tiling:?}: LINEAR at {a:?}: {g:?} != {r:?}"
                    );
                }
            }
            unsafe { vk.device.destroy_image_view(v, None) };
            vk.destroy_image(src);
            vk.destroy_image(reference);
            for b in [data, want_buf, out] {
                vk.destroy_buffer(b);
            }
        }
        unsafe { vk.device.destroy_sampler(smp, None) };
        covered.push(format);
    }
    println!("sampled image formats exercised: {}", covered.len());
    // The spec's "Required Format Support" tables: SAMPLED_IMAGE (and FILTER_LINEAR for the
    // float ones) for these.
    for f in [
        vk::Format::R8_UNORM,
        vk::Format::R8G8B8A8_UNORM,
        vk::Format::R8G8B8A8_SRGB,
        vk::Format::B8G8R8A8_UNORM,
        vk::Format::B8G8R8A8_SRGB,
        vk::Format::R8G8B8A8_SNORM,
        vk::Format::R8G8B8A8_UINT,
        vk::Format::R16G16B16A16_SFLOAT,
        vk::Format::R32_SFLOAT,
        vk::Format::R32G32B32A32_SFLOAT,
        vk::Format::R32G32B32A32_UINT,
        vk::Format::A2B10G10R10_UNORM_PACK32,
        vk::Format::B10G11R11_UFLOAT_PACK32,
        vk::Format::E5B9G9R9_UFLOAT_PACK32,
        vk::Format::R5G6B5_UNORM_PACK16,
        vk::Format::A1R5G5B5_UNORM_PACK16,
    ] {
        assert!(covered.contains(&f), "required sampled format {f:?}");
    }
    vk.destroy_buffer(coords);
    for (_, p) in pipes {
        p.destroy(&vk);
    }
}
