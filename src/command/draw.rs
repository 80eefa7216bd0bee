//! Draws at execution: the bound graphics pipeline with the command buffer's dynamic state,
//! vertex and index buffers and descriptor sets, drawn by [`crate::raster::draw`] into the
//! attachments of the current subpass or dynamic rendering.
//!
//! Each draw assembles its vertex stream (direct or through the index buffer, with primitive
//! restart), fetches every vertex's attributes, runs the vertex shader once per stream entry
//! of every instance and rasterizes the primitives; with multiview it runs once per view of
//! the subpass, into that view's layer, ViewIndex set. Attachments are the images' own memory
//! (samples side by side, [`crate::raster::draw::Target`]); writes are clipped to the render
//! area and to every attachment, so no draw writes outside its attachments whatever its
//! input (NaN or huge positions, viewports outside the framebuffer, indices past the vertex
//! buffer: robust vertex fetch reads zeros).

use super::attachments::DrawViews;
use crate::error::{Error, Result};
use crate::physical_device::MAX_VERTEX_BINDINGS;
use crate::pipeline::graphics::{GraphicsPipeline, GraphicsState};
use crate::query::Statistics;
use crate::raster::assembly;
use crate::raster::blend::BlendAttachment;
use crate::raster::depth::DepthStencil;
use crate::raster::draw::{
    Attachments, DepthBias, Draw, RasterState, Setup, SetupBuffers, Target, VertexSource, Viewport,
};
use crate::raster::fetch::{self, Attribute, Binding};
use crate::raster::{Cull, Rect};
use crate::render_pass::Layers;
use crate::resource::{Buffer, ImageView};
use crate::shader::Resource;
use ash::vk;
use std::sync::Arc;

type A = vk::ImageAspectFlags;

/// One vkCmdSet* of the dynamic state of Vulkan 1.3.
#[derive(Clone, Debug)]
pub enum SetState {
    Viewport {
        first: u32,
        viewports: Vec<Viewport>,
    },
    ViewportWithCount(Vec<Viewport>),
    Scissor {
        first: u32,
        scissors: Vec<vk::Rect2D>,
    },
    ScissorWithCount(Vec<vk::Rect2D>),
    LineWidth(f32),
    DepthBias(DepthBias),
    BlendConstants([f32; 4]),
    DepthBounds(f32, f32),
    StencilCompareMask(vk::StencilFaceFlags, u32),
    StencilWriteMask(vk::StencilFaceFlags, u32),
    StencilReference(vk::StencilFaceFlags, u32),
    CullMode(vk::CullModeFlags),
    FrontFace(vk::FrontFace),
    PrimitiveTopology(vk::PrimitiveTopology),
    DepthTestEnable(bool),
    DepthWriteEnable(bool),
    DepthCompareOp(vk::CompareOp),
    DepthBoundsTestEnable(bool),
    StencilTestEnable(bool),
    StencilOp {
        faces: vk::StencilFaceFlags,
        fail: vk::StencilOp,
        pass: vk::StencilOp,
        depth_fail: vk::StencilOp,
        compare: vk::CompareOp,
    },
    RasterizerDiscardEnable(bool),
    DepthBiasEnable(bool),
    PrimitiveRestartEnable(bool),
    /// vkCmdSetLogicOpEXT (VK_EXT_extended_dynamic_state2).
    LogicOp(vk::LogicOp),
}

impl SetState {
    /// The command that records it (for messages).
    pub fn name(&self) -> &'static str {
        match self {
            SetState::Viewport { .. } => "vkCmdSetViewport",
            SetState::ViewportWithCount(_) => "vkCmdSetViewportWithCount",
            SetState::Scissor { .. } => "vkCmdSetScissor",
            SetState::ScissorWithCount(_) => "vkCmdSetScissorWithCount",
            SetState::LineWidth(_) => "vkCmdSetLineWidth",
            SetState::DepthBias(_) => "vkCmdSetDepthBias",
            SetState::BlendConstants(_) => "vkCmdSetBlendConstants",
            SetState::DepthBounds(..) => "vkCmdSetDepthBounds",
            SetState::StencilCompareMask(..) => "vkCmdSetStencilCompareMask",
            SetState::StencilWriteMask(..) => "vkCmdSetStencilWriteMask",
            SetState::StencilReference(..) => "vkCmdSetStencilReference",
            SetState::CullMode(_) => "vkCmdSetCullMode",
            SetState::FrontFace(_) => "vkCmdSetFrontFace",
            SetState::PrimitiveTopology(_) => "vkCmdSetPrimitiveTopology",
            SetState::DepthTestEnable(_) => "vkCmdSetDepthTestEnable",
            SetState::DepthWriteEnable(_) => "vkCmdSetDepthWriteEnable",
            SetState::DepthCompareOp(_) => "vkCmdSetDepthCompareOp",
            SetState::DepthBoundsTestEnable(_) => "vkCmdSetDepthBoundsTestEnable",
            SetState::StencilTestEnable(_) => "vkCmdSetStencilTestEnable",
            SetState::StencilOp { .. } => "vkCmdSetStencilOp",
            SetState::RasterizerDiscardEnable(_) => "vkCmdSetRasterizerDiscardEnable",
            SetState::DepthBiasEnable(_) => "vkCmdSetDepthBiasEnable",
            SetState::PrimitiveRestartEnable(_) => "vkCmdSetPrimitiveRestartEnable",
            SetState::LogicOp(_) => "vkCmdSetLogicOpEXT",
        }
    }

    /// Writes this state into `v`, the command buffer's dynamic values.
    pub fn apply(&self, v: &mut GraphicsState) {
        let faces = |f: vk::StencilFaceFlags| {
            [
                f.contains(vk::StencilFaceFlags::FRONT),
                f.contains(vk::StencilFaceFlags::BACK),
            ]
        };
        let each =
            |v: &mut GraphicsState, f, set: &dyn Fn(&mut crate::raster::depth::StencilFace)| {
                for (k, on) in faces(f).into_iter().enumerate() {
                    if on {
                        set(&mut v.stencil[k]);
                    }
                }
            };
        match self {
            SetState::Viewport { first, viewports } => {
                let end = *first as usize + viewports.len();
                if v.viewports.len() < end {
                    v.viewports.resize(end, viewports[0]);
                }
                v.viewports[*first as usize..end].copy_from_slice(viewports);
            }
            SetState::ViewportWithCount(vp) => v.viewports = vp.clone(),
            SetState::Scissor { first, scissors } => {
                let end = *first as usize + scissors.len();
                if v.scissors.len() < end {
                    v.scissors.resize(end, vk::Rect2D::default());
                }
                v.scissors[*first as usize..end].copy_from_slice(scissors);
            }
            SetState::ScissorWithCount(s) => v.scissors = s.clone(),
            SetState::LineWidth(w) => v.line_width = *w,
            SetState::DepthBias(b) => v.depth_bias = *b,
            SetState::BlendConstants(c) => v.blend_constants = *c,
            SetState::DepthBounds(lo, hi) => v.depth_bounds = (*lo, *hi),
            SetState::StencilCompareMask(f, m) => each(v, *f, &|s| s.compare_mask = *m),
            SetState::StencilWriteMask(f, m) => each(v, *f, &|s| s.write_mask = *m),
            SetState::StencilReference(f, r) => each(v, *f, &|s| s.reference = *r),
            SetState::CullMode(c) => v.cull_mode = *c,
            SetState::FrontFace(f) => v.front_face = *f,
            SetState::PrimitiveTopology(t) => v.topology = *t,
            SetState::DepthTestEnable(b) => v.depth_test = *b,
            SetState::DepthWriteEnable(b) => v.depth_write = *b,
            SetState::DepthCompareOp(op) => v.depth_compare = *op,
            SetState::DepthBoundsTestEnable(b) => v.depth_bounds_test = *b,
            SetState::StencilTestEnable(b) => v.stencil_test = *b,
            SetState::StencilOp {
                faces: f,
                fail,
                pass,
                depth_fail,
                compare,
            } => each(v, *f, &|s| {
                s.fail = *fail;
                s.pass = *pass;
                s.depth_fail = *depth_fail;
                s.compare = *compare;
            }),
            SetState::RasterizerDiscardEnable(b) => v.rasterizer_discard = *b,
            SetState::DepthBiasEnable(b) => v.depth_bias_enable = *b,
            SetState::PrimitiveRestartEnable(b) => v.primitive_restart = *b,
            SetState::LogicOp(op) => v.logic_op = Some(*op),
        }
    }
}

/// One vertex buffer binding (vkCmdBindVertexBuffers(2)).
#[derive(Clone, Debug)]
pub struct VertexBuffer {
    /// None: VK_NULL_HANDLE (nullDescriptor): attributes read zeros.
    pub buffer: Option<Arc<Buffer>>,
    pub offset: u64,
    /// None: to the end of the buffer.
    pub size: Option<u64>,
    /// The stride vkCmdBindVertexBuffers2 gave (VERTEX_INPUT_BINDING_STRIDE).
    pub stride: Option<u64>,
}

/// vkCmdBindIndexBuffer.
#[derive(Clone, Debug)]
pub struct IndexBuffer {
    pub buffer: Arc<Buffer>,
    pub offset: u64,
    pub index_type: vk::IndexType,
}

/// The graphics half of the executor's command buffer state.
#[derive(Default)]
pub struct Graphics {
    pub pipeline: Option<Arc<GraphicsPipeline>>,
    pub sets: crate::pipeline::Bindings,
    /// What the vkCmdSet* commands set.
    pub values: GraphicsState,
    pub vertex_buffers: Vec<Option<VertexBuffer>>,
    pub index: Option<IndexBuffer>,
    /// The bound pipeline's state with the dynamic values applied, made by the first draw
    /// after a change (binding a pipeline or vertex buffers, a vkCmdSet*: [`Graphics::changed`]).
    resolved: std::cell::OnceCell<Arc<GraphicsState>>,
}

impl Graphics {
    /// Forgets the resolved state (its inputs changed).
    pub fn changed(&mut self) {
        self.resolved = std::cell::OnceCell::new();
    }

    /// The bound pipeline `p`'s state with the command buffer's dynamic values.
    fn state(&self, p: &GraphicsPipeline) -> Arc<GraphicsState> {
        self.resolved
            .get_or_init(|| {
                let strides: Vec<Option<u64>> = self
                    .vertex_buffers
                    .iter()
                    .map(|b| b.as_ref().and_then(|b| b.stride))
                    .collect();
                Arc::new(p.state.with_dynamic(p.dynamic, &self.values, &strides))
            })
            .clone()
    }
}

/// The parameters of one draw (direct, or read from an indirect buffer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrawCall {
    pub indexed: bool,
    /// Its index in a multi-draw (DrawIndex); 0 for direct draws.
    pub draw_index: u32,
    /// Vertices or indices.
    pub count: u32,
    pub instances: u32,
    /// firstVertex or firstIndex.
    pub first: u32,
    pub vertex_offset: i32,
    pub first_instance: u32,
}

impl DrawCall {
    /// A VkDrawIndirectCommand (16 bytes) or VkDrawIndexedIndirectCommand (20 bytes).
    pub fn from_bytes(b: &[u8], indexed: bool) -> DrawCall {
        let w = |i: usize| u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().expect("4 bytes"));
        if indexed {
            DrawCall {
                indexed,
                draw_index: 0,
                count: w(0),
                instances: w(1),
                first: w(2),
                vertex_offset: w(3) as i32,
                first_instance: w(4),
            }
        } else {
            DrawCall {
                indexed,
                draw_index: 0,
                count: w(0),
                instances: w(1),
                first: w(2),
                vertex_offset: 0,
                first_instance: w(3),
            }
        }
    }
}

/// The size of one indirect command.
pub fn indirect_size(indexed: bool) -> u64 {
    if indexed { 20 } else { 16 }
}

/// Runs one draw; returns the samples that passed the depth and stencil tests.
/// A draw set up (vertex stage, clipping, setup) and waiting to be rasterized with the other
/// draws of its batch ([`flush`]).
pub struct Pending {
    pipeline: Arc<GraphicsPipeline>,
    /// The graphics descriptor sets and push constants as the draw saw them.
    sets: crate::pipeline::Bindings,
    /// The push constants (shared with the draw before it where they are the same).
    push: Arc<[u8]>,
    /// The state it was drawn with (the color attachments' blend states are read from it).
    state: Arc<GraphicsState>,
    setup: Setup,
    /// The layer (multiview: the view) it draws into.
    layer: u32,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("primitives", &self.setup.len())
            .field("layer", &self.layer)
            .finish()
    }
}

/// The area every attachment covers (None without attachments) and the depth plane's format.
type AttachmentSize = (Option<(u32, u32)>, Option<vk::Format>);

/// The size every attachment of `views` covers and the depth plane's format.
fn attachment_size(views: &DrawViews) -> Result<AttachmentSize> {
    let mut size: Option<(u32, u32)> = None;
    for v in views
        .colors
        .iter()
        .flatten()
        .chain(&views.depth)
        .chain(&views.stencil)
    {
        let e = v.extent();
        size = Some(size.map_or((e.width, e.height), |(w, h)| {
            (w.min(e.width), h.min(e.height))
        }));
    }
    let depth = match &views.depth {
        Some(v) => Some(v.image.plane(A::DEPTH)?.format),
        None => None,
    };
    Ok((size, depth))
}

/// Sets up one draw (per view with multiview) for the batch; the samples it passes and its
/// fragment shader invocations are counted when the batch is rasterized. Adds the pipeline
/// statistics of the stages up to clipping (per view: each view runs them) to `counted`
/// (in place: a copy of counters just written would stall on store forwarding).
pub fn prepare(
    g: &Graphics,
    views: &DrawViews,
    push: &[u8],
    call: DrawCall,
    batch: &mut Batch,
    counted: &mut Statistics,
) -> Result<()> {
    // The draw's stream and lists in the batch's buffers (no allocations per small draw).
    // (Boxed: moving the buffers' 72 bytes out and back through the stack stalled on store
    // forwarding, a fifth of this function's time on the draw-call row.)
    let mut scratch = batch.scratch.take().unwrap_or_default();
    let r = prepare_with(g, views, push, call, batch, &mut scratch, counted);
    batch.scratch = Some(scratch);
    r
}

/// A draw's vertex stream, primitive list and distinct vertices, kept by the batch for the
/// next draw.
#[derive(Debug, Default)]
struct Scratch {
    stream: assembly::Stream,
    prims: Vec<usize>,
    unique: Vec<u32>,
    /// An indexed draw's index bytes, each stream position's distinct-vertex slot, the
    /// table `distinct` builds, and the primitives of several instances.
    bytes: Vec<u8>,
    slot: Vec<usize>,
    table: Vec<u32>,
    several: Vec<usize>,
}

impl Scratch {
    /// The bytes its vectors hold (their capacity).
    fn bytes(&self) -> usize {
        use std::mem::size_of;
        self.stream.capacity() * size_of::<Option<u32>>()
            + (self.unique.capacity() + self.table.capacity()) * 4
            + self.bytes.capacity()
            + (self.prims.capacity() + self.slot.capacity() + self.several.capacity())
                * size_of::<usize>()
    }
}

fn prepare_with(
    g: &Graphics,
    views: &DrawViews,
    push: &[u8],
    call: DrawCall,
    batch: &mut Batch,
    scratch: &mut Scratch,
    counted: &mut Statistics,
) -> Result<()> {
    let p = g.pipeline.as_ref().ok_or_else(|| {
        Error::invalid("a draw with no graphics pipeline bound (VUID-vkCmdDraw-None-08606)")
    })?;
    let resolved = g.state(p);
    let s = &*resolved;
    if call.count == 0 || call.instances == 0 {
        return Ok(());
    }
    let Some(&viewport) = s.viewports.first() else {
        return Ok(());
    };
    // The vertex stream of one instance.
    let stream: &assembly::Stream = if call.indexed {
        let ib = g.index.as_ref().ok_or_else(|| {
            Error::invalid(
                "an indexed draw with no index buffer bound (VUID-vkCmdDrawIndexed-None-07312)",
            )
        })?;
        let size: u64 = match ib.index_type {
            vk::IndexType::UINT8_EXT => 1,
            vk::IndexType::UINT16 => 2,
            _ => 4,
        };
        // The indices the draw reads (from firstIndex), as far as the buffer holds them (the
        // rest read 0).
        let avail = ib.buffer.size().saturating_sub(ib.offset);
        let start = (call.first as u64 * size).min(avail);
        let end = ((call.first as u64 + call.count as u64) * size).min(avail);
        let bytes = &mut scratch.bytes;
        bytes.clear();
        bytes.resize((end - start) as usize, 0);
        ib.buffer
            .span(ib.offset + start, bytes.len() as u64)?
            .read(0, bytes);
        let restart = s.primitive_restart;
        assembly::indexed_into(
            bytes,
            ib.index_type,
            (0, call.count),
            call.vertex_offset,
            restart,
            &mut scratch.stream,
        );
        &scratch.stream
    } else {
        assembly::direct_into(call.first, call.count, &mut scratch.stream);
        &scratch.stream
    };
    let per = assembly::primitive_list_into(s.topology, stream, &mut scratch.prims);
    let prims_one = &scratch.prims;
    // Input assembly, per instance and view: the stream's vertices (restarts are not
    // vertices; those of an incomplete primitive count, as the spec allows) and its complete
    // primitives.
    let multiview = matches!(views.layers, Layers::Views(_));
    let view_count = if multiview {
        views.layers.iter().count() as u64
    } else {
        1
    };
    let runs = call.instances as u64 * view_count;
    counted.input_assembly_vertices += stream.iter().flatten().count() as u64 * runs;
    counted.input_assembly_primitives += (prims_one.len() / per) as u64 * runs;
    // Rasterizer discard: nothing after input assembly runs (no vertex shader: its outputs
    // could not be seen; the clipping counters may stay 0, spec "Pipeline Statistics Queries").
    if s.rasterizer_discard || prims_one.is_empty() {
        return Ok(());
    }
    // Each vertex of an instance is shaded once however often the stream repeats it: the
    // stream's distinct vertex indices, in order of first use, and each position's slot.
    // A direct draw's stream is its distinct vertices in order.
    // (None: position k is slot k, a direct draw's.)
    let (unique, slot): (&[u32], _) = if call.indexed {
        let (unique, slot, table) = (&mut scratch.unique, &mut scratch.slot, &mut scratch.table);
        distinct(stream, unique, slot, table);
        (&scratch.unique, Some(&scratch.slot))
    } else {
        scratch.unique.clear();
        scratch.unique.extend(stream.iter().map(|v| v.unwrap_or(0)));
        (&scratch.unique, None)
    };
    // Vertex buffers as the fetch sees them.
    // (On the stack: bindings are numbered below maxVertexInputBindings.)
    let max_binding = s.bindings.iter().map(|b| b.binding + 1).max().unwrap_or(0) as usize;
    let mut table = [Binding {
        data: None,
        stride: 0,
        per_instance: false,
        divisor: 1,
    }; MAX_VERTEX_BINDINGS];
    let bindings = &mut table[..max_binding.min(MAX_VERTEX_BINDINGS)];
    for b in &s.bindings {
        let span = (|| {
            let vb = g.vertex_buffers.get(b.binding as usize)?.as_ref()?;
            let buf = vb.buffer.as_ref()?;
            let end = buf.size();
            let len = vb.size.unwrap_or(end.saturating_sub(vb.offset));
            buf.span(vb.offset, len.min(end.saturating_sub(vb.offset)))
                .ok()
        })();
        bindings[b.binding as usize] = Binding {
            data: span,
            stride: b.stride as u64,
            per_instance: b.per_instance,
            divisor: b.divisor,
        };
    }
    let source = Fetch {
        attributes: &s.attributes,
        bindings,
        unique,
        first_instance: call.first_instance,
    };
    let n = unique.len();
    let prims: &[usize] = match (&slot, call.instances) {
        // One instance of a direct draw: the positions are the slots.
        (None, 1) => prims_one,
        _ => {
            let prims = &mut scratch.several;
            prims.clear();
            prims.reserve(prims_one.len() * call.instances as usize);
            for i in 0..call.instances as usize {
                prims.extend(
                    prims_one
                        .iter()
                        .map(|&k| i * n + slot.as_ref().map_or(k, |slot| slot[k])),
                );
            }
            &scratch.several
        }
    };
    let source = Instances {
        one: source,
        instances: call.instances as usize,
    };
    let slots: Vec<Resource<'_>> = g.sets.slots(&p.layout);
    let push = &push[..push.len().min(p.layout.push_constant_bytes as usize)];
    // Multiview: each view into its layer with its ViewIndex; otherwise the first layer.
    let layers = (views.layers.iter().filter(|_| multiview)).chain((!multiview).then_some(0));
    let (size, depth_format) = attachment_size(views)?;
    for layer in layers {
        let mut state = raster_state(s, viewport, views.area, layer);
        let base_vertex = if call.indexed {
            call.vertex_offset as u32
        } else {
            call.first
        };
        state.draw_params = [base_vertex, call.first_instance, call.draw_index];
        // A large draw takes the buffers of the last large set-up (a frame's large draws
        // come again next frame: megabytes not mapped and faulted in anew), a small one those
        // of a small one.
        let large = prims.len() / per.max(1) > SPARE_PRIMITIVES;
        let spare = (large.then(|| batch.large.take()).flatten())
            .or_else(|| batch.spare.pop())
            .unwrap_or_default();
        let Some(setup) = crate::raster::draw::setup(
            &p.vertex,
            &slots,
            p.fragment.as_ref(),
            push,
            &source,
            (per, prims),
            &state,
            size,
            depth_format,
            spare,
        ) else {
            continue;
        };
        let c = setup.counts();
        counted.vertex_shader_invocations += c.vertex_invocations;
        counted.clipping_invocations += c.clip_invocations;
        counted.clipping_primitives += c.clip_primitives;
        if setup.is_empty() {
            continue;
        }
        batch.push(Pending {
            pipeline: p.clone(),
            sets: g.sets.clone(),
            push: match batch.draws.last() {
                Some(last) if *last.push == *push => last.push.clone(),
                _ => Arc::from(push),
            },
            state: resolved.clone(),
            setup,
            layer,
        });
    }
    Ok(())
}

/// Set-ups of at most this many primitives leave their buffers for the next draws.
const SPARE_PRIMITIVES: usize = 64;

/// A larger set-up leaves its buffers for the next large draw when they hold at most this
/// many bytes (about 250 000 triangles): the queue keeps them between command buffers, so a
/// huge draw made once does not hold its memory for the queue's life.
const SPARE_LARGE_BYTES: usize = 64 << 20;

/// Draws in one batch at most.
const BATCH_DRAWS: usize = 256;
/// Primitives in one batch at most (unless one draw has more).
const BATCH_PRIMITIVES: usize = 1 << 16;

/// Draws set up and waiting to be rasterized together.
#[derive(Debug, Default)]
pub struct Batch {
    draws: Vec<Pending>,
    /// Their primitives.
    primitives: usize,
    /// The buffers of set-ups already rasterized, for the next draws (at most a batch's).
    spare: Vec<SetupBuffers>,
    /// The buffers of the last large set-up, for the next large draw.
    large: Option<SetupBuffers>,
    /// The last draw's stream and lists, for the next draw's.
    scratch: Option<Box<Scratch>>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.draws.is_empty()
    }

    /// Empties the batch, keeping the buffers of its small draws' set-ups and of its last
    /// large one for the next draws (what stays is bounded: a batch's small set-ups and one
    /// large set-up's, at most [`SPARE_LARGE_BYTES`]).
    pub fn clear(&mut self) {
        self.primitives = 0;
        if self
            .scratch
            .as_ref()
            .is_some_and(|s| s.bytes() > SPARE_LARGE_BYTES)
        {
            self.scratch = None;
        }
        for p in self.draws.drain(..) {
            if p.setup.len() > SPARE_PRIMITIVES {
                if p.setup.bytes() <= SPARE_LARGE_BYTES {
                    self.large = Some(p.setup.into_buffers());
                }
            } else if self.spare.len() < BATCH_DRAWS {
                self.spare.push(p.setup.into_buffers());
            }
        }
    }

    /// Takes the buffers of `other` (emptied) that this emptied batch lacks.
    pub fn absorb(&mut self, other: Batch) {
        debug_assert!(self.is_empty() && other.is_empty());
        if self.large.is_none() {
            self.large = other.large;
        }
        if self.scratch.is_none() {
            self.scratch = other.scratch;
        }
        let room = BATCH_DRAWS.saturating_sub(self.spare.len());
        self.spare.extend(other.spare.into_iter().take(room));
    }

    /// Whether the batch is as large as batches get: its set-up records would soon leave
    /// the caches (the primitives' records and the vertex records they point to are read
    /// again when the batch is rasterized).
    pub fn full(&self) -> bool {
        self.draws.len() >= BATCH_DRAWS || self.primitives >= BATCH_PRIMITIVES
    }

    /// Whether no draw of the batch has a fragment shader with side effects (which the vertex
    /// shaders of later draws could see), so it may rasterize beside their set-up.
    pub fn pure(&self) -> bool {
        self.draws
            .iter()
            .all(|p| p.pipeline.fragment.as_ref().is_none_or(|f| f.pure))
    }

    fn push(&mut self, p: Pending) {
        self.primitives += p.setup.len();
        self.draws.push(p);
    }
}

/// A batch rasterized on the pool: the batch (emptied, its buffers kept) and what [`flush`]
/// returned.
pub type Rasterized = (Batch, Result<(u64, Statistics)>);

/// [`flush`] on the pool: returns at once; the job gives back the emptied batch.
pub fn flush_on_pool(mut batch: Batch, views: DrawViews) -> crate::exec::Job<Rasterized> {
    crate::exec::spawn(move || {
        let done = flush(&mut batch, &views);
        (batch, done)
    })
}

/// Rasterizes the draws of `batch` (set up by [`prepare`] for `views`) into the attachments
/// of `views`, layer by layer, in submission order; returns the samples that passed and the
/// fragment shader invocations.
pub fn flush(batch: &mut Batch, views: &DrawViews) -> Result<(u64, Statistics)> {
    if batch.is_empty() {
        return Ok((0, Statistics::default()));
    }
    let done = rasterize_batch(&batch.draws, views);
    // Emptied either way, its set-ups' buffers kept.
    batch.clear();
    done
}

/// [`flush`]'s work on the batch's draws `pending`.
fn rasterize_batch(pending: &[Pending], views: &DrawViews) -> Result<(u64, Statistics)> {
    let mut counted = Statistics::default();
    let mut layers: Vec<u32> = pending.iter().map(|p| p.layer).collect();
    layers.sort_unstable();
    layers.dedup();
    // Slot tables (`tables[table[k]]`), shared by consecutive draws of one layout and sets
    // (so their fragment binding tables are shared too).
    let mut tables: Vec<Vec<Resource<'_>>> = Vec::new();
    let mut table: Vec<usize> = Vec::with_capacity(pending.len());
    for (k, p) in pending.iter().enumerate() {
        let same = k.checked_sub(1).is_some_and(|q| {
            let q = &pending[q];
            Arc::ptr_eq(&q.pipeline.layout, &p.pipeline.layout) && q.sets.same_as(&p.sets)
        });
        if !same {
            tables.push(p.sets.slots(&p.pipeline.layout));
        }
        table.push(tables.len() - 1);
    }
    let mut passed = 0u64;
    for layer in layers {
        let colors: Vec<Option<Target<'_>>> = views
            .colors
            .iter()
            .map(|v| v.as_ref().map(|v| target(v, A::COLOR, layer)).transpose())
            .collect::<Result<_>>()?;
        let depth = views
            .depth
            .as_ref()
            .map(|v| target(v, A::DEPTH, layer))
            .transpose()?;
        let stencil = views
            .stencil
            .as_ref()
            .map(|v| target(v, A::STENCIL, layer))
            .transpose()?;
        let att = Attachments {
            color: colors
                .iter()
                .map(|t| t.as_ref().map(|t| (t, BlendAttachment::default())))
                .collect(),
            depth: depth.as_ref(),
            stencil: stencil.as_ref(),
        };
        let draws: Vec<Draw<'_, '_>> = pending
            .iter()
            .zip(&table)
            .filter(|(p, _)| p.layer == layer)
            .map(|(p, &t)| {
                let push = &p.push[..p
                    .push
                    .len()
                    .min(p.pipeline.layout.push_constant_bytes as usize)];
                Draw {
                    setup: &p.setup,
                    fs: p.pipeline.fragment.as_ref(),
                    slots: &tables[t],
                    push,
                    blend: &p.state.blend,
                }
            })
            .collect();
        for c in crate::raster::draw::rasterize(&draws, &att) {
            passed += c.samples_passed;
            counted.fragment_shader_invocations += c.fragment_invocations;
        }
    }
    Ok((passed, counted))
}

/// The distinct vertex indices of `stream` (restarts left out) in order of first use, and
/// for each stream position its index in that list (0 for restarts, which no primitive uses).
fn distinct(
    stream: &[Option<u32>],
    unique: &mut Vec<u32>,
    slot: &mut Vec<usize>,
    table: &mut Vec<u32>,
) {
    unique.clear();
    slot.clear();
    slot.reserve(stream.len());
    let (lo, hi) = stream
        .iter()
        .flatten()
        .fold((u32::MAX, 0), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let span = hi.wrapping_sub(lo) as usize;
    if lo <= hi && span < 4 * stream.len() + 64 {
        // Dense indices: a table over their range (a stream has fewer than u32::MAX
        // positions, so no slot is u32::MAX, the table's "not seen").
        table.clear();
        table.resize(span + 1, u32::MAX);
        let at = table;
        for v in stream {
            slot.push(match v {
                Some(v) => {
                    let e = &mut at[(v - lo) as usize];
                    if *e == u32::MAX {
                        *e = unique.len() as u32;
                        unique.push(*v);
                    }
                    *e as usize
                }
                None => 0,
            });
        }
    } else {
        let mut at = std::collections::HashMap::new();
        for v in stream {
            slot.push(match v {
                Some(v) => *at.entry(*v).or_insert_with(|| {
                    unique.push(*v);
                    unique.len() - 1
                }),
                None => 0,
            });
        }
    }
}

/// The vertices of one instance: each distinct vertex index's attributes, fetched when the
/// vertex shader runs.
struct Fetch<'a> {
    attributes: &'a [Attribute],
    bindings: &'a [Binding<'a>],
    unique: &'a [u32],
    first_instance: u32,
}

/// Every instance's vertices, instance after instance.
struct Instances<'a> {
    one: Fetch<'a>,
    instances: usize,
}

impl VertexSource for Instances<'_> {
    fn count(&self) -> usize {
        self.one.unique.len() * self.instances
    }

    fn fill(&self, k: usize, l: usize, rows: &mut [[u32; 4]]) -> (u32, u32) {
        let n = self.one.unique.len();
        let vertex = self.one.unique[k % n];
        let instance = self.one.first_instance.wrapping_add((k / n) as u32);
        for a in self.one.attributes {
            let w = fetch::fetch(
                a,
                self.one.bindings,
                vertex,
                instance,
                self.one.first_instance,
            );
            let at = 4 * a.location as usize;
            for (row, x) in rows[at..at + 4].iter_mut().zip(w) {
                row[l] = x;
            }
        }
        (vertex, instance)
    }
}

/// The draw target over `layer` (relative to the view) of `aspect` of `view`.
fn target(view: &ImageView, aspect: A, layer: u32) -> Result<Target<'_>> {
    let image = &view.image;
    let plane = image.plane(aspect)?;
    let mip = view.range.base_mip_level;
    let m = &plane.mips[mip as usize];
    let span = image.layer_span(plane, mip, view.range.base_array_layer + layer)?;
    let format = if aspect == A::COLOR {
        view.format
    } else {
        plane.format
    };
    Target::from_span(
        span,
        m.extent.width,
        m.extent.height,
        m.row_pitch as usize,
        format,
        image.samples(),
    )
    .ok_or_else(|| {
        Error::unsupported_format(format!(
            "{format:?} with {} samples cannot be a draw's attachment",
            image.samples()
        ))
    })
}

/// The raster state of a draw from the pipeline's effective state.
fn raster_state(
    s: &GraphicsState,
    viewport: Viewport,
    area: vk::Rect2D,
    view_index: u32,
) -> RasterState {
    let rect = |r: vk::Rect2D| Rect {
        x0: r.offset.x,
        y0: r.offset.y,
        x1: (r.offset.x as i64 + r.extent.width as i64).min(i32::MAX as i64) as i32,
        y1: (r.offset.y as i64 + r.extent.height as i64).min(i32::MAX as i64) as i32,
    };
    let scissor = s
        .scissors
        .first()
        .map_or(
            Rect {
                x0: 0,
                y0: 0,
                x1: 0,
                y1: 0,
            },
            |r| rect(*r),
        )
        .intersect(rect(area));
    let cull = match s.cull_mode {
        vk::CullModeFlags::FRONT => Cull::Front,
        vk::CullModeFlags::BACK => Cull::Back,
        vk::CullModeFlags::FRONT_AND_BACK => Cull::FrontAndBack,
        _ => Cull::None,
    };
    RasterState {
        viewport,
        scissor,
        cull,
        front_ccw: s.front_face == vk::FrontFace::COUNTER_CLOCKWISE,
        depth_clamp: s.depth_clamp,
        depth_stencil: DepthStencil {
            depth_test: s.depth_test,
            depth_write: s.depth_write,
            depth_compare: s.depth_compare,
            depth_bounds: s.depth_bounds_test.then_some(s.depth_bounds),
            stencil: s.stencil_test.then_some(s.stencil),
        },
        blend_constants: s.blend_constants,
        samples: s.samples,
        sample_mask: s.sample_mask,
        alpha_to_coverage: s.alpha_to_coverage,
        alpha_to_one: s.alpha_to_one,
        logic_op: s.logic_op,
        depth_bias: s.depth_bias_enable.then_some(s.depth_bias),
        min_sample_shading: s.min_sample_shading,
        view_index,
        draw_params: [0; 3],
        late_tests: false,
    }
}
