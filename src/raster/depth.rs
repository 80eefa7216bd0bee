//! Per-fragment depth and stencil operations ("Fragment Operations"): the depth bounds test,
//! the stencil test with its front and back state, the depth test against the depth value in
//! the attachment's precision, and the stencil and depth writes, in the spec's order.

use ash::vk;

/// `a op b` for a VkCompareOp (the fragment's value is `a`, the attachment's `b`).
pub fn compare<T: PartialOrd>(op: vk::CompareOp, a: T, b: T) -> bool {
    use vk::CompareOp as C;
    match op {
        C::NEVER => false,
        C::LESS => a < b,
        C::EQUAL => a == b,
        C::LESS_OR_EQUAL => a <= b,
        C::GREATER => a > b,
        C::NOT_EQUAL => a != b,
        C::GREATER_OR_EQUAL => a >= b,
        _ => true,
    }
}

/// [`compare`] on four lanes at once: bit l set where lane l passes (the same results,
/// NaN included: ordered comparisons fail on NaN, NOT_EQUAL passes).
#[inline(always)]
pub fn compare4(op: vk::CompareOp, a: [f32; 4], b: [f32; 4]) -> u8 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        use vk::CompareOp as C;
        // SAFETY: SSE2 is part of x86-64; the loads read the arrays.
        unsafe {
            let (a, b) = (_mm_loadu_ps(a.as_ptr()), _mm_loadu_ps(b.as_ptr()));
            let m = match op {
                C::NEVER => return 0,
                C::LESS => _mm_cmplt_ps(a, b),
                C::EQUAL => _mm_cmpeq_ps(a, b),
                C::LESS_OR_EQUAL => _mm_cmple_ps(a, b),
                C::GREATER => _mm_cmpgt_ps(a, b),
                // Unordered: true for NaN, as `!=`.
                C::NOT_EQUAL => _mm_cmpneq_ps(a, b),
                C::GREATER_OR_EQUAL => _mm_cmpge_ps(a, b),
                _ => return 0xf,
            };
            _mm_movemask_ps(m) as u8
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    (0..4).fold(0, |m, l| m | (compare(op, a[l], b[l]) as u8) << l)
}

/// VkStencilOpState (with the reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StencilFace {
    pub fail: vk::StencilOp,
    pub pass: vk::StencilOp,
    pub depth_fail: vk::StencilOp,
    pub compare: vk::CompareOp,
    pub compare_mask: u32,
    pub write_mask: u32,
    pub reference: u32,
}

/// Depth and stencil state of a draw.
#[derive(Clone, Copy, Debug)]
pub struct DepthStencil {
    pub depth_test: bool,
    pub depth_write: bool,
    pub depth_compare: vk::CompareOp,
    /// minDepthBounds, maxDepthBounds when the depth bounds test is on.
    pub depth_bounds: Option<(f32, f32)>,
    /// Front and back state when the stencil test is on.
    pub stencil: Option<[StencilFace; 2]>,
}

/// What a fragment does to the depth/stencil attachment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// The fragment survives (its color is written).
    pub pass: bool,
    /// A new depth value to store.
    pub depth: Option<f32>,
    /// A new stencil value to store.
    pub stencil: Option<u8>,
}

/// A depth value in the precision of depth format `format`: UNORM formats clamp to [0, 1]
/// and round to their step; D32_SFLOAT keeps the float.
pub fn quantize(format: vk::Format, z: f32) -> f32 {
    let steps = match format {
        vk::Format::D16_UNORM | vk::Format::D16_UNORM_S8_UINT => 65535.0,
        vk::Format::X8_D24_UNORM_PACK32 | vk::Format::D24_UNORM_S8_UINT => 16_777_215.0,
        _ => return z,
    };
    let z = if z.is_nan() { 0.0 } else { z.clamp(0.0, 1.0) };
    ((z as f64 * steps).round_ties_even() / steps) as f32
}

/// The new stencil value of `op` applied to `s` (8 bits) with reference `r`.
pub fn stencil_op(op: vk::StencilOp, s: u8, r: u32) -> u8 {
    use vk::StencilOp as S;
    match op {
        S::ZERO => 0,
        S::REPLACE => r as u8,
        S::INCREMENT_AND_CLAMP => s.saturating_add(1),
        S::DECREMENT_AND_CLAMP => s.saturating_sub(1),
        S::INVERT => !s,
        S::INCREMENT_AND_WRAP => s.wrapping_add(1),
        S::DECREMENT_AND_WRAP => s.wrapping_sub(1),
        _ => s,
    }
}

/// The tests for a fragment of depth `zf` (already in the attachment's precision) against
/// the stored depth `za` and stencil `sa` (None: no such aspect, which passes its tests).
pub fn test(
    ds: &DepthStencil,
    front_facing: bool,
    zf: f32,
    za: Option<f32>,
    sa: Option<u8>,
) -> Outcome {
    // Depth bounds: the stored depth within the bounds.
    if let (Some((lo, hi)), Some(za)) = (ds.depth_bounds, za)
        && !(lo <= za && za <= hi)
    {
        return Outcome {
            pass: false,
            depth: None,
            stencil: None,
        };
    }
    let face = ds
        .stencil
        .filter(|_| sa.is_some())
        .map(|f| if front_facing { f[0] } else { f[1] });
    let write = |f: &StencilFace, s: u8, op| -> Option<u8> {
        let new = stencil_op(op, s, f.reference);
        let m = f.write_mask as u8;
        let v = (s & !m) | (new & m);
        (v != s).then_some(v)
    };
    if let (Some(f), Some(s)) = (face, sa) {
        let r = f.reference & f.compare_mask & 0xff;
        let v = s as u32 & f.compare_mask;
        if !compare(f.compare, r, v) {
            return Outcome {
                pass: false,
                depth: None,
                stencil: write(&f, s, f.fail),
            };
        }
    }
    let depth_ok = match za {
        Some(za) if ds.depth_test => compare(ds.depth_compare, zf, za),
        _ => true,
    };
    let stencil = match (face, sa) {
        (Some(f), Some(s)) => write(&f, s, if depth_ok { f.pass } else { f.depth_fail }),
        _ => None,
    };
    Outcome {
        pass: depth_ok,
        depth: (depth_ok && ds.depth_test && ds.depth_write && za.is_some()).then_some(zf),
        stencil,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vk::CompareOp as C;
    use vk::StencilOp as S;

    #[test]
    fn four_lane_compares_match_compare() {
        let v = [0.0f32, -0.0, 1.0, 0.5, f32::NAN, f32::INFINITY, -1.0, 0.25];
        let ops = [
            C::NEVER,
            C::LESS,
            C::EQUAL,
            C::LESS_OR_EQUAL,
            C::GREATER,
            C::NOT_EQUAL,
            C::GREATER_OR_EQUAL,
            C::ALWAYS,
        ];
        for op in ops {
            for i in 0..v.len() {
                for j in 0..v.len() {
                    let a = [v[i], v[j], v[(i + j) % 8], v[(i * 3 + 1) % 8]];
                    let b = [v[j], v[i], v[(i + 5) % 8], v[(j * 7 + 2) % 8]];
                    let want = (0..4).fold(0, |m, l| m | (compare(op, a[l], b[l]) as u8) << l);
                    assert_eq!(compare4(op, a, b), want, "{op:?} {a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn compare_ops_and_stencil_ops() {
        let table = [
            (C::NEVER, [false, false, false]),
            (C::LESS, [true, false, false]),
            (C::EQUAL, [false, true, false]),
            (C::LESS_OR_EQUAL, [true, true, false]),
            (C::GREATER, [false, false, true]),
            (C::NOT_EQUAL, [true, false, true]),
            (C::GREATER_OR_EQUAL, [false, true, true]),
            (C::ALWAYS, [true, true, true]),
        ];
        for (op, want) in table {
            assert_eq!(
                [compare(op, 1, 2), compare(op, 2, 2), compare(op, 3, 2)],
                want,
                "{op:?}"
            );
        }
        let ops = [
            (S::KEEP, [0, 255, 7]),
            (S::ZERO, [0, 0, 0]),
            (S::REPLACE, [0x42, 0x42, 0x42]),
            (S::INCREMENT_AND_CLAMP, [1, 255, 8]),
            (S::DECREMENT_AND_CLAMP, [0, 254, 6]),
            (S::INVERT, [255, 0, 248]),
            (S::INCREMENT_AND_WRAP, [1, 0, 8]),
            (S::DECREMENT_AND_WRAP, [255, 254, 6]),
        ];
        for (op, want) in ops {
            assert_eq!(
                [0u8, 255, 7].map(|s| stencil_op(op, s, 0x142)),
                want,
                "{op:?}"
            );
        }
        assert_eq!(quantize(vk::Format::D16_UNORM, 0.5), 32768.0 / 65535.0);
        assert_eq!(quantize(vk::Format::D16_UNORM, -3.0), 0.0);
        assert_eq!(quantize(vk::Format::D16_UNORM, f32::NAN), 0.0);
        assert_eq!(quantize(vk::Format::D32_SFLOAT, 1.5), 1.5);
    }

    #[test]
    fn tests_run_in_the_spec_order() {
        let face = StencilFace {
            fail: S::INCREMENT_AND_CLAMP,
            pass: S::REPLACE,
            depth_fail: S::INVERT,
            compare: C::EQUAL,
            compare_mask: 0x0f,
            write_mask: 0xf0,
            reference: 0x35,
        };
        let back = StencilFace {
            compare: C::NEVER,
            ..face
        };
        let ds = DepthStencil {
            depth_test: true,
            depth_write: true,
            depth_compare: C::LESS,
            depth_bounds: None,
            stencil: Some([face, back]),
        };
        // Stencil 0x05 matches the reference under mask 0x0f; depth passes: REPLACE through
        // the write mask (high nibble from 0x35), depth written.
        let o = test(&ds, true, 0.25, Some(0.5), Some(0x05));
        assert_eq!(
            o,
            Outcome {
                pass: true,
                depth: Some(0.25),
                stencil: Some(0x35)
            }
        );
        // Depth fails: INVERT, masked (0xfa -> 0xf5 keeps the low nibble 5), no depth write.
        let o = test(&ds, true, 0.75, Some(0.5), Some(0x05));
        assert_eq!((o.pass, o.depth, o.stencil), (false, None, Some(0xf5)));
        // Back face: the stencil test fails first: INCREMENT_AND_CLAMP (0x06, whose high
        // nibble is unchanged) writes nothing visible through the mask.
        let o = test(&ds, false, 0.25, Some(0.5), Some(0x05));
        assert_eq!((o.pass, o.depth, o.stencil), (false, None, None));
        // Depth bounds on the stored depth.
        let bounded = DepthStencil {
            depth_bounds: Some((0.6, 0.9)),
            stencil: None,
            ..ds
        };
        assert!(!test(&bounded, true, 0.25, Some(0.5), None).pass);
        assert!(test(&bounded, true, 0.25, Some(0.7), None).pass);
        // No depth aspect: the depth test passes and nothing is written.
        let o = test(&ds, true, 0.9, None, None);
        assert_eq!((o.pass, o.depth, o.stencil), (true, None, None));
        // Depth writes off.
        let ro = DepthStencil {
            depth_write: false,
            stencil: None,
            ..ds
        };
        assert_eq!(test(&ro, true, 0.1, Some(0.5), None).depth, None);
    }
}
