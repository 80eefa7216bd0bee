//! Format table and texel encode/decode.
//!
//! This module is the single place in softvk that knows how a `vk::Format` lays out its
//! bits. Image/buffer copies, clears, blits, attachment stores and texture fetches call it to
//! turn the bytes of one texel into a [`Texel`] value and back.
//!
//! # Contract
//!
//! * Supported formats: every core Vulkan 1.0 uncompressed format, `R4G4_UNORM_PACK8` (1)
//!   through `E5B9G9R9_UFLOAT_PACK32` (123), plus the depth/stencil formats 124..=130.
//!   [`info`] returns `None` for everything else (UNDEFINED, compressed, YCbCr, extension
//!   formats), and [`all`] lists the supported ones in enum order. Block-compressed BC1..BC7
//!   formats live in [`bc`] (block table and decoders; [`bc::texel_info`] gives them a
//!   `FormatInfo` with `block` [4, 4] for code that only needs sizes and the numeric type).
//! * [`FormatInfo::bytes`] is the spec's texel block size. For the combined depth/stencil
//!   formats that is the nominal size from the spec's compatibility table (D16S8: 3,
//!   D24S8: 4, D32S8: 5); the driver stores those as separate planes (see [`aspect_plane`]).
//! * [`decode`] and [`encode`] work on exactly one texel (`info.bytes` bytes). Decoding never
//!   panics for a supported format; components a format lacks read as (0, 0, 0, 1) in the
//!   format's domain. Encoding writes every byte of the texel (unused/`X` bits become 0).
//!   Conversion rules follow the Vulkan spec: UNORM/SNORM round to nearest after clamping,
//!   sRGB uses the spec's transfer functions (exact round trip of all 8-bit codes), 16-bit and
//!   10/11-bit floats round to nearest even, E5B9G9R9 uses the spec's shared-exponent
//!   algorithm, integers clamp to the component range.
//! * Combined depth/stencil formats (D16_UNORM_S8_UINT, D24_UNORM_S8_UINT,
//!   D32_SFLOAT_S8_UINT) are not meant to be passed to [`decode`]/[`encode`]: callers should
//!   use the plane formats from [`aspect_plane`]. If they are passed anyway the result is
//!   well-defined and panic-free: a `Texel::Float([depth, stencil as f32, 0.0, 1.0])`, using
//!   the layout depth-then-stencil in memory order (D24S8: depth in the low 24 bits of the
//!   little-endian word, stencil in the top 8).
//! * 64-bit formats (`wide`) only round-trip through [`Texel`] for values that fit in
//!   u32/i32/f32: decode truncates integers to their low 32 bits and narrows f64 to f32;
//!   encode zero/sign-extends or widens. Copies and clears of such formats move raw bytes
//!   (clears: `command::transfer::clear_color_bytes`, by the spec's 64-bit clear-value rule).
//! * Passing a slice shorter than `info.bytes`, or an unsupported format, is a caller bug:
//!   it trips a `debug_assert!`; in release builds missing bytes read as 0 and writes past
//!   the slice are dropped, and an unsupported format decodes as (0, 0, 0, 1) / encodes nothing.

use ash::vk;

pub mod bc;
mod codec;
mod half;
mod table;
#[cfg(test)]
mod tests;

pub use half::{f16_to_f32, f32_to_f16};

/// How the stored bits of a component are interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numeric {
    Unorm,
    Snorm,
    Uscaled,
    Sscaled,
    Uint,
    Sint,
    Srgb,
    Sfloat,
    Ufloat,
}

/// The value domain of a format: what clear values and blits convert through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    Float,
    Uint,
    Sint,
}

/// One texel value, components in R, G, B, A order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Texel {
    Float([f32; 4]),
    Uint([u32; 4]),
    Sint([i32; 4]),
}

impl Texel {
    /// The domain this value lives in.
    pub fn domain(&self) -> Domain {
        match self {
            Texel::Float(_) => Domain::Float,
            Texel::Uint(_) => Domain::Uint,
            Texel::Sint(_) => Domain::Sint,
        }
    }
}

/// Static description of one supported format.
#[derive(Debug)]
pub struct FormatInfo {
    pub format: vk::Format,
    /// The spec name without the `VK_FORMAT_` prefix, e.g. "R8G8B8A8_UNORM".
    pub name: &'static str,
    /// Bytes per texel (texel block size).
    pub bytes: u32,
    /// COLOR, or DEPTH and/or STENCIL.
    pub aspects: vk::ImageAspectFlags,
    /// Of the color components; for depth: Unorm or Sfloat of the depth; S8_UINT: Uint.
    pub numeric: Numeric,
    pub domain: Domain,
    /// Number of components (1..=4) present (E5B9G9R9: 3; combined depth/stencil: 2).
    pub components: u32,
    /// Bits per R, G, B, A (0 if absent); depth/stencil formats: [depth, stencil, 0, 0].
    /// E5B9G9R9 reports its mantissa widths [9, 9, 9, 0].
    pub bits: [u8; 4],
    /// A `_PACKnn` format.
    pub packed: bool,
    /// Has 64-bit components (R64*): copies only, no lossless f32/u32 path.
    pub wide: bool,
    /// Texel block extent: [1, 1] for every format [`info`] knows; [4, 4] for the
    /// block-compressed entries [`bc::texel_info`] gives (whose `bytes` is the block's size).
    pub block: [u32; 2],
}

/// The table entry for `format`, or `None` if softvk does not support it.
pub fn info(format: vk::Format) -> Option<&'static FormatInfo> {
    table::index(format).map(|i| &table::infos()[i])
}

/// Every supported format, in enum order.
pub fn all() -> &'static [FormatInfo] {
    table::infos()
}

/// Decode one texel from `bytes` (exactly `info.bytes` long).
///
/// Missing components read as (0, 0, 0, 1). Unorm/Snorm/Srgb/Uscaled/Sscaled/float formats
/// give `Texel::Float` (sRGB is linearised); Uint gives `Texel::Uint`; Sint gives
/// `Texel::Sint`. D16_UNORM, X8_D24_UNORM_PACK32 and D32_SFLOAT give `Float([d, 0, 0, 1])`;
/// S8_UINT gives `Uint([s, 0, 0, 1])`.
pub fn decode(format: vk::Format, bytes: &[u8]) -> Texel {
    let Some(i) = table::index(format) else {
        debug_assert!(false, "format::decode: unsupported format {format:?}");
        return Texel::Float([0.0, 0.0, 0.0, 1.0]);
    };
    let info = &table::infos()[i];
    debug_assert!(
        bytes.len() >= info.bytes as usize,
        "format::decode: short texel"
    );
    codec::decode(info, &table::layouts()[i], bytes)
}

/// Encode one texel into `out` (exactly `info.bytes` long).
///
/// If the texel's domain differs from the format's it is converted first (Float -> integer:
/// round to nearest and clamp to the component range; integer -> Float: the value).
pub fn encode(format: vk::Format, texel: Texel, out: &mut [u8]) {
    let Some(i) = table::index(format) else {
        debug_assert!(false, "format::encode: unsupported format {format:?}");
        return;
    };
    let info = &table::infos()[i];
    debug_assert!(
        out.len() >= info.bytes as usize,
        "format::encode: short texel"
    );
    codec::encode(info, &table::layouts()[i], texel, out)
}

/// The format of the plane that holds `aspect` of an image of `format`.
///
/// D24_UNORM_S8_UINT: depth -> X8_D24_UNORM_PACK32, stencil -> S8_UINT;
/// D16_UNORM_S8_UINT: depth -> D16_UNORM; D32_SFLOAT_S8_UINT: depth -> D32_SFLOAT (stencil of
/// both -> S8_UINT). Single-aspect formats (color, depth-only, stencil-only) return themselves
/// for their own aspect. Anything else (unsupported format, an aspect the format lacks, more
/// than one aspect bit) gives `None`. These are also the buffer layouts the spec prescribes
/// for buffer<->image copies of one aspect.
pub fn aspect_plane(format: vk::Format, aspect: vk::ImageAspectFlags) -> Option<vk::Format> {
    let info = info(format)?;
    if aspect.as_raw().count_ones() != 1 || !info.aspects.contains(aspect) {
        return None;
    }
    if info.aspects == aspect {
        return Some(format);
    }
    // Only combined depth/stencil formats get here.
    if aspect == vk::ImageAspectFlags::STENCIL {
        return Some(vk::Format::S8_UINT);
    }
    match format {
        vk::Format::D16_UNORM_S8_UINT => Some(vk::Format::D16_UNORM),
        vk::Format::D24_UNORM_S8_UINT => Some(vk::Format::X8_D24_UNORM_PACK32),
        vk::Format::D32_SFLOAT_S8_UINT => Some(vk::Format::D32_SFLOAT),
        _ => None,
    }
}
