use super::codec::{
    decode_e5b9g9r9, decode_field, encode_e5b9g9r9, encode_field, get_bits, put_bits,
};
use super::half::{decode_small, encode_small};
use super::table::{Chan, NO_SLOT, index, layouts};
use super::*;
use ash::vk::Format as F;

/// Small deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn enc(format: vk::Format, texel: Texel) -> Vec<u8> {
    let mut out = vec![0xAA; info(format).unwrap().bytes as usize];
    encode(format, texel, &mut out);
    out
}

fn word(bytes: &[u8]) -> u32 {
    get_bits(bytes, 0, 8 * bytes.len() as u32) as u32
}

fn floats(t: Texel) -> [f32; 4] {
    match t {
        Texel::Float(f) => f,
        other => panic!("expected Float texel, got {other:?}"),
    }
}

/// Same value: bit-identical floats, or both NaN.
fn same(a: Texel, b: Texel) -> bool {
    match (a, b) {
        (Texel::Float(x), Texel::Float(y)) => x
            .iter()
            .zip(&y)
            .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan())),
        _ => a == b,
    }
}

/// A field whose code does not come back bit-exact after decode -> encode: the SNORM
/// minimum (aliases -1.0 with min + 1) and NaN payloads.
fn allowed_alias(ch: &Chan, before: u64, after: u64) -> bool {
    let bits = ch.bits as u32;
    match ch.num {
        Numeric::Snorm => before == 1 << (bits - 1) && after == before + 1,
        Numeric::Sfloat | Numeric::Ufloat => {
            let nan =
                |raw| matches!(decode_field(ch.num, bits, raw), codec::Val::F(f) if f.is_nan());
            nan(before) && nan(after)
        }
        _ => false,
    }
}

/// decode -> encode must give the same bytes, up to the allowed aliases (which must still
/// decode to the same value).
fn check_roundtrip(format: vk::Format, bytes: &[u8]) {
    let t = decode(format, bytes);
    let mut out = vec![0x55; bytes.len()];
    encode(format, t, &mut out);
    if out == bytes {
        return;
    }
    let t2 = decode(format, &out);
    assert!(
        same(t, t2),
        "{format:?} {bytes:02x?}: {t:?} -> {out:02x?} -> {t2:?}"
    );
    let layout = &layouts()[index(format).unwrap()];
    for ch in layout.chans() {
        let a = get_bits(bytes, ch.off as u32, ch.bits as u32);
        let b = get_bits(&out, ch.off as u32, ch.bits as u32);
        assert!(
            a == b || allowed_alias(ch, a, b),
            "{format:?} {bytes:02x?} -> {out:02x?} (field at bit {})",
            ch.off
        );
    }
}

#[test]
fn table_names_and_order_match_ash() {
    assert_eq!(all().len(), 130);
    for (i, f) in all().iter().enumerate() {
        assert_eq!(f.format.as_raw(), i as i32 + 1);
        assert_eq!(format!("{:?}", f.format), f.name);
        assert!(std::ptr::eq(info(f.format).unwrap(), f));
    }
}

#[test]
fn table_sizes() {
    // Texel block sizes from the spec's compatibility table, written out independently.
    let expected = |raw: i32| match raw {
        1 | 9..=15 | 127 => 1,
        2..=8 | 16..=22 | 70..=76 | 124 => 2,
        23..=36 | 128 => 3,
        37..=69 | 77..=83 | 98..=100 | 122 | 123 | 125 | 126 | 129 => 4,
        130 => 5,
        84..=90 => 6,
        91..=97 | 101..=103 | 110..=112 => 8,
        104..=106 => 12,
        107..=109 | 113..=115 => 16,
        116..=118 => 24,
        119..=121 => 32,
        _ => unreachable!(),
    };
    for raw in 1..=130 {
        let f = info(vk::Format::from_raw(raw)).unwrap();
        assert_eq!(f.bytes, expected(raw), "{}", f.name);
        // Field widths add up to the texel size (X padding and shared exponent included).
        let l = &layouts()[index(f.format).unwrap()];
        let sum: u32 = l.chans().iter().map(|c| c.bits as u32).sum();
        assert_eq!(sum, 8 * f.bytes, "{}", f.name);
        assert_eq!(f.packed, f.name.contains("_PACK"), "{}", f.name);
        assert_eq!(f.wide, (110..=121).contains(&raw), "{}", f.name);
    }
}

#[test]
fn table_fields() {
    let i = |f| info(f).unwrap();
    let c = vk::ImageAspectFlags::COLOR;
    let d = vk::ImageAspectFlags::DEPTH;
    let s = vk::ImageAspectFlags::STENCIL;

    let f = i(F::R8G8B8A8_SRGB);
    assert_eq!(
        (f.numeric, f.domain, f.components),
        (Numeric::Srgb, Domain::Float, 4)
    );
    assert_eq!((f.bits, f.aspects, f.packed), ([8; 4], c, false));
    let f = i(F::A2B10G10R10_UINT_PACK32);
    assert_eq!(
        (f.numeric, f.domain, f.bits, f.packed),
        (Numeric::Uint, Domain::Uint, [10, 10, 10, 2], true)
    );
    let f = i(F::B5G6R5_UNORM_PACK16);
    assert_eq!((f.bits, f.components), ([5, 6, 5, 0], 3));
    let f = i(F::R16G16_SINT);
    assert_eq!(
        (f.domain, f.bits, f.components),
        (Domain::Sint, [16, 16, 0, 0], 2)
    );
    let f = i(F::B10G11R11_UFLOAT_PACK32);
    assert_eq!(
        (f.numeric, f.bits, f.components),
        (Numeric::Ufloat, [11, 11, 10, 0], 3)
    );
    let f = i(F::E5B9G9R9_UFLOAT_PACK32);
    assert_eq!(
        (f.numeric, f.bits, f.components),
        (Numeric::Ufloat, [9, 9, 9, 0], 3)
    );
    let f = i(F::R64G64_SFLOAT);
    assert_eq!(
        (f.bits, f.wide, f.domain),
        ([64, 64, 0, 0], true, Domain::Float)
    );

    let f = i(F::D16_UNORM);
    assert_eq!(
        (f.aspects, f.numeric, f.bits, f.components),
        (d, Numeric::Unorm, [16, 0, 0, 0], 1)
    );
    let f = i(F::X8_D24_UNORM_PACK32);
    assert_eq!(
        (f.aspects, f.numeric, f.bits, f.components),
        (d, Numeric::Unorm, [24, 0, 0, 0], 1)
    );
    let f = i(F::D32_SFLOAT);
    assert_eq!(
        (f.aspects, f.numeric, f.bits, f.domain),
        (d, Numeric::Sfloat, [32, 0, 0, 0], Domain::Float)
    );
    let f = i(F::S8_UINT);
    assert_eq!(
        (f.aspects, f.numeric, f.bits, f.domain),
        (s, Numeric::Uint, [0, 8, 0, 0], Domain::Uint)
    );
    let f = i(F::D24_UNORM_S8_UINT);
    assert_eq!(
        (f.aspects, f.numeric, f.bits, f.components),
        (d | s, Numeric::Unorm, [24, 8, 0, 0], 2)
    );
    assert_eq!(f.domain, Domain::Float);
    let f = i(F::D32_SFLOAT_S8_UINT);
    assert_eq!(
        (f.aspects, f.numeric, f.bits),
        (d | s, Numeric::Sfloat, [32, 8, 0, 0])
    );
}

#[test]
fn unsupported_formats() {
    for raw in [
        0,   // UNDEFINED
        131, // BC1_RGB_UNORM_BLOCK
        184, // ASTC_12x12_SRGB_BLOCK
        -1, 1000156000, // G8B8G8R8_422_UNORM
        1000156006, // G8_B8R8_2PLANE_420_UNORM
        1000340000, // A4R4G4B4_UNORM_PACK16
        1000340001, // A4B4G4R4_UNORM_PACK16
        1000470000, // A1B5G5R5_UNORM_PACK16
    ] {
        let f = vk::Format::from_raw(raw);
        assert!(info(f).is_none(), "{f:?}");
        assert!(aspect_plane(f, vk::ImageAspectFlags::COLOR).is_none());
    }
}

#[test]
fn aspect_planes() {
    let c = vk::ImageAspectFlags::COLOR;
    let d = vk::ImageAspectFlags::DEPTH;
    let s = vk::ImageAspectFlags::STENCIL;
    let cases = [
        (F::R8G8B8A8_UNORM, c, Some(F::R8G8B8A8_UNORM)),
        (F::R8G8B8A8_UNORM, d, None),
        (F::R8G8B8A8_UNORM, s, None),
        (
            F::E5B9G9R9_UFLOAT_PACK32,
            c,
            Some(F::E5B9G9R9_UFLOAT_PACK32),
        ),
        (F::D16_UNORM, d, Some(F::D16_UNORM)),
        (F::D16_UNORM, s, None),
        (F::D16_UNORM, c, None),
        (F::X8_D24_UNORM_PACK32, d, Some(F::X8_D24_UNORM_PACK32)),
        (F::D32_SFLOAT, d, Some(F::D32_SFLOAT)),
        (F::S8_UINT, s, Some(F::S8_UINT)),
        (F::S8_UINT, d, None),
        (F::D16_UNORM_S8_UINT, d, Some(F::D16_UNORM)),
        (F::D16_UNORM_S8_UINT, s, Some(F::S8_UINT)),
        (F::D24_UNORM_S8_UINT, d, Some(F::X8_D24_UNORM_PACK32)),
        (F::D24_UNORM_S8_UINT, s, Some(F::S8_UINT)),
        (F::D32_SFLOAT_S8_UINT, d, Some(F::D32_SFLOAT)),
        (F::D32_SFLOAT_S8_UINT, s, Some(F::S8_UINT)),
        (F::D24_UNORM_S8_UINT, d | s, None),
        (F::D24_UNORM_S8_UINT, c, None),
        (F::D24_UNORM_S8_UINT, vk::ImageAspectFlags::empty(), None),
        (F::R8G8B8A8_UNORM, vk::ImageAspectFlags::METADATA, None),
    ];
    for (f, a, want) in cases {
        assert_eq!(aspect_plane(f, a), want, "{f:?} {a:?}");
    }
    // Every plane format is a single-aspect format of the same aspect.
    for f in all() {
        for a in [c, d, s] {
            if let Some(p) = aspect_plane(f.format, a) {
                assert_eq!(info(p).unwrap().aspects, a, "{} {a:?}", f.name);
            }
        }
    }
}

/// Every code of every field of every format whose fields are at most 16 bits wide.
#[test]
fn roundtrip_exhaustive_small_fields() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut tested = 0;
    for f in all() {
        let layout = &layouts()[index(f.format).unwrap()];
        if layout.shared_exp || layout.chans().iter().any(|c| c.bits > 16) {
            continue;
        }
        tested += 1;
        let n = f.bytes as usize;
        if n <= 2 {
            for pattern in 0..1u32 << (8 * n) {
                check_roundtrip(f.format, &pattern.to_le_bytes()[..n]);
            }
            continue;
        }
        let mut bytes = vec![0u8; n];
        for ch in layout.chans() {
            for code in 0..1u64 << ch.bits {
                for other in layout.chans() {
                    let v = rng.next();
                    put_bits(&mut bytes, other.off as u32, other.bits as u32, v);
                }
                put_bits(&mut bytes, ch.off as u32, ch.bits as u32, code);
                check_roundtrip(f.format, &bytes);
            }
        }
    }
    // 8-bit, 16-bit, packed, B10G11R11, D16, S8, D16S8.
    assert_eq!(tested, 123 - 12 - 12 - 1 + 3);
}

/// Formats with 24/32/64-bit fields: random codes (64-bit fields restricted to values that
/// have a lossless 32-bit path).
#[test]
fn roundtrip_sampled_wide_fields() {
    let mut rng = Rng(0x0bad_cafe_f00d_d00d);
    for f in all() {
        let layout = &layouts()[index(f.format).unwrap()];
        if layout.shared_exp || layout.chans().iter().all(|c| c.bits <= 16) {
            continue;
        }
        let mut bytes = vec![0u8; f.bytes as usize];
        for _ in 0..4000 {
            for ch in layout.chans() {
                let r = rng.next();
                let v = match (ch.bits, ch.num) {
                    (64, Numeric::Uint) => r & 0xffff_ffff,
                    (64, Numeric::Sint) => r as i32 as i64 as u64,
                    (64, _) => (f32::from_bits(r as u32) as f64).to_bits(),
                    _ if ch.slot == NO_SLOT => 0,
                    _ => r,
                };
                put_bits(&mut bytes, ch.off as u32, ch.bits as u32, v);
            }
            check_roundtrip(f.format, &bytes);
        }
    }
}

#[test]
fn unorm24_exhaustive() {
    for code in 0..1u64 << 24 {
        let v = decode_field(Numeric::Unorm, 24, code);
        assert_eq!(encode_field(Numeric::Unorm, 24, v), code);
    }
}

#[test]
fn srgb_all_codes_roundtrip() {
    let mut prev = -1.0;
    for code in 0..=255u8 {
        let t = decode(F::R8_SRGB, &[code]);
        let r = floats(t)[0];
        assert!(r > prev, "sRGB decode must be increasing");
        prev = r;
        assert_eq!(enc(F::R8_SRGB, t), [code]);
        // Alpha of sRGB formats is linear UNORM.
        let t = decode(F::R8G8B8A8_SRGB, &[code, code, code, code]);
        assert_eq!(floats(t)[3], code as f32 / 255.0);
        assert_eq!(enc(F::R8G8B8A8_SRGB, t), [code; 4]);
    }
    assert_eq!(floats(decode(F::R8_SRGB, &[0]))[0], 0.0);
    assert_eq!(floats(decode(F::R8_SRGB, &[255]))[0], 1.0);
    // Linear 0.5 -> 188; alpha 0.5 -> 128.
    assert_eq!(
        enc(F::R8G8B8A8_SRGB, Texel::Float([0.5, 0.0, 1.0, 0.5])),
        [188, 0, 255, 128]
    );
    assert_eq!(
        enc(F::B8G8R8A8_SRGB, Texel::Float([0.5, 0.0, 1.0, 0.5])),
        [255, 0, 188, 128]
    );
    assert_eq!(
        word(&enc(
            F::A8B8G8R8_SRGB_PACK32,
            Texel::Float([0.0, 0.0, 0.0, 0.5])
        )),
        0x8000_0000
    );
    // Out of range and NaN clamp.
    assert_eq!(enc(F::R8_SRGB, Texel::Float([-3.0, 0.0, 0.0, 1.0])), [0]);
    assert_eq!(enc(F::R8_SRGB, Texel::Float([7.0, 0.0, 0.0, 1.0])), [255]);
    assert_eq!(
        enc(F::R8_SRGB, Texel::Float([f32::NAN, 0.0, 0.0, 1.0])),
        [0]
    );
}

#[test]
fn known_unorm_snorm_values() {
    assert_eq!(
        enc(F::R8G8B8A8_UNORM, Texel::Float([0.5, 0.0, 1.0, 0.25])),
        [128, 0, 255, 64]
    );
    assert_eq!(
        enc(
            F::R8G8B8A8_UNORM,
            Texel::Float([-1.0, 2.0, f32::NAN, f32::INFINITY])
        ),
        [0, 255, 0, 255]
    );
    assert_eq!(floats(decode(F::R8_UNORM, &[51])), [0.2, 0.0, 0.0, 1.0]);
    assert_eq!(
        floats(decode(F::R16_UNORM, &[0xff, 0xff])),
        [1.0, 0.0, 0.0, 1.0]
    );
    // BGRA: memory order B, G, R, A; decode gives RGBA.
    assert_eq!(
        enc(F::B8G8R8A8_UNORM, Texel::Float([1.0, 0.5, 0.0, 1.0])),
        [0, 128, 255, 255]
    );
    let t = floats(decode(F::B8G8R8A8_UNORM, &[0, 51, 255, 102]));
    assert_eq!(t, [1.0, 0.2, 0.0, 0.4]);
    assert_eq!(
        floats(decode(F::B8G8R8_UNORM, &[255, 0, 0])),
        [0.0, 0.0, 1.0, 1.0]
    );
    // A8B8G8R8_PACK32: R in the low byte.
    assert_eq!(
        enc(F::A8B8G8R8_UNORM_PACK32, Texel::Float([1.0, 0.0, 0.0, 0.0])),
        [255, 0, 0, 0]
    );
    // SNORM: -1.0 -> -127, both -128 and -127 decode to -1.0.
    assert_eq!(
        enc(F::R8_SNORM, Texel::Float([-1.0, 0.0, 0.0, 1.0])),
        [0x81]
    );
    assert_eq!(
        enc(F::R8_SNORM, Texel::Float([-5.0, 0.0, 0.0, 1.0])),
        [0x81]
    );
    assert_eq!(enc(F::R8_SNORM, Texel::Float([1.0, 0.0, 0.0, 1.0])), [0x7f]);
    assert_eq!(enc(F::R8_SNORM, Texel::Float([0.5, 0.0, 0.0, 1.0])), [64]); // 63.5 -> 64
    assert_eq!(
        enc(F::R8_SNORM, Texel::Float([f32::NAN, 0.0, 0.0, 1.0])),
        [0]
    );
    assert_eq!(floats(decode(F::R8_SNORM, &[0x80]))[0], -1.0);
    assert_eq!(floats(decode(F::R8_SNORM, &[0x81]))[0], -1.0);
    assert_eq!(floats(decode(F::R16_SNORM, &[0x00, 0x80]))[0], -1.0);
    assert_eq!(
        enc(F::R16_SNORM, Texel::Float([-1.0, 0.0, 0.0, 1.0])),
        [0x01, 0x80]
    );
    // Missing components read as (0, 0, 0, 1).
    assert_eq!(
        floats(decode(F::R8G8_UNORM, &[255, 255])),
        [1.0, 1.0, 0.0, 1.0]
    );
}

#[test]
fn known_packed_layouts() {
    let one = |f, i: usize| {
        let mut v = [0.0; 4];
        v[i] = 1.0;
        word(&enc(f, Texel::Float(v)))
    };
    // R5G6B5: R in bits 15..11, G 10..5, B 4..0.
    assert_eq!(
        [0, 1, 2, 3].map(|i| one(F::R5G6B5_UNORM_PACK16, i)),
        [0xf800, 0x07e0, 0x001f, 0]
    );
    assert_eq!(
        enc(F::R5G6B5_UNORM_PACK16, Texel::Float([1.0, 0.0, 0.0, 1.0])),
        [0x00, 0xf8]
    );
    assert_eq!(
        [0, 1, 2].map(|i| one(F::B5G6R5_UNORM_PACK16, i)),
        [0x001f, 0x07e0, 0xf800]
    );
    assert_eq!(
        [0, 1, 2, 3].map(|i| one(F::R4G4B4A4_UNORM_PACK16, i)),
        [0xf000, 0x0f00, 0x00f0, 0x000f]
    );
    assert_eq!(
        [0, 1, 2, 3].map(|i| one(F::B4G4R4A4_UNORM_PACK16, i)),
        [0x00f0, 0x0f00, 0xf000, 0x000f]
    );
    assert_eq!(
        [0, 1, 2, 3].map(|i| one(F::R5G5B5A1_UNORM_PACK16, i)),
        [0xf800, 0x07c0, 0x003e, 0x0001]
    );
    assert_eq!(
        [0, 1, 2, 3].map(|i| one(F::B5G5R5A1_UNORM_PACK16, i)),
        [0x003e, 0x07c0, 0xf800, 0x0001]
    );
    assert_eq!(
        [0, 1, 2, 3].map(|i| one(F::A1R5G5B5_UNORM_PACK16, i)),
        [0x7c00, 0x03e0, 0x001f, 0x8000]
    );
    assert_eq!([0, 1].map(|i| one(F::R4G4_UNORM_PACK8, i)), [0xf0, 0x0f]);
    // A2B10G10R10: R in bits 9..0, G 19..10, B 29..20, A 31..30.
    assert_eq!(
        [0, 1, 2, 3].map(|i| one(F::A2B10G10R10_UNORM_PACK32, i)),
        [0x0000_03ff, 0x000f_fc00, 0x3ff0_0000, 0xc000_0000]
    );
    assert_eq!(
        [0, 1, 2, 3].map(|i| one(F::A2R10G10B10_UNORM_PACK32, i)),
        [0x3ff0_0000, 0x000f_fc00, 0x0000_03ff, 0xc000_0000]
    );
    let t = floats(decode(
        F::A2B10G10R10_UNORM_PACK32,
        &0x4000_0200u32.to_le_bytes(),
    ));
    assert_eq!(t, [512.0 / 1023.0, 0.0, 0.0, 1.0 / 3.0]);
    // 2-bit signed alpha.
    let w = |t| word(&enc(F::A2R10G10B10_SINT_PACK32, t));
    assert_eq!(w(Texel::Sint([0, 0, 0, -2])), 0x8000_0000);
    assert_eq!(w(Texel::Sint([0, 0, 0, -1])), 0xc000_0000);
    assert_eq!(w(Texel::Sint([0, 0, 0, 5])), 0x4000_0000);
    assert_eq!(w(Texel::Sint([-512, 511, 0, 0])), 0x2007_fc00);
    let t = decode(F::A2R10G10B10_SINT_PACK32, &0xa000_0000u32.to_le_bytes());
    assert_eq!(t, Texel::Sint([-512, 0, 0, -2]));
    let t = decode(F::A2B10G10R10_SNORM_PACK32, &0x8000_0000u32.to_le_bytes());
    assert_eq!(t, Texel::Float([0.0, 0.0, 0.0, -1.0]));
    let t = decode(F::A2B10G10R10_UINT_PACK32, &0xffff_ffffu32.to_le_bytes());
    assert_eq!(t, Texel::Uint([1023, 1023, 1023, 3]));
}

#[test]
fn known_half_values() {
    let h = |f: f32| f32_to_f16(f);
    assert_eq!(h(1.0), 0x3c00);
    assert_eq!(h(-2.0), 0xc000);
    assert_eq!(h(0.0), 0x0000);
    assert_eq!(h(-0.0), 0x8000);
    assert_eq!(h(65504.0), 0x7bff);
    assert_eq!(h(65519.99), 0x7bff);
    assert_eq!(h(65520.0), 0x7c00); // rounds to even = overflow
    assert_eq!(h(1e6), 0x7c00);
    assert_eq!(h(-1e6), 0xfc00);
    assert_eq!(h(f32::INFINITY), 0x7c00);
    assert_eq!(h(2f32.powi(-24)), 0x0001);
    assert_eq!(h(2f32.powi(-25)), 0x0000); // tie -> even (0)
    assert_eq!(h(2f32.powi(-25) * 1.5), 0x0001);
    assert_eq!(h(3.0 * 2f32.powi(-25)), 0x0002); // 1.5 units, tie -> even
    assert_eq!(h(2f32.powi(-14)), 0x0400);
    assert_eq!(h(2f32.powi(-14) - 2f32.powi(-25)), 0x0400); // tie rounds up into normal
    assert_eq!(h(1.0 + 2f32.powi(-11)), 0x3c00); // tie -> even
    assert_eq!(h(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02); // tie -> even
    assert_eq!(h(1e-10), 0x0000);
    assert_eq!(h(f32::from_bits(1)), 0x0000);
    assert!(f16_to_f32(h(f32::NAN)).is_nan());
    assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
    assert_eq!(f16_to_f32(0x7bff), 65504.0);
    assert_eq!(f16_to_f32(0xfc00), f32::NEG_INFINITY);
    assert!(f16_to_f32(0x7e00).is_nan());
    assert_eq!(
        enc(F::R16G16_SFLOAT, Texel::Float([1.0, -2.0, 0.0, 0.0])),
        [0x00, 0x3c, 0x00, 0xc0]
    );
}

/// `encode_small` picks the nearest representable value (ties to even) for finite inputs in
/// range, and follows the overflow/negative rules outside it.
fn check_nearest(f: f32, man_bits: u32, signed: bool) {
    let code = encode_small(f, man_bits, signed);
    let sign_bit = if signed { 1 << (5 + man_bits) } else { 0 };
    let inf = 0x1f << man_bits;
    let got = decode_small(code, man_bits, signed);
    if f.is_nan() {
        assert!(got.is_nan());
        return;
    }
    if !signed && f.is_sign_negative() {
        assert_eq!(code, 0, "{f}");
        return;
    }
    assert_eq!(code & sign_bit != 0, f.is_sign_negative(), "{f}");
    let x = (f as f64).abs();
    let mag = code & !sign_bit;
    let max = decode_small(inf - 1, man_bits, false) as f64;
    if f.is_infinite() {
        assert_eq!(mag, inf);
        return;
    }
    if x > max {
        // Signed: IEEE rounding (overflow once at least half an ulp above max). Unsigned:
        // the spec clamps finite values to the largest finite value.
        let half_ulp = 2f64.powi(15 - man_bits as i32 - 1);
        let want = if signed && x >= max + half_ulp {
            inf
        } else {
            inf - 1
        };
        assert_eq!(mag, want, "{f} m{man_bits}");
        return;
    }
    let dist = |c: u32| (decode_small(c, man_bits, false) as f64 - x).abs();
    let d = dist(mag);
    for n in [mag.wrapping_sub(1), mag + 1] {
        if n < inf {
            let dn = dist(n);
            assert!(
                d < dn || (d == dn && mag & 1 == 0),
                "{f} m{man_bits}: {mag:#x} vs {n:#x}"
            );
        }
    }
}

#[test]
fn small_floats_round_to_nearest_even() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..200_000u32 {
        // Sweep the exponent range of interest densely, plus random bit patterns.
        let swept = f32::from_bits((0x3000_0000 + i * 0x1000) ^ (rng.next() as u32 & 0xfff));
        let random = f32::from_bits(rng.next() as u32);
        for f in [swept, -swept, random] {
            check_nearest(f, 10, true);
            check_nearest(f, 6, false);
            check_nearest(f, 5, false);
        }
    }
}

#[test]
fn known_ufloat_values() {
    let b10g11r11 = |t| word(&enc(F::B10G11R11_UFLOAT_PACK32, Texel::Float(t)));
    assert_eq!(
        b10g11r11([1.0, 1.0, 1.0, 1.0]),
        0x3c0 | (0x3c0 << 11) | (0x1e0 << 22)
    );
    assert_eq!(b10g11r11([1.0, 0.0, 0.0, 0.0]), 0x0000_03c0);
    assert_eq!(b10g11r11([0.0, 1.0, 0.0, 0.0]), 0x001e_0000);
    assert_eq!(b10g11r11([0.0, 0.0, 1.0, 0.0]), 0x7800_0000);
    // Negative -> 0, too large -> max finite, +inf -> inf, NaN -> NaN.
    assert_eq!(b10g11r11([-1.0, f32::NEG_INFINITY, -0.0, 0.0]), 0);
    assert_eq!(b10g11r11([1e9, 0.0, 1e9, 0.0]), 0x7bf | (0x3df << 22));
    assert_eq!(
        b10g11r11([65024.0, 0.0, 64512.0, 0.0]),
        0x7bf | (0x3df << 22)
    );
    assert_eq!(
        b10g11r11([f32::INFINITY, 0.0, f32::INFINITY, 0.0]),
        0x7c0 | (0x3e0 << 22)
    );
    let t = floats(decode(
        F::B10G11R11_UFLOAT_PACK32,
        &(0x7c1u32 | (0x3e1 << 22)).to_le_bytes(),
    ));
    assert!(t[0].is_nan() && t[2].is_nan());
    assert_eq!((t[1], t[3]), (0.0, 1.0));
    let t = floats(decode(
        F::B10G11R11_UFLOAT_PACK32,
        &enc(F::B10G11R11_UFLOAT_PACK32, Texel::Float([f32::NAN; 4])),
    ));
    assert!(t[0].is_nan() && t[1].is_nan() && t[2].is_nan());
    let t = floats(decode(
        F::B10G11R11_UFLOAT_PACK32,
        &0x7800_03c0u32.to_le_bytes(),
    ));
    assert_eq!(t, [1.0, 0.0, 1.0, 1.0]);
    // Smallest denormals: 2^-20 (11-bit), 2^-19 (10-bit).
    assert_eq!(
        b10g11r11([2f32.powi(-20), 0.0, 2f32.powi(-19), 0.0]),
        1 | (1 << 22)
    );
}

#[test]
fn shared_exponent() {
    // (1.0, 0.5, 0.25): max 1.0 -> exp' = 0 + 1 + 15 = 16, unit 2^-8 -> 256, 128, 64.
    let w = encode_e5b9g9r9([1.0, 0.5, 0.25]);
    assert_eq!(w, 256 | (128 << 9) | (64 << 18) | (16 << 27));
    let bytes = enc(
        F::E5B9G9R9_UFLOAT_PACK32,
        Texel::Float([1.0, 0.5, 0.25, 0.0]),
    );
    assert_eq!(word(&bytes), w);
    assert_eq!(
        decode(F::E5B9G9R9_UFLOAT_PACK32, &bytes),
        Texel::Float([1.0, 0.5, 0.25, 1.0])
    );
    // Zero, negatives and NaN -> 0 with exponent 0.
    assert_eq!(encode_e5b9g9r9([0.0, -1.0, f32::NAN]), 0);
    // Clamp to sharedexp_max = 511/512 * 2^16 = 65408 (exp 31, mantissa 511).
    let max = 511 | (31 << 27);
    assert_eq!(encode_e5b9g9r9([1e30, 0.0, 0.0]), max);
    assert_eq!(encode_e5b9g9r9([f32::INFINITY, 0.0, 0.0]), max);
    assert_eq!(decode_e5b9g9r9(max), [65408.0, 0.0, 0.0]);
    // Rounding up to 2^N bumps the shared exponent: 511.6 * 2^-8 has exp' 15+1.. -> 16.
    let w = encode_e5b9g9r9([1.999, 0.0, 0.0]);
    assert_eq!(w, 256 | (17 << 27));
    // Smallest step: mantissa 1 at exponent 0 is 2^-24.
    assert_eq!(encode_e5b9g9r9([2f32.powi(-24), 0.0, 0.0]), 1);
    assert_eq!(decode_e5b9g9r9(1), [2f32.powi(-24), 0.0, 0.0]);
    // Decode is exact: mantissa * 2^(e - 24).
    assert_eq!(
        decode_e5b9g9r9(3 | (5 << 9) | (7 << 18) | (20 << 27)),
        [3.0 / 16.0, 5.0 / 16.0, 7.0 / 16.0]
    );

    // Every value the format represents encodes back to the same value (the bit pattern
    // may differ: non-canonical patterns with small mantissas have a smaller-exponent twin).
    let check = |w: u32| {
        let v = decode_e5b9g9r9(w);
        assert_eq!(decode_e5b9g9r9(encode_e5b9g9r9(v)), v, "{w:#x}");
    };
    for e in 0..32 {
        for m in 0..512 {
            check(m | (e << 27));
            check((m << 9) | (m << 18) | (e << 27));
        }
    }
    let mut rng = Rng(0x5eed);
    for _ in 0..200_000 {
        check(rng.next() as u32);
    }
}

#[test]
fn integer_formats_and_domain_conversion() {
    // Decode zero/sign-extends.
    assert_eq!(
        decode(F::R8G8_SINT, &[0xff, 0x80]),
        Texel::Sint([-1, -128, 0, 1])
    );
    assert_eq!(
        decode(F::R16_UINT, &[0xff, 0xff]),
        Texel::Uint([65535, 0, 0, 1])
    );
    assert_eq!(
        decode(F::R32G32_SINT, &[0xff; 8]),
        Texel::Sint([-1, -1, 0, 1])
    );
    // Integer clamps.
    assert_eq!(enc(F::R8_UINT, Texel::Uint([300, 0, 0, 0])), [255]);
    assert_eq!(enc(F::R8_UINT, Texel::Sint([-5, 0, 0, 0])), [0]);
    assert_eq!(enc(F::R8_SINT, Texel::Uint([u32::MAX, 0, 0, 0])), [127]);
    assert_eq!(
        enc(F::R32_SINT, Texel::Uint([u32::MAX, 0, 0, 0])),
        i32::MAX.to_le_bytes()
    );
    assert_eq!(enc(F::R8_SINT, Texel::Sint([-300, 0, 0, 0])), [0x80]);
    assert_eq!(enc(F::R32_UINT, Texel::Sint([-1, 0, 0, 0])), [0; 4]);
    // Float -> integer: round to nearest, clamp, NaN -> 0.
    assert_eq!(
        enc(F::R8G8B8A8_UINT, Texel::Float([2.5, 2.4, -7.0, 1e9])),
        [3, 2, 0, 255]
    );
    assert_eq!(
        enc(
            F::R8G8B8A8_SINT,
            Texel::Float([-2.5, f32::NAN, -1e9, 126.6])
        ),
        [0xfd, 0, 0x80, 127]
    );
    assert_eq!(
        enc(F::R32_UINT, Texel::Float([1e20, 0.0, 0.0, 0.0])),
        [0xff; 4]
    );
    // Integer -> Float: the value.
    assert_eq!(enc(F::R8G8_UNORM, Texel::Uint([1, 0, 0, 0])), [255, 0]);
    assert_eq!(enc(F::R8_USCALED, Texel::Uint([77, 0, 0, 0])), [77]);
    assert_eq!(
        enc(F::R32_SFLOAT, Texel::Sint([-3, 0, 0, 0])),
        (-3.0f32).to_le_bytes()
    );
    assert_eq!(enc(F::R16_SFLOAT, Texel::Uint([2, 0, 0, 0])), [0x00, 0x40]);
    // USCALED / SSCALED.
    assert_eq!(
        decode(F::R8G8_SSCALED, &[0x80, 5]),
        Texel::Float([-128.0, 5.0, 0.0, 1.0])
    );
    assert_eq!(
        enc(
            F::R8G8B8A8_USCALED,
            Texel::Float([3.6, 300.0, -1.0, f32::NAN])
        ),
        [4, 255, 0, 0]
    );
    assert_eq!(
        enc(F::R16_SSCALED, Texel::Float([-40000.0, 0.0, 0.0, 0.0])),
        [0x00, 0x80]
    );
    assert_eq!(
        enc(
            F::A2B10G10R10_SSCALED_PACK32,
            Texel::Float([0.0, 0.0, 0.0, -2.0])
        ),
        [0, 0, 0, 0x80]
    );
    // Missing components in integer domains read as 1.
    assert_eq!(decode(F::R8_UINT, &[9]), Texel::Uint([9, 0, 0, 1]));
    assert_eq!(
        decode(F::R8G8B8_SINT, &[1, 2, 3]),
        Texel::Sint([1, 2, 3, 1])
    );
}

#[test]
fn wide_formats() {
    assert_eq!(
        enc(F::R64_UINT, Texel::Uint([u32::MAX, 0, 0, 0])),
        [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]
    );
    assert_eq!(enc(F::R64_UINT, Texel::Sint([-1, 0, 0, 0])), [0; 8]);
    assert_eq!(enc(F::R64_SINT, Texel::Sint([-1, 0, 0, 0])), [0xff; 8]);
    assert_eq!(
        enc(F::R64_SINT, Texel::Sint([i32::MIN, 0, 0, 0])),
        (i32::MIN as i64).to_le_bytes()
    );
    assert_eq!(
        enc(F::R64_SFLOAT, Texel::Float([1.5, 0.0, 0.0, 0.0])),
        1.5f64.to_le_bytes()
    );
    assert_eq!(
        enc(F::R64_SFLOAT, Texel::Uint([u32::MAX, 0, 0, 0])),
        (u32::MAX as f64).to_le_bytes()
    );
    let b = enc(F::R64G64B64A64_SINT, Texel::Sint([1, -2, 3, -4]));
    assert_eq!(b.len(), 32);
    assert_eq!(b[8..16], (-2i64).to_le_bytes());
    assert_eq!(
        decode(F::R64G64B64A64_SINT, &b),
        Texel::Sint([1, -2, 3, -4])
    );
    // Decode truncates / narrows.
    assert_eq!(
        decode(F::R64_UINT, &0x1_0000_0005u64.to_le_bytes()),
        Texel::Uint([5, 0, 0, 1])
    );
    assert_eq!(
        decode(F::R64_SINT, &(-7i64).to_le_bytes()),
        Texel::Sint([-7, 0, 0, 1])
    );
    assert_eq!(
        decode(F::R64_SFLOAT, &0.1f64.to_le_bytes()),
        Texel::Float([0.1f32, 0.0, 0.0, 1.0])
    );
    assert_eq!(
        decode(F::R64G64_SFLOAT, &[0u8; 16]),
        Texel::Float([0.0, 0.0, 0.0, 1.0])
    );
}

#[test]
fn depth_stencil_formats() {
    assert_eq!(
        enc(F::D16_UNORM, Texel::Float([0.5, 0.0, 0.0, 0.0])),
        [0x00, 0x80]
    );
    assert_eq!(
        decode(F::D16_UNORM, &[0xff, 0xff]),
        Texel::Float([1.0, 0.0, 0.0, 1.0])
    );
    // X8_D24: depth in the low 24 bits, top 8 written as 0 and ignored on decode.
    assert_eq!(
        enc(F::X8_D24_UNORM_PACK32, Texel::Float([1.0, 0.0, 0.0, 0.0])),
        [0xff, 0xff, 0xff, 0x00]
    );
    assert_eq!(
        decode(F::X8_D24_UNORM_PACK32, &[0xff; 4]),
        Texel::Float([1.0, 0.0, 0.0, 1.0])
    );
    assert_eq!(
        decode(F::X8_D24_UNORM_PACK32, &[0, 0, 0, 0xff]),
        Texel::Float([0.0, 0.0, 0.0, 1.0])
    );
    // D32_SFLOAT stores the value unchanged (no clamp).
    assert_eq!(
        enc(F::D32_SFLOAT, Texel::Float([2.5, 0.0, 0.0, 0.0])),
        2.5f32.to_le_bytes()
    );
    assert_eq!(
        enc(F::D32_SFLOAT, Texel::Float([-0.25, 0.0, 0.0, 0.0])),
        (-0.25f32).to_le_bytes()
    );
    assert_eq!(
        decode(F::D32_SFLOAT, &0.75f32.to_le_bytes()),
        Texel::Float([0.75, 0.0, 0.0, 1.0])
    );
    // S8_UINT.
    assert_eq!(decode(F::S8_UINT, &[200]), Texel::Uint([200, 0, 0, 1]));
    assert_eq!(enc(F::S8_UINT, Texel::Uint([0x1ff, 0, 0, 0])), [0xff]);
    assert_eq!(enc(F::S8_UINT, Texel::Float([3.4, 0.0, 0.0, 0.0])), [3]);
    // Combined formats (not normally used): depth then stencil, Float([d, s, 0, 1]).
    assert_eq!(
        decode(F::D16_UNORM_S8_UINT, &[0xff, 0xff, 7]),
        Texel::Float([1.0, 7.0, 0.0, 1.0])
    );
    assert_eq!(
        enc(F::D24_UNORM_S8_UINT, Texel::Float([1.0, 9.0, 0.0, 0.0])),
        [0xff, 0xff, 0xff, 9]
    );
    assert_eq!(
        decode(F::D32_SFLOAT_S8_UINT, &[0, 0, 0x80, 0x3f, 5]),
        Texel::Float([1.0, 5.0, 0.0, 1.0])
    );
}

#[test]
fn encode_writes_whole_texel_and_tolerates_short_slices_in_release() {
    // Every byte written (the 0xAA fill of `enc` never survives).
    for f in all() {
        let b = enc(f.format, Texel::Float([0.0; 4]));
        assert!(b.iter().all(|&x| x == 0), "{}", f.name);
    }
    // Bit helpers: straddling fields, and out-of-range bytes read as zero / are dropped.
    let mut b = [0u8; 3];
    put_bits(&mut b, 5, 11, 0x7ff);
    assert_eq!(b, [0xe0, 0xff, 0x00]);
    assert_eq!(get_bits(&b, 5, 11), 0x7ff);
    assert_eq!(get_bits(&b, 16, 16), 0);
    put_bits(&mut b, 16, 16, 0xffff);
    assert_eq!(b, [0xe0, 0xff, 0xff]);
    put_bits(&mut b, 0, 64, 0);
    assert_eq!(b, [0; 3]);
}
