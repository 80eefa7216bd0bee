//! Storage images: OpTypeImage with Sampled 2 and Dim 1D, 2D, 3D or Cube (Arrayed or not),
//! read and written with OpImageRead / OpImageWrite, sized with OpImageQuerySize, and
//! OpImageTexelPointer for atomics on 32- and 64-bit integer texels and 32-bit float texels. Images of 64-bit integers
//! (Int64ImageEXT, R64ui/R64i) move their 8-byte texels as they are: a read gives (R, 0, 0, 1).
//!
//! Texels go through the runtime helpers of runtime/images.rs, which decode and encode with the
//! view's format (the same codec as texel buffers). The image type's Image Format operand is not
//! consulted: the Vulkan rules make it equal to the view's format when it is not Unknown
//! ("Image Format Compatibility"; VUID-vkCmdDispatch-OpTypeImage-07027/07028 for Unknown),
//! so the view's format is the right one either way. Multisampled storage images
//! (shaderStorageImageMultisample) are refused.
//!
//! Coordinates: a signed integer vector with one component per dimension plus one when arrayed
//! (cubes: x, y and the face, plus 6 * cube for a cube array: the storage-image rule of "Cube
//! Map Face Selection", where the third coordinate selects layer `face + 6 * cube` directly).
//! They become `(x, y, z, layer)` for the helpers; missing ones are 0.

use super::*;
use crate::shader::runtime::{IO_IN_FRAG_COORD, IO_IN_VIEW_INDEX, SHAPE_ARRAYED};
use spirv::Dim;

/// Dim and Arrayed of an image type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ImgShape {
    pub dim: u32,
    pub arrayed: bool,
}

impl ImgShape {
    pub fn is_buffer(self) -> bool {
        self.dim == Dim::DimBuffer as u32
    }
}

/// Whether value `id` is an image of Dim SubpassData (an input attachment): its reads are
/// at each fragment's own pixel, so they vary by lane whatever their operands.
pub(super) fn is_subpass_image(p: &Program, id: u32) -> bool {
    p.value_types
        .get(&id)
        .and_then(|t| p.ty(*t).ok())
        .is_some_and(|t| matches!(t, Ty::Image { dim, .. } if *dim == Dim::DimSubpassData as u32))
}

/// Helper signatures (as [`HELPERS`]).
pub(super) const IMAGE_HELPERS: &[(&str, &str, &str)] = &[
    ("sv_image_read", "ppiiiii", ""),
    ("sv_image_write", "piiiiiiiii", ""),
    ("sv_image_size", "ppi", ""),
    ("sv_image_texel", "piiiii", "p"),
    ("sv_image_read64", "ppiiii", ""),
    ("sv_image_write64", "piiiil", ""),
];

/// Which non-buffer image types the compiler translates (called for OpTypeImage).
pub(crate) fn check_image_type(
    dim: u32,
    arrayed: bool,
    ms: u32,
    sampled: u32,
) -> Result<(), ShaderError> {
    let storage = sampled == 2;
    let dims = [
        Dim::Dim1D as u32,
        Dim::Dim2D as u32,
        Dim::Dim3D as u32,
        Dim::DimCube as u32,
    ];
    if dim == Dim::DimSubpassData as u32 {
        return match (sampled, arrayed, ms) {
            (2, false, 0) => Ok(()),
            (2, false, _) => {
                err("multisampled input attachments (subpassInputMS) are not supported")
            }
            _ => Err(ShaderError::malformed(
                "a SubpassData image type must have Sampled 2 and not be Arrayed",
            )),
        };
    }
    if sampled != 1 && sampled != 2 {
        return Err(ShaderError::malformed(format!(
            "image type with Sampled {sampled}: Vulkan requires 1 or 2"
        )));
    }
    if !dims.contains(&dim) {
        return err(format!(
            "unsupported image Dim {dim}: only 1D, 2D, 3D, Cube and Buffer are"
        ));
    }
    if dim == Dim::Dim3D as u32 && arrayed {
        return Err(ShaderError::malformed("a 3D image type cannot be Arrayed"));
    }
    if ms != 0 && storage {
        return err(
            "multisampled storage images are not supported (shaderStorageImageMultisample)",
        );
    }
    if ms != 0 {
        return err("multisampled sampled images are not supported (sampling of MS images)");
    }
    Ok(())
}

impl Lower<'_, '_> {
    /// The sampled type and shape of an image or sampled-image type.
    pub(super) fn image_type(&self, ty: u32) -> Result<(Scalar, ImgShape), ShaderError> {
        let t = match self.p.ty(ty)? {
            Ty::SampledImage { image } => self.p.ty(*image)?,
            t => t,
        };
        match t {
            Ty::Image {
                sampled,
                dim,
                arrayed,
                ..
            } => Ok((
                *sampled,
                ImgShape {
                    dim: *dim,
                    arrayed: *arrayed,
                },
            )),
            _ => err("an image operand that is not an image"),
        }
    }

    /// The coordinate operand `id` as (x, y, z, layer).
    fn image_coords(&mut self, id: u32, shape: ImgShape) -> Result<[Value; 4], ShaderError> {
        let c = self.s(id)?;
        let zero = self.iconst(types::I32, 0);
        let at = |k: usize| c.get(k).copied().unwrap_or(zero);
        for v in &c {
            if self.b.func.dfg.value_type(*v) != types::I32 {
                return err("image coordinates must be 32-bit integers");
            }
        }
        let d = shape.dim;
        if d == Dim::DimSubpassData as u32 {
            // An offset from the fragment's own pixel, in the layer of its view.
            let Some(l) = self.stage_lane() else {
                return err("subpass inputs are read by fragment shaders only");
            };
            let fc = self.io_lane(IO_IN_FRAG_COORD, l, types::F32);
            let fx = self.b.ins().fcvt_to_sint_sat(types::I32, fc);
            let fc = self.io_lane(IO_IN_FRAG_COORD + 1, l, types::F32);
            let fy = self.b.ins().fcvt_to_sint_sat(types::I32, fc);
            let layer = self.io_lane(IO_IN_VIEW_INDEX, l, types::I32);
            let x = self.b.ins().iadd(at(0), fx);
            let y = self.b.ins().iadd(at(1), fy);
            return Ok([x, y, zero, layer]);
        }
        Ok(if d == Dim::Dim1D as u32 {
            if shape.arrayed {
                [at(0), zero, zero, at(1)]
            } else {
                [at(0), zero, zero, zero]
            }
        } else if d == Dim::Dim3D as u32 {
            [at(0), at(1), at(2), zero]
        } else if d == Dim::DimCube as u32 || shape.arrayed {
            [at(0), at(1), zero, at(2)]
        } else {
            [at(0), at(1), zero, zero]
        })
    }

    /// OpImageRead of a storage image.
    pub(super) fn image_read(
        &mut self,
        i: &Inst,
        d: Value,
        sampled: Scalar,
        shape: ImgShape,
    ) -> Result<(), ShaderError> {
        let [x, y, z, layer] = self.image_coords(i.w(1), shape)?;
        let n = self.kinds(i.ty)?.len().min(4);
        if sampled.wide() {
            // A 64-bit texel: (R, 0, 0, 1) ("Conversion to RGBA"); out of range (0, 0, 0, 0).
            self.call("sv_image_read64", &[self.ctx, d, x, y, z, layer]);
            let r = self
                .b
                .ins()
                .load(types::I64, flags(), self.ctx, CTX_SCRATCH);
            let a = self
                .b
                .ins()
                .load(types::I32, flags(), self.ctx, CTX_SCRATCH + 8);
            let a = self.b.ins().uextend(types::I64, a);
            let zero = self.iconst(types::I64, 0);
            let v = [r, zero, zero, a];
            self.set(i.id, Val::S(v[..n].to_vec()));
            return Ok(());
        }
        let kind = self.iconst(types::I32, texel_kind(sampled) as i64);
        self.call("sv_image_read", &[self.ctx, d, x, y, z, layer, kind]);
        let v = self.scratch(n, sampled == Scalar::F32);
        self.set(i.id, Val::S(v));
        Ok(())
    }

    /// OpImageWrite of a storage image.
    pub(super) fn image_write(
        &mut self,
        i: &Inst,
        d: Value,
        sampled: Scalar,
        shape: ImgShape,
    ) -> Result<(), ShaderError> {
        let [x, y, z, layer] = self.image_coords(i.w(1), shape)?;
        let texel = self.s(i.w(2))?;
        if sampled.wide() {
            let Some(&r) = texel.first() else {
                return err("OpImageWrite without a texel");
            };
            if self.b.func.dfg.value_type(r) != types::I64 {
                return err("OpImageWrite of a 64-bit image with a texel of another type");
            }
            self.call("sv_image_write64", &[d, x, y, z, layer, r]);
            return Ok(());
        }
        let kind = self.iconst(types::I32, texel_kind(sampled) as i64);
        let mut args = vec![d, x, y, z, layer, kind];
        for k in 0..4 {
            let v = match texel.get(k) {
                Some(v) => *v,
                None => self.iconst(types::I32, 0),
            };
            let v = if self.b.func.dfg.value_type(v) == types::F32 {
                self.b.ins().bitcast(types::I32, MemFlagsData::new(), v)
            } else {
                v
            };
            args.push(v);
        }
        self.call("sv_image_write", &args);
        Ok(())
    }

    /// OpImageQuerySize of a storage image.
    pub(super) fn image_size(
        &mut self,
        i: &Inst,
        d: Value,
        shape: ImgShape,
    ) -> Result<(), ShaderError> {
        let code = shape.dim | if shape.arrayed { SHAPE_ARRAYED } else { 0 };
        let code = self.iconst(types::I32, code as i64);
        self.call("sv_image_size", &[self.ctx, d, code]);
        let n = self.kinds(i.ty)?.len().min(4);
        let v = self.scratch(n, false);
        self.set(i.id, Val::S(v));
        Ok(())
    }

    /// OpImageTexelPointer: a pointer (Image storage class) to one 32- or 64-bit texel of a
    /// storage image, for the atomic instructions. Out of range (or when the view's texels are
    /// not of the pointee's size), it addresses nothing: atomics through it are dropped and
    /// return 0, as for buffers.
    pub(super) fn image_texel_pointer(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let pointee = match self.p.ty(i.ty)? {
            Ty::Pointer { pointee } => *pointee,
            _ => return err("OpImageTexelPointer result is not a pointer"),
        };
        let img = self.ptr(i.w(0))?;
        let PtrKind::ImgDesc { desc } = img.kind else {
            return err("OpImageTexelPointer of something other than an image variable");
        };
        let (_, shape) = self.image_type(img.ty)?;
        if shape.is_buffer() {
            return err("OpImageTexelPointer on buffer images is not supported");
        }
        let bytes = match self.p.scalar_of(pointee)? {
            // 32-bit floats: R32_SFLOAT texels (shaderImageFloat32Atomics / AtomicAdd).
            Scalar::I32 | Scalar::U32 | Scalar::F32 => 4,
            Scalar::I64 | Scalar::U64 => 8,
            other => return err(format!("image atomics on {other:?} are not supported")),
        };
        // Sample (w(2)) must be 0: multisampled storage images are refused at the type.
        let [x, y, z, layer] = self.image_coords(i.w(1), shape)?;
        let size = self.iconst(types::I32, bytes);
        let base = self
            .call("sv_image_texel", &[desc, x, y, z, layer, size])
            .expect("returns a value");
        let found = self.b.ins().icmp_imm_s(IntCC::NotEqual, base, 0);
        let four = self.iconst(PTR, bytes);
        let none = self.iconst(PTR, 0);
        let len = self.b.ins().select(found, four, none);
        let off = self.iconst(PTR, 0);
        self.set(
            i.id,
            Val::P(Ptr {
                kind: PtrKind::Mem { base, len, off },
                ty: pointee,
                mstride: None,
                row_major: false,
            }),
        );
        Ok(())
    }
}
