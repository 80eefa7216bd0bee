#version 450
// Loader test (tests/tests/compute.rs): built-in IDs under vkCmdDispatchBase and
// vkCmdDispatchIndirect. Each invocation writes 8 words at its linear index.
layout(local_size_x = 2, local_size_y = 2, local_size_z = 1) in;
layout(set = 0, binding = 0, std430) writeonly buffer Out { uvec4 words[]; } o;
void main() {
    uvec3 g = gl_GlobalInvocationID;
    uvec3 n = gl_NumWorkGroups * gl_WorkGroupSize;
    uint index = (g.z * 64u + g.y) * 64u + g.x;
    o.words[index * 2u] = uvec4(gl_WorkGroupID, gl_LocalInvocationIndex);
    o.words[index * 2u + 1u] = uvec4(gl_NumWorkGroups, 1u);
}
