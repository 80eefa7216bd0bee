use super::*;
use std::sync::atomic::{AtomicU32, Ordering};

/// xorshift64: deterministic test data (for the raster modules' tests).
pub(crate) struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A float in [lo, hi) in steps of (hi - lo) / 10^6.
    pub fn f(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (self.next() % 1_000_000) as f32 / 1_000_000.0
    }
}

fn v(x: f32, y: f32) -> WinVertex {
    WinVertex {
        x,
        y,
        z: 0.0,
        w_inv: 1.0,
    }
}

const SCREEN: Rect = Rect {
    x0: 0,
    y0: 0,
    x1: 200,
    y1: 150,
};

/// Draws `tris` through bins on the pool, adding 1 per covered pixel; returns the counts.
fn coverage_counts(tris: &[[WinVertex; 3]], screen: Rect) -> Vec<u32> {
    let set: Vec<Triangle> = tris
        .iter()
        .filter_map(|t| Triangle::new(*t, Cull::None, true, screen))
        .collect();
    let mut bins = Bins::new(screen);
    for (k, t) in set.iter().enumerate() {
        bins.add(k as u32, t);
    }
    let w = (screen.x1 - screen.x0) as usize;
    let counts: Vec<AtomicU32> = (0..w * (screen.y1 - screen.y0) as usize)
        .map(|_| AtomicU32::new(0))
        .collect();
    bins.for_each_tile(|tile, list| {
        for &k in list {
            set[k as usize].quads(tile, |q| {
                for b in 0..4 {
                    if q.mask >> b & 1 == 1 {
                        let (x, y) = (q.x + (b & 1), q.y + (b >> 1));
                        assert!(
                            x >= tile.x0 && x < tile.x1 && y >= tile.y0 && y < tile.y1,
                            "pixel ({x}, {y}) outside its tile {tile:?}"
                        );
                        let i = (y - screen.y0) as usize * w + (x - screen.x0) as usize;
                        counts[i].fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    counts.into_iter().map(|c| c.into_inner()).collect()
}

/// A grid of cells over a rectangle, each split into two triangles with random diagonals and
/// windings, interior vertices jittered (some onto pixel centers and edges exactly): the
/// triangles share every inner edge, so each pixel whose center lies in the rectangle (left and
/// top sides inclusive, right and bottom exclusive: the top-left rule on the rectangle) is
/// covered exactly once, and no other pixel is covered.
#[test]
fn shared_edges_cover_every_pixel_exactly_once() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..40 {
        let (n, m) = (2 + r.below(7) as usize, 2 + r.below(7) as usize);
        // Rectangle corners on 1/256 pixel, half the time on pixel centers or edges.
        let coord = |r: &mut Rng, lo: f32, span: f32| {
            let base = lo + (r.below((span * 256.0) as u64) as f32) / 256.0;
            match r.below(4) {
                0 => base.floor() + 0.5,
                1 => base.floor(),
                _ => base,
            }
        };
        let (x0, y0) = (coord(&mut r, 2.0, 40.0), coord(&mut r, 2.0, 30.0));
        let (x1, y1) = (
            x0 + 20.0 + coord(&mut r, 0.0, 120.0),
            y0 + 20.0 + coord(&mut r, 0.0, 90.0),
        );
        let tris = jittered_mesh(&mut r, n, m, (x0, y0, x1, y1));
        let counts = coverage_counts(&tris, SCREEN);
        let w = SCREEN.x1 as usize;
        // Snapped rectangle, centers in fixed point.
        let s = |x: f32| (x as f64 * 256.0).round_ties_even() as i64;
        let (sx0, sy0, sx1, sy1) = (s(x0), s(y0), s(x1), s(y1));
        for (k, &c) in counts.iter().enumerate() {
            let (px, py) = ((k % w) as i64, (k / w) as i64);
            let (cx, cy) = (px * 256 + 128, py * 256 + 128);
            let inside = cx >= sx0 && cx < sx1 && cy >= sy0 && cy < sy1;
            assert_eq!(
                c, inside as u32,
                "case {case}: pixel ({px}, {py}) covered {c} times (inside: {inside}) \
                 rect ({x0}, {y0})-({x1}, {y1})"
            );
        }
    }
}

/// A fan of triangles around a center, sharing every spoke: exactly-once coverage, against
/// the convex polygon's own test.
#[test]
fn a_fan_covers_its_polygon_exactly_once() {
    let mut r = Rng(77);
    for case in 0..30 {
        let (cx, cy) = (
            60.0 + r.below(8000) as f32 / 100.0,
            50.0 + r.below(5000) as f32 / 100.0,
        );
        let n = 3 + r.below(30) as usize;
        let radius = 5.0 + r.below(4000) as f32 / 100.0;
        let pts: Vec<(f32, f32)> = (0..n)
            .map(|k| {
                let t = k as f32 / n as f32 * std::f32::consts::TAU;
                (cx + radius * t.cos(), cy + radius * t.sin())
            })
            .collect();
        let tris: Vec<[WinVertex; 3]> = (0..n)
            .map(|k| {
                let (a, b) = (pts[k], pts[(k + 1) % n]);
                [v(cx, cy), v(a.0, a.1), v(b.0, b.1)]
            })
            .collect();
        let counts = coverage_counts(&tris, SCREEN);
        // The polygon (convex, angles increasing: positive orientation in y-down space): a
        // center is inside when on the inner side of every rim edge, ties by the same
        // top-left convention.
        let s = |x: f32| (x as f64 * 256.0).round_ties_even() as i64;
        let sp: Vec<(i64, i64)> = pts.iter().map(|&(x, y)| (s(x), s(y))).collect();
        let w = SCREEN.x1 as usize;
        let mut covered = 0;
        for (k, &c) in counts.iter().enumerate() {
            let (px, py) = ((k % w) as i64 * 256 + 128, (k / w) as i64 * 256 + 128);
            let inside = (0..n).all(|e| {
                let (a, b) = (sp[e], sp[(e + 1) % n]);
                let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                if dx == 0 && dy == 0 {
                    return true;
                }
                // Interior to the right of a -> b in y-down coordinates means cross > 0.
                let cross = dx * (py - a.1) - dy * (px - a.0);
                let top_left = (dy == 0 && dx > 0) || dy < 0;
                cross > 0 || (cross == 0 && top_left)
            });
            covered += c as usize;
            assert_eq!(
                c, inside as u32,
                "case {case}: pixel {k} covered {c} times, inside {inside}"
            );
        }
        assert!(covered > 0, "case {case}: nothing drawn");
    }
}

/// Overlapping triangles write their index into each covered pixel ("last one wins"): the
/// pool's tile order gives the image of drawing them one by one in order.
#[test]
fn overlapping_triangles_keep_submission_order_on_the_pool() {
    let mut r = Rng(5);
    let tris: Vec<[WinVertex; 3]> = (0..400)
        .map(|_| {
            [0; 3].map(|_| {
                v(
                    r.below(260 * 16) as f32 / 16.0 - 30.0,
                    r.below(210 * 16) as f32 / 16.0 - 30.0,
                )
            })
        })
        .collect();
    let set: Vec<(u32, Triangle)> = tris
        .iter()
        .enumerate()
        .filter_map(|(k, t)| Triangle::new(*t, Cull::None, true, SCREEN).map(|t| (k as u32, t)))
        .collect();
    let w = SCREEN.x1 as usize;
    let mut serial = vec![u32::MAX; w * SCREEN.y1 as usize];
    for (k, t) in &set {
        for y in SCREEN.y0..SCREEN.y1 {
            for x in SCREEN.x0..SCREEN.x1 {
                if t.covers(x, y) {
                    serial[y as usize * w + x as usize] = *k;
                }
            }
        }
    }
    let mut bins = Bins::new(SCREEN);
    for (i, (_, t)) in set.iter().enumerate() {
        bins.add(i as u32, t);
    }
    let image: Vec<AtomicU32> = (0..serial.len())
        .map(|_| AtomicU32::new(u32::MAX))
        .collect();
    bins.for_each_tile(|tile, list| {
        for &i in list {
            let (k, t) = &set[i as usize];
            t.quads(tile, |q| {
                for b in 0..4 {
                    if q.mask >> b & 1 == 1 {
                        let (x, y) = (q.x + (b & 1), q.y + (b >> 1));
                        image[y as usize * w + x as usize].store(*k, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let image: Vec<u32> = image.into_iter().map(|x| x.into_inner()).collect();
    assert!(image == serial, "tiled image differs from the serial one");
    assert!(image.iter().filter(|&&k| k != u32::MAX).count() > 10_000);
}

/// Facing follows the spec's signed area with y down; culling drops what it names.
#[test]
fn facing_and_culling_follow_the_spec() {
    // On screen (y down) a -> b -> c turns clockwise: a = -1/2 sum(...) is negative.
    let cw = [v(10.0, 10.0), v(30.0, 10.0), v(10.0, 30.0)];
    let ccw = [cw[0], cw[2], cw[1]];
    let t = |v, cull, front_ccw| Triangle::new(v, cull, front_ccw, SCREEN);
    assert!(!t(cw, Cull::None, true).unwrap().front_facing);
    assert!(t(ccw, Cull::None, true).unwrap().front_facing);
    assert!(t(cw, Cull::None, false).unwrap().front_facing);
    assert!(t(cw, Cull::Back, true).is_none());
    assert!(t(cw, Cull::Front, true).is_some());
    assert!(t(ccw, Cull::Front, true).is_none());
    assert!(t(ccw, Cull::FrontAndBack, true).is_none());
    // Barycentric weights: 1 at their own vertex, summing to 1.
    let tri = t(cw, Cull::None, true).unwrap();
    let mut seen = 0;
    tri.quads(SCREEN, |q| {
        let lane = |l: usize| q.bary.map(|w| w[l]);
        for l in 0..4 {
            let b = lane(l);
            assert!((b[0] + b[1] + b[2] - 1.0).abs() < 1e-5, "{b:?}");
        }
        if q.x == 10 && q.y == 10 {
            // Pixel (10, 10)'s center is (10.5, 10.5): weights 0.95, 0.025, 0.025.
            let b = lane(0);
            assert!(
                (b[0] - 0.95).abs() < 1e-6 && (b[1] - 0.025).abs() < 1e-6,
                "{b:?}"
            );
            seen += 1;
        }
    });
    assert_eq!(seen, 1);
}

/// Hostile vertices: NaN, infinities, outside the guard band, zero area, a triangle as large
/// as the guard band: refused or clipped to the scissor, never a panic or a pixel outside.
#[test]
fn hostile_triangles_are_refused_or_bounded() {
    let big = GUARD - 1.0;
    let bad = [
        [v(f32::NAN, 0.0), v(10.0, 0.0), v(0.0, 10.0)],
        [v(f32::INFINITY, 0.0), v(10.0, 0.0), v(0.0, 10.0)],
        [v(GUARD, 0.0), v(10.0, 0.0), v(0.0, 10.0)],
        [v(0.0, -GUARD * 4.0), v(10.0, 0.0), v(0.0, 10.0)],
        // Zero area: collinear and coincident.
        [v(0.0, 0.0), v(10.0, 10.0), v(20.0, 20.0)],
        [v(5.0, 5.0), v(5.0, 5.0), v(5.0, 5.0)],
        // Outside the scissor.
        [v(-50.0, -50.0), v(-10.0, -50.0), v(-50.0, -10.0)],
    ];
    for t in bad {
        assert!(
            Triangle::new(t, Cull::None, true, SCREEN).is_none(),
            "{t:?}"
        );
    }
    // As large as the guard band allows, every screen pixel inside (the hypotenuse x + y =
    // GUARD - 1001 is far away) ...
    let huge = [v(-big, -1000.0), v(big, -1000.0), v(-1000.0, big)];
    let counts = coverage_counts(&[huge], SCREEN);
    assert!(counts.iter().all(|&c| c == 1));
    // ... and its mirror image, whose hypotenuse x + y = 0 passes the screen's corner: no
    // pixel center of the screen has x + y < 0, or = 0 on this edge.
    let corner = [v(-big, -big), v(big, -big), v(-big, big)];
    let counts = coverage_counts(&[corner], SCREEN);
    assert!(counts.iter().all(|&c| c == 0));
    let t = Triangle::new(huge, Cull::None, true, SCREEN).unwrap();
    assert_eq!(t.bbox, SCREEN);
}

/// At 4 samples per pixel, triangles sharing edges (a jittered grid over a rectangle) cover
/// every sample inside the rectangle exactly once and no other, each quad's pixel mask being
/// the pixels with any sample covered.
#[test]
fn shared_edges_cover_every_sample_exactly_once() {
    let mut r = Rng(0xfeed_beef);
    for case in 0..20 {
        let (n, m) = (2 + r.below(5) as usize, 2 + r.below(5) as usize);
        let (x0, y0) = (
            3.0 + r.below(4000) as f32 / 256.0,
            2.0 + r.below(3000) as f32 / 256.0,
        );
        let (x1, y1) = (
            x0 + 30.0 + r.below(20000) as f32 / 256.0,
            y0 + 30.0 + r.below(15000) as f32 / 256.0,
        );
        let tris = jittered_mesh(&mut r, n, m, (x0, y0, x1, y1));
        let w = SCREEN.x1 as usize;
        let mut counts = vec![0u32; 4 * w * SCREEN.y1 as usize];
        for t in &tris {
            let Some(t) = Triangle::new(*t, Cull::None, true, SCREEN) else {
                continue;
            };
            t.quads_sampled(SCREEN, 4, |q| {
                for k in 0..4 {
                    let s = q.samples[k];
                    assert_eq!(q.mask >> k & 1 == 1, s != 0);
                    let (px, py) = (q.x + (k as i32 & 1), q.y + (k as i32 >> 1));
                    for b in 0..4 {
                        if s >> b & 1 == 1 {
                            counts[4 * (py as usize * w + px as usize) + b] += 1;
                        }
                    }
                }
            });
        }
        let snap = |x: f32| (x as f64 * 256.0).round_ties_even() as i64;
        let (sx0, sy0, sx1, sy1) = (snap(x0), snap(y0), snap(x1), snap(y1));
        for (k, &c) in counts.iter().enumerate() {
            let (p, s) = (k / 4, k % 4);
            let (px, py) = ((p % w) as i64, (p / w) as i64);
            let (fx, fy) = (px * 256 + SAMPLES_4[s].0, py * 256 + SAMPLES_4[s].1);
            let inside = fx >= sx0 && fx < sx1 && fy >= sy0 && fy < sy1;
            assert_eq!(
                c, inside as u32,
                "case {case}: pixel ({px}, {py}) sample {s}"
            );
        }
    }
}

/// An n x m grid of cells over the rectangle (x0, y0)-(x1, y1), each cell two triangles with a
/// random diagonal and random windings; inner vertices jittered by up to a pixel, a third of
/// them onto pixel centers in x or y (ties for the fill rule); border vertices on the border.
/// The triangles share every inner edge and cover exactly the rectangle.
fn jittered_mesh(
    r: &mut Rng,
    n: usize,
    m: usize,
    (x0, y0, x1, y1): (f32, f32, f32, f32),
) -> Vec<[WinVertex; 3]> {
    let mut grid = vec![vec![(0.0f32, 0.0f32); m + 1]; n + 1];
    for (i, row) in grid.iter_mut().enumerate() {
        for (j, p) in row.iter_mut().enumerate() {
            let fx = x0 + (x1 - x0) * i as f32 / n as f32;
            let fy = y0 + (y1 - y0) * j as f32 / m as f32;
            let jx = if i == 0 || i == n {
                0.0
            } else {
                (r.below(200) as f32 - 100.0) / 100.0
            };
            let jy = if j == 0 || j == m {
                0.0
            } else {
                (r.below(200) as f32 - 100.0) / 100.0
            };
            let (mut px, mut py) = (fx + jx, fy + jy);
            if r.below(3) == 0 && i != 0 && i != n {
                px = px.floor() + 0.5;
            }
            if r.below(3) == 0 && j != 0 && j != m {
                py = py.floor() + 0.5;
            }
            *p = (px, py);
        }
    }
    let mut tris = Vec::new();
    for i in 0..n {
        for j in 0..m {
            let [a, b, c, d] = [
                grid[i][j],
                grid[i + 1][j],
                grid[i + 1][j + 1],
                grid[i][j + 1],
            ]
            .map(|(x, y)| v(x, y));
            let halves = if r.below(2) == 0 {
                [[a, b, c], [a, c, d]]
            } else {
                [[a, b, d], [b, c, d]]
            };
            for mut t in halves {
                if r.below(2) == 0 {
                    t.swap(1, 2);
                }
                tris.push(t);
            }
        }
    }
    tris
}

/// A random triangle of about `span` pixels near the origin, with the part of its box
/// inside a 600 x 600 area around it (None when culled, degenerate or outside).
fn random_triangle(rng: &mut Rng, span: f32) -> Option<(Triangle, Rect)> {
    let (cx, cy) = (rng.f(-200.0, 200.0), rng.f(-200.0, 200.0));
    let p = |r: &mut Rng| v(cx + r.f(-span, span), cy + r.f(-span, span));
    let verts = [p(rng), p(rng), p(rng)];
    let area = Rect {
        x0: -300,
        y0: -300,
        x1: 300,
        y1: 300,
    };
    let t = Triangle::new(verts, Cull::None, true, area)?;
    let r = t.bbox.intersect(area);
    (!r.is_empty()).then_some((t, r))
}

/// A random quad position (even corner) in `r` or just around it.
fn random_quad(rng: &mut Rng, r: Rect) -> (i32, i32) {
    let x = (r.x0 + rng.below((r.x1 - r.x0) as u64 + 2) as i32 - 1) & !1;
    let y = (r.y0 + rng.below((r.y1 - r.y0) as u64 + 2) as i32 - 1) & !1;
    (x, y)
}

/// A quad's pixels by f64 additions (`quad_f64`) give the coverage and barycentric weights
/// of the exact integer evaluation (`quad`), for random triangles small and large (up to the
/// guard band), at random quads in and around them.
#[test]
fn quads_by_additions_match_the_exact_evaluation() {
    let mut rng = Rng(11);
    let mut compared = 0;
    for round in 0..3000 {
        let Some((t, r)) = random_triangle(&mut rng, [40.0, 3000.0, 9.0e5][round % 3]) else {
            continue;
        };
        let inv = 1.0 / t.area as f64;
        for _ in 0..16 {
            let (x, y) = random_quad(&mut rng, r);
            let mut exact = None;
            t.quad(x, y, r, inv, 1, &mut |q: &Quad| exact = Some(*q));
            let mut added = None;
            let e0 = t.edges_at(x, y).map(|v| v as f64);
            let step = |c: [i64; 3]| c.map(|v| (v * ONE) as f64);
            let steps = (step(t.a), step(t.b));
            t.quad_f64::<false>((x, y), e0, steps, r, inv, &mut |q: &Quad| added = Some(*q));
            match (exact, added) {
                (None, None) => {}
                (Some(a), Some(b)) => {
                    assert_eq!((a.mask, a.samples), (b.mask, b.samples), "round {round}");
                    let bits = |q: &Quad| q.bary.map(|w| w.map(f32::to_bits));
                    assert_eq!(bits(&a), bits(&b), "round {round} at ({x}, {y})");
                    compared += 1;
                }
                _ => panic!("round {round} at ({x}, {y}): one path found the quad empty"),
            }
        }
    }
    assert!(compared > 10_000, "{compared} quads compared");
}

/// A block row's quads from one AVX evaluation (`quad_row_avx`, what `walk` uses where the
/// CPU has AVX) give the coverage and weight bits of the exact per-quad evaluation, for rows
/// of every width from 1 to 8 pixels, across `r`'s edges included.
#[cfg(target_arch = "x86_64")]
#[test]
fn quad_rows_match_the_exact_evaluation() {
    if !super::has_avx() {
        eprintln!("no AVX here: nothing to compare");
        return;
    }
    let mut rng = Rng(13);
    let mut compared = 0;
    for round in 0..3000 {
        let Some((t, r)) = random_triangle(&mut rng, [12.0, 40.0, 3000.0][round % 3]) else {
            continue;
        };
        let inv = 1.0 / t.area as f64;
        let step = |c: [i64; 3]| c.map(|v| (v * ONE) as f64);
        let steps = (step(t.a), step(t.b));
        for _ in 0..16 {
            let (x, y) = random_quad(&mut rng, r);
            let w = 1 + rng.below(8) as i32;
            // (walk's precondition: every edge value of the row below 2^52.)
            let small = [(x, y), (x + 8, y), (x, y + 2), (x + 8, y + 2)]
                .iter()
                .all(|&(x, y)| t.edges_at(x, y).iter().all(|e| e.unsigned_abs() < 1 << 52));
            if !small {
                continue;
            }
            let e0 = t.edges_at(x, y).map(|v| v as f64);
            // A row left from another evaluation, which must not show through.
            let stale = Quad {
                x: -7,
                y: -7,
                mask: 0xf,
                bary: [[0.5; 4]; 3],
                samples: [1; 4],
            };
            let mut row = super::QuadRow { quads: [stale; 4] };
            // SAFETY: the CPU has AVX (checked above).
            let any = unsafe { t.quad_row_avx((x, y), w, e0, steps, r, inv, &mut row) };
            if !any {
                row.quads.iter_mut().for_each(|q| q.mask = 0);
            }
            for q in 0..4 {
                let qx = x + 2 * q as i32;
                let mut exact = None;
                if q < ((w + 1) / 2) as usize {
                    t.quad(qx, y, r, inv, 1, &mut |e: &Quad| exact = Some(*e));
                }
                match exact {
                    None => assert_eq!(
                        row.quads[q].mask, 0,
                        "round {round} quad {q} at ({qx}, {y})"
                    ),
                    Some(e) => {
                        let got = &row.quads[q];
                        assert_eq!(
                            (e.x, e.y, e.mask),
                            (got.x, got.y, got.mask),
                            "round {round}"
                        );
                        assert_eq!(e.samples, got.samples, "round {round} at ({qx}, {y})");
                        let bits = |b: [[f32; 4]; 3]| b.map(|w| w.map(f32::to_bits));
                        assert_eq!(bits(e.bary), bits(got.bary), "round {round} ({qx}, {y})");
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(compared > 10_000, "{compared} quads compared");
}

/// Whole-triangle walks (`quads_with`: fully covered 8x8 blocks taken without per-pixel
/// tests, with or without weights; `walk` with a taker of whole blocks, whose every quad must
/// be fully covered) give the quads, coverage and weights of the exact per-quad evaluation,
/// for triangles from a few pixels to larger than the area.
#[test]
fn covered_blocks_match_the_exact_evaluation() {
    let mut rng = Rng(12);
    let mut full = 0;
    let mut took = 0;
    for round in 0..600 {
        let span = [6.0, 40.0, 300.0, 3000.0][round % 4];
        let (cx, cy) = (rng.f(-100.0, 100.0), rng.f(-100.0, 100.0));
        let p = |r: &mut Rng| v(cx + r.f(-span, span), cy + r.f(-span, span));
        let verts = [p(&mut rng), p(&mut rng), p(&mut rng)];
        // Odd corners: blocks at the area's edges hold partial quads.
        let area = Rect {
            x0: -131,
            y0: -97,
            x1: 121,
            y1: 139,
        };
        let Some(t) = Triangle::new(verts, Cull::None, true, area) else {
            continue;
        };
        let r = t.bbox.intersect(area);
        let inv = 1.0 / t.area as f64;
        let key = |q: &Quad| {
            (
                q.y,
                q.x,
                q.mask,
                q.samples,
                q.bary.map(|w| w.map(f32::to_bits)),
            )
        };
        let mut exact = Vec::new();
        if !r.is_empty() {
            for y in ((r.y0 & !1)..r.y1).step_by(2) {
                for x in ((r.x0 & !1)..r.x1).step_by(2) {
                    t.quad(x, y, r, inv, 1, &mut |q: &Quad| exact.push(key(q)));
                }
            }
        }
        for (weights, blocks) in [(true, false), (false, false), (false, true)] {
            let mut walked = Vec::new();
            // Blocks taken whole are recorded as their (fully covered) quads.
            let mut taken = Vec::new();
            t.walk(area, 1, weights, |w| {
                let q = match w {
                    Walk::Block(b) => {
                        if blocks {
                            taken.push(b);
                        }
                        return blocks;
                    }
                    Walk::Quad(q) => q,
                };
                full += (q.mask == 0xf) as usize;
                let mut k = key(q);
                if !weights && q.mask == 0xf {
                    // Left out where every pixel is covered: compare the rest.
                    k.4 = exact
                        .iter()
                        .find(|e| (e.0, e.1) == (k.0, k.1))
                        .map_or(k.4, |e| e.4);
                }
                walked.push(k);
                false
            });
            took += taken.len();
            for b in taken {
                assert!(b.x1 - b.x0 <= 8 && b.y1 - b.y0 <= 8, "{b:?}");
                for y in (b.y0..b.y1).step_by(2) {
                    for x in (b.x0..b.x1).step_by(2) {
                        full += 1;
                        // (`exact` is in (y, x) order.)
                        let e = exact.binary_search_by_key(&(y, x), |e| (e.0, e.1));
                        let e = &exact[e.expect("a taken block's quad is covered")];
                        assert_eq!(e.2, 0xf, "a taken block's quad is fully covered");
                        walked.push(*e);
                    }
                }
            }
            walked.sort();
            assert_eq!(walked, exact, "round {round}, weights {weights}");
        }
    }
    assert!(full > 10_000, "{full} fully covered quads");
    assert!(took > 1_000, "{took} blocks taken whole");
}

/// Triangles binned in runs ([`RunBins`], attached) and added one by one, mixed in any way,
/// give every tile the same list in the same order as adding them all; runs binned over
/// another area are not accepted.
#[test]
fn attached_runs_bin_like_added_triangles() {
    let mut r = Rng(0x5eed_b175);
    let screen = Rect {
        x0: 0,
        y0: 0,
        x1: 300,
        y1: 200,
    };
    let set: Vec<Triangle> = (0..3000)
        .filter_map(|_| {
            let (cx, cy) = (r.f(-40.0, 340.0), r.f(-40.0, 240.0));
            let s = if r.below(10) == 0 { 150.0 } else { 12.0 };
            let p = [(); 3].map(|_| v(cx + r.f(-s, s), cy + r.f(-s, s)));
            Triangle::new(p, Cull::None, true, screen)
        })
        .collect();
    let lists = |bins: &Bins<'_>| {
        let out: Vec<std::sync::Mutex<Vec<u32>>> =
            (0..bins.bins.len()).map(|_| Default::default()).collect();
        bins.for_each_tile(|tile, list| {
            let k = ((tile.y0 / TILE) * bins.tiles_x + tile.x0 / TILE) as usize;
            *out[k].lock().unwrap() = list.to_vec();
        });
        out.into_iter()
            .map(|m| m.into_inner().unwrap())
            .collect::<Vec<_>>()
    };
    let mut all = Bins::new(screen);
    for (k, t) in set.iter().enumerate() {
        all.add(k as u32, t);
    }
    let expected = lists(&all);
    assert!(expected.iter().filter(|l| !l.is_empty()).count() > 15);
    // Runs of random lengths, each binned on its own or added, the runs' memory reused.
    for case in 0..6 {
        let mut cuts = vec![0, set.len()];
        cuts.extend((0..1 + case * 3).map(|_| r.below(set.len() as u64) as usize));
        cuts.sort_unstable();
        let runs: Vec<(usize, usize, Option<RunBins>)> = cuts
            .windows(2)
            .map(|w| {
                let binned = (case == 0 || r.below(3) != 0).then(|| {
                    let mut b = RunBins::default();
                    b.build(screen, set[w[0]..w[1]].iter());
                    b.build(screen, set[w[0]..w[1]].iter());
                    b
                });
                (w[0], w[1], binned)
            })
            .collect();
        let mut bins = Bins::new(screen);
        for (a, b, binned) in &runs {
            match binned {
                Some(run) => {
                    assert!(bins.accepts(run));
                    bins.attach(*a as u32, run);
                }
                None => {
                    for (k, t) in (*a..*b).zip(&set[*a..*b]) {
                        bins.add(k as u32, t);
                    }
                }
            }
        }
        assert_eq!(bins.work, all.work, "case {case}");
        assert!(lists(&bins) == expected, "case {case}: tile lists differ");
    }
    let mut other = RunBins::default();
    other.build(Rect { x1: 200, ..screen }, set.iter());
    assert!(!all.accepts(&other));
}

/// Snapping to 1/256 pixel rounds half to even, as `round_ties_even` does, over the whole
/// guard band: halves, their neighbours, negative values and random floats.
#[test]
fn snapping_rounds_half_to_even() {
    let mut values = vec![0.0f32, -0.0, GUARD.next_down(), -GUARD.next_down()];
    for k in -4096i32..4096 {
        let half = (k as f32 + 0.5) / 256.0;
        values.extend([half, half.next_up(), half.next_down(), k as f32 / 256.0]);
    }
    let mut rng = Rng(0x1234_5678);
    for _ in 0..200_000 {
        let x = rng.next() as u32;
        let v = f32::from_bits(x);
        if v.abs() < GUARD {
            values.push(v);
        }
        values.push(((x >> 8) as f32 / (1 << 24) as f32 * 2.0 - 1.0) * GUARD);
    }
    for v in values {
        let want = (v as f64 * ONE as f64).round_ties_even() as i64;
        assert_eq!(snap(v), Some(want), "{v:e}");
    }
    assert_eq!(snap(f32::NAN), None);
    assert_eq!(snap(GUARD), None);
}
