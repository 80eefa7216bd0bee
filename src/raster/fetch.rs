//! Vertex input ("Fixed-Function Vertex Processing"): each attribute of a vertex read from
//! its binding's buffer at `offset + index * stride + attribute offset`, where the index is
//! the VertexIndex for per-vertex bindings and, for per-instance ones, `firstInstance +
//! (InstanceIndex - firstInstance) / divisor` (the divisor 1 without
//! VK_EXT_vertex_attribute_divisor; 0 keeps every instance on `firstInstance`). The texel is
//! converted by the format codec (missing components G, B = 0 and A = 1) into the 32-bit
//! words the vertex shader's input rows take. An attribute whose bytes are not all inside the
//! bound range reads as a zero texel (robust vertex access), and an unbound binding too.

use crate::format::{self, Texel};
use crate::memory::Span;
use ash::vk;

/// One vertex buffer binding as the draw sees it.
#[derive(Clone, Copy, Debug)]
pub struct Binding<'a> {
    /// The bound range (from the bind offset to the end of the buffer or the given size);
    /// None: nothing bound.
    pub data: Option<Span<'a>>,
    pub stride: u64,
    pub per_instance: bool,
    pub divisor: u32,
}

/// VkVertexInputAttributeDescription, with what the fetch needs to know of its format
/// (looked up once, by [`Attribute::new`], not per vertex; the fields are read, never
/// changed, after that).
#[derive(Clone, Copy, Debug)]
pub struct Attribute {
    pub location: u32,
    pub binding: u32,
    pub format: vk::Format,
    pub offset: u32,
    plan: Plan,
}

impl Attribute {
    pub fn new(location: u32, binding: u32, format: vk::Format, offset: u32) -> Attribute {
        Attribute {
            location,
            binding,
            format,
            offset,
            plan: Plan::of(format),
        }
    }
}

/// Whether vertex input can read `format` (a color format of at most 32-bit components).
pub fn supported(format: vk::Format) -> bool {
    format::info(format).is_some_and(readable)
}

/// [`supported`] on the format's table entry.
fn readable(i: &format::FormatInfo) -> bool {
    i.aspects == vk::ImageAspectFlags::COLOR && !i.wide && i.bytes > 0 && i.bytes <= 16
}

/// The components of the 32-bit float formats (None for the others).
fn float32_components(f: vk::Format) -> Option<usize> {
    match f {
        vk::Format::R32_SFLOAT => Some(1),
        vk::Format::R32G32_SFLOAT => Some(2),
        vk::Format::R32G32B32_SFLOAT => Some(3),
        vk::Format::R32G32B32A32_SFLOAT => Some(4),
        _ => None,
    }
}

/// What the fetch of an attribute needs to know of its format.
#[derive(Clone, Copy, Debug, Default)]
struct Plan {
    /// Bytes per texel; 0 where vertex input cannot read the format (zero words).
    bytes: u8,
    /// Components of a 32-bit float format (its words as they are); 0 for the others.
    float32: u8,
}

impl Plan {
    fn of(format: vk::Format) -> Plan {
        match format::info(format).filter(|i| readable(i)) {
            Some(info) => Plan {
                bytes: info.bytes as u8,
                float32: float32_components(format).unwrap_or(0) as u8,
            },
            None => Plan::default(),
        }
    }
}

/// The words of attribute `a` for vertex `vertex_index` of instance `instance_index`.
pub fn fetch(
    a: &Attribute,
    bindings: &[Binding<'_>],
    vertex_index: u32,
    instance_index: u32,
    first_instance: u32,
) -> [u32; 4] {
    let plan = a.plan;
    if plan.bytes == 0 {
        return [0; 4];
    }
    let n = plan.bytes as usize;
    let zero = [0u8; 16];
    let bytes = bindings.get(a.binding as usize).and_then(|b| {
        let index = if b.per_instance {
            match b.divisor {
                0 => first_instance,
                d => first_instance.wrapping_add(instance_index.wrapping_sub(first_instance) / d),
            }
        } else {
            vertex_index
        };
        let at = (index as u64)
            .checked_mul(b.stride)?
            .checked_add(a.offset as u64)?;
        let at = usize::try_from(at).ok()?;
        let data = b.data?;
        if at.checked_add(n)? > data.len() {
            return None;
        }
        // Sixteen bytes at once where the buffer holds them (no call for a short copy).
        Some(if at.checked_add(16)? <= data.len() {
            data.read_array::<16>(at)
        } else {
            let mut bytes = [0u8; 16];
            data.read(at, &mut bytes[..n]);
            bytes
        })
    });
    // 32-bit float components are their words, the missing ones (0, 0, 1) as the codec
    // gives them (test `float_attributes_are_their_words`).
    if plan.float32 != 0 {
        let k = plan.float32 as usize;
        let b = bytes.unwrap_or(zero);
        let mut w = [0, 0, 0, 1.0f32.to_bits()];
        for (c, w) in w.iter_mut().enumerate().take(k) {
            *w = u32::from_le_bytes([b[4 * c], b[4 * c + 1], b[4 * c + 2], b[4 * c + 3]]);
        }
        return w;
    }
    match format::decode(a.format, bytes.as_ref().map_or(&zero[..n], |b| &b[..n])) {
        Texel::Float(v) => v.map(f32::to_bits),
        Texel::Uint(v) => v,
        Texel::Sint(v) => v.map(|x| x as u32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 32-bit float formats' words are what the codec decodes, NaN payloads, signed
    /// zeros and missing components included.
    #[test]
    fn float_attributes_are_their_words() {
        let words = [
            0u32,
            0x8000_0000,
            0x7fc0_1234,
            0xff80_0001,
            0x3f80_0000,
            0x0000_0001,
        ];
        for f in [
            vk::Format::R32_SFLOAT,
            vk::Format::R32G32_SFLOAT,
            vk::Format::R32G32B32_SFLOAT,
            vk::Format::R32G32B32A32_SFLOAT,
        ] {
            let k = float32_components(f).unwrap();
            for s in 0..words.len() {
                let w: Vec<u32> = (0..k).map(|c| words[(s + c) % words.len()]).collect();
                let bytes: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
                let want = match format::decode(f, &bytes) {
                    Texel::Float(v) => v.map(f32::to_bits),
                    t => panic!("{t:?}"),
                };
                // The buffer ends with the attribute, or holds more after it.
                for pad in [0, 16] {
                    let mut mem = bytes.clone();
                    mem.resize(bytes.len() + pad, 0xee);
                    let span = crate::memory::Span::from_mut_slice(&mut mem);
                    let b = [Binding {
                        data: Some(span),
                        stride: 0,
                        per_instance: false,
                        divisor: 1,
                    }];
                    let a = Attribute::new(0, 0, f, 0);
                    assert_eq!(fetch(&a, &b, 0, 0, 0), want, "{f:?} {w:x?} pad {pad}");
                }
            }
        }
    }

    #[test]
    fn attributes_decode_with_defaults_strides_and_instances() {
        // Two vertices of 12 bytes: RG32F at 0, RGBA8_UNORM at 8; instances: R16_SINT.
        let mut v = Vec::new();
        for k in 0..2u8 {
            v.extend(1.5f32.to_le_bytes());
            v.extend((-2.0f32 - k as f32).to_le_bytes());
            v.extend([0, 51, 255, 102 + k]);
        }
        let mut inst: Vec<u8> = [-3i16, 7, 9].iter().flat_map(|x| x.to_le_bytes()).collect();
        let bindings = [
            Binding {
                data: Some(Span::from_mut_slice(&mut v)),
                stride: 12,
                per_instance: false,
                divisor: 1,
            },
            Binding {
                data: Some(Span::from_mut_slice(&mut inst)),
                stride: 2,
                per_instance: true,
                divisor: 2,
            },
        ];
        let pos = Attribute::new(0, 0, vk::Format::R32G32_SFLOAT, 0);
        let color = Attribute::new(0, 0, vk::Format::R8G8B8A8_UNORM, 8);
        let id = Attribute::new(0, 1, vk::Format::R16_SINT, 0);
        let f = |w: [u32; 4]| w.map(f32::from_bits);
        assert_eq!(f(fetch(&pos, &bindings, 1, 0, 0)), [1.5, -3.0, 0.0, 1.0]);
        assert_eq!(f(fetch(&color, &bindings, 0, 0, 0)), [0.0, 0.2, 1.0, 0.4]);
        // Instance 5 of a draw from instance 4, divisor 2: element 4 + 1/2 = 4 -> past the
        // 3 elements: zeros; instance 3 from 1: element 1 + 2/2 = 2.
        assert_eq!(fetch(&id, &bindings, 0, 3, 1), [9, 0, 0, 1]);
        assert_eq!(fetch(&id, &bindings, 0, 5, 4), [0, 0, 0, 1]);
        assert_eq!(fetch(&id, &bindings, 0, 0, 0)[0] as i32, -3);
        // Out of range, a straddling texel, an unbound binding, a huge index: zero texels.
        assert_eq!(f(fetch(&pos, &bindings, 2, 0, 0)), [0.0, 0.0, 0.0, 1.0]);
        let straddle = Attribute { offset: 20, ..pos };
        assert_eq!(
            f(fetch(&straddle, &bindings, 0, 0, 0)),
            [0.0, 0.0, 0.0, 1.0]
        );
        let unbound = Attribute { binding: 5, ..pos };
        assert_eq!(f(fetch(&unbound, &bindings, 0, 0, 0)), [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(
            f(fetch(&pos, &bindings, u32::MAX, 0, 0)),
            [0.0, 0.0, 0.0, 1.0]
        );
        // Depth and 64-bit formats are not vertex formats.
        assert!(!supported(vk::Format::D32_SFLOAT));
        assert!(!supported(vk::Format::R64_SFLOAT));
        assert!(supported(vk::Format::A2B10G10R10_UNORM_PACK32));
    }
}
