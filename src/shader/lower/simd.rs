//! The SoA backend: one JIT'd call runs a subgroup of [`LANES`] invocations.
//!
//! It shares the front end and the scalar lowering (`lower.rs`, `ops.rs` ...) and adds:
//! - **Values.** Per flattened scalar ([`Lv`]): a scalar when uniformity.rs proves the lanes
//!   agree, a 4-lane cranelift vector (`I32X4`/`F32X4`; booleans as `I32X4` lane masks) for
//!   32-bit types, or one scalar per lane for the others (64- and 16-bit). Pointers and images
//!   that differ per lane are one scalar value per lane ([`Val::Lanes`]); function variables
//!   accessed only through constant access chains live in cranelift variables, per scalar
//!   ([`Val::Prom`]); other function/private variables get one stack slot per lane.
//! - **Instructions.** An instruction whose operands are all uniform runs once through the
//!   scalar lowering. Component-wise 32-bit arithmetic, comparisons, selects, conversions and
//!   data movement run on vectors (the scalar lowering with vector operands where cranelift's
//!   instruction is lane-wise and bit-identical; a few written here). Everything else runs the
//!   scalar lowering once per lane ("lane view"), and instructions with side effects (stores
//!   through per-lane pointers, atomics, image writes) run per lane only for active lanes, in
//!   lane order. Every per-lane access is bounds-checked exactly as in the scalar backend.
//! - **Control flow.** Blocks are emitted in uniformity.rs's linear order, each with an
//!   execution mask (a cranelift variable): a block runs when its mask has an active lane,
//!   its branches add lanes to their targets' masks, a loop jumps back to its header while the
//!   header's mask has lanes, and the block after a construct runs once with every lane that
//!   reached it (reconvergence). Phis are variables written on each edge for the edge's lanes;
//!   a value used in another block is a variable too, blended by the mask when it is defined
//!   inside a loop (lanes that left the loop keep the value they left with).
//! - **Barriers.** The subgroup's coroutine suspends at a workgroup barrier (runtime.rs).
//! - **Subgroups.** The [`LANES`] lanes of a call are the subgroup: GroupNonUniform
//!   instructions and the subgroup built-ins are translated in `simd_subgroup.rs` over the
//!   lanes of the current execution mask (the scalar backend refuses them).

use super::uniformity::{Analyzer, ArgU, Cfg, LANES, PtrU, Uniformity, builtin_flags};
use super::*;
use crate::shader::module::{is_atomic, is_comparison};
use cranelift_frontend::Variable;

#[path = "simd_subgroup.rs"]
pub(super) mod simd_subgroup;

/// Offsets into [`runtime::Ctx::lanes`] rows: global id x y z, local id x y z, local index,
/// initial lane mask.
const ROW_GLOBAL: usize = 0;
const ROW_LOCAL: usize = 3;
const ROW_INDEX: usize = 6;
const ROW_MASK: usize = 7;
/// Graphics stages: per lane, VertexIndex and InstanceIndex (vertex shaders).
const ROW_VERTEX_INDEX: usize = 0;
const ROW_INSTANCE_INDEX: usize = 1;

/// The lane rows a graphics-stage call reads ([`runtime::Ctx::lanes`]).
pub(crate) mod rows {
    pub(crate) const VERTEX_INDEX: usize = super::ROW_VERTEX_INDEX;
    pub(crate) const INSTANCE_INDEX: usize = super::ROW_INSTANCE_INDEX;
    pub(crate) const MASK: usize = super::ROW_MASK;
}

/// One flattened scalar of an SoA value.
#[derive(Clone, Copy, Debug)]
pub(super) enum Lv {
    /// Every lane has this value.
    U(Value),
    /// A 32-bit number per lane (`I32X4` or `F32X4`).
    V(Value),
    /// A boolean per lane: an `I32X4` of 0 / -1.
    M(Value),
    /// One scalar per lane.
    L([Value; LANES]),
}

/// How the operands of an instruction are presented to the scalar lowering.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum View {
    /// SoA forms (this module).
    Whole,
    /// Every operand is uniform: scalars.
    Uniform,
    /// 32-bit operands as vectors (uniform ones splatted).
    Vector,
    /// Uniform operands as scalars, varying ones as vectors (data movement only).
    Mixed,
    /// Lane `l` of every operand.
    Lane(usize),
}

/// The storage of one scalar in cranelift variables.
#[derive(Clone, Copy, Debug)]
enum Slot {
    U(Variable),
    V(Variable),
    M(Variable),
    L([Variable; LANES]),
}

/// A value kept in variables across blocks: its shape and the variables of its cranelift
/// values, in [`Lower::values_of`] order.
struct Stored {
    shape: Val,
    vars: Vec<Variable>,
}

pub(super) struct FuncState {
    cfg: Cfg,
    u: Uniformity,
    /// Per block: its execution mask (`I32X4`), or for a [`FuncState::flag`] block a boolean.
    masks: Vec<Variable>,
    /// Blocks entered only through uniform branches of blocks outside divergent control: they
    /// run with every lane of [`FuncState::uexec`] or not at all, so a boolean says which.
    flag: Vec<bool>,
    /// The lanes of the flag blocks.
    uexec: Variable,
    check: Vec<Block>,
    /// Phi id -> per scalar storage.
    phis: HashMap<u32, Vec<Slot>>,
    cross: HashMap<u32, Stored>,
    prom: HashMap<u32, Vec<Slot>>,
    ret: Option<Vec<Slot>>,
    /// The block being emitted.
    cur: usize,
    label: u32,
}

pub(super) struct Soa<'a> {
    pub analyzer: Analyzer<'a, 'a>,
    /// Every variable declared so far, with its type (what a barrier saves).
    pub vars: Vec<(Variable, Type)>,
    /// Barriers split the shader into phases (see [`Lower::barrier_split`]).
    pub split: bool,
    /// Resume blocks, by resume point - 1.
    pub resumes: Vec<Block>,
    /// The phase loop's latch (block parameter: the subgroup's new state), where barriers and
    /// the end go instead of returning.
    pub latch: Option<Block>,
    /// Bytes of the largest state a barrier saves.
    pub spill_bytes: u32,
    pub view: View,
    pub staged: Vec<(u32, Val)>,
    /// The current execution mask (`I32X4`) and its bits.
    pub exec: Value,
    pub bits: Option<Value>,
    pub funcs: Vec<FuncState>,
    pub error: Option<ShaderError>,
    /// While an implicit-LOD sample with a Bias operand is translated as its Grad form: the
    /// bias operand's id (lower/stage.rs `implicit_lod_soa`).
    pub implicit_bias: Option<u32>,
}

fn soa_err<T>(m: impl std::fmt::Display) -> Result<T, ShaderError> {
    err(format!("SoA backend: {m}"))
}

fn vec_type(t: Type) -> Option<Type> {
    match t {
        types::I32 | types::I8 => Some(types::I32X4),
        types::F32 => Some(types::F32X4),
        _ => None,
    }
}

impl<'a> Lower<'a, '_> {
    fn soa(&mut self) -> &mut Soa<'a> {
        self.soa.as_mut().expect("SoA state")
    }

    fn fs(&mut self) -> &mut FuncState {
        self.soa().funcs.last_mut().expect("a function")
    }

    fn fs_ref(&self) -> &FuncState {
        self.soa
            .as_ref()
            .and_then(|s| s.funcs.last())
            .expect("a function")
    }

    pub(super) fn soa_whole(&self) -> bool {
        self.soa.as_ref().is_some_and(|s| s.view == View::Whole)
    }

    pub(super) fn view(&self) -> View {
        self.soa.as_ref().map_or(View::Whole, |s| s.view)
    }

    // ----- masks -----

    /// A new cranelift variable of type `t`, recorded for barriers.
    pub(super) fn new_var(&mut self, t: Type) -> Variable {
        let v = self.b.declare_var(t);
        self.soa().vars.push((v, t));
        v
    }

    /// A value made of `lvs` (for lower/stage.rs).
    pub(super) fn soa_value(&self, lvs: Vec<Lv>) -> Val {
        self.mk(lvs)
    }

    /// Operand `id` as one vector per scalar of `kinds` (uniform scalars splatted, per-lane
    /// scalars packed).
    pub(super) fn soa_vectors(
        &mut self,
        id: u32,
        kinds: &[Scalar],
    ) -> Result<Vec<Value>, ShaderError> {
        let v = self.get(id)?;
        let lvs = self
            .lvs(&v)
            .ok_or_else(|| ShaderError::new("SoA backend: a non-value operand"))?;
        if lvs.len() != kinds.len() {
            return err("a value whose type does not match");
        }
        let mut out = Vec::with_capacity(lvs.len());
        for (x, k) in lvs.into_iter().zip(kinds) {
            let x = match self.varying_form(x, *k) {
                Lv::L(xs) => self.pack(xs, *k == Scalar::Bool),
                other => other,
            };
            match x {
                Lv::V(v) | Lv::M(v) => out.push(v),
                _ => return soa_err("a value that is not a vector"),
            }
        }
        Ok(out)
    }

    /// The scalars of `v` (for lower/stage.rs).
    pub(super) fn soa_lvs(&self, v: &Val) -> Option<Vec<Lv>> {
        self.lvs(v)
    }

    /// A per-lane float scalar as one F32X4.
    pub(super) fn soa_pack_f32(&mut self, x: Lv) -> Option<Value> {
        match self.varying_form(x, Scalar::F32) {
            Lv::V(v) => Some(v),
            Lv::L(xs) => match self.pack(xs, false) {
                Lv::V(v) => Some(v),
                _ => None,
            },
            _ => None,
        }
    }

    /// The current execution mask.
    pub(super) fn soa_exec(&mut self) -> Value {
        self.soa().exec
    }

    pub(super) fn soa_set_exec(&mut self, m: Value) {
        self.set_exec(m)
    }

    pub(super) fn soa_terminator(&mut self, i: &Inst) -> Result<(), ShaderError> {
        self.terminator(i)
    }

    /// The execution mask where control is divergent here (None: every live lane is active).
    pub(super) fn divergent_exec(&mut self) -> Option<Value> {
        let d = {
            let fs = self.fs_ref();
            fs.u.div_ctl[fs.cur]
        };
        d.then(|| self.soa().exec)
    }

    pub(super) fn soa_blend(&mut self, m: Value, new: Value, old: Value) -> Value {
        self.blend(m, new, old)
    }

    fn zero_mask(&mut self) -> Value {
        let z = self.iconst(types::I32, 0);
        self.b.ins().splat(types::I32X4, z)
    }

    fn bits_of(&mut self, m: Value) -> Value {
        self.b.ins().vhigh_bits(types::I32, m)
    }

    fn exec_bits(&mut self) -> Value {
        if let Some(b) = self.soa().bits {
            return b;
        }
        let e = self.soa().exec;
        let b = self.bits_of(e);
        self.soa().bits = Some(b);
        b
    }

    fn set_exec(&mut self, m: Value) {
        let s = self.soa();
        s.exec = m;
        s.bits = None;
    }

    /// Lane `l` of the execution mask as a scalar boolean.
    fn lane_active(&mut self, l: usize) -> Value {
        let bits = self.exec_bits();
        let b = self.b.ins().band_imm_s(bits, 1 << l);
        self.b.ins().icmp_imm_s(IntCC::NotEqual, b, 0)
    }

    /// `m ? new : old` lane by lane (`m` an `I32X4` mask).
    fn blend(&mut self, m: Value, new: Value, old: Value) -> Value {
        let t = self.b.func.dfg.value_type(new);
        if t == types::I32X4 {
            return self.b.ins().bitselect(m, new, old);
        }
        let mc = self.b.ins().bitcast(t, MemFlagsData::new(), m);
        self.b.ins().bitselect(mc, new, old)
    }

    // ----- lanes and vectors -----

    /// A shuffle immediate of the 16 byte indices `bytes`.
    pub(super) fn byte_mask(
        &mut self,
        bytes: impl IntoIterator<Item = u8>,
    ) -> cranelift_codegen::ir::Immediate {
        let bytes: Vec<u8> = bytes.into_iter().collect();
        debug_assert_eq!(bytes.len(), 16);
        self.b
            .func
            .dfg
            .immediates
            .push(cranelift_codegen::ir::ConstantData::from(bytes))
    }

    /// A shuffle immediate taking the four 32-bit words `words` (0..8: the first operand's,
    /// then the second's).
    pub(super) fn word_mask(&mut self, words: [u8; 4]) -> cranelift_codegen::ir::Immediate {
        self.byte_mask(
            words
                .into_iter()
                .flat_map(|w| (0..4).map(move |b| 4 * w + b)),
        )
    }

    fn splat(&mut self, x: Value) -> Value {
        let t = self.b.func.dfg.value_type(x);
        if t == types::I8 {
            let m1 = self.iconst(types::I32, -1);
            let z = self.iconst(types::I32, 0);
            let s = self.b.ins().select(x, m1, z);
            return self.b.ins().splat(types::I32X4, s);
        }
        let vt = vec_type(t).expect("a 32-bit scalar");
        self.b.ins().splat(vt, x)
    }

    fn lane(&mut self, v: Lv, l: usize) -> Value {
        match v {
            Lv::U(x) => x,
            Lv::V(x) => self.b.ins().extractlane(x, l as u8),
            Lv::M(x) => {
                let e = self.b.ins().extractlane(x, l as u8);
                self.b.ins().icmp_imm_s(IntCC::NotEqual, e, 0)
            }
            Lv::L(a) => a[l],
        }
    }

    /// Packs one scalar per lane into an [`Lv`]; `boolean`: the scalars are booleans (an `i8`
    /// is a boolean or an 8-bit integer, which stays one scalar per lane).
    fn pack(&mut self, xs: [Value; LANES], boolean: bool) -> Lv {
        if xs.iter().all(|x| *x == xs[0]) {
            return Lv::U(xs[0]);
        }
        let t = self.b.func.dfg.value_type(xs[0]);
        match t {
            types::I8 if boolean => {
                let m1 = self.iconst(types::I32, -1);
                let z = self.iconst(types::I32, 0);
                let w: Vec<Value> = xs.iter().map(|x| self.b.ins().select(*x, m1, z)).collect();
                let mut v = self.b.ins().scalar_to_vector(types::I32X4, w[0]);
                for (l, x) in w.iter().enumerate().skip(1) {
                    v = self.b.ins().insertlane(v, *x, l as u8);
                }
                Lv::M(v)
            }
            types::I32 | types::F32 => {
                let vt = vec_type(t).expect("32-bit");
                let mut v = self.b.ins().scalar_to_vector(vt, xs[0]);
                for (l, x) in xs.iter().enumerate().skip(1) {
                    v = self.b.ins().insertlane(v, *x, l as u8);
                }
                Lv::V(v)
            }
            _ => Lv::L(xs),
        }
    }

    /// The varying form of `v` (kind `k`): vectors for 32-bit and boolean scalars.
    fn varying_form(&mut self, v: Lv, k: Scalar) -> Lv {
        match v {
            Lv::U(x) => {
                let t = self.b.func.dfg.value_type(x);
                if k == Scalar::Bool {
                    Lv::M(self.splat(x))
                } else if vec_type(t).is_some() && !k.byte() {
                    Lv::V(self.splat(x))
                } else {
                    Lv::L([x; LANES])
                }
            }
            other => other,
        }
    }

    /// A value from its scalars: `S` when all are uniform.
    fn mk(&self, lvs: Vec<Lv>) -> Val {
        if lvs.iter().all(|x| matches!(x, Lv::U(_))) {
            Val::S(
                lvs.into_iter()
                    .map(|x| match x {
                        Lv::U(v) => v,
                        _ => unreachable!(),
                    })
                    .collect(),
            )
        } else {
            Val::W(lvs)
        }
    }

    /// The scalars of a value (uniform ones as `U`).
    fn lvs(&self, v: &Val) -> Option<Vec<Lv>> {
        match v {
            Val::S(s) => Some(s.iter().map(|x| Lv::U(*x)).collect()),
            Val::W(w) => Some(w.clone()),
            _ => None,
        }
    }

    pub(super) fn is_uniform(v: &Val) -> bool {
        !matches!(
            v,
            Val::W(_)
                | Val::Lanes(_)
                | Val::Prom { .. }
                | Val::Builtin { .. }
                | Val::Io { .. }
                | Val::Seq { .. }
        )
    }

    /// `v` as the current view presents it.
    pub(super) fn view_of(&mut self, v: Val) -> Result<Val, ShaderError> {
        match self.view() {
            View::Whole => Ok(v),
            View::Uniform => {
                if Self::is_uniform(&v) {
                    Ok(v)
                } else {
                    soa_err("a varying operand in uniform code")
                }
            }
            View::Lane(l) => self.lane_of(v, l),
            View::Vector | View::Mixed => {
                let mixed = self.view() == View::Mixed;
                let lvs = self
                    .lvs(&v)
                    .ok_or_else(|| ShaderError::new("SoA backend: a non-value operand"))?;
                let mut out = Vec::with_capacity(lvs.len());
                for x in lvs {
                    out.push(match x {
                        Lv::U(u) if mixed => u,
                        Lv::U(u) => self.splat(u),
                        Lv::V(v) | Lv::M(v) => v,
                        Lv::L(_) => return soa_err("a per-lane operand in vector code"),
                    });
                }
                Ok(Val::S(out))
            }
        }
    }

    /// Lane `l` of `v`.
    fn lane_of(&mut self, v: Val, l: usize) -> Result<Val, ShaderError> {
        match v {
            Val::W(w) => Ok(Val::S(w.into_iter().map(|x| self.lane(x, l)).collect())),
            Val::Lanes(vs) => Ok(vs[l].clone()),
            Val::Prom { .. } | Val::Builtin { .. } | Val::Io { .. } => {
                soa_err("a register, built-in or interface pointer used per lane")
            }
            Val::Seq {
                base,
                len,
                off,
                idx,
                stride,
                ty,
            } => {
                let x = self.b.ins().extractlane(idx, l as u8);
                let x = self.b.ins().sextend(PTR, x);
                let x = self.b.ins().imul_imm_s(x, stride);
                let off = self.b.ins().iadd(off, x);
                Ok(Val::P(Ptr {
                    kind: PtrKind::Mem { base, len, off },
                    ty,
                    mstride: None,
                    row_major: false,
                }))
            }
            other => Ok(other),
        }
    }

    /// Runs `f` (scalar lowering of one instruction) in `view`, returning what it defined.
    fn in_view(
        &mut self,
        view: View,
        f: impl FnOnce(&mut Self) -> Result<(), ShaderError>,
    ) -> Result<Vec<(u32, Val)>, ShaderError> {
        let old = std::mem::replace(&mut self.soa().view, view);
        let staged = std::mem::take(&mut self.soa().staged);
        let r = f(self);
        self.soa().view = old;
        let out = std::mem::replace(&mut self.soa().staged, staged);
        r.map(|()| out)
    }

    // ----- per-lane execution -----

    /// Combines the per-lane results of one id (of type `ty`, 0 if unknown).
    fn combine(&mut self, vals: Vec<Val>, ty: u32) -> Val {
        let all_s = vals.iter().all(|v| matches!(v, Val::S(_)));
        if all_s {
            let ss: Vec<&Vec<Value>> = vals
                .iter()
                .map(|v| match v {
                    Val::S(s) => s,
                    _ => unreachable!(),
                })
                .collect();
            let n = ss[0].len();
            if ss.iter().all(|s| s.len() == n) {
                // Booleans by kind where the type is known (an i8 may be an 8-bit integer).
                let kinds = self.kinds(ty).ok().filter(|k| k.len() == n);
                let mut lvs = Vec::with_capacity(n);
                for (k, &x0) in ss[0].iter().enumerate() {
                    let boolean = kinds.as_ref().is_none_or(|ks| ks[k] == Scalar::Bool);
                    lvs.push(self.pack([x0, ss[1][k], ss[2][k], ss[3][k]], boolean));
                }
                return self.mk(lvs);
            }
        }
        Val::Lanes(vals)
    }

    /// The scalar lowering of `i` once per lane (all lanes; `i` has no side effects).
    fn per_lane(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let mut per: Vec<Vec<(u32, Val)>> = Vec::new();
        for l in 0..LANES {
            per.push(self.in_view(View::Lane(l), |s| s.inst(i))?);
        }
        self.commit_lanes(per)
    }

    fn commit_lanes(&mut self, per: Vec<Vec<(u32, Val)>>) -> Result<(), ShaderError> {
        let ids: Vec<u32> = per[0].iter().map(|(id, _)| *id).collect();
        for (k, id) in ids.into_iter().enumerate() {
            let vals: Vec<Val> = per.iter().map(|p| p[k].1.clone()).collect();
            let ty = self.p.value_types.get(&id).copied().unwrap_or(0);
            let v = self.combine(vals, ty);
            self.set(id, v);
        }
        Ok(())
    }

    /// The scalar lowering of `i` for each active lane, in lane order (side effects).
    fn per_lane_masked(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let mut per: Vec<Vec<(u32, Val)>> = Vec::new();
        let _ = self.exec_bits();
        for l in 0..LANES {
            let on = self.lane_active(l);
            let (run, skip, join) = (
                self.b.create_block(),
                self.b.create_block(),
                self.b.create_block(),
            );
            self.b.ins().brif(on, run, &[], skip, &[]);
            self.b.switch_to_block(run);
            let out = self.in_view(View::Lane(l), |s| s.inst(i))?;
            // Scalar results flow out through the join block (zeros for a skipped lane).
            let mut args = Vec::new();
            for (_, v) in &out {
                match v {
                    Val::S(s) => args.extend(s.iter().copied()),
                    _ => return soa_err("a masked per-lane instruction with a non-value result"),
                }
            }
            let mut params = Vec::new();
            for a in &args {
                let t = self.b.func.dfg.value_type(*a);
                params.push(self.b.append_block_param(join, t));
            }
            let bargs: Vec<BlockArg> = args.iter().map(|a| BlockArg::Value(*a)).collect();
            self.b.ins().jump(join, &bargs);
            self.b.switch_to_block(skip);
            let zeros: Vec<BlockArg> = params
                .iter()
                .map(|p| {
                    let t = self.b.func.dfg.value_type(*p);
                    BlockArg::Value(self.zero_of(t))
                })
                .collect();
            self.b.ins().jump(join, &zeros);
            self.b.switch_to_block(join);
            let mut k = 0;
            let mut res = Vec::new();
            for (id, v) in out {
                let Val::S(s) = v else { unreachable!() };
                res.push((id, Val::S(params[k..k + s.len()].to_vec())));
                k += s.len();
            }
            per.push(res);
        }
        self.commit_lanes(per)
    }

    fn zero_of(&mut self, t: Type) -> Value {
        match t {
            types::F32 => self.b.ins().f32const(0.0),
            types::F64 => self.b.ins().f64const(0.0),
            t => self.iconst(t, 0),
        }
    }

    // ----- values across blocks -----

    /// The cranelift values inside `v`, each with the lane it belongs to (`None`: all lanes,
    /// in vector form or uniform).
    fn values_of(v: &Val, lane: Option<usize>, out: &mut Vec<(Value, Option<usize>, bool)>) {
        match v {
            Val::S(s) => out.extend(s.iter().map(|x| (*x, lane, false))),
            Val::W(w) => {
                for x in w {
                    match x {
                        Lv::U(u) => out.push((*u, lane, false)),
                        Lv::V(v) | Lv::M(v) => out.push((*v, None, true)),
                        Lv::L(a) => {
                            out.extend(a.iter().enumerate().map(|(l, x)| (*x, Some(l), true)))
                        }
                    }
                }
            }
            Val::P(p) => {
                if let PtrKind::Mem { base, len, off } = p.kind {
                    out.extend([(base, lane, false), (len, lane, false), (off, lane, false)]);
                } else if let PtrKind::ImgDesc { desc } = p.kind {
                    out.push((desc, lane, false));
                } else if let PtrKind::Descs { first, .. } = p.kind {
                    out.push((first, lane, false));
                }
            }
            Val::Img(d, ..) | Val::Smp(d) => out.push((*d, lane, false)),
            Val::SImg(a, b, ..) => out.extend([(*a, lane, false), (*b, lane, false)]),
            Val::Lanes(vs) => {
                for (l, x) in vs.iter().enumerate() {
                    Self::values_of(x, Some(l), out);
                }
            }
            Val::Seq {
                base,
                len,
                off,
                idx,
                ..
            } => out.extend([
                (*base, lane, false),
                (*len, lane, false),
                (*off, lane, false),
                (*idx, None, true),
            ]),
            Val::Prom { .. } | Val::Builtin { .. } | Val::Io { .. } => {}
        }
    }

    fn rebuild(v: &Val, vals: &mut impl Iterator<Item = Value>) -> Val {
        let mut next = || vals.next().expect("as many values as stored");
        match v {
            Val::S(s) => Val::S(s.iter().map(|_| next()).collect()),
            Val::W(w) => Val::W(
                w.iter()
                    .map(|x| match x {
                        Lv::U(_) => Lv::U(next()),
                        Lv::V(_) => Lv::V(next()),
                        Lv::M(_) => Lv::M(next()),
                        Lv::L(_) => Lv::L([next(), next(), next(), next()]),
                    })
                    .collect(),
            ),
            Val::P(p) => {
                let mut p = p.clone();
                p.kind = match p.kind {
                    PtrKind::Mem { .. } => PtrKind::Mem {
                        base: next(),
                        len: next(),
                        off: next(),
                    },
                    PtrKind::ImgDesc { .. } => PtrKind::ImgDesc { desc: next() },
                    PtrKind::Descs { count, .. } => PtrKind::Descs {
                        first: next(),
                        count,
                    },
                    // Pointer variables live only in the scalar backend.
                    k @ PtrKind::Var { .. } => k,
                };
                Val::P(p)
            }
            Val::Img(_, s, sh) => Val::Img(next(), *s, *sh),
            Val::Smp(_) => Val::Smp(next()),
            Val::SImg(_, _, s, sh) => {
                let a = next();
                Val::SImg(a, next(), *s, *sh)
            }
            Val::Lanes(vs) => Val::Lanes(vs.iter().map(|x| Self::rebuild(x, vals)).collect()),
            Val::Seq { stride, ty, .. } => Val::Seq {
                base: next(),
                len: next(),
                off: next(),
                idx: next(),
                stride: *stride,
                ty: *ty,
            },
            other => other.clone(),
        }
    }

    /// `v` made varying (for a variable the analysis says is varying).
    fn make_varying(&mut self, v: Val, ty: u32) -> Result<Val, ShaderError> {
        match v {
            Val::S(_) | Val::W(_) => {
                let kinds = self.kinds(ty)?;
                let lvs = self.lvs(&v).expect("a value");
                if kinds.len() != lvs.len() {
                    return soa_err("a value whose type does not match");
                }
                let w = lvs
                    .into_iter()
                    .zip(kinds)
                    .map(|(x, k)| self.varying_form(x, k))
                    .collect();
                Ok(Val::W(w))
            }
            Val::Lanes(_)
            | Val::Prom { .. }
            | Val::Builtin { .. }
            | Val::Io { .. }
            | Val::Seq { .. } => Ok(v),
            other => Ok(Val::Lanes(vec![other; LANES])),
        }
    }

    /// Records the definition of a cross-block value in its variables.
    fn store_cross(&mut self, id: u32, v: Val) -> Result<(), ShaderError> {
        let (varying, in_loop) = {
            let fs = self.fs_ref();
            let f = fs.u.varying.get(&id).is_some_and(|f| f.iter().any(|x| *x))
                || fs.u.ptrs.get(&id).is_some_and(|p| *p != PtrU::Uniform)
                || fs.u.opaque.get(&id).copied().unwrap_or(false);
            (f, fs.cfg.in_loop(fs.cur) && fs.u.div_ctl[fs.cur])
        };
        let v = if varying || !Self::is_uniform(&v) {
            let ty = self.p.value_types.get(&id).copied().unwrap_or(0);
            self.make_varying(v, ty)?
        } else {
            v
        };
        let mut vals = Vec::new();
        Self::values_of(&v, None, &mut vals);
        let existing = self.fs().cross.get(&id).map(|s| s.vars.clone());
        let vars = match existing {
            Some(vars) if vars.len() == vals.len() => vars,
            Some(_) => return soa_err("a value stored in two shapes"),
            None => vals
                .iter()
                .map(|(x, ..)| {
                    let t = self.b.func.dfg.value_type(*x);
                    self.new_var(t)
                })
                .collect(),
        };
        for ((x, lane, vary), var) in vals.into_iter().zip(&vars) {
            let x = if in_loop && (vary || lane.is_some()) {
                let old = self.b.use_var(*var);
                match lane {
                    Some(l) => {
                        let on = self.lane_active(l);
                        self.b.ins().select(on, x, old)
                    }
                    None => {
                        let e = self.soa().exec;
                        self.blend(e, x, old)
                    }
                }
            } else {
                x
            };
            self.b.def_var(*var, x);
        }
        self.fs().cross.insert(id, Stored { shape: v, vars });
        Ok(())
    }

    /// A cross-block value read back from its variables.
    pub(super) fn load_cross(&mut self, id: u32) -> Option<Val> {
        let fs = self.soa.as_ref()?.funcs.last()?;
        let st = fs.cross.get(&id)?;
        let shape = st.shape.clone();
        let vars = st.vars.clone();
        let vals: Vec<Value> = vars.iter().map(|v| self.b.use_var(*v)).collect();
        Some(Self::rebuild(&shape, &mut vals.into_iter()))
    }

    /// `set` in SoA mode.
    pub(super) fn set_soa(&mut self, id: u32, v: Val) {
        if self.view() != View::Whole {
            self.soa().staged.push((id, v));
            return;
        }
        let cross = self
            .soa
            .as_ref()
            .and_then(|s| s.funcs.last())
            .is_some_and(|fs| fs.u.cross.contains(&id) && !fs.phis.contains_key(&id));
        if cross && let Err(e) = self.store_cross(id, v.clone()) {
            self.soa().error.get_or_insert(e);
        }
        let f = self.frame();
        f.vals.insert(id, v);
        f.live.push(id);
    }

    // ----- variables in registers -----

    fn slot_for(&mut self, k: Scalar, varying: bool) -> Slot {
        let t = cl_type(k);
        if !varying {
            return Slot::U(self.new_var(t));
        }
        if k == Scalar::Bool {
            return Slot::M(self.new_var(types::I32X4));
        }
        match vec_type(t) {
            Some(vt) if !k.byte() => Slot::V(self.new_var(vt)),
            _ => Slot::L(std::array::from_fn(|_| self.new_var(t))),
        }
    }

    fn read_slot(&mut self, s: Slot) -> Lv {
        match s {
            Slot::U(v) => Lv::U(self.b.use_var(v)),
            Slot::V(v) => Lv::V(self.b.use_var(v)),
            Slot::M(v) => Lv::M(self.b.use_var(v)),
            Slot::L(a) => Lv::L(a.map(|v| self.b.use_var(v))),
        }
    }

    /// Writes `x` into `s` for the lanes of `m` (`None`: every lane; `m_any`: whether `m`
    /// has a lane, for uniform slots).
    fn write_slot(
        &mut self,
        s: Slot,
        x: Lv,
        k: Scalar,
        m: Option<Value>,
        m_any: Option<Value>,
    ) -> Result<(), ShaderError> {
        let t = cl_type(k);
        let ok = match x {
            Lv::U(v) => self.b.func.dfg.value_type(v) == t,
            Lv::V(v) | Lv::M(v) => Some(self.b.func.dfg.value_type(v)) == vec_type(t),
            Lv::L(a) => a.iter().all(|v| self.b.func.dfg.value_type(*v) == t),
        };
        if !ok {
            return err("a value stored into a variable of another type");
        }
        match s {
            Slot::U(var) => {
                let Lv::U(x) = x else {
                    return soa_err("a varying value written to a uniform variable");
                };
                let x = match m_any {
                    Some(c) => {
                        let old = self.b.use_var(var);
                        self.b.ins().select(c, x, old)
                    }
                    None => x,
                };
                self.b.def_var(var, x);
            }
            Slot::V(var) | Slot::M(var) => {
                let (Lv::V(x) | Lv::M(x)) = self.varying_form(x, k) else {
                    return soa_err("a per-lane value written to a vector variable");
                };
                let x = match m {
                    Some(m) => {
                        let old = self.b.use_var(var);
                        self.blend(m, x, old)
                    }
                    None => x,
                };
                self.b.def_var(var, x);
            }
            Slot::L(vars) => {
                let x = self.varying_form(x, k);
                for (l, var) in vars.iter().enumerate() {
                    let xl = self.lane(x, l);
                    let xl = match m {
                        Some(m) => {
                            let old = self.b.use_var(*var);
                            let bits = self.bits_of(m);
                            let b = self.b.ins().band_imm_s(bits, 1 << l);
                            self.b.ins().select(b, xl, old)
                        }
                        None => xl,
                    };
                    self.b.def_var(*var, xl);
                }
            }
        }
        Ok(())
    }

    // ----- functions and control flow -----

    fn arg_u(&self, v: &Val, ty: u32) -> ArgU {
        match (v, self.p.ty(ty)) {
            (Val::P(_), _) => ArgU::Ptr(PtrU::Uniform),
            (Val::Lanes(_), Ok(Ty::Pointer { .. })) => ArgU::Ptr(PtrU::Varying),
            (Val::Builtin { .. }, _)
            | (Val::Prom { .. }, _)
            | (Val::Io { .. }, _)
            | (Val::Seq { .. }, _) => ArgU::Ptr(PtrU::Varying),
            (Val::S(s), _) => ArgU::Value(vec![false; s.len()]),
            (Val::W(w), _) => ArgU::Value(w.iter().map(|x| !matches!(x, Lv::U(_))).collect()),
            (Val::Lanes(_), _) => ArgU::Opaque(true),
            _ => ArgU::Opaque(false),
        }
    }

    /// Inlines function `fid` for the lanes of the current execution mask; returns its value.
    pub(super) fn function_soa(
        &mut self,
        fid: u32,
        args: Vec<Val>,
    ) -> Result<Option<Val>, ShaderError> {
        if self.calls.contains(&fid) {
            return err("recursive function calls are not allowed in shaders");
        }
        if self.calls.len() > 64 {
            return err("function calls nested more than 64 deep");
        }
        let p = self.p;
        let Some(&r) = p.functions.get(&fid) else {
            return err(format!("function %{fid} has no body"));
        };
        let insts = &p.module.insts[r.start..=r.end];
        let cfg = Cfg::new(insts, &p.consts)?;
        let params: Vec<&Inst> = insts
            .iter()
            .take_while(|i| i.op != Op::Label)
            .filter(|i| i.op == Op::FunctionParameter)
            .collect();
        if params.len() != args.len() {
            return err("function called with the wrong number of arguments");
        }
        let arg_u: Vec<ArgU> = args
            .iter()
            .zip(&params)
            .map(|(a, pi)| self.arg_u(a, pi.ty))
            .collect();
        // A kill in a callee can take lanes out of the mask in any block: all of them are
        // divergent.
        let div = self.p.lanes_leave
            || self
                .soa
                .as_ref()
                .and_then(|s| s.funcs.last())
                .is_some_and(|fs| fs.u.div_ctl[fs.cur]);
        let u = self.soa().analyzer.function(fid, &arg_u, div, &cfg)?;
        self.calls.push(fid);
        let n = cfg.blocks.len();
        let zero = self.zero_mask();
        let no = self.iconst(types::I8, 0);
        let flag: Vec<bool> = (0..n)
            .map(|b| !u.div_ctl[b] && cfg.blocks[b].preds.iter().all(|p| !u.div_ctl[*p]))
            .collect();
        let masks: Vec<Variable> = (0..n)
            .map(|b| {
                if flag[b] {
                    let v = self.new_var(types::I8);
                    self.b.def_var(v, no);
                    v
                } else {
                    let v = self.new_var(types::I32X4);
                    self.b.def_var(v, zero);
                    v
                }
            })
            .collect();
        let uexec = self.new_var(types::I32X4);
        let e = self.soa().exec;
        self.b.def_var(uexec, e);
        let check: Vec<Block> = (0..n).map(|_| self.b.create_block()).collect();
        // Phi storage.
        let mut phis = HashMap::new();
        for &b in &cfg.order {
            let bi = &cfg.blocks[b];
            for i in &insts[bi.start..=bi.end] {
                if i.op != Op::Phi {
                    continue;
                }
                let kinds = self.kinds(i.ty)?;
                let f = u
                    .varying
                    .get(&i.id)
                    .cloned()
                    .unwrap_or(vec![true; kinds.len()]);
                let slots: Vec<Slot> = kinds
                    .iter()
                    .zip(f.iter().chain(std::iter::repeat(&true)))
                    .map(|(k, v)| self.slot_for(*k, *v))
                    .collect();
                phis.insert(i.id, slots);
            }
        }
        self.frames.push(Frame {
            vals: HashMap::new(),
            live: Vec::new(),
            blocks: HashMap::new(),
            phis: HashMap::new(),
            ret: None,
            ret_ty: insts[0].ty,
            label: 0,
        });
        let first = cfg.order[0];
        self.soa().funcs.push(FuncState {
            cfg,
            u,
            masks,
            flag,
            uexec,
            check,
            phis,
            cross: HashMap::new(),
            prom: HashMap::new(),
            ret: None,
            cur: first,
            label: 0,
        });
        let r = self.function_body(insts, params, args);
        let fs = self.soa().funcs.pop().expect("function state");
        self.frames.pop();
        self.calls.pop();
        r?;
        let Some(slots) = fs.ret else {
            return Ok(None);
        };
        let lvs: Vec<Lv> = slots.into_iter().map(|s| self.read_slot(s)).collect();
        Ok(Some(self.mk(lvs)))
    }

    fn function_body(
        &mut self,
        insts: &[Inst],
        params: Vec<&Inst>,
        args: Vec<Val>,
    ) -> Result<(), ShaderError> {
        let params_ids: Vec<u32> = params.iter().map(|p| p.id).collect();
        for (pi, a) in params.into_iter().zip(args) {
            self.set(pi.id, a);
        }
        // In a variable: a barrier may end the call before the function does.
        let entry_var = self.new_var(types::I32X4);
        let e = self.soa().exec;
        self.b.def_var(entry_var, e);
        let order = self.fs_ref().cfg.order.clone();
        for (pos, &b) in order.iter().enumerate() {
            self.fs().cur = b;
            let (start, end) = {
                let bi = &self.fs_ref().cfg.blocks[b];
                (bi.start, bi.end)
            };
            let label = insts[start].id;
            self.fs().label = label;
            self.frame().label = label;
            let after = if pos == 0 {
                let e = self.b.use_var(entry_var);
                self.set_exec(e);
                None
            } else {
                let check = self.fs_ref().check[b];
                self.b.ins().jump(check, &[]);
                self.b.switch_to_block(check);
                let mv = self.fs_ref().masks[b];
                let (body, after) = (self.b.create_block(), self.b.create_block());
                if self.fs_ref().flag[b] {
                    let f = self.b.use_var(mv);
                    self.b.ins().brif(f, body, &[], after, &[]);
                    self.b.switch_to_block(body);
                    let ue = self.fs_ref().uexec;
                    let m = self.b.use_var(ue);
                    self.set_exec(m);
                } else {
                    let m = self.b.use_var(mv);
                    let bits = self.bits_of(m);
                    self.b.ins().brif(bits, body, &[], after, &[]);
                    self.b.switch_to_block(body);
                    self.set_exec(m);
                    self.soa().bits = Some(bits);
                }
                Some(after)
            };
            let mv = self.fs_ref().masks[b];
            let z = if self.fs_ref().flag[b] {
                self.iconst(types::I8, 0)
            } else {
                self.zero_mask()
            };
            self.b.def_var(mv, z);
            // Values of other blocks are read from their variables.
            let stale: Vec<u32> = {
                let fs = self.fs_ref();
                fs.cross.keys().chain(fs.phis.keys()).copied().collect()
            };
            for id in stale {
                self.frame().vals.remove(&id);
            }
            // Parameters stay valid in every block of the function.
            let f = self.frame();
            f.live.clear();
            f.live.extend(params_ids.iter().copied());
            // Phis.
            for i in &insts[start..=end] {
                if i.op != Op::Phi {
                    continue;
                }
                let slots = self.fs_ref().phis[&i.id].clone();
                let lvs: Vec<Lv> = slots.into_iter().map(|s| self.read_slot(s)).collect();
                let v = self.mk(lvs);
                // Edges may rewrite the phi's slots before another block reads the value.
                if self.fs_ref().u.cross.contains(&i.id) {
                    self.store_cross(i.id, v.clone())?;
                }
                let f = self.frame();
                f.vals.insert(i.id, v);
                f.live.push(i.id);
            }
            for i in &insts[start..=end] {
                match i.op {
                    Op::Label | Op::Phi => {}
                    _ => self.inst(i)?,
                }
                if let Some(e) = self.soa().error.take() {
                    return Err(e);
                }
                self.scalars += 1;
                if self.scalars > MAX_SCALARS {
                    return err(format!(
                        "the entry point is too large to compile (more than {MAX_SCALARS} \
                         scalar values after inlining)"
                    ));
                }
            }
            if let Some(after) = after {
                self.b.ins().jump(after, &[]);
                self.b.switch_to_block(after);
            }
            // Loops ending here: back to the header while it has lanes (innermost first).
            let mut tails: Vec<(usize, usize)> = {
                let fs = self.fs_ref();
                fs.cfg
                    .loops
                    .iter()
                    .filter(|l| l.tail == pos)
                    .map(|l| (l.body.iter().filter(|x| **x).count(), l.header))
                    .collect()
            };
            tails.sort();
            for (_, h) in tails {
                let mv = self.fs_ref().masks[h];
                let m = self.b.use_var(mv);
                let bits = if self.fs_ref().flag[h] {
                    m
                } else {
                    self.bits_of(m)
                };
                let next = self.b.create_block();
                let check = self.fs_ref().check[h];
                self.b.ins().brif(bits, check, &[], next, &[]);
                self.b.switch_to_block(next);
            }
        }
        let e = self.b.use_var(entry_var);
        self.set_exec(e);
        Ok(())
    }

    /// Adds the lanes of `m` to block `target` and writes its phis for them. `m_any`: a
    /// scalar saying whether `m` has a lane (`None`: it has).
    /// An unconditional branch with every live lane: phis are written without blending.
    fn edges_full(&mut self, t: u32) -> Result<(), ShaderError> {
        let exec = self.soa().exec;
        self.edges_with(&[(t, exec, None)], false, true)
    }

    /// `whole`: each target gets every lane of the execution mask or none (a uniform branch).
    fn edges(
        &mut self,
        targets: &[(u32, Value, Option<Value>)],
        whole: bool,
    ) -> Result<(), ShaderError> {
        self.edges_with(targets, true, whole)
    }

    fn edges_with(
        &mut self,
        targets: &[(u32, Value, Option<Value>)],
        blend: bool,
        whole: bool,
    ) -> Result<(), ShaderError> {
        let from_flag = {
            let fs = self.fs_ref();
            fs.flag[fs.cur]
        };
        let from = self.fs_ref().label;
        // Parallel copies: every incoming value is read before any phi is written.
        let mut writes = Vec::new();
        for &(t, m, m_any) in targets {
            let Some(&tb) = self.fs_ref().cfg.index.get(&t) else {
                return err(format!("branch to unknown label %{t}"));
            };
            let (start, end) = {
                let bi = &self.fs_ref().cfg.blocks[tb];
                (bi.start, bi.end)
            };
            let r = self.p.functions[self.calls.last().expect("a function")];
            let insts = &self.p.module.insts[r.start..=r.end];
            for i in &insts[start..=end] {
                if i.op != Op::Phi {
                    continue;
                }
                let Some(k) = (0..i.len() / 2).find(|k| i.w(2 * k + 1) == from) else {
                    continue;
                };
                // A block no constant-folded branch reaches is not emitted.
                if !self.fs_ref().phis.contains_key(&i.id) {
                    continue;
                }
                let v = self.get(i.w(2 * k))?;
                let Some(lvs) = self.lvs(&v) else {
                    return soa_err("OpPhi of a value without scalars");
                };
                let kinds = self.kinds(i.ty)?;
                writes.push((i.id, lvs, kinds, m, m_any));
            }
            let mv = self.fs_ref().masks[tb];
            let old = self.b.use_var(mv);
            if self.fs_ref().flag[tb] {
                let (new, ue) = match m_any {
                    None => (self.iconst(types::I8, 1), m),
                    Some(any) => {
                        let ue = self.fs_ref().uexec;
                        let old_ue = self.b.use_var(ue);
                        (
                            self.b.ins().bor(old, any),
                            self.b.ins().select(any, m, old_ue),
                        )
                    }
                };
                self.b.def_var(mv, new);
                // From a flag block through a uniform branch the lanes stay those of uexec.
                // Lanes sent to a block that only returns keep nothing alive.
                let keep = whole && from_flag;
                if !keep && !self.fs_ref().u.dead[tb] {
                    let uv = self.fs_ref().uexec;
                    self.b.def_var(uv, ue);
                }
            } else {
                let new = self.b.ins().bor(old, m);
                self.b.def_var(mv, new);
            }
        }
        for (id, lvs, kinds, m, m_any) in writes {
            let slots = self.fs_ref().phis[&id].clone();
            if slots.len() != lvs.len() || kinds.len() != lvs.len() {
                return soa_err("OpPhi whose values do not match its type");
            }
            for ((s, x), k) in slots.into_iter().zip(lvs).zip(kinds) {
                if blend {
                    self.write_slot(s, x, k, Some(m), m_any)?;
                } else {
                    self.write_slot(s, x, k, None, None)?;
                }
            }
        }
        Ok(())
    }

    fn terminator(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let exec = self.soa().exec;
        match i.op {
            Op::Branch => {
                // Outside divergent control the edge carries every live lane.
                let full = {
                    let fs = self.fs_ref();
                    !fs.u.div_ctl[fs.cur]
                };
                if full {
                    return self.edges_full(i.w(0));
                }
                self.edges(&[(i.w(0), exec, None)], true)
            }
            Op::BranchConditional => {
                let c = self.get(i.w(0))?;
                let whole = matches!(c, Val::S(_));
                let (mt, mf, at, af) = match c {
                    Val::S(s) => {
                        let z = self.zero_mask();
                        let c = s[0];
                        let mt = self.b.ins().select(c, exec, z);
                        let mf = self.b.ins().select(c, z, exec);
                        let nc = self.b.ins().bxor_imm_s(c, 1);
                        (mt, mf, Some(c), Some(nc))
                    }
                    Val::W(w) => {
                        let Lv::M(cm) = self.varying_form(w[0], Scalar::Bool) else {
                            return soa_err("a branch condition that is not a boolean");
                        };
                        let mt = self.b.ins().band(exec, cm);
                        let mf = self.b.ins().band_not(exec, cm);
                        let bt = self.bits_of(mt);
                        let bf = self.bits_of(mf);
                        let at = self.b.ins().icmp_imm_s(IntCC::NotEqual, bt, 0);
                        let af = self.b.ins().icmp_imm_s(IntCC::NotEqual, bf, 0);
                        (mt, mf, Some(at), Some(af))
                    }
                    _ => return soa_err("a branch condition that is not a value"),
                };
                if i.w(1) == i.w(2) {
                    return self.edges(&[(i.w(1), exec, None)], true);
                }
                self.edges(&[(i.w(1), mt, at), (i.w(2), mf, af)], whole)
            }
            Op::Switch => {
                let sel = self.get(i.w(0))?;
                let lvs = self
                    .lvs(&sel)
                    .ok_or_else(|| ShaderError::new("OpSwitch on a non-value"))?;
                let sel = lvs[0];
                let wide = match sel {
                    Lv::U(x) | Lv::L([x, ..]) => self.b.func.dfg.value_type(x) == types::I64,
                    _ => false,
                };
                let mut rest = exec;
                let mut targets: Vec<(u32, Value)> = Vec::new();
                let mut k = 2;
                while k + 1 < i.len() {
                    let lit = match &i.ops[k] {
                        rspirv::dr::Operand::LiteralBit64(x) if wide => *x as i64,
                        _ => i.w(k) as i32 as i64,
                    };
                    let eq = match sel {
                        Lv::U(x) => {
                            let c = self.b.ins().icmp_imm_s(IntCC::Equal, x, lit);
                            let z = self.zero_mask();
                            let m1 = self.b.ins().bnot(z);
                            self.b.ins().select(c, m1, z)
                        }
                        Lv::V(x) => {
                            let c = self.iconst(types::I32, lit);
                            let c = self.b.ins().splat(types::I32X4, c);
                            self.b.ins().icmp(IntCC::Equal, x, c)
                        }
                        Lv::L(xs) => {
                            let cs: Vec<Value> = xs
                                .iter()
                                .map(|x| self.b.ins().icmp_imm_s(IntCC::Equal, *x, lit))
                                .collect();
                            match self.pack([cs[0], cs[1], cs[2], cs[3]], true) {
                                Lv::M(m) => m,
                                Lv::U(c) => {
                                    let z = self.zero_mask();
                                    let m1 = self.b.ins().bnot(z);
                                    self.b.ins().select(c, m1, z)
                                }
                                _ => unreachable!(),
                            }
                        }
                        Lv::M(_) => return soa_err("OpSwitch on a boolean"),
                    };
                    let m = self.b.ins().band(rest, eq);
                    rest = self.b.ins().band_not(rest, eq);
                    let t = i.w(k + 1);
                    match targets.iter_mut().find(|(x, _)| *x == t) {
                        Some((_, mm)) => *mm = self.b.ins().bor(*mm, m),
                        None => targets.push((t, m)),
                    }
                    k += 2;
                }
                let d = i.w(1);
                match targets.iter_mut().find(|(x, _)| *x == d) {
                    Some((_, mm)) => *mm = self.b.ins().bor(*mm, rest),
                    None => targets.push((d, rest)),
                }
                let mut ts = Vec::new();
                for (t, m) in targets {
                    let bits = self.bits_of(m);
                    let any = self.b.ins().icmp_imm_s(IntCC::NotEqual, bits, 0);
                    ts.push((t, m, Some(any)));
                }
                self.edges(&ts, matches!(sel, Lv::U(_)))
            }
            Op::Return => Ok(()),
            Op::ReturnValue | Op::Unreachable => {
                let ty = self.frame().ret_ty;
                let v = if i.op == Op::ReturnValue {
                    self.get(i.w(0))?
                } else {
                    match self.zeros(ty) {
                        Ok(z) => Val::S(z),
                        Err(_) => return Ok(()),
                    }
                };
                let Some(lvs) = self.lvs(&v) else {
                    return soa_err("a function returning a value without scalars");
                };
                let kinds = self.kinds(ty)?;
                if kinds.len() != lvs.len() {
                    return err("OpReturnValue of a value that does not match the return type");
                }
                if self.fs_ref().ret.is_none() {
                    let f = self.fs_ref().u.ret.clone();
                    let slots: Vec<Slot> = kinds
                        .iter()
                        .enumerate()
                        .map(|(k, kind)| {
                            let v =
                                f.get(k).copied().unwrap_or(true) || !matches!(lvs[k], Lv::U(_));
                            self.slot_for(*kind, v)
                        })
                        .collect();
                    self.fs().ret = Some(slots);
                }
                let slots = self.fs_ref().ret.clone().expect("return slots");
                for ((s, x), k) in slots.into_iter().zip(lvs).zip(kinds) {
                    self.write_slot(s, x, k, Some(exec), None)?;
                }
                Ok(())
            }
            _ => soa_err(format!("terminator Op{:?}", i.op)),
        }
    }

    // ----- instructions -----

    fn operand_ids(i: &Inst) -> impl Iterator<Item = u32> + '_ {
        i.ops.iter().filter_map(|o| match o {
            rspirv::dr::Operand::IdRef(x) => Some(*x),
            _ => None,
        })
    }

    /// The SoA form of operand `id`, if it is a value (None for types, labels, functions).
    fn operand(&mut self, id: u32) -> Option<Val> {
        if self.p.types.contains_key(&id)
            || self.p.functions.contains_key(&id)
            || self.p.glsl_ext.contains(&id)
            || self.p.nonsemantic_ext.contains(&id)
        {
            return None;
        }
        self.get(id).ok()
    }

    /// Runs `i` through the scalar lowering once (all operands uniform).
    fn uniform(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let out = self.in_view(View::Uniform, |s| s.inst(i))?;
        for (id, v) in out {
            self.set(id, v);
        }
        Ok(())
    }

    pub(super) fn inst_soa(&mut self, i: &Inst) -> Result<(), ShaderError> {
        use Op::*;
        match i.op {
            Nop | Line | NoLine | Name | MemberName | SelectionMerge | FunctionEnd | Function
            | String | Source | SourceContinued | SourceExtension | ModuleProcessed | Phi
            | Label | FunctionParameter => Ok(()),
            ControlBarrier if self.soa().split && self.workgroup_barrier(i) => {
                let fence = self.barrier_fences(i.w(1), i.w(2));
                self.barrier_split(fence)
            }
            LoopMerge | ControlBarrier | MemoryBarrier => self.uniform(i),
            Branch | BranchConditional | Switch | Return | ReturnValue | Unreachable => {
                self.terminator(i)
            }
            Variable => self.variable(i),
            Load => self.load_soa(i),
            Store => self.store_soa(i),
            AccessChain | InBoundsAccessChain => self.access_chain_soa(i),
            FunctionCall => {
                let mut args = Vec::new();
                for k in 1..i.len() {
                    args.push(self.get(i.w(k))?);
                }
                if let Some(v) = self.function_soa(i.w(0), args)? {
                    self.set(i.id, v);
                }
                if self.p.lanes_leave {
                    // Lanes the callee killed or demoted do not come back.
                    self.leave_discarded();
                }
                Ok(())
            }
            CopyMemory if self.p.own_memory(i.w(0)) => self.per_lane_masked(i),
            CopyMemory => self.with_effect_mask(|s| s.per_lane_masked(i)),
            op if is_atomic(op) => self.with_effect_mask(|s| s.per_lane_masked(i)),
            ImageWrite => {
                if self.all_uniform(i) {
                    self.uniform_effect(i)
                } else {
                    self.with_effect_mask(|s| s.per_lane_masked(i))
                }
            }
            ExtInst if self.is_interpolation(i) => self.interpolate_soa(i),
            ExtInst | ExtInstWithForwardRefsKHR
                if Self::operand_ids(i).any(|x| {
                    self.p
                        .value_types
                        .get(&x)
                        .is_some_and(|t| matches!(self.p.ty(*t), Ok(Ty::Pointer { .. })))
                }) =>
            {
                // Modf/Frexp with an out pointer store through it.
                let own = Self::operand_ids(i).all(|x| {
                    !self.p.value_types.get(&x).is_some_and(|t| {
                        matches!(self.p.ty(*t), Ok(Ty::Pointer { .. })) && !self.p.own_memory(x)
                    })
                });
                if own {
                    self.per_lane_masked(i)
                } else {
                    self.with_effect_mask(|s| s.per_lane_masked(i))
                }
            }
            GroupNonUniformQuadBroadcast | GroupNonUniformQuadSwap => self.subgroup_soa(i),
            op if simd_subgroup::is_subgroup_op(op) => self.with_effect_mask(|s| s.subgroup_soa(i)),
            Kill | TerminateInvocation => self.kill_soa(),
            IsHelperInvocationEXT => self.is_helper_soa(i),
            ImageRead if super::images::is_subpass_image(self.p, i.w(0)) => self.per_lane(i),
            ImageSampleImplicitLod
            | ImageSampleDrefImplicitLod
            | ImageSampleProjImplicitLod
            | ImageSampleProjDrefImplicitLod => {
                let (e, bias) = self.implicit_lod_soa(i)?;
                self.soa().implicit_bias = bias;
                let r = self.pure(&e);
                self.soa().implicit_bias = None;
                r
            }
            op if crate::shader::module::is_derivative(op) => self.derivative_soa(i),
            DemoteToHelperInvocation => self.demote_soa(),
            _ => self.pure(i),
        }
    }

    fn all_uniform(&mut self, i: &Inst) -> bool {
        let ids: Vec<u32> = Self::operand_ids(i).collect();
        ids.into_iter()
            .all(|x| self.operand(x).is_none_or(|v| Self::is_uniform(&v)))
    }

    /// An instruction without side effects.
    fn pure(&mut self, i: &Inst) -> Result<(), ShaderError> {
        use Op::*;
        let ids: Vec<u32> = Self::operand_ids(i).collect();
        let mut ops = Vec::new();
        for x in ids {
            if let Some(v) = self.operand(x) {
                ops.push(v);
            }
        }
        if ops.iter().all(Self::is_uniform) {
            return self.uniform(i);
        }
        let values = ops.iter().all(|v| matches!(v, Val::S(_) | Val::W(_)));
        let no_lanes = ops.iter().all(|v| match v {
            Val::W(w) => w.iter().all(|x| !matches!(x, Lv::L(_))),
            Val::S(s) => s
                .iter()
                .all(|x| vec_type(self.b.func.dfg.value_type(*x)).is_some()),
            _ => false,
        });
        let kinds32 = |l: &Self, ty: u32| {
            l.kinds(ty).is_ok_and(|k| {
                k.iter()
                    .all(|k| matches!(k, Scalar::I32 | Scalar::U32 | Scalar::F32 | Scalar::Bool))
            })
        };
        if values && no_lanes && kinds32(self, i.ty) {
            match i.op {
                CopyObject | CopyLogical | CompositeConstruct | CompositeExtract
                | CompositeInsert | VectorShuffle | Transpose => {
                    return self.vector_view(i, View::Mixed);
                }
                op if is_comparison(op) && self.operands_32(i) => {
                    return self.vector_view(i, View::Vector);
                }
                SNegate | FNegate | Not | IAdd | ISub | IMul | FAdd | FSub | FMul | FDiv
                | BitwiseOr | BitwiseXor | BitwiseAnd | LogicalOr | LogicalAnd
                | LogicalNotEqual | LogicalEqual | IsNan | VectorTimesScalar
                | MatrixTimesScalar | Dot | MatrixTimesVector
                    if self.operands_32(i) =>
                {
                    return self.vector_view(i, View::Vector);
                }
                LogicalNot | Select | ConvertSToF | ConvertUToF | ConvertFToS | ConvertFToU
                | Bitcast | ShiftLeftLogical | ShiftRightLogical | ShiftRightArithmetic => {
                    if self.operands_32(i)
                        && let Some(v) = self.vector_custom(i)?
                    {
                        self.set(i.id, v);
                        return Ok(());
                    }
                }
                ExtInst if self.p.glsl_ext.contains(&i.w(0)) && self.operands_32(i) => {
                    if let Some(v) = self.vector_glsl(i)? {
                        self.set(i.id, v);
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        if i.op == ImageSampleExplicitLod && self.image_sample_lanes(i)? {
            return Ok(());
        }
        self.per_lane(i)
    }

    /// Whether every value operand of `i` has only 32-bit / boolean scalars.
    fn operands_32(&self, i: &Inst) -> bool {
        Self::operand_ids(i).all(|x| match self.p.value_types.get(&x) {
            Some(t) => self.p.kinds_32(*t),
            None => true,
        })
    }

    fn vector_view(&mut self, i: &Inst, view: View) -> Result<(), ShaderError> {
        let out = self.in_view(view, |s| s.inst(i))?;
        for (id, v) in out {
            let Val::S(s) = v else {
                return soa_err("a vector result that is not a value");
            };
            let ty = self.p.value_types.get(&id).copied().unwrap_or(0);
            let kinds = self.kinds(ty)?;
            if kinds.len() != s.len() {
                return soa_err("a vector result that does not match its type");
            }
            let lvs: Vec<Lv> = s
                .into_iter()
                .zip(kinds)
                .map(|(x, k)| {
                    let t = self.b.func.dfg.value_type(x);
                    if !t.is_vector() {
                        Lv::U(x)
                    } else if k == Scalar::Bool {
                        Lv::M(x)
                    } else {
                        Lv::V(x)
                    }
                })
                .collect();
            let lvs = self.settle(id, lvs);
            let v = self.mk(lvs);
            self.set(id, v);
        }
        Ok(())
    }

    /// Scalars the analysis proves uniform, computed as vectors from uniform operands (every
    /// lane equal), become scalars again.
    fn settle(&mut self, id: u32, lvs: Vec<Lv>) -> Vec<Lv> {
        let f = self.fs_ref().u.varying.get(&id).cloned();
        let Some(f) = f.filter(|f| f.len() == lvs.len()) else {
            return lvs;
        };
        lvs.into_iter()
            .zip(f)
            .map(|(x, v)| match x {
                Lv::V(_) | Lv::M(_) if !v => Lv::U(self.lane(x, 0)),
                other => other,
            })
            .collect()
    }

    /// The operand `id` as vectors (uniform scalars splatted).
    fn vectors(&mut self, id: u32) -> Result<Vec<Value>, ShaderError> {
        let v = self.get(id)?;
        let lvs = self
            .lvs(&v)
            .ok_or_else(|| ShaderError::new("SoA backend: a non-value operand"))?;
        lvs.into_iter()
            .map(|x| match x {
                Lv::U(u) => Ok(self.splat(u)),
                Lv::V(v) | Lv::M(v) => Ok(v),
                Lv::L(_) => soa_err("a per-lane operand in vector code"),
            })
            .collect()
    }

    /// Vector forms of instructions whose scalar lowering does not carry over to vectors.
    fn vector_custom(&mut self, i: &Inst) -> Result<Option<Val>, ShaderError> {
        use Op::*;
        let kinds = self.kinds(i.ty)?;
        let mk = |xs: Vec<Value>| -> Vec<Lv> {
            xs.into_iter()
                .zip(&kinds)
                .map(|(x, k)| {
                    if *k == Scalar::Bool {
                        Lv::M(x)
                    } else {
                        Lv::V(x)
                    }
                })
                .collect()
        };
        let f32x4 = types::F32X4;
        let i32x4 = types::I32X4;
        let id = i.id;
        let v = match i.op {
            LogicalNot => {
                let a = self.vectors(i.w(0))?;
                a.into_iter().map(|x| self.b.ins().bnot(x)).collect()
            }
            Select => {
                let c = self.vectors(i.w(0))?;
                let a = self.vectors(i.w(1))?;
                let b = self.vectors(i.w(2))?;
                if a.len() != b.len() || (c.len() != 1 && c.len() != a.len()) {
                    return err("OpSelect of values of different sizes");
                }
                (0..a.len())
                    .map(|k| {
                        let ck = if c.len() == 1 { c[0] } else { c[k] };
                        self.blend(ck, a[k], b[k])
                    })
                    .collect()
            }
            ConvertSToF | ConvertUToF => {
                let a = self.vectors(i.w(0))?;
                a.into_iter()
                    .map(|x| {
                        if i.op == ConvertSToF {
                            self.b.ins().fcvt_from_sint(f32x4, x)
                        } else {
                            self.b.ins().fcvt_from_uint(f32x4, x)
                        }
                    })
                    .collect()
            }
            ConvertFToS | ConvertFToU => {
                let a = self.vectors(i.w(0))?;
                a.into_iter()
                    .map(|x| {
                        if i.op == ConvertFToS {
                            self.b.ins().fcvt_to_sint_sat(i32x4, x)
                        } else {
                            self.b.ins().fcvt_to_uint_sat(i32x4, x)
                        }
                    })
                    .collect()
            }
            Bitcast => {
                let a = self.vectors(i.w(0))?;
                if a.len() != kinds.len() {
                    return Ok(None);
                }
                a.into_iter()
                    .zip(&kinds)
                    .map(|(x, k)| {
                        let t = if *k == Scalar::F32 { f32x4 } else { i32x4 };
                        if self.b.func.dfg.value_type(x) == t {
                            x
                        } else {
                            self.b.ins().bitcast(t, MemFlagsData::new(), x)
                        }
                    })
                    .collect()
            }
            ShiftLeftLogical | ShiftRightLogical | ShiftRightArithmetic => {
                // Vector shifts take one amount for every lane.
                let amt = self.get(i.w(1))?;
                let Val::S(amt) = amt else { return Ok(None) };
                let a = self.vectors(i.w(0))?;
                if amt.len() != 1 && amt.iter().any(|x| *x != amt[0]) {
                    return Ok(None);
                }
                let s = amt[0];
                a.into_iter()
                    .map(|x| match i.op {
                        ShiftLeftLogical => self.b.ins().ishl(x, s),
                        ShiftRightLogical => self.b.ins().ushr(x, s),
                        _ => self.b.ins().sshr(x, s),
                    })
                    .collect()
            }
            _ => return Ok(None),
        };
        let lvs = mk(v);
        let lvs = self.settle(id, lvs);
        Ok(Some(self.mk(lvs)))
    }

    /// GLSL.std.450 instructions that are single lane-wise cranelift instructions.
    fn vector_glsl(&mut self, i: &Inst) -> Result<Option<Val>, ShaderError> {
        let Some(op) = G::from_u32(i.w(1)) else {
            return Ok(None);
        };
        if !matches!(
            op,
            G::FAbs | G::Sqrt | G::Floor | G::Ceil | G::Trunc | G::FMin | G::FMax | G::Fma
        ) || self.p.scalar_of(i.ty).ok() != Some(Scalar::F32)
        {
            return Ok(None);
        }
        let args: Vec<Vec<Value>> = (2..i.len())
            .map(|k| self.vectors(i.w(k)))
            .collect::<Result<_, _>>()?;
        let n = args[0].len();
        if args.iter().any(|a| a.len() != n) {
            return Ok(None);
        }
        let xs: Vec<Value> = (0..n)
            .map(|k| {
                let a = args[0][k];
                match op {
                    G::FAbs => self.b.ins().fabs(a),
                    G::Sqrt => self.b.ins().sqrt(a),
                    G::Floor => self.b.ins().floor(a),
                    G::Ceil => self.b.ins().ceil(a),
                    G::Trunc => self.b.ins().trunc(a),
                    G::FMin => self.b.ins().fmin(a, args[1][k]),
                    G::FMax => self.b.ins().fmax(a, args[1][k]),
                    _ => self.b.ins().fma(a, args[1][k], args[2][k]),
                }
            })
            .collect();
        let lvs = self.settle(i.id, xs.into_iter().map(Lv::V).collect());
        Ok(Some(self.mk(lvs)))
    }

    // ----- memory -----

    fn variable(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let pointee = match self.p.ty(i.ty)? {
            Ty::Pointer { pointee, .. } => *pointee,
            _ => return err("OpVariable whose type is not a pointer"),
        };
        let init = (i.len() > 1).then(|| i.w(1));
        let flags = self.fs_ref().u.vars.get(&i.id).cloned();
        if let Some(f) = flags {
            let kinds = self.kinds(pointee)?;
            let slots: Vec<Slot> = kinds
                .iter()
                .zip(&f)
                .map(|(k, v)| self.slot_for(*k, *v))
                .collect();
            let vals: Vec<Lv> = match init {
                Some(x) => {
                    let v = self.get(x)?;
                    self.lvs(&v)
                        .ok_or_else(|| ShaderError::new("a variable initializer without value"))?
                }
                None => self.zeros(pointee)?.into_iter().map(Lv::U).collect(),
            };
            if vals.len() != slots.len() {
                return err("a variable initializer that does not match its type");
            }
            for ((s, x), k) in slots.iter().zip(vals).zip(&kinds) {
                self.write_slot(*s, x, *k, None, None)?;
            }
            self.fs().prom.insert(i.id, slots);
            self.set(
                i.id,
                Val::Prom {
                    var: i.id,
                    start: 0,
                    ty: pointee,
                },
            );
            return Ok(());
        }
        // One copy per lane.
        let mut lanes = Vec::new();
        for _ in 0..LANES {
            lanes.push(self.local_var(pointee, None)?);
        }
        if let Some(x) = init {
            let v = self.get(x)?;
            for (l, p) in lanes.iter().enumerate() {
                let Val::S(s) = self.lane_of(v.clone(), l)? else {
                    return err("a variable initializer without value");
                };
                let Val::P(p) = p else { unreachable!() };
                self.store(p, &s)?;
            }
        }
        self.set(i.id, Val::Lanes(lanes));
        Ok(())
    }

    fn load_soa(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let p = self.get(i.w(0))?;
        let volatile = i.len() > 1 && i.w(1) & spirv::MemoryAccess::VOLATILE.bits() != 0;
        if volatile && !Self::is_uniform(&p) {
            return self.per_lane(i);
        }
        match p.clone() {
            Val::Prom { var, start, ty } => {
                let n = self.p.flat_len(ty)?;
                let slots = self.fs_ref().prom[&var].clone();
                let Some(slots) = slots.get(start..start + n) else {
                    return err("a load outside its variable");
                };
                let lvs: Vec<Lv> = slots.iter().map(|s| self.read_slot(*s)).collect();
                let v = self.mk(lvs);
                self.set(i.id, v);
                Ok(())
            }
            Val::Builtin { bi, comp, ty } => {
                let n = self.p.flat_len(ty)?;
                let f = self
                    .fs_ref()
                    .u
                    .varying
                    .get(&i.id)
                    .cloned()
                    .unwrap_or(vec![true; n]);
                if let Some(lvs) = self.subgroup_builtin(bi, comp, n)? {
                    let v = self.mk(lvs);
                    self.set(i.id, v);
                    return Ok(());
                }
                let (row, off) = builtin_row(bi)?;
                let mut lvs = Vec::new();
                for k in 0..n {
                    let c = comp + k;
                    lvs.push(if f.get(k).copied().unwrap_or(true) {
                        let Some(row) = row else {
                            return soa_err("a uniform built-in loaded as varying");
                        };
                        let at = CTX_LANES + ((row + c) * 16) as i32;
                        Lv::V(self.b.ins().load(types::I32X4, flags(), self.ctx, at))
                    } else {
                        let at = (off + 4 * c as u32) as i32;
                        Lv::U(self.b.ins().load(types::I32, flags(), self.ctx, at))
                    });
                }
                let v = self.mk(lvs);
                self.set(i.id, v);
                Ok(())
            }
            Val::Io { rows, start, ty } => {
                let n = self.p.flat_len(ty)?;
                let Some(rows) = rows.get(start..start + n) else {
                    return err("a load outside its interface variable");
                };
                self.load_io(i.id, rows, ty)
            }
            Val::Seq {
                base,
                len,
                off,
                idx,
                stride,
                ty,
            } => {
                let k = self.p.scalar_of(ty)?;
                let (fast, o0) = self.seq_fast(len, off, idx, stride);
                let v = self.vector_load(base, o0, fast, k, |l, lane| {
                    let Val::P(p) = l.lane_of(p.clone(), lane)? else {
                        unreachable!()
                    };
                    let m = Self::mem_of(&p)?;
                    Ok(l.load_scalar(m, 0, k))
                })?;
                self.set(i.id, Val::W(vec![v]));
                Ok(())
            }
            Val::Lanes(ptrs) => {
                if let Some((base, len, offs, k)) = self.consecutive(&ptrs)? {
                    let fast = self.consecutive_in_range(len, offs);
                    let v = self.vector_load(base, offs[0], fast, k, |l, lane| {
                        Ok(l.load_scalar((base, len, offs[lane]), 0, k))
                    })?;
                    self.set(i.id, Val::W(vec![v]));
                    return Ok(());
                }
                self.per_lane(i)
            }
            _ => self.uniform(i),
        }
    }

    /// Per-lane pointers to a 32-bit number in one buffer: (base, length, offsets, kind).
    #[allow(clippy::type_complexity)]
    fn consecutive(
        &self,
        ptrs: &[Val],
    ) -> Result<Option<(Value, Value, [Value; LANES], Scalar)>, ShaderError> {
        let mut offs = Vec::new();
        let mut first: Option<(Value, Value, u32)> = None;
        for p in ptrs {
            let Val::P(Ptr {
                kind: PtrKind::Mem { base, len, off },
                ty,
                ..
            }) = p
            else {
                return Ok(None);
            };
            match first {
                None => first = Some((*base, *len, *ty)),
                Some((b, l, t)) if b == *base && l == *len && t == *ty => {}
                _ => return Ok(None),
            }
            offs.push(*off);
        }
        let Some((base, len, ty)) = first else {
            return Ok(None);
        };
        let k = match self.p.ty(ty)? {
            Ty::Int { .. } | Ty::Float { .. } => self.p.scalar_of(ty)?,
            _ => return Ok(None),
        };
        if !matches!(k, Scalar::I32 | Scalar::U32 | Scalar::F32) || offs.len() != LANES {
            return Ok(None);
        }
        Ok(Some((base, len, [offs[0], offs[1], offs[2], offs[3]], k)))
    }

    /// Whether the lanes' offsets are consecutive 4-byte elements all inside the buffer.
    fn consecutive_in_range(&mut self, len: Value, offs: [Value; LANES]) -> Value {
        let mut ok = None;
        for l in 1..LANES {
            let d = self.b.ins().isub(offs[l], offs[l - 1]);
            let c = self.b.ins().icmp_imm_s(IntCC::Equal, d, 4);
            ok = Some(match ok {
                None => c,
                Some(o) => self.b.ins().band(o, c),
            });
        }
        let lim = self.b.ins().iadd_imm_s(len, -(4 * LANES as i64));
        let in_lim = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, offs[0], lim);
        let lim_ok = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, lim, 0);
        let r = self.b.ins().band(in_lim, lim_ok);
        self.b.ins().band(ok.expect("lanes"), r)
    }

    /// One vector load at `base + o0` when `fast` (the lanes read consecutive numbers of kind
    /// `k` inside the buffer), else `lane_scalar(lane)`: one bounds-checked load per lane.
    fn vector_load(
        &mut self,
        base: Value,
        o0: Value,
        fast: Value,
        k: Scalar,
        mut lane_scalar: impl FnMut(&mut Self, usize) -> Result<Value, ShaderError>,
    ) -> Result<Lv, ShaderError> {
        let vt = vec_type(cl_type(k)).expect("32-bit");
        let (fb, sb, join) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        let r = self.b.append_block_param(join, vt);
        self.b.ins().brif(fast, fb, &[], sb, &[]);
        self.b.switch_to_block(fb);
        let a = self.b.ins().iadd(base, o0);
        let v = self.b.ins().load(vt, flags(), a, 0);
        self.b.ins().jump(join, &[BlockArg::Value(v)]);
        self.b.switch_to_block(sb);
        let mut xs = Vec::with_capacity(LANES);
        for lane in 0..LANES {
            xs.push(lane_scalar(self, lane)?);
        }
        let mut v = self.b.ins().scalar_to_vector(vt, xs[0]);
        for (l, x) in xs.iter().enumerate().skip(1) {
            v = self.b.ins().insertlane(v, *x, l as u8);
        }
        self.b.ins().jump(join, &[BlockArg::Value(v)]);
        self.b.switch_to_block(join);
        Ok(Lv::V(r))
    }

    /// OpStore `i` of numbers of kind `k`: one vector store at `base + o0` when every lane is
    /// active and `fast` (the lanes write consecutive numbers inside the buffer), else the
    /// store lane by lane.
    fn vector_store(
        &mut self,
        i: &Inst,
        base: Value,
        o0: Value,
        fast: Value,
        k: Scalar,
    ) -> Result<(), ShaderError> {
        let v = self.get(i.w(1))?;
        let Some(&x) = self.lvs(&v).as_ref().and_then(|l| l.first()) else {
            return self.per_lane_masked(i);
        };
        let (Lv::V(x) | Lv::M(x)) = self.varying_form(x, k) else {
            return self.per_lane_masked(i);
        };
        if Some(self.b.func.dfg.value_type(x)) != vec_type(cl_type(k)) {
            return self.per_lane_masked(i);
        }
        let bits = self.exec_bits();
        let all = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, bits, (1 << LANES) - 1);
        let fast = self.b.ins().band(fast, all);
        let (fb, sb, join) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.ins().brif(fast, fb, &[], sb, &[]);
        self.b.switch_to_block(fb);
        let a = self.b.ins().iadd(base, o0);
        self.b.ins().store(flags(), x, a, 0);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(sb);
        self.per_lane_masked(i)?;
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
        Ok(())
    }

    fn store_soa(&mut self, i: &Inst) -> Result<(), ShaderError> {
        if !self.p.own_memory(i.w(0)) && self.p.model == spirv::ExecutionModel::Fragment {
            // Memory other invocations see: helper invocations leave it alone.
            let p = self.get(i.w(0))?;
            if matches!(p, Val::P(_)) && self.all_uniform(i) {
                return self.uniform_effect(i);
            }
            return self.with_effect_mask(|s| s.store_lanes(i));
        }
        self.store_lanes(i)
    }

    /// Runs `f` with the execution mask narrowed to the lanes whose side effects count
    /// (fragment shaders: not helper invocations, [`Self::effect_lanes`]), then restores it.
    fn with_effect_mask(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), ShaderError>,
    ) -> Result<(), ShaderError> {
        let Some(live) = self.effect_lanes() else {
            return f(self);
        };
        let exec = self.soa().exec;
        let m = self.b.ins().band(exec, live);
        self.set_exec(m);
        let r = f(self);
        self.set_exec(exec);
        r
    }

    /// The once-for-all-lanes form of side effect `i` (its operands uniform), run only where
    /// some lane's side effects count (in fragment shaders, not when only helpers are here).
    fn uniform_effect(&mut self, i: &Inst) -> Result<(), ShaderError> {
        if self.p.model != spirv::ExecutionModel::Fragment {
            return self.uniform(i);
        }
        self.with_effect_mask(|s| {
            let bits = s.exec_bits();
            let (run, join) = (s.b.create_block(), s.b.create_block());
            s.b.ins().brif(bits, run, &[], join, &[]);
            s.b.switch_to_block(run);
            s.uniform(i)?;
            s.b.ins().jump(join, &[]);
            s.b.switch_to_block(join);
            Ok(())
        })
    }

    /// OpStore `i` for the lanes of the execution mask.
    fn store_lanes(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let p = self.get(i.w(0))?;
        let volatile = i.len() > 2 && i.w(2) & spirv::MemoryAccess::VOLATILE.bits() != 0;
        if volatile && !Self::is_uniform(&p) {
            return self.per_lane_masked(i);
        }
        match p {
            Val::Prom { var, start, ty } => {
                let v = self.get(i.w(1))?;
                let lvs = self
                    .lvs(&v)
                    .ok_or_else(|| ShaderError::new("a store of a non-value"))?;
                let kinds = self.kinds(ty)?;
                let slots = self.fs_ref().prom[&var].clone();
                let Some(slots) = slots.get(start..start + kinds.len()) else {
                    return err("a store outside its variable");
                };
                if lvs.len() != kinds.len() {
                    return err("store of a value whose type does not match the pointer");
                }
                // Outside divergent control every live lane is active: no blend needed.
                let m = {
                    let fs = self.fs_ref();
                    fs.u.div_ctl[fs.cur]
                };
                let m = m.then_some(self.soa().exec);
                for ((s, x), k) in slots.iter().zip(lvs).zip(kinds) {
                    self.write_slot(*s, x, k, m, None)?;
                }
                Ok(())
            }
            Val::Builtin { .. } => soa_err("a store to a built-in"),
            Val::Io { rows, start, ty } => {
                let n = self.p.flat_len(ty)?;
                let Some(rows) = rows.get(start..start + n) else {
                    return err("a store outside its interface variable");
                };
                self.store_io(i.w(1), rows, ty)
            }
            Val::P(_) if self.all_uniform(i) => self.uniform(i),
            Val::Seq {
                base,
                len,
                off,
                idx,
                stride,
                ty,
            } => {
                let k = self.p.scalar_of(ty)?;
                let (fast, o0) = self.seq_fast(len, off, idx, stride);
                self.vector_store(i, base, o0, fast, k)
            }
            Val::Lanes(ptrs) => {
                let Some((base, len, offs, k)) = self.consecutive(&ptrs)? else {
                    return self.per_lane_masked(i);
                };
                let fast = self.consecutive_in_range(len, offs);
                self.vector_store(i, base, offs[0], fast, k)
            }
            _ => self.per_lane_masked(i),
        }
    }

    fn access_chain_soa(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let base = self.get(i.w(0))?;
        let consts: Option<Vec<u32>> = (1..i.len())
            .map(|k| {
                self.p
                    .consts
                    .get(&i.w(k))
                    .and_then(|c| c.first())
                    .map(|c| *c as u32)
            })
            .collect();
        match base {
            Val::Prom { var, start, ty } => {
                let Some(c) = consts else {
                    return soa_err("a register variable indexed dynamically");
                };
                let (off, t) = self.chain_offset(ty, c)?;
                self.set(
                    i.id,
                    Val::Prom {
                        var,
                        start: start + off,
                        ty: t,
                    },
                );
                Ok(())
            }
            Val::Io { rows, start, ty } => {
                let Some(c) = consts else {
                    return soa_err("an interface variable indexed dynamically");
                };
                let (off, t) = self.chain_offset(ty, c)?;
                self.set(
                    i.id,
                    Val::Io {
                        rows,
                        start: start + off,
                        ty: t,
                    },
                );
                Ok(())
            }
            Val::Builtin { bi, comp, ty } => {
                let Some(c) = consts.filter(|c| c.len() == 1) else {
                    return soa_err("a built-in indexed dynamically");
                };
                let (o, t) = self.p.flat_index(ty, c[0])?;
                self.set(
                    i.id,
                    Val::Builtin {
                        bi,
                        comp: comp + o,
                        ty: t,
                    },
                );
                Ok(())
            }
            _ => {
                if self.all_uniform(i) {
                    return self.uniform(i);
                }
                if let Some(v) = self.seq_chain(i)? {
                    self.set(i.id, v);
                    return Ok(());
                }
                self.per_lane(i)
            }
        }
    }

    /// The flattened offset and type that constant indices `c` select inside type `ty`.
    fn chain_offset(&self, ty: u32, c: Vec<u32>) -> Result<(usize, u32), ShaderError> {
        let (mut off, mut t) = (0usize, ty);
        for x in c {
            let (o, nt) = self.p.flat_index(t, x)?;
            off += o;
            t = nt;
        }
        Ok((off, t))
    }

    /// An access chain whose only varying index is the last, a 32-bit vector, selecting
    /// 32-bit numbers of an array in a buffer the lanes share: a [`Val::Seq`].
    fn seq_chain(&mut self, i: &Inst) -> Result<Option<Val>, ShaderError> {
        let n = i.len();
        if n < 2 {
            return Ok(None);
        }
        let Val::P(base) = self.get(i.w(0))? else {
            return Ok(None);
        };
        let last = self.get(i.w(n - 1))?;
        let Val::W(w) = &last else { return Ok(None) };
        let [Lv::V(idx)] = w.as_slice() else {
            return Ok(None);
        };
        if self.b.func.dfg.value_type(*idx) != types::I32X4 {
            return Ok(None);
        }
        let idx = *idx;
        for k in 1..n - 1 {
            if !self.operand(i.w(k)).is_some_and(|v| Self::is_uniform(&v)) {
                return Ok(None);
            }
        }
        let old = std::mem::replace(&mut self.soa().view, View::Uniform);
        let prefix = self.access_chain_range(base, i, 1, n - 1);
        self.soa().view = old;
        let Val::P(p) = prefix? else { return Ok(None) };
        let PtrKind::Mem { base, len, off } = p.kind else {
            return Ok(None);
        };
        let elem = match self.p.ty(p.ty)? {
            Ty::Array { elem, .. } | Ty::RuntimeArray { elem } => *elem,
            _ => return Ok(None),
        };
        if !matches!(
            self.p.ty(elem)?,
            Ty::Int { width: 32, .. } | Ty::Float { width: 32 }
        ) {
            return Ok(None);
        }
        let stride = self.p.array_stride_l(p.ty, elem, p.mstride, p.row_major)? as i64;
        Ok(Some(Val::Seq {
            base,
            len,
            off,
            idx,
            stride,
            ty: elem,
        }))
    }

    /// Whether the lanes of a [`Val::Seq`] address consecutive numbers inside the buffer, and
    /// the byte offset of lane 0.
    fn seq_fast(&mut self, len: Value, off: Value, idx: Value, stride: i64) -> (Value, Value) {
        let i0 = self.b.ins().extractlane(idx, 0);
        let first = self.b.ins().splat(types::I32X4, i0);
        let iota = self.b.func.dfg.constants.insert(
            [0u32, 1, 2, 3]
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect::<Vec<u8>>()
                .into(),
        );
        let iota = self.b.ins().vconst(types::I32X4, iota);
        let want = self.b.ins().iadd(first, iota);
        let eq = self.b.ins().icmp(IntCC::Equal, idx, want);
        let all = self.b.ins().vall_true(eq);
        // Lane 0's index plus 3 does not wrap.
        let no_wrap =
            self.b
                .ins()
                .icmp_imm_s(IntCC::SignedLessThanOrEqual, i0, i32::MAX as i64 - 3);
        let x = self.b.ins().sextend(PTR, i0);
        let x = self.b.ins().imul_imm_s(x, stride);
        let o0 = self.b.ins().iadd(off, x);
        let lim = self.b.ins().iadd_imm_s(len, -(4 * LANES as i64));
        let in_lim = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, o0, lim);
        let lim_ok = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, lim, 0);
        let mut ok = self.b.ins().band(in_lim, lim_ok);
        ok = self.b.ins().band(ok, no_wrap);
        let all = self.b.ins().icmp_imm_s(IntCC::NotEqual, all, 0);
        ok = self.b.ins().band(ok, all);
        if stride != 4 {
            ok = self.iconst(types::I8, 0);
        }
        (ok, o0)
    }
}

impl<'a> Lower<'a, '_> {
    /// Switches this lowering to the SoA backend (before the globals are set up).
    pub(super) fn start_soa(&mut self, split: bool) {
        let mut globals = HashMap::new();
        for g in &self.p.globals {
            let pu = match g.sc {
                StorageClass::Input => {
                    let bi = self.p.deco(g.id, Decoration::BuiltIn);
                    let bi = bi.and_then(|b| b.first().copied()).unwrap_or(u32::MAX);
                    match builtin_flags(bi, self.p.local_size) {
                        Some(f) => PtrU::Builtin(f),
                        None => PtrU::Varying,
                    }
                }
                StorageClass::Private | StorageClass::Function | StorageClass::Output => {
                    PtrU::Varying
                }
                _ => PtrU::Uniform,
            };
            globals.insert(g.id, pu);
        }
        let exec = entry_mask(self);
        let mut analyzer = Analyzer::new(self.p, globals);
        // After a barrier the code resumes in a later call: nothing defined before it is in
        // a register, so values of a function's first block go through variables too.
        analyzer.first_block_dominates = !split;
        self.soa = Some(Box::new(Soa {
            analyzer,
            vars: Vec::new(),
            split,
            resumes: Vec::new(),
            latch: None,
            spill_bytes: 0,
            view: View::Whole,
            staged: Vec::new(),
            exec,
            bits: None,
            funcs: Vec::new(),
            error: None,
            implicit_bias: None,
        }));
    }
}

impl Lower<'_, '_> {
    fn workgroup_barrier(&self, i: &Inst) -> bool {
        let exec = self.p.consts.get(&i.w(0)).and_then(|c| c.first().copied());
        exec == Some(spirv::Scope::Workgroup as u64)
    }

    /// Split mode, at the function's start: a call with `ctx.resume` k > 0 continues after
    /// barrier k. Returns the dispatch block (filled by [`Lower::finish_phases`]) and k.
    pub(super) fn resume_dispatch(&mut self) -> (Block, Value) {
        let point = self.b.ins().load(types::I32, flags(), self.ctx, CTX_RESUME);
        let (dispatch, start) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(point, dispatch, &[], start, &[]);
        self.b.switch_to_block(start);
        (dispatch, point)
    }

    /// Split mode, after the entry point: the end (`resume` 0: done) and the dispatch to the
    /// resume blocks.
    pub(super) fn finish_phases(&mut self, dispatch: Block, point: Value) {
        self.phase_end();
        self.b.switch_to_block(dispatch);
        let resumes = self.soa().resumes.clone();
        for (k, r) in resumes.into_iter().enumerate() {
            let next = self.b.create_block();
            let c = self.b.ins().icmp_imm_s(IntCC::Equal, point, k as i64 + 1);
            self.b.ins().brif(c, r, &[], next, &[]);
            self.b.switch_to_block(next);
        }
        // Not a resume point this shader has: done.
        self.phase_end();
    }

    /// The subgroup has run to the end: `resume` 0 and return, or its state set to done in
    /// the phase loop.
    fn phase_end(&mut self) {
        if let Some(latch) = self.soa().latch {
            let done = self.iconst(types::I32, PHASE_DONE as i64);
            self.b.ins().jump(latch, &[BlockArg::Value(done)]);
            return;
        }
        let z = self.iconst(types::I32, 0);
        self.b.ins().store(flags(), z, self.ctx, CTX_RESUME);
        self.b.ins().return_(&[]);
    }

    /// OpControlBarrier with Workgroup execution scope in split mode (`fence`: its memory scope is
    /// wider than Workgroup, see the memory model in lower.rs): the subgroup's state
    /// (every variable, the values of the current blocks of every inlined function, the
    /// execution mask) goes to `ctx.spill`, the call returns with `resume` = this barrier, and
    /// the next phase's call continues in a block that loads the state back.
    fn barrier_split(&mut self, fence: bool) -> Result<(), ShaderError> {
        let div = {
            let fs = self.fs_ref();
            fs.u.div_ctl[fs.cur]
        };
        if div {
            // The spec requires barriers in uniform control flow; a shader that breaks the
            // rule runs with coroutines, where it cannot hang.
            return soa_err("a workgroup barrier under divergent control");
        }
        if fence {
            self.b.ins().fence();
        }
        // What to save: (variable or frame value, type).
        let vars = self.soa().vars.clone();
        let mut frame_vals: Vec<(usize, u32, Val)> = Vec::new();
        for (fi, f) in self.frames.iter().enumerate() {
            let mut seen = HashSet::new();
            for id in &f.live {
                if seen.insert(*id)
                    && let Some(v) = f.vals.get(id)
                {
                    frame_vals.push((fi, *id, v.clone()));
                }
            }
        }
        let spill = self.b.ins().load(PTR, flags(), self.ctx, CTX_SPILL);
        let mut off: i32 = 0;
        let mut slots: Vec<(Type, i32)> = Vec::new();
        let mut save = |l: &mut Self, x: Value| {
            let t = l.b.func.dfg.value_type(x);
            let size = t.bytes().max(1) as i32;
            off = (off + size - 1) / size * size;
            l.b.ins().store(flags(), x, spill, off);
            slots.push((t, off));
            off += size;
        };
        for (v, _) in &vars {
            let x = self.b.use_var(*v);
            save(self, x);
        }
        let mut frame_values = Vec::new();
        for (_, _, v) in &frame_vals {
            let mut xs = Vec::new();
            Self::values_of(v, None, &mut xs);
            for (x, ..) in &xs {
                save(self, *x);
            }
            frame_values.push(xs.len());
        }
        let exec = self.soa().exec;
        save(self, exec);
        let total = off.max(0) as u32;
        let k = {
            let s = self.soa();
            s.spill_bytes = s.spill_bytes.max(total);
            s.resumes.len() as i64 + 1
        };
        let kv = self.iconst(types::I32, k);
        match self.soa().latch {
            Some(latch) => {
                self.b.ins().jump(latch, &[BlockArg::Value(kv)]);
            }
            None => {
                self.b.ins().store(flags(), kv, self.ctx, CTX_RESUME);
                self.b.ins().return_(&[]);
            }
        }
        // The next phase continues here.
        let resume = self.b.create_block();
        self.soa().resumes.push(resume);
        self.b.switch_to_block(resume);
        let spill = self.b.ins().load(PTR, flags(), self.ctx, CTX_SPILL);
        let mut loaded = slots
            .into_iter()
            .map(|(t, o)| self.b.ins().load(t, flags(), spill, o))
            .collect::<Vec<_>>()
            .into_iter();
        for (v, _) in &vars {
            let x = loaded.next().expect("a value per variable");
            self.b.def_var(*v, x);
        }
        for ((fi, id, v), n) in frame_vals.into_iter().zip(frame_values) {
            let xs: Vec<Value> = loaded.by_ref().take(n).collect();
            let nv = Self::rebuild(&v, &mut xs.into_iter());
            self.frames[fi].vals.insert(id, nv);
        }
        let e = loaded.next().expect("the execution mask");
        self.set_exec(e);
        if fence {
            self.b.ins().fence();
        }
        Ok(())
    }
}

impl Lower<'_, '_> {
    /// The subgroup loop: the entry point runs once per subgroup of the workgroup inside one
    /// call. Each iteration copies the subgroup's lane rows from the kernel's table into
    /// `ctx.lanes` (global ids offset by the workgroup's base) and lane 0's ids into
    /// `ctx.builtins`, so the built-in loads are those of a call per subgroup.
    ///
    /// In split mode (barriers as phases) this is the phase loop: one call runs every
    /// unfinished subgroup to its next barrier; an iteration skips a subgroup whose state in
    /// `ctx.states` is [`PHASE_DONE`], points `ctx.spill` / `ctx.locals` at its area, resumes
    /// it at its state, and a barrier or the end jumps to the latch with the new state.
    pub(super) fn subgroup_loop(&mut self, used: &HashSet<u32>) -> Result<(), ShaderError> {
        // The lane rows the shader reads (global ids, local ids, local index); the mask row is
        // always the execution mask.
        let mut need = [false; 8];
        need[ROW_MASK] = true;
        for g in &self.p.globals {
            if g.sc != StorageClass::Input || !used.contains(&g.id) {
                continue;
            }
            let bi = self
                .p
                .deco(g.id, Decoration::BuiltIn)
                .and_then(|b| b.first().copied());
            match bi.and_then(BuiltIn::from_u32) {
                Some(BuiltIn::GlobalInvocationId) => need[ROW_GLOBAL..ROW_GLOBAL + 3].fill(true),
                Some(BuiltIn::LocalInvocationId) => need[ROW_LOCAL..ROW_LOCAL + 3].fill(true),
                Some(BuiltIn::LocalInvocationIndex) => need[ROW_INDEX] = true,
                _ => {}
            }
        }
        let count = self
            .p
            .local_size
            .iter()
            .map(|&n| n as u64)
            .product::<u64>()
            .div_ceil(LANES as u64) as i64;
        let mut bases = Vec::new();
        for k in 0..3 {
            let wg = self.b.ins().load(
                types::I32,
                flags(),
                self.ctx,
                CTX_BUILTINS + (B_WORKGROUP_ID + 4 * k) as i32,
            );
            let base = self
                .b
                .ins()
                .imul_imm_s(wg, self.p.local_size[k as usize] as i64);
            bases.push(self.b.ins().splat(types::I32X4, base));
        }
        let table = self.b.ins().load(PTR, flags(), self.ctx, CTX_TABLE);
        let (head, exit) = (self.b.create_block(), self.b.create_block());
        let s = self.b.append_block_param(head, types::I32);
        let zero = self.iconst(types::I32, 0);
        self.b.ins().jump(head, &[BlockArg::Value(zero)]);
        self.b.switch_to_block(head);
        let s64 = self.b.ins().uextend(PTR, s);
        let split = self.soa().split;
        let phase = if split {
            let latch = self.b.create_block();
            let st = self.b.append_block_param(latch, types::I32);
            let states = self.b.ins().load(PTR, flags(), self.ctx, CTX_STATES);
            let at = self.b.ins().imul_imm_s(s64, 4);
            let at = self.b.ins().iadd(states, at);
            let state = self.b.ins().load(types::I32, flags(), at, 0);
            let done = self
                .b
                .ins()
                .icmp_imm_s(IntCC::Equal, state, PHASE_DONE as i64);
            let body = self.b.create_block();
            self.b
                .ins()
                .brif(done, latch, &[BlockArg::Value(state)], body, &[]);
            self.b.switch_to_block(body);
            let area = self.b.ins().load(PTR, flags(), self.ctx, CTX_AREA);
            let stride = self.b.ins().load(PTR, flags(), self.ctx, CTX_STRIDE);
            let lo = self.b.ins().load(PTR, flags(), self.ctx, CTX_LOCALS_OFF);
            let o = self.b.ins().imul(s64, stride);
            let spill = self.b.ins().iadd(area, o);
            let locals = self.b.ins().iadd(spill, lo);
            self.b.ins().store(flags(), spill, self.ctx, CTX_SPILL);
            self.b.ins().store(flags(), locals, self.ctx, CTX_LOCALS);
            self.b.ins().store(flags(), state, self.ctx, CTX_RESUME);
            self.soa().latch = Some(latch);
            Some((latch, st, at))
        } else {
            None
        };
        let off = self.b.ins().imul_imm_s(s64, 128);
        let src = self.b.ins().iadd(table, off);
        let mut rows = Vec::new();
        for (r, &needed) in need.iter().enumerate() {
            if !needed {
                rows.push(None);
                continue;
            }
            let mut v = self
                .b
                .ins()
                .load(types::I32X4, flags(), src, (r * 16) as i32);
            if let Some(base) = bases.get(r) {
                v = self.b.ins().iadd(v, *base);
            }
            self.b
                .ins()
                .store(flags(), v, self.ctx, CTX_LANES + (r * 16) as i32);
            rows.push(Some(v));
        }
        for (k, off) in [
            (0, B_GLOBAL_ID),
            (1, B_GLOBAL_ID + 4),
            (2, B_GLOBAL_ID + 8),
            (3, B_LOCAL_ID),
            (4, B_LOCAL_ID + 4),
            (5, B_LOCAL_ID + 8),
            (6, B_LOCAL_INDEX),
        ] {
            let Some(row) = rows[k] else { continue };
            let x = self.b.ins().extractlane(row, 0);
            self.b
                .ins()
                .store(flags(), x, self.ctx, CTX_BUILTINS + off as i32);
        }
        self.b
            .ins()
            .store(flags(), s, self.ctx, CTX_BUILTINS + B_SUBGROUP_ID as i32);
        self.set_exec(rows[ROW_MASK].expect("the mask row"));
        if let Some((latch, st, at)) = phase {
            let (dispatch, point) = self.resume_dispatch();
            self.function_soa(self.p.entry, Vec::new())?;
            self.finish_phases(dispatch, point);
            self.b.switch_to_block(latch);
            self.b.ins().store(flags(), st, at, 0);
        } else {
            self.function_soa(self.p.entry, Vec::new())?;
        }
        let next = self.b.ins().iadd_imm_s(s, 1);
        let more = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, next, count);
        self.b
            .ins()
            .brif(more, head, &[BlockArg::Value(next)], exit, &[]);
        self.b.switch_to_block(exit);
        self.b.ins().return_(&[]);
        Ok(())
    }
}

/// (first lane row, scalar offset) of a built-in.
fn builtin_row(bi: u32) -> Result<(Option<usize>, u32), ShaderError> {
    Ok(match BuiltIn::from_u32(bi) {
        Some(BuiltIn::GlobalInvocationId) => (Some(ROW_GLOBAL), B_GLOBAL_ID),
        Some(BuiltIn::LocalInvocationId) => (Some(ROW_LOCAL), B_LOCAL_ID),
        Some(BuiltIn::LocalInvocationIndex) => (Some(ROW_INDEX), B_LOCAL_INDEX),
        Some(BuiltIn::WorkgroupId) => (None, B_WORKGROUP_ID),
        Some(BuiltIn::NumWorkgroups) => (None, B_NUM_WORKGROUPS),
        Some(BuiltIn::WorkgroupSize) => (None, B_WORKGROUP_SIZE),
        // Graphics stages (lower/stage.rs): the driver fills these rows per call.
        Some(BuiltIn::VertexIndex) => (Some(ROW_VERTEX_INDEX), 0),
        Some(BuiltIn::InstanceIndex) => (Some(ROW_INSTANCE_INDEX), 0),
        _ => return soa_err(format!("built-in {bi}")),
    })
}

/// The initial execution mask of a subgroup (row [`ROW_MASK`] of the lanes).
pub(super) fn entry_mask(l: &mut Lower) -> Value {
    l.b.ins().load(
        types::I32X4,
        flags(),
        l.ctx,
        CTX_LANES + (ROW_MASK * 16) as i32,
    )
}

impl Program<'_> {
    /// Whether every scalar of `ty` is 32-bit or a boolean.
    pub(super) fn kinds_32(&self, ty: u32) -> bool {
        let mut k = Vec::new();
        self.flat(ty, &mut k).is_ok()
            && k.iter()
                .all(|k| matches!(k, Scalar::I32 | Scalar::U32 | Scalar::F32 | Scalar::Bool))
    }
}
