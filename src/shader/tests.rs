//! Shader tests are data plus expectations (DESIGN rule 12): `shaders/compute/NAME.comp` with
//! its compiled `NAME.spv` and `NAME.test`, which says what to bind, what to dispatch and what
//! the buffers must hold afterwards.
//!
//! `.test` format, one directive per line (`#` starts a comment):
//!
//! ```text
//! shader OTHER                     # use OTHER.spv instead of NAME.spv
//! entry main                       # entry point (default "main")
//! groups X Y Z                     # vkCmdDispatch size (default 1 1 1)
//! base X Y Z                       # vkCmdDispatchBase base (default 0 0 0)
//! spec ID VALUES                   # specialization constant (the bytes of VALUES)
//! push VALUES                      # push-constant bytes
//! address N [OFFSET]               # then the 8-byte device address of slot N's data (+OFFSET)
//! binding SET BINDING KIND COUNT FIRST_SLOT    # KIND: ubo ssbo utb stb si
//! slot N buffer VALUES             # a buffer initialised with VALUES
//! slot N texel FORMAT VALUES       # a texel buffer (FORMAT without VK_FORMAT_)
//! slot N none                      # Resource::None
//! expect N VALUES                  # slot N must start with these bytes afterwards
//! error TEXT                       # parse or compile must fail with a message containing TEXT
//! ```
//!
//! VALUES are tokens; a type tag (`u64 i64 f64 u32 i32 f32 u16 i16 u8 i8`) applies to the numbers after
//! it (default u32); `zero:N` adds N zero bytes; `*` (in expectations) matches any word. Every buffer is surrounded by guard bytes
//! that must be unchanged after the dispatch (out-of-range stores are dropped).

use super::*;
use crate::memory::{DeviceMemory, Heap};
use std::path::PathBuf;
use std::sync::Arc;

const GUARD: usize = 256;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("shaders/compute")
}

pub(super) fn words(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// The .test parser, shared with the loader tests (tests/tests/corpus.rs).
#[path = "../../tests/src/case.rs"]
mod case;
use case::WILD;

enum SlotInit {
    None,
    Buffer(Vec<u8>),
    Texel(ash::vk::Format, Vec<u8>),
}

struct Case {
    entry: String,
    groups: [u32; 3],
    base: [u32; 3],
    spec: SpecConstants,
    push: Vec<u8>,
    iface: PipelineInterface,
    slots: Vec<(usize, SlotInit)>,
    expects: Vec<(usize, Vec<u8>)>,
    error: Option<String>,
    shader: Option<String>,
    /// `address` directives: (slot, byte offset), appended to the push constants in order.
    addresses: Vec<(usize, u64)>,
}

fn format_named(name: &str) -> ash::vk::Format {
    crate::format::all()
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("unknown format {name}"))
        .format
}

fn parse_case(text: &str) -> Case {
    let f = case::parse(text);
    let bindings = f
        .bindings
        .iter()
        .map(|b| BindingLayout {
            set: b.set,
            binding: b.binding,
            kind: match b.kind {
                case::Kind::UniformBuffer => DescriptorKind::UniformBuffer,
                case::Kind::StorageBuffer => DescriptorKind::StorageBuffer,
                case::Kind::UniformTexelBuffer => DescriptorKind::UniformTexelBuffer,
                case::Kind::StorageTexelBuffer => DescriptorKind::StorageTexelBuffer,
                case::Kind::StorageImage => DescriptorKind::StorageImage,
            },
            count: b.count,
            first_slot: b.first_slot,
        })
        .collect();
    Case {
        iface: PipelineInterface {
            bindings,
            push_constant_bytes: (f.push.len() + 8 * f.addresses.len()) as u32,
        },
        spec: SpecConstants {
            values: f.spec.into_iter().collect(),
        },
        slots: f
            .slots
            .into_iter()
            .map(|(i, s)| {
                let init = match s {
                    case::Slot::None => SlotInit::None,
                    case::Slot::Buffer(d) => SlotInit::Buffer(d),
                    case::Slot::Texel(name, d) => SlotInit::Texel(format_named(&name), d),
                };
                (i, init)
            })
            .collect(),
        entry: f.entry,
        groups: f.groups,
        base: f.base,
        push: f.push,
        expects: f.expects,
        error: f.error,
        shader: f.shader,
        addresses: f.addresses,
    }
}

fn load_module(name: &str) -> Result<Module, ShaderError> {
    let bytes = std::fs::read(dir().join(format!("{name}.spv")))
        .unwrap_or_else(|e| panic!("{name}.spv: {e}"));
    Module::parse(&words(&bytes))
}

/// Cases with subgroup operations or built-ins: only the SoA backend runs them (its subgroups
/// are the 4 invocations the device reports); the scalar backend must refuse them.
/// Cases the SoA backend declines (variable pointers merged by OpPhi, returned by functions or
/// held in variables), which the default backend runs on the scalar one.
const SCALAR_ONLY_CASES: &[&str] = &["variable_pointers"];

const SUBGROUP_CASES: &[&str] = &[
    "bench_reduce",
    "float64_memory",
    "int16_memory",
    "int8_subgroup",
    "int64_subgroup",
    "subgroup_declined",
    "subgroup_ops",
    "subgroup_small",
    "subgroup_types",
];

thread_local! {
    /// Cases dispatch the kernel read back from its encoded binary (cached.rs tests).
    pub(super) static RELOAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `shaders/compute/NAME.{spv,test}` on the scalar backend and on the default one (the
/// SoA backend, which must take every case); panics with every mismatch. The scalar backend
/// must refuse the [`SUBGROUP_CASES`].
pub(super) fn run_case(name: &str) {
    for backend in [Backend::Scalar, Backend::Auto] {
        BACKEND.with(|b| b.set(Some(backend)));
        if backend == Backend::Scalar && SUBGROUP_CASES.contains(&name) {
            scalar_refuses(name);
        } else {
            run_case_with(name, None);
        }
        BACKEND.with(|b| b.set(None));
    }
}

/// The scalar backend refuses a case with subgroup operations (it would run subgroups of one).
fn scalar_refuses(name: &str) {
    let text = std::fs::read_to_string(dir().join(format!("{name}.test")))
        .unwrap_or_else(|e| panic!("{name}.test: {e}"));
    let c = parse_case(&text);
    let module = load_module(c.shader.as_deref().unwrap_or(name)).expect("parses");
    match compile_compute(&module, &c.entry, &c.spec, &c.iface) {
        Err(e) => assert!(
            e.message.contains("subgroup"),
            "{name}: the scalar backend's error does not name subgroups: {}",
            e.message
        ),
        Ok(_) => panic!("{name}: the scalar backend ran subgroup operations"),
    }
}

/// [`run_case`] with the shader's words replaced by `words` (a mutated module).
fn run_case_with(name: &str, words: Option<&[u32]>) {
    let text = std::fs::read_to_string(dir().join(format!("{name}.test")))
        .unwrap_or_else(|e| panic!("{name}.test: {e}"));
    let c = parse_case(&text);
    let module = match words {
        Some(w) => Module::parse(w),
        None => load_module(c.shader.as_deref().unwrap_or(name)),
    };
    let kernel = module.and_then(|m| compile_compute(&m, &c.entry, &c.spec, &c.iface));
    if let Some(want) = &c.error {
        match kernel {
            Err(e) => assert!(
                e.message.contains(want.as_str()),
                "{name}: error \"{}\" does not mention \"{want}\"",
                e.message
            ),
            Ok(_) => panic!("{name}: compiled, but \"{want}\" was expected"),
        }
        return;
    }
    let mut kernel = kernel.unwrap_or_else(|e| panic!("{name}: {e}"));
    if RELOAD.with(|r| r.get()) {
        kernel = super::cached::tests::reload(&kernel, &c.iface);
    }
    if words.is_none() && backend() == Backend::Auto && SCALAR_ONLY_CASES.contains(&name) {
        // What the SoA backend declines on purpose: the scalar backend runs it, and says why.
        let (lanes, why) = kernel.backend();
        assert_eq!(lanes, 1, "{name}: expected the scalar backend");
        assert!(why.is_some_and(|w| w.contains("SoA")), "{name}: {why:?}");
    } else if words.is_none() && backend() == Backend::Auto {
        let (lanes, why) = kernel.backend();
        if kernel.has_barriers() {
            assert!(kernel.phases(), "{name}: barriers without phases");
        }
        // Without private variables, one call runs every subgroup (per phase).
        if [
            "phases",
            "shared",
            "big_barrier",
            "bench_reduce",
            "wgsl_scan",
        ]
        .contains(&name)
        {
            assert!(kernel.subgroup_loop(), "{name}: one call per subgroup");
        }
        assert_eq!(lanes, 4, "{name}: the SoA backend declined it: {why:?}");
    }

    let heap = Arc::new(Heap::new(1 << 30));
    let n_slots = c.slots.iter().map(|(i, _)| i + 1).max().unwrap_or(0);
    // (memory, data length, format) per slot.
    type Slot = (Arc<DeviceMemory>, usize, Option<ash::vk::Format>);
    let mut mems: Vec<Option<Slot>> = (0..n_slots).map(|_| None).collect();
    for (i, init) in &c.slots {
        let (data, format) = match init {
            SlotInit::None => continue,
            SlotInit::Buffer(d) => (d, None),
            SlotInit::Texel(f, d) => (d, Some(*f)),
        };
        let size = data.len() + 2 * GUARD;
        let m = Arc::new(DeviceMemory::allocate(&heap, size as u64, 0, None).expect("allocate"));
        let s = m.span(0, size as u64).expect("span");
        s.fill(&[0xA5]);
        s.write(GUARD, data);
        mems[*i] = Some((m, data.len(), format));
    }
    let resources: Vec<Resource<'_>> = mems
        .iter()
        .map(|m| match m {
            None => Resource::None,
            Some((m, len, fmt)) => {
                let span = m.span(GUARD as u64, *len as u64).expect("span");
                match fmt {
                    None => Resource::Buffer(span),
                    Some(format) => Resource::TexelBuffer {
                        span,
                        format: *format,
                    },
                }
            }
        })
        .collect();
    // Device addresses: each named slot's data (not its guard bytes) is a live buffer.
    let mut push = c.push.clone();
    let mut keys = Vec::new();
    for &(slot, offset) in &c.addresses {
        let Some(Some((m, len, _))) = mems.get(slot) else {
            panic!("{name}: address of slot {slot}, which has no memory");
        };
        let key = crate::memory::addresses::register(m.clone(), GUARD as u64, *len as u64)
            .expect("register");
        keys.push(key);
        let addr = m.host_address(GUARD as u64).expect("address") as u64 + offset;
        push.extend(addr.to_le_bytes());
    }
    kernel.dispatch(&resources, &push, c.base, c.groups);
    for k in keys {
        crate::memory::addresses::unregister(k);
    }

    let mut failures = Vec::new();
    for (i, m) in mems.iter().enumerate() {
        let Some((m, len, _)) = m else { continue };
        let mut all = vec![0u8; len + 2 * GUARD];
        m.span(0, all.len() as u64).expect("span").read(0, &mut all);
        if all[..GUARD]
            .iter()
            .chain(&all[GUARD + len..])
            .any(|b| *b != 0xA5)
        {
            failures.push(format!(
                "slot {i}: guard bytes around the buffer were overwritten"
            ));
        }
    }
    for (i, want) in &c.expects {
        let Some(Some((m, len, _))) = mems.get(*i) else {
            failures.push(format!("expect on slot {i}, which has no memory"));
            continue;
        };
        let mut got = vec![0u8; *len];
        m.span(GUARD as u64, *len as u64)
            .expect("span")
            .read(0, &mut got);
        if got.len() < want.len() {
            failures.push(format!("slot {i}: expectation longer than the buffer"));
            continue;
        }
        for (w, (g, e)) in got.chunks(4).zip(want.chunks(4)).enumerate() {
            if g[..e.len()] != *e && e != WILD {
                failures.push(format!(
                    "slot {i} word {w}: got {:02x?} (u32 {} / i32 {} / f32 {}), want {:02x?}",
                    &g[..e.len()],
                    u32::from_le_bytes(pad4(g)),
                    u32::from_le_bytes(pad4(g)) as i32,
                    f32::from_le_bytes(pad4(g)),
                    e
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

fn pad4(b: &[u8]) -> [u8; 4] {
    let mut w = [0u8; 4];
    for (d, s) in w.iter_mut().zip(b) {
        *d = *s;
    }
    w
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { run_case(stringify!($name)); })*
        pub(super) const CASES: &[&str] = &[$(stringify!($name)),*];
    };
}

cases! {
    empty,
    arith,
    contraction,
    control,
    divergence,
    big_local,
    big_barrier,
    float_atomics,
    phases,
    phases_opt,
    calls,
    calls_opt,
    divergence_opt,
    early_exit_opt,
    seq_access_opt,
    control_opt,
    arith_opt,
    builtins_opt,
    layout_opt,
    shared_opt,
    atomics_opt,
    glsl_opt,
    frexp_barrier_opt,
    memory_model_opt,
    determinism_opt,
    workgroup_init_opt,
    float16_arith_opt,
    float64_arith_opt,
    int64_arith_opt,
    early_exit,
    seq_access,
    scalar_layout,
    layout,
    // Storage images (the loader tests in tests/tests/storage_image.rs bind real ones).
    storage_image_none,
    storage_image_mismatch,
    refuse_storage_ms,
    builtins,
    spec,
    texel,
    robust,
    shared,
    atomics,
    glsl,
    spec_default,
    refuse_geometry,
    int64_atomics,
    int64_subgroup,
    int8_arith,
    int8_arith_opt,
    int8_subgroup,
    wgsl_scan,
    wgsl_control,
    wgsl_control_opt,
    variable_pointers,
    variable_pointers_select,
    int16_arith,
    int16_memory,
    float16_arith,
    dot_widths,
    int64_arith,
    float64_arith,
    float64_convert,
    float64_glsl,
    float64_memory,
    float64_ext,
    refuse_float64_rtz,
    refuse_float16_rtz,
    int64_bits,
    int64_convert,
    int64_memory,
    int64_ext,
    int64_ext_switch,
    rowmajor,
    frexp_barrier,
    debuginfo,
    undef_empty,
    undef_types,
    float_controls,
    refuse_rtz,
    refuse_ftz,
    fragment_module,
    refuse_fragment,
    bench_reduce,
    subgroup_declined,
    subgroup_ops,
    subgroup_small,
    subgroup_types,
    dot_product,
    dot_product_sat_high,
    dot_product_sat_low,
    dot_product_sat_neg,
    workgroup_init,
    memory_model,
    uniform_layout,
    refuse_shared_size,
    refuse_function_size,
    refuse_layout,
    refuse_missing,
    refuse_entry,
    determinism,
    pointers,
    ptr_chain,
    ptr_int64,
}

#[test]
fn every_case_file_is_listed() {
    let mut missing = Vec::new();
    for e in std::fs::read_dir(dir()).expect("shaders/compute") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "test") {
            let stem = p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            if !CASES.contains(&stem.as_str()) {
                missing.push(stem);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "cases not listed in tests.rs: {missing:?}"
    );
}

fn kernel_of(name: &str, iface: &PipelineInterface) -> ComputeKernel {
    let m = load_module(name).expect("parse");
    compile_compute(&m, "main", &SpecConstants::default(), iface).expect("compile")
}

fn ssbo_iface(n: u32) -> PipelineInterface {
    PipelineInterface {
        bindings: (0..n)
            .map(|b| BindingLayout {
                set: 0,
                binding: b,
                kind: DescriptorKind::StorageBuffer,
                count: 1,
                first_slot: b,
            })
            .collect(),
        push_constant_bytes: 0,
    }
}

/// The pool's workgroup split gives the same bytes as running the workgroups one at a time, in
/// order and in reverse (the pool size is fixed per process; this is the in-process check of
/// determinism; the integration tests vary SOFTVK_THREADS).
#[test]
fn dispatch_matches_sequential_run() {
    let kernel = kernel_of("determinism", &ssbo_iface(2));
    let heap = Arc::new(Heap::new(1 << 26));
    let groups = 64u32;
    let (len_a, len_b) = (groups as u64 * 16 * 4, groups as u64 * 4);
    let run = |order: &dyn Fn() -> Vec<Option<u32>>| -> Vec<u8> {
        let a = DeviceMemory::allocate(&heap, len_a, 0, None).expect("alloc");
        let b = DeviceMemory::allocate(&heap, len_b, 0, None).expect("alloc");
        let (sa, sb) = (
            a.span(0, len_a).expect("span"),
            b.span(0, len_b).expect("span"),
        );
        let slots = [Resource::Buffer(sa), Resource::Buffer(sb)];
        for g in order() {
            match g {
                None => kernel.dispatch(&slots, &[], [0, 0, 0], [groups, 1, 1]),
                Some(g) => kernel.dispatch(&slots, &[], [g, 0, 0], [1, 1, 1]),
            }
        }
        let mut out = vec![0u8; (len_a + len_b) as usize];
        sa.read(0, &mut out[..len_a as usize]);
        sb.read(0, &mut out[len_a as usize..]);
        out
    };
    let pool = run(&|| vec![None]);
    let forward = run(&|| (0..groups).map(Some).collect());
    let backward = run(&|| (0..groups).rev().map(Some).collect());
    assert!(
        pool == forward,
        "pool dispatch differs from the sequential one"
    );
    assert!(
        pool == backward,
        "pool dispatch differs from the reversed one"
    );
    assert!(pool.iter().any(|b| *b != 0));
}

/// Several threads dispatch the same kernel at once.
#[test]
fn concurrent_dispatches() {
    let kernel = kernel_of("control", &ssbo_iface(1));
    let heap = Arc::new(Heap::new(1 << 26));
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let m = DeviceMemory::allocate(&heap, 288, 0, None).expect("alloc");
                let span = m.span(0, 288).expect("span");
                span.fill(&[0]);
                for _ in 0..50 {
                    kernel.dispatch(&[Resource::Buffer(span)], &[], [0, 0, 0], [1, 1, 1]);
                }
                let mut w = [0u8; 4];
                span.read(4, &mut w);
                assert_eq!(u32::from_le_bytes(w), 28);
            });
        }
    });
}

#[test]
fn parse_rejects_malformed_binaries() {
    let good = words(&std::fs::read(dir().join("empty.spv")).expect("empty.spv"));
    let e = Module::parse(&good[..3]).unwrap_err();
    assert!(e.message.contains("header"), "{e}");
    let mut bad = good.clone();
    bad[0] = 0x1234_5678;
    assert!(Module::parse(&bad).unwrap_err().message.contains("magic"));
    let mut v17 = good.clone();
    v17[1] = 0x0001_0700;
    assert!(Module::parse(&v17).unwrap_err().message.contains("1.7"));
    let truncated = &good[..good.len() - 1];
    assert!(Module::parse(truncated).is_err());
    let mut garbage = good.clone();
    for w in garbage.iter_mut().skip(5) {
        *w = 0xFFFF_FFFF;
    }
    assert!(Module::parse(&garbage).is_err());
    let m = Module::parse(&good).expect("parse");
    assert_eq!(
        m.entry_points(),
        vec![(spirv::ExecutionModel::GLCompute, "main".to_string())]
    );
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Dropping a kernel frees its JIT code: 1000 compiles grow the process by far less than
/// leaking them would (about 15 MB). Measured in a child process, so other tests running in
/// parallel do not disturb the figure.
#[test]
fn compiles_do_not_leak() {
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["shader::tests::leak_child", "--exact", "--nocapture"])
        .env("SOFTVK_SHADER_LEAK_CHILD", "1")
        .output()
        .expect("run the child");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let grown: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("GROWN "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("child did not report: {text}"));
    assert!(grown < 4 << 20, "1000 compiles grew RSS by {grown} bytes");
}

/// The body of `compiles_do_not_leak`, run in a child process it starts (an ordinary run
/// returns at once: only the child has the variable set).
#[test]
fn leak_child() {
    if std::env::var_os("SOFTVK_SHADER_LEAK_CHILD").is_none() {
        return;
    }
    let m = load_module("arith").expect("parse");
    let iface = ssbo_iface(2);
    let spec = SpecConstants::default();
    for _ in 0..50 {
        drop(compile_compute(&m, "main", &spec, &iface).expect("compile"));
    }
    let before = resident_bytes();
    for _ in 0..1000 {
        drop(compile_compute(&m, "main", &spec, &iface).expect("compile"));
    }
    println!("GROWN {}", resident_bytes().saturating_sub(before));
}

#[test]
fn kernel_reports_sizes_and_is_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ComputeKernel>();
    assert_send_sync::<Module>();
    let k = kernel_of("builtins", &ssbo_iface(1));
    assert_eq!(k.workgroup_size(), [2, 1, 2]);
    let k = kernel_of("shared", &ssbo_iface(2));
    assert_eq!(k.workgroup_memory_bytes(), 256);
}

/// The instructions of a module: (word index, opcode, word count).
fn instructions(w: &[u32]) -> Vec<(usize, u32, usize)> {
    let mut out = Vec::new();
    let mut at = 5;
    while at < w.len() {
        let n = (w[at] >> 16) as usize;
        out.push((at, w[at] & 0xFFFF, n));
        at += n.max(1);
    }
    out
}

/// Debug strings (OpName, OpMemberName, OpString, OpSource text, OpModuleProcessed) need not be
/// UTF-8: a module whose strings hold bytes >= 0x80 parses, compiles and runs like the original.
/// So does a NonSemantic instruction written as OpExtInstWithForwardRefsKHR
/// (SPV_KHR_relaxed_extended_instruction, what newer glslang emits for -gVS).
#[test]
fn debug_strings_need_not_be_utf8() {
    let mut w = words(&std::fs::read(dir().join("debuginfo.spv")).expect("debuginfo.spv"));
    let mut changed = [0usize; 5];
    for (at, op, n) in instructions(&w) {
        let start = match op {
            5 => 2,   // OpName
            6 => 3,   // OpMemberName
            7 => 2,   // OpString
            3 => 4,   // OpSource
            330 => 1, // OpModuleProcessed
            _ => continue,
        };
        if start >= n {
            continue;
        }
        // Overwrite the string's first bytes (keeping its terminating nul) with bytes that
        // are not UTF-8.
        let bytes = w[at + start].to_le_bytes();
        let mut nb = bytes;
        for b in nb.iter_mut().take_while(|b| **b != 0) {
            *b = 0xFF;
        }
        w[at + start] = u32::from_le_bytes(nb);
        changed[[5, 6, 7, 3, 330].iter().position(|o| *o == op).expect("op")] += 1;
    }
    // (glslang -gVS puts the source text in DebugSource, so there is no OpSource text.)
    assert!(
        changed[0] > 0 && changed[1] > 0 && changed[2] > 0 && changed[4] > 0,
        "{changed:?}"
    );
    // A NonSemantic OpExtInst (opcode 12) in the global section becomes opcode 4433.
    let types_start = instructions(&w)
        .iter()
        .position(|(_, op, _)| *op == 12)
        .expect("a global OpExtInst");
    let (at, _, _) = instructions(&w)[types_start];
    w[at] = (w[at] & 0xFFFF_0000) | 4433;
    run_case_with("debuginfo", Some(&w));
}

/// Hostile SPIR-V: every word of a few small modules (after the header; compute, vertex and
/// fragment shaders, each compiled as its stage) set in turn to values
/// that make sizes, counts and ids absurd (0xFFFFFFFF, 0x7FFFFFFF, 0x6A0AAAAE — the vector
/// width that once made pipeline creation allocate 8 GiB — and 0) must give an error or a
/// kernel, never a panic, an abort or unbounded memory or time. Run in a child process limited
/// to 4 GiB of address space, so an unbounded allocation fails the test instead of the machine.
#[test]
fn hostile_words_are_refused_within_bounds() {
    // subgroup_small's function body: the SoA backend's subgroup translation and its
    // uniformity rules (its types and decorations are like the other modules').
    hostile(
        "empty,shared,undef_empty,frexp_barrier,rowmajor,debuginfo,subgroup_small@body,int8_subgroup@body,\
         ../tests/vertex_basic@body,../tests/fragment_basic@body,../tests/fragment_texture@body",
    );
}

/// Runs [`hostile_child`] on the comma-separated cases `names`.
fn hostile(names: &str) {
    let start = std::time::Instant::now();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4194304 && exec \"$0\" shader::tests::hostile_child --exact --nocapture")
        .arg(std::env::current_exe().expect("test binary"))
        .env("SOFTVK_SHADER_HOSTILE_CHILD", names)
        .output()
        .expect("run the child");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("HOSTILE DONE"),
        "the child failed ({:?}):\n{text}",
        out.status
    );
    // 20 788 mutated modules, each tried by the SoA backend and, where it declines, the
    // scalar one (graphics stages: the SoA backend only); on a busy 2-core machine about 25 s.
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
}

/// The body of `hostile_words_are_refused_within_bounds` (only in the child it starts).
#[test]
fn hostile_child() {
    let Ok(names) = std::env::var("SOFTVK_SHADER_HOSTILE_CHILD") else {
        return;
    };
    let iface = ssbo_iface(4);
    let spec = SpecConstants::default();
    let mut runs = 0;
    let mut internal = Vec::new();
    for name in names.split(',') {
        // NAME@body: only the words from the first OpFunction on.
        let (name, body) = match name.split_once('@') {
            Some((n, _)) => (n, true),
            None => (name, false),
        };
        let good = words(&std::fs::read(dir().join(format!("{name}.spv"))).expect("spv"));
        let first = match body {
            true => instructions(&good)
                .iter()
                .find(|(_, op, _)| *op == 54)
                .map_or(5, |(at, _, _)| *at),
            false => 5,
        };
        for at in first..good.len() {
            for v in [0xFFFF_FFFF, 0x7FFF_FFFF, 0x6A0A_AAAE, 0] {
                let mut w = good.clone();
                w[at] = v;
                runs += 1;
                let r = Module::parse(&w).and_then(|m| {
                    // Compile every entry point the mutated module still names, as its stage.
                    use spirv::ExecutionModel as M;
                    let mut last = Ok(());
                    for (model, e) in m.entry_points() {
                        last = match model {
                            M::Vertex => compile_vertex(&m, &e, &spec, &iface).map(drop),
                            M::Fragment => compile_fragment(&m, &e, &spec, &iface).map(drop),
                            _ => compile_compute(&m, &e, &spec, &iface).map(drop),
                        };
                    }
                    last
                });
                if let Err(e) = r
                    && e.message.contains("internal error")
                {
                    internal.push(format!("{name} word {at} = {v:#x}: {e}"));
                }
            }
        }
    }
    assert!(
        internal.is_empty(),
        "compiler panics:\n{}",
        internal.join("\n")
    );
    println!("HOSTILE DONE {runs}");
}

/// A Workgroup variable with a constant initializer other than OpConstantNull (valid SPIR-V,
/// though Vulkan only allows null ones): every workgroup starts from it. workgroup_init.spv
/// with the shared counter's initializer changed from its OpConstantNull to the constant 7.
#[test]
fn workgroup_variables_start_from_their_initializers() {
    let mut w = words(&std::fs::read(dir().join("workgroup_init.spv")).expect("spv"));
    let insts = instructions(&w);
    let seven = insts
        .iter()
        .find(|(at, op, n)| *op == 43 && *n == 4 && w[at + 3] == 7)
        .map(|(at, _, _)| w[at + 2])
        .expect("OpConstant 7");
    let (at, _, _) = *insts
        .iter()
        .find(|(at, op, n)| *op == 59 && *n == 5 && w[at + 3] == 4)
        .expect("an initialized Workgroup variable");
    w[at + 4] = seven;
    let kernel = compile_compute(
        &Module::parse(&w).expect("parse"),
        "main",
        &SpecConstants::default(),
        &ssbo_iface(1),
    )
    .expect("compile");
    let heap = Arc::new(Heap::new(1 << 20));
    let m = DeviceMemory::allocate(&heap, 48, 0, None).expect("alloc");
    let span = m.span(0, 48).expect("span");
    span.fill(&[0]);
    kernel.dispatch(&[Resource::Buffer(span)], &[], [0, 0, 0], [3, 1, 1]);
    let mut out = [0u8; 48];
    span.read(0, &mut out);
    let got: Vec<u32> = words(&out);
    assert_eq!(got, [17, 400, 7, 11].repeat(3));
}

/// uniformBufferStandardLayout: a uniform block with std430 layout (array stride 4, vec3 at
/// 16, float at 28). uniform_layout.spv (std140) with its decorations rewritten to std430 (as
/// glslang emits for `layout(std430) uniform` with GL_EXT_scalar_block_layout, which the
/// shader build's validation without --uniform-buffer-standard-layout would refuse).
#[test]
fn uniform_blocks_with_std430_layout() {
    let mut w = words(&std::fs::read(dir().join("uniform_layout.spv")).expect("spv"));
    let mut rewritten = 0;
    for (at, op, n) in instructions(&w) {
        // OpDecorate %arr ArrayStride 16 -> 4.
        if op == 71 && n == 4 && w[at + 2] == 6 && w[at + 3] == 16 {
            w[at + 3] = 4;
            rewritten += 1;
        }
        // OpMemberDecorate %U 1 Offset 64 -> 16, %U 2 Offset 76 -> 28.
        if op == 72 && n == 5 && w[at + 3] == 35 {
            let new = match w[at + 4] {
                64 => 16,
                76 => 28,
                o => o,
            };
            rewritten += (new != w[at + 4]) as u32;
            w[at + 4] = new;
        }
    }
    assert_eq!(rewritten, 3);
    let kernel = compile_compute(
        &Module::parse(&w).expect("parse"),
        "main",
        &SpecConstants::default(),
        &PipelineInterface {
            bindings: vec![
                BindingLayout {
                    set: 0,
                    binding: 0,
                    kind: DescriptorKind::UniformBuffer,
                    count: 1,
                    first_slot: 0,
                },
                BindingLayout {
                    set: 0,
                    binding: 1,
                    kind: DescriptorKind::StorageBuffer,
                    count: 1,
                    first_slot: 1,
                },
            ],
            push_constant_bytes: 0,
        },
    )
    .expect("compile");
    let heap = Arc::new(Heap::new(1 << 20));
    let u = DeviceMemory::allocate(&heap, 32, 0, None).expect("alloc");
    let o = DeviceMemory::allocate(&heap, 20, 0, None).expect("alloc");
    let (us, os) = (u.span(0, 32).expect("span"), o.span(0, 20).expect("span"));
    let input: Vec<u8> = [1f32, 2., 3., 4., 5., 6., 7., 10.]
        .iter()
        .flat_map(|f| f.to_le_bytes())
        .collect();
    us.write(0, &input);
    os.fill(&[0]);
    kernel.dispatch(
        &[Resource::Buffer(us), Resource::Buffer(os)],
        &[],
        [0; 3],
        [1, 1, 1],
    );
    let mut out = [0u8; 20];
    os.read(0, &mut out);
    let got: Vec<f32> = words(&out).into_iter().map(f32::from_bits).collect();
    assert_eq!(got, [1., 4., 2., 7., 10.]);
}

/// The conformance tests' opundef "matrix" case declares a matrix of uvec3 columns (not valid
/// SPIR-V, but harmless as an undefined value): undef_types.spv with its mat3 made of uvec3.
#[test]
fn undef_of_an_integer_matrix() {
    let mut w = words(&std::fs::read(dir().join("undef_types.spv")).expect("spv"));
    let insts = instructions(&w);
    let int_ids: Vec<u32> = insts
        .iter()
        .filter(|(at, op, _)| *op == 21 && w[at + 2] == 32)
        .map(|(at, _, _)| w[at + 1])
        .collect();
    let uvec3 = insts
        .iter()
        .find(|(at, op, _)| *op == 23 && int_ids.contains(&w[at + 2]) && w[at + 3] == 3)
        .map(|(at, _, _)| w[at + 1])
        .expect("uvec3");
    let (at, _, _) = *insts
        .iter()
        .find(|(_, op, _)| *op == 24)
        .expect("OpTypeMatrix");
    w[at + 2] = uvec3;
    run_case_with("undef_types", Some(&w));
}

/// 64-bit OpBitCount (with a 64- and a 32-bit result), OpBitReverse, OpBitFieldInsert/
/// SExtract/UExtract (counts up to 64, count 0) and GLSL.std.450 FindILsb/FindUMsb/FindSMsb:
/// valid SPIR-V that Vulkan keeps out of its modules (VUID-StandaloneSpirv-Base-04781 limits
/// the bit instructions to 32-bit Base; spirv-val limits FindUMsb/FindSMsb to 32 bits), so the
/// module is built here with rspirv instead of living under shaders/compute (where every shader
/// passes spirv-val for Vulkan 1.3). Expected values: Rust's u64/i64 operations.
#[test]
fn int64_bit_instructions_outside_vulkan_rules() {
    use rspirv::binary::Assemble;
    use rspirv::dr::{Builder, Operand};
    use spirv::{
        AddressingModel, Capability, Decoration, ExecutionMode, ExecutionModel, FunctionControl,
        GlslStd450Op as G, MemoryModel, StorageClass,
    };
    let (x, y): (u64, u64) = (0xF0E1_D2C3_B4A5_9680, 0x8000_0000_0000_0123);
    let n = y as i64;
    let mut b = Builder::new();
    b.set_version(1, 3);
    b.capability(Capability::Shader);
    b.capability(Capability::Int64);
    b.extension("SPV_KHR_storage_buffer_storage_class");
    let glsl = b.ext_inst_import("GLSL.std.450");
    b.memory_model(AddressingModel::Logical, MemoryModel::GLSL450);
    let void = b.type_void();
    let fnty = b.type_function(void, vec![]);
    let u64t = b.type_int(64, 0);
    let i64t = b.type_int(64, 1);
    let u32t = b.type_int(32, 0);
    let rt = b.type_runtime_array(u64t);
    b.decorate(rt, Decoration::ArrayStride, [Operand::LiteralBit32(8)]);
    let st = b.type_struct([rt]);
    b.decorate(st, Decoration::Block, []);
    b.member_decorate(st, 0, Decoration::Offset, [Operand::LiteralBit32(0)]);
    let pst = b.type_pointer(None, StorageClass::StorageBuffer, st);
    let pu = b.type_pointer(None, StorageClass::StorageBuffer, u64t);
    let var = b.variable(pst, None, StorageClass::StorageBuffer, None);
    b.decorate(var, Decoration::DescriptorSet, [Operand::LiteralBit32(0)]);
    b.decorate(var, Decoration::Binding, [Operand::LiteralBit32(0)]);
    let k: Vec<u32> = (0..=64).map(|v| b.constant_bit32(u32t, v)).collect();
    let f = b
        .begin_function(void, None, FunctionControl::NONE, fnty)
        .unwrap();
    b.begin_block(None).unwrap();
    let slot = |b: &mut Builder, i: usize| b.access_chain(pu, None, var, [k[0], k[i]]).unwrap();
    let p0 = slot(&mut b, 0);
    let vx = b.load(u64t, None, p0, None, []).unwrap();
    let p1 = slot(&mut b, 1);
    let vy = b.load(u64t, None, p1, None, []).unwrap();
    let vn = b.bitcast(i64t, None, vy).unwrap();
    let mut out = Vec::new();
    out.push(b.bit_count(u64t, None, vx).unwrap());
    let c32 = b.bit_count(u32t, None, vx).unwrap();
    out.push(b.u_convert(u64t, None, c32).unwrap());
    out.push(b.bit_reverse(u64t, None, vx).unwrap());
    out.push(b.bit_field_u_extract(u64t, None, vx, k[20], k[40]).unwrap());
    let se = b.bit_field_s_extract(i64t, None, vn, k[4], k[60]).unwrap();
    out.push(b.bitcast(u64t, None, se).unwrap());
    out.push(b.bit_field_insert(u64t, None, vx, vy, k[8], k[56]).unwrap());
    out.push(b.bit_field_insert(u64t, None, vx, vy, k[0], k[64]).unwrap());
    out.push(b.bit_field_u_extract(u64t, None, vx, k[0], k[64]).unwrap());
    out.push(b.bit_field_u_extract(u64t, None, vx, k[5], k[0]).unwrap());
    let glsl_op = |b: &mut Builder, t: u32, op: G, a: u32| {
        b.ext_inst(t, None, glsl, op as u32, [Operand::IdRef(a)])
            .unwrap()
    };
    out.push(glsl_op(&mut b, u64t, G::FindILsb, vx));
    out.push(glsl_op(&mut b, u64t, G::FindUMsb, vx));
    let sm = glsl_op(&mut b, i64t, G::FindSMsb, vn);
    out.push(b.bitcast(u64t, None, sm).unwrap());
    let zero = b.bitwise_xor(u64t, None, vx, vx).unwrap();
    out.push(glsl_op(&mut b, u64t, G::FindUMsb, zero));
    for (i, v) in out.iter().enumerate() {
        let p = slot(&mut b, 2 + i);
        b.store(p, *v, None, []).unwrap();
    }
    b.ret().unwrap();
    b.end_function().unwrap();
    b.entry_point(ExecutionModel::GLCompute, f, "main", [var]);
    b.execution_mode(f, ExecutionMode::LocalSize, [1, 1, 1]);
    let words = b.module().assemble();

    let m = Module::parse(&words).expect("parse");
    let kernel =
        compile_compute(&m, "main", &SpecConstants::default(), &ssbo_iface(1)).expect("compile");
    let len = 8 * (2 + out.len()) as u64;
    let heap = Arc::new(Heap::new(1 << 20));
    let mem = DeviceMemory::allocate(&heap, len, 0, None).expect("allocate");
    let span = mem.span(0, len).expect("span");
    span.write(0, &[x.to_le_bytes(), y.to_le_bytes()].concat());
    kernel.dispatch(&[Resource::Buffer(span)], &[], [0, 0, 0], [1, 1, 1]);
    let mut bytes = vec![0u8; len as usize];
    span.read(0, &mut bytes);
    let got: Vec<u64> = bytes[16..]
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let mask = ((1u64 << 56) - 1) << 8;
    let want = vec![
        x.count_ones() as u64,
        x.count_ones() as u64,
        x.reverse_bits(),
        (x >> 20) & ((1 << 40) - 1),
        (n >> 4) as u64,
        (x & !mask) | ((y << 8) & mask),
        y,
        x,
        0,
        x.trailing_zeros() as u64,
        63 - x.leading_zeros() as u64,
        63 - (!n).leading_zeros() as u64,
        u64::MAX,
    ];
    assert_eq!(got, want);
}

/// GLSL.std.450 instructions that the extended set defines for 16/32-bit floats only (Sin, Exp,
/// Pow, Radians, ...) are refused on doubles with a message, not compiled with a guessed
/// meaning. Such modules are invalid SPIR-V (spirv-val rejects them), so each is built here with
/// rspirv instead of living under shaders/compute.
#[test]
fn float64_refuses_32_bit_only_glsl_instructions() {
    use rspirv::binary::Assemble;
    use rspirv::dr::{Builder, Operand};
    use spirv::{
        AddressingModel, Capability, Decoration, ExecutionMode, ExecutionModel, FunctionControl,
        GlslStd450Op as G, MemoryModel, StorageClass,
    };
    for (op, two) in [
        (G::Sin, false),
        (G::Exp, false),
        (G::Radians, false),
        (G::Pow, true),
    ] {
        let mut b = Builder::new();
        b.set_version(1, 3);
        b.capability(Capability::Shader);
        b.capability(Capability::Float64);
        let glsl = b.ext_inst_import("GLSL.std.450");
        b.memory_model(AddressingModel::Logical, MemoryModel::GLSL450);
        let void = b.type_void();
        let fnty = b.type_function(void, vec![]);
        let f64t = b.type_float(64, None);
        let u32t = b.type_int(32, 0);
        let rt = b.type_runtime_array(f64t);
        b.decorate(rt, Decoration::ArrayStride, [Operand::LiteralBit32(8)]);
        let st = b.type_struct([rt]);
        b.decorate(st, Decoration::Block, []);
        b.member_decorate(st, 0, Decoration::Offset, [Operand::LiteralBit32(0)]);
        let pst = b.type_pointer(None, StorageClass::StorageBuffer, st);
        let pd = b.type_pointer(None, StorageClass::StorageBuffer, f64t);
        let var = b.variable(pst, None, StorageClass::StorageBuffer, None);
        b.decorate(var, Decoration::DescriptorSet, [Operand::LiteralBit32(0)]);
        b.decorate(var, Decoration::Binding, [Operand::LiteralBit32(0)]);
        let zero = b.constant_bit32(u32t, 0);
        let f = b
            .begin_function(void, None, FunctionControl::NONE, fnty)
            .unwrap();
        b.begin_block(None).unwrap();
        let p = b.access_chain(pd, None, var, [zero, zero]).unwrap();
        let x = b.load(f64t, None, p, None, []).unwrap();
        let mut args = vec![Operand::IdRef(x)];
        if two {
            args.push(Operand::IdRef(x));
        }
        let r = b.ext_inst(f64t, None, glsl, op as u32, args).unwrap();
        b.store(p, r, None, []).unwrap();
        b.ret().unwrap();
        b.end_function().unwrap();
        b.entry_point(ExecutionModel::GLCompute, f, "main", [var]);
        b.execution_mode(f, ExecutionMode::LocalSize, [1, 1, 1]);
        let words = b.module().assemble();
        let m = Module::parse(&words).expect("parse");
        let e = compile_compute(&m, "main", &SpecConstants::default(), &ssbo_iface(1))
            .err()
            .unwrap_or_else(|| panic!("{op:?} of a double compiled"));
        assert_eq!(e.kind, ShaderErrorKind::Unsupported, "{op:?}");
        assert!(
            e.message.contains(&format!("{op:?} of a 64-bit float")),
            "{op:?}: {}",
            e.message
        );
    }
}

/// Invalid uses of the depth-compare and gather instructions are refused as malformed SPIR-V,
/// with a message naming the rule, by both backends (never compiled, never a crash): mutations
/// of the loader tests' shaders/tests/sample_dref.spv and sample_gather.spv.
#[test]
fn invalid_dref_and_gather_are_refused() {
    let load = |name: &str| {
        let path = dir().join(format!("../tests/{name}.spv"));
        words(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}")))
    };
    let iface = |images: u32| PipelineInterface {
        bindings: (0..images + 2)
            .map(|b| BindingLayout {
                set: 0,
                binding: b,
                kind: if b < images {
                    DescriptorKind::CombinedImageSampler
                } else {
                    DescriptorKind::StorageBuffer
                },
                count: 1,
                first_slot: b,
            })
            .collect(),
        push_constant_bytes: 0,
    };
    // The id of the OpVariable named `name` (OpName 5), its pointee's sampled image type and
    // that type's image: the word index of the OpTypeImage (25).
    let image_type_of = |w: &[u32], name: &str| -> usize {
        let insts = instructions(w);
        let bytes: Vec<u8> = name
            .bytes()
            .chain([0; 4])
            .take(name.len() / 4 * 4 + 4)
            .collect();
        let want = words(&bytes);
        let var = insts
            .iter()
            .find(|(at, op, n)| *op == 5 && w[at + 2..at + n] == want[..])
            .map(|(at, _, _)| w[at + 1])
            .expect("OpName");
        // The type instruction `op` whose result id is `id`.
        let def = |id: u32, op: u32| {
            insts
                .iter()
                .find(|(at, o, _)| *o == op && w[at + 1] == id)
                .map(|(at, _, _)| *at)
        };
        // OpVariable (59): result type at +1, id at +2.
        let var_at = insts
            .iter()
            .find(|(at, o, _)| *o == 59 && w[at + 2] == var)
            .map(|(at, _, _)| *at)
            .expect("OpVariable");
        let ptr = def(w[var_at + 1], 32).expect("OpTypePointer");
        let simg = def(w[ptr + 3], 27).expect("OpTypeSampledImage");
        def(w[simg + 2], 25).expect("OpTypeImage")
    };
    // OpConstant (43) of `value` of the first 32-bit signed int type.
    let constant = |w: &[u32], value: i32| -> usize {
        let insts = instructions(w);
        let int = insts
            .iter()
            .find(|(at, op, _)| *op == 21 && w[at + 2] == 32 && w[at + 3] == 1)
            .map(|(at, _, _)| w[at + 1])
            .expect("OpTypeInt 32 1");
        insts
            .iter()
            .find(|(at, op, _)| *op == 43 && w[at + 1] == int && w[at + 3] == value as u32)
            .map(|(at, _, _)| *at)
            .unwrap_or_else(|| panic!("OpConstant {value}"))
    };
    let float_ty = |w: &[u32]| {
        instructions(w)
            .iter()
            .find(|(at, op, _)| *op == 22 && w[at + 2] == 32)
            .map(|(at, _, _)| w[at + 1])
            .expect("OpTypeFloat 32")
    };
    let mut cases: Vec<(&str, Vec<u32>, u32, &str)> = Vec::new();
    // Gathers on 1D and 3D images (Dim 0 and 2 in OpTypeImage's word 3).
    for dim in [0, 2] {
        let mut w = load("sample_gather");
        let t = image_type_of(&w, "t2");
        w[t + 3] = dim;
        cases.push(("gather on a 1D/3D image", w, 6, "2D or cube"));
    }
    // Component 7 (the constant 7 of the offsets) instead of 0.
    {
        let mut w = load("sample_gather");
        let seven = w[constant(&w, 7) + 2];
        let zero = w[constant(&w, 0) + 2];
        let (at, _, _) = *instructions(&w)
            .iter()
            .find(|(at, op, _)| *op == 96 && w[at + 5] == zero)
            .expect("OpImageGather with component 0");
        w[at + 5] = seven;
        cases.push(("gather component 7", w, 6, "component 7"));
    }
    // ConstOffset / ConstOffsets values past the gather limits: 7 becomes 8, -8 becomes -9.
    for (from, to) in [(7, 8), (-8, -9)] {
        let mut w = load("sample_gather");
        let at = constant(&w, from);
        w[at + 3] = to as u32;
        cases.push(("gather offsets out of range", w, 6, "outside [-8, 7]"));
    }
    // Dref on a 3D image, and on an image whose sampled type is an integer.
    {
        let mut w = load("sample_dref");
        let t = image_type_of(&w, "t2");
        w[t + 3] = 2;
        cases.push(("Dref on a 3D image", w, 2, "3D image"));
        let mut w = load("sample_dref");
        let t = image_type_of(&w, "t2");
        assert_eq!(w[t + 2], float_ty(&w));
        let int = instructions(&w)
            .iter()
            .find(|(at, op, _)| *op == 21 && w[at + 2] == 32)
            .map(|(at, _, _)| w[at + 1])
            .expect("OpTypeInt");
        w[t + 2] = int;
        cases.push((
            "Dref on an integer image",
            w,
            2,
            "32-bit float sampled type",
        ));
    }
    for (what, w, images, needle) in cases {
        let module = Module::parse(&w).unwrap_or_else(|e| panic!("{what}: parse: {e}"));
        for backend in [Backend::Scalar, Backend::Auto] {
            BACKEND.with(|b| b.set(Some(backend)));
            let r = compile_compute(&module, "main", &SpecConstants::default(), &iface(images));
            BACKEND.with(|b| b.set(None));
            match r {
                Ok(_) => panic!("{what} ({backend:?}): compiled"),
                Err(e) => {
                    assert_eq!(e.kind, ShaderErrorKind::Malformed, "{what}: {e}");
                    assert!(e.message.contains(needle), "{what} ({backend:?}): {e}");
                }
            }
        }
    }
}

/// The inline bilinear path for RGBA8 UNORM views (lower/sampling.rs `linear_rgba8`) gives the
/// bits of the runtime's general path for every lane (random images with padded rows, sizes
/// 1..=40, coordinates in and around the image, NaN, infinities, huge values), through
/// combined and separate samplers, and is taken (no sv_sample4 call) exactly when the view and
/// sampler allow it: one level or maxLod 0, LINEAR both ways, CLAMP_TO_EDGE, or REPEAT where
/// every lane of the subgroup has |coordinate x size| < 2^21 on both axes (sizes powers of two
/// or not: two variants of the code).
#[test]
fn inline_bilinear_sampling_matches_the_runtime_bit_for_bit() {
    use crate::resource::SamplerDesc;
    use crate::shader::runtime::sampling::probe::{general_2d, sample4_calls};
    use crate::shader::runtime::sampling::{Level, MAX_LEVELS, SampledImageSlot, SampledSlot};
    use ash::vk;
    let load = |name: &str| {
        let path = dir().join(format!("../tests/{name}.spv"));
        Module::parse(&words(&std::fs::read(&path).expect("spv"))).expect("parse")
    };
    let binding = |b: u32, kind| BindingLayout {
        set: 0,
        binding: b,
        kind,
        count: 1,
        first_slot: b,
    };
    let combined = PipelineInterface {
        bindings: vec![
            binding(0, DescriptorKind::CombinedImageSampler),
            binding(1, DescriptorKind::StorageBuffer),
            binding(2, DescriptorKind::StorageBuffer),
        ],
        push_constant_bytes: 0,
    };
    let separate = PipelineInterface {
        bindings: vec![
            binding(0, DescriptorKind::SampledImage),
            binding(1, DescriptorKind::Sampler),
            binding(2, DescriptorKind::StorageBuffer),
            binding(3, DescriptorKind::StorageBuffer),
        ],
        push_constant_bytes: 0,
    };
    let spec = SpecConstants::default();
    let k_combined =
        compile_compute(&load("sample_linear"), "main", &spec, &combined).expect("compile");
    let k_separate = compile_compute(&load("sample_linear_separate"), "main", &spec, &separate)
        .expect("compile");
    assert_eq!(k_combined.backend().0, 4, "the SoA backend runs it");
    let heap = Arc::new(Heap::new(1 << 26));
    let mut r = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        r
    };
    const N: usize = 256;
    let mut inline_cases = 0;
    let mut pow2_cases = 0;
    for case in 0..64 {
        // REPEAT with power-of-two sizes (variant 4) wraps by masking: its own code.
        let (w, h) = if case % 8 == 4 {
            (1 << (next() % 7), 1 << (next() % 7))
        } else {
            (1 + next() % 40, 1 + next() % 40)
        };
        let pitch = (w + next() % 3) * 4;
        let two_levels = case % 4 == 3;
        let len = pitch * h + if two_levels { 64 } else { 0 };
        let mem = DeviceMemory::allocate(&heap, len, 0, None).expect("alloc");
        let span = mem.span(0, len).expect("span");
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        span.write(0, &bytes);
        // Mostly the inline case; now and then a format, filter, address mode or level count
        // that must take the call.
        let variant = case % 8;
        let format = if variant == 5 {
            vk::Format::B8G8R8A8_UNORM
        } else {
            vk::Format::R8G8B8A8_UNORM
        };
        let mut level = [Level::default(); MAX_LEVELS];
        level[0] = Level {
            offset: 0,
            extent: [w as u32, h as u32, 1],
            row_pitch: pitch,
            depth_pitch: pitch * h,
            layer_pitch: pitch * h,
        };
        level[1] = Level {
            offset: pitch * h,
            extent: [2, 2, 1],
            row_pitch: 8,
            depth_pitch: 16,
            layer_pitch: 16,
        };
        let image = SampledImage {
            span,
            format,
            swizzle: [vk::ComponentSwizzle::IDENTITY; 4],
            layers: 1,
            levels: if two_levels { 2 } else { 1 },
            level,
            texel_stride: 4,
        };
        let sampler = SamplerDesc {
            mag_filter: vk::Filter::LINEAR,
            min_filter: if variant == 6 {
                vk::Filter::NEAREST
            } else {
                vk::Filter::LINEAR
            },
            mipmap_mode: vk::SamplerMipmapMode::NEAREST,
            address_mode: [match variant {
                7 => vk::SamplerAddressMode::MIRRORED_REPEAT,
                3 | 4 => vk::SamplerAddressMode::REPEAT,
                _ => vk::SamplerAddressMode::CLAMP_TO_EDGE,
            }; 3],
            mip_lod_bias: 0.0,
            anisotropy: None,
            compare: None,
            min_lod: 0.0,
            // Two levels: maxLod 0 pins level 0 (inline) half the time.
            max_lod: if case % 8 == 3 { 0.0 } else { 1000.0 },
            border_color: vk::BorderColor::FLOAT_TRANSPARENT_BLACK,
            unnormalized_coordinates: false,
            reduction: vk::SamplerReductionMode::WEIGHTED_AVERAGE,
        };
        let inline = variant < 5 && !(two_levels && case % 8 != 3);
        // Variant 2: every lane inside the image, so that whole subgroups read their texels
        // in pairs (x1 = x0 + 1 in every lane); the others mix edges, wraps and specials in.
        let inside = variant == 2;
        let coords: Vec<[f32; 2]> = (0..N)
            .map(|i| {
                [w, h].map(|size| match (if inside { 24 } else { next() % 24 }, i) {
                    (0, _) => f32::NAN,
                    (1, _) => f32::INFINITY,
                    (2, _) => f32::NEG_INFINITY,
                    (3, _) => 3.0e9,
                    (4, _) => -3.0e7,
                    (5, _) => -0.0,
                    // Texel centers and edges.
                    (6, _) => (next() % 90) as f32 / 40.0 - 0.5,
                    // Between the first and the last texel centers.
                    _ if inside => {
                        let f = (next() % (1 << 20)) as f32 / (1 << 20) as f32;
                        (0.5 + f * (size - 1) as f32) / size as f32
                    }
                    _ => (next() % (1 << 24)) as f32 / (1 << 23) as f32 - 0.5,
                })
            })
            .collect();
        let cmem = DeviceMemory::allocate(&heap, (N * 8) as u64, 0, None).expect("alloc");
        let cspan = cmem.span(0, (N * 8) as u64).expect("span");
        let cbytes: Vec<u8> = coords
            .iter()
            .flat_map(|c| c.iter().flat_map(|x| x.to_le_bytes()))
            .collect();
        cspan.write(0, &cbytes);
        let omem = DeviceMemory::allocate(&heap, (N * 16) as u64, 0, None).expect("alloc");
        let ospan = omem.span(0, (N * 16) as u64).expect("span");
        let sep = case % 2 == 1;
        let before = sample4_calls(span.as_ptr());
        if sep {
            let slots = [
                Resource::Sampled {
                    image: Some(image),
                    sampler: None,
                },
                Resource::Sampled {
                    image: None,
                    sampler: Some(sampler),
                },
                Resource::Buffer(cspan),
                Resource::Buffer(ospan),
            ];
            k_separate.dispatch(&slots, &[], [0; 3], [(N / 16) as u32, 1, 1]);
        } else {
            let slots = [
                Resource::Sampled {
                    image: Some(image),
                    sampler: Some(sampler),
                },
                Resource::Buffer(cspan),
                Resource::Buffer(ospan),
            ];
            k_combined.dispatch(&slots, &[], [0; 3], [(N / 16) as u32, 1, 1]);
        }
        let calls = sample4_calls(span.as_ptr()) - before;
        let repeat = matches!(variant, 3 | 4);
        // The subgroups (4 consecutive invocations) that call: every one off the inline path,
        // and with REPEAT those with a lane out of range.
        let out_of_range = |c: &[f32; 2]| {
            let ok = |x: f32, size: u64| (x * size as f32).abs() < (1u32 << 21) as f32;
            !(ok(c[0], w) && ok(c[1], h))
        };
        let want_calls = match (inline, repeat) {
            (false, _) => N / 4,
            (true, false) => 0,
            (true, true) => coords
                .chunks(4)
                .filter(|g| g.iter().any(out_of_range))
                .count(),
        };
        assert_eq!(
            calls, want_calls,
            "case {case}: sv_sample4 calls (inline: {inline}, repeat: {repeat})"
        );
        inline_cases += inline as usize;
        pow2_cases += (inline && variant == 4) as usize;
        let reference = SampledSlot::new(Some(SampledImageSlot::new(&image)), Some(sampler));
        let mut out = vec![0u8; N * 16];
        ospan.read(0, &mut out);
        for (i, c) in coords.iter().enumerate() {
            let want = general_2d(&reference, *c, 0.0);
            let want = if sep { [want[2]; 4] } else { want };
            let got: Vec<u32> = out[i * 16..i * 16 + 16]
                .chunks(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            let nan = |x: u32| f32::from_bits(x).is_nan();
            for k in 0..4 {
                assert!(
                    got[k] == want[k] || (nan(got[k]) && nan(want[k])),
                    "case {case} ({w}x{h}, {format:?}) lane {i} at {c:?} component {k}: \
                     {:x} != {:x}",
                    got[k],
                    want[k]
                );
            }
        }
    }
    assert!(inline_cases >= 20, "{inline_cases} inline cases");
    assert!(
        pow2_cases >= 4,
        "{pow2_cases} inline REPEAT cases of power-of-two sizes"
    );
}

/// A vertex shader through the stage interface (shaders/tests/vertex_basic.vert): inputs by
/// location, VertexIndex / InstanceIndex, a matrix in push constants, a storage buffer,
/// outputs by location, gl_Position and a gl_PointSize written under divergent control; for
/// vertex counts that leave the last call partly empty. Expected values computed here.
#[test]
fn vertex_shaders_run_four_vertices_per_call() {
    let path = dir().join("../tests/vertex_basic.spv");
    let m = Module::parse(&words(&std::fs::read(&path).expect("spv"))).expect("parse");
    let iface = ssbo_iface(1);
    let spec = SpecConstants::default();
    // A compute entry point is not a vertex shader, and the other way round.
    let e = compile_compute(&m, "main", &spec, &iface).unwrap_err();
    assert!(e.message.contains("not a compute shader"), "{}", e.message);
    let k = compile_vertex(&m, "main", &spec, &iface).expect("compile");
    let heap = Arc::new(Heap::new(1 << 20));
    let colors: Vec<f32> = (0..16).map(|i| i as f32 * 0.5 - 1.0).collect();
    let mem = DeviceMemory::allocate(&heap, 64, 0, None).expect("alloc");
    let span = mem.span(0, 64).expect("span");
    span.write(
        0,
        &colors
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    // Column-major mvp: a scale, a shear and a translation.
    let mvp: [f32; 16] = [
        2.0, 0.0, 0.0, 0.0, //
        0.5, 3.0, 0.0, 0.0, //
        0.0, 0.0, 1.0, 0.25, //
        1.0, -1.0, 0.0, 1.0,
    ];
    let push: Vec<u8> = mvp.iter().flat_map(|x| x.to_le_bytes()).collect();
    for count in [1usize, 4, 6, 11] {
        let verts: Vec<VertexIn> = (0..count)
            .map(|i| {
                let mut v = VertexIn {
                    vertex_index: 2 * i as u32 + 1,
                    instance_index: i as u32 % 2,
                    ..Default::default()
                };
                let f = |x: f32| x.to_bits();
                v.inputs[0] = [
                    f(i as f32),
                    f(-(i as f32) * 0.5),
                    f(0.25 * i as f32),
                    f(1.0),
                ];
                v.inputs[1] = [f(0.125 * i as f32), f(7.0), 0, f(1.0)];
                v.inputs[2] = [40 + i as u32, 0, 0, 1];
                v
            })
            .collect();
        let out = k.run(&[Resource::Buffer(span)], &push, &verts, 0);
        assert_eq!(out.len(), count);
        for (i, (v, o)) in verts.iter().zip(&out).enumerate() {
            let p = [i as f32, -(i as f32) * 0.5, 0.25 * i as f32, 1.0];
            let want: [f32; 4] =
                std::array::from_fn(|r| (0..4).map(|c| mvp[c * 4 + r] * p[c]).sum::<f32>());
            for c in 0..4 {
                assert!(
                    (o.position[c] - want[c]).abs() < 1e-5,
                    "vertex {i}: position {:?} != {want:?}",
                    o.position
                );
            }
            let vi = v.vertex_index;
            assert_eq!(
                o.point_size,
                if vi % 3 == 1 { 7.0 } else { 1.0 },
                "vertex {i}"
            );
            assert_eq!(
                o.locations[0][..2],
                [(0.25 * i as f32).to_bits(), 14.0f32.to_bits()],
                "vertex {i}: o_uv"
            );
            assert_eq!(
                o.locations[1][0],
                40 + i as u32 + vi * 100 + v.instance_index * 10000,
                "vertex {i}: o_tag"
            );
            let c = (vi % 4) as usize;
            let want: Vec<u32> = colors[4 * c..4 * c + 4]
                .iter()
                .map(|x| x.to_bits())
                .collect();
            assert_eq!(o.locations[2][..], want[..], "vertex {i}: o_color");
        }
    }
}

/// A vertex run clears only the rows its code touches and those its caller reads: a row an
/// earlier run on the same thread left words in reads 0 when the caller asks for it, and the
/// outputs of the shader are the same as with every row cleared.
#[test]
fn vertex_runs_clear_the_rows_they_read() {
    use crate::shader::runtime::{IO_OUT_LOCATIONS, IO_OUT_POSITION};
    let path = dir().join("../tests/vertex_basic.spv");
    let m = Module::parse(&words(&std::fs::read(&path).expect("spv"))).expect("parse");
    let iface = ssbo_iface(1);
    let k = compile_vertex(&m, "main", &SpecConstants::default(), &iface).expect("compile");
    let heap = Arc::new(Heap::new(1 << 20));
    let mem = DeviceMemory::allocate(&heap, 64, 0, None).expect("alloc");
    let slots = [Resource::Buffer(mem.span(0, 64).expect("span"))];
    let push = vec![0u8; 64];
    // Output location 31 is not written by the shader; the position is.
    let unwritten = (IO_OUT_LOCATIONS + 4 * 31) as usize;
    assert!(!k.rows.iter().any(|r| r == unwritten));
    assert!(k.rows.iter().any(|r| r == IO_OUT_POSITION as usize));
    let inputs = |k: usize, l: usize, rows: &mut [[u32; 4]]| {
        rows[0][l] = (k as f32).to_bits();
        rows[3][l] = 1f32.to_bits();
        (k as u32, 0)
    };
    // A run whose fill leaves words in every row.
    k.run_with(
        &slots,
        &push,
        4,
        0,
        [0; 3],
        IoRows::default(),
        |_, l, rows| {
            rows.iter_mut().for_each(|r| r[l] = 0xdead_beef);
            (0, 0)
        },
        |_, _, _| {},
    );
    let mut reads = IoRows::default();
    reads.insert(unwritten as u32);
    (0..4).for_each(|c| reads.insert(IO_OUT_POSITION + c));
    let mut got = Vec::new();
    k.run_with(&slots, &push, 6, 0, [0; 3], reads, inputs, |_, l, rows| {
        got.push((rows[unwritten][l], rows[IO_OUT_POSITION as usize + 3][l]))
    });
    // The same vertices from rows all cleared (`run`).
    let verts: Vec<VertexIn> = (0..6)
        .map(|i| {
            let mut v = VertexIn {
                vertex_index: i,
                ..Default::default()
            };
            v.inputs[0][0] = (i as f32).to_bits();
            v.inputs[0][3] = 1f32.to_bits();
            v
        })
        .collect();
    let want = k.run(&slots, &push, &verts, 0);
    for (i, (&(u, w), o)) in got.iter().zip(&want).enumerate() {
        assert_eq!(u, 0, "vertex {i}: an unwritten output the caller reads");
        assert_eq!(u, o.locations[31][0]);
        assert_eq!(w, o.position[3].to_bits(), "vertex {i}");
    }
    assert_eq!(got.len(), 6);
}

/// A fragment shader through the stage interface (shaders/tests/fragment_basic.frag): quads
/// with partial coverage (helper lanes execute too; their outputs are not live),
/// discard in one lane, fine and coarse derivatives of interpolated inputs against their
/// definitions, FragCoord, FrontFacing, HelperInvocation and FragDepth.
#[test]
fn fragment_shaders_run_quads_with_derivatives() {
    use crate::shader::runtime::{
        IO_IN_FRAG_COORD, IO_IN_FRONT_FACING, IO_OUT_FRAG_DEPTH, IO_OUT_LOCATIONS,
    };
    let path = dir().join("../tests/fragment_basic.spv");
    let m = Module::parse(&words(&std::fs::read(&path).expect("spv"))).expect("parse");
    let iface = ssbo_iface(0);
    let spec = SpecConstants::default();
    let e = compile_vertex(&m, "main", &spec, &iface).unwrap_err();
    assert!(e.message.contains("not a Vertex shader"), "{}", e.message);
    let k = compile_fragment(&m, "main", &spec, &iface).expect("compile");
    assert!(!k.early_fragment_tests);
    // Quad q at pixel (2q, 4): uv = (0.5 x^2 + y, x y / 4 + q) at pixel centers; lane l at
    // (x + l % 2, y + l / 2). Coverage and the discarded lane vary by quad.
    let covers = [0b1111u8, 0b0110, 0b1000, 0b1011, 0b0000];
    let uv = |q: usize, l: usize| {
        let (x, y) = ((2 * q + l % 2) as f32 + 0.5, (4 + l / 2) as f32 + 0.5);
        [0.5 * x * x + y, x * y / 4.0 + q as f32]
    };
    let mut seen = 0;
    k.run_quads(
        &[],
        &[],
        covers.len(),
        |q, rows| {
            #[allow(clippy::needless_range_loop)]
            for l in 0..4 {
                let [u, v] = uv(q, l);
                rows[0][l] = u.to_bits();
                rows[1][l] = v.to_bits();
                // Lane 1 of quad 3 discards.
                rows[4][l] = if q == 3 && l == 1 { 7 } else { 3 };
                let (x, y) = ((2 * q + l % 2) as f32 + 0.5, (4 + l / 2) as f32 + 0.5);
                let fc = IO_IN_FRAG_COORD as usize;
                rows[fc][l] = x.to_bits();
                rows[fc + 1][l] = y.to_bits();
                rows[fc + 2][l] = 0.5f32.to_bits();
                rows[fc + 3][l] = 1.0f32.to_bits();
                rows[IO_IN_FRONT_FACING as usize][l] = if q % 2 == 0 { u32::MAX } else { 0 };
                // Rows are not cleared between quads: zero the color output so that a helper
                // lane's store would show.
                for c in 0..4 {
                    rows[IO_OUT_LOCATIONS as usize + c][l] = 0;
                }
            }
            covers[q]
        },
        |q, rows, live| {
            seen += 1;
            let want_live = covers[q] & if q == 3 { !0b0010 } else { 0xff };
            assert_eq!(live, want_live, "quad {q}");
            let out =
                |loc: usize, c: usize, l: usize| rows[IO_OUT_LOCATIONS as usize + 4 * loc + c][l];
            let f = |loc, c, l| f32::from_bits(out(loc, c, l));
            for l in (0..4).filter(|l| live >> l & 1 == 1) {
                let [u, v] = uv(q, l);
                let (row, col) = (l / 2, l % 2);
                // Fine: along the lane's row and column.
                let dudx = uv(q, row * 2 + 1)[0] - uv(q, row * 2)[0];
                let dvdy = uv(q, 2 + col)[1] - uv(q, col)[1];
                let p = |l: usize| uv(q, l)[0] * uv(q, l)[1];
                let fw = (p(row * 2 + 1) - p(row * 2)).abs() + (p(2 + col) - p(col)).abs();
                assert_eq!(f(0, 0, l), u * 2.0, "quad {q} lane {l}");
                assert_eq!(f(0, 1, l), v * 2.0, "quad {q} lane {l}");
                assert_eq!(
                    f(0, 2, l),
                    dudx + dvdy * 10.0,
                    "quad {q} lane {l}: derivatives"
                );
                assert_eq!(f(0, 3, l), fw, "quad {q} lane {l}: fwidth");
                let (x, y) = (2 * q + col, 4 + row);
                let facing = if q % 2 == 0 { 1 } else { 2 };
                assert_eq!(out(1, 0, l), facing, "quad {q} lane {l}: FrontFacing");
                assert_eq!(out(1, 1, l), (x + 1000 * y) as u32, "quad {q} lane {l}");
                // Coarse: from the top-left pixel's row and column.
                assert_eq!(
                    f(2, 0, l),
                    uv(q, 1)[1] - uv(q, 0)[1],
                    "quad {q}: dFdxCoarse"
                );
                assert_eq!(
                    f(2, 1, l),
                    uv(q, 2)[0] - uv(q, 0)[0],
                    "quad {q}: dFdyCoarse"
                );
                let depth = f32::from_bits(rows[IO_OUT_FRAG_DEPTH as usize][l]);
                assert_eq!(
                    depth,
                    (x as f32 + 0.5) * 0.01,
                    "quad {q} lane {l}: FragDepth"
                );
            }
            // Helper lanes execute like the others (their outputs are not taken: `live`).
            for l in (0..4).filter(|l| covers[q] >> l & 1 == 0) {
                let [u, _] = uv(q, l);
                assert_eq!(f(0, 0, l), u * 2.0, "quad {q} helper lane {l} did not run");
            }
        },
    );
    assert_eq!(seen, 4, "quads with coverage run, the empty one does not");
}

/// What the graphics stages do not implement yet is refused with a message, never compiled
/// wrongly: 64-bit interface variables.
#[test]
fn graphics_stages_refuse_what_they_do_not_implement() {
    let load = |name: &str| {
        let path = dir().join(format!("../tests/{name}.spv"));
        Module::parse(&words(&std::fs::read(&path).expect("spv"))).expect("parse")
    };
    let spec = SpecConstants::default();
    let iface = ssbo_iface(0);
    let e = compile_vertex(&load("vertex_double_input"), "main", &spec, &iface).unwrap_err();
    assert!(e.message.contains("interface variable"), "{}", e.message);
}

/// Demotion (shaders/tests/fragment_demote.frag): the demoted lane's outputs are dropped,
/// its value still feeds its neighbour's derivative, and the others are not helpers.
#[test]
fn demoted_lanes_write_nothing_but_feed_derivatives() {
    let xs = [0.1f32, 0.9, 0.3, 0.2];
    one_quad("fragment_demote", xs, |rows, live| {
        assert_eq!(live, 0b1101, "lane 1 (x 0.9) is demoted");
        let o = crate::shader::runtime::IO_OUT_LOCATIONS as usize;
        let f = |c: usize, l: usize| f32::from_bits(rows[o + c][l]);
        for l in [0, 2, 3] {
            assert_eq!(f(0, l), xs[l], "lane {l}");
            let dx = xs[(l & 2) + 1] - xs[l & 2];
            assert_eq!(f(1, l), dx, "lane {l}: dFdx across the demoted lane");
            assert_eq!(f(2, l), 0.0, "lane {l} is not a helper");
        }
    });
}

/// Helper invocations (shaders/tests/fragment_helpers.frag) execute like the covered lanes:
/// values computed in a divergent branch and in a loop whose trip count varies by lane have
/// the right derivatives in partly covered quads, also after a demote and for the demoted
/// lane's neighbours; quad operations read helpers; helpers and demoted lanes store nothing to
/// the buffer, add nothing to the atomic counter and are left out of ballots and elections.
#[test]
fn helper_lanes_execute_but_leave_memory_alone() {
    use crate::shader::runtime::IO_OUT_LOCATIONS;
    let path = dir().join("../tests/fragment_helpers.spv");
    let m = Module::parse(&words(&std::fs::read(&path).expect("spv"))).expect("parse");
    let k =
        compile_fragment(&m, "main", &SpecConstants::default(), &ssbo_iface(1)).expect("compile");
    // Quad q, lane l: x = 4 q + l + 0.5 (so int(x) & 3 = l); lane 0 of quad 4 demotes.
    let covers = [0b1111u8, 0b0001, 0b0110, 0b1000, 0b1011, 0b0100];
    let x = |q: usize, l: usize| (4 * q + l) as f32 + 0.5;
    let heap = Arc::new(Heap::new(1 << 20));
    let len = 4 * (2 + 4 * covers.len() as u64);
    let mem = DeviceMemory::allocate(&heap, len, 0, None).expect("alloc");
    let span = mem.span(0, len).expect("span");
    let mut live_lanes = Vec::new();
    k.run_quads(
        &[Resource::Buffer(span)],
        &[],
        covers.len(),
        |q, rows| {
            rows[0] = std::array::from_fn(|l| x(q, l).to_bits());
            covers[q]
        },
        |q, rows, live| {
            let demoted = if q == 4 { 0b0001 } else { 0 };
            assert_eq!(live, covers[q] & !demoted, "quad {q}");
            let out = |loc: usize, c: usize, l: usize| {
                f32::from_bits(rows[IO_OUT_LOCATIONS as usize + 4 * loc + c][l])
            };
            for l in (0..4).filter(|l| live >> l & 1 == 1) {
                live_lanes.push(4 * q + l);
                let at = format!("quad {q} (cover {:04b}) lane {l}", covers[q]);
                assert_eq!(out(0, 0, l), 3.0, "{at}: dFdx of the branch's value");
                assert_eq!(out(0, 1, l), 6.0, "{at}: dFdy of the branch's value");
                assert_eq!(out(0, 2, l), 21.0, "{at}: derivatives of the loop's value");
                assert_eq!(out(0, 3, l), 5.0, "{at}: dFdx after the demote");
                assert_eq!(out(1, 0, l), 3.0 * x(q, l ^ 1), "{at}: quad swap");
                assert_eq!(out(1, 1, l), 4.0, "{at}: quad broadcast of lane 3");
            }
        },
    );
    let mut b = vec![0u8; len as usize];
    span.read(0, &mut b);
    let word = |i: usize| u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap());
    let n = live_lanes.len() as u32;
    assert_eq!(n, 11, "the live lanes of the quads");
    assert_eq!(word(0), n, "atomic adds of the live lanes only");
    assert_eq!(
        word(1),
        n,
        "ballots count the live lanes, elections pick one of them"
    );
    for i in 0..4 * covers.len() {
        let want = u32::from(live_lanes.contains(&i));
        assert_eq!(word(2 + i), want, "seen[{i}]: stored by a live lane only");
    }
}

/// Runs the fragment shader shaders/tests/NAME.spv on one fully covered quad whose input at
/// location 0 is `xs`; `check` gets the rows after the call and the live lanes (it must run).
fn one_quad(name: &str, xs: [f32; 4], mut check: impl FnMut(&[[u32; 4]], u8)) {
    let path = dir().join(format!("../tests/{name}.spv"));
    let m = Module::parse(&words(&std::fs::read(&path).expect("spv"))).expect("parse");
    let k =
        compile_fragment(&m, "main", &SpecConstants::default(), &ssbo_iface(0)).expect("compile");
    let mut seen = false;
    k.run_quads(
        &[],
        &[],
        1,
        |_, rows| {
            for (l, x) in xs.iter().enumerate() {
                rows[0][l] = x.to_bits();
            }
            0b1111
        },
        |_, rows, live| {
            seen = true;
            check(rows, live);
        },
    );
    assert!(seen, "{name}: the quad did not run");
}

/// Implicit LOD in fragment shaders (shaders/tests/fragment_texture.frag): a 16x16 image with
/// 3 levels, each one constant color, NEAREST filtering and mipmaps; quads whose uv steps
/// 1, 2 and 4 texels of level 0 per pixel select levels 0, 1 and 2 (λ = log2 of the step),
/// through the Grad path with the quad's coarse derivatives.
#[test]
#[allow(clippy::needless_range_loop)]
fn implicit_lod_follows_quad_derivatives() {
    let k = compile_texture_shader("fragment_texture");
    with_mipmapped_texture(|slots, colors| {
        let got = quad_uv_steps(&k, slots, 1);
        for (q, c) in got {
            let want: Vec<f32> = colors[q].iter().map(|&b| b as f32 / 255.0).collect();
            assert_eq!(c[0], want, "quad {q}: level {q} expected");
        }
    });
}

/// The implicit-LOD forms with a Bias operand (added to the level of detail: one level up,
/// clamped at the last level) and the projective forms (vec3 and vec4 coordinates divided by
/// q before their derivatives are taken: the same levels as the plain form).
#[test]
fn implicit_lod_bias_and_projection() {
    let k = compile_texture_shader("fragment_texture_forms");
    with_mipmapped_texture(|slots, colors| {
        let got = quad_uv_steps(&k, slots, 3);
        for (q, c) in got {
            let color = |m: usize| -> Vec<f32> {
                colors[m.min(2)].iter().map(|&b| b as f32 / 255.0).collect()
            };
            assert_eq!(c[0], color(q + 1), "quad {q}: Bias 1 reads level {}", q + 1);
            assert_eq!(
                c[1],
                color(q),
                "quad {q}: textureProj(vec3) reads level {q}"
            );
            assert_eq!(
                c[2],
                color(q),
                "quad {q}: textureProj(vec4) reads level {q}"
            );
        }
    });
}

/// Compiles shaders/tests/NAME.frag (one combined image sampler at set 0 binding 0).
fn compile_texture_shader(name: &str) -> FragmentKernel {
    let path = dir().join(format!("../tests/{name}.spv"));
    let m = Module::parse(&words(&std::fs::read(&path).expect("spv"))).expect("parse");
    let iface = PipelineInterface {
        bindings: vec![BindingLayout {
            set: 0,
            binding: 0,
            kind: DescriptorKind::CombinedImageSampler,
            count: 1,
            first_slot: 0,
        }],
        push_constant_bytes: 0,
    };
    compile_fragment(&m, "main", &SpecConstants::default(), &iface).expect("compile")
}

/// Runs `f` with a 16x16 RGBA8 texture of 3 levels (level m all `colors[m]`: red, green,
/// blue) and a NEAREST / NEAREST-mipmap REPEAT sampler in slot 0.
fn with_mipmapped_texture(f: impl FnOnce(&[Resource<'_>], [[u8; 4]; 3])) {
    use crate::resource::SamplerDesc;
    use crate::shader::runtime::sampling::{Level, MAX_LEVELS};
    use ash::vk;
    let heap = Arc::new(Heap::new(1 << 20));
    let sizes = [16u32, 8, 4];
    let colors: [[u8; 4]; 3] = [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255]];
    let mut level = [Level::default(); MAX_LEVELS];
    let mut bytes = Vec::new();
    for (m, &s) in sizes.iter().enumerate() {
        level[m] = Level {
            offset: bytes.len() as u64,
            extent: [s, s, 1],
            row_pitch: 4 * s as u64,
            depth_pitch: 4 * (s * s) as u64,
            layer_pitch: 4 * (s * s) as u64,
        };
        for _ in 0..s * s {
            bytes.extend(colors[m]);
        }
    }
    let mem = DeviceMemory::allocate(&heap, bytes.len() as u64, 0, None).expect("alloc");
    let span = mem.span(0, bytes.len() as u64).expect("span");
    span.write(0, &bytes);
    let image = SampledImage {
        span,
        format: vk::Format::R8G8B8A8_UNORM,
        swizzle: [vk::ComponentSwizzle::IDENTITY; 4],
        layers: 1,
        levels: 3,
        level,
        texel_stride: 4,
    };
    let sampler = SamplerDesc {
        mag_filter: vk::Filter::NEAREST,
        min_filter: vk::Filter::NEAREST,
        mipmap_mode: vk::SamplerMipmapMode::NEAREST,
        address_mode: [vk::SamplerAddressMode::REPEAT; 3],
        mip_lod_bias: 0.0,
        anisotropy: None,
        compare: None,
        min_lod: 0.0,
        max_lod: 1000.0,
        border_color: vk::BorderColor::FLOAT_TRANSPARENT_BLACK,
        unnormalized_coordinates: false,
        reduction: vk::SamplerReductionMode::WEIGHTED_AVERAGE,
    };
    let slots = [Resource::Sampled {
        image: Some(image),
        sampler: Some(sampler),
    }];
    f(&slots, colors);
}

/// Runs quads 0, 1, 2 of `k` with uv (input location 0) stepping 2^q texels (of 16) per pixel
/// in x and y; returns each lane's first `outputs` output locations.
#[allow(clippy::needless_range_loop)]
fn quad_uv_steps(
    k: &FragmentKernel,
    slots: &[Resource<'_>],
    outputs: usize,
) -> Vec<(usize, Vec<Vec<f32>>)> {
    let mut got = Vec::new();
    k.run_quads(
        slots,
        &[],
        3,
        |q, rows| {
            let step = (1u32 << q) as f32 / 16.0;
            for l in 0..4 {
                let (dx, dy) = ((l % 2) as f32, (l / 2) as f32);
                rows[0][l] = (0.1 + step * dx).to_bits();
                rows[1][l] = (0.2 + step * dy).to_bits();
            }
            0b1111
        },
        |q, rows, live| {
            assert_eq!(live, 0b1111);
            let o = crate::shader::runtime::IO_OUT_LOCATIONS as usize;
            for l in 0..4 {
                let c: Vec<Vec<f32>> = (0..outputs)
                    .map(|loc| {
                        (0..4)
                            .map(|k| f32::from_bits(rows[o + 4 * loc + k][l]))
                            .collect()
                    })
                    .collect();
                got.push((q, c));
            }
        },
    );
    assert_eq!(got.len(), 12);
    got
}

/// Kill and demotion inside called functions (shaders/tests/fragment_kill_call.frag): the
/// caller continues without those lanes, whose outputs are dropped.
#[test]
fn kills_and_demotions_in_callees_stay_out() {
    let xs = [0.1f32, 0.9, 0.3, 0.4];
    one_quad("fragment_kill_call", xs, |rows, live| {
        assert_eq!(live, 0b1100, "lane 0 demoted, lane 1 killed");
        let o = crate::shader::runtime::IO_OUT_LOCATIONS as usize;
        for l in [2, 3] {
            assert_eq!(f32::from_bits(rows[o][l]), xs[l], "lane {l}");
            assert_eq!(f32::from_bits(rows[o + 1][l]), 1.0, "lane {l}");
        }
        // The killed lane stored nothing after leaving; the demoted one goes on as a helper.
        assert_eq!(rows[o + 1][1], 0, "lane 1 stored its color");
        assert_eq!(f32::from_bits(rows[o + 1][0]), 1.0, "lane 0 stopped");
    });
}
