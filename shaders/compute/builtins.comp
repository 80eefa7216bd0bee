#version 450
// Every compute builtin, with vkCmdDispatchBase: base (1,0,2), groups (2,2,1), local size 2x1x2.
layout(local_size_x = 2, local_size_y = 1, local_size_z = 2) in;
layout(set = 0, binding = 0) buffer Out { uint r[]; } o;
void main() {
    uvec3 g = gl_GlobalInvocationID;
    // Linear index of this invocation inside the dispatch (base removed).
    uvec3 gb = g - uvec3(1, 0, 2) * gl_WorkGroupSize;
    uvec3 dim = gl_NumWorkGroups * gl_WorkGroupSize;
    uint i = gb.x + gb.y * dim.x + gb.z * dim.x * dim.y;
    uint b = i * 12;
    o.r[b + 0] = g.x; o.r[b + 1] = g.y; o.r[b + 2] = g.z;
    o.r[b + 3] = gl_LocalInvocationID.x; o.r[b + 4] = gl_LocalInvocationID.y; o.r[b + 5] = gl_LocalInvocationID.z;
    o.r[b + 6] = gl_WorkGroupID.x; o.r[b + 7] = gl_WorkGroupID.y; o.r[b + 8] = gl_WorkGroupID.z;
    o.r[b + 9] = gl_NumWorkGroups.x * 100 + gl_NumWorkGroups.y * 10 + gl_NumWorkGroups.z;
    o.r[b + 10] = gl_LocalInvocationIndex;
    o.r[b + 11] = gl_WorkGroupSize.x * 100 + gl_WorkGroupSize.y * 10 + gl_WorkGroupSize.z;
}
