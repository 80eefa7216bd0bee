#version 450
// A shader with subgroup built-ins the SoA backend declines (a built-in indexed dynamically):
// pipeline creation fails with the SoA backend's reason instead of falling back to the scalar
// backend, whose subgroups would be one invocation wide.
#extension GL_KHR_shader_subgroup_ballot : enable
layout(local_size_x = 4) in;
layout(std430, binding = 0) buffer O { uint o[]; } o;
void main() {
    uint i = gl_LocalInvocationIndex;
    o.o[i] = gl_SubgroupEqMask[o.o[i] & 3u];
}
