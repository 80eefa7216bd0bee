//! What Vulkan 1.3 promises, checked through the loader: every feature the specification
//! requires of versions 1.0 to 1.3 (and of the extensions softvk lists) is reported, every
//! limit meets the Required Limits table, a device with every reported feature and extension
//! enabled is valid, and the features that have no home in another test file are exercised
//! here (pipeline creation cache control, subgroup size control, creation feedback, robust
//! access, any apiVersion at vkCreateInstance).

use ash::vk;
use softvk_tests::compute::{pipe, spirv, write_buffer};
use softvk_tests::requirements::{Bound, EXTENSION_FEATURES, LIMITS, VERSION_FEATURES};
use softvk_tests::structs::Members;
use softvk_tests::{Options, Vk};
use std::ffi::CStr;

type BU = vk::BufferUsageFlags;
type DT = vk::DescriptorType;

/// Every feature member the device reports, with its value.
fn features(vk: &Vk) -> Members {
    let mut tba = vk::PhysicalDeviceTexelBufferAlignmentFeaturesEXT::default();
    let mut f11 = vk::PhysicalDeviceVulkan11Features::default();
    let mut f12 = vk::PhysicalDeviceVulkan12Features::default();
    let mut f13 = vk::PhysicalDeviceVulkan13Features::default();
    let mut f = vk::PhysicalDeviceFeatures2::default()
        .push_next(&mut tba)
        .push_next(&mut f11)
        .push_next(&mut f12)
        .push_next(&mut f13);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f)
    };
    let core = f.features;
    Members::of(&[&core, &f11, &f12, &f13, &tba])
}

/// Acceptance: every feature the Feature Requirements section makes mandatory for Vulkan 1.0
/// to 1.3, and every feature a listed extension requires, is reported.
#[test]
fn every_required_feature_is_reported() {
    let vk = Vk::new();
    let props = unsafe { vk.instance.get_physical_device_properties(vk.physical) };
    let minor = vk::api_version_minor(props.api_version);
    assert_eq!(vk::api_version_major(props.api_version), 1);
    let f = features(&vk);
    let mut missing = vec![];
    for &(v, name) in VERSION_FEATURES {
        if v <= minor && f.flag(name) != Some(true) {
            missing.push(format!("{name} (Vulkan 1.{v})"));
        }
    }
    let exts: Vec<String> = vk.device_extensions().into_keys().collect();
    for &(ext, name) in EXTENSION_FEATURES {
        if exts.iter().any(|e| e == ext) && f.flag(name) != Some(true) {
            missing.push(format!("{name} ({ext})"));
        }
    }
    assert!(
        missing.is_empty(),
        "softvk reports Vulkan 1.{minor} but not these required features: {missing:?}"
    );
    println!(
        "Vulkan 1.{minor}: {} version features and the features of {} listed extensions reported",
        VERSION_FEATURES.iter().filter(|f| f.0 <= minor).count(),
        exts.len()
    );
}

/// The table above matches the Khronos profile's per-version requirements (Debian's
/// libvulkan-dev ships the machine-readable VP_KHR_roadmap_2022.json): no required feature is
/// missing from it.
#[test]
fn the_requirement_table_covers_the_khronos_profile() {
    let path = "/usr/share/vulkan/registry/profiles/VP_KHR_roadmap_2022.json";
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (tools/deps.sh installs libvulkan-dev)"));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let caps = &doc["capabilities"];
    let mut checked = 0;
    for minor in 0..=3u32 {
        let block = &caps[format!("vulkan1{minor}requirements")]["features"];
        let structs = block.as_object().expect("a features block per version");
        for members in structs.values() {
            for (name, value) in members.as_object().unwrap() {
                if value.as_bool() == Some(true) {
                    assert!(
                        VERSION_FEATURES
                            .iter()
                            .any(|&(v, n)| n == name && v <= minor),
                        "{name}, required by Vulkan 1.{minor} in {path}, is missing from \
                         tests/src/requirements.rs"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(
        checked >= 20,
        "only {checked} requirements read from {path}"
    );
}

/// Acceptance: every limit meets the spec's Required Limits table.
#[test]
fn every_limit_meets_the_required_limits() {
    let vk = Vk::new();
    let props = unsafe { vk.instance.get_physical_device_properties(vk.physical) };
    let mut host = vk::PhysicalDeviceExternalMemoryHostPropertiesEXT::default();
    let mut p11 = vk::PhysicalDeviceVulkan11Properties::default();
    let mut p12 = vk::PhysicalDeviceVulkan12Properties::default();
    let mut p13 = vk::PhysicalDeviceVulkan13Properties::default();
    let mut p2 = vk::PhysicalDeviceProperties2::default()
        .push_next(&mut host)
        .push_next(&mut p11)
        .push_next(&mut p12)
        .push_next(&mut p13);
    unsafe {
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut p2)
    };
    let limits = props.limits;
    let m = Members::of(&[&limits, &p11, &p12, &p13, &host]);
    let f = features(&vk);
    let mut wrong = vec![];
    for l in LIMITS {
        if let Some(feature) = l.unsupported_feature {
            assert_eq!(
                f.flag(feature),
                Some(false),
                "{feature} is reported: hold {} to the Supported Limit column",
                l.name
            );
        }
        let ok = match l.bound {
            Bound::Min(v) => m.num(l.name).map(|x| (x >= v, x.to_string())),
            Bound::Max(v) => m.num(l.name).map(|x| (x <= v, x.to_string())),
            Bound::Bits(b) => m
                .sample_counts(l.name)
                .map(|x| (x & b == b, format!("{x:#x}"))),
        };
        match ok {
            Some((true, _)) => {}
            Some((false, got)) => wrong.push(format!("{} = {got}, needs {:?}", l.name, l.bound)),
            None => wrong.push(format!("{}: not found", l.name)),
        }
    }
    assert!(wrong.is_empty(), "limits short of the spec: {wrong:#?}");
}

/// Every feature structure of softvk's extensions, chained into vkCreateDevice with every
/// member the device reports, plus every listed device extension: the result is a valid
/// device (no validation message) that runs work.
#[test]
fn a_device_with_every_reported_feature_and_extension() {
    let probe = Vk::with(Options {
        validation: false,
        ..Options::default()
    });
    let names: Vec<String> = probe.device_extensions().into_keys().collect();
    drop(probe);
    let leaked: Vec<&'static CStr> = names
        .iter()
        .map(|n| {
            &*Box::leak(
                std::ffi::CString::new(n.as_str())
                    .unwrap()
                    .into_boxed_c_str(),
            )
        })
        .collect();
    // Every extension, without the layer (Debian's validation layer, 1.3.239, predates
    // VK_KHR_map_memory2 and warns that it does not know it).
    drop(Vk::with(Options {
        device_extensions: leaked.clone(),
        validation: false,
        ..Options::default()
    }));
    let vk = Vk::with(Options {
        device_extensions: leaked
            .into_iter()
            .filter(|e| *e != c"VK_KHR_map_memory2")
            .collect(),
        ..Options::default()
    });
    // The device works: a copy through it.
    let a = vk.buffer(256, BU::TRANSFER_SRC | BU::TRANSFER_DST);
    let b = vk.buffer(256, BU::TRANSFER_SRC | BU::TRANSFER_DST);
    a.bytes()
        .iter_mut()
        .enumerate()
        .for_each(|(i, x)| *x = i as u8);
    vk.run(|cb| unsafe {
        vk.device.cmd_copy_buffer(
            cb,
            a.buffer,
            b.buffer,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 0,
                size: 256,
            }],
        )
    });
    assert_eq!(a.bytes(), b.bytes());
    vk.destroy_buffer(a);
    vk.destroy_buffer(b);
    println!(
        "device created with {} extensions and every reported feature",
        names.len()
    );
}

/// vkCreateInstance accepts any apiVersion (spec, VkApplicationInfo: a 1.1+ implementation
/// must not return VK_ERROR_INCOMPATIBLE_DRIVER for any value), and the device then exposes
/// min(requested, 1.3) to it.
#[test]
fn any_api_version_creates_an_instance() {
    softvk_tests::setup_environment();
    let entry = unsafe { ash::Entry::load() }.unwrap();
    for version in [
        vk::make_api_version(0, 1, 0, 0),
        vk::make_api_version(0, 1, 3, 999),
        vk::make_api_version(0, 1, 4, 0),
        vk::make_api_version(0, 1, 200, 0),
        vk::make_api_version(0, 2, 0, 0),
        vk::make_api_version(0, 0, 9, 0),
        vk::make_api_version(1, 1, 0, 0),
        vk::make_api_version(7, 1, 3, 0),
        u32::MAX,
    ] {
        let app = vk::ApplicationInfo::default().api_version(version);
        let info = vk::InstanceCreateInfo::default().application_info(&app);
        let instance = unsafe { entry.create_instance(&info, None) }
            .unwrap_or_else(|e| panic!("apiVersion {version:#x}: {e:?}"));
        let physical = unsafe { instance.enumerate_physical_devices() }.unwrap();
        assert_eq!(physical.len(), 1, "apiVersion {version:#x}");
        unsafe { instance.destroy_instance(None) };
    }
}

/// VK_PIPELINE_CREATE_FAIL_ON_PIPELINE_COMPILE_REQUIRED_BIT gives VK_PIPELINE_COMPILE_REQUIRED
/// and a null handle unless the pipeline cache holds the pipeline (as it does once one call
/// compiled it: then it is created, with the cache-hit feedback bit); EARLY_RETURN_ON_FAILURE
/// leaves the pipelines after a failure null; an externally synchronized cache works; creation
/// feedback is filled.
#[test]
fn pipeline_creation_cache_control_and_feedback() {
    let vk = Vk::new();
    let d = &vk.device;
    let words = spirv("subgroup");
    unsafe {
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
            .unwrap();
        let p = pipe(&vk, "subgroup", &[&[(0, DT::STORAGE_BUFFER)]], 0, None);
        let cache = d
            .create_pipeline_cache(
                &vk::PipelineCacheCreateInfo::default()
                    .flags(vk::PipelineCacheCreateFlags::EXTERNALLY_SYNCHRONIZED),
                None,
            )
            .unwrap();
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(c"main");
        let mut pipeline_fb = vk::PipelineCreationFeedback::default();
        let mut stage_fb = [vk::PipelineCreationFeedback::default()];
        let mut fb = vk::PipelineCreationFeedbackCreateInfo::default()
            .pipeline_creation_feedback(&mut pipeline_fb)
            .pipeline_stage_creation_feedbacks(&mut stage_fb);
        let normal = vk::ComputePipelineCreateInfo::default()
            .stage(stage)
            .layout(p.layout)
            .push_next(&mut fb);
        let plain = vk::ComputePipelineCreateInfo::default()
            .stage(stage)
            .layout(p.layout);
        let no_compile = plain.flags(vk::PipelineCreateFlags::FAIL_ON_PIPELINE_COMPILE_REQUIRED);
        let early = no_compile.flags(
            vk::PipelineCreateFlags::FAIL_ON_PIPELINE_COMPILE_REQUIRED
                | vk::PipelineCreateFlags::EARLY_RETURN_ON_FAILURE,
        );

        // One pipeline that needs a compile: VK_PIPELINE_COMPILE_REQUIRED, a null handle.
        let mut out = [<vk::Pipeline as vk::Handle>::from_raw(1)];
        let r = (d.fp_v1_0().create_compute_pipelines)(
            d.handle(),
            cache,
            1,
            &no_compile,
            std::ptr::null(),
            out.as_mut_ptr(),
        );
        assert_eq!(r, vk::Result::PIPELINE_COMPILE_REQUIRED);
        assert_eq!(out[0], vk::Pipeline::null());

        // [normal, compile-required, normal]: the others are created, the result says why
        // one is not.
        let infos = [normal, no_compile, plain];
        let mut out = [<vk::Pipeline as vk::Handle>::from_raw(1); 3];
        let r = (d.fp_v1_0().create_compute_pipelines)(
            d.handle(),
            cache,
            3,
            infos.as_ptr(),
            std::ptr::null(),
            out.as_mut_ptr(),
        );
        assert_eq!(r, vk::Result::PIPELINE_COMPILE_REQUIRED);
        assert_ne!(out[0], vk::Pipeline::null());
        assert_eq!(out[1], vk::Pipeline::null());
        assert_ne!(out[2], vk::Pipeline::null());
        assert!(
            pipeline_fb
                .flags
                .contains(vk::PipelineCreationFeedbackFlags::VALID)
        );
        assert!(
            stage_fb[0]
                .flags
                .contains(vk::PipelineCreationFeedbackFlags::VALID)
        );
        assert!(pipeline_fb.duration > 0, "creation feedback has a duration");
        assert!(
            !pipeline_fb
                .flags
                .contains(vk::PipelineCreationFeedbackFlags::APPLICATION_PIPELINE_CACHE_HIT),
            "the first creation compiled"
        );
        d.destroy_pipeline(out[0], None);
        d.destroy_pipeline(out[2], None);

        // The cache now holds the pipeline: no compile is required.
        let mut hit_fb = vk::PipelineCreationFeedback::default();
        let mut hit_stage_fb = [vk::PipelineCreationFeedback::default()];
        let mut fb = vk::PipelineCreationFeedbackCreateInfo::default()
            .pipeline_creation_feedback(&mut hit_fb)
            .pipeline_stage_creation_feedbacks(&mut hit_stage_fb);
        let hit = no_compile.push_next(&mut fb);
        let mut out = [vk::Pipeline::null()];
        let r = (d.fp_v1_0().create_compute_pipelines)(
            d.handle(),
            cache,
            1,
            &hit,
            std::ptr::null(),
            out.as_mut_ptr(),
        );
        assert_eq!(r, vk::Result::SUCCESS);
        assert_ne!(out[0], vk::Pipeline::null());
        for f in [hit_fb.flags, hit_stage_fb[0].flags] {
            assert!(f.contains(
                vk::PipelineCreationFeedbackFlags::VALID
                    | vk::PipelineCreationFeedbackFlags::APPLICATION_PIPELINE_CACHE_HIT
            ));
        }
        d.destroy_pipeline(out[0], None);

        // EARLY_RETURN_ON_FAILURE: the failing pipeline and every later one are null. (A cache
        // that has not seen the pipeline: VK_NULL_HANDLE.)
        let infos = [plain, early, plain];
        let mut out = [<vk::Pipeline as vk::Handle>::from_raw(1); 3];
        let r = (d.fp_v1_0().create_compute_pipelines)(
            d.handle(),
            vk::PipelineCache::null(),
            3,
            infos.as_ptr(),
            std::ptr::null(),
            out.as_mut_ptr(),
        );
        assert_eq!(r, vk::Result::PIPELINE_COMPILE_REQUIRED);
        assert_ne!(out[0], vk::Pipeline::null());
        assert_eq!(out[1..], [vk::Pipeline::null(); 2]);
        d.destroy_pipeline(out[0], None);

        d.destroy_pipeline_cache(cache, None);
        d.destroy_shader_module(module, None);
        p.destroy(&vk);
    }
}

/// VK_EXT_subgroup_size_control (core 1.3): a compute stage may require the subgroup size the
/// device reports (min = max) with full subgroups, and the shader sees that size; a size the
/// device does not run is refused with a message.
#[test]
fn subgroup_size_control() {
    let vk = Vk::new();
    let mut p13 = vk::PhysicalDeviceVulkan13Properties::default();
    let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut p13);
    unsafe {
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut p2)
    };
    assert_eq!(p13.min_subgroup_size, p13.max_subgroup_size);
    assert!(
        p13.required_subgroup_size_stages
            .contains(vk::ShaderStageFlags::COMPUTE)
    );
    let size = p13.min_subgroup_size;
    let d = &vk.device;
    let words = spirv("subgroup");
    let out = vk.buffer(16 * 16, BU::STORAGE_BUFFER);
    unsafe {
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
            .unwrap();
        // The layout and sets of the shader, from the helper; the pipeline made here.
        let p = pipe(&vk, "subgroup", &[&[(0, DT::STORAGE_BUFFER)]], 0, None);
        write_buffer(&vk, p.sets[0], 0, DT::STORAGE_BUFFER, &out, 0, 256);
        let mut required = vk::PipelineShaderStageRequiredSubgroupSizeCreateInfo::default()
            .required_subgroup_size(size);
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(c"main")
            .flags(vk::PipelineShaderStageCreateFlags::REQUIRE_FULL_SUBGROUPS)
            .push_next(&mut required);
        let info = vk::ComputePipelineCreateInfo::default()
            .stage(stage)
            .layout(p.layout);
        let pipeline = d
            .create_compute_pipelines(vk::PipelineCache::null(), &[info], None)
            .unwrap()[0];
        vk.run(|cb| {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pipeline);
            d.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::COMPUTE,
                p.layout,
                0,
                &p.sets,
                &[],
            );
            d.cmd_dispatch(cb, 1, 1, 1);
        });
        let words = out.u32s();
        assert_eq!(size, 4);
        for inv in 0..16 {
            assert_eq!(
                words[inv * 4..inv * 4 + 2],
                [size, inv as u32 % size],
                "gl_SubgroupSize and gl_SubgroupInvocationID seen by invocation {inv}"
            );
        }
        // ALLOW_VARYING_SUBGROUP_SIZE alone is accepted too.
        let varying = vk::ComputePipelineCreateInfo::default()
            .stage(
                vk::PipelineShaderStageCreateInfo::default()
                    .stage(vk::ShaderStageFlags::COMPUTE)
                    .module(module)
                    .name(c"main")
                    .flags(vk::PipelineShaderStageCreateFlags::ALLOW_VARYING_SUBGROUP_SIZE),
            )
            .layout(p.layout);
        let pv = d
            .create_compute_pipelines(vk::PipelineCache::null(), &[varying], None)
            .unwrap()[0];
        d.destroy_pipeline(pv, None);
        d.destroy_pipeline(pipeline, None);
        d.destroy_shader_module(module, None);
        p.destroy(&vk);
    }
    vk.destroy_buffer(out);

    // Sizes outside min..=max (smaller and larger powers of two): invalid usage, refused with a
    // message (no validation layer: the layer would object first).
    let vk = Vk::with(Options {
        validation: false,
        ..Options::default()
    });
    let d = &vk.device;
    unsafe {
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
            .unwrap();
        let p = pipe(&vk, "subgroup", &[&[(0, DT::STORAGE_BUFFER)]], 0, None);
        for bad in [1, size / 2, size * 2, size * 64] {
            let mut required = vk::PipelineShaderStageRequiredSubgroupSizeCreateInfo::default()
                .required_subgroup_size(bad);
            let info = vk::ComputePipelineCreateInfo::default()
                .stage(
                    vk::PipelineShaderStageCreateInfo::default()
                        .stage(vk::ShaderStageFlags::COMPUTE)
                        .module(module)
                        .name(c"main")
                        .push_next(&mut required),
                )
                .layout(p.layout);
            let err = d
                .create_compute_pipelines(vk::PipelineCache::null(), &[info], None)
                .unwrap_err();
            assert_eq!(err.1, vk::Result::ERROR_VALIDATION_FAILED_EXT, "size {bad}");
            assert_eq!(err.0, vec![vk::Pipeline::null()]);
            let errors = vk.take_softvk_errors();
            assert!(
                errors.iter().any(|e| e.contains("requiredSubgroupSize")),
                "{errors:?}"
            );
        }
        d.destroy_shader_module(module, None);
        p.destroy(&vk);
    }
}

/// robustImageAccess (Vulkan 1.3): image accesses out of the view's range, here storage and
/// uniform texel buffers, load (0, 0, 0, 1) for this one-component format and drop stores; neighbouring memory is untouched. robustBufferAccess (1.0) has its test in
/// tests/tests/compute.rs (out_of_range_accesses_do_not_crash), on this same device setup with
/// every reported feature enabled.
#[test]
fn robust_image_access() {
    let vk = Vk::new();
    assert_eq!(features(&vk).flag("robustImageAccess"), Some(true));
    let texel = BU::STORAGE_TEXEL_BUFFER | BU::UNIFORM_TEXEL_BUFFER;
    // One buffer holds the source view (texels 16..32) between guard texels.
    let src = vk.buffer(64 * 4, texel);
    let dst = vk.buffer(64 * 4, texel);
    for (i, c) in src.bytes().chunks_exact_mut(4).enumerate() {
        c.copy_from_slice(&(1000 + i as u32).to_le_bytes());
    }
    dst.bytes().fill(0xEE);
    let out = vk.buffer(3 * 64 * 16, BU::STORAGE_BUFFER);
    let p = pipe(
        &vk,
        "robust_image",
        &[&[
            (0, DT::STORAGE_TEXEL_BUFFER),
            (1, DT::STORAGE_TEXEL_BUFFER),
            (2, DT::UNIFORM_TEXEL_BUFFER),
            (3, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    let r32 = vk::Format::R32_UINT;
    let src_view = softvk_tests::compute::buffer_view(&vk, &src, r32, 64, 64);
    let dst_view = softvk_tests::compute::buffer_view(&vk, &dst, r32, 64, 64);
    let write_texel = softvk_tests::compute::write_texel;
    write_texel(&vk, p.sets[0], 0, DT::STORAGE_TEXEL_BUFFER, src_view);
    write_texel(&vk, p.sets[0], 1, DT::STORAGE_TEXEL_BUFFER, dst_view);
    write_texel(&vk, p.sets[0], 2, DT::UNIFORM_TEXEL_BUFFER, src_view);
    write_buffer(&vk, p.sets[0], 3, DT::STORAGE_BUFFER, &out, 0, 3 * 64 * 16);
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, 1, 1, 1);
    });
    let o = out.u32s();
    for i in 0..64usize {
        let load = &o[i * 4..i * 4 + 4];
        let neg = &o[256 + i * 4..256 + i * 4 + 4];
        let fetch = &o[512 + i * 4..512 + i * 4 + 4];
        // Out of range: a zero R32_UINT texel converted to RGBA, (0, 0, 0, 1) (one of the
        // values robustImageAccess allows; the one robustImageAccess2 requires).
        let want: [u32; 4] = if i < 16 {
            [1016 + i as u32, 0, 0, 1]
        } else {
            [0, 0, 0, 1]
        };
        assert_eq!(load, want, "imageLoad({i})");
        assert_eq!(fetch, want, "texelFetch({i})");
        assert_eq!(
            neg,
            [0, 0, 0, 1],
            "imageLoad at a negative coordinate ({i})"
        );
    }
    let d = dst.u32s();
    for (i, &v) in d.iter().enumerate() {
        let want = match i {
            // The view covers texels 16..32: stores to view texels 8..16 (invocations 0..8)
            // land, every other store is dropped.
            24..32 => 100 + (i as u32 - 24),
            _ => 0xEEEE_EEEE,
        };
        assert_eq!(v, want, "destination word {i}");
    }
    unsafe {
        vk.device.destroy_buffer_view(src_view, None);
        vk.device.destroy_buffer_view(dst_view, None);
    }
    p.destroy(&vk);
    vk.destroy_buffer(src);
    vk.destroy_buffer(dst);
    vk.destroy_buffer(out);
}

/// VK_EXT_robustness2 (robustBufferAccess2, robustImageAccess2, nullDescriptor): a shader
/// reads, writes, queries and runs atomics on null descriptors of every kind it can bind
/// (storage and uniform buffers, storage and uniform texel buffers, storage images, a
/// combined image sampler with a null view): loads give zeros, stores and atomics are dropped
/// (atomics return 0), sizes are 0. Out-of-range reads of real views give a zero texel with
/// (0, 0, 1) for the missing G, B, A of the format: RGBA8 (0, 0, 0, 0), R32F and RG8
/// (0, 0, 0, 1).
#[test]
fn robustness2_null_descriptors_and_out_of_range_reads() {
    let vk = Vk::with(Options {
        device_extensions: vec![ash::ext::robustness2::NAME],
        ..Default::default()
    });
    let mut r2 = vk::PhysicalDeviceRobustness2FeaturesEXT::default();
    let mut r2p = vk::PhysicalDeviceRobustness2PropertiesEXT::default();
    unsafe {
        let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut r2);
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2);
        let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut r2p);
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut p2);
    }
    assert_eq!(
        [
            r2.robust_buffer_access2,
            r2.robust_image_access2,
            r2.null_descriptor
        ],
        [vk::TRUE; 3]
    );
    assert_eq!(r2p.robust_storage_buffer_access_size_alignment, 1);
    assert_eq!(r2p.robust_uniform_buffer_access_size_alignment, 1);
    let d = &vk.device;
    let p = pipe(
        &vk,
        "robustness2",
        &[&[
            (0, DT::STORAGE_BUFFER),
            (1, DT::UNIFORM_BUFFER),
            (2, DT::STORAGE_TEXEL_BUFFER),
            (3, DT::UNIFORM_TEXEL_BUFFER),
            (4, DT::STORAGE_IMAGE),
            (5, DT::COMBINED_IMAGE_SAMPLER),
            (6, DT::STORAGE_IMAGE),
            (7, DT::STORAGE_IMAGE),
            (8, DT::STORAGE_IMAGE),
            (9, DT::COMBINED_IMAGE_SAMPLER),
            (10, DT::STORAGE_BUFFER),
        ]],
        0,
        None,
    );
    let set = p.sets[0];
    let usage = vk::ImageUsageFlags::STORAGE
        | vk::ImageUsageFlags::SAMPLED
        | vk::ImageUsageFlags::TRANSFER_DST;
    let rgba = vk.image(&softvk_tests::image_2d(vk::Format::R8G8B8A8_UNORM, 4, 1).usage(usage));
    let r32 = vk.image(&softvk_tests::image_2d(vk::Format::R32_SFLOAT, 4, 1).usage(usage));
    let rg8 = vk.image(&softvk_tests::image_2d(vk::Format::R8G8_UNORM, 4, 4).usage(usage));
    let color = vk::ImageAspectFlags::COLOR;
    let view = |i: vk::Image, f| unsafe {
        d.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(i)
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(f)
                .subresource_range(softvk_tests::full_range(color)),
            None,
        )
        .unwrap()
    };
    let views = [
        view(rgba.image, vk::Format::R8G8B8A8_UNORM),
        view(r32.image, vk::Format::R32_SFLOAT),
        view(rg8.image, vk::Format::R8G8_UNORM),
    ];
    let sampler = unsafe {
        d.create_sampler(
            &vk::SamplerCreateInfo::default().max_lod(vk::LOD_CLAMP_NONE),
            None,
        )
        .unwrap()
    };
    let out = vk.buffer(64 * 4, BU::STORAGE_BUFFER);
    out.bytes().fill(0xEE);
    unsafe {
        // Null descriptors: VK_NULL_HANDLE resources (offset 0, VK_WHOLE_SIZE for buffers).
        let null_buf = [vk::DescriptorBufferInfo {
            buffer: vk::Buffer::null(),
            offset: 0,
            range: vk::WHOLE_SIZE,
        }];
        let null_view = [vk::BufferView::null()];
        let image = |v, l, s| {
            [vk::DescriptorImageInfo {
                sampler: s,
                image_view: v,
                image_layout: l,
            }]
        };
        let general = vk::ImageLayout::GENERAL;
        let ro = vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL;
        let imgs = [
            (
                4,
                DT::STORAGE_IMAGE,
                image(vk::ImageView::null(), general, vk::Sampler::null()),
            ),
            (
                5,
                DT::COMBINED_IMAGE_SAMPLER,
                image(vk::ImageView::null(), ro, sampler),
            ),
            (
                6,
                DT::STORAGE_IMAGE,
                image(vk::ImageView::null(), general, vk::Sampler::null()),
            ),
            (
                7,
                DT::STORAGE_IMAGE,
                image(views[0], general, vk::Sampler::null()),
            ),
            (
                8,
                DT::STORAGE_IMAGE,
                image(views[1], general, vk::Sampler::null()),
            ),
            (9, DT::COMBINED_IMAGE_SAMPLER, image(views[2], ro, sampler)),
        ];
        let mut writes = vec![
            vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(0)
                .descriptor_type(DT::STORAGE_BUFFER)
                .buffer_info(&null_buf),
            vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(1)
                .descriptor_type(DT::UNIFORM_BUFFER)
                .buffer_info(&null_buf),
            vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(2)
                .descriptor_type(DT::STORAGE_TEXEL_BUFFER)
                .texel_buffer_view(&null_view),
            vk::WriteDescriptorSet::default()
                .dst_set(set)
                .dst_binding(3)
                .descriptor_type(DT::UNIFORM_TEXEL_BUFFER)
                .texel_buffer_view(&null_view),
        ];
        for (b, t, info) in &imgs {
            writes.push(
                vk::WriteDescriptorSet::default()
                    .dst_set(set)
                    .dst_binding(*b)
                    .descriptor_type(*t)
                    .image_info(info),
            );
        }
        d.update_descriptor_sets(&writes, &[]);
    }
    write_buffer(&vk, set, 10, DT::STORAGE_BUFFER, &out, 0, vk::WHOLE_SIZE);
    let fill = vk.buffer(64, BU::TRANSFER_SRC);
    fill.bytes().fill(0xFF);
    let region = |w, h| vk::BufferImageCopy {
        image_subresource: softvk_tests::color_layers(1),
        image_extent: vk::Extent3D {
            width: w,
            height: h,
            depth: 1,
        },
        ..Default::default()
    };
    vk.run(|cb| unsafe {
        for (img, w, h, layout) in [
            (&rgba, 4, 1, vk::ImageLayout::GENERAL),
            (&r32, 4, 1, vk::ImageLayout::GENERAL),
            (&rg8, 4, 4, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL),
        ] {
            let dst = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
            vk.layout_barrier(cb, img.image, color, vk::ImageLayout::UNDEFINED, dst);
            d.cmd_copy_buffer_to_image(cb, fill.buffer, img.image, dst, &[region(w, h)]);
            vk.layout_barrier(cb, img.image, color, dst, layout);
        }
        p.bind(&vk, cb, &[]);
        d.cmd_dispatch(cb, 1, 1, 1);
    });
    let w = out.u32s();
    let one = 1f32.to_bits();
    // Null descriptors: zeros everywhere (and 0 from the atomics, sizes 0).
    assert!(
        w[..18].iter().all(|&v| v == 0),
        "null descriptors: {:?}",
        &w[..18]
    );
    assert_eq!(w[20..24], [0, 0, 0, 0], "RGBA8 out of range");
    assert_eq!(w[24..28], [0, 0, 0, one], "R32F out of range");
    assert_eq!(w[28..32], [0, 0, 0, one], "RG8 texelFetch out of range");
    assert_eq!(w[32..34], [one, one], "in range");
    unsafe {
        for v in views {
            d.destroy_image_view(v, None);
        }
        d.destroy_sampler(sampler, None);
    }
    p.destroy(&vk);
    for i in [rgba, r32, rg8] {
        vk.destroy_image(i);
    }
    vk.destroy_buffer(out);
    vk.destroy_buffer(fill);
}

/// The same member in two structures has the same value: every member of an extension's (or
/// a promoted) properties or features structure equals the member of the same name in
/// VkPhysicalDeviceVulkan11/12/13Properties/Features (the CTS compares them; FloatControls and
/// DescriptorIndexing properties once disagreed with Vulkan12Properties).
#[test]
fn promoted_structures_agree_with_the_vulkan_1x_structures() {
    let vk = Vk::new();
    let (i, p) = (&vk.instance, vk.physical);
    macro_rules! props {
        ($($t:ident),*) => {{
            let mut v: Vec<(&str, Vec<(String, String)>)> = vec![];
            $(
                let mut s = vk::$t::default();
                let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut s);
                unsafe { i.get_physical_device_properties2(p, &mut p2) };
                v.push((stringify!($t), Members::pairs(&s)));
            )*
            v
        }};
    }
    macro_rules! feats {
        ($($t:ident),*) => {{
            let mut v: Vec<(&str, Vec<(String, String)>)> = vec![];
            $(
                let mut s = vk::$t::default();
                let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut s);
                unsafe { i.get_physical_device_features2(p, &mut f2) };
                v.push((stringify!($t), Members::pairs(&s)));
            )*
            v
        }};
    }
    let core_props = props!(
        PhysicalDeviceVulkan11Properties,
        PhysicalDeviceVulkan12Properties,
        PhysicalDeviceVulkan13Properties
    );
    let ext_props = props!(
        PhysicalDeviceIDProperties,
        PhysicalDeviceSubgroupProperties,
        PhysicalDevicePointClippingProperties,
        PhysicalDeviceMultiviewProperties,
        PhysicalDeviceProtectedMemoryProperties,
        PhysicalDeviceMaintenance3Properties,
        PhysicalDeviceDriverProperties,
        PhysicalDeviceFloatControlsProperties,
        PhysicalDeviceDepthStencilResolveProperties,
        PhysicalDeviceSamplerFilterMinmaxProperties,
        PhysicalDeviceTimelineSemaphoreProperties,
        PhysicalDeviceDescriptorIndexingProperties,
        PhysicalDeviceMaintenance4Properties,
        PhysicalDeviceSubgroupSizeControlProperties,
        PhysicalDeviceInlineUniformBlockProperties,
        PhysicalDeviceShaderIntegerDotProductProperties,
        PhysicalDeviceTexelBufferAlignmentProperties
    );
    let core_feats = feats!(
        PhysicalDeviceVulkan11Features,
        PhysicalDeviceVulkan12Features,
        PhysicalDeviceVulkan13Features
    );
    let ext_feats = feats!(
        PhysicalDevice16BitStorageFeatures,
        PhysicalDeviceMultiviewFeatures,
        PhysicalDeviceVariablePointersFeatures,
        PhysicalDeviceProtectedMemoryFeatures,
        PhysicalDeviceSamplerYcbcrConversionFeatures,
        PhysicalDeviceShaderDrawParametersFeatures,
        PhysicalDevice8BitStorageFeatures,
        PhysicalDeviceShaderAtomicInt64Features,
        PhysicalDeviceShaderFloat16Int8Features,
        PhysicalDeviceDescriptorIndexingFeatures,
        PhysicalDeviceScalarBlockLayoutFeatures,
        PhysicalDeviceImagelessFramebufferFeatures,
        PhysicalDeviceUniformBufferStandardLayoutFeatures,
        PhysicalDeviceShaderSubgroupExtendedTypesFeatures,
        PhysicalDeviceSeparateDepthStencilLayoutsFeatures,
        PhysicalDeviceHostQueryResetFeatures,
        PhysicalDeviceTimelineSemaphoreFeatures,
        PhysicalDeviceBufferDeviceAddressFeatures,
        PhysicalDeviceVulkanMemoryModelFeatures,
        PhysicalDeviceImageRobustnessFeatures,
        PhysicalDeviceInlineUniformBlockFeatures,
        PhysicalDevicePipelineCreationCacheControlFeatures,
        PhysicalDevicePrivateDataFeatures,
        PhysicalDeviceShaderDemoteToHelperInvocationFeatures,
        PhysicalDeviceShaderTerminateInvocationFeatures,
        PhysicalDeviceSubgroupSizeControlFeatures,
        PhysicalDeviceSynchronization2Features,
        PhysicalDeviceZeroInitializeWorkgroupMemoryFeatures,
        PhysicalDeviceDynamicRenderingFeatures,
        PhysicalDeviceShaderIntegerDotProductFeatures,
        PhysicalDeviceMaintenance4Features
    );
    // The 1.1 structures name some members differently (subgroup_size vs supported_stages):
    // the spec's aliases, compared explicitly.
    let renamed = [
        ("supported_stages", "subgroup_supported_stages"),
        ("supported_operations", "subgroup_supported_operations"),
        (
            "quad_operations_in_all_stages",
            "subgroup_quad_operations_in_all_stages",
        ),
        ("variable_pointers", "variable_pointers"),
    ];
    let mut compared = 0;
    let mut differ = vec![];
    for (ext, core) in [(&ext_props, &core_props), (&ext_feats, &core_feats)] {
        for (name, members) in ext.iter() {
            for (k, v) in members {
                let key = renamed
                    .iter()
                    .find(|(a, _)| a == k)
                    .map_or(k.as_str(), |(_, b)| b);
                let found: Vec<&String> = core
                    .iter()
                    .flat_map(|(_, m)| m.iter().filter(|(ck, _)| ck == key).map(|(_, cv)| cv))
                    .collect();
                let Some(cv) = found.first() else {
                    continue;
                };
                compared += 1;
                if *cv != v {
                    differ.push(format!("{name}::{k} = {v}, Vulkan1x: {cv}"));
                }
            }
        }
    }
    assert!(differ.is_empty(), "structures disagree: {differ:#?}");
    assert!(compared > 100, "only {compared} members compared");
    println!("{compared} members agree");
}

/// Several pipelines in one vkCreateComputePipelines call compile in parallel on the pool, each
/// one is valid and works, in the order of the create infos; the time of one call with 8
/// pipelines and of 8 calls with one is printed (not asserted: the machine is shared).
#[test]
fn several_pipelines_in_one_call() {
    let vk = Vk::new();
    let d = &vk.device;
    let words = spirv("subgroup");
    unsafe {
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
            .unwrap();
        let p = pipe(&vk, "subgroup", &[&[(0, DT::STORAGE_BUFFER)]], 0, None);
        let info = vk::ComputePipelineCreateInfo::default()
            .stage(
                vk::PipelineShaderStageCreateInfo::default()
                    .stage(vk::ShaderStageFlags::COMPUTE)
                    .module(module)
                    .name(c"main"),
            )
            .layout(p.layout);
        let t0 = std::time::Instant::now();
        let batch = d
            .create_compute_pipelines(vk::PipelineCache::null(), &[info; 8], None)
            .unwrap();
        let one_call = t0.elapsed();
        let t0 = std::time::Instant::now();
        let singles: Vec<vk::Pipeline> = (0..8)
            .map(|_| {
                d.create_compute_pipelines(vk::PipelineCache::null(), &[info], None)
                    .unwrap()[0]
            })
            .collect();
        let eight_calls = t0.elapsed();
        println!("8 pipelines: one call {one_call:?}, eight calls {eight_calls:?}");
        let out = vk.buffer(16 * 16, BU::STORAGE_BUFFER);
        write_buffer(&vk, p.sets[0], 0, DT::STORAGE_BUFFER, &out, 0, 256);
        for &pl in batch.iter().chain(&singles) {
            assert_ne!(pl, vk::Pipeline::null());
            out.bytes().fill(0xFF);
            vk.run(|cb| {
                d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pl);
                d.cmd_bind_descriptor_sets(
                    cb,
                    vk::PipelineBindPoint::COMPUTE,
                    p.layout,
                    0,
                    &p.sets,
                    &[],
                );
                d.cmd_dispatch(cb, 1, 1, 1);
            });
            let w = out.u32s();
            for inv in 0..16 {
                // (gl_SubgroupSize, gl_SubgroupInvocationID, NumSubgroups*100 + SubgroupID, elected)
                let i = inv as u32;
                let want = [4, i % 4, 400 + i / 4, i.is_multiple_of(4) as u32];
                assert_eq!(w[inv * 4..inv * 4 + 4], want);
            }
        }
        for pl in batch.into_iter().chain(singles) {
            d.destroy_pipeline(pl, None);
        }
        vk.destroy_buffer(out);
        d.destroy_shader_module(module, None);
        p.destroy(&vk);
    }
}
