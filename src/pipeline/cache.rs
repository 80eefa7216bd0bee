//! Pipeline caches: compiled kernels ([`KernelBinary`]: compute kernels, and the vertex and
//! fragment stages of graphics pipelines, one entry per stage) under a key that names
//! everything that determined them, so that a pipeline created again, in this process or
//! another one of the same build on the same kind of CPU, links the cached code instead of
//! compiling (about 20 us instead of 1-4 ms per kernel).
//!
//! **Key** ([`key`], [`stage_key`]): SHA-256 of what the kernel is (a compute kernel, or a
//! graphics stage and which one), the shader module's words (their digest, taken once at
//! vkCreateShaderModule), the entry point's name, the specialization constants (sorted by id),
//! the pipeline layout as the compiler sees it ([`PipelineInterface`]: every binding's set,
//! number, kind, count and first slot, and the push-constant size), the stage's flags and
//! (compute) required subgroup size, and [`compiler_identity`] (crate version, build hash,
//! encoding version, target and detected CPU features, backend selection incl.
//! `SOFTVK_SHADER_BACKEND`). The compiler reads no device feature, and a graphics stage's
//! compile reads none of the pipeline's fixed-function state, render pass or other stage
//! (`shader::compile_vertex` / `compile_fragment` take only the inputs above), so none is
//! part of it: pipelines that differ only in state share their stages' entries.
//!
//! **Data** (vkGetPipelineCacheData), little-endian:
//! - the spec's VkPipelineCacheHeaderVersionOne: headerSize 32, headerVersion ONE, vendorID,
//!   deviceID, pipelineCacheUUID (equal to VkPhysicalDeviceProperties::pipelineCacheUUID);
//! - nothing more for an empty cache; else the magic `softvk-pipeline-cache`, a format
//!   version, the entry count, then per entry: its key (32 bytes), the body's length, the
//!   SHA-256 of key and body, the body ([`KernelBinary::encode`]). Entries are in key order,
//!   so the data does not depend on the order pipelines were created in.
//!
//! **Initial data** (vkCreatePipelineCache) of another driver, device, build, format, or that
//! is truncated or corrupted is ignored, wholly (a header or preamble that does not match) or
//! entry by entry (a length past the end stops the walk; a checksum or body that does not hold
//! skips the entry); the spec lets an implementation ignore data it cannot use, and creation
//! succeeds. [`PipelineCache::new`] says what it ignored. A body is used only after its
//! checksum matched and [`KernelBinary::decode`] validated it.
//!
//! **Threads.** Entries sit behind one mutex, held only to look up, insert or copy `Arc`s,
//! never while compiling, linking or encoding; so every cache may be used from several
//! threads, externally synchronized or not (VK_PIPELINE_CACHE_CREATE_EXTERNALLY_SYNCHRONIZED_BIT
//! only permits the driver to skip locking).

use super::sha256::Sha256;
use crate::shader::{KernelBinary, PipelineInterface, SpecConstants, compiler_identity};
use ash::vk;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// VkPipelineCacheHeaderVersionOne is 32 bytes.
pub const HEADER_BYTES: usize = 32;
const MAGIC: &[u8; 21] = b"softvk-pipeline-cache";
/// Version of the layout after the header.
const FORMAT: u32 = 1;
/// Magic, format, count.
const PREAMBLE_BYTES: usize = MAGIC.len() + 8;
/// Key, body length, checksum.
const ENTRY_HEAD_BYTES: usize = 32 + 4 + 32;

/// The 32-byte digest naming one compiled kernel.
pub type Key = [u8; 32];

/// Who a cache's data is for: the device's VkPhysicalDeviceProperties fields the header holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheIdentity {
    pub vendor_id: u32,
    pub device_id: u32,
    pub uuid: [u8; 16],
}

impl CacheIdentity {
    fn header(&self) -> [u8; HEADER_BYTES] {
        let mut h = [0u8; HEADER_BYTES];
        h[0..4].copy_from_slice(&(HEADER_BYTES as u32).to_le_bytes());
        h[4..8]
            .copy_from_slice(&(vk::PipelineCacheHeaderVersion::ONE.as_raw() as u32).to_le_bytes());
        h[8..12].copy_from_slice(&self.vendor_id.to_le_bytes());
        h[12..16].copy_from_slice(&self.device_id.to_le_bytes());
        h[16..32].copy_from_slice(&self.uuid);
        h
    }
}

/// The key of a compute kernel (module docs).
pub fn key(
    module_digest: &[u8; 32],
    entry: &str,
    spec: &SpecConstants,
    iface: &PipelineInterface,
    stage_flags: vk::PipelineShaderStageCreateFlags,
    required_subgroup_size: Option<u32>,
) -> Key {
    let mut h = Sha256::new();
    h.bytes(b"softvk compute kernel");
    inputs(&mut h, module_digest, entry, spec, iface, stage_flags);
    h.u32(required_subgroup_size.unwrap_or(0));
    h.finish()
}

/// The key of graphics stage `stage` (VERTEX or FRAGMENT) of a graphics pipeline (module
/// docs).
pub fn stage_key(
    stage: vk::ShaderStageFlags,
    module_digest: &[u8; 32],
    entry: &str,
    spec: &SpecConstants,
    iface: &PipelineInterface,
    stage_flags: vk::PipelineShaderStageCreateFlags,
) -> Key {
    let mut h = Sha256::new();
    h.bytes(b"softvk graphics stage");
    h.u32(stage.as_raw());
    inputs(&mut h, module_digest, entry, spec, iface, stage_flags);
    h.finish()
}

/// Hashes what every kernel's compile depends on.
fn inputs(
    h: &mut Sha256,
    module_digest: &[u8; 32],
    entry: &str,
    spec: &SpecConstants,
    iface: &PipelineInterface,
    stage_flags: vk::PipelineShaderStageCreateFlags,
) {
    h.bytes(compiler_identity().as_bytes());
    h.bytes(module_digest);
    h.bytes(entry.as_bytes());
    let mut ids: Vec<&u32> = spec.values.keys().collect();
    ids.sort();
    h.u32(ids.len() as u32);
    for id in ids {
        h.u32(*id);
        h.bytes(&spec.values[id]);
    }
    h.u32(iface.bindings.len() as u32);
    for b in &iface.bindings {
        for v in [b.set, b.binding, b.kind as u32, b.count, b.first_slot] {
            h.u32(v);
        }
    }
    h.u32(iface.push_constant_bytes);
    h.u32(stage_flags.as_raw());
}

/// One cached kernel, with its encoding and checksum (made once, when it enters a cache).
#[derive(Clone, Debug)]
struct Entry {
    binary: Arc<KernelBinary>,
    body: Arc<[u8]>,
    checksum: [u8; 32],
}

fn checksum(key: &Key, body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(key);
    h.update(body);
    h.finish()
}

/// One VkPipelineCache (module docs).
#[derive(Debug)]
pub struct PipelineCache {
    identity: CacheIdentity,
    entries: Mutex<BTreeMap<Key, Entry>>,
}

impl PipelineCache {
    /// A cache holding the usable entries of `initial` (VkPipelineCacheCreateInfo::pInitialData),
    /// and, if any of it was ignored, why.
    pub fn new(identity: CacheIdentity, initial: &[u8]) -> (Self, Option<String>) {
        let (entries, ignored) = read(&identity, initial);
        let cache = PipelineCache {
            identity,
            entries: Mutex::new(entries),
        };
        (cache, ignored)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Key, Entry>> {
        // A panic elsewhere cannot leave the map half-changed: every change is one call.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The kernel cached under `key`.
    pub fn get(&self, key: &Key) -> Option<Arc<KernelBinary>> {
        self.lock().get(key).map(|e| e.binary.clone())
    }

    /// Caches `binary` under `key` (replacing an entry with that key: same inputs, same code).
    pub fn insert(&self, key: Key, binary: Arc<KernelBinary>) {
        let mut body = Vec::new();
        binary.encode(&mut body);
        let entry = Entry {
            checksum: checksum(&key, &body),
            body: body.into(),
            binary,
        };
        self.lock().insert(key, entry);
    }

    /// Number of kernels cached.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// vkMergePipelineCaches: adds the entries of `src` (shared, not copied).
    pub fn merge_from(&self, src: &PipelineCache) {
        if std::ptr::eq(self, src) {
            return;
        }
        let taken: Vec<(Key, Entry)> = src.lock().iter().map(|(k, e)| (*k, e.clone())).collect();
        let mut dst = self.lock();
        for (k, e) in taken {
            dst.entry(k).or_insert(e);
        }
    }

    /// vkGetPipelineCacheData: the whole data, or with `limit`, the longest data of at most
    /// `limit` bytes that is itself valid cache data (the header and the first entries that
    /// fit; nothing if even the header does not) and whether it is all of it.
    pub fn data(&self, limit: Option<usize>) -> (Vec<u8>, bool) {
        let entries: Vec<(Key, Entry)> = self.lock().iter().map(|(k, e)| (*k, e.clone())).collect();
        let limit = limit.unwrap_or(usize::MAX);
        if limit < HEADER_BYTES {
            return (Vec::new(), false);
        }
        let mut out = self.identity.header().to_vec();
        if entries.is_empty() {
            return (out, true);
        }
        let mut room = limit - HEADER_BYTES;
        if room < PREAMBLE_BYTES {
            return (out, false);
        }
        room -= PREAMBLE_BYTES;
        let mut fitting = 0;
        for (_, e) in &entries {
            let n = ENTRY_HEAD_BYTES + e.body.len();
            if n > room {
                break;
            }
            room -= n;
            fitting += 1;
        }
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(&(fitting as u32).to_le_bytes());
        for (k, e) in &entries[..fitting] {
            out.extend_from_slice(k);
            out.extend_from_slice(&(e.body.len() as u32).to_le_bytes());
            out.extend_from_slice(&e.checksum);
            out.extend_from_slice(&e.body);
        }
        (out, fitting == entries.len())
    }
}

/// The usable entries of `data` and, if anything was ignored, why (module docs).
fn read(identity: &CacheIdentity, data: &[u8]) -> (BTreeMap<Key, Entry>, Option<String>) {
    let mut entries = BTreeMap::new();
    if data.is_empty() {
        return (entries, None);
    }
    let Some(header) = data.get(..HEADER_BYTES) else {
        return (
            entries,
            Some(format!("{} bytes are shorter than the header", data.len())),
        );
    };
    if header != identity.header() {
        return (
            entries,
            Some(
                "its header (size, version, vendorID, deviceID, pipelineCacheUUID) is not this \
                 device's"
                    .into(),
            ),
        );
    }
    let rest = &data[HEADER_BYTES..];
    if rest.is_empty() {
        return (entries, None);
    }
    let Some(preamble) = rest.get(..PREAMBLE_BYTES) else {
        return (entries, Some("it is truncated after the header".into()));
    };
    if &preamble[..MAGIC.len()] != MAGIC
        || preamble[MAGIC.len()..MAGIC.len() + 4] != FORMAT.to_le_bytes()
    {
        return (
            entries,
            Some("its entries are not in this build's format".into()),
        );
    }
    let count = u32::from_le_bytes(preamble[MAGIC.len() + 4..].try_into().expect("4"));
    let mut rest = &rest[PREAMBLE_BYTES..];
    let mut ignored: Vec<String> = Vec::new();
    for i in 0..count {
        let Some(head) = rest.get(..ENTRY_HEAD_BYTES) else {
            ignored.push(format!("entries {i}.. are truncated"));
            break;
        };
        let key: Key = head[..32].try_into().expect("32");
        let len = u32::from_le_bytes(head[32..36].try_into().expect("4")) as usize;
        let sum: [u8; 32] = head[36..68].try_into().expect("32");
        let Some(body) = rest[ENTRY_HEAD_BYTES..].get(..len) else {
            ignored.push(format!("entries {i}.. are truncated"));
            break;
        };
        rest = &rest[ENTRY_HEAD_BYTES + len..];
        if checksum(&key, body) != sum {
            ignored.push(format!("entry {i}: checksum mismatch"));
            continue;
        }
        match KernelBinary::decode(body) {
            Ok(b) => {
                entries.insert(
                    key,
                    Entry {
                        binary: Arc::new(b),
                        body: body.into(),
                        checksum: sum,
                    },
                );
            }
            Err(e) => ignored.push(format!("entry {i}: {e}")),
        }
    }
    if ignored.is_empty() && !rest.is_empty() {
        ignored.push(format!("{} bytes after the last entry", rest.len()));
    }
    let why = (!ignored.is_empty()).then(|| {
        format!(
            "{} of its {count} entries kept ({})",
            entries.len(),
            ignored.join("; ")
        )
    });
    (entries, why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shader::{BindingLayout, DescriptorKind, Module, compile_compute};

    fn identity() -> CacheIdentity {
        CacheIdentity {
            vendor_id: 0x10005,
            device_id: 7,
            uuid: [3; 16],
        }
    }

    fn words(path: &str) -> Vec<u32> {
        std::fs::read(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path))
            .expect(path)
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }

    /// A cache with kernels of `n` specializations of the bench's 20-way shader.
    fn filled(n: u32) -> (PipelineCache, Vec<Key>) {
        let w = words("shaders/bench/variants.spv");
        let m = Module::parse(&w).unwrap();
        let iface = PipelineInterface {
            bindings: (0..2)
                .map(|i| BindingLayout {
                    set: 0,
                    binding: i,
                    kind: DescriptorKind::StorageBuffer,
                    count: 1,
                    first_slot: i,
                })
                .collect(),
            push_constant_bytes: 4,
        };
        let bytes: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
        let digest = Sha256::digest(&bytes);
        let (cache, why) = PipelineCache::new(identity(), &[]);
        assert!(why.is_none());
        let mut keys = vec![];
        for v in 0..n {
            let mut spec = SpecConstants::default();
            spec.values.insert(0, v.to_le_bytes().to_vec());
            let k = key(
                &digest,
                "main",
                &spec,
                &iface,
                vk::PipelineShaderStageCreateFlags::empty(),
                None,
            );
            let kernel = compile_compute(&m, "main", &spec, &iface).unwrap();
            cache.insert(k, kernel.binary().unwrap().clone());
            keys.push(k);
        }
        (cache, keys)
    }

    #[test]
    fn data_round_trips_and_prefixes_are_valid() {
        let (cache, keys) = filled(3);
        let (data, whole) = cache.data(None);
        assert!(whole);
        let (again, why) = PipelineCache::new(identity(), &data);
        assert!(why.is_none(), "{why:?}");
        assert_eq!(again.len(), 3);
        for k in &keys {
            assert_eq!(again.get(k), cache.get(k));
        }
        assert_eq!(
            again.data(None).0,
            data,
            "the data does not depend on history"
        );
        // Every limit gives valid data: the header and the entries that fit.
        let mut seen = vec![];
        for limit in 0..=data.len() {
            let (d, whole) = cache.data(Some(limit));
            assert!(d.len() <= limit);
            assert_eq!(whole, limit == data.len());
            if limit < HEADER_BYTES {
                assert!(d.is_empty());
                continue;
            }
            let (c, why) = PipelineCache::new(identity(), &d);
            assert!(why.is_none(), "limit {limit}: {why:?}");
            assert!(data.starts_with(&d[..HEADER_BYTES]));
            if !seen.contains(&c.len()) {
                seen.push(c.len());
            }
        }
        assert_eq!(seen, [0, 1, 2, 3]);
    }

    #[test]
    fn foreign_truncated_and_corrupted_data_is_ignored() {
        let (cache, keys) = filled(2);
        let (data, _) = cache.data(None);
        // Another device, vendor, UUID or header version: nothing is read.
        for (at, what) in [
            (0, "size"),
            (4, "version"),
            (8, "vendor"),
            (12, "device"),
            (20, "uuid"),
        ] {
            let mut d = data.clone();
            d[at] ^= 1;
            let (c, why) = PipelineCache::new(identity(), &d);
            assert!(c.is_empty(), "{what}");
            assert!(why.is_some(), "{what}");
        }
        // Every truncation keeps only whole entries, and says so.
        for n in 1..data.len() {
            let (c, why) = PipelineCache::new(identity(), &data[..n]);
            assert!(c.len() < 2, "truncated to {n}");
            assert!(n == HEADER_BYTES || why.is_some(), "truncated to {n}");
        }
        // Any flipped bit is caught: by the header, the preamble, a length or a checksum.
        for i in HEADER_BYTES..data.len() {
            let mut d = data.clone();
            d[i] ^= 0x10;
            let (c, why) = PipelineCache::new(identity(), &d);
            assert!(why.is_some(), "byte {i} flipped unnoticed");
            for k in &keys {
                if let Some(b) = c.get(k) {
                    assert_eq!(Some(b), cache.get(k), "byte {i}: a changed entry was kept");
                }
            }
        }
        // Garbage of every size up to 200 bytes.
        for n in 0..200usize {
            let g: Vec<u8> = (0..n).map(|i| (i * 37 + n) as u8).collect();
            let (c, _) = PipelineCache::new(identity(), &g);
            assert!(c.is_empty());
        }
    }

    #[test]
    fn merge_shares_entries() {
        let (a, keys) = filled(2);
        let (b, _) = PipelineCache::new(identity(), &[]);
        b.merge_from(&a);
        b.merge_from(&b);
        assert_eq!(b.len(), 2);
        assert!(Arc::ptr_eq(
            &a.get(&keys[0]).unwrap(),
            &b.get(&keys[0]).unwrap()
        ));
        assert_eq!(a.data(None), b.data(None));
    }

    /// The key changes with each input.
    #[test]
    fn keys_name_every_input() {
        let d = [1u8; 32];
        let iface = PipelineInterface {
            bindings: vec![BindingLayout {
                set: 0,
                binding: 0,
                kind: DescriptorKind::StorageBuffer,
                count: 1,
                first_slot: 0,
            }],
            push_constant_bytes: 4,
        };
        let spec = SpecConstants::default();
        let f = vk::PipelineShaderStageCreateFlags::empty();
        let base = key(&d, "main", &spec, &iface, f, None);
        assert_eq!(base, key(&d, "main", &spec, &iface, f, None));
        let mut others = vec![
            key(&[2; 32], "main", &spec, &iface, f, None),
            key(&d, "main2", &spec, &iface, f, None),
            key(
                &d,
                "main",
                &spec,
                &iface,
                vk::PipelineShaderStageCreateFlags::REQUIRE_FULL_SUBGROUPS,
                None,
            ),
            key(&d, "main", &spec, &iface, f, Some(4)),
        ];
        let mut s = spec.clone();
        s.values.insert(0, vec![1, 0, 0, 0]);
        others.push(key(&d, "main", &s, &iface, f, None));
        s.values.insert(0, vec![2, 0, 0, 0]);
        others.push(key(&d, "main", &s, &iface, f, None));
        for change in 0..6 {
            let mut i = iface.clone();
            let b = &mut i.bindings[0];
            match change {
                0 => b.set = 1,
                1 => b.binding = 1,
                2 => b.kind = DescriptorKind::UniformBuffer,
                3 => b.count = 2,
                4 => b.first_slot = 1,
                _ => i.push_constant_bytes = 8,
            }
            others.push(key(&d, "main", &spec, &i, f, None));
        }
        crate::shader::BACKEND.with(|b| b.set(Some(crate::shader::Backend::Scalar)));
        others.push(key(&d, "main", &spec, &iface, f, None));
        crate::shader::BACKEND.with(|b| b.set(None));
        for (i, o) in others.iter().enumerate() {
            assert_ne!(*o, base, "change {i}");
            assert!(!others[..i].contains(o), "change {i}");
        }
    }

    /// A graphics stage's key changes with each input, and differs from the compute key and
    /// the other stage's key of the same inputs.
    #[test]
    fn stage_keys_name_every_input() {
        type S = vk::ShaderStageFlags;
        let d = [1u8; 32];
        let iface = PipelineInterface {
            bindings: vec![BindingLayout {
                set: 0,
                binding: 0,
                kind: DescriptorKind::UniformBuffer,
                count: 1,
                first_slot: 0,
            }],
            push_constant_bytes: 16,
        };
        let spec = SpecConstants::default();
        let f = vk::PipelineShaderStageCreateFlags::empty();
        let base = stage_key(S::FRAGMENT, &d, "main", &spec, &iface, f);
        assert_eq!(base, stage_key(S::FRAGMENT, &d, "main", &spec, &iface, f));
        let mut s = spec.clone();
        s.values.insert(3, vec![1, 0, 0, 0]);
        let mut i = iface.clone();
        i.bindings[0].first_slot = 2;
        let mut p = iface.clone();
        p.push_constant_bytes = 32;
        let others = [
            stage_key(S::VERTEX, &d, "main", &spec, &iface, f),
            key(&d, "main", &spec, &iface, f, None),
            stage_key(S::FRAGMENT, &[2; 32], "main", &spec, &iface, f),
            stage_key(S::FRAGMENT, &d, "main2", &spec, &iface, f),
            stage_key(S::FRAGMENT, &d, "main", &s, &iface, f),
            stage_key(S::FRAGMENT, &d, "main", &spec, &i, f),
            stage_key(S::FRAGMENT, &d, "main", &spec, &p, f),
            stage_key(
                S::FRAGMENT,
                &d,
                "main",
                &spec,
                &iface,
                vk::PipelineShaderStageCreateFlags::ALLOW_VARYING_SUBGROUP_SIZE,
            ),
        ];
        for (n, o) in others.iter().enumerate() {
            assert_ne!(*o, base, "change {n}");
            assert!(!others[..n].contains(o), "change {n}");
        }
    }
}
