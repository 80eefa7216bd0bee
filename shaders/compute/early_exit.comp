#version 450
// SoA backend: lanes leaving the entry point early (returns straight to the end), then code
// run by the lanes left: a uniform loop with stores, atomics, a divergent loop. Seven
// invocations per workgroup (a full subgroup and a partial one), two workgroups.
layout(local_size_x = 7) in;
layout(set = 0, binding = 0, std430) buffer Out { uint o[]; };
layout(set = 0, binding = 1, std430) readonly buffer In { uint data[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    uint v = data[i];
    if (v == 3u) {
        return;
    }
    uint acc = 0u;
    for (uint k = 0u; k < 4u; k++) {
        acc += v * k + 1u;
        o[i * 4u + k] = acc;
    }
    if ((i & 1u) == 0u) {
        return;
    }
    atomicAdd(o[100], v);
    for (uint k = 0u; k < v % 5u; k++) {
        acc = acc * 3u + 1u;
    }
    o[64u + i] = acc;
}
