//! SPV_KHR_integer_dot_product: OpSDot, OpUDot, OpSUDot and their AccSat forms, on vectors of
//! 8-, 16-, 32- and 64-bit integers and on 32-bit integers holding four packed 8-bit components
//! (PackedVectorFormat4x8Bit, component 0 in the low byte), with results of any integer width
//! at least the components'.
//!
//! Semantics (SPIR-V 1.6 §3.42.13): the components are sign-extended (S: both operands; SU: the
//! first) or zero-extended (U: both; SU: the second) to the result width, multiplied
//! component-wise and summed; the result is the low bits of the exact sum, which is what
//! wrapping arithmetic at the result's width gives. AccSat then adds the accumulator with saturation, signed
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
        let rk = self.p.scalar_of(i.ty)?;
        let rt = cl_type(rk);
        let (a, b) = if a.len() == 1 && self.b.func.dfg.value_type(a[0]) == types::I32 {
            // Packed: the format operand follows the vectors (and the accumulator).
            let fmt = i.w(if acc { 3 } else { 2 });
            if i.len() <= if acc { 3 } else { 2 } || fmt != 0 {
                return err("packed dot product without PackedVectorFormat4x8Bit");
            }
            (self.unpack8(a[0], sa), self.unpack8(b[0], sb))
        } else {
            (a, b)
        };
        // Components extended to the result's width (at least theirs: SPIR-V's rule), so the
        // wrapping sum at that width is the low bits of the exact one.
        let ext = |l: &mut Self, x: Value, signed: bool| -> Value {
            let t = l.b.func.dfg.value_type(x);
            if t.bits() > rt.bits() {
                // Unpacked 4x8 components are 32-bit; a narrower result keeps their low bits.
                return l.b.ins().ireduce(rt, x);
            }
            if t == rt {
                x
            } else if signed {
                l.b.ins().sextend(rt, x)
            } else {
                l.b.ins().uextend(rt, x)
            }
        };
        let mut sum = None;
        for k in 0..a.len() {
            let x = ext(self, a[k], sa);
            let y = ext(self, b[k], sb);
            let m = self.b.ins().imul(x, y);
            sum = Some(match sum {
                None => m,
                Some(s) => self.b.ins().iadd(s, m),
            });
        }
        let sum = sum.expect("at least one component");
        if !acc {
            return Ok(Some(vec![sum]));
        }
        let c = self.s1(i.w(2))?;
        // Saturating add at the result's width; signed for S and SU, unsigned for U.
        let total = self.b.ins().iadd(sum, c);
        let bits = rt.bits() as i64;
        let r = if sa {
            // Overflow: both operands of one sign and the sum of the other.
            let x1 = self.b.ins().bxor(sum, total);
            let x2 = self.b.ins().bxor(c, total);
            let ov = self.b.ins().band(x1, x2);
            let ov = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, ov, 0);
            // MAX when the operands were non-negative, MIN otherwise: MAX ^ (c >> (bits-1)).
            let sign = self.b.ins().sshr_imm_s(c, bits - 1);
            let max = self.iconst(
                rt,
                if bits == 64 {
                    i64::MAX
                } else {
                    (1i64 << (bits - 1)) - 1
                },
            );
            let sat = self.b.ins().bxor(max, sign);
            self.b.ins().select(ov, sat, total)
        } else {
            let ov = self.b.ins().icmp(IntCC::UnsignedLessThan, total, c);
            let max = self.iconst(rt, -1);
            self.b.ins().select(ov, max, total)
        };
        Ok(Some(vec![r]))
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
