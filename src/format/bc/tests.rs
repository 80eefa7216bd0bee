//! Hand-built blocks whose expected texels come from the Data Format spec's formulas.

use super::*;
use crate::format::f16_to_f32;
use ash::vk::Format as F;

/// Writes bit fields LSB first, like the blocks are read.
struct Writer {
    v: u128,
    pos: u32,
}

impl Writer {
    fn new() -> Writer {
        Writer { v: 0, pos: 0 }
    }
    fn put(&mut self, value: u32, bits: u32) -> &mut Self {
        if bits > 0 {
            self.v |= ((value as u128) & ((1u128 << bits) - 1)) << self.pos;
        }
        self.pos += bits;
        self
    }
    fn bytes(&self) -> [u8; 16] {
        assert!(self.pos <= 128, "block overflows: {} bits", self.pos);
        self.v.to_le_bytes()
    }
}

fn close(a: [f32; 4], b: [f32; 4]) -> bool {
    a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits())
}

#[track_caller]
fn check(block: &Block, i: usize, want: [f32; 4]) {
    assert!(
        close(block[i], want),
        "texel {i}: got {:?}, want {want:?}",
        block[i]
    );
}

fn bc1(c0: u16, c1: u16, codes: [u32; 16]) -> [u8; 8] {
    let bits = codes
        .iter()
        .enumerate()
        .fold(0u32, |a, (i, c)| a | (c << (2 * i)));
    let mut b = [0u8; 8];
    b[..2].copy_from_slice(&c0.to_le_bytes());
    b[2..4].copy_from_slice(&c1.to_le_bytes());
    b[4..].copy_from_slice(&bits.to_le_bytes());
    b
}

fn codes4(first: [u32; 4]) -> [u32; 16] {
    std::array::from_fn(|i| if i < 4 { first[i] } else { 0 })
}

#[test]
fn table_has_every_bc_format_with_its_block_size() {
    assert_eq!(all().len(), 16);
    for (i, f) in all().iter().enumerate() {
        assert_eq!(f.format.as_raw(), 131 + i as i32);
        assert_eq!(format!("{:?}", f.format), f.name, "name of {}", f.name);
        let small = matches!(f.kind, Kind::Bc1 { .. } | Kind::Bc4 { .. });
        assert_eq!(f.block_bytes, if small { 8 } else { 16 });
    }
    assert!(info(F::R8_UNORM).is_none());
    assert!(info(F::ETC2_R8G8B8_UNORM_BLOCK).is_none());
    assert!(crate::format::info(F::BC1_RGB_UNORM_BLOCK).is_none());
}

#[test]
fn bc1_four_color_mode_interpolates_thirds() {
    // color0 = pure red (31, 0, 0) > color1 = pure blue (0, 0, 31).
    let b = decode_block(
        F::BC1_RGB_UNORM_BLOCK,
        &bc1(0xF800, 0x001F, codes4([0, 1, 2, 3])),
    );
    check(&b, 0, [1.0, 0.0, 0.0, 1.0]);
    check(&b, 1, [0.0, 0.0, 1.0, 1.0]);
    // (2*RGB0 + RGB1)/3 = (62/93, 0, 31/93); (RGB0 + 2*RGB1)/3.
    check(&b, 2, [62.0 / 93.0, 0.0, 31.0 / 93.0, 1.0]);
    check(&b, 3, [31.0 / 93.0, 0.0, 62.0 / 93.0, 1.0]);
    // Green has 6 bits: 0x07E0 is (0, 63, 0).
    let g = decode_block(
        F::BC1_RGBA_UNORM_BLOCK,
        &bc1(0x07E0, 0x0020, codes4([2, 3, 1, 0])),
    );
    check(&g, 0, [0.0, 127.0 / 189.0, 0.0, 1.0]);
    check(&g, 1, [0.0, 65.0 / 189.0, 0.0, 1.0]);
    check(&g, 2, [0.0, 1.0 / 63.0, 0.0, 1.0]);
}

#[test]
fn bc1_three_color_mode_has_half_and_black_or_transparent() {
    // color0 <= color1: code 2 = (RGB0 + RGB1)/2, code 3 = BLACK (alpha 0 in the RGBA formats).
    let block = bc1(0x001F, 0xF800, codes4([0, 1, 2, 3]));
    let rgb = decode_block(F::BC1_RGB_UNORM_BLOCK, &block);
    check(&rgb, 2, [0.5, 0.0, 0.5, 1.0]);
    check(&rgb, 3, [0.0, 0.0, 0.0, 1.0]);
    let rgba = decode_block(F::BC1_RGBA_UNORM_BLOCK, &block);
    check(&rgba, 0, [0.0, 0.0, 1.0, 1.0]);
    check(&rgba, 2, [0.5, 0.0, 0.5, 1.0]);
    check(&rgba, 3, [0.0, 0.0, 0.0, 0.0]);
    // Equal colors are the 3-color mode too.
    let eq = decode_block(F::BC1_RGBA_UNORM_BLOCK, &bc1(0x1234, 0x1234, [3; 16]));
    check(&eq, 7, [0.0; 4]);
}

#[test]
fn srgb_formats_linearise_the_decoded_value() {
    let block = bc1(0xF800, 0x001F, codes4([0, 1, 2, 3]));
    let lin = decode_block(F::BC1_RGB_UNORM_BLOCK, &block);
    let s = decode_block(F::BC1_RGB_SRGB_BLOCK, &block);
    for i in 0..4 {
        for c in 0..3 {
            let want = srgb_to_linear(lin[i][c] as f64) as f32;
            assert_eq!(s[i][c].to_bits(), want.to_bits(), "texel {i} component {c}");
        }
        assert_eq!(s[i][3], 1.0, "alpha is linear");
    }
}

#[test]
fn bc2_alpha_is_explicit_and_color_always_four_color() {
    let mut block = [0u8; 16];
    let alpha: u64 = (0..16).fold(0, |a, i| a | ((i as u64) << (4 * i)));
    block[..8].copy_from_slice(&alpha.to_le_bytes());
    // color0 < color1 would be 3-color in BC1; BC2 interpolates thirds regardless.
    block[8..].copy_from_slice(&bc1(0x001F, 0xF800, codes4([3, 2, 0, 0])));
    let b = decode_block(F::BC2_UNORM_BLOCK, &block);
    check(&b, 0, [62.0 / 93.0, 0.0, 31.0 / 93.0, 0.0]);
    check(&b, 1, [31.0 / 93.0, 0.0, 62.0 / 93.0, 1.0 / 15.0]);
    check(&b, 15, [0.0, 0.0, 1.0, 1.0]);
}

fn rgtc(e0: u8, e1: u8, codes: [u64; 16]) -> [u8; 8] {
    let bits = codes
        .iter()
        .enumerate()
        .fold(0u64, |a, (i, c)| a | (c << (3 * i)));
    let mut b = [0u8; 8];
    b[0] = e0;
    b[1] = e1;
    b[2..].copy_from_slice(&bits.to_le_bytes()[..6]);
    b
}

fn codes8() -> [u64; 16] {
    std::array::from_fn(|i| (i % 8) as u64)
}

#[test]
fn bc3_and_bc4_unorm_use_sevenths_and_fifths() {
    let mut block = [0u8; 16];
    block[..8].copy_from_slice(&rgtc(255, 0, codes8()));
    block[8..].copy_from_slice(&bc1(0xFFFF, 0, [0; 16]));
    let b = decode_block(F::BC3_UNORM_BLOCK, &block);
    let eighths = [255.0, 0.0, 1530.0, 1275.0, 1020.0, 765.0, 510.0, 255.0];
    for (i, e) in eighths.iter().enumerate() {
        let want = if i < 2 { e / 255.0 } else { e / 1785.0 };
        check(&b, i, [1.0, 1.0, 1.0, want]);
    }
    // red_0 <= red_1: fifths, then 0.0 and 1.0.
    let r = decode_block(F::BC4_UNORM_BLOCK, &rgtc(10, 20, codes8()));
    let want = [
        10.0 / 255.0,
        20.0 / 255.0,
        60.0 / 1275.0,
        70.0 / 1275.0,
        80.0 / 1275.0,
        90.0 / 1275.0,
        0.0,
        1.0,
    ];
    for (i, w) in want.iter().enumerate() {
        check(&r, i, [*w, 0.0, 0.0, 1.0]);
    }
}

#[test]
fn bc4_and_bc5_snorm_edges() {
    // 127 > -128 (signed compare): eight values; -128 is -1.0 like -127.
    let r = decode_block(F::BC4_SNORM_BLOCK, &rgtc(127, 0x80, codes8()));
    check(&r, 0, [1.0, 0.0, 0.0, 1.0]);
    check(&r, 1, [-1.0, 0.0, 0.0, 1.0]);
    // (6 * 127 + 1 * -127) / (7 * 127) = 5/7.
    check(&r, 2, [635.0 / 889.0, 0.0, 0.0, 1.0]);
    check(&r, 7, [-635.0 / 889.0, 0.0, 0.0, 1.0]);
    // -128 <= 127: six values, code 6 = -1.0, code 7 = 1.0; code 2 = (4*-127 + 127)/5/127.
    let mut block = [0u8; 16];
    block[..8].copy_from_slice(&rgtc(0x80, 127, codes8()));
    block[8..].copy_from_slice(&rgtc(0, 0x81, codes8()));
    let b = decode_block(F::BC5_SNORM_BLOCK, &block);
    let red = [-635.0, 635.0, -381.0, -127.0, 127.0, 381.0, -635.0, 635.0].map(|v| v / 635.0);
    // Green: 0 > -127 is the eight-value mode: code c >= 2 is ((c - 1) * -127) / 7 / 127.
    let green = [0.0, -889.0, -127.0, -254.0, -381.0, -508.0, -635.0, -762.0].map(|v| v / 889.0);
    for i in 0..8 {
        check(&b, i, [red[i], green[i], 0.0, 1.0]);
    }
    let u = decode_block(F::BC5_UNORM_BLOCK, &block);
    check(&u, 1, [127.0 / 255.0, 129.0 / 255.0, 0.0, 1.0]);
}

/// A BC7 block of `mode` from its fields in the spec's order.
#[allow(clippy::too_many_arguments)]
fn bc7_block(
    mode: usize,
    partition: u32,
    rotation: u32,
    isb: u32,
    colors: &[[u32; 4]],
    pbits: &[u32],
    idx: [u32; 16],
    idx2: [u32; 16],
) -> [u8; 16] {
    let [ns, pb, rb, isbits, cb, ab, _, _, ib, ib2] = BC7_MODES[mode];
    let mut w = Writer::new();
    w.put(1 << mode, mode as u32 + 1)
        .put(partition, pb)
        .put(rotation, rb)
        .put(isb, isbits);
    for c in 0..4 {
        for e in colors.iter().take(2 * ns as usize) {
            w.put(e[c], if c < 3 { cb } else { ab });
        }
    }
    for p in pbits {
        w.put(*p, 1);
    }
    for (bits, ix) in [(ib, idx), (ib2, idx2)] {
        if bits == 0 {
            continue;
        }
        for (i, v) in ix.iter().enumerate() {
            let anchor = subset(ns, partition as usize, i).1;
            w.put(*v, if anchor { bits - 1 } else { bits });
        }
    }
    w.bytes()
}

#[test]
fn bc7_mode6_by_hand() {
    // R: e0 = 0x7F with P-bit 1 -> 255, e1 = 0 with P-bit 0 -> 0.
    let colors = [[0x7F, 0x40, 0, 0x7F], [0, 0x40, 0x7F, 0x7F]];
    let mut idx = [0; 16];
    idx[1] = 15;
    idx[2] = 8; // weight 34: (30 * 255 + 32) >> 6 = 120
    let b = decode_block(
        F::BC7_UNORM_BLOCK,
        &bc7_block(6, 0, 0, 0, &colors, &[1, 0], idx, [0; 16]),
    );
    // Endpoint 0's P-bit 1 also lands in B: 0 -> 1.
    check(&b, 0, [1.0, 129.0 / 255.0, 1.0 / 255.0, 1.0]);
    check(&b, 1, [0.0, 128.0 / 255.0, 254.0 / 255.0, 254.0 / 255.0]);
    // G: (30 * 129 + 34 * 128 + 32) >> 6 = 128; B: (34 * 254 + 32) >> 6 = 135; A: 254 or 255.
    check(
        &b,
        2,
        [120.0 / 255.0, 128.0 / 255.0, 135.0 / 255.0, 254.0 / 255.0],
    );
}

/// The reference for BC7: expand with P-bit, interpolate, rotate.
fn bc7_expect(mode: usize, e: [u32; 4], p: u32) -> [i32; 4] {
    let [_, _, _, _, cb, ab, epb, spb, _, _] = BC7_MODES[mode];
    let one = |v: u32, bits: u32| -> i32 {
        let (v, n) = if epb + spb > 0 {
            (v * 2 + p, bits + 1)
        } else {
            (v, bits)
        };
        // Replicate the n-bit value over 8 bits.
        ((v << (8 - n)) | (v >> (2 * n - 8))) as i32
    };
    [
        one(e[0], cb),
        one(e[1], cb),
        one(e[2], cb),
        if ab == 0 { 255 } else { one(e[3], ab) },
    ]
}

#[test]
fn bc7_every_mode_partition_endpoints_and_rotation() {
    for (mode, row) in BC7_MODES.iter().enumerate() {
        let [ns, pb, rb, isbits, cb, ab, epb, spb, ib, ib2] = *row;
        let partition = if pb > 0 { 13 % (1 << pb) } else { 0 };
        let rotation = if rb > 0 { 2 } else { 0 };
        let isb = isbits; // 1 where present: color from the secondary index
        let n = 2 * ns as usize;
        let colors: Vec<[u32; 4]> = (0..n)
            .map(|k| {
                let m = |bits: u32| (1u32 << bits) - 1;
                [
                    (k as u32 * 5 + 3) & m(cb),
                    (k as u32 * 7 + 1) & m(cb),
                    (k as u32 * 11 + 2) & m(cb),
                    if ab > 0 {
                        (k as u32 * 13 + 4) & m(ab)
                    } else {
                        0
                    },
                ]
            })
            .collect();
        let pcount = if epb > 0 {
            n
        } else if spb > 0 {
            ns as usize
        } else {
            0
        };
        let pbits: Vec<u32> = (0..pcount).map(|k| (k as u32) & 1).collect();
        let pb_of = |end: usize| -> u32 {
            if epb > 0 {
                pbits[end]
            } else if spb > 0 {
                pbits[end / 2]
            } else {
                0
            }
        };
        // Texel index 0 everywhere except: the max index where the subset has its anchor
        // elsewhere would not fit, so use index 0 (endpoint 0) for anchors and max for others.
        let max1 = (1 << ib) - 1;
        let max2 = if ib2 > 0 { (1 << ib2) - 1 } else { 0 };
        let idx: [u32; 16] = std::array::from_fn(|i| {
            if subset(ns, partition as usize, i).1 {
                0
            } else {
                max1
            }
        });
        let idx2: [u32; 16] = std::array::from_fn(|i| {
            if subset(ns, partition as usize, i).1 || ib2 == 0 {
                0
            } else {
                max2
            }
        });
        let block = bc7_block(mode, partition, rotation, isb, &colors, &pbits, idx, idx2);
        let b = decode_block(F::BC7_UNORM_BLOCK, &block);
        for (i, got) in b.iter().enumerate() {
            let (s, anchor) = subset(ns, partition as usize, i);
            let end = if anchor { 2 * s } else { 2 * s + 1 };
            let mut want = bc7_expect(mode, colors[end], pb_of(end));
            if rotation > 0 {
                want.swap(3, rotation as usize - 1);
            }
            let want = want.map(|v| v as f32 / 255.0);
            assert!(
                close(*got, want),
                "mode {mode} texel {i}: got {got:?} want {want:?}"
            );
        }
    }
    // The reserved mode (low byte 0) is transparent black.
    assert_eq!(decode_block(F::BC7_UNORM_BLOCK, &[0; 16]), [[0.0; 4]; 16]);
}

#[test]
fn bc7_index_selection_swaps_color_and_alpha_indices() {
    // Mode 4: 2-bit primary, 3-bit secondary indices. Color e0 = 0, e1 = 31 (5 bits -> 255);
    // alpha e0 = 0, e1 = 63 (6 bits -> 255).
    let colors = [[0, 0, 0, 0], [31, 31, 31, 63]];
    let idx = std::array::from_fn(|i| if i == 0 { 0 } else { 1 }); // weight 21
    let idx2 = std::array::from_fn(|i| if i == 0 { 0 } else { 2 }); // weight 18
    let w21 = ((21 * 255 + 32) >> 6) as f32 / 255.0;
    let w18 = ((18 * 255 + 32) >> 6) as f32 / 255.0;
    for (isb, (c, a)) in [(0, (w21, w18)), (1, (w18, w21))] {
        let b = decode_block(
            F::BC7_UNORM_BLOCK,
            &bc7_block(4, 0, 0, isb, &colors, &[], idx, idx2),
        );
        check(&b, 5, [c, c, c, a]);
    }
}

/// A BC6H block: mode number, endpoint variables (r0..r3, g0..g3, b0..b3 as [comp][end]),
/// partition and indices, placed by the spec's block format.
fn bc6h_block(mode: u32, ends: [[u32; 4]; 3], partition: u32, idx: [u32; 16]) -> [u8; 16] {
    let m = BC6H_MODES.iter().position(|x| x.0 == mode).unwrap();
    let (_, _, pb, _, _) = BC6H_MODES[m];
    let mut w = Writer::new();
    for f in &BC6H_FIELDS[m] {
        let value = if f.var == 0 {
            mode
        } else {
            ends[(f.var - 1) / 4][(f.var - 1) % 4]
        };
        for k in 0..f.count {
            let at = if f.down { f.first - k } else { f.first + k };
            w.put((value >> at) & 1, 1);
        }
    }
    w.put(partition, pb);
    let subsets = if pb == 0 { 1 } else { 2 };
    let ib = if pb == 0 { 4 } else { 3 };
    for (i, v) in idx.iter().enumerate() {
        let anchor = subset(subsets, partition as usize, i).1;
        w.put(*v, if anchor { ib - 1 } else { ib });
    }
    assert_eq!(w.pos, 128, "mode {mode} fills the block");
    w.bytes()
}

#[test]
fn bc6h_mode3_by_hand() {
    // Untransformed 10-bit endpoints: r0 = 0x3FF unquantizes to 0xFFFF, whose final value is
    // 0xFFFF * 31 >> 6 = 0x7BFF (65504). Index 8 (weight 34): (30 * 0xFFFF + 32) >> 6 = 30720,
    // times 31 >> 6 = 0x3A20 = 0.765625.
    let mut idx = [0; 16];
    idx[1] = 15;
    idx[2] = 8;
    let block = bc6h_block(
        3,
        [[0x3FF, 0, 0, 0], [0, 0, 0, 0], [0, 0x3FF, 0, 0]],
        0,
        idx,
    );
    let u = decode_block(F::BC6H_UFLOAT_BLOCK, &block);
    check(&u, 0, [65504.0, 0.0, 0.0, 1.0]);
    check(&u, 1, [0.0, 0.0, 65504.0, 1.0]);
    check(
        &u,
        2,
        [
            0.765625,
            0.0,
            f16_to_f32(((((34 * 0xFFFFu32 + 32) >> 6) * 31) >> 6) as u16),
            1.0,
        ],
    );
    // Signed: r0 = 0x3FF is -1: unquantized ((1 << 15) + 0x4000) >> 9 = 96, negated; final
    // -(96 * 31 >> 5) = -93 -> 0x805D. b1 = 0x200 = -512 saturates to -0x7FFF -> -65504.
    let s = decode_block(F::BC6H_SFLOAT_BLOCK, &block);
    check(&s, 0, [f16_to_f32(0x805D), 0.0, 0.0, 1.0]);
    let neg = bc6h_block(3, [[0; 4], [0; 4], [0, 0x200, 0, 0]], 0, idx);
    check(
        &decode_block(F::BC6H_SFLOAT_BLOCK, &neg),
        1,
        [0.0, 0.0, -65504.0, 1.0],
    );
}

#[test]
fn bc6h_mode15_reads_reversed_bits() {
    // Mode 15: r0[10:15] follows r1[3:0] with its bits reversed: the first one is r0[15].
    // Bit 39 alone makes r0 = 0x8000 (16-bit endpoints are not unquantized), r1 = r0 + 0:
    // every texel 0x8000 * 31 >> 6 = 0x3E00 = 1.5.
    let mut w = Writer::new();
    w.put(15, 5).put(0, 34).put(1, 1);
    let b = decode_block(F::BC6H_UFLOAT_BLOCK, &w.bytes());
    check(&b, 9, [1.5, 0.0, 0.0, 1.0]);
}

#[test]
fn bc6h_mode0_transformed_two_subsets_by_hand() {
    // r0 = 100 (10 bits), r1 = delta -1 (0x1F in 5 bits) -> 99; subset 1: r2 = +3 -> 103,
    // r3 = -2 -> 98. Unquantize (EPB 10): ((x << 15) + 0x4000) >> 9.
    let unq = |x: u32| ((x << 15) + 0x4000) >> 9;
    let fin = |v: u32| f16_to_f32(((v * 31) >> 6) as u16);
    let mut idx = [0u32; 16];
    // Partition 13 (0xFF00): texels 8..16 are subset 1, anchor 15.
    idx[3] = 7;
    idx[8] = 7;
    let block = bc6h_block(0, [[100, 0x1F, 3, 0x1E], [0; 4], [0; 4]], 13, idx);
    let b = decode_block(F::BC6H_UFLOAT_BLOCK, &block);
    check(&b, 0, [fin(unq(100)), 0.0, 0.0, 1.0]);
    check(&b, 3, [fin(unq(99)), 0.0, 0.0, 1.0]);
    check(&b, 8, [fin(unq(98)), 0.0, 0.0, 1.0]);
    check(&b, 15, [fin(unq(103)), 0.0, 0.0, 1.0]);
}

#[test]
fn bc6h_every_mode_decodes_its_endpoints() {
    for &(mode, transformed, pb, epb, _) in &BC6H_MODES {
        // Base endpoint: a value with bits at both ends of EPB; other endpoints: +1 deltas (or
        // the value minus one when untransformed).
        let base = (1u32 << (epb - 1)) | 5;
        let other = if transformed { 1 } else { base - 1 };
        let second = if transformed { base + 1 } else { other };
        let ends = [[base, other, other, other], [0; 4], [base, other, 0, 0]];
        let idx = std::array::from_fn(|i| {
            if i == 0 {
                0
            } else {
                (1 << (3 + (pb == 0) as u32)) - 1
            }
        });
        let block = bc6h_block(mode, ends, 0, idx);
        let u = decode_block(F::BC6H_UFLOAT_BLOCK, &block);
        let unq = |x: u32| -> u32 {
            if epb >= 15 {
                x
            } else if x == (1 << epb) - 1 {
                0xFFFF
            } else if x == 0 {
                0
            } else {
                ((x << 15) + 0x4000) >> (epb - 1)
            }
        };
        let fin = |v: u32| f16_to_f32(((v * 31) >> 6) as u16);
        check(&u, 0, [fin(unq(base)), 0.0, fin(unq(base)), 1.0]);
        check(&u, 5, [fin(unq(second)), 0.0, fin(unq(second)), 1.0]);
    }
    // Reserved mode numbers decode to (0, 0, 0, 1).
    for reserved in [19u8, 23, 27, 31] {
        let mut b = [0xFFu8; 16];
        b[0] = reserved | 0xE0;
        assert_eq!(
            decode_block(F::BC6H_SFLOAT_BLOCK, &b),
            [[0.0, 0.0, 0.0, 1.0]; 16]
        );
    }
}

#[test]
fn any_bits_decode_without_panicking_and_the_cache_is_not_stale() {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for f in all() {
        for _ in 0..2000 {
            let mut b = [0u8; 16];
            for v in &mut b {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *v = x as u8;
            }
            let block = decode_block(f.format, &b);
            for (i, t) in block.iter().enumerate() {
                assert_eq!(
                    decode_texel(f.format, &b, (i % 4) as u32, (i / 4) as u32).map(f32::to_bits),
                    t.map(f32::to_bits)
                );
                if !matches!(f.kind, Kind::Bc6h { .. }) {
                    assert!(t.iter().all(|c| (-1.0..=1.0).contains(c)), "{t:?}");
                } else {
                    assert!(t.iter().all(|c| !c.is_nan()), "{t:?}");
                }
            }
        }
    }
}

#[test]
fn partition_tables_match_the_spec_spot_checks() {
    // 2 subsets: partition 0 is columns 2-3 (0xCCCC), 16 is 0xF710, 63 is 0xEE22.
    let mask = |p: usize| (0..16).fold(0u32, |a, i| a | ((PARTITIONS[0][p][i] as u32) << i));
    assert_eq!(mask(0), 0xCCCC);
    assert_eq!(mask(16), 0xF710);
    assert_eq!(mask(63), 0xEE22);
    // 3 subsets: partition 0 rows 0011 / 0011 / 0221 / 2222.
    assert_eq!(
        PARTITIONS[1][0],
        [0, 0, 1, 1, 0, 0, 1, 1, 0, 2, 2, 1, 2, 2, 2, 2]
    );
    // Anchors lie in their subsets.
    for p in 0..64 {
        assert_eq!(
            PARTITIONS[0][p][A2[p] as usize], 1,
            "2-subset partition {p}"
        );
        assert_eq!(
            PARTITIONS[1][p][A32[p] as usize], 1,
            "3-subset partition {p}"
        );
        assert_eq!(
            PARTITIONS[1][p][A33[p] as usize], 2,
            "3-subset partition {p}"
        );
        assert_eq!(PARTITIONS[0][p][0], 0);
        assert_eq!(PARTITIONS[1][p][0], 0);
    }
}
