use super::{Binding, Requirements, align_up};
use crate::error::{Error, ErrorKind, Result};
use crate::format;
use crate::memory::{DeviceMemory, Span};
use ash::vk;
use std::sync::{Arc, OnceLock};

/// Alignment of image memory and of every subresource inside it.
pub const IMAGE_ALIGNMENT: u64 = 64;
const SUBRESOURCE_ALIGNMENT: u64 = 16;
const ROW_ALIGNMENT: u64 = 16;

/// The largest image dimension and layer count the driver creates (what the limits report).
pub const MAX_DIMENSION_1D_2D: u32 = 16384;
pub const MAX_DIMENSION_3D: u32 = 2048;
pub const MAX_ARRAY_LAYERS: u32 = 2048;

#[derive(Clone, Copy, Debug)]
pub struct ImageDesc {
    pub image_type: vk::ImageType,
    pub format: vk::Format,
    pub extent: vk::Extent3D,
    pub mip_levels: u32,
    pub array_layers: u32,
    pub samples: vk::SampleCountFlags,
    pub tiling: vk::ImageTiling,
    pub usage: vk::ImageUsageFlags,
    pub flags: vk::ImageCreateFlags,
    /// For VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT: the modifier and, if the application
    /// gave one, the explicit layout of plane 0.
    pub drm: Option<DrmLayout>,
}

/// DRM_FORMAT_MOD_LINEAR: rows one after another; the only modifier softvk has.
pub const DRM_FORMAT_MOD_LINEAR: u64 = 0;

/// The layout of an image with a DRM format modifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrmLayout {
    pub modifier: u64,
    /// (offset, row pitch) of plane 0 from VkImageDrmFormatModifierExplicitCreateInfoEXT.
    pub explicit: Option<(u64, u64)>,
}

/// Where one mip level of one plane lives, relative to the image's start.
///
/// Within a plane the layout is mip-major: all layers of mip 0, then all layers of mip 1, ...
/// A texel (x, y, z, layer, sample) of a mip is at
/// `offset + layer * layer_pitch + z * depth_pitch + y * row_pitch + (x * samples + sample) * texel_bytes`.
/// For block-compressed planes (`Plane::block` [4, 4]) x and y count blocks: rows hold
/// ceil(width / 4) blocks, a slice ceil(height / 4) rows; `extent` stays in texels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MipLayout {
    pub offset: u64,
    pub extent: vk::Extent3D,
    pub row_pitch: u64,
    pub depth_pitch: u64,
    pub layer_pitch: u64,
}

/// One aspect's storage: color, depth or stencil (combined depth/stencil formats keep each
/// aspect in its own plane, in the per-aspect format the spec prescribes for buffer copies).
#[derive(Clone, Debug)]
pub struct Plane {
    pub aspect: vk::ImageAspectFlags,
    pub format: vk::Format,
    /// Bytes per texel block (one texel, or one compressed block).
    pub texel_bytes: u32,
    /// Texel block width and height: [1, 1], or [4, 4] for BC formats, whose rows are rows
    /// of blocks (`MipLayout`'s x and y then count blocks; its extent stays in texels).
    pub block: [u32; 2],
    pub mips: Vec<MipLayout>,
}

/// What vkGetImageSubresourceLayout reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubresourceLayout {
    pub offset: u64,
    pub size: u64,
    pub row_pitch: u64,
    pub array_pitch: u64,
    pub depth_pitch: u64,
}

/// One VkImage.
#[derive(Debug)]
pub struct Image {
    desc: ImageDesc,
    samples: u32,
    planes: Vec<Plane>,
    size: u64,
    binding: OnceLock<Binding>,
}

pub fn mip_extent(e: vk::Extent3D, level: u32) -> vk::Extent3D {
    vk::Extent3D {
        width: (e.width >> level).max(1),
        height: (e.height >> level).max(1),
        depth: (e.depth >> level).max(1),
    }
}

fn max_mips(e: vk::Extent3D) -> u32 {
    let m = e.width.max(e.height).max(e.depth).max(1);
    32 - m.leading_zeros()
}

impl Image {
    pub fn new(desc: ImageDesc) -> Result<Self> {
        // Block-compressed formats (BC1..BC7) have no per-texel entry: their plane stores 4x4
        // blocks (see `Plane::block`).
        let bc = format::bc::info(desc.format);
        let info = match (format::info(desc.format), bc) {
            (Some(i), _) => Some(i),
            (None, Some(_)) => None,
            (None, None) => {
                return Err(Error::unsupported_format(format!(
                    "format {:?} is not supported for images",
                    desc.format
                )));
            }
        };
        if bc.is_some()
            && (desc.image_type != vk::ImageType::TYPE_2D
                || desc.tiling != vk::ImageTiling::OPTIMAL
                || desc.samples != vk::SampleCountFlags::TYPE_1)
        {
            return Err(Error::unsupported_format(format!(
                "{:?} images are single-sampled 2D images with optimal tiling (what \
                 vkGetPhysicalDeviceImageFormatProperties reports), not {:?} {:?} {:?}",
                desc.format, desc.image_type, desc.tiling, desc.samples
            )));
        }
        let e = desc.extent;
        if e.width == 0 || e.height == 0 || e.depth == 0 {
            return Err(Error::invalid(format!(
                "image extent {}x{}x{} has a zero dimension",
                e.width, e.height, e.depth
            )));
        }
        let (max_dim, shape_ok) = match desc.image_type {
            vk::ImageType::TYPE_1D => (MAX_DIMENSION_1D_2D, e.height == 1 && e.depth == 1),
            vk::ImageType::TYPE_2D => (MAX_DIMENSION_1D_2D, e.depth == 1),
            vk::ImageType::TYPE_3D => (MAX_DIMENSION_3D, desc.array_layers == 1),
            _ => (0, false),
        };
        if !shape_ok || e.width > max_dim || e.height > max_dim || e.depth > max_dim {
            return Err(Error::invalid(format!(
                "image of type {:?} and extent {}x{}x{} (layers {}) is not creatable (max dimension {max_dim})",
                desc.image_type, e.width, e.height, e.depth, desc.array_layers
            )));
        }
        if desc.mip_levels == 0 || desc.mip_levels > max_mips(e) {
            return Err(Error::invalid(format!(
                "mipLevels {} is outside 1..={} for this extent",
                desc.mip_levels,
                max_mips(e)
            )));
        }
        if desc.array_layers == 0 || desc.array_layers > MAX_ARRAY_LAYERS {
            return Err(Error::invalid(format!(
                "arrayLayers {} is outside 1..={MAX_ARRAY_LAYERS}",
                desc.array_layers
            )));
        }
        let samples = desc.samples.as_raw();
        if !samples.is_power_of_two() || samples > 8 {
            return Err(Error::invalid(format!(
                "samples {samples} is not supported"
            )));
        }
        if samples > 1 && (desc.image_type != vk::ImageType::TYPE_2D || desc.mip_levels != 1) {
            return Err(Error::invalid(
                "multisampled images must be 2D with one mip level",
            ));
        }
        let sparse = vk::ImageCreateFlags::SPARSE_BINDING
            | vk::ImageCreateFlags::SPARSE_RESIDENCY
            | vk::ImageCreateFlags::SPARSE_ALIASED;
        if desc
            .flags
            .intersects(sparse | vk::ImageCreateFlags::PROTECTED)
        {
            return Err(Error::new(
                ErrorKind::FeatureNotPresent,
                "sparse and protected images are not supported",
            ));
        }

        if let (Some(info), vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT) = (info, desc.tiling) {
            let drm = desc.drm.ok_or_else(|| {
                Error::invalid(
                    "DRM format modifier tiling needs a modifier list or an explicit modifier",
                )
            })?;
            if drm.modifier != DRM_FORMAT_MOD_LINEAR {
                return Err(Error::unsupported_format(format!(
                    "DRM format modifier {:#x} is not supported (only LINEAR)",
                    drm.modifier
                )));
            }
            if desc.image_type != vk::ImageType::TYPE_2D
                || desc.mip_levels != 1
                || desc.array_layers != 1
                || samples != 1
                || !info.aspects.contains(vk::ImageAspectFlags::COLOR)
            {
                return Err(Error::invalid(
                    "a DRM-modifier image is a single-sampled 2D color image with one mip level and one layer",
                ));
            }
            if let Some((offset, pitch)) = drm.explicit {
                let min = e.width as u64 * info.bytes as u64;
                if pitch < min || pitch % info.bytes as u64 != 0 || offset % info.bytes as u64 != 0
                {
                    return Err(Error::invalid(format!(
                        "explicit layout offset {offset} row pitch {pitch} is not usable: the pitch must \
                         be at least {min} and both multiples of the texel size {}",
                        info.bytes
                    )));
                }
                let depth_pitch = pitch * e.height as u64;
                let size = offset
                    .checked_add(depth_pitch)
                    .ok_or_else(|| Error::device_memory("image size overflows"))?;
                return Ok(Image {
                    desc,
                    samples,
                    planes: vec![Plane {
                        aspect: vk::ImageAspectFlags::COLOR,
                        format: desc.format,
                        texel_bytes: info.bytes,
                        block: [1, 1],
                        mips: vec![MipLayout {
                            offset,
                            extent: e,
                            row_pitch: pitch,
                            depth_pitch,
                            layer_pitch: depth_pitch,
                        }],
                    }],
                    size: align_up(size, IMAGE_ALIGNMENT),
                    binding: OnceLock::new(),
                });
            }
        }

        let all_aspects = info.map_or(vk::ImageAspectFlags::COLOR, |i| i.aspects);
        let aspects: Vec<vk::ImageAspectFlags> = [
            vk::ImageAspectFlags::COLOR,
            vk::ImageAspectFlags::DEPTH,
            vk::ImageAspectFlags::STENCIL,
        ]
        .into_iter()
        .filter(|a| all_aspects.contains(*a))
        .collect();
        let overflow = || Error::device_memory("image size overflows");
        let mut size = 0u64;
        let mut planes = Vec::with_capacity(aspects.len());
        for aspect in aspects {
            let (pformat, texel_bytes, block) = match (info, bc) {
                (_, Some(bc)) => (desc.format, bc.block_bytes, [format::bc::BLOCK_DIM; 2]),
                (Some(info), None) => {
                    let pformat = format::aspect_plane(desc.format, aspect)
                        .ok_or_else(|| Error::unsupported_format("no plane format for aspect"))?;
                    let bytes = format::info(pformat).map_or(info.bytes, |i| i.bytes);
                    (pformat, bytes, [1, 1])
                }
                (None, None) => unreachable!("refused above"),
            };
            let mut mips = Vec::with_capacity(desc.mip_levels as usize);
            for level in 0..desc.mip_levels {
                let me = mip_extent(e, level);
                // Rows of blocks: ceil(width / block width) blocks, ceil(height / block
                // height) rows (the Data Format spec's "ceil(w/4) * ceil(h/4) * blocksize").
                let row = (me.width.div_ceil(block[0]) as u64)
                    .checked_mul(texel_bytes as u64 * samples as u64)
                    .ok_or_else(overflow)?;
                let row_pitch = align_up(row, ROW_ALIGNMENT);
                let depth_pitch = row_pitch
                    .checked_mul(me.height.div_ceil(block[1]) as u64)
                    .ok_or_else(overflow)?;
                let layer_pitch = align_up(
                    depth_pitch
                        .checked_mul(me.depth as u64)
                        .ok_or_else(overflow)?,
                    SUBRESOURCE_ALIGNMENT,
                );
                size = align_up(size, SUBRESOURCE_ALIGNMENT);
                mips.push(MipLayout {
                    offset: size,
                    extent: me,
                    row_pitch,
                    depth_pitch,
                    layer_pitch,
                });
                size = layer_pitch
                    .checked_mul(desc.array_layers as u64)
                    .and_then(|s| s.checked_add(size))
                    .ok_or_else(overflow)?;
            }
            planes.push(Plane {
                aspect,
                format: pformat,
                texel_bytes,
                block,
                mips,
            });
        }
        Ok(Image {
            desc,
            samples,
            planes,
            size: align_up(size, IMAGE_ALIGNMENT),
            binding: OnceLock::new(),
        })
    }

    pub fn desc(&self) -> &ImageDesc {
        &self.desc
    }

    pub fn format(&self) -> vk::Format {
        self.desc.format
    }

    pub fn samples(&self) -> u32 {
        self.samples
    }

    pub fn planes(&self) -> &[Plane] {
        &self.planes
    }

    /// The plane holding `aspect` (exactly one aspect bit).
    pub fn plane(&self, aspect: vk::ImageAspectFlags) -> Result<&Plane> {
        self.planes
            .iter()
            .find(|p| p.aspect == aspect)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "aspect {aspect:?} is not part of format {:?}",
                    self.desc.format
                ))
            })
    }

    pub fn requirements(&self) -> Requirements {
        Requirements {
            size: self.size,
            alignment: IMAGE_ALIGNMENT,
            memory_type_bits: 1,
            prefers_dedicated: false,
            requires_dedicated: false,
        }
    }

    pub fn bind(&self, memory: Arc<DeviceMemory>, offset: u64) -> Result<()> {
        if !offset.is_multiple_of(IMAGE_ALIGNMENT) {
            return Err(Error::invalid(format!(
                "memoryOffset {offset} is not a multiple of the image's alignment {IMAGE_ALIGNMENT} \
                 (VUID-vkBindImageMemory-memoryOffset-01048)"
            )));
        }
        if offset
            .checked_add(self.size)
            .is_none_or(|e| e > memory.size())
        {
            return Err(Error::invalid(format!(
                "image of {} bytes at offset {offset} does not fit an allocation of {} bytes \
                 (VUID-vkBindImageMemory-size-01049)",
                self.size,
                memory.size()
            )));
        }
        self.binding.set(Binding { memory, offset }).map_err(|_| {
            Error::invalid("image is already bound (VUID-vkBindImageMemory-image-07460)")
        })
    }

    pub fn binding(&self) -> Option<&Binding> {
        self.binding.get()
    }

    /// Checks that mips `base..base+count` and layers likewise exist.
    pub fn check_subresource(&self, mip: u32, layer: u32, layers: u32) -> Result<()> {
        if mip >= self.desc.mip_levels
            || layers == 0
            || layer
                .checked_add(layers)
                .is_none_or(|e| e > self.desc.array_layers)
        {
            return Err(Error::invalid(format!(
                "subresource mip {mip} layers {layer}..+{layers} is outside the image \
                 ({} mips, {} layers)",
                self.desc.mip_levels, self.desc.array_layers
            )));
        }
        Ok(())
    }

    /// Resolves VK_REMAINING_MIP_LEVELS / VK_REMAINING_ARRAY_LAYERS of `r` and checks that
    /// the range lies inside the image: (base mip, level count, base layer, layer count).
    pub fn resolve_range(&self, r: &vk::ImageSubresourceRange) -> Result<(u32, u32, u32, u32)> {
        let d = &self.desc;
        let levels = if r.level_count == vk::REMAINING_MIP_LEVELS {
            d.mip_levels.saturating_sub(r.base_mip_level)
        } else {
            r.level_count
        };
        let layers = if r.layer_count == vk::REMAINING_ARRAY_LAYERS {
            d.array_layers.saturating_sub(r.base_array_layer)
        } else {
            r.layer_count
        };
        if levels == 0
            || r.base_mip_level
                .checked_add(levels)
                .is_none_or(|e| e > d.mip_levels)
        {
            return Err(Error::invalid(format!(
                "mip levels {}..+{levels} are outside the image's {}",
                r.base_mip_level, d.mip_levels
            )));
        }
        self.check_subresource(r.base_mip_level, r.base_array_layer, layers)?;
        Ok((r.base_mip_level, levels, r.base_array_layer, layers))
    }

    /// The bytes of one (plane, mip, layer) subresource.
    pub fn layer_span(&self, plane: &Plane, mip: u32, layer: u32) -> Result<Span<'_>> {
        self.check_subresource(mip, layer, 1)?;
        let b = self
            .binding
            .get()
            .ok_or_else(|| Error::invalid("image has no memory bound"))?;
        let m = &plane.mips[mip as usize];
        let offset = m.offset + layer as u64 * m.layer_pitch;
        b.memory
            .span(b.offset + offset, m.layer_pitch)
            .ok_or_else(|| Error::invalid("image subresource is outside its memory"))
    }

    /// vkGetImageSubresourceLayout.
    pub fn subresource_layout(
        &self,
        aspect: vk::ImageAspectFlags,
        mip: u32,
        layer: u32,
    ) -> Result<SubresourceLayout> {
        self.check_subresource(mip, layer, 1)?;
        let aspect =
            if aspect == vk::ImageAspectFlags::MEMORY_PLANE_0_EXT && self.desc.drm.is_some() {
                vk::ImageAspectFlags::COLOR
            } else {
                aspect
            };
        let plane = self.plane(aspect)?;
        let m = &plane.mips[mip as usize];
        Ok(SubresourceLayout {
            offset: m.offset + layer as u64 * m.layer_pitch,
            size: m.depth_pitch * m.extent.depth as u64,
            row_pitch: m.row_pitch,
            array_pitch: m.layer_pitch,
            depth_pitch: m.depth_pitch,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(format: vk::Format, w: u32, h: u32, mips: u32, layers: u32) -> ImageDesc {
        ImageDesc {
            image_type: vk::ImageType::TYPE_2D,
            format,
            extent: vk::Extent3D {
                width: w,
                height: h,
                depth: 1,
            },
            mip_levels: mips,
            array_layers: layers,
            samples: vk::SampleCountFlags::TYPE_1,
            tiling: vk::ImageTiling::OPTIMAL,
            usage: vk::ImageUsageFlags::TRANSFER_DST,
            flags: vk::ImageCreateFlags::empty(),
            drm: None,
        }
    }

    #[test]
    fn layout_is_mip_major_and_aligned() {
        let img = Image::new(desc(vk::Format::R8G8B8A8_UNORM, 5, 3, 3, 2)).unwrap();
        let p = &img.planes()[0];
        assert_eq!(p.mips[0].row_pitch, 32);
        assert_eq!(p.mips[0].layer_pitch, 96);
        assert_eq!(p.mips[1].offset, 192);
        assert_eq!(p.mips[1].extent.width, 2);
        assert_eq!(p.mips[2].extent.height, 1);
        let l = img
            .subresource_layout(vk::ImageAspectFlags::COLOR, 1, 1)
            .unwrap();
        assert_eq!(l.offset, 192 + p.mips[1].layer_pitch);
        assert_eq!(img.requirements().size % IMAGE_ALIGNMENT, 0);
    }

    #[test]
    fn bc_images_store_rows_of_blocks() {
        // 10x6 BC1: 3x2 blocks of 8 bytes; mip 1 5x3: 2x1 blocks; mip 2 2x1 and mip 3 1x1:
        // one (partial) block each.
        let img = Image::new(desc(vk::Format::BC1_RGBA_UNORM_BLOCK, 10, 6, 4, 2)).unwrap();
        let p = &img.planes()[0];
        assert_eq!((p.texel_bytes, p.block), (8, [4, 4]));
        assert_eq!(p.mips[0].row_pitch, 32);
        assert_eq!(p.mips[0].depth_pitch, 64);
        assert_eq!(p.mips[1].row_pitch, 16);
        assert_eq!(p.mips[1].depth_pitch, 16);
        assert_eq!(p.mips[3].extent.width, 1);
        let l = img
            .subresource_layout(vk::ImageAspectFlags::COLOR, 0, 1)
            .unwrap();
        assert_eq!((l.offset, l.size, l.row_pitch), (64, 64, 32));
        let bc7 = Image::new(desc(vk::Format::BC7_SRGB_BLOCK, 5, 5, 1, 1)).unwrap();
        assert_eq!(bc7.planes()[0].mips[0].depth_pitch, 64);
    }

    #[test]
    fn depth_stencil_has_two_planes() {
        let img = Image::new(desc(vk::Format::D24_UNORM_S8_UINT, 4, 4, 1, 1)).unwrap();
        assert_eq!(img.planes().len(), 2);
        assert_eq!(img.planes()[0].format, vk::Format::X8_D24_UNORM_PACK32);
        assert_eq!(img.planes()[1].format, vk::Format::S8_UINT);
        assert_eq!(img.planes()[1].mips[0].row_pitch, 16);
    }

    #[test]
    fn drm_linear_images_honor_explicit_layouts() {
        let mut d = desc(vk::Format::R8G8B8A8_UNORM, 10, 4, 1, 1);
        d.tiling = vk::ImageTiling::DRM_FORMAT_MODIFIER_EXT;
        d.drm = Some(DrmLayout {
            modifier: DRM_FORMAT_MOD_LINEAR,
            explicit: Some((256, 128)),
        });
        let img = Image::new(d).unwrap();
        let l = img
            .subresource_layout(vk::ImageAspectFlags::MEMORY_PLANE_0_EXT, 0, 0)
            .unwrap();
        assert_eq!((l.offset, l.row_pitch, l.size), (256, 128, 512));
        d.drm = Some(DrmLayout {
            modifier: DRM_FORMAT_MOD_LINEAR,
            explicit: Some((0, 36)),
        });
        assert!(Image::new(d).is_err(), "pitch below width * texel size");
        d.drm = Some(DrmLayout {
            modifier: 0x00ff_ffff_ffff_ffff,
            explicit: None,
        });
        assert!(Image::new(d).is_err(), "unknown modifier");
        d.drm = Some(DrmLayout {
            modifier: DRM_FORMAT_MOD_LINEAR,
            explicit: None,
        });
        assert_eq!(Image::new(d).unwrap().planes()[0].mips[0].row_pitch, 48);
    }

    #[test]
    fn bad_images_are_refused_not_crashing() {
        assert!(Image::new(desc(vk::Format::UNDEFINED, 4, 4, 1, 1)).is_err());
        assert!(Image::new(desc(vk::Format::ETC2_R8G8B8_UNORM_BLOCK, 4, 4, 1, 1)).is_err());
        let mut linear = desc(vk::Format::BC1_RGB_UNORM_BLOCK, 4, 4, 1, 1);
        linear.tiling = vk::ImageTiling::LINEAR;
        assert!(
            Image::new(linear).is_err(),
            "BC images have optimal tiling only"
        );
        assert!(Image::new(desc(vk::Format::R8_UNORM, 0, 4, 1, 1)).is_err());
        assert!(Image::new(desc(vk::Format::R8_UNORM, 4, 4, 4, 1)).is_err());
        assert!(Image::new(desc(vk::Format::R8_UNORM, 1 << 20, 4, 1, 1)).is_err());
        assert!(Image::new(desc(vk::Format::R8_UNORM, 4, 4, 1, 0)).is_err());
    }
}
