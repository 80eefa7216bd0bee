//! Output is bit-identical for any thread count: the same workload in child processes with
//! SOFTVK_THREADS=1, 2 and 3 produces the same bytes.

use ash::vk;
use softvk_tests::compute::{pipe, write_buffer};
use softvk_tests::{Rng, Vk, color_layers, image_2d};

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

/// The workload: random data, a large linear downscale and a nearest upscale by blits, large
/// copies, and a compute dispatch over the same data; returns a hash of every output byte.
fn workload() -> u64 {
    let vk = Vk::new();
    let (w, h) = (1024u32, 768u32);
    let staging = vk.buffer(
        (w * h * 4) as u64,
        USAGE | vk::BufferUsageFlags::STORAGE_BUFFER,
    );
    Rng::new(42).fill(staging.bytes());
    let src = vk.image(&image_2d(vk::Format::R8G8B8A8_SRGB, w, h));
    let small = vk.image(&image_2d(vk::Format::R16G16B16A16_SFLOAT, 333, 251));
    let big = vk.image(&image_2d(vk::Format::R8G8B8A8_SRGB, w, h));
    let out = vk.buffer((w * h * 4 + 333 * 251 * 8) as u64, USAGE);
    let region = |sw: u32, sh: u32, dw: u32, dh: u32| vk::ImageBlit {
        src_subresource: color_layers(1),
        src_offsets: [
            vk::Offset3D::default(),
            vk::Offset3D {
                x: sw as i32,
                y: sh as i32,
                z: 1,
            },
        ],
        dst_subresource: color_layers(1),
        dst_offsets: [
            vk::Offset3D::default(),
            vk::Offset3D {
                x: dw as i32,
                y: dh as i32,
                z: 1,
            },
        ],
    };
    let (dst, srcl) = (
        vk::ImageLayout::TRANSFER_DST_OPTIMAL,
        vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
    );
    let color = vk::ImageAspectFlags::COLOR;
    vk.run(|cb| unsafe {
        for i in [&src, &small, &big] {
            vk.image_barrier(cb, i.image, color, vk::ImageLayout::UNDEFINED, dst);
        }
        let full = vk::BufferImageCopy {
            buffer_offset: 0,
            buffer_row_length: 0,
            buffer_image_height: 0,
            image_subresource: color_layers(1),
            image_offset: vk::Offset3D::default(),
            image_extent: vk::Extent3D {
                width: w,
                height: h,
                depth: 1,
            },
        };
        vk.device
            .cmd_copy_buffer_to_image(cb, staging.buffer, src.image, dst, &[full]);
        vk.image_barrier(cb, src.image, color, dst, srcl);
        vk.device.cmd_blit_image(
            cb,
            src.image,
            srcl,
            small.image,
            dst,
            &[region(w, h, 333, 251)],
            vk::Filter::LINEAR,
        );
        vk.image_barrier(cb, small.image, color, dst, srcl);
        vk.device.cmd_blit_image(
            cb,
            small.image,
            srcl,
            big.image,
            dst,
            &[region(333, 251, w, h)],
            vk::Filter::NEAREST,
        );
        vk.transfer_barrier(cb);
        let r = vk::ImageSubresourceRange {
            aspect_mask: color,
            base_mip_level: 0,
            level_count: 1,
            base_array_layer: 0,
            layer_count: 1,
        };
        let _ = r;
        vk.image_barrier(cb, big.image, color, dst, srcl);
        vk.device
            .cmd_copy_image_to_buffer(cb, big.image, srcl, out.buffer, &[full]);
        vk.device.cmd_copy_image_to_buffer(
            cb,
            small.image,
            srcl,
            out.buffer,
            &[vk::BufferImageCopy {
                buffer_offset: (w * h * 4) as u64,
                image_extent: vk::Extent3D {
                    width: 333,
                    height: 251,
                    depth: 1,
                },
                ..full
            }],
        );
    });
    // Compute: the random words through the basics shader (arithmetic, a shared-memory
    // reduction per workgroup of 128), 6144 workgroups spread over the pool.
    let n = w * h;
    let wg = 128u32;
    let groups = n / wg;
    let storage = USAGE | vk::BufferUsageFlags::STORAGE_BUFFER;
    let results = vk.buffer(n as u64 * 4, storage);
    let sums = vk.buffer(groups as u64 * 4, storage);
    let uniform = vk.buffer(16, vk::BufferUsageFlags::UNIFORM_BUFFER);
    uniform.bytes()[..4].copy_from_slice(&0x9E37_79B9u32.to_le_bytes());
    let spec_bytes: Vec<u8> = [wg, 2_654_435_761u32]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let entries = [0u32, 1].map(|i| vk::SpecializationMapEntry {
        constant_id: i,
        offset: i * 4,
        size: 4,
    });
    let spec = vk::SpecializationInfo::default()
        .map_entries(&entries)
        .data(&spec_bytes);
    type DT = vk::DescriptorType;
    let p = pipe(
        &vk,
        "basics",
        &[
            &[
                (0, DT::UNIFORM_BUFFER),
                (1, DT::STORAGE_BUFFER),
                (2, DT::STORAGE_BUFFER),
            ],
            &[(0, DT::STORAGE_BUFFER_DYNAMIC)],
        ],
        4,
        Some(&spec),
    );
    write_buffer(&vk, p.sets[0], 0, DT::UNIFORM_BUFFER, &uniform, 0, 16);
    write_buffer(
        &vk,
        p.sets[0],
        1,
        DT::STORAGE_BUFFER,
        &staging,
        0,
        vk::WHOLE_SIZE,
    );
    write_buffer(
        &vk,
        p.sets[0],
        2,
        DT::STORAGE_BUFFER,
        &results,
        0,
        vk::WHOLE_SIZE,
    );
    write_buffer(
        &vk,
        p.sets[1],
        0,
        DT::STORAGE_BUFFER_DYNAMIC,
        &sums,
        0,
        vk::WHOLE_SIZE,
    );
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[0]);
        vk.device.cmd_push_constants(
            cb,
            p.layout,
            vk::ShaderStageFlags::COMPUTE,
            0,
            &n.to_le_bytes(),
        );
        vk.device.cmd_dispatch(cb, groups, 1, 1);
    });
    p.destroy(&vk);
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for b in out
        .bytes()
        .iter()
        .chain(results.bytes().iter())
        .chain(sums.bytes().iter())
    {
        hash ^= *b as u64;
        hash = hash.wrapping_mul(0x100_0000_01b3);
    }
    for b in [results, sums, uniform] {
        vk.destroy_buffer(b);
    }
    for i in [src, small, big] {
        vk.destroy_image(i);
    }
    vk.destroy_buffer(staging);
    vk.destroy_buffer(out);
    hash
}

#[test]
fn child_runs_the_workload() {
    if std::env::var_os("SOFTVK_TEST_DETERMINISM").is_none() {
        return; // only meaningful as a child
    }
    println!("HASH {:016x}", workload());
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let mut hashes = vec![];
    for threads in ["1", "2", "3"] {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_runs_the_workload", "--nocapture"])
            .env("SOFTVK_TEST_DETERMINISM", "1")
            .env("SOFTVK_THREADS", threads)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let hash = stdout
            .lines()
            .find_map(|l| l.strip_prefix("HASH "))
            .expect("a hash")
            .to_string();
        println!("SOFTVK_THREADS={threads}: {hash}");
        hashes.push(hash);
    }
    assert!(hashes.iter().all(|h| h == &hashes[0]), "{hashes:?}");
}
