//! Block-compressed formats BC1 to BC7 (the `textureCompressionBC` feature): the block table
//! and our own decoders, written from the Khronos Data Format Specification's "S3TC", "RGTC"
//! and "BPTC" chapters (the Vulkan spec's "Compressed Image Formats" points there).
//!
//! # Contract
//!
//! * [`info`] describes the 14 BC formats (`BC1_RGB_UNORM_BLOCK` .. `BC7_SRGB_BLOCK`): 4x4
//!   texel blocks of 8 or 16 bytes. [`crate::format::info`] keeps returning `None` for them:
//!   a BC texel is not addressable on its own, so callers that need one decode its block.
//! * [`decode_block`] turns one block into its 16 texels (index `4 * y + x`), RGBA as f32
//!   (`Texel::Float` domain): UNORM in [0, 1], SNORM in [-1, 1], sRGB formats linearised (the
//!   decoded, still sRGB-encoded value goes through the spec's EOTF), BC6H the half-float
//!   values. Every bit pattern decodes without panicking; BC6H reserved modes and the BC7
//!   reserved mode (low byte 0) give (0, 0, 0, 1) and (0, 0, 0, 0) as the specifications say
//!   ("the return value is (0,0,0,1)" for BC6H; D3D's all-zero texel for BC7's mode 8).
//!
//! # Choices where the specifications leave latitude
//!
//! * S3TC / RGTC interpolants are exact rationals: `(2 * C0 + C1) / 3` with C = 5/6-bit code
//!   / (2^n - 1) is computed as one correctly rounded f32 division of integers
//!   `(2 * c0 + c1) / (3 * (2^n - 1))`; likewise the 1/2, 1/5 and 1/7 interpolants of BC1
//!   3-color mode, BC3 alpha and BC4/BC5. No intermediate 8-bit rounding (hardware often
//!   rounds to 8 bits; the results differ from those by less than 1/255).
//! * BC4/BC5 SNORM compare `red_0 > red_1` on the stored two's-complement bytes (the Data
//!   Format spec leaves -127 vs -128 undefined); -128 decodes as -1.0 like -127.
//! * BC1 RGB (no alpha) formats return alpha 1 and BLACK for the 3-color mode's code 3;
//!   BC1 RGBA returns (0, 0, 0, 0) there.

use super::codec::{srgb_to_linear, srgb8_table};
use ash::vk;
use std::sync::LazyLock;

/// The decoding scheme of a BC format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// BC1: `alpha` says whether the 3-color mode's code 3 is transparent.
    Bc1 {
        alpha: bool,
    },
    Bc2,
    Bc3,
    Bc4 {
        signed: bool,
    },
    Bc5 {
        signed: bool,
    },
    Bc6h {
        signed: bool,
    },
    Bc7,
}

/// One block-compressed format.
#[derive(Debug)]
pub struct BcInfo {
    pub format: vk::Format,
    /// The spec name without `VK_FORMAT_`.
    pub name: &'static str,
    /// Bytes per 4x4 block (8 or 16).
    pub block_bytes: u32,
    pub kind: Kind,
    /// RGB stored with the sRGB transfer function (decoded to linear).
    pub srgb: bool,
    /// Components the format stores (R; RG; RGB; RGBA).
    pub components: u32,
}

/// Texel block width and height of every BC format.
pub const BLOCK_DIM: u32 = 4;

const fn bc(
    raw: i32,
    name: &'static str,
    block_bytes: u32,
    kind: Kind,
    srgb: bool,
    components: u32,
) -> BcInfo {
    BcInfo {
        format: vk::Format::from_raw(raw),
        name,
        block_bytes,
        kind,
        srgb,
        components,
    }
}

/// The BC formats in enum order (raw values 131..=146).
static TABLE: [BcInfo; 16] = [
    bc(
        131,
        "BC1_RGB_UNORM_BLOCK",
        8,
        Kind::Bc1 { alpha: false },
        false,
        3,
    ),
    bc(
        132,
        "BC1_RGB_SRGB_BLOCK",
        8,
        Kind::Bc1 { alpha: false },
        true,
        3,
    ),
    bc(
        133,
        "BC1_RGBA_UNORM_BLOCK",
        8,
        Kind::Bc1 { alpha: true },
        false,
        4,
    ),
    bc(
        134,
        "BC1_RGBA_SRGB_BLOCK",
        8,
        Kind::Bc1 { alpha: true },
        true,
        4,
    ),
    bc(135, "BC2_UNORM_BLOCK", 16, Kind::Bc2, false, 4),
    bc(136, "BC2_SRGB_BLOCK", 16, Kind::Bc2, true, 4),
    bc(137, "BC3_UNORM_BLOCK", 16, Kind::Bc3, false, 4),
    bc(138, "BC3_SRGB_BLOCK", 16, Kind::Bc3, true, 4),
    bc(
        139,
        "BC4_UNORM_BLOCK",
        8,
        Kind::Bc4 { signed: false },
        false,
        1,
    ),
    bc(
        140,
        "BC4_SNORM_BLOCK",
        8,
        Kind::Bc4 { signed: true },
        false,
        1,
    ),
    bc(
        141,
        "BC5_UNORM_BLOCK",
        16,
        Kind::Bc5 { signed: false },
        false,
        2,
    ),
    bc(
        142,
        "BC5_SNORM_BLOCK",
        16,
        Kind::Bc5 { signed: true },
        false,
        2,
    ),
    bc(
        143,
        "BC6H_UFLOAT_BLOCK",
        16,
        Kind::Bc6h { signed: false },
        false,
        3,
    ),
    bc(
        144,
        "BC6H_SFLOAT_BLOCK",
        16,
        Kind::Bc6h { signed: true },
        false,
        3,
    ),
    bc(145, "BC7_UNORM_BLOCK", 16, Kind::Bc7, false, 4),
    bc(146, "BC7_SRGB_BLOCK", 16, Kind::Bc7, true, 4),
];

/// The table entry of a BC format, `None` for any other format.
pub fn info(format: vk::Format) -> Option<&'static BcInfo> {
    let i = format.as_raw().checked_sub(131)?;
    TABLE.get(usize::try_from(i).ok()?)
}

/// The spec's compatibility class of a BC format ("Compatible Formats": BC1_RGB, BC1_RGBA, BC2,
/// BC3, BC4, BC5, BC6H, BC7): views of a MUTABLE_FORMAT image stay within it.
pub fn class(info: &BcInfo) -> u8 {
    match info.kind {
        Kind::Bc1 { alpha: false } => 0,
        Kind::Bc1 { alpha: true } => 1,
        Kind::Bc2 => 2,
        Kind::Bc3 => 3,
        Kind::Bc4 { .. } => 4,
        Kind::Bc5 { .. } => 5,
        Kind::Bc6h { .. } => 6,
        Kind::Bc7 => 7,
    }
}

/// Every BC format, in enum order.
pub fn all() -> &'static [BcInfo] {
    &TABLE
}

/// A [`super::FormatInfo`] for each BC format (same order as [`all`]): `bytes` is the block's
/// size, `block` [4, 4], the domain Float, `numeric` that of the decoded values (Unorm, Snorm,
/// Srgb, Ufloat or Sfloat), `bits` 0 (not a per-component layout).
static TEXEL_INFOS: LazyLock<Vec<super::FormatInfo>> = LazyLock::new(|| {
    use super::Numeric as N;
    TABLE
        .iter()
        .map(|b| super::FormatInfo {
            format: b.format,
            name: b.name,
            bytes: b.block_bytes,
            aspects: vk::ImageAspectFlags::COLOR,
            numeric: match b.kind {
                _ if b.srgb => N::Srgb,
                Kind::Bc4 { signed: true } | Kind::Bc5 { signed: true } => N::Snorm,
                Kind::Bc6h { signed: false } => N::Ufloat,
                Kind::Bc6h { signed: true } => N::Sfloat,
                _ => N::Unorm,
            },
            domain: super::Domain::Float,
            components: b.components,
            bits: [0; 4],
            packed: false,
            wide: false,
            block: [BLOCK_DIM; 2],
        })
        .collect()
});

/// The [`super::FormatInfo`] of a BC format (`block` [4, 4]), `None` for other formats.
pub fn texel_info(format: vk::Format) -> Option<&'static super::FormatInfo> {
    let i = format.as_raw().checked_sub(131)?;
    TEXEL_INFOS.get(usize::try_from(i).ok()?)
}

/// The texel every component of which is zero, as the format converts it to RGBA: components
/// the format lacks read (0, 0, 0, 1) (robust out-of-range fetches return this).
pub fn zero_texel(format: vk::Format) -> [f32; 4] {
    let a = info(format).map_or(1.0, |b| if b.components == 4 { 0.0 } else { 1.0 });
    [0.0, 0.0, 0.0, a]
}

/// 16 decoded texels of one block, index `4 * y + x`.
pub type Block = [[f32; 4]; 16];

/// Decode one block of `format` (`bytes` holds at least `block_bytes`; missing bytes read as
/// 0). A non-BC format decodes as 16 texels (0, 0, 0, 1).
pub fn decode_block(format: vk::Format, bytes: &[u8]) -> Block {
    let mut b = [0u8; 16];
    let n = bytes.len().min(16);
    b[..n].copy_from_slice(&bytes[..n]);
    let Some(info) = info(format) else {
        debug_assert!(false, "bc::decode_block: {format:?} is not a BC format");
        return [[0.0, 0.0, 0.0, 1.0]; 16];
    };
    let srgb = info.srgb;
    match info.kind {
        Kind::Bc1 { alpha } => {
            let (rgb, opaque) = bc1_color(&b[..8], true, srgb);
            std::array::from_fn(|i| {
                let [r, g, bl] = rgb[i];
                if opaque[i] || !alpha {
                    [r, g, bl, 1.0]
                } else {
                    [0.0; 4]
                }
            })
        }
        Kind::Bc2 => {
            let alpha = u64::from_le_bytes(b[..8].try_into().unwrap());
            let (rgb, _) = bc1_color(&b[8..16], false, srgb);
            std::array::from_fn(|i| {
                let a = ((alpha >> (4 * i)) & 0xF) as f32 / 15.0;
                let [r, g, bl] = rgb[i];
                [r, g, bl, a]
            })
        }
        Kind::Bc3 => {
            let alpha = rgtc_channel(&b[..8], false);
            let (rgb, _) = bc1_color(&b[8..16], false, srgb);
            std::array::from_fn(|i| {
                let [r, g, bl] = rgb[i];
                [r, g, bl, alpha[i]]
            })
        }
        Kind::Bc4 { signed } => {
            let red = rgtc_channel(&b[..8], signed);
            std::array::from_fn(|i| [red[i], 0.0, 0.0, 1.0])
        }
        Kind::Bc5 { signed } => {
            let red = rgtc_channel(&b[..8], signed);
            let green = rgtc_channel(&b[8..16], signed);
            std::array::from_fn(|i| [red[i], green[i], 0.0, 1.0])
        }
        Kind::Bc6h { signed } => bc6h(&b, signed),
        Kind::Bc7 => bc7(&b, srgb),
    }
}

/// One decoded texel `(x, y)` (each in 0..4) of a block, through a small per-thread cache of
/// recently decoded blocks keyed by format and block bytes (so repeated fetches from one block
/// decode it once, and a changed block is never served stale).
pub fn decode_texel(format: vk::Format, bytes: &[u8], x: u32, y: u32) -> [f32; 4] {
    use std::cell::RefCell;
    const WAYS: usize = 8;
    type Entry = (i32, u128, Block);
    thread_local! {
        static CACHE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    }
    let mut b = [0u8; 16];
    let n = bytes.len().min(16);
    b[..n].copy_from_slice(&bytes[..n]);
    let key = u128::from_le_bytes(b);
    let i = ((y & 3) * 4 + (x & 3)) as usize;
    let raw = format.as_raw();
    let mixed = (key as u64 ^ (key >> 64) as u64 ^ raw as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let way = (mixed >> 61) as usize % WAYS;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_empty() {
            c.resize(WAYS, (0, 0, [[0.0; 4]; 16]));
        }
        let e = &mut c[way];
        if e.0 != raw || e.1 != key {
            *e = (raw, key, decode_block(format, &b));
        }
        e.2[i]
    })
}

/// The RGB of a BC1 color block (normalised; sRGB formats: linearised) and whether each texel
/// is opaque. `modes`: BC1 (color0 <= color1 selects the 3-color mode); BC2/BC3 color blocks
/// always use the 4-color encodings. The 4-entry palette is decoded (and linearised) once.
fn bc1_color(b: &[u8], modes: bool, srgb: bool) -> ([[f32; 3]; 16], [bool; 16]) {
    let c0 = u16::from_le_bytes([b[0], b[1]]) as u32;
    let c1 = u16::from_le_bytes([b[2], b[3]]) as u32;
    let bits = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    // (R, G, B) codes, R in the high 5 bits; their maxima.
    let split = |c: u32| [c >> 11, (c >> 5) & 0x3F, c & 0x1F];
    const MAX: [u32; 3] = [31, 63, 31];
    let (e0, e1) = (split(c0), split(c1));
    let four = !modes || c0 > c1;
    let palette: [[f32; 3]; 4] = std::array::from_fn(|code| {
        std::array::from_fn(|k| {
            let (a, c, m) = (e0[k], e1[k], MAX[k]);
            // (numerator, denominator) of the exact value.
            let (num, den) = match (code, four) {
                (0, _) => (a, m),
                (1, _) => (c, m),
                (2, true) => (2 * a + c, 3 * m),
                (3, true) => (a + 2 * c, 3 * m),
                (2, false) => (a + c, 2 * m),
                _ => (0, 1),
            };
            let v = num as f32 / den as f32;
            if srgb {
                srgb_to_linear(v as f64) as f32
            } else {
                v
            }
        })
    });
    let code = |i: usize| ((bits >> (2 * i)) & 3) as usize;
    let rgb = std::array::from_fn(|i| palette[code(i)]);
    let opaque = std::array::from_fn(|i| four || code(i) != 3);
    (rgb, opaque)
}

/// One RGTC channel block (BC4, each half of BC5, BC3's alpha): 16 values.
fn rgtc_channel(b: &[u8], signed: bool) -> [f32; 16] {
    let bits = u64::from_le_bytes(b[..8].try_into().unwrap()) >> 16;
    // The endpoints as integers on the scale `max`: SNORM -128 is -1.0 like -127.
    let (e0, e1, max, lo) = if signed {
        let (r0, r1) = (b[0] as i8 as i32, b[1] as i8 as i32);
        (r0.max(-127), r1.max(-127), 127, -127)
    } else {
        (b[0] as i32, b[1] as i32, 255, 0)
    };
    let eight = if signed {
        (b[0] as i8) > (b[1] as i8)
    } else {
        b[0] > b[1]
    };
    std::array::from_fn(|i| {
        let code = ((bits >> (3 * i)) & 7) as i32;
        let (num, den) = match (code, eight) {
            (0, _) => (e0, 1),
            (1, _) => (e1, 1),
            (c, true) => ((8 - c) * e0 + (c - 1) * e1, 7),
            (6, false) => (lo, 1),
            (7, false) => (max, 1),
            (c, false) => ((6 - c) * e0 + (c - 1) * e1, 5),
        };
        num as f32 / (den * max) as f32
    })
}

/// A little-endian bit reader over one 128-bit block.
struct Bits {
    v: u128,
    pos: u32,
}

impl Bits {
    fn new(b: &[u8; 16]) -> Bits {
        Bits {
            v: u128::from_le_bytes(*b),
            pos: 0,
        }
    }

    fn read(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let r = if self.pos >= 128 {
            0
        } else {
            ((self.v >> self.pos) & ((1u128 << n) - 1)) as u32
        };
        self.pos += n;
        r
    }
}

/// The BPTC interpolation factors for 2-, 3- and 4-bit indices ("BPTC interpolation factors").
fn weights(bits: u32) -> &'static [u32] {
    match bits {
        2 => &[0, 21, 43, 64],
        3 => &[0, 9, 18, 27, 37, 46, 55, 64],
        _ => &[0, 4, 9, 13, 17, 21, 26, 30, 34, 38, 43, 47, 51, 55, 60, 64],
    }
}

/// The Data Format spec's partition tables ("Partition table for BPTC 2 subset" and "3
/// subset") as printed: 8 groups of 8 partitions, each group 4 rows of 8 partitions x 4 texels.
const P2_ROWS: [&str; 32] = [
    "0011 0001 0111 0001 0000 0011 0001 0000",
    "0011 0001 0111 0011 0001 0111 0011 0001",
    "0011 0001 0111 0011 0001 0111 0111 0011",
    "0011 0001 0111 0111 0011 1111 1111 0111",
    "0000 0011 0000 0000 0001 0000 0000 0000",
    "0000 0111 0001 0000 0111 0000 1111 0000",
    "0001 1111 0111 0001 1111 1111 1111 0000",
    "0011 1111 1111 0111 1111 1111 1111 1111",
    "0000 0111 0000 0111 0011 0000 0000 0111",
    "1000 0001 0000 0011 0001 1000 0000 0011",
    "1110 0000 1000 0001 0000 1100 1000 0011",
    "1111 0000 1110 0000 0000 1110 1100 0001",
    "0011 0000 0110 0011 0001 0000 0111 0011",
    "0001 1000 0110 0110 0111 1111 0001 1001",
    "0001 1000 0110 0110 1110 1111 1000 1001",
    "0000 1100 0110 1100 1000 0000 1110 1100",
    "0101 0000 0101 0011 0011 0101 0110 0101",
    "0101 1111 1010 0011 1100 0101 1001 1010",
    "0101 0000 0101 1100 0011 1010 0110 1010",
    "0101 1111 1010 1100 1100 1010 1001 0101",
    "0111 0001 0011 0011 0110 0011 0110 0000",
    "0011 0011 0010 1011 1001 1100 0110 0110",
    "1100 1100 0100 1101 1001 1100 1001 0110",
    "1110 1000 1100 1100 0110 0011 1001 0000",
    "0100 0010 0000 0000 0110 0011 0110 0011",
    "1110 0111 0010 0100 1100 0110 0011 1001",
    "0100 0010 0111 1110 1001 1100 1001 1100",
    "0000 0000 0010 0100 0011 1001 1100 0110",
    "0110 0110 0111 0001 0000 0011 0010 0100",
    "1100 0011 1110 1000 1111 0011 0010 0100",
    "1100 0011 1000 1110 0011 1111 1110 0111",
    "1001 1001 0001 0111 0011 0000 1110 0111",
];

const P3_ROWS: [&str; 32] = [
    "0011 0001 0000 0222 0000 0011 0022 0011",
    "0011 0011 2001 0022 0000 0011 0022 0011",
    "0221 2211 2211 0011 1122 0022 1111 2211",
    "2222 2221 2211 0111 1122 0022 1111 2211",
    "0000 0000 0000 0012 0112 0122 0011 0011",
    "0000 1111 1111 0012 0112 0122 0112 2001",
    "1111 1111 2222 0012 0112 0122 1122 2200",
    "2222 2222 2222 0012 0112 0122 1222 2220",
    "0001 0111 0000 0022 0111 0001 0000 0000",
    "0011 0011 1122 0022 0111 0001 0011 1100",
    "0112 2001 1122 0022 0222 2221 0122 2210",
    "1122 2200 1122 1111 0222 2221 0122 2210",
    "0122 0012 0110 0000 0022 0110 0011 0000",
    "0122 0012 1221 0110 1102 0110 0122 2000",
    "0011 1122 1221 1221 1102 2002 0122 2211",
    "0000 2222 0110 1221 0022 2222 0011 2221",
    "0000 0222 0011 0120 0000 0120 0120 0011",
    "0002 0022 0012 0120 1111 1201 2012 2200",
    "1122 0012 0022 0120 2222 2012 1201 1122",
    "1222 0011 0222 0120 0000 0120 0120 0011",
    "0011 0101 0000 0022 0022 0220 0101 0000",
    "1122 0101 0000 1122 0011 1221 2222 2121",
    "2200 2222 2121 0022 0022 0220 2222 2121",
    "0011 2222 2121 1122 0011 1221 0101 2121",
    "0101 0222 0002 0000 0222 0002 0110 0000",
    "0101 0111 1112 2112 0111 1112 0110 0000",
    "0101 0222 0002 2112 0111 1112 0110 2112",
    "2222 0111 1112 2112 0222 0002 2222 2112",
    "0110 0022 0022 0000 0002 0222 0101 0111",
    "0110 0011 1122 0000 0001 1222 2222 2011",
    "2222 0011 1122 0000 0002 0222 2222 2201",
    "2222 0022 0022 2112 0001 1222 2222 2220",
];

/// "BPTC anchor index values for the second subset of two-subset partitioning".
const A2: [u8; 64] = [
    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 2, 8, 2, 2, 8, 8, 15, 2, 8,
    2, 2, 8, 8, 2, 2, 15, 15, 6, 8, 2, 8, 15, 15, 2, 8, 2, 2, 2, 15, 15, 6, 6, 2, 6, 8, 15, 15, 2,
    2, 15, 15, 15, 15, 15, 2, 2, 15,
];

/// "... for the second subset of three-subset partitioning".
const A32: [u8; 64] = [
    3, 3, 15, 15, 8, 3, 15, 15, 8, 8, 6, 6, 6, 5, 3, 3, 3, 3, 8, 15, 3, 3, 6, 10, 5, 8, 8, 6, 8, 5,
    15, 15, 8, 15, 3, 5, 6, 10, 8, 15, 15, 3, 15, 5, 15, 15, 15, 15, 3, 15, 5, 5, 5, 8, 5, 10, 5,
    10, 8, 13, 15, 12, 3, 3,
];

/// "... for the third subset of three-subset partitioning".
const A33: [u8; 64] = [
    15, 8, 8, 3, 15, 15, 3, 8, 15, 15, 15, 15, 15, 15, 15, 8, 15, 8, 15, 3, 15, 8, 15, 8, 3, 15, 6,
    10, 15, 15, 10, 8, 15, 3, 15, 10, 10, 8, 9, 10, 6, 15, 8, 15, 3, 6, 6, 8, 15, 3, 15, 15, 15,
    15, 15, 15, 15, 15, 15, 15, 3, 15, 15, 8,
];

/// Subset of each texel per partition: `[2 subsets, 3 subsets][partition][texel]`.
static PARTITIONS: LazyLock<[[[u8; 16]; 64]; 2]> = LazyLock::new(|| {
    let parse = |rows: &[&str; 32]| {
        let mut out = [[0u8; 16]; 64];
        for (r, row) in rows.iter().enumerate() {
            let (group, y) = (r / 4, r % 4);
            let digits: Vec<u8> = row.bytes().filter(u8::is_ascii_digit).collect();
            for (k, d) in digits.iter().enumerate() {
                out[group * 8 + k / 4][y * 4 + k % 4] = d - b'0';
            }
        }
        out
    };
    [parse(&P2_ROWS), parse(&P3_ROWS)]
});

/// Subset of texel `i` and whether it is its subset's anchor (one index bit fewer).
fn subset(subsets: u32, partition: usize, i: usize) -> (usize, bool) {
    match subsets {
        1 => (0, i == 0),
        2 => {
            let s = PARTITIONS[0][partition][i] as usize;
            (s, i == 0 || (s == 1 && i == A2[partition] as usize))
        }
        _ => {
            let s = PARTITIONS[1][partition][i] as usize;
            let anchor = match s {
                0 => 0,
                1 => A32[partition] as usize,
                _ => A33[partition] as usize,
            };
            (s, i == anchor)
        }
    }
}

/// Read 16 indices of `bits` bits (anchors one fewer) in texel order.
fn indices(r: &mut Bits, bits: u32, subsets: u32, partition: usize) -> [u32; 16] {
    std::array::from_fn(|i| {
        let anchor = subset(subsets, partition, i).1;
        r.read(if anchor { bits - 1 } else { bits })
    })
}

/// BPTC's 6-bit interpolation.
fn interpolate(e0: i32, e1: i32, bits: u32, index: u32) -> i32 {
    let w = weights(bits)[index as usize] as i32;
    ((64 - w) * e0 + w * e1 + 32) >> 6
}

/// BC7 ("BPTC ... BC7"): the mode table's rows (NS, PB, RB, ISB, CB, AB, EPB, SPB, IB, IB2).
const BC7_MODES: [[u32; 10]; 8] = [
    [3, 4, 0, 0, 4, 0, 1, 0, 3, 0],
    [2, 6, 0, 0, 6, 0, 0, 1, 3, 0],
    [3, 6, 0, 0, 5, 0, 0, 0, 2, 0],
    [2, 6, 0, 0, 7, 0, 1, 0, 2, 0],
    [1, 0, 2, 1, 5, 6, 0, 0, 2, 3],
    [1, 0, 2, 0, 7, 8, 0, 0, 2, 2],
    [1, 0, 0, 0, 7, 7, 1, 0, 4, 0],
    [2, 6, 0, 0, 5, 5, 1, 0, 2, 0],
];

fn bc7(b: &[u8; 16], srgb: bool) -> Block {
    let Some(mode) = (0..8).find(|m| b[0] & (1 << m) != 0) else {
        return [[0.0; 4]; 16];
    };
    let [ns, pb, rb, isb, cb, ab, epb, spb, ib, ib2] = BC7_MODES[mode];
    let mut r = Bits::new(b);
    r.read(mode as u32 + 1);
    let partition = r.read(pb) as usize;
    let rotation = r.read(rb);
    let selector = r.read(isb);
    // endpoint[subset * 2 + end][component]; colors by component, then subset, then end.
    let mut ep = [[0u32; 4]; 6];
    let n = (ns * 2) as usize;
    for c in 0..3 {
        for e in ep.iter_mut().take(n) {
            e[c] = r.read(cb);
        }
    }
    for e in ep.iter_mut().take(n) {
        e[3] = r.read(ab);
    }
    // P-bits: one per endpoint, or one per subset shared by its two endpoints.
    let mut pbits = [0u32; 6];
    if epb != 0 {
        for p in pbits.iter_mut().take(n) {
            *p = r.read(1);
        }
    } else if spb != 0 {
        for s in 0..ns as usize {
            let p = r.read(1);
            pbits[2 * s] = p;
            pbits[2 * s + 1] = p;
        }
    }
    let has_p = epb != 0 || spb != 0;
    // Each value's bits become the byte's high bits, the P-bit below them, then the top bits
    // replicated into what remains.
    let expand = |v: u32, bits: u32, p: u32| -> i32 {
        let (v, bits) = if has_p {
            ((v << 1) | p, bits + 1)
        } else {
            (v, bits)
        };
        let x = v << (8 - bits);
        (x | (x >> bits)) as i32
    };
    let mut colors = [[0i32; 4]; 6];
    for i in 0..n {
        for c in 0..3 {
            colors[i][c] = expand(ep[i][c], cb, pbits[i]);
        }
        colors[i][3] = if ab == 0 {
            255
        } else {
            expand(ep[i][3], ab, pbits[i])
        };
    }
    let primary = indices(&mut r, ib, ns, partition);
    let secondary = if ib2 != 0 {
        indices(&mut r, ib2, ns, partition)
    } else {
        [0; 16]
    };
    std::array::from_fn(|i| {
        let s = subset(ns, partition, i).0;
        let (e0, e1) = (colors[2 * s], colors[2 * s + 1]);
        // Color from the secondary index when the selection bit is 1; alpha from the secondary
        // index when there is one and the bit is 0.
        let (ci, cbits, ai, abits) = match (ib2 != 0, selector) {
            (false, _) => (primary[i], ib, primary[i], ib),
            (true, 0) => (primary[i], ib, secondary[i], ib2),
            (true, _) => (secondary[i], ib2, primary[i], ib),
        };
        let mut px: [i32; 4] = std::array::from_fn(|c| {
            if c < 3 {
                interpolate(e0[c], e1[c], cbits, ci)
            } else {
                interpolate(e0[3], e1[3], abits, ai)
            }
        });
        if rotation != 0 {
            px.swap(3, rotation as usize - 1);
        }
        // 8-bit results: sRGB color through the 8-bit sRGB table (the same EOTF).
        std::array::from_fn(|c| {
            let v = px[c].clamp(0, 255) as usize;
            if srgb && c < 3 {
                srgb8_table()[v]
            } else {
                v as f32 / 255.0
            }
        })
    })
}

/// BC6H block formats ("Block formats for BC6H block modes"), keyed by the mode number, in the
/// spec's notation: `v[a:b]` moves bits to v's bits a..b (b first; reversed when a < b).
/// Variables: m, r0..r3, g0..g3, b0..b3. The partition bits follow (5 bits) in 2-subset modes.
const BC6H_FORMATS: [(u32, &str); 14] = [
    (
        0,
        "m[1:0],g2[4],b2[4],b3[4],r0[9:0],g0[9:0],b0[9:0],r1[4:0],g3[4],g2[3:0],g1[4:0],b3[0],\
         g3[3:0],b1[4:0],b3[1],b2[3:0],r2[4:0],b3[2],r3[4:0],b3[3]",
    ),
    (
        1,
        "m[1:0],g2[5],g3[4],g3[5],r0[6:0],b3[0],b3[1],b2[4],g0[6:0],b2[5],b3[2],g2[4],b0[6:0],\
         b3[3],b3[5],b3[4],r1[5:0],g2[3:0],g1[5:0],g3[3:0],b1[5:0],b2[3:0],r2[5:0],r3[5:0]",
    ),
    (
        2,
        "m[4:0],r0[9:0],g0[9:0],b0[9:0],r1[4:0],r0[10],g2[3:0],g1[3:0],g0[10],b3[0],g3[3:0],\
         b1[3:0],b0[10],b3[1],b2[3:0],r2[4:0],b3[2],r3[4:0],b3[3]",
    ),
    (
        6,
        "m[4:0],r0[9:0],g0[9:0],b0[9:0],r1[3:0],r0[10],g3[4],g2[3:0],g1[4:0],g0[10],g3[3:0],\
         b1[3:0],b0[10],b3[1],b2[3:0],r2[3:0],b3[0],b3[2],r3[3:0],g2[4],b3[3]",
    ),
    (
        10,
        "m[4:0],r0[9:0],g0[9:0],b0[9:0],r1[3:0],r0[10],b2[4],g2[3:0],g1[3:0],g0[10],b3[0],\
         g3[3:0],b1[4:0],b0[10],b2[3:0],r2[3:0],b3[1],b3[2],r3[3:0],b3[4],b3[3]",
    ),
    (
        14,
        "m[4:0],r0[8:0],b2[4],g0[8:0],g2[4],b0[8:0],b3[4],r1[4:0],g3[4],g2[3:0],g1[4:0],b3[0],\
         g3[3:0],b1[4:0],b3[1],b2[3:0],r2[4:0],b3[2],r3[4:0],b3[3]",
    ),
    (
        18,
        "m[4:0],r0[7:0],g3[4],b2[4],g0[7:0],b3[2],g2[4],b0[7:0],b3[3],b3[4],r1[5:0],g2[3:0],\
         g1[4:0],b3[0],g3[3:0],b1[4:0],b3[1],b2[3:0],r2[5:0],r3[5:0]",
    ),
    (
        22,
        "m[4:0],r0[7:0],b3[0],b2[4],g0[7:0],g2[5],g2[4],b0[7:0],g3[5],b3[4],r1[4:0],g3[4],\
         g2[3:0],g1[5:0],g3[3:0],b1[4:0],b3[1],b2[3:0],r2[4:0],b3[2],r3[4:0],b3[3]",
    ),
    (
        26,
        "m[4:0],r0[7:0],b3[1],b2[4],g0[7:0],b2[5],g2[4],b0[7:0],b3[5],b3[4],r1[4:0],g3[4],\
         g2[3:0],g1[4:0],b3[0],g3[3:0],b1[5:0],b2[3:0],r2[4:0],b3[2],r3[4:0],b3[3]",
    ),
    (
        30,
        "m[4:0],r0[5:0],g3[4],b3[0],b3[1],b2[4],g0[5:0],g2[5],b2[5],b3[2],g2[4],b0[5:0],g3[5],\
         b3[3],b3[5],b3[4],r1[5:0],g2[3:0],g1[5:0],g3[3:0],b1[5:0],b2[3:0],r2[5:0],r3[5:0]",
    ),
    (3, "m[4:0],r0[9:0],g0[9:0],b0[9:0],r1[9:0],g1[9:0],b1[9:0]"),
    (
        7,
        "m[4:0],r0[9:0],g0[9:0],b0[9:0],r1[8:0],r0[10],g1[8:0],g0[10],b1[8:0],b0[10]",
    ),
    (
        11,
        "m[4:0],r0[9:0],g0[9:0],b0[9:0],r1[7:0],r0[10:11],g1[7:0],g0[10:11],b1[7:0],b0[10:11]",
    ),
    (
        15,
        "m[4:0],r0[9:0],g0[9:0],b0[9:0],r1[3:0],r0[10:15],g1[3:0],g0[10:15],b1[3:0],b0[10:15]",
    ),
];

/// "Endpoint and partition parameters for BPTC block modes": (mode number, transformed,
/// partition bits, endpoint bits, delta bits).
const BC6H_MODES: [(u32, bool, u32, u32, [u32; 3]); 14] = [
    (0, true, 5, 10, [5, 5, 5]),
    (1, true, 5, 7, [6, 6, 6]),
    (2, true, 5, 11, [5, 4, 4]),
    (6, true, 5, 11, [4, 5, 4]),
    (10, true, 5, 11, [4, 4, 5]),
    (14, true, 5, 9, [5, 5, 5]),
    (18, true, 5, 8, [6, 5, 5]),
    (22, true, 5, 8, [5, 6, 5]),
    (26, true, 5, 8, [5, 5, 6]),
    (30, false, 5, 6, [6, 6, 6]),
    (3, false, 0, 10, [10, 10, 10]),
    (7, true, 0, 11, [9, 9, 9]),
    (11, true, 0, 12, [8, 8, 8]),
    (15, true, 0, 16, [4, 4, 4]),
];

/// One field of a parsed BC6H block format: variable (0 = m, 1 + 4 * component + endpoint),
/// the first bit it fills and the direction.
#[derive(Clone, Copy, Debug)]
struct Field {
    var: usize,
    first: u32,
    count: u32,
    down: bool,
}

/// The block formats parsed once, in the order of [`BC6H_FORMATS`].
static BC6H_FIELDS: LazyLock<Vec<Vec<Field>>> = LazyLock::new(|| {
    BC6H_FORMATS
        .iter()
        .map(|(_, s)| {
            s.split(',')
                .map(|f| {
                    let f = f.trim();
                    let open = f.find('[').expect("field");
                    let name = &f[..open];
                    let var = match name.as_bytes() {
                        [b'm'] => 0,
                        [c, e] => {
                            let comp = match c {
                                b'r' => 0,
                                b'g' => 1,
                                _ => 2,
                            };
                            1 + 4 * comp + (e - b'0') as usize
                        }
                        _ => panic!("bad BC6H field {f}"),
                    };
                    let range = &f[open + 1..f.len() - 1];
                    let (a, b) = match range.split_once(':') {
                        Some((a, b)) => (a.parse::<u32>().unwrap(), b.parse::<u32>().unwrap()),
                        None => {
                            let a = range.parse::<u32>().unwrap();
                            (a, a)
                        }
                    };
                    Field {
                        var,
                        first: b,
                        count: a.abs_diff(b) + 1,
                        down: a < b,
                    }
                })
                .collect()
        })
        .collect()
});

fn sext(v: u32, bits: u32) -> i32 {
    if bits >= 32 {
        v as i32
    } else {
        ((v << (32 - bits)) as i32) >> (32 - bits)
    }
}

fn bc6h(b: &[u8; 16], signed: bool) -> Block {
    let low2 = (b[0] & 3) as u32;
    let mode_number = if low2 < 2 { low2 } else { (b[0] & 0x1F) as u32 };
    let Some(m) = BC6H_MODES.iter().position(|x| x.0 == mode_number) else {
        return [[0.0, 0.0, 0.0, 1.0]; 16];
    };
    let (_, transformed, pb, epb, delta) = BC6H_MODES[m];
    let mut r = Bits::new(b);
    // vars[1 + 4 * component + endpoint].
    let mut vars = [0u32; 13];
    for f in &BC6H_FIELDS[m] {
        for k in 0..f.count {
            let bit = r.read(1);
            let at = if f.down { f.first - k } else { f.first + k };
            vars[f.var] |= bit << at;
        }
    }
    let partition = r.read(pb) as usize;
    let subsets = if pb == 0 { 1 } else { 2 };
    let ends = 2 * subsets as usize;
    // Endpoints [end][component] as signed integers of EPB bits.
    let mut e = [[0i32; 3]; 4];
    let mask = (1u32 << epb) - 1;
    for c in 0..3 {
        let base = vars[1 + 4 * c];
        e[0][c] = if signed { sext(base, epb) } else { base as i32 };
        for (k, end) in e.iter_mut().enumerate().take(ends).skip(1) {
            let v = vars[1 + 4 * c + k];
            end[c] = if transformed {
                let d = sext(v, delta[c]);
                let w = (base as i32).wrapping_add(d) as u32 & mask;
                if signed { sext(w, epb) } else { w as i32 }
            } else if signed {
                sext(v, epb)
            } else {
                v as i32
            };
        }
    }
    let unquantize = |x: i32| -> i32 {
        if signed {
            if epb >= 16 {
                return x;
            }
            let (s, a) = (x < 0, x.abs());
            let u = if a == 0 {
                0
            } else if a >= (1 << (epb - 1)) - 1 {
                0x7FFF
            } else {
                ((a << 15) + 0x4000) >> (epb - 1)
            };
            if s { -u } else { u }
        } else if epb >= 15 {
            x
        } else if x == 0 {
            0
        } else if x == (1 << epb) - 1 {
            0xFFFF
        } else {
            ((x << 15) + 0x4000) >> (epb - 1)
        }
    };
    let u: [[i32; 3]; 4] = e.map(|end| end.map(unquantize));
    let ib = if subsets == 1 { 4 } else { 3 };
    let idx = indices(&mut r, ib, subsets, partition);
    std::array::from_fn(|i| {
        let s = subset(subsets, partition, i).0;
        let rgb: [f32; 3] = std::array::from_fn(|c| {
            let v = interpolate(u[2 * s][c], u[2 * s + 1][c], ib, idx[i]);
            // The final unquantization to half-float bits: x 31/64 (unsigned); signed: the
            // magnitude x 31/32 with the sign bit ORed in.
            let half = if signed {
                if v < 0 {
                    0x8000 | (((-v) * 31) >> 5) as u16
                } else {
                    ((v * 31) >> 5) as u16
                }
            } else {
                ((v * 31) >> 6) as u16
            };
            super::f16_to_f32(half)
        });
        [rgb[0], rgb[1], rgb[2], 1.0]
    })
}

#[cfg(test)]
mod tests;
