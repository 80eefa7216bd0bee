//! Computes SOFTVK_BUILD_HASH: a 128-bit FNV-1a hash of the driver's sources (core and ABI
//! layer) and version. driverUUID/deviceUUID derive from it, so they are equal for every process
//! running the same build and differ between builds whose data layouts may differ; external
//! memory and semaphore import checks them.

use std::path::Path;

fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            visit(&p, files);
        } else if p.extension().is_some_and(|x| x == "rs" || x == "toml") {
            files.push(p);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![];
    for d in ["src", "icd/src"] {
        visit(&root.join(d), &mut files);
        println!("cargo:rerun-if-changed={d}");
    }
    files.push(root.join("Cargo.toml"));
    files.push(root.join("icd/Cargo.toml"));
    files.sort();
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    let prime: u128 = 0x0000000001000000000000000000013B;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= *b as u128;
            h = h.wrapping_mul(prime);
        }
    };
    eat(env!("CARGO_PKG_VERSION").as_bytes());
    for f in &files {
        eat(f.strip_prefix(root).unwrap().to_string_lossy().as_bytes());
        eat(&std::fs::read(f).unwrap_or_default());
    }
    println!("cargo:rustc-env=SOFTVK_BUILD_HASH={h:032x}");
}
