//! Output merging of whole quads into 8-bit UNORM RGBA / BGRA attachments (the formats most
//! draws render to), decided once per draw and attachment: the same arithmetic as the
//! per-texel path (`draw::write_color`: [`super::blend::blend`] with `Range::Unorm`, then the
//! codec's UNORM encoding), but with the blend state resolved once and every step taken on
//! the quad's four pixels at a time (component-major arrays the compiler keeps in vector
//! registers). Test `quad_merging_matches_the_texel_path` holds the two to the same bits.
#![allow(clippy::needless_range_loop)]

use super::Rect;
use super::blend::BlendAttachment;
use super::draw::Target;
use super::lanes::F4;
use ash::vk;
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128i, _mm_cvtsi128_si64, _mm_extract_epi64, _mm_set_epi64x, _mm_setzero_si128,
};

use super::lanes::Lanes;
use std::ops::{Add, Mul, Sub};

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

/// The lane operations blending takes, on four lanes (one quad, [`F4`]) or eight (two quads,
/// `F8` with AVX): each the scalar operation's bits lane by lane.
trait Vector: Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> {
    fn splat(x: f32) -> Self;
    /// `f32::clamp(x, 0.0, 1.0)`, NaN staying NaN.
    fn clamp01(self) -> Self;
    /// `f32::min` where `o` is never NaN.
    fn min(self, o: Self) -> Self;
    /// `f32::max` where `o` is never NaN.
    fn max(self, o: Self) -> Self;
}

impl Vector for F4 {
    #[inline(always)]
    fn splat(x: f32) -> F4 {
        F4::splat(x)
    }
    #[inline(always)]
    fn clamp01(self) -> F4 {
        F4::clamp01(self)
    }
    #[inline(always)]
    fn min(self, o: F4) -> F4 {
        F4::min(self, o)
    }
    #[inline(always)]
    fn max(self, o: F4) -> F4 {
        F4::max(self, o)
    }
}

/// Several quads' lanes at once for [`Unorm8::flush`]: [`Vector`]'s operations plus the
/// RGBA8 codec on `QUADS` quads (words, lanes quad by quad).
#[cfg(target_arch = "x86_64")]
trait Wide: Vector {
    const QUADS: usize;
    /// `4 QUADS` RGBA8 / BGRA8 words in a register.
    type Words: Copy;
    /// `4 QUADS` floats from `p`, a quad's four (16 bytes) at a time: they were stored a
    /// quad at a time, and one wider load of several such stores would wait for them.
    ///
    /// # Safety
    /// The CPU has the type's instructions; `p` points to that many floats and is 16-byte
    /// aligned (a [`Pending`] quad's outputs).
    unsafe fn load(p: *const f32) -> Self;
    /// The words of the first `QUADS` quads (each two pairs of lanes, as stored: see
    /// [`quad_words`]), joined in registers: a vector load of words just stored one by one
    /// would wait for the stores (no store forwarding), tens of cycles.
    ///
    /// # Safety
    /// The CPU has the type's instructions.
    unsafe fn join(quads: &[__m128i; 4]) -> Self::Words;
    /// `w` with quad `q`'s words (below `QUADS`) replaced by `v`: built one quad at a time,
    /// the words stay in registers (an array of them is read back as one vector).
    ///
    /// # Safety
    /// The CPU has the type's instructions.
    unsafe fn with_quad(w: Self::Words, q: usize, v: __m128i) -> Self::Words;
    /// The words of `QUADS` whole quads side by side, from their two pixel rows at `a` and
    /// `b` in `t` (inside it: [`Target::quad_run`]): two loads and a shuffle.
    ///
    /// # Safety
    /// The CPU has the type's instructions.
    unsafe fn load_run(t: &Target<'_>, a: usize, b: usize) -> Self::Words;
    /// [`Wide::load_run`] undone: the words stored back as the two rows.
    ///
    /// # Safety
    /// The CPU has the type's instructions.
    unsafe fn store_run(t: &Target<'_>, a: usize, b: usize, w: Self::Words);
    /// The quads of `w`, as [`Wide::join`] takes them (the rest 0).
    ///
    /// # Safety
    /// The CPU has the type's instructions.
    unsafe fn split(w: Self::Words) -> [__m128i; 4];
    /// Component-major floats of the words (R, G, B, A; bytes 2, 1, 0, 3 with `bgra`): code
    /// / 255.
    ///
    /// # Safety
    /// The CPU has the type's instructions.
    unsafe fn decode(w: Self::Words, bgra: bool) -> [Self; 4];
    /// The words with per-component codes (`new[c]` where written, else `old`'s byte).
    ///
    /// # Safety
    /// The CPU has the type's instructions.
    unsafe fn pack(new: &[Option<Self>; 4], old: Self::Words, bgra: bool) -> Self::Words;
}

/// A quad's two pairs of words (its rows) in one register.
///
/// # Safety
/// The CPU has SSE4.1 (the wide types' code only).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn quad_words(w: [u64; 2]) -> __m128i {
    unsafe { _mm_set_epi64x(w[1] as i64, w[0] as i64) }
}

/// The two pairs of words of a quad's register ([`quad_words`] undone).
///
/// # Safety
/// The CPU has SSE4.1 (the wide types' code only).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn quad_pairs(v: __m128i) -> [u64; 2] {
    unsafe {
        [
            _mm_cvtsi128_si64(v) as u64,
            _mm_extract_epi64::<1>(v) as u64,
        ]
    }
}

/// The byte of component `c` (R, G, B, A) in an RGBA8 or (`bgra`) BGRA8 word.
#[inline(always)]
fn byte_of(c: usize, bgra: bool) -> i32 {
    match (c, bgra) {
        (0, true) => 2,
        (2, true) => 0,
        _ => c as i32,
    }
}

/// A [`Wide`] type `$t` (`$quads` quads) over the float vector `$v` and integer vector `$i`,
/// from its instruction set's intrinsics (`$p`: their name prefix's operations, passed one
/// by one); `join` builds its words from pairs, `codes` (the module's) encodes.
#[cfg(target_arch = "x86_64")]
macro_rules! wide {
    (
        $t:ident, $v:ty, $i:ty, $quads:expr, join: |$w:ident| $join:expr,
        with_quad: |$wq:ident, $q:ident, $qv:ident| $with_quad:expr,
        load_run: |$lt:ident, $la:ident, $lb:ident| $load_run:expr,
        store_run: |$st:ident, $sa:ident, $sb:ident, $sw:ident| $store_run:expr,
        split: |$s:ident| $split:expr,
        cast: $cast:ident, set1: $set1:ident, setzero: $setzero:ident,
        add: $add:ident, sub: $sub:ident, mul: $mul:ident, min: $min:ident, max: $max:ident,
        set1_i: $set1_i:ident, srl: $srl:ident, sll: $sll:ident, and_i: $and_i:ident,
        or_i: $or_i:ident, cvt: $cvt:ident, fnmadd: $fnmadd:ident, fmadd: $fmadd:ident
    ) => {
        #[derive(Clone, Copy)]
        pub(super) struct $t(pub(super) $v);

        // SAFETY (every block here): values of the type exist only where the CPU has its
        // instructions (see the module).
        impl std::ops::Add for $t {
            type Output = $t;
            #[inline(always)]
            fn add(self, o: $t) -> $t {
                $t(unsafe { $add(self.0, o.0) })
            }
        }
        impl std::ops::Sub for $t {
            type Output = $t;
            #[inline(always)]
            fn sub(self, o: $t) -> $t {
                $t(unsafe { $sub(self.0, o.0) })
            }
        }
        impl std::ops::Mul for $t {
            type Output = $t;
            #[inline(always)]
            fn mul(self, o: $t) -> $t {
                $t(unsafe { $mul(self.0, o.0) })
            }
        }

        impl Vector for $t {
            #[inline(always)]
            fn splat(x: f32) -> $t {
                $t(unsafe { $set1(x) })
            }
            /// As `F4::clamp01`: max and min give their second operand for NaN.
            #[inline(always)]
            fn clamp01(self) -> $t {
                unsafe { $t($min($set1(1.0), $max($setzero(), self.0))) }
            }
            #[inline(always)]
            fn min(self, o: $t) -> $t {
                $t(unsafe { $min(self.0, o.0) })
            }
            #[inline(always)]
            fn max(self, o: $t) -> $t {
                $t(unsafe { $max(self.0, o.0) })
            }
        }

        impl Wide for $t {
            const QUADS: usize = $quads;
            type Words = $i;

            #[inline(always)]
            unsafe fn load(p: *const f32) -> $t {
                let mut w = unsafe { <$t as Wide>::join(&[_mm_setzero_si128(); 4]) };
                for i in 0..$quads {
                    // Volatile: one load per quad, never combined into one wide load.
                    let v = unsafe { std::ptr::read_volatile(p.add(4 * i).cast::<__m128i>()) };
                    w = unsafe { <$t as Wide>::with_quad(w, i, v) };
                }
                $t(unsafe { $cast(w) })
            }

            #[inline(always)]
            unsafe fn with_quad($wq: $i, $q: usize, $qv: __m128i) -> $i {
                unsafe { $with_quad }
            }

            #[inline(always)]
            unsafe fn load_run($lt: &Target<'_>, $la: usize, $lb: usize) -> $i {
                unsafe { $load_run }
            }

            #[inline(always)]
            unsafe fn store_run($st: &Target<'_>, $sa: usize, $sb: usize, $sw: $i) {
                unsafe { $store_run }
            }

            #[inline(always)]
            unsafe fn join($w: &[__m128i; 4]) -> $i {
                unsafe { $join }
            }

            #[inline(always)]
            unsafe fn split($s: $i) -> [__m128i; 4] {
                unsafe { $split }
            }

            /// code / 255 as the codec's f32 division gives it, by `q = x r` and one fused
            /// Newton step `q + (x - 255 q) r` (exact for every code; test
            /// `wide_codes_match_the_codec`).
            #[inline(always)]
            unsafe fn decode(p: $i, bgra: bool) -> [$t; 4] {
                const INV_255: f32 = 1.0 / 255.0;
                unsafe {
                    let m = $set1_i(0xff);
                    let mut out = [$t($setzero()); 4];
                    for (c, o) in out.iter_mut().enumerate() {
                        let v = $srl(p, _mm_cvtsi32_si128(8 * byte_of(c, bgra)));
                        let x = $cvt($and_i(v, m));
                        let q = $mul(x, $set1(INV_255));
                        let e = $fnmadd(q, $set1(255.0), x);
                        *o = $t($fmadd(e, $set1(INV_255), q));
                    }
                    out
                }
            }

            #[inline(always)]
            unsafe fn pack(new: &[Option<$t>; 4], old: $i, bgra: bool) -> $i {
                unsafe {
                    let mut p = old;
                    for (c, v) in new.iter().enumerate() {
                        if let Some(v) = v {
                            let b = byte_of(c, bgra);
                            let keep = $set1_i(!(0xff << (8 * b)));
                            let code = $sll(codes(*v), _mm_cvtsi32_si128(8 * b));
                            p = $or_i($and_i(p, keep), code);
                        }
                    }
                    p
                }
            }
        }
    };
}

/// Eight f32 lanes (two quads) on AVX's 256-bit registers, the same operations as [`F4`]'s.
/// Only code running where the CPU has AVX2 and FMA (behind `Unorm8::wide`) makes them.
#[cfg(target_arch = "x86_64")]
mod f8 {
    use super::{Target, Vector, Wide, byte_of};
    use std::arch::x86_64::*;

    wide!(F8, __m256, __m256i, 2,
        join: |w| _mm256_set_m128i(w[1], w[0]),
        with_quad: |w, q, v| match q {
            0 => _mm256_inserti128_si256::<0>(w, v),
            _ => _mm256_inserti128_si256::<1>(w, v),
        },
        // Rows (q0, q1) of pairs: quad q's pair of each row side by side.
        load_run: |t, a, b| {
            let r0 = _mm_loadu_si128(t.load::<16>(a).as_ptr().cast());
            let r1 = _mm_loadu_si128(t.load::<16>(b).as_ptr().cast());
            _mm256_set_m128i(_mm_unpackhi_epi64(r0, r1), _mm_unpacklo_epi64(r0, r1))
        },
        store_run: |t, a, b, w| {
            let (q0, q1) = (_mm256_castsi256_si128(w), _mm256_extracti128_si256::<1>(w));
            let (mut r0, mut r1) = ([0u8; 16], [0u8; 16]);
            _mm_storeu_si128(r0.as_mut_ptr().cast(), _mm_unpacklo_epi64(q0, q1));
            _mm_storeu_si128(r1.as_mut_ptr().cast(), _mm_unpackhi_epi64(q0, q1));
            t.store::<16>(a, r0);
            t.store::<16>(b, r1);
        },
        split: |w| [
            _mm256_castsi256_si128(w), _mm256_extracti128_si256::<1>(w),
            _mm_setzero_si128(), _mm_setzero_si128(),
        ],
        cast: _mm256_castsi256_ps, set1: _mm256_set1_ps,
        setzero: _mm256_setzero_ps, add: _mm256_add_ps, sub: _mm256_sub_ps,
        mul: _mm256_mul_ps, min: _mm256_min_ps, max: _mm256_max_ps,
        set1_i: _mm256_set1_epi32, srl: _mm256_srl_epi32, sll: _mm256_sll_epi32,
        and_i: _mm256_and_si256, or_i: _mm256_or_si256, cvt: _mm256_cvtepi32_ps,
        fnmadd: _mm256_fnmadd_ps, fmadd: _mm256_fmadd_ps);

    /// The codec's 8-bit UNORM codes of eight lanes (clamped to [0, 1], times 255, rounded
    /// half up, NaN 0) in f32 with FMA: `p` = x 255 rounded and `e` = x 255 - p exactly (a
    /// fused multiply-add); `c`, the integer nearest `p`, is the code unless `p` is halfway
    /// between two integers, where the sign of `e` says on which side of the half the exact
    /// product lies (elsewhere p is at least an ulp from every half and |e| at most half an
    /// ulp). Test `wide_codes_match_the_codec`.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[inline(always)]
    pub(super) unsafe fn codes(v: F8) -> __m256i {
        unsafe {
            let (zero, one) = (_mm256_setzero_ps(), _mm256_set1_ps(1.0));
            let (k, half) = (_mm256_set1_ps(255.0), _mm256_set1_ps(0.5));
            // max(x, 0) gives its second operand for NaN: NaN becomes 0.
            let x = _mm256_min_ps(_mm256_max_ps(v.0, zero), one);
            let p = _mm256_mul_ps(x, k);
            let e = _mm256_fmsub_ps(x, k, p);
            let c = _mm256_round_ps(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            // |p - c| is exact (Sterbenz) and 0.5 only for halves.
            let d = _mm256_sub_ps(p, c);
            let at_half =
                _mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0), d), half, _CMP_EQ_OQ);
            let up = _mm256_cmp_ps(e, zero, _CMP_GE_OQ);
            let side = _mm256_blendv_ps(_mm256_sub_ps(p, half), _mm256_add_ps(p, half), up);
            _mm256_cvttps_epi32(_mm256_blendv_ps(c, side, at_half))
        }
    }
}

/// Sixteen f32 lanes (four quads) on AVX-512's registers: [`f8`]'s operations and codec on
/// twice the lanes (comparisons into mask registers). Only code running where the CPU has
/// AVX-512F (behind `Unorm8::avx512`) makes them.
#[cfg(target_arch = "x86_64")]
mod x16 {
    use super::{Target, Vector, Wide, byte_of};
    use std::arch::x86_64::*;

    wide!(F16, __m512, __m512i, 4,
        join: |w| _mm512_inserti64x4::<1>(
            _mm512_castsi256_si512(_mm256_set_m128i(w[1], w[0])),
            _mm256_set_m128i(w[3], w[2]),
        ),
        with_quad: |w, q, v| match q {
            0 => _mm512_inserti32x4::<0>(w, v),
            1 => _mm512_inserti32x4::<1>(w, v),
            2 => _mm512_inserti32x4::<2>(w, v),
            _ => _mm512_inserti32x4::<3>(w, v),
        },
        // Rows (q0, q1, q2, q3) of pairs: quad q's pair of each row side by side.
        load_run: |t, a, b| {
            let r0 = _mm256_loadu_si256(t.load::<32>(a).as_ptr().cast());
            let r1 = _mm256_loadu_si256(t.load::<32>(b).as_ptr().cast());
            _mm512_permutex2var_epi64(
                _mm512_castsi256_si512(r0),
                _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0),
                _mm512_castsi256_si512(r1),
            )
        },
        store_run: |t, a, b, w| {
            let rows = _mm512_permutexvar_epi64(_mm512_set_epi64(7, 5, 3, 1, 6, 4, 2, 0), w);
            let (mut r0, mut r1) = ([0u8; 32], [0u8; 32]);
            _mm256_storeu_si256(r0.as_mut_ptr().cast(), _mm512_castsi512_si256(rows));
            _mm256_storeu_si256(r1.as_mut_ptr().cast(), _mm512_extracti64x4_epi64::<1>(rows));
            t.store::<32>(a, r0);
            t.store::<32>(b, r1);
        },
        split: |w| [
            _mm512_extracti32x4_epi32::<0>(w), _mm512_extracti32x4_epi32::<1>(w),
            _mm512_extracti32x4_epi32::<2>(w), _mm512_extracti32x4_epi32::<3>(w),
        ],
        cast: _mm512_castsi512_ps, set1: _mm512_set1_ps,
        setzero: _mm512_setzero_ps, add: _mm512_add_ps, sub: _mm512_sub_ps,
        mul: _mm512_mul_ps, min: _mm512_min_ps, max: _mm512_max_ps,
        set1_i: _mm512_set1_epi32, srl: _mm512_srl_epi32, sll: _mm512_sll_epi32,
        and_i: _mm512_and_si512, or_i: _mm512_or_si512, cvt: _mm512_cvtepi32_ps,
        fnmadd: _mm512_fnmadd_ps, fmadd: _mm512_fmadd_ps);

    /// `f8::codes` on sixteen lanes.
    ///
    /// # Safety
    /// The CPU has AVX-512F.
    #[inline(always)]
    pub(super) unsafe fn codes(v: F16) -> __m512i {
        unsafe {
            let (zero, one) = (_mm512_setzero_ps(), _mm512_set1_ps(1.0));
            let (k, half) = (_mm512_set1_ps(255.0), _mm512_set1_ps(0.5));
            // max(x, 0) gives its second operand for NaN: NaN becomes 0.
            let x = _mm512_min_ps(_mm512_max_ps(v.0, zero), one);
            let p = _mm512_mul_ps(x, k);
            let e = _mm512_fmsub_ps(x, k, p);
            let c = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(p);
            // |p - c| is exact (Sterbenz) and 0.5 only for halves.
            let d = _mm512_abs_ps(_mm512_sub_ps(p, c));
            let at_half = _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(d, half);
            let up = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(e, zero);
            let side = _mm512_mask_blend_ps(up, _mm512_sub_ps(p, half), _mm512_add_ps(p, half));
            _mm512_cvttps_epi32(_mm512_mask_blend_ps(at_half, c, side))
        }
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
    /// The CPU has AVX2 and FMA: [`Unorm8::flush`] merges two quads at a time (the same
    /// bits).
    wide: bool,
    /// The CPU has AVX-512F: [`Unorm8::flush`] merges four quads at a time (the same bits).
    avx512: bool,
    /// The index of the blend equation in [`COMMON`] (0: none of them).
    common: usize,
}

/// Blend equations common enough to have merge code compiled for each (index 0 unused:
/// other equations are read from the plan as the code runs). The factors, ops and enable
/// are what matter; write masks stay the plan's.
const COMMON: [BlendAttachment; 6] = {
    use vk::BlendFactor as F;
    [
        BlendAttachment::DEFAULT,
        // Straight alpha, the source's alpha kept.
        common(F::SRC_ALPHA, F::ONE_MINUS_SRC_ALPHA, F::ONE, F::ZERO),
        // Straight alpha on every component.
        common(
            F::SRC_ALPHA,
            F::ONE_MINUS_SRC_ALPHA,
            F::SRC_ALPHA,
            F::ONE_MINUS_SRC_ALPHA,
        ),
        // Straight alpha, alpha accumulated as coverage (UI toolkits).
        common(
            F::SRC_ALPHA,
            F::ONE_MINUS_SRC_ALPHA,
            F::ONE,
            F::ONE_MINUS_SRC_ALPHA,
        ),
        // Premultiplied alpha.
        common(
            F::ONE,
            F::ONE_MINUS_SRC_ALPHA,
            F::ONE,
            F::ONE_MINUS_SRC_ALPHA,
        ),
        // Additive.
        common(F::ONE, F::ONE, F::ONE, F::ONE),
    ]
};

/// An equation of [`COMMON`]: the factors of color and alpha, both added.
const fn common(
    src_color: vk::BlendFactor,
    dst_color: vk::BlendFactor,
    src_alpha: vk::BlendFactor,
    dst_alpha: vk::BlendFactor,
) -> BlendAttachment {
    BlendAttachment {
        enable: true,
        src_color,
        dst_color,
        color_op: vk::BlendOp::ADD,
        src_alpha,
        dst_alpha,
        alpha_op: vk::BlendOp::ADD,
        write_mask: vk::ColorComponentFlags::RGBA,
    }
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
        if t.samples() != 1 || logic_op {
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
            #[cfg(target_arch = "x86_64")]
            wide: std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma"),
            #[cfg(not(target_arch = "x86_64"))]
            wide: false,
            #[cfg(target_arch = "x86_64")]
            avx512: std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            avx512: false,
            common: (1..COMMON.len())
                .find(|&k| {
                    let c = &COMMON[k];
                    ba.enable
                        && (ba.src_color, ba.dst_color, ba.color_op)
                            == (c.src_color, c.dst_color, c.color_op)
                        && (ba.src_alpha, ba.dst_alpha, ba.alpha_op)
                            == (c.src_alpha, c.dst_alpha, c.alpha_op)
                })
                .unwrap_or(0),
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

    /// Whether quads go straight to the target ([`Unorm8::overwrite_quad`]) instead of
    /// waiting in a [`Pending`] queue: blending off and every component written (the
    /// destination is not read, so there is nothing to gain from merging several quads at
    /// once), and the CPU has AVX2 and FMA.
    pub fn direct(&self) -> bool {
        self.overwrite && self.wide
    }

    /// Writes the quad at (x, y) (even corner) of a [`Unorm8::direct`] plan: lanes set in
    /// `live` take `src` (the bits of four component rows; alpha 1 with `alpha_one`),
    /// encoded to the codec's bits (`f8::codes`); the other pixels are left as they are. A
    /// quad not wholly inside `t` goes through [`Unorm8::write_quad`].
    #[inline(always)]
    pub fn overwrite_quad(
        &self,
        t: &Target<'_>,
        (x, y): (i32, i32),
        live: u8,
        src: &[[u32; 4]],
        alpha_one: bool,
    ) {
        #[cfg(target_arch = "x86_64")]
        if self.direct()
            && let Some((a, b)) = t.quad_rows(x, y)
        {
            // SAFETY: `direct` says the CPU has AVX2 and FMA; (a, b) are the quad's rows.
            return unsafe { self.overwrite_rows(t, (a, b), live, src, alpha_one) };
        }
        let mut s: [Lanes; 4] = std::array::from_fn(|c| src[c].map(f32::from_bits));
        if alpha_one {
            s[3] = [1.0; 4];
        }
        self.write_quad(t, (x, y), live, &s, &[[0.0; 4]; 4], [0.0; 4]);
    }

    /// [`Unorm8::overwrite_quad`] of a quad inside `t` at rows `a` and `b`: the four
    /// components' codes on eight lanes (two components at a time), packed into words, the
    /// pixels outside `live` kept by a blend with the stored words.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA; `a` and `b` are [`Target::quad_rows`]'s.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn overwrite_rows(
        &self,
        t: &Target<'_>,
        (a, b): (usize, usize),
        live: u8,
        src: &[[u32; 4]],
        alpha_one: bool,
    ) {
        use std::arch::x86_64::*;
        unsafe {
            // One 16-byte load per row (they were stored that way: a wider load would wait
            // for the stores).
            let row = |c: usize| std::ptr::read_volatile(src[c].as_ptr().cast::<__m128i>());
            let alpha = if alpha_one {
                _mm_set1_epi32(1.0f32.to_bits() as i32)
            } else {
                row(3)
            };
            let rg = f8::codes(f8::F8(_mm256_castsi256_ps(_mm256_set_m128i(
                row(1),
                row(0),
            ))));
            let ba = f8::codes(f8::F8(_mm256_castsi256_ps(_mm256_set_m128i(alpha, row(2)))));
            let (r, g) = (
                _mm256_castsi256_si128(rg),
                _mm256_extracti128_si256::<1>(rg),
            );
            let (bl, al) = (
                _mm256_castsi256_si128(ba),
                _mm256_extracti128_si256::<1>(ba),
            );
            let (byte0, byte2) = if self.bgra { (bl, r) } else { (r, bl) };
            let mut w = _mm_or_si128(
                _mm_or_si128(byte0, _mm_slli_epi32::<8>(g)),
                _mm_or_si128(_mm_slli_epi32::<16>(byte2), _mm_slli_epi32::<24>(al)),
            );
            if live != 0xf {
                let old = _mm_set_epi64x(
                    i64::from_le_bytes(t.load::<8>(b)),
                    i64::from_le_bytes(t.load::<8>(a)),
                );
                let bits = _mm_set_epi32(8, 4, 2, 1);
                let keep = _mm_cmpeq_epi32(_mm_and_si128(_mm_set1_epi32(live as i32), bits), bits);
                w = _mm_blendv_epi8(old, w, keep);
            }
            t.store::<8>(a, (_mm_cvtsi128_si64(w) as u64).to_le_bytes());
            t.store::<8>(b, (_mm_extract_epi64::<1>(w) as u64).to_le_bytes());
        }
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
        let places = Places::of(t, x, y, live);
        let old = self.load(t, &places);
        let s: [F4; 4] = src.map(|v| F4::new(v).clamp01());
        let zero = [F4::splat(0.0); 4];
        let (d, s1) = match (self.blend.enable, self.uses_src1) {
            (false, _) => (zero, zero),
            (true, false) => (unsafe { C::decode(old) }, zero),
            (true, true) => (
                unsafe { C::decode(old) },
                src1.map(|v| F4::new(v).clamp01()),
            ),
        };
        let new = self.components::<0, _>(&s, &s1, &d, constants);
        self.store(t, &places, unsafe { C::pack(new, old) });
    }

    /// The destination words of a quad's places in RGBA byte order (unread lanes, and every
    /// lane when the destination is not read: 0, never stored).
    #[inline(always)]
    fn load(&self, t: &Target<'_>, places: &Places) -> [u32; 4] {
        let [a, b] = self.load_raw(t, places);
        let old = [a as u32, (a >> 32) as u32, b as u32, (b >> 32) as u32];
        if self.bgra { old.map(swap_rb) } else { old }
    }

    /// A quad's destination words as stored (lanes 0 and 1, then 2 and 3), 0 where unread.
    #[inline(always)]
    fn load_raw(&self, t: &Target<'_>, places: &Places) -> [u64; 2] {
        if self.overwrite {
            return [0; 2];
        }
        if let Some((a, b)) = places.rows {
            return [
                u64::from_le_bytes(t.load::<8>(a)),
                u64::from_le_bytes(t.load::<8>(b)),
            ];
        }
        let mut w = [0u64; 2];
        for l in 0..4 {
            if let Some(a) = places.at[l] {
                w[l / 2] |= (u32::from_le_bytes(t.load::<4>(a)) as u64) << (32 * (l % 2));
            }
        }
        w
    }

    /// Stores a quad's words (RGBA byte order) at its places.
    #[inline(always)]
    fn store(&self, t: &Target<'_>, places: &Places, out: [u32; 4]) {
        let out = if self.bgra { out.map(swap_rb) } else { out };
        let pair = |p: u32, q: u32| p as u64 | (q as u64) << 32;
        self.store_raw(t, places, [pair(out[0], out[1]), pair(out[2], out[3])]);
    }

    /// Stores a quad's words as [`Self::load_raw`] gives them.
    #[inline(always)]
    fn store_raw(&self, t: &Target<'_>, places: &Places, w: [u64; 2]) {
        if let Some((a, b)) = places.rows {
            t.store::<8>(a, w[0].to_le_bytes());
            t.store::<8>(b, w[1].to_le_bytes());
        } else {
            for l in 0..4 {
                if let Some(a) = places.at[l] {
                    t.store::<4>(a, ((w[l / 2] >> (32 * (l % 2))) as u32).to_le_bytes());
                }
            }
        }
    }

    /// Merges the quads of `p` (which do not overlap) into `t` and empties it: four at a
    /// time on sixteen lanes where the CPU has AVX-512F, two at a time on eight lanes where
    /// it has AVX2 and FMA, else one at a time; the same bits every way.
    pub fn flush(&self, t: &Target<'_>, p: &mut Pending, constants: [f32; 4]) {
        let n = p.len;
        p.len = 0;
        #[cfg(not(target_arch = "x86_64"))]
        let mut k = 0;
        #[cfg(target_arch = "x86_64")]
        let mut k = {
            // SAFETY: `avx512` / `wide` say the CPU has AVX-512F / AVX2 and FMA.
            match self.common {
                1 => unsafe { self.merge_groups::<1>(t, p, n, constants) },
                2 => unsafe { self.merge_groups::<2>(t, p, n, constants) },
                3 => unsafe { self.merge_groups::<3>(t, p, n, constants) },
                4 => unsafe { self.merge_groups::<4>(t, p, n, constants) },
                5 => unsafe { self.merge_groups::<5>(t, p, n, constants) },
                _ => unsafe { self.merge_groups::<0>(t, p, n, constants) },
            }
        };
        while k < n {
            let (x, y, live) = p.at[k];
            let src = std::array::from_fn(|c| p.src[c][k].map(f32::from_bits));
            let src1 = std::array::from_fn(|c| p.src1[c][k].map(f32::from_bits));
            self.write_quad(t, (x, y), live, &src, &src1, constants);
            k += 1;
        }
    }

    /// The first quads of the `n` of `p` four at a time (AVX-512F), then two at a time (AVX2
    /// and FMA), as the CPU allows, with blend equation `K` of [`COMMON`] (0: the plan's own);
    /// returns how many it merged.
    ///
    /// # Safety
    /// `avx512` and `wide` are true only where the CPU has their instructions.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn merge_groups<const K: usize>(
        &self,
        t: &Target<'_>,
        p: &Pending,
        n: usize,
        constants: [f32; 4],
    ) -> usize {
        let mut k = 0;
        if self.avx512 {
            while k + 4 <= n {
                unsafe { self.merge_four::<K>(t, p, k, constants) };
                k += 4;
            }
        }
        if self.wide {
            while k + 1 < n {
                unsafe { self.merge_pair::<K>(t, p, k, constants) };
                k += 2;
            }
        }
        k
    }

    /// Quads `k` and `k + 1` of `p` on eight lanes.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn merge_pair<const K: usize>(
        &self,
        t: &Target<'_>,
        p: &Pending,
        k: usize,
        constants: [f32; 4],
    ) {
        unsafe { self.merge_wide::<f8::F8, K>(t, p, k, constants) }
    }

    /// Quads `k` to `k + 3` of `p` on sixteen lanes.
    ///
    /// # Safety
    /// The CPU has AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn merge_four<const K: usize>(
        &self,
        t: &Target<'_>,
        p: &Pending,
        k: usize,
        constants: [f32; 4],
    ) {
        unsafe { self.merge_wide::<x16::F16, K>(t, p, k, constants) }
    }

    /// Quads `k` to `k + W::QUADS - 1` of `p` on `W`'s lanes (no closures here: they would
    /// not inherit the caller's target features, nor be inlined).
    ///
    /// # Safety
    /// The CPU has `W`'s instructions.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn merge_wide<W: Wide, const K: usize>(
        &self,
        t: &Target<'_>,
        p: &Pending,
        k: usize,
        constants: [f32; 4],
    ) {
        // The destination words in registers (a round trip through memory would stall on
        // store forwarding); BGRA handled by the codec's byte order.
        let mut places = [const { None }; 4];
        let mut words = unsafe { W::join(&[_mm_setzero_si128(); 4]) };
        // Whole quads side by side (a row of a fully covered block): two row loads.
        let (x0, y0, _) = p.at[k];
        let side_by_side = (0..W::QUADS).all(|q| p.at[k + q] == (x0 + 2 * q as i32, y0, 0xf));
        let run = side_by_side.then(|| t.quad_run(x0, y0, W::QUADS)).flatten();
        if let Some((a, b)) = run {
            if !self.overwrite {
                words = unsafe { W::load_run(t, a, b) };
            }
        } else {
            for q in 0..W::QUADS {
                let (x, y, live) = p.at[k + q];
                let pl = Places::of(t, x, y, live);
                words = unsafe { W::with_quad(words, q, quad_words(self.load_raw(t, &pl))) };
                places[q] = Some(pl);
            }
        }
        let mut s = [W::splat(0.0); 4];
        for c in 0..4 {
            s[c] = unsafe { W::load(p.src[c][k..k + W::QUADS].as_ptr().cast()) }.clamp01();
        }
        let mut s1 = [W::splat(0.0); 4];
        if self.blend.enable && self.uses_src1 {
            for c in 0..4 {
                s1[c] = unsafe { W::load(p.src1[c][k..k + W::QUADS].as_ptr().cast()) }.clamp01();
            }
        }
        let packed = unsafe { self.blend_words::<W, K>(&s, &s1, words, constants) };
        if let Some((a, b)) = run {
            unsafe { W::store_run(t, a, b, packed) };
            return;
        }
        let out = unsafe { W::split(packed) };
        for q in 0..W::QUADS {
            if let Some(pl) = &places[q] {
                self.store_raw(t, pl, unsafe { quad_pairs(out[q]) });
            }
        }
    }

    /// Whether [`Self::merge_block`] takes block `b` of `t`: the CPU has AVX-512F (rows of
    /// 8 pixels) or AVX2 and FMA (rows of 4), `b`'s width is a multiple of that and its height
    /// even, and the whole block is inside `t`.
    pub fn merges_block(&self, t: &Target<'_>, b: Rect) -> bool {
        let run = match (self.avx512, self.wide) {
            (true, _) => 8,
            (false, true) => 4,
            _ => return false,
        };
        let (w, h) = (b.x1 - b.x0, b.y1 - b.y0);
        w > 0
            && h > 0
            && w % run == 0
            && h % 2 == 0
            && t.quad_rows(b.x0, b.y0).is_some()
            && t.quad_rows(b.x1 - 2, b.y1 - 2).is_some()
    }

    /// Merges block `b` of `t` (one [`Self::merges_block`] takes), every pixel of it taking
    /// the same outputs: lane 0 of `src` (the bits of four component rows; alpha 1 with
    /// `alpha_one`) and of `src1`; the same bits as merging its quads one by one.
    pub fn merge_block(
        &self,
        t: &Target<'_>,
        b: Rect,
        src: &[[u32; 4]],
        alpha_one: bool,
        src1: Option<&[[u32; 4]]>,
        constants: [f32; 4],
    ) {
        debug_assert!(self.merges_block(t, b));
        let mut s: [f32; 4] = std::array::from_fn(|c| f32::from_bits(src[c][0]));
        if alpha_one {
            s[3] = 1.0;
        }
        let s1: [f32; 4] = std::array::from_fn(|c| src1.map_or(0.0, |r| f32::from_bits(r[c][0])));
        #[cfg(target_arch = "x86_64")]
        {
            let args = (t, b, s, s1, constants);
            // SAFETY: `avx512` / `wide` say the CPU has AVX-512F / AVX2 and FMA
            // (`merges_block` took the block only where one of them holds).
            match self.common {
                1 => unsafe { self.block_on::<1>(args) },
                2 => unsafe { self.block_on::<2>(args) },
                3 => unsafe { self.block_on::<3>(args) },
                4 => unsafe { self.block_on::<4>(args) },
                5 => unsafe { self.block_on::<5>(args) },
                _ => unsafe { self.block_on::<0>(args) },
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("merges_block takes no block here: {:?}", (s, s1, constants));
    }

    /// [`Self::merge_block`] with blend equation `K` of [`COMMON`], on the widest lanes the
    /// CPU has.
    ///
    /// # Safety
    /// The CPU has AVX-512F, or AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn block_on<const K: usize>(&self, args: BlockArgs<'_, '_>) {
        if self.avx512 {
            unsafe { self.block_four::<K>(args) }
        } else {
            unsafe { self.block_pair::<K>(args) }
        }
    }

    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block_pair<const K: usize>(&self, args: BlockArgs<'_, '_>) {
        unsafe { self.block_wide::<f8::F8, K>(args) }
    }

    /// # Safety
    /// The CPU has AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn block_four<const K: usize>(&self, args: BlockArgs<'_, '_>) {
        unsafe { self.block_wide::<x16::F16, K>(args) }
    }

    /// The block's rows in runs of `W::QUADS` quads, with the same sources on every lane.
    ///
    /// # Safety
    /// The CPU has `W`'s instructions.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    unsafe fn block_wide<W: Wide, const K: usize>(
        &self,
        (t, b, s, s1, constants): BlockArgs<'_, '_>,
    ) {
        // (Loops, not closures: those would not inherit the target features.)
        let (mut sv, mut s1v) = ([W::splat(0.0); 4], [W::splat(0.0); 4]);
        for c in 0..4 {
            sv[c] = W::splat(s[c]).clamp01();
            s1v[c] = W::splat(s1[c]).clamp01();
        }
        let run = 2 * W::QUADS as i32;
        let mut y = b.y0;
        while y < b.y1 {
            let mut x = b.x0;
            while x < b.x1 {
                let Some((at, below)) = t.quad_run(x, y, W::QUADS) else {
                    unreachable!("merges_block checked the block");
                };
                let words = if self.overwrite {
                    unsafe { W::join(&[_mm_setzero_si128(); 4]) }
                } else {
                    unsafe { W::load_run(t, at, below) }
                };
                let packed = unsafe { self.blend_words::<W, K>(&sv, &s1v, words, constants) };
                unsafe { W::store_run(t, at, below, packed) };
                x += run;
            }
            y += 2;
        }
    }

    /// The destination words `words` with the (clamped) sources `s`, `s1` blended in with
    /// blend equation `K` (decoded only where blending reads them), encoded again: what
    /// [`Self::merge_wide`] and [`Self::block_wide`] share.
    ///
    /// # Safety
    /// The CPU has `W`'s instructions.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn blend_words<W: Wide, const K: usize>(
        &self,
        s: &[W; 4],
        s1: &[W; 4],
        words: W::Words,
        constants: [f32; 4],
    ) -> W::Words {
        let d = if self.blend.enable {
            unsafe { W::decode(words, self.bgra) }
        } else {
            [W::splat(0.0); 4]
        };
        let new = self.components::<K, _>(s, s1, &d, constants);
        unsafe { W::pack(&new, words, self.bgra) }
    }

    /// The new value of each written component: the blend of the (clamped) sources `s`, `s1`
    /// and destination `d` with blend equation `K` (see [`Self::blend_component`]), or the
    /// source where blending is off (`d` and `s1` then unused); None where not written.
    #[inline(always)]
    fn components<const K: usize, V: Vector>(
        &self,
        s: &[V; 4],
        s1: &[V; 4],
        d: &[V; 4],
        constants: [f32; 4],
    ) -> [Option<V>; 4] {
        let mut new: [Option<V>; 4] = [None; 4];
        let mut k = [V::splat(0.0); 4];
        for c in 0..4 {
            k[c] = V::splat(constants[c].clamp(0.0, 1.0));
        }
        for c in 0..4 {
            if self.written[c] {
                new[c] = Some(if self.blend.enable {
                    self.blend_component::<K, _>(c, s, s1, d, &k)
                } else {
                    s[c]
                });
            }
        }
        new
    }

    #[inline(always)]
    /// Component `c` of the blend of the (clamped) inputs, as [`super::blend::blend`] does it.
    /// `K`: the blend equation [`COMMON`]`[K]`, known when compiled (0: the plan's own, read
    /// at run time; the same operations either way).
    fn blend_component<const K: usize, V: Vector>(
        &self,
        c: usize,
        s: &[V; 4],
        s1: &[V; 4],
        d: &[V; 4],
        k: &[V; 4],
    ) -> V {
        let a = if K == 0 { &self.blend } else { &COMMON[K] };
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

/// Where a quad's pixels are in a target: its two rows (whole quads inside it), else each
/// live pixel inside it.
struct Places {
    rows: Option<(usize, usize)>,
    at: [Option<usize>; 4],
}

impl Places {
    #[inline(always)]
    fn of(t: &Target<'_>, x: i32, y: i32, live: u8) -> Places {
        let rows = if live == 0xf { t.quad_rows(x, y) } else { None };
        let mut at = [None; 4];
        if rows.is_none() {
            for (l, a) in at.iter_mut().enumerate() {
                if live >> l & 1 == 1 {
                    *a = t.offset(x + (l as i32 & 1), y + (l as i32 >> 1));
                }
            }
        }
        Places { rows, at }
    }
}

/// What [`Unorm8::merge_block`] hands its wide code: the target, the block, the sources
/// (one value per component) and the blend constants.
#[cfg(target_arch = "x86_64")]
type BlockArgs<'t, 'a> = (&'t Target<'a>, Rect, [f32; 4], [f32; 4], [f32; 4]);

/// How many quads a [`Pending`] holds.
pub const N_PENDING: usize = 8;

/// Quads waiting to be merged into one attachment, in order, none overlapping another (one
/// primitive's): their places and live lanes, outputs and second outputs (component-major).
#[repr(C, align(64))]
pub struct Pending {
    /// The floats' bits, component-major (`src[c][quad][lane]`), each quad's 16-byte aligned
    /// (read as vectors).
    src: [[[u32; 4]; N_PENDING]; 4],
    src1: [[[u32; 4]; N_PENDING]; 4],
    len: usize,
    at: [(i32, i32, u8); N_PENDING],
}

impl Default for Pending {
    fn default() -> Pending {
        Pending {
            len: 0,
            at: [(0, 0, 0); N_PENDING],
            src: [[[0; 4]; N_PENDING]; 4],
            src1: [[[0; 4]; N_PENDING]; 4],
        }
    }
}

impl Pending {
    /// Adds the quad at (x, y) with lanes `live` and outputs `src` (the bits of four
    /// component rows; alpha 1 with `alpha_one`) and `src1` (where the plan's blending reads a
    /// second source); true when it is full.
    #[inline(always)]
    pub fn push(
        &mut self,
        (x, y): (i32, i32),
        live: u8,
        src: &[[u32; 4]],
        alpha_one: bool,
        src1: Option<&[[u32; 4]]>,
    ) -> bool {
        let k = self.len;
        self.at[k] = (x, y, live);
        for c in 0..4 {
            self.src[c][k] = src[c];
        }
        if alpha_one {
            self.src[3][k] = [1.0f32.to_bits(); 4];
        }
        if let Some(s1) = src1 {
            for c in 0..4 {
                self.src1[c][k] = s1[c];
            }
        }
        self.len += 1;
        self.len == N_PENDING
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Blend factor `f` for component `c` on four or eight lanes (`blend::factor`'s table).
#[inline(always)]
fn factor<V: Vector>(
    f: vk::BlendFactor,
    c: usize,
    s: &[V; 4],
    s1: &[V; 4],
    d: &[V; 4],
    k: &[V; 4],
) -> V {
    use vk::BlendFactor as F;
    let one = V::splat(1.0);
    let inv = |v: V| one - v;
    match f {
        F::ZERO => V::splat(0.0),
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
        _ => V::splat(0.0),
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

    fn wide() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    /// The eight-lane FMA decoding gives code / 255 for every code, and its encoding the
    /// codec's code for every kind of value, above all those next to the halves between two
    /// codes (where a rounded product alone would go wrong).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn wide_codes_match_the_codec() {
        use f8::F8;
        use std::arch::x86_64::*;
        use x16::F16;
        let avx512 = std::arch::is_x86_feature_detected!("avx512f");
        if !wide() && !avx512 {
            eprintln!("no AVX2 and FMA or AVX-512F on this CPU: nothing to compare");
            return;
        }
        // Every code in every byte of sixteen words, in either byte order.
        for code in 0..=255u32 {
            let px: [u32; 16] = std::array::from_fn(|l| {
                code << (8 * (l % 4)) | (l as u32 * 37 % 256) << (8 * ((l + 1) % 4))
            });
            let pairs: [u64; 8] =
                std::array::from_fn(|i| px[2 * i] as u64 | (px[2 * i + 1] as u64) << 32);
            // SAFETY: SSE4.1 is there wherever AVX2 is (only used below when it is).
            let pairs: [__m128i; 4] = std::array::from_fn(|q| unsafe {
                _mm_set_epi64x(pairs[2 * q + 1] as i64, pairs[2 * q] as i64)
            });
            for bgra in [false, true] {
                let want = |l: usize, c: usize| {
                    let b = byte_of(c, bgra);
                    ((px[l] >> (8 * b) & 0xff) as f32 / 255.0).to_bits()
                };
                let check = |got: [[f32; 16]; 4], lanes: usize| {
                    for c in 0..4 {
                        for l in 0..lanes {
                            assert_eq!(got[c][l].to_bits(), want(l, c), "code {code} lane {l}");
                        }
                    }
                };
                let mut got = [[0f32; 16]; 4];
                if wide() {
                    // SAFETY: the CPU has AVX2 and FMA (checked above).
                    let d = unsafe { F8::decode(F8::join(&pairs), bgra) };
                    for c in 0..4 {
                        unsafe { _mm256_storeu_ps(got[c].as_mut_ptr(), d[c].0) };
                    }
                    check(got, 8);
                }
                if avx512 {
                    // SAFETY: the CPU has AVX-512F (checked above).
                    let d = unsafe { F16::decode(F16::join(&pairs), bgra) };
                    for c in 0..4 {
                        unsafe { _mm512_storeu_ps(got[c].as_mut_ptr(), d[c].0) };
                    }
                    check(got, 16);
                }
            }
        }
        let mut rng = Rng(13);
        let mut values: Vec<f32> = Vec::new();
        for k in 0..=255u32 {
            // Around each half (2k + 1) / 510 and each code k / 255, a few ulps either way.
            for centre in [(2 * k + 1) as f32 / 510.0, k as f32 / 255.0] {
                for d in -40i32..=40 {
                    values.push(f32::from_bits((centre.to_bits() as i32 + d).max(0) as u32));
                }
            }
        }
        for _ in 0..400_000 {
            values.push(match rng.below(3) {
                0 => value(&mut rng),
                1 => f32::from_bits(rng.next() as u32),
                _ => f32::from_bits(rng.below(0x3f80_0001) as u32),
            });
        }
        for chunk in values.chunks_exact(16) {
            let v: [f32; 16] = chunk.try_into().unwrap();
            let want = v.map(|x| super::super::draw::unorm_code(x, 255.0) as u32);
            let mut got = [0u32; 16];
            if wide() {
                // SAFETY: as above.
                unsafe {
                    for h in 0..2 {
                        let c = f8::codes(F8(_mm256_loadu_ps(v[8 * h..].as_ptr())));
                        _mm256_storeu_si256(got[8 * h..].as_mut_ptr() as *mut __m256i, c);
                    }
                }
                assert_eq!(got, want, "eight lanes: {v:?}");
            }
            if avx512 {
                // SAFETY: as above.
                unsafe {
                    let c = x16::codes(F16(_mm512_loadu_ps(v.as_ptr())));
                    _mm512_storeu_si512(got.as_mut_ptr() as *mut __m512i, c);
                }
                assert_eq!(got, want, "sixteen lanes: {v:?}");
            }
        }
    }

    /// Every factor, op and write mask (and the common equations), random sources (NaN and
    /// out-of-range values included) over random destinations: the quad path writes exactly
    /// the bytes the texel path does.
    #[test]
    fn quad_merging_matches_the_texel_path() {
        let mut rng = Rng(7);
        for format in [vk::Format::R8G8B8A8_UNORM, vk::Format::B8G8R8A8_UNORM] {
            for round in 0..4000 {
                let ba = random_blend(&mut rng, round);
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

    /// Quads written straight to the target (blending off, every component written) give
    /// the texel path's bits: every live mask, both byte orders, alpha to one, values out of
    /// range, NaN and halfway products, quads inside the image and across its edges.
    #[test]
    fn direct_quads_match_the_texel_path() {
        let mut rng = Rng(11);
        let ba = BlendAttachment {
            enable: false,
            ..BlendAttachment::DEFAULT
        };
        let mut direct = 0;
        for format in [vk::Format::R8G8B8A8_UNORM, vk::Format::B8G8R8A8_UNORM] {
            for round in 0..4000 {
                let src: [[u32; 4]; 4] = std::array::from_fn(|_| {
                    std::array::from_fn(|_| match rng.below(4) {
                        // Products k + 1/2: the rounding's hard cases.
                        0 => ((rng.below(255) as f32 + 0.5) / 255.0).to_bits(),
                        _ => value(&mut rng).to_bits(),
                    })
                });
                let alpha_one = round % 3 == 0;
                let live = rng.below(16) as u8;
                let init: Vec<u8> = (0..4 * 4 * 3).map(|_| rng.next() as u8).collect();
                // A 3 x 3 image: the quad at (0, 0) is inside it, the others cross its edge.
                let (qx, qy) = [(0, 0), (2, 0), (0, 2), (2, 2)][rng.below(4) as usize];
                let (mut fast, mut slow) = (init.clone(), init.clone());
                {
                    let t = Target::new(&mut fast, 3, 3, 16, format).unwrap();
                    let plan = Unorm8::new(&t, &ba, false).unwrap();
                    assert_eq!(plan.direct(), wide());
                    direct += (plan.direct() && (qx, qy) == (0, 0)) as usize;
                    plan.overwrite_quad(&t, (qx, qy), live, &src, alpha_one);
                }
                {
                    let t = Target::new(&mut slow, 3, 3, 16, format).unwrap();
                    for l in 0..4 {
                        let (x, y) = (qx + (l as i32 & 1), qy + (l as i32 >> 1));
                        if live >> l & 1 == 0 || x > 2 || y > 2 {
                            continue;
                        }
                        let mut v: [f32; 4] = std::array::from_fn(|c| f32::from_bits(src[c][l]));
                        if alpha_one {
                            v[3] = 1.0;
                        }
                        let i = blend::Inputs {
                            src: v,
                            src1: [0.0; 4],
                            dst: [0.0; 4],
                            constants: [0.0; 4],
                        };
                        t.write(x, y, 0, Texel::Float(blend::blend(&ba, &i, Range::Unorm)));
                    }
                }
                assert_eq!(fast, slow, "{format:?} round {round} live {live:#x}");
            }
        }
        if wide() {
            assert!(direct > 1000, "{direct} quads took the direct path");
        }
    }

    /// A blend state for test round `round`: random factors and ops (blending off every
    /// seventh round; a random write mask every fifth), or (a third of the rounds) a common
    /// equation (merged by code compiled for it) with that write mask.
    fn random_blend(rng: &mut Rng, round: usize) -> BlendAttachment {
        let factors: Vec<vk::BlendFactor> = (0..19).map(vk::BlendFactor::from_raw).collect();
        let ops = [
            vk::BlendOp::ADD,
            vk::BlendOp::SUBTRACT,
            vk::BlendOp::REVERSE_SUBTRACT,
            vk::BlendOp::MIN,
            vk::BlendOp::MAX,
        ];
        let pick = |r: &mut Rng| factors[r.next() as usize % factors.len()];
        let ba = BlendAttachment {
            enable: !round.is_multiple_of(7),
            src_color: pick(rng),
            dst_color: pick(rng),
            color_op: ops[rng.next() as usize % 5],
            src_alpha: pick(rng),
            dst_alpha: pick(rng),
            alpha_op: ops[rng.next() as usize % 5],
            write_mask: if round.is_multiple_of(5) {
                vk::ColorComponentFlags::from_raw(rng.below(16) as u32)
            } else {
                vk::ColorComponentFlags::RGBA
            },
        };
        match round % 3 {
            1 => BlendAttachment {
                write_mask: ba.write_mask,
                ..COMMON[1 + rng.below(COMMON.len() as u64 - 1) as usize]
            },
            _ => ba,
        }
    }

    /// Blocks merged whole with one source for every pixel (`merge_block`: rows of eight
    /// pixels on AVX-512F, of four on AVX2) write exactly what merging their quads one by one
    /// writes: every factor, op and write mask, alpha to one, blocks at the target's edges;
    /// and blocks that are not whole runs of the lanes, or not inside the target, are refused.
    #[test]
    fn uniform_blocks_merge_as_single_quads() {
        let mut rng = Rng(23);
        let (w, h, pitch) = (26u32, 14u32, 112usize);
        let mut merged = 0;
        for format in [vk::Format::R8G8B8A8_UNORM, vk::Format::B8G8R8A8_UNORM] {
            for round in 0..1500 {
                let ba = random_blend(&mut rng, round);
                let constants: [f32; 4] = std::array::from_fn(|_| value(&mut rng));
                let init: Vec<u8> = (0..pitch * h as usize).map(|_| rng.next() as u8).collect();
                let src: [u32; 4] = std::array::from_fn(|_| value(&mut rng).to_bits());
                let src1: [u32; 4] = std::array::from_fn(|_| value(&mut rng).to_bits());
                let alpha_one = rng.below(4) == 0;
                // Even corners; sizes from 2 to 10 (some not whole runs); some past the edges.
                let (x0, y0) = (2 * rng.below(12) as i32, 2 * rng.below(6) as i32);
                let b = Rect {
                    x0,
                    y0,
                    x1: x0 + 2 * (1 + rng.below(5) as i32),
                    y1: y0 + 2 * (1 + rng.below(5) as i32),
                };
                let rows = |v: [u32; 4]| v.map(|c| [c; 4]);
                let mut one = init.clone();
                {
                    let t = Target::new(&mut one, w, h, pitch, format).unwrap();
                    let mut plan = Unorm8::new(&t, &ba, false).unwrap();
                    plan.avx = false;
                    let lanes = |v: [u32; 4]| v.map(|c| [f32::from_bits(c); 4]);
                    let mut s = lanes(src);
                    if alpha_one {
                        s[3] = [1.0; 4];
                    }
                    for y in (b.y0..b.y1.min(h as i32)).step_by(2) {
                        for x in (b.x0..b.x1.min(w as i32)).step_by(2) {
                            plan.write_quad(&t, (x, y), 0xf, &s, &lanes(src1), constants);
                        }
                    }
                }
                for run in [4, 8] {
                    let mut whole = init.clone();
                    let t = Target::new(&mut whole, w, h, pitch, format).unwrap();
                    let mut plan = Unorm8::new(&t, &ba, false).unwrap();
                    if (run == 4 && !plan.wide) || (run == 8 && !plan.avx512) {
                        continue;
                    }
                    plan.avx512 = run == 8;
                    let takes = (b.x1 - b.x0) % run == 0 && b.x1 <= w as i32 && b.y1 <= h as i32;
                    assert_eq!(plan.merges_block(&t, b), takes, "{b:?} run {run}");
                    if !takes {
                        continue;
                    }
                    let s1 = rows(src1);
                    let s1 = plan.uses_src1.then_some(&s1[..]);
                    plan.merge_block(&t, b, &rows(src), alpha_one, s1, constants);
                    merged += 1;
                    assert_eq!(
                        whole, one,
                        "{format:?} round {round} run {run} {b:?}: {ba:?}"
                    );
                }
            }
        }
        assert!(merged > 500, "{merged} blocks merged");
    }

    /// Quads merged through [`Pending`] (two at a time on eight lanes where the CPU has AVX2
    /// and FMA) write exactly what merging them one by one writes: every factor, op and
    /// write mask, partial quads and quads across the target's right and bottom edges.
    #[test]
    fn pending_quads_merge_as_single_quads() {
        let mut rng = Rng(17);
        let (w, h, pitch) = (9u32, 7u32, 40usize);
        for format in [vk::Format::R8G8B8A8_UNORM, vk::Format::B8G8R8A8_UNORM] {
            for round in 0..1500 {
                let ba = random_blend(&mut rng, round);
                let constants: [f32; 4] = std::array::from_fn(|_| value(&mut rng));
                let init: Vec<u8> = (0..pitch * h as usize).map(|_| rng.next() as u8).collect();
                // Distinct quads in a random order, or (every other round) in rows as a fully
                // covered block yields them (whole quads side by side merge as two pixel
                // rows; the fifth of a row sticks out of the 9-pixel-wide target), each with
                // random live lanes (mostly all).
                let mut spots: Vec<(i32, i32)> = (0..4)
                    .flat_map(|qy| (0..5).map(move |qx| (2 * qx, 2 * qy)))
                    .collect();
                if round % 2 == 0 {
                    for i in (1..spots.len()).rev() {
                        spots.swap(i, rng.below(i as u64 + 1) as usize);
                    }
                }
                spots.truncate(1 + rng.below(spots.len() as u64) as usize);
                type Quad = ((i32, i32), u8, [Lanes; 4], [Lanes; 4]);
                let quads: Vec<Quad> = spots
                    .iter()
                    .map(|&at| {
                        let live = if rng.below(3) == 0 {
                            rng.below(16) as u8
                        } else {
                            0xf
                        };
                        let mut lanes = || -> [Lanes; 4] {
                            std::array::from_fn(|_| std::array::from_fn(|_| value(&mut rng)))
                        };
                        (at, live, lanes(), lanes())
                    })
                    .collect();
                let mut one = init.clone();
                {
                    let t = Target::new(&mut one, w, h, pitch, format).unwrap();
                    let mut plan = Unorm8::new(&t, &ba, false).unwrap();
                    plan.avx = false;
                    for (at, live, src, src1) in &quads {
                        plan.write_quad(&t, *at, *live, src, src1, constants);
                    }
                }
                // One at a time, two at a time, then four (and pairs and singles for the rest).
                for width in [1, 2, 4] {
                    let mut batched = init.clone();
                    {
                        let t = Target::new(&mut batched, w, h, pitch, format).unwrap();
                        let mut plan = Unorm8::new(&t, &ba, false).unwrap();
                        assert_eq!(plan.common != 0, round % 3 == 1, "round {round}");
                        let (wide, avx512) = (plan.wide, plan.avx512);
                        if (width == 2 && !wide) || (width == 4 && !avx512) {
                            continue;
                        }
                        plan.wide = width >= 2 && wide;
                        plan.avx512 = width == 4;
                        let mut p = Pending::default();
                        for (at, live, src, src1) in &quads {
                            let bits = |v: &[Lanes; 4]| v.map(|c| c.map(f32::to_bits));
                            let (src, src1) = (bits(src), bits(src1));
                            let s1 = plan.uses_src1.then_some(&src1[..]);
                            if p.push(*at, *live, &src, false, s1) {
                                plan.flush(&t, &mut p, constants);
                            }
                        }
                        plan.flush(&t, &mut p, constants);
                    }
                    assert_eq!(
                        batched, one,
                        "{format:?} round {round} width {width}: {ba:?}"
                    );
                }
            }
        }
    }
}
