//! The format table.
//!
//! The only hand-written data is the list of spec names in enum order (raw value = index + 1).
//! Everything else (sizes, component order and bit positions, numeric type, aspects) is
//! derived from the name by the spec's naming rules:
//! * components are listed with their bit widths (`B8G8R8A8`, `A2R10G10B10`, `D24`, `X8`);
//! * a numeric suffix applies to the components listed before it (`D24_UNORM_S8_UINT`);
//! * `_PACKnn` formats are one little-endian nn-bit word whose first listed component sits in
//!   the most significant bits; other formats store components in memory order, each one
//!   little-endian.

use super::{Domain, FormatInfo, Numeric};
use ash::vk;
use std::sync::LazyLock;

/// Spec names of the supported formats, raw value 1..=130.
const NAMES: [&str; 130] = [
    "R4G4_UNORM_PACK8",
    "R4G4B4A4_UNORM_PACK16",
    "B4G4R4A4_UNORM_PACK16",
    "R5G6B5_UNORM_PACK16",
    "B5G6R5_UNORM_PACK16",
    "R5G5B5A1_UNORM_PACK16",
    "B5G5R5A1_UNORM_PACK16",
    "A1R5G5B5_UNORM_PACK16",
    "R8_UNORM",
    "R8_SNORM",
    "R8_USCALED",
    "R8_SSCALED",
    "R8_UINT",
    "R8_SINT",
    "R8_SRGB",
    "R8G8_UNORM",
    "R8G8_SNORM",
    "R8G8_USCALED",
    "R8G8_SSCALED",
    "R8G8_UINT",
    "R8G8_SINT",
    "R8G8_SRGB",
    "R8G8B8_UNORM",
    "R8G8B8_SNORM",
    "R8G8B8_USCALED",
    "R8G8B8_SSCALED",
    "R8G8B8_UINT",
    "R8G8B8_SINT",
    "R8G8B8_SRGB",
    "B8G8R8_UNORM",
    "B8G8R8_SNORM",
    "B8G8R8_USCALED",
    "B8G8R8_SSCALED",
    "B8G8R8_UINT",
    "B8G8R8_SINT",
    "B8G8R8_SRGB",
    "R8G8B8A8_UNORM",
    "R8G8B8A8_SNORM",
    "R8G8B8A8_USCALED",
    "R8G8B8A8_SSCALED",
    "R8G8B8A8_UINT",
    "R8G8B8A8_SINT",
    "R8G8B8A8_SRGB",
    "B8G8R8A8_UNORM",
    "B8G8R8A8_SNORM",
    "B8G8R8A8_USCALED",
    "B8G8R8A8_SSCALED",
    "B8G8R8A8_UINT",
    "B8G8R8A8_SINT",
    "B8G8R8A8_SRGB",
    "A8B8G8R8_UNORM_PACK32",
    "A8B8G8R8_SNORM_PACK32",
    "A8B8G8R8_USCALED_PACK32",
    "A8B8G8R8_SSCALED_PACK32",
    "A8B8G8R8_UINT_PACK32",
    "A8B8G8R8_SINT_PACK32",
    "A8B8G8R8_SRGB_PACK32",
    "A2R10G10B10_UNORM_PACK32",
    "A2R10G10B10_SNORM_PACK32",
    "A2R10G10B10_USCALED_PACK32",
    "A2R10G10B10_SSCALED_PACK32",
    "A2R10G10B10_UINT_PACK32",
    "A2R10G10B10_SINT_PACK32",
    "A2B10G10R10_UNORM_PACK32",
    "A2B10G10R10_SNORM_PACK32",
    "A2B10G10R10_USCALED_PACK32",
    "A2B10G10R10_SSCALED_PACK32",
    "A2B10G10R10_UINT_PACK32",
    "A2B10G10R10_SINT_PACK32",
    "R16_UNORM",
    "R16_SNORM",
    "R16_USCALED",
    "R16_SSCALED",
    "R16_UINT",
    "R16_SINT",
    "R16_SFLOAT",
    "R16G16_UNORM",
    "R16G16_SNORM",
    "R16G16_USCALED",
    "R16G16_SSCALED",
    "R16G16_UINT",
    "R16G16_SINT",
    "R16G16_SFLOAT",
    "R16G16B16_UNORM",
    "R16G16B16_SNORM",
    "R16G16B16_USCALED",
    "R16G16B16_SSCALED",
    "R16G16B16_UINT",
    "R16G16B16_SINT",
    "R16G16B16_SFLOAT",
    "R16G16B16A16_UNORM",
    "R16G16B16A16_SNORM",
    "R16G16B16A16_USCALED",
    "R16G16B16A16_SSCALED",
    "R16G16B16A16_UINT",
    "R16G16B16A16_SINT",
    "R16G16B16A16_SFLOAT",
    "R32_UINT",
    "R32_SINT",
    "R32_SFLOAT",
    "R32G32_UINT",
    "R32G32_SINT",
    "R32G32_SFLOAT",
    "R32G32B32_UINT",
    "R32G32B32_SINT",
    "R32G32B32_SFLOAT",
    "R32G32B32A32_UINT",
    "R32G32B32A32_SINT",
    "R32G32B32A32_SFLOAT",
    "R64_UINT",
    "R64_SINT",
    "R64_SFLOAT",
    "R64G64_UINT",
    "R64G64_SINT",
    "R64G64_SFLOAT",
    "R64G64B64_UINT",
    "R64G64B64_SINT",
    "R64G64B64_SFLOAT",
    "R64G64B64A64_UINT",
    "R64G64B64A64_SINT",
    "R64G64B64A64_SFLOAT",
    "B10G11R11_UFLOAT_PACK32",
    "E5B9G9R9_UFLOAT_PACK32",
    "D16_UNORM",
    "X8_D24_UNORM_PACK32",
    "D32_SFLOAT",
    "S8_UINT",
    "D16_UNORM_S8_UINT",
    "D24_UNORM_S8_UINT",
    "D32_SFLOAT_S8_UINT",
];

/// `Chan::slot` of a field that is not a component (X padding, shared exponent).
pub(super) const NO_SLOT: u8 = u8::MAX;

/// One bit field of a texel.
#[derive(Clone, Copy, Debug)]
pub(super) struct Chan {
    /// Bit offset within the texel read as one little-endian integer.
    pub off: u16,
    pub bits: u8,
    /// Texel slot 0..=3 (R, G, B, A; depth is 0, stencil is 0 alone or 1 after depth).
    pub slot: u8,
    /// Interpretation of this field (sRGB alpha is Unorm).
    pub num: Numeric,
}

/// How a format's bits map to texel slots.
#[derive(Clone, Copy, Debug)]
pub(super) struct Layout {
    pub chans: [Chan; 4],
    pub count: u8,
    /// E5B9G9R9: decoded by the shared-exponent codec instead of per field.
    pub shared_exp: bool,
}

impl Layout {
    pub fn chans(&self) -> &[Chan] {
        &self.chans[..self.count as usize]
    }
}

struct Table {
    infos: Vec<FormatInfo>,
    layouts: Vec<Layout>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let (infos, layouts) = NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| parse(vk::Format::from_raw(i as i32 + 1), name))
        .unzip();
    Table { infos, layouts }
});

pub(super) fn infos() -> &'static [FormatInfo] {
    &TABLE.infos
}

pub(super) fn layouts() -> &'static [Layout] {
    &TABLE.layouts
}

/// Index into the table for a supported format.
pub(super) fn index(format: vk::Format) -> Option<usize> {
    let raw = format.as_raw();
    (1..=NAMES.len() as i32)
        .contains(&raw)
        .then(|| raw as usize - 1)
}

fn numeric_of(token: &str) -> Option<Numeric> {
    Some(match token {
        "UNORM" => Numeric::Unorm,
        "SNORM" => Numeric::Snorm,
        "USCALED" => Numeric::Uscaled,
        "SSCALED" => Numeric::Sscaled,
        "UINT" => Numeric::Uint,
        "SINT" => Numeric::Sint,
        "SRGB" => Numeric::Srgb,
        "SFLOAT" => Numeric::Sfloat,
        "UFLOAT" => Numeric::Ufloat,
        _ => return None,
    })
}

/// Derive the table entry and bit layout of one format from its spec name.
fn parse(format: vk::Format, name: &'static str) -> (FormatInfo, Layout) {
    // (letter, bits, numeric) in the order the name lists them.
    let mut comps: Vec<(u8, u32, Numeric)> = Vec::with_capacity(4);
    let mut pending = 0;
    let mut pack = 0;
    for token in name.split('_') {
        if let Some(width) = token.strip_prefix("PACK") {
            pack = width.parse().expect("PACK width");
        } else if let Some(num) = numeric_of(token) {
            for c in &mut comps[pending..] {
                c.2 = num;
            }
            pending = comps.len();
        } else {
            let t = token.as_bytes();
            let mut i = 0;
            while i < t.len() {
                let letter = t[i];
                let start = i + 1;
                i = start;
                while i < t.len() && t[i].is_ascii_digit() {
                    i += 1;
                }
                let bits = token[start..i].parse().expect("component width");
                comps.push((letter, bits, Numeric::Unorm));
            }
        }
    }

    let total: u32 = comps.iter().map(|c| c.1).sum();
    assert!(pack == 0 || pack == total, "{name}: pack width");
    let has_depth = comps.iter().any(|c| c.0 == b'D');
    let has_stencil = comps.iter().any(|c| c.0 == b'S');

    let mut layout = Layout {
        chans: [Chan {
            off: 0,
            bits: 0,
            slot: NO_SLOT,
            num: Numeric::Unorm,
        }; 4],
        count: comps.len() as u8,
        shared_exp: comps.iter().any(|c| c.0 == b'E'),
    };
    let mut bits = [0u8; 4];
    let mut off = if pack != 0 { total } else { 0 };
    for (i, &(letter, width, num)) in comps.iter().enumerate() {
        let field_off = if pack != 0 {
            off -= width;
            off
        } else {
            off += width;
            off - width
        };
        let slot = match letter {
            b'R' | b'D' => 0,
            b'G' => 1,
            b'B' => 2,
            b'A' => 3,
            b'S' if has_depth => 1,
            b'S' => 0,
            _ => NO_SLOT,
        };
        let num = if letter == b'A' && num == Numeric::Srgb {
            Numeric::Unorm
        } else {
            num
        };
        layout.chans[i] = Chan {
            off: field_off as u16,
            bits: width as u8,
            slot,
            num,
        };
        // Depth/stencil report [depth, stencil, 0, 0]; color reports per RGBA slot.
        let report = match letter {
            b'S' => Some(1),
            _ if slot == NO_SLOT => None,
            _ => Some(slot as usize),
        };
        if let Some(r) = report {
            bits[r] = width as u8;
        }
    }

    let first = comps
        .iter()
        .find(|c| c.0 != b'X' && c.0 != b'E')
        .expect("format has a component");
    let numeric = first.2;
    let domain = match numeric {
        Numeric::Uint => Domain::Uint,
        Numeric::Sint => Domain::Sint,
        _ => Domain::Float,
    };
    let aspects = match (has_depth, has_stencil) {
        (false, false) => vk::ImageAspectFlags::COLOR,
        (true, false) => vk::ImageAspectFlags::DEPTH,
        (false, true) => vk::ImageAspectFlags::STENCIL,
        (true, true) => vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL,
    };
    let info = FormatInfo {
        format,
        name,
        bytes: total / 8,
        aspects,
        numeric,
        domain,
        components: comps.iter().filter(|c| c.0 != b'X' && c.0 != b'E').count() as u32,
        bits,
        packed: pack != 0,
        wide: comps.iter().any(|c| c.1 == 64),
        block: [1, 1],
    };
    (info, layout)
}
