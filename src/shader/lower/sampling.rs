//! Sampled images and samplers: OpTypeImage with Sampled 1 (Dim 1D, 2D, 3D, Cube, Arrayed or
//! not, single-sampled), OpTypeSampler, OpTypeSampledImage; OpSampledImage and OpImage;
//! OpImageFetch (with the Lod operand), OpImageSampleExplicitLod,
//! OpImageSampleDrefExplicitLod, OpImageSampleProjExplicitLod and
//! OpImageSampleProjDrefExplicitLod (Lod or Grad, plus ConstOffset / Offset; Proj divides the
//! coordinates and Dref by q here; Grad on cubes: `sv_grad_lod_cube`, "Cube Map Derivatives"), OpImageGather and OpImageDrefGather (2D and cube images,
//! arrayed or not; ConstOffset, Offset or ConstOffsets), OpImageQuerySizeLod and
//! OpImageQueryLevels. Compute shaders have no implicit derivatives, so the implicit-LOD
//! instructions are not translated.
//!
//! Invalid SPIR-V is refused as malformed with a message, at compile time: Dref on a 3D image
//! or a non-float sampled type, Proj on cube or arrayed images, gathers on 1D/3D images, a
//! gather Component that is not a constant 0..3, ConstOffsets off gathers, offsets on cube
//! images, constant offsets outside [`MIN_TEXEL_OFFSET`, `MAX_TEXEL_OFFSET`] (the limits
//! physical_device.rs reports for both plain and gather offsets).
//!
//! Values: a loaded sampled image (separate) is `Val::Img(desc, ..)`, a loaded sampler
//! `Val::Smp(desc)`, a sampled image (combined descriptor, or made by OpSampledImage)
//! `Val::SImg(image desc, sampler desc, ..)`; a combined descriptor is both. The runtime helpers
//! (runtime/sampling.rs) implement the spec's texel filtering and check every access.
//!
//! Coordinates for sampling are floats, passed in order as `(a, b, c, d)` with the shape code
//! (Dim | 4 if arrayed): 1D (s), 1D array (s, layer), 2D (s, t), 2D array (s, t, layer), 3D (s,
//! t, r), cube (x, y, z), cube array (x, y, z, cube). For OpImageFetch they are integers mapped to
//! `(x, y, z, layer)` as for storage images (fetch is not defined on cube images).
//!
//! The SoA backend (simd.rs) calls [`Lower::image_sample_lanes`] for OpImageSampleExplicitLod:
//! one `sv_sample4` call per subgroup when the descriptors and offsets are uniform and the Lod
//! explicit, the per-lane `sv_sample` path otherwise; the Dref, Proj and gather instructions
//! always run per lane (`sv_sample_dref`, `sv_sample`, `sv_gather`), so both backends give the
//! same bits.

use super::images::ImgShape;
use super::*;
use crate::shader::runtime::SHAPE_ARRAYED;
use spirv::Dim;

/// Helper signatures (as [`HELPERS`]).
pub(super) const SAMPLING_HELPERS: &[(&str, &str, &str)] = &[
    ("sv_fetch", "ppiiiiii", ""),
    ("sv_sample", "pppifffffiiii", ""),
    ("sv_sample4", "pppipiiii", ""),
    ("sv_sample_dref", "pppifffffiiif", ""),
    ("sv_gather", "pppiffffifiiiiiiiiii", ""),
    ("sv_grad_lod", "ppiffffff", "f"),
    ("sv_grad_lod4", "ppipi", ""),
    ("sv_grad_lod_cube", "pfffffffff", "f"),
    ("sv_lod_bias", "pf", "f"),
    ("sv_size_lod", "ppii", ""),
    ("sv_levels", "p", "i"),
];

/// Image operand bits ("Image Operands" in the SPIR-V spec).
const BIAS: u32 = 0x1;
const LOD: u32 = 0x2;
const GRAD: u32 = 0x4;
const CONST_OFFSET: u32 = 0x8;
const OFFSET: u32 = 0x10;
const CONST_OFFSETS: u32 = 0x20;
/// Operand-less bits that change nothing here: Nontemporal, SignExtend, ZeroExtend.
const IGNORED: u32 = 0x4000 | 0x1000 | 0x2000;

/// The operands after the mask, as ids.
struct Operands {
    lod: Option<u32>,
    grad: Option<(u32, u32)>,
    offset: Option<u32>,
    /// Whether `offset` is a ConstOffset (a constant, checked against the limits).
    const_offset: bool,
    /// ConstOffsets (gathers only): a constant array of four 2-component offsets.
    offsets4: Option<u32>,
}

impl Operands {
    const NONE: Operands = Operands {
        lod: None,
        grad: None,
        offset: None,
        const_offset: false,
        offsets4: None,
    };
}

/// minTexelOffset / maxTexelOffset (the ConstOffset of OpImageSample* and OpImageFetch) and
/// minTexelGatherOffset / maxTexelGatherOffset (Offset, ConstOffset and ConstOffsets of
/// OpImage*Gather), as physical_device.rs reports them: constant offsets outside are refused at
/// pipeline creation (the limits' descriptions in "Limits"). The runtime takes any offset.
pub(crate) const MIN_TEXEL_OFFSET: i32 = -8;
pub(crate) const MAX_TEXEL_OFFSET: i32 = 7;

fn shape_code(shape: ImgShape) -> u32 {
    shape.dim | if shape.arrayed { SHAPE_ARRAYED } else { 0 }
}

/// Number of coordinate axes (without the array layer) of a shape.
fn axes(shape: ImgShape) -> usize {
    match shape.dim {
        d if d == Dim::Dim1D as u32 => 1,
        d if d == Dim::Dim3D as u32 || d == Dim::DimCube as u32 => 3,
        _ => 2,
    }
}

impl Lower<'_, '_> {
    fn image_operands(&self, i: &Inst, mask_at: usize) -> Result<Operands, ShaderError> {
        if i.len() <= mask_at {
            return Ok(Operands::NONE);
        }
        let mask = i.w(mask_at);
        let known = BIAS | LOD | GRAD | CONST_OFFSET | OFFSET | CONST_OFFSETS | IGNORED;
        if mask & !known != 0 {
            return err(format!(
                "image operands {:#x} are not supported (only Lod, Grad, ConstOffset, Offset, \
                 ConstOffsets)",
                mask & !known
            ));
        }
        if mask & BIAS != 0 {
            return Err(ShaderError::malformed(
                "the Bias image operand is only valid with implicit LOD (fragment shaders)",
            ));
        }
        let offsets = mask & (CONST_OFFSET | OFFSET | CONST_OFFSETS);
        if offsets.count_ones() > 1 {
            return Err(ShaderError::malformed(
                "at most one of the ConstOffset, Offset and ConstOffsets image operands",
            ));
        }
        let mut k = mask_at + 1;
        let mut next = || {
            k += 1;
            i.w(k - 1)
        };
        let lod = (mask & LOD != 0).then(&mut next);
        let grad = (mask & GRAD != 0).then(|| (next(), next()));
        let offset = (mask & (CONST_OFFSET | OFFSET) != 0).then(&mut next);
        let offsets4 = (mask & CONST_OFFSETS != 0).then(&mut next);
        if k > i.len() {
            return Err(ShaderError::malformed(format!(
                "{:?}: image operands {mask:#x} need {} more operands",
                i.op,
                k - i.len()
            )));
        }
        Ok(Operands {
            lod,
            grad,
            offset,
            const_offset: mask & CONST_OFFSET != 0,
            offsets4,
        })
    }

    /// Checks a ConstOffset's constant values against the offset limits.
    fn check_const_offset(&self, ops: &Operands, what: &str) -> Result<(), ShaderError> {
        let Some(id) = ops.offset.filter(|_| ops.const_offset) else {
            return Ok(());
        };
        let Some(c) = self.p.consts.get(&id) else {
            return Err(ShaderError::malformed(
                "the ConstOffset image operand must be a constant",
            ));
        };
        for v in c {
            let v = *v as u32 as i32;
            if !(MIN_TEXEL_OFFSET..=MAX_TEXEL_OFFSET).contains(&v) {
                return Err(ShaderError::malformed(format!(
                    "ConstOffset {v} is outside [{MIN_TEXEL_OFFSET}, {MAX_TEXEL_OFFSET}] \
                     ({what})"
                )));
            }
        }
        Ok(())
    }

    /// Up to three offset integers (zeros past the operand's width).
    fn offsets(&mut self, id: Option<u32>) -> Result<[Value; 3], ShaderError> {
        let zero = self.iconst(types::I32, 0);
        let Some(id) = id else {
            return Ok([zero; 3]);
        };
        let v = self.s(id)?;
        self.int32s(&v, "texel offsets")?;
        Ok(std::array::from_fn(|k| v.get(k).copied().unwrap_or(zero)))
    }

    /// Refuses values that are not 32-bit integers (what the helpers take).
    fn int32s(&self, v: &[Value], what: &str) -> Result<(), ShaderError> {
        if v.iter()
            .any(|x| self.b.func.dfg.value_type(*x) != types::I32)
        {
            return err(format!("{what} must be 32-bit integers"));
        }
        Ok(())
    }

    /// OpSampledImage and OpImage.
    pub(super) fn sampled_image_op(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let (sampled, shape) = self.image_type(i.ty)?;
        let v = match (i.op, self.get(i.w(0))?) {
            // Buffer images keep their texel-buffer path.
            (_, Val::Img(d, _, _)) if shape.is_buffer() => Val::Img(d, sampled, shape),
            (Op::SampledImage, Val::Img(d, _, _)) => match self.get(i.w(1))? {
                Val::Smp(s) => Val::SImg(d, s, sampled, shape),
                _ => return err("OpSampledImage of something other than a sampler"),
            },
            (Op::Image, Val::SImg(d, _, _, _)) | (Op::Image, Val::Img(d, _, _)) => {
                Val::Img(d, sampled, shape)
            }
            _ => return err("OpSampledImage/OpImage of a non-image"),
        };
        self.set(i.id, v);
        Ok(())
    }

    /// OpImageFetch of a sampled (non-buffer) image.
    pub(super) fn image_fetch(
        &mut self,
        i: &Inst,
        d: Value,
        sampled: Scalar,
        shape: ImgShape,
    ) -> Result<(), ShaderError> {
        if shape.dim == Dim::DimCube as u32 {
            return Err(ShaderError::malformed("OpImageFetch of a cube image"));
        }
        let ops = self.image_operands(i, 2)?;
        if ops.grad.is_some() || ops.offsets4.is_some() {
            return Err(ShaderError::malformed(
                "OpImageFetch takes only the Lod, ConstOffset and Offset image operands",
            ));
        }
        self.check_const_offset(&ops, "minTexelOffset / maxTexelOffset")?;
        let c = self.s(i.w(1))?;
        for v in &c {
            if self.b.func.dfg.value_type(*v) != types::I32 {
                return err("OpImageFetch coordinates must be 32-bit integers");
            }
        }
        let zero = self.iconst(types::I32, 0);
        let at = |k: usize| c.get(k).copied().unwrap_or(zero);
        let n = axes(shape);
        let mut xyz = [zero; 3];
        for (k, v) in xyz.iter_mut().enumerate().take(n) {
            *v = at(k);
        }
        let off = self.offsets(ops.offset)?;
        for k in 0..n {
            xyz[k] = self.b.ins().iadd(xyz[k], off[k]);
        }
        let layer = if shape.arrayed { at(n) } else { zero };
        let lod = match ops.lod {
            Some(id) => self.s1(id)?,
            None => zero,
        };
        self.int32s(&[lod], "the Lod of OpImageFetch")?;
        let kind = self.iconst(types::I32, texel_kind(sampled) as i64);
        self.call(
            "sv_fetch",
            &[self.ctx, d, xyz[0], xyz[1], xyz[2], layer, lod, kind],
        );
        let n = self.kinds(i.ty)?.len().min(4);
        let v = self.scratch(n, sampled == Scalar::F32);
        self.set(i.id, Val::S(v));
        Ok(())
    }

    /// The float coordinates of a sample or gather as `(a, b, c, d)` (see the module docs);
    /// for the Proj forms, the first `axes` divided by q (the component after them) and the
    /// Dref too ("Projection Operation"). Returns the coordinates and the divided Dref.
    fn sample_coords(
        &mut self,
        id: u32,
        shape: ImgShape,
        proj: bool,
        dref: Option<Value>,
    ) -> Result<([Value; 4], Option<Value>), ShaderError> {
        let c = self.s(id)?;
        let fzero = self.b.ins().f32const(0.0);
        if c.iter()
            .any(|v| self.b.func.dfg.value_type(*v) != types::F32)
        {
            return err("sampling coordinates must be 32-bit floats");
        }
        let mut coord = [fzero; 4];
        for (k, v) in c.iter().take(4).enumerate() {
            coord[k] = *v;
        }
        if !proj {
            return Ok((coord, dref));
        }
        let n = axes(shape);
        let Some(&q) = c.get(n) else {
            return Err(ShaderError::malformed(
                "a Proj coordinate needs its q component after the image's axes",
            ));
        };
        for v in coord.iter_mut().take(n) {
            *v = self.b.ins().fdiv(*v, q);
        }
        for v in coord.iter_mut().skip(n) {
            *v = fzero;
        }
        let dref = dref.map(|d| self.b.ins().fdiv(d, q));
        Ok((coord, dref))
    }

    /// The Dref operand: a 32-bit float scalar.
    fn dref(&mut self, id: u32) -> Result<Value, ShaderError> {
        let v = self.s(id)?;
        match v.as_slice() {
            [d] if self.b.func.dfg.value_type(*d) == types::F32 => Ok(*d),
            _ => Err(ShaderError::malformed("Dref must be a 32-bit float scalar")),
        }
    }

    /// OpImageSampleExplicitLod, OpImageSampleDrefExplicitLod, OpImageSampleProjExplicitLod
    /// and OpImageSampleProjDrefExplicitLod.
    pub(super) fn image_sample(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let name = format!("Op{:?}", i.op);
        let Val::SImg(d, smp, sampled, shape) = self.get(i.w(0))? else {
            return Err(ShaderError::malformed(format!(
                "{name} of something other than a sampled image"
            )));
        };
        if shape.is_buffer() {
            return Err(ShaderError::malformed("sampling a buffer image"));
        }
        let is_dref = matches!(
            i.op,
            Op::ImageSampleDrefExplicitLod | Op::ImageSampleProjDrefExplicitLod
        );
        let proj = matches!(
            i.op,
            Op::ImageSampleProjExplicitLod | Op::ImageSampleProjDrefExplicitLod
        );
        let cube = shape.dim == Dim::DimCube as u32;
        if proj && (cube || shape.arrayed) {
            return Err(ShaderError::malformed(format!(
                "{name} needs a non-arrayed 1D, 2D or 3D image"
            )));
        }
        if is_dref {
            // Vulkan: "OpImage*Dref* instructions must not consume an image whose Dim is 3D";
            // the result is the sampled type, a float scalar.
            if shape.dim == Dim::Dim3D as u32 {
                return Err(ShaderError::malformed(format!("{name} of a 3D image")));
            }
            if sampled != Scalar::F32 || self.kinds(i.ty)? != [Scalar::F32] {
                return Err(ShaderError::malformed(format!(
                    "{name} needs a 32-bit float sampled type and result"
                )));
            }
        }
        let mask_at = if is_dref { 3 } else { 2 };
        let ops = self.image_operands(i, mask_at)?;
        if ops.offsets4.is_some() {
            return Err(ShaderError::malformed(format!(
                "ConstOffsets is only valid on gathers, not {name}"
            )));
        }
        if cube && ops.offset.is_some() {
            return Err(ShaderError::malformed(
                "ConstOffset / Offset cannot be used with a cube image",
            ));
        }
        self.check_const_offset(&ops, "minTexelOffset / maxTexelOffset")?;
        let dref = match is_dref {
            true => Some(self.dref(i.w(2))?),
            false => None,
        };
        let (coord, dref) = self.sample_coords(i.w(1), shape, proj, dref)?;
        let fzero = self.b.ins().f32const(0.0);
        let n = axes(shape);
        let lod = match (ops.lod, ops.grad) {
            (Some(id), None) => {
                let v = self.s1(id)?;
                if self.b.func.dfg.value_type(v) != types::F32 {
                    return err("the Lod of a sample must be a 32-bit float");
                }
                v
            }
            (None, Some((dx, dy))) => {
                let gx = self.s(dx)?;
                let gy = self.s(dy)?;
                let g = |v: &Vec<Value>, k: usize| v.get(k).copied().unwrap_or(fzero);
                let grads = [
                    g(&gx, 0),
                    g(&gx, 1),
                    g(&gx, 2),
                    g(&gy, 0),
                    g(&gy, 1),
                    g(&gy, 2),
                ];
                for v in &grads {
                    if self.b.func.dfg.value_type(*v) != types::F32 {
                        return err("gradients must be 32-bit floats");
                    }
                }
                let base = if cube {
                    // "Cube Map Derivatives": the face's coordinates' derivatives.
                    let mut args = vec![d, coord[0], coord[1], coord[2]];
                    args.extend(grads);
                    self.call("sv_grad_lod_cube", &args)
                        .expect("returns a value")
                } else {
                    let axes_v = self.iconst(types::I32, n as i64);
                    let mut args = vec![d, smp, axes_v];
                    args.extend(grads);
                    self.call("sv_grad_lod", &args).expect("returns a value")
                };
                // An implicit-LOD sample's Bias (stage.rs): λ_base + clamp(sampler bias +
                // Bias) - clamp(sampler bias), to which the sampler's clamped bias is added.
                match self.soa.as_ref().and_then(|s| s.implicit_bias) {
                    Some(id) => {
                        let b = self.s1(id)?;
                        if self.b.func.dfg.value_type(b) != types::F32 {
                            return Err(ShaderError::malformed(
                                "a Bias that is not a 32-bit float",
                            ));
                        }
                        let adj = self
                            .call("sv_lod_bias", &[smp, b])
                            .expect("returns a value");
                        self.b.ins().fadd(base, adj)
                    }
                    None => base,
                }
            }
            _ => {
                return Err(ShaderError::malformed(format!(
                    "{name} needs exactly one of Lod and Grad"
                )));
            }
        };
        let off = self.offsets(ops.offset)?;
        let code = self.iconst(types::I32, shape_code(shape) as i64);
        let mut args = vec![
            self.ctx, d, smp, code, coord[0], coord[1], coord[2], coord[3], lod, off[0], off[1],
            off[2],
        ];
        match dref {
            Some(dref) => {
                args.push(dref);
                self.call("sv_sample_dref", &args);
            }
            None => {
                args.push(self.iconst(types::I32, texel_kind(sampled) as i64));
                self.call("sv_sample", &args);
            }
        }
        let n = self.kinds(i.ty)?.len().min(4);
        let v = self.scratch(n, sampled == Scalar::F32);
        self.set(i.id, Val::S(v));
        Ok(())
    }

    /// OpImageGather and OpImageDrefGather ("Texel Gathering"): 2D, 2D array, cube and cube
    /// array images; ConstOffset / Offset move the 2x2 footprint, ConstOffsets (four constant
    /// offsets from i0j0) replace it. The four texel positions are computed here, in the
    /// spec's order (i0j1, i1j1, i1j0, i0j0), and fetched by `sv_gather`.
    pub(super) fn image_gather(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let name = format!("Op{:?}", i.op);
        let Val::SImg(d, smp, sampled, shape) = self.get(i.w(0))? else {
            return Err(ShaderError::malformed(format!(
                "{name} of something other than a sampled image"
            )));
        };
        let cube = shape.dim == Dim::DimCube as u32;
        if !(cube || shape.dim == Dim::Dim2D as u32) {
            return Err(ShaderError::malformed(format!(
                "{name} needs a 2D or cube image (Dim {})",
                shape.dim
            )));
        }
        let is_dref = i.op == Op::ImageDrefGather;
        let kinds = self.kinds(i.ty)?;
        if kinds.len() != 4 || kinds.iter().any(|k| *k != sampled) {
            return Err(ShaderError::malformed(format!(
                "{name} returns a 4-component vector of the image's sampled type"
            )));
        }
        let (comp, dref) = if is_dref {
            if sampled != Scalar::F32 {
                return Err(ShaderError::malformed(format!(
                    "{name} needs a 32-bit float sampled type"
                )));
            }
            (0, Some(self.dref(i.w(2))?))
        } else {
            // Vulkan: the Component operand is the id of a constant.
            let Some(c) = self.p.consts.get(&i.w(2)).and_then(|c| c.first().copied()) else {
                return Err(ShaderError::malformed(
                    "the Component of OpImageGather must be a constant",
                ));
            };
            if c > 3 {
                return Err(ShaderError::malformed(format!(
                    "OpImageGather component {c} is not 0, 1, 2 or 3"
                )));
            }
            (c as i64, None)
        };
        let ops = self.image_operands(i, 3)?;
        if ops.lod.is_some() || ops.grad.is_some() {
            return Err(ShaderError::malformed(format!(
                "{name} takes no Lod or Grad (SPV_AMD_texture_gather_bias_lod is not supported)"
            )));
        }
        if cube && (ops.offset.is_some() || ops.offsets4.is_some()) {
            return Err(ShaderError::malformed(
                "offsets cannot be used with a cube image",
            ));
        }
        self.check_const_offset(&ops, "minTexelGatherOffset / maxTexelGatherOffset")?;
        let (coord, _) = self.sample_coords(i.w(1), shape, false, None)?;
        let mut pos = Vec::with_capacity(8);
        if let Some(id) = ops.offsets4 {
            let c = match self.p.consts.get(&id) {
                Some(c) if c.len() == 8 => c.clone(),
                _ => {
                    return Err(ShaderError::malformed(
                        "ConstOffsets must be a constant array of four 2-component integer \
                         vectors",
                    ));
                }
            };
            for v in c {
                let v = v as u32 as i32;
                if !(MIN_TEXEL_OFFSET..=MAX_TEXEL_OFFSET).contains(&v) {
                    return Err(ShaderError::malformed(format!(
                        "ConstOffsets value {v} is outside [{MIN_TEXEL_OFFSET}, \
                         {MAX_TEXEL_OFFSET}] (minTexelGatherOffset / maxTexelGatherOffset)"
                    )));
                }
                pos.push(self.iconst(types::I32, v as i64));
            }
        } else {
            let [ox, oy, _] = self.offsets(ops.offset)?;
            for (dx, dy) in [(0, 1), (1, 1), (1, 0), (0, 0)] {
                pos.push(self.b.ins().iadd_imm_s(ox, dx));
                pos.push(self.b.ins().iadd_imm_s(oy, dy));
            }
        }
        let code = self.iconst(types::I32, shape_code(shape) as i64);
        let comp = self.iconst(types::I32, comp);
        let fzero = self.b.ins().f32const(0.0);
        let dref_v = dref.unwrap_or(fzero);
        let is_dref_v = self.iconst(types::I32, is_dref as i64);
        let kind = self.iconst(types::I32, texel_kind(sampled) as i64);
        let mut args = vec![
            self.ctx, d, smp, code, coord[0], coord[1], coord[2], coord[3], comp, dref_v,
            is_dref_v, kind,
        ];
        args.extend(pos);
        self.call("sv_gather", &args);
        let v = self.scratch(4, sampled == Scalar::F32);
        self.set(i.id, Val::S(v));
        Ok(())
    }

    /// OpImageSampleExplicitLod in the SoA backend (simd.rs) with uniform descriptors and
    /// offsets and an explicit Lod: one `sv_sample4` call for the subgroup, whose coordinates
    /// and Lod (rows of [`LANES`] floats) and results (one row per component) pass through a
    /// stack slot, instead of one `sv_sample` per lane. Every lane is sampled (sampling has no
    /// side effects), as the per-lane path does. False, with nothing emitted, for other forms
    /// (which take the per-lane path).
    pub(super) fn image_sample_lanes(&mut self, i: &Inst) -> Result<bool, ShaderError> {
        use super::simd::Lv;
        use super::uniformity::LANES;
        let Val::SImg(d, smp, sampled, shape) = self.get(i.w(0))? else {
            return Ok(false);
        };
        if shape.is_buffer() || i.len() < 3 {
            return Ok(false);
        }
        let ops = self.image_operands(i, 2)?;
        // An explicit Lod, or gradients (not on cubes: their derivatives take the face).
        let lod_or_grad = match (ops.lod, ops.grad) {
            (Some(id), None) => Ok(id),
            (None, Some(g)) if shape.dim != Dim::DimCube as u32 => Err(g),
            _ => return Ok(false),
        };
        // Forms the per-lane path refuses take it (for its error).
        if ops.offsets4.is_some()
            || (shape.dim == Dim::DimCube as u32 && ops.offset.is_some())
            || self.check_const_offset(&ops, "").is_err()
        {
            return Ok(false);
        }
        if let Some(id) = ops.offset
            && !Self::is_uniform(&self.get(id)?)
        {
            return Ok(false);
        }
        // 32-bit float rows: a vector per row (uniform scalars splatted).
        let rows = |l: &mut Self, id: u32| -> Result<Option<Vec<Value>>, ShaderError> {
            let lvs: Vec<Lv> = match l.get(id)? {
                Val::S(s) => s.into_iter().map(Lv::U).collect(),
                Val::W(w) => w,
                _ => return Ok(None),
            };
            let mut out = Vec::new();
            for x in lvs {
                out.push(match x {
                    Lv::U(u) if l.b.func.dfg.value_type(u) == types::F32 => {
                        l.b.ins().splat(types::F32X4, u)
                    }
                    Lv::V(v) if l.b.func.dfg.value_type(v) == types::F32X4 => v,
                    _ => return Ok(None),
                });
            }
            Ok(Some(out))
        };
        let Some(coord) = rows(self, i.w(1))? else {
            return Ok(false);
        };
        // The Lod row, or the gradient rows (dx, then dy, three each) and the Bias of an
        // implicit-LOD sample.
        let lod = match lod_or_grad {
            Ok(id) => match rows(self, id)? {
                Some(v) if v.len() == 1 => Ok(v[0]),
                _ => return Ok(false),
            },
            Err((dx, dy)) => {
                let (Some(gx), Some(gy)) = (rows(self, dx)?, rows(self, dy)?) else {
                    return Ok(false);
                };
                let bias = match self.soa.as_ref().and_then(|s| s.implicit_bias) {
                    Some(id) => match rows(self, id)? {
                        Some(v) if v.len() == 1 => Some(v[0]),
                        _ => return Ok(false),
                    },
                    None => None,
                };
                if gx.is_empty() || gy.is_empty() || gx.len() > 3 || gy.len() > 3 {
                    return Ok(false);
                }
                Err((gx, gy, bias))
            }
        };
        let n = self.kinds(i.ty)?.len().min(4);
        if coord.is_empty() || n == 0 {
            return Ok(false);
        }
        // RGBA8 UNORM, bilinear, clamped to the edges, level 0: inline (runtime check), else
        // the call.
        let inline = shape.dim == Dim::Dim2D as u32
            && !shape.arrayed
            && ops.offset.is_none()
            && sampled == Scalar::F32
            && coord.len() >= 2
            && crate::shader::module::hardware_fma();
        let mut join = None;
        if inline {
            let (cb, rb, pb, sb, jb) = (
                self.b.create_block(),
                self.b.create_block(),
                self.b.create_block(),
                self.b.create_block(),
                self.b.create_block(),
            );
            for _ in 0..4 {
                self.b.append_block_param(jb, types::F32X4);
            }
            self.branch_linear_rgba8(d, smp, (coord[0], coord[1]), (cb, rb, pb), sb);
            for (block, wrap) in [
                (cb, Wrap::Clamp),
                (rb, Wrap::Repeat),
                (pb, Wrap::RepeatPow2),
            ] {
                self.b.switch_to_block(block);
                let rgba = self.linear_rgba8(d, wrap, coord[0], coord[1]);
                let args: Vec<BlockArg> = rgba.iter().map(|&v| BlockArg::Value(v)).collect();
                self.b.ins().jump(jb, &args);
            }
            self.b.switch_to_block(sb);
            join = Some(jb);
        }
        let row = (4 * LANES) as i32;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            12 * row as u32,
            4,
        ));
        let io = self.b.ins().stack_addr(PTR, slot, 0);
        let fzero = self.b.ins().f32const(0.0);
        let zeros = self.b.ins().splat(types::F32X4, fzero);
        for k in 0..4 {
            let v = coord.get(k).copied().unwrap_or(zeros);
            self.b.ins().store(flags(), v, io, row * k as i32);
        }
        match lod {
            Ok(lod) => {
                self.b.ins().store(flags(), lod, io, 4 * row);
            }
            Err((gx, gy, bias)) => {
                // λ per lane into the Lod row (sv_grad_lod4), as the per-lane path's
                // sv_grad_lod and sv_lod_bias give it.
                for (k, g) in [gx, gy].iter().enumerate() {
                    for c in 0..3 {
                        let v = g.get(c).copied().unwrap_or(zeros);
                        self.b
                            .ins()
                            .store(flags(), v, io, row * (5 + 3 * k + c) as i32);
                    }
                }
                if let Some(b) = bias {
                    self.b.ins().store(flags(), b, io, 11 * row);
                }
                let axes_v = self.iconst(types::I32, axes(shape) as i64);
                let has_bias = self.iconst(types::I32, bias.is_some() as i64);
                self.call("sv_grad_lod4", &[d, smp, axes_v, io, has_bias]);
            }
        }
        let off = self.offsets(ops.offset)?;
        let code = self.iconst(types::I32, shape_code(shape) as i64);
        let kind = self.iconst(types::I32, texel_kind(sampled) as i64);
        self.call(
            "sv_sample4",
            &[self.ctx, d, smp, code, io, off[0], off[1], off[2], kind],
        );
        let t = if sampled == Scalar::F32 {
            types::F32X4
        } else {
            types::I32X4
        };
        let mut v: Vec<Value> = (0..if join.is_some() { 4 } else { n })
            .map(|k| self.b.ins().load(t, flags(), io, row * k as i32))
            .collect();
        if let Some(jb) = join {
            let args: Vec<BlockArg> = v.iter().map(|&x| BlockArg::Value(x)).collect();
            self.b.ins().jump(jb, &args);
            self.b.switch_to_block(jb);
            v = self.b.block_params(jb)[..n].to_vec();
        }
        let v = v.into_iter().map(Lv::V).collect();
        self.set(i.id, Val::W(v));
        Ok(true)
    }

    /// Branches to `clamp`, `repeat` or `pow2` (REPEAT on a view whose sizes are powers of
    /// two) when the image and sampler descriptors `d`, `smp` take [`Self::linear_rgba8`] at
    /// coordinates `(s, t)` with that address mode (runtime::sampling::JitLinear's flags;
    /// with REPEAT, every lane's |s * width| and |t * height| below 2^21), else to `slow`
    /// (anything else, including an empty or foreign slot, takes the call).
    fn branch_linear_rgba8(
        &mut self,
        d: Value,
        smp: Value,
        (s, t): (Value, Value),
        (clamp, repeat, pow2): (Block, Block, Block),
        slow: Block,
    ) {
        use crate::shader::runtime::sampling::{JitLinear, TAG_SAMPLED};
        use crate::shader::runtime::{SLOT_PTR, SLOT_TAG};
        let live = |l: &mut Self, desc: Value| {
            let tag = l.b.ins().load(types::I32, flags(), desc, SLOT_TAG);
            let ptr = l.b.ins().load(PTR, flags(), desc, SLOT_PTR);
            let is = l.b.ins().icmp_imm_s(IntCC::Equal, tag, TAG_SAMPLED as i64);
            let set = l.b.ins().icmp_imm_s(IntCC::NotEqual, ptr, 0);
            (l.b.ins().band(is, set), ptr)
        };
        let (di, pi) = live(self, d);
        let (ds, ps) = live(self, smp);
        let both = self.b.ins().band(di, ds);
        let check = self.b.create_block();
        self.b.ins().brif(both, check, &[], slow, &[]);
        self.b.switch_to_block(check);
        let at = |f: usize| f as i32;
        let fi = self.b.ins().load(
            types::I32,
            flags(),
            pi,
            at(std::mem::offset_of!(JitLinear, image_flags)),
        );
        let fs = self.b.ins().load(
            types::I32,
            flags(),
            ps,
            at(std::mem::offset_of!(JitLinear, sampler_flags)),
        );
        let both = self.b.ins().band(fi, fs);
        let either = self.b.ins().bor(fi, fs);
        let either = self.b.ins().ushr_imm_u(either, 1);
        let ok = self.b.ins().band(both, either);
        let ok = self.b.ins().band_imm_u(ok, 1);
        let mode = self.b.create_block();
        self.b.ins().brif(ok, mode, &[], slow, &[]);
        self.b.switch_to_block(mode);
        // CLAMP_TO_EDGE, or REPEAT (sampler bit 2), which also needs image bit 2 and
        // coordinates in range.
        let rep = self.b.ins().band_imm_u(fs, 4);
        let check = self.b.create_block();
        self.b.ins().brif(rep, check, &[], clamp, &[]);
        self.b.switch_to_block(check);
        let size_at = std::mem::offset_of!(JitLinear, size) as i32;
        let w = self.b.ins().load(types::F32, flags(), pi, size_at);
        let h = self.b.ins().load(types::F32, flags(), pi, size_at + 4);
        let lim = self.b.ins().f32const((1u32 << 21) as f32);
        let lim = self.b.ins().splat(types::F32X4, lim);
        let in_range = |l: &mut Self, c: Value, size: Value| {
            let size = l.b.ins().splat(types::F32X4, size);
            let u = l.b.ins().fmul(c, size);
            let u = l.b.ins().fabs(u);
            // NaN compares false: out of range.
            l.b.ins().fcmp(FloatCC::LessThan, u, lim)
        };
        let rs = in_range(self, s, w);
        let rt = in_range(self, t, h);
        let r = self.b.ins().band(rs, rt);
        let all = self.b.ins().vall_true(r);
        let all = self.b.ins().uextend(types::I32, all);
        let small = self.b.ins().ushr_imm_u(fi, 2);
        let ok = self.b.ins().band(small, all);
        let ok = self.b.ins().band_imm_u(ok, 1);
        let which = self.b.create_block();
        self.b.ins().brif(ok, which, &[], slow, &[]);
        self.b.switch_to_block(which);
        let p2 = self.b.ins().band_imm_u(fi, 8);
        self.b.ins().brif(p2, pow2, &[], repeat, &[]);
    }

    /// Four lanes of a bilinear sample of level 0 of an RGBA8 UNORM view, clamped to its edges
    /// or (`repeat`) wrapped (the slot's `JitLinear` applies): the fixed-point filter of
    /// `runtime::sampling::fixed_point` (the same weights and exact integer sums as the
    /// runtime's fast path, `level_2d` with `Decoder::Unorm8Rgba`, then the same division), so
    /// the bits match the call's.
    fn linear_rgba8(&mut self, d: Value, wrap: Wrap, s: Value, t: Value) -> [Value; 4] {
        use crate::shader::runtime::sampling::JitLinear;
        let rec = self
            .b
            .ins()
            .load(PTR, flags(), d, crate::shader::runtime::SLOT_PTR);
        let field = |name: usize| name as i32;
        let f32x4 = types::F32X4;
        let i32x4 = types::I32X4;
        let ld = |l: &mut Self, t: Type, off: usize| l.b.ins().load(t, flags(), rec, field(off));
        let base = ld(self, PTR, std::mem::offset_of!(JitLinear, base));
        let size_at = std::mem::offset_of!(JitLinear, size);
        let last_at = std::mem::offset_of!(JitLinear, last);
        let w = ld(self, types::F32, size_at);
        let h = ld(self, types::F32, size_at + 4);
        let lim: Vec<Value> = (0..4)
            .map(|k| {
                let x = ld(self, types::I32, last_at + 4 * k);
                self.b.ins().splat(i32x4, x)
            })
            .collect();
        let pitch = ld(self, types::I32, std::mem::offset_of!(JitLinear, row_pitch));
        let pitch = self.b.ins().splat(i32x4, pitch);
        let half = self.b.ins().f32const(0.5);
        let half = self.b.ins().splat(f32x4, half);
        let izero = self.b.ins().iconst(types::I32, 0);
        let izero = self.b.ins().splat(i32x4, izero);
        let ione = self.b.ins().iconst(types::I32, 1);
        let ione = self.b.ins().splat(i32x4, ione);
        // runtime::sampling::axis, LINEAR: u = coord * size - 0.5; i0 = floor(u) (saturated;
        // NaN 0), weight u - floor(u); then CLAMP_TO_EDGE of i0 and i0 + 1, or REPEAT: both
        // modulo the size (|u| < 2^21 and size <= 2^22, checked by the branch: f - q size is
        // exact, and the f32 quotient's floor is at most one too large, which one correction
        // mends; with power-of-two sizes, masking the index with size - 1 is the modulo).
        let axis = |l: &mut Self, c: Value, size: Value, last: Value, last2: Value| {
            let size = l.b.ins().splat(f32x4, size);
            let u = l.b.ins().fmul(c, size);
            let u = l.b.ins().fsub(u, half);
            let f = l.b.ins().floor(u);
            let a = l.b.ins().fsub(u, f);
            if wrap == Wrap::RepeatPow2 {
                // |f| < 2^21: exact as an integer, and two's complement masking wraps
                // negative indices too.
                let i = l.b.ins().fcvt_to_sint_sat(i32x4, f);
                let r0 = l.b.ins().band(i, last);
                let r1 = l.b.ins().iadd(r0, ione);
                let r1 = l.b.ins().band(r1, last);
                return (r0, r1, a);
            }
            if wrap == Wrap::Clamp {
                let i = l.b.ins().fcvt_to_sint_sat(i32x4, f);
                let i0 = l.b.ins().smax(i, izero);
                let i0 = l.b.ins().smin(i0, last);
                // i + 1 clamped without overflow: min(i, size - 2) + 1, at least 0.
                let i1 = l.b.ins().smin(i, last2);
                let i1 = l.b.ins().iadd(i1, ione);
                let i1 = l.b.ins().smax(i1, izero);
                return (i0, i1, a);
            }
            let q = l.b.ins().fdiv(f, size);
            let q = l.b.ins().floor(q);
            let qs = l.b.ins().fmul(q, size);
            let r = l.b.ins().fsub(f, qs);
            let r = l.b.ins().fcvt_to_sint_sat(i32x4, r);
            let n = l.b.ins().iadd(last, ione);
            let neg = l.b.ins().icmp(IntCC::SignedLessThan, r, izero);
            let fix = l.b.ins().band(neg, n);
            let r0 = l.b.ins().iadd(r, fix);
            let r1 = l.b.ins().iadd(r0, ione);
            let wrap = l.b.ins().icmp(IntCC::Equal, r1, n);
            let r1 = l.b.ins().band_not(r1, wrap);
            (r0, r1, a)
        };
        let (x0, x1, a) = axis(self, s, w, lim[0], lim[2]);
        let (y0, y1, b) = axis(self, t, h, lim[1], lim[3]);
        let c0 = self.b.ins().ishl_imm_u(x0, 2);
        let c1 = self.b.ins().ishl_imm_u(x1, 2);
        let r0 = self.b.ins().imul(y0, pitch);
        let r1 = self.b.ins().imul(y1, pitch);
        // The texels as pairs: per row, lanes 0-1 and lanes 2-3, each lane its (x0, y) texel
        // in bytes 0..4 and its (x1, y) texel in bytes 4..8. Where every lane's x1 is x0 + 1
        // (no edge or wrap between them), one 8-byte load reads a lane's pair; else the four
        // corners are read one word each and interleaved.
        let i8x16 = types::I8X16;
        let le = little();
        let (pairs, corners, join) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        for _ in 0..4 {
            self.b.append_block_param(join, i8x16);
        }
        let step = self.b.ins().isub(x1, x0);
        let next = self.b.ins().icmp(IntCC::Equal, step, ione);
        let next = self.b.ins().vall_true(next);
        self.b.ins().brif(next, pairs, &[], corners, &[]);
        let lane_at = |l: &mut Self, off: Value, lane: u8| {
            let o = l.b.ins().extractlane(off, lane);
            let o = l.b.ins().uextend(PTR, o);
            l.b.ins().iadd(base, o)
        };
        self.b.switch_to_block(pairs);
        let mut rows = Vec::new();
        for r in [r0, r1] {
            let off = self.b.ins().iadd(r, c0);
            for half in 0..2 {
                let mut v = None;
                for k in 0..2u8 {
                    let p = lane_at(self, off, 2 * half + k);
                    let x = self.b.ins().load(types::I64, flags(), p, 0);
                    v = Some(match v {
                        None => self.b.ins().scalar_to_vector(types::I64X2, x),
                        Some(v) => self.b.ins().insertlane(v, x, k),
                    });
                }
                let v = v.expect("two lanes");
                rows.push(BlockArg::Value(self.b.ins().bitcast(i8x16, le, v)));
            }
        }
        self.b.ins().jump(join, &rows);
        self.b.switch_to_block(corners);
        let mut rows = Vec::new();
        for r in [r0, r1] {
            let mut t = Vec::new();
            for c in [c0, c1] {
                let off = self.b.ins().iadd(r, c);
                let mut v = None;
                for lane in 0..super::uniformity::LANES as u8 {
                    let p = lane_at(self, off, lane);
                    let x = self.b.ins().load(types::I32, flags(), p, 0);
                    v = Some(match v {
                        None => self.b.ins().scalar_to_vector(i32x4, x),
                        Some(v) => self.b.ins().insertlane(v, x, lane),
                    });
                }
                let v = v.expect("four lanes");
                t.push(self.b.ins().bitcast(i8x16, le, v));
            }
            // Words (lane of x0, lane of x1) interleaved: lanes 0-1, then 2-3.
            for half in 0..2u8 {
                let words = [2 * half, 4 + 2 * half, 2 * half + 1, 4 + 2 * half + 1];
                let mask = self.word_mask(words);
                rows.push(BlockArg::Value(self.b.ins().shuffle(t[0], t[1], mask)));
            }
        }
        self.b.ins().jump(join, &rows);
        self.b.switch_to_block(join);
        let rows = self.b.block_params(join).to_vec();
        // runtime::sampling::weight8 of both axes; the x weights as pairs (256 - qa, qa) of
        // 16-bit halves, beside the texels' pairs.
        let k256f = self.b.ins().f32const(256.0);
        let k256f = self.b.ins().splat(f32x4, k256f);
        let k256 = self.b.ins().iconst(types::I32, 256);
        let k256 = self.b.ins().splat(i32x4, k256);
        let qa = self.b.ins().fmul(a, k256f);
        let qa = self.b.ins().fcvt_to_sint_sat(i32x4, qa);
        let qb = self.b.ins().fmul(b, k256f);
        let qb = self.b.ins().fcvt_to_sint_sat(i32x4, qb);
        let na = self.b.ins().isub(k256, qa);
        let pa = self.b.ins().ishl_imm_u(qa, 16);
        let pa = self.b.ins().bor(pa, na);
        let pa = self.b.ins().bitcast(types::I16X8, le, pa);
        let unit = self.b.ins().f32const((255u32 << 16) as f32);
        let unit = self.b.ins().splat(f32x4, unit);
        let mut out = [None; 4];
        for (k, o) in out.iter_mut().enumerate() {
            // Per row, component k of each lane's pair as 16-bit halves (x0's low, x1's
            // high), times (256 - qa, qa) and added (pmaddwd): the row's sum, at most
            // 255 * 256.
            let mut h = Vec::new();
            for r in 0..2 {
                let (lo, hi) = (rows[2 * r], rows[2 * r + 1]);
                let k = k as u8;
                let bytes = (0..4u8).flat_map(|l| {
                    let src = if l < 2 { 8 * l } else { 16 + 8 * (l - 2) };
                    [src + k, 32, src + 4 + k, 32]
                });
                // (Index 32: any byte, cleared below.)
                let mask = self.byte_mask(bytes.map(|b| b & 31));
                let both = self.b.ins().shuffle(lo, hi, mask);
                // The odd bytes (index 32 above) cleared.
                let keep = self.b.ins().iconst(types::I32, 0x00ff_00ff);
                let keep = self.b.ins().splat(i32x4, keep);
                let keep = self.b.ins().bitcast(i8x16, le, keep);
                let p = self.b.ins().band(both, keep);
                let p = self.b.ins().bitcast(types::I16X8, le, p);
                let lo = self.b.ins().swiden_low(p);
                let wlo = self.b.ins().swiden_low(pa);
                let lo = self.b.ins().imul(lo, wlo);
                let hi = self.b.ins().swiden_high(p);
                let whi = self.b.ins().swiden_high(pa);
                let hi = self.b.ins().imul(hi, whi);
                h.push(self.b.ins().iadd_pairwise(lo, hi));
            }
            // Between the rows: h0 (256 - qb) + h1 qb = 256 h0 + (h1 - h0) qb, exact in i32.
            let d = self.b.ins().isub(h[1], h[0]);
            let d = self.b.ins().imul(d, qb);
            let h0 = self.b.ins().ishl_imm_u(h[0], 8);
            let v = self.b.ins().iadd(h0, d);
            // runtime::sampling::fixed_value: exact as a float, one division.
            let v = self.b.ins().fcvt_from_sint(f32x4, v);
            *o = Some(self.b.ins().fdiv(v, unit));
        }
        out.map(|x| x.expect("four components"))
    }

    /// OpImageQuerySizeLod and OpImageQueryLevels of a sampled image.
    pub(super) fn image_query_lod(&mut self, i: &Inst) -> Result<(), ShaderError> {
        let (d, shape) = match self.get(i.w(0))? {
            Val::Img(d, _, shape) | Val::SImg(d, _, _, shape) => (d, shape),
            _ => return err("image query on a non-image"),
        };
        if i.op == Op::ImageQueryLevels {
            let n = self.call("sv_levels", &[d]).expect("returns a value");
            self.set(i.id, Val::S(vec![n]));
            return Ok(());
        }
        let lod = self.s1(i.w(1))?;
        self.int32s(&[lod], "the Lod of OpImageQuerySizeLod")?;
        let code = self.iconst(types::I32, shape_code(shape) as i64);
        self.call("sv_size_lod", &[self.ctx, d, code, lod]);
        let n = self.kinds(i.ty)?.len().min(4);
        let v = self.scratch(n, false);
        self.set(i.id, Val::S(v));
        Ok(())
    }
}

/// The address mode of an inline bilinear sample ([`Lower::linear_rgba8`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wrap {
    Clamp,
    Repeat,
    /// REPEAT on a view whose width and height are powers of two.
    RepeatPow2,
}
