//! Query pools.

use super::device::{dev, rep};
use super::obj;
use crate::boundary::{call, call_void, null, out};
use crate::handle::{self, new_handle};
use crate::objects::QueryPoolObj;
use ash::vk;
use softvk::error::Error;
use softvk::query::{Availability, QueryPool};
use std::ffi::c_void;
use std::sync::Arc;

pub unsafe extern "system" fn create_query_pool(
    device: vk::Device,
    p_info: *const vk::QueryPoolCreateInfo<'_>,
    _alloc: *const vk::AllocationCallbacks<'_>,
    p_pool: *mut vk::QueryPool,
) -> vk::Result {
    call("vkCreateQueryPool", rep(dev(device)), || {
        let info = p_info.as_ref().ok_or_else(|| null("pCreateInfo"))?;
        if p_pool.is_null() {
            return Err(null("pQueryPool"));
        }
        *p_pool = vk::QueryPool::null();
        if info.query_type == vk::QueryType::PIPELINE_STATISTICS
            && !dev(device).is_some_and(|d| d.core.feature_enabled("pipelineStatisticsQuery"))
        {
            return Err(Error::invalid(
                "a PIPELINE_STATISTICS query pool needs the pipelineStatisticsQuery feature, \
                 which was not enabled (VUID-VkQueryPoolCreateInfo-queryType-00791)",
            ));
        }
        let pool = QueryPool::new(info.query_type, info.query_count, info.pipeline_statistics)?;
        out(
            p_pool,
            new_handle(QueryPoolObj(Arc::new(pool))),
            "pQueryPool",
        )?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn destroy_query_pool(
    _device: vk::Device,
    pool: vk::QueryPool,
    _alloc: *const vk::AllocationCallbacks<'_>,
) {
    drop(handle::take::<QueryPoolObj>(pool));
}

pub unsafe extern "system" fn reset_query_pool(
    device: vk::Device,
    pool: vk::QueryPool,
    first: u32,
    count: u32,
) {
    call_void("vkResetQueryPool", rep(dev(device)), || {
        obj::<QueryPoolObj>(pool, "queryPool")?
            .0
            .reset(first, count)
    })
}

#[allow(clippy::too_many_arguments)]
pub unsafe extern "system" fn get_query_pool_results(
    device: vk::Device,
    pool: vk::QueryPool,
    first: u32,
    count: u32,
    data_size: usize,
    p_data: *mut c_void,
    stride: vk::DeviceSize,
    flags: vk::QueryResultFlags,
) -> vk::Result {
    let d = dev(device);
    call("vkGetQueryPoolResults", rep(d), || {
        let pool = obj::<QueryPoolObj>(pool, "queryPool")?;
        let need = (count as u64).saturating_sub(1) * stride + pool.0.result_size(flags);
        if count > 0 && (p_data.is_null() || (data_size as u64) < need) {
            return Err(Error::invalid(format!(
                "pData holds {data_size} bytes but {count} queries with stride {stride} need {need}"
            )));
        }
        let base = p_data as *mut u8;
        let avail = pool.0.results(
            first,
            count,
            stride,
            flags,
            d.map(|d| d.reporter()),
            |o, v, wide| {
                // SAFETY: o + word <= need <= data_size, checked above.
                unsafe {
                    if wide {
                        (base.add(o as usize) as *mut u64).write_unaligned(v);
                    } else {
                        (base.add(o as usize) as *mut u32).write_unaligned(v as u32);
                    }
                }
            },
        )?;
        Ok(match avail {
            Availability::All => vk::Result::SUCCESS,
            Availability::NotAll => vk::Result::NOT_READY,
        })
    })
}
