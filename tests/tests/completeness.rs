//! Acceptance: every command required by Vulkan 1.3 and by the extensions softvk advertises
//! resolves through the real loader. vk.xml is parsed here independently of the driver's code
//! generator, so a generator bug cannot hide a missing command. The pending list (commands
//! whose capability comes with later work) is printed; they resolve to stubs that fail cleanly.

use ash::vk;
use softvk_tests::{Options, Vk, root};
use std::collections::BTreeSet;
use std::ffi::CString;

#[derive(Debug)]
struct Required {
    name: String,
    device_level: bool,
    /// Resolved with a NULL instance (the spec's "global" commands).
    global: bool,
}

/// A vk.xml `depends` expression: `,` is OR, `+` is AND (binding tighter), parentheses group;
/// VK_VERSION_1_x holds for x <= 3.
fn holds(expr: &str, has: &dyn Fn(&str) -> bool) -> bool {
    fn any(s: &str, has: &dyn Fn(&str) -> bool) -> bool {
        split_top(s, ',').iter().any(|t| all(t, has))
    }
    fn all(s: &str, has: &dyn Fn(&str) -> bool) -> bool {
        split_top(s, '+').iter().all(|t| {
            let t = t.trim();
            if let Some(inner) = t.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
                any(inner, has)
            } else if let Some(m) = t.strip_prefix("VK_VERSION_1_") {
                m.parse::<u32>().is_ok_and(|m| m <= 3)
            } else {
                has(t)
            }
        })
    }
    fn split_top(s: &str, sep: char) -> Vec<&str> {
        let (mut depth, mut start, mut out) = (0, 0, vec![]);
        for (i, c) in s.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                c if c == sep && depth == 0 => {
                    out.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.push(&s[start..]);
        out
    }
    any(expr, has)
}

fn required_commands(instance_exts: &[String], device_exts: &[String]) -> Vec<Required> {
    let xml = std::fs::read_to_string(root().join("icd/registry/vk.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let vulkan = |n: roxmltree::Node, attr: &str| {
        n.attribute(attr)
            .is_none_or(|a| a.split(',').any(|x| x == "vulkan"))
    };
    let mut names = BTreeSet::new();
    for f in doc
        .descendants()
        .filter(|n| n.has_tag_name("feature") && vulkan(*n, "api"))
    {
        let minor = f
            .attribute("name")
            .unwrap()
            .strip_prefix("VK_VERSION_1_")
            .and_then(|m| m.parse::<u32>().ok());
        if minor.is_none_or(|m| m > 3) {
            continue;
        }
        for c in f.descendants().filter(|n| n.has_tag_name("command")) {
            names.insert(c.attribute("name").unwrap().to_string());
        }
    }
    for e in doc.descendants().filter(|n| n.has_tag_name("extension")) {
        let name = e.attribute("name").unwrap().to_string();
        if !instance_exts.contains(&name) && !device_exts.contains(&name) {
            continue;
        }
        for r in e
            .children()
            .filter(|n| n.has_tag_name("require") && vulkan(*n, "api"))
        {
            // A require block that `depends` on more (another extension, a version) adds its
            // commands only when that holds too.
            if let Some(d) = r.attribute("depends").or(r.attribute("extension"))
                && !holds(d, &|x| {
                    instance_exts.iter().chain(device_exts).any(|e| e == x)
                })
            {
                continue;
            }
            for c in r.children().filter(|n| n.has_tag_name("command")) {
                names.insert(c.attribute("name").unwrap().to_string());
            }
        }
    }
    // The first parameter's type decides the level (following aliases).
    let mut first_param = std::collections::HashMap::new();
    let mut alias = std::collections::HashMap::new();
    for c in doc
        .descendants()
        .filter(|n| n.has_tag_name("command") && n.parent().unwrap().has_tag_name("commands"))
    {
        if let Some(a) = c.attribute("alias") {
            alias.insert(c.attribute("name").unwrap().to_string(), a.to_string());
            continue;
        }
        let proto = c.children().find(|n| n.has_tag_name("proto")).unwrap();
        let name = proto
            .children()
            .find(|n| n.has_tag_name("name"))
            .unwrap()
            .text()
            .unwrap()
            .to_string();
        let ty = c
            .children()
            .find(|n| n.has_tag_name("param"))
            .and_then(|p| p.children().find(|n| n.has_tag_name("type")))
            .and_then(|t| t.text())
            .unwrap_or("")
            .to_string();
        first_param.insert(name, ty);
    }
    names
        .into_iter()
        .map(|n| {
            let target = alias.get(&n).cloned().unwrap_or_else(|| n.clone());
            let ty = first_param.get(&target).cloned().unwrap_or_default();
            let device_level = matches!(ty.as_str(), "VkDevice" | "VkQueue" | "VkCommandBuffer")
                && target != "vkGetDeviceProcAddr";
            let global = matches!(
                target.as_str(),
                "vkCreateInstance"
                    | "vkEnumerateInstanceVersion"
                    | "vkEnumerateInstanceExtensionProperties"
                    | "vkEnumerateInstanceLayerProperties"
            );
            Required {
                name: n,
                device_level,
                global,
            }
        })
        .collect()
}

fn pending_list() -> Vec<String> {
    let src = std::fs::read_to_string(root().join("icd/src/pending.rs")).unwrap();
    let start = src.find("pub const PENDING: &[&str] = &[").unwrap();
    let body = &src[start..start + src[start..].find("];").unwrap()];
    body.lines()
        .skip(1)
        .flat_map(|l| {
            l.split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_required_command_resolves_through_the_loader() {
    softvk_tests::setup_environment();
    // Which extensions does softvk advertise?
    let entry = unsafe { ash::Entry::load() }.unwrap();
    let name = |e: &vk::ExtensionProperties| {
        e.extension_name_as_c_str()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    let layer_exts = ["VK_EXT_debug_report", "VK_KHR_portability_enumeration"]; // the loader's own
    let instance_exts: Vec<String> = unsafe { entry.enumerate_instance_extension_properties(None) }
        .unwrap()
        .iter()
        .map(name)
        .filter(|n| !layer_exts.contains(&n.as_str()))
        .collect();
    let probe = Vk::with(Options {
        validation: false,
        ..Default::default()
    });
    let device_exts: Vec<String> = unsafe {
        probe
            .instance
            .enumerate_device_extension_properties(probe.physical)
    }
    .unwrap()
    .iter()
    .map(name)
    .collect();
    drop(probe);
    let leak = |s: &String| -> &'static std::ffi::CStr {
        Box::leak(CString::new(s.as_str()).unwrap().into_boxed_c_str())
    };
    let vk = Vk::with(Options {
        validation: false,
        device_extensions: device_exts.iter().map(leak).collect(),
        instance_extensions: instance_exts
            .iter()
            .filter(|e| *e != "VK_EXT_debug_utils")
            .map(leak)
            .collect(),
        ..Default::default()
    });

    let required = required_commands(&instance_exts, &device_exts);
    let pending = pending_list();
    let mut missing = vec![];
    for r in &required {
        let c = CString::new(r.name.as_str()).unwrap();
        let f = unsafe {
            if r.device_level {
                vk.instance
                    .get_device_proc_addr(vk.device.handle(), c.as_ptr())
            } else if r.global {
                vk.entry
                    .get_instance_proc_addr(vk::Instance::null(), c.as_ptr())
            } else {
                vk.entry
                    .get_instance_proc_addr(vk.instance.handle(), c.as_ptr())
            }
        };
        if f.is_none() {
            missing.push(r.name.clone());
        }
    }
    println!("instance extensions: {instance_exts:?}");
    println!("device extensions: {device_exts:?}");
    println!("required commands: {}", required.len());
    println!("pending ({}): {}", pending.len(), pending.join(" "));
    assert!(
        missing.is_empty(),
        "required commands that do not resolve: {missing:?}"
    );
    let required_names: BTreeSet<&str> = required.iter().map(|r| r.name.as_str()).collect();
    for p in &pending {
        assert!(
            required_names.contains(p.as_str()),
            "pending command {p} is not a required one"
        );
    }
}
