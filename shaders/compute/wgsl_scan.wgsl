// WGSL through naga: a workgroup prefix sum (Hillis-Steele, workgroupBarrier between steps) over
// 64 values per workgroup, a runtime-sized array (arrayLength), an atomic total, a struct with a
// vec3<f32> member, integer builtins and select. Two workgroups of 64. Expected values:
// wgsl_scan.py.
struct Item {
    pos: vec3<f32>,
    w: f32,
}

@group(0) @binding(0) var<storage, read> input: array<u32>;
@group(0) @binding(1) var<storage, read_write> scan: array<u32>;
@group(0) @binding(2) var<storage, read_write> total: atomic<u32>;
@group(0) @binding(3) var<storage, read_write> items: array<Item>;

var<workgroup> tmp: array<u32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    var v = 0u;
    if (i < arrayLength(&input)) {
        v = input[i];
    }
    tmp[lid] = v;
    workgroupBarrier();
    for (var d = 1u; d < 64u; d = d * 2u) {
        var add = 0u;
        if (lid >= d) {
            add = tmp[lid - d];
        }
        workgroupBarrier();
        tmp[lid] = tmp[lid] + add;
        workgroupBarrier();
    }
    scan[i] = tmp[lid];
    atomicAdd(&total, countOneBits(v) + firstTrailingBit(v | 0x80000000u));
    var it = items[i];
    let s = select(-1.0, 1.0, (v & 1u) == 1u);
    it.pos = vec3<f32>(it.pos.z, it.pos.x, it.pos.y) * s + vec3<f32>(f32(lid));
    it.w = it.w + f32(reverseBits(v) >> 28u);
    items[i] = it;
}
