//! Subgroup (GroupNonUniform*) instructions for subgroups of one invocation.
//!
//! The scalar backend runs each invocation alone, so every subgroup has exactly one
//! invocation (SubgroupSize = 1, SubgroupLocalInvocationId = 0) and these operations are exact
//! without any communication:
//!
//! - vote: `All`/`Any` return the predicate, `AllEqual` true;
//! - ballot: `Ballot` is (predicate, 0, 0, 0); `InverseBallot` and `BallotBitExtract` read the
//!   bit of the invocation (bit 0) or the requested bit; `BallotBitCount` counts bit 0 (reduce
//!   and inclusive scan) or nothing (exclusive scan); `BallotFindLSB`/`MSB` give 0 when bit 0 is
//!   set, else the undefined result is 0xFFFFFFFF (as findLSB of 0);
//! - broadcasts return the value (the only invocation is the first one and, for a valid id,
//!   the one named);
//! - arithmetic: reduce, inclusive scan and clustered reduce (cluster size 1) return the value;
//!   exclusive scan returns the operation's identity (0 for add, or, xor; 1 for mul; the type's
//!   largest value for min, smallest for max, +inf/-inf for float min/max; all ones for and;
//!   true for logical and, false for logical or/xor);
//! - shuffles (`Shuffle`, `ShuffleXor`, `ShuffleUp`, `ShuffleDown`) return the value: the
//!   spec leaves a lane outside the subgroup undefined, and the value itself is the deterministic
//!   choice (it is also exact for id 0, mask 0 and delta 0).

use super::*;
use spirv::GroupOperation;

impl Lower<'_, '_> {
    /// Translates a subgroup instruction; `None` if `i` is not one.
    pub(super) fn subgroup(&mut self, i: &Inst) -> Result<Option<Vec<Value>>, ShaderError> {
        use Op::*;
        let u = |l: &mut Self, v: i64| l.iconst(types::I32, v);
        Ok(Some(match i.op {
            GroupNonUniformAll | GroupNonUniformAny => self.s(i.w(1))?,
            GroupNonUniformAllEqual => vec![self.iconst(types::I8, 1)],
            GroupNonUniformBroadcast
            | GroupNonUniformBroadcastFirst
            | GroupNonUniformShuffle
            | GroupNonUniformShuffleXor
            | GroupNonUniformShuffleUp
            | GroupNonUniformShuffleDown => self.s(i.w(1))?,
            GroupNonUniformBallot => {
                let p = self.s1(i.w(1))?;
                let x = self.b.ins().uextend(types::I32, p);
                let z = u(self, 0);
                vec![x, z, z, z]
            }
            GroupNonUniformInverseBallot => {
                let v = self.s1(i.w(1))?;
                let bit = self.b.ins().band_imm_s(v, 1);
                vec![self.b.ins().icmp_imm_s(IntCC::NotEqual, bit, 0)]
            }
            GroupNonUniformBallotBitExtract => {
                let v = self.s(i.w(1))?;
                let idx = self.s1(i.w(2))?;
                if v.len() != 4 {
                    return err("OpGroupNonUniformBallotBitExtract of a non-uvec4");
                }
                // Word idx / 32 (indices past 127 read word 3), bit idx % 32.
                let word = self.b.ins().ushr_imm_s(idx, 5);
                let mut w = v[0];
                for (k, x) in v.iter().enumerate().skip(1) {
                    let c =
                        self.b
                            .ins()
                            .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, word, k as i64);
                    w = self.b.ins().select(c, *x, w);
                }
                let sh = self.b.ins().band_imm_s(idx, 31);
                let bit = self.b.ins().ushr(w, sh);
                let bit = self.b.ins().band_imm_s(bit, 1);
                vec![self.b.ins().icmp_imm_s(IntCC::NotEqual, bit, 0)]
            }
            GroupNonUniformBallotBitCount => {
                let op = i.w(1);
                let v = self.s1(i.w(2))?;
                if op == GroupOperation::ExclusiveScan as u32 {
                    vec![u(self, 0)]
                } else {
                    vec![self.b.ins().band_imm_s(v, 1)]
                }
            }
            GroupNonUniformBallotFindLSB | GroupNonUniformBallotFindMSB => {
                let v = self.s1(i.w(1))?;
                let bit = self.b.ins().band_imm_s(v, 1);
                let set = self.b.ins().icmp_imm_s(IntCC::NotEqual, bit, 0);
                let (zero, none) = (u(self, 0), u(self, -1));
                vec![self.b.ins().select(set, zero, none)]
            }
            GroupNonUniformIAdd
            | GroupNonUniformFAdd
            | GroupNonUniformIMul
            | GroupNonUniformFMul
            | GroupNonUniformSMin
            | GroupNonUniformUMin
            | GroupNonUniformFMin
            | GroupNonUniformSMax
            | GroupNonUniformUMax
            | GroupNonUniformFMax
            | GroupNonUniformBitwiseAnd
            | GroupNonUniformBitwiseOr
            | GroupNonUniformBitwiseXor
            | GroupNonUniformLogicalAnd
            | GroupNonUniformLogicalOr
            | GroupNonUniformLogicalXor => {
                let op = i.w(1);
                let v = self.s(i.w(2))?;
                match GroupOperation::from_u32(op) {
                    Some(
                        GroupOperation::Reduce
                        | GroupOperation::InclusiveScan
                        | GroupOperation::ClusteredReduce,
                    ) => v,
                    Some(GroupOperation::ExclusiveScan) => {
                        let kinds = self.kinds(i.ty)?;
                        kinds
                            .into_iter()
                            .map(|k| {
                                let bits = identity(i.op, k);
                                self.constant(k, bits)
                            })
                            .collect()
                    }
                    _ => {
                        return err(format!(
                            "unsupported group operation {op} (quad and partitioned operations \
                             are not supported)"
                        ));
                    }
                }
            }
            _ => return Ok(None),
        }))
    }
}

impl Lower<'_, '_> {
    /// The Input variable of a subgroup mask builtin (SubgroupEqMask, ...Ge, Gt, Le, Lt): a
    /// uvec4 with bit 0 (the only invocation) set for Eq, Ge and Le, none for Gt and Lt. `None`
    /// for other builtins.
    pub(super) fn subgroup_mask(&mut self, builtin: u32, ty: u32) -> Option<Val> {
        let bit = match BuiltIn::from_u32(builtin)? {
            BuiltIn::SubgroupEqMask | BuiltIn::SubgroupGeMask | BuiltIn::SubgroupLeMask => 1,
            BuiltIn::SubgroupGtMask | BuiltIn::SubgroupLtMask => 0,
            _ => return None,
        };
        let slot =
            self.b
                .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 4));
        let base = self.b.ins().stack_addr(PTR, slot, 0);
        for k in 0..4 {
            let v = self.iconst(types::I32, if k == 0 { bit } else { 0 });
            self.b.ins().store(flags(), v, base, 4 * k);
        }
        let len = self.iconst(PTR, 16);
        Some(self.mem_ptr(base, len, ty))
    }
}

/// The identity of a subgroup arithmetic operation on scalars of kind `k` (bit pattern).
fn identity(op: Op, k: Scalar) -> u64 {
    use Op::*;
    let wide = k.wide();
    let narrow = k.narrow();
    match (op, k) {
        (GroupNonUniformIMul, _) => 1,
        (GroupNonUniformFMul, Scalar::F64) => 1f64.to_bits(),
        // Halves' constants are their f16 bits: 1.0, +inf, -inf.
        (GroupNonUniformFMul, Scalar::F16) => 0x3C00,
        (GroupNonUniformFMin, Scalar::F16) => 0x7C00,
        (GroupNonUniformFMax, Scalar::F16) => 0xFC00,
        (GroupNonUniformFMul, _) => 1f32.to_bits() as u64,
        (GroupNonUniformSMin, _) if wide => i64::MAX as u64,
        (GroupNonUniformSMin, _) if narrow => i16::MAX as u64,
        (GroupNonUniformSMax, _) if narrow => i16::MIN as u16 as u64,
        (GroupNonUniformSMin, _) => i32::MAX as u64,
        (GroupNonUniformUMin | GroupNonUniformBitwiseAnd, _) => u64::MAX,
        (GroupNonUniformFMin, Scalar::F64) => f64::INFINITY.to_bits(),
        (GroupNonUniformFMin, _) => f32::INFINITY.to_bits() as u64,
        (GroupNonUniformSMax, _) if wide => i64::MIN as u64,
        (GroupNonUniformSMax, _) => i32::MIN as u32 as u64,
        (GroupNonUniformFMax, Scalar::F64) => f64::NEG_INFINITY.to_bits(),
        (GroupNonUniformFMax, _) => f32::NEG_INFINITY.to_bits() as u64,
        (GroupNonUniformLogicalAnd, _) => 1,
        // Add (integer 0, float +0.0), UMax, Or, Xor, logical Or and Xor.
        _ => 0,
    }
}
