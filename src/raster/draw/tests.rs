use super::*;
use crate::shader::{Module, PipelineInterface, SpecConstants, compile_fragment, compile_vertex};

fn kernels() -> (VertexKernel, FragmentKernel) {
    let load = |name: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("shaders/tests")
            .join(name);
        let bytes = std::fs::read(&path).expect("spv");
        let words: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Module::parse(&words).expect("parse")
    };
    let iface = PipelineInterface {
        bindings: Vec::new(),
        push_constant_bytes: 0,
    };
    let spec = SpecConstants::default();
    let vs = compile_vertex(&load("draw_color_vs.spv"), "main", &spec, &iface);
    let fs = compile_fragment(&load("draw_color_fs.spv"), "main", &spec, &iface);
    (vs.expect("vertex"), fs.expect("fragment"))
}

fn vertex(pos: [f32; 4], color: [f32; 4], tag: u32) -> VertexIn {
    let mut v = VertexIn::default();
    v.inputs[0] = pos.map(f32::to_bits);
    v.inputs[1] = color.map(f32::to_bits);
    v.inputs[2] = [tag, 0, 0, 1];
    v
}

const W: u32 = 100;
const H: u32 = 80;
const SENTINEL: f32 = -7.0;

fn state(viewport: Viewport) -> RasterState {
    RasterState {
        viewport,
        scissor: Rect {
            x0: 0,
            y0: 0,
            x1: W as i32,
            y1: H as i32,
        },
        cull: Cull::None,
        front_ccw: true,
        depth_clamp: false,
    }
}

/// Draws into a fresh R32G32B32A32_SFLOAT target filled with SENTINEL; returns its texels.
fn draw(vertices: &[VertexIn], st: &RasterState) -> Vec<[f32; 4]> {
    let (vs, fs) = kernels();
    let mut mem: Vec<u8> = std::iter::repeat_n(SENTINEL.to_le_bytes(), (W * H * 4) as usize)
        .flatten()
        .collect();
    let target = Target::new(
        &mut mem,
        W,
        H,
        16 * W as usize,
        vk::Format::R32G32B32A32_SFLOAT,
    )
    .expect("target");
    draw_triangle_list(&vs, &[], &fs, &[], &[], vertices, st, &target);
    mem.chunks_exact(16)
        .map(|t| {
            std::array::from_fn(|k| f32::from_le_bytes(t[4 * k..4 * k + 4].try_into().unwrap()))
        })
        .collect()
}

const VIEWPORT: Viewport = Viewport {
    x: 10.0,
    y: 5.0,
    width: 64.0,
    height: 48.0,
    min_depth: 0.0,
    max_depth: 1.0,
};

/// Two triangles covering clip space fill exactly the viewport's pixels, each once, with the
/// flat tag of their provoking (first) vertex; nothing outside it is written.
#[test]
fn a_full_viewport_quad_fills_exactly_the_viewport() {
    let c = [0.25, 0.5, 0.75, 1.0];
    let v = |x: f32, y: f32, tag| vertex([x, y, 0.5, 1.0], c, tag);
    let verts = [
        v(-1.0, -1.0, 1),
        v(1.0, -1.0, 9),
        v(1.0, 1.0, 9),
        v(-1.0, -1.0, 2),
        v(1.0, 1.0, 9),
        v(-1.0, 1.0, 9),
    ];
    let img = draw(&verts, &state(VIEWPORT));
    for y in 0..H as i32 {
        for x in 0..W as i32 {
            let t = img[(y as u32 * W + x as u32) as usize];
            let inside = (10..74).contains(&x) && (5..53).contains(&y);
            if !inside {
                assert_eq!(
                    t, [SENTINEL; 4],
                    "({x}, {y}) outside the viewport was written"
                );
                continue;
            }
            assert_eq!(t[..3], c[..3], "({x}, {y})");
            // Viewport-relative: the first triangle holds the pixels right of the diagonal
            // y = x (in viewport units), its tag 1; the second the others.
            let (u, w) = ((x - 10) as f32 + 0.5, (y - 5) as f32 + 0.5);
            let first = u / 64.0 > w / 48.0;
            let second = u / 64.0 < w / 48.0;
            if first {
                assert_eq!(t[3], 1.0, "({x}, {y})");
            } else if second {
                assert_eq!(t[3], 2.0, "({x}, {y})");
            }
        }
    }
}

/// Perspective-correct interpolation: a triangle whose vertices have different w gives each
/// pixel the attribute of the surface point it sees (reference: barycentrics of the pixel
/// center in window space, divided by w and renormalized, in f64).
#[test]
fn attributes_interpolate_with_perspective() {
    let clip = [
        [-0.9 * 1.0, -0.9 * 1.0, 0.2, 1.0],
        [0.9 * 4.0, -0.8 * 4.0, 0.6 * 4.0, 4.0],
        [-0.7 * 2.0, 0.95 * 2.0, 0.4 * 2.0, 2.0],
    ];
    let colors = [
        [1.0, 0.0, 0.0, 1.0],
        [0.0, 1.0, 0.0, 1.0],
        [0.0, 0.0, 1.0, 1.0],
    ];
    let verts: Vec<VertexIn> = (0..3).map(|k| vertex(clip[k], colors[k], 3)).collect();
    let img = draw(&verts, &state(VIEWPORT));
    let win: Vec<(f64, f64)> = clip
        .iter()
        .map(|p| {
            let (x, y) = (p[0] as f64 / p[3] as f64, p[1] as f64 / p[3] as f64);
            // Snapped to 1/256 pixel, as the rasterizer does.
            let snap = |v: f64| (v * 256.0).round() / 256.0;
            (snap(10.0 + 32.0 * (x + 1.0)), snap(5.0 + 24.0 * (y + 1.0)))
        })
        .collect();
    let mut drawn = 0;
    for y in 0..H {
        for x in 0..W {
            let t = img[(y * W + x) as usize];
            if t == [SENTINEL; 4] {
                continue;
            }
            drawn += 1;
            let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
            let e =
                |a: (f64, f64), b: (f64, f64)| (b.0 - a.0) * (py - a.1) - (b.1 - a.1) * (px - a.0);
            let bary = [e(win[1], win[2]), e(win[2], win[0]), e(win[0], win[1])];
            let s: f64 = bary.iter().sum();
            let pw: Vec<f64> = (0..3).map(|k| bary[k] / s / clip[k][3] as f64).collect();
            let ps: f64 = pw.iter().sum();
            for (c, got) in t.iter().take(3).enumerate() {
                let want: f64 = (0..3).map(|k| pw[k] / ps * colors[k][c] as f64).sum();
                assert!(
                    (*got as f64 - want).abs() < 2e-5,
                    "({x}, {y}) component {c}: {got} != {want}"
                );
            }
        }
    }
    assert!(drawn > 500, "{drawn} pixels drawn");
}

/// Overlapping triangles in one draw give the image of drawing them one per draw, in order
/// (each tile runs its triangles in submission order, whatever the pool does).
#[test]
fn one_draw_equals_the_same_triangles_drawn_one_by_one() {
    let mut r = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        (r % 10_000) as f32 / 10_000.0
    };
    let verts: Vec<VertexIn> = (0..240)
        .map(|i| {
            let w = 0.5 + 2.0 * next();
            vertex(
                [
                    (next() * 2.6 - 1.3) * w,
                    (next() * 2.6 - 1.3) * w,
                    next() * w,
                    w,
                ],
                [next(), next(), next(), 1.0],
                i / 3,
            )
        })
        .collect();
    let st = state(VIEWPORT);
    let all = draw(&verts, &st);
    let (vs, fs) = kernels();
    let mut mem: Vec<u8> = std::iter::repeat_n(SENTINEL.to_le_bytes(), (W * H * 4) as usize)
        .flatten()
        .collect();
    let target = Target::new(
        &mut mem,
        W,
        H,
        16 * W as usize,
        vk::Format::R32G32B32A32_SFLOAT,
    )
    .unwrap();
    for t in verts.chunks(3) {
        draw_triangle_list(&vs, &[], &fs, &[], &[], t, &st, &target);
    }
    let one_by_one: Vec<[f32; 4]> = mem
        .chunks_exact(16)
        .map(|t| {
            std::array::from_fn(|k| f32::from_le_bytes(t[4 * k..4 * k + 4].try_into().unwrap()))
        })
        .collect();
    assert!(all == one_by_one, "one draw differs from 80 draws");
    assert!(all.iter().filter(|t| **t != [SENTINEL; 4]).count() > 1000);
}

/// A triangle reaching behind the eye is clipped at the near plane: only finite values, and
/// the visible part drawn; NaN positions and zero-area triangles draw nothing.
#[test]
fn clipping_and_hostile_positions() {
    let c = [0.5, 0.5, 0.5, 1.0];
    let verts = [
        vertex([-0.5, -0.5, 0.5, 1.0], c, 1),
        vertex([0.5, -0.5, 0.5, 1.0], c, 1),
        vertex([0.0, 3.0, -2.0, -1.0], c, 1),
    ];
    let img = draw(&verts, &state(VIEWPORT));
    let drawn = img.iter().filter(|t| **t != [SENTINEL; 4]).count();
    assert!(drawn > 50, "{drawn}");
    assert!(img.iter().all(|t| t.iter().all(|x| x.is_finite())));
    let bad = [
        vertex([f32::NAN, 0.0, 0.5, 1.0], c, 1),
        vertex([0.5, -0.5, 0.5, 1.0], c, 1),
        vertex([0.0, 0.5, 0.5, 1.0], c, 1),
        vertex([0.0, 0.0, 0.5, 1.0], c, 1),
        vertex([0.0, 0.0, 0.5, 1.0], c, 1),
        vertex([0.5, 0.5, 0.5, 1.0], c, 1),
        vertex([f32::INFINITY, 0.0, 0.5, 1.0], c, 1),
        vertex([0.5, -0.5, 0.5, 0.0], c, 1),
        vertex([0.0, 0.5, 0.5, 0.0], c, 1),
    ];
    let img = draw(&bad, &state(VIEWPORT));
    assert!(img.iter().all(|t| *t == [SENTINEL; 4]));
}
