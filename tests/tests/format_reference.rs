//! Clears and blits of every format softvk reports, checked against `softvk_tests::reference`,
//! an encoder/decoder written from the spec's conversion rules (not softvk's codec).
//!
//! * Clears: vkCmdClearColorImage / vkCmdClearDepthStencilImage with in-range, out-of-range,
//!   negative, rounding, NaN/inf and (64-bit) large values; every texel read back through a
//!   buffer copy must hold what the spec's rules allow for the clear value (spec "Clear Values":
//!   VkClearColorValue, VkClearDepthStencilValue).
//! * Blits: same-format blits of every format with BLIT_SRC and BLIT_DST (NEAREST; LINEAR
//!   where SAMPLED_IMAGE_FILTER_LINEAR is reported), identity, scaled up with both axes flipped
//!   and scaled down with one axis flipped, plus cross-format pairs (unorm/snorm/sRGB/float/
//!   packed <-> float, int <-> int of other widths); every destination texel must hold what
//!   "Image Copies with Scaling" gives (decode source -> filter -> convert -> encode), texels
//!   outside the destination region stay untouched.
//! * Clears run on optimal and (where reported) linear tiling; blits on optimal tiling.
//! * Render-pass clears (load op CLEAR, dynamic rendering) of every COLOR_ATTACHMENT and
//!   DEPTH_STENCIL_ATTACHMENT format follow the same clear-value rules.
//! * Not reported, hence not tested here: USCALED/SSCALED (no features: the spec treats them
//!   as float formats, the CTS as integer ones) and 64-bit blits (no BLIT feature); the test
//!   `scaled_formats_report_nothing_and_64_bit_formats_do_not_blit` pins that down.

use ash::vk;
use softvk_tests::reference::{self as r, Layout, Num, Want};
use softvk_tests::{Rng, Vk};

type F2 = vk::FormatFeatureFlags2;
const DST: vk::ImageLayout = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
const SRC: vk::ImageLayout = vk::ImageLayout::TRANSFER_SRC_OPTIMAL;
const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

/// Every format softvk reports optimal-tiling features for, with those features
/// (vkGetPhysicalDeviceFormatProperties2 + VkFormatProperties3). Core formats and the
/// extension ranges; softvk must report none outside what this test knows.
fn reported(vk: &Vk) -> Vec<(vk::Format, F2)> {
    reported_tilings(vk)
        .into_iter()
        .map(|(f, optimal, _)| (f, optimal))
        .collect()
}

/// [`reported`] with the linear-tiling features too.
fn reported_tilings(vk: &Vk) -> Vec<(vk::Format, F2, F2)> {
    let mut raws: Vec<i32> = (1..=184).collect();
    // The extension formats the validation layer knows: YCbCr, 4:4:4 YCbCr,
    // A4R4G4B4/A4B4G4R4, PVRTC, ASTC HDR.
    for (base, n) in [
        (1_000_156_000, 34),
        (1_000_330_000, 4),
        (1_000_340_000, 2),
        (1_000_054_000, 8),
        (1_000_066_000, 14),
    ] {
        raws.extend(base..base + n);
    }
    raws.into_iter()
        // Block-compressed formats (BC1..BC7) have no per-texel layout: tests/tests/bc.rs.
        .filter(|raw| !(131..=146).contains(raw))
        .filter_map(|raw| {
            let format = vk::Format::from_raw(raw);
            let mut p3 = vk::FormatProperties3::default();
            let mut p2 = vk::FormatProperties2::default().push_next(&mut p3);
            unsafe {
                vk.instance
                    .get_physical_device_format_properties2(vk.physical, format, &mut p2)
            };
            let (o, l) = (p3.optimal_tiling_features, p3.linear_tiling_features);
            assert!(
                o.contains(l),
                "{format:?}: linear features are a subset of optimal"
            );
            (!o.is_empty()).then_some((format, o, l))
        })
        .collect()
}

/// The aspects of `format` with the layout of each aspect's plane (the buffer-copy layout).
fn planes(format: vk::Format) -> Vec<(vk::ImageAspectFlags, Layout)> {
    type A = vk::ImageAspectFlags;
    type F = vk::Format;
    let (depth, stencil) = match format {
        F::D16_UNORM => (Some(F::D16_UNORM), false),
        F::X8_D24_UNORM_PACK32 => (Some(F::X8_D24_UNORM_PACK32), false),
        F::D32_SFLOAT => (Some(F::D32_SFLOAT), false),
        F::S8_UINT => (None, true),
        F::D16_UNORM_S8_UINT => (Some(F::D16_UNORM), true),
        F::D24_UNORM_S8_UINT => (Some(F::X8_D24_UNORM_PACK32), true),
        F::D32_SFLOAT_S8_UINT => (Some(F::D32_SFLOAT), true),
        _ => {
            let l = r::layout(format).unwrap_or_else(|| panic!("{format:?}: no reference layout"));
            return vec![(A::COLOR, l)];
        }
    };
    let mut out = vec![];
    if let Some(d) = depth {
        out.push((A::DEPTH, r::layout(d).unwrap()));
    }
    if stencil {
        out.push((A::STENCIL, r::layout(F::S8_UINT).unwrap()));
    }
    out
}

fn aspect_mask(p: &[(vk::ImageAspectFlags, Layout)]) -> vk::ImageAspectFlags {
    p.iter()
        .fold(vk::ImageAspectFlags::empty(), |a, (b, _)| a | *b)
}

fn image(vk: &Vk, format: vk::Format, w: u32, h: u32) -> softvk_tests::Img {
    vk.image(&softvk_tests::image_2d(format, w, h))
}

fn image_tiled(
    vk: &Vk,
    format: vk::Format,
    w: u32,
    h: u32,
    tiling: vk::ImageTiling,
) -> softvk_tests::Img {
    vk.image(&softvk_tests::image_2d(format, w, h).tiling(tiling))
}

fn layers(aspect: vk::ImageAspectFlags) -> vk::ImageSubresourceLayers {
    vk::ImageSubresourceLayers {
        aspect_mask: aspect,
        mip_level: 0,
        base_array_layer: 0,
        layer_count: 1,
    }
}

fn copy_region(aspect: vk::ImageAspectFlags, offset: u64, w: u32, h: u32) -> vk::BufferImageCopy {
    vk::BufferImageCopy {
        buffer_offset: offset,
        buffer_row_length: 0,
        buffer_image_height: 0,
        image_subresource: layers(aspect),
        image_offset: vk::Offset3D::default(),
        image_extent: vk::Extent3D {
            width: w,
            height: h,
            depth: 1,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Clears
// ---------------------------------------------------------------------------------------------

/// Float clear values (VkClearColorValue::float32): in range, out of range, negative, values
/// that need rounding, tiny (denormal in f16), huge (overflow of f16 / 11-bit floats), signed
/// zero, infinities and NaN.
const FLOAT_CLEARS: [[f32; 4]; 8] = [
    [0.0, 1.0, 0.5, 0.25],
    [0.3, -0.2, 1.7, 0.7],
    [-0.0, 1e-3, 0.1, 0.999_9],
    [65504.0, 70000.0, -1e6, 1e-6],
    [6e-8, -6e-5, std::f32::consts::PI, 1e30],
    [f32::INFINITY, f32::NEG_INFINITY, 2.0, -1.0],
    [f32::NAN, 0.2, f32::NAN, 0.6],
    [0.501_960_8, 1.0 / 3.0, 0.0031, 64_000.0],
];

const UINT_CLEARS: [[u32; 4]; 4] = [
    [0, 1, 255, 256],
    [300, 65535, 65536, 0xDEAD_BEEF],
    [u32::MAX, 127, 128, 1023],
    [5, 6, 7, 8],
];

const SINT_CLEARS: [[i32; 4]; 4] = [
    [0, -1, 127, -128],
    [128, -129, 32767, -32768],
    [i32::MIN, i32::MAX, 511, -512],
    [1, -2, 3, -4],
];

/// The clear values to try on a colour format, as VkClearColorValue bits.
fn clear_values(l: &Layout) -> Vec<[u32; 4]> {
    if l.wide() {
        let d = |x: f64| {
            let b = x.to_bits();
            [b as u32, (b >> 32) as u32]
        };
        let (a, b, c) = (d(1e300), d(-0.1), d(f64::NAN));
        return vec![
            [0x89AB_CDEF, 0x0123_4567, u32::MAX, u32::MAX],
            [1, 0, 0, 0x8000_0000],
            [a[0], a[1], b[0], b[1]],
            [c[0], c[1], 7, 0xFFFF_FFF0],
        ];
    }
    match l.num() {
        Num::Uint => UINT_CLEARS.to_vec(),
        Num::Sint => SINT_CLEARS.iter().map(|c| c.map(|v| v as u32)).collect(),
        _ => FLOAT_CLEARS.iter().map(|c| c.map(f32::to_bits)).collect(),
    }
}

/// What the spec lets each component hold after a clear with `bits` (spec VkClearColorValue):
/// float32 for float numeric types, converted by the format's rules; uint32 "cast to the
/// integer type with fewer bits" (its low bits); int32 cast the same way, undefined when not
/// representable; 64-bit components take two consecutive words as one 64-bit value (R from
/// words 0-1, G from words 2-3; B and A are not given a value by the spec).
fn clear_want(l: &Layout, bits: [u32; 4]) -> [Want; 4] {
    if l.wide() {
        let mut w = [Want::Any; 4];
        for c in 0..2 {
            let v = bits[2 * c] as u64 | (bits[2 * c + 1] as u64) << 32;
            let float_nan = l.num() == Num::Sfloat && f64::from_bits(v).is_nan();
            w[c] = if float_nan { Want::Nan } else { Want::Bits(v) };
        }
        return w;
    }
    match l.num() {
        Num::Uint | Num::Sint => {
            let mut w = [Want::Any; 4];
            for f in &l.fields {
                let Some(s) = f.slot() else { continue };
                let v = if l.num() == Num::Uint {
                    (bits[s] as u64 & ((1u64 << f.bits) - 1)) as f64
                } else {
                    bits[s] as i32 as f64
                };
                w[s] = r::encode_field(f, v);
            }
            w
        }
        _ => r::encode(l, bits.map(|b| f32::from_bits(b) as f64)),
    }
}

const CW: u32 = 4;
const CH: u32 = 2;

#[test]
fn clears_of_every_reported_format_follow_the_spec() {
    let vk = Vk::new();
    let mut checked = 0;
    let mut cases = vec![];
    for (format, optimal, linear) in reported_tilings(&vk) {
        cases.push((format, optimal, vk::ImageTiling::OPTIMAL));
        cases.push((format, linear, vk::ImageTiling::LINEAR));
    }
    for (format, features, tiling) in cases {
        if !features.contains(F2::TRANSFER_SRC | F2::TRANSFER_DST) {
            continue;
        }
        let planes = planes(format);
        let mask = aspect_mask(&planes);
        let color = mask == vk::ImageAspectFlags::COLOR;
        // (per clear: colour bits, or depth + stencil)
        let clears: Vec<[u32; 4]> = if color {
            clear_values(&planes[0].1)
        } else {
            [
                (0.0f32, 0u32),
                (1.0, 0xFF),
                (0.5, 0x1234),
                (0.3, 1),
                (1.0 / 3.0, 0x7F),
                (0.123_456, 0x80),
                (1e-7, 0xAB),
            ]
            .iter()
            .map(|(d, s)| [d.to_bits(), *s, 0, 0])
            .collect()
        };
        let img = image_tiled(&vk, format, CW, CH, tiling);
        let stride: u64 = planes
            .iter()
            .map(|(_, l)| (l.bytes as u64 * (CW * CH) as u64).next_multiple_of(4))
            .sum();
        let out = vk.buffer(stride * clears.len() as u64, USAGE);
        vk.run(|cb| unsafe {
            vk.image_barrier(cb, img.image, mask, vk::ImageLayout::UNDEFINED, DST);
            for (k, c) in clears.iter().enumerate() {
                if k > 0 {
                    vk.image_barrier(cb, img.image, mask, SRC, DST);
                }
                if color {
                    vk.device.cmd_clear_color_image(
                        cb,
                        img.image,
                        DST,
                        &vk::ClearColorValue { uint32: *c },
                        &[softvk_tests::full_range(mask)],
                    );
                } else {
                    vk.device.cmd_clear_depth_stencil_image(
                        cb,
                        img.image,
                        DST,
                        &vk::ClearDepthStencilValue {
                            depth: f32::from_bits(c[0]),
                            stencil: c[1],
                        },
                        &[softvk_tests::full_range(mask)],
                    );
                }
                vk.image_barrier(cb, img.image, mask, DST, SRC);
                let mut off = stride * k as u64;
                for (aspect, l) in &planes {
                    vk.device.cmd_copy_image_to_buffer(
                        cb,
                        img.image,
                        SRC,
                        out.buffer,
                        &[copy_region(*aspect, off, CW, CH)],
                    );
                    off += (l.bytes as u64 * (CW * CH) as u64).next_multiple_of(4);
                }
                vk.transfer_barrier(cb);
            }
        });
        let bytes = out.bytes();
        for (k, c) in clears.iter().enumerate() {
            let mut off = (stride * k as u64) as usize;
            for (aspect, l) in &planes {
                let want = if color {
                    clear_want(l, *c)
                } else if *aspect == vk::ImageAspectFlags::STENCIL {
                    // VkClearDepthStencilValue: the stencil value's low bits.
                    [
                        Want::Code((c[1] & 0xFF) as i64, (c[1] & 0xFF) as i64),
                        Want::Any,
                        Want::Any,
                        Want::Any,
                    ]
                } else {
                    r::encode(l, [f32::from_bits(c[0]) as f64, 0.0, 0.0, 1.0])
                };
                for t in 0..(CW * CH) as usize {
                    let texel = &bytes[off + t * l.bytes..off + (t + 1) * l.bytes];
                    if let Err(e) = r::check(l, texel, &want) {
                        panic!(
                            "{format:?} {tiling:?} {aspect:?}: clear {k} {:?} (as f32 {:?}), \
                             texel {t}: {e}",
                            c.map(|b| format!("{b:#x}")),
                            c.map(f32::from_bits)
                        );
                    }
                }
                off += (l.bytes * (CW * CH) as usize).next_multiple_of(4);
            }
            checked += 1;
        }
        vk.destroy_buffer(out);
        vk.destroy_image(img);
    }
    assert!(checked > 1000, "only {checked} clears checked");
}

/// A layout transition of every subresource, synchronising all commands (attachment writes
/// and transfers alike).
fn barrier(
    vk: &Vk,
    cb: vk::CommandBuffer,
    image: vk::Image,
    aspect: vk::ImageAspectFlags,
    old: vk::ImageLayout,
    new: vk::ImageLayout,
) {
    let b = [vk::ImageMemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .src_access_mask(vk::AccessFlags2::MEMORY_WRITE)
        .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)
        .old_layout(old)
        .new_layout(new)
        .image(image)
        .subresource_range(softvk_tests::full_range(aspect))];
    unsafe {
        vk.device
            .cmd_pipeline_barrier2(cb, &vk::DependencyInfo::default().image_memory_barriers(&b))
    };
}

/// Render-pass clears (VK_ATTACHMENT_LOAD_OP_CLEAR with dynamic rendering) of every format
/// with COLOR_ATTACHMENT or DEPTH_STENCIL_ATTACHMENT take the same VkClearValue rules as
/// vkCmdClearColorImage (spec "Clear Values").
#[test]
fn attachment_clears_of_every_attachment_format_follow_the_spec() {
    type A = vk::ImageAspectFlags;
    let vk = Vk::new();
    let mut checked = 0;
    for (format, f) in reported(&vk) {
        let color = f.contains(F2::COLOR_ATTACHMENT);
        if !color && !f.contains(F2::DEPTH_STENCIL_ATTACHMENT) {
            continue;
        }
        let planes = planes(format);
        let mask = aspect_mask(&planes);
        let clears: Vec<vk::ClearValue> = if color {
            clear_values(&planes[0].1)
                .into_iter()
                .map(|c| vk::ClearValue {
                    color: vk::ClearColorValue { uint32: c },
                })
                .collect()
        } else {
            [(0.0f32, 0u32), (1.0, 0x1FF), (0.3, 0x7F), (1.0 / 3.0, 0x80)]
                .iter()
                .map(|(d, s)| vk::ClearValue {
                    depth_stencil: vk::ClearDepthStencilValue {
                        depth: *d,
                        stencil: *s,
                    },
                })
                .collect()
        };
        let usage = vk::ImageUsageFlags::TRANSFER_SRC
            | if color {
                vk::ImageUsageFlags::COLOR_ATTACHMENT
            } else {
                vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT
            };
        let img = vk.image(&softvk_tests::image_2d(format, CW, CH).usage(usage));
        let view = unsafe {
            vk.device.create_image_view(
                &vk::ImageViewCreateInfo::default()
                    .image(img.image)
                    .view_type(vk::ImageViewType::TYPE_2D)
                    .format(format)
                    .subresource_range(softvk_tests::full_range(mask)),
                None,
            )
        }
        .expect("vkCreateImageView");
        let stride: u64 = planes
            .iter()
            .map(|(_, l)| (l.bytes as u64 * (CW * CH) as u64).next_multiple_of(4))
            .sum();
        let out = vk.buffer(stride * clears.len() as u64, USAGE);
        let att_layout = if color {
            vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL
        } else {
            vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL
        };
        vk.run(|cb| unsafe {
            let mut old = vk::ImageLayout::UNDEFINED;
            for (k, c) in clears.iter().enumerate() {
                barrier(&vk, cb, img.image, mask, old, att_layout);
                let att = vk::RenderingAttachmentInfo::default()
                    .image_view(view)
                    .image_layout(att_layout)
                    .load_op(vk::AttachmentLoadOp::CLEAR)
                    .store_op(vk::AttachmentStoreOp::STORE)
                    .clear_value(*c);
                let colors = [att];
                let mut info = vk::RenderingInfo::default()
                    .render_area(vk::Rect2D {
                        offset: vk::Offset2D::default(),
                        extent: vk::Extent2D {
                            width: CW,
                            height: CH,
                        },
                    })
                    .layer_count(1);
                if color {
                    info = info.color_attachments(&colors);
                }
                if mask.contains(A::DEPTH) {
                    info = info.depth_attachment(&att);
                }
                if mask.contains(A::STENCIL) {
                    info = info.stencil_attachment(&att);
                }
                vk.device.cmd_begin_rendering(cb, &info);
                vk.device.cmd_end_rendering(cb);
                barrier(&vk, cb, img.image, mask, att_layout, SRC);
                old = SRC;
                let mut off = stride * k as u64;
                for (aspect, l) in &planes {
                    vk.device.cmd_copy_image_to_buffer(
                        cb,
                        img.image,
                        SRC,
                        out.buffer,
                        &[copy_region(*aspect, off, CW, CH)],
                    );
                    off += (l.bytes as u64 * (CW * CH) as u64).next_multiple_of(4);
                }
            }
        });
        let bytes = out.bytes();
        for (k, c) in clears.iter().enumerate() {
            let mut off = (stride * k as u64) as usize;
            for (aspect, l) in &planes {
                let want = if color {
                    clear_want(l, unsafe { c.color.uint32 })
                } else {
                    let ds = unsafe { c.depth_stencil };
                    if *aspect == A::STENCIL {
                        let s = (ds.stencil & 0xFF) as i64;
                        [Want::Code(s, s), Want::Any, Want::Any, Want::Any]
                    } else {
                        r::encode(l, [ds.depth as f64, 0.0, 0.0, 1.0])
                    }
                };
                for t in 0..(CW * CH) as usize {
                    let texel = &bytes[off + t * l.bytes..off + (t + 1) * l.bytes];
                    if let Err(e) = r::check(l, texel, &want) {
                        panic!("{format:?} {aspect:?}: load-op clear {k}, texel {t}: {e}");
                    }
                }
                off += (l.bytes * (CW * CH) as usize).next_multiple_of(4);
            }
            checked += 1;
        }
        unsafe { vk.device.destroy_image_view(view, None) };
        vk.destroy_buffer(out);
        vk.destroy_image(img);
    }
    assert!(checked > 300, "only {checked} attachment clears checked");
}

// ---------------------------------------------------------------------------------------------
// Blits
// ---------------------------------------------------------------------------------------------

const SW: u32 = 5;
const SH: u32 = 4;
const DW: u32 = 8;
const DH: u32 = 6;

/// A blit region: source and destination corners ([x0, y0, x1, y1]).
type Region = ([i32; 4], [i32; 4]);

/// Identity, scale up with both axes flipped, scale down (2:1 and 4:1) with x flipped.
const REGIONS: [Region; 3] = [
    ([0, 0, 5, 4], [0, 0, 5, 4]),
    ([0, 0, 5, 4], [8, 6, 0, 0]),
    ([1, 0, 5, 4], [7, 5, 5, 6]),
];

/// Source texel bytes for a plane: random bits (`raw`), or for filtered and cross-format blits
/// finite values of moderate size (float fields), small integers half of the time (integer
/// fields, so that they fit narrower destinations), depth within [0, 1].
fn source(l: &Layout, rng: &mut Rng, raw: bool) -> Vec<u8> {
    let mut out = vec![0u8; l.bytes * (SW * SH) as usize];
    for t in out.chunks_mut(l.bytes) {
        loop {
            rng.fill(t);
            let ok = if l.shared_exp {
                raw || r::decode(l, t).iter().all(|v| *v <= 1000.0)
            } else {
                let mut ok = true;
                for f in &l.fields {
                    if f.slot().is_none() {
                        continue;
                    }
                    if f.num.is_int() && !raw && rng.next_u64().is_multiple_of(2) {
                        let small =
                            (rng.next_u64() % 100) as i64 - if f.num == Num::Sint { 50 } else { 0 };
                        r::put_field(t, f.off, f.bits, small as u64);
                    }
                    let v = r::decode_field(f, r::get_field(t, f.off, f.bits));
                    if f.ch == 'D' && !(0.0..=1.0).contains(&v) {
                        ok = false; // depth copies take [0, 1] (VUID-vkCmdCopyBufferToImage-None-00214)
                    }
                    if matches!(f.num, Num::Sfloat | Num::Ufloat)
                        && !raw
                        && (v.is_nan() || v.abs() > 1000.0)
                    {
                        ok = false;
                    }
                }
                ok
            };
            if ok {
                break;
            }
        }
    }
    out
}

/// The wants of every destination texel of `region` (row-major over the whole destination):
/// inside the region what "Image Copies with Scaling" gives, outside `None` (must stay zero).
///
/// Whether `format` blits with LINEAR: FILTER_LINEAR is reported and it is not a depth/stencil
/// format (those blit with NEAREST only, VUID-vkCmdBlitImage-srcImage-00232, while their
/// FILTER_LINEAR is about sampling the depth aspect).
fn linear_blits(format: vk::Format, f: F2) -> bool {
    let depth_stencil = (124..=130).contains(&format.as_raw());
    f.contains(F2::SAMPLED_IMAGE_FILTER_LINEAR) && !depth_stencil
}

/// NEAREST is exact. LINEAR weights are only as exact as subTexelPrecisionBits (spec "Texel
/// Filtering") and the arithmetic is single precision: the filtered value x may be off by
/// spread * 2^-bits + |largest tap| * 1e-6, and the result may be anything the destination's
/// conversion allows for a value in that interval.
fn blit_want(
    src: &Layout,
    sbytes: &[u8],
    dst: &Layout,
    (s, d): Region,
    linear: bool,
    sub_texel_bits: u32,
) -> Vec<Option<[Want; 4]>> {
    let texel = |x: u32, y: u32| {
        let i = (y * SW + x) as usize * src.bytes;
        r::decode(src, &sbytes[i..i + src.bytes])
    };
    let (dx0, dx1) = (d[0].min(d[2]), d[0].max(d[2]));
    let (dy0, dy1) = (d[1].min(d[3]), d[1].max(d[3]));
    let mut out = vec![None; (DW * DH) as usize];
    for y in dy0..dy1 {
        for x in dx0..dx1 {
            let u = r::blit_coord(x, (d[0], d[2]), (s[0], s[2]));
            let v = r::blit_coord(y, (d[1], d[3]), (s[1], s[3]));
            let taps = r::blit_sample(u, v, SW, SH, linear);
            // Per component: the filtered value and its tolerance.
            let mut sum = [0.0; 4];
            let mut tol = [0.0; 4];
            for c in 0..4 {
                let vals: Vec<(f64, f64)> = taps
                    .iter()
                    .map(|((tx, ty), w)| (texel(*tx, *ty)[c], *w))
                    .collect();
                sum[c] = vals.iter().map(|(v, w)| v * w).sum();
                if linear {
                    let spread = vals
                        .iter()
                        .map(|(v, _)| (v - sum[c]).abs())
                        .fold(0.0, f64::max);
                    let big = vals.iter().map(|(v, _)| v.abs()).fold(0.0, f64::max);
                    tol[c] = spread * 2f64.powi(-(sub_texel_bits as i32)) + big * 1e-6;
                }
            }
            let end = |k: f64| -> [f64; 4] { std::array::from_fn(|c| sum[c] + k * tol[c]) };
            let (lo, hi) = (r::encode(dst, end(-1.0)), r::encode(dst, end(1.0)));
            let mut want: [Want; 4] = std::array::from_fn(|c| lo[c].span(hi[c]));
            for (c, w) in want.iter_mut().enumerate() {
                if sum[c].is_nan()
                    && let Some(f) = dst.field(c)
                {
                    *w = r::encode_field(f, f64::NAN);
                }
            }
            if dst.shared_exp && linear {
                // The shared exponent follows the largest component: a small change of it
                // moves the others by up to one unit at that exponent (max / 256).
                let top = hi.iter().take(3).fold(0.0f64, |m, w| match w {
                    Want::Float(_, h) => m.max(*h),
                    _ => m,
                });
                for w in want.iter_mut().take(3) {
                    if let Want::Float(l, h) = *w {
                        *w = Want::Float(l - top / 256.0, h + top / 256.0);
                    }
                }
            }
            out[(y as u32 * DW + x as u32) as usize] = Some(want);
        }
    }
    out
}

struct Blit {
    src: vk::Format,
    dst: vk::Format,
    linear: bool,
    regions: Vec<Region>,
}

/// Runs the blits of one (source, destination) format pair and checks every texel.
fn run_blits(vk: &Vk, b: &Blit, rng: &mut Rng, sub_texel_bits: u32) -> usize {
    let sp = planes(b.src);
    let dp = planes(b.dst);
    let mask = aspect_mask(&sp);
    let raw = !b.linear && b.src == b.dst;
    let sources: Vec<Vec<u8>> = sp.iter().map(|(_, l)| source(l, rng, raw)).collect();
    let src_img = image(vk, b.src, SW, SH);
    let dsts: Vec<softvk_tests::Img> = b.regions.iter().map(|_| image(vk, b.dst, DW, DH)).collect();
    let plane_size = |l: &Layout, n: u32| (l.bytes as u64 * n as u64).next_multiple_of(4);
    let up_size: u64 = sp.iter().map(|(_, l)| plane_size(l, SW * SH)).sum();
    let down_size: u64 = dp.iter().map(|(_, l)| plane_size(l, DW * DH)).sum();
    let up = vk.buffer(up_size, USAGE);
    let zeros = vk.buffer(down_size, USAGE);
    let down = vk.buffer(down_size * dsts.len() as u64, USAGE);
    let mut off = 0;
    for ((_, l), s) in sp.iter().zip(&sources) {
        up.bytes()[off..off + s.len()].copy_from_slice(s);
        off += plane_size(l, SW * SH) as usize;
    }
    zeros.bytes().fill(0);
    let filter = if b.linear {
        vk::Filter::LINEAR
    } else {
        vk::Filter::NEAREST
    };
    vk.run(|cb| unsafe {
        vk.image_barrier(cb, src_img.image, mask, vk::ImageLayout::UNDEFINED, DST);
        for d in &dsts {
            vk.image_barrier(cb, d.image, mask, vk::ImageLayout::UNDEFINED, DST);
        }
        let mut off = 0;
        for (aspect, l) in &sp {
            vk.device.cmd_copy_buffer_to_image(
                cb,
                up.buffer,
                src_img.image,
                DST,
                &[copy_region(*aspect, off, SW, SH)],
            );
            off += plane_size(l, SW * SH);
        }
        for d in &dsts {
            let mut off = 0;
            for (aspect, l) in &dp {
                vk.device.cmd_copy_buffer_to_image(
                    cb,
                    zeros.buffer,
                    d.image,
                    DST,
                    &[copy_region(*aspect, off, DW, DH)],
                );
                off += plane_size(l, DW * DH);
            }
        }
        vk.image_barrier(cb, src_img.image, mask, DST, SRC);
        vk.transfer_barrier(cb);
        for (d, (s, t)) in dsts.iter().zip(&b.regions) {
            let o = |c: &[i32; 4], i: usize| vk::Offset3D {
                x: c[2 * i],
                y: c[2 * i + 1],
                z: i as i32,
            };
            let region = vk::ImageBlit {
                src_subresource: layers(mask),
                src_offsets: [o(s, 0), o(s, 1)],
                dst_subresource: layers(mask),
                dst_offsets: [o(t, 0), o(t, 1)],
            };
            vk.device
                .cmd_blit_image(cb, src_img.image, SRC, d.image, DST, &[region], filter);
        }
        for d in &dsts {
            vk.image_barrier(cb, d.image, mask, DST, SRC);
        }
        for (k, d) in dsts.iter().enumerate() {
            let mut off = down_size * k as u64;
            for (aspect, l) in &dp {
                vk.device.cmd_copy_image_to_buffer(
                    cb,
                    d.image,
                    SRC,
                    down.buffer,
                    &[copy_region(*aspect, off, DW, DH)],
                );
                off += plane_size(l, DW * DH);
            }
        }
    });
    let got = down.bytes();
    let mut checked = 0;
    for (k, region) in b.regions.iter().enumerate() {
        let mut off = (down_size * k as u64) as usize;
        for ((aspect, sl), ((_, dl), sbytes)) in sp.iter().zip(dp.iter().zip(&sources)) {
            let wants = blit_want(sl, sbytes, dl, *region, b.linear, sub_texel_bits);
            for (t, want) in wants.iter().enumerate() {
                let texel = &got[off + t * dl.bytes..off + (t + 1) * dl.bytes];
                let res = match want {
                    None if texel.iter().all(|b| *b == 0) => Ok(()),
                    None => Err("outside the region, changed".to_string()),
                    Some(w) => r::check(dl, texel, w),
                };
                if let Err(e) = res {
                    panic!(
                        "blit {:?} -> {:?} {aspect:?} {} region {region:?}: texel ({}, {}): {e}",
                        b.src,
                        b.dst,
                        if b.linear { "LINEAR" } else { "NEAREST" },
                        t as u32 % DW,
                        t as u32 / DW
                    );
                }
                checked += 1;
            }
            off += plane_size(dl, DW * DH) as usize;
        }
    }
    vk.destroy_buffer(up);
    vk.destroy_buffer(zeros);
    vk.destroy_buffer(down);
    vk.destroy_image(src_img);
    for d in dsts {
        vk.destroy_image(d);
    }
    checked
}

fn sub_texel_bits(vk: &Vk) -> u32 {
    unsafe { vk.instance.get_physical_device_properties(vk.physical) }
        .limits
        .sub_texel_precision_bits
}

#[test]
fn same_format_blits_of_every_reported_format_follow_the_spec() {
    let vk = Vk::new();
    let bits = sub_texel_bits(&vk);
    let mut rng = Rng::new(7);
    let mut formats = 0;
    for (format, f) in reported(&vk) {
        if !f.contains(F2::BLIT_SRC | F2::BLIT_DST) {
            continue;
        }
        let mut blits = vec![Blit {
            src: format,
            dst: format,
            linear: false,
            regions: REGIONS.to_vec(),
        }];
        if linear_blits(format, f) {
            blits.push(Blit {
                src: format,
                dst: format,
                linear: true,
                regions: REGIONS[1..].to_vec(),
            });
        }
        for b in &blits {
            assert!(run_blits(&vk, b, &mut rng, bits) > 0);
        }
        formats += 1;
    }
    assert!(formats > 50, "only {formats} formats blit");
}

#[test]
fn cross_format_blits_follow_the_spec() {
    type F = vk::Format;
    let vk = Vk::new();
    let bits = sub_texel_bits(&vk);
    let mut rng = Rng::new(11);
    let pairs = [
        (F::R8G8B8A8_UNORM, F::R32G32B32A32_SFLOAT),
        (F::R32G32B32A32_SFLOAT, F::R8G8B8A8_UNORM),
        (F::R16G16B16A16_SFLOAT, F::R8G8B8A8_SRGB),
        (F::B8G8R8A8_SRGB, F::R16G16B16A16_UNORM),
        (F::R8G8B8A8_SRGB, F::B8G8R8A8_SRGB),
        (F::B10G11R11_UFLOAT_PACK32, F::R16G16B16A16_SFLOAT),
        (F::R16G16B16A16_SFLOAT, F::B10G11R11_UFLOAT_PACK32),
        (F::R32G32B32A32_SFLOAT, F::A2B10G10R10_UNORM_PACK32),
        (F::A2R10G10B10_SNORM_PACK32, F::R32G32B32A32_SFLOAT),
        (F::R8_SNORM, F::R16_SFLOAT),
        (F::R16G16_SNORM, F::R8G8_UNORM),
        (F::E5B9G9R9_UFLOAT_PACK32, F::R32G32B32A32_SFLOAT),
        (F::R32G32B32A32_SFLOAT, F::E5B9G9R9_UFLOAT_PACK32),
        (F::B5G6R5_UNORM_PACK16, F::B8G8R8A8_SRGB),
        (F::R4G4_UNORM_PACK8, F::R32_SFLOAT),
        (F::R8G8B8A8_UNORM, F::R4G4B4A4_UNORM_PACK16),
        (F::R16G16B16A16_UINT, F::R8G8B8A8_UINT),
        (F::R8G8B8A8_UINT, F::R32G32B32A32_UINT),
        (F::A2B10G10R10_UINT_PACK32, F::R16G16B16A16_UINT),
        (F::R8G8_SINT, F::R32G32_SINT),
        (F::R32_SINT, F::R16_SINT),
        (F::R16G16B16A16_SINT, F::A2R10G10B10_SINT_PACK32),
    ];
    let features: std::collections::HashMap<F, F2> = reported(&vk).into_iter().collect();
    let mut done = 0;
    for (s, d) in pairs {
        let (fs, fd) = (features[&s], features[&d]);
        assert!(
            fs.contains(F2::BLIT_SRC) && fd.contains(F2::BLIT_DST),
            "{s:?} -> {d:?}"
        );
        let mut blits = vec![false];
        if linear_blits(s, fs) {
            blits.push(true);
        }
        for linear in blits {
            let b = Blit {
                src: s,
                dst: d,
                linear,
                regions: REGIONS[..2].to_vec(),
            };
            done += run_blits(&vk, &b, &mut rng, bits);
        }
    }
    assert!(done > 1000);
}

/// What is not reported, and why: USCALED/SSCALED formats report no image features (the spec clears and
/// blits them as float formats, the CTS as integer ones; see physical_device::format_features;
/// they are vertex formats only),
/// and 64-bit formats do not blit (blits go through 32-bit texel values; the spec's required
/// format tables require no BLIT feature for them). Everything else this test checks.
#[test]
fn scaled_formats_are_vertex_formats_only_and_64_bit_formats_do_not_blit() {
    let vk = Vk::new();
    let all = reported(&vk);
    let mut wide = 0;
    for raw in 1..=130 {
        let format = vk::Format::from_raw(raw);
        let name = format!("{format:?}");
        let f = all.iter().find(|(g, _)| *g == format).map(|(_, f)| *f);
        if name.contains("SCALED") {
            assert_eq!(f, None, "{name}");
            let props = unsafe {
                vk.instance
                    .get_physical_device_format_properties(vk.physical, format)
            };
            // Vertex input only: a scaled attribute is the float of its integer.
            assert_eq!(
                props.buffer_features,
                vk::FormatFeatureFlags::VERTEX_BUFFER,
                "{name}"
            );
            assert!(props.optimal_tiling_features.is_empty(), "{name}");
            assert!(props.linear_tiling_features.is_empty(), "{name}");
        } else {
            let f = f.unwrap_or_else(|| panic!("{name} is not reported"));
            assert!(f.contains(F2::TRANSFER_SRC | F2::TRANSFER_DST), "{name}");
            if r::layout(format).is_some_and(|l| l.wide()) {
                assert!(!f.intersects(F2::BLIT_SRC | F2::BLIT_DST), "{name}");
                wide += 1;
            }
        }
    }
    assert_eq!(wide, 12);
}

/// The reference itself against values the spec states outright, so that a wrong reference
/// cannot pass a wrong driver.
#[test]
fn reference_matches_the_spec_examples() {
    type F = vk::Format;
    let l = r::layout(F::A2R10G10B10_UNORM_PACK32).unwrap();
    assert_eq!(
        l.fields
            .iter()
            .map(|f| (f.ch, f.off, f.bits))
            .collect::<Vec<_>>(),
        [('A', 30, 2), ('R', 20, 10), ('G', 10, 10), ('B', 0, 10)]
    );
    let l = r::layout(F::B8G8R8A8_SRGB).unwrap();
    assert_eq!(l.fields[3].num, Num::Unorm, "sRGB alpha is linear");
    assert_eq!(l.fields[0].off, 0);
    // UNORM: 0.0 and 1.0 exact, otherwise one of the two nearest codes.
    let f = &r::layout(F::R8_UNORM).unwrap().fields[0];
    assert_eq!(r::encode_field(f, 1.0), Want::Code(255, 255));
    assert_eq!(r::encode_field(f, 0.5), Want::Code(127, 128));
    assert_eq!(r::encode_field(f, -3.0), Want::Code(0, 0));
    // SNORM: -1.0 is -127, never -128; -128 decodes to -1.0.
    let f = &r::layout(F::R8_SNORM).unwrap().fields[0];
    assert_eq!(r::encode_field(f, -1.0), Want::Code(-127, -127));
    assert_eq!(r::decode_field(f, 0x80), -1.0);
    // f16: 65504 is the largest finite value; 1/3 rounds to 0x3555 or toward zero 0x3555.
    let f = &r::layout(F::R16_SFLOAT).unwrap().fields[0];
    assert_eq!(r::decode_field(f, 0x7BFF), 65504.0);
    assert!(r::encode_field(f, 1.0 / 3.0).accepts(f, 0x3555));
    assert!(!r::encode_field(f, 1.0 / 3.0).accepts(f, 0x3556));
    assert!(r::encode_field(f, 1e6).accepts(f, 0x7C00));
    // 11-bit unsigned float: negative -> 0, above 65024 -> 65024, +inf stays.
    let l = r::layout(F::B10G11R11_UFLOAT_PACK32).unwrap();
    let g = l.field(0).unwrap();
    assert_eq!(r::decode_field(g, 0x7BF), 65024.0);
    assert_eq!(r::encode_field(g, -5.0), Want::Float(0.0, 0.0));
    assert_eq!(r::encode_field(g, 1e9), Want::Float(65024.0, 65024.0));
    // E5B9G9R9: the spec's algorithm on (1, 0.5, 0): exponent 16, mantissas 256, 128, 0.
    assert_eq!(
        r::encode_e5b9g9r9([1.0, 0.5, 0.0]),
        Some(256 | 128 << 9 | 16 << 27)
    );
    // sRGB: linear 0.5 encodes to 187.5 -> 187 or 188 (spec formula).
    let f = &r::layout(F::R8_SRGB).unwrap().fields[0];
    assert_eq!(r::encode_field(f, 0.5), Want::Code(187, 188));
    // Blit sampling: 2x upscale of texel 0 maps to u = 0.25 (NEAREST texel 0; LINEAR clamps).
    assert_eq!(r::blit_coord(0, (0, 2), (0, 1)), 0.25);
    assert_eq!(r::blit_sample(0.25, 0.5, 4, 4, false), vec![((0, 0), 1.0)]);
}
