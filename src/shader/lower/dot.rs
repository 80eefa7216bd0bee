//! SPV_KHR_integer_dot_product: OpSDot, OpUDot, OpSUDot and their AccSat forms, on vectors of
//! 32-bit integers and on 32-bit integers holding four packed 8-bit components
//! (PackedVectorFormat4x8Bit, component 0 in the low byte).
//!
//! Semantics (SPIR-V 1.6 §3.42.13): the components are sign-extended (S: both operands; SU: the
//! first) or zero-extended (U: both; SU: the second) to the result width, multiplied
//! component-wise and summed; the result is the low 32 bits of the exact sum, which is what
//! wrapping 32-bit arithmetic gives. AccSat then adds the accumulator with saturation, signed
//! for S and SU, unsigned for U (the dot product itself overflowing is undefined there; it is
//! the wrapped sum, extended by the result's signedness). Packed 4x8 products and sums never
//! overflow 32 bits.

use super::*;

impl Lower<'_, '_> {
    /// Translates a dot-product instruction; `None` if `i` is not one.
    pub(super) fn dot_product(&mut self, i: &Inst) -> Result<Option<Vec<Value>>, ShaderError> {
        use Op::*;
        let (sa, sb, acc) = match i.op {
            SDot => (true, true, false),
            UDot => (false, false, false),
            SUDot => (true, false, false),
            SDotAccSat => (true, true, true),
            UDotAccSat => (false, false, true),
            SUDotAccSat => (true, false, true),
            _ => return Ok(None),
        };
        let a = self.s(i.w(0))?;
        let b = self.s(i.w(1))?;
        if a.len() != b.len() || a.is_empty() {
            return err("dot product of vectors of different sizes");
        }
        let ty_is = |l: &Self, v: &Value, t: Type| l.b.func.dfg.value_type(*v) == t;
        let rk = self.p.scalar_of(i.ty)?;
        if a.iter().chain(&b).any(|v| ty_is(self, v, types::I64)) || rk.wide() {
            return err("integer dot products of 64-bit integers are not supported");
        }
        if a.iter().chain(&b).any(|v| ty_is(self, v, types::I16)) || rk.narrow() {
            return err("integer dot products of 16-bit integers are not supported");
        }
        let (a, b) = if a.len() == 1 {
            // Packed: the format operand follows the vectors (and the accumulator).
            let fmt = i.w(if acc { 3 } else { 2 });
            if i.len() <= if acc { 3 } else { 2 } || fmt != 0 {
                return err("packed dot product without PackedVectorFormat4x8Bit");
            }
            (self.unpack8(a[0], sa), self.unpack8(b[0], sb))
        } else {
            (a, b)
        };
        let mut sum = self.b.ins().imul(a[0], b[0]);
        for k in 1..a.len() {
            let m = self.b.ins().imul(a[k], b[k]);
            sum = self.b.ins().iadd(sum, m);
        }
        if !acc {
            return Ok(Some(vec![sum]));
        }
        let c = self.s1(i.w(2))?;
        // The result's signedness: signed for S and SU, unsigned for U.
        let signed = sa;
        let (sum64, c64) = if signed {
            (
                self.b.ins().sextend(types::I64, sum),
                self.b.ins().sextend(types::I64, c),
            )
        } else {
            (
                self.b.ins().uextend(types::I64, sum),
                self.b.ins().uextend(types::I64, c),
            )
        };
        let total = self.b.ins().iadd(sum64, c64);
        let (lo, hi) = if signed {
            (i32::MIN as i64, i32::MAX as i64)
        } else {
            (0, u32::MAX as i64)
        };
        let lo = self.iconst(types::I64, lo);
        let hi = self.iconst(types::I64, hi);
        let t = self.b.ins().smax(total, lo);
        let t = self.b.ins().smin(t, hi);
        Ok(Some(vec![self.b.ins().ireduce(types::I32, t)]))
    }

    /// The four 8-bit components of `x` (component 0 in bits 0..8), extended to 32 bits.
    fn unpack8(&mut self, x: Value, signed: bool) -> Vec<Value> {
        (0..4)
            .map(|k| {
                // Move component k to the top byte, then shift it down (arithmetic for signed).
                let up = self.b.ins().ishl_imm_s(x, 24 - 8 * k);
                if signed {
                    self.b.ins().sshr_imm_s(up, 24)
                } else {
                    self.b.ins().ushr_imm_s(up, 24)
                }
            })
            .collect()
    }
}
