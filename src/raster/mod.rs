//! The rasterizer core (`../shared/DESIGN.md` "Rasterizer"): triangles in window
//! coordinates become 2x2 quads of covered pixels, tile by tile, in an order that does not
//! depend on the thread count.
//!
//! - **Setup** ([`Triangle::new`]): the vertices snap to [`SUBPIXEL_BITS`] fractional bits
//!   (round to nearest even, as the conversion of an f32 to fixed point), the triangle's
//!   facing follows the spec's signed area ("Basic Polygon Rasterization"), culling drops it,
//!   and three exact integer edge functions are set up. A sample is inside when every edge
//!   function is positive there, or zero on a top-left edge: the tie-breaking rule the spec
//!   asks for ("if two polygons lie on either side of a common edge ... exactly one of the
//!   polygons must result in a covered sample"), made concrete as D3D's top-left rule in
//!   Vulkan's framebuffer space (y down). Vertices must lie within the guard band ([`GUARD`]
//!   pixels of the origin; clipping brings them there), so every edge function fits an i64:
//!   coordinates have at most 29 bits, products 58.
//! - **Binning** ([`Bins`]): each triangle goes to the bins of the [`TILE`]-pixel screen tiles
//!   its bounding box (clipped to the scissor) touches, in submission order.
//! - **Raster** ([`Triangle::quads`]): inside one tile, 8x8 blocks that lie outside an edge are
//!   skipped by their corner values, then each 2x2 quad gets its coverage mask (bit `dy * 2 +
//!   dx`, the SoA lane order of fragment quads) and its pixels' barycentric weights.
//!   [`Bins::for_each_tile`] runs tiles on the pool, each tile's triangles in submission
//!   order, so whatever a tile writes is the same for any thread count.

pub mod assembly;
pub mod blend;
pub mod clip;
pub mod depth;
pub mod draw;
pub mod fetch;
pub mod lanes;
pub mod merge;

use crate::exec;

/// Fractional bits of snapped vertex positions (subPixelPrecisionBits).
pub const SUBPIXEL_BITS: u32 = 8;
const ONE: i64 = 1 << SUBPIXEL_BITS;
const HALF: i64 = ONE / 2;

/// Screen tiles are TILE x TILE pixels.
pub const TILE: i32 = 64;

/// The guard band: vertices must satisfy |x|, |y| < GUARD pixels (window coordinates).
pub const GUARD: f32 = (1 << 20) as f32;

/// The estimated cost of a bin entry (setting up a triangle in a tile) and of a pixel it
/// may cover, in nanoseconds (measured on the bench's draws, rounded up).
const ENTRY_NS: u64 = 300;
const PIXEL_NS: u64 = 10;
/// Below this estimated work (ns), tiles run on the calling thread: waking the pool costs
/// more than it saves.
const SERIAL_NS: u64 = 150_000;
/// From this estimated work (ns) on, the calling thread rasterizes tiles beside the pool
/// ([`exec::share`]); below it, waiting for pool threads to start would cost more.
const SHARE_NS: u64 = 2_000_000;

/// Blocks rejected as a whole inside a tile are BLOCK x BLOCK pixels.
const BLOCK: i32 = 8;

/// A vertex in window (framebuffer) coordinates after the viewport transform: x, y in pixels,
/// z the depth, `w_inv` 1 / clip w (for perspective-correct interpolation).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WinVertex {
    pub x: f32,
    pub y: f32,
    pub z: f32,
    pub w_inv: f32,
}

/// A half-open rectangle of pixels: x0 <= x < x1, y0 <= y < y1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    pub fn intersect(self, o: Rect) -> Rect {
        Rect {
            x0: self.x0.max(o.x0),
            y0: self.y0.max(o.y0),
            x1: self.x1.min(o.x1),
            y1: self.y1.min(o.y1),
        }
    }

    pub fn is_empty(self) -> bool {
        self.x0 >= self.x1 || self.y0 >= self.y1
    }
}

/// VkCullModeFlags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cull {
    None,
    Front,
    Back,
    FrontAndBack,
}

/// A set-up triangle: exact edge functions over snapped positions.
#[derive(Clone, Debug)]
pub struct Triangle {
    /// Edge i (opposite vertex i): E_i(x, y) = a[i] x + b[i] y + c[i] at fixed-point sample
    /// positions, positive inside.
    a: [i64; 3],
    b: [i64; 3],
    c: [i64; 3],
    /// 1 where edge i is not top-left (a zero there is outside), else 0.
    bias: [i64; 3],
    /// E_0 + E_1 + E_2 (twice the snapped area, in fixed-point units squared; positive).
    area: i64,
    /// The pixels whose centers may be covered (bounding box within the scissor).
    pub bbox: Rect,
    /// The pixels whose area the snapped vertices' bounding box touches (within the scissor):
    /// where samples away from the center may be covered.
    pub bbox_any: Rect,
    /// The scissor cut `bbox`: pixels beyond its edges may be inside the triangle. (Else
    /// every pixel center outside `bbox` is outside the snapped vertices' bounding box,
    /// so outside an edge.)
    cut: bool,
    pub front_facing: bool,
    /// The vertices as given (barycentric weight i belongs to vertex i).
    pub verts: [WinVertex; 3],
}

/// The quads of one row of a block as `Triangle::quad_row_avx` writes them (in place: the
/// walk hands them on without copies); a quad without coverage has mask 0.
#[cfg(target_arch = "x86_64")]
struct QuadRow {
    quads: [Quad; 4],
}

/// Whether the CPU has AVX (asked once).
#[cfg(target_arch = "x86_64")]
fn has_avx() -> bool {
    static AVX: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVX.get_or_init(|| std::arch::is_x86_feature_detected!("avx"))
}

/// What [`Triangle::walk`] yields: a quad, or a fully covered block of quads.
#[derive(Clone, Copy, Debug)]
pub enum Walk<'q> {
    Quad(&'q Quad),
    Block(Rect),
}

/// One 2x2 quad of a triangle: pixels (x, y) .. (x + 1, y + 1) with x, y even.
#[derive(Clone, Copy, Debug)]
pub struct Quad {
    pub x: i32,
    pub y: i32,
    /// Bit `dy * 2 + dx`: pixel (x + dx, y + dy) is covered.
    pub mask: u8,
    /// Per vertex 0, 1, 2: its barycentric weight at each pixel's center (same order; helpers
    /// included, so derivatives can be taken across the quad).
    pub bary: [[f32; 4]; 3],
    /// Per pixel (same order): the covered samples (bit s: sample s; one sample: bit 0 at the
    /// pixel center).
    pub samples: [u8; 4],
}

/// The standard sample locations of 4 samples per pixel ("Standard Sample Locations"), in
/// 1/256 pixel from the pixel's top-left corner: (0.375, 0.125), (0.875, 0.375), (0.125,
/// 0.625), (0.625, 0.875).
pub const SAMPLES_4: [(i64, i64); 4] = [(96, 32), (224, 96), (32, 160), (160, 224)];

/// A window coordinate snapped to fixed point; None outside the guard band or not finite.
fn snap(v: f32) -> Option<i64> {
    if v.is_nan() || v.abs() >= GUARD {
        return None;
    }
    // |v| < 2^20: v * 256 is exact in f64; round half to even as the f32 -> fixed conversion:
    // adding and subtracting 1.5 * 2^52 rounds a value below 2^51 to an integer in the
    // default rounding mode, nearest-even (what `round_ties_even` gives, without its libm
    // call on CPUs without SSE4.1's roundsd; test `snapping_rounds_half_to_even`).
    const ROUND: f64 = 6_755_399_441_055_744.0;
    Some(((v as f64 * ONE as f64 + ROUND) - ROUND) as i64)
}

impl Triangle {
    /// Sets up a triangle; None when it is culled, has zero area, has a vertex outside the
    /// guard band (or NaN), or covers no pixel of `scissor`. `front_ccw`: VkFrontFace is
    /// COUNTER_CLOCKWISE.
    pub fn new(v: [WinVertex; 3], cull: Cull, front_ccw: bool, scissor: Rect) -> Option<Triangle> {
        let mut p = [(0i64, 0i64); 3];
        for (k, q) in v.iter().enumerate() {
            p[k] = (snap(q.x)?, snap(q.y)?);
        }
        // The spec's a = -1/2 sum(x_i y_(i+1) - x_(i+1) y_i): a > 0 is counter-clockwise
        // (for y pointing down, as framebuffer coordinates do).
        let cross: i64 = (0..3)
            .map(|i| {
                let j = (i + 1) % 3;
                p[i].0 * p[j].1 - p[j].0 * p[i].1
            })
            .sum();
        if cross == 0 {
            return None;
        }
        let ccw = cross < 0;
        let front_facing = ccw == front_ccw;
        match cull {
            Cull::FrontAndBack => return None,
            Cull::Front if front_facing => return None,
            Cull::Back if !front_facing => return None,
            _ => {}
        }
        // Edge i runs from vertex i+1 to vertex i+2; E(p) = d.x (p.y - y0) - d.y (p.x - x0),
        // negated where the winding makes the interior negative.
        let sign = if cross > 0 { 1 } else { -1 };
        let mut t = Triangle {
            a: [0; 3],
            b: [0; 3],
            c: [0; 3],
            bias: [0; 3],
            area: 0,
            bbox: Rect::default(),
            bbox_any: Rect::default(),
            cut: false,
            front_facing,
            verts: v,
        };
        for i in 0..3 {
            let (x0, y0) = p[(i + 1) % 3];
            let (x1, y1) = p[(i + 2) % 3];
            let (dx, dy) = (sign * (x1 - x0), sign * (y1 - y0));
            t.a[i] = -dy;
            t.b[i] = dx;
            t.c[i] = dy * x0 - dx * y0;
            let top_left = (dy == 0 && dx > 0) || dy < 0;
            t.bias[i] = if top_left { 0 } else { 1 };
        }
        let (v0x, v0y) = p[0];
        t.area = t.a[0] * v0x + t.b[0] * v0y + t.c[0];
        debug_assert!(t.area > 0);
        // Pixels whose centers may be inside: centers x + 1/2 within [min, max].
        let lo = |m: i64| (m - HALF + ONE - 1).div_euclid(ONE);
        let hi = |m: i64| (m - HALF).div_euclid(ONE) + 1;
        let xs = p.map(|q| q.0);
        let ys = p.map(|q| q.1);
        let (xmin, xmax) = (*xs.iter().min()?, *xs.iter().max()?);
        let (ymin, ymax) = (*ys.iter().min()?, *ys.iter().max()?);
        let bbox = Rect {
            x0: lo(xmin).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            y0: lo(ymin).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            x1: hi(xmax).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            y1: hi(ymax).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        };
        t.bbox = bbox.intersect(scissor);
        t.cut = t.bbox != bbox;
        let any = Rect {
            x0: xmin.div_euclid(ONE) as i32,
            y0: ymin.div_euclid(ONE) as i32,
            x1: xmax.div_euclid(ONE) as i32 + 1,
            y1: ymax.div_euclid(ONE) as i32 + 1,
        };
        t.bbox_any = any.intersect(scissor);
        if t.bbox_any.is_empty() {
            return None;
        }
        Some(t)
    }

    /// The edge functions at the center of pixel (x, y).
    #[inline]
    fn edges_at(&self, x: i32, y: i32) -> [i64; 3] {
        let (px, py) = (x as i64 * ONE + HALF, y as i64 * ONE + HALF);
        std::array::from_fn(|i| self.a[i] * px + self.b[i] * py + self.c[i])
    }

    /// Whether the center of pixel (x, y) is covered.
    pub fn covers(&self, x: i32, y: i32) -> bool {
        let e = self.edges_at(x, y);
        (0..3).all(|i| e[i] - self.bias[i] >= 0)
    }

    /// Calls `f` for every quad of `area` (a rectangle with even corners, e.g. a tile) with at
    /// least one covered pixel, row by row.
    pub fn quads(&self, area: Rect, f: impl FnMut(&Quad)) {
        self.quads_sampled(area, 1, f)
    }

    /// The edge functions at fixed-point position (fx, fy).
    #[inline]
    fn edges_fixed(&self, fx: i64, fy: i64) -> [i64; 3] {
        std::array::from_fn(|i| self.a[i] * fx + self.b[i] * fy + self.c[i])
    }

    /// The barycentric weights of the vertices at fixed-point position (fx, fy) (1/256 pixel).
    pub fn bary_at(&self, fx: i64, fy: i64) -> [f32; 3] {
        let inv = 1.0 / self.area as f64;
        self.edges_fixed(fx, fy).map(|v| (v as f64 * inv) as f32)
    }

    /// How the barycentric weights change per pixel: `[d/dx, d/dy]`, each per vertex.
    pub fn bary_steps(&self) -> [[f32; 3]; 2] {
        let inv = 256.0 / self.area as f64;
        [
            self.a.map(|a| (a as f64 * inv) as f32),
            self.b.map(|b| (b as f64 * inv) as f32),
        ]
    }

    /// [`Triangle::quads`] with `samples` samples per pixel (1, or 4 at [`SAMPLES_4`]): a
    /// pixel is in the quad's mask when any of its samples is covered, and `Quad::samples`
    /// says which.
    pub fn quads_sampled(&self, area: Rect, samples: u32, f: impl FnMut(&Quad)) {
        self.quads_with(area, samples, true, f)
    }

    /// [`Triangle::quads_sampled`]; with `weights` false the quads' `bary` are left zero
    /// (for callers that do not read them: set up for coverage alone, fully covered 8x8
    /// blocks cost no per-pixel work).
    pub fn quads_with(&self, area: Rect, samples: u32, weights: bool, mut f: impl FnMut(&Quad)) {
        self.walk(area, samples, weights, |w| {
            if let Walk::Quad(q) = w {
                f(q);
            }
            false
        })
    }

    /// [`Triangle::quads_with`], offering each fully covered block (every pixel center of it
    /// inside the triangle and `area`; whole quads) to `f` as a [`Walk::Block`] first: where
    /// `f` returns true it took the block, whose quads are then not yielded. Blocks are
    /// offered only with one sample, and only where `weights` is false. (What `f` returns
    /// for a quad is ignored.)
    pub fn walk(
        &self,
        area: Rect,
        samples: u32,
        weights: bool,
        mut f: impl FnMut(Walk<'_>) -> bool,
    ) {
        // One sample: pixels whose centers may be inside; four: whose area may be.
        let r = if samples > 1 {
            self.bbox_any
        } else {
            self.bbox
        }
        .intersect(area);
        if r.is_empty() {
            return;
        }
        // Quad-aligned bounds.
        let (qx0, qy0) = (r.x0 & !1, r.y0 & !1);
        let inv_area = 1.0 / self.area as f64;
        // Where `quad_f64` keeps pixels: `r`, or, where the scissor did not cut the box, the
        // area (pixels outside `bbox` fail an edge anyway): most quads then are inside it and
        // skip its per-pixel check.
        let bound = if self.cut { r } else { area };
        // One sample, and every edge value over the region (largest at a corner: the
        // functions are linear) below 2^52: the values are exact in f64, and so are their
        // sums, so a quad's pixels follow from its first by additions (`quad_f64`).
        let small = samples == 1 && {
            let corners = [
                (qx0, qy0),
                (r.x1 + 1, qy0),
                (qx0, r.y1 + 1),
                (r.x1 + 1, r.y1 + 1),
            ];
            corners.iter().all(|&(x, y)| {
                let e = self.edges_at(x, y);
                (0..3).all(|i| e[i].unsigned_abs() < 1 << 52)
            })
        };
        // The edge steps of one pixel in x and y, exact in f64 where `small`.
        let step = |c: [i64; 3]| c.map(|v| (v * ONE) as f64);
        let steps = (step(self.a), step(self.b));
        // With `small`, where the CPU has AVX, the quads of a block's row come from one
        // evaluation of its 2 x 8 pixels (`quad_row_avx`: the same values and bits).
        #[cfg(target_arch = "x86_64")]
        let rows_avx = small && has_avx();
        #[cfg(target_arch = "x86_64")]
        let mut row = QuadRow {
            quads: [Quad {
                x: 0,
                y: 0,
                mask: 0,
                bary: [[0.0; 4]; 3],
                samples: [0; 4],
            }; 4],
        };
        let mut by = qy0;
        while by < r.y1 {
            let bh = BLOCK.min(r.y1 - by);
            let mut bx = qx0;
            while bx < r.x1 {
                let bw = BLOCK.min(r.x1 - bx);
                if !self.block_outside(bx, by, bw, bh) {
                    // Every pixel of the block inside `r` (whole quads) and its center
                    // inside the triangle: the quads are fully covered.
                    let full = small
                        && bx >= r.x0
                        && by >= r.y0
                        && bw % 2 == 0
                        && bh % 2 == 0
                        && self.block_inside(bx, by, bw, bh);
                    if full
                        && !weights
                        && f(Walk::Block(Rect {
                            x0: bx,
                            y0: by,
                            x1: bx + bw,
                            y1: by + bh,
                        }))
                    {
                        bx += BLOCK;
                        continue;
                    }
                    // With `small`, the edge values at the pixel centers of each quad's
                    // first pixel, from the block's first by exact additions (each sum is an
                    // edge value inside the region, below 2^52).
                    let mut ey = if small {
                        self.edges_at(bx, by).map(|v| v as f64)
                    } else {
                        [0.0; 3]
                    };
                    let mut y = by;
                    while y < by + bh {
                        #[cfg(target_arch = "x86_64")]
                        if rows_avx && !full {
                            // SAFETY: `rows_avx` says the CPU has AVX.
                            let any = unsafe {
                                self.quad_row_avx((bx, y), bw, ey, steps, bound, inv_area, &mut row)
                            };
                            if any {
                                for quad in &row.quads {
                                    if quad.mask != 0 {
                                        f(Walk::Quad(quad));
                                    }
                                }
                            }
                            for (e, d) in ey.iter_mut().zip(steps.1) {
                                *e += 2.0 * d;
                            }
                            y += 2;
                            continue;
                        }
                        let mut ex = ey;
                        let mut x = bx;
                        while x < bx + bw {
                            let mut q = |quad: &Quad| {
                                f(Walk::Quad(quad));
                            };
                            match (full, small, weights) {
                                (true, _, false) => q(&Quad {
                                    x,
                                    y,
                                    mask: 0xf,
                                    bary: [[0.0; 4]; 3],
                                    samples: [1; 4],
                                }),
                                (true, _, true) => {
                                    self.quad_f64::<true>((x, y), ex, steps, r, inv_area, &mut q)
                                }
                                (false, true, _) => self.quad_f64::<false>(
                                    (x, y),
                                    ex,
                                    steps,
                                    bound,
                                    inv_area,
                                    &mut q,
                                ),
                                (false, false, _) => self.quad(x, y, r, inv_area, samples, &mut q),
                            }
                            for (e, d) in ex.iter_mut().zip(steps.0) {
                                *e += 2.0 * d;
                            }
                            x += 2;
                        }
                        for (e, d) in ey.iter_mut().zip(steps.1) {
                            *e += 2.0 * d;
                        }
                        y += 2;
                    }
                }
                bx += BLOCK;
            }
            by += BLOCK;
        }
    }

    /// Whether the whole area of the w x h pixel block at (x, y) (every sample position of
    /// it) is outside one edge: the edge function is linear, so its largest value over the
    /// block is at a corner.
    fn block_outside(&self, x: i32, y: i32, w: i32, h: i32) -> bool {
        let e = self.edges_fixed(x as i64 * ONE, y as i64 * ONE);
        (0..3).any(|i| {
            let dx = w as i64 * ONE * self.a[i];
            let dy = h as i64 * ONE * self.b[i];
            let max = e[i] + dx.max(0) + dy.max(0);
            max - self.bias[i] < 0
        })
    }

    /// Whether every pixel center of the w x h block at (x, y) is covered: each edge's
    /// smallest value over the centers (at a corner center) passes.
    fn block_inside(&self, x: i32, y: i32, w: i32, h: i32) -> bool {
        let e = self.edges_at(x, y);
        (0..3).all(|i| {
            let dx = (w - 1) as i64 * ONE * self.a[i];
            let dy = (h - 1) as i64 * ONE * self.b[i];
            let min = e[i] + dx.min(0) + dy.min(0);
            min - self.bias[i] >= 0
        })
    }

    /// The quads of the row of a block at `(x, y)`, `w` pixels wide (up to 8: (w + 1) / 2
    /// quads), with one sample where every edge value it meets is below 2^52 (`small` in
    /// [`Triangle::walk`]): from the edge values `e0` at its first pixel, exact in f64, each
    /// pixel's value is `e0 + k da (+ db)`, a product and a sum of integers whose results are
    /// edge values of the region, hence exact: the values [`Triangle::quad_f64`] reaches by
    /// additions, so the same coverage and, multiplied by `inv_area` and rounded to f32, the
    /// same weights. Lanes past the region hold values nobody reads. Pixels outside `r` are
    /// not covered. The quads go to `row` (weights only where a pixel is covered); false
    /// where none is (`row` then unchanged).
    ///
    /// # Safety
    /// The CPU has AVX.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn quad_row_avx(
        &self,
        (x, y): (i32, i32),
        w: i32,
        e0: [f64; 3],
        (da, db): ([f64; 3], [f64; 3]),
        r: Rect,
        inv_area: f64,
        row: &mut QuadRow,
    ) -> bool {
        use std::arch::x86_64::*;
        let quads = ((w + 1) / 2).clamp(0, 4) as usize;
        // Pixel columns k (0..8) inside `r`, and the two pixel rows.
        let lo = (r.x0 - x).clamp(0, 8) as u32;
        let hi = (r.x1 - x).clamp(0, 2 * quads as i32) as u32;
        let cols = ((1u32 << hi) - 1) & !((1u32 << lo) - 1);
        let row0 = if y >= r.y0 && y < r.y1 { cols } else { 0 };
        let row1 = if y + 1 >= r.y0 && y + 1 < r.y1 {
            cols
        } else {
            0
        };
        // (m0, m1): the pixels of rows y and y + 1 inside every edge so far.
        let (mut m0, mut m1) = (row0, row1);
        let ks = (
            _mm256_set_pd(3.0, 2.0, 1.0, 0.0),
            _mm256_set_pd(7.0, 6.0, 5.0, 4.0),
        );
        let mut v = [[_mm256_setzero_pd(); 4]; 3];
        for i in 0..3 {
            let d = _mm256_set1_pd(da[i]);
            let (s0, s1) = (_mm256_set1_pd(e0[i]), _mm256_set1_pd(e0[i] + db[i]));
            let (a, b) = (_mm256_mul_pd(ks.0, d), _mm256_mul_pd(ks.1, d));
            v[i] = [
                _mm256_add_pd(s0, a),
                _mm256_add_pd(s0, b),
                _mm256_add_pd(s1, a),
                _mm256_add_pd(s1, b),
            ];
            // Inside: e - bias >= 0; exact integers, so its sign bit is clear (e = bias
            // gives +0).
            let bias = _mm256_set1_pd(self.bias[i] as f64);
            let out = |e| _mm256_movemask_pd(_mm256_sub_pd(e, bias)) as u32;
            m0 &= !(out(v[i][0]) | out(v[i][1]) << 4);
            m1 &= !(out(v[i][2]) | out(v[i][3]) << 4);
        }
        if m0 | m1 == 0 {
            return false;
        }
        let inv = _mm256_set1_pd(inv_area);
        for (i, v) in v.iter().enumerate() {
            let f = v.map(|e| _mm256_cvtpd_ps(_mm256_mul_pd(e, inv)));
            // Quad q: lanes 2q, 2q + 1 of both rows (lane order dy * 2 + dx).
            let quad = [
                _mm_shuffle_ps::<0x44>(f[0], f[2]),
                _mm_shuffle_ps::<0xee>(f[0], f[2]),
                _mm_shuffle_ps::<0x44>(f[1], f[3]),
                _mm_shuffle_ps::<0xee>(f[1], f[3]),
            ];
            for (q, w) in quad.into_iter().enumerate() {
                // SAFETY: an unaligned store into the weights' array of four f32.
                unsafe { _mm_storeu_ps(row.quads[q].bary[i].as_mut_ptr(), w) };
            }
        }
        for (q, quad) in row.quads.iter_mut().enumerate() {
            // (Columns past `quads` are not in `m0`, `m1`.)
            let mask = ((m0 >> (2 * q) & 3) | (m1 >> (2 * q) & 3) << 2) as u8;
            quad.x = x + 2 * q as i32;
            quad.y = y;
            quad.mask = mask;
            quad.samples = [mask & 1, mask >> 1 & 1, mask >> 2 & 1, mask >> 3 & 1];
        }
        true
    }

    /// [`Triangle::quad`] with one sample where every edge value the quad meets is below
    /// 2^52: from the first pixel's edge values `e0` (exact in f64), the others by exact f64
    /// additions of `da` and `db`, the edge steps of one pixel in x and y (so the same values,
    /// weights and coverage). `FULL`: the caller knows the four pixels are covered and inside
    /// `r`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn quad_f64<const FULL: bool>(
        &self,
        (x, y): (i32, i32),
        e0: [f64; 3],
        (da, db): ([f64; 3], [f64; 3]),
        r: Rect,
        inv_area: f64,
        f: &mut impl FnMut(&Quad),
    ) {
        let mut q = Quad {
            x,
            y,
            mask: 0,
            bary: [[0.0; 4]; 3],
            samples: [0; 4],
        };
        #[cfg(target_arch = "x86_64")]
        {
            // The same values two lanes at a time: coverage first, weights only for quads
            // with a covered pixel.
            use std::arch::x86_64::*;
            // SAFETY: SSE2 is part of x86-64; the stores write the weights' arrays.
            unsafe {
                let mut e = [(_mm_setzero_pd(), _mm_setzero_pd()); 3];
                let mut inside = 0xf;
                for i in 0..3 {
                    // Lanes (0, 1) and (2, 3): exact sums, as in the scalar form below.
                    let lo = _mm_add_pd(_mm_set1_pd(e0[i]), _mm_set_pd(da[i], 0.0));
                    let hi = _mm_add_pd(_mm_set1_pd(e0[i] + db[i]), _mm_set_pd(da[i], 0.0));
                    e[i] = (lo, hi);
                    if !FULL {
                        let bias = _mm_set1_pd(self.bias[i] as f64);
                        let m = _mm_movemask_pd(_mm_cmpge_pd(lo, bias))
                            | _mm_movemask_pd(_mm_cmpge_pd(hi, bias)) << 2;
                        inside &= m;
                    }
                }
                if !FULL {
                    // (Only quads on the edge of `r` have pixels outside it.)
                    if x < r.x0 || y < r.y0 || x + 1 >= r.x1 || y + 1 >= r.y1 {
                        for k in 0..4 {
                            let (px, py) = (x + (k & 1), y + (k >> 1));
                            let within = px >= r.x0 && px < r.x1 && py >= r.y0 && py < r.y1;
                            inside &= !((!within as i32) << k);
                        }
                    }
                    if inside == 0 {
                        return;
                    }
                }
                let inv = _mm_set1_pd(inv_area);
                for (i, (lo, hi)) in e.into_iter().enumerate() {
                    let w = _mm_movelh_ps(
                        _mm_cvtpd_ps(_mm_mul_pd(lo, inv)),
                        _mm_cvtpd_ps(_mm_mul_pd(hi, inv)),
                    );
                    _mm_storeu_ps(q.bary[i].as_mut_ptr(), w);
                }
                for k in 0..4 {
                    q.samples[k] = (inside >> k & 1) as u8;
                }
                q.mask = inside as u8;
            }
            f(&q);
        }
        #[cfg(not(target_arch = "x86_64"))]
        for k in 0..4usize {
            let (dx, dy) = ((k & 1) as f64, (k >> 1) as f64);
            let mut inside = true;
            for i in 0..3 {
                // dx, dy are 0 or 1: each term exact, and so the sum.
                let e = e0[i] + dx * da[i] + dy * db[i];
                q.bary[i][k] = (e * inv_area) as f32;
                if !FULL {
                    inside &= e - self.bias[i] as f64 >= 0.0;
                }
            }
            let cover = if FULL {
                1
            } else {
                let (px, py) = (x + (k & 1) as i32, y + (k >> 1) as i32);
                let within = px >= r.x0 && px < r.x1 && py >= r.y0 && py < r.y1;
                (inside && within) as u8
            };
            q.samples[k] = cover;
            q.mask |= cover << k;
        }
        #[cfg(not(target_arch = "x86_64"))]
        if q.mask != 0 {
            f(&q);
        }
    }

    /// The quad at (x, y): each pixel inside `r` with its covered samples (the center, or
    /// the four standard locations), barycentrics at every pixel center.
    fn quad(
        &self,
        x: i32,
        y: i32,
        r: Rect,
        inv_area: f64,
        samples: u32,
        f: &mut impl FnMut(&Quad),
    ) {
        let mut q = Quad {
            x,
            y,
            mask: 0,
            bary: [[0.0; 4]; 3],
            samples: [0; 4],
        };
        let inside = |e: [i64; 3]| (0..3).all(|i| e[i] - self.bias[i] >= 0);
        for k in 0..4 {
            let (px, py) = (x + (k & 1), y + (k >> 1));
            let e = self.edges_at(px, py);
            for (w, e) in q.bary.iter_mut().zip(e) {
                w[k as usize] = (e as f64 * inv_area) as f32;
            }
            if px < r.x0 || px >= r.x1 || py < r.y0 || py >= r.y1 {
                continue;
            }
            let cover = if samples > 1 {
                let (fx, fy) = (px as i64 * ONE, py as i64 * ONE);
                SAMPLES_4.iter().enumerate().fold(0u8, |m, (s, (sx, sy))| {
                    m | (inside(self.edges_fixed(fx + sx, fy + sy)) as u8) << s
                })
            } else {
                inside(e) as u8
            };
            q.samples[k as usize] = cover;
            if cover != 0 {
                q.mask |= 1 << k;
            }
        }
        if q.mask != 0 {
            f(&q);
        }
    }
}

/// The tiles of `area`'s grid a triangle may cover: `f(tile index, pixels of the tile inside
/// its box)` for each tile its bounding box touches that it cannot be judged outside of by
/// the tile's corners.
#[inline]
fn tiles_of(area: Rect, tiles_x: i32, t: &Triangle, mut f: impl FnMut(usize, u64)) {
    let r = t.bbox_any.intersect(area);
    if r.is_empty() {
        return;
    }
    let tx0 = (r.x0 - area.x0) / TILE;
    let ty0 = (r.y0 - area.y0) / TILE;
    let tx1 = (r.x1 - 1 - area.x0) / TILE;
    let ty1 = (r.y1 - 1 - area.y0) / TILE;
    for ty in ty0..=ty1 {
        for tx in tx0..=tx1 {
            let k = (ty * tiles_x + tx) as usize;
            let tile = tile_at(area, tx, ty).intersect(r);
            if !t.block_outside(tile.x0, tile.y0, tile.x1 - tile.x0, tile.y1 - tile.y0) {
                f(k, ((tile.x1 - tile.x0) * (tile.y1 - tile.y0)) as u64);
            }
        }
    }
}

/// The tiles across `area` and down.
fn tile_grid(area: Rect) -> (i32, i32) {
    let w = (area.x1 - area.x0).max(0);
    let h = (area.y1 - area.y0).max(0);
    ((w + TILE - 1) / TILE, (h + TILE - 1) / TILE)
}

/// The pixels of tile `k` of `area`'s grid.
fn tile_rect(area: Rect, tiles_x: i32, k: usize) -> Rect {
    tile_at(area, k as i32 % tiles_x, k as i32 / tiles_x)
}

/// The pixels of the tile in column `tx` and row `ty` of `area`'s grid.
fn tile_at(area: Rect, tx: i32, ty: i32) -> Rect {
    let x0 = area.x0 + tx * TILE;
    let y0 = area.y0 + ty * TILE;
    Rect {
        x0,
        y0,
        x1: (x0 + TILE).min(area.x1),
        y1: (y0 + TILE).min(area.y1),
    }
}

/// A run of consecutive triangles binned on its own (a large draw's assembly chunk, on the
/// pool while its triangles are still in the cache): per tile of `area`'s grid, the run's
/// entries (indices within the run) in order. [`Bins::attach`] takes it as it is.
#[derive(Debug, Default)]
pub struct RunBins {
    area: Rect,
    /// Tile k's entries are `entries[starts[k]..starts[k + 1]]`.
    starts: Vec<u32>,
    entries: Vec<u32>,
    work: u64,
    /// The (tile, entry) pairs of the last build (its memory reused).
    pairs: Vec<(u32, u32)>,
}

impl RunBins {
    /// Bins `tris` (run index i is the i-th) over `area`'s tiles, reusing `self`'s memory.
    pub fn build<'t>(&mut self, area: Rect, tris: impl Iterator<Item = &'t Triangle>) {
        let (tiles_x, tiles_y) = tile_grid(area);
        let tiles = (tiles_x * tiles_y) as usize;
        self.area = area;
        self.work = 0;
        // (tile, entry) pairs, then a counting sort by tile (stable: run order kept).
        let (pairs, work) = (&mut self.pairs, &mut self.work);
        pairs.clear();
        for (i, t) in tris.enumerate() {
            tiles_of(area, tiles_x, t, |k, pixels| {
                pairs.push((k as u32, i as u32));
                *work += ENTRY_NS + PIXEL_NS * pixels;
            });
        }
        self.starts.clear();
        self.starts.resize(tiles + 1, 0);
        for &(k, _) in &self.pairs {
            self.starts[k as usize + 1] += 1;
        }
        for k in 0..tiles {
            self.starts[k + 1] += self.starts[k];
        }
        self.entries.clear();
        self.entries.resize(self.pairs.len(), 0);
        // Each tile's next free place (its start, moving on).
        let mut next: Vec<u32> = self.starts[..tiles].to_vec();
        for &(k, i) in &self.pairs {
            let at = &mut next[k as usize];
            self.entries[*at as usize] = i;
            *at += 1;
        }
    }

    /// The bytes it holds (capacity).
    pub fn bytes(&self) -> usize {
        4 * (self.starts.capacity() + self.entries.capacity() + 2 * self.pairs.capacity())
    }

    /// Tile `k`'s entries.
    fn tile(&self, k: usize) -> &[u32] {
        match (self.starts.get(k), self.starts.get(k + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// Triangles binned into screen tiles, in submission order.
pub struct Bins<'r> {
    /// The framebuffer area the bins cover.
    pub area: Rect,
    tiles_x: i32,
    bins: Vec<Vec<u32>>,
    /// Runs binned on their own, with the index of their first triangle (attached in
    /// increasing order).
    runs: Vec<(u32, &'r RunBins)>,
    /// The estimated cost of the entries so far (ns).
    work: u64,
}

impl<'r> Bins<'r> {
    /// Empty bins over `area` (its origin is the first tile's corner).
    pub fn new(area: Rect) -> Bins<'r> {
        let (tiles_x, tiles_y) = tile_grid(area);
        Bins {
            area,
            tiles_x,
            bins: vec![Vec::new(); (tiles_x * tiles_y) as usize],
            runs: Vec::new(),
            work: 0,
        }
    }

    /// The pixels of tile `k`.
    pub fn tile(&self, k: usize) -> Rect {
        tile_rect(self.area, self.tiles_x, k)
    }

    /// Adds triangle `index` to the bins of the tiles its bounding box touches (tiles it
    /// cannot cover, judged by their corners, are left out).
    pub fn add(&mut self, index: u32, t: &Triangle) {
        let (bins, work) = (&mut self.bins, &mut self.work);
        tiles_of(self.area, self.tiles_x, t, |k, pixels| {
            bins[k].push(index);
            *work += ENTRY_NS + PIXEL_NS * pixels;
        });
    }

    /// Whether `run` was binned over this area's tiles.
    pub fn accepts(&self, run: &RunBins) -> bool {
        run.area == self.area && run.starts.len() == self.bins.len() + 1
    }

    /// Adds the triangles of `run` (binned over this area: [`Bins::accepts`]) as triangles
    /// `first..`: what [`Bins::add`] of each would have added. Runs come in increasing
    /// order of `first`.
    pub fn attach(&mut self, first: u32, run: &'r RunBins) {
        debug_assert!(self.accepts(run));
        debug_assert!(self.runs.last().is_none_or(|(f, _)| *f < first));
        self.runs.push((first, run));
        self.work += run.work;
    }

    /// Runs `f(tile, triangle indices in submission order)` for every tile with triangles, on
    /// the pool (one task per tile: whatever `f` writes inside its tile does not depend on
    /// the thread count).
    ///
    /// Bins holding little work in all (by the estimate of their entries and the pixels
    /// they may cover) run on the calling thread: waking the pool costs more than they do
    /// (the result is the same either way).
    pub fn for_each_tile(&self, f: impl Fn(Rect, &[u32]) + Send + Sync) {
        let busy: Vec<usize> = (0..self.bins.len())
            .filter(|&k| {
                !self.bins[k].is_empty() || self.runs.iter().any(|(_, r)| !r.tile(k).is_empty())
            })
            .collect();
        let run = |k: usize| {
            if self.runs.is_empty() {
                return f(self.tile(k), &self.bins[k]);
            }
            // The attached runs' entries, in order, and the added ones: sorted together
            // where both have some (indices are distinct).
            let mut list = Vec::new();
            for (first, r) in &self.runs {
                list.extend(r.tile(k).iter().map(|&i| first + i));
            }
            if !self.bins[k].is_empty() {
                let sorted = list.is_empty();
                list.extend_from_slice(&self.bins[k]);
                if !sorted {
                    list.sort_unstable();
                }
            }
            f(self.tile(k), &list)
        };
        if self.work < SERIAL_NS {
            for &k in &busy {
                run(k);
            }
            return;
        }
        if self.work < SHARE_NS {
            exec::for_each(busy.len(), |i| run(busy[i]));
        } else {
            exec::share(busy.len(), |i| run(busy[i]));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
