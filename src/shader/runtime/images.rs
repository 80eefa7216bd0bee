//! Storage images (OpTypeImage Sampled 2, Dim 1D/2D/3D/Cube): what the binding table holds for
//! them and the bounds-checked helpers JIT'd code calls for OpImageRead, OpImageWrite,
//! OpImageQuerySize and OpImageTexelPointer.
//!
//! A storage-image slot is a [`SlotDesc`] tagged [`TAG_IMAGE`] whose `ptr` points to an
//! [`ImageSlot`] the dispatch owns and whose `len` is 0 (so a shader that, invalidly, reads it as
//! a buffer or texel buffer sees an empty range). The image helpers accept only such slots (or
//! the null slot): anything else reads (0, 0, 0, 0) and drops writes.
//!
//! Coordinates arrive as `(x, y, z, layer)`: the lowering maps the shader's coordinate vector
//! onto them by the image's Dim and Arrayed (1D: x; 1D array: x, layer; 2D: x, y; 2D array and
//! cube (array): x, y, layer, where a cube's third coordinate is the face and a cube array's is
//! `face + 6 * cube`, "Cube Map Face Selection" for storage images; 3D: x, y, z). A texel is
//! in range when every coordinate is non-negative and below the view's extent / layer count
//! (Vulkan "Texel Coordinate Validation"); out-of-range reads give a zero texel converted with
//! the view's format (missing G, B = 0, A = 1: robustImageAccess2, one of the results
//! robustImageAccess allows), and writes are dropped. A null descriptor reads (0, 0, 0, 0). The
//! byte offset is checked once more against the view's span, so no access leaves the view's
//! subresources whatever the slot says.

use super::{Ctx, SlotDesc, to_bits};
use crate::format::{self, Texel};

/// [`SlotDesc::tag`] of a storage image slot.
pub(crate) const TAG_IMAGE: u32 = 1;

/// One mip level of a storage image view as the helpers address it: texel
/// `(x, y, z, layer)` is at byte
/// `layer * layer_pitch + z * depth_pitch + y * row_pitch + x * texel_stride` of `ptr .. + len`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ImageSlot {
    pub ptr: *mut u8,
    pub len: u64,
    /// `vk::Format` of the view, as i32.
    pub format: i32,
    pub extent: [u32; 3],
    pub layers: u32,
    pub row_pitch: u64,
    pub depth_pitch: u64,
    pub layer_pitch: u64,
    pub texel_stride: u64,
}

/// Shape codes passed to [`sv_image_size`]: `dim` (SPIR-V Dim: 0 1D, 1 2D, 2 3D, 3 Cube) plus
/// 4 when arrayed.
pub(crate) const SHAPE_ARRAYED: u32 = 4;

fn image_of(d: &SlotDesc) -> Option<(&ImageSlot, &'static format::FormatInfo)> {
    if d.tag != TAG_IMAGE || d.ptr.is_null() {
        return None;
    }
    // SAFETY: slots tagged TAG_IMAGE are made only by the dispatch, pointing to an ImageSlot it
    // owns for the whole dispatch.
    let s = unsafe { &*(d.ptr as *const ImageSlot) };
    let info = format::info(ash::vk::Format::from_raw(s.format))?;
    if info.bytes == 0 || info.bytes > 32 || s.ptr.is_null() {
        return None;
    }
    Some((s, info))
}

/// Byte offset of texel `(x, y, z, layer)`, if it is inside the view.
fn texel_offset(s: &ImageSlot, bytes: u32, x: i32, y: i32, z: i32, layer: i32) -> Option<usize> {
    let c = [x, y, z, layer];
    if c.iter().any(|&v| v < 0) {
        return None;
    }
    let [x, y, z, layer] = c.map(|v| v as u64);
    if x >= s.extent[0] as u64
        || y >= s.extent[1] as u64
        || z >= s.extent[2] as u64
        || layer >= s.layers as u64
    {
        return None;
    }
    let off = layer
        .checked_mul(s.layer_pitch)?
        .checked_add(z.checked_mul(s.depth_pitch)?)?
        .checked_add(y.checked_mul(s.row_pitch)?)?
        .checked_add(x.checked_mul(s.texel_stride)?)?;
    let end = off.checked_add(bytes as u64)?;
    (end <= s.len).then_some(off as usize)
}

/// OpImageRead of a storage image: texel `(x, y, z, layer)` decoded with the view's format into
/// `ctx.scratch` (zeros when out of range).
///
/// # Safety
/// `ctx` and `desc` point to live values; an image slot's memory is mapped for the dispatch.
pub(crate) unsafe extern "C" fn sv_image_read(
    ctx: *mut Ctx,
    desc: *const SlotDesc,
    x: i32,
    y: i32,
    z: i32,
    layer: i32,
    kind: u32,
) {
    // SAFETY: the caller passes its live context and a descriptor from the table.
    let (ctx, d) = unsafe { (&mut *ctx, &*desc) };
    ctx.scratch = [0; 4];
    let Some((s, info)) = image_of(d) else { return };
    let size = info.bytes as usize;
    let mut bytes = [0u8; 32];
    let Some(b) = bytes.get_mut(..size) else {
        return;
    };
    // Out of range: a zero texel through the format's conversion (robustImageAccess2: zeros
    // with (0, 0, 1) for missing G, B, A).
    if let Some(off) = texel_offset(s, info.bytes, x, y, z, layer) {
        // SAFETY: off + size <= len: inside the view's span; raw copy tolerates concurrent
        // writers.
        unsafe { std::ptr::copy(s.ptr.add(off), b.as_mut_ptr(), size) };
    }
    ctx.scratch = to_bits(format::decode(info.format, b), kind);
}

/// OpImageWrite of a storage image (dropped when out of range).
///
/// # Safety
/// As [`sv_image_read`].
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe extern "C" fn sv_image_write(
    desc: *const SlotDesc,
    x: i32,
    y: i32,
    z: i32,
    layer: i32,
    kind: u32,
    a: u32,
    b: u32,
    c: u32,
    e: u32,
) {
    // SAFETY: a descriptor from the table.
    let d = unsafe { &*desc };
    let Some((s, info)) = image_of(d) else { return };
    let Some(off) = texel_offset(s, info.bytes, x, y, z, layer) else {
        return;
    };
    let v = [a, b, c, e];
    let t = match kind {
        0 => Texel::Float(v.map(f32::from_bits)),
        1 => Texel::Sint(v.map(|x| x as i32)),
        _ => Texel::Uint(v),
    };
    let size = info.bytes as usize;
    let mut bytes = [0u8; 32];
    let Some(out) = bytes.get_mut(..size) else {
        return;
    };
    format::encode(info.format, t, out);
    // SAFETY: off + size <= len: inside the view's span.
    unsafe { std::ptr::copy(out.as_ptr(), s.ptr.add(off), size) };
}

/// OpImageQuerySize of a storage image: the components of the size for `shape` (see
/// [`SHAPE_ARRAYED`]) into `ctx.scratch`: width, then height (not 1D), then depth (3D) or the
/// layer count (arrayed; cube arrays count cubes: layers / 6). Zeros for an empty slot.
///
/// # Safety
/// As [`sv_image_read`].
pub(crate) unsafe extern "C" fn sv_image_size(ctx: *mut Ctx, desc: *const SlotDesc, shape: u32) {
    // SAFETY: the caller passes its live context and a descriptor from the table.
    let (ctx, d) = unsafe { (&mut *ctx, &*desc) };
    ctx.scratch = [0; 4];
    let Some((s, _)) = image_of(d) else { return };
    let arrayed = shape & SHAPE_ARRAYED != 0;
    let [w, h, depth] = s.extent;
    ctx.scratch = match (shape & 3, arrayed) {
        (0, false) => [w, 0, 0, 0],
        (0, true) => [w, s.layers, 0, 0],
        (2, _) => [w, h, depth, 0],
        (3, true) => [w, h, s.layers / 6, 0],
        (_, true) => [w, h, s.layers, 0],
        (_, false) => [w, h, 0, 0],
    };
}

/// OpImageTexelPointer of a storage image whose texels are `bytes` (4: R32_UINT / R32_SINT, 8:
/// R64_UINT / R64_SINT) long: the texel's address, or null when out of range or of another size
/// (the atomic on it is then dropped and returns 0).
///
/// # Safety
/// As [`sv_image_read`].
pub(crate) unsafe extern "C" fn sv_image_texel(
    desc: *const SlotDesc,
    x: i32,
    y: i32,
    z: i32,
    layer: i32,
    bytes: u32,
) -> *mut u8 {
    // SAFETY: a descriptor from the table.
    let d = unsafe { &*desc };
    let Some((s, info)) = image_of(d) else {
        return std::ptr::null_mut();
    };
    if info.bytes != bytes || !matches!(bytes, 4 | 8) {
        return std::ptr::null_mut();
    }
    match texel_offset(s, bytes, x, y, z, layer) {
        // SAFETY: off + bytes <= len: inside the view's span.
        Some(off) => unsafe { s.ptr.add(off) },
        None => std::ptr::null_mut(),
    }
}

/// OpImageRead of a 64-bit integer storage image: the 8-byte texel `(x, y, z, layer)` into
/// `ctx.scratch[0..2]` and its alpha, 1, into `ctx.scratch[2]` (all zeros when out of range,
/// as for other images, or when the view's texels are not 8 bytes).
///
/// # Safety
/// As [`sv_image_read`].
pub(crate) unsafe extern "C" fn sv_image_read64(
    ctx: *mut Ctx,
    desc: *const SlotDesc,
    x: i32,
    y: i32,
    z: i32,
    layer: i32,
) {
    // SAFETY: the caller passes its live context and a descriptor from the table.
    let (ctx, d) = unsafe { (&mut *ctx, &*desc) };
    ctx.scratch = [0; 4];
    let Some((s, info)) = image_of(d) else { return };
    if info.bytes != 8 {
        return;
    }
    let Some(off) = texel_offset(s, 8, x, y, z, layer) else {
        return;
    };
    let mut b = [0u8; 8];
    // SAFETY: off + 8 <= len: inside the view's span; raw copy tolerates concurrent writers.
    unsafe { std::ptr::copy(s.ptr.add(off), b.as_mut_ptr(), 8) };
    let v = u64::from_le_bytes(b);
    ctx.scratch[0] = v as u32;
    ctx.scratch[1] = (v >> 32) as u32;
    // The texel's alpha: 1 (what "Conversion to RGBA" adds to a one-component texel).
    ctx.scratch[2] = 1;
}

/// OpImageWrite of a 64-bit integer storage image (dropped when out of range or when the
/// view's texels are not 8 bytes).
///
/// # Safety
/// As [`sv_image_read`].
pub(crate) unsafe extern "C" fn sv_image_write64(
    desc: *const SlotDesc,
    x: i32,
    y: i32,
    z: i32,
    layer: i32,
    v: u64,
) {
    // SAFETY: a descriptor from the table.
    let d = unsafe { &*desc };
    let Some((s, info)) = image_of(d) else { return };
    if info.bytes != 8 {
        return;
    }
    let Some(off) = texel_offset(s, 8, x, y, z, layer) else {
        return;
    };
    // SAFETY: off + 8 <= len: inside the view's span.
    unsafe { std::ptr::copy(v.to_le_bytes().as_ptr(), s.ptr.add(off), 8) };
}

/// The image helpers JIT'd code may import, by name.
pub(crate) fn symbols() -> [(&'static str, *const u8); 6] {
    [
        ("sv_image_read", sv_image_read as *const u8),
        ("sv_image_write", sv_image_write as *const u8),
        ("sv_image_size", sv_image_size as *const u8),
        ("sv_image_texel", sv_image_texel as *const u8),
        ("sv_image_read64", sv_image_read64 as *const u8),
        ("sv_image_write64", sv_image_write64 as *const u8),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ash::vk;

    /// A 3x2 image of 2 layers, R32_UINT, rows padded to 16 bytes: one layer is 32 bytes.
    fn slot(mem: &mut [u8]) -> ImageSlot {
        ImageSlot {
            ptr: mem.as_mut_ptr(),
            len: mem.len() as u64,
            format: vk::Format::R32_UINT.as_raw(),
            extent: [3, 2, 1],
            layers: 2,
            row_pitch: 16,
            depth_pitch: 32,
            layer_pitch: 32,
            texel_stride: 4,
        }
    }

    fn desc(s: &ImageSlot, tag: u32) -> SlotDesc {
        SlotDesc {
            ptr: s as *const ImageSlot as *mut u8,
            len: 0,
            format: s.format,
            tag,
        }
    }

    #[test]
    fn texel_offsets_check_every_coordinate() {
        let mut mem = vec![0u8; 64];
        let s = slot(&mut mem);
        assert_eq!(texel_offset(&s, 4, 0, 0, 0, 0), Some(0));
        assert_eq!(texel_offset(&s, 4, 2, 1, 0, 1), Some(32 + 16 + 8));
        for (x, y, z, l) in [
            (3, 0, 0, 0),
            (0, 2, 0, 0),
            (0, 0, 1, 0),
            (0, 0, 0, 2),
            (-1, 0, 0, 0),
            (0, -1, 0, 0),
            (0, 0, -1, 0),
            (0, 0, 0, -1),
            (i32::MIN, 0, 0, 0),
            (i32::MAX, i32::MAX, i32::MAX, i32::MAX),
        ] {
            assert_eq!(texel_offset(&s, 4, x, y, z, l), None, "{x} {y} {z} {l}");
        }
        // A slot whose pitches claim more than its bytes: refused by the byte check.
        let short = ImageSlot { len: 40, ..s };
        assert_eq!(texel_offset(&short, 4, 2, 1, 0, 1), None);
        assert_eq!(texel_offset(&short, 4, 0, 0, 0, 1), Some(32));
        // Pitches whose products overflow u64.
        let huge = ImageSlot {
            layer_pitch: u64::MAX,
            ..s
        };
        assert_eq!(texel_offset(&huge, 4, 0, 0, 0, 1), None);
    }

    #[test]
    fn writes_and_texel_pointers_stay_in_range_and_need_an_image_slot() {
        let mut mem = vec![0u8; 64];
        let s = slot(&mut mem);
        let d = desc(&s, TAG_IMAGE);
        // SAFETY: `d` points to `s`, whose memory `mem` outlives the calls.
        unsafe {
            sv_image_write(&d, 1, 1, 0, 1, 2, 0xAABBCCDD, 0, 0, 0);
            sv_image_write(&d, 3, 0, 0, 0, 2, 7, 0, 0, 0);
            sv_image_write(&d, 0, 0, 0, 2, 2, 7, 0, 0, 0);
            sv_image_write(&d, -1, 0, 0, 0, 2, 7, 0, 0, 0);
            let p = sv_image_texel(&d, 2, 0, 0, 0, 4);
            assert_eq!(p, s.ptr.add(8));
            assert!(sv_image_texel(&d, 0, 0, 0, 2, 4).is_null());
            // Not tagged as an image (a buffer slot the shader reads as an image): nothing.
            let untagged = desc(&s, 0);
            sv_image_write(&untagged, 0, 0, 0, 0, 2, 9, 0, 0, 0);
            assert!(sv_image_texel(&untagged, 0, 0, 0, 0, 4).is_null());
            assert!(sv_image_texel(&SlotDesc::NULL, 0, 0, 0, 0, 4).is_null());
        }
        let mut want = vec![0u8; 64];
        want[32 + 16 + 4..32 + 16 + 8].copy_from_slice(&0xAABBCCDDu32.to_le_bytes());
        assert_eq!(mem, want);
        // An unknown format (UNDEFINED): nothing.
        let mut mem2 = vec![0u8; 64];
        let s2 = ImageSlot {
            format: vk::Format::UNDEFINED.as_raw(),
            ..slot(&mut mem2)
        };
        // SAFETY: as above.
        unsafe { sv_image_write(&desc(&s2, TAG_IMAGE), 0, 0, 0, 0, 2, 9, 0, 0, 0) };
        assert!(mem2.iter().all(|&b| b == 0));
    }
}
