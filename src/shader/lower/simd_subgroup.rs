//! Subgroup operations and built-ins of the SoA backend: a subgroup is the [`LANES`] (4)
//! invocations of one JIT'd call, and only the lanes of the current execution mask (the
//! *active* lanes) take part.
//!
//! The model (what `shaders/compute/subgroup_*.test` check against a CPU reference):
//! - **Vote.** `All`/`Any` over the active lanes' predicates; `AllEqual` compares every active
//!   lane with the first active one (`==` for floats, so NaN is never equal, +0 equals -0).
//! - **Ballot.** `Ballot` is (active lanes whose predicate holds, 0, 0, 0). `InverseBallot`,
//!   `BallotBitExtract` read a lane's bit; `BallotBitCount`, `BallotFindLSB`/`MSB` consider
//!   only the low [`LANES`] bits of word 0 (the bits of the subgroup's invocations); a find
//!   with none of them set gives 0xFFFFFFFF (the spec leaves it undefined).
//! - **Broadcast, shuffle.** A lane reads lane `j mod 4` of the value, where `j` is the id
//!   (`Broadcast`, `Shuffle`, `QuadBroadcast`), the first active lane (`BroadcastFirst`),
//!   `l ^ mask`, `l - delta`, `l + delta` (relative shuffles) or `l ^ (direction + 1)`
//!   (`QuadSwap`; the subgroup is one quad). Reading an inactive lane, or an id outside the
//!   subgroup, is undefined in the spec; here it reads that lane's current value.
//! - **Arithmetic.** Reduce, inclusive and exclusive scans and clustered reduce replace the
//!   values of inactive lanes by the operation's identity (as the spec lists them, but -0.0
//!   for float add, which is exact for every value) and fold the lanes left in lane order:
//!   lane `l` of an inclusive scan is `((x0 op x1) op ...) op xl`, of an exclusive scan the
//!   inclusive value of lane `l - 1` (the identity for lane 0), a reduce is lane 3's inclusive
//!   value, a cluster of 2 gives `x0 op x1` and `x2 op x3`, clusters of 4 or more reduce the
//!   subgroup. Float min/max are NMin/NMax (of a NaN and a number, the number, as the spec
//!   asks); halves are rounded after each step like any other f16 arithmetic.
//! - **Uniformity.** Votes, ballots, broadcasts, reductions (and shuffles with a uniform id, or
//!   of a uniform value) give one scalar for every lane (uniformity.rs marks them uniform);
//!   scans, relative shuffles, quad swaps, clusters of 1 or 2, `Elect` and `InverseBallot`
//!   give one value per lane.
//!
//! Built-ins: SubgroupSize (4), NumSubgroups (ceil(invocations / 4)) and SubgroupId (the
//! first lane's local index / 4) are uniform, read from the context (runtime.rs);
//! SubgroupLocalInvocationId is the lane index; the Eq/Ge/Gt/Le/Lt masks are per lane in word
//! 0 (bits up to SubgroupSize - 1) and 0 in words 1..3.

use super::*;
use spirv::GroupOperation;

/// How a subgroup operation reads another lane.
enum Src {
    /// Lane `x` (operand x: one id for every lane, or one per lane).
    Id(u32),
    /// Lane `l ^ x`, `l - x`, `l + x` for lane `l` (operand x).
    Xor(u32),
    Up(u32),
    Down(u32),
    /// `l ^ c` with a constant.
    XorConst(i64),
    /// The first active lane.
    First,
}

impl Lower<'_, '_> {
    /// Translates a GroupNonUniform* instruction for the active lanes of the subgroup.
    pub(super) fn subgroup_soa(&mut self, i: &Inst) -> Result<(), ShaderError> {
        use Op::*;
        // VUID-StandaloneSpirv-None-04642: the scope of a non-uniform group operation is
        // Subgroup.
        let scope = self.p.consts.get(&i.w(0)).and_then(|c| c.first().copied());
        if scope != Some(spirv::Scope::Subgroup as u64) {
            return Err(ShaderError::malformed(format!(
                "Op{:?} with an execution scope other than Subgroup \
                 (VUID-StandaloneSpirv-None-04642)",
                i.op
            )));
        }
        let lvs: Vec<Lv> = match i.op {
            GroupNonUniformElect => {
                let first = self.first_lane();
                let ids = self.lane_ids();
                let f = self.splat(first);
                vec![Lv::M(self.b.ins().icmp(IntCC::Equal, ids, f))]
            }
            GroupNonUniformAll | GroupNonUniformAny => {
                let p = self.value_lvs(i.w(1))?;
                let r = match p[0] {
                    Lv::U(c) => c,
                    Lv::M(m) => {
                        let pb = self.bits_of(m);
                        let e = self.exec_bits();
                        let pb = self.b.ins().band(pb, e);
                        if i.op == GroupNonUniformAll {
                            self.b.ins().icmp(IntCC::Equal, pb, e)
                        } else {
                            self.b.ins().icmp_imm_s(IntCC::NotEqual, pb, 0)
                        }
                    }
                    _ => return err("a subgroup vote on a value that is not a boolean"),
                };
                vec![Lv::U(r)]
            }
            GroupNonUniformAllEqual => {
                let v = self.value_lvs(i.w(1))?;
                let kinds = self.kinds(self.p.value_types.get(&i.w(1)).copied().unwrap_or(0))?;
                let mut all = self.iconst(types::I8, 1);
                let first = self.first_lane();
                for (x, k) in v.into_iter().zip(kinds) {
                    if let Lv::U(_) = x {
                        continue;
                    }
                    let xs = self.lanes_of(x);
                    let f = self.read_lane(xs, first);
                    for (l, xl) in xs.into_iter().enumerate() {
                        let eq = if matches!(k, Scalar::F32 | Scalar::F64 | Scalar::F16) {
                            self.b.ins().fcmp(FloatCC::Equal, xl, f)
                        } else {
                            self.b.ins().icmp(IntCC::Equal, xl, f)
                        };
                        let on = self.lane_active(l);
                        let off = self.b.ins().bxor_imm_s(on, 1);
                        let ok = self.b.ins().bor(off, eq);
                        all = self.b.ins().band(all, ok);
                    }
                }
                vec![Lv::U(all)]
            }
            GroupNonUniformBallot => {
                let p = self.value_lvs(i.w(1))?;
                let e = self.exec_bits();
                let w0 = match p[0] {
                    Lv::U(c) => {
                        let z = self.iconst(types::I32, 0);
                        self.b.ins().select(c, e, z)
                    }
                    Lv::M(m) => {
                        let pb = self.bits_of(m);
                        self.b.ins().band(pb, e)
                    }
                    _ => return err("OpGroupNonUniformBallot of a value that is not a boolean"),
                };
                let z = self.iconst(types::I32, 0);
                vec![Lv::U(w0), Lv::U(z), Lv::U(z), Lv::U(z)]
            }
            GroupNonUniformInverseBallot => {
                let v = self.value_lvs(i.w(1))?;
                let w0 = match v[0] {
                    Lv::U(x) => self.splat(x),
                    Lv::V(x) => x,
                    _ => return err("OpGroupNonUniformInverseBallot of a non-uvec4"),
                };
                let bits = self.lane_bits();
                let b = self.b.ins().band(w0, bits);
                let z = self.zero_mask();
                vec![Lv::M(self.b.ins().icmp(IntCC::NotEqual, b, z))]
            }
            GroupNonUniformBallotBitExtract => {
                let v = self.value_lvs(i.w(1))?;
                let idx = self.value_lvs(i.w(2))?;
                if v.len() != 4 {
                    return err("OpGroupNonUniformBallotBitExtract of a non-uvec4");
                }
                let mut all = v.clone();
                all.push(idx[0]);
                vec![self.per_lane_fn(&all, true, |s, x| {
                    // Word idx / 32 (indices past 127 read word 3), bit idx % 32.
                    let idx = x[4];
                    let word = s.b.ins().ushr_imm_s(idx, 5);
                    let mut w = x[0];
                    for (k, xk) in x.iter().enumerate().take(4).skip(1) {
                        let c =
                            s.b.ins()
                                .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, word, k as i64);
                        w = s.b.ins().select(c, *xk, w);
                    }
                    let sh = s.b.ins().band_imm_s(idx, 31);
                    let bit = s.b.ins().ushr(w, sh);
                    let bit = s.b.ins().band_imm_s(bit, 1);
                    s.b.ins().icmp_imm_s(IntCC::NotEqual, bit, 0)
                })]
            }
            GroupNonUniformBallotBitCount => {
                let op = GroupOperation::from_u32(i.w(1));
                let v = self.value_lvs(i.w(2))?;
                let m = self.lane_mask_bits();
                let w0 = v[0];
                match op {
                    Some(GroupOperation::Reduce) => vec![self.per_lane_fn(&[w0], false, |s, x| {
                        let b = s.b.ins().band_imm_s(x[0], m);
                        s.b.ins().popcnt(b)
                    })],
                    Some(GroupOperation::InclusiveScan | GroupOperation::ExclusiveScan) => {
                        let incl = op == Some(GroupOperation::InclusiveScan);
                        let mut xs = [Value::from_u32(0); LANES];
                        for (l, x) in xs.iter_mut().enumerate() {
                            let wl = self.lane(w0, l);
                            let upto = if incl {
                                (2i64 << l) - 1
                            } else {
                                (1i64 << l) - 1
                            };
                            let b = self.b.ins().band_imm_s(wl, upto);
                            *x = self.b.ins().popcnt(b);
                        }
                        vec![self.pack(xs, false)]
                    }
                    _ => {
                        return err(
                            "OpGroupNonUniformBallotBitCount with an unsupported group operation",
                        );
                    }
                }
            }
            GroupNonUniformBallotFindLSB | GroupNonUniformBallotFindMSB => {
                let v = self.value_lvs(i.w(1))?;
                let m = self.lane_mask_bits();
                let lsb = i.op == GroupNonUniformBallotFindLSB;
                vec![self.per_lane_fn(&[v[0]], false, |s, x| {
                    let b = s.b.ins().band_imm_s(x[0], m);
                    if lsb {
                        let t = s.b.ins().ctz(b);
                        let none = s.b.ins().iconst(types::I32, -1);
                        let z = s.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
                        s.b.ins().select(z, none, t)
                    } else {
                        // 31 - clz: -1 (0xFFFFFFFF) when no bit is set.
                        let c = s.b.ins().clz(b);
                        let k = s.b.ins().iconst(types::I32, 31);
                        s.b.ins().isub(k, c)
                    }
                })]
            }
            GroupNonUniformBroadcast | GroupNonUniformShuffle | GroupNonUniformQuadBroadcast => {
                self.shuffle(i.w(1), Src::Id(i.w(2)))?
            }
            GroupNonUniformBroadcastFirst => self.shuffle(i.w(1), Src::First)?,
            GroupNonUniformShuffleXor => self.shuffle(i.w(1), Src::Xor(i.w(2)))?,
            GroupNonUniformShuffleUp => self.shuffle(i.w(1), Src::Up(i.w(2)))?,
            GroupNonUniformShuffleDown => self.shuffle(i.w(1), Src::Down(i.w(2)))?,
            GroupNonUniformQuadSwap => {
                let dir = self.p.consts.get(&i.w(2)).and_then(|c| c.first().copied());
                match dir {
                    Some(d @ 0..=2) => self.shuffle(i.w(1), Src::XorConst(d as i64 + 1))?,
                    _ => {
                        return err(
                            "OpGroupNonUniformQuadSwap with a direction other than 0, 1 or 2",
                        );
                    }
                }
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
            | GroupNonUniformLogicalXor => self.arithmetic(i)?,
            _ => return err(format!("unsupported subgroup instruction Op{:?}", i.op)),
        };
        // uniformity.rs (`subgroup_flags`) must not call uniform what is per lane here: a
        // uniform variable or phi could not hold it.
        let flags = self.fs_ref().u.varying.get(&i.id).cloned();
        if let Some(f) = flags
            && f.iter()
                .zip(&lvs)
                .any(|(v, x)| !*v && !matches!(x, Lv::U(_)))
        {
            return err(format!(
                "SoA backend: internal error: Op{:?} gives per-lane values the analysis calls \
                 uniform",
                i.op
            ));
        }
        let v = self.mk(lvs);
        self.set(i.id, v);
        Ok(())
    }

    /// The scalars of value operand `id`.
    fn value_lvs(&mut self, id: u32) -> Result<Vec<Lv>, ShaderError> {
        let v = self.get(id)?;
        match self.lvs(&v) {
            Some(l) if !l.is_empty() => Ok(l),
            _ => err(format!(
                "a subgroup operation on %{id}, which is not a value"
            )),
        }
    }

    fn lanes_of(&mut self, x: Lv) -> [Value; LANES] {
        std::array::from_fn(|l| self.lane(x, l))
    }

    /// `f` applied to lane `l` of every operand, for each lane (once when all are uniform);
    /// `boolean`: `f` gives booleans.
    fn per_lane_fn(
        &mut self,
        xs: &[Lv],
        boolean: bool,
        f: impl Fn(&mut Self, &[Value]) -> Value,
    ) -> Lv {
        if xs.iter().all(|x| matches!(x, Lv::U(_))) {
            let s: Vec<Value> = xs.iter().map(|x| self.lane(*x, 0)).collect();
            return Lv::U(f(self, &s));
        }
        let mut out = [Value::from_u32(0); LANES];
        for (l, o) in out.iter_mut().enumerate() {
            let s: Vec<Value> = xs.iter().map(|x| self.lane(*x, l)).collect();
            *o = f(self, &s);
        }
        self.pack(out, boolean)
    }

    /// The bits of the subgroup's invocations in a ballot word.
    fn lane_mask_bits(&self) -> i64 {
        (1i64 << LANES) - 1
    }

    /// (0, 1, 2, 3) as an `I32X4`.
    fn lane_ids(&mut self) -> Value {
        self.i32x4([0, 1, 2, 3])
    }

    /// (1, 2, 4, 8) as an `I32X4`.
    fn lane_bits(&mut self) -> Value {
        self.i32x4([1, 2, 4, 8])
    }

    fn i32x4(&mut self, c: [i64; LANES]) -> Value {
        let x0 = self.iconst(types::I32, c[0]);
        let mut v = self.b.ins().scalar_to_vector(types::I32X4, x0);
        for (l, x) in c.iter().enumerate().skip(1) {
            let x = self.iconst(types::I32, *x);
            v = self.b.ins().insertlane(v, x, l as u8);
        }
        v
    }

    /// The index of the first active lane (an `I32`; the block runs with at least one).
    fn first_lane(&mut self) -> Value {
        let bits = self.exec_bits();
        self.b.ins().ctz(bits)
    }

    /// Lane `j mod 4` of `xs` (`j` an `I32`).
    fn read_lane(&mut self, xs: [Value; LANES], j: Value) -> Value {
        if xs.iter().all(|x| *x == xs[0]) {
            return xs[0];
        }
        let j = self.b.ins().band_imm_s(j, (LANES - 1) as i64);
        let mut r = xs[0];
        for (l, x) in xs.iter().enumerate().skip(1) {
            let c = self.b.ins().icmp_imm_s(IntCC::Equal, j, l as i64);
            r = self.b.ins().select(c, *x, r);
        }
        r
    }

    /// Broadcasts and shuffles: each lane reads the lane `src` names.
    fn shuffle(&mut self, value: u32, src: Src) -> Result<Vec<Lv>, ShaderError> {
        let v = self.value_lvs(value)?;
        if v.iter().all(|x| matches!(x, Lv::U(_))) {
            // Every lane holds the value: whichever lane is read gives it.
            return Ok(v);
        }
        let kinds = self.kinds(self.p.value_types.get(&value).copied().unwrap_or(0))?;
        if kinds.len() != v.len() {
            return err("a subgroup shuffle whose value does not match its type");
        }
        // The lane each lane reads: one index for all lanes, or one per lane.
        let idx: Result<Value, [Value; LANES]> = match src {
            Src::First => Ok(self.first_lane()),
            Src::Id(id) => match self.value_lvs(id)?[0] {
                Lv::U(j) => Ok(j),
                other => Err(self.lanes_of(other)),
            },
            Src::XorConst(c) => Err(std::array::from_fn(|l| {
                self.iconst(types::I32, l as i64 ^ c)
            })),
            Src::Xor(id) | Src::Up(id) | Src::Down(id) => {
                let x = self.value_lvs(id)?[0];
                let xs = self.lanes_of(x);
                let mut out = [Value::from_u32(0); LANES];
                for (l, o) in out.iter_mut().enumerate() {
                    let li = self.iconst(types::I32, l as i64);
                    *o = match src {
                        Src::Xor(_) => self.b.ins().bxor(li, xs[l]),
                        Src::Up(_) => self.b.ins().isub(li, xs[l]),
                        _ => self.b.ins().iadd(li, xs[l]),
                    };
                }
                Err(out)
            }
        };
        let mut out = Vec::with_capacity(v.len());
        for (x, k) in v.into_iter().zip(kinds) {
            if let Lv::U(_) = x {
                out.push(x);
                continue;
            }
            let xs = self.lanes_of(x);
            out.push(match idx {
                Ok(j) => Lv::U(self.read_lane(xs, j)),
                Err(js) => {
                    let r: [Value; LANES] = std::array::from_fn(|l| self.read_lane(xs, js[l]));
                    self.pack(r, k == Scalar::Bool)
                }
            });
        }
        Ok(out)
    }

    /// Reduce, scans and clustered reduce.
    fn arithmetic(&mut self, i: &Inst) -> Result<Vec<Lv>, ShaderError> {
        let op = i.op;
        let kinds = self.kinds(i.ty)?;
        let v = self.value_lvs(i.w(2))?;
        if v.len() != kinds.len() {
            return err(format!(
                "Op{op:?} whose value does not match its result type"
            ));
        }
        let group = GroupOperation::from_u32(i.w(1));
        let cluster = match group {
            Some(GroupOperation::ClusteredReduce) => {
                let c = (i.len() > 3).then(|| self.p.consts.get(&i.w(3)));
                match c.flatten().and_then(|c| c.first().copied()) {
                    // A cluster larger than the subgroup is undefined behavior; it reduces the
                    // whole subgroup here.
                    Some(c) if c >= 1 && c.is_power_of_two() => Some((c as usize).min(LANES)),
                    _ => {
                        return err(
                            "OpGroupNonUniform clustered reduce whose ClusterSize is not a \
                             constant power of 2",
                        );
                    }
                }
            }
            Some(GroupOperation::Reduce) => Some(LANES),
            Some(GroupOperation::InclusiveScan | GroupOperation::ExclusiveScan) => None,
            _ => {
                return err(format!(
                    "unsupported group operation {} (partitioned operations are not supported)",
                    i.w(1)
                ));
            }
        };
        let exclusive = group == Some(GroupOperation::ExclusiveScan);
        let mut out = Vec::with_capacity(v.len());
        for (x, k) in v.into_iter().zip(kinds) {
            let ident = self.constant(k, identity(op, k));
            // Inactive lanes contribute the identity.
            let xs: [Value; LANES] = match x {
                Lv::V(vx)
                    if vec_type(self.b.func.dfg.value_type(ident))
                        != Some(self.b.func.dfg.value_type(vx)) =>
                {
                    return err(format!(
                        "Op{op:?} whose value does not match its result type"
                    ));
                }
                Lv::V(vx) => {
                    let e = self.soa().exec;
                    let s = self.splat(ident);
                    let m = self.blend(e, vx, s);
                    std::array::from_fn(|l| self.b.ins().extractlane(m, l as u8))
                }
                _ => {
                    let xs = self.lanes_of(x);
                    std::array::from_fn(|l| {
                        let on = self.lane_active(l);
                        self.b.ins().select(on, xs[l], ident)
                    })
                }
            };
            out.push(match cluster {
                Some(1) => self.pack(xs, k == Scalar::Bool),
                Some(c) => {
                    let mut r = [ident; LANES];
                    for g in (0..LANES).step_by(c) {
                        let mut acc = xs[g];
                        for x in &xs[g + 1..g + c] {
                            acc = self.group_op(op, k, acc, *x);
                        }
                        r[g..g + c].fill(acc);
                    }
                    if c == LANES {
                        Lv::U(r[0])
                    } else {
                        self.pack(r, k == Scalar::Bool)
                    }
                }
                None => {
                    let mut r = [ident; LANES];
                    let mut acc = ident;
                    for (l, x) in xs.iter().enumerate() {
                        let next = if l == 0 {
                            *x
                        } else {
                            self.group_op(op, k, acc, *x)
                        };
                        r[l] = if exclusive { acc } else { next };
                        acc = next;
                    }
                    self.pack(r, k == Scalar::Bool)
                }
            });
        }
        Ok(out)
    }

    /// `a op b` on scalars of kind `k`.
    fn group_op(&mut self, op: Op, k: Scalar, a: Value, b: Value) -> Value {
        use Op::*;
        let r = match op {
            GroupNonUniformIAdd => self.b.ins().iadd(a, b),
            GroupNonUniformIMul => self.b.ins().imul(a, b),
            GroupNonUniformSMin => self.b.ins().smin(a, b),
            GroupNonUniformUMin => self.b.ins().umin(a, b),
            GroupNonUniformSMax => self.b.ins().smax(a, b),
            GroupNonUniformUMax => self.b.ins().umax(a, b),
            GroupNonUniformBitwiseAnd | GroupNonUniformLogicalAnd => self.b.ins().band(a, b),
            GroupNonUniformBitwiseOr | GroupNonUniformLogicalOr => self.b.ins().bor(a, b),
            GroupNonUniformBitwiseXor | GroupNonUniformLogicalXor => self.b.ins().bxor(a, b),
            GroupNonUniformFAdd => self.b.ins().fadd(a, b),
            GroupNonUniformFMul => self.b.ins().fmul(a, b),
            GroupNonUniformFMin => ops::nminmax(&mut self.b, a, b, false),
            _ => ops::nminmax(&mut self.b, a, b, true),
        };
        if k == Scalar::F16 && matches!(op, GroupNonUniformFAdd | GroupNonUniformFMul) {
            return self.call("sv_quantize16", &[r]).expect("value");
        }
        r
    }

    /// A subgroup built-in's scalars `comp .. comp + n` (`None`: not a subgroup built-in).
    pub(super) fn subgroup_builtin(
        &mut self,
        bi: u32,
        comp: usize,
        n: usize,
    ) -> Result<Option<Vec<Lv>>, ShaderError> {
        let uniform =
            |s: &mut Self, off: u32| Lv::U(s.b.ins().load(types::I32, flags(), s.ctx, off as i32));
        let masks: [i64; LANES] = match BuiltIn::from_u32(bi) {
            Some(BuiltIn::SubgroupSize) => return Ok(Some(vec![uniform(self, B_SUBGROUP_SIZE)])),
            Some(BuiltIn::NumSubgroups) => return Ok(Some(vec![uniform(self, B_NUM_SUBGROUPS)])),
            Some(BuiltIn::SubgroupId) => return Ok(Some(vec![uniform(self, B_SUBGROUP_ID)])),
            Some(BuiltIn::SubgroupLocalInvocationId) => {
                return Ok(Some(vec![Lv::V(self.lane_ids())]));
            }
            Some(BuiltIn::SubgroupEqMask) => [1, 2, 4, 8],
            Some(BuiltIn::SubgroupGeMask) => [0xF, 0xE, 0xC, 0x8],
            Some(BuiltIn::SubgroupGtMask) => [0xE, 0xC, 0x8, 0],
            Some(BuiltIn::SubgroupLeMask) => [1, 3, 7, 0xF],
            Some(BuiltIn::SubgroupLtMask) => [0, 1, 3, 7],
            _ => return Ok(None),
        };
        let mut out = Vec::with_capacity(n);
        for c in comp..comp + n {
            out.push(if c == 0 {
                Lv::V(self.i32x4(masks))
            } else if c < 4 {
                Lv::U(self.iconst(types::I32, 0))
            } else {
                return err("a subgroup mask component out of range");
            });
        }
        Ok(Some(out))
    }
}

/// Whether `bi` is a subgroup built-in.
pub(crate) fn is_subgroup_builtin(bi: u32) -> bool {
    matches!(
        BuiltIn::from_u32(bi),
        Some(
            BuiltIn::SubgroupSize
                | BuiltIn::NumSubgroups
                | BuiltIn::SubgroupId
                | BuiltIn::SubgroupLocalInvocationId
                | BuiltIn::SubgroupEqMask
                | BuiltIn::SubgroupGeMask
                | BuiltIn::SubgroupGtMask
                | BuiltIn::SubgroupLeMask
                | BuiltIn::SubgroupLtMask
        )
    )
}

/// Whether the entry point of `p` uses subgroup operations or built-ins (which only the SoA
/// backend runs: its subgroups are the [`LANES`] wide ones the device reports).
pub(crate) fn uses_subgroups(p: &Program) -> Result<bool, ShaderError> {
    let (used, _) = used_ids(p)?;
    let builtin = p.globals.iter().any(|g| {
        g.sc == StorageClass::Input
            && used.contains(&g.id)
            && p.deco(g.id, Decoration::BuiltIn)
                .and_then(|b| b.first().copied())
                .is_some_and(is_subgroup_builtin)
    });
    if builtin {
        return Ok(true);
    }
    let mut todo = vec![p.entry];
    let mut seen = HashSet::new();
    while let Some(f) = todo.pop() {
        if !seen.insert(f) {
            continue;
        }
        let Some(r) = p.functions.get(&f) else {
            continue;
        };
        for i in &p.module.insts[r.start..=r.end] {
            if is_subgroup_op(i.op) {
                return Ok(true);
            }
            if i.op == Op::FunctionCall {
                todo.push(i.w(0));
            }
        }
    }
    Ok(false)
}

/// Whether `op` is an OpGroupNonUniform* instruction.
pub(crate) fn is_subgroup_op(op: Op) -> bool {
    format!("{op:?}").starts_with("GroupNonUniform")
}

/// The identity of a subgroup arithmetic operation on scalars of kind `k` (bit pattern), as
/// the SPIR-V spec lists them, except -0.0 for float add (the spec says 0; -0.0 is exact for
/// every value, so a single active lane's own value comes out unchanged).
fn identity(op: Op, k: Scalar) -> u64 {
    use Op::*;
    let wide = k.wide();
    let narrow = k.narrow();
    let byte = k.byte();
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
        (GroupNonUniformSMin, _) if byte => i8::MAX as u64,
        (GroupNonUniformSMax, _) if byte => i8::MIN as u8 as u64,
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
        (GroupNonUniformFAdd, Scalar::F64) => (-0f64).to_bits(),
        (GroupNonUniformFAdd, Scalar::F16) => 0x8000,
        (GroupNonUniformFAdd, _) => (-0f32).to_bits() as u64,
        // Integer add, UMax, Or, Xor, logical Or and Xor.
        _ => 0,
    }
}
