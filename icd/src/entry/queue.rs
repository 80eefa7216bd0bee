//! Queue submission.

use super::obj;
use crate::boundary::{call, null, slice};
use crate::handle;
use crate::objects::{CommandBufferObj, FenceObj, QueueObj, SemaphoreObj};
use crate::pnext;
use ash::vk;
use softvk::command::Recording;
use softvk::error::{Error, Result};
use softvk::queue::Batch;
use softvk::sync::{Semaphore, SemaphoreKind};
use std::sync::Arc;

unsafe fn q<'a>(h: vk::Queue) -> Option<&'a QueueObj> {
    handle::get_dispatchable::<QueueObj>(h)
}

fn rep(q: Option<&QueueObj>) -> Option<&softvk::log::Reporter> {
    q.map(|q| &**q.core.reporter())
}

unsafe fn semaphores(
    handles: &[vk::Semaphore],
    values: Option<&[u64]>,
    what: &str,
) -> Result<Vec<(Arc<Semaphore>, u64)>> {
    let mut out = Vec::with_capacity(handles.len());
    for (i, &h) in handles.iter().enumerate() {
        let s = obj::<SemaphoreObj>(h, what)?.0.clone();
        let v = match (s.kind(), values) {
            (SemaphoreKind::Binary, _) => 0,
            (SemaphoreKind::Timeline, Some(v)) if i < v.len() => v[i],
            (SemaphoreKind::Timeline, _) => {
                return Err(Error::invalid(format!(
                    "{what} {i} is a timeline semaphore but no value is given \
                     (VkTimelineSemaphoreSubmitInfo, VUID-VkSubmitInfo-pWaitSemaphores-03243)"
                )));
            }
        };
        out.push((s, v));
    }
    Ok(out)
}

/// The wait and signal values of a VkTimelineSemaphoreSubmitInfo chained at `p_next`.
type Values<'a> = (Option<&'a [u64]>, Option<&'a [u64]>);

unsafe fn timeline_values<'a>(p_next: *const std::ffi::c_void) -> Result<Values<'a>> {
    let Some(t) = pnext::find::<vk::TimelineSemaphoreSubmitInfo<'_>>(p_next) else {
        return Ok((None, None));
    };
    Ok((
        Some(slice(
            t.p_wait_semaphore_values,
            t.wait_semaphore_value_count,
            "pWaitSemaphoreValues",
        )?),
        Some(slice(
            t.p_signal_semaphore_values,
            t.signal_semaphore_value_count,
            "pSignalSemaphoreValues",
        )?),
    ))
}

unsafe fn recording(cb: vk::CommandBuffer) -> Result<Arc<Recording>> {
    let c =
        handle::get_dispatchable::<CommandBufferObj>(cb).ok_or_else(|| null("command buffer"))?;
    if c.core.level() != vk::CommandBufferLevel::PRIMARY {
        return Err(Error::invalid(
            "a secondary command buffer was submitted (VUID-VkSubmitInfo-pCommandBuffers-00075)",
        ));
    }
    c.core.executable()
}

unsafe fn fence(f: vk::Fence) -> Result<Option<Arc<softvk::sync::Fence>>> {
    Ok(handle::get::<FenceObj>(f).map(|f| f.0.clone()))
}

/// A batch whose handles are checked but whose semaphores are not yet resolved.
struct Checked {
    waits: Vec<(Arc<Semaphore>, u64)>,
    command_buffers: Vec<Arc<Recording>>,
    signals: Vec<(Arc<Semaphore>, u64)>,
}

/// Resolves every semaphore and the fence to the payloads in effect now, in submission order
/// (a wait consumes a temporary import), once nothing can fail any more; then submits.
fn submit(
    q: &QueueObj,
    checked: Vec<Checked>,
    fence: Option<Arc<softvk::sync::Fence>>,
) -> Result<()> {
    let batches = checked
        .into_iter()
        .map(|c| Batch {
            waits: c.waits.iter().map(|(s, v)| s.for_wait(*v)).collect(),
            command_buffers: c.command_buffers,
            signals: c.signals.iter().map(|(s, v)| s.for_signal(*v)).collect(),
        })
        .collect();
    q.core.submit(batches, fence.map(|f| f.for_signal()))
}

pub unsafe extern "system" fn queue_submit(
    queue: vk::Queue,
    count: u32,
    p_submits: *const vk::SubmitInfo<'_>,
    f: vk::Fence,
) -> vk::Result {
    let qo = q(queue);
    call("vkQueueSubmit", rep(qo), || {
        let qo = qo.ok_or_else(|| null("queue"))?;
        let mut batches = vec![];
        for s in slice(p_submits, count, "pSubmits")? {
            let (wait_values, signal_values) = timeline_values(s.p_next)?;
            if let Some(p) = pnext::find::<vk::ProtectedSubmitInfo<'_>>(s.p_next)
                && p.protected_submit != vk::FALSE
            {
                return Err(Error::invalid("protected submissions are not supported"));
            }
            batches.push(Checked {
                waits: semaphores(
                    slice(
                        s.p_wait_semaphores,
                        s.wait_semaphore_count,
                        "pWaitSemaphores",
                    )?,
                    wait_values,
                    "wait semaphore",
                )?,
                command_buffers: slice(
                    s.p_command_buffers,
                    s.command_buffer_count,
                    "pCommandBuffers",
                )?
                .iter()
                .map(|&c| recording(c))
                .collect::<Result<_>>()?,
                signals: semaphores(
                    slice(
                        s.p_signal_semaphores,
                        s.signal_semaphore_count,
                        "pSignalSemaphores",
                    )?,
                    signal_values,
                    "signal semaphore",
                )?,
            });
        }
        submit(qo, batches, fence(f)?)?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn queue_submit2(
    queue: vk::Queue,
    count: u32,
    p_submits: *const vk::SubmitInfo2<'_>,
    f: vk::Fence,
) -> vk::Result {
    let qo = q(queue);
    call("vkQueueSubmit2", rep(qo), || {
        let qo = qo.ok_or_else(|| null("queue"))?;
        let mut batches = vec![];
        for s in slice(p_submits, count, "pSubmits")? {
            if s.flags.contains(vk::SubmitFlags::PROTECTED) {
                return Err(Error::invalid("protected submissions are not supported"));
            }
            let sems = |infos: &[vk::SemaphoreSubmitInfo<'_>],
                        what: &str|
             -> Result<Vec<(Arc<Semaphore>, u64)>> {
                let handles: Vec<vk::Semaphore> = infos.iter().map(|i| i.semaphore).collect();
                let values: Vec<u64> = infos.iter().map(|i| i.value).collect();
                semaphores(&handles, Some(&values), what)
            };
            batches.push(Checked {
                waits: sems(
                    slice(
                        s.p_wait_semaphore_infos,
                        s.wait_semaphore_info_count,
                        "pWaitSemaphoreInfos",
                    )?,
                    "wait semaphore",
                )?,
                command_buffers: slice(
                    s.p_command_buffer_infos,
                    s.command_buffer_info_count,
                    "pCommandBufferInfos",
                )?
                .iter()
                .map(|c| recording(c.command_buffer))
                .collect::<Result<_>>()?,
                signals: sems(
                    slice(
                        s.p_signal_semaphore_infos,
                        s.signal_semaphore_info_count,
                        "pSignalSemaphoreInfos",
                    )?,
                    "signal semaphore",
                )?,
            });
        }
        submit(qo, batches, fence(f)?)?;
        Ok(vk::Result::SUCCESS)
    })
}

pub unsafe extern "system" fn queue_wait_idle(queue: vk::Queue) -> vk::Result {
    let qo = q(queue);
    call("vkQueueWaitIdle", rep(qo), || {
        qo.ok_or_else(|| null("queue"))?.core.wait_idle()?;
        Ok(vk::Result::SUCCESS)
    })
}

/// Sparse binding is not supported (no queue reports SPARSE_BINDING), but a bind-sparse
/// operation without binds is still a valid way to wait on and signal semaphores and a fence.
pub unsafe extern "system" fn queue_bind_sparse(
    queue: vk::Queue,
    count: u32,
    p_infos: *const vk::BindSparseInfo<'_>,
    f: vk::Fence,
) -> vk::Result {
    let qo = q(queue);
    call("vkQueueBindSparse", rep(qo), || {
        let qo = qo.ok_or_else(|| null("queue"))?;
        let mut batches = vec![];
        for s in slice(p_infos, count, "pBindInfo")? {
            if s.buffer_bind_count + s.image_opaque_bind_count + s.image_bind_count > 0 {
                return Err(Error::new(
                    softvk::ErrorKind::FeatureNotPresent,
                    "sparse binding is not supported (sparseBinding is not reported)",
                ));
            }
            let (wait_values, signal_values) = timeline_values(s.p_next)?;
            batches.push(Checked {
                waits: semaphores(
                    slice(
                        s.p_wait_semaphores,
                        s.wait_semaphore_count,
                        "pWaitSemaphores",
                    )?,
                    wait_values,
                    "wait semaphore",
                )?,
                command_buffers: vec![],
                signals: semaphores(
                    slice(
                        s.p_signal_semaphores,
                        s.signal_semaphore_count,
                        "pSignalSemaphores",
                    )?,
                    signal_values,
                    "signal semaphore",
                )?,
            });
        }
        submit(qo, batches, fence(f)?)?;
        Ok(vk::Result::SUCCESS)
    })
}
