//! Output merging of whole quads into 8-bit UNORM RGBA / BGRA attachments (the formats most
//! draws render to), decided once per draw and attachment: the same arithmetic as the
//! per-texel path (`draw::write_color`: [`super::blend::blend`] with `Range::Unorm`, then the
//! codec's UNORM encoding), but with the blend state resolved once and every step taken on
//! the quad's four pixels at a time (component-major arrays the compiler keeps in vector
//! registers). Test `quad_merging_matches_the_texel_path` holds the two to the same bits.
#![allow(clippy::needless_range_loop)]

use super::blend::BlendAttachment;
use super::draw::Target;
use super::lanes::F4;
use ash::vk;

use super::lanes::Lanes;

#[cfg(target_arch = "x86_64")]
mod f4 {
    use super::F4;
    use std::arch::x86_64::*;
    // SAFETY (every block here): SSE2 is part of x86-64; loads and stores touch the words
    // of their arrays.

    /// Component-major floats of four RGBA8 words (byte k = component k): code / 255, the
    /// codec's decode.
    #[inline(always)]
    pub(super) fn decode(px: [u32; 4]) -> [F4; 4] {
        unsafe {
            let p = _mm_loadu_si128(px.as_ptr() as *const __m128i);
            let m = _mm_set1_epi32(0xff);
            let k = _mm_set1_ps(255.0);
            let c = |v: __m128i| F4(_mm_div_ps(_mm_cvtepi32_ps(_mm_and_si128(v, m)), k));
            [
                c(p),
                c(_mm_srli_epi32(p, 8)),
                c(_mm_srli_epi32(p, 16)),
                c(_mm_srli_epi32(p, 24)),
            ]
        }
    }

    /// The codec's 8-bit UNORM codes of four lanes, one per 32-bit lane: clamped to [0, 1],
    /// times 255, rounded half up in f64 (exact: an f32 times 255 has at most 32 significant
    /// bits); NaN gives 0.
    #[inline(always)]
    pub(super) fn codes(v: F4) -> __m128i {
        unsafe {
            let (zero, one) = (_mm_setzero_pd(), _mm_set1_pd(1.0));
            let (scale, half) = (_mm_set1_pd(255.0), _mm_set1_pd(0.5));
            // max(x, 0) gives its second operand for NaN: NaN becomes 0.
            let code = |x: __m128d| {
                let c = _mm_min_pd(_mm_max_pd(x, zero), one);
                // In [0.5, 255.5]: truncation is the rounding, and fits the integer.
                _mm_cvttpd_epi32(_mm_add_pd(_mm_mul_pd(c, scale), half))
            };
            let lo = code(_mm_cvtps_pd(v.0));
            let hi = code(_mm_cvtps_pd(_mm_movehl_ps(v.0, v.0)));
            _mm_unpacklo_epi64(lo, hi)
        }
    }

    /// Four RGBA8 words from per-component codes (`new[c]` where `written[c]`, else the
    /// byte of `old`).
    #[inline(always)]
    pub(super) fn pack(new: [Option<F4>; 4], old: [u32; 4]) -> [u32; 4] {
        pack_with(new, old, codes)
    }

    /// [`pack`] with the encoding `codes` (the baseline one, or AVX's).
    #[inline(always)]
    pub(super) fn pack_with(
        new: [Option<F4>; 4],
        old: [u32; 4],
        codes: impl Fn(F4) -> __m128i,
    ) -> [u32; 4] {
        unsafe {
            let mut p = _mm_loadu_si128(old.as_ptr() as *const __m128i);
            for (c, v) in new.iter().enumerate() {
                if let Some(v) = v {
                    let shift = _mm_cvtsi32_si128(8 * c as i32);
                    let keep = _mm_set1_epi32(!(0xff << (8 * c)));
                    p = _mm_or_si128(_mm_and_si128(p, keep), _mm_sll_epi32(codes(*v), shift));
                }
            }
            let mut out = [0u32; 4];
            _mm_storeu_si128(out.as_mut_ptr() as *mut __m128i, p);
            out
        }
    }
}

/// The same decode and encode with AVX's four-lane f64 operations (one instruction per step
/// where SSE2 takes two halves): x / 255 as x times 1/255 in f64 rounded to f32, which is
/// the f32 quotient for every code 0..=255 (test `avx_codes_match_sse2`), and the encoding's
/// f64 steps on four lanes at once.
#[cfg(target_arch = "x86_64")]
mod avx {
    use super::F4;
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU has AVX.
    #[inline(always)]
    pub(super) unsafe fn decode(px: [u32; 4]) -> [F4; 4] {
        unsafe {
            let p = _mm_loadu_si128(px.as_ptr() as *const __m128i);
            let m = _mm_set1_epi32(0xff);
            let k = _mm256_set1_pd(1.0 / 255.0);
            let c = |v: __m128i| {
                F4(_mm256_cvtpd_ps(_mm256_mul_pd(
                    _mm256_cvtepi32_pd(_mm_and_si128(v, m)),
                    k,
                )))
            };
            [
                c(p),
                c(_mm_srli_epi32(p, 8)),
                c(_mm_srli_epi32(p, 16)),
                c(_mm_srli_epi32(p, 24)),
            ]
        }
    }

    /// # Safety
    /// The CPU has AVX.
    #[inline(always)]
    unsafe fn codes(v: F4) -> __m128i {
        unsafe {
            let x = _mm256_cvtps_pd(v.0);
            // max(x, 0) gives its second operand for NaN: NaN becomes 0.
            let c = _mm256_min_pd(_mm256_max_pd(x, _mm256_setzero_pd()), _mm256_set1_pd(1.0));
            let c = _mm256_add_pd(_mm256_mul_pd(c, _mm256_set1_pd(255.0)), _mm256_set1_pd(0.5));
            _mm256_cvttpd_epi32(c)
        }
    }

    /// # Safety
    /// The CPU has AVX.
    #[inline(always)]
    pub(super) unsafe fn pack(new: [Option<F4>; 4], old: [u32; 4]) -> [u32; 4] {
        // SAFETY: the caller's CPU has AVX.
        super::f4::pack_with(new, old, |v| unsafe { codes(v) })
    }
}

/// Decoding and encoding of four RGBA8 words: SSE2 everywhere, AVX where the CPU has it.
trait Codec {
    /// # Safety
    /// The CPU has the codec's instructions.
    unsafe fn decode(px: [u32; 4]) -> [F4; 4];
    /// # Safety
    /// As for `decode`.
    unsafe fn pack(new: [Option<F4>; 4], old: [u32; 4]) -> [u32; 4];
}

struct Baseline;

impl Codec for Baseline {
    #[inline(always)]
    unsafe fn decode(px: [u32; 4]) -> [F4; 4] {
        f4::decode(px)
    }
    #[inline(always)]
    unsafe fn pack(new: [Option<F4>; 4], old: [u32; 4]) -> [u32; 4] {
        f4::pack(new, old)
    }
}

#[cfg(target_arch = "x86_64")]
struct Avx;

#[cfg(target_arch = "x86_64")]
impl Codec for Avx {
    #[inline(always)]
    unsafe fn decode(px: [u32; 4]) -> [F4; 4] {
        unsafe { avx::decode(px) }
    }
    #[inline(always)]
    unsafe fn pack(new: [Option<F4>; 4], old: [u32; 4]) -> [u32; 4] {
        unsafe { avx::pack(new, old) }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod f4 {
    use super::F4;

    pub(super) fn decode(px: [u32; 4]) -> [F4; 4] {
        std::array::from_fn(|c| F4(px.map(|p| (p >> (8 * c) & 0xff) as f32 / 255.0)))
    }

    pub(super) fn pack(new: [Option<F4>; 4], old: [u32; 4]) -> [u32; 4] {
        std::array::from_fn(|l| {
            (0..4).fold(0u32, |p, c| {
                let code = match new[c] {
                    Some(v) => crate::raster::draw::unorm_code(v.0[l], 255.0) as u32,
                    None => old[l] >> (8 * c) & 0xff,
                };
                p | code << (8 * c)
            })
        })
    }
}

/// How a draw writes one 8-bit UNORM RGBA / BGRA single-sample attachment.
#[derive(Clone, Copy, Debug)]
pub struct Unorm8 {
    /// B8G8R8A8: bytes 0 and 2 hold blue and red.
    bgra: bool,
    blend: BlendAttachment,
    /// Component k is written.
    written: [bool; 4],
    /// Every component written and blending off: the destination is not read.
    overwrite: bool,
    /// The blend factors read the second source (dual-source blending).
    pub uses_src1: bool,
    /// The CPU has AVX: [`Avx`] codes (the same bits).
    avx: bool,
}

/// `p` with bytes 0 and 2 of every word exchanged (RGBA <-> BGRA).
#[inline(always)]
fn swap_rb(p: u32) -> u32 {
    (p & 0xff00_ff00) | (p >> 16 & 0xff) | (p & 0xff) << 16
}

impl Unorm8 {
    /// The plan for `t` with blend state `ba`; None where this path does not apply (another
    /// format, several samples, a logic op).
    pub fn new(t: &Target<'_>, ba: &BlendAttachment, logic_op: bool) -> Option<Unorm8> {
        let bgra = match t.format {
            vk::Format::R8G8B8A8_UNORM => false,
            vk::Format::B8G8R8A8_UNORM => true,
            _ => return None,
        };
        if t.samples != 1 || logic_op {
            return None;
        }
        let bits = [
            vk::ColorComponentFlags::R,
            vk::ColorComponentFlags::G,
            vk::ColorComponentFlags::B,
            vk::ColorComponentFlags::A,
        ];
        let written = bits.map(|b| ba.write_mask.contains(b));
        use vk::BlendFactor as F;
        let src1 = |f: F| {
            matches!(
                f,
                F::SRC1_COLOR | F::ONE_MINUS_SRC1_COLOR | F::SRC1_ALPHA | F::ONE_MINUS_SRC1_ALPHA
            )
        };
        Some(Unorm8 {
            bgra,
            blend: *ba,
            written,
            overwrite: !ba.enable && written == [true; 4],
            uses_src1: ba.enable
                && [ba.src_color, ba.dst_color, ba.src_alpha, ba.dst_alpha]
                    .into_iter()
                    .any(src1),
            #[cfg(target_arch = "x86_64")]
            avx: std::arch::is_x86_feature_detected!("avx"),
            #[cfg(not(target_arch = "x86_64"))]
            avx: false,
        })
    }

    /// Merges the quad at (x, y) (even corner) into `t`: lanes set in `live` take `src`
    /// (component-major: `src[c][lane]`), blended with `src1` and the blend `constants`.
    pub fn write_quad(
        &self,
        t: &Target<'_>,
        at: (i32, i32),
        live: u8,
        src: &[Lanes; 4],
        src1: &[Lanes; 4],
        constants: [f32; 4],
    ) {
        #[cfg(target_arch = "x86_64")]
        if self.avx {
            // SAFETY: `avx` says the CPU has AVX.
            return unsafe { self.write_quad_avx(t, at, live, src, src1, constants) };
        }
        // SAFETY: SSE2 is part of x86-64; elsewhere the baseline codec is plain code.
        unsafe { self.merge::<Baseline>(t, at, live, src, src1, constants) }
    }

    /// [`Self::write_quad`] compiled for AVX.
    ///
    /// # Safety
    /// The CPU has AVX.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    unsafe fn write_quad_avx(
        &self,
        t: &Target<'_>,
        at: (i32, i32),
        live: u8,
        src: &[Lanes; 4],
        src1: &[Lanes; 4],
        constants: [f32; 4],
    ) {
        unsafe { self.merge::<Avx>(t, at, live, src, src1, constants) }
    }

    /// The merge with codec `C`.
    ///
    /// # Safety
    /// The CPU has `C`'s instructions.
    #[inline(always)]
    unsafe fn merge<C: Codec>(
        &self,
        t: &Target<'_>,
        (x, y): (i32, i32),
        live: u8,
        src: &[Lanes; 4],
        src1: &[Lanes; 4],
        constants: [f32; 4],
    ) {
        // A whole quad inside the target: its two rows of two pixels, 8 bytes each.
        let rows = match live {
            0xf => match (t.offset(x, y), t.offset(x, y + 1), t.offset(x + 1, y + 1)) {
                (Some(a), Some(b), Some(_)) => Some((a, b)),
                _ => None,
            },
            _ => None,
        };
        let mut at = [None; 4];
        if rows.is_none() {
            for (l, a) in at.iter_mut().enumerate() {
                if live >> l & 1 == 1 {
                    *a = t.offset(x + (l as i32 & 1), y + (l as i32 >> 1));
                }
            }
        }
        // Destination words in RGBA byte order (unread lanes: 0, never stored).
        let mut old = [0u32; 4];
        if !self.overwrite {
            if let Some((a, b)) = rows {
                let (r0, r1) = (t.load::<8>(a), t.load::<8>(b));
                let word =
                    |r: [u8; 8], k: usize| u32::from_le_bytes([r[k], r[k + 1], r[k + 2], r[k + 3]]);
                old = [word(r0, 0), word(r0, 4), word(r1, 0), word(r1, 4)];
            } else {
                for l in 0..4 {
                    if let Some(a) = at[l] {
                        old[l] = u32::from_le_bytes(t.load::<4>(a));
                    }
                }
            }
            if self.bgra {
                old = old.map(swap_rb);
            }
        }
        let s: [F4; 4] = src.map(|v| F4::new(v).clamp01());
        let mut new: [Option<F4>; 4] = [None; 4];
        if self.blend.enable {
            let d = unsafe { C::decode(old) };
            let s1: [F4; 4] = if self.uses_src1 {
                src1.map(|v| F4::new(v).clamp01())
            } else {
                [F4::splat(0.0); 4]
            };
            let k = constants.map(|x| F4::splat(x.clamp(0.0, 1.0)));
            for c in 0..4 {
                if self.written[c] {
                    new[c] = Some(self.blend_component(c, &s, &s1, &d, &k));
                }
            }
        } else {
            for c in 0..4 {
                if self.written[c] {
                    new[c] = Some(s[c]);
                }
            }
        }
        let mut out = unsafe { C::pack(new, old) };
        if self.bgra {
            out = out.map(swap_rb);
        }
        if let Some((a, b)) = rows {
            let pair = |p: u32, q: u32| (p as u64 | (q as u64) << 32).to_le_bytes();
            t.store::<8>(a, pair(out[0], out[1]));
            t.store::<8>(b, pair(out[2], out[3]));
        } else {
            for l in 0..4 {
                if let Some(a) = at[l] {
                    t.store::<4>(a, out[l].to_le_bytes());
                }
            }
        }
    }

    #[inline(always)]
    /// Component `c` of the blend of the (clamped) inputs, as [`super::blend::blend`] does it.
    fn blend_component(&self, c: usize, s: &[F4; 4], s1: &[F4; 4], d: &[F4; 4], k: &[F4; 4]) -> F4 {
        let a = &self.blend;
        let (sf, df, op) = if c == 3 {
            (a.src_alpha, a.dst_alpha, a.alpha_op)
        } else {
            (a.src_color, a.dst_color, a.color_op)
        };
        let fs = factor(sf, c, s, s1, d, k).clamp01();
        let fd = factor(df, c, s, s1, d, k).clamp01();
        let (s, d) = (s[c], d[c]);
        match op {
            vk::BlendOp::SUBTRACT => s * fs - d * fd,
            vk::BlendOp::REVERSE_SUBTRACT => d * fd - s * fs,
            // The destination is never NaN (decoded codes).
            vk::BlendOp::MIN => s.min(d),
            vk::BlendOp::MAX => s.max(d),
            _ => s * fs + d * fd,
        }
    }
}

/// Blend factor `f` for component `c` on four lanes (`blend::factor`'s table).
#[inline(always)]
fn factor(f: vk::BlendFactor, c: usize, s: &[F4; 4], s1: &[F4; 4], d: &[F4; 4], k: &[F4; 4]) -> F4 {
    use vk::BlendFactor as F;
    let one = F4::splat(1.0);
    let inv = |v: F4| one - v;
    match f {
        F::ZERO => F4::splat(0.0),
        F::ONE => one,
        F::SRC_COLOR => s[c],
        F::ONE_MINUS_SRC_COLOR => inv(s[c]),
        F::DST_COLOR => d[c],
        F::ONE_MINUS_DST_COLOR => inv(d[c]),
        F::SRC_ALPHA => s[3],
        F::ONE_MINUS_SRC_ALPHA => inv(s[3]),
        F::DST_ALPHA => d[3],
        F::ONE_MINUS_DST_ALPHA => inv(d[3]),
        F::CONSTANT_COLOR => k[c],
        F::ONE_MINUS_CONSTANT_COLOR => inv(k[c]),
        F::CONSTANT_ALPHA => k[3],
        F::ONE_MINUS_CONSTANT_ALPHA => inv(k[3]),
        F::SRC_ALPHA_SATURATE if c == 3 => one,
        // 1 - dst alpha is never NaN.
        F::SRC_ALPHA_SATURATE => s[3].min(inv(d[3])),
        F::SRC1_COLOR => s1[c],
        F::ONE_MINUS_SRC1_COLOR => inv(s1[c]),
        F::SRC1_ALPHA => s1[3],
        F::ONE_MINUS_SRC1_ALPHA => inv(s1[3]),
        _ => F4::splat(0.0),
    }
}

/// The codec's 8-bit UNORM codes of `v`, four lanes (tests: the lane-at-a-time form).
#[cfg(test)]
fn unorm8(v: Lanes) -> [u8; 4] {
    f4::pack([Some(F4::new(v)), None, None, None], [0; 4]).map(|p| p as u8)
}

/// [`unorm8`] one lane at a time, by the per-texel path's encoding.
#[cfg(test)]
fn unorm8_lanes(v: Lanes) -> [u8; 4] {
    v.map(|x| super::draw::unorm_code(x, 255.0) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Texel;
    use crate::raster::blend::{self, Range};

    use crate::raster::tests::Rng;

    /// Mostly in [0, 1], sometimes beyond it, NaN or infinite.
    fn value(r: &mut Rng) -> f32 {
        match r.below(16) {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => -1.5,
            3 => 2.5,
            4 => r.below(256) as f32 / 255.0,
            5 => (r.below(510) as f32 + 0.5) / 510.0,
            _ => r.below(1_000_001) as f32 / 1e6,
        }
    }

    /// The SSE2 encoding gives the lane-at-a-time codes for every kind of value.
    #[test]
    fn unorm8_paths_agree() {
        let mut rng = Rng(3);
        for _ in 0..200_000 {
            let v: Lanes = std::array::from_fn(|_| match rng.below(3) {
                0 => value(&mut rng),
                1 => f32::from_bits(rng.next() as u32),
                _ => rng.below(2_000_000) as f32 / 1e6 - 0.5,
            });
            assert_eq!(unorm8(v), unorm8_lanes(v), "{v:?}");
        }
        for code in 0..=255u32 {
            let x = code as f32 / 255.0;
            assert_eq!(unorm8([x; 4]), [code as u8; 4]);
        }
    }

    fn avx() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("avx");
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    /// The AVX codec decodes every code and encodes every kind of value as the baseline one.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx_codes_match_sse2() {
        if !avx() {
            eprintln!("no AVX on this CPU: nothing to compare");
            return;
        }
        for code in 0..=255u32 {
            let px = [code, code << 8, code << 16, code << 24];
            // SAFETY: the CPU has AVX (checked above).
            let (a, b) = (unsafe { Avx::decode(px) }, unsafe { Baseline::decode(px) });
            let bits = |v: F4| {
                let mut o = [0u32; 4];
                v.store(&mut o);
                o
            };
            for c in 0..4 {
                assert_eq!(bits(a[c]), bits(b[c]), "code {code}");
            }
            assert_eq!(bits(b[0])[0], (code as f32 / 255.0).to_bits());
        }
        let mut rng = Rng(5);
        for _ in 0..200_000 {
            let v: [F4; 4] = std::array::from_fn(|_| {
                F4::new(std::array::from_fn(|_| match rng.below(3) {
                    0 => value(&mut rng),
                    1 => f32::from_bits(rng.next() as u32),
                    _ => rng.below(2_000_000) as f32 / 1e6 - 0.5,
                }))
            });
            let old = std::array::from_fn(|_| rng.next() as u32);
            let keep = rng.below(16);
            let new: [Option<F4>; 4] =
                std::array::from_fn(|c| (keep >> c & 1 == 1).then_some(v[c]));
            // SAFETY: as above.
            let (a, b) = (unsafe { Avx::pack(new, old) }, unsafe {
                Baseline::pack(new, old)
            });
            assert_eq!(a, b);
        }
    }

    /// Every factor, op and write mask, random sources (NaN and out-of-range values included)
    /// over random destinations: the quad path writes exactly the bytes the texel path does.
    #[test]
    fn quad_merging_matches_the_texel_path() {
        let factors: Vec<vk::BlendFactor> = (0..19).map(vk::BlendFactor::from_raw).collect();
        let ops = [
            vk::BlendOp::ADD,
            vk::BlendOp::SUBTRACT,
            vk::BlendOp::REVERSE_SUBTRACT,
            vk::BlendOp::MIN,
            vk::BlendOp::MAX,
        ];
        let mut rng = Rng(7);
        for format in [vk::Format::R8G8B8A8_UNORM, vk::Format::B8G8R8A8_UNORM] {
            for round in 0..4000 {
                let pick = |r: &mut Rng| factors[r.next() as usize % factors.len()];
                let ba = BlendAttachment {
                    enable: round % 7 != 0,
                    src_color: pick(&mut rng),
                    dst_color: pick(&mut rng),
                    color_op: ops[rng.next() as usize % 5],
                    src_alpha: pick(&mut rng),
                    dst_alpha: pick(&mut rng),
                    alpha_op: ops[rng.next() as usize % 5],
                    write_mask: if round % 5 == 0 {
                        vk::ColorComponentFlags::from_raw(rng.below(16) as u32)
                    } else {
                        vk::ColorComponentFlags::RGBA
                    },
                };
                let src: [Lanes; 4] =
                    std::array::from_fn(|_| std::array::from_fn(|_| value(&mut rng)));
                let src1: [Lanes; 4] =
                    std::array::from_fn(|_| std::array::from_fn(|_| value(&mut rng)));
                let constants: [f32; 4] = std::array::from_fn(|_| value(&mut rng));
                let init: Vec<u8> = (0..4 * 4 * 3).map(|_| rng.next() as u8).collect();
                let live = rng.below(16) as u8;
                // A 3 x 3 image (rows 16 bytes apart) and a quad inside it, or with its right
                // column, bottom row or both outside (lanes there are dropped).
                let (qx, qy) = [(0, 0), (2, 0), (0, 2), (2, 2)][rng.below(4) as usize];
                let mut fast = init.clone();
                let mut slow = init.clone();
                // With the baseline codec, then (where the CPU has it) the AVX one.
                let mut with_avx = init.clone();
                {
                    let t = Target::new(&mut fast, 3, 3, 16, format).unwrap();
                    let mut plan = Unorm8::new(&t, &ba, false).unwrap();
                    plan.avx = false;
                    plan.write_quad(&t, (qx, qy), live, &src, &src1, constants);
                }
                if avx() {
                    let t = Target::new(&mut with_avx, 3, 3, 16, format).unwrap();
                    let mut plan = Unorm8::new(&t, &ba, false).unwrap();
                    plan.avx = true;
                    plan.write_quad(&t, (qx, qy), live, &src, &src1, constants);
                    assert_eq!(with_avx, fast, "AVX: {format:?} round {round}: {ba:?}");
                }
                {
                    let t = Target::new(&mut slow, 3, 3, 16, format).unwrap();
                    for l in 0..4 {
                        let (x, y) = (qx + (l as i32 & 1), qy + (l as i32 >> 1));
                        if live >> l & 1 == 0 || x > 2 || y > 2 {
                            continue;
                        }
                        let Some(Texel::Float(d)) = t.read(x, y, 0) else {
                            panic!("an RGBA8 texel")
                        };
                        let i = blend::Inputs {
                            src: std::array::from_fn(|c| src[c][l]),
                            src1: std::array::from_fn(|c| src1[c][l]),
                            dst: d,
                            constants,
                        };
                        t.write(x, y, 0, Texel::Float(blend::blend(&ba, &i, Range::Unorm)));
                    }
                }
                assert_eq!(fast, slow, "{format:?} round {round}: {ba:?}");
            }
        }
    }
}
