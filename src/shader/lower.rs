//! Scalar cranelift backend: one JIT'd call runs one invocation.
//!
//! Every function the entry point calls is inlined, so the JIT'd function is the whole
//! invocation. SPIR-V values are flattened into scalars (vectors by component, matrices by
//! column, arrays and structs by element/member); pointers exist only at compile time as a
//! (base, length, offset) triple of cranelift values plus the pointee type, and every memory
//! access checks `offset + size <= length` and redirects out-of-range loads to a zero area and
//! out-of-range stores/atomics to a sink in the context (branch-free robust access).
//!
//! **Memory model.** Both the GLSL450 and the Vulkan memory model (with Device and QueueFamily
//! scopes: VulkanMemoryModelDeviceScope) are lowered the same way, which is correct because all
//! memory a dispatch touches is ordinary host memory, coherent across every CPU core (there are
//! no incoherent caches for availability and visibility operations to flush or invalidate):
//! - every atomic instruction is a cranelift atomic (`atomic_rmw`, `atomic_cas`,
//!   `atomic_load`, `atomic_store`), which cranelift gives sequentially consistent ordering
//!   (on x86-64: `lock`-prefixed read-modify-writes, plain loads, stores followed by `mfence`),
//!   at least as strong as any memory semantics (Relaxed .. SequentiallyConsistent, with or
//!   without MakeAvailable/MakeVisible) at any scope (Invocation .. CrossDevice);
//! - OpMemoryBarrier and OpControlBarrier whose memory scope is wider than Workgroup (Device,
//!   QueueFamily, CrossDevice) emit a full `fence` on each side, which also keeps cranelift from
//!   moving or merging plain loads and stores across them (its alias analysis treats fences and
//!   atomics as clobbering all memory). At Workgroup scope or narrower they need no code: one
//!   thread runs a whole workgroup, and its invocations only hand over to each other at
//!   workgroup barriers, which are calls, returns or jumps to another subgroup's code (the
//!   phase loop), so program order already orders every access of the workgroup;
//! - MakePointerAvailable/MakePointerVisible/NonPrivatePointer memory operands and
//!   MakeTexelAvailable/MakeTexelVisible/NonPrivateTexel image operands therefore need no
//!   code: a plain store is visible to any later acquire that observes a release after it.
//!   Volatile accesses are fenced so they are neither merged nor dropped.
//!
//! **Subgroups.** Subgroup operations and built-ins are the SoA backend's (`simd_subgroup.rs`,
//! subgroups of 4); this backend refuses them rather than run subgroups of one invocation.

use super::front::{Program, Scalar, Ty, texel_kind};
use super::module::Inst;
use super::runtime::{self, *};
use super::{DescriptorKind, PipelineInterface, ShaderError};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    AbiParam, AtomicRmwOp, Block, BlockArg, FuncRef, InstBuilder, MemFlagsData, Signature,
    StackSlotData, StackSlotKind, Type, UserFuncName, Value, types,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module as _, default_libcall_names};
use spirv::{BuiltIn, Decoration, GlslStd450Op as G, Op, StorageClass};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const PTR: Type = types::I64;

// The zero area and the sink take out-of-range 8-byte accesses, atomics included.
const _: () = assert!(CTX_SINK % 8 == 0 && CTX_ZERO % 8 == 0);

/// maxComputeSharedMemorySize.
pub(crate) const MAX_WORKGROUP_BYTES: u64 = 32 << 10;
/// Function and Private memory of one invocation.
pub(crate) const MAX_FUNCTION_BYTES: u64 = 16 << 20;
/// Function and Private memory of all the invocations of a workgroup.
pub(crate) const MAX_WORKGROUP_STACK_BYTES: u64 = 256 << 20;
/// Scalars the translation of one entry point may produce (values defined plus scalars loaded
/// and stored, plus one per instruction translated, counting every inlined copy): bounds compile
/// time and memory for modules that copy huge composites over and over or call functions that
/// call functions many times.
const MAX_SCALARS: u64 = 1 << 17;

fn err<T>(m: impl Into<String>) -> Result<T, ShaderError> {
    Err(ShaderError::new(m))
}

pub(crate) fn isa() -> Result<OwnedTargetIsa, ShaderError> {
    static ISA: OnceLock<Result<OwnedTargetIsa, String>> = OnceLock::new();
    ISA.get_or_init(|| {
        let mut flags = settings::builder();
        let set = |f: &mut settings::Builder, k: &str, v: &str| {
            f.set(k, v)
                .map_err(|e| format!("cranelift setting {k}: {e}"))
        };
        set(&mut flags, "opt_level", "speed")?;
        set(&mut flags, "is_pic", "false")?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        // Cranelift's IR verifier was the largest single part of compile time (perf: more than
        // the register allocator or the e-graph pass). Debug builds (every test) keep it;
        // release builds skip it, as wasmtime does, unless SOFTVK_JIT_VERIFY=1. The lowering's
        // own checks and the bounds checks in the generated code do not depend on it.
        let verify = cfg!(debug_assertions) || std::env::var_os("SOFTVK_JIT_VERIFY").is_some();
        set(
            &mut flags,
            "enable_verifier",
            if verify { "true" } else { "false" },
        )?;
        set(&mut flags, "enable_probestack", "true")?;
        set(&mut flags, "probestack_strategy", "inline")?;
        let builder = cranelift_native::builder().map_err(|e| e.to_string())?;
        builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(|e| ShaderError::new(format!("no JIT for this machine: {e}")))
}

/// The result of compiling an entry point. A pipeline cache hit makes one from a
/// `cached::KernelBinary`, which holds every field but `module`, `entry` and `code`.
pub(crate) struct Jit {
    pub module: JITModule,
    pub entry: EntryFn,
    pub workgroup_bytes: usize,
    /// The initial contents of workgroup memory (empty: all zero), from the initializers of
    /// Workgroup variables.
    pub workgroup_init: Vec<u8>,
    pub barriers: bool,
    pub function_bytes: usize,
    /// The code dereferences PhysicalStorageBuffer pointers (needs the address map).
    pub device_addresses: bool,
    /// Invocations one call runs: 1 (scalar backend) or [`uniformity::LANES`] (SoA).
    pub lanes: usize,
    /// Barriers split the shader into phases: each call runs to the next barrier (simd.rs).
    pub split: bool,
    /// Per subgroup: bytes a barrier saves, bytes of function/private memory (split only).
    pub spill_bytes: usize,
    pub locals_bytes: usize,
    /// One call runs every subgroup of a workgroup (SoA without barriers or private memory).
    pub looped: bool,
    /// The machine code of each function, the entry first (`None`: not recorded).
    pub code: Option<Vec<super::cached::Func>>,
    /// Graphics stages: the interface rows of the entry point's Location inputs and how each
    /// is interpolated (lower/stage.rs).
    pub inputs: Vec<(u32, Interp)>,
    /// Fragment shaders: the input rows InterpolateAt* instructions read, in the order of
    /// their plane rows (`runtime::IO_IN_PLANES`).
    pub planes: Vec<u32>,
    /// Fragment shaders: which built-ins the entry point uses that change how it runs.
    pub stage: StageBuiltins,
}

/// Built-ins of a fragment entry point that change how the draw runs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageBuiltins {
    /// A FragDepth output.
    pub writes_depth: bool,
    /// A SampleMask output.
    pub writes_sample_mask: bool,
    /// SampleId or SamplePosition inputs: the shader runs once per sample.
    pub per_sample: bool,
    /// Built-in input rows the fragment shader's code reads (marked by every interface-row
    /// read, `Lower::io_row`; the others need not be written): [`StageBuiltins::FRAG_COORD`]
    /// and the other constants.
    pub reads: u32,
    /// Every interface row the code reads or writes, one bit per row (both stages): a vertex
    /// shader's run clears only these rows (and those its caller reads) before its first
    /// call.
    pub rows: IoRows,
}

/// A set of interface rows (`runtime::IO_ROWS`), one bit per row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoRows(pub [u64; IO_ROW_WORDS]);

/// Words of an [`IoRows`].
pub const IO_ROW_WORDS: usize = crate::shader::runtime::IO_ROWS.div_ceil(64);

impl IoRows {
    /// Adds `row` (rows past `runtime::IO_ROWS`, the fragment stage's plane rows, are not
    /// kept: the set is for vertex shaders' runs).
    pub fn insert(&mut self, row: u32) {
        if let Some(w) = self.0.get_mut(row as usize / 64) {
            *w |= 1 << (row % 64);
        }
    }

    /// The rows, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let b = w.trailing_zeros() as usize;
                    w &= w - 1;
                    i * 64 + b
                })
            })
        })
    }
}

impl StageBuiltins {
    pub const FRAG_COORD: u32 = 1;
    pub const FRONT_FACING: u32 = 2;
    pub const POINT_COORD: u32 = 4;
    /// SampleId, SamplePosition or SampleMaskIn.
    pub const SAMPLE: u32 = 8;
    pub const VIEW_INDEX: u32 = 16;
    /// HelperInvocation (the helper row; demoted lanes are added to it by the code).
    pub const HELPER: u32 = 32;
    /// The discard row (read or written: the shader can kill or demote lanes).
    pub const DISCARD: u32 = 64;
    pub const ALL_READS: u32 = 127;

    /// The bit of the built-in input whose rows include `row` (0 for other rows).
    pub fn of_row(row: u32) -> u32 {
        use crate::shader::runtime::*;
        match row {
            _ if (IO_IN_FRAG_COORD..IO_IN_FRAG_COORD + 4).contains(&row) => Self::FRAG_COORD,
            IO_IN_FRONT_FACING => Self::FRONT_FACING,
            _ if (IO_IN_POINT_COORD..IO_IN_POINT_COORD + 2).contains(&row) => Self::POINT_COORD,
            _ if (IO_IN_SAMPLE_ID..=IO_IN_SAMPLE_MASK).contains(&row) => Self::SAMPLE,
            IO_IN_VIEW_INDEX => Self::VIEW_INDEX,
            IO_IN_HELPER => Self::HELPER,
            IO_DISCARD => Self::DISCARD,
            _ => 0,
        }
    }

    /// Whether the shader reads any of the built-in inputs in `bits`.
    #[inline(always)]
    pub fn reads(&self, bits: u32) -> bool {
        self.reads & bits != 0
    }
}

/// How a fragment input is interpolated (vertex inputs: `Smooth`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interp {
    Smooth,
    Flat,
    NoPerspective,
    /// Centroid: perspective-correct at a point of the pixel the primitive covers.
    Centroid,
    /// Centroid and NoPerspective.
    NoPerspectiveCentroid,
}

/// A SPIR-V value as the backend holds it.
#[derive(Clone)]
enum Val {
    /// Flattened scalars.
    S(Vec<Value>),
    P(Ptr),
    /// An image descriptor (address of its `SlotDesc`), the image's sampled type and shape.
    Img(Value, Scalar, images::ImgShape),
    /// A sampled image (lower/sampling.rs): image descriptor, sampler descriptor, sampled type
    /// and shape.
    SImg(Value, Value, Scalar, images::ImgShape),
    /// A sampler descriptor (address of its `SlotDesc`).
    Smp(Value),
    /// SoA (simd.rs): a value with varying scalars.
    W(Vec<simd::Lv>),
    /// SoA: a pointer or image that differs per lane, one per lane.
    Lanes(Vec<Val>),
    /// SoA: a pointer to scalars `start..` of promoted variable `var`, of type `ty`.
    Prom {
        var: u32,
        start: usize,
        ty: u32,
    },
    /// SoA: a pointer into built-in input `bi` from its scalar `comp`, of type `ty`.
    Builtin {
        bi: u32,
        comp: usize,
        ty: u32,
    },
    /// SoA, graphics stages: a pointer to scalars `start..` (of type `ty`) of an interface
    /// variable whose flattened scalars live in interface rows `rows` (lower/stage.rs).
    Io {
        rows: std::rc::Rc<[u32]>,
        start: usize,
        ty: u32,
    },
    /// SoA: per lane, element `idx[lane]` (an `I32X4`, sign-extended) of `stride`-byte
    /// 32-bit numbers of type `ty` starting at byte `off` of the buffer `base`/`len`.
    Seq {
        base: Value,
        len: Value,
        off: Value,
        idx: Value,
        stride: i64,
        ty: u32,
    },
}

#[derive(Clone)]
struct Ptr {
    kind: PtrKind,
    /// Pointee type.
    ty: u32,
    /// MatrixStride in effect (from the enclosing struct member).
    mstride: Option<u32>,
    /// RowMajor in effect (from the enclosing struct member). For a matrix: rows are stored
    /// `mstride` apart. For a vector (a column of a row-major matrix): its components are
    /// `mstride` apart instead of 4 bytes.
    row_major: bool,
}

#[derive(Clone)]
enum PtrKind {
    Mem {
        base: Value,
        len: Value,
        off: Value,
    },
    /// An array of descriptors: address of the first `SlotDesc`, element count.
    Descs {
        first: Value,
        count: u32,
    },
    /// One texel-buffer or storage-image descriptor.
    ImgDesc {
        desc: Value,
    },
    /// A Function variable holding a pointer (variable pointers): the base, length and
    /// offset of the pointer it holds, in cranelift variables.
    Var {
        vars: [cranelift_frontend::Variable; 3],
    },
}

/// The phis of one block: (result id, result type, [(value, parent label)]).
type Phis = Vec<(u32, u32, Vec<(u32, u32)>)>;

struct Frame {
    vals: HashMap<u32, Val>,
    /// SoA: ids defined in the frame's current block (what a barrier must carry over).
    live: Vec<u32>,
    blocks: HashMap<u32, Block>,
    /// label -> phis: (result id, result type, [(value, parent label)])
    phis: HashMap<u32, Phis>,
    ret: Option<Block>,
    ret_ty: u32,
    label: u32,
}

struct Lower<'a, 'f> {
    p: &'a Program<'a>,
    b: FunctionBuilder<'f>,
    ctx: Value,
    helpers: HashMap<&'static str, FuncRef>,
    globals: HashMap<u32, Val>,
    frames: Vec<Frame>,
    calls: Vec<u32>,
    function_bytes: u64,
    /// Scalars translated so far (see [`MAX_SCALARS`]).
    scalars: u64,
    /// Initialized Workgroup variables: (byte offset in workgroup memory, type, constant).
    wg_inits: Vec<(u64, u32, u32)>,
    /// Set when a PhysicalStorageBuffer pointer is dereferenced (pointers.rs).
    device_addresses: bool,
    /// The SoA backend's state (simd.rs); `None` for the scalar backend.
    soa: Option<Box<simd::Soa<'a>>>,
    /// Split mode: function/private memory lives at `ctx.locals`, this many bytes so far.
    locals_bytes: u64,
    /// See [`Jit::inputs`].
    inputs: Vec<(u32, Interp)>,
    /// See [`Jit::planes`].
    planes: Vec<u32>,
    stage: StageBuiltins,
}

fn flags() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Flags of a bitcast between vector types of different lanes (the lanes' bytes in
/// little-endian order).
fn little() -> MemFlagsData {
    MemFlagsData::new().with_endianness(cranelift_codegen::ir::Endianness::Little)
}

fn cl_type(s: Scalar) -> Type {
    match s {
        Scalar::Bool => types::I8,
        Scalar::I32 | Scalar::U32 => types::I32,
        Scalar::F32 => types::F32,
        Scalar::I64 | Scalar::U64 => types::I64,
        Scalar::F64 => types::F64,
        Scalar::I16 | Scalar::U16 => types::I16,
        Scalar::I8 | Scalar::U8 => types::I8,
        Scalar::F16 => types::F32,
    }
}

/// Helper signatures: (name, params, returns); "p" = pointer, "i" = i32, "f" = f32, "l" = i64,
/// "d" = f64.
const HELPERS: &[(&str, &str, &str)] = &[
    ("sv_texel_read", "ppii", ""),
    ("sv_texel_write", "piiiiii", ""),
    ("sv_texel_size", "p", "i"),
    ("sv_barrier", "p", ""),
    ("sv_fuel", "p", "i"),
    ("sv_sin", "f", "f"),
    ("sv_cos", "f", "f"),
    ("sv_tan", "f", "f"),
    ("sv_asin", "f", "f"),
    ("sv_acos", "f", "f"),
    ("sv_atan", "f", "f"),
    ("sv_sinh", "f", "f"),
    ("sv_cosh", "f", "f"),
    ("sv_tanh", "f", "f"),
    ("sv_asinh", "f", "f"),
    ("sv_acosh", "f", "f"),
    ("sv_atanh", "f", "f"),
    ("sv_exp", "f", "f"),
    ("sv_log", "f", "f"),
    ("sv_exp2", "f", "f"),
    ("sv_log2", "f", "f"),
    ("sv_quantize16", "f", "f"),
    ("sv_atan2", "ff", "f"),
    ("sv_pow", "ff", "f"),
    ("sv_fmod", "ff", "f"),
    ("sv_fmod64", "dd", "d"),
    ("sv_h2f", "i", "f"),
    ("sv_f2h", "f", "i"),
    ("sv_d2h", "d", "f"),
    ("sv_pack", "iffff", "i"),
    ("sv_unpack", "pii", ""),
    ("sv_zero", "pl", ""),
    ("sv_resolve", "pl", "l"),
];

fn sig_of(module: &JITModule, params: &str, rets: &str) -> Signature {
    let mut s = module.make_signature();
    let t = |c: char| match c {
        'p' | 'l' => PTR,
        'i' => types::I32,
        'd' => types::F64,
        _ => types::F32,
    };
    s.params.extend(params.chars().map(|c| AbiParam::new(t(c))));
    s.returns.extend(rets.chars().map(|c| AbiParam::new(t(c))));
    s
}

/// `sv_fuel_pa(ctx)`: calls [`runtime::sv_fuel`] and leaves its answer in `ctx.scratch[0]`,
/// preserving every register, so the (rarely taken) fuel check at loop headers does not make
/// the register allocator spill the values a loop carries.
fn fuel_trampoline(
    module: &mut JITModule,
) -> Result<(cranelift_module::FuncId, Option<super::cached::Func>), ShaderError> {
    let jit = |e: cranelift_module::ModuleError| ShaderError::new(format!("JIT: {e}"));
    let mut sig = module.make_signature();
    sig.call_conv = cranelift_codegen::isa::CallConv::PreserveAll;
    sig.params.push(AbiParam::new(PTR));
    let id = module
        .declare_function("sv_fuel_pa", Linkage::Local, &sig)
        .map_err(jit)?;
    let inner_sig = sig_of(module, "p", "i");
    let inner = module
        .declare_function("sv_fuel", Linkage::Import, &inner_sig)
        .map_err(jit)?;
    let mut cctx = module.make_context();
    cctx.func.signature = sig;
    cctx.func.name = UserFuncName::user(0, id.as_u32());
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut cctx.func, &mut fctx);
        let blk = b.create_block();
        b.append_block_params_for_function_params(blk);
        b.switch_to_block(blk);
        let ctx = b.block_params(blk)[0];
        let f = module.declare_func_in_func(inner, b.func);
        let call = b.ins().call(f, &[ctx]);
        let r = b.inst_results(call)[0];
        b.ins().store(flags(), r, ctx, CTX_SCRATCH);
        b.ins().return_(&[]);
        b.seal_all_blocks();
        b.finalize(module.target_config());
    }
    let code = super::cached::define(module, id, &mut cctx)?;
    Ok((id, code))
}

/// Ids referenced by the functions reachable from the entry point.
fn used_ids(p: &Program) -> Result<(HashSet<u32>, bool), ShaderError> {
    let mut used = HashSet::new();
    let mut barrier = false;
    let mut todo = vec![p.entry];
    let mut seen = HashSet::new();
    while let Some(f) = todo.pop() {
        if !seen.insert(f) {
            continue;
        }
        let Some(r) = p.functions.get(&f) else {
            return err(format!("function %{f} has no body"));
        };
        for i in &p.module.insts[r.start..=r.end] {
            for o in &i.ops {
                if let rspirv::dr::Operand::IdRef(x) = o {
                    used.insert(*x);
                }
            }
            if i.op == Op::FunctionCall {
                todo.push(i.w(0));
            }
            if i.op == Op::ControlBarrier {
                barrier = true;
            }
        }
    }
    Ok((used, barrier))
}

/// Compiles the entry point with the scalar backend (`lanes` 1) or the SoA backend (`lanes`
/// [`uniformity::LANES`]: one call runs a subgroup).
/// `split` (SoA with barriers): barriers split the shader into phases instead of suspending
/// a coroutine.
pub(crate) fn compile(
    p: &Program,
    iface: &PipelineInterface,
    lanes: usize,
    split: bool,
) -> Result<Jit, ShaderError> {
    let mut module = new_module()?;
    let mut cctx = module.make_context();
    let mut fctx = FunctionBuilderContext::new();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(PTR));
    let main = module
        .declare_function("sv_main", Linkage::Local, &sig)
        .map_err(|e| ShaderError::new(format!("JIT: {e}")))?;
    cctx.func.signature = sig;
    cctx.func.name = UserFuncName::user(0, main.as_u32());
    let mut helpers = HashMap::new();
    for (name, ps, rs) in HELPERS
        .iter()
        .chain(images::IMAGE_HELPERS)
        .chain(sampling::SAMPLING_HELPERS)
    {
        let s = sig_of(&module, ps, rs);
        let id = module
            .declare_function(name, Linkage::Import, &s)
            .map_err(|e| ShaderError::new(format!("JIT: {e}")))?;
        helpers.insert(*name, module.declare_func_in_func(id, &mut cctx.func));
    }
    let (fuel, fuel_code) = fuel_trampoline(&mut module)?;
    helpers.insert(
        "sv_fuel_pa",
        module.declare_func_in_func(fuel, &mut cctx.func),
    );
    let (used, barriers) = used_ids(p)?;

    let b = FunctionBuilder::new(&mut cctx.func, &mut fctx);
    let mut l = Lower {
        p,
        b,
        ctx: Value::from_u32(0),
        helpers,
        globals: HashMap::new(),
        frames: Vec::new(),
        calls: Vec::new(),
        function_bytes: 0,
        scalars: 0,
        wg_inits: Vec::new(),
        device_addresses: false,
        soa: None,
        locals_bytes: 0,
        inputs: Vec::new(),
        planes: Vec::new(),
        stage: StageBuiltins::default(),
    };
    let entry_block = l.b.create_block();
    l.b.append_block_params_for_function_params(entry_block);
    l.b.switch_to_block(entry_block);
    l.ctx = l.b.block_params(entry_block)[0];
    let split = lanes > 1 && split && barriers;
    if lanes > 1 {
        l.start_soa(split);
    }
    let workgroup_bytes = l.setup_globals(iface, &used)?;
    let workgroup_init = l.workgroup_image(workgroup_bytes)?;
    let private = p
        .globals
        .iter()
        .any(|g| g.sc == StorageClass::Private && used.contains(&g.id));
    // One call runs every subgroup of the workgroup (per phase, with barriers); private
    // variables are set up once per call, so they keep one call per subgroup.
    let looped = lanes > 1
        && (!barriers || split)
        && !private
        && p.model == spirv::ExecutionModel::GLCompute;
    if looped {
        l.subgroup_loop(&used)?;
    } else if lanes > 1 {
        let dispatch = split.then(|| l.resume_dispatch());
        l.function_soa(p.entry, Vec::new())?;
        if let Some((dispatch, point)) = dispatch {
            l.finish_phases(dispatch, point);
        } else {
            l.b.ins().return_(&[]);
        }
    } else {
        l.function(p.entry, Vec::new(), None)?;
    }
    l.b.seal_all_blocks();
    let function_bytes = l.function_bytes as usize;
    let device_addresses = l.device_addresses;
    let spill_bytes = l.soa.as_ref().map_or(0, |s| s.spill_bytes as usize);
    let locals_bytes = l.locals_bytes as usize;
    let inputs = std::mem::take(&mut l.inputs);
    let planes = std::mem::take(&mut l.planes);
    let stage = l.stage;
    l.b.finalize(module.target_config());
    if std::env::var_os("SOFTVK_DUMP_CLIF").is_some() {
        cctx.set_disasm(true);
    }

    let main_code = super::cached::define(&mut module, main, &mut cctx)?;
    if std::env::var_os("SOFTVK_DUMP_CLIF").is_some()
        && let Some(c) = cctx.compiled_code()
        && let Some(v) = &c.vcode
    {
        eprintln!("{v}");
    }
    module.clear_context(&mut cctx);
    module
        .finalize_definitions()
        .map_err(|e| ShaderError::new(format!("JIT linking failed: {e}")))?;
    let code = module.get_finalized_function(main);
    // SAFETY: `code` is the finalized `sv_main`, whose signature is `fn(ctx: i64)` in the
    // platform's default (C) calling convention.
    let entry: EntryFn = unsafe { std::mem::transmute::<*const u8, EntryFn>(code) };
    Ok(Jit {
        module,
        entry,
        workgroup_bytes,
        workgroup_init,
        barriers,
        function_bytes,
        device_addresses,
        lanes,
        split,
        spill_bytes,
        locals_bytes,
        looped,
        code: main_code.zip(fuel_code).map(|(m, f)| vec![m, f]),
        inputs,
        planes,
        stage,
    })
}

/// Every symbol compiled code may call: the runtime's helpers.
pub(crate) fn symbols() -> Vec<(&'static str, *const u8)> {
    let mut v = runtime::symbols();
    v.push(("sv_zero", sv_zero as *const u8));
    v.push(("sv_resolve", pointers::sv_resolve as *const u8));
    v
}

/// An empty JIT module for this machine that links against [`symbols`].
pub(crate) fn new_module() -> Result<JITModule, ShaderError> {
    let mut jb = JITBuilder::with_isa(isa()?, default_libcall_names());
    for (name, ptr) in symbols() {
        jb.symbol(name, ptr);
    }
    Ok(JITModule::new(jb))
}

/// Zeroes `len` bytes (function/private memory start zeroed, so results never depend on stale
/// stack contents).
///
/// # Safety
/// `p .. p + len` is writable.
unsafe extern "C" fn sv_zero(p: *mut u8, len: u64) {
    // SAFETY: the caller's stack slot of exactly `len` bytes.
    unsafe { std::ptr::write_bytes(p, 0, len as usize) };
}

impl<'a, 'f> Lower<'a, 'f> {
    // ----- small builders -----

    fn iconst(&mut self, t: Type, v: i64) -> Value {
        self.b.ins().iconst(t, v)
    }

    fn call(&mut self, name: &str, args: &[Value]) -> Option<Value> {
        let f = self.helpers[name];
        let inst = self.b.ins().call(f, args);
        self.b.inst_results(inst).first().copied()
    }

    fn scratch(&mut self, n: usize, float: bool) -> Vec<Value> {
        (0..n)
            .map(|k| {
                let t = if float { types::F32 } else { types::I32 };
                self.b
                    .ins()
                    .load(t, flags(), self.ctx, CTX_SCRATCH + 4 * k as i32)
            })
            .collect()
    }

    fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("a frame while translating")
    }

    fn get(&mut self, id: u32) -> Result<Val, ShaderError> {
        let v = self.get_raw(id)?;
        if self.soa.is_some() {
            return self.view_of(v);
        }
        Ok(v)
    }

    fn get_raw(&mut self, id: u32) -> Result<Val, ShaderError> {
        if let Some(v) = self.frames.last().and_then(|f| f.vals.get(&id)) {
            return Ok(v.clone());
        }
        if let Some(v) = self.globals.get(&id) {
            return Ok(v.clone());
        }
        if let Some(v) = self.load_cross(id) {
            let f = self.frame();
            f.vals.insert(id, v.clone());
            f.live.push(id);
            return Ok(v);
        }
        if let Some(c) = self.p.consts.get(&id).cloned() {
            let ty = self.p.value_types.get(&id).copied().unwrap_or(0);
            let mut kinds = Vec::new();
            self.p.flat(ty, &mut kinds)?;
            self.scalars += kinds.len() as u64;
            let vals = kinds
                .iter()
                .zip(c.iter())
                .map(|(k, bits)| self.constant(*k, *bits))
                .collect();
            return Ok(Val::S(vals));
        }
        if self.p.null_ptrs.contains(&id) {
            let ty = self.p.value_types.get(&id).copied().unwrap_or(0);
            let parts = self.null_parts();
            return self.ptr_from_parts(ty, parts);
        }
        err(format!("%{id} is used but not defined (or not supported)"))
    }

    fn constant(&mut self, k: Scalar, bits: u64) -> Value {
        match k {
            Scalar::Bool => self.iconst(types::I8, (bits != 0) as i64),
            Scalar::F32 => self.b.ins().f32const(f32::from_bits(bits as u32)),
            Scalar::I64 | Scalar::U64 => self.iconst(types::I64, bits as i64),
            Scalar::F64 => self.b.ins().f64const(f64::from_bits(bits)),
            Scalar::I16 | Scalar::U16 => self.iconst(types::I16, bits as u16 as i64),
            Scalar::I8 | Scalar::U8 => self.iconst(types::I8, bits as u8 as i64),
            Scalar::F16 => self
                .b
                .ins()
                .f32const(crate::format::f16_to_f32(bits as u16)),
            _ => self.iconst(types::I32, bits as u32 as i32 as i64),
        }
    }

    /// The value of a constant used as an index, sign-extended from its width (32 or 64).
    fn const_index(&self, id: u32) -> Option<i64> {
        let c = *self.p.consts.get(&id)?.first()?;
        let ty = self.p.value_types.get(&id)?;
        Some(if self.p.scalar_of(*ty).is_ok_and(Scalar::wide) {
            c as i64
        } else {
            c as u32 as i32 as i64
        })
    }

    fn s(&mut self, id: u32) -> Result<Vec<Value>, ShaderError> {
        match self.get(id)? {
            Val::S(v) => Ok(v),
            // A PhysicalStorageBuffer pointer made by an access chain, used as a value.
            Val::P(p) if self.phys_pointee(id).is_some() => self.address_words(&p),
            _ => err(format!("%{id} is not a value")),
        }
    }

    /// The first scalar of a value (an error for values without scalars).
    fn s1(&mut self, id: u32) -> Result<Value, ShaderError> {
        match self.s(id)?.first() {
            Some(v) => Ok(*v),
            None => err(format!("%{id} has no scalar components")),
        }
    }

    fn ptr(&mut self, id: u32) -> Result<Ptr, ShaderError> {
        match self.get(id)? {
            Val::P(p) => Ok(p),
            // A buffer device address being dereferenced (pointers.rs).
            Val::S(v) if let Some(pointee) = self.phys_pointee(id) => {
                self.resolve_address(&v, pointee)
            }
            _ => err(format!("%{id} is not a pointer")),
        }
    }

    fn zeros(&mut self, ty: u32) -> Result<Vec<Value>, ShaderError> {
        let mut kinds = Vec::new();
        self.p.flat(ty, &mut kinds)?;
        Ok(kinds.into_iter().map(|k| self.constant(k, 0)).collect())
    }

    /// Float16: the 16-bit components of a result (computed in f32) rounded to f16, nearest
    /// even. For +, -, *, / and sqrt the f32 result rounded to f16 is the correctly rounded
    /// f16 result (f32's 24-bit significand is at least 2 * 11 + 2 bits, so the double
    /// rounding is innocuous); other operations are within GLSL's f16 precision. Rounding a
    /// value that already is an f16 (a copy, a select) leaves it unchanged.
    fn round_halves(&mut self, ty: u32, mut v: Vec<Value>) -> Result<Vec<Value>, ShaderError> {
        if !self.p.has_half(ty) {
            return Ok(v);
        }
        let kinds = self.kinds(ty)?;
        if kinds.len() != v.len() {
            return Ok(v);
        }
        for (x, k) in v.iter_mut().zip(kinds) {
            if k == Scalar::F16 && self.b.func.dfg.value_type(*x) == types::F32 {
                *x = self.call("sv_quantize16", &[*x]).expect("value");
            }
        }
        Ok(v)
    }

    fn kinds(&self, ty: u32) -> Result<Vec<Scalar>, ShaderError> {
        let mut kinds = Vec::new();
        self.p.flat(ty, &mut kinds)?;
        Ok(kinds)
    }

    fn set(&mut self, id: u32, v: Val) {
        if let Val::S(s) = &v {
            self.scalars += s.len() as u64;
        }
        if self.soa.is_some() {
            return self.set_soa(id, v);
        }
        self.frame().vals.insert(id, v);
    }

    // ----- globals -----

    fn setup_globals(
        &mut self,
        iface: &PipelineInterface,
        used: &HashSet<u32>,
    ) -> Result<usize, ShaderError> {
        let mut wg_bytes = 0u64;
        let globals = self.p.globals.clone();
        for g in globals.iter().filter(|g| used.contains(&g.id)) {
            let v = match g.sc {
                StorageClass::StorageBuffer
                | StorageClass::Uniform
                | StorageClass::UniformConstant => {
                    self.descriptor_var(g.id, g.sc, g.pointee, iface)?
                }
                StorageClass::PushConstant => {
                    let base = self.b.ins().load(PTR, flags(), self.ctx, CTX_PUSH);
                    let len = self.b.ins().load(PTR, flags(), self.ctx, CTX_PUSH_LEN);
                    self.mem_ptr(base, len, g.pointee)
                }
                StorageClass::Input | StorageClass::Output
                    if self.p.model != spirv::ExecutionModel::GLCompute
                        && (g.sc == StorageClass::Output
                            || self
                                .p
                                .deco(g.id, Decoration::BuiltIn)
                                .and_then(|b| b.first().copied())
                                .and_then(|b| uniformity::builtin_flags(b, self.p.local_size))
                                .is_none()) =>
                {
                    self.stage_var(g.id, g.sc, g.pointee)?
                }
                StorageClass::Input => {
                    let Some(bi) = self.p.deco(g.id, Decoration::BuiltIn) else {
                        return err(
                            "an Input variable without a BuiltIn decoration in a compute shader",
                        );
                    };
                    let bi = bi.first().copied().unwrap_or(u32::MAX);
                    if self.soa.is_some() {
                        if uniformity::builtin_flags(bi, self.p.local_size).is_none() {
                            return err(format!("SoA backend: built-in {bi}"));
                        }
                        self.globals.insert(
                            g.id,
                            Val::Builtin {
                                bi,
                                comp: 0,
                                ty: g.pointee,
                            },
                        );
                        continue;
                    }
                    if simd::simd_subgroup::is_subgroup_builtin(bi) {
                        return err(SCALAR_SUBGROUPS);
                    }
                    let (off, size) = match BuiltIn::from_u32(bi) {
                        Some(BuiltIn::GlobalInvocationId) => (B_GLOBAL_ID, 12),
                        Some(BuiltIn::LocalInvocationId) => (B_LOCAL_ID, 12),
                        Some(BuiltIn::WorkgroupId) => (B_WORKGROUP_ID, 12),
                        Some(BuiltIn::NumWorkgroups) => (B_NUM_WORKGROUPS, 12),
                        Some(BuiltIn::LocalInvocationIndex) => (B_LOCAL_INDEX, 4),
                        Some(BuiltIn::WorkgroupSize) => (B_WORKGROUP_SIZE, 12),
                        Some(other) => return err(format!("unsupported builtin {other:?}")),
                        None => return err(format!("unknown builtin {bi}")),
                    };
                    let base = self.b.ins().iadd_imm_s(self.ctx, off as i64);
                    let len = self.iconst(PTR, size);
                    self.mem_ptr(base, len, g.pointee)
                }
                StorageClass::Workgroup => {
                    let (size, align) = self.p.size_align(g.pointee, None)?;
                    let off = wg_bytes.div_ceil(align.max(8)) * align.max(8);
                    wg_bytes = off + size;
                    // VUID-RuntimeSpirv-Workgroup-06530: the Workgroup variables of an entry
                    // point fit in maxComputeSharedMemorySize.
                    if wg_bytes > MAX_WORKGROUP_BYTES {
                        return Err(ShaderError::malformed(format!(
                            "the Workgroup variables need at least {wg_bytes} bytes, more than \
                             maxComputeSharedMemorySize ({MAX_WORKGROUP_BYTES})"
                        )));
                    }
                    if let Some(init) = g.init {
                        self.wg_inits.push((off, g.pointee, init));
                    }
                    let base = self.b.ins().load(PTR, flags(), self.ctx, CTX_WORKGROUP);
                    let base = self.b.ins().iadd_imm_s(base, off as i64);
                    let len = self.iconst(PTR, size as i64);
                    self.mem_ptr(base, len, g.pointee)
                }
                StorageClass::Private if self.soa.is_some() => {
                    let mut lanes = Vec::new();
                    for _ in 0..uniformity::LANES {
                        lanes.push(self.local_var(g.pointee, g.init)?);
                    }
                    Val::Lanes(lanes)
                }
                StorageClass::Private => self.local_var(g.pointee, g.init)?,
                StorageClass::Output => {
                    return err("an Output variable in a compute shader");
                }
                other => return err(format!("unsupported storage class {other:?}")),
            };
            self.globals.insert(g.id, v);
        }
        Ok(wg_bytes as usize)
    }

    /// The initial image of workgroup memory: the initializers of Workgroup variables laid out
    /// at their offsets (empty when there are none, or all are zero). Workgroup memory starts
    /// as this image for every workgroup, before any invocation runs
    /// (shaderZeroInitializeWorkgroupMemory: OpConstantNull initializers, and other constants).
    fn workgroup_image(&self, bytes: usize) -> Result<Vec<u8>, ShaderError> {
        let mut image = vec![0u8; bytes];
        let mut any = false;
        for &(off, ty, init) in &self.wg_inits {
            let Some(bits) = self.p.consts.get(&init) else {
                return err("the initializer of a Workgroup variable is not a constant");
            };
            let mut walk = Vec::new();
            self.layout_walk(ty, None, false, off as i64, &mut walk)?;
            if walk.len() != bits.len() {
                return err("a Workgroup variable's initializer does not match its type");
            }
            for ((at, k), v) in walk.into_iter().zip(bits) {
                let at = at as usize;
                let n = k.bytes() as usize;
                if let Some(dst) = image.get_mut(at..at + n) {
                    dst.copy_from_slice(&v.to_le_bytes()[..n]);
                    any |= *v != 0;
                }
            }
        }
        Ok(if any { image } else { Vec::new() })
    }

    fn mem_ptr(&mut self, base: Value, len: Value, ty: u32) -> Val {
        let off = self.iconst(PTR, 0);
        Val::P(Ptr {
            kind: PtrKind::Mem { base, len, off },
            ty,
            mstride: None,
            row_major: false,
        })
    }

    /// A Function or Private variable: a zeroed stack slot (then its initializer, if any).
    fn local_var(&mut self, ty: u32, init: Option<u32>) -> Result<Val, ShaderError> {
        if matches!(self.p.ty(ty)?, Ty::Pointer { .. }) {
            return self.pointer_var(ty, init);
        }
        let (size, _) = self.p.size_align(ty, None)?;
        self.function_bytes = self.function_bytes.saturating_add(size.max(16));
        // Each invocation of a workgroup may hold its own stack at once (coroutines): bound
        // the product as well as the per-invocation size.
        let invocations = self.p.local_size.iter().map(|&n| n as u64).product::<u64>();
        if self.function_bytes > MAX_FUNCTION_BYTES
            || self.function_bytes.saturating_mul(invocations) > MAX_WORKGROUP_STACK_BYTES
        {
            return err(format!(
                "the shader needs {} bytes of function/private memory per invocation; at most \
                 {MAX_FUNCTION_BYTES} per invocation and {MAX_WORKGROUP_STACK_BYTES} per \
                 workgroup ({invocations} invocations) are supported",
                self.function_bytes
            ));
        }
        let split = self.soa.as_ref().is_some_and(|s| s.split);
        let base = if split {
            // Phases return between barriers: the memory lives in the subgroup's area.
            let off = self.locals_bytes;
            self.locals_bytes += size.max(16).next_multiple_of(16);
            let area = self.b.ins().load(PTR, flags(), self.ctx, CTX_LOCALS);
            self.b.ins().iadd_imm_s(area, off as i64)
        } else {
            let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                size.max(16) as u32,
                4,
            ));
            self.b.ins().stack_addr(PTR, slot, 0)
        };
        let len = self.iconst(PTR, size as i64);
        let v = self.mem_ptr(base, len, ty);
        if split && self.frames.is_empty() {
            // A private variable: the area starts zeroed, and the code that sets it up runs
            // again at every phase.
            if init.is_some() {
                return err(
                    "SoA backend: a private variable with an initializer in a shader split at barriers",
                );
            }
            return Ok(v);
        }
        if size <= 64 {
            let z = self.iconst(types::I32, 0);
            for k in 0..size.div_ceil(4) {
                self.b.ins().store(flags(), z, base, (k * 4) as i32);
            }
        } else {
            self.call("sv_zero", &[base, len]);
        }
        if let Some(init) = init {
            let vals = self.s(init)?;
            let Val::P(p) = &v else { unreachable!() };
            self.store(p, &vals)?;
        }
        Ok(v)
    }

    fn descriptor_var(
        &mut self,
        id: u32,
        sc: StorageClass,
        pointee: u32,
        iface: &PipelineInterface,
    ) -> Result<Val, ShaderError> {
        let set = self
            .p
            .deco(id, Decoration::DescriptorSet)
            .and_then(|a| a.first().copied());
        let binding = self
            .p
            .deco(id, Decoration::Binding)
            .and_then(|a| a.first().copied());
        let (Some(set), Some(binding)) = (set, binding) else {
            return err(format!(
                "resource variable %{id} has no DescriptorSet/Binding"
            ));
        };
        let Some(layout) = iface
            .bindings
            .iter()
            .find(|b| b.set == set && b.binding == binding)
        else {
            return Err(ShaderError::mismatch(format!(
                "the shader uses set {set} binding {binding}, which the pipeline layout does not have"
            )));
        };
        if layout.kind == DescriptorKind::Other {
            return err(format!(
                "set {set} binding {binding}: image and sampler descriptors are not supported by \
                 the shader compiler yet"
            ));
        }
        // Array of descriptors?
        let (elem, shader_count) = match self.p.ty(pointee)? {
            Ty::Array { elem, len } => (*elem, Some(*len)),
            // A runtime descriptor array (runtimeDescriptorArray): as many descriptors as the
            // binding has; indices past a set's variable count read null descriptors.
            Ty::RuntimeArray { elem } => (*elem, Some(layout.count)),
            _ => (pointee, None),
        };
        let image = match self.p.ty(elem)? {
            Ty::Image { storage, dim, .. } => {
                Some((*storage, *dim == spirv::Dim::DimBuffer as u32))
            }
            Ty::SampledImage { image } => match self.p.ty(*image)? {
                Ty::Image { storage, dim, .. } => {
                    Some((*storage, *dim == spirv::Dim::DimBuffer as u32))
                }
                _ => None,
            },
            _ => None,
        };
        // Sampled images and samplers (lower/sampling.rs).
        let sampling = match (sc, self.p.ty(elem)?, image) {
            (StorageClass::UniformConstant, Ty::Sampler, _) => Some(DescriptorKind::Sampler),
            (StorageClass::UniformConstant, Ty::SampledImage { .. }, Some((false, false))) => {
                Some(DescriptorKind::CombinedImageSampler)
            }
            (StorageClass::UniformConstant, Ty::Image { .. }, Some((false, false))) => {
                Some(DescriptorKind::SampledImage)
            }
            _ => None,
        };
        let image = image.or(sampling.map(|_| (false, false)));
        let subpass = match self.p.ty(elem)? {
            Ty::Image { dim, .. } => *dim == spirv::Dim::DimSubpassData as u32,
            _ => false,
        };
        let want = match (sc, image) {
            _ if sampling.is_some() => sampling.unwrap_or(DescriptorKind::Other),
            _ if subpass => DescriptorKind::InputAttachment,
            (StorageClass::UniformConstant, Some((true, false))) => DescriptorKind::StorageImage,
            (StorageClass::UniformConstant, Some((true, true))) => {
                DescriptorKind::StorageTexelBuffer
            }
            (StorageClass::UniformConstant, Some((false, _))) => DescriptorKind::UniformTexelBuffer,
            (StorageClass::StorageBuffer, None) => DescriptorKind::StorageBuffer,
            (StorageClass::Uniform, None) => {
                if self.p.deco(elem, Decoration::BufferBlock).is_some() {
                    DescriptorKind::StorageBuffer
                } else {
                    DescriptorKind::UniformBuffer
                }
            }
            _ => return err(format!("unsupported resource variable %{id} ({sc:?})")),
        };
        if layout.kind != want {
            return Err(ShaderError::mismatch(format!(
                "set {set} binding {binding} is a {:?} in the pipeline layout but the shader uses a {want:?}",
                layout.kind
            )));
        }
        let slots = self.b.ins().load(PTR, flags(), self.ctx, CTX_SLOTS);
        let first = self
            .b
            .ins()
            .iadd_imm_s(slots, layout.first_slot as i64 * SLOT_SIZE);
        if let Some(n) = shader_count {
            return Ok(Val::P(Ptr {
                kind: PtrKind::Descs {
                    first,
                    count: n.min(layout.count),
                },
                ty: pointee,
                mstride: None,
                row_major: false,
            }));
        }
        if layout.count == 0 {
            let nd = self.b.ins().iadd_imm_s(self.ctx, CTX_NULL_DESC as i64);
            return Ok(self.desc_ptr(nd, elem, image.is_some()));
        }
        Ok(self.desc_ptr(first, elem, image.is_some()))
    }

    fn desc_ptr(&mut self, desc: Value, ty: u32, image: bool) -> Val {
        if image {
            return Val::P(Ptr {
                kind: PtrKind::ImgDesc { desc },
                ty,
                mstride: None,
                row_major: false,
            });
        }
        let base = self.b.ins().load(PTR, flags(), desc, SLOT_PTR);
        let len = self.b.ins().load(PTR, flags(), desc, SLOT_LEN);
        self.mem_ptr(base, len, ty)
    }

    // ----- memory -----

    /// Address of `size` bytes at `off + extra`, or of the zero area (loads) / sink (stores)
    /// when out of range; plus the in-range flag.
    fn addr(
        &mut self,
        base: Value,
        len: Value,
        off: Value,
        extra: i64,
        size: i64,
        store: bool,
    ) -> (Value, Value) {
        let off = if extra != 0 {
            self.b.ins().iadd_imm_s(off, extra)
        } else {
            off
        };
        let lim = self.b.ins().iadd_imm_s(len, -size);
        let in_lim = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, off, lim);
        let lim_ok = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, lim, 0);
        let ok = self.b.ins().band(in_lim, lim_ok);
        let ea = self.b.ins().iadd(base, off);
        let fallback = self
            .b
            .ins()
            .iadd_imm_s(self.ctx, if store { CTX_SINK } else { CTX_ZERO } as i64);
        (self.b.ins().select(ok, ea, fallback), ok)
    }

    /// Whether a barrier with memory scope id `scope` and semantics id `semantics` needs a
    /// CPU fence (module docs, memory model): only when the scope is wider than Workgroup and
    /// the semantics order memory at all (or either is not a constant).
    pub(super) fn barrier_fences(&self, scope: u32, semantics: u32) -> bool {
        use spirv::Scope as S;
        let c = |id: u32| self.p.consts.get(&id).and_then(|c| c.first().copied());
        let narrow = c(scope).is_some_and(|s| {
            [S::Workgroup, S::Subgroup, S::Invocation]
                .iter()
                .any(|n| *n as u64 == s)
        });
        !narrow && c(semantics) != Some(0)
    }

    fn load_scalar(&mut self, m: (Value, Value, Value), extra: i64, k: Scalar) -> Value {
        let (a, _) = self.addr(m.0, m.1, m.2, extra, k.bytes(), false);
        match k {
            Scalar::Bool => {
                let v = self.b.ins().load(types::I32, flags(), a, 0);
                self.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0)
            }
            Scalar::F16 => {
                let v = self.b.ins().uload16(types::I32, flags(), a, 0);
                self.call("sv_h2f", &[v]).expect("value")
            }
            _ => self.b.ins().load(cl_type(k), flags(), a, 0),
        }
    }

    fn store_scalar(&mut self, m: (Value, Value, Value), extra: i64, k: Scalar, v: Value) {
        let (a, _) = self.addr(m.0, m.1, m.2, extra, k.bytes(), true);
        let v = if k == Scalar::Bool {
            self.b.ins().uextend(types::I32, v)
        } else if k == Scalar::F16 {
            let h = self.call("sv_f2h", &[v]).expect("value");
            self.b.ins().ireduce(types::I16, h)
        } else {
            v
        };
        self.b.ins().store(flags(), v, a, 0);
    }

    /// Visits the scalars of `ty` laid out in memory: (byte offset, kind), in flattened order.
    /// `mstride`/`row_major`: see [`Ptr`].
    fn layout_walk(
        &self,
        ty: u32,
        mstride: Option<u32>,
        row_major: bool,
        at: i64,
        out: &mut Vec<(i64, Scalar)>,
    ) -> Result<(), ShaderError> {
        match self.p.ty(ty)?.clone() {
            Ty::Bool | Ty::Int { .. } | Ty::Float { .. } => out.push((at, self.p.scalar_of(ty)?)),
            // A buffer device address: 8 bytes, low word first.
            Ty::PhysPtr { .. } => out.extend([(at, Scalar::U32), (at + 4, Scalar::U32)]),
            Ty::Vector { elem, n } => {
                let k = self.p.scalar_of(elem)?;
                let cs = match (row_major, mstride) {
                    (true, Some(s)) => s as i64,
                    _ => k.bytes(),
                };
                for i in 0..n as i64 {
                    out.push((at + cs * i, k));
                }
            }
            Ty::Matrix { col, n } if row_major => {
                // Element (column c, row r) lives at r * MatrixStride + c * (4 or 8).
                let (rows, k) = match self.p.ty(col)? {
                    Ty::Vector { elem, n } => (*n as i64, self.p.scalar_of(*elem)?),
                    _ => return err("matrix column is not a vector"),
                };
                let rs = mstride.map(i64::from).unwrap_or(k.bytes() * n as i64);
                for c in 0..n as i64 {
                    for r in 0..rows {
                        out.push((at + r * rs + c * k.bytes(), k));
                    }
                }
            }
            Ty::Matrix { col, n } => {
                let cs = mstride
                    .map(i64::from)
                    .unwrap_or(self.p.size_align(col, None)?.0 as i64);
                for i in 0..n as i64 {
                    self.layout_walk(col, None, false, at + i * cs, out)?;
                }
            }
            // Parts without scalars (empty structs) are skipped, so the walk's time is bounded
            // by the scalars it yields.
            _ if self.p.flat_len(ty)? == 0 => {}
            Ty::Array { elem, len } => {
                let stride = self.p.array_stride_l(ty, elem, mstride, row_major)? as i64;
                if len > 1 << 16 {
                    return err("array value of more than 65536 elements");
                }
                for i in 0..len as i64 {
                    self.layout_walk(elem, mstride, row_major, at + i * stride, out)?;
                }
            }
            Ty::Struct { members } => {
                for (i, m) in members.iter().enumerate() {
                    let off = self.p.member_offset(ty, i as u32)? as i64;
                    let ms = self.p.member_mstride(ty, i as u32);
                    let rm = self.p.member_row_major(ty, i as u32);
                    self.layout_walk(*m, ms, rm, at + off, out)?;
                }
            }
            other => return err(format!("cannot load or store a {other:?}")),
        }
        if out.len() > 1 << 16 {
            return err("memory access of more than 65536 scalars");
        }
        Ok(())
    }

    // ----- variable pointers (SPV_KHR_variable_pointers) -----
    //
    // A logical pointer value into memory is (base, len, off): selecting, merging (OpPhi),
    // returning or storing one in a Function variable moves those three values, so every access
    // through the result is bounds-checked against the buffer or variable it points into, as
    // any other. A null pointer (OpConstantNull) has length 0: loads through it give zeros,
    // stores are dropped. Pointers into row-major matrices or with a MatrixStride in effect
    // cannot be merged (refused). The SoA backend takes OpSelect of pointers (per lane) and
    // declines the rest, which the scalar backend then compiles.

    /// The (base, len, off) of pointer value `v`.
    fn ptr_parts(&mut self, v: Val) -> Result<[Value; 3], ShaderError> {
        match v {
            Val::P(Ptr {
                kind: PtrKind::Mem { base, len, off },
                mstride: None,
                row_major: false,
                ..
            }) => Ok([base, len, off]),
            Val::P(Ptr {
                kind: PtrKind::Mem { .. },
                ..
            }) => err(
                "a variable pointer into a matrix with a MatrixStride or RowMajor layout is not \
                 supported",
            ),
            _ => err("a variable pointer that does not point into memory"),
        }
    }

    /// The pointer value of type `ptr_ty` made of `parts`.
    fn ptr_from_parts(&self, ptr_ty: u32, parts: [Value; 3]) -> Result<Val, ShaderError> {
        let Ty::Pointer { pointee } = self.p.ty(ptr_ty)? else {
            return err("a variable pointer whose type is not a logical pointer");
        };
        Ok(Val::P(Ptr {
            kind: PtrKind::Mem {
                base: parts[0],
                len: parts[1],
                off: parts[2],
            },
            ty: *pointee,
            mstride: None,
            row_major: false,
        }))
    }

    fn null_parts(&mut self) -> [Value; 3] {
        let z = self.iconst(PTR, 0);
        [z, z, z]
    }

    /// Whether `ty` is a logical pointer type.
    fn is_pointer(&self, ty: u32) -> bool {
        matches!(self.p.ty(ty), Ok(Ty::Pointer { .. }))
    }

    /// A Function variable of pointer type `ty` (its pointee is a pointer), initialized with
    /// `init` or null.
    fn pointer_var(&mut self, ty: u32, init: Option<u32>) -> Result<Val, ShaderError> {
        if self.soa.is_some() {
            return err("SoA backend: a variable holding a pointer");
        }
        let vars = [0; 3].map(|_| self.b.declare_var(PTR));
        let parts = match init {
            Some(id) => {
                let v = self.get(id)?;
                self.ptr_parts(v)?
            }
            None => self.null_parts(),
        };
        for (v, x) in vars.iter().zip(parts) {
            self.b.def_var(*v, x);
        }
        // The variable's pointee is the pointer type it holds.
        Ok(Val::P(Ptr {
            kind: PtrKind::Var { vars },
            ty,
            mstride: None,
            row_major: false,
        }))
    }

    fn mem_of(p: &Ptr) -> Result<(Value, Value, Value), ShaderError> {
        match p.kind {
            PtrKind::Mem { base, len, off } => Ok((base, len, off)),
            _ => err("memory access through a descriptor pointer"),
        }
    }

    fn load(&mut self, p: &Ptr) -> Result<Val, ShaderError> {
        match &p.kind {
            PtrKind::ImgDesc { desc } => {
                if matches!(self.p.ty(p.ty)?, Ty::Sampler) {
                    return Ok(Val::Smp(*desc));
                }
                let (sampled, shape) = self.image_type(p.ty)?;
                if matches!(self.p.ty(p.ty)?, Ty::SampledImage { .. }) && !shape.is_buffer() {
                    return Ok(Val::SImg(*desc, *desc, sampled, shape));
                }
                return Ok(Val::Img(*desc, sampled, shape));
            }
            PtrKind::Descs { .. } => return err("load of a whole descriptor array"),
            PtrKind::Var { vars } => {
                let parts = vars.map(|v| self.b.use_var(v));
                return self.ptr_from_parts(p.ty, parts);
            }
            PtrKind::Mem { .. } => {}
        }
        let m = Self::mem_of(p)?;
        let mut walk = Vec::new();
        self.layout_walk(p.ty, p.mstride, p.row_major, 0, &mut walk)?;
        self.scalars += walk.len() as u64;
        Ok(Val::S(
            walk.into_iter()
                .map(|(at, k)| self.load_scalar(m, at, k))
                .collect(),
        ))
    }

    fn store(&mut self, p: &Ptr, vals: &[Value]) -> Result<(), ShaderError> {
        if let PtrKind::Var { .. } = p.kind {
            return err("a pointer variable stored with scalars");
        }
        let m = Self::mem_of(p)?;
        let mut walk = Vec::new();
        self.layout_walk(p.ty, p.mstride, p.row_major, 0, &mut walk)?;
        self.scalars += walk.len() as u64;
        if walk.len() != vals.len() {
            return err("store of a value whose type does not match the pointer");
        }
        for ((at, k), v) in walk.into_iter().zip(vals) {
            self.store_scalar(m, at, k, *v);
        }
        Ok(())
    }

    fn index64(&mut self, v: Value) -> Value {
        let t = self.b.func.dfg.value_type(v);
        if t == types::I64 {
            v
        } else {
            self.b.ins().sextend(types::I64, v)
        }
    }

    fn access_chain(&mut self, i: &Inst) -> Result<Val, ShaderError> {
        let p = self.ptr(i.w(0))?;
        self.access_chain_from(p, i, 1)
    }

    /// The access chain of indices `i.w(first..)` from `p`.
    fn access_chain_from(&mut self, p: Ptr, i: &Inst, first: usize) -> Result<Val, ShaderError> {
        self.access_chain_range(p, i, first, i.len())
    }

    /// The access chain of indices `i.w(first..end)` from `p`.
    fn access_chain_range(
        &mut self,
        mut p: Ptr,
        i: &Inst,
        first: usize,
        end: usize,
    ) -> Result<Val, ShaderError> {
        for k in first..end {
            let idx_id = i.w(k);
            let cidx = self.const_index(idx_id);
            match p.kind.clone() {
                PtrKind::Descs { first, count } => {
                    let elem = match self.p.ty(p.ty)? {
                        Ty::Array { elem, .. } | Ty::RuntimeArray { elem } => *elem,
                        _ => return err("descriptor array of a non-array type"),
                    };
                    let image = matches!(
                        self.p.ty(elem)?,
                        Ty::Image { .. } | Ty::SampledImage { .. } | Ty::Sampler
                    );
                    let idx = self.s1(idx_id)?;
                    let idx = self.index64(idx);
                    let ok = self
                        .b
                        .ins()
                        .icmp_imm_s(IntCC::UnsignedLessThan, idx, count as i64);
                    let off = self.b.ins().imul_imm_s(idx, SLOT_SIZE);
                    let d = self.b.ins().iadd(first, off);
                    let nd = self.b.ins().iadd_imm_s(self.ctx, CTX_NULL_DESC as i64);
                    let d = self.b.ins().select(ok, d, nd);
                    let Val::P(np) = self.desc_ptr(d, elem, image) else {
                        unreachable!()
                    };
                    p = np;
                }
                PtrKind::ImgDesc { .. } => return err("access chain into an image"),
                PtrKind::Var { .. } => {
                    return err("an access chain into a variable holding a pointer");
                }
                PtrKind::Mem { base, len, off } => {
                    let (add, ty, ms, rm): (Value, u32, Option<u32>, bool) =
                        match self.p.ty(p.ty)?.clone() {
                            Ty::Struct { members } => {
                                let Some(m) = cidx
                                    .filter(|m| (0..members.len() as i64).contains(m))
                                    .map(|m| m as u32)
                                else {
                                    return err("struct member index is not a valid constant");
                                };
                                let o = self.p.member_offset(p.ty, m)?;
                                let add = self.b.ins().iadd_imm_s(off, o as i64);
                                (
                                    add,
                                    members[m as usize],
                                    self.p.member_mstride(p.ty, m),
                                    self.p.member_row_major(p.ty, m),
                                )
                            }
                            t @ (Ty::Array { .. } | Ty::RuntimeArray { .. }) => {
                                let elem = match t {
                                    Ty::Array { elem, .. } | Ty::RuntimeArray { elem } => elem,
                                    _ => unreachable!(),
                                };
                                let stride =
                                    self.p.array_stride_l(p.ty, elem, p.mstride, p.row_major)?
                                        as i64;
                                let add = self.scaled(off, idx_id, cidx, stride)?;
                                (add, elem, p.mstride, p.row_major)
                            }
                            // A column of a row-major matrix starts one scalar (4 or 8 bytes)
                            // per column in, its components one row (MatrixStride) apart.
                            Ty::Matrix { col, n } if p.row_major => {
                                let es = self.p.scalar_of(col)?.bytes();
                                let rs = p.mstride.unwrap_or(es as u32 * n);
                                let add = self.scaled(off, idx_id, cidx, es)?;
                                (add, col, Some(rs), true)
                            }
                            Ty::Matrix { col, .. } => {
                                let cs = p
                                    .mstride
                                    .map(i64::from)
                                    .unwrap_or(self.p.size_align(col, None)?.0 as i64);
                                (self.scaled(off, idx_id, cidx, cs)?, col, None, false)
                            }
                            Ty::Vector { elem, .. } => {
                                let cs = match (p.row_major, p.mstride) {
                                    (true, Some(s)) => s as i64,
                                    _ => self.p.scalar_of(elem)?.bytes(),
                                };
                                (self.scaled(off, idx_id, cidx, cs)?, elem, None, false)
                            }
                            other => return err(format!("access chain into a {other:?}")),
                        };
                    p = Ptr {
                        kind: PtrKind::Mem {
                            base,
                            len,
                            off: add,
                        },
                        ty,
                        mstride: ms,
                        row_major: rm,
                    };
                }
            }
        }
        Ok(Val::P(p))
    }

    fn scaled(
        &mut self,
        off: Value,
        idx_id: u32,
        cidx: Option<i64>,
        stride: i64,
    ) -> Result<Value, ShaderError> {
        if let Some(c) = cidx {
            return Ok(self.b.ins().iadd_imm_s(off, c.wrapping_mul(stride)));
        }
        let idx = self.s1(idx_id)?;
        let idx = self.index64(idx);
        let sc = self.b.ins().imul_imm_s(idx, stride);
        Ok(self.b.ins().iadd(off, sc))
    }

    // ----- functions and control flow -----

    fn function(
        &mut self,
        fid: u32,
        args: Vec<Val>,
        ret: Option<Block>,
    ) -> Result<(), ShaderError> {
        if self.calls.contains(&fid) {
            return err("recursive function calls are not allowed in shaders");
        }
        if self.calls.len() > 64 {
            return err("function calls nested more than 64 deep");
        }
        self.calls.push(fid);
        let r = self.p.functions[&fid];
        let insts = &self.p.module.insts[r.start..=r.end];
        let mut frame = Frame {
            vals: HashMap::new(),
            live: Vec::new(),
            blocks: HashMap::new(),
            phis: HashMap::new(),
            ret,
            ret_ty: insts[0].ty,
            label: 0,
        };
        // Blocks and their phi parameters first, so branches can pass arguments.
        let mut cur = 0;
        for inst in insts {
            match inst.op {
                Op::Label => {
                    cur = inst.id;
                    let blk = self.b.create_block();
                    frame.blocks.insert(cur, blk);
                }
                Op::Phi => {
                    let pairs = (0..inst.len() / 2)
                        .map(|k| (inst.w(2 * k), inst.w(2 * k + 1)))
                        .collect();
                    let Some(&blk) = frame.blocks.get(&cur) else {
                        return err("OpPhi outside a block");
                    };
                    if self.is_pointer(inst.ty) {
                        // A variable pointer: its base, length and offset.
                        let parts = [0; 3].map(|_| self.b.append_block_param(blk, PTR));
                        let v = self.ptr_from_parts(inst.ty, parts)?;
                        frame.vals.insert(inst.id, v);
                        frame
                            .phis
                            .entry(cur)
                            .or_default()
                            .push((inst.id, inst.ty, pairs));
                        continue;
                    }
                    let mut params = Vec::new();
                    for k in self.kinds(inst.ty)? {
                        params.push(self.b.append_block_param(blk, cl_type(k)));
                    }
                    frame.vals.insert(inst.id, Val::S(params));
                    frame
                        .phis
                        .entry(cur)
                        .or_default()
                        .push((inst.id, inst.ty, pairs));
                }
                _ => {}
            }
        }
        self.frames.push(frame);
        let mut params = args.into_iter();
        let mut first_label = true;
        for inst in insts {
            match inst.op {
                Op::FunctionParameter => {
                    let Some(v) = params.next() else {
                        return err("function called with too few arguments");
                    };
                    self.set(inst.id, v);
                }
                Op::Label => {
                    let blk = self.frame().blocks[&inst.id];
                    if first_label {
                        // Fall into the function's first block from the caller's current one.
                        self.b.ins().jump(blk, &[]);
                        first_label = false;
                    }
                    self.b.switch_to_block(blk);
                    self.frame().label = inst.id;
                }
                _ => self.inst(inst)?,
            }
            // Every instruction counts too: inlining calls can repeat a body many times.
            self.scalars += 1;
            if self.scalars > MAX_SCALARS {
                return err(format!(
                    "the entry point is too large to compile (more than {MAX_SCALARS} scalar \
                     values after inlining)"
                ));
            }
        }
        self.frames.pop();
        self.calls.pop();
        Ok(())
    }

    fn branch_args(&mut self, target: u32) -> Result<(Block, Vec<BlockArg>), ShaderError> {
        let from = self.frame().label;
        let Some(&blk) = self.frame().blocks.get(&target) else {
            return err(format!("branch to unknown label %{target}"));
        };
        let phis = self.frame().phis.get(&target).cloned().unwrap_or_default();
        let mut args = Vec::new();
        for (_, ty, pairs) in phis {
            let incoming = pairs
                .iter()
                .find(|(_, parent)| *parent == from)
                .map(|p| p.0);
            let vals = if self.is_pointer(ty) {
                match incoming {
                    Some(v) => {
                        let v = self.get(v)?;
                        self.ptr_parts(v)?.to_vec()
                    }
                    None => self.null_parts().to_vec(),
                }
            } else {
                match incoming {
                    Some(v) => self.s(v)?,
                    None => self.zeros(ty)?,
                }
            };
            args.extend(vals.into_iter().map(BlockArg::Value));
        }
        Ok((blk, args))
    }

    fn ret(&mut self, vals: Vec<Value>) {
        match self.frame().ret {
            Some(blk) => {
                let args: Vec<BlockArg> = vals.into_iter().map(BlockArg::Value).collect();
                self.b.ins().jump(blk, &args);
            }
            None => {
                self.b.ins().return_(&[]);
            }
        }
    }

    fn inst(&mut self, i: &Inst) -> Result<(), ShaderError> {
        use Op::*;
        if self.soa_whole() {
            return self.inst_soa(i);
        }
        match i.op {
            // Ignored: debug info, hints.
            // A loop header: spend one unit of fuel; when it runs out, ask the runtime whether
            // the dispatch must stop (device destroyed, time limit), and if so end this
            // invocation. Every loop of structured SPIR-V has a header, so no shader can spin
            // forever unobserved.
            LoopMerge => {
                let fuel = self.b.ins().load(types::I64, flags(), self.ctx, CTX_FUEL);
                let fuel = self.b.ins().iadd_imm_s(fuel, -1);
                self.b.ins().store(flags(), fuel, self.ctx, CTX_FUEL);
                let out = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::SignedLessThanOrEqual, fuel, 0);
                let (slow, stop, cont) = (
                    self.b.create_block(),
                    self.b.create_block(),
                    self.b.create_block(),
                );
                self.b.set_cold_block(slow);
                self.b.set_cold_block(stop);
                self.b.ins().brif(out, slow, &[], cont, &[]);
                self.b.switch_to_block(slow);
                let ctx = self.ctx;
                self.call("sv_fuel_pa", &[ctx]);
                let r = self.b.ins().load(types::I32, flags(), ctx, CTX_SCRATCH);
                self.b.ins().brif(r, stop, &[], cont, &[]);
                self.b.switch_to_block(stop);
                self.b.ins().return_(&[]);
                self.b.switch_to_block(cont);
            }
            Nop | Line | NoLine | Name | MemberName | SelectionMerge | FunctionEnd | Function
            | String | Source | SourceContinued | SourceExtension | ModuleProcessed | Phi => {}
            // Zeros; undefined values of types without scalars (pointers, runtime arrays,
            // function types) stay unset: an error only if used.
            Undef => {
                if let Ok(z) = self.zeros(i.ty) {
                    self.set(i.id, Val::S(z));
                }
            }
            Variable => {
                let pointee = match self.p.ty(i.ty)? {
                    Ty::Pointer { pointee, .. } => *pointee,
                    _ => return err("OpVariable whose type is not a pointer"),
                };
                let init = (i.len() > 1).then(|| i.w(1));
                let v = self.local_var(pointee, init)?;
                self.set(i.id, v);
            }
            // Memory operands (Volatile, MakePointerAvailable/Visible, NonPrivatePointer, their
            // scopes; Aligned, Nontemporal) need nothing beyond the plain access (see the
            // memory-model paragraph of the module docs), except Volatile: a fence keeps
            // cranelift from merging or dropping the access.
            Load => {
                let p = self.ptr(i.w(0))?;
                if i.len() > 1 && i.w(1) & spirv::MemoryAccess::VOLATILE.bits() != 0 {
                    self.b.ins().fence();
                }
                let v = self.load(&p)?;
                self.set(i.id, v);
            }
            Store => {
                let p = self.ptr(i.w(0))?;
                if let PtrKind::Var { vars } = p.kind {
                    let v = self.get(i.w(1))?;
                    let parts = self.ptr_parts(v)?;
                    for (var, x) in vars.iter().zip(parts) {
                        self.b.def_var(*var, x);
                    }
                    return Ok(());
                }
                let v = self.s(i.w(1))?;
                self.store(&p, &v)?;
                if i.len() > 2 && i.w(2) & spirv::MemoryAccess::VOLATILE.bits() != 0 {
                    self.b.ins().fence();
                }
            }
            CopyMemory => {
                let dst = self.ptr(i.w(0))?;
                let src = self.ptr(i.w(1))?;
                let Val::S(v) = self.load(&src)? else {
                    return err("OpCopyMemory of a descriptor");
                };
                self.store(&dst, &v)?;
            }
            AccessChain | InBoundsAccessChain => {
                let v = self.access_chain(i)?;
                self.set(i.id, v);
            }
            PtrAccessChain | InBoundsPtrAccessChain => {
                let v = self.ptr_access_chain(i)?;
                self.set(i.id, v);
            }
            ArrayLength => {
                let p = self.ptr(i.w(0))?;
                let m = i.w(1);
                let (base_len, off) = match p.kind {
                    PtrKind::Mem { len, off, .. } => (len, off),
                    _ => return err("OpArrayLength of a non-buffer"),
                };
                let Ty::Struct { members } = self.p.ty(p.ty)?.clone() else {
                    return err("OpArrayLength of a non-struct");
                };
                let Some(&arr) = members.get(m as usize) else {
                    return err("OpArrayLength member out of range");
                };
                let elem = match self.p.ty(arr)? {
                    Ty::RuntimeArray { elem } => *elem,
                    _ => return err("OpArrayLength of a member that is not a runtime array"),
                };
                let stride = self.p.array_stride(arr, elem, None)?.max(1) as i64;
                let mo = self.p.member_offset(p.ty, m)? as i64;
                let start = self.b.ins().iadd_imm_s(off, mo);
                let bytes = self.b.ins().isub(base_len, start);
                let zero = self.iconst(PTR, 0);
                let bytes = self.b.ins().smax(bytes, zero);
                let n = self.b.ins().udiv_imm_s(bytes, stride);
                let max = self.iconst(PTR, u32::MAX as i64);
                let n = self.b.ins().umin(n, max);
                let n = self.b.ins().ireduce(types::I32, n);
                self.set(i.id, Val::S(vec![n]));
            }
            FunctionCall => {
                let callee = i.w(0);
                let mut args = Vec::new();
                for k in 1..i.len() {
                    args.push(self.get(i.w(k))?);
                }
                let blk = self.b.create_block();
                if self.is_pointer(i.ty) {
                    // A function returning a variable pointer.
                    let parts = [0; 3].map(|_| self.b.append_block_param(blk, PTR));
                    self.function(callee, args, Some(blk))?;
                    self.b.switch_to_block(blk);
                    let v = self.ptr_from_parts(i.ty, parts)?;
                    self.set(i.id, v);
                    return Ok(());
                }
                let kinds = self.kinds(i.ty)?;
                let rets: Vec<Value> = kinds
                    .iter()
                    .map(|k| self.b.append_block_param(blk, cl_type(*k)))
                    .collect();
                self.function(callee, args, Some(blk))?;
                self.b.switch_to_block(blk);
                self.set(i.id, Val::S(rets));
            }
            Return => self.ret(Vec::new()),
            ReturnValue => {
                let ty = self.frame().ret_ty;
                if self.is_pointer(ty) {
                    let v = self.get(i.w(0))?;
                    let parts = self.ptr_parts(v)?;
                    self.ret(parts.to_vec());
                    return Ok(());
                }
                let v = self.s(i.w(0))?;
                self.ret(v);
            }
            Unreachable => {
                // Never trap: leave the function as if it returned zeros (a null pointer).
                let ty = self.frame().ret_ty;
                let z = if self.is_pointer(ty) {
                    self.null_parts().to_vec()
                } else {
                    self.zeros(ty)?
                };
                self.ret(z);
            }
            Branch => {
                let (blk, args) = self.branch_args(i.w(0))?;
                self.b.ins().jump(blk, &args);
            }
            BranchConditional => {
                let c = self.s1(i.w(0))?;
                let (t, ta) = self.branch_args(i.w(1))?;
                let (f, fa) = self.branch_args(i.w(2))?;
                self.b.ins().brif(c, t, &ta, f, &fa);
            }
            Switch => {
                let sel = self.s1(i.w(0))?;
                let wide = self.b.func.dfg.value_type(sel) == types::I64;
                let mut k = 2;
                while k + 1 < i.len() {
                    // A 64-bit selector's literals are 64-bit (rspirv decodes both words).
                    let lit = match &i.ops[k] {
                        rspirv::dr::Operand::LiteralBit64(x) if wide => *x as i64,
                        _ => i.w(k) as i32 as i64,
                    };
                    let (t, ta) = self.branch_args(i.w(k + 1))?;
                    let next = self.b.create_block();
                    let c = self.b.ins().icmp_imm_s(IntCC::Equal, sel, lit);
                    self.b.ins().brif(c, t, &ta, next, &[]);
                    self.b.switch_to_block(next);
                    k += 2;
                }
                let (d, da) = self.branch_args(i.w(1))?;
                self.b.ins().jump(d, &da);
            }
            ExtInst | ExtInstWithForwardRefsKHR => {
                let set = i.w(0);
                if self.p.nonsemantic_ext.contains(&set) {
                    return Ok(());
                }
                if i.op == ExtInstWithForwardRefsKHR {
                    return err("OpExtInstWithForwardRefsKHR of a semantic instruction set");
                }
                let v = self.glsl(i)?;
                let v = self.round_halves(i.ty, v)?;
                self.set(i.id, Val::S(v));
            }
            ControlBarrier => {
                let exec = self.p.consts.get(&i.w(0)).and_then(|c| c.first().copied());
                let exec = exec.map(|e| e as u32);
                let fence = self.barrier_fences(i.w(1), i.w(2));
                if fence {
                    self.b.ins().fence();
                }
                if exec == Some(spirv::Scope::Workgroup as u32) {
                    self.call("sv_barrier", &[self.ctx]);
                    if fence {
                        self.b.ins().fence();
                    }
                }
            }
            MemoryBarrier => {
                if self.barrier_fences(i.w(0), i.w(1)) {
                    self.b.ins().fence();
                }
            }
            op if simd::simd_subgroup::is_subgroup_op(op) => return err(SCALAR_SUBGROUPS),
            op if crate::shader::module::is_atomic(op) => self.atomic(i)?,
            ImageTexelPointer => self.image_texel_pointer(i)?,
            SampledImage | Image => self.sampled_image_op(i)?,
            ImageSampleExplicitLod
            | ImageSampleDrefExplicitLod
            | ImageSampleProjExplicitLod
            | ImageSampleProjDrefExplicitLod => self.image_sample(i)?,
            ImageGather | ImageDrefGather => self.image_gather(i)?,
            ImageSampleImplicitLod
            | ImageSampleDrefImplicitLod
            | ImageSampleProjImplicitLod
            | ImageSampleProjDrefImplicitLod => {
                return err(format!(
                    "Op{:?} needs implicit derivatives: fragment shaders only",
                    i.op
                ));
            }
            ImageQuerySizeLod | ImageQueryLevels => self.image_query_lod(i)?,
            ImageFetch | ImageRead => {
                let Val::Img(d, sampled, shape) = self.get(i.w(0))? else {
                    return err("image operation on a non-image");
                };
                if !shape.is_buffer() {
                    if i.op == ImageFetch {
                        return self.image_fetch(i, d, sampled, shape);
                    }
                    return self.image_read(i, d, sampled, shape);
                }
                let coord = self.s1(i.w(1))?;
                let kind = self.iconst(types::I32, texel_kind(sampled) as i64);
                self.call("sv_texel_read", &[self.ctx, d, coord, kind]);
                let n = self.kinds(i.ty)?.len().min(4);
                let v = self.scratch(n, sampled == Scalar::F32);
                self.set(i.id, Val::S(v));
            }
            ImageWrite => {
                let Val::Img(d, sampled, shape) = self.get(i.w(0))? else {
                    return err("image operation on a non-image");
                };
                if !shape.is_buffer() {
                    return self.image_write(i, d, sampled, shape);
                }
                let coord = self.s1(i.w(1))?;
                let texel = self.s(i.w(2))?;
                let kind = self.iconst(types::I32, texel_kind(sampled) as i64);
                let mut args = vec![d, coord, kind];
                for k in 0..4 {
                    let v = match texel.get(k) {
                        Some(v) => *v,
                        None => self.iconst(types::I32, 0),
                    };
                    let v = if self.b.func.dfg.value_type(v) == types::F32 {
                        self.b.ins().bitcast(types::I32, MemFlagsData::new(), v)
                    } else {
                        v
                    };
                    args.push(v);
                }
                self.call("sv_texel_write", &args);
            }
            ImageQuerySize => {
                let Val::Img(d, _, shape) = self.get(i.w(0))? else {
                    return err("image query on a non-image");
                };
                if !shape.is_buffer() {
                    return self.image_size(i, d, shape);
                }
                let n = self.call("sv_texel_size", &[d]).expect("returns a value");
                let mut v = vec![n];
                let extra = self.kinds(i.ty)?.len().saturating_sub(1);
                for _ in 0..extra {
                    v.push(self.iconst(types::I32, 1));
                }
                self.set(i.id, Val::S(v));
            }
            // Fragment-only instructions: the scalar backend compiles compute shaders only
            // (graphics stages are SoA, lower/stage.rs).
            op if crate::shader::module::is_fragment_only(op) => {
                return err(format!("Op{:?} outside a fragment shader", i.op));
            }
            Select | CopyObject | CopyLogical if self.is_pointer(i.ty) => {
                // Variable pointers: the selected (or copied) base, length and offset.
                let v = if i.op == Select {
                    let c = self.s1(i.w(0))?;
                    let a = self.get(i.w(1))?;
                    let b = self.get(i.w(2))?;
                    let (a, b) = (self.ptr_parts(a)?, self.ptr_parts(b)?);
                    let parts = [0, 1, 2].map(|k| self.b.ins().select(c, a[k], b[k]));
                    self.ptr_from_parts(i.ty, parts)?
                } else {
                    self.get(i.w(0))?
                };
                self.set(i.id, v);
            }
            _ => {
                if let Some(v) = self.dot_product(i)? {
                    self.set(i.id, Val::S(v));
                } else {
                    let v = self.value_op(i)?;
                    let v = self.round_halves(i.ty, v)?;
                    self.set(i.id, Val::S(v));
                }
            }
        }
        Ok(())
    }

    // ----- atomics -----

    fn atomic(&mut self, i: &Inst) -> Result<(), ShaderError> {
        use Op::*;
        let p = self.ptr(i.w(0))?;
        let m = Self::mem_of(&p)?;
        let k = self.p.scalar_of(p.ty)?;
        // Float atomics (VK_EXT_shader_atomic_float) work on the bits: load, store and
        // exchange as integers of the same width, add as a compare-exchange loop.
        let float = matches!(k, Scalar::F32 | Scalar::F64);
        let t = match k {
            Scalar::I32 | Scalar::U32 | Scalar::I64 | Scalar::U64 => cl_type(k),
            Scalar::F32 => types::I32,
            Scalar::F64 => types::I64,
            other => return err(format!("atomics on {other:?} are not supported")),
        };
        if float
            && !matches!(
                i.op,
                AtomicLoad | AtomicStore | AtomicExchange | AtomicFAddEXT
            )
        {
            return err(format!("Op{:?} on a float", i.op));
        }
        if !float && i.op == AtomicFAddEXT {
            return err("OpAtomicFAddEXT on an integer");
        }
        let to_bits = |l: &mut Self, v: Value| {
            if float {
                l.b.ins().bitcast(t, MemFlagsData::new(), v)
            } else {
                v
            }
        };
        let (mut a, mut ok) = self.addr(m.0, m.1, m.2, 0, k.bytes(), true);
        if k.wide() {
            // 64-bit atomics (shaderBufferInt64Atomics, shaderSharedInt64Atomics): an address
            // that is not 8-byte aligned (possible only through a misaligned device address)
            // is treated as out of range, so no locked access ever splits a cache line.
            let low = self.b.ins().band_imm_s(a, 7);
            let aligned = self.b.ins().icmp_imm_s(IntCC::Equal, low, 0);
            let sink = self.b.ins().iadd_imm_s(self.ctx, CTX_SINK as i64);
            a = self.b.ins().select(aligned, a, sink);
            ok = self.b.ins().band(ok, aligned);
        }
        let fl = flags();
        let old = match i.op {
            AtomicLoad => self.b.ins().atomic_load(t, fl, a),
            AtomicStore => {
                let v = self.s1(i.w(3))?;
                let v = to_bits(self, v);
                self.b.ins().atomic_store(fl, v, a);
                return Ok(());
            }
            AtomicFAddEXT => {
                // old = load; loop { seen = cas(old, bits(float(old) + v)); if seen == old
                // break; old = seen }: the add lands exactly once, on the value it read.
                let v = self.s1(i.w(3))?;
                let ft = if t == types::I32 {
                    types::F32
                } else {
                    types::F64
                };
                let first = self.b.ins().atomic_load(t, fl, a);
                let (head, done) = (self.b.create_block(), self.b.create_block());
                let cur = self.b.append_block_param(head, t);
                let res = self.b.append_block_param(done, t);
                self.b.ins().jump(head, &[BlockArg::Value(first)]);
                self.b.switch_to_block(head);
                let f = self.b.ins().bitcast(ft, MemFlagsData::new(), cur);
                let sum = self.b.ins().fadd(f, v);
                let new = self.b.ins().bitcast(t, MemFlagsData::new(), sum);
                let seen = self.b.ins().atomic_cas(fl, a, cur, new);
                let same = self.b.ins().icmp(IntCC::Equal, seen, cur);
                self.b.ins().brif(
                    same,
                    done,
                    &[BlockArg::Value(cur)],
                    head,
                    &[BlockArg::Value(seen)],
                );
                self.b.switch_to_block(done);
                res
            }
            AtomicCompareExchange => {
                let v = self.s1(i.w(4))?;
                let cmp = self.s1(i.w(5))?;
                self.b.ins().atomic_cas(fl, a, cmp, v)
            }
            _ => {
                let (op, v) = match i.op {
                    AtomicIIncrement => (AtomicRmwOp::Add, self.iconst(t, 1)),
                    AtomicIDecrement => (AtomicRmwOp::Sub, self.iconst(t, 1)),
                    _ => {
                        let v = self.s1(i.w(3))?;
                        let v = to_bits(self, v);
                        let op = match i.op {
                            AtomicExchange => AtomicRmwOp::Xchg,
                            AtomicIAdd => AtomicRmwOp::Add,
                            AtomicISub => AtomicRmwOp::Sub,
                            AtomicSMin => AtomicRmwOp::Smin,
                            AtomicUMin => AtomicRmwOp::Umin,
                            AtomicSMax => AtomicRmwOp::Smax,
                            AtomicUMax => AtomicRmwOp::Umax,
                            AtomicAnd => AtomicRmwOp::And,
                            AtomicOr => AtomicRmwOp::Or,
                            _ => AtomicRmwOp::Xor,
                        };
                        (op, v)
                    }
                };
                self.b.ins().atomic_rmw(t, fl, op, a, v)
            }
        };
        let zero = self.iconst(t, 0);
        let r = self.b.ins().select(ok, old, zero);
        let r = if float {
            let ft = if t == types::I32 {
                types::F32
            } else {
                types::F64
            };
            self.b.ins().bitcast(ft, MemFlagsData::new(), r)
        } else {
            r
        };
        self.set(i.id, Val::S(vec![r]));
        Ok(())
    }
}

mod dot;
pub(crate) mod images;
mod ops;
mod pointers;
mod sampling;
mod simd;
pub(crate) use simd::rows as simd_rows;
mod stage;
pub(crate) mod uniformity;

pub(crate) use simd::simd_subgroup::uses_subgroups;

/// Why the scalar backend refuses subgroup operations and built-ins: its subgroups would be
/// one invocation wide, not the size the device reports.
const SCALAR_SUBGROUPS: &str = "subgroup operations and built-ins run on the SoA backend only \
                                (subgroups are 4 invocations wide)";
