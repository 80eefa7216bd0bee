//! Small floating-point formats with a 5-bit exponent (bias 15): IEEE binary16 (sign, 10-bit
//! mantissa) and the unsigned 11-bit (6-bit mantissa) and 10-bit (5-bit mantissa) floats of
//! B10G11R11_UFLOAT_PACK32. All conversions from f32 round to nearest, ties to even.

/// Bit pattern of a small float; `man_bits` is 10, 6 or 5, `signed` adds a sign bit on top.
///
/// Signed (binary16): overflow gives +-infinity as IEEE rounding does. Unsigned: negative
/// values and -infinity give 0, finite values too large give the largest finite value,
/// +infinity stays infinite (spec, "Unsigned 11-Bit/10-Bit Floating-Point Numbers").
/// NaN stays NaN, keeping the top payload bits when they are not all zero.
pub(super) fn encode_small(f: f32, man_bits: u32, signed: bool) -> u32 {
    let x = f.to_bits();
    let neg = x >> 31 != 0;
    let exp = ((x >> 23) & 0xff) as i32;
    let man = x & 0x7f_ffff;
    let inf = 0x1f << man_bits;
    let sign = if signed && neg {
        1 << (5 + man_bits)
    } else {
        0
    };
    let drop = 23 - man_bits;
    if exp == 0xff && man != 0 {
        let m = man >> drop;
        return sign | inf | if m == 0 { 1 << (man_bits - 1) } else { m };
    }
    if neg && !signed {
        return 0;
    }
    if exp == 0xff {
        return sign | inf;
    }
    // Biased exponent in the small format.
    let e = exp - 127 + 15;
    let mag = if e >= 31 {
        inf
    } else if e >= 1 {
        // Normal: rounding may carry into the exponent (up to infinity), which is correct.
        round_shift(((e as u32) << 23) | man, drop)
    } else {
        // Subnormal (or zero) in the small format: units of 2^(-14 - man_bits).
        let shift = (1 - e) as u32 + drop;
        if shift >= 32 || exp == 0 {
            0
        } else {
            round_shift(man | 0x80_0000, shift)
        }
    };
    if mag >= inf {
        // A finite value overflowed.
        return if signed { sign | inf } else { inf - 1 };
    }
    sign | mag
}

/// Value of a small-float bit pattern (exact).
pub(super) fn decode_small(code: u32, man_bits: u32, signed: bool) -> f32 {
    let sign = if signed && (code >> (5 + man_bits)) & 1 != 0 {
        0x8000_0000
    } else {
        0
    };
    let e = (code >> man_bits) & 0x1f;
    let m = code & ((1 << man_bits) - 1);
    let bits = match e {
        0 => {
            // m * 2^(-14 - man_bits), exact in f32.
            let unit = f32::from_bits((127 - 14 - man_bits) << 23);
            (m as f32 * unit).to_bits()
        }
        31 => 0x7f80_0000 | (m << (23 - man_bits)),
        _ => ((e + 112) << 23) | (m << (23 - man_bits)),
    };
    f32::from_bits(sign | bits)
}

/// `v >> s` rounded to nearest, ties to even (1 <= s <= 31).
fn round_shift(v: u32, s: u32) -> u32 {
    let q = v >> s;
    let rem = v & ((1 << s) - 1);
    let half = 1 << (s - 1);
    if rem > half || (rem == half && q & 1 == 1) {
        q + 1
    } else {
        q
    }
}

/// IEEE binary16 bits of `f`, round to nearest even (overflow -> infinity, NaN kept).
pub fn f32_to_f16(f: f32) -> u16 {
    encode_small(f, 10, true) as u16
}

/// Exact f32 value of IEEE binary16 bits.
pub fn f16_to_f32(h: u16) -> f32 {
    decode_small(h as u32, 10, true)
}
