#version 450
// A large function-memory array (64 KiB per invocation): the shader runs on a coroutine stack
// of its size. Every invocation adds 1 to a counter once, so running a subgroup twice shows.
layout(local_size_x = 8) in;
layout(set = 0, binding = 0, std430) buffer Out { uint count; uint o[]; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    uint big[16384];
    for (uint k = 0u; k < 16384u; k += 97u) {
        big[k] = k * (i + 1u);
    }
    uint s = 0u;
    for (uint k = 0u; k < 16384u; k += 97u * 8u) {
        s += big[k];
    }
    o[i] = s;
    atomicAdd(count, 1u);
}
