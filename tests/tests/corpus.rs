//! The data-driven shader corpus (shaders/compute/NAME.test, format in src/shader/tests.rs)
//! through the real loader and the validation layer: every case that compiles (not the `error`
//! ones, which are refusal tests of the compiler) is created as a compute pipeline from its
//! SPIR-V with its specialization constants, bound to buffers, texel buffers and null
//! descriptors as its `binding` and `slot` lines say, dispatched (vkCmdDispatchBase) and
//! checked against its `expect` lines, with guard bytes around every buffer that must stay
//! unchanged. Then a child process runs the whole corpus again with SOFTVK_THREADS=1 and every
//! case's output bytes must be identical to the default pool's (except the words its
//! expectations leave open with `*`: results that depend on the order of workgroups, such as
//! which compare-exchange won).

use ash::vk;
use softvk_tests::case::{Case, Kind, Slot, WILD};
use softvk_tests::{Memory, Options, Vk};
use std::collections::BTreeMap;
use std::path::PathBuf;

type BU = vk::BufferUsageFlags;
type DT = vk::DescriptorType;

/// Bytes before and after every buffer's data (also the offset of the data: a multiple of
/// every buffer offset alignment softvk reports).
const GUARD: usize = 256;
const GUARD_BYTE: u8 = 0xA5;
/// Cases that use Vulkan invalidly on purpose (the compiler's robustness to it), which the
/// validation layer rightly reports: in-process only (src/shader/tests.rs). `robust` binds a
/// layout with fewer descriptors than the shader's array declares.
const INVALID_USAGE: &[&str] = &["robust"];
/// Push constants are pushed whole (the cases give a prefix; the rest is zeros).
const PUSH_BYTES: usize = 128;

fn dir() -> PathBuf {
    softvk_tests::root().join("shaders/compute")
}

fn descriptor_type(k: Kind) -> DT {
    match k {
        Kind::UniformBuffer => DT::UNIFORM_BUFFER,
        Kind::StorageBuffer => DT::STORAGE_BUFFER,
        Kind::UniformTexelBuffer => DT::UNIFORM_TEXEL_BUFFER,
        Kind::StorageTexelBuffer => DT::STORAGE_TEXEL_BUFFER,
        Kind::StorageImage => DT::STORAGE_IMAGE,
    }
}

fn format_named(name: &str) -> vk::Format {
    (0..=200)
        .map(vk::Format::from_raw)
        .find(|f| format!("{f:?}") == name)
        .unwrap_or_else(|| panic!("unknown format {name}"))
}

/// One slot's buffer: `guard` bytes, the data, `guard` bytes (guards 0 for buffers the shader
/// reaches by device address: the whole buffer is then what the address covers).
struct SlotBuf {
    buffer: vk::Buffer,
    mem: Memory,
    len: usize,
    guard: usize,
    view: Option<vk::BufferView>,
}

impl SlotBuf {
    #[allow(clippy::mut_from_ref)]
    fn bytes(&self) -> &mut [u8] {
        // SAFETY: the mapping covers the whole allocation, which outlives this borrow.
        unsafe { std::slice::from_raw_parts_mut(self.mem.ptr, self.len + 2 * self.guard) }
    }
}

fn slot_buffer(vk: &Vk, data: &[u8], guard: usize, format: Option<vk::Format>) -> SlotBuf {
    let len = data.len();
    let size = (len + 2 * guard).max(4) as u64;
    let mut usage = BU::STORAGE_BUFFER
        | BU::UNIFORM_BUFFER
        | BU::SHADER_DEVICE_ADDRESS
        | BU::TRANSFER_SRC
        | BU::TRANSFER_DST;
    if format.is_some() {
        usage |= BU::UNIFORM_TEXEL_BUFFER | BU::STORAGE_TEXEL_BUFFER;
    }
    let buffer = unsafe {
        vk.device.create_buffer(
            &vk::BufferCreateInfo::default().size(size).usage(usage),
            None,
        )
    }
    .expect("vkCreateBuffer");
    let req = unsafe { vk.device.get_buffer_memory_requirements(buffer) };
    let mem = vk.address_memory(req.size);
    unsafe { vk.device.bind_buffer_memory(buffer, mem.memory, 0) }.expect("vkBindBufferMemory");
    let view = format.map(|f| unsafe {
        vk.device
            .create_buffer_view(
                &vk::BufferViewCreateInfo::default()
                    .buffer(buffer)
                    .format(f)
                    .offset(guard as u64)
                    .range(len as u64),
                None,
            )
            .expect("vkCreateBufferView")
    });
    let s = SlotBuf {
        buffer,
        mem,
        len,
        guard,
        view,
    };
    s.bytes().fill(GUARD_BYTE);
    s.bytes()[guard..guard + len].copy_from_slice(data);
    s
}

/// Runs one case; returns its output bytes (every slot's data after the dispatch) and the
/// mismatches found.
fn run_case(vk: &Vk, name: &str, c: &Case) -> (Vec<u8>, Vec<String>) {
    let d = &vk.device;
    let shader = c.shader.clone().unwrap_or_else(|| name.to_string());
    let bytes = std::fs::read(dir().join(format!("{shader}.spv")))
        .unwrap_or_else(|e| panic!("{shader}.spv: {e}"));
    let words: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes(w.try_into().unwrap()))
        .collect();
    // Buffers: one per slot with data; the address slots without guards.
    let addressed: Vec<usize> = c.addresses.iter().map(|a| a.0).collect();
    let mut bufs: BTreeMap<usize, SlotBuf> = BTreeMap::new();
    for (i, s) in &c.slots {
        let i = *i;
        let guard = if addressed.contains(&i) { 0 } else { GUARD };
        let b = match s {
            Slot::None => continue,
            Slot::Buffer(data) => slot_buffer(vk, data, guard, None),
            Slot::Texel(f, data) => slot_buffer(vk, data, guard, Some(format_named(f))),
        };
        bufs.insert(i, b);
    }
    let mut push = c.push.clone();
    for &(slot, offset) in &c.addresses {
        let b = bufs
            .get(&slot)
            .unwrap_or_else(|| panic!("{name}: address of slot {slot}, which has no buffer"));
        let addr = unsafe {
            d.get_buffer_device_address(&vk::BufferDeviceAddressInfo::default().buffer(b.buffer))
        };
        push.extend((addr + offset).to_le_bytes());
    }
    assert!(push.len() <= PUSH_BYTES, "{name}: push constants");
    push.resize(PUSH_BYTES, 0);
    // Layouts: one set layout per set number up to the largest.
    let sets = c.bindings.iter().map(|b| b.set + 1).max().unwrap_or(0);
    let set_layouts: Vec<vk::DescriptorSetLayout> = (0..sets)
        .map(|s| {
            let bs: Vec<vk::DescriptorSetLayoutBinding> = c
                .bindings
                .iter()
                .filter(|b| b.set == s)
                .map(|b| {
                    vk::DescriptorSetLayoutBinding::default()
                        .binding(b.binding)
                        .descriptor_type(descriptor_type(b.kind))
                        .descriptor_count(b.count)
                        .stage_flags(vk::ShaderStageFlags::COMPUTE)
                })
                .collect();
            unsafe {
                d.create_descriptor_set_layout(
                    &vk::DescriptorSetLayoutCreateInfo::default().bindings(&bs),
                    None,
                )
            }
            .expect("vkCreateDescriptorSetLayout")
        })
        .collect();
    let ranges = [vk::PushConstantRange {
        stage_flags: vk::ShaderStageFlags::COMPUTE,
        offset: 0,
        size: PUSH_BYTES as u32,
    }];
    let layout = unsafe {
        d.create_pipeline_layout(
            &vk::PipelineLayoutCreateInfo::default()
                .set_layouts(&set_layouts)
                .push_constant_ranges(&ranges),
            None,
        )
    }
    .expect("vkCreatePipelineLayout");
    let module = unsafe {
        d.create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
    }
    .unwrap_or_else(|e| panic!("{name}: vkCreateShaderModule: {e}"));
    let mut spec_data = Vec::new();
    let mut entries = Vec::new();
    for (id, v) in &c.spec {
        let id = *id;
        entries.push(vk::SpecializationMapEntry {
            constant_id: id,
            offset: spec_data.len() as u32,
            size: v.len(),
        });
        spec_data.extend(v);
    }
    let spec = vk::SpecializationInfo::default()
        .map_entries(&entries)
        .data(&spec_data);
    let entry = std::ffi::CString::new(c.entry.clone()).unwrap();
    let mut stage = vk::PipelineShaderStageCreateInfo::default()
        .stage(vk::ShaderStageFlags::COMPUTE)
        .module(module)
        .name(&entry);
    if !entries.is_empty() {
        stage = stage.specialization_info(&spec);
    }
    let flags = if c.base != [0; 3] {
        vk::PipelineCreateFlags::DISPATCH_BASE
    } else {
        vk::PipelineCreateFlags::empty()
    };
    let pipeline = unsafe {
        d.create_compute_pipelines(
            vk::PipelineCache::null(),
            &[vk::ComputePipelineCreateInfo::default()
                .flags(flags)
                .stage(stage)
                .layout(layout)],
            None,
        )
    }
    .unwrap_or_else(|e| panic!("{name}: vkCreateComputePipelines: {:?}", e.1))[0];
    // Descriptors: one pool, one set per layout; every element written (null where the case
    // has no buffer: nullDescriptor).
    let mut sizes: BTreeMap<i32, u32> = BTreeMap::new();
    for b in &c.bindings {
        *sizes.entry(descriptor_type(b.kind).as_raw()).or_default() += b.count;
    }
    let pool_sizes: Vec<vk::DescriptorPoolSize> = sizes
        .iter()
        .map(|(&t, &n)| vk::DescriptorPoolSize {
            ty: DT::from_raw(t),
            descriptor_count: n,
        })
        .collect();
    let pool = unsafe {
        d.create_descriptor_pool(
            &vk::DescriptorPoolCreateInfo::default()
                .max_sets(sets.max(1))
                .pool_sizes(&pool_sizes),
            None,
        )
    }
    .expect("vkCreateDescriptorPool");
    let dsets = if sets > 0 {
        unsafe {
            d.allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default()
                    .descriptor_pool(pool)
                    .set_layouts(&set_layouts),
            )
        }
        .expect("vkAllocateDescriptorSets")
    } else {
        Vec::new()
    };
    for b in &c.bindings {
        for e in 0..b.count {
            let slot = bufs.get(&(b.first_slot as usize + e as usize));
            let ty = descriptor_type(b.kind);
            let w = vk::WriteDescriptorSet::default()
                .dst_set(dsets[b.set as usize])
                .dst_binding(b.binding)
                .dst_array_element(e)
                .descriptor_type(ty);
            let info = [match slot {
                Some(s) => vk::DescriptorBufferInfo {
                    buffer: s.buffer,
                    offset: s.guard as u64,
                    range: (s.len as u64).max(1),
                },
                None => vk::DescriptorBufferInfo {
                    buffer: vk::Buffer::null(),
                    offset: 0,
                    range: vk::WHOLE_SIZE,
                },
            }];
            let view = [slot.and_then(|s| s.view).unwrap_or(vk::BufferView::null())];
            let image = [vk::DescriptorImageInfo {
                sampler: vk::Sampler::null(),
                image_view: vk::ImageView::null(),
                image_layout: vk::ImageLayout::GENERAL,
            }];
            let w = match ty {
                DT::UNIFORM_TEXEL_BUFFER | DT::STORAGE_TEXEL_BUFFER => w.texel_buffer_view(&view),
                DT::STORAGE_IMAGE => w.image_info(&image),
                _ => w.buffer_info(&info),
            };
            unsafe { d.update_descriptor_sets(&[w], &[]) };
        }
    }
    vk.run(|cb| unsafe {
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pipeline);
        if !dsets.is_empty() {
            d.cmd_bind_descriptor_sets(cb, vk::PipelineBindPoint::COMPUTE, layout, 0, &dsets, &[]);
        }
        d.cmd_push_constants(cb, layout, vk::ShaderStageFlags::COMPUTE, 0, &push);
        d.cmd_dispatch_base(
            cb,
            c.base[0],
            c.base[1],
            c.base[2],
            c.groups[0],
            c.groups[1],
            c.groups[2],
        );
    });
    let mut failures = Vec::new();
    let mut output = Vec::new();
    for (i, b) in &bufs {
        let all = b.bytes();
        if all[..b.guard]
            .iter()
            .chain(&all[b.guard + b.len..])
            .any(|x| *x != GUARD_BYTE)
        {
            failures.push(format!("slot {i}: guard bytes were overwritten"));
        }
        // Words an expectation leaves open (`*`: results that depend on the order in which
        // workgroups ran, such as which invocation's compare-exchange won) are not compared
        // across thread counts.
        let mut data = all[b.guard..b.guard + b.len].to_vec();
        for (slot, want) in &c.expects {
            if slot != i {
                continue;
            }
            for (g, w) in data.chunks_mut(4).zip(want.chunks(4)) {
                if w == WILD {
                    g.fill(0);
                }
            }
        }
        output.extend_from_slice(&data);
    }
    for (slot, want) in &c.expects {
        let Some(b) = bufs.get(slot) else {
            failures.push(format!("expect on slot {slot}, which has no buffer"));
            continue;
        };
        let got = &b.bytes()[b.guard..b.guard + b.len];
        if got.len() < want.len() {
            failures.push(format!(
                "slot {slot}: {} bytes, {} expected",
                got.len(),
                want.len()
            ));
            continue;
        }
        for (k, (g, w)) in got.chunks(4).zip(want.chunks(4)).enumerate() {
            if w == WILD || g == w {
                continue;
            }
            failures.push(format!("slot {slot} word {k}: got {g:02x?}, want {w:02x?}"));
        }
    }
    unsafe {
        d.destroy_pipeline(pipeline, None);
        d.destroy_shader_module(module, None);
        d.destroy_descriptor_pool(pool, None);
        d.destroy_pipeline_layout(layout, None);
        for l in set_layouts {
            d.destroy_descriptor_set_layout(l, None);
        }
        for b in bufs.into_values() {
            if let Some(v) = b.view {
                d.destroy_buffer_view(v, None);
            }
            d.destroy_buffer(b.buffer, None);
            d.free_memory(b.mem.memory, None);
        }
    }
    (output, failures)
}

/// Every case of the corpus that compiles, in name order: (name, FNV-1a hash of its output
/// bytes); panics with every mismatch.
fn run_all() -> Vec<(String, u64)> {
    let vk = Vk::with(Options {
        device_extensions: vec![
            ash::ext::robustness2::NAME,
            ash::ext::shader_atomic_float::NAME,
            ash::ext::shader_image_atomic_int64::NAME,
        ],
        ..Default::default()
    });
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("shaders/compute")
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "test").then(|| p.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    let mut hashes = Vec::new();
    let mut failures = Vec::new();
    for name in names {
        let text = std::fs::read_to_string(dir().join(format!("{name}.test"))).unwrap();
        let c = softvk_tests::case::parse(&text);
        if c.error.is_some() || INVALID_USAGE.contains(&name.as_str()) {
            continue;
        }
        let (out, f) = run_case(&vk, &name, &c);
        failures.extend(f.into_iter().map(|f| format!("{name}: {f}")));
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for b in out {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
        hashes.push((name, h));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    hashes
}

#[test]
fn corpus_child() {
    if std::env::var_os("SOFTVK_TEST_CORPUS_CHILD").is_none() {
        return; // only meaningful as a child
    }
    for (name, h) in run_all() {
        println!("HASH {name} {h:016x}");
    }
}

#[test]
fn every_case_runs_through_the_loader_with_the_same_bytes_on_one_thread() {
    let hashes = run_all();
    assert!(hashes.len() >= 80, "{} cases", hashes.len());
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "corpus_child", "--nocapture"])
        .env("SOFTVK_TEST_CORPUS_CHILD", "1")
        .env("SOFTVK_THREADS", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let one: BTreeMap<&str, &str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("HASH "))
        .filter_map(|l| l.split_once(' '))
        .collect();
    for (name, h) in &hashes {
        assert_eq!(
            one.get(name.as_str()).copied(),
            Some(format!("{h:016x}").as_str()),
            "{name}: SOFTVK_THREADS=1 gives other bytes"
        );
    }
    println!("{} cases, identical with SOFTVK_THREADS=1", hashes.len());
}
