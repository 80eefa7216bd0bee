//! Query pools: timestamps, occlusion and pipeline statistics queries.
//!
//! Each query has one 64-bit result per value it reports (one, or one per statistic of a
//! pipeline statistics pool) and an availability payload. Commands write results on the queue
//! worker in submission order; the host reads them with [`QueryPool::results`] and queues copy
//! them with the same encoder, so vkGetQueryPoolResults and vkCmdCopyQueryPoolResults cannot
//! disagree. Timestamps are CLOCK_MONOTONIC nanoseconds (timestampPeriod 1.0, 64 valid bits).
//! Occlusion queries count the samples that pass (`command::exec`). Pipeline statistics
//! queries report the [`Statistics`] their pool's `pipelineStatistics` mask selects, in bit
//! order (spec, "Pipeline Statistics Queries"); what each counter counts is documented on
//! [`Statistics`].

use crate::error::{Error, ErrorKind, Result};
use crate::log::{Reporter, Severity};
use crate::sync::Payload;
use ash::vk;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryKind {
    Occlusion,
    Timestamp,
    /// The statistics counted (VkQueryPoolCreateInfo::pipelineStatistics).
    PipelineStatistics(vk::QueryPipelineStatisticFlags),
}

type Stat = vk::QueryPipelineStatisticFlags;

/// The pipeline statistics softvk counts (a geometry or tessellation statistic needs a
/// feature softvk does not have), in bit order.
pub const STATISTICS: Stat = Stat::from_raw(
    Stat::INPUT_ASSEMBLY_VERTICES.as_raw()
        | Stat::INPUT_ASSEMBLY_PRIMITIVES.as_raw()
        | Stat::VERTEX_SHADER_INVOCATIONS.as_raw()
        | Stat::CLIPPING_INVOCATIONS.as_raw()
        | Stat::CLIPPING_PRIMITIVES.as_raw()
        | Stat::FRAGMENT_SHADER_INVOCATIONS.as_raw()
        | Stat::COMPUTE_SHADER_INVOCATIONS.as_raw(),
);

/// The counters of a pipeline statistics query: what ran between its begin and end. The same
/// for any thread count (every counter is a sum of per-draw or per-dispatch counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Statistics {
    /// Vertices the input assembler read: the vertex stream of every instance (and view),
    /// restart indices left out; vertices of an incomplete primitive count (the spec allows
    /// either).
    pub input_assembly_vertices: u64,
    /// Complete primitives assembled, per instance and view.
    pub input_assembly_primitives: u64,
    /// Vertex shader invocations that ran: each distinct vertex of an instance once.
    pub vertex_shader_invocations: u64,
    /// Primitives that reached clipping (none with rasterizer discard: the spec allows it).
    pub clipping_invocations: u64,
    /// Primitives clipping output: one for a primitive inside the clip volume (x and y are
    /// clipped only outside a guard band), the triangles of the clipped polygon otherwise (0
    /// for a primitive wholly outside), before culling.
    pub clipping_primitives: u64,
    /// Fragment shader invocations that ran: covered pixels (or samples, with sample shading)
    /// whose quad ran the shader; the helper lanes of a 2x2 quad do not count, nor fragments
    /// the early depth test removed before the shader.
    pub fragment_shader_invocations: u64,
    /// Compute shader invocations: workgroups dispatched times the workgroup size.
    pub compute_shader_invocations: u64,
}

impl Statistics {
    /// The value of statistic `bit` (one of [`STATISTICS`]).
    fn get(&self, bit: Stat) -> u64 {
        match bit {
            Stat::INPUT_ASSEMBLY_VERTICES => self.input_assembly_vertices,
            Stat::INPUT_ASSEMBLY_PRIMITIVES => self.input_assembly_primitives,
            Stat::VERTEX_SHADER_INVOCATIONS => self.vertex_shader_invocations,
            Stat::CLIPPING_INVOCATIONS => self.clipping_invocations,
            Stat::CLIPPING_PRIMITIVES => self.clipping_primitives,
            Stat::FRAGMENT_SHADER_INVOCATIONS => self.fragment_shader_invocations,
            Stat::COMPUTE_SHADER_INVOCATIONS => self.compute_shader_invocations,
            _ => 0,
        }
    }

    /// The values `mask` selects, in bit order (the result layout).
    pub fn values(&self, mask: Stat) -> Vec<u64> {
        (0..32)
            .map(|b| Stat::from_raw(1 << b))
            .filter(|&b| mask.contains(b))
            .map(|b| self.get(b))
            .collect()
    }

    pub fn add(&mut self, o: &Statistics) {
        self.input_assembly_vertices += o.input_assembly_vertices;
        self.input_assembly_primitives += o.input_assembly_primitives;
        self.vertex_shader_invocations += o.vertex_shader_invocations;
        self.clipping_invocations += o.clipping_invocations;
        self.clipping_primitives += o.clipping_primitives;
        self.fragment_shader_invocations += o.fragment_shader_invocations;
        self.compute_shader_invocations += o.compute_shader_invocations;
    }
}

#[derive(Debug)]
struct Slot {
    /// One per value the query reports.
    values: Box<[AtomicU64]>,
    available: Payload,
}

#[derive(Debug)]
pub struct QueryPool {
    kind: QueryKind,
    slots: Vec<Slot>,
}

/// Whether every requested query was available.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Availability {
    All,
    NotAll,
}

impl QueryPool {
    /// A pool of `count` queries of type `kind`; `statistics` is the pipelineStatistics mask
    /// (read for PIPELINE_STATISTICS pools only).
    pub fn new(kind: vk::QueryType, count: u32, statistics: Stat) -> Result<Self> {
        let kind = match kind {
            vk::QueryType::OCCLUSION => QueryKind::Occlusion,
            vk::QueryType::TIMESTAMP => QueryKind::Timestamp,
            vk::QueryType::PIPELINE_STATISTICS => {
                let other = statistics & !STATISTICS;
                if !other.is_empty() {
                    return Err(Error::invalid(format!(
                        "pipelineStatistics {other:?} names statistics of stages this device \
                         does not have: the geometryShader and tessellationShader features \
                         and mesh shaders are not supported, so no query of such a pool \
                         could begin (VUID-vkCmdBeginQuery-queryType-00804, -00805; \
                         VUID-VkQueryPoolCreateInfo-queryType-00792)"
                    )));
                }
                if statistics.is_empty() {
                    return Err(Error::invalid(
                        "a pipeline statistics pool with no statistics \
                         (VUID-VkQueryPoolCreateInfo-queryType-09534)",
                    ));
                }
                QueryKind::PipelineStatistics(statistics)
            }
            other => {
                return Err(Error::new(
                    ErrorKind::FeatureNotPresent,
                    format!("query type {other:?} is not supported"),
                ));
            }
        };
        if count == 0 {
            return Err(Error::invalid(
                "queryCount is 0 (VUID-VkQueryPoolCreateInfo-queryCount-02763)",
            ));
        }
        let n = match kind {
            QueryKind::PipelineStatistics(mask) => mask.as_raw().count_ones() as usize,
            _ => 1,
        };
        Ok(QueryPool {
            kind,
            slots: (0..count)
                .map(|_| Slot {
                    values: (0..n).map(|_| AtomicU64::new(0)).collect(),
                    available: Payload::default(),
                })
                .collect(),
        })
    }

    pub fn kind(&self) -> QueryKind {
        self.kind
    }

    /// Values one query reports.
    pub fn values(&self) -> usize {
        self.slots.first().map_or(1, |s| s.values.len())
    }

    pub fn count(&self) -> u32 {
        self.slots.len() as u32
    }

    pub fn check_range(&self, first: u32, count: u32) -> Result<()> {
        if first.checked_add(count).is_none_or(|e| e > self.count()) {
            return Err(Error::invalid(format!(
                "queries {first}..+{count} are outside the pool of {}",
                self.count()
            )));
        }
        Ok(())
    }

    /// vkResetQueryPool / vkCmdResetQueryPool.
    pub fn reset(&self, first: u32, count: u32) -> Result<()> {
        self.check_range(first, count)?;
        for s in &self.slots[first as usize..(first + count) as usize] {
            for v in &s.values {
                v.store(0, Ordering::Relaxed);
            }
            s.available.set(0);
        }
        Ok(())
    }

    /// Writes a one-value result and makes the query available.
    pub fn write(&self, query: u32, value: u64) -> Result<()> {
        self.write_values(query, &[value])
    }

    /// Writes a result's values (missing ones 0) and makes the query available.
    pub fn write_values(&self, query: u32, values: &[u64]) -> Result<()> {
        self.check_range(query, 1)?;
        let s = &self.slots[query as usize];
        for (k, v) in s.values.iter().enumerate() {
            v.store(values.get(k).copied().unwrap_or(0), Ordering::Relaxed);
        }
        s.available.set(1);
        Ok(())
    }

    /// Encodes results of `first..first+count` with `flags`, calling `put(offset, value, wide)`
    /// for every word the spec says is written. With WAIT, blocks until each query is available
    /// (reporting a warning every few seconds, since a never-issued query never becomes
    /// available).
    pub fn results(
        &self,
        first: u32,
        count: u32,
        stride: u64,
        flags: vk::QueryResultFlags,
        reporter: Option<&Reporter>,
        mut put: impl FnMut(u64, u64, bool),
    ) -> Result<Availability> {
        self.check_range(first, count)?;
        let wide = flags.contains(vk::QueryResultFlags::TYPE_64);
        let word = if wide { 8 } else { 4 };
        let mut all = true;
        for i in 0..count {
            let slot = &self.slots[(first + i) as usize];
            if flags.contains(vk::QueryResultFlags::WAIT) {
                let mut warn_at = Instant::now() + Duration::from_secs(2);
                while !slot.available.wait_at_least(1, Some(warn_at)) {
                    if let Some(r) = reporter {
                        r.report(
                            Severity::Warn,
                            "softvk-query-wait",
                            &format!(
                                "waiting for query {} which is not available yet; a query that \
                                 is reset but never written never becomes available",
                                first + i
                            ),
                        );
                    }
                    warn_at = Instant::now() + Duration::from_secs(5);
                }
            }
            let available = slot.available.value() != 0;
            all &= available;
            let base = i as u64 * stride;
            if available || flags.contains(vk::QueryResultFlags::PARTIAL) {
                for (k, value) in slot.values.iter().enumerate() {
                    let v = if available {
                        value.load(Ordering::Relaxed)
                    } else {
                        0
                    };
                    let v = if wide { v } else { v & 0xFFFF_FFFF };
                    put(base + k as u64 * word, v, wide);
                }
            }
            if flags.contains(vk::QueryResultFlags::WITH_AVAILABILITY) {
                put(
                    base + slot.values.len() as u64 * word,
                    available as u64,
                    wide,
                );
            }
        }
        Ok(if all {
            Availability::All
        } else {
            Availability::NotAll
        })
    }

    /// Bytes one query's results occupy with `flags` (for range checks).
    pub fn result_size(&self, flags: vk::QueryResultFlags) -> u64 {
        let word = if flags.contains(vk::QueryResultFlags::TYPE_64) {
            8
        } else {
            4
        };
        word * (self.values() as u64
            + flags.contains(vk::QueryResultFlags::WITH_AVAILABILITY) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_follow_the_flags() {
        let p = QueryPool::new(vk::QueryType::TIMESTAMP, 3, Stat::empty()).unwrap();
        p.write(0, 0x1_0000_0005).unwrap();
        let mut out = vec![];
        let a = p
            .results(
                0,
                2,
                16,
                vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WITH_AVAILABILITY,
                None,
                |o, v, w| out.push((o, v, w)),
            )
            .unwrap();
        assert_eq!(a, Availability::NotAll);
        assert_eq!(
            out,
            vec![(0, 0x1_0000_0005, true), (8, 1, true), (24, 0, true)]
        );
        out.clear();
        p.results(0, 1, 4, vk::QueryResultFlags::empty(), None, |o, v, w| {
            out.push((o, v, w))
        })
        .unwrap();
        assert_eq!(out, vec![(0, 5, false)]);
        p.reset(0, 3).unwrap();
        out.clear();
        p.results(0, 1, 4, vk::QueryResultFlags::empty(), None, |o, v, w| {
            out.push((o, v, w))
        })
        .unwrap();
        assert!(out.is_empty());
        assert!(p.reset(2, 2).is_err());
    }

    #[test]
    fn statistics_are_reported_in_bit_order() {
        let mask = Stat::FRAGMENT_SHADER_INVOCATIONS
            | Stat::INPUT_ASSEMBLY_VERTICES
            | Stat::COMPUTE_SHADER_INVOCATIONS;
        let p = QueryPool::new(vk::QueryType::PIPELINE_STATISTICS, 2, mask).unwrap();
        assert_eq!(p.values(), 3);
        let s = Statistics {
            input_assembly_vertices: 7,
            fragment_shader_invocations: 0x1_0000_0009,
            compute_shader_invocations: 11,
            vertex_shader_invocations: 99,
            ..Default::default()
        };
        assert_eq!(s.values(mask), vec![7, 0x1_0000_0009, 11]);
        p.write_values(1, &s.values(mask)).unwrap();
        let flags = vk::QueryResultFlags::WITH_AVAILABILITY | vk::QueryResultFlags::PARTIAL;
        assert_eq!(p.result_size(flags), 16);
        let mut out = vec![];
        p.results(0, 2, 16, flags, None, |o, v, w| out.push((o, v, w)))
            .unwrap();
        assert_eq!(
            out,
            vec![
                (0, 0, false),
                (4, 0, false),
                (8, 0, false),
                (12, 0, false),
                (16, 7, false),
                (20, 9, false),
                (24, 11, false),
                (28, 1, false),
            ]
        );
        // Geometry and tessellation statistics need features this device lacks; an empty
        // mask counts nothing.
        for bad in [
            Stat::GEOMETRY_SHADER_INVOCATIONS,
            Stat::TESSELLATION_CONTROL_SHADER_PATCHES | Stat::INPUT_ASSEMBLY_VERTICES,
            Stat::empty(),
        ] {
            let e = QueryPool::new(vk::QueryType::PIPELINE_STATISTICS, 1, bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidUsage, "{bad:?}");
            assert!(
                e.message.contains("VUID-VkQueryPoolCreateInfo"),
                "{}",
                e.message
            );
        }
    }
}
