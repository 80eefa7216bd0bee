//! What JIT'd code runs against: the per-invocation context, the descriptor table entries, the
//! helper functions it calls (texel codec, transcendentals, packing, barriers) and the loops that
//! run workgroups (plain loops, or one coroutine per invocation when the shader has barriers).
//!
//! Every `extern "C"` helper here must not panic (a panic cannot unwind through JIT'd frames;
//! it would abort): they only do checked arithmetic and call the panic-free texel codec.

use crate::format::{self, Texel};
use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::cell::RefCell;
use std::mem::offset_of;

mod images;
pub(crate) mod sampling;
pub(crate) use images::{ImageSlot, SHAPE_ARRAYED, TAG_IMAGE};

/// One entry of the binding table as JIT'd code reads it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct SlotDesc {
    pub ptr: *mut u8,
    pub len: u64,
    /// `vk::Format` as i32 (texel buffers and storage images), else 0.
    pub format: i32,
    /// 0, or [`images::TAG_IMAGE`] for a storage image (then `ptr` is an [`images::ImageSlot`]).
    pub tag: u32,
}

impl SlotDesc {
    /// An empty slot: a zero-length buffer.
    pub(crate) const NULL: SlotDesc = SlotDesc {
        ptr: std::ptr::null_mut(),
        len: 0,
        format: 0,
        tag: 0,
    };
}

pub(crate) const SLOT_SIZE: i64 = std::mem::size_of::<SlotDesc>() as i64;
pub(crate) const SLOT_PTR: i32 = offset_of!(SlotDesc, ptr) as i32;
pub(crate) const SLOT_LEN: i32 = offset_of!(SlotDesc, len) as i32;
pub(crate) const SLOT_TAG: i32 = offset_of!(SlotDesc, tag) as i32;

/// Byte offsets of the builtins inside [`Ctx::builtins`] (the Input "memory" of the shader).
pub(crate) const B_GLOBAL_ID: u32 = 0;
pub(crate) const B_LOCAL_ID: u32 = 12;
pub(crate) const B_WORKGROUP_ID: u32 = 24;
pub(crate) const B_NUM_WORKGROUPS: u32 = 36;
pub(crate) const B_LOCAL_INDEX: u32 = 48;
pub(crate) const B_WORKGROUP_SIZE: u32 = 52;
// Subgroup built-ins of the SoA backend (uniform over a subgroup; SubgroupLocalInvocationId is
// the lane index, word 17 is unused). The scalar backend refuses subgroup built-ins.
pub(crate) const B_SUBGROUP_SIZE: u32 = 64;
pub(crate) const B_NUM_SUBGROUPS: u32 = 72;
pub(crate) const B_SUBGROUP_ID: u32 = 76;

/// The context one invocation runs with; JIT'd code gets a pointer to it.
#[repr(C)]
pub(crate) struct Ctx {
    pub builtins: [u32; 20],
    pub slots: *const SlotDesc,
    pub push: *const u8,
    pub push_len: u64,
    pub workgroup: *mut u8,
    /// A zero-length descriptor: what an out-of-range descriptor-array index selects.
    pub null_desc: SlotDesc,
    pub yielder: *const Yielder<(), ()>,
    /// Results of helpers that return vectors.
    pub scratch: [u32; 4],
    /// Out-of-range loads read here (always zero).
    pub zero: [u8; 16],
    /// Out-of-range stores and atomics go here.
    pub sink: [u8; 16],
    /// Loop iterations left before the next [`sv_fuel`] check (decremented at loop headers).
    pub fuel: i64,
    /// The dispatch's [`Stopper`].
    pub stopper: *const Stopper<'static>,
    /// SoA backend: per lane of the subgroup, global id x y z, local id x y z, local index,
    /// and the initial lane mask (all ones for a lane that exists, else 0). `builtins` holds
    /// the ids of the subgroup's first lane.
    pub lanes: [[u32; 4]; 8],
    /// Phases (SoA with barriers): 0 to start, else the barrier to resume after; the code
    /// sets it when it returns (0 when done).
    pub resume: u32,
    /// Phases: where a barrier saves the subgroup's state, and its function/private memory.
    pub spill: *mut u8,
    pub locals: *mut u8,
    /// Subgroup loop (SoA without barriers): per subgroup of the workgroup, its lane rows as
    /// in `lanes` with the global ids of workgroup 0 (the code adds the workgroup's base).
    pub table: *const [[u32; 4]; 8],
    /// Phase loop (SoA with barriers, one call per phase runs every subgroup): per subgroup,
    /// its state (0: not started, k: resume after barrier k, [`PHASE_DONE`]: finished), and
    /// the subgroups' areas, `stride` bytes each: the spill area, then the function/private
    /// memory at `locals_off`.
    pub states: *mut u32,
    pub area: *mut u8,
    pub stride: u64,
    pub locals_off: u64,
    /// Graphics stages: the subgroup's interface rows ([`IO_ROWS`] rows of one 32-bit word per
    /// lane), inputs and outputs (lower/stage.rs).
    pub io: *mut [u32; 4],
}

/// Interface rows of a graphics-stage call (lower/stage.rs): input location L, component c is
/// row 4 L + c; outputs follow at [`IO_OUT_POSITION`] (gl_Position x y z w), the point size,
/// 8 clip and 8 cull distances, then output location L, component c at [`IO_OUT_LOCATIONS`] +
/// 4 L + c; then the fragment stage's built-ins. Each row holds one word per lane.
pub(crate) const IO_LOCATIONS: u32 = 32;
pub(crate) const IO_OUT_POSITION: u32 = 4 * IO_LOCATIONS;
pub(crate) const IO_OUT_POINT_SIZE: u32 = IO_OUT_POSITION + 4;
pub(crate) const IO_OUT_CLIP: u32 = IO_OUT_POINT_SIZE + 1;
pub(crate) const IO_OUT_CULL: u32 = IO_OUT_CLIP + 8;
pub(crate) const IO_OUT_LOCATIONS: u32 = IO_OUT_CULL + 8;
/// Fragment shaders: FragCoord x y z w, FrontFacing and HelperInvocation (0 or all ones),
/// PointCoord s t, FragDepth, and the lanes OpKill discarded (all ones).
pub(crate) const IO_IN_FRAG_COORD: u32 = IO_OUT_LOCATIONS + 4 * IO_LOCATIONS;
pub(crate) const IO_IN_FRONT_FACING: u32 = IO_IN_FRAG_COORD + 4;
pub(crate) const IO_IN_HELPER: u32 = IO_IN_FRONT_FACING + 1;
pub(crate) const IO_IN_POINT_COORD: u32 = IO_IN_HELPER + 1;
pub(crate) const IO_OUT_FRAG_DEPTH: u32 = IO_IN_POINT_COORD + 2;
pub(crate) const IO_DISCARD: u32 = IO_OUT_FRAG_DEPTH + 1;
/// Fragment shaders: output location 0 with Index 1, the second source of dual-source
/// blending.
pub(crate) const IO_OUT_SRC1: u32 = IO_DISCARD + 1;
/// Fragment shaders: SampleId, SamplePosition x y, SampleMask in, SampleMask out.
pub(crate) const IO_IN_SAMPLE_ID: u32 = IO_OUT_SRC1 + 4;
pub(crate) const IO_IN_SAMPLE_POSITION: u32 = IO_IN_SAMPLE_ID + 1;
pub(crate) const IO_IN_SAMPLE_MASK: u32 = IO_IN_SAMPLE_POSITION + 2;
pub(crate) const IO_OUT_SAMPLE_MASK: u32 = IO_IN_SAMPLE_MASK + 1;
/// Both stages: ViewIndex (multiview; 0 otherwise).
pub(crate) const IO_IN_VIEW_INDEX: u32 = IO_OUT_SAMPLE_MASK + 1;
/// Vertex shaders: BaseVertex, BaseInstance, DrawIndex (shader draw parameters).
pub(crate) const IO_IN_DRAW_PARAMS: u32 = IO_IN_VIEW_INDEX + 1;
pub(crate) const IO_ROWS: usize = (IO_IN_DRAW_PARAMS + 3) as usize;
/// Fragment shaders with InterpolateAtCentroid / AtSample / AtOffset (lower/stage.rs), rows
/// past [`IO_ROWS`] (the kernel's `io_rows` says how many): the screen-space barycentric
/// weights of the three vertices at the pixel center (not perspective-corrected), their steps
/// per pixel in x and in y, the vertices' 1/w, all ones where the three share one w (the
/// perspective-correct weights are then the plain ones), the offsets from the pixel center of
/// where centroid inputs are evaluated (x, y), and the sample locations' offsets from the
/// pixel center by sample index (x, y: lane s of the row is sample s's; zero with one
/// sample). Then, per input scalar those instructions read (`StageInfo::planes`, in order),
/// its value at vertex 0 and its differences at vertices 1 and 2 from it.
pub(crate) const IO_IN_BARY: u32 = IO_IN_DRAW_PARAMS + 3;
pub(crate) const IO_IN_BARY_DX: u32 = IO_IN_BARY + 3;
pub(crate) const IO_IN_BARY_DY: u32 = IO_IN_BARY_DX + 3;
pub(crate) const IO_IN_W_INV: u32 = IO_IN_BARY_DY + 3;
pub(crate) const IO_IN_PLAIN: u32 = IO_IN_W_INV + 3;
pub(crate) const IO_IN_CENTROID: u32 = IO_IN_PLAIN + 1;
pub(crate) const IO_IN_SAMPLE_OFFSETS: u32 = IO_IN_CENTROID + 2;
pub(crate) const IO_IN_PLANES: u32 = IO_IN_SAMPLE_OFFSETS + 2;
/// The most rows a fragment shader's calls need: a plane for every input scalar.
pub(crate) const IO_ROWS_MAX: usize = (IO_IN_PLANES + 3 * 4 * IO_LOCATIONS) as usize;

/// A subgroup's state in [`Ctx::states`] once it has run to the end.
pub(crate) const PHASE_DONE: u32 = u32::MAX;

/// Loop iterations between two checks of a dispatch's [`Watch`].
pub(crate) const FUEL: i64 = 1 << 16;

/// What may stop a running dispatch: a deadline, or the device going away.
pub struct Watch<'a> {
    pub deadline: Option<std::time::Instant>,
    pub cancelled: &'a (dyn Fn() -> bool + Sync),
}

/// The state a dispatch's invocations share for [`Watch`]: once set, every loop header returns
/// from its invocation and no further workgroup starts.
pub(crate) struct Stopper<'a> {
    pub stopped: std::sync::atomic::AtomicBool,
    pub watch: &'a Watch<'a>,
    /// The live buffer device addresses for this dispatch (shaders that use
    /// PhysicalStorageBuffer pointers; see lower/pointers.rs).
    pub addresses: Option<std::sync::Arc<crate::memory::addresses::AddressMap>>,
}

impl Stopper<'_> {
    pub fn check(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        if self.stopped.load(Relaxed) {
            return true;
        }
        let late = self
            .watch
            .deadline
            .is_some_and(|d| std::time::Instant::now() >= d);
        if late || (self.watch.cancelled)() {
            self.stopped.store(true, Relaxed);
            return true;
        }
        false
    }
}

/// Called by a loop header when the invocation's fuel runs out: refills it and says whether
/// the dispatch must stop (non-zero: the invocation returns at once).
///
/// # Safety
/// `ctx` is the live context of an invocation.
pub(crate) unsafe extern "C" fn sv_fuel(ctx: *mut Ctx) -> i32 {
    // SAFETY: live context; `stopper` outlives the dispatch that runs this invocation.
    unsafe {
        (*ctx).fuel = FUEL;
        (*(*ctx).stopper).check() as i32
    }
}

pub(crate) const CTX_SLOTS: i32 = offset_of!(Ctx, slots) as i32;
pub(crate) const CTX_PUSH: i32 = offset_of!(Ctx, push) as i32;
pub(crate) const CTX_PUSH_LEN: i32 = offset_of!(Ctx, push_len) as i32;
pub(crate) const CTX_WORKGROUP: i32 = offset_of!(Ctx, workgroup) as i32;
pub(crate) const CTX_NULL_DESC: i32 = offset_of!(Ctx, null_desc) as i32;
pub(crate) const CTX_FUEL: i32 = offset_of!(Ctx, fuel) as i32;
pub(crate) const CTX_SCRATCH: i32 = offset_of!(Ctx, scratch) as i32;
pub(crate) const CTX_ZERO: i32 = offset_of!(Ctx, zero) as i32;
pub(crate) const CTX_SINK: i32 = offset_of!(Ctx, sink) as i32;
pub(crate) const CTX_LANES: i32 = offset_of!(Ctx, lanes) as i32;
pub(crate) const CTX_RESUME: i32 = offset_of!(Ctx, resume) as i32;
pub(crate) const CTX_SPILL: i32 = offset_of!(Ctx, spill) as i32;
pub(crate) const CTX_LOCALS: i32 = offset_of!(Ctx, locals) as i32;
pub(crate) const CTX_TABLE: i32 = offset_of!(Ctx, table) as i32;
pub(crate) const CTX_STATES: i32 = offset_of!(Ctx, states) as i32;
pub(crate) const CTX_AREA: i32 = offset_of!(Ctx, area) as i32;
pub(crate) const CTX_STRIDE: i32 = offset_of!(Ctx, stride) as i32;
pub(crate) const CTX_LOCALS_OFF: i32 = offset_of!(Ctx, locals_off) as i32;
pub(crate) const CTX_BUILTINS: i32 = offset_of!(Ctx, builtins) as i32;
pub(crate) const CTX_IO: i32 = offset_of!(Ctx, io) as i32;

/// The JIT'd entry: runs one invocation.
pub(crate) type EntryFn = unsafe extern "C" fn(*mut Ctx);

// ----- texel buffers -----

/// Texel count and format info of a texel-buffer descriptor (0 texels if the format is unknown).
fn texels(d: &SlotDesc) -> (u64, Option<&'static format::FormatInfo>) {
    let info = format::info(ash::vk::Format::from_raw(d.format));
    match info {
        Some(i) if i.bytes > 0 && !d.ptr.is_null() => (d.len / i.bytes as u64, Some(i)),
        _ => (0, None),
    }
}

#[inline]
fn to_bits(t: Texel, kind: u32) -> [u32; 4] {
    match (t, kind) {
        (Texel::Float(f), 0) => f.map(f32::to_bits),
        (Texel::Uint(u), 2) | (Texel::Uint(u), 1) => u,
        (Texel::Sint(s), 1) | (Texel::Sint(s), 2) => s.map(|x| x as u32),
        // Numeric-type mismatch between format and shader (invalid use): convert the value.
        (Texel::Float(f), 1) => f.map(|x| x as i32 as u32),
        (Texel::Float(f), _) => f.map(|x| x as u32),
        (Texel::Uint(u), _) => u.map(|x| (x as f32).to_bits()),
        (Texel::Sint(s), _) => s.map(|x| (x as f32).to_bits()),
    }
}

/// OpImageFetch / OpImageRead of a buffer image: texel `coord` into `ctx.scratch` (zeros when
/// out of range).
///
/// # Safety
/// `ctx` and `desc` point to live values; `desc.ptr .. + len` is mapped memory.
pub(crate) unsafe extern "C" fn sv_texel_read(
    ctx: *mut Ctx,
    desc: *const SlotDesc,
    coord: i32,
    kind: u32,
) {
    // SAFETY: the caller passes its live context and a descriptor from the table.
    let (ctx, d) = unsafe { (&mut *ctx, &*desc) };
    ctx.scratch = [0; 4];
    let (n, info) = texels(d);
    let Some(info) = info else { return };
    let size = info.bytes as usize;
    let mut bytes = [0u8; 32];
    let Some(b) = bytes.get_mut(..size) else {
        return;
    };
    // Out of range: a zero texel through the format's conversion (robustBufferAccess2: zeros
    // with (0, 0, 1) for missing G, B, A).
    if coord >= 0 && (coord as u64) < n {
        // SAFETY: coord < n, so the texel lies inside the descriptor's range; raw copy
        // tolerates concurrent writers.
        unsafe { std::ptr::copy(d.ptr.add(coord as usize * size), b.as_mut_ptr(), size) };
    }
    ctx.scratch = to_bits(format::decode(info.format, b), kind);
}

/// OpImageWrite of a buffer image (dropped when out of range).
///
/// # Safety
/// As [`sv_texel_read`].
pub(crate) unsafe extern "C" fn sv_texel_write(
    desc: *const SlotDesc,
    coord: i32,
    kind: u32,
    a: u32,
    b: u32,
    c: u32,
    e: u32,
) {
    // SAFETY: a descriptor from the table.
    let d = unsafe { &*desc };
    let (n, info) = texels(d);
    let Some(info) = info else { return };
    if coord < 0 || coord as u64 >= n {
        return;
    }
    let v = [a, b, c, e];
    let t = match kind {
        0 => Texel::Float(v.map(f32::from_bits)),
        1 => Texel::Sint(v.map(|x| x as i32)),
        _ => Texel::Uint(v),
    };
    let size = info.bytes as usize;
    let mut bytes = [0u8; 32];
    let Some(out) = bytes.get_mut(..size) else {
        return;
    };
    format::encode(info.format, t, out);
    // SAFETY: coord < n: inside the descriptor's range.
    unsafe { std::ptr::copy(out.as_ptr(), d.ptr.add(coord as usize * size), size) };
}

/// OpImageQuerySize of a buffer image: its texel count (saturated to i32).
///
/// # Safety
/// As [`sv_texel_read`].
pub(crate) unsafe extern "C" fn sv_texel_size(desc: *const SlotDesc) -> i32 {
    // SAFETY: a descriptor from the table.
    let d = unsafe { &*desc };
    texels(d).0.min(i32::MAX as u64) as i32
}

// ----- barriers -----

/// OpControlBarrier: suspends this invocation's coroutine; the scheduler resumes it after every
/// other invocation of the workgroup reached the barrier (or finished).
///
/// # Safety
/// `ctx` is the live context of an invocation.
pub(crate) unsafe extern "C" fn sv_barrier(ctx: *mut Ctx) {
    // SAFETY: live context; `yielder` is null or the yielder of the coroutine running us.
    let y = unsafe { (*ctx).yielder };
    if !y.is_null() {
        // SAFETY: the coroutine that owns `y` is the one executing this call.
        unsafe { (*y).suspend(()) };
    }
}

// ----- math -----

macro_rules! unary {
    ($($name:ident => $f:expr),* $(,)?) => {$(
        pub(crate) extern "C" fn $name(x: f32) -> f32 { let f: fn(f32) -> f32 = $f; f(x) }
    )*};
}
unary! {
    sv_sin => f32::sin, sv_cos => f32::cos, sv_tan => f32::tan,
    sv_asin => f32::asin, sv_acos => f32::acos, sv_atan => f32::atan,
    sv_sinh => f32::sinh, sv_cosh => f32::cosh, sv_tanh => f32::tanh,
    sv_asinh => f32::asinh, sv_acosh => f32::acosh, sv_atanh => f32::atanh,
    sv_exp => f32::exp, sv_log => f32::ln, sv_exp2 => f32::exp2, sv_log2 => f32::log2,
    sv_quantize16 => |x| format::f16_to_f32(format::f32_to_f16(x)),
}
pub(crate) extern "C" fn sv_atan2(y: f32, x: f32) -> f32 {
    y.atan2(x)
}
pub(crate) extern "C" fn sv_pow(x: f32, y: f32) -> f32 {
    x.powf(y)
}
pub(crate) extern "C" fn sv_fmod(x: f32, y: f32) -> f32 {
    x % y
}
pub(crate) extern "C" fn sv_fmod64(x: f64, y: f64) -> f64 {
    x % y
}

/// `x` rounded to f32 toward zero, with the lowest bit set when inexact (round to odd): an f32
/// with 13 more bits than an f16, so rounding it to f16 then gives `x` rounded to f16 once.
pub(crate) fn f64_to_f32_odd(x: f64) -> f32 {
    let t = x as f32;
    if !t.is_finite() || t as f64 == x || t.to_bits() & 1 == 1 {
        return t;
    }
    // `t` (even) was rounded away from `x`; its neighbour toward `x` is odd.
    if (t as f64).abs() > x.abs() {
        f32::from_bits(t.to_bits() - 1)
    } else {
        f32::from_bits(t.to_bits() + 1)
    }
}

/// A 16-bit float's bits as the f32 of its value (exact).
pub(crate) extern "C" fn sv_h2f(h: u32) -> f32 {
    format::f16_to_f32(h as u16)
}
/// The bits of an f32 rounded to a 16-bit float (nearest even; overflow gives infinity).
pub(crate) extern "C" fn sv_f2h(x: f32) -> u32 {
    format::f32_to_f16(x) as u32
}
/// An f64 rounded once to a 16-bit float, as an f32.
pub(crate) extern "C" fn sv_d2h(x: f64) -> f32 {
    format::f16_to_f32(format::f32_to_f16(f64_to_f32_odd(x)))
}

/// Pack kinds of [`sv_pack`] / [`sv_unpack`].
pub(crate) const PACK_HALF2X16: u32 = 0;
pub(crate) const PACK_UNORM4X8: u32 = 1;
pub(crate) const PACK_SNORM4X8: u32 = 2;
pub(crate) const PACK_UNORM2X16: u32 = 3;
pub(crate) const PACK_SNORM2X16: u32 = 4;

/// GLSL.std.450 Pack* (GLSL spec rounding: round(clamp(c) * max)).
pub(crate) extern "C" fn sv_pack(kind: u32, a: f32, b: f32, c: f32, d: f32) -> u32 {
    let un = |x: f32, m: f32| (x.clamp(0.0, 1.0) * m).round_ties_even() as u32;
    let sn = |x: f32, m: f32| (x.clamp(-1.0, 1.0) * m).round_ties_even() as i32 as u32;
    match kind {
        PACK_HALF2X16 => format::f32_to_f16(a) as u32 | (format::f32_to_f16(b) as u32) << 16,
        PACK_UNORM4X8 => un(a, 255.0) | un(b, 255.0) << 8 | un(c, 255.0) << 16 | un(d, 255.0) << 24,
        PACK_SNORM4X8 => {
            (sn(a, 127.0) & 0xff)
                | (sn(b, 127.0) & 0xff) << 8
                | (sn(c, 127.0) & 0xff) << 16
                | (sn(d, 127.0) & 0xff) << 24
        }
        PACK_UNORM2X16 => un(a, 65535.0) | un(b, 65535.0) << 16,
        _ => (sn(a, 32767.0) & 0xffff) | (sn(b, 32767.0) & 0xffff) << 16,
    }
}

/// GLSL.std.450 Unpack*: components (f32 bits) into `ctx.scratch`.
///
/// # Safety
/// `ctx` is a live context.
pub(crate) unsafe extern "C" fn sv_unpack(ctx: *mut Ctx, kind: u32, x: u32) {
    let b = |s: u32| (x >> s) as u8;
    let un8 = |s: u32| b(s) as f32 / 255.0;
    let sn8 = |s: u32| (b(s) as i8 as f32 / 127.0).max(-1.0);
    let h = |s: u32| (x >> s) as u16;
    let v: [f32; 4] = match kind {
        PACK_HALF2X16 => [
            format::f16_to_f32(h(0)),
            format::f16_to_f32(h(16)),
            0.0,
            0.0,
        ],
        PACK_UNORM4X8 => [un8(0), un8(8), un8(16), un8(24)],
        PACK_SNORM4X8 => [sn8(0), sn8(8), sn8(16), sn8(24)],
        PACK_UNORM2X16 => [h(0) as f32 / 65535.0, h(16) as f32 / 65535.0, 0.0, 0.0],
        _ => [
            (h(0) as i16 as f32 / 32767.0).max(-1.0),
            (h(16) as i16 as f32 / 32767.0).max(-1.0),
            0.0,
            0.0,
        ],
    };
    // SAFETY: live context.
    unsafe { (*ctx).scratch = v.map(f32::to_bits) };
}

/// Symbols JIT'd code may import, by name.
pub(crate) fn symbols() -> Vec<(&'static str, *const u8)> {
    let mut v = images::symbols().to_vec();
    v.extend(sampling::symbols());
    v.extend([
        ("sv_texel_read", sv_texel_read as *const u8),
        ("sv_texel_write", sv_texel_write as *const u8),
        ("sv_texel_size", sv_texel_size as *const u8),
        ("sv_barrier", sv_barrier as *const u8),
        ("sv_fuel", sv_fuel as *const u8),
        ("sv_sin", sv_sin as *const u8),
        ("sv_cos", sv_cos as *const u8),
        ("sv_tan", sv_tan as *const u8),
        ("sv_asin", sv_asin as *const u8),
        ("sv_acos", sv_acos as *const u8),
        ("sv_atan", sv_atan as *const u8),
        ("sv_sinh", sv_sinh as *const u8),
        ("sv_cosh", sv_cosh as *const u8),
        ("sv_tanh", sv_tanh as *const u8),
        ("sv_asinh", sv_asinh as *const u8),
        ("sv_acosh", sv_acosh as *const u8),
        ("sv_atanh", sv_atanh as *const u8),
        ("sv_exp", sv_exp as *const u8),
        ("sv_log", sv_log as *const u8),
        ("sv_exp2", sv_exp2 as *const u8),
        ("sv_log2", sv_log2 as *const u8),
        ("sv_quantize16", sv_quantize16 as *const u8),
        ("sv_atan2", sv_atan2 as *const u8),
        ("sv_pow", sv_pow as *const u8),
        ("sv_fmod", sv_fmod as *const u8),
        ("sv_fmod64", sv_fmod64 as *const u8),
        ("sv_h2f", sv_h2f as *const u8),
        ("sv_f2h", sv_f2h as *const u8),
        ("sv_d2h", sv_d2h as *const u8),
        ("sv_pack", sv_pack as *const u8),
        ("sv_unpack", sv_unpack as *const u8),
    ]);
    v
}

// ----- running workgroups -----

/// What the dispatch loop needs to know about a compiled kernel.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RunInfo {
    pub entry: EntryFn,
    pub local_size: [u32; 3],
    pub workgroup_bytes: usize,
    /// Initial workgroup memory (`workgroup_init_len` bytes, at most `workgroup_bytes`; 0:
    /// all zero), owned by the kernel.
    pub workgroup_init: *const u8,
    pub workgroup_init_len: usize,
    pub barriers: bool,
    /// Stack each coroutine gets (shaders with large function memory run on coroutines too).
    pub stack_bytes: usize,
    pub use_coroutines: bool,
    /// The shader dereferences buffer device addresses (the dispatch needs an address map).
    pub device_addresses: bool,
    /// Invocations one call of `entry` runs (1, or 4 for the SoA backend).
    pub lanes: usize,
    /// Barriers split the shader into phases: each call runs a subgroup to its next barrier
    /// (or the end), saving its state in `spill_bytes` bytes; function/private memory is
    /// `locals_bytes` per subgroup.
    pub split: bool,
    pub spill_bytes: usize,
    pub locals_bytes: usize,
    /// The code loops over the workgroup's subgroups itself (one call per workgroup), taking
    /// each subgroup's lane rows from `table` (see [`lane_table`]).
    pub looped: bool,
    pub table: *const [[u32; 4]; 8],
}

/// The lane rows of every subgroup of a workgroup of `local` invocations (global ids as for
/// workgroup 0): what [`Ctx::lanes`] holds for that subgroup.
pub(crate) fn lane_table(local: [u32; 3]) -> Vec<[[u32; 4]; 8]> {
    let [sx, sy, sz] = local;
    let n = sx * sy * sz;
    let mut out = Vec::with_capacity(n.div_ceil(4) as usize);
    for first in (0..n).step_by(4) {
        // Per lane: (local id, local index, live); a lane past the end repeats lane 0.
        let lane = |l: u32| {
            let i = first + l;
            let live = i < n;
            let j = if live { i } else { first };
            ([j % sx, (j / sx) % sy, j / (sx * sy)], j, live)
        };
        let lanes: [([u32; 3], u32, bool); 4] = std::array::from_fn(|l| lane(l as u32));
        let mut rows = [[0u32; 4]; 8];
        for (k, row) in rows.iter_mut().enumerate().take(6) {
            *row = lanes.map(|(ids, _, _)| ids[k % 3]);
        }
        rows[6] = lanes.map(|(_, j, _)| j);
        rows[7] = lanes.map(|(_, _, live)| if live { u32::MAX } else { 0 });
        out.push(rows);
    }
    out
}

thread_local! {
    static STACKS: RefCell<Vec<DefaultStack>> = const { RefCell::new(Vec::new()) };
    /// Phases: the subgroups' spill and local areas, resume points and first local ids.
    #[allow(clippy::type_complexity)]
    static PHASES: RefCell<(Vec<u128>, Vec<u32>, Vec<[u32; 3]>)> =
        const { RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
}

/// The per-subgroup areas of a split workgroup in `area` (u128 words: 16-byte aligned):
/// `count` times `spill` bytes of saved state then `locals` bytes of function/private memory.
/// The locals start zeroed (private memory does); the saved state is always written by a
/// barrier before it is read, so it is left as it is (no clearing per workgroup).
fn prepare_area(area: &mut Vec<u128>, count: usize, spill: usize, locals: usize) {
    let stride = spill + locals;
    let words = (count * stride).div_ceil(16);
    if area.len() < words {
        area.resize(words, 0);
    }
    if locals > 0 {
        for k in 0..count {
            let at = (k * stride + spill) / 16;
            area[at..at + locals / 16].fill(0);
        }
    }
}

fn take_stack(size: usize) -> DefaultStack {
    let reuse = STACKS.with(|s| {
        let mut s = s.borrow_mut();
        let i = s.iter().position(|st| stack_size(st) >= size)?;
        Some(s.swap_remove(i))
    });
    reuse.unwrap_or_else(|| {
        DefaultStack::new(size).unwrap_or_else(|e| {
            // Out of address space for a coroutine stack: nothing sensible can run.
            panic!("softvk: cannot allocate a {size}-byte shader stack: {e}")
        })
    })
}

fn stack_size(s: &DefaultStack) -> usize {
    use corosensei::stack::Stack;
    s.base().get() - s.limit().get()
}

fn give_stack(s: DefaultStack) {
    STACKS.with(|st| {
        let mut st = st.borrow_mut();
        if st.len() < 1100 {
            st.push(s);
        }
    });
}

/// A context for one call of a kernel: ids of workgroup `wg` of `num`, nothing resumed.
#[allow(clippy::too_many_arguments)]
fn new_ctx(
    info: &RunInfo,
    slots: &[SlotDesc],
    push: &[u8],
    shared: *mut u8,
    wg: [u32; 3],
    num: [u32; 3],
    stopper: *const Stopper<'static>,
) -> Ctx {
    Ctx {
        builtins: {
            let mut b = [0u32; 20];
            b[6..9].copy_from_slice(&wg);
            b[9..12].copy_from_slice(&num);
            b[13..16].copy_from_slice(&info.local_size);
            let lanes = info.lanes.max(1) as u32;
            b[16] = lanes; // SubgroupSize
            b[18] = info.local_size.iter().product::<u32>().div_ceil(lanes); // NumSubgroups
            b
        },
        slots: slots.as_ptr(),
        push: push.as_ptr(),
        push_len: push.len() as u64,
        workgroup: shared,
        null_desc: SlotDesc::NULL,
        yielder: std::ptr::null(),
        scratch: [0; 4],
        zero: [0; 16],
        sink: [0; 16],
        fuel: FUEL,
        stopper,
        lanes: [[0; 4]; 8],
        resume: 0,
        spill: std::ptr::null_mut(),
        locals: std::ptr::null_mut(),
        table: info.table,
        states: std::ptr::null_mut(),
        area: std::ptr::null_mut(),
        stride: 0,
        locals_off: 0,
        io: std::ptr::null_mut(),
    }
}

/// Graphics stages (lower/stage.rs): calls of `info.entry` with the same slots, push constants
/// and stopper, each for a subgroup whose lane rows (built-ins such as VertexIndex, and the
/// lane mask) and interface rows (at least [`IO_ROWS`]) it is given. The context is built
/// once; only its per-call fields change between calls.
pub(crate) struct StageCalls<'a> {
    info: &'a RunInfo,
    ctx: Ctx,
    /// The interface rows the code may touch (at least [`IO_ROWS`]; more for fragment
    /// shaders with interpolation planes).
    io_rows: usize,
    _borrow: std::marker::PhantomData<(&'a [SlotDesc], &'a [u8], &'a Stopper<'a>)>,
}

impl<'a> StageCalls<'a> {
    pub(crate) fn new(
        info: &'a RunInfo,
        slots: &'a [SlotDesc],
        push: &'a [u8],
        stopper: &'a Stopper<'_>,
    ) -> StageCalls<'a> {
        // The context stores it without a lifetime; it outlives every call (borrowed for 'a).
        let stopper: *const Stopper<'static> = (stopper as *const Stopper<'_>).cast();
        StageCalls {
            info,
            ctx: new_ctx(
                info,
                slots,
                push,
                std::ptr::null_mut(),
                [0; 3],
                [1; 3],
                stopper,
            ),
            io_rows: IO_ROWS,
            _borrow: std::marker::PhantomData,
        }
    }

    /// Calls whose code touches `n` interface rows (from [`IO_ROWS`] to [`IO_ROWS_MAX`]).
    pub(crate) fn with_rows(mut self, n: usize) -> Self {
        self.io_rows = n.clamp(IO_ROWS, IO_ROWS_MAX);
        self
    }

    /// One call for a subgroup whose lane rows are `lanes`, with interface rows `io`.
    #[inline]
    pub(crate) fn call(&mut self, lanes: [[u32; 4]; 8], io: &mut [[u32; 4]]) {
        self.ctx.lanes = lanes;
        self.call_rows(io);
    }

    /// One call whose lane row `row` is `lane` (for code that reads no other lane row:
    /// fragment shaders read the mask row alone), with interface rows `io`.
    #[inline]
    pub(crate) fn call_with(&mut self, row: usize, lane: [u32; 4], io: &mut [[u32; 4]]) {
        self.ctx.lanes[row] = lane;
        self.call_rows(io);
    }

    #[inline(always)]
    fn call_rows(&mut self, io: &mut [[u32; 4]]) {
        assert!(io.len() >= self.io_rows, "interface rows");
        let ctx = &mut self.ctx;
        ctx.fuel = FUEL;
        ctx.resume = 0;
        ctx.io = io.as_mut_ptr();
        // SAFETY: the context points to live slots, push constants and stopper (borrowed for
        // 'a) and to interface rows for the call; the code reads and writes rows below
        // `io_rows` only (lower/stage.rs: the kernel's planes decide how many).
        unsafe { (self.info.entry)(ctx) };
    }
}

/// Runs workgroup `wg` (its WorkgroupId) with `num` = NumWorkgroups.
pub(crate) fn run_workgroup(
    info: &RunInfo,
    slots: &[SlotDesc],
    push: &[u8],
    wg: [u32; 3],
    num: [u32; 3],
    stopper: &Stopper<'_>,
) {
    if stopper.stopped.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    // The context stores it without a lifetime; it outlives every invocation of this call.
    let stopper: *const Stopper<'static> = (stopper as *const Stopper<'_>).cast();
    let [sx, sy, sz] = info.local_size;
    // u64 words: 8-byte aligned shared memory, zeroed for each workgroup.
    let mut shared = vec![0u64; info.workgroup_bytes.div_ceil(8)];
    if info.workgroup_init_len > 0 {
        // SAFETY: the kernel owns `workgroup_init_len` bytes at `workgroup_init` for as long as
        // a dispatch runs; `shared` holds at least `workgroup_bytes` >= that many bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(
                info.workgroup_init,
                shared.as_mut_ptr() as *mut u8,
                info.workgroup_init_len.min(info.workgroup_bytes),
            );
        }
    }
    let make_ctx = |shared: *mut u8| new_ctx(info, slots, push, shared, wg, num, stopper);
    let n = sx * sy * sz;
    let next = |l: &mut [u32; 3]| {
        l[0] += 1;
        if l[0] == sx {
            l[0] = 0;
            l[1] += 1;
            if l[1] == sy {
                l[1] = 0;
                l[2] += 1;
            }
        }
    };
    let global = |l: [u32; 3]| -> [u32; 3] {
        std::array::from_fn(|k| wg[k].wrapping_mul(info.local_size[k]).wrapping_add(l[k]))
    };
    // Invocation `first`, whose local id is `local` (and, for the SoA backend, the lanes after
    // it) into `ctx`; returns the local id of the invocation after the last one set.
    let set_ids = |ctx: &mut Ctx, first: u32, mut local: [u32; 3]| -> [u32; 3] {
        let g = global(local);
        ctx.builtins[0..3].copy_from_slice(&g);
        ctx.builtins[3..6].copy_from_slice(&local);
        ctx.builtins[12] = first;
        ctx.builtins[19] = first / info.lanes.max(1) as u32; // SubgroupId
        if info.lanes <= 1 {
            next(&mut local);
            return local;
        }
        if local[0] + 4 <= sx && first + 4 <= n {
            // Four lanes along one row (the common case): x counts up, the rest is shared.
            let step = [0u32, 1, 2, 3];
            ctx.lanes[0] = step.map(|d| g[0].wrapping_add(d));
            ctx.lanes[1] = [g[1]; 4];
            ctx.lanes[2] = [g[2]; 4];
            ctx.lanes[3] = step.map(|d| local[0] + d);
            ctx.lanes[4] = [local[1]; 4];
            ctx.lanes[5] = [local[2]; 4];
            ctx.lanes[6] = step.map(|d| first + d);
            ctx.lanes[7] = [u32::MAX; 4];
            local[0] += 3;
            next(&mut local);
            return local;
        }
        let (g0, l0) = (g, local);
        for l in 0..4usize {
            let i = first + l as u32;
            let live = i < n;
            let (gl, ll) = if live {
                (global(local), local)
            } else {
                (g0, l0)
            };
            for k in 0..3 {
                ctx.lanes[k][l] = gl[k];
                ctx.lanes[3 + k][l] = ll[k];
            }
            ctx.lanes[6][l] = if live { i } else { first };
            ctx.lanes[7][l] = if live { u32::MAX } else { 0 };
            if live {
                next(&mut local);
            }
        }
        local
    };
    let step = info.lanes.max(1) as u32;
    let shared_ptr = shared.as_mut_ptr() as *mut u8;
    if info.split && info.looped && !info.use_coroutines {
        // The phase loop: each call runs every unfinished subgroup of the workgroup to its
        // next barrier (or the end), in subgroup order, and records where each one stopped in
        // `states`; the calls repeat until every subgroup is done.
        let count = n.div_ceil(step) as usize;
        let spill = info.spill_bytes.next_multiple_of(16);
        let locals = info.locals_bytes.next_multiple_of(16);
        PHASES.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let (area, states, _) = &mut *scratch;
            prepare_area(area, count, spill, locals);
            states.clear();
            states.resize(count, 0);
            let mut ctx = make_ctx(shared_ptr);
            ctx.area = area.as_mut_ptr() as *mut u8;
            ctx.stride = (spill + locals) as u64;
            ctx.locals_off = spill as u64;
            ctx.states = states.as_mut_ptr();
            loop {
                // SAFETY: as for the plain loop below; `area` holds count * stride bytes and
                // `states` count entries, one per subgroup of the kernel's `table`, and both
                // outlive the call.
                unsafe { (info.entry)(&mut ctx) };
                if states.iter().all(|s| *s == PHASE_DONE) {
                    break;
                }
                // SAFETY: `stopper` outlives this call.
                if unsafe {
                    (*stopper)
                        .stopped
                        .load(std::sync::atomic::Ordering::Relaxed)
                } {
                    break;
                }
            }
        });
        return;
    }
    if info.split && !info.use_coroutines {
        // Phases: every unfinished subgroup runs to its next barrier, then the next phase
        // starts; a subgroup is done when its call returns with `resume` 0. One context
        // serves every subgroup (ids, resume point and areas set before each call); the
        // per-subgroup state lives in a per-thread scratch area reused across workgroups.
        let count = n.div_ceil(step) as usize;
        let spill = info.spill_bytes.next_multiple_of(16);
        let locals = info.locals_bytes.next_multiple_of(16);
        PHASES.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let (area, resume, starts) = &mut *scratch;
            prepare_area(area, count, spill, locals);
            resume.clear();
            resume.resize(count, 0);
            starts.clear();
            let mut local = [0; 3];
            for _ in 0..count {
                starts.push(local);
                for _ in 0..step {
                    next(&mut local);
                }
            }
            let base = area.as_mut_ptr() as *mut u8;
            let mut ctx = make_ctx(shared_ptr);
            let mut left = count;
            let mut first_phase = true;
            while left > 0 {
                for (i, r) in resume.iter_mut().enumerate() {
                    if *r == 0 && !first_phase {
                        continue;
                    }
                    set_ids(&mut ctx, i as u32 * step, starts[i]);
                    ctx.resume = *r;
                    // SAFETY: offsets within `area`, which holds count * (spill + locals)
                    // bytes and outlives the call; otherwise as for the plain loop below.
                    unsafe {
                        ctx.spill = base.add(i * (spill + locals));
                        ctx.locals = base.add(i * (spill + locals) + spill);
                        (info.entry)(&mut ctx);
                    }
                    *r = ctx.resume;
                    if *r == 0 {
                        left -= 1;
                    }
                }
                first_phase = false;
                // SAFETY: `stopper` outlives this call.
                if unsafe {
                    (*stopper)
                        .stopped
                        .load(std::sync::atomic::Ordering::Relaxed)
                } {
                    break;
                }
            }
        });
        return;
    }
    if info.looped {
        // The code runs every subgroup of the workgroup in one call; on a coroutine with a
        // stack of the shader's size when its function memory is large.
        let mut ctx = make_ctx(shared_ptr);
        if !info.use_coroutines {
            // SAFETY: as for the plain loop below; `table` is the kernel's, one entry per
            // subgroup of this local size.
            unsafe { (info.entry)(&mut ctx) };
            return;
        }
        let p = &mut ctx as *mut Ctx as usize;
        let entry = info.entry;
        let mut co = Coroutine::with_stack(
            take_stack(info.stack_bytes),
            move |_: &Yielder<(), ()>, ()| {
                // SAFETY: `ctx` outlives the coroutine, which completes below; the code has
                // no barriers, so it never suspends.
                unsafe { entry(p as *mut Ctx) };
            },
        );
        while let CoroutineResult::Yield(()) = co.resume(()) {}
        give_stack(co.into_stack());
        return;
    }
    if !info.use_coroutines {
        let mut ctx = make_ctx(shared_ptr);
        let mut local = [0; 3];
        for first in (0..n).step_by(step as usize) {
            local = set_ids(&mut ctx, first, local);
            // SAFETY: `entry` is JIT'd code compiled for this context layout; `ctx`,
            // the slot table, push constants and shared memory outlive the call.
            unsafe { (info.entry)(&mut ctx) };
        }
        return;
    }
    // One coroutine per invocation (per subgroup for the SoA backend), resumed round-robin:
    // a barrier suspends it, so none passes a barrier before every other one reached it (or
    // finished).
    let count = n.div_ceil(step) as usize;
    let mut ctxs: Vec<Ctx> = (0..count).map(|_| make_ctx(shared_ptr)).collect();
    let mut local = [0; 3];
    for (i, ctx) in ctxs.iter_mut().enumerate() {
        local = set_ids(ctx, i as u32 * step, local);
    }
    let entry = info.entry;
    let mut coros: Vec<Option<Coroutine<(), (), (), DefaultStack>>> = ctxs
        .iter_mut()
        .map(|ctx| {
            let p = ctx as *mut Ctx as usize;
            Some(Coroutine::with_stack(
                take_stack(info.stack_bytes),
                move |y: &Yielder<(), ()>, ()| {
                    let ctx = p as *mut Ctx;
                    // SAFETY: `ctx` outlives every coroutine (they all complete below, before
                    // `ctxs` is dropped); the yielder lives as long as this closure runs.
                    unsafe {
                        (*ctx).yielder = y;
                        entry(ctx);
                        (*ctx).yielder = std::ptr::null();
                    }
                },
            ))
        })
        .collect();
    let mut live = count;
    while live > 0 {
        for slot in coros.iter_mut() {
            let Some(co) = slot else { continue };
            if let CoroutineResult::Return(()) = co.resume(()) {
                if let Some(co) = slot.take() {
                    give_stack(co.into_stack());
                }
                live -= 1;
            }
        }
    }
    drop(coros);
    drop(ctxs);
    drop(shared);
}
