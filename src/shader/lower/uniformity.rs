//! Control flow and uniformity of one function, for the SoA backend (`simd.rs`).
//!
//! **Control flow.** [`Cfg`] holds a function's blocks, their successors, the structured merge
//! information and a linear order in which the SoA backend emits them: a reverse postorder of
//! the graph without back edges in which, at a loop header, the loop's merge block is visited
//! first, so every loop's blocks are contiguous (header first) and every block comes after
//! all its forward predecessors. A back edge must go to a loop header from inside its loop
//! (anything else is refused, and the shader runs on the scalar backend).
//!
//! **Uniformity.** [`Uniformity`] says, per flattened scalar of every value, whether the lanes
//! of a subgroup may disagree on it ("varying"), by the classic divergence analysis:
//! - sources of variation: the lane-dependent components of built-ins (see [`builtin_flags`]),
//!   loads through varying pointers or from per-lane memory, atomics;
//! - values computed from varying operands are varying (component by component where the
//!   instruction works component-wise);
//! - a conditional branch or switch on a varying value is divergent: the blocks reachable
//!   from it before its immediate post-dominator (back edges included) run under divergent
//!   control; the phis at the post-dominator and at every block of that region with more than
//!   one predecessor are varying (sync dependence), and so is every value defined in the region
//!   and used outside it (temporal divergence: lanes left the region at different times);
//! - promoted function variables (only loaded and stored through constant access chains) are
//!   varying per component if a varying value or a store under divergent control reaches
//!   them; other function and private variables live in per-lane memory.
//!
//! The fixed point only ever turns components varying, so it terminates.

use super::simd::simd_subgroup::is_subgroup_op;
use super::*;

/// Invocations one JIT'd call of the SoA backend runs.
pub(crate) const LANES: usize = 4;

pub(super) struct BlockInfo {
    /// Index (into the function's instructions) of the OpLabel.
    pub start: usize,
    /// Index of the terminator.
    pub end: usize,
    pub succs: Vec<usize>,
    pub preds: Vec<usize>,
    /// The merge block of OpLoopMerge (loop headers only).
    pub loop_merge: Option<usize>,
}

pub(super) struct Loop {
    pub header: usize,
    /// Blocks of the loop (header included).
    pub body: Vec<bool>,
    /// Position (in [`Cfg::order`]) of the loop's last block.
    pub tail: usize,
}

pub(super) struct Cfg {
    pub blocks: Vec<BlockInfo>,
    pub index: HashMap<u32, usize>,
    /// Reachable blocks in emission order; the function's first block first.
    pub order: Vec<usize>,
    pub loops: Vec<Loop>,
}

fn unsupported<T>(m: &str) -> Result<T, ShaderError> {
    err(format!("SoA backend: {m}"))
}

impl Cfg {
    /// The control flow of a function; branches on constants (specialization constants
    /// included) only reach the target they select, so code for other values is not emitted.
    pub fn new(insts: &[Inst], consts: &HashMap<u32, Vec<u64>>) -> Result<Cfg, ShaderError> {
        let mut blocks: Vec<BlockInfo> = Vec::new();
        let mut index = HashMap::new();
        let mut merges: Vec<Option<u32>> = Vec::new();
        for (k, i) in insts.iter().enumerate() {
            match i.op {
                Op::Label => {
                    index.insert(i.id, blocks.len());
                    blocks.push(BlockInfo {
                        start: k,
                        end: k,
                        succs: Vec::new(),
                        preds: Vec::new(),
                        loop_merge: None,
                    });
                    merges.push(None);
                }
                Op::LoopMerge => {
                    if let Some(m) = merges.last_mut() {
                        *m = Some(i.w(0));
                    }
                }
                Op::Branch
                | Op::BranchConditional
                | Op::Switch
                | Op::Return
                | Op::ReturnValue
                | Op::Unreachable
                | Op::Kill
                | Op::TerminateInvocation => {
                    if let Some(b) = blocks.last_mut() {
                        b.end = k;
                    }
                }
                _ => {}
            }
        }
        let n = blocks.len();
        if n == 0 {
            return unsupported("a function without blocks");
        }
        for b in 0..n {
            let t = &insts[blocks[b].end];
            let known = consts.get(&t.w(0)).and_then(|c| c.first()).copied();
            let targets: Vec<u32> = match t.op {
                Op::Branch => vec![t.w(0)],
                Op::BranchConditional => match known {
                    Some(c) => vec![if c != 0 { t.w(1) } else { t.w(2) }],
                    None => vec![t.w(1), t.w(2)],
                },
                Op::Switch if let Some(c) = known => {
                    // Literals are as wide as the selector (rspirv reads 64-bit ones whole).
                    let mut target = t.w(1);
                    let mut k = 2;
                    while k + 1 < t.len() {
                        let lit = match &t.ops[k] {
                            rspirv::dr::Operand::LiteralBit64(x) => *x,
                            _ => t.w(k) as u64,
                        };
                        let sel = match &t.ops[k] {
                            rspirv::dr::Operand::LiteralBit64(_) => c,
                            _ => c & 0xFFFF_FFFF,
                        };
                        if lit == sel {
                            target = t.w(k + 1);
                            break;
                        }
                        k += 2;
                    }
                    vec![target]
                }
                Op::Switch => t.ops[1..]
                    .iter()
                    .filter_map(|o| match o {
                        rspirv::dr::Operand::IdRef(x) => Some(*x),
                        _ => None,
                    })
                    .collect(),
                Op::Return
                | Op::ReturnValue
                | Op::Unreachable
                | Op::Kill
                | Op::TerminateInvocation => Vec::new(),
                _ => return unsupported(&format!("block terminator Op{:?}", t.op)),
            };
            for x in targets {
                let Some(&s) = index.get(&x) else {
                    return err(format!("branch to unknown label %{x}"));
                };
                if !blocks[b].succs.contains(&s) {
                    blocks[b].succs.push(s);
                    blocks[s].preds.push(b);
                }
            }
            if let Some(m) = merges[b] {
                let Some(&mi) = index.get(&m) else {
                    return err(format!("loop merge to unknown label %{m}"));
                };
                blocks[b].loop_merge = Some(mi);
            }
        }
        // Reverse postorder, merge block first at loop headers (iterative DFS).
        let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
        let mut post = Vec::with_capacity(n);
        let mut back_edges = Vec::new();
        let succ_list = |b: usize| -> Vec<usize> {
            let mut v = Vec::new();
            if let Some(m) = blocks[b].loop_merge {
                v.push(m);
            }
            v.extend(blocks[b].succs.iter().copied());
            v
        };
        let mut stack: Vec<(usize, Vec<usize>, usize)> = vec![(0, succ_list(0), 0)];
        state[0] = 1;
        while let Some(top) = stack.last_mut() {
            let (b, succs, k) = (top.0, &top.1, top.2);
            if k < succs.len() {
                let s = succs[k];
                top.2 += 1;
                match state[s] {
                    0 => {
                        state[s] = 1;
                        let l = succ_list(s);
                        stack.push((s, l, 0));
                    }
                    // The merge of a loop is never an ancestor on the stack.
                    1 if blocks[b].succs.contains(&s) => back_edges.push((b, s)),
                    _ => {}
                }
            } else {
                state[b] = 2;
                post.push(b);
                stack.pop();
            }
        }
        let order: Vec<usize> = post.into_iter().rev().collect();
        let mut pos = vec![usize::MAX; n];
        for (p, &b) in order.iter().enumerate() {
            pos[b] = p;
        }
        // Loops: one per header with back edges.
        let mut loops: Vec<Loop> = Vec::new();
        for &(from, h) in &back_edges {
            let Some(m) = blocks[h].loop_merge else {
                return unsupported("a back edge to a block that is not a loop header");
            };
            if loops.iter().any(|l| l.header == h) {
                continue;
            }
            // Blocks reachable from the header without passing the merge.
            let mut body = vec![false; n];
            body[h] = true;
            let mut todo = vec![h];
            while let Some(b) = todo.pop() {
                for &s in &blocks[b].succs {
                    if s != m && !body[s] {
                        body[s] = true;
                        todo.push(s);
                    }
                }
            }
            if !body[from] {
                return unsupported("a back edge from outside its loop");
            }
            let positions: Vec<usize> = (0..n).filter(|&b| body[b]).map(|b| pos[b]).collect();
            let tail = positions.iter().copied().max().unwrap_or(pos[h]);
            if positions.len() != tail - pos[h] + 1 {
                return unsupported("a loop whose blocks are not contiguous");
            }
            loops.push(Loop {
                header: h,
                body,
                tail,
            });
        }
        for &(_, h) in &back_edges {
            // Every back edge into h comes from its loop (checked for the first above).
            let l = loops.iter().find(|l| l.header == h).expect("loop of h");
            if back_edges.iter().any(|&(f, hh)| hh == h && !l.body[f]) {
                return unsupported("a back edge from outside its loop");
            }
        }
        Ok(Cfg {
            blocks,
            index,
            order,
            loops,
        })
    }

    /// Whether block `b` lies in some loop.
    pub fn in_loop(&self, b: usize) -> bool {
        self.loops.iter().any(|l| l.body[b])
    }

    /// Immediate post-dominators (None: the virtual exit, or no path to an exit).
    fn ipdoms(&self) -> Vec<Option<usize>> {
        let n = self.blocks.len();
        let words = (n + 1).div_ceil(64);
        let exit = n;
        let full = vec![u64::MAX; words];
        let mut pd: Vec<Vec<u64>> = vec![full; n + 1];
        let set = |v: &mut Vec<u64>, k: usize| v[k / 64] |= 1 << (k % 64);
        let has = |v: &Vec<u64>, k: usize| v[k / 64] & (1 << (k % 64)) != 0;
        pd[exit] = vec![0; words];
        set(&mut pd[exit], exit);
        let mut changed = true;
        while changed {
            changed = false;
            for &b in self.order.iter().rev() {
                let succs: Vec<usize> = if self.blocks[b].succs.is_empty() {
                    vec![exit]
                } else {
                    self.blocks[b].succs.clone()
                };
                let mut acc = vec![u64::MAX; words];
                for s in succs {
                    for (a, x) in acc.iter_mut().zip(&pd[s]) {
                        *a &= x;
                    }
                }
                set(&mut acc, b);
                if acc != pd[b] {
                    pd[b] = acc;
                    changed = true;
                }
            }
        }
        let count = |v: &Vec<u64>| v.iter().map(|w| w.count_ones()).sum::<u32>();
        (0..n)
            .map(|b| {
                if !has(&pd[b], exit) {
                    return None; // no path to an exit
                }
                // The strict post-dominator with the most post-dominators of its own.
                let want = count(&pd[b]) - 1;
                (0..n).find(|&j| j != b && has(&pd[b], j) && count(&pd[j]) == want)
            })
            .collect()
    }
}

/// How a pointer's lanes relate.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum PtrU {
    /// One address for every lane, into memory the lanes share.
    Uniform,
    /// Into a built-in input variable: per flattened scalar, varying or not.
    Builtin(Vec<bool>),
    /// Into a promoted function variable: its scalars `start .. start + len`.
    Prom { var: u32, start: usize, len: usize },
    /// Per-lane addresses or per-lane memory.
    Varying,
}

/// What the caller knows about an argument.
#[derive(Clone, Debug)]
pub(super) enum ArgU {
    Value(Vec<bool>),
    Ptr(PtrU),
    Opaque(bool),
}

pub(super) struct Uniformity {
    /// Per value: varying flags of its flattened scalars.
    pub varying: HashMap<u32, Vec<bool>>,
    pub ptrs: HashMap<u32, PtrU>,
    /// Images, samplers: varying or not.
    pub opaque: HashMap<u32, bool>,
    /// Promoted variables: varying flags of their flattened scalars.
    pub vars: HashMap<u32, Vec<bool>>,
    /// Blocks that may run with some of the function's lanes inactive.
    pub div_ctl: Vec<bool>,
    pub join: Vec<bool>,
    /// Ids used in a block other than their own (phis excluded).
    pub cross: HashSet<u32>,
    pub def_block: HashMap<u32, usize>,
    /// The returned value's flags.
    pub ret: Vec<bool>,
    /// Blocks of the entry point that only return (lanes that reach them are done).
    pub dead: Vec<bool>,
}

/// Varying flags of built-in `bi` (flattened), for a workgroup of `local` invocations whose
/// consecutive local indices form subgroups of [`LANES`]; `None`: not supported by the SoA
/// backend.
pub(super) fn builtin_flags(bi: u32, local: [u32; 3]) -> Option<Vec<bool>> {
    let l = LANES as u32;
    let y = !local[0].is_multiple_of(l);
    let z = !(local[0] as u64 * local[1] as u64).is_multiple_of(l as u64);
    Some(match BuiltIn::from_u32(bi)? {
        BuiltIn::GlobalInvocationId | BuiltIn::LocalInvocationId => vec![true, y, z],
        BuiltIn::LocalInvocationIndex => vec![true],
        BuiltIn::VertexIndex | BuiltIn::InstanceIndex => vec![true],
        BuiltIn::WorkgroupId | BuiltIn::NumWorkgroups | BuiltIn::WorkgroupSize => {
            vec![false; 3]
        }
        // Subgroups are the LANES lanes of one call (simd_subgroup.rs).
        BuiltIn::SubgroupSize | BuiltIn::NumSubgroups | BuiltIn::SubgroupId => vec![false],
        BuiltIn::SubgroupLocalInvocationId => vec![true],
        BuiltIn::SubgroupEqMask
        | BuiltIn::SubgroupGeMask
        | BuiltIn::SubgroupGtMask
        | BuiltIn::SubgroupLeMask
        | BuiltIn::SubgroupLtMask => vec![true, false, false, false],
        _ => return None,
    })
}

pub(super) struct Analyzer<'a, 'p> {
    pub p: &'a Program<'p>,
    /// A function's first block runs first and dominates the rest, so its values need no
    /// variables (not when barriers split the shader into phases).
    pub first_block_dominates: bool,
    pub globals: HashMap<u32, PtrU>,
    /// Function calls analysed so far, by callee and argument flags.
    memo: HashMap<(u32, String, bool), Vec<bool>>,
    depth: usize,
}

impl<'a, 'p> Analyzer<'a, 'p> {
    pub fn new(p: &'a Program<'p>, globals: HashMap<u32, PtrU>) -> Self {
        Analyzer {
            p,
            first_block_dominates: true,
            globals,
            memo: HashMap::new(),
            depth: 0,
        }
    }

    /// Analyses function `fid` called with `args`; `div` when the call itself runs under
    /// divergent control.
    pub fn function(
        &mut self,
        fid: u32,
        args: &[ArgU],
        div: bool,
        cfg: &Cfg,
    ) -> Result<Uniformity, ShaderError> {
        self.depth += 1;
        if self.depth > 64 {
            return err("function calls nested more than 64 deep");
        }
        let r = self.function_inner(fid, args, div, cfg);
        self.depth -= 1;
        r
    }

    fn flat_len(&self, ty: u32) -> Option<usize> {
        self.p.flat_len(ty).ok()
    }

    fn function_inner(
        &mut self,
        fid: u32,
        args: &[ArgU],
        div: bool,
        cfg: &Cfg,
    ) -> Result<Uniformity, ShaderError> {
        let p = self.p;
        let Some(r) = p.functions.get(&fid) else {
            return err(format!("function %{fid} has no body"));
        };
        let insts = &p.module.insts[r.start..=r.end];
        let n = cfg.blocks.len();
        let mut u = Uniformity {
            varying: HashMap::new(),
            ptrs: HashMap::new(),
            opaque: HashMap::new(),
            vars: HashMap::new(),
            div_ctl: vec![div; n],
            join: vec![false; n],
            cross: HashSet::new(),
            def_block: HashMap::new(),
            ret: Vec::new(),
            dead: Vec::new(),
        };
        // Parameters.
        let mut k = 0;
        for i in insts.iter().take_while(|i| i.op != Op::Label) {
            if i.op == Op::FunctionParameter {
                match args.get(k) {
                    Some(ArgU::Value(f)) => {
                        u.varying.insert(i.id, f.clone());
                    }
                    Some(ArgU::Ptr(pu)) => {
                        u.ptrs.insert(i.id, pu.clone());
                    }
                    Some(ArgU::Opaque(v)) => {
                        u.opaque.insert(i.id, *v);
                    }
                    None => return err("function called with too few arguments"),
                }
                k += 1;
            }
        }
        // Def and use blocks; promotable variables.
        let mut uses: HashMap<u32, Vec<usize>> = HashMap::new();
        let block_of_inst = {
            let mut v = vec![usize::MAX; insts.len()];
            for (b, bi) in cfg.blocks.iter().enumerate() {
                for slot in v.iter_mut().take(bi.end + 1).skip(bi.start) {
                    *slot = b;
                }
            }
            v
        };
        for (k, i) in insts.iter().enumerate() {
            let b = block_of_inst[k];
            if b == usize::MAX {
                continue;
            }
            if i.id != 0 {
                u.def_block.insert(i.id, b);
            }
            if i.op == Op::Phi {
                // An incoming value is read at the end of its parent block.
                for k in 0..i.len() / 2 {
                    if let Some(&pb) = cfg.index.get(&i.w(2 * k + 1)) {
                        uses.entry(i.w(2 * k)).or_default().push(pb);
                    }
                }
                continue;
            }
            for o in &i.ops {
                if let rspirv::dr::Operand::IdRef(x) = o {
                    uses.entry(*x).or_default().push(b);
                }
            }
        }
        for (id, bs) in &uses {
            if let Some(&d) = u.def_block.get(id)
                && (d != 0 || !self.first_block_dominates)
                && bs.iter().any(|&b| b != d)
            {
                u.cross.insert(*id);
            }
        }
        let promoted = promotable(p, insts)?;
        let entry = fid == p.entry && self.depth == 1;
        u.dead = cfg
            .blocks
            .iter()
            .map(|b| entry && dead_end(insts, b))
            .collect();
        for &v in &promoted {
            let ty = p.value_types.get(&v).copied().unwrap_or(0);
            let pointee = match p.ty(ty)? {
                Ty::Pointer { pointee } => *pointee,
                _ => return err("OpVariable whose type is not a pointer"),
            };
            let len = p.flat_len(pointee)?;
            u.vars.insert(v, vec![false; len]);
        }

        let mut divergent: HashSet<usize> = HashSet::new();
        let ipdom = cfg.ipdoms();
        loop {
            let mut changed = false;
            for &b in &cfg.order {
                let bi = &cfg.blocks[b];
                for i in &insts[bi.start..=bi.end] {
                    changed |= self.step(&mut u, i, b, &promoted)?;
                }
                let t = &insts[bi.end];
                // Lanes that go to a block that only returns from the entry point are done:
                // a branch that sends lanes there is not a divergence among the lanes left.
                let live: HashSet<usize> =
                    bi.succs.iter().copied().filter(|s| !u.dead[*s]).collect();
                let cond_varying = match t.op {
                    Op::BranchConditional | Op::Switch => {
                        live.len() > 1 && self.any_varying(&u, t.w(0))
                    }
                    _ => false,
                };
                if cond_varying && divergent.insert(b) {
                    changed = true;
                }
            }
            // Regions of the divergent branches.
            for &b in &divergent {
                let stop = ipdom[b];
                let mut region = vec![false; n];
                let mut todo: Vec<usize> = cfg.blocks[b].succs.clone();
                while let Some(x) = todo.pop() {
                    if Some(x) == stop || region[x] {
                        continue;
                    }
                    region[x] = true;
                    todo.extend(cfg.blocks[x].succs.iter().copied());
                }
                if let Some(j) = stop
                    && !u.join[j]
                {
                    u.join[j] = true;
                    changed = true;
                }
                for (x, _) in region.iter().enumerate().filter(|(_, r)| **r) {
                    if !u.div_ctl[x] {
                        u.div_ctl[x] = true;
                        changed = true;
                    }
                    if cfg.blocks[x].preds.len() > 1 && !u.join[x] {
                        u.join[x] = true;
                        changed = true;
                    }
                }
                // Temporal divergence.
                for id in &u.cross {
                    let d = u.def_block[id];
                    if region[d] && uses[id].iter().any(|&ub| !region[ub]) {
                        if let Some(f) = u.varying.get_mut(id)
                            && f.iter().any(|x| !x)
                        {
                            f.iter_mut().for_each(|x| *x = true);
                            changed = true;
                        }
                        if let Some(pu) = u.ptrs.get_mut(id)
                            && *pu != PtrU::Varying
                        {
                            *pu = PtrU::Varying;
                            changed = true;
                        }
                        if let Some(o) = u.opaque.get_mut(id)
                            && !*o
                        {
                            *o = true;
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        Ok(u)
    }

    fn flags(&self, u: &Uniformity, id: u32) -> Vec<bool> {
        if let Some(f) = u.varying.get(&id) {
            return f.clone();
        }
        // Constants and undefined values.
        let ty = self.p.value_types.get(&id).copied().unwrap_or(0);
        vec![false; self.flat_len(ty).unwrap_or(0)]
    }

    fn any_varying(&self, u: &Uniformity, id: u32) -> bool {
        if let Some(f) = u.varying.get(&id) {
            return f.iter().any(|x| *x);
        }
        if let Some(p) = u.ptrs.get(&id).or(self.globals.get(&id)) {
            return *p != PtrU::Uniform;
        }
        u.opaque.get(&id).copied().unwrap_or(false)
    }

    fn ptr(&self, u: &Uniformity, id: u32) -> PtrU {
        u.ptrs
            .get(&id)
            .or(self.globals.get(&id))
            .cloned()
            .unwrap_or(PtrU::Varying)
    }

    /// Merges `f` into the flags of `id`; true if anything changed.
    fn merge(u: &mut Uniformity, id: u32, f: Vec<bool>) -> bool {
        match u.varying.get_mut(&id) {
            Some(old) => {
                let mut ch = false;
                for (o, n) in old.iter_mut().zip(f) {
                    if n && !*o {
                        *o = true;
                        ch = true;
                    }
                }
                ch
            }
            None => {
                u.varying.insert(id, f);
                true
            }
        }
    }

    fn step(
        &mut self,
        u: &mut Uniformity,
        i: &Inst,
        b: usize,
        promoted: &HashSet<u32>,
    ) -> Result<bool, ShaderError> {
        use Op::*;
        let p = self.p;
        let n = if i.ty != 0 { self.flat_len(i.ty) } else { None };
        let idref = |k: usize| matches!(i.ops.get(k), Some(rspirv::dr::Operand::IdRef(_)));
        match i.op {
            Label
            | LoopMerge
            | SelectionMerge
            | Branch
            | BranchConditional
            | Switch
            | Return
            | Unreachable
            | Nop
            | Line
            | NoLine
            | Function
            | FunctionParameter
            | FunctionEnd
            | Kill
            | TerminateInvocation
            | DemoteToHelperInvocation => Ok(false),
            IsHelperInvocationEXT => Ok(Self::merge(u, i.id, vec![true])),
            // A subpass input is read at each fragment's own pixel.
            ImageRead if super::images::is_subpass_image(p, i.w(0)) => {
                Ok(Self::merge(u, i.id, vec![true; n.unwrap_or(1)]))
            }
            ReturnValue => {
                let mut f = self.flags(u, i.w(0));
                if u.div_ctl[b] {
                    f.iter_mut().for_each(|x| *x = true);
                }
                if u.ret.len() != f.len() {
                    u.ret = f;
                    return Ok(true);
                }
                let mut ch = false;
                for (o, nf) in u.ret.iter_mut().zip(f) {
                    if nf && !*o {
                        *o = true;
                        ch = true;
                    }
                }
                Ok(ch)
            }
            Variable => {
                let pu = if promoted.contains(&i.id) {
                    let len = u.vars.get(&i.id).map_or(0, |v| v.len());
                    PtrU::Prom {
                        var: i.id,
                        start: 0,
                        len,
                    }
                } else {
                    PtrU::Varying
                };
                if promoted.contains(&i.id) && i.len() > 1 {
                    let f = self.flags(u, i.w(1));
                    let ch = merge_var(u, i.id, 0, &f);
                    let old = u.ptrs.insert(i.id, pu.clone());
                    return Ok(ch || old.as_ref() != Some(&pu));
                }
                let old = u.ptrs.insert(i.id, pu.clone());
                Ok(old.as_ref() != Some(&pu))
            }
            AccessChain | InBoundsAccessChain | PtrAccessChain | InBoundsPtrAccessChain => {
                let base = self.ptr(u, i.w(0));
                let first = 1;
                let idx_varying = (first..i.len()).any(|k| self.any_varying(u, i.w(k)));
                let consts: Option<Vec<u32>> = (first..i.len())
                    .map(|k| {
                        p.consts
                            .get(&i.w(k))
                            .and_then(|c| c.first())
                            .map(|c| *c as u32)
                    })
                    .collect();
                let base_ty = p.value_types.get(&i.w(0)).copied().unwrap_or(0);
                let pointee = match p.ty(base_ty) {
                    Ok(Ty::Pointer { pointee }) => *pointee,
                    _ => 0,
                };
                let plain = matches!(i.op, AccessChain | InBoundsAccessChain);
                let pu = match (&base, consts) {
                    (PtrU::Prom { var, start, .. }, Some(c)) if plain => {
                        let (mut off, mut ty) = (0usize, pointee);
                        for x in c {
                            let (o, t) = p.flat_index(ty, x)?;
                            off += o;
                            ty = t;
                        }
                        PtrU::Prom {
                            var: *var,
                            start: start + off,
                            len: p.flat_len(ty)?,
                        }
                    }
                    (PtrU::Builtin(f), Some(c)) if plain && c.len() == 1 => {
                        PtrU::Builtin(vec![f.get(c[0] as usize).copied().unwrap_or(true)])
                    }
                    (PtrU::Uniform, _) if !idx_varying => PtrU::Uniform,
                    (PtrU::Prom { .. }, _) => {
                        return unsupported("a promoted variable indexed dynamically");
                    }
                    _ => PtrU::Varying,
                };
                let old = u.ptrs.insert(i.id, pu.clone());
                Ok(old.as_ref() != Some(&pu))
            }
            Load => {
                let Some(n) = n else {
                    // An image, sampler or sampled image.
                    let v = self.ptr(u, i.w(0)) != PtrU::Uniform;
                    let old = u.opaque.insert(i.id, v);
                    return Ok(old != Some(v));
                };
                let f = match self.ptr(u, i.w(0)) {
                    PtrU::Uniform => vec![false; n],
                    PtrU::Builtin(f) if f.len() == n => f,
                    PtrU::Prom { var, start, len } if len == n => u
                        .vars
                        .get(&var)
                        .and_then(|v| v.get(start..start + len))
                        .map(|s| s.to_vec())
                        .unwrap_or(vec![true; n]),
                    _ => vec![true; n],
                };
                Ok(Self::merge(u, i.id, f))
            }
            Store => {
                if let PtrU::Prom { var, start, len } = self.ptr(u, i.w(0)) {
                    let mut f = self.flags(u, i.w(1));
                    if f.len() != len {
                        return unsupported("a store whose value does not match the variable");
                    }
                    if u.div_ctl[b] {
                        f.iter_mut().for_each(|x| *x = true);
                    }
                    return Ok(merge_var(u, var, start, &f));
                }
                Ok(false)
            }
            Phi => {
                let Some(n) = n else {
                    return unsupported("OpPhi of a value without scalars");
                };
                let mut f = vec![u.join[b]; n];
                for k in (0..i.len()).step_by(2) {
                    for (x, y) in f.iter_mut().zip(self.flags(u, i.w(k))) {
                        *x |= y;
                    }
                }
                Ok(Self::merge(u, i.id, f))
            }
            FunctionCall => {
                let callee = i.w(0);
                let mut args = Vec::new();
                for k in 1..i.len() {
                    let a = i.w(k);
                    let ty = p.value_types.get(&a).copied().unwrap_or(0);
                    args.push(match p.ty(ty) {
                        Ok(Ty::Pointer { .. }) => ArgU::Ptr(self.ptr(u, a)),
                        _ => match self.flat_len(ty) {
                            Some(_) => ArgU::Value(self.flags(u, a)),
                            None => ArgU::Opaque(self.any_varying(u, a)),
                        },
                    });
                }
                let key = (callee, format!("{args:?}"), u.div_ctl[b]);
                let f = match self.memo.get(&key) {
                    Some(f) => f.clone(),
                    None => {
                        let r = p.functions[&callee];
                        let cfg = Cfg::new(&p.module.insts[r.start..=r.end], &p.consts)?;
                        let cu = self.function(callee, &args, u.div_ctl[b], &cfg)?;
                        self.memo.insert(key, cu.ret.clone());
                        cu.ret
                    }
                };
                match n {
                    Some(n) if f.len() == n => Ok(Self::merge(u, i.id, f)),
                    Some(n) => Ok(Self::merge(u, i.id, vec![true; n])),
                    None => Ok(false),
                }
            }
            op if crate::shader::module::is_atomic(op) => {
                let n = n.unwrap_or(1);
                Ok(Self::merge(u, i.id, vec![true; n]))
            }
            ImageTexelPointer => {
                let old = u.ptrs.insert(i.id, PtrU::Varying);
                Ok(old.is_none())
            }
            CompositeExtract => {
                let Some(n) = n else { return Ok(false) };
                let src_ty = p.value_types.get(&i.w(0)).copied().unwrap_or(0);
                let src = self.flags(u, i.w(0));
                let (mut off, mut ty) = (0usize, src_ty);
                for k in 1..i.len() {
                    let (o, t) = p.flat_index(ty, i.w(k))?;
                    off += o;
                    ty = t;
                }
                let f = src
                    .get(off..off + n)
                    .map(|s| s.to_vec())
                    .unwrap_or(vec![true; n]);
                Ok(Self::merge(u, i.id, f))
            }
            CompositeInsert => {
                let Some(n) = n else { return Ok(false) };
                let obj = self.flags(u, i.w(0));
                let mut f = self.flags(u, i.w(1));
                let (mut off, mut ty) = (0usize, i.ty);
                for k in 2..i.len() {
                    let (o, t) = p.flat_index(ty, i.w(k))?;
                    off += o;
                    ty = t;
                }
                if f.len() != n || off + obj.len() > n {
                    f = vec![true; n];
                } else {
                    f[off..off + obj.len()].copy_from_slice(&obj);
                }
                Ok(Self::merge(u, i.id, f))
            }
            CompositeConstruct => {
                let Some(n) = n else { return Ok(false) };
                let mut f = Vec::new();
                for k in 0..i.len() {
                    f.extend(self.flags(u, i.w(k)));
                }
                if f.len() != n {
                    f = vec![f.iter().any(|x| *x); n];
                }
                Ok(Self::merge(u, i.id, f))
            }
            VectorShuffle => {
                let Some(n) = n else { return Ok(false) };
                let mut a = self.flags(u, i.w(0));
                a.extend(self.flags(u, i.w(1)));
                let f = (2..i.len())
                    .map(|k| a.get(i.w(k) as usize).copied().unwrap_or(false))
                    .collect::<Vec<_>>();
                let f = if f.len() == n { f } else { vec![true; n] };
                Ok(Self::merge(u, i.id, f))
            }
            op if is_subgroup_op(op) && n.is_some() => {
                let n = n.unwrap_or(0);
                let f = self.subgroup_flags(u, i, n);
                Ok(Self::merge(u, i.id, f))
            }
            _ => {
                // Generic: component-wise where the operands have the result's size, else
                // varying if any operand is.
                let Some(n) = n else {
                    if i.id != 0 {
                        let v = (0..i.len()).any(|k| idref(k) && self.any_varying(u, i.w(k)));
                        if matches!(p.ty(i.ty), Ok(Ty::Pointer { .. })) {
                            let pu = if v { PtrU::Varying } else { PtrU::Uniform };
                            let old = u.ptrs.insert(i.id, pu.clone());
                            return Ok(old.as_ref() != Some(&pu));
                        }
                        let old = u.opaque.insert(i.id, v);
                        return Ok(old != Some(v) && v);
                    }
                    return Ok(false);
                };
                let mut f = vec![false; n];
                let lanewise = componentwise(p, i);
                for k in 0..i.len() {
                    if !idref(k) {
                        continue;
                    }
                    let x = i.w(k);
                    if let Some(of) = u.varying.get(&x) {
                        if of.len() == n && lanewise {
                            for (a, b) in f.iter_mut().zip(of) {
                                *a |= *b;
                            }
                        } else if of.iter().any(|v| *v) {
                            f.iter_mut().for_each(|a| *a = true);
                        }
                    } else if self.any_varying(u, x) {
                        f.iter_mut().for_each(|a| *a = true);
                    }
                }
                Ok(Self::merge(u, i.id, f))
            }
        }
    }
}

/// Whether result component `c` of `i` depends only on component `c` of each operand of the
/// result's size (so varying flags carry over component by component). Everything else, e.g.
/// OpMatrixTimesVector, OpTranspose, cross or normalize, makes every component varying when
/// any operand component is.
fn componentwise(p: &Program, i: &Inst) -> bool {
    use Op::*;
    match i.op {
        SNegate | FNegate | Not | IAdd | ISub | IMul | FAdd | FSub | FMul | FDiv | UDiv | SDiv
        | UMod | SRem | SMod | FRem | FMod | ShiftLeftLogical | ShiftRightLogical
        | ShiftRightArithmetic | BitwiseOr | BitwiseXor | BitwiseAnd | LogicalOr | LogicalAnd
        | LogicalNot | LogicalEqual | LogicalNotEqual | IsNan | IsInf | IsFinite | IsNormal
        | SignBitSet | Ordered | Unordered | Select | ConvertFToU | ConvertFToS | ConvertSToF
        | ConvertUToF | UConvert | SConvert | FConvert | QuantizeToF16 | Bitcast | CopyObject
        | CopyLogical | VectorTimesScalar | MatrixTimesScalar | BitFieldInsert
        | BitFieldSExtract | BitFieldUExtract | BitReverse | BitCount => true,
        ExtInst if p.glsl_ext.contains(&i.w(0)) => {
            use spirv::GlslStd450Op as G;
            matches!(
                G::from_u32(i.w(1)),
                Some(
                    G::Round
                        | G::RoundEven
                        | G::Trunc
                        | G::FAbs
                        | G::SAbs
                        | G::FSign
                        | G::SSign
                        | G::Floor
                        | G::Ceil
                        | G::Fract
                        | G::Radians
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
                        | G::Sqrt
                        | G::InverseSqrt
                        | G::FMin
                        | G::UMin
                        | G::SMin
                        | G::FMax
                        | G::UMax
                        | G::SMax
                        | G::FClamp
                        | G::UClamp
                        | G::SClamp
                        | G::FMix
                        | G::IMix
                        | G::Step
                        | G::SmoothStep
                        | G::Fma
                        | G::Ldexp
                        | G::FindILsb
                        | G::FindSMsb
                        | G::FindUMsb
                        | G::NMin
                        | G::NMax
                        | G::NClamp
                )
            )
        }
        _ => false,
    }
}

impl Analyzer<'_, '_> {
    /// Varying flags of a subgroup instruction's `n` result scalars, exactly as
    /// simd_subgroup.rs produces them: one scalar for every lane from votes, ballots,
    /// broadcasts, shuffles with a uniform id and reductions over the whole subgroup; the
    /// value's own flags from relative shuffles and quad swaps (a uniform value stays uniform);
    /// one value per lane from scans, clusters smaller than the subgroup, Elect and
    /// InverseBallot; the operands' from the pure ballot queries.
    fn subgroup_flags(&self, u: &Uniformity, i: &Inst, n: usize) -> Vec<bool> {
        use Op::*;
        use spirv::GroupOperation as G;
        let uni = vec![false; n];
        let var = vec![true; n];
        let any = |k: std::ops::Range<usize>| {
            let v = k.into_iter().any(|k| self.any_varying(u, i.w(k)));
            vec![v; n]
        };
        let value = |k: usize| {
            let f = self.flags(u, i.w(k));
            if f.len() == n { f } else { vec![true; n] }
        };
        match i.op {
            GroupNonUniformElect | GroupNonUniformInverseBallot => var,
            GroupNonUniformAll
            | GroupNonUniformAny
            | GroupNonUniformAllEqual
            | GroupNonUniformBallot
            | GroupNonUniformBroadcastFirst => uni,
            GroupNonUniformBroadcast | GroupNonUniformShuffle | GroupNonUniformQuadBroadcast => {
                if self.any_varying(u, i.w(2)) {
                    value(1)
                } else {
                    uni
                }
            }
            GroupNonUniformShuffleXor
            | GroupNonUniformShuffleUp
            | GroupNonUniformShuffleDown
            | GroupNonUniformQuadSwap => value(1),
            GroupNonUniformBallotBitExtract => any(1..3),
            GroupNonUniformBallotFindLSB | GroupNonUniformBallotFindMSB => any(1..2),
            GroupNonUniformBallotBitCount => match G::from_u32(i.w(1)) {
                Some(G::Reduce) => any(2..3),
                _ => var,
            },
            _ => match G::from_u32(i.w(1)) {
                Some(G::Reduce) => uni,
                Some(G::ClusteredReduce) => {
                    let c = (i.len() > 3)
                        .then(|| self.p.consts.get(&i.w(3)))
                        .flatten()
                        .and_then(|c| c.first().copied());
                    if c.is_some_and(|c| c >= LANES as u64 && c.is_power_of_two()) {
                        uni
                    } else {
                        var
                    }
                }
                _ => var,
            },
        }
    }
}

/// A block that does nothing but return.
fn dead_end(insts: &[Inst], b: &BlockInfo) -> bool {
    insts[b.start..=b.end].iter().all(|i| {
        matches!(
            i.op,
            Op::Label | Op::Return | Op::Line | Op::NoLine | Op::Nop | Op::SelectionMerge
        )
    })
}

fn merge_var(u: &mut Uniformity, var: u32, start: usize, f: &[bool]) -> bool {
    let Some(v) = u.vars.get_mut(&var) else {
        return false;
    };
    let mut ch = false;
    for (k, x) in f.iter().enumerate() {
        if let Some(o) = v.get_mut(start + k)
            && *x
            && !*o
        {
            *o = true;
            ch = true;
        }
    }
    ch
}

/// Function variables used only by loads, stores and constant access chains (whose results
/// are used the same way): kept in registers, per scalar, by the SoA backend.
fn promotable(p: &Program, insts: &[Inst]) -> Result<HashSet<u32>, ShaderError> {
    use Op::*;
    // Pointer id -> its root variable, for variables and constant access chains of them.
    let mut root: HashMap<u32, u32> = HashMap::new();
    let mut ok: HashSet<u32> = HashSet::new();
    for i in insts {
        if i.op == Variable {
            let ty = p.value_types.get(&i.id).copied().unwrap_or(0);
            let small = match p.ty(ty) {
                Ok(Ty::Pointer { pointee }) => p.flat_len(*pointee).is_ok_and(|n| n <= 64),
                _ => false,
            };
            // Opaque or huge pointees stay in memory.
            if small {
                root.insert(i.id, i.id);
                ok.insert(i.id);
            }
        }
    }
    for i in insts {
        let is_const = |id: u32| p.consts.contains_key(&id);
        match i.op {
            Variable => {
                // Its initializer is a value, not a use of a pointer.
            }
            Load => {}
            Store => {
                // The stored value must not be one of the pointers.
                if let Some(r) = root.get(&i.w(1)) {
                    ok.remove(r);
                }
            }
            AccessChain | InBoundsAccessChain if root.contains_key(&i.w(0)) => {
                let r = root[&i.w(0)];
                if (1..i.len()).all(|k| is_const(i.w(k))) {
                    root.insert(i.id, r);
                } else {
                    ok.remove(&r);
                }
            }
            _ => {
                for o in &i.ops {
                    if let rspirv::dr::Operand::IdRef(x) = o
                        && let Some(r) = root.get(x)
                    {
                        ok.remove(r);
                    }
                }
            }
        }
    }
    Ok(ok)
}
