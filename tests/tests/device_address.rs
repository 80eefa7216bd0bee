//! Buffer device addresses (Vulkan 1.2 `bufferDeviceAddress`) through the loader:
//! vkGetBufferDeviceAddress, memory allocated with VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT, and
//! compute shaders dereferencing GL_EXT_buffer_reference pointers
//! (shaders/tests/device_address.comp): a linked list whose head comes from a push constant,
//! arrays and pointer arithmetic, atomics, pointers stored as values, and bad addresses (0, a
//! destroyed buffer, one byte past the end, an unaligned word straddling the end), which read
//! zero and drop writes while valid data stays intact.

use ash::vk;
use softvk_tests::compute::{Pipe, pipe, write_buffer};
use softvk_tests::{Buf, Vk};

type BU = vk::BufferUsageFlags;
type DT = vk::DescriptorType;

const ADDRESSED: BU = BU::from_raw(
    BU::STORAGE_BUFFER.as_raw()
        | BU::SHADER_DEVICE_ADDRESS.as_raw()
        | BU::TRANSFER_SRC.as_raw()
        | BU::TRANSFER_DST.as_raw(),
);

/// Device addresses are host addresses, and the driver's registry of them is process-wide: a
/// buffer another test of this binary binds after `bad_addresses_read_zero_and_drop_writes`
/// frees its memory may be mapped at the freed address, which then names live memory again
/// (the probe's atomic would land in that test's data). That test takes this lock for writing,
/// the others for reading, so no buffer is bound while it probes freed memory.
static ADDRESS_SPACE: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn shared() -> std::sync::RwLockReadGuard<'static, ()> {
    ADDRESS_SPACE.read().unwrap_or_else(|e| e.into_inner())
}

/// A SHADER_DEVICE_ADDRESS buffer of `size` bytes at the start of its own allocation of
/// `memory_size` bytes, and its device address.
fn address_buffer(vk: &Vk, size: u64, memory_size: u64) -> (Buf, u64) {
    let buffer = unsafe {
        vk.device.create_buffer(
            &vk::BufferCreateInfo::default().size(size).usage(ADDRESSED),
            None,
        )
    }
    .expect("vkCreateBuffer");
    let req = unsafe { vk.device.get_buffer_memory_requirements(buffer) };
    let mem = vk.address_memory(req.size.max(memory_size));
    unsafe { vk.device.bind_buffer_memory(buffer, mem.memory, 0) }.expect("vkBindBufferMemory");
    let address = unsafe {
        vk.device
            .get_buffer_device_address(&vk::BufferDeviceAddressInfo::default().buffer(buffer))
    };
    assert_ne!(address, 0, "a bound buffer has an address");
    (Buf { buffer, mem, size }, address)
}

/// The shader's push constants: head pointer, a uvec2 address, mode, n.
fn push(head: u64, addr: u64, mode: u32, n: u32) -> Vec<u8> {
    let mut p = Vec::with_capacity(24);
    p.extend(head.to_le_bytes());
    p.extend(addr.to_le_bytes());
    p.extend(mode.to_le_bytes());
    p.extend(n.to_le_bytes());
    p
}

fn pipeline(vk: &Vk) -> Pipe {
    pipe(
        vk,
        "device_address",
        &[&[(0, DT::STORAGE_BUFFER)]],
        24,
        None,
    )
}

fn run(vk: &Vk, p: &Pipe, out: &Buf, constants: &[u8], groups: u32) {
    write_buffer(vk, p.sets[0], 0, DT::STORAGE_BUFFER, out, 0, vk::WHOLE_SIZE);
    vk.run(|cb| unsafe {
        p.bind(vk, cb, &[]);
        vk.device
            .cmd_push_constants(cb, p.layout, vk::ShaderStageFlags::COMPUTE, 0, constants);
        vk.device.cmd_dispatch(cb, groups, 1, 1);
    });
}

fn put_u32(b: &Buf, at: usize, v: u32) {
    b.bytes()[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &Buf, at: usize, v: u64) {
    b.bytes()[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// A linked list of 40 nodes spread over two buffers in a scrambled order; the shader starts
/// from the head pointer in its push constants and follows the `next` pointers in memory.
#[test]
fn linked_list_is_walked_through_pointers() {
    let _shared = shared();
    let vk = Vk::new();
    let p = pipeline(&vk);
    let (a, a_addr) = address_buffer(&vk, 20 * 16, 0);
    let (b, b_addr) = address_buffer(&vk, 20 * 16, 0);
    let node = |k: usize| -> (&Buf, u64, usize) {
        // Node k lives in buffer a (even k) or b (odd k), at a scrambled slot.
        let slot = (k / 2 * 7) % 20;
        if k.is_multiple_of(2) {
            (&a, a_addr + slot as u64 * 16, slot * 16)
        } else {
            (&b, b_addr + slot as u64 * 16, slot * 16)
        }
    };
    let order: Vec<usize> = (0..40).map(|i| (i * 17) % 40).collect();
    let mut sum = 0u32;
    for (i, &k) in order.iter().enumerate() {
        let (buf, _, at) = node(k);
        let next = order.get(i + 1).map_or(0, |&n| node(n).1);
        put_u64(buf, at, next);
        let value = 1000 + k as u32 * 3;
        put_u32(buf, at + 8, value);
        sum += value;
    }
    let out = vk.buffer(4 * (2 + 2 * 40), BU::STORAGE_BUFFER);
    run(&vk, &p, &out, &push(node(order[0]).1, 0, 0, 0), 1);
    let o = out.u32s();
    assert_eq!(o[0], sum);
    assert_eq!(o[1], 40);
    for (i, &k) in order.iter().enumerate() {
        let addr = node(k).1;
        assert_eq!(o[2 + 2 * i], addr as u32, "node {i}");
        assert_eq!(o[3 + 2 * i], (addr >> 32) as u32, "node {i}");
    }
    p.destroy(&vk);
    for x in [a, b, out] {
        vk.destroy_buffer(x);
    }
}

/// Elements reached through an array member and through an address advanced by 4*i, then
/// written back through the pointer: 100 invocations over two workgroups, starting 16 bytes
/// into the buffer.
#[test]
fn arrays_and_pointer_arithmetic() {
    let _shared = shared();
    let vk = Vk::new();
    let p = pipeline(&vk);
    let n = 100u32;
    let (data, addr) = address_buffer(&vk, 16 + 4 * n as u64, 0);
    for i in 0..n as usize {
        put_u32(&data, 16 + 4 * i, 0x1000 + i as u32 * 5);
    }
    put_u32(&data, 0, 0xAAAA);
    let out = vk.buffer(8 * n as u64, BU::STORAGE_BUFFER);
    run(&vk, &p, &out, &push(0, addr + 16, 1, n), 2);
    let o = out.u32s();
    let d = data.u32s();
    for i in 0..n as usize {
        let v = 0x1000 + i as u32 * 5;
        assert_eq!((o[2 * i], o[2 * i + 1]), (v, v), "element {i}");
        assert_eq!(d[4 + i], v * 3 + 1, "element {i} written back");
    }
    assert_eq!(d[0], 0xAAAA, "bytes before the start are untouched");
    p.destroy(&vk);
    vk.destroy_buffer(data);
    vk.destroy_buffer(out);
}

/// 256 invocations add 1 through one pointer: the counter ends 256 higher and the old values
/// they saw are exactly the 256 values in between.
#[test]
fn atomics_through_a_pointer() {
    let _shared = shared();
    let vk = Vk::new();
    let p = pipeline(&vk);
    let (counter, addr) = address_buffer(&vk, 16, 0);
    put_u32(&counter, 4, 500);
    let out = vk.buffer(4 * 256, BU::STORAGE_BUFFER);
    run(&vk, &p, &out, &push(0, addr + 4, 2, 0), 4);
    assert_eq!(counter.u32s()[1], 756);
    let mut seen = out.u32s();
    seen.sort_unstable();
    assert_eq!(seen, (500..756).collect::<Vec<u32>>());
    p.destroy(&vk);
    vk.destroy_buffer(counter);
    vk.destroy_buffer(out);
}

/// Pointers as values: the shader stores the head pointer into the second node's `next`
/// (an 8-byte store through a pointer loaded from memory) and reads it back.
#[test]
fn pointers_are_stored_and_compared_as_values() {
    let _shared = shared();
    let vk = Vk::new();
    let p = pipeline(&vk);
    let (nodes, addr) = address_buffer(&vk, 32, 0);
    put_u64(&nodes, 0, addr + 16);
    put_u32(&nodes, 8, 71);
    put_u32(&nodes, 24, 72);
    let out = vk.buffer(8, BU::STORAGE_BUFFER);
    run(&vk, &p, &out, &push(addr, 0, 4, 0), 1);
    assert_eq!(out.u32s(), [1, 71]);
    assert_eq!(
        u64::from_le_bytes(nodes.bytes()[16..24].try_into().unwrap()),
        addr
    );
    p.destroy(&vk);
    vk.destroy_buffer(nodes);
    vk.destroy_buffer(out);
}

/// Addresses outside every live buffer read 0, and writes and atomics through them are
/// dropped: address 0, a destroyed buffer (its memory still allocated, then freed), one byte
/// past the end of a buffer whose allocation continues beyond it, and a word straddling that
/// end. The valid buffer's bytes stay as they were.
#[test]
fn bad_addresses_read_zero_and_drop_writes() {
    let _alone = ADDRESS_SPACE.write().unwrap_or_else(|e| e.into_inner());
    let vk = Vk::new();
    let p = pipeline(&vk);
    // 64 bytes of buffer at the start of a 4096-byte allocation.
    let (valid, addr) = address_buffer(&vk, 64, 4096);
    for (i, c) in valid.mem.bytes().chunks_exact_mut(4).enumerate() {
        c.copy_from_slice(&(0x5000_0000u32 + i as u32).to_le_bytes());
    }
    let before = valid.mem.bytes().to_vec();
    let (gone, gone_addr) = address_buffer(&vk, 64, 0);
    put_u32(&gone, 0, 0x7777);
    unsafe { vk.device.destroy_buffer(gone.buffer, None) };
    let out = vk.buffer(8, BU::STORAGE_BUFFER);
    let probe = |target: u64| {
        out.bytes().fill(0xFF);
        run(&vk, &p, &out, &push(0, target, 3, 0), 1);
        out.u32s()
    };
    for (what, target) in [
        ("address 0", 0),
        ("a destroyed buffer", gone_addr),
        ("one byte past the end", addr + 64),
        ("a word straddling the end", addr + 62),
    ] {
        assert_eq!(probe(target), [0, 0], "{what}: loads and atomics give 0");
        assert_eq!(valid.mem.bytes(), &before[..], "{what}: nothing written");
    }
    assert_eq!(
        gone.mem.bytes()[..4],
        0x7777u32.to_le_bytes(),
        "destroyed buffer's memory untouched"
    );
    unsafe { vk.device.free_memory(gone.mem.memory, None) };
    assert_eq!(probe(gone_addr), [0, 0], "freed memory");
    // The last word inside the buffer is still reachable: read, then overwritten.
    assert_eq!(probe(addr + 60), [0x5000_000F, 0xDEAD]);
    assert_eq!(valid.u32s()[15], 0xDEAD + 5);
    p.destroy(&vk);
    vk.destroy_buffer(valid);
    vk.destroy_buffer(out);
}

/// What the device reports and answers: bufferDeviceAddress without capture/replay or
/// multi-device, a stable address per buffer, opaque capture addresses of 0.
#[test]
fn features_and_queries() {
    let _shared = shared();
    let vk = Vk::new();
    let mut f12 = vk::PhysicalDeviceVulkan12Features::default();
    let mut f = vk::PhysicalDeviceFeatures2::default().push_next(&mut f12);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f)
    };
    assert_eq!(f12.buffer_device_address, vk::TRUE);
    assert_eq!(f12.buffer_device_address_capture_replay, vk::FALSE);
    assert_eq!(f12.buffer_device_address_multi_device, vk::FALSE);
    let (b, addr) = address_buffer(&vk, 256, 0);
    let info = vk::BufferDeviceAddressInfo::default().buffer(b.buffer);
    unsafe {
        assert_eq!(vk.device.get_buffer_device_address(&info), addr);
        assert_eq!(vk.device.get_buffer_opaque_capture_address(&info), 0);
        assert_eq!(
            vk.device.get_device_memory_opaque_capture_address(
                &vk::DeviceMemoryOpaqueCaptureAddressInfo::default().memory(b.mem.memory)
            ),
            0
        );
    }
    vk.destroy_buffer(b);
}

/// Capture/replay is not reported, so its flags and addresses are refused (without the
/// validation layer, which would flag the same calls).
#[test]
fn capture_replay_requests_are_refused() {
    let _shared = shared();
    let vk = Vk::with(softvk_tests::Options {
        validation: false,
        ..Default::default()
    });
    let ty = vk.memory_type(vk::MemoryPropertyFlags::HOST_VISIBLE);
    let mut flags = vk::MemoryAllocateFlagsInfo::default().flags(
        vk::MemoryAllocateFlags::DEVICE_ADDRESS
            | vk::MemoryAllocateFlags::DEVICE_ADDRESS_CAPTURE_REPLAY,
    );
    let r = unsafe {
        vk.device.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(4096)
                .memory_type_index(ty)
                .push_next(&mut flags),
            None,
        )
    };
    assert_eq!(r.err(), Some(vk::Result::ERROR_FEATURE_NOT_PRESENT));
    let mut opaque =
        vk::MemoryOpaqueCaptureAddressAllocateInfo::default().opaque_capture_address(4096);
    let r = unsafe {
        vk.device.allocate_memory(
            &vk::MemoryAllocateInfo::default()
                .allocation_size(4096)
                .memory_type_index(ty)
                .push_next(&mut opaque),
            None,
        )
    };
    assert_eq!(r.err(), Some(vk::Result::ERROR_FEATURE_NOT_PRESENT));
    let r = unsafe {
        vk.device.create_buffer(
            &vk::BufferCreateInfo::default()
                .size(64)
                .usage(ADDRESSED)
                .flags(vk::BufferCreateFlags::DEVICE_ADDRESS_CAPTURE_REPLAY),
            None,
        )
    };
    assert_eq!(r.err(), Some(vk::Result::ERROR_FEATURE_NOT_PRESENT));
    let errors = vk.take_softvk_errors();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors.iter().all(|e| e.contains("CaptureReplay")),
        "{errors:?}"
    );
}
