//! `SOFTVK_CONFORMANCE_VERSION`: the reported conformanceVersion is the honest 0.0.0.0 unless
//! the variable asks otherwise (wgpu hides adapters whose conformanceVersion.major is 0; the
//! README explains). A malformed value is reported and ignored.
//!
//! One test in its own binary: it changes the process environment between instances.

use ash::vk;
use softvk_tests::{Options, Vk};

fn reported() -> (vk::ConformanceVersion, vk::ConformanceVersion, Vec<String>) {
    let vk = Vk::with(Options {
        validation: false,
        ..Options::default()
    });
    let mut driver = vk::PhysicalDeviceDriverProperties::default();
    let mut v12 = vk::PhysicalDeviceVulkan12Properties::default();
    let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut v12);
    unsafe {
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut p2)
    };
    let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut driver);
    unsafe {
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut p2)
    };
    let warnings = vk.take_softvk_warnings();
    (
        v12.conformance_version,
        driver.conformance_version,
        warnings,
    )
}

fn version(v: vk::ConformanceVersion) -> [u8; 4] {
    [v.major, v.minor, v.subminor, v.patch]
}

#[test]
fn conformance_version_is_zero_unless_overridden() {
    // SAFETY: this binary runs this one test; no other thread reads the environment meanwhile.
    unsafe { std::env::remove_var("SOFTVK_CONFORMANCE_VERSION") };
    let (a, b, _) = reported();
    assert_eq!(version(a), [0; 4], "honest by default");
    assert_eq!(version(b), [0; 4]);

    unsafe { std::env::set_var("SOFTVK_CONFORMANCE_VERSION", "1.3.8.0") };
    let (a, b, warnings) = reported();
    assert_eq!(version(a), [1, 3, 8, 0]);
    assert_eq!(version(b), [1, 3, 8, 0], "DriverProperties agrees");
    assert!(warnings.is_empty(), "{warnings:?}");

    for bad in ["1.3", "1.3.8.0.1", "one.two.three.four", "1.3.300.0", ""] {
        unsafe { std::env::set_var("SOFTVK_CONFORMANCE_VERSION", bad) };
        let (a, _, warnings) = reported();
        assert_eq!(version(a), [0; 4], "{bad:?} is ignored");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("SOFTVK_CONFORMANCE_VERSION")),
            "{bad:?} is reported: {warnings:?}"
        );
    }
    unsafe { std::env::remove_var("SOFTVK_CONFORMANCE_VERSION") };
}
