//! Acceptance: a wgpu program (wgpu-py on wgpu-native, as pygfx and other wgpu programs use
//! it) sees softvk's Vulkan adapter when `SOFTVK_CONFORMANCE_VERSION` is set, creates a device
//! and runs a compute shader with the right result, under VK_LAYER_KHRONOS_validation with no
//! message; without the override wgpu hides softvk (its conformanceVersion is 0.0.0.0).
//!
//! The program is tests/wgpu/compute.py; `tools/deps.sh` installs wgpu-py into
//! target/wgpu-venv (pip, from PyPI).

use softvk_tests::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn python() -> PathBuf {
    let p = root().join("target/wgpu-venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run tools/deps.sh (it installs wgpu-py for this test)",
        p.display()
    );
    p
}

/// Runs compute.py with `env`, killing it after two minutes; returns (success, stdout+stderr).
fn run(args: &[&str], env: &[(&str, &Path)], conformance: Option<&str>) -> (bool, String) {
    softvk_tests::setup_environment();
    let out_path = std::env::temp_dir().join(format!("softvk-wgpu-{}.out", std::process::id()));
    let out = std::fs::File::create(&out_path).unwrap();
    let mut cmd = Command::new(python());
    cmd.arg(root().join("tests/wgpu/compute.py"))
        .args(args)
        .env_remove("VK_ICD_FILENAMES")
        .env("VK_DRIVER_FILES", root().join("json/softvk_dev.json"))
        .env_remove("SOFTVK_CONFORMANCE_VERSION")
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out);
    if let Some(v) = conformance {
        cmd.env("SOFTVK_CONFORMANCE_VERSION", v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("python runs");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&out_path).unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    (status.is_some_and(|s| s.success()), text)
}

#[test]
fn a_wgpu_program_runs_a_compute_shader_on_softvk() {
    let dir = std::env::temp_dir().join(format!("softvk-wgpu-layer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("validation.log");
    let settings = dir.join("vk_layer_settings.txt");
    // The layer logs to a file whatever messengers the program registers (or not), and the
    // status line at instance creation proves it was active.
    std::fs::write(
        &settings,
        format!(
            "khronos_validation.debug_action = VK_DBG_LAYER_ACTION_LOG_MSG\n\
             khronos_validation.report_flags = error,warn,info\n\
             khronos_validation.log_filename = {}\n",
            log.display()
        ),
    )
    .unwrap();
    let layers = [
        (
            "VK_INSTANCE_LAYERS",
            Path::new("VK_LAYER_KHRONOS_validation"),
        ),
        ("VK_LAYER_SETTINGS_PATH", settings.as_path()),
    ];
    let (ok, out) = run(&[], &layers, Some("1.3.0.0"));
    println!("{out}");
    assert!(ok, "the wgpu program failed:\n{out}");
    assert!(out.contains("using: 'softvk"), "{out}");
    assert!(out.contains("compute: 4099 results ok"), "{out}");
    let vvl = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        vvl.contains("Khronos Validation Layer Active"),
        "the validation layer did not run:\n{vvl}"
    );
    let problems: Vec<&str> = vvl
        .lines()
        .filter(|l| l.contains("Validation Error") || l.contains("Validation Warning"))
        .collect();
    assert!(problems.is_empty(), "validation messages:\n{vvl}");
    let _ = std::fs::remove_dir_all(&dir);

    // Without the override, wgpu hides softvk: the reason the variable exists.
    let (ok, out) = run(&["--expect-hidden"], &[], None);
    assert!(ok, "{out}");
}
