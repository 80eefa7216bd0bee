//! A draw from vertices to pixels (what every vkCmdDraw* runs, through `command::draw`):
//! [`setup`] runs the vertex shader (four vertices per call, in chunks on the pool), clips in
//! clip space, applies the viewport transform and sets up the primitives; [`rasterize`] bins
//! the primitives of one or more draws into screen tiles and runs, per tile on the pool and in
//! submission order, the fragment shader on quads with perspective-correct inputs, the
//! per-sample tests and the color writes (blending, logic ops, write masks) into the
//! attachments. [`draw`] is both for one draw.

use super::blend::{self, BlendAttachment};
use super::clip::Planes;
use super::depth::{self, DepthStencil};
use super::lanes::F4;
use super::merge::{Pending, Unorm8};
use super::{Bins, Cull, Quad, Rect, RunBins, Triangle, Walk, WinVertex};
use crate::exec;
use crate::format::{Domain, Texel};
use crate::shader::{
    FragmentBinding, FragmentKernel, IO_IN_BARY, IO_IN_BARY_DX, IO_IN_BARY_DY, IO_IN_CENTROID,
    IO_IN_FRAG_COORD, IO_IN_FRONT_FACING, IO_IN_PLAIN, IO_IN_PLANES, IO_IN_POINT_COORD,
    IO_IN_SAMPLE_ID, IO_IN_SAMPLE_MASK, IO_IN_SAMPLE_OFFSETS, IO_IN_SAMPLE_POSITION,
    IO_IN_VIEW_INDEX, IO_IN_W_INV, IO_OUT_FRAG_DEPTH, IO_OUT_LOCATIONS, IO_OUT_POINT_SIZE,
    IO_OUT_POSITION, IO_OUT_SAMPLE_MASK, IO_OUT_SRC1, IO_ROWS, Interp, Resource, StageBuiltins,
    VertexIn, VertexKernel,
};
use ash::vk;

/// VkViewport.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub min_depth: f32,
    pub max_depth: f32,
}

/// The fixed-function state a draw uses.
#[derive(Clone, Copy, Debug)]
pub struct RasterState {
    pub viewport: Viewport,
    pub scissor: Rect,
    pub cull: Cull,
    /// VkFrontFace is COUNTER_CLOCKWISE.
    pub front_ccw: bool,
    pub depth_clamp: bool,
    pub depth_stencil: DepthStencil,
    pub blend_constants: [f32; 4],
    /// rasterizationSamples (1 or 4; the attachments have as many), pSampleMask's bits,
    /// alphaToCoverageEnable, alphaToOneEnable.
    pub samples: u32,
    pub sample_mask: u32,
    pub alpha_to_coverage: bool,
    pub alpha_to_one: bool,
    /// logicOpEnable / logicOp: applied to the encoded bits of integer and normalized color
    /// attachments instead of blending (float and sRGB attachments blend as usual).
    pub logic_op: Option<vk::LogicOp>,
    /// depthBiasEnable with depthBiasConstantFactor, depthBiasClamp, depthBiasSlopeFactor.
    pub depth_bias: Option<DepthBias>,
    /// sampleShadingEnable with minSampleShading.
    pub min_sample_shading: Option<f32>,
    /// The ViewIndex the shaders see (multiview: the draw runs once per view).
    pub view_index: u32,
    /// BaseVertex (vertexOffset of indexed draws, else firstVertex), BaseInstance
    /// (firstInstance) and DrawIndex (the command's index in a multi-draw).
    pub draw_params: [u32; 3],
    /// Run the depth test after the fragment shader even where it may come first (tests
    /// compare the two orders).
    pub late_tests: bool,
}

/// The depth bias of polygons ("Depth Bias").
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DepthBias {
    pub constant: f32,
    pub clamp: f32,
    pub slope: f32,
}

impl DepthBias {
    /// The bias `o` of the triangle `v` drawn onto a depth plane of `format` ("Depth Bias
    /// Computation"): m * slope + r * constant, clamped by `clamp` when it is not 0. m is the
    /// larger of |dz/dx| and |dz/dy| (the spec's allowed approximation of the gradient's
    /// length); r is 2^-n for an n-bit UNORM format and 2^(e - 23) for D32_SFLOAT, e the
    /// largest exponent of the triangle's depths (no depth plane: as D32_SFLOAT).
    pub fn of(&self, v: &[WinVertex; 3], format: Option<vk::Format>) -> f32 {
        let (x1, y1, z1) = (v[1].x - v[0].x, v[1].y - v[0].y, v[1].z - v[0].z);
        let (x2, y2, z2) = (v[2].x - v[0].x, v[2].y - v[0].y, v[2].z - v[0].z);
        let det = x1 * y2 - x2 * y1;
        let m = if det != 0.0 {
            let dzdx = (z1 * y2 - z2 * y1) / det;
            let dzdy = (x1 * z2 - x2 * z1) / det;
            dzdx.abs().max(dzdy.abs())
        } else {
            0.0
        };
        let r = match format {
            Some(vk::Format::D16_UNORM) | Some(vk::Format::D16_UNORM_S8_UINT) => 1.0 / 65536.0,
            Some(vk::Format::X8_D24_UNORM_PACK32) | Some(vk::Format::D24_UNORM_S8_UINT) => {
                1.0 / 16_777_216.0
            }
            _ => {
                let zmax = v.iter().fold(0.0f32, |m, p| m.max(p.z.abs()));
                let e = if zmax > 0.0 && zmax.is_finite() {
                    zmax.log2().floor() as i32
                } else {
                    0
                };
                2f32.powi((e - 23).max(-149))
            }
        };
        let o = m * self.slope + r * self.constant;
        if self.clamp > 0.0 {
            o.min(self.clamp)
        } else if self.clamp < 0.0 {
            o.max(self.clamp)
        } else {
            o
        }
    }
}

/// One attachment plane the draw reads and writes: `width` x `height` texels of `format`
/// (a color format, or one aspect of a depth/stencil format: D16_UNORM, X8_D24_UNORM_PACK32,
/// D32_SFLOAT, S8_UINT), rows `row_pitch` bytes apart, through the format codec.
pub struct Target<'a> {
    ptr: *mut u8,
    len: usize,
    _mem: std::marker::PhantomData<&'a mut [u8]>,
    // Private: `from_span` checked that every pixel's texels of these dimensions fit in
    // `len` bytes, which the accesses rely on.
    width: u32,
    height: u32,
    row_pitch: usize,
    pub format: vk::Format,
    /// Samples per pixel (1 or 4), stored side by side: sample s of pixel x at texel
    /// `x * samples + s` of its row.
    samples: u32,
    texel: usize,
    info: &'static crate::format::FormatInfo,
}

// SAFETY: tiles read and write disjoint texels (each tile's own pixels) through `ptr`, which
// borrows the memory mutably for 'a.
unsafe impl Sync for Target<'_> {}
unsafe impl Send for Target<'_> {}

impl<'a> Target<'a> {
    /// A single-sample target over `mem` (None when the format has no codec or the rows do
    /// not fit).
    pub fn new(
        mem: &'a mut [u8],
        width: u32,
        height: u32,
        row_pitch: usize,
        format: vk::Format,
    ) -> Option<Target<'a>> {
        Self::with_samples(mem, width, height, row_pitch, format, 1)
    }

    /// A target of `samples` samples per pixel (1 or 4).
    pub fn with_samples(
        mem: &'a mut [u8],
        width: u32,
        height: u32,
        row_pitch: usize,
        format: vk::Format,
        samples: u32,
    ) -> Option<Target<'a>> {
        Self::from_span(
            crate::memory::Span::from_mut_slice(mem),
            width,
            height,
            row_pitch,
            format,
            samples,
        )
    }

    /// A target over image memory (one layer of one mip level of an attachment's plane).
    pub fn from_span(
        mem: crate::memory::Span<'a>,
        width: u32,
        height: u32,
        row_pitch: usize,
        format: vk::Format,
        samples: u32,
    ) -> Option<Target<'a>> {
        let info = crate::format::info(format)?;
        let texel = info.bytes as usize;
        // (Dimensions up to i32::MAX: `at` and `quad_rows` take negative coordinates, wrapped
        // to u32, for ones beyond them.)
        if texel == 0
            || texel > 16
            || !matches!(samples, 1 | 4)
            || width.max(height) > i32::MAX as u32
        {
            return None;
        }
        let row = texel
            .checked_mul(width as usize)?
            .checked_mul(samples as usize)?;
        let need = (height as usize)
            .checked_sub(1)
            .map_or(Some(0), |h| h.checked_mul(row_pitch)?.checked_add(row))?;
        if row_pitch < row || need > mem.len() {
            return None;
        }
        Some(Target {
            ptr: mem.as_ptr(),
            len: mem.len(),
            _mem: std::marker::PhantomData,
            width,
            height,
            row_pitch,
            format,
            samples,
            texel,
            info,
        })
    }

    /// Pixels per row.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Samples per pixel (1 or 4).
    pub fn samples(&self) -> u32 {
        self.samples
    }

    /// The byte offset of sample 0 of pixel (x, y) (None outside).
    #[inline(always)]
    pub(super) fn offset(&self, x: i32, y: i32) -> Option<usize> {
        self.at(x, y, 0)
    }

    /// The byte offsets of the two rows of the quad at (x, y) in a single-sample target,
    /// when all four pixels are inside it.
    #[inline(always)]
    pub(super) fn quad_rows(&self, x: i32, y: i32) -> Option<(usize, usize)> {
        debug_assert_eq!(self.samples, 1);
        // 0 <= x < width - 1 and 0 <= y < height - 1 (negative coordinates wrap to numbers
        // above every width); the quad's texels are then inside the memory `from_span`
        // checked (its last byte is at most that of the last row's last texel).
        if x as u32 >= self.width.saturating_sub(1) || y as u32 >= self.height.saturating_sub(1) {
            return None;
        }
        let a = y as usize * self.row_pitch + x as usize * self.texel;
        let b = a + self.row_pitch;
        debug_assert!(b + 2 * self.texel <= self.len);
        Some((a, b))
    }

    /// [`Target::quad_rows`] of the first of `n` quads side by side from (x, y), all inside
    /// the target: each of the two pixel rows is then `n` quads' pixels in a row.
    #[inline(always)]
    pub(super) fn quad_run(&self, x: i32, y: i32, n: usize) -> Option<(usize, usize)> {
        let rows = self.quad_rows(x, y)?;
        self.quad_rows(x.checked_add(2 * (n as i32 - 1))?, y)?;
        Some(rows)
    }

    #[inline(always)]
    fn at(&self, x: i32, y: i32, s: u32) -> Option<usize> {
        // As in `quad_rows`: negative coordinates wrap; inside, the texel is in the memory
        // `from_span` checked.
        if x as u32 >= self.width || y as u32 >= self.height {
            return None;
        }
        let s = s.min(self.samples - 1) as usize;
        let at =
            y as usize * self.row_pitch + (x as usize * self.samples as usize + s) * self.texel;
        debug_assert!(at + self.texel <= self.len);
        Some(at)
    }

    /// Asks the CPU to bring the texels of `r` (every sample) into its second-level cache: a
    /// tile's primitives then meet its rows there instead of in memory (they visit them in
    /// their own order, which the hardware prefetchers do not follow).
    fn prefetch(&self, r: Rect) {
        for y in r.y0..r.y1 {
            let (Some(a), Some(b)) = (self.at(r.x0, y, 0), self.at(r.x1 - 1, y, u32::MAX)) else {
                continue;
            };
            // (Line by line; the last texel's line too.)
            for off in (a..b + self.texel).step_by(64).chain([b]) {
                prefetch_l2(self.ptr.wrapping_add(off));
            }
        }
    }

    /// The `N` bytes at `at` (inside the target, checked by the caller).
    #[inline(always)]
    pub(super) fn load<const N: usize>(&self, at: usize) -> [u8; N] {
        debug_assert!(at + N <= self.len);
        // SAFETY: inside the target's memory (checked by `at`); only this tile touches the
        // texel.
        unsafe { std::ptr::read_unaligned(self.ptr.add(at) as *const [u8; N]) }
    }

    #[inline(always)]
    pub(super) fn store<const N: usize>(&self, at: usize, b: [u8; N]) {
        debug_assert!(at + N <= self.len);
        // SAFETY: as in `load`.
        unsafe { std::ptr::write_unaligned(self.ptr.add(at) as *mut [u8; N], b) }
    }

    /// Sample `s` of pixel (x, y), decoded (None outside).
    pub fn read(&self, x: i32, y: i32, s: u32) -> Option<Texel> {
        let at = self.at(x, y, s)?;
        let f = self.format;
        Some(match self.texel {
            1 => fast_decode(f, &self.load::<1>(at)),
            2 => fast_decode(f, &self.load::<2>(at)),
            4 => fast_decode(f, &self.load::<4>(at)),
            8 => fast_decode(f, &self.load::<8>(at)),
            16 => fast_decode(f, &self.load::<16>(at)),
            n => {
                let mut b = [0u8; 16];
                // SAFETY: as in `load`.
                unsafe { std::ptr::copy_nonoverlapping(self.ptr.add(at), b.as_mut_ptr(), n) };
                fast_decode(f, &b[..n])
            }
        })
    }

    /// Encodes `t` into sample `s` of pixel (x, y) (nothing outside).
    pub fn write(&self, x: i32, y: i32, s: u32, t: Texel) {
        let Some(at) = self.at(x, y, s) else { return };
        let f = self.format;
        macro_rules! put {
            ($n:literal) => {{
                let mut b = [0u8; $n];
                fast_encode(f, t, &mut b);
                self.store::<$n>(at, b)
            }};
        }
        match self.texel {
            1 => put!(1),
            2 => put!(2),
            4 => put!(4),
            8 => put!(8),
            16 => put!(16),
            n => {
                let mut b = [0u8; 16];
                fast_encode(f, t, &mut b[..n]);
                // SAFETY: as in `load`.
                unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), self.ptr.add(at), n) };
            }
        }
    }
}

/// The codec's decode, with the formats draws use most done directly (the same bits as the
/// codec: tests `fast_texels_match_the_codec`).
#[inline(always)]
fn fast_decode(format: vk::Format, b: &[u8]) -> Texel {
    let unorm8 = |x: u8| x as f32 / 255.0;
    match format {
        vk::Format::R8G8B8A8_UNORM => Texel::Float([b[0], b[1], b[2], b[3]].map(unorm8)),
        vk::Format::B8G8R8A8_UNORM => Texel::Float([b[2], b[1], b[0], b[3]].map(unorm8)),
        vk::Format::D32_SFLOAT => {
            Texel::Float([f32::from_le_bytes([b[0], b[1], b[2], b[3]]), 0.0, 0.0, 1.0])
        }
        vk::Format::D16_UNORM => Texel::Float([
            u16::from_le_bytes([b[0], b[1]]) as f32 / 65535.0,
            0.0,
            0.0,
            1.0,
        ]),
        vk::Format::S8_UINT => Texel::Uint([b[0] as u32, 0, 0, 1]),
        vk::Format::R32G32B32A32_SFLOAT => Texel::Float(std::array::from_fn(|k| {
            f32::from_le_bytes([b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]])
        })),
        _ => crate::format::decode(format, b),
    }
}

/// The codec's conversion of a float to an n-bit UNORM code (round to nearest in f64 after
/// clamping to [0, 1]; NaN gives 0).
#[inline(always)]
pub(super) fn unorm_code(x: f32, max: f64) -> u64 {
    let v = (x as f64).clamp(0.0, 1.0) * max;
    // v is an f32 times a 16-bit integer: at most 40 significant bits, so v + 0.5 is exact and
    // its truncation is v rounded half away from zero (f64::round); NaN converts to 0.
    (v + 0.5) as u64
}

/// The codec's encode, with the formats draws use most done directly (as [`fast_decode`]).
#[inline(always)]
fn fast_encode(format: vk::Format, t: Texel, out: &mut [u8]) {
    match (format, t) {
        (vk::Format::R8G8B8A8_UNORM, Texel::Float(v)) => {
            for k in 0..4 {
                out[k] = unorm_code(v[k], 255.0) as u8;
            }
        }
        (vk::Format::B8G8R8A8_UNORM, Texel::Float(v)) => {
            for (k, c) in [2, 1, 0, 3].into_iter().enumerate() {
                out[k] = unorm_code(v[c], 255.0) as u8;
            }
        }
        (vk::Format::D32_SFLOAT, Texel::Float(v)) => out[..4].copy_from_slice(&v[0].to_le_bytes()),
        (vk::Format::D16_UNORM, Texel::Float(v)) => {
            out[..2].copy_from_slice(&(unorm_code(v[0], 65535.0) as u16).to_le_bytes())
        }
        (vk::Format::S8_UINT, Texel::Uint(v)) => out[0] = v[0].min(255) as u8,
        (vk::Format::R32G32B32A32_SFLOAT, Texel::Float(v)) => {
            for k in 0..4 {
                out[4 * k..4 * k + 4].copy_from_slice(&v[k].to_le_bytes());
            }
        }
        _ => crate::format::encode(format, t, out),
    }
}

/// The attachments of a draw: color attachment k takes fragment output location k, blended
/// by its state; an optional depth plane and stencil plane.
pub struct Attachments<'a, 't> {
    /// Indexed by location; None: no attachment there (the output is dropped).
    pub color: Vec<Option<(&'t Target<'a>, BlendAttachment)>>,
    pub depth: Option<&'t Target<'a>>,
    pub stencil: Option<&'t Target<'a>>,
}

/// One set-up triangle; its vertices' records (clip x, y, z, w, then the varying inputs in
/// `Inputs::varying` order) are in the draw's arena.
struct Prim {
    tri: Triangle,
    /// Arena offsets of the records of its three vertices.
    v: [u32; 3],
    /// Offset of the provoking vertex's flat inputs (in `Inputs::flat` order).
    flat: u32,
    /// Points: center x, y and size (for PointCoord).
    point: Option<[f32; 3]>,
    /// The depth bias added to its interpolated depth (polygons only).
    bias: f32,
}

impl Prim {
    fn new(tri: Triangle, v: [u32; 3], flat: u32, point: Option<[f32; 3]>, bias: f32) -> Prim {
        Prim {
            tri,
            v,
            flat,
            point,
            bias,
        }
    }
}

/// The interpolated fragment inputs of `fs` in order: (interface row, noperspective,
/// centroid). Vertex output location L component c feeds input row 4 L + c.
/// A draw's set-up primitives in submission order: the first run, then one run per further
/// assembly chunk of a large draw (kept as the chunks made them: joining them into one vector
/// copied and page-faulted tens of megabytes per large draw).
#[derive(Default)]
struct Prims {
    first: Vec<Prim>,
    /// Later runs with the index of their first primitive.
    more: Vec<(u32, Vec<Prim>)>,
}

impl Prims {
    fn len(&self) -> usize {
        self.more
            .last()
            .map_or(self.first.len(), |(start, run)| *start as usize + run.len())
    }

    fn iter(&self) -> impl Iterator<Item = &Prim> {
        self.first
            .iter()
            .chain(self.more.iter().flat_map(|(_, r)| r))
    }

    /// Primitive `k`, searching the runs from `run` (0: the first) on; returns it and its
    /// run (a list of increasing indices finds each in constant time).
    #[inline(always)]
    fn find(&self, k: u32, mut run: usize) -> Option<(&Prim, usize)> {
        if run == 0 {
            if let Some(p) = self.first.get(k as usize) {
                return Some((p, 0));
            }
            run = 1;
        }
        while let Some((start, r)) = self.more.get(run - 1) {
            if let Some(p) = k.checked_sub(*start).and_then(|i| r.get(i as usize)) {
                return Some((p, run));
            }
            run += 1;
        }
        None
    }
}

fn varying(fs: Option<&FragmentKernel>) -> impl Iterator<Item = (usize, bool, bool)> + '_ {
    fs.map_or(&[][..], |f| &f.inputs)
        .iter()
        .filter_map(|&(row, interp)| {
            let row = row as usize;
            match interp {
                Interp::Flat => None,
                Interp::Smooth => Some((row, false, false)),
                Interp::NoPerspective => Some((row, true, false)),
                Interp::Centroid => Some((row, false, true)),
                Interp::NoPerspectiveCentroid => Some((row, true, true)),
            }
        })
}

/// The flat fragment inputs of `fs` in order (their interface rows).
fn flat(fs: Option<&FragmentKernel>) -> impl Iterator<Item = usize> + '_ {
    fs.map_or(&[][..], |f| &f.inputs)
        .iter()
        .filter(|&&(_, interp)| interp == Interp::Flat)
        .map(|&(row, _)| row as usize)
}

/// The pixels of the viewport rectangle (pixel centers inside it).
fn viewport_rect(v: &Viewport) -> Rect {
    let lo = |a: f32| (a - 0.5).ceil().clamp(-1e9, 1e9) as i32;
    Rect {
        x0: lo(v.x.min(v.x + v.width)),
        y0: lo(v.y.min(v.y + v.height)),
        x1: lo(v.x.max(v.x + v.width)),
        y1: lo(v.y.max(v.y + v.height)),
    }
}

/// Where a draw's vertices come from: how many there are and, per vertex, its input rows.
pub trait VertexSource: Sync {
    fn count(&self) -> usize;
    /// Writes vertex `k`'s inputs into lane `l` of `rows` (input location L component c is
    /// row 4 L + c); returns its (VertexIndex, InstanceIndex).
    fn fill(&self, k: usize, l: usize, rows: &mut [[u32; 4]]) -> (u32, u32);
}

impl VertexSource for [VertexIn] {
    fn count(&self) -> usize {
        self.len()
    }

    fn fill(&self, k: usize, l: usize, rows: &mut [[u32; 4]]) -> (u32, u32) {
        let v = &self[k];
        for (loc, words) in v.inputs.iter().enumerate() {
            for (c, w) in words.iter().enumerate() {
                rows[4 * loc + c][l] = *w;
            }
        }
        (v.vertex_index, v.instance_index)
    }
}

/// Draws `vertices` as a triangle list (a trailing incomplete triangle is ignored).
#[allow(clippy::too_many_arguments)]
pub fn draw_triangle_list(
    vs: &VertexKernel,
    vs_slots: &[Resource<'_>],
    fs: &FragmentKernel,
    fs_slots: &[Resource<'_>],
    push: &[u8],
    vertices: &[VertexIn],
    state: &RasterState,
    att: &Attachments<'_, '_>,
) -> u64 {
    let prims: Vec<usize> = (0..vertices.len() / 3 * 3).collect();
    draw(
        vs,
        vs_slots,
        Some(fs),
        fs_slots,
        push,
        vertices,
        (3, &prims),
        state,
        att,
    )
}

/// Vertices shaded per pool task.
const VERTEX_CHUNK: usize = 256;

/// Primitives assembled per task where a draw has more than this many.
const PRIMITIVE_CHUNK: usize = 4096;

/// Draws the primitives `prims` = (vertices per primitive: 1 points, 2 lines, 3 triangles;
/// their vertices' positions in `vertices`, provoking vertex first, as
/// [`super::assembly::primitives`] lists them).
/// Lines are rectangles one pixel wide centered on the segment (the spec's strict lines,
/// which non-strict lines may be) and points squares of their PointSize, each rasterized as
/// two triangles sharing a diagonal, always front-facing and never culled. Without a
/// fragment shader only the depth and stencil attachments are written. Returns how many
/// samples passed the depth and stencil tests (occlusion queries).
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
pub fn draw<V: VertexSource + ?Sized>(
    vs: &VertexKernel,
    vs_slots: &[Resource<'_>],
    fs: Option<&FragmentKernel>,
    fs_slots: &[Resource<'_>],
    push: &[u8],
    vertices: &V,
    prims: (usize, &[usize]),
    state: &RasterState,
    att: &Attachments<'_, '_>,
) -> u64 {
    let Some(setup) = setup(
        vs,
        vs_slots,
        fs,
        push,
        vertices,
        prims,
        state,
        att.size(),
        att.depth.map(|d| d.format),
        SetupBuffers::default(),
    ) else {
        return 0;
    };
    let blend: Vec<BlendAttachment> = att
        .color
        .iter()
        .map(|c| c.map_or(NO_WRITE, |(_, b)| b))
        .collect();
    rasterize(
        &[Draw {
            setup: &setup,
            fs,
            slots: fs_slots,
            push,
            blend: &blend,
        }],
        att,
    )[0]
    .samples_passed
}

impl Attachments<'_, '_> {
    /// The area every attachment covers (None without attachments).
    pub fn size(&self) -> Option<(u32, u32)> {
        let (w, h) = self
            .color
            .iter()
            .flatten()
            .map(|(t, _)| *t)
            .chain(self.depth)
            .chain(self.stencil)
            .fold((u32::MAX, u32::MAX), |(w, h), t| {
                (w.min(t.width()), h.min(t.height()))
            });
        (w != u32::MAX).then_some((w, h))
    }
}

/// The vertex stage, clipping and setup of a draw (see [`draw`]) into attachments of `size`
/// (a depth plane of `depth_format`); None when there is nothing to draw into.
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
pub fn setup<V: VertexSource + ?Sized>(
    vs: &VertexKernel,
    vs_slots: &[Resource<'_>],
    fs: Option<&FragmentKernel>,
    push: &[u8],
    vertices: &V,
    (per, prims_in): (usize, &[usize]),
    state: &RasterState,
    size: Option<(u32, u32)>,
    depth_format: Option<vk::Format>,
    spare: SetupBuffers,
) -> Option<Setup> {
    let builtins = fs.map(|f| f.builtins).unwrap_or_default();
    let (w, h) = size?;
    if !matches!(per, 1..=3) {
        return None;
    }
    // Vertex shading, in fixed chunks on the pool: per vertex a clip record (x, y, z, w, the
    // varying inputs), its flat inputs and its point size.
    let stride = 4 + varying(fs).count();
    let nflat = flat(fs).count();
    let count = vertices.count();
    // Point sizes are kept for point primitives only.
    let points = per == 1;
    // Vertices first..first + n into their places in `recs` (stride floats each), `flats`
    // (nflat each) and `sizes` (one each for points).
    // The output rows `take` below reads.
    let mut reads = crate::shader::IoRows::default();
    let out = IO_OUT_LOCATIONS;
    (0..4).for_each(|c| reads.insert(IO_OUT_POSITION + c));
    varying(fs).for_each(|(row, ..)| reads.insert(out + row as u32));
    flat(fs).for_each(|row| reads.insert(out + row as u32));
    if per == 1 {
        reads.insert(IO_OUT_POINT_SIZE);
    }
    let shade_vertices =
        |first: usize, n: usize, (recs, flats, sizes): (&mut [f32], &mut [u32], &mut [f32])| {
            vs.run_with(
                vs_slots,
                push,
                n,
                state.view_index,
                state.draw_params,
                reads,
                |k, l, rows| vertices.fill(first + k, l, rows),
                |k, l, rows| {
                    let rec = &mut recs[k * stride..(k + 1) * stride];
                    let o = IO_OUT_POSITION as usize;
                    for (c, r) in rec[..4].iter_mut().enumerate() {
                        *r = f32::from_bits(rows[o + c][l]);
                    }
                    let out = IO_OUT_LOCATIONS as usize;
                    for (r, (row, ..)) in rec[4..].iter_mut().zip(varying(fs)) {
                        *r = f32::from_bits(rows[out + row][l]);
                    }
                    let fl = &mut flats[k * nflat..(k + 1) * nflat];
                    for (f, row) in fl.iter_mut().zip(flat(fs)) {
                        *f = rows[out + row][l];
                    }
                    if points {
                        sizes[k] = f32::from_bits(rows[IO_OUT_POINT_SIZE as usize][l]);
                    }
                },
            );
        };
    // The buffers of an earlier set-up where there is one (their allocations reused).
    let SetupBuffers {
        prims,
        mut arena,
        mut flats,
        mut sizes,
        runs,
        bins: spare_bins,
    } = spare;
    // Runs for a large draw's assembly chunks (any run serves any chunk: only their memory
    // is reused).
    let runs = std::sync::Mutex::new(runs);
    let spare_bins = std::sync::Mutex::new(spare_bins);
    let mut prims = Prims {
        first: prims,
        more: Vec::new(),
    };
    prims.first.clear();
    arena.clear();
    flats.clear();
    sizes.clear();
    // Every vertex's place, filled in fixed chunks (on the pool where there are several).
    arena.resize(count * stride, 0.0);
    flats.resize(count * nflat, 0);
    sizes.resize(if points { count } else { 0 }, 0.0);
    if count <= VERTEX_CHUNK {
        // One chunk: on this thread (a small draw allocates nothing).
        shade_vertices(0, count, (&mut arena, &mut flats, &mut sizes));
    } else {
        let mut places = Vec::with_capacity(count.div_ceil(VERTEX_CHUNK));
        let (mut r, mut f, mut z) = (&mut arena[..], &mut flats[..], &mut sizes[..]);
        while !r.is_empty() {
            let n = (r.len() / stride).min(VERTEX_CHUNK);
            let (r0, r1) = std::mem::take(&mut r).split_at_mut(n * stride);
            let (f0, f1) = std::mem::take(&mut f).split_at_mut(n * nflat);
            let (z0, z1) = std::mem::take(&mut z).split_at_mut(if points { n } else { 0 });
            places.push((r0, f0, z0));
            (r, f, z) = (r1, f1, z1);
        }
        exec::for_each_mut(&mut places, |c, place| {
            let (r, f, z) = std::mem::take(place);
            shade_vertices(c * VERTEX_CHUNK, r.len() / stride, (r, f, z));
        });
    }
    let vp = state.viewport;
    let (hw, hh) = (vp.width * 0.5, vp.height * 0.5);
    let (cx, cy) = (vp.x + hw, vp.y + hh);
    let planes = Planes::new(state.depth_clamp, [cx, cy], [hw, hh]);
    let area = Rect {
        x0: 0,
        y0: 0,
        x1: w.min(i32::MAX as u32) as i32,
        y1: h.min(i32::MAX as u32) as i32,
    };
    let scissor = state.scissor.intersect(viewport_rect(&vp)).intersect(area);
    let window = |v: &[f32]| {
        let w_inv = 1.0 / v[3];
        WinVertex {
            x: cx + hw * (v[0] * w_inv),
            y: cy + hh * (v[1] * w_inv),
            z: vp.min_depth + (vp.max_depth - vp.min_depth) * (v[2] * w_inv),
            w_inv,
        }
    };
    // Primitive assembly: clipping, the viewport transform and triangle set-up, in fixed
    // chunks on the pool for large draws (the same primitives in the same order for any
    // thread count). A chunk's clipped vertices go to its own records (`extra`, offsets
    // counted from the shaded records' end), joined in chunk order and offset after.
    let shaded = arena.len();
    let arena_ref = &arena[..];
    let assemble = |pv: &[usize],
                    extra: &mut Vec<f32>,
                    prims: &mut Vec<Prim>,
                    polygon: &mut Vec<f32>,
                    counts: &mut SetupCounts| {
        let arena = arena_ref;
        if pv.iter().any(|&k| k >= count) {
            return;
        }
        counts.clip_invocations += 1;
        let flat = (pv[0] * nflat) as u32;
        let rec = |k: usize| k * stride;
        match per {
            3 => {
                let (a, b, c) = (rec(pv[0]), rec(pv[1]), rec(pv[2]));
                let corners = [&arena[a..a + 4], &arena[b..b + 4], &arena[c..c + 4]];
                if planes.all_inside(&corners) {
                    // The common case: nothing to clip, the vertex records are the corners.
                    counts.clip_primitives += 1;
                    // (Not `[a, b, c].map(..)`: that calls the closure out of line.)
                    let verts = [
                        window(&arena[a..a + 4]),
                        window(&arena[b..b + 4]),
                        window(&arena[c..c + 4]),
                    ];
                    if let Some(tri) = Triangle::new(verts, state.cull, state.front_ccw, scissor) {
                        let bias = state
                            .depth_bias
                            .map_or(0.0, |b| b.of(&tri.verts, depth_format));
                        let v = [a as u32, b as u32, c as u32];
                        prims.push(Prim::new(tri, v, flat, None, bias));
                    }
                    return;
                }
                let n = planes.clip_triangle(
                    [
                        &arena[a..a + stride],
                        &arena[b..b + stride],
                        &arena[c..c + stride],
                    ],
                    stride,
                    polygon,
                );
                // The clipped polygon's vertices join the arena; its fan's triangles are what
                // clipping outputs.
                counts.clip_primitives += n.saturating_sub(2) as u64;
                let base = shaded + extra.len();
                extra.extend_from_slice(&polygon[..n * stride]);
                for k in 1..n.saturating_sub(1) {
                    let idx = [0, k, k + 1];
                    let verts = idx.map(|i| window(&polygon[i * stride..(i + 1) * stride]));
                    let Some(tri) = Triangle::new(verts, state.cull, state.front_ccw, scissor)
                    else {
                        continue;
                    };
                    let bias = state
                        .depth_bias
                        .map_or(0.0, |b| b.of(&tri.verts, depth_format));
                    let v = idx.map(|i| (base + i * stride) as u32);
                    prims.push(Prim::new(tri, v, flat, None, bias));
                }
            }
            2 => {
                let (ra, rb) = (rec(pv[0]), rec(pv[1]));
                let Some((a, b)) =
                    planes.clip_segment(&arena[ra..ra + stride], &arena[rb..rb + stride], stride)
                else {
                    return;
                };
                counts.clip_primitives += 1;
                let (pa, pb) = (window(&a), window(&b));
                let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
                let len = (dx * dx + dy * dy).sqrt();
                if !(len > 0.0 && len.is_finite()) {
                    return;
                }
                let base = (shaded + extra.len()) as u32;
                extra.extend_from_slice(&a[..stride]);
                extra.extend_from_slice(&b[..stride]);
                let (ia, ib) = (base, base + stride as u32);
                // Half a pixel to each side of the segment.
                let (nx, ny) = (-dy / len * 0.5, dx / len * 0.5);
                let off = |v: WinVertex, s: f32| WinVertex {
                    x: v.x + s * nx,
                    y: v.y + s * ny,
                    ..v
                };
                let corners = [off(pa, 1.0), off(pa, -1.0), off(pb, -1.0), off(pb, 1.0)];
                rectangle(prims, corners, [ia, ia, ib, ib], flat, None, scissor);
            }
            _ => {
                let r = rec(pv[0]);
                if !planes.point_inside(&arena[r..r + stride]) {
                    return;
                }
                counts.clip_primitives += 1;
                let p = window(&arena[r..r + stride]);
                // The point size range is [1, 1]; an unwritten or odd size draws 1 pixel.
                let size = sizes[pv[0]];
                let size = if size.is_finite() {
                    size.clamp(1.0, 1.0)
                } else {
                    1.0
                };
                let half = size * 0.5;
                let corner = |sx: f32, sy: f32| WinVertex {
                    x: p.x + sx * half,
                    y: p.y + sy * half,
                    ..p
                };
                let corners = [
                    corner(-1.0, -1.0),
                    corner(1.0, -1.0),
                    corner(1.0, 1.0),
                    corner(-1.0, 1.0),
                ];
                let point = Some([p.x, p.y, size]);
                let ir = r as u32;
                rectangle(prims, corners, [ir; 4], flat, point, scissor);
            }
        }
    };
    let mut counts = SetupCounts {
        vertex_invocations: count as u64,
        ..SetupCounts::default()
    };
    let total = prims_in.len() / per;
    // A large draw's runs binned by their chunks, with each run's first primitive.
    let mut runs_binned = Vec::new();
    if total <= PRIMITIVE_CHUNK {
        prims.first.reserve(total);
        let (mut extra, mut polygon) = (Vec::new(), Vec::new());
        for pv in prims_in.chunks_exact(per) {
            assemble(pv, &mut extra, &mut prims.first, &mut polygon, &mut counts);
        }
        arena.extend_from_slice(&extra);
    } else {
        // The first run becomes a chunk's like the others.
        if let Ok(mut r) = runs.lock()
            && prims.first.capacity() > 0
        {
            r.push(std::mem::take(&mut prims.first));
        }
        let chunks = exec::map(total.div_ceil(PRIMITIVE_CHUNK), |c| {
            let pvs = &prims_in
                [c * PRIMITIVE_CHUNK * per..((c + 1) * PRIMITIVE_CHUNK * per).min(total * per)];
            let (mut extra, mut polygon) = (Vec::new(), Vec::new());
            let kept = runs.lock().ok().and_then(|mut r| r.pop());
            let mut local = kept.unwrap_or_default();
            local.reserve(pvs.len() / per);
            let mut counts = SetupCounts::default();
            for pv in pvs.chunks_exact(per) {
                assemble(pv, &mut extra, &mut local, &mut polygon, &mut counts);
            }
            // Binned here, on the pool, while the chunk's triangles are in the cache.
            let kept = spare_bins.lock().ok().and_then(|mut b| b.pop());
            let mut bins = kept.unwrap_or_default();
            bins.build(area, local.iter().map(|p| &p.tri));
            (local, extra, counts, bins)
        });
        for (mut local, extra, c, bins) in chunks {
            // This chunk's records start where the earlier chunks' end.
            let shift = (arena.len() - shaded) as u32;
            if shift > 0 {
                for p in &mut local {
                    for v in &mut p.v {
                        if *v as usize >= shaded {
                            *v += shift;
                        }
                    }
                }
            }
            arena.extend_from_slice(&extra);
            if prims.first.is_empty() && prims.more.is_empty() {
                if !local.is_empty() {
                    runs_binned.push((0, bins));
                }
                prims.first = local;
            } else if !local.is_empty() {
                runs_binned.push((prims.len() as u32, bins));
                prims.more.push((prims.len() as u32, local));
            }
            counts.clip_invocations += c.clip_invocations;
            counts.clip_primitives += c.clip_primitives;
        }
    }
    Some(Setup {
        prims,
        arena,
        flats,
        sizes,
        builtins,
        state: *state,
        area,
        counts,
        binned: runs_binned,
    })
}

/// What a draw's [`setup`] ran, for pipeline statistics queries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetupCounts {
    /// Vertex shader invocations (each vertex the draw's source lists, once).
    pub vertex_invocations: u64,
    /// Primitives that reached clipping.
    pub clip_invocations: u64,
    /// Primitives clipping output: 1 for one inside the clip volume (or clipped to a segment
    /// or kept as a point), the triangles of its clipped polygon otherwise; before culling.
    pub clip_primitives: u64,
}

/// What [`rasterize`] did for one draw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrawCounts {
    /// Samples that passed the depth and stencil tests (occlusion queries).
    pub samples_passed: u64,
    /// Fragment shader invocations: the lanes each run of the shader had active (covered
    /// pixels, or samples with sample shading), helper lanes not counted.
    pub fragment_invocations: u64,
}

/// A draw's primitives, set up and ready to rasterize: what [`setup`] makes and
/// [`rasterize`] draws (draws of one batch rasterize together, tile by tile).
pub struct Setup {
    prims: Prims,
    /// The vertex records (clip x, y, z, w, varying inputs) the primitives use.
    arena: Vec<f32>,
    flats: Vec<u32>,
    /// The vertices' point sizes (points only).
    sizes: Vec<f32>,
    builtins: StageBuiltins,
    state: RasterState,
    area: Rect,
    counts: SetupCounts,
    /// A large draw's primitive runs binned over `area` as they were assembled (empty: not
    /// binned yet), each with the index of its first primitive.
    binned: Vec<(u32, RunBins)>,
}

/// The memory of a [`Setup`] done with, for the next [`setup`] to fill (draws come by the
/// thousand: their allocations are reused).
#[derive(Default)]
pub struct SetupBuffers {
    prims: Vec<Prim>,
    arena: Vec<f32>,
    flats: Vec<u32>,
    sizes: Vec<f32>,
    /// A large draw's further primitive runs (emptied).
    runs: Vec<Vec<Prim>>,
    /// A large draw's runs' bins.
    bins: Vec<RunBins>,
}

impl std::fmt::Debug for SetupBuffers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupBuffers")
            .field("prims", &self.prims.capacity())
            .field("arena", &self.arena.capacity())
            .finish()
    }
}

impl Setup {
    /// Its buffers, for reuse.
    pub fn into_buffers(self) -> SetupBuffers {
        let runs = (self.prims.more.into_iter())
            .map(|(_, mut r)| {
                r.clear();
                r
            })
            .collect();
        SetupBuffers {
            prims: self.prims.first,
            arena: self.arena,
            flats: self.flats,
            sizes: self.sizes,
            runs,
            bins: self.binned.into_iter().map(|(_, b)| b).collect(),
        }
    }

    /// What the set-up ran (vertex shader, clipping).
    pub fn counts(&self) -> SetupCounts {
        self.counts
    }

    /// How many primitives survived clipping and culling.
    pub fn len(&self) -> usize {
        self.prims.len()
    }

    /// The bytes its buffers hold (their capacity).
    pub fn bytes(&self) -> usize {
        let runs = std::iter::once(&self.prims.first).chain(self.prims.more.iter().map(|(_, r)| r));
        runs.map(|r| r.capacity() * std::mem::size_of::<Prim>())
            .sum::<usize>()
            + 4 * (self.arena.capacity() + self.flats.capacity() + self.sizes.capacity())
            + self.binned.iter().map(|(_, b)| b.bytes()).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.prims.len() == 0
    }
}

/// One set-up draw with what its fragment stage needs.
pub struct Draw<'a, 'r> {
    pub setup: &'a Setup,
    pub fs: Option<&'a FragmentKernel>,
    pub slots: &'a [Resource<'r>],
    pub push: &'a [u8],
    /// Color attachment k's blend state (none: nothing is written there).
    pub blend: &'a [BlendAttachment],
}

/// Rasterizes `draws` (set up for attachments of the size of `att`'s) into `att` (each draw
/// with its own blend states; the ones `att` carries are not read here): one binning
/// of all their primitives, then per tile (on the pool) every draw's primitives in submission
/// order, so a tile stays in the cache through all of them. Returns each draw's samples that
/// passed the depth and stencil tests and its fragment shader invocations (sums over tiles:
/// the same for any thread count).
pub fn rasterize(draws: &[Draw<'_, '_>], att: &Attachments<'_, '_>) -> Vec<DrawCounts> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let Some(area) = draws.first().map(|d| d.setup.area) else {
        return Vec::new();
    };
    // Global primitive indices: draw d's primitives follow those of draws 0..d.
    let mut first = Vec::with_capacity(draws.len() + 1);
    let mut n = 0u32;
    for d in draws {
        first.push(n);
        n += d.setup.prims.len() as u32;
    }
    first.push(n);
    let mut bins = Bins::new(area);
    for (d, draw) in draws.iter().enumerate() {
        let binned = &draw.setup.binned;
        if !binned.is_empty() && binned.iter().all(|(_, r)| bins.accepts(r)) {
            for (start, r) in binned {
                bins.attach(first[d] + start, r);
            }
        } else {
            for (k, p) in (first[d]..).zip(draw.setup.prims.iter()) {
                bins.add(k, &p.tri);
            }
        }
    }
    let passed: Vec<AtomicU64> = draws.iter().map(|_| AtomicU64::new(0)).collect();
    let invoked: Vec<AtomicU64> = draws.iter().map(|_| AtomicU64::new(0)).collect();
    // Each draw's binding table (`tables[table[d]]`), made once for all its tiles and shared
    // by consecutive draws of one fragment shader and one slot table.
    let mut tables: Vec<Option<FragmentBinding>> = Vec::new();
    let mut table: Vec<usize> = Vec::with_capacity(draws.len());
    // Each draw's quad-at-a-time color writes per attachment where they apply (`plans[plan[d]]`),
    // shared by consecutive draws of the same blend states and logic op.
    let mut plans: Vec<Vec<Option<Unorm8>>> = Vec::new();
    let mut plan: Vec<usize> = Vec::with_capacity(draws.len());
    for (k, d) in draws.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| &draws[p]);
        let same_fs = |p: &Draw<'_, '_>| match (p.fs, d.fs) {
            (Some(a), Some(b)) => std::ptr::eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !prev.is_some_and(|p| same_fs(p) && std::ptr::eq(p.slots, d.slots)) {
            tables.push(d.fs.map(|f| f.bind(d.slots)));
        }
        table.push(tables.len() - 1);
        let logic_op = d.setup.state.logic_op;
        if !prev
            .is_some_and(|p| std::ptr::eq(p.blend, d.blend) && p.setup.state.logic_op == logic_op)
        {
            let blend = |c: usize| d.blend.get(c).unwrap_or(&NO_WRITE);
            plans.push(
                (att.color.iter().enumerate())
                    .map(|(c, a)| a.and_then(|(t, _)| Unorm8::new(t, blend(c), logic_op.is_some())))
                    .collect(),
            );
        }
        plan.push(plans.len() - 1);
    }
    bins.for_each_tile(|tile, list| {
        // The tile's attachment rows, on their way while its first primitives set up
        // (single-threaded scene: 118 ms against 122, best frames of 30), where it has
        // primitives enough to touch most of them (a few small ones would pay for rows
        // they never meet: the draw row, 256 draws per batch, lost 2%).
        if list.len() >= PREFETCH_TILE_AT {
            let planes = att.color.iter().flatten().map(|(t, _)| *t);
            for t in planes.chain(att.depth).chain(att.stencil) {
                t.prefetch(tile);
            }
        }
        let mut buffers = Buffers::default();
        let mut local = Vec::new();
        // Runs of consecutive entries of one draw.
        let mut start = 0;
        while start < list.len() {
            let d = first.partition_point(|&f| f <= list[start]) - 1;
            let mut end = start + 1;
            while end < list.len() && list[end] < first[d + 1] {
                end += 1;
            }
            local.clear();
            local.extend(list[start..end].iter().map(|&k| k - first[d]));
            let (b, p) = (tables[table[d]].as_ref(), &plans[plan[d]]);
            let c = shade(&draws[d], b, p, &mut buffers, tile, &local, att);
            passed[d].fetch_add(c.samples_passed, Ordering::Relaxed);
            invoked[d].fetch_add(c.fragment_invocations, Ordering::Relaxed);
            start = end;
        }
    });
    (passed.into_iter().zip(invoked))
        .map(|(p, i)| DrawCounts {
            samples_passed: p.into_inner(),
            fragment_invocations: i.into_inner(),
        })
        .collect()
}

/// A tile's attachment rows are prefetched where it has at least this many primitives.
const PREFETCH_TILE_AT: usize = 32;

/// What the fragment stage of a tile reuses from draw to draw.
#[derive(Default)]
struct Buffers {
    /// The interface rows of the quads' calls.
    io: Vec<[u32; 4]>,
    /// The current triangle's interpolation.
    tri: TriInputs,
    /// Per color attachment, the quads waiting for their merge (`merge::Pending`).
    pending: Vec<Pending>,
}

/// The interpolation of one primitive's varying inputs, set up when its quads start.
#[derive(Default)]
struct TriInputs {
    /// Inputs that differ between the vertices: (row, value at vertex 0, differences of
    /// vertices 1 and 2 from it, noperspective, centroid). Equal inputs are written once per
    /// triangle.
    slopes: Vec<(usize, F4, F4, F4, bool, bool)>,
    /// The three vertices share w: perspective-correct weights are the plain ones.
    plain: bool,
    /// Some slope is a centroid input.
    centroid: bool,
}

/// Perspective-correct weights from the screen-space weights `b` of a primitive with
/// vertices `v`: b_i / w_i, normalized (the plain weights where the sum is zero or not
/// finite); with one w for all three vertices (`plain`: 2D, orthographic) the plain weights.
#[inline(always)]
fn perspective_weights(plain: bool, v: &[WinVertex; 3], b: &[F4; 3]) -> [F4; 3] {
    if plain {
        return *b;
    }
    let winv = v.map(|v| F4::splat(v.w_inv));
    let q = [b[0] * winv[0], b[1] * winv[1], b[2] * winv[2]];
    let sum = q[0] + q[1] + q[2];
    std::array::from_fn(|i| (q[i] / sum).where_nonzero_finite(sum, b[i]))
}

/// What the per-quad steps of [`shade`] read: the draw's state and what it decided once for
/// the draw (plain functions, inlined into the quad loop, not closures called per quad).
struct QuadSteps<'s, 'a, 't> {
    state: &'s RasterState,
    att: &'s Attachments<'a, 't>,
    builtins: StageBuiltins,
    plans: &'s [Option<Unorm8>],
    /// The interpolated depth is needed (tests or FragCoord).
    need_z: bool,
    /// Depth (and stencil) tests before the shader.
    early: bool,
    /// A D32_SFLOAT or D16_UNORM depth plane alone, without the depth bounds test.
    depth_only: Option<&'t Target<'a>>,
    /// The shader interpolates inputs at other places (InterpolateAt*): its quads' weights
    /// and centroid offsets are written.
    interp: bool,
    /// One sample, one invocation per pixel, no InterpolateAt* and no FragCoord, sample or
    /// PointCoord input read: a quad's rows are its depth (where needed) and its varying
    /// inputs at the pixel centers ([`QuadSteps::fill_simple`]).
    simple: bool,
}

impl QuadSteps<'_, '_, '_> {
    /// Depth clamping: to the viewport's depth range.
    #[inline(always)]
    fn clamp_depth(&self, z: f32) -> f32 {
        Self::clamp_depth_of(self.state, z)
    }

    #[inline(always)]
    fn clamp_depth_of(state: &RasterState, z: f32) -> f32 {
        if state.depth_clamp {
            let (n, f) = (state.viewport.min_depth, state.viewport.max_depth);
            z.clamp(n.min(f), n.max(f))
        } else {
            z
        }
    }

    /// Writes a quad's per-quad input rows; returns the lanes to run (after early tests,
    /// whose passing samples it adds to `early_passed`).
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    fn fill(
        &self,
        p: &Prim,
        tri: &TriInputs,
        quad: &Quad,
        sample: Option<u32>,
        rows: &mut [[u32; 4]],
        early_passed: &mut u64,
    ) -> u8 {
        if self.simple && sample.is_none() {
            return self.fill_simple(p, tri, quad, rows, early_passed);
        }
        let v = &p.tri.verts;
        // Where the inputs are evaluated: the pixel centers, or the shaded sample.
        let (ox, oy) = match sample {
            Some(s) => super::SAMPLES_4[s as usize],
            None => (128, 128),
        };
        // Barycentric weights, vertex-major: b[i][lane] (read only for varying slopes,
        // FragCoord and depth: a quad from a fully covered block may come without them).
        let b: [F4; 3] = match sample {
            _ if tri.slopes.is_empty()
                && !self.need_z
                && !self.builtins.reads(StageBuiltins::FRAG_COORD) =>
            {
                [F4::splat(0.0); 3]
            }
            Some(_) => {
                let mut b = [[0f32; 4]; 3];
                for l in 0..4 {
                    let (x, y) = (quad.x + (l as i32 & 1), quad.y + (l as i32 >> 1));
                    let w = p.tri.bary_at(x as i64 * 256 + ox, y as i64 * 256 + oy);
                    for i in 0..3 {
                        b[i][l] = w[i];
                    }
                }
                b.map(F4::new)
            }
            None => quad.bary.map(F4::new),
        };
        let fc = IO_IN_FRAG_COORD as usize;
        let dot = |c: [f32; 3]| {
            let c = c.map(F4::splat);
            b[0] * c[0] + b[1] * c[1] + b[2] * c[2]
        };
        if self.need_z {
            dot(v.map(|v| v.z)).store(&mut rows[fc + 2]);
        }
        // Early tests first: a quad they reject needs nothing else.
        let Some(mask) = self.early_mask(p, quad, rows, early_passed) else {
            return 0;
        };
        if !tri.slopes.is_empty() {
            let perspective = |b: &[F4; 3]| perspective_weights(tri.plain, v, b);
            let pw = perspective(&b);
            // Centroid inputs: where several samples are shaded by one invocation and a pixel
            // is partly covered, at its first covered sample (inside the primitive and the
            // pixel, as "Interpolation Decorations" asks); else where the others are.
            let full = (1u32 << self.state.samples.min(31)) - 1;
            let partial = |l: usize| quad.samples[l] != 0 && (quad.samples[l] as u32) != full;
            let cb: Option<[F4; 3]> =
                (tri.centroid && sample.is_none() && self.state.samples > 1 && (0..4).any(partial))
                    .then(|| {
                        let mut cb = quad.bary;
                        for l in (0..4).filter(|&l| partial(l)) {
                            let s = quad.samples[l].trailing_zeros() as usize;
                            let (sx, sy) = super::SAMPLES_4[s];
                            let (x, y) = (quad.x + (l as i32 & 1), quad.y + (l as i32 >> 1));
                            let w = p.tri.bary_at(x as i64 * 256 + sx, y as i64 * 256 + sy);
                            for i in 0..3 {
                                cb[i][l] = w[i];
                            }
                        }
                        cb.map(F4::new)
                    });
            let cpw = cb.as_ref().map(perspective);
            for &(row, a0, d1, d2, noperspective, centroid) in &tri.slopes {
                let w = match (centroid, &cb, &cpw, noperspective) {
                    (true, Some(cb), _, true) => cb,
                    (true, _, Some(cpw), false) => cpw,
                    (_, _, _, true) => &b,
                    _ => &pw,
                };
                let x = a0 + w[1] * d1 + w[2] * d2;
                x.store(&mut rows[row]);
            }
        }
        if self.interp {
            // The weights at the pixel centers, and where centroid inputs are evaluated: the
            // shaded sample, else a partly covered pixel's first covered sample (several
            // samples), else the center.
            for i in 0..3 {
                rows[IO_IN_BARY as usize + i] = quad.bary[i].map(f32::to_bits);
            }
            let full = (1u32 << self.state.samples.min(31)) - 1;
            let mut c = [[0f32; 4]; 2];
            for l in 0..4 {
                let s = match sample {
                    Some(s) => Some(s as usize),
                    None if self.state.samples > 1
                        && quad.samples[l] != 0
                        && quad.samples[l] as u32 != full =>
                    {
                        Some(quad.samples[l].trailing_zeros() as usize)
                    }
                    None => None,
                };
                if let Some(s) = s {
                    [c[0][l], c[1][l]] = sample_offset(s);
                }
            }
            rows[IO_IN_CENTROID as usize] = c[0].map(f32::to_bits);
            rows[IO_IN_CENTROID as usize + 1] = c[1].map(f32::to_bits);
        }
        // (Exact: multiples of 1/256; a constant for pixel centers.)
        let (fx, fy) = match sample {
            Some(_) => (ox as f32 / 256.0, oy as f32 / 256.0),
            None => (0.5, 0.5),
        };
        let (x0, y0) = (quad.x as f32 + fx, quad.y as f32 + fy);
        if self.builtins.reads(StageBuiltins::FRAG_COORD) {
            rows[fc] = [x0, x0 + 1.0, x0, x0 + 1.0].map(f32::to_bits);
            rows[fc + 1] = [y0, y0, y0 + 1.0, y0 + 1.0].map(f32::to_bits);
            dot(v.map(|v| v.w_inv)).store(&mut rows[fc + 3]);
        }
        if self.builtins.reads(StageBuiltins::SAMPLE) {
            rows[IO_IN_SAMPLE_ID as usize] = [sample.unwrap_or(0); 4];
            rows[IO_IN_SAMPLE_POSITION as usize] = [fx.to_bits(); 4];
            rows[IO_IN_SAMPLE_POSITION as usize + 1] = [fy.to_bits(); 4];
            let keep = match sample {
                Some(s) => 1 << s,
                None => u32::MAX,
            };
            rows[IO_IN_SAMPLE_MASK as usize] = quad.samples.map(|m| m as u32 & keep);
        }
        if let (Some([px, py, size]), true) =
            (p.point, self.builtins.reads(StageBuiltins::POINT_COORD))
        {
            let pc = IO_IN_POINT_COORD as usize;
            for l in 0..4 {
                let (x, y) = (x0 + (l & 1) as f32, y0 + (l >> 1) as f32);
                rows[pc][l] = ((x - px) / size + 0.5).to_bits();
                rows[pc + 1][l] = ((y - py) / size + 0.5).to_bits();
            }
        }
        mask
    }

    /// [`QuadSteps::fill`] where `simple` holds and the quad is shaded at its pixel centers:
    /// the same rows from the same arithmetic, without the cases that cannot arise.
    #[inline(always)]
    fn fill_simple(
        &self,
        p: &Prim,
        tri: &TriInputs,
        quad: &Quad,
        rows: &mut [[u32; 4]],
        early_passed: &mut u64,
    ) -> u8 {
        let v = &p.tri.verts;
        // (Read only where slopes or depth need them: a quad from a fully covered block may
        // come without weights.)
        let b: [F4; 3] = quad.bary.map(F4::new);
        if self.need_z {
            let c = v.map(|v| F4::splat(v.z));
            let z = b[0] * c[0] + b[1] * c[1] + b[2] * c[2];
            z.store(&mut rows[IO_IN_FRAG_COORD as usize + 2]);
        }
        // Early tests first: a quad they reject needs nothing else.
        let Some(mask) = self.early_mask(p, quad, rows, early_passed) else {
            return 0;
        };
        if !tri.slopes.is_empty() {
            let pw = perspective_weights(tri.plain, v, &b);
            for &(row, a0, d1, d2, noperspective, _) in &tri.slopes {
                let w = if noperspective { &b } else { &pw };
                (a0 + w[1] * d1 + w[2] * d2).store(&mut rows[row]);
            }
        }
        mask
    }

    /// The lanes of `quad` to shade: its covered ones, or with early tests those that pass
    /// them (None: none does).
    #[inline(always)]
    fn early_mask(
        &self,
        p: &Prim,
        quad: &Quad,
        rows: &[[u32; 4]],
        early_passed: &mut u64,
    ) -> Option<u8> {
        if !self.early {
            return Some(quad.mask);
        }
        let m = self.early_tests(p, quad, rows, early_passed);
        (m != 0).then_some(m)
    }

    /// The early depth (and stencil) tests of a quad whose depth row is written: its lanes
    /// that pass, their samples added to `early_passed`.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)]
    fn early_tests(&self, p: &Prim, quad: &Quad, rows: &[[u32; 4]], early_passed: &mut u64) -> u8 {
        let fc = IO_IN_FRAG_COORD as usize;
        // A D32_SFLOAT plane and a quad inside it: four lanes at once.
        let d32 = self
            .depth_only
            .filter(|t| t.format == vk::Format::D32_SFLOAT);
        if let (Some(t), false) = (d32, self.state.depth_clamp) {
            // One sample: a lane's sample is covered exactly where its mask bit is set.
            debug_assert!((0..4).all(|l| quad.samples[l] & 1 == quad.mask >> l & 1));
            let lanes = quad.mask
                & if self.state.sample_mask & 1 == 1 {
                    0xf
                } else {
                    0
                };
            // The depth the late tests would use: interpolated and biased.
            let z = (F4::new(rows[fc + 2].map(f32::from_bits)) + F4::splat(p.bias)).lanes();
            let at = (quad.x, quad.y);
            if let Some(mask) = depth_quad_d32(t, &self.state.depth_stencil, at, lanes, z) {
                *early_passed += POP4[mask as usize];
                return mask;
            }
        }
        let mut mask = 0u8;
        for l in 0..4 {
            if quad.mask >> l & 1 == 0 || quad.samples[l] as u32 & self.state.sample_mask & 1 == 0 {
                continue;
            }
            // The depth the late tests would use: interpolated, biased, clamped.
            let z0 = f32::from_bits(rows[fc + 2][l]) + p.bias;
            let z = self.clamp_depth(z0);
            let (x, y) = (quad.x + (l as i32 & 1), quad.y + (l as i32 >> 1));
            let survives = match self.depth_only {
                Some(t) => depth_test_only(t, &self.state.depth_stencil, (x, y, 0), z),
                None => {
                    let facing = p.tri.front_facing;
                    fragment_tests(&self.state.depth_stencil, self.att, facing, (x, y, 0), z)
                }
            };
            if survives {
                mask |= 1 << l;
            }
        }
        *early_passed += POP4[mask as usize];
        mask
    }

    /// A quad's outputs for the attachments merged a quad at a time, `live` its passing
    /// lanes: they wait (merged as the primitive ends or enough quads wait).
    #[inline(always)]
    fn queue(&self, quad: &Quad, rows: &[[u32; 4]], live: u8, pending: &mut [Pending]) {
        for (c, plan) in self.plans.iter().enumerate() {
            let Some(plan) = plan else { continue };
            let o = IO_OUT_LOCATIONS as usize + 4 * c;
            let src = &rows[o..o + 4];
            if plan.direct() {
                let t = self.att.color[c].expect("a planned attachment").0;
                plan.overwrite_quad(t, (quad.x, quad.y), live, src, self.state.alpha_to_one);
                continue;
            }
            let s1 = IO_OUT_SRC1 as usize;
            let src1 = plan.uses_src1.then(|| &rows[s1..s1 + 4]);
            if pending[c].push((quad.x, quad.y), live, src, self.state.alpha_to_one, src1) {
                let t = self.att.color[c].expect("a planned attachment").0;
                plan.flush(t, &mut pending[c], self.state.blend_constants);
            }
        }
    }

    /// Fully covered block `b` merged whole where every attachment's plan takes it, every
    /// pixel taking the outputs in `rows` (lane 0's: they are the same on every lane);
    /// whether it was. (Out of line: the per-quad code around its call stays small.)
    #[inline(never)]
    fn merge_block(&self, b: Rect, rows: &[[u32; 4]]) -> bool {
        let takes = |(c, plan): (usize, &Option<Unorm8>)| match (plan, self.att.color[c]) {
            (Some(plan), Some((t, _))) => plan.merges_block(t, b),
            _ => true,
        };
        if !self.plans.iter().enumerate().all(takes) {
            return false;
        }
        let (alpha_one, constants) = (self.state.alpha_to_one, self.state.blend_constants);
        let s1 = IO_OUT_SRC1 as usize;
        for (c, plan) in self.plans.iter().enumerate() {
            let Some(plan) = plan else { continue };
            let o = IO_OUT_LOCATIONS as usize + 4 * c;
            let src1 = plan.uses_src1.then(|| &rows[s1..s1 + 4]);
            let t = self.att.color[c].expect("a planned attachment").0;
            plan.merge_block(t, b, &rows[o..o + 4], alpha_one, src1, constants);
        }
        true
    }

    /// The waiting quads merged (as a primitive starts, and at the end: quads of one
    /// primitive never overlap, so they merge in any grouping).
    fn flush(&self, pending: &mut [Pending]) {
        for (c, plan) in self.plans.iter().enumerate() {
            if let Some(plan) = plan.filter(|_| !pending[c].is_empty()) {
                let t = self.att.color[c].expect("a planned attachment").0;
                plan.flush(t, &mut pending[c], self.state.blend_constants);
            }
        }
    }
}

/// Runs the fragment stage of draw `d` on its primitives `list` (in order) inside `tile`, with
/// the per-fragment tests and the color writes; returns the samples that passed and the
/// fragment shader invocations.
#[allow(clippy::needless_range_loop)]
fn shade(
    d: &Draw<'_, '_>,
    bound: Option<&FragmentBinding>,
    plans: &[Option<Unorm8>],
    buffers: &mut Buffers,
    tile: Rect,
    list: &[u32],
    att: &Attachments<'_, '_>,
) -> DrawCounts {
    let Setup {
        prims,
        arena,
        flats,
        builtins,
        state,
        ..
    } = d.setup;
    let (builtins, fs, push) = (*builtins, d.fs, d.push);
    // Sample shading: the fragment shader runs once per covered sample when the shader reads
    // SampleId / SamplePosition, or minSampleShading asks for more than one invocation per
    // pixel (running one per sample is always allowed then).
    let per_sample = state.samples > 1
        && (builtins.per_sample
            || state
                .min_sample_shading
                .is_some_and(|m| (m * state.samples as f32).ceil() > 1.0));
    // Without depth and stencil planes every fragment passes the tests.
    let tests_apply = att.depth.is_some() || att.stencil.is_some();
    // A D32_SFLOAT or D16_UNORM depth plane alone, without the depth bounds test: the depth
    // test on the stored bits ([`depth_test_only`]).
    let depth_only = att.depth.filter(|d| {
        att.stencil.is_none()
            && state.depth_stencil.depth_bounds.is_none()
            && matches!(d.format, vk::Format::D32_SFLOAT | vk::Format::D16_UNORM)
    });
    // Built-in input rows the shader does not declare are not written; the interpolated
    // depth is also what the tests use.
    let reads = |b: u32| builtins.reads(b);
    let need_z = tests_apply || reads(StageBuiltins::FRAG_COORD);
    // Early depth tests: one sample, a D32/D16 plane alone, and a fragment shader whose
    // running changes nothing but its fragment's outputs (no discard, side effects,
    // FragDepth or SampleMask output), without alpha to coverage: the depth test (and
    // write) comes before the shader, which then runs only for quads with a surviving
    // pixel, with the results of testing after it.
    // A shader with the EarlyFragmentTests execution mode gets them with one sample for any
    // depth/stencil planes (the depth and stencil tests and writes, and the sample count,
    // happen whatever the shader then does: a later discard keeps them, FragDepth is ignored);
    // With several samples, alpha to coverage or a SampleMask output they run per covered
    // sample (per-sample shading: the invocation's own) before the shader (`early_samples`): the passing
    // samples are counted and become the fragment's coverage, which alpha to coverage and
    // the SampleMask output then reduce for the color writes only.
    let early_mode = fs.is_some_and(|f| f.early_fragment_tests);
    let early = state.samples <= 1
        && !per_sample
        && !builtins.writes_sample_mask
        && !state.alpha_to_coverage
        && (early_mode && tests_apply
            || !state.late_tests
                && depth_only.is_some()
                && fs.is_some_and(|f| f.pure)
                && !builtins.writes_depth);
    let early_samples = early_mode && tests_apply && !early;
    let mut early_passed = 0u64;
    // The depth sample `s` of lane `l`'s pixel (x, y) is tested with: the shader's FragDepth
    // where it writes one and the tests come after it, else the interpolated depth (at the
    // sample's location when one invocation shades several samples) plus the bias; clamped.
    let depth_at = |p: &Prim,
                    rows: &[[u32; 4]],
                    (l, x, y): (usize, i32, i32),
                    s: u32,
                    sample: Option<u32>,
                    frag_depth: bool| {
        let z0 = if frag_depth {
            f32::from_bits(rows[IO_OUT_FRAG_DEPTH as usize][l])
        } else if state.samples > 1 && sample.is_none() {
            // Depth at the sample's location.
            let (sx, sy) = super::SAMPLES_4[s as usize];
            let b = p.tri.bary_at(x as i64 * 256 + sx, y as i64 * 256 + sy);
            let v = &p.tri.verts;
            b[0] * v[0].z + b[1] * v[1].z + b[2] * v[2].z
        } else {
            f32::from_bits(rows[IO_IN_FRAG_COORD as usize + 2][l])
        };
        // Depth bias: on the rasterized depth (FragDepth replaces it).
        let z0 = if frag_depth { z0 } else { z0 + p.bias };
        QuadSteps::clamp_depth_of(state, z0)
    };
    // The depth and stencil tests (and writes) of sample (x, y, s) at depth z.
    let tests = |p: &Prim, at: (i32, i32, u32), z: f32| match depth_only {
        Some(t) => depth_test_only(t, &state.depth_stencil, at, z),
        None => fragment_tests(&state.depth_stencil, att, p.tri.front_facing, at, z),
    };
    // Early tests per covered sample of `quad`'s lanes in `cover` (`early_samples`; with
    // per-sample shading the shaded sample alone): the passing samples become the lanes'
    // coverage in `quad`, counted in `early_passed`; returns the lanes with one.
    let early_tests = |p: &Prim,
                       quad: &mut Quad,
                       sample: Option<u32>,
                       rows: &[[u32; 4]],
                       cover: u8,
                       early_passed: &mut u64| {
        let mut lanes = 0u8;
        for l in (0..4).filter(|l| cover >> l & 1 == 1) {
            let (x, y) = (quad.x + (l as i32 & 1), quad.y + (l as i32 >> 1));
            let mut m = 0u8;
            let shaded = sample.map_or(u32::MAX, |s| 1 << s);
            for s in 0..state.samples.max(1) {
                if (quad.samples[l] as u32 & state.sample_mask & shaded) >> s & 1 == 0 {
                    continue;
                }
                let z = depth_at(p, rows, (l, x, y), s, sample, false);
                if tests(p, (x, y, s), z) {
                    m |= 1 << s;
                }
            }
            quad.samples[l] = m;
            *early_passed += m.count_ones() as u64;
            lanes |= ((m != 0) as u8) << l;
        }
        quad.mask = lanes;
        lanes
    };
    // InterpolateAt*: per plane, the column of its input in the vertex records (its place
    // among the varying inputs).
    let planes: Option<&[usize]> = fs.map(|f| &f.plane_columns[..]).filter(|c| !c.is_empty());
    // A primitive's quads start: its per-primitive rows written, its slopes set up; returns
    // whether its quads need their barycentric weights.
    let enter = |p: &Prim, tri: &mut TriInputs, rows: &mut [[u32; 4]]| -> bool {
        let v = &p.tri.verts;
        tri.plain = v[0].w_inv == v[1].w_inv && v[1].w_inv == v[2].w_inv;
        tri.slopes.clear();
        tri.centroid = false;
        let [r0, r1, r2] = p.v.map(|r| &arena[r as usize + 4..]);
        for (j, (row, noperspective, centroid)) in varying(fs).enumerate() {
            let (a0, a1, a2) = (r0[j], r1[j], r2[j]);
            if a0.to_bits() == a1.to_bits() && a1.to_bits() == a2.to_bits() {
                // Equal at the three vertices: that value everywhere.
                rows[row] = [a0.to_bits(); 4];
            } else {
                // From vertex 0 by differences: a nearly constant attribute stays close.
                let (d0, d1, d2) = (F4::splat(a0), F4::splat(a1 - a0), F4::splat(a2 - a0));
                tri.slopes.push((row, d0, d1, d2, noperspective, centroid));
                tri.centroid |= centroid;
            }
        }
        for (j, row) in flat(fs).enumerate() {
            rows[row] = [flats[p.flat as usize + j]; 4];
        }
        if let Some(cols) = planes {
            // InterpolateAt*: the weights' steps, the vertices' 1/w and each plane's value at
            // vertex 0 and differences (as the slopes above: the same arithmetic).
            let splat = |x: f32| [x.to_bits(); 4];
            let [dx, dy] = p.tri.bary_steps();
            for i in 0..3 {
                rows[IO_IN_BARY_DX as usize + i] = splat(dx[i]);
                rows[IO_IN_BARY_DY as usize + i] = splat(dy[i]);
                rows[IO_IN_W_INV as usize + i] = splat(v[i].w_inv);
            }
            rows[IO_IN_PLAIN as usize] = [if tri.plain { u32::MAX } else { 0 }; 4];
            for (k, &j) in cols.iter().enumerate() {
                let (a0, a1, a2) = (r0[j], r1[j], r2[j]);
                let at = IO_IN_PLANES as usize + 3 * k;
                rows[at] = splat(a0);
                rows[at + 1] = splat(a1 - a0);
                rows[at + 2] = splat(a2 - a0);
            }
        }
        if reads(StageBuiltins::FRONT_FACING) {
            rows[IO_IN_FRONT_FACING as usize] = [if p.tri.front_facing { u32::MAX } else { 0 }; 4];
        }
        if reads(StageBuiltins::VIEW_INDEX) {
            rows[IO_IN_VIEW_INDEX as usize] = [state.view_index; 4];
        }
        need_z || reads(StageBuiltins::FRAG_COORD) || !tri.slopes.is_empty() || planes.is_some()
    };
    let cx = QuadSteps {
        state,
        att,
        builtins,
        plans,
        need_z,
        early,
        depth_only,
        interp: planes.is_some(),
        simple: state.samples <= 1
            && !per_sample
            && planes.is_none()
            && !reads(StageBuiltins::FRAG_COORD)
            && !reads(StageBuiltins::SAMPLE)
            && !reads(StageBuiltins::POINT_COORD),
    };
    // Writes lane l's outputs to color attachment c at sample (x, y, s).
    let write_lane = |c: usize, rows: &[[u32; 4]], l: usize, at: (i32, i32, u32)| {
        let Some((target, _)) = att.color[c] else {
            return;
        };
        // The draw's own blend state (absent: writes nothing there).
        let ba = d.blend.get(c).unwrap_or(&NO_WRITE);
        let o = IO_OUT_LOCATIONS as usize + 4 * c;
        let mut src: [u32; 4] = std::array::from_fn(|k| rows[o + k][l]);
        if state.alpha_to_one {
            src[3] = 1.0f32.to_bits();
        }
        let out = Output {
            src,
            src1: std::array::from_fn(|k| f32::from_bits(rows[IO_OUT_SRC1 as usize + k][l])),
            constants: state.blend_constants,
            logic_op: state.logic_op,
        };
        write_color(target, ba, &out, at);
    };
    // One sample per pixel: a quad's pixels are distinct, so its tests run first and its
    // color writes after them, per attachment (a quad at a time where `plans` has one).
    let single = state.samples <= 1 && !per_sample;
    let mut passed = 0u64;
    let mut take = |p: &Prim,
                    quad: &Quad,
                    sample: Option<u32>,
                    rows: &[[u32; 4]],
                    live: u8,
                    pending: &mut [Pending]| {
        let mut pass = 0u8;
        if early {
            // Tested before the shader ran (which cannot discard): the live lanes passed.
            pass = live;
        } else if single && !tests_apply {
            // One sample, no depth or stencil: the covered lanes pass.
            for l in 0..4 {
                if live >> l & 1 == 0 {
                    continue;
                }
                let mut cover = quad.samples[l] as u32 & state.sample_mask;
                if state.alpha_to_coverage {
                    let alpha = f32::from_bits(rows[IO_OUT_LOCATIONS as usize + 3][l]);
                    cover &= coverage_of_alpha(alpha, state.samples);
                }
                if builtins.writes_sample_mask {
                    cover &= rows[IO_OUT_SAMPLE_MASK as usize][l];
                }
                pass |= ((cover & 1) as u8) << l;
            }
            passed += POP4[pass as usize & 15];
            if fs.is_none() {
                return;
            }
        } else {
            for l in 0..4 {
                if live >> l & 1 == 0 {
                    continue;
                }
                let (x, y) = (quad.x + (l as i32 & 1), quad.y + (l as i32 >> 1));
                let o = IO_OUT_LOCATIONS as usize;
                let alpha = f32::from_bits(rows[o + 3][l]);
                let shaded = match sample {
                    Some(s) => 1 << s,
                    None => u32::MAX,
                };
                let mut cover = quad.samples[l] as u32 & state.sample_mask & shaded;
                if state.alpha_to_coverage {
                    cover &= coverage_of_alpha(alpha, state.samples);
                }
                if builtins.writes_sample_mask {
                    cover &= rows[IO_OUT_SAMPLE_MASK as usize][l];
                }
                for s in 0..state.samples.max(1) {
                    if cover >> s & 1 == 0 {
                        continue;
                    }
                    // (With `early_samples` the covered samples passed the tests already.)
                    let survives = early_samples
                        || !tests_apply
                        || tests(
                            p,
                            (x, y, s),
                            depth_at(p, rows, (l, x, y), s, sample, builtins.writes_depth),
                        );
                    if !survives {
                        continue;
                    }
                    if !early_samples {
                        passed += 1;
                    }
                    if fs.is_none() {
                        continue;
                    }
                    if single {
                        // Written below, the quad's passing pixels together.
                        pass |= 1 << l;
                        continue;
                    }
                    for c in 0..att.color.len() {
                        write_lane(c, rows, l, (x, y, s));
                    }
                }
            }
        }
        if pass == 0 {
            return;
        }
        cx.queue(quad, rows, pass, pending);
        for (c, plan) in plans.iter().enumerate() {
            if plan.is_none() {
                for l in 0..4 {
                    if pass >> l & 1 == 1 {
                        let (x, y) = (quad.x + (l as i32 & 1), quad.y + (l as i32 >> 1));
                        write_lane(c, rows, l, (x, y, 0));
                    }
                }
            }
        }
    };
    // The common case: one sample, no tests after the shader (none apply, or they came
    // before it), every color attachment merged a quad at a time, no coverage changes by
    // the shader's outputs: the live lanes pass, and their outputs wait for the merge.
    let lean = single
        && !builtins.writes_sample_mask
        && !state.alpha_to_coverage
        && state.sample_mask & 1 == 1
        && (early || !tests_apply)
        && (0..att.color.len())
            .all(|c| att.color[c].is_none() || plans.get(c).is_some_and(Option::is_some));
    let mut lean_passed = 0u64;
    let Buffers { io, tri, pending } = buffers;
    if pending.len() < plans.len() {
        pending.resize_with(plans.len(), Pending::default);
    }
    let mut invocations = 0u64;
    // Shaders whose outputs are the same at every fragment of a primitive whose inputs are
    // (`FragmentKernel::uniform_outputs`), on the lean path: such a primitive (no input
    // varies over it) runs the shader once as it starts, on a fully covered quad, and its
    // quads take those outputs (left in the rows: nothing else runs until the next
    // primitive); without tests, its fully covered blocks merge whole (`Unorm8::merge_block`).
    let uniform = lean && fs.is_some_and(FragmentKernel::uniform_outputs);
    let mut constant = false;
    match fs {
        Some(fs) => {
            let bound = bound.expect("a binding table for the fragment shader");
            fs.with_runner(bound, push, io, |r| {
                if planes.is_some() {
                    // InterpolateAtSample: the samples' offsets from the pixel center, lane s
                    // sample s's (zero: one sample, at the center).
                    let mut t = [[0f32; 4]; 2];
                    if state.samples == 4 {
                        for s in 0..super::SAMPLES_4.len() {
                            [t[0][s], t[1][s]] = sample_offset(s);
                        }
                    }
                    let rows = r.rows_mut();
                    rows[IO_IN_SAMPLE_OFFSETS as usize] = t[0].map(f32::to_bits);
                    rows[IO_IN_SAMPLE_OFFSETS as usize + 1] = t[1].map(f32::to_bits);
                }
                for_quads(
                    prims,
                    arena,
                    list,
                    tile,
                    state.samples,
                    per_sample,
                    #[inline(always)]
                    |p, at| match at {
                        At::Start => {
                            cx.flush(pending);
                            let weights = enter(p, tri, r.rows_mut());
                            constant = uniform && tri.slopes.is_empty();
                            if constant {
                                // (Pure: every lane lives.)
                                r.run(0xf);
                            }
                            weights
                        }
                        At::Block(b) => {
                            let taken = constant && !need_z && cx.merge_block(b, r.rows());
                            if taken {
                                let n = ((b.x1 - b.x0) * (b.y1 - b.y0)) as u64;
                                invocations += n;
                                lean_passed += n;
                            }
                            taken
                        }
                        At::Quad(quad, sample) => {
                            let mut cover = if constant && !early {
                                quad.mask & 0xf
                            } else {
                                cx.fill(p, tri, quad, sample, r.rows_mut(), &mut early_passed) & 0xf
                            };
                            // Per-sample early tests: the quad with the samples that passed.
                            let tested;
                            let quad = if early_samples && cover != 0 {
                                let mut q = *quad;
                                let (rows, passed) = (r.rows(), &mut early_passed);
                                cover = early_tests(p, &mut q, sample, rows, cover, passed);
                                tested = q;
                                &tested
                            } else {
                                quad
                            };
                            if cover != 0 {
                                invocations += POP4[cover as usize];
                                let live = if constant { cover } else { r.run(cover) };
                                if lean {
                                    if live != 0 {
                                        // (Early tests counted their samples already.)
                                        if !early {
                                            lean_passed += POP4[live as usize];
                                        }
                                        cx.queue(quad, r.rows(), live, pending);
                                    }
                                } else {
                                    take(p, quad, sample, r.rows(), live, pending);
                                }
                            }
                            false
                        }
                    },
                )
            })
        }
        None => {
            // No outputs: the rows they would be in stay zero.
            let mut rows = vec![[0u32; 4]; IO_ROWS];
            for_quads(
                prims,
                arena,
                list,
                tile,
                state.samples,
                per_sample,
                |p, at| match at {
                    At::Start => enter(p, tri, &mut rows),
                    At::Block(_) => false,
                    At::Quad(quad, sample) => {
                        let live =
                            cx.fill(p, tri, quad, sample, &mut rows, &mut early_passed) & 0xf;
                        if live != 0 {
                            take(p, quad, sample, &rows, live, pending);
                        }
                        false
                    }
                },
            )
        }
    }
    cx.flush(pending);
    DrawCounts {
        samples_passed: passed + early_passed + lean_passed,
        fragment_invocations: invocations,
    }
}

/// What [`for_quads`] hands its callback.
#[derive(Clone, Copy)]
enum At<'q> {
    /// A primitive starts; the callback says whether its quads need barycentric weights
    /// (without, fully covered blocks come without them, or as `Block`s).
    Start,
    /// One of its quads inside the tile, with the shaded sample (per-sample shading: once
    /// per covered sample, the quad's mask that sample's coverage).
    Quad(&'q Quad, Option<u32>),
    /// A fully covered block of its quads (one sample, no weights): the callback says
    /// whether it took the block; if not, its quads follow as `Quad`s.
    Block(Rect),
}

/// Calls `f(p, At::Start)` as each primitive of `list` (in order) starts, then `f` for its
/// quads (and fully covered blocks, where the primitive's quads need no weights) inside
/// `tile`, in order. What `f` returns is read for `Start` and `Block` (see [`At`]).
fn for_quads(
    prims: &Prims,
    arena: &[f32],
    list: &[u32],
    tile: Rect,
    samples: u32,
    per_sample: bool,
    mut f: impl FnMut(&Prim, At<'_>) -> bool,
) {
    // The run of the current primitive (`list` increases).
    let mut run = 0;
    for (i, &k) in list.iter().enumerate() {
        let Some((p, r)) = prims.find(k, run) else {
            debug_assert!(false, "primitive {k} of {}", prims.len());
            return;
        };
        run = r;
        // The next primitive and its vertex records are fetched while this one's quads run
        // (primitives and records of a batch are far apart in memory: misses otherwise).
        if let Some((next, _)) = list.get(i + 1).and_then(|&n| prims.find(n, run)) {
            prefetch(
                next as *const Prim as *const u8,
                std::mem::size_of::<Prim>(),
            );
            for r in next.v {
                if let Some(rec) = arena.get(r as usize..) {
                    prefetch(rec.as_ptr() as *const u8, 64);
                }
            }
        }
        let weights = f(p, At::Start);
        p.tri.walk(tile, samples, weights, |w| {
            let q = match w {
                Walk::Block(b) => return !per_sample && f(p, At::Block(b)),
                Walk::Quad(q) => q,
            };
            if per_sample {
                for s in 0..samples {
                    let mut q = *q;
                    q.mask = (0..4).fold(0, |m, l| m | ((q.samples[l] >> s) & 1) << l);
                    if q.mask != 0 {
                        f(p, At::Quad(&q, Some(s)));
                    }
                }
            } else {
                f(p, At::Quad(q, None));
            }
            false
        });
    }
}

/// The offset of sample `s` of the 4 standard locations from the pixel center (exact).
fn sample_offset(s: usize) -> [f32; 2] {
    let (x, y) = super::SAMPLES_4[s & 3];
    [(x - 128) as f32 / 256.0, (y - 128) as f32 / 256.0]
}

/// Asks the CPU to bring the `len` bytes at `p` into its caches (no effect elsewhere; a
/// hint, never a fault).
#[inline(always)]
fn prefetch(p: *const u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    for off in (0..len).step_by(64) {
        // SAFETY: prefetching does not access memory architecturally (any address is fine).
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                p.wrapping_add(off) as *const i8,
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, len);
}

/// [`prefetch`] of the line holding `p` into the second-level cache only.
#[inline(always)]
fn prefetch_l2(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching does not access memory architecturally (any address is fine).
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The number of bits set in a 4-bit mask (a table: x86-64's baseline has no popcnt).
const POP4: [u64; 16] = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/// A color attachment a draw has no blend state for: nothing written.
const NO_WRITE: BlendAttachment =
    BlendAttachment::DEFAULT.with_write_mask(vk::ColorComponentFlags::empty());

/// A line's or point's rectangle (corners in order around it, each with the arena offset of
/// its record) as two triangles sharing the diagonal 0-2: never culled, always front-facing.
fn rectangle(
    prims: &mut Vec<Prim>,
    corners: [WinVertex; 4],
    recs: [u32; 4],
    flat: u32,
    point: Option<[f32; 3]>,
    scissor: Rect,
) {
    for idx in [[0, 1, 2], [0, 2, 3]] {
        let verts = idx.map(|i| corners[i]);
        let Some(mut tri) = Triangle::new(verts, Cull::None, true, scissor) else {
            continue;
        };
        tri.front_facing = true;
        prims.push(Prim::new(tri, idx.map(|i| recs[i]), flat, point, 0.0));
    }
}

/// `src` where the write mask has the component, else `dst`.
fn pick_masked<T: Copy>(ba: &BlendAttachment, src: [T; 4], dst: [T; 4]) -> [T; 4] {
    let bits = [
        vk::ColorComponentFlags::R,
        vk::ColorComponentFlags::G,
        vk::ColorComponentFlags::B,
        vk::ColorComponentFlags::A,
    ];
    std::array::from_fn(|k| {
        if ba.write_mask.contains(bits[k]) {
            src[k]
        } else {
            dst[k]
        }
    })
}

/// The depth bounds, stencil and depth tests of a fragment at (x, y) of depth `z`, with the
/// depth and stencil writes; whether it survives.
fn fragment_tests(
    ds: &DepthStencil,
    att: &Attachments<'_, '_>,
    front: bool,
    (x, y, s): (i32, i32, u32),
    z: f32,
) -> bool {
    let za = att.depth.and_then(|d| match d.read(x, y, s)? {
        Texel::Float(v) => Some((v[0], d.format)),
        _ => None,
    });
    let sa = att.stencil.and_then(|t| match t.read(x, y, s)? {
        Texel::Uint(v) => Some(v[0] as u8),
        _ => None,
    });
    let zf = za.map_or(z, |(_, f)| depth::quantize(f, z));
    let o = depth::test(ds, front, zf, za.map(|(v, _)| v), sa);
    if let (Some(v), Some(d)) = (o.depth, att.depth) {
        d.write(x, y, s, Texel::Float([v, 0.0, 0.0, 1.0]));
    }
    if let (Some(v), Some(t)) = (o.stencil, att.stencil) {
        t.write(x, y, s, Texel::Uint([v as u32, 0, 0, 1]));
    }
    o.pass
}

/// [`depth_test_only`] on lanes `lanes` of the quad at (x, y) of a single-sample D32_SFLOAT
/// plane, four at a time, `z` the lanes' depths: the lanes that pass (None where the quad is
/// not wholly inside the plane: then lane by lane).
#[inline(always)]
fn depth_quad_d32(
    t: &Target<'_>,
    ds: &DepthStencil,
    (x, y): (i32, i32),
    lanes: u8,
    z: [f32; 4],
) -> Option<u8> {
    let (a, b) = t.quad_rows(x, y)?;
    if !ds.depth_test {
        return Some(lanes);
    }
    let (r0, r1) = (t.load::<8>(a), t.load::<8>(b));
    let word = |r: [u8; 8], k: usize| f32::from_le_bytes([r[k], r[k + 1], r[k + 2], r[k + 3]]);
    let old = [word(r0, 0), word(r0, 4), word(r1, 0), word(r1, 4)];
    let pass = depth::compare4(ds.depth_compare, z, old) & lanes;
    if ds.depth_write && pass != 0 {
        // Each row's two words, the passing lanes' replaced (in registers: an array written
        // word by word and read back as pairs would wait for its stores).
        // Without branches: which lanes pass is data, not a pattern the CPU can predict.
        const KEEP: [u64; 4] = [0, 0xffff_ffff, 0xffff_ffff << 32, u64::MAX];
        let row = |r: [u8; 8], lo: f32, hi: f32, m: u8| -> [u8; 8] {
            let new = lo.to_bits() as u64 | (hi.to_bits() as u64) << 32;
            let keep = KEEP[m as usize & 3];
            ((u64::from_le_bytes(r) & !keep) | (new & keep)).to_le_bytes()
        };
        t.store::<8>(a, row(r0, z[0], z[1], pass));
        t.store::<8>(b, row(r1, z[2], z[3], pass >> 2));
    }
    Some(pass)
}

/// [`fragment_tests`] for a D32_SFLOAT or D16_UNORM plane `t` without stencil and depth
/// bounds: the depth test and write on the stored bits (the same comparisons and values as
/// the texel path: the stored value decoded as the codec does, `z` quantized to the format).
#[inline]
fn depth_test_only(t: &Target<'_>, ds: &DepthStencil, (x, y, s): (i32, i32, u32), z: f32) -> bool {
    let Some(at) = t.at(x, y, s) else {
        // Outside the plane: no stored depth, which passes (as the texel path's None).
        return true;
    };
    if !ds.depth_test {
        return true;
    }
    if t.format == vk::Format::D32_SFLOAT {
        let za = f32::from_le_bytes(t.load::<4>(at));
        let ok = depth::compare(ds.depth_compare, z, za);
        if ok && ds.depth_write {
            t.store::<4>(at, z.to_le_bytes());
        }
        ok
    } else {
        let za = u16::from_le_bytes(t.load::<2>(at)) as f32 / 65535.0;
        let zf = depth::quantize(vk::Format::D16_UNORM, z);
        let ok = depth::compare(ds.depth_compare, zf, za);
        if ok && ds.depth_write {
            t.store::<2>(at, (unorm_code(zf, 65535.0) as u16).to_le_bytes());
        }
        ok
    }
}

/// The samples alpha-to-coverage keeps for `alpha`: the first round(alpha * samples) of them
/// (alpha clamped to [0, 1]; NaN keeps none).
fn coverage_of_alpha(alpha: f32, samples: u32) -> u32 {
    let a = if alpha.is_nan() {
        0.0
    } else {
        alpha.clamp(0.0, 1.0)
    };
    let n = (a * samples as f32).round() as u32;
    (1u32 << n.min(31)) - 1
}

/// What a fragment writes to one color attachment.
struct Output {
    /// Its output at the attachment's location (32-bit words).
    src: [u32; 4],
    /// The second source (location 0, index 1) for dual-source blend factors.
    src1: [f32; 4],
    constants: [f32; 4],
    logic_op: Option<vk::LogicOp>,
}

/// Writes fragment output `o` to color attachment `t` at sample (x, y, s): a logic op on the
/// encoded bits for integer and normalized formats when one is enabled, else blended for
/// float-domain formats (integer formats take the value); the write mask in every case.
fn write_color(t: &Target<'_>, ba: &BlendAttachment, o: &Output, (x, y, s): (i32, i32, u32)) {
    use crate::format::Numeric as N;
    let info = t.info;
    if !ba.enable && o.logic_op.is_none() && ba.write_mask == vk::ColorComponentFlags::RGBA {
        // Neither blending nor a logic op nor a partial mask: the output as it is (what the
        // general path below writes then, without reading the destination).
        let src = match info.domain {
            Domain::Float => Texel::Float(o.src.map(f32::from_bits)),
            Domain::Sint => Texel::Sint(o.src.map(|v| v as i32)),
            Domain::Uint => Texel::Uint(o.src),
        };
        t.write(x, y, s, src);
        return;
    }
    let Some(dst) = t.read(x, y, s) else { return };
    let src = match (info.domain, dst) {
        (Domain::Float, Texel::Float(_)) => Texel::Float(o.src.map(f32::from_bits)),
        (_, Texel::Uint(_)) => Texel::Uint(o.src),
        (_, Texel::Sint(_)) => Texel::Sint(o.src.map(|v| v as i32)),
        _ => return,
    };
    let logical = matches!(
        info.numeric,
        N::Unorm | N::Snorm | N::Uint | N::Sint | N::Uscaled | N::Sscaled
    );
    if let (Some(op), true) = (o.logic_op, logical) {
        // Bitwise on the encoded texels (every op is bitwise, so component boundaries do not
        // matter), then the write mask per component.
        let n = info.bytes as usize;
        let (mut sb, mut db) = ([0u8; 16], [0u8; 16]);
        crate::format::encode(t.format, src, &mut sb[..n]);
        crate::format::encode(t.format, dst, &mut db[..n]);
        let mut rb = [0u8; 16];
        for k in 0..n {
            rb[k] = blend::logic_op(op, sb[k] as u32, db[k] as u32) as u8;
        }
        let r = crate::format::decode(t.format, &rb[..n]);
        let write = match (r, dst) {
            (Texel::Float(r), Texel::Float(d)) => Texel::Float(pick_masked(ba, r, d)),
            (Texel::Uint(r), Texel::Uint(d)) => Texel::Uint(pick_masked(ba, r, d)),
            (Texel::Sint(r), Texel::Sint(d)) => Texel::Sint(pick_masked(ba, r, d)),
            _ => return,
        };
        t.write(x, y, s, write);
        return;
    }
    let texel = match (src, dst) {
        (Texel::Float(sv), Texel::Float(d)) => {
            let range = match info.numeric {
                N::Unorm | N::Srgb => blend::Range::Unorm,
                N::Snorm => blend::Range::Snorm,
                _ => blend::Range::Float,
            };
            let i = blend::Inputs {
                src: sv,
                src1: o.src1,
                dst: d,
                constants: o.constants,
            };
            Texel::Float(blend::blend(ba, &i, range))
        }
        // Integer formats: no blending (only the write mask), the words as they are.
        (Texel::Uint(sv), Texel::Uint(d)) => Texel::Uint(pick_masked(ba, sv, d)),
        (Texel::Sint(sv), Texel::Sint(d)) => Texel::Sint(pick_masked(ba, sv, d)),
        _ => return,
    };
    t.write(x, y, s, texel);
}

#[cfg(test)]
mod tests;
