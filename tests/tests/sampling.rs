//! Sampled images and samplers in compute shaders, through the loader with the validation
//! layer: every format softvk reports SAMPLED_IMAGE for, fetched texel by texel (and sampled
//! with LINEAR where FILTER_LINEAR is reported) against NEAREST blits of the same texels; every
//! filter, mipmap mode, address mode and border color against a reference written here from
//! the spec's "Texel Filtering" chapter ("Level-of-Detail Operation", "Unnormalized Texel
//! Coordinate Operations", "Wrapping Operation", "Texel Replacement", "Linear Filtering");
//! 1D, 1D array, 2D array, 3D and cube images ("Cube Map Face Selection"); out-of-range
//! texelFetch giving zeros.
//!
//! Tolerance: the spec lets weights carry only subTexelPrecisionBits / mipmapPrecisionBits of
//! fraction. softvk filters 8-bit UNORM views with weights in 1/256 steps (subTexelPrecisionBits
//! 8, `runtime::sampling::fixed_point`) and every other format with exact f32 weights: the
//! per-format check allows the weight steps the device reports; the filter/address-mode
//! checks below (float formats) compare with the exact formulas within f32 rounding (1e-5).
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
const GENERAL: vk::ImageLayout = vk::ImageLayout::GENERAL;
const RGBA32F: vk::Format = vk::Format::R32G32B32A32_SFLOAT;

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
    /// compareEnable / compareOp; with `dref`, the reference [`filter_level`] compares with.
    cmp: Option<vk::CompareOp>,
    dref: f32,
    /// VkSamplerReductionModeCreateInfo (chained unless WEIGHTED_AVERAGE).
    reduction: vk::SamplerReductionMode,
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
            cmp: None,
            dref: 0.0,
            reduction: vk::SamplerReductionMode::WEIGHTED_AVERAGE,
        }
    }

    fn create(&self, vk: &Vk) -> vk::Sampler {
        let mut reduction =
            vk::SamplerReductionModeCreateInfo::default().reduction_mode(self.reduction);
        let mut info = vk::SamplerCreateInfo::default();
        if self.reduction != vk::SamplerReductionMode::WEIGHTED_AVERAGE {
            info = info.push_next(&mut reduction);
        }
        unsafe {
            vk.device.create_sampler(
                &info
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
                    .unnormalized_coordinates(self.unnormalized)
                    .compare_enable(self.cmp.is_some())
                    .compare_op(self.cmp.unwrap_or(vk::CompareOp::NEVER)),
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

/// subTexelPrecisionBits: LINEAR weights are multiples of 2^-bits (spec "Texel Filtering").
fn sub_texel_bits(vk: &Vk) -> u32 {
    unsafe { vk.instance.get_physical_device_properties(vk.physical) }
        .limits
        .sub_texel_precision_bits
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
    let weight_step = 2f32.powi(-(sub_texel_bits(&vk) as i32));
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
        // Depth/stencil formats: depth_and_stencil_aspects_fetch_and_sample.
        let depth_stencil = (124..=130).contains(&raw);
        // BC1..BC7 (optimal tiling only): tests/tests/bc.rs.
        let compressed = (131..=146).contains(&raw);
        let sampled = props.optimal_tiling_features.contains(FF::SAMPLED_IMAGE)
            && !depth_stencil
            && !compressed;
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
        // NEAREST samplers clamp to an opaque white border (the integer one for integer
        // formats), so (1, 1) reads the border.
        let smp = if linear {
            Smp::new(filter, vk::SamplerMipmapMode::NEAREST, AM::CLAMP_TO_EDGE)
        } else {
            Smp {
                border: if c == "f" {
                    vk::BorderColor::FLOAT_OPAQUE_WHITE
                } else {
                    vk::BorderColor::INT_OPAQUE_WHITE
                },
                ..Smp::new(filter, vk::SamplerMipmapMode::NEAREST, AM::CLAMP_TO_BORDER)
            }
        }
        .create(&vk);
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
                    let (x, y) = (u.floor() as i64, v.floor() as i64);
                    let one = if c == "f" { 1.0f32.to_bits() } else { 1 };
                    let r = if x < w as i64 && y < h as i64 {
                        texel(x, y)
                    } else {
                        [one; 4]
                    };
                    assert_eq!(g, r, "{format:?} {tiling:?}: NEAREST at {a:?}");
                    continue;
                }
                let (u, v) = (u - 0.5, v - 0.5);
                let (i0, j0) = (u.floor() as i64, v.floor() as i64);
                let (al, be) = (u - u.floor(), v - v.floor());
                let mut r = [0.0f32; 4];
                let (mut lo, mut hi) = ([f32::MAX; 4], [f32::MIN; 4]);
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
                        lo[q] = lo[q].min(t[q]);
                        hi[q] = hi[q].max(t[q]);
                    }
                }
                if finite {
                    let g = g.map(f32::from_bits);
                    // Each axis's weight within 2^-subTexelPrecisionBits: the result within
                    // twice that of the texels' spread, plus f32 rounding.
                    let ok = (0..4).all(|q| {
                        let tol = 2.0 * (hi[q] - lo[q]) * weight_step + 1e-5 * r[q].abs().max(1.0);
                        (g[q] - r[q]).abs() <= tol
                    });
                    assert!(ok, "{format:?} {tiling:?}: LINEAR at {a:?}: {g:?} != {r:?}");
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

/// One mip level of an RGBA32F image for the reference: `texels[((layer * d + z) * h + y) * w
/// + x]`.
struct Level {
    size: [u32; 3],
    layers: u32,
    texels: Vec<[f32; 4]>,
}

impl Level {
    fn at(&self, x: i64, y: i64, z: i64, layer: i64) -> Option<[f32; 4]> {
        let [w, h, d] = self.size.map(|v| v as i64);
        let inside = (0..w).contains(&x)
            && (0..h).contains(&y)
            && (0..d).contains(&z)
            && (0..self.layers as i64).contains(&layer);
        inside.then(|| self.texels[(((layer * d + z) * h + y) * w + x) as usize])
    }
}

/// "Wrapping Operation": the wrapped coordinate, or None for a border texel.
fn wrap(i: i64, size: i64, mode: AM) -> Option<i64> {
    let mirror = |a: i64| if a >= 0 { a } else { -(1 + a) };
    match mode {
        AM::REPEAT => Some(i.rem_euclid(size)),
        AM::MIRRORED_REPEAT => Some((size - 1) - mirror(i.rem_euclid(2 * size) - size)),
        AM::CLAMP_TO_EDGE => Some(i.clamp(0, size - 1)),
        AM::CLAMP_TO_BORDER => (0..size).contains(&i).then_some(i),
        AM::MIRROR_CLAMP_TO_EDGE => Some(mirror(i).clamp(0, size - 1)),
        m => panic!("{m:?}"),
    }
}

fn border_color(b: vk::BorderColor) -> [f32; 4] {
    match b {
        vk::BorderColor::FLOAT_OPAQUE_BLACK => [0.0, 0.0, 0.0, 1.0],
        vk::BorderColor::INT_OPAQUE_BLACK => [0.0, 0.0, 0.0, 1.0],
        vk::BorderColor::FLOAT_OPAQUE_WHITE | vk::BorderColor::INT_OPAQUE_WHITE => [1.0; 4],
        _ => [0.0; 4],
    }
}

/// "Depth Compare Operation": 1.0 if `reference op test` holds, else 0.0.
fn compare(op: vk::CompareOp, reference: f32, test: f32) -> f32 {
    use vk::CompareOp as C;
    let pass = match op {
        C::NEVER => false,
        C::LESS => reference < test,
        C::EQUAL => reference == test,
        C::LESS_OR_EQUAL => reference <= test,
        C::GREATER => reference > test,
        C::NOT_EQUAL => reference != test,
        C::GREATER_OR_EQUAL => reference >= test,
        C::ALWAYS => true,
        op => panic!("{op:?}"),
    };
    if pass { 1.0 } else { 0.0 }
}

/// The spec's filtering of one level at (u, v, w) texel-space coordinates over `axes` axes;
/// with `smp.cmp`, each texel (border texels included) is first replaced by its comparison
/// with `smp.dref` ("Depth Compare Operation" comes before filtering).
fn filter_level(
    l: &Level,
    smp: &Smp,
    uvw: [f32; 3],
    axes: usize,
    layer: i64,
    offset: [i64; 3],
    linear: bool,
) -> [f32; 4] {
    let texel_of = |c: [i64; 3]| -> [f32; 4] {
        let mut w = [0i64; 3];
        for k in 0..axes {
            let mode = if smp.unnormalized || k >= 2 {
                smp.mode[k.min(1)]
            } else {
                smp.mode[k]
            };
            match wrap(c[k], l.size[k] as i64, mode) {
                Some(v) => w[k] = v,
                None => return border_color(smp.border),
            }
        }
        l.at(w[0], w[1], w[2], layer)
            .expect("wrapped texels are inside")
    };
    let texel = |c: [i64; 3]| -> [f32; 4] {
        let t = texel_of(c);
        match smp.cmp {
            Some(op) => [compare(op, smp.dref, t[0]), 0.0, 0.0, 1.0],
            None => t,
        }
    };
    if !linear {
        let c: [i64; 3] = std::array::from_fn(|k| {
            if k < axes {
                uvw[k].floor() as i64 + offset[k]
            } else {
                0
            }
        });
        return texel(c);
    }
    let mut sum = [0.0f32; 4];
    let mut picked = None;
    for corner in 0..1 << axes {
        let mut c = [0i64; 3];
        let mut weight = 1.0;
        for k in 0..axes {
            let u = uvw[k] - 0.5;
            let (i0, a) = (u.floor() as i64 + offset[k], u - u.floor());
            if corner >> k & 1 == 1 {
                c[k] = i0 + 1;
                weight *= a;
            } else {
                c[k] = i0;
                weight *= 1.0 - a;
            }
        }
        let t = texel(c);
        if smp.reduction != vk::SamplerReductionMode::WEIGHTED_AVERAGE {
            // MIN / MAX: over the texels with non-zero weights.
            if weight != 0.0 {
                picked = Some(match picked {
                    Some(p) => min_max(smp.reduction, p, t),
                    None => t,
                });
            }
            continue;
        }
        for q in 0..4 {
            sum[q] += weight * t[q];
        }
    }
    picked.unwrap_or(sum)
}

/// Component-wise min (MIN) or max (MAX) of two texels.
fn min_max(mode: vk::SamplerReductionMode, a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
    std::array::from_fn(|q| {
        if mode == vk::SamplerReductionMode::MIN {
            a[q].min(b[q])
        } else {
            a[q].max(b[q])
        }
    })
}

/// The spec's "Level-of-Detail Operation" and mipmap selection, then [`filter_level`].
/// `coord` are normalized (or unnormalized) coordinates per axis.
fn reference(
    levels: &[Level],
    smp: &Smp,
    coord: [f32; 3],
    axes: usize,
    layer: i64,
    lambda_base: f32,
    offset: [i64; 3],
) -> [f32; 4] {
    let at = |l: &Level, linear: bool| {
        let uvw: [f32; 3] = std::array::from_fn(|k| {
            if smp.unnormalized {
                coord[k]
            } else {
                coord[k] * l.size[k] as f32
            }
        });
        filter_level(l, smp, uvw, axes, layer, offset, linear)
    };
    if smp.unnormalized {
        return at(&levels[0], smp.mag == vk::Filter::LINEAR);
    }
    let lambda = (lambda_base + smp.bias.clamp(-2.0, 2.0))
        .max(smp.min_lod)
        .min(smp.max_lod);
    let filter = if lambda <= 0.0 { smp.mag } else { smp.min };
    let linear = filter == vk::Filter::LINEAR;
    let q = (levels.len() - 1) as f32;
    let d = lambda.clamp(0.0, q);
    if lambda <= 0.0 {
        return at(&levels[0], linear);
    }
    if smp.mip == vk::SamplerMipmapMode::NEAREST {
        let n = ((d + 0.5).ceil() - 1.0) as usize;
        return at(&levels[n], linear);
    }
    let hi = d.floor() as usize;
    let lo = (hi + 1).min(levels.len() - 1);
    let delta = d - d.floor();
    let (a, b) = (at(&levels[hi], linear), at(&levels[lo], linear));
    if smp.reduction != vk::SamplerReductionMode::WEIGHTED_AVERAGE {
        // Both levels weigh when delta is not 0.
        return if delta == 0.0 {
            a
        } else {
            min_max(smp.reduction, a, b)
        };
    }
    std::array::from_fn(|k| (1.0 - delta) * a[k] + delta * b[k])
}

/// Uploads `levels` (every layer of each) into `image` and moves it to SHADER_READ_ONLY.
fn upload(vk: &Vk, image: vk::Image, levels: &[Level]) -> softvk_tests::Buf {
    let total: usize = levels.iter().map(|l| l.texels.len() * 16).sum();
    let data = vk.buffer(total as u64, BU::TRANSFER_SRC);
    let mut regions = Vec::new();
    let mut off = 0usize;
    for (m, l) in levels.iter().enumerate() {
        for t in &l.texels {
            for (q, c) in t.iter().enumerate() {
                data.bytes()[off + 4 * q..off + 4 * q + 4].copy_from_slice(&c.to_le_bytes());
            }
            off += 16;
        }
        let start = off - l.texels.len() * 16;
        regions.push(vk::BufferImageCopy {
            buffer_offset: start as u64,
            image_subresource: vk::ImageSubresourceLayers {
                aspect_mask: COLOR,
                mip_level: m as u32,
                base_array_layer: 0,
                layer_count: l.layers,
            },
            image_extent: vk::Extent3D {
                width: l.size[0],
                height: l.size[1],
                depth: l.size[2],
            },
            ..Default::default()
        });
    }
    vk.run(|cb| unsafe {
        barrier(vk, cb, image, vk::ImageLayout::UNDEFINED, TRANSFER_DST);
        vk.device
            .cmd_copy_buffer_to_image(cb, data.buffer, image, TRANSFER_DST, &regions);
        barrier(vk, cb, image, TRANSFER_DST, RO);
    });
    data
}

fn put_vec4s(b: &softvk_tests::Buf, v: &[[f32; 4]]) {
    for (k, c) in v.iter().flatten().enumerate() {
        b.bytes()[4 * k..4 * k + 4].copy_from_slice(&c.to_le_bytes());
    }
}

fn get_vec4s(b: &softvk_tests::Buf, first: usize, n: usize) -> Vec<[f32; 4]> {
    let f: Vec<f32> = b.u32s().into_iter().map(f32::from_bits).collect();
    (0..n)
        .map(|k| f[4 * (first + k)..4 * (first + k) + 4].try_into().unwrap())
        .collect()
}

/// Every filter x mipmap mode x address mode, the three float border colors, lodBias, minLod /
/// maxLod, explicit gradients, texel offsets, projection (textureProjLod) and unnormalized
/// coordinates on a 4x4 RGBA32F image with 3 levels, against [`reference`].
#[test]
fn filters_mipmaps_and_address_modes_follow_the_spec() {
    let vk = Vk::new();
    let mut rng = Rng::new(7);
    let mut unit = || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
    let levels: Vec<Level> = (0..3)
        .map(|m| {
            let s = 4u32 >> m;
            Level {
                size: [s, s, 1],
                layers: 1,
                texels: (0..s * s)
                    .map(|_| [unit(), unit(), unit(), unit()])
                    .collect(),
            }
        })
        .collect();
    let img = vk.image(
        &softvk_tests::image_2d(RGBA32F, 4, 4)
            .mip_levels(3)
            .usage(IU::SAMPLED | IU::TRANSFER_DST),
    );
    let data = upload(&vk, img.image, &levels);
    let all = view(&vk, img.image, vk::ImageViewType::TYPE_2D, RGBA32F, 3);
    let base = view(&vk, img.image, vk::ImageViewType::TYPE_2D, RGBA32F, 1);
    let p = pipe(
        &vk,
        "sample_modes",
        &[&[
            (0, DT::COMBINED_IMAGE_SAMPLER),
            (1, DT::STORAGE_BUFFER),
            (2, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    // (s, t, lod, mode): mode 0 Lod, 1 Grad (d/dx = (lod, 0), d/dy = (0, lod)), 2 Lod + offset
    // (1, -1), 3 ProjLod (the same as 0).
    let mut at = Vec::new();
    for lod in [-0.5, 0.0, 0.3, 0.5, 0.7, 1.0, 1.25, 1.6, 2.5, 6.0] {
        for _ in 0..6 {
            at.push([unit() * 2.6 - 0.8, unit() * 2.6 - 0.8, lod, 0.0]);
        }
    }
    for g in [0.1, 0.25, 0.4, 0.9] {
        at.push([unit(), unit(), g, 1.0]);
    }
    for lod in [0.0, 1.0] {
        for _ in 0..3 {
            at.push([unit(), unit(), lod, 2.0]);
        }
    }
    for lod in [0.0, 0.6, 1.3] {
        for _ in 0..3 {
            at.push([unit() * 2.6 - 0.8, unit() * 2.6 - 0.8, lod, 3.0]);
        }
    }
    let n = at.len();
    let coords = vk.buffer((16 * n) as u64, BU::STORAGE_BUFFER);
    let out = vk.buffer((16 * n) as u64, BU::STORAGE_BUFFER);
    put_vec4s(&coords, &at);
    write_buffer(
        &vk,
        p.sets[0],
        1,
        DT::STORAGE_BUFFER,
        &coords,
        0,
        coords.size,
    );
    write_buffer(&vk, p.sets[0], 2, DT::STORAGE_BUFFER, &out, 0, out.size);
    use vk::Filter as F;
    use vk::SamplerMipmapMode as M;
    let mut samplers = Vec::new();
    for f in [F::NEAREST, F::LINEAR] {
        for m in [M::NEAREST, M::LINEAR] {
            for a in [
                AM::REPEAT,
                AM::MIRRORED_REPEAT,
                AM::CLAMP_TO_EDGE,
                AM::CLAMP_TO_BORDER,
                AM::MIRROR_CLAMP_TO_EDGE,
            ] {
                samplers.push(Smp::new(f, m, a));
            }
        }
    }
    for b in [
        vk::BorderColor::FLOAT_OPAQUE_BLACK,
        vk::BorderColor::FLOAT_OPAQUE_WHITE,
    ] {
        samplers.push(Smp {
            border: b,
            ..Smp::new(F::LINEAR, M::LINEAR, AM::CLAMP_TO_BORDER)
        });
    }
    // Different mag and min filters, per-axis modes, bias and LOD clamps.
    samplers.push(Smp {
        mag: F::LINEAR,
        min: F::NEAREST,
        mode: [AM::REPEAT, AM::MIRRORED_REPEAT],
        bias: 0.6,
        ..Smp::new(F::LINEAR, M::LINEAR, AM::REPEAT)
    });
    samplers.push(Smp {
        mag: F::NEAREST,
        min: F::LINEAR,
        bias: -1.3,
        min_lod: 0.4,
        max_lod: 1.2,
        ..Smp::new(F::LINEAR, M::LINEAR, AM::CLAMP_TO_EDGE)
    });
    samplers.push(Smp {
        bias: 2.0,
        max_lod: 1.5,
        ..Smp::new(F::LINEAR, M::NEAREST, AM::MIRRORED_REPEAT)
    });
    for smp in &samplers {
        let s = smp.create(&vk);
        write_image(&vk, p.sets[0], 0, DT::COMBINED_IMAGE_SAMPLER, all, s, RO);
        vk.run(|cb| unsafe {
            p.bind(&vk, cb, &[]);
            vk.device.cmd_dispatch(cb, n as u32, 1, 1);
        });
        let got = get_vec4s(&out, 0, n);
        for (a, g) in at.iter().zip(&got) {
            let (lambda, offset) = match a[3] {
                1.0 => ((a[2] * 4.0).log2(), [0, 0, 0]),
                2.0 => (a[2], [1, -1, 0]),
                _ => (a[2], [0, 0, 0]),
            };
            let r = reference(&levels, smp, [a[0], a[1], 0.0], 2, 0, lambda, offset);
            assert!(close(*g, r, 1e-5), "{smp:?} at {a:?}: {g:?} != {r:?}");
        }
        unsafe { vk.device.destroy_sampler(s, None) };
    }
    // Unnormalized coordinates (one level, CLAMP_TO_EDGE / CLAMP_TO_BORDER, lod 0, no offsets).
    let texel_at: Vec<[f32; 4]> = at
        .iter()
        .filter(|a| a[3] == 0.0)
        .map(|a| [a[0] * 4.0, a[1] * 4.0, 0.0, 0.0])
        .collect();
    put_vec4s(&coords, &texel_at);
    let m = texel_at.len();
    let un = pipe(
        &vk,
        "sample_unnorm",
        &[&[
            (0, DT::COMBINED_IMAGE_SAMPLER),
            (1, DT::STORAGE_BUFFER),
            (2, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    write_buffer(
        &vk,
        un.sets[0],
        1,
        DT::STORAGE_BUFFER,
        &coords,
        0,
        coords.size,
    );
    write_buffer(&vk, un.sets[0], 2, DT::STORAGE_BUFFER, &out, 0, out.size);
    for (f, a) in [
        (F::NEAREST, AM::CLAMP_TO_EDGE),
        (F::LINEAR, AM::CLAMP_TO_BORDER),
        (F::LINEAR, AM::CLAMP_TO_EDGE),
    ] {
        let smp = Smp {
            unnormalized: true,
            max_lod: 0.0,
            border: vk::BorderColor::FLOAT_OPAQUE_WHITE,
            ..Smp::new(f, M::NEAREST, a)
        };
        let s = smp.create(&vk);
        write_image(&vk, un.sets[0], 0, DT::COMBINED_IMAGE_SAMPLER, base, s, RO);
        vk.run(|cb| unsafe {
            un.bind(&vk, cb, &[]);
            vk.device.cmd_dispatch(cb, m as u32, 1, 1);
        });
        let got = get_vec4s(&out, 0, m);
        for (a, g) in texel_at.iter().zip(&got) {
            let r = reference(&levels[..1], &smp, [a[0], a[1], 0.0], 2, 0, 0.0, [0; 3]);
            assert!(close(*g, r, 1e-5), "{smp:?} at {a:?}: {g:?} != {r:?}");
        }
        unsafe { vk.device.destroy_sampler(s, None) };
    }
    // A view with a component mapping: the swizzle applies to the filtered texels.
    let swizzled = unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(img.image)
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(RGBA32F)
                .components(vk::ComponentMapping {
                    r: vk::ComponentSwizzle::B,
                    g: vk::ComponentSwizzle::ONE,
                    b: vk::ComponentSwizzle::ZERO,
                    a: vk::ComponentSwizzle::R,
                })
                .subresource_range(softvk_tests::full_range(COLOR)),
            None,
        )
    }
    .expect("vkCreateImageView");
    put_vec4s(&coords, &at);
    let smp = Smp::new(F::LINEAR, M::LINEAR, AM::REPEAT);
    let s = smp.create(&vk);
    write_image(
        &vk,
        p.sets[0],
        0,
        DT::COMBINED_IMAGE_SAMPLER,
        swizzled,
        s,
        RO,
    );
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, n as u32, 1, 1);
    });
    for (a, g) in at.iter().zip(get_vec4s(&out, 0, n)) {
        let (lambda, offset) = match a[3] {
            1.0 => ((a[2] * 4.0).log2(), [0, 0, 0]),
            2.0 => (a[2], [1, -1, 0]),
            _ => (a[2], [0, 0, 0]),
        };
        let r = reference(&levels, &smp, [a[0], a[1], 0.0], 2, 0, lambda, offset);
        let r = [r[2], 1.0, 0.0, r[0]];
        assert!(close(g, r, 1e-5), "swizzled view at {a:?}: {g:?} != {r:?}");
    }
    unsafe {
        vk.device.destroy_sampler(s, None);
        vk.device.destroy_image_view(swizzled, None);
    }
    println!("{} samplers x {n} coordinates checked", samplers.len());
    unsafe {
        vk.device.destroy_image_view(all, None);
        vk.device.destroy_image_view(base, None);
    }
    vk.destroy_image(img);
    for b in [data, coords, out] {
        vk.destroy_buffer(b);
    }
    p.destroy(&vk);
    un.destroy(&vk);
}

/// "Cube Map Face Selection": the face and (s, t) of direction `r` (the spec's table).
fn cube_face(r: [f32; 3]) -> (i64, f32, f32) {
    let [x, y, z] = r;
    let (face, sc, tc, ma) = if z.abs() >= x.abs() && z.abs() >= y.abs() {
        if z >= 0.0 {
            (4, x, -y, z.abs())
        } else {
            (5, -x, -y, z.abs())
        }
    } else if y.abs() >= x.abs() {
        if y >= 0.0 {
            (2, x, z, y.abs())
        } else {
            (3, x, -z, y.abs())
        }
    } else if x >= 0.0 {
        (0, -z, -y, x.abs())
    } else {
        (1, z, -y, x.abs())
    };
    (face, 0.5 * (sc / ma + 1.0), 0.5 * (tc / ma + 1.0))
}

/// An image of `levels` levels whose texel (x, y, z, layer) of level m holds
/// (x, y, z, layer + 10 m), uploaded; with its reference levels.
fn coded(
    vk: &Vk,
    ty: vk::ImageType,
    size: [u32; 3],
    levels: u32,
    layers: u32,
    flags: vk::ImageCreateFlags,
) -> (softvk_tests::Img, Vec<Level>, softvk_tests::Buf) {
    let lv: Vec<Level> = (0..levels)
        .map(|m| {
            let s = size.map(|v| (v >> m).max(1));
            let mut texels = Vec::new();
            for l in 0..layers {
                for z in 0..s[2] {
                    for y in 0..s[1] {
                        for x in 0..s[0] {
                            texels.push([x as f32, y as f32, z as f32, (l + 10 * m) as f32]);
                        }
                    }
                }
            }
            Level {
                size: s,
                layers,
                texels,
            }
        })
        .collect();
    let img = vk.image(
        &softvk_tests::image_2d(RGBA32F, size[0], size[1])
            .image_type(ty)
            .extent(vk::Extent3D {
                width: size[0],
                height: size[1],
                depth: size[2],
            })
            .mip_levels(levels)
            .array_layers(layers)
            .flags(flags)
            .usage(IU::SAMPLED | IU::TRANSFER_DST),
    );
    let data = upload(vk, img.image, &lv);
    (img, lv, data)
}

/// NEAREST sampling (with LOD selection), texelFetch (in and out of range: zeros) and the size
/// and level queries of 1D, 1D array, 2D array, 3D and cube images, against the reference.
#[test]
fn every_image_shape_samples_fetches_and_reports_its_size() {
    let vk = Vk::new();
    type T = vk::ImageType;
    type V = vk::ImageViewType;
    let none = vk::ImageCreateFlags::empty();
    let shapes = [
        (T::TYPE_1D, [8, 1, 1], 2, 1, none, V::TYPE_1D),
        (T::TYPE_1D, [8, 1, 1], 1, 3, none, V::TYPE_1D_ARRAY),
        (T::TYPE_2D, [4, 4, 1], 1, 3, none, V::TYPE_2D_ARRAY),
        (T::TYPE_3D, [4, 4, 4], 2, 1, none, V::TYPE_3D),
        (
            T::TYPE_2D,
            [4, 4, 1],
            1,
            6,
            vk::ImageCreateFlags::CUBE_COMPATIBLE,
            V::CUBE,
        ),
    ];
    let p = pipe(
        &vk,
        "sample_shapes",
        &[&[
            (0, DT::COMBINED_IMAGE_SAMPLER),
            (1, DT::COMBINED_IMAGE_SAMPLER),
            (2, DT::COMBINED_IMAGE_SAMPLER),
            (3, DT::COMBINED_IMAGE_SAMPLER),
            (4, DT::COMBINED_IMAGE_SAMPLER),
            (5, DT::STORAGE_BUFFER),
            (6, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    let smp = Smp::new(
        vk::Filter::NEAREST,
        vk::SamplerMipmapMode::NEAREST,
        AM::CLAMP_TO_EDGE,
    );
    let sampler = smp.create(&vk);
    let mut made = Vec::new();
    for (b, (ty, size, levels, layers, flags, vt)) in shapes.into_iter().enumerate() {
        let (img, lv, data) = coded(&vk, ty, size, levels, layers, flags);
        let v = view(&vk, img.image, vt, RGBA32F, levels);
        write_image(
            &vk,
            p.sets[0],
            b as u32,
            DT::COMBINED_IMAGE_SAMPLER,
            v,
            sampler,
            RO,
        );
        made.push((img, lv, data, v));
    }
    let mut rng = Rng::new(11);
    let mut unit = || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
    let mut at = Vec::new();
    for k in 0..48 {
        let wide = k % 2 == 1;
        let x = unit() * 1.4 - 0.2;
        let (scale, shift) = if wide { (4.0, 0.5) } else { (1.4, 0.2) };
        let (y, z) = (unit() * scale - shift, unit() * scale - shift);
        let lod = [0.0, 0.4, 0.6, 1.0, 1.7, -1.0][k % 6];
        at.push([x, y, z, lod]);
    }
    let n = at.len();
    let coords = vk.buffer((16 * n) as u64, BU::STORAGE_BUFFER);
    let out = vk.buffer((80 + 16 * 9 * n) as u64, BU::STORAGE_BUFFER);
    put_vec4s(&coords, &at);
    write_buffer(
        &vk,
        p.sets[0],
        5,
        DT::STORAGE_BUFFER,
        &coords,
        0,
        coords.size,
    );
    write_buffer(&vk, p.sets[0], 6, DT::STORAGE_BUFFER, &out, 0, out.size);
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, n as u32, 1, 1);
    });
    let sizes: Vec<u32> = out.u32s()[..20].to_vec();
    assert_eq!(
        sizes,
        [4, 0, 0, 2, 8, 3, 0, 1, 4, 4, 3, 1, 2, 2, 2, 2, 4, 4, 0, 1],
        "textureSize / textureQueryLevels of 1D (lod 1), 1D array, 2D array, 3D (lod 1), cube"
    );
    let got = get_vec4s(&out, 5, 9 * n);
    let lv = |b: usize| &made[b].1;
    let layer = |c: f32, n: i64| (c.round_ties_even() as i64).clamp(0, n - 1);
    let mut outside = 0;
    for (k, c) in at.iter().enumerate() {
        let lod = c[3];
        let f = c.map(|v| (v * 8.0).floor() as i64 - 2);
        let (face, s, t) = cube_face([c[0] * 2.0 - 1.0, c[1] * 2.0 - 1.0, c[2] * 2.0 - 1.0]);
        let zero = [0.0; 4];
        let want = [
            reference(lv(0), &smp, [c[0], 0.0, 0.0], 1, 0, lod, [0; 3]),
            reference(
                lv(1),
                &smp,
                [c[0], 0.0, 0.0],
                1,
                layer(c[1], 3),
                lod,
                [0; 3],
            ),
            reference(
                lv(2),
                &smp,
                [c[0], c[1], 0.0],
                2,
                layer(c[2], 3),
                lod,
                [0; 3],
            ),
            reference(lv(3), &smp, [c[0], c[1], c[2]], 3, 0, lod, [0; 3]),
            reference(lv(4), &smp, [s, t, 0.0], 2, face, lod, [0; 3]),
            lv(0)[0].at(f[0], 0, 0, 0).unwrap_or(zero),
            lv(1)[0].at(f[0], 0, 0, f[1]).unwrap_or(zero),
            lv(2)[0].at(f[0], f[1], 0, f[2]).unwrap_or(zero),
            lv(3)[1].at(f[0], f[1], f[2], 0).unwrap_or(zero),
        ];
        for (q, w) in want.iter().enumerate() {
            let g = got[9 * k + q];
            if q >= 5 && *w == zero {
                outside += 1;
            }
            assert_eq!(
                g, *w,
                "coordinate {c:?}, result {q} (0-4 textureLod of 1D, 1D array, 2D array, 3D, cube; 5-8 texelFetch)"
            );
        }
    }
    assert!(
        outside > 10 && outside < 4 * n,
        "out-of-range fetches: {outside}"
    );
    // LINEAR on the cube: seamless across faces ("Cube Map Edge Handling").
    let linear = Smp::new(
        vk::Filter::LINEAR,
        vk::SamplerMipmapMode::NEAREST,
        AM::REPEAT,
    );
    let ls = linear.create(&vk);
    write_image(
        &vk,
        p.sets[0],
        4,
        DT::COMBINED_IMAGE_SAMPLER,
        made[4].3,
        ls,
        RO,
    );
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, n as u32, 1, 1);
    });
    let got = get_vec4s(&out, 5, 9 * n);
    let mut edges = 0;
    for (k, c) in at.iter().enumerate() {
        let (r, edge) = cube_linear(
            &made[4].1[0],
            [c[0] * 2.0 - 1.0, c[1] * 2.0 - 1.0, c[2] * 2.0 - 1.0],
        );
        edges += edge as usize;
        let g = got[9 * k + 4];
        assert!(close(g, r, 1e-5), "LINEAR cube at {c:?}: {g:?} != {r:?}");
    }
    assert!(edges > 5, "samples across cube edges: {edges}");
    unsafe { vk.device.destroy_sampler(ls, None) };
    unsafe { vk.device.destroy_sampler(sampler, None) };
    for (img, _, data, v) in made {
        unsafe { vk.device.destroy_image_view(v, None) };
        vk.destroy_image(img);
        vk.destroy_buffer(data);
    }
    for b in [coords, out] {
        vk.destroy_buffer(b);
    }
    p.destroy(&vk);
}

/// The direction through the center of texel (i, j) of `face` (n x n): the inverse of the
/// face table of "Cube Map Face Selection".
fn cube_texel_dir(face: i64, i: i64, j: i64, n: i64) -> [f32; 3] {
    let sc = 2.0 * (i as f32 + 0.5) / n as f32 - 1.0;
    let tc = 2.0 * (j as f32 + 0.5) / n as f32 - 1.0;
    match face {
        0 => [1.0, -tc, -sc],
        1 => [-1.0, -tc, sc],
        2 => [sc, 1.0, tc],
        3 => [sc, -1.0, -tc],
        4 => [sc, -tc, 1.0],
        _ => [-sc, -tc, -1.0],
    }
}

/// Texel (i, j) of `face` of a cube level, seamless ("Cube Map Edge Handling"): a texel past
/// one edge is the texel of the adjacent face at the same place, one past a corner the average
/// of the three texels meeting at the corner. Also says whether it came from outside the face.
fn cube_texel(l: &Level, face: i64, i: i64, j: i64) -> ([f32; 4], bool) {
    let n = l.size[0] as i64;
    let inside = |v: i64| (0..n).contains(&v);
    let adjacent = |i: i64, j: i64| {
        let (f, s, t) = cube_face(cube_texel_dir(face, i, j, n));
        let to = |v: f32| ((v * n as f32).floor() as i64).clamp(0, n - 1);
        l.at(to(s), to(t), 0, f).unwrap()
    };
    match (inside(i), inside(j)) {
        (true, true) => (l.at(i, j, 0, face).unwrap(), false),
        (false, false) => {
            let (ci, cj) = (i.clamp(0, n - 1), j.clamp(0, n - 1));
            let three = [
                l.at(ci, cj, 0, face).unwrap(),
                adjacent(i, cj),
                adjacent(ci, j),
            ];
            (
                std::array::from_fn(|q| three.iter().map(|t| t[q] / 3.0).sum()),
                true,
            )
        }
        _ => (adjacent(i, j), true),
    }
}

/// LINEAR sampling of a cube level with seamless edges ([`cube_texel`]). Also says whether any
/// texel came from outside the face.
fn cube_linear(l: &Level, dir: [f32; 3]) -> ([f32; 4], bool) {
    let n = l.size[0] as i64;
    let (face, s, t) = cube_face(dir);
    let mut edge = false;
    let (u, v) = (s * n as f32 - 0.5, t * n as f32 - 0.5);
    let (i0, j0) = (u.floor() as i64, v.floor() as i64);
    let (a, b) = (u - u.floor(), v - v.floor());
    let mut sum = [0.0f32; 4];
    for (di, dj, w) in [
        (0, 0, (1.0 - a) * (1.0 - b)),
        (1, 0, a * (1.0 - b)),
        (0, 1, (1.0 - a) * b),
        (1, 1, a * b),
    ] {
        let (t, e) = cube_texel(l, face, i0 + di, j0 + dj);
        edge |= e;
        for q in 0..4 {
            sum[q] += w * t[q];
        }
    }
    (sum, edge)
}

/// "Texel Gathering" on a cube level: the texels i0j1, i1j1, i1j0, i0j0 of the LINEAR
/// footprint, seamless; and whether any came from outside the face.
fn cube_gather(l: &Level, dir: [f32; 3]) -> ([[f32; 4]; 4], bool) {
    let n = l.size[0] as f32;
    let (face, s, t) = cube_face(dir);
    let (i0, j0) = ((s * n - 0.5).floor() as i64, (t * n - 0.5).floor() as i64);
    let mut edge = false;
    let texels = GATHER_ORDER.map(|(di, dj)| {
        let (t, e) = cube_texel(l, face, i0 + di, j0 + dj);
        edge |= e;
        t
    });
    (texels, edge)
}

/// The spec's order of gathered texels: i0j1, i1j1, i1j0, i0j0.
const GATHER_ORDER: [(i64, i64); 4] = [(0, 1), (1, 1), (1, 0), (0, 0)];

/// "Texel Gathering" on a 2D level (layer `layer`): texel `k` at (i0, j0) of the LINEAR rules
/// plus `offsets[k]`, wrapped, replaced and (with `smp.cmp`) compared like a filtered texel
/// ([`filter_level`] with NEAREST at that texel's center).
fn gather_2d(
    l: &Level,
    smp: &Smp,
    st: [f32; 2],
    layer: i64,
    offsets: [(i64, i64); 4],
) -> [[f32; 4]; 4] {
    let (u, v) = (
        st[0] * l.size[0] as f32 - 0.5,
        st[1] * l.size[1] as f32 - 0.5,
    );
    let center = [u.floor() + 0.5, v.floor() + 0.5, 0.0];
    offsets.map(|(dx, dy)| filter_level(l, smp, center, 2, layer, [dx, dy, 0], false))
}

/// Every depth/stencil format with SAMPLED_IMAGE (optimal tiling): each aspect of a 7x5 image,
/// filled by buffer copies with random values (depth D32 in [0, 1]), viewed alone; texelFetch of
/// every texel and NEAREST textureLod give the value the copy wrote in R (depth as the format's
/// normalized or float value, stencil as an unsigned integer), decoded here from the copy's
/// bytes ("Depth/Stencil" formats of the copy rules).
#[test]
fn depth_and_stencil_aspects_fetch_and_sample() {
    let vk = Vk::new();
    let (w, h) = (7u32, 5u32);
    let sets: &[(u32, DT)] = &[
        (0, DT::SAMPLED_IMAGE),
        (1, DT::SAMPLER),
        (2, DT::STORAGE_BUFFER),
        (3, DT::STORAGE_BUFFER),
    ];
    let pf = pipe(&vk, "sample_fetch_f", &[sets], 0, None);
    let pu = pipe(&vk, "sample_fetch_u", &[sets], 0, None);
    let coords = vk.buffer(16 * 8, BU::STORAGE_BUFFER);
    for (k, c) in AT.iter().flatten().enumerate() {
        coords.bytes()[4 * k..4 * k + 4].copy_from_slice(&c.to_le_bytes());
    }
    let smp = Smp::new(
        vk::Filter::NEAREST,
        vk::SamplerMipmapMode::NEAREST,
        AM::CLAMP_TO_EDGE,
    );
    let sampler = smp.create(&vk);
    let mut covered = Vec::new();
    type A = vk::ImageAspectFlags;
    let formats = [
        (vk::Format::D16_UNORM, A::DEPTH),
        (vk::Format::X8_D24_UNORM_PACK32, A::DEPTH),
        (vk::Format::D32_SFLOAT, A::DEPTH),
        (vk::Format::S8_UINT, A::STENCIL),
        (vk::Format::D16_UNORM_S8_UINT, A::DEPTH | A::STENCIL),
        (vk::Format::D24_UNORM_S8_UINT, A::DEPTH | A::STENCIL),
        (vk::Format::D32_SFLOAT_S8_UINT, A::DEPTH | A::STENCIL),
    ];
    for (format, aspects) in formats {
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, format)
        };
        if !props.optimal_tiling_features.contains(FF::SAMPLED_IMAGE) {
            continue;
        }
        // FILTER_LINEAR on a depth/stencil format is about its depth aspect
        // (depth_compare_follows_the_spec filters it).
        assert_eq!(
            props
                .optimal_tiling_features
                .contains(FF::SAMPLED_IMAGE_FILTER_LINEAR),
            aspects.contains(A::DEPTH),
            "{format:?}"
        );
        let img =
            vk.image(&softvk_tests::image_2d(format, w, h).usage(IU::SAMPLED | IU::TRANSFER_DST));
        for aspect in [A::DEPTH, A::STENCIL] {
            if !aspects.contains(aspect) {
                continue;
            }
            // Bytes per texel in the copy layout, and the value each texel decodes to.
            let name = format!("{format:?}");
            let (bytes, stencil) = if aspect == A::STENCIL {
                (1, true)
            } else if name.starts_with("D16") {
                (2, false)
            } else {
                (4, false)
            };
            let data = vk.buffer((w * h * bytes) as u64, BU::TRANSFER_SRC);
            let mut rng = Rng::new(format.as_raw() as u64 + aspect.as_raw() as u64);
            let mut want = Vec::new();
            for t in 0..(w * h) as usize {
                let r = rng.next_u64();
                let (raw, v): (Vec<u8>, u32) = if stencil {
                    (vec![r as u8], r as u8 as u32)
                } else if bytes == 2 {
                    let x = r as u16;
                    (
                        x.to_le_bytes().to_vec(),
                        ((x as f64 / 65535.0) as f32).to_bits(),
                    )
                } else if name.starts_with("D32") {
                    let x = (r >> 40) as f32 / (1u64 << 24) as f32;
                    (x.to_le_bytes().to_vec(), x.to_bits())
                } else {
                    let x = r as u32 & 0xFF_FFFF;
                    (
                        x.to_le_bytes().to_vec(),
                        ((x as f64 / 16777215.0) as f32).to_bits(),
                    )
                };
                let b = bytes as usize;
                data.bytes()[t * b..t * b + b].copy_from_slice(&raw);
                want.push(v);
            }
            let out = vk.buffer((16 + 16 * 8 + w * h * 16) as u64, BU::STORAGE_BUFFER);
            let p = if stencil { &pu } else { &pf };
            let v = unsafe {
                vk.device.create_image_view(
                    &vk::ImageViewCreateInfo::default()
                        .image(img.image)
                        .view_type(vk::ImageViewType::TYPE_2D)
                        .format(format)
                        .subresource_range(vk::ImageSubresourceRange {
                            aspect_mask: aspect,
                            base_mip_level: 0,
                            level_count: 1,
                            base_array_layer: 0,
                            layer_count: 1,
                        }),
                    None,
                )
            }
            .expect("vkCreateImageView");
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
                sampler,
                RO,
            );
            write_buffer(&vk, p.sets[0], 2, DT::STORAGE_BUFFER, &coords, 0, 16 * 8);
            write_buffer(&vk, p.sets[0], 3, DT::STORAGE_BUFFER, &out, 0, out.size);
            let all = aspects;
            let range = vk::ImageSubresourceRange {
                aspect_mask: all,
                base_mip_level: 0,
                level_count: 1,
                base_array_layer: 0,
                layer_count: 1,
            };
            let layout_barrier = |cb, old, new| unsafe {
                let access = vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE;
                let b = [vk::ImageMemoryBarrier2::default()
                    .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
                    .src_access_mask(access)
                    .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
                    .dst_access_mask(access)
                    .old_layout(old)
                    .new_layout(new)
                    .image(img.image)
                    .subresource_range(range)];
                vk.device.cmd_pipeline_barrier2(
                    cb,
                    &vk::DependencyInfo::default().image_memory_barriers(&b),
                )
            };
            vk.run(|cb| unsafe {
                layout_barrier(cb, vk::ImageLayout::UNDEFINED, TRANSFER_DST);
                vk.device.cmd_copy_buffer_to_image(
                    cb,
                    data.buffer,
                    img.image,
                    TRANSFER_DST,
                    &[vk::BufferImageCopy {
                        image_subresource: vk::ImageSubresourceLayers {
                            aspect_mask: aspect,
                            mip_level: 0,
                            base_array_layer: 0,
                            layer_count: 1,
                        },
                        image_extent: vk::Extent3D {
                            width: w,
                            height: h,
                            depth: 1,
                        },
                        ..Default::default()
                    }],
                );
                layout_barrier(cb, TRANSFER_DST, RO);
                p.bind(&vk, cb, &[]);
                vk.device.cmd_dispatch(cb, 1, 1, 1);
            });
            let got = out.u32s();
            assert_eq!(
                &got[..4],
                &[w, h, 1, 0],
                "{format:?} {aspect:?}: size and levels"
            );
            for (t, want) in want.iter().enumerate() {
                assert_eq!(got[36 + 4 * t], *want, "{format:?} {aspect:?}: texel {t}");
            }
            for (k, a) in AT.iter().enumerate() {
                let x = ((a[0] * w as f32).floor() as usize).min(w as usize - 1);
                let y = ((a[1] * h as f32).floor() as usize).min(h as usize - 1);
                assert_eq!(
                    got[4 + 4 * k],
                    want[y * w as usize + x],
                    "{format:?} {aspect:?}: NEAREST at {a:?}"
                );
            }
            unsafe { vk.device.destroy_image_view(v, None) };
            vk.destroy_buffer(data);
            vk.destroy_buffer(out);
        }
        vk.destroy_image(img);
        covered.push(format);
    }
    // Required Format Support: SAMPLED_IMAGE for D16_UNORM and for X8_D24_UNORM_PACK32 or
    // D32_SFLOAT.
    assert!(covered.contains(&vk::Format::D16_UNORM), "{covered:?}");
    assert!(covered.contains(&vk::Format::D32_SFLOAT), "{covered:?}");
    unsafe { vk.device.destroy_sampler(sampler, None) };
    vk.destroy_buffer(coords);
    pf.destroy(&vk);
    pu.destroy(&vk);
}

/// The depth formats (and the bytes per texel of their depth aspect in a buffer copy), with a
/// value of that format for raw `r`: the bytes the copy writes and the depth they decode to
/// (UNORM: x / (2^n - 1), rounded once; D32: a float in [0, 1)).
const DEPTH_FORMATS: [(vk::Format, u32); 5] = [
    (vk::Format::D16_UNORM, 2),
    (vk::Format::X8_D24_UNORM_PACK32, 4),
    (vk::Format::D32_SFLOAT, 4),
    (vk::Format::D24_UNORM_S8_UINT, 4),
    (vk::Format::D32_SFLOAT_S8_UINT, 4),
];

fn depth_value(format: vk::Format, r: u64) -> (Vec<u8>, f32) {
    let name = format!("{format:?}");
    if name.starts_with("D16") {
        let x = r as u16;
        (x.to_le_bytes().to_vec(), (x as f64 / 65535.0) as f32)
    } else if name.starts_with("D32") {
        let x = (r >> 40) as f32 / (1u64 << 24) as f32;
        (x.to_le_bytes().to_vec(), x)
    } else {
        let x = r as u32 & 0xFF_FFFF;
        (x.to_le_bytes().to_vec(), (x as f64 / 16777215.0) as f32)
    }
}

/// A depth image of `levels` levels and `layers` layers filled with random depths (some levels
/// repeat values so EQUAL finds them), uploaded and moved to SHADER_READ_ONLY; with its
/// reference levels ([d, 0, 0, 1] texels).
fn depth_image(
    vk: &Vk,
    format: vk::Format,
    size: u32,
    levels: u32,
    layers: u32,
    flags: vk::ImageCreateFlags,
    seed: u64,
) -> (softvk_tests::Img, Vec<Level>) {
    let bytes = DEPTH_FORMATS.iter().find(|f| f.0 == format).unwrap().1 as usize;
    let mut rng = Rng::new(seed);
    let mut data = Vec::new();
    let mut regions = Vec::new();
    let aspect = vk::ImageAspectFlags::DEPTH;
    let lv: Vec<Level> = (0..levels)
        .map(|m| {
            let s = (size >> m).max(1);
            let start = data.len();
            let mut texels = Vec::new();
            for _ in 0..s * s * layers {
                let (raw, d) = depth_value(format, rng.next_u64());
                data.extend_from_slice(&raw[..bytes]);
                texels.push([d, 0.0, 0.0, 1.0]);
            }
            regions.push(vk::BufferImageCopy {
                buffer_offset: start as u64,
                image_subresource: vk::ImageSubresourceLayers {
                    aspect_mask: aspect,
                    mip_level: m,
                    base_array_layer: 0,
                    layer_count: layers,
                },
                image_extent: vk::Extent3D {
                    width: s,
                    height: s,
                    depth: 1,
                },
                ..Default::default()
            });
            Level {
                size: [s, s, 1],
                layers,
                texels,
            }
        })
        .collect();
    let img = vk.image(
        &softvk_tests::image_2d(format, size, size)
            .mip_levels(levels)
            .array_layers(layers)
            .flags(flags)
            .usage(IU::SAMPLED | IU::TRANSFER_DST),
    );
    let buf = vk.buffer(data.len() as u64, BU::TRANSFER_SRC);
    buf.bytes()[..data.len()].copy_from_slice(&data);
    let all = format::aspects(format);
    vk.run(|cb| unsafe {
        vk.layout_barrier(cb, img.image, all, vk::ImageLayout::UNDEFINED, TRANSFER_DST);
        vk.device
            .cmd_copy_buffer_to_image(cb, buf.buffer, img.image, TRANSFER_DST, &regions);
        vk.layout_barrier(cb, img.image, all, TRANSFER_DST, RO);
    });
    vk.destroy_buffer(buf);
    (img, lv)
}

mod format {
    use ash::vk;
    /// Every aspect of a depth (or depth/stencil) format.
    pub fn aspects(format: vk::Format) -> vk::ImageAspectFlags {
        if format!("{format:?}").contains("_S8") {
            vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL
        } else {
            vk::ImageAspectFlags::DEPTH
        }
    }
}

/// A view of the depth aspect of `image`.
fn depth_view(
    vk: &Vk,
    image: vk::Image,
    ty: vk::ImageViewType,
    format: vk::Format,
    layers: (u32, u32),
) -> vk::ImageView {
    unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(ty)
                .format(format)
                .subresource_range(vk::ImageSubresourceRange {
                    aspect_mask: vk::ImageAspectFlags::DEPTH,
                    base_mip_level: 0,
                    level_count: vk::REMAINING_MIP_LEVELS,
                    base_array_layer: layers.0,
                    layer_count: layers.1,
                }),
            None,
        )
    }
    .expect("vkCreateImageView")
}

const COMPARE_OPS: [vk::CompareOp; 8] = [
    vk::CompareOp::NEVER,
    vk::CompareOp::LESS,
    vk::CompareOp::EQUAL,
    vk::CompareOp::LESS_OR_EQUAL,
    vk::CompareOp::GREATER,
    vk::CompareOp::NOT_EQUAL,
    vk::CompareOp::GREATER_OR_EQUAL,
    vk::CompareOp::ALWAYS,
];

/// Depth comparison ("Depth Compare Operation"): every depth format reports
/// SAMPLED_IMAGE_DEPTH_COMPARISON and FILTER_LINEAR; for each, every compare op with NEAREST
/// (CLAMP_TO_EDGE), LINEAR + LINEAR mipmaps (CLAMP_TO_BORDER, opaque white and transparent
/// black borders) and LINEAR + NEAREST mipmaps (REPEAT) samplers, textureLod, textureLodOffset,
/// textureProjLod (2D) and textureGrad (2D array) at 48 coordinates with references below,
/// equal to, above and outside [0, 1], against [`reference`] with each texel compared before
/// filtering (the reference clamped to [0, 1] for UNORM formats).
#[test]
fn depth_compare_follows_the_spec() {
    let vk = Vk::new();
    let p = pipe(
        &vk,
        "sample_dref",
        &[&[
            (0, DT::COMBINED_IMAGE_SAMPLER),
            (1, DT::COMBINED_IMAGE_SAMPLER),
            (2, DT::STORAGE_BUFFER),
            (3, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    let n = 48usize;
    let coords = vk.buffer(16 * 64 + 4 * 64, BU::STORAGE_BUFFER);
    let out = vk.buffer((16 * n) as u64, BU::STORAGE_BUFFER);
    write_buffer(
        &vk,
        p.sets[0],
        2,
        DT::STORAGE_BUFFER,
        &coords,
        0,
        coords.size,
    );
    write_buffer(&vk, p.sets[0], 3, DT::STORAGE_BUFFER, &out, 0, out.size);
    use vk::Filter as F;
    use vk::SamplerMipmapMode as M;
    let configs = [
        Smp::new(F::NEAREST, M::NEAREST, AM::CLAMP_TO_EDGE),
        Smp {
            border: vk::BorderColor::FLOAT_OPAQUE_WHITE,
            ..Smp::new(F::LINEAR, M::LINEAR, AM::CLAMP_TO_BORDER)
        },
        Smp::new(F::LINEAR, M::LINEAR, AM::CLAMP_TO_BORDER),
        Smp::new(F::LINEAR, M::NEAREST, AM::REPEAT),
    ];
    let (mut fractions, mut checked) = (0usize, 0usize);
    for (fi, &(format, _)) in DEPTH_FORMATS.iter().enumerate() {
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, format)
        };
        assert!(
            props.optimal_tiling_features.contains(
                FF::SAMPLED_IMAGE
                    | FF::SAMPLED_IMAGE_FILTER_LINEAR
                    | FF::SAMPLED_IMAGE_FILTER_MINMAX
            ),
            "{format:?}"
        );
        let mut p3 = vk::FormatProperties3::default();
        let mut p2 = vk::FormatProperties2::default().push_next(&mut p3);
        unsafe {
            vk.instance
                .get_physical_device_format_properties2(vk.physical, format, &mut p2)
        };
        assert!(
            p3.optimal_tiling_features
                .contains(vk::FormatFeatureFlags2::SAMPLED_IMAGE_DEPTH_COMPARISON),
            "{format:?}"
        );
        let unorm = format!("{format:?}").contains("UNORM");
        let (img, lv) = depth_image(
            &vk,
            format,
            4,
            3,
            3,
            vk::ImageCreateFlags::empty(),
            fi as u64 + 40,
        );
        let v2 = depth_view(&vk, img.image, vk::ImageViewType::TYPE_2D, format, (1, 1));
        let va = depth_view(
            &vk,
            img.image,
            vk::ImageViewType::TYPE_2D_ARRAY,
            format,
            (0, 3),
        );
        // Layer 1 alone, for the 2D view.
        let layer1: Vec<Level> = lv
            .iter()
            .map(|l| {
                let per = (l.size[0] * l.size[1]) as usize;
                Level {
                    size: l.size,
                    layers: 1,
                    texels: l.texels[per..2 * per].to_vec(),
                }
            })
            .collect();
        let mut rng = Rng::new(fi as u64 + 99);
        let mut unit = || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        let mut at = Vec::new();
        let mut layers = Vec::new();
        for k in 0..n {
            let (s, t) = (unit() * 1.6 - 0.3, unit() * 1.6 - 0.3);
            let lod = [0.0, 0.4, 1.0, 1.5, -0.5, 0.25][k % 6];
            // References: some equal to a texel of the base level, some outside [0, 1].
            let dref = match k % 4 {
                0 => layer1[0].texels[(unit() * 15.99) as usize][0],
                1 => unit() * 1.6 - 0.3,
                _ => unit(),
            };
            at.push([s, t, dref, lod]);
            layers.push((unit() * 3.4 - 0.2).to_le_bytes());
        }
        put_vec4s(&coords, &at);
        for (k, l) in layers.iter().enumerate() {
            coords.bytes()[16 * 64 + 4 * k..16 * 64 + 4 * k + 4].copy_from_slice(l);
        }
        for config in &configs {
            for op in COMPARE_OPS {
                let smp = Smp {
                    cmp: Some(op),
                    ..*config
                };
                let sampler = smp.create(&vk);
                write_image(
                    &vk,
                    p.sets[0],
                    0,
                    DT::COMBINED_IMAGE_SAMPLER,
                    v2,
                    sampler,
                    RO,
                );
                write_image(
                    &vk,
                    p.sets[0],
                    1,
                    DT::COMBINED_IMAGE_SAMPLER,
                    va,
                    sampler,
                    RO,
                );
                vk.run(|cb| unsafe {
                    p.bind(&vk, cb, &[]);
                    vk.device.cmd_dispatch(cb, n as u32, 1, 1);
                });
                let got: Vec<f32> = out.u32s().into_iter().map(f32::from_bits).collect();
                for (k, a) in at.iter().enumerate() {
                    let dref = if unorm { a[2].clamp(0.0, 1.0) } else { a[2] };
                    let s = Smp { dref, ..smp };
                    let layer = f32::from_le_bytes(layers[k])
                        .round_ties_even()
                        .clamp(0.0, 2.0);
                    let want = [
                        reference(&layer1, &s, [a[0], a[1], 0.0], 2, 0, a[3], [0; 3])[0],
                        reference(&layer1, &s, [a[0], a[1], 0.0], 2, 0, a[3], [1, -1, 0])[0],
                        reference(&layer1, &s, [a[0], a[1], 0.0], 2, 0, a[3], [0; 3])[0],
                        reference(
                            &lv,
                            &s,
                            [a[0], a[1], 0.0],
                            2,
                            layer as i64,
                            (a[3].abs() * 4.0).log2(),
                            [0; 3],
                        )[0],
                    ];
                    for (q, w) in want.iter().enumerate() {
                        let g = got[4 * k + q];
                        assert!(
                            (g - w).abs() <= 1e-5,
                            "{format:?} {smp:?} at {a:?}: result {q} (0 Lod, 1 LodOffset, 2 \
                             ProjLod, 3 Grad on the array) is {g}, the spec's is {w}"
                        );
                        fractions += (*w > 0.0 && *w < 1.0) as usize;
                        checked += 1;
                    }
                }
                unsafe { vk.device.destroy_sampler(sampler, None) };
            }
        }
        unsafe {
            vk.device.destroy_image_view(v2, None);
            vk.device.destroy_image_view(va, None);
        }
        vk.destroy_image(img);
    }
    println!("{checked} depth comparisons checked, {fractions} filtered to a fraction");
    assert!(fractions > checked / 20, "{fractions} of {checked}");
    vk.destroy_buffer(coords);
    vk.destroy_buffer(out);
    p.destroy(&vk);
}

/// A view of `layers` (first, count) of `image` with `aspect`.
fn layer_view(
    vk: &Vk,
    image: vk::Image,
    ty: vk::ImageViewType,
    format: vk::Format,
    aspect: vk::ImageAspectFlags,
    layers: (u32, u32),
) -> vk::ImageView {
    unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(ty)
                .format(format)
                .subresource_range(vk::ImageSubresourceRange {
                    aspect_mask: aspect,
                    base_mip_level: 0,
                    level_count: vk::REMAINING_MIP_LEVELS,
                    base_array_layer: layers.0,
                    layer_count: layers.1,
                }),
            None,
        )
    }
    .expect("vkCreateImageView")
}

/// One level of random texels (components in [0, 1), or integers below 256 with `int`).
fn random_level(rng: &mut Rng, size: [u32; 3], layers: u32, int: bool) -> Level {
    let count = size.iter().product::<u32>() * layers;
    let texels = (0..count)
        .map(|_| {
            std::array::from_fn(|_| {
                let r = rng.next_u64();
                if int {
                    (r >> 56) as f32
                } else {
                    (r >> 40) as f32 / (1u64 << 24) as f32
                }
            })
        })
        .collect();
    Level {
        size,
        layers,
        texels,
    }
}

/// Gathers ("Texel Gathering"): textureGather of each component, with a ConstOffset at the
/// limits (-8, 7), a runtime Offset, ConstOffsets; on 2D, 2D array and cube views (seamless
/// across faces), an R8G8B8A8_UINT view, and textureGather with a depth reference on 2D
/// (D32_SFLOAT) and cube (D16_UNORM: reference clamped) views; with every address mode, both
/// border colors and every compare op, against the four texels the spec names (i0j1, i1j1, i1j0,
/// i0j0 of the LINEAR footprint, or i0j0 plus each ConstOffsets offset) taken from the
/// reference levels. The limits and shaderImageGatherExtended are what this needs.
#[test]
fn gathers_follow_the_spec() {
    let vk = Vk::new();
    let props = unsafe { vk.instance.get_physical_device_properties(vk.physical) };
    let features = unsafe { vk.instance.get_physical_device_features(vk.physical) };
    assert_eq!(features.shader_image_gather_extended, vk::TRUE);
    assert_eq!(
        (
            props.limits.min_texel_gather_offset,
            props.limits.max_texel_gather_offset
        ),
        (-8, 7)
    );
    type V = vk::ImageViewType;
    let mut rng = Rng::new(23);
    // RGBA32F 5x4, 3 layers; a cube of 4x4 faces; RGBA8UI 5x4.
    let flat = random_level(&mut rng, [5, 4, 1], 3, false);
    let cube = random_level(&mut rng, [4, 4, 1], 6, false);
    let uint = random_level(&mut rng, [5, 4, 1], 1, true);
    let fimg = vk.image(
        &softvk_tests::image_2d(RGBA32F, 5, 4)
            .array_layers(3)
            .usage(IU::SAMPLED | IU::TRANSFER_DST),
    );
    let cimg = vk.image(
        &softvk_tests::image_2d(RGBA32F, 4, 4)
            .array_layers(6)
            .flags(vk::ImageCreateFlags::CUBE_COMPATIBLE)
            .usage(IU::SAMPLED | IU::TRANSFER_DST),
    );
    let u8x4 = vk::Format::R8G8B8A8_UINT;
    let uimg = vk.image(&softvk_tests::image_2d(u8x4, 5, 4).usage(IU::SAMPLED | IU::TRANSFER_DST));
    let staged = [
        upload(&vk, fimg.image, std::slice::from_ref(&flat)),
        upload(&vk, cimg.image, std::slice::from_ref(&cube)),
    ];
    {
        let data = vk.buffer(5 * 4 * 4, BU::TRANSFER_SRC);
        for (k, t) in uint.texels.iter().enumerate() {
            for (q, c) in t.iter().enumerate() {
                data.bytes()[4 * k + q] = *c as u8;
            }
        }
        vk.run(|cb| unsafe {
            barrier(
                &vk,
                cb,
                uimg.image,
                vk::ImageLayout::UNDEFINED,
                TRANSFER_DST,
            );
            vk.device.cmd_copy_buffer_to_image(
                cb,
                data.buffer,
                uimg.image,
                TRANSFER_DST,
                &[vk::BufferImageCopy {
                    image_subresource: softvk_tests::color_layers(1),
                    image_extent: vk::Extent3D {
                        width: 5,
                        height: 4,
                        depth: 1,
                    },
                    ..Default::default()
                }],
            );
            barrier(&vk, cb, uimg.image, TRANSFER_DST, RO);
        });
        vk.destroy_buffer(data);
    }
    let none = vk::ImageCreateFlags::empty();
    let d32 = vk::Format::D32_SFLOAT;
    let d16 = vk::Format::D16_UNORM;
    let (dimg, dlv) = depth_image(&vk, d32, 4, 1, 1, none, 5);
    let cube_flag = vk::ImageCreateFlags::CUBE_COMPATIBLE;
    let (dcimg, dclv) = depth_image(&vk, d16, 4, 1, 6, cube_flag, 6);
    let depth = vk::ImageAspectFlags::DEPTH;
    let views = [
        layer_view(&vk, fimg.image, V::TYPE_2D, RGBA32F, COLOR, (0, 1)),
        layer_view(&vk, fimg.image, V::TYPE_2D_ARRAY, RGBA32F, COLOR, (0, 3)),
        layer_view(&vk, cimg.image, V::CUBE, RGBA32F, COLOR, (0, 6)),
        layer_view(&vk, uimg.image, V::TYPE_2D, u8x4, COLOR, (0, 1)),
        layer_view(&vk, dimg.image, V::TYPE_2D, d32, depth, (0, 1)),
        layer_view(&vk, dcimg.image, V::CUBE, d16, depth, (0, 6)),
    ];
    let mut sets: Vec<(u32, DT)> = (0..6).map(|b| (b, DT::COMBINED_IMAGE_SAMPLER)).collect();
    sets.extend([(6, DT::STORAGE_BUFFER), (7, DT::STORAGE_BUFFER)]);
    let p = pipe(&vk, "sample_gather", &[&sets], 0, None);
    let n = 64usize;
    let coords = vk.buffer(48 * 64, BU::STORAGE_BUFFER);
    let out = vk.buffer((16 * 12 * n) as u64, BU::STORAGE_BUFFER);
    write_buffer(
        &vk,
        p.sets[0],
        6,
        DT::STORAGE_BUFFER,
        &coords,
        0,
        coords.size,
    );
    write_buffer(&vk, p.sets[0], 7, DT::STORAGE_BUFFER, &out, 0, out.size);
    let mut unit = || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
    let mut at = Vec::new();
    let mut dirs = Vec::new();
    let mut offs = Vec::new();
    for k in 0..n {
        let dref = match k % 3 {
            0 => dlv[0].texels[(unit() * 15.99) as usize][0],
            1 => unit() * 1.4 - 0.2,
            _ => unit(),
        };
        at.push([
            unit() * 1.8 - 0.4,
            unit() * 1.8 - 0.4,
            unit() * 3.4 - 0.3,
            dref,
        ]);
        dirs.push([
            unit() * 2.0 - 1.0,
            unit() * 2.0 - 1.0,
            unit() * 2.0 - 1.0,
            0.0,
        ]);
        offs.push([(unit() * 16.0) as i32 - 8, (unit() * 16.0) as i32 - 8, 0, 0]);
    }
    put_vec4s(&coords, &at);
    for (k, d) in dirs.iter().enumerate() {
        for q in 0..4 {
            let o = 16 * 64 + 16 * k + 4 * q;
            coords.bytes()[o..o + 4].copy_from_slice(&d[q].to_le_bytes());
            let o = o + 16 * 64;
            coords.bytes()[o..o + 4].copy_from_slice(&offs[k][q].to_le_bytes());
        }
    }
    use vk::Filter as F;
    use vk::SamplerMipmapMode as M;
    let modes = [
        (AM::CLAMP_TO_EDGE, vk::BorderColor::FLOAT_TRANSPARENT_BLACK),
        (AM::REPEAT, vk::BorderColor::FLOAT_TRANSPARENT_BLACK),
        (AM::CLAMP_TO_BORDER, vk::BorderColor::FLOAT_OPAQUE_WHITE),
        (
            AM::MIRRORED_REPEAT,
            vk::BorderColor::FLOAT_TRANSPARENT_BLACK,
        ),
        (AM::CLAMP_TO_BORDER, vk::BorderColor::FLOAT_OPAQUE_BLACK),
        (
            AM::MIRROR_CLAMP_TO_EDGE,
            vk::BorderColor::FLOAT_TRANSPARENT_BLACK,
        ),
    ];
    // Gathers that took a texel from another face, and ones that read an opaque white border
    // (texels are below 1.0).
    let (mut edges, mut borders) = (0, 0);
    for (oi, op) in COMPARE_OPS.into_iter().enumerate() {
        let (mode, border) = modes[oi % modes.len()];
        let filter = if oi % 2 == 0 { F::NEAREST } else { F::LINEAR };
        let smp = Smp {
            border,
            ..Smp::new(filter, M::NEAREST, mode)
        };
        let int_border = match border {
            vk::BorderColor::FLOAT_OPAQUE_WHITE => vk::BorderColor::INT_OPAQUE_WHITE,
            vk::BorderColor::FLOAT_OPAQUE_BLACK => vk::BorderColor::INT_OPAQUE_BLACK,
            _ => vk::BorderColor::INT_TRANSPARENT_BLACK,
        };
        // Integer formats take NEAREST samplers only (no FILTER_LINEAR).
        let ismp = Smp {
            border: int_border,
            ..Smp::new(F::NEAREST, M::NEAREST, mode)
        };
        let csmp = Smp {
            cmp: Some(op),
            ..smp
        };
        let samplers = [smp.create(&vk), ismp.create(&vk), csmp.create(&vk)];
        for (b, v) in views.iter().enumerate() {
            let s = samplers[[0, 0, 0, 1, 2, 2][b]];
            write_image(
                &vk,
                p.sets[0],
                b as u32,
                DT::COMBINED_IMAGE_SAMPLER,
                *v,
                s,
                RO,
            );
        }
        vk.run(|cb| unsafe {
            p.bind(&vk, cb, &[]);
            vk.device.cmd_dispatch(cb, n as u32, 1, 1);
        });
        let got = out.u32s();
        let standard = |d: (i64, i64)| GATHER_ORDER.map(|(x, y)| (x + d.0, y + d.1));
        for (k, a) in at.iter().enumerate() {
            let st = [a[0], a[1]];
            let pick = |t: [[f32; 4]; 4], c: usize| t.map(|t| t[c]);
            let off = (offs[k][0] as i64, offs[k][1] as i64);
            let layer = (a[2].round_ties_even() as i64).clamp(0, 2);
            let dir = [dirs[k][0], dirs[k][1], dirs[k][2]];
            let (cg, edge) = cube_gather(&cube, dir);
            edges += edge as usize;
            let s32 = Smp { dref: a[3], ..csmp };
            let s16 = Smp {
                dref: a[3].clamp(0.0, 1.0),
                ..csmp
            };
            let compared = Level {
                texels: dclv[0]
                    .texels
                    .iter()
                    .map(|t| [compare(op, s16.dref, t[0]), 0.0, 0.0, 1.0])
                    .collect(),
                ..dclv[0]
            };
            let g0 = |c| pick(gather_2d(&flat, &smp, st, 0, standard((0, 0))), c);
            let want: [[f32; 4]; 12] = [
                g0(0),
                g0(1),
                g0(2),
                g0(3),
                pick(gather_2d(&flat, &smp, st, 0, standard((-8, 7))), 1),
                pick(gather_2d(&flat, &smp, st, 0, standard(off)), 2),
                pick(
                    gather_2d(&flat, &smp, st, 0, [(0, 0), (-8, 7), (3, -2), (7, -8)]),
                    3,
                ),
                pick(gather_2d(&flat, &smp, st, layer, standard((0, 0))), 0),
                pick(cg, 1),
                pick(gather_2d(&uint, &ismp, st, 0, standard((0, 0))), 3),
                pick(gather_2d(&dlv[0], &s32, st, 0, standard((0, 0))), 0),
                pick(cube_gather(&compared, dir).0, 0),
            ];
            for (q, w) in want.iter().enumerate() {
                let g: [u32; 4] = got[(12 * k + q) * 4..(12 * k + q) * 4 + 4]
                    .try_into()
                    .unwrap();
                let w_bits = if q == 9 {
                    w.map(|x| x as u32)
                } else {
                    w.map(f32::to_bits)
                };
                let close = g
                    .iter()
                    .zip(w)
                    .all(|(g, w)| (f32::from_bits(*g) - w).abs() <= 1e-6);
                assert!(
                    g == w_bits || (q != 9 && close),
                    "{smp:?} {op:?} at {a:?} dir {dir:?} offset {off:?}: gather {q} is {g:?}, \
                     the spec's {w_bits:?} ({w:?})"
                );
                borders += (q < 8 && w.contains(&1.0)) as usize;
            }
        }
        for s in samplers {
            unsafe { vk.device.destroy_sampler(s, None) };
        }
    }
    assert!(edges > 5, "gathers across cube edges: {edges}");
    assert!(borders > 5, "gathers with border texels: {borders}");
    unsafe {
        for v in views {
            vk.device.destroy_image_view(v, None);
        }
    }
    for i in [fimg, cimg, uimg, dimg, dcimg] {
        vk.destroy_image(i);
    }
    for b in staged.into_iter().chain([coords, out]) {
        vk.destroy_buffer(b);
    }
    p.destroy(&vk);
}

/// Layers `first .. first + count` of a level, as a level of their own.
fn layers_of(l: &Level, first: u32, count: u32) -> Level {
    let per = l.size.iter().product::<u32>() as usize;
    Level {
        size: l.size,
        layers: count,
        texels: l.texels[per * first as usize..per * (first + count) as usize].to_vec(),
    }
}

/// Cube arrays (imageCubeArray, SampledCubeArray, ImageCubeArray): a CUBE_ARRAY view of 2
/// cubes of 4x4 faces with 2 levels, sampled with NEAREST and LINEAR (seamless) at both levels
/// and gathered, cube index rounded and clamped ("Unnormalized Texel Coordinate Operations":
/// layer = 6 * clamp(RNE(cube), 0, cubes - 1) + face), against the references; textureSize /
/// textureQueryLevels / imageSize count cubes; a storage CUBE_ARRAY view of the base level
/// loads every texel at (x, y, 6 * cube + face) and stores 2t + 1 to the same place of
/// another image, read back by a copy.
#[test]
fn cube_arrays_sample_gather_load_and_store() {
    let vk = Vk::new();
    let features = unsafe { vk.instance.get_physical_device_features(vk.physical) };
    assert_eq!(features.image_cube_array, vk::TRUE);
    let mut rng = Rng::new(31);
    let levels = [
        random_level(&mut rng, [4, 4, 1], 12, false),
        random_level(&mut rng, [2, 2, 1], 12, false),
    ];
    let cube = vk::ImageCreateFlags::CUBE_COMPATIBLE;
    let usage = IU::SAMPLED | IU::STORAGE | IU::TRANSFER_DST | IU::TRANSFER_SRC;
    let img = vk.image(
        &softvk_tests::image_2d(RGBA32F, 4, 4)
            .mip_levels(2)
            .array_layers(12)
            .flags(cube)
            .usage(usage),
    );
    let dst = vk.image(
        &softvk_tests::image_2d(RGBA32F, 4, 4)
            .array_layers(12)
            .flags(cube)
            .usage(usage),
    );
    let staged = upload(&vk, img.image, &levels);
    vk.run(|cb| barrier(&vk, cb, dst.image, vk::ImageLayout::UNDEFINED, GENERAL));
    type V = vk::ImageViewType;
    let sampled = layer_view(&vk, img.image, V::CUBE_ARRAY, RGBA32F, COLOR, (0, 12));
    let storage_view = |image| {
        unsafe {
            vk.device.create_image_view(
                &vk::ImageViewCreateInfo::default()
                    .image(image)
                    .view_type(V::CUBE_ARRAY)
                    .format(RGBA32F)
                    .subresource_range(vk::ImageSubresourceRange {
                        aspect_mask: COLOR,
                        base_mip_level: 0,
                        level_count: 1,
                        base_array_layer: 0,
                        layer_count: 12,
                    }),
                None,
            )
        }
        .expect("vkCreateImageView")
    };
    let (src_view, dst_view) = (storage_view(img.image), storage_view(dst.image));
    let p = pipe(
        &vk,
        "sample_cube_array",
        &[&[
            (0, DT::COMBINED_IMAGE_SAMPLER),
            (1, DT::STORAGE_IMAGE),
            (2, DT::STORAGE_IMAGE),
            (3, DT::STORAGE_BUFFER),
            (4, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    // The sampled image stays in SHADER_READ_ONLY for sampling; its storage view reads it in
    // GENERAL, so move it there (both descriptors say GENERAL).
    vk.run(|cb| barrier(&vk, cb, img.image, RO, GENERAL));
    write_image(
        &vk,
        p.sets[0],
        1,
        DT::STORAGE_IMAGE,
        src_view,
        vk::Sampler::null(),
        GENERAL,
    );
    write_image(
        &vk,
        p.sets[0],
        2,
        DT::STORAGE_IMAGE,
        dst_view,
        vk::Sampler::null(),
        GENERAL,
    );
    let n = 4 * 4 * 12;
    let coords = vk.buffer(16 * n as u64, BU::STORAGE_BUFFER);
    let out = vk.buffer(32 + 64 * n as u64, BU::STORAGE_BUFFER);
    write_buffer(
        &vk,
        p.sets[0],
        3,
        DT::STORAGE_BUFFER,
        &coords,
        0,
        coords.size,
    );
    write_buffer(&vk, p.sets[0], 4, DT::STORAGE_BUFFER, &out, 0, out.size);
    let mut unit = || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
    let dirs: Vec<[f32; 4]> = (0..n)
        .map(|_| {
            [
                unit() * 2.0 - 1.0,
                unit() * 2.0 - 1.0,
                unit() * 2.0 - 1.0,
                unit() * 2.4 - 0.5,
            ]
        })
        .collect();
    put_vec4s(&coords, &dirs);
    use vk::Filter as F;
    use vk::SamplerMipmapMode as M;
    let readback = vk.buffer(16 * n as u64, BU::TRANSFER_DST);
    let (mut edges, mut clamped) = (0, 0);
    for smp in [
        Smp::new(F::NEAREST, M::NEAREST, AM::CLAMP_TO_EDGE),
        Smp::new(F::LINEAR, M::LINEAR, AM::REPEAT),
    ] {
        let s = smp.create(&vk);
        write_image(
            &vk,
            p.sets[0],
            0,
            DT::COMBINED_IMAGE_SAMPLER,
            sampled,
            s,
            GENERAL,
        );
        vk.run(|cb| unsafe {
            p.bind(&vk, cb, &[]);
            vk.device.cmd_dispatch(cb, n as u32, 1, 1);
            barrier(&vk, cb, dst.image, GENERAL, TRANSFER_SRC);
            vk.device.cmd_copy_image_to_buffer(
                cb,
                dst.image,
                TRANSFER_SRC,
                readback.buffer,
                &[vk::BufferImageCopy {
                    image_subresource: softvk_tests::color_layers(12),
                    image_extent: vk::Extent3D {
                        width: 4,
                        height: 4,
                        depth: 1,
                    },
                    ..Default::default()
                }],
            );
            barrier(&vk, cb, dst.image, TRANSFER_SRC, GENERAL);
        });
        unsafe { vk.device.destroy_sampler(s, None) };
        let sizes = &out.u32s()[..8];
        assert_eq!(
            sizes,
            [4, 4, 2, 2, 4, 4, 2, 2],
            "textureSize (lod 0), textureQueryLevels, imageSize, textureSize (lod 1).x"
        );
        let got = get_vec4s(&out, 2, 4 * n);
        let stored = get_vec4s(&readback, 0, n);
        for (i, d) in dirs.iter().enumerate() {
            let dir = [d[0], d[1], d[2]];
            let c = (d[3].round_ties_even() as i64).clamp(0, 1);
            clamped += (c as f32 != d[3].round_ties_even()) as usize;
            let (face, s, t) = cube_face(dir);
            let cube_of = |m: usize| layers_of(&levels[m], 6 * c as u32, 6);
            let mut at_level = |m: usize, lod: f32| {
                if smp.mag == F::NEAREST {
                    reference(&levels, &smp, [s, t, 0.0], 2, 6 * c + face, lod, [0; 3])
                } else {
                    let (v, e) = cube_linear(&cube_of(m), dir);
                    edges += e as usize;
                    v
                }
            };
            let (gather, _) = cube_gather(&cube_of(0), dir);
            let want = [
                at_level(0, 0.0),
                at_level(1, 1.0),
                gather.map(|t| t[2]),
                levels[0].texels[i],
            ];
            for (q, w) in want.iter().enumerate() {
                let g = got[4 * i + q];
                assert!(
                    close(g, *w, 1e-5),
                    "{smp:?} at {d:?}: result {q} (0 textureLod 0, 1 textureLod 1, 2 \
                     textureGather, 3 imageLoad of texel {i}) is {g:?}, the spec's {w:?}"
                );
            }
            let w = levels[0].texels[i].map(|x| x * 2.0 + 1.0);
            assert_eq!(stored[i], w, "imageStore of texel {i}");
        }
    }
    assert!(edges > 5, "LINEAR samples across cube edges: {edges}");
    assert!(clamped > 5, "cube indices clamped: {clamped}");
    unsafe {
        for v in [sampled, src_view, dst_view] {
            vk.device.destroy_image_view(v, None);
        }
    }
    vk.destroy_image(img);
    vk.destroy_image(dst);
    for b in [staged, coords, out, readback] {
        vk.destroy_buffer(b);
    }
    p.destroy(&vk);
}

/// Min/max reduction (samplerFilterMinmax): every filter x mipmap mode x address mode with MIN
/// and MAX samplers, on the 4x4 RGBA32F image with 3 levels of
/// [`filters_mipmaps_and_address_modes_follow_the_spec`] and on a swizzled view of it
/// (filterMinmaxImageComponentMapping: the reduction sees the swizzled components) and on the
/// depth aspect of a D16_UNORM image, against
/// [`reference`] (component-wise min / max of the texels, and levels, with non-zero weights);
/// FILTER_MINMAX is reported for the spec's required formats and the properties say so.
#[test]
fn min_max_reduction_follows_the_spec() {
    let vk = Vk::new();
    let mut f12 = vk::PhysicalDeviceVulkan12Features::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut f12);
    let mut p12 = vk::PhysicalDeviceVulkan12Properties::default();
    let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut p12);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2);
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut p2);
    }
    assert_eq!(f12.sampler_filter_minmax, vk::TRUE);
    assert_eq!(p12.filter_minmax_single_component_formats, vk::TRUE);
    assert_eq!(p12.filter_minmax_image_component_mapping, vk::TRUE);
    // "Required Format Support": FILTER_MINMAX on these when samplerFilterMinmax is reported.
    for f in [
        vk::Format::R8_UNORM,
        vk::Format::R8_SNORM,
        vk::Format::R16_UNORM,
        vk::Format::R16_SNORM,
        vk::Format::R16_SFLOAT,
        vk::Format::R32_SFLOAT,
        vk::Format::D16_UNORM,
        vk::Format::X8_D24_UNORM_PACK32,
        vk::Format::D32_SFLOAT,
        vk::Format::D16_UNORM_S8_UINT,
        vk::Format::D24_UNORM_S8_UINT,
        vk::Format::D32_SFLOAT_S8_UINT,
    ] {
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, f)
        };
        assert!(
            props
                .optimal_tiling_features
                .contains(FF::SAMPLED_IMAGE_FILTER_MINMAX),
            "{f:?}"
        );
    }
    let mut rng = Rng::new(77);
    let levels: Vec<Level> = (0..3)
        .map(|m| random_level(&mut rng, [4 >> m, 4 >> m, 1], 1, false))
        .collect();
    let img = vk.image(
        &softvk_tests::image_2d(RGBA32F, 4, 4)
            .mip_levels(3)
            .usage(IU::SAMPLED | IU::TRANSFER_DST),
    );
    let data = upload(&vk, img.image, &levels);
    let plain = view(&vk, img.image, vk::ImageViewType::TYPE_2D, RGBA32F, 3);
    let swizzled = unsafe {
        vk.device.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(img.image)
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(RGBA32F)
                .components(vk::ComponentMapping {
                    r: vk::ComponentSwizzle::A,
                    g: vk::ComponentSwizzle::R,
                    b: vk::ComponentSwizzle::G,
                    a: vk::ComponentSwizzle::B,
                })
                .subresource_range(softvk_tests::full_range(COLOR)),
            None,
        )
    }
    .expect("vkCreateImageView");
    // The depth aspect of D16_UNORM with 3 levels (FILTER_MINMAX on depth formats).
    let d16 = vk::Format::D16_UNORM;
    let none = vk::ImageCreateFlags::empty();
    let (dimg, depth_levels) = depth_image(&vk, d16, 4, 3, 1, none, 78);
    let dview = depth_view(&vk, dimg.image, vk::ImageViewType::TYPE_2D, d16, (0, 1));
    let swizzle = |t: [f32; 4]| [t[3], t[0], t[1], t[2]];
    let swizzled_levels: Vec<Level> = levels
        .iter()
        .map(|l| Level {
            size: l.size,
            layers: 1,
            texels: l.texels.iter().map(|t| swizzle(*t)).collect(),
        })
        .collect();
    let p = pipe(
        &vk,
        "sample_modes",
        &[&[
            (0, DT::COMBINED_IMAGE_SAMPLER),
            (1, DT::STORAGE_BUFFER),
            (2, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    let mut unit = || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
    let mut at = Vec::new();
    for lod in [-0.5, 0.0, 0.3, 0.5, 0.7, 1.0, 1.25, 1.6, 2.5] {
        for _ in 0..6 {
            at.push([unit() * 2.6 - 0.8, unit() * 2.6 - 0.8, lod, 0.0]);
        }
    }
    for g in [0.1, 0.25, 0.4, 0.9] {
        at.push([unit(), unit(), g, 1.0]);
    }
    for lod in [0.0, 1.0] {
        for _ in 0..3 {
            at.push([unit(), unit(), lod, 2.0]);
        }
    }
    // Texel centers and edges, where some weights are exactly 0.
    for (s, t) in [(0.125, 0.125), (0.375, 0.5), (0.5, 0.625), (0.25, 0.25)] {
        at.push([s, t, 0.0, 0.0]);
    }
    let n = at.len();
    let coords = vk.buffer((16 * n) as u64, BU::STORAGE_BUFFER);
    let out = vk.buffer((16 * n) as u64, BU::STORAGE_BUFFER);
    put_vec4s(&coords, &at);
    write_buffer(
        &vk,
        p.sets[0],
        1,
        DT::STORAGE_BUFFER,
        &coords,
        0,
        coords.size,
    );
    write_buffer(&vk, p.sets[0], 2, DT::STORAGE_BUFFER, &out, 0, out.size);
    use vk::Filter as F;
    use vk::SamplerMipmapMode as M;
    let (mut checked, mut differ) = (0, 0);
    for reduction in [vk::SamplerReductionMode::MIN, vk::SamplerReductionMode::MAX] {
        for f in [F::NEAREST, F::LINEAR] {
            for m in [M::NEAREST, M::LINEAR] {
                for a in [
                    AM::REPEAT,
                    AM::MIRRORED_REPEAT,
                    AM::CLAMP_TO_EDGE,
                    AM::CLAMP_TO_BORDER,
                    AM::MIRROR_CLAMP_TO_EDGE,
                ] {
                    let smp = Smp {
                        reduction,
                        border: vk::BorderColor::FLOAT_OPAQUE_WHITE,
                        ..Smp::new(f, m, a)
                    };
                    let s = smp.create(&vk);
                    for (v, lv) in [
                        (plain, &levels),
                        (swizzled, &swizzled_levels),
                        (dview, &depth_levels),
                    ] {
                        write_image(&vk, p.sets[0], 0, DT::COMBINED_IMAGE_SAMPLER, v, s, RO);
                        vk.run(|cb| unsafe {
                            p.bind(&vk, cb, &[]);
                            vk.device.cmd_dispatch(cb, n as u32, 1, 1);
                        });
                        for (c, g) in at.iter().zip(get_vec4s(&out, 0, n)) {
                            let (lambda, offset) = match c[3] {
                                1.0 => ((c[2] * 4.0).log2(), [0, 0, 0]),
                                2.0 => (c[2], [1, -1, 0]),
                                _ => (c[2], [0, 0, 0]),
                            };
                            let r = reference(lv, &smp, [c[0], c[1], 0.0], 2, 0, lambda, offset);
                            assert!(close(g, r, 1e-6), "{smp:?} at {c:?}: {g:?} != {r:?}");
                            let avg = Smp {
                                reduction: vk::SamplerReductionMode::WEIGHTED_AVERAGE,
                                ..smp
                            };
                            let w = reference(lv, &avg, [c[0], c[1], 0.0], 2, 0, lambda, offset);
                            differ += !close(w, r, 1e-6) as usize;
                            checked += 1;
                        }
                    }
                    unsafe { vk.device.destroy_sampler(s, None) };
                }
            }
        }
    }
    println!("{checked} min/max samples checked, {differ} differ from the weighted average");
    assert!(differ > checked / 4, "{differ} of {checked}");
    unsafe {
        vk.device.destroy_image_view(plain, None);
        vk.device.destroy_image_view(swizzled, None);
        vk.device.destroy_image_view(dview, None);
    }
    vk.destroy_image(img);
    vk.destroy_image(dimg);
    for b in [data, coords, out] {
        vk.destroy_buffer(b);
    }
    p.destroy(&vk);
}

/// LINEAR (mipmap LINEAR) sampling of a cube's `levels` at level of detail `lod`, seamless.
fn cube_mip_linear(levels: &[Level], dir: [f32; 3], lod: f32) -> [f32; 4] {
    let q = (levels.len() - 1) as f32;
    if lod <= 0.0 {
        return cube_linear(&levels[0], dir).0;
    }
    let d = lod.min(q);
    let hi = d.floor();
    let lo = (hi + 1.0).min(q);
    let delta = d - hi;
    let a = cube_linear(&levels[hi as usize], dir).0;
    let b = cube_linear(&levels[lo as usize], dir).0;
    std::array::from_fn(|k| (1.0 - delta) * a[k] + delta * b[k])
}

/// Depth comparison with an explicit Lod on cube views (shaders/tests/sample_cube_dref.spvasm):
/// a D16_UNORM cube and a D32_SFLOAT cube array, 2 levels each, every compare op with NEAREST
/// and LINEAR (mipmap LINEAR, seamless across faces) samplers, against the references over the
/// compared texels (each texel compared before filtering, corners averaging three compared
/// texels; the D16 reference clamped to [0, 1]).
#[test]
fn cube_depth_compare_follows_the_spec() {
    let vk = Vk::new();
    let cube = vk::ImageCreateFlags::CUBE_COMPATIBLE;
    let (d16, d32) = (vk::Format::D16_UNORM, vk::Format::D32_SFLOAT);
    let (cimg, clv) = depth_image(&vk, d16, 4, 2, 6, cube, 61);
    let (aimg, alv) = depth_image(&vk, d32, 4, 2, 12, cube, 62);
    type V = vk::ImageViewType;
    let cview = depth_view(&vk, cimg.image, V::CUBE, d16, (0, 6));
    let aview = depth_view(&vk, aimg.image, V::CUBE_ARRAY, d32, (0, 12));
    let p = pipe(
        &vk,
        "sample_cube_dref",
        &[&[
            (0, DT::COMBINED_IMAGE_SAMPLER),
            (1, DT::COMBINED_IMAGE_SAMPLER),
            (2, DT::STORAGE_BUFFER),
            (3, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    let n = 64usize;
    let coords = vk.buffer(32 * 64, BU::STORAGE_BUFFER);
    let out = vk.buffer(8 * n as u64, BU::STORAGE_BUFFER);
    write_buffer(
        &vk,
        p.sets[0],
        2,
        DT::STORAGE_BUFFER,
        &coords,
        0,
        coords.size,
    );
    write_buffer(&vk, p.sets[0], 3, DT::STORAGE_BUFFER, &out, 0, out.size);
    let mut rng = Rng::new(63);
    let mut unit = || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
    let mut dirs = Vec::new();
    let mut refs = Vec::new();
    for k in 0..n {
        dirs.push([
            unit() * 2.0 - 1.0,
            unit() * 2.0 - 1.0,
            unit() * 2.0 - 1.0,
            unit() * 2.4 - 0.5,
        ]);
        let dref = match k % 3 {
            0 => clv[0].texels[(unit() * 95.99) as usize][0],
            1 => unit() * 1.4 - 0.2,
            _ => unit(),
        };
        let lod = [0.0, 0.5, 1.0, -0.5, 1.7, 0.25][k % 6];
        refs.push([dref, lod, 0.0, 0.0]);
    }
    put_vec4s(
        &coords,
        &dirs.iter().chain(&refs).copied().collect::<Vec<_>>(),
    );
    use vk::Filter as F;
    use vk::SamplerMipmapMode as M;
    let (mut fractions, mut edges) = (0, 0);
    for op in COMPARE_OPS {
        for (f, m) in [(F::NEAREST, M::NEAREST), (F::LINEAR, M::LINEAR)] {
            let smp = Smp {
                cmp: Some(op),
                ..Smp::new(f, m, AM::CLAMP_TO_EDGE)
            };
            let s = smp.create(&vk);
            write_image(&vk, p.sets[0], 0, DT::COMBINED_IMAGE_SAMPLER, cview, s, RO);
            write_image(&vk, p.sets[0], 1, DT::COMBINED_IMAGE_SAMPLER, aview, s, RO);
            vk.run(|cb| unsafe {
                p.bind(&vk, cb, &[]);
                vk.device.cmd_dispatch(cb, n as u32, 1, 1);
            });
            unsafe { vk.device.destroy_sampler(s, None) };
            let got: Vec<f32> = out.u32s().into_iter().map(f32::from_bits).collect();
            let plain = Smp { cmp: None, ..smp };
            for (k, (d, r)) in dirs.iter().zip(&refs).enumerate() {
                let dir = [d[0], d[1], d[2]];
                let (face, s, t) = cube_face(dir);
                let c = (d[3].round_ties_even() as i64).clamp(0, 1);
                // The levels with every texel replaced by its comparison.
                let compared = |lv: &[Level], dref: f32, first: u32, count: u32| -> Vec<Level> {
                    lv.iter()
                        .map(|l| {
                            let l = layers_of(l, first, count);
                            Level {
                                texels: l
                                    .texels
                                    .iter()
                                    .map(|t| [compare(op, dref, t[0]), 0.0, 0.0, 1.0])
                                    .collect(),
                                ..l
                            }
                        })
                        .collect()
                };
                let mut one = |lv: &[Level], dref: f32, first: u32| {
                    let cl = compared(lv, dref, first, 6);
                    if f == F::NEAREST {
                        reference(&cl, &plain, [s, t, 0.0], 2, face, r[1], [0; 3])[0]
                    } else {
                        edges += cube_linear(&cl[0], dir).1 as usize;
                        cube_mip_linear(&cl, dir, r[1])[0]
                    }
                };
                let want = [
                    one(&clv, r[0].clamp(0.0, 1.0), 0),
                    one(&alv, r[0], 6 * c as u32),
                ];
                for (q, w) in want.iter().enumerate() {
                    let g = got[2 * k + q];
                    assert!(
                        (g - w).abs() <= 1e-5,
                        "{smp:?} dir {d:?} ref {r:?}: {} is {g}, the spec's {w}",
                        ["cube (D16)", "cube array (D32)"][q]
                    );
                    fractions += (*w > 0.0 && *w < 1.0) as usize;
                }
            }
        }
    }
    assert!(fractions > 20, "filtered comparisons: {fractions}");
    assert!(edges > 5, "LINEAR samples across cube edges: {edges}");
    unsafe {
        vk.device.destroy_image_view(cview, None);
        vk.device.destroy_image_view(aview, None);
    }
    vk.destroy_image(cimg);
    vk.destroy_image(aimg);
    vk.destroy_buffer(coords);
    vk.destroy_buffer(out);
    p.destroy(&vk);
}

/// The spec's "Cube Map Derivatives" in f64: (face, λ_base) for direction `r` and gradients
/// `dx`, `dy` on a cube of `size` texels per face edge.
fn cube_grad_lambda(r: [f64; 3], dx: [f64; 3], dy: [f64; 3], size: f64) -> (usize, f64) {
    let a = r.map(f64::abs);
    // Major axis (ties: z over y over x) and, per face, the (axis, sign) of sc and tc.
    let (face, m) = if a[2] >= a[0] && a[2] >= a[1] {
        (if r[2] >= 0.0 { 4 } else { 5 }, 2)
    } else if a[1] >= a[0] {
        (if r[1] >= 0.0 { 2 } else { 3 }, 1)
    } else {
        (if r[0] >= 0.0 { 0 } else { 1 }, 0)
    };
    let ((sa, ss), (ta, ts)) = match face {
        0 => ((2, -1.0), (1, -1.0)),
        1 => ((2, 1.0), (1, -1.0)),
        2 => ((0, 1.0), (2, 1.0)),
        3 => ((0, 1.0), (2, -1.0)),
        4 => ((0, 1.0), (1, -1.0)),
        _ => ((0, -1.0), (1, -1.0)),
    };
    let (rc, sign) = (a[m], r[m].signum());
    let (sc, tc) = (ss * r[sa], ts * r[ta]);
    let rho = |g: [f64; 3]| {
        // d/dx of 0.5 (sc / |rc|) + 0.5, and of t the same way.
        let drc = sign * g[m];
        let ds = 0.5 * (ss * g[sa] * rc - sc * drc) / (rc * rc);
        let dt = 0.5 * (ts * g[ta] * rc - tc * drc) / (rc * rc);
        ((ds * size).powi(2) + (dt * size).powi(2)).sqrt()
    };
    (face, rho(dx).max(rho(dy)).log2())
}

/// textureGrad on a cube map (the derivatives of the face coordinates follow the spec's "Cube
/// Map Derivatives"): a 16x16 RGBA32F cube with 5 levels whose texels are (level, face, 0, 1),
/// a NEAREST / mipmap NEAREST sampler, 256 random directions and gradients (scales 0.02 .. 2):
/// each sample comes from the face the direction selects and from the level that the λ of
/// the spec's formulas selects (cases within 0.02 of a level boundary are not judged).
#[test]
fn cube_gradients_select_the_spec_lod() {
    let vk = Vk::new();
    let (size, mips) = (16u32, 5u32);
    let levels: Vec<Level> = (0..mips)
        .map(|m| {
            let n = size >> m;
            let texels = (0..6)
                .flat_map(|f| (0..n * n).map(move |_| [m as f32, f as f32, 0.0, 1.0]))
                .collect();
            Level {
                size: [n, n, 1],
                layers: 6,
                texels,
            }
        })
        .collect();
    let img = vk.image(
        &softvk_tests::image_2d(RGBA32F, size, size)
            .mip_levels(mips)
            .array_layers(6)
            .flags(vk::ImageCreateFlags::CUBE_COMPATIBLE)
            .usage(IU::SAMPLED | IU::TRANSFER_DST),
    );
    let data = upload(&vk, img.image, &levels);
    let cube = view(&vk, img.image, vk::ImageViewType::CUBE, RGBA32F, mips);
    let smp = Smp::new(
        vk::Filter::NEAREST,
        vk::SamplerMipmapMode::NEAREST,
        AM::CLAMP_TO_EDGE,
    )
    .create(&vk);
    let p = pipe(
        &vk,
        "cube_grad",
        &[&[
            (0, DT::COMBINED_IMAGE_SAMPLER),
            (1, DT::STORAGE_BUFFER),
            (2, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    let n = 256usize;
    let mut rng = Rng::new(4242);
    let mut unit = || (rng.next_u64() >> 40) as f64 / (1u64 << 24) as f64;
    let mut cases = Vec::new();
    while cases.len() < n {
        let r = [unit() * 2.0 - 1.0, unit() * 2.0 - 1.0, unit() * 2.0 - 1.0];
        let mut a = r.map(f64::abs);
        a.sort_by(f64::total_cmp);
        if a[2] < 0.2 || a[2] < 1.1 * a[1] {
            continue; // a clear major axis
        }
        let scale = 2.0 * 10f64.powf(-2.0 * unit());
        let mut g = || [0, 1, 2].map(|_| (unit() * 2.0 - 1.0) * scale);
        let (dx, dy) = (g(), g());
        cases.push((r, dx, dy));
    }
    let input = vk.buffer((n * 48) as u64, BU::STORAGE_BUFFER);
    let words: Vec<[f32; 4]> = cases
        .iter()
        .flat_map(|(r, dx, dy)| [r, dx, dy].map(|v| [v[0] as f32, v[1] as f32, v[2] as f32, 0.0]))
        .collect();
    put_vec4s(&input, &words);
    let out = vk.buffer((n * 16) as u64, BU::STORAGE_BUFFER);
    write_image(&vk, p.sets[0], 0, DT::COMBINED_IMAGE_SAMPLER, cube, smp, RO);
    write_buffer(
        &vk,
        p.sets[0],
        1,
        DT::STORAGE_BUFFER,
        &input,
        0,
        vk::WHOLE_SIZE,
    );
    write_buffer(
        &vk,
        p.sets[0],
        2,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, (n / 64) as u32, 1, 1);
    });
    let got = get_vec4s(&out, 0, n);
    let (mut judged, mut above0) = (0, 0);
    for (k, ((r, dx, dy), g)) in cases.iter().zip(&got).enumerate() {
        // The f32 inputs the shader saw.
        let f = |v: &[f64; 3]| v.map(|c| c as f32 as f64);
        let (face, lambda) = cube_grad_lambda(f(r), f(dx), f(dy), size as f64);
        assert_eq!(g[1], face as f32, "case {k}: face");
        // Mipmap NEAREST: level 0 up to λ = 0.5, then ceil(λ + 0.5) - 1, at most 4.
        let frac = (lambda - 0.5).rem_euclid(1.0);
        if !(0.02..=0.98).contains(&frac) {
            continue;
        }
        let level = if lambda <= 0.5 {
            0.0
        } else {
            ((lambda + 0.5).ceil() - 1.0).min((mips - 1) as f64)
        };
        assert_eq!(g[0] as f64, level, "case {k}: λ = {lambda}");
        judged += 1;
        above0 += (level > 0.0) as usize;
    }
    assert!(
        judged > 200 && above0 > 100,
        "{judged} judged, {above0} above level 0"
    );
    unsafe {
        vk.device.destroy_image_view(cube, None);
        vk.device.destroy_sampler(smp, None);
    }
    p.destroy(&vk);
    vk.destroy_image(img);
    for b in [data, input, out] {
        vk.destroy_buffer(b);
    }
}
