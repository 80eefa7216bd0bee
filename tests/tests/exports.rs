//! Acceptance: `nm -D` of the built library shows exactly the three vk_icd* symbols.

#[test]
fn library_exports_exactly_three_symbols() {
    softvk_tests::setup_environment();
    let out = std::process::Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(softvk_tests::library_path())
        .output()
        .expect("nm (binutils) runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut symbols: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    symbols.sort();
    println!("{}", text);
    assert_eq!(
        symbols,
        [
            "vk_icdGetInstanceProcAddr",
            "vk_icdGetPhysicalDeviceProcAddr",
            "vk_icdNegotiateLoaderICDInterfaceVersion"
        ]
    );
}
