use super::*;
use crate::raster::depth::StencilFace;
use crate::shader::{Module, PipelineInterface, SpecConstants, compile_fragment, compile_vertex};

/// The module of shaders/tests/NAME (a .spv).
fn module(name: &str) -> Module {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shaders/tests")
        .join(name);
    let bytes = std::fs::read(&path).expect("spv");
    let words: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Module::parse(&words).expect("parse")
}

const NO_BINDINGS: PipelineInterface = PipelineInterface {
    bindings: Vec::new(),
    push_constant_bytes: 0,
};

fn kernels() -> (VertexKernel, FragmentKernel) {
    let spec = SpecConstants::default();
    let vs = compile_vertex(&module("draw_color_vs.spv"), "main", &spec, &NO_BINDINGS);
    let fs = compile_fragment(&module("draw_color_fs.spv"), "main", &spec, &NO_BINDINGS);
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
        depth_stencil: DepthStencil {
            depth_test: false,
            depth_write: false,
            depth_compare: vk::CompareOp::ALWAYS,
            depth_bounds: None,
            stencil: None,
        },
        blend_constants: [0.0; 4],
        samples: 1,
        sample_mask: !0,
        alpha_to_coverage: false,
        alpha_to_one: false,
        logic_op: None,
        depth_bias: None,
        min_sample_shading: None,
        view_index: 0,
        draw_params: [0; 3],
        late_tests: false,
    }
}

fn only_color<'a, 't>(t: &'t Target<'a>) -> Attachments<'a, 't> {
    Attachments {
        color: vec![Some((t, BlendAttachment::default()))],
        depth: None,
        stencil: None,
    }
}

fn texels(mem: &[u8]) -> Vec<[f32; 4]> {
    mem.chunks_exact(16)
        .map(|t| {
            std::array::from_fn(|k| f32::from_le_bytes(t[4 * k..4 * k + 4].try_into().unwrap()))
        })
        .collect()
}

/// Draws into a fresh R32G32B32A32_SFLOAT target filled with SENTINEL; returns its texels.
fn draw(vertices: &[VertexIn], st: &RasterState) -> Vec<[f32; 4]> {
    let (vs, fs) = kernels();
    let mut mem: Vec<u8> = std::iter::repeat_n(SENTINEL.to_le_bytes(), (W * H * 4) as usize)
        .flatten()
        .collect();
    let target = rgba32f(&mut mem);
    draw_triangle_list(&vs, &[], &fs, &[], &[], vertices, st, &only_color(&target));
    texels(&mem)
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
    let target = rgba32f(&mut mem);
    for t in verts.chunks(3) {
        draw_triangle_list(&vs, &[], &fs, &[], &[], t, &st, &only_color(&target));
    }
    let one_by_one = texels(&mem);
    assert!(all == one_by_one, "one draw differs from 80 draws");
    assert!(all.iter().filter(|t| **t != [SENTINEL; 4]).count() > 1000);
}

/// A draw large enough to be assembled in several chunks on the pool (more than
/// `PRIMITIVE_CHUNK` triangles), a third of them clipped at the near plane (their polygons'
/// vertices in each chunk's own records, offset when joined), draws what the same triangles
/// draw in pieces small enough to be assembled in one chunk each.
#[test]
fn chunked_assembly_equals_assembly_in_one_piece() {
    let mut r = 0x0bad_cafe_1234_5678u64;
    let mut next = move || {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        (r % 10_000) as f32 / 10_000.0
    };
    let n = 3 * super::PRIMITIVE_CHUNK + 123;
    let mut verts: Vec<VertexIn> = Vec::with_capacity(3 * n);
    for t in 0..n {
        let (x, y) = (next() * 1.9 - 0.95, next() * 1.9 - 0.95);
        for k in 0..3 {
            // One corner behind the near plane (z < 0) in every third triangle.
            let z = if t % 3 == 0 && k == 2 {
                -0.6
            } else {
                0.2 + 0.6 * next()
            };
            let (dx, dy) = [(0.0, 0.0), (0.06, 0.0), (0.0, 0.06)][k];
            let c = [next(), next(), next(), 1.0];
            verts.push(vertex([x + dx, y + dy, z, 1.0], c, t as u32));
        }
    }
    let st = state(VIEWPORT);
    let whole = draw(&verts, &st);
    let (vs, fs) = kernels();
    let mut mem: Vec<u8> = std::iter::repeat_n(SENTINEL.to_le_bytes(), (W * H * 4) as usize)
        .flatten()
        .collect();
    let target = rgba32f(&mut mem);
    for piece in verts.chunks(3 * super::PRIMITIVE_CHUNK / 2) {
        draw_triangle_list(&vs, &[], &fs, &[], &[], piece, &st, &only_color(&target));
    }
    let pieces = texels(&mem);
    assert!(whole == pieces, "the chunked draw differs from the pieces");
    assert!(whole.iter().filter(|t| **t != [SENTINEL; 4]).count() > 1000);
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

/// Issue 9, acceptance 2 (in-process): a fan of triangles sharing edges, drawn with additive
/// blending onto zero, adds its color exactly once to every covered pixel: no pixel is 2x.
#[test]
fn an_additive_fan_writes_every_covered_pixel_exactly_once() {
    let (vs, fs) = kernels();
    let mut mem = vec![0u8; (W * H * 16) as usize];
    let target = rgba32f(&mut mem);
    let add = BlendAttachment {
        enable: true,
        src_color: vk::BlendFactor::ONE,
        dst_color: vk::BlendFactor::ONE,
        color_op: vk::BlendOp::ADD,
        src_alpha: vk::BlendFactor::ONE,
        dst_alpha: vk::BlendFactor::ONE,
        alpha_op: vk::BlendOp::ADD,
        write_mask: vk::ColorComponentFlags::RGBA,
    };
    let att = Attachments {
        color: vec![Some((&target, add))],
        depth: None,
        stencil: None,
    };
    let c = [0.25, 0.25, 0.25, 0.0];
    let n = 37;
    let (cx, cy) = (0.03, -0.07);
    let mut verts = Vec::new();
    for k in 0..n {
        let a = |k: usize| k as f32 / n as f32 * std::f32::consts::TAU;
        let p = |t: f32| [cx + 0.8 * t.cos(), cy + 0.9 * t.sin(), 0.5, 1.0];
        verts.push(vertex([cx, cy, 0.5, 1.0], c, 0));
        verts.push(vertex(p(a(k)), c, 0));
        verts.push(vertex(p(a(k + 1)), c, 0));
    }
    let st = state(VIEWPORT);
    draw_triangle_list(&vs, &[], &fs, &[], &[], &verts, &st, &att);
    let img = texels(&mem);
    let once = img.iter().filter(|t| t[0] == 0.25).count();
    let twice = img.iter().filter(|t| t[0] > 0.25).count();
    assert_eq!(twice, 0, "pixels covered twice");
    assert!(once > 1500, "{once} pixels covered");
    assert!(img.iter().all(|t| t[0] == 0.0 || t[0] == 0.25));
}

/// Depth testing with LESS and writes: the nearer of two overlapping triangles wins in either
/// draw order; with the test off the later one wins. D16_UNORM and D32_SFLOAT planes.
#[test]
fn depth_testing_keeps_the_nearest_fragment() {
    let (vs, fs) = kernels();
    let tri = |z: f32, color: [f32; 4]| {
        [
            vertex([-0.9, -0.9, z, 1.0], color, 0),
            vertex([0.9, -0.8, z, 1.0], color, 0),
            vertex([0.0, 0.9, z, 1.0], color, 0),
        ]
    };
    let near = tri(0.25, [1.0, 0.0, 0.0, 1.0]);
    let far = tri(0.75, [0.0, 1.0, 0.0, 1.0]);
    for format in [vk::Format::D16_UNORM, vk::Format::D32_SFLOAT] {
        for (order, test) in [(0, true), (1, true), (0, false)] {
            let mut st = state(VIEWPORT);
            st.depth_stencil.depth_test = test;
            st.depth_stencil.depth_write = true;
            st.depth_stencil.depth_compare = vk::CompareOp::LESS;
            let verts: Vec<VertexIn> = if order == 0 {
                near.iter().chain(&far).copied().collect()
            } else {
                far.iter().chain(&near).copied().collect()
            };
            let (img, depth, _) = draw_with_depth(&vs, &fs, &verts, None, &st, format, 1.0);
            let red = img.iter().filter(|t| t[0] == 1.0).count();
            let green = img.iter().filter(|t| t[1] == 1.0).count();
            if test {
                assert!(
                    red > 1000 && green == 0,
                    "{format:?} order {order}: {red} {green}"
                );
                let d = depth[40 * W as usize + 42];
                assert!((d - 0.25).abs() < 1e-4, "{format:?}: depth {d}");
            } else {
                assert!(
                    green > 1000 && red == 0,
                    "{format:?} without the test: {red} {green}"
                );
            }
        }
    }
}

/// Stencil outlining in two draws: the first writes 1 where a triangle covers (always pass,
/// REPLACE), the second draws a bigger triangle only where the stencil is not 1.
#[test]
fn stencil_masks_a_second_draw() {
    let (vs, fs) = kernels();
    let mut cmem = vec![0u8; (W * H * 16) as usize];
    let mut smem = vec![0u8; (W * H) as usize];
    let color = rgba32f(&mut cmem);
    let stencil = Target::new(&mut smem, W, H, W as usize, vk::Format::S8_UINT).unwrap();
    let att = Attachments {
        color: vec![Some((&color, BlendAttachment::default()))],
        depth: None,
        stencil: Some(&stencil),
    };
    let face = |compare, pass| StencilFace {
        fail: vk::StencilOp::KEEP,
        pass,
        depth_fail: vk::StencilOp::KEEP,
        compare,
        compare_mask: 0xff,
        write_mask: 0xff,
        reference: 1,
    };
    let tri = |s: f32, color: [f32; 4]| {
        [
            vertex([-0.5 * s, -0.5 * s, 0.5, 1.0], color, 0),
            vertex([0.5 * s, -0.5 * s, 0.5, 1.0], color, 0),
            vertex([0.0, 0.5 * s, 0.5, 1.0], color, 0),
        ]
    };
    let mut st = state(VIEWPORT);
    let f = face(vk::CompareOp::ALWAYS, vk::StencilOp::REPLACE);
    st.depth_stencil.stencil = Some([f, f]);
    draw_triangle_list(
        &vs,
        &[],
        &fs,
        &[],
        &[],
        &tri(1.0, [1.0, 0.0, 0.0, 1.0]),
        &st,
        &att,
    );
    let ones = |t: &Target<'_>| {
        let mut n = 0;
        for y in 0..H as i32 {
            for x in 0..W as i32 {
                n += (t.read(x, y, 0) == Some(Texel::Uint([1, 0, 0, 1]))) as usize;
            }
        }
        n
    };
    let inner = ones(&stencil);
    let f = face(vk::CompareOp::NOT_EQUAL, vk::StencilOp::KEEP);
    st.depth_stencil.stencil = Some([f, f]);
    draw_triangle_list(
        &vs,
        &[],
        &fs,
        &[],
        &[],
        &tri(1.6, [0.0, 1.0, 0.0, 1.0]),
        &st,
        &att,
    );
    let img = texels(&cmem);
    let red = img.iter().filter(|t| t[0] == 1.0).count();
    let green = img.iter().filter(|t| t[1] == 1.0).count();
    assert!(inner > 300, "{inner}");
    assert_eq!(
        red, inner,
        "the first triangle survives where the stencil is 1"
    );
    assert!(green > inner, "the outline: {green}");
}

/// Clip coordinates of window position (x, y) in VIEWPORT.
fn at(x: f32, y: f32) -> [f32; 4] {
    [(x - 42.0) / 32.0, (y - 29.0) / 24.0, 0.5, 1.0]
}

/// Points are squares of size 1 around their vertex: one pixel each when the vertex is at a
/// pixel center, with PointCoord (0.5, 0.5) there and the vertex's flat value.
#[test]
fn points_draw_one_pixel_with_point_coordinates() {
    let (vs, _) = kernels();
    let fs = compile_fragment(
        &module("draw_pointcoord_fs.spv"),
        "main",
        &SpecConstants::default(),
        &NO_BINDINGS,
    )
    .expect("fragment");
    let pts = [
        (12.5f32, 7.5f32),
        (40.5, 30.5),
        (73.5, 52.5),
        (5.5, 5.5),
        (50.5, 60.5),
    ];
    let verts: Vec<VertexIn> = pts
        .iter()
        .enumerate()
        .map(|(k, &(x, y))| vertex(at(x, y), [1.0; 4], k as u32 + 1))
        .collect();
    let stream = crate::raster::assembly::direct(0, verts.len() as u32);
    let prims = crate::raster::assembly::primitives(vk::PrimitiveTopology::POINT_LIST, &stream);
    let img = draw_prims(&vs, &fs, &verts, &prims);
    let drawn: Vec<(usize, [f32; 4])> = img
        .iter()
        .enumerate()
        .filter(|(_, t)| t[3] != 0.0)
        .map(|(k, t)| (k, *t))
        .collect();
    // The last two lie outside the viewport (x 10..74, y 5..53): not drawn.
    let want: Vec<usize> = pts[..3]
        .iter()
        .map(|&(x, y)| y as usize * W as usize + x as usize)
        .collect();
    assert_eq!(drawn.iter().map(|d| d.0).collect::<Vec<_>>(), want);
    for (k, (_, t)) in drawn.iter().enumerate() {
        assert_eq!(*t, [0.5, 0.5, 0.0, k as f32 + 1.0], "point {k}");
    }
}

/// Lines are one pixel wide: a horizontal line covers one row from its start to its end, a
/// line strip's segments each draw, attributes interpolate along the segment, and a line
/// crossing the near plane is cut there.
#[test]
fn lines_draw_one_pixel_wide_with_interpolation() {
    let (vs, fs) = kernels();
    let red = [1.0, 0.0, 0.0, 1.0];
    let green = [0.0, 1.0, 0.0, 1.0];
    let verts = [
        vertex(at(20.0, 20.5), red, 1),
        vertex(at(40.0, 20.5), green, 2),
        vertex(at(40.0, 40.0), red, 3),
    ];
    let stream = crate::raster::assembly::direct(0, 3);
    let run = |topology| {
        let prims = crate::raster::assembly::primitives(topology, &stream);
        draw_prims(&vs, &fs, &verts, &prims)
    };
    let img = run(vk::PrimitiveTopology::LINE_LIST);
    let lit: Vec<usize> = (0..img.len()).filter(|&k| img[k][3] != 0.0).collect();
    let row: Vec<usize> = (20..40).map(|x| 20 * W as usize + x).collect();
    assert_eq!(lit, row, "one row, x from 20 to 39");
    for x in 20..40usize {
        let t = img[20 * W as usize + x];
        let f = (x as f32 + 0.5 - 20.0) / 20.0;
        assert!(
            (t[0] - (1.0 - f)).abs() < 1e-5 && (t[1] - f).abs() < 1e-5,
            "x {x}: {t:?}"
        );
        assert_eq!(t[3], 1.0, "the provoking vertex's flat value");
    }
    let strip = run(vk::PrimitiveTopology::LINE_STRIP);
    let vertical = (21..40)
        .filter(|&y| strip[y * W as usize + 39][3] == 2.0)
        .count();
    assert!(
        vertical >= 18,
        "the strip's second segment: {vertical} pixels"
    );
    // Across the near plane: drawn only where z >= 0, finite everywhere.
    let cut = [
        vertex([-0.5, 0.0, 0.5, 1.0], red, 1),
        vertex([0.5, 0.0, -0.5, 1.0], red, 1),
    ];
    let prims = vec![vec![0usize, 1]];
    let img = draw_prims(&vs, &fs, &cut, &prims);
    let lit: Vec<usize> = (0..img.len())
        .filter(|&k| img[k][3] != 0.0)
        .map(|k| k % W as usize)
        .collect();
    assert!(!lit.is_empty());
    // z reaches 0 halfway: x_ndc 0, window x 42.
    assert!(lit.iter().all(|&x| (26..43).contains(&x)), "{lit:?}");
}

/// 4x multisampling: each sample covered by the triangle (the rasterizer's own per-sample
/// test) gets the color, the others keep the clear value; the sample mask and alpha to
/// coverage remove samples; depth is tested per sample at the sample's location.
#[test]
fn four_samples_cover_and_test_per_sample() {
    let (vs, fs) = kernels();
    let tri = [
        vertex(at(12.3, 6.1), [1.0, 0.5, 0.25, 1.0], 0),
        vertex(at(70.6, 20.2), [1.0, 0.5, 0.25, 1.0], 0),
        vertex(at(30.1, 51.7), [1.0, 0.5, 0.25, 1.0], 0),
    ];
    let win = [(12.3f32, 6.1f32), (70.6, 20.2), (30.1, 51.7)];
    let st4 = RasterState {
        samples: 4,
        ..state(VIEWPORT)
    };
    let run = |st: &RasterState, verts: &[VertexIn]| {
        let mut mem = vec![0u8; (W * H * 16 * 4) as usize];
        let t = Target::with_samples(
            &mut mem,
            W,
            H,
            64 * W as usize,
            vk::Format::R32G32B32A32_SFLOAT,
            4,
        )
        .unwrap();
        draw_triangle_list(&vs, &[], &fs, &[], &[], verts, st, &only_color(&t));
        texels(&mem)
    };
    let img = run(&st4, &tri);
    // The reference coverage: the rasterizer's per-sample test on the same window triangle.
    let wt = Triangle::new(
        win.map(|(x, y)| WinVertex {
            x,
            y,
            z: 0.5,
            w_inv: 1.0,
        }),
        Cull::None,
        true,
        VIEWPORT_RECT,
    )
    .unwrap();
    let mut want = vec![false; (W * H * 4) as usize];
    wt.quads_sampled(VIEWPORT_RECT, 4, |q| {
        for k in 0..4 {
            for s in 0..4 {
                if q.samples[k] >> s & 1 == 1 {
                    let (x, y) = (q.x + (k as i32 & 1), q.y + (k as i32 >> 1));
                    want[((y as u32 * W + x as u32) * 4 + s) as usize] = true;
                }
            }
        }
    });
    let partial = (0..(W * H) as usize)
        .filter(|p| {
            let n = (0..4).filter(|s| want[p * 4 + s]).count();
            n > 0 && n < 4
        })
        .count();
    assert!(partial > 50, "{partial} partly covered pixels");
    for (k, t) in img.iter().enumerate() {
        let colored = t[0] == 1.0;
        assert_eq!(colored, want[k], "pixel {} sample {}", k / 4, k % 4);
    }
    // Sample mask 0b0101: only samples 0 and 2.
    let masked = run(
        &RasterState {
            sample_mask: 0b0101,
            ..st4
        },
        &tri,
    );
    for (k, t) in masked.iter().enumerate() {
        assert_eq!(
            t[0] == 1.0,
            want[k] && (k % 4 == 0 || k % 4 == 2),
            "masked {k}"
        );
    }
    // Alpha to coverage (the shader's alpha is the flat tag): 0 keeps no sample, 1 all.
    for (tag, keep) in [(0u32, false), (1, true)] {
        let tagged: Vec<VertexIn> = tri
            .iter()
            .map(|v| {
                let mut v = *v;
                v.inputs[2][0] = tag;
                v
            })
            .collect();
        let a2c = run(
            &RasterState {
                alpha_to_coverage: true,
                ..st4
            },
            &tagged,
        );
        for (k, t) in a2c.iter().enumerate() {
            assert_eq!(t[0] == 1.0, want[k] && keep, "alpha {tag} to coverage {k}");
        }
    }
    // Depth per sample: z runs from 0 to 1 across x; stored depth 0.51 with LESS keeps the
    // samples whose own z (at their location, not the pixel center's) is below 0.51.
    let ramp = [
        vertex([-1.0, -1.0, 0.0, 1.0], [1.0; 4], 0),
        vertex([1.0, -1.0, 1.0, 1.0], [1.0; 4], 0),
        vertex([-1.0, 1.0, 0.0, 1.0], [1.0; 4], 0),
    ];
    let mut cmem = vec![0u8; (W * H * 16 * 4) as usize];
    let mut dmem = vec![0u8; (W * H * 4 * 4) as usize];
    let color = Target::with_samples(
        &mut cmem,
        W,
        H,
        64 * W as usize,
        vk::Format::R32G32B32A32_SFLOAT,
        4,
    )
    .unwrap();
    let depth =
        Target::with_samples(&mut dmem, W, H, 16 * W as usize, vk::Format::D32_SFLOAT, 4).unwrap();
    for y in 0..H as i32 {
        for x in 0..W as i32 {
            for s in 0..4 {
                depth.write(x, y, s, Texel::Float([0.51, 0.0, 0.0, 1.0]));
            }
        }
    }
    let mut st = st4;
    st.depth_stencil.depth_test = true;
    st.depth_stencil.depth_compare = vk::CompareOp::LESS;
    let att = Attachments {
        color: vec![Some((&color, BlendAttachment::default()))],
        depth: Some(&depth),
        stencil: None,
    };
    draw_triangle_list(&vs, &[], &fs, &[], &[], &ramp, &st, &att);
    let img = texels(&cmem);
    let mut split = 0;
    for (k, t) in img.iter().enumerate() {
        let (p, smp) = (k / 4, k % 4);
        let (x, y) = ((p % W as usize) as f64, (p / W as usize) as f64);
        let (sx, sy) = crate::raster::SAMPLES_4[smp];
        let (fx, fy) = (x + sx as f64 / 256.0, y + sy as f64 / 256.0);
        // Window x 10..74 maps z 0..1 along the bottom edge; the triangle is x/64 + y/48
        // below 1 (viewport units).
        let (u, v) = ((fx - 10.0) / 64.0, (fy - 5.0) / 48.0);
        if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) || (u + v - 1.0).abs() < 0.01 {
            continue;
        }
        let z = u;
        if (z - 0.51).abs() < 1e-3 {
            continue;
        }
        let want = u + v < 1.0 && z < 0.51;
        assert_eq!(t[0] == 1.0, want, "pixel ({x}, {y}) sample {smp}: z {z}");
        // Pixel 42 straddles z = 0.51 (x 42.64): samples 0, 2, 3 pass, 1 fails.
        split += (x == 42.0 && v < 0.3 && smp == 0 && want) as usize;
        split += (x == 42.0 && v < 0.3 && smp == 1 && !want && t[0] != 1.0) as usize;
    }
    assert!(split > 0, "no pixel tested its samples apart");
    assert_eq!(coverage_of_alpha(0.5, 4), 0b0011);
    assert_eq!(coverage_of_alpha(0.3, 4), 0b0001);
    assert_eq!(coverage_of_alpha(f32::NAN, 4), 0);
    assert_eq!(coverage_of_alpha(7.0, 4), 0b1111);
    assert_eq!(coverage_of_alpha(0.4, 1), 0);
}

const VIEWPORT_RECT: Rect = Rect {
    x0: 10,
    y0: 5,
    x1: 74,
    y1: 53,
};

/// `prims` (all of one size) as a draw takes them.
fn flat_prims(prims: &[Vec<usize>]) -> FlatPrims {
    FlatPrims(
        prims.first().map_or(3, |p| p.len()),
        prims.iter().flatten().copied().collect(),
    )
}

struct FlatPrims(usize, Vec<usize>);

impl FlatPrims {
    fn as_ref(&self) -> (usize, &[usize]) {
        (self.0, &self.1)
    }
}

/// Draws `prims` of `verts` with `vs` and `fs` into a fresh zeroed RGBA32F target in
/// VIEWPORT; returns its texels.
fn draw_prims(
    vs: &VertexKernel,
    fs: &FragmentKernel,
    verts: &[VertexIn],
    prims: &[Vec<usize>],
) -> Vec<[f32; 4]> {
    let mut mem = vec![0u8; (W * H * 16) as usize];
    let target = rgba32f(&mut mem);
    super::draw(
        vs,
        &[],
        Some(fs),
        &[],
        &[],
        verts,
        flat_prims(prims).as_ref(),
        &state(VIEWPORT),
        &only_color(&target),
    );
    texels(&mem)
}

/// A full-viewport pair of triangles of one color, for the blending tests.
fn cover(color: [f32; 4], z: f32) -> Vec<VertexIn> {
    let v = |x: f32, y: f32| vertex([x, y, z, 1.0], color, 1);
    vec![
        v(-1.0, -1.0),
        v(1.0, -1.0),
        v(1.0, 1.0),
        v(-1.0, -1.0),
        v(1.0, 1.0),
        v(-1.0, 1.0),
    ]
}

/// Dual-source blending takes its SRC1 factors from location 0 index 1; a logic op works on
/// the encoded bits of a UNORM attachment (and only the write mask's components).
#[test]
fn dual_source_blending_and_logic_ops() {
    let (vs, _) = kernels();
    let fs = compile_fragment(
        &module("draw_dual_fs.spv"),
        "main",
        &SpecConstants::default(),
        &NO_BINDINGS,
    )
    .expect("fragment");
    let mut mem = vec![0u8; (W * H * 16) as usize];
    let target = rgba32f(&mut mem);
    let dual = BlendAttachment {
        enable: true,
        src_color: vk::BlendFactor::SRC1_COLOR,
        dst_color: vk::BlendFactor::ZERO,
        color_op: vk::BlendOp::ADD,
        src_alpha: vk::BlendFactor::ONE_MINUS_SRC1_ALPHA,
        dst_alpha: vk::BlendFactor::ONE,
        alpha_op: vk::BlendOp::ADD,
        write_mask: vk::ColorComponentFlags::RGBA,
    };
    let att = Attachments {
        color: vec![Some((&target, dual))],
        depth: None,
        stencil: None,
    };
    let st = state(VIEWPORT);
    draw_triangle_list(
        &vs,
        &[],
        &fs,
        &[],
        &[],
        &cover([0.8, 0.6, 0.25, 0.75], 0.5),
        &st,
        &att,
    );
    let img = texels(&mem);
    let p = img[(20 * W + 30) as usize];
    // src * src1 for RGB (a float attachment: no clamping), alpha 0.75 * (1 - 1) + 0.
    assert_eq!(p, [0.8 * 0.5, 0.6 * 0.25, 0.25 * 2.0, 0.0]);

    // XOR on RGBA8 UNORM: (1, 0, 0.2, 1) encodes to (255, 0, 51, 255); the destination bytes
    // (0x0f, 0xf0, 0x33, 0x44); green masked off.
    let (_, fs) = kernels();
    let mut mem = vec![0u8; (W * H * 4) as usize];
    for px in mem.chunks_exact_mut(4) {
        px.copy_from_slice(&[0x0f, 0xf0, 0x33, 0x44]);
    }
    let target = Target::new(&mut mem, W, H, 4 * W as usize, vk::Format::R8G8B8A8_UNORM).unwrap();
    let mask = BlendAttachment {
        write_mask: vk::ColorComponentFlags::R
            | vk::ColorComponentFlags::B
            | vk::ColorComponentFlags::A,
        ..BlendAttachment::default()
    };
    let att = Attachments {
        color: vec![Some((&target, mask))],
        depth: None,
        stencil: None,
    };
    let st = RasterState {
        logic_op: Some(vk::LogicOp::XOR),
        ..state(VIEWPORT)
    };
    // The shader's alpha is the flat tag (1).
    draw_triangle_list(
        &vs,
        &[],
        &fs,
        &[],
        &[],
        &cover([1.0, 0.0, 0.2, 0.0], 0.5),
        &st,
        &att,
    );
    let at = (20 * W + 30) as usize * 4;
    assert_eq!(mem[at..at + 4], [0xff ^ 0x0f, 0xf0, 51 ^ 0x33, 0xff ^ 0x44]);
    assert_eq!(mem[0..4], [0x0f, 0xf0, 0x33, 0x44], "outside the viewport");
}

/// Depth clamping: a triangle beyond the far plane is drawn (not clipped) with its depth
/// clamped to the viewport's range; without clamping it is clipped away.
#[test]
fn depth_clamp_keeps_and_clamps_what_the_far_plane_would_clip() {
    let (vs, fs) = kernels();
    for clamp in [true, false] {
        let mut st = state(Viewport {
            min_depth: 0.25,
            max_depth: 0.75,
            ..VIEWPORT
        });
        st.depth_clamp = clamp;
        st.depth_stencil.depth_test = true;
        st.depth_stencil.depth_write = true;
        st.depth_stencil.depth_compare = vk::CompareOp::ALWAYS;
        let verts = cover([1.0; 4], 1.5);
        let (img, depth, _) =
            draw_with_depth(&vs, &fs, &verts, None, &st, vk::Format::D32_SFLOAT, 0.0);
        let pixel = (20 * W + 30) as usize;
        if clamp {
            assert_eq!(img[pixel][0], 1.0);
            assert_eq!(depth[pixel], 0.75);
        } else {
            assert_ne!(img[pixel][0], 1.0);
            assert_eq!(depth[pixel], 0.0);
        }
    }
}

/// Depth bias: r * constant on a flat triangle (r = 2^-16 for D16), m * slope on a slanted
/// one (D32: the bias is exactly the slope's largest component), and the clamp.
#[test]
fn depth_bias_offsets_polygons() {
    let (vs, fs) = kernels();
    let pixel = (20 * W + 30) as usize;
    let run = |format: vk::Format, verts: &[VertexIn], prims: Option<&[Vec<usize>]>, bias| {
        let mut st = state(VIEWPORT);
        st.depth_bias = Some(bias);
        st.depth_stencil.depth_test = true;
        st.depth_stencil.depth_write = true;
        st.depth_stencil.depth_compare = vk::CompareOp::ALWAYS;
        draw_with_depth(&vs, &fs, verts, prims, &st, format, 0.0).1[pixel]
    };
    let flat = cover([1.0; 4], 0.5);
    let b = |constant, clamp, slope| DepthBias {
        constant,
        clamp,
        slope,
    };
    let d = run(vk::Format::D16_UNORM, &flat, None, b(4.0, 0.0, 0.0));
    assert_eq!(
        d,
        depth::quantize(vk::Format::D16_UNORM, 0.5 + 4.0 / 65536.0)
    );
    // z = 0.5 + 0.25 x_ndc: 0.25 per 32 pixels across x, 0 across y.
    let slanted: Vec<VertexIn> = cover([1.0; 4], 0.5)
        .into_iter()
        .map(|mut v| {
            let x = f32::from_bits(v.inputs[0][0]);
            v.inputs[0][2] = (0.5 + 0.25 * x).to_bits();
            v
        })
        .collect();
    let d32 = vk::Format::D32_SFLOAT;
    let plain = run(d32, &slanted, None, b(0.0, 0.0, 0.0));
    let biased = run(d32, &slanted, None, b(0.0, 0.0, 2.0));
    assert!(
        ((biased - plain) - 2.0 * 0.25 / 32.0).abs() < 1e-6,
        "{plain} {biased}"
    );
    let clamped = run(d32, &slanted, None, b(0.0, 0.001, 2.0));
    assert!(
        ((clamped - plain) - 0.001).abs() < 1e-6,
        "{plain} {clamped}"
    );
    // Lines and points are not polygons: no bias.
    let line = [
        vertex(at(20.0, 20.5), [1.0; 4], 1),
        vertex(at(40.0, 20.5), [1.0; 4], 1),
    ];
    let prims = vec![vec![0usize, 1]];
    assert_eq!(run(d32, &line, Some(&prims), b(1000.0, 0.0, 0.0)), 0.5);
}

/// Draws `verts` (a triangle list, or `prims`) over a zeroed RGBA32F color target and a
/// `format` depth plane cleared to `clear`, with `st`; returns the color texels and every
/// pixel's depth afterwards.
fn draw_with_depth(
    vs: &VertexKernel,
    fs: &FragmentKernel,
    verts: &[VertexIn],
    prims: Option<&[Vec<usize>]>,
    st: &RasterState,
    format: vk::Format,
    clear: f32,
) -> (Vec<[f32; 4]>, Vec<f32>, u64) {
    let bytes = crate::format::info(format).unwrap().bytes as usize;
    let mut cmem = vec![0u8; (W * H * 16) as usize];
    let mut dmem = vec![0u8; W as usize * H as usize * bytes];
    let color = rgba32f(&mut cmem);
    let depth = Target::new(&mut dmem, W, H, bytes * W as usize, format).unwrap();
    for y in 0..H as i32 {
        for x in 0..W as i32 {
            depth.write(x, y, 0, Texel::Float([clear, 0.0, 0.0, 1.0]));
        }
    }
    let att = Attachments {
        color: vec![Some((&color, BlendAttachment::default()))],
        depth: Some(&depth),
        stencil: None,
    };
    let passed = match prims {
        Some(p) => {
            let f = flat_prims(p);
            super::draw(vs, &[], Some(fs), &[], &[], verts, f.as_ref(), st, &att)
        }
        None => draw_triangle_list(vs, &[], fs, &[], &[], verts, st, &att),
    };
    let mut depths = Vec::with_capacity((W * H) as usize);
    for y in 0..H as i32 {
        for x in 0..W as i32 {
            match depth.read(x, y, 0) {
                Some(Texel::Float(d)) => depths.push(d[0]),
                other => panic!("depth at ({x}, {y}): {other:?}"),
            }
        }
    }
    (texels(&cmem), depths, passed)
}

/// Sample shading: a fragment shader reading SampleId / SamplePosition runs once per covered
/// sample with that sample's id, position and SampleMaskIn; its SampleMask output (0b0101)
/// keeps samples 0 and 2 only.
#[test]
fn sample_shading_runs_once_per_sample() {
    let (vs, _) = kernels();
    let fs = compile_fragment(
        &module("draw_sample_fs.spv"),
        "main",
        &SpecConstants::default(),
        &NO_BINDINGS,
    )
    .expect("fragment");
    assert!(fs.builtins.per_sample && fs.builtins.writes_sample_mask);
    let mut mem = vec![0u8; (W * H * 16 * 4) as usize];
    let t = Target::with_samples(
        &mut mem,
        W,
        H,
        64 * W as usize,
        vk::Format::R32G32B32A32_SFLOAT,
        4,
    )
    .unwrap();
    let st = RasterState {
        samples: 4,
        ..state(VIEWPORT)
    };
    draw_triangle_list(
        &vs,
        &[],
        &fs,
        &[],
        &[],
        &cover([1.0; 4], 0.5),
        &st,
        &only_color(&t),
    );
    let img = texels(&mem);
    let px = (20 * W + 30) as usize;
    for s in 0..4 {
        let got = img[px * 4 + s];
        if s % 2 == 1 {
            assert_eq!(got, [0.0; 4], "sample {s} dropped by the SampleMask output");
            continue;
        }
        let (sx, sy) = crate::raster::SAMPLES_4[s];
        let want = [
            s as f32,
            sx as f32 / 256.0,
            sy as f32 / 256.0,
            (1 << s) as f32,
        ];
        assert_eq!(got, want, "sample {s}");
    }
}

/// A single-sample W x H R32G32B32A32_SFLOAT target over `mem`.
fn rgba32f(mem: &mut [u8]) -> Target<'_> {
    Target::new(mem, W, H, 16 * W as usize, vk::Format::R32G32B32A32_SFLOAT).expect("target")
}

/// The draw's direct texel conversions give the codec's bits for every code and for floats
/// around and beyond the codes (NaN, infinities, halves).
#[test]
fn fast_texels_match_the_codec() {
    use crate::format::{decode, encode};
    let formats = [
        vk::Format::R8G8B8A8_UNORM,
        vk::Format::B8G8R8A8_UNORM,
        vk::Format::D32_SFLOAT,
        vk::Format::D16_UNORM,
        vk::Format::S8_UINT,
        vk::Format::R32G32B32A32_SFLOAT,
    ];
    let mut rng = crate::raster::tests::Rng(0x9e37_79b9_7f4a_7c15);
    let mut floats: Vec<f32> = vec![f32::NAN, f32::INFINITY, -f32::INFINITY, -0.0, 0.0, 1.0];
    for c in 0..=65535u32 {
        floats.push(c as f32 / 65535.0);
        floats.push((c as f32 + 0.5) / 65535.0);
        floats.push((c % 256) as f32 / 255.0 + 0.5 / 255.0);
    }
    for _ in 0..20000 {
        floats.push(f32::from_bits(rng.next() as u32));
    }
    for f in formats {
        let n = crate::format::info(f).unwrap().bytes as usize;
        for _ in 0..5000 {
            let mut b = [0u8; 16];
            for x in b.iter_mut() {
                *x = rng.next() as u8;
            }
            let (want, got) = (decode(f, &b[..n]), super::fast_decode(f, &b[..n]));
            assert_eq!(
                format!("{want:?}"),
                format!("{got:?}"),
                "{f:?} {:?}",
                &b[..n]
            );
        }
        for chunk in floats.chunks(4) {
            let mut v = [0.0f32; 4];
            v[..chunk.len()].copy_from_slice(chunk);
            let t = if f == vk::Format::S8_UINT {
                Texel::Uint(v.map(|x| x.to_bits()))
            } else {
                Texel::Float(v)
            };
            let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
            encode(f, t, &mut a[..n]);
            super::fast_encode(f, t, &mut b[..n]);
            assert_eq!(a[..n], b[..n], "{f:?} {v:?}");
        }
    }
}

/// The depth-only path (`depth_test_only`) passes the fragments and stores the bits the general
/// per-fragment tests do, for D32_SFLOAT and D16_UNORM, every compare op, writes on and off,
/// stored and incoming depths in and out of [0, 1], NaN and pixels outside the plane.
#[test]
fn the_depth_only_path_matches_the_general_tests() {
    let mut rng = crate::raster::tests::Rng(0x9e37_79b9_7f4a_7c15);
    let mut next = move || rng.next();
    let value = |n: u64| match n % 8 {
        0 => f32::NAN,
        1 => -0.25,
        2 => 1.5,
        3 => (n % 65536) as f32 / 65535.0,
        _ => (n % 1_000_003) as f32 / 1_000_003.0,
    };
    for format in [vk::Format::D32_SFLOAT, vk::Format::D16_UNORM] {
        let bytes = if format == vk::Format::D32_SFLOAT {
            4
        } else {
            2
        };
        for round in 0..3000 {
            let ds = DepthStencil {
                depth_test: round % 9 != 0,
                depth_write: round % 5 != 0,
                depth_compare: vk::CompareOp::from_raw((next() % 8) as i32),
                depth_bounds: None,
                stencil: None,
            };
            let mut init = vec![0u8; 4 * bytes];
            for k in 0..4 {
                let v = value(next()).clamp(0.0, 1.0);
                let v = if v.is_nan() { 0.5 } else { v };
                let b = match format {
                    vk::Format::D32_SFLOAT => v.to_le_bytes().to_vec(),
                    _ => ((v * 65535.0).round() as u16).to_le_bytes().to_vec(),
                };
                init[k * bytes..(k + 1) * bytes].copy_from_slice(&b);
            }
            let z = value(next());
            // A 2 x 2 plane; (2, 1) lies outside it.
            let (x, y) = if round % 11 == 0 {
                (2, 1)
            } else {
                ((next() % 2) as i32, (next() % 2) as i32)
            };
            let (mut fast, mut slow) = (init.clone(), init.clone());
            let a = {
                let t = Target::new(&mut fast, 2, 2, 2 * bytes, format).unwrap();
                depth_test_only(&t, &ds, (x, y, 0), z)
            };
            let b = {
                let t = Target::new(&mut slow, 2, 2, 2 * bytes, format).unwrap();
                let att = Attachments {
                    color: Vec::new(),
                    depth: Some(&t),
                    stencil: None,
                };
                fragment_tests(&ds, &att, true, (x, y, 0), z)
            };
            assert_eq!(a, b, "{format:?} round {round}: {ds:?} z {z}");
            assert_eq!(fast, slow, "{format:?} round {round}: {ds:?} z {z}");
        }
    }
}

/// Early depth tests (before a fragment shader without side effects) give the colors, depths
/// and passed-sample counts of late ones, on D16 and D32, for every compare op, with depth
/// bias and clamping, over overlapping triangles at random depths.
#[test]
fn early_depth_tests_match_late_ones() {
    let (vs, fs) = kernels();
    assert!(fs.pure, "the color shader has no side effects");
    let mut rng = crate::raster::tests::Rng(0x5851_f42d_4c95_7f2d);
    let mut next = move |n: u64| rng.below(n);
    let mut verts = Vec::new();
    for k in 0..24 {
        let z = next(1000) as f32 / 900.0 - 0.05;
        let c = [next(100) as f32 / 100.0, (k % 5) as f32 / 4.0, 0.5, 1.0];
        for _ in 0..3 {
            let p = [
                next(200) as f32 / 100.0 - 1.0,
                next(200) as f32 / 100.0 - 1.0,
            ];
            verts.push(vertex([p[0], p[1], z, 1.0], c, 0));
        }
    }
    for format in [vk::Format::D16_UNORM, vk::Format::D32_SFLOAT] {
        for op in 0..8 {
            let mut st = state(VIEWPORT);
            st.depth_stencil.depth_test = true;
            st.depth_stencil.depth_write = op % 3 != 2;
            st.depth_stencil.depth_compare = vk::CompareOp::from_raw(op);
            st.depth_clamp = op % 2 == 0;
            if op % 4 == 1 {
                st.depth_bias = Some(DepthBias {
                    constant: 3.0,
                    clamp: 0.0,
                    slope: 0.5,
                });
            }
            let early = draw_with_depth(&vs, &fs, &verts, None, &st, format, 0.6);
            st.late_tests = true;
            let late = draw_with_depth(&vs, &fs, &verts, None, &st, format, 0.6);
            let bits = |v: &(Vec<[f32; 4]>, Vec<f32>, u64)| {
                let c: Vec<[u32; 4]> = v.0.iter().map(|t| t.map(f32::to_bits)).collect();
                let d: Vec<u32> = v.1.iter().map(|x| x.to_bits()).collect();
                (c, d, v.2)
            };
            assert!(
                op == 0 || op == 2 || late.2 > 0,
                "{format:?} op {op}: something passes"
            );
            assert_eq!(bits(&early), bits(&late), "{format:?} op {op}");
        }
    }
}
