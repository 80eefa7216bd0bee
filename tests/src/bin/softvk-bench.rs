//! Benchmarks softvk against lavapipe in one run: `cargo xtask bench`.
//!
//! The parent process runs each workload in child processes, alternating drivers (each child
//! sees exactly one driver through VK_DRIVER_FILES), repeats the alternation, and prints
//! medians and ratios. Workloads:
//! - vkCreateInstance + vkEnumeratePhysicalDevices + vkCreateDevice (and destroy)
//! - a 64 MiB vkCmdCopyBuffer, as throughput, beside memcpy of 64 MiB in the same process
//! - empty vkQueueSubmit + vkWaitForFences round trip
//! - a submit of a one-command (4-byte fill) command buffer + fence wait round trip
//!
//! The machine is small and noisy: every figure is a median, and the ratios are what matter.

use ash::vk;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

const LAVAPIPE_MANIFESTS: &[&str] = &[
    "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
    "/usr/share/vulkan/icd.d/lvp_icd.json",
];
const COPY_BYTES: u64 = 64 << 20;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

struct Ctx {
    _entry: ash::Entry,
    instance: ash::Instance,
    physical: vk::PhysicalDevice,
    device: ash::Device,
    queue: vk::Queue,
    pool: vk::CommandPool,
}

fn create(entry: &ash::Entry) -> (ash::Instance, vk::PhysicalDevice, ash::Device) {
    unsafe {
        let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_3);
        let instance = entry
            .create_instance(
                &vk::InstanceCreateInfo::default().application_info(&app),
                None,
            )
            .expect("vkCreateInstance");
        let physical = instance.enumerate_physical_devices().expect("devices")[0];
        let prio = [1.0];
        let q = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(0)
            .queue_priorities(&prio)];
        let device = instance
            .create_device(
                physical,
                &vk::DeviceCreateInfo::default().queue_create_infos(&q),
                None,
            )
            .expect("vkCreateDevice");
        (instance, physical, device)
    }
}

impl Ctx {
    fn new() -> Ctx {
        let entry = unsafe { ash::Entry::load() }.expect("libvulkan.so.1");
        let (instance, physical, device) = create(&entry);
        let queue = unsafe { device.get_device_queue(0, 0) };
        let pool = unsafe {
            device.create_command_pool(
                &vk::CommandPoolCreateInfo::default().queue_family_index(0),
                None,
            )
        }
        .unwrap();
        Ctx {
            _entry: entry,
            instance,
            physical,
            device,
            queue,
            pool,
        }
    }

    fn name(&self) -> String {
        let p = unsafe { self.instance.get_physical_device_properties(self.physical) };
        p.device_name_as_c_str()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    fn buffer(&self, size: u64) -> (vk::Buffer, vk::DeviceMemory) {
        unsafe {
            let b = self
                .device
                .create_buffer(
                    &vk::BufferCreateInfo::default().size(size).usage(
                        vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST,
                    ),
                    None,
                )
                .unwrap();
            let req = self.device.get_buffer_memory_requirements(b);
            let props = self
                .instance
                .get_physical_device_memory_properties(self.physical);
            let ty = (0..props.memory_type_count)
                .find(|&i| req.memory_type_bits & (1 << i) != 0)
                .unwrap();
            let m = self
                .device
                .allocate_memory(
                    &vk::MemoryAllocateInfo::default()
                        .allocation_size(req.size)
                        .memory_type_index(ty),
                    None,
                )
                .unwrap();
            self.device.bind_buffer_memory(b, m, 0).unwrap();
            (b, m)
        }
    }

    fn record(&self, f: impl FnOnce(vk::CommandBuffer)) -> vk::CommandBuffer {
        unsafe {
            let cb = self
                .device
                .allocate_command_buffers(
                    &vk::CommandBufferAllocateInfo::default()
                        .command_pool(self.pool)
                        .command_buffer_count(1),
                )
                .unwrap()[0];
            self.device
                .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
                .unwrap();
            f(cb);
            self.device.end_command_buffer(cb).unwrap();
            cb
        }
    }

    /// Median seconds of `iters` rounds of submit(`cbs`) + fence wait.
    fn round_trips(&self, cbs: &[vk::CommandBuffer], iters: usize) -> Vec<f64> {
        unsafe {
            let fence = self
                .device
                .create_fence(&vk::FenceCreateInfo::default(), None)
                .unwrap();
            let mut t = Vec::with_capacity(iters);
            for _ in 0..iters {
                let submit = vk::SubmitInfo::default().command_buffers(cbs);
                let t0 = Instant::now();
                let submits: &[vk::SubmitInfo<'_>] = if cbs.is_empty() {
                    &[]
                } else {
                    std::slice::from_ref(&submit)
                };
                self.device
                    .queue_submit(self.queue, submits, fence)
                    .unwrap();
                self.device
                    .wait_for_fences(&[fence], true, u64::MAX)
                    .unwrap();
                t.push(t0.elapsed().as_secs_f64());
                self.device.reset_fences(&[fence]).unwrap();
            }
            self.device.destroy_fence(fence, None);
            t
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        unsafe {
            let _ = self.device.device_wait_idle();
            self.device.destroy_command_pool(self.pool, None);
            self.device.destroy_device(None);
            self.instance.destroy_instance(None);
        }
    }
}

/// One child run: prints `key value` lines.
fn child() {
    let entry = unsafe { ash::Entry::load() }.expect("libvulkan.so.1");
    // Creation: the first one (library loading, JIT warm-up) separately from the steady state.
    let mut create_times = vec![];
    for _ in 0..15 {
        let t0 = Instant::now();
        let (i, _, d) = create(&entry);
        create_times.push(t0.elapsed().as_secs_f64());
        unsafe {
            d.destroy_device(None);
            i.destroy_instance(None);
        }
    }
    println!("create_first_ms {}", create_times[0] * 1e3);
    println!("create_ms {}", median(create_times[1..].to_vec()) * 1e3);

    let ctx = Ctx::new();
    println!("device {}", ctx.name());
    let (src, sm) = ctx.buffer(COPY_BYTES);
    let (dst, dm) = ctx.buffer(COPY_BYTES);
    let copy = ctx.record(|cb| unsafe {
        ctx.device
            .cmd_fill_buffer(cb, src, 0, vk::WHOLE_SIZE, 0x01234567);
    });
    ctx.round_trips(&[copy], 1); // touch the source pages
    let copy = ctx.record(|cb| unsafe {
        ctx.device.cmd_copy_buffer(
            cb,
            src,
            dst,
            &[vk::BufferCopy {
                src_offset: 0,
                dst_offset: 0,
                size: COPY_BYTES,
            }],
        );
    });
    ctx.round_trips(&[copy], 2); // and the destination's
    let t = median(ctx.round_trips(&[copy], 15));
    println!("copy_gbps {}", COPY_BYTES as f64 / t / 1e9);

    // memcpy between two 64 MiB heap buffers, pages touched first, in this process.
    let a = vec![1u8; COPY_BYTES as usize];
    let mut b = vec![2u8; COPY_BYTES as usize];
    let mut m = vec![];
    for _ in 0..15 {
        let t0 = Instant::now();
        b.copy_from_slice(std::hint::black_box(&a));
        std::hint::black_box(&b);
        m.push(t0.elapsed().as_secs_f64());
    }
    println!("memcpy_gbps {}", COPY_BYTES as f64 / median(m) / 1e9);

    let empty = ctx.round_trips(&[], 3000);
    println!("empty_submit_us {}", median(empty) * 1e6);
    let (tiny, tm) = ctx.buffer(4096);
    let fill = ctx.record(|cb| unsafe { ctx.device.cmd_fill_buffer(cb, tiny, 0, 4, 7) });
    let one = ctx.round_trips(&[fill], 3000);
    println!("one_command_submit_us {}", median(one) * 1e6);
    unsafe {
        ctx.device.destroy_buffer(src, None);
        ctx.device.destroy_buffer(dst, None);
        ctx.device.destroy_buffer(tiny, None);
        for mm in [sm, dm, tm] {
            ctx.device.free_memory(mm, None);
        }
    }
}

fn run_child(manifest: &str) -> BTreeMap<String, String> {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg("--child")
        .env("VK_DRIVER_FILES", manifest)
        .env_remove("VK_ICD_FILENAMES")
        .env("NODEVICE_SELECT", "1")
        .output()
        .expect("child runs");
    if !out.status.success() {
        panic!(
            "benchmark child for {manifest} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.split_once(' ')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn main() {
    if std::env::args().any(|a| a == "--child") {
        child();
        return;
    }
    let rounds: usize = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let softvk =
        std::env::var("SOFTVK_BENCH_SOFTVK_MANIFEST").expect("run through `cargo xtask bench`");
    let lavapipe = LAVAPIPE_MANIFESTS
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("lavapipe is not installed: apt-get install mesa-vulkan-drivers");
    let drivers = [("softvk", softvk.as_str()), ("lavapipe", *lavapipe)];
    let mut results: BTreeMap<(&str, String), Vec<f64>> = BTreeMap::new();
    let mut names = BTreeMap::new();
    let t0 = Instant::now();
    for round in 0..rounds {
        for (label, manifest) in drivers {
            let r = run_child(manifest);
            for (k, v) in &r {
                if k == "device" {
                    names.insert(label, v.clone());
                } else if let Ok(x) = v.parse::<f64>() {
                    results.entry((label, k.clone())).or_default().push(x);
                }
            }
            eprintln!(
                "round {}/{rounds}: {label} done ({:.1?})",
                round + 1,
                t0.elapsed()
            );
        }
    }
    let get = |d: &str, k: &str| {
        median(
            results
                .get(&(d, k.to_string()))
                .cloned()
                .unwrap_or_default(),
        )
    };
    println!();
    println!(
        "softvk:   {}",
        names.get("softvk").cloned().unwrap_or_default()
    );
    println!(
        "lavapipe: {}",
        names.get("lavapipe").cloned().unwrap_or_default()
    );
    println!("medians of {rounds} alternating rounds (each itself a median of many iterations)");
    println!();
    println!(
        "{:<44} {:>12} {:>12} {:>16}",
        "metric", "softvk", "lavapipe", "softvk/lavapipe"
    );
    let rows = [
        ("create_first_ms", "first instance+device create (ms)"),
        ("create_ms", "instance+device create, steady (ms)"),
        ("copy_gbps", "64 MiB vkCmdCopyBuffer (GB/s)"),
        ("memcpy_gbps", "64 MiB memcpy, same process (GB/s)"),
        ("empty_submit_us", "empty submit + fence wait (us)"),
        (
            "one_command_submit_us",
            "1-command submit + fence wait (us)",
        ),
    ];
    for (k, label) in rows {
        let (s, l) = (get("softvk", k), get("lavapipe", k));
        println!("{label:<44} {s:>12.3} {l:>12.3} {:>16.3}", s / l);
    }
    let copy_vs_memcpy = get("softvk", "copy_gbps") / get("softvk", "memcpy_gbps");
    let lvp_copy_vs_memcpy = get("lavapipe", "copy_gbps") / get("lavapipe", "memcpy_gbps");
    println!();
    println!(
        "copy / memcpy: softvk {:.0}%, lavapipe {:.0}%   (goal: softvk >= 80%) {}",
        copy_vs_memcpy * 100.0,
        lvp_copy_vs_memcpy * 100.0,
        if copy_vs_memcpy >= 0.8 {
            "MET"
        } else {
            "NOT MET"
        }
    );
    let lat = get("softvk", "empty_submit_us") / get("lavapipe", "empty_submit_us");
    let lat1 = get("softvk", "one_command_submit_us") / get("lavapipe", "one_command_submit_us");
    println!(
        "round-trip latency vs lavapipe: empty {:.2}x, one command {:.2}x   (goal: below lavapipe) {}",
        lat,
        lat1,
        if lat < 1.0 && lat1 < 1.0 {
            "MET"
        } else {
            "NOT MET"
        }
    );
}
