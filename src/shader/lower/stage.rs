//! Graphics-stage interfaces (vertex now; fragment to come): an entry point's Input and Output
//! variables live in the call's interface rows (`Ctx::io`, one 32-bit word per lane per row;
//! layout in runtime.rs at [`IO_ROWS`]), so a load or store of one scalar is one vector access
//! for the subgroup. A variable at Location L (Component c) takes rows 4 L + c onwards, each
//! vector, matrix column, array element or struct member at the next location; output
//! built-ins (gl_Position, gl_PointSize, gl_ClipDistance, gl_CullDistance, alone or as members
//! of the gl_PerVertex block) have rows of their own. Only the SoA backend runs graphics
//! stages; access chains into interface variables need constant indices, and only 32-bit
//! scalars cross the interface (others are refused with a message).

use super::simd::Lv;
use super::*;
use crate::shader::runtime::{
    CTX_IO, IO_DISCARD, IO_IN_BARY, IO_IN_BARY_DX, IO_IN_BARY_DY, IO_IN_CENTROID,
    IO_IN_DRAW_PARAMS, IO_IN_FRAG_COORD, IO_IN_FRONT_FACING, IO_IN_HELPER, IO_IN_PLAIN,
    IO_IN_PLANES, IO_IN_POINT_COORD, IO_IN_SAMPLE_OFFSETS, IO_IN_VIEW_INDEX, IO_IN_W_INV,
    IO_LOCATIONS, IO_OUT_CLIP, IO_OUT_CULL, IO_OUT_FRAG_DEPTH, IO_OUT_LOCATIONS, IO_OUT_POINT_SIZE,
    IO_OUT_POSITION, IO_ROWS_MAX,
};

impl Lower<'_, '_> {
    /// The rows of Input or Output variable `g` of a graphics entry point.
    pub(super) fn stage_var(
        &mut self,
        id: u32,
        sc: StorageClass,
        ty: u32,
    ) -> Result<Val, ShaderError> {
        if self.soa.is_none() {
            return err("graphics stages run on the SoA backend only");
        }
        let output = sc == StorageClass::Output;
        let mut rows = Vec::new();
        if let Some(bi) = self.p.deco(id, Decoration::BuiltIn) {
            let bi = bi.first().copied().unwrap_or(u32::MAX);
            self.builtin_rows(bi, ty, output, &mut rows)?;
        } else if let Some(Ty::Struct { members }) = self.p.ty(ty).ok().cloned()
            && (0..members.len() as u32)
                .any(|m| self.p.member_deco(ty, m, Decoration::BuiltIn).is_some())
        {
            // gl_PerVertex: every member a built-in.
            for (m, mt) in members.iter().enumerate() {
                let Some(bi) = self.p.member_deco(ty, m as u32, Decoration::BuiltIn) else {
                    return err("an interface block mixing built-ins and locations");
                };
                let bi = bi.first().copied().unwrap_or(u32::MAX);
                self.builtin_rows(bi, *mt, output, &mut rows)?;
            }
        } else {
            let Some(loc) = self
                .p
                .deco(id, Decoration::Location)
                .and_then(|l| l.first().copied())
            else {
                return err("an interface variable without a Location or BuiltIn decoration");
            };
            let comp = self
                .p
                .deco(id, Decoration::Component)
                .and_then(|c| c.first().copied())
                .unwrap_or(0);
            let index = self
                .p
                .deco(id, Decoration::Index)
                .and_then(|c| c.first().copied())
                .unwrap_or(0);
            let base = match (output, index) {
                (false, _) => 0,
                (true, 0) => IO_OUT_LOCATIONS,
                // Dual-source blending: location 0, index 1 (VUID: only location 0 may have
                // index 1).
                (true, 1) if loc == 0 && self.p.model == spirv::ExecutionModel::Fragment => {
                    IO_OUT_SRC1
                }
                _ => {
                    return Err(ShaderError::malformed(format!(
                        "an output at location {loc} with Index {index}"
                    )));
                }
            };
            let mut at = loc;
            self.location_rows(ty, base, &mut at, comp, &mut rows)?;
            if !output {
                let interp = if self.p.deco(id, Decoration::Flat).is_some()
                    || self.kinds(ty)?.iter().any(|k| *k != Scalar::F32)
                {
                    Interp::Flat
                } else {
                    let centroid = self.p.deco(id, Decoration::Centroid).is_some();
                    match (
                        self.p.deco(id, Decoration::NoPerspective).is_some(),
                        centroid,
                    ) {
                        (true, false) => Interp::NoPerspective,
                        (true, true) => Interp::NoPerspectiveCentroid,
                        (false, false) => Interp::Smooth,
                        (false, true) => Interp::Centroid,
                    }
                };
                // Sample: evaluated at each sample, which makes the shader run per sample
                // ("Sample Shading": as with minSampleShading 1.0).
                if self.p.deco(id, Decoration::Sample).is_some() {
                    self.stage.per_sample = true;
                }
                self.inputs.extend(rows.iter().map(|r| (*r, interp)));
            }
        }
        if rows.len() != self.p.flat_len(ty)? {
            return err("an interface variable whose rows do not match its type");
        }
        Ok(Val::Io {
            rows: rows.into(),
            start: 0,
            ty,
        })
    }

    fn builtin_rows(
        &mut self,
        bi: u32,
        ty: u32,
        output: bool,
        rows: &mut Vec<u32>,
    ) -> Result<(), ShaderError> {
        let n = self.p.flat_len(ty)? as u32;
        let fragment = self.p.model == spirv::ExecutionModel::Fragment;
        let (first, most, kind) = match BuiltIn::from_u32(bi) {
            Some(BuiltIn::Position) if output && !fragment => (IO_OUT_POSITION, 4, Scalar::F32),
            Some(BuiltIn::PointSize) if output && !fragment => (IO_OUT_POINT_SIZE, 1, Scalar::F32),
            Some(BuiltIn::ClipDistance) if output && !fragment => (IO_OUT_CLIP, 8, Scalar::F32),
            Some(BuiltIn::CullDistance) if output && !fragment => (IO_OUT_CULL, 8, Scalar::F32),
            Some(BuiltIn::FragCoord) if !output && fragment => (IO_IN_FRAG_COORD, 4, Scalar::F32),
            Some(BuiltIn::FrontFacing) if !output && fragment => {
                (IO_IN_FRONT_FACING, 1, Scalar::Bool)
            }
            Some(BuiltIn::HelperInvocation) if !output && fragment => {
                (IO_IN_HELPER, 1, Scalar::Bool)
            }
            Some(BuiltIn::PointCoord) if !output && fragment => (IO_IN_POINT_COORD, 2, Scalar::F32),
            Some(BuiltIn::FragDepth) if output && fragment => (IO_OUT_FRAG_DEPTH, 1, Scalar::F32),
            Some(BuiltIn::SampleId) if !output && fragment => (IO_IN_SAMPLE_ID, 1, Scalar::I32),
            Some(BuiltIn::SamplePosition) if !output && fragment => {
                (IO_IN_SAMPLE_POSITION, 2, Scalar::F32)
            }
            // gl_SampleMask(In)[1]: one word for up to 32 samples.
            Some(BuiltIn::SampleMask) if fragment => {
                let row = if output {
                    IO_OUT_SAMPLE_MASK
                } else {
                    IO_IN_SAMPLE_MASK
                };
                (row, 1, Scalar::I32)
            }
            Some(BuiltIn::ViewIndex) if !output => (IO_IN_VIEW_INDEX, 1, Scalar::I32),
            Some(BuiltIn::BaseVertex) if !output && !fragment => {
                (IO_IN_DRAW_PARAMS, 1, Scalar::I32)
            }
            Some(BuiltIn::BaseInstance) if !output && !fragment => {
                (IO_IN_DRAW_PARAMS + 1, 1, Scalar::I32)
            }
            Some(BuiltIn::DrawIndex) if !output && !fragment => {
                (IO_IN_DRAW_PARAMS + 2, 1, Scalar::I32)
            }
            Some(b) => return err(format!("unsupported built-in {b:?} in a graphics stage")),
            None => return err(format!("unknown built-in {bi}")),
        };
        if n > most || !self.kinds(ty)?.iter().all(|k| *k == kind) {
            return err(format!("built-in {bi} of an unexpected type"));
        }
        self.stage.writes_depth |= first == IO_OUT_FRAG_DEPTH;
        self.stage.writes_sample_mask |= first == IO_OUT_SAMPLE_MASK;
        self.stage.per_sample |= first == IO_IN_SAMPLE_ID || first == IO_IN_SAMPLE_POSITION;
        rows.extend(first..first + n);
        Ok(())
    }

    /// Rows of a Location-decorated variable of type `ty` starting at location `*loc`,
    /// component `comp` (advances `*loc` past it).
    fn location_rows(
        &self,
        ty: u32,
        base: u32,
        loc: &mut u32,
        comp: u32,
        rows: &mut Vec<u32>,
    ) -> Result<(), ShaderError> {
        let vector = |l: &Self, n: u32, elem: u32, loc: &mut u32, rows: &mut Vec<u32>| {
            let k = l.p.scalar_of(elem)?;
            if !matches!(k, Scalar::F32 | Scalar::I32 | Scalar::U32) {
                return err(format!(
                    "a {k:?} interface variable (32-bit scalars are supported)"
                ));
            }
            if comp + n > 4 || *loc >= IO_LOCATIONS {
                return err(format!(
                    "interface location {} component {comp} is out of range",
                    *loc
                ));
            }
            rows.extend((0..n).map(|c| base + 4 * *loc + comp + c));
            *loc += 1;
            Ok(())
        };
        match self.p.ty(ty)?.clone() {
            Ty::Int { .. } | Ty::Float { .. } | Ty::Bool => vector(self, 1, ty, loc, rows),
            Ty::Vector { elem, n } => vector(self, n, elem, loc, rows),
            Ty::Matrix { col, n } => {
                for _ in 0..n {
                    self.location_rows(col, base, loc, comp, rows)?;
                }
                Ok(())
            }
            Ty::Array { elem, len } => {
                if len > IO_LOCATIONS {
                    return err("an interface array longer than the locations");
                }
                for _ in 0..len {
                    self.location_rows(elem, base, loc, comp, rows)?;
                }
                Ok(())
            }
            Ty::Struct { members } => {
                for (m, mt) in members.iter().enumerate() {
                    if let Some(l) = self
                        .p
                        .member_deco(ty, m as u32, Decoration::Location)
                        .and_then(|l| l.first().copied())
                    {
                        *loc = l;
                    }
                    self.location_rows(*mt, base, loc, 0, rows)?;
                }
                Ok(())
            }
            _ => err("an interface variable of an unsupported type"),
        }
    }

    /// Lane `l` of interface row `row`, as a `ty` scalar.
    pub(super) fn io_lane(&mut self, row: u32, l: usize, ty: Type) -> Value {
        let (io, at) = self.io_row(row);
        self.b.ins().load(ty, flags(), io, at + 4 * l as i32)
    }

    /// The lane the scalar lowering is translating for in a graphics stage (the SoA backend's
    /// per-lane view), None elsewhere.
    pub(super) fn stage_lane(&self) -> Option<usize> {
        if self.p.model == spirv::ExecutionModel::Fragment
            && let super::simd::View::Lane(l) = self.view()
        {
            return Some(l);
        }
        None
    }

    /// The address of interface row `row` for the current call.
    fn io_row(&mut self, row: u32) -> (Value, i32) {
        debug_assert!((row as usize) < IO_ROWS_MAX);
        self.stage.rows.insert(row);
        // Every built-in input row a fragment shader reads (input attachments read FragCoord
        // and ViewIndex without declaring them).
        if self.p.model == spirv::ExecutionModel::Fragment {
            self.stage.reads |= StageBuiltins::of_row(row);
        }
        let io = self.b.ins().load(PTR, flags(), self.ctx, CTX_IO);
        (io, 16 * row as i32)
    }

    /// OpLoad through an interface pointer.
    pub(super) fn load_io(&mut self, id: u32, rows: &[u32], ty: u32) -> Result<(), ShaderError> {
        let kinds = self.kinds(ty)?;
        let mut lvs = Vec::with_capacity(kinds.len());
        for (row, k) in rows.iter().zip(kinds) {
            let t = if k == Scalar::F32 {
                types::F32X4
            } else {
                types::I32X4
            };
            let (io, at) = self.io_row(*row);
            let x = self.b.ins().load(t, flags(), io, at);
            lvs.push(if k == Scalar::Bool {
                Lv::M(x)
            } else {
                Lv::V(x)
            });
        }
        let v = self.soa_value(lvs);
        self.set(id, v);
        Ok(())
    }

    /// OpStore through an interface pointer: the active lanes' words.
    pub(super) fn store_io(
        &mut self,
        value: u32,
        rows: &[u32],
        ty: u32,
    ) -> Result<(), ShaderError> {
        let kinds = self.kinds(ty)?;
        let xs = self.soa_vectors(value, &kinds)?;
        if xs.len() != rows.len() {
            return err("store of a value whose type does not match the pointer");
        }
        let mask = self.divergent_exec();
        for (row, x) in rows.iter().zip(xs) {
            let (io, at) = self.io_row(*row);
            let x = match mask {
                Some(m) => {
                    let t = self.b.func.dfg.value_type(x);
                    let old = self.b.ins().load(t, flags(), io, at);
                    self.soa_blend(m, x, old)
                }
                None => x,
            };
            self.b.ins().store(flags(), x, io, at);
        }
        Ok(())
    }
}

/// GLSL.std.450 InterpolateAtCentroid, InterpolateAtSample, InterpolateAtOffset.
const INTERPOLATE_AT_CENTROID: u32 = 76;
const INTERPOLATE_AT_SAMPLE: u32 = 77;

impl Lower<'_, '_> {
    /// Whether `i` (an OpExtInst) is InterpolateAtCentroid, AtSample or AtOffset.
    pub(super) fn is_interpolation(&self, i: &Inst) -> bool {
        self.p.glsl_ext.contains(&i.w(0)) && (76..=78).contains(&i.w(1))
    }

    /// Interface row `row` as four floats.
    fn io_f32(&mut self, row: u32) -> Value {
        let (io, at) = self.io_row(row);
        self.b.ins().load(types::F32X4, flags(), io, at)
    }

    /// InterpolateAtCentroid / AtSample / AtOffset of a fragment input (the whole variable or
    /// a component or element of it): each scalar evaluated at an offset from the pixel center
    /// (the centroid's, the sample's, or the operand), from its plane: the primitive's
    /// screen-space barycentric weights at the pixel center moved by the offset along their
    /// per-pixel steps, made perspective-correct with the vertices' 1/w (unless the input is
    /// NoPerspective), weigh its value at vertex 0 and its differences at vertices 1 and 2 --
    /// the same arithmetic, in the same order, as the draw's own interpolation (raster/draw.rs
    /// `QuadSteps::fill`), so an offset of zero gives the input's value bit for bit. Flat
    /// inputs are their value. The draw writes the rows (`runtime::IO_IN_BARY` onwards).
    pub(super) fn interpolate_soa(&mut self, i: &Inst) -> Result<(), ShaderError> {
        if self.p.model != spirv::ExecutionModel::Fragment {
            return err("an InterpolateAt instruction outside a fragment shader");
        }
        let Ok(Val::Io { rows, start, ty }) = self.get(i.w(2)) else {
            return err("InterpolateAt of something other than a fragment input variable");
        };
        let n = self.p.flat_len(ty)?;
        let Some(rows) = rows.get(start..start + n).map(<[u32]>::to_vec) else {
            return err("an InterpolateAt outside its input variable");
        };
        if self.kinds(ty)?.iter().any(|k| *k != Scalar::F32) {
            return err("InterpolateAt of an input that is not 32-bit floats");
        }
        let mut interps = Vec::with_capacity(rows.len());
        for row in &rows {
            match self.inputs.iter().find(|(r, _)| r == row) {
                Some(&(_, interp)) => interps.push(interp),
                None => return err("InterpolateAt of something other than a Location input"),
            }
        }
        // The offset from the pixel center, per lane.
        let (ox, oy) = match i.w(1) {
            INTERPOLATE_AT_CENTROID => {
                (self.io_f32(IO_IN_CENTROID), self.io_f32(IO_IN_CENTROID + 1))
            }
            INTERPOLATE_AT_SAMPLE => {
                let s = self.soa_vectors(i.w(3), &[Scalar::I32])?[0];
                let three = self.b.ins().iconst(types::I32, 3);
                let three = self.b.ins().splat(types::I32X4, three);
                // (An index past the samples is undefined: any of the four, never memory.)
                let s = self.b.ins().band(s, three);
                let tx = self.io_f32(IO_IN_SAMPLE_OFFSETS);
                let ty = self.io_f32(IO_IN_SAMPLE_OFFSETS + 1);
                (self.pick_lane(tx, s), self.pick_lane(ty, s))
            }
            _ => {
                let v = self.soa_vectors(i.w(3), &[Scalar::F32, Scalar::F32])?;
                (v[0], v[1])
            }
        };
        // The plain weights there: b + ox db/dx + oy db/dy.
        let mut b = [ox; 3];
        for (k, w) in b.iter_mut().enumerate() {
            let k = k as u32;
            let (b0, dx, dy) = (
                self.io_f32(IO_IN_BARY + k),
                self.io_f32(IO_IN_BARY_DX + k),
                self.io_f32(IO_IN_BARY_DY + k),
            );
            let sx = self.b.ins().fmul(ox, dx);
            let x = self.b.ins().fadd(b0, sx);
            let sy = self.b.ins().fmul(oy, dy);
            *w = self.b.ins().fadd(x, sy);
        }
        // Perspective-correct: b_i / w_i normalized, the plain weights where the sum is zero
        // or not finite, or where the vertices share one w.
        let perspective = interps
            .iter()
            .any(|i| matches!(i, Interp::Smooth | Interp::Centroid));
        let pw = if perspective {
            let mut q = b;
            for (k, q) in q.iter_mut().enumerate() {
                let winv = self.io_f32(IO_IN_W_INV + k as u32);
                *q = self.b.ins().fmul(*q, winv);
            }
            let sum = self.b.ins().fadd(q[0], q[1]);
            let sum = self.b.ins().fadd(sum, q[2]);
            let zero = self.b.ins().f32const(0.0);
            let zero = self.b.ins().splat(types::F32X4, zero);
            let nonzero = self.b.ins().fcmp(FloatCC::NotEqual, sum, zero);
            let diff = self.b.ins().fsub(sum, sum);
            let finite = self.b.ins().fcmp(FloatCC::Equal, diff, zero);
            let ok = self.b.ins().band(nonzero, finite);
            let (io, at) = self.io_row(IO_IN_PLAIN);
            let plain = self.b.ins().load(types::I32X4, flags(), io, at);
            let mut pw = b;
            for k in 0..3 {
                let x = self.b.ins().fdiv(q[k], sum);
                let x = self.soa_blend(ok, x, b[k]);
                pw[k] = self.soa_blend(plain, b[k], x);
            }
            pw
        } else {
            b
        };
        let mut lvs = Vec::with_capacity(rows.len());
        for (row, interp) in rows.iter().zip(interps) {
            let w = match interp {
                Interp::Flat => {
                    lvs.push(Lv::V(self.io_f32(*row)));
                    continue;
                }
                Interp::NoPerspective | Interp::NoPerspectiveCentroid => b,
                Interp::Smooth | Interp::Centroid => pw,
            };
            let k = match self.planes.iter().position(|r| r == row) {
                Some(k) => k,
                None => {
                    self.planes.push(*row);
                    self.planes.len() - 1
                }
            } as u32;
            let plane = IO_IN_PLANES + 3 * k;
            let (a0, d1, d2) = (
                self.io_f32(plane),
                self.io_f32(plane + 1),
                self.io_f32(plane + 2),
            );
            let t1 = self.b.ins().fmul(w[1], d1);
            let x = self.b.ins().fadd(a0, t1);
            let t2 = self.b.ins().fmul(w[2], d2);
            lvs.push(Lv::V(self.b.ins().fadd(x, t2)));
        }
        let v = self.soa_value(lvs);
        self.set(i.id, v);
        Ok(())
    }

    /// Per lane, lane `s` (0..=3, one index per lane) of `table`.
    fn pick_lane(&mut self, table: Value, s: Value) -> Value {
        let first = self.b.ins().extractlane(table, 0);
        let mut out = self.b.ins().splat(types::F32X4, first);
        for k in 1..4u8 {
            let x = self.b.ins().extractlane(table, k);
            let x = self.b.ins().splat(types::F32X4, x);
            let kk = self.b.ins().iconst(types::I32, k as i64);
            let kk = self.b.ins().splat(types::I32X4, kk);
            let m = self.b.ins().icmp(IntCC::Equal, s, kk);
            out = self.soa_blend(m, x, out);
        }
        out
    }
}

impl Lower<'_, '_> {
    /// OpKill / OpTerminateInvocation: the active lanes are discarded (their outputs dropped)
    /// and leave, as an OpReturn (from a called function, the caller then drops them too:
    /// [`Self::leave_discarded`]).
    pub(super) fn kill_soa(&mut self) -> Result<(), ShaderError> {
        if self.p.model != spirv::ExecutionModel::Fragment {
            return err("OpKill outside a fragment shader");
        }
        let exec = self.soa_exec();
        let (io, at) = self.io_row(IO_DISCARD);
        let old = self.b.ins().load(types::I32X4, flags(), io, at);
        let new = self.b.ins().bor(old, exec);
        self.b.ins().store(flags(), new, io, at);
        let ret = Inst {
            op: Op::Return,
            ty: 0,
            id: 0,
            ops: Vec::new(),
        };
        self.soa_terminator(&ret)
    }

    /// OpDemoteToHelperInvocation: the active lanes become helpers: their outputs are dropped
    /// (the discard row), they are helpers from now on (the helper row) and, like the rasterizer's helpers, they go on executing (so values
    /// computed after the demote still feed derivatives) without touching memory other than
    /// their own ([`Self::effect_lanes`]).
    pub(super) fn demote_soa(&mut self) -> Result<(), ShaderError> {
        if self.p.model != spirv::ExecutionModel::Fragment {
            return err("OpDemoteToHelperInvocation outside a fragment shader");
        }
        let exec = self.soa_exec();
        for row in [IO_DISCARD, IO_IN_HELPER] {
            let (io, at) = self.io_row(row);
            let old = self.b.ins().load(types::I32X4, flags(), io, at);
            let new = self.b.ins().bor(old, exec);
            self.b.ins().store(flags(), new, io, at);
        }
        Ok(())
    }

    /// Fragment shaders: the lanes whose side effects count, an `I32X4` mask: neither the
    /// rasterizer's helpers (pixels added to complete a quad, the helper row) nor demoted
    /// lanes (the discard row). Helper invocations execute every instruction, so derivatives
    /// of values computed in divergent control flow are right at a primitive's edges, but
    /// their stores to memory other than their own and their atomics have no effect, and
    /// they take no part in group operations other than quad ones (the spec lets them be
    /// inactive there). `None` in other stages.
    pub(super) fn effect_lanes(&mut self) -> Option<Value> {
        if self.p.model != spirv::ExecutionModel::Fragment {
            return None;
        }
        let (io, at) = self.io_row(IO_IN_HELPER);
        let h = self.b.ins().load(types::I32X4, flags(), io, at);
        let (io, at) = self.io_row(IO_DISCARD);
        let d = self.b.ins().load(types::I32X4, flags(), io, at);
        let gone = self.b.ins().bor(h, d);
        Some(self.b.ins().bnot(gone))
    }

    /// After a call in a module whose lanes may leave in callees: the killed lanes leave the
    /// caller's execution mask too (discarded lanes that are not helpers: demoted lanes stay,
    /// and so may a helper that was killed, which changes nothing but helper work).
    pub(super) fn leave_discarded(&mut self) {
        if self.p.model != spirv::ExecutionModel::Fragment {
            return;
        }
        let (io, at) = self.io_row(IO_DISCARD);
        let d = self.b.ins().load(types::I32X4, flags(), io, at);
        let (io, at) = self.io_row(IO_IN_HELPER);
        let h = self.b.ins().load(types::I32X4, flags(), io, at);
        let killed = self.b.ins().band_not(d, h);
        let exec = self.soa_exec();
        let exec = self.b.ins().band_not(exec, killed);
        self.soa_set_exec(exec);
    }

    /// OpIsHelperInvocationEXT: the lanes the rasterizer added to complete the quad, and the
    /// demoted ones.
    pub(super) fn is_helper_soa(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let (io, at) = self.io_row(IO_IN_HELPER);
        let m = self.b.ins().load(types::I32X4, flags(), io, at);
        let (io, at) = self.io_row(IO_DISCARD);
        let d = self.b.ins().load(types::I32X4, flags(), io, at);
        let m = self.b.ins().bor(m, d);
        let v = self.soa_value(vec![Lv::M(m)]);
        self.set(i.id, v);
        Ok(())
    }

    /// Derivatives (OpDPdx ... OpFwidthCoarse) across the 2x2 quad the four lanes are (lane
    /// `dy * 2 + dx`): fine ones per row or column, coarse ones from the top-left pixel's row
    /// and column, the unsuffixed ones fine. A uniform value's derivative is 0.
    pub(super) fn derivative_soa(&mut self, i: &Inst) -> Result<(), ShaderError> {
        use Op::*;
        if self.p.model != spirv::ExecutionModel::Fragment {
            return err(format!("Op{:?} outside a fragment shader", i.op));
        }
        let kinds = self.kinds(i.ty)?;
        if kinds.iter().any(|k| *k != Scalar::F32) {
            return err(format!("Op{:?} on a type other than 32-bit floats", i.op));
        }
        let v = self.get(i.w(0))?;
        let lvs = self
            .soa_lvs(&v)
            .ok_or_else(|| ShaderError::new("a derivative of a non-value"))?;
        let coarse = matches!(i.op, DPdxCoarse | DPdyCoarse | FwidthCoarse);
        let (x, y) = match i.op {
            DPdx | DPdxFine | DPdxCoarse => (true, false),
            DPdy | DPdyFine | DPdyCoarse => (false, true),
            _ => (true, true),
        };
        let mut out = Vec::with_capacity(lvs.len());
        for lv in lvs {
            let v = match lv {
                Lv::U(_) => {
                    let z = self.b.ins().f32const(0.0);
                    out.push(Lv::U(z));
                    continue;
                }
                Lv::V(v) => v,
                other => match self.soa_pack_f32(other) {
                    Some(v) => v,
                    None => return err("a derivative of a non-float value"),
                },
            };
            let dx = if coarse {
                self.quad_diff(v, [1, 1, 1, 1], [0, 0, 0, 0])
            } else {
                self.quad_diff(v, [1, 1, 3, 3], [0, 0, 2, 2])
            };
            let dy = if coarse {
                self.quad_diff(v, [2, 2, 2, 2], [0, 0, 0, 0])
            } else {
                self.quad_diff(v, [2, 3, 2, 3], [0, 1, 0, 1])
            };
            let r = match (x, y) {
                (true, false) => dx,
                (false, true) => dy,
                _ => {
                    let ax = self.b.ins().fabs(dx);
                    let ay = self.b.ins().fabs(dy);
                    self.b.ins().fadd(ax, ay)
                }
            };
            out.push(Lv::V(r));
        }
        let v = self.soa_value(out);
        self.set(i.id, v);
        Ok(())
    }

    /// Lanes `a` of `v` minus lanes `b` of `v` (F32X4).
    fn quad_diff(&mut self, v: Value, a: [u8; 4], b: [u8; 4]) -> Value {
        let pa = self.permute(v, a);
        let pb = self.permute(v, b);
        self.b.ins().fsub(pa, pb)
    }

    /// Lane `lanes[l]` of `v` in lane l.
    fn permute(&mut self, v: Value, lanes: [u8; 4]) -> Value {
        let t = self.b.func.dfg.value_type(v);
        let mask = self.word_mask(lanes);
        let le = little();
        let x = self.b.ins().bitcast(types::I8X16, le, v);
        let s = self.b.ins().shuffle(x, x, mask);
        self.b.ins().bitcast(t, le, s)
    }
}

/// Synthetic ids of the derivatives an implicit-LOD sample passes on as Grad operands (above
/// any id a module can declare: the SPIR-V id bound is checked to be lower at parse time by
/// the ids the module uses, and these are refused if a module uses them).
const IMPLICIT_DX: u32 = u32::MAX - 1;
const IMPLICIT_DY: u32 = u32::MAX - 2;

impl Lower<'_, '_> {
    /// OpImageSample(Proj)(Dref)ImplicitLod in a fragment shader: the coordinates' derivatives
    /// across the quad (coarse: from the top-left pixel, so the four pixels share one level of
    /// detail; Proj: of the coordinates divided by q) become the Grad operands of the
    /// explicit-LOD form, which the caller translates. A Bias operand is taken out and
    /// returned: the caller has the Grad form add it (lower/sampling.rs, `sv_lod_bias`).
    pub(super) fn implicit_lod_soa(
        &mut self,
        i: &Inst,
    ) -> Result<(Inst, Option<u32>), ShaderError> {
        if self.p.model != spirv::ExecutionModel::Fragment {
            return err(format!(
                "Op{:?} needs implicit derivatives: fragment shaders only",
                i.op
            ));
        }
        if self.p.value_types.contains_key(&IMPLICIT_DX)
            || self.p.value_types.contains_key(&IMPLICIT_DY)
        {
            return err("a module using the ids softvk reserves for implicit derivatives");
        }
        let dref = matches!(
            i.op,
            Op::ImageSampleDrefImplicitLod | Op::ImageSampleProjDrefImplicitLod
        );
        let proj = matches!(
            i.op,
            Op::ImageSampleProjImplicitLod | Op::ImageSampleProjDrefImplicitLod
        );
        let mask_at = if dref { 3 } else { 2 };
        let mask = if i.len() > mask_at { i.w(mask_at) } else { 0 };
        const BIAS: u32 = 0x1;
        const LOD_OR_GRAD: u32 = 0x2 | 0x4;
        // The Bias operand, the first after the mask when present.
        let bias = (mask & BIAS != 0).then(|| i.w(mask_at + 1));
        if bias.is_some() && i.len() <= mask_at + 1 {
            return Err(ShaderError::malformed(
                "a Bias image operand without its value",
            ));
        }
        if mask & LOD_OR_GRAD != 0 {
            return Err(ShaderError::malformed(format!(
                "Op{:?} with a Lod or Grad operand",
                i.op
            )));
        }
        let shape = match self.get(i.w(0))? {
            Val::SImg(_, _, _, shape) => shape,
            _ => {
                return Err(ShaderError::malformed(format!(
                    "Op{:?} of something other than a sampled image",
                    i.op
                )));
            }
        };
        let n = match shape.dim {
            d if d == spirv::Dim::Dim1D as u32 => 1,
            d if d == spirv::Dim::Dim3D as u32 || d == spirv::Dim::DimCube as u32 => 3,
            _ => 2,
        };
        let c = self.get(i.w(1))?;
        let lvs = self
            .soa_lvs(&c)
            .ok_or_else(|| ShaderError::new("a sample coordinate that is not a value"))?;
        if lvs.len() < n + proj as usize {
            return Err(ShaderError::malformed("too few sample coordinates"));
        }
        // Proj: the derivatives of the coordinates divided by q.
        let q = if proj {
            match lvs[n] {
                Lv::V(v) if self.b.func.dfg.value_type(v) == types::F32X4 => Some(v),
                Lv::U(u) if self.b.func.dfg.value_type(u) == types::F32 => {
                    Some(self.b.ins().splat(types::F32X4, u))
                }
                other => match self.soa_pack_f32(other) {
                    Some(v) => Some(v),
                    None => return err("a q coordinate that is not a 32-bit float"),
                },
            }
        } else {
            None
        };
        let (mut dx, mut dy) = (Vec::new(), Vec::new());
        for lv in lvs.into_iter().take(n) {
            let lv = match (q, lv) {
                (Some(q), Lv::U(u)) if self.b.func.dfg.value_type(u) == types::F32 => {
                    let v = self.b.ins().splat(types::F32X4, u);
                    Lv::V(self.b.ins().fdiv(v, q))
                }
                (Some(q), Lv::V(v)) if self.b.func.dfg.value_type(v) == types::F32X4 => {
                    Lv::V(self.b.ins().fdiv(v, q))
                }
                (Some(q), other) => match self.soa_pack_f32(other) {
                    Some(v) => Lv::V(self.b.ins().fdiv(v, q)),
                    None => return err("sample coordinates that are not 32-bit floats"),
                },
                (None, lv) => lv,
            };
            let v = match lv {
                Lv::U(_) => {
                    let z = self.b.ins().f32const(0.0);
                    dx.push(Lv::U(z));
                    dy.push(Lv::U(z));
                    continue;
                }
                Lv::V(v) if self.b.func.dfg.value_type(v) == types::F32X4 => v,
                other => match self.soa_pack_f32(other) {
                    Some(v) => v,
                    None => return err("sample coordinates that are not 32-bit floats"),
                },
            };
            dx.push(Lv::V(self.quad_diff(v, [1, 1, 1, 1], [0, 0, 0, 0])));
            dy.push(Lv::V(self.quad_diff(v, [2, 2, 2, 2], [0, 0, 0, 0])));
        }
        let (dxv, dyv) = (self.soa_value(dx), self.soa_value(dy));
        self.set(IMPLICIT_DX, dxv);
        self.set(IMPLICIT_DY, dyv);
        let op = match (proj, dref) {
            (false, false) => Op::ImageSampleExplicitLod,
            (false, true) => Op::ImageSampleDrefExplicitLod,
            (true, false) => Op::ImageSampleProjExplicitLod,
            (true, true) => Op::ImageSampleProjDrefExplicitLod,
        };
        let mut ops: Vec<rspirv::dr::Operand> = i.ops[..mask_at].to_vec();
        ops.push(rspirv::dr::Operand::ImageOperands(
            spirv::ImageOperands::from_bits_retain((mask & !BIAS) | 0x4),
        ));
        ops.push(rspirv::dr::Operand::IdRef(IMPLICIT_DX));
        ops.push(rspirv::dr::Operand::IdRef(IMPLICIT_DY));
        // The operands after the mask (and after the Bias, which left the mask).
        let rest = mask_at + 1 + bias.is_some() as usize;
        ops.extend(i.ops.iter().skip(rest).cloned());
        Ok((
            Inst {
                op,
                ty: i.ty,
                id: i.id,
                ops,
            },
            bias,
        ))
    }
}
