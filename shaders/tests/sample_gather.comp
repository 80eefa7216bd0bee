#version 450
// Loader test (tests/tests/sampling.rs, gathers_follow_the_spec): OpImageGather (every
// component, ConstOffset, Offset, ConstOffsets) and OpImageDrefGather on 2D, 2D array and cube
// views, one invocation per coordinate. at[i] = (s, t, layer, dref), dir[i] = a cube direction,
// off[i].xy = the Offset operand.
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform sampler2D t2;
layout(set = 0, binding = 1) uniform sampler2DArray t2a;
layout(set = 0, binding = 2) uniform samplerCube tc;
layout(set = 0, binding = 3) uniform usampler2D t2u;
layout(set = 0, binding = 4) uniform sampler2DShadow t2s;
layout(set = 0, binding = 5) uniform samplerCubeShadow tcs;
layout(set = 0, binding = 6, std430) readonly buffer Coords {
    vec4 at[64];
    vec4 dir[64];
    ivec4 off[64];
} coords;
layout(set = 0, binding = 7, std430) writeonly buffer Out { uvec4 v[]; } o;
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 c = coords.at[i];
    vec3 d = coords.dir[i].xyz;
    uint k = i * 12;
    o.v[k + 0] = floatBitsToUint(textureGather(t2, c.xy, 0));
    o.v[k + 1] = floatBitsToUint(textureGather(t2, c.xy, 1));
    o.v[k + 2] = floatBitsToUint(textureGather(t2, c.xy, 2));
    o.v[k + 3] = floatBitsToUint(textureGather(t2, c.xy, 3));
    o.v[k + 4] = floatBitsToUint(textureGatherOffset(t2, c.xy, ivec2(-8, 7), 1));
    o.v[k + 5] = floatBitsToUint(textureGatherOffset(t2, c.xy, coords.off[i].xy, 2));
    o.v[k + 6] = floatBitsToUint(textureGatherOffsets(
        t2, c.xy, ivec2[4](ivec2(0, 0), ivec2(-8, 7), ivec2(3, -2), ivec2(7, -8)), 3));
    o.v[k + 7] = floatBitsToUint(textureGather(t2a, c.xyz, 0));
    o.v[k + 8] = floatBitsToUint(textureGather(tc, d, 1));
    o.v[k + 9] = textureGather(t2u, c.xy, 3);
    o.v[k + 10] = floatBitsToUint(textureGather(t2s, c.xy, c.w));
    o.v[k + 11] = floatBitsToUint(textureGather(tcs, d, c.w));
}
