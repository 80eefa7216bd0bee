#version 450
// Loader test (tests/tests/sampling.rs): textureLod / textureGrad / textureLodOffset of a
// combined image sampler at the coordinates given, one invocation per coordinate.
// at[i] = (s, t, lod, mode): mode 0 textureLod, 1 textureGrad with d/dx = (lod, 0) and
// d/dy = (0, lod), 2 textureLodOffset with offset (1, -1), 3 textureProjLod with (s, t) * 2
// over q = 2 (exact in f32: the same as mode 0).
layout(local_size_x = 1) in;
layout(set = 0, binding = 0) uniform sampler2D tex;
layout(set = 0, binding = 1, std430) readonly buffer Coords { vec4 at[]; } coords;
layout(set = 0, binding = 2, std430) writeonly buffer Out { vec4 v[]; } o;
void main() {
    uint i = gl_GlobalInvocationID.x;
    vec4 c = coords.at[i];
    if (c.w == 1.0) {
        o.v[i] = textureGrad(tex, c.xy, vec2(c.z, 0.0), vec2(0.0, c.z));
    } else if (c.w == 2.0) {
        o.v[i] = textureLodOffset(tex, c.xy, c.z, ivec2(1, -1));
    } else if (c.w == 3.0) {
        o.v[i] = textureProjLod(tex, vec3(c.xy * 2.0, 2.0), c.z);
    } else {
        o.v[i] = textureLod(tex, c.xy, c.z);
    }
}
