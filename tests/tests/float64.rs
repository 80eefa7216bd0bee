//! 64-bit floats in compute shaders (`shaderFloat64`) through the loader, under the validation
//! layer (the harness enables every reported feature, so shaderFloat64 is on):
//! shaders/tests/float64_newton.comp computes, over 4 workgroups of 64 invocations, Newton
//! square roots, sqrt, division, a fused fma, floor/fract, conversions to int64 and float, a
//! std140 dmat3 times a dvec3, and per-workgroup shared-memory sums, with an 8-byte double
//! specialization constant. Every operation is IEEE 754 binary64 rounded to nearest even, so
//! the CPU's f64 computation in the same order must match bit for bit.
//!
//! shaders/tests/int16_storage.comp runs a 16-bit xorshift with wrapping arithmetic and signed
//! 16-bit division (`shaderInt16`) on 16-bit values in a storage buffer, with a 16-bit uniform
//! and a 16-bit push constant (`storageBuffer16BitAccess`, `uniformAndStorageBuffer16BitAccess`,
//! `storagePushConstant16`), against the same computation with Rust's u16/i16.
//!
//! shaders/tests/float16_loop.comp runs multiplies, adds and divides on halves
//! (`shaderFloat16`, stored with `storageBuffer16BitAccess`) with a half specialization
//! constant; the reference computes each operation exactly in f64 and rounds it to f16 (nearest
//! even), which is what IEEE binary16 arithmetic gives.

use ash::vk;
use softvk_tests::Vk;
use softvk_tests::compute::{pipe, write_buffer};

type BU = vk::BufferUsageFlags;
type DT = vk::DescriptorType;

fn f64s(b: &[u8]) -> Vec<f64> {
    b.chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// The shader's per-invocation results, computed on the CPU in the shader's order.
fn reference(gid: u32, scale: f64, m: &[[f64; 3]; 3], bias: f64) -> [f64; 8] {
    let x = gid as f64 * scale + bias;
    let mut g = if x > 1.0 { x * 0.5 } else { 1.0 };
    for _ in 0..8 {
        g = 0.5 * (g + x / g);
    }
    let inp = [x, g, -x];
    // Column-major: row r is sum over columns c of m[c][r] * v[c], summed left to right.
    let row = |r: usize| m[0][r] * inp[0] + m[1][r] * inp[1] + m[2][r] * inp[2];
    let fract = x - x.floor();
    [
        g,
        x.sqrt(),
        x.mul_add(x, -(x * x)),
        fract + (x / 3.0).floor(),
        ((x * 1e15) as i64) as f64 + (x as f32) as f64,
        row(0),
        row(1),
        row(2),
    ]
}

#[test]
fn float64_matches_the_cpu_bit_for_bit() {
    let vk = Vk::new();
    let features = unsafe { vk.instance.get_physical_device_features(vk.physical) };
    assert_eq!(features.shader_float64, vk::TRUE);
    const SCALE: f64 = 0.377_777_777_777_777_7;
    let entries = [vk::SpecializationMapEntry {
        constant_id: 0,
        offset: 0,
        size: 8,
    }];
    let data = SCALE.to_le_bytes();
    let spec = vk::SpecializationInfo::default()
        .map_entries(&entries)
        .data(&data);
    let p = pipe(
        &vk,
        "float64_newton",
        &[&[(0, DT::UNIFORM_BUFFER), (1, DT::STORAGE_BUFFER)]],
        0,
        Some(&spec),
    );
    let m: [[f64; 3]; 3] = [
        [1.5, -2.25, 1e-300],
        [0.1, 3.0, -7.0],
        [1e10, 0.3, 2.0f64.powi(-1070)],
    ];
    let bias: f64 = 0.123_456_789;
    // std140: dmat3 columns 32 bytes apart (dvec3 alignment), bias at 96.
    let ubo = vk.buffer(104, BU::UNIFORM_BUFFER);
    {
        let b = ubo.bytes();
        for (c, col) in m.iter().enumerate() {
            for (r, v) in col.iter().enumerate() {
                let at = 32 * c + 8 * r;
                b[at..at + 8].copy_from_slice(&v.to_le_bytes());
            }
        }
        b[96..104].copy_from_slice(&bias.to_le_bytes());
    }
    let groups = 4u32;
    let n = 64 * groups as usize;
    let out = vk.buffer(8 * (4 + 8 * n as u64), BU::STORAGE_BUFFER);
    write_buffer(
        &vk,
        p.sets[0],
        0,
        DT::UNIFORM_BUFFER,
        &ubo,
        0,
        vk::WHOLE_SIZE,
    );
    write_buffer(
        &vk,
        p.sets[0],
        1,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, groups, 1, 1);
    });
    let o = f64s(out.bytes());
    for g in 0..groups {
        let mut sum = 0.0f64;
        for l in 0..64 {
            let gid = g * 64 + l;
            let want = reference(gid, SCALE, &m, bias);
            let got = &o[4 + 8 * gid as usize..][..8];
            for (k, (w, h)) in want.iter().zip(got).enumerate() {
                assert_eq!(
                    w.to_bits(),
                    h.to_bits(),
                    "invocation {gid} result {k}: {w} vs {h}"
                );
            }
            sum += gid as f64 * SCALE + bias;
        }
        assert_eq!(o[g as usize].to_bits(), sum.to_bits(), "workgroup {g}");
    }
    p.destroy(&vk);
    vk.destroy_buffer(out);
    vk.destroy_buffer(ubo);
}

#[test]
fn int16_through_the_loader() {
    let vk = Vk::new();
    let features = unsafe { vk.instance.get_physical_device_features(vk.physical) };
    assert_eq!(features.shader_int16, vk::TRUE);
    let p = pipe(
        &vk,
        "int16_storage",
        &[&[(0, DT::UNIFORM_BUFFER), (1, DT::STORAGE_BUFFER)]],
        4,
        None,
    );
    const MUL: u16 = 0x9E37;
    const BIAS: i16 = -1234;
    let ubo = vk.buffer(16, BU::UNIFORM_BUFFER);
    ubo.bytes()[..2].copy_from_slice(&MUL.to_le_bytes());
    let groups = 4u32;
    let n = 64 * groups as usize;
    let buf = vk.buffer(16 + 2 * n as u64, BU::STORAGE_BUFFER);
    let input: Vec<u16> = (0..n as u32)
        .map(|k| (k.wrapping_mul(40503) ^ 0x5A5A) as u16)
        .collect();
    for (k, v) in input.iter().enumerate() {
        buf.bytes()[16 + 2 * k..][..2].copy_from_slice(&v.to_le_bytes());
    }
    write_buffer(
        &vk,
        p.sets[0],
        0,
        DT::UNIFORM_BUFFER,
        &ubo,
        0,
        vk::WHOLE_SIZE,
    );
    write_buffer(
        &vk,
        p.sets[0],
        1,
        DT::STORAGE_BUFFER,
        &buf,
        0,
        vk::WHOLE_SIZE,
    );
    let push = [BIAS.to_le_bytes()[0], BIAS.to_le_bytes()[1], 0, 0];
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device
            .cmd_push_constants(cb, p.layout, vk::ShaderStageFlags::COMPUTE, 0, &push);
        vk.device.cmd_dispatch(cb, groups, 1, 1);
    });
    let bytes = buf.bytes();
    for g in 0..groups as usize {
        let mut sum = 0u32;
        for l in 0..64 {
            let gid = g * 64 + l;
            let mut x = input[gid];
            for _ in 0..4 {
                x ^= x << 7;
                x ^= x >> 9;
                x ^= x << 8;
                x = x.wrapping_mul(MUL).wrapping_add(BIAS as u16);
            }
            let want = (x as i16 / -7) as u16;
            let got = u16::from_le_bytes(bytes[16 + 2 * gid..][..2].try_into().unwrap());
            assert_eq!(got, want, "invocation {gid}");
            sum += x as u32;
        }
        let got = u32::from_le_bytes(bytes[4 * g..][..4].try_into().unwrap());
        assert_eq!(got, sum, "workgroup {g}");
    }
    p.destroy(&vk);
    vk.destroy_buffer(buf);
    vk.destroy_buffer(ubo);
}

#[test]
fn int8_through_the_loader() {
    let vk = Vk::new();
    let mut f8 = vk::PhysicalDevice8BitStorageFeatures::default();
    let mut f16i8 = vk::PhysicalDeviceShaderFloat16Int8Features::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default()
        .push_next(&mut f8)
        .push_next(&mut f16i8);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2)
    };
    assert_eq!(f16i8.shader_int8, vk::TRUE);
    assert_eq!(f8.storage_buffer8_bit_access, vk::TRUE);
    assert_eq!(f8.uniform_and_storage_buffer8_bit_access, vk::TRUE);
    assert_eq!(f8.storage_push_constant8, vk::TRUE);
    let p = pipe(
        &vk,
        "int8_storage",
        &[&[(0, DT::UNIFORM_BUFFER), (1, DT::STORAGE_BUFFER)]],
        4,
        None,
    );
    const MUL: u8 = 0x9D;
    const BIAS: i8 = -77;
    let ubo = vk.buffer(16, BU::UNIFORM_BUFFER);
    ubo.bytes()[0] = MUL;
    let groups = 4u32;
    let n = 64 * groups as usize;
    let buf = vk.buffer(16 + 2 * n as u64, BU::STORAGE_BUFFER);
    let input: Vec<u8> = (0..n as u32)
        .map(|k| (k.wrapping_mul(40503) >> 3) as u8 ^ 0x5A)
        .collect();
    buf.bytes()[16..16 + n].copy_from_slice(&input);
    write_buffer(
        &vk,
        p.sets[0],
        0,
        DT::UNIFORM_BUFFER,
        &ubo,
        0,
        vk::WHOLE_SIZE,
    );
    write_buffer(
        &vk,
        p.sets[0],
        1,
        DT::STORAGE_BUFFER,
        &buf,
        0,
        vk::WHOLE_SIZE,
    );
    let push = [BIAS as u8, 0, 0, 0];
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device
            .cmd_push_constants(cb, p.layout, vk::ShaderStageFlags::COMPUTE, 0, &push);
        vk.device.cmd_dispatch(cb, groups, 1, 1);
    });
    let bytes = buf.bytes();
    let xs: Vec<u8> = input
        .iter()
        .map(|&v| {
            let mut x = v;
            for _ in 0..4 {
                x ^= x << 3;
                x ^= x >> 5;
                x ^= x << 1;
                x = x.wrapping_mul(MUL).wrapping_add(BIAS as u8);
            }
            x
        })
        .collect();
    for g in 0..groups as usize {
        let mut sum = 0u32;
        for l in 0..64 {
            let gid = g * 64 + l;
            let x = xs[gid];
            let want = (x as i8 / -7) as u8;
            assert_eq!(bytes[16 + gid], want, "invocation {gid}");
            let sg = gid & !3;
            let add = xs[sg..sg + 4].iter().fold(0u8, |a, b| a.wrapping_add(*b));
            assert_eq!(bytes[16 + n + gid], add, "subgroup sum of invocation {gid}");
            sum += x as u32;
        }
        let got = u32::from_le_bytes(bytes[4 * g..][..4].try_into().unwrap());
        assert_eq!(got, sum, "workgroup {g}");
    }
    p.destroy(&vk);
    vk.destroy_buffer(buf);
    vk.destroy_buffer(ubo);
}

/// Float atomics on an R32_SFLOAT storage image (shaderImageFloat32Atomics,
/// shaderImageFloat32AtomicAdd; R32_SFLOAT reports STORAGE_IMAGE_ATOMIC): adds of multiples of
/// 1/8 (exact in any order) into a 4x2 image that starts at 1.5, exchanges that return the
/// old texel, and atomics out of range that return 0 and change nothing.
#[test]
fn float_image_atomics_through_the_loader() {
    let vk = Vk::with(softvk_tests::Options {
        device_extensions: vec![ash::ext::shader_atomic_float::NAME],
        ..Default::default()
    });
    let props = unsafe {
        vk.instance
            .get_physical_device_format_properties(vk.physical, vk::Format::R32_SFLOAT)
    };
    assert!(
        props
            .optimal_tiling_features
            .contains(vk::FormatFeatureFlags::STORAGE_IMAGE_ATOMIC)
    );
    let d = &vk.device;
    let p = pipe(
        &vk,
        "image_float_atomics",
        &[&[(0, DT::STORAGE_IMAGE), (1, DT::STORAGE_BUFFER)]],
        0,
        None,
    );
    let usage = vk::ImageUsageFlags::STORAGE
        | vk::ImageUsageFlags::TRANSFER_DST
        | vk::ImageUsageFlags::TRANSFER_SRC;
    let img = vk.image(&softvk_tests::image_2d(vk::Format::R32_SFLOAT, 4, 2).usage(usage));
    let color = vk::ImageAspectFlags::COLOR;
    let view = unsafe {
        d.create_image_view(
            &vk::ImageViewCreateInfo::default()
                .image(img.image)
                .view_type(vk::ImageViewType::TYPE_2D)
                .format(vk::Format::R32_SFLOAT)
                .subresource_range(softvk_tests::full_range(color)),
            None,
        )
        .unwrap()
    };
    let info = [vk::DescriptorImageInfo {
        sampler: vk::Sampler::null(),
        image_view: view,
        image_layout: vk::ImageLayout::GENERAL,
    }];
    unsafe {
        d.update_descriptor_sets(
            &[vk::WriteDescriptorSet::default()
                .dst_set(p.sets[0])
                .dst_binding(0)
                .descriptor_type(DT::STORAGE_IMAGE)
                .image_info(&info)],
            &[],
        )
    };
    let out = vk.buffer(4 * 260, BU::STORAGE_BUFFER);
    out.bytes().fill(0xEE);
    write_buffer(
        &vk,
        p.sets[0],
        1,
        DT::STORAGE_BUFFER,
        &out,
        0,
        vk::WHOLE_SIZE,
    );
    let up = vk.buffer(32, BU::TRANSFER_SRC);
    for c in up.bytes().chunks_mut(4) {
        c.copy_from_slice(&1.5f32.to_le_bytes());
    }
    let down = vk.buffer(32, BU::TRANSFER_DST);
    let region = vk::BufferImageCopy {
        image_subresource: softvk_tests::color_layers(1),
        image_extent: vk::Extent3D {
            width: 4,
            height: 2,
            depth: 1,
        },
        ..Default::default()
    };
    vk.run(|cb| unsafe {
        let dst = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
        let general = vk::ImageLayout::GENERAL;
        vk.layout_barrier(cb, img.image, color, vk::ImageLayout::UNDEFINED, dst);
        d.cmd_copy_buffer_to_image(cb, up.buffer, img.image, dst, &[region]);
        vk.layout_barrier(cb, img.image, color, dst, general);
        p.bind(&vk, cb, &[]);
        d.cmd_dispatch(cb, 4, 1, 1);
        let src = vk::ImageLayout::TRANSFER_SRC_OPTIMAL;
        vk.layout_barrier(cb, img.image, color, general, src);
        d.cmd_copy_image_to_buffer(cb, img.image, src, down.buffer, &[region]);
    });
    let texels: Vec<f32> = down.u32s().into_iter().map(f32::from_bits).collect();
    // Column x of row 0: 1.5 + the sum over the 64 i with i % 4 = x of (i % 16) / 8.
    for x in 0..4 {
        let add: f32 = (0..256)
            .filter(|i| i % 4 == x)
            .map(|i| (i % 16) as f32 * 0.125)
            .sum();
        assert_eq!(texels[x], 1.5 + add, "row 0, column {x}");
        assert_eq!(texels[4 + x], x as f32 + 0.5, "row 1, column {x}");
    }
    let o: Vec<f32> = out.u32s().into_iter().map(f32::from_bits).collect();
    assert_eq!(o[..4], [1.5; 4], "the exchanges return the old texels");
    assert!(
        o[4..].iter().all(|&v| v == 0.0),
        "out-of-range atomics return 0"
    );
    unsafe { d.destroy_image_view(view, None) };
    p.destroy(&vk);
    vk.destroy_image(img);
    for b in [out, up, down] {
        vk.destroy_buffer(b);
    }
}

/// `x` rounded to the nearest f16 value (ties to even; beyond the largest half: infinity), as
/// an f64. Exact: the scaling by powers of two and the rounding to an integer lose nothing.
fn round_f16(x: f64) -> f64 {
    let a = x.abs();
    if !a.is_finite() || a == 0.0 {
        return x;
    }
    let e = (a.log2().floor() as i32).max(-14);
    let ulp = 2f64.powi(e - 10);
    let r = (a / ulp).round_ties_even() * ulp;
    let r = if r >= 65520.0 { f64::INFINITY } else { r };
    r.copysign(x)
}

/// IEEE binary16 bits of an f64 that is exactly a half (or infinite).
fn f16_bits(x: f64) -> u16 {
    let sign = if x.is_sign_negative() { 0x8000 } else { 0 };
    let a = x.abs();
    if a.is_infinite() {
        return sign | 0x7C00;
    }
    if a < 2f64.powi(-14) {
        return sign | (a / 2f64.powi(-24)) as u16;
    }
    let e = a.log2().floor() as i32;
    let m = (a / 2f64.powi(e) * 1024.0 - 1024.0) as u16;
    sign | (((e + 15) as u16) << 10) | m
}

#[test]
fn float16_through_the_loader() {
    let vk = Vk::new();
    let mut f16i8 = vk::PhysicalDeviceShaderFloat16Int8Features::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut f16i8);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2)
    };
    assert_eq!(f16i8.shader_float16, vk::TRUE);
    let k = round_f16(1.1);
    let entries = [vk::SpecializationMapEntry {
        constant_id: 0,
        offset: 0,
        size: 2,
    }];
    let data = f16_bits(k).to_le_bytes();
    let spec = vk::SpecializationInfo::default()
        .map_entries(&entries)
        .data(&data);
    let p = pipe(
        &vk,
        "float16_loop",
        &[&[(0, DT::STORAGE_BUFFER)]],
        0,
        Some(&spec),
    );
    let groups = 4u32;
    let n = 64 * groups as usize;
    let buf = vk.buffer(2 * n as u64, BU::STORAGE_BUFFER);
    let input: Vec<f64> = (0..n).map(|g| round_f16(g as f64 * 0.37 + 1.0)).collect();
    for (g, v) in input.iter().enumerate() {
        buf.bytes()[2 * g..][..2].copy_from_slice(&f16_bits(*v).to_le_bytes());
    }
    write_buffer(
        &vk,
        p.sets[0],
        0,
        DT::STORAGE_BUFFER,
        &buf,
        0,
        vk::WHOLE_SIZE,
    );
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, groups, 1, 1);
    });
    let bytes = buf.bytes();
    for (g, v) in input.iter().enumerate() {
        let mut x = *v;
        for _ in 0..4 {
            let y = round_f16(x * k);
            let y = round_f16(y + 0.5);
            let y = round_f16(y / round_f16(x + 3.0));
            x = round_f16(y + round_f16(x * 0.25));
        }
        let got = u16::from_le_bytes(bytes[2 * g..][..2].try_into().unwrap());
        assert_eq!(got, f16_bits(x), "invocation {g}: want {x}");
    }
    p.destroy(&vk);
    vk.destroy_buffer(buf);
}

/// VK_EXT_shader_atomic_float (shaderBuffer/SharedFloat32/64Atomics and AtomicAdd): 64
/// workgroups of 64 invocations add multiples of 1/8 to a float and a double in a storage buffer
/// and to a shared float (every sum exact whatever the order), under the validation layer.
#[test]
fn float_atomics_through_the_loader() {
    let vk = Vk::with(softvk_tests::Options {
        device_extensions: vec![ash::ext::shader_atomic_float::NAME],
        ..Default::default()
    });
    let mut f = vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT::default();
    let mut f2 = vk::PhysicalDeviceFeatures2::default().push_next(&mut f);
    unsafe {
        vk.instance
            .get_physical_device_features2(vk.physical, &mut f2)
    };
    assert_eq!(f.shader_buffer_float32_atomic_add, vk::TRUE);
    assert_eq!(f.shader_shared_float64_atomic_add, vk::TRUE);
    assert_eq!(f.shader_image_float32_atomics, vk::TRUE);
    assert_eq!(f.shader_image_float32_atomic_add, vk::TRUE);
    let p = pipe(
        &vk,
        "float_atomic_sum",
        &[&[(0, DT::STORAGE_BUFFER)]],
        0,
        None,
    );
    let groups = 64u32;
    let buf = vk.buffer(16 + 4 * groups as u64, BU::STORAGE_BUFFER);
    buf.bytes()[..4].copy_from_slice(&1.5f32.to_le_bytes());
    buf.bytes()[8..16].copy_from_slice(&0.25f64.to_le_bytes());
    write_buffer(
        &vk,
        p.sets[0],
        0,
        DT::STORAGE_BUFFER,
        &buf,
        0,
        vk::WHOLE_SIZE,
    );
    vk.run(|cb| unsafe {
        p.bind(&vk, cb, &[]);
        vk.device.cmd_dispatch(cb, groups, 1, 1);
    });
    let b = buf.bytes();
    // Per workgroup: 4 times the sum of k / 8 for k < 16 = 4 * 15 = 60.
    let per_group = 60.0f32;
    let got = f32::from_le_bytes(b[..4].try_into().unwrap());
    assert_eq!(got, 1.5 + per_group * groups as f32);
    let got = f64::from_le_bytes(b[8..16].try_into().unwrap());
    assert_eq!(got, 0.25 + 2.0 * (per_group * groups as f32) as f64);
    for g in 0..groups as usize {
        let got = f32::from_le_bytes(b[16 + 4 * g..][..4].try_into().unwrap());
        assert_eq!(got, per_group, "workgroup {g}");
    }
    p.destroy(&vk);
    vk.destroy_buffer(buf);
}
