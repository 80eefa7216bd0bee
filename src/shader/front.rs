//! The SPIR-V front: types, constants (specialization resolved), decorations, memory layouts and
//! the entry point's interface. Independent of the code generator, so another backend (the
//! 4-lane SoA one of DESIGN) can reuse it.

use super::module::{Inst, Module};
use super::{ShaderError, SpecConstants};
use spirv::{BuiltIn, Decoration, Dim, ExecutionMode, ExecutionModel, Op, StorageClass};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// A scalar as the code generator sees it: bool, 32-bit numbers, 16-bit integers (Int16 and
/// the 16-bit storage capabilities), 64-bit integers (Int64) and 64-bit floats (Float64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    Bool,
    I32,
    U32,
    F32,
    I64,
    U64,
    F64,
    I16,
    U16,
    /// A 16-bit float (Float16), held in registers as the f32 of the same value.
    F16,
    /// 8-bit integers (Int8 and the 8-bit storage capabilities): one cranelift i8.
    I8,
    U8,
}

impl Scalar {
    /// Bytes of the scalar in memory (bools are stored as 32-bit words).
    pub(crate) fn bytes(self) -> i64 {
        if self.wide() {
            8
        } else if self.narrow() || self == Scalar::F16 {
            2
        } else if self.byte() {
            1
        } else {
            4
        }
    }

    /// An 8-bit integer.
    pub(crate) fn byte(self) -> bool {
        matches!(self, Scalar::I8 | Scalar::U8)
    }

    /// A 16-bit integer.
    pub(crate) fn narrow(self) -> bool {
        matches!(self, Scalar::I16 | Scalar::U16)
    }

    /// A 64-bit scalar (integer or float).
    pub(crate) fn wide(self) -> bool {
        matches!(self, Scalar::I64 | Scalar::U64 | Scalar::F64)
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Ty {
    Void,
    Bool,
    Int {
        signed: bool,
        /// 32 or 64.
        width: u32,
    },
    Float {
        /// 32 or 64.
        width: u32,
    },
    Vector {
        elem: u32,
        n: u32,
    },
    Matrix {
        col: u32,
        n: u32,
    },
    Array {
        elem: u32,
        len: u32,
    },
    RuntimeArray {
        elem: u32,
    },
    Struct {
        members: Vec<u32>,
    },
    Pointer {
        pointee: u32,
    },
    /// A PhysicalStorageBuffer pointer (a buffer device address): a value of 8 bytes, held
    /// as two 32-bit scalars (low word first, the memory layout of a uvec2).
    PhysPtr {
        pointee: u32,
    },
    Function,
    /// A buffer image (`dim` = Dim Buffer); `storage` = sampled 2 (imageBuffer), else
    /// samplerBuffer. Or a storage image (`storage`, `dim` 1D/2D/3D/Cube, see
    /// lower/images.rs).
    Image {
        sampled: Scalar,
        storage: bool,
        dim: u32,
        arrayed: bool,
    },
    SampledImage {
        image: u32,
    },
    /// OpTypeSampler (lower/sampling.rs).
    Sampler,
}

/// Texel kind passed to the runtime helpers (the image's sampled type).
pub(crate) fn texel_kind(s: Scalar) -> u32 {
    match s {
        Scalar::F32 | Scalar::F64 | Scalar::F16 | Scalar::Bool => 0,
        Scalar::I32 | Scalar::I64 | Scalar::I16 | Scalar::I8 => 1,
        Scalar::U32 | Scalar::U64 | Scalar::U16 | Scalar::U8 => 2,
    }
}

type Decos = Vec<(Decoration, Vec<u32>)>;

/// Decorations accepted (others are refused as "changing meaning" or unknown).
const DECORATIONS: &[Decoration] = &[
    Decoration::RelaxedPrecision,
    Decoration::SpecId,
    Decoration::Block,
    Decoration::BufferBlock,
    Decoration::ColMajor,
    Decoration::ArrayStride,
    Decoration::MatrixStride,
    Decoration::GLSLShared,
    Decoration::GLSLPacked,
    Decoration::BuiltIn,
    Decoration::NoPerspective,
    Decoration::Flat,
    Decoration::Invariant,
    Decoration::Restrict,
    Decoration::Aliased,
    Decoration::Volatile,
    Decoration::Coherent,
    Decoration::NonWritable,
    Decoration::NonReadable,
    Decoration::Uniform,
    Decoration::UniformId,
    Decoration::Location,
    Decoration::Component,
    Decoration::Binding,
    Decoration::DescriptorSet,
    Decoration::Offset,
    Decoration::NoContraction,
    Decoration::NoSignedWrap,
    Decoration::NoUnsignedWrap,
    Decoration::UserSemantic,
    Decoration::RestrictPointer,
    Decoration::AliasedPointer,
    Decoration::Alignment,
    Decoration::MaxByteOffset,
    // Descriptor indexing: every index is handled per lane anyway.
    Decoration::NonUniform,
    // Interface decorations of other stages' variables (fragment, geometry, tessellation
    // entry points in the same module); a compute entry point cannot use such variables.
    Decoration::Centroid,
    Decoration::Sample,
    Decoration::Patch,
    Decoration::Index,
    Decoration::InputAttachmentIndex,
    Decoration::Stream,
    Decoration::XfbBuffer,
    Decoration::XfbStride,
];

#[derive(Clone, Debug)]
pub(crate) struct Global {
    pub id: u32,
    pub sc: StorageClass,
    pub pointee: u32,
    pub init: Option<u32>,
}

/// Function body: the instruction range from OpFunction to OpFunctionEnd (inclusive).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FuncRange {
    pub start: usize,
    pub end: usize,
}

pub(crate) struct Program<'m> {
    pub module: &'m Module,
    pub types: HashMap<u32, Ty>,
    /// Constant id -> its flattened scalar bit patterns (bool: 0/1; 32-bit scalars in the low
    /// half).
    pub consts: HashMap<u32, Vec<u64>>,
    pub decos: HashMap<u32, Decos>,
    pub member_decos: HashMap<(u32, u32), Decos>,
    pub globals: Vec<Global>,
    pub functions: HashMap<u32, FuncRange>,
    pub glsl_ext: Vec<u32>,
    pub nonsemantic_ext: Vec<u32>,
    /// Result id -> result type, for every instruction with both.
    pub value_types: HashMap<u32, u32>,
    /// OpConstantNull / OpUndef of logical pointer types (variable pointers).
    pub null_ptrs: HashSet<u32>,
    /// Pointer types into an invocation's own memory (Function, Private, Input, Output):
    /// what fragment shader helper invocations may write (`Program::writes_own_memory`).
    pub own_pointers: HashSet<u32>,
    /// Type id -> nesting depth (scalars 0).
    depth: HashMap<u32, u32>,
    /// Pointer types declared ahead by OpTypeForwardPointer.
    forward_pointers: std::collections::HashSet<u32>,
    /// Memoized [`Program::flat`] and logical struct offsets: each type is visited once, so
    /// hostile nestings (structs of thousands of empty structs, many levels deep) cost time
    /// linear in the module.
    flat_cache: RefCell<HashMap<u32, Rc<[Scalar]>>>,
    offsets_cache: RefCell<HashMap<u32, Rc<[u64]>>>,
    size_cache: RefCell<HashMap<LayoutKey, (u64, u64)>>,
    pub entry: u32,
    pub local_size: [u32; 3],
    /// The entry point's execution model.
    pub model: ExecutionModel,
    /// Fragment shaders: the EarlyFragmentTests execution mode.
    pub early_fragment_tests: bool,
    /// Lanes may leave the execution mask in any block: the module kills (OpKill,
    /// OpTerminateInvocation) inside a function other than the entry point. Every block then
    /// counts as under divergent control. (Demoted lanes stay in the mask as helpers.)
    pub lanes_leave: bool,
}

fn err<T>(m: impl Into<String>) -> Result<T, ShaderError> {
    Err(ShaderError::new(m))
}

fn malformed<T>(m: impl Into<String>) -> Result<T, ShaderError> {
    Err(ShaderError::malformed(m))
}

/// A type with the MatrixStride and RowMajor that apply to it.
type LayoutKey = (u32, Option<u32>, bool);

/// How deep types may nest (arrays of structs of arrays ...).
const MAX_TYPE_DEPTH: u32 = 64;

/// The largest memory layout a type may have (a buffer block may be larger than any buffer
/// range, since only the bytes accessed must exist; this only keeps sizes far from overflow).
pub(crate) const MAX_TYPE_BYTES: u64 = 1 << 40;

/// The most scalars one value (a flattened composite) may have.
pub(crate) const MAX_VALUE_SCALARS: usize = 1 << 16;

impl<'m> Program<'m> {
    /// Whether pointer `ptr` points into the invocation's own memory (Function, Private,
    /// Input, Output variables), which fragment shader helper invocations write like any
    /// other invocation; other memory they leave alone.
    pub fn own_memory(&self, ptr: u32) -> bool {
        self.value_types
            .get(&ptr)
            .is_some_and(|t| self.own_pointers.contains(t))
    }

    pub fn new(
        module: &'m Module,
        entry_name: &str,
        spec: &SpecConstants,
    ) -> Result<Program<'m>, ShaderError> {
        Self::with_model(module, entry_name, spec, ExecutionModel::GLCompute)
    }

    /// [`Program::new`] for an entry point of execution model `model`.
    pub fn with_model(
        module: &'m Module,
        entry_name: &str,
        spec: &SpecConstants,
        model: ExecutionModel,
    ) -> Result<Program<'m>, ShaderError> {
        let mut p = Program {
            module,
            types: HashMap::new(),
            consts: HashMap::new(),
            decos: HashMap::new(),
            member_decos: HashMap::new(),
            globals: Vec::new(),
            functions: HashMap::new(),
            glsl_ext: Vec::new(),
            nonsemantic_ext: Vec::new(),
            value_types: HashMap::new(),
            null_ptrs: HashSet::new(),
            own_pointers: HashSet::new(),
            depth: HashMap::new(),
            forward_pointers: Default::default(),
            flat_cache: RefCell::default(),
            offsets_cache: RefCell::default(),
            size_cache: RefCell::default(),
            entry: 0,
            local_size: [1, 1, 1],
            model,
            early_fragment_tests: false,
            lanes_leave: false,
        };
        let insts = &module.insts;
        // Decorations first (they precede types, but groups may be used anywhere before).
        let mut groups: HashMap<u32, Decos> = HashMap::new();
        for i in insts {
            match i.op {
                Op::Decorate | Op::DecorateId | Op::DecorateString => {
                    let d = decoration(i.w(1))?;
                    let args = (2..i.len()).map(|k| i.w(k)).collect();
                    if p.types.is_empty() {
                        // Group decorations target the group id; store under the id anyway.
                    }
                    p.decos.entry(i.w(0)).or_default().push((d, args));
                }
                Op::MemberDecorate | Op::MemberDecorateString => {
                    let d = decoration(i.w(2))?;
                    let args = (3..i.len()).map(|k| i.w(k)).collect();
                    p.member_decos
                        .entry((i.w(0), i.w(1)))
                        .or_default()
                        .push((d, args));
                }
                Op::DecorationGroup => {
                    groups.insert(i.id, p.decos.get(&i.id).cloned().unwrap_or_default());
                }
                Op::GroupDecorate => {
                    let g = groups.get(&i.w(0)).cloned().unwrap_or_default();
                    for k in 1..i.len() {
                        p.decos.entry(i.w(k)).or_default().extend(g.iter().cloned());
                    }
                }
                Op::GroupMemberDecorate => {
                    let g = groups.get(&i.w(0)).cloned().unwrap_or_default();
                    let mut k = 1;
                    while k + 1 < i.len() {
                        p.member_decos
                            .entry((i.w(k), i.w(k + 1)))
                            .or_default()
                            .extend(g.iter().cloned());
                        k += 2;
                    }
                }
                Op::ExtInstImport => {
                    if i.string(0) == "GLSL.std.450" {
                        p.glsl_ext.push(i.id);
                    } else {
                        p.nonsemantic_ext.push(i.id);
                    }
                }
                _ => {}
            }
            if i.ty != 0 && i.id != 0 {
                p.value_types.insert(i.id, i.ty);
            }
        }
        // Entry point.
        let mut found = None;
        for i in insts.iter().filter(|i| i.op == Op::EntryPoint) {
            if i.string(2) == entry_name {
                if i.w(0) != model as u32 {
                    let want = match model {
                        ExecutionModel::GLCompute => "a compute shader".to_string(),
                        m => format!("a {m:?} shader"),
                    };
                    return err(format!(
                        "entry point \"{entry_name}\" is not {want} (execution model {})",
                        model_name(i.w(0))
                    ));
                }
                found = Some(i.w(1));
            }
        }
        let Some(entry) = found else {
            return err(format!("no entry point named \"{entry_name}\""));
        };
        p.entry = entry;

        // Types, constants, globals, in order; then function ranges.
        let mut func_start = None;
        for (idx, i) in insts.iter().enumerate() {
            match i.op {
                Op::Function => func_start = Some(idx),
                Op::FunctionEnd => {
                    if let Some(s) = func_start.take() {
                        p.functions
                            .insert(insts[s].id, FuncRange { start: s, end: idx });
                    }
                }
                _ if func_start.is_some() => {}
                Op::Variable => {
                    let sc = storage_class(i.w(0))?;
                    let pointee = match p.types.get(&i.ty) {
                        Some(Ty::Pointer { pointee, .. }) => *pointee,
                        _ => return err("OpVariable whose type is not a pointer"),
                    };
                    p.globals.push(Global {
                        id: i.id,
                        sc,
                        pointee,
                        init: (i.len() > 1).then(|| i.w(1)),
                    });
                }
                _ => p.global(i, spec)?,
            }
        }

        // Execution modes of the entry point.
        for i in insts {
            if (i.op == Op::ExecutionMode || i.op == Op::ExecutionModeId) && i.w(0) == entry {
                let mode = i.w(1);
                if mode == ExecutionMode::LocalSize as u32 {
                    p.local_size = [i.w(2), i.w(3), i.w(4)];
                } else if mode == ExecutionMode::LocalSizeId as u32 {
                    for k in 0..3 {
                        p.local_size[k] = p.const_scalar(i.w(2 + k))?;
                    }
                } else if mode == ExecutionMode::LocalSizeHint as u32
                    || mode == ExecutionMode::LocalSizeHintId as u32
                    || (model == ExecutionModel::Fragment
                        && [
                            ExecutionMode::OriginUpperLeft,
                            ExecutionMode::DepthReplacing,
                            ExecutionMode::DepthGreater,
                            ExecutionMode::DepthLess,
                            ExecutionMode::DepthUnchanged,
                        ]
                        .iter()
                        .any(|m| *m as u32 == mode))
                {
                    // Hints, and fragment modes that need nothing here (upper-left origin is
                    // Vulkan's; depth layouts are promises about FragDepth).
                } else if model == ExecutionModel::Fragment
                    && mode == ExecutionMode::EarlyFragmentTests as u32
                {
                    p.early_fragment_tests = true;
                } else if let Some(why) = float_controls_refusal(mode, i.w(2)) {
                    if !why.is_empty() {
                        return err(why);
                    }
                } else {
                    return err(format!("unsupported execution mode {}", mode_name(mode)));
                }
            }
        }
        // A constant decorated WorkgroupSize overrides LocalSize.
        let wg: Vec<u32> = p
            .decos
            .iter()
            .filter(|(_, d)| {
                d.iter().any(|(d, a)| {
                    *d == Decoration::BuiltIn && a.first() == Some(&(BuiltIn::WorkgroupSize as u32))
                })
            })
            .map(|(id, _)| *id)
            .collect();
        for id in wg {
            if let Some(c) = p.consts.get(&id)
                && c.len() == 3
            {
                p.local_size = [c[0] as u32, c[1] as u32, c[2] as u32];
            }
        }
        let [x, y, z] = p.local_size;
        let total = (x as u64).saturating_mul(y as u64).saturating_mul(z as u64);
        if total == 0 || total > 1024 {
            return err(format!(
                "workgroup size {x}x{y}x{z} is outside 1..=1024 invocations"
            ));
        }
        let kills_in_callee = p.functions.iter().any(|(id, r)| {
            *id != p.entry
                && insts[r.start..=r.end]
                    .iter()
                    .any(|i| matches!(i.op, Op::Kill | Op::TerminateInvocation))
        });
        p.lanes_leave = kills_in_callee;
        Ok(p)
    }

    fn global(&mut self, i: &Inst, spec: &SpecConstants) -> Result<(), ShaderError> {
        let ty = match i.op {
            Op::TypeVoid => Ty::Void,
            Op::TypeBool => Ty::Bool,
            Op::TypeInt => {
                // 64-bit integers need the Int64 capability, 16-bit ones Int16 or a 16-bit
                // storage capability, checked at parse time.
                if !matches!(i.w(0), 8 | 16 | 32 | 64) {
                    return err(format!("unsupported integer width {}", i.w(0)));
                }
                Ty::Int {
                    signed: i.w(1) != 0,
                    width: i.w(0),
                }
            }
            Op::TypeFloat => {
                // 64-bit floats need the Float64 capability, 16-bit ones Float16 or a 16-bit
                // storage capability, checked at parse time.
                if !matches!(i.w(0), 8 | 16 | 32 | 64) {
                    return err(format!("unsupported float width {}", i.w(0)));
                }
                Ty::Float { width: i.w(0) }
            }
            // Sizes come from the module: each is checked here, before anything is sized by
            // it, and every type may only use types declared before it (so types are acyclic
            // and nest at most MAX_TYPE_DEPTH deep).
            Op::TypeVector => {
                let n = i.w(1);
                if !(2..=4).contains(&n) {
                    return malformed(format!(
                        "OpTypeVector %{} has {n} components (2 to 4)",
                        i.id
                    ));
                }
                if !matches!(
                    self.types.get(&i.w(0)),
                    Some(Ty::Bool | Ty::Int { .. } | Ty::Float { .. })
                ) {
                    return malformed(format!("OpTypeVector %{} of a non-scalar type", i.id));
                }
                Ty::Vector { elem: i.w(0), n }
            }
            Op::TypeMatrix => {
                let n = i.w(1);
                if !(2..=4).contains(&n) {
                    return malformed(format!("OpTypeMatrix %{} has {n} columns (2 to 4)", i.id));
                }
                // (Columns of integers are not valid SPIR-V, but conformance tests declare such
                // matrices for OpUndef/OpConstantNull; they are harmless values.)
                if !matches!(self.types.get(&i.w(0)), Some(Ty::Vector { .. })) {
                    return malformed(format!(
                        "OpTypeMatrix %{} whose column type is not a vector",
                        i.id
                    ));
                }
                Ty::Matrix { col: i.w(0), n }
            }
            Op::TypeArray => {
                let len = self.const_scalar(i.w(1))?;
                if len == 0 {
                    return malformed(format!("OpTypeArray %{} of length 0", i.id));
                }
                self.declared_types(i.id, &[i.w(0)])?;
                Ty::Array { elem: i.w(0), len }
            }
            Op::TypeRuntimeArray => {
                self.declared_types(i.id, &[i.w(0)])?;
                Ty::RuntimeArray { elem: i.w(0) }
            }
            Op::TypeStruct => {
                let members: Vec<u32> = (0..i.len()).map(|k| i.w(k)).collect();
                self.declared_types(i.id, &members)?;
                Ty::Struct { members }
            }
            Op::TypePointer => {
                // The pointee may be declared later (OpTypeForwardPointer); layouts never
                // recurse through pointers.
                let class = storage_class(i.w(0))?;
                if matches!(
                    class,
                    StorageClass::Function
                        | StorageClass::Private
                        | StorageClass::Input
                        | StorageClass::Output
                ) {
                    self.own_pointers.insert(i.id);
                }
                if class == StorageClass::PhysicalStorageBuffer {
                    Ty::PhysPtr { pointee: i.w(1) }
                } else {
                    Ty::Pointer { pointee: i.w(1) }
                }
            }
            Op::TypeForwardPointer => {
                self.forward_pointers.insert(i.w(0));
                return Ok(());
            }
            Op::TypeFunction => Ty::Function,
            Op::TypeImage => {
                let sampled = self.scalar_of(i.w(0))?;
                let (dim, arrayed, ms, storage) = (i.w(1), i.w(3) == 1, i.w(4), i.w(5) == 2);
                // Int64ImageEXT: 64-bit integer storage images (R64_UINT / R64_SINT views,
                // VK_EXT_shader_image_atomic_int64); no 64-bit texel buffers or sampling.
                if sampled.wide() && (!storage || dim == Dim::DimBuffer as u32) {
                    return err(
                        "64-bit integer images are supported as storage images only (not \
                         texel buffers or sampled images)",
                    );
                }
                if sampled == Scalar::F64 {
                    return Err(ShaderError::malformed(
                        "an image of 64-bit floats (the sampled type must be a 32-bit scalar or \
                         a 64-bit integer)",
                    ));
                }
                if dim != Dim::DimBuffer as u32 {
                    super::lower::images::check_image_type(dim, arrayed, ms, i.w(5))?;
                }
                Ty::Image {
                    sampled,
                    storage,
                    dim,
                    arrayed,
                }
            }
            Op::TypeSampledImage => Ty::SampledImage { image: i.w(0) },
            Op::TypeSampler => Ty::Sampler,
            Op::Constant | Op::SpecConstant => {
                // A 64-bit literal is two words, low-order first (rspirv hands it over whole).
                let wide = self.scalar_of(i.ty).is_ok_and(Scalar::wide);
                let mut v = match i.ops.first() {
                    Some(rspirv::dr::Operand::LiteralBit64(x)) => *x,
                    _ if wide => i.w(0) as u64 | (i.w(1) as u64) << 32,
                    _ => i.w(0) as u64,
                };
                if i.op == Op::SpecConstant
                    && let Some(bytes) = self.spec_bytes(i.id, spec)
                {
                    v = if wide { bytes } else { bytes & 0xffff_ffff };
                }
                self.consts.insert(i.id, vec![v]);
                return Ok(());
            }
            Op::ConstantTrue | Op::ConstantFalse | Op::SpecConstantTrue | Op::SpecConstantFalse => {
                let mut v = matches!(i.op, Op::ConstantTrue | Op::SpecConstantTrue) as u64;
                if matches!(i.op, Op::SpecConstantTrue | Op::SpecConstantFalse)
                    && let Some(bytes) = self.spec_bytes(i.id, spec)
                {
                    v = (bytes & 0xffff_ffff != 0) as u64;
                }
                self.consts.insert(i.id, vec![v]);
                return Ok(());
            }
            Op::ConstantComposite | Op::SpecConstantComposite => {
                let mut v = Vec::new();
                for k in 0..i.len() {
                    match self.consts.get(&i.w(k)) {
                        Some(c) => v.extend_from_slice(c),
                        None => return err("composite constant of a non-constant"),
                    }
                }
                self.consts.insert(i.id, v);
                return Ok(());
            }
            // An undefined value is zeros (so results stay deterministic). A null or undefined
            // value of a type without scalars to give (a pointer, a runtime array, a function
            // type, an image) stays unset: harmless unless used.
            Op::ConstantNull | Op::Undef => {
                if let Ok(n) = self.flat_len(i.ty) {
                    self.consts.insert(i.id, vec![0; n]);
                } else if matches!(self.types.get(&i.ty), Some(Ty::Pointer { .. })) {
                    // A null (or undefined) variable pointer: points nowhere.
                    self.null_ptrs.insert(i.id);
                }
                return Ok(());
            }
            Op::SpecConstantOp => {
                let v = self.spec_op(i)?;
                self.consts.insert(i.id, v);
                return Ok(());
            }
            _ => return Ok(()),
        };
        if self.types.contains_key(&i.id) {
            return malformed(format!("%{} is declared twice", i.id));
        }
        self.types.insert(i.id, ty);
        Ok(())
    }

    /// Checks that the `parts` of type `id` are types declared before it, and that `id` does
    /// not nest deeper than [`MAX_TYPE_DEPTH`] (the layout code recurses on types).
    fn declared_types(&mut self, id: u32, parts: &[u32]) -> Result<(), ShaderError> {
        let mut depth = 0;
        for p in parts {
            // A pointer declared by OpTypeForwardPointer (PhysicalStorageBuffer) may be used
            // before its OpTypePointer; layouts never recurse through pointers.
            if self.forward_pointers.contains(p) {
                continue;
            }
            if !self.types.contains_key(p) {
                return malformed(format!(
                    "type %{id} uses %{p}, which is not a type declared before it"
                ));
            }
            depth = depth.max(self.depth.get(p).copied().unwrap_or(0));
        }
        if depth >= MAX_TYPE_DEPTH {
            return err(format!(
                "type %{id} nests more than {MAX_TYPE_DEPTH} types deep"
            ));
        }
        self.depth.insert(id, depth + 1);
        Ok(())
    }

    /// The first 8 bytes given for `id`'s SpecId (zero-padded; 32-bit constants use the low
    /// 4).
    fn spec_bytes(&self, id: u32, spec: &SpecConstants) -> Option<u64> {
        let sid = self.deco(id, Decoration::SpecId)?.first().copied()?;
        let bytes = spec.values.get(&sid)?;
        let mut w = [0u8; 8];
        for (d, s) in w.iter_mut().zip(bytes.iter()) {
            *d = *s;
        }
        Some(u64::from_le_bytes(w))
    }

    pub fn deco(&self, id: u32, d: Decoration) -> Option<&[u32]> {
        self.decos
            .get(&id)?
            .iter()
            .find(|(x, _)| *x == d)
            .map(|(_, a)| a.as_slice())
    }

    pub fn member_deco(&self, id: u32, m: u32, d: Decoration) -> Option<&[u32]> {
        self.member_decos
            .get(&(id, m))?
            .iter()
            .find(|(x, _)| *x == d)
            .map(|(_, a)| a.as_slice())
    }

    pub fn const_scalar(&self, id: u32) -> Result<u32, ShaderError> {
        match self.consts.get(&id) {
            Some(v) if v.len() == 1 => Ok(v[0] as u32),
            _ => err(format!("%{id} is not a scalar constant")),
        }
    }

    pub fn ty(&self, id: u32) -> Result<&Ty, ShaderError> {
        self.types
            .get(&id)
            .ok_or_else(|| ShaderError::new(format!("%{id} is not a type")))
    }

    pub fn scalar_of(&self, ty: u32) -> Result<Scalar, ShaderError> {
        match self.ty(ty)? {
            Ty::Bool => Ok(Scalar::Bool),
            Ty::Int {
                signed: true,
                width: 64,
            } => Ok(Scalar::I64),
            Ty::Int {
                signed: false,
                width: 64,
            } => Ok(Scalar::U64),
            Ty::Int {
                signed: true,
                width: 16,
            } => Ok(Scalar::I16),
            Ty::Int {
                signed: false,
                width: 16,
            } => Ok(Scalar::U16),
            Ty::Int {
                signed: true,
                width: 8,
            } => Ok(Scalar::I8),
            Ty::Int {
                signed: false,
                width: 8,
            } => Ok(Scalar::U8),
            Ty::Int { signed: true, .. } => Ok(Scalar::I32),
            Ty::Int { signed: false, .. } => Ok(Scalar::U32),
            Ty::Float { width: 64 } => Ok(Scalar::F64),
            Ty::Float { width: 16 } => Ok(Scalar::F16),
            Ty::Float { .. } => Ok(Scalar::F32),
            Ty::Vector { elem, .. } => self.scalar_of(*elem),
            _ => err(format!("%{ty} is not a scalar or vector type")),
        }
    }

    /// The scalars of a value of type `ty`, flattened (vectors by component, matrices by column,
    /// arrays by element, structs by member).
    pub fn flat(&self, ty: u32, out: &mut Vec<Scalar>) -> Result<(), ShaderError> {
        let cached = self.flat_cache.borrow().get(&ty).cloned();
        let one = match cached {
            Some(v) => v,
            None => {
                let mut v = Vec::new();
                self.flat_uncached(ty, &mut v)?;
                let v: Rc<[Scalar]> = v.into();
                self.flat_cache.borrow_mut().insert(ty, v.clone());
                v
            }
        };
        if out.len() + one.len() > MAX_VALUE_SCALARS {
            return err("composite value of more than 65536 scalars");
        }
        out.extend_from_slice(&one);
        Ok(())
    }

    fn flat_uncached(&self, ty: u32, out: &mut Vec<Scalar>) -> Result<(), ShaderError> {
        match self.ty(ty)? {
            Ty::Bool | Ty::Int { .. } | Ty::Float { .. } => out.push(self.scalar_of(ty)?),
            Ty::PhysPtr { .. } => out.extend([Scalar::U32, Scalar::U32]),
            Ty::Vector { elem, n } => {
                let s = self.scalar_of(*elem)?;
                if out.len() + *n as usize > MAX_VALUE_SCALARS {
                    return err("composite value of more than 65536 scalars");
                }
                out.extend(std::iter::repeat_n(s, *n as usize));
            }
            Ty::Matrix { col, n } => {
                for _ in 0..*n {
                    self.flat(*col, out)?;
                }
            }
            Ty::Array { elem, len } => {
                if *len as usize > MAX_VALUE_SCALARS {
                    return err("array value of more than 65536 elements");
                }
                let mut one = Vec::new();
                self.flat(*elem, &mut one)?;
                if out.len() + one.len().saturating_mul(*len as usize) > MAX_VALUE_SCALARS {
                    return err("composite value of more than 65536 scalars");
                }
                for _ in 0..*len {
                    out.extend_from_slice(&one);
                }
            }
            Ty::Struct { members } => {
                for m in members.clone() {
                    self.flat(m, out)?;
                }
            }
            Ty::Void => {}
            other => return err(format!("a value of type {other:?} cannot be flattened")),
        }
        if out.len() > MAX_VALUE_SCALARS {
            return err("composite value of more than 65536 scalars");
        }
        Ok(())
    }

    /// Whether a value of type `ty` has 16-bit float components.
    pub fn has_half(&self, ty: u32) -> bool {
        let mut v = Vec::new();
        self.flat(ty, &mut v).is_ok() && v.contains(&Scalar::F16)
    }

    pub fn flat_len(&self, ty: u32) -> Result<usize, ShaderError> {
        let mut v = Vec::new();
        self.flat(ty, &mut v)?;
        Ok(v.len())
    }

    /// Scalars before member/element `index` of composite `ty`, and that part's type.
    pub fn flat_index(&self, ty: u32, index: u32) -> Result<(usize, u32), ShaderError> {
        match self.ty(ty)?.clone() {
            Ty::Vector { elem, n } if index < n => Ok((index as usize, elem)),
            Ty::Matrix { col, n } if index < n => Ok((index as usize * self.flat_len(col)?, col)),
            Ty::Array { elem, len } if index < len => {
                Ok((index as usize * self.flat_len(elem)?, elem))
            }
            Ty::Struct { members } if (index as usize) < members.len() => {
                let mut off = 0;
                for m in &members[..index as usize] {
                    off += self.flat_len(*m)?;
                }
                Ok((off, members[index as usize]))
            }
            _ => err(format!("composite index {index} out of range for %{ty}")),
        }
    }

    // ----- layouts -----

    /// (size, alignment) of `ty` in memory. `mstride` is the MatrixStride that applies to a
    /// matrix (from its struct member); without it matrices are tightly packed columns.
    pub fn size_align(&self, ty: u32, mstride: Option<u32>) -> Result<(u64, u64), ShaderError> {
        self.size_align_l(ty, mstride, false)
    }

    /// [`Program::size_align`] with the matrix majorness that applies (`row_major`: the
    /// RowMajor decoration of the enclosing struct member; a row-major matrix stores each row
    /// as a vector, rows `mstride` apart).
    pub fn size_align_l(
        &self,
        ty: u32,
        mstride: Option<u32>,
        row_major: bool,
    ) -> Result<(u64, u64), ShaderError> {
        let key = (ty, mstride, row_major);
        if let Some(r) = self.size_cache.borrow().get(&key) {
            return Ok(*r);
        }
        let r = self.size_align_unchecked(ty, mstride, row_major)?;
        if r.0 > MAX_TYPE_BYTES {
            return err(format!(
                "type %{ty} is larger than {MAX_TYPE_BYTES} bytes in memory"
            ));
        }
        self.size_cache.borrow_mut().insert(key, r);
        Ok(r)
    }

    fn size_align_unchecked(
        &self,
        ty: u32,
        mstride: Option<u32>,
        row_major: bool,
    ) -> Result<(u64, u64), ShaderError> {
        // Every part is at most MAX_TYPE_BYTES (checked by the recursive call) and every
        // stride, offset and count a u32, so these products and sums fit in u64.
        Ok(match self.ty(ty)?.clone() {
            Ty::Int { width: 64, .. } | Ty::Float { width: 64 } => (8, 8),
            Ty::Int { width: 16, .. } | Ty::Float { width: 16 } => (2, 2),
            Ty::Int { width: 8, .. } => (1, 1),
            Ty::Bool | Ty::Int { .. } | Ty::Float { .. } => (4, 4),
            Ty::PhysPtr { .. } => (8, 8),
            // Components are scalar-aligned; buffer blocks carry explicit Offset/ArrayStride.
            Ty::Vector { elem, n } => {
                let (s, a) = self.size_align(elem, None)?;
                (s * n as u64, a)
            }
            Ty::Matrix { col, n } if row_major => {
                let (rows, elem) = match self.ty(col)? {
                    Ty::Vector { n, elem } => (*n as u64, *elem),
                    _ => return err("matrix column is not a vector"),
                };
                // A row is a vector of `n` scalars (4 or 8 bytes each).
                let es = self.scalar_of(elem)?.bytes() as u64;
                let rs = es * n as u64;
                let stride = mstride.map(u64::from).unwrap_or(rs);
                (stride * rows.saturating_sub(1) + rs, es)
            }
            Ty::Matrix { col, n } => {
                let (cs, ca) = self.size_align(col, None)?;
                let stride = mstride.map(u64::from).unwrap_or(cs);
                (stride * (n as u64).saturating_sub(1) + cs, ca)
            }
            Ty::Array { elem, len } => {
                let stride = self.array_stride_l(ty, elem, mstride, row_major)?;
                let (_, a) = self.size_align_l(elem, mstride, row_major)?;
                let Some(size) = stride.checked_mul(len as u64) else {
                    return err(format!("array type %{ty} is too large"));
                };
                (size, a)
            }
            Ty::RuntimeArray { elem } => (0, self.size_align_l(elem, mstride, row_major)?.1),
            Ty::Struct { members } => {
                let mut size = 0u64;
                let mut align = 4u64;
                for k in 0..members.len() as u32 {
                    let ms = self.member_mstride(ty, k);
                    let rm = self.member_row_major(ty, k);
                    let (s, a) = self.size_align_l(members[k as usize], ms, rm)?;
                    let off = self.member_offset(ty, k)?;
                    size = size.max(off + s);
                    align = align.max(a);
                }
                (size.div_ceil(align) * align, align)
            }
            other => return err(format!("type {other:?} has no memory layout")),
        })
    }

    pub fn member_mstride(&self, st: u32, m: u32) -> Option<u32> {
        self.member_deco(st, m, Decoration::MatrixStride)
            .and_then(|a| a.first().copied())
    }

    /// Whether member `m` of struct `st` (a matrix, or an array of them) is RowMajor.
    pub fn member_row_major(&self, st: u32, m: u32) -> bool {
        self.member_deco(st, m, Decoration::RowMajor).is_some()
    }

    pub fn member_offset(&self, st: u32, m: u32) -> Result<u64, ShaderError> {
        if let Some(o) = self.member_deco(st, m, Decoration::Offset) {
            return Ok(o.first().copied().unwrap_or(0) as u64);
        }
        // Logical layout: members in order, each at its alignment.
        let cached = self.offsets_cache.borrow().get(&st).cloned();
        let offsets = match cached {
            Some(o) => o,
            None => {
                let Ty::Struct { members } = self.ty(st)?.clone() else {
                    return err("member offset of a non-struct");
                };
                let mut offsets = Vec::with_capacity(members.len());
                let mut off = 0u64;
                for (k, mty) in members.iter().enumerate() {
                    let k = k as u32;
                    let (s, a) = self.size_align_l(
                        *mty,
                        self.member_mstride(st, k),
                        self.member_row_major(st, k),
                    )?;
                    off = off.div_ceil(a) * a;
                    offsets.push(off);
                    off += s;
                }
                let o: Rc<[u64]> = offsets.into();
                self.offsets_cache.borrow_mut().insert(st, o.clone());
                o
            }
        };
        match offsets.get(m as usize) {
            Some(o) => Ok(*o),
            None => err("member index out of range"),
        }
    }

    pub fn array_stride(
        &self,
        arr: u32,
        elem: u32,
        mstride: Option<u32>,
    ) -> Result<u64, ShaderError> {
        self.array_stride_l(arr, elem, mstride, false)
    }

    pub fn array_stride_l(
        &self,
        arr: u32,
        elem: u32,
        mstride: Option<u32>,
        row_major: bool,
    ) -> Result<u64, ShaderError> {
        if let Some(s) = self.deco(arr, Decoration::ArrayStride) {
            return Ok(s.first().copied().unwrap_or(0) as u64);
        }
        let (s, a) = self.size_align_l(elem, mstride, row_major)?;
        Ok(s.div_ceil(a) * a)
    }

    // ----- specialization constant operations -----

    fn spec_op(&self, i: &Inst) -> Result<Vec<u64>, ShaderError> {
        let op = match i.ops.first() {
            Some(rspirv::dr::Operand::LiteralSpecConstantOpInteger(op)) => *op,
            _ => return err("malformed OpSpecConstantOp"),
        };
        let c = |k: usize| -> Result<Vec<u64>, ShaderError> {
            self.consts
                .get(&i.w(k))
                .cloned()
                .ok_or_else(|| ShaderError::new("OpSpecConstantOp operand is not a constant"))
        };
        let rs = self.scalar_of(i.ty).ok();
        match op {
            Op::CompositeExtract => {
                let src_ty = self.value_types.get(&i.w(1)).copied().unwrap_or(0);
                let v = c(1)?;
                let (mut off, mut ty) = (0usize, src_ty);
                for k in 2..i.len() {
                    let (o, t) = self.flat_index(ty, i.w(k))?;
                    off += o;
                    ty = t;
                }
                let n = self.flat_len(i.ty)?;
                Ok(v.get(off..off + n)
                    .map(|s| s.to_vec())
                    .unwrap_or(vec![0; n]))
            }
            Op::CompositeInsert => {
                let obj = c(1)?;
                let mut v = c(2)?;
                let (mut off, mut ty) = (0usize, i.ty);
                for k in 3..i.len() {
                    let (o, t) = self.flat_index(ty, i.w(k))?;
                    off += o;
                    ty = t;
                }
                if off + obj.len() <= v.len() {
                    v[off..off + obj.len()].copy_from_slice(&obj);
                }
                Ok(v)
            }
            Op::VectorShuffle => {
                let a = c(1)?;
                let b = c(2)?;
                Ok((3..i.len())
                    .map(|k| {
                        let s = i.w(k) as usize;
                        if s < a.len() {
                            a[s]
                        } else {
                            b.get(s - a.len()).copied().unwrap_or(0)
                        }
                    })
                    .collect())
            }
            Op::Select => {
                let cond = c(1)?;
                let a = c(2)?;
                let b = c(3)?;
                Ok((0..a.len())
                    .map(|k| {
                        let cv = if cond.len() == 1 { cond[0] } else { cond[k] };
                        if cv != 0 { a[k] } else { b[k] }
                    })
                    .collect())
            }
            _ => {
                let a = c(1)?;
                let b = if i.len() > 2 { c(2)? } else { a.clone() };
                let src = self
                    .value_types
                    .get(&i.w(1))
                    .and_then(|t| self.scalar_of(*t).ok());
                let mut out = Vec::with_capacity(a.len());
                for (k, &x) in a.iter().enumerate() {
                    let y = b.get(k).or(b.first()).copied().unwrap_or(0);
                    out.push(fold(op, x, y, src, rs).ok_or_else(|| {
                        ShaderError::new(format!("unsupported OpSpecConstantOp Op{op:?}"))
                    })?);
                }
                Ok(out)
            }
        }
    }
}

/// Evaluates one scalar lane of a specialization-constant operation: 32-bit operations as
/// [`fold32`], operations on 64-bit integers in 64 bits (both wrapping; division by zero gives
/// 0), and conversions between the widths (FConvert between f32 and f64 as the shader's
/// OpFConvert: exact widening, narrowing to nearest even). The result is masked to the
/// result's width.
fn fold(op: Op, x: u64, y: u64, src: Option<Scalar>, res: Option<Scalar>) -> Option<u64> {
    let wide_src = src.is_some_and(Scalar::wide);
    // 16-bit operands are evaluated in 32 bits: sign-extended for the signed operations,
    // zero-extended for the others (so unsigned division, logical shifts and unsigned
    // comparisons see the 16-bit values); the result is masked to 16 bits below.
    let (x, y) = if src.is_some_and(Scalar::narrow) {
        let signed = matches!(
            op,
            Op::SConvert
                | Op::SDiv
                | Op::SRem
                | Op::SMod
                | Op::ShiftRightArithmetic
                | Op::SLessThan
                | Op::SLessThanEqual
                | Op::SGreaterThan
                | Op::SGreaterThanEqual
        );
        let ext = |v: u64| {
            if signed {
                v as u16 as i16 as i32 as u32 as u64
            } else {
                v as u16 as u64
            }
        };
        (ext(x), ext(y))
    } else {
        (x, y)
    };
    let r = match (op, src, res) {
        (Op::FConvert, Some(Scalar::F32), Some(Scalar::F64)) => {
            return Some((f32::from_bits(x as u32) as f64).to_bits());
        }
        (Op::FConvert, Some(Scalar::F64), Some(Scalar::F32)) => {
            return Some((f64::from_bits(x) as f32).to_bits() as u64);
        }
        // Halves: through f32 (exact from f16; to f16 from f64 through f32 rounded to odd, so
        // the result is rounded once).
        (Op::FConvert, Some(Scalar::F16), Some(Scalar::F32)) => {
            return Some(crate::format::f16_to_f32(x as u16).to_bits() as u64);
        }
        (Op::FConvert, Some(Scalar::F16), Some(Scalar::F64)) => {
            return Some((crate::format::f16_to_f32(x as u16) as f64).to_bits());
        }
        (Op::FConvert, Some(Scalar::F32), Some(Scalar::F16)) => {
            return Some(crate::format::f32_to_f16(f32::from_bits(x as u32)) as u64);
        }
        (Op::FConvert, Some(Scalar::F64), Some(Scalar::F16)) => {
            let f = super::runtime::f64_to_f32_odd(f64::from_bits(x));
            return Some(crate::format::f32_to_f16(f) as u64);
        }
        (Op::FConvert, ..) => return Some(x),
        // Other operations are integer or logical ones: no other float operand is allowed in
        // a Shader module's OpSpecConstantOp.
        (_, Some(Scalar::F64 | Scalar::F16), _) => return None,
        _ => op,
    };
    let r = match r {
        // Width conversions: sign- or zero-extend from the source width.
        Op::SConvert if !wide_src => x as u32 as i32 as i64 as u64,
        Op::SConvert | Op::UConvert => x,
        _ if wide_src => fold64(op, x, y)?,
        _ => fold32(op, x as u32, y as u32)? as u64,
    };
    Some(if res.is_some_and(Scalar::wide) {
        r
    } else if res.is_some_and(Scalar::narrow) {
        r & 0xffff
    } else {
        r & 0xffff_ffff
    })
}

/// The integer operations [`fold32`] and [`fold64`] share, at one width (`$u` unsigned, `$i`
/// signed): wrapping arithmetic, division and remainder by zero give 0, shift amounts taken
/// modulo the width.
macro_rules! fold_int {
    ($op:expr, $x:expr, $y:expr, $u:ty, $i:ty) => {{
        let (x, y): ($u, $u) = ($x, $y);
        let (sx, sy) = (x as $i, y as $i);
        let b = |v: bool| v as $u;
        Some(match $op {
            Op::SNegate => sx.wrapping_neg() as $u,
            Op::Not => !x,
            Op::IAdd => x.wrapping_add(y),
            Op::ISub => x.wrapping_sub(y),
            Op::IMul => x.wrapping_mul(y),
            Op::UDiv => x.checked_div(y).unwrap_or(0),
            Op::SDiv => sx.checked_div(sy).unwrap_or(0) as $u,
            Op::UMod => x.checked_rem(y).unwrap_or(0),
            Op::SRem => sx.checked_rem(sy).unwrap_or(0) as $u,
            Op::SMod => {
                let r = sx.checked_rem(sy).unwrap_or(0);
                (if r != 0 && (r < 0) != (sy < 0) {
                    r.wrapping_add(sy)
                } else {
                    r
                }) as $u
            }
            Op::ShiftRightLogical => x.wrapping_shr(y as u32),
            Op::ShiftRightArithmetic => sx.wrapping_shr(y as u32) as $u,
            Op::ShiftLeftLogical => x.wrapping_shl(y as u32),
            Op::BitwiseOr => x | y,
            Op::BitwiseXor => x ^ y,
            Op::BitwiseAnd => x & y,
            Op::IEqual => b(x == y),
            Op::INotEqual => b(x != y),
            Op::ULessThan => b(x < y),
            Op::SLessThan => b(sx < sy),
            Op::UGreaterThan => b(x > y),
            Op::SGreaterThan => b(sx > sy),
            Op::ULessThanEqual => b(x <= y),
            Op::SLessThanEqual => b(sx <= sy),
            Op::UGreaterThanEqual => b(x >= y),
            Op::SGreaterThanEqual => b(sx >= sy),
            _ => return None,
        })
    }};
}

/// [`fold`] on 64-bit integer operands.
fn fold64(op: Op, x: u64, y: u64) -> Option<u64> {
    fold_int!(op, x, y, u64, i64)
}

/// [`fold`] on 32-bit (and bool) operands: 32-bit wrapping semantics; division by zero gives
/// 0.
fn fold32(op: Op, x: u32, y: u32) -> Option<u32> {
    let b = |v: bool| v as u32;
    Some(match op {
        Op::FConvert => x,
        Op::LogicalOr => b(x != 0 || y != 0),
        Op::LogicalAnd => b(x != 0 && y != 0),
        Op::LogicalNot => b(x == 0),
        Op::LogicalEqual => b((x != 0) == (y != 0)),
        Op::LogicalNotEqual => b((x != 0) != (y != 0)),
        Op::QuantizeToF16 => {
            crate::format::f16_to_f32(crate::format::f32_to_f16(f32::from_bits(x))).to_bits()
        }
        _ => return fold_int!(op, x, y, u32, i32),
    })
}

/// SPV_KHR_float_controls execution modes (operand: the float width they apply to). `None`:
/// not a float-controls mode; `Some("")`: honoured; `Some(reason)`: refused.
///
/// 32-bit float arithmetic is cranelift's IEEE 754 instructions plus Rust's `f32` functions,
/// run with the default MXCSR (round to nearest even, denormals neither flushed nor treated as
/// zero) and without fast-math rewrites, so DenormPreserve, SignedZeroInfNanPreserve and
/// RoundingModeRTE hold for 32-bit floats whether or not they are requested; the same holds for
/// 64-bit floats (cranelift's f64 instructions, Rust's `f64 %`). Flushing denormals and rounding
/// toward zero are not implemented at either width. 16-bit floats are computed in f32 and
/// rounded to nearest even after each operation, keeping denormals, signed zeros, infinities
/// and NaNs, so the same three modes hold for them and the same two are refused.
fn float_controls_refusal(mode: u32, width: u32) -> Option<String> {
    let name = match ExecutionMode::from_u32(mode)? {
        ExecutionMode::DenormPreserve
        | ExecutionMode::SignedZeroInfNanPreserve
        | ExecutionMode::RoundingModeRTE => return Some(String::new()),
        ExecutionMode::DenormFlushToZero => "DenormFlushToZero",
        ExecutionMode::RoundingModeRTZ => "RoundingModeRTZ",
        _ => return None,
    };
    if !matches!(width, 16 | 32 | 64) {
        return Some(String::new());
    }
    Some(format!(
        "unsupported execution mode {name} for {width}-bit floats (SPV_KHR_float_controls): \
         denormals are preserved and rounding is to nearest even"
    ))
}

fn decoration(v: u32) -> Result<Decoration, ShaderError> {
    match Decoration::from_u32(v) {
        Some(d) if DECORATIONS.contains(&d) || d == Decoration::RowMajor => Ok(d),
        Some(d) => err(format!("unsupported decoration {d:?}")),
        None => err(format!("unknown decoration {v}")),
    }
}

pub(crate) fn storage_class(v: u32) -> Result<StorageClass, ShaderError> {
    use StorageClass::*;
    match StorageClass::from_u32(v) {
        Some(
            sc @ (UniformConstant
            | Input
            | Uniform
            | Workgroup
            | Private
            | Function
            | PushConstant
            | StorageBuffer
            | PhysicalStorageBuffer
            // Pointers made by OpImageTexelPointer (lower/images.rs).
            | Image),
        ) => Ok(sc),
        // Interface variables of other stages' entry points (a compute entry point cannot use
        // them; setup_globals refuses it if one does).
        Some(sc @ Output) => Ok(sc),
        Some(sc) => err(format!("unsupported storage class {sc:?}")),
        None => err(format!("unknown storage class {v}")),
    }
}

fn model_name(v: u32) -> String {
    ExecutionModel::from_u32(v)
        .map(|m| format!("{m:?}"))
        .unwrap_or_else(|| v.to_string())
}

fn mode_name(v: u32) -> String {
    ExecutionMode::from_u32(v)
        .map(|m| format!("{m:?}"))
        .unwrap_or_else(|| v.to_string())
}
