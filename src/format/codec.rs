//! Generic per-field codec driven by the table's [`Layout`].

use super::half::{decode_small, encode_small};
use super::table::{Layout, NO_SLOT};
use super::{Domain, FormatInfo, Numeric, Texel};

/// One component value in whatever domain it was produced in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Val {
    F(f32),
    U(u32),
    I(i32),
}

impl Val {
    fn as_f64(self) -> f64 {
        match self {
            Val::F(f) => f as f64,
            Val::U(u) => u as f64,
            Val::I(i) => i as f64,
        }
    }

    /// As f32 without a detour through f64 (keeps NaN payloads bit-exact).
    fn to_f32(self) -> f32 {
        match self {
            Val::F(f) => f,
            Val::U(u) => u as f32,
            Val::I(i) => i as f32,
        }
    }
}

/// Read the `bits`-wide field at bit `off` of a little-endian byte string (bits <= 64).
/// Bytes past the end of `bytes` read as 0.
pub(super) fn get_bits(bytes: &[u8], off: u32, bits: u32) -> u64 {
    // Fast path: a whole, byte-aligned 8/16/32/64-bit field (most formats).
    if off.is_multiple_of(8) {
        let at = (off / 8) as usize;
        match bits {
            8 if at < bytes.len() => return bytes[at] as u64,
            16 if at + 2 <= bytes.len() => {
                return u16::from_le_bytes([bytes[at], bytes[at + 1]]) as u64;
            }
            32 if at + 4 <= bytes.len() => {
                return u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as u64;
            }
            64 if at + 8 <= bytes.len() => {
                return u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
            }
            _ => {}
        }
    }
    let first = (off / 8) as usize;
    let last = (off + bits).div_ceil(8) as usize;
    let mut v: u128 = 0;
    for (k, i) in (first..last).enumerate() {
        v |= (bytes.get(i).copied().unwrap_or(0) as u128) << (8 * k);
    }
    ((v >> (off % 8)) as u64) & mask(bits)
}

/// Write the `bits`-wide field at bit `off` (bits <= 64), keeping the other bits.
/// Bytes past the end of `out` are dropped.
pub(super) fn put_bits(out: &mut [u8], off: u32, bits: u32, value: u64) {
    // Fast path: a whole, byte-aligned 8/16/32/64-bit field.
    if off.is_multiple_of(8) && matches!(bits, 8 | 16 | 32 | 64) {
        let at = (off / 8) as usize;
        let n = (bits / 8) as usize;
        if at + n <= out.len() {
            out[at..at + n].copy_from_slice(&value.to_le_bytes()[..n]);
            return;
        }
    }
    let first = (off / 8) as usize;
    let last = (off + bits).div_ceil(8) as usize;
    let shift = off % 8;
    let m = (mask(bits) as u128) << shift;
    let v = ((value & mask(bits)) as u128) << shift;
    for (k, i) in (first..last).enumerate() {
        if let Some(b) = out.get_mut(i) {
            let mb = (m >> (8 * k)) as u8;
            let vb = (v >> (8 * k)) as u8;
            *b = (*b & !mb) | vb;
        }
    }
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    }
}

/// Sign-extend the low `bits` of `raw`.
fn sext(raw: u64, bits: u32) -> i64 {
    ((raw << (64 - bits)) as i64) >> (64 - bits)
}

/// sRGB EOTF: encoded value in [0, 1] -> linear.
pub(super) fn srgb_to_linear(c: f64) -> f64 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Inverse sRGB EOTF: linear in [0, 1] -> encoded.
pub(super) fn linear_to_srgb(l: f64) -> f64 {
    if l <= 0.0031308 {
        l * 12.92
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    }
}

/// Decode one raw field.
pub(super) fn decode_field(num: Numeric, bits: u32, raw: u64) -> Val {
    let max = mask(bits);
    match num {
        // Unorm fields are at most 24 bits wide: one correctly rounded f32 division.
        Numeric::Unorm => Val::F(raw as f32 / max as f32),
        Numeric::Snorm => {
            let top = (1i64 << (bits - 1)) - 1;
            Val::F((sext(raw, bits) as f32 / top as f32).max(-1.0))
        }
        // 8-bit sRGB (every sRGB format) through a table made by the same formula.
        Numeric::Srgb if bits == 8 => Val::F(srgb8_table()[raw as usize & 0xFF]),
        Numeric::Srgb => Val::F(srgb_to_linear(raw as f64 / max as f64) as f32),
        Numeric::Uscaled => Val::F(raw as f32),
        Numeric::Sscaled => Val::F(sext(raw, bits) as f32),
        Numeric::Uint => Val::U(raw as u32),
        Numeric::Sint => Val::I(sext(raw, bits) as i32),
        Numeric::Sfloat => Val::F(match bits {
            16 => decode_small(raw as u32, 10, true),
            32 => f32::from_bits(raw as u32),
            _ => f64::from_bits(raw) as f32,
        }),
        Numeric::Ufloat => Val::F(decode_small(raw as u32, bits - 5, false)),
    }
}

/// Linear values of the 256 8-bit sRGB codes, computed once with [`srgb_to_linear`].
pub(super) fn srgb8_table() -> &'static [f32; 256] {
    static TABLE: std::sync::OnceLock<[f32; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|c| srgb_to_linear(c as f64 / 255.0) as f32))
}

/// Round to nearest and clamp into [lo, hi]; NaN gives 0.
fn round_clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.round().clamp(lo, hi)
    }
}

/// Encode one value into a raw field (the low `bits` of the result).
pub(super) fn encode_field(num: Numeric, bits: u32, v: Val) -> u64 {
    let max = mask(bits);
    let smax = (max >> 1) as i64; // largest signed value
    let smin = -smax - 1;
    match num {
        Numeric::Unorm => {
            round_clamp(v.as_f64().clamp(0.0, 1.0) * max as f64, 0.0, max as f64) as u64
        }
        Numeric::Snorm => {
            let x = v.as_f64().clamp(-1.0, 1.0) * smax as f64;
            (round_clamp(x, -(smax as f64), smax as f64) as i64) as u64 & max
        }
        Numeric::Srgb => {
            let x = v.as_f64();
            let l = if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
            round_clamp(linear_to_srgb(l) * max as f64, 0.0, max as f64) as u64
        }
        Numeric::Uscaled => round_clamp(v.as_f64(), 0.0, max as f64) as u64,
        Numeric::Sscaled => (round_clamp(v.as_f64(), smin as f64, smax as f64) as i64) as u64 & max,
        Numeric::Uint => match v {
            Val::U(u) => (u as u64).min(max),
            Val::I(i) => (i.max(0) as u64).min(max),
            // `as u64` saturates, which covers 64-bit fields where `max as f64` is 2^64.
            Val::F(f) => round_clamp(f as f64, 0.0, max as f64) as u64,
        },
        Numeric::Sint => {
            let s = match v {
                Val::I(i) => (i as i64).clamp(smin, smax),
                Val::U(u) => (u.min(i32::MAX as u32) as i64).clamp(smin, smax),
                Val::F(f) => round_clamp(f as f64, smin as f64, smax as f64) as i64,
            };
            s as u64 & max
        }
        Numeric::Sfloat => match bits {
            16 => encode_small(v.to_f32(), 10, true) as u64,
            32 => v.to_f32().to_bits() as u64,
            _ => v.as_f64().to_bits(),
        },
        Numeric::Ufloat => encode_small(v.to_f32(), bits - 5, false) as u64,
    }
}

const E5_BIAS: i32 = 15;
const E5_MANT: i32 = 9;

/// E5B9G9R9 word -> (r, g, b), exact: each mantissa times 2^(exp - B - N).
pub(super) fn decode_e5b9g9r9(word: u32) -> [f32; 3] {
    let scale = 2f32.powi((word >> 27) as i32 - E5_BIAS - E5_MANT);
    [0, 9, 18].map(|s| ((word >> s) & 0x1ff) as f32 * scale)
}

/// (r, g, b) -> E5B9G9R9 word by the spec's shared-exponent algorithm: clamp each component
/// to [0, sharedexp_max] (NaN -> 0), pick exp' from the largest, bump it if that one rounds
/// up to 2^N, then round every component to nearest at the shared exponent.
pub(super) fn encode_e5b9g9r9(rgb: [f32; 3]) -> u32 {
    // (2^N - 1) / 2^N * 2^(Emax - B) with Emax = 31.
    let sharedexp_max = 511.0 / 512.0 * 65536.0;
    let c = rgb.map(|v| {
        if v.is_nan() {
            0.0
        } else {
            (v as f64).clamp(0.0, sharedexp_max)
        }
    });
    let max_c = c[0].max(c[1]).max(c[2]);
    // floor(log2(max_c)), exact from the f64 exponent field (max_c is normal in f64 when > 0).
    let floor_log2 = if max_c > 0.0 {
        ((max_c.to_bits() >> 52) & 0x7ff) as i32 - 1023
    } else {
        i32::MIN
    };
    let exp_p = floor_log2.max(-E5_BIAS - 1) + 1 + E5_BIAS;
    let unit = |e: i32| 2f64.powi(e - E5_BIAS - E5_MANT);
    let max_s = (max_c / unit(exp_p) + 0.5).floor();
    let exp_shared = if max_s >= 512.0 { exp_p + 1 } else { exp_p };
    let s = c.map(|v| (v / unit(exp_shared) + 0.5).floor() as u32);
    s[0] | (s[1] << 9) | (s[2] << 18) | ((exp_shared as u32) << 27)
}

pub(super) fn decode(info: &FormatInfo, layout: &Layout, bytes: &[u8]) -> Texel {
    if layout.shared_exp {
        let [r, g, b] = decode_e5b9g9r9(get_bits(bytes, 0, 32) as u32);
        return Texel::Float([r, g, b, 1.0]);
    }
    let mut vals = [None; 4];
    for ch in layout.chans() {
        if ch.slot != NO_SLOT {
            let raw = get_bits(bytes, ch.off as u32, ch.bits as u32);
            vals[ch.slot as usize] = Some(decode_field(ch.num, ch.bits as u32, raw));
        }
    }
    let def = |i: usize| if i == 3 { 1.0 } else { 0.0 };
    match info.domain {
        Domain::Float => Texel::Float(std::array::from_fn(|i| match vals[i] {
            Some(v) => v.to_f32(),
            None => def(i) as f32,
        })),
        Domain::Uint => Texel::Uint(std::array::from_fn(|i| match vals[i] {
            Some(Val::U(u)) => u,
            Some(v) => encode_field(Numeric::Uint, 32, v) as u32,
            None => def(i) as u32,
        })),
        Domain::Sint => Texel::Sint(std::array::from_fn(|i| match vals[i] {
            Some(Val::I(s)) => s,
            Some(v) => encode_field(Numeric::Sint, 32, v) as u32 as i32,
            None => def(i) as i32,
        })),
    }
}

pub(super) fn encode(info: &FormatInfo, layout: &Layout, texel: Texel, out: &mut [u8]) {
    let n = (info.bytes as usize).min(out.len());
    out[..n].fill(0);
    let slot = |i: usize| match texel {
        Texel::Float(a) => Val::F(a[i]),
        Texel::Uint(a) => Val::U(a[i]),
        Texel::Sint(a) => Val::I(a[i]),
    };
    if layout.shared_exp {
        let rgb = [0, 1, 2].map(|i| slot(i).to_f32());
        put_bits(out, 0, 32, encode_e5b9g9r9(rgb) as u64);
        return;
    }
    for ch in layout.chans() {
        if ch.slot != NO_SLOT {
            let raw = encode_field(ch.num, ch.bits as u32, slot(ch.slot as usize));
            put_bits(out, ch.off as u32, ch.bits as u32, raw);
        }
    }
}
