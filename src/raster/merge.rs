//! Output merging of whole quads into 8-bit UNORM RGBA / BGRA attachments (the formats most
//! draws render to), decided once per draw and attachment: the same arithmetic as the
//! per-texel path (`draw::write_color`: [`super::blend::blend`] with `Range::Unorm`, then the
//! codec's UNORM encoding), but with the blend state resolved once and every step taken on
//! the quad's four pixels at a time (component-major arrays the compiler keeps in vector
//! registers). Test `quad_merging_matches_the_texel_path` holds the two to the same bits.
#![allow(clippy::needless_range_loop)]

use super::blend::BlendAttachment;
use super::draw::Target;
use ash::vk;

/// Four lanes (the pixels of a quad, lane `dy * 2 + dx`).
type Lanes = [f32; 4];

/// How a draw writes one 8-bit UNORM RGBA / BGRA single-sample attachment.
#[derive(Clone, Copy, Debug)]
pub struct Unorm8 {
    /// Byte k of a texel holds component `order[k]`.
    order: [usize; 4],
    blend: BlendAttachment,
    /// Component k is written.
    written: [bool; 4],
    /// Every component written and blending off: the destination is not read.
    overwrite: bool,
    /// The blend factors read the second source (dual-source blending).
    pub uses_src1: bool,
}

impl Unorm8 {
    /// The plan for `t` with blend state `ba`; None where this path does not apply (another
    /// format, several samples, a logic op).
    pub fn new(t: &Target<'_>, ba: &BlendAttachment, logic_op: bool) -> Option<Unorm8> {
        let order = match t.format {
            vk::Format::R8G8B8A8_UNORM => [0, 1, 2, 3],
            vk::Format::B8G8R8A8_UNORM => [2, 1, 0, 3],
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
            order,
            blend: *ba,
            written,
            overwrite: !ba.enable && written == [true; 4],
            uses_src1: ba.enable
                && [ba.src_color, ba.dst_color, ba.src_alpha, ba.dst_alpha]
                    .into_iter()
                    .any(src1),
        })
    }

    /// Merges the quad at (x, y) (even corner) into `t`: lanes set in `live` take `src`
    /// (component-major: `src[c][lane]`), blended with `src1` and the blend `constants`.
    pub fn write_quad(
        &self,
        t: &Target<'_>,
        (x, y): (i32, i32),
        live: u8,
        src: &[Lanes; 4],
        src1: &[Lanes; 4],
        constants: [f32; 4],
    ) {
        let mut at = [None; 4];
        for (l, a) in at.iter_mut().enumerate() {
            if live >> l & 1 == 1 {
                *a = t.offset(x + (l as i32 & 1), y + (l as i32 >> 1));
            }
        }
        // Destination bytes, component-major (unread lanes: 0, never stored).
        let mut dst_bytes = [[0u8; 4]; 4];
        if !self.overwrite {
            for l in 0..4 {
                if let Some(a) = at[l] {
                    let b = t.load::<4>(a);
                    for k in 0..4 {
                        dst_bytes[self.order[k]][l] = b[k];
                    }
                }
            }
        }
        let mut s = [[0f32; 4]; 4];
        for c in 0..4 {
            for l in 0..4 {
                s[c][l] = src[c][l].clamp(0.0, 1.0);
            }
        }
        let mut out = dst_bytes;
        if self.blend.enable {
            // The codec's decode of the destination: code / 255.
            let mut d = [[0f32; 4]; 4];
            let mut s1 = [[0f32; 4]; 4];
            for c in 0..4 {
                for l in 0..4 {
                    d[c][l] = dst_bytes[c][l] as f32 / 255.0;
                    if self.uses_src1 {
                        s1[c][l] = src1[c][l].clamp(0.0, 1.0);
                    }
                }
            }
            let mut k = constants;
            for x in &mut k {
                *x = x.clamp(0.0, 1.0);
            }
            for c in 0..4 {
                if self.written[c] {
                    out[c] = unorm8(self.blend_component(c, &s, &s1, &d, k));
                }
            }
        } else {
            for c in 0..4 {
                if self.written[c] {
                    out[c] = unorm8(s[c]);
                }
            }
        }
        for l in 0..4 {
            if let Some(a) = at[l] {
                let o = self.order;
                t.store::<4>(a, [out[o[0]][l], out[o[1]][l], out[o[2]][l], out[o[3]][l]]);
            }
        }
    }

    #[inline(always)]
    /// Component `c` of the blend of the (clamped) inputs, as [`super::blend::blend`] does it.
    fn blend_component(
        &self,
        c: usize,
        s: &[Lanes; 4],
        s1: &[Lanes; 4],
        d: &[Lanes; 4],
        k: [f32; 4],
    ) -> Lanes {
        let a = &self.blend;
        let (sf, df, op) = if c == 3 {
            (a.src_alpha, a.dst_alpha, a.alpha_op)
        } else {
            (a.src_color, a.dst_color, a.color_op)
        };
        let mut fs = factor(sf, c, s, s1, d, k);
        let mut fd = factor(df, c, s, s1, d, k);
        for l in 0..4 {
            fs[l] = fs[l].clamp(0.0, 1.0);
            fd[l] = fd[l].clamp(0.0, 1.0);
        }
        let (s, d) = (s[c], d[c]);
        let mut v = [0f32; 4];
        for l in 0..4 {
            v[l] = match op {
                vk::BlendOp::SUBTRACT => s[l] * fs[l] - d[l] * fd[l],
                vk::BlendOp::REVERSE_SUBTRACT => d[l] * fd[l] - s[l] * fs[l],
                vk::BlendOp::MIN => s[l].min(d[l]),
                vk::BlendOp::MAX => s[l].max(d[l]),
                _ => s[l] * fs[l] + d[l] * fd[l],
            };
        }
        v
    }
}

/// Blend factor `f` for component `c` on four lanes (`blend::factor`'s table).
#[inline(always)]
fn factor(
    f: vk::BlendFactor,
    c: usize,
    s: &[Lanes; 4],
    s1: &[Lanes; 4],
    d: &[Lanes; 4],
    k: [f32; 4],
) -> Lanes {
    use vk::BlendFactor as F;
    let inv = |v: Lanes| [1.0 - v[0], 1.0 - v[1], 1.0 - v[2], 1.0 - v[3]];
    match f {
        F::ZERO => [0.0; 4],
        F::ONE => [1.0; 4],
        F::SRC_COLOR => s[c],
        F::ONE_MINUS_SRC_COLOR => inv(s[c]),
        F::DST_COLOR => d[c],
        F::ONE_MINUS_DST_COLOR => inv(d[c]),
        F::SRC_ALPHA => s[3],
        F::ONE_MINUS_SRC_ALPHA => inv(s[3]),
        F::DST_ALPHA => d[3],
        F::ONE_MINUS_DST_ALPHA => inv(d[3]),
        F::CONSTANT_COLOR => [k[c]; 4],
        F::ONE_MINUS_CONSTANT_COLOR => [1.0 - k[c]; 4],
        F::CONSTANT_ALPHA => [k[3]; 4],
        F::ONE_MINUS_CONSTANT_ALPHA => [1.0 - k[3]; 4],
        F::SRC_ALPHA_SATURATE if c == 3 => [1.0; 4],
        F::SRC_ALPHA_SATURATE => {
            let mut v = [0f32; 4];
            for l in 0..4 {
                v[l] = s[3][l].min(1.0 - d[3][l]);
            }
            v
        }
        F::SRC1_COLOR => s1[c],
        F::ONE_MINUS_SRC1_COLOR => inv(s1[c]),
        F::SRC1_ALPHA => s1[3],
        F::ONE_MINUS_SRC1_ALPHA => inv(s1[3]),
        _ => [0.0; 4],
    }
}

/// The codec's 8-bit UNORM codes of `v`: clamped to [0, 1], times 255, rounded half up in
/// f64 (exact: an f32 times 255 has at most 32 significant bits); NaN gives 0.
#[inline(always)]
fn unorm8(v: Lanes) -> [u8; 4] {
    #[cfg(target_arch = "x86_64")]
    {
        unorm8_sse2(v)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        unorm8_lanes(v)
    }
}

/// [`unorm8`] one lane at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn unorm8_lanes(v: Lanes) -> [u8; 4] {
    let mut o = [0u8; 4];
    for l in 0..4 {
        let x = v[l] as f64;
        // NaN fails the comparison and becomes 0.
        let x = if x >= 0.0 { x.min(1.0) } else { 0.0 };
        o[l] = (x * 255.0 + 0.5) as u8;
    }
    o
}

/// [`unorm8`] on SSE2 (every x86-64 CPU has it): the same f64 operations two lanes at a time.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn unorm8_sse2(v: Lanes) -> [u8; 4] {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86-64; the load reads the four floats of `v`.
    unsafe {
        let v = _mm_loadu_ps(v.as_ptr());
        let (zero, one) = (_mm_setzero_pd(), _mm_set1_pd(1.0));
        let (scale, half) = (_mm_set1_pd(255.0), _mm_set1_pd(0.5));
        // max(x, 0) gives its second operand for NaN: NaN becomes 0.
        let code = |x: __m128d| {
            let c = _mm_min_pd(_mm_max_pd(x, zero), one);
            // In [0.5, 255.5]: truncation is the rounding, and fits the integer.
            _mm_cvttpd_epi32(_mm_add_pd(_mm_mul_pd(c, scale), half))
        };
        let lo = code(_mm_cvtps_pd(v));
        let hi = code(_mm_cvtps_pd(_mm_movehl_ps(v, v)));
        let w = _mm_unpacklo_epi64(lo, hi);
        let b = _mm_packus_epi16(_mm_packs_epi32(w, w), _mm_setzero_si128());
        (_mm_cvtsi128_si32(b) as u32).to_le_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Texel;
    use crate::raster::blend::{self, Range};

    /// A small deterministic generator.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as u32
        }
        /// Mostly in [0, 1], sometimes beyond it, NaN or infinite.
        fn value(&mut self) -> f32 {
            match self.next() % 16 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => -1.5,
                3 => 2.5,
                4 => (self.next() % 256) as f32 / 255.0,
                5 => ((self.next() % 510) as f32 + 0.5) / 510.0,
                _ => (self.next() % 1_000_001) as f32 / 1e6,
            }
        }
    }

    /// The SSE2 encoding gives the lane-at-a-time codes for every kind of value.
    #[test]
    fn unorm8_paths_agree() {
        let mut rng = Rng(3);
        for _ in 0..200_000 {
            let v: Lanes = std::array::from_fn(|_| match rng.next() % 3 {
                0 => rng.value(),
                1 => f32::from_bits(rng.next() << 1 | rng.next() & 1),
                _ => (rng.next() % 2_000_000) as f32 / 1e6 - 0.5,
            });
            assert_eq!(unorm8(v), unorm8_lanes(v), "{v:?}");
        }
        for code in 0..=255u32 {
            let x = code as f32 / 255.0;
            assert_eq!(unorm8([x; 4]), [code as u8; 4]);
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
                        vk::ColorComponentFlags::from_raw(rng.next() & 0xf)
                    } else {
                        vk::ColorComponentFlags::RGBA
                    },
                };
                let src: [Lanes; 4] = std::array::from_fn(|_| std::array::from_fn(|_| rng.value()));
                let src1: [Lanes; 4] =
                    std::array::from_fn(|_| std::array::from_fn(|_| rng.value()));
                let constants: [f32; 4] = std::array::from_fn(|_| rng.value());
                let init: Vec<u8> = (0..4 * 4 * 3).map(|_| rng.next() as u8).collect();
                let live = (rng.next() % 16) as u8;
                // A 4 x 3 image; the quad at (2, 0) (its last column lies inside).
                let mut fast = init.clone();
                let mut slow = init.clone();
                {
                    let t = Target::new(&mut fast, 4, 3, 16, format).unwrap();
                    let plan = Unorm8::new(&t, &ba, false).unwrap();
                    plan.write_quad(&t, (2, 0), live, &src, &src1, constants);
                }
                {
                    let t = Target::new(&mut slow, 4, 3, 16, format).unwrap();
                    for l in 0..4 {
                        if live >> l & 1 == 0 {
                            continue;
                        }
                        let (x, y) = (2 + (l as i32 & 1), l as i32 >> 1);
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
