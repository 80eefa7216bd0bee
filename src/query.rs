//! Query pools: timestamps and occlusion queries.
//!
//! Each query has a 64-bit result and an availability payload. Commands write results on the
//! queue worker in submission order; the host reads them with [`QueryPool::results`] and queues
//! copy them with the same encoder, so vkGetQueryPoolResults and vkCmdCopyQueryPoolResults cannot
//! disagree. Timestamps are CLOCK_MONOTONIC nanoseconds (timestampPeriod 1.0, 64 valid bits).
//! Occlusion queries count samples that pass; until draws land no sample is ever drawn, so an
//! ended occlusion query holds 0, which is the exact answer.

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
}

#[derive(Debug, Default)]
struct Slot {
    value: AtomicU64,
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
    pub fn new(kind: vk::QueryType, count: u32) -> Result<Self> {
        let kind = match kind {
            vk::QueryType::OCCLUSION => QueryKind::Occlusion,
            vk::QueryType::TIMESTAMP => QueryKind::Timestamp,
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
        Ok(QueryPool {
            kind,
            slots: (0..count).map(|_| Slot::default()).collect(),
        })
    }

    pub fn kind(&self) -> QueryKind {
        self.kind
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
            s.value.store(0, Ordering::Relaxed);
            s.available.set(0);
        }
        Ok(())
    }

    /// Writes a result and makes the query available.
    pub fn write(&self, query: u32, value: u64) -> Result<()> {
        self.check_range(query, 1)?;
        let s = &self.slots[query as usize];
        s.value.store(value, Ordering::Relaxed);
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
                let v = if available {
                    slot.value.load(Ordering::Relaxed)
                } else {
                    0
                };
                put(base, if wide { v } else { v & 0xFFFF_FFFF }, wide);
            }
            if flags.contains(vk::QueryResultFlags::WITH_AVAILABILITY) {
                put(base + word, available as u64, wide);
            }
        }
        Ok(if all {
            Availability::All
        } else {
            Availability::NotAll
        })
    }

    /// Bytes one query's results occupy with `flags` (for range checks).
    pub fn result_size(flags: vk::QueryResultFlags) -> u64 {
        let word = if flags.contains(vk::QueryResultFlags::TYPE_64) {
            8
        } else {
            4
        };
        word * (1 + flags.contains(vk::QueryResultFlags::WITH_AVAILABILITY) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_follow_the_flags() {
        let p = QueryPool::new(vk::QueryType::TIMESTAMP, 3).unwrap();
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
        assert!(QueryPool::new(vk::QueryType::PIPELINE_STATISTICS, 1).is_err());
    }
}
