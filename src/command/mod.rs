//! Command pools, command buffers, and the one exhaustive [`Command`] enum.
//!
//! Recording turns each vkCmd* into a `Command` holding everything it needs (resources are
//! `Arc`s, regions are copied), so a recording can execute after the application has moved on.
//! `vkEndCommandBuffer` freezes the commands into an immutable [`Recording`]; submissions and
//! `vkCmdExecuteCommands` share that `Arc`. Execution is one `match` in [`exec`], so recording
//! and replay cannot drift apart.
//!
//! Concurrency: Vulkan requires external synchronization of a command buffer and its pool;
//! the mutex inside [`CommandBuffer`] only makes misuse safe, it is never contended by valid use.

mod attachments;
pub mod draw;
pub mod exec;
mod transfer;

pub use attachments::RenderState;

use crate::error::{Error, Result};
use crate::pipeline::{ComputePipeline, GraphicsPipeline};
use crate::query::QueryPool;
use crate::render_pass::{ClearAttachment, PassBegin, Rendering};
use crate::resource::descriptor::{Descriptor, SetLayout};
use crate::resource::{Buffer, Image};
use crate::sync::Event;
use ash::vk;
pub use draw::{DrawCall, IndexBuffer, SetState, VertexBuffer};
use std::sync::{Arc, Mutex, Weak};

/// What vkCmdBindDescriptorSets captured of one set.
#[derive(Debug, Clone)]
pub enum BoundContents {
    /// The contents when bound.
    Snapshot(Arc<Vec<Descriptor>>),
    /// An update-after-bind set: its contents when the command executes (updates between the
    /// bind and the submission are seen).
    Live(Arc<crate::resource::descriptor::DescriptorSet>),
}

/// One recorded command: a variant per vkCmd* (the *2 forms map to the same variant).
#[derive(Debug)]
pub enum Command {
    CopyBuffer {
        src: Arc<Buffer>,
        dst: Arc<Buffer>,
        regions: Vec<vk::BufferCopy>,
    },
    CopyImage {
        src: Arc<Image>,
        dst: Arc<Image>,
        regions: Vec<vk::ImageCopy>,
    },
    CopyBufferToImage {
        src: Arc<Buffer>,
        dst: Arc<Image>,
        regions: Vec<vk::BufferImageCopy>,
    },
    CopyImageToBuffer {
        src: Arc<Image>,
        dst: Arc<Buffer>,
        regions: Vec<vk::BufferImageCopy>,
    },
    BlitImage {
        src: Arc<Image>,
        dst: Arc<Image>,
        regions: Vec<vk::ImageBlit>,
        filter: vk::Filter,
    },
    ResolveImage {
        src: Arc<Image>,
        dst: Arc<Image>,
        regions: Vec<vk::ImageResolve>,
    },
    FillBuffer {
        dst: Arc<Buffer>,
        offset: u64,
        size: u64,
        data: u32,
    },
    UpdateBuffer {
        dst: Arc<Buffer>,
        offset: u64,
        data: Vec<u8>,
    },
    ClearColorImage {
        image: Arc<Image>,
        /// The VkClearColorValue's bits; interpreted by the image format's domain.
        color: [u32; 4],
        ranges: Vec<vk::ImageSubresourceRange>,
    },
    ClearDepthStencilImage {
        image: Arc<Image>,
        depth: f32,
        stencil: u32,
        ranges: Vec<vk::ImageSubresourceRange>,
    },
    /// vkCmdPipelineBarrier(2). Commands of a queue run one after another to completion and
    /// all memory is coherent host memory, so execution and memory dependencies inside a queue
    /// are already met, and image layouts are not a memory representation here: nothing to do.
    PipelineBarrier,
    SetEvent(Arc<Event>),
    ResetEvent(Arc<Event>),
    WaitEvents(Vec<Arc<Event>>),
    ResetQueryPool {
        pool: Arc<QueryPool>,
        first: u32,
        count: u32,
    },
    WriteTimestamp {
        pool: Arc<QueryPool>,
        query: u32,
    },
    BeginQuery {
        pool: Arc<QueryPool>,
        query: u32,
    },
    EndQuery {
        pool: Arc<QueryPool>,
        query: u32,
    },
    CopyQueryPoolResults {
        pool: Arc<QueryPool>,
        first: u32,
        count: u32,
        dst: Arc<Buffer>,
        offset: u64,
        stride: u64,
        flags: vk::QueryResultFlags,
    },
    ExecuteCommands(Vec<Arc<Recording>>),
    BeginDebugLabel(String),
    EndDebugLabel,
    InsertDebugLabel(String),
    /// vkCmdSetDeviceMask: one physical device per group, the mask is always 1.
    SetDeviceMask(u32),
    /// vkCmdBeginRenderPass(2): load ops of the first subpass.
    BeginRenderPass(Arc<PassBegin>),
    /// vkCmdNextSubpass(2): resolves of the ending subpass, load ops of the next.
    NextSubpass,
    /// vkCmdEndRenderPass(2): resolves of the last subpass.
    EndRenderPass,
    /// vkCmdBeginRendering: load ops (unless resuming).
    BeginRendering(Arc<Rendering>),
    /// vkCmdEndRendering: resolves (unless suspending).
    EndRendering,
    ClearAttachments {
        clears: Vec<ClearAttachment>,
        rects: Vec<vk::ClearRect>,
    },
    /// vkCmdBindPipeline with the compute bind point.
    BindComputePipeline(Arc<ComputePipeline>),
    /// vkCmdBindPipeline with the graphics bind point.
    BindGraphicsPipeline(Arc<GraphicsPipeline>),
    /// vkCmdBindVertexBuffers(2): bindings `first..`.
    BindVertexBuffers {
        first: u32,
        buffers: Vec<VertexBuffer>,
    },
    BindIndexBuffer(IndexBuffer),
    /// A vkCmdSet* of dynamic graphics state.
    SetState(SetState),
    /// vkCmdDraw / vkCmdDrawIndexed.
    Draw(DrawCall),
    /// vkCmdDraw(Indexed)Indirect(Count): `count` commands `stride` bytes apart from
    /// `offset`, or as many as the count buffer says (at most `count`).
    DrawIndirect {
        indexed: bool,
        buffer: Arc<Buffer>,
        offset: u64,
        count: u32,
        stride: u32,
        count_buffer: Option<(Arc<Buffer>, u64)>,
    },
    /// vkCmdBindDescriptorSets: the sets' contents as they were when bound, or the set itself
    /// for update-after-bind layouts (read when the command executes).
    BindDescriptorSets {
        bind_point: vk::PipelineBindPoint,
        first_set: u32,
        sets: Vec<(Arc<SetLayout>, BoundContents)>,
        dynamic_offsets: Vec<u32>,
    },
    PushConstants {
        offset: u32,
        data: Vec<u8>,
    },
    /// vkCmdPushDescriptorSetKHR / vkCmdPushDescriptorSetWithTemplateKHR: writes (binding,
    /// first array element, descriptors) into push descriptor set `set` of `layout`, on top of
    /// what was pushed before with that layout (push descriptors update incrementally).
    PushDescriptors {
        bind_point: vk::PipelineBindPoint,
        set: u32,
        layout: Arc<SetLayout>,
        writes: Vec<(u32, u32, Vec<Descriptor>)>,
    },
    /// vkCmdDispatch / vkCmdDispatchBase.
    Dispatch {
        base: [u32; 3],
        groups: [u32; 3],
    },
    DispatchIndirect {
        buffer: Arc<Buffer>,
        offset: u64,
    },
}

impl Command {
    /// The Vulkan command that recorded this (for messages).
    pub fn name(&self) -> &'static str {
        match self {
            Command::CopyBuffer { .. } => "vkCmdCopyBuffer",
            Command::CopyImage { .. } => "vkCmdCopyImage",
            Command::CopyBufferToImage { .. } => "vkCmdCopyBufferToImage",
            Command::CopyImageToBuffer { .. } => "vkCmdCopyImageToBuffer",
            Command::BlitImage { .. } => "vkCmdBlitImage",
            Command::ResolveImage { .. } => "vkCmdResolveImage",
            Command::FillBuffer { .. } => "vkCmdFillBuffer",
            Command::UpdateBuffer { .. } => "vkCmdUpdateBuffer",
            Command::ClearColorImage { .. } => "vkCmdClearColorImage",
            Command::ClearDepthStencilImage { .. } => "vkCmdClearDepthStencilImage",
            Command::PipelineBarrier => "vkCmdPipelineBarrier",
            Command::SetEvent(_) => "vkCmdSetEvent",
            Command::ResetEvent(_) => "vkCmdResetEvent",
            Command::WaitEvents(_) => "vkCmdWaitEvents",
            Command::ResetQueryPool { .. } => "vkCmdResetQueryPool",
            Command::WriteTimestamp { .. } => "vkCmdWriteTimestamp",
            Command::BeginQuery { .. } => "vkCmdBeginQuery",
            Command::EndQuery { .. } => "vkCmdEndQuery",
            Command::CopyQueryPoolResults { .. } => "vkCmdCopyQueryPoolResults",
            Command::ExecuteCommands(_) => "vkCmdExecuteCommands",
            Command::BeginDebugLabel(_) => "vkCmdBeginDebugUtilsLabelEXT",
            Command::EndDebugLabel => "vkCmdEndDebugUtilsLabelEXT",
            Command::InsertDebugLabel(_) => "vkCmdInsertDebugUtilsLabelEXT",
            Command::SetDeviceMask(_) => "vkCmdSetDeviceMask",
            Command::BeginRenderPass(_) => "vkCmdBeginRenderPass",
            Command::NextSubpass => "vkCmdNextSubpass",
            Command::EndRenderPass => "vkCmdEndRenderPass",
            Command::BeginRendering(_) => "vkCmdBeginRendering",
            Command::EndRendering => "vkCmdEndRendering",
            Command::ClearAttachments { .. } => "vkCmdClearAttachments",
            Command::BindComputePipeline(_) | Command::BindGraphicsPipeline(_) => {
                "vkCmdBindPipeline"
            }
            Command::BindVertexBuffers { .. } => "vkCmdBindVertexBuffers",
            Command::BindIndexBuffer(_) => "vkCmdBindIndexBuffer",
            Command::SetState(s) => s.name(),
            Command::Draw(c) if c.indexed => "vkCmdDrawIndexed",
            Command::Draw(_) => "vkCmdDraw",
            Command::DrawIndirect {
                indexed,
                count_buffer,
                ..
            } => match (indexed, count_buffer.is_some()) {
                (false, false) => "vkCmdDrawIndirect",
                (true, false) => "vkCmdDrawIndexedIndirect",
                (false, true) => "vkCmdDrawIndirectCount",
                (true, true) => "vkCmdDrawIndexedIndirectCount",
            },
            Command::BindDescriptorSets { .. } => "vkCmdBindDescriptorSets",
            Command::PushDescriptors { .. } => "vkCmdPushDescriptorSetKHR",
            Command::PushConstants { .. } => "vkCmdPushConstants",
            Command::Dispatch { .. } => "vkCmdDispatch",
            Command::DispatchIndirect { .. } => "vkCmdDispatchIndirect",
        }
    }
}

impl Command {
    /// Whether the draws pending before it may stay pending: it draws or sets state only, so
    /// it neither reads nor writes attachments, queries or memory the draws touch.
    pub fn batches(&self) -> bool {
        matches!(
            self,
            Command::Draw(_)
                | Command::DrawIndirect { .. }
                | Command::BindGraphicsPipeline(_)
                | Command::BindComputePipeline(_)
                | Command::BindVertexBuffers { .. }
                | Command::BindIndexBuffer(_)
                | Command::SetState(_)
                | Command::PushConstants { .. }
                | Command::BindDescriptorSets { .. }
                | Command::PushDescriptors { .. }
                | Command::BeginDebugLabel(_)
                | Command::EndDebugLabel
                | Command::InsertDebugLabel(_)
        )
    }
}

/// The frozen commands of one ended command buffer.
#[derive(Debug, Default)]
pub struct Recording {
    pub commands: Vec<Command>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Initial,
    Recording,
    Executable,
    Invalid,
}

#[derive(Debug)]
struct Recorder {
    status: Status,
    commands: Vec<Command>,
    /// The first error while recording; vkEndCommandBuffer returns it.
    error: Option<Error>,
    executable: Option<Arc<Recording>>,
}

/// One VkCommandBuffer.
#[derive(Debug)]
pub struct CommandBuffer {
    level: vk::CommandBufferLevel,
    state: Mutex<Recorder>,
}

impl CommandBuffer {
    fn new(level: vk::CommandBufferLevel) -> Self {
        CommandBuffer {
            level,
            state: Mutex::new(Recorder {
                status: Status::Initial,
                commands: Vec::new(),
                error: None,
                executable: None,
            }),
        }
    }

    pub fn level(&self) -> vk::CommandBufferLevel {
        self.level
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorder> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// vkBeginCommandBuffer (an implicit reset when not in the initial state).
    pub fn begin(&self) -> Result<()> {
        let mut r = self.lock();
        if r.status == Status::Recording {
            return Err(Error::invalid(
                "vkBeginCommandBuffer on a command buffer that is recording \
                 (VUID-vkBeginCommandBuffer-commandBuffer-00049)",
            ));
        }
        r.status = Status::Recording;
        r.commands.clear();
        r.error = None;
        r.executable = None;
        Ok(())
    }

    /// Appends a command. Outside the recording state the command is dropped with an error.
    pub fn record(&self, cmd: Command) -> Result<()> {
        let mut r = self.lock();
        if r.status != Status::Recording {
            return Err(Error::invalid(format!(
                "{} on a command buffer that is not recording",
                cmd.name()
            )));
        }
        r.commands.push(cmd);
        Ok(())
    }

    /// Remembers a recording error for vkEndCommandBuffer.
    pub fn record_error(&self, e: Error) {
        let mut r = self.lock();
        if r.error.is_none() {
            r.error = Some(e);
        }
    }

    /// vkEndCommandBuffer.
    pub fn end(&self) -> Result<()> {
        let mut r = self.lock();
        if r.status != Status::Recording {
            return Err(Error::invalid(
                "vkEndCommandBuffer on a command buffer that is not recording \
                 (VUID-vkEndCommandBuffer-commandBuffer-00059)",
            ));
        }
        if let Some(e) = r.error.take() {
            r.status = Status::Invalid;
            r.commands.clear();
            return Err(e);
        }
        let commands = std::mem::take(&mut r.commands);
        r.executable = Some(Arc::new(Recording { commands }));
        r.status = Status::Executable;
        Ok(())
    }

    /// vkResetCommandBuffer.
    pub fn reset(&self) {
        let mut r = self.lock();
        r.status = Status::Initial;
        r.commands = Vec::new();
        r.error = None;
        r.executable = None;
    }

    /// The recording to submit or execute; the buffer must be executable.
    pub fn executable(&self) -> Result<Arc<Recording>> {
        let r = self.lock();
        match (&r.executable, r.status) {
            (Some(rec), Status::Executable) => Ok(rec.clone()),
            _ => Err(Error::invalid(format!(
                "command buffer is not executable (it is {:?})",
                r.status
            ))),
        }
    }
}

/// One VkCommandPool.
#[derive(Debug)]
pub struct CommandPool {
    pub flags: vk::CommandPoolCreateFlags,
    pub queue_family: u32,
    buffers: Mutex<Vec<Weak<CommandBuffer>>>,
}

impl CommandPool {
    pub fn new(flags: vk::CommandPoolCreateFlags, queue_family: u32) -> Result<Self> {
        if queue_family != 0 {
            return Err(Error::invalid(format!(
                "queueFamilyIndex {queue_family} does not exist (there is one family, 0)"
            )));
        }
        if flags.contains(vk::CommandPoolCreateFlags::PROTECTED) {
            return Err(Error::new(
                crate::error::ErrorKind::FeatureNotPresent,
                "protected command pools are not supported",
            ));
        }
        Ok(CommandPool {
            flags,
            queue_family,
            buffers: Mutex::new(Vec::new()),
        })
    }

    pub fn allocate(&self, level: vk::CommandBufferLevel) -> Arc<CommandBuffer> {
        let cb = Arc::new(CommandBuffer::new(level));
        let mut list = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        list.retain(|w| w.strong_count() > 0);
        list.push(Arc::downgrade(&cb));
        cb
    }

    /// vkResetCommandPool: every command buffer of the pool returns to the initial state.
    pub fn reset(&self) {
        let list = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        for cb in list.iter().filter_map(Weak::upgrade) {
            cb.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_machine() {
        let pool = CommandPool::new(vk::CommandPoolCreateFlags::empty(), 0).unwrap();
        let cb = pool.allocate(vk::CommandBufferLevel::PRIMARY);
        assert!(cb.record(Command::PipelineBarrier).is_err());
        assert!(cb.end().is_err());
        assert!(cb.executable().is_err());
        cb.begin().unwrap();
        assert!(cb.begin().is_err());
        cb.record(Command::PipelineBarrier).unwrap();
        cb.end().unwrap();
        assert_eq!(cb.executable().unwrap().commands.len(), 1);
        pool.reset();
        assert!(cb.executable().is_err());
        cb.begin().unwrap();
        cb.record_error(Error::invalid("bad"));
        assert!(cb.end().is_err());
        assert!(cb.executable().is_err());
        assert!(CommandPool::new(vk::CommandPoolCreateFlags::empty(), 1).is_err());
    }
}
