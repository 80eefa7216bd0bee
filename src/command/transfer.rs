//! Transfer commands: copies, fills, updates, clears, blits and resolves.
//!
//! Every function checks its regions against the resources before touching memory and
//! returns an error (the executor reports it and skips the command) instead of reading or
//! writing outside a resource. Large operations are split across the pool by rows or slices;
//! each output byte is computed by exactly one piece of work from the inputs alone, so results
//! do not depend on the thread count.
//!
//! Block-compressed (BC) images: copies work in whole 4x4 blocks (`to_blocks` applies the
//! spec's alignment rules, partial blocks at mip edges included); copies between formats of
//! different block extents but the same block size (BC1 <-> R32G32_UINT) map one block to one
//! texel; blits read BC sources through the block decoder (`Texels::read`); BC images are
//! never cleared, resolved or blitted into (no such features are reported).

use crate::error::{Error, Result};
use crate::format::{self, Domain, Texel};
use crate::memory::Span;
use crate::resource::{Buffer, Image, MipLayout, Plane};
use ash::vk;

/// Rows are handed to the pool in groups once an operation moves at least this many bytes.
const PARALLEL_BYTES: u64 = 1 << 20;

pub(super) fn for_rows(rows: usize, bytes_per_row: u64, f: impl Fn(usize) + Send + Sync) {
    if rows as u64 * bytes_per_row >= PARALLEL_BYTES && rows > 1 {
        let per = ((64 << 10) / bytes_per_row.max(1)).max(1) as usize;
        let groups = rows.div_ceil(per);
        crate::exec::for_each(groups, |g| {
            for r in g * per..((g + 1) * per).min(rows) {
                f(r);
            }
        });
    } else {
        (0..rows).for_each(f);
    }
}

pub fn copy_buffer(src: &Buffer, dst: &Buffer, regions: &[vk::BufferCopy]) -> Result<()> {
    let mut pairs = Vec::with_capacity(regions.len());
    for r in regions {
        pairs.push((
            src.span(r.src_offset, r.size)?,
            dst.span(r.dst_offset, r.size)?,
        ));
    }
    for (s, d) in pairs {
        d.copy_from(&s);
    }
    Ok(())
}

pub fn fill_buffer(dst: &Buffer, offset: u64, size: u64, data: u32) -> Result<()> {
    let size = if size == vk::WHOLE_SIZE {
        dst.size().saturating_sub(offset) & !3
    } else {
        size
    };
    if !offset.is_multiple_of(4) || size % 4 != 0 {
        return Err(Error::invalid(format!(
            "fill offset {offset} and size {size} must be multiples of 4 \
             (VUID-vkCmdFillBuffer-dstOffset-00025, -size-00028)"
        )));
    }
    if size == 0 {
        return Ok(());
    }
    dst.span(offset, size)?.fill(&data.to_le_bytes());
    Ok(())
}

pub fn update_buffer(dst: &Buffer, offset: u64, data: &[u8]) -> Result<()> {
    dst.span(offset, data.len() as u64)?.write(0, data);
    Ok(())
}

/// The single aspects of a mask, in plane order.
fn aspects(mask: vk::ImageAspectFlags) -> impl Iterator<Item = vk::ImageAspectFlags> {
    [
        vk::ImageAspectFlags::COLOR,
        vk::ImageAspectFlags::DEPTH,
        vk::ImageAspectFlags::STENCIL,
    ]
    .into_iter()
    .filter(move |a| mask.contains(*a))
}

fn is_3d(image: &Image) -> bool {
    image.desc().image_type == vk::ImageType::TYPE_3D
}

/// (layer, z) of the `n` slices a region covers: z slices of a 3D image, layers otherwise.
fn slices(image: &Image, sub: &vk::ImageSubresourceLayers, z0: i32, n: u32) -> Vec<(u32, u32)> {
    if is_3d(image) {
        (0..n)
            .map(|s| (sub.base_array_layer, z0 as u32 + s))
            .collect()
    } else {
        (0..n).map(|s| (sub.base_array_layer + s, 0)).collect()
    }
}

/// How many slices a region covers in `image`, with all subresource checks.
fn region_slices(
    image: &Image,
    sub: &vk::ImageSubresourceLayers,
    offset: vk::Offset3D,
    extent: vk::Extent3D,
) -> Result<u32> {
    let layers = if sub.layer_count == vk::REMAINING_ARRAY_LAYERS {
        image
            .desc()
            .array_layers
            .saturating_sub(sub.base_array_layer)
    } else {
        sub.layer_count
    };
    image.check_subresource(sub.mip_level, sub.base_array_layer, layers)?;
    let me = crate::resource::mip_extent(image.desc().extent, sub.mip_level);
    let fits = |o: i32, e: u32, m: u32| o >= 0 && (o as u64 + e as u64) <= m as u64;
    if !fits(offset.x, extent.width, me.width)
        || !fits(offset.y, extent.height, me.height)
        || !fits(offset.z, extent.depth, me.depth)
    {
        return Err(Error::invalid(format!(
            "region offset ({}, {}, {}) extent {}x{}x{} is outside mip {} ({}x{}x{})",
            offset.x,
            offset.y,
            offset.z,
            extent.width,
            extent.height,
            extent.depth,
            sub.mip_level,
            me.width,
            me.height,
            me.depth
        )));
    }
    if is_3d(image) {
        if layers != 1 {
            return Err(Error::invalid("a 3D image region must have one layer"));
        }
        Ok(extent.depth)
    } else {
        if offset.z != 0 || extent.depth != 1 {
            return Err(Error::invalid(
                "a region of a non-3D image must have z offset 0 and depth 1",
            ));
        }
        Ok(layers)
    }
}

/// Texel block extent of an image's planes: [4, 4] for BC formats, [1, 1] otherwise (a
/// block-compressed image has one plane).
fn block_of(image: &Image) -> [u32; 2] {
    image.planes().first().map_or([1, 1], |p| p.block)
}

/// A region in texel block units: (x, y) offset and (width, height) extent, in blocks.
#[derive(Clone, Copy, Debug)]
struct Blocks {
    offset: [u64; 2],
    extent: [u32; 2],
}

/// The region `offset`/`extent` (texels, already checked to lie inside mip `mip`) in blocks of
/// `block`, by the rules of the spec's "Copying Data Between Buffers and Images" / "Copying
/// Data Between Images" for block-compressed images: offsets are multiples of the block
/// extent (VUID-vkCmdCopyBufferToImage-pRegions-07274/07275, VUID-VkImageCopy-srcOffset-*),
/// extents are multiples of it or reach the edge of the mip level (partial blocks at the
/// edge, VUID-vkCmdCopyBufferToImage-imageExtent-00207/00208).
fn to_blocks(
    image: &Image,
    mip: u32,
    offset: vk::Offset3D,
    extent: vk::Extent3D,
    block: [u32; 2],
) -> Result<Blocks> {
    let me = crate::resource::mip_extent(image.desc().extent, mip);
    let axes = [
        (offset.x as u32, extent.width, me.width, block[0], "x"),
        (offset.y as u32, extent.height, me.height, block[1], "y"),
    ];
    for (o, e, m, b, name) in axes {
        if o % b != 0 || (e % b != 0 && o + e != m) {
            return Err(Error::invalid(format!(
                "region {name} offset {o} extent {e} of {:?} mip {mip} ({m} texels) is not \
                 aligned to its {b}-texel blocks (offsets multiples of the block, extents \
                 multiples of it or reaching the edge: VUID-vkCmdCopyBufferToImage-pRegions-07274, \
                 VUID-vkCmdCopyBufferToImage-imageExtent-00207)",
                image.format()
            )));
        }
    }
    Ok(Blocks {
        offset: [
            (offset.x as u32 / block[0]) as u64,
            (offset.y as u32 / block[1]) as u64,
        ],
        extent: [
            extent.width.div_ceil(block[0]),
            extent.height.div_ceil(block[1]),
        ],
    })
}

fn pixel_bytes(image: &Image, plane: &Plane) -> u64 {
    plane.texel_bytes as u64 * image.samples() as u64
}

fn texel_offset(m: &MipLayout, pixel: u64, x: u64, y: u64, z: u64) -> u64 {
    z * m.depth_pitch + y * m.row_pitch + x * pixel
}

/// vkCmdCopyImage. `extent` is in source texels; between formats of different block extents
/// (size-compatible copies such as BC1 <-> R32G32_UINT, "Copying Data Between Images") the
/// destination region covers the same number of blocks, its texel extent scaled by the
/// destination's block extent (clamped to a partial block at the destination's edge).
pub fn copy_image(src: &Image, dst: &Image, regions: &[vk::ImageCopy]) -> Result<()> {
    let (sb, db) = (block_of(src), block_of(dst));
    for r in regions {
        if src.samples() != dst.samples() {
            return Err(Error::invalid(
                "vkCmdCopyImage between images of different sample counts",
            ));
        }
        // A 3D image covers extent.depth slices; a 2D array covers its layers (depth 1).
        let flat = |img: &Image, e: vk::Extent3D| vk::Extent3D {
            depth: if is_3d(img) { e.depth } else { 1 },
            ..e
        };
        let n = region_slices(src, &r.src_subresource, r.src_offset, flat(src, r.extent))?;
        let sblocks = to_blocks(src, r.src_subresource.mip_level, r.src_offset, r.extent, sb)?;
        // The destination's texel extent: the same blocks in its block extent.
        let dme = crate::resource::mip_extent(dst.desc().extent, r.dst_subresource.mip_level);
        let scaled = |blocks: u32, b: u32, o: i32, m: u32| {
            let w = blocks * b;
            let room = (m as i64 - o as i64).max(0) as u32;
            if w > room && w - room < b { room } else { w }
        };
        let dst_extent = vk::Extent3D {
            width: scaled(sblocks.extent[0], db[0], r.dst_offset.x, dme.width),
            height: scaled(sblocks.extent[1], db[1], r.dst_offset.y, dme.height),
            depth: r.extent.depth,
        };
        let dn = region_slices(dst, &r.dst_subresource, r.dst_offset, flat(dst, dst_extent))?;
        if dn != n {
            return Err(Error::invalid(format!(
                "vkCmdCopyImage region covers {n} source slices but {dn} destination slices"
            )));
        }
        let dblocks = to_blocks(
            dst,
            r.dst_subresource.mip_level,
            r.dst_offset,
            dst_extent,
            db,
        )?;
        debug_assert_eq!(sblocks.extent, dblocks.extent);
        let [bw, bh] = sblocks.extent;
        for aspect in aspects(r.src_subresource.aspect_mask) {
            let sp = src.plane(aspect)?;
            let dp = dst.plane(aspect).or_else(|_| {
                // Color views of compatible formats: the destination's only plane.
                dst.planes()
                    .first()
                    .ok_or_else(|| Error::invalid("no destination plane"))
            })?;
            if sp.texel_bytes != dp.texel_bytes {
                return Err(Error::invalid(format!(
                    "vkCmdCopyImage between formats of different texel block sizes ({:?}, {:?})",
                    src.format(),
                    dst.format()
                )));
            }
            let pixel = pixel_bytes(src, sp);
            let sm = &sp.mips[r.src_subresource.mip_level as usize];
            let dm = &dp.mips[r.dst_subresource.mip_level as usize];
            let ss = slices(src, &r.src_subresource, r.src_offset.z, n);
            let ds = slices(dst, &r.dst_subresource, r.dst_offset.z, n);
            let row = bw as u64 * pixel;
            let rows = (n * bh) as usize;
            let mut spans = Vec::with_capacity(n as usize);
            for s in 0..n as usize {
                spans.push((
                    src.layer_span(sp, r.src_subresource.mip_level, ss[s].0)?,
                    dst.layer_span(dp, r.dst_subresource.mip_level, ds[s].0)?,
                ));
            }
            for_rows(rows, row, |i| {
                let s = i / bh as usize;
                let y = (i % bh as usize) as u64;
                let (sspan, dspan) = &spans[s];
                let so = texel_offset(
                    sm,
                    pixel,
                    sblocks.offset[0],
                    sblocks.offset[1] + y,
                    ss[s].1 as u64,
                );
                let d_o = texel_offset(
                    dm,
                    pixel,
                    dblocks.offset[0],
                    dblocks.offset[1] + y,
                    ds[s].1 as u64,
                );
                let from = sspan
                    .sub(so as usize, row as usize)
                    .expect("checked region");
                let to = dspan
                    .sub(d_o as usize, row as usize)
                    .expect("checked region");
                to.copy_from(&from);
            });
        }
    }
    Ok(())
}

/// Copies between a buffer and an image; `to_image` chooses the direction.
pub fn copy_buffer_image(
    buffer: &Buffer,
    image: &Image,
    regions: &[vk::BufferImageCopy],
    to_image: bool,
) -> Result<()> {
    for r in regions {
        if image.samples() != 1 {
            return Err(Error::invalid(
                "buffer/image copies need a single-sampled image (VUID-vkCmdCopyBufferToImage-dstImage-07973)",
            ));
        }
        let mask = r.image_subresource.aspect_mask;
        if mask.as_raw().count_ones() != 1 {
            return Err(Error::invalid(format!(
                "a buffer/image copy names exactly one aspect, not {mask:?}"
            )));
        }
        let n = region_slices(image, &r.image_subresource, r.image_offset, r.image_extent)?;
        let plane = image.plane(mask)?;
        let texel = plane.texel_bytes as u64;
        let e = r.image_extent;
        let block = plane.block;
        // Block-compressed images copy whole blocks: the region and the buffer's row length
        // and image height are in texels, multiples of the block extent (or reaching the
        // mip's edge), and the buffer holds rows of blocks ("Copying Data Between Buffers and
        // Images": addressing for blocked formats; VUID-VkBufferImageCopy-bufferRowLength-09106,
        // -bufferImageHeight-09107, VUID-vkCmdCopyBufferToImage-dstImage-07975 for the offset).
        let b = to_blocks(
            image,
            r.image_subresource.mip_level,
            r.image_offset,
            e,
            block,
        )?;
        if block != [1, 1]
            && (!r.buffer_row_length.is_multiple_of(block[0])
                || !r.buffer_image_height.is_multiple_of(block[1])
                || !r.buffer_offset.is_multiple_of(texel))
        {
            return Err(Error::invalid(format!(
                "bufferRowLength {} / bufferImageHeight {} / bufferOffset {} are not multiples of \
                 {:?}'s {}x{} texel blocks of {texel} bytes (VUID-VkBufferImageCopy-bufferRowLength-09106, \
                 VUID-VkBufferImageCopy-bufferImageHeight-09107, VUID-vkCmdCopyBufferToImage-dstImage-07975)",
                r.buffer_row_length,
                r.buffer_image_height,
                r.buffer_offset,
                image.format(),
                block[0],
                block[1]
            )));
        }
        let [width, height] = b.extent;
        let row_length = if r.buffer_row_length == 0 {
            e.width
        } else {
            r.buffer_row_length
        };
        let image_height = if r.buffer_image_height == 0 {
            e.height
        } else {
            r.buffer_image_height
        };
        if row_length < e.width || image_height < e.height {
            return Err(Error::invalid(
                "bufferRowLength/bufferImageHeight smaller than the image extent",
            ));
        }
        let row_length = row_length.div_ceil(block[0]) as u64;
        let image_height = image_height.div_ceil(block[1]) as u64;
        let row = width as u64 * texel;
        let buffer_bytes =
            ((n as u64 - 1) * image_height + (height as u64 - 1)) * row_length * texel + row;
        let bspan = buffer.span(r.buffer_offset, buffer_bytes)?;
        let m = &plane.mips[r.image_subresource.mip_level as usize];
        let sl = slices(image, &r.image_subresource, r.image_offset.z, n);
        let mut spans = Vec::with_capacity(n as usize);
        for s in &sl {
            spans.push(image.layer_span(plane, r.image_subresource.mip_level, s.0)?);
        }
        let rows = (n * height) as usize;
        for_rows(rows, row, |i| {
            let s = i / height as usize;
            let y = (i % height as usize) as u64;
            let io = texel_offset(m, texel, b.offset[0], b.offset[1] + y, sl[s].1 as u64);
            let bo = (s as u64 * image_height + y) * row_length * texel;
            let ispan = spans[s]
                .sub(io as usize, row as usize)
                .expect("checked region");
            let b = bspan
                .sub(bo as usize, row as usize)
                .expect("checked region");
            if to_image {
                ispan.copy_from(&b);
            } else {
                b.copy_from(&ispan);
            }
        });
    }
    Ok(())
}

/// Fills `rows` rows of `width` pixels from (x0, y0) of one layer's `span` with `pixel` (one
/// pixel: a texel per sample). Rows run on through depth slices (`depth_pitch` is
/// `height * row_pitch`), so a whole subresource is one call. Whole rows are one contiguous fill.
pub(super) fn fill_rows(
    span: &Span<'_>,
    m: &MipLayout,
    pixel: &[u8],
    (x0, y0): (u64, u64),
    width: u64,
    rows: u64,
) {
    let row = width * pixel.len() as u64;
    if x0 == 0 && row == m.row_pitch {
        span.sub((y0 * m.row_pitch) as usize, (row * rows) as usize)
            .expect("rows inside the subresource")
            .fill(pixel);
        return;
    }
    for_rows(rows as usize, row, |i| {
        let o = (y0 + i as u64) * m.row_pitch + x0 * pixel.len() as u64;
        span.sub(o as usize, row as usize)
            .expect("rows inside the subresource")
            .fill(pixel);
    });
}

/// Fills every texel of the ranges' `aspect` plane with `texel` (one encoded texel).
fn fill_ranges(
    image: &Image,
    aspect: vk::ImageAspectFlags,
    texel: &[u8],
    ranges: &[vk::ImageSubresourceRange],
) -> Result<()> {
    let plane = image.plane(aspect)?;
    let pixel: Vec<u8> = texel.repeat(image.samples() as usize);
    for r in ranges {
        if !r.aspect_mask.contains(aspect) {
            continue;
        }
        let (mip0, levels, layer0, layers) = image.resolve_range(r)?;
        for mip in mip0..mip0 + levels {
            let m = &plane.mips[mip as usize];
            let rows = m.extent.height as u64 * m.extent.depth as u64;
            for layer in layer0..layer0 + layers {
                let span = image.layer_span(plane, mip, layer)?;
                fill_rows(&span, m, &pixel, (0, 0), m.extent.width as u64, rows);
            }
        }
    }
    Ok(())
}

/// The texel a VkClearColorValue's bits mean for color format `info` (spec "Clear Values",
/// VkClearColorValue): formats of a floating-point numeric type take `float32` (converted by the
/// codec: clamped and rounded for UNORM/SNORM, sRGB-encoded, ...); UINT formats take `uint32`
/// "cast to the integer type with fewer bits", i.e. its low bits; SINT formats take `int32`
/// cast the same way (low bits, sign-extended: in-range negative values stay negative; values
/// the component cannot represent are undefined by the spec). 64-bit formats do not go through
/// a `Texel`: see [`clear_color_bytes`].
pub(super) fn color_texel(info: &format::FormatInfo, bits: [u32; 4]) -> Texel {
    let width = |i: usize| match info.bits[i] as u32 {
        0 | 32.. => 32,
        b => b,
    };
    match info.domain {
        Domain::Float => Texel::Float(bits.map(f32::from_bits)),
        Domain::Uint => Texel::Uint(std::array::from_fn(|i| {
            bits[i] & (u32::MAX >> (32 - width(i)))
        })),
        Domain::Sint => Texel::Sint(std::array::from_fn(|i| {
            let shift = 32 - width(i);
            ((bits[i] << shift) as i32) >> shift
        })),
    }
}

/// One texel of color format `format` cleared to the VkClearColorValue `bits`.
///
/// 64-bit formats follow the spec's rule for them (VkClearColorValue): "the first 2 array
/// elements of each of the arrays are reinterpreted as a single 64-bit element for the R
/// component. The next 2 array elements are used in the same way for the G component", i.e.
/// the union is read as `uint64[2]` / `int64[2]` / `float64[2]` and stored bit for bit. The
/// spec gives no value for B and A of R64G64B64(A64): they are cleared to zero.
pub(super) fn clear_color_bytes(format: vk::Format, bits: [u32; 4]) -> Result<Vec<u8>> {
    let info = format::info(format)
        .ok_or_else(|| Error::unsupported_format("image format has no texel codec"))?;
    let mut bytes = vec![0u8; info.bytes as usize];
    if info.wide {
        for c in 0..(info.components as usize).min(2) {
            let v = bits[2 * c] as u64 | (bits[2 * c + 1] as u64) << 32;
            bytes[8 * c..8 * c + 8].copy_from_slice(&v.to_le_bytes());
        }
    } else {
        format::encode(format, color_texel(info, bits), &mut bytes);
    }
    Ok(bytes)
}

/// The texel a depth or stencil clear value means for `aspect`.
pub(super) fn depth_stencil_texel(
    aspect: vk::ImageAspectFlags,
    depth: f32,
    stencil: u32,
) -> Result<Texel> {
    if aspect != vk::ImageAspectFlags::DEPTH {
        return Ok(Texel::Uint([stencil & 0xFF, 0, 0, 1]));
    }
    if !(0.0..=1.0).contains(&depth) {
        return Err(Error::invalid(format!(
            "depth clear value {depth} is outside [0, 1] \
             (VUID-VkClearDepthStencilValue-depth-00022)"
        )));
    }
    Ok(Texel::Float([depth, 0.0, 0.0, 1.0]))
}

pub fn clear_color(
    image: &Image,
    color: [u32; 4],
    ranges: &[vk::ImageSubresourceRange],
) -> Result<()> {
    let info = format::info(image.format())
        .ok_or_else(|| Error::unsupported_format("image format has no texel codec"))?;
    if !info.aspects.contains(vk::ImageAspectFlags::COLOR) {
        return Err(Error::invalid(
            "vkCmdClearColorImage on a depth/stencil image (VUID-vkCmdClearColorImage-image-00007)",
        ));
    }
    let bytes = clear_color_bytes(image.format(), color)?;
    fill_ranges(image, vk::ImageAspectFlags::COLOR, &bytes, ranges)
}

pub fn clear_depth_stencil(
    image: &Image,
    depth: f32,
    stencil: u32,
    ranges: &[vk::ImageSubresourceRange],
) -> Result<()> {
    for aspect in [vk::ImageAspectFlags::DEPTH, vk::ImageAspectFlags::STENCIL] {
        if !ranges.iter().any(|r| r.aspect_mask.contains(aspect)) {
            continue;
        }
        let plane = image.plane(aspect)?;
        let value = depth_stencil_texel(aspect, depth, stencil)?;
        let mut bytes = vec![0u8; plane.texel_bytes as usize];
        format::encode(plane.format, value, &mut bytes);
        fill_ranges(image, aspect, &bytes, ranges)?;
    }
    Ok(())
}

/// The texels of one (plane, mip level, layer) subresource, read and written in `format` (the
/// plane's, or a compatible view format).
pub(super) struct Texels<'a> {
    pub span: Span<'a>,
    pub plane: &'a Plane,
    pub format: vk::Format,
    pub mip: &'a MipLayout,
    pub samples: u32,
}

impl Texels<'_> {
    fn offset(&self, x: u32, y: u32, z: u32, s: u32) -> usize {
        let tb = self.plane.texel_bytes as u64;
        (texel_offset(
            self.mip,
            tb * self.samples as u64,
            x as u64,
            y as u64,
            z as u64,
        ) + s as u64 * tb) as usize
    }

    /// Texel (x, y, z), sample `s`, as stored.
    pub fn raw(&self, x: u32, y: u32, z: u32, s: u32) -> [u8; 16] {
        let tb = self.plane.texel_bytes as usize;
        let mut buf = [0u8; 16];
        self.span.read(self.offset(x, y, z, s), &mut buf[..tb]);
        buf
    }

    /// Stores `raw` (as [`Texels::raw`] gives it) into texel (x, y, z), sample 0.
    pub fn write_raw(&self, x: u32, y: u32, z: u32, raw: &[u8; 16]) {
        let tb = self.plane.texel_bytes as usize;
        self.span.write(self.offset(x, y, z, 0), &raw[..tb]);
    }

    /// Texel (x, y, z), sample `s`, decoded (block-compressed planes: texel (x % 4, y % 4)
    /// of block (x / 4, y / 4), through the block decoder).
    pub fn read(&self, x: u32, y: u32, z: u32, s: u32) -> Texel {
        let tb = self.plane.texel_bytes as usize;
        let [bw, bh] = self.plane.block;
        if [bw, bh] != [1, 1] {
            let raw = self.raw(x / bw, y / bh, z, s);
            let t = format::bc::decode_texel(self.format, &raw[..tb], x % bw, y % bh);
            return Texel::Float(t);
        }
        format::decode(self.format, &self.raw(x, y, z, s)[..tb])
    }

    /// Encodes `t` into texel (x, y, z) (sample 0).
    pub fn write(&self, x: u32, y: u32, z: u32, t: Texel) {
        let mut buf = [0u8; 16];
        let tb = self.plane.texel_bytes as usize;
        format::encode(self.format, t, &mut buf[..tb]);
        self.write_raw(x, y, z, &buf);
    }

    /// Resolves the samples of pixel (x, y) with `mode` into pixel (dx, dy) of `to`:
    /// SAMPLE_ZERO copies sample 0's bits; AVERAGE sums the samples in sample order (the same
    /// result on every run) and divides (integer formats take sample 0, the only meaningful
    /// choice); MIN and MAX work per component.
    pub fn resolve_into(
        &self,
        to: &Texels<'_>,
        (x, y): (u32, u32),
        (dx, dy): (u32, u32),
        mode: vk::ResolveModeFlags,
    ) {
        type M = vk::ResolveModeFlags;
        let n = self.samples;
        if mode == M::SAMPLE_ZERO || n == 1 {
            to.write_raw(dx, dy, 0, &self.raw(x, y, 0, 0));
            return;
        }
        let first = self.read(x, y, 0, 0);
        let t = match first {
            Texel::Float(mut acc) => {
                for s in 1..n {
                    if let Texel::Float(f) = self.read(x, y, 0, s) {
                        for (a, v) in acc.iter_mut().zip(f) {
                            *a = match mode {
                                M::MIN => a.min(v),
                                M::MAX => a.max(v),
                                _ => *a + v,
                            };
                        }
                    }
                }
                if mode == M::AVERAGE {
                    acc = acc.map(|c| c / n as f32);
                }
                Texel::Float(acc)
            }
            Texel::Uint(mut acc) if mode == M::MIN || mode == M::MAX => {
                for s in 1..n {
                    if let Texel::Uint(u) = self.read(x, y, 0, s) {
                        min_max(&mut acc, u, mode == M::MIN);
                    }
                }
                Texel::Uint(acc)
            }
            Texel::Sint(mut acc) if mode == M::MIN || mode == M::MAX => {
                for s in 1..n {
                    if let Texel::Sint(v) = self.read(x, y, 0, s) {
                        min_max(&mut acc, v, mode == M::MIN);
                    }
                }
                Texel::Sint(acc)
            }
            _ => {
                to.write_raw(dx, dy, 0, &self.raw(x, y, 0, 0));
                return;
            }
        };
        to.write(dx, dy, 0, t);
    }
}

/// Component-wise min (or max) of `acc` and `v` into `acc`.
fn min_max<T: Ord + Copy>(acc: &mut [T; 4], v: [T; 4], min: bool) {
    for (a, v) in acc.iter_mut().zip(v) {
        *a = if min { (*a).min(v) } else { (*a).max(v) };
    }
}

/// The blit source: texels decoded once into a cache when the region a blit reads is not
/// larger than the reads it would do texel by texel, otherwise decoded at each read.
struct Source<'a> {
    texels: Texels<'a>,
    /// (decoded texels, origin x/y/z, box width/height/depth)
    cache: Option<(Vec<Texel>, [u32; 3], [u32; 3])>,
}

impl<'a> Source<'a> {
    /// `lo..hi` per axis is every coordinate a blit can read; `reads` how many reads it makes.
    fn new(texels: Texels<'a>, lo: [u32; 3], hi: [u32; 3], reads: u64) -> Self {
        let size = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
        let count = size[0] as u64 * size[1] as u64 * size[2] as u64;
        let cache = (count > 0 && count <= reads).then(|| {
            let mut v = vec![Texel::Float([0.0; 4]); count as usize];
            let row = size[0] as usize;
            crate::exec::fill_chunks(&mut v, row * 16, |first, chunk| {
                for (k, t) in chunk.iter_mut().enumerate() {
                    let i = first + k;
                    let (x, rest) = (i % row, i / row);
                    let (y, z) = (rest % size[1] as usize, rest / size[1] as usize);
                    *t = texels.read(lo[0] + x as u32, lo[1] + y as u32, lo[2] + z as u32, 0);
                }
            });
            (v, lo, size)
        });
        Source { texels, cache }
    }

    fn read(&self, x: u32, y: u32, z: u32) -> Texel {
        if let Some((v, lo, size)) = &self.cache {
            let (cx, cy, cz) = (
                x.wrapping_sub(lo[0]),
                y.wrapping_sub(lo[1]),
                z.wrapping_sub(lo[2]),
            );
            if cx < size[0] && cy < size[1] && cz < size[2] {
                return v[((cz * size[1] + cy) * size[0] + cx) as usize];
            }
        }
        self.texels.read(x, y, z, 0)
    }
}

/// Source coordinate sampled for destination texel `i` along one axis (spec "Image Blits").
fn blit_coord(i: i32, d0: i32, d1: i32, s0: i32, s1: i32) -> f32 {
    let scale = (s1 - s0) as f32 / (d1 - d0) as f32;
    s0 as f32 + (i as f32 + 0.5 - d0 as f32) * scale
}

fn lerp(a: [f32; 4], b: [f32; 4], t: f32) -> [f32; 4] {
    std::array::from_fn(|k| a[k] + (b[k] - a[k]) * t)
}

pub fn blit_image(
    src: &Image,
    dst: &Image,
    regions: &[vk::ImageBlit],
    filter: vk::Filter,
) -> Result<()> {
    if src.samples() != 1 || dst.samples() != 1 {
        return Err(Error::invalid("vkCmdBlitImage needs single-sampled images"));
    }
    // Block-compressed sources decode through the block decoder (`Texels::read`); they are not
    // destinations (no BLIT_DST: VUID-vkCmdBlitImage-dstImage-02000).
    let sinfo = format::info(src.format())
        .or_else(|| format::bc::texel_info(src.format()))
        .ok_or_else(|| Error::unsupported_format("source format"))?;
    let dinfo = format::info(dst.format()).ok_or_else(|| {
        Error::unsupported_format(format!(
            "{:?} is not a blit destination format",
            dst.format()
        ))
    })?;
    if sinfo.wide || dinfo.wide {
        return Err(Error::invalid(
            "64-bit formats cannot be blitted (no BLIT feature is reported)",
        ));
    }
    let ds = sinfo.aspects.contains(vk::ImageAspectFlags::COLOR);
    if !ds && src.format() != dst.format() {
        return Err(Error::invalid(
            "depth/stencil blits need identical formats (VUID-vkCmdBlitImage-srcImage-00231)",
        ));
    }
    if sinfo.domain != dinfo.domain {
        return Err(Error::invalid(format!(
            "vkCmdBlitImage between {:?} and {:?}: integer formats blit only to the same signedness",
            src.format(),
            dst.format()
        )));
    }
    let linear = filter == vk::Filter::LINEAR;
    if linear && (sinfo.domain != Domain::Float || !ds) {
        return Err(Error::invalid(
            "a LINEAR blit needs a float-domain color source (VUID-vkCmdBlitImage-filter-02001)",
        ));
    }
    if filter != vk::Filter::LINEAR && filter != vk::Filter::NEAREST {
        return Err(Error::invalid(format!(
            "blit filter {filter:?} is not supported"
        )));
    }
    for r in regions {
        let (s0, s1, d0, d1) = (
            r.src_offsets[0],
            r.src_offsets[1],
            r.dst_offsets[0],
            r.dst_offsets[1],
        );
        let span_of = |a: i32, b: i32| (a.min(b), (a - b).unsigned_abs());
        let sext = vk::Extent3D {
            width: span_of(s0.x, s1.x).1,
            height: span_of(s0.y, s1.y).1,
            depth: span_of(s0.z, s1.z).1,
        };
        let dext = vk::Extent3D {
            width: span_of(d0.x, d1.x).1,
            height: span_of(d0.y, d1.y).1,
            depth: span_of(d0.z, d1.z).1,
        };
        if sext.width == 0
            || sext.height == 0
            || sext.depth == 0
            || dext.width == 0
            || dext.height == 0
            || dext.depth == 0
        {
            continue; // an empty region blits nothing
        }
        let smin = vk::Offset3D {
            x: s0.x.min(s1.x),
            y: s0.y.min(s1.y),
            z: s0.z.min(s1.z),
        };
        let dmin = vk::Offset3D {
            x: d0.x.min(d1.x),
            y: d0.y.min(d1.y),
            z: d0.z.min(d1.z),
        };
        let n = region_slices(src, &r.src_subresource, smin, sext)?;
        let dn = region_slices(dst, &r.dst_subresource, dmin, dext)?;
        let layers = if is_3d(src) { 1 } else { n };
        if !is_3d(src) && !is_3d(dst) && n != dn {
            return Err(Error::invalid("blit regions have different layer counts"));
        }
        for aspect in aspects(r.src_subresource.aspect_mask) {
            let sp = src.plane(aspect)?;
            let dp = dst.plane(aspect)?;
            let smip = r.src_subresource.mip_level;
            let dmip = r.dst_subresource.mip_level;
            let sm = &sp.mips[smip as usize];
            let dm = &dp.mips[dmip as usize];
            for l in 0..layers {
                let texels = Texels {
                    span: src.layer_span(sp, smip, r.src_subresource.base_array_layer + l)?,
                    format: sp.format,
                    plane: sp,
                    mip: sm,
                    samples: 1,
                };
                let to = Texels {
                    span: dst.layer_span(dp, dmip, r.dst_subresource.base_array_layer + l)?,
                    format: dp.format,
                    plane: dp,
                    mip: dm,
                    samples: 1,
                };
                let depth = if is_3d(dst) { dext.depth } else { 1 };
                // Every coordinate the filter can read (one texel of margin for LINEAR).
                let margin = linear as u32;
                let lo =
                    [smin.x as u32, smin.y as u32, smin.z as u32].map(|c| c.saturating_sub(margin));
                let hi = [
                    (smin.x as u32 + sext.width + margin).min(sm.extent.width),
                    (smin.y as u32 + sext.height + margin).min(sm.extent.height),
                    if is_3d(src) {
                        (smin.z as u32 + sext.depth + margin).min(sm.extent.depth)
                    } else {
                        1
                    },
                ];
                let taps = if !linear {
                    1
                } else if is_3d(src) {
                    8
                } else {
                    4
                };
                let reads = dext.width as u64 * dext.height as u64 * depth as u64 * taps;
                let from = Source::new(
                    texels,
                    if is_3d(src) { lo } else { [lo[0], lo[1], 0] },
                    hi,
                    reads,
                );
                let rows = (depth * dext.height) as usize;
                let clamp = |v: i32, max: u32| v.clamp(0, max as i32 - 1) as u32;
                for_rows(rows, dext.width as u64 * dp.texel_bytes as u64 * 8, |row| {
                    let zi = dmin.z + (row / dext.height as usize) as i32;
                    let yi = dmin.y + (row % dext.height as usize) as i32;
                    let v = blit_coord(yi, d0.y, d1.y, s0.y, s1.y);
                    let w = if is_3d(src) {
                        blit_coord(zi, d0.z, d1.z, s0.z, s1.z)
                    } else {
                        0.5
                    };
                    for xi in dmin.x..dmin.x + dext.width as i32 {
                        let u = blit_coord(xi, d0.x, d1.x, s0.x, s1.x);
                        let t = if linear {
                            let (x0, fx) = ((u - 0.5).floor(), (u - 0.5) - (u - 0.5).floor());
                            let (y0, fy) = ((v - 0.5).floor(), (v - 0.5) - (v - 0.5).floor());
                            let (z0, fz) = ((w - 0.5).floor(), (w - 0.5) - (w - 0.5).floor());
                            let fetch = |dx: i32, dy: i32, dz: i32| -> [f32; 4] {
                                let x = clamp(x0 as i32 + dx, sm.extent.width);
                                let y = clamp(y0 as i32 + dy, sm.extent.height);
                                let z = clamp(z0 as i32 + dz, sm.extent.depth);
                                match from.read(x, y, z) {
                                    Texel::Float(f) => f,
                                    _ => [0.0; 4],
                                }
                            };
                            let plane_at = |dz: i32| {
                                lerp(
                                    lerp(fetch(0, 0, dz), fetch(1, 0, dz), fx),
                                    lerp(fetch(0, 1, dz), fetch(1, 1, dz), fx),
                                    fy,
                                )
                            };
                            let c = if is_3d(src) {
                                lerp(plane_at(0), plane_at(1), fz)
                            } else {
                                plane_at(0)
                            };
                            Texel::Float(c)
                        } else {
                            let x = clamp(u.floor() as i32, sm.extent.width);
                            let y = clamp(v.floor() as i32, sm.extent.height);
                            let z = clamp(w.floor() as i32, sm.extent.depth);
                            from.read(x, y, z)
                        };
                        let dz = if is_3d(dst) { zi as u32 } else { 0 };
                        to.write(xi as u32, yi as u32, dz, t);
                    }
                });
            }
        }
    }
    Ok(())
}

pub fn resolve_image(src: &Image, dst: &Image, regions: &[vk::ImageResolve]) -> Result<()> {
    if src.samples() <= 1 || dst.samples() != 1 {
        return Err(Error::invalid(
            "vkCmdResolveImage needs a multisampled source and a single-sampled destination",
        ));
    }
    if src.format() != dst.format() {
        return Err(Error::invalid(
            "vkCmdResolveImage needs identical formats (VUID-vkCmdResolveImage-srcImage-01386)",
        ));
    }
    let info = format::info(src.format()).ok_or_else(|| Error::unsupported_format("format"))?;
    if !info.aspects.contains(vk::ImageAspectFlags::COLOR) || info.wide {
        return Err(Error::invalid("vkCmdResolveImage resolves color images"));
    }
    let samples = src.samples();
    for r in regions {
        let n = region_slices(src, &r.src_subresource, r.src_offset, r.extent)?;
        let dn = region_slices(dst, &r.dst_subresource, r.dst_offset, r.extent)?;
        if n != dn {
            return Err(Error::invalid(
                "resolve regions have different layer counts",
            ));
        }
        let sp = src.plane(vk::ImageAspectFlags::COLOR)?;
        let dp = dst.plane(vk::ImageAspectFlags::COLOR)?;
        let sm = &sp.mips[r.src_subresource.mip_level as usize];
        let dm = &dp.mips[r.dst_subresource.mip_level as usize];
        for l in 0..n {
            let from = Texels {
                format: sp.format,
                span: src.layer_span(
                    sp,
                    r.src_subresource.mip_level,
                    r.src_subresource.base_array_layer + l,
                )?,
                plane: sp,
                mip: sm,
                samples,
            };
            let to = Texels {
                format: dp.format,
                span: dst.layer_span(
                    dp,
                    r.dst_subresource.mip_level,
                    r.dst_subresource.base_array_layer + l,
                )?,
                plane: dp,
                mip: dm,
                samples: 1,
            };
            let row_bytes = r.extent.width as u64 * sp.texel_bytes as u64 * samples as u64;
            for_rows(r.extent.height as usize, row_bytes, |y| {
                let (sy, dy) = (
                    r.src_offset.y as u32 + y as u32,
                    r.dst_offset.y as u32 + y as u32,
                );
                for x in 0..r.extent.width {
                    // Float formats: the average of the samples; integer formats: sample 0.
                    from.resolve_into(
                        &to,
                        (r.src_offset.x as u32 + x, sy),
                        (r.dst_offset.x as u32 + x, dy),
                        vk::ResolveModeFlags::AVERAGE,
                    );
                }
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{DeviceMemory, Heap};
    use crate::resource::ImageDesc;
    use std::sync::Arc;

    /// VkClearColorValue: UINT/SINT take the low bits of the 32-bit value ("casting to the
    /// integer type with fewer bits"); 64-bit formats read two words per component.
    #[test]
    fn clear_values_follow_the_union_rules() {
        let c = |f, bits| clear_color_bytes(f, bits).unwrap();
        assert_eq!(c(vk::Format::R8G8_UINT, [300, 0xFF, 0, 0]), [44, 0xFF]);
        assert_eq!(
            c(vk::Format::R8G8_SINT, [(-3i32) as u32, 0x17F, 0, 0]),
            [0xFD, 0x7F]
        );
        assert_eq!(
            c(vk::Format::A2B10G10R10_UINT_PACK32, [0x401, 3, 0, 7]),
            (1u32 | 3 << 10 | 3 << 30).to_le_bytes()
        );
        let mut want = 0x0123_4567_89AB_CDEFu64.to_le_bytes().to_vec();
        want.extend((-2i64).to_le_bytes());
        let words = [0x89AB_CDEF, 0x0123_4567, (-2i64) as u32, u32::MAX];
        assert_eq!(c(vk::Format::R64G64_SINT, words), want);
        want.extend([0; 16]);
        assert_eq!(c(vk::Format::R64G64B64A64_UINT, words), want);
        let d = 0.1f64.to_bits();
        assert_eq!(
            c(vk::Format::R64_SFLOAT, [d as u32, (d >> 32) as u32, 0, 0]),
            0.1f64.to_le_bytes()
        );
    }

    fn image(format: vk::Format, w: u32, h: u32, samples: vk::SampleCountFlags) -> Image {
        let img = Image::new(ImageDesc {
            image_type: vk::ImageType::TYPE_2D,
            format,
            extent: vk::Extent3D {
                width: w,
                height: h,
                depth: 1,
            },
            mip_levels: 1,
            array_layers: 1,
            samples,
            tiling: vk::ImageTiling::OPTIMAL,
            usage: vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST,
            flags: vk::ImageCreateFlags::empty(),
            drm: None,
        })
        .unwrap();
        let heap = Arc::new(Heap::new(1 << 24));
        let mem =
            Arc::new(DeviceMemory::allocate(&heap, img.requirements().size, 0, None).unwrap());
        img.bind(mem, 0).unwrap();
        img
    }

    fn sub() -> vk::ImageSubresourceLayers {
        vk::ImageSubresourceLayers {
            aspect_mask: vk::ImageAspectFlags::COLOR,
            mip_level: 0,
            base_array_layer: 0,
            layer_count: 1,
        }
    }

    /// Multisampled images cannot be created through the API until attachments land (no format
    /// reports a sample count above 1), so the resolve is shown here, on core objects.
    #[test]
    fn resolve_averages_float_samples_and_takes_sample_zero_of_integers() {
        for (format, samples, want) in [
            // UNORM: (0 + 100 + 200 + 255) / 4 = 138.75 -> 139
            (vk::Format::R8_UNORM, [0u8, 100, 200, 255], 139u8),
            // UINT: sample 0
            (vk::Format::R8_UINT, [7u8, 100, 200, 255], 7u8),
        ] {
            let src = image(format, 3, 2, vk::SampleCountFlags::TYPE_4);
            let dst = image(format, 3, 2, vk::SampleCountFlags::TYPE_1);
            let plane = src.plane(vk::ImageAspectFlags::COLOR).unwrap();
            let span = src.layer_span(plane, 0, 0).unwrap();
            let m = &plane.mips[0];
            for y in 0..2u64 {
                for x in 0..3u64 {
                    span.write((y * m.row_pitch + x * 4) as usize, &samples);
                }
            }
            resolve_image(
                &src,
                &dst,
                &[vk::ImageResolve {
                    src_subresource: sub(),
                    src_offset: vk::Offset3D::default(),
                    dst_subresource: sub(),
                    dst_offset: vk::Offset3D::default(),
                    extent: vk::Extent3D {
                        width: 3,
                        height: 2,
                        depth: 1,
                    },
                }],
            )
            .unwrap();
            let dplane = dst.plane(vk::ImageAspectFlags::COLOR).unwrap();
            let dspan = dst.layer_span(dplane, 0, 0).unwrap();
            for y in 0..2u64 {
                let mut row = [0u8; 3];
                dspan.read((y * dplane.mips[0].row_pitch) as usize, &mut row);
                assert_eq!(row, [want; 3], "{format:?}");
            }
        }
    }

    #[test]
    fn resolve_refuses_single_sampled_sources_and_bad_regions() {
        let a = image(vk::Format::R8_UNORM, 4, 4, vk::SampleCountFlags::TYPE_1);
        let b = image(vk::Format::R8_UNORM, 4, 4, vk::SampleCountFlags::TYPE_1);
        let r = vk::ImageResolve {
            src_subresource: sub(),
            src_offset: vk::Offset3D::default(),
            dst_subresource: sub(),
            dst_offset: vk::Offset3D::default(),
            extent: vk::Extent3D {
                width: 4,
                height: 4,
                depth: 1,
            },
        };
        assert!(resolve_image(&a, &b, &[r]).is_err());
        let ms = image(vk::Format::R8_UNORM, 4, 4, vk::SampleCountFlags::TYPE_4);
        let big = vk::ImageResolve {
            extent: vk::Extent3D {
                width: 5,
                height: 4,
                depth: 1,
            },
            ..r
        };
        assert!(resolve_image(&ms, &b, &[big]).is_err());
    }

    /// Copies between multisampled images move every sample.
    #[test]
    fn multisampled_copies_keep_samples() {
        let a = image(vk::Format::R8G8_UINT, 2, 2, vk::SampleCountFlags::TYPE_4);
        let b = image(vk::Format::R8G8_UINT, 2, 2, vk::SampleCountFlags::TYPE_4);
        let pa = a.plane(vk::ImageAspectFlags::COLOR).unwrap();
        let sa = a.layer_span(pa, 0, 0).unwrap();
        let pattern: Vec<u8> = (0..16).collect();
        sa.write(0, &pattern);
        copy_image(
            &a,
            &b,
            &[vk::ImageCopy {
                src_subresource: sub(),
                src_offset: vk::Offset3D::default(),
                dst_subresource: sub(),
                dst_offset: vk::Offset3D::default(),
                extent: vk::Extent3D {
                    width: 2,
                    height: 1,
                    depth: 1,
                },
            }],
        )
        .unwrap();
        let pb = b.plane(vk::ImageAspectFlags::COLOR).unwrap();
        let mut row = [0u8; 16];
        b.layer_span(pb, 0, 0).unwrap().read(0, &mut row);
        assert_eq!(&row[..], &pattern[..]);
    }

    #[test]
    fn bc_copies_follow_the_block_rules() {
        let one = vk::SampleCountFlags::TYPE_1;
        let a = image(vk::Format::BC1_RGB_UNORM_BLOCK, 10, 6, one);
        let b = image(vk::Format::BC1_RGB_UNORM_BLOCK, 10, 6, one);
        let u = image(vk::Format::R32G32_UINT, 3, 2, one);
        let pa = a.plane(vk::ImageAspectFlags::COLOR).unwrap();
        assert_eq!((pa.block, pa.texel_bytes), ([4, 4], 8));
        let blocks: Vec<u8> = (0..48).collect();
        let span = a.layer_span(pa, 0, 0).unwrap();
        // Rows of 3 blocks (24 bytes) at a 32-byte pitch.
        span.write(0, &blocks[..24]);
        span.write(pa.mips[0].row_pitch as usize, &blocks[24..]);
        let region = |x: i32, y: i32, w: u32, h: u32| vk::ImageCopy {
            src_subresource: sub(),
            src_offset: vk::Offset3D { x, y, z: 0 },
            dst_subresource: sub(),
            dst_offset: vk::Offset3D { x, y, z: 0 },
            extent: vk::Extent3D {
                width: w,
                height: h,
                depth: 1,
            },
        };
        // Offsets inside a block, and extents neither block multiples nor reaching the edge.
        for bad in [region(2, 0, 4, 4), region(0, 0, 6, 4), region(4, 0, 4, 3)] {
            let e = copy_image(&a, &b, &[bad]).unwrap_err();
            assert!(e.to_string().contains("blocks"), "{e}");
        }
        // Partial blocks at the right and bottom edges copy whole.
        copy_image(&a, &b, &[region(4, 4, 6, 2)]).unwrap();
        let pb = b.plane(vk::ImageAspectFlags::COLOR).unwrap();
        let mut row = [0u8; 16];
        b.layer_span(pb, 0, 0)
            .unwrap()
            .read(pb.mips[0].row_pitch as usize + 8, &mut row);
        assert_eq!(&row[..], &blocks[32..48]);
        // Size-compatible: the whole 10x6 BC1 level is 3x2 blocks = 3x2 R32G32_UINT texels.
        copy_image(&a, &u, &[region(0, 0, 10, 6)]).unwrap();
        let pu = u.plane(vk::ImageAspectFlags::COLOR).unwrap();
        let mut got = [0u8; 24];
        u.layer_span(pu, 0, 0)
            .unwrap()
            .read(pu.mips[0].row_pitch as usize, &mut got);
        assert_eq!(&got[..], &blocks[24..]);
        // BC images are not blit destinations.
        let blit = vk::ImageBlit {
            src_subresource: sub(),
            src_offsets: [vk::Offset3D::default(), vk::Offset3D { x: 3, y: 2, z: 1 }],
            dst_subresource: sub(),
            dst_offsets: [vk::Offset3D::default(), vk::Offset3D { x: 4, y: 4, z: 1 }],
        };
        assert!(blit_image(&u, &b, &[blit], vk::Filter::NEAREST).is_err());
    }
}
