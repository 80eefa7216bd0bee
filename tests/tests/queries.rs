//! Query pools: timestamps, occlusion, result flags, copies to buffers, host reset.

use ash::vk;
use softvk_tests::Vk;

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
