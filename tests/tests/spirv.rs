//! SPIR-V that every Vulkan 1.x device must accept, through the loader: the constructs an
//! independent conformance run (the Khronos CTS) found refused or wrong, each compiled and run
//! with its result checked; and hostile SPIR-V that must fail pipeline creation cleanly.
//!
//! The shaders are the data-driven compute cases of shaders/compute (the core tests in
//! src/shader/tests.rs run the same shaders without the loader); the expected values here are
//! the ones those cases check.

use ash::vk;
use softvk_tests::{Buf, Vk};

type BU = vk::BufferUsageFlags;
type DT = vk::DescriptorType;

/// The words of shaders/compute/NAME.spv.
fn compute_spirv(name: &str) -> Vec<u32> {
    let path = softvk_tests::root()
        .join("shaders/compute")
        .join(format!("{name}.spv"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn u32s(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A compute pipeline from `words` with bindings 0.. of set 0 as `kinds` and `push` bytes of
/// push constants; the pipeline-creation result as is.
struct Pipeline {
    module: vk::ShaderModule,
    set_layout: vk::DescriptorSetLayout,
    layout: vk::PipelineLayout,
    pipeline: vk::Pipeline,
}

fn create(vk: &Vk, words: &[u32], kinds: &[DT], push: u32) -> Result<Pipeline, vk::Result> {
    let d = &vk.device;
    unsafe {
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(words), None)
            .expect("vkCreateShaderModule");
        let b: Vec<_> = kinds
            .iter()
            .enumerate()
            .map(|(i, ty)| {
                vk::DescriptorSetLayoutBinding::default()
                    .binding(i as u32)
                    .descriptor_type(*ty)
                    .descriptor_count(1)
                    .stage_flags(vk::ShaderStageFlags::COMPUTE)
            })
            .collect();
        let set_layout = d
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&b),
                None,
            )
            .expect("vkCreateDescriptorSetLayout");
        let ranges = [vk::PushConstantRange {
            stage_flags: vk::ShaderStageFlags::COMPUTE,
            offset: 0,
            size: push,
        }];
        let sls = [set_layout];
        let mut li = vk::PipelineLayoutCreateInfo::default().set_layouts(&sls);
        if push > 0 {
            li = li.push_constant_ranges(&ranges);
        }
        let layout = d
            .create_pipeline_layout(&li, None)
            .expect("vkCreatePipelineLayout");
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(c"main");
        let r = d.create_compute_pipelines(
            vk::PipelineCache::null(),
            &[vk::ComputePipelineCreateInfo::default()
                .stage(stage)
                .layout(layout)],
            None,
        );
        match r {
            Ok(p) => Ok(Pipeline {
                module,
                set_layout,
                layout,
                pipeline: p[0],
            }),
            Err((p, e)) => {
                assert!(
                    p.iter().all(|p| *p == vk::Pipeline::null()),
                    "a failed pipeline must be VK_NULL_HANDLE"
                );
                d.destroy_pipeline_layout(layout, None);
                d.destroy_descriptor_set_layout(set_layout, None);
                d.destroy_shader_module(module, None);
                Err(e)
            }
        }
    }
}

impl Pipeline {
    fn destroy(self, vk: &Vk) {
        let d = &vk.device;
        unsafe {
            d.destroy_pipeline(self.pipeline, None);
            d.destroy_pipeline_layout(self.layout, None);
            d.destroy_descriptor_set_layout(self.set_layout, None);
            d.destroy_shader_module(self.module, None);
        }
    }
}

/// Runs `words` once (one workgroup) with buffers holding `inputs` (bound as `kinds`) and
/// `push`; returns the buffers' contents afterwards.
fn run(vk: &Vk, words: &[u32], kinds: &[DT], inputs: &[Vec<u8>], push: &[u8]) -> Vec<Vec<u8>> {
    run_groups(vk, words, kinds, inputs, push, 1)
}

/// [`run`] with `groups` workgroups along x.
fn run_groups(
    vk: &Vk,
    words: &[u32],
    kinds: &[DT],
    inputs: &[Vec<u8>],
    push: &[u8],
    groups: u32,
) -> Vec<Vec<u8>> {
    let p = create(vk, words, kinds, push.len() as u32).expect("vkCreateComputePipelines");
    let d = &vk.device;
    let bufs: Vec<Buf> = inputs
        .iter()
        .zip(kinds)
        .map(|(data, ty)| {
            let usage = match *ty {
                DT::UNIFORM_BUFFER => BU::UNIFORM_BUFFER,
                DT::STORAGE_TEXEL_BUFFER => BU::STORAGE_TEXEL_BUFFER,
                _ => BU::STORAGE_BUFFER,
            };
            let b = vk.buffer(data.len().max(4) as u64, usage);
            b.bytes()[..data.len()].copy_from_slice(data);
            b
        })
        .collect();
    unsafe {
        let sizes: Vec<_> = kinds
            .iter()
            .map(|ty| vk::DescriptorPoolSize {
                ty: *ty,
                descriptor_count: 1,
            })
            .collect();
        let pool = d
            .create_descriptor_pool(
                &vk::DescriptorPoolCreateInfo::default()
                    .max_sets(1)
                    .pool_sizes(&sizes),
                None,
            )
            .expect("vkCreateDescriptorPool");
        let sls = [p.set_layout];
        let set = d
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default()
                    .descriptor_pool(pool)
                    .set_layouts(&sls),
            )
            .expect("vkAllocateDescriptorSets")[0];
        let mut views = vec![];
        for (i, (b, ty)) in bufs.iter().zip(kinds).enumerate() {
            let info = [vk::DescriptorBufferInfo {
                buffer: b.buffer,
                offset: 0,
                range: vk::WHOLE_SIZE,
            }];
            let write = vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(i as u32)
                .descriptor_type(*ty);
            if *ty == DT::STORAGE_TEXEL_BUFFER {
                // Texel buffers of 32-bit unsigned texels (r32ui in the shaders).
                let view = softvk_tests::compute::buffer_view(
                    vk,
                    b,
                    vk::Format::R32_UINT,
                    0,
                    vk::WHOLE_SIZE,
                );
                views.push(view);
                let v = [view];
                d.update_descriptor_sets(&[write.texel_buffer_view(&v)], &[]);
            } else {
                d.update_descriptor_sets(&[write.buffer_info(&info)], &[]);
            }
        }
        vk.run(|cb| {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, p.pipeline);
            d.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::COMPUTE,
                p.layout,
                0,
                &[set],
                &[],
            );
            if !push.is_empty() {
                d.cmd_push_constants(cb, p.layout, vk::ShaderStageFlags::COMPUTE, 0, push);
            }
            d.cmd_dispatch(cb, groups, 1, 1);
        });
        d.destroy_descriptor_pool(pool, None);
        for v in views {
            d.destroy_buffer_view(v, None);
        }
    }
    p.destroy(vk);
    let out = bufs.iter().map(|b| b.bytes().to_vec()).collect();
    for b in bufs {
        vk.destroy_buffer(b);
    }
    out
}

/// Row-major matrices (RowMajor + MatrixStride) in a std140 uniform block, a std430 storage
/// block and push constants: whole-matrix loads and stores, columns and single elements
/// through access chains with constant and dynamic indices (CTS dEQP-VK.ssbo.layout.*
/// row_major cases).
#[test]
fn row_major_matrices_in_buffer_blocks() {
    let vk = Vk::new();
    let uniform = f32s(&(0..36).map(|w| w as f32).collect::<Vec<_>>());
    let mut storage = f32s(&[99.0; 8]);
    storage.extend(f32s(&(100..116).map(|w| w as f32).collect::<Vec<_>>()));
    let mut push = f32s(&[10.0, 11.0, 12.0, 13.0]);
    push.extend(1u32.to_le_bytes());
    let out = run(
        &vk,
        &compute_spirv("rowmajor"),
        &[DT::UNIFORM_BUFFER, DT::STORAGE_BUFFER, DT::STORAGE_BUFFER],
        &[uniform, storage, vec![0; 132]],
        &push,
    );
    let want_o: Vec<f32> = [0, 4, 8, 1, 5, 9, 26, 30, 34, 32, 10, 12, 11, 13, 11]
        .iter()
        .map(|v| *v as f32)
        .chain((0..16).map(|i| (100 + (i % 4) * 4 + i / 4) as f32))
        .chain([3.0, 4.0])
        .collect();
    assert_eq!(out[2], f32s(&want_o));
    let want_s: Vec<f32> = [
        1, 3, 5, 99, 2, 4, 6, 99, 100, 101, 7, 103, 104, 105, 8, 11, 108, 109, 9, 111, 112, 12, 10,
        115,
    ]
    .iter()
    .map(|v| *v as f32)
    .collect();
    assert_eq!(out[1], f32s(&want_s));
}

/// Variable pointers (variablePointersStorageBuffer, variablePointers) through the loader and
/// the validation layer: shaders/compute/variable_pointers (pointers selected between two
/// storage buffers, merged by OpPhi, returned by a function, held in a Function variable, null,
/// compared; a select between workgroup elements) and variable_pointers_select (the forms the
/// SoA backend takes), with the expectations of their .test files.
#[test]
fn variable_pointers() {
    let vk = Vk::new();
    let mut vp = vk::PhysicalDeviceVariablePointersFeatures::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut vp);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2)
    };
    assert_eq!(vp.variable_pointers_storage_buffer, vk::TRUE);
    assert_eq!(vp.variable_pointers, vk::TRUE);
    let a = u32s(&(1000..1008).collect::<Vec<_>>());
    let b = u32s(&(2000..2008).collect::<Vec<_>>());
    let kinds = [DT::STORAGE_BUFFER; 3];
    let out = run(
        &vk,
        &compute_spirv("variable_pointers"),
        &kinds,
        &[a.clone(), b.clone(), vec![0; 192]],
        &[],
    );
    let want_a = [1000, 1001, 1002, 1003, 1104, 1105, 1106, 1107];
    let want_b = [2100, 2101, 2102, 2103, 2004, 2005, 2006, 2007];
    let want_o = [
        1000, 2001, 1002, 2003, 1004, 2005, 1006, 2007, 1107, 1106, 1105, 1104, 2100, 2101, 2102,
        2103, 2100, 1001, 1002, 2103, 1104, 1105, 2006, 1107, 1000, 1001, 1002, 1003, 1104, 2100,
        1106, 1107, 3, 2, 3, 2, 3, 2, 3, 2, 0, 10, 20, 30, 30, 20, 10, 0,
    ];
    assert_eq!(out[0], u32s(&want_a));
    assert_eq!(out[1], u32s(&want_b));
    assert_eq!(out[2], u32s(&want_o));
    let out = run(
        &vk,
        &compute_spirv("variable_pointers_select"),
        &kinds,
        &[a, b, vec![0; 192]],
        &[],
    );
    let mut want = [0u32; 48];
    for i in 0..8u32 {
        let v = if i % 2 == 0 { 1000 + i } else { 2000 + i };
        want[i as usize] = v;
        want[24 + i as usize] = v;
        want[32 + i as usize] = 2 + (i % 2 == 0) as u32;
        want[40 + i as usize] = if i < 4 { 10 * i } else { 10 * (7 - i) };
    }
    assert_eq!(out[2], u32s(&want));
}

/// OpUndef of vectors, matrices, arrays and structs (used) and of every kind of type
/// (unused); empty structs as variables, members, constants, parameters and results.
#[test]
fn undef_composites_and_empty_structs() {
    let vk = Vk::new();
    let out = run(
        &vk,
        &compute_spirv("undef_empty"),
        &[DT::STORAGE_BUFFER],
        &[u32s(&[99, 0, 0, 0])],
        &[],
    );
    assert_eq!(out[0], u32s(&[99, 25, 7, 0]));
    // Unused OpUndef of every kind of type (runtime arrays and pointers included), as the CTS
    // opundef cases declare them.
    let out = run_groups(
        &vk,
        &compute_spirv("undef_types"),
        &[DT::STORAGE_BUFFER, DT::STORAGE_BUFFER],
        &[f32s(&[1.5, -2.0, 3.0, 0.0]), vec![0; 16]],
        &[],
        4,
    );
    assert_eq!(out[1], f32s(&[-1.5, 2.0, -3.0, -0.0]));
}

/// glslang -gVS debug information (NonSemantic.Shader.DebugInfo.100) and debugPrintfEXT
/// (NonSemantic.DebugPrintf) are ignored; then the same module with debug strings that are
/// not UTF-8 (any bytes are valid in OpName, OpMemberName, OpString, OpModuleProcessed).
#[test]
fn debug_info_and_non_utf8_debug_strings() {
    let vk = Vk::new();
    let words = compute_spirv("debuginfo");
    let out = run(&vk, &words, &[DT::STORAGE_BUFFER], &[vec![0; 16]], &[]);
    assert_eq!(out[0], u32s(&[1, 3, 0, 0]));
    let mut w = words.clone();
    let mut at = 5;
    let mut changed = 0;
    while at < w.len() {
        let (op, n) = (w[at] & 0xFFFF, (w[at] >> 16) as usize);
        let start = match op {
            5 | 7 => 2,
            6 => 3,
            330 => 1,
            _ => 0,
        };
        if start > 0 && start < n {
            let mut b = w[at + start].to_le_bytes();
            for c in b.iter_mut().take_while(|c| **c != 0) {
                *c = 0xFE;
            }
            w[at + start] = u32::from_le_bytes(b);
            changed += 1;
        }
        at += n.max(1);
    }
    assert!(changed > 10);
    let out = run(&vk, &w, &[DT::STORAGE_BUFFER], &[vec![0; 16]], &[]);
    assert_eq!(out[0], u32s(&[1, 3, 0, 0]));
}

/// GLSL.std.450 FrexpStruct and ModfStruct (scalar and vector, with a denormal and -3.0),
/// subgroupMemoryBarrierBuffer / subgroupBarrier / subgroupMemoryBarrier.
#[test]
fn frexp_modf_and_subgroup_barriers() {
    let vk = Vk::new();
    let out = run(
        &vk,
        &compute_spirv("frexp_barrier"),
        &[DT::STORAGE_BUFFER, DT::STORAGE_BUFFER],
        &[f32s(&[8.0, -3.0, 1e-40, 2.75, 0.1, 0.0]), vec![0; 96]],
        &[],
    );
    let mut want = f32s(&[0.5, -0.75, 0.544_448_85, 0.6875]);
    want.extend(u32s(&[4, 2, -132i32 as u32, 2]));
    want.extend(f32s(&[0.8, 0.0]));
    want.extend(u32s(&[-3i32 as u32, 0]));
    want.extend(f32s(&[0.0, -0.0, 1e-40, 0.75, 8.0, -3.0, 0.0, 2.0]));
    assert_eq!(out[1][..want.len()], want[..]);
}

/// SPV_KHR_float_controls: DenormPreserve, SignedZeroInfNanPreserve and RoundingModeRTE on
/// 32-bit floats compile and hold; RoundingModeRTZ and DenormFlushToZero fail pipeline creation
/// with VK_ERROR_FEATURE_NOT_PRESENT and a message naming the mode. The supported modes run
/// under the validation layer (they match VkPhysicalDeviceFloatControlsProperties); the refused
/// ones, which the device does not report, without it.
#[test]
fn float_controls() {
    let vk = Vk::new();
    // The module also names modes for 16- and 64-bit floats (DenormPreserve 16,
    // RoundingModeRTE 64), which the device reports too.
    let module = compute_spirv("float_controls");
    let mut input = u32s(&[0x0008_0000]);
    input.extend(f32s(&[0.5, -0.0, f32::INFINITY, 1.0]));
    input.extend(u32s(&[0x3380_0000, 0x3f80_0001]));
    input.extend(f32s(&[-1.0]));
    input.extend(vec![0; 32]);
    let kinds = [DT::STORAGE_BUFFER, DT::STORAGE_BUFFER];
    let out = run(&vk, &module, &kinds, &[input, vec![0; 64]], &[]);
    let want = u32s(&[
        0x0004_0000,
        0x8000_0000,
        0xffc0_0000,
        0x3f80_0000,
        0x3f80_0002,
        0x0010_0000,
        0,
        0x7f80_0000,
    ]);
    assert_eq!(out[1][..32], want[..]);
    drop(vk);
    // Modes the device does not report: invalid usage the layer would flag, so without it.
    let vk = Vk::with(softvk_tests::Options {
        validation: false,
        ..Default::default()
    });
    for (name, mode) in [
        ("refuse_rtz", "RoundingModeRTZ"),
        ("refuse_ftz", "DenormFlushToZero"),
    ] {
        let r = create(&vk, &compute_spirv(name), &kinds, 0);
        assert_eq!(r.err(), Some(vk::Result::ERROR_FEATURE_NOT_PRESENT));
        let errors = vk.take_softvk_errors();
        assert!(
            errors.iter().any(|e| e.contains(mode)),
            "{name}: {errors:?}"
        );
    }
}

/// The exact hostile module the conformance run met: glslang output with one word changed so
/// an OpTypeVector declares 1 778 922 750 components. Pipeline creation used to allocate 8 GiB
/// and abort the process; now it fails with VK_ERROR_VALIDATION_FAILED_EXT and a message, and
/// the device goes on working. (Without the validation layer, which would refuse the module
/// itself.)
#[test]
fn hostile_vector_width_fails_pipeline_creation() {
    let vk = Vk::with(softvk_tests::Options {
        validation: false,
        ..Default::default()
    });
    let good = compute_spirv("frexp_barrier");
    let mut bad = good.clone();
    let mut at = 5;
    let mut mutated = false;
    while at < bad.len() {
        let (op, n) = (bad[at] & 0xFFFF, (bad[at] >> 16) as usize);
        if op == 23 && n == 4 {
            // OpTypeVector: result id, component type, component count.
            bad[at + 3] = 1_778_922_750;
            mutated = true;
            break;
        }
        at += n.max(1);
    }
    assert!(mutated, "no OpTypeVector in the module");
    let kinds = [DT::STORAGE_BUFFER, DT::STORAGE_BUFFER];
    let r = create(&vk, &bad, &kinds, 0);
    assert_eq!(r.err(), Some(vk::Result::ERROR_VALIDATION_FAILED_EXT));
    let errors = vk.take_softvk_errors();
    assert!(
        errors.iter().any(|e| e.contains("1778922750 components")),
        "{errors:?}"
    );
    // The device still works: the original module compiles and runs.
    let out = run(
        &vk,
        &good,
        &kinds,
        &[f32s(&[8.0, -3.0, 1e-40, 2.75, 0.1, 0.0]), vec![0; 96]],
        &[],
    );
    assert_eq!(out[1][..4], 0.5f32.to_le_bytes());
}

/// A module with a fragment entry point using demote-to-helper, terminate-invocation and
/// helper-invocation queries (plus Input/Output variables and OriginUpperLeft) loads with
/// vkCreateShaderModule, and its compute entry point makes a working pipeline; asking for the
/// fragment entry point as a compute stage fails cleanly. The valid part runs under the
/// validation layer (the device reports shaderDemoteToHelperInvocation and
/// shaderTerminateInvocation); the misuse without it.
#[test]
fn modules_with_fragment_entry_points() {
    let vk = Vk::new();
    let words = compute_spirv("fragment_module");
    let out = run(&vk, &words, &[DT::STORAGE_BUFFER], &[vec![0; 4]], &[]);
    assert_eq!(out[0], u32s(&[42]));
    drop(vk);
    // Naming a fragment entry point as a compute stage is invalid usage (and crashes
    // Debian's validation layer 1.3.239), so this part runs without the layer.
    let vk = Vk::with(softvk_tests::Options {
        validation: false,
        ..Default::default()
    });
    // The fragment entry point named as the compute stage's entry point.
    let mut renamed = words.clone();
    let mut at = 5;
    while at < renamed.len() {
        let (op, n) = (renamed[at] & 0xFFFF, (renamed[at] >> 16) as usize);
        // OpEntryPoint Fragment %f "frag": rename it to "main" and the compute one away.
        if op == 15 && n > 3 {
            let name = &mut renamed[at + 3];
            *name = match name.to_le_bytes() {
                [b'f', b'r', b'a', b'g'] => u32::from_le_bytes(*b"main"),
                [b'm', b'a', b'i', b'n'] => u32::from_le_bytes(*b"comp"),
                _ => *name,
            };
        }
        at += n.max(1);
    }
    let r = create(&vk, &renamed, &[DT::STORAGE_BUFFER], 0);
    assert_eq!(r.err(), Some(vk::Result::ERROR_FEATURE_NOT_PRESENT));
    let errors = vk.take_softvk_errors();
    assert!(errors.iter().any(|e| e.contains("Fragment")), "{errors:?}");
}

/// The Vulkan 1.2/1.3 shader features the compiler now implements, through the loader:
/// subgroup operations (subgroups of four, a partial one and divergent control flow included,
/// broadcast with a dynamic id, quad operations), integer dot products, null-initialized
/// workgroup memory, the Vulkan memory model at device scope (message passing across
/// workgroups) and std430 uniform blocks.
/// Under the validation layer: the device reports each of these features and subgroup
/// operation classes.
#[test]
fn vulkan_1_3_shader_features() {
    let vk = Vk::new();
    let ssbo2 = [DT::STORAGE_BUFFER, DT::STORAGE_BUFFER];
    // Subgroups: subgroup_ops.test's input and its CPU reference (subgroup_ops.py).
    let mut input = u32s(&[5, -3i32 as u32, 0, 7, 2, -8i32 as u32]);
    input.extend(f32s(&[1.5, -2.0, 0.0, 3.25, 0.5, -0.75]));
    input.extend(u32s(&[3, 4, 0xffff_ffff, 8, 5, 2]));
    let out = run(
        &vk,
        &compute_spirv("subgroup_ops"),
        &ssbo2,
        &[input, vec![0; 6 * 160 * 4]],
        &[],
    );
    let path = softvk_tests::root().join("shaders/compute/subgroup_ops.test");
    let text = std::fs::read_to_string(&path).expect("subgroup_ops.test");
    let want: Vec<u32> = text
        .lines()
        .find_map(|l| l.strip_prefix("expect 1 "))
        .expect("an expect line")
        .split_whitespace()
        .map(|t| u32::from_str_radix(t.trim_start_matches("0x"), 16).expect("hex"))
        .collect();
    assert_eq!(want.len(), 6 * 160);
    assert_eq!(out[1], u32s(&want));
    // Dot products: the saturating-high case of dot_product_sat_high.test.
    let input = u32s(&[
        1000,
        2000,
        3,
        4,
        1000,
        1000,
        5,
        6,
        0x7f7f_7f7f,
        0x7f7f_7f7f,
        0x7fff_0000,
        0,
        0,
        0,
        0,
        0,
    ]);
    let out = run(
        &vk,
        &compute_spirv("dot_product"),
        &ssbo2,
        &[input, vec![0; 64]],
        &[],
    );
    let want = u32s(&[
        0x2dc6e7,
        0x2dc6e7,
        0x2dc6e7,
        0x7fff_ffff,
        0x802c_c6e7,
        0x7fff_ffff,
        0xfc04,
        0xfc04,
        0xfc04,
        0x7fff_fc04,
        0x7fff_fc04,
        0x7fff_fc04,
    ]);
    assert_eq!(out[1][..48], want[..]);
    // Null-initialized workgroup memory, three workgroups.
    let out = run_groups(
        &vk,
        &compute_spirv("workgroup_init"),
        &[DT::STORAGE_BUFFER],
        &[vec![0; 48]],
        &[],
        3,
    );
    assert_eq!(out[0], u32s(&[10, 400, 7, 11].repeat(3)));
    // The Vulkan memory model at device scope: message passing across 8 workgroups through
    // release/acquire atomics, availability/visibility operands, a volatile buffer and a
    // coherent texel buffer (memory_model.test's reference): every flag seen, no violation.
    let out = run_groups(
        &vk,
        &compute_spirv("memory_model"),
        &[
            DT::STORAGE_BUFFER,
            DT::STORAGE_BUFFER,
            DT::STORAGE_TEXEL_BUFFER,
        ],
        &[vec![0; 68], vec![0; 32], vec![0; 32]],
        &[],
        8,
    );
    let data: Vec<u32> = (0..8).map(|g| g * 3 + 1).collect();
    assert_eq!(out[0][..32], u32s(&data)[..]);
    assert_eq!(out[0][32..64], u32s(&[1; 8])[..], "every flag released");
    assert_eq!(
        out[0][64..68],
        u32s(&[0])[..],
        "no reader saw a flag without its data"
    );
    assert_eq!(out[1], u32s(&(50..58).collect::<Vec<u32>>()));
    assert_eq!(out[2], u32s(&(100..108).collect::<Vec<u32>>()));
    // uniformBufferStandardLayout: the uniform block of uniform_layout with its std140
    // decorations rewritten to std430 ones (array stride 16 -> 4, v at 64 -> 16, w at 76 -> 28),
    // as the core test does; a std430 uniform block is valid with the feature enabled.
    let std430 = std430_uniform_layout();
    let mut ubo = f32s(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 10.0]);
    ubo.resize(32, 0);
    let out = run(
        &vk,
        &std430,
        &[DT::UNIFORM_BUFFER, DT::STORAGE_BUFFER],
        &[ubo, vec![0; 20]],
        &[],
    );
    assert_eq!(out[1], f32s(&[1.0, 4.0, 2.0, 7.0, 10.0]));
}

/// uniform_layout.spv with std430 decorations on its uniform block.
fn std430_uniform_layout() -> Vec<u32> {
    let mut words = compute_spirv("uniform_layout");
    let mut at = 5;
    let mut rewritten = 0;
    while at < words.len() {
        let (op, n) = (words[at] & 0xFFFF, ((words[at] >> 16) as usize).max(1));
        // OpDecorate %array ArrayStride 16 (the uniform's float[4]; the storage array has 4).
        if op == 71 && n == 4 && words[at + 2] == 6 && words[at + 3] == 16 {
            words[at + 3] = 4;
            rewritten += 1;
        }
        // OpMemberDecorate %U member Offset 64 / 76.
        if op == 72 && n == 5 && words[at + 3] == 35 {
            let new = match words[at + 4] {
                64 => Some(16),
                76 => Some(28),
                _ => None,
            };
            if let Some(v) = new {
                words[at + 4] = v;
                rewritten += 1;
            }
        }
        at += n;
    }
    assert_eq!(
        rewritten, 3,
        "uniform_layout.spv has the std140 decorations this rewrites"
    );
    words
}

/// scalarBlockLayout: scalar_layout.spv (a vec3 at offset 4, vec3 arrays with a 12-byte
/// stride, a 12-byte struct of a float and a vec2), valid with the feature enabled, through the
/// loader under the validation layer; the same expectations as the core test of the shader.
#[test]
fn scalar_block_layout() {
    let vk = Vk::new();
    let a = 2.0f32;
    let b = [0.5f32, 1.0, 1.5];
    let arr: Vec<[f32; 3]> = (0..4)
        .map(|i| [i as f32 + 1.0, i as f32 + 2.0, i as f32 + 3.0])
        .collect();
    let s: Vec<[f32; 3]> = (0..4)
        .map(|i| [i as f32, i as f32 + 0.25, i as f32 + 0.5])
        .collect();
    let mut src = vec![a];
    src.extend(b);
    src.extend(arr.iter().flatten());
    src.extend(s.iter().flatten());
    let out = run(
        &vk,
        &compute_spirv("scalar_layout"),
        &[DT::STORAGE_BUFFER, DT::STORAGE_BUFFER],
        &[f32s(&src), vec![0; 64]],
        &[],
    );
    let mut want: Vec<f32> = arr
        .iter()
        .flat_map(|v| (0..3).map(move |k| v[k] * a + b[k]))
        .collect();
    want.extend(s.iter().map(|v| v[0] + v[1] * 10.0 + v[2] * 100.0));
    assert_eq!(out[1], f32s(&want));
}
