//! Bad input: the right VkResult, a message through debug utils and SOFTVK_LOG, no crash.
//! Tests that make invalid calls on purpose run without the validation layer.

use ash::vk;
use softvk_tests::{Options, Vk, image_2d};
use std::process::Command;

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

fn no_validation() -> Vk {
    Vk::with(Options {
        validation: false,
        ..Default::default()
    })
}

#[test]
fn unsupported_image_formats_usages_and_tilings_are_reported() {
    let vk = Vk::new();
    let q = |format, tiling, usage, flags| -> Result<(), vk::Result> {
        unsafe {
            vk.instance.get_physical_device_image_format_properties(
                vk.physical,
                format,
                vk::ImageType::TYPE_2D,
                tiling,
                usage,
                flags,
            )
        }
        .map(drop)
    };
    let t = vk::ImageUsageFlags::TRANSFER_DST;
    assert!(
        q(
            vk::Format::R8G8B8A8_UNORM,
            vk::ImageTiling::OPTIMAL,
            t,
            vk::ImageCreateFlags::empty()
        )
        .is_ok()
    );
    let nope: Result<(), vk::Result> = Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED);
    // ETC2 is not supported; BC formats (textureCompressionBC) have no linear tiling.
    assert_eq!(
        q(
            vk::Format::ETC2_R8G8B8A8_UNORM_BLOCK,
            vk::ImageTiling::OPTIMAL,
            t,
            vk::ImageCreateFlags::empty()
        ),
        nope
    );
    assert_eq!(
        q(
            vk::Format::BC1_RGBA_UNORM_BLOCK,
            vk::ImageTiling::LINEAR,
            t,
            vk::ImageCreateFlags::empty()
        ),
        nope
    );
    assert_eq!(
        // 64-bit formats are not sampled (every other color format is).
        q(
            vk::Format::R64_UINT,
            vk::ImageTiling::OPTIMAL,
            vk::ImageUsageFlags::SAMPLED,
            vk::ImageCreateFlags::empty()
        ),
        nope
    );
    assert_eq!(
        q(
            vk::Format::D32_SFLOAT,
            vk::ImageTiling::LINEAR,
            t,
            vk::ImageCreateFlags::empty()
        ),
        nope
    );
    assert_eq!(
        q(
            vk::Format::R8G8B8A8_UNORM,
            vk::ImageTiling::OPTIMAL,
            t,
            vk::ImageCreateFlags::SPARSE_BINDING
        ),
        nope
    );
    // The format properties agree: no features for an unsupported compressed format.
    let p = unsafe {
        vk.instance.get_physical_device_format_properties(
            vk.physical,
            vk::Format::ETC2_R8G8B8A8_UNORM_BLOCK,
        )
    };
    assert!(p.optimal_tiling_features.is_empty() && p.linear_tiling_features.is_empty());
}

#[test]
fn creating_an_image_of_an_unsupported_format_fails_without_crashing() {
    let vk = no_validation();
    let r = unsafe {
        vk.device.create_image(
            &image_2d(vk::Format::ETC2_R8G8B8A8_UNORM_BLOCK, 16, 16),
            None,
        )
    };
    assert_eq!(r.err(), Some(vk::Result::ERROR_FORMAT_NOT_SUPPORTED));
    let r = unsafe {
        vk.device
            .create_image(&image_2d(vk::Format::R8_UNORM, 0, 16), None)
    };
    assert_eq!(r.err(), Some(vk::Result::ERROR_VALIDATION_FAILED_EXT));
    let errors = vk.take_softvk_errors();
    assert_eq!(
        errors.len(),
        1,
        "the format answer is debug-level, the zero extent an error: {errors:?}"
    );
    assert!(errors[0].contains("zero dimension"), "{errors:?}");
}

#[test]
fn unknown_pnext_structures_are_skipped() {
    let vk = no_validation();
    #[repr(C)]
    struct Unknown {
        s_type: vk::StructureType,
        p_next: *const std::ffi::c_void,
        payload: [u64; 4],
    }
    let unknown = Unknown {
        s_type: vk::StructureType::from_raw(0x7ABC_DEF0),
        p_next: std::ptr::null(),
        payload: [1, 2, 3, 4],
    };
    let mut info = vk::BufferCreateInfo::default().size(256).usage(USAGE);
    info.p_next = &unknown as *const Unknown as *const std::ffi::c_void;
    let b =
        unsafe { vk.device.create_buffer(&info, None) }.expect("an unknown structure is ignored");
    unsafe { vk.device.destroy_buffer(b, None) };
    assert!(vk.take_softvk_errors().is_empty());
}

#[test]
fn bad_copy_regions_are_skipped_and_the_rest_runs() {
    let vk = no_validation();
    let small = vk.buffer(64, USAGE);
    let big = vk.buffer(1024, USAGE);
    vk.run(|cb| unsafe {
        // Out of range: skipped with a message at execution.
        vk.device.cmd_copy_buffer(
            cb,
            big.buffer,
            small.buffer,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 32,
                size: 1024,
            }],
        );
        vk.device.cmd_fill_buffer(cb, small.buffer, 0, 64, 0x77);
    });
    assert!(
        small.u32s().iter().all(|&v| v == 0x77),
        "the valid command after the bad one ran"
    );
    let errors = vk.take_softvk_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("vkCmdCopyBuffer failed and was skipped"),
        "{errors:?}"
    );
    vk.destroy_buffer(small);
    vk.destroy_buffer(big);
}

#[test]
fn commands_on_unbound_resources_do_not_crash() {
    let vk = no_validation();
    let unbound = unsafe {
        vk.device.create_buffer(
            &vk::BufferCreateInfo::default().size(4096).usage(USAGE),
            None,
        )
    }
    .unwrap();
    vk.run(|cb| unsafe { vk.device.cmd_fill_buffer(cb, unbound, 0, 4096, 1) });
    let errors = vk.take_softvk_errors();
    assert!(
        errors.iter().any(|e| e.contains("no memory bound")),
        "{errors:?}"
    );
    unsafe { vk.device.destroy_buffer(unbound, None) };
}

/// Graphics commands used wrongly fail cleanly: an invalid pipeline create info fails with
/// VK_ERROR_VALIDATION_FAILED_EXT and writes VK_NULL_HANDLE; a wide line width, a draw with no
/// pipeline bound and a draw outside a render pass instance are reported and skipped; the
/// Y'CbCr conversion commands refuse (their feature is not reported).
#[test]
fn graphics_misuse_fails_cleanly() {
    let vk = no_validation();
    let mut pipelines = [vk::Pipeline::from_raw(0xdead); 1];
    let r = unsafe {
        (vk.device.fp_v1_0().create_graphics_pipelines)(
            vk.device.handle(),
            vk::PipelineCache::null(),
            1,
            &vk::GraphicsPipelineCreateInfo::default(),
            std::ptr::null(),
            pipelines.as_mut_ptr(),
        )
    };
    assert_eq!(r, vk::Result::ERROR_VALIDATION_FAILED_EXT);
    assert_eq!(
        pipelines[0],
        vk::Pipeline::null(),
        "failed creates write VK_NULL_HANDLE"
    );
    let mut conversion = vk::SamplerYcbcrConversion::from_raw(0xdead);
    let r = unsafe {
        (vk.device.fp_v1_1().create_sampler_ycbcr_conversion)(
            vk.device.handle(),
            &vk::SamplerYcbcrConversionCreateInfo::default(),
            std::ptr::null(),
            &mut conversion,
        )
    };
    assert_eq!(r, vk::Result::ERROR_VALIDATION_FAILED_EXT);
    assert_eq!(conversion, vk::SamplerYcbcrConversion::null());
    let errors = vk.take_softvk_errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("layout is NULL"), "{errors:?}");
    assert!(errors[1].contains("samplerYcbcrConversion"), "{errors:?}");
    // Recording errors make vkEndCommandBuffer fail; execution errors skip the command.
    let cb = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
    unsafe {
        vk.device
            .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
            .unwrap();
        vk.device.cmd_set_line_width(cb, 2.0);
        assert_eq!(
            vk.device.end_command_buffer(cb),
            Err(vk::Result::ERROR_VALIDATION_FAILED_EXT)
        );
    }
    let errors = vk.take_softvk_errors();
    assert!(errors[0].contains("wideLines"), "{errors:?}");
    vk.run(|cb| unsafe { vk.device.cmd_draw(cb, 3, 1, 0, 0) });
    let errors = vk.take_softvk_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("outside a render pass instance"),
        "{errors:?}"
    );
}
use ash::vk::Handle;

/// Runs this test binary again with `env`, running only `test`; returns (success, stderr).
fn child(test: &str, env: &[(&str, &str)]) -> (bool, String) {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", test, "--nocapture", "--test-threads", "1"]);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The child half of the tests below: one failing call under the environment it was given.
#[test]
fn child_makes_one_failing_call() {
    let Ok(mode) = std::env::var("SOFTVK_TEST_CHILD") else {
        return; // only meaningful as a child
    };
    let vk = no_validation();
    match mode.as_str() {
        "oom" => {
            let r = unsafe {
                vk.device.allocate_memory(
                    &vk::MemoryAllocateInfo::default()
                        .allocation_size(u64::MAX / 2)
                        .memory_type_index(0),
                    None,
                )
            };
            assert_eq!(r.err(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY));
        }
        "panic" => {
            let r = unsafe {
                vk.device
                    .create_fence(&vk::FenceCreateInfo::default(), None)
            };
            assert_eq!(
                r.err(),
                Some(vk::Result::ERROR_UNKNOWN),
                "an injected panic becomes VK_ERROR_UNKNOWN"
            );
            let errors = vk.take_softvk_errors();
            assert!(
                errors
                    .iter()
                    .any(|e| e.contains("internal driver error (panic)")),
                "{errors:?}"
            );
            // The process and the device keep working.
            let b = unsafe {
                vk.device
                    .create_buffer(&vk::BufferCreateInfo::default().size(64).usage(USAGE), None)
            }
            .unwrap();
            unsafe { vk.device.destroy_buffer(b, None) };
            println!("CHILD-SURVIVED");
            return;
        }
        "panic-void" => {
            // A command without a result: the panic becomes a message; the process goes on.
            let buf = vk.buffer(64, USAGE);
            vk.run(|cb| unsafe { vk.device.cmd_fill_buffer(cb, buf.buffer, 0, 64, 1) });
            let errors = vk.take_softvk_errors();
            assert!(
                errors
                    .iter()
                    .any(|e| e.contains("vkCmdFillBuffer") && e.contains("panic")),
                "{errors:?}"
            );
            vk.destroy_buffer(buf);
            println!("CHILD-SURVIVED");
            return;
        }
        other => panic!("unknown child mode {other}"),
    }
    vk.take_softvk_errors();
}

#[test]
fn softvk_log_controls_stderr() {
    let (ok, err) = child(
        "child_makes_one_failing_call",
        &[("SOFTVK_TEST_CHILD", "oom"), ("SOFTVK_LOG", "error")],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("softvk: error: vkAllocateMemory:"),
        "stderr: {err}"
    );
    let (ok, err) = child(
        "child_makes_one_failing_call",
        &[("SOFTVK_TEST_CHILD", "oom"), ("SOFTVK_LOG", "off")],
    );
    assert!(ok, "{err}");
    assert!(!err.contains("softvk:"), "stderr: {err}");
}

#[test]
fn a_panic_inside_the_driver_becomes_an_error_result() {
    for (mode, command) in [
        ("panic", "vkCreateFence"),
        ("panic-void", "vkCmdFillBuffer"),
    ] {
        let mut c = Command::new(std::env::current_exe().unwrap());
        c.args([
            "--exact",
            "child_makes_one_failing_call",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("SOFTVK_TEST_CHILD", mode)
        .env("SOFTVK_INJECT_PANIC", command);
        let out = c.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{mode}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("CHILD-SURVIVED"), "{mode}");
    }
}
