//! The two-process example (`softvk-share`, shown in the README) runs in both modes.

#[test]
fn share_example_runs_in_both_modes() {
    softvk_tests::setup_environment();
    for mode in ["sync-fd", "opaque-fd"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_softvk-share"))
            .args(["--mode", mode, "--frames", "12"])
            .output()
            .expect("softvk-share runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{mode}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("consumer: 12 frames checked"),
            "{mode}: {stdout}"
        );
    }
}
