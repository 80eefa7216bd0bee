//! A draw from vertices to pixels (issue 9; what vkCmdDraw will run, not yet reachable from
//! the API): vertex shader four vertices per call, triangle lists, clipping in clip space,
//! the viewport transform, setup and binning, then per tile (on the pool, triangles in
//! submission order) the fragment shader on quads with perspective-correct inputs, and the
//! color written to the attachment. No depth, stencil or blending yet: the last fragment
//! written to a pixel wins.

use super::clip::Planes;
use super::{Bins, Cull, Quad, Rect, Triangle, WinVertex};
use crate::shader::{
    FragmentKernel, IO_IN_FRAG_COORD, IO_IN_FRONT_FACING, IO_OUT_LOCATIONS, Interp, Resource,
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
}

/// A color attachment the draw writes: `width` x `height` texels, rows `row_pitch` bytes
/// apart, R32G32B32A32_SFLOAT or R8G8B8A8_UNORM.
pub struct Target<'a> {
    ptr: *mut u8,
    _mem: std::marker::PhantomData<&'a mut [u8]>,
    len: usize,
    pub width: u32,
    pub height: u32,
    pub row_pitch: usize,
    pub format: vk::Format,
}

// SAFETY: tiles write disjoint texels (each tile's own pixels) through `ptr`, which borrows
// the memory mutably for 'a.
unsafe impl Sync for Target<'_> {}
unsafe impl Send for Target<'_> {}

impl<'a> Target<'a> {
    /// A target over `mem` (None when the format is not one of the supported ones or the
    /// rows do not fit).
    pub fn new(
        mem: &'a mut [u8],
        width: u32,
        height: u32,
        row_pitch: usize,
        format: vk::Format,
    ) -> Option<Target<'a>> {
        let texel = match format {
            vk::Format::R32G32B32A32_SFLOAT => 16,
            vk::Format::R8G8B8A8_UNORM => 4,
            _ => return None,
        };
        let need = (height as usize).checked_sub(1).map_or(Some(0), |h| {
            h.checked_mul(row_pitch)?
                .checked_add(texel * width as usize)
        })?;
        if row_pitch < texel * width as usize || need > mem.len() {
            return None;
        }
        Some(Target {
            ptr: mem.as_mut_ptr(),
            _mem: std::marker::PhantomData,
            len: mem.len(),
            width,
            height,
            row_pitch,
            format,
        })
    }

    fn write(&self, x: i32, y: i32, rgba: [f32; 4]) {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return;
        }
        let at = y as usize * self.row_pitch;
        let (bytes, n): ([u8; 16], usize) = match self.format {
            vk::Format::R32G32B32A32_SFLOAT => {
                let mut b = [0u8; 16];
                for (k, v) in rgba.iter().enumerate() {
                    b[4 * k..4 * k + 4].copy_from_slice(&v.to_le_bytes());
                }
                (b, 16)
            }
            _ => {
                let mut b = [0u8; 16];
                for (k, v) in rgba.iter().enumerate() {
                    // UNORM: clamp, scale, round to nearest (NaN becomes 0).
                    let v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
                    b[k] = (v * 255.0).round() as u8;
                }
                (b, 4)
            }
        };
        let at = at + x as usize * n;
        if at + n <= self.len {
            // SAFETY: inside the target's memory (checked); only this tile writes the texel.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(at), n) };
        }
    }
}

/// One set-up triangle with its vertices' interpolated inputs.
struct Prim {
    tri: Triangle,
    /// Per vertex: the smooth and noperspective inputs, in `Inputs::varying` order.
    attrs: [Vec<f32>; 3],
    /// The flat inputs (from the provoking vertex, the first), in `Inputs::flat` order.
    flat: Vec<u32>,
}

/// Which vertex outputs feed which fragment inputs.
struct Inputs {
    /// (fragment input row, output location, component, noperspective).
    varying: Vec<(usize, usize, usize, bool)>,
    /// (fragment input row, output location, component).
    flat: Vec<(usize, usize, usize)>,
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

/// Draws `vertices` as a triangle list (a trailing incomplete triangle is ignored).
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
pub fn draw_triangle_list(
    vs: &VertexKernel,
    vs_slots: &[Resource<'_>],
    fs: &FragmentKernel,
    fs_slots: &[Resource<'_>],
    push: &[u8],
    vertices: &[VertexIn],
    state: &RasterState,
    target: &Target<'_>,
) {
    let outs = vs.run(vs_slots, push, vertices);
    let mut inputs = Inputs {
        varying: Vec::new(),
        flat: Vec::new(),
    };
    for &(row, interp) in &fs.inputs {
        let (loc, c) = (row as usize / 4, row as usize % 4);
        match interp {
            Interp::Flat => inputs.flat.push((row as usize, loc, c)),
            Interp::Smooth => inputs.varying.push((row as usize, loc, c, false)),
            Interp::NoPerspective => inputs.varying.push((row as usize, loc, c, true)),
        }
    }
    let vp = state.viewport;
    let (hw, hh) = (vp.width * 0.5, vp.height * 0.5);
    let (cx, cy) = (vp.x + hw, vp.y + hh);
    let planes = Planes::new(state.depth_clamp, [cx, cy], [hw, hh]);
    let area = Rect {
        x0: 0,
        y0: 0,
        x1: target.width as i32,
        y1: target.height as i32,
    };
    let scissor = state.scissor.intersect(viewport_rect(&vp)).intersect(area);
    // Clip records: x, y, z, w, then the varying inputs.
    let stride = 4 + inputs.varying.len();
    let record = |k: usize| -> Vec<f32> {
        let o = &outs[k];
        let mut r = o.position.to_vec();
        r.extend(
            inputs
                .varying
                .iter()
                .map(|&(_, loc, c, _)| f32::from_bits(o.locations[loc][c])),
        );
        r
    };
    let mut prims = Vec::new();
    let mut polygon = Vec::new();
    for t in 0..vertices.len() / 3 {
        let recs = [record(3 * t), record(3 * t + 1), record(3 * t + 2)];
        let flat: Vec<u32> = inputs
            .flat
            .iter()
            .map(|&(_, loc, c)| outs[3 * t].locations[loc][c])
            .collect();
        let n = planes.clip_triangle([&recs[0], &recs[1], &recs[2]], stride, &mut polygon);
        let window = |v: &[f32]| {
            let w_inv = 1.0 / v[3];
            WinVertex {
                x: cx + hw * (v[0] * w_inv),
                y: cy + hh * (v[1] * w_inv),
                z: vp.min_depth + (vp.max_depth - vp.min_depth) * (v[2] * w_inv),
                w_inv,
            }
        };
        for k in 1..n.saturating_sub(1) {
            let idx = [0, k, k + 1];
            let verts = idx.map(|i| window(&polygon[i * stride..(i + 1) * stride]));
            let Some(tri) = Triangle::new(verts, state.cull, state.front_ccw, scissor) else {
                continue;
            };
            let attrs = idx.map(|i| polygon[i * stride + 4..(i + 1) * stride].to_vec());
            prims.push(Prim {
                tri,
                attrs,
                flat: flat.clone(),
            });
        }
    }
    let mut bins = Bins::new(area);
    for (k, p) in prims.iter().enumerate() {
        bins.add(k as u32, &p.tri);
    }
    bins.for_each_tile(|tile, list| {
        let mut quads: Vec<(u32, Quad)> = Vec::new();
        for &k in list {
            prims[k as usize].tri.quads(tile, |q| quads.push((k, *q)));
        }
        fs.run_quads(
            fs_slots,
            push,
            quads.len(),
            |q, rows| {
                let (k, quad) = &quads[q];
                let p = &prims[*k as usize];
                let v = &p.tri.verts;
                for l in 0..4 {
                    let b = quad.bary[l];
                    // Perspective-correct weights: b_i / w_i, normalized.
                    let pw = [b[0] * v[0].w_inv, b[1] * v[1].w_inv, b[2] * v[2].w_inv];
                    let s = pw[0] + pw[1] + pw[2];
                    let pw = if s != 0.0 && s.is_finite() {
                        pw.map(|x| x / s)
                    } else {
                        b
                    };
                    for (j, &(row, _, _, noperspective)) in inputs.varying.iter().enumerate() {
                        let w = if noperspective { b } else { pw };
                        // From vertex 0 by differences: a constant attribute stays exact.
                        let a = [p.attrs[0][j], p.attrs[1][j], p.attrs[2][j]];
                        let x = a[0] + w[1] * (a[1] - a[0]) + w[2] * (a[2] - a[0]);
                        rows[row][l] = x.to_bits();
                    }
                    for (j, &(row, _, _)) in inputs.flat.iter().enumerate() {
                        rows[row][l] = p.flat[j];
                    }
                    let (x, y) = (quad.x + (l as i32 & 1), quad.y + (l as i32 >> 1));
                    let fc = IO_IN_FRAG_COORD as usize;
                    rows[fc][l] = (x as f32 + 0.5).to_bits();
                    rows[fc + 1][l] = (y as f32 + 0.5).to_bits();
                    let z = b[0] * v[0].z + b[1] * v[1].z + b[2] * v[2].z;
                    rows[fc + 2][l] = z.to_bits();
                    let w = b[0] * v[0].w_inv + b[1] * v[1].w_inv + b[2] * v[2].w_inv;
                    rows[fc + 3][l] = w.to_bits();
                    rows[IO_IN_FRONT_FACING as usize][l] =
                        if p.tri.front_facing { u32::MAX } else { 0 };
                }
                quad.mask
            },
            |q, rows, live| {
                let quad = &quads[q].1;
                for l in 0..4 {
                    if live >> l & 1 == 0 {
                        continue;
                    }
                    let o = IO_OUT_LOCATIONS as usize;
                    let rgba = std::array::from_fn(|c| f32::from_bits(rows[o + c][l]));
                    target.write(quad.x + (l as i32 & 1), quad.y + (l as i32 >> 1), rgba);
                }
            },
        );
    });
}

#[cfg(test)]
mod tests;
