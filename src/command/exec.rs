//! The executor: one `match` over [`Command`], run by a queue worker.
//!
//! A command that fails (bad region, unbound resource, a driver panic) is reported through the
//! device's reporter and skipped; the rest of the submission still runs. Nothing here blocks
//! forever: waits on events also watch the queue's cancel word, which device destruction
//! notifies.

use super::{Command, DrawCall, Recording, RenderState, transfer};
use crate::error::{Error, ErrorKind, Result};
use crate::log::{Kind, Reporter, Severity};
use crate::pipeline::{Bindings, BoundSet, ComputePipeline};
use crate::query::{Availability, QueryKind, Statistics};
use crate::sync::{Event, Word};
use std::sync::Arc;

/// What the executor needs from its queue.
pub struct ExecContext<'a> {
    pub reporter: &'a Reporter,
    /// Notified when `cancelled` may have become true.
    pub cancel_word: &'a Word,
    pub cancelled: &'a (dyn Fn() -> bool + Sync),
}

/// Runs every command of `recording` (a primary command buffer) in order. `kept`: an emptied
/// draw batch whose buffers this command buffer's draws reuse, and where it leaves its own
/// (the queue keeps it between command buffers: frames repeat their draws).
pub fn execute(
    recording: &Recording,
    ctx: &ExecContext<'_>,
    kept: &mut Option<super::draw::Batch>,
) {
    let mut render = RenderState::default();
    if let Some(b) = kept.take() {
        render.pending = b;
    }
    execute_in(recording, ctx, &mut render);
    if render.pending.is_empty() && render.in_flight.is_none() {
        let mut batch = std::mem::take(&mut render.pending);
        if let Some(idle) = render.idle.take() {
            batch.absorb(idle);
        }
        *kept = Some(batch);
    }
}

/// Command buffer state that secondaries do not inherit: bound pipeline, sets, push constants.
#[derive(Default)]
struct State {
    pipeline: Option<Arc<ComputePipeline>>,
    compute: Bindings,
    push_constants: Vec<u8>,
    graphics: super::draw::Graphics,
}

impl State {
    /// The descriptor sets of `bind_point`.
    fn sets(&mut self, bind_point: ash::vk::PipelineBindPoint) -> Result<&mut Bindings> {
        match bind_point {
            ash::vk::PipelineBindPoint::COMPUTE => Ok(&mut self.compute),
            ash::vk::PipelineBindPoint::GRAPHICS => Ok(&mut self.graphics.sets),
            other => Err(Error::invalid(format!(
                "pipeline bind point {other:?} is not supported"
            ))),
        }
    }
}

/// Runs `recording` with `render` as the render pass state (secondaries share the primary's).
fn execute_in(recording: &Recording, ctx: &ExecContext<'_>, render: &mut RenderState) {
    let mut state = State::default();
    for cmd in &recording.commands {
        if (ctx.cancelled)() {
            // (Its result no longer matters; its writes must end before the submission.)
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| finish(render)));
            render.pending.clear();
            return;
        }
        if !cmd.batches() && (!render.pending.is_empty() || render.in_flight.is_some()) {
            guarded(ctx, "the draws before it", || flush(render));
        }
        guarded(ctx, cmd.name(), || run(cmd, ctx, render, &mut state));
    }
    // A command buffer's draws are done when it ends.
    guarded(ctx, "the last draws", || flush(render));
}

fn run(
    cmd: &Command,
    ctx: &ExecContext<'_>,
    render: &mut RenderState,
    state: &mut State,
) -> Result<()> {
    match cmd {
        Command::CopyBuffer { src, dst, regions } => transfer::copy_buffer(src, dst, regions),
        Command::CopyImage { src, dst, regions } => transfer::copy_image(src, dst, regions),
        Command::CopyBufferToImage { src, dst, regions } => {
            transfer::copy_buffer_image(src, dst, regions, true)
        }
        Command::CopyImageToBuffer { src, dst, regions } => {
            transfer::copy_buffer_image(dst, src, regions, false)
        }
        Command::BlitImage {
            src,
            dst,
            regions,
            filter,
        } => transfer::blit_image(src, dst, regions, *filter),
        Command::ResolveImage { src, dst, regions } => transfer::resolve_image(src, dst, regions),
        Command::FillBuffer {
            dst,
            offset,
            size,
            data,
        } => transfer::fill_buffer(dst, *offset, *size, *data),
        Command::UpdateBuffer { dst, offset, data } => transfer::update_buffer(dst, *offset, data),
        Command::ClearColorImage {
            image,
            color,
            ranges,
        } => transfer::clear_color(image, *color, ranges),
        Command::ClearDepthStencilImage {
            image,
            depth,
            stencil,
            ranges,
        } => transfer::clear_depth_stencil(image, *depth, *stencil, ranges),
        Command::PipelineBarrier => Ok(()),
        Command::SetEvent(e) => {
            e.set();
            Ok(())
        }
        Command::ResetEvent(e) => {
            e.reset();
            Ok(())
        }
        Command::WaitEvents(events) => {
            Event::wait_all(events, ctx.cancel_word, ctx.cancelled);
            Ok(())
        }
        Command::ResetQueryPool { pool, first, count } => pool.reset(*first, *count),
        Command::WriteTimestamp { pool, query } => {
            if pool.kind() != QueryKind::Timestamp {
                return Err(Error::invalid(
                    "vkCmdWriteTimestamp into a pool that is not a timestamp pool",
                ));
            }
            // Inside a multiview instance a query uses one slot per view: the timestamp goes
            // to the first, the others read 0 (spec, vkCmdWriteTimestamp).
            let slots = render.query_slots();
            pool.check_range(*query, slots)?;
            pool.write(*query, crate::platform::monotonic_ns())?;
            (1..slots).try_for_each(|i| pool.write(*query + i, 0))
        }
        Command::BeginQuery { pool, query } => {
            pool.check_range(*query, render.query_slots())?;
            let same =
                |p: &Arc<crate::query::QueryPool>, q: u32| Arc::ptr_eq(p, pool) && q == *query;
            match pool.kind() {
                QueryKind::Occlusion => {
                    render.occlusion.retain(|q| !same(&q.0, q.1));
                    render.occlusion.push((pool.clone(), *query, 0));
                }
                QueryKind::PipelineStatistics(_) => {
                    render.statistics.retain(|q| !same(&q.0, q.1));
                    let zero = Statistics::default();
                    render.statistics.push((pool.clone(), *query, zero));
                }
                QueryKind::Timestamp => {
                    return Err(Error::invalid(
                        "vkCmdBeginQuery on a timestamp pool (VUID-vkCmdBeginQuery-queryType-02804)",
                    ));
                }
            }
            Ok(())
        }
        // Occlusion: the samples that passed the depth and stencil tests in the draws since the
        // query began (exact, whether or not PRECISE was asked for). Pipeline statistics: what
        // the draws and dispatches since it began counted. With multiview the results go to
        // the first of the query's slots and the others read 0 (the spec lets the views' counts
        // be distributed in any way across them).
        Command::EndQuery { pool, query } => {
            let slots = render.query_slots();
            pool.check_range(*query, slots)?;
            let same =
                |p: &Arc<crate::query::QueryPool>, q: u32| Arc::ptr_eq(p, pool) && q == *query;
            match pool.kind() {
                QueryKind::PipelineStatistics(mask) => {
                    let at = render.statistics.iter().position(|q| same(&q.0, q.1));
                    let counted =
                        at.map_or(Statistics::default(), |i| render.statistics.remove(i).2);
                    pool.write_values(*query, &counted.values(mask))?;
                }
                _ => {
                    let at = render.occlusion.iter().position(|q| same(&q.0, q.1));
                    let count = at.map_or(0, |i| render.occlusion.remove(i).2);
                    pool.write(*query, count)?;
                }
            }
            (1..slots).try_for_each(|i| pool.write_values(*query + i, &[]))
        }
        Command::CopyQueryPoolResults {
            pool,
            first,
            count,
            dst,
            offset,
            stride,
            flags,
        } => {
            let last = (*count as u64).saturating_sub(1) * stride + pool.result_size(*flags);
            let span = dst.span(*offset, last)?;
            // Queries are written in submission order by this worker, so a query that is not
            // available now will not become available by waiting here (except through another
            // queue, which the spec does not order for us): WAIT would only hang the queue.
            let flags = *flags & !ash::vk::QueryResultFlags::WAIT;
            let _: Availability = pool.results(
                *first,
                *count,
                *stride,
                flags,
                Some(ctx.reporter),
                |o, v, wide| {
                    if wide {
                        span.write(o as usize, &v.to_le_bytes());
                    } else {
                        span.write(o as usize, &(v as u32).to_le_bytes());
                    }
                },
            )?;
            Ok(())
        }
        Command::ExecuteCommands(recordings) => {
            for r in recordings {
                execute_in(r, ctx, render);
            }
            Ok(())
        }
        Command::BeginDebugLabel(name) => {
            ctx.reporter.report(
                Severity::Debug,
                "softvk-label",
                &format!("begin label {name:?}"),
            );
            Ok(())
        }
        Command::EndDebugLabel => {
            ctx.reporter
                .report(Severity::Debug, "softvk-label", "end label");
            Ok(())
        }
        Command::InsertDebugLabel(name) => {
            ctx.reporter
                .report(Severity::Debug, "softvk-label", &format!("label {name:?}"));
            Ok(())
        }
        Command::BeginRenderPass(b) => render.begin_pass(b),
        Command::NextSubpass => render.next_subpass(),
        Command::EndRenderPass => render.end_pass(),
        Command::BeginRendering(r) => render.begin_rendering(r),
        Command::EndRendering => render.end_rendering(),
        Command::ClearAttachments { clears, rects } => render.clear_attachments(clears, rects),
        Command::BindComputePipeline(p) => {
            state.pipeline = Some(p.clone());
            Ok(())
        }
        Command::PushDescriptors {
            bind_point,
            set,
            layout,
            writes,
        } => {
            let bound = state.sets(*bind_point)?;
            let index = *set as usize;
            if bound.sets.len() <= index {
                bound.sets.resize(index + 1, None);
            }
            // Push descriptor sets are never allocated, so a bound set with this layout holds
            // what was pushed before.
            let base = bound.sets[index]
                .as_ref()
                .filter(|b| Arc::ptr_eq(&b.layout, layout))
                .map(|b| b.slots.clone());
            let ds = crate::resource::descriptor::DescriptorSet::pushed(layout.clone(), base);
            for (binding, element, values) in writes {
                ds.write(*binding, *element, values.clone())?;
            }
            bound.sets[index] = Some(BoundSet {
                layout: layout.clone(),
                slots: ds.snapshot(),
                dynamic_offsets: Vec::new(),
            });
            Ok(())
        }
        Command::BindDescriptorSets {
            bind_point,
            first_set,
            sets,
            dynamic_offsets,
        } => {
            let bound = state.sets(*bind_point)?;
            let mut offsets = dynamic_offsets.iter().copied();
            for (i, (layout, contents)) in sets.iter().enumerate() {
                let index = *first_set as usize + i;
                if bound.sets.len() <= index {
                    bound.sets.resize(index + 1, None);
                }
                let slots = match contents {
                    super::BoundContents::Snapshot(s) => s.clone(),
                    super::BoundContents::Live(set) => set.snapshot(),
                };
                bound.sets[index] = Some(BoundSet {
                    layout: layout.clone(),
                    slots,
                    dynamic_offsets: offsets
                        .by_ref()
                        .take(layout.dynamic_count() as usize)
                        .collect(),
                });
            }
            Ok(())
        }
        Command::PushConstants { offset, data } => {
            let end = *offset as usize + data.len();
            if state.push_constants.len() < end {
                state.push_constants.resize(end, 0);
            }
            state.push_constants[*offset as usize..end].copy_from_slice(data);
            Ok(())
        }
        Command::Dispatch { base, groups } => dispatch(state, ctx, render, *base, *groups),
        Command::BindGraphicsPipeline(p) => {
            state.graphics.pipeline = Some(p.clone());
            state.graphics.changed();
            Ok(())
        }
        Command::BindVertexBuffers { first, buffers } => {
            let vb = &mut state.graphics.vertex_buffers;
            let end = *first as usize + buffers.len();
            if vb.len() < end {
                vb.resize(end, None);
            }
            for (k, b) in buffers.iter().enumerate() {
                vb[*first as usize + k] = Some(b.clone());
            }
            state.graphics.changed();
            Ok(())
        }
        Command::BindIndexBuffer(ib) => {
            state.graphics.index = Some(ib.clone());
            Ok(())
        }
        Command::SetState(s) => {
            s.apply(&mut state.graphics.values);
            state.graphics.changed();
            Ok(())
        }
        Command::Draw(call) => run_draw(state, render, *call),
        Command::DrawIndirect {
            indexed,
            buffer,
            offset,
            count,
            stride,
            count_buffer,
        } => {
            let mut n = *count;
            if let Some((cb, co)) = count_buffer {
                let mut b = [0u8; 4];
                cb.span(*co, 4)?.read(0, &mut b);
                n = n.min(u32::from_le_bytes(b));
            }
            let size = super::draw::indirect_size(*indexed);
            for i in 0..n as u64 {
                let at = offset + i * *stride as u64;
                let mut b = [0u8; 20];
                buffer.span(at, size)?.read(0, &mut b[..size as usize]);
                let call = DrawCall {
                    draw_index: i as u32,
                    ..DrawCall::from_bytes(&b, *indexed)
                };
                run_draw(state, render, call)?;
            }
            Ok(())
        }
        Command::DispatchIndirect { buffer, offset } => {
            let mut b = [0u8; 12];
            buffer.span(*offset, 12)?.read(0, &mut b);
            let g = |i: usize| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
            dispatch(state, ctx, render, [0; 3], [g(0), g(1), g(2)])
        }
        Command::SetDeviceMask(mask) => {
            if *mask != 1 {
                return Err(Error::invalid(format!(
                    "device mask {mask:#x} names devices other than device 0 (the only one)"
                )));
            }
            Ok(())
        }
    }
}

/// One draw into the current render pass instance: set up now, rasterized with the draws
/// that follow it ([`flush`]).
fn run_draw(state: &State, render: &mut RenderState, call: DrawCall) -> Result<()> {
    // A vertex shader with side effects waits for the batch rasterizing beside the queue
    // (its fragment shaders could otherwise see them, or not, by timing).
    let pure = |p: &Arc<crate::pipeline::GraphicsPipeline>| p.vertex.pure;
    if render.in_flight.is_some() && !state.graphics.pipeline.as_ref().is_some_and(pure) {
        finish(render)?;
    }
    let (views, pending) = render.views_and_batch()?;
    let mut counted = crate::query::Statistics::default();
    let push = &state.push_constants;
    super::draw::prepare(&state.graphics, views, push, call, pending, &mut counted)?;
    for q in &mut render.statistics {
        q.2.add(&counted);
    }
    // A batch is rasterized while its set-up is still in the caches.
    if render.pending.full() {
        flush_beside(render)?;
    }
    Ok(())
}

/// Rasterizes the pending draws on the pool while the queue sets up the next ones, after the
/// batch before them (batches rasterize in order): where their fragment shaders have no side
/// effects (else as [`flush`] does). Draws set up meanwhile whose vertex shaders have side
/// effects, and every other command, wait for it ([`finish`]).
fn flush_beside(render: &mut RenderState) -> Result<()> {
    let views = match render.draw_views() {
        Ok(v) if render.pending.pure() => v,
        _ => return flush(render),
    };
    finish(render)?;
    let next = render.idle.take().unwrap_or_default();
    let batch = std::mem::replace(&mut render.pending, next);
    render.in_flight = Some(super::draw::flush_on_pool(batch, views));
    Ok(())
}

/// Waits for the batch rasterizing on the pool, if any: its counts go to the active queries
/// (which cannot have changed since: their commands wait first), its buffers to the next
/// batch.
fn finish(render: &mut RenderState) -> Result<()> {
    let Some(job) = render.in_flight.take() else {
        return Ok(());
    };
    let (batch, done) = job.wait();
    render.idle = Some(batch);
    count(render, done?);
    Ok(())
}

/// Adds a batch's passed samples and fragment shader invocations to the active queries.
fn count(render: &mut RenderState, (passed, counted): (u64, crate::query::Statistics)) {
    for q in &mut render.occlusion {
        q.2 += passed;
    }
    for q in &mut render.statistics {
        q.2.add(&counted);
    }
}

/// Rasterizes the pending draws; their passed samples count for the active occlusion queries,
/// their fragment shader invocations for the active pipeline statistics queries (queries
/// begin and end between batches: both commands flush first).
fn flush(render: &mut RenderState) -> Result<()> {
    // The batch before them first (its failure reported after these are drawn).
    let earlier = finish(render);
    if render.pending.is_empty() {
        return earlier;
    }
    let views = render.draw_views();
    let mut pending = std::mem::take(&mut render.pending);
    let done = views.and_then(|views| super::draw::flush(&mut pending, &views));
    // Emptied, with the buffers it keeps for the next draws (`draw::flush` empties it; where
    // the views could not be made, this does).
    pending.clear();
    render.pending = pending;
    earlier?;
    count(render, done?);
    Ok(())
}

/// Runs `f`, reporting its failure (or a panic in it) as the failure of command `name`.
fn guarded(ctx: &ExecContext<'_>, name: &str, f: impl FnOnce() -> Result<()>) {
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::new(
                ErrorKind::Unknown,
                format!("internal driver error: {what}"),
            ))
        });
    if let Err(e) = result {
        let kind = if e.kind == ErrorKind::InvalidUsage {
            Kind::Validation
        } else {
            Kind::General
        };
        ctx.reporter.report_kind(
            Severity::Error,
            kind,
            "softvk-command",
            &format!("{name} failed and was skipped: {}", e.message),
        );
    }
}

/// Limits on one dispatch (VkPhysicalDeviceLimits::maxComputeWorkGroupCount).
pub const MAX_WORKGROUP_COUNT: u32 = 65535;

/// How long one dispatch may run before it is stopped: `SOFTVK_DISPATCH_TIMEOUT_MS`
/// (0 = no limit), 60 s by default. A GPU would reset after a hang (device lost); a CPU driver
/// stops the shader instead, so a shader that never ends cannot hang the application.
/// Read once per process.
fn dispatch_timeout() -> Option<std::time::Duration> {
    static TIMEOUT: std::sync::OnceLock<Option<std::time::Duration>> = std::sync::OnceLock::new();
    *TIMEOUT.get_or_init(|| {
        let ms = std::env::var("SOFTVK_DISPATCH_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(60_000);
        (ms > 0).then(|| std::time::Duration::from_millis(ms))
    })
}

/// Runs a dispatch of `groups` workgroups from `base`; its invocations count for the active
/// pipeline statistics queries.
fn dispatch(
    state: &State,
    ctx: &ExecContext<'_>,
    render: &mut RenderState,
    base: [u32; 3],
    groups: [u32; 3],
) -> Result<()> {
    let pipeline = state
        .pipeline
        .as_ref()
        .ok_or_else(|| Error::invalid("a dispatch with no compute pipeline bound"))?;
    if groups.contains(&0) {
        return Ok(());
    }
    if groups.iter().any(|&g| g > MAX_WORKGROUP_COUNT) {
        return Err(Error::invalid(format!(
            "workgroup count {groups:?} exceeds maxComputeWorkGroupCount \
             (VUID-vkCmdDispatch-groupCountX-00386)"
        )));
    }
    let slots = state.compute.slots(pipeline.layout());
    // Bytes past the pushed ones read as 0 in the kernel; none past the layout's range count.
    let push_len = state
        .push_constants
        .len()
        .min(pipeline.layout().push_constant_bytes as usize);
    let push = &state.push_constants[..push_len];
    let timeout = dispatch_timeout();
    let watch = crate::shader::Watch {
        deadline: timeout.map(|t| std::time::Instant::now() + t),
        cancelled: ctx.cancelled,
    };
    let kernel = pipeline.kernel();
    let invocations = (groups.iter().chain(&kernel.workgroup_size()))
        .map(|&n| n as u64)
        .product::<u64>();
    for q in &mut render.statistics {
        q.2.compute_shader_invocations += invocations;
    }
    kernel
        .dispatch_watched(&slots, push, base, groups, &watch)
        .map_err(|_| {
            if (ctx.cancelled)() {
                Error::new(
                    ErrorKind::Unknown,
                    "the dispatch was stopped because its device is being destroyed",
                )
            } else {
                Error::new(
                    ErrorKind::Unknown,
                    format!(
                        "the dispatch ran longer than {} ms (SOFTVK_DISPATCH_TIMEOUT_MS) and was \
                         stopped; its results are undefined",
                        timeout.map_or(0, |t| t.as_millis())
                    ),
                )
            }
        })
}
