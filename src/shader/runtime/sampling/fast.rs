//! The fast path of sampling: the same computation as the general path of [`super`], bit for
//! bit, for the common case, without its per-texel generality.
//!
//! Once per dispatch ([`Fast::of`]) a view whose format has a direct decoder gets one, with the
//! view's swizzle folded in, and a bit per mip level saying that every texel of the level (every
//! layer) lies inside the image's span (so texels need no per-access check). Then 2D and 2D
//! array sampling of such a level ([`sample_level_2d`]) wraps the integer coordinates, reads
//! the texels straight from memory and filters with exactly the f32 operations, in exactly the
//! order, of the general `sample_level` (for 8-bit UNORM views, the same fixed-point weights
//! and integer sums, [`super::fixed_point`]).
//!
//! Decoders (each checked against `format::decode` by the tests below; the 8-bit ones are
//! tables made by `format::decode` itself):
//! - 8-bit fields (UNORM, SNORM, USCALED, SSCALED, SRGB of R8, R8G8, R8G8B8, B8G8R8, R8G8B8A8,
//!   B8G8R8A8, A8B8G8R8_PACK32): one 256-entry table per output component;
//! - R32.._SFLOAT and D32_SFLOAT (the bits), R16.._SFLOAT (binary16, exact), R16.._UNORM and
//!   D16_UNORM (one division, as the codec).

use super::{ARRAYED, At, LANES, Levels, SampledImageSlot, axis, border, layer_of, wrap};
use crate::format::{self, Texel};
use crate::shader::runtime::to_bits;
use ash::vk;
use std::sync::OnceLock;

/// The decoded value of every code of one 8-bit field (or a constant).
type Lut = [f32; 256];

static ZERO: Lut = [0.0; 256];
static ONE: Lut = [1.0; 256];

/// A format whose fields are whole bytes: output component k is `lut[k][byte pos[k]]`
/// (absent components: a table of the default value, `pos` 0).
struct ByteFormat {
    format: vk::Format,
    pos: [u8; 4],
    lut: [Lut; 4],
    /// Per component: its table is exactly `code as f32 / 255.0` (the codec's UNORM).
    unorm: [bool; 4],
}

/// (format prefix, byte of R, G, B, A; 4 when absent).
const BYTE_LAYOUTS: &[(&str, [u8; 4])] = &[
    ("R8_", [0, 4, 4, 4]),
    ("R8G8_", [0, 1, 4, 4]),
    ("R8G8B8_", [0, 1, 2, 4]),
    ("B8G8R8_", [2, 1, 0, 4]),
    ("R8G8B8A8_", [0, 1, 2, 3]),
    ("B8G8R8A8_", [2, 1, 0, 3]),
    // Packed into a little-endian word with R in the low bits: bytes R, G, B, A.
    ("A8B8G8R8_", [0, 1, 2, 3]),
];

/// Every float-domain format of [`BYTE_LAYOUTS`], with tables made by `format::decode`.
fn byte_formats() -> &'static [ByteFormat] {
    static TABLES: OnceLock<Vec<ByteFormat>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut out = Vec::new();
        for info in format::all() {
            if info.domain != format::Domain::Float || info.wide {
                continue;
            }
            let Some(&(_, pos)) = BYTE_LAYOUTS.iter().find(|(p, _)| info.name.starts_with(p))
            else {
                continue;
            };
            let mut lut = [[0.0f32; 256]; 4];
            for code in 0..=255u8 {
                let bytes = [code; 4];
                if let Texel::Float(v) = format::decode(info.format, &bytes[..info.bytes as usize])
                {
                    for (table, x) in lut.iter_mut().zip(v) {
                        table[code as usize] = x;
                    }
                }
            }
            let unorm: Lut = std::array::from_fn(|c| c as f32 / 255.0);
            let bits = |t: &Lut| t.map(f32::to_bits);
            out.push(ByteFormat {
                format: info.format,
                pos: pos.map(|p| p & 3),
                unorm: std::array::from_fn(|k| pos[k] < 4 && bits(&lut[k]) == bits(&unorm)),
                lut,
            });
        }
        out
    })
}

/// How texels of one view decode (swizzle included).
#[derive(Clone, Copy, Debug)]
enum Decoder {
    /// Whole-byte fields through tables; `n` bytes per texel, read as a little-endian word:
    /// output k is `lut[k][(word >> shift[k]) & 0xff]`.
    Bytes {
        n: u8,
        lut: [&'static Lut; 4],
        shift: [u32; 4],
    },
    /// R, G, B, A in bytes 0..4, each an 8-bit UNORM field (`Bytes` whose tables are exactly
    /// `code as f32 / 255.0`, the codec's one division): converted and divided, vectorizable.
    Unorm8Rgba,
    /// `n` 32-bit floats; output k is `[c0, c1, c2, c3, 0.0, 1.0][sw[k]]`.
    F32 { n: u8, sw: [u8; 4] },
    /// `n` binary16 floats.
    F16 { n: u8, sw: [u8; 4] },
    /// `n` 16-bit UNORM fields.
    Unorm16 { n: u8, sw: [u8; 4] },
}

/// Per-view data for the fast path, made once per dispatch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fast {
    decoder: Decoder,
    /// Bit m: level m has extents in 1..=i32::MAX and its every texel, in every layer, lies
    /// inside the span.
    inside: u32,
    /// LINEAR filters in fixed point ([`super::fixed_point`]).
    fixed: bool,
}

/// The source of output component k under the view's swizzle: 0..=3 a component, 4 zero, 5
/// one (as `super::swizzle`: IDENTITY and unknown values keep the component).
fn sources(sw: [vk::ComponentSwizzle; 4]) -> [u8; 4] {
    std::array::from_fn(|k| match sw[k] {
        vk::ComponentSwizzle::ZERO => 4,
        vk::ComponentSwizzle::ONE => 5,
        vk::ComponentSwizzle::R => 0,
        vk::ComponentSwizzle::G => 1,
        vk::ComponentSwizzle::B => 2,
        vk::ComponentSwizzle::A => 3,
        _ => k as u8,
    })
}

impl Fast {
    /// The fast-path data of a view, None when its format has no direct decoder.
    pub(super) fn of(s: &SampledImageSlot) -> Option<Fast> {
        let info = format::info(s.format)?;
        let src = sources(s.swizzle);
        use vk::Format as F;
        let n = |fs: [F; 4]| fs.iter().position(|&f| f == s.format).map(|i| i as u8 + 1);
        let decoder = if let Some(b) = byte_formats().iter().find(|b| b.format == s.format) {
            let lut = std::array::from_fn(|k| match src[k] {
                4 => &ZERO,
                5 => &ONE,
                c => &b.lut[c as usize],
            });
            let shift = std::array::from_fn(|k| match src[k] {
                c @ 0..=3 => 8 * b.pos[c as usize] as u32,
                _ => 0,
            });
            if info.bytes == 4
                && shift == [0, 8, 16, 24]
                && src.iter().all(|&c| c < 4 && b.unorm[c as usize])
            {
                Decoder::Unorm8Rgba
            } else {
                Decoder::Bytes {
                    n: info.bytes as u8,
                    lut,
                    shift,
                }
            }
        } else if s.format == F::D32_SFLOAT {
            Decoder::F32 { n: 1, sw: src }
        } else if s.format == F::D16_UNORM {
            Decoder::Unorm16 { n: 1, sw: src }
        } else if let Some(n) = n([
            F::R32_SFLOAT,
            F::R32G32_SFLOAT,
            F::R32G32B32_SFLOAT,
            F::R32G32B32A32_SFLOAT,
        ]) {
            Decoder::F32 { n, sw: src }
        } else if let Some(n) = n([
            F::R16_SFLOAT,
            F::R16G16_SFLOAT,
            F::R16G16B16_SFLOAT,
            F::R16G16B16A16_SFLOAT,
        ]) {
            Decoder::F16 { n, sw: src }
        } else if let Some(n) = n([
            F::R16_UNORM,
            F::R16G16_UNORM,
            F::R16G16B16_UNORM,
            F::R16G16B16A16_UNORM,
        ]) {
            Decoder::Unorm16 { n, sw: src }
        } else {
            return None;
        };
        if s.ptr.is_null() || s.layers == 0 || info.bytes == 0 {
            return None;
        }
        let mut inside = 0;
        for (m, l) in s.level.iter().enumerate().take(s.levels as usize) {
            let fits = || -> Option<bool> {
                if l.extent.iter().any(|&e| e == 0 || e > i32::MAX as u32) {
                    return Some(false);
                }
                let [w, h, d] = l.extent.map(|e| e as u64 - 1);
                let last = l
                    .offset
                    .checked_add((s.layers as u64 - 1).checked_mul(l.layer_pitch)?)?
                    .checked_add(d.checked_mul(l.depth_pitch)?)?
                    .checked_add(h.checked_mul(l.row_pitch)?)?
                    .checked_add(w.checked_mul(s.texel_stride)?)?;
                Some(last.checked_add(info.bytes as u64)? <= s.len && s.len <= usize::MAX as u64)
            };
            if fits() == Some(true) {
                inside |= 1 << m;
            }
        }
        Some(Fast {
            decoder,
            inside,
            fixed: super::fixed_point(info),
        })
    }

    /// Whether [`sample_level_2d`] may sample `level`.
    pub(super) fn inside(&self, level: u32) -> bool {
        level < 32 && self.inside >> level & 1 == 1
    }
}

/// What JIT'd code needs to sample an RGBA8 UNORM 2D view bilinearly, clamped to its edges,
/// without a call (lower/sampling.rs): read at offset 0 of a [`super::SampledSlot`]. The
/// image's and the sampler's halves are filled in whichever slot holds them (a combined
/// image sampler has both), so the code reads `image_flags` from the image's slot and
/// `sampler_flags` from the sampler's.
///
/// The JIT'd code takes its path when bit 0 of both flags is set and bit 1 of either: the view
/// has one level, or the sampler's maxLod is at most 0 (then every level of detail selects
/// level 0, with the LINEAR filter either way); with REPEAT (sampler bit 2), only when the
/// view is small enough (image bit 2) and every lane's |coordinate x size| is below 2^21 on
/// both axes, so the wrap can be computed exactly in f32. It computes exactly what
/// [`sample4_2d`] does for such lanes (`level_2d` with [`Decoder::Unorm8Rgba`]), bit for bit.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct JitLinear {
    /// Bit 0: the view is R8G8B8A8_UNORM-like ([`Decoder::Unorm8Rgba`]), not arrayed in use
    /// (layer 0 is sampled), level 0 lies inside the span with 4-byte texels, and every byte
    /// offset `y * row_pitch + x * 4` of it fits in an i32; bit 1: the view has one level;
    /// bit 2: level 0 is at most 2^22 texels wide and high (REPEAT wraps exactly); bit 3: its
    /// width and height are powers of two (REPEAT wraps by masking the texel index).
    pub image_flags: u32,
    /// Bit 0: LINEAR magnification and minification, CLAMP_TO_EDGE on u and v or REPEAT on
    /// both, normalized coordinates, weighted-average reduction, no anisotropy or comparison;
    /// bit 1: maxLod is at most 0; bit 2: the mode is REPEAT.
    pub sampler_flags: u32,
    /// Level 0's first texel (layer 0).
    pub base: u64,
    /// Level 0's width and height as floats (both at most 2^24, so exact).
    pub size: [f32; 2],
    /// width - 1, height - 1, width - 2, height - 2.
    pub last: [i32; 4],
    pub row_pitch: i32,
    pub _pad: i32,
}

impl JitLinear {
    pub(super) fn of(
        image: Option<&SampledImageSlot>,
        sampler: Option<&crate::resource::SamplerDesc>,
    ) -> JitLinear {
        let mut j = JitLinear::default();
        if let Some(s) = image
            && let Some(f) = &s.fast
            && matches!(f.decoder, Decoder::Unorm8Rgba)
            && f.inside(0)
            && s.texel_stride == 4
        {
            let l = &s.level[0];
            let [w, h, _] = l.extent;
            let fits = w <= 1 << 24
                && h <= 1 << 24
                && l.row_pitch
                    .checked_mul(h as u64 - 1)
                    .and_then(|x| x.checked_add(4 * w as u64))
                    .is_some_and(|x| x <= i32::MAX as u64);
            if fits {
                let small = w <= 1 << 22 && h <= 1 << 22;
                let pow2 = w.is_power_of_two() && h.is_power_of_two();
                j.image_flags = 1
                    | if s.levels == 1 { 2 } else { 0 }
                    | if small { 4 } else { 0 }
                    | if pow2 { 8 } else { 0 };
                j.base = s.ptr as u64 + l.offset;
                j.size = [w as f32, h as f32];
                j.last = [w as i32 - 1, h as i32 - 1, w as i32 - 2, h as i32 - 2];
                j.row_pitch = l.row_pitch as i32;
            }
        }
        if let Some(m) = sampler {
            use vk::SamplerAddressMode as A;
            let repeat = m.address_mode[..2] == [A::REPEAT; 2];
            let ok = m.mag_filter == vk::Filter::LINEAR
                && m.min_filter == vk::Filter::LINEAR
                && (m.address_mode[..2] == [A::CLAMP_TO_EDGE; 2] || repeat)
                && !m.unnormalized_coordinates
                && m.reduction == vk::SamplerReductionMode::WEIGHTED_AVERAGE
                && m.anisotropy.is_none()
                && m.compare.is_none();
            if ok {
                j.sampler_flags =
                    1 | if m.max_lod <= 0.0 { 2 } else { 0 } | if repeat { 4 } else { 0 };
            }
        }
        j
    }
}

/// `x` rounded down, as `f32::floor` (bit for bit, signed zeros included) without its libm
/// call where the value is small.
#[inline]
pub(super) fn floor(x: f32) -> f32 {
    if x.abs() < 8_388_608.0 {
        let t = x as i32 as f32;
        let t = if t > x { t - 1.0 } else { t };
        // floor keeps the sign: negative values give negative results (or -0.0).
        t.copysign(x)
    } else {
        x.floor()
    }
}

/// The value of a binary16 code (exact; NaN payloads as `format`'s codec keeps them: the
/// mantissa shifted to the top).
#[inline]
fn half(code: u16) -> f32 {
    let sign = ((code as u32) & 0x8000) << 16;
    let e = (code as u32 >> 10) & 0x1f;
    let m = code as u32 & 0x3ff;
    let bits = match e {
        // m * 2^-24, exact.
        0 => (m as f32 * f32::from_bits((127 - 24) << 23)).to_bits(),
        31 => 0x7f80_0000 | (m << 13),
        _ => ((e + 112) << 23) | (m << 13),
    };
    f32::from_bits(sign | bits)
}

/// Reads `N` bytes at `p`.
///
/// # Safety
/// `p..p + N` is inside a mapped span (a raw read: other threads may write it concurrently,
/// as with the general path's copy).
#[inline]
unsafe fn read<const N: usize>(p: *const u8) -> [u8; N] {
    // SAFETY: as the caller promises.
    unsafe { std::ptr::read_unaligned(p as *const [u8; N]) }
}

/// The first `n` little-endian `W`-byte words at `p` as u32 (0 past `n`).
///
/// # Safety
/// As [`read`], for `n * W` bytes.
#[inline]
unsafe fn words<const W: usize>(p: *const u8, n: u8) -> [u32; 4] {
    let mut out = [0u32; 4];
    for (k, o) in out.iter_mut().enumerate().take(n as usize) {
        // SAFETY: k < n: inside the texel.
        let b: [u8; W] = unsafe { read(p.add(k * W)) };
        let mut v = [0u8; 4];
        v[..W].copy_from_slice(&b);
        *o = u32::from_le_bytes(v);
    }
    out
}

/// Components c0..c(n-1) given, the others (0, 0, 0, 1), swizzled by `sw`.
#[inline]
fn pick(c: [f32; 4], n: u8, sw: [u8; 4]) -> [f32; 4] {
    let mut v = [0.0, 0.0, 0.0, 1.0, 0.0, 1.0];
    v[..n as usize].copy_from_slice(&c[..n as usize]);
    sw.map(|s| v[s as usize % 6])
}

impl Decoder {
    /// The decoded, swizzled texel at `p`.
    ///
    /// # Safety
    /// `p` points to a whole texel inside a mapped span.
    #[inline(always)]
    unsafe fn decode(&self, p: *const u8) -> [f32; 4] {
        match *self {
            Decoder::Bytes { n, lut, shift } => {
                // SAFETY: the texel is `n` bytes.
                let b: [u8; 4] = unsafe {
                    match n {
                        4 => read(p),
                        3 => {
                            let [x, y, z] = read(p);
                            [x, y, z, 0]
                        }
                        2 => {
                            let [x, y] = read(p);
                            [x, y, 0, 0]
                        }
                        _ => [*p, 0, 0, 0],
                    }
                };
                let word = u32::from_le_bytes(b);
                std::array::from_fn(|k| lut[k][((word >> (shift[k] & 31)) & 0xff) as usize])
            }
            Decoder::Unorm8Rgba => {
                // SAFETY: the texel is 4 bytes.
                let b: [u8; 4] = unsafe { read(p) };
                b.map(|x| x as f32 / 255.0)
            }
            Decoder::F32 { n, sw } => {
                // SAFETY: the texel is `4 n` bytes.
                let w = unsafe { words::<4>(p, n) };
                pick(w.map(f32::from_bits), n, sw)
            }
            Decoder::F16 { n, sw } => {
                // SAFETY: the texel is `2 n` bytes.
                let w = unsafe { words::<2>(p, n) };
                pick(w.map(|x| half(x as u16)), n, sw)
            }
            Decoder::Unorm16 { n, sw } => {
                // SAFETY: the texel is `2 n` bytes.
                let w = unsafe { words::<2>(p, n) };
                pick(w.map(|x| x as f32 / 65535.0), n, sw)
            }
        }
    }
}

impl Decoder {
    /// The codes of a texel of a fixed-point view ([`super::fixed_point`]): what
    /// [`Decoder::decode`] gives, times 255.
    ///
    /// # Safety
    /// As [`Decoder::decode`].
    #[inline(always)]
    unsafe fn codes(&self, p: *const u8) -> [u32; 4] {
        match self {
            // SAFETY: the texel is 4 bytes.
            Decoder::Unorm8Rgba => unsafe { read::<4>(p) }.map(u32::from),
            // SAFETY: as `decode`.
            d => unsafe { d.decode(p) }.map(super::code8),
        }
    }
}

/// `super::sample_level` for a 2D (or 2D array) image, `level` [`Fast::inside`]: the same
/// coordinates, wrapping, texels, weights and sums (`border`: the border texel).
pub(super) fn sample_level_2d(
    s: &SampledImageSlot,
    f: &Fast,
    level: u32,
    at: &At,
    linear: bool,
    border: Texel,
) -> Texel {
    let fixed = f.fixed;
    // SAFETY (every closure): `level_2d` passes whole texels inside the span.
    match f.decoder {
        Decoder::Unorm8Rgba => {
            let d = Decoder::Unorm8Rgba;
            let dec = (|p| unsafe { d.decode(p) }, |p| unsafe { d.codes(p) });
            level_2d::<false>(s, level, at, (linear, fixed), border, dec)
        }
        Decoder::Bytes { n: 4, lut, shift } => {
            let d = Decoder::Bytes { n: 4, lut, shift };
            let dec = (|p| unsafe { d.decode(p) }, |p| unsafe { d.codes(p) });
            level_2d::<false>(s, level, at, (linear, fixed), border, dec)
        }
        d => {
            let dec = (|p| unsafe { d.decode(p) }, |p| unsafe { d.codes(p) });
            level_2d::<false>(s, level, at, (linear, fixed), border, dec)
        }
    }
}

/// [`super::sv_sample4`]'s fast path: every lane of a 2D (or 2D array) view on one level
/// (`sel`, the same for every lane) inside the span. `rows`: the coordinates a, b, c of every
/// lane. Each lane gets what `super::sample_in` gives it (None: not this case).
#[allow(clippy::too_many_arguments)]
#[inline]
pub(super) fn sample4_2d(
    s: &SampledImageSlot,
    f: &Fast,
    sampler: &crate::resource::SamplerDesc,
    sel: Levels,
    shape: u32,
    rows: [[f32; LANES]; 3],
    offset: [i32; 3],
    kind: u32,
) -> Option<[[u32; 4]; LANES]> {
    let (lo, hi, delta, linear) = sel;
    // One level (`sample_in` blends only when hi != lo and delta != 0); fast formats are all
    // of the float domain, so `linear` stands.
    if shape & 3 != 1 || (hi != lo && delta != 0.0) || !f.inside(lo) {
        return None;
    }
    let border = border(sampler.border_color, kind);
    let arrayed = shape & ARRAYED != 0;
    /// The lanes with one decoder (monomorphized: the decoder inlines).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn lanes(
        s: &SampledImageSlot,
        sampler: &crate::resource::SamplerDesc,
        level: u32,
        filter: (bool, bool),
        arrayed: bool,
        rows: [[f32; LANES]; 3],
        offset: [i32; 3],
        (border, kind): (Texel, u32),
        dec: (
            impl Fn(*const u8) -> [f32; 4],
            impl Fn(*const u8) -> [u32; 4],
        ),
    ) -> [[u32; 4]; LANES] {
        let clamp = sampler.address_mode[..2] == [vk::SamplerAddressMode::CLAMP_TO_EDGE; 2];
        let at = |l: usize| At {
            coord: [rows[0][l], rows[1][l], rows[2][l]],
            axes: 2,
            layer: if arrayed {
                layer_of(rows[2][l], s.layers)
            } else {
                0
            },
            offset,
            modes: sampler.address_mode,
            unnormalized: sampler.unnormalized_coordinates,
            cube: None,
            cmp: None,
            reduction: sampler.reduction,
        };
        let mut out = [[0u32; 4]; LANES];
        if clamp {
            for (l, o) in out.iter_mut().enumerate() {
                *o = to_bits(
                    level_2d::<true>(s, level, &at(l), filter, border, (&dec.0, &dec.1)),
                    kind,
                );
            }
        } else {
            for (l, o) in out.iter_mut().enumerate() {
                *o = to_bits(
                    level_2d::<false>(s, level, &at(l), filter, border, (&dec.0, &dec.1)),
                    kind,
                );
            }
        }
        out
    }
    let bk = (border, kind);
    let filter = (linear, f.fixed);
    // SAFETY (every closure): `level_2d` passes whole texels inside the span.
    Some(match f.decoder {
        Decoder::Unorm8Rgba => {
            let d = Decoder::Unorm8Rgba;
            let dec = (|p| unsafe { d.decode(p) }, |p| unsafe { d.codes(p) });
            lanes(s, sampler, lo, filter, arrayed, rows, offset, bk, dec)
        }
        Decoder::Bytes { n: 4, lut, shift } => {
            let d = Decoder::Bytes { n: 4, lut, shift };
            let dec = (|p| unsafe { d.decode(p) }, |p| unsafe { d.codes(p) });
            lanes(s, sampler, lo, filter, arrayed, rows, offset, bk, dec)
        }
        d => {
            let dec = (|p| unsafe { d.decode(p) }, |p| unsafe { d.codes(p) });
            lanes(s, sampler, lo, filter, arrayed, rows, offset, bk, dec)
        }
    })
}

/// [`wrap`] with its common case (inside the level) inlined.
#[inline(always)]
fn wrap_in(i: i64, size: i64, mode: vk::SamplerAddressMode) -> Option<i64> {
    if (i as u64) < size as u64 {
        Some(i)
    } else {
        wrap(i, size, mode)
    }
}

#[inline(always)]
fn level_2d<const CLAMP: bool>(
    s: &SampledImageSlot,
    level: u32,
    at: &At,
    (linear, fixed): (bool, bool),
    border: Texel,
    (decode, codes): (
        impl Fn(*const u8) -> [f32; 4],
        impl Fn(*const u8) -> [u32; 4],
    ),
) -> Texel {
    let l = &s.level[level as usize & (super::MAX_LEVELS - 1)];
    let (w, h) = (l.extent[0] as i64, l.extent[1] as i64);
    let (x0, x1, a) = axis(
        at.coord[0],
        l.extent[0],
        at.unnormalized,
        at.offset[0],
        linear,
    );
    let (y0, y1, b) = axis(
        at.coord[1],
        l.extent[1],
        at.unnormalized,
        at.offset[1],
        linear,
    );
    // The layer is in 0..layers (`layer_of`); every texel of it is inside the span.
    let base = (l.offset + at.layer as u64 * l.layer_pitch) as usize;
    let (row, stride) = (l.row_pitch as usize, s.texel_stride as usize);
    // Byte offsets of the wrapped columns and rows (None: the border), each axis wrapped once
    // (the general path wraps per texel: the same function of the same integers).
    // CLAMP: both modes are CLAMP_TO_EDGE (what `wrap` does for them, without its match).
    let wrap_to = |i: i64, size: i64, mode| {
        if CLAMP {
            Some(i.clamp(0, size - 1))
        } else {
            wrap_in(i, size, mode)
        }
    };
    let col = |x: i64| wrap_to(x, w, at.modes[0]).map(|x| x as usize * stride);
    let line = |y: i64| wrap_to(y, h, at.modes[1]).map(|y| base + y as usize * row);
    // The texel at a wrapped row and column (None: the border).
    let at = |r: Option<usize>, c: Option<usize>| -> Option<*const u8> {
        // SAFETY: the column and row are inside the level, which is inside the span
        // (`Fast::inside`).
        Some(unsafe { s.ptr.add(r? + c?) })
    };
    let get = |r, c| at(r, c).map(&decode);
    if !linear {
        return get(line(y0), col(x0)).map_or(border, Texel::Float);
    }
    let (c0, c1, r0, r1) = (col(x0), col(x1), line(y0), line(y1));
    let bf = super::as_f32(border);
    if fixed {
        // super::fixed_point's filter: the same integer sum.
        let bc = bf.map(super::code8);
        let get = |r, c| at(r, c).map_or(bc, &codes);
        let (qa, qb) = (super::weight8(a) as u32, super::weight8(b) as u32);
        let t = [get(r0, c0), get(r0, c1), get(r1, c0), get(r1, c1)];
        let weight = [
            (256 - qa) * (256 - qb),
            qa * (256 - qb),
            (256 - qa) * qb,
            qa * qb,
        ];
        let mut sum = [0u32; 4];
        for (t, w) in t.iter().zip(weight) {
            for (acc, v) in sum.iter_mut().zip(t) {
                *acc += w * v;
            }
        }
        return Texel::Float(sum.map(|x| super::fixed_value(x as u64, 2)));
    }
    let t = [
        get(r0, c0).unwrap_or(bf),
        get(r0, c1).unwrap_or(bf),
        get(r1, c0).unwrap_or(bf),
        get(r1, c1).unwrap_or(bf),
    ];
    // As the general loop: weight = 1.0 * (x weight) * (y weight), corners in bit order.
    let weight = [
        1.0 * (1.0 - a) * (1.0 - b),
        1.0 * a * (1.0 - b),
        1.0 * (1.0 - a) * b,
        1.0 * a * b,
    ];
    let mut sum = [0.0f32; 4];
    for (t, w) in t.iter().zip(weight) {
        for (acc, v) in sum.iter_mut().zip(t) {
            *acc += w * v;
        }
    }
    Texel::Float(sum)
}

#[cfg(test)]
mod tests {
    use super::super::{
        LANES, Level, MAX_LEVELS, Query, SampledSlot, TAG_SAMPLED, sample, sv_sample4, swizzle,
    };
    use super::*;
    use crate::shader::runtime::SlotDesc;

    /// xorshift64*: deterministic test data.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn pick<T: Copy>(&mut self, v: &[T]) -> T {
            v[self.below(v.len() as u64) as usize]
        }
        /// A float in [lo, hi), or now and then a special value.
        fn float(&mut self, lo: f32, hi: f32) -> f32 {
            match self.below(40) {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => f32::NEG_INFINITY,
                3 => -0.0,
                4 => 1.0e9,
                5 => -3.0e7,
                // Exactly on texel centers and edges now and then.
                6 => (self.below(40) as f32 - 10.0) / 8.0,
                _ => lo + (hi - lo) * (self.below(1 << 24) as f32 / (1 << 24) as f32),
            }
        }
    }

    const SWIZZLES: [vk::ComponentSwizzle; 7] = [
        vk::ComponentSwizzle::IDENTITY,
        vk::ComponentSwizzle::ZERO,
        vk::ComponentSwizzle::ONE,
        vk::ComponentSwizzle::R,
        vk::ComponentSwizzle::G,
        vk::ComponentSwizzle::B,
        vk::ComponentSwizzle::A,
    ];

    /// Every format with a fast decoder.
    fn fast_formats() -> Vec<vk::Format> {
        format::all()
            .iter()
            .map(|i| i.format)
            .filter(|&f| Fast::of(&slot(f, 1, 1, &mut [0u8; 64], 1)).is_some())
            .collect()
    }

    /// A one-level `w x h` slot over `mem` with `layers` layers and tight rows.
    fn slot(format: vk::Format, w: u32, h: u32, mem: &mut [u8], layers: u32) -> SampledImageSlot {
        let bytes = format::info(format).map_or(1, |i| i.bytes as u64);
        let mut level = [Level::default(); MAX_LEVELS];
        level[0] = Level {
            offset: 0,
            extent: [w, h, 1],
            row_pitch: w as u64 * bytes,
            depth_pitch: w as u64 * h as u64 * bytes,
            layer_pitch: w as u64 * h as u64 * bytes,
        };
        SampledImageSlot {
            ptr: mem.as_mut_ptr(),
            len: mem.len() as u64,
            format,
            swizzle: [vk::ComponentSwizzle::IDENTITY; 4],
            layers,
            levels: 1,
            level,
            texel_stride: bytes,
            fast: None,
        }
    }

    #[test]
    fn block_compressed_views_take_neither_fast_path() {
        // BC views decode whole blocks (the general path): no per-texel decoder, and the
        // JIT's inline bilinear record (RGBA8 UNORM only) is not set for them.
        let sampler = crate::resource::SamplerDesc {
            mag_filter: vk::Filter::LINEAR,
            min_filter: vk::Filter::LINEAR,
            mipmap_mode: vk::SamplerMipmapMode::NEAREST,
            address_mode: [vk::SamplerAddressMode::CLAMP_TO_EDGE; 3],
            mip_lod_bias: 0.0,
            anisotropy: None,
            compare: None,
            min_lod: 0.0,
            max_lod: 0.0,
            border_color: vk::BorderColor::FLOAT_TRANSPARENT_BLACK,
            unnormalized_coordinates: false,
            reduction: vk::SamplerReductionMode::WEIGHTED_AVERAGE,
        };
        for bc in format::bc::all() {
            let mut mem = [0u8; 256];
            let mut s = slot(bc.format, 8, 8, &mut mem, 1);
            s.texel_stride = bc.block_bytes as u64;
            s.level[0].row_pitch = 2 * bc.block_bytes as u64;
            assert!(Fast::of(&s).is_none(), "{}", bc.name);
            s.fast = Fast::of(&s);
            let j = JitLinear::of(Some(&s), Some(&sampler));
            assert_eq!(j.image_flags, 0, "{}", bc.name);
        }
        // The same record is set for an RGBA8 view (the test above is not vacuous).
        let mut mem = [0u8; 256];
        let mut s = slot(vk::Format::R8G8B8A8_UNORM, 8, 8, &mut mem, 1);
        s.fast = Fast::of(&s);
        assert_ne!(JitLinear::of(Some(&s), Some(&sampler)).image_flags, 0);
    }

    #[test]
    fn fast_decoders_cover_the_common_formats() {
        let have = fast_formats();
        for f in [
            vk::Format::R8G8B8A8_UNORM,
            vk::Format::R8G8B8A8_SRGB,
            vk::Format::B8G8R8A8_UNORM,
            vk::Format::B8G8R8A8_SRGB,
            vk::Format::R8_UNORM,
            vk::Format::R32G32B32A32_SFLOAT,
            vk::Format::R32_SFLOAT,
            vk::Format::R16G16B16A16_SFLOAT,
            vk::Format::R16G16B16A16_UNORM,
            vk::Format::D32_SFLOAT,
            vk::Format::D16_UNORM,
        ] {
            assert!(have.contains(&f), "{f:?} has no fast decoder");
        }
        assert!(!have.contains(&vk::Format::R8G8B8A8_UINT));
        // RGBA-ordered UNORM views convert and divide; sRGB and swizzled ones use the tables.
        let decoder = |f, sw| {
            let mut s = slot(f, 1, 1, &mut [0u8; 4], 1);
            s.swizzle = sw;
            Fast::of(&s).unwrap().decoder
        };
        let id = [vk::ComponentSwizzle::IDENTITY; 4];
        use vk::ComponentSwizzle as C;
        assert!(matches!(
            decoder(vk::Format::R8G8B8A8_UNORM, id),
            Decoder::Unorm8Rgba
        ));
        assert!(matches!(
            decoder(vk::Format::A8B8G8R8_UNORM_PACK32, [C::R, C::G, C::B, C::A]),
            Decoder::Unorm8Rgba
        ));
        assert!(matches!(
            decoder(vk::Format::R8G8B8A8_SRGB, id),
            Decoder::Bytes { .. }
        ));
        assert!(matches!(
            decoder(vk::Format::R8G8B8A8_UNORM, [C::B, C::G, C::R, C::A]),
            Decoder::Bytes { .. }
        ));
        assert!(matches!(
            decoder(vk::Format::B8G8R8A8_UNORM, id),
            Decoder::Bytes { .. }
        ));
        assert!(!have.contains(&vk::Format::A2B10G10R10_UNORM_PACK32));
    }

    #[test]
    fn fixed_point_filtering_keeps_flat_texels_and_stays_within_its_weight_steps() {
        use super::super::{code8, fixed_point, fixed_value, weight8};
        let is = |f| fixed_point(format::info(f).expect("known"));
        for f in [
            vk::Format::R8_UNORM,
            vk::Format::R8G8_UNORM,
            vk::Format::R8G8B8A8_UNORM,
            vk::Format::B8G8R8A8_UNORM,
            vk::Format::A8B8G8R8_UNORM_PACK32,
        ] {
            assert!(is(f), "{f:?}");
        }
        for f in [
            vk::Format::R8G8B8A8_SRGB,
            vk::Format::R8G8B8A8_SNORM,
            vk::Format::R8G8B8A8_UINT,
            vk::Format::B4G4R4A4_UNORM_PACK16,
            vk::Format::R16_UNORM,
            vk::Format::D16_UNORM,
            vk::Format::BC1_RGBA_UNORM_BLOCK,
        ] {
            assert!(format::info(f).is_none_or(|i| !fixed_point(i)), "{f:?}");
        }
        // Equal texels filter to exactly their value (the codec's code / 255) on any axes,
        // and every code survives `code8`.
        for k in 0..=255u64 {
            let want = (k as f32 / 255.0).to_bits();
            assert_eq!(code8(f32::from_bits(want)), k as u32);
            for axes in 1..=3 {
                assert_eq!(fixed_value(k << (8 * axes), axes).to_bits(), want, "{k}");
            }
        }
        // Four codes at random weights: within the weights' 1/256 steps of the exact
        // bilinear value (truncation: each axis at most one step low).
        let mut r = Rng(11);
        for _ in 0..100_000 {
            let t = [0; 4].map(|_| r.below(256) as u32);
            let mut unit = || (r.next() >> 40) as f32 / (1u32 << 24) as f32;
            let (a, b) = (unit(), unit());
            let (qa, qb) = (weight8(a) as u32, weight8(b) as u32);
            let sum = t[0] * (256 - qa) * (256 - qb)
                + t[1] * qa * (256 - qb)
                + t[2] * (256 - qa) * qb
                + t[3] * qa * qb;
            let got = fixed_value(sum as u64, 2) as f64;
            let (a, b) = (a as f64, b as f64);
            let t = t.map(|x| x as f64 / 255.0);
            let exact = t[0] * (1.0 - a) * (1.0 - b)
                + t[1] * a * (1.0 - b)
                + t[2] * (1.0 - a) * b
                + t[3] * a * b;
            let spread =
                t.iter().cloned().fold(0.0, f64::max) - t.iter().cloned().fold(1.0, f64::min);
            assert!(
                (got - exact).abs() <= 2.0 * spread / 256.0 + 1e-7,
                "{t:?} at ({a}, {b}): {got} vs {exact}"
            );
        }
    }

    #[test]
    fn floor_is_f32_floor_bit_for_bit() {
        let mut r = Rng(7);
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            8_388_607.5,
            -8_388_607.5,
            8_388_608.0,
            -8_388_608.0,
            1.0e20,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ];
        for _ in 0..200_000 {
            xs.push(f32::from_bits(r.next() as u32));
            xs.push(r.float(-5000.0, 5000.0));
        }
        for x in xs {
            assert_eq!(floor(x).to_bits(), x.floor().to_bits(), "floor({x:e})");
        }
    }

    /// Every decoder, under random swizzles, against `format::decode` + the view swizzle: every
    /// code of each 8- and 16-bit field, random words for 32-bit ones.
    #[test]
    fn fast_decoders_match_the_codec_bit_for_bit() {
        let mut r = Rng(11);
        for f in fast_formats() {
            let info = format::info(f).unwrap();
            let n = info.bytes as usize;
            let mut texels: Vec<Vec<u8>> = Vec::new();
            let field = if info.bits.iter().all(|&b| b == 8 || b == 0) {
                8
            } else {
                info.bits[0] as usize
            };
            if field <= 16 {
                for code in 0..1usize << field {
                    for at in (0..n).step_by(field / 8) {
                        let mut t: Vec<u8> = (0..n).map(|_| r.next() as u8).collect();
                        t[at] = code as u8;
                        if field == 16 {
                            t[at + 1] = (code >> 8) as u8;
                        }
                        texels.push(t);
                    }
                }
            }
            for _ in 0..20_000 {
                texels.push((0..n).map(|_| r.next() as u8).collect());
            }
            for t in texels {
                let sw = if r.below(4) == 0 {
                    [vk::ComponentSwizzle::IDENTITY; 4]
                } else {
                    [0; 4].map(|_| r.pick(&SWIZZLES))
                };
                let mut mem = t.clone();
                let mut s = slot(f, 1, 1, &mut mem, 1);
                s.swizzle = sw;
                let fast = Fast::of(&s).unwrap();
                // SAFETY: `mem` holds one whole texel.
                let got = unsafe { fast.decoder.decode(mem.as_ptr()) };
                let Texel::Float(want) = swizzle(format::decode(f, &t), sw) else {
                    panic!("{f:?} is not float");
                };
                assert_eq!(
                    got.map(f32::to_bits),
                    want.map(f32::to_bits),
                    "{f:?} {t:02x?} {sw:?}"
                );
            }
        }
    }

    fn sampler(r: &mut Rng) -> crate::resource::SamplerDesc {
        use vk::SamplerAddressMode as M;
        let modes = [
            M::REPEAT,
            M::MIRRORED_REPEAT,
            M::CLAMP_TO_EDGE,
            M::CLAMP_TO_BORDER,
            M::MIRROR_CLAMP_TO_EDGE,
        ];
        let filters = [vk::Filter::NEAREST, vk::Filter::LINEAR];
        let min_lod = r.pick(&[0.0, 0.0, 0.5, 1.0]);
        crate::resource::SamplerDesc {
            mag_filter: r.pick(&filters),
            min_filter: r.pick(&filters),
            mipmap_mode: r.pick(&[
                vk::SamplerMipmapMode::NEAREST,
                vk::SamplerMipmapMode::LINEAR,
            ]),
            // Both axes CLAMP_TO_EDGE (the fast path's special case) now and then.
            address_mode: if r.below(5) == 0 {
                [M::CLAMP_TO_EDGE; 3]
            } else {
                [0; 3].map(|_| r.pick(&modes))
            },
            mip_lod_bias: r.pick(&[0.0, 0.0, 0.25, -1.5, 3.0]),
            anisotropy: None,
            compare: None,
            min_lod,
            max_lod: min_lod + r.pick(&[0.0, 0.5, 2.0, 1000.0]),
            border_color: r.pick(&[
                vk::BorderColor::FLOAT_TRANSPARENT_BLACK,
                vk::BorderColor::FLOAT_OPAQUE_BLACK,
                vk::BorderColor::FLOAT_OPAQUE_WHITE,
                vk::BorderColor::INT_OPAQUE_WHITE,
            ]),
            unnormalized_coordinates: r.below(8) == 0,
            reduction: vk::SamplerReductionMode::WEIGHTED_AVERAGE,
        }
    }

    /// Random 2D and 2D array images (every fast format, mip chains, layers, swizzles,
    /// padded rows), samplers and coordinates: the fast path gives the general path's bits.
    #[test]
    fn fast_path_matches_the_general_path_bit_for_bit() {
        let mut r = Rng(2026);
        let formats = fast_formats();
        let mut fast_taken = 0;
        for case in 0..3000 {
            let f = formats[case % formats.len()];
            let bytes = format::info(f).unwrap().bytes as u64;
            let (w, h) = (1 + r.below(9) as u32, 1 + r.below(9) as u32);
            let layers = 1 + r.below(3) as u32;
            let levels = 1 + r.below(4) as u32;
            let mut level = [Level::default(); MAX_LEVELS];
            let mut offset = r.below(3) * bytes;
            for (m, l) in level.iter_mut().enumerate().take(levels as usize) {
                let (lw, lh) = ((w >> m).max(1), (h >> m).max(1));
                let row_pitch = (lw as u64 + r.below(3)) * bytes;
                *l = Level {
                    offset,
                    extent: [lw, lh, 1],
                    row_pitch,
                    depth_pitch: row_pitch * lh as u64,
                    layer_pitch: row_pitch * lh as u64,
                };
                offset += l.layer_pitch * layers as u64;
            }
            // Now and then a span too short for the last level (texels past it: border).
            let len = if r.below(10) == 0 {
                offset - bytes
            } else {
                offset
            };
            let mut mem: Vec<u8> = (0..len).map(|_| r.next() as u8).collect();
            if r.below(2) == 0 {
                // Finite values for float formats most of the time (NaN payloads are also
                // compared, but would make every sum NaN).
                for (k, b) in mem.iter_mut().enumerate() {
                    if k % 2 == 1 {
                        *b &= 0x3f;
                    }
                }
            }
            let mut s = SampledImageSlot {
                ptr: mem.as_mut_ptr(),
                len,
                format: f,
                swizzle: [0; 4].map(|_| r.pick(&SWIZZLES)),
                layers,
                levels,
                level,
                texel_stride: bytes,
                fast: None,
            };
            s.fast = Fast::of(&s);
            let slot = SampledSlot::new(Some(s), Some(sampler(&mut r)));
            let desc = SlotDesc {
                ptr: &slot as *const SampledSlot as *mut u8,
                len: 0,
                format: 0,
                tag: TAG_SAMPLED,
            };
            let mut group = Vec::new();
            for _ in 0..40 {
                let shape = r.pick(&[1, 1 | super::super::ARRAYED]);
                let q = Query {
                    shape,
                    coord: [
                        r.float(-1.5, 2.5),
                        r.float(-1.5, 2.5),
                        r.float(-1.0, 4.0),
                        r.float(-1.0, 4.0),
                    ],
                    lod: if r.below(2) == 0 {
                        0.0
                    } else {
                        r.float(-1.0, 5.0)
                    },
                    offset: [0; 3].map(|_| r.below(16) as i32 - 8),
                    kind: r.pick(&[0, 0, 0, 1, 2]),
                    cmp: None,
                };
                let general = sample(&desc, &desc, &q, false);
                let fast = sample(&desc, &desc, &q, true);
                // Bits, except that two NaNs made by arithmetic are equal: Rust leaves the
                // sign and payload of an arithmetic NaN unspecified (the same expression
                // compiled twice may differ).
                let same = fast.iter().zip(&general).all(|(a, b)| {
                    let nan = |x: &u32| f32::from_bits(*x).is_nan();
                    a == b || (q.kind == 0 && nan(a) && nan(b))
                });
                assert!(
                    same,
                    "case {case} {f:?} {q:?} {:?}: {fast:x?} != {general:x?}",
                    slot.sampler
                );
                fast_taken += slot
                    .image
                    .as_ref()
                    .unwrap()
                    .fast
                    .is_some_and(|f| f.inside(0)) as usize;
                group.push(q);
            }
            // The SoA backend's helper: four lanes of one shape, offsets and kind (the same Lod
            // in every lane now and then), each lane as the general path.
            for four in group.chunks_exact(LANES) {
                let q0 = four[0];
                let same_lod = r.below(2) == 0;
                let mut io = [[0u32; LANES]; 5];
                let mut want = [[0u32; 4]; LANES];
                for (l, q) in four.iter().enumerate() {
                    let q = Query {
                        coord: q.coord,
                        lod: if same_lod { q0.lod } else { q.lod },
                        ..q0
                    };
                    for (row, c) in io.iter_mut().zip(q.coord) {
                        row[l] = c.to_bits();
                    }
                    io[4][l] = q.lod.to_bits();
                    want[l] = sample(&desc, &desc, &q, false);
                }
                let [ox, oy, oz] = q0.offset;
                // SAFETY: live descriptors and a 5-row buffer.
                unsafe {
                    sv_sample4(
                        std::ptr::null_mut(),
                        &desc,
                        &desc,
                        q0.shape,
                        io.as_mut_ptr().cast(),
                        ox,
                        oy,
                        oz,
                        q0.kind,
                    )
                };
                for (l, w) in want.iter().enumerate() {
                    for k in 0..4 {
                        let (a, b) = (io[k][l], w[k]);
                        let nan = |x: u32| f32::from_bits(x).is_nan();
                        assert!(
                            a == b || (q0.kind == 0 && nan(a) && nan(b)),
                            "case {case} lane {l} component {k}: {a:x} != {b:x}"
                        );
                    }
                }
            }
        }
        assert!(fast_taken > 100_000, "the fast path ran {fast_taken} times");
    }
}
