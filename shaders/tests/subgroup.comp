#version 450
#extension GL_KHR_shader_subgroup_basic : require
// Loader test (tests/tests/compute.rs): the basic subgroup operations every Vulkan 1.1 device
// supports in compute, with softvk's subgroups of four invocations (consecutive local indices).
layout(local_size_x = 8, local_size_y = 2) in;
layout(set = 0, binding = 0, std430) writeonly buffer O { uvec4 v[]; } o;
void main() {
    subgroupBarrier();
    subgroupMemoryBarrier();
    uint elected = subgroupElect() ? 1u : 0u;
    o.v[gl_LocalInvocationIndex] =
        uvec4(gl_SubgroupSize, gl_SubgroupInvocationID, gl_NumSubgroups * 100u + gl_SubgroupID, elected);
}
