//! Value instructions (arithmetic, comparisons, conversions, composites, GLSL.std.450) of the
//! scalar backend. None of them can trap: divisions are guarded, float-to-int conversions
//! saturate, shifts are masked by cranelift (SPIR-V leaves out-of-range shifts undefined).

use super::*;

impl Lower<'_, '_> {
    fn bin(
        &mut self,
        i: &Inst,
        f: impl Fn(&mut FunctionBuilder, Value, Value) -> Value,
    ) -> Result<Vec<Value>, ShaderError> {
        let a = self.s(i.w(0))?;
        let b = self.s(i.w(1))?;
        same_len(&a, &b)?;
        Ok(a.iter()
            .enumerate()
            .map(|(k, x)| {
                let y = if b.len() == 1 { b[0] } else { b[k] };
                f(&mut self.b, *x, y)
            })
            .collect())
    }

    fn un(
        &mut self,
        id: u32,
        f: impl Fn(&mut FunctionBuilder, Value) -> Value,
    ) -> Result<Vec<Value>, ShaderError> {
        let a = self.s(id)?;
        Ok(a.iter().map(|x| f(&mut self.b, *x)).collect())
    }

    /// A float constant of the type of `like` (f32 or f64).
    fn fconst(&mut self, like: Value, v: f64) -> Value {
        fc(&mut self.b, like, v)
    }

    fn dot(&mut self, a: &[Value], b: &[Value]) -> Value {
        if a.is_empty() || b.is_empty() {
            return self.b.ins().f32const(0.0);
        }
        let mut acc = self.b.ins().fmul(a[0], b[0]);
        for k in 1..a.len().min(b.len()) {
            let m = self.b.ins().fmul(a[k], b[k]);
            acc = self.b.ins().fadd(acc, m);
        }
        acc
    }

    /// The cranelift float type of a float (vector) result type.
    fn float_result(&self, ty: u32) -> Result<Type, ShaderError> {
        match self.p.scalar_of(ty)? {
            Scalar::F64 => Ok(types::F64),
            // A half is held as the f32 of its value (rounded by round_halves).
            Scalar::F32 | Scalar::F16 => Ok(types::F32),
            other => err(format!("float conversion to {other:?}")),
        }
    }

    fn vec_len(&mut self, ty: u32) -> Result<usize, ShaderError> {
        Ok(self.kinds(ty)?.len())
    }

    pub(super) fn value_op(&mut self, i: &Inst) -> Result<Vec<Value>, ShaderError> {
        use Op::*;
        let i32t = types::I32;
        Ok(match i.op {
            CopyObject | CopyLogical => self.s(i.w(0))?,
            // Between 32 and 64 bits: exact widening, or narrowing rounded to nearest even
            // (NaN stays NaN, values beyond f32's range become infinities).
            FConvert => {
                let t = self.float_result(i.ty)?;
                let a = self.s(i.w(0))?;
                if self.p.has_half(i.ty) {
                    // To f16: from f32 rounded by round_halves; from f64 rounded once here.
                    return Ok(a
                        .iter()
                        .map(|x| {
                            if self.b.func.dfg.value_type(*x) == types::F64 {
                                self.call("sv_d2h", &[*x]).expect("value")
                            } else {
                                *x
                            }
                        })
                        .collect());
                }
                a.iter()
                    .map(|x| match (self.b.func.dfg.value_type(*x), t) {
                        (f, t) if f == t => *x,
                        (_, types::F64) => self.b.ins().fpromote(types::F64, *x),
                        _ => self.b.ins().fdemote(types::F32, *x),
                    })
                    .collect()
            }
            // Between 32 and 64 bits: sign- or zero-extension, or truncation.
            UConvert | SConvert => {
                let kinds = self.kinds(i.ty)?;
                let a = self.s(i.w(0))?;
                if a.len() != kinds.len() {
                    return err("OpUConvert/OpSConvert between vectors of different sizes");
                }
                a.iter()
                    .zip(kinds)
                    .map(|(x, k)| self.resize(*x, cl_type(k), i.op == SConvert))
                    .collect()
            }
            ConvertFToS | ConvertFToU => {
                let t = self.kinds(i.ty)?.first().map_or(i32t, |k| cl_type(*k));
                if t == types::I16 || t == types::I8 {
                    // Saturated to 32 bits, then clamped to the 16- or 8-bit range.
                    let signed = i.op == ConvertFToS;
                    let (smin, smax, umax) = if t == types::I16 {
                        (i16::MIN as i64, i16::MAX as i64, u16::MAX as i64)
                    } else {
                        (i8::MIN as i64, i8::MAX as i64, u8::MAX as i64)
                    };
                    return self.un(i.w(0), |b, x| {
                        if signed {
                            let v = b.ins().fcvt_to_sint_sat(i32t, x);
                            let lo = b.ins().iconst(i32t, smin);
                            let hi = b.ins().iconst(i32t, smax);
                            let v = b.ins().smax(v, lo);
                            let v = b.ins().smin(v, hi);
                            b.ins().ireduce(t, v)
                        } else {
                            let v = b.ins().fcvt_to_uint_sat(i32t, x);
                            let hi = b.ins().iconst(i32t, umax);
                            let v = b.ins().umin(v, hi);
                            b.ins().ireduce(t, v)
                        }
                    });
                }
                if i.op == ConvertFToS {
                    self.un(i.w(0), |b, x| b.ins().fcvt_to_sint_sat(t, x))?
                } else {
                    self.un(i.w(0), |b, x| b.ins().fcvt_to_uint_sat(t, x))?
                }
            }
            // 16-bit integers are extended to 32 bits first (exact).
            ConvertSToF => {
                let t = self.float_result(i.ty)?;
                self.un(i.w(0), |b, x| {
                    let xt = b.func.dfg.value_type(x);
                    let x = if xt == types::I16 || xt == types::I8 {
                        b.ins().sextend(types::I32, x)
                    } else {
                        x
                    };
                    b.ins().fcvt_from_sint(t, x)
                })?
            }
            ConvertUToF => {
                let t = self.float_result(i.ty)?;
                self.un(i.w(0), |b, x| {
                    let xt = b.func.dfg.value_type(x);
                    let x = if xt == types::I16 || xt == types::I8 {
                        b.ins().uextend(types::I32, x)
                    } else {
                        x
                    };
                    b.ins().fcvt_from_uint(t, x)
                })?
            }
            QuantizeToF16 => {
                let a = self.s(i.w(0))?;
                a.iter()
                    .map(|x| self.call("sv_quantize16", &[*x]).expect("value"))
                    .collect()
            }
            Bitcast => {
                let kinds = self.kinds(i.ty)?;
                let a = self.s(i.w(0))?;
                let src_ty = self.p.value_types.get(&i.w(0)).copied().unwrap_or(0);
                if self.p.has_half(src_ty) || kinds.contains(&Scalar::F16) {
                    return self.bitcast_halves(&a, src_ty, &kinds);
                }
                let widths_differ = a
                    .iter()
                    .zip(&kinds)
                    .any(|(x, k)| self.b.func.dfg.value_type(*x).bits() != cl_type(*k).bits());
                if a.len() != kinds.len() || widths_differ {
                    // Between 64-bit integers and pairs of 32-bit scalars (uvec2, pointers).
                    return self.regroup(&a, &kinds);
                }
                a.iter()
                    .zip(kinds)
                    .map(|(x, k)| {
                        let t = cl_type(k);
                        if self.b.func.dfg.value_type(*x) == t {
                            *x
                        } else {
                            self.b.ins().bitcast(t, MemFlagsData::new(), *x)
                        }
                    })
                    .collect()
            }
            // SPV_KHR_physical_storage_buffer: an integer (zero-extended or truncated to 64
            // bits) is the address; a pointer's address as an integer of the result's width.
            ConvertUToPtr => {
                let x = self.s1(i.w(0))?;
                let x = self.resize(x, types::I64, false);
                self.regroup(&[x], &[Scalar::U32, Scalar::U32])?
            }
            ConvertPtrToU => {
                let words = self.s(i.w(0))?;
                let addr = self.regroup(&words, &[Scalar::U64])?;
                let t = self
                    .kinds(i.ty)?
                    .first()
                    .map_or(types::I64, |k| cl_type(*k));
                vec![self.resize(addr[0], t, false)]
            }
            SNegate => self.un(i.w(0), |b, x| b.ins().ineg(x))?,
            FNegate => self.un(i.w(0), |b, x| b.ins().fneg(x))?,
            Not => self.un(i.w(0), |b, x| b.ins().bnot(x))?,
            IAdd => self.bin(i, |b, x, y| b.ins().iadd(x, y))?,
            ISub => self.bin(i, |b, x, y| b.ins().isub(x, y))?,
            IMul => self.bin(i, |b, x, y| b.ins().imul(x, y))?,
            FAdd => self.bin(i, |b, x, y| b.ins().fadd(x, y))?,
            FSub => self.bin(i, |b, x, y| b.ins().fsub(x, y))?,
            FMul => self.bin(i, |b, x, y| b.ins().fmul(x, y))?,
            FDiv => self.bin(i, |b, x, y| b.ins().fdiv(x, y))?,
            UDiv => self.bin(i, |b, x, y| {
                let y = safe_divisor(b, x, y, false);
                b.ins().udiv(x, y)
            })?,
            UMod => self.bin(i, |b, x, y| {
                let y = safe_divisor(b, x, y, false);
                b.ins().urem(x, y)
            })?,
            SDiv => self.bin(i, |b, x, y| {
                let y = safe_divisor(b, x, y, true);
                b.ins().sdiv(x, y)
            })?,
            SRem => self.bin(i, |b, x, y| {
                let y = safe_divisor(b, x, y, true);
                b.ins().srem(x, y)
            })?,
            SMod => self.bin(i, |b, x, y| {
                let d = safe_divisor(b, x, y, true);
                let r = b.ins().srem(x, d);
                // Result takes the sign of the divisor.
                let nz = b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
                let xr = b.ins().bxor(r, y);
                let diff = b.ins().icmp_imm_s(IntCC::SignedLessThan, xr, 0);
                let fix = b.ins().band(nz, diff);
                let adj = b.ins().iadd(r, y);
                b.ins().select(fix, adj, r)
            })?,
            FRem => {
                let a = self.s(i.w(0))?;
                let c = self.s(i.w(1))?;
                a.iter()
                    .zip(c.iter())
                    .map(|(x, y)| {
                        let f = if self.b.func.dfg.value_type(*x) == types::F64 {
                            "sv_fmod64"
                        } else {
                            "sv_fmod"
                        };
                        self.call(f, &[*x, *y]).expect("value")
                    })
                    .collect()
            }
            FMod => self.bin(i, |b, x, y| {
                let q = b.ins().fdiv(x, y);
                let f = b.ins().floor(q);
                let m = b.ins().fmul(y, f);
                b.ins().fsub(x, m)
            })?,
            ShiftRightLogical => self.bin(i, |b, x, y| b.ins().ushr(x, y))?,
            ShiftRightArithmetic => self.bin(i, |b, x, y| b.ins().sshr(x, y))?,
            ShiftLeftLogical => self.bin(i, |b, x, y| b.ins().ishl(x, y))?,
            BitwiseOr | LogicalOr => self.bin(i, |b, x, y| b.ins().bor(x, y))?,
            BitwiseXor | LogicalNotEqual => self.bin(i, |b, x, y| b.ins().bxor(x, y))?,
            BitwiseAnd | LogicalAnd => self.bin(i, |b, x, y| b.ins().band(x, y))?,
            LogicalEqual => self.bin(i, |b, x, y| b.ins().icmp(IntCC::Equal, x, y))?,
            LogicalNot => self.un(i.w(0), |b, x| b.ins().bxor_imm_s(x, 1))?,
            IEqual => self.bin(i, |b, x, y| b.ins().icmp(IntCC::Equal, x, y))?,
            INotEqual => self.bin(i, |b, x, y| b.ins().icmp(IntCC::NotEqual, x, y))?,
            UGreaterThan => self.icmp(i, IntCC::UnsignedGreaterThan)?,
            SGreaterThan => self.icmp(i, IntCC::SignedGreaterThan)?,
            UGreaterThanEqual => self.icmp(i, IntCC::UnsignedGreaterThanOrEqual)?,
            SGreaterThanEqual => self.icmp(i, IntCC::SignedGreaterThanOrEqual)?,
            ULessThan => self.icmp(i, IntCC::UnsignedLessThan)?,
            SLessThan => self.icmp(i, IntCC::SignedLessThan)?,
            ULessThanEqual => self.icmp(i, IntCC::UnsignedLessThanOrEqual)?,
            SLessThanEqual => self.icmp(i, IntCC::SignedLessThanOrEqual)?,
            FOrdEqual => self.fcmp(i, FloatCC::Equal)?,
            FUnordEqual => self.fcmp(i, FloatCC::UnorderedOrEqual)?,
            FOrdNotEqual => self.fcmp(i, FloatCC::OrderedNotEqual)?,
            FUnordNotEqual => self.fcmp(i, FloatCC::NotEqual)?,
            FOrdLessThan => self.fcmp(i, FloatCC::LessThan)?,
            FUnordLessThan => self.fcmp(i, FloatCC::UnorderedOrLessThan)?,
            FOrdGreaterThan => self.fcmp(i, FloatCC::GreaterThan)?,
            FUnordGreaterThan => self.fcmp(i, FloatCC::UnorderedOrGreaterThan)?,
            FOrdLessThanEqual => self.fcmp(i, FloatCC::LessThanOrEqual)?,
            FUnordLessThanEqual => self.fcmp(i, FloatCC::UnorderedOrLessThanOrEqual)?,
            FOrdGreaterThanEqual => self.fcmp(i, FloatCC::GreaterThanOrEqual)?,
            FUnordGreaterThanEqual => self.fcmp(i, FloatCC::UnorderedOrGreaterThanOrEqual)?,
            IsNan => self.un(i.w(0), |b, x| b.ins().fcmp(FloatCC::Unordered, x, x))?,
            IsInf => self.un(i.w(0), |b, x| {
                let a = b.ins().fabs(x);
                let inf = fc(b, x, f64::INFINITY);
                b.ins().fcmp(FloatCC::Equal, a, inf)
            })?,
            Any | All => {
                let a = self.s(i.w(0))?;
                let Some(&first) = a.first() else {
                    return err("OpAny/OpAll of an empty vector");
                };
                let mut acc = first;
                for x in &a[1..] {
                    acc = if i.op == Any {
                        self.b.ins().bor(acc, *x)
                    } else {
                        self.b.ins().band(acc, *x)
                    };
                }
                vec![acc]
            }
            PtrEqual | PtrNotEqual => {
                // The same address: base + offset (a null pointer is 0 + 0).
                let a = self.get(i.w(0))?;
                let b = self.get(i.w(1))?;
                let (a, b) = (self.ptr_parts(a)?, self.ptr_parts(b)?);
                let ea = self.b.ins().iadd(a[0], a[2]);
                let eb = self.b.ins().iadd(b[0], b[2]);
                let cc = if i.op == PtrEqual {
                    IntCC::Equal
                } else {
                    IntCC::NotEqual
                };
                vec![self.b.ins().icmp(cc, ea, eb)]
            }
            Select => {
                let c = self.s(i.w(0))?;
                let a = self.s(i.w(1))?;
                let b = self.s(i.w(2))?;
                same_len(&a, &c)?;
                if a.len() != b.len() {
                    return err("OpSelect of values of different sizes");
                }
                (0..a.len())
                    .map(|k| {
                        let ck = if c.len() == 1 { c[0] } else { c[k] };
                        self.b.ins().select(ck, a[k], b[k])
                    })
                    .collect()
            }
            CompositeConstruct => {
                let mut v = Vec::new();
                for k in 0..i.len() {
                    v.extend(self.s(i.w(k))?);
                }
                let n = self.vec_len(i.ty)?;
                if v.len() != n {
                    return err("OpCompositeConstruct with the wrong number of components");
                }
                v
            }
            CompositeExtract => {
                let src_ty = self.p.value_types.get(&i.w(0)).copied().unwrap_or(0);
                let v = self.s(i.w(0))?;
                let (mut off, mut ty) = (0usize, src_ty);
                for k in 1..i.len() {
                    let (o, t) = self.p.flat_index(ty, i.w(k))?;
                    off += o;
                    ty = t;
                }
                let n = self.vec_len(i.ty)?;
                v.get(off..off + n)
                    .map(|s| s.to_vec())
                    .ok_or_else(|| ShaderError::new("OpCompositeExtract out of range"))?
            }
            CompositeInsert => {
                let obj = self.s(i.w(0))?;
                let mut v = self.s(i.w(1))?;
                let (mut off, mut ty) = (0usize, i.ty);
                for k in 2..i.len() {
                    let (o, t) = self.p.flat_index(ty, i.w(k))?;
                    off += o;
                    ty = t;
                }
                if off + obj.len() > v.len() {
                    return err("OpCompositeInsert out of range");
                }
                v[off..off + obj.len()].copy_from_slice(&obj);
                v
            }
            VectorShuffle => {
                let a = self.s(i.w(0))?;
                let b = self.s(i.w(1))?;
                let kinds = self.kinds(i.ty)?;
                (2..i.len())
                    .zip(kinds)
                    .map(|(k, kind)| {
                        let s = i.w(k) as usize;
                        if s < a.len() {
                            a[s]
                        } else if s - a.len() < b.len() {
                            b[s - a.len()]
                        } else {
                            self.constant(kind, 0)
                        }
                    })
                    .collect()
            }
            VectorExtractDynamic => {
                let v = self.s(i.w(0))?;
                let idx = self.s1(i.w(1))?;
                let Some(&first) = v.first() else {
                    return err("OpVectorExtractDynamic of an empty vector");
                };
                let mut r = first;
                for (k, x) in v.iter().enumerate().skip(1) {
                    let c = self.b.ins().icmp_imm_s(IntCC::Equal, idx, k as i64);
                    r = self.b.ins().select(c, *x, r);
                }
                vec![r]
            }
            VectorInsertDynamic => {
                let v = self.s(i.w(0))?;
                let comp = self.s1(i.w(1))?;
                let idx = self.s1(i.w(2))?;
                v.iter()
                    .enumerate()
                    .map(|(k, x)| {
                        let c = self.b.ins().icmp_imm_s(IntCC::Equal, idx, k as i64);
                        self.b.ins().select(c, comp, *x)
                    })
                    .collect()
            }
            Transpose => {
                let (v, cols, rows) = self.mat_of(i.w(0))?;
                let mut out = Vec::with_capacity(v.len());
                for r in 0..rows {
                    for c in 0..cols {
                        out.push(v[c * rows + r]);
                    }
                }
                out
            }
            VectorTimesScalar | MatrixTimesScalar => self.bin(i, |b, x, y| b.ins().fmul(x, y))?,
            Dot => {
                let a = self.s(i.w(0))?;
                let b = self.s(i.w(1))?;
                vec![self.dot(&a, &b)]
            }
            MatrixTimesVector => {
                let (m, cols, rows) = self.mat_of(i.w(0))?;
                let v = self.s(i.w(1))?;

                (0..rows)
                    .map(|r| {
                        let row: Vec<Value> = (0..cols).map(|c| m[c * rows + r]).collect();
                        self.dot(&row, &v)
                    })
                    .collect()
            }
            VectorTimesMatrix => {
                let v = self.s(i.w(0))?;
                let (m, cols, rows) = self.mat_of(i.w(1))?;
                (0..cols)
                    .map(|c| {
                        let col = m[c * rows..(c + 1) * rows].to_vec();
                        self.dot(&v, &col)
                    })
                    .collect()
            }
            MatrixTimesMatrix => {
                let (a, ka, rows) = self.mat_of(i.w(0))?;
                let (bm, cols, kb) = self.mat_of(i.w(1))?;
                let k = ka.min(kb);
                let mut out = Vec::new();
                for c in 0..cols {
                    for r in 0..rows {
                        let row: Vec<Value> = (0..k).map(|m| a[m * rows + r]).collect();
                        let col = bm[c * kb..c * kb + k].to_vec();
                        out.push(self.dot(&row, &col));
                    }
                }
                out
            }
            OuterProduct => {
                let a = self.s(i.w(0))?;
                let b = self.s(i.w(1))?;
                let mut out = Vec::new();
                for y in &b {
                    for x in &a {
                        out.push(self.b.ins().fmul(*x, *y));
                    }
                }
                out
            }
            IAddCarry | ISubBorrow => {
                let a = self.s(i.w(0))?;
                let b = self.s(i.w(1))?;
                let mut lo = Vec::new();
                let mut hi = Vec::new();
                for (x, y) in a.iter().zip(b.iter()) {
                    let (r, c) = if i.op == IAddCarry {
                        let r = self.b.ins().iadd(*x, *y);
                        (r, self.b.ins().icmp(IntCC::UnsignedLessThan, r, *x))
                    } else {
                        let r = self.b.ins().isub(*x, *y);
                        (r, self.b.ins().icmp(IntCC::UnsignedLessThan, *x, *y))
                    };
                    lo.push(r);
                    let t = self.b.func.dfg.value_type(r);
                    hi.push(self.b.ins().uextend(t, c));
                }
                lo.extend(hi);
                lo
            }
            UMulExtended | SMulExtended => {
                let a = self.s(i.w(0))?;
                let b = self.s(i.w(1))?;
                let mut lo = Vec::new();
                let mut hi = Vec::new();
                for (x, y) in a.iter().zip(b.iter()) {
                    if self.b.func.dfg.value_type(*x) == types::I64 {
                        // 128-bit product: low half, and the high half from umulhi/smulhi.
                        lo.push(self.b.ins().imul(*x, *y));
                        hi.push(if i.op == UMulExtended {
                            self.b.ins().umulhi(*x, *y)
                        } else {
                            self.b.ins().smulhi(*x, *y)
                        });
                        continue;
                    }
                    let (x, y) = if i.op == UMulExtended {
                        (
                            self.b.ins().uextend(types::I64, *x),
                            self.b.ins().uextend(types::I64, *y),
                        )
                    } else {
                        (
                            self.b.ins().sextend(types::I64, *x),
                            self.b.ins().sextend(types::I64, *y),
                        )
                    };
                    let p = self.b.ins().imul(x, y);
                    // 16- or 32-bit operands: the product of the extended values.
                    let t = self.b.func.dfg.value_type(*a.first().expect("non-empty"));
                    lo.push(self.b.ins().ireduce(t, p));
                    let h = self.b.ins().ushr_imm_s(p, t.bits() as i64);
                    hi.push(self.b.ins().ireduce(t, h));
                }
                lo.extend(hi);
                lo
            }
            // The result's width may differ from Base's (e.g. a 32-bit count of a 64-bit value).
            BitCount => {
                let t = self.kinds(i.ty)?.first().map_or(i32t, |k| cl_type(*k));
                let a = self.s(i.w(0))?;
                a.iter()
                    .map(|x| {
                        let c = self.b.ins().popcnt(*x);
                        self.resize(c, t, false)
                    })
                    .collect()
            }
            BitReverse => self.un(i.w(0), |b, x| b.ins().bitrev(x))?,
            BitFieldInsert => {
                let base = self.s(i.w(0))?;
                let ins = self.s(i.w(1))?;
                let t = self.first_type(&base)?;
                let off = self.s1(i.w(2))?;
                let off = self.resize(off, t, false);
                let cnt = self.s1(i.w(3))?;
                let cnt = self.resize(cnt, t, false);
                let mask = self.field_mask(off, cnt);
                base.iter()
                    .zip(ins.iter())
                    .map(|(b0, v)| {
                        let sh = self.b.ins().ishl(*v, off);
                        let sh = self.b.ins().band(sh, mask);
                        let keep = self.b.ins().band_not(*b0, mask);
                        self.b.ins().bor(keep, sh)
                    })
                    .collect()
            }
            BitFieldUExtract => {
                let base = self.s(i.w(0))?;
                let t = self.first_type(&base)?;
                let off = self.s1(i.w(1))?;
                let off = self.resize(off, t, false);
                let cnt = self.s1(i.w(2))?;
                let cnt = self.resize(cnt, t, false);
                let zero = self.iconst(t, 0);
                let mask = self.field_mask(zero, cnt);
                base.iter()
                    .map(|b0| {
                        let s = self.b.ins().ushr(*b0, off);
                        self.b.ins().band(s, mask)
                    })
                    .collect()
            }
            BitFieldSExtract => {
                let base = self.s(i.w(0))?;
                let t = self.first_type(&base)?;
                let off = self.s1(i.w(1))?;
                let off = self.resize(off, t, false);
                let cnt = self.s1(i.w(2))?;
                let cnt = self.resize(cnt, t, false);
                let width = self.iconst(t, t.bits() as i64);
                let left = self.b.ins().isub(width, off);
                let left = self.b.ins().isub(left, cnt);
                let right = self.b.ins().isub(width, cnt);
                let is0 = self.b.ins().icmp_imm_s(IntCC::Equal, cnt, 0);
                let zero = self.iconst(t, 0);
                base.iter()
                    .map(|b0| {
                        let s = self.b.ins().ishl(*b0, left);
                        let s = self.b.ins().sshr(s, right);
                        self.b.ins().select(is0, zero, s)
                    })
                    .collect()
            }
            other => return err(format!("unsupported instruction Op{other:?}")),
        })
    }

    /// ((1 << cnt) - 1) << off, computed in 64 bits so cnt = 32 works (for 64-bit fields:
    /// all ones shifted right by 64 - cnt, and 0 for cnt = 0).
    fn field_mask(&mut self, off: Value, cnt: Value) -> Value {
        if self.b.func.dfg.value_type(cnt) == types::I64 {
            let ones = self.iconst(types::I64, -1);
            let sixty_four = self.iconst(types::I64, 64);
            let sh = self.b.ins().isub(sixty_four, cnt);
            let m = self.b.ins().ushr(ones, sh);
            let zero = self.iconst(types::I64, 0);
            let is0 = self.b.ins().icmp_imm_s(IntCC::Equal, cnt, 0);
            let m = self.b.ins().select(is0, zero, m);
            return self.b.ins().ishl(m, off);
        }
        let one = self.iconst(types::I64, 1);
        let c = self.b.ins().uextend(types::I64, cnt);
        let m = self.b.ins().ishl(one, c);
        let m = self.b.ins().iadd_imm_s(m, -1);
        let t = self.b.func.dfg.value_type(cnt);
        let m = self.b.ins().ireduce(t, m);
        self.b.ins().ishl(m, off)
    }

    /// `x` as an integer of type `t`: truncated, or sign- (`signed`) or zero-extended.
    pub(super) fn resize(&mut self, x: Value, t: Type, signed: bool) -> Value {
        let from = self.b.func.dfg.value_type(x);
        if from == t {
            x
        } else if from.bits() > t.bits() {
            self.b.ins().ireduce(t, x)
        } else if signed {
            self.b.ins().sextend(t, x)
        } else {
            self.b.ins().uextend(t, x)
        }
    }

    /// The cranelift type of the first scalar of a value.
    fn first_type(&self, v: &[Value]) -> Result<Type, ShaderError> {
        match v.first() {
            Some(x) => Ok(self.b.func.dfg.value_type(*x)),
            None => err("an operation on a value without components"),
        }
    }

    /// Reinterprets the bits of `a` (scalars of 32 or 64 bits, lowest first, a 64-bit scalar
    /// being its low then high 32-bit word) as scalars of `kinds`: OpBitcast between a 64-bit
    /// integer (vector) and 32-bit pairs, and pointer/integer conversions.
    pub(super) fn regroup(
        &mut self,
        a: &[Value],
        kinds: &[Scalar],
    ) -> Result<Vec<Value>, ShaderError> {
        let byte_in = a
            .iter()
            .any(|x| self.b.func.dfg.value_type(*x) == types::I8);
        if byte_in || kinds.iter().any(|k| k.byte()) {
            return self.regroup_pieces(a, kinds, 8);
        }
        let narrow_in = a
            .iter()
            .any(|x| self.b.func.dfg.value_type(*x) == types::I16);
        if narrow_in || kinds.iter().any(|k| k.narrow()) {
            return self.regroup_pieces(a, kinds, 16);
        }
        let mut words = Vec::new();
        for x in a {
            let t = self.b.func.dfg.value_type(*x);
            if t == types::I64 {
                words.push(self.b.ins().ireduce(types::I32, *x));
                let hi = self.b.ins().ushr_imm_u(*x, 32);
                words.push(self.b.ins().ireduce(types::I32, hi));
            } else if t == types::I32 {
                words.push(*x);
            } else if t == types::F32 {
                words.push(self.b.ins().bitcast(types::I32, MemFlagsData::new(), *x));
            } else if t == types::F64 {
                let x = self.b.ins().bitcast(types::I64, MemFlagsData::new(), *x);
                words.push(self.b.ins().ireduce(types::I32, x));
                let hi = self.b.ins().ushr_imm_u(x, 32);
                words.push(self.b.ins().ireduce(types::I32, hi));
            } else {
                return err("OpBitcast of a boolean");
            }
        }
        let need: usize = kinds.iter().map(|k| k.bytes() as usize / 4).sum();
        if need != words.len() || kinds.contains(&Scalar::Bool) {
            return err("OpBitcast between types of different sizes");
        }
        let mut out = Vec::new();
        let mut w = words.into_iter();
        for k in kinds {
            let lo = w.next().expect("counted");
            out.push(match k {
                Scalar::I64 | Scalar::U64 | Scalar::F64 => {
                    let hi = w.next().expect("counted");
                    let lo = self.b.ins().uextend(types::I64, lo);
                    let hi = self.b.ins().uextend(types::I64, hi);
                    let hi = self.b.ins().ishl_imm_u(hi, 32);
                    let v = self.b.ins().bor(lo, hi);
                    if *k == Scalar::F64 {
                        self.b.ins().bitcast(types::F64, MemFlagsData::new(), v)
                    } else {
                        v
                    }
                }
                Scalar::F32 => self.b.ins().bitcast(types::F32, MemFlagsData::new(), lo),
                _ => lo,
            });
        }
        Ok(out)
    }

    /// [`Self::regroup`] when 16- or 8-bit integers are involved (e.g. packUint2x16, u8vec4
    /// to uint): every scalar split into `bits`-bit pieces, lowest first, and the pieces
    /// joined into the `kinds`. (OpBitcast takes numbers only, so an i8 here is a number.)
    fn regroup_pieces(
        &mut self,
        a: &[Value],
        kinds: &[Scalar],
        bits: u32,
    ) -> Result<Vec<Value>, ShaderError> {
        let piece_t = if bits == 8 { types::I8 } else { types::I16 };
        let mut pieces = Vec::new();
        for x in a {
            let t = self.b.func.dfg.value_type(*x);
            let v = match t {
                types::F32 => self.b.ins().bitcast(types::I32, MemFlagsData::new(), *x),
                types::F64 => self.b.ins().bitcast(types::I64, MemFlagsData::new(), *x),
                types::I8 | types::I16 | types::I32 | types::I64 => *x,
                _ => return err("OpBitcast of a value that is not a number"),
            };
            if t.bits() < bits {
                return err("OpBitcast of a value narrower than its pieces");
            }
            for k in 0..t.bits() / bits {
                let s = if k == 0 {
                    v
                } else {
                    self.b.ins().ushr_imm_s(v, (bits * k) as i64)
                };
                pieces.push(self.resize(s, piece_t, false));
            }
        }
        let per = bits as usize / 8;
        let need: usize = kinds.iter().map(|k| k.bytes() as usize / per).sum();
        if need != pieces.len() || kinds.contains(&Scalar::Bool) {
            return err("OpBitcast between types of different sizes");
        }
        let mut out = Vec::new();
        let mut p = pieces.into_iter();
        for k in kinds {
            let t = cl_type(*k);
            let int_t = match *k {
                Scalar::F32 => types::I32,
                Scalar::F64 => types::I64,
                _ => t,
            };
            let mut v = self.iconst(int_t, 0);
            for n in 0..k.bytes() / per as i64 {
                let piece = p.next().expect("counted");
                let piece = self.resize(piece, int_t, false);
                let piece = if n == 0 {
                    piece
                } else {
                    self.b.ins().ishl_imm_s(piece, bits as i64 * n)
                };
                v = self.b.ins().bor(v, piece);
            }
            out.push(if int_t == t {
                v
            } else {
                self.b.ins().bitcast(t, MemFlagsData::new(), v)
            });
        }
        Ok(out)
    }

    /// OpBitcast to or from 16-bit floats: halves become their 16-bit patterns (and back),
    /// the rest is [`Self::regroup`].
    fn bitcast_halves(
        &mut self,
        a: &[Value],
        src_ty: u32,
        kinds: &[Scalar],
    ) -> Result<Vec<Value>, ShaderError> {
        let src = self.kinds(src_ty)?;
        if src.len() != a.len() {
            return err("OpBitcast of a value of the wrong size");
        }
        let mut bits = Vec::new();
        for (x, k) in a.iter().zip(&src) {
            bits.push(if *k == Scalar::F16 {
                let h = self.call("sv_f2h", &[*x]).expect("value");
                self.b.ins().ireduce(types::I16, h)
            } else {
                *x
            });
        }
        let as_ints: Vec<Scalar> = kinds
            .iter()
            .map(|k| if *k == Scalar::F16 { Scalar::U16 } else { *k })
            .collect();
        let out = self.regroup(&bits, &as_ints)?;
        Ok(out
            .into_iter()
            .zip(kinds)
            .map(|(v, k)| {
                if *k == Scalar::F16 {
                    let w = self.b.ins().uextend(types::I32, v);
                    self.call("sv_h2f", &[w]).expect("value")
                } else {
                    v
                }
            })
            .collect())
    }

    fn icmp(&mut self, i: &Inst, cc: IntCC) -> Result<Vec<Value>, ShaderError> {
        self.bin(i, |b, x, y| b.ins().icmp(cc, x, y))
    }

    fn fcmp(&mut self, i: &Inst, cc: FloatCC) -> Result<Vec<Value>, ShaderError> {
        self.bin(i, |b, x, y| b.ins().fcmp(cc, x, y))
    }

    /// Checks that a flattened matrix value has cols * rows scalars.
    fn mat_of(&mut self, id: u32) -> Result<(Vec<Value>, usize, usize), ShaderError> {
        let v = self.s(id)?;
        let (c, r) = self.mat_dims(self.p.value_types.get(&id).copied().unwrap_or(0))?;
        if v.len() != c * r {
            return err("matrix value of the wrong size");
        }
        Ok((v, c, r))
    }

    /// (columns, rows) of a matrix type.
    fn mat_dims(&self, ty: u32) -> Result<(usize, usize), ShaderError> {
        match self.p.ty(ty)? {
            Ty::Matrix { col, n } => match self.p.ty(*col)? {
                Ty::Vector { n: rows, .. } => Ok((*n as usize, *rows as usize)),
                _ => err("matrix column is not a vector"),
            },
            _ => err("matrix operation on a non-matrix"),
        }
    }

    // ----- GLSL.std.450 -----

    pub(super) fn glsl(&mut self, i: &Inst) -> Result<Vec<Value>, ShaderError> {
        if !self.p.glsl_ext.contains(&i.w(0)) {
            return err("OpExtInst of an unknown instruction set");
        }
        let n = i.w(1);
        let Some(op) = G::from_u32(n) else {
            return err(format!("unknown GLSL.std.450 instruction {n}"));
        };
        let arg = |k: usize| i.w(2 + k);
        // GLSL.std.450 defines these for 16- and 32-bit floats only (its "Float64" notes); a
        // 64-bit operand is invalid SPIR-V and is refused rather than given a meaning.
        let only32 = matches!(
            op,
            G::Radians
                | G::Degrees
                | G::Sin
                | G::Cos
                | G::Tan
                | G::Asin
                | G::Acos
                | G::Atan
                | G::Sinh
                | G::Cosh
                | G::Tanh
                | G::Asinh
                | G::Acosh
                | G::Atanh
                | G::Atan2
                | G::Pow
                | G::Exp
                | G::Log
                | G::Exp2
                | G::Log2
                | G::PackHalf2x16
                | G::PackUnorm4x8
                | G::PackSnorm4x8
                | G::PackUnorm2x16
                | G::PackSnorm2x16
        );
        if only32 {
            let a = self.s(arg(0))?;
            if a.iter()
                .any(|x| self.b.func.dfg.value_type(*x) == types::F64)
            {
                return err(format!(
                    "GLSL.std.450 {op:?} of a 64-bit float (defined for 16/32-bit floats only)"
                ));
            }
        }
        let helper1 = |l: &mut Self, name: &str| -> Result<Vec<Value>, ShaderError> {
            let a = l.s(arg(0))?;
            Ok(a.iter()
                .map(|x| l.call(name, &[*x]).expect("value"))
                .collect())
        };
        let helper2 = |l: &mut Self, name: &str| -> Result<Vec<Value>, ShaderError> {
            let a = l.s(arg(0))?;
            let b = l.s(arg(1))?;
            same_len(&a, &b)?;
            Ok(a.iter()
                .zip(b.iter())
                .map(|(x, y)| l.call(name, &[*x, *y]).expect("value"))
                .collect())
        };
        let un = |l: &mut Self, f: &dyn Fn(&mut FunctionBuilder, Value) -> Value| {
            let a = l.s(arg(0))?;
            Ok::<_, ShaderError>(a.iter().map(|x| f(&mut l.b, *x)).collect::<Vec<_>>())
        };
        let bin = |l: &mut Self, f: &dyn Fn(&mut FunctionBuilder, Value, Value) -> Value| {
            let a = l.s(arg(0))?;
            let b = l.s(arg(1))?;
            same_len(&a, &b)?;
            Ok::<_, ShaderError>(
                a.iter()
                    .enumerate()
                    .map(|(k, x)| f(&mut l.b, *x, if b.len() == 1 { b[0] } else { b[k] }))
                    .collect::<Vec<_>>(),
            )
        };
        let tri = |l: &mut Self, f: &dyn Fn(&mut FunctionBuilder, Value, Value, Value) -> Value| {
            let a = l.s(arg(0))?;
            let b = l.s(arg(1))?;
            let c = l.s(arg(2))?;
            same_len(&a, &b)?;
            same_len(&a, &c)?;
            let pick = |v: &Vec<Value>, k: usize| if v.len() == 1 { v[0] } else { v[k] };
            Ok::<_, ShaderError>(
                (0..a.len())
                    .map(|k| f(&mut l.b, a[k], pick(&b, k), pick(&c, k)))
                    .collect::<Vec<_>>(),
            )
        };
        Ok(match op {
            G::Round | G::RoundEven => un(self, &|b, x| b.ins().nearest(x))?,
            G::Trunc => un(self, &|b, x| b.ins().trunc(x))?,
            G::Floor => un(self, &|b, x| b.ins().floor(x))?,
            G::Ceil => un(self, &|b, x| b.ins().ceil(x))?,
            G::Fract => un(self, &|b, x| {
                let f = b.ins().floor(x);
                b.ins().fsub(x, f)
            })?,
            G::FAbs => un(self, &|b, x| b.ins().fabs(x))?,
            G::SAbs => un(self, &|b, x| b.ins().iabs(x))?,
            G::FSign => un(self, &|b, x| {
                let zero = fc(b, x, 0.0);
                let one = fc(b, x, 1.0);
                let m1 = fc(b, x, -1.0);
                let gt = b.ins().fcmp(FloatCC::GreaterThan, x, zero);
                let lt = b.ins().fcmp(FloatCC::LessThan, x, zero);
                let r = b.ins().select(lt, m1, x);
                b.ins().select(gt, one, r)
            })?,
            G::SSign => un(self, &|b, x| {
                let gt = b.ins().icmp_imm_s(IntCC::SignedGreaterThan, x, 0);
                let lt = b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
                let t = b.func.dfg.value_type(x);
                let gt = b.ins().uextend(t, gt);
                let lt = b.ins().uextend(t, lt);
                b.ins().isub(gt, lt)
            })?,
            G::Radians => un(self, &|b, x| {
                let k = b.ins().f32const(std::f32::consts::PI / 180.0);
                b.ins().fmul(x, k)
            })?,
            G::Degrees => un(self, &|b, x| {
                let k = b.ins().f32const(180.0 / std::f32::consts::PI);
                b.ins().fmul(x, k)
            })?,
            G::Sin => helper1(self, "sv_sin")?,
            G::Cos => helper1(self, "sv_cos")?,
            G::Tan => helper1(self, "sv_tan")?,
            G::Asin => helper1(self, "sv_asin")?,
            G::Acos => helper1(self, "sv_acos")?,
            G::Atan => helper1(self, "sv_atan")?,
            G::Sinh => helper1(self, "sv_sinh")?,
            G::Cosh => helper1(self, "sv_cosh")?,
            G::Tanh => helper1(self, "sv_tanh")?,
            G::Asinh => helper1(self, "sv_asinh")?,
            G::Acosh => helper1(self, "sv_acosh")?,
            G::Atanh => helper1(self, "sv_atanh")?,
            G::Exp => helper1(self, "sv_exp")?,
            G::Log => helper1(self, "sv_log")?,
            G::Exp2 => helper1(self, "sv_exp2")?,
            G::Log2 => helper1(self, "sv_log2")?,
            G::Atan2 => helper2(self, "sv_atan2")?,
            G::Pow => helper2(self, "sv_pow")?,
            G::Sqrt => un(self, &|b, x| b.ins().sqrt(x))?,
            G::InverseSqrt => un(self, &|b, x| {
                let s = b.ins().sqrt(x);
                let one = fc(b, x, 1.0);
                b.ins().fdiv(one, s)
            })?,
            G::FMin => bin(self, &|b, x, y| b.ins().fmin(x, y))?,
            G::FMax => bin(self, &|b, x, y| b.ins().fmax(x, y))?,
            G::UMin => bin(self, &|b, x, y| b.ins().umin(x, y))?,
            G::SMin => bin(self, &|b, x, y| b.ins().smin(x, y))?,
            G::UMax => bin(self, &|b, x, y| b.ins().umax(x, y))?,
            G::SMax => bin(self, &|b, x, y| b.ins().smax(x, y))?,
            G::NMin => bin(self, &|b, x, y| nminmax(b, x, y, false))?,
            G::NMax => bin(self, &|b, x, y| nminmax(b, x, y, true))?,
            G::FClamp => tri(self, &|b, x, lo, hi| {
                let m = b.ins().fmax(x, lo);
                b.ins().fmin(m, hi)
            })?,
            G::NClamp => tri(self, &|b, x, lo, hi| {
                let m = nminmax(b, x, lo, true);
                nminmax(b, m, hi, false)
            })?,
            G::UClamp => tri(self, &|b, x, lo, hi| {
                let m = b.ins().umax(x, lo);
                b.ins().umin(m, hi)
            })?,
            G::SClamp => tri(self, &|b, x, lo, hi| {
                let m = b.ins().smax(x, lo);
                b.ins().smin(m, hi)
            })?,
            G::FMix => tri(self, &|b, x, y, a| {
                let one = fc(b, x, 1.0);
                let ia = b.ins().fsub(one, a);
                let l = b.ins().fmul(x, ia);
                let r = b.ins().fmul(y, a);
                b.ins().fadd(l, r)
            })?,
            G::Step => bin(self, &|b, edge, x| {
                let zero = fc(b, x, 0.0);
                let one = fc(b, x, 1.0);
                let lt = b.ins().fcmp(FloatCC::LessThan, x, edge);
                b.ins().select(lt, zero, one)
            })?,
            G::SmoothStep => tri(self, &|b, e0, e1, x| {
                let zero = fc(b, x, 0.0);
                let one = fc(b, x, 1.0);
                let num = b.ins().fsub(x, e0);
                let den = b.ins().fsub(e1, e0);
                let t = b.ins().fdiv(num, den);
                let t = b.ins().fmax(t, zero);
                let t = b.ins().fmin(t, one);
                let two = fc(b, x, 2.0);
                let three = fc(b, x, 3.0);
                let tt = b.ins().fmul(two, t);
                let k = b.ins().fsub(three, tt);
                let t2 = b.ins().fmul(t, t);
                b.ins().fmul(t2, k)
            })?,
            G::Fma => tri(self, &|b, x, y, z| b.ins().fma(x, y, z))?,
            G::Length => {
                let a = self.s(arg(0))?;
                let d = self.dot(&a, &a);
                vec![self.b.ins().sqrt(d)]
            }
            G::Distance => {
                let a = self.s(arg(0))?;
                let c = self.s(arg(1))?;
                let d: Vec<Value> = a
                    .iter()
                    .zip(c.iter())
                    .map(|(x, y)| self.b.ins().fsub(*x, *y))
                    .collect();
                let dd = self.dot(&d, &d);
                vec![self.b.ins().sqrt(dd)]
            }
            G::Normalize => {
                let a = self.s(arg(0))?;
                let d = self.dot(&a, &a);
                let l = self.b.ins().sqrt(d);
                a.iter().map(|x| self.b.ins().fdiv(*x, l)).collect()
            }
            G::Cross => {
                let a = self.s(arg(0))?;
                let c = self.s(arg(1))?;
                if a.len() != 3 || c.len() != 3 {
                    return err("Cross of non-3-component vectors");
                }
                let mut out = Vec::new();
                for (p, q) in [(1, 2), (2, 0), (0, 1)] {
                    let l = self.b.ins().fmul(a[p], c[q]);
                    let r = self.b.ins().fmul(a[q], c[p]);
                    out.push(self.b.ins().fsub(l, r));
                }
                out
            }
            G::FaceForward => {
                let n = self.s(arg(0))?;
                let inc = self.s(arg(1))?;
                let nref = self.s(arg(2))?;
                let d = self.dot(&nref, &inc);
                let zero = self.fconst(d, 0.0);
                let lt = self.b.ins().fcmp(FloatCC::LessThan, d, zero);
                n.iter()
                    .map(|x| {
                        let neg = self.b.ins().fneg(*x);
                        self.b.ins().select(lt, *x, neg)
                    })
                    .collect()
            }
            G::Reflect => {
                let inc = self.s(arg(0))?;
                let n = self.s(arg(1))?;
                let d = self.dot(&n, &inc);
                let two = self.fconst(d, 2.0);
                let d2 = self.b.ins().fmul(two, d);
                inc.iter()
                    .zip(n.iter())
                    .map(|(x, y)| {
                        let m = self.b.ins().fmul(d2, *y);
                        self.b.ins().fsub(*x, m)
                    })
                    .collect()
            }
            G::FindILsb => un(self, &|b, x| {
                let t = b.ins().ctz(x);
                let z = b.ins().icmp_imm_s(IntCC::Equal, x, 0);
                let xt = b.func.dfg.value_type(x);
                let m1 = b.ins().iconst(xt, -1);
                b.ins().select(z, m1, t)
            })?,
            G::FindUMsb => un(self, &|b, x| {
                let t = b.func.dfg.value_type(x);
                let c = b.ins().clz(x);
                let k = b.ins().iconst(t, t.bits() as i64 - 1);
                b.ins().isub(k, c)
            })?,
            G::FindSMsb => un(self, &|b, x| {
                let neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
                let inv = b.ins().bnot(x);
                let y = b.ins().select(neg, inv, x);
                let c = b.ins().clz(y);
                let t = b.func.dfg.value_type(x);
                let k = b.ins().iconst(t, t.bits() as i64 - 1);
                b.ins().isub(k, c)
            })?,
            G::Modf => {
                let a = self.s(arg(0))?;
                let p = self.ptr(arg(1))?;
                let whole: Vec<Value> = a.iter().map(|x| self.b.ins().trunc(*x)).collect();
                self.store(&p, &whole)?;
                // Both parts carry the sign of x (modf(-3.0) has fraction -0.0).
                a.iter()
                    .zip(whole.iter())
                    .map(|(x, w)| {
                        let f = self.b.ins().fsub(*x, *w);
                        self.b.ins().fcopysign(f, *x)
                    })
                    .collect()
            }
            G::ModfStruct => {
                let a = self.s(arg(0))?;
                let whole: Vec<Value> = a.iter().map(|x| self.b.ins().trunc(*x)).collect();
                let mut out: Vec<Value> = a
                    .iter()
                    .zip(whole.iter())
                    .map(|(x, w)| {
                        let f = self.b.ins().fsub(*x, *w);
                        self.b.ins().fcopysign(f, *x)
                    })
                    .collect();
                out.extend(whole);
                out
            }
            G::Frexp => {
                let a = self.s(arg(0))?;
                let p = self.ptr(arg(1))?;
                let (sig, exp): (Vec<Value>, Vec<Value>) =
                    a.iter().map(|x| frexp(&mut self.b, *x)).unzip();
                self.store(&p, &exp)?;
                sig
            }
            G::FrexpStruct => {
                let a = self.s(arg(0))?;
                let (mut sig, exp): (Vec<Value>, Vec<Value>) =
                    a.iter().map(|x| frexp(&mut self.b, *x)).unzip();
                sig.extend(exp);
                sig
            }
            G::PackHalf2x16
            | G::PackUnorm4x8
            | G::PackSnorm4x8
            | G::PackUnorm2x16
            | G::PackSnorm2x16 => {
                let kind = match op {
                    G::PackHalf2x16 => PACK_HALF2X16,
                    G::PackUnorm4x8 => PACK_UNORM4X8,
                    G::PackSnorm4x8 => PACK_SNORM4X8,
                    G::PackUnorm2x16 => PACK_UNORM2X16,
                    _ => PACK_SNORM2X16,
                };
                let a = self.s(arg(0))?;
                let k = self.iconst(types::I32, kind as i64);
                let mut args = vec![k];
                for c in 0..4 {
                    args.push(match a.get(c) {
                        Some(v) => *v,
                        None => self.b.ins().f32const(0.0),
                    });
                }
                vec![self.call("sv_pack", &args).expect("value")]
            }
            G::UnpackHalf2x16
            | G::UnpackUnorm4x8
            | G::UnpackSnorm4x8
            | G::UnpackUnorm2x16
            | G::UnpackSnorm2x16 => {
                let kind = match op {
                    G::UnpackHalf2x16 => PACK_HALF2X16,
                    G::UnpackUnorm4x8 => PACK_UNORM4X8,
                    G::UnpackSnorm4x8 => PACK_SNORM4X8,
                    G::UnpackUnorm2x16 => PACK_UNORM2X16,
                    _ => PACK_SNORM2X16,
                };
                let x = self.s1(arg(0))?;
                let k = self.iconst(types::I32, kind as i64);
                self.call("sv_unpack", &[self.ctx, k, x]);
                let n = self.vec_len(i.ty)?;
                self.scratch(n, true)
            }
            // A double from two 32-bit words (low word first) and back: the bits regrouped.
            G::PackDouble2x32 => {
                let a = self.s(arg(0))?;
                self.regroup(&a, &[Scalar::F64])?
            }
            G::UnpackDouble2x32 => {
                let a = self.s(arg(0))?;
                self.regroup(&a, &[Scalar::U32, Scalar::U32])?
            }
            other => return err(format!("unsupported GLSL.std.450 instruction {other:?}")),
        })
    }
}

fn same_len(a: &[Value], b: &[Value]) -> Result<(), ShaderError> {
    if b.len() == a.len() || b.len() == 1 {
        Ok(())
    } else {
        err("operands with different component counts")
    }
}

/// A divisor that cannot trap: 1 where `y` is 0 or (signed) where x = MIN and y = -1.
fn safe_divisor(b: &mut FunctionBuilder, x: Value, y: Value, signed: bool) -> Value {
    let t = b.func.dfg.value_type(y);
    let one = b.ins().iconst(t, 1);
    let mut bad = b.ins().icmp_imm_s(IntCC::Equal, y, 0);
    if signed {
        let min = if t == types::I64 {
            i64::MIN
        } else if t == types::I16 {
            i16::MIN as i64
        } else if t == types::I8 {
            i8::MIN as i64
        } else {
            i32::MIN as i64
        };
        let min = b.ins().icmp_imm_s(IntCC::Equal, x, min);
        let m1 = b.ins().icmp_imm_s(IntCC::Equal, y, -1);
        let ov = b.ins().band(min, m1);
        bad = b.ins().bor(bad, ov);
    }
    b.ins().select(bad, one, y)
}

/// NMin/NMax: if one operand is NaN, the other.
pub(super) fn nminmax(b: &mut FunctionBuilder, x: Value, y: Value, max: bool) -> Value {
    let r = if max {
        b.ins().fmax(x, y)
    } else {
        b.ins().fmin(x, y)
    };
    let xn = b.ins().fcmp(FloatCC::Unordered, x, x);
    let yn = b.ins().fcmp(FloatCC::Unordered, y, y);
    let r = b.ins().select(yn, x, r);
    b.ins().select(xn, y, r)
}

/// A float constant of the type of `like` (f32 or f64; `v` rounded to f32 for the former).
pub(super) fn fc(b: &mut FunctionBuilder, like: Value, v: f64) -> Value {
    if b.func.dfg.value_type(like) == types::F64 {
        b.ins().f64const(v)
    } else {
        b.ins().f32const(v as f32)
    }
}

/// frexp of a 32- or 64-bit float: (significand with magnitude in [0.5, 1), exponent (32-bit))
/// such that x = significand * 2^exponent. Zero gives (x, 0); infinities and NaN (for which
/// GLSL leaves the exponent undefined) give (x, 0). Denormals are scaled by 2^32 (2^64 for
/// doubles) first so their exponent is exact.
fn frexp(b: &mut FunctionBuilder, x: Value) -> (Value, Value) {
    if b.func.dfg.value_type(x) == types::F64 {
        return frexp64(b, x);
    }
    let bits0 = b.ins().bitcast(types::I32, MemFlagsData::new(), x);
    let e0 = b.ins().ushr_imm_s(bits0, 23);
    let e0 = b.ins().band_imm_s(e0, 0xff);
    let denormal = b.ins().icmp_imm_s(IntCC::Equal, e0, 0);
    let scale = b.ins().f32const(4294967296.0);
    let big = b.ins().fmul(x, scale);
    let y = b.ins().select(denormal, big, x);
    let bits = b.ins().bitcast(types::I32, MemFlagsData::new(), y);
    let e = b.ins().ushr_imm_s(bits, 23);
    let e = b.ins().band_imm_s(e, 0xff);
    let thirty_two = b.ins().iconst(types::I32, 32);
    let zero_i = b.ins().iconst(types::I32, 0);
    let adj = b.ins().select(denormal, thirty_two, zero_i);
    let exp = b.ins().iadd_imm_s(e, -126);
    let exp = b.ins().isub(exp, adj);
    let mant = b.ins().band_imm_s(bits, 0x807f_ffff_u32 as i32 as i64);
    let mant = b.ins().bor_imm_s(mant, 0x3f00_0000);
    let sig = b.ins().bitcast(types::F32, MemFlagsData::new(), mant);
    let zero_f = b.ins().f32const(0.0);
    let is_zero = b.ins().fcmp(FloatCC::Equal, x, zero_f);
    let special = b.ins().icmp_imm_s(IntCC::Equal, e0, 0xff);
    let keep = b.ins().bor(is_zero, special);
    let sig = b.ins().select(keep, x, sig);
    let exp = b.ins().select(keep, zero_i, exp);
    (sig, exp)
}

/// [`frexp`] of a 64-bit float (11-bit exponent, bias 1022 for a significand in [0.5, 1)).
fn frexp64(b: &mut FunctionBuilder, x: Value) -> (Value, Value) {
    let bits0 = b.ins().bitcast(types::I64, MemFlagsData::new(), x);
    let e0 = b.ins().ushr_imm_s(bits0, 52);
    let e0 = b.ins().band_imm_s(e0, 0x7ff);
    let denormal = b.ins().icmp_imm_s(IntCC::Equal, e0, 0);
    let scale = b.ins().f64const(18446744073709551616.0);
    let big = b.ins().fmul(x, scale);
    let y = b.ins().select(denormal, big, x);
    let bits = b.ins().bitcast(types::I64, MemFlagsData::new(), y);
    let e = b.ins().ushr_imm_s(bits, 52);
    let e = b.ins().band_imm_s(e, 0x7ff);
    let e = b.ins().ireduce(types::I32, e);
    let sixty_four = b.ins().iconst(types::I32, 64);
    let zero_i = b.ins().iconst(types::I32, 0);
    let adj = b.ins().select(denormal, sixty_four, zero_i);
    let exp = b.ins().iadd_imm_s(e, -1022);
    let exp = b.ins().isub(exp, adj);
    let mant = b.ins().band_imm_s(bits, 0x800f_ffff_ffff_ffff_u64 as i64);
    let mant = b.ins().bor_imm_s(mant, 0x3fe0_0000_0000_0000);
    let sig = b.ins().bitcast(types::F64, MemFlagsData::new(), mant);
    let zero_f = b.ins().f64const(0.0);
    let is_zero = b.ins().fcmp(FloatCC::Equal, x, zero_f);
    let special = b.ins().icmp_imm_s(IntCC::Equal, e0, 0x7ff);
    let keep = b.ins().bor(is_zero, special);
    let sig = b.ins().select(keep, x, sig);
    let exp = b.ins().select(keep, zero_i, exp);
    (sig, exp)
}
