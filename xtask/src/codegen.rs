//! `cargo xtask codegen [--check]`: the entry-point tables from the vendored vk.xml.
//!
//! Outputs (banner "generated, do not edit"):
//! - `icd/src/generated/autogen_commands.rs`: every Vulkan command (aliases included) with its
//!   dispatch level and the core version / extensions that provide it, the `Entrypoints`
//!   table with one `Option<PFN_vk*>` per non-alias command (so the compiler checks every
//!   implementation's signature), and extension spec versions.
//! - `icd/src/generated/autogen_pending.rs`: one stub per command named in the pending list
//!   (`icd/src/pending.rs`), with the exact signature, that logs and fails cleanly.
//!
//! With `--check`, nothing is written: the command fails if a file would change (CI drift check).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

struct Param {
    name: String,
    /// C type text without the parameter name, e.g. `const VkBufferCreateInfo*`, `const float[4]`.
    ctype: String,
    /// The `len` attribute: for arrays, the parameter that holds the element count.
    len: Option<String>,
}

struct Cmd {
    name: String,
    ret: String,
    params: Vec<Param>,
    alias: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Global,
    Instance,
    PhysicalDevice,
    Device,
}

struct Registry {
    commands: BTreeMap<String, Cmd>,
    /// command -> core version minor (1.0 => 0, 1.1 => 1, ...)
    core: BTreeMap<String, u32>,
    /// command -> extensions that provide it
    ext_cmds: BTreeMap<String, BTreeSet<String>>,
    /// extension -> (instance?, spec version)
    extensions: BTreeMap<String, (bool, u32)>,
    /// handle types that are dispatchable
    dispatchable: BTreeSet<String>,
    non_dispatchable: BTreeSet<String>,
    /// Feature structures: (struct name, sType enum name, VkBool32 member names in order).
    feature_structs: Vec<(String, String, Vec<String>)>,
    /// Member names of VkPhysicalDeviceFeatures, in order.
    core_features: Vec<String>,
    /// Types required by a core version or a kept extension.
    required_types: BTreeSet<String>,
}

fn api_ok(node: roxmltree::Node, attr: &str) -> bool {
    match node.attribute(attr) {
        None => true,
        Some(v) => v.split(',').any(|a| a == "vulkan"),
    }
}

fn parse(xml: &str) -> Registry {
    let doc = roxmltree::Document::parse(xml).expect("vk.xml parses");
    let root = doc.root_element();
    let mut reg = Registry {
        commands: BTreeMap::new(),
        core: BTreeMap::new(),
        ext_cmds: BTreeMap::new(),
        extensions: BTreeMap::new(),
        dispatchable: BTreeSet::new(),
        non_dispatchable: BTreeSet::new(),
        feature_structs: Vec::new(),
        core_features: Vec::new(),
        required_types: BTreeSet::new(),
    };
    for section in root.children().filter(|n| n.is_element()) {
        match section.tag_name().name() {
            "types" => {
                for t in section.children().filter(|n| n.has_tag_name("type")) {
                    if t.attribute("category") == Some("struct") && api_ok(t, "api") {
                        parse_feature_struct(&mut reg, t);
                        continue;
                    }
                    if t.attribute("category") != Some("handle") || t.attribute("alias").is_some() {
                        continue;
                    }
                    let ty = t
                        .children()
                        .find(|c| c.has_tag_name("type"))
                        .and_then(|c| c.text())
                        .unwrap_or("");
                    let name = t
                        .children()
                        .find(|c| c.has_tag_name("name"))
                        .and_then(|c| c.text())
                        .unwrap_or("")
                        .to_string();
                    if ty == "VK_DEFINE_HANDLE" {
                        reg.dispatchable.insert(name);
                    } else {
                        reg.non_dispatchable.insert(name);
                    }
                }
            }
            "commands" => {
                for c in section.children().filter(|n| n.has_tag_name("command")) {
                    if !api_ok(c, "api") {
                        continue;
                    }
                    if let Some(alias) = c.attribute("alias") {
                        let name = c.attribute("name").unwrap().to_string();
                        reg.commands.insert(
                            name.clone(),
                            Cmd {
                                name,
                                ret: String::new(),
                                params: vec![],
                                alias: Some(alias.to_string()),
                            },
                        );
                        continue;
                    }
                    let proto = c.children().find(|n| n.has_tag_name("proto")).unwrap();
                    let name = child_text(proto, "name");
                    let ret = child_text(proto, "type");
                    let mut params = vec![];
                    for p in c.children().filter(|n| n.has_tag_name("param")) {
                        if !api_ok(p, "api") {
                            continue;
                        }
                        let pname = child_text(p, "name");
                        let mut text = String::new();
                        for d in p.descendants().filter(|d| d.is_text()) {
                            let parent = d.parent().unwrap();
                            if parent.has_tag_name("name") || parent.has_tag_name("comment") {
                                continue;
                            }
                            text.push_str(d.text().unwrap());
                        }
                        // array suffix follows the name: `const float blendConstants[4]`
                        let full: String = p
                            .descendants()
                            .filter(|d| d.is_text())
                            .filter(|d| !d.parent().unwrap().has_tag_name("comment"))
                            .map(|d| d.text().unwrap())
                            .collect();
                        let ctype = if let Some(idx) = full.find(&format!("{pname}[")) {
                            let suffix = &full[idx + pname.len()..];
                            let base = text.replace(suffix, "");
                            format!("{}{}", base.trim(), suffix.trim())
                        } else {
                            text.trim().to_string()
                        };
                        params.push(Param {
                            name: pname,
                            ctype,
                            len: p.attribute("len").map(str::to_string),
                        });
                    }
                    reg.commands.insert(
                        name.clone(),
                        Cmd {
                            name,
                            ret,
                            params,
                            alias: None,
                        },
                    );
                }
            }
            "feature" => {
                if !api_ok(section, "api") {
                    continue;
                }
                let name = section.attribute("name").unwrap();
                let Some(minor) = name
                    .strip_prefix("VK_VERSION_1_")
                    .and_then(|m| m.parse::<u32>().ok())
                else {
                    continue;
                };
                for req in section.children().filter(|n| n.has_tag_name("require")) {
                    for c in req.children().filter(|n| n.has_tag_name("command")) {
                        let cname = c.attribute("name").unwrap().to_string();
                        reg.core.entry(cname).or_insert(minor);
                    }
                    for t in req.children().filter(|n| n.has_tag_name("type")) {
                        reg.required_types
                            .insert(t.attribute("name").unwrap().to_string());
                    }
                }
            }
            "extensions" => {
                for e in section.children().filter(|n| n.has_tag_name("extension")) {
                    if !api_ok(e, "supported") || e.attribute("provisional") == Some("true") {
                        continue;
                    }
                    let ename = e.attribute("name").unwrap().to_string();
                    let instance = e.attribute("type") == Some("instance");
                    let mut spec_version = 0;
                    for req in e.children().filter(|n| n.has_tag_name("require")) {
                        if !api_ok(req, "api") {
                            continue;
                        }
                        // A require block with `depends` (or the older `extension` attribute)
                        // provides its commands only when that expression also holds: the
                        // command's entry is then "EXT+(DEPENDS)", evaluated by the dispatcher.
                        let provider = match req.attribute("depends").or(req.attribute("extension"))
                        {
                            Some(d) => format!("{ename}+({d})"),
                            None => ename.clone(),
                        };
                        for item in req.children().filter(|n| n.is_element()) {
                            match item.tag_name().name() {
                                "type" => {
                                    reg.required_types
                                        .insert(item.attribute("name").unwrap().to_string());
                                }
                                "command" => {
                                    reg.ext_cmds
                                        .entry(item.attribute("name").unwrap().to_string())
                                        .or_default()
                                        .insert(provider.clone());
                                }
                                "enum" => {
                                    let n = item.attribute("name").unwrap_or("");
                                    // Renamed extensions also list the old name as an alias
                                    // without a value: keep the one with a value.
                                    if n.ends_with("_SPEC_VERSION")
                                        && let Some(v) = item
                                            .attribute("value")
                                            .and_then(|v| v.trim_matches('"').parse().ok())
                                    {
                                        spec_version = v;
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    reg.extensions.insert(ename, (instance, spec_version));
                }
            }
            _ => {}
        }
    }
    // Commands of extensions that are neither core nor of a supported extension are dropped
    // (vulkansc-only, provisional or disabled extensions).
    let keep: BTreeSet<String> = reg
        .commands
        .keys()
        .filter(|n| reg.core.contains_key(*n) || reg.ext_cmds.contains_key(*n))
        .cloned()
        .collect();
    // keep alias targets of kept aliases
    let mut targets = BTreeSet::new();
    for n in &keep {
        if let Some(a) = &reg.commands[n].alias {
            targets.insert(a.clone());
        }
    }
    reg.commands
        .retain(|n, _| keep.contains(n) || targets.contains(n));
    reg
}

/// Records VkPhysicalDeviceFeatures and every all-VkBool32 structure that extends
/// VkPhysicalDeviceFeatures2.
fn parse_feature_struct(reg: &mut Registry, t: roxmltree::Node) {
    let name = t.attribute("name").unwrap_or("");
    let extends = t.attribute("structextends").unwrap_or("");
    let is_core = name == "VkPhysicalDeviceFeatures";
    if !is_core && !extends.split(',').any(|e| e == "VkPhysicalDeviceFeatures2") {
        return;
    }
    let mut s_type = String::new();
    let mut bools = vec![];
    for m in t.children().filter(|n| n.has_tag_name("member")) {
        if !api_ok(m, "api") {
            continue;
        }
        let ty = child_text(m, "type");
        let mname = child_text(m, "name");
        match (ty.as_str(), mname.as_str()) {
            ("VkStructureType", "sType") => {
                s_type = m.attribute("values").unwrap_or("").to_string()
            }
            (_, "pNext") => {}
            ("VkBool32", _) => bools.push(mname),
            _ => return, // not a plain feature structure
        }
    }
    if is_core {
        reg.core_features = bools;
    } else {
        reg.feature_structs.push((name.to_string(), s_type, bools));
    }
}

fn child_text(node: roxmltree::Node, tag: &str) -> String {
    node.children()
        .find(|c| c.has_tag_name(tag))
        .and_then(|c| c.text())
        .unwrap_or_else(|| panic!("no <{tag}> in {:?}", node))
        .to_string()
}

impl Registry {
    fn target<'a>(&'a self, name: &'a str) -> &'a Cmd {
        let mut c = &self.commands[name];
        while let Some(a) = &c.alias {
            c = &self.commands[a];
        }
        c
    }

    fn level(&self, name: &str) -> Level {
        let c = self.target(name);
        match c.name.as_str() {
            "vkCreateInstance"
            | "vkEnumerateInstanceVersion"
            | "vkEnumerateInstanceExtensionProperties"
            | "vkEnumerateInstanceLayerProperties"
            | "vkGetInstanceProcAddr" => return Level::Global,
            _ => {}
        }
        let first = c.params.first().map(|p| p.ctype.as_str()).unwrap_or("");
        match first {
            "VkInstance" => Level::Instance,
            "VkPhysicalDevice" => Level::PhysicalDevice,
            "VkDevice" | "VkQueue" | "VkCommandBuffer" => Level::Device,
            _ => panic!("cannot classify {name} (first param {first:?})"),
        }
    }
}

/// Rust type (ash spelling) of a C parameter type.
fn rust_type(reg: &Registry, ctype: &str) -> String {
    let (ctype, array) = match ctype.find('[') {
        Some(i) => (&ctype[..i], Some(ctype[i + 1..ctype.len() - 1].to_string())),
        None => (ctype, None),
    };
    let stars = ctype.matches('*').count();
    let tokens: Vec<&str> = ctype
        .split(|c: char| c.is_whitespace() || c == '*')
        .filter(|t| !t.is_empty())
        .collect();
    let base_const = tokens.first() == Some(&"const");
    let base = tokens
        .iter()
        .find(|t| **t != "const" && **t != "struct")
        .expect("a base type");
    let base = match *base {
        "void" => "c_void".to_string(),
        "char" => "c_char".to_string(),
        "float" => "f32".to_string(),
        "double" => "f64".to_string(),
        "uint8_t" => "u8".to_string(),
        "uint16_t" => "u16".to_string(),
        "uint32_t" => "u32".to_string(),
        "uint64_t" => "u64".to_string(),
        "int32_t" => "i32".to_string(),
        "int64_t" => "i64".to_string(),
        "size_t" => "usize".to_string(),
        "int" => "c_int".to_string(),
        t if t.starts_with("PFN_") => format!("vk::{t}"),
        t if t.starts_with("Vk") => format!("vk::{}", &t[2..]),
        t => panic!("unmapped C type {t}"),
    };
    let _ = reg;
    if let Some(n) = array {
        let n = match n.as_str() {
            n if n.parse::<u32>().is_ok() => n.to_string(),
            other => format!("vk::{}", other.trim_start_matches("VK_")),
        };
        let konst = if base_const { "const" } else { "mut" };
        return format!("*{konst} [{base}; {n}]");
    }
    // Pointer levels, innermost first: `const char* const*` -> *const *const c_char
    // The base's `const` applies to the innermost pointee; a `const` between two stars makes
    // the next level const.
    let mut out = base;
    for (level, between) in ctype.split('*').take(stars).enumerate() {
        let konst = if level == 0 {
            base_const
        } else {
            between.trim() == "const"
        };
        out = format!("*{} {out}", if konst { "const" } else { "mut" });
    }
    out
}

fn render_commands(reg: &Registry, version: &str) -> String {
    let mut s = String::new();
    writeln!(
        s,
        "// @generated by `cargo xtask codegen` from icd/registry/vk.xml ({version}): generated, do not edit."
    )
    .unwrap();
    s.push_str(
        "#![allow(non_snake_case, clippy::all)]\n\nuse crate::dispatch::{Command, Level};\nuse ash::vk;\n\n",
    );
    let slots: Vec<&Cmd> = reg
        .commands
        .values()
        .filter(|c| c.alias.is_none())
        .collect();
    let slot_of: BTreeMap<&str, usize> = slots
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    writeln!(
        s,
        "/// Number of distinct (non-alias) commands: the size of `Entrypoints`.\n#[allow(dead_code)] // checked by tests\npub const SLOT_COUNT: usize = {};\n",
        slots.len()
    )
    .unwrap();
    writeln!(
        s,
        "/// Every command, aliases included, sorted by name (binary-searchable).\npub static COMMANDS: [Command; {}] = [",
        reg.commands.len()
    )
    .unwrap();
    for name in reg.commands.keys() {
        let target = reg.target(name);
        let level = match reg.level(name) {
            Level::Global => "Global",
            Level::Instance => "Instance",
            Level::PhysicalDevice => "PhysicalDevice",
            Level::Device => "Device",
        };
        let core = match reg.core.get(name) {
            Some(m) => format!("Some({m})"),
            None => "None".into(),
        };
        let exts: Vec<String> = reg
            .ext_cmds
            .get(name)
            .map(|e| e.iter().map(|x| format!("{x:?}")).collect())
            .unwrap_or_default();
        writeln!(
            s,
            "    Command {{ name: {name:?}, slot: {}, level: Level::{level}, core_minor: {core}, extensions: &[{}] }},",
            slot_of[target.name.as_str()],
            exts.join(", ")
        )
        .unwrap();
    }
    s.push_str("];\n\n");

    s.push_str("/// One field per distinct command; an implementation is assigned with its exact PFN type.\n#[derive(Clone, Copy)]\npub struct Entrypoints {\n");
    for c in &slots {
        writeln!(s, "    pub {0}: Option<vk::PFN_{0}>,", c.name).unwrap();
    }
    s.push_str("}\n\nimpl Entrypoints {\n    /// No command implemented.\n    pub const NONE: Self = Self {\n");
    for c in &slots {
        writeln!(s, "        {}: None,", c.name).unwrap();
    }
    s.push_str("    };\n\n    /// The function in `slot`, type-erased for vkGet*ProcAddr.\n    pub fn get(&self, slot: usize) -> vk::PFN_vkVoidFunction {\n        // SAFETY: every field is an `Option` of an `extern \"system\"` fn pointer; the loader\n        // casts the result back to the command's PFN type.\n        unsafe {\n            match slot {\n");
    for (i, c) in slots.iter().enumerate() {
        writeln!(
            s,
            "                {i} => core::mem::transmute::<Option<vk::PFN_{0}>, vk::PFN_vkVoidFunction>(self.{0}),",
            c.name
        )
        .unwrap();
    }
    s.push_str("                _ => None,\n            }\n        }\n    }\n}\n\n");

    s.push_str("/// Members of VkPhysicalDeviceFeatures, in order (each a VkBool32 at offset 4 * i).\npub static CORE_FEATURES: &[&str] = &[\n");
    for m in &reg.core_features {
        writeln!(s, "    {m:?},").unwrap();
    }
    s.push_str("];\n\n/// Structures extending VkPhysicalDeviceFeatures2 whose members are all VkBool32: the sType and\n/// the member names in order (member i is at byte offset 16 + 4 * i).\npub static FEATURE_STRUCTS: &[(vk::StructureType, &[&str])] = &[\n");
    for (name, s_type, members) in &reg.feature_structs {
        if !reg.required_types.contains(name) {
            continue;
        }
        let konst = s_type.trim_start_matches("VK_STRUCTURE_TYPE_");
        writeln!(
            s,
            "    // {name}\n    (vk::StructureType::{konst}, &{members:?}),"
        )
        .unwrap();
    }
    s.push_str("];\n\n");

    s.push_str("/// Spec version of every extension in vk.xml, sorted by name.\npub static EXTENSION_SPEC_VERSIONS: &[(&str, u32)] = &[\n");
    for (name, (_, v)) in &reg.extensions {
        writeln!(s, "    ({name:?}, {v}),").unwrap();
    }
    s.push_str("];\n");
    s
}

fn render_pending(reg: &Registry, pending: &[String], version: &str) -> String {
    let mut s = String::new();
    writeln!(
        s,
        "// @generated by `cargo xtask codegen` from icd/registry/vk.xml ({version}) and the list in\n// icd/src/pending.rs: generated, do not edit."
    )
    .unwrap();
    s.push_str("//! One stub per pending command: it reports through `crate::pending` and fails cleanly.\n#![allow(non_snake_case, unused_variables, clippy::all)]\n\nuse super::autogen_commands::Entrypoints;\n#[allow(unused_imports)]\nuse ash::vk;\n#[allow(unused_imports)]\nuse std::ffi::{c_char, c_int, c_void};\n\n");
    writeln!(
        s,
        "/// The names this file was generated for (must equal `crate::pending::PENDING`).\n#[allow(dead_code)] // checked by tests\npub const GENERATED_FOR: &[&str] = &{:?};\n",
        pending
    )
    .unwrap();
    for name in pending {
        let c = reg
            .commands
            .get(name)
            .unwrap_or_else(|| panic!("pending command {name} is not in vk.xml"));
        assert!(
            c.alias.is_none(),
            "pending list must name the core command, not alias {name}"
        );
        let params: Vec<String> = c
            .params
            .iter()
            .map(|p| format!("{}: {}", snake(&p.name), rust_type(reg, &p.ctype)))
            .collect();
        let ret = match c.ret.as_str() {
            "void" => String::new(),
            "VkResult" => " -> vk::Result".into(),
            other => panic!("pending command {name} returns {other}: implement it instead"),
        };
        writeln!(
            s,
            "pub unsafe extern \"system\" fn {name}({}){ret} {{",
            params.join(", ")
        )
        .unwrap();
        let first = &c.params[0];
        let report = match first.ctype.as_str() {
            "VkDevice" => "report_device",
            "VkCommandBuffer" => "report_command_buffer",
            "VkQueue" => "report_queue",
            other => panic!("pending command {name} has first parameter {other}"),
        };
        writeln!(
            s,
            "    unsafe {{ crate::pending::{report}({name:?}, {}) }};",
            snake(&first.name)
        )
        .unwrap();
        // Output handles become VK_NULL_HANDLE, as a failed create must leave them.
        for p in &c.params {
            let t = p.ctype.trim();
            if t.starts_with("const") || !t.ends_with('*') || t.matches('*').count() != 1 {
                continue;
            }
            let base = t.trim_end_matches('*').trim();
            if !reg.non_dispatchable.contains(base) {
                continue;
            }
            let count = match &p.len {
                Some(len) if len.contains("->") => {
                    let mut it = len.split("->");
                    let (st, field) = (it.next().unwrap(), it.next().unwrap());
                    format!(
                        "if {0}.is_null() {{ 0 }} else {{ unsafe {{ (*{0}).{1} as usize }} }}",
                        snake(st),
                        snake(field)
                    )
                }
                Some(len) => format!("{} as usize", snake(len)),
                None => "1".into(),
            };
            writeln!(
                s,
                "    if !{0}.is_null() {{\n        for i in 0..({count}) {{\n            unsafe {{ {0}.add(i).write(vk::{1}::null()) }};\n        }}\n    }}",
                snake(&p.name),
                &base[2..]
            )
            .unwrap();
        }
        if !ret.is_empty() {
            s.push_str("    vk::Result::ERROR_FEATURE_NOT_PRESENT\n");
        }
        s.push_str("}\n\n");
    }
    s.push_str("/// The pending stubs as a table, consulted after the implemented table.\npub const PENDING_TABLE: Entrypoints = Entrypoints {\n");
    for name in pending {
        writeln!(s, "    {name}: Some({name}),").unwrap();
    }
    s.push_str("    ..Entrypoints::NONE\n};\n");
    s
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    match out.as_str() {
        "type" => "type_".into(),
        _ => out,
    }
}

/// The names in `pub const PENDING: &[&str] = &[ ... ];` of icd/src/pending.rs.
fn read_pending(src: &str) -> Vec<String> {
    let start = src
        .find("pub const PENDING: &[&str] = &[")
        .expect("icd/src/pending.rs declares `pub const PENDING: &[&str] = &[`");
    let rest = &src[start..];
    let end = rest.find("];").expect("PENDING list is closed by `];`");
    let body = &rest[..end];
    let mut names = vec![];
    for line in body.lines().skip(1) {
        let line = line.split("//").next().unwrap();
        for part in line.split('"').skip(1).step_by(2) {
            names.push(part.to_string());
        }
    }
    names
}

pub fn run(root: &Path, check: bool) -> Result<(), String> {
    let xml = std::fs::read_to_string(root.join("icd/registry/vk.xml"))
        .map_err(|e| format!("reading icd/registry/vk.xml: {e}"))?;
    let version = std::fs::read_to_string(root.join("icd/registry/VERSION"))
        .map_err(|e| format!("reading icd/registry/VERSION: {e}"))?
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let reg = parse(&xml);
    let pending_src = std::fs::read_to_string(root.join("icd/src/pending.rs"))
        .map_err(|e| format!("reading icd/src/pending.rs: {e}"))?;
    let pending = read_pending(&pending_src);
    let outputs = [
        (
            "icd/src/generated/autogen_commands.rs",
            render_commands(&reg, &version),
        ),
        (
            "icd/src/generated/autogen_pending.rs",
            render_pending(&reg, &pending, &version),
        ),
    ];
    let mut stale = vec![];
    for (path, text) in outputs {
        let full = root.join(path);
        let text = rustfmt(&text)?;
        let old = std::fs::read_to_string(&full).unwrap_or_default();
        if old != text {
            if check {
                stale.push(path);
            } else {
                std::fs::write(&full, text).map_err(|e| format!("writing {path}: {e}"))?;
                println!("wrote {path}");
            }
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "generated files are stale (run `cargo xtask codegen`): {}",
            stale.join(", ")
        ));
    }
    Ok(())
}

fn rustfmt(text: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = std::process::Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("running rustfmt: {e}"))?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err("rustfmt failed on generated code".into());
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_c_types() {
        let reg = Registry {
            commands: BTreeMap::new(),
            core: BTreeMap::new(),
            ext_cmds: BTreeMap::new(),
            extensions: BTreeMap::new(),
            dispatchable: BTreeSet::new(),
            non_dispatchable: BTreeSet::new(),
            feature_structs: Vec::new(),
            core_features: Vec::new(),
            required_types: BTreeSet::new(),
        };
        assert_eq!(rust_type(&reg, "VkDevice"), "vk::Device");
        assert_eq!(
            rust_type(&reg, "const VkBufferCreateInfo*"),
            "*const vk::BufferCreateInfo"
        );
        assert_eq!(rust_type(&reg, "VkBuffer*"), "*mut vk::Buffer");
        assert_eq!(
            rust_type(&reg, "const char* const*"),
            "*const *const c_char"
        );
        assert_eq!(rust_type(&reg, "const float[4]"), "*const [f32; 4]");
        assert_eq!(rust_type(&reg, "void**"), "*mut *mut c_void");
    }
}
