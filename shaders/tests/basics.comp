#version 450
// Loader test (tests/tests/compute.rs): uniform and storage buffers (std140/std430), a dynamic
// storage buffer in set 1, push constants, specialization constants (the workgroup size and a
// multiplier) and a shared-memory reduction with barriers.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MUL = 1;
layout(set = 0, binding = 0, std140) uniform U { uvec4 add; } u;
layout(set = 0, binding = 1, std430) readonly buffer In { uint data[]; } inb;
layout(set = 0, binding = 2, std430) writeonly buffer Out { uint data[]; } outb;
layout(set = 1, binding = 0, std430) writeonly buffer Sums { uint sums[]; } sums;
layout(push_constant) uniform P { uint n; } pc;
shared uint partial[1024];
void main() {
    uint i = gl_GlobalInvocationID.x;
    uint l = gl_LocalInvocationIndex;
    uint v = i < pc.n ? inb.data[i] * MUL + u.add.x : 0u;
    if (i < pc.n) {
        outb.data[i] = v;
    }
    partial[l] = v;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1u) {
        if (l < s) {
            partial[l] += partial[l + s];
        }
        barrier();
    }
    if (l == 0u) {
        sums.sums[gl_WorkGroupID.x] = partial[0];
    }
}
