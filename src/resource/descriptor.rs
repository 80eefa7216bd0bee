//! Descriptor set layouts, descriptor pools and descriptor sets.
//!
//! A set is a flat array of [`Descriptor`] slots: binding `b` with `descriptorCount` n owns the
//! slots `first_slot(b) .. first_slot(b) + n`. Writes replace slots (copy-on-write, so a set
//! bound into a command buffer keeps the contents it had when it was bound: binding snapshots
//! an `Arc`). A slot holds `Arc`s of the resources it names, so nothing it points at is freed
//! while a command buffer can still read it.
//!
//! Inline uniform blocks (`VK_DESCRIPTOR_TYPE_INLINE_UNIFORM_BLOCK`, Vulkan 1.3) are the
//! exception to "one descriptor per slot": the binding's `descriptorCount` is a size in bytes
//! and the binding owns exactly one slot, a [`Descriptor::Inline`] holding those bytes (zeroed
//! at allocation). Writes and copies address it in bytes (array element = byte offset, count =
//! byte count; spec 14.2.4 "VkWriteDescriptorSetInlineUniformBlock"), and a write or copy that
//! runs past the binding continues into the next binding, like other descriptor types.
//!
//! Pools account sets and descriptors per type (inline uniform blocks in bytes, plus their
//! number of bindings against `maxInlineUniformBlockBindings`) and answer
//! `VK_ERROR_OUT_OF_POOL_MEMORY` when a request does not fit. Concurrency: a set's slots sit behind a mutex (Vulkan requires
//! external synchronization of updates; the lock only makes misuse safe).

use super::{Buffer, BufferView, ImageView, Sampler};
use crate::error::{Error, ErrorKind, Result};
use ash::vk;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The descriptor types softvk's descriptor sets hold.
pub const SUPPORTED_TYPES: &[vk::DescriptorType] = &[
    vk::DescriptorType::SAMPLER,
    vk::DescriptorType::COMBINED_IMAGE_SAMPLER,
    vk::DescriptorType::SAMPLED_IMAGE,
    vk::DescriptorType::STORAGE_IMAGE,
    vk::DescriptorType::UNIFORM_TEXEL_BUFFER,
    vk::DescriptorType::STORAGE_TEXEL_BUFFER,
    vk::DescriptorType::UNIFORM_BUFFER,
    vk::DescriptorType::STORAGE_BUFFER,
    vk::DescriptorType::UNIFORM_BUFFER_DYNAMIC,
    vk::DescriptorType::STORAGE_BUFFER_DYNAMIC,
    vk::DescriptorType::INPUT_ATTACHMENT,
    vk::DescriptorType::INLINE_UNIFORM_BLOCK,
];

/// maxInlineUniformBlockSize (the spec's minimum).
pub const MAX_INLINE_UNIFORM_BLOCK_SIZE: u32 = 256;
/// maxPerStageDescriptorInlineUniformBlocks and maxDescriptorSetInlineUniformBlocks (the spec's
/// minimum; the update-after-bind variants report the same, though update-after-bind is not
/// supported).
pub const MAX_INLINE_UNIFORM_BLOCKS: u32 = 4;
/// maxInlineUniformTotalSize (the spec's minimum).
pub const MAX_INLINE_UNIFORM_TOTAL_SIZE: u32 = 256;

pub fn is_dynamic(ty: vk::DescriptorType) -> bool {
    matches!(
        ty,
        vk::DescriptorType::UNIFORM_BUFFER_DYNAMIC | vk::DescriptorType::STORAGE_BUFFER_DYNAMIC
    )
}

/// One binding of a set layout.
#[derive(Clone, Debug)]
pub struct LayoutBinding {
    pub binding: u32,
    pub ty: vk::DescriptorType,
    pub count: u32,
    pub stages: vk::ShaderStageFlags,
    /// Immutable samplers (empty if none).
    pub immutable_samplers: Vec<Arc<Sampler>>,
    /// VkDescriptorSetLayoutBindingFlagsCreateInfo: PARTIALLY_BOUND (nothing to do: an unwritten
    /// descriptor reads as a null one) and VARIABLE_DESCRIPTOR_COUNT (`count` is the upper
    /// bound; each set gets its own count at allocation).
    pub flags: vk::DescriptorBindingFlags,
    /// Index of the binding's first slot in a set.
    pub first_slot: u32,
}

impl LayoutBinding {
    pub fn is_inline(&self) -> bool {
        self.ty == vk::DescriptorType::INLINE_UNIFORM_BLOCK
    }

    /// Slots the binding owns: one for an inline uniform block (its `count` is bytes),
    /// `count` otherwise.
    pub fn slot_count(&self) -> u32 {
        if self.is_inline() { 1 } else { self.count }
    }
}

/// Descriptors a push descriptor set layout may hold (maxPushDescriptors).
pub const MAX_PUSH_DESCRIPTORS: u32 = 32;

/// One VkDescriptorSetLayout.
#[derive(Debug)]
pub struct SetLayout {
    /// Sorted by binding number.
    bindings: Vec<LayoutBinding>,
    slots: u32,
    dynamic: u32,
    /// VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR: the set is written by
    /// vkCmdPushDescriptorSetKHR, never allocated.
    push: bool,
    /// VK_DESCRIPTOR_SET_LAYOUT_CREATE_UPDATE_AFTER_BIND_POOL_BIT: sets come from
    /// update-after-bind pools, and a command buffer reads them when it executes.
    update_after_bind: bool,
}

impl SetLayout {
    /// `bindings` in any order; first slots are assigned here.
    pub fn new(mut bindings: Vec<LayoutBinding>) -> Result<Self> {
        bindings.sort_by_key(|b| b.binding);
        if bindings.windows(2).any(|w| w[0].binding == w[1].binding) {
            return Err(Error::invalid(
                "two layout bindings have the same binding number \
                 (VUID-VkDescriptorSetLayoutCreateInfo-binding-00279)",
            ));
        }
        let supported = vk::DescriptorBindingFlags::PARTIALLY_BOUND
            | vk::DescriptorBindingFlags::VARIABLE_DESCRIPTOR_COUNT
            | vk::DescriptorBindingFlags::UPDATE_AFTER_BIND
            | vk::DescriptorBindingFlags::UPDATE_UNUSED_WHILE_PENDING;
        if let Some(b) = bindings.iter().find(|b| !(b.flags & !supported).is_empty()) {
            return Err(Error::invalid(format!(
                "binding {} has descriptor binding flags {:?} softvk does not report",
                b.binding, b.flags
            )));
        }
        if let Some(b) = bindings.iter().find(|b| {
            b.flags
                .contains(vk::DescriptorBindingFlags::UPDATE_AFTER_BIND)
                && (is_dynamic(b.ty) || b.is_inline())
        }) {
            return Err(Error::invalid(format!(
                "binding {} ({:?}) cannot be updated after bind: softvk does not report that \
                 feature for its type",
                b.binding, b.ty
            )));
        }
        let last = bindings.len().saturating_sub(1);
        for (k, b) in bindings.iter().enumerate() {
            if b.flags
                .contains(vk::DescriptorBindingFlags::VARIABLE_DESCRIPTOR_COUNT)
            {
                if k != last {
                    return Err(Error::invalid(format!(
                        "binding {} has a variable descriptor count but is not the binding \
                         with the largest number \
                         (VUID-VkDescriptorSetLayoutBindingFlagsCreateInfo-pBindingFlags-03004)",
                        b.binding
                    )));
                }
                if is_dynamic(b.ty) || b.is_inline() {
                    return Err(Error::invalid(format!(
                        "binding {} ({:?}) cannot have a variable descriptor count \
                         (VUID-VkDescriptorSetLayoutBindingFlagsCreateInfo-pBindingFlags-03015)",
                        b.binding, b.ty
                    )));
                }
            }
        }
        let mut slots = 0u32;
        let mut dynamic = 0;
        for b in &mut bindings {
            if !SUPPORTED_TYPES.contains(&b.ty) {
                return Err(Error::new(
                    ErrorKind::FeatureNotPresent,
                    format!("descriptor type {:?} is not supported", b.ty),
                ));
            }
            if !b.immutable_samplers.is_empty() && b.immutable_samplers.len() != b.count as usize {
                return Err(Error::invalid(
                    "pImmutableSamplers must have descriptorCount entries",
                ));
            }
            if b.is_inline() {
                if !b.count.is_multiple_of(4) {
                    return Err(Error::invalid(format!(
                        "inline uniform block binding {} has descriptorCount {}, not a multiple \
                         of 4 (VUID-VkDescriptorSetLayoutBinding-descriptorType-02209)",
                        b.binding, b.count
                    )));
                }
                if b.count > MAX_INLINE_UNIFORM_BLOCK_SIZE {
                    return Err(Error::invalid(format!(
                        "inline uniform block binding {} has {} bytes, more than \
                         maxInlineUniformBlockSize {MAX_INLINE_UNIFORM_BLOCK_SIZE} \
                         (VUID-VkDescriptorSetLayoutBinding-descriptorType-08004)",
                        b.binding, b.count
                    )));
                }
            }
            b.first_slot = slots;
            slots = slots
                .checked_add(b.slot_count())
                .ok_or_else(|| Error::invalid("descriptor counts overflow"))?;
            if is_dynamic(b.ty) {
                dynamic += b.count;
            }
        }
        Ok(SetLayout {
            bindings,
            slots,
            dynamic,
            push: false,
            update_after_bind: false,
        })
    }

    /// A layout created with UPDATE_AFTER_BIND_POOL: bindings may carry UPDATE_AFTER_BIND.
    /// Without it they may not (VUID-VkDescriptorSetLayoutCreateInfo-flags-03000).
    pub fn new_update_after_bind(bindings: Vec<LayoutBinding>, pool_flag: bool) -> Result<Self> {
        let mut l = Self::new(bindings)?;
        if !pool_flag
            && let Some(b) = l.bindings.iter().find(|b| {
                b.flags
                    .contains(vk::DescriptorBindingFlags::UPDATE_AFTER_BIND)
            })
        {
            return Err(Error::invalid(format!(
                "binding {} is UPDATE_AFTER_BIND in a layout created without \
                 UPDATE_AFTER_BIND_POOL (VUID-VkDescriptorSetLayoutCreateInfo-flags-03000)",
                b.binding
            )));
        }
        l.update_after_bind = pool_flag;
        Ok(l)
    }

    /// Sets of this layout are read when the command buffer executes, not when bound.
    pub fn is_update_after_bind(&self) -> bool {
        self.update_after_bind
    }

    /// A push descriptor set layout (VK_KHR_push_descriptor): no dynamic buffers and no
    /// inline uniform blocks, at most [`MAX_PUSH_DESCRIPTORS`] descriptors.
    pub fn new_push(bindings: Vec<LayoutBinding>) -> Result<Self> {
        let mut l = Self::new_update_after_bind(bindings, false)?;
        if l.bindings.iter().any(|b| is_dynamic(b.ty)) {
            return Err(Error::invalid(
                "a push descriptor set layout with a dynamic buffer binding \
                 (VUID-VkDescriptorSetLayoutCreateInfo-flags-00280)",
            ));
        }
        if l.bindings.iter().any(|b| b.is_inline()) {
            return Err(Error::invalid(
                "a push descriptor set layout with an inline uniform block binding \
                 (VUID-VkDescriptorSetLayoutCreateInfo-flags-02208)",
            ));
        }
        let total: u64 = l.bindings.iter().map(|b| b.count as u64).sum();
        if total > MAX_PUSH_DESCRIPTORS as u64 {
            return Err(Error::invalid(format!(
                "a push descriptor set layout with {total} descriptors, more than \
                 maxPushDescriptors {MAX_PUSH_DESCRIPTORS} \
                 (VUID-VkDescriptorSetLayoutCreateInfo-flags-00281)"
            )));
        }
        l.push = true;
        Ok(l)
    }

    pub fn is_push(&self) -> bool {
        self.push
    }

    /// The binding with VARIABLE_DESCRIPTOR_COUNT, if any (always the last).
    pub fn variable_binding(&self) -> Option<&LayoutBinding> {
        self.bindings.last().filter(|b| {
            b.flags
                .contains(vk::DescriptorBindingFlags::VARIABLE_DESCRIPTOR_COUNT)
        })
    }

    pub fn bindings(&self) -> &[LayoutBinding] {
        &self.bindings
    }

    pub fn binding(&self, binding: u32) -> Option<&LayoutBinding> {
        self.bindings
            .binary_search_by_key(&binding, |b| b.binding)
            .ok()
            .map(|i| &self.bindings[i])
    }

    /// Slots in a set of this layout.
    pub fn slot_count(&self) -> u32 {
        self.slots
    }

    /// Dynamic uniform/storage buffer descriptors (dynamic offsets consumed when bound).
    pub fn dynamic_count(&self) -> u32 {
        self.dynamic
    }

    /// Inline uniform block bindings in one set.
    pub fn inline_count(&self) -> u32 {
        self.bindings.iter().filter(|b| b.is_inline()).count() as u32
    }

    /// Descriptors per type in one set (for pool accounting; inline uniform blocks in bytes).
    /// Descriptors of each type a set takes from its pool; `variable`: the count of the
    /// variable-count binding.
    fn demand(&self, variable: Option<u32>) -> HashMap<vk::DescriptorType, u32> {
        let mut m = HashMap::new();
        let var = self.variable_binding().map(|b| b.binding);
        for b in &self.bindings {
            let n = match (var, variable) {
                (Some(v), Some(n)) if v == b.binding => n,
                _ => b.count,
            };
            *m.entry(b.ty).or_insert(0) += n;
        }
        m
    }
}

/// What one slot holds.
#[derive(Clone, Debug, Default)]
pub enum Descriptor {
    /// Never written.
    #[default]
    Empty,
    /// Uniform or storage buffer (dynamic or not): `range` is resolved (no VK_WHOLE_SIZE).
    Buffer {
        buffer: Arc<Buffer>,
        offset: u64,
        range: u64,
    },
    TexelBuffer(Arc<BufferView>),
    /// Samplers, images and combined image samplers.
    Image {
        view: Option<Arc<ImageView>>,
        sampler: Option<Arc<Sampler>>,
    },
    /// The bytes of an inline uniform block (as many as the binding's `descriptorCount`).
    Inline(Vec<u8>),
}

/// One VkDescriptorSet.
#[derive(Debug)]
pub struct DescriptorSet {
    layout: Arc<SetLayout>,
    slots: Mutex<Arc<Vec<Descriptor>>>,
    /// Descriptors of the variable-count binding this set was allocated with (its layout's
    /// count without one).
    variable: Option<u32>,
}

impl DescriptorSet {
    fn new(layout: Arc<SetLayout>) -> Self {
        let mut slots = vec![Descriptor::Empty; layout.slots as usize];
        for b in &layout.bindings {
            if b.is_inline() {
                // The spec leaves unwritten contents undefined; zeros keep them deterministic.
                slots[b.first_slot as usize] = Descriptor::Inline(vec![0; b.count as usize]);
            }
            for (i, s) in b.immutable_samplers.iter().enumerate() {
                slots[(b.first_slot + i as u32) as usize] = Descriptor::Image {
                    view: None,
                    sampler: Some(s.clone()),
                };
            }
        }
        DescriptorSet {
            layout,
            slots: Mutex::new(Arc::new(slots)),
            variable: None,
        }
    }

    pub fn layout(&self) -> &Arc<SetLayout> {
        &self.layout
    }

    /// The set vkCmdPushDescriptorSetKHR writes into: `base` (what was pushed before with
    /// this layout, since push descriptors update incrementally) or a fresh set.
    pub fn pushed(layout: Arc<SetLayout>, base: Option<Arc<Vec<Descriptor>>>) -> Self {
        let set = DescriptorSet::new(layout);
        if let Some(b) = base
            && b.len() == set.layout.slots as usize
        {
            *set.slots.lock().unwrap_or_else(|e| e.into_inner()) = b;
        }
        set
    }

    /// The current contents (what vkCmdBindDescriptorSets captures).
    pub fn snapshot(&self) -> Arc<Vec<Descriptor>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The slot index of (binding, array element), following the spec's rule that a write
    /// running past a binding's count continues into the next binding
    /// (VkWriteDescriptorSet, "consecutive bindings").
    fn slots_of(&self, binding: u32, element: u32, count: u32) -> Result<(u32, &LayoutBinding)> {
        let b = self.layout.binding(binding).ok_or_else(|| {
            Error::invalid(format!(
                "binding {binding} is not in the set's layout (VUID-VkWriteDescriptorSet-dstBinding-00315)"
            ))
        })?;
        let start = b.first_slot + element;
        if element > b.count
            || start
                .checked_add(count)
                .is_none_or(|e| e > self.layout.slots)
        {
            return Err(Error::invalid(format!(
                "descriptors {element}..+{count} of binding {binding} run past the set's layout \
                 (VUID-VkWriteDescriptorSet-dstArrayElement-00321)"
            )));
        }
        Ok((start, b))
    }

    /// The byte ranges a write or copy of `len` bytes at byte `offset` of inline uniform block
    /// `binding` covers: (slot, offset in the block, length) per binding, continuing into the
    /// following bindings (spec: "consecutive binding updates", which for inline uniform
    /// blocks count bytes). Every binding touched must be an inline uniform block.
    fn inline_ranges(
        &self,
        binding: u32,
        offset: u32,
        len: u32,
    ) -> Result<Vec<(usize, usize, usize)>> {
        let bindings = self.layout.bindings();
        let mut i = bindings
            .binary_search_by_key(&binding, |b| b.binding)
            .map_err(|_| {
                Error::invalid(format!(
                    "binding {binding} is not in the set's layout (VUID-VkWriteDescriptorSet-dstBinding-00315)"
                ))
            })?;
        if !offset.is_multiple_of(4) || !len.is_multiple_of(4) {
            return Err(Error::invalid(format!(
                "inline uniform block range {offset}+{len} of binding {binding} is not a multiple \
                 of 4 bytes (VUID-VkWriteDescriptorSet-descriptorType-02219/02220)"
            )));
        }
        let mut out = Vec::new();
        let (mut offset, mut left) = (offset, len);
        loop {
            let b = bindings.get(i).filter(|b| b.is_inline()).ok_or_else(|| {
                Error::invalid(format!(
                    "inline uniform block bytes {offset}+{left} run past binding {binding} into \
                     a binding that is not an inline uniform block \
                     (VUID-VkWriteDescriptorSet-descriptorCount-00318)"
                ))
            })?;
            if offset > b.count {
                return Err(Error::invalid(format!(
                    "byte offset {offset} is past the {} bytes of inline uniform block binding {} \
                     (VUID-VkWriteDescriptorSet-dstArrayElement-00321)",
                    b.count, b.binding
                )));
            }
            let n = left.min(b.count - offset);
            if n > 0 {
                out.push((b.first_slot as usize, offset as usize, n as usize));
            }
            left -= n;
            if left == 0 {
                return Ok(out);
            }
            offset = 0;
            i += 1;
        }
    }

    /// vkUpdateDescriptorSets with VkWriteDescriptorSetInlineUniformBlock: `data` goes to the
    /// inline uniform block `binding` from byte `offset`.
    pub fn write_inline(&self, binding: u32, offset: u32, data: &[u8]) -> Result<()> {
        let len = u32::try_from(data.len())
            .map_err(|_| Error::invalid("inline uniform block data too large"))?;
        let ranges = self.inline_ranges(binding, offset, len)?;
        let mut guard = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slots = Arc::make_mut(&mut guard);
        let mut src = data;
        for (slot, off, n) in ranges {
            if let Descriptor::Inline(bytes) = &mut slots[slot] {
                bytes[off..off + n].copy_from_slice(&src[..n]);
            }
            src = &src[n..];
        }
        Ok(())
    }

    /// The bytes `offset .. offset + len` of inline uniform block `binding` (continuing into
    /// the following bindings).
    fn read_inline(&self, binding: u32, offset: u32, len: u32) -> Result<Vec<u8>> {
        let ranges = self.inline_ranges(binding, offset, len)?;
        let snap = self.snapshot();
        let mut out = Vec::with_capacity(len as usize);
        for (slot, off, n) in ranges {
            if let Descriptor::Inline(bytes) = &snap[slot] {
                out.extend_from_slice(&bytes[off..off + n]);
            }
        }
        Ok(out)
    }

    /// vkUpdateDescriptorSets, one write: `values` go to consecutive slots from (binding,
    /// element).
    pub fn write(&self, binding: u32, element: u32, values: Vec<Descriptor>) -> Result<()> {
        self.refuse_inline(binding)?;
        let (start, b) = self.slots_of(binding, element, values.len() as u32)?;
        // The variable-count binding is the last: writes cannot run past it into another.
        if let (Some(n), Some(v)) = (self.variable, self.layout.variable_binding())
            && start as u64 + values.len() as u64 > v.first_slot as u64 + n as u64
        {
            return Err(Error::invalid(format!(
                "descriptors {element}..+{} of binding {binding} run past the {n} descriptors \
                 this set was allocated with (VUID-VkWriteDescriptorSet-dstArrayElement-00321)",
                values.len()
            )));
        }
        let immutable = !b.immutable_samplers.is_empty();
        let mut guard = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slots = Arc::make_mut(&mut guard);
        for (i, v) in values.into_iter().enumerate() {
            let slot = &mut slots[start as usize + i];
            *slot = match (v, &*slot) {
                // Immutable samplers stay; only the image part of the write applies.
                (
                    Descriptor::Image { view, .. },
                    Descriptor::Image {
                        sampler: Some(s), ..
                    },
                ) if immutable => Descriptor::Image {
                    view,
                    sampler: Some(s.clone()),
                },
                (v, _) => v,
            };
        }
        Ok(())
    }

    fn refuse_inline(&self, binding: u32) -> Result<()> {
        if self.layout.binding(binding).is_some_and(|b| b.is_inline()) {
            return Err(Error::invalid(format!(
                "binding {binding} is an inline uniform block: its writes take \
                 VkWriteDescriptorSetInlineUniformBlock (VUID-VkWriteDescriptorSet-descriptorType-02221)"
            )));
        }
        Ok(())
    }

    /// Whether `binding` is an inline uniform block (writes and copies count bytes).
    pub fn is_inline(&self, binding: u32) -> bool {
        self.layout.binding(binding).is_some_and(|b| b.is_inline())
    }

    /// vkUpdateDescriptorSets, one copy. For inline uniform blocks, elements and `count` are
    /// bytes (VkCopyDescriptorSet: "srcArrayElement ... specifies the starting byte offset").
    pub fn copy_from(
        &self,
        src: &DescriptorSet,
        src_binding: u32,
        src_element: u32,
        binding: u32,
        element: u32,
        count: u32,
    ) -> Result<()> {
        if src.is_inline(src_binding) || self.is_inline(binding) {
            if !(src.is_inline(src_binding) && self.is_inline(binding)) {
                return Err(Error::invalid(
                    "a copy between an inline uniform block and another descriptor type \
                     (VUID-VkCopyDescriptorSet-dstBinding-02753)",
                ));
            }
            let bytes = src.read_inline(src_binding, src_element, count)?;
            return self.write_inline(binding, element, &bytes);
        }
        let (from, _) = src.slots_of(src_binding, src_element, count)?;
        let values: Vec<Descriptor> =
            src.snapshot()[from as usize..(from + count) as usize].to_vec();
        let (to, _) = self.slots_of(binding, element, count)?;
        let mut guard = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slots = Arc::make_mut(&mut guard);
        slots[to as usize..(to + count) as usize].clone_from_slice(&values);
        Ok(())
    }
}

/// One VkDescriptorPool.
#[derive(Debug)]
pub struct DescriptorPool {
    max_sets: u32,
    capacity: HashMap<vk::DescriptorType, u32>,
    /// VkDescriptorPoolInlineUniformBlockCreateInfo::maxInlineUniformBlockBindings (0 without
    /// it: "In order to be able to allocate descriptor sets having inline uniform block
    /// bindings the descriptor pool must be created with" that structure).
    max_inline_bindings: u32,
    free_individual: bool,
    update_after_bind: bool,
    state: Mutex<PoolState>,
}

#[derive(Debug, Default)]
struct PoolState {
    sets: u32,
    inline_bindings: u64,
    used: HashMap<vk::DescriptorType, u32>,
}

impl DescriptorPool {
    pub fn new(
        max_sets: u32,
        sizes: &[(vk::DescriptorType, u32)],
        flags: vk::DescriptorPoolCreateFlags,
        max_inline_bindings: u32,
    ) -> Result<Self> {
        if max_sets == 0 {
            return Err(Error::invalid(
                "maxSets is 0 (VUID-VkDescriptorPoolCreateInfo-maxSets-00301)",
            ));
        }
        let mut capacity = HashMap::new();
        for &(ty, n) in sizes {
            if ty == vk::DescriptorType::INLINE_UNIFORM_BLOCK && !n.is_multiple_of(4) {
                return Err(Error::invalid(format!(
                    "inline uniform block pool size {n} is not a multiple of 4 \
                     (VUID-VkDescriptorPoolSize-type-02218)"
                )));
            }
            *capacity.entry(ty).or_insert(0u32) += n;
        }
        Ok(DescriptorPool {
            max_sets,
            capacity,
            max_inline_bindings,
            free_individual: flags.contains(vk::DescriptorPoolCreateFlags::FREE_DESCRIPTOR_SET),
            update_after_bind: flags.contains(vk::DescriptorPoolCreateFlags::UPDATE_AFTER_BIND),
            state: Mutex::new(PoolState::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// vkAllocateDescriptorSets: all sets or none.
    pub fn allocate(&self, layouts: &[Arc<SetLayout>]) -> Result<Vec<Arc<DescriptorSet>>> {
        self.allocate_counts(layouts, &[])
    }

    /// vkAllocateDescriptorSets with VkDescriptorSetVariableDescriptorCountAllocateInfo:
    /// `counts[i]` is set i's count for its variable-count binding (empty: none given, so
    /// zero for such bindings, as the spec says).
    pub fn allocate_counts(
        &self,
        layouts: &[Arc<SetLayout>],
        counts: &[u32],
    ) -> Result<Vec<Arc<DescriptorSet>>> {
        if layouts.iter().any(|l| l.is_update_after_bind()) && !self.update_after_bind {
            return Err(Error::invalid(
                "a set of an UPDATE_AFTER_BIND_POOL layout allocated from a pool created without \
                 UPDATE_AFTER_BIND (VUID-VkDescriptorSetAllocateInfo-pSetLayouts-03044)",
            ));
        }
        if !counts.is_empty() && counts.len() != layouts.len() {
            return Err(Error::invalid(
                "descriptorSetCount of VkDescriptorSetVariableDescriptorCountAllocateInfo differs \
                 from the allocation's (VUID-VkDescriptorSetVariableDescriptorCountAllocateInfo-descriptorSetCount-03045)",
            ));
        }
        let mut variable = Vec::with_capacity(layouts.len());
        for (i, l) in layouts.iter().enumerate() {
            variable.push(match l.variable_binding() {
                Some(b) => {
                    let n = counts.get(i).copied().unwrap_or(0);
                    if n > b.count {
                        return Err(Error::invalid(format!(
                            "variable descriptor count {n} exceeds binding {}'s {} \
                             (VUID-VkDescriptorSetVariableDescriptorCountAllocateInfo-pSetLayouts-03046)",
                            b.binding, b.count
                        )));
                    }
                    Some(n)
                }
                None => None,
            });
        }
        if layouts.iter().any(|l| l.is_push()) {
            return Err(Error::invalid(
                "a descriptor set allocated with a push descriptor set layout \
                 (VUID-VkDescriptorSetAllocateInfo-pSetLayouts-00308)",
            ));
        }
        let mut st = self.lock();
        let mut used = st.used.clone();
        for (l, v) in layouts.iter().zip(&variable) {
            for (ty, n) in l.demand(*v) {
                *used.entry(ty).or_insert(0) += n;
            }
        }
        let sets = st.sets as u64 + layouts.len() as u64;
        let inline_bindings =
            st.inline_bindings + layouts.iter().map(|l| l.inline_count() as u64).sum::<u64>();
        let short = used
            .iter()
            .find(|(ty, n)| **n > self.capacity.get(ty).copied().unwrap_or(0));
        let no_inline = inline_bindings > self.max_inline_bindings as u64;
        if sets > self.max_sets as u64 || short.is_some() || no_inline {
            let what = match short {
                Some((ty, n)) => format!(
                    "{n} descriptors of type {ty:?} exceed the pool's {}",
                    self.capacity.get(ty).copied().unwrap_or(0)
                ),
                None if no_inline => format!(
                    "{inline_bindings} inline uniform block bindings exceed the pool's \
                     maxInlineUniformBlockBindings {}",
                    self.max_inline_bindings
                ),
                None => format!("{sets} sets exceed the pool's maxSets {}", self.max_sets),
            };
            return Err(Error::new(ErrorKind::OutOfPoolMemory, what));
        }
        st.sets = sets as u32;
        st.inline_bindings = inline_bindings;
        st.used = used;
        Ok(layouts
            .iter()
            .zip(variable)
            .map(|(l, v)| {
                let mut set = DescriptorSet::new(l.clone());
                set.variable = v;
                Arc::new(set)
            })
            .collect())
    }

    /// vkFreeDescriptorSets.
    pub fn free(&self, sets: &[Arc<DescriptorSet>]) -> Result<()> {
        if !self.free_individual {
            return Err(Error::invalid(
                "vkFreeDescriptorSets on a pool without FREE_DESCRIPTOR_SET \
                 (VUID-vkFreeDescriptorSets-descriptorPool-00312)",
            ));
        }
        let mut st = self.lock();
        for s in sets {
            st.sets = st.sets.saturating_sub(1);
            st.inline_bindings = st
                .inline_bindings
                .saturating_sub(s.layout.inline_count() as u64);
            for (ty, n) in s.layout.demand(s.variable) {
                if let Some(u) = st.used.get_mut(&ty) {
                    *u = u.saturating_sub(n);
                }
            }
        }
        Ok(())
    }

    /// vkResetDescriptorPool: every set returns to the pool.
    pub fn reset(&self) {
        *self.lock() = PoolState::default();
    }
}

/// vkGetDescriptorSetLayoutSupport: whether a layout of these bindings can be created.
pub fn layout_supported(bindings: &[(vk::DescriptorType, u32)]) -> bool {
    let inline = |ty: &vk::DescriptorType| *ty == vk::DescriptorType::INLINE_UNIFORM_BLOCK;
    // An inline uniform block is one descriptor whatever its size.
    let total: u64 = bindings
        .iter()
        .map(|(ty, n)| if inline(ty) { 1 } else { *n as u64 })
        .sum();
    bindings.iter().all(|(ty, n)| {
        SUPPORTED_TYPES.contains(ty)
            && (!inline(ty) || (n.is_multiple_of(4) && *n <= MAX_INLINE_UNIFORM_BLOCK_SIZE))
    }) && total <= MAX_SET_DESCRIPTORS
}

/// maxPerSetDescriptors.
pub const MAX_SET_DESCRIPTORS: u64 = 1024;
