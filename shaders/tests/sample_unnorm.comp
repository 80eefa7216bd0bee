#version 450
// Loader test (tests/tests/sampling.rs): textureLod at level 0 with an unnormalized-coordinates
// sampler (no offsets, no bias: VUID-vkCmdDispatch-None-02704), one invocation per coordinate.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform sampler2D tex;
layout(set = 0, binding = 1, std430) readonly buffer Coords { vec4 at[]; } coords;
layout(set = 0, binding = 2, std430) writeonly buffer Out { vec4 v[]; } o;
void main() {
    uint i = gl_GlobalInvocationID.x;
    o.v[i] = textureLod(tex, coords.at[i].xy, 0.0);
}
