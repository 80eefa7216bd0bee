#version 450
// A large function-memory array (64 KiB per invocation) in a shader with a workgroup barrier:
// with barriers as phases the array lives in each subgroup's area and keeps its contents
// across the barrier. Each invocation fills its array, publishes a value through shared
// memory, and after the barrier reads its neighbour's value and its own array back.
layout(local_size_x = 8) in;
layout(set = 0, binding = 0, std430) buffer Out { uint count; uint o[]; };
shared uint pub_[8];
void main() {
    uint i = gl_GlobalInvocationID.x;
    uint l = gl_LocalInvocationIndex;
    uint big[16384];
    for (uint k = 0u; k < 16384u; k += 97u) {
        big[k] = k * (i + 1u);
    }
    pub_[l] = i * 1000u;
    barrier();
    uint s = pub_[(l + 1u) % 8u];
    for (uint k = 0u; k < 16384u; k += 97u * 8u) {
        s += big[k];
    }
    o[i] = s;
    atomicAdd(count, 1u);
}
