use super::{Buffer, Image};
use crate::error::{Error, Result};
use crate::format;
use ash::vk;
use std::sync::Arc;

/// Largest texel count of a buffer view (maxTexelBufferElements).
pub const MAX_TEXEL_BUFFER_ELEMENTS: u64 = 1 << 27;

/// One VkBufferView: a formatted range of a buffer.
#[derive(Debug)]
pub struct BufferView {
    pub buffer: Arc<Buffer>,
    pub format: vk::Format,
    pub offset: u64,
    pub range: u64,
}

impl BufferView {
    pub fn new(buffer: Arc<Buffer>, format: vk::Format, offset: u64, range: u64) -> Result<Self> {
        let info = format::info(format).ok_or_else(|| {
            Error::unsupported_format(format!(
                "format {format:?} is not supported for buffer views"
            ))
        })?;
        if offset >= buffer.size() {
            return Err(Error::invalid(format!(
                "buffer view offset {offset} is not less than the buffer size {} \
                 (VUID-VkBufferViewCreateInfo-offset-00925)",
                buffer.size()
            )));
        }
        let range = if range == vk::WHOLE_SIZE {
            let r = buffer.size() - offset;
            r - r % info.bytes as u64
        } else {
            range
        };
        if range == 0 || range % info.bytes as u64 != 0 || offset + range > buffer.size() {
            return Err(Error::invalid(format!(
                "buffer view range {range} at offset {offset} is not a non-zero multiple of the \
                 texel size {} inside the buffer of {} bytes",
                info.bytes,
                buffer.size()
            )));
        }
        if range / info.bytes as u64 > MAX_TEXEL_BUFFER_ELEMENTS {
            return Err(Error::invalid(format!(
                "buffer view has more than maxTexelBufferElements ({MAX_TEXEL_BUFFER_ELEMENTS}) texels"
            )));
        }
        Ok(BufferView {
            buffer,
            format,
            offset,
            range,
        })
    }

    pub fn texel_count(&self) -> u64 {
        self.range / format::info(self.format).map_or(1, |i| i.bytes as u64)
    }
}

/// One VkImageView.
#[derive(Debug)]
pub struct ImageView {
    pub image: Arc<Image>,
    pub view_type: vk::ImageViewType,
    pub format: vk::Format,
    pub components: vk::ComponentMapping,
    /// With VK_REMAINING_* resolved.
    pub range: vk::ImageSubresourceRange,
}

impl ImageView {
    /// The extent of the view's base mip level.
    pub fn extent(&self) -> vk::Extent3D {
        super::image::mip_extent(self.image.desc().extent, self.range.base_mip_level)
    }

    /// A level's extent as the view addresses it: in texels, except that an uncompressed view of
    /// a block-compressed image (BLOCK_TEXEL_VIEW_COMPATIBLE) has one texel per block:
    /// ceil(extent / block extent), so every block of the level, partial ones included, is a
    /// texel of the view.
    fn view_extent(&self, plane: &super::image::Plane, mip: &super::image::MipLayout) -> [u32; 3] {
        let e = mip.extent;
        if plane.block != [1, 1] && format::bc::info(self.format).is_none() {
            [
                e.width.div_ceil(plane.block[0]),
                e.height.div_ceil(plane.block[1]),
                e.depth,
            ]
        } else {
            [e.width, e.height, e.depth]
        }
    }

    /// The view as a storage image: its base mip level, over its layers, in its format, for
    /// the aspect it selects (color). None if the image has no memory bound or the view selects
    /// more than one aspect. A storage image view has one mip level (the
    /// spec's storage-image descriptor rule, which the validation layer checks); only the base
    /// level is addressed whatever the view says, so no access leaves its subresources.
    /// The view as an input attachment: [`Self::storage_image`] read in the format of the
    /// aspect it selects (a depth or stencil view reads its plane's format). Multisampled
    /// images read their sample 0.
    pub fn input_attachment(&self) -> Option<crate::shader::StorageImage<'_>> {
        let plane = self.image.plane(self.range.aspect_mask).ok()?;
        let format = if self.range.aspect_mask == vk::ImageAspectFlags::COLOR {
            self.format
        } else {
            plane.format
        };
        self.storage_image()
            .map(|s| crate::shader::StorageImage { format, ..s })
    }

    pub fn storage_image(&self) -> Option<crate::shader::StorageImage<'_>> {
        let plane = self.image.plane(self.range.aspect_mask).ok()?;
        let mip = *plane.mips.get(self.range.base_mip_level as usize)?;
        let b = self.image.binding()?;
        let len = mip.layer_pitch.checked_mul(self.range.layer_count as u64)?;
        let start = mip
            .offset
            .checked_add(self.range.base_array_layer as u64 * mip.layer_pitch)?
            .checked_add(b.offset)?;
        let span = b.memory.span(start, len)?;
        Some(crate::shader::StorageImage {
            span,
            format: self.format,
            extent: self.view_extent(plane, &mip),
            layers: self.range.layer_count,
            row_pitch: mip.row_pitch,
            depth_pitch: mip.depth_pitch,
            layer_pitch: mip.layer_pitch,
            texel_stride: plane.texel_bytes as u64 * self.image.samples() as u64,
        })
    }

    /// The view as a sampled image: every level and layer it selects, in its format and
    /// component mapping, for its one aspect (color, or depth/stencil views of one aspect).
    /// None if the image has no memory bound, the view selects more than one aspect or has more
    /// levels than [`crate::shader::MAX_LEVELS`]. Offsets are relative to the start of the
    /// image's memory binding, and every level's bytes lie inside the span.
    pub fn sampled_image(&self) -> Option<crate::shader::SampledImage<'_>> {
        let plane = self.image.plane(self.range.aspect_mask).ok()?;
        let b = self.image.binding()?;
        let levels = self.range.level_count;
        if levels == 0 || levels as usize > crate::shader::MAX_LEVELS {
            return None;
        }
        let mut level = [crate::shader::SampledLevel::default(); crate::shader::MAX_LEVELS];
        let mut end = 0u64;
        for (k, l) in level.iter_mut().enumerate().take(levels as usize) {
            let mip = *plane.mips.get(self.range.base_mip_level as usize + k)?;
            let offset = mip
                .offset
                .checked_add(self.range.base_array_layer as u64 * mip.layer_pitch)?;
            let len = mip.layer_pitch.checked_mul(self.range.layer_count as u64)?;
            end = end.max(offset.checked_add(len)?);
            *l = crate::shader::SampledLevel {
                offset,
                extent: self.view_extent(plane, &mip),
                row_pitch: mip.row_pitch,
                depth_pitch: mip.depth_pitch,
                layer_pitch: mip.layer_pitch,
            };
        }
        let span = b.memory.span(b.offset, end)?;
        let c = self.components;
        // Depth or stencil views decode with the aspect's own format (X8_D24_UNORM_PACK32,
        // D32_SFLOAT, S8_UINT...), the one its plane is stored in.
        let format = if self.range.aspect_mask == vk::ImageAspectFlags::COLOR {
            self.format
        } else {
            plane.format
        };
        Some(crate::shader::SampledImage {
            span,
            format,
            swizzle: [c.r, c.g, c.b, c.a],
            layers: self.range.layer_count,
            levels,
            level,
            texel_stride: plane.texel_bytes as u64 * self.image.samples() as u64,
        })
    }

    pub fn new(
        image: Arc<Image>,
        view_type: vk::ImageViewType,
        format: vk::Format,
        components: vk::ComponentMapping,
        range: vk::ImageSubresourceRange,
    ) -> Result<Self> {
        let d = *image.desc();
        // (texel block bytes, block-compressed, aspects) of the view's and the image's format.
        let describe = |f: vk::Format| {
            format::info(f)
                .map(|i| (i.bytes, false, i.aspects))
                .or_else(|| {
                    format::bc::info(f).map(|b| (b.block_bytes, true, vk::ImageAspectFlags::COLOR))
                })
        };
        let (vbytes, vbc, vaspects) = describe(format).ok_or_else(|| {
            Error::unsupported_format(format!(
                "format {format:?} is not supported for image views"
            ))
        })?;
        let (ibytes, ibc, iaspects) = describe(d.format)
            .ok_or_else(|| Error::unsupported_format("image format unsupported"))?;
        let block_texel = ibc && !vbc;
        if block_texel {
            // An uncompressed view of a compressed image addresses its blocks as texels
            // (VK_IMAGE_CREATE_BLOCK_TEXEL_VIEW_COMPATIBLE_BIT, VUID-VkImageViewCreateInfo-image-01583:
            // the view format's texel block size equals the image's compressed block size;
            // VUID-VkImageViewCreateInfo-image-07072: one level and one layer).
            if !d
                .flags
                .contains(vk::ImageCreateFlags::BLOCK_TEXEL_VIEW_COMPATIBLE)
            {
                return Err(Error::invalid(format!(
                    "an uncompressed view ({format:?}) of a {:?} image needs an image created \
                     with BLOCK_TEXEL_VIEW_COMPATIBLE (VUID-VkImageViewCreateInfo-image-01761)",
                    d.format
                )));
            }
        }
        let bc_class = |f| format::bc::info(f).map(format::bc::class);
        let other_bc_class = vbc && ibc && bc_class(format) != bc_class(d.format);
        if vbytes != ibytes || vaspects != iaspects || (vbc && !ibc) || other_bc_class {
            return Err(Error::invalid(format!(
                "view format {format:?} is not compatible with image format {:?}",
                d.format
            )));
        }
        if format != d.format && !d.flags.contains(vk::ImageCreateFlags::MUTABLE_FORMAT) {
            return Err(Error::invalid(format!(
                "view format {format:?} differs from image format {:?} without MUTABLE_FORMAT \
                 (VUID-VkImageViewCreateInfo-image-01762)",
                d.format
            )));
        }
        if range.aspect_mask.is_empty() || !iaspects.contains(range.aspect_mask) {
            return Err(Error::invalid(format!(
                "aspectMask {:?} is not part of the format's aspects {iaspects:?}",
                range.aspect_mask
            )));
        }
        let (_, levels, _, layers) = image.resolve_range(&range)?;
        if block_texel && (levels != 1 || layers != 1) {
            return Err(Error::invalid(format!(
                "an uncompressed view of a compressed image has one level and one layer, not \
                 {levels} and {layers} (VUID-VkImageViewCreateInfo-image-07072)"
            )));
        }
        let type_ok = match (d.image_type, view_type) {
            (vk::ImageType::TYPE_1D, vk::ImageViewType::TYPE_1D) => layers == 1,
            (vk::ImageType::TYPE_1D, vk::ImageViewType::TYPE_1D_ARRAY) => true,
            (vk::ImageType::TYPE_2D, vk::ImageViewType::TYPE_2D) => layers == 1,
            (vk::ImageType::TYPE_2D, vk::ImageViewType::TYPE_2D_ARRAY) => true,
            (vk::ImageType::TYPE_2D, vk::ImageViewType::CUBE) => {
                layers == 6 && d.flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE)
            }
            (vk::ImageType::TYPE_2D, vk::ImageViewType::CUBE_ARRAY) => {
                layers % 6 == 0 && d.flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE)
            }
            (vk::ImageType::TYPE_3D, vk::ImageViewType::TYPE_3D) => layers == 1,
            _ => false,
        };
        if !type_ok {
            return Err(Error::invalid(format!(
                "view type {view_type:?} over {layers} layers is not compatible with a {:?} image \
                 (flags {:?})",
                d.image_type, d.flags
            )));
        }
        Ok(ImageView {
            image,
            view_type,
            format,
            components,
            range: vk::ImageSubresourceRange {
                level_count: levels,
                layer_count: layers,
                ..range
            },
        })
    }
}

/// The state of a VkSampler (used by shaders once they land; kept complete now).
#[derive(Clone, Copy, Debug)]
pub struct SamplerDesc {
    pub mag_filter: vk::Filter,
    pub min_filter: vk::Filter,
    pub mipmap_mode: vk::SamplerMipmapMode,
    pub address_mode: [vk::SamplerAddressMode; 3],
    pub mip_lod_bias: f32,
    pub anisotropy: Option<f32>,
    pub compare: Option<vk::CompareOp>,
    pub min_lod: f32,
    pub max_lod: f32,
    pub border_color: vk::BorderColor,
    pub unnormalized_coordinates: bool,
    /// VkSamplerReductionModeCreateInfo (WEIGHTED_AVERAGE without one): WEIGHTED_AVERAGE, MIN
    /// or MAX.
    pub reduction: vk::SamplerReductionMode,
}

#[derive(Debug)]
pub struct Sampler {
    pub desc: SamplerDesc,
}

impl Sampler {
    pub fn new(desc: SamplerDesc) -> Result<Self> {
        if desc.anisotropy.is_some() {
            return Err(Error::new(
                crate::error::ErrorKind::FeatureNotPresent,
                "anisotropic filtering is not supported (samplerAnisotropy is not reported)",
            ));
        }
        if !matches!(
            desc.reduction,
            vk::SamplerReductionMode::WEIGHTED_AVERAGE
                | vk::SamplerReductionMode::MIN
                | vk::SamplerReductionMode::MAX
        ) {
            return Err(Error::invalid(format!(
                "sampler reduction mode {:?} is not WEIGHTED_AVERAGE, MIN or MAX \
                 (VUID-VkSamplerReductionModeCreateInfo-reductionMode-parameter)",
                desc.reduction
            )));
        }
        if desc.compare.is_some() && desc.reduction != vk::SamplerReductionMode::WEIGHTED_AVERAGE {
            return Err(Error::invalid(
                "a sampler with compareEnable must use the WEIGHTED_AVERAGE reduction \
                 (VUID-VkSamplerCreateInfo-compareEnable-01423)",
            ));
        }
        if desc.min_lod.is_nan() || desc.max_lod.is_nan() || desc.min_lod > desc.max_lod {
            return Err(Error::invalid(format!(
                "minLod {} is greater than maxLod {} (VUID-VkSamplerCreateInfo-maxLod-01973)",
                desc.min_lod, desc.max_lod
            )));
        }
        Ok(Sampler { desc })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{BufferDesc, ImageDesc};

    fn image(flags: vk::ImageCreateFlags, layers: u32, mips: u32) -> Arc<Image> {
        Arc::new(
            Image::new(ImageDesc {
                image_type: vk::ImageType::TYPE_2D,
                format: vk::Format::R8G8B8A8_UNORM,
                extent: vk::Extent3D {
                    width: 16,
                    height: 16,
                    depth: 1,
                },
                mip_levels: mips,
                array_layers: layers,
                samples: vk::SampleCountFlags::TYPE_1,
                tiling: vk::ImageTiling::OPTIMAL,
                usage: vk::ImageUsageFlags::TRANSFER_DST,
                flags,
                drm: None,
            })
            .unwrap(),
        )
    }

    fn range(mip: u32, levels: u32, layer: u32, layers: u32) -> vk::ImageSubresourceRange {
        vk::ImageSubresourceRange {
            aspect_mask: vk::ImageAspectFlags::COLOR,
            base_mip_level: mip,
            level_count: levels,
            base_array_layer: layer,
            layer_count: layers,
        }
    }

    #[test]
    fn uncompressed_views_of_bc_images_need_block_texel_compatibility() {
        let bc = |flags| {
            Arc::new(
                Image::new(ImageDesc {
                    format: vk::Format::BC7_UNORM_BLOCK,
                    mip_levels: 2,
                    flags,
                    ..*image(vk::ImageCreateFlags::empty(), 1, 1).desc()
                })
                .unwrap(),
            )
        };
        let id = vk::ComponentMapping::default();
        let view = |img, f, r| ImageView::new(img, vk::ImageViewType::TYPE_2D, f, id, r);
        let mutable = vk::ImageCreateFlags::MUTABLE_FORMAT;
        let uint = vk::Format::R32G32B32A32_UINT;
        // Without BLOCK_TEXEL_VIEW_COMPATIBLE: refused.
        assert!(view(bc(mutable), uint, range(0, 1, 0, 1)).is_err());
        let img = bc(mutable | vk::ImageCreateFlags::BLOCK_TEXEL_VIEW_COMPATIBLE);
        // One level only (VUID-VkImageViewCreateInfo-image-07072); a wrong block size.
        assert!(view(img.clone(), uint, range(0, 2, 0, 1)).is_err());
        assert!(view(img.clone(), vk::Format::R32G32_UINT, range(0, 1, 0, 1)).is_err());
        assert!(view(img.clone(), uint, range(1, 1, 0, 1)).is_ok());
        // Compressed views of the same block size and BC views of uncompressed images.
        assert!(view(img.clone(), vk::Format::BC7_SRGB_BLOCK, range(0, 2, 0, 1)).is_ok());
        let bc6h = vk::Format::BC6H_UFLOAT_BLOCK;
        assert!(
            view(img.clone(), bc6h, range(0, 1, 0, 1)).is_err(),
            "another class"
        );
        let plain = image(mutable, 1, 1);
        assert!(view(plain, vk::Format::BC2_UNORM_BLOCK, range(0, 1, 0, 1)).is_err());
    }

    #[test]
    fn image_views_resolve_remaining_and_check_compatibility() {
        let img = image(
            vk::ImageCreateFlags::MUTABLE_FORMAT | vk::ImageCreateFlags::CUBE_COMPATIBLE,
            12,
            3,
        );
        let id = vk::ComponentMapping::default();
        let v = ImageView::new(
            img.clone(),
            vk::ImageViewType::TYPE_2D_ARRAY,
            vk::Format::R8G8B8A8_SRGB,
            id,
            range(1, vk::REMAINING_MIP_LEVELS, 2, vk::REMAINING_ARRAY_LAYERS),
        )
        .unwrap();
        assert_eq!((v.range.level_count, v.range.layer_count), (2, 10));
        assert!(
            ImageView::new(
                img.clone(),
                vk::ImageViewType::CUBE,
                vk::Format::R8G8B8A8_UNORM,
                id,
                range(0, 1, 0, 6)
            )
            .is_ok()
        );
        assert!(
            ImageView::new(
                img.clone(),
                vk::ImageViewType::CUBE_ARRAY,
                vk::Format::R8G8B8A8_UNORM,
                id,
                range(0, 1, 0, 12)
            )
            .is_ok()
        );
        // Wrong: different texel size, too many layers, a 2D view of 2 layers, depth aspect.
        assert!(
            ImageView::new(
                img.clone(),
                vk::ImageViewType::TYPE_2D,
                vk::Format::R16_UNORM,
                id,
                range(0, 1, 0, 1)
            )
            .is_err()
        );
        assert!(
            ImageView::new(
                img.clone(),
                vk::ImageViewType::TYPE_2D_ARRAY,
                vk::Format::R8G8B8A8_UNORM,
                id,
                range(0, 1, 10, 3)
            )
            .is_err()
        );
        assert!(
            ImageView::new(
                img.clone(),
                vk::ImageViewType::TYPE_2D,
                vk::Format::R8G8B8A8_UNORM,
                id,
                range(0, 1, 0, 2)
            )
            .is_err()
        );
        assert!(
            ImageView::new(
                img.clone(),
                vk::ImageViewType::TYPE_3D,
                vk::Format::R8G8B8A8_UNORM,
                id,
                range(0, 1, 0, 1)
            )
            .is_err()
        );
        let mut r = range(0, 1, 0, 1);
        r.aspect_mask = vk::ImageAspectFlags::DEPTH;
        assert!(
            ImageView::new(
                img.clone(),
                vk::ImageViewType::TYPE_2D,
                vk::Format::R8G8B8A8_UNORM,
                id,
                r
            )
            .is_err()
        );
        // Without MUTABLE_FORMAT the view format must match.
        let fixed = image(vk::ImageCreateFlags::empty(), 1, 1);
        assert!(
            ImageView::new(
                fixed,
                vk::ImageViewType::TYPE_2D,
                vk::Format::R8G8B8A8_SRGB,
                id,
                range(0, 1, 0, 1)
            )
            .is_err()
        );
    }

    #[test]
    fn buffer_views_check_range_and_format() {
        let b = Arc::new(
            Buffer::new(BufferDesc {
                size: 1000,
                usage: vk::BufferUsageFlags::UNIFORM_TEXEL_BUFFER,
                flags: vk::BufferCreateFlags::empty(),
            })
            .unwrap(),
        );
        let v = BufferView::new(b.clone(), vk::Format::R32_UINT, 16, vk::WHOLE_SIZE).unwrap();
        assert_eq!((v.range, v.texel_count()), (984, 246));
        assert!(BufferView::new(b.clone(), vk::Format::R32_UINT, 1000, 4).is_err());
        assert!(BufferView::new(b.clone(), vk::Format::R32_UINT, 0, 1001).is_err());
        assert!(BufferView::new(b.clone(), vk::Format::R32_UINT, 0, 6).is_err());
        assert!(BufferView::new(b, vk::Format::BC1_RGB_UNORM_BLOCK, 0, 8).is_err());
    }
}
