//! SPIR-V compute shaders: parsing, checking, JIT compilation with cranelift, dispatch.
//!
//! ```
//! use softvk::shader::{compile_compute, Module, PipelineInterface, SpecConstants};
//! // A compute shader with no resources (glslang output, `void main() {}`, local size 1).
//! let words = include_bytes!("../../shaders/compute/empty.spv")
//!     .chunks(4)
//!     .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
//!     .collect::<Vec<_>>();
//! let module = Module::parse(&words).unwrap();
//! let iface = PipelineInterface { bindings: vec![], push_constant_bytes: 0 };
//! let kernel = compile_compute(&module, "main", &SpecConstants::default(), &iface).unwrap();
//! kernel.dispatch(&[], &[], [0, 0, 0], [4, 1, 1]);
//! ```
//!
//! # Contract
//!
//! **What is validated.** [`Module::parse`] (vkCreateShaderModule time) checks the header
//! (magic, version 1.0..=1.6), that the binary decodes, and that every capability, extension,
//! extended instruction set, addressing/memory model and opcode is one this compiler
//! implements; anything else is a [`ShaderError`] naming it. Debug strings (OpName, OpString,
//! ...) may hold any bytes, not only UTF-8; NonSemantic.* instruction sets (debug info,
//! debugPrintf) are ignored. [`compile_compute`]
//! (pipeline creation time) checks the rest against the entry point actually compiled: types
//! (32-bit int/float, 64-bit int (Int64: signed and unsigned, 8-byte size and alignment),
//! 64-bit float (Float64: 8-byte size and alignment, row-major rows included), 16-bit int
//! (Int16 or the 16-bit storage capabilities: 2-byte size and alignment; conversions from
//! floats saturate to the 16-bit range; no 16-bit atomics or integer dot products), 16-bit
//! float (Float16: held as the f32 of its value and rounded to f16, nearest even, after every
//! instruction that makes one: correctly rounded for +, -, *, / and sqrt since f32's 24-bit
//! significand is at least twice f16's 11 bits plus 2; within GLSL's f16 precision for the
//! rest; f64 -> f16 rounded once; 2 bytes in memory), bool,
//! vectors, matrices in column- or row-major layout, arrays, structs including empty ones,
//! buffer images, storage images of Dim 1D/2D/3D/Cube (arrayed or not, not multisampled),
//! PhysicalStorageBuffer pointers held as two 32-bit words, converted to and from 64-bit
//! integers by OpConvertPtrToU/OpConvertUToPtr and OpBitcast), storage classes, decorations (unknown ones are refused), builtins, execution modes,
//! that every
//! resource the shader uses exists in the [`PipelineInterface`] with a matching
//! [`DescriptorKind`], and the GLSL.std.450 instructions used (those GLSL.std.450 defines for
//! 16/32-bit floats only, e.g. Sin, Exp, Pow, Radians, PackHalf2x16, are refused on doubles).
//! It never panics on bad SPIR-V.
//!
//! **Sizes taken from the module are checked before anything is sized by them**, with
//! overflow-free arithmetic: vector widths (2..=4) and matrix column counts (2..=4) are
//! [`ShaderErrorKind::Malformed`] otherwise; types must use only types declared before them
//! (no cycles) and nest at most 64 deep; a type's memory layout is at most 2^40 bytes, a value
//! at most 65536 scalars; Workgroup variables total at most maxComputeSharedMemorySize (32 KiB,
//! Malformed: VUID-RuntimeSpirv-Workgroup-06530); Function and Private memory at most 16 MiB
//! per invocation and 256 MiB per workgroup; the translation of an entry point (after
//! inlining) at most 2^17 scalar values and instructions (near that limit cranelift takes
//! about 12 s and 150 MB: two whole copies of a 16384-float array measured 10.5 s, 133 MB).
//! Everything else beyond these is [`ShaderErrorKind::Unsupported`] with a message, so compile
//! time and memory are bounded by the module's size.
//! Valid-usage rules of SPIR-V itself are not all checked (the application is expected to run
//! spirv-val); invalid SPIR-V either gives a `ShaderError` or runs with undefined results, but
//! never crashes the process.
//!
//! **What is guaranteed at run time.** Every load, store and atomic on StorageBuffer, Uniform,
//! PushConstant, Workgroup, Function, Private and Input memory is bounds-checked against the
//! range it addresses (the descriptor's span, the push-constant bytes passed to
//! [`ComputeKernel::dispatch`], the variable's size): out-of-range loads give 0, stores and
//! atomics are dropped (atomics return 0). PhysicalStorageBuffer pointers (buffer device
//! addresses) are checked at every dereference against the live buffers
//! ([`crate::memory::addresses`], one snapshot per dispatch): the buffer that contains the
//! address bounds the access like a storage buffer's range, and an address inside no live
//! buffer (0, destroyed, past the end) reads 0 and drops writes and atomics. [`Resource::None`]
//! and descriptor-array indices
//! beyond the binding's count behave as zero-length buffers. Texel-buffer fetches/reads out of
//! range (or of a `None` slot, or of an unknown format) return (0, 0, 0, 0); writes are
//! dropped. Storage images ([`Resource::StorageImage`]) are addressed per coordinate: a texel
//! with any coordinate negative or beyond the view's extent or layer count reads (0, 0, 0, 0),
//! its writes are dropped, and image atomics on it return 0 and change nothing; no access
//! leaves the view's bytes at its mip level.
//! Integer division and remainder by zero (and `INT_MIN / -1`, at 16, 32 and 64 bits) give
//! an unspecified value (the dividend, or 0 for remainders) instead of trapping; shift amounts
//! are taken modulo the operand's width (SPIR-V leaves larger ones undefined); a 64-bit atomic
//! on an address that is not 8-byte aligned is dropped like an out-of-range one; float-to-int conversions
//! saturate (NaN gives 0), from f32 and f64 alike. Function and Private variables start
//! zeroed, so results never depend on stale stack contents. Transcendentals call Rust's `f32` functions (deterministic on one
//! machine). 32- and 64-bit float arithmetic rounds to nearest even and keeps denormals, signed
//! zeros, infinities and NaNs (no fast-math, no fused operations except Fma), so the
//! SPV_KHR_float_controls modes DenormPreserve, SignedZeroInfNanPreserve and RoundingModeRTE
//! are honoured; DenormFlushToZero and RoundingModeRTZ on 32- and 64-bit floats are refused.
//! 16-bit floats keep denormals, signed zeros, infinities and NaNs and round to nearest even
//! too (the same modes honoured, the same two refused).
//! OpFConvert narrows f64 to f32 to nearest even (beyond f32's range: infinity). Results are
//! bit-identical for any thread count: workgroups are independent except through atomics. Infinite loops in a shader hang the dispatch (the application's problem).
//!
//! **Threading.** [`Module`], [`ComputeKernel`] are `Send + Sync`; `dispatch` may be called
//! from several threads at once. A dispatch splits its workgroups over the pool
//! ([`crate::exec::for_each`]) and returns when all ran. Within a workgroup, shaders without
//! `OpControlBarrier` run their invocations in a plain loop; shaders with barriers run one
//! stackful coroutine per invocation (corosensei), switched at each barrier. Workgroup memory
//! is one zeroed block per workgroup run.

mod cached;
mod front;
mod lower;
mod module;
mod runtime;
#[cfg(test)]
mod tests;

pub use cached::{KernelBinary, compiler_identity};
pub use module::Module;

use ash::vk;
pub use lower::{Interp, IoRows, StageBuiltins};
pub use runtime::Watch;
pub use runtime::sampling::{Level as SampledLevel, MAX_LEVELS};
pub(crate) use runtime::{
    IO_IN_BARY, IO_IN_BARY_DX, IO_IN_BARY_DY, IO_IN_CENTROID, IO_IN_FRAG_COORD, IO_IN_FRONT_FACING,
    IO_IN_PLAIN, IO_IN_PLANES, IO_IN_POINT_COORD, IO_IN_SAMPLE_ID, IO_IN_SAMPLE_MASK,
    IO_IN_SAMPLE_OFFSETS, IO_IN_SAMPLE_POSITION, IO_IN_VIEW_INDEX, IO_IN_W_INV, IO_OUT_FRAG_DEPTH,
    IO_OUT_LOCATIONS, IO_OUT_POINT_SIZE, IO_OUT_POSITION, IO_OUT_SAMPLE_MASK, IO_OUT_SRC1, IO_ROWS,
};
use runtime::{RunInfo, SlotDesc};
use std::collections::HashMap;
use std::fmt;

/// Why a shader cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShaderErrorKind {
    /// Not well-formed SPIR-V (bad header, truncated or garbled words): invalid usage.
    Malformed,
    /// Valid SPIR-V using something this compiler does not translate yet.
    Unsupported,
    /// The shader and the pipeline layout disagree (a binding missing or of another type):
    /// invalid usage (VUID-VkComputePipelineCreateInfo-layout-07988/07990).
    LayoutMismatch,
}

/// A shader that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShaderError {
    pub kind: ShaderErrorKind,
    pub message: String,
}

impl ShaderError {
    /// An [`ShaderErrorKind::Unsupported`] error.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ShaderError {
            kind: ShaderErrorKind::Unsupported,
            message: message.into(),
        }
    }

    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        ShaderError {
            kind: ShaderErrorKind::Malformed,
            message: message.into(),
        }
    }

    pub(crate) fn mismatch(message: impl Into<String>) -> Self {
        ShaderError {
            kind: ShaderErrorKind::LayoutMismatch,
            message: message.into(),
        }
    }
}

impl fmt::Display for ShaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ShaderError {}

/// The descriptor types compute shaders can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DescriptorKind {
    UniformBuffer,
    StorageBuffer,
    UniformTexelBuffer,
    StorageTexelBuffer,
    /// VK_DESCRIPTOR_TYPE_STORAGE_IMAGE: OpTypeImage with Sampled 2 and Dim 1D/2D/3D/Cube.
    StorageImage,
    /// VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE: OpTypeImage with Sampled 1 (lower/sampling.rs).
    SampledImage,
    /// VK_DESCRIPTOR_TYPE_SAMPLER: OpTypeSampler.
    Sampler,
    /// VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER: OpTypeSampledImage.
    CombinedImageSampler,
    /// Descriptors the compiler does not translate: a shader that uses one is refused as
    /// unsupported.
    Other,
    /// VK_DESCRIPTOR_TYPE_INPUT_ATTACHMENT: OpTypeImage with Dim SubpassData, read by
    /// fragment shaders at their own pixel (lower/images.rs) through the storage image path.
    InputAttachment,
}

/// One binding of the pipeline layout; its descriptors occupy slots
/// `first_slot .. first_slot + count` of the table passed to [`ComputeKernel::dispatch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingLayout {
    pub set: u32,
    pub binding: u32,
    pub kind: DescriptorKind,
    pub count: u32,
    pub first_slot: u32,
}

/// The pipeline layout as the compiler needs it.
#[derive(Clone, Debug, Default)]
pub struct PipelineInterface {
    pub bindings: Vec<BindingLayout>,
    pub push_constant_bytes: u32,
}

/// Specialization constants: constant_id -> the bytes of its VkSpecializationMapEntry.
///
/// 32-bit constants take the first 4 bytes little-endian (shorter data is zero-extended);
/// booleans are a VkBool32 (true if non-zero).
#[derive(Clone, Debug, Default)]
pub struct SpecConstants {
    pub values: HashMap<u32, Vec<u8>>,
}

/// What a slot of the binding table holds at dispatch time.
// A sampled image carries its level table inline: one table per dispatch, built once.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug)]
pub enum Resource<'a> {
    /// Unwritten descriptor: reads give 0, writes are dropped.
    None,
    /// A uniform/storage buffer range (offset/range and dynamic offsets already applied).
    Buffer(crate::memory::Span<'a>),
    /// Bytes held by the driver (an inline uniform block). The dispatch gives the shader its
    /// own copy, so even a shader that (invalidly) stores to it cannot change the descriptor.
    Bytes(&'a [u8]),
    /// A buffer view: its range and format.
    TexelBuffer {
        span: crate::memory::Span<'a>,
        format: vk::Format,
    },
    /// A storage image view (one mip level).
    StorageImage(StorageImage<'a>),
    /// A sampled image view (every level and layer) and/or a sampler: SAMPLED_IMAGE,
    /// SAMPLER and COMBINED_IMAGE_SAMPLER descriptors.
    Sampled {
        image: Option<SampledImage<'a>>,
        sampler: Option<crate::resource::SamplerDesc>,
    },
}

/// A sampled image view as shaders address it: level `m` (relative to the view's base level)
/// has texel `(x, y, z, layer)` at byte `levels[m].offset + layer * layer_pitch + z *
/// depth_pitch + y * row_pitch + x * texel_stride` of `span`. Every access is checked against
/// the level's extent, `layers` and `span`.
#[derive(Clone, Copy, Debug)]
pub struct SampledImage<'a> {
    pub span: crate::memory::Span<'a>,
    /// The view's format: texels decode with it.
    pub format: vk::Format,
    /// The view's component mapping.
    pub swizzle: [vk::ComponentSwizzle; 4],
    pub layers: u32,
    /// Number of levels in `level` (1..=MAX_LEVELS).
    pub levels: u32,
    pub level: [runtime::sampling::Level; runtime::sampling::MAX_LEVELS],
    pub texel_stride: u64,
}

/// One mip level of a storage image view, as a shader addresses it: texel `(x, y, z, layer)`
/// (layer counted from the view's first layer) lies at byte
/// `layer * layer_pitch + z * depth_pitch + y * row_pitch + x * texel_stride` of `span`.
/// Accesses outside `extent`/`layers`, or whose bytes would leave `span`, read zeros and drop
/// writes.
#[derive(Clone, Copy, Debug)]
pub struct StorageImage<'a> {
    /// The bytes of the view's layers at its mip level (from the first layer's start).
    pub span: crate::memory::Span<'a>,
    /// The view's format: reads decode and writes encode with it.
    pub format: vk::Format,
    pub extent: [u32; 3],
    pub layers: u32,
    pub row_pitch: u64,
    pub depth_pitch: u64,
    pub layer_pitch: u64,
    pub texel_stride: u64,
}

/// Owns JIT'd code; frees it when dropped.
struct Code(Option<cranelift_jit::JITModule>);

// SAFETY: after finalization the module is never mutated until drop; its code pages are
// read-only and executable, callable from any thread. Only `Drop` (with `&mut self`, so
// exclusive) touches it.
unsafe impl Send for Code {}
unsafe impl Sync for Code {}

impl Drop for Code {
    fn drop(&mut self) {
        if let Some(m) = self.0.take() {
            // SAFETY: the kernel owning this code is being dropped, so no dispatch is running
            // and no function pointer into the module survives.
            unsafe { m.free_memory() };
        }
    }
}

/// A compiled compute entry point. `Send + Sync`; dispatches may run concurrently.
pub struct ComputeKernel {
    run: RunInfo,
    /// Why the SoA backend did not translate the shader (it runs on the scalar backend).
    declined: Option<String>,
    /// What `run.table` points to (subgroup loop).
    _lane_table: Box<[[[u32; 4]; 8]]>,
    /// Slots the binding table must have (the layout's highest first_slot + count).
    slots_needed: usize,
    /// The initial workgroup memory `run` points to.
    _workgroup_init: Box<[u8]>,
    /// The code as data, for pipeline caches (cached.rs).
    binary: Option<std::sync::Arc<KernelBinary>>,
    // Declared after `run` (whose function pointer points into it).
    _code: Code,
}

impl fmt::Debug for ComputeKernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComputeKernel")
            .field("local_size", &self.run.local_size)
            .field("workgroup_bytes", &self.run.workgroup_bytes)
            .field("barriers", &self.run.barriers)
            .finish()
    }
}

// SAFETY: RunInfo holds a function pointer into `_code` (immutable, executable code) and
// plain data.
unsafe impl Send for RunInfo {}
unsafe impl Sync for RunInfo {}

/// Which backend compiles compute shaders (`SOFTVK_SHADER_BACKEND`: `scalar`, `soa`, or unset
/// for the SoA backend with the scalar one as fallback, except for shaders that use subgroup
/// operations or built-ins: only the SoA backend runs those, with subgroups of 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    Auto,
    Scalar,
    Soa,
}

thread_local! {
    /// Tests pin a backend per thread (overrides the environment).
    pub(crate) static BACKEND: std::cell::Cell<Option<Backend>> = const { std::cell::Cell::new(None) };
}

pub(crate) fn backend() -> Backend {
    if let Some(b) = BACKEND.with(|b| b.get()) {
        return b;
    }
    match std::env::var("SOFTVK_SHADER_BACKEND").as_deref() {
        Ok("scalar") => Backend::Scalar,
        Ok("soa") => Backend::Soa,
        _ => Backend::Auto,
    }
}

/// Compiles entry point `entry` (which must be GLCompute) for `iface`, with `spec` applied.
pub fn compile_compute(
    module: &Module,
    entry: &str,
    spec: &SpecConstants,
    iface: &PipelineInterface,
) -> Result<ComputeKernel, ShaderError> {
    // Bad SPIR-V is reported as errors by the code below; this only keeps a compiler bug from
    // unwinding into the caller.
    let mut declined = None;
    let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let program = front::Program::new(module, entry, spec)?;
        let lanes = lower::uniformity::LANES;
        // The SoA backend with barriers split into phases, else with a coroutine per subgroup.
        let soa = || {
            let attempt = |split: bool| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    lower::compile(&program, iface, lanes, split)
                }))
                .unwrap_or_else(|_| Err(ShaderError::new("SoA backend: internal error")))
            };
            attempt(true).or_else(|_| attempt(false))
        };
        let jit = match backend() {
            Backend::Scalar => lower::compile(&program, iface, 1, false)?,
            Backend::Soa => soa()?,
            // The SoA backend where it translates the shader, else the scalar one (whose
            // errors are the ones reported).
            Backend::Auto => match soa() {
                Ok(j) => j,
                // Subgroups are as wide as the SoA backend's: a shader using them has no
                // fallback, and the SoA backend's reason is the error.
                Err(e) if lower::uses_subgroups(&program)? => return Err(e),
                Err(e) => {
                    declined = Some(e.message);
                    lower::compile(&program, iface, 1, false)?
                }
            },
        };
        Ok::<_, ShaderError>((program.local_size, jit))
    }));
    let (local_size, mut jit) = match compiled {
        Ok(r) => r?,
        Err(_) => {
            return Err(ShaderError::new(format!(
                "internal error while compiling entry point \"{entry}\""
            )));
        }
    };
    let binary =
        KernelBinary::of(local_size, &mut jit, declined.as_deref(), None).map(std::sync::Arc::new);
    Ok(finish(local_size, jit, declined, iface, binary))
}

/// A compiled vertex shader (the vertex stage of graphics pipelines):
/// each call runs four vertices on the SoA backend, their built-ins in lane rows and their
/// inputs and outputs in interface rows (lower/stage.rs).
#[derive(Debug)]
pub struct VertexKernel {
    kernel: ComputeKernel,
    /// The module writes no memory but its own variables and performs no atomic operation
    /// ([`Module::is_pure`]): running it has no effect a fragment shader could see.
    pub pure: bool,
    /// The interface rows its code touches (`StageBuiltins::rows`).
    pub(crate) rows: lower::IoRows,
}

/// What one vertex reads: its VertexIndex and InstanceIndex, and per input location the four
/// 32-bit components the vertex fetch produced.
#[derive(Clone, Copy, Debug, Default)]
pub struct VertexIn {
    pub vertex_index: u32,
    pub instance_index: u32,
    pub inputs: [[u32; 4]; runtime::IO_LOCATIONS as usize],
}

/// What one vertex wrote (words it did not write are 0).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct VertexOut {
    pub position: [f32; 4],
    pub point_size: f32,
    pub clip: [f32; 8],
    pub cull: [f32; 8],
    pub locations: [[u32; 4]; runtime::IO_LOCATIONS as usize],
}

/// A compiled graphics entry point: its kernel (with its binary, for pipeline caches) and
/// interface facts.
struct Stage {
    kernel: ComputeKernel,
    info: cached::StageInfo,
}

/// Compiles a graphics entry point of `model` on the SoA backend; `pure` is the module's
/// [`Module::is_pure`].
fn compile_stage(
    module: &Module,
    entry: &str,
    spec: &SpecConstants,
    iface: &PipelineInterface,
    model: cached::StageModel,
    pure: bool,
) -> Result<Stage, ShaderError> {
    let execution_model = match model {
        cached::StageModel::Vertex => spirv::ExecutionModel::Vertex,
        cached::StageModel::Fragment => spirv::ExecutionModel::Fragment,
    };
    let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let program = front::Program::with_model(module, entry, spec, execution_model)?;
        let early = program.early_fragment_tests;
        lower::compile(&program, iface, lower::uniformity::LANES, false).map(|j| (j, early))
    }));
    let (mut jit, early) = match compiled {
        Ok(r) => r?,
        Err(_) => {
            return Err(ShaderError::new(format!(
                "internal error while compiling entry point \"{entry}\""
            )));
        }
    };
    if jit.barriers || jit.function_bytes > cached::MAX_STAGE_FUNCTION_BYTES as usize {
        return Err(ShaderError::new(format!(
            "a {execution_model:?} shader with more than 48 KiB of function memory"
        )));
    }
    let inputs = std::mem::take(&mut jit.inputs);
    let planes = std::mem::take(&mut jit.planes);
    let info = match model {
        cached::StageModel::Vertex => cached::StageInfo {
            model,
            inputs: Vec::new(),
            planes: Vec::new(),
            builtins: StageBuiltins {
                rows: jit.stage.rows,
                ..StageBuiltins::default()
            },
            early_fragment_tests: false,
            pure,
            lanes_alone: false,
        },
        cached::StageModel::Fragment => cached::StageInfo {
            model,
            inputs,
            planes,
            builtins: jit.stage,
            early_fragment_tests: early,
            pure,
            lanes_alone: module.lanes_alone(),
        },
    };
    let binary =
        KernelBinary::of([1, 1, 1], &mut jit, None, Some(info.clone())).map(std::sync::Arc::new);
    let kernel = finish([1, 1, 1], jit, None, iface, binary);
    debug_assert!(!kernel.run.use_coroutines && !kernel.run.barriers);
    Ok(Stage { kernel, info })
}

/// Compiles vertex entry point `entry` for `iface`, with `spec` applied.
pub fn compile_vertex(
    module: &Module,
    entry: &str,
    spec: &SpecConstants,
    iface: &PipelineInterface,
) -> Result<VertexKernel, ShaderError> {
    let stage = compile_stage(
        module,
        entry,
        spec,
        iface,
        cached::StageModel::Vertex,
        module.is_pure(),
    )?;
    Ok(VertexKernel {
        kernel: stage.kernel,
        pure: stage.info.pure,
        rows: stage.info.builtins.rows,
    })
}

impl VertexKernel {
    /// Runs the shader for vertices `0..count`, four per call: `fill(k, lane, rows)` writes
    /// vertex k's input rows (`runtime::IO_*`) for the lane it runs in, and
    /// `take(k, lane, rows)` reads its outputs after the call. Rows are not cleared between
    /// calls: outputs a shader leaves unwritten are undefined (the spec's rule), in practice
    /// an earlier call's (the same for any thread count: the vertices of one `run_with` run
    /// in order on one thread).
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    pub fn run_with(
        &self,
        slots: &[Resource<'_>],
        push: &[u8],
        count: usize,
        view_index: u32,
        draw_params: [u32; 3],
        reads: lower::IoRows,
        fill: impl FnMut(usize, usize, &mut [[u32; 4]]) -> (u32, u32),
        take: impl FnMut(usize, usize, &[[u32; 4]]),
    ) {
        let bound = self.kernel.stage_bindings(slots);
        // The thread's rows (a draw's few vertices should not cost an allocation, nor
        // clearing all ~300 rows: that was a fifth of a small draw's set-up). Only the rows
        // the code touches and those `take` reads are cleared; the others may hold an earlier
        // run's words, which nothing reads.
        thread_local! {
            static IO: std::cell::RefCell<Box<[[u32; 4]; runtime::IO_ROWS]>> =
                std::cell::RefCell::new(Box::new([[0; 4]; runtime::IO_ROWS]));
        }
        IO.with(|cell| match cell.try_borrow_mut() {
            Ok(mut io) => self.run_rows(
                &mut io,
                bound,
                push,
                count,
                view_index,
                draw_params,
                reads,
                fill,
                take,
            ),
            // (Not reached: nothing a run calls runs another; a fresh set of rows if it did.)
            Err(_) => self.run_rows(
                &mut Box::new([[0; 4]; runtime::IO_ROWS]),
                bound,
                push,
                count,
                view_index,
                draw_params,
                reads,
                fill,
                take,
            ),
        })
    }

    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    fn run_rows(
        &self,
        io: &mut [[u32; 4]; runtime::IO_ROWS],
        bound: StageBindings,
        push: &[u8],
        count: usize,
        view_index: u32,
        draw_params: [u32; 3],
        reads: lower::IoRows,
        mut fill: impl FnMut(usize, usize, &mut [[u32; 4]]) -> (u32, u32),
        mut take: impl FnMut(usize, usize, &[[u32; 4]]),
    ) {
        let stopper = bound.stopper();
        let mut clear = self.rows;
        for (c, r) in clear.0.iter_mut().zip(reads.0) {
            *c |= r;
        }
        for r in clear.iter() {
            io[r] = [0; 4];
        }
        let mut calls =
            runtime::StageCalls::new(&self.kernel.run, bound.slots.table.get(), push, &stopper);
        for first in (0..count).step_by(4) {
            let n = (count - first).min(4);
            let mut lanes = [[0u32; 4]; 8];
            for l in 0..n {
                let (vertex_index, instance_index) = fill(first + l, l, &mut io[..]);
                lanes[lower::simd_rows::VERTEX_INDEX][l] = vertex_index;
                lanes[lower::simd_rows::INSTANCE_INDEX][l] = instance_index;
                lanes[lower::simd_rows::MASK][l] = u32::MAX;
            }
            io[runtime::IO_IN_VIEW_INDEX as usize] = [view_index; 4];
            for (k, p) in draw_params.iter().enumerate() {
                io[runtime::IO_IN_DRAW_PARAMS as usize + k] = [*p; 4];
            }
            calls.call(lanes, &mut io[..]);
            for l in 0..n {
                take(first + l, l, &io[..]);
            }
        }
        drop(bound);
    }

    /// Runs the shader for `vertices` (four per call, in order) with `slots` bound; outputs a
    /// vertex does not write read as 0 here (the rows start cleared).
    pub fn run(
        &self,
        slots: &[Resource<'_>],
        push: &[u8],
        vertices: &[VertexIn],
        view_index: u32,
    ) -> Vec<VertexOut> {
        use runtime::{
            IO_OUT_CLIP, IO_OUT_CULL, IO_OUT_LOCATIONS, IO_OUT_POINT_SIZE, IO_OUT_POSITION,
        };
        let mut out = Vec::with_capacity(vertices.len());
        self.run_with(
            slots,
            push,
            vertices.len(),
            view_index,
            [0; 3],
            // (`fill` clears every row before the first vertex.)
            lower::IoRows::default(),
            |k, l, rows| {
                if l == 0 {
                    rows.iter_mut().for_each(|r| *r = [0; 4]);
                }
                let v = &vertices[k];
                for (loc, words) in v.inputs.iter().enumerate() {
                    for (c, w) in words.iter().enumerate() {
                        rows[4 * loc + c][l] = *w;
                    }
                }
                (v.vertex_index, v.instance_index)
            },
            |_, l, io| {
                let f = |row: u32| f32::from_bits(io[row as usize][l]);
                let mut o = VertexOut {
                    position: std::array::from_fn(|c| f(IO_OUT_POSITION + c as u32)),
                    point_size: f(IO_OUT_POINT_SIZE),
                    clip: std::array::from_fn(|c| f(IO_OUT_CLIP + c as u32)),
                    cull: std::array::from_fn(|c| f(IO_OUT_CULL + c as u32)),
                    ..Default::default()
                };
                for (loc, words) in o.locations.iter_mut().enumerate() {
                    for (c, w) in words.iter_mut().enumerate() {
                        *w = io[(IO_OUT_LOCATIONS as usize) + 4 * loc + c][l];
                    }
                }
                out.push(o);
            },
        );
        out
    }
}

/// A compiled fragment shader (the fragment stage of graphics pipelines):
/// each call runs one 2x2 quad (lane `dy * 2 + dx`), its uncovered pixels as helper lanes
/// that compute (for derivatives) but are outside the execution mask, so they store nothing.
#[derive(Debug)]
pub struct FragmentKernel {
    kernel: ComputeKernel,
    /// The EarlyFragmentTests execution mode.
    pub early_fragment_tests: bool,
    /// The interface rows of its Location inputs and their interpolation.
    pub inputs: Vec<(u32, lower::Interp)>,
    /// The input rows its InterpolateAtCentroid / AtSample / AtOffset instructions read (not
    /// flat ones), in the order of their plane rows from `runtime::IO_IN_PLANES`: a draw
    /// writes those rows and the interpolation rows before them when this is not empty.
    pub planes: Vec<u32>,
    /// Per plane, its input's place among the inputs that are not flat (the column of the
    /// vertex records' varying values the draw reads it from); made once with the kernel.
    pub plane_columns: Vec<usize>,
    /// Built-ins that change how a draw runs it (FragDepth and SampleMask outputs,
    /// per-sample inputs).
    pub builtins: lower::StageBuiltins,
    /// The module has no instruction that discards, demotes, writes memory other than its
    /// own Function, Private and Output variables, or performs an atomic operation: running
    /// it or not for a fragment changes nothing but that fragment's outputs, so the depth
    /// test may come first ([`Module::is_pure`]).
    pub pure: bool,
    /// The module declares no subgroup capability ([`Module::lanes_alone`]).
    pub lanes_alone: bool,
}

/// Compiles fragment entry point `entry` for `iface`, with `spec` applied.
pub fn compile_fragment(
    module: &Module,
    entry: &str,
    spec: &SpecConstants,
    iface: &PipelineInterface,
) -> Result<FragmentKernel, ShaderError> {
    let stage = compile_stage(
        module,
        entry,
        spec,
        iface,
        cached::StageModel::Fragment,
        module.is_pure(),
    )?;
    Ok(FragmentKernel::of_stage(stage.kernel, stage.info))
}

impl FragmentKernel {
    /// The fragment kernel of `kernel`, with the facts of its compile (`info`).
    pub(crate) fn of_stage(kernel: ComputeKernel, info: cached::StageInfo) -> FragmentKernel {
        let varying: Vec<u32> = info
            .inputs
            .iter()
            .filter(|(_, i)| *i != lower::Interp::Flat)
            .map(|(r, _)| *r)
            .collect();
        let plane_columns = info
            .planes
            .iter()
            .map(|row| {
                varying
                    .iter()
                    .position(|r| r == row)
                    .expect("a plane is a varying input's (made so, or checked by decode)")
            })
            .collect();
        FragmentKernel {
            pure: info.pure,
            lanes_alone: info.lanes_alone,
            kernel,
            early_fragment_tests: info.early_fragment_tests,
            inputs: info.inputs,
            planes: info.planes,
            plane_columns,
            builtins: info.builtins,
        }
    }

    /// Whether every fragment of a primitive gets the same outputs when the inputs the
    /// shader reads are the same at every fragment (flat inputs, and varying ones equal at the
    /// vertices): the shader is pure, its lanes never see which others run (no subgroup
    /// operations: derivatives of equal values are zero whatever the coverage), and it reads
    /// no built-in input that differs between fragments (FragCoord, PointCoord, the sample
    /// inputs, HelperInvocation). A draw may then run it once per such primitive, on a fully
    /// covered quad (where helper lanes cannot differ), and give its outputs to every fragment.
    pub fn uniform_outputs(&self) -> bool {
        use lower::StageBuiltins as B;
        self.pure
            && self.lanes_alone
            && self.planes.is_empty()
            && !self.builtins.per_sample
            && !self
                .builtins
                .reads(B::FRAG_COORD | B::POINT_COORD | B::SAMPLE | B::HELPER | B::DISCARD)
    }

    /// Runs `quads` quads with `slots` bound: `fill(q, rows)` writes quad q's input rows
    /// (locations and built-ins, `runtime::IO_*`) and returns its coverage (bit `l`: lane l is
    /// covered); after the call `take(q, rows, live)` reads its outputs, `live` the covered
    /// lanes that were not discarded.
    pub fn run_quads(
        &self,
        slots: &[Resource<'_>],
        push: &[u8],
        quads: usize,
        mut fill: impl FnMut(usize, &mut [[u32; 4]]) -> u8,
        mut take: impl FnMut(usize, &[[u32; 4]], u8),
    ) {
        let bound = self.bind(slots);
        self.with_runner(&bound, push, &mut Vec::new(), |r| {
            for q in 0..quads {
                let cover = fill(q, r.rows_mut());
                if cover & 0xf != 0 {
                    let live = r.run(cover);
                    take(q, r.rows(), live);
                }
            }
        })
    }

    /// The interface rows its calls touch: [`runtime::IO_ROWS`], and with interpolation
    /// planes the interpolation rows and 3 per plane after them.
    pub fn io_rows(&self) -> usize {
        if self.planes.is_empty() {
            runtime::IO_ROWS
        } else {
            runtime::IO_IN_PLANES as usize + 3 * self.planes.len()
        }
    }

    /// The binding table of `slots` for [`Self::with_runner`], made once and shared by every
    /// call of a draw (on any thread).
    pub fn bind(&self, slots: &[Resource<'_>]) -> FragmentBinding {
        FragmentBinding(self.kernel.stage_bindings(slots))
    }

    /// Calls `f` with a [`QuadRunner`] of this kernel over the interface rows `io` (grown to
    /// size; rows are kept between calls), with `bound` and `push`: the caller then fills
    /// each quad's input rows, runs it and reads its outputs, in its own order.
    pub fn with_runner<R>(
        &self,
        bound: &FragmentBinding,
        push: &[u8],
        io: &mut Vec<[u32; 4]>,
        f: impl FnOnce(&mut QuadRunner<'_>) -> R,
    ) -> R {
        let bound = &bound.0;
        let stopper = bound.stopper();
        // The rows are not cleared between quads: the caller writes every input row the
        // shader reads, and outputs it leaves unwritten are undefined (the spec's rule), in
        // practice the previous quad's (the same ones for any thread count: a tile's quads
        // run in order on one thread).
        let rows = self.io_rows();
        if io.len() < rows {
            io.resize(rows, [0; 4]);
        }
        let calls =
            runtime::StageCalls::new(&self.kernel.run, bound.slots.table.get(), push, &stopper)
                .with_rows(rows);
        let reads = self.builtins.reads;
        f(&mut QuadRunner { calls, io, reads })
    }
}

/// The lane mask rows of the 16 coverages (bit l set: lane l all ones).
const LANE_MASKS: [[u32; 4]; 16] = {
    let mut t = [[0u32; 4]; 16];
    let mut m = 0;
    while m < 16 {
        let mut l = 0;
        while l < 4 {
            if m >> l & 1 == 1 {
                t[m][l] = u32::MAX;
            }
            l += 1;
        }
        m += 1;
    }
    t
};

/// Runs a fragment kernel's quads one call each ([`FragmentKernel::with_runner`]).
pub struct QuadRunner<'a> {
    calls: runtime::StageCalls<'a>,
    io: &'a mut Vec<[u32; 4]>,
    /// The kernel's `StageBuiltins::reads`: the helper and discard rows are set up only for
    /// code that touches them.
    reads: u32,
}

impl QuadRunner<'_> {
    /// The interface rows (locations and built-ins, `runtime::IO_*`).
    #[inline(always)]
    pub fn rows(&self) -> &[[u32; 4]] {
        self.io
    }

    #[inline(always)]
    pub fn rows_mut(&mut self) -> &mut [[u32; 4]] {
        self.io
    }

    /// Runs the quad whose input rows are written, `cover` its covered lanes (bit l: lane
    /// l; the others are helpers); returns the covered lanes that were not discarded.
    /// Helper lanes execute like the others (every lane is in the execution mask, so a
    /// derivative of a value computed in divergent control flow sees the helpers' values);
    /// the helper row keeps their stores and atomics out of memory (`Lower::effect_lanes`).
    #[inline(always)]
    pub fn run(&mut self, cover: u8) -> u8 {
        let io = &mut self.io[..];
        if self.reads & StageBuiltins::HELPER != 0 {
            // One 16-byte copy from a table: the compiled code reads the row as one vector,
            // and four separate stores would not forward to that load (a stall of tens of
            // cycles).
            io[runtime::IO_IN_HELPER as usize] = LANE_MASKS[!cover as usize & 15];
        }
        let discards = self.reads & StageBuiltins::DISCARD != 0;
        if discards {
            io[runtime::IO_DISCARD as usize] = [0; 4];
        }
        self.calls
            .call_with(lower::simd_rows::MASK, LANE_MASKS[15], io);
        if !discards {
            return cover;
        }
        let discarded = io[runtime::IO_DISCARD as usize];
        (0..4).fold(0u8, |m, l| {
            m | ((cover >> l & 1 == 1 && discarded[l] == 0) as u8) << l
        })
    }
}

/// The kernel that runs `jit`: what a compile and a pipeline cache hit (cached.rs) share.
fn finish(
    local_size: [u32; 3],
    jit: lower::Jit,
    declined: Option<String>,
    iface: &PipelineInterface,
    binary: Option<std::sync::Arc<KernelBinary>>,
) -> ComputeKernel {
    let big = jit.function_bytes > 48 << 10;
    let lane_table: Box<[[[u32; 4]; 8]]> = if jit.looped {
        runtime::lane_table(local_size).into_boxed_slice()
    } else {
        Box::new([])
    };
    let workgroup_init: Box<[u8]> = jit.workgroup_init.into_boxed_slice();
    let run = RunInfo {
        entry: jit.entry,
        local_size,
        workgroup_bytes: jit.workgroup_bytes,
        workgroup_init: workgroup_init.as_ptr(),
        workgroup_init_len: workgroup_init.len(),
        barriers: jit.barriers,
        stack_bytes: (jit.function_bytes + (64 << 10)).next_multiple_of(4096),
        // Split code keeps function memory in the subgroups' areas, not on the stack.
        use_coroutines: !jit.split && (jit.barriers || big),
        device_addresses: jit.device_addresses,
        lanes: jit.lanes,
        split: jit.split,
        spill_bytes: jit.spill_bytes,
        locals_bytes: jit.locals_bytes,
        looped: jit.looped,
        table: lane_table.as_ptr(),
    };
    let slots_needed = iface
        .bindings
        .iter()
        .map(|b| b.first_slot as usize + b.count as usize)
        .max()
        .unwrap_or(0);
    ComputeKernel {
        run,
        declined,
        _lane_table: lane_table,
        slots_needed,
        _workgroup_init: workgroup_init,
        binary,
        _code: Code(Some(jit.module)),
    }
}

impl ComputeKernel {
    /// Invocations one call runs (1: scalar backend; 4: SoA backend) and, for the scalar
    /// backend, why the SoA backend declined the shader.
    pub fn backend(&self) -> (usize, Option<&str>) {
        (self.run.lanes, self.declined.as_deref())
    }

    /// Whether workgroup barriers split the shader into phases (SoA backend) rather than
    /// suspend a coroutine per invocation or subgroup; false without barriers.
    pub fn phases(&self) -> bool {
        self.run.split
    }

    /// Whether one call runs every subgroup of a workgroup (per phase, with barriers), the
    /// compiled code looping over them, rather than one call per subgroup.
    pub fn subgroup_loop(&self) -> bool {
        self.run.looped
    }

    /// Whether the shader has workgroup barriers.
    pub fn has_barriers(&self) -> bool {
        self.run.barriers
    }

    /// LocalSize (after specialization).
    pub fn workgroup_size(&self) -> [u32; 3] {
        self.run.local_size
    }

    /// Bytes of workgroup (shared) memory one workgroup uses.
    pub fn workgroup_memory_bytes(&self) -> usize {
        self.run.workgroup_bytes
    }

    /// Runs workgroups `base .. base + groups` (vkCmdDispatchBase semantics: WorkgroupId starts
    /// at `base`, NumWorkgroups = `groups`), split over the thread pool by workgroup. Returns
    /// when all have run. `slots[first_slot + element]` is what the shader sees for each
    /// binding; slots past the end of `slots` behave as [`Resource::None`].
    pub fn dispatch(
        &self,
        slots: &[Resource<'_>],
        push_constants: &[u8],
        base: [u32; 3],
        groups: [u32; 3],
    ) {
        let never = || false;
        let watch = Watch {
            deadline: None,
            cancelled: &never,
        };
        let _ = self.dispatch_watched(slots, push_constants, base, groups, &watch);
    }

    /// [`ComputeKernel::dispatch`] that stops early when `watch` says so: every loop header
    /// spends fuel and, every 65536 iterations, checks the deadline and the cancel function;
    /// once either fires, invocations return at their next loop header and no further
    /// workgroup starts. Returns `Err(Stopped)` then (the results are undefined).
    pub fn dispatch_watched(
        &self,
        slots: &[Resource<'_>],
        push_constants: &[u8],
        base: [u32; 3],
        groups: [u32; 3],
        watch: &Watch<'_>,
    ) -> Result<(), Stopped> {
        let total = groups[0] as usize * groups[1] as usize * groups[2] as usize;
        if total == 0 {
            return Ok(());
        }
        let stopper = runtime::Stopper {
            stopped: std::sync::atomic::AtomicBool::new(false),
            watch,
            // One snapshot per dispatch: lookups during the dispatch take no lock.
            addresses: self
                .run
                .device_addresses
                .then(crate::memory::addresses::snapshot),
        };
        let bound = BoundSlots::new(slots, self.slots_needed);
        let table = &bound.table;
        let run = self.run;
        let [gx, gy, _] = groups;
        crate::exec::for_each(total, |g| {
            let x = (g % gx as usize) as u32;
            let y = ((g / gx as usize) % gy as usize) as u32;
            let z = (g / (gx as usize * gy as usize)) as u32;
            let wg = [
                base[0].wrapping_add(x),
                base[1].wrapping_add(y),
                base[2].wrapping_add(z),
            ];
            runtime::run_workgroup(&run, table.get(), push_constants, wg, groups, &stopper);
        });
        drop(bound);
        if stopper.stopped.load(std::sync::atomic::Ordering::Relaxed) {
            Err(Stopped)
        } else {
            Ok(())
        }
    }
}

/// A dispatch that [`Watch`] stopped before it finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped;

/// The binding table of one dispatch, shared read-only by the workers.
/// What graphics-stage calls run with: the bound slots and the device-address snapshot (no
/// deadline: a draw's shaders are bounded by the draw's size, and the fuel checks still stop
/// them when the device goes away).
struct StageBindings {
    slots: BoundSlots,
    addresses: Option<std::sync::Arc<crate::memory::addresses::AddressMap>>,
}

impl StageBindings {
    fn stopper(&self) -> runtime::Stopper<'static> {
        static NEVER: fn() -> bool = || false;
        static WATCH: Watch<'static> = Watch {
            deadline: None,
            cancelled: &NEVER,
        };
        runtime::Stopper {
            stopped: std::sync::atomic::AtomicBool::new(false),
            watch: &WATCH,
            addresses: self.addresses.clone(),
        }
    }
}

impl ComputeKernel {
    fn stage_bindings(&self, slots: &[Resource<'_>]) -> StageBindings {
        StageBindings {
            slots: BoundSlots::new(slots, self.slots_needed),
            addresses: self
                .run
                .device_addresses
                .then(crate::memory::addresses::snapshot),
        }
    }
}

/// A fragment kernel's binding table for one draw ([`FragmentKernel::bind`]).
pub struct FragmentBinding(StageBindings);

// SAFETY: the table and what it points to are only read once made, as a dispatch's table is
// read by every worker of the pool (`ComputeKernel::dispatch`).
unsafe impl Sync for FragmentBinding {}

/// The binding table a call reads (`SlotDesc`s) with what its entries point to, alive as long
/// as this is (boxes: the table points into them, so they must not move).
#[allow(clippy::vec_box)]
struct BoundSlots {
    table: SlotTable,
    _copies: Vec<Box<[u8]>>,
    _images: Vec<Box<runtime::ImageSlot>>,
    _sampled: Vec<Box<runtime::sampling::SampledSlot>>,
}

impl BoundSlots {
    fn new(slots: &[Resource<'_>], slots_needed: usize) -> BoundSlots {
        let null = SlotDesc::NULL;
        // Per-dispatch copies of inline bytes (boxes: their addresses do not move).
        let mut copies: Vec<Box<[u8]>> = Vec::new();
        // What storage-image slots point to (boxes: their addresses do not move).
        let mut images: Vec<Box<runtime::ImageSlot>> = Vec::new();
        let mut sampled: Vec<Box<runtime::sampling::SampledSlot>> = Vec::new();
        let mut table: Vec<SlotDesc> = slots
            .iter()
            .map(|r| match r {
                Resource::None => null,
                Resource::Buffer(s) => SlotDesc {
                    ptr: s.as_ptr(),
                    len: s.len() as u64,
                    format: 0,
                    tag: 0,
                },
                Resource::Bytes(b) => {
                    let mut copy: Box<[u8]> = (*b).into();
                    let ptr = copy.as_mut_ptr();
                    copies.push(copy);
                    SlotDesc {
                        ptr,
                        len: b.len() as u64,
                        format: 0,
                        tag: 0,
                    }
                }
                Resource::TexelBuffer { span, format } => SlotDesc {
                    ptr: span.as_ptr(),
                    len: span.len() as u64,
                    format: format.as_raw(),
                    tag: 0,
                },
                Resource::StorageImage(im) => {
                    let mut slot = Box::new(runtime::ImageSlot {
                        ptr: im.span.as_ptr(),
                        len: im.span.len() as u64,
                        format: im.format.as_raw(),
                        extent: im.extent,
                        layers: im.layers,
                        row_pitch: im.row_pitch,
                        depth_pitch: im.depth_pitch,
                        layer_pitch: im.layer_pitch,
                        texel_stride: im.texel_stride,
                    });
                    let ptr = (&mut *slot as *mut runtime::ImageSlot).cast();
                    images.push(slot);
                    SlotDesc {
                        ptr,
                        len: 0,
                        format: im.format.as_raw(),
                        tag: runtime::TAG_IMAGE,
                    }
                }
                Resource::Sampled { image, sampler } => {
                    let mut slot = Box::new(runtime::sampling::SampledSlot::new(
                        image.as_ref().map(runtime::sampling::SampledImageSlot::new),
                        *sampler,
                    ));
                    let ptr = (&mut *slot as *mut runtime::sampling::SampledSlot).cast();
                    sampled.push(slot);
                    SlotDesc {
                        ptr,
                        len: 0,
                        format: 0,
                        tag: runtime::sampling::TAG_SAMPLED,
                    }
                }
            })
            .collect();
        // The shader may index slots the caller did not pass (a layout larger than `slots`).
        if table.len() < slots_needed {
            table.resize(slots_needed, null);
        }
        BoundSlots {
            table: SlotTable(table),
            _copies: copies,
            _images: images,
            _sampled: sampled,
        }
    }
}

struct SlotTable(Vec<SlotDesc>);

impl SlotTable {
    fn get(&self) -> &[SlotDesc] {
        &self.0
    }
}
// SAFETY: the table holds pointers into spans that outlive the dispatch; workers only read it.
unsafe impl Sync for SlotTable {}
unsafe impl Send for SlotTable {}
