//! Compiled kernels as bytes: what a pipeline cache keeps so that a later pipeline with the same
//! inputs links the machine code instead of compiling it.
//!
//! Every function of a kernel is compiled here ([`define`]): cranelift's `Context::compile`,
//! then `Module::define_function_bytes` with the code and relocations, which are also recorded
//! (relocation targets by symbol name, since function ids are per JIT module). A
//! [`KernelBinary`] is those functions plus everything the dispatch needs that the compile
//! decided (workgroup size, memory sizes, backend and mode flags, the initial workgroup memory),
//! and, for the vertex and fragment stages of graphics pipelines, what the draw reads of the
//! compiled stage ([`StageInfo`]: the execution model, the interface rows of its Location inputs
//! and their interpolation, the built-ins that change how it runs, EarlyFragmentTests and
//! whether it is pure and free of subgroup operations). [`ComputeKernel::from_binary`],
//! [`VertexKernel::from_binary`] and [`FragmentKernel::from_binary`] link one into a fresh JIT
//! module: nothing is parsed, lowered or compiled, so a hit skips the whole compiler. A binary
//! links only as the kind of kernel it was compiled as.
//!
//! **Trust.** [`KernelBinary::decode`] validates everything before anything is allocated or
//! linked by it: lengths within the input, sizes within the compiler's own limits, mode flags
//! consistent (a stage kernel has the stages' modes: one SoA call per four vertices or one quad,
//! no barriers, function memory on the stack; its input rows are location rows), each relocation of a kind the cache keeps, inside its function, at a target that
//! is one of the kernel's functions, one of the runtime symbols every kernel links against
//! (`lower::symbols`), or a cranelift libcall, with PC-relative relocations only within the
//! kernel. So corrupted bytes never reach the JIT linker (whose failures are panics). The bytes
//! of the machine code cannot be checked for meaning: the pipeline cache checksums each entry
//! and keys it by a digest of every input and of the compiler's identity
//! ([`compiler_identity`]), so code runs only for the inputs and the build that produced it.
//! Data crafted on purpose to pass those checks is code the application chose to run in its own
//! process.

use super::lower::{self, Interp, IoRows, Jit, StageBuiltins, uniformity::LANES};
use super::runtime::IO_LOCATIONS;
use super::{ComputeKernel, FragmentKernel, PipelineInterface, ShaderError, VertexKernel};
use cranelift_codegen::Context;
use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::ir::LibCall;
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Linkage, Module as _, ModuleReloc, ModuleRelocTarget};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Version of the encoding below; part of [`compiler_identity`]. 2: the stage section.
const FORMAT: u32 = 4;
/// At most this many functions per kernel (today: the entry and the fuel trampoline).
const MAX_FUNCS: usize = 16;
/// At most this many bytes of machine code per function.
const MAX_CODE: usize = 64 << 20;
/// Longest symbol name accepted.
const MAX_NAME: usize = 64;
/// A graphics stage's function memory lives on the stack up to this size (`compile_stage`
/// refuses larger ones, which would need coroutines).
pub(crate) const MAX_STAGE_FUNCTION_BYTES: u32 = 48 << 10;
/// Interface rows of Location inputs: location L component c is row 4 L + c.
const INPUT_ROWS: u32 = 4 * IO_LOCATIONS;

/// The execution model of a graphics stage kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StageModel {
    Vertex,
    Fragment,
}

/// What a draw reads of a compiled graphics stage besides its code (made by the compile, kept
/// in the binary so that a linked kernel carries the same facts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StageInfo {
    pub model: StageModel,
    /// Fragment stages: the interface rows of the Location inputs and their interpolation
    /// (vertex stages: empty; their inputs are every location's rows).
    pub inputs: Vec<(u32, Interp)>,
    /// Fragment stages: the input rows InterpolateAt* instructions read, in the order of their
    /// plane rows (`Jit::planes`); each one of `inputs`, not flat.
    pub planes: Vec<u32>,
    /// Fragment stages: built-ins that change how the draw runs it.
    pub builtins: StageBuiltins,
    /// Fragment stages: the EarlyFragmentTests execution mode.
    pub early_fragment_tests: bool,
    /// `Module::is_pure`.
    pub pure: bool,
    /// Fragment stages: `Module::lanes_alone` (no subgroup capability).
    pub lanes_alone: bool,
}

impl StageInfo {
    fn interp_code(i: Interp) -> u8 {
        match i {
            Interp::Smooth => 0,
            Interp::Flat => 1,
            Interp::NoPerspective => 2,
            Interp::Centroid => 3,
            Interp::NoPerspectiveCentroid => 4,
        }
    }

    fn interp(c: u8) -> Option<Interp> {
        [
            Interp::Smooth,
            Interp::Flat,
            Interp::NoPerspective,
            Interp::Centroid,
            Interp::NoPerspectiveCentroid,
        ]
        .get(c as usize)
        .copied()
    }

    fn flags(&self) -> u8 {
        let b = &self.builtins;
        b.writes_depth as u8
            | (b.writes_sample_mask as u8) << 1
            | (b.per_sample as u8) << 2
            | (self.early_fragment_tests as u8) << 3
            | (self.pure as u8) << 4
            | (self.lanes_alone as u8) << 5
    }
}

/// How a relocation patches the code (the kinds the JIT emits for softvk's non-PIC code on
/// x86-64 and aarch64; any other kind makes a kernel uncacheable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Abs8,
    X86PcRel4,
    X86CallPcRel4,
    Arm64Call,
}

impl Kind {
    fn of(r: Reloc) -> Option<Kind> {
        Some(match r {
            Reloc::Abs8 => Kind::Abs8,
            Reloc::X86PCRel4 => Kind::X86PcRel4,
            Reloc::X86CallPCRel4 => Kind::X86CallPcRel4,
            Reloc::Arm64Call => Kind::Arm64Call,
            _ => return None,
        })
    }

    fn reloc(self) -> Reloc {
        match self {
            Kind::Abs8 => Reloc::Abs8,
            Kind::X86PcRel4 => Reloc::X86PCRel4,
            Kind::X86CallPcRel4 => Reloc::X86CallPCRel4,
            Kind::Arm64Call => Reloc::Arm64Call,
        }
    }

    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(c: u8) -> Option<Kind> {
        [
            Kind::Abs8,
            Kind::X86PcRel4,
            Kind::X86CallPcRel4,
            Kind::Arm64Call,
        ]
        .get(c as usize)
        .copied()
    }

    /// Bytes the relocation writes.
    fn width(self) -> usize {
        match self {
            Kind::Abs8 => 8,
            _ => 4,
        }
    }

    fn pc_relative(self) -> bool {
        self != Kind::Abs8
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// A function by name: one of the kernel's or a runtime symbol.
    Symbol(String),
    LibCall(LibCall),
    /// An offset in the function that holds the relocation.
    Here(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rel {
    offset: u32,
    kind: Kind,
    target: Target,
    addend: i64,
}

/// One compiled function: what `define_function_bytes` takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Func {
    name: String,
    align: u32,
    code: Vec<u8>,
    relocs: Vec<Rel>,
}

/// Compiles function `id` of `module` from `cctx` and defines it from its machine code, which
/// is returned as a record (`None`: it has a relocation the cache does not keep; the function
/// is defined all the same).
pub(crate) fn define(
    module: &mut JITModule,
    id: FuncId,
    cctx: &mut Context,
) -> Result<Option<Func>, ShaderError> {
    cctx.compile(module.isa(), &mut Default::default())
        .map_err(|e| ShaderError::new(format!("JIT compilation failed: {:?}", e.inner)))?;
    let compiled = cctx.compiled_code().expect("compiled just now");
    let align = compiled.buffer.alignment;
    let code = compiled.code_buffer();
    let relocs: Vec<ModuleReloc> = compiled
        .buffer
        .relocs()
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &cctx.func, id))
        .collect();
    module
        .define_function_bytes(id, align as u64, code, &relocs)
        .map_err(|e| ShaderError::new(format!("JIT compilation failed: {e:?}")))?;
    let name_of = |id: FuncId| module.declarations().get_function_decl(id).name.clone();
    let record = || -> Option<Func> {
        let relocs = relocs
            .iter()
            .map(|r| {
                let target = match &r.name {
                    ModuleRelocTarget::User {
                        namespace: 0,
                        index,
                    } => Target::Symbol(name_of(FuncId::from_u32(*index))?),
                    ModuleRelocTarget::LibCall(l) => Target::LibCall(*l),
                    ModuleRelocTarget::FunctionOffset(f, off) if *f == id => Target::Here(*off),
                    _ => return None,
                };
                Some(Rel {
                    offset: r.offset,
                    kind: Kind::of(r.kind)?,
                    target,
                    addend: r.addend,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Func {
            name: name_of(id)?,
            align,
            code: code.to_vec(),
            relocs,
        })
    };
    Ok(record())
}

/// What identifies the compiler that made a kernel, beyond its inputs: the crate version and
/// build (a hash of the driver's sources), this encoding's version, the target and the CPU
/// features cranelift detected (the code may use any of them), and the backend selection
/// (`SOFTVK_SHADER_BACKEND`, or the per-thread override of the tests).
pub fn compiler_identity() -> String {
    static FIXED: OnceLock<String> = OnceLock::new();
    let fixed = FIXED.get_or_init(|| {
        let isa = match lower::isa() {
            Ok(isa) => {
                let flags: Vec<String> = isa.isa_flags().iter().map(|f| f.to_string()).collect();
                format!("{} [{}]", isa.triple(), flags.join(","))
            }
            Err(e) => e.message,
        };
        format!(
            "softvk {} build {} kernel format {FORMAT} isa {isa}",
            env!("CARGO_PKG_VERSION"),
            env!("SOFTVK_BUILD_HASH"),
        )
    });
    format!("{fixed} backend {:?}", super::backend())
}

/// A compiled compute kernel as plain data: its functions' machine code and relocations, and
/// what the dispatch needs to know. Made by every compile ([`ComputeKernel::binary`]); turned
/// into a kernel again, without compiling, by [`ComputeKernel::from_binary`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelBinary {
    local_size: [u32; 3],
    /// Why the SoA backend declined the shader (the scalar backend compiled it).
    declined: Option<String>,
    workgroup_bytes: u32,
    workgroup_init: Vec<u8>,
    barriers: bool,
    function_bytes: u32,
    device_addresses: bool,
    lanes: u32,
    split: bool,
    spill_bytes: u32,
    locals_bytes: u32,
    looped: bool,
    /// `funcs[0]` is the entry point.
    funcs: Vec<Func>,
    /// A graphics stage's facts; `None` for a compute kernel.
    stage: Option<StageInfo>,
}

impl KernelBinary {
    /// The binary of a kernel just compiled (taking its recorded code), if all its functions
    /// were recorded; `stage` for a graphics stage.
    pub(crate) fn of(
        local_size: [u32; 3],
        jit: &mut Jit,
        declined: Option<&str>,
        stage: Option<StageInfo>,
    ) -> Option<Self> {
        let b = KernelBinary {
            local_size,
            declined: declined.map(str::to_owned),
            workgroup_bytes: jit.workgroup_bytes.try_into().ok()?,
            workgroup_init: jit.workgroup_init.clone(),
            barriers: jit.barriers,
            function_bytes: jit.function_bytes.try_into().ok()?,
            device_addresses: jit.device_addresses,
            lanes: jit.lanes.try_into().ok()?,
            split: jit.split,
            spill_bytes: jit.spill_bytes.try_into().ok()?,
            locals_bytes: jit.locals_bytes.try_into().ok()?,
            looped: jit.looped,
            funcs: jit.code.take()?,
            stage,
        };
        // What could not be read back is not worth keeping.
        b.check().ok().map(|_| b)
    }

    /// Bytes of machine code.
    pub fn code_bytes(&self) -> usize {
        self.funcs.iter().map(|f| f.code.len()).sum()
    }

    /// Appends the encoding (little-endian; read back by [`KernelBinary::decode`]).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Writer(out);
        for v in self.local_size {
            w.u32(v);
        }
        let flags = self.barriers as u8
            | (self.device_addresses as u8) << 1
            | (self.split as u8) << 2
            | (self.looped as u8) << 3;
        w.u8(flags);
        w.u32(self.lanes);
        w.u32(self.workgroup_bytes);
        w.u32(self.function_bytes);
        w.u32(self.spill_bytes);
        w.u32(self.locals_bytes);
        w.bytes(&self.workgroup_init);
        match &self.declined {
            None => w.u8(0),
            Some(m) => {
                w.u8(1);
                w.bytes(m.as_bytes());
            }
        }
        w.u32(self.funcs.len() as u32);
        for f in &self.funcs {
            w.bytes(f.name.as_bytes());
            w.u32(f.align);
            w.bytes(&f.code);
            w.u32(f.relocs.len() as u32);
            for r in &f.relocs {
                w.u32(r.offset);
                w.u8(r.kind.code());
                match &r.target {
                    Target::Symbol(s) => {
                        w.u8(0);
                        w.bytes(s.as_bytes());
                    }
                    Target::LibCall(l) => {
                        w.u8(1);
                        w.bytes(l.to_string().as_bytes());
                    }
                    Target::Here(o) => {
                        w.u8(2);
                        w.u32(*o);
                    }
                }
                w.u64(r.addend as u64);
            }
        }
        match &self.stage {
            None => w.u8(0),
            Some(st) => {
                w.u8(match st.model {
                    StageModel::Vertex => 1,
                    StageModel::Fragment => 2,
                });
                w.u8(st.flags());
                w.u8(st.builtins.reads as u8);
                w.u32(st.inputs.len() as u32);
                for &(row, interp) in &st.inputs {
                    w.u32(row);
                    w.u8(StageInfo::interp_code(interp));
                }
                w.u32(st.planes.len() as u32);
                for &row in &st.planes {
                    w.u32(row);
                }
                for &word in &st.builtins.rows.0 {
                    w.u64(word);
                }
            }
        }
    }

    /// Reads an encoding back, checking everything (module docs): an error says what is wrong.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let mut r = Reader(bytes);
        let local_size = [r.u32()?, r.u32()?, r.u32()?];
        let flags = r.u8()?;
        if flags > 0xf {
            return Err(format!("unknown flags {flags:#x}"));
        }
        let lanes = r.u32()?;
        let workgroup_bytes = r.u32()?;
        let function_bytes = r.u32()?;
        let spill_bytes = r.u32()?;
        let locals_bytes = r.u32()?;
        let workgroup_init = r.bytes(lower::MAX_WORKGROUP_BYTES as usize)?.to_vec();
        let declined = match r.u8()? {
            0 => None,
            1 => Some(r.string(4096)?),
            t => return Err(format!("bad tag {t}")),
        };
        let n = r.u32()? as usize;
        if n == 0 || n > MAX_FUNCS {
            return Err(format!("{n} functions"));
        }
        let mut funcs = Vec::with_capacity(n);
        for _ in 0..n {
            let name = r.string(MAX_NAME)?;
            let align = r.u32()?;
            let code = r.bytes(MAX_CODE)?.to_vec();
            let count = r.u32()? as usize;
            // Each relocation takes at least 14 bytes: no allocation beyond the input's size.
            if count > r.0.len() / 14 {
                return Err(format!("{count} relocations in {} bytes", r.0.len()));
            }
            let mut relocs = Vec::with_capacity(count);
            for _ in 0..count {
                let offset = r.u32()?;
                let kind = Kind::from_code(r.u8()?).ok_or("unknown relocation kind")?;
                let target = match r.u8()? {
                    0 => Target::Symbol(r.string(MAX_NAME)?),
                    1 => Target::LibCall(
                        r.string(MAX_NAME)?
                            .parse()
                            .map_err(|_| "unknown libcall".to_string())?,
                    ),
                    2 => Target::Here(r.u32()?),
                    t => return Err(format!("bad relocation target tag {t}")),
                };
                let addend = r.u64()? as i64;
                relocs.push(Rel {
                    offset,
                    kind,
                    target,
                    addend,
                });
            }
            funcs.push(Func {
                name,
                align,
                code,
                relocs,
            });
        }
        let stage = match r.u8()? {
            0 => None,
            m @ (1 | 2) => {
                let flags = r.u8()?;
                if flags > 0x3f {
                    return Err(format!("unknown stage flags {flags:#x}"));
                }
                let reads = r.u8()? as u32;
                if reads > StageBuiltins::ALL_READS {
                    return Err(format!("unknown built-in inputs {reads:#x}"));
                }
                let n = r.u32()?;
                if n > INPUT_ROWS {
                    return Err(format!("{n} stage inputs"));
                }
                let mut inputs = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    let row = r.u32()?;
                    let interp = StageInfo::interp(r.u8()?).ok_or("unknown interpolation")?;
                    inputs.push((row, interp));
                }
                let n = r.u32()?;
                if n > INPUT_ROWS {
                    return Err(format!("{n} interpolation planes"));
                }
                let mut planes = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    planes.push(r.u32()?);
                }
                let mut rows = IoRows::default();
                for word in &mut rows.0 {
                    *word = r.u64()?;
                }
                Some(StageInfo {
                    model: if m == 1 {
                        StageModel::Vertex
                    } else {
                        StageModel::Fragment
                    },
                    inputs,
                    planes,
                    builtins: StageBuiltins {
                        writes_depth: flags & 1 != 0,
                        writes_sample_mask: flags & 2 != 0,
                        per_sample: flags & 4 != 0,
                        reads,
                        rows,
                    },
                    early_fragment_tests: flags & 8 != 0,
                    pure: flags & 16 != 0,
                    lanes_alone: flags & 32 != 0,
                })
            }
            t => return Err(format!("bad stage tag {t}")),
        };
        if !r.0.is_empty() {
            return Err(format!("{} bytes after the kernel", r.0.len()));
        }
        let b = KernelBinary {
            local_size,
            declined,
            workgroup_bytes,
            workgroup_init,
            barriers: flags & 1 != 0,
            function_bytes,
            device_addresses: flags & 2 != 0,
            lanes,
            split: flags & 4 != 0,
            spill_bytes,
            locals_bytes,
            looped: flags & 8 != 0,
            funcs,
            stage,
        };
        b.check()?;
        Ok(b)
    }

    /// The rules of the module docs: sizes within the compiler's limits, consistent modes,
    /// relocations inside their function at known targets.
    fn check(&self) -> Result<(), String> {
        let [x, y, z] = self.local_size;
        let total = x as u64 * y as u64 * z as u64;
        if total == 0 || total > 1024 {
            return Err(format!("workgroup size {x}x{y}x{z}"));
        }
        if self.lanes != 1 && self.lanes != LANES as u32 {
            return Err(format!("{} lanes", self.lanes));
        }
        if self.workgroup_bytes as u64 > lower::MAX_WORKGROUP_BYTES
            || self.workgroup_init.len() > self.workgroup_bytes as usize
        {
            return Err("workgroup memory size".into());
        }
        if self.function_bytes as u64 > lower::MAX_FUNCTION_BYTES
            || self.spill_bytes as u64 > lower::MAX_WORKGROUP_STACK_BYTES
            || self.locals_bytes as u64 > lower::MAX_WORKGROUP_STACK_BYTES
        {
            return Err("function memory size".into());
        }
        // Split: barriers become phases (SoA). Looped: one call runs every subgroup (SoA), per
        // phase with barriers.
        if (self.split && (self.lanes == 1 || !self.barriers))
            || (self.looped && (self.lanes == 1 || (self.barriers && !self.split)))
        {
            return Err("inconsistent mode flags".into());
        }
        if let Some(st) = &self.stage {
            // What `compile_stage` makes: one SoA call per four vertices or one quad, without
            // barriers, function memory on the stack.
            if self.local_size != [1, 1, 1]
                || self.lanes != LANES as u32
                || self.barriers
                || self.split
                || self.looped
                || self.function_bytes > MAX_STAGE_FUNCTION_BYTES
            {
                return Err("a stage kernel with compute modes".into());
            }
            if st.inputs.iter().any(|&(row, _)| row >= INPUT_ROWS) {
                return Err("a stage input outside the location rows".into());
            }
            // Each plane is a varying input's, once.
            let varying = |row: u32| {
                st.inputs
                    .iter()
                    .any(|&(r, i)| r == row && i != Interp::Flat)
            };
            for (k, &row) in st.planes.iter().enumerate() {
                if !varying(row) || st.planes[..k].contains(&row) {
                    return Err("an interpolation plane of no varying input".into());
                }
            }
            if st.model == StageModel::Vertex
                && (!st.inputs.is_empty()
                    || !st.planes.is_empty()
                    || st.builtins
                        != (StageBuiltins {
                            rows: st.builtins.rows,
                            ..StageBuiltins::default()
                        })
                    || st.early_fragment_tests
                    || st.lanes_alone)
            {
                return Err("a vertex kernel with fragment facts".into());
            }
        }
        let symbols: Vec<&str> = lower::symbols().iter().map(|(n, _)| *n).collect();
        let valid_name = |n: &str| {
            !n.is_empty()
                && n.len() <= MAX_NAME
                && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        };
        let local = |n: &str| self.funcs.iter().any(|f| f.name == n);
        for (i, f) in self.funcs.iter().enumerate() {
            if !valid_name(&f.name)
                || symbols.contains(&f.name.as_str())
                || self.funcs[..i].iter().any(|g| g.name == f.name)
            {
                return Err(format!("function name {:?}", f.name));
            }
            if !f.align.is_power_of_two() || f.align > 4096 {
                return Err(format!("alignment {}", f.align));
            }
            if f.code.is_empty() || f.code.len() > MAX_CODE {
                return Err(format!("{} bytes of code", f.code.len()));
            }
            for r in &f.relocs {
                let end = r.offset as usize + r.kind.width();
                if end > f.code.len() {
                    return Err(format!("relocation at {} past the code", r.offset));
                }
                // Keeps the linker's address arithmetic from overflowing.
                if i32::try_from(r.addend).is_err() {
                    return Err(format!("relocation addend {}", r.addend));
                }
                let ok = match &r.target {
                    Target::Symbol(s) if local(s) => true,
                    Target::Symbol(s) => !r.kind.pc_relative() && symbols.contains(&s.as_str()),
                    Target::LibCall(_) => !r.kind.pc_relative(),
                    Target::Here(o) => (*o as usize) < f.code.len(),
                };
                if !ok {
                    return Err(format!("relocation target {:?}", r.target));
                }
            }
        }
        Ok(())
    }
}

impl ComputeKernel {
    /// The kernel as plain data, for a pipeline cache (`None` when the compile produced a
    /// relocation the cache does not keep).
    pub fn binary(&self) -> Option<&Arc<KernelBinary>> {
        self.binary.as_ref()
    }

    /// Links `b` (made by a compile of a compute entry point with the same inputs and
    /// [`compiler_identity`]) into a kernel for `iface`, without compiling anything.
    pub fn from_binary(
        b: &Arc<KernelBinary>,
        iface: &PipelineInterface,
    ) -> Result<Self, ShaderError> {
        if b.stage.is_some() {
            return Err(ShaderError::new(
                "cached kernel: a graphics stage, not a compute kernel",
            ));
        }
        Self::link_binary(b, iface)
    }

    /// The kernel of `b`, whatever it was compiled as.
    fn link_binary(b: &Arc<KernelBinary>, iface: &PipelineInterface) -> Result<Self, ShaderError> {
        let linked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| link(&b.funcs)))
            .unwrap_or_else(|_| Err(ShaderError::new("cached kernel: linking failed")))?;
        let (module, entry) = linked;
        let jit = Jit {
            module,
            entry,
            workgroup_bytes: b.workgroup_bytes as usize,
            workgroup_init: b.workgroup_init.clone(),
            barriers: b.barriers,
            function_bytes: b.function_bytes as usize,
            device_addresses: b.device_addresses,
            lanes: b.lanes as usize,
            split: b.split,
            spill_bytes: b.spill_bytes as usize,
            locals_bytes: b.locals_bytes as usize,
            looped: b.looped,
            code: None,
            // Graphics stages' facts are the `StageInfo`'s, which their kernels keep.
            inputs: Vec::new(),
            planes: Vec::new(),
            stage: Default::default(),
        };
        Ok(super::finish(
            b.local_size,
            jit,
            b.declined.clone(),
            iface,
            Some(b.clone()),
        ))
    }
}

/// The stage facts of `b` if it is a `model` stage kernel.
fn stage_of(b: &KernelBinary, model: StageModel) -> Result<&StageInfo, ShaderError> {
    b.stage
        .as_ref()
        .filter(|s| s.model == model)
        .ok_or_else(|| ShaderError::new(format!("cached kernel: not a {model:?} stage")))
}

impl VertexKernel {
    /// The kernel as plain data, for a pipeline cache (`None`: not recorded).
    pub fn binary(&self) -> Option<&Arc<KernelBinary>> {
        self.kernel.binary()
    }

    /// Links `b` (made by [`super::compile_vertex`] with the same inputs and
    /// [`compiler_identity`]) into a vertex kernel for `iface`, without compiling anything.
    pub fn from_binary(
        b: &Arc<KernelBinary>,
        iface: &PipelineInterface,
    ) -> Result<Self, ShaderError> {
        let st = stage_of(b, StageModel::Vertex)?;
        Ok(VertexKernel {
            kernel: ComputeKernel::link_binary(b, iface)?,
            pure: st.pure,
            rows: st.builtins.rows,
        })
    }
}

impl FragmentKernel {
    /// The kernel as plain data, for a pipeline cache (`None`: not recorded).
    pub fn binary(&self) -> Option<&Arc<KernelBinary>> {
        self.kernel.binary()
    }

    /// Links `b` (made by [`super::compile_fragment`] with the same inputs and
    /// [`compiler_identity`]) into a fragment kernel for `iface`, without compiling anything:
    /// its inputs, built-ins, EarlyFragmentTests and purity are the compile's.
    pub fn from_binary(
        b: &Arc<KernelBinary>,
        iface: &PipelineInterface,
    ) -> Result<Self, ShaderError> {
        let st = stage_of(b, StageModel::Fragment)?;
        let kernel = ComputeKernel::link_binary(b, iface)?;
        Ok(FragmentKernel::of_stage(kernel, st.clone()))
    }
}

/// A JIT module with `funcs` defined from their bytes and linked; the first one's address.
fn link(funcs: &[Func]) -> Result<(JITModule, super::runtime::EntryFn), ShaderError> {
    let jit = |e: cranelift_module::ModuleError| ShaderError::new(format!("cached kernel: {e}"));
    let mut module = lower::new_module()?;
    // Signatures matter only to code that calls through them; these functions are bytes.
    let sig = module.make_signature();
    let mut ids: HashMap<&str, FuncId> = HashMap::new();
    for f in funcs {
        let id = module
            .declare_function(&f.name, Linkage::Local, &sig)
            .map_err(jit)?;
        ids.insert(&f.name, id);
    }
    for f in funcs {
        for r in &f.relocs {
            if let Target::Symbol(s) = &r.target
                && !ids.contains_key(s.as_str())
            {
                let id = module
                    .declare_function(s, Linkage::Import, &sig)
                    .map_err(jit)?;
                ids.insert(s, id);
            }
        }
    }
    for f in funcs {
        let id = ids[f.name.as_str()];
        let relocs: Vec<ModuleReloc> = f
            .relocs
            .iter()
            .map(|r| ModuleReloc {
                offset: r.offset,
                kind: r.kind.reloc(),
                name: match &r.target {
                    Target::Symbol(s) => ids[s.as_str()].into(),
                    Target::LibCall(l) => ModuleRelocTarget::LibCall(*l),
                    Target::Here(o) => ModuleRelocTarget::FunctionOffset(id, *o),
                },
                addend: r.addend,
            })
            .collect();
        module
            .define_function_bytes(id, f.align as u64, &f.code, &relocs)
            .map_err(jit)?;
    }
    module
        .finalize_definitions()
        .map_err(|e| ShaderError::new(format!("cached kernel: linking failed: {e}")))?;
    let code = module.get_finalized_function(ids[funcs[0].name.as_str()]);
    // SAFETY: `funcs[0]` is the `sv_main` of a compile with the same compiler identity (the
    // cache's key says so), whose signature is `fn(ctx: i64)` in the platform's C convention.
    let entry = unsafe { std::mem::transmute::<*const u8, super::runtime::EntryFn>(code) };
    Ok((module, entry))
}

struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
}

/// Reads from the front of a slice; every read checks the length left.
pub(crate) struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.0.len() {
            return Err(format!("{n} bytes wanted, {} left", self.0.len()));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    pub fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4")))
    }
    pub fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8")))
    }
    /// A length-prefixed byte string of at most `max` bytes.
    pub fn bytes(&mut self, max: usize) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(format!("{n} bytes where at most {max} fit"));
        }
        self.take(n)
    }
    fn string(&mut self, max: usize) -> Result<String, String> {
        String::from_utf8(self.bytes(max)?.to_vec()).map_err(|_| "name is not UTF-8".to_string())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::shader::tests::{CASES, RELOAD, run_case, words};
    use crate::shader::{Module, SpecConstants, compile_compute};

    /// `k` read back from its encoded binary.
    pub(in crate::shader) fn reload(k: &ComputeKernel, iface: &PipelineInterface) -> ComputeKernel {
        let b = k
            .binary()
            .expect("every kernel of the test cases is recorded");
        let mut bytes = Vec::new();
        b.encode(&mut bytes);
        let d = KernelBinary::decode(&bytes).unwrap_or_else(|e| panic!("decode: {e}"));
        assert_eq!(&d, &**b, "the encoding round-trips");
        ComputeKernel::from_binary(&Arc::new(d), iface).expect("links")
    }

    /// Every shader case, on both backends, gives its expected results when its kernel is
    /// linked from the encoded binary instead of compiled.
    #[test]
    fn every_case_runs_from_its_binary() {
        RELOAD.with(|r| r.set(true));
        for name in CASES {
            run_case(name);
        }
        RELOAD.with(|r| r.set(false));
    }

    fn sample() -> (Arc<KernelBinary>, Vec<u8>) {
        // A shader with workgroup memory, a barrier and a loop: several relocations.
        let spv = std::fs::read(
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("shaders/compute/shared.spv"),
        )
        .expect("shared.spv");
        let m = Module::parse(&words(&spv)).expect("parses");
        let iface = PipelineInterface {
            bindings: (0..2)
                .map(|i| super::super::BindingLayout {
                    set: 0,
                    binding: i,
                    kind: super::super::DescriptorKind::StorageBuffer,
                    count: 1,
                    first_slot: i,
                })
                .collect(),
            push_constant_bytes: 0,
        };
        let k = compile_compute(&m, "main", &SpecConstants::default(), &iface).expect("compiles");
        let b = k.binary().expect("recorded").clone();
        let mut bytes = Vec::new();
        b.encode(&mut bytes);
        (b, bytes)
    }

    /// Truncated or garbled encodings are refused, or decode to something that passes every
    /// check; nothing panics.
    #[test]
    fn damaged_binaries_are_refused() {
        let (b, bytes) = sample();
        assert!(!b.funcs[0].relocs.is_empty(), "the sample has relocations");
        for n in 0..bytes.len() {
            assert!(
                KernelBinary::decode(&bytes[..n]).is_err(),
                "a truncation to {n} bytes decodes"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(KernelBinary::decode(&longer).is_err(), "a trailing byte");
        for i in 0..bytes.len() {
            for bit in [0x01u8, 0x80] {
                let mut m = bytes.clone();
                m[i] ^= bit;
                if let Ok(d) = KernelBinary::decode(&m) {
                    assert!(d.check().is_ok());
                }
            }
        }
        // Specific damage, each refused by `check`.
        let bad = |f: &dyn Fn(&mut KernelBinary)| {
            let mut d = (*b).clone();
            f(&mut d);
            let mut bytes = Vec::new();
            d.encode(&mut bytes);
            assert!(
                KernelBinary::decode(&bytes).is_err(),
                "damaged binary decodes"
            );
        };
        bad(&|d| d.lanes = 3);
        bad(&|d| d.local_size = [0, 1, 1]);
        bad(&|d| d.local_size = [1025, 1, 1]);
        bad(&|d| d.workgroup_bytes = 1 << 20);
        bad(&|d| {
            d.looped = true;
            d.barriers = true;
            d.split = false;
        });
        bad(&|d| {
            d.split = true;
            d.barriers = false;
        });
        bad(&|d| d.funcs[0].align = 3);
        bad(&|d| d.funcs[1].name = d.funcs[0].name.clone());
        bad(&|d| d.funcs[0].name = "sv_fuel".into());
        bad(&|d| {
            let len = d.funcs[0].code.len() as u32;
            d.funcs[0].relocs[0].offset = len - 2;
        });
        bad(&|d| d.funcs[0].relocs[0].target = Target::Symbol("system".into()));
        bad(&|d| d.funcs[0].relocs[0].addend = 1 << 40);
        bad(&|d| {
            let r = &mut d.funcs[0].relocs[0];
            r.kind = Kind::X86CallPcRel4;
            r.target = Target::Symbol("sv_fuel".into());
        });
    }

    fn stage_module(name: &str) -> Module {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("shaders/tests/{name}.spv"));
        Module::parse(&words(&std::fs::read(&path).expect("spv"))).expect("parses")
    }

    fn storage_iface(n: u32) -> PipelineInterface {
        PipelineInterface {
            bindings: (0..n)
                .map(|i| super::super::BindingLayout {
                    set: 0,
                    binding: i,
                    kind: super::super::DescriptorKind::StorageBuffer,
                    count: 1,
                    first_slot: i,
                })
                .collect(),
            push_constant_bytes: 64,
        }
    }

    /// `b` through its encoding, which must give it back.
    fn round_trip(b: &KernelBinary) -> Arc<KernelBinary> {
        let mut bytes = Vec::new();
        b.encode(&mut bytes);
        let d = KernelBinary::decode(&bytes).unwrap_or_else(|e| panic!("decode: {e}"));
        assert_eq!(&d, b, "the encoding round-trips");
        Arc::new(d)
    }

    /// A word for interface row `row`, lane `l` of call `q`: small floats, so every input
    /// is a plain number.
    fn row_word(q: usize, row: usize, l: usize) -> u32 {
        (((q * 131 + row * 17 + l * 7) % 97) as f32 * 0.125 - 3.0).to_bits()
    }

    /// A vertex kernel linked from its encoded binary runs to the compiled one's outputs and
    /// links only as a vertex kernel.
    #[test]
    fn vertex_kernels_round_trip() {
        use crate::memory::{DeviceMemory, Heap};
        use crate::shader::{Resource, VertexIn, compile_vertex};
        let m = stage_module("vertex_basic");
        let iface = storage_iface(1);
        let k = compile_vertex(&m, "main", &SpecConstants::default(), &iface).expect("compiles");
        let b = round_trip(k.binary().expect("recorded"));
        assert_eq!(b.stage.as_ref().map(|s| s.model), Some(StageModel::Vertex));
        let linked = VertexKernel::from_binary(&b, &iface).expect("links");
        assert_eq!(linked.pure, k.pure);
        // So do the rows its code touches, which its runs clear.
        assert_eq!(linked.rows, k.rows);
        assert!(k.rows.iter().count() >= 4);
        // Purity survives the encoding both ways.
        let mut other = (*b).clone();
        other.stage.as_mut().unwrap().pure = !k.pure;
        let flipped = VertexKernel::from_binary(&round_trip(&other), &iface).expect("links");
        assert_eq!(flipped.pure, !k.pure);
        assert!(FragmentKernel::from_binary(&b, &iface).is_err());
        assert!(ComputeKernel::from_binary(&b, &iface).is_err());
        assert!(VertexKernel::from_binary(&sample().0, &iface).is_err());
        let heap = Arc::new(Heap::new(1 << 20));
        let mem = DeviceMemory::allocate(&heap, 64, 0, None).expect("alloc");
        let span = mem.span(0, 64).expect("span");
        span.write(0, &(0..64).map(|i| i as u8 * 3).collect::<Vec<u8>>());
        let push: Vec<u8> = (0..16)
            .flat_map(|i| (i as f32 * 0.25 - 1.0).to_le_bytes())
            .collect();
        let verts: Vec<VertexIn> = (0..11)
            .map(|i| {
                let mut v = VertexIn {
                    vertex_index: 3 * i as u32 + 1,
                    instance_index: i as u32 % 3,
                    ..Default::default()
                };
                for (loc, words) in v.inputs.iter_mut().enumerate() {
                    for (c, w) in words.iter_mut().enumerate() {
                        *w = row_word(i, 4 * loc + c, 0);
                    }
                }
                v
            })
            .collect();
        let slots = [Resource::Buffer(span)];
        let want = k.run(&slots, &push, &verts, 0);
        assert_eq!(linked.run(&slots, &push, &verts, 0), want);
    }

    /// Fragment kernels linked from their encoded binaries carry the compile's inputs,
    /// built-ins, EarlyFragmentTests and purity, run to the compiled ones' rows (every row,
    /// over quads of every coverage) and link only as fragment kernels; every combination of
    /// the facts survives the encoding.
    #[test]
    fn fragment_kernels_round_trip() {
        use crate::shader::compile_fragment;
        let iface = storage_iface(0);
        // Flat and smooth inputs, discard, derivatives, FragDepth; per-sample inputs and a
        // SampleMask output; a pure shader; interpolation functions (planes, and the rows
        // after IO_ROWS they read).
        for name in [
            "fragment_basic",
            "draw_sample_fs",
            "gfx_color_fs",
            "fragment_interp",
        ] {
            let m = stage_module(name);
            let k =
                compile_fragment(&m, "main", &SpecConstants::default(), &iface).expect("compiles");
            let b = round_trip(k.binary().expect("recorded"));
            let linked = FragmentKernel::from_binary(&b, &iface).expect("links");
            assert!(VertexKernel::from_binary(&b, &iface).is_err(), "{name}");
            assert!(ComputeKernel::from_binary(&b, &iface).is_err(), "{name}");
            assert_eq!(linked.inputs, k.inputs, "{name}");
            assert_eq!(linked.planes, k.planes, "{name}");
            assert_eq!(linked.plane_columns, k.plane_columns, "{name}");
            assert_eq!(k.plane_columns.len(), k.planes.len(), "{name}");
            assert_eq!(k.planes.is_empty(), name != "fragment_interp", "{name}");
            assert_eq!(linked.builtins, k.builtins, "{name}");
            assert_eq!(
                linked.early_fragment_tests, k.early_fragment_tests,
                "{name}"
            );
            assert_eq!(linked.pure, k.pure, "{name}");
            assert_eq!(linked.lanes_alone, k.lanes_alone, "{name}");
            let run = |f: &FragmentKernel| {
                let mut out = Vec::new();
                f.run_quads(
                    &[],
                    &[],
                    16,
                    |q, rows| {
                        for (r, row) in rows.iter_mut().enumerate() {
                            for (l, w) in row.iter_mut().enumerate() {
                                *w = row_word(q, r, l);
                            }
                        }
                        // Every coverage but the empty one.
                        (q as u8 % 15) + 1
                    },
                    |q, rows, live| out.push((q, live, rows.to_vec())),
                );
                out
            };
            let want = run(&k);
            assert_eq!(want.len(), 16, "{name}");
            assert!(
                run(&linked) == want,
                "{name}: the linked kernel's rows differ"
            );
        }
        let m = stage_module("fragment_basic");
        let k = compile_fragment(&m, "main", &SpecConstants::default(), &iface).expect("compiles");
        assert!(k.builtins.writes_depth && !k.pure && !k.inputs.is_empty());
        assert!(k.inputs.iter().any(|&(_, i)| i == Interp::Flat));
        for flags in 0..64u8 {
            let mut b = (**k.binary().unwrap()).clone();
            let st = b.stage.as_mut().unwrap();
            st.builtins = StageBuiltins {
                writes_depth: flags & 1 != 0,
                writes_sample_mask: flags & 2 != 0,
                per_sample: flags & 4 != 0,
                // Every set of built-in inputs, over the rounds.
                reads: (flags as u32 * 7) & StageBuiltins::ALL_READS,
                rows: IoRows(
                    [(flags as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15); lower::IO_ROW_WORDS],
                ),
            };
            st.early_fragment_tests = flags & 8 != 0;
            st.pure = flags & 16 != 0;
            st.lanes_alone = flags & 32 != 0;
            st.inputs.push((125, Interp::NoPerspective));
            st.inputs.push((126, Interp::Centroid));
            st.inputs.push((127, Interp::NoPerspectiveCentroid));
            st.planes = vec![126, 125];
            let want = st.clone();
            let f = FragmentKernel::from_binary(&round_trip(&b), &iface).expect("links");
            assert_eq!(f.builtins, want.builtins, "flags {flags:#x}");
            assert_eq!(f.early_fragment_tests, want.early_fragment_tests);
            assert_eq!(f.pure, want.pure);
            assert_eq!(f.lanes_alone, want.lanes_alone);
            assert_eq!(f.inputs, want.inputs);
            assert_eq!(f.planes, want.planes);
        }
    }

    /// Stage binaries that a compile could not have made are refused.
    #[test]
    fn damaged_stage_binaries_are_refused() {
        use crate::shader::compile_fragment;
        let m = stage_module("fragment_basic");
        let iface = storage_iface(0);
        let k = compile_fragment(&m, "main", &SpecConstants::default(), &iface).expect("compiles");
        let b = (**k.binary().unwrap()).clone();
        let mut bytes = Vec::new();
        b.encode(&mut bytes);
        for n in 0..bytes.len() {
            assert!(
                KernelBinary::decode(&bytes[..n]).is_err(),
                "truncated to {n}"
            );
        }
        let bad = |f: &dyn Fn(&mut KernelBinary)| {
            let mut d = b.clone();
            f(&mut d);
            let mut bytes = Vec::new();
            d.encode(&mut bytes);
            assert!(
                KernelBinary::decode(&bytes).is_err(),
                "damaged binary decodes"
            );
        };
        bad(&|d| {
            d.stage
                .as_mut()
                .unwrap()
                .inputs
                .push((INPUT_ROWS, Interp::Smooth))
        });
        // Interpolation planes of a flat input, of no input, twice of one input.
        let flat = k.inputs.iter().find(|(_, i)| *i == Interp::Flat).unwrap().0;
        let smooth = k.inputs.iter().find(|(_, i)| *i != Interp::Flat).unwrap().0;
        bad(&|d| d.stage.as_mut().unwrap().planes = vec![flat]);
        bad(&|d| d.stage.as_mut().unwrap().planes = vec![INPUT_ROWS - 1]);
        bad(&|d| d.stage.as_mut().unwrap().planes = vec![smooth, smooth]);
        bad(&|d| d.lanes = 1);
        bad(&|d| d.local_size = [4, 1, 1]);
        bad(&|d| d.function_bytes = MAX_STAGE_FUNCTION_BYTES + 1);
        bad(&|d| {
            let st = d.stage.as_mut().unwrap();
            st.model = StageModel::Vertex;
        });
        bad(&|d| {
            let st = d.stage.as_mut().unwrap();
            st.model = StageModel::Vertex;
            st.inputs.clear();
            st.planes.clear();
            st.builtins = StageBuiltins::default();
            st.lanes_alone = true;
        });
        // A byte past the end of the stage section, an unknown stage tag, flag or built-in
        // input.
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(KernelBinary::decode(&longer).is_err());
        let st = b.stage.as_ref().unwrap();
        let tail = bytes.len()
            - (1 + 1
                + 1
                + 4
                + 5 * st.inputs.len()
                + 4
                + 4 * st.planes.len()
                + 8 * lower::IO_ROW_WORDS);
        let mut m2 = bytes.clone();
        m2[tail] = 3;
        assert!(KernelBinary::decode(&m2).is_err(), "stage tag 3");
        let mut m3 = bytes.clone();
        m3[tail + 1] = 0x40;
        assert!(KernelBinary::decode(&m3).is_err(), "stage flag 0x40");
        let mut m4 = bytes.clone();
        m4[tail + 2] = 0x80;
        assert!(KernelBinary::decode(&m4).is_err(), "built-in inputs 0x80");
    }

    /// A kernel's identity names the build and the backend.
    #[test]
    fn identity_names_build_and_backend() {
        let id = compiler_identity();
        assert!(id.contains(env!("SOFTVK_BUILD_HASH")), "{id}");
        crate::shader::BACKEND.with(|b| b.set(Some(crate::shader::Backend::Scalar)));
        let scalar = compiler_identity();
        crate::shader::BACKEND.with(|b| b.set(None));
        assert_ne!(id, scalar);
    }
}
