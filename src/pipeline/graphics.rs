//! Graphics pipelines: a vertex shader, an optional fragment shader (both JIT-compiled on the
//! SoA backend, `crate::shader::compile_vertex` / `compile_fragment`) and every piece of fixed
//! function state of Vulkan 1.3 ([`GraphicsState`]), with the set of states the pipeline
//! leaves dynamic ([`Dynamic`]).
//!
//! **Pipeline caches.** Each stage is one cache entry ([`super::cache::stage_key`]: its
//! module, entry point, specialization, the layout as the compiler sees it, its flags and the
//! compiler's identity; no fixed-function state, which the compile does not read).
//! [`GraphicsDesc::look_up`] takes what the application's cache holds for the stages (on the
//! calling thread, when the call begins); [`GraphicsPipeline::create`] links the stages found,
//! compiles the others (unless FAIL_ON_PIPELINE_COMPILE_REQUIRED: then, unless every stage was
//! found, no pipeline) and adds what it compiled to the cache; it reports per stage whether it
//! came from the cache and how long it took ([`StageCreation`]).
//!
//! At a draw the executor starts from the pipeline's state and takes each dynamic state from
//! the command buffer's values (the last vkCmdSet* of it), [`GraphicsState::with_dynamic`].
//!
//! What creation refuses (as invalid usage: the features that would allow it are not
//! reported): stages other than vertex and fragment (geometryShader, tessellationShader),
//! adjacency and patch topologies, polygon modes other than FILL (fillModeNonSolid), line
//! widths other than 1 (wideLines), sample counts other than 1 and 4, vertex formats without
//! VERTEX_BUFFER support, more than one viewport (multiViewport).

use super::cache::{self, Key, PipelineCache};
use super::{PipelineLayout, ShaderModule, shader_error};
use crate::error::{Error, Result};
use crate::raster::blend::BlendAttachment;
use crate::raster::depth::StencilFace;
use crate::raster::draw::{DepthBias, Viewport};
use crate::raster::fetch::{self, Attribute};
use crate::shader::{
    self, FragmentKernel, KernelBinary, PipelineInterface, SpecConstants, VertexKernel,
};
use ash::vk;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// VkVertexInputBindingDescription (with its divisor, 1 without
/// VK_EXT_vertex_attribute_divisor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VertexBinding {
    pub binding: u32,
    pub stride: u32,
    pub per_instance: bool,
    pub divisor: u32,
}

/// The dynamic states of a pipeline (VkPipelineDynamicStateCreateInfo), one bit each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dynamic(u32);

impl Dynamic {
    /// The bit of a core 1.3 dynamic state; None for any other value.
    fn bit(s: vk::DynamicState) -> Option<u32> {
        let raw = s.as_raw();
        match raw {
            0..=8 => Some(raw as u32),
            // CULL_MODE .. STENCIL_OP (VK_EXT_extended_dynamic_state, core in 1.3).
            1_000_267_000..=1_000_267_011 => Some(9 + (raw - 1_000_267_000) as u32),
            // RASTERIZER_DISCARD_ENABLE, DEPTH_BIAS_ENABLE, PRIMITIVE_RESTART_ENABLE
            // (VK_EXT_extended_dynamic_state2, core in 1.3).
            1_000_377_001 => Some(21),
            1_000_377_002 => Some(22),
            1_000_377_004 => Some(23),
            // LOGIC_OP_EXT (VK_EXT_extended_dynamic_state2, feature
            // extendedDynamicState2LogicOp).
            1_000_377_003 => Some(24),
            _ => None,
        }
    }

    /// The set of `states`; a state outside core 1.3 or listed twice is invalid usage.
    pub fn new(states: &[vk::DynamicState]) -> Result<Dynamic> {
        let mut d = 0u32;
        for &s in states {
            let b = Self::bit(s).ok_or_else(|| {
                Error::invalid(format!(
                    "dynamic state {s:?} is neither a core Vulkan 1.3 state nor one of a \
                     supported extension (VUID-VkPipelineDynamicStateCreateInfo-pDynamicStates-parameter)"
                ))
            })?;
            if d & 1 << b != 0 {
                return Err(Error::invalid(format!(
                    "dynamic state {s:?} listed twice \
                     (VUID-VkPipelineDynamicStateCreateInfo-pDynamicStates-01442)"
                )));
            }
            d |= 1 << b;
        }
        let both = |a: u32, b: u32| d & (1 << a) != 0 && d & (1 << b) != 0;
        // VIEWPORT with VIEWPORT_WITH_COUNT, SCISSOR with SCISSOR_WITH_COUNT.
        if both(0, 12) || both(1, 13) {
            return Err(Error::invalid(
                "VIEWPORT (SCISSOR) and VIEWPORT_WITH_COUNT (SCISSOR_WITH_COUNT) are both \
                 dynamic (VUID-VkGraphicsPipelineCreateInfo-pDynamicStates-04132/04133)",
            ));
        }
        Ok(Dynamic(d))
    }

    pub fn has(self, s: vk::DynamicState) -> bool {
        Self::bit(s).is_some_and(|b| self.0 & 1 << b != 0)
    }
}

/// Every piece of fixed-function state a graphics pipeline holds and a draw uses.
#[derive(Clone, Debug)]
pub struct GraphicsState {
    pub bindings: Vec<VertexBinding>,
    pub attributes: Vec<Attribute>,
    pub topology: vk::PrimitiveTopology,
    pub primitive_restart: bool,
    pub viewports: Vec<Viewport>,
    pub scissors: Vec<vk::Rect2D>,
    pub rasterizer_discard: bool,
    pub depth_clamp: bool,
    pub cull_mode: vk::CullModeFlags,
    pub front_face: vk::FrontFace,
    pub depth_bias_enable: bool,
    pub depth_bias: DepthBias,
    pub line_width: f32,
    /// rasterizationSamples: 1 or 4.
    pub samples: u32,
    pub sample_mask: u32,
    pub alpha_to_coverage: bool,
    pub alpha_to_one: bool,
    pub min_sample_shading: Option<f32>,
    pub depth_test: bool,
    pub depth_write: bool,
    pub depth_compare: vk::CompareOp,
    pub depth_bounds_test: bool,
    pub depth_bounds: (f32, f32),
    pub stencil_test: bool,
    /// Front, back.
    pub stencil: [StencilFace; 2],
    pub logic_op: Option<vk::LogicOp>,
    /// One per color attachment.
    pub blend: Vec<BlendAttachment>,
    pub blend_constants: [f32; 4],
}

impl Default for GraphicsState {
    fn default() -> Self {
        let face = StencilFace {
            fail: vk::StencilOp::KEEP,
            pass: vk::StencilOp::KEEP,
            depth_fail: vk::StencilOp::KEEP,
            compare: vk::CompareOp::NEVER,
            compare_mask: 0,
            write_mask: 0,
            reference: 0,
        };
        GraphicsState {
            bindings: Vec::new(),
            attributes: Vec::new(),
            topology: vk::PrimitiveTopology::TRIANGLE_LIST,
            primitive_restart: false,
            viewports: Vec::new(),
            scissors: Vec::new(),
            rasterizer_discard: false,
            depth_clamp: false,
            cull_mode: vk::CullModeFlags::NONE,
            front_face: vk::FrontFace::COUNTER_CLOCKWISE,
            depth_bias_enable: false,
            depth_bias: DepthBias {
                constant: 0.0,
                clamp: 0.0,
                slope: 0.0,
            },
            line_width: 1.0,
            samples: 1,
            sample_mask: u32::MAX,
            alpha_to_coverage: false,
            alpha_to_one: false,
            min_sample_shading: None,
            depth_test: false,
            depth_write: false,
            depth_compare: vk::CompareOp::NEVER,
            depth_bounds_test: false,
            depth_bounds: (0.0, 1.0),
            stencil_test: false,
            stencil: [face; 2],
            logic_op: None,
            blend: Vec::new(),
            blend_constants: [0.0; 4],
        }
    }
}

impl GraphicsState {
    /// This (a pipeline's) state with each state of `dynamic` taken from `values` (what the
    /// command buffer's vkCmdSet* commands set). `strides` are the strides vkCmdBindVertexBuffers2
    /// gave, per binding, for VERTEX_INPUT_BINDING_STRIDE.
    pub fn with_dynamic(
        &self,
        dynamic: Dynamic,
        values: &GraphicsState,
        strides: &[Option<u64>],
    ) -> GraphicsState {
        use vk::DynamicState as D;
        let mut s = self.clone();
        let has = |d| dynamic.has(d);
        if has(D::VIEWPORT) {
            let n = s.viewports.len();
            s.viewports = (0..n)
                .map(|i| values.viewports.get(i).copied().unwrap_or(ZERO_VIEWPORT))
                .collect();
        }
        if has(D::VIEWPORT_WITH_COUNT) {
            s.viewports = values.viewports.clone();
        }
        if has(D::SCISSOR) {
            let n = s.scissors.len();
            s.scissors = (0..n)
                .map(|i| values.scissors.get(i).copied().unwrap_or_default())
                .collect();
        }
        if has(D::SCISSOR_WITH_COUNT) {
            s.scissors = values.scissors.clone();
        }
        if has(D::LINE_WIDTH) {
            s.line_width = values.line_width;
        }
        if has(D::DEPTH_BIAS) {
            s.depth_bias = values.depth_bias;
        }
        if has(D::BLEND_CONSTANTS) {
            s.blend_constants = values.blend_constants;
        }
        if has(D::DEPTH_BOUNDS) {
            s.depth_bounds = values.depth_bounds;
        }
        for k in 0..2 {
            let (f, v) = (&mut s.stencil[k], &values.stencil[k]);
            if has(D::STENCIL_COMPARE_MASK) {
                f.compare_mask = v.compare_mask;
            }
            if has(D::STENCIL_WRITE_MASK) {
                f.write_mask = v.write_mask;
            }
            if has(D::STENCIL_REFERENCE) {
                f.reference = v.reference;
            }
            if has(D::STENCIL_OP) {
                f.fail = v.fail;
                f.pass = v.pass;
                f.depth_fail = v.depth_fail;
                f.compare = v.compare;
            }
        }
        if has(D::CULL_MODE) {
            s.cull_mode = values.cull_mode;
        }
        if has(D::FRONT_FACE) {
            s.front_face = values.front_face;
        }
        if has(D::PRIMITIVE_TOPOLOGY) {
            s.topology = values.topology;
        }
        if has(D::VERTEX_INPUT_BINDING_STRIDE) {
            for b in &mut s.bindings {
                if let Some(Some(stride)) = strides.get(b.binding as usize) {
                    b.stride = (*stride).min(u32::MAX as u64) as u32;
                }
            }
        }
        if has(D::DEPTH_TEST_ENABLE) {
            s.depth_test = values.depth_test;
        }
        if has(D::DEPTH_WRITE_ENABLE) {
            s.depth_write = values.depth_write;
        }
        if has(D::DEPTH_COMPARE_OP) {
            s.depth_compare = values.depth_compare;
        }
        if has(D::DEPTH_BOUNDS_TEST_ENABLE) {
            s.depth_bounds_test = values.depth_bounds_test;
        }
        if has(D::STENCIL_TEST_ENABLE) {
            s.stencil_test = values.stencil_test;
        }
        if has(D::RASTERIZER_DISCARD_ENABLE) {
            s.rasterizer_discard = values.rasterizer_discard;
        }
        if has(D::DEPTH_BIAS_ENABLE) {
            s.depth_bias_enable = values.depth_bias_enable;
        }
        if has(D::PRIMITIVE_RESTART_ENABLE) {
            s.primitive_restart = values.primitive_restart;
        }
        // The logic op itself is dynamic; whether it is enabled stays the pipeline's.
        if has(D::LOGIC_OP_EXT) && s.logic_op.is_some() {
            s.logic_op = Some(values.logic_op.unwrap_or(vk::LogicOp::COPY));
        }
        s
    }
}

const ZERO_VIEWPORT: Viewport = Viewport {
    x: 0.0,
    y: 0.0,
    width: 0.0,
    height: 0.0,
    min_depth: 0.0,
    max_depth: 0.0,
};

/// One shader stage of a graphics pipeline.
#[derive(Debug)]
pub struct StageDesc {
    pub module: Arc<ShaderModule>,
    pub entry: String,
    pub spec: SpecConstants,
    /// VkPipelineShaderStageCreateInfo::flags (checked by `check_subgroup_size`): they do not
    /// change the code, but are part of the cache key as inputs that could.
    pub flags: vk::PipelineShaderStageCreateFlags,
}

impl StageDesc {
    fn key(&self, stage: vk::ShaderStageFlags, iface: &PipelineInterface) -> Key {
        cache::stage_key(
            stage,
            &self.module.digest,
            &self.entry,
            &self.spec,
            iface,
            self.flags,
        )
    }
}

/// What one graphics pipeline is made from (VkGraphicsPipelineCreateInfo, read and checked).
#[derive(Debug)]
pub struct GraphicsDesc {
    pub vertex: StageDesc,
    pub fragment: Option<StageDesc>,
    pub layout: Arc<PipelineLayout>,
    pub state: GraphicsState,
    pub dynamic: Dynamic,
    /// Color attachments of the subpass or of VkPipelineRenderingCreateInfo.
    pub color_formats: Vec<vk::Format>,
    /// The view mask of the subpass or of VkPipelineRenderingCreateInfo.
    pub view_mask: u32,
}

/// What a pipeline cache held for the stages of one [`GraphicsDesc`] when its creation began:
/// per stage (vertex, then fragment if there is one) its key and the binary found.
#[derive(Debug)]
pub struct Lookup {
    iface: PipelineInterface,
    stages: Vec<(Key, Option<Arc<KernelBinary>>)>,
}

/// How one stage of a created pipeline was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageCreation {
    pub stage: vk::ShaderStageFlags,
    /// Linked from the application's pipeline cache rather than compiled.
    pub hit: bool,
    /// Time spent linking or compiling it.
    pub took: Duration,
}

impl GraphicsDesc {
    fn stages(&self) -> impl Iterator<Item = (vk::ShaderStageFlags, &StageDesc)> {
        std::iter::once((vk::ShaderStageFlags::VERTEX, &self.vertex)).chain(
            self.fragment
                .as_ref()
                .map(|f| (vk::ShaderStageFlags::FRAGMENT, f)),
        )
    }

    /// The stages' cache keys and what `cache` holds under them now.
    pub fn look_up(&self, cache: Option<&PipelineCache>) -> Lookup {
        let iface = super::interface(&self.layout);
        let stages = self
            .stages()
            .map(|(stage, d)| {
                let key = d.key(stage, &iface);
                (key, cache.and_then(|c| c.get(&key)))
            })
            .collect();
        Lookup { iface, stages }
    }
}

/// How one kind of stage kernel is linked, compiled and cached.
trait StageKernel: Sized {
    const STAGE: vk::ShaderStageFlags;
    fn link(b: &Arc<KernelBinary>, iface: &PipelineInterface) -> Option<Self>;
    fn compile(d: &StageDesc, iface: &PipelineInterface) -> Result<Self>;
    fn binary(&self) -> Option<&Arc<KernelBinary>>;
}

impl StageKernel for VertexKernel {
    const STAGE: vk::ShaderStageFlags = vk::ShaderStageFlags::VERTEX;
    fn link(b: &Arc<KernelBinary>, iface: &PipelineInterface) -> Option<Self> {
        VertexKernel::from_binary(b, iface).ok()
    }
    fn compile(d: &StageDesc, iface: &PipelineInterface) -> Result<Self> {
        shader::compile_vertex(d.module.module(), &d.entry, &d.spec, iface).map_err(shader_error)
    }
    fn binary(&self) -> Option<&Arc<KernelBinary>> {
        VertexKernel::binary(self)
    }
}

impl StageKernel for FragmentKernel {
    const STAGE: vk::ShaderStageFlags = vk::ShaderStageFlags::FRAGMENT;
    fn link(b: &Arc<KernelBinary>, iface: &PipelineInterface) -> Option<Self> {
        FragmentKernel::from_binary(b, iface).ok()
    }
    fn compile(d: &StageDesc, iface: &PipelineInterface) -> Result<Self> {
        shader::compile_fragment(d.module.module(), &d.entry, &d.spec, iface).map_err(shader_error)
    }
    fn binary(&self) -> Option<&Arc<KernelBinary>> {
        FragmentKernel::binary(self)
    }
}

/// Stage `d` linked from `cached` when it links, else compiled (and added to `cache` under
/// `key`) unless `compile` is false: then `None`.
fn make_stage<K: StageKernel>(
    d: &StageDesc,
    (key, cached): &(Key, Option<Arc<KernelBinary>>),
    iface: &PipelineInterface,
    cache: Option<&PipelineCache>,
    compile: bool,
) -> Result<Option<(K, StageCreation)>> {
    let started = Instant::now();
    // A binary that passed every check links; should it not, compiling is the answer.
    let linked = cached.as_ref().and_then(|b| K::link(b, iface));
    let hit = linked.is_some();
    let kernel = match linked {
        Some(k) => k,
        None if !compile => return Ok(None),
        None => {
            let k = K::compile(d, iface)?;
            if let (Some(cache), Some(b)) = (cache, k.binary()) {
                cache.insert(*key, b.clone());
            }
            k
        }
    };
    let creation = StageCreation {
        stage: K::STAGE,
        hit,
        took: started.elapsed(),
    };
    Ok(Some((kernel, creation)))
}

/// One graphics VkPipeline.
#[derive(Debug)]
pub struct GraphicsPipeline {
    pub vertex: VertexKernel,
    pub fragment: Option<FragmentKernel>,
    pub layout: Arc<PipelineLayout>,
    pub state: GraphicsState,
    pub dynamic: Dynamic,
    pub view_mask: u32,
}

impl GraphicsPipeline {
    /// Checks `desc` and makes its stages: linked from what `found` (`desc.look_up(..)`,
    /// beforehand) holds, else compiled, unless `compile` is false
    /// (FAIL_ON_PIPELINE_COMPILE_REQUIRED): then `Ok(None)` unless every stage was found.
    /// Compiled stages are added to `cache`. Per stage (vertex, then fragment): whether it came
    /// from the cache and how long it took.
    pub fn create(
        desc: &GraphicsDesc,
        found: &Lookup,
        cache: Option<&PipelineCache>,
        compile: bool,
    ) -> Result<Option<(GraphicsPipeline, Vec<StageCreation>)>> {
        check_state(desc)?;
        let iface = &found.iface;
        if !compile && found.stages.iter().any(|(_, b)| b.is_none()) {
            return Ok(None);
        }
        let Some((vertex, v)) =
            make_stage::<VertexKernel>(&desc.vertex, &found.stages[0], iface, cache, compile)?
        else {
            return Ok(None);
        };
        let mut report = vec![v];
        let fragment = match (&desc.fragment, found.stages.get(1)) {
            (Some(d), Some(f)) => {
                match make_stage::<FragmentKernel>(d, f, iface, cache, compile)? {
                    Some((k, c)) => {
                        report.push(c);
                        Some(k)
                    }
                    None => return Ok(None),
                }
            }
            _ => None,
        };
        let pipeline = GraphicsPipeline {
            vertex,
            fragment,
            layout: desc.layout.clone(),
            state: desc.state.clone(),
            dynamic: desc.dynamic,
            view_mask: desc.view_mask,
        };
        Ok(Some((pipeline, report)))
    }
}

fn check_state(desc: &GraphicsDesc) -> Result<()> {
    use vk::PrimitiveTopology as T;
    let s = &desc.state;
    let d = desc.dynamic;
    if !matches!(
        s.topology,
        T::POINT_LIST
            | T::LINE_LIST
            | T::LINE_STRIP
            | T::TRIANGLE_LIST
            | T::TRIANGLE_STRIP
            | T::TRIANGLE_FAN
    ) {
        return Err(Error::invalid(format!(
            "topology {:?} needs geometryShader or tessellationShader, which softvk does not \
             report (VUID-VkPipelineInputAssemblyStateCreateInfo-topology-00429/00430)",
            s.topology
        )));
    }
    if !matches!(s.samples, 1 | 4) {
        return Err(Error::invalid(format!(
            "rasterizationSamples {} is not a supported sample count (1 or 4)",
            s.samples
        )));
    }
    if !d.has(vk::DynamicState::LINE_WIDTH) && s.line_width != 1.0 && !s.rasterizer_discard {
        return Err(Error::invalid(format!(
            "lineWidth {} without the wideLines feature (VUID-VkGraphicsPipelineCreateInfo-pDynamicStates-00749)",
            s.line_width
        )));
    }
    if s.viewports.len() > 1 || s.scissors.len() > 1 {
        return Err(Error::invalid(
            "more than one viewport or scissor without the multiViewport feature \
             (VUID-VkPipelineViewportStateCreateInfo-viewportCount-01216)",
        ));
    }
    for a in &s.attributes {
        if !fetch::supported(a.format) {
            return Err(Error::invalid(format!(
                "vertex attribute at location {} has format {:?}, which has no \
                 VK_FORMAT_FEATURE_VERTEX_BUFFER_BIT (VUID-VkVertexInputAttributeDescription-format-00623)",
                a.location, a.format
            )));
        }
        if a.location >= 32 {
            return Err(Error::invalid(format!(
                "vertex attribute location {} exceeds maxVertexInputAttributes \
                 (VUID-VkVertexInputAttributeDescription-location-00620)",
                a.location
            )));
        }
        if !s.bindings.iter().any(|b| b.binding == a.binding) {
            return Err(Error::invalid(format!(
                "vertex attribute at location {} uses binding {}, which is not described \
                 (VUID-VkPipelineVertexInputStateCreateInfo-binding-00615)",
                a.location, a.binding
            )));
        }
    }
    if !s.rasterizer_discard && s.blend.len() != desc.color_formats.len() {
        return Err(Error::invalid(format!(
            "{} color blend attachment states for {} color attachments \
             (VUID-VkGraphicsPipelineCreateInfo-renderPass-07609)",
            s.blend.len(),
            desc.color_formats.len()
        )));
    }
    Ok(())
}
