//! Pipeline caches through the loader: the data of vkGetPipelineCacheData makes a cache (on the
//! same device or a new one) from which the same pipelines are created without compiling
//! (creation feedback's APPLICATION_PIPELINE_CACHE_HIT bit, FAIL_ON_PIPELINE_COMPILE_REQUIRED
//! succeeding) and compute the right results; the two-call idiom and VK_INCOMPLETE; foreign,
//! truncated and corrupted data ignored; merges; caches shared by threads; several pipelines
//! of one call compiled in parallel with the results of one-by-one creation.
//!
//! The shader is shaders/tests/pipeline_cache.comp, specialized by one constant K.
//!
//! Graphics pipelines (one cache entry per stage): created twice with one cache, the second
//! creation's stages are hits (pipeline and per-stage feedback, in pStages order) and
//! FAIL_ON_PIPELINE_COMPILE_REQUIRED succeeds; so with a cache made of the data or merged from
//! it; a pipeline sharing only its vertex stage hits on that stage alone; and pipelines from the
//! cache draw the freshly compiled pipeline's bytes (shaders/tests/vertex_basic.vert and
//! fragment_basic.frag: flat and smooth inputs, discard, derivatives, FragDepth, three color
//! attachments and a depth attachment).

use ash::vk;
use softvk_tests::compute::{spirv, write_buffer};
use softvk_tests::gfx::{self, Creation, PipelineState, attachment};
use softvk_tests::{Buf, Options, Vk};
use std::time::{Duration, Instant};

type DT = vk::DescriptorType;
type Fb = vk::PipelineCreationFeedbackFlags;

/// Invocations each dispatch runs.
const N: u32 = 256;

/// What the shader writes to `hash[i]` for constant `k`.
fn model(k: u32, i: u32) -> u32 {
    let mut x = i.wrapping_mul(2654435761).wrapping_add(k);
    for _ in 0..4 + k % 5 {
        x ^= x >> 13;
        x = x.wrapping_mul(0x5bd1e995);
        x ^= x >> 15;
    }
    x.wrapping_add(k.wrapping_mul(0x9E3779B9))
}

/// The layouts, module, descriptor set and buffers the pipelines use.
struct Setup {
    set_layout: vk::DescriptorSetLayout,
    layout: vk::PipelineLayout,
    module: vk::ShaderModule,
    pool: vk::DescriptorPool,
    set: vk::DescriptorSet,
    hash: Buf,
    wave: Buf,
}

fn setup(vk: &Vk) -> Setup {
    let d = &vk.device;
    unsafe {
        let compute = vk::ShaderStageFlags::COMPUTE;
        let bindings = [0, 1].map(|b| (b, DT::STORAGE_BUFFER, compute));
        let (set_layout, pool, set) = gfx::descriptor_set(vk, &bindings);
        let ranges = [vk::PushConstantRange {
            stage_flags: compute,
            offset: 0,
            size: 4,
        }];
        let sls = [set_layout];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default()
                    .set_layouts(&sls)
                    .push_constant_ranges(&ranges),
                None,
            )
            .unwrap();
        let words = spirv("pipeline_cache");
        let module = d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
            .unwrap();
        let usage = vk::BufferUsageFlags::STORAGE_BUFFER;
        let hash = vk.buffer(N as u64 * 4, usage);
        let wave = vk.buffer(N as u64 * 4, usage);
        write_buffer(vk, set, 0, DT::STORAGE_BUFFER, &hash, 0, vk::WHOLE_SIZE);
        write_buffer(vk, set, 1, DT::STORAGE_BUFFER, &wave, 0, vk::WHOLE_SIZE);
        Setup {
            set_layout,
            layout,
            module,
            pool,
            set,
            hash,
            wave,
        }
    }
}

impl Setup {
    fn destroy(self, vk: &Vk) {
        let d = &vk.device;
        unsafe {
            d.destroy_descriptor_pool(self.pool, None);
            d.destroy_pipeline_layout(self.layout, None);
            d.destroy_descriptor_set_layout(self.set_layout, None);
            d.destroy_shader_module(self.module, None);
        }
        vk.destroy_buffer(self.hash);
        vk.destroy_buffer(self.wave);
    }

    /// Runs `pipeline` over N invocations; returns `hash` and `wave` (as bits).
    fn run(&self, vk: &Vk, pipeline: vk::Pipeline) -> (Vec<u32>, Vec<u32>) {
        self.hash.bytes().fill(0);
        self.wave.bytes().fill(0);
        vk.run(|cb| unsafe {
            let d = &vk.device;
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, pipeline);
            d.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::COMPUTE,
                self.layout,
                0,
                &[self.set],
                &[],
            );
            d.cmd_push_constants(
                cb,
                self.layout,
                vk::ShaderStageFlags::COMPUTE,
                0,
                &N.to_le_bytes(),
            );
            d.cmd_dispatch(cb, N / 64, 1, 1);
        });
        (self.hash.u32s(), self.wave.u32s())
    }
}

/// What pipeline creation uses of a [`Setup`] (plain handles, for other threads).
#[derive(Clone, Copy)]
struct Shape {
    module: vk::ShaderModule,
    layout: vk::PipelineLayout,
}

impl From<&Setup> for Shape {
    fn from(s: &Setup) -> Shape {
        Shape {
            module: s.module,
            layout: s.layout,
        }
    }
}

/// The outcome of one vkCreateComputePipelines call.
struct Created {
    result: vk::Result,
    pipelines: Vec<vk::Pipeline>,
    /// Per pipeline: the pipeline's and the stage's feedback.
    feedback: Vec<(vk::PipelineCreationFeedback, vk::PipelineCreationFeedback)>,
}

impl Created {
    fn hits(&self) -> Vec<bool> {
        self.feedback
            .iter()
            .map(|(p, s)| {
                let hit = p.flags.contains(Fb::APPLICATION_PIPELINE_CACHE_HIT);
                assert_eq!(
                    hit,
                    s.flags.contains(Fb::APPLICATION_PIPELINE_CACHE_HIT),
                    "the stage's feedback agrees with the pipeline's"
                );
                hit
            })
            .collect()
    }

    fn destroy(self, vk: &Vk) {
        for p in self.pipelines {
            unsafe { vk.device.destroy_pipeline(p, None) };
        }
    }
}

/// One vkCreateComputePipelines call creating the specializations `ks`, with creation
/// feedback chained to each.
fn create(
    vk: &Vk,
    s: impl Into<Shape>,
    cache: vk::PipelineCache,
    ks: &[u32],
    flags: vk::PipelineCreateFlags,
) -> Created {
    let s: Shape = s.into();
    let n = ks.len();
    let data: Vec<[u8; 4]> = ks.iter().map(|k| k.to_le_bytes()).collect();
    let entry = [vk::SpecializationMapEntry {
        constant_id: 0,
        offset: 0,
        size: 4,
    }];
    let specs: Vec<vk::SpecializationInfo<'_>> = data
        .iter()
        .map(|d| {
            vk::SpecializationInfo::default()
                .map_entries(&entry)
                .data(d)
        })
        .collect();
    let mut fb = vec![vk::PipelineCreationFeedback::default(); 2 * n];
    let at = fb.as_mut_ptr();
    let mut fb_infos: Vec<vk::PipelineCreationFeedbackCreateInfo<'_>> = (0..n)
        .map(|i| {
            let mut f = vk::PipelineCreationFeedbackCreateInfo::default();
            // SAFETY: elements 2i and 2i+1 of `fb`, alive until after the call.
            unsafe {
                f.p_pipeline_creation_feedback = at.add(2 * i);
                f.p_pipeline_stage_creation_feedbacks = at.add(2 * i + 1);
            }
            f.pipeline_stage_creation_feedback_count = 1;
            f
        })
        .collect();
    let infos: Vec<vk::ComputePipelineCreateInfo<'_>> = specs
        .iter()
        .zip(fb_infos.iter_mut())
        .map(|(spec, f)| {
            vk::ComputePipelineCreateInfo::default()
                .flags(flags)
                .stage(
                    vk::PipelineShaderStageCreateInfo::default()
                        .stage(vk::ShaderStageFlags::COMPUTE)
                        .module(s.module)
                        .name(c"main")
                        .specialization_info(spec),
                )
                .layout(s.layout)
                .push_next(f)
        })
        .collect();
    let mut pipelines = vec![vk::Pipeline::null(); n];
    let d = &vk.device;
    let result = unsafe {
        (d.fp_v1_0().create_compute_pipelines)(
            d.handle(),
            cache,
            n as u32,
            infos.as_ptr(),
            std::ptr::null(),
            pipelines.as_mut_ptr(),
        )
    };
    drop(infos);
    drop(fb_infos);
    let feedback = (0..n).map(|i| (fb[2 * i], fb[2 * i + 1])).collect();
    Created {
        result,
        pipelines,
        feedback,
    }
}

fn new_cache(vk: &Vk, data: &[u8]) -> vk::PipelineCache {
    unsafe {
        vk.device
            .create_pipeline_cache(
                &vk::PipelineCacheCreateInfo::default().initial_data(data),
                None,
            )
            .expect("vkCreatePipelineCache accepts any initial data")
    }
}

fn cache_data(vk: &Vk, cache: vk::PipelineCache) -> Vec<u8> {
    unsafe { vk.device.get_pipeline_cache_data(cache) }.expect("vkGetPipelineCacheData")
}

/// Every pipeline of `c` exists and computes the model's hashes and the `reference` waves.
fn check_results(vk: &Vk, s: &Setup, c: &Created, ks: &[u32], reference: &[Vec<u32>]) {
    for (j, (&p, &k)) in c.pipelines.iter().zip(ks).enumerate() {
        assert_ne!(p, vk::Pipeline::null(), "pipeline {j} (K = {k})");
        let (hash, wave) = s.run(vk, p);
        let want: Vec<u32> = (0..N).map(|i| model(k, i)).collect();
        assert_eq!(hash, want, "hashes of K = {k}");
        assert_eq!(wave, reference[j], "sin() of K = {k}");
    }
}

/// The waves of freshly compiled pipelines (no cache), checked against the model's hashes.
fn reference(vk: &Vk, s: &Setup, ks: &[u32]) -> Vec<Vec<u32>> {
    let c = create(
        vk,
        s,
        vk::PipelineCache::null(),
        ks,
        vk::PipelineCreateFlags::empty(),
    );
    assert_eq!(c.result, vk::Result::SUCCESS);
    assert_eq!(c.hits(), vec![false; ks.len()], "no cache, no hits");
    let waves: Vec<Vec<u32>> = c.pipelines.iter().map(|&p| s.run(vk, p).1).collect();
    // sin(i * 0.01 * (K + 1)): close to the CPU's, within f32 rounding.
    for (w, &k) in waves.iter().zip(ks) {
        for (i, bits) in w.iter().enumerate() {
            let want = (i as f32 * 0.01 * (k + 1) as f32).sin();
            let got = f32::from_bits(*bits);
            assert!((got - want).abs() < 1e-5, "sin for K = {k}, i = {i}: {got}");
        }
    }
    check_results(vk, s, &c, ks, &waves);
    c.destroy(vk);
    waves
}

const KS: [u32; 5] = [0, 1, 2, 3, 7];
const CACHE_ONLY: vk::PipelineCreateFlags =
    vk::PipelineCreateFlags::FAIL_ON_PIPELINE_COMPILE_REQUIRED;

/// Pipelines created through a cache, then from a cache made of its data (on this device and
/// on a new one), are found in the cache: FAIL_ON_PIPELINE_COMPILE_REQUIRED succeeds, creation
/// feedback reports cache hits, and the dispatches give the compiled pipelines' results.
#[test]
fn cached_pipelines_skip_compilation_here_and_on_a_new_device() {
    let vk = Vk::new();
    let s = setup(&vk);
    let waves = reference(&vk, &s, &KS);
    let cache = new_cache(&vk, &[]);
    assert_eq!(
        cache_data(&vk, cache).len(),
        32,
        "an empty cache is the header"
    );

    // A cache without the pipelines: COMPILE_REQUIRED, null handles.
    let c = create(&vk, &s, cache, &KS, CACHE_ONLY);
    assert_eq!(c.result, vk::Result::PIPELINE_COMPILE_REQUIRED);
    assert_eq!(c.pipelines, vec![vk::Pipeline::null(); KS.len()]);

    let compiled = create(&vk, &s, cache, &KS, vk::PipelineCreateFlags::empty());
    assert_eq!(compiled.result, vk::Result::SUCCESS);
    assert_eq!(
        compiled.hits(),
        vec![false; KS.len()],
        "first creation compiles"
    );
    check_results(&vk, &s, &compiled, &KS, &waves);

    let again = create(&vk, &s, cache, &KS, CACHE_ONLY);
    assert_eq!(again.result, vk::Result::SUCCESS);
    assert_eq!(again.hits(), vec![true; KS.len()]);
    check_results(&vk, &s, &again, &KS, &waves);
    again.destroy(&vk);

    // The data: the spec's header, then entries.
    let data = cache_data(&vk, cache);
    let props = unsafe { vk.instance.get_physical_device_properties(vk.physical) };
    let word = |i: usize| u32::from_le_bytes(data[i..i + 4].try_into().unwrap());
    assert_eq!(word(0), 32, "headerSize");
    assert_eq!(word(4), vk::PipelineCacheHeaderVersion::ONE.as_raw() as u32);
    assert_eq!(word(8), props.vendor_id);
    assert_eq!(word(12), props.device_id);
    assert_eq!(data[16..32], props.pipeline_cache_uuid);
    assert!(data.len() > 32 + KS.len() * 1000, "{} bytes", data.len());

    // A cache from the data on the same device.
    let restored = new_cache(&vk, &data);
    let c = create(&vk, &s, restored, &KS, CACHE_ONLY);
    assert_eq!(c.result, vk::Result::SUCCESS);
    assert_eq!(c.hits(), vec![true; KS.len()]);
    check_results(&vk, &s, &c, &KS, &waves);
    let hit_ns: u64 = c.feedback.iter().map(|f| f.0.duration).sum();
    let compile_ns: u64 = compiled.feedback.iter().map(|f| f.0.duration).sum();
    eprintln!(
        "creation of {} pipelines: compiled {:.3} ms, from the cache {:.3} ms",
        KS.len(),
        compile_ns as f64 / 1e6,
        hit_ns as f64 / 1e6
    );
    c.destroy(&vk);
    compiled.destroy(&vk);
    // A specialization the data does not hold still needs a compile.
    let other = create(&vk, &s, restored, &[9], CACHE_ONLY);
    assert_eq!(other.result, vk::Result::PIPELINE_COMPILE_REQUIRED);
    assert_eq!(other.pipelines, [vk::Pipeline::null()]);
    assert_eq!(cache_data(&vk, restored), data, "the data round-trips");

    // A new instance and device (the uuid is the build's): the same hits.
    let vk2 = Vk::new();
    let s2 = setup(&vk2);
    let cache2 = new_cache(&vk2, &data);
    let c = create(&vk2, &s2, cache2, &KS, CACHE_ONLY);
    assert_eq!(c.result, vk::Result::SUCCESS);
    assert_eq!(c.hits(), vec![true; KS.len()]);
    check_results(&vk2, &s2, &c, &KS, &waves);
    c.destroy(&vk2);
    unsafe {
        vk2.device.destroy_pipeline_cache(cache2, None);
        vk.device.destroy_pipeline_cache(restored, None);
        vk.device.destroy_pipeline_cache(cache, None);
    }
    s2.destroy(&vk2);
    s.destroy(&vk);
}

/// The data loads in another process (where the driver and its runtime helpers sit at other
/// addresses: the code is relocated again, by symbol name): every pipeline is a hit there and
/// computes the right results.
#[test]
fn cached_pipelines_load_in_another_process() {
    const NAME: &str = "cached_pipelines_load_in_another_process";
    if let Ok(path) = std::env::var("SOFTVK_PIPELINE_CACHE_DATA") {
        let data = std::fs::read(&path).expect("the parent's data");
        let vk = Vk::new();
        let s = setup(&vk);
        let waves = reference(&vk, &s, &KS);
        let cache = new_cache(&vk, &data);
        let c = create(&vk, &s, cache, &KS, CACHE_ONLY);
        assert_eq!(c.result, vk::Result::SUCCESS);
        assert_eq!(c.hits(), vec![true; KS.len()]);
        check_results(&vk, &s, &c, &KS, &waves);
        c.destroy(&vk);
        unsafe { vk.device.destroy_pipeline_cache(cache, None) };
        s.destroy(&vk);
        return;
    }
    let vk = Vk::new();
    let s = setup(&vk);
    let cache = new_cache(&vk, &[]);
    create(&vk, &s, cache, &KS, vk::PipelineCreateFlags::empty()).destroy(&vk);
    let path = std::env::temp_dir().join(format!("softvk-pipeline-cache-{}", std::process::id()));
    std::fs::write(&path, cache_data(&vk, cache)).unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", NAME, "--nocapture", "--test-threads", "1"])
        .env("SOFTVK_PIPELINE_CACHE_DATA", &path)
        .output()
        .expect("the test binary runs");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "the other process failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "the other process ran the test"
    );
    unsafe { vk.device.destroy_pipeline_cache(cache, None) };
    s.destroy(&vk);
}

/// vkGetPipelineCacheData: the size query, VK_INCOMPLETE with the longest valid data that fits,
/// nothing and a size of 0 when the header does not fit.
#[test]
fn get_data_two_call_idiom_and_incomplete() {
    let vk = Vk::new();
    let s = setup(&vk);
    let d = &vk.device;
    let ks = [4, 5, 6];
    let cache = new_cache(&vk, &[]);
    create(&vk, &s, cache, &ks, vk::PipelineCreateFlags::empty()).destroy(&vk);
    let get = |size: usize| -> (vk::Result, usize, Vec<u8>) {
        let mut buf = vec![0xABu8; size + 16];
        let mut n = size;
        let r = unsafe {
            (d.fp_v1_0().get_pipeline_cache_data)(
                d.handle(),
                cache,
                &mut n,
                buf.as_mut_ptr().cast(),
            )
        };
        assert!(
            buf[n..].iter().all(|&b| b == 0xAB),
            "nothing written past the size returned"
        );
        buf.truncate(n);
        (r, n, buf)
    };
    let mut full = 0usize;
    let r = unsafe {
        (d.fp_v1_0().get_pipeline_cache_data)(d.handle(), cache, &mut full, std::ptr::null_mut())
    };
    assert_eq!(r, vk::Result::SUCCESS);
    let (r, n, whole) = get(full);
    assert_eq!((r, n), (vk::Result::SUCCESS, full));
    let (r, n, _) = get(full + 100);
    assert_eq!((r, n), (vk::Result::SUCCESS, full), "a larger buffer");

    let (r, n, part) = get(full - 1);
    assert_eq!(r, vk::Result::INCOMPLETE);
    assert!(n < full && n > 32, "{n} of {full}");
    assert!(whole.starts_with(&part[..32]));
    // What was written is valid data: two of the three entries.
    let partial = new_cache(&vk, &part);
    let c = create(&vk, &s, partial, &ks, CACHE_ONLY);
    assert_eq!(c.result, vk::Result::PIPELINE_COMPILE_REQUIRED);
    assert_eq!(c.hits().iter().filter(|&&h| h).count(), 2);
    assert_eq!(
        c.pipelines
            .iter()
            .filter(|&&p| p == vk::Pipeline::null())
            .count(),
        1
    );
    c.destroy(&vk);

    let (r, n, header) = get(40);
    assert_eq!((r, n), (vk::Result::INCOMPLETE, 32), "only the header fits");
    assert_eq!(header, whole[..32]);
    let (r, n, _) = get(31);
    assert_eq!((r, n), (vk::Result::INCOMPLETE, 0), "not even the header");
    let (r, n, _) = get(0);
    assert_eq!((r, n), (vk::Result::INCOMPLETE, 0));
    unsafe {
        d.destroy_pipeline_cache(partial, None);
        d.destroy_pipeline_cache(cache, None);
    }
    s.destroy(&vk);
}

/// Initial data of another device, build or header version, truncated, corrupted or
/// meaningless creates a cache all the same; what is damaged is never used (no hit from it),
/// and pipelines created through such a cache compute the right results.
#[test]
fn foreign_truncated_and_corrupted_data_is_ignored() {
    let vk = Vk::new();
    let s = setup(&vk);
    let ks = [0, 1];
    let waves = reference(&vk, &s, &ks);
    let good = new_cache(&vk, &[]);
    create(&vk, &s, good, &ks, vk::PipelineCreateFlags::empty()).destroy(&vk);
    let data = cache_data(&vk, good);
    let len = data.len();
    let flip = |at: usize, bits: u8| {
        let mut d = data.clone();
        d[at] ^= bits;
        d
    };
    let put = |at: usize, v: u32| {
        let mut d = data.clone();
        d[at..at + 4].copy_from_slice(&v.to_le_bytes());
        d
    };
    // (data, how many of the two entries may still hit)
    let mut cases: Vec<(String, Vec<u8>, usize)> = vec![
        ("headerSize 33".into(), put(0, 33), 0),
        ("header version 2".into(), put(4, 2), 0),
        ("another vendor".into(), flip(8, 1), 0),
        ("another device".into(), flip(12, 1), 0),
        ("another pipelineCacheUUID".into(), flip(31, 0x40), 0),
        ("a flipped preamble byte".into(), flip(40, 1), 0),
        (
            "a flipped bit in the last entry's code".into(),
            flip(len - 40, 4),
            1,
        ),
        (
            "a flipped bit in the first entry".into(),
            flip(32 + 29 + 70, 0x80),
            1,
        ),
        ("only the header".into(), data[..32].to_vec(), 0),
        ("header and half a preamble".into(), data[..40].to_vec(), 0),
        ("cut in the middle".into(), data[..len / 2].to_vec(), 1),
        ("the last byte missing".into(), data[..len - 1].to_vec(), 1),
        ("a byte too many".into(), [&data[..], &[0]].concat(), 2),
    ];
    for n in [1usize, 4, 31, 32, 33, 64, 200, 5000] {
        let g: Vec<u8> = (0..n).map(|i| (i * 131 + n * 7) as u8).collect();
        cases.push((format!("{n} bytes of garbage"), g, 0));
    }
    for (what, bytes, at_most) in &cases {
        let cache = new_cache(&vk, bytes);
        let c = create(&vk, &s, cache, &ks, CACHE_ONLY);
        let hits = c.hits().iter().filter(|&&h| h).count();
        assert!(hits <= *at_most, "{what}: {hits} hits");
        assert_eq!(
            c.pipelines
                .iter()
                .filter(|&&p| p != vk::Pipeline::null())
                .count(),
            hits,
            "{what}"
        );
        let expected = if hits == ks.len() {
            vk::Result::SUCCESS
        } else {
            vk::Result::PIPELINE_COMPILE_REQUIRED
        };
        assert_eq!(c.result, expected, "{what}");
        // What hit is the right code.
        for (j, &p) in c.pipelines.iter().enumerate() {
            if p != vk::Pipeline::null() {
                let (hash, wave) = s.run(&vk, p);
                assert_eq!(hash, (0..N).map(|i| model(ks[j], i)).collect::<Vec<_>>());
                assert_eq!(wave, waves[j], "{what}");
            }
        }
        c.destroy(&vk);
        // The cache works: pipelines compile into it and run.
        let c = create(&vk, &s, cache, &ks, vk::PipelineCreateFlags::empty());
        assert_eq!(c.result, vk::Result::SUCCESS, "{what}");
        check_results(&vk, &s, &c, &ks, &waves);
        c.destroy(&vk);
        unsafe { vk.device.destroy_pipeline_cache(cache, None) };
    }
    unsafe { vk.device.destroy_pipeline_cache(good, None) };
    s.destroy(&vk);
}

/// vkMergePipelineCaches: the destination holds the entries of every source, and so does its
/// data.
#[test]
fn merged_caches_hold_every_source_entry() {
    let vk = Vk::new();
    let s = setup(&vk);
    let d = &vk.device;
    let a = new_cache(&vk, &[]);
    let b = new_cache(&vk, &[]);
    create(&vk, &s, a, &[0, 1], vk::PipelineCreateFlags::empty()).destroy(&vk);
    create(&vk, &s, b, &[1, 2, 3], vk::PipelineCreateFlags::empty()).destroy(&vk);
    let dst = new_cache(&vk, &[]);
    unsafe { d.merge_pipeline_caches(dst, &[a, b]) }.unwrap();
    let ks = [0, 1, 2, 3];
    let c = create(&vk, &s, dst, &ks, CACHE_ONLY);
    assert_eq!(c.result, vk::Result::SUCCESS);
    assert_eq!(c.hits(), vec![true; 4]);
    c.destroy(&vk);
    let from_data = new_cache(&vk, &cache_data(&vk, dst));
    let c = create(&vk, &s, from_data, &ks, CACHE_ONLY);
    assert_eq!(c.hits(), vec![true; 4]);
    let waves = reference(&vk, &s, &ks);
    check_results(&vk, &s, &c, &ks, &waves);
    c.destroy(&vk);
    // The sources are unchanged.
    let c = create(&vk, &s, a, &[2], CACHE_ONLY);
    assert_eq!(c.result, vk::Result::PIPELINE_COMPILE_REQUIRED);
    for cache in [a, b, dst, from_data] {
        unsafe { d.destroy_pipeline_cache(cache, None) };
    }
    s.destroy(&vk);
}

/// A cache (not externally synchronized) used by several threads at once: creations and
/// vkGetPipelineCacheData interleave; every pipeline is right and the data holds every one.
#[test]
fn a_cache_is_shared_by_threads() {
    let vk = Vk::new();
    let s = setup(&vk);
    let cache = new_cache(&vk, &[]);
    let ks: Vec<u32> = (20..28).collect();
    std::thread::scope(|scope| {
        for t in 0..4usize {
            let (vk, shape, ks) = (&vk, Shape::from(&s), &ks);
            scope.spawn(move || {
                for round in 0..2 {
                    // Each thread creates the specializations in its own order.
                    let mut mine = ks.clone();
                    mine.rotate_left(t * 2 + round);
                    let c = create(vk, shape, cache, &mine, vk::PipelineCreateFlags::empty());
                    assert_eq!(c.result, vk::Result::SUCCESS);
                    assert!(c.pipelines.iter().all(|&p| p != vk::Pipeline::null()));
                    c.destroy(vk);
                    let data = cache_data(vk, cache);
                    assert!(data.len() >= 32);
                }
            });
        }
    });
    let restored = new_cache(&vk, &cache_data(&vk, cache));
    let c = create(&vk, &s, restored, &ks, CACHE_ONLY);
    assert_eq!(c.hits(), vec![true; ks.len()]);
    let waves = reference(&vk, &s, &ks);
    check_results(&vk, &s, &c, &ks, &waves);
    c.destroy(&vk);
    unsafe {
        vk.device.destroy_pipeline_cache(restored, None);
        vk.device.destroy_pipeline_cache(cache, None);
    }
    s.destroy(&vk);
}

/// Sixteen pipelines created in one call (compiled in parallel on the pool) give the same
/// results as the same sixteen created one call each; prints the times of both.
#[test]
fn parallel_creation_matches_one_by_one() {
    let vk = Vk::new();
    let s = setup(&vk);
    let ks: Vec<u32> = (100..116).collect();
    let none = vk::PipelineCache::null();
    let flags = vk::PipelineCreateFlags::empty();
    let mut best = (Duration::MAX, Duration::MAX);
    // Sum of the pipelines' creation times (feedback) over the call's time: how many ran at
    // once, whatever the machine's load.
    let mut overlap: f64 = 0.0;
    let mut results = None;
    for _ in 0..3 {
        let t0 = Instant::now();
        let together = create(&vk, &s, none, &ks, flags);
        let t_together = t0.elapsed();
        let t0 = Instant::now();
        let singles: Vec<Created> = ks
            .iter()
            .map(|k| create(&vk, &s, none, &[*k], flags))
            .collect();
        let t_singles = t0.elapsed();
        best = (best.0.min(t_together), best.1.min(t_singles));
        let busy: u64 = together.feedback.iter().map(|f| f.0.duration).sum();
        overlap = overlap.max(busy as f64 / t_together.as_nanos() as f64);
        assert_eq!(together.result, vk::Result::SUCCESS);
        let a: Vec<_> = together.pipelines.iter().map(|&p| s.run(&vk, p)).collect();
        let b: Vec<_> = singles
            .iter()
            .map(|c| {
                assert_eq!(c.result, vk::Result::SUCCESS);
                s.run(&vk, c.pipelines[0])
            })
            .collect();
        assert_eq!(a, b, "one call and one by one agree");
        for ((hash, _), k) in a.iter().zip(&ks) {
            assert_eq!(*hash, (0..N).map(|i| model(*k, i)).collect::<Vec<_>>());
        }
        if let Some(previous) = &results {
            assert_eq!(previous, &a, "the same results every time");
        }
        results = Some(a);
        together.destroy(&vk);
        for c in singles {
            c.destroy(&vk);
        }
    }
    eprintln!(
        "16 pipelines: one call {:.2} ms, one by one {:.2} ms, speed-up {:.2}x on {} CPUs \
         (creations running at once: {overlap:.2})",
        best.0.as_secs_f64() * 1e3,
        best.1.as_secs_f64() * 1e3,
        best.1.as_secs_f64() / best.0.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    s.destroy(&vk);
}

/// dstCache among pSrcCaches is invalid usage (VUID-vkMergePipelineCaches-dstCache-00770),
/// refused with a message (without the validation layer, which would report it first).
#[test]
fn merging_a_cache_into_itself_is_refused() {
    let vk = Vk::with(Options {
        validation: false,
        ..Options::default()
    });
    let cache = new_cache(&vk, &[]);
    let r = unsafe { vk.device.merge_pipeline_caches(cache, &[cache]) };
    assert_eq!(r, Err(vk::Result::ERROR_VALIDATION_FAILED_EXT));
    let errors = vk.take_softvk_errors();
    assert!(
        errors.iter().any(|e| e.contains("00770")),
        "errors: {errors:?}"
    );
    unsafe { vk.device.destroy_pipeline_cache(cache, None) };
}

const VERTEX_BASIC: &[u8] = include_bytes!("../../shaders/tests/vertex_basic.spv");
const FRAGMENT_BASIC: &[u8] = include_bytes!("../../shaders/tests/fragment_basic.spv");
const COLOR_VS: &[u8] = include_bytes!("../../shaders/tests/gfx_color_vs.spv");
const COLOR_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_color_fs.spv");
const TWO_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_two_fs.spv");

/// Side of the images drawn.
const SIDE: u32 = 48;

/// Color attachments of the basic pipeline: fragment_basic's color, info and coarse outputs.
const BASIC_COLORS: [(vk::Format, u64); 3] = [
    (vk::Format::R8G8B8A8_UNORM, 4),
    (vk::Format::R32G32_UINT, 8),
    (vk::Format::R32G32_SFLOAT, 8),
];

/// What the basic pipeline draws with: its layout (a storage buffer for the vertex stage and
/// a 64-byte matrix of push constants), descriptor set, vertex buffer and state.
struct Scene {
    set_layout: vk::DescriptorSetLayout,
    layout: vk::PipelineLayout,
    pool: vk::DescriptorPool,
    set: vk::DescriptorSet,
    colors: Buf,
    vertices: Buf,
    state: PipelineState,
}

fn scene(vk: &Vk) -> Scene {
    let vertex = vk::ShaderStageFlags::VERTEX;
    let (set_layout, pool, set) = gfx::descriptor_set(vk, &[(0, DT::STORAGE_BUFFER, vertex)]);
    let layout = gfx::layout(vk, &[set_layout], 64);
    let palette: Vec<f32> = (0..16).map(|i| i as f32 / 15.0).collect();
    let colors = gfx::buffer_with(
        vk,
        &gfx::f32_bytes(&palette),
        vk::BufferUsageFlags::STORAGE_BUFFER,
    );
    write_buffer(vk, set, 0, DT::STORAGE_BUFFER, &colors, 0, vk::WHOLE_SIZE);
    // Three overlapping triangles of (position xyz, uv, tag); the first one's tag (7, from its
    // provoking vertex 0 of instance 0) makes every fragment of it discard.
    let tri = |x: f32, y: f32, s: f32, tag: u32| -> Vec<u8> {
        let mut out = Vec::new();
        for (k, (dx, dy)) in [(0.0, 0.0), (s, 0.2), (0.3, s)].into_iter().enumerate() {
            let f = [x + dx, y + dy, 0.5, 0.1 + 0.3 * k as f32, x * y + k as f32];
            out.extend(gfx::f32_bytes(&f));
            out.extend(tag.to_le_bytes());
        }
        out
    };
    let data: Vec<u8> = [
        tri(-0.9, -0.9, 1.5, 7),
        tri(-0.8, -0.5, 1.6, 1),
        tri(-0.3, -0.95, 1.2, 2),
    ]
    .concat();
    let vertices = gfx::buffer_with(vk, &data, vk::BufferUsageFlags::VERTEX_BUFFER);
    let f = |location, format, offset| vk::VertexInputAttributeDescription {
        location,
        binding: 0,
        format,
        offset,
    };
    let state = PipelineState {
        bindings: vec![vk::VertexInputBindingDescription {
            binding: 0,
            stride: 24,
            input_rate: vk::VertexInputRate::VERTEX,
        }],
        attributes: vec![
            f(0, vk::Format::R32G32B32_SFLOAT, 0),
            f(1, vk::Format::R32G32_SFLOAT, 12),
            f(2, vk::Format::R32_UINT, 20),
        ],
        depth_stencil: vk::PipelineDepthStencilStateCreateInfo::default()
            .depth_test_enable(true)
            .depth_write_enable(true)
            .depth_compare_op(vk::CompareOp::LESS)
            .max_depth_bounds(1.0),
        blend: vec![gfx::no_blend(); 3],
        color_formats: BASIC_COLORS.iter().map(|c| c.0).collect(),
        depth_format: vk::Format::D32_SFLOAT,
        ..Default::default()
    };
    Scene {
        set_layout,
        layout,
        pool,
        set,
        colors,
        vertices,
        state,
    }
}

impl Scene {
    fn create(
        &self,
        vk: &Vk,
        cache: vk::PipelineCache,
        flags: vk::PipelineCreateFlags,
    ) -> Creation {
        self.state.create(
            vk,
            self.layout,
            VERTEX_BASIC,
            Some(FRAGMENT_BASIC),
            cache,
            flags,
        )
    }

    /// Draws the triangles (two instances) with `pipeline`; returns the bytes of every color
    /// attachment and of the depth attachment.
    fn draw(&self, vk: &Vk, pipeline: vk::Pipeline) -> Vec<Vec<u8>> {
        type L = vk::ImageLayout;
        let one = vk::SampleCountFlags::TYPE_1;
        let none = vk::ImageUsageFlags::empty();
        let colors: Vec<_> = BASIC_COLORS
            .iter()
            .map(|&(f, _)| attachment(vk, f, SIDE, SIDE, one, 1, none))
            .collect();
        let depth = attachment(vk, vk::Format::D32_SFLOAT, SIDE, SIDE, one, 1, none);
        // Column-major: a slight scale and shear.
        let mvp: [f32; 16] = [
            1.0, 0.1, 0.0, 0.0, //
            0.0, 0.9, 0.0, 0.0, //
            0.0, 0.0, 1.0, 0.0, //
            0.05, 0.0, 0.0, 1.0,
        ];
        vk.run(|cb| unsafe {
            let d = &vk.device;
            // (For the integer attachment: these floats' bits.)
            let clear = vk::ClearValue {
                color: vk::ClearColorValue {
                    float32: [0.25, 0.5, 0.75, 1.0],
                },
            };
            let cas: Vec<_> = colors
                .iter()
                .map(|c| {
                    c.barrier(vk, cb, L::UNDEFINED, L::COLOR_ATTACHMENT_OPTIMAL);
                    vk::RenderingAttachmentInfo::default()
                        .image_view(c.view)
                        .image_layout(L::COLOR_ATTACHMENT_OPTIMAL)
                        .load_op(vk::AttachmentLoadOp::CLEAR)
                        .store_op(vk::AttachmentStoreOp::STORE)
                        .clear_value(clear)
                })
                .collect();
            depth.barrier(vk, cb, L::UNDEFINED, L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL);
            let da = vk::RenderingAttachmentInfo::default()
                .image_view(depth.view)
                .image_layout(L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
                .load_op(vk::AttachmentLoadOp::CLEAR)
                .store_op(vk::AttachmentStoreOp::STORE)
                .clear_value(vk::ClearValue {
                    depth_stencil: vk::ClearDepthStencilValue {
                        depth: 1.0,
                        stencil: 0,
                    },
                });
            let extent = vk::Extent2D {
                width: SIDE,
                height: SIDE,
            };
            d.cmd_begin_rendering(
                cb,
                &vk::RenderingInfo::default()
                    .render_area(vk::Rect2D {
                        offset: vk::Offset2D::default(),
                        extent,
                    })
                    .layer_count(1)
                    .color_attachments(&cas)
                    .depth_attachment(&da),
            );
            gfx::viewport_scissor(vk, cb, SIDE, SIDE);
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, pipeline);
            d.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::GRAPHICS,
                self.layout,
                0,
                &[self.set],
                &[],
            );
            d.cmd_push_constants(
                cb,
                self.layout,
                vk::ShaderStageFlags::VERTEX | vk::ShaderStageFlags::FRAGMENT,
                0,
                &gfx::f32_bytes(&mvp),
            );
            d.cmd_bind_vertex_buffers(cb, 0, &[self.vertices.buffer], &[0]);
            d.cmd_draw(cb, 9, 2, 0, 0);
            d.cmd_end_rendering(cb);
            for c in &colors {
                c.barrier(vk, cb, L::COLOR_ATTACHMENT_OPTIMAL, L::TRANSFER_SRC_OPTIMAL);
            }
            depth.barrier(
                vk,
                cb,
                L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
                L::TRANSFER_SRC_OPTIMAL,
            );
        });
        let mut out: Vec<Vec<u8>> = colors
            .iter()
            .zip(BASIC_COLORS)
            .map(|(c, (_, texel))| c.read(vk, vk::ImageAspectFlags::COLOR, 0, texel))
            .collect();
        out.push(depth.read(vk, vk::ImageAspectFlags::DEPTH, 0, 4));
        for c in colors {
            c.destroy(vk);
        }
        depth.destroy(vk);
        out
    }

    fn destroy(self, vk: &Vk) {
        unsafe {
            let d = &vk.device;
            d.destroy_descriptor_pool(self.pool, None);
            d.destroy_pipeline_layout(self.layout, None);
            d.destroy_descriptor_set_layout(self.set_layout, None);
        }
        vk.destroy_buffer(self.colors);
        vk.destroy_buffer(self.vertices);
    }
}

/// The hit flags of a creation: the pipeline's and each stage's (pStages order); every
/// feedback is VALID.
fn graphics_hits(c: &Creation) -> (bool, Vec<bool>) {
    let hit = |f: &vk::PipelineCreationFeedback| {
        assert!(f.flags.contains(Fb::VALID), "feedback {f:?} is not VALID");
        f.flags.contains(Fb::APPLICATION_PIPELINE_CACHE_HIT)
    };
    (hit(&c.feedback), c.stages.iter().map(hit).collect())
}

fn destroy_pipeline(vk: &Vk, p: vk::Pipeline) {
    unsafe { vk.device.destroy_pipeline(p, None) };
}

/// A graphics pipeline created twice with one cache: the second creation's stages come from
/// the cache (FAIL_ON_PIPELINE_COMPILE_REQUIRED succeeds, the pipeline and both stages report
/// APPLICATION_PIPELINE_CACHE_HIT), as they do from a cache made of the data and from a cache
/// the first was merged into; every pipeline from a cache draws the freshly compiled
/// pipeline's bytes in every attachment.
#[test]
fn cached_graphics_pipelines_hit_and_draw_the_same_bytes() {
    let vk = Vk::new();
    let s = scene(&vk);
    let none = vk::PipelineCreateFlags::empty();
    let fresh = s.create(&vk, vk::PipelineCache::null(), none);
    assert_eq!(fresh.result, vk::Result::SUCCESS);
    assert_eq!(
        graphics_hits(&fresh),
        (false, vec![false, false]),
        "no cache"
    );
    let want = s.draw(&vk, fresh.pipeline);
    destroy_pipeline(&vk, fresh.pipeline);
    // The draw is not trivial: colors where the triangles are, FragDepth below the clear.
    let clear = [64u8, 128, 191, 255];
    let drawn = want[0].chunks_exact(4).filter(|p| *p != clear).count();
    assert!(
        drawn > 100 && drawn < (SIDE * SIDE) as usize,
        "{drawn} pixels drawn"
    );
    assert!(
        want[3]
            .chunks_exact(4)
            .any(|d| f32::from_le_bytes(d.try_into().unwrap()) < 0.5)
    );

    let cache = new_cache(&vk, &[]);
    // A cache without the stages: COMPILE_REQUIRED, a null handle.
    let c = s.create(&vk, cache, CACHE_ONLY);
    assert_eq!(c.result, vk::Result::PIPELINE_COMPILE_REQUIRED);
    assert_eq!(c.pipeline, vk::Pipeline::null());
    assert_eq!(cache_data(&vk, cache).len(), 32, "nothing was cached");

    let first = s.create(&vk, cache, none);
    assert_eq!(first.result, vk::Result::SUCCESS);
    assert_eq!(graphics_hits(&first), (false, vec![false, false]));
    assert_eq!(s.draw(&vk, first.pipeline), want, "a compiled pipeline");
    destroy_pipeline(&vk, first.pipeline);

    let second = s.create(&vk, cache, CACHE_ONLY);
    assert_eq!(second.result, vk::Result::SUCCESS);
    assert_eq!(graphics_hits(&second), (true, vec![true, true]));
    assert_eq!(
        s.draw(&vk, second.pipeline),
        want,
        "the cached pipeline's bytes"
    );
    destroy_pipeline(&vk, second.pipeline);
    eprintln!(
        "graphics pipeline creation: compiled {:.3} ms (stages {:.3} + {:.3}), from the cache \
         {:.3} ms (stages {:.3} + {:.3})",
        first.feedback.duration as f64 / 1e6,
        first.stages[0].duration as f64 / 1e6,
        first.stages[1].duration as f64 / 1e6,
        second.feedback.duration as f64 / 1e6,
        second.stages[0].duration as f64 / 1e6,
        second.stages[1].duration as f64 / 1e6,
    );

    // Fixed-function state is not part of a stage's key: another cull mode and depth compare
    // op, the same stages, hits.
    let mut other = PipelineState {
        raster: s.state.raster.cull_mode(vk::CullModeFlags::BACK),
        ..scene_state_clone(&s.state)
    };
    other.depth_stencil = other
        .depth_stencil
        .depth_compare_op(vk::CompareOp::LESS_OR_EQUAL);
    let c = other.create(
        &vk,
        s.layout,
        VERTEX_BASIC,
        Some(FRAGMENT_BASIC),
        cache,
        CACHE_ONLY,
    );
    assert_eq!(c.result, vk::Result::SUCCESS);
    assert_eq!(graphics_hits(&c), (true, vec![true, true]));
    destroy_pipeline(&vk, c.pipeline);

    // The data: two entries, one per stage; a cache made of it, and one merged from it.
    let data = cache_data(&vk, cache);
    assert!(data.len() > 32 + 2 * 1000, "{} bytes", data.len());
    let restored = new_cache(&vk, &data);
    assert_eq!(cache_data(&vk, restored), data, "the data round-trips");
    let merged = new_cache(&vk, &[]);
    unsafe { vk.device.merge_pipeline_caches(merged, &[restored]) }.unwrap();
    for (what, c) in [("restored", restored), ("merged", merged)] {
        let p = s.create(&vk, c, CACHE_ONLY);
        assert_eq!(p.result, vk::Result::SUCCESS, "{what}");
        assert_eq!(graphics_hits(&p), (true, vec![true, true]), "{what}");
        assert_eq!(
            s.draw(&vk, p.pipeline),
            want,
            "{what}: the cached pipeline's bytes"
        );
        destroy_pipeline(&vk, p.pipeline);
    }
    unsafe {
        for c in [cache, restored, merged] {
            vk.device.destroy_pipeline_cache(c, None);
        }
    }
    s.destroy(&vk);
}

/// The scene's state again (PipelineState is not Clone: its Vulkan structures hold pointers).
fn scene_state_clone(s: &PipelineState) -> PipelineState {
    PipelineState {
        bindings: s.bindings.clone(),
        attributes: s.attributes.clone(),
        depth_stencil: s.depth_stencil,
        blend: s.blend.clone(),
        color_formats: s.color_formats.clone(),
        depth_format: s.depth_format,
        raster: s.raster,
        ..Default::default()
    }
}

/// A pipeline sharing only its vertex stage with a cached one: the vertex stage hits, the
/// fragment stage compiles, the pipeline is no hit, and with FAIL_ON_PIPELINE_COMPILE_REQUIRED
/// it is not created. Stage feedback follows pStages' order (fragment stage first here). A
/// vertex-only pipeline of the cached vertex stage hits.
#[test]
fn graphics_stages_hit_one_by_one() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let cache = new_cache(&vk, &[]);
    let none = vk::PipelineCreateFlags::empty();
    let one = PipelineState::default();
    let c = one.create(&vk, layout, COLOR_VS, Some(COLOR_FS), cache, none);
    assert_eq!(c.result, vk::Result::SUCCESS);
    assert_eq!(graphics_hits(&c), (false, vec![false, false]));
    destroy_pipeline(&vk, c.pipeline);
    let two = PipelineState {
        blend: vec![gfx::no_blend(); 2],
        color_formats: vec![vk::Format::R8G8B8A8_UNORM; 2],
        fragment_stage_first: true,
        ..Default::default()
    };
    let c = two.create(&vk, layout, COLOR_VS, Some(TWO_FS), cache, CACHE_ONLY);
    assert_eq!(c.result, vk::Result::PIPELINE_COMPILE_REQUIRED);
    assert_eq!(c.pipeline, vk::Pipeline::null());
    let c = two.create(&vk, layout, COLOR_VS, Some(TWO_FS), cache, none);
    assert_eq!(c.result, vk::Result::SUCCESS);
    assert_eq!(
        graphics_hits(&c),
        (false, vec![false, true]),
        "(fragment, vertex): the vertex stage came from the cache"
    );
    destroy_pipeline(&vk, c.pipeline);
    // Now both of its stages are cached.
    let c = two.create(&vk, layout, COLOR_VS, Some(TWO_FS), cache, CACHE_ONLY);
    assert_eq!(c.result, vk::Result::SUCCESS);
    assert_eq!(graphics_hits(&c), (true, vec![true, true]));
    destroy_pipeline(&vk, c.pipeline);
    // A vertex-only pipeline (rasterizer discard) of the cached vertex stage.
    let discard = PipelineState {
        raster: vk::PipelineRasterizationStateCreateInfo::default()
            .rasterizer_discard_enable(true)
            .line_width(1.0),
        blend: Vec::new(),
        ..Default::default()
    };
    let c = discard.create(&vk, layout, COLOR_VS, None, cache, CACHE_ONLY);
    assert_eq!(c.result, vk::Result::SUCCESS);
    assert_eq!(graphics_hits(&c), (true, vec![true]));
    destroy_pipeline(&vk, c.pipeline);
    unsafe {
        vk.device.destroy_pipeline_cache(cache, None);
        vk.device.destroy_pipeline_layout(layout, None);
    }
}

/// vkCreateGraphicsPipelines creating `layouts.len()` vertex-only pipelines (rasterizer
/// discard, gfx_color_vs) in one call, pipeline i with `layouts[i]`; the result and handles.
fn vertex_only_pipelines(
    vk: &Vk,
    cache: vk::PipelineCache,
    layouts: &[vk::PipelineLayout],
    flags: vk::PipelineCreateFlags,
) -> (vk::Result, Vec<vk::Pipeline>) {
    let (bindings, attributes) = gfx::pos_color_input();
    let vi = vk::PipelineVertexInputStateCreateInfo::default()
        .vertex_binding_descriptions(&bindings)
        .vertex_attribute_descriptions(&attributes);
    let ia = vk::PipelineInputAssemblyStateCreateInfo::default()
        .topology(vk::PrimitiveTopology::TRIANGLE_LIST);
    let rs = vk::PipelineRasterizationStateCreateInfo::default()
        .rasterizer_discard_enable(true)
        .polygon_mode(vk::PolygonMode::FILL)
        .line_width(1.0);
    let module = gfx::module(vk, COLOR_VS);
    let stages = [vk::PipelineShaderStageCreateInfo::default()
        .stage(vk::ShaderStageFlags::VERTEX)
        .module(module)
        .name(c"main")];
    let infos: Vec<_> = layouts
        .iter()
        .map(|&l| {
            vk::GraphicsPipelineCreateInfo::default()
                .flags(flags)
                .stages(&stages)
                .vertex_input_state(&vi)
                .input_assembly_state(&ia)
                .rasterization_state(&rs)
                .layout(l)
        })
        .collect();
    let mut pipelines = vec![vk::Pipeline::null(); infos.len()];
    let d = &vk.device;
    let result = unsafe {
        (d.fp_v1_0().create_graphics_pipelines)(
            d.handle(),
            cache,
            infos.len() as u32,
            infos.as_ptr(),
            std::ptr::null(),
            pipelines.as_mut_ptr(),
        )
    };
    unsafe { d.destroy_shader_module(module, None) };
    (result, pipelines)
}

/// One vkCreateGraphicsPipelines call with FAIL_ON_PIPELINE_COMPILE_REQUIRED whose middle
/// pipeline's stage is not cached (its layout, which the compiler sees, differs): the call
/// answers VK_PIPELINE_COMPILE_REQUIRED, the cached pipelines are created and the middle one
/// is null; with EARLY_RETURN_ON_FAILURE the pipelines from the middle one on are null (spec,
/// "Multiple Pipeline Creation"), as for compute pipelines.
#[test]
fn graphics_compile_required_in_one_call() {
    let vk = Vk::new();
    let cached = gfx::layout(&vk, &[], 0);
    let other = gfx::layout(&vk, &[], 16);
    let cache = new_cache(&vk, &[]);
    let none = vk::PipelineCreateFlags::empty();
    let (r, p) = vertex_only_pipelines(&vk, cache, &[cached], none);
    assert_eq!(r, vk::Result::SUCCESS);
    destroy_pipeline(&vk, p[0]);
    let null = vk::Pipeline::null();
    let three = [cached, other, cached];
    let (r, p) = vertex_only_pipelines(&vk, cache, &three, CACHE_ONLY);
    assert_eq!(r, vk::Result::PIPELINE_COMPILE_REQUIRED);
    assert!(p[0] != null && p[1] == null && p[2] != null, "{p:?}");
    p.into_iter().for_each(|p| destroy_pipeline(&vk, p));
    let early = CACHE_ONLY | vk::PipelineCreateFlags::EARLY_RETURN_ON_FAILURE;
    let (r, p) = vertex_only_pipelines(&vk, cache, &three, early);
    assert_eq!(r, vk::Result::PIPELINE_COMPILE_REQUIRED);
    assert!(p[0] != null && p[1] == null && p[2] == null, "{p:?}");
    destroy_pipeline(&vk, p[0]);
    // Nothing was compiled: the middle pipeline still needs a compile.
    let (r, p) = vertex_only_pipelines(&vk, cache, &[other], CACHE_ONLY);
    assert_eq!((r, p[0]), (vk::Result::PIPELINE_COMPILE_REQUIRED, null));
    unsafe {
        vk.device.destroy_pipeline_cache(cache, None);
        vk.device.destroy_pipeline_layout(cached, None);
        vk.device.destroy_pipeline_layout(other, None);
    }
}
