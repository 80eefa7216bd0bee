//! SPIR-V parsing and the module-level checks done at vkCreateShaderModule time.

use super::ShaderError;
use rspirv::binary::{Consumer, ParseAction as Action};
use rspirv::dr::{self, Operand};
use spirv::{Capability, Op};

/// One parsed instruction: opcode, result type (0 if none), result id (0 if none), operands.
#[derive(Clone, Debug)]
pub(crate) struct Inst {
    pub op: Op,
    pub ty: u32,
    pub id: u32,
    pub ops: Vec<Operand>,
}

impl Inst {
    /// Operand `i` as a word (ids, literals and enumerants alike); 0 if absent.
    pub fn w(&self, i: usize) -> u32 {
        self.ops.get(i).map(word).unwrap_or(0)
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn string(&self, i: usize) -> &str {
        match self.ops.get(i) {
            Some(Operand::LiteralString(s)) => s,
            _ => "",
        }
    }
}

/// The numeric value of an operand (enumerants by their SPIR-V value, bit masks by their bits).
pub(crate) fn word(o: &Operand) -> u32 {
    match o {
        Operand::IdRef(x)
        | Operand::IdScope(x)
        | Operand::IdMemorySemantics(x)
        | Operand::LiteralBit32(x)
        | Operand::LiteralExtInstInteger(x) => *x,
        Operand::LiteralBit64(x) => *x as u32,
        Operand::LiteralSpecConstantOpInteger(op) => *op as u32,
        Operand::ExecutionModel(x) => *x as u32,
        Operand::AddressingModel(x) => *x as u32,
        Operand::MemoryModel(x) => *x as u32,
        Operand::ExecutionMode(x) => *x as u32,
        Operand::StorageClass(x) => *x as u32,
        Operand::Dim(x) => *x as u32,
        Operand::ImageFormat(x) => *x as u32,
        Operand::Decoration(x) => *x as u32,
        Operand::BuiltIn(x) => *x as u32,
        Operand::Scope(x) => *x as u32,
        Operand::Capability(x) => *x as u32,
        Operand::AccessQualifier(x) => *x as u32,
        Operand::MemoryAccess(x) => x.bits(),
        Operand::MemorySemantics(x) => x.bits(),
        Operand::ImageOperands(x) => x.bits(),
        Operand::FunctionControl(x) => x.bits(),
        Operand::SelectionControl(x) => x.bits(),
        Operand::LoopControl(x) => x.bits(),
        Operand::GroupOperation(x) => *x as u32,
        Operand::PackedVectorFormat(x) => *x as u32,
        _ => 0,
    }
}

/// A parsed, checked SPIR-V module (see the module docs of [`super`] for what is checked).
#[derive(Debug)]
pub struct Module {
    pub(crate) insts: Vec<Inst>,
    pub(crate) version: (u8, u8),
}

struct Collect {
    insts: Vec<Inst>,
    version: (u8, u8),
    error: Option<String>,
}

impl Consumer for Collect {
    fn initialize(&mut self) -> Action {
        Action::Continue
    }
    fn finalize(&mut self) -> Action {
        Action::Continue
    }
    fn consume_header(&mut self, header: dr::ModuleHeader) -> Action {
        self.version = header.version();
        if self.version.0 != 1 || self.version.1 > 6 {
            self.error = Some(format!(
                "SPIR-V version {}.{} is not supported (1.0 to 1.6 are)",
                self.version.0, self.version.1
            ));
            return Action::Stop;
        }
        Action::Continue
    }
    fn consume_instruction(&mut self, inst: dr::Instruction) -> Action {
        self.insts.push(Inst {
            op: inst.class.opcode,
            ty: inst.result_type.unwrap_or(0),
            id: inst.result_id.unwrap_or(0),
            ops: inst.operands,
        });
        Action::Continue
    }
}

/// Whether the CPU has fused multiply-add instructions (cranelift uses them when it does).
pub(crate) fn hardware_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        cfg!(target_arch = "aarch64")
    }
}

/// Capabilities the compiler implements.
const CAPABILITIES: &[Capability] = &[
    Capability::Shader,
    Capability::Matrix,
    Capability::ImageBuffer,
    Capability::SampledBuffer,
    Capability::ImageQuery,
    // image1D / image1DArray storage images (lower/images.rs).
    Capability::Image1D,
    // Sampled images (lower/sampling.rs).
    Capability::Sampled1D,
    // Gathers with Offset / ConstOffsets (shaderImageGatherExtended; lower/sampling.rs).
    Capability::ImageGatherExtended,
    // Cube array images, sampled and storage (imageCubeArray; lower/sampling.rs and
    // lower/images.rs: a cube array's layer is 6 * cube + face).
    Capability::SampledCubeArray,
    Capability::ImageCubeArray,
    Capability::StorageImageExtendedFormats,
    Capability::StorageImageReadWithoutFormat,
    Capability::StorageImageWriteWithoutFormat,
    Capability::VulkanMemoryModel,
    Capability::GroupNonUniform,
    // SPV_KHR_float_controls: the execution modes each needs are checked per entry point
    // (front.rs); DenormFlushToZero and RoundingModeRTZ on 32-bit floats are refused there.
    Capability::DenormPreserve,
    Capability::DenormFlushToZero,
    Capability::SignedZeroInfNanPreserve,
    Capability::RoundingModeRTE,
    Capability::RoundingModeRTZ,
    // Vulkan memory model at device scope: see lower/memory_model docs in lower.rs.
    Capability::VulkanMemoryModelDeviceScope,
    // Fragment-only: accepted so modules with fragment entry points load; a fragment entry
    // point is refused when compiled.
    Capability::DemoteToHelperInvocation,
    // Sample shading in fragment shaders (raster/draw.rs: once per sample).
    Capability::SampleRateShading,
    // InterpolateAtCentroid / AtSample / AtOffset (lower/stage.rs; sampleRateShading).
    Capability::InterpolationFunction,
    Capability::DerivativeControl,
    // Input attachments: subpassLoad in fragment shaders (lower/images.rs).
    Capability::InputAttachment,
    // BaseVertex, BaseInstance, DrawIndex in vertex shaders (shaderDrawParameters).
    Capability::DrawParameters,
    // ViewIndex in vertex and fragment shaders (multiview draws run once per view).
    Capability::MultiView,
    // Subgroups of 4 invocations, SoA backend only (see lower/simd_subgroup.rs).
    Capability::GroupNonUniformVote,
    Capability::GroupNonUniformBallot,
    Capability::GroupNonUniformArithmetic,
    Capability::GroupNonUniformShuffle,
    Capability::GroupNonUniformShuffleRelative,
    Capability::GroupNonUniformClustered,
    Capability::GroupNonUniformQuad,
    // SPV_KHR_integer_dot_product on vectors of 8- to 64-bit integers and packed 4x8-bit
    // integers (lower/dot.rs).
    Capability::DotProduct,
    Capability::DotProductInputAll,
    Capability::DotProductInput4x8Bit,
    Capability::DotProductInput4x8BitPacked,
    // Buffer device addresses (lower/pointers.rs).
    Capability::PhysicalStorageBufferAddresses,
    // Variable pointers (SPV_KHR_variable_pointers): OpSelect, OpPhi, function returns,
    // pointer variables, null pointers, OpPtrEqual/NotEqual on pointers into storage buffers
    // and workgroup memory (lower.rs, "variable pointers").
    Capability::VariablePointersStorageBuffer,
    Capability::VariablePointers,
    // 64-bit integers (shaderInt64): one cranelift i64 per scalar; 64-bit atomics on storage
    // buffers, device addresses and shared memory (shaderBufferInt64Atomics,
    // shaderSharedInt64Atomics).
    Capability::Int64,
    Capability::Int64Atomics,
    // 64-bit integer storage images (VK_EXT_shader_image_atomic_int64): R64ui/R64i load, store
    // and atomics (lower/images.rs).
    Capability::Int64ImageEXT,
    // 64-bit floats (shaderFloat64): one cranelift f64 per scalar.
    Capability::Float64,
    // 16-bit integers (shaderInt16) and 16-bit loads/stores in storage and uniform buffers and
    // push constants (VK_KHR_16bit_storage): one cranelift i16 per scalar, 2-byte layouts.
    // 16-bit floats (shaderFloat16) are computed in f32 and rounded to f16 after each
    // operation (lower.rs round_halves), stored as 2 bytes. 16-bit Input/Output is not
    // implemented.
    Capability::Int16,
    Capability::Float16,
    Capability::StorageBuffer16BitAccess,
    Capability::UniformAndStorageBuffer16BitAccess,
    Capability::StoragePushConstant16,
    // 8-bit integers (shaderInt8) and 8-bit loads/stores in storage and uniform buffers and
    // push constants (VK_KHR_8bit_storage): one cranelift i8 per scalar (booleans are i8 too:
    // the SoA backend tells them apart by kind and keeps 8-bit integers one per lane), 1-byte
    // layouts.
    Capability::Int8,
    Capability::StorageBuffer8BitAccess,
    Capability::UniformAndStorageBuffer8BitAccess,
    Capability::StoragePushConstant8,
    // Arrays of descriptors indexed by any value, uniform or not, and runtime-sized ones
    // (descriptor indexing without update-after-bind): every index is checked against the
    // binding's count, and lanes index separately (lower.rs `access_chain_from`, simd.rs).
    Capability::UniformBufferArrayDynamicIndexing,
    Capability::SampledImageArrayDynamicIndexing,
    Capability::StorageBufferArrayDynamicIndexing,
    Capability::StorageImageArrayDynamicIndexing,
    Capability::UniformTexelBufferArrayDynamicIndexing,
    Capability::StorageTexelBufferArrayDynamicIndexing,
    Capability::RuntimeDescriptorArray,
    Capability::ShaderNonUniform,
    Capability::UniformBufferArrayNonUniformIndexing,
    Capability::SampledImageArrayNonUniformIndexing,
    Capability::StorageBufferArrayNonUniformIndexing,
    Capability::StorageImageArrayNonUniformIndexing,
    Capability::UniformTexelBufferArrayNonUniformIndexing,
    Capability::StorageTexelBufferArrayNonUniformIndexing,
    // Float atomics on buffers and shared memory (VK_EXT_shader_atomic_float): load, store,
    // exchange and add on 32- and 64-bit floats (lower.rs `atomic`).
    Capability::AtomicFloat32AddEXT,
    Capability::AtomicFloat64AddEXT,
];

const EXTENSIONS: &[&str] = &[
    "SPV_KHR_storage_buffer_storage_class",
    "SPV_KHR_16bit_storage",
    "SPV_KHR_8bit_storage",
    "SPV_KHR_vulkan_memory_model",
    "SPV_KHR_non_semantic_info",
    "SPV_KHR_shader_draw_parameters",
    "SPV_KHR_multiview",
    "SPV_KHR_relaxed_extended_instruction",
    "SPV_KHR_float_controls",
    "SPV_EXT_demote_to_helper_invocation",
    "SPV_KHR_terminate_invocation",
    "SPV_KHR_integer_dot_product",
    "SPV_KHR_physical_storage_buffer",
    "SPV_EXT_physical_storage_buffer",
    "SPV_EXT_shader_atomic_float_add",
    "SPV_EXT_descriptor_indexing",
    "SPV_EXT_shader_image_int64",
    "SPV_KHR_variable_pointers",
];

/// The atomic instructions the compiler translates (on memory through a pointer).
pub(crate) fn is_atomic(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        AtomicLoad
            | AtomicStore
            | AtomicExchange
            | AtomicCompareExchange
            | AtomicIIncrement
            | AtomicIDecrement
            | AtomicIAdd
            | AtomicISub
            | AtomicSMin
            | AtomicUMin
            | AtomicSMax
            | AtomicUMax
            | AtomicAnd
            | AtomicOr
            | AtomicXor
            | AtomicFAddEXT
    )
}

/// The integer and float comparisons (one boolean per component).
pub(crate) fn is_comparison(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        IEqual
            | INotEqual
            | UGreaterThan
            | SGreaterThan
            | UGreaterThanEqual
            | SGreaterThanEqual
            | ULessThan
            | SLessThan
            | ULessThanEqual
            | SLessThanEqual
            | FOrdEqual
            | FUnordEqual
            | FOrdNotEqual
            | FUnordNotEqual
            | FOrdLessThan
            | FUnordLessThan
            | FOrdGreaterThan
            | FUnordGreaterThan
            | FOrdLessThanEqual
            | FUnordLessThanEqual
            | FOrdGreaterThanEqual
            | FUnordGreaterThanEqual
    )
}

/// Derivative instructions (fragment shaders: differences across the 2x2 quad).
pub(crate) fn is_derivative(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        DPdx | DPdy
            | Fwidth
            | DPdxFine
            | DPdyFine
            | FwidthFine
            | DPdxCoarse
            | DPdyCoarse
            | FwidthCoarse
    )
}

/// Instructions valid only in fragment shaders (quad derivatives, kills, helper lanes).
pub(crate) fn is_fragment_only(op: Op) -> bool {
    use Op::*;
    is_derivative(op)
        || matches!(
            op,
            DemoteToHelperInvocation | IsHelperInvocationEXT | TerminateInvocation | Kill
        )
}

/// Opcodes the compiler translates (or ignores because they carry no meaning for it).
pub(crate) fn opcode_supported(op: Op) -> bool {
    use Op::*;
    is_comparison(op)
        || is_atomic(op)
        || is_fragment_only(op)
        || matches!(
            op,
            Nop | Undef
                | SourceContinued
                | Source
                | SourceExtension
                | Name
                | MemberName
                | String
                | Line
                | NoLine
                | ModuleProcessed
                | Extension
                | ExtInstImport
                | ExtInst
                | ExtInstWithForwardRefsKHR
                | MemoryModel
                | EntryPoint
                | ExecutionMode
                | ExecutionModeId
                | Capability
                | Decorate
                | MemberDecorate
                | DecorateId
                | DecorateString
                | MemberDecorateString
                | DecorationGroup
                | GroupDecorate
                | GroupMemberDecorate
                | TypeVoid
                | TypeBool
                | TypeInt
                | ConvertUToPtr
                | ConvertPtrToU
                | TypeFloat
                | TypeVector
                | TypeMatrix
                | TypeImage
                | TypeSampledImage
                | TypeSampler
                | TypeArray
                | TypeRuntimeArray
                | TypeStruct
                | TypePointer
                | TypeForwardPointer
                | TypeFunction
                | ConstantTrue
                | ConstantFalse
                | Constant
                | ConstantComposite
                | ConstantNull
                | SpecConstantTrue
                | SpecConstantFalse
                | SpecConstant
                | SpecConstantComposite
                | SpecConstantOp
                | Function
                | FunctionParameter
                | FunctionEnd
                | FunctionCall
                | Variable
                | Load
                | Store
                | CopyMemory
                | AccessChain
                | InBoundsAccessChain
                | PtrAccessChain
                | PtrEqual
                | PtrNotEqual
                | InBoundsPtrAccessChain
                | ArrayLength
                | VectorExtractDynamic
                | VectorInsertDynamic
                | VectorShuffle
                | CompositeConstruct
                | CompositeExtract
                | CompositeInsert
                | CopyObject
                | CopyLogical
                | Transpose
                | SampledImage
                | Image
                | ImageFetch
                | ImageSampleExplicitLod
                | ImageSampleDrefExplicitLod
                | ImageSampleProjExplicitLod
                | ImageSampleProjDrefExplicitLod
                | ImageSampleImplicitLod
                | ImageSampleDrefImplicitLod
                | ImageSampleProjImplicitLod
                | ImageSampleProjDrefImplicitLod
                | ImageGather
                | ImageDrefGather
                | ImageQuerySizeLod
                | ImageQueryLevels
                | ImageRead
                | ImageWrite
                | ImageQuerySize
                | ImageTexelPointer
                | ConvertFToU
                | ConvertFToS
                | ConvertSToF
                | ConvertUToF
                | UConvert
                | SConvert
                | FConvert
                | QuantizeToF16
                | Bitcast
                | SNegate
                | FNegate
                | IAdd
                | FAdd
                | ISub
                | FSub
                | IMul
                | FMul
                | UDiv
                | SDiv
                | FDiv
                | UMod
                | SRem
                | SMod
                | FRem
                | FMod
                | VectorTimesScalar
                | MatrixTimesScalar
                | VectorTimesMatrix
                | MatrixTimesVector
                | MatrixTimesMatrix
                | OuterProduct
                | Dot
                | IAddCarry
                | ISubBorrow
                | UMulExtended
                | SMulExtended
                | Any
                | All
                | IsNan
                | IsInf
                | LogicalEqual
                | LogicalNotEqual
                | LogicalOr
                | LogicalAnd
                | LogicalNot
                | Select
                | ShiftRightLogical
                | ShiftRightArithmetic
                | ShiftLeftLogical
                | BitwiseOr
                | BitwiseXor
                | BitwiseAnd
                | Not
                | BitFieldInsert
                | BitFieldSExtract
                | BitFieldUExtract
                | BitReverse
                | BitCount
                | ControlBarrier
                | GroupNonUniformElect
                | GroupNonUniformAll
                | GroupNonUniformAny
                | GroupNonUniformAllEqual
                | GroupNonUniformBroadcast
                | GroupNonUniformBroadcastFirst
                | GroupNonUniformBallot
                | GroupNonUniformInverseBallot
                | GroupNonUniformBallotBitExtract
                | GroupNonUniformBallotBitCount
                | GroupNonUniformBallotFindLSB
                | GroupNonUniformBallotFindMSB
                | GroupNonUniformShuffle
                | GroupNonUniformShuffleXor
                | GroupNonUniformShuffleUp
                | GroupNonUniformShuffleDown
                | GroupNonUniformIAdd
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
                | GroupNonUniformLogicalXor
                | GroupNonUniformQuadBroadcast
                | GroupNonUniformQuadSwap
                | SDot
                | UDot
                | SUDot
                | SDotAccSat
                | UDotAccSat
                | SUDotAccSat
                | MemoryBarrier
                | Phi
                | LoopMerge
                | SelectionMerge
                | Label
                | Branch
                | BranchConditional
                | Switch
                | Return
                | ReturnValue
                | Unreachable
        )
}

/// The word where the literal string(s) of a debug instruction start (opcode word = 0), for the
/// instructions whose strings are only names or text: OpSourceContinued, OpSource,
/// OpSourceExtension, OpName, OpMemberName, OpString, OpModuleProcessed, OpDecorateString,
/// OpMemberDecorateString.
fn debug_string_start(opcode: u32) -> Option<usize> {
    Some(match opcode {
        2 | 4 | 330 => 1,
        3 => 4,
        5 | 7 => 2,
        6 => 3,
        5632 => 3,
        5633 => 4,
        _ => return None,
    })
}

/// Calls `f` with (first word, end word) of every debug string region of `words` (a module
/// whose instruction lengths were checked).
fn debug_string_regions(words: &[u32], mut f: impl FnMut(usize, usize)) {
    let mut at = 5;
    while at < words.len() {
        let n = ((words[at] >> 16) as usize).max(1);
        let end = (at + n).min(words.len());
        if let Some(s) = debug_string_start(words[at] & 0xFFFF)
            && at + s < end
        {
            f(at + s, end);
        }
        at += n;
    }
}

fn debug_strings_need_cleaning(words: &[u32]) -> bool {
    let mut dirty = false;
    debug_string_regions(words, |a, b| {
        dirty |= words[a..b].iter().any(|w| w & 0x8080_8080 != 0);
    });
    dirty
}

fn clean_debug_strings(words: &[u32]) -> Vec<u32> {
    let mut out = words.to_vec();
    debug_string_regions(words, |a, b| {
        for w in &mut out[a..b] {
            let mut bytes = w.to_le_bytes();
            for c in &mut bytes {
                if *c >= 0x80 {
                    *c = b'?';
                }
            }
            *w = u32::from_le_bytes(bytes);
        }
    });
    out
}

impl Module {
    /// Parses and checks SPIR-V words: magic, version <= 1.6, capabilities, extensions, extended
    /// instruction sets, addressing/memory model and that every opcode is one this compiler
    /// translates.
    pub fn parse(words: &[u32]) -> Result<Module, ShaderError> {
        if words.len() < 5 {
            return Err(ShaderError::malformed(
                "SPIR-V is shorter than its 5-word header",
            ));
        }
        if words[0] != spirv::MAGIC_NUMBER {
            return Err(ShaderError::malformed(format!(
                "not SPIR-V: magic number {:#010x}",
                words[0]
            )));
        }
        // Every instruction's word count must fit (rspirv would assert on some of these).
        let mut at = 5;
        while at < words.len() {
            let n = (words[at] >> 16) as usize;
            if n == 0 || at + n > words.len() {
                return Err(ShaderError::malformed(format!(
                    "malformed SPIR-V: the instruction at word {at} claims {n} words, {} remain",
                    words.len() - at
                )));
            }
            at += n;
        }
        // Debug strings need not be UTF-8 (a SPIR-V literal string is any nul-terminated
        // bytes), but rspirv refuses to decode them otherwise: decode a copy whose debug
        // strings have their non-ASCII bytes replaced by '?'. Only names and source text
        // change, which carry no meaning for the compiler.
        let cleaned;
        let words = if debug_strings_need_cleaning(words) {
            cleaned = clean_debug_strings(words);
            &cleaned[..]
        } else {
            words
        };
        let mut c = Collect {
            insts: Vec::new(),
            version: (0, 0),
            error: None,
        };
        // rspirv asserts on a few malformed encodings; those are parse errors here.
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rspirv::binary::parse_words(words, &mut c).map_err(|e| e.to_string())
        }));
        if let Some(e) = c.error.take() {
            return Err(ShaderError::new(e));
        }
        match parsed {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(ShaderError::malformed(format!("malformed SPIR-V: {e}"))),
            Err(_) => {
                return Err(ShaderError::malformed(
                    "malformed SPIR-V (parser rejected it)",
                ));
            }
        }
        let module = Module {
            insts: c.insts,
            version: c.version,
        };
        module.check()?;
        let mut module = module;
        module.contract_multiply_adds();
        Ok(module)
    }

    /// Fuses a float multiply whose only use is an add or subtract in the same block into one
    /// fused multiply-add (GLSL.std.450 Fma), as the SPIR-V spec allows for every result not
    /// decorated NoContraction ("contraction" of OpFMul + OpFAdd; Vulkan's precision rules count
    /// the fused form as correctly rounded). One rounding instead of two, and half the latency
    /// in dependent chains. Only where the CPU has fused multiply-add instructions (elsewhere
    /// cranelift would call a library function), and only for 32- and 64-bit floats.
    fn contract_multiply_adds(&mut self) {
        if !hardware_fma() {
            return;
        }
        use std::collections::{HashMap, HashSet};
        let mut floats: HashSet<u32> = HashSet::new();
        let mut exact: HashSet<u32> = HashSet::new();
        let mut groups_exact: HashSet<u32> = HashSet::new();
        let mut uses: HashMap<u32, u32> = HashMap::new();
        let mut max_id = 0u32;
        let mut glsl = None;
        let mut in_function = false;
        let no_contraction = spirv::Decoration::NoContraction as u32;
        for i in &self.insts {
            max_id = max_id.max(i.id);
            match i.op {
                Op::TypeFloat if matches!(i.w(0), 32 | 64) => {
                    floats.insert(i.id);
                }
                Op::TypeVector if floats.contains(&i.w(0)) => {
                    floats.insert(i.id);
                }
                Op::Decorate if i.w(1) == no_contraction => {
                    exact.insert(i.w(0));
                }
                Op::GroupDecorate if groups_exact.contains(&i.w(0)) => {
                    exact.extend((1..i.len()).map(|k| i.w(k)));
                }
                Op::DecorationGroup if exact.contains(&i.id) => {
                    groups_exact.insert(i.id);
                }
                Op::ExtInstImport if i.string(0) == "GLSL.std.450" => glsl = Some(i.id),
                Op::Function => in_function = true,
                _ => {}
            }
            for o in &i.ops {
                if let Operand::IdRef(x) = o {
                    max_id = max_id.max(*x);
                    if in_function {
                        *uses.entry(*x).or_default() += 1;
                    }
                }
            }
        }
        // Candidates: (index of the add, multiply operands, the addend, which operand negates).
        enum Neg {
            None,
            Addend,
            Product,
        }
        let mut fused: Vec<(usize, u32, u32, u32, Neg)> = Vec::new();
        let mut muls: HashMap<u32, (u32, u32, u32)> = HashMap::new();
        for (at, i) in self.insts.iter().enumerate() {
            match i.op {
                Op::Label => muls.clear(),
                Op::FMul if floats.contains(&i.ty) && !exact.contains(&i.id) => {
                    muls.insert(i.id, (i.ty, i.w(0), i.w(1)));
                }
                Op::FAdd | Op::FSub if floats.contains(&i.ty) && !exact.contains(&i.id) => {
                    let product = |x: u32| {
                        muls.get(&x)
                            .filter(|m| m.0 == i.ty && uses.get(&x) == Some(&1))
                            .map(|m| (m.1, m.2))
                    };
                    let (x, y) = (i.w(0), i.w(1));
                    if let Some((a, b)) = product(x) {
                        let neg = if i.op == Op::FSub {
                            Neg::Addend
                        } else {
                            Neg::None
                        };
                        fused.push((at, a, b, y, neg));
                    } else if let Some((a, b)) = product(y) {
                        let neg = if i.op == Op::FSub {
                            Neg::Product
                        } else {
                            Neg::None
                        };
                        fused.push((at, a, b, x, neg));
                    }
                }
                _ => {}
            }
        }
        let needed = fused.len() as u64 + 1;
        if fused.is_empty() || u64::from(max_id) + needed >= u64::from(u32::MAX) {
            return;
        }
        let mut next = max_id + 1;
        let set = match glsl {
            Some(id) => id,
            None => {
                let id = next;
                next += 1;
                let at = self
                    .insts
                    .iter()
                    .position(|i| i.op == Op::MemoryModel)
                    .unwrap_or(0);
                self.insts.insert(
                    at,
                    Inst {
                        op: Op::ExtInstImport,
                        ty: 0,
                        id,
                        ops: vec![Operand::LiteralString("GLSL.std.450".into())],
                    },
                );
                // Every candidate index moves by the inserted instruction.
                for f in &mut fused {
                    f.0 += 1;
                }
                id
            }
        };
        let fma = spirv::GlslStd450Op::Fma as u32;
        // Back to front, so earlier indices stay valid while negations are inserted.
        for (at, mut a, b, mut c, neg) in fused.into_iter().rev() {
            let (ty, id) = (self.insts[at].ty, self.insts[at].id);
            let negated = match neg {
                Neg::None => None,
                Neg::Addend => Some(&mut c),
                Neg::Product => Some(&mut a),
            };
            let mut negation = None;
            if let Some(x) = negated {
                negation = Some(Inst {
                    op: Op::FNegate,
                    ty,
                    id: next,
                    ops: vec![Operand::IdRef(*x)],
                });
                *x = next;
                next += 1;
            }
            self.insts[at] = Inst {
                op: Op::ExtInst,
                ty,
                id,
                ops: vec![
                    Operand::IdRef(set),
                    Operand::LiteralExtInstInteger(fma),
                    Operand::IdRef(a),
                    Operand::IdRef(b),
                    Operand::IdRef(c),
                ],
            };
            if let Some(n) = negation {
                self.insts.insert(at, n);
            }
        }
    }

    fn check(&self) -> Result<(), ShaderError> {
        let mut in_function = false;
        for inst in &self.insts {
            match inst.op {
                Op::Function if in_function => {
                    return Err(ShaderError::malformed("OpFunction inside a function"));
                }
                Op::Function => in_function = true,
                Op::FunctionEnd if !in_function => {
                    return Err(ShaderError::malformed("OpFunctionEnd outside a function"));
                }
                Op::FunctionEnd => in_function = false,
                _ => {}
            }
            if !opcode_supported(inst.op) {
                return Err(ShaderError::new(format!(
                    "unsupported SPIR-V instruction Op{:?}",
                    inst.op
                )));
            }
            match inst.op {
                Op::Capability => {
                    if let Some(Operand::Capability(cap)) = inst.ops.first()
                        && !CAPABILITIES.contains(cap)
                    {
                        return Err(ShaderError::new(format!(
                            "unsupported SPIR-V capability {cap:?}"
                        )));
                    }
                }
                Op::Extension => {
                    let name = inst.string(0);
                    if !EXTENSIONS.contains(&name) {
                        return Err(ShaderError::new(format!(
                            "unsupported SPIR-V extension {name}"
                        )));
                    }
                }
                Op::ExtInstImport => {
                    let name = inst.string(0);
                    if name != "GLSL.std.450" && !name.starts_with("NonSemantic.") {
                        return Err(ShaderError::new(format!(
                            "unsupported extended instruction set {name}"
                        )));
                    }
                }
                Op::MemoryModel => {
                    let addressing = inst.w(0);
                    let memory = inst.w(1);
                    if addressing != spirv::AddressingModel::Logical as u32
                        && addressing != spirv::AddressingModel::PhysicalStorageBuffer64 as u32
                    {
                        return Err(ShaderError::new(
                            "unsupported addressing model (Logical and PhysicalStorageBuffer64 are)",
                        ));
                    }
                    if memory != spirv::MemoryModel::GLSL450 as u32
                        && memory != spirv::MemoryModel::Vulkan as u32
                    {
                        return Err(ShaderError::new(
                            "unsupported memory model (GLSL450 and Vulkan are)",
                        ));
                    }
                }
                _ => {}
            }
        }
        if in_function {
            return Err(ShaderError::malformed(
                "truncated SPIR-V: a function has no OpFunctionEnd",
            ));
        }
        Ok(())
    }

    /// The SPIR-V version of the module (major, minor).
    pub fn version(&self) -> (u8, u8) {
        self.version
    }

    /// The entry points: execution model and name.
    /// Whether no instruction of the module (any function: conservative) discards, demotes,
    /// writes an image, performs an atomic operation or stores through a pointer other than
    /// into Function, Private or Output memory: running a stage of it changes nothing but
    /// its invocations' outputs.
    pub fn is_pure(&self) -> bool {
        use spirv::StorageClass as S;
        // Pointer types' storage classes, and every id's type.
        let mut class = std::collections::HashMap::new();
        let mut type_of = std::collections::HashMap::new();
        for i in &self.insts {
            if i.op == Op::TypePointer && !i.ops.is_empty() {
                class.insert(i.id, word(&i.ops[0]));
            }
            if i.id != 0 && i.ty != 0 {
                type_of.insert(i.id, i.ty);
            }
        }
        let own = |ptr: u32| {
            type_of
                .get(&ptr)
                .and_then(|t| class.get(t))
                .is_some_and(|&c| {
                    c == S::Function as u32 || c == S::Private as u32 || c == S::Output as u32
                })
        };
        self.insts.iter().all(|i| match i.op {
            Op::Kill | Op::TerminateInvocation | Op::DemoteToHelperInvocation => false,
            Op::ImageWrite => false,
            op if is_atomic(op) => false,
            Op::Store | Op::CopyMemory | Op::CopyMemorySized => {
                !i.ops.is_empty() && own(word(&i.ops[0]))
            }
            _ => true,
        })
    }

    /// Whether no invocation can see another's values or which of them run: the module
    /// declares no subgroup capability (group operations and the subgroup built-ins need
    /// one). Derivatives remain, which compare the lanes of a quad.
    pub fn lanes_alone(&self) -> bool {
        use spirv::Capability as C;
        self.insts.iter().all(|i| {
            i.op != Op::Capability
                || !matches!(
                    i.ops.first(),
                    Some(Operand::Capability(
                        C::GroupNonUniform
                            | C::GroupNonUniformVote
                            | C::GroupNonUniformBallot
                            | C::GroupNonUniformArithmetic
                            | C::GroupNonUniformShuffle
                            | C::GroupNonUniformShuffleRelative
                            | C::GroupNonUniformClustered
                            | C::GroupNonUniformQuad
                            | C::SubgroupBallotKHR
                            | C::SubgroupVoteKHR
                    ))
                )
        })
    }

    pub fn entry_points(&self) -> Vec<(spirv::ExecutionModel, String)> {
        self.insts
            .iter()
            .filter(|i| i.op == Op::EntryPoint)
            .filter_map(|i| match i.ops.first() {
                Some(Operand::ExecutionModel(m)) => Some((*m, i.string(2).to_string())),
                _ => None,
            })
            .collect()
    }
}
