//! 64-bit integers in compute shaders (`shaderInt64`) through the loader, under the validation
//! layer (the harness enables every reported feature, so shaderInt64 is on):
//! - shaders/tests/int64_hash.comp: splitmix64 with a 64-bit specialization constant (an
//!   8-byte VkSpecializationMapEntry), a 64-bit subgroup sum (subgroups of 4), a shared-memory
//!   reduction and signed 64-bit division, over 4 workgroups of 64, against the same
//!   computation on the CPU;
//! - shaders/tests/buffer_reference2.comp: GL_EXT_buffer_reference2 pointer arithmetic
//!   (`p + i`, `p[i]`, pointer differences), which glslang lowers to OpConvertPtrToU, 64-bit
//!   integer arithmetic and OpConvertUToPtr; invocations past the buffer read 0 and their
//!   writes are dropped;
//! - shaders/tests/int64_atomics.comp: 64-bit atomic add/max/min on a storage buffer and add on
//!   shared memory from 1024 invocations (shaderBufferInt64Atomics, shaderSharedInt64Atomics).

use ash::vk;
use softvk_tests::compute::{pipe, write_buffer};
use softvk_tests::{Buf, Memory, Vk};

type BU = vk::BufferUsageFlags;
type DT = vk::DescriptorType;

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn u64s(b: &Buf) -> Vec<u64> {
    b.bytes()
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

#[test]
fn int64_hash_matches_the_cpu() {
    let vk = Vk::new();
    const SEED: u64 = 0x0123_4567_89AB_CDEF;
    let entries = [vk::SpecializationMapEntry {
        constant_id: 0,
        offset: 0,
        size: 8,
    }];
    let data = SEED.to_le_bytes();
    let spec = vk::SpecializationInfo::default()
        .map_entries(&entries)
        .data(&data);
    let p = pipe(
        &vk,
        "int64_hash",
        &[&[(0, DT::STORAGE_BUFFER)]],
        0,
        Some(&spec),
    );
    let groups = 4u32;
    let n = 64 * groups as usize;
    let out = vk.buffer(8 * (8 + 3 * n as u64), BU::STORAGE_BUFFER);
    write_buffer(
        &vk,
        p.sets[0],
        0,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, groups, 1, 1);
    });
    let o = u64s(&out);
    for g in 0..groups as usize {
        let mut sum = 0u64;
        for l in 0..64 {
            let gid = g * 64 + l;
            // subgroupAdd over the subgroup of 4 consecutive invocations.
            let first = gid & !3;
            let z = (first..first + 4)
                .map(|i| splitmix64(SEED ^ i as u64))
                .fold(0u64, u64::wrapping_add);
            let s = z as i64;
            assert_eq!(o[8 + 3 * gid], z, "subgroup sum of hashes {gid}");
            assert_eq!(o[8 + 3 * gid + 1], (s / -7) as u64, "quotient {gid}");
            // GLSL % on signed integers is OpSMod: the sign of the (positive) divisor.
            let r = s.rem_euclid(1_000_003);
            assert_eq!(o[8 + 3 * gid + 2], r as u64, "remainder {gid}");
            sum = sum.wrapping_add(z);
        }
        assert_eq!(o[g], sum, "workgroup {g}");
    }
    assert_eq!(&o[groups as usize..8], &[0; 4], "unused sums stay zero");
    p.destroy(&vk);
    vk.destroy_buffer(out);
}

/// A SHADER_DEVICE_ADDRESS buffer of `size` bytes at the start of an allocation of `memory`
/// bytes (so addresses just past the buffer are in no buffer), and its device address.
fn address_buffer(vk: &Vk, size: u64, memory: u64) -> (Buf, u64) {
    let usage = BU::STORAGE_BUFFER | BU::SHADER_DEVICE_ADDRESS;
    let buffer = unsafe {
        vk.device.create_buffer(
            &vk::BufferCreateInfo::default().size(size).usage(usage),
            None,
        )
    }
    .expect("vkCreateBuffer");
    let req = unsafe { vk.device.get_buffer_memory_requirements(buffer) };
    let ty = vk.memory_type(
        vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT,
    );
    let mut flags =
        vk::MemoryAllocateFlagsInfo::default().flags(vk::MemoryAllocateFlags::DEVICE_ADDRESS);
    let alloc = req.size.max(memory);
    let memory = unsafe {
        vk.device.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(alloc)
                .memory_type_index(ty)
                .push_next(&mut flags),
            None,
        )
    }
    .expect("vkAllocateMemory");
    let ptr = unsafe {
        vk.device
            .map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty())
    }
    .expect("vkMapMemory") as *mut u8;
    unsafe { vk.device.bind_buffer_memory(buffer, memory, 0) }.expect("vkBindBufferMemory");
    let address = unsafe {
        vk.device
            .get_buffer_device_address(&vk::BufferDeviceAddressInfo::default().buffer(buffer))
    };
    let mem = Memory {
        memory,
        ptr,
        size: alloc,
    };
    (Buf { buffer, mem, size }, address)
}

#[test]
fn buffer_reference2_pointer_arithmetic() {
    let vk = Vk::new();
    let p = pipe(
        &vk,
        "buffer_reference2",
        &[&[(0, DT::STORAGE_BUFFER)]],
        12,
        None,
    );
    let n = 100usize;
    let invocations = 128usize;
    let (nodes, addr) = address_buffer(&vk, 16 * n as u64, 16 * n as u64 + 4096);
    for i in 0..n {
        let b = &mut nodes.bytes()[16 * i..16 * i + 16];
        let key = ((i as u64 * 3) << 32) | 0xFFFF_FFFF;
        b[..8].copy_from_slice(&key.to_le_bytes());
        b[8..12].copy_from_slice(&(1000 + i as u32).to_le_bytes());
        b[12..].copy_from_slice(&0xAAAA_AAAAu32.to_le_bytes());
    }
    // The bytes right after the buffer (same allocation, no buffer): must stay untouched.
    nodes.mem.bytes()[16 * n..16 * invocations].fill(0x55);
    let out = vk.buffer(4 * 2 * invocations as u64, BU::STORAGE_BUFFER);
    write_buffer(
        &vk,
        p.sets[0],
        0,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    let mut push = addr.to_le_bytes().to_vec();
    push.extend((invocations as u32).to_le_bytes());
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device
            .cmd_push_constants(cb, p.layout, vk::ShaderStageFlags::COMPUTE, 0, &push);
        vk.device.cmd_dispatch(cb, 2, 1, 1);
    });
    let o = out.u32s();
    let d = nodes.u32s();
    for i in 0..invocations {
        let want = if i < n {
            1000 + i as u32 + 3 * i as u32
        } else {
            0
        };
        assert_eq!(o[i], want, "read through base + {i}");
        assert_eq!(o[invocations + i], 16 * i as u32, "distance of base + {i}");
        if i < n {
            assert_eq!(
                d[4 * i + 2],
                2 * (1000 + i as u32) + 1,
                "base[{i}].v written"
            );
            assert_eq!(d[4 * i + 3], 0xAAAA_AAAA, "padding of node {i}");
        }
    }
    assert!(
        nodes.mem.bytes()[16 * n..16 * invocations]
            .iter()
            .all(|&b| b == 0x55),
        "writes past the buffer are dropped"
    );
    p.destroy(&vk);
    vk.destroy_buffer(nodes);
    vk.destroy_buffer(out);
}

#[test]
fn int64_atomics_through_the_loader() {
    let vk = Vk::new();
    let p = pipe(&vk, "int64_atomics", &[&[(0, DT::STORAGE_BUFFER)]], 0, None);
    let n = 1024usize;
    let out = vk.buffer(8 * (3 + 16 + n as u64), BU::STORAGE_BUFFER);
    let init: [u64; 3] = [5, i64::MIN as u64, i64::MAX as u64];
    for (k, v) in init.iter().enumerate() {
        out.bytes()[8 * k..8 * k + 8].copy_from_slice(&v.to_le_bytes());
    }
    write_buffer(
        &vk,
        p.sets[0],
        0,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, 16, 1, 1);
    });
    let o = u64s(&out);
    let step = 0x1_0000_0001u64;
    assert_eq!(o[0], 5 + n as u64 * step, "count");
    assert_eq!(o[1] as i64, 511 * 1_000_000_000_000, "max");
    assert_eq!(o[2] as i64, -512 * 1_000_000_000_000, "min");
    for w in 0..16u64 {
        let sum: u64 = (64 * w..64 * w + 64).sum();
        assert_eq!(o[3 + w as usize], sum << 40, "shared sum of workgroup {w}");
    }
    let mut old: Vec<u64> = o[19..].iter().map(|v| (v - 5) / step).collect();
    old.sort_unstable();
    assert_eq!(
        old,
        (0..n as u64).collect::<Vec<_>>(),
        "each old value once"
    );
    assert!(o[19..].iter().all(|v| (v - 5) % step == 0));
    p.destroy(&vk);
    vk.destroy_buffer(out);
}
