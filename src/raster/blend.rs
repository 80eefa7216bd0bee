//! Color blending and logical operations ("The Framebuffer": "Blending", "Blend Factors",
//! "Blend Operations", "Logical Operations"), one texel at a time on f32 components: every
//! blend factor (dual-source ones take the fragment's second output at the same location),
//! every basic blend op, the clamping of fixed-point attachments, the color write mask, and
//! the sixteen logic ops on the encoded bits of integer and normalized attachments.

use ash::vk;

/// VkPipelineColorBlendAttachmentState.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlendAttachment {
    pub enable: bool,
    pub src_color: vk::BlendFactor,
    pub dst_color: vk::BlendFactor,
    pub color_op: vk::BlendOp,
    pub src_alpha: vk::BlendFactor,
    pub dst_alpha: vk::BlendFactor,
    pub alpha_op: vk::BlendOp,
    pub write_mask: vk::ColorComponentFlags,
}

impl BlendAttachment {
    /// Blending off, every component written (the state's defaults).
    pub const DEFAULT: BlendAttachment = BlendAttachment {
        enable: false,
        src_color: vk::BlendFactor::ONE,
        dst_color: vk::BlendFactor::ZERO,
        color_op: vk::BlendOp::ADD,
        src_alpha: vk::BlendFactor::ONE,
        dst_alpha: vk::BlendFactor::ZERO,
        alpha_op: vk::BlendOp::ADD,
        write_mask: vk::ColorComponentFlags::RGBA,
    };

    /// This state with `mask` as its color write mask.
    pub const fn with_write_mask(self, mask: vk::ColorComponentFlags) -> BlendAttachment {
        BlendAttachment {
            write_mask: mask,
            ..self
        }
    }
}

impl Default for BlendAttachment {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How an attachment's numeric format bounds blending inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// Floating-point: nothing clamped.
    Float,
    /// UNORM (and sRGB): [0, 1].
    Unorm,
    /// SNORM: [-1, 1].
    Snorm,
}

impl Range {
    fn clamp(self, x: f32) -> f32 {
        match self {
            Range::Float => x,
            Range::Unorm => x.clamp(0.0, 1.0),
            Range::Snorm => x.clamp(-1.0, 1.0),
        }
    }
}

/// The inputs of one blend: source (output 0), second source (output 1 at the same location,
/// for the SRC1 factors), destination and blend constants.
#[derive(Clone, Copy, Debug)]
pub struct Inputs {
    pub src: [f32; 4],
    pub src1: [f32; 4],
    pub dst: [f32; 4],
    pub constants: [f32; 4],
}

/// The value of factor `f` ("Blend Factors"): its RGB for components 0..3, its A for 3.
fn factor(f: vk::BlendFactor, i: &Inputs, c: usize) -> f32 {
    use vk::BlendFactor as F;
    let alpha = c == 3;
    let pick = |v: &[f32; 4]| if alpha { v[3] } else { v[c] };
    match f {
        F::ZERO => 0.0,
        F::ONE => 1.0,
        F::SRC_COLOR => pick(&i.src),
        F::ONE_MINUS_SRC_COLOR => 1.0 - pick(&i.src),
        F::DST_COLOR => pick(&i.dst),
        F::ONE_MINUS_DST_COLOR => 1.0 - pick(&i.dst),
        F::SRC_ALPHA => i.src[3],
        F::ONE_MINUS_SRC_ALPHA => 1.0 - i.src[3],
        F::DST_ALPHA => i.dst[3],
        F::ONE_MINUS_DST_ALPHA => 1.0 - i.dst[3],
        F::CONSTANT_COLOR => pick(&i.constants),
        F::ONE_MINUS_CONSTANT_COLOR => 1.0 - pick(&i.constants),
        F::CONSTANT_ALPHA => i.constants[3],
        F::ONE_MINUS_CONSTANT_ALPHA => 1.0 - i.constants[3],
        F::SRC_ALPHA_SATURATE => {
            if alpha {
                1.0
            } else {
                i.src[3].min(1.0 - i.dst[3])
            }
        }
        F::SRC1_COLOR => pick(&i.src1),
        F::ONE_MINUS_SRC1_COLOR => 1.0 - pick(&i.src1),
        F::SRC1_ALPHA => i.src1[3],
        F::ONE_MINUS_SRC1_ALPHA => 1.0 - i.src1[3],
        _ => 0.0,
    }
}

/// The texel to write: `dst` where the write mask excludes a component, else the blend of
/// `i` (or the source as it is when blending is off).
pub fn blend(a: &BlendAttachment, i: &Inputs, range: Range) -> [f32; 4] {
    let mask = [
        vk::ColorComponentFlags::R,
        vk::ColorComponentFlags::G,
        vk::ColorComponentFlags::B,
        vk::ColorComponentFlags::A,
    ];
    // Fixed-point attachments: sources, destination and constants clamped first (so the
    // factors made from them are too).
    let c = |v: [f32; 4]| v.map(|x| range.clamp(x));
    let i = Inputs {
        src: c(i.src),
        src1: c(i.src1),
        dst: c(i.dst),
        constants: c(i.constants),
    };
    std::array::from_fn(|k| {
        if !a.write_mask.contains(mask[k]) {
            return i.dst[k];
        }
        if !a.enable {
            return i.src[k];
        }
        let (sf, df, op) = if k == 3 {
            (a.src_alpha, a.dst_alpha, a.alpha_op)
        } else {
            (a.src_color, a.dst_color, a.color_op)
        };
        let (s, d) = (i.src[k], i.dst[k]);
        let fs = range.clamp(factor(sf, &i, k));
        let fd = range.clamp(factor(df, &i, k));
        match op {
            vk::BlendOp::SUBTRACT => s * fs - d * fd,
            vk::BlendOp::REVERSE_SUBTRACT => d * fd - s * fs,
            vk::BlendOp::MIN => s.min(d),
            vk::BlendOp::MAX => s.max(d),
            _ => s * fs + d * fd,
        }
    })
}

/// Logical operation `op` on source bits `s` and destination bits `d` (the caller keeps the
/// component's bits and the write mask).
pub fn logic_op(op: vk::LogicOp, s: u32, d: u32) -> u32 {
    use vk::LogicOp as L;
    match op {
        L::CLEAR => 0,
        L::AND => s & d,
        L::AND_REVERSE => s & !d,
        L::COPY => s,
        L::AND_INVERTED => !s & d,
        L::NO_OP => d,
        L::XOR => s ^ d,
        L::OR => s | d,
        L::NOR => !(s | d),
        L::EQUIVALENT => !(s ^ d),
        L::INVERT => !d,
        L::OR_REVERSE => s | !d,
        L::COPY_INVERTED => !s,
        L::OR_INVERTED => !s | d,
        L::NAND => !(s & d),
        L::SET => u32::MAX,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vk::BlendFactor as F;

    const I: Inputs = Inputs {
        src: [0.5, 0.25, 0.75, 0.6],
        src1: [0.1, 0.2, 0.3, 0.4],
        dst: [0.2, 0.8, 0.4, 0.3],
        constants: [0.9, 0.7, 0.5, 0.25],
    };

    /// Every factor against the spec's table, for an RGB component and for alpha.
    #[test]
    fn factors_follow_the_table() {
        let (s, s1, d, k) = (I.src, I.src1, I.dst, I.constants);
        let table: [(F, [f32; 2]); 19] = [
            (F::ZERO, [0.0, 0.0]),
            (F::ONE, [1.0, 1.0]),
            (F::SRC_COLOR, [s[1], s[3]]),
            (F::ONE_MINUS_SRC_COLOR, [1.0 - s[1], 1.0 - s[3]]),
            (F::DST_COLOR, [d[1], d[3]]),
            (F::ONE_MINUS_DST_COLOR, [1.0 - d[1], 1.0 - d[3]]),
            (F::SRC_ALPHA, [s[3], s[3]]),
            (F::ONE_MINUS_SRC_ALPHA, [1.0 - s[3], 1.0 - s[3]]),
            (F::DST_ALPHA, [d[3], d[3]]),
            (F::ONE_MINUS_DST_ALPHA, [1.0 - d[3], 1.0 - d[3]]),
            (F::CONSTANT_COLOR, [k[1], k[3]]),
            (F::ONE_MINUS_CONSTANT_COLOR, [1.0 - k[1], 1.0 - k[3]]),
            (F::CONSTANT_ALPHA, [k[3], k[3]]),
            (F::ONE_MINUS_CONSTANT_ALPHA, [1.0 - k[3], 1.0 - k[3]]),
            (F::SRC_ALPHA_SATURATE, [0.6f32.min(1.0 - 0.3), 1.0]),
            (F::SRC1_COLOR, [s1[1], s1[3]]),
            (F::ONE_MINUS_SRC1_COLOR, [1.0 - s1[1], 1.0 - s1[3]]),
            (F::SRC1_ALPHA, [s1[3], s1[3]]),
            (F::ONE_MINUS_SRC1_ALPHA, [1.0 - s1[3], 1.0 - s1[3]]),
        ];
        for (f, [rgb, a]) in table {
            assert_eq!(factor(f, &I, 1), rgb, "{f:?} on green");
            assert_eq!(factor(f, &I, 3), a, "{f:?} on alpha");
        }
    }

    #[test]
    fn ops_masks_and_clamping() {
        let a = BlendAttachment {
            enable: true,
            src_color: F::SRC_ALPHA,
            dst_color: F::ONE_MINUS_SRC_ALPHA,
            color_op: vk::BlendOp::ADD,
            src_alpha: F::ONE,
            dst_alpha: F::ONE,
            alpha_op: vk::BlendOp::REVERSE_SUBTRACT,
            write_mask: vk::ColorComponentFlags::RGBA,
        };
        let r = blend(&a, &I, Range::Float);
        assert_eq!(r[0], 0.5 * 0.6 + 0.2 * (1.0 - 0.6));
        assert_eq!(r[3], 0.3 - 0.6);
        for (op, want) in [
            (vk::BlendOp::SUBTRACT, 0.25 * 0.6 - 0.8 * (1.0 - 0.6)),
            (vk::BlendOp::MIN, 0.25),
            (vk::BlendOp::MAX, 0.8),
        ] {
            let b = BlendAttachment { color_op: op, ..a };
            assert_eq!(blend(&b, &I, Range::Float)[1], want, "{op:?}");
        }
        // UNORM: the reverse subtraction's -0.3 is a result, not an input: it stays (the
        // encoder clamps it); inputs beyond [0, 1] are clamped first.
        let hot = Inputs {
            src: [2.0, -1.0, 0.5, 1.5],
            ..I
        };
        let plain = BlendAttachment {
            src_color: F::ONE,
            dst_color: F::ZERO,
            ..a
        };
        assert_eq!(blend(&plain, &hot, Range::Unorm)[..3], [1.0, 0.0, 0.5]);
        assert_eq!(blend(&plain, &hot, Range::Snorm)[..3], [1.0, -1.0, 0.5]);
        assert_eq!(blend(&plain, &hot, Range::Float)[..3], [2.0, -1.0, 0.5]);
        // Write mask: excluded components keep the destination, blending or not.
        let masked = BlendAttachment {
            enable: false,
            write_mask: vk::ColorComponentFlags::R | vk::ColorComponentFlags::A,
            ..a
        };
        assert_eq!(blend(&masked, &I, Range::Float), [0.5, 0.8, 0.4, 0.6]);
        let off = BlendAttachment::default();
        assert_eq!(blend(&off, &I, Range::Float), I.src);
    }

    #[test]
    fn logic_ops_follow_their_truth_tables() {
        use vk::LogicOp as L;
        // With s = 1100 and d = 1010 the four bit positions cover every (s, d) pair; the ops
        // in the spec's order, CLEAR = 0 to SET = 15.
        let (s, d) = (0b1100u32, 0b1010u32);
        let want = [
            (L::CLEAR, 0b0000),
            (L::AND, 0b1000),
            (L::AND_REVERSE, 0b0100),
            (L::COPY, 0b1100),
            (L::AND_INVERTED, 0b0010),
            (L::NO_OP, 0b1010),
            (L::XOR, 0b0110),
            (L::OR, 0b1110),
            (L::NOR, 0b0001),
            (L::EQUIVALENT, 0b1001),
            (L::INVERT, 0b0101),
            (L::OR_REVERSE, 0b1101),
            (L::COPY_INVERTED, 0b0011),
            (L::OR_INVERTED, 0b1011),
            (L::NAND, 0b0111),
            (L::SET, 0b1111),
        ];
        for (k, (op, bits)) in want.iter().enumerate() {
            assert_eq!(op.as_raw(), k as i32);
            assert_eq!(logic_op(*op, s, d) & 0xf, *bits, "{op:?}");
        }
    }
}
