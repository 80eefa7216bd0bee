//! Compute through the loader: shader modules, descriptor sets (all update paths), pipeline
//! layouts and caches, compute pipelines with specialization, push constants, dispatches
//! (plain, base, indirect), buffer views as uniform and storage texel buffers in every format
//! that reports them, and robustness of out-of-range accesses.
//!
//! The shaders are GLSL under shaders/tests/, compiled to the .spv beside them by
//! `cargo xtask shaders` (CI checks that they match).

use ash::vk;
use softvk_tests::compute::{Pipe, buffer_view, pipe, pipe_with, spirv, write_buffer, write_texel};
use softvk_tests::{Buf, Rng, Vk};

type BU = vk::BufferUsageFlags;
type DT = vk::DescriptorType;

/// A device with the features softvk reports enabled (the texel-buffer shaders read and write
/// storage texel buffers without a format qualifier).
fn device() -> Vk {
    Vk::new()
}

const STORAGE: BU = BU::from_raw(
    BU::STORAGE_BUFFER.as_raw() | BU::TRANSFER_SRC.as_raw() | BU::TRANSFER_DST.as_raw(),
);

/// Buffers, push constants, specialization (workgroup size 1024 through local_size_x_id, a
/// multiplier), a dynamic storage buffer offset, and a shared-memory reduction with barriers.
#[test]
fn storage_uniform_push_spec_dynamic_and_shared_memory() {
    let vk = device();
    let n = 5000u32;
    // The largest workgroup the limits allow (maxComputeWorkGroupInvocations 1024).
    let wg = 1024u32;
    let groups = n.div_ceil(wg);
    let input = vk.buffer(n as u64 * 4, STORAGE);
    let output = vk.buffer(n as u64 * 4, STORAGE);
    let uniform = vk.buffer(256, BU::UNIFORM_BUFFER);
    // The sums live 256 bytes into their buffer (a dynamic offset).
    let sums = vk.buffer(256 + groups as u64 * 4, STORAGE);
    let mut rng = Rng::new(5);
    let data: Vec<u32> = (0..n).map(|_| rng.next_u64() as u32 % 1000).collect();
    for (c, v) in input.bytes().chunks_exact_mut(4).zip(&data) {
        c.copy_from_slice(&v.to_le_bytes());
    }
    uniform.bytes()[..4].copy_from_slice(&17u32.to_le_bytes());
    let spec_data = [wg, 3u32];
    let entries = [
        vk::SpecializationMapEntry {
            constant_id: 0,
            offset: 0,
            size: 4,
        },
        vk::SpecializationMapEntry {
            constant_id: 1,
            offset: 4,
            size: 4,
        },
    ];
    let bytes: Vec<u8> = spec_data.iter().flat_map(|v| v.to_le_bytes()).collect();
    let spec = vk::SpecializationInfo::default()
        .map_entries(&entries)
        .data(&bytes);
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
        &input,
        0,
        vk::WHOLE_SIZE,
    );
    write_buffer(
        &vk,
        p.sets[0],
        2,
        DT::STORAGE_BUFFER,
        &output,
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
        groups as u64 * 4,
    );
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[256]);
        vk.device.cmd_push_constants(
            cb,
            p.layout,
            vk::ShaderStageFlags::COMPUTE,
            0,
            &n.to_le_bytes(),
        );
        vk.device.cmd_dispatch(cb, groups, 1, 1);
    });
    let out = output.u32s();
    let want: Vec<u32> = data.iter().map(|v| v * 3 + 17).collect();
    assert_eq!(out, want);
    let s = &sums.u32s()[64..];
    assert_eq!(s.len(), groups as usize);
    for (g, chunk) in want.chunks(wg as usize).enumerate() {
        assert_eq!(s[g], chunk.iter().sum::<u32>(), "workgroup {g}");
    }
    assert!(
        sums.u32s()[..64].iter().all(|&v| v == 0),
        "before the dynamic offset"
    );
    p.destroy(&vk);
    for b in [input, output, uniform, sums] {
        vk.destroy_buffer(b);
    }
}

/// Built-in IDs with vkCmdDispatchBase and vkCmdDispatchIndirect.
#[test]
fn dispatch_base_and_indirect() {
    let vk = device();
    let words = 64 * 64 * 2 * 2 * 4;
    let out = vk.buffer(words as u64 * 4, STORAGE);
    let indirect = vk.buffer(64, BU::INDIRECT_BUFFER);
    indirect.bytes()[16..28].copy_from_slice(&[3u32, 2, 1].map(u32::to_le_bytes).concat());
    let p = pipe_with(
        &vk,
        "ids",
        &[&[(0, DT::STORAGE_BUFFER)]],
        0,
        None,
        vk::PipelineCreateFlags::DISPATCH_BASE,
    );
    write_buffer(
        &vk,
        p.sets[0],
        0,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    for indirect_mode in [false, true] {
        out.bytes().fill(0xFF);
        vk.run(|cb| unsafe {
            p.bind(&vk, cb, &[]);
            if indirect_mode {
                vk.device.cmd_dispatch_indirect(cb, indirect.buffer, 16);
            } else {
                vk.device.cmd_dispatch_base(cb, 4, 1, 0, 3, 2, 1);
            }
        });
        let w = out.u32s();
        let base = if indirect_mode { [0, 0, 0] } else { [4, 1, 0] };
        let mut written = 0;
        for z in 0..2u32 {
            for y in 0..64u32 {
                for x in 0..64u32 {
                    let i = ((z * 64 + y) * 64 + x) as usize * 8;
                    let gid = [x / 2, y / 2, z];
                    let inside = (0..3)
                        .all(|k| gid[k] >= base[k] && gid[k] < base[k] + [3, 2, 1][k])
                        && z == 0;
                    if inside {
                        let local = (y % 2) * 2 + x % 2;
                        assert_eq!(
                            w[i..i + 8],
                            [gid[0], gid[1], gid[2], local, 3, 2, 1, 1],
                            "invocation ({x}, {y}, {z})"
                        );
                        written += 1;
                    } else {
                        assert_eq!(w[i], u32::MAX, "({x}, {y}, {z}) must not run");
                    }
                }
            }
        }
        assert_eq!(written, 3 * 2 * 4);
    }
    p.destroy(&vk);
    vk.destroy_buffer(out);
    vk.destroy_buffer(indirect);
}

/// Reads far outside the bound range give 0, writes there are dropped (also past a 4-byte
/// range of a larger buffer), and division by zero does not trap.
#[test]
fn out_of_range_accesses_do_not_crash() {
    let vk = device();
    let b = vk.buffer(64, STORAGE);
    let small = vk.buffer(128, STORAGE);
    let p = pipe(
        &vk,
        "robust",
        &[&[(0, DT::STORAGE_BUFFER), (1, DT::STORAGE_BUFFER)]],
        8,
        None,
    );
    write_buffer(&vk, p.sets[0], 0, DT::STORAGE_BUFFER, &b, 0, 64);
    // Only bytes 64..68 of `small` are in range: index 0 is the only element the shader reaches.
    write_buffer(&vk, p.sets[0], 1, DT::STORAGE_BUFFER, &small, 64, 4);
    for far in [16u32, 1000, 1 << 28, u32::MAX - 20] {
        b.bytes().fill(0xAB);
        small.bytes().fill(0);
        let push: Vec<u8> = [far, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
        vk.run(|cb| unsafe {
            p.bind(&vk, cb, &[]);
            vk.device
                .cmd_push_constants(cb, p.layout, vk::ShaderStageFlags::COMPUTE, 0, &push);
            vk.device.cmd_dispatch(cb, 1, 1, 1);
        });
        // Invocation 0 read small[0] = 0 and wrote 9 there; the others read and wrote past it.
        assert_eq!(b.u32s(), vec![1; 16], "far = {far}");
        let mut want = vec![0u32; 32];
        want[16] = 9;
        assert_eq!(
            small.u32s(),
            want,
            "far = {far}: only the one in-range word changes"
        );
    }
    p.destroy(&vk);
    vk.destroy_buffer(b);
    vk.destroy_buffer(small);
}

/// The three fetch shaders by the format's numeric class.
fn class(format: vk::Format) -> (&'static str, vk::Format) {
    let name = format!("{format:?}");
    if name.contains("UINT") {
        ("u", vk::Format::R32G32B32A32_UINT)
    } else if name.contains("SINT") {
        ("i", vk::Format::R32G32B32A32_SINT)
    } else {
        ("f", vk::Format::R32G32B32A32_SFLOAT)
    }
}

fn bytes_per_texel(vk: &Vk, format: vk::Format) -> u32 {
    // The size of one texel, from the driver: the size difference of a 32- and a 16-texel
    // linear row (whole rows are padded to 16 bytes, 16 texels of any size are not).
    let img = |w| vk.image(&softvk_tests::image_2d(format, w, 1).tiling(vk::ImageTiling::LINEAR));
    let (a, b) = (img(16), img(32));
    let la = unsafe {
        vk.device.get_image_subresource_layout(
            a.image,
            vk::ImageSubresource {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                mip_level: 0,
                array_layer: 0,
            },
        )
    };
    let lb = unsafe {
        vk.device.get_image_subresource_layout(
            b.image,
            vk::ImageSubresource {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                mip_level: 0,
                array_layer: 0,
            },
        )
    };
    let t = ((lb.size - la.size) / 16) as u32;
    vk.destroy_image(a);
    vk.destroy_image(b);
    t
}

/// `src` (texels of `from`, in a buffer) blitted (NEAREST, same size) into an image of `to`,
/// copied out: the transfer path's conversion, to compare the shader path with.
fn blit_reference(
    vk: &Vk,
    src: &Buf,
    from: vk::Format,
    to: vk::Format,
    n: u32,
    to_bytes: u32,
) -> Vec<u8> {
    let usage = vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST;
    let a = vk.image(&softvk_tests::image_2d(from, n, 1).usage(usage));
    let b = vk.image(&softvk_tests::image_2d(to, n, 1).usage(usage));
    let out = vk.buffer((n * to_bytes) as u64, BU::TRANSFER_DST);
    let dst = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
    let srcl = vk::ImageLayout::TRANSFER_SRC_OPTIMAL;
    let color = vk::ImageAspectFlags::COLOR;
    let region = vk::BufferImageCopy {
        image_subresource: softvk_tests::color_layers(1),
        image_extent: vk::Extent3D {
            width: n,
            height: 1,
            depth: 1,
        },
        ..Default::default()
    };
    vk.run(|cb| unsafe {
        vk.image_barrier(cb, a.image, color, vk::ImageLayout::UNDEFINED, dst);
        vk.image_barrier(cb, b.image, color, vk::ImageLayout::UNDEFINED, dst);
        vk.device
            .cmd_copy_buffer_to_image(cb, src.buffer, a.image, dst, &[region]);
        vk.image_barrier(cb, a.image, color, dst, srcl);
        let ends = [
            vk::Offset3D::default(),
            vk::Offset3D {
                x: n as i32,
                y: 1,
                z: 1,
            },
        ];
        vk.device.cmd_blit_image(
            cb,
            a.image,
            srcl,
            b.image,
            dst,
            &[vk::ImageBlit {
                src_subresource: softvk_tests::color_layers(1),
                src_offsets: ends,
                dst_subresource: softvk_tests::color_layers(1),
                dst_offsets: ends,
            }],
            vk::Filter::NEAREST,
        );
        vk.image_barrier(cb, b.image, color, dst, srcl);
        vk.device
            .cmd_copy_image_to_buffer(cb, b.image, srcl, out.buffer, &[region]);
    });
    let r = out.bytes().to_vec();
    vk.destroy_image(a);
    vk.destroy_image(b);
    vk.destroy_buffer(out);
    r
}

/// Every format with UNIFORM_TEXEL_BUFFER: texelFetch of random texels through a buffer view
/// gives what a blit of the same texels to 32-bit components gives; a fetch past the view's
/// end gives zeros. Every format with STORAGE_TEXEL_BUFFER: imageLoad + imageStore through
/// views without a format qualifier reproduce what a same-format blit gives, and imageSize is
/// the view's texel count.
#[test]
fn every_texel_buffer_format_fetches_loads_and_stores() {
    let vk = device();
    let n = 64u32;
    let storage_usage =
        BU::STORAGE_TEXEL_BUFFER | BU::STORAGE_BUFFER | BU::TRANSFER_SRC | BU::TRANSFER_DST;
    let pipes: Vec<(String, Pipe, Pipe)> = ["f", "i", "u"]
        .iter()
        .map(|c| {
            (
                c.to_string(),
                pipe(
                    &vk,
                    &format!("texel_fetch_{c}"),
                    &[&[(0, DT::UNIFORM_TEXEL_BUFFER), (1, DT::STORAGE_TEXEL_BUFFER)]],
                    4,
                    None,
                ),
                pipe(
                    &vk,
                    &format!("texel_copy_{c}"),
                    &[&[
                        (0, DT::STORAGE_TEXEL_BUFFER),
                        (1, DT::STORAGE_TEXEL_BUFFER),
                        (2, DT::STORAGE_BUFFER),
                    ]],
                    0,
                    None,
                ),
            )
        })
        .collect();
    let (mut uniform, mut storage) = (0, 0);
    for raw in 1..=130 {
        let format = vk::Format::from_raw(raw);
        let props = unsafe {
            vk.instance
                .get_physical_device_format_properties(vk.physical, format)
        };
        let bf = props.buffer_features;
        if !bf.contains(vk::FormatFeatureFlags::UNIFORM_TEXEL_BUFFER) {
            assert!(
                !bf.contains(vk::FormatFeatureFlags::STORAGE_TEXEL_BUFFER),
                "{format:?}"
            );
            continue;
        }
        let (c, wide) = class(format);
        let (_, fetch, copy) = pipes.iter().find(|p| p.0 == c).unwrap();
        let tb = bytes_per_texel(&vk, format);
        // A buffer with STORAGE_TEXEL_BUFFER usage may only have views of storage formats.
        let mut src_usage = BU::UNIFORM_TEXEL_BUFFER | BU::TRANSFER_SRC;
        if bf.contains(vk::FormatFeatureFlags::STORAGE_TEXEL_BUFFER) {
            src_usage |= BU::STORAGE_TEXEL_BUFFER;
        }
        let src = vk.buffer((n * tb) as u64, src_usage);
        Rng::new(raw as u64).fill(src.bytes());
        // The shader's view covers all but the last texel; the fetch of index n-1 is out of range.
        let fetched = vk.buffer(n as u64 * 16, storage_usage);
        fetched.bytes().fill(0xCD);
        let sv = buffer_view(&vk, &src, format, 0, ((n - 1) * tb) as u64);
        let fv = buffer_view(&vk, &fetched, wide, 0, vk::WHOLE_SIZE);
        write_texel(&vk, fetch.sets[0], 0, DT::UNIFORM_TEXEL_BUFFER, sv);
        write_texel(&vk, fetch.sets[0], 1, DT::STORAGE_TEXEL_BUFFER, fv);
        vk.run(|cb| unsafe {
            fetch.bind(&vk, cb, &[]);
            vk.device.cmd_push_constants(
                cb,
                fetch.layout,
                vk::ShaderStageFlags::COMPUTE,
                0,
                &(n as i32).to_le_bytes(),
            );
            vk.device.cmd_dispatch(cb, 1, 1, 1);
        });
        let want = blit_reference(&vk, &src, format, wide, n, 16);
        let got = fetched.bytes();
        let last = ((n - 1) * 16) as usize;
        assert_eq!(got[..last], want[..last], "{format:?}: texelFetch");
        // Out of range (robustBufferAccess2): a zero texel with (0, 0, 1) for missing G, B, A,
        // which is what a blit of a zero texel gives.
        let zero = vk.buffer(tb as u64, BU::TRANSFER_SRC);
        zero.bytes().fill(0);
        let want_oob = blit_reference(&vk, &zero, format, wide, 1, 16);
        vk.destroy_buffer(zero);
        assert_eq!(
            got[last..],
            want_oob[..],
            "{format:?}: an out-of-range texelFetch gives a zero texel"
        );
        uniform += 1;
        if bf.contains(vk::FormatFeatureFlags::STORAGE_TEXEL_BUFFER) {
            let dst = vk.buffer((n * tb) as u64, storage_usage);
            let sizes = vk.buffer(8, storage_usage);
            let a = buffer_view(&vk, &src, format, 0, vk::WHOLE_SIZE);
            let b = buffer_view(&vk, &dst, format, 0, vk::WHOLE_SIZE);
            write_texel(&vk, copy.sets[0], 0, DT::STORAGE_TEXEL_BUFFER, a);
            write_texel(&vk, copy.sets[0], 1, DT::STORAGE_TEXEL_BUFFER, b);
            write_buffer(&vk, copy.sets[0], 2, DT::STORAGE_BUFFER, &sizes, 0, 8);
            vk.run(|cb| {
                copy.bind(&vk, cb, &[]);
                unsafe { vk.device.cmd_dispatch(cb, 1, 1, 1) };
            });
            let want = blit_reference(&vk, &src, format, format, n, tb);
            assert_eq!(dst.bytes(), &want[..], "{format:?}: imageLoad/imageStore");
            assert_eq!(sizes.u32s(), vec![n, n], "{format:?}: imageSize");
            unsafe {
                vk.device.destroy_buffer_view(a, None);
                vk.device.destroy_buffer_view(b, None);
            }
            vk.destroy_buffer(dst);
            vk.destroy_buffer(sizes);
            storage += 1;
        }
        unsafe {
            vk.device.destroy_buffer_view(sv, None);
            vk.device.destroy_buffer_view(fv, None);
        }
        vk.destroy_buffer(src);
        vk.destroy_buffer(fetched);
    }
    println!("texel buffer formats exercised: {uniform} uniform, {storage} storage");
    assert!(uniform > 60 && storage > 30, "{uniform} {storage}");
    for (_, a, b) in pipes {
        a.destroy(&vk);
        b.destroy(&vk);
    }
}

/// Descriptor update templates, descriptor copies, freeing and resetting pools, running out
/// of pool memory, layout support queries, and pipeline caches (data header, creation from
/// data, merging, use in pipeline creation).
#[test]
fn descriptor_templates_copies_pools_and_pipeline_caches() {
    let vk = device();
    let d = &vk.device;
    let n = 64u32;
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
        None,
    );
    let input = vk.buffer(n as u64 * 4, STORAGE);
    let output = vk.buffer(n as u64 * 4, STORAGE);
    let uniform = vk.buffer(64, BU::UNIFORM_BUFFER);
    let sums = vk.buffer(64, STORAGE);
    for (i, c) in input.bytes().chunks_exact_mut(4).enumerate() {
        c.copy_from_slice(&(i as u32).to_le_bytes());
    }
    uniform.bytes()[..4].copy_from_slice(&5u32.to_le_bytes());
    unsafe {
        // A second pool that frees individual sets, holding two sets of each layout.
        let sizes = [
            vk::DescriptorPoolSize {
                ty: DT::UNIFORM_BUFFER,
                descriptor_count: 2,
            },
            vk::DescriptorPoolSize {
                ty: DT::STORAGE_BUFFER,
                descriptor_count: 4,
            },
            vk::DescriptorPoolSize {
                ty: DT::STORAGE_BUFFER_DYNAMIC,
                descriptor_count: 2,
            },
        ];
        let pool = d
            .create_descriptor_pool(
                &vk::DescriptorPoolCreateInfo::default()
                    .flags(vk::DescriptorPoolCreateFlags::FREE_DESCRIPTOR_SET)
                    .max_sets(4)
                    .pool_sizes(&sizes),
                None,
            )
            .unwrap();
        let layouts = [p.set_layouts[0], p.set_layouts[0]];
        let a = d
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default()
                    .descriptor_pool(pool)
                    .set_layouts(&layouts),
            )
            .unwrap();
        // A third set of layout 0 needs a third uniform buffer descriptor: the pool is out.
        let more = d.allocate_descriptor_sets(
            &vk::DescriptorSetAllocateInfo::default()
                .descriptor_pool(pool)
                .set_layouts(&layouts[..1]),
        );
        assert_eq!(more.err(), Some(vk::Result::ERROR_OUT_OF_POOL_MEMORY));
        // Set a[0] through a template: three buffer infos at a 32-byte stride.
        #[repr(C)]
        #[derive(Clone, Copy)]
        struct Entry {
            info: vk::DescriptorBufferInfo,
            _pad: u64,
        }
        let data = [
            Entry {
                info: vk::DescriptorBufferInfo {
                    buffer: uniform.buffer,
                    offset: 0,
                    range: 16,
                },
                _pad: 0,
            },
            Entry {
                info: vk::DescriptorBufferInfo {
                    buffer: input.buffer,
                    offset: 0,
                    range: vk::WHOLE_SIZE,
                },
                _pad: 0,
            },
            Entry {
                info: vk::DescriptorBufferInfo {
                    buffer: output.buffer,
                    offset: 0,
                    range: vk::WHOLE_SIZE,
                },
                _pad: 0,
            },
        ];
        let stride = std::mem::size_of::<Entry>();
        let entries = [
            vk::DescriptorUpdateTemplateEntry {
                dst_binding: 0,
                dst_array_element: 0,
                descriptor_count: 1,
                descriptor_type: DT::UNIFORM_BUFFER,
                offset: 0,
                stride,
            },
            vk::DescriptorUpdateTemplateEntry {
                dst_binding: 1,
                dst_array_element: 0,
                descriptor_count: 2,
                descriptor_type: DT::STORAGE_BUFFER,
                offset: stride,
                stride,
            },
        ];
        let template = d
            .create_descriptor_update_template(
                &vk::DescriptorUpdateTemplateCreateInfo::default()
                    .descriptor_update_entries(&entries)
                    .template_type(vk::DescriptorUpdateTemplateType::DESCRIPTOR_SET)
                    .descriptor_set_layout(p.set_layouts[0]),
                None,
            )
            .unwrap();
        d.update_descriptor_set_with_template(a[0], template, data.as_ptr() as *const _);
        // a[1] is a copy of a[0] (all three bindings, one copy per binding).
        let copies: Vec<_> = (0..3)
            .map(|b| {
                vk::CopyDescriptorSet::default()
                    .src_set(a[0])
                    .src_binding(b)
                    .dst_set(a[1])
                    .dst_binding(b)
                    .descriptor_count(1)
            })
            .collect();
        d.update_descriptor_sets(&[], &copies);
        write_buffer(&vk, p.sets[1], 0, DT::STORAGE_BUFFER_DYNAMIC, &sums, 0, 4);
        // Free a[0]: a[1] keeps its own copy of the descriptors.
        d.free_descriptor_sets(pool, &a[..1]).unwrap();
        vk.run(|cb| {
            d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::COMPUTE, p.pipeline);
            d.cmd_bind_descriptor_sets(
                cb,
                vk::PipelineBindPoint::COMPUTE,
                p.layout,
                0,
                &[a[1], p.sets[1]],
                &[0],
            );
            d.cmd_push_constants(
                cb,
                p.layout,
                vk::ShaderStageFlags::COMPUTE,
                0,
                &n.to_le_bytes(),
            );
            d.cmd_dispatch(cb, 1, 1, 1);
        });
        // Specialization defaults: MUL = 1, local size 1 (no local_size_x_id given): invocation
        // 0 alone runs, and its workgroup's sum is its own value.
        assert_eq!(output.u32s()[0], 5);
        assert_eq!(sums.u32s()[0], 5);
        d.reset_descriptor_pool(pool, vk::DescriptorPoolResetFlags::empty())
            .unwrap();
        let again = d
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default()
                    .descriptor_pool(pool)
                    .set_layouts(&layouts),
            )
            .expect("a reset pool has room again");
        assert_eq!(again.len(), 2);
        d.destroy_descriptor_update_template(template, None);
        d.destroy_descriptor_pool(pool, None);

        // Layout support: an ordinary layout yes, one over maxPerSetDescriptors no.
        let support = |count: u32| {
            let b = [vk::DescriptorSetLayoutBinding::default()
                .binding(0)
                .descriptor_type(DT::STORAGE_BUFFER)
                .descriptor_count(count)
                .stage_flags(vk::ShaderStageFlags::COMPUTE)];
            let mut s = vk::DescriptorSetLayoutSupport::default();
            d.get_descriptor_set_layout_support(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&b),
                &mut s,
            );
            s.supported
        };
        assert_eq!(support(4), vk::TRUE);
        let mut p11 = vk::PhysicalDeviceVulkan11Properties::default();
        let uuid = {
            let mut p2 = vk::PhysicalDeviceProperties2::default().push_next(&mut p11);
            vk.instance
                .get_physical_device_properties2(vk.physical, &mut p2);
            p2.properties.pipeline_cache_uuid
        };
        let max = p11.max_per_set_descriptors;
        assert_eq!(support(max + 1), vk::FALSE);

        // Pipeline caches: the data is the spec's header, and it creates a cache again.
        let cache = d
            .create_pipeline_cache(&vk::PipelineCacheCreateInfo::default(), None)
            .unwrap();
        let data = d.get_pipeline_cache_data(cache).unwrap();
        assert_eq!(data.len(), 32);
        assert_eq!(u32::from_le_bytes(data[0..4].try_into().unwrap()), 32);
        assert_eq!(u32::from_le_bytes(data[4..8].try_into().unwrap()), 1);
        assert_eq!(data[16..32], uuid);
        let cache2 = d
            .create_pipeline_cache(
                &vk::PipelineCacheCreateInfo::default().initial_data(&data),
                None,
            )
            .unwrap();
        d.merge_pipeline_caches(cache, &[cache2]).unwrap();
        let module = d
            .create_shader_module(
                &vk::ShaderModuleCreateInfo::default().code(&spirv("ids")),
                None,
            )
            .unwrap();
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(c"main");
        let ids_binding = [vk::DescriptorSetLayoutBinding::default()
            .binding(0)
            .descriptor_type(DT::STORAGE_BUFFER)
            .descriptor_count(1)
            .stage_flags(vk::ShaderStageFlags::COMPUTE)];
        let ids_set = [d
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&ids_binding),
                None,
            )
            .unwrap()];
        let layout = d
            .create_pipeline_layout(
                &vk::PipelineLayoutCreateInfo::default().set_layouts(&ids_set),
                None,
            )
            .unwrap();
        let pipes = d
            .create_compute_pipelines(
                cache,
                &[
                    vk::ComputePipelineCreateInfo::default()
                        .stage(stage)
                        .layout(layout),
                    vk::ComputePipelineCreateInfo::default()
                        .stage(stage)
                        .layout(layout),
                ],
                None,
            )
            .map_err(|(_, e)| e)
            .expect("two pipelines through a cache");
        for pl in pipes {
            d.destroy_pipeline(pl, None);
        }
        d.destroy_pipeline_layout(layout, None);
        d.destroy_descriptor_set_layout(ids_set[0], None);
        d.destroy_shader_module(module, None);
        d.destroy_pipeline_cache(cache, None);
        d.destroy_pipeline_cache(cache2, None);
    }
    p.destroy(&vk);
    for b in [input, output, uniform, sums] {
        vk.destroy_buffer(b);
    }
}

/// Bad and unsupported shaders fail cleanly: words that are not SPIR-V are refused by
/// vkCreateShaderModule (invalid usage, without the layer that would catch it first), and a
/// valid shader using what softvk cannot compile yet (texture sampling) fails pipeline
/// creation with VK_ERROR_FEATURE_NOT_PRESENT, a VK_NULL_HANDLE pipeline and a message.
#[test]
fn bad_and_unsupported_shaders_fail_cleanly() {
    let vk = Vk::with(softvk_tests::Options {
        validation: false,
        ..Default::default()
    });
    let d = &vk.device;
    unsafe {
        let junk = [0xDEAD_BEEFu32; 16];
        let r = d.create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&junk), None);
        assert_eq!(r.err(), Some(vk::Result::ERROR_VALIDATION_FAILED_EXT));
        let mut truncated = spirv("ids");
        truncated.truncate(12);
        let r = d.create_shader_module(
            &vk::ShaderModuleCreateInfo::default().code(&truncated),
            None,
        );
        assert_eq!(
            r.err(),
            Some(vk::Result::ERROR_VALIDATION_FAILED_EXT),
            "a truncated module is malformed"
        );
        let errors = vk.take_softvk_errors();
        assert_eq!(errors.len(), 2, "{errors:?}");

        let words = spirv("sampling");
        let module = match d
            .create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None)
        {
            Ok(m) => Some(m),
            Err(e) => {
                assert_eq!(e, vk::Result::ERROR_FEATURE_NOT_PRESENT);
                None
            }
        };
        if let Some(module) = module {
            let b = [
                vk::DescriptorSetLayoutBinding::default()
                    .binding(0)
                    .descriptor_type(DT::COMBINED_IMAGE_SAMPLER)
                    .descriptor_count(1)
                    .stage_flags(vk::ShaderStageFlags::COMPUTE),
                vk::DescriptorSetLayoutBinding::default()
                    .binding(1)
                    .descriptor_type(DT::STORAGE_BUFFER)
                    .descriptor_count(1)
                    .stage_flags(vk::ShaderStageFlags::COMPUTE),
            ];
            let sl = d
                .create_descriptor_set_layout(
                    &vk::DescriptorSetLayoutCreateInfo::default().bindings(&b),
                    None,
                )
                .unwrap();
            let sls = [sl];
            let layout = d
                .create_pipeline_layout(
                    &vk::PipelineLayoutCreateInfo::default().set_layouts(&sls),
                    None,
                )
                .unwrap();
            let stage = vk::PipelineShaderStageCreateInfo::default()
                .stage(vk::ShaderStageFlags::COMPUTE)
                .module(module)
                .name(c"main");
            let r = d.create_compute_pipelines(
                vk::PipelineCache::null(),
                &[vk::ComputePipelineCreateInfo::default()
                    .stage(stage)
                    .layout(layout)],
                None,
            );
            let (pipes, e) = r.expect_err("sampling is not supported yet");
            assert_eq!(e, vk::Result::ERROR_FEATURE_NOT_PRESENT);
            assert_eq!(pipes, vec![vk::Pipeline::null()]);
            d.destroy_pipeline_layout(layout, None);
            d.destroy_descriptor_set_layout(sl, None);
            d.destroy_shader_module(module, None);
        }
        let errors = vk.take_softvk_errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].to_lowercase().contains("sampl") || errors[0].contains("Image"),
            "{errors:?}"
        );
    }
}

/// The scenarios of `a_shader_that_never_ends_cannot_hang_the_application`, run in child
/// processes (they need their own SOFTVK_DISPATCH_TIMEOUT_MS).
#[test]
fn never_ending_shader_child() {
    let Ok(scenario) = std::env::var("SOFTVK_TEST_FOREVER") else {
        return; // only meaningful as a child
    };
    let mut vk = Vk::with(softvk_tests::Options {
        // Destroying a device with a submission still running is invalid use: that scenario
        // runs without the layer.
        validation: scenario == "timeout",
        ..Default::default()
    });
    let b = vk.buffer(16, STORAGE);
    let p = pipe(&vk, "forever", &[&[(0, DT::STORAGE_BUFFER)]], 4, None);
    write_buffer(&vk, p.sets[0], 0, DT::STORAGE_BUFFER, &b, 0, 16);
    let record = |forever: u32| {
        let cb = vk.command_buffer(vk::CommandBufferLevel::PRIMARY);
        unsafe {
            vk.device
                .begin_command_buffer(cb, &vk::CommandBufferBeginInfo::default())
                .unwrap();
            p.bind(&vk, cb, &[]);
            vk.device.cmd_push_constants(
                cb,
                p.layout,
                vk::ShaderStageFlags::COMPUTE,
                0,
                &forever.to_le_bytes(),
            );
            vk.device.cmd_dispatch(cb, 1, 1, 1);
            vk.device.end_command_buffer(cb).unwrap();
        }
        cb
    };
    let cbs = [record(1)];
    unsafe {
        vk.device
            .queue_submit(
                vk.queue,
                &[vk::SubmitInfo::default().command_buffers(&cbs)],
                vk::Fence::null(),
            )
            .unwrap();
    }
    if scenario == "timeout" {
        // The time limit stops the shader; the queue and device go on working.
        unsafe { vk.device.queue_wait_idle(vk.queue).unwrap() };
        let errors = vk.take_softvk_errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("ran longer than 300 ms"), "{errors:?}");
        b.bytes().fill(0);
        let again = [record(0)];
        unsafe {
            vk.device
                .queue_submit(
                    vk.queue,
                    &[vk::SubmitInfo::default().command_buffers(&again)],
                    vk::Fence::null(),
                )
                .unwrap();
            vk.device.queue_wait_idle(vk.queue).unwrap();
        }
        assert_eq!(b.u32s(), vec![10; 4], "a terminating dispatch still runs");
        p.destroy(&vk);
        vk.destroy_buffer(b);
    } else {
        // No time limit: destroying the device stops the shader.
        std::thread::sleep(std::time::Duration::from_millis(200));
        vk.destroy_device_now();
        let errors = vk.take_softvk_errors();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("device is being destroyed")),
            "{errors:?}"
        );
    }
    println!("SCENARIO DONE");
}

/// A shader that never ends cannot hang the application: the dispatch time limit stops it
/// (SOFTVK_DISPATCH_TIMEOUT_MS, here 300 ms) with an error message and the device keeps
/// working; with no limit, vkDestroyDevice stops it. Each scenario must finish in seconds.
#[test]
fn a_shader_that_never_ends_cannot_hang_the_application() {
    for (scenario, timeout) in [("timeout", "300"), ("destroy", "0")] {
        let t0 = std::time::Instant::now();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "never_ending_shader_child", "--nocapture"])
            .env("SOFTVK_TEST_FOREVER", scenario)
            .env("SOFTVK_DISPATCH_TIMEOUT_MS", timeout)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // A hang fails the test (after 20 s) instead of hanging it.
        while child.try_wait().unwrap().is_none() {
            if t0.elapsed() > std::time::Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{scenario}: the child hung");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let elapsed = t0.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("SCENARIO DONE"),
            "{scenario}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!("{scenario}: {elapsed:?}");
        assert!(
            elapsed < std::time::Duration::from_secs(20),
            "{scenario}: {elapsed:?}"
        );
    }
}

/// Basic subgroup operations (required in compute by Vulkan 1.1): the properties say four
/// invocations per subgroup (the SoA backend's lanes), and the built-ins, subgroupElect and the
/// subgroup barriers agree: subgroups are consecutive local indices.
#[test]
fn subgroup_basics() {
    let vk = device();
    let mut sp = vk::PhysicalDeviceSubgroupProperties::default();
    let mut p13 = vk::PhysicalDeviceVulkan13Properties::default();
    unsafe {
        let mut p2 = vk::PhysicalDeviceProperties2::default()
            .push_next(&mut sp)
            .push_next(&mut p13);
        vk.instance
            .get_physical_device_properties2(vk.physical, &mut p2);
    }
    assert_eq!(sp.subgroup_size, 4);
    assert!(sp.supported_stages.contains(vk::ShaderStageFlags::COMPUTE));
    // Every class, checked against a CPU reference in shaders/compute/subgroup_ops (and run
    // through the loader by tests/tests/spirv.rs vulkan_1_3_shader_features); a subgroup of
    // four is one quad.
    let all = vk::SubgroupFeatureFlags::BASIC
        | vk::SubgroupFeatureFlags::VOTE
        | vk::SubgroupFeatureFlags::ARITHMETIC
        | vk::SubgroupFeatureFlags::BALLOT
        | vk::SubgroupFeatureFlags::SHUFFLE
        | vk::SubgroupFeatureFlags::SHUFFLE_RELATIVE
        | vk::SubgroupFeatureFlags::CLUSTERED
        | vk::SubgroupFeatureFlags::QUAD;
    assert_eq!(sp.supported_operations, all);
    assert_eq!((p13.min_subgroup_size, p13.max_subgroup_size), (4, 4));
    assert_eq!(p13.max_compute_workgroup_subgroups, 1024 / 4);
    let out = vk.buffer(16 * 16, STORAGE);
    let p = pipe(&vk, "subgroup", &[&[(0, DT::STORAGE_BUFFER)]], 0, None);
    write_buffer(
        &vk,
        p.sets[0],
        0,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    vk.run(|cb| {
        p.bind(&vk, cb, &[]);
        unsafe { vk.device.cmd_dispatch(cb, 1, 1, 1) };
    });
    let w = out.u32s();
    for i in 0..16u32 {
        let k = i as usize * 4;
        // (gl_SubgroupSize, gl_SubgroupInvocationID, NumSubgroups * 100 + SubgroupID, elected)
        let want = [4, i % 4, 400 + i / 4, i.is_multiple_of(4) as u32];
        assert_eq!(w[k..k + 4], want, "invocation {i}");
    }
    p.destroy(&vk);
    vk.destroy_buffer(out);
}
