//! Input assembly ("Drawing Commands", "Primitive Topologies"): the vertices a draw reads, in
//! order (from `firstVertex` or through the index buffer, with primitive restart), and the
//! primitives built from them for every topology without adjacency, each primitive's
//! vertices listed provoking vertex first as the spec orders them.

use ash::vk;

/// One vertex the vertex shader runs for: its VertexIndex and InstanceIndex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VertexRef {
    pub vertex_index: u32,
    pub instance_index: u32,
}

/// The vertex stream of one instance of a draw: each vertex's VertexIndex, or None for a
/// primitive restart.
pub type Stream = Vec<Option<u32>>;

/// vkCmdDraw: `count` vertices from `first`.
pub fn direct(first: u32, count: u32) -> Stream {
    let mut s = Stream::new();
    direct_into(first, count, &mut s);
    s
}

/// [`direct`] into `out` (emptied first; its allocation reused).
pub fn direct_into(first: u32, count: u32, out: &mut Stream) {
    out.clear();
    out.extend((0..count).map(|k| Some(first.wrapping_add(k))));
}

/// vkCmdDrawIndexed: `count` indices from `first` of `indices` (the bound index buffer from
/// its offset), each plus `vertex_offset`. An index past the end of the buffer reads as 0 (as
/// robust buffer access allows); with `restart`, the all-ones value of the index type
/// restarts assembly.
pub fn indexed(
    indices: &[u8],
    index_type: vk::IndexType,
    first: u32,
    count: u32,
    vertex_offset: i32,
    restart: bool,
) -> Stream {
    let mut s = Stream::new();
    indexed_into(
        indices,
        index_type,
        (first, count),
        vertex_offset,
        restart,
        &mut s,
    );
    s
}

/// [`indexed`] into `out` (emptied first; its allocation reused).
pub fn indexed_into(
    indices: &[u8],
    index_type: vk::IndexType,
    (first, count): (u32, u32),
    vertex_offset: i32,
    restart: bool,
    out: &mut Stream,
) {
    let size = match index_type {
        vk::IndexType::UINT8_EXT => 1,
        vk::IndexType::UINT16 => 2,
        _ => 4,
    };
    let all_ones = if size == 4 {
        u32::MAX
    } else {
        (1u32 << (8 * size)) - 1
    };
    let word = |raw: u32| {
        if restart && raw == all_ones {
            None
        } else {
            Some(raw.wrapping_add(vertex_offset as u32))
        }
    };
    out.clear();
    out.reserve(count as usize);
    // The whole indices from `first` on (a partial one at the end of the bytes, and every
    // position past them, reads 0).
    let start =
        usize::try_from(first as u64 * size as u64).map_or(indices.len(), |s| s.min(indices.len()));
    let whole = indices[start..].chunks_exact(size).take(count as usize);
    match size {
        1 => out.extend(whole.map(|b| word(b[0] as u32))),
        2 => out.extend(whole.map(|b| word(u16::from_le_bytes([b[0], b[1]]) as u32))),
        _ => out.extend(whole.map(|b| word(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))),
    }
    out.resize(count as usize, word(0));
}

/// The primitives of `topology` over a stream: each as positions in the stream (provoking
/// vertex first), 1, 2 or 3 of them. Restarts end the current strip or fan (and, for the
/// list topologies, the current incomplete primitive); incomplete primitives are dropped.
pub fn primitives(topology: vk::PrimitiveTopology, stream: &[Option<u32>]) -> Vec<Vec<usize>> {
    let (per, flat) = primitive_list(topology, stream);
    flat.chunks_exact(per.max(1)).map(|c| c.to_vec()).collect()
}

/// [`primitives`] as (vertices per primitive, their stream positions one primitive after
/// another): what a draw takes, without an allocation per primitive.
pub fn primitive_list(
    topology: vk::PrimitiveTopology,
    stream: &[Option<u32>],
) -> (usize, Vec<usize>) {
    let mut out = Vec::new();
    let per = primitive_list_into(topology, stream, &mut out);
    (per, out)
}

/// [`primitive_list`] into `out` (emptied first; its allocation reused); returns the
/// vertices per primitive.
pub fn primitive_list_into(
    topology: vk::PrimitiveTopology,
    stream: &[Option<u32>],
    out: &mut Vec<usize>,
) -> usize {
    use vk::PrimitiveTopology as T;
    out.clear();
    let per = match topology {
        T::POINT_LIST => 1,
        T::LINE_LIST | T::LINE_STRIP => 2,
        T::TRIANGLE_LIST | T::TRIANGLE_STRIP | T::TRIANGLE_FAN => 3,
        _ => return 1,
    };
    out.reserve(stream.len() * per);
    // Runs of vertices between restarts, as stream positions [start, end).
    let mut start = 0;
    let run = |r: std::ops::Range<usize>, out: &mut Vec<usize>| {
        let n = r.len();
        let k0 = r.start;
        match topology {
            T::POINT_LIST => out.extend(r),
            T::LINE_LIST => out.extend(k0..k0 + n / 2 * 2),
            T::LINE_STRIP => {
                for i in 0..n.saturating_sub(1) {
                    out.extend([k0 + i, k0 + i + 1]);
                }
            }
            T::TRIANGLE_LIST => out.extend(k0..k0 + n / 3 * 3),
            T::TRIANGLE_STRIP => {
                // Primitive i: vertices i, i + (1 + i % 2), i + (2 - i % 2).
                for i in 0..n.saturating_sub(2) {
                    let o = i % 2;
                    out.extend([k0 + i, k0 + i + 1 + o, k0 + i + 2 - o]);
                }
            }
            _ => {
                // Fans: primitive i is vertices i + 1, i + 2, 0.
                for i in 0..n.saturating_sub(2) {
                    out.extend([k0 + i + 1, k0 + i + 2, k0]);
                }
            }
        }
    };
    for (k, v) in stream.iter().enumerate() {
        if v.is_none() {
            run(start..k, out);
            start = k + 1;
        }
    }
    run(start..stream.len(), out);
    per
}

#[cfg(test)]
mod tests {
    use super::*;
    use vk::PrimitiveTopology as T;

    fn ids(s: &Stream, prims: &[Vec<usize>]) -> Vec<Vec<u32>> {
        prims
            .iter()
            .map(|p| p.iter().map(|&k| s[k].unwrap()).collect())
            .collect()
    }

    #[test]
    fn every_topology_follows_the_spec_order() {
        let s = direct(10, 7);
        let p = |t| ids(&s, &primitives(t, &s));
        assert_eq!(p(T::POINT_LIST).len(), 7);
        assert_eq!(
            p(T::LINE_LIST),
            vec![vec![10, 11], vec![12, 13], vec![14, 15]]
        );
        assert_eq!(p(T::LINE_STRIP).len(), 6);
        assert_eq!(p(T::LINE_STRIP)[5], vec![15, 16]);
        assert_eq!(
            p(T::TRIANGLE_LIST),
            vec![vec![10, 11, 12], vec![13, 14, 15]]
        );
        assert_eq!(
            p(T::TRIANGLE_STRIP),
            vec![
                vec![10, 11, 12],
                vec![11, 13, 12],
                vec![12, 13, 14],
                vec![13, 15, 14],
                vec![14, 15, 16]
            ]
        );
        assert_eq!(
            p(T::TRIANGLE_FAN),
            vec![
                vec![11, 12, 10],
                vec![12, 13, 10],
                vec![13, 14, 10],
                vec![14, 15, 10],
                vec![15, 16, 10]
            ]
        );
        // Adjacency topologies need geometry shaders: nothing here.
        assert!(p(T::TRIANGLE_LIST_WITH_ADJACENCY).is_empty());
    }

    #[test]
    fn indices_restart_and_stay_in_range() {
        let words: Vec<u8> = [0u16, 1, 2, 0xffff, 3, 4, 5, 6]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let s = indexed(&words, vk::IndexType::UINT16, 0, 8, 100, true);
        assert_eq!(s[3], None);
        assert_eq!(
            ids(&s, &primitives(T::TRIANGLE_STRIP, &s)),
            vec![
                vec![100, 101, 102],
                vec![103, 104, 105],
                vec![104, 106, 105]
            ]
        );
        // Without restart the all-ones index is an index.
        let s = indexed(&words, vk::IndexType::UINT16, 0, 8, 0, false);
        assert_eq!(s[3], Some(0xffff));
        // Past the buffer: index 0 (plus the offset); a huge first index does not overflow.
        let s = indexed(&words, vk::IndexType::UINT16, 6, 4, 5, true);
        assert_eq!(s, vec![Some(10), Some(11), Some(5), Some(5)]);
        let s = indexed(&words, vk::IndexType::UINT32, u32::MAX, 2, 0, false);
        assert_eq!(s, vec![Some(0), Some(0)]);
        let bytes = [7u8, 255, 9];
        let s = indexed(&bytes, vk::IndexType::UINT8_EXT, 0, 3, -7, true);
        assert_eq!(s, vec![Some(0), None, Some(2)]);
        // An index cut by the end of the bytes reads 0 too.
        let s = indexed(&[1, 0, 7], vk::IndexType::UINT16, 0, 3, 2, false);
        assert_eq!(s, vec![Some(3), Some(2), Some(2)]);
    }
}
