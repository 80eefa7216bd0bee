//! Project tasks: `cargo xtask <task>`.
//!
//! - `codegen [--check]`   regenerate icd/src/generated from icd/registry/vk.xml (or check drift)
//! - `build [--release]`   build the ICD (target/{debug,release}/libsoftvk_icd.so)
//! - `run [--release] -- <program> [args]`  run any program with only softvk selected
//! - `test [-- <cargo test args>]`  build the ICD, then run every test through the real loader
//! - `exports`              check that the library exports exactly the three vk_icd* symbols
//! - `vulkaninfo`           run vulkaninfo with only softvk and fail on any error it prints
//! - `ci`                   everything CI checks: fmt, clippy, codegen drift, tests, exports, vulkaninfo
//! - `bench [--rounds N] [--ipc-only | --load]`  benchmarks on softvk and lavapipe in one run,
//!   with ratios; `--load`: the latency rows quiet and with one busy process per CPU
//! - `instructions [--row scene|fill|draws]`  instructions per frame of a graphics row on one
//!   thread, softvk and lavapipe, counted by valgrind (deterministic on a noisy machine)
//! - `demo`                 the demo program through the real loader
//! - `share [--mode sync-fd|opaque-fd] [--frames N]`  two processes sharing frames (external handles)
//! - `shaders [--check]`   compile shaders/**/*.{comp,geom,spvasm,wgsl} to the .spv beside them (or check)

mod codegen;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

type Result<T = ()> = std::result::Result<T, String>;

fn run(cmd: &mut Command) -> Result {
    eprintln!("xtask: {cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {status}"))
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn build_icd(release: bool) -> Result {
    let mut c = cargo();
    c.args(["build", "-p", "softvk-icd"]);
    if release {
        c.arg("--release");
    }
    run(&mut c)
}

/// The release ICD and the release binary `bin` of softvk-tests.
fn build_release(bin: &str) -> Result {
    build_icd(true)?;
    run(cargo().args(["build", "--release", "-p", "softvk-tests", "--bin", bin]))
}

fn manifest(release: bool) -> PathBuf {
    root().join(if release {
        "json/softvk_dev_release.json"
    } else {
        "json/softvk_dev.json"
    })
}

/// Environment that selects softvk alone: the dev manifest, without Mesa's implicit
/// device-select layer (Debian installs it; its own switch turns it off without a loader warning), and a private XDG_RUNTIME_DIR so that tools which
/// probe for a Wayland display do not print errors about the missing runtime directory.
fn softvk_env(cmd: &mut Command, release: bool) {
    cmd.env("VK_DRIVER_FILES", manifest(release));
    cmd.env_remove("VK_ICD_FILENAMES");
    cmd.env("NODEVICE_SELECT", "1");
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        let dir = std::env::temp_dir().join(format!("softvk-xdg-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        }
        cmd.env("XDG_RUNTIME_DIR", dir);
    }
}

fn split_args(args: &[String]) -> (Vec<String>, Vec<String>) {
    match args.iter().position(|a| a == "--") {
        Some(i) => (args[..i].to_vec(), args[i + 1..].to_vec()),
        None => (args.to_vec(), vec![]),
    }
}

fn task_run(args: &[String]) -> Result {
    let (opts, prog) = split_args(args);
    let release = opts.iter().any(|a| a == "--release");
    let Some((program, rest)) = prog.split_first() else {
        return Err("usage: cargo xtask run [--release] -- <program> [args]".into());
    };
    build_icd(release)?;
    let mut c = Command::new(program);
    c.args(rest);
    softvk_env(&mut c, release);
    run(&mut c)
}

fn task_test(args: &[String]) -> Result {
    let (_, extra) = split_args(args);
    build_icd(false)?;
    let mut c = cargo();
    c.args(["test", "--workspace", "--no-fail-fast"]);
    if !extra.is_empty() {
        c.arg("--");
        c.args(extra);
    }
    softvk_env(&mut c, false);
    run(&mut c)
}

fn library(release: bool) -> PathBuf {
    root()
        .join(if release {
            "target/release"
        } else {
            "target/debug"
        })
        .join("libsoftvk_icd.so")
}

fn task_exports() -> Result {
    build_icd(false)?;
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(library(false))
        .output()
        .map_err(|e| format!("running nm: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut symbols: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    symbols.sort();
    let want = [
        "vk_icdGetInstanceProcAddr",
        "vk_icdGetPhysicalDeviceProcAddr",
        "vk_icdNegotiateLoaderICDInterfaceVersion",
    ];
    println!("exported: {}", symbols.join(" "));
    if symbols != want {
        return Err(format!(
            "the library must export exactly {want:?}, it exports {symbols:?}"
        ));
    }
    Ok(())
}

fn task_vulkaninfo() -> Result {
    build_icd(false)?;
    for args in [vec!["--summary"], vec![]] {
        let mut c = Command::new("vulkaninfo");
        c.args(&args);
        softvk_env(&mut c, false);
        c.env("SOFTVK_LOG", "warn");
        let out = c.output().map_err(|e| format!("running vulkaninfo: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!(
                "vulkaninfo {args:?} failed: {}\n{stderr}",
                out.status
            ));
        }
        // Lines vulkaninfo prints about the windowing systems of the machine, not the driver.
        let bad: Vec<&str> = stdout
            .lines()
            .chain(stderr.lines())
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                (l.contains("error") || l.contains("softvk: warn") || l.contains("fail"))
                    && !l.contains("'display' environment variable not set")
            })
            .collect();
        if !bad.is_empty() {
            return Err(format!(
                "vulkaninfo {args:?} printed errors:\n{}",
                bad.join("\n")
            ));
        }
        if !stdout.contains("softvk (") {
            return Err("vulkaninfo did not list the softvk device".into());
        }
        println!(
            "vulkaninfo {:?}: {} lines, no errors",
            args,
            stdout.lines().count()
        );
    }
    Ok(())
}

fn task_ci() -> Result {
    run(cargo().args(["fmt", "--all", "--check"]))?;
    codegen::run(&root(), true)?;
    task_shaders(true)?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    task_exports()?;
    task_vulkaninfo()?;
    task_test(&[])
}

fn task_bench(args: &[String]) -> Result {
    build_release("softvk-bench")?;
    let mut c = Command::new(root().join("target/release/softvk-bench"));
    c.args(args);
    c.env("SOFTVK_BENCH_SOFTVK_MANIFEST", manifest(true));
    c.env("NODEVICE_SELECT", "1");
    run(&mut c)
}

/// Instructions per frame of a graphics row on one thread, softvk and lavapipe
/// (`softvk-bench --instructions ROW`, under valgrind).
fn task_instructions(args: &[String]) -> Result {
    let row = args
        .iter()
        .position(|a| a == "--row")
        .and_then(|i| args.get(i + 1))
        .map_or("scene", String::as_str);
    build_release("softvk-bench")?;
    let mut c = Command::new(root().join("target/release/softvk-bench"));
    c.args(["--instructions", row]);
    c.env("SOFTVK_BENCH_SOFTVK_MANIFEST", manifest(true));
    run(&mut c)
}

fn task_share(args: &[String]) -> Result {
    build_release("softvk-share")?;
    let mut c = Command::new(root().join("target/release/softvk-share"));
    c.args(args);
    softvk_env(&mut c, true);
    run(&mut c)
}

fn task_demo(args: &[String]) -> Result {
    build_release("softvk-demo")?;
    let mut c = Command::new(root().join("target/release/softvk-demo"));
    c.args(args);
    softvk_env(&mut c, true);
    run(&mut c)
}

/// Every GLSL shader source under `dir`, recursively.
fn shader_sources(dir: &std::path::Path, out: &mut Vec<PathBuf>) -> Result {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries {
        let p = e.map_err(|e| e.to_string())?.path();
        if p.is_dir() {
            shader_sources(&p, out)?;
        } else if p.extension().is_some_and(|x| {
            x == "comp" || x == "geom" || x == "vert" || x == "frag" || x == "spvasm" || x == "wgsl"
        }) {
            out.push(p);
        }
    }
    Ok(())
}

/// Compiles each shaders/**/NAME.comp with glslangValidator (Vulkan 1.3 target) into NAME.spv
/// beside it (and NAME_opt.spv through `spirv-opt -O` where that file exists) and validates it
/// with spirv-val; with `check`, fails if a committed .spv differs
/// (the tests load the committed files, so they must be what the sources say).
fn task_shaders(check: bool) -> Result {
    let mut sources = Vec::new();
    shader_sources(&root().join("shaders"), &mut sources)?;
    sources.sort();
    let tmp = std::env::temp_dir().join(format!("softvk-shaders-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let mut stale = Vec::new();
    let mut unchecked = Vec::new();
    for src in &sources {
        let spv = src.with_extension("spv");
        let out = tmp.join(spv.file_name().unwrap());
        let o = if src.extension().is_some_and(|x| x == "wgsl") {
            // WGSL through naga's SPIR-V backend (naga-cli; not a Debian package). Where naga
            // is missing, `--check` leaves the committed .spv as it is and says so.
            match Command::new("naga").arg(src).arg(&out).output() {
                Ok(o) => o,
                Err(e) if check && e.kind() == std::io::ErrorKind::NotFound => {
                    unchecked.push(src.display().to_string());
                    continue;
                }
                Err(e) => return Err(format!("cannot run naga (cargo install naga-cli): {e}")),
            }
        } else if src.extension().is_some_and(|x| x == "spvasm") {
            Command::new("spirv-as")
                .args(["--target-env", "vulkan1.3", "-o"])
                .arg(&out)
                .arg(src)
                .output()
                .map_err(|e| format!("cannot run spirv-as (apt install spirv-tools): {e}"))?
        } else {
            Command::new("glslangValidator")
                .args(["-V", "--target-env", "vulkan1.3", "-o"])
                .arg(&out)
                .arg(src)
                .output()
                .map_err(|e| {
                    format!("cannot run glslangValidator (apt install glslang-tools): {e}")
                })?
        };
        if !o.status.success() {
            return Err(format!(
                "{}: {}{}",
                src.display(),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        // Shaders using GL_EXT_scalar_block_layout are valid with scalarBlockLayout enabled.
        let scalar =
            std::fs::read_to_string(src).is_ok_and(|t| t.contains("GL_EXT_scalar_block_layout"));
        let val_args: &[&str] = if scalar {
            &["--target-env", "vulkan1.3", "--scalar-block-layout"]
        } else {
            &["--target-env", "vulkan1.3"]
        };
        run(Command::new("spirv-val").args(val_args).arg(&out))?;
        let mut outputs = vec![(out.clone(), spv.clone())];
        // NAME_opt.spv beside a source: the same shader through `spirv-opt -O` (SSA form, phis
        // across blocks, as optimizing front ends emit it).
        let stem = spv.file_stem().unwrap().to_string_lossy().to_string();
        let opt = spv.with_file_name(format!("{stem}_opt.spv"));
        if opt.exists() {
            let opt_out = tmp.join(opt.file_name().unwrap());
            run(Command::new("spirv-opt")
                .arg("-O")
                .arg(&out)
                .arg("-o")
                .arg(&opt_out))?;
            run(Command::new("spirv-val").args(val_args).arg(&opt_out))?;
            outputs.push((opt_out, opt));
        }
        for (out, spv) in outputs {
            let new = std::fs::read(&out).map_err(|e| e.to_string())?;
            if std::fs::read(&spv).ok().as_ref() != Some(&new) {
                if check {
                    stale.push(spv.display().to_string());
                } else {
                    std::fs::write(&spv, &new).map_err(|e| e.to_string())?;
                    println!("wrote {}", spv.display());
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    if !stale.is_empty() {
        return Err(format!(
            "compiled shaders differ from their sources (run `cargo xtask shaders`): {}",
            stale.join(", ")
        ));
    }
    if !unchecked.is_empty() {
        println!(
            "naga is not installed: {} WGSL shaders not recompiled ({})",
            unchecked.len(),
            unchecked.join(", ")
        );
    }
    println!(
        "{} shaders compiled and validated",
        sources.len() - unchecked.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let result = match task {
        "codegen" => codegen::run(&root(), rest.iter().any(|a| a == "--check")),
        "build" => build_icd(rest.iter().any(|a| a == "--release")),
        "run" => task_run(rest),
        "test" => task_test(rest),
        "exports" => task_exports(),
        "vulkaninfo" => task_vulkaninfo(),
        "ci" => task_ci(),
        "bench" => task_bench(rest),
        "instructions" => task_instructions(rest),
        "demo" => task_demo(rest),
        "share" => task_share(rest),
        "shaders" => task_shaders(rest.iter().any(|a| a == "--check")),
        _ => {
            eprintln!(
                "{}",
                include_str!("main.rs")
                    .lines()
                    .take(16)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}
