//! Clipping of primitives in clip space ("Primitive Clipping"): against the near and far
//! planes 0 <= z <= w (unless depth clamping is on) exactly, and against a guard band in x and
//! y (|x|, |y| <= g w, with g chosen per viewport so that window coordinates stay inside
//! [`super::GUARD`]); what lies between the view volume's x/y sides and the guard band is left
//! to the rasterizer's scissor. Vertices are flat f32 records: x, y, z, w, then the
//! attributes, which are interpolated linearly in clip space (so perspective-correct after the
//! divide).

use super::lanes::F4;

/// The planes a primitive is clipped against: dot(plane, (x, y, z, w)) >= 0 is inside.
#[derive(Clone, Debug)]
pub struct Planes {
    planes: [[f32; 4]; 6],
    /// How many of `planes` apply (5 under depth clamping, else 6).
    count: usize,
    /// The active planes four at a time, component-major (`cols[g][i]`: component i of
    /// planes 4g..4g + 4), the missing ones repeating plane 4: `all_inside` on four lanes.
    cols: [[F4; 4]; 2],
}

/// The most vertices a clipped triangle can have (3 plus one per plane).
pub const MAX_POLYGON: usize = 3 + 6;

impl Planes {
    /// Near and far (0 <= z <= w) unless `depth_clamp`, and the guard band for a viewport of
    /// center (cx, cy) and half size (hw, hh) in pixels.
    pub fn new(depth_clamp: bool, center: [f32; 2], half: [f32; 2]) -> Planes {
        // |x_ndc| <= g keeps |center + half g| within half the guard band.
        let band = |c: f32, h: f32| {
            let h = h.abs().max(1.0);
            ((super::GUARD * 0.5 - c.abs()) / h).max(1.0)
        };
        let (gx, gy) = (band(center[0], half[0]), band(center[1], half[1]));
        let xy = [
            [1.0, 0.0, 0.0, gx],
            [-1.0, 0.0, 0.0, gx],
            [0.0, 1.0, 0.0, gy],
            [0.0, -1.0, 0.0, gy],
        ];
        let (z, count) = if !depth_clamp {
            ([[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, -1.0, 1.0]], 6)
        } else {
            // Depth clamping does not clip z, but w must stay positive to divide by it.
            ([[0.0, 0.0, 0.0, 1.0], [0.0; 4]], 5)
        };
        let planes = [xy[0], xy[1], xy[2], xy[3], z[0], z[1]];
        // (Loops, not nested `map`s: those are calls per element, and this runs per draw.)
        let mut cols = [[[0.0f32; 4]; 4]; 2];
        for (k, p) in (0..8)
            .map(|k| planes[if k < count { k } else { 4 }])
            .enumerate()
        {
            for (i, x) in p.into_iter().enumerate() {
                cols[k / 4][i][k % 4] = x;
            }
        }
        let group = |g: [[f32; 4]; 4]| [F4::new(g[0]), F4::new(g[1]), F4::new(g[2]), F4::new(g[3])];
        let cols = [group(cols[0]), group(cols[1])];
        Planes {
            planes,
            count,
            cols,
        }
    }

    /// The planes that apply.
    fn active(&self) -> &[[f32; 4]] {
        &self.planes[..self.count]
    }

    fn distance(plane: &[f32; 4], v: &[f32]) -> f32 {
        plane[0] * v[0] + plane[1] * v[1] + plane[2] * v[2] + plane[3] * v[3]
    }

    /// Whether every vertex is inside every plane (no clipping needed; NaN is not inside).
    pub fn all_inside(&self, verts: &[&[f32]]) -> bool {
        // Every plane's `distance` four planes at a time: the same operations in the same
        // order on each lane, so the same bits.
        verts.iter().all(|v| {
            let [x, y, z, w] = [v[0], v[1], v[2], v[3]].map(F4::splat);
            self.cols.iter().all(|c| {
                let d = c[0] * x + c[1] * y + c[2] * z + c[3] * w;
                d.nonnegative() == 0xf
            })
        })
    }

    /// Whether a point's vertex survives clipping: inside the near/far planes (or w > 0 under
    /// depth clamp) and the guard band; NaN never.
    pub fn point_inside(&self, v: &[f32]) -> bool {
        self.all_inside(&[v])
    }

    /// Clips the segment from `a` to `b` (records of `stride` floats, parametric clipping
    /// against every plane); None when nothing remains. Ends inside every plane stay exactly
    /// as given.
    pub fn clip_segment(
        &self,
        a: &[f32],
        b: &[f32],
        stride: usize,
    ) -> Option<(Vec<f32>, Vec<f32>)> {
        if a.len() < stride || b.len() < stride {
            return None;
        }
        if a[..4].iter().chain(&b[..4]).any(|x| !x.is_finite()) {
            return None;
        }
        let (mut t0, mut t1) = (0.0f32, 1.0f32);
        for p in self.active() {
            let (da, db) = (Self::distance(p, a), Self::distance(p, b));
            if da < 0.0 && db < 0.0 {
                return None;
            }
            if da < 0.0 {
                t0 = t0.max(da / (da - db));
            } else if db < 0.0 {
                t1 = t1.min(da / (da - db));
            }
        }
        if t0 > t1 {
            return None;
        }
        let at = |t: f32| -> Vec<f32> {
            (0..stride)
                .map(|k| {
                    if t == 0.0 {
                        a[k]
                    } else if t == 1.0 {
                        b[k]
                    } else {
                        a[k] + (b[k] - a[k]) * t
                    }
                })
                .collect()
        };
        let (pa, pb) = (at(t0), at(t1));
        (pa[3] > 0.0 && pb[3] > 0.0).then_some((pa, pb))
    }

    /// Clips the triangle `tri` (three records of `stride` floats) into a convex polygon,
    /// written to `out` as records; returns the number of vertices (0: nothing remains, e.g.
    /// behind the eye or NaN). A vertex w of zero or less never survives.
    pub fn clip_triangle(&self, tri: [&[f32]; 3], stride: usize, out: &mut Vec<f32>) -> usize {
        out.clear();
        if tri
            .iter()
            .any(|v| v.len() < stride || v[..4].iter().any(|x| !x.is_finite()))
        {
            return 0;
        }
        for v in tri {
            out.extend_from_slice(&v[..stride]);
        }
        let mut n = 3;
        let mut next = Vec::with_capacity(MAX_POLYGON * stride);
        for p in self.active() {
            if n == 0 {
                break;
            }
            next.clear();
            let mut m = 0;
            for i in 0..n {
                let a = &out[i * stride..(i + 1) * stride];
                let b = &out[((i + 1) % n) * stride..((i + 1) % n + 1) * stride];
                let (da, db) = (Self::distance(p, a), Self::distance(p, b));
                if da >= 0.0 {
                    next.extend_from_slice(a);
                    m += 1;
                }
                if (da >= 0.0) != (db >= 0.0) {
                    // The crossing, interpolated from the inside vertex (so a vertex shared by
                    // two triangles crossing the same edge gets the same point both times).
                    let (inside, outside, di, do_) = if da >= 0.0 {
                        (a, b, da, db)
                    } else {
                        (b, a, db, da)
                    };
                    let t = di / (di - do_);
                    for k in 0..stride {
                        next.push(inside[k] + (outside[k] - inside[k]) * t);
                    }
                    m += 1;
                }
            }
            std::mem::swap(out, &mut next);
            n = m;
        }
        // A polygon whose vertices all have w <= 0 is behind the eye (the guard band planes
        // keep w >= 0; exactly 0 only at the degenerate apex).
        if out
            .chunks(stride)
            .take(n)
            .any(|v| v[3].is_nan() || v[3] <= 0.0)
        {
            out.clear();
            return 0;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::tests::Rng;

    /// `all_inside` four planes at a time answers as every active plane's `distance` does:
    /// vertices on the planes, just outside, NaN and infinite, with and without depth
    /// clamping (five planes).
    #[test]
    fn all_inside_is_every_plane_distance() {
        let mut rng = Rng(0x9e37_79b9);
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            2.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        let (mut inside, mut outside) = (0, 0);
        for depth_clamp in [false, true] {
            let planes = Planes::new(depth_clamp, [960.0, 540.0], [960.0, 540.0]);
            for _ in 0..100_000 {
                let mut v = [0.0f32; 4];
                for c in &mut v {
                    *c = match rng.below(4) {
                        0 => specials[rng.below(specials.len() as u64) as usize],
                        _ => rng.below(4001) as f32 / 1000.0 - 2.0,
                    };
                }
                let want = planes
                    .active()
                    .iter()
                    .all(|p| Planes::distance(p, &v) >= 0.0);
                assert_eq!(planes.all_inside(&[&v]), want, "{v:?} clamp {depth_clamp}");
                if want {
                    inside += 1;
                } else {
                    outside += 1;
                }
            }
        }
        assert!(inside > 10_000 && outside > 10_000, "{inside} {outside}");
    }

    /// An attribute that is a linear function of the position stays that function at every
    /// clipped vertex; every vertex satisfies every plane; inside triangles pass unchanged.
    #[test]
    fn clipped_polygons_lie_inside_with_linear_attributes() {
        let planes = Planes::new(false, [400.0, 300.0], [400.0, 300.0]);
        let lin = |v: &[f32]| 2.0 * v[0] - 3.0 * v[1] + 0.5 * v[2] + 7.0 * v[3];
        let mut r = Rng(99);
        let mut out = Vec::new();
        let (mut clipped, mut empty, mut whole) = (0, 0, 0);
        for _ in 0..20_000 {
            let tri: Vec<[f32; 6]> = (0..3)
                .map(|_| {
                    let w = r.f(-2.0, 4.0);
                    let v = [
                        r.f(-3.0, 3.0) * w.abs().max(0.1) * 700.0,
                        r.f(-3.0, 3.0),
                        r.f(-0.2, 1.2) * w,
                        w,
                        0.0,
                        r.f(0.0, 1.0),
                    ];
                    let mut v = v;
                    v[4] = lin(&v);
                    v
                })
                .collect();
            let refs = [&tri[0][..], &tri[1][..], &tri[2][..]];
            let inside = planes.all_inside(&refs);
            let n = planes.clip_triangle(refs, 6, &mut out);
            assert!(n <= MAX_POLYGON);
            if inside {
                assert_eq!(n, 3);
                assert_eq!(&out[..18], &tri.concat()[..]);
                whole += 1;
                continue;
            }
            if n == 0 {
                empty += 1;
                continue;
            }
            clipped += 1;
            assert!(n >= 3, "a polygon of {n} vertices");
            // Rounding is relative to the input's magnitude (f32 interpolation).
            let scale = tri
                .iter()
                .flat_map(|v| v[..4].iter())
                .fold(1.0f32, |m, x| m.max(x.abs()));
            for v in out.chunks(6).take(n) {
                for p in planes.active() {
                    assert!(
                        Planes::distance(p, v) >= -1e-4 * scale,
                        "{v:?} outside {p:?}"
                    );
                }
                assert!(v[3] > 0.0);
                let want = lin(v);
                assert!(
                    (v[4] - want).abs() <= 1e-5 * scale * 20.0,
                    "attribute {} != {want} at {v:?}",
                    v[4]
                );
            }
        }
        assert!(
            clipped > 1000 && empty > 1000 && whole > 100,
            "{clipped} {empty} {whole}"
        );
    }

    /// NaN, infinities and everything behind the eye: nothing remains.
    #[test]
    fn hostile_and_invisible_triangles_clip_to_nothing() {
        let planes = Planes::new(false, [0.0, 0.0], [100.0, 100.0]);
        let mut out = Vec::new();
        let ok = [0.0, 0.0, 0.5, 1.0];
        for bad in [
            [f32::NAN, 0.0, 0.5, 1.0],
            [0.0, f32::INFINITY, 0.5, 1.0],
            [0.0, 0.0, 0.5, f32::NEG_INFINITY],
        ] {
            assert_eq!(planes.clip_triangle([&bad, &ok, &ok], 4, &mut out), 0);
        }
        let behind = [
            [0.0, 0.0, -0.5, -1.0],
            [1.0, 0.0, -0.5, -1.0],
            [0.0, 1.0, -0.5, -1.0],
        ];
        assert_eq!(
            planes.clip_triangle([&behind[0], &behind[1], &behind[2]], 4, &mut out),
            0
        );
        // Depth clamping keeps z but still drops w <= 0.
        let clamp = Planes::new(true, [0.0, 0.0], [100.0, 100.0]);
        let far = [
            [0.0, 0.0, 5.0, 1.0],
            [1.0, 0.0, 5.0, 1.0],
            [0.0, 1.0, 5.0, 1.0],
        ];
        assert_eq!(
            clamp.clip_triangle([&far[0], &far[1], &far[2]], 4, &mut out),
            3
        );
        assert_eq!(
            planes.clip_triangle([&far[0], &far[1], &far[2]], 4, &mut out),
            0
        );
        assert_eq!(
            clamp.clip_triangle([&behind[0], &behind[1], &behind[2]], 4, &mut out),
            0
        );
    }
}
