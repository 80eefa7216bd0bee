//! An independent reference of the Vulkan spec's texel conversions, written from the spec's
//! text (not from softvk's codec), for checking clears and blits byte by byte.
//!
//! * [`layout`] reads a format's bit layout from its spec name (ash's `Debug` spelling) by the
//!   naming rules of the spec's "Formats" chapter ("Format Definition"): components are listed
//!   with their widths, a numeric suffix applies to the components before it, `_PACKnn` formats
//!   are one little-endian word whose first component is in the most significant bits, other
//!   formats store components in memory order.
//! * [`decode`] gives the value of each stored field ("Interpretation of Numeric Format",
//!   "Fixed-Point Data Conversions", "16-bit / 11-bit / 10-bit floating-point numbers",
//!   "Shared exponent" and the sRGB EOTF of "sRGB transfer functions").
//! * [`encode`] gives, for a value to store, what the spec lets a field hold: a [`Want`], exact
//!   where the spec is exact and an interval where it allows a choice (e.g. the two nearest
//!   codes of a float -> UNORM conversion).
//! * [`blit_sample`] is the sampling of "Image Copies with Scaling" (vkCmdBlitImage): the
//!   destination texel centre mapped to the source, NEAREST or LINEAR, clamp-to-edge.

use ash::vk;

/// Numeric format of a field (spec "Interpretation of Numeric Format").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Num {
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

impl Num {
    fn parse(s: &str) -> Option<Num> {
        Some(match s {
            "UNORM" => Num::Unorm,
            "SNORM" => Num::Snorm,
            "USCALED" => Num::Uscaled,
            "SSCALED" => Num::Sscaled,
            "UINT" => Num::Uint,
            "SINT" => Num::Sint,
            "SRGB" => Num::Srgb,
            "SFLOAT" => Num::Sfloat,
            "UFLOAT" => Num::Ufloat,
            _ => return None,
        })
    }

    /// Integer formats (their clear values and blits stay integers).
    pub fn is_int(self) -> bool {
        matches!(self, Num::Uint | Num::Sint)
    }
}

/// One bit field of a texel.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// 'R', 'G', 'B', 'A', 'D', 'S', 'X' (padding) or 'E' (shared exponent).
    pub ch: char,
    pub bits: u32,
    /// Bit offset in the texel read as one little-endian integer.
    pub off: u32,
    pub num: Num,
}

impl Field {
    /// Component slot: R/D/S 0, G 1, B 2, A 3; None for X and E.
    pub fn slot(&self) -> Option<usize> {
        match self.ch {
            'R' | 'D' | 'S' => Some(0),
            'G' => Some(1),
            'B' => Some(2),
            'A' => Some(3),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub format: vk::Format,
    pub name: String,
    pub bytes: usize,
    pub fields: Vec<Field>,
    /// E5B9G9R9_UFLOAT_PACK32.
    pub shared_exp: bool,
}

impl Layout {
    /// The numeric format of the colour (or depth) fields.
    pub fn num(&self) -> Num {
        self.fields
            .iter()
            .find(|f| f.slot().is_some() && f.ch != 'A')
            .or(self.fields.first())
            .map(|f| f.num)
            .unwrap_or(Num::Unorm)
    }

    pub fn has_slot(&self, slot: usize) -> bool {
        self.fields.iter().any(|f| f.slot() == Some(slot))
    }

    pub fn field(&self, slot: usize) -> Option<&Field> {
        self.fields.iter().find(|f| f.slot() == Some(slot))
    }

    /// Has 64-bit components.
    pub fn wide(&self) -> bool {
        self.fields.iter().any(|f| f.bits == 64)
    }
}

/// The layout of an uncompressed single-plane format, from its spec name; None for others.
/// Combined depth/stencil formats are not single-plane: use their aspect plane formats
/// (D16_UNORM, X8_D24_UNORM_PACK32, D32_SFLOAT, S8_UINT), the layouts of buffer copies.
pub fn layout(format: vk::Format) -> Option<Layout> {
    let name = format!("{format:?}");
    let parts: Vec<&str> = name.split('_').collect();
    let mut pending: Vec<(char, u32)> = vec![];
    let mut fields: Vec<(char, u32, Num)> = vec![];
    let mut pack = None;
    for p in &parts {
        if let Some(n) = Num::parse(p) {
            for (c, b) in pending.drain(..) {
                fields.push((c, b, n));
            }
        } else if let Some(w) = p.strip_prefix("PACK") {
            pack = Some(w.parse::<u32>().ok()?);
        } else {
            let mut chars = p.chars().peekable();
            while let Some(c) = chars.next() {
                if !"RGBADSXE".contains(c) {
                    return None;
                }
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                pending.push((c, digits.parse().ok()?));
            }
        }
    }
    // X padding takes the numeric format of the following group (X8_D24_UNORM).
    if !pending.is_empty() || fields.is_empty() {
        return None;
    }
    if fields.iter().any(|f| f.0 == 'D') && fields.iter().any(|f| f.0 == 'S') {
        return None; // combined depth/stencil
    }
    let total: u32 = fields.iter().map(|f| f.1).sum();
    let mut out = vec![];
    let mut at = 0;
    for &(ch, bits, num) in &fields {
        // The alpha of an sRGB format is linear ("sRGB" numeric format: R, G, B only).
        let num = if ch == 'A' && num == Num::Srgb {
            Num::Unorm
        } else {
            num
        };
        let off = match pack {
            Some(_) => total - at - bits,
            None => at,
        };
        at += bits;
        out.push(Field { ch, bits, off, num });
    }
    if let Some(w) = pack
        && w != total
    {
        return None;
    }
    Some(Layout {
        format,
        shared_exp: fields.iter().any(|f| f.0 == 'E'),
        name,
        bytes: (total / 8) as usize,
        fields: out,
    })
}

/// The `bits`-wide field at bit `off` of little-endian `bytes`.
pub fn get_field(bytes: &[u8], off: u32, bits: u32) -> u64 {
    let mut v = 0u64;
    for i in 0..bits {
        let b = off + i;
        if bytes[(b / 8) as usize] >> (b % 8) & 1 == 1 {
            v |= 1 << i;
        }
    }
    v
}

/// Stores the low `bits` of `v` at bit `off`.
pub fn put_field(bytes: &mut [u8], off: u32, bits: u32, v: u64) {
    for i in 0..bits {
        let b = off + i;
        let m = 1u8 << (b % 8);
        if v >> i & 1 == 1 {
            bytes[(b / 8) as usize] |= m;
        } else {
            bytes[(b / 8) as usize] &= !m;
        }
    }
}

fn sext(raw: u64, bits: u32) -> i64 {
    ((raw << (64 - bits)) as i64) >> (64 - bits)
}

/// sRGB EOTF (spec "sRGB transfer functions"): encoded -> linear.
pub fn srgb_eotf(c: f64) -> f64 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Inverse sRGB EOTF: linear -> encoded.
pub fn srgb_inverse_eotf(l: f64) -> f64 {
    if l < 0.0031308 {
        12.92 * l
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    }
}

/// A small float with `e` exponent bits, `m` mantissa bits, optional sign (IEEE-style bias):
/// f16 is (5, 10, true), the 11- and 10-bit unsigned floats (5, 6/5, false).
#[derive(Clone, Copy)]
struct Mini {
    e: u32,
    m: u32,
    signed: bool,
}

impl Mini {
    fn bias(self) -> i32 {
        (1 << (self.e - 1)) - 1
    }

    fn decode(self, raw: u64) -> f64 {
        let mant = raw & ((1 << self.m) - 1);
        let exp = (raw >> self.m) & ((1 << self.e) - 1);
        let neg = self.signed && (raw >> (self.m + self.e)) & 1 == 1;
        let v = if exp == (1 << self.e) - 1 {
            if mant == 0 { f64::INFINITY } else { f64::NAN }
        } else if exp == 0 {
            mant as f64 * 2f64.powi(1 - self.bias() - self.m as i32)
        } else {
            (1.0 + mant as f64 / (1u64 << self.m) as f64) * 2f64.powi(exp as i32 - self.bias())
        };
        if neg { -v } else { v }
    }

    /// Largest finite value.
    fn max(self) -> f64 {
        (2.0 - 2f64.powi(-(self.m as i32))) * 2f64.powi(self.bias())
    }

    /// For a magnitude `a` below the largest finite value: (rounded toward zero, rounded to
    /// nearest with ties to even).
    fn neighbours(self, a: f64) -> (f64, f64) {
        // Spacing of representable values around a.
        let min_exp = 1 - self.bias();
        let e = if a > 0.0 {
            (a.log2().floor() as i32).max(min_exp)
        } else {
            min_exp
        };
        let ulp = 2f64.powi(e - self.m as i32);
        let k = (a / ulp).floor();
        let down = k * ulp;
        let up = down + ulp;
        let nearest = if a - down < up - a || (a - down == up - a && k % 2.0 == 0.0) {
            down
        } else {
            up
        };
        (down, nearest)
    }
}

const F16: Mini = Mini {
    e: 5,
    m: 10,
    signed: true,
};

/// What the spec lets a field hold after storing a value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Want {
    /// The spec leaves it undefined.
    Any,
    /// A code (integer field value, sign-extended for signed fields) in lo..=hi.
    Code(i64, i64),
    /// A float whose value lies in lo..=hi (signed zeros equal); for float fields.
    Float(f64, f64),
    /// Any NaN (of a float field).
    Nan,
    /// Exactly these bits.
    Bits(u64),
}

impl Want {
    /// Does the stored field `raw` (of `field`) satisfy this?
    pub fn accepts(&self, field: &Field, raw: u64) -> bool {
        match *self {
            Want::Any => true,
            Want::Bits(b) => raw == b,
            Want::Code(lo, hi) => {
                let c = match field.num {
                    Num::Snorm | Num::Sint | Num::Sscaled => sext(raw, field.bits),
                    _ => raw as i64,
                };
                (lo..=hi).contains(&c)
            }
            Want::Float(lo, hi) => {
                let v = decode_field(field, raw);
                v >= lo && v <= hi
            }
            Want::Nan => decode_field(field, raw).is_nan(),
        }
    }

    /// The union of two wants of the same kind (for intervals of filtered values).
    pub fn span(self, other: Want) -> Want {
        match (self, other) {
            (Want::Code(a, b), Want::Code(c, d)) => Want::Code(a.min(c), b.max(d)),
            (Want::Float(a, b), Want::Float(c, d)) => Want::Float(a.min(c), b.max(d)),
            (a, b) if a == b => a,
            _ => Want::Any,
        }
    }
}

/// The value of one stored field (spec "Interpretation of Numeric Format" and the conversion
/// sections it points to). 64-bit integers lose precision past 2^53 (they are compared as
/// bits elsewhere).
pub fn decode_field(f: &Field, raw: u64) -> f64 {
    let max = if f.bits >= 64 {
        u64::MAX as f64
    } else {
        ((1u64 << f.bits) - 1) as f64
    };
    match f.num {
        // "Conversion from Normalized Fixed-Point to Floating-Point": f = c / (2^b - 1).
        Num::Unorm => raw as f64 / max,
        // f = max(c / (2^(b-1) - 1), -1.0).
        Num::Snorm => (sext(raw, f.bits) as f64 / ((1u64 << (f.bits - 1)) - 1) as f64).max(-1.0),
        Num::Srgb => srgb_eotf(raw as f64 / max),
        Num::Uscaled | Num::Uint => raw as f64,
        Num::Sscaled | Num::Sint => sext(raw, f.bits) as f64,
        Num::Sfloat => match f.bits {
            16 => F16.decode(raw),
            32 => f32::from_bits(raw as u32) as f64,
            _ => f64::from_bits(raw),
        },
        Num::Ufloat => Mini {
            e: 5,
            m: f.bits - 5,
            signed: false,
        }
        .decode(raw),
    }
}

/// The component values (R, G, B, A) of one texel; missing components are (0, 0, 0, 1) as in
/// the spec's "Conversion to RGBA". Depth and stencil are component 0.
pub fn decode(l: &Layout, bytes: &[u8]) -> [f64; 4] {
    let mut v = [0.0, 0.0, 0.0, 1.0];
    if l.shared_exp {
        // "Shared exponent": each component = mantissa * 2^(exp - B - N), B = 15, N = 9.
        let w = get_field(bytes, 0, 32);
        let scale = 2f64.powi((w >> 27) as i32 - 15 - 9);
        for (i, c) in v.iter_mut().take(3).enumerate() {
            *c = ((w >> (9 * i)) & 0x1FF) as f64 * scale;
        }
        return v;
    }
    for f in &l.fields {
        if let Some(s) = f.slot() {
            v[s] = decode_field(f, get_field(bytes, f.off, f.bits));
        }
    }
    v
}

/// The two integers nearest to `r` (equal when `r` is an integer): the spec's
/// convertFloatToUint / convertFloatToInt "returns one of the two ... values which are closest
/// to the floating-point value r ... If r is equal to an integer, then that integer value must
/// be returned".
fn nearest_two(r: f64) -> Want {
    Want::Code(r.floor() as i64, r.ceil() as i64)
}

/// What a float field of `mini` may hold for `x`: the nearest representable value (ties to
/// even) or the one toward zero (rounding of float conversions; spec "Floating Point Numerics"), results below
/// the smallest normal may flush to zero ("denormalized values ... may be flushed to zero").
fn mini_want(mini: Mini, x: f64) -> Want {
    if x.is_nan() {
        return Want::Nan;
    }
    if !mini.signed {
        // Spec "Unsigned 11-bit / 10-bit floating-point numbers": negative values and -inf
        // convert to zero, finite values above the largest finite one to the largest, +inf to
        // +inf; otherwise round to nearest or toward zero.
        if x <= 0.0 {
            return Want::Float(0.0, 0.0);
        }
        if x == f64::INFINITY {
            return Want::Float(x, x);
        }
        if x >= mini.max() {
            return Want::Float(mini.max(), mini.max());
        }
    }
    if x.is_infinite() {
        return Want::Float(x, x);
    }
    let a = x.abs();
    let (down, up) = if a >= mini.max() {
        // Overflow: toward zero gives the largest finite value, to nearest gives infinity
        // once past the rounding midpoint.
        let ulp = 2f64.powi(mini.bias() - mini.m as i32);
        let up = if a >= mini.max() + ulp / 2.0 {
            f64::INFINITY
        } else {
            mini.max()
        };
        (mini.max(), up)
    } else {
        mini.neighbours(a)
    };
    let min_normal = 2f64.powi(1 - mini.bias());
    let lo = if down < min_normal { 0.0 } else { down };
    let (lo, hi) = (lo, up);
    if x < 0.0 {
        Want::Float(-hi, -lo)
    } else {
        Want::Float(lo, hi)
    }
}

/// What field `f` may hold after storing the value `x` (a float for float/normalized fields,
/// an integer value for integer fields; spec "Fixed-Point Data Conversions" for UNORM/SNORM,
/// "sRGB transfer functions" for sRGB, the float sections for float formats).
pub fn encode_field(f: &Field, x: f64) -> Want {
    let max = if f.bits >= 63 {
        i64::MAX
    } else {
        (1i64 << f.bits) - 1
    };
    match f.num {
        Num::Unorm | Num::Srgb => {
            if x.is_nan() {
                return Want::Any; // the spec does not define NaN -> fixed point
            }
            let mut c = x.clamp(0.0, 1.0);
            if f.num == Num::Srgb {
                c = srgb_inverse_eotf(c);
            }
            nearest_two(c * max as f64)
        }
        Num::Snorm => {
            if x.is_nan() {
                return Want::Any;
            }
            let top = (1i64 << (f.bits - 1)) - 1;
            nearest_two(x.clamp(-1.0, 1.0) * top as f64)
        }
        Num::Uint | Num::Uscaled => {
            if x.is_nan() || x < 0.0 || x > max as f64 || x.fract() != 0.0 {
                Want::Any
            } else {
                Want::Code(x as i64, x as i64)
            }
        }
        Num::Sint | Num::Sscaled => {
            let top = (1i64 << (f.bits - 1)) - 1;
            if x.is_nan() || x < (-top - 1) as f64 || x > top as f64 || x.fract() != 0.0 {
                Want::Any
            } else {
                Want::Code(x as i64, x as i64)
            }
        }
        Num::Sfloat => match f.bits {
            16 => mini_want(F16, x),
            32 => {
                if x.is_nan() {
                    Want::Nan
                } else {
                    let n = x as f32 as f64; // nearest
                    let z = if n.abs() > x.abs() {
                        f32::from_bits((n as f32).to_bits() - 1) as f64
                    } else {
                        n
                    };
                    // Toward zero of an overflowing value is the largest finite value.
                    let z = if z.is_infinite() {
                        f32::MAX as f64 * z.signum()
                    } else {
                        z
                    };
                    let lo = if z.abs() < f32::MIN_POSITIVE as f64 {
                        0.0
                    } else {
                        z
                    };
                    Want::Float(lo.min(n), lo.max(n))
                }
            }
            _ => {
                if x.is_nan() {
                    Want::Nan
                } else {
                    Want::Float(x, x)
                }
            }
        },
        Num::Ufloat => mini_want(
            Mini {
                e: 5,
                m: f.bits - 5,
                signed: false,
            },
            x,
        ),
    }
}

/// For E5B9G9R9: the word the spec's algorithm ("Shared exponent" conversion in the "Formats"
/// chapter) produces for `rgb`, with N = 9, B = 15, Emax = 31. NaN inputs are undefined by the
/// spec (returns None).
pub fn encode_e5b9g9r9(rgb: [f64; 3]) -> Option<u32> {
    if rgb.iter().any(|c| c.is_nan()) {
        return None;
    }
    let (n, b, emax) = (9, 15, 31);
    let sharedexp_max = ((1 << n) - 1) as f64 / (1 << n) as f64 * 2f64.powi(emax - b);
    let c = rgb.map(|v| v.min(sharedexp_max).max(0.0));
    let max_c = c[0].max(c[1]).max(c[2]);
    let fl = if max_c > 0.0 {
        max_c.log2().floor() as i32
    } else {
        i32::MIN
    };
    let exp_p = fl.max(-b - 1) + 1 + b;
    let max_s = (max_c / 2f64.powi(exp_p - b - n) + 0.5).floor();
    let exp_shared = if max_s < (1 << n) as f64 {
        exp_p
    } else {
        exp_p + 1
    };
    let s = c.map(|v| (v / 2f64.powi(exp_shared - b - n) + 0.5).floor() as u32);
    Some(s[0] | s[1] << 9 | s[2] << 18 | (exp_shared as u32) << 27)
}

/// What every component of a texel may hold after storing `rgba` (per component Wants, in
/// slot order; components the format lacks are `Any`). E5B9G9R9 is exact by the spec's
/// algorithm (compared as values, as several words can encode the same values).
pub fn encode(l: &Layout, rgba: [f64; 4]) -> [Want; 4] {
    let mut w = [Want::Any; 4];
    if l.shared_exp {
        if let Some(word) = encode_e5b9g9r9([rgba[0], rgba[1], rgba[2]]) {
            let v = decode(l, &word.to_le_bytes());
            for i in 0..3 {
                w[i] = Want::Float(v[i], v[i]);
            }
        }
        return w;
    }
    for f in &l.fields {
        if let Some(s) = f.slot() {
            w[s] = encode_field(f, rgba[s]);
        }
    }
    w
}

/// Checks the stored texel `bytes` against `want`; Err names the first mismatch.
pub fn check(l: &Layout, bytes: &[u8], want: &[Want; 4]) -> Result<(), String> {
    if l.shared_exp {
        let got = decode(l, bytes);
        for i in 0..3 {
            if let Want::Float(lo, hi) = want[i]
                && !(got[i] >= lo && got[i] <= hi)
            {
                return Err(format!("component {i}: {} not in {lo}..={hi}", got[i]));
            }
        }
        return Ok(());
    }
    for f in &l.fields {
        if let Some(s) = f.slot() {
            let raw = get_field(bytes, f.off, f.bits);
            if !want[s].accepts(f, raw) {
                return Err(format!(
                    "{} field: stored {raw:#x} ({}), want {:?}",
                    f.ch,
                    decode_field(f, raw),
                    want[s]
                ));
            }
        }
    }
    Ok(())
}

/// One axis of "Image Copies with Scaling": the source coordinate u for destination texel `i`
/// of a region (d0, d1) -> (s0, s1): u = (i + 0.5 - d0) * (s1 - s0) / (d1 - d0) + s0.
pub fn blit_coord(i: i32, d: (i32, i32), s: (i32, i32)) -> f64 {
    (i as f64 + 0.5 - d.0 as f64) * (s.1 - s.0) as f64 / (d.1 - d.0) as f64 + s.0 as f64
}

/// The texels (with weights) a blit reads for source coordinate (u, v) of a `w` x `h` source
/// (spec "Texel Filtering" with clamp-to-edge, as the blit description requires): NEAREST
/// takes floor(u); LINEAR weights floor(u - 0.5) and the next texel by the fraction.
pub fn blit_sample(u: f64, v: f64, w: u32, h: u32, linear: bool) -> Vec<((u32, u32), f64)> {
    let clamp = |c: i64, n: u32| c.clamp(0, n as i64 - 1) as u32;
    if !linear {
        return vec![(
            (clamp(u.floor() as i64, w), clamp(v.floor() as i64, h)),
            1.0,
        )];
    }
    let (x0, y0) = ((u - 0.5).floor(), (v - 0.5).floor());
    let (a, b) = (u - 0.5 - x0, v - 0.5 - y0);
    let mut out = vec![];
    for (dy, wy) in [(0, 1.0 - b), (1, b)] {
        for (dx, wx) in [(0, 1.0 - a), (1, a)] {
            out.push((
                (clamp(x0 as i64 + dx, w), clamp(y0 as i64 + dy, h)),
                wx * wy,
            ));
        }
    }
    out
}
