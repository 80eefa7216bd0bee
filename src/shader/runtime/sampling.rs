//! Sampled images and samplers (OpTypeImage Sampled 1, OpTypeSampler, OpTypeSampledImage):
//! what the binding table holds for SAMPLED_IMAGE, SAMPLER and COMBINED_IMAGE_SAMPLER
//! descriptors, and the helpers JIT'd code calls for OpImageFetch, OpImageSample*ExplicitLod
//! (Dref and Proj forms included: [`sv_sample_dref`]), OpImageGather / OpImageDrefGather
//! ([`sv_gather`]), OpImageQuerySizeLod and OpImageQueryLevels.
//!
//! A slot is a [`SlotDesc`] tagged [`TAG_SAMPLED`] whose `ptr` points to a [`SampledSlot`] the
//! dispatch owns (`len` 0): the image part (every mip level and layer of the view) and/or the
//! sampler part. Helpers take the descriptor holding the image and the one holding the sampler
//! (the same slot for a combined image sampler); an empty or untagged slot reads zeros.
//!
//! The algorithm is the Vulkan spec's "Texel Filtering" chapter step by step, in f32:
//! - "Level-of-Detail Operation": λ' = λ_base + clamp(mipLodBias, ±maxSamplerLodBias),
//!   λ = clamp(λ', minLod, maxLod); λ ≤ 0 selects magFilter, else minFilter; d' = clamp(λ, 0,
//!   q) over the view's levels; mipmapMode NEAREST takes level `ceil(d' + 0.5) - 1` (the base
//!   level when λ ≤ 0), LINEAR blends levels floor(d') and floor(d') + 1 by frac(d').
//! - "Cube Map Face Selection and Transformations": the major axis picks the face (the spec's
//!   table), s = (sc / |rc| + 1) / 2, t = (tc / |rc| + 1) / 2.
//! - "Unnormalized Texel Coordinate Operations": u = s * width (unless unnormalized), array
//!   layer = clamp(RNE(a), 0, layers - 1) (cube arrays: cube index, times 6, plus the face).
//! - "Integer Texel Coordinate Operations" / "Texel Coordinate Offset": NEAREST i = floor(u);
//!   LINEAR i0 = floor(u - 0.5), α = frac(u - 0.5); ConstOffset is added to the integers.
//! - "Wrapping Operation": REPEAT, MIRRORED_REPEAT, CLAMP_TO_EDGE, CLAMP_TO_BORDER (texels
//!   outside take the border color, "Texel Replacement"). Cube maps ignore the address modes
//!   ("Cube Map Edge Handling"): a texel past an edge of the face is taken from the adjacent
//!   face, one past a corner is the average of the three texels meeting at the corner.
//! - Texels decode with the view's format (sRGB linearised before filtering), then the view's
//!   component swizzle applies; integer formats are never filtered (NEAREST). Block-compressed
//!   (BC1..BC7) views read the 4x4 block holding the texel and decode it with `format::bc`
//!   (recent blocks cached per thread); they have no fast-path decoder and no `JitLinear`
//!   record, so only this general path samples them.
//! - "Depth Compare Operation" (Dref, views of a depth aspect, samplers with compareEnable):
//!   each texel's depth (or the border's R) is compared with the reference (clamped to [0, 1]
//!   for UNORM depth) by compareOp, reference on the left; the 1.0 / 0.0 result is the texel
//!   [r, 0, 0, 1] that is swizzled and filtered like any other (cube corners average three
//!   compared texels). A Dref instruction with a sampler without compareEnable, or on a color
//!   view, reads the texel as it is (undefined behaviour in the spec).
//! - Min/max reduction (VkSamplerReductionModeCreateInfo MIN / MAX): LINEAR takes the
//!   component-wise min / max of the (swizzled) texels with non-zero weights instead of the
//!   weighted sum, and mipmap LINEAR of the two levels when both weigh (δ ≠ 0).
//! - Views whose every component is an 8-bit UNORM field filter LINEAR (weighted average, no
//!   comparison, not cubes) in fixed point ([`fixed_point`]): weights in 1/256 steps, exact
//!   integer sums of the texels' codes, one division; subTexelPrecisionBits is 8.
//! - "Texel Gathering": the four texels of the LINEAR footprint on the base level, in the order
//!   the compiled code passes (i0j1, i1j1, i1j0, i0j0, or ConstOffsets), each wrapped / replaced
//!   / compared / swizzled as above, one component of each.
//!
//! Speed without other bits: `fast` (sampling/fast.rs) does the same computation for 2D and 2D
//! array views of the common formats with per-view data made once per dispatch
//! ([`SampledImageSlot::new`]), and [`sv_sample4`] samples the four lanes of an SoA subgroup in
//! one call. Both are tested against the general path in-process.
//!
//! OpImageFetch: integer coordinates and a level relative to the view's base level; any
//! coordinate out of range gives (0, 0, 0, 0) ("Texel Coordinate Validation", robustImageAccess's
//! allowed replacement).

use super::{Ctx, SlotDesc, to_bits};
use crate::format::{self, Texel};
use ash::vk;

mod fast;

/// [`SlotDesc::tag`] of a sampled image / sampler slot.
pub(crate) const TAG_SAMPLED: u32 = 2;

/// At most this many mip levels per view (16384-texel images have 15).
pub const MAX_LEVELS: usize = 16;

/// One mip level: texel `(x, y, z, layer)` is at byte `offset + layer * layer_pitch + z *
/// depth_pitch + y * row_pitch + x * texel_stride` of the image's span.
#[derive(Clone, Copy, Debug, Default)]
pub struct Level {
    pub offset: u64,
    pub extent: [u32; 3],
    pub row_pitch: u64,
    pub depth_pitch: u64,
    pub layer_pitch: u64,
}

/// The image part of a sampled-image slot (every level and layer of the view).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SampledImageSlot {
    pub ptr: *mut u8,
    pub len: u64,
    pub format: vk::Format,
    pub swizzle: [vk::ComponentSwizzle; 4],
    pub layers: u32,
    pub levels: u32,
    pub level: [Level; MAX_LEVELS],
    pub texel_stride: u64,
    /// The fast path's per-view data (None: the general path only).
    fast: Option<fast::Fast>,
}

impl SampledImageSlot {
    /// The slot of a bound view, with its fast-path data.
    pub(crate) fn new(im: &crate::shader::SampledImage<'_>) -> Self {
        let mut s = SampledImageSlot {
            ptr: im.span.as_ptr(),
            len: im.span.len() as u64,
            format: im.format,
            swizzle: im.swizzle,
            layers: im.layers,
            levels: im.levels.min(MAX_LEVELS as u32),
            level: im.level,
            texel_stride: im.texel_stride,
            fast: None,
        };
        s.fast = fast::Fast::of(&s);
        s
    }
}

/// What a TAG_SAMPLED slot points to. `linear` comes first: JIT'd code reads it at offset 0
/// ([`fast::JitLinear`]).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct SampledSlot {
    pub linear: fast::JitLinear,
    pub image: Option<SampledImageSlot>,
    pub sampler: Option<crate::resource::SamplerDesc>,
}

impl SampledSlot {
    pub(crate) fn new(
        image: Option<SampledImageSlot>,
        sampler: Option<crate::resource::SamplerDesc>,
    ) -> SampledSlot {
        SampledSlot {
            linear: fast::JitLinear::of(image.as_ref(), sampler.as_ref()),
            image,
            sampler,
        }
    }
}

pub(crate) use fast::JitLinear;

/// maxSamplerLodBias (physical_device limits).
const MAX_LOD_BIAS: f32 = 2.0;

/// Shape codes: SPIR-V Dim (0 1D, 1 2D, 2 3D, 3 Cube) plus [`super::SHAPE_ARRAYED`].
const ARRAYED: u32 = super::SHAPE_ARRAYED;

fn slot_of(d: &SlotDesc) -> Option<&SampledSlot> {
    if d.tag != TAG_SAMPLED || d.ptr.is_null() {
        return None;
    }
    // SAFETY: slots tagged TAG_SAMPLED are made only by the dispatch, pointing to a SampledSlot
    // it owns for the whole dispatch.
    Some(unsafe { &*(d.ptr as *const SampledSlot) })
}

fn image_of(d: &SlotDesc) -> Option<(&SampledImageSlot, &'static format::FormatInfo)> {
    let s = slot_of(d)?.image.as_ref()?;
    // Block-compressed views (BC1..BC7) decode their texels' blocks (`texel_raw`).
    let info = format::info(s.format).or_else(|| format::bc::texel_info(s.format))?;
    if info.bytes == 0 || info.bytes > 32 || s.ptr.is_null() || s.levels == 0 {
        return None;
    }
    Some((s, info))
}

/// The texel at integer coordinates of `level`, decoded and swizzled; None when outside.
fn texel(
    s: &SampledImageSlot,
    info: &format::FormatInfo,
    level: u32,
    c: [i32; 4],
) -> Option<Texel> {
    texel_raw(s, info, level, c).map(|t| swizzle(t, s.swizzle))
}

/// The texel at integer coordinates of `level`, decoded (not swizzled); None when outside.
fn texel_raw(
    s: &SampledImageSlot,
    info: &format::FormatInfo,
    level: u32,
    c: [i32; 4],
) -> Option<Texel> {
    if level >= s.levels || c.iter().any(|&v| v < 0) {
        return None;
    }
    let l = s.level.get(level as usize)?;
    let [x, y, z, layer] = c.map(|v| v as u64);
    if x >= l.extent[0] as u64
        || y >= l.extent[1] as u64
        || z >= l.extent[2] as u64
        || layer >= s.layers as u64
    {
        return None;
    }
    // A block-compressed level stores rows of blocks: (x, y) is texel (x % w, y % h) of block
    // (x / w, y / h) ("S3TC/BPTC ... the block containing the texel at (x, y)").
    let [bw, bh] = info.block.map(|v| v.max(1) as u64);
    let (x, y, inner) = (x / bw, y / bh, ((x % bw) as u32, (y % bh) as u32));
    let off = l
        .offset
        .checked_add(layer.checked_mul(l.layer_pitch)?)?
        .checked_add(z.checked_mul(l.depth_pitch)?)?
        .checked_add(y.checked_mul(l.row_pitch)?)?
        .checked_add(x.checked_mul(s.texel_stride)?)?;
    let size = info.bytes as usize;
    if off.checked_add(size as u64)? > s.len {
        return None;
    }
    let mut bytes = [0u8; 32];
    let b = bytes.get_mut(..size)?;
    // SAFETY: off + size <= len: inside the image's span; a raw copy tolerates concurrent
    // writers.
    unsafe { std::ptr::copy(s.ptr.add(off as usize), b.as_mut_ptr(), size) };
    if info.block != [1, 1] {
        let (ix, iy) = inner;
        return Some(Texel::Float(format::bc::decode_texel(
            info.format,
            b,
            ix,
            iy,
        )));
    }
    Some(format::decode(info.format, b))
}

/// The view's component mapping ("Image View Component Swizzle"): ZERO / ONE are 0 and 1 (or
/// 1.0), IDENTITY keeps the component.
fn swizzle(t: Texel, sw: [vk::ComponentSwizzle; 4]) -> Texel {
    fn pick<T: Copy>(v: [T; 4], sw: [vk::ComponentSwizzle; 4], zero: T, one: T) -> [T; 4] {
        let mut out = v;
        for (k, s) in sw.iter().enumerate() {
            out[k] = match *s {
                vk::ComponentSwizzle::ZERO => zero,
                vk::ComponentSwizzle::ONE => one,
                vk::ComponentSwizzle::R => v[0],
                vk::ComponentSwizzle::G => v[1],
                vk::ComponentSwizzle::B => v[2],
                vk::ComponentSwizzle::A => v[3],
                _ => v[k],
            };
        }
        out
    }
    match t {
        Texel::Float(v) => Texel::Float(pick(v, sw, 0.0, 1.0)),
        Texel::Uint(v) => Texel::Uint(pick(v, sw, 0, 1)),
        Texel::Sint(v) => Texel::Sint(pick(v, sw, 0, 1)),
    }
}

/// OpImageFetch of a sampled image: texel `(x, y, z, layer)` of level `lod` (relative to the
/// view's base level) into `ctx.scratch`, zeros when out of range.
///
/// # Safety
/// `ctx` and `desc` point to live values; a sampled slot's memory is mapped for the dispatch.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe extern "C" fn sv_fetch(
    ctx: *mut Ctx,
    desc: *const SlotDesc,
    x: i32,
    y: i32,
    z: i32,
    layer: i32,
    lod: i32,
    kind: u32,
) {
    // SAFETY: the caller passes its live context and a descriptor from the table.
    let (ctx, d) = unsafe { (&mut *ctx, &*desc) };
    ctx.scratch = [0; 4];
    let Some((s, info)) = image_of(d) else { return };
    let t = (lod >= 0)
        .then(|| texel(s, info, lod as u32, [x, y, z, layer]))
        .flatten()
        .unwrap_or_else(|| {
            // Out of range (robustImageAccess2): a zero texel through the format's conversion
            // to RGBA (missing G, B = 0, A = 1) and the view's swizzle.
            let zero = [0u8; 32];
            let t = if info.block != [1, 1] {
                Texel::Float(format::bc::zero_texel(info.format))
            } else {
                format::decode(info.format, &zero[..(info.bytes as usize).min(32)])
            };
            swizzle(t, s.swizzle)
        });
    ctx.scratch = to_bits(t, kind);
}

/// The border color of a standard VkBorderColor, as a texel of `kind` ("Texel Replacement").
fn border(color: vk::BorderColor, kind: u32) -> Texel {
    let (f, i) = match color {
        vk::BorderColor::FLOAT_OPAQUE_BLACK | vk::BorderColor::INT_OPAQUE_BLACK => {
            ([0.0, 0.0, 0.0, 1.0], [0, 0, 0, 1])
        }
        vk::BorderColor::FLOAT_OPAQUE_WHITE | vk::BorderColor::INT_OPAQUE_WHITE => {
            ([1.0; 4], [1; 4])
        }
        _ => ([0.0; 4], [0; 4]),
    };
    match kind {
        0 => Texel::Float(f),
        1 => Texel::Sint(i),
        _ => Texel::Uint(i.map(|v| v as u32)),
    }
}

/// "Wrapping Operation" of integer coordinate `i` over `size` texels; None for a border texel.
#[inline(never)]
fn wrap(i: i64, size: i64, mode: vk::SamplerAddressMode) -> Option<i64> {
    // Every mode maps a coordinate inside the level to itself.
    if (0..size).contains(&i) {
        return Some(i);
    }
    let mirror = |a: i64| if a >= 0 { a } else { -(1 + a) };
    match mode {
        vk::SamplerAddressMode::REPEAT => Some(i.rem_euclid(size)),
        vk::SamplerAddressMode::MIRRORED_REPEAT => {
            Some((size - 1) - mirror(i.rem_euclid(2 * size) - size))
        }
        vk::SamplerAddressMode::CLAMP_TO_BORDER => (0..size).contains(&i).then_some(i),
        vk::SamplerAddressMode::MIRROR_CLAMP_TO_EDGE => Some(mirror(i).clamp(0, size - 1)),
        _ => Some(i.clamp(0, size - 1)),
    }
}

fn as_f32(t: Texel) -> [f32; 4] {
    match t {
        Texel::Float(v) => v,
        Texel::Uint(v) => v.map(|x| x as f32),
        Texel::Sint(v) => v.map(|x| x as f32),
    }
}

/// Where one level is sampled.
struct At {
    /// Normalized (or unnormalized) coordinates per axis.
    coord: [f32; 3],
    /// Number of coordinate axes (1, 2 or 3).
    axes: usize,
    layer: i32,
    offset: [i32; 3],
    modes: [vk::SamplerAddressMode; 3],
    unnormalized: bool,
    /// Cube maps: the face sampled and the layer of the cube's face 0.
    cube: Option<(i32, i32)>,
    /// OpImage*Dref*: the depth comparison applied to each texel before filtering.
    cmp: Option<Compare>,
    /// How LINEAR combines texels (and mipmap LINEAR levels): weighted average, or the
    /// component-wise min / max of those with non-zero weights.
    reduction: vk::SamplerReductionMode,
}

/// Component-wise min or max of `a` and `b` (`MIN` / `MAX` reduction).
fn reduce(mode: vk::SamplerReductionMode, a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
    std::array::from_fn(|k| {
        if mode == vk::SamplerReductionMode::MIN {
            a[k].min(b[k])
        } else {
            a[k].max(b[k])
        }
    })
}

/// "Depth Compare Operation": the sampler's compareOp with the instruction's reference value
/// (already clamped to [0, 1] for UNORM formats), as reference `op` texel.
#[derive(Clone, Copy, Debug)]
struct Compare {
    op: vk::CompareOp,
    dref: f32,
}

impl Compare {
    /// 1.0 if `dref op d` holds, else 0.0 (the reference is the left operand: LESS passes
    /// when Dref < Dtex).
    fn apply(self, d: f32) -> f32 {
        use vk::CompareOp as C;
        let r = self.dref;
        let pass = match self.op {
            C::NEVER => false,
            C::LESS => r < d,
            C::EQUAL => r == d,
            C::LESS_OR_EQUAL => r <= d,
            C::GREATER => r > d,
            C::NOT_EQUAL => r != d,
            C::GREATER_OR_EQUAL => r >= d,
            _ => true,
        };
        if pass { 1.0 } else { 0.0 }
    }
}

/// The direction through the center of texel (i, j) of `face` (size `n`), inverting the table
/// of "Cube Map Face Selection".
fn cube_dir(face: i32, i: i64, j: i64, n: i64) -> [f32; 3] {
    let sc = 2.0 * (i as f32 + 0.5) / n as f32 - 1.0;
    let tc = 2.0 * (j as f32 + 0.5) / n as f32 - 1.0;
    match face {
        0 => [1.0, -tc, -sc],
        1 => [-1.0, -tc, sc],
        2 => [sc, 1.0, tc],
        3 => [sc, -1.0, -tc],
        4 => [sc, -tc, 1.0],
        _ => [-sc, -tc, -1.0],
    }
}

/// "Cube Map Edge Handling": texel (i, j) of `face` just outside the face is the texel of the
/// adjacent face at the same place: (face, x, y) inside.
fn cube_edge(face: i32, i: i64, j: i64, n: i64) -> (i32, i64, i64) {
    let [x, y, z] = cube_dir(face, i, j, n);
    let (f, s, t) = cube_face(x, y, z);
    let to = |v: f32| sat((v * n as f32).floor()).clamp(0, n - 1);
    (f, to(s), to(t))
}

/// One axis of a level of `extent` texels: (i0, i1, alpha) ("Unnormalized Texel Coordinate
/// Operations", "Integer Texel Coordinate Operations", "Texel Coordinate Offset"); NEAREST
/// gives (i, i, 0).
#[inline]
fn axis(coord: f32, extent: u32, unnormalized: bool, offset: i32, linear: bool) -> (i64, i64, f32) {
    let size = extent.max(1) as f32;
    let u = if unnormalized { coord } else { coord * size };
    let off = offset as i64;
    if linear {
        let u = u - 0.5;
        let f = fast::floor(u);
        let i0 = sat(f) + off;
        (i0, i0 + 1, u - f)
    } else {
        let i = sat(fast::floor(u)) + off;
        (i, i, 0.0)
    }
}

/// Views whose LINEAR filter runs in fixed point: every component the format has is an 8-bit
/// UNORM field (not sRGB: those filter linearised values), so every texel (swizzled, and the
/// border colors) is `code / 255` for a code in 0..=255.
pub(crate) fn fixed_point(info: &format::FormatInfo) -> bool {
    info.numeric == format::Numeric::Unorm
        && info.domain == format::Domain::Float
        && info.block == [1, 1]
        && info.components > 0
        && info.aspects == vk::ImageAspectFlags::COLOR
        && info.bits[..info.components as usize]
            .iter()
            .all(|&b| b == 8)
}

/// The fixed-point LINEAR filter of 8-bit UNORM views ("Texel Filtering": weights carry
/// subTexelPrecisionBits): each axis's weight `alpha` becomes `q = trunc(alpha * 256)`
/// ([`weight8`]; 0..=256), a corner weighs the product of `q` or `256 - q` over the axes, and
/// a component is the exact integer sum of code x weight divided by `255 * 256^axes` in f32
/// ([`fixed_value`]: one rounding). Integer sums are the same in any order, so the general
/// path, the fast path and JIT'd code (lower/sampling.rs) agree bit for bit, and the filter
/// costs integer multiply-adds instead of a division per texel.
#[inline(always)]
pub(crate) fn weight8(alpha: f32) -> i32 {
    // alpha is in [0, 1] (u - floor(u)), NaN for non-finite coordinates: 0.
    (alpha * 256.0) as i32
}

/// The code of a texel component of a fixed-point view (`code / 255`, or a border or swizzle
/// constant 0 or 1).
#[inline(always)]
pub(crate) fn code8(v: f32) -> u32 {
    (v * 255.0 + 0.5) as u32
}

/// A filtered component of a fixed-point view: the sum of code x weight over the corners of
/// `axes` axes, as a float.
#[inline(always)]
pub(crate) fn fixed_value(sum: u64, axes: usize) -> f32 {
    sum as f32 / (255u64 << (8 * axes)) as f32
}

/// One level, filtered with `linear` (or NEAREST): a texel or a weighted sum.
fn sample_level(
    s: &SampledImageSlot,
    info: &format::FormatInfo,
    level: u32,
    at: &At,
    linear: bool,
    border_color: Texel,
) -> Texel {
    let Some(l) = s.level.get(level as usize) else {
        return border_color;
    };
    let mut ax = [(0i64, 0i64, 0.0f32); 3];
    for (k, a) in ax.iter_mut().enumerate().take(at.axes) {
        *a = axis(
            at.coord[k],
            l.extent[k],
            at.unnormalized,
            at.offset[k],
            linear,
        );
    }
    let fetch = |c: [i64; 3]| fetch_texel(s, info, level, l, at, c, border_color);
    if !linear {
        return fetch([ax[0].0, ax[1].0, ax[2].0]);
    }
    let corners = 1usize << at.axes;
    if at.reduction == vk::SamplerReductionMode::WEIGHTED_AVERAGE
        && at.cmp.is_none()
        && at.cube.is_none()
        && fixed_point(info)
    {
        let q: [i32; 3] = std::array::from_fn(|k| weight8(ax[k].2));
        let mut sum = [0u64; 4];
        for c in 0..corners {
            let mut coord = [0i64; 3];
            let mut weight = 1u64;
            for (k, (i0, i1, _)) in ax.iter().enumerate().take(at.axes) {
                let (i, w) = if c >> k & 1 == 1 {
                    (*i1, q[k])
                } else {
                    (*i0, 256 - q[k])
                };
                coord[k] = i;
                weight *= w as u64;
            }
            let t = as_f32(fetch(coord));
            for (acc, v) in sum.iter_mut().zip(t) {
                *acc += code8(v) as u64 * weight;
            }
        }
        return Texel::Float(sum.map(|x| fixed_value(x, at.axes)));
    }
    let mut sum = [0.0f32; 4];
    let mut picked = None;
    for c in 0..corners {
        let mut coord = [0i64; 3];
        let mut weight = 1.0f32;
        for (k, (i0, i1, alpha)) in ax.iter().enumerate().take(at.axes) {
            if c >> k & 1 == 1 {
                coord[k] = *i1;
                weight *= alpha;
            } else {
                coord[k] = *i0;
                weight *= 1.0 - alpha;
            }
        }
        let t = as_f32(fetch(coord));
        if at.reduction != vk::SamplerReductionMode::WEIGHTED_AVERAGE {
            // "Texel Linear Filtering": the min / max of the texels with non-zero weights.
            if weight != 0.0 {
                picked = Some(match picked {
                    Some(p) => reduce(at.reduction, p, t),
                    None => t,
                });
            }
            continue;
        }
        for (acc, v) in sum.iter_mut().zip(t) {
            *acc += weight * v;
        }
    }
    Texel::Float(picked.unwrap_or(sum))
}

/// The texel at integer coordinates `c` (before wrapping) of `level` (`l`), as filtering
/// sees it: wrapped ("Wrapping Operation"), replaced by the border color outside the level
/// ("Texel Replacement"), compared ("Depth Compare Operation", Dref only), swizzled. Cube maps
/// take texels past an edge from the adjacent face and, past a corner, average the three
/// texels meeting there.
fn fetch_texel(
    s: &SampledImageSlot,
    info: &format::FormatInfo,
    level: u32,
    l: &Level,
    at: &At,
    c: [i64; 3],
    border_color: Texel,
) -> Texel {
    // One texel at wrapped coordinates (None: a border texel), then the steps after
    // replacement. Without a comparison the border color is not swizzled (as before Dref
    // existed); with one, the border's R is the depth compared, then swizzled like a texel.
    let finish = |t: Option<Texel>| -> Texel {
        match (at.cmp, t) {
            (None, Some(t)) => swizzle(t, s.swizzle),
            (None, None) => border_color,
            (Some(cmp), t) => {
                let d = as_f32(t.unwrap_or(border_color))[0];
                swizzle(Texel::Float([cmp.apply(d), 0.0, 0.0, 1.0]), s.swizzle)
            }
        }
    };
    if let Some((face, base)) = at.cube {
        let n = l.extent[0].max(1) as i64;
        let out = |v: i64| !(0..n).contains(&v);
        let get = |(f, x, y): (i32, i64, i64)| {
            finish(texel_raw(s, info, level, [x as i32, y as i32, 0, base + f]))
        };
        return match (out(c[0]), out(c[1])) {
            (false, false) => get((face, c[0], c[1])),
            (true, false) | (false, true) => get(cube_edge(face, c[0], c[1], n)),
            (true, true) => {
                let (ci, cj) = (c[0].clamp(0, n - 1), c[1].clamp(0, n - 1));
                let three = [
                    get((face, ci, cj)),
                    get(cube_edge(face, c[0], cj, n)),
                    get(cube_edge(face, ci, c[1], n)),
                ];
                let mut sum = [0.0f32; 4];
                for t in three {
                    for (acc, v) in sum.iter_mut().zip(as_f32(t)) {
                        *acc += v / 3.0;
                    }
                }
                Texel::Float(sum)
            }
        };
    }
    let mut w = [0i32; 3];
    for k in 0..at.axes {
        let size = l.extent[k].max(1) as i64;
        match wrap(c[k], size, at.modes[k]) {
            Some(v) => w[k] = v as i32,
            None => return finish(None),
        }
    }
    finish(texel_raw(s, info, level, [w[0], w[1], w[2], at.layer]))
}

/// f32 to i64, saturating (NaN gives 0).
#[inline]
fn sat(f: f32) -> i64 {
    if f.is_nan() {
        0
    } else {
        f.clamp(-1.0e12, 1.0e12) as i64
    }
}

/// "Cube Map Face Selection": (face, s, t) from the direction (rx, ry, rz).
fn cube_face(rx: f32, ry: f32, rz: f32) -> (i32, f32, f32) {
    let (ax, ay, az) = (rx.abs(), ry.abs(), rz.abs());
    // Ties: z over y over x (as the spec's table lists the larger index last).
    let (face, sc, tc, ma) = if az >= ax && az >= ay {
        if rz >= 0.0 {
            (4, rx, -ry, az)
        } else {
            (5, -rx, -ry, az)
        }
    } else if ay >= ax {
        if ry >= 0.0 {
            (2, rx, rz, ay)
        } else {
            (3, rx, -rz, ay)
        }
    } else if rx >= 0.0 {
        (0, -rz, -ry, ax)
    } else {
        (1, rz, -ry, ax)
    };
    if ma == 0.0 || ma.is_nan() {
        return (face, 0.5, 0.5);
    }
    (face, 0.5 * (sc / ma + 1.0), 0.5 * (tc / ma + 1.0))
}

/// One OpImageSampleExplicitLod: coordinates `(a, b, c, d)` (the shader's coordinate
/// components in order; see [`sv_sample`] callers in lower/sampling.rs), level of detail `lod`,
/// texel offsets, shape code and texel kind.
#[derive(Clone, Copy, Debug)]
struct Query {
    shape: u32,
    coord: [f32; 4],
    lod: f32,
    offset: [i32; 3],
    kind: u32,
    /// OpImageSample*Dref*: the comparison (None: a plain sample).
    cmp: Option<Compare>,
}

/// OpImageSampleExplicitLod: the filtered value at coordinates `(a, b, c, d)` (the shader's
/// coordinate components in order; see [`sv_sample`] callers in lower/sampling.rs) and level of
/// detail `lod`, with texel offsets `(ox, oy, oz)`, into `ctx.scratch` (zeros when a slot is
/// empty).
///
/// # Safety
/// As [`sv_fetch`]; `smp` also points to a live descriptor.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe extern "C" fn sv_sample(
    ctx: *mut Ctx,
    desc: *const SlotDesc,
    smp: *const SlotDesc,
    shape: u32,
    a: f32,
    b: f32,
    c: f32,
    d: f32,
    lod: f32,
    ox: i32,
    oy: i32,
    oz: i32,
    kind: u32,
) {
    // SAFETY: the caller passes its live context and descriptors from the table.
    let (ctx, dimg, dsmp) = unsafe { (&mut *ctx, &*desc, &*smp) };
    let q = Query {
        shape,
        coord: [a, b, c, d],
        lod,
        offset: [ox, oy, oz],
        kind,
        cmp: None,
    };
    ctx.scratch = sample(dimg, dsmp, &q, true);
}

/// The comparison of an OpImage*Dref* instruction on a view with format `info` ("Depth
/// Compare Operation"): only views of a depth aspect compare, with the sampler's compareOp; the
/// reference is clamped to [0, 1] for UNORM depth. None (the texel's value is used as it is)
/// for other views and for samplers without compareEnable (both undefined behaviour:
/// VUID-vkCmdDispatch-None-06479 and the sampler's compareEnable description).
fn compare_of(
    info: &format::FormatInfo,
    sampler: &crate::resource::SamplerDesc,
    dref: f32,
) -> Option<Compare> {
    let op = sampler.compare?;
    if !info.aspects.contains(vk::ImageAspectFlags::DEPTH) {
        return None;
    }
    let dref = if info.numeric == format::Numeric::Unorm {
        dref.clamp(0.0, 1.0)
    } else {
        dref
    };
    Some(Compare { op, dref })
}

/// OpImageSampleDrefExplicitLod (and the Proj form, divided by q by the caller): as
/// [`sv_sample`], with each texel replaced by its comparison with `dref` before filtering; the
/// filtered result in `ctx.scratch[0]` (a float).
///
/// # Safety
/// As [`sv_sample`].
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe extern "C" fn sv_sample_dref(
    ctx: *mut Ctx,
    desc: *const SlotDesc,
    smp: *const SlotDesc,
    shape: u32,
    a: f32,
    b: f32,
    c: f32,
    d: f32,
    lod: f32,
    ox: i32,
    oy: i32,
    oz: i32,
    dref: f32,
) {
    // SAFETY: the caller passes its live context and descriptors from the table.
    let (ctx, dimg, dsmp) = unsafe { (&mut *ctx, &*desc, &*smp) };
    ctx.scratch = match resolve(dimg, dsmp) {
        Some((s, info, sampler)) => {
            let q = Query {
                shape,
                coord: [a, b, c, d],
                lod,
                offset: [ox, oy, oz],
                kind: 0,
                cmp: compare_of(info, sampler, dref),
            };
            let sel = select_levels(s, sampler, lod);
            sample_in(s, info, sampler, &q, sel, false)
        }
        None => [0; 4],
    };
}

/// OpImageGather / OpImageDrefGather ("Texel Gathering"): four texels of the view's base level
/// chosen by the LINEAR rules, texel `k` at `(i0 + dx[k], j0 + dy[k])` (the caller passes the
/// spec's order i0j1, i1j1, i1j0, i0j0 with any offset added, or ConstOffsets), each wrapped,
/// replaced, compared (`is_dref`, component 0) and swizzled like a filtered texel; component
/// `comp` of each into `ctx.scratch[k]`. 2D, 2D array, cube and cube array shapes.
///
/// # Safety
/// As [`sv_sample`].
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe extern "C" fn sv_gather(
    ctx: *mut Ctx,
    desc: *const SlotDesc,
    smp: *const SlotDesc,
    shape: u32,
    a: f32,
    b: f32,
    c: f32,
    d: f32,
    comp: u32,
    dref: f32,
    is_dref: u32,
    kind: u32,
    dx0: i32,
    dy0: i32,
    dx1: i32,
    dy1: i32,
    dx2: i32,
    dy2: i32,
    dx3: i32,
    dy3: i32,
) {
    // SAFETY: the caller passes its live context and descriptors from the table.
    let (ctx, dimg, dsmp) = unsafe { (&mut *ctx, &*desc, &*smp) };
    ctx.scratch = [0; 4];
    let Some((s, info, sampler)) = resolve(dimg, dsmp) else {
        return;
    };
    let q = Query {
        shape,
        coord: [a, b, c, d],
        lod: 0.0,
        offset: [0; 3],
        kind,
        cmp: if is_dref != 0 {
            compare_of(info, sampler, dref)
        } else {
            None
        },
    };
    let at = place(s, sampler, &q);
    let l = &s.level[0];
    let border_color = border(sampler.border_color, kind);
    let i0 = axis(at.coord[0], l.extent[0], at.unnormalized, 0, true).0;
    let j0 = axis(at.coord[1], l.extent[1], at.unnormalized, 0, true).0;
    let comp = comp.min(3) as usize;
    let offsets = [(dx0, dy0), (dx1, dy1), (dx2, dy2), (dx3, dy3)];
    for (out, (dx, dy)) in ctx.scratch.iter_mut().zip(offsets) {
        let c = [
            i0.saturating_add(dx as i64),
            j0.saturating_add(dy as i64),
            0,
        ];
        let t = fetch_texel(s, info, 0, l, &at, c, border_color);
        *out = to_bits(t, kind)[comp];
    }
}

/// The result bits of `q` (zeros when a slot is empty); `allow_fast` false forces the general
/// path (the fast path's tests compare the two).
fn sample(dimg: &SlotDesc, dsmp: &SlotDesc, q: &Query, allow_fast: bool) -> [u32; 4] {
    match resolve(dimg, dsmp) {
        Some((s, info, sampler)) => {
            let sel = select_levels(s, sampler, q.lod);
            sample_in(s, info, sampler, q, sel, allow_fast)
        }
        None => [0; 4],
    }
}

/// The image and sampler parts of two slots (None when either is empty).
fn resolve<'a>(
    dimg: &'a SlotDesc,
    dsmp: &'a SlotDesc,
) -> Option<(
    &'a SampledImageSlot,
    &'static format::FormatInfo,
    &'a crate::resource::SamplerDesc,
)> {
    let (s, info) = image_of(dimg)?;
    let sampler = slot_of(dsmp)?.sampler.as_ref()?;
    Some((s, info, sampler))
}

/// The array layer of coordinate `x` over `count` layers: RNE, clamped to [0, count - 1]
/// ("Unnormalized Texel Coordinate Operations").
#[inline]
fn layer_of(x: f32, count: u32) -> i32 {
    sat(x.round_ties_even()).clamp(0, count.max(1) as i64 - 1) as i32
}

/// The levels one sample reads: (first level, second level, weight of the second, whether
/// the filter is LINEAR), from the "Level-of-Detail Operation".
type Levels = (u32, u32, f32, bool);

/// "Level-of-Detail Operation": the levels sampled at level of detail `lod`.
#[inline]
fn select_levels(s: &SampledImageSlot, sampler: &crate::resource::SamplerDesc, lod: f32) -> Levels {
    if sampler.unnormalized_coordinates {
        (0, 0, 0.0, sampler.mag_filter == vk::Filter::LINEAR)
    } else {
        let bias = sampler.mip_lod_bias.clamp(-MAX_LOD_BIAS, MAX_LOD_BIAS);
        let lambda = (lod + bias).max(sampler.min_lod).min(sampler.max_lod);
        let lambda = if lambda.is_nan() { 0.0 } else { lambda };
        let filter = if lambda <= 0.0 {
            sampler.mag_filter
        } else {
            sampler.min_filter
        };
        let q = (s.levels - 1) as f32;
        let dp = lambda.clamp(0.0, q);
        let (lo, hi, delta) = if lambda <= 0.0 {
            (0, 0, 0.0)
        } else if sampler.mipmap_mode == vk::SamplerMipmapMode::NEAREST {
            let n = ((dp + 0.5).ceil() - 1.0).max(0.0) as u32;
            (n, n, 0.0)
        } else {
            let hi = dp.floor();
            let lo = (hi as u32 + 1).min(s.levels - 1);
            (hi as u32, lo, dp - hi)
        };
        (lo, hi, delta, filter == vk::Filter::LINEAR)
    }
}

/// Where query `q` samples: the axes, array layer (or cube face and cube) and the sampler's
/// addressing ("Cube Map Face Selection", "Unnormalized Texel Coordinate Operations").
fn place(s: &SampledImageSlot, sampler: &crate::resource::SamplerDesc, q: &Query) -> At {
    let [a, b, c, d] = q.coord;
    let shape = q.shape;
    let dim = shape & 3;
    let arrayed = shape & ARRAYED != 0;
    let mut at = At {
        coord: [a, b, c],
        axes: 1,
        layer: 0,
        offset: q.offset,
        modes: sampler.address_mode,
        unnormalized: sampler.unnormalized_coordinates,
        cube: None,
        cmp: q.cmp,
        reduction: sampler.reduction,
    };
    match dim {
        0 => {
            at.axes = 1;
            if arrayed {
                at.layer = layer_of(b, s.layers);
            }
        }
        1 => {
            at.axes = 2;
            if arrayed {
                at.layer = layer_of(c, s.layers);
            }
        }
        2 => at.axes = 3,
        _ => {
            let (face, fs, ft) = cube_face(a, b, c);
            at.coord = [fs, ft, 0.0];
            at.axes = 2;
            at.offset = [0; 3];
            at.modes = [vk::SamplerAddressMode::CLAMP_TO_EDGE; 3];
            let cube = if arrayed {
                layer_of(d, s.layers / 6)
            } else {
                0
            };
            at.layer = cube * 6 + face;
            at.cube = Some((face, cube * 6));
        }
    }
    at
}

/// [`sample`] once the slots are resolved and the levels selected (`sel`, for `q.lod`).
#[inline]
fn sample_in(
    s: &SampledImageSlot,
    info: &format::FormatInfo,
    sampler: &crate::resource::SamplerDesc,
    q: &Query,
    sel: Levels,
    allow_fast: bool,
) -> [u32; 4] {
    let kind = q.kind;
    let border_color = border(sampler.border_color, kind);
    let at = place(s, sampler, q);
    let (level_lo, level_hi, delta, linear) = sel;
    // Integer formats are never filtered (FILTER_LINEAR is not reported for them).
    let linear = linear && info.domain == format::Domain::Float;
    // The fast path: 2D and 2D array images whose format it decodes, levels inside the span.
    let fast = s.fast.as_ref().filter(|f| {
        allow_fast
            && at.axes == 2
            && at.cube.is_none()
            && at.cmp.is_none()
            && at.reduction == vk::SamplerReductionMode::WEIGHTED_AVERAGE
            && f.inside(level_lo)
            && f.inside(level_hi)
    });
    let level = |m: u32| match fast {
        Some(f) => fast::sample_level_2d(s, f, m, &at, linear, border_color),
        None => sample_level(s, info, m, &at, linear, border_color),
    };
    let t0 = level(level_lo);
    let t = if level_hi != level_lo && delta != 0.0 {
        let t1 = as_f32(level(level_hi));
        let t0 = as_f32(t0);
        if at.reduction != vk::SamplerReductionMode::WEIGHTED_AVERAGE {
            // "Texel Mipmap Filtering": both levels have non-zero weights here.
            Texel::Float(reduce(at.reduction, t0, t1))
        } else {
            Texel::Float(std::array::from_fn(|k| {
                (1.0 - delta) * t0[k] + delta * t1[k]
            }))
        }
    } else {
        t0
    };
    to_bits(t, kind)
}

/// Invocations per call of [`sv_sample4`] (the SoA backend's subgroup).
const LANES: usize = 4;

/// OpImageSampleExplicitLod for the [`LANES`] invocations of an SoA subgroup (one descriptor
/// pair, offsets and shape for all): `io` holds five rows of one 32-bit word per lane, the
/// coordinates `a`, `b`, `c`, `d` and the Lod (floats), and receives the result, one row per
/// component. Each lane gets exactly what [`sv_sample`] gives it.
///
/// # Safety
/// As [`sv_sample`]; `io` points to 5 * LANES writable, aligned words.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe extern "C" fn sv_sample4(
    _ctx: *mut Ctx,
    desc: *const SlotDesc,
    smp: *const SlotDesc,
    shape: u32,
    io: *mut u32,
    ox: i32,
    oy: i32,
    oz: i32,
    kind: u32,
) {
    // SAFETY: the caller passes descriptors from the table and its stack slot of 5 rows.
    let (dimg, dsmp, io) = unsafe { (&*desc, &*smp, &mut *(io as *mut [[u32; LANES]; 5])) };
    #[cfg(test)]
    probe::count_call(dimg);
    let out: [[u32; 4]; LANES] = match resolve(dimg, dsmp) {
        Some((s, info, sampler)) => {
            // The same Lod for every lane (the common case): its levels once.
            let same = io[4].iter().all(|&x| x == io[4][0]);
            let sel0 = select_levels(s, sampler, f32::from_bits(io[4][0]));
            let rows = [0, 1, 2].map(|k| io[k].map(f32::from_bits));
            let offset = [ox, oy, oz];
            let lanes = s
                .fast
                .as_ref()
                .filter(|_| same && sampler.reduction == vk::SamplerReductionMode::WEIGHTED_AVERAGE)
                .and_then(|f| fast::sample4_2d(s, f, sampler, sel0, shape, rows, offset, kind));
            lanes.unwrap_or_else(|| {
                std::array::from_fn(|l| {
                    let q = Query {
                        shape,
                        coord: [
                            f32::from_bits(io[0][l]),
                            f32::from_bits(io[1][l]),
                            f32::from_bits(io[2][l]),
                            f32::from_bits(io[3][l]),
                        ],
                        lod: f32::from_bits(io[4][l]),
                        offset: [ox, oy, oz],
                        kind,
                        cmp: None,
                    };
                    let sel = if same {
                        sel0
                    } else {
                        select_levels(s, sampler, q.lod)
                    };
                    sample_in(s, info, sampler, &q, sel, true)
                })
            })
        }
        None => [[0; 4]; LANES],
    };
    for (k, row) in io.iter_mut().enumerate().take(4) {
        for (l, w) in row.iter_mut().enumerate() {
            *w = out[l][k];
        }
    }
}

/// λ_base from explicit gradients ("Scale Factor Operation"): ρ = max over x and y of the
/// length of (du, dv, dw) scaled by the base level's size; log2(ρ).
///
/// # Safety
/// `desc` points to a live descriptor.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe extern "C" fn sv_grad_lod(
    desc: *const SlotDesc,
    smp: *const SlotDesc,
    axes: u32,
    dx0: f32,
    dx1: f32,
    dx2: f32,
    dy0: f32,
    dy1: f32,
    dy2: f32,
) -> f32 {
    // SAFETY: descriptors from the table.
    let (d, ds) = unsafe { (&*desc, &*smp) };
    let Some((s, _)) = image_of(d) else {
        return 0.0;
    };
    let unnorm = slot_of(ds)
        .and_then(|x| x.sampler)
        .is_some_and(|x| x.unnormalized_coordinates);
    let e = s.level[0].extent;
    let scale = |k: usize| {
        if k >= axes as usize {
            0.0
        } else if unnorm {
            1.0
        } else {
            e[k] as f32
        }
    };
    let len = |v: [f32; 3]| {
        (0..3)
            .map(|k| (v[k] * scale(k)) * (v[k] * scale(k)))
            .sum::<f32>()
            .sqrt()
    };
    let rho = len([dx0, dx1, dx2]).max(len([dy0, dy1, dy2]));
    rho.log2()
}

/// What an implicit-LOD sample's Bias adds to λ_base: the spec's clamp(sampler bias + Bias,
/// ±maxSamplerLodBias) less the clamped sampler bias the sample adds itself
/// ([`select_levels`]).
///
/// # Safety
/// `smp` points to a descriptor of the call's table.
pub(crate) unsafe extern "C" fn sv_lod_bias(smp: *const SlotDesc, bias: f32) -> f32 {
    // SAFETY: a descriptor from the table.
    let ds = unsafe { &*smp };
    let sb = slot_of(ds)
        .and_then(|x| x.sampler)
        .map_or(0.0, |s| s.mip_lod_bias);
    (sb + bias).clamp(-MAX_LOD_BIAS, MAX_LOD_BIAS) - sb.clamp(-MAX_LOD_BIAS, MAX_LOD_BIAS)
}

/// λ_base from explicit gradients of a cube (or cube array) coordinate ("Cube Map Derivatives"):
/// the face is the one `(x, y, z)` selects ([`cube_face`]); the derivatives of its face
/// coordinates follow from the quotient rule, ∂s_face/∂x = ½ (∂sc/∂x · |rc| − sc · ∂|rc|/∂x) /
/// rc², with (sc, tc, rc) and their derivatives taken from the coordinate and the gradients by
/// the same major-axis table; ρ = max over x and y of the length of (∂u/∂x, ∂v/∂x), u and v
/// the face coordinates scaled by the base level's size; log2(ρ).
///
/// # Safety
/// `desc` points to a live descriptor.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe extern "C" fn sv_grad_lod_cube(
    desc: *const SlotDesc,
    x: f32,
    y: f32,
    z: f32,
    dx0: f32,
    dx1: f32,
    dx2: f32,
    dy0: f32,
    dy1: f32,
    dy2: f32,
) -> f32 {
    // SAFETY: a descriptor from the table.
    let d = unsafe { &*desc };
    let Some((s, _)) = image_of(d) else {
        return 0.0;
    };
    let size = s.level[0].extent[0] as f32;
    let r = [x, y, z];
    let (face, _, _) = cube_face(x, y, z);
    // (axis, sign) of sc and tc, and the major axis, per face (as `cube_face`).
    let ((sa, ss), (ta, ts), m) = match face {
        0 => ((2, -1.0), (1, -1.0), 0),
        1 => ((2, 1.0), (1, -1.0), 0),
        2 => ((0, 1.0), (2, 1.0), 1),
        3 => ((0, 1.0), (2, -1.0), 1),
        4 => ((0, 1.0), (1, -1.0), 2),
        _ => ((0, -1.0), (1, -1.0), 2),
    };
    let ma = r[m].abs();
    if ma == 0.0 || ma.is_nan() {
        return 0.0;
    }
    let sign = if r[m] < 0.0 { -1.0 } else { 1.0 };
    let (sc, tc) = (ss * r[sa], ts * r[ta]);
    let face_len = |g: [f32; 3]| {
        let dma = sign * g[m];
        let ds = 0.5 * (ss * g[sa] * ma - sc * dma) / (ma * ma);
        let dt = 0.5 * (ts * g[ta] * ma - tc * dma) / (ma * ma);
        ((ds * size) * (ds * size) + (dt * size) * (dt * size)).sqrt()
    };
    let rho = face_len([dx0, dx1, dx2]).max(face_len([dy0, dy1, dy2]));
    rho.log2()
}

/// OpImageQuerySizeLod: the size of level `lod` (relative to the view's base level) for
/// `shape` into `ctx.scratch` (width, then height unless 1D, then depth (3D) or layers
/// (arrayed; cube arrays count cubes)). Zeros for an empty slot or a level out of range.
///
/// # Safety
/// As [`sv_fetch`].
pub(crate) unsafe extern "C" fn sv_size_lod(
    ctx: *mut Ctx,
    desc: *const SlotDesc,
    shape: u32,
    lod: i32,
) {
    // SAFETY: the caller passes its live context and a descriptor from the table.
    let (ctx, d) = unsafe { (&mut *ctx, &*desc) };
    ctx.scratch = [0; 4];
    let Some((s, _)) = image_of(d) else { return };
    if lod < 0 || lod as u32 >= s.levels {
        return;
    }
    let Some(l) = s.level.get(lod as usize) else {
        return;
    };
    let [w, h, depth] = l.extent;
    let arrayed = shape & ARRAYED != 0;
    ctx.scratch = match (shape & 3, arrayed) {
        (0, false) => [w, 0, 0, 0],
        (0, true) => [w, s.layers, 0, 0],
        (2, _) => [w, h, depth, 0],
        (3, true) => [w, h, s.layers / 6, 0],
        (_, true) => [w, h, s.layers, 0],
        (_, false) => [w, h, 0, 0],
    };
}

/// OpImageQueryLevels: the view's level count (0 for an empty slot).
///
/// # Safety
/// `desc` points to a live descriptor.
pub(crate) unsafe extern "C" fn sv_levels(desc: *const SlotDesc) -> i32 {
    // SAFETY: a descriptor from the table.
    let d = unsafe { &*desc };
    image_of(d).map_or(0, |(s, _)| s.levels as i32)
}

/// λ for the [`LANES`] lanes of an SoA subgroup sampling with gradients (the Grad form of
/// [`sv_sample4`]): `io` rows 5..11 hold dx0, dx1, dx2, dy0, dy1, dy2 per lane, row 11 the
/// Bias of an implicit-LOD sample when `bias` is non-zero; each lane's λ_base (plus the Bias's
/// adjustment) goes to row 4, exactly as [`sv_grad_lod`] (and [`sv_lod_bias`]) give it to a
/// lane sampled alone.
///
/// # Safety
/// As [`sv_grad_lod`]; `io` points to 12 * LANES writable, aligned words.
pub(crate) unsafe extern "C" fn sv_grad_lod4(
    desc: *const SlotDesc,
    smp: *const SlotDesc,
    axes: u32,
    io: *mut u32,
    bias: u32,
) {
    // SAFETY: the caller's stack slot of 12 rows.
    let io = unsafe { &mut *(io as *mut [[u32; LANES]; 12]) };
    let f = |r: usize, l: usize| f32::from_bits(io[r][l]);
    let mut lod = [0u32; LANES];
    for l in 0..LANES {
        // Lanes with the gradients (and Bias) of the lane before them share its λ (coarse
        // derivatives: all four lanes).
        let same = |r: usize| io[r][l] == io[r][l - 1];
        if l > 0 && (5..11).all(same) && (bias == 0 || same(11)) {
            lod[l] = lod[l - 1];
            continue;
        }
        // SAFETY: the caller's descriptors.
        let base = unsafe {
            sv_grad_lod(
                desc,
                smp,
                axes,
                f(5, l),
                f(6, l),
                f(7, l),
                f(8, l),
                f(9, l),
                f(10, l),
            )
        };
        let v = if bias != 0 {
            // SAFETY: as above.
            base + unsafe { sv_lod_bias(smp, f(11, l)) }
        } else {
            base
        };
        lod[l] = v.to_bits();
    }
    io[4] = lod;
}

/// The sampling helpers JIT'd code may import, by name.
pub(crate) fn symbols() -> [(&'static str, *const u8); 11] {
    [
        ("sv_grad_lod4", sv_grad_lod4 as *const u8),
        ("sv_sample_dref", sv_sample_dref as *const u8),
        ("sv_gather", sv_gather as *const u8),
        ("sv_fetch", sv_fetch as *const u8),
        ("sv_sample", sv_sample as *const u8),
        ("sv_sample4", sv_sample4 as *const u8),
        ("sv_grad_lod", sv_grad_lod as *const u8),
        ("sv_grad_lod_cube", sv_grad_lod_cube as *const u8),
        ("sv_lod_bias", sv_lod_bias as *const u8),
        ("sv_size_lod", sv_size_lod as *const u8),
        ("sv_levels", sv_levels as *const u8),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_follows_the_spec_table() {
        use vk::SamplerAddressMode as M;
        let w = |i, m| wrap(i, 4, m);
        assert_eq!(
            [-5, -1, 0, 3, 4, 9].map(|i| w(i, M::REPEAT)),
            [3, 3, 0, 3, 0, 1].map(Some)
        );
        // Mirrored: ... 1 0 | 0 1 2 3 | 3 2 1 0 | 0 ...
        assert_eq!(
            [-2, -1, 0, 3, 4, 7, 8].map(|i| w(i, M::MIRRORED_REPEAT)),
            [1, 0, 0, 3, 3, 0, 0].map(Some)
        );
        assert_eq!(
            [-1, 0, 4].map(|i| w(i, M::CLAMP_TO_EDGE)),
            [0, 0, 3].map(Some)
        );
        assert_eq!(
            [-1, 0, 3, 4].map(|i| w(i, M::CLAMP_TO_BORDER)),
            [None, Some(0), Some(3), None]
        );
    }

    #[test]
    fn cube_faces_follow_the_major_axis() {
        assert_eq!(cube_face(1.0, 0.0, 0.0), (0, 0.5, 0.5));
        assert_eq!(cube_face(-1.0, 0.0, 0.0), (1, 0.5, 0.5));
        assert_eq!(cube_face(0.0, 1.0, 0.0), (2, 0.5, 0.5));
        assert_eq!(cube_face(0.0, -1.0, 0.0), (3, 0.5, 0.5));
        assert_eq!(cube_face(0.0, 0.0, 1.0), (4, 0.5, 0.5));
        assert_eq!(cube_face(0.0, 0.0, -1.0), (5, 0.5, 0.5));
        // +X face: sc = -rz, tc = -ry.
        assert_eq!(cube_face(1.0, 0.5, -0.5), (0, 0.75, 0.25));
    }
}

#[cfg(test)]
pub(crate) mod probe {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// sv_sample4 calls per image memory address (tests use their own memory each).
    static CALLS: Mutex<Option<HashMap<usize, usize>>> = Mutex::new(None);

    pub(super) fn count_call(d: &SlotDesc) {
        if let Some((s, _)) = image_of(d) {
            let mut m = CALLS.lock().unwrap_or_else(|e| e.into_inner());
            *m.get_or_insert_with(HashMap::new)
                .entry(s.ptr as usize)
                .or_default() += 1;
        }
    }

    /// How many times sv_sample4 sampled the image whose memory starts at `ptr`.
    pub(crate) fn sample4_calls(ptr: *const u8) -> usize {
        let m = CALLS.lock().unwrap_or_else(|e| e.into_inner());
        m.as_ref()
            .and_then(|m| m.get(&(ptr as usize)))
            .copied()
            .unwrap_or(0)
    }

    /// What the general path (no fast path) gives a float 2D sample at `coord`, `lod`.
    pub(crate) fn general_2d(slot: &SampledSlot, coord: [f32; 2], lod: f32) -> [u32; 4] {
        let d = SlotDesc {
            ptr: slot as *const SampledSlot as *mut u8,
            len: 0,
            format: 0,
            tag: TAG_SAMPLED,
        };
        let q = Query {
            shape: 1,
            coord: [coord[0], coord[1], 0.0, 0.0],
            lod,
            offset: [0; 3],
            kind: 0,
            cmp: None,
        };
        sample(&d, &d, &q, false)
    }
}
