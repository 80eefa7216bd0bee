//! Query pools: timestamps, occlusion, pipeline statistics, result flags, copies to buffers,
//! host reset.

use ash::vk;
use softvk_tests::Vk;
use softvk_tests::compute::{pipe_with, write_buffer};
use softvk_tests::gfx::{self, PipelineState, attachment, buffer_with, f32_bytes};

type Stat = vk::QueryPipelineStatisticFlags;

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

fn pool(vk: &Vk, ty: vk::QueryType, count: u32) -> vk::QueryPool {
    unsafe {
        vk.device.create_query_pool(
            &vk::QueryPoolCreateInfo::default()
                .query_type(ty)
                .query_count(count),
            None,
        )
    }
    .unwrap()
}

#[test]
fn timestamps_are_monotonic_and_bracket_work() {
    let vk = Vk::new();
    let q = pool(&vk, vk::QueryType::TIMESTAMP, 3);
    let buf = vk.buffer(64 << 20, USAGE);
    let host_before = std::time::Instant::now();
    vk.run(|cb| unsafe {
        vk.device.cmd_reset_query_pool(cb, q, 0, 3);
        vk.device
            .cmd_write_timestamp(cb, vk::PipelineStageFlags::TOP_OF_PIPE, q, 0);
        vk.device
            .cmd_fill_buffer(cb, buf.buffer, 0, vk::WHOLE_SIZE, 1);
        vk.device
            .cmd_write_timestamp2(cb, vk::PipelineStageFlags2::ALL_TRANSFER, q, 1);
    });
    let host_elapsed = host_before.elapsed().as_nanos() as u64;
    let mut r = [[0u64; 2]; 2];
    unsafe {
        vk.device
            .get_query_pool_results(
                q,
                0,
                &mut r,
                vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WITH_AVAILABILITY,
            )
            .unwrap();
    }
    assert_eq!((r[0][1], r[1][1]), (1, 1), "both available");
    assert!(
        r[1][0] > r[0][0],
        "time advances across a 64 MiB fill: {r:?}"
    );
    // timestampPeriod is 1 ns: the fill took less than the whole round trip seen by the host.
    assert!(r[1][0] - r[0][0] < host_elapsed);
    // Query 2 was reset but never written: not ready.
    let mut one = [0u64; 1];
    assert_eq!(
        unsafe {
            vk.device
                .get_query_pool_results(q, 2, &mut one, vk::QueryResultFlags::TYPE_64)
        },
        Err(vk::Result::NOT_READY)
    );
    unsafe { vk.device.destroy_query_pool(q, None) };
    vk.destroy_buffer(buf);
}

#[test]
fn copy_results_with_flags_and_host_reset() {
    let vk = Vk::new();
    let q = pool(&vk, vk::QueryType::TIMESTAMP, 4);
    let out = vk.buffer(256, USAGE);
    out.bytes().fill(0xFF);
    unsafe { vk.device.reset_query_pool(q, 0, 4) };
    vk.run(|cb| unsafe {
        vk.device
            .cmd_write_timestamp(cb, vk::PipelineStageFlags::BOTTOM_OF_PIPE, q, 1);
        // 32-bit results with availability, stride 16, queries 0..3: only query 1 is written.
        // (PARTIAL is not allowed for timestamps.)
        vk.device.cmd_copy_query_pool_results(
            cb,
            q,
            0,
            3,
            out.buffer,
            0,
            16,
            vk::QueryResultFlags::WITH_AVAILABILITY,
        );
    });
    let w = out.u32s();
    assert_eq!(
        (w[0], w[1]),
        (0xFFFF_FFFF, 0),
        "query 0: unavailable, no value written"
    );
    assert_ne!(w[4], 0, "query 1: its timestamp (low 32 bits)");
    assert_eq!(w[5], 1, "query 1: available");
    assert_eq!(
        (w[8], w[9]),
        (0xFFFF_FFFF, 0),
        "query 2: unavailable, no value written"
    );
    assert_eq!(w[2], 0xFFFF_FFFF, "bytes between strides untouched");
    // Host reset makes it unavailable again.
    unsafe { vk.device.reset_query_pool(q, 1, 1) };
    let mut r = [[0u32; 2]; 1];
    let status = unsafe {
        vk.device
            .get_query_pool_results(q, 1, &mut r, vk::QueryResultFlags::WITH_AVAILABILITY)
    };
    assert_eq!(status, Err(vk::Result::NOT_READY));
    assert_eq!(r[0][1], 0);
    unsafe { vk.device.destroy_query_pool(q, None) };
    vk.destroy_buffer(out);
}

/// No draw can run yet, so an occlusion query around transfer work counts 0 samples: exact.
#[test]
fn occlusion_queries_count_zero_without_draws() {
    let vk = Vk::new();
    let q = pool(&vk, vk::QueryType::OCCLUSION, 1);
    vk.run(|cb| unsafe {
        vk.device.cmd_reset_query_pool(cb, q, 0, 1);
        vk.device
            .cmd_begin_query(cb, q, 0, vk::QueryControlFlags::empty());
        vk.device.cmd_end_query(cb, q, 0);
    });
    let mut r = [0u64; 1];
    unsafe {
        vk.device
            .get_query_pool_results(
                q,
                0,
                &mut r,
                vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WAIT,
            )
            .unwrap();
        vk.device.destroy_query_pool(q, None);
    }
    assert_eq!(r[0], 0);
}

const COLOR_VS: &[u8] = include_bytes!("../../shaders/tests/gfx_color_vs.spv");
const COLOR_FS: &[u8] = include_bytes!("../../shaders/tests/gfx_color_fs.spv");
/// The draw target of the statistics test: several 64x64 raster tiles.
const SIZE: u32 = 256;

/// Every graphics statistic softvk counts, in bit order (the result layout).
const GRAPHICS: Stat = Stat::from_raw(
    Stat::INPUT_ASSEMBLY_VERTICES.as_raw()
        | Stat::INPUT_ASSEMBLY_PRIMITIVES.as_raw()
        | Stat::VERTEX_SHADER_INVOCATIONS.as_raw()
        | Stat::CLIPPING_INVOCATIONS.as_raw()
        | Stat::CLIPPING_PRIMITIVES.as_raw()
        | Stat::FRAGMENT_SHADER_INVOCATIONS.as_raw(),
);

fn statistics_pool(vk: &Vk, stats: Stat, count: u32) -> vk::QueryPool {
    unsafe {
        vk.device.create_query_pool(
            &vk::QueryPoolCreateInfo::default()
                .query_type(vk::QueryType::PIPELINE_STATISTICS)
                .pipeline_statistics(stats)
                .query_count(count),
            None,
        )
    }
    .unwrap()
}

/// A vertex at pixel coordinates (x, y) of the SIZE x SIZE target, depth z, white.
fn at(x: f32, y: f32, z: f32) -> [f32; 8] {
    let n = |p: f32| p / (SIZE as f32 / 2.0) - 1.0;
    [n(x), n(y), z, 1.0, 1.0, 1.0, 1.0, 1.0]
}

/// Exact counts of the stages a draw runs: input assembly (restart indices left out, instances
/// each counted), vertex shader invocations (each distinct vertex of an instance once),
/// clipping (a triangle crossing the near plane becomes two, one wholly in front of it none)
/// and fragment shader invocations (covered pixels only: the helper lanes of quads straddling
/// an odd-aligned rectangle's edges do not count), together with an occlusion query; 64-bit
/// and 32-bit results, availability, vkCmdCopyQueryPoolResults, PARTIAL and host reset. The
/// counts are printed for `statistics_do_not_depend_on_the_thread_count`.
#[test]
fn pipeline_statistics_count_a_known_draw() {
    let vk = Vk::new();
    let layout = gfx::layout(&vk, &[], 0);
    let list = PipelineState::default().build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    let strip = PipelineState {
        topology: vk::PrimitiveTopology::TRIANGLE_STRIP,
        primitive_restart: true,
        ..Default::default()
    }
    .build(&vk, layout, COLOR_VS, Some(COLOR_FS));
    // Vertices 0..4: a 101x51-pixel rectangle at the odd pixel (9, 9) (quads along its edges
    // are half covered). 4..8: an 8x8 square at (128, 128) as a strip. 8..11: a triangle
    // behind the near plane (z < 0). 11..13: two more strip vertices (an incomplete strip).
    // 13..16: a triangle crossing the near plane. 16..19: a 4x4-pixel half square repeated.
    let mut v: Vec<[f32; 8]> = vec![
        at(9.0, 9.0, 0.5),
        at(110.0, 9.0, 0.5),
        at(110.0, 60.0, 0.5),
        at(9.0, 60.0, 0.5),
        at(128.0, 128.0, 0.5),
        at(136.0, 128.0, 0.5),
        at(128.0, 136.0, 0.5),
        at(136.0, 136.0, 0.5),
        at(10.0, 200.0, -0.5),
        at(60.0, 200.0, -0.5),
        at(10.0, 250.0, -0.5),
        at(20.0, 20.0, 0.5),
        at(30.0, 20.0, 0.5),
        at(150.0, 20.0, -1.0),
        at(250.0, 20.0, 1.0),
        at(150.0, 120.0, 1.0),
    ];
    for _ in 0..200 {
        v.extend([
            at(201.0, 201.0, 0.5),
            at(205.0, 201.0, 0.5),
            at(205.0, 205.0, 0.5),
        ]);
    }
    let vb = buffer_with(
        &vk,
        &f32_bytes(&v.concat()),
        vk::BufferUsageFlags::VERTEX_BUFFER,
    );
    let quad: [u16; 6] = [0, 1, 2, 0, 2, 3];
    let strips: [u16; 11] = [4, 5, 6, 7, 0xFFFF, 8, 9, 10, 0xFFFF, 11, 12];
    let indices: Vec<u8> = quad
        .iter()
        .chain(&strips)
        .flat_map(|i| i.to_le_bytes())
        .collect();
    let ib = buffer_with(&vk, &indices, vk::BufferUsageFlags::INDEX_BUFFER);
    let stats = statistics_pool(&vk, GRAPHICS, 4);
    let occlusion = pool(&vk, vk::QueryType::OCCLUSION, 1);
    let color = attachment(
        &vk,
        vk::Format::R8G8B8A8_UNORM,
        SIZE,
        SIZE,
        vk::SampleCountFlags::TYPE_1,
        1,
        vk::ImageUsageFlags::empty(),
    );
    let copy = vk.buffer(4 * 32, USAGE);
    copy.bytes().fill(0xAB);
    vk.run(|cb| unsafe {
        let d = &vk.device;
        d.cmd_reset_query_pool(cb, stats, 0, 4);
        d.cmd_reset_query_pool(cb, occlusion, 0, 1);
        color.barrier(
            &vk,
            cb,
            vk::ImageLayout::UNDEFINED,
            vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL,
        );
        let ca = [vk::RenderingAttachmentInfo::default()
            .image_view(color.view)
            .image_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
            .load_op(vk::AttachmentLoadOp::CLEAR)
            .store_op(vk::AttachmentStoreOp::STORE)];
        let area = vk::Rect2D {
            offset: vk::Offset2D::default(),
            extent: vk::Extent2D {
                width: SIZE,
                height: SIZE,
            },
        };
        d.cmd_begin_rendering(
            cb,
            &vk::RenderingInfo::default()
                .render_area(area)
                .layer_count(1)
                .color_attachments(&ca),
        );
        gfx::viewport_scissor(&vk, cb, SIZE, SIZE);
        d.cmd_bind_vertex_buffers(cb, 0, &[vb.buffer], &[0]);
        d.cmd_bind_index_buffer(cb, ib.buffer, 0, vk::IndexType::UINT16);
        let none = vk::QueryControlFlags::empty();
        // 0: the indexed rectangle, 3 instances.
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, list);
        d.cmd_begin_query(cb, stats, 0, none);
        d.cmd_draw_indexed(cb, 6, 3, 0, 0, 0);
        d.cmd_end_query(cb, stats, 0);
        // 1: three strips: 2 triangles, 1 behind the near plane, an incomplete one.
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, strip);
        d.cmd_begin_query(cb, stats, 1, none);
        d.cmd_draw_indexed(cb, 11, 1, 6, 0, 0);
        d.cmd_end_query(cb, stats, 1);
        // 2: the triangle crossing the near plane and the one behind it, inside an occlusion
        // query begun first and ended last.
        d.cmd_bind_pipeline(cb, vk::PipelineBindPoint::GRAPHICS, list);
        d.cmd_begin_query(cb, occlusion, 0, none);
        d.cmd_begin_query(cb, stats, 2, none);
        d.cmd_draw(cb, 3, 1, 13, 0);
        d.cmd_draw(cb, 3, 1, 8, 0);
        d.cmd_end_query(cb, stats, 2);
        d.cmd_end_query(cb, occlusion, 0);
        // 3: 200 copies of a half square, one direct draw of 600 vertices.
        d.cmd_begin_query(cb, stats, 3, none);
        d.cmd_draw(cb, 600, 1, 16, 0);
        d.cmd_end_query(cb, stats, 3);
        d.cmd_end_rendering(cb);
        // 32-bit results with availability, 8 words apart.
        d.cmd_copy_query_pool_results(
            cb,
            stats,
            0,
            4,
            copy.buffer,
            0,
            32,
            vk::QueryResultFlags::WITH_AVAILABILITY,
        );
    });
    let mut r = [[0u64; 7]; 4];
    let mut occluded = [0u64; 1];
    unsafe {
        vk.device
            .get_query_pool_results(
                stats,
                0,
                &mut r,
                vk::QueryResultFlags::TYPE_64
                    | vk::QueryResultFlags::WAIT
                    | vk::QueryResultFlags::WITH_AVAILABILITY,
            )
            .unwrap();
        vk.device
            .get_query_pool_results(
                occlusion,
                0,
                &mut occluded,
                vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WAIT,
            )
            .unwrap();
    }
    // In bit order: IA vertices, IA primitives, VS invocations, clipping invocations,
    // clipping primitives, FS invocations; then availability.
    assert_eq!(
        r[0],
        [18, 6, 12, 6, 6, 3 * 101 * 51, 1],
        "indexed rectangle"
    );
    assert_eq!(r[1], [9, 3, 9, 3, 2, 64, 1], "strips with restarts");
    let clipped = r[2][5];
    assert_eq!(r[2][..5], [6, 2, 6, 2, 2], "near-plane clipping");
    // The crossing triangle's part in front of the plane: half its 100x100/2 pixels less a
    // quarter, ~3750 (the exact figure is what the occlusion query counts).
    assert_eq!(clipped, occluded[0], "one invocation per covered pixel");
    assert!((3600..3900).contains(&clipped), "{clipped}");
    assert_eq!(r[3], [600, 200, 600, 200, 200, 200 * 10, 1], "600 vertices");
    eprintln!("statistics: {r:?}, occlusion {occluded:?}");
    let w = copy.u32s();
    for q in 0..4 {
        let expect: Vec<u32> = r[q].iter().map(|&x| x as u32).collect();
        assert_eq!(w[q * 8..q * 8 + 7], expect[..], "copied query {q}");
        assert_eq!(w[q * 8 + 7], 0xABAB_ABAB, "past the query's 7 words");
    }
    // Reset on the host: not available, PARTIAL writes zeros.
    unsafe { vk.device.reset_query_pool(stats, 1, 1) };
    let mut partial = [[9u32; 7]; 1];
    let status = unsafe {
        vk.device.get_query_pool_results(
            stats,
            1,
            &mut partial,
            vk::QueryResultFlags::WITH_AVAILABILITY | vk::QueryResultFlags::PARTIAL,
        )
    };
    assert_eq!(status, Err(vk::Result::NOT_READY));
    assert_eq!(partial[0], [0; 7]);
    unsafe {
        vk.device.destroy_query_pool(stats, None);
        vk.device.destroy_query_pool(occlusion, None);
        vk.device.destroy_pipeline(list, None);
        vk.device.destroy_pipeline(strip, None);
        vk.device.destroy_pipeline_layout(layout, None);
        vk.device.destroy_image_view(color.view, None);
    }
    vk.destroy_image(color.img);
    vk.destroy_buffer(vb);
    vk.destroy_buffer(ib);
    vk.destroy_buffer(copy);
}

/// Compute invocations: workgroups times the workgroup size (2x2x1 here), for vkCmdDispatchBase
/// and vkCmdDispatchIndirect in one query and vkCmdDispatch in another; a vertex statistic in
/// the same pool counts nothing.
#[test]
fn pipeline_statistics_count_compute_invocations() {
    type DT = vk::DescriptorType;
    let vk = Vk::new();
    let out = vk.buffer(64 * 64 * 2 * 32, vk::BufferUsageFlags::STORAGE_BUFFER);
    let indirect = vk.buffer(
        32,
        vk::BufferUsageFlags::INDIRECT_BUFFER | vk::BufferUsageFlags::TRANSFER_DST,
    );
    indirect.bytes()[..12].copy_from_slice(&[3u32, 2, 1].map(u32::to_le_bytes).concat());
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
    let stats = statistics_pool(
        &vk,
        Stat::VERTEX_SHADER_INVOCATIONS | Stat::COMPUTE_SHADER_INVOCATIONS,
        2,
    );
    vk.run(|cb| unsafe {
        let d = &vk.device;
        d.cmd_reset_query_pool(cb, stats, 0, 2);
        p.bind(&vk, cb, &[]);
        d.cmd_begin_query(cb, stats, 0, vk::QueryControlFlags::empty());
        d.cmd_dispatch_base(cb, 4, 1, 0, 3, 2, 1);
        d.cmd_dispatch_indirect(cb, indirect.buffer, 0);
        d.cmd_end_query(cb, stats, 0);
        d.cmd_begin_query(cb, stats, 1, vk::QueryControlFlags::empty());
        d.cmd_dispatch(cb, 5, 1, 2);
        d.cmd_end_query(cb, stats, 1);
    });
    let mut r = [[0u32; 2]; 2];
    unsafe {
        vk.device
            .get_query_pool_results(stats, 0, &mut r, vk::QueryResultFlags::WAIT)
            .unwrap();
        vk.device.destroy_query_pool(stats, None);
    }
    assert_eq!(r, [[0, 2 * 6 * 4], [0, 10 * 4]]);
    p.destroy(&vk);
    vk.destroy_buffer(out);
    vk.destroy_buffer(indirect);
}

/// The counts of `pipeline_statistics_count_a_known_draw` (several tiles, 600 vertices: more
/// than one chunk of vertex shading) with one thread equal those with the pool.
#[test]
fn statistics_do_not_depend_on_the_thread_count() {
    if std::env::var_os("VK_DRIVER_FILES").is_some_and(|v| !v.to_string_lossy().contains("softvk"))
    {
        return; // another driver: nothing of ours to compare
    }
    let counts = |threads: Option<&str>| -> Vec<String> {
        let mut c = std::process::Command::new(std::env::current_exe().unwrap());
        c.args([
            "--exact",
            "pipeline_statistics_count_a_known_draw",
            "--nocapture",
        ]);
        if let Some(t) = threads {
            c.env("SOFTVK_THREADS", t);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.starts_with("statistics: "))
            .map(|l| l.to_string())
            .collect()
    };
    let one = counts(Some("1"));
    assert_eq!(one.len(), 1, "{one:?}");
    assert_eq!(one, counts(Some("4")));
    assert_eq!(one, counts(None));
}

/// Pools the device cannot serve fail with a message naming the rule: statistics without the
/// pipelineStatisticsQuery feature, geometry and tessellation statistics (no such stages), an
/// empty statistics mask. (Without the validation layer, which would report them first.)
#[test]
fn invalid_statistics_pools_are_refused() {
    for features in [false, true] {
        let vk = Vk::with(softvk_tests::Options {
            validation: false,
            features,
            ..Default::default()
        });
        let create = |stats: Stat| unsafe {
            vk.device.create_query_pool(
                &vk::QueryPoolCreateInfo::default()
                    .query_type(vk::QueryType::PIPELINE_STATISTICS)
                    .pipeline_statistics(stats)
                    .query_count(1),
                None,
            )
        };
        let bad: &[(Stat, &str)] = if features {
            &[
                (
                    Stat::GEOMETRY_SHADER_INVOCATIONS,
                    "VUID-vkCmdBeginQuery-queryType-00804",
                ),
                (
                    Stat::TESSELLATION_EVALUATION_SHADER_INVOCATIONS | Stat::CLIPPING_INVOCATIONS,
                    "VUID-vkCmdBeginQuery-queryType-00804",
                ),
                (Stat::empty(), "VUID-VkQueryPoolCreateInfo-queryType-09534"),
            ]
        } else {
            &[(
                Stat::INPUT_ASSEMBLY_VERTICES,
                "VUID-VkQueryPoolCreateInfo-queryType-00791",
            )]
        };
        for &(stats, vuid) in bad {
            assert_eq!(
                create(stats).err(),
                Some(vk::Result::ERROR_VALIDATION_FAILED_EXT),
                "{stats:?}"
            );
            let errors = vk.take_softvk_errors();
            assert!(
                errors.len() == 1 && errors[0].contains(vuid),
                "{stats:?}: {errors:?}"
            );
        }
        if features {
            let ok = create(Stat::CLIPPING_PRIMITIVES).unwrap();
            unsafe { vk.device.destroy_query_pool(ok, None) };
        }
    }
}
