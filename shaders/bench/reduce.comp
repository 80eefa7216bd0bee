#version 450
#extension GL_KHR_shader_subgroup_arithmetic : require
// Benchmark (softvk-bench): the sum of n floats, one partial sum per 64-wide workgroup (a 2D
// grid): subgroupAdd within each subgroup, then the subgroups' sums through workgroup memory.
layout(local_size_x = 64) in;
layout(set = 0, binding = 0, std430) readonly buffer X { float x[]; };
layout(set = 0, binding = 1, std430) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; } pc;
shared float partial[64];
void main() {
    uint i = gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 64u + gl_GlobalInvocationID.x;
    float s = subgroupAdd(i < pc.n ? x[i] : 0.0);
    if (subgroupElect()) {
        partial[gl_SubgroupID] = s;
    }
    barrier();
    if (gl_LocalInvocationIndex == 0u) {
        float t = 0.0;
        for (uint k = 0u; k < gl_NumSubgroups; k++) {
            t += partial[k];
        }
        y[gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x] = t;
    }
}
